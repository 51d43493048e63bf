"""Bad input to the insight commands (train-classifier, evaluate-classifier, classify,
find-duplicates, detect-hotspots, score-replies): a one-line error, a non-zero exit, and
no output file left behind; good input still works."""

from __future__ import annotations

import csv
import json
import os
import random
import re
import stat
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from minsheng.insight import classify, csvio

VOCAB = {
    "城乡建设": ["小区", "电梯", "物业", "房屋", "拆迁", "安置房", "违建", "公积金"],
    "环境保护": ["噪音", "污染", "排放", "臭味", "污水", "扬尘", "废气", "黑臭"],
    "交通运输": ["公交", "红绿灯", "出租车", "拥堵", "斑马线", "停车", "地铁", "客运站"],
}
FILLER = ["请问", "希望", "领导", "尽快", "解决", "我们", "附近", "居民", "反映", "问题"]
HEADER = ["留言编号", "留言用户", "留言主题", "留言时间", "留言详情", "一级标签", "点赞数", "答复意见", "答复时间"]


def make_rows(n_per_label: int = 12) -> list[list[str]]:
    rng = random.Random(3)
    rows = []
    for label, words in VOCAB.items():
        for _ in range(n_per_label):
            i = len(rows) + 1
            said = "".join(rng.sample(words, 3) + rng.sample(FILLER, 3)) + "。"
            rows.append([f"A{i}", f"U{i % 5}", said[:12], f"2019/3/{1 + i % 27} 10:00:00", said * 2, label,
                         str(i % 4), f"网友您好! 经查, {said}我局已安排于下周处理, 咨询电话 0931-8451234。",
                         f"2019/4/{1 + i % 27} 10:00:00"])
    return rows


def write(path: Path, rows, header=HEADER, encoding="utf-8") -> str:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return str(path)


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    return write(tmp_path_factory.mktemp("good") / "good.csv", make_rows())


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    rows = make_rows()
    directory = tmp_path_factory.mktemp("model") / "m"
    classify.train([r[2] for r in rows], [r[4] for r in rows], [r[5] for r in rows]).save(directory)
    return directory


def args_for(command: str, data: str, out: str, model: Path) -> list[str]:
    if command in ("classify", "evaluate_classifier"):
        extra = ["--out", out] if command == "classify" else ["--label-column", "一级标签"]
        return [command, "--model", str(model), "--data", data, *extra]
    if command == "train_classifier":
        return [command, "--data", data, "--label-column", "一级标签", "--out", out]
    return [command, "--data", data, "--out", out]


COMMANDS = ["train_classifier", "evaluate_classifier", "classify", "find_duplicates", "detect_hotspots",
            "score_replies"]


def fails(*args, match: str) -> str:
    with pytest.raises(CommandError, match=match) as info:
        call_command(*args)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_good_input_works_with_a_bom(tmp_path, model):
    data = write(tmp_path / "bom.csv", make_rows(), encoding="utf-8-sig")
    for command in COMMANDS:
        out = tmp_path / f"{command}.out"
        call_command(*args_for(command, data, str(out), model))
        assert command == "evaluate_classifier" or out.exists()
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.parametrize("name, content, message", [
    pytest.param("dup.csv", "留言编号,留言主题,留言时间,留言详情,留言详情,一级标签,答复意见\n"
                 "1,小区电梯,2019/3/1,电梯坏了,物业不管,城乡建设,已安排维修\n", "重复的列名 留言详情", id="duplicated"),
])
@pytest.mark.parametrize("command", COMMANDS)
def test_bad_header(tmp_path, model, command, name, content, message):
    data = tmp_path / name
    data.write_text(content, encoding="utf-8")
    fails(*args_for(command, str(data), str(tmp_path / "o.csv"), model), match=message)
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_huge_field_utf16_and_directory_as_data(tmp_path, model, command):
    rows = make_rows()
    rows[3][4] = "电梯坏了" * 500_000  # 2 MB, far above csv's default field size limit too
    out = str(tmp_path / "o.csv")
    fails(*args_for(command, write(tmp_path / "huge.csv", rows), out, model), match="过长")
    fails(*args_for(command, write(tmp_path / "u16.csv", make_rows(), encoding="utf-16"), out, model),
          match="UTF-16")
    fails(*args_for(command, str(tmp_path), out, model), match="是目录")
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("command", ["classify", "find_duplicates", "detect_hotspots", "score_replies"])
def test_bad_out_path_fails_before_writing(tmp_path, good, model, command):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    fails(*args_for(command, good, str(tmp_path / "file" / "o.csv"), model), match="无法创建输出目录.*不是目录")
    (tmp_path / "d").mkdir()
    fails(*args_for(command, good, str(tmp_path / "d"), model), match="是目录")
    fails(*args_for(command, good, "/proc/minsheng-x.csv", model), match="无法写入")


@pytest.mark.parametrize("command", ["classify", "find_duplicates", "detect_hotspots", "score_replies"])
def test_out_that_is_the_input_is_refused(tmp_path, model, command):
    """--out F.csv --data F.csv (or a link to it) would replace the input with the output."""
    data = tmp_path / "in.csv"
    write(data, make_rows())
    before = data.read_bytes()
    (tmp_path / "link.csv").symlink_to(data)
    for out in (str(data), str(tmp_path / "." / "in.csv"), str(tmp_path / "link.csv")):
        fails(*args_for(command, str(data), out, model), match="是同一个文件")
    assert data.read_bytes() == before


def test_detect_hotspots_report_that_is_out_is_refused(tmp_path, good):
    """--report c.csv --out c.csv: the report would silently replace the clusters."""
    out = tmp_path / "c.csv"
    fails("detect_hotspots", "--data", good, "--out", str(out), "--report", str(out), match="是同一个文件")
    fails("detect_hotspots", "--data", good, "--out", str(out), "--report", good, match="是同一个文件")
    assert not out.exists()


def test_detect_hotspots_bad_report_path_writes_nothing(tmp_path, good):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    fails("detect_hotspots", "--data", good, "--out", str(tmp_path / "c.csv"),
          "--report", str(tmp_path / "file" / "h.csv"), match="不是目录")
    assert not (tmp_path / "c.csv").exists()



def test_detect_hotspots_report_that_cannot_be_written_leaves_out_as_it_was(tmp_path, good):
    """Both files or neither: a report the disk refused (here /dev/full) left a new --out behind."""
    if not os.path.exists("/dev/full") or not stat.S_ISCHR(os.stat("/dev/full").st_mode):
        pytest.skip("no /dev/full")
    out = tmp_path / "c.csv"
    out.write_text("old", encoding="utf-8")
    fails("detect_hotspots", "--data", good, "--out", str(out), "--report", "/dev/full", match="无法写入 /dev/full")
    assert out.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["c.csv"]

def test_detect_hotspots_out_that_cannot_be_written_is_named(tmp_path, good):
    """--out /dev/full with a --report: the error named the report (its file was being made when
    --out's write failed), and the user looked for a fault in the wrong file."""
    if not os.path.exists("/dev/full") or not stat.S_ISCHR(os.stat("/dev/full").st_mode):
        pytest.skip("no /dev/full")
    said = fails("detect_hotspots", "--data", good, "--out", "/dev/full", "--report", str(tmp_path / "r.csv"),
                 match="无法写入 /dev/full")
    assert "r.csv" not in said
    assert list(tmp_path.iterdir()) == []


def test_detect_hotspots_both_outputs_into_one_device(good, capsys):
    """--out /dev/null --report /dev/null (the rows thrown away, the summary kept): refused as
    "the same file, writing would overwrite it", though a device is written in place."""
    if not os.path.exists("/dev/null") or not stat.S_ISCHR(os.stat("/dev/null").st_mode):
        pytest.skip("no /dev/null")
    call_command("detect_hotspots", "--data", good, "--out", "/dev/null", "--report", "/dev/null")
    assert "个簇" in capsys.readouterr().out
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


@pytest.mark.parametrize("command", ["classify", "evaluate_classifier"])
def test_model_that_is_a_file_or_holds_a_folder(tmp_path, good, model, command):
    """--model F.csv said the directory did not exist; a model.json that is a folder was an
    IsADirectoryError traceback."""
    fails(*args_for(command, good, str(tmp_path / "o.csv"), Path(good)), match="是文件, 不是模型目录")
    (tmp_path / "m" / "model.json").mkdir(parents=True)
    fails(*args_for(command, good, str(tmp_path / "o.csv"), tmp_path / "m"), match="无法读取 .*model.json")
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("damage", [b"", b"PK\x03\x04garbage", "truncate", "flip"],
                         ids=["empty", "not-zip", "truncated", "bad-deflate"])
