"""Pinyin keys for the directory's names: officers type 「zjj」 or 「zhujian」 for 住建局 and
「qlh」 for 七里河区 in the unit and region pickers. Plain functions; the models store the key
(``Region.pinyin``, ``Unit.pinyin``) so a search is one ``LIKE`` on the row, not pypinyin per
request."""

from __future__ import annotations

import re

from django.db.models import Q
from django.http import HttpResponse
from django.utils.html import format_html
from pypinyin import Style, lazy_pinyin, load_phrases_dict

from minsheng.insight.text import plain, simplified

# what a pinyin query may hold: letters, and the spaces or apostrophes some people type (xi'an)
_QUERY = re.compile(r"^[a-z][a-z' ]*$")
_NOT_KEY = re.compile(r"[^0-9a-z]")

# directory words whose reading pypinyin's phrase data gets wrong (it has 银行 and 分行, not 支行);
# added as they are met, not a dictionary of our own
# (migration 0004 re-keys rows named with a word added after 0003 filled the keys: MISREAD)
MISREAD = {"支行": [["zhī"], ["háng"]], "单县": [["shàn"], ["xiàn"]],
           # Gansu: 宕昌县, 崆峒区, 武都区
           "宕昌": [["tàn"], ["chāng"]], "崆峒": [["kōng"], ["tóng"]], "武都": [["wǔ"], ["dū"]]}
load_phrases_dict(MISREAD)


def _syllables(name: str, style) -> str:
    # pypinyin's phrase data picks a polyphonic character's reading from its word (银行: hang);
    # what is not Chinese (12345, ASCII) comes back as it is, lower-cased, punctuation dropped
    return _NOT_KEY.sub("", "".join(lazy_pinyin(name, style=style, errors="default", strict=False)).lower())


def pinyin_key(*names: str) -> str:
    """The full spelling and the initials of each name, space-separated: 兰州市住建局 →
    ``lanzhoushizhujianju lzszjj``. A query matches when it is a substring of one of them."""
    parts = []
    for name in names:
        if name:
            for style in (Style.NORMAL, Style.FIRST_LETTER):
                part = _syllables(name, style)
                if part and part not in parts:
                    parts.append(part)
    return " ".join(parts)


# how a department's name ends, and how its 简称 ends then (委员会 → 委: 发改委); see short_form
_SUFFIXES = (("委员会", "委"), ("办公室", "办"), ("局", "局"), ("委", "委"), ("厅", "厅"))
_HAN = re.compile(r"^[\u4e00-\u9fff]+$")


def short_form(name: str, region_names) -> str:
    """The 简称 a unit without one is found by: its name without the names of its region and the
    regions above (``region_names``, in any order) in front, and where the rest is two-character
    words before 局, 委员会, 委, 办公室 or 厅 (和 left out), the first character of the first word and
    of the last one before that ending (委员会 as 委, 办公室 as 办): 兰州市住房和城乡建设局 → 住建局,
    兰州市发展和改革委员会 → 发改委. A rule, not a dictionary: where the convention differs (应急管理局:
    应急局, not 应管局), set the unit's 简称."""
    rest = name
    while True:
        region = next((r for r in region_names if r and rest.startswith(r) and len(rest) > len(r)), None)
        if region is None:
            break
        rest = rest[len(region):]
    for ending, short in _SUFFIXES:
        if rest.endswith(ending):
            words = rest[:-len(ending)].replace("和", "")
            if len(words) >= 4 and len(words) % 2 == 0 and _HAN.match(words):
                return words[0] + words[-2] + short
            break
    return rest


def unit_key(name: str, short_name: str, region_names) -> str:
    """The ``pinyin`` of a unit: the keys of its name and of its 简称, or of the 简称 derived from the
    name (short_form) followed by that 简称 itself where the name does not hold it, so that 「住建局」 typed
    in Chinese finds 定西市住房和城乡建设局 as 「zjj」 does (``name_or_pinyin`` looks in the key too)."""
    if short_name:
        return pinyin_key(name, short_name)
    derived = short_form(name, region_names)
    key = pinyin_key(name, derived)
    return f"{key} {derived}" if derived not in name else key


