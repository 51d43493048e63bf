"""误期未答复 (按时率's misses, ``stats.Miss`` and the open cases past a deadline of the unit handling them) had a
count on /stats/units/ and no list behind it: a supervisor read 「住建局 误期未答复 4」 and could not see which cases.
Since 2026-12-06 (stats walk) the count links to /stats/list/?measure=missed, a row per miss (a case two units let
go late is two rows), with its CSV/XLSX and the API's /statistics/messages/, under the rules of the 签收超期 list."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from minsheng.board import actions
from minsheng.stats import figures

from .conftest import make_user
from .test_exports import data_rows

pytestmark = pytest.mark.django_db

BODY = "小区门口的道路坑洼不平, 下雨后积水很深, 老人孩子出行很不方便, 希望尽快修复。"
HOUSING, ECOLOGY = "兰州市住房和城乡建设局", "兰州市生态环境局"
WITHDRAWN_BODY = "楼下工地每晚施工到凌晨, 噪音吵得孩子无法入睡, 请有关部门管一管。"


def _signed(p, d, unit, officer, title: str, at, body=BODY):
    m = actions.do_submit(p["citizen"], title=title, body=body, kind="help", region=d["qilihe"],
                          topic=d["topic_build"], at=at)
    actions.do_dispatch(p["dispatcher"], m, d[unit], at=at + dt.timedelta(hours=1))
    actions.do_sign(officer, m, d[unit], at=at + dt.timedelta(days=1))
    return m


@pytest.fixture
def misses(personas, directory, django_capture_on_commit_callbacks):
    """90 days ago. 住建局: returns a case late that 生态环境局 then answers (a miss for good), returns one late that
    its author withdraws, holds one never answered (past its deadline now), answers one on time (no miss), and
    returns one late that 生态环境局 gets with a new deadline and lets pass too (a miss of each). 生态环境局 also
    returns a case late that the dispatcher then 不予受理. 住建局 4 misses, 生态环境局 2, the region 6."""
    p, d = personas, directory
    eco = personas["other_officer"]
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=90)
    day = dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        answered = _signed(p, d, "housing", p["officer"], "楼道灯坏了一个月", t0)
        actions.do_return(p["officer"], answered, d["housing"], "不属本单位职责", at=t0 + 40 * day)
        actions.do_dispatch(p["dispatcher"], answered, d["ecology"], at=t0 + 41 * day)
        actions.do_sign(eco, answered, d["ecology"], at=t0 + 42 * day)
        actions.do_reply(eco, answered, d["ecology"], "已更换楼道灯, 感谢监督。", at=t0 + 43 * day)
        withdrawn = _signed(p, d, "housing", p["officer"], "夜间施工噪音扰民", t0, body=WITHDRAWN_BODY)
        actions.do_return(p["officer"], withdrawn, d["housing"], "不属本单位职责", at=t0 + 40 * day)
        actions.do_withdraw(p["citizen"], withdrawn, at=t0 + 41 * day)
        _signed(p, d, "housing", p["officer"], "路灯不亮影响夜间出行", t0)
        on_time = _signed(p, d, "housing", p["officer"], "小区排水井盖缺失", t0)
        actions.do_reply(p["officer"], on_time, d["housing"], "井盖已补装, 感谢监督。", at=t0 + 2 * day)
        twice = _signed(p, d, "housing", p["officer"], "楼顶漏水多次反映", t0)
        actions.do_return(p["officer"], twice, d["housing"], "需补充材料", at=t0 + 40 * day)
        actions.do_dispatch(p["dispatcher"], twice, d["ecology"], at=t0 + 41 * day)
        actions.do_sign(eco, twice, d["ecology"], at=t0 + 42 * day)
        rejected = _signed(p, d, "ecology", eco, "公园健身器材损坏", t0)
        actions.do_return(eco, rejected, d["ecology"], "不属本单位职责", at=t0 + 40 * day)
        actions.do_reject(p["dispatcher"], rejected, "重复留言")
    return {"withdrawn": withdrawn, "rejected": rejected}


def _text(response) -> str:
    assert response.status_code == 200, response.content.decode()[:500]
    return response.content.decode()


def _unit_cell(html: str, unit: str, column: str) -> str:
    """The cell of ``unit``'s row of /stats/units/ under the heading ``column``, as HTML."""
    header = ["办理单位", *re.findall(r"<th><a [^>]*>([^<▲▼]+)", html)[1:]]
    row = re.search(rf"<tr>\s*<td>\d+\. {unit}</td>(.*?)</tr>", html, re.S).group(1)
    cells = re.findall(r"<td>(.*?)</td>", row, re.S)
    return cells[header.index(column) - 1]


