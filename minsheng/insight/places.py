"""Which region a message's text names, from the directory's own place names.

"七里河区西津西路的小区没有电梯" names 七里河区; so does "七里河" without its suffix.
Names are matched with and without their suffixes (市/区/县/镇/乡/街道 ...); among
the places found, the most specific (lowest level) one wins, and a name shared by
several regions counts only when the message's region or another named place tells
them apart.

Also the schools and hospitals a text names by a short name (育才二小, 师大附中, A7县一中), which end in
no place word (``short_names``, ``with_short_names``; see docs/hotspots.md).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache

from .text import normalize, starting_at, word_frequency

SUFFIXES = ("特别行政区", "自治区", "自治州", "自治县", "自治旗", "街道办事处", "街道", "地区", "新区", "林区",
            "省", "市", "区", "县", "镇", "乡", "盟", "旗")


def aliases(name: str) -> set[str]:
    """A region name as citizens write it: in full, and without its suffix when at
    least two characters remain (兰州市 → 兰州; 城关区 → 城关; 安宁区 → 安宁)."""
    name = (name or "").strip()
    found = {name} if len(name) >= 2 else set()
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            found.add(name[: -len(suffix)])
            break
    return found


# Everyday words that are also a region's name without its suffix (合作市, 安宁区, 安定区, 清水县,
# 火车站街道): 合作社, 保一方安宁, 社会安定, 清水塘 and 在火车站打车 name no region, so these count only in
# full (合作市, 安宁区). Region names shared across China (和平区, 新华街道, 长安区 …) are listed too, for a
# directory loaded elsewhere.
EVERYDAY_WORDS = frozenset(
    "合作 安宁 安定 清水 火车站 康乐 和平 新华 长安 友谊 胜利 团结 光明 建设 解放 "
    "东风 红旗 人民 新城 新区 开发 城区 郊区 中心 幸福 和谐 太平 永安 长寿 文化 朝阳 向阳 前进 东方 南湖 城南 城北 "
    "城东 城西".split())
# what follows a region's short name in the name of a street, an estate or a lower place (嘉峪关西路,
# 天水南路, 东岗西路, 安定东路, 康乐嘉园, 金塔村, 城关镇): a street named after a place need not be in it
# (嘉峪关西路 is in 兰州市城关区), and a village or town is not the county of the same name; not the
# everyday words 村 / 镇 / 乡 begin (榆中乡镇干部, 永登村民, 靖远乡下, 会宁镇上, 民勤村里: the county's)
_STREET_AFTER = re.compile("[东西南北中]?(?:路|街(?!道)|大街|大道|巷)|嘉园|家园|花园|佳苑|名城|新村|小区|家属院|广场"
                           "|村(?![民里庄子干])|镇(?![上里])|乡(?![下村镇里亲间])|社区")
# a word read across a short name's first character (露天水泥, 综合水平, 居民勤劳), or the first of a
# two-character name (责成县), of at least this jieba frequency: the name is part of other words; across its
# last character (党和政府, 镇原有, 天水泥) only a common word counts (七里河西津西路: 河西 is no word there)
_WORD_BEFORE_FREQUENCY = 100
_WORD_AFTER_FREQUENCY = 1000


@dataclass(frozen=True)
class Place:
    region_id: int
    code: str
    level: int
    name: str


class Gazetteer:
    """Every alias of every region, compiled into one regular expression."""

    def __init__(self, regions):
        self.by_alias: dict[str, list[Place]] = {}
        self.full_names: set[str] = set()
        self.by_code: dict[str, Place] = {}
        for r in regions:
            place = Place(r.pk, r.code, r.level, r.name)
            self.full_names.add(r.name)
            self.by_code[r.code] = place
            for alias in aliases(r.name):
                self.by_alias.setdefault(alias, []).append(place)
        names = sorted(self.by_alias, key=len, reverse=True)  # longest first: 七里河区 before 七里河
        self.pattern = re.compile("|".join(map(re.escape, names))) if names else None

    def places_in(self, text: str) -> list[tuple[str, list[Place]]]:
        """(alias, the places it names) of each place name in ``text``; a short name that is an
        everyday word, part of a street's or an estate's name, or read across other words is none."""
        if not self.pattern or not text:
            return []
        text = normalize(text)
        found, last_end = [], -1
        for m in self.pattern.finditer(text):
            if self._names_a_place(text, m.start(), m.end(), adjoining=m.start() == last_end):
                found.append((m.group(0), self.by_alias[m.group(0)]))
                last_end = m.end()
        return found

    def _names_a_place(self, text: str, start: int, end: int, adjoining: bool) -> bool:
        """Whether text[start:end], an alias, names a region there. ``adjoining``: right after
        another place name (榆中县城关镇: 县城 is no word there)."""
        alias = text[start:end]
        full = alias in self.full_names
        if not full and (alias in EVERYDAY_WORDS or _STREET_AFTER.match(text, end)
                         or not adjoining and _after_a_name(text, start, alias)):
            return False
        # (not after a word a place name follows: 回民勤, 来临夏, 和平凉 are no 回民, 来临, 和平)
        crossed = (start and not adjoining and text[start - 1] not in _BEFORE_A_PLACE
                   and word_frequency(text[start - 1:start + 1]) >= _WORD_BEFORE_FREQUENCY)
        if full:
            return not (crossed and len(alias) == 2)
        # (its people are not a word across it: 红古人 is no 古人)
        return not crossed and (end == len(text) or text[end] == "人"
                                or word_frequency(text[end - 1:end + 1]) < _WORD_AFTER_FREQUENCY)

    def find(self, text: str, within_code: str | None = None, within_level: int = 0) -> Place | None:
        """The most specific place the text names (inside ``within`` when given). A name that
        also names ``within`` or a region above it (白银 of 白银市 and 白银区, in a message filed
        under 白银市) means that region; a short name whose place lies outside a region the text
        names in full (合作 of 合作市 beside 酒泉市) is not taken."""
        hits = self.places_in(text)
        if not hits:
            return None
        named_codes = [p.code for _, places in hits for p in places if len(places) == 1]
        in_full = [places[0] for alias, places in hits if len(places) == 1 and alias in self.full_names]
        best: Place | None = None
        for alias, places in hits:
            if within_code:
                if any(within_code.startswith(_prefix(p)) for p in places):
                    continue  # names the message's own region (or one above it)
                places = [p for p in places if _inside(p, within_code, within_level)]
            if len(places) > 1:  # ambiguous: keep those under another place the text names
                places = [p for p in places if any(p.code != c and _inside(p, c, None) for c in named_codes)]
            if len(places) != 1:
                continue
            place = places[0]
            if alias not in self.full_names and not all(_in_line(place, other) for other in in_full):
                continue
            if best is None or place.level > best.level:
                best = place
        return best


def _after_a_name(text: str, start: int, alias: str) -> bool:
    """Whether the short name ``alias`` at ``start`` follows the name of a town or village not in the
    directory (某某镇原来的: 镇原 is no county there; 新建镇七里河村)."""
    if not start:
        return False
    before = text[start - 1]
    return (before in "镇乡村" or alias[0] in "镇乡" and "\u4e00" <= before <= "\u9fff"
            and before not in _BEFORE_A_PLACE)


# a word a place name follows (在镇原上班, 家住镇原, 关于镇原的路), not the end of a town's name (黄土镇原北村)
_BEFORE_A_PLACE = frozenset("在住于到去回从自往来向对离近是的和与及至赴驻经达")


def _in_line(place: Place, other: Place) -> bool:
    """One of the two lies in the other (or they are the same)."""
    return place.code.startswith(_prefix(other)) or other.code.startswith(_prefix(place))


def _prefix(place: Place) -> str:
    from minsheng.directory.models import Region

    return Region.prefix_for(place.code, place.level)


def _inside(place: Place, code: str, level: int | None) -> bool:
    from minsheng.directory.models import Region

    if level is None:
        level = 1 if code.endswith("0000") else 2 if code.endswith("00") else 3
    return place.code.startswith(Region.prefix_for(code, level)) and place.code != code


_lock = threading.Lock()
_cache: dict[str, object] = {"key": None, "gazetteer": None}


def directory_stamp() -> tuple:
    """What moves when a region is added, removed or saved, by this process or another: the number of regions, the
    last id and the latest ``Region.updated_at`` (one aggregate query over the small table)."""
    from django.db.models import Count, Max

    from minsheng.directory.models import Region

    stats = Region.objects.aggregate(n_regions=Count("id"), last_id=Max("id"), last_change=Max("updated_at"))
    return tuple(sorted(stats.items()))


def gazetteer() -> Gazetteer:
    """The process's gazetteer, rebuilt when regions are added, removed, renamed or recoded, by this
    process or another (a gunicorn worker, the Celery worker): one aggregate query decides
    (``directory_stamp``; until 2026-12-05 on counts and the sum of name lengths, so 榆中县 renamed 榆中区 was
    never seen)."""
    from minsheng.directory.models import Region

    key = directory_stamp()
    with _lock:
        if _cache["key"] != key:
            _cache["gazetteer"] = Gazetteer(Region.objects.only("id", "code", "level", "name"))
            _cache["key"] = key
        return _cache["gazetteer"]


def forget_gazetteer(**_signal) -> None:
    """Drop this process's gazetteer (a region saved or deleted here): ``area_names``, which reads the
    one held without a query, sees the change at once; other processes see it on their next
    ``gazetteer()``."""
    with _lock:
        _cache["key"] = _cache["gazetteer"] = None


@dataclass
class Reading:
    """What ``extract_region`` keeps for a caller that reads many texts at once (the hotspot index built from the
    database): the gazetteer, read once (``places``), and each Region found, by pk (``regions``)."""

    places: Gazetteer | None = None
    regions: dict = field(default_factory=dict)


def extract_region(text: str, within=None, reading: Reading | None = None):
    """The Region the text names, or None. With ``within`` (a Region), only places
    strictly inside it count: a message filed under 兰州市 that names 七里河区. ``reading``: a ``Reading`` kept by
    a caller that reads many texts at once: two queries a text filed under a city or province before (2026-12-07)."""
    from minsheng.directory.models import Region

    if reading is None:
        reading = Reading()
    if reading.places is None:
        reading.places = gazetteer()
    place = place_in(text, within, reading.places)
    if place is None:
        return None
    if place.region_id not in reading.regions:
        reading.regions[place.region_id] = (Region.objects.select_related("parent__parent__parent")
                                            .filter(pk=place.region_id).first())
    return reading.regions[place.region_id]


def place_in(text: str, within=None, places: Gazetteer | None = None):
    """The gazetteer's place ``extract_region`` reads (its ``region_id``), or None. ``places``: the
    gazetteer read once for several texts (``gazetteer()`` checks it is current with a query)."""
    return (places or gazetteer()).find(text, within.code if within else None, within.level if within else 0)


def refined_region(region, text: str, reading: Reading | None = None):
    """The citizen's region, or a lower one the text names when it is a province or
    prefecture (or none): a school gate in 天水市秦州区 filed under 甘肃省 is compared with
    天水's messages, not the whole province's, and 榆中县马家坪村 filed under 兰州市 is a
    place in 榆中县."""
    from minsheng.directory.models import Region

    if region is not None and region.level > Region.Level.PREFECTURE:
        return region
    found = extract_region(text, within=region, reading=reading)
    return found if found is not None else region


_ADMIN_SUFFIXES = ("自治县", "自治州", "自治区", "省", "市", "县", "区", "州", "盟", "旗")


def _admin_aliases(name: str) -> set[str]:
    """A region's name, full and without its suffix (城关区, 城关); a street office or a town keeps
    its suffix (东岗街道, not the 东岗 of 东岗西路)."""
    names = {name}
    for suffix in _ADMIN_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            names.add(name[: -len(suffix)])
            break
    return names


def admin_names(region) -> tuple[str, ...]:
    """The names of the region and its parents, full and without the suffix (城关区,
    城关), longest first: they say where, not which compound or road."""
    names = set()
    node = region
    while node is not None:
        names |= _admin_aliases(node.name)
        node = node.parent
    return tuple(sorted(names, key=len, reverse=True))


def area_names(code: str | None) -> tuple[str, ...]:
    """``admin_names`` of the region of ``code`` (GB/T 2260 codes: 620103 is in 620100, in 620000),
    read from the gazetteer, so a lookup of many messages costs no query per region (the gazetteer
    this process holds, not checked for a region renamed since: a name to cut out is no answer)."""
    if not code:
        return ()
    known = (_cache["gazetteer"] or gazetteer()).by_code
    around = [known.get(c) for c in dict.fromkeys((code[:2] + "0000", code[:4] + "00", code[:6], code))]
    return tuple(sorted({a for place in around if place for a in _admin_aliases(place.name)}, key=len, reverse=True))


# what makes a region's short name part of a longer proper name beyond a street's or an estate's
# (``_STREET_AFTER``): a station, a bridge, a new area, a park, an airport, a school or a hospital
# named after the region (兰州西站, 兰州站, 七里河桥, 兰州新区, 城关公园, 兰州大学, 安宁医院)
_NAMED_AFTER_REGION = re.compile("[东西南北]?站|大?桥|新区|公园|机场|大学|学院|中学|小学|医院")


def without_names(text: str, names: tuple[str, ...]) -> str:
    """``text`` with ``names`` (``area_names``) cut out, each left a space: what two messages of one
    county share in them says where they are, not what about. A short name (兰州 of 兰州市, 安宁 of
    安宁区) stays where it begins a longer name (兰州西站, 安宁西路, 七里河桥, 城关镇): that is the place
    the letter is about, and 兰州西站 is no 西站 of another town."""
    if not names or not text:
        return text
    pattern, short = _names_pattern(names)
    return pattern.sub(lambda m: m.group(0) if m.group(0) in short and _begins_a_name(text, m.end()) else " ", text)


def _begins_a_name(text: str, end: int) -> bool:
    """Whether a region's short name ending at ``end`` is the beginning of a street's, an estate's or
    another place's name (安宁西路, 兰州西站)."""
    return bool(_STREET_AFTER.match(text, end) or _NAMED_AFTER_REGION.match(text, end))


