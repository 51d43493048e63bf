"""Hotspots (热点问题): incremental clustering of messages that raise the same concrete
problem at the same place or for the same group of people. Django-free.

Method (see docs/hotspots.md):

1. Each message becomes a sparse vector of character bigrams (title twice, body capped
   at ``BODY_CHARS``), weighted ``(1 + ln tf) · idf``; the document frequencies are the
   collection's (batch) or a running count (incremental).
2. Places and groups are read from the text: named places end in a place word
   (小区, 花苑, 路, 村, 学院, 公司, 车贷, ...), county marks (A3区, 城关区) give the region,
   and a lexicon gives groups of people (业主, 村民, 教师, 学生, ...).
3. A new message looks up candidate hotspots through an inverted index of its places and
   its rarest bigrams (only hotspots active within the sliding ``window_days``, or within twice it
   for a letter that repeats one, ``REOPEN_WINDOWS``), and
   joins the one whose centroid is most similar if the similarity clears a threshold
   that depends on the place evidence: low when they name the same place (lower still when
   both titles name it and a word of the same problem, but not for two citizens' own cases at one police station),
   high when they name different places,
   and never across different counties. A place written two ways (九号线/9号线, two characters
   swapped) is one (``place_variant``).
   Otherwise it starts a hotspot of its own.
4. Heat grows with distinct citizens, messages, supports and recency (``heat()``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, repeat
from operator import add, mul

from ..progress import due
from .places import _NOT_IN_NAME, with_short_names
from .text import SYNONYMS, normalize, starting_at, word_frequency

# Item.prepare normalises a message's title four times and its body head twice (county, places,
# bigrams of the text and of the title): a few recent texts remembered read each once
_normalized = lru_cache(maxsize=64)(normalize)

BODY_CHARS = 150
WINDOW_DAYS = 180
MAX_WINDOW_DAYS = 36_500  # a century: any longer window is the same as none
# similarity (cosine to the hotspot centroid) needed to join, by place evidence
JOIN_SAME_PLACE = 0.22
JOIN_SAME_PROBLEM = 0.20  # same place: cosine without the place's own name
JOIN_SAME_BODY_PLACE = 0.35  # only the bodies name the same place
JOIN_SAME_GROUP = 0.42
JOIN_NO_PLACE = 0.50
JOIN_OTHER_PLACE = 0.72
JOIN_OTHER_TITLE_PLACE = 0.88  # the titles name different places: nearly the same text only
# the author already wrote into the hotspot: the same letter again if the titles say the same (cosine of the
# title to the hotspot's titles), else nearly the same text only (a prolific citizen's template)
SAME_AUTHOR_TITLE = 0.50
JOIN_SAME_AUTHOR = 0.30
# ... and with a place in common and titles this alike, what another citizen's letter naming that place needs (the
# author's second letter about one bank branch, its title half in other words; a template's titles are less alike)
SAME_AUTHOR_PLACE_TITLE = 0.30
# a title place in common: the titles say the same problem there (cosine of the titles without the place's
# name) even where the bodies tell it in other words
SAME_PLACE_TITLE = 0.50
# a title place in common and a word of one problem in both titles (漏水/渗水 there, 飙车 there): the
# bodies may tell it in other words still
JOIN_SAME_PLACE_WORD = 0.0
JOIN_SAME_ROAD_WORD = 0.10  # the same with one road in common only
# two citizens' grievances of their own (``_PERSONAL``: one's case, wages, pension, refund, subsidy, certificate) at
# one police station, court or office and no party named in both titles: two cases unless the texts are this alike
JOIN_PERSONAL_CASE = 0.35
CANDIDATES = 8
# a hotspot silent for longer than the window is still found, up to this many windows after its latest letter, by a
# letter that repeats it (``HotspotIndex._repeats``): the same problem raised again after months is still unsolved
REOPEN_WINDOWS = 2
TITLE_TEXTS = 50  # a hotspot's titles in which another's place is looked for (``_named_in_titles``)
MERGE_SAME_PLACE = 0.25  # centroid cosine for merging split hotspots (batch)
MERGE_SAME_PROBLEM_WORD = 0.10  # the same, their titles naming the place and a word of one problem
POSTINGS_CAP = 60  # most recent hotspots per key; older ones are rarely the match
HALF_LIFE_DAYS = 90.0

# the term-frequency factor 1 + ln tf, looked up: a bigram is counted at most 3 × 99 + 149 times (title and body)
_TF = [1.0] + [1.0 + math.log(c) for c in range(1, 512)]


def _tf(count: int) -> float:
    """1 + ln ``count``: ``_TF``'s, or computed past its end."""
    return _TF[count] if count < len(_TF) else 1.0 + math.log(count)


_RUN = re.compile(r"[\u3400-\u9fffA-Za-z0-9]+")
# county-level marks of the reference data (A3区, A7县). Real county names are not read
# from free text (小区, 居民区, 景区 look the same); the product passes Message.region.
_COUNTY = re.compile(r"[A-Z]\d+[区县]")
# A8县市 is one mark (a county-level city): not A8县 and a 市 read into the next name (市流沙河镇)
_ADMIN = re.compile(r"[A-Z]\d*(?:县市|[市区县省])|西地省|[\u4e00-\u9fff]{2,3}省")
PLACE_SUFFIXES = (
    "小区 花园 花苑 家园 公寓 新城 新村 广场 大厦 商城 市场 公园 山庄 雅苑 名苑 华苑 华府 名城 国际 天下 "
    "苑 园 府 湾 城 村 组 社区 街道 街区 镇 乡 路 街 大道 巷 桥 立交 隧道 学校 小学 中学 大学 学院 医院 幼儿园 "
    "公司 集团 支行 分行 工厂 厂 派出所 搅拌站 站 工地 楼盘 车贷 平台 酒店 景区 水库 河 湖 港 机场 高速 线 号线 馆 中心 市场 "
    # (街区: a block, 坡子街区, not 坡子街 and a 区)
    # estate names often end in no place word (锦绣世家, 新城国际花都, 利保壹号公馆, 枫华府邸, 江山帝景, 塞纳丽舍)
    # or on a shore (兰亭湾畔, 松雅湖畔; not the 畔 of 畔塘村)
    "世家 花都 公馆 邸 天地 壹号 帝景 御景 华庭 豪庭 名都 尚都 丽舍 湖畔 湾畔 河畔 江畔 "
    # and in 人家, 水岸 or 半岛 (山水人家, 万境水岸, 海洋半岛); see _NOT_A_SUFFIX for 人家 as "people"
    "人家 水岸 半岛"
).split()
_SUFFIX_RE = "|".join(sorted(set(PLACE_SUFFIXES), key=len, reverse=True))
# 水岸 and 半岛 also sit inside a name that ends in a place word one or two characters later
# (邦盛水岸御园, 长房半岛蓝湾): read whole, not cut after 水岸
_SUFFIX_RE = rf"(?:水岸|半岛)[\u4e00-\u9fff]{{1,2}}?(?:{_SUFFIX_RE})|{_SUFFIX_RE}"
# 一号 ends a name after a place word (碧桂园公园一号, 紫鑫御湖湾一号), not as building or gate one
# (幸福家园一号楼) nor alone (一号线, 中央一号文件)
_SUFFIXES = rf"(?:{_SUFFIX_RE})+(?:一号(?![楼栋门线院号单期区地文]))?"
# what a brand that holds 了么 (饿了么) is written before: a business's words (饿了么外卖平台, 饿了么超市)
_BRAND_BUSINESS = "外卖|平台|超市|商城|商场|公司|门店|网站|App|APP|app"
# separators inside a run: function words and place-relative words end a name (behind a look-ahead for
# the characters one can begin with, ``starting_at``: cut in half the time)
_SPLIT = re.compile(starting_at(
    r"(?:位于|地处|关于|后面|前面|背后|隔壁|出入口|对于|附近|旁边|周边|周围|门口|对面|里面|外面|一带|区域|地区|要求|希望|建议|反映|反馈|投诉|举报|"
    r"请求|请问|咨询|问题|严重|长期|没有|无法|进行|存在|导致|影响|造成|以及|还是|但是|而且|因为|所以|"
    # verbs and adverbs that precede a place in requests (督促物业公司, 尽快维修北环路, 经过平凉路),
    # hotlines and governments (打过12345热线, 市政府), none of them part of a name
    r"督促|尽快|尽早|及时|加强|规范|调整|恢复|维修|清理|修建|新建(?![东西南北中]?[路街村])|增设|改装|经过|"
    r"一下|一段|解决|排查|"
    # 至 as "to" ends a name, and so do the words made with it (至今, 截至目前), not 冬至村; 都 as "all"
    # ends one too, not the 都 of names (新城国际花都, 柠檬丽都) nor one before a place word (力都花园, 力都大厦;
    # 都 as "all" comes before a verb or an adverb: 都没有, 都停水)
    r"至今|至于|至少|至多|截至|直至|甚至|乃至|以至于?|目前|已经|曾经|"
    r"(?<![花名尚京首成帝丽])都(?!小区|花园|花苑|家园|公寓|大厦|新城|商城|广场|山庄|雅苑|名苑|华苑|华府|名城|国际|社区|公园)|"
    # building a thing is not its name (违建搅拌站, 拟建加油站); from one place to another (南延至生态动物园,
    # 泉塘直达汽车南站); and where two roads meet or between them (西二环叉路口, 桃花村中间修路); not in
    # the names made of them (兴建路, 中间村, 中间坝村, 冬至村, 夏至路); and (2026-12-04) 创建, winning a city's title
    # (创建国际…城市: none)
    r"违建|拟建|兴建(?![东西南北中]?[路街村])|创建(?![东西南北中]?[路街村])|直达|中间(?![村坝屯庄寨组])|(?<![冬夏])至|交叉|叉路|修路|"
    r"考虑|重新|明确|跑路|倒灌|必经之|有人|孩子|老人|随着|拨打|打过|热线|政府|市委|绕路|封路|炸街|飙车|遭遇|"
    r"故意|夜间|破损|施工(?!公司|队|单位)|过马路|过街|"
    # what happens to or around a place (指导盛世新村, 拆除电力名城, 恢复原线路, 倒灌进沿街商铺,
    # 楼下餐馆): never part of its name
    r"报不上|上不了|进不了|处理(?!厂|站|场|中心|公司)|指导|协调|组织|开展|帮助|依法|拆除|改造|改建|扩建|利用|线路|(?<![大街隧])道路|沿街|楼下|楼上|"
    r"整治|搬迁|加快|下穿|设置|设立|架设|办理|能否|可否|是否|以上|以下|高压|"
    # 路段 (a stretch of road) ends the name before it, and after a name of no place word the 路 is that
    # name's (杜鹃路段 → 杜鹃路, 栖凤路段 → 栖凤路), but not after a place word, a part, a measure or a
    # word that says which stretch (小学路段, 大桥路段, 附近路段, 禁停路段, 部分路段, 该路段, 上述路段, 南侧路段,
    # 两百米路段, 公路段, …等路段: no road)
    r"(?<![^站学校院心场所局苑区城庭岸镇村道线园桥号停分汇间口近端侧前右该此这一个些条部述等米截栏坡华划有车公\d])路段|"
    r"(?<=路)段|"
    # what a place does to another (饭店扰乱小区, 工厂污染村子, 占用青松路; since 2026-12-04 阻 alone and 阻挡, 阻止, 阻拦 …
    # as 阻碍 was: 车阻线 none): the doer ends before the verb; a
    # phase (二期, 3期) ends the compound's name before it (… 二期物业公司 is the phase's manager, no place
    # named 二期物业公司), save before 小区, where the trim of the key reads it (华城二期小区 → 华城); the
    # numerals are counted from the first of a run and at most three, so a run of them is read in linear
    # time; to build "a" thing (建个天桥) names none
    r"扰乱|干扰|污染|侵占|占用|霸占|堵塞|阻[碍挡止拦隔断塞]?|毁坏|破坏|搭建|(?:(?<![第一二三四五六七八九十])[一二三四五六七八九十]{1,3}|(?<!\d)\d{1,3})期(?!小区)|[建修设装]个|"
    # and in the reference data: 知道58车贷, 经确认达融造价公司, 多次找八医院, 紧挨着绿地海外滩, 通过正规网站,
    # 拒绝转成普惠制(幼儿园), 5月10日下午市城; buying a kind of flat (买商业公寓) names none. (无资质, "without
    # a licence", is no cut, as 乱建 is not: it keeps a letter naming 丽发新城 misspelt in that compound's hotspot)
    r"(?<!购)买(?!卖)|购买|知道|确认|穿越|多次|拒绝|转成|紧挨着|挨着|紧挨|官宣|预计|后来|大量|排入|靠近|临近|通过|经营|大力|实行|上午|下午|晚上|(?<!\d)\d+月\d*日?|(?<!\d)\d+日|"
    # 太 as "too" (太大, 太吵, 太不方便), not the 太 of names (太平路, 太京镇, 太子山)
    r"太(?=[多少大小吵贵慢快远近差脏乱高低深长久晚早热冷臭难吓过不了])|"
    # an organisation before its place (温斯顿英语梅溪新天地, 学而思培优华盛花园, 富绿物业丽发新城) is not
    # part of the place's name, nor are turning into a road (左转进入梅溪湖路, 改道走木莲中路; not 走马楼, 科技走廊), doing a thing
    # without leave (私自, 隐瞒, 包庇, 开办) or "because" (民房屋因乾隆世家); 有 before 一 or 无 and
    # "a" place (有一处工地, 建一个卫生服务中心) are cut before, so the place is read as no particular one;
    # after a place, 有 is "there is" (锦绣花园有餐馆: not 有餐馆; 有限公司 stays), and 开设 (to open) and 替
    # ("on behalf of": 领导替彩云都家园业主) end a name as 开办 does
    r"(?:英语|培优)(?!培训|学校|学院|中心|机构|教育)|(?:物业|置业)(?!公司|管理|服务|有限|集团|大厦|中心|办公)|"
    r"改道|[左右][转拐](?:进入|进|上|入)?|进入|走[投头]无路|走(?![马廊])|增停|取消|开办|开设|隐瞒|包庇|私自|入读|有一(?![所个家座间处条])|有(?=[一无])|(?<=[园苑区城村])有(?!限|色)|"
    # (2026-12-04, keys of the report) 有 as "there is" or "has" is in no name but a company's legal form and
    # state ownership (有限公司, 国有资产; 有色 metals): 本园区内既有配建学校, 北边有青禾大道, 有感 (thoughts on);
    # (富有家园 keeps its 有; not after where or an adverb: 附近有花园小区, 楼下有新村超市 and 区里有家园 are "there is", as
    # before 2026-12-04 and its review); nor are "oneself" and "the whole" (连自身和整个集团公司都…, 整个杉木新城 → 杉木新城); and a bank before a place is
    # no part of its name (某某商业银行力都大厦 → 力都大厦), save its branches and its legal form; nor is it cut in 有线
    # (cable), 有轨 (tram), 大有 (a village's or a town's name), nor before the bank's own building or road (建设银行大厦, 银行路)
    r"(?<![国大])有(?!限|色|线|轨|(?<![里近边旁面上下还也都没只就又再内外前后区村镇]有)(?:家园|花园|花苑|新村|山庄|公寓|雅苑|名苑|华苑))[些个]?|自己|自身|整个|银行(?![\u4e00-\u9fff]{0,4}[支分]行|股份|有限|集团|大厦|大楼|宿舍|家属|小区|[路街])|"
    r"(?<![第十])(?=一[所个家座间处条])|"
    # a house or building number ends the name before it (解放路88号金城大酒店, 17栋廷泊酒店), not 1号线, 4号北延线
    r"(?<!\d)\d+号(?![线院楼号地]|[东西南北]延)|(?:(?<![A-Za-z\d])[A-Za-z])?(?<!\d)\d+栋|"
    # 了 ends a name, save in a brand that holds it, written before a business's word (饿了么外卖平台, 某了么超市:
    # not 么外卖平台); and so do 吗, the 么 of a question (坏了么幸福家园 → 幸福家园, not 么幸福家园; 为什么青山村 → 青山村;
    # not 么 as 幺 in a village's name) and 时候 (什么时候青山幼儿园 → 青山幼儿园)
    rf"了(?![么吗](?:{_BRAND_BUSINESS}))|(?<=[什怎这那多要了])么(?!(?<=了么)(?:{_BRAND_BUSINESS}))|吗(?!(?<=了吗)(?:{_BRAND_BUSINESS}))|时候|"
    # 即 ("that is", "then") is none of a name, save 即墨's
    r"即(?!墨)|"
    r"[的在是与及我你他她它们这那该本此其被把将让给向从到对为于由已也就还又很请求问去说跟往或并且找旁因替])"
))
_SPLIT_KEEP = re.compile(f"({_SPLIT.pattern})")  # the same cuts, keeping the separators
_GENERIC_NAME = re.compile(r"^(?:[一二三四五六七八九十百千两几多各每某全整个新老大小东南西北中上下前后左右内外]+|"
                           r"搅拌|停车|公交车?|地铁|火车|汽车|高铁|城铁|物业|开发|安置|拆迁|回迁|居民|商品|农村|城市|热力|燃气|供热|供水|自来水|"
                           r"学|中|小|大|医|工|商|住宅|宿舍|职工|人民|马路|道路|公路|街|村|镇|市|区|县|省|国际|混凝土|沥青|"
                           r"配套|配建|私立|公办|民办|民营|普惠性|有限|十字|水泥|通村|通组|断头|建筑|小区|斑马|幼儿|[建修]?垃圾中转|垃圾|[一二三四五]线|"
                           r"辖区|当地|基层|所属|居住地|公安|户籍地|农贸|集贸|蔬菜|菜|批发|环|村民小?|居民小?|民小|[每两几各]?条|"
                           # trade and leisure, in any number (商业中心, 商业游玩中心, 休闲娱乐广场): what a place is for
                           r"(?:商业|游玩|娱乐|休闲|购物)+|"
                           # kinds of facility, not their names (养老中心, 加油站, 人行天桥, 高速公路, 普惠制幼儿园,
                           # 收费站, 快递站, 外卖平台, 精装修楼盘), and a phase alone (三期幼儿园: the kindergarten of a phase)
                           r"养老|服务(?:有限)?|活动|健身|托管|加油|加气|充电|液化气(?:供应)?|人行(?:天|横道)?|高速公?|收费|快递|外卖|普惠制?|精?装修|房地?产|公共马?|[一二三四五六七八九十\d]+期|"
                           # (2026-12-04) a platform of a messenger or the web
                           # (微信平台, 网络平台), a group company (集团公司), a city's own works, buses and schools
                           # (市政路, 市公交站, 市属中学, 区管学校; not 市直学校, one name to the teachers who write it), as 公办 and 民办 are kinds;
                           # and kinds of school (高中学校), a town's sub-centre in planning words (城市次中心, 商业副中心) and kinds of railway
                           # (建高铁铁路: 铁 and 路, no road; 石长铁路 is one, and so is 城际铁路 to its riders)
                           r"微信|网络|网上|线上|互联网|集团|[市区县省](?:政|属|管|公交车?)|[初高]中|(?:城市|城区|商业)?[副次]|(?:高铁|城铁|高速|普速)?铁)$")  # 辖区派出所: the local one, no name