@pytest.mark.parametrize("command", ["classify", "evaluate_classifier"])
def test_corrupt_weights_are_a_model_error(tmp_path, good, model, command, damage):
    broken = tmp_path / "m"
    broken.mkdir()
    (broken / "model.json").write_bytes((model / "model.json").read_bytes())
    weights = (model / "weights.npz").read_bytes()
    if damage == "truncate":
        damage = weights[: len(weights) // 2]
    elif damage == "flip":
        damage = weights[:2000] + bytes(range(100)) + weights[2100:]
    (broken / "weights.npz").write_bytes(damage)
    fails(*args_for(command, good, str(tmp_path / "o.csv"), broken), match="模型文件已损坏")
    assert not (tmp_path / "o.csv").exists()


def _edit_model(model: Path, to: Path, meta=None, **arrays) -> Path:
    """A copy of ``model`` with model.json's keys and weights.npz's arrays replaced."""
    import json

    import numpy as np

    to.mkdir()
    data = json.loads((model / "model.json").read_text(encoding="utf-8"))
    (to / "model.json").write_text(json.dumps({**data, **(meta or {})}, ensure_ascii=False), encoding="utf-8")
    with np.load(model / "weights.npz") as weights:
        kept = {k: weights[k] for k in weights.files}
    np.savez(to / "weights.npz", **{**kept, **{k: v(kept[k]) for k, v in arrays.items()}})
    return to


@pytest.mark.parametrize("meta, arrays", [
    ({}, {"coef": lambda c: c[0]}),  # one row of weights: 1-D
    ({}, {"coef": lambda c: np.float64(1.0)}),
    ({}, {"intercept": lambda i: i[:1]}),
    ({"labels": [1, 2, 3]}, {}),
    ({"labels": ["城乡建设", "城乡建设", "交通运输"]}, {}),
    ({"temperature": 0}, {}),
    ({"temperature": -1.5}, {}),
    ({}, {"coef": lambda c: np.full_like(c, np.nan)}),
    ({}, {"intercept": lambda i: np.full_like(i, np.nan)}),
    ({"temperature": True}, {}),
], ids=["coef-1d", "coef-scalar", "short-intercept", "int-labels", "twice-a-label", "temperature-0",
        "temperature-negative", "nan-weights", "nan-intercept", "temperature-true"])
@pytest.mark.parametrize("command", ["classify", "evaluate_classifier"])
def test_a_hand_edited_model_is_a_model_error(tmp_path, good, model, command, meta, arrays):
    """Weights of the wrong shape were an IndexError or a numpy broadcast traceback, integer labels
    a TypeError, and a zero temperature or NaN weights were read as a model (every confidence NaN)."""
    broken = _edit_model(model, tmp_path / "m", meta, **arrays)
    fails(*args_for(command, good, str(tmp_path / "o.csv"), broken), match="模型文件(已损坏|不一致)")
    assert not (tmp_path / "o.csv").exists()



@pytest.mark.parametrize("command", ["classify", "evaluate_classifier"])
def test_a_model_json_nested_too_deep_is_damaged(tmp_path, good, model, command):
    """Arrays nested 100,000 deep in model.json were a RecursionError traceback of 34 lines."""
    broken = tmp_path / "m"
    broken.mkdir()
    (broken / "weights.npz").write_bytes((model / "weights.npz").read_bytes())
    (broken / "model.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    fails(*args_for(command, good, str(tmp_path / "o.csv"), broken), match="model.json 已损坏")
    assert not (tmp_path / "o.csv").exists()


def test_retraining_that_cannot_write_model_json_keeps_the_old_model(tmp_path, good, model):
    """Both files or neither: weights.npz was renamed into place before model.json was written,
    so a model.json that could not be written (here a folder in the way, as a full disk would)
    left the new weights beside the old model.json."""
    target = tmp_path / "m"
    target.mkdir()
    for name in ("weights.npz", "model.json"):
        (target / name).write_bytes((model / name).read_bytes())
    before = {name: (target / name).read_bytes() for name in ("weights.npz", "model.json")}
    (target / ".model.json.tmp").mkdir()
    with pytest.raises(CommandError, match="无法写入模型目录"):
        call_command("train_classifier", "--data", good, "--label-column", "一级标签", "--out", str(target), "--c", "0.5")
    assert {name: (target / name).read_bytes() for name in before} == before
    assert not (target / ".weights.npz.tmp").exists()

def test_infinite_likes_and_empty_replies(tmp_path):
    rows = make_rows()
    rows[5][6] = "1e400"
    fails("detect_hotspots", "--data", write(tmp_path / "inf.csv", rows), "--out", str(tmp_path / "c.csv"),
          match="点赞数 不是数字")
    rows = [r[:7] + ["", r[8]] for r in make_rows()]
    fails("score_replies", "--data", write(tmp_path / "empty.csv", rows), "--out", str(tmp_path / "s.csv"),
          match="第 1 条记录 \\(第 2 行\\)的答复意见为空")
    assert not list(tmp_path.glob("[cs].csv"))


@pytest.mark.parametrize("column", ["点赞数", "反对数"])
@pytest.mark.parametrize("value, match", [
    ("1.9", "应为整数: '1.9'"), ("-0.5", "不能为负数"), ("-3", "不能为负数"), ("abc", "不是数字: 'abc'"),
    ("nan", "不是数字"),
])
def test_detect_hotspots_counts_are_whole_numbers(tmp_path, column, value, match):
    """1.9 likes were read as 1 (and -0.5 as 0, a 反对数 of abc not at all): a count that is
    no whole number is a one-line error naming the record, its line and the column."""
    rows = [r[:6] + ["0"] + r[6:] for r in make_rows()]
    header = HEADER[:6] + ["反对数"] + HEADER[6:]
    rows[2][header.index(column)] = value
    fails("detect_hotspots", "--data", write(tmp_path / "n.csv", rows, header), "--out", str(tmp_path / "c.csv"),
          match=f"第 3 条记录 \\(第 4 行\\)的 {column} {re.escape(match)}")
    assert not (tmp_path / "c.csv").exists()


def test_detect_hotspots_reads_a_spreadsheets_whole_numbers(tmp_path):
    """2.0 and 2 are the same count (a spreadsheet may write either)."""
    report = {}
    for likes in ("2", "2.0", " 2 "):
        rows = [r[:6] + [likes] + r[7:] for r in make_rows()]
        call_command("detect_hotspots", "--data", write(tmp_path / "w.csv", rows), "--out", str(tmp_path / "c.csv"),
                     "--report", str(tmp_path / "r.csv"), stdout=StringIO())
        report[likes] = (tmp_path / "r.csv").read_text(encoding="utf-8")
        hot = list(csv.DictReader(StringIO(report[likes])))
        assert hot and all(int(h["点赞数"]) == 2 * int(h["留言数"]) for h in hot)
    assert report["2"] == report["2.0"] == report[" 2 "]


@pytest.mark.parametrize("command", ["detect_hotspots", "score_replies"])
def test_dates_written_the_chinese_way_are_read(tmp_path, command):
    """2019年3月1日 10:00:00 (a Chinese spreadsheet's date) was 「不是有效的时间」; it is the
    same time as 2019/3/1 10:00:00."""
    out = {}
    for name, pattern in (("slash", "{y}/{m}/{d} 10:00:00"), ("han", "{y}年{m}月{d}日 10:00:00")):
        rows = make_rows()
        for r in rows:
            for col in (3, 8):
                y, m, d = r[col].split()[0].split("/")
                r[col] = pattern.format(y=y, m=m, d=d)
        call_command(command, "--data", write(tmp_path / f"{name}.csv", rows), "--out", str(tmp_path / f"{name}.out"),
                     stdout=StringIO())
        out[name] = (tmp_path / f"{name}.out").read_text(encoding="utf-8")
    assert out["han"] == out["slash"]
    fails(command, "--data", write(tmp_path / "bad.csv", [r[:3] + ["2019年13月1日"] + r[4:] for r in make_rows()]),
          "--out", str(tmp_path / "bad.out"), match="不是有效的时间: '2019年13月1日'")


def _excel_serial(y: str, m: str, d: str) -> str:
    import datetime as dt

    days = (dt.date(int(y), int(m), int(d)) - dt.date(1899, 12, 30)).days
    return f"{days + 14 / 24:.6f}"  # 14:00:00, as a spreadsheet keeps it


@pytest.mark.parametrize("command", ["detect_hotspots", "score_replies"])
@pytest.mark.parametrize("name, pattern", [
    ("dotted", "{y}.{m}.{d} 14:00:00"),
    ("serial", None),
    ("afternoon", "{y}/{m}/{d} 下午 2:00:00"),
    ("pm", "{y}/{m}/{d} 2:00 PM"),
])
def test_dates_a_spreadsheet_writes_are_read(tmp_path, command, name, pattern):
    """2019.3.1 14:00:00, 2019/3/1 下午 2:00:00, 2019/3/1 2:00 PM and a cell that lost its
    date format (43525.583333, the serial day number) were 「不是有效的时间」, failing the
    whole file; each is the same time as 2019/3/1 14:00:00."""
    out = {}
    for kind in ("slash", name):
        rows = make_rows()
        for r in rows:
            for col in (3, 8):
                y, m, d = r[col].split()[0].split("/")
                if kind == "slash":
                    r[col] = f"{y}/{m}/{d} 14:00:00"
                else:
                    r[col] = pattern.format(y=y, m=m, d=d) if pattern else _excel_serial(y, m, d)
        call_command(command, "--data", write(tmp_path / f"{kind}.csv", rows), "--out", str(tmp_path / f"{kind}.out"),
                     stdout=StringIO())
        out[kind] = (tmp_path / f"{kind}.out").read_text(encoding="utf-8")
    assert out[name] == out["slash"]


@pytest.mark.parametrize("value", ["3/1/2019 14:00", "2019/3/1 14:00 PM", "2019.13.1", "00000", "01234.5",
                                   "2019/2/30 11:25:05", "2019/3/1 24:00:00", "2019/3/1 14:60:00", "2019/3/1 14:00:61"])
def test_a_date_that_cannot_be_told_is_one_line_naming_the_expected_form(tmp_path, value):
    """A year-last date (3/1/2019: March or January?) is refused, not guessed, and the error
    shows the form that is read. So is a number with a leading zero (00000): no spreadsheet's
    serial day (it was read as 1899-12-30). And a day, an hour, a minute or a second that does not
    exist in the reference files' own form (2019/2/30, 24:00, 14:60, :61), read without strptime since
    2026-12-04."""
    rows = [r[:3] + [value] + r[4:] for r in make_rows()]
    fails("detect_hotspots", "--data", write(tmp_path / "d.csv", rows), "--out", str(tmp_path / "c.csv"),
          match=f"不是有效的时间: '{re.escape(value)}' \\(应为 2019/1/8 14:39:05")


def test_detect_hotspots_window_and_dates_at_the_edges(tmp_path, good):
    """A huge --window-days, or a message dated in year 1 (a typo: 0001/03/01), is an
    error or a result, never an OverflowError."""
    out = tmp_path / "c.csv"
    for days in ("999999999", "99999999999999999999"):
        fails("detect_hotspots", "--data", good, "--out", str(out), "--window-days", days,
              match="--window-days 应为 1 至 36500 之间的整数")
    rows = make_rows()
    rows[4][3] = "0001/03/01 10:00:00"
    call_command("detect_hotspots", "--data", write(tmp_path / "y1.csv", rows), "--out", str(out),
                 "--window-days", "36500", stdout=StringIO())
    assert len(out.read_text(encoding="utf-8").splitlines()) == len(rows) + 1


def test_write_rows_leaves_no_half_written_file(tmp_path):
    out = tmp_path / "o.csv"
    out.write_text("old", encoding="utf-8")

    def rows():
        yield ["1", "a"]
        raise csvio.CSVError("第 2 条出错")

    with pytest.raises(csvio.CSVError):
        csvio.write_rows(out, ["id", "x"], rows())
    assert out.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["o.csv"]
    assert csvio.write_rows(out, ["id", "x"], [["1", "a"]]) == 1
    assert out.read_text(encoding="utf-8").splitlines() == ["id,x", "1,a"]


def test_an_output_that_is_a_symbolic_link_stays_one(tmp_path):
    """--out results.csv → /shared/results.csv: the link's target gets the rows."""
    (tmp_path / "shared").mkdir()
    target = tmp_path / "shared" / "results.csv"
    link = tmp_path / "results.csv"
    link.symlink_to(target)
    csvio.write_rows(link, ["id", "x"], [["1", "a"]])
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8").splitlines() == ["id,x", "1,a"]


@pytest.mark.parametrize("command", ["classify", "find_duplicates", "detect_hotspots", "score_replies"])
def test_an_output_that_is_a_named_pipe_stays_one_and_gets_the_rows(tmp_path, good, model, command):
    """--out a named pipe (or /dev/null, /dev/full): the rows go into it. The rows were written
    beside it and renamed onto it, so the pipe became a plain file; run as root, --out /dev/full
    turned the device into a CSV file and the command reported success."""
    pipe = tmp_path / "rows"
    os.mkfifo(pipe)
    reader = os.open(pipe, os.O_RDONLY | os.O_NONBLOCK)  # a reader is there: the writer's open does not wait
    try:
        call_command(*args_for(command, good, str(pipe), model))
        assert stat.S_ISFIFO(os.stat(pipe).st_mode)
        got = b""
        while chunk := os.read(reader, 1 << 16):
            got += chunk
    finally:
        os.close(reader)
    assert got.decode("utf-8").startswith(CSV_OUTPUTS[command] + ",")
    assert [p.name for p in tmp_path.iterdir()] == ["rows"]


def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "minsheng", *args], capture_output=True, text=True, timeout=120)


