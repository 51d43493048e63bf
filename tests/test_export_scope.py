"""Each statistics export says inside the file what it covers (since 2026-12-06): a sheet 「说明」 after the
data (XLSX), the same block stacked after the data (CSV, ``exports.stacked_rows``): the filters by name, and
the minute the figures count as of. A supervisor who downloaded 「统计-按区划.xlsx」 last week could not tell
from the file which district, topic or days it held."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook

from minsheng.stats import figures

from .test_exports import _csv as _data_csv

FILTERS = {"region": "620102", "topic": "urban", "kind": "complain", "date_from": "2026-01-01",
           "date_to": "2026-12-31"}


def _csv(response) -> list[list[str]]:
    """Every row of a CSV export, the stacked 说明 too."""
    return _data_csv(response, whole=True)


def _blocks(rows: list[list[str]]) -> list[list[list[str]]]:
    """A stacked CSV's sheets: split at each empty row (the first: the data, header first)."""
    blocks = [[]]
    for row in rows:
        if not row:
            blocks.append([])
        else:
            blocks[-1].append(row)
    return blocks


def _notes(rows) -> dict[str, str]:
    """The 说明 block or sheet as {项目: 内容}."""
    rows = [list(r) for r in rows]
    assert rows[0] == ["项目", "内容"], rows[0]
    return {label: value for label, value in rows[1:]}


def _csv_notes(rows: list[list[str]]) -> dict[str, str]:
    last = _blocks(rows)[-1]
    assert last[0] == ["说明"]
    return _notes(last[1:])


def _minute() -> str:
    return f"{timezone.localtime(figures.clock()):%Y-%m-%d %H:%M}"


def _names(directory, mayor=True) -> dict:
    return {"区划": "城关区 (含下级)", "领域": "城乡建设", "类型": "投诉", "提交日期": "2026-01-01 至 2026-12-31",
            **({"留言对象": "兰州市市长"} if mayor else {})}


def _assert_scope(notes: dict, expected: dict):
    for label, value in expected.items():
        assert notes.get(label) == value, (label, notes)
    # the minute read, not the second: as the pages' figures (figures.clock)
    assert notes["统计截至"] in {_minute(), f"{timezone.localtime(figures.clock() - dt.timedelta(minutes=1)):%Y-%m-%d %H:%M}"}
    assert "620102" not in "".join(notes.values())  # names, not codes or ids


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_web_table_export_states_its_filters_and_minute(client, cases, directory, fmt):
    params = {**FILTERS, "addressee": directory["mayor"].pk, "by": "topic"}
    response = client.get(f"/stats/export/table.{fmt}", params)
    assert response.status_code == 200
    if fmt == "csv":
        rows = _csv(response)
        assert rows[0][0] == "领域"  # the data first, its header the first line, as importers read it
        notes = _csv_notes(rows)
    else:
        wb = load_workbook(io.BytesIO(response.content))
        assert wb.sheetnames == ["按领域", "合计", "说明"]
        notes = _notes(wb["说明"].values)
    _assert_scope(notes, {**_names(directory), "分组": "按领域", "办理单位": "全部单位", "征集活动": "不限"})


def test_an_unfiltered_table_says_all_and_a_unit_by_name(client, cases, directory):
    rows = _csv(client.get("/stats/export/table.csv", {"region": "620100", "own": "1",
                                                        "unit": directory["housing"].pk}))
    notes = _csv_notes(rows)
    _assert_scope(notes, {"区划": "兰州市本级 (不含下级)", "办理单位": "兰州市住房和城乡建设局", "领域": "全部领域",
                          "类型": "全部类型", "留言对象": "不限", "提交日期": "全部时间"})


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_web_message_export_states_its_list_and_filters(client, login, personas, cases, directory, fmt):
    params = {**FILTERS, "addressee": directory["mayor"].pk, "measure": "replied", "q": "路灯"}
    response = client.get(f"/stats/export/messages.{fmt}", params)
    assert response.status_code == 200
    if fmt == "csv":  # a list's CSV is its rows alone, a message each: programs read it to its end
        rows = _csv(response)
        assert rows[0][0] == "留言编号" and [] not in rows and all(len(row) == len(rows[0]) for row in rows)
        return
    wb = load_workbook(io.BytesIO(response.content))
    assert wb.sheetnames == ["已答复留言", "说明"]
    _assert_scope(_notes(wb["说明"].values),
                  {**_names(directory), "统计项": "已答复留言", "关键词": "路灯", "留言范围": "公开的留言"})


def test_an_overdue_list_names_the_unit_handling_it_and_says_it_holds_unpublished(login, personas, cases,
                                                                                  directory):
    sup = login(personas["supervisor"])
    wb = load_workbook(io.BytesIO(sup.get("/stats/export/messages.xlsx",
                                          {"measure": "overdue", "unit": directory["housing"].pk}).content))
    _assert_scope(_notes(wb["说明"].values), {"统计项": "超期未答复", "主办单位": "兰州市住房和城乡建设局",
                                             "区划": "兰州市 (含下级)", "留言范围": "全部留言 (含未公开的)"})


@pytest.mark.parametrize("what", ["table", "messages"])
def test_the_command_states_the_same_scope(cases, directory, tmp_path, capsys, what):
    cli = ["--region", "620102", "--topic", "urban", "--kind", "complain", "--from", "2026-01-01",
           "--to", "2026-12-31", "--addressee", str(directory["mayor"].pk)]
    call_command("export_stats", what, *cli)
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    expected = {**_names(directory), **({"分组": "按区划"} if what == "table" else {"统计项": "受理留言"})}
    if what == "table":
        _assert_scope(_csv_notes(rows), expected)
    else:  # a list's CSV is its rows alone
        assert rows[0][0] == "留言编号" and [] not in rows
    out = tmp_path / "out.xlsx"
    call_command("export_stats", what, *cli, "--format", "xlsx", "-o", str(out))
    wb = load_workbook(out)
    assert wb.sheetnames[-1] == "说明"
    _assert_scope(_notes(wb["说明"].values), expected)