@lru_cache(maxsize=256)
def _names_pattern(names: tuple[str, ...]) -> tuple[re.Pattern, frozenset[str]]:
    """One expression of ``names``, longest first (七里河区 before 七里河), and those of them that are
    another's short form (七里河 of 七里河区; 东岗街道 keeps its suffix and has none)."""
    pattern = re.compile("|".join(map(re.escape, sorted(names, key=len, reverse=True))))
    short = frozenset(n for n in names for suffix in _ADMIN_SUFFIXES if n + suffix in names)
    return pattern, short


def refined_areas(pairs) -> list:
    """``refined_region`` of each (region, text) of ``pairs``, as its code and level (the
    Region itself, or the gazetteer's Place when the text names a lower one), with one query
    however many pairs (a list page reads every row's)."""
    from minsheng.directory.models import Region

    out = [region for region, _ in pairs]
    if all(region is not None and region.level > Region.Level.PREFECTURE for region in out):
        return out
    names = gazetteer()
    for i, (region, text) in enumerate(pairs):
        if region is None or region.level <= Region.Level.PREFECTURE:
            out[i] = names.find(text, region.code if region else None, region.level if region else 0) or region
    return out


# Schools and hospitals by their short names. Citizens write a numbered school or hospital the way
# the town says it: 育才二小 (育才第二小学), 松雅湖二小, A7县一中, 十五中, A市四医院; a school attached to
# a university or a hospital: 师大附中, 民院附小, 楚雅附二. None of them ends in a place word, so
# ``hotspots.extract_places`` misses them; ``short_names`` reads them, and ``with_short_names`` adds
# them to the places read there. A numeral before 小/中 is a school only where a word ends after it
# (not 一小时, 一小区, 一中心, 二中院, 初三中考) and the numeral begins no word of its own (统一, 周一, 初二,
# 高一, 五一中路); a bare 一中 or 四医院 only right after a region (A7县一中) or where the text begins.
_NUMERAL = "一二三四五六七八九十"
# what follows 小 or 中 when they begin a longer word (一小时, 一小区, 二中院, 一中心, 初三中考, 十一中旬)
_WORD_GOES_ON = {
    "小": "学区时孩伙朋型部块段撮店吃卖商额微组队班姐妹弟哥事数便车路街巷号鬼件点批片份半中些心口步声房屋间",
    "中": "学心间央国共华医药级层等年期旬午秋介标考专队院部型断止毒风转班段环路街线小文式餐外招",
}
# (behind a look-ahead for a numeral, 第 or 附, ``starting_at``: the same matches, read four times as fast)
_SHORT_NAME = re.compile(starting_at(
    rf"(?<![第{_NUMERAL}\d])(?:[{_NUMERAL}]{{1,3}}(?P<school>[小中])|[{_NUMERAL}]{{1,3}}(?P<hospital>医院)"
    rf"|(?:第?[{_NUMERAL}]{{1,2}})?附(?P<attached>[小中]|[一二三四五六七八九](?![十百千万])))"))
