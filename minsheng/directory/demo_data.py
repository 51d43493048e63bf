"""The demo directory: 甘肃省 with its 14 prefecture-level divisions and their counties,
units, leaders' offices, the topic hierarchy and a complete responsibility table.

Region names and county-level codes are the GB/T 2260 ones. Township-level (乡级)
codes follow the 9-digit pattern of the statistical division codes, but their sequence
numbers are assigned here for the demo and may differ from the official list.

``bundle()`` returns the data as the same rows the directory CSV files hold (see
``csvio``), so ``minsheng load-directory`` goes through the same validation and
upsert as ``minsheng import-directory``.
"""

from __future__ import annotations

import zlib

PROVINCE = ("620000", "甘肃省")

# code, name, kind of leader ("市" or "州"), counties [(code, name)]
PREFECTURES: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    ("620100", "兰州市", "市", [
        ("620102", "城关区"), ("620103", "七里河区"), ("620104", "西固区"), ("620105", "安宁区"),
        ("620111", "红古区"), ("620121", "永登县"), ("620122", "皋兰县"), ("620123", "榆中县"),
    ]),
    ("620200", "嘉峪关市", "市", []),
    ("620300", "金昌市", "市", [("620302", "金川区"), ("620321", "永昌县")]),
    ("620400", "白银市", "市", [
        ("620402", "白银区"), ("620403", "平川区"), ("620421", "靖远县"), ("620422", "会宁县"),
        ("620423", "景泰县"),
    ]),
    ("620500", "天水市", "市", [
        ("620502", "秦州区"), ("620503", "麦积区"), ("620521", "清水县"), ("620522", "秦安县"),
        ("620523", "甘谷县"), ("620524", "武山县"), ("620525", "张家川回族自治县"),
    ]),
    ("620600", "武威市", "市", [
        ("620602", "凉州区"), ("620621", "民勤县"), ("620622", "古浪县"), ("620623", "天祝藏族自治县"),
    ]),
    ("620700", "张掖市", "市", [
        ("620702", "甘州区"), ("620721", "肃南裕固族自治县"), ("620722", "民乐县"), ("620723", "临泽县"),
        ("620724", "高台县"), ("620725", "山丹县"),
    ]),
    ("620800", "平凉市", "市", [
        ("620802", "崆峒区"), ("620821", "泾川县"), ("620822", "灵台县"), ("620823", "崇信县"),
        ("620825", "庄浪县"), ("620826", "静宁县"), ("620881", "华亭市"),
    ]),
    ("620900", "酒泉市", "市", [
        ("620902", "肃州区"), ("620921", "金塔县"), ("620922", "瓜州县"), ("620923", "肃北蒙古族自治县"),
        ("620924", "阿克塞哈萨克族自治县"), ("620981", "玉门市"), ("620982", "敦煌市"),
    ]),
    ("621000", "庆阳市", "市", [
        ("621002", "西峰区"), ("621021", "庆城县"), ("621022", "环县"), ("621023", "华池县"),
        ("621024", "合水县"), ("621025", "正宁县"), ("621026", "宁县"), ("621027", "镇原县"),
    ]),
    ("621100", "定西市", "市", [
        ("621102", "安定区"), ("621121", "通渭县"), ("621122", "陇西县"), ("621123", "渭源县"),
        ("621124", "临洮县"), ("621125", "漳县"), ("621126", "岷县"),
    ]),
    ("621200", "陇南市", "市", [
        ("621202", "武都区"), ("621221", "成县"), ("621222", "文县"), ("621223", "宕昌县"),
        ("621224", "康县"), ("621225", "西和县"), ("621226", "礼县"), ("621227", "徽县"), ("621228", "两当县"),
    ]),
    ("622900", "临夏回族自治州", "州", [
        ("622901", "临夏市"), ("622921", "临夏县"), ("622922", "康乐县"), ("622923", "永靖县"),
        ("622924", "广河县"), ("622925", "和政县"), ("622926", "东乡族自治县"),
        ("622927", "积石山保安族东乡族撒拉族自治县"),
    ]),
    ("623000", "甘南藏族自治州", "州", [
        ("623001", "合作市"), ("623021", "临潭县"), ("623022", "卓尼县"), ("623023", "舟曲县"),
        ("623024", "迭部县"), ("623025", "玛曲县"), ("623026", "碌曲县"), ("623027", "夏河县"),
    ]),
]