@pytest.fixture
def minsheng_main(monkeypatch, capsys):
    """minsheng_main(*args): ``minsheng ARGS`` run in this process, through the function the console script calls
    (``cli.main``), its exit status and what it wrote: a process of its own imports Django again, over a second
    (CI time, docs/decisions.md, 2026-12-07). run_cli's real processes stay for what only a process shows (the exit
    status the shell reads, standard input, a database file of its own). The parsers' renaming (``_dashed_usage``)
    is done once for each run, as in a process, and undone after the test; Django is set up already (by the test
    run), and not again: that would hand its log handlers this test's captured streams, closed after it."""
    import django
    from django.core.management import ManagementUtility
    from django.core.management.base import BaseCommand

    from minsheng import cli

    create_parser, fetch_command = BaseCommand.create_parser, ManagementUtility.fetch_command
    monkeypatch.setattr(BaseCommand, "create_parser", create_parser)
    monkeypatch.setattr(ManagementUtility, "fetch_command", fetch_command)
    monkeypatch.setattr(django, "setup", lambda *args, **kwargs: None)
    monkeypatch.setenv("COLUMNS", "80")  # the help's width, as in a process whose output is not a terminal

    def run(*args: str) -> subprocess.CompletedProcess:
        BaseCommand.create_parser, ManagementUtility.fetch_command = create_parser, fetch_command
        capsys.readouterr()
        try:
            cli.main(["minsheng", *args])
            code = 0
        except SystemExit as exc:
            code = 0 if exc.code is None else exc.code if isinstance(exc.code, int) else 1
        said = capsys.readouterr()
        return subprocess.CompletedProcess(["minsheng", *args], code, said.out, said.err)

    return run


def test_cli_usage_and_write_errors_are_one_line(tmp_path, good, minsheng_main):
    proc = run_cli("detect-hotspots", "--data", good, "--out", str(tmp_path / "c.csv"), "--top", "abc")
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0 and "--top" in proc.stderr
    assert proc.stderr.startswith("minsheng detect-hotspots: error:")  # the name as typed, not detect_hotspots
    assert "'abc' 不是整数" in proc.stderr  # in Chinese, as the other errors (was "invalid int value: 'abc'")
    assert minsheng_main("train-classifier", "--help").stdout.startswith("usage: minsheng train-classifier ")
    proc = minsheng_main("find-duplicates", "--data", good, "--out", str(tmp_path))
    assert proc.returncode == 1
    assert proc.stderr.strip().count("\n") == 0 and "是目录" in proc.stderr and "Traceback" not in proc.stderr



@pytest.mark.parametrize("args, said", [
    (["classify", "--data", "x.csv"], "缺少必需的参数 --model, --out"),
    (["find-duplicates", "--data", "x.csv", "--out", "y.csv", "--bogus"], "不认识的参数 --bogus"),
    (["train-classifier", "--data", "x.csv", "--out", "m", "--c", "abc"], "参数 --c 的值 'abc' 不是数字"),
    (["export-stats", "table", "--format", "pdf"], "参数 --format 的值 'pdf' 不在可选范围内 (可选: 'csv', 'xlsx')"),
    (["detect-hotspots", "--data", "x.csv", "--out"], "参数 --out 后面缺少值"),
    # below the floor of 100 the rebuild went on with 100 unsaid
    (["refresh-stats", "--commit", "--chunk", "0"], "参数 --chunk 的值 '0' 不能小于 100"),
    (["refresh-stats", "--commit", "--chunk", "-1"], "参数 --chunk 的值 '-1' 不能小于 100"),
    (["refresh-stats", "--chunk", "many"], "参数 --chunk 的值 'many' 不是整数"),
])
def test_option_mistakes_are_one_chinese_line(args, said, minsheng_main):
    """Every other error of the commands is Chinese; argparse's were English
    ("the following arguments are required: --model, --out")."""
    proc = minsheng_main(*args)
    assert proc.returncode == 2
    assert proc.stderr == f"minsheng {args[0]}: error: {said}\n"

# --- outputs are plain UTF-8: the columns are named exactly -----------------------------

CSV_OUTPUTS = {"classify": "留言编号", "find_duplicates": "留言编号_a", "detect_hotspots": "留言编号",
               "score_replies": "留言编号"}


@pytest.mark.parametrize("command", CSV_OUTPUTS)
def test_output_csv_has_no_bom(tmp_path, good, model, command):
    out = tmp_path / "o.csv"
    args = args_for(command, good, str(out), model)
    if command == "detect_hotspots":
        args += ["--report", str(tmp_path / "report.csv")]
    call_command(*args)
    written = [out] + ([tmp_path / "report.csv"] if command == "detect_hotspots" else [])
    for path in written:
        assert not path.read_bytes().startswith(b"\xef\xbb\xbf")
        # lines end in \n as the reference files' do: `head -1 o.csv` is the header, no \r after it
        assert b"\r" not in path.read_bytes()
    with out.open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        rows = list(reader)
    assert reader.fieldnames[0] == CSV_OUTPUTS[command]
    if command != "find_duplicates":
        assert [r["留言编号"] for r in rows] == [r[0] for r in make_rows()]


# --- every row is checked, and named, the same way by every command --------------------

def with_row(change) -> list[list[str]]:
    """make_rows() whose first body spans two lines (so record N starts on line N + 2 from
    the second on), with ``change`` applied to the third row."""
    rows = make_rows()
    rows[0][4] = rows[0][4] + "\n" + rows[0][4]
    change(rows[2])
    return rows


def blank_message(row):
    row[2], row[4] = "", " \t"


@pytest.mark.parametrize("command", COMMANDS)
def test_empty_message_is_refused_naming_the_row(tmp_path, model, command):
    data = write(tmp_path / "empty.csv", with_row(blank_message))
    out = tmp_path / "o.csv"
    fails(*args_for(command, data, str(out), model), match=r"empty.csv: 第 3 条记录 \(第 5 行\)的标题和正文为空")
    assert not out.exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_a_blank_line_between_rows_is_refused_and_blank_lines_at_the_end_are_not_rows(tmp_path, model, command):
    """classify skipped a blank line (「,」) between rows and numbered the rows after it one less:
    the 3rd message came out as row 2. A blank line between rows is now named; blank lines that
    end the file (a spreadsheet's trailing empty rows) are still no rows."""
    header, rows = HEADER, make_rows()
    if command == "classify":  # no 留言编号: classify numbers the rows
        header, rows = HEADER[1:], [r[1:] for r in rows]
    blank = [""] * len(header)
    middle = write(tmp_path / "middle.csv", rows[:2] + [blank] + rows[2:], header)
    out = tmp_path / "o.csv"
    fails(*args_for(command, middle, str(out), model), match=r"middle.csv: 第 3 条记录 \(第 4 行\)为空行")
    assert not out.exists()
    end = write(tmp_path / "end.csv", rows + [blank] * 2, header)
    call_command(*args_for(command, end, str(out), model))
    if command == "classify":
        with out.open(encoding="utf-8", newline="") as fh:
            assert [r["row"] for r in csv.DictReader(fh)] == [str(n) for n in range(1, len(rows) + 1)]


def test_score_replies_refuses_an_empty_reply(tmp_path):
    data = write(tmp_path / "r.csv", with_row(lambda row: row.__setitem__(7, "  ")))
    fails("score_replies", "--data", data, "--out", str(tmp_path / "s.csv"), match=r"第 3 条记录 \(第 5 行\)的答复意见为空")
    assert not (tmp_path / "s.csv").exists()