# a kind of hospital every county has one of (人民医院, 中医院, 妇幼保健院, 卫生院): a place only with the region
# written right before it (A8县人民医院, 西地省人民医院, 黄兴镇卫生院), keyed with it; the 人民 and 中 of these
# are generic to ``hotspots.extract_places``, which reads none of them after a region
_HOSPITAL_KIND = re.compile("(?:人民|中医|中西医结合|妇幼保健|儿童)医院|中医院|妇幼保健院|卫生院")
# the numeral of a word, not of a school (统一, 唯一, 周一, 初二, 高三, 万一, 之一, 星期一, 五一中路, 三八)
_NUMBER_WORDS = "初高周统唯万之不同每逐单期年月日号届级其"
# where a name may not begin or run through (function words, verbs and pronouns that end the words before it)
_NOT_IN_NAME = frozenset("的了在是与和及对把被给向从到为于由也就还又很请求问去说跟往或并且找旁因替读我你他她它们"
                         "这那该本此其有无没不将让已都要想离近至经入回接送")
_REGION_ENDS = frozenset("区县市镇乡省")
_NUMBERED_INSIDE = re.compile(f"[{_NUMERAL}][小中](?!学)")
_LONGEST_SHORT = 6  # characters of a name before its number: 长郡月亮岛二小 (a longer run is words, no name)
# words that end the words before a name (加强楚雅附二 → 楚雅附二, 地处师大附中 → 师大附中, 周五泉塘三小 →
# 泉塘三小), and a road or a place before it (中山路楚雅附二 → 楚雅附二)
_LEADS_TO_NAME = re.compile("加强|督促|尽快|要求|希望|建议|反映|反馈|投诉|举报|关于|解决|整治|规范|保障|落实|位于|地处|靠近|"
                            "临近|紧邻|附近|旁边|对面|隔壁|门口|周边|就读|报名|入学|学生|老师|家长|小区|学校|名校|方便|后来|"
                            "周[一二三四五六日末]|[路街道巷村站园]")