def _rows(html: str) -> list[tuple[str, str, str]]:
    """(title, 误期单位, 误期情况) of each row of /stats/list/?measure=missed."""
    body = html[html.index("<tbody>"):html.index("</tbody>")]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
        rows.append((cells[1], cells[6], cells[7]))
    return sorted(rows)


HOUSING_ROWS = sorted([("楼道灯坏了一个月", HOUSING, "期限过后退回或转办"),
                       ("留言人已撤回", HOUSING, "期限过后退回或转办"),
                       ("路灯不亮影响夜间出行", HOUSING, "超期未答复"),
                       ("楼顶漏水多次反映", HOUSING, "期限过后退回或转办")])
ECOLOGY_ROWS = sorted([("楼顶漏水多次反映", ECOLOGY, "超期未答复"), ("未受理的留言", ECOLOGY, "期限过后退回或转办")])


def test_a_supervisor_clicks_a_units_missed_count_and_reads_exactly_those_cases(login, personas, directory, misses):
    """The count of 误期未答复 on /stats/units/ leads to the cases behind it, a row per miss naming the unit charged
    and how (given back late, or still unanswered past the deadline); /stats/'s totals too; the list's CSV and the
    API hold the same rows; a withdrawn or 不予受理 case is listed without its title, text or link."""
    sup = login(personas["supervisor"])
    units = _text(sup.get("/stats/units/", {"region": "620100"}))
    for unit, rows in ((HOUSING, HOUSING_ROWS), (ECOLOGY, ECOLOGY_ROWS)):
        cell = _unit_cell(units, unit, "误期未答复")
        found = re.fullmatch(r'<a href="([^"]+)">(\d+)</a>', cell.strip())
        assert found, cell
        assert int(found.group(2)) == len(rows)
        listed = _text(sup.get(found.group(1).replace("&amp;", "&")))
        assert f"误期未答复留言 <small class=\"muted\">共 {len(rows)} 件</small>" in listed
        assert _rows(listed) == rows
        assert "夜间施工噪音扰民" not in listed and WITHDRAWN_BODY[:10] not in listed
        assert "公园健身器材损坏" not in listed
        assert f"/m/{misses['withdrawn'].public_id}/" not in listed

    # /stats/: the totals' 误期未答复 (6: the case two units let go late is a row of each)
    stats = _text(sup.get("/stats/", {"region": "620100"}))
    href = re.search(r'误期未答复 <a href="([^"]+)">6</a> 件', stats).group(1).replace("&amp;", "&")
    assert _rows(_text(sup.get(href))) == sorted(HOUSING_ROWS + ECOLOGY_ROWS)

    unit = directory["housing"].pk
    response = sup.get("/stats/export/messages.csv", {"measure": "missed", "region": "620100", "unit": unit})
    table = data_rows(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert "误期单位" in table[0] and "办理单位" not in table[0]
    rows = [dict(zip(table[0], r, strict=True)) for r in table[1:]]
    assert sorted((r["标题"], r["误期单位"], r["误期情况"]) for r in rows) == HOUSING_ROWS
    assert [r["链接"] for r in rows if r["标题"] == "留言人已撤回"] == [""]
    xlsx = sup.get("/stats/export/messages.xlsx", {"measure": "missed", "region": "620100", "unit": unit})
    assert xlsx.status_code == 200

    api = sup.get("/api/v1/statistics/messages/", {"measure": "missed", "region": "620100", "unit": unit}).json()
    assert api["count"] == 4 == figures.compute(region="620100", unit=unit)["missed"]
    assert sorted((r["title"], r["miss"]["unit"]["name"], r["miss"]["open"]) for r in api["results"]) == sorted(
        (title, unit_name, how == "超期未答复") for title, unit_name, how in HOUSING_ROWS)
    assert "夜间施工噪音扰民" not in str(api)


def test_another_units_officer_reads_nothing_private_in_the_missed_list(login, personas, directory, misses):
    """生态环境局's officer (or anyone) reads the public list: no withdrawn or 不予受理 case's title or text, no
    contact details; a query word never selects such a case; the export with contact details is refused. The
    region's supervisor exports it with them, the withdrawn case's title as written."""
    officer = login(personas["other_officer"])
    params = {"measure": "missed", "region": "620100"}
    listed = _text(officer.get("/stats/list/", params))
    assert "共 6 件" in listed
    for private in ("夜间施工噪音扰民", WITHDRAWN_BODY[:10], "公园健身器材损坏", "13800000001", "xiaoli@example.com"):
        assert private not in listed

    def csv_rows(client, **extra):
        response = client.get("/stats/export/messages.csv", {**params, **extra})
        assert response.status_code == 200, response.content
        table = data_rows(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        return [dict(zip(table[0], r, strict=True)) for r in table[1:]]

    assert "夜间施工噪音扰民" not in str(csv_rows(officer))
    assert csv_rows(officer, q="噪音") == []
    assert csv_rows(officer, q=misses["withdrawn"].public_id) == []
    assert len(csv_rows(officer, q="路灯")) == 1
    assert officer.get("/stats/export/messages.csv", {**params, "personal": "1"}).status_code == 403
    api = officer.get("/api/v1/statistics/messages/", params).json()
    assert api["count"] == 6 and "夜间施工噪音扰民" not in str(api) and "13800000001" not in str(api)

    sup = login(personas["supervisor"])
    personal = csv_rows(sup, personal="1")
    assert len(personal) == 6
    assert [r["手机"] for r in personal if r["标题"] == "夜间施工噪音扰民"] == ["13800000001"]


def test_the_missed_list_reads_a_bounded_number_of_queries(client, personas, directory, misses,
                                                           django_capture_on_commit_callbacks):
    """The list page's queries do not grow with its rows (region, topic, author and unit read once a page)."""
    params = {"measure": "missed", "region": "620100"}

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            _text(client.get("/stats/list/", params))
        return len(ctx.captured_queries)

    before = queries()
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=90)
    author = make_user("13800000007", phone="13800000007", display_name="小赵")
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(4):
            m = actions.do_submit(author, title=f"路面塌陷第{i}处", body=BODY, kind="help", region=directory["chengguan"],
                                  topic=directory["topic_build"], at=t0)
            actions.do_dispatch(personas["dispatcher"], m, directory["housing"], at=t0 + dt.timedelta(hours=1))
    assert "共 10 件" in _text(client.get("/stats/list/", params))
    assert queries() == before


def test_a_deadline_passed_waiting_for_dispatch_is_no_units_miss_and_leaves_with_a_withdrawal(
        client, personas, directory, django_capture_on_commit_callbacks):
    """As docs/statistics.md says it (unchanged, 2026-12-06): a case 住建局 returned in time whose reply deadline then
    passed in the dispatcher's queue is one 误期未答复 of 尚未派单 while it waits — listed so, no unit's — and
    withdrawn by its author it is no miss at all: no unit held it when the deadline passed."""
    p, d = personas, directory
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=90)
    with django_capture_on_commit_callbacks(execute=True):
        m = _signed(p, d, "housing", p["officer"], "小区门口道路坑洼积水", t0)
        actions.do_return(p["officer"], m, d["housing"], "不属本单位职责", at=t0 + dt.timedelta(days=2))
    assert figures.compute(region="620100")["missed"] == 1
    assert {r["label"]: r["missed"] for r in figures.breakdown("unit", region="620100")}.get(HOUSING, 0) == 0
    listed = _text(client.get("/stats/list/", {"measure": "missed", "region": "620100"}))
    assert "共 1 件" in listed and _rows(listed) == [("小区门口道路坑洼积水", "尚未派单", "超期未答复")]
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_withdraw(p["citizen"], m)
    assert figures.compute(region="620100")["missed"] == 0
    assert "共 0 件" in _text(client.get("/stats/list/", {"measure": "missed", "region": "620100"}))


