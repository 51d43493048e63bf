"""Place extraction (hotspots.extract_places, read by hotspots, similar messages and
near-duplicates) against places read by hand in message titles of the reference data.

    .venv/bin/python bench/places.py [--misses]

bench/places.csv: 留言编号 and the places its title names, as a reader marks them: character
spans ``start:end`` of the title (| between two; the file holds no text of the reference data).
The first 88 rows: 80 titles drawn at random (seed 7) and 8 about 丽发新城's 搅拌站 and 地铁 南延,
``part`` ``tune`` (the 56 + 8 the rules were looked at on) or ``held`` (24 left apart to check
them). Then (2026-12-03, third change) 30 ``held`` titles naming 小区/路/街/村, drawn at random
(seed 11) among those whose reading the change did not touch and no one had looked at, marked by
reading the title alone (so they show the level elsewhere, not the change); and 40 ``tune`` titles
naming 小区/路/街/村 (seed 12, any title not yet in the file), marked after the rules' reading of
them was seen. Then (2026-12-03, fifth change) 62 ``tune`` titles drawn at random (seed 13) among those not
yet in the file, any title, marked with the rules' reading of them in view (a bus line, 星沙X215路, is a
place; a court, a bureau or a police brigade is none). Then (2026-12-03, sixth change) 43 ``tune`` titles drawn at
random (seed 14) among those not yet in the file, any title, marked with the rules' reading of them in view (two
whose place the masking garbled were left out). A place read matches a place written when one ends with the other
(泉塘中国铁建国际城 is 中国铁建国际城), 小区 left off as the keys do. Prints precision (places read that are written)
and recall (places written that are read) of each part (``extract_places``, which since 2026-12-03 adds the schools
and hospitals of short names: ``places.with_short_names``, 育才二小, 师大附中, A7县一中); ``--misses`` lists the
places written that are not read. Then (2026-12-03, short names) 13 ``tune`` titles naming a school or a hospital
by a short name (so not at random), marked by reading the title alone. Then (2026-12-04, estates of no place word)
29 ``tune`` titles drawn at random (seed 15) among the 690 not yet in the file whose title writes a word of an
estate (业主, 开发商, 物业, 楼盘, 交房, 房产证, 项目, 房屋, 精装, a phase, a building, a unit: so not at random over all
titles), marked by reading the title alone after the rule had been written (a few of them had been seen in its
reading of the whole file while it was tried; one whose place the masking garbled was left out). Each part is
printed twice: as ``extract_places`` reads a title alone, and "with the file's estates", as the hotspot batch reads
it (``hotspots.KnownEstates``: an estate another title names with 小区, read where this one writes it bare).
Then (2026-12-04, developers and junctions) 40 ``tune`` titles chosen for the change, not at random (titles not
yet in the file, held ones of this file and of bench/hotspots_real.csv left out, that name a developer before an
estate, 碧桂园威尼斯城, or with a name of no place word, 金科天悦, an estate or a road after a road's junction or a
street's office, 咸嘉湖西路, or a square or a village named by a day, 五一广场), marked by reading the
title alone.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from minsheng.insight.hotspots import _TRIM, KnownEstates, extract_places  # noqa: E402
from minsheng.insight.text import normalize  # noqa: E402

DATASET = ROOT.parent / "shared" / "datasets" / "unlabeled" / "tipdm_hotspot_messages.csv"
LABELS = ROOT / "bench" / "places.csv"


def same(read: str, written: str) -> bool:
    written = _TRIM.sub("", written)
    return read.endswith(written) or written.endswith(read)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--misses", action="store_true", help="list the places written that are not read")
    args = parser.parse_args()
    if not DATASET.exists():
        print("dataset: absent, skipped")
        return
    with DATASET.open(encoding="utf-8-sig") as fh:
        title = {r["留言编号"]: r["留言主题"] for r in csv.DictReader(fh)}
    with LABELS.open(encoding="utf-8") as fh:
        labelled = list(csv.DictReader(fh))
    known = KnownEstates()  # as the hotspot batch reads: the estates the whole file names with 小区
    for text in title.values():
        known.learn(extract_places(text), normalize(text))

    def in_file(text: str) -> list[str]:
        places = extract_places(text)
        return places + known.read(places, normalize(text))

    for part in ("tune", "held"):
        rows = [r for r in labelled if r["part"] == part]
        print(f"{part}: {score(rows, title, extract_places, args.misses)}")
        print(f"{part}, with the file's estates: {score(rows, title, in_file, args.misses)}")


def score(rows, title, reader, misses: bool) -> str:
    read = right = written = found = 0
    wrong, missed = [], []
    for r in rows:
        text = title[r["留言编号"]]
        truth = [text[int(a):int(b)] for a, b in (s.split(":") for s in r["spans"].split("|") if s)]
        places = reader(text)
        read += len(places)
        written += len(truth)
        right += sum(any(same(p, t) for t in truth) for p in places)
        found += sum(any(same(p, t) for p in places) for t in truth)
        wrong += [f"{r['留言编号']} {p}" for p in places if not any(same(p, t) for t in truth)]
        missed += [f"{r['留言编号']} {t}" for t in truth if not any(same(p, t) for p in places)]
    line = (f"{len(rows)} titles, {written} places written, {read} read: precision "
            f"{right / max(1, read):.3f}, recall {found / max(1, written):.3f}; read wrongly: {', '.join(wrong) or '-'}")
    return line + (f"; not read: {', '.join(missed) or '-'}" if misses else "")

if __name__ == "__main__":
    main()