# Short forms used in leaders' titles (临夏州州长, not 临夏回族自治州州长).
LEADER_PREFIX = {"622900": "临夏州", "623000": "甘南州"}

# 街道 / 乡镇 for two counties (demo sequence numbers, see the module docstring).
TOWNSHIPS: dict[str, list[str]] = {
    "620102": ["酒泉路街道", "张掖路街道", "雁南街道", "皋兰路街道", "东岗街道", "拱星墩街道", "火车站街道",
               "渭源路街道"],
    "621102": ["中华路街道", "永定路街道", "福台路街道", "凤翔镇", "内官营镇", "香泉镇", "西巩驿镇"],
}

# --- topics -------------------------------------------------------------------
# (code, name, keywords, [(code, name, keywords)])
TOPICS: list[tuple[str, str, str, list[tuple[str, str, str]]]] = [
    ("urban", "城乡建设", "住房 小区 物业 电梯 供暖 违建", [
        ("urban-housing", "住房保障", "公租房 廉租房 保障房 棚改 安置房 房产证"),
        ("urban-oldcompound", "老旧小区改造", "老旧小区 加装电梯 外墙保温 管网改造"),
        ("urban-property", "物业管理", "物业 物业费 业委会 维修基金"),
        ("urban-heating", "供暖供气", "供暖 暖气 燃气 天然气 供热"),
        ("urban-illegal", "违章建筑", "违建 私搭乱建 违章 加盖"),
        ("urban-municipal", "市政设施", "路灯 井盖 排水 下水道 积水"),
    ]),
    ("environment", "环境保护", "污染 噪音 油烟 垃圾 排放", [
        ("environment-noise", "噪声污染", "噪音 施工 夜间 广场舞 搅拌站"),
        ("environment-air", "大气污染", "扬尘 烟尘 异味 锅炉 排放"),
        ("environment-water", "水污染", "排污 河道 污水 黑臭"),
        ("environment-waste", "垃圾处理", "垃圾 清运 垃圾站 分类"),
        ("environment-fumes", "油烟扰民", "油烟 烧烤 餐馆 排烟"),
    ]),
    ("traffic", "交通运输", "道路 公交 停车 出租车", [
        ("traffic-road", "道路建设养护", "道路 坑洼 破损 修路"),
        ("traffic-bus", "公共交通", "公交 线路 站点 班次 地铁"),
        ("traffic-parking", "停车管理", "停车 车位 停车场 乱停"),
        ("traffic-safety", "交通安全", "红绿灯 斑马线 减速带 学校门口"),
        ("traffic-taxi", "出租网约车", "出租车 网约车 拒载 绕路"),
    ]),
    ("education", "教育文体", "学校 学区 幼儿园 体育", [
        ("education-preschool", "学前教育", "幼儿园 入园 普惠"),
        ("education-school", "义务教育", "学区 划片 入学 转学 课后服务"),
        ("education-campus", "校园安全", "校车 食堂 校园"),
        ("education-culture", "文化体育", "图书馆 体育场 健身器材 文化馆"),
    ]),
    ("labour", "劳动和社会保障", "工资 社保 就业 养老", [
        ("labour-wages", "拖欠工资", "欠薪 农民工 工资 讨薪"),
        ("labour-insurance", "社会保险", "社保 养老保险 转移 缴费"),
        ("labour-jobs", "就业创业", "就业 招聘 创业 补贴 培训"),
        ("labour-elderly", "养老服务", "养老院 老年 助餐 高龄补贴"),
    ]),
    ("commerce", "商贸旅游", "消费 旅游 商户 市场", [
        ("commerce-consumer", "消费维权", "退款 预付卡 虚假宣传 消费"),
        ("commerce-tourism", "旅游市场", "景区 门票 导游 旅游"),
        ("commerce-market", "市场经营", "农贸市场 摊位 商铺 夜市"),
    ]),
    ("health", "卫生计生", "医院 卫生 疫苗 生育", [
        ("health-service", "医疗服务", "医院 挂号 医生 就诊"),
        ("health-public", "公共卫生", "疫苗 接种 防疫 卫生院"),
        ("health-birth", "生育服务", "生育 育儿 托育 出生证"),
        ("health-food", "食品药品安全", "食品 过期 药店 餐饮 卫生"),
    ]),
    ("govservice", "政务服务", "办事 窗口 证照 热线", [
        ("govservice-efficiency", "办事效率", "窗口 排队 跑腿 材料"),
        ("govservice-license", "证照办理", "营业执照 不动产 证件"),
        ("govservice-hotline", "12345热线", "12345 热线 回访"),
    ]),
    ("police", "公安政法", "治安 户籍 诈骗 派出所", [
        ("police-order", "治安管理", "治安 打架 盗窃 扰民"),
        ("police-hukou", "户籍管理", "户口 落户 身份证 迁移"),
        ("police-fraud", "电信诈骗", "诈骗 骗局 电话"),
    ]),
    ("rural", "三农", "农村 农民 农业 乡村", [
        ("rural-water", "农村饮水", "自来水 饮水 水管 停水"),
        ("rural-road", "农村道路", "村道 通村路 硬化"),
        ("rural-subsidy", "惠农补贴", "补贴 种粮 农机 低保"),
        ("rural-land", "土地与宅基地", "宅基地 土地流转 承包地 征地"),
    ]),
    ("medical", "医疗", "医保 报销 药品", [
        ("medical-insurance", "医保报销", "医保 报销 异地就医 门诊统筹"),
        ("medical-drugs", "药品价格", "药价 集采 药品"),
    ]),
    ("enterprise", "企业", "企业 营商 惠企", [
        ("enterprise-environment", "营商环境", "审批 检查 营商"),
        ("enterprise-policy", "惠企政策", "减税 补贴 贷款 惠企"),
        ("enterprise-arrears", "拖欠企业账款", "工程款 账款 拖欠"),
    ]),
]