HIDDEN_NULLED = ("excerpt", "kind", "kind_label", "addressee", "author_name", "support_count", "supervised", "url")


def test_a_visitor_reads_no_more_of_a_withdrawn_or_rejected_case_through_the_api_than_the_list_shows(
        client, login, personas, directory, misses):
    """/stats/list/?measure=missed shows a withdrawn or 不予受理 case's number, region, topic, status, times and the
    unit charged, nothing else. Until 2026-12-06 (fix) the API's row of it blanked the title and text but still
    said which leader's mailbox it was written to, its type, how many said 我也遇到 and whether it was supervised:
    those are null now (in the exports, its 类型 is blank); a staff member's export with contact details keeps them."""
    from minsheng.board.models import Message

    hidden = [misses["withdrawn"].pk, misses["rejected"].pk]
    Message.objects.filter(pk__in=hidden).update(addressee=directory["mayor"], support_count=3, supervised=True)
    # sign_late's items: tests/test_stats_sign_boards.py
    api = client.get("/api/v1/statistics/messages/", {"measure": "missed", "region": "620100"})
    assert api.status_code == 200, api.content
    rows = [r for r in api.json()["results"] if r["status"] in ("withdrawn", "rejected")]
    assert {r["public_id"] for r in rows} == {misses["withdrawn"].public_id, misses["rejected"].public_id}
    for row in rows:
        assert {key: row[key] for key in HIDDEN_NULLED} == dict.fromkeys(HIDDEN_NULLED)
        assert row["title"] in ("留言人已撤回", "未受理的留言")
        assert row["region"]["name"] == "七里河区" and row["topic"]["name"] == "城乡建设"
        assert row["submitted_at"] and row["miss"]["open"] is False
    public = [r for r in api.json()["results"] if r["status"] not in ("withdrawn", "rejected")]
    assert public and all(r["kind"] == "help" and r["url"] for r in public)
    assert "兰州市市长" not in api.content.decode()

    def table(user_client, **extra):
        response = user_client.get("/stats/export/messages.csv", {"measure": "missed", "region": "620100", **extra})
        assert response.status_code == 200
        rows = data_rows(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        return {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}

    public = table(client)
    assert public[misses["withdrawn"].public_id]["类型"] == "" == public[misses["rejected"].public_id]["类型"]
    assert public[misses["withdrawn"].public_id]["标题"] == "留言人已撤回"
    assert {r["类型"] for key, r in public.items() if key not in {m.public_id for m in misses.values()}} == {"求助"}
    staff = table(login(personas["supervisor"]), personal="1")
    row = staff[misses["withdrawn"].public_id]
    assert (row["标题"], row["类型"], row["留言人"]) == ("夜间施工噪音扰民", "求助", "小李")


# ---- the misses one click from every 按时率 shown with its counts (since 2026-12-06, stats misses) ----


def _missed_link(html: str, pattern: str) -> tuple[str, int]:
    """The href and the number of the first link matching ``pattern`` (its groups: href, number)."""
    found = re.search(pattern, html, re.S)
    assert found, pattern
    return found.group(1).replace("&amp;", "&"), int(found.group(2))


def _listed_count(client, href: str) -> int:
    listed = _text(client.get(href))
    return int(re.search(r'误期未答复留言 <small class="muted">共 (\d+) 件</small>', listed).group(1))


def test_the_dashboards_late_units_link_the_misses_behind_their_on_time_rate(login, personas, directory, cases):
    """谁在拖延 showed 「按时率 0.0% (0/1 件)」 for 住建局: the supervisor saw that a case was late and could not
    click through to which one. The miss count now leads to /stats/list/?measure=missed of that unit and the
    card's 90 days, whose rows are as many as the count says."""
    from urllib.parse import parse_qs, urlsplit

    sup = login(personas["supervisor"])
    dash = _text(sup.get("/stats/dashboard/", {"region": "620100"}))
    card = dash[dash.index("谁在拖延"):dash.index("群众最关心的问题")]
    row = re.search(rf"<tr><td>{HOUSING}</td>.*?</tr>", card, re.S).group(0)
    href, shown = _missed_link(row, r'误期 <a href="([^"]+)">(\d+)</a> 件')
    params = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
    assert params["measure"] == "missed" and params["unit"] == str(directory["housing"].pk)
    assert params["region"] == "620100" and params["date_from"] and params["date_to"]
    league = figures.compute(region="620100", unit=directory["housing"].pk,
                             date_from=dt.date.fromisoformat(params["date_from"]),
                             date_to=dt.date.fromisoformat(params["date_to"]))
    assert shown == league["missed"] >= 1
    assert _listed_count(sup, href) == shown
    assert cases["overdue"].title in _text(sup.get(href))


def test_the_boards_on_time_rate_links_the_misses_behind_it(client, login, personas, directory, cases,
                                                            django_capture_on_commit_callbacks):
    """The home page, a region's board and a leader's board (public and its office's) showed 「按时率 (N 件按时)」
    with no way to the cases that made it low. Each now shows 「误期 N 件」, the count linked to the list of
    exactly those misses (the same scope, all time as the board), as many rows as the number shown."""
    from django.core.management import call_command

    from minsheng.board.models import Message

    Message.objects.filter(region__code__startswith="6201").update(addressee=directory["mayor"])
    with django_capture_on_commit_callbacks(execute=True):
        call_command("refresh_stats", "--commit")
    pattern = r'按时率 \(\d+ 件按时, 误期 <a href="([^"]+)">(\d+)</a> 件\)'
    region_missed = figures.compute(region="620100")["missed"]
    assert region_missed >= 1
    office = login(make_user("mayor_office", role="officer", unit=directory["center"]))
    for viewer, path, expected in ((client, "/", figures.compute()["missed"]),
                                   (client, "/region/620100/", region_missed),
                                   (client, f"/leaders/{directory['mayor'].pk}/", region_missed),
                                   (office, "/staff/leader-board/", region_missed)):
        href, shown = _missed_link(_text(viewer.get(path)), pattern)
        assert shown == expected, path
        assert "measure=missed" in href
        assert _listed_count(viewer, href) == shown, path


def _page_cells(html: str, public_id: str) -> set[str]:
    """The texts of the cells of ``public_id``'s row of /stats/list/."""
    row = re.search(rf"<tr><td>{public_id}</td>.*?</tr>", html, re.S).group(0)
    return {re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)}