# a direction and a number name a road (东六路, 南二环线), though neither names one alone; so do the
# days named by a number (五一大道, 八一路, 三一大道, 五一中路, 三一街区)
# to build or mend a thing of no name (建搅拌站, 修建垃圾站, 会规划地铁站, 应建公交站) names no place; a name may begin with
# the same characters (建设路, 建工学校, 修文路): only a generic rest is left out
_BUILDING = re.compile(r"^[会要将想应]?(?:规划|建设|修建|新建|建|修|设)")
_NUMBERED = re.compile(r"^[东南西北]{1,2}[一二三四五六七八九十]+$|^[一二三四五六七八九十]+[东南西北]$|^[三五七八]一[东西南北中]?$")
# a day names a square, a village or an estate as it names a road (五一广场, 八一新村; 五一大道 above)
_DAY_NAME = re.compile(r"^[五七八]一$")
# a stage of school is a kind before a school's word (高中学校, 初中部) and a name before a road's (高中路, 初中街)
_SCHOOL_STAGE = re.compile("^[初高]中$")
_ROADS = ("路", "街", "大道", "巷", "线")  # 东六路路面: the suffix read is 路路
# a name that holds a negation is a verb's words (这里不宜临路建…, 不能上…, 却不能做…组); 不夜城 is a name, 不动产中心 a registry, 不锈钢 a metal
_NEGATED = re.compile("不(?!夜|动产|锈)")
# "a" or "this" kindergarten is no particular one (一所公办幼儿园, 某物流公司, 该小区)
# and a share or a number of them (大部分学校, 许多村, 部分支路, 众多学校) is none either, nor the city's or a district's own
# (市管…学校, 区管…学校, 市属四十所中学: those a level of government runs), nor a count of them (14所学校, 3家工厂)
_ANONYMOUS = re.compile(r"^(?:[市区县省][属管]|\d+[多来]?[所家个座条间处]|某|一[所家个座条间处]|[这那该本此][所家个座条间]?|大?部分|大?多数|少数|所有|全部|许多|很多|好多|众多)")
# a county, a county-level city or a district named before a name (榆中县, 城关区, 七里河区)
_COUNTY_MARK = r".{1,6}?(?:自治县|县|(?<![城都超门夜])市|(?<![小社景园厂矿校片新老城街学院])区)"
# a county named before a name that 和 is inside (城关区怡和新村, 永登县怡和嘉园): the name begins with
# the one character after the county, as after a region cut out (``admin_names``)
_COUNTY_AND_ONE = re.compile(_COUNTY_MARK + ".")
# what is left of 城关区小区 once 小区 is trimmed: a district, no place
_DISTRICT = re.compile(f"^{_COUNTY_MARK}$")
# a county or city named before the place (榆中县马家坪村, 天祝藏族自治县高家河村) says where,
# not which: cut when a specific name remains (榆中县人民医院 stays whole)
_COUNTY_PREFIX = re.compile(f"^{_COUNTY_MARK}(?=.{{2}})")
_COUNTY_ENDS = frozenset("县市区")  # a name holding none has no county before it
# 七里河区西站, A市南站: a region and a direction before 站 name the region's station, read as 西站,
# 南站 (the region cut as before other names), whether the region is written before it or cut out
# first (``admin_names``, A市); 西站 alone, or after any other word, is none
_DISTRICT_STATION = re.compile(f"^{_COUNTY_MARK}[东南西北]$")
_REGION_CUT = "\u3000"  # what a region cut out leaves: a space (to the rules that look for one)
_STATION = re.compile("[东南西北]站")
# a road or a street office named by a region cut out right before it (A3区大道, a masked 某某大道; A3区街道, the
# district's own office; 城关路 with 城关 cut): the name after it begins after it (B5区大道东湖建工集团 → 东湖建工集团,
# not 大道东湖; A3区街道青石小区 → 青石, not 街道青石); not 路口 (a junction, or the town 路口镇), nor 街 that
# begins a word with the character after it (A3区街心公园, 街头: a name of its own or no place)
_REGION_ROAD = re.compile("大道|大街|街道(?:办事处|办)?|路(?!口)|街")
# a place word that begins a longer word is no place word there (绿地城际空间站, 长株潭城际铁路,
# 兰州城市学院: not 绿地城 + 际空间站; 恒大城市之光 stays 恒大城)
# 金色家园小区路灯, 幸福家园路面: after a compound, 路灯 (street lamp), 路面, 路况, 路牌 are
# things on its roads, and their 路 no road's suffix; after any other name it is one (解放路灯不亮,
# 中山路面塌陷: 解放路, 中山路); so is 路口 (白沙湾嘉园小区路口 → 白沙湾嘉园), and 城管 is no 城
# 七里河区, 永登县城关镇: a place word before 区 or 县 names a district or county, no place (and 城关 is
# no 城); 八组村民, 社区村民: the 村 of 村民 (villagers) after a group or community is no village;
# 户人家, 老人家, 受害人家属: 人家 as "people" or "family" ends no name. And (2026-12-03, fifth change):
# 路灯, 路面, 路口 after a community, a town, a village, a township or a group are its lamps, surface and
# junction (城关镇路灯 → 城关镇, 青山村路面 → 青山村); 路网, 线网 are networks, no road or line (东城路网);
# 小学部, 中学部 are a school's sections (育才学校小学部 → 育才学校); and 国际 before a school's words is
# inside the school's name (明德国际实验小学, 星城国际双语学校: not 明德国际 + 实验小学)
_NOT_A_SUFFIX = (r"(?!(?<=城)(?:际|轨(?!道)|市(?!场|之光)|管|关|镇|乡)|(?<=乡)镇|(?<=乡镇|城乡)|(?<=城镇|村镇)(?<!^[^小各全本该城村]..)|(?:(?<=小区路|社区路|家园路)|(?<=[镇村乡组]路))[灯面况牌口]|(?<=[路线])网|(?<=[小中大]学)部|(?<=国际)(?=实验|双语|外国语|学校|小学|中学|幼儿园)"  # 松鹤雅居小区市政路: 小区 ends a name
                 r"|(?<=[河湖湾港桥城])[区县]|(?<=组村|区村|镇村|乡村|道村)[民委]"
                 # 国际 inside a longer name that ends in a market, a centre or a building (万达国际商贸城,
                 # 金鹰国际会展中心, 华远国际商业广场: not 万达国际 + 商贸城; and, 2026-12-04, an institute or a hospital: 某某国际工程设计院); a compound's 国际 stays one
                 # before its property company or another compound (锦江国际物业公司, 松雅国际星城小区, 某国际长城物业)
                 r"|(?<=国际)(?![小社新花公物星华金])(?=[\u4e00-\u9fff]{2,3}城|[\u4e00-\u9fff]{1,3}(?:中心|广场|大厦|大酒店)|[\u4e00-\u9fff]{1,4}院)"
                 r"|(?<=[户本老害别些通分个家]人家)"
                 # (2026-12-04) 中小学 is schools of two kinds, none named (有感中小学生); going
                 # into a garden or a town (入园, 进城, 出城) and making gardens (造绿造园) name none; 中心 after a railway or
                 # a road is its middle (距铁路中心30米); 农村 before a bank's words is the bank's (农村商业银行, 农村信用社); and 城镇,
                 # 乡镇, 村镇, 城乡 are towns and villages in general (开展城镇小区…), no 城 nor 镇 of a name
                 # (save a town X城镇 or X村镇 that begins the text read: 凤城镇, 张村镇; not 小城镇)
                 r"|(?<=中小学)|(?<=[入造]园|[进出入]城)|(?<=[铁公道马]路中心|[河轨]道中心)(?!医院)"
                 r"|(?<=农村)(?=商业|信用|合作)"
                 # a lake, a river or a village before a direction and a road names the road (咸嘉湖西路, 梅溪湖东路,
                 # 桃花村南路): not 咸嘉湖 + 西路… (翠湖西路丽景雅园 → 翠湖西路, 丽景雅园)
                 r"|(?<=[湖河江湾港村])[东西南北中](?:路|大道|街))")
# the junction of a road (双拥路口) and the office of a street (集里街道办): the name after them begins after
# 口 or 办 (青松路口翠柳家园 → 青松路, 翠柳家园; 枫林街道办柳塘村 → 枫林街道, 柳塘村)
_AFTER_PLACE = re.compile(r"(?<=[路街巷道])口|(?<=街道)办(?:事处)?")
# not a word 口 begins, of at least this jieba frequency (人民路口腔医院, 青年路口袋公园, 湘江路口罩厂: 口腔 690, 口罩 136)
_JUNCTION_WORD = 100
# developers whose name citizens write before an estate's (碧桂园威尼斯城, 阳光城檀悦, 恒大御景天下, 中海国际社区):
# alone (碧桂园业主维权, 中海业主, 恒大业主) a developer says no place, and a key of its name would draw together the
# problems of all its estates; right before another name it is that estate's (碧桂园南城首府, 碧桂园城市花园: one key,
# that answers to 南城首府 by its tail, ``place_tails``); written with 小区 (北辰小区) it is an estate's name
DEVELOPERS = frozenset("碧桂园 阳光城 恒大 万科 保利 绿地 中海 融创 美的 华润 富力 世茂 龙湖 金地 雅居乐 旭辉 北辰 鑫远 "
                       "佳兆业 金科 荣盛 卓越 奥园 中粮 中冶 建发 蓝光 正荣 泰禾 新力".split())