# --- units --------------------------------------------------------------------
# (key, department name, short name); a prefecture's unit is "<prefecture><name>".
PREFECTURE_DEPARTMENTS: list[tuple[str, str, str]] = [
    ("housing", "住房和城乡建设局", "住建局"),
    ("ecology", "生态环境局", "生态环境局"),
    ("transport", "交通运输局", "交通运输局"),
    ("education", "教育局", "教育局"),
    ("hrss", "人力资源和社会保障局", "人社局"),
    ("commerce", "商务局", "商务局"),
    ("health", "卫生健康委员会", "卫健委"),
    ("market", "市场监督管理局", "市场监管局"),
    ("police", "公安局", "公安局"),
    ("cityadmin", "城市管理局", "城管局"),
    ("resources", "自然资源局", "自然资源局"),
    ("culture", "文化和旅游局", "文旅局"),
    ("agriculture", "农业农村局", "农业农村局"),
    ("medicare", "医疗保障局", "医保局"),
    ("water", "水务局", "水务局"),
    ("civil", "民政局", "民政局"),
    ("industry", "工业和信息化局", "工信局"),
    ("development", "发展和改革委员会", "发改委"),
]

PROVINCE_DEPARTMENTS: list[tuple[str, str, str]] = [
    ("housing", "住房和城乡建设厅", "住建厅"),
    ("ecology", "生态环境厅", "生态环境厅"),
    ("transport", "交通运输厅", "交通运输厅"),
    ("education", "教育厅", "教育厅"),
    ("hrss", "人力资源和社会保障厅", "人社厅"),
    ("commerce", "商务厅", "商务厅"),
    ("health", "卫生健康委员会", "卫健委"),
    ("market", "市场监督管理局", "市场监管局"),
    ("police", "公安厅", "公安厅"),
    ("resources", "自然资源厅", "自然资源厅"),
    ("culture", "文化和旅游厅", "文旅厅"),
    ("agriculture", "农业农村厅", "农业农村厅"),
    ("medicare", "医疗保障局", "医保局"),
    ("water", "水利厅", "水利厅"),
    ("civil", "民政厅", "民政厅"),
    ("industry", "工业和信息化厅", "工信厅"),
    ("development", "发展和改革委员会", "发改委"),
]