def too_long(row):
    row[2], row[4] = "电梯" * 30_000, "物业" * 25_000  # each field under the limit, together over it


@pytest.mark.parametrize("command", COMMANDS)
def test_one_text_length_limit(tmp_path, model, command):
    out = tmp_path / "o.csv"
    data = write(tmp_path / "long.csv", with_row(too_long))
    fails(*args_for(command, data, str(out), model), match=r"第 3 条记录 \(第 5 行\)的标题和正文过长 \(110000 字, 上限 100000 字\)")
    assert not out.exists()
    rows = make_rows()
    rows[2][4] = "小区电梯坏了, 物业不管。" * 7_000  # 84,000 characters: long, but a message
    call_command(*args_for(command, write(tmp_path / "ok.csv", rows), str(out), model))
    assert command == "evaluate_classifier" or out.exists()


@pytest.mark.parametrize("command", ["classify", "find_duplicates", "detect_hotspots", "score_replies"])
def test_duplicate_or_empty_ids_are_refused(tmp_path, model, command):
    out = tmp_path / "o.csv"
    data = write(tmp_path / "dup.csv", with_row(lambda row: row.__setitem__(0, " A1 ")))
    fails(*args_for(command, data, str(out), model), match=r"第 3 条记录 \(第 5 行\)的 留言编号 A1 与第 1 条记录 \(第 2 行\)重复")
    data = write(tmp_path / "noid.csv", with_row(lambda row: row.__setitem__(0, "")))
    fails(*args_for(command, data, str(out), model), match=r"第 3 条记录 \(第 5 行\)的 留言编号 为空")
    assert not out.exists()


def test_bad_value_names_the_row_like_the_others(tmp_path):
    data = write(tmp_path / "d.csv", with_row(lambda row: row.__setitem__(3, "明天")))
    fails("detect_hotspots", "--data", data, "--out", str(tmp_path / "c.csv"),
          match=r"第 3 条记录 \(第 5 行\)的 留言时间 不是有效的时间")


# --- train-classifier checks --out before training -------------------------------------

def train_args(data, out):
    return ["train_classifier", "--data", data, "--label-column", "一级标签", "--out", out]


@pytest.mark.parametrize("bad, message", [
    ("", "--out 为空"),
    ("file", "已存在且不是目录"),
    ("file/m", "不是目录"),
    ("folder", "不是 minsheng 模型目录"),
    ("/proc/minsheng-model", "无法写入"),
])
def test_train_checks_out_before_training(tmp_path, good, bad, message):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "notes.csv").write_text("a,b\n", encoding="utf-8")
    out = bad if bad in ("", "/proc/minsheng-model") else str(tmp_path / bad)
    said = StringIO()
    with pytest.raises(CommandError, match=message) as info:
        call_command(*train_args(good, out), stdout=said)
    assert "\n" not in str(info.value)
    assert said.getvalue() == ""  # refused before reading or training anything
    assert sorted(p.name for p in (tmp_path / "folder").iterdir()) == ["notes.csv"]


@pytest.mark.parametrize("c", ["0", "-1", "nan", "inf"])
def test_train_refuses_a_c_that_is_not_a_positive_number(tmp_path, good, c):
    """nan and inf passed the c <= 0 check and failed later in scikit-learn, in English."""
    said = StringIO()
    with pytest.raises(CommandError, match="--c 必须是大于 0 的有限数"):
        call_command(*train_args(good, str(tmp_path / "m")), "--c", c, stdout=said)
    assert said.getvalue() == "" and not (tmp_path / "m").exists()


def test_train_writes_new_empty_and_existing_model_directories(tmp_path, good, model):
    import shutil

    again = tmp_path / "again"
    shutil.copytree(model, again)
    (tmp_path / "empty").mkdir()
    for out in (again, tmp_path / "empty", tmp_path / "new" / "topic"):
        call_command(*train_args(good, str(out)), stdout=StringIO())
        assert classify.TextClassifier.load(out).labels == sorted(VOCAB)


def test_a_reader_that_stops_early_is_not_an_error(tmp_path):
    """`minsheng … | head -1`: the pipe closes early; no traceback, the shell's 141."""
    big = subprocess.Popen([sys.executable, "-m", "minsheng", "shell", "-c",
                            "import sys\nfor i in range(100000): sys.stdout.write(f'line {i}\\n')"],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           env={**os.environ, "MINSHENG_VAR_DIR": str(tmp_path)})
    big.stdout.readline()
    big.stdout.close()  # the reader goes away
    assert big.wait(timeout=120) == 141
    assert b"Traceback" not in big.stderr.read()


@pytest.mark.django_db
def test_small_option_mistakes_are_named(tmp_path, good, model):
    fails("evaluate_classifier", "--model", str(model), "--data", good, "--label-column", " ",
          match="--label-column 不能为空")
    fails("train_classifier", "--from-db", "--out", str(tmp_path / "m"), match="还没有可用于训练的已派单留言")
    assert not (tmp_path / "m" / "model.json").exists()
    err = StringIO()
    with pytest.raises(CommandError, match="导入失败"):
        call_command("import_directory", good, stderr=err)
    assert "是文件, 请给出存放这些文件的目录" in err.getvalue()
    fails("export_directory", "--out", "", match="--out 不能为空")
    fails("create_api_key", "兰州\n12345", match="换行")


# --- long work shows how far it got --------------------------------------------------

@pytest.mark.parametrize("command, counted", [("detect_hotspots", "条留言已聚类"),
                                              ("find_duplicates", "条留言已比较")])
def test_long_commands_show_progress_on_stderr(tmp_path, good, monkeypatch, command, counted):
    """At 100,000 messages these run for minutes: they count on stderr (here from 6 messages on)."""
    from minsheng.insight import hotspots
    from minsheng.insight.management.commands import find_duplicates

    monkeypatch.setattr(hotspots, "PROGRESS_EVERY", 6, raising=False)
    monkeypatch.setattr(find_duplicates, "PROGRESS_FROM", 6, raising=False)
    out, err = StringIO(), StringIO()
    call_command(command, "--data", good, "--out", str(tmp_path / "o.csv"), stdout=out, stderr=err)
    n = len(make_rows())
    assert f"{n}/{n} {counted}" in err.getvalue()
    assert counted not in out.getvalue()  # the summary on stdout stays one line to read or parse


def count_every(monkeypatch, rows: int) -> None:
    """The CSV commands count every ``rows`` rows, score-replies too (its own step, 1,000, set aside): a small
    file shows their progress."""
    monkeypatch.setattr(csvio, "PROGRESS_EVERY", rows)
    counter = csvio.row_counter
    monkeypatch.setattr(csvio, "row_counter", lambda *args, every=0: counter(*args))


@pytest.mark.parametrize("command, counted", [("classify", "条留言已分类"), ("score_replies", "条答复已评分")])
def test_classifying_and_scoring_count_their_rows_on_stderr(tmp_path, good, model, monkeypatch, command, counted):
    """About a minute at 100,000 rows: a count every PROGRESS_EVERY rows (here 10), and
    the same output as in one go."""
    args = ["--data", good, *(["--model", str(model)] if command == "classify" else [])]
    call_command(command, *args, "--out", str(tmp_path / "whole.csv"), stdout=StringIO(), stderr=StringIO())
    count_every(monkeypatch, 10)
    err = StringIO()
    call_command(command, *args, "--out", str(tmp_path / "o.csv"), stdout=StringIO(), stderr=err)
    n = len(make_rows())
    assert f"  10/{n} {counted}" in err.getvalue() and f"  {n}/{n} {counted}" in err.getvalue()
    assert (tmp_path / "o.csv").read_text(encoding="utf-8") == (tmp_path / "whole.csv").read_text(encoding="utf-8")


def test_evaluating_counts_its_rows_on_stderr(good, model, monkeypatch):
    """evaluate-classifier read a large file in silence (about 50 s at 100,000 bodies); it
    counts every PROGRESS_EVERY rows (here 10) on stderr, its figures those of one go and
    its last line on stdout still the JSON."""
    from minsheng.insight import csvio as io_module

    args = ["evaluate_classifier", "--model", str(model), "--data", good, "--label-column", "一级标签"]
    whole = StringIO()
    call_command(*args, stdout=whole, stderr=StringIO())
    monkeypatch.setattr(io_module, "PROGRESS_EVERY", 10)
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    n = len(make_rows())
    assert f"  10/{n} 条留言已评估" in err.getvalue() and f"  {n}/{n} 条留言已评估" in err.getvalue()
    figures, once = (json.loads(o.getvalue().strip().splitlines()[-1]) for o in (out, whole))
    assert figures.pop("messages_per_second") > 0 and once.pop("messages_per_second") > 0
    assert figures == once


# --- the sweep of an outside checker (qa-cli): the console script as installed -----------

