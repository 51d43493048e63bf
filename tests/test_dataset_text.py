"""The reference data (../shared/datasets) is for research only: no title or sentence of it may
be copied into the project. Every run of 12 or more Chinese characters (with Chinese punctuation
and digits) in a tracked text file is looked up in the datasets' text; place names are shorter,
and the few stock phrases every government reply uses are listed below. Skips without the data."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATASETS = ROOT.parent / "shared" / "datasets"
MIN_CHARS = 12
RUN = re.compile(rf"[\u4e00-\u9fff，。、？！：；（）“”\d]{{{MIN_CHARS},}}")
STOCK = {  # said in any government reply or directory, not taken from a message
    "感谢您对我们工作的关心和支持", "之前拨打过12345热线", "12345热线和微信平台", "您反映的问题已转交相关部门",
    "北京市公安局公安交通管理局", "北京公安局公安交通管理局", "北京市人力资源和社会保障局", "北京市计划生育服务指导中心",
    "留言编号，留言用户，留言主题，留言时间，留言详情",  # the reference files' header: their format, no text
}
# a sentence copied with ASCII punctuation (「, 」 where the data has 「，」) is the same sentence
WIDE = str.maketrans(",?!:;()", "，？！：；（）")


def _normalised(text: str) -> str:
    return re.sub(r"\s+", "", text.translate(WIDE))


SUFFIXES = (".py", ".md", ".html", ".txt", ".json", ".js", ".csv", ".toml", ".cfg", ".sh")


def found_in(data: str, runs) -> set[str]:
    """The ``runs`` (each at least MIN_CHARS long) that occur in ``data``. One pass over ``data`` instead of a
    substring search of it per run: a run occurs at position i only where ``data``'s MIN_CHARS characters from i
    equal its first ones, so a rolling hash of every such window of ``data`` (numpy) is looked up among the runs'
    first windows' hashes, and each hit checked exactly. (5,800 runs over the 10 million characters took 144 s,
    2026-12-06.)"""
    import numpy as np

    by_key: dict[int, list[str]] = {}
    codes = np.frombuffer(data.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < MIN_CHARS:
        return set()
    base = np.uint64(1_000_003)
    with np.errstate(over="ignore"):  # the hash wraps modulo 2**64 on purpose
        windows = np.zeros(len(codes) - MIN_CHARS + 1, dtype=np.uint64)
        for j in range(MIN_CHARS):
            windows = windows * base + codes[j:len(codes) - MIN_CHARS + 1 + j]
        for run in runs:
            key = np.uint64(0)
            for c in run[:MIN_CHARS]:
                key = key * base + np.uint64(ord(c))
            by_key.setdefault(int(key), []).append(run)
    keys = np.fromiter(by_key, dtype=np.uint64, count=len(by_key))
    found = set()
    for at in np.flatnonzero(np.isin(windows, keys)):
        found.update(run for run in by_key[int(windows[at])] if data.startswith(run, int(at)))
    return found


def test_the_lookup_finds_a_run_wherever_it_is_and_nothing_else():
    data = "甲乙丙丁戊己庚辛壬癸子丑寅卯辰巳午未申酉戌亥" * 3 + "，一二三四五六七八九十百千万。"
    runs = {data[:12], data[5:20], data[-14:], "一二三四五六七八九十百千万亿", "甲乙丙丁戊己庚辛壬癸子寅"}
    assert found_in(data, runs) == {data[:12], data[5:20], data[-14:]}
    assert found_in("短", runs) == set()


@pytest.mark.skipif(not (DATASETS / "train").is_dir(), reason="../shared/datasets is absent")
@pytest.mark.skipif("postgres" in os.environ.get("DATABASE_URL", ""),
                    reason="database-independent; read in the SQLite pass")
def test_no_text_of_the_reference_data_is_copied_into_the_project():
    # without whitespace: a sentence broken over lines of a CSV cell is found too
    data = _normalised("\n".join(f.read_text(encoding="utf-8", errors="ignore") for f in sorted(DATASETS.rglob("*.csv"))))
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    where: dict[str, str] = {}  # each run, with the first place it is written
    for name in filter(None, tracked.stdout.split("\0")):
        path = ROOT / name
        if not name.endswith(SUFFIXES) or not path.is_file():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="ignore").splitlines(), 1):
            line = _normalised(line)
            for stock in STOCK:  # a stock phrase inside a longer run (…关心和支持！) is cut out of it
                line = line.replace(stock, "|")
            for run in RUN.findall(line):
                where.setdefault(run, f"{name}:{n}")
    copied = found_in(data, where)
    assert not copied, "reword these in your own words:\n" + "\n".join(sorted(f"{where[r]}: {r}" for r in copied))