# County departments (key, name, short name) for the counties listed in COUNTY_DEPARTMENT_SETS.
COUNTY_DEPARTMENTS: list[tuple[str, str, str]] = [
    ("housing", "住房和城乡建设局", "住建局"),
    ("education", "教育局", "教育局"),
    ("agriculture", "农业农村局", "农业农村局"),
    ("health", "卫生健康局", "卫健局"),
    ("hrss", "人力资源和社会保障局", "人社局"),
    ("market", "市场监督管理局", "市场监管局"),
]
COUNTY_DEPARTMENT_SETS: dict[str, list[str]] = {
    # 兰州's urban districts: housing, education, health, hrss, market
    **{code: ["housing", "education", "health", "hrss", "market"] for code in ("620102", "620103", "620104", "620105")},
    # 兰州's rural counties and 红古区: add agriculture
    **{code: ["housing", "education", "agriculture", "health"] for code in ("620111", "620121", "620122", "620123")},
    # 定西市
    **{code: ["housing", "education", "agriculture", "health"] for code in
       ("621102", "621121", "621122", "621123", "621124", "621125", "621126")},
    # 庆阳市
    **{code: ["housing", "education", "agriculture", "health"] for code in
       ("621002", "621021", "621022", "621023", "621024", "621025", "621026", "621027")},
    # 天水市's two districts
    "620502": ["housing", "education"], "620503": ["housing", "education"],
}

# --- responsibilities ---------------------------------------------------------
# topic code -> (lead department key, [assisting department keys]) for every prefecture.
PREFECTURE_RESPONSIBILITIES: dict[str, tuple[str, list[str]]] = {
    "urban": ("housing", ["cityadmin"]),
    "environment": ("ecology", ["resources"]),
    "traffic": ("transport", ["police"]),
    "education": ("education", []),
    "labour": ("hrss", []),
    "commerce": ("commerce", ["market"]),
    "health": ("health", []),
    "govservice": ("center", []),
    "police": ("police", []),
    "rural": ("agriculture", ["water"]),
    "medical": ("medicare", ["health"]),
    "enterprise": ("industry", ["development"]),
    # second-level topics whose lead differs from their parent's
    "urban-illegal": ("cityadmin", ["resources"]),
    "urban-municipal": ("cityadmin", []),
    "environment-fumes": ("cityadmin", ["ecology"]),
    "environment-waste": ("cityadmin", []),
    "traffic-parking": ("police", ["cityadmin"]),
    "traffic-safety": ("police", ["transport"]),
    "education-culture": ("culture", []),
    "labour-elderly": ("civil", []),
    "commerce-consumer": ("market", []),
    "commerce-tourism": ("culture", ["market"]),
    "health-food": ("market", ["health"]),
    "rural-water": ("water", ["agriculture"]),
    "rural-land": ("resources", ["agriculture"]),
    "medical-drugs": ("medicare", ["market"]),
    "enterprise-environment": ("development", ["market"]),
}

# The province's own rows (messages on the province itself, e.g. to 甘肃省省长).
PROVINCE_RESPONSIBILITIES: dict[str, tuple[str, list[str]]] = {
    "urban": ("housing", []), "environment": ("ecology", ["resources"]), "traffic": ("transport", []),
    "education": ("education", []), "labour": ("hrss", []), "commerce": ("commerce", ["market"]),
    "health": ("health", []), "govservice": ("center", []), "police": ("police", []),
    "rural": ("agriculture", ["water"]), "medical": ("medicare", ["health"]),
    "enterprise": ("industry", ["development"]),
}

