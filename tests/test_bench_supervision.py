"""bench/supervision.py drops and creates the database it times: only its own (2026-12-08). Until then it took the
shell's DATABASE_URL and dropped the database named there, a live `minsheng` one included."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = str(ROOT / "bench" / "supervision.py")
LIVE = "postgres://postgres@127.0.0.1:1/minsheng"  # no server answers there: reaching for it fails the run


def bench(*args, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DATABASE_URL": LIVE}
    return subprocess.run([sys.executable, BENCH, *args, "--var", str(tmp_path / "var")], cwd=ROOT, env=env,
                          text=True, capture_output=True, timeout=300)


def test_a_database_without_bench_in_its_name_is_refused(tmp_path):
    run = bench("--pg", "postgres://postgres@127.0.0.1:1", "--db", "minsheng", tmp_path=tmp_path)
    assert run.returncode == 2
    assert run.stderr.strip().splitlines()[-1] == (
        'supervision.py: error: --db minsheng: not a bench database (a name with "bench" in it): refusing to drop it')


def test_the_shells_database_url_is_not_the_benchs(tmp_path):
    run = bench("--messages", "300", "--overdue", "40", "--supervised", "20", "--runs", "1", tmp_path=tmp_path)
    assert run.returncode == 0, run.stderr[-500:]
    assert "sqlite: the supervisor of the province" in run.stdout
    assert (tmp_path / "var" / "minsheng.sqlite3").exists()