_LONGEST_NAME = 16  # characters before the place word: a longer run is words, not one name
_PLACE = re.compile(rf"(.{{2,8}}?)({_SUFFIXES}){_NOT_A_SUFFIX}")
# 和 joins two places (北环路和平凉路) but is part of names too (和平嘉园, 和谐家园, 和政县, 禧和路,
# 中建嘉和城)
_AND = re.compile(r"和(?!平(?!凉)|谐|政|睦|[路街园苑村巷]|城(?![乡管市]))")
# the words after which a place is named (至和天街, 住在和平嘉园): a 和 after them begins the name
_LEADS = re.compile(r"(?:至|到|在|从|往|去|于|向|经过|靠近|临近|挨着)$")
# an estate of two characters before 小区 (八方小区, 扬帆小区) is read where a name begins (see
# extract_places), unless the two are no name: a quantity, a part, a kind of compound or a verb
# (两个小区, 周边小区, 洋房小区, 毁坏小区)
_ESTATE_PAIR = re.compile(r"^(?!(?:周边|周围|外围|两旁|朝向|洋房|生活|科技|住宅|占用|原本|较大|代管|侵占|隐瞒|进出|上述|"
                          r"部分|老旧|高档|高层|多层|别墅|选聘|自己|面对|不少|入住|进入|毁坏|破坏|维护|改善|阻止|告知|发现|其他|其它|未经|成立|外来|按照|城镇|使用)$)"
                          r"(?![各每某全整这那其本该此另别同几多两有无没不非我你他她])[\u4e00-\u9fff]"
                          r"(?![个栋期号座片些边面侧旁内外里等])[\u4e00-\u9fff]$")
# a name may begin after an opening quotation mark or bracket as at the start of the text (“板桥小区…”), and
# after a comma or the like that ends a place read (扬帆小区，八方小区; 扬帆小区、八方小区): a list of places.
# Not after a comma that ends anything else, where a clause begins with a word as often as with a name
# (…的居民，最近小区…: no estate 最近), nor after a closing bracket, where the sentence goes on
# (…分公司)和西垅社区: 和 joins)
_OPENING_MARKS = frozenset("([【《<“‘")
_LIST_MARKS = frozenset(",;、")
_SUFFIX_TUPLE = tuple(set(PLACE_SUFFIXES))
_SUFFIX_WORD = re.compile(_SUFFIX_RE)
# two compounds named one after the other (江滨家园华庭苑), or a road and a compound (楚府东路水岸天际):
# after a word that ends a compound's or a road's name, an estate's name of three characters or more
# begins another place (家园 + 华庭苑), where 小区, 社区, 路 or 幼儿园 after it are the same
# compound's (幸福家园小区, 青山新村社区)
_COMPOUND_ENDS = frozenset("家园 花园 花苑 小区 公寓 山庄 雅苑 名苑 华苑 新村 路 街 大道 巷".split())
_ESTATE_BEGINS = tuple("华庭 豪庭 华府 苑 园 府 世家 花都 公馆 邸 天地 帝景 御景 名都 尚都 名城 天下 雅苑 名苑 华苑 "
                       "花苑 花园 家园 新城 城 湾 壹号 人家 水岸 半岛".split())
# 公寓小区, 花园小区: a kind of compound, not its name (but 河畔小区 is one)
_KINDS = frozenset(PLACE_SUFFIXES) - {"湖畔", "湾畔", "河畔", "江畔"}
# the words after which a name begins (投诉扬帆小区, 解决湖开小区, 在八方小区, 北环路和八方小区)
_OPENS = frozenset("投诉 举报 反映 关于 解决 拆除 督促 在 到 至 从 往 于 靠近 临近 位于 和".split())
# after a road, a street office, a village or a school, two characters before 小区 are another place
# (东屯渡街道扬帆小区, 工商大学荷塘小区); after an estate they end its name (锦楚国际星城小区, 紫湖香醍小区)
_CONTAINERS = ("街道", "社区", "路", "街", "大道", "巷", "村", "组", "镇", "乡", "站", "大学", "学院", "学校", "中学", "小学", "医院")
# 和平西路, 和谐一路 after a road are one road, not 平西路
_DIRECTION_ROAD = re.compile(r"[平谐睦][东西南北中一二三四五六七八九十]")
# a name with 城 inside it (古汉城邮政小区, 明珠城南苑小区): a word between 城 and 小区 is still the name,
# not a phase, a block, a road or a kind of compound (业振城二期小区, 星沙汽配城大塘安置小区)
_CITY_COMPOUND = re.compile(r"([^\d期区栋]{1,3}?)小区")
# the words after an estate's name that its key leaves out (祥英春天住宅小区 is 祥英春天)
TRIMMED_WORDS = r"(?:小区|住宅|一期|二期|三期|四期|五期|项目|楼盘)+"
_TRIM = re.compile(TRIMMED_WORDS + "$")
# an estate named without its place word (时代年华, 阳光100, 峰景: 小区 left out) is read where a name begins (the
# start of the text, after a region, after 投诉, 举报, 反映, 关于, 督促 or 位于) when a word of an estate follows it:
# its owners, developer, manager, flats, phases or buildings (时代年华业主, 峰景项目, 阳光100房屋, 天健盛世工地,
# 海德公元3栋, 某某全体业主); ``_ESTATE_CUE_AFTER`` are those that cut a run (物业, 二期, 3栋). Not a word or a
# verb before them (房子房产证, 违法交房, 通知业主), nor a run that goes on after a name (何时能发, 小区c栋302)
_ESTATE_CUE = re.compile(r"(?:全体|广大|众多|部分|所有|数[十百千万]+|多[户名位]|\d+[户名位]|第[一二三四五六七八九十\d]+届)?"
                         r"(?:业主|业委会)|楼盘|开发商|"
                         r"交房|房产证|房屋|精装|售楼|项目|工地|内?(?:[A-Za-z]\d*区)?(?:\d+|[一二三四五六七八九十]+)(?:栋|单元|号楼)")
_PHASE = re.compile(r"(?:\d+|[一二三四五六七八九十]+)(?:期|栋)")  # a phase or a building of an estate
_ESTATE_CUE_AFTER = re.compile(rf"物业|{_PHASE.pattern}")
_BARE_OPENS = frozenset("投诉 举报 反映 关于 督促 位于".split())
# a run of text holding no place word and none of the words after which an estate of no place word is
# read names no place where no name begins at its start (``extract_places``): some 7 runs of 10 in letters
_MAY_NAME = re.compile(starting_at("|".join(sorted({*PLACE_SUFFIXES, *_BARE_OPENS}, key=len, reverse=True))))
_BARE_NAME = re.compile(r"[\u4e00-\u9fff]{2,}[A-Za-z0-9]*")  # 阳光100: Chinese, then letters or digits at most
# words before an estate's words that are none of its name: a flat, a parking space or a kind of housing (房子,
# 新房, 车位, 商品住宅), a wrong (违法, 违规), a question, a notice, an office, a court or a rule, a public works
# (重点工程项目), one owner (一名业主); nor are a project's works (六堆子拆迁项目 → 六堆子), "inside" (某某内3栋 → 某某), a
# side (某某西7栋) or one flat (购入某某一套精装房); nor a kind of flat (公租房, 安置房, 学区房, 危房), a floor or
# where owners come from (一楼, 顶楼, 外地), nor a kind of public project (重点, 民生, 扶贫, 市政, 电梯 …项目)
_NO_BARE_NAME = re.compile(r"房子|新房|住房|商品|楼房|二手|住宅|车位|停车|违法|违规|何时|通知|申请|本人|自己|自家|"
                           r"局|法院|政府|规定|判决|工程|使用|前期|之初|^一[名位户套个]|房$|"
                           r"^[\d一二三四五六七八九十]+楼$|顶楼|底楼|外地|本地|重点|民生|扶贫|市政|电梯|光伏|招商")
_BARE_WORKS = re.compile(r"(?:拆迁|棚改|改造|安置|建设|开发|内|[东西南北]|一[套间处]|[A-Za-z]\d*区)$")  # (某某c2区3栋)
# a developer's estate that ends in no place word (金科天悦, 北辰三角洲, 中粮北纬, 龙湖楚风原著) is read where a name begins
# (as ``_bare_estate``) when the chunk ends two to four characters after the developer, or a parking space, its manager
# or a word of an estate follows them there (金科天悦的车位, 金科天悦车位, 某某北纬10~13栋); not the developer's own
# business (中海地产, 万科物业, 美的置业)
_DEVELOPER_LED = re.compile("|".join(sorted(DEVELOPERS, key=len, reverse=True)))
_DEVELOPER_ENDS = re.compile(f"{_ESTATE_CUE.pattern}|车位|停车|物业")
_BLOCK = re.compile(r"[A-Za-z0-9]")  # a building's or a block's number (中粮北纬10~13栋, 北辰三角洲c2区)
# 美的 holds 的, and an estate after a developer may hold 的 or 在 (金地自在城): where a chunk cut there begins with
# the developer (美 before 的, 金地自 before 在; not 优美 before 的 nor 恒大 before 在) and one to four characters and a
# place word follow it, the two chunks are one name (美的翰城小区 → 美的翰城)
_DEVELOPER_NAME = re.compile(rf"(?:{_DEVELOPER_LED.pattern})[\u4e00-\u9fff]{{1,4}}?(?:{_SUFFIX_RE})")
_IN_DEVELOPER_NAME = frozenset("的在")
# a measure word after 这, 那 or 该 (这条老街, 那座大桥) and a distance word (距铁路中心, 距离学校, 离学校) begin no name
_DEMONSTRATIVES = frozenset("这那该此本其")
_MEASURES = frozenset("条个座所家间处栋块")  # (not 片: 这片区 is 这 and 片区)
_DISTANCE = re.compile("^(?:距离?|离开?(?![石岛退休子]))")  # (离开中茂城: leaving it; 离石区 and 离岛区 are names, 离退休, 离休, 离子 words)
_DEVELOPER_BUSINESS = re.compile("地产|置业|物业|集团|公司|开发|房产|客服|总部|销售|旗下|方")
_VERB_ENDS = frozenset("交缴付收办买卖租退给叫让问")
# people, not things: 外卖 and 快递 alone are the meal and the parcel (「皋兰县 外卖 居民」 read as
# a group), those who bring them are 外卖员, 骑手, 快递员
GROUPS = (
    "业主 村民 居民 教师 老师 学生 家长 职工 员工 工人 农民工 退休 老人 老年人 残疾人 司机 出租车 网约车 商户 "
    "摊贩 投资人 出借人 受害者 受害人 患者 考生 环卫工 快递员 快递小哥 外卖员 骑手 医生 护士 军人 退役 失地农民 拆迁户 租户 "
    "业委会 购房者 房东 个体户 贫困户 低保户 孕妇 儿童 幼儿 研究生 大学生 毕业生 应届生 特岗 代课 民办"
).split()
_GROUP_RE = re.compile("|".join(sorted(GROUPS, key=len, reverse=True)))


def ends_in_place_word(name: str) -> bool:
    """Whether ``name`` ends in a place word (路, 花园, 工地, 街道, …)."""
    return name.endswith(_SUFFIX_TUPLE)


def county_of(text: str) -> str | None:
    """The first county-level mark in the text (A3区, 城关区), if any."""
    m = _COUNTY.search(_normalized(text))
    return m.group(0) if m else None


