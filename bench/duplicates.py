"""find-duplicates end to end on synthetic files of 10,000 to 100,000 messages: rows, seconds,
pairs written and the peak memory of the command.

    .venv/bin/python bench/duplicates.py [--rows 10000 50000 100000] [--keep DIR]

Each file is written in the columns of the reference data (留言编号,留言用户,留言主题,留言时间,
留言详情,反对数,点赞数) from bench/similar.py's generator (a place every ten messages, twelve
problems in three wordings each, the sentences anybody adds), then ``minsheng find-duplicates``
runs on it in a process of its own, as an integrator runs it. ``--keep DIR`` leaves the files
and the pairs there (to compare two versions' output); otherwise they go to a temporary folder.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.similar import synthetic  # noqa: E402

HEADER = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "反对数", "点赞数"]


def write_messages(path: Path, rows: int, seed: int = 2026) -> None:
    """``rows`` synthetic messages in the reference data's columns."""
    rng = random.Random(seed)
    start = dt.datetime(2019, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(HEADER)
        for i, (_, _, title, body) in enumerate(synthetic(rows, seed)):
            at = start + dt.timedelta(seconds=rng.randrange(365 * 86400))
            writer.writerow([100000 + i, f"U{rng.randrange(rows):07d}", title,
                             f"{at.year}/{at.month}/{at.day} {at.hour}:{at.minute:02d}:{at.second:02d}",
                             body, rng.randrange(3), int(rng.expovariate(0.5))])


def run(data: Path, out: Path) -> tuple[float, int, int]:
    """Seconds, pairs written and peak RSS (KiB) of one find-duplicates run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "minsheng", "find-duplicates", "--data", str(data), "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode:
        sys.exit(proc.stderr.strip() or proc.stdout.strip())
    with out.open(encoding="utf-8") as fh:
        pairs = sum(1 for _ in fh) - 1
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    # the children's peak is the largest so far: a smaller run after a larger one reads as the larger
    return seconds, pairs, peak if peak > before else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 50_000, 100_000])
    parser.add_argument("--keep", type=Path, help="folder where the files and their pairs are left")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for rows in sorted(args.rows):
            data = folder / f"messages_{rows}.csv"
            if not data.exists():
                write_messages(data, rows)
            seconds, pairs, peak = run(data, folder / f"pairs_{rows}.csv")
            memory = f"{peak / 1024:,.0f} MiB" if peak else "n/a"
            print(f"{rows:>8,} rows  {seconds:7.1f} s  {pairs:>8,} pairs  peak RSS {memory}", flush=True)


if __name__ == "__main__":
    main()
