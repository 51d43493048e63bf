# ruff: noqa: F811  (pytest fixtures imported from test_cli_bad_input)
"""Progress of the long commands: in place on a terminal, a line per update in a file or a
pipe (「留言 100/3000\\r留言 200/3000\\r…」 was one line of a log)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import OutputWrapper

from minsheng.insight import hotspots, hotspots_service, similar
from minsheng.progress import ERASE, Progress

from .test_cli_bad_input import args_for, count_every, good, make_rows, model, write  # noqa: F401 (fixtures)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_updates_are_lines_in_a_file_and_replace_each_other_on_a_terminal():
    log = io.StringIO()
    with Progress(OutputWrapper(log)) as progress:
        for done in (100, 200, 300):
            progress(f"留言 {done}/300")
    assert log.getvalue() == "留言 100/300\n留言 200/300\n留言 300/300\n"

    screen = Terminal()
    with Progress(OutputWrapper(screen)) as progress:
        for done in (100, 200, 300):
            progress(f"留言 {done}/300")
    assert screen.getvalue() == f"\r留言 100/300{ERASE}\r留言 200/300{ERASE}\r留言 300/300{ERASE}\n"

    screen = Terminal()
    with Progress(OutputWrapper(screen), keep=False) as progress:  # the step's summary takes its place
        progress("热点: 1000/2813 条留言")
    assert screen.getvalue() == f"\r热点: 1000/2813 条留言{ERASE}\r{ERASE}"


def test_a_file_gets_a_line_per_tenth_of_the_way():
    log = io.StringIO()
    with Progress(OutputWrapper(log)) as progress:
        for done in range(100, 2001, 100):
            progress(f"留言 {done}/2000", done, 2000)
    assert log.getvalue().splitlines() == ["留言 100/2000", *(f"留言 {n}/2000" for n in range(200, 2001, 200))]


def test_an_error_is_read_on_a_line_of_its_own():
    screen = Terminal()
    with pytest.raises(ValueError), Progress(OutputWrapper(screen), keep=False) as progress:
        progress("  2/6 条留言已聚类")
        raise ValueError
    assert screen.getvalue().endswith("\n")


@pytest.mark.django_db
def test_demo_progress_in_a_file_is_a_line_per_update(monkeypatch):
    from minsheng.board import demo

    # batches of 10, not 100: the lines of 250 messages from 40 (a whole demo of 250 took a minute a pass)
    generate = demo.generate
    monkeypatch.setattr(demo, "generate", lambda *args, **kwargs: generate(*args, **kwargs, batch=10))
    out = io.StringIO()
    call_command("demo", "--messages", "40", "--seed", "1", "--no-train", stdout=out)
    output = out.getvalue()
    assert "\r" not in output
    assert len(re.findall(r"^留言 \d+/\d+$", output, re.M)) >= 3
    assert re.search(r"^留言 \d+/\d+\n已生成 ", output, re.M)  # no blank line where the count ended


@pytest.mark.parametrize("command", ["classify", "find_duplicates", "detect_hotspots", "score_replies"])
def test_the_csv_commands_show_progress_the_same_way(command, tmp_path, good, model, monkeypatch):
    count_every(monkeypatch, 5)  # classify, score-replies
    monkeypatch.setattr(hotspots, "PROGRESS_EVERY", 5)  # detect-hotspots
    monkeypatch.setattr("minsheng.insight.management.commands.find_duplicates.PROGRESS_FROM", 1)
    monkeypatch.setattr(similar.TextIndex, "pairs", _pairs_in_chunks_of(5))
    args = args_for(command, good, str(tmp_path / "o.csv"), model)
    log = io.StringIO()
    call_command(*args, stdout=io.StringIO(), stderr=log)
    lines = log.getvalue().splitlines()
    assert len(lines) >= 3 and all(re.fullmatch(r"  \d+/\d+ \S+", line) for line in lines)
    screen = Terminal()
    call_command(*args, stdout=io.StringIO(), stderr=screen)
    shown = screen.getvalue()
    assert shown.count("\r") == len(lines) and "\n" not in shown[:-1] and shown.endswith("\n")


def test_score_replies_counts_every_thousand_replies_not_ten_thousand(tmp_path):
    """Scoring reads about 300 replies a second: classify's step (a count every 10,000 rows) left a file of
    9,000 replies half a minute in silence; score-replies counts every 1,000."""
    rows = (make_rows() * 30)[:1_001]
    rows = [[f"A{i}", *row[1:]] for i, row in enumerate(rows, start=1)]
    data = write(tmp_path / "replies.csv", rows)
    log = io.StringIO()
    call_command("score_replies", "--data", data, "--out", str(tmp_path / "o.csv"), stdout=io.StringIO(),
                 stderr=log)
    assert log.getvalue().splitlines() == ["  1000/1001 条答复已评分", "  1001/1001 条答复已评分"]


def _pairs_in_chunks_of(size):
    pairs = similar.TextIndex.pairs
    return lambda self, min_score, chunk=2000, progress=None, **rows: pairs(self, min_score, chunk=size,
                                                                             progress=progress, **rows)


@pytest.mark.django_db
def test_refresh_hotspots_shows_progress_the_same_way(directory, personas, monkeypatch):
    from minsheng.board import actions
    from minsheng.insight.models import Hotspot

    monkeypatch.setattr(hotspots_service, "PROGRESS_EVERY", 1)
    for title in ("幸福家园小区电梯坏了", "阳光花园小区门口路灯不亮", "定西路公交站台破损"):
        m = actions.do_submit(personas["citizen"], title=title, body=f"{title}, 请尽快处理。", kind="help",
                              region=directory["qilihe"])
        actions.do_accept(personas["dispatcher"], m)
    log = io.StringIO()
    call_command("refresh_hotspots", "--place-new", "--all", stdout=io.StringIO(), stderr=log)
    assert log.getvalue().splitlines() == ["  1/3 条留言已归入热点", "  2/3 条留言已归入热点", "  3/3 条留言已归入热点",
                                           *[f"  {n}/{Hotspot.objects.count()} 个热点"
                                             for n in range(1, Hotspot.objects.count() + 1)]]
    screen = Terminal()
    call_command("refresh_hotspots", "--all", stdout=io.StringIO(), stderr=screen)
    assert screen.getvalue() == "".join(f"\r  {n}/3 个热点{ERASE}" for n in (1, 2, 3)) + "\n"


@pytest.mark.django_db
def test_refresh_stats_shows_progress_the_same_way(directory, personas, monkeypatch):
    """refresh-stats drew its bar on a terminal only: run from cron into a log, a rebuild of
    minutes said nothing until it ended."""
    from django.db import connection

    from minsheng.board import actions
    from minsheng.stats import facts
    from minsheng.stats.management.commands import refresh_stats

    # a chunk per message (the command's floor is 100) so that each chunk is an update
    monkeypatch.setattr(refresh_stats, "rebuild", lambda chunk, progress: facts.rebuild(chunk=1, progress=progress))
    for title in ("幸福家园小区电梯坏了", "阳光花园小区门口路灯不亮", "定西路公交站台破损"):
        actions.do_submit(personas["citizen"], title=title, body=f"{title}, 请尽快处理。", kind="help",
                          region=directory["qilihe"])
    # PostgreSQL rebuilds in a few set-based statements: one update, at the end
    counts = (3,) if connection.vendor == "postgresql" else (1, 2, 3)
    log, out = io.StringIO(), io.StringIO()
    call_command("refresh_stats", "--commit", stdout=out, stderr=log)
    assert log.getvalue().splitlines() == [f"  {n}/3 条留言" for n in counts]
    assert "\r" not in log.getvalue() and "已重算 3 条留言的统计" in out.getvalue()
    screen = Terminal()
    call_command("refresh_stats", "--commit", stdout=io.StringIO(), stderr=screen)
    assert screen.getvalue() == "".join(f"\r  {n}/3 条留言{ERASE}" for n in counts) + "\n"


@pytest.mark.django_db
def test_the_cron_commands_report_in_chinese(directory, personas):
    """run-periodic, refresh-stats and refresh-hotspots, which cron runs into the log an
    administrator reads, summed up in English ("closed 0 case(s) ..."); every other
    command speaks Chinese."""
    from minsheng.board import actions

    actions.do_submit(personas["citizen"], title="幸福家园小区电梯坏了", body="幸福家园小区电梯坏了, 请尽快处理。",
                      kind="help", region=directory["qilihe"])
    runs = [("run_periodic",), ("refresh_stats",), ("refresh_stats", "--commit"), ("refresh_hotspots", "--place-new")]
    for args in runs:
        out, err = io.StringIO(), io.StringIO()
        call_command(*args, stdout=out, stderr=err)
        words = re.findall(r"[A-Za-z]{2,}", (out.getvalue() + err.getvalue()).replace("--commit", ""))
        assert not words, (args, out.getvalue(), err.getvalue())
    out = io.StringIO()
    call_command("run_periodic", stdout=out)
    assert out.getvalue() == "已结案 0 件 (逾期未评价或未申请重办); 已发送 0 条明日到期提醒\n"


@pytest.mark.django_db
def test_a_log_of_both_streams_reads_in_the_order_they_were_written(directory, personas, monkeypatch):
    """Run from cron into one log (`>> log 2>&1`), standard output waits in a block buffer:
    refresh-stats' count 「1/1」 (stderr) came before its own 「正在重算 …」 (stdout), right under
    the error of the train-classifier --from-db run before it, as if that failed command
    had gone on counting."""
    import sys

    from minsheng.board import actions

    log: list[str] = []

    class Pipe(io.StringIO):  # standard output into a file: held until flushed
        def flush(self):
            log.append(self.getvalue())
            self.seek(0)
            self.truncate()

    class Stderr(io.StringIO):  # standard error: written at once
        def write(self, text):
            log.append(text)
            return len(text)

    actions.do_submit(personas["citizen"], title="幸福家园小区电梯坏了", body="幸福家园小区电梯坏了, 请尽快处理。",
                      kind="help", region=directory["qilihe"])
    stdout = Pipe()
    monkeypatch.setattr(sys, "stdout", stdout)
    call_command("refresh_stats", "--commit", stdout=stdout, stderr=Stderr())
    stdout.flush()
    lines = "".join(log).splitlines()
    assert lines[:2] == ["正在重算 1 条留言的统计...", "  1/1 条留言"]


@pytest.mark.parametrize("command, counted", [
    ("classify", ["条留言已分类"]), ("evaluate_classifier", ["条留言已评估"]),
    ("detect_hotspots", ["条留言已读入", "条留言已聚类"]), ("find_duplicates", ["条留言已读入", "条留言已比较"])])
def test_a_file_of_a_few_thousand_messages_shows_its_progress(command, counted, tmp_path, model):
    """The real reference files (4,326 hotspot messages, 9,212 typed messages) ran in silence: the commands
    counted only past 10,000 rows, and detect-hotspots and find-duplicates not their longest step, the reading
    of every message (at 24,000 messages find-duplicates said nothing for 44 s, then counted to the end in one
    second). They count every 1,000 messages, each step on its own, each tenth of the way in a log."""
    rows = [[f"A{i}", *row[1:]] for i, row in enumerate(make_rows(850), start=1)]
    n = len(rows)
    data = write(tmp_path / "many.csv", rows)
    log = io.StringIO()
    call_command(*args_for(command, data, str(tmp_path / "o.csv"), model), stdout=io.StringIO(), stderr=log)
    lines = log.getvalue().splitlines()
    assert all(re.fullmatch(rf"  \d+/{n} \S+", line) for line in lines), lines
    for what in counted:
        mine = [int(line.split("/")[0]) for line in lines if line.endswith(what)]
        assert mine[0] < n and mine[-1] == n, (what, lines)  # a count on the way, and the end
    steps = [line.split()[-1] for line in lines]
    assert steps == sorted(steps, key=counted.index)  # the reading counted first, then the step that follows