def fresh_env(var_dir: Path) -> dict:
    """The environment of `minsheng` straight after install: its own, empty var dir on
    SQLite (the test run's DATABASE_URL, PostgreSQL, is not passed on)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    return {**env, "MINSHENG_VAR_DIR": str(var_dir)}


@pytest.mark.parametrize("args", [["train-classifier", "--from-db", "--out", "MODEL"], ["refresh-hotspots"],
                                  ["export-directory", "--out", "MODEL"]])
def test_a_database_never_migrated_is_one_line(tmp_path, args):
    """`train-classifier --from-db` before `minsheng migrate` was a 50-line traceback ending in
    `no such table: board_message`. `export-directory --out DIR` said so too, but left DIR behind,
    empty (until 2026-12-07)."""
    args = [str(tmp_path / "m") if a == "MODEL" else a for a in args]
    proc = subprocess.run([sys.executable, "-m", "minsheng", *args], capture_output=True, text=True, timeout=120,
                          env=fresh_env(tmp_path / "var"))
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and proc.stderr.strip().count("\n") == 0
    assert "迁移未执行, 请先运行 minsheng migrate" in proc.stderr
    assert not (tmp_path / "m").exists()


def minsheng(*args: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "minsheng", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env=env)


@pytest.mark.long
def test_a_database_another_process_holds_locked_is_one_line(tmp_path):
    """Another process writing to the SQLite file for longer than the busy timeout (20 s,
    settings; 2 s here: MINSHENG_SQLITE_BUSY_SECONDS) made every writing command a traceback ending in
    `database is locked`. One line now, exit status 1, and nothing stored changed (the commands run side
    by side: one wait)."""
    import sqlite3

    env = {**fresh_env(tmp_path / "var"), "MINSHENG_SQLITE_BUSY_SECONDS": "2"}
    for args in (["migrate", "-v0"], ["load-directory"], ["export-directory", "--out", str(tmp_path / "dir")]):
        proc = minsheng(*args, env=env)
        assert proc.wait(timeout=180) == 0, proc.stderr.read()
    units = tmp_path / "dir" / "units.csv"
    units.write_text(units.read_text(encoding="utf-8-sig").replace(",省委办公厅,", ",省委办,"), encoding="utf-8")
    db = tmp_path / "var" / "minsheng.sqlite3"

    def stored() -> list[str]:
        with sqlite3.connect(db) as reader:
            return list(reader.iterdump())

    before = stored()
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # as a second minsheng process in the middle of a long write
    try:
        procs = [minsheng(*args, env=env) for args in (
            ["import-directory", str(tmp_path / "dir"), "--commit"], ["load-directory"], ["refresh-stats", "--commit"],
            ["create-api-key", "市长热线"])]
        results = [(proc.wait(timeout=180), proc.stderr.read()) for proc in procs]
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    for returncode, stderr in results:
        assert "Traceback" not in stderr
        assert stderr.strip() == "minsheng: 数据库被另一个进程锁住, 请稍后重试 (database is locked)"
        assert returncode == 1
    assert stored() == before


@pytest.mark.long
def test_migrate_on_a_locked_database_names_the_lock_not_json(tmp_path):
    """`minsheng migrate` with a migration to apply, while another process wrote to the file,
    printed after 20 s 「SQLite does not support JSONFields」 for four models: Django's probe
    of the JSON functions had failed on the lock (here after 2 s: MINSHENG_SQLITE_BUSY_SECONDS)."""
    import sqlite3

    env = {**fresh_env(tmp_path / "var"), "MINSHENG_SQLITE_BUSY_SECONDS": "2"}
    for args in (["migrate", "-v0"], ["migrate", "-v0", "stats", "0005"]):
        assert minsheng(*args, env=env).wait(timeout=180) == 0
    holder = sqlite3.connect(tmp_path / "var" / "minsheng.sqlite3", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        proc = minsheng("migrate", "-v0", env=env)
        returncode, stderr = proc.wait(timeout=180), proc.stderr.read()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "JSONField" not in stderr
    assert stderr.strip() == "minsheng: 数据库被另一个进程锁住, 请稍后重试 (database is locked)"
    assert returncode == 1


@pytest.mark.django_db(transaction=True)  # the command, another process, reads what the test stored
def test_a_postgresql_connection_lost_mid_command_is_one_line(tmp_path, personas, directory):
    """`pg_terminate_backend` of the command's connection (a restarted server, an
    administrator) while it rebuilds the statistics was a traceback ending in `terminating
    connection due to administrator command`. One line now, exit status 1, and the
    statistics as they were: the rebuild is one transaction."""
    from urllib.parse import quote

    from django.db import connection

    from minsheng.board import actions
    from minsheng.stats.models import MessageFact, Rollup

    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only: run with DATABASE_URL=postgres://… (scripts/test.sh)")
    import psycopg

    actions.do_submit(personas["citizen"], title="小区电梯坏了三个月没人修", kind="complain",
                      body="城关区某小区3号楼电梯坏了三个月, 老人上下楼非常困难, 请有关部门督促尽快维修。",
                      region=directory["chengguan"], topic=directory["topic_build"])

    def stored():
        return (list(MessageFact.objects.order_by("pk").values_list()),
                sorted(Rollup.objects.values_list("cube", "grain", "period", "submitted")))

    before = stored()
    assert before[0]
    s = connection.settings_dict
    login = quote(s["USER"] or "") + (":" + quote(s["PASSWORD"]) if s["PASSWORD"] else "")
    url = f"postgres://{login}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{s['NAME']}"
    env = {**fresh_env(tmp_path / "var"), "DATABASE_URL": url}
    holder, watcher = psycopg.connect(url), psycopg.connect(url, autocommit=True)
    holder.execute("LOCK TABLE stats_rollup IN ACCESS EXCLUSIVE MODE")  # the command waits there, mid-rebuild
    try:
        proc = minsheng("refresh-stats", "--commit", env=env)
        for _ in range(600):
            waiting = watcher.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                      "AND wait_event_type = 'Lock' AND pid <> %s",
                                      (holder.info.backend_pid,)).fetchall()
            if waiting or proc.poll() is not None:
                break
            time.sleep(0.1)
        assert waiting, proc.stderr.read() if proc.poll() is not None else "the command never waited for the lock"
        for (pid,) in waiting:
            watcher.execute("SELECT pg_terminate_backend(%s)", (pid,))
    finally:
        holder.rollback()
        holder.close()
        watcher.close()
    assert proc.wait(timeout=120) == 1
    stderr = proc.stderr.read()
    assert "Traceback" not in stderr and stderr.strip().count("\n") == 0
    assert stderr.startswith("minsheng: 与数据库的连接中断, 请检查数据库服务后重试 (terminating connection")
    assert stored() == before


def test_the_insight_commands_run_before_any_migrate(tmp_path, good):
    """An outside check may run train-classifier and classify straight after install."""
    env = fresh_env(tmp_path / "var")
    model, out = str(tmp_path / "model"), str(tmp_path / "p.csv")
    for args in (["train-classifier", "--data", good, "--label-column", "一级标签", "--out", model],
                 ["classify", "--model", model, "--data", good, "--out", out]):
        proc = subprocess.run([sys.executable, "-m", "minsheng", *args], capture_output=True, text=True,
                              timeout=180, env=env)
        assert proc.returncode == 0, proc.stderr
    assert len(Path(out).read_text(encoding="utf-8").splitlines()) == len(make_rows()) + 1


def test_data_from_standard_input_or_a_pipe(tmp_path, good, model):
    """`--data -` and `--data /dev/stdin` read the CSV piped in (were 「文件不存在: -」, and
    「文件不存在: /dev/stdin」 for a file that is there); `--out -` is refused rather than
    written as a file named "-"."""
    content = Path(good).read_text(encoding="utf-8")
    for data in ("-", "/dev/stdin"):
        out = tmp_path / f"p{len(data)}.csv"
        proc = subprocess.run([sys.executable, "-m", "minsheng", "classify", "--model", str(model), "--data", data,
                               "--out", str(out)], input=content, capture_output=True, text=True, timeout=120,
                              env=fresh_env(tmp_path / "var"))
        assert proc.returncode == 0, proc.stderr
        assert [r[0] for r in csv.reader(out.open(encoding="utf-8"))][1:] == [r[0] for r in make_rows()]
    proc = subprocess.run([sys.executable, "-m", "minsheng", "find-duplicates", "--data", "-", "--out",
                           str(tmp_path / "d.csv")], input="留言主题\n", capture_output=True, text=True, timeout=120,
                          env=fresh_env(tmp_path / "var"))
    assert proc.returncode == 1 and "标准输入: 只有表头, 没有数据行" in proc.stderr
    fails("classify", "--model", str(model), "--data", good, "--out", "-", match="不写到标准输出")
    assert not Path("-").exists()
    fails("classify", "--model", str(model), "--data", "/dev/zero", "--out", str(tmp_path / "z.csv"),
          match="不是普通文件")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_that_is_not_utf8_csv_says_what_it_is(tmp_path, model, command):
    """A GBK file (Excel's 「CSV (逗号分隔)」) and a UTF-8 file with a line pasted in GBK: the error
    says so, and on which line; a workbook or a gzip file is named as such (was
    「不是 UTF-8 编码 (byte 10)」 for all of them)."""
    out = str(tmp_path / "o.csv")
    gbk = write(tmp_path / "gbk.csv", make_rows(), encoding="gb18030")
    mixed = tmp_path / "mixed.csv"
    mixed.write_bytes(Path(write(tmp_path / "u8.csv", make_rows()[:3])).read_bytes() + "4,小区,电梯\n".encode("gbk"))
    fails(*args_for(command, str(mixed), out, model), match="第 5 行")
    fails(*args_for(command, gbk, out, model), match="GBK/GB18030 编码.*CSV UTF-8")
    import gzip

    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.save(tmp_path / "book.csv")
    fails(*args_for(command, str(tmp_path / "book.csv"), out, model), match="Excel 工作簿")
    (tmp_path / "z.csv").write_bytes(gzip.compress(Path(gbk).read_bytes()))
    fails(*args_for(command, str(tmp_path / "z.csv"), out, model), match="gzip")
    assert not (tmp_path / "o.csv").exists()


@pytest.mark.parametrize("command", ["classify", "find_duplicates", "detect_hotspots", "score_replies"])
def test_the_columns_listed_in_an_error_are_few_and_short(tmp_path, model, command):
    """A text file that is no CSV (one line of 5,000 characters) was repeated whole in the
    one-line error 「现有列: xxxx…」."""
    data = tmp_path / "notes.csv"
    data.write_text("x" * 5000 + "\n" + "y" * 5000 + "\n", encoding="utf-8")
    assert len(fails(*args_for(command, str(data), str(tmp_path / "o.csv"), model), match="现有列")) < 400
    data.write_text(",".join(f"列{i}" for i in range(100)) + "\n" + ",".join("1" * 100) + "\n", encoding="utf-8")
    message = fails(*args_for(command, str(data), str(tmp_path / "o.csv"), model), match="现有列")
    assert "列19" in message and "列20," not in message and "等 100 列" in message


def test_train_reads_a_file_named_twice_once(tmp_path, good):
    """--data F.csv --data ./F.csv counted every message twice (400 rows from 200)."""
    said = StringIO()
    call_command("train_classifier", "--data", good, "--data", str(Path(good).parent / "." / Path(good).name),
                 "--label-column", "一级标签", "--out", str(tmp_path / "m"), stdout=said)
    assert classify.TextClassifier.load(tmp_path / "m").meta["n_train"] == len(make_rows())
    assert "只读取一次" in said.getvalue()


@pytest.mark.django_db
def test_train_from_db_refuses_a_label_column(tmp_path):
    """--from-db --label-column 问题类型 trained the topic model all the same, silently."""
    fails("train_classifier", "--from-db", "--label-column", "问题类型", "--out", str(tmp_path / "m"),
          match="--label-column 只能与 --data 一起使用")


def test_train_on_a_column_that_is_no_label_says_so_in_a_line(tmp_path, good, monkeypatch):
    """--label-column 留言详情 (a label per message): sklearn's three-line ConvergenceWarning
    naming its source file becomes one line, a note says the column is no label column, and
    the summary cuts each long label."""
    from sklearn.exceptions import ConvergenceWarning

    real_train = classify.train

    def train(*args, **kwargs):
        import warnings

        warnings.warn("Liblinear failed to converge, increase the number of iterations.", ConvergenceWarning,
                      stacklevel=1)
        return real_train(*args, **kwargs)

    monkeypatch.setattr(classify, "train", train)
    out, err = StringIO(), StringIO()
    import warnings

    rows = make_rows()
    rows[1][4] = rows[0][4]  # one text twice: a column of all values once is refused (``..._of_ids_is_refused``)
    data = write(tmp_path / "t.csv", rows)
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        call_command("train_classifier", "--data", data, "--label-column", "留言详情", "--out", str(tmp_path / "m"),
                     stdout=out, stderr=err)
    assert not [w for w in shown if w.category is ConvergenceWarning]
    assert "线性 SVM 未完全收敛" in err.getvalue() and "不像标签列" in err.getvalue()
    summary = out.getvalue().splitlines()[-1]
    assert summary.startswith("完成:") and len(summary) < 400


@pytest.mark.parametrize("command, words", [
    ("classify", ["label, confidence", "one output row per input row", "stderr"]),
    ("find-duplicates", ["留言编号 (or id)", "stderr"]),
    ("detect-hotspots", ["地点/人群, 问题描述", "its own cluster_id", "stderr"]),
    ("score-replies", ["总分, 相关性", "stderr"]),
    ("train-classifier", ["progress", "summary", "read once"]),
    ("evaluate-classifier", ["n, macro_f1, accuracy, per_class, messages_per_second"]),
])
def test_help_names_the_outputs_and_the_progress(command, words, minsheng_main):
    text = " ".join(minsheng_main(command, "--help").stdout.split())
    for word in words:
        assert word in text, word


def _interrupted_in_one_line(capsys, argv):
    """``cli.main(argv)`` stopped by Ctrl-C: exit status 130 and one line, no traceback."""
    from minsheng import cli

    try:
        cli.main(argv)
    except KeyboardInterrupt:  # would stop the whole test run
        pytest.fail("Ctrl-C left minsheng as a KeyboardInterrupt traceback")
    except SystemExit as exc:
        assert exc.code == 130
    else:
        pytest.fail("no exit status")
    assert capsys.readouterr().err.strip() == "minsheng: 已中断 (interrupted)"


def test_ctrl_c_is_one_line(monkeypatch, capsys):
    """Ctrl-C while a command works (training takes a minute): one line and the shell's
    130, not a traceback."""
    import django.core.management

    from minsheng import cli

    def interrupted(argv):
        raise KeyboardInterrupt

    monkeypatch.setattr(django.core.management, "execute_from_command_line", interrupted)
    monkeypatch.setattr(cli, "_dashed_usage", lambda: None)  # it renames every parser of this test process
    _interrupted_in_one_line(capsys, ["minsheng", "train-classifier", "--help"])



def test_an_output_named_in_gbk_is_written_and_said(tmp_path, good):
    """A file name that is no UTF-8 (a folder unpacked from a GBK zip) is a name all the same: the
    rows were written, then the summary naming the file failed on a UTF-8 terminal (its stdout
    strict), and the command exited 2 saying the argument was bad and to type UTF-8."""
    out = os.fsencode(tmp_path) + "/结果.csv".encode("gbk")
    proc = subprocess.run([sys.executable, "-m", "minsheng", "find-duplicates", "--data", good, "--out", out],
                          capture_output=True, timeout=120, env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"})
    assert proc.returncode == 0, proc.stderr.decode("utf-8", "replace")
    assert os.path.exists(out) and out in proc.stdout  # said as it was typed, as ls does


@pytest.mark.parametrize("args", [["stats", "--region", "62\udcff"], ["export-stats", "table", "--campaign", "\udcc4\udcfa"]])
def test_an_argument_that_is_not_utf8_is_one_line(monkeypatch, capsys, db, args):
    """Typed in a GBK terminal, 兰州 reaches Python as bytes that are no UTF-8 (lone surrogates):
    the query reading it was a traceback ending in 'surrogates not allowed'."""
    from minsheng import cli

    monkeypatch.setattr(cli, "_dashed_usage", lambda: None)  # it renames every parser of this test process
    with pytest.raises(SystemExit) as exited:
        cli.main(["minsheng", *args])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "不是 UTF-8 编码" in err and "\\x" in err

def test_ctrl_c_while_a_database_failure_is_looked_into_is_one_line(monkeypatch, capsys):
    """A command's query failed and minsheng checks why (on a locked SQLite file the check
    itself waits up to 20 s): Ctrl-C then, or while Django is still being imported, was a
    KeyboardInterrupt traceback; it is the same one line as Ctrl-C during the work."""
    import django.core.management
    from django.db import OperationalError

    from minsheng import cli

    def failed(argv):
        raise OperationalError("database is locked")

    def interrupted(exc, migrating=False):
        raise KeyboardInterrupt

    monkeypatch.setattr(django.core.management, "execute_from_command_line", failed)
    monkeypatch.setattr(cli, "_dashed_usage", lambda: None)
    monkeypatch.setattr(cli, "_database_problem", interrupted)
    _interrupted_in_one_line(capsys, ["minsheng", "train-classifier", "--from-db", "--out", "m"])


def test_migrate_to_a_database_that_cannot_be_reached_is_one_line(tmp_path):
    """The first command of a PostgreSQL deployment, `minsheng migrate` before the database
    was created (or with the server down), was an 88-line traceback; every other command
    already said it in one line."""
    env = {**fresh_env(tmp_path / "var"), "DATABASE_URL": "postgres://postgres@127.0.0.1:1/minsheng_nowhere"}
    proc = subprocess.run([sys.executable, "-m", "minsheng", "migrate"], capture_output=True, text=True,
                          timeout=120, env=env)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and proc.stderr.strip().count("\n") == 0
    assert proc.stderr.startswith("minsheng: 无法连接数据库: ")


def command_result(command: str, data: str, out: Path, model: Path) -> object:
    """What a user reads of one run: the output file, the model's fingerprint, or the
    evaluation figures (without the speed, which varies)."""
    stdout = StringIO()
    call_command(*args_for(command, data, str(out), model), stdout=stdout)
    if command == "train_classifier":
        return json.loads((out / "model.json").read_text(encoding="utf-8"))["fingerprint"]
    if command == "evaluate_classifier":
        figures = json.loads(stdout.getvalue().splitlines()[-1])
        figures.pop("messages_per_second")
        return figures
    return out.read_bytes()


@pytest.mark.parametrize("command", COMMANDS)
def test_column_names_with_a_bom_or_zero_width_space_are_read(tmp_path, model, command):
    """A header pasted from elsewhere: 「\\ufeff留言主题」 was not 留言主题 (detect-hotspots said
    the column was missing; the others silently read no titles)."""
    header = list(HEADER)
    header[2], header[4] = "\ufeff" + header[2], header[4] + "\u200b"
    marked = write(tmp_path / "marked.csv", make_rows(), header=header)
    clean = write(tmp_path / "clean.csv", make_rows())
    assert (command_result(command, marked, tmp_path / "a", model)
            == command_result(command, clean, tmp_path / "b", model))


@pytest.mark.parametrize("command", COMMANDS)
def test_files_concatenated_with_their_headers_are_refused(tmp_path, model, command):
    """`cat a.csv b.csv > c.csv`: b's header (with its BOM) was read as one more message."""
    a = Path(write(tmp_path / "a.csv", make_rows()[:18], encoding="utf-8-sig"))
    rows = make_rows()[18:]
    for row in rows:
        row[0] = "B" + row[0]
    b = Path(write(tmp_path / "b.csv", rows, encoding="utf-8-sig"))
    both = tmp_path / "both.csv"
    both.write_bytes(a.read_bytes() + b.read_bytes())
    fails(*args_for(command, str(both), str(tmp_path / "o"), model),
          match=r"both.csv: 第 19 条记录 \(第 20 行\)与表头相同")