def short_names(text: str) -> list[str]:
    """The schools and hospitals the text names by a short name (育才二小, 师大附中, 楚雅附二,
    A7县一中, A市四医院), in order, each once. A bare numbered one keeps the region written before
    it, since every county has its 一中 (A7县一中 and A市一中 are two schools); after a region cut
    out it is bare (一中)."""
    return [key for key, _name in _short_names(normalize(text))]


def _short_names(text: str) -> list[tuple[str, str]]:
    """(key, the school's own name without the region before it) of each short name in ``text``."""
    found: dict[str, str] = {}
    for m in _SHORT_NAME.finditer(text):
        start, end = m.start(), m.end()
        if start and text[start - 1] in _NUMBER_WORDS:
            continue
        kind = m.group("school") or m.group("attached")
        if kind in _WORD_GOES_ON and end < len(text) and text[end] in _WORD_GOES_ON[kind]:
            continue
        if m.group("attached") and m.group("attached") not in "小中" and text.startswith(("医", "院"), end):
            continue  # 楚雅附二医院 ends in a place word: hotspots reads it whole
        name = _name_before(text, start)
        if name is None or _NUMBERED_INSIDE.search(name):  # 一中一小: a school before a school, no name
            continue
        if len(name) >= 2:
            found.setdefault(name + m.group(0), name + m.group(0))
        elif not name and not m.group("attached") and (start == 0 or _is_boundary(text[start - 1])):
            found.setdefault(_region_before(text, start) + m.group(0), m.group(0))
    for m in _HOSPITAL_KIND.finditer(text):
        if region := _region_before(text, m.start()):
            found.setdefault(region + m.group(0), m.group(0))
    return list(found.items())