def key_units(units, regions) -> None:
    """Set the ``pinyin`` of ``units`` (rows with ``name``, ``short_name``, ``region_id``) as
    ``Unit.save`` does, from ``regions``: (pk, name, parent_id) of their regions and those above."""
    above = {pk: (name, parent) for pk, name, parent in regions}
    for unit in units:
        names, pk = [], unit.region_id
        while pk is not None:
            name, pk = above[pk]
            names.append(name)
        unit.pinyin = unit_key(unit.name, unit.short_name, names)


def rekey_units_without_short_name(apps) -> None:
    """Migration directory/0006: the units without a 简称 keyed anew (``key_units``), as the key of
    those is defined now; ``apps`` the migration state's."""
    Region, Unit = apps.get_model("directory", "Region"), apps.get_model("directory", "Unit")
    units = list(Unit.objects.filter(short_name="").only("pk", "name", "short_name", "region_id"))
    if units:
        key_units(units, Region.objects.values_list("pk", "name", "parent_id"))
        Unit.objects.bulk_update(units, ["pinyin"], batch_size=500)


def pinyin_query(text: str) -> str:
    """``text`` as it is matched against a key (lower case, no spaces or apostrophes), or "" when
    it is not pinyin (Chinese, digits: those are searched in the names as before)."""
    text = (text or "").strip().lower()
    return text.replace(" ", "").replace("'", "") if _QUERY.match(text) else ""


def name_or_pinyin(text: str, *names: str, key: str = "pinyin") -> Q:
    """Rows whose ``names`` contain ``text`` (any case), or whose pinyin ``key`` does. Read as the
    message search reads a query (insight.text): full-width letters as ASCII (「ｚｊｊ」, an input
    method left in full-width mode), and traditional characters in simplified ones as well (城鄉建設).
    The key is looked in for the words as well: a unit's holds the 简称 derived from its name (unit_key)."""
    text = plain(text)
    q = Q()
    for form in dict.fromkeys((text, simplified(text, loose=True))):
        for name in (*names, key):
            q |= Q(**{f"{name}__icontains": form})
    typed = pinyin_query(text)
    return q | Q(**{f"{key}__contains": typed}) if typed else q


def search_term(text: str) -> str:
    """An admin search box's words as the stored keys spell them: full-width letters as ASCII, and a
    pinyin query without its apostrophes (「ｚｊｊ」 → zjj, 「zhu'jian」 → zhujian); other words as
    typed. Spaces stay: the admin matches each word on its own (「zhu jian」 finds 住建局 so, and
    「Zhang Wei」 a person of the 成员 list)."""
    text = plain(text)
    return text.replace("'", "") if pinyin_query(text) else text


class PinyinSearch:
    """A ModelAdmin whose ``search_fields`` take a region's or unit's ``pinyin``: its search box and
    the autocomplete boxes that pick from it read the words as ``search_term`` does."""

    def get_search_results(self, request, queryset, search_term_):
        return super().get_search_results(request, queryset, search_term(search_term_))


def picker_answer(select_html: str, kind: str, field: str, q: str, count: int, noun: str) -> HttpResponse:
    """What a 查找 box (``_picker_search.html``) gets back: the select box narrowed, and the line saying
    what was found (「找到 3 个单位」, 「没有名称或拼音含「…」的区划」; empty when nothing was typed)."""
    found = (f"找到 {count} 个{noun}" if count else f"没有名称或拼音含「{q}」的{noun}") if q else ""
    status = format_html('<span id="{}-found-{}" hx-swap-oob="innerHTML">{}</span>', kind, field, found)
    return HttpResponse(select_html + status)
