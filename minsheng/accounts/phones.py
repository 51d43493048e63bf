"""How a phone number with an extension (分机) is read: 0931-8123456转802, 0931-8123456-802, (0931)8123456 ext. 802,
8123456分机802. A plain module (no Django): the sign-in's reading of a number (``models.national_phone``), Open311's
``phone``, the staff lists' 查找 (``board.views.staff.queue_condition``), the reply-draft privacy check
(``staff_hints._same``) and the masking of public text (``board.moderation``) all split a number here, the same way.

The number is the one dialled (its main number); the extension is asked for once through. Before 2026-12-08 the
extension was read as the last digits of the number itself (09318123456802), so the main number's last digits found
nothing, and a 转 or 分机 made no number at all."""

from __future__ import annotations

import re
import unicodedata

# the words written between a number and its extension, the longest first: those that name it (转分机, 分机号, ext.),
# after which one digit is an extension (分机8), and the marks (转, x, #), after which a public text's extension is 2–6
# digits (board.moderation: 转3次, x 3天, #3号楼 are no extension)
EXTENSION_NAMES = ("转分机号", "转分机", "分机号", "分机", "ext.", "ext")
EXTENSION_MARKS = ("转", "x", "#")
# their characters, dropped with a number's separators where a stored number is read as digits (models.national_phone_sql)
EXTENSION_CHARACTERS = tuple(dict.fromkeys("".join(EXTENSION_NAMES + EXTENSION_MARKS) + ":"))


def _written(word: str) -> str:
    """``word`` as a regular expression Python and PostgreSQL read alike, a Latin letter in either case."""
    return "".join(f"[{c.upper()}{c}]" if c.isascii() and c.isalpha() else re.escape(c) for c in word)


EXTENSION_NAMED = "(?:" + "|".join(map(_written, EXTENSION_NAMES)) + ")"
EXTENSION_MARK = "(?:" + "|".join(map(_written, EXTENSION_MARKS)) + ")"
# in the subset of regular expressions that Python and PostgreSQL read alike, as the staff lists' 查找 matches them in
# the database
EXTENSION_WORD = rf" *(?:{EXTENSION_NAMED}|{EXTENSION_MARK})[ :]*"
# or a dash (-, —, –; a full-width － is read as -) right after a whole local number (7 or 8 digits: 0931-8123456-802,
# 8123456 - 802), a whole number with its area code (09318123456-802) or a whole mobile (13800000001-802: the mobile,
# whole-diff review of 2026-12-08); 0931-812-3456 and 138-0000-0001 are one number written in groups
EXTENSION_DASH_AFTER = r"(?:^|[^0-9])(?:[0-9]{7,8}|0[0-9]{10,11}|1[3-9][0-9]{9})"
EXTENSION_DASH = r" *[-—–] *"
EXTENSION_DIGITS = r"([0-9]{1,6}) *$"

_AFTER_WORD = re.compile(r"(?<=[0-9])" + EXTENSION_WORD + EXTENSION_DIGITS)
_AFTER_DASH = re.compile(EXTENSION_DASH_AFTER + "(" + EXTENSION_DASH + ")" + EXTENSION_DIGITS)


def split_extension(raw: str | None) -> tuple[str, str]:
    """(the number, its extension's digits) of ``raw`` as written (full-width characters as ASCII, whitespace as one
    space): 「0931-8123456转802」 is ("0931-8123456", "802"); a number without one is (itself, "")."""
    text = " ".join(unicodedata.normalize("NFKC", raw or "").split())
    m = _AFTER_WORD.search(text)
    if m:
        return text[:m.start()].rstrip(), m.group(1)
    m = _AFTER_DASH.search(text)
    if m:
        return text[:m.start(1)].rstrip(), m.group(2)
    return text, ""