def _name_before(text: str, at: int) -> str | None:
    """The run of characters before ``at`` that can be a name: back to a region's last character,
    a function word, a word that leads to a name, or anything not a Chinese character; None when
    it is longer than ``_LONGEST_SHORT`` (looked at no farther back than a lead word before a name that long:
    a run of 50,000 characters is read in linear time)."""
    begin, farthest = at, max(0, at - _LONGEST_SHORT - 3)  # a lead word ends within two of the name
    while begin > farthest and "\u4e00" <= text[begin - 1] <= "\u9fff" and text[begin - 1] not in _NOT_IN_NAME:
        if text[begin - 1] in _REGION_ENDS or text[begin - 1] in "年月日号" and begin > 1 and text[begin - 2].isdigit():
            break  # 2019年育才二小: a date is no part of the name
        begin -= 1
    name = text[begin:at]
    if leads := list(_LEADS_TO_NAME.finditer(name)):
        name = name[leads[-1].end():]
    return name if len(name) <= _LONGEST_SHORT else None


_MASKED_REGION = re.compile(r"[A-Z]\d*[区县市省]$")  # A7县, A市: the reference data's regions
_NO_REGION = _NOT_IN_NAME | frozenset("各全外邻每某住")  # 本市, 各县, 家住省…: no region named


