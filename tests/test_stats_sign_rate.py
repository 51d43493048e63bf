"""及时签收率 (on-time sign-for rate) beside 按时率, and one tie order for the late units."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from minsheng.board import actions

from .conftest import make_user
from .test_exports import data_rows

BODY = "小区门口的道路坑洼不平, 下雨后积水很深, 老人孩子出行很不方便, 希望尽快修复。"
HOUSING, ECOLOGY = "兰州市住房和城乡建设局", "兰州市生态环境局"


def _text(response) -> str:
    assert response.status_code == 200, response.content[:300]
    return response.content.decode()


def _late_at(p, d, unit, title: str):
    """A case dispatched to ``unit`` 90 days ago and never answered: 超期未答复 of that unit."""
    at = timezone.now().replace(microsecond=0) - dt.timedelta(days=90)
    m = actions.do_submit(p["citizen"], title=title, body=BODY, kind="help", region=d["qilihe"],
                          topic=d["topic_build"], at=at)
    actions.do_dispatch(p["dispatcher"], m, unit, at=at + dt.timedelta(hours=1))
    return m


def test_units_tied_on_overdue_are_listed_in_one_order_on_the_dashboard_and_the_units_table(
        login, personas, directory, django_capture_on_commit_callbacks):
    """住建局 and 生态环境局 have one overdue case each: the dashboard's 谁在拖延 listed them by unit id,
    /stats/units/ sorted by 超期未答复 in the reverse of its name order — two rankings of one tie. Both
    now break ties by the unit's name, as the table's default order (受理, then name) does."""
    p, d = personas, directory
    with django_capture_on_commit_callbacks(execute=True):
        _late_at(p, d, d["housing"], "楼道灯坏了一个月")
        _late_at(p, d, d["ecology"], "小区门口道路坑洼积水")
    admin = login(make_user("root", is_superuser=True, is_staff=True))
    expected = sorted([HOUSING, ECOLOGY])
    dash = _text(admin.get("/stats/dashboard/", {"region": "620100"}))
    card = dash[dash.index("谁在拖延"):dash.index("群众最关心的问题")]
    assert sorted([HOUSING, ECOLOGY], key=card.index) == expected
    for direction in ("desc", "asc"):
        table = _text(admin.get("/stats/units/", {"region": "620100", "sort": "overdue", "dir": direction}))
        listed = re.findall(r"<td>\d+\. ([^<]+)</td>", table)
        assert [u for u in listed if u in (HOUSING, ECOLOGY)] == expected, (direction, listed)


def _sent(p, d, unit, title: str, at):
    m = actions.do_submit(p["citizen"], title=title, body=BODY, kind="help", region=d["qilihe"],
                          topic=d["topic_build"], at=at)
    actions.do_dispatch(p["dispatcher"], m, unit, at=at + dt.timedelta(hours=1))
    return m


def _sign_cases(p, d):
    """住建局: one case signed an hour after dispatch (及时), one signed 30 days after (late, past its 签收期限),
    one never signed (its 签收期限 long past: late), and one 生态环境局 transferred to it unsigned an hour after
    dispatch, signed an hour later (及时; not 生态环境局's: it gave the case on within its 签收期限).
    生态环境局: one case it returned unsigned 30 days after dispatch (late), one dispatched just now (not due yet)."""
    eco = make_user("eco_officer", role="officer", unit=d["ecology"])
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=90)
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    on_time = _sent(p, d, d["housing"], "楼道灯坏了一个月", t0)
    actions.do_sign(p["officer"], on_time, d["housing"], at=t0 + 2 * hour)
    late = _sent(p, d, d["housing"], "小区门口道路坑洼积水", t0)
    actions.do_sign(p["officer"], late, d["housing"], at=t0 + 30 * day)
    _sent(p, d, d["housing"], "路灯不亮影响夜间出行", t0)
    moved = _sent(p, d, d["ecology"], "河道边堆放建筑垃圾", t0)
    actions.do_transfer(eco, moved, d["ecology"], d["housing"], "属住建部门职责", at=t0 + 2 * hour)
    actions.do_sign(p["officer"], moved, d["housing"], at=t0 + 3 * hour)
    returned = _sent(p, d, d["ecology"], "小区噪音扰民", t0)
    actions.do_return(eco, returned, d["ecology"], "不属本单位职责", at=t0 + 30 * day)
    _sent(p, d, d["ecology"], "公园健身器材损坏", timezone.now().replace(microsecond=0) - hour)


def _figures_now():
    from minsheng.stats import figures

    rows = {r["label"]: (r["signed_on_time"], r["sign_due"], r["sign_on_time_rate"])
            for r in figures.breakdown("unit", region="620100")}
    totals = figures.compute(region="620100")
    return rows, (totals["signed_on_time"], totals["sign_due"], totals["sign_on_time_rate"])


def _cells(html: str, heading: str) -> dict:
    """/stats/units/: unit -> the text of its cell under ``heading``."""
    header = ["办理单位", *re.findall(r"<th><a [^>]*>([^<▲▼]+)", html)[1:]]
    rows = {}
    for row in re.findall(r"<tr>\s*<td>\d+\. (.*?)</tr>", html, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", "<td>" + row, re.S)]
        rows[cells[0]] = dict(zip(header, cells, strict=True))[heading]
    return rows


def test_the_on_time_sign_for_rate_counts_each_unit_its_cases_signed_by_their_deadline(
        client, personas, directory, capsys, django_capture_on_commit_callbacks):
    """及时签收率 = 及时签收 / 应签收, for the unit each case was sent to: the statistics said how many cases
    were answered on time (按时率) but nowhere how many were signed for on time. The figure, the units
    table, /stats/, the API, the table export and `minsheng stats --json` agree, and a rebuild gives it again."""
    import csv
    import io
    import json

    from django.core.management import call_command

    with django_capture_on_commit_callbacks(execute=True):
        _sign_cases(personas, directory)
    rows, totals = _figures_now()
    assert rows[HOUSING] == (2, 4, 0.5)
    assert rows[ECOLOGY] == (0, 1, 0.0)
    assert totals == (2, 5, 0.4)

    units = _text(client.get("/stats/units/", {"region": "620100"}))
    # with its late count since 2026-12-06, a link to the late sign-fors (tests/test_stats_sign_boards.py)
    assert _cells(units, "及时签收率")[HOUSING] == "50.0% (超期 2 件)"
    assert _cells(units, "及时签收率")[ECOLOGY] == "0.0% (超期 1 件)"
    by_rate = _text(client.get("/stats/units/", {"region": "620100", "sort": "sign_on_time_rate"}))
    assert by_rate.index(f"{HOUSING}</td>") < by_rate.index(f"{ECOLOGY}</td>")
    public = _text(client.get("/stats/", {"region": "620100"}))
    card = re.search(r'<a class="figure" href="([^"]+)"><span class="value">40\.0%</span>'
                     r'<span class="name">及时签收率 \(2/5 件\)', public)
    assert card, public
    # the card leads to the units, lowest rate first
    lowest = _text(client.get(card.group(1).replace("&amp;", "&")))
    assert lowest.index(f"{ECOLOGY}</td>") < lowest.index(f"{HOUSING}</td>")

    api = client.get("/api/v1/statistics/", {"region": "620100"}).json()
    assert (api["signed_on_time"], api["sign_due"], api["sign_on_time_rate"]) == (2, 5, 0.4)
    api_rows = {r["label"]: r for r in client.get("/api/v1/statistics/breakdown/",
                                                  {"by": "unit", "region": "620100"}).json()}
    assert (api_rows[HOUSING]["sign_on_time_rate"], api_rows[ECOLOGY]["sign_due"]) == (0.5, 1)

    response = client.get("/stats/export/table.csv", {"by": "unit", "region": "620100"})
    table = data_rows(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    got = {r[0]: dict(zip(table[0], r, strict=True)) for r in table[1:]}
    assert (got[HOUSING]["及时签收"], got[HOUSING]["应签收"], got[HOUSING]["及时签收率"]) == ("2", "4", "0.5")

    call_command("stats", "--region", "620100", "--by", "unit", "--json")
    lines = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()]
    assert lines[-1]["sign_on_time_rate"] == 0.4
    assert {r["label"]: r["sign_on_time_rate"] for r in lines[:-1]}[HOUSING] == 0.5
    call_command("stats", "--region", "620100")
    assert "及时签收率: 40.0%" in capsys.readouterr().out

    # refresh-stats (set-based SQL on PostgreSQL) rebuilds them from the assignments: twice, the same
    call_command("refresh_stats", "--commit")
    assert _figures_now() == (rows, totals)
    call_command("refresh_stats", "--commit")
    assert _figures_now() == (rows, totals)


def test_the_migration_fills_the_sign_for_rows_of_the_cases_kept(personas, directory,
                                                                 django_capture_on_commit_callbacks):
    """stats.0011 writes a ``SignFor`` row for each lead assignment kept, as the actions do: a database
    upgraded has its 及时签收率 at once."""
    import importlib

    from django.apps import apps
    from django.db import connection

    from minsheng.stats.models import SignFor

    with django_capture_on_commit_callbacks(execute=True):
        _sign_cases(personas, directory)
    fields = ("assignment_id", "message_id", "unit_key", "p3", "topic_key", "kind", "day", "sign_due_at",
              "signed_at", "given_up_at")
    kept = sorted(SignFor.objects.values_list(*fields))
    assert len(kept) == 7
    before = _figures_now()
    SignFor.objects.all().delete()
    # the editor migrate hands it, not entered: SQLite's refuses to open inside the test's transaction
    importlib.import_module("minsheng.stats.migrations.0011_sign_for").record_signs(apps, connection.schema_editor())
    assert sorted(SignFor.objects.values_list(*fields)) == kept
    from minsheng.stats import figures

    figures.bump_version()
    assert _figures_now() == before