def extract_places(text: str, admin_names: tuple[str, ...] = ()) -> list[str]:
    """Named places and organisations (丽发新城, 景蓉华苑, 58车贷, 潇楚南路), as keys:
    trailing 小区/一期/项目 removed, generic names (停车场, 搅拌站, 学校) dropped.
    ``admin_names`` (兰州市, 七里河区, …) are region names to cut out first."""
    text = written = _normalized(text)
    for name in admin_names:
        text = text.replace(name, _REGION_CUT)
    text = _ADMIN.sub(_REGION_CUT, text)
    lead = len(text) - len(text.lstrip())  # where the text's first word begins
    found: dict[str, None] = {}
    place_at_end = False  # whether the run before ended in a place read
    run_before = ""
    for found_run in _RUN.finditer(text):
        run, start = found_run.group(0), found_run.start()
        if start != lead and text[start - 1] != _REGION_CUT and not _MAY_NAME.search(run):
            place_at_end, run_before = False, run  # (no name begins at its start: neither station nor bare estate)
            continue
        before = text[start - 1] if start else " "
        # 、 only ever lists: after one that ends in a place word, read or not (…涉及甲乙小区、丙丁小区),
        # the next item begins a name; and an item that is followed by 、 and a place is one too
        fresh = (before.isspace() or before in _OPENING_MARKS
                 or before in _LIST_MARKS and (place_at_end or before == "、" and ends_in_place_word(run_before)))
        listed = text.startswith("、", found_run.end()) and _PLACE.match(text, found_run.end() + 1) is not None
        run_before = run
        chunks = _developer_joined(_chunks(run, fresh))
        for at_chunk, (chunk, word) in enumerate(chunks):
            place_at_end = False
            # (B5区大道东湖建工集团 → 东湖建工集团, not 大道东湖); not 街 where it begins a word with the next
            # character (街心公园, 街头: 「心公园」 was read); 路 is cut still: on the reference file a road named by
            # the region is written before 路沿线, 路德泽苑, 路上新河路 (路边, 路桥公司 lose their 路)
            if (word is None and start and text[start - 1] == _REGION_CUT and (road := _REGION_ROAD.match(chunk))
                    and not (road.group() == "街" and word_frequency(chunk[:2]))):
                chunk = chunk[road.end():]
            station_at = word is None and start and text[start - 1] == _REGION_CUT and _STATION.match(chunk)
            if station_at:
                found.setdefault(chunk[:2], None)
            if len(chunk) < 3:
                continue
            # where a name may begin that is only two characters before 小区: the start of the text,
            # after a region (A3区八方小区), after a word that leads to a place (投诉扬帆小区), and
            # right after a place read (东屯渡街道扬帆小区)
            opening = 0 if (fresh if word is None else word in _OPENS) else -1
            # an estate of no place word: only where the text begins, after a region or after 投诉, 关于 …
            # (after a mark a clause begins with a word as often: 另外当日…交房, 原开发商前期…)
            then, cut_after = (chunks[at_chunk + 1] if at_chunk + 1 < len(chunks)  # (what follows the run: c2区)
                               else (text[found_run.end():found_run.end() + 4], ""))
            bare_at, bare = (_bare_estate(chunk, cut_after, then)
                             if (word in _BARE_OPENS if word else start == lead or text[start - 1] == _REGION_CUT)
                             else (0, ""))
            pos, last_new, last_key, last_suffix = 2 if station_at else 0, False, "", ""
            developer, developer_end = "", -1  # a developer's name read alone, and where it ends
            while m := _PLACE.search(chunk, pos):
                name, suffix, head = m.group(1), m.group(2), chunk[pos:m.start()]
                # a name longer than the pattern's eight characters (云岭鑫达光电仪表有限责任公司, a chain of
                # city, district and street office) is read whole where a name begins, when not too long
                # to be one and not led by a year or a number (2019年开始民办学校 stays as it was)
                if (len(name) == 8 and head and pos == opening and len(head) + len(name) <= _LONGEST_NAME
                        and not any(c.isdigit() for c in head)):
                    name = head + name
                pos = m.end()
                if m.start() == 0:
                    if word in _DEMONSTRATIVES and name[0] in _MEASURES:
                        name = name[1:]
                    if not (name := _DISTANCE.sub("", name, count=1)):
                        continue
                if (after := _AFTER_PLACE.match(chunk, pos)) and (
                        after.group() != "口" or word_frequency(chunk[pos:pos + 2]) < _JUNCTION_WORD):
                    pos = after.end()
                at_opening, opening = m.start() == opening, -1
                # (not after a county and one character: 文县铁路花园小区 is 铁路花园 of 文县, not a road
                # 文县铁路 and then a 花园小区, which no message naming 铁路花园 matched)
                if len(suffix) >= 5 and not _COUNTY_AND_ONE.fullmatch(name) and (end := _second_compound(suffix)):
                    suffix, pos = suffix[:end], m.start(2) + end
                if suffix.endswith("城") and (inside := _CITY_COMPOUND.match(chunk, pos)):
                    middle = inside.group(1)
                    if not middle.endswith(_ROADS) and not _GENERIC_NAME.match(middle[-2:]):
                        name, suffix, pos = name + suffix + middle, "小区", inside.end()
                rest = _BUILDING.sub("", name, count=1)
                after_developer = m.start() == developer_end  # (碧桂园城市花园: a name of its own, though generic)
                if not after_developer and ((_GENERIC_NAME.match(name) and not (
                        (_NUMBERED.match(name) or _SCHOOL_STAGE.match(name)) and suffix.startswith((*_ROADS, "街区"))
                        or _DAY_NAME.match(name)
                        or name[-1] == "政" and suffix.endswith(("公司", "大厦"))))
                        or rest != name and len(rest) > 1 and _GENERIC_NAME.match(rest)
                        or _ANONYMOUS.match(name) or _NEGATED.search(name) or name.isdigit() and len(name) < 2):
                    continue
                station = suffix == "站" and _DISTRICT_STATION.match(name)
                if station:
                    name = name[-1]
                short = name
                while not _COUNTY_ENDS.isdisjoint(short) and (shorter := _COUNTY_PREFIX.sub("", short)) != short:
                    short = shorter  # 长沙市岳麓区望月湖 → 望月湖
                if short != name and not _GENERIC_NAME.match(short) and len(_TRIM.sub("", short + suffix)) >= 3:
                    name = short
                # 北环路路面, 幸福大道路口 → 北环路, 幸福大道; 第5小学学校门口 → 第5小学
                # and 汉回村村支书, 村村通 → 汉回村
                if len(suffix) > 1 and (suffix[-1] == "路" and suffix[-2] in "路街道" or suffix.endswith("村村")):
                    suffix = suffix[:-1]
                # and a compound's 工地 is the compound (璀璨天城工地, 恒泰楚壹府工地 → 璀璨天城, 恒泰楚壹府),
                # as a community's or a village's 工厂 is (青山社区工厂 → 青山社区)
                if len(suffix) > 2 and suffix.endswith(("学校", "工地", "工厂")):
                    suffix = suffix[:-2]
                key = _TRIM.sub("", name + suffix)
                # (with a phase or a building after it, 碧桂园三期, 阳光城2栋, the developer names its estate)
                if key in DEVELOPERS and key == name + suffix and not (
                        _PHASE.match(chunk, pos) or pos == len(chunk) and _PHASE.fullmatch(cut_after or "")):
                    developer, developer_end = key, pos
                    continue
                if after_developer:
                    key = developer + key
                listed_last = listed and at_chunk == len(chunks) - 1 and m.end() == len(chunk)
                pair = len(key) == 2 and (at_opening or listed_last) and suffix == "小区"
                if ((len(key) >= 3 or station or pair and _ESTATE_PAIR.match(key) and key not in _KINDS)
                        and not _GENERIC_NAME.match(key) and not _DISTRICT.match(key)):
                    # (not after a name that ended in 小区: 扬帆小区八方小区 is two estates)
                    if pair and m.start() and last_new and not last_suffix.endswith(("小区", *_CONTAINERS)):
                        del found[last_key]
                        key = last_key + key
                    last_new, last_key, last_suffix = key not in found, key, suffix
                    found.setdefault(key, None)
                    opening = pos
                    place_at_end = pos == len(chunk)
                    bare_at = bare_at if m.start() >= bare_at else 0  # a place read over it: no bare name
            if bare_at:
                found.setdefault(bare, None)
    return with_short_names(list(found), written)  # 育才二小, A7县一中: no place word ends them


def _bare_estate(chunk: str, cut_after: str, then: str = "") -> tuple[int, str]:
    """Where an estate's name that ends in no place word ends in ``chunk`` (a chunk where a name begins) and its
    key, when a word of an estate follows it (``_ESTATE_CUE``; or ``_ESTATE_CUE_AFTER``, the word that cut the run
    after the chunk; after a developer, also a building's number or a parking space, here or in ``then``, the chunk
    after the cut); else (0, "")."""
    cue = _ESTATE_CUE.search(chunk, 2, 9)
    end = cue.start() if cue else len(chunk) if cut_after and _ESTATE_CUE_AFTER.fullmatch(cut_after) else 0
    developer = _DEVELOPER_LED.match(chunk)
    if developer and _DEVELOPER_BUSINESS.match(chunk, developer.end()):
        return 0, ""  # the developer's company, manager or sales (中海地产欺骗业主): no estate
    if not end and developer:
        stop = _DEVELOPER_ENDS.search(chunk, developer.end() + 2)
        # nothing of an estate after the developer's words (a parking space, a building's number, 内) is its
        # business or a story (恒大拖欠工资, 华润燃气涨价)
        if not (stop or _BLOCK.search(chunk, developer.end()) or chunk.endswith("内")
                or _BLOCK.match(cut_after or "") or _BLOCK.match(then) or then.startswith(_REGION_CUT)  # (E4区, cut out)
                or _DEVELOPER_ENDS.match(then)):
            return 0, ""
        end = stop.start() if stop else len(chunk)
    if not end:
        return 0, ""
    name = _TRIM.sub("", _BARE_WORKS.sub("", chunk[:end]))
    if developer and not cue:  # the developer and two to four characters (中粮北纬10~13栋: the buildings' number left)
        name = name.rstrip("0123456789")
        if not 2 <= len(name) - developer.end() <= 4:
            return 0, ""
    if (len(name) < 2 or len(name) > 8 or not _BARE_NAME.fullmatch(name) or name[-1] in _VERB_ENDS
            or ends_in_place_word(chunk[:end]) or ends_in_place_word(name) or _DISTRICT.match(name)
            or _GENERIC_NAME.match(name) or _ANONYMOUS.match(name)
            or _NO_BARE_NAME.search(name) or _ESTATE_CUE.search(name) or not _NOT_IN_NAME.isdisjoint(name)
            or name in DEVELOPERS
            or _ESTATE_CUE.fullmatch(name + "业主")):  # the owners counted (全体业主, 部分业主): no name
        return 0, ""
    return end, name