@pytest.mark.parametrize("command", CSV_OUTPUTS)
def test_an_output_written_over_keeps_its_permissions(tmp_path, good, model, command):
    """A private (600) output file stays private when a command writes it again; it was
    replaced by a new file with the umask's mode (644), readable by everyone."""
    out = tmp_path / "o.csv"
    out.write_text("old\n", encoding="utf-8")
    out.chmod(0o600)
    call_command(*args_for(command, good, str(out), model))
    assert out.stat().st_mode & 0o777 == 0o600
    assert out.read_text(encoding="utf-8") != "old\n"


def test_a_model_retrained_over_keeps_its_files_permissions(tmp_path, good):
    """A model directory made private keeps its files private when trained again, as the
    CSV outputs do; model.json and weights.npz came back 644."""
    out = tmp_path / "m"
    call_command("train_classifier", "--data", good, "--label-column", "一级标签", "--out", str(out))
    (out / "model.json").chmod(0o600)
    (out / "weights.npz").chmod(0o640)
    before = (out / "model.json").read_text(encoding="utf-8")
    call_command("train_classifier", "--data", good, "--label-column", "一级标签", "--out", str(out), "--c", "2")
    assert (out / "model.json").stat().st_mode & 0o777 == 0o600
    assert (out / "weights.npz").stat().st_mode & 0o777 == 0o640
    assert (out / "model.json").read_text(encoding="utf-8") != before  # written again, not left alone


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write any file")
def test_a_read_only_output_is_refused(tmp_path, good, model):
    out = tmp_path / "o.csv"
    out.write_text("keep\n", encoding="utf-8")
    out.chmod(0o444)
    fails(*args_for("classify", good, str(out), model), match="是只读的")
    assert out.read_text(encoding="utf-8") == "keep\n"


