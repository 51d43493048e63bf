"""find-duplicates end to end on synthetic files of 10,000 to 100,000 messages: rows, CPU
seconds, wall seconds, pairs written and the peak memory of the command.

    .venv/bin/python bench/duplicates.py [--rows [10000 50000 100000]] [--placeless 0.29] [--keep DIR]
                                         [--compare ../main] [--dataset] [--real]

Each file is written in the columns of the reference data (留言编号,留言用户,留言主题,留言时间,
留言详情,反对数,点赞数) from bench/similar.py's generator (a place every ten messages, twelve
problems in three wordings each, the sentences anybody adds), then ``minsheng find-duplicates``
runs on it in a process of its own, as an integrator runs it. CPU time (user + system) and
peak RSS are the command's own (``os.wait4``): on a machine other jobs load, read the CPU time.

``--placeless SHARE``: that share of the titles name no place (the reference data: 1,248 of
4,326, 0.29), as a citizen writes 电梯频繁故障 and says where only in the body; such a letter
raises more than one thing, so its body is the opening (naming the place) and four clauses drawn
from every problem's wordings (the same title and body for every such message would make each
a duplicate of every other with its title: a pair per two such titles, not a year of letters).
``--compare DIR`` runs the find-duplicates of the checkout in DIR (the code before a change) on
each file too, alternately with this one, and says whether the two pairs.csv are byte for byte
the same. ``--dataset`` adds the reference file (../shared/datasets/unlabeled/
tipdm_hotspot_messages.csv, read where it is). ``--real`` adds the real letters at hand, read
where they are and written only to the bench's folder (never the repository): the reference
file, the test set, the letters of the replies file and the training messages (10,864 rows, the
ids prefixed by their file), and that file five times (54,320 rows), each letter with four copies
lightly edited (a new id and user; 2, 4, 6, 8% of the body's Chinese characters replaced, the
third and fourth copies also with 9% and 12% of the title's and one sentence dropped), in random
order: it says how many of the 43,456 planted pairs (a letter and its copy) each run found.
``--rows`` with no number writes no synthetic file. ``--keep DIR`` leaves the files and the pairs
there (to compare two versions' output); otherwise they go to a temporary folder. The last lines
say how the CPU time grew from the smallest file to the largest (x10 for ten times the rows is
linear, x100 the square).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import filecmp
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.similar import DATASET, OPENINGS, PROBLEMS, synthetic  # noqa: E402

HEADER = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "反对数", "点赞数"]
# the clauses of every problem's bodies, for the letters whose titles name no place
CLAUSES = sorted({c for problem in PROBLEMS for _, body in problem for c in re.split(r"[,，。]\s*", body) if c})


def write_messages(path: Path, rows: int, seed: int = 2026, placeless: float = 0.0) -> None:
    """``rows`` synthetic messages in the reference data's columns; a share ``placeless`` of
    them with a title that names no place."""
    rng = random.Random(seed)
    other = random.Random(seed + 1)  # drawn apart, so that --placeless 0 writes the file it wrote before
    start = dt.datetime(2019, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        for i, (place, _, title, body) in enumerate(synthetic(rows, seed)):
            if other.random() < placeless:
                title = title.replace(place, "", 1)
                body = other.choice(OPENINGS).format(p=place, n=other.randrange(1, 30)) + ", ".join(
                    c.format(p=place, n=other.randrange(1, 30)) for c in other.sample(CLAUSES, 4)) + "。"
            at = start + dt.timedelta(seconds=rng.randrange(365 * 86400))
            writer.writerow([100000 + i, f"U{rng.randrange(rows):07d}", title,
                             f"{at.year}/{at.month}/{at.day} {at.hour}:{at.minute:02d}:{at.second:02d}",
                             body, rng.randrange(3), int(rng.expovariate(0.5))])


# the letters of --real and the column each file has them in (read where they are)
REAL = [("h", DATASET), ("t", DATASET.with_name("tipdm_testset.csv")), ("r", DATASET.with_name("tipdm_replies.csv")),
        ("m", DATASET.parent.parent / "train" / "tipdm_messages.csv")]
HAN = [chr(c) for c in range(0x4E00, 0x4E00 + 3000)]


def write_real(folder: Path, copies: int = 4, seed: int = 7) -> tuple[Path, Path, set[frozenset[str]]]:
    """The real letters in one file, the file with ``copies`` edited copies of each letter, and
    the pairs planted (a letter and each of its copies)."""
    rows = []
    for prefix, path in REAL:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            rows += [[f"{prefix}{r['留言编号']}", r["留言用户"], r["留言主题"], r["留言时间"], r["留言详情"],
                      r.get("反对数") or "0", r.get("点赞数") or "0"] for r in csv.DictReader(fh)]
    rng = random.Random(seed)

    def edit(text: str, share: float) -> str:
        chars = list(text)
        han = [i for i, c in enumerate(chars) if "\u4e00" <= c <= "\u9fff"]
        for i in rng.sample(han, min(len(han), max(1, int(len(han) * share)))) if han else []:
            chars[i] = rng.choice(HAN)
        return "".join(chars)

    edited, planted = [], set()
    for row in rows:
        edited.append(row)
        for k in range(1, copies + 1):
            user = f"U{rng.randrange(10 ** 7):07d}"
            title = edit(row[2], 0.03 * k) if k >= 3 else row[2]
            body = edit(row[4], 0.02 * k)
            if k >= 3:
                sentences = [s for s in re.split(r"(?<=[。！？])", body) if s.strip()]
                if len(sentences) > 2:
                    del sentences[rng.randrange(len(sentences))]
                body = "".join(sentences)
            copy = [f"{row[0]}x{k}", user, title, row[3], body, row[5], row[6]]
            edited.append(copy)
            planted.add(frozenset((row[0], copy[0])))
    rng.shuffle(edited)
    files = folder / "real_letters.csv", folder / f"real_letters_x{copies + 1}.csv"
    for path, table in zip(files, (rows, edited), strict=True):
        with path.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh, lineterminator="\n")
            writer.writerow(HEADER)
            writer.writerows(table)
    return *files, planted


def run(data: Path, out: Path, code: Path = ROOT) -> tuple[float, float, int, int]:
    """CPU seconds, wall seconds, pairs written and peak RSS (KiB) of one find-duplicates run of
    the checkout in ``code``."""
    env = dict(os.environ, PYTHONPATH=str(code))
    with tempfile.TemporaryFile() as log:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "minsheng", "find-duplicates", "--data", str(data), "--out", str(out)],
                                cwd=code, env=env, stdout=log, stderr=log)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode:
            log.seek(0)
            sys.exit(log.read().decode("utf-8", "replace").strip())
    with out.open(encoding="utf-8") as fh:
        pairs = sum(1 for _ in fh) - 1
    return usage.ru_utime + usage.ru_stime, seconds, pairs, usage.ru_maxrss


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[10_000, 50_000, 100_000])
    parser.add_argument("--placeless", type=float, default=0.0, help="share of the titles that name no place")
    parser.add_argument("--compare", type=Path, help="checkout whose find-duplicates also runs, alternately")
    parser.add_argument("--dataset", action="store_true", help="also the reference file")
    parser.add_argument("--real", action="store_true", help="also the real letters at hand, and five times them with edits")
    parser.add_argument("--keep", type=Path, help="folder where the files and their pairs are left")
    args = parser.parse_args()
    if not 0 <= args.placeless <= 1:
        parser.error("--placeless is a share, from 0 to 1")
    codes = [("this", ROOT)] + ([("compare", args.compare.resolve())] if args.compare else [])
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        files = []
        for rows in sorted(args.rows):
            data = folder / (f"messages_{rows}.csv" if not args.placeless else f"messages_{rows}_placeless{args.placeless:g}.csv")
            if not data.exists():
                write_messages(data, rows, placeless=args.placeless)
            files.append((f"{rows:,} rows", data, rows))
        if args.dataset:
            files.append(("reference file", DATASET, 0))
        planted: set[frozenset[str]] = set()
        if args.real:
            real, edited, planted = write_real(folder)
            files += [("real letters", real, 0), ("real letters x5", edited, 0)]
        growth: dict[str, list[tuple[int, float]]] = {name: [] for name, _ in codes}
        for label, data, rows in files:
            outs = []
            for name, code in codes:
                out = folder / f"pairs_{data.stem}_{name}.csv"
                cpu, seconds, pairs, peak = run(data, out, code)
                outs.append(out)
                if rows:
                    growth[name].append((rows, cpu))
                found = ""
                if label == "real letters x5":
                    with out.open(encoding="utf-8") as fh:
                        found = sum(frozenset(row[:2]) in planted for row in csv.reader(fh))
                    found = f"  {found:,} of the {len(planted):,} planted"
                print(f"{label:>16}  {name:<8} {cpu:7.1f} s CPU  {seconds:7.1f} s wall  {pairs:>8,} pairs  "
                      f"peak RSS {peak / 1024:,.0f} MiB{found}", flush=True)
            if len(outs) > 1:
                same = filecmp.cmp(outs[0], outs[1], shallow=False)
                print(f"{label:>16}  pairs.csv {'byte for byte the same' if same else 'DIFFERENT'}", flush=True)
        # how the CPU time grows with the file: x10 for ten times the rows is linear, x100 the square
        for name, runs in growth.items():
            if len(runs) > 1:
                (rows0, cpu0), (rows1, cpu1) = runs[0], runs[-1]
                print(f"{'growth':>16}  {name:<8} {rows1 / rows0:.0f}x the rows, {cpu1 / cpu0:.1f}x the CPU time", flush=True)


if __name__ == "__main__":
    main()