def _developer_joined(chunks: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """``chunks`` with those cut at a 的 or 在 inside a developer-led name joined again (``_DEVELOPER_NAME``)."""
    joined: list[tuple[str, str | None]] = []
    for chunk, word in chunks:
        if joined and word in _IN_DEVELOPER_NAME:
            before, before_word = joined[-1]
            whole = before + word + chunk
            name, developer = _DEVELOPER_NAME.match(whole), _DEVELOPER_LED.match(whole)
            cut = len(before)  # (the 的 or 在: inside the developer's name, or after its first character after it)
            if name and name.end() > cut + 1 and cut != developer.end():
                joined[-1] = (whole, before_word)
                continue
        joined.append((chunk, word))
    return joined


def _second_compound(suffix: str) -> int:
    """Where another compound's name begins in a run of place words (家园华庭苑 → 3), or 0."""
    for word in _SUFFIX_WORD.finditer(suffix):
        end = word.end()
        if word.group(0) in _COMPOUND_ENDS and len(suffix) - end >= 3 and suffix.startswith(_ESTATE_BEGINS, end):
            return end
    return 0


def _chunks(run: str, fresh: bool) -> list[tuple[str, str | None]]:
    """``run`` cut at the separators and where 和 joins two names (北环路和平凉路, 热线和微信平台), each
    piece with the word it was cut from before it (None at the start of the run). 和
    begins a name when nothing it could join comes before it: at the start of the text or after a
    region named (``fresh``: 和天街停车难, A3区和顺洋湖壹号) and after 至, 到, 在 and the like
    (至和天街的公交); and it belongs to a name after one character there (润和滨江府, 共和世家,
    投诉兴和社区). After a name it joins unless only the name read with 和 is one (北环路和天街:
    天街 is none; but 小区和学校, 街道和社区: 和学校 is none either); 和平 and 和谐 begin a name
    (和平嘉园, 北环路和平路) except between two roads (解放路和平安路: 解放路 and 平安路)."""
    if "和" not in run:  # the common case, cut in C: [chunk, separator, chunk, ...]
        pieces = _SPLIT_KEEP.split(run)
        return list(zip(pieces[::2], [None, *pieces[1::2]], strict=True))
    seps = [(m.start(), m.end()) for m in _SPLIT.finditer(run)]
    starts, stops = [a for a, _ in seps], [b for _, b in seps]
    cuts = list(seps)
    at = run.find("和")
    while at >= 0:
        inside = bisect_right(starts, at) - 1  # the last separator that begins at or before 和
        if not (inside >= 0 and at < stops[inside]) and _joins(run, at, seps, stops, fresh):
            cuts.append((at, at + 1))
        at = run.find("和", at + 1)
    cuts.sort()
    ends = [0] + [b for _, b in cuts]
    words = [None] + [run[a:b] for a, b in cuts]
    return [(run[start:a], word) for start, word, (a, _) in
            zip(ends, words, cuts + [(len(run), len(run))], strict=True)]


def _joins(run: str, at: int, seps: list[tuple[int, int]], stops: list[int], fresh: bool) -> bool:
    """Whether the 和 at ``at`` joins two names rather than begins or sits in one (see _chunks).
    Each 和 looks at a bounded span around it, so a long run is read in linear time."""
    n_before = bisect_right(stops, at)
    name_start = stops[n_before - 1] if n_before else 0
    ahead_end = next((a for a, _ in seps[n_before:n_before + 2] if a > at), len(run))
    if not _AND.match(run, at):  # 和平, 和谐, 和路, 和园 ...: a name, unless two roads meet there
        road = _PLACE.match(run, at + 1, ahead_end)
        return bool(run.endswith(_ROADS, name_start, at) and road and road.group(2).endswith(_ROADS)
                    and not _DIRECTION_ROAD.match(run, at + 1))
    if name_start == at:
        return not (fresh and not n_before or n_before and _LEADS.search(run, seps[n_before - 1][0], at))
    if run.endswith(_SUFFIX_TUPLE, name_start, at):
        # 北环路和安街: 和安街 is the name; 福元路和环线: 环线 is a word of no name, and 和 joins
        with_and = _PLACE.match(run, at, ahead_end)
        return not (with_and and not _GENERIC_NAME.match(with_and.group(1)[1:])
                    and not _PLACE.match(run, at + 1, ahead_end))
    return not (at - name_start == 1 and (fresh or n_before) or _COUNTY_AND_ONE.fullmatch(run, name_start, at))


_COMPANIES = ("公司", "集团")  # what a company's or a group's name ends in


def place_tails(places: list[str]) -> list[str]:
    """The last four characters of long names: 万科魅力之城 also answers to 魅力之城 (but
    two long names with the same tail are still different places), not of a company's (顺丰物流公司, 鑫达置业有限公司,
    爱尔眼科集团: the tail is its trade or its legal form, 物流公司, 有限公司, which another company of the trade shares;
    its distinctive part comes before); and the name as it is written the other way (``place_variant``)."""
    tails = [p[-4:] for p in places if len(p) >= 6 and not p.endswith(_COMPANIES)]
    named = set(places)  # a set: a long letter names thousands
    tails += [f for p in places if (f := without_legal_form(p)) != p and len(f) >= 4 and f not in named]
    return tails + [v for p in places if (v := place_variant(p)) != p and v not in named]


# a company is named with or without its legal form (鑫达电器有限公司, 鑫达电器公司)
_LIMITED = re.compile(r"(?:股份|责任)?有限(?:责任)?公司$")


def without_legal_form(name: str) -> str:
    """A company's name with its legal form read as 公司 (鑫达电器有限公司 → 鑫达电器公司); other names as they are."""
    return _LIMITED.sub("公司", name)


# where a name written bare may begin: the start of a title, after a mark, a region or a word that leads to a place
_BEGINS_AFTER = re.compile(r"(?:[^\u4e00-\u9fff]|[A-Z]\d*(?:县市|[市区县省])|西地省|投诉|举报|反映|关于|督促|位于|购买|解决|"
                           r"在|到|至|从|往|于|对|和)$")
# the positions ``_begins_name`` may accept, found in one pass: the start, or after a character other than a
# Chinese one or the last character of a region or of a word of ``_BEGINS_AFTER``
_MAY_BEGIN = re.compile(r"^|(?<=[^\u4e00-\u9fff]|[市区县省诉报映于促买决在到至从往对和])(?=[\u4e00-\u9fff])")


def _begins_name(text: str, at: int) -> bool:
    return at == 0 or _BEGINS_AFTER.search(text, max(0, at - 4), at) is not None


class KnownEstates:
    """The estates a collection's titles name with 小区 (时代年华小区), read where another title writes the name
    bare (时代年华精装房, 投诉时代年华): a name of no place word that ``extract_places`` reads only before a word
    of an estate (``_ESTATE_CUE``). A name is learnt and read only where a name begins (``_BEGINS_AFTER``; read also
    right after a place read: not 改变…小区, not 文化公园里), of three characters or more (two are words of other names
    as often) and none of the words ``_bare_estate`` refuses (街道安置小区, 不能上小区). ``learn`` a title's places,
    then ``read`` a title: the two characters at each place a name may begin are looked up, so a title costs the same
    however many names are known. Not a word of jieba's dictionary (新世纪小区, 书香门第小区: 「在新世纪背景下…」 is
    about no estate)."""

    def __init__(self) -> None:
        self._by_head: dict[str, set[str]] = {}

    def learn(self, places: list[str], text: str) -> None:
        """Remember the places of ``text`` (its ``extract_places``; ``text`` normalised) written with 小区."""
        for place in places:
            if len(place) >= 3 and not ends_in_place_word(place) and (at := text.find(place + "小区")) >= 0 \
                    and _begins_name(text, at) and _bare_estate(place + "业主", "")[1] == place \
                    and not word_frequency(place):
                self._by_head.setdefault(place[:2], set()).add(place)

    def read(self, places: list[str], text: str) -> list[str]:
        """The known names ``text`` (normalised) writes where a name begins or right after a place of ``places``
        (read from it: 地铁六号线锦溪年华段), that none of ``places`` nor a longer known name holds or is part of;
        a place read as the name and another place after it (锦溪年华枫杨坡路: ``_glued``) does not hold it."""
        found: list[str] = []
        if not self._by_head:
            return found
        heads = self._by_head
        after_place = {at + len(p) for p in places if (at := text.find(p)) >= 0}
        for at in chain((begin.end() for begin in _MAY_BEGIN.finditer(text)), sorted(after_place)):
            names = heads.get(text[at:at + 2])
            if names:
                for name in sorted(names, key=len, reverse=True):
                    if (text.startswith(name, at) and (at in after_place or _begins_name(text, at))
                            and not any(name in p and not _glued(p, name) or p in name for p in (*places, *found))):
                        found.append(name)
        return found


def _glued(place: str, name: str) -> str:
    """What follows the known estate ``name`` in ``place`` when it is another place read into one with it (锦溪年华 +
    枫杨坡路, + 地铁6号线: a place read alone, that begins with no place word), else "". Not another compound of
    the name (星河年华花园, 星河年华花园路: 花园 begins the rest), nor a kind or no place (配套幼儿园, 大市场, 无社区)."""
    rest = place[len(name):] if place.startswith(name) else ""
    return rest if len(rest) >= 3 and not rest.startswith(_SUFFIX_TUPLE) and extract_places(rest) == [rest] else ""


_NUMERALS = str.maketrans("〇零一二三四五六七八九", "00123456789")
# a road named by a date alone (八一路, 五一大道) keeps its numerals: 81路 is a bus line, not that road
_DATE_ROAD = re.compile("[〇零一二三四五六七八九十]+(?:路|大道|大街|街)")


# a metro station written with the metro's word before or after its name (地铁窑岭站, 窑岭地铁站: 窑岭站)
_METRO_STATION = re.compile(r"地铁([\u4e00-\u9fff]{2,6}?)站|([\u4e00-\u9fff]{2,6}?)地铁站")
# kinds of station, no one station's name (地铁终点站 is not every 终点站: a bus line's, 1路终点站; review3 2026-12-05)
_STATION_KINDS = frozenset(("终点", "起点", "始发", "换乘", "首末", "中转", "临时", "客运", "货运", "枢纽", "公交车", "出入口"))


@lru_cache(maxsize=1024)
def _metro_station(name: str) -> str:
    """The own name of the metro station ``name`` (地铁窑岭站, 窑岭地铁站: 窑岭), or "" where it is none or its name
    is a kind of station (地铁火车站, 高铁地铁站, 地铁终点站: 火车站, 高铁站 and 终点站 name no one station)."""
    station = _METRO_STATION.fullmatch(name) if "地铁" in name else None
    own = station and (station[1] or station[2])
    return own if own and own not in _STATION_KINDS and extract_places(own + "站") == [own + "站"] else ""


# what kind of platform a platform is, written between its name and 平台 (某某贷P2P诈骗平台, 某某贷平台: one platform)
_PLATFORM_KIND = re.compile(r"(?<=[\u4e00-\u9fff]{2})(?:P2P|p2p|网贷|网络借贷|借贷|理财|金融|集资|诈骗)+平台$")


def place_variant(name: str) -> str:
    """One way of writing the names citizens write two ways: numerals as digits (地铁六号线 →
    地铁6号线), a metro station by its name (地铁窑岭站, 窑岭地铁站 → 窑岭站; since 2026-12-05), and the
    first two characters of a long name in one order (a brand misspelt by
    swapping them: 蓝湖星苑小镇 and 湖蓝星苑小镇 are one). Of two ways of writing a name, one is
    nearly always already this one, so an item's variants are matched against the others' names
    as its tails are. A road named by numerals alone keeps them (八一路, not the bus line 81路)."""
    if own := _metro_station(name):
        name = own + "站"
    name = _PLATFORM_KIND.sub("平台", name)
    if not _DATE_ROAD.fullmatch(name):
        name = name.translate(_NUMERALS)
    if len(name) >= 5 and name[1] < name[0]:
        name = name[1] + name[0] + name[2:]
    return name


_SHORT_ENDS = ("社区", "路", "街")  # 西外环路 is also written 西外环, 桃花岭社区 桃花岭


@lru_cache(maxsize=8192)
def _written_names(name: str) -> tuple[str, ...]:
    """How a place of one title may be written in another whose places were read otherwise: the name with
    numerals as digits, and without 路/街/社区 (西外环路 → 西外环, in 西外环家属区); a metro station (``_metro_station``)
    by its name's other ways (地铁窑岭站: 窑岭站, 窑岭地铁站, and 窑岭地铁, in 窑岭地铁6号线; since 2026-12-05); names of
    fewer than three characters, which are words of other names as often, are none."""
    own = _metro_station(name).translate(_NUMERALS)
    name = name.translate(_NUMERALS)
    forms = [name[:-len(end)] for end in _SHORT_ENDS if name.endswith(end)]
    if own:
        # a metro station (地铁窑岭站) is also written 窑岭站, 窑岭地铁站, and 窑岭地铁 before its line (窑岭地铁6号线)
        forms += [own + "站", own + "地铁", "地铁" + own + "站"]
    return tuple(f for f in dict.fromkeys((name, *forms)) if len(f) >= 3)


_ROAD_GOES_ON = re.compile("[东南西北中]?(?:路|街|大道|巷)")


def _writes(text: str, digits: str, name: str) -> bool:
    """Whether ``text`` (``digits``: the same with numerals as digits) writes the place ``name`` in one of its
    ``_written_names`` where no road goes on from it (咸嘉湖 is not in 咸嘉湖西路). A road named by a date and the
    bus line of its number are two places (八一路, 81路), as in ``place_variant``."""
    date_road = _DATE_ROAD.fullmatch(name)
    for form in _written_names(name):
        at = digits.find(form)
        while at >= 0:
            end = at + len(form)
            if not _ROAD_GOES_ON.match(digits, end) and (
                    text[at:end] == name[:len(form)] or not (date_road or _DATE_ROAD.match(text, at))):
                return True
            at = digits.find(form, at + 1)
    return False


def _named_in_titles(item: Item, c: Cluster) -> list[str]:
    """The places one's title names that a title of the other writes, though its own places were read otherwise
    (地铁六号线 in 枫林苑地铁6号线, 城际空间站 in 地绿城际空间站, 西外环路 in 西外环家属区)."""
    found = [p for p in item.title_places if _writes(c.title_text, c.title_digits, p)]
    digits = item.title_text.translate(_NUMERALS)
    return found + [p for p in c.title_places if _writes(item.title_text, digits, p)]


# the words of a concrete problem, each group one problem said several ways: those of text.SYNONYMS
# and a few more that name a problem by themselves
_PROBLEM_GROUPS = tuple(g for g in SYNONYMS if "噪音" not in g) + (
    ("飙车", "飙行", "炸街"),
    ("乞讨", "流浪", "乞丐"),
    ("修路",),
    # work that keeps people awake, said without the hour or with the small hours (凌晨施工, 施工到凌晨)
    ("夜间施工", "施工扰民", "施工噪音", "施工噪声", "凌晨施工", "施工到凌晨", "昼夜施工", "整夜施工",
     "凌晨开工", "夜间开工", "半夜开工", "深夜开工"),  # (not a project started: 开工)
    ("消防通道", "消防生命", "消防车道"),
    ("建筑质量", "房屋质量", "工程质量", "质量问题", "豆腐渣", "质量差", "质量太差", "质量堪忧", "质量不达标", "质量不过关"),  # what was built, not a product bought
    ("虚假宣传", "虚假广告"),
    ("搅拌站", "搅拌厂", "搅拌场", "搅拌楼"),
    ("油烟", "异味", "烟味"),
    ("噪音扰民", "噪声扰民", "噪音污染", "噪声污染", "噪音大", "噪声大"),
    # (2026-12-04, tenth change) more problems citizens tell in two words at one place: a school place or the way
    # to school, lessons in the holidays, a handover put off, the fit-out of a flat, a road that ends, power lines,
    # school meals, a bus line stopped, traffic danger at a gate, fire safety, fees of the manager, a project started
    # or not, a case reported to the police, a building accepted or not, a rubbish station, a project abandoned
    ("学位", "入学", "就读", "就学", "上学", "读书"),
    ("补课", "补习"),
    ("延期交房", "延迟交房", "逾期交房", "推迟交房", "按时交房", "拖延交房"),
    ("精装", "全装修", "质价不符"),
    ("断头路",),
    ("变电站", "高压线", "高压电"),
    ("伙食", "午餐", "学生餐", "饭菜"),
    ("停运", "停开"),
    ("交通安全", "交通不安全"),
    ("消防安全", "消防设施", "消防隐患", "火灾隐患"),
    ("物业费", "物业收费"),
    ("开工", "动工", "建设进度"),
    ("立案", "案件", "案情", "报案"),
    ("垃圾站", "垃圾楼", "垃圾中转站", "垃圾转运站"),
    ("烂尾", "停工"),
    ("出行难", "出行不便", "出行困难", "出行问题", "出行怎么办"),
    ("养老院",),
    ("食品安全", "食品卫生"),
    ("诊所", "非法行医"),
    # (2026-12-05, sixteenth change) a plot or a building left idle for years; a fraud, a platform's or a company's
    ("闲置", "空地", "荒地", "空置", "撂荒", "荒废"),
    ("诈骗", "骗局", "非法集资", "跑路", "爆雷", "暴雷"),
)
# words of a grievance of one's own rather than of a problem all share (each its group's first word): one's case
# (立案, 案件, 报案), wages owed, pension, refund, subsidy, property certificate, a fraud (诈骗; since 2026-12-05).
# Two citizens' letters with them name the same case only where they name the same party in their titles (the
# platform that ran off, the company that owes, the estate whose certificates are late), not the police station,
# court or office they took it to
_PERSONAL = frozenset({"立案", "工资", "养老金", "退费", "补贴", "房产证", "诈骗"})
# where a grievance is taken, not who caused it: a police station, the police, a court, a procuratorate, a
# government, a bureau or an office of registry or social security
_AUTHORITY = re.compile(r"(?:派出所|公安局|分局|法院|检察院|政府|局|司法所|房管所|登记中心|政务中心|服务中心|社保中心|医保中心)$")
# words of a problem that say nothing of its source (noise: a bar's, a lorry's, a site's): at a compound one
# problem, along a road as many as there are sources
_SOURCELESS = frozenset({"噪音扰民"})
_PROBLEM_OF = {word: group[0] for group in reversed(_PROBLEM_GROUPS) for word in group}
_PROBLEM_RE = re.compile(starting_at("|".join(sorted(_PROBLEM_OF, key=len, reverse=True))))


def _without_names(text: str, names: list[str]) -> str:
    for name in names:
        text = text.replace(name, " ")
    return text


# the quality of what was not built (质量差 of the air, the water, the meals, a service): no building's (防水, the
# waterproofing, is built)
_NOT_BUILT = re.compile(r"(?:空气|(?<!防)水|饭菜|伙食|食品|服务|教学|产品|商品|网络|信号|医疗)$")


def problem_words(text: str) -> frozenset:
    """The problems ``text`` names in words of ``_PROBLEM_GROUPS``, each as its group's first word; 停运 where
    the text names 电梯 is the lift's (电梯故障), not a bus line's, and 质量差 of the air or the water
    (``_NOT_BUILT``) no building's."""
    text = _normalized(text)
    found = frozenset(_PROBLEM_OF[m[0]] for m in _PROBLEM_RE.finditer(text)
                      if not (m[0].startswith("质量") and _NOT_BUILT.search(text, 0, m.start())))
    if "停运" in found and "电梯" in text:
        found = found - {"停运"} | {"电梯故障"}
    return found


def extract_groups(text: str) -> list[str]:
    return list(dict.fromkeys(_GROUP_RE.findall(_normalized(text))))


def bigrams(title: str, body: str, title_grams: Counter | None = None) -> Counter:
    """Character bigrams of the title (each counted three times; its first 100 characters) and of
    the body's first BODY_CHARS, in the order they first occur (the order the weights are summed in).
    ``title_grams``: the title's, ``bigrams(title, "")``, when already counted."""
    if title_grams is not None:
        grams = Counter(title_grams)
    else:
        grams = Counter()
        title = _normalized(title)[:100]
        if title:
            for gram, n in Counter(_pairs(title)).items():
                grams[gram] += 3 * n
    body = _normalized((body or "")[:BODY_CHARS * 2])[:BODY_CHARS]
    if body:
        grams.update(_pairs(body))
    return grams


def _pairs(text: str) -> Iterable[str]:
    """The character bigrams of each run of ``text`` (``_RUN``) in order, the run's i-th character and the
    next joined in C (``map``)."""
    return chain.from_iterable([map(add, run, run[1:]) for run in _RUN.findall(text)])


@dataclass
class Item:
    """A message as the clustering sees it."""

    id: str
    title: str
    body: str
    at: dt.datetime
    user: str = ""
    supports: int = 0
    region: str | None = None  # county mark; read from the text when None
    admin_names: tuple[str, ...] = ()  # region names that are not places (兰州市, 城关区)
    places: list[str] = field(default_factory=list)
    title_places: list[str] = field(default_factory=list)
    tails: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    grams: Counter = field(default_factory=Counter)
    title_grams: Counter = field(default_factory=Counter)
    title_problems: frozenset = frozenset()  # the problem words of the title (``problem_words``)
    title_text: str = ""  # the title normalised, where a place another title names is looked for
    keys: list[str] = field(default_factory=list)

    def prepare(self) -> Item:
        text = f"{self.title} {self.body[:BODY_CHARS * 2]}"
        if self.region is None:
            self.region = county_of(self.title) or county_of(text)
        # a kind of facility or a level of government's schools (变电站, 属下区中学) is no place in common: two
        # letters about two substations are not joined by the word (``_names_no_place``); their named places are
        self.title_places = [p for p in extract_places(self.title, self.admin_names) if not _names_no_place(p)]
        body_places = extract_places(self.body[:BODY_CHARS * 2], self.admin_names) if self.body else []
        body_places = [p for p in body_places if not _names_no_place(p)]
        self.places = self.title_places + [p for p in body_places if p not in self.title_places][:4]
        self.tails = place_tails(self.places)
        self.groups = extract_groups(text)
        title, body = self.title, self.body
        for name in self.admin_names:  # the region is matched by code; its name would make
            title = title.replace(name, " ")  # every message of a county look alike
            body = body.replace(name, " ")
        self.title_grams = bigrams(title, "")
        self.grams = bigrams(title, body, self.title_grams)
        # 星沙供水公司 is a company's name, not water that does not come
        companies = [p for p in self.title_places if p.endswith(_COMPANIES)]
        self.title_problems = problem_words(_without_names(_normalized(title), companies))
        self.title_text = _normalized(title)
        return self


@dataclass
class Cluster:
    id: int | str
    first_at: dt.datetime
    last_at: dt.datetime
    centroid: dict[str, float] = field(default_factory=dict)
    norm2: float = 0.0
    title_centroid: dict[str, float] = field(default_factory=dict)  # sum of the members' title vectors
    title_norm2: float = 0.0
    title_problems: Counter = field(default_factory=Counter)
    title_variants: Counter = field(default_factory=Counter)  # its title places as ``place_variant`` writes them
    title_text: str = ""  # its members' titles normalised, one a line (the first TITLE_TEXTS)
    title_digits: str = ""  # the same with numerals as digits
    members: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    users: set[str] = field(default_factory=set)
    supports: int = 0
    places: Counter = field(default_factory=Counter)
    title_places: Counter = field(default_factory=Counter)
    tails: Counter = field(default_factory=Counter)
    groups: Counter = field(default_factory=Counter)
    regions: Counter = field(default_factory=Counter)
    dates: list[dt.datetime] = field(default_factory=list)

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def region(self) -> str | None:
        return self.regions.most_common(1)[0][0] if self.regions else None

    def place_label(self, with_region: bool = True) -> str:
        """地点/人群: the county, the main places and groups."""
        parts = main_places(self.places, self.title_places, self.size, self.title_text)
        if with_region and self.region and not any(self.region in p for p in parts):
            parts.insert(0, self.region)
        return label(parts, self.groups, self.size)


def main_places(places: Counter, title_places: Counter, size: int, titles: str = "") -> list[str]:
    """The two places a cluster is about: named in a title counts twice (a title states the
    problem; a body also names landmarks and companies on the way), and in a cluster of
    several messages a place one body alone names is left out when others are shared. A key
    that names no place to a reader (``_names_no_place``) is left out; a school's kind that
    ``titles`` (the members' titles, normalised) write right after the name read before it is
    that school's name, written whole (湖大附中麓城 and 实验学校 → 湖大附中麓城实验学校). Each is written as its
    messages write it most (``_clearest``: 地铁窑岭站, where they write 地铁窑岭站, 窑岭地铁站 and 窑岭地铁6号线)."""
    score = Counter({p: n + title_places[p] for p, n in places.items() if not _names_no_place(p)})
    ranked = [p for p, _ in score.most_common()]
    if size > 1:
        shared = [p for p in ranked if score[p] > 1]
        ranked = shared or ranked
    while len(ranked) > 1 and (whole := _school_whole(ranked[0], ranked[1], titles)):
        ranked = [whole, *ranked[2:]]
    # one place once: not 「和平嘉园广场 和平嘉园」, 「地铁3号线 3号线」; the next place read in its stead
    # would be one fewer messages name, on the reference file nearly always a misread (程度上依赖地铁2号线)
    return [_clearest(p, score) for p in ranked[:1] + [p for p in ranked[1:2] if not _one_place(p, ranked[0])]]


# a metro station written before its line (窑岭地铁6号线: the line at 窑岭站)
_STATION_BEFORE_LINE = re.compile("([\u4e00-\u9fff]{2,6}?地铁)[0-9〇零一二三四五六七八九十]+号线")


def _label_place(name: str) -> str:
    """The place a name read in a hotspot's messages names in its label: its ``place_variant`` (地铁窑岭站,
    窑岭地铁站 → 窑岭站), and a station written before its line the station's (窑岭地铁6号线 → 窑岭站; 2026-12-05)."""
    before_line = _STATION_BEFORE_LINE.fullmatch(name)
    if before_line and _metro_station(station := before_line[1] + "站"):
        return place_variant(station)
    return place_variant(name)


def _clearest(name: str, score: Counter) -> str:
    """How a hotspot's label writes the place ``name`` names (``_label_place``), of the ways ``score`` (its names
    with their scores) writes it: the one written most (a title counting twice), on a tie the form 地铁X站 (地铁窑岭站,
    not 窑岭地铁站), else the one read first; a station written before its line (窑岭地铁6号线) only where no letter
    writes the station alone (2026-12-05)."""
    place = _label_place(name)
    written = [p for p, _ in score.most_common() if _label_place(p) == place] or [name]
    alone = [p for p in written if place_variant(p) == place] or written
    return max(alone, key=lambda p: (score[p], p.startswith("地铁") and p.endswith("站")))


def _one_place(a: str, b: str) -> bool:
    """Whether two names read in a hotspot's messages are one place for its label: one inside the other
    (a square of an estate, the estate; a road read with and without its area) or one written two ways
    (``_label_place``: 地铁六号线 and 地铁6号线, a brand's first two characters swapped, a metro station written
    地铁窑岭站, 窑岭地铁站 or before its line, 窑岭地铁6号线)."""
    return a in b or b in a or _label_place(a) == _label_place(b)


# what a label names no place by: a kind of facility, however it is built or sized (变电站, 35千伏变电站, 建变电站,
# 垃圾分拣中心, 公交首末站 …: the estate, the road or the region beside it says where), and the schools a level of
# government runs, read after its mark cut out (A市属下区中学 → 属下区中学: the city's schools put under the districts)
# or after words of a clause (…承诺下区学校, …减少区管学校: whatever is read before 区管 is no name). Since the twelfth
# change they are no place of a message either (``Item.prepare``: no key, no place in common, two substations' letters
# are not joined by the word); the label shows the place read next, or the region alone. Nor is one read with a clause
# in front (2026-12-04): where it stands by an estate that is not named (小区东边变电站, 门口垃圾站) or what is to be
# done with it (规划建变电站, 拟建垃圾站, 违规建设垃圾站) — words, not a name (青禾变电站, 汇一城变电站 stay places)
_UNNAMED_FACILITY = re.compile(
    r"^(?:小区|楼|家)?(?:[东南西北]{1,2}(?:边|侧|面)|旁边?|附近|周边|周围|对面|门口|楼下|隔壁|边上)?"
    r"(?:[会要将想应能拟]|准备|计划|违规|公示)*(?:规划|建设|修建|新建|兴建|拟建|临建|建成|建|修|设)*(?:临时)?(?:\d+(?:[A-Za-z]*|千伏)|[一二三四五六七八九十百千]+千伏)?(?:特?大型|小型|高压|生活|公交)*"
    r"(?:变电|配电|垃圾(?:分拣|收集|中转|转运|压缩|处理)?|废品(?:收购|回收)|首末|终点|始发|中转|换乘)(?:站|所|中心|场|厂)$")
_RUN_BY = re.compile(r"^属|(?:[市区县省][属管]|下区)(?:学校|小学|中学)$")


def _names_no_place(key: str) -> bool:
    """Whether a place key names no place a reader of the label could find (``_UNNAMED_FACILITY``, ``_RUN_BY``, and
    ``_ANONYMOUS`` as a county cut before it may leave it: 某, 一所 …)."""
    return bool(_UNNAMED_FACILITY.match(key) or _RUN_BY.search(key) or _ANONYMOUS.match(key))


# a school's kind or number with no name of its own (实验学校, 双语中学, 外国语学校, 第一小学): read apart from the name
# before it, where that name ends in a place word (师大附中星城 + 实验学校 + 第一小学, 同升湖 + 实验学校)
_SCHOOL_KIND = re.compile(r"^(?:(?:实验|双语|外国语|附属)+|第[一二三四五六七八九十]+)(?:学校|小学|中学|幼儿园)$")


def _school_whole(first: str, second: str, titles: str) -> str:
    """The school's whole name when one of the two main places is a school's kind (``_SCHOOL_KIND``) that
    ``titles`` write right after the other (湖大附中麓城 and 实验学校), else ""."""
    for name, kind in ((first, second), (second, first)):
        if _SCHOOL_KIND.match(kind) and not _SCHOOL_KIND.match(name) and name + kind in titles:
            return name + kind
    return ""


NO_PLACE = "—"  # the 地点/人群 of a cluster that names neither


def label(places: list[str], groups: Counter, size: int) -> str:
    """地点/人群 from the main places and the groups at least half the messages name."""
    parts = places + [g for g, c in groups.most_common(2) if c * 2 >= size]
    return " ".join(parts) or NO_PLACE


def heat(citizens: int, messages: int, supports: int, last_at: dt.datetime, now: dt.datetime) -> float:
    """热度指数 = 10 × (2·ln(1+U) + ln(1+M) + ln(1+S)) × (0.25 + 0.75 · 0.5^(Δ/90)), rounded to 0.01.

    U distinct citizens, M messages, S supports (点赞 / 我也遇到), Δ days since the
    latest message (never negative)."""
    age = max(0.0, (now - last_at).total_seconds() / 86400)
    volume = 2 * math.log1p(citizens) + math.log1p(messages) + math.log1p(max(0, supports))
    recency = 0.25 + 0.75 * 0.5 ** (age / HALF_LIFE_DAYS)
    return round(10 * volume * recency, 2)


def _sums_cosine(a: dict[str, float], na: float, b: dict[str, float], nb: float,
                 exclude: frozenset = frozenset()) -> float:
    """Cosine of two sums of vectors given with their squared norms, ``exclude`` bigrams left out."""
    small, large = (a, b) if len(a) < len(b) else (b, a)
    get = large.get
    dot = sum(w * get(g, 0.0) for g, w in small.items() if g not in exclude)
    na -= sum(a.get(g, 0.0) ** 2 for g in exclude)
    nb -= sum(b.get(g, 0.0) ** 2 for g in exclude)
    return dot / math.sqrt(max(na, 1e-12) * max(nb, 1e-12))


def _add_into(sums: dict[str, float], norm2: float, vec: dict[str, float]) -> float:
    """Add ``vec`` into ``sums`` (a hotspot's centroid); the squared norm of the new sum: ``norm2`` plus
    2 · old · w + w · w of each bigram in the order of ``vec``, computed in C (``map``), the same floats as a loop."""
    weights = vec.values()
    olds = list(map(sums.get, vec, repeat(0.0)))
    sums.update(zip(vec, map(add, olds, weights), strict=True))
    return sum(map(add, map(mul, map(mul, repeat(2), olds), weights), map(mul, weights, weights)), norm2)


def _cosine(a: Cluster, b: Cluster, exclude: frozenset = frozenset()) -> float:
    return _sums_cosine(a.centroid, a.norm2, b.centroid, b.norm2, exclude)


_SAME_AUTHOR = -1.0  # _threshold's answer when the author already wrote into the hotspot (see assign)


def _title_cosine(tvec: dict[str, float], c: Cluster, exclude: frozenset = frozenset()) -> float:
    """Cosine of a (normalised) title vector and the sum of the hotspot's title vectors."""
    return _sums_cosine(tvec, 1.0, c.title_centroid, c.title_norm2, exclude)


def _titles_cosine(a: Cluster, b: Cluster, exclude: frozenset) -> float:
    """Cosine of two hotspots' title vectors, ``exclude`` bigrams left out."""
    return _sums_cosine(a.title_centroid, a.title_norm2, b.title_centroid, b.title_norm2, exclude)


def _shared_places(item: Item, c: Cluster) -> list[str]:
    return [p for p in item.places if p in c.places or p in c.tails] + [t for t in item.tails if t in c.places]


# a town, a street office or a community holds many compounds and roads: a problem's word there says
# too little about where
_WIDE_PLACES = ("镇", "乡", "街道", "社区")


def _same_title_places(item: Item, c: Cluster) -> list[str]:
    """The places the item's title and a title of ``c`` both name, written alike or two ways
    (``place_variant``), other than towns, street offices and communities (``_WIDE_PLACES``)."""
    return [p for p in item.title_places if not p.endswith(_WIDE_PLACES) and place_variant(p) in c.title_variants]


def _other_problems(item: Item, c: Cluster) -> bool:
    """Whether the title of ``item`` and the titles of ``c`` name problems (``problem_words``) and none in common, nor
    does the body of ``item`` name one of theirs: one citizen's letters about two problems of one place (its 停水, its
    路灯), however alike the words of their template (a letter about the water pumps that says 没水 in its body is
    still about the 停水)."""
    if not (item.title_problems and +c.title_problems) or any(c.title_problems[w] for w in item.title_problems):
        return False
    return not any(c.title_problems[w] for w in problem_words(item.body[:BODY_CHARS * 2]))


def _own_place_elsewhere(item: Item, c: Cluster) -> bool:
    """Whether ``item``, of another region than the letters of ``c``, is its author's letter about a place their
    titles name (``place_variant``): a citizen who wrote one place under two districts (青峰街道 under A3区, the
    next letter under A4区) means one place; another citizen's letter is of the district it says."""
    return bool(item.user) and item.user in c.users and any(place_variant(p) in c.title_variants
                                                            for p in item.title_places)


def _shares_place(item: Item, c: Cluster) -> bool:
    """Whether a place ``item`` names (title or body) is one that a member of ``c`` names."""
    return any(p in c.places for p in item.places)


def _name_grams(names) -> frozenset:
    return frozenset(n[i:i + 2] for n in names for i in range(len(n) - 1))


def _without(vec: dict[str, float], c: Cluster, exclude: frozenset, dot: float) -> float:
    """Cosine of ``vec`` and the centroid of ``c`` with the ``exclude`` bigrams left out."""
    get = c.centroid.get
    for g in exclude:
        w = vec.get(g)
        if w:
            dot -= w * get(g, 0.0)
    nv = 1.0 - sum(vec.get(g, 0.0) ** 2 for g in exclude)
    nc = c.norm2 - sum(get(g, 0.0) ** 2 for g in exclude)
    return dot / math.sqrt(max(nv, 1e-12) * max(nc, 1e-12))


def _same_place(item: Item, c: Cluster, vec: dict[str, float], dot: float, tvec: dict[str, float],
                shared: list[str], in_titles: list[str] | None = None) -> tuple[float, float]:
    """The cosine of ``item`` and ``c`` that name the places ``shared`` and the threshold it must reach;
    ``in_titles``: the places both titles name (by default ``_same_title_places`` and the places but roads
    one title names and the other writes, ``_named_in_titles``).

    The shared place name makes every problem there look alike: the sameness of the problem is judged on
    the rest of the text, or on titles that say the same, or on a word of the same problem in both titles."""
    names = _name_grams(shared)
    cos = _without(vec, c, names, dot)
    if _another_case(item, c):
        return cos, JOIN_PERSONAL_CASE
    if cos >= JOIN_SAME_PROBLEM:
        return cos, JOIN_SAME_PROBLEM
    if _title_cosine(tvec, c, names) >= SAME_PLACE_TITLE:
        return cos, 0.0
    if in_titles is None:  # a road read in one title and written in the other's is not enough (a long road)
        named = [p for p in _named_in_titles(item, c) if not p.endswith(_ROADS)]
        in_titles = list(dict.fromkeys(_same_title_places(item, c) + named))
    if (words := [w for w in item.title_problems if c.title_problems[w] * 2 >= c.size]) and (
            same := [p for p in in_titles if not p.endswith(_WIDE_PLACES)]):
        # the same problem's word in both titles, said by at least half the hotspot's (a member that joined by
        # mistake does not draw in its own problem's letters); a road is long: one alone says less than a
        # compound, a lake or two roads that cross, and noise on it, which names no source, nothing
        one_road = len(same) == 1 and same[0].endswith(_ROADS)
        if one_road and _SOURCELESS.issuperset(words):
            return cos, JOIN_SAME_PROBLEM
        return cos, JOIN_SAME_ROAD_WORD if one_road else JOIN_SAME_PLACE_WORD
    return cos, JOIN_SAME_PROBLEM


def _another_case(item: Item, c: Cluster) -> bool:
    """Whether ``item`` and ``c`` may be two citizens' own cases at the place they took them to: the words of one
    problem they share are all of grievances of one's own (``_PERSONAL``: 立案 at one police station, 工资 at one
    labour office), the author never wrote into ``c``, and no party is named in both titles (a place of ``item``'s
    title, or its tail, that a title of ``c`` names, written alike or two ways, or that is a tail of ``c``'s places, or a
    company named by a title of ``c`` with more or less before it, ``_one_company``: not a police station, court or
    office, ``_AUTHORITY``, nor a town, street office or community)."""
    words = {w for w in item.title_problems if c.title_problems[w] * 2 >= c.size}
    if not words or not words <= _PERSONAL or item.user and item.user in c.users:
        return False
    return not any((place_variant(p) in c.title_variants or p in c.tails or _one_company(p, c.title_places))
                   and not _AUTHORITY.search(p) and not p.endswith(_WIDE_PLACES) for p in item.title_places + item.tails)


_COMPANY_NAME = 6  # characters of the shorter of two companies' names that end alike, to be one company


def _one_company(name: str, names: Iterable[str]) -> bool:
    """Whether the company ``name`` is one of ``names`` written with more or less before it, its legal form read as
    公司 (``_LIMITED``): one ends with the other, of ``_COMPANY_NAME`` characters or more (禾城金鼎物流公司, 金鼎物流有限公司);
    not a company's trade and legal form alone (金鼎物流有限公司, 物流有限公司), nor two companies of one trade
    (金鼎物流公司, 华联物流公司: no tail, ``place_tails``)."""
    name = without_legal_form(name)
    if len(name) < _COMPANY_NAME or not name.endswith(_COMPANIES):
        return False
    return any(len(other := without_legal_form(written)) >= _COMPANY_NAME and (other.endswith(name) or name.endswith(other))
               for written in names if written.endswith(_COMPANIES))


def _other_cases(a: Cluster, b: Cluster, names: frozenset) -> bool:
    """``_another_case`` for two hotspots (the merge pass): the words of one problem said by half the titles of each
    are all of grievances of one's own, no citizen wrote into both, no party is named in the titles of both, and
    their texts without the place's name are less alike than ``JOIN_PERSONAL_CASE``."""
    words = {w for w, n in a.title_problems.items() if n * 2 >= a.size and b.title_problems[w] * 2 >= b.size}
    if not words or not words <= _PERSONAL or a.users & b.users:
        return False
    if any(p in b.title_variants and not _AUTHORITY.search(p) and not p.endswith(_WIDE_PLACES)
           for p in a.title_variants):
        return False
    return _cosine(a, b, names) < JOIN_PERSONAL_CASE


def _common_problem(a: Cluster, b: Cluster) -> bool:
    """Whether a word of one problem is said by at least half the titles of each hotspot."""
    return any(n * 2 >= a.size and b.title_problems[w] * 2 >= b.size for w, n in a.title_problems.items())


def _same_problem_at(a: Cluster, b: Cluster, variant: str, names: frozenset) -> bool:
    """Whether two hotspots whose titles say a word of one problem (``_common_problem``) are at one place: both
    titles name the place ``variant`` (not a town, a street office or a community), their texts have some words
    in common besides its name, and a road or a line, which is long, is not all they name in common (the lake
    by the road, the compound by the line: lights at two crossings of one road are two problems)."""
    if variant not in a.title_variants or variant not in b.title_variants:
        return False
    if any(place_variant(p) == variant and p.endswith(_WIDE_PLACES) for p in (*a.title_places, *b.title_places)):
        return False
    if variant.endswith(_ROADS) and not ({place_variant(p) for p in a.places} & {place_variant(p) for p in b.places}) - {variant}:
        return False
    return _cosine(a, b, names) >= MERGE_SAME_PROBLEM_WORD


def cluster_heat(cluster: Cluster, now: dt.datetime) -> float:
    return heat(len(cluster.users) or cluster.size, cluster.size, cluster.supports, cluster.last_at, now)


def is_chronic(first_at: dt.datetime, now: dt.datetime, unresolved: int, days: int = 90) -> bool:
    """老大难: the problem persists past ``days`` and some messages are unresolved or
    rated unsatisfied."""
    return unresolved > 0 and (now - first_at).days >= days


class HotspotIndex:
    """Clusters kept in memory with an inverted index for candidate lookup.

    ``assign(item)`` finds the hotspot an item belongs to (or None) without changing
    anything; ``add(item, cluster_id)`` records it. ``place(item)`` does both, making
    new ids with ``new_id``."""

    def __init__(self, window_days: int = WINDOW_DAYS, df: Counter | None = None, n_docs: int = 0,
                 new_id: Callable[[], int | str] | None = None):
        self.window = dt.timedelta(days=window_days)
        self.df: Counter = df if df is not None else Counter()
        self.n_docs = n_docs
        self.frozen_df = df is not None  # batch mode: frequencies of the whole collection
        self._idf_cache: dict[str, float] = {}
        self._last_title: tuple[Item | None, dict[str, float]] = (None, {})  # (item, its title_vector): batch
        self._df_twice: set[str] = set()  # batch: the bigrams of two messages or more (``_keys``)
        self.clusters: dict[int | str, Cluster] = {}
        # key -> {hotspot id: None}, least recently joined first (a dict keeps order, no repeats)
        self.postings: dict[str, dict] = defaultdict(dict)
        self.alias: dict = {}  # merged hotspot id -> the id it was merged into
        self._next = 0
        self._new_id = new_id
        self.estates = KnownEstates()  # the estates its titles name with 小区 (``read_estates``)

    # --- vectors ------------------------------------------------------------------
    def _idf(self, gram: str) -> float:
        if self.frozen_df:  # fixed frequencies: compute each weight once
            w = self._idf_cache.get(gram)
            if w is None:
                w = self._idf_cache[gram] = math.log((1 + self.n_docs) / (1 + self.df.get(gram, 0))) + 1.0
            return w
        return math.log((1 + self.n_docs) / (1 + self.df.get(gram, 0))) + 1.0

    def vector(self, item: Item) -> dict[str, float]:
        return self._weights(item.grams)

    def read_estates(self, item: Item) -> Item:
        """``item`` with the estates its title writes bare that a title of the index names with 小区
        (``KnownEstates``) among its title places; before its keys are posted or looked up."""
        found = self.estates.read(item.title_places, item.title_text)
        if found:
            # 锦溪年华枫杨坡路 → 枫杨坡路, and 锦溪年华 among the found
            read = item.title_places
            item.title_places = list(dict.fromkeys([next((rest for name in found if (rest := _glued(p, name))), p)
                                                    for p in read] + found))
            item.places = item.title_places + [p for p in item.places if p not in read and p not in item.title_places]
            item.tails = place_tails(item.places)
            item.keys = []
        return item

    def title_vector(self, item: Item) -> dict[str, float]:
        """The title's bigrams alone, weighted and normalised as ``vector``. Of fixed frequencies (batch) the
        last item's is kept: ``place`` asks for it in ``assign`` and again in ``add``."""
        if not self.frozen_df:
            return self._weights(item.title_grams)
        if self._last_title[0] is not item:
            self._last_title = (item, self._weights(item.title_grams))
        return self._last_title[1]

    def _weights(self, grams: Counter) -> dict[str, float]:
        if self.frozen_df:  # batch: the weights of the collection's bigrams, looked up (see cluster_batch)
            known, tf = self._idf_cache, _TF
            try:  # a collection's own message: every bigram weighed (``weigh_all``), every count in ``_TF``
                vec = {g: tf[c] * known[g] for g, c in grams.items()}
            except (KeyError, IndexError):
                idf = self._idf
                vec = {g: _tf(c) * (known.get(g) or idf(g)) for g, c in grams.items()}
        else:
            idf = self._idf
            vec = {g: _tf(c) * idf(g) for g, c in grams.items()}
        norm = math.sqrt(sum([w * w for w in vec.values()])) or 1.0
        return {g: w / norm for g, w in vec.items()}

    def weigh_all(self) -> None:
        """Compute the weight of every bigram of fixed frequencies at once (batch mode), the
        same ``_idf`` would compute one by one."""
        if self.frozen_df:
            n = 1 + self.n_docs
            self._idf_cache.update((g, math.log(n / (1 + c)) + 1.0) for g, c in self.df.items())
            self._df_twice = {g for g, c in self.df.items() if c >= 2}

    def _keys(self, item: Item, vec: dict[str, float]) -> list[str]:
        if item.keys:  # computed once per message (assign, then add)
            return item.keys
        # a bigram nobody else used finds nothing
        if self.frozen_df and self._df_twice:  # (``weigh_all``: the same test, in C)
            used = filter(self._df_twice.__contains__, vec)
        else:
            min_df, df = (2 if self.frozen_df else 1), self.df
            used = (g for g in vec if df.get(g, 0) >= min_df)
        rare = sorted(used, key=vec.__getitem__, reverse=True)[:5]
        # a place is posted and looked up as ``place_variant`` writes it: its two ways of writing share one list
        item.keys = ["p:" + p for p in dict.fromkeys(map(place_variant, item.places + item.tails))] + ["g:" + g for g in rare]
        return item.keys

    # --- placement ----------------------------------------------------------------
    def assign(self, item: Item, vec: dict[str, float] | None = None) -> tuple[int | str | None, float]:
        if not item.grams:
            item.prepare()
        vec = vec if vec is not None else self.vector(item)
        posted = []  # the hotspots of each key, a place's three times (a place counts 3, a bigram 1)
        for key in self._keys(item, vec):
            plist = self.postings.get(key)
            if plist:
                posted.extend((plist.keys(),) * (3 if key[0] == "p" else 1))
        votes = Counter(chain.from_iterable(posted))  # counted in C, in the order the keys were looked up
        if self.alias:  # after merges, old ids stand for the hotspot they joined
            resolved: Counter = Counter()
            for cid, n in votes.items():
                resolved[self._resolve(cid)] += n
            votes = resolved
        ranked = [cid for cid, _ in votes.most_common(CANDIDATES)]
        best, best_score, tvec = None, 0.0, None
        for cid in ranked:
            c = self.clusters.get(cid)
            if c is None:
                continue
            if item.at - c.last_at > self.window:  # not at - window: no overflow near year 1
                # gone quiet: only a letter that repeats it reopens it
                tvec = tvec if tvec is not None else self.title_vector(item)
                if not self._repeats(item, c, tvec):
                    continue
            if item.region and c.regions and item.region not in c.regions and not _own_place_elsewhere(item, c):
                continue
            # sum(w · centroid[g]) in the order of ``vec``, multiplied and summed in C
            dot = sum(map(mul, vec.values(), map(c.centroid.get, vec, repeat(0.0))))
            cos = dot / math.sqrt(c.norm2 or 1.0)
            threshold = self._threshold(item, c)
            if threshold == _SAME_AUTHOR:
                # the author wrote into this hotspot before: a letter sent again (its title says the same
                # thing) joins as any close text does; another letter in the same words of a template does not
                tvec = tvec if tvec is not None else self.title_vector(item)
                titles = _title_cosine(tvec, c)
                threshold = (JOIN_OTHER_TITLE_PLACE if titles >= SAME_AUTHOR_PLACE_TITLE and _other_problems(item, c)
                             else JOIN_SAME_AUTHOR if titles >= SAME_AUTHOR_TITLE
                             else JOIN_SAME_BODY_PLACE if titles >= SAME_AUTHOR_PLACE_TITLE and _shares_place(item, c)
                             else JOIN_OTHER_TITLE_PLACE)
            if threshold == JOIN_SAME_PLACE:
                tvec = tvec if tvec is not None else self.title_vector(item)
                cos, threshold = _same_place(item, c, vec, dot, tvec, _shared_places(item, c))
            elif cos < threshold and (named := _named_in_titles(item, c)):
                # a place one title names is written in the other's, which read its places otherwise: judged as
                # a place in common, where the text alone does not join
                tvec = tvec if tvec is not None else self.title_vector(item)
                cos, threshold = _same_place(item, c, vec, dot, tvec, [f for p in named for f in (p, *_written_names(p))],
                                             named)
            if cos > best_score and cos >= threshold:
                best, best_score = cid, cos
        return best, best_score

    def _repeats(self, item: Item, c: Cluster, tvec: dict[str, float]) -> bool:
        """Whether ``item`` (title vector ``tvec``), written more than a window after the latest letter of ``c`` but
        within ``REOPEN_WINDOWS`` windows, repeats it: its author wrote into ``c`` and the titles say the same
        (``SAME_AUTHOR_TITLE``), or its title names a place a title of ``c`` names (not a road, a town, a street office
        or a community: the rest of a long road, or of a town, is elsewhere) and says the same without the place's name
        (``SAME_PLACE_TITLE``). Such a letter is then judged as any other; another letter starts a new hotspot."""
        if item.at - c.last_at > self.window * REOPEN_WINDOWS:
            return False
        if item.user and item.user in c.users and _title_cosine(tvec, c) >= SAME_AUTHOR_TITLE:
            return True
        same = [p for p in _same_title_places(item, c) if not p.endswith(_ROADS)]
        return bool(same) and _title_cosine(tvec, c, _name_grams(same)) >= SAME_PLACE_TITLE

    @staticmethod
    def _threshold(item: Item, c: Cluster) -> float:
        # (the last: two titles that write one name two ways, neither of them as ``place_variant`` writes it: 禾丰贷平台
        # and 禾丰贷P2P网贷平台, both 丰禾贷平台)
        if any(p in c.places or p in c.tails for p in item.title_places) or \
                any(p in c.title_places for p in item.places + item.tails) or \
                any(place_variant(p) in c.title_variants for p in item.title_places):
            return JOIN_SAME_PLACE
        if item.user and item.user in c.users:
            # a prolific citizen's letter template must not glue different problems together (see assign)
            return _SAME_AUTHOR
        if item.title_places and c.title_places:
            return JOIN_OTHER_TITLE_PLACE
        if _shares_place(item, c):
            return JOIN_SAME_BODY_PLACE
        if item.places and c.places:
            return JOIN_OTHER_PLACE
        if item.groups and any(g in c.groups for g in item.groups):
            return JOIN_SAME_GROUP
        if not item.places and not c.places and any(c.title_problems[w] * 2 >= c.size for w in item.title_problems):
            return JOIN_SAME_BODY_PLACE  # no place, but a word of one problem in the titles: as good a clue as a place
        return JOIN_NO_PLACE

    def add(self, item: Item, cid: int | str, vec: dict[str, float] | None = None, counted: bool = True) -> Cluster:
        """Record ``item`` in hotspot ``cid``. ``counted=False``: an item the running frequencies counted already, read
        again (``forget``, then ``add`` of its hotspot's members: a region renamed)."""
        if not item.grams:
            item.prepare()
        if counted and not self.frozen_df:
            self.n_docs += 1
            self.df.update(item.grams.keys())
        vec = vec if vec is not None else self.vector(item)
        c = self.clusters.get(cid)
        if c is None:
            c = self.clusters[cid] = Cluster(cid, item.at, item.at)
        c.norm2 = _add_into(c.centroid, c.norm2, vec)
        c.title_norm2 = _add_into(c.title_centroid, c.title_norm2, self.title_vector(item))
        c.first_at, c.last_at = min(c.first_at, item.at), max(c.last_at, item.at)
        c.members.append(item.id)
        c.titles.append(item.title)
        c.dates.append(item.at)
        if item.user:
            c.users.add(item.user)
        c.supports += max(0, item.supports)
        c.places.update(item.places)
        c.title_places.update(item.title_places)
        if not self.frozen_df:  # a batch learnt the whole collection's first (``cluster_batch``)
            self.estates.learn(item.title_places, item.title_text)
        c.title_problems.update(item.title_problems)
        c.title_variants.update(place_variant(p) for p in item.title_places)
        if c.size <= TITLE_TEXTS:
            c.title_text += item.title_text + "\n"
            c.title_digits += item.title_text.translate(_NUMERALS) + "\n"
        c.tails.update(item.tails)
        c.groups.update(item.groups)
        # a letter under another region joins only as its author's own place (``_own_place_elsewhere``): that region
        # is not the hotspot's, or any other citizen's letter of it would join as one of its own (review 2026-12-05)
        if item.region and (not c.regions or item.region in c.regions):
            c.regions[item.region] += 1
        keys = self._keys(item, vec)
        if not self.frozen_df:
            # running frequencies: the keys looked up were the bigrams others had used before this message;
            # it is posted under its own rarest ones, which the next message about the same new matter shares
            # (a first letter about something nobody had written of before was found by no later one)
            rare = sorted(vec, key=vec.__getitem__, reverse=True)[:5]
            keys = [k for k in keys if k[0] == "p"] + ["g:" + g for g in rare]
        for key in keys:
            plist = self.postings[key]
            plist.pop(cid, None)
            plist[cid] = None
            if len(plist) > POSTINGS_CAP:
                del plist[next(iter(plist))]
        return c

    def place(self, item: Item) -> tuple[int | str, float]:
        """Put ``item`` into its hotspot (a new one when none fits); returns (id, score)."""
        if not item.grams:
            item.prepare()
        self.read_estates(item)
        vec = self.vector(item)
        cid, score = self.assign(item, vec)
        if cid is None:
            cid = self._new_id() if self._new_id else self._next_id()
            score = 1.0
        self.add(item, cid, vec)
        return cid, score

    def _next_id(self) -> int:
        while self._next in self.clusters or self._next in self.alias:
            self._next += 1
        return self._next

    def forget_before(self, when: dt.datetime) -> int:
        """Drop hotspots whose latest message is older than ``when`` (window slide)."""
        return self.forget([cid for cid, c in self.clusters.items() if c.last_at < when])

    def forget(self, cids) -> int:
        """Drop the hotspots ``cids`` and their postings; the frequencies keep their members (read again with
        ``add(counted=False)``). Returns how many it held."""
        gone = {cid for cid in cids if self.clusters.pop(cid, None) is not None}
        if gone:
            emptied = []
            for key, plist in self.postings.items():
                for cid in plist.keys() & gone:
                    del plist[cid]
                if not plist:
                    emptied.append(key)
            for key in emptied:
                del self.postings[key]
        return len(gone)

    def merge_split(self, min_cosine: float | None = None) -> int:
        """Merge hotspots that name the same place in their titles and whose centroids
        are similar (an early message can start a hotspot that later ones bypass).
        Returns the number of merges."""
        min_cosine = MERGE_SAME_PLACE if min_cosine is None else min_cosine
        merged = 0
        for key, plist in list(self.postings.items()):
            if not key.startswith("p:"):
                continue
            alive = [cid for cid in dict.fromkeys(self._resolve(c) for c in plist) if cid in self.clusters]
            alive.sort(key=lambda cid: -self.clusters[cid].size)
            for i, a in enumerate(alive):
                if a not in self.clusters:
                    continue
                for b in alive[i + 1:]:
                    ca, cb = self.clusters.get(a), self.clusters.get(b)
                    if ca is None or cb is None:
                        continue
                    both_titles = key[2:] in ca.title_variants and key[2:] in cb.title_variants
                    problem = _common_problem(ca, cb)
                    if not (both_titles or problem):
                        continue
                    if ca.region and cb.region and ca.region != cb.region:
                        continue
                    if abs((ca.last_at - cb.first_at).days) > self.window.days and \
                            abs((cb.last_at - ca.first_at).days) > self.window.days:
                        continue
                    names = _name_grams([key[2:], *(p for p in (*ca.title_places, *cb.title_places, *ca.places,
                                                                *cb.places) if place_variant(p) == key[2:])])
                    if _other_cases(ca, cb, names):
                        continue
                    if both_titles and (_cosine(ca, cb, names) >= min_cosine
                                        or _titles_cosine(ca, cb, names) >= SAME_PLACE_TITLE) or \
                            problem and _same_problem_at(ca, cb, key[2:], names):
                        self._absorb(ca, cb)
                        merged += 1
        return merged

    def _absorb(self, into: Cluster, other: Cluster) -> None:
        if into.size < TITLE_TEXTS:
            into.title_text += other.title_text
            into.title_digits += other.title_digits
        into.norm2 = _add_into(into.centroid, into.norm2, other.centroid)
        into.title_norm2 = _add_into(into.title_centroid, into.title_norm2, other.title_centroid)
        into.first_at, into.last_at = min(into.first_at, other.first_at), max(into.last_at, other.last_at)
        into.members += other.members
        into.titles += other.titles
        into.dates += other.dates
        into.users |= other.users
        into.supports += other.supports
        for name in ("places", "title_places", "tails", "groups", "regions", "title_problems", "title_variants"):
            getattr(into, name).update(getattr(other, name))
        del self.clusters[other.id]
        self.alias[other.id] = into.id  # postings keep the old id; lookups resolve it

    def _resolve(self, cid):
        while cid in self.alias:
            cid = self.alias[cid]
        return cid

    # --- description --------------------------------------------------------------
    def title_of(self, c: Cluster) -> str:
        """The member title closest to the hotspot's centroid (its 问题描述), among the titles that
        tell its problem (``telling_titles``) and of those the ones that name one of its main places
        when any does: 「永靖县金色花园多次发生电动车被盗」 says where, 「咨询电动车被盗后如何报案」 does not; named as
        the label writes it (``main_places``: 地铁窑岭站, not 窑岭地铁6号线 since 2026-12-05)."""
        titles = telling_titles(c.titles[:200])
        places = main_places(c.places, c.title_places, c.size, c.title_text)
        titles = [t for t in titles if any(p in t for p in places)] or titles
        best, best_score = titles[0] if titles else "", -1.0
        for title in dict.fromkeys(titles):  # a letter sent again scores as it did the first time
            grams = bigrams(title, "")
            norm = math.sqrt(sum(v * v for v in grams.values())) or 1.0
            score = sum(v * c.centroid.get(g, 0.0) for g, v in grams.items()) / norm
            if score > best_score:
                best, best_score = title, score
        return best


# a title that asks (咨询…, 请问…) rather than tells the problem: a consultation's, a hotspot's label only when
# most of its titles ask so; not 咨询 before the noun it qualifies (咨询公司乱收费, 咨询机构, 咨询费, 咨询服务: a
# complaint about a consultancy; 咨询中心城区…, 咨询师范生… still ask)
_ASKING_TITLE = re.compile(r"^(?:关于)?(?:咨询(?!公司|机构|中心(?!城)|费|服务|热线|师(?![范资])|行业|窗口)"
                           r"|询问|请问|想了解|想咨询)|的咨询$")
# a title that says there are problems without saying which (存在一系列问题, 的几点疑惑)
_SEVERAL_PROBLEMS = re.compile(r"(?:一系列|几点|几个|诸多|多个|一些|很多|种种|多项|若干)(?:问题|疑惑|疑问|困惑)")


def telling_titles(titles: list[str]) -> list[str]:
    """The ``titles`` (a hotspot's) that tell its problem, or all of them when none does: not a title that says
    there are problems without saying which (``_SEVERAL_PROBLEMS``), nor one that asks (``_ASKING_TITLE``) unless
    most of them ask: a consultation about the hours of 垃圾分类 does not label the complaints of 垃圾分类 at that
    estate, nor one complaint and itself."""
    asking = sum(1 for t in titles if _ASKING_TITLE.search(t.strip())) * 2 > len(titles)
    return [t for t in titles if not _SEVERAL_PROBLEMS.search(t)
            and (asking or not _ASKING_TITLE.search(t.strip()))] or titles


# a batch of 100,000 takes a few minutes, the reading of the texts (``Item.prepare``, about 1 ms a message)
# as long as the placing: each is counted, from a file of a thousand messages (a few seconds)
PROGRESS_EVERY = 1_000


def cluster_batch(items: Iterable[Item], window_days: int = WINDOW_DAYS, progress=None,
                  reading=None) -> HotspotIndex:
    """Cluster a whole collection in time order, with its own document frequencies,
    then merge hotspots that one pass in time order left split (``merge_split``).
    ``reading(done, total)`` is called every PROGRESS_EVERY messages read, then ``progress(done,
    total)`` every PROGRESS_EVERY messages placed; both at the last one too."""
    items = list(items)
    total = len(items)
    for done, it in enumerate(items, 1):
        if not it.grams:
            it.prepare()
        if reading and due(done, total, PROGRESS_EVERY):
            reading(done, total)
    df: Counter = Counter()
    for it in items:
        df.update(it.grams.keys())
    index = HotspotIndex(window_days=window_days, df=df, n_docs=len(items))
    index.weigh_all()
    for it in items:  # the whole collection's estates named with 小区, read in the titles that name them bare
        index.estates.learn(it.title_places, it.title_text)
    for done, it in enumerate(sorted(items, key=lambda i: i.at), 1):
        index.place(it)
        if progress and due(done, total, PROGRESS_EVERY):
            progress(done, total)
    index.merge_split()
    return index
