"""Plain-text helpers shared by every insight core: normalisation and jieba tokens."""

from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache

_SPACE = re.compile(r"\s+")
_MASK = re.compile(r"\*+")  # masked characters in the reference data
# phone, ID and account numbers (7 characters or more): their digit pairs make texts that
# merely carry a number (12345, a hotline, the citizen's phone) look alike
LONG_NUMBER = re.compile(r"\d[\d\-—－ ]{5,}\d")
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]+")  # full-width ASCII forms and the ideographic space
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def normalize(text: str | None) -> str:
    """NFKC (full-width -> half-width), collapse whitespace, drop masking stars; a text
    written in traditional characters is read in simplified ones (``simplified``)."""
    return simplified(plain(text))


def plain(text: str | None) -> str:
    """``normalize`` without the reading of traditional characters: the text as written."""
    if not text:
        return ""
    # Chinese text is NFKC-stable except for its full-width punctuation: map those forms
    # (their NFKC equivalents) first; full NFKC only runs when something else remains.
    # Same result as NFKC alone, about twice as fast on messages.
    text = _FULL_WIDTH.sub(lambda m: m.group().translate(_HALF_WIDTH), str(text))
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
    text = _MASK.sub("", text)
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=1)
def _traditional():
    """(OpenCC's traditional -> simplified converter, a pattern matching the characters
    only traditional writing uses, one matching those only simplified writing uses), or
    None when OpenCC cannot be loaded: text is then read as written (logged once), and a
    citizen's message is stored all the same. A character is traditional-only when OpenCC
    simplifies it and it writes no simplified character itself (燈, 壞, 後; not 著), and
    simplified-only the other way round (灯, 区, 门)."""
    try:
        import opencc

        t2s, s2t = opencc.OpenCC("t2s"), opencc.OpenCC("s2t")
        chars = [chr(c) for r in ((0x4E00, 0xA000), (0x3400, 0x4DC0)) for c in range(*r)]
        simple = t2s.convert("\n".join(chars)).split("\n")
        traditional = s2t.convert("\n".join(chars)).split("\n")
    except Exception:  # a missing or broken wheel must not stop a citizen's message
        logging.getLogger(__name__).warning("OpenCC unavailable: traditional characters are read as written",
                                            exc_info=True)
        return None
    pairs = list(zip(chars, simple, traditional, strict=True))
    only_traditional = "".join(c for c, s, t in pairs if s != c and t == c)
    only_simplified = "".join(c for c, s, t in pairs if t != c and s == c)
    return t2s, re.compile(f"[{only_traditional}]"), re.compile(f"[{only_simplified}]")


def traditional_pattern() -> str | None:
    """A regular expression matching any character only traditional writing uses (None
    without OpenCC)."""
    loaded = _traditional()
    return loaded[1].pattern if loaded else None


def simplified(text: str, *, loose: bool = False) -> str:
    """``text`` converted to simplified characters (OpenCC, phrase by phrase) when it is
    written in traditional ones: at least two traditional-only characters, and more of them
    than simplified-only ones. Simplified messages carry a stray one now and then, often in
    a name (乾源国际, 明昇壹城, 乾县), and converting those would change the name, so they stay
    as written. ``loose`` converts on any one such character (a search query word: 燈)."""
    loaded = _traditional()
    if loaded is None:
        return text
    t2s, traditional, simple = loaded
    found = len(traditional.findall(text))
    if found and (loose or (found >= 2 and found > len(simple.findall(text)))):
        return t2s.convert(text)
    return text


@lru_cache(maxsize=1)
def _jieba():
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def jieba_posseg():
    """jieba's part-of-speech tagger, its dictionary loaded quietly as for ``tokenize``: the
    reply scorer tagged before it tokenized, and jieba loaded the dictionary at its own log
    level, eight lines on score-replies' stderr (before its one-line errors too, and at -v 0)."""
    _jieba()
    import jieba.posseg

    return jieba.posseg


def tokenize(text: str | None, *, as_written: bool = False) -> list[str]:
    """jieba words of the normalised text (``as_written``: traditional characters kept),
    without whitespace and punctuation."""
    text = plain(text) if as_written else normalize(text)
    if not text:
        return []
    return [w for w in _jieba().lcut(text) if w.strip() and not _is_punct(w)]


def word_frequency(text: str) -> int:
    """How often ``text`` is a word in jieba's dictionary (公共 4271, 厕所 906; 法依 0: none)."""
    return _jieba().get_FREQ(text) or 0