def _region_before(text: str, at: int) -> str:
    """The region written right before ``at`` (A7县, A市, 西地省, and after A7县 the town 黄兴镇), or "":
    a name of one to four characters before 区/县/市/镇/乡/省 that begins where a word may (转至西地省: 西地省;
    日到省, 就是县: none)."""
    if at == 0 or text[at - 1] not in _REGION_ENDS:
        return ""
    if masked := _MASKED_REGION.search(text, max(0, at - 4), at):
        return masked.group(0)
    begin = at - 1
    while begin > 0 and at - 1 - begin < 4 and _may_name(text[begin - 1]):
        begin -= 1
    if begin == at - 1 or begin > 0 and _may_name(text[begin - 1]):
        return ""  # no name, or a longer run of words
    return text[begin:at]


def _may_name(char: str) -> bool:
    return "\u4e00" <= char <= "\u9fff" and char not in _NO_REGION and char not in _REGION_ENDS


def _is_boundary(char: str) -> bool:
    """Whether a bare numbered school may follow ``char``: a region's last character (A7县一中), a
    region cut out (``hotspots._REGION_CUT``, a space) or a mark."""
    return char in _REGION_ENDS or not ("\u4e00" <= char <= "\u9fff" or char.isalnum())


def with_short_names(places: list[str], text: str) -> list[str]:
    """``places`` (read by ``hotspots.extract_places`` from ``text``, already as ``normalize`` gives
    it: extract_places has normalised it) with the short names of ``text`` that no place read
    already holds (楚雅附二医院 holds 楚雅附二; 一中实验学校 holds 一中) after them. A place read that is
    only the name before a school's number (松雅湖 of 松雅湖二小) gives way to the school, unless the
    text also names it alone."""
    schools = [(key, name) for key, name in _short_names(text) if not any(name in place for place in places)]
    pieces = {place for place in places for _key, name in schools
              if name != place and name.startswith(place) and text.count(place) <= text.count(name)}
    return [place for place in places if place not in pieces] + [key for key, _name in schools]
