# ruff: noqa: F811  (pytest fixtures imported from other test files)
"""The lists behind a leader's board (/leaders/<id>/, /staff/leader-board/): /stats/list/?addressee=<id>, its
exports and `minsheng export-stats messages --addressee`, each holding as many messages as the figure it came
from (since 2026-12-06; before, the board's 超期 count was plain text and no list took a 留言对象)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from minsheng.board import actions
from minsheng.directory.models import Addressee

from .conftest import make_user
from .test_exports import data_rows
from .test_stats_sign_boards import _href, _rows, _sent, signs  # noqa: F401 (the fixture)
from .test_stats_sign_rate import BODY, _text

pytestmark = pytest.mark.django_db


@pytest.fixture
def secretary(personas, directory, signs, django_capture_on_commit_callbacks):
    """兰州市委书记, a second office of the city: one case written to it, dispatched 40 days ago and never signed
    for (a late sign-for the city counts and the mayor's board does not)."""
    office = Addressee.objects.create(title="兰州市委书记", region=directory["lanzhou"], unit=directory["center"])
    at = timezone.now().replace(microsecond=0) - dt.timedelta(days=40)
    with django_capture_on_commit_callbacks(execute=True):
        m = actions.do_submit(personas["citizen"], title="菜市场早上占道经营", body=BODY, kind="complain",
                              region=directory["qilihe"], topic=directory["topic_build"], at=at, addressee=office)
        actions.do_dispatch(personas["dispatcher"], m, directory["housing"], at=at + dt.timedelta(hours=1))
    return office


def _board_links(html: str) -> dict[str, tuple[int, str]]:
    """The figures of board/_figures.html that link to a list: measure -> (the figure, the link)."""
    late = re.search(r'超期 <a href="([^"]+)">(\d+)</a> 件', html)
    assert late, "the late count is no link"
    received = re.search(r"<strong>(\d+)</strong><span>受理留言</span>", html)
    on_time = re.search(r"<span>按时率 \((\d+) 件按时[,)]", html)
    # 按时率's misses, linked since 2026-12-06 (stats misses), shown where there are some
    missed = re.search(r'按时率 \(\d+ 件按时, 误期 <a href="([^"]+)">(\d+)</a> 件\)', html)
    links = {m: _href(html, rf'<a href="([^"]+measure={m})">') for m in ("received", "on_time")}
    return {"sign_late": (int(late.group(2)), late.group(1).replace("&amp;", "&")),
            "received": (int(received.group(1)), links["received"]),
            "on_time": (int(on_time.group(1)), links["on_time"]),
            **({"missed": (int(missed.group(2)), missed.group(1).replace("&amp;", "&"))} if missed else {})}


def test_every_count_of_a_leaders_board_links_to_a_list_of_as_many_messages(
        client, login, personas, directory, signs, secretary):
    """The mayor's board: 超期 5 (the city's 6 less the secretary's), 受理留言 and 按时答复 each open a list whose
    共 N 件 is the figure, on the public board and the office's own (/staff/leader-board/)."""
    mayor = directory["mayor"]
    city = _text(client.get("/stats/list/", {"measure": "sign_late", "region": "620100"}))
    assert "共 6 件" in city  # the secretary's case counts for the city
    office = login(make_user("mayor_office", role="officer", unit=directory["center"]))
    for board in (_text(client.get(f"/leaders/{mayor.pk}/")),
                  _text(office.get("/staff/leader-board/", {"addressee": mayor.pk}))):
        links = _board_links(board)
        assert links["sign_late"][0] == 5 and links["missed"][0] >= 1
        for measure, (figure, href) in links.items():
            assert f"addressee={mayor.pk}" in href, measure
            listed = _text(client.get(href))
            assert f"共 {figure} 件" in listed, measure
            assert "留言对象: 兰州市市长" in listed
            assert "菜市场早上占道经营" not in listed
        late = _text(client.get(links["sign_late"][1]))
        assert sorted(_rows(late)) == sorted([*signs["late"], signs["late"][2], signs["returned"]])
    # the secretary's board: its one late case
    links = _board_links(_text(client.get(f"/leaders/{secretary.pk}/")))
    assert links["sign_late"][0] == 1
    assert _rows(_text(client.get(links["sign_late"][1]))) == ["菜市场早上占道经营"]


def test_the_exports_of_a_leaders_list_hold_its_rows(client, personas, directory, signs, secretary, capsys):
    """The list's CSV and XLSX links keep ``addressee``, and so does `minsheng export-stats messages`."""
    from openpyxl import load_workbook

    mayor = directory["mayor"]
    listed = _text(client.get("/stats/list/", {"measure": "sign_late", "addressee": mayor.pk}))
    href = _href(listed, r'<a href="(/stats/export/messages\.csv\?[^"]+)">CSV</a>')
    assert f"addressee={mayor.pk}" in href
    table = data_rows(csv.reader(io.StringIO(b"".join(client.get(href).streaming_content).decode("utf-8-sig"))))
    assert len(table) - 1 == 5 and "菜市场早上占道经营" not in str(table)
    xlsx = client.get("/stats/export/messages.xlsx", {"measure": "sign_late", "addressee": secretary.pk})
    sheet = list(load_workbook(io.BytesIO(xlsx.content), read_only=True).active.values)
    assert len(sheet) == 2 and "菜市场早上占道经营" in sheet[1]

    call_command("export_stats", "messages", "--measure", "sign_late", "--addressee", str(mayor.pk))
    rows = data_rows(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) - 1 == 5 and "菜市场早上占道经营" not in str(rows)
    with pytest.raises(CommandError, match="没有这个留言对象"):
        call_command("export_stats", "messages", "--addressee", "999999")
    with pytest.raises(CommandError, match="没有这个留言对象"):
        call_command("export_stats", "table", "--addressee", "999999")


def test_an_unknown_leader_is_a_bad_filter(client, directory):
    for value in ("999999", "abc"):
        response = client.get("/stats/list/", {"addressee": value})
        assert response.status_code == 400 and "没有这个留言对象" in response.content.decode()
        response = client.get("/stats/export/messages.csv", {"addressee": value}, HTTP_ACCEPT="application/json")
        assert response.status_code == 400 and response.json() == {"error": "没有这个留言对象"}


def _figure_links(html: str) -> dict[str, tuple[int, str]]:
    """The counts of /stats/'s figures (stats/_figures.html) that open a list: measure -> (count, link)."""
    out = {}
    for href, value, name in re.findall(r'<a class="figure" href="([^"]+)"><span class="value">(\d+)</span>'
                                        r'<span class="name">(受理留言|已答复)</span>', html):
        out[{"受理留言": "received", "已答复": "replied"}[name]] = (int(value), href.replace("&amp;", "&"))
    for name, measure in (("待答复", "open"), ("签收超期", "sign_late"), ("延期", "extended"), ("并单", "merged")):
        found = re.search(rf'{name} <a href="([^"]+)">(\d+)</a> 件', html)
        out[measure] = (int(found.group(2)), found.group(1).replace("&amp;", "&"))
    return out


def test_the_figures_of_a_leaders_office_count_the_rows_of_its_lists(
        client, login, personas, directory, signs, secretary, capsys):
    """/stats/?addressee=, /stats/units/?addressee=, /api/v1/statistics/?addressee= and `minsheng export-stats table
    --addressee` count the messages written to the office: each count opens a list of as many (since 2026-12-06; the
    figures took no 留言对象 and the command said 「统计数字不按留言对象筛选」)."""
    import json

    from minsheng.stats import figures

    mayor = directory["mayor"]
    city = {"region": "620100"}
    whole = figures.compute(region="620100")
    supervisor = login(personas["supervisor"])
    for office, late in ((mayor, 5), (secretary, 1)):
        api = client.get("/api/v1/statistics/", {**city, "addressee": office.pk}).json()
        assert api["sign_due"] - api["signed_on_time"] == late
        assert api["received"] < whole["received"]
        board = figures.addressee_figures(office)  # its board's figures (all its messages are the city's)
        assert {k: api[k] for k in board} == board
        for measure in sorted(exports_measures()):
            listed = client.get("/api/v1/statistics/messages/", {**city, "addressee": office.pk, "measure": measure})
            want = api["sign_due"] - api["signed_on_time"] if measure == "sign_late" else api[measure]
            assert listed.json()["count"] == want, (office.title, measure)
        page = client.get("/stats/", {**city, "addressee": office.pk}).content.decode()
        assert f'<option value="{office.pk}" selected>{office.title}</option>' in page
        assert f"只统计写给「{office.title}」" in page
        # 浏览 the office's messages on its board (/browse/ takes no 留言对象: it read the whole city)
        assert f'<a href="/leaders/{office.pk}/">在{office.title}留言板浏览</a>' in page
        for measure, (count, href) in _figure_links(page).items():
            assert f"addressee={office.pk}" in href, measure
            want = api["sign_due"] - api["signed_on_time"] if measure == "sign_late" else api[measure]
            assert count == want, (office.title, measure)
            assert f"共 {count} 件" in _text(client.get(href)), (office.title, measure)
        # 超期未答复, to a supervisor of the city, opens /stats/overdue/ of the office: as many cases
        late = re.search(r'其中超期未答复 <a href="([^"]+)">(\d+)</a>',
                         supervisor.get("/stats/", {**city, "addressee": office.pk}).content.decode())
        assert late and int(late.group(2)) == api["overdue"]
        assert f"addressee={office.pk}" in late.group(1)
        assert f"共 {api['overdue']} 件" in _text(supervisor.get(late.group(1).replace("&amp;", "&")))
        units = client.get("/api/v1/statistics/breakdown/", {**city, "by": "unit", "addressee": office.pk}).json()
        assert sum(r["received"] for r in units) == api["received"]
        units_page = _text(client.get("/stats/units/", {**city, "addressee": office.pk}))
        assert f"只统计写给「{office.title}」" in units_page
        for row in units:
            if row["filters"] and row["open"]:
                listed = client.get("/stats/list/", {**city, **row["filters"], "addressee": office.pk, "measure": "open"})
                assert f"共 {row['open']} 件" in _text(listed)
        # the table's export and the command count the same
        table = client.get("/stats/export/table.csv", {**city, "by": "unit", "addressee": office.pk})
        assert table.status_code == 200
        call_command("stats", "--region", "620100", "--addressee", str(office.pk), "--json")
        assert json.loads(capsys.readouterr().out.splitlines()[-1])["received"] == api["received"]
        call_command("export_stats", "table", "--by", "unit", "--region", "620100", "--addressee", str(office.pk))
        assert "合计" in capsys.readouterr().out


def exports_measures():
    from minsheng.stats.exports import PUBLIC_MEASURES

    return PUBLIC_MEASURES - {"submitted"}  # its list holds the published messages alone


def test_an_unknown_leaders_office_is_refused_by_the_figures(client, directory):
    for value in ("999999", "abc"):
        for path in ("/stats/", "/stats/units/"):
            response = client.get(path, {"addressee": value})
            assert response.status_code == 400 and "没有这个留言对象" in response.content.decode(), path
        assert client.get("/stats/figures.json", {"addressee": value}).json() == {"error": "没有这个留言对象"}
        response = client.get("/stats/export/table.csv", {"addressee": value}, HTTP_ACCEPT="application/json")
        assert response.status_code == 400 and response.json() == {"error": "没有这个留言对象"}
        response = client.get("/api/v1/statistics/", {"addressee": value})
        assert response.status_code == 400 and "addressee" in response.json()["error"]["fields"]
        with pytest.raises(CommandError, match="没有这个留言对象"):
            call_command("stats", "--addressee", value)


def test_a_switched_off_leaders_board_keeps_its_history(client, personas, directory, signs, secretary):
    """An office switched off (停用) keeps its board, as its /stats/list/?addressee= lists and its figures stay: the
    board says it takes no new messages and offers no 「给…留言」, its figures and their links those of an office in
    use (since 2026-12-06; before, the board was a 404 while its lists and figures answered)."""
    from minsheng.stats import figures

    Addressee.objects.filter(pk=secretary.pk).update(is_active=False)
    response = client.get(f"/leaders/{secretary.pk}/")
    assert response.status_code == 200
    board = _text(response)
    assert "该留言对象已停用, 不再接收新留言" in board
    assert "给兰州市委书记留言" not in board
    links = _board_links(board)
    assert links["sign_late"][0] == 1 == figures.compute(addressee=secretary.pk)["sign_due"] - figures.compute(
        addressee=secretary.pk)["signed_on_time"]
    assert _rows(_text(client.get(links["sign_late"][1]))) == ["菜市场早上占道经营"]
    page = _text(client.get("/stats/", {"addressee": secretary.pk}))
    assert f'<option value="{secretary.pk}" selected>兰州市委书记 (已停用)</option>' in page
    assert "该留言对象已停用" in page
    # the list of offices to write to has it no more
    assert f"/leaders/{secretary.pk}/" not in _text(client.get("/leaders/"))


def test_the_overdue_lists_leader_select_offers_the_offices_of_the_users_late_cases(login, personas, directory, cases):
    """Supervisor walk 2026-12-06: 兰州市's supervisor found in /stats/overdue/'s 留言对象 select every office of the
    province (202 in the demo, 定西市市长 among them), beside a 区划 select of their own regions and a 主办单位 select of
    the units with a case of theirs late: choosing another city's leader listed 「共 0 件」. It offers the offices
    written a case of the user's late now, as 主办单位 offers the units, and keeps one chosen in the address."""
    from minsheng.board.models import Message

    d = directory
    Message.objects.filter(pk=cases["overdue"].pk).update(addressee=d["mayor"])
    dx_mayor = Addressee.objects.create(title="定西市市长", region=d["dingxi"], unit=d["dx_housing"])
    sup = login(personas["supervisor"])
    page = sup.get("/stats/overdue/").content.decode()
    select = re.search(r'<select name="addressee">(.*?)</select>', page, re.S).group(1)
    assert f'<option value="{d["mayor"].pk}">兰州市市长 (1 件)</option>' in select  # its count since 2026-12-07
    assert "定西市市长" not in select
    chosen = sup.get("/stats/overdue/", {"addressee": dx_mayor.pk}).content.decode()
    assert f'<option value="{dx_mayor.pk}" selected>定西市市长 (0 件)</option>' in chosen
    # /stats/ keeps every office: the public figures of any leader
    assert "定西市市长" in sup.get("/stats/").content.decode()


def _late_options(page: str, name: str = "addressee") -> dict[str, tuple[int, int]]:
    """/stats/overdue/'s 留言对象 (``name`` addressee) or 主办单位 (unit) select: the title of each office or unit
    offered -> (its id, the count beside it)."""
    select = re.search(rf'<select name="{name}">(.*?)</select>', page, re.S).group(1)
    options = re.findall(r'<option value="(\d+)"(?: selected)?>([^<]+?)(?: \(已停用\))? \((\d+) 件\)</option>', select)
    assert len(options) == select.count("<option") - 1, select  # each but 全部 has its count
    return {title: (int(pk), int(count)) for pk, title, count in options}


def test_the_overdue_lists_selects_follow_the_region_and_filters_chosen(login, directory, cases):
    """Supervisor walk 2026-12-07: 甘肃省's supervisor looking at 兰州市 (/stats/overdue/?region=620100) was offered
    定西市市长 in the 留言对象 select and 定西市住房和城乡建设局 in the 主办单位 select, the list of 兰州市 beside them,
    and choosing either read 「共 0 件」. Each select offers what a case of the list's late there (the page's region and
    other filters, its own aside) names, each with its count, as many rows as choosing it lists; a unit= chosen
    narrows the offices, a kind= or a date_from both (主办单位 followed no filter until later that day)."""
    from minsheng.board.models import Message

    d = directory
    dx_mayor = Addressee.objects.create(title="定西市市长", region=d["dingxi"], unit=d["dx_housing"])
    cg_head = Addressee.objects.create(title="城关区区长", region=d["chengguan"], unit=d["cg_gov"])
    for case, office in (("overdue", d["mayor"]), ("dingxi", dx_mayor), ("reopened_open", cg_head)):
        Message.objects.filter(pk=cases[case].pk).update(addressee=office)  # in 七里河区, 定西市, 城关区
    # submitted: reopened_open, then dingxi, then overdue; kinds: consult, complain, complain
    after_dingxi = (timezone.localdate(cases["dingxi"].submitted_at) + dt.timedelta(days=1)).isoformat()
    sup = login(make_user("province_supervisor", role="supervisor", region=d["province"]))
    everywhere = {"兰州市市长", "定西市市长", "城关区区长"}
    lz, dx = "兰州市住房和城乡建设局", "定西市住房和城乡建设局"
    for query, offices_offered, units_offered in (
            ({}, everywhere, {lz, dx}), ({"region": "620000"}, everywhere, {lz, dx}),
            ({"region": "620100"}, {"兰州市市长", "城关区区长"}, {lz}), ({"region": "620103"}, {"兰州市市长"}, {lz}),
            ({"region": "621100"}, {"定西市市长"}, {dx}),
            ({"region": "620100", "measure": "overdue_unreplied"}, {"兰州市市长"}, {lz}),
            ({"unit": d["dx_housing"].pk}, {"定西市市长"}, {lz, dx}),  # the unit select not narrowed by itself
            ({"unit": d["housing"].pk, "region": "620100"}, {"兰州市市长", "城关区区长"}, {lz}),
            ({"kind": "consult"}, {"城关区区长"}, {lz}), ({"kind": "complain"}, {"兰州市市长", "定西市市长"}, {lz, dx}),
            ({"date_from": after_dingxi}, {"兰州市市长"}, {lz}),
            ({"date_from": after_dingxi, "addressee": d["mayor"].pk}, {"兰州市市长"}, {lz})):
        page = _text(sup.get("/stats/overdue/", query))
        offices, units = _late_options(page), _late_options(page, "unit")
        assert set(offices) == offices_offered, query
        assert set(units) == units_offered, query
        for name, options in (("addressee", offices), ("unit", units)):
            for title, (pk, count) in options.items():
                listed = _text(sup.get("/stats/overdue/", {**query, name: pk}))
                assert f"共 {count} 件" in listed and listed.count('<tr class="late">') == count >= 1, (query, title)


def test_the_stats_command_says_what_its_figures_cover(directory, personas, cases, capsys):
    """Leader's office walk 2026-12-06: `minsheng stats --addressee 3 --from … --to …` printed 受理: 3 and the rest with
    no word of the office, region or month they were of; pasted into a report they said nothing of what they
    counted. Its first line says it now, as an export's 说明 sheet does; the figures follow, --json unchanged."""
    d = directory
    call_command("stats", "--region", "620100", "--addressee", str(d["mayor"].pk), "--from", "2026-11-01",
                 "--to", "2026-11-30")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("统计范围: ")
    for said in ("区划 兰州市 (含下级)", "留言对象 兰州市市长", "提交日期 2026-11-01 至 2026-11-30", "统计截至 "):
        assert said in lines[0]
    assert lines[1] == "" and lines[2].startswith("受理: ")
    call_command("stats", "--json")
    assert capsys.readouterr().out.startswith("{")