@pytest.mark.parametrize("command", ["train_classifier", "evaluate_classifier"])
def test_a_label_column_named_with_spaces_is_found(tmp_path, good, model, command):
    """The header's names are read without surrounding spaces; --label-column 「一级标签 」
    (pasted with a space) said 没有标签列 一级标签 , naming a column the file has."""
    args = args_for(command, good, str(tmp_path / "m"), model)
    args[args.index("一级标签")] = " 一级标签 "
    call_command(*args, stdout=StringIO())


@pytest.mark.parametrize("command", COMMANDS)
def test_unicode_line_separators_inside_a_field_are_text(tmp_path, model, command):
    """Python's csv writer (and pandas) leave a field with U+2028, NEL or a form feed
    unquoted; the reader ended a line there (str.splitlines) and said the row had too few
    columns. Only \\n, \\r\\n and \\r end a line, as for csv itself."""
    rows = make_rows()
    rows[0][2] = rows[0][2][:4] + "\u2028" + rows[0][2][4:]
    rows[1][4] = rows[1][4][:6] + "\x85" + rows[1][4][6:] + "\x0c"
    rows[2][7] = rows[2][7][:6] + "\u2029" + rows[2][7][6:]
    data = write(tmp_path / "seps.csv", rows)
    out = tmp_path / "o"
    call_command(*args_for(command, data, str(out), model), stdout=StringIO())
    if command in ("classify", "detect_hotspots", "score_replies"):
        with out.open(encoding="utf-8", newline="") as fh:
            assert [r[0] for r in list(csv.reader(fh))[1:]] == [r[0] for r in rows]


@pytest.mark.parametrize("command", CSV_OUTPUTS)
def test_an_out_ending_in_a_slash_is_a_folder_not_a_file(tmp_path, good, model, command):
    """--out results/ (a folder not made yet) wrote a file named results."""
    fails(*args_for(command, good, str(tmp_path / "results") + "/", model), match="以 / 结尾")
    assert not (tmp_path / "results").exists()


@pytest.mark.parametrize("column, command", [(3, "detect_hotspots"), (6, "detect_hotspots"), (8, "score_replies")])
def test_a_bad_value_is_quoted_short(tmp_path, column, command):
    """A date or count cell holding a whole text (columns shifted) was quoted whole: an
    error line of 60,000 characters."""
    rows = make_rows()
    rows[2][column] = "电梯坏了" * 15_000
    message = fails(command, "--data", write(tmp_path / "d.csv", rows), "--out", str(tmp_path / "o.csv"),
                    match=r"第 3 条记录 \(第 4 行\)的 (留言时间|点赞数|答复时间) 不是")
    assert len(message) < 200


def _written(path: Path, rows, form: str) -> str:
    """``rows`` (under HEADER) as Excel and other tools save a CSV: ``sep`` with Excel's
    「sep=,」 first line, ``sep-tab`` with 「sep=\\t」 and tabs, ``tsv`` tab-separated,
    ``semicolon`` separated by ;."""
    out = StringIO()
    delimiter = {"sep-tab": "\t", "tsv": "\t", "semicolon": ";"}.get(form, ",")
    if form.startswith("sep"):
        out.write(f"sep={delimiter}\r\n")
    csv.writer(out, delimiter=delimiter).writerows([HEADER, *rows])
    path.write_bytes(out.getvalue().encode("utf-8"))
    return str(path)


def _result(command: str, out: Path) -> object:
    if command == "train_classifier":
        meta = json.loads((out / "model.json").read_text(encoding="utf-8"))
        return meta["labels"], meta["n_train"]
    return out.read_text(encoding="utf-8")


@pytest.mark.parametrize("form", ["sep", "sep-tab", "tsv", "semicolon"])
@pytest.mark.parametrize("command", COMMANDS)
def test_excel_sep_line_tabs_and_semicolons_read_like_the_utf8_csv(tmp_path, good, model, command, form):
    """A file saved with Excel's 「sep=,」 first line was 「第 1 条记录 (第 2 行)有 6 列, 表头有 2 列」;
    a tab- or semicolon-separated file was refused. Each is
    read as the plain UTF-8 CSV of the same rows, with the same results."""
    variant = _written(tmp_path / f"in.{'tsv' if form == 'tsv' else 'csv'}", make_rows(), form)
    results = []
    for i, data in enumerate((good, variant)):
        out = tmp_path / f"out{i}"
        said = StringIO()
        call_command(*args_for(command, data, str(out), model), stdout=said, stderr=StringIO())
        if command == "evaluate_classifier":
            figures = json.loads(said.getvalue().splitlines()[-1])
            results.append({k: v for k, v in figures.items() if k != "messages_per_second"})
        else:
            results.append(_result(command, out))
    assert results[0] == results[1]
    if command == "classify":
        assert results[1].count("\n") == len(make_rows()) + 1


@pytest.mark.parametrize("command", ["train_classifier", *CSV_OUTPUTS])
def test_an_out_in_folders_not_made_yet_creates_them(tmp_path, good, model, command):
    """`--out results/run1/predictions.csv` in a fresh folder was 「输出目录不存在」: the folders are
    made, as train-classifier makes a model directory's."""
    out = tmp_path / "results" / "run 1" / ("model" if command == "train_classifier" else "o.csv")
    call_command(*args_for(command, good, str(out), model), stdout=StringIO(), stderr=StringIO())
    assert out.exists()
    if command == "detect_hotspots":
        report = tmp_path / "reports" / "hot.csv"
        call_command("detect_hotspots", "--data", good, "--out", str(tmp_path / "c.csv"), "--report", str(report),
                     stdout=StringIO(), stderr=StringIO())
        assert report.read_text(encoding="utf-8").startswith("热度排名,")


def test_a_one_column_file_whose_header_ends_in_a_stray_tab_is_read_by_commas(tmp_path, model):
    """A one-column file of letters, its header cell 「留言」 copied from a spreadsheet with a tab after it:
    the header was taken for a tab-separated one of two columns, and every letter (a line without a tab)
    was 「有 1 列, 表头有 2 列」. One name is no table of tabs: it is read as the comma CSV it is, the
    letters' semicolons their text (2026-12-05)."""
    data = tmp_path / "one.csv"
    data.write_text("留言\t\n小区电梯坏了一个月; 物业不修\n路灯不亮; 晚上很黑\n", encoding="utf-8")
    out = tmp_path / "p.csv"
    call_command("classify", "--model", str(model), "--data", str(data), "--out", str(out),
                 stdout=StringIO(), stderr=StringIO())
    assert out.read_text(encoding="utf-8").count("\n") == 3


# --- the command-line walk of 2026-12-05 (qa-cliwalk) --------------------------------------------


@pytest.mark.parametrize("name", ["model.json", "weights.npz"])
def test_classify_out_onto_the_models_own_file_is_refused(tmp_path, good, model, name):
    """`classify --model M --out M/model.json` wrote the predictions over the model it had just
    loaded: 「90 条留言已分类」, exit 0, and the next run said 「model.json 已损坏」. The model's files
    are refused as --out like the --data file, and the model still loads."""
    import shutil

    copy = tmp_path / "m"
    shutil.copytree(model, copy)
    before = (copy / name).read_bytes()
    fails("classify", "--model", str(copy), "--data", good, "--out", str(copy / name), match="同一个文件|模型")
    assert (copy / name).read_bytes() == before
    classify.TextClassifier.load(copy)
    out = copy / "predictions.csv"  # beside the model's files is fine
    call_command("classify", "--model", str(copy), "--data", good, "--out", str(out), stdout=StringIO())
    assert out.exists()


def test_evaluate_on_a_column_with_none_of_the_models_labels_is_refused(tmp_path, good, model):
    """--label-column 留言用户 (a column of user names) printed macro_f1 0.0, exit 0, under a note
    listing every value of the column on one line (17,000 names on the reference file). A column
    that shares no label with the model is one line naming the model's labels, exit 1; a column
    that shares some still prints its figures, the unknown labels listed at most 10."""
    message = fails("evaluate_classifier", "--model", str(model), "--data", good, "--label-column", "留言用户",
                    match="没有一个是模型的标签")
    assert "城乡建设" in message and len(message) < 400
    rows = make_rows()
    for i, r in enumerate(rows[:30]):
        r[5] = f"新标签{i}"
    out = StringIO()
    call_command("evaluate_classifier", "--model", str(model), "--data", write(tmp_path / "some.csv", rows),
                 "--label-column", "一级标签", stdout=out)
    lines = out.getvalue().splitlines()
    note = next(line for line in lines if "不认识的标签" in line)
    assert "30 个" in note and note.count("新标签") == 10
    assert json.loads(lines[-1])["n"] == len(rows)


