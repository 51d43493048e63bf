"""Moderation aids (plain Python over plain text): personal data a citizen wrote into a
message, hidden wherever the message is public, and wording a dispatcher should look at
before accepting it (abuse, advertising).

The stored message keeps what the citizen wrote: the author, the dispatcher and the
handling units read it as it is; public pages, the public API, Open311 and public exports
show ``mask(text)``. See docs/moderation.md.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

from minsheng.accounts.phones import EXTENSION_MARK, EXTENSION_NAMED, split_extension

# Each pattern: (label, regex). Order matters: an ID number must be tried before a bank
# card (both are long digit runs), a mobile number before a landline. An ID number is
# recognised by its shape (region, a plausible birth date, sequence, check character),
# not its check digit: a mistyped one is still someone's ID number.

PATTERNS: list[tuple[str, re.Pattern]] = [
    ("身份证号", re.compile(r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![0-9A-Za-z])")),
    ("银行卡号", re.compile(r"(?<!\d)\d{4}(?:[ -]?\d{4}){2}[ -]?\d{4}(?:[ -]?\d{1,3})?(?!\d)")),
    ("手机号", re.compile(r"(?<!\d)(?:\+?86[ -]?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?!\d)")),
    # 0931-8123456, 0931 8123456; since 2026-12-05 also (0931)8123456 (（0931）: _HALF_WIDTH), 09318123456 (an area code
    # and a local number's shape: 010/02x and 8 digits, 0xxx and 7–8, the local one not starting 0 or 1) and a bare local
    # number right after a phone word (电话8123456, 联系方式：81234567), each published as written before
    # (since 2026-12-06 not a service line's 95xxxxxx / 96xxxxxx there, unless the writer gives it as theirs — 我电话,
    # 本人手机, 宅电: ``_a_service_line`` —: 联系电话95105588 was hidden as a citizen's; 5-digit
    # 12345, 95598 and 10-digit 400 / 800 numbers are no landline's shape)
    ("固定电话", re.compile(r"(?=[0(电座固宅手联])(?:(?<!\d)0\d{2,3}[ -]\d{7,8}(?!\d)|\(0\d{2,3}\)\s?\d{7,8}(?!\d)"
                        r"|(?<!\d)(?:0(?:10|2\d)[2-9]\d{7}|0[3-9]\d{2}[2-9]\d{6,7})(?!\d)"
                        r"|(?:电话|座机|固话|宅电|手机|联系方式)(?:号码|号)?(?:是|为|[:：])?\s*([2-9]\d{6,7})(?!\d))")),
    # (from the start of a run only: tried at each of its characters, a long run of digits or dashes without an @ took
    # a time growing with its square, 1.3 s for 20,000 digits, 6 s for 40,000)
    ("邮箱", re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")),
]

# A name is only recognised where the citizen introduces one and it starts with a common
# surname: after a label (姓名:, 联系人:, 署名:, 举报人:, 本人姓名 …) any of them; after a verb (我叫,
# 我名叫, 本人叫, 我的名字是) or a bare 联系人, only surnames that are not also the start of
# everyday words (我叫师傅来修, 我叫马上来, 联系人武部 are not names). Either way the name
# must end the phrase (punctuation, a space, the end, or 是/家住/电话/今年 …). Once
# introduced, the name is hidden wherever else it appears in the message.
SURNAMES = ("王李张刘陈杨赵吴周徐朱胡郭何罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈"
            "姚卢姜崔钟谭陆汪范廖贾邹孟熊秦邱尹薛闫段雷侯史陶黎贺顾毛郝龚邵钱严覃戴莫孔汤温康施樊葛邢"
            "乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿焦俞左柳祝符舒阮柯纪梅童凌毕季裴霍涂苗盛曲翁冉骆蓝游辛靳"
            "柴蒙鲍喻祁蒲滕饶牟艾尤阳穆卓缪芦麦褚娄窦戚岑景党宫费卜冷晏席柏宗瞿桂佟臧闵苟邬边卞姬仇栾"
            "隋刁沙荣巫寇桑郎甄丛仲虞敖巩佘苑迟邝")
WORDLIKE_SURNAMES = "马黄林高孙金石白江龙华卫夏房包师屈兰甘武易齐牛农"  # also everyday words' first character
COMPOUND_SURNAMES = "欧阳|司马|上官|诸葛|东方|皇甫|尉迟|公孙|慕容|长孙|令狐|夏侯|宇文|司徒|端木"
TITLES = "先生|女士|小姐|老师|同学|师傅|同志|阿姨|大爷|大妈|大姐|大哥|经理|主任|书记|局长|科长|医生|律师|老板|某"
NAME_END = r"(?=[\s,，。.;；:：、!！?？)）]|$|是|家住|住在|电话|手机|联系|今年|身份证|男|女)"
_GIVEN = r"[\u4e00-\u9fa5]{1,2}?"
# After 举报人:/投诉人:/反映人: … a description often follows (投诉人：高中女生家长, 反映人：白银男),
# so there the name must end at punctuation, a space, the end or a phone number.
STRICT_END = r"(?=[\s,，。.;；:：、!！?？)）]|$|电话|手机|联系|身份证)"
# A relative or a neighbour the citizen names (我儿子王小明, 我的母亲李秀英, 邻居张建国) is a private
# person too. Only surnames that do not begin everyday words, and the candidate must not be
# a dictionary word (我女儿周末在家, 我孩子严重过敏: ``_dictionary_word``).
RELATIVE = ("儿子|女儿|孩子|小孩|父亲|母亲|爸爸|妈妈|爷爷|奶奶|外公|外婆|姥姥|姥爷|丈夫|妻子|老公|老婆|爱人|"
            "哥哥|姐姐|弟弟|妹妹|孙子|孙女|侄子|侄女|外甥|女婿|儿媳|公公|婆婆|岳父|岳母|伯伯|叔叔|舅舅|姑姑|婶婶|嫂子|姐夫|妹夫|"
            "表哥|表姐|表弟|表妹|堂哥|堂姐|堂弟|堂妹|前妻|前夫|爸|妈")
RELATIVE_END = r"(?=[\s,，。.;；:：、!！?？)）]|$|是|家|住在|电话|手机|联系|今年|身份证|在|于|因|被|从|去|到|现|已|曾|和|与|的|就读|上学|读|患|出生|一直|退休|去世|病逝|生前|户口|名下|工作|住院|所在|原是|原为|系)"
# function words do not stand in a given name (我老公钱没拿到)
_RELATIVE_GIVEN = r"(?:(?![没不也都又还就才把被在是了着过要会能说给让对向和与及等去来到从已曾很最太的])[\u4e00-\u9fa5]){1,2}?"
NAME = re.compile(
    rf"(?:(?:本人姓名[:：是为]?|(?:姓名|联系人|署名)[:：])\s?"
    rf"((?:{COMPOUND_SURNAMES}|[{SURNAMES}{WORDLIKE_SURNAMES}])(?!{TITLES}){_GIVEN}){NAME_END}"
    rf"|(?:举报人|投诉人|反映人|留言人|申请人|当事人)[:：]\s?"
    rf"((?:{COMPOUND_SURNAMES}|[{SURNAMES}{WORDLIKE_SURNAMES}])(?!{TITLES}){_GIVEN}){STRICT_END}"
    rf"|(?:我叫|我名叫|本人叫|我的名字[是叫]|联系人)\s?"
    rf"((?:{COMPOUND_SURNAMES}|[{SURNAMES}])(?!{TITLES}){_GIVEN}){NAME_END}"
    rf"|(?:(?:我|本人|我家|我们家)的?(?:{RELATIVE})|邻居|房东|租户|租客|工友|同事)(?:叫|名叫)?\s?"
    rf"((?:{COMPOUND_SURNAMES}|[{SURNAMES}])(?!{TITLES}|家){_RELATIVE_GIVEN}){RELATIVE_END})")
# Every introduction NAME matches holds one of these words, and most texts hold none: NAME
# scans a text several times slower than this literal search, and masking a list's titles
# runs it over each body (half of a CSV export's masking), so it only runs where one is.
NAME_CUES = re.compile("|".join(sorted(
    {"姓名", "联系人", "署名", "举报人", "投诉人", "反映人", "留言人", "申请人", "当事人", "我叫", "我名叫", "本人叫",
     "我的名字", "邻居", "房东", "租户", "租客", "工友", "同事", *RELATIVE.split("|")}, key=len, reverse=True)))
# Elsewhere in the message an introduced name is hidden wherever it appears when it has three
# or more characters; a two-character one is often also a word (高峰, 许可, 金华路), so only
# where it stands as a name: before punctuation, the end, 家/的/同志/先生/女士/反映/本人 …, and (since 2026-12-05) a
# greeting's 您 / 你 (王伟您好: a reply greeting the citizen by it was published and offered to other cases whole).
# Since 2026-12-05 also before the other titles a greeting gives (王伟同学你好, 王伟老师, 王伟阿姨, 王伟网友: published as
# written).
GREETING_TITLES = "同志|先生|女士|小姐|同学|老师|师傅|阿姨|大爷|大妈|大姐|大哥|网友|市民|居民|业主"
REPEAT_END = (rf"(?=[\s,，。.;；:：、!！?？)）]|$|家|的|{GREETING_TITLES}|反映|投诉|举报|本人|说|称|电话|手机|住|今年|您|你)")
# A known name's given name alone in a greeting (伟您好, 小伟你好, 建国同志: to 王伟, 王建国), at the start of a phrase: a
# reply greeting the citizen so was published (review of 2026-12-05). Only the given name is hidden (小*你好).
GREETING = (r"(?=尊敬的|亲爱的|小|阿|{given})(?:^|(?<=[\s,，。.;；:：!！?？、]))(?:尊敬的|亲爱的)?(?:小|阿)?({given})"
            rf"(?:(?:{GREETING_TITLES})?[\s,，:：!！]*(?:您|你)好|(?:{GREETING_TITLES})[:：,，])")
# A registered display name that is a person's name (张伟, 欧阳娜娜; not 居民0001, 老王, 张先生):
# the citizen's own name is hidden wherever they write it, introduced or not (本人张伟).
OWN_NAME = re.compile(rf"(?:{COMPOUND_SURNAMES}|[{SURNAMES}{WORDLIKE_SURNAMES}])(?!{TITLES})[\u4e00-\u9fa5]{{1,2}}")
# A flat: 3–4 digits after 单元 ending in 室/房/号 or the phrase, or before 室/房 right
# after 栋/楼/幢/座/号. Years, prices, areas and household counts (3单元2024年, 每单元1000元,
# 楼300户) are not flats.
# Since 2026-12-05 also a flat written without 单元 (each published as written before): 3–4 digits right after a
# numbered building (5号楼502, 2栋1203, 张掖路12号1202) unless a count, a year or a measure follows (5号楼2024年, 3号楼300户,
# 1楼100平方米, 3栋105m2, 7楼704办公室, 6栋106-109号), 3-2-501 (building, unit, flat), 3–4 digits before 室
# (1102室), and 12楼3号 (a floor's door).
# (and since 2026-12-05, later: a public room or a shop, 3楼301窗口, 1号楼302会议室, 3楼305诊室, 5号楼1203病房,
# 3号楼101商铺, 8号楼103超市, 2号楼108餐厅, 9号楼201幼儿园, stays: it is where the problem is)
# (and since 2026-12-06 a date 3号楼2024/12/05 after a building's number: its year was hidden; 302/304 is two flats)
_NOT_FLAT = (r"(?![\d.%\-户年月日米元平个人名辆万余多次路天千百十条台套间棵盏根块项位层级届期号栋楼幢座单室房办mM㎡]"
             r"|/\d{1,2}/|会议|窗口|诊室|教室|病房|大厅|科室|商|门面|门店|店|超市|餐|饭|酒|烧烤|幼儿园|驿站|快递|诊所|药|车位|车库|仓库)")
# Since 2026-12-06 a room named for what it is right after it, or after 是 / 为 (1号楼101是物业办公室, 5栋101门卫室,
# 3号楼102是居委会, 6号楼101是商铺), was hidden as a flat; it is where the problem is, a household's stays hidden
# (我住1号楼101, 3号楼101室是商品房)
_ROOM_NAMED = (r"门卫室|传达室|值班室|警务室|保安室|监控室|配电[室房]|活动室|阅览室|卫生室|卫生站|医务室|公厕|厕所|营业厅"
               r"|办公室|会议|窗口|诊室|教室|病房|大厅|科室|商铺|商店|商户|商场|门面|门店|门市|店铺|店面|超市|餐厅|饭店|饭馆"
               r"|酒店|诊所|药店|药房|幼儿园|驿站|快递|车库|仓库|储藏室|(?:物业|社区|居委会|村委会)(?:办公|用房|值班)")
# (and since the review of that review, later on 2026-12-06: only after 是 / 为 … where the flat is written with its 室 /
# 房 (我住3单元501室, 商铺噪音大 and 6号楼1102室办公室没人接 were published: 室 ends the flat, what follows is another
# thing), and not the organisation a household complains of right after its flat (我住1号楼101物业管理费…, 我家2号楼1201门卫
# 不让进, 我住5号楼1201居委会不管), nor a room the flat is beside (是物业办公室楼上) or was made of (是门面房改的))
_ROOM_IS = (r"(?:室|房间|房|号)?(?:是|为|系|即|就是|现为|现在是|原为|原是|作为|用作|改为|改成)(?:" + _ROOM_NAMED
            + r"|物业(?:办|服务|管理|公司|用房|值班)|居委会|村委会|社区(?:办|服务|居委|卫生|警务|用房|活动|食堂)"
            r"|门卫|党群|办公|服务中心|服务站|社区卫生服务)")
_NOT_BESIDE = r"(?![\u4e00-\u9fa5]{0,3}?(?:楼上|楼下|隔壁|对面|旁边|附近|上面|下面|后面|前面|边上|改))"
_PUBLIC_ROOM = r"(?!(?:(?<![室房间号])(?:" + _ROOM_NAMED + r")|" + _ROOM_IS + r")" + _NOT_BESIDE + r")"
# Since 2026-12-06 a date written with dashes (12-05-2024, 05-12-2024, 5-12-2024: the middle part in two digits, or the
# first with a leading 0, before a year 19xx/20xx) is not building-unit-flat 3-2-501 (its year was hidden as a flat);
# 3-2-2001 and 12-5-2024 still are one (a unit is rarely written 05 or numbered past 9)
_DATE = r"(?!(?:\d{1,2}-(?:0\d|[12]\d|3[01])|0\d-\d{1,2})-(?:19|20)\d{2}(?!\d))"
FLAT = re.compile(r"(?=\s?\d)(?:"  # (where a digit is: a text is scanned several times faster)
                  r"(?<=单元)\s?\d{3,4}(?:室|房|号(?!楼)|(?=[\s,，。;；、]|$|的|楼上|楼下|住户|业主|家))"
                  r"|(?<=[栋楼幢座号])\d{3,4}(?:室|房间|房(?!子|屋|价|租))"
                  rf"|(?:(?<=\d[栋楼幢座号])|(?<=\d号楼))(?<!月\d号)(?<!月\d\d号)(\d{{3,4}}){_NOT_FLAT}"  # not 12月5号1430
                  rf"|(?<![\d-]){_DATE}\d{{1,2}}-\d{{1,2}}-(\d{{3,4}})(?![\d-])"
                  r"|(?<!\d)\d{3,4}(?:室|房间)"
                  r"|(?<=\d[楼层])\d{1,2}号(?=[\s,，。;；、]|$|的|住户|业主|家|房|室))" + _PUBLIC_ROOM)

# Since 2026-12-06 (later again) a number after the writer's home (住, 我家, 家在 … earlier in the phrase) is their flat
# whatever follows it: 我住3号楼101超市噪音 (the shop is what they complain of; 8号楼103超市卖过期食品 stays, a shop) and
# 我住3-12-2024, 2号楼3-12-2024 (a building's or a unit's word too; a unit of two digits before a year's digits; 3-12-2024 alone, 日期3-12-2024, 于3-12-2024, 从3-12-2024起,
# 在3-12-2024号 stay dates, and so does a date that cannot be a flat, 12-05-2024 or 05-12-2024, after a home too). The
# phrase may not hold a date's word between the home and the number (日期, 时间, 于, 从, 自, 至, 截至, 年, 月, 日, 在 but
# 住在), and a dash-written one is a date when a date's word follows it (号, 日, 起, 开始, 至, 到, 以来, 左右, 前, 后, 当天,
# a time). Not after 住院, 住建, 住房, 住户, 住宅 …, nor where the phrase puts the number beside the home (我家楼下, 对面, 附近 …); a room
# nobody lives in (会议室, 窗口, 诊室, 病房 …) and one named after 是 / 为 (``_ROOM_IS``) stay as without a home. Since review1 (2026-12-06) a building may be
# named by a capital letter (B座1102), and the number may end in 号 before 房, 室, 的, 业主 or the phrase's end (1102号房)
_PHRASE_TO_IT = (r"(?:(?!日期|时间|于|从|自|至|截|直到|年|月|日|(?<!住)在|楼下|楼上|楼底|底商|对面|隔壁|旁边|附近|门口|周边"
                 r"|边上|前面|后面)[^\s,，。;；!！?？、:：]){0,14}?")
_HOME = r"(?:住址[:：]?\s*|住(?!院|宿|建|房|持|户|宅)|我家|俺家|本人家|家在)" + _PHRASE_TO_IT
# (since the privacy review of 2026-12-06 a building's word must stand right before a flat written like a date, and
# none of the phrase after a home be a building's word and then other words: 3栋的电梯3-12-2024坏了, 我住3栋的电梯3-12-2024
# were hidden as building-unit-flat; 2号楼3-12-2024, 我住3栋3-12-2024, 门牌号：3-12-1201 stay hidden)
# (and since 2026-12-06, session 37, 的 and a part of the dwelling between them — a floor, a unit, a room: 我住3栋的5楼3-12-2024,
# 我家3栋的2单元的3-12-2024 were published as dates —, decided by the word after 的: 3栋的电梯, 的楼道灯, 的单元门 stay objects)
_DWELLING_PART = r"的(?=\d|(?:\d{1,2}|[一二三四五六七八九十]{1,3})(?:单元|楼层|楼|层|室|号房|户))"
_HOME_TO_DASHED = _HOME.replace(_PHRASE_TO_IT, _PHRASE_TO_IT.replace(
    "[^\\s", "(?:(?<!号楼)(?<!单元)(?<![栋幢])|(?=\\d)|(?=" + _DWELLING_PART + "))[^\\s"))
_FIRM_DATE = r"(?:\d{1,2}-0\d|0\d-\d{1,2})-(?:19|20)\d{2}(?!\d)"
HOME_FLAT = re.compile(
    rf"{_HOME}(?<=[\dA-Z])(?:号楼|单元|[栋楼幢座号])(?<!月\d号)(?<!月\d\d号)(\d{{3,4}})"
    r"(?![\d.%\-户年月日米元平个人名辆万余多次路天千百十条台套间棵盏根块项位层级届期栋楼幢座单室房办mM㎡]|/\d{1,2}/"
    r"|号(?![房室的]|业主|住户|[\s,，。;；、!！?？]|$))"
    rf"(?!会议|窗口|诊室|教室|病房|大厅|科室|{_ROOM_IS}{_NOT_BESIDE})"
    rf"|(?:{_HOME_TO_DASHED}|(?:号楼|单元|[栋幢])|(?:门牌|房号)(?:号码|号)?(?:是|为|[:：])?\s*)(?<![\d-])(?!{_FIRM_DATE})\d{{1,2}}-\d{{1,2}}-(\d{{3,4}})"
    r"(?![\d-])(?!\s*(?:号|日|起|开始|至|到|以来|左右|前(?![面边头])|后(?![面边头])|之前|之后|当天|期间|\d{1,2}:\d))")
# a second flat after a slash, or a first before one (302/304, 302/304室, 101/102/103: since 2026-12-06 the other was
# published); since 2026-12-06 (later) after 和, 、 or 及 too (502和503, 502、503), not a year, sum or line (502和305路)
_NEXT_FLAT = re.compile(r"(?:/|和|、|及)(\d{3,4})(?![\d.%\-户年月日米元路号线]|/\d{1,2}(?!\d))")
_FLAT_BEFORE = re.compile(r"(?<![\d/.\-])(\d{3,4})/$")

ABUSE = ("傻逼", "傻b", "煞笔", "操你", "草你妈", "他妈的", "狗日", "王八蛋", "去死", "滚蛋", "混蛋", "畜生", "垃圾政府")
ADVERTISING = re.compile(r"https?://|www\.|加微信|加v信|加qq|加QQ|代开发票|刷单|贷款秒批", re.IGNORECASE)


@dataclass(frozen=True)
class Finding:
    label: str  # 手机号, 身份证号, 不文明用语, 疑似广告, ...
    text: str  # what was found (for staff only)


# an extension right after a phone number (0931-8123456转802, 分机802, ext. 802, x802, 0931-8123456-802), hidden with it
# (since 2026-12-08: the number was hidden and 转802 published); a dash only after a landline (a mobile is written in
# dashed groups, 138-0000-0001). After 转, x, # or a dash 2–6 digits, one only after 分机 or ext, and never a count,
# a floor or a date (review of 2026-12-08: 转3次, 转2楼, -2024年, x 3天, #3号楼 were hidden as extensions)
_NOT_A_COUNT = r"(?![0-9]|\s*[次楼层号栋幢单室户天年月日元个人])"
_EXTENSION = {
    "手机号": re.compile(rf" *(?:{EXTENSION_NAMED}[ :]*[0-9]{{1,6}}|{EXTENSION_MARK}[ :]*[0-9]{{2,6}}){_NOT_A_COUNT}"),
    "固定电话": re.compile(rf" *(?:{EXTENSION_NAMED}[ :]*[0-9]{{1,6}}|(?:{EXTENSION_MARK}[ :]*|[-—–－] *)[0-9]{{2,6}})"
                       rf"{_NOT_A_COUNT}"),
}


def _hide(label: str, found: str) -> str:
    number, extension = split_extension(found) if label in _PHONES else (found, "")
    if extension and found.startswith(number):  # the number as below, the extension's digits wholly: 转***
        return _hide(label, number) + found[len(number):-len(extension)] + "*" * len(extension)
    digits = re.sub(r"\D", "", found)
    if label == "姓名":
        surname = _surname(found)
        return surname + "*" * (len(found) - len(surname))
    if label == "门牌号":
        return re.sub(r"\d", "*", found)
    if label == "邮箱":
        local, _, domain = found.partition("@")
        return f"{local[:1]}***@{domain}"
    if label == "身份证号":
        return found[:4] + "*" * (len(found) - 8) + found[-4:]
    if label == "手机号":
        return f"{digits[-11:-8]}****{digits[-4:]}"
    if label == "固定电话":  # its area code as written, or read off an undivided number (010, 02x, else four digits)
        parts = re.fullmatch(r"\(?(0(?:10|2\d|[3-9]\d{2})|0\d{2,3})\)?\s?-?(\d{7,8})", found)
        return f"{parts[1]}-****{parts[2][-4:]}" if parts else f"****{digits[-4:]}"  # a bare local number
    return "*" * (len(digits) - 4) + digits[-4:]  # bank card: the last four


def personal_data(text: str | None, context: str | None = None, names: tuple[str, ...] = ()) -> list[Finding]:
    """Personal data in ``text``, in order of appearance (with a name introduced in
    ``context`` and the known ``names``, as ``mask``)."""
    return [Finding(label, found) for label, found, _start, _end in _matches(text or "", context or "", names)]


# full-width letters, digits and the signs of a number or an address (a phone's Chinese keyboard types
# them: １３９１２３４５６７８, ｚｈａｎｇ＠ｑｑ．ｃｏｍ) read as their ASCII forms, one character for one, so a
# match's span is the same in the text as written
# (and since 2026-12-05 a dash typed as — or –: 0931—8123456 was published as written)
_HALF_WIDTH = {**{c: c - 0xFEE0 for c in range(ord("！"), ord("～") + 1)}, 0x3000: ord(" "), 0x2014: ord("-"),
               0x2013: ord("-")}


def _matches(text: str, context: str = "", names: tuple[str, ...] = ()) -> list[tuple[str, str, int, int]]:
    """(label, what was found, start, end) of each piece of personal data in ``text``: what was found in
    its ASCII form (``_HALF_WIDTH``), the span that of the text as written. Before 2026-12-05 a number
    typed in full width was matched by no pattern and published as written."""
    text = text.translate(_HALF_WIDTH)
    taken: list[tuple[int, int]] = []
    out = []

    def take(label: str, found: str, start: int, end: int) -> None:
        if not any(start < e and s < end for s, e in taken):
            taken.append((start, end))
            out.append((label, found, start, end))

    for label, pattern in [*PATTERNS, ("姓名", NAME), ("门牌号", FLAT), ("门牌号", HOME_FLAT)]:
        if pattern is NAME and not NAME_CUES.search(text):
            continue
        for m in pattern.finditer(text):
            if label == "固定电话" and _a_service_line(text, m):
                continue
            group = _group(m)
            if group is not None:
                start, end = m.span(group)
                if label in _PHONES and (extension := _EXTENSION[label].match(text, end)):
                    end = extension.end()
                take(label, text[start:end], start, end)
    for _label, _found, start, end in [x for x in out if x[0] == "门牌号"]:  # 302/304: both
        while m := _NEXT_FLAT.match(text, end):
            take("门牌号", m.group(1), *m.span(1))
            end = m.end(1)
        while m := _FLAT_BEFORE.search(text, max(0, start - 5), start):
            take("门牌号", m.group(1), *m.span(1))
            start = m.start(1)
    # a name introduced here or in the rest of the message, wherever else it appears
    names = {found for label, found, _s, _e in out if label == "姓名"} | introduced_names(context) | set(names)
    for name in sorted(names, key=len, reverse=True):
        for m in re.finditer(re.escape(name) + ("" if len(name) >= 3 else REPEAT_END), text):
            if not _place_begins(name, text, m.end()):
                take("姓名", name, *m.span())
    # and its given name alone in a greeting (伟您好 to 王伟): found is the name, the span the given name's
    for name in sorted(names, key=len, reverse=True):
        given = name[len(_surname(name)):]
        for m in re.finditer(GREETING.format(given=re.escape(given)), text) if given else ():
            take("姓名", name, *m.span(1))
    return sorted(out, key=lambda x: x[2])


# the last character of a place's name (金城市, 白银区, 长城路)
PLACE_SUFFIX = "市区县镇乡村省州路街巷"


def _place_begins(name: str, text: str, end: int) -> bool:
    """Whether ``name``, a name that is also a place's (金城, 白银: ``_places``), begins a place's name at ``end`` in
    ``text`` (金城市民, 我是金城市民 to a citizen named 金城): since 2026-12-06 it is the place, left whole (it was
    「金*市民」); 王伟市民 is a greeting and stays hidden, and so does 金城 in one (金城市民您好, 金城市民: greeting them)."""
    return (end < len(text) and (text[end] in PLACE_SUFFIX and (name in _places() or name + text[end] in _places())
                                 or bool(_ESTATE_AFTER.match(text, end)))
            and not _GREETED.match(text, end))


# an estate's or a community's word after a known name (李明家园, 李明花园小区 to a citizen named 李明: 「李*家园」 until the
# privacy review of 2026-12-06): the name begins the place's, as insight.places reads a street's or an estate's
_ESTATE_AFTER = re.compile("家园|花园|嘉园|佳苑|名苑|名城|新村|新城|小区|社区|街道|家属院|村委会|居委会")


_GREETED = re.compile(rf"(?:{GREETING_TITLES})(?:[\s,，:：!！]*(?:您|你)好|[:：])")


@functools.cache
def _places() -> frozenset[str]:
    """jieba's dictionary words tagged a place's name (ns: 金城, 白银市, 长沙)."""
    import jieba

    with open(Path(jieba.__file__).with_name("dict.txt"), encoding="utf-8") as f:
        return frozenset(word for word, _freq, tag in (line.split() for line in f) if tag == "ns")


def _surname(name: str) -> str:
    return next((c for c in COMPOUND_SURNAMES.split("|") if name.startswith(c)), name[:1])


def hidden(text: str, found: list[tuple[str, str, int, int]]) -> str:
    """``text`` with each of ``found`` (``_matches``' spans of it) partly hidden (``_hide``); a given name standing
    alone (小伟你好: found is the name 王伟) wholly (小*你好)."""
    parts, last = [], 0
    for label, what, start, end in found:
        written = text[start:end]
        parts += [text[last:start], "*" * len(written) if label == "姓名" and written != what else _hide(label, what)]
        last = end
    return "".join(parts) + text[last:]


# a phone number the citizen gives as an organisation's, not their own (物业电话 0731-8123456 打不通, 开发商的客服热线是…,
# 供电公司服务电话: …): the organisation and its phone word right before the number. Not the writer's own organisation
# (``_OWN_ORG``), nor a person's (物业经理张某的手机): those stay the citizen's
_ORG = (r"(?:物业|物业公司|管理处|开发商|售楼部|售楼处|公司|商家|门店|店家|热线|单位|客服|银行|医院|学校|幼儿园|派出所|居委会|"
        r"村委会|办事处|服务中心|营业厅)")
_ORG_PHONE = re.compile(rf"{_ORG}的?(?:服务|投诉|客服|值班|办公|咨询|报修|维修|联系|举报|售后|24小时)?(?:电话|热线|座机|号码|客服)"
                        r"(?:号码|号)?(?:是|为|[:：])?\s*$")
# the writer's own organisation or their family's, right before it (我单位电话, 本人公司座机, 本单位, 咱单位, 我所在单位,
# 我爱人单位, 我公司客服电话, 我们物业公司电话), or the number they gave the organisation (留给物业的电话, 登记在物业的电话,
# 告诉开发商的电话): the review of 2026-12-05 found all but the first two read as an organisation's (the guard looked at
# the one word before the organisation's last word alone)
_OWN_ORG = re.compile(rf"(?:(?:我|本|咱|俺)(?:们|人|家)?的?(?:(?:所在|工作|就职|任职|上班|在|爱人|老公|妻子|丈夫|家人|父亲|母亲|"
                      rf"孩子|儿子|女儿)的?){{0,2}}|(?:给|向|告诉|留在|登记在|报备在)了?)(?:{_ORG}的?)*$")


def _given_as_org(before: str) -> bool:
    """Whether the text ``before`` a phone number gives it as an organisation's (``_ORG_PHONE``), not the writer's own."""
    m = _ORG_PHONE.search(before)
    return bool(m) and not _OWN_ORG.search(before, 0, m.start())


# A service line after a phone word (联系电话95105588, 服务电话96123456) is no citizen's since 2026-12-06; a number the
# writer gives as theirs is theirs whatever its digits (我电话96123456, 本人手机, 宅电, 联系方式: published by that change)
_SERVICE_LINE = re.compile(r"9[56]\d{5,6}")
_OWN_PHONE_WORD = re.compile(r"(?:(?:我|本人|俺|咱|自己|家里|家庭|个人|私人)(?:们|家|的|联系|常用|家庭|家里|个人)*"
                             r"(?:电话|座机|固话)|手机|宅电|联系方式)(?:号码|号)?(?:是|为|[:：])?\s*$")


# (and since 2026-12-06, later again, nor one they give as theirs after it: 联系电话：96123456（本人）, 95123456 (我的),
# 96581234是本人的 were published; since review1 the owner's word closes the phrase or the brackets, 个人电话, 本人手机:
# 服务电话96123456本人打了十几次, 个人觉得…, （我打了三次） are the writer's words, and hid the service line; since the
# privacy review of 2026-12-06 after a comma too, 联系电话：96123456，本人 — published, though 96123456本人 was hidden —,
# the owner's word still closing the phrase: 96123456，本人打了十几次都没人接 stays a service line)
_OWNED_AFTER = re.compile(r"\s*(?:[(\[【（]\s*|(?:[,，、]\s*)?(?:是|为|系)?)(?:本人|我|家里|家庭|自己|个人|私人|俺)的?(?:家)?"
                          r"(?:电话|号码|手机|座机|号)?\s*(?:[)\]】）,，。;；!！?？、]|$)")


def _a_service_line(text: str, m: re.Match) -> bool:
    """Whether ``m``, a landline after a phone word, is a service line given as such, not the writer's own."""
    return bool(m.group(1) and _SERVICE_LINE.fullmatch(m.group(1))
                and not _OWN_PHONE_WORD.search(text, max(0, m.start(1) - 16), m.start(1))
                and not _OWNED_AFTER.match(text, m.end(1)))


_PHONES = ("手机号", "固定电话")


def phones_named(text: str | None) -> list[tuple[str, bool]]:
    """Each phone number of ``text`` as written, with whether it is given there as an organisation's (``_ORG_PHONE``:
    物业电话 0731-8123456), one pair per occurrence."""
    text = text or ""
    read = text.translate(_HALF_WIDTH)
    return [(found, _given_as_org(read[max(0, start - 24):start]))
            for label, found, start, _end in _matches(text) if label in _PHONES]


def real_name(display_name: str | None) -> tuple[str, ...]:
    """``(display_name,)`` when it is a person's name, else ``()``: for ``mask(names=...)``."""
    name = (display_name or "").strip()
    return (name,) if OWN_NAME.fullmatch(name) else ()


def introduced_names(text: str | None) -> set[str]:
    """The names a citizen introduces in ``text`` (我叫王小明, 联系人: 李四)."""
    if not NAME_CUES.search(text or ""):
        return set()
    return {m.group(g) for m in NAME.finditer(text) if (g := _group(m)) is not None}


def _group(m: re.Match) -> int | None:
    """The group of ``m`` that holds what was found (0: the whole match; None: a relative's
    "name" that is an everyday word, not a name)."""
    group = next((i for i in range(1, (m.re.groups or 0) + 1) if m.group(i)), 0)
    if m.re is NAME and group == NAME.groups and _dictionary_word(m.group(group)):
        return None
    if (m.re is NAME and _a_places_name(m.group(group), m.string, m.end(group))
            and not _OWN_NAME_GIVEN.search(m.string, 0, m.start(group))):
        return None
    return group


# what gives the writer's own name, and nothing else (我叫, 姓名：): what follows is a person's, even one ending as a place's
# does (我叫王一路, 姓名：杨建路: published whole by the place rule below until review1 of 2026-12-06)
_OWN_NAME_GIVEN = re.compile(r"(?:我叫|我名叫|本人叫|我的名字[是叫]|姓名[:：是为]?)\s?$")


# Since the privacy review of 2026-12-06 a place's name that begins with a surname is no person's (联系人：王庄村, 我妈妈张庄村的,
# 邻居鲁庄镇的, 我妈妈陶然苑的业主群: each cut 「王**」 as a name): what a pattern found ends in a place's word — 村, 乡, 巷,
# and for three characters or more 镇, 街, 路, 市, 区, 县 —, or in 苑 / 园 where an estate's word follows (的业主, 小区,
# 物业 …). A given name of one character is rarely 村, 乡 or 巷 (蒋村 is a village); 王庄, 李园 and 刘晓园 stay names
# (and since session 37 of 2026-12-06 a longer one ending in 村, 乡 or 巷 only with a place's stem: ``VILLAGE_STEM_END``)
_PLACE_CONTEXT = re.compile(r"的?(?:小区|社区|物业|业主|住户|居民|楼|栋|单元|门口|大门|\d+号楼|[一二三四五六七八九十]+号楼)")


def _a_places_name(name: str, text: str, end: int) -> bool:
    """Whether ``name``, found as a person's name ending at ``end`` in ``text``, is a place's (王庄村, 陶然苑的业主)."""
    return (name[-1] in "村乡巷" and (len(name) == 2 or _a_places_stem(name[:-1], VILLAGE_STEM_END))
            or (len(name) >= 3 and name[-1] in "镇街路市区县" and _a_places_stem(name[:-1]))
            or (len(name) >= 3 and name[-1] in "苑园" and _a_places_stem(name[:-1])
                and bool(_PLACE_CONTEXT.match(text, end))))


# the last character of a place's stem (鲁庄镇, 柴家坪, 李家沟 …): a given name's rarely (since review1 of 2026-12-06, with a
# dictionary word as the stem, 陶然苑, 张掖路, what makes a place of a name ending in 路, 镇 …, 苑 or 园: 刘晓路, 王一路, 李春园
# were published whole as places)
PLACE_STEM_END = "庄家村屯寨营集店湾坪堡沟岗桥河山坡峪关铺坝塘滩洼岭"
# and a village's or a lane's (王楼村, 李窑村, 张台村, 刘口村, 赵坊巷): since 2026-12-06 (session 37) a name ending in 村, 乡 or
# 巷 is a place's only with such a stem, as for 路 and 镇 (我爸爸王建村, 我儿子李大乡 were published whole as places); one of
# two characters (蒋村) stays a place, a given name of 村 alone being rare
VILLAGE_STEM_END = PLACE_STEM_END + "楼窑台口坊圩港岔嘴塬垴湖"


def _a_places_stem(stem: str, ends: str = PLACE_STEM_END) -> bool:
    """Whether ``stem`` (what stands before 路, 镇, 园 … in a name a pattern found) begins a place's name."""
    return stem[-1] in ends or stem in _stems()


@functools.cache
def _stems() -> frozenset[str]:
    """jieba's dictionary words of 2–3 characters that begin with a surname, whatever their tag (陶然, 张掖, 黄河)."""
    import jieba

    starts = set(SURNAMES) | set(WORDLIKE_SURNAMES) | {c[0] for c in COMPOUND_SURNAMES.split("|")}
    with open(Path(jieba.__file__).with_name("dict.txt"), encoding="utf-8") as f:
        return frozenset(word for word, _freq, _tag in (line.split() for line in f)
                         if 2 <= len(word) <= 3 and word[0] in starts)


@functools.cache
def _dictionary() -> frozenset[str]:
    """jieba's dictionary words of 2–3 characters that begin with a surname but are not
    names (周末, 严重, 任何; 高峰 is tagged a name but is mostly the word)."""
    import jieba

    starts = set(SURNAMES) | {c[0] for c in COMPOUND_SURNAMES.split("|")}
    words = set()
    with open(Path(jieba.__file__).with_name("dict.txt"), encoding="utf-8") as f:
        for line in f:
            word, freq, tag = line.split()
            if 2 <= len(word) <= 3 and word[0] in starts and (tag != "nr" or int(freq) >= 1000):
                words.add(word)
    return frozenset(words)


def _dictionary_word(name: str) -> bool:
    """周末 and 陆续接 (陆续 + a verb) are words, not names."""
    return name in _dictionary() or name[:2] in _dictionary()


def mask(text: str | None, context: str | None = None, names: tuple[str, ...] = ()) -> str:
    """``text`` with personal data partly hidden: 139****1234, 6201**********123X, 王**,
    2单元***室. A name introduced in ``context`` (the rest of the message: its body when
    ``text`` is the title), and the known ``names`` (the author's own, ``real_name``), are
    hidden in ``text`` too."""
    text = text or ""
    return hidden(text, _matches(text, context or "", names))


def review(title: str | None, body: str | None) -> list[Finding]:
    """What a dispatcher should know before accepting: personal data (it will be hidden on
    the public page), abusive words, advertising."""
    text = f"{title or ''}\n{body or ''}"
    return personal_data(text) + unfit_wording(title, body)


def unfit_wording(title: str | None, body: str | None) -> list[Finding]:
    """Abusive words and advertising: what the public page does not hide, and may call for
    不予受理 (``review`` without the personal data, which the public page hides)."""
    text = f"{title or ''}\n{body or ''}"
    lowered = text.lower()
    return ([Finding("不文明用语", word) for word in ABUSE if word.lower() in lowered]
            + [Finding("疑似广告或链接", m.group()) for m in ADVERTISING.finditer(text)])


def grouped(findings: list[Finding]) -> list[tuple[str, list[str]]]:
    """[(label, [distinct texts])] in order of first appearance, for a notice to staff."""
    out: dict[str, list[str]] = {}
    for f in findings:
        texts = out.setdefault(f.label, [])
        if f.text not in texts:
            texts.append(f.text)
    return list(out.items())
