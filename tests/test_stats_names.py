"""One Chinese name per figure of cases still waiting, the same wherever a citizen, officer
or supervisor reads it: ``open`` 待答复, ``overdue`` 超期未答复 (reopened cases included),
``overdue_unreplied`` 超期从未答复 (never answered at all) — and never two figures under one
name (docs/statistics.md, "What is counted")."""

from __future__ import annotations

import csv
import io
import re

from django.core.management import call_command

from minsheng.stats import exports, figures

NAMES = {"open": "待答复", "overdue": "超期未答复", "overdue_unreplied": "超期从未答复"}


def _text(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


def test_no_two_figures_share_a_name():
    """Across the list headings, export columns, the units table and the CLI table."""
    from minsheng.stats.management.commands.stats import LABELS as CLI_LABELS
    from minsheng.stats.views import UNIT_COLUMNS

    named = [*exports.MEASURE_LABELS.items(), *exports.TABLE_COLUMNS, *UNIT_COLUMNS[1:], *CLI_LABELS]
    figures_of: dict[str, set] = {}
    for key, label in named:
        figures_of.setdefault(label, set()).add(key)
    assert {label: keys for label, keys in figures_of.items() if len(keys) > 1} == {}
    for key, name in NAMES.items():
        assert {label for k, label in named if k == key} == {name}


def test_the_cases_tell_the_two_overdue_figures_apart(cases):
    got = figures.compute(region="620100")
    # 七里河区: never answered; 城关区: reopened and waiting again; plus one within its deadline
    # and one not dispatched yet
    assert (got["open"], got["overdue"], got["overdue_unreplied"]) == (4, 2, 1)


def test_list_headings_name_each_measure(client, login, personas, cases):
    listed = _text(client.get("/stats/list/", {"measure": "open", "region": "620100"}))
    assert "<h1>待答复留言 <small" in listed and "共 4 件" in listed
    sup = login(personas["supervisor"])
    overdue = _text(sup.get("/stats/overdue/", {"measure": "overdue"}))
    assert "<h1>超期未答复 <small" in overdue and "共 2 件" in overdue
    never = _text(sup.get("/stats/overdue/", {"measure": "overdue_unreplied"}))
    assert "<h1>超期从未答复 <small" in never and "共 1 件" in never


def test_stats_page_names_the_figures_and_defines_them(client, cases):
    page = _text(client.get("/stats/", {"region": "620100"}))
    assert re.search(r"待答复 <a [^>]*measure=open[^>]*>4</a> 件 \(其中超期未答复 2 件, 超期从未答复 1 件\)", page)
    assert "<th>重办率</th><th>超期从未答复</th>" in page
    assert "办理中 <a" not in page and "从未答复且超期" not in page and "超期且从未答复" not in page
    definitions = page[page.index('id="definitions"'):]
    for name in NAMES.values():
        assert f"{name}: " in definitions
    # 按时率's denominator is 已答复 + 误期未答复 (figures.missed), as computed and as the API says;
    # the page named 超期从未答复, which leaves out a case a unit let go late and then returned
    assert "(已答复 + 误期未答复)" in definitions and "误期未答复: 单位在答复期限过后退单或转办" in definitions
    assert "(已答复 + 超期从未答复)" not in page
    # on_time_rate is 按时率 on the figure card as in the tables, the CLI and the API (it was 按时答复率 there)
    assert '<span class="name">按时率 (' in page and "<th>按时率</th>" in page


def test_dashboard_and_supervision_page_use_the_same_names(login, personas, cases):
    sup = login(personas["supervisor"])
    dashboard = _text(sup.get("/stats/dashboard/"))
    assert "<th>区划</th><th>超期未答复</th><th>超期从未答复</th><th>待答复</th>" in dashboard
    # 谁在拖延 counts each late case for the lead unit handling it now, the 主办单位 of the list each count opens
    # (/stats/overdue/, /staff/supervision/); 办理单位 is the statistics' name of the unit credited with a reply
    assert "<th>主办单位</th><th>超期未答复</th>" in dashboard and "<th>办理单位</th><th>超期未答复</th>" not in dashboard
    assert "<tr><td>超期从未答复</td>" in dashboard  # the week-over-week row of overdue_unreplied
    assert "超期件数" not in dashboard and "其中从未答复" not in dashboard
    # the (7/13 件) under 按时率 is on_time / (replied + missed), and the note says so
    assert "(已答复 + 误期未答复), 括号内为件数" in dashboard and "(已答复 + 超期从未答复)" not in dashboard
    # the supervisors' own page counts overdue (reopened cases included) and calls it so
    supervision = _text(sup.get("/staff/supervision/"))
    assert "超期未答复 (2)" in supervision
    assert figures.compute(region="620100")["overdue"] == 2


def test_table_export_and_cli_use_the_same_names(client, cases, capsys):
    response = client.get("/stats/export/table.csv", {"by": "region", "region": "620100"})
    body = b"".join(response.streaming_content) if response.streaming else response.content
    header = next(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    for name in NAMES.values():
        assert header.count(name) == 1
    assert "办理中" not in header and "超期" not in header

    call_command("stats", "--region", "620100")
    lines = capsys.readouterr().out.splitlines()
    assert {"待答复: 4", "超期未答复: 2", "超期从未答复: 1"} <= set(lines)


def test_api_describes_each_figure_by_its_name(client, db):
    schemas = client.get("/api/schema/?format=json").json()["components"]["schemas"]
    described = [s["properties"] for s in schemas.values() if "overdue_unreplied" in s.get("properties", {})]
    assert described
    for props in described:
        for key, name in NAMES.items():
            assert props[key]["description"].startswith(f"{name}: "), (key, props[key])
