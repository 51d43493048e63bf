"""Which region a message's text names, from the directory's own place names.

"七里河区西津西路的小区没有电梯" names 七里河区; so does "七里河" without its suffix.
Names are matched with and without their suffixes (市/区/县/镇/乡/街道 ...); among
the places found, the most specific (lowest level) one wins, and a name shared by
several regions counts only when the message's region or another named place tells
them apart.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from .text import normalize

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
        for r in regions:
            place = Place(r.pk, r.code, r.level, r.name)
            for alias in aliases(r.name):
                self.by_alias.setdefault(alias, []).append(place)
        names = sorted(self.by_alias, key=len, reverse=True)  # longest first: 七里河区 before 七里河
        self.pattern = re.compile("|".join(map(re.escape, names))) if names else None

    def places_in(self, text: str) -> list[tuple[str, list[Place]]]:
        if not self.pattern or not text:
            return []
        return [(m.group(0), self.by_alias[m.group(0)]) for m in self.pattern.finditer(normalize(text))]

    def find(self, text: str, within_code: str | None = None, within_level: int = 0) -> Place | None:
        """The most specific place the text names (inside ``within`` when given)."""
        hits = self.places_in(text)
        if not hits:
            return None
        named_codes = [p.code for _, places in hits for p in places if len(places) == 1]
        best: Place | None = None
        for _alias, places in hits:
            if within_code:
                places = [p for p in places if _inside(p, within_code, within_level)]
            if len(places) > 1:  # ambiguous: keep those under another place the text names
                places = [p for p in places if any(p.code != c and _inside(p, c, None) for c in named_codes)]
            if len(places) != 1:
                continue
            place = places[0]
            if best is None or place.level > best.level:
                best = place
        return best


def _inside(place: Place, code: str, level: int | None) -> bool:
    from minsheng.directory.models import Region

    if level is None:
        level = 1 if code.endswith("0000") else 2 if code.endswith("00") else 3
    return place.code.startswith(Region.prefix_for(code, level)) and place.code != code


_lock = threading.Lock()
_cache: dict[str, object] = {"key": None, "gazetteer": None}


def gazetteer() -> Gazetteer:
    """The process's gazetteer, rebuilt when regions are added, removed or renamed
    (one aggregate query decides; a rename changes the sum of name lengths or a max)."""
    from django.db.models import Count, Max, Sum
    from django.db.models.functions import Length

    from minsheng.directory.models import Region

    stats = Region.objects.aggregate(n_regions=Count("id"), last_id=Max("id"), max_code=Max("code"),
                                     max_name=Max("name"),
                                     name_chars=Sum(Length("name")))
    key = tuple(sorted(stats.items()))
    with _lock:
        if _cache["key"] != key:
            _cache["gazetteer"] = Gazetteer(Region.objects.only("id", "code", "level", "name"))
            _cache["key"] = key
        return _cache["gazetteer"]


def extract_region(text: str, within=None):
    """The Region the text names, or None. With ``within`` (a Region), only places
    strictly inside it count: a message filed under 兰州市 that names 七里河区."""
    from minsheng.directory.models import Region

    place = gazetteer().find(text, within.code if within else None, within.level if within else 0)
    if place is None:
        return None
    return Region.objects.select_related("parent__parent__parent").filter(pk=place.region_id).first()


def refined_region(region, text: str):
    """The citizen's region, or a lower one the text names when it is a province or
    prefecture (or none): a school gate in 天水市秦州区 filed under 甘肃省 is compared with
    天水's messages, not the whole province's, and 榆中县马家坪村 filed under 兰州市 is a
    place in 榆中县."""
    from minsheng.directory.models import Region

    if region is not None and region.level > Region.Level.PREFECTURE:
        return region
    found = extract_region(text, within=region)
    return found if found is not None else region


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