def search_terms(text: str | None) -> list[str]:
    """Search-engine style segmentation (jieba.cut_for_search, each word once),
    followed by every Han character in text order, so that a one-character query
    finds its matches and a word segmented differently elsewhere still matches as a
    phrase of adjacent characters. A text with traditional characters gives the terms of
    its simplified form too."""
    written = plain(text).lower()
    if not written:
        return []
    # as written and in simplified characters (loose: a stray 燈 too), so that a query in
    # either writing finds it (board.search looks for a query word in both)
    forms = dict.fromkeys((written, simplified(written, loose=True)))
    words = dict.fromkeys(w for form in forms for w in _jieba().cut_for_search(form)
                          if w.strip() and not _is_punct(w))
    return list(words) + [c for form in forms for c in form if _is_han(c)]


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _is_punct(word: str) -> bool:
    """Punctuation, symbols, spaces, or control characters (a NUL in a search query would
    end the search engine's string)."""
    return all(unicodedata.category(c)[0] in "PSZC" for c in word)


def has_words(text: str) -> bool:
    """At least one letter or digit: not only emoji, punctuation or invisible characters
    (U+200B), which pass a length rule yet say nothing."""
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def han_ratio(text: str) -> float:
    """Share of Han characters among the non-space characters (0 for empty text)."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    return sum(_is_han(c) for c in chars) / len(chars)


# words two citizens, or a citizen and the reply, put differently for one thing, one group a
# line: a question in one word is taken up by a reply in another (工地噪音扰民 / 超时施工产生噪声:
# quality), and two messages raise one problem in two (similar). Kept general: the vocabulary of
# messages and replies, not of one message
SYNONYMS = (
    ("噪音", "噪声"),
    ("吃水", "饮水", "饮用水", "自来水", "供水"),
    ("路灯", "照明"),
    ("停车位", "车位", "泊位"),
    ("学位", "入学", "就读", "就学"),
    ("拆迁", "征收", "征迁"),
    ("补贴", "补助"),
    ("工资", "薪酬", "薪资", "劳动报酬"),
    ("违建", "违章建筑", "违法建设", "违法建筑", "私搭乱建"),
    ("摊贩", "摊点", "占道经营"),
    ("堵车", "拥堵"),
    ("红绿灯", "信号灯"),
    ("路线", "线路"),
    ("养老金", "退休金"),
    ("房产证", "产权证", "不动产权证", "不动产证"),
    ("治理", "整治"),
    ("积水", "内涝"),
    # the problem, said two ways by two citizens (similar): heating, water, leaks, the garage,
    # lifts, fees, eateries, roads, night work. A group holds one problem only: 停水 and 停电,
    # 漏水 and 积水 (a roof, a flooded road) stay apart
    ("供暖", "暖气", "供热", "采暖", "取暖"),
    ("暖气不热", "暖气不暖", "供暖不热", "暖气冰凉"),
    ("停水", "断水", "没水", "不出水", "出不来水", "用不上水"),
    ("水压低", "水压小", "水压不足", "水压不够"),
    ("漏水", "渗水", "渗漏", "漏雨"),
    ("地下车库", "车库", "地库", "地下停车场"),
    ("车库漏水", "车库积水", "车库渗水", "车库进水", "地库漏水", "地库积水", "地库渗水"),
    ("电梯故障", "电梯坏了", "电梯停运", "电梯损坏", "电梯停用"),
    ("路灯不亮", "路灯坏了", "路灯损坏", "路灯故障"),
    ("物业费", "物业管理费", "物业服务费", "物管费"),
    ("停车费", "停车收费", "停车管理费"),
    ("餐馆", "饭店", "餐厅", "饭馆", "餐饮店", "烧烤店", "小吃店"),
    ("路面破损", "道路破损", "路面坑洼", "道路坑洼", "坑坑洼洼", "坑洼", "路烂"),
    ("夜间施工", "深夜施工", "半夜施工", "晚上施工", "夜晚施工", "通宵施工", "通晚施工"),
    ("安置房", "安置住房", "还建房", "回迁房"),
    ("黑车", "非法营运"),
    ("退费", "退款", "退还"),
    # asked one way, answered another (quality): the age to start school, a road paved, a camera
    ("入学年龄", "读书年龄", "上学年龄"),
    ("水泥路", "硬化路", "道路硬化", "公路硬化", "路面硬化"),
    ("摄像头", "电子眼", "监控探头", "监控摄像", "监控设备"),
    ("座椅", "座位", "凳子", "椅子", "坐凳"),
)
SYNONYM_OF = {word: group for group in SYNONYMS for word in group}


@lru_cache(maxsize=8)
def _longest_first(groups: tuple[tuple[str, ...], ...]) -> tuple[dict[str, tuple[str, ...]], list[str]]:
    """Each word of ``groups`` with its group, and the words longest first."""
    group_of = {word: group for group in groups for word in group}
    return group_of, sorted(group_of, key=len, reverse=True)


def in_words_of(text: str, other: str, groups: tuple[tuple[str, ...], ...] = SYNONYMS) -> str:
    """``text`` with each word of ``groups`` (``SYNONYMS`` unless told) written as the one of its
    group ``other`` uses (噪音 by 噪声 where ``other`` says 噪声); as it is where ``other`` uses that
    word itself, or none of its group. Longest words first, and a shorter one inside a longer is
    read too: in 暖气不热, against a text that says 供暖 but none of 暖气不热's group, 暖气 is 供暖."""
    group_of, longest_first = _longest_first(groups)
    for word in longest_first:
        if word in text and word not in other:
            theirs = next((w for w in group_of[word] if w in other), None)
            if theirs:
                text = text.replace(word, theirs)
    return text


