"""The labelled companions bench/hotspots.py --dataset counts as missed, one by one: for each query of
bench/hotspots_real.csv whose companion is in another cluster, both titles, the places read from them
(``extract_places``), the days between them, whether one citizen wrote both, and the pair's cosine with the
threshold the place evidence gives it (``HotspotIndex._threshold``: -1.0 is the same author's rule).

    .venv/bin/python bench/hotspots_missed.py [--part tune|held]

Read the tune part to find what to change, not the held part (see docs/hotspots.md).
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hotspots import REAL_LABELS  # noqa: E402

from minsheng.insight import hotspots as core  # noqa: E402
from minsheng.insight.csvio import parse_time  # noqa: E402

DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "unlabeled" / "tipdm_hotspot_messages.csv"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", choices=("tune", "held"), default="tune")
    args = parser.parse_args()
    if not DATASET.exists():
        print(f"dataset: {DATASET} absent", file=sys.stderr)
        return 1
    with DATASET.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    items = [core.Item(r["留言编号"], r["留言主题"], r["留言详情"], parse_time(r["留言时间"], DATASET, i, "留言时间"),
                       r["留言用户"], int(r["点赞数"] or 0)) for i, r in enumerate(rows, 1)]
    by_id = {it.id: it for it in items}
    index = core.cluster_batch(items)
    of = {m: cid for cid, c in index.clusters.items() for m in c.members}
    with REAL_LABELS.open(encoding="utf-8") as fh:
        labels = [r for r in csv.DictReader(line for line in fh if not line.startswith("#")) if r["part"] == args.part]
    queries = {r["unit"]: r["留言编号"] for r in labels if r["role"] == "query"}
    companions: dict = defaultdict(list)
    for r in labels:
        if r["role"] == "companion":
            companions[r["unit"]].append(r["留言编号"])
    missed = 0
    for unit, q in queries.items():
        for m in companions[unit]:
            if of[m] == of[q]:
                continue
            missed += 1
            a, b = by_id[q], by_id[m]
            va, vb = index.vector(a), index.vector(b)
            cosine = sum(w * vb.get(g, 0.0) for g, w in va.items())
            print(f"== {unit} {q} / {m}: {(b.at - a.at).days} days, same author {a.user == b.user}, "
                  f"counties {a.region}/{b.region}")
            for it in (a, b):
                print(f"   {it.title} | title places {it.title_places}, places {it.places}")
            print(f"   pair cosine {cosine:.3f}, threshold {core.HotspotIndex._threshold(a, index.clusters[of[m]])} "
                  f"(clusters of {index.clusters[of[q]].size} and {index.clusters[of[m]].size})")
    print(f"{missed} missed pairs in the {args.part} part")
    return 0


if __name__ == "__main__":
    sys.exit(main())