# County overrides: in these counties the county's own department (or government) leads.
# topic -> county department key ("government" = the county government).
COUNTY_OVERRIDES: dict[str, str] = {
    "urban-property": "housing",
    "urban-oldcompound": "housing",
    "education-preschool": "education",
    "education-school": "education",
    "rural": "agriculture",
    "health-public": "health",
    "labour-wages": "hrss",
    "commerce-market": "market",
}
# Counties without departments still own village affairs.
COUNTY_GOVERNMENT_TOPICS = ["rural-road", "rural-subsidy"]

# Township overrides: property complaints in these 街道 go to the 街道办事处 first.
TOWNSHIP_OVERRIDES = {"urban-property": "office", "environment-waste": "office"}
TOWNSHIP_OVERRIDE_REGIONS = ["酒泉路街道", "张掖路街道", "雁南街道", "中华路街道", "永定路街道"]


def prefecture_lead(topic: str) -> str:
    """The prefecture department key leading ``topic`` (or its first-level parent)."""
    row = PREFECTURE_RESPONSIBILITIES.get(topic) or PREFECTURE_RESPONSIBILITIES[topic.split("-")[0]]
    return row[0]


def township_code(county_code: str, index: int) -> str:
    return f"{county_code}{index + 1:03d}"


def leader_titles(code: str, name: str, kind: str) -> tuple[str, str]:
    short = LEADER_PREFIX.get(code, name)
    if kind == "州":
        return f"{short}委书记", f"{short}州长"
    return f"{name}委书记", f"{name}市长"


def county_leader_titles(name: str) -> tuple[str, str]:
    if name.endswith("区"):
        return f"{name}委书记", f"{name}区长"
    if name.endswith("市"):
        return f"{name}委书记", f"{name}市长"
    return f"{name}委书记", f"{name}县长"


# each prefecture's telephone area code: a demo unit's 联系电话 is a made-up landline there (0931-8xxxxxx in 兰州)
AREA_CODES = {"6201": "0931", "6202": "0937", "6203": "0935", "6204": "0943", "6205": "0938", "6206": "0935",
              "6207": "0936", "6208": "0933", "6209": "0937", "6210": "0934", "6211": "0932", "6212": "0939",
              "6229": "0930", "6230": "0941"}


def demo_phone(name: str, region: str) -> str:
    """A fake but plausible landline for the demo unit ``name`` of ``region`` (the same on every load): its
    prefecture's area code, then 8 and six digits read off the name. Never a mobile: one looks like a person's."""
    return f"{AREA_CODES.get(region[:4], '0931')}-8{zlib.crc32(name.encode()) % 1_000_000:06d}"


def _unit(name, short, region, kind="department", parent=""):
    return {"name": name, "short_name": short, "region_code": region, "kind": kind, "parent_name": parent,
            "is_active": "1", "contact_phone": demo_phone(name, region)}