def test_train_says_which_labels_have_a_single_row(tmp_path, good):
    """A label with one row (msgabench_types.csv's 问题领域 has several) trained without a word: the
    model learns it from one message, and the hold-out cannot measure it. A note on stderr names
    it; the model is still written (a long tail of labels is real data)."""
    rows = make_rows()
    rows[0][5] = "孤例"
    err = StringIO()
    call_command("train_classifier", "--data", write(tmp_path / "t.csv", rows), "--label-column", "一级标签",
                 "--out", str(tmp_path / "m"), stdout=StringIO(), stderr=err)
    notes = [line for line in err.getvalue().splitlines() if "只有 1 行" in line]
    assert len(notes) == 1 and "孤例" in notes[0]
    assert "孤例" in classify.TextClassifier.load(tmp_path / "m").labels
    err = StringIO()
    call_command("train_classifier", "--data", good, "--label-column", "一级标签", "--out", str(tmp_path / "m2"),
                 stdout=StringIO(), stderr=err)
    assert "只有 1 行" not in err.getvalue()


def test_train_on_a_label_column_left_empty_says_so(tmp_path):
    """A --label-column whose cells are all empty was 「至少需要两个不同的标签才能训练 (现有 0 个)」;
    it says the column holds no label, as evaluate-classifier does; one label is named."""
    rows = make_rows()
    for r in rows:
        r[5] = ""
    fails("train_classifier", "--data", write(tmp_path / "e.csv", rows), "--label-column", "一级标签",
          "--out", str(tmp_path / "m"), match="列 一级标签 中没有任何标签")
    rows = make_rows()
    for r in rows:
        r[5] = "城乡建设"
    fails("train_classifier", "--data", write(tmp_path / "o.csv", rows), "--label-column", "一级标签",
          "--out", str(tmp_path / "m"), match=r"现有 1 个: 城乡建设")
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("value, same_as", [
    ("２０１９/３/１ １４:００:００", "2019/3/1 14:00:00"),       # full-width digits (a Chinese input method)
    ("2019年3月1日 14时00分", "2019/3/1 14:00:00"),
    ("2019年3月1日 14时00分05秒", "2019/3/1 14:00:05"),
    ("2019年3月1日14:00", "2019/3/1 14:00:00"),
    ("2019-03-01T06:00:00Z", "2019/3/1 14:00:00"),              # UTC, read in China's time
    ("2019-03-01T06:00:00.250Z", "2019/3/1 14:00:00.250"),
    ("2019/3/1 14:00:00.250", "2019/3/1 14:00:00"),
    ("2019-03-01T14:00:00+08:00", "2019/3/1 14:00:00"),
])
def test_more_chinese_and_zoned_times_are_read(value, same_as):
    """Full-width digits, 14时00分 and a time in UTC (…Z, as an export from another system writes it) were
    「不是有效的时间」, or read 8 hours off (06:00Z was 06:00, not 14:00 in 北京时间)."""
    assert csvio.parse_time(value, "f.csv", 1, "留言时间") == csvio.parse_time(same_as, "f.csv", 1, "留言时间")


def test_an_empty_time_says_it_is_empty(tmp_path):
    rows = [r[:3] + [""] + r[4:] for r in make_rows()]
    fails("detect_hotspots", "--data", write(tmp_path / "d.csv", rows), "--out", str(tmp_path / "c.csv"),
          match="第 1 条记录 \\(第 2 行\\)的 留言时间 为空")


def test_a_settings_module_that_does_not_exist_is_one_line(good, tmp_path):
    result = run_cli("classify", "--settings", "no_such_settings_module", "--model", "m", "--data", good,
                     "--out", str(tmp_path / "p.csv"))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "no_such_settings_module" in result.stderr


def test_scores_are_written_the_same_way_capped_or_not(tmp_path, good):
    """总分 of a boilerplate reply, capped at 20, was written 「20」 among 「67.4」s: every score has one decimal."""
    rows = make_rows()
    for r in rows[:5]:
        r[7] = f"您好，您反映的「{r[2]}」问题已转交相关部门处理，感谢您的支持。"
    out = tmp_path / "s.csv"
    call_command("score_replies", "--data", write(tmp_path / "r.csv", rows), "--out", str(out), stdout=StringIO())
    with out.open(encoding="utf-8") as fh:
        scores = [row["总分"] for row in csv.DictReader(fh)]
    assert "20.0" in scores and all(re.fullmatch(r"\d+\.\d", s) for s in scores), scores


@pytest.mark.parametrize("command", ["classify", "evaluate_classifier"])
def test_a_model_without_its_weights_says_which_file_is_missing(tmp_path, good, model, command):
    """A model directory holding model.json but no weights.npz (copied half) was 「模型文件已损坏或不完整
    (FileNotFoundError)」; it names the missing file."""
    import shutil

    copy = tmp_path / "m"
    shutil.copytree(model, copy)
    (copy / "weights.npz").unlink()
    fails(*args_for(command, good, str(tmp_path / "p.csv"), copy), match="缺少 weights.npz")


@pytest.mark.parametrize("command", COMMANDS)
def test_verbosity_0_keeps_only_the_summary(tmp_path, good, model, monkeypatch, command):
    """Every command's --help says 「-v 0 = minimal output」, but -v 0 changed nothing: train-classifier
    still printed its ten lines of progress, the others their counts on stderr. At -v 0 only the
    summary line (evaluate-classifier: its JSON) is printed; the outputs are the same."""
    from minsheng.insight import hotspots
    from minsheng.insight.management.commands import find_duplicates

    monkeypatch.setattr(hotspots, "PROGRESS_EVERY", 6, raising=False)
    monkeypatch.setattr(find_duplicates, "PROGRESS_FROM", 6, raising=False)
    count_every(monkeypatch, 10)
    out, err = StringIO(), StringIO()
    call_command(*args_for(command, good, str(tmp_path / "o"), model), "-v", "0", stdout=out, stderr=err)
    assert err.getvalue() == ""
    lines = out.getvalue().splitlines()
    assert len(lines) == 1, lines
    if command == "evaluate_classifier":
        assert json.loads(lines[0])["n"] == len(make_rows())


def test_score_replies_on_a_fresh_jieba_says_nothing_of_its_dictionary(tmp_path, good, capfd, monkeypatch):
    """The reply scorer's part-of-speech tagging was the first use of jieba in a score-replies
    run: jieba loaded its dictionary at its default log level, eight lines on stderr (「Building
    prefix dict …」, each twice) before the summary, before a bad 答复时间's one-line error too,
    and at -v 0. (2026-12-07)"""
    import jieba

    from minsheng.insight import text

    monkeypatch.setattr(jieba.dt, "initialized", False)  # as in a fresh process
    text._jieba.cache_clear()
    jieba.setLogLevel(10)  # DEBUG, jieba's own default
    capfd.readouterr()
    try:
        call_command("score_replies", "--data", good, "--out", str(tmp_path / "s.csv"), "-v", "0",
                     stdout=StringIO(), stderr=StringIO())
    finally:
        jieba.setLogLevel(30)
        text._jieba()
    captured = capfd.readouterr()
    assert "prefix dict" not in captured.err + captured.out
    assert jieba.dt.initialized


def test_score_replies_counts_a_file_of_a_few_thousand_replies(tmp_path, monkeypatch):
    """score-replies reads about 300 replies a second (the reference file's 2,816 take 10 s), yet
    counted only past 10,000 rows, classify's step: a file of 9,000 replies ran half a minute in
    silence. It counts every 1,000 replies, each tenth of the way in a log. (2026-12-07; the
    scorer is stubbed here, the count is the command's)"""
    from minsheng.insight.management.commands import score_replies

    monkeypatch.setattr(score_replies, "score_reply", lambda *a, **k: {
        "score": 50.0, "relevance": 1.0, "completeness": 1.0, "interpretability": 1.0, "timeliness": None,
        "boilerplate": False, "reasons": []})
    n = 2_500
    data = write(tmp_path / "many.csv", [[str(i), "小区电梯坏了", "电梯停了三天", "已安排维修"] for i in range(1, n + 1)],
                 header=["留言编号", "留言主题", "留言详情", "答复意见"])
    err = StringIO()
    call_command("score_replies", "--data", data, "--out", str(tmp_path / "s.csv"), stdout=StringIO(), stderr=err)
    assert f"  1000/{n} 条答复已评分" in err.getvalue() and f"  {n}/{n} 条答复已评分" in err.getvalue()


def test_train_on_a_column_of_ids_is_refused(tmp_path, good):
    """--label-column 留言编号 (tipdm_messages.csv: 921 values, each once) trained for three minutes, 921
    labels of one message each, and exited 0 with a model whose hold-out macro-F1 was 0.0000: a note on
    stderr said the column looked like ids, after which the training went on. A label column whose every
    value is met once (more than 20 of them) is refused before any training, in one line; a long tail of
    single-row labels beside real ones is still trained (``test_train_says_which_labels_have_a_single_row``)."""
    out = tmp_path / "m"
    message = fails("train_classifier", "--data", good, "--label-column", "留言编号", "--out", str(out),
                    match="列 留言编号 的 36 个值各只出现一次")
    assert "--label-column" in message
    assert not out.exists()


def test_detect_hotspots_with_an_empty_report_path_is_refused(tmp_path, good):
    """`--report ""` (a shell variable left unset: --report "$REPORT") wrote no report and exited 0, the
    summary silent about it; it is refused as an empty --out is, before any work, and --out is not written."""
    out = tmp_path / "clusters.csv"
    fails("detect_hotspots", "--data", good, "--out", str(out), "--report", "", match="输出路径为空")
    assert not out.exists()


@pytest.mark.parametrize("command", ["classify", "evaluate_classifier", "train_classifier", "find_duplicates",
                                     "detect_hotspots", "score_replies"])
def test_an_empty_data_or_model_path_is_named_as_such(tmp_path, good, model, command):
    """`--data ""` (a shell variable left unset) was read as the working directory: 「. 是目录, 不是 CSV 文件」,
    and `--model ""` 「.: 不是模型目录」; each says the option is empty."""
    fails(*args_for(command, "", str(tmp_path / "o"), model), match="^--data 为空")
    if command in ("classify", "evaluate_classifier"):
        args = args_for(command, good, str(tmp_path / "o"), model)
        args[args.index("--model") + 1] = ""
        fails(*args, match="^--model 为空")