def _hidden_after_late_returns(personas, directory, cases, django_capture_on_commit_callbacks):
    """From ``cases``: 住建局 gives back the case it let go past its reply deadline, and its author withdraws it;
    定西's 住建局 gives back the case it left unsigned past both deadlines, and the dispatcher 不予受理 it. Each is
    then a miss (and the second a late sign-for) of a case the public may not read."""
    from minsheng.board.models import Message

    p, d = personas, directory
    dx_officer = make_user("dx_officer", role="officer", unit=d["dx_housing"])
    withdrawn, rejected = cases["overdue"], cases["dingxi"]
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_return(p["officer"], withdrawn, d["housing"], "不属本单位职责")
        actions.do_withdraw(p["citizen"], Message.objects.get(pk=withdrawn.pk))
        actions.do_return(dx_officer, rejected, d["dx_housing"], "不属本单位职责")
        actions.do_reject(p["dx_dispatcher"], Message.objects.get(pk=rejected.pk), "重复留言")
    hidden = {m.public_id: Message.objects.get(pk=m.pk) for m in (withdrawn, rejected)}
    assert {m.status for m in hidden.values()} == {"withdrawn", "rejected"}
    assert all(m.due_at for m in hidden.values())
    return hidden


@pytest.mark.parametrize("measure", ["missed", "sign_late"])
def test_the_public_export_of_a_hidden_case_shows_what_the_list_shows_and_no_more(
        client, login, personas, directory, cases, django_capture_on_commit_callbacks, measure):
    """A withdrawn or 不予受理 case's row of /stats/list/?measure=missed (or sign_late) shows its number, its
    title's stand-in, region, topic, status, times and the unit charged. Until 2026-12-06 (stats misses) its row in
    the public CSV and XLSX also gave its 答复期限 — the day the page never shows. Every value of that row is now
    one the page shows; a staff export with contact details keeps the deadline."""
    from openpyxl import load_workbook

    hidden = _hidden_after_late_returns(personas, directory, cases, django_capture_on_commit_callbacks)
    if measure == "sign_late":  # the case 住建局 signed in time has no late sign-for
        hidden = {k: m for k, m in hidden.items() if m.status == "rejected"}
    page = _text(client.get("/stats/list/", {"measure": measure}))
    response = client.get("/stats/export/messages.csv", {"measure": measure})
    table = data_rows(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    xlsx = load_workbook(io.BytesIO(client.get("/stats/export/messages.xlsx", {"measure": measure}).content))
    sheet = [["" if v is None else str(v) for v in r] for r in xlsx.worksheets[0].iter_rows(values_only=True)]
    for rows in (table, sheet):
        by_id = {r[0]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
        for public_id in hidden:
            row = by_id[public_id]
            assert row["答复期限"] == ""
            assert {v for v in row.values() if v} <= _page_cells(page, public_id), row
        assert all(r["答复期限"] for key, r in by_id.items() if key not in hidden)  # the public cases' kept

    admin = login(make_user("root", is_superuser=True, is_staff=True))
    staff = admin.get("/stats/export/messages.csv", {"measure": measure, "personal": "1"})
    table = data_rows(csv.reader(io.StringIO(b"".join(staff.streaming_content).decode("utf-8-sig"))))
    by_id = {r[0]: dict(zip(table[0], r, strict=True)) for r in table[1:]}
    for public_id, m in hidden.items():
        assert by_id[public_id]["答复期限"] == timezone.localtime(m.due_at).strftime("%Y-%m-%d %H:%M")


def test_the_dashboards_not_dispatched_row_links_exactly_its_cases(
        login, personas, directory, django_capture_on_commit_callbacks):
    """A case 住建局 returned in time whose reply deadline passed waiting for dispatch is a miss of 尚未派单, the
    row 谁在拖延 always lists. Its links carried ``unit=0`` when no list took it; then its counts were bare
    numbers; since 2026-12-07 ``unit=0`` chooses the cases of no unit, and each link lists exactly its count."""
    p, d = personas, directory
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=60)
    with django_capture_on_commit_callbacks(execute=True):
        m = _signed(p, d, "housing", p["officer"], "小区门口道路坑洼积水", t0)
        actions.do_return(p["officer"], m, d["housing"], "不属本单位职责", at=t0 + dt.timedelta(days=2))
    sup = login(p["supervisor"])
    dash = _text(sup.get("/stats/dashboard/", {"region": "620100"}))
    card = dash[dash.index("谁在拖延"):dash.index("群众最关心的问题")]
    row = re.search(r"<tr><td>尚未派单</td>.*?</tr>", card, re.S).group(0)
    links = re.findall(r'<a href="([^"]+)">(\d+)</a>', row)
    assert links and all("unit=0" in href for href, _ in links), row
    for href, n in links:
        listed = _text(sup.get(html.unescape(href)))
        assert f"共 {n} 件" in listed, (href, n)
