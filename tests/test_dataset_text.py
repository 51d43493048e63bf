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


@pytest.mark.skipif(not (DATASETS / "train").is_dir(), reason="../shared/datasets is absent")
@pytest.mark.skipif("postgres" in os.environ.get("DATABASE_URL", ""),
                    reason="database-independent; read in the SQLite pass")
def test_no_text_of_the_reference_data_is_copied_into_the_project():
    # without whitespace: a sentence broken over lines of a CSV cell is found too
    data = _normalised("\n".join(f.read_text(encoding="utf-8", errors="ignore") for f in sorted(DATASETS.rglob("*.csv"))))
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, text=True, check=True)
    copied, seen = [], set()
    for name in filter(None, tracked.stdout.split("\0")):
        path = ROOT / name
        if not name.endswith(SUFFIXES) or not path.is_file():
            continue
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="ignore").splitlines(), 1):
            line = _normalised(line)
            for stock in STOCK:  # a stock phrase inside a longer run (…关心和支持！) is cut out of it
                line = line.replace(stock, "|")
            for run in set(RUN.findall(line)) - seen:
                seen.add(run)  # a run looked up once (each lookup reads the 30 MB)
                if run in data:
                    copied.append(f"{name}:{n}: {run}")
    assert not copied, "reword these in your own words:\n" + "\n".join(copied)
