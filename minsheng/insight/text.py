"""Plain-text helpers shared by every insight core: normalisation and jieba tokens."""

from __future__ import annotations

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
    return simplified(_plain(text))


def _plain(text: str | None) -> str:
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
    that only traditional writing uses). A character counts when OpenCC simplifies it and
    does not itself write any simplified character (燈, 壞, 後 do; 坏, 著 do not)."""
    import opencc

    t2s, s2t = opencc.OpenCC("t2s"), opencc.OpenCC("s2t")
    chars = [chr(c) for r in ((0x4E00, 0xA000), (0x3400, 0x4DC0)) for c in range(*r)]
    simple = t2s.convert("\n".join(chars)).split("\n")
    traditional = s2t.convert("\n".join(chars)).split("\n")
    only = "".join(c for c, s, t in zip(chars, simple, traditional, strict=True) if s != c and t == c)
    return t2s, re.compile(f"[{only}]")


def traditional_pattern() -> str:
    """A regular expression matching any character only traditional writing uses."""
    return _traditional()[1].pattern


def simplified(text: str, *, loose: bool = False) -> str:
    """``text`` converted to simplified characters (OpenCC, phrase by phrase) when it is
    written in traditional ones: at least two traditional-only characters making a tenth of
    its Han characters. Simplified messages carry a stray one now and then, often in a name
    (乾源国际广场, 昇明壹城), and converting those would change the name (and OpenCC turns a
    simplified 坏 into 坯), so they stay as written. ``loose`` converts on any one such
    character (a search query word: 燈)."""
    t2s, only = _traditional()
    found = len(only.findall(text))
    if found and (loose or (found >= 2 and found * 10 >= sum(map(_is_han, text)))):
        return t2s.convert(text)
    return text


@lru_cache(maxsize=1)
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokenize(text: str | None) -> list[str]:
    """jieba words of the normalised text, without whitespace and punctuation."""
    text = normalize(text)
    if not text:
        return []
    return [w for w in _jieba().lcut(text) if w.strip() and not _is_punct(w)]


def search_terms(text: str | None) -> list[str]:
    """Search-engine style segmentation (jieba.cut_for_search, each word once),
    followed by every Han character in text order, so that a one-character query
    finds its matches and a word segmented differently elsewhere still matches as a
    phrase of adjacent characters. A text with traditional characters gives the terms of
    its simplified form too."""
    plain = _plain(text).lower()
    if not plain:
        return []
    # as written and in simplified characters (loose: a stray 燈 too), so that a query in
    # either writing finds it (board.search looks for a query word in both)
    forms = dict.fromkeys((plain, simplified(plain, loose=True)))
    words = dict.fromkeys(w for form in forms for w in _jieba().cut_for_search(form)
                          if w.strip() and not _is_punct(w))
    return list(words) + [c for form in forms for c in form if _is_han(c)]


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _is_punct(word: str) -> bool:
    return all(unicodedata.category(c)[0] in "PSZ" for c in word)


def han_ratio(text: str) -> float:
    """Share of Han characters among the non-space characters (0 for empty text)."""
    chars = [c for c in text if not c.isspace()]
    if not chars:
        return 0.0
    return sum(_is_han(c) for c in chars) / len(chars)