def bundle() -> dict[str, list[dict[str, str]]]:
    """The demo directory as CSV rows, keyed by file name (see csvio.FILES)."""
    regions, units, addressees, topics, responsibilities = [], [], [], [], []

    def resp(region, topic, unit, role="lead"):
        responsibilities.append({"region_code": region, "topic_code": topic, "unit_name": unit, "role": role})

    for sort, (code, name, keywords, children) in enumerate(TOPICS, start=1):
        topics.append({"code": code, "name": name, "parent_code": "", "keywords": keywords, "sort": str(sort),
                       "is_active": "1"})
        for child_sort, (child_code, child_name, child_keywords) in enumerate(children, start=1):
            topics.append({"code": child_code, "name": child_name, "parent_code": code, "keywords": child_keywords,
                           "sort": str(child_sort), "is_active": "1"})

    pcode, pname = PROVINCE
    regions.append({"code": pcode, "name": pname, "level": "1", "parent_code": ""})
    gov, party = f"{pname}人民政府办公厅", f"中共{pname}委办公厅"
    units += [_unit(f"{pname}人民政府", "省政府", pcode, "government"),
              _unit(gov, "省政府办公厅", pcode, "government", f"{pname}人民政府"),
              _unit(party, "省委办公厅", pcode, "party"),
              _unit(f"{pname}政务服务中心", "省12345", pcode, "center")]
    province_units = {"center": f"{pname}政务服务中心"}
    for key, dept, short in PROVINCE_DEPARTMENTS:
        province_units[key] = f"{pname}{dept}"
        units.append(_unit(f"{pname}{dept}", short, pcode))
    addressees += [
        {"region_code": pcode, "title": "甘肃省委书记", "unit_name": party, "sort": "1", "is_active": "1"},
        {"region_code": pcode, "title": "甘肃省省长", "unit_name": gov, "sort": "2", "is_active": "1"},
    ]
    for topic, (lead, assists) in PROVINCE_RESPONSIBILITIES.items():
        resp(pcode, topic, province_units[lead])
        for a in assists:
            resp(pcode, topic, province_units[a], "assist")

    for code, name, kind, counties in PREFECTURES:
        regions.append({"code": code, "name": name, "level": "2", "parent_code": pcode})
        government = f"{name}人民政府"
        office = f"{name}人民政府办公室"
        party_office = f"中共{name}委员会办公室"
        center = f"{name}政务服务中心"
        units += [_unit(government, f"{name[:2]}{kind}政府", code, "government"),
                  _unit(office, f"{kind}政府办", code, "government", government),
                  _unit(party_office, f"{kind}委办", code, "party"),
                  _unit(center, "12345", code, "center")]
        names = {"center": center}
        for key, dept, short in PREFECTURE_DEPARTMENTS:
            names[key] = f"{name}{dept}"
            units.append(_unit(names[key], short, code, "department", government))
        secretary, mayor = leader_titles(code, name, kind)
        addressees += [
            {"region_code": code, "title": secretary, "unit_name": party_office, "sort": "1", "is_active": "1"},
            {"region_code": code, "title": mayor, "unit_name": office, "sort": "2", "is_active": "1"},
        ]
        for topic, (lead, assists) in PREFECTURE_RESPONSIBILITIES.items():
            resp(code, topic, names[lead])
            for a in assists:
                resp(code, topic, names[a], "assist")

        for county_code, county_name in counties:
            regions.append({"code": county_code, "name": county_name, "level": "3", "parent_code": code})
            county_gov = f"{county_name}人民政府"
            units.append(_unit(county_gov, f"{county_name}政府", county_code, "government", government))
            secretary, head = county_leader_titles(county_name)
            addressees += [
                {"region_code": county_code, "title": secretary, "unit_name": county_gov, "sort": "1",
                 "is_active": "1"},
                {"region_code": county_code, "title": head, "unit_name": county_gov, "sort": "2", "is_active": "1"},
            ]
            departments = COUNTY_DEPARTMENT_SETS.get(county_code, [])
            county_units = {"government": county_gov}
            for key, dept, short in COUNTY_DEPARTMENTS:
                if key in departments:
                    county_units[key] = f"{county_name}{dept}"
                    units.append(_unit(county_units[key], short, county_code, "department", county_gov))
            for topic, key in COUNTY_OVERRIDES.items():
                if key in county_units:
                    resp(county_code, topic, county_units[key])
                    # the prefecture's lead department for the topic assists its county counterpart
                    resp(county_code, topic, names[prefecture_lead(topic)], "assist")
            for topic in COUNTY_GOVERNMENT_TOPICS:
                resp(county_code, topic, county_gov)

            for i, township in enumerate(TOWNSHIPS.get(county_code, [])):
                t_code = township_code(county_code, i)
                regions.append({"code": t_code, "name": township, "level": "4", "parent_code": county_code})
                suffix = "办事处" if township.endswith("街道") else "人民政府"
                t_office = f"{county_name}{township}{suffix}"
                units.append(_unit(t_office, township, t_code, "government", county_gov))
                if township in TOWNSHIP_OVERRIDE_REGIONS:
                    for topic in TOWNSHIP_OVERRIDES:
                        resp(t_code, topic, t_office)
    return {"regions.csv": regions, "units.csv": units, "addressees.csv": addressees, "topics.csv": topics,
            "responsibilities.csv": responsibilities}
