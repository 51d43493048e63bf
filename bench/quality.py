"""How reply scores agree with the annotated columns of tipdm_replies.csv.

    .venv/bin/python bench/quality.py [--data ../shared/datasets/unlabeled/tipdm_replies.csv]

Prints, for each annotation column, the ROC AUC of our total score and of each part
(the chance that a reply annotated 1 scores above one annotated 0), and the agreement of
the boilerplate flag with the annotation. Also the scoring speed, and the precision of the
「N 个问题中有 K 个未回应」 flag on the replies of bench/quality_missed.csv: 60 replies the scorer
flagged on 2026-12-03, drawn at random and read by hand (missed = 1 when the reply does leave a
question of the citizen unanswered; part dev = read while fixing the check, held = kept apart),
60 more dev rows drawn at random from the 1,223 others it still flagged later
that day, before the second review's fixes, and 40 more (dev rows 101-140, "dev, 40 added")
from the 1,121 it still flagged and not yet read before the third review's fixes, read the same way.
The last 16 dev rows ("dev, 16 added", the fourth review's) are not drawn at random: they are every
reply not read before whose flag the fourth review's rules (a "when" answered only by a date that
tells when; rhetorical questions; pleas listing measures) turn on or off, read the same way. The
17 after them ("dev, 17 added", the fifth review's) are chosen the same way for its rules (an answer
of the kind asked, a sum of money matched whole, rhetorical questions in other words, quotations, a
step on the thing a demand is about). The 3 after them ("dev, 3 added", the sixth review's) are chosen
the same way for its rules (the answer of a kind looked for on the question's subject, "can"
questions of anyone and a flat no, a near word). The 12 after them ("dev, 12 added", the seventh
review's) are chosen the same way for its rules (a plea's act in other words, a plea read past whom
it asks and how, a harm feared and other outcries).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from minsheng.insight.csvio import parse_time  # noqa: E402
from minsheng.insight.quality import score_reply  # noqa: E402

LABELS = ROOT / "bench" / "quality_missed.csv"
DEFAULT = ROOT.parent / "shared" / "datasets" / "unlabeled" / "tipdm_replies.csv"
COLUMNS = ["可解释性_Syucryingstar", "完整性_Rollbear100", "可解释性_Rollbear100"]
PARTS = ["score", "relevance", "completeness", "interpretability"]


def auc(labels: list[int], scores: list[float]) -> float:
    pos = [s for s, y in zip(scores, labels, strict=True) if y == 1]
    neg = [s for s, y in zip(scores, labels, strict=True) if y == 0]
    if not pos or not neg:
        return float("nan")
    ranked = sorted(((s, y) for s, y in zip(scores, labels, strict=True)), key=lambda p: p[0])
    # rank-sum (Mann-Whitney) with average ranks for ties
    i = 0
    rank_of = [0.0] * len(ranked)
    while i < len(ranked):
        j = i
        while j + 1 < len(ranked) and ranked[j + 1][0] == ranked[i][0]:
            j += 1
        for k in range(i, j + 1):
            rank_of[k] = (i + j) / 2 + 1
        i = j + 1
    pos_rank = sum(r for r, (_, y) in zip(rank_of, ranked, strict=True) if y == 1)
    return (pos_rank - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=str(DEFAULT), help=f"annotated replies CSV (default {DEFAULT})")
    args = parser.parse_args()
    path = Path(args.data)
    if not path.exists():
        print(f"dataset absent: {path}")
        return
    with path.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    t = time.perf_counter()
    results = [score_reply(r["留言主题"], r["留言详情"], r["答复意见"],
                           parse_time(r["留言时间"], path, i, "留言时间") if r["留言时间"].strip() else None,
                           parse_time(r["答复时间"], path, i, "答复时间") if r["答复时间"].strip() else None)
               for i, r in enumerate(rows, 1)]
    elapsed = time.perf_counter() - t
    print(f"{len(rows)} replies scored in {elapsed:.1f} s ({len(rows) / elapsed:.0f} replies/s); "
          f"mean score {sum(r['score'] for r in results) / len(results):.1f}; "
          f"{sum(r['boilerplate'] for r in results)} flagged as boilerplate")
    for col in COLUMNS:
        idx = [i for i, r in enumerate(rows) if r.get(col, "").strip()]
        labels = [int(float(rows[i][col])) for i in idx]
        line = [f"{col}: n={len(idx)} (positive {sum(labels)})"]
        for part in PARTS:
            line.append(f"AUC {part} {auc(labels, [results[i][part] for i in idx]):.3f}")
        flagged = [results[i]["boilerplate"] for i in idx]
        tp = sum(1 for f, y in zip(flagged, labels, strict=True) if f and y == 0)
        fp = sum(1 for f, y in zip(flagged, labels, strict=True) if f and y == 1)
        neg = labels.count(0)
        line.append(f"boilerplate flag: {tp}/{neg} annotated-0 caught, {fp} annotated-1 flagged "
                    f"(precision {tp / max(1, tp + fp):.2f})")
        print("; ".join(line))
    flags = {r["留言编号"]: res["questions_addressed"] < res["questions"] for r, res in zip(rows, results, strict=True)}
    print(f"missed-question flag: {sum(flags.values())} of {len(rows)} replies flagged")
    with LABELS.open(encoding="utf-8") as fh:
        labelled = list(csv.DictReader(fh))
    dev = [x for x in labelled if x["part"] == "dev"]
    for part, sample in (("dev", dev), ("dev, 40 added", dev[100:140]), ("dev, 16 added", dev[140:156]),
                         ("dev, 17 added", dev[156:173]), ("dev, 3 added", dev[173:176]),
                         ("dev, 12 added", dev[176:]),
                         ("held", [x for x in labelled if x["part"] == "held"]),
                         ("all", labelled)):
        still = [x for x in sample if flags[x["留言编号"]]]
        right = sum(x["missed"] == "1" for x in still)
        missed = sum(x["missed"] == "1" for x in sample)
        print(f"  {part}: {len(still)} of {len(sample)} read still flagged, {right} rightly "
              f"(precision {right / max(1, len(still)):.2f}); {right} of the {missed} that do miss a question kept")


if __name__ == "__main__":
    main()