def starting_at(pattern: str) -> str:
    """``pattern`` behind a look-ahead for the characters a match of it can begin at, when they can be
    told (``match_starts``): the same matches, found faster by a pattern of many alternatives, most of
    which begin with a lookbehind or a group that the regular expression engine tries one by one at
    every position of the text (hotspots' cuts: the engine tried each of some 300 words at each
    character of a message; with the look-ahead it skips a character no word begins with)."""
    starts = match_starts(pattern)
    if not starts:
        return pattern
    chars = "".join(c if len(c) > 1 else re.escape(c) for c in sorted(starts))  # \d stays a class
    return f"(?=[{chars}])(?:{pattern})"


def match_starts(pattern: str) -> frozenset[str] | None:
    """The characters at which a match of ``pattern`` can begin (the first it consumes, or the one
    a look-ahead it begins with requires; ``\\d`` for any digit), or None when any can, the empty string
    matches, or the pattern uses what this reading does not follow (flags, back-references, ``.``)."""
    try:
        import re._constants as c
        import re._parser as parser

        parsed = parser.parse(pattern)
    except (ImportError, re.error):
        return None
    if parsed.state.flags & ~(re.UNICODE | re.ASCII):
        return None
    starts, nullable = _starts(list(parsed), c)
    return None if starts is None or nullable else frozenset(starts)


def _starts(items: list, c) -> tuple[set[str] | None, bool]:
    """(characters the sequence ``items`` can begin at, None for any; whether it can match empty)."""
    out: set[str] = set()
    for op, av in items:
        if op is c.LITERAL:
            return out | {chr(av)}, False
        if op is c.IN:
            chars = set()
            for kind, value in av:
                if kind is c.LITERAL:
                    chars.add(chr(value))
                elif kind is c.RANGE:
                    chars.update(chr(code) for code in range(value[0], value[1] + 1))
                elif kind is c.CATEGORY and value in (c.CATEGORY_DIGIT, c.CATEGORY_UNI_DIGIT):
                    chars.add("\\d")  # any Unicode digit (٣ too), kept as the class it is
                else:
                    return None, False
            return out | chars, False
        if op is c.ASSERT_NOT or op is c.ASSERT and av[0] < 0 or op is c.AT:
            continue  # a lookbehind or a position: the match begins at the same character
        if op is c.ASSERT:  # a look-ahead: the character it requires first
            ahead, empty = _starts(list(av[1]), c)
            if ahead is None or empty:
                continue
            return out | ahead, False
        if op is c.SUBPATTERN:
            if av[1] or av[2]:  # (?i:...)
                return None, False
            inner, empty = _starts(list(av[-1]), c)
        elif op is c.BRANCH:
            inner, empty = set(), False
            for branch in av[1]:
                chars, branch_empty = _starts(list(branch), c)
                if chars is None:
                    return None, False
                inner |= chars
                empty = empty or branch_empty
        elif op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            inner, empty = _starts(list(av[2]), c)
            empty = empty or av[0] == 0
        else:
            return None, False
        if inner is None:
            return None, False
        out |= inner
        if not empty:
            return out, False
    return out, True
