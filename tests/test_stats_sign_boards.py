"""及时签收率 where leaders and supervisors read 按时率: the region and leader boards, the dashboard's late units,
a list of the late sign-fors (签收超期) behind each late count, and the rows of `minsheng stats --by`."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from minsheng.board import actions

from .conftest import make_user
from .test_exports import data_rows
from .test_stats_sign_rate import BODY, ECOLOGY, HOUSING, _cells, _text

pytestmark = pytest.mark.django_db


def _sent(p, d, unit, title: str, at):
    m = actions.do_submit(p["citizen"], title=title, body=BODY, kind="help", region=d["qilihe"],
                          topic=d["topic_build"], at=at, addressee=d["mayor"])
    actions.do_dispatch(p["dispatcher"], m, unit, at=at + dt.timedelta(hours=1))
    return m


@pytest.fixture
def signs(personas, directory, django_capture_on_commit_callbacks):
    """40 days ago, all written to 兰州市市长. 住建局: one case signed an hour after dispatch (及时), one signed
    10 days after (late), one never signed (late), and one signed late, returned, sent to it again and signed
    late again (two late sign-fors of one case). 生态环境局: one returned unsigned 10 days after dispatch
    (late), one dispatched an hour ago (not due). 住建局 1/5 (4 late), 生态环境局 0/1 (1 late), in all 1/6."""
    p, d = personas, directory
    eco = make_user("eco_officer", role="officer", unit=d["ecology"])
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=40)
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        on_time = _sent(p, d, d["housing"], "楼道灯坏了一个月", t0)
        actions.do_sign(p["officer"], on_time, d["housing"], at=t0 + 2 * hour)
        late = _sent(p, d, d["housing"], "小区门口道路坑洼积水", t0)
        actions.do_sign(p["officer"], late, d["housing"], at=t0 + 10 * day)
        _sent(p, d, d["housing"], "路灯不亮影响夜间出行", t0)
        twice = _sent(p, d, d["housing"], "楼顶漏水多次反映", t0)
        actions.do_sign(p["officer"], twice, d["housing"], at=t0 + 10 * day)
        actions.do_return(p["officer"], twice, d["housing"], "需补充材料", at=t0 + 11 * day)
        actions.do_dispatch(p["dispatcher"], twice, d["housing"], at=t0 + 11 * day + hour)
        actions.do_sign(p["officer"], twice, d["housing"], at=t0 + 20 * day)
        returned = _sent(p, d, d["ecology"], "小区噪音扰民", t0)
        actions.do_return(eco, returned, d["ecology"], "不属本单位职责", at=t0 + 10 * day)
        _sent(p, d, d["ecology"], "公园健身器材损坏", timezone.now().replace(microsecond=0) - hour)
    return {"late": ["小区门口道路坑洼积水", "路灯不亮影响夜间出行", "楼顶漏水多次反映"], "returned": "小区噪音扰民"}


def _href(html: str, pattern: str) -> str:
    found = re.search(pattern, html, re.S)
    assert found, pattern
    return found.group(1).replace("&amp;", "&")


def _rows(html: str) -> list[str]:
    """The titles listed on /stats/list/, a row each."""
    return re.findall(r'<td><a href="/m/[^"]+/">([^<]+)</a></td>', html)


def test_the_region_and_leader_boards_show_the_sign_for_rate_and_its_late_cases(
        client, login, personas, directory, signs):
    """The public region page and a leader's board showed 按时率 alone: a leader read how many cases were
    answered on time, not how many were signed for on time. Each now shows 及时签收率 as /stats/ counts it
    (the figure of the region, the sum of /stats/units/'s rows), its late count leading to those cases."""
    stats = _text(client.get("/stats/", {"region": "620100"}))
    assert "及时签收率 (1/6 件)" in stats and ">16.7%<" in stats
    # /stats/ itself: its 签收超期 count leads to the list the boards' link to (since 2026-12-06)
    late = _text(client.get(_href(stats, r'签收超期 <a href="([^"]+)">5</a> 件')))
    assert "签收超期留言 <small class=\"muted\">共 5 件</small>" in late
    units = _text(client.get("/stats/units/", {"region": "620100"}))
    assert _cells(units, "及时签收率")[HOUSING] == "20.0% (超期 4 件)"
    assert _cells(units, "及时签收率")[ECOLOGY] == "0.0% (超期 1 件)"

    region = _text(client.get("/region/620100/"))
    assert re.search(r"<strong>16\.7%</strong><span>及时签收率 \(1/6 件, 超期 <a [^>]+>5</a> 件\)</span>", region)
    late = _text(client.get(_href(region, r'及时签收率 \(1/6 件, 超期 <a href="([^"]+)">5</a>')))
    assert "签收超期留言 <small class=\"muted\">共 5 件</small>" in late
    assert sorted(_rows(late)) == sorted([*signs["late"], signs["late"][2], signs["returned"]])

    # a leader's board: the messages written to 兰州市市长 (here every one of the city's)
    board = _text(client.get(f"/leaders/{directory['mayor'].pk}/"))
    # its late count leads to their list since 2026-12-06 (tests/test_stats_addressee_lists.py)
    assert re.search(r"<strong>16\.7%</strong><span>及时签收率 \(1/6 件, 超期 <a [^>]+>5</a> 件\)</span>", board)
    office = login(make_user("mayor_office", role="officer", unit=directory["center"]))
    assert re.search(r"<strong>16\.7%</strong><span>及时签收率 \(1/6 件, 超期 <a [^>]+>5</a> 件\)</span>",
                     _text(office.get("/staff/leader-board/")))
    api = client.get(f"/api/v1/addressees/{directory['mayor'].pk}/").json()["figures"]
    whole = client.get("/api/v1/statistics/", {"region": "620100"}).json()
    assert (api["signed_on_time"], api["sign_due"], api["sign_on_time_rate"]) == (1, 6, whole["sign_on_time_rate"])


def test_the_dashboards_late_units_show_the_sign_for_rate_linked_to_the_late_sign_fors(
        login, personas, directory, signs):
    """谁在拖延 showed each late unit's 按时率 alone. It shows 及时签收率 too, of the same 90 days as
    /stats/units/ of those days, its late count leading to the cases (the count is the list's)."""
    admin = login(make_user("root", is_superuser=True, is_staff=True))
    dash = _text(admin.get("/stats/dashboard/", {"region": "620100"}))
    card = dash[dash.index("谁在拖延"):dash.index("群众最关心的问题")]
    assert "及时签收率 (近 90 天)" in card
    row = re.search(rf"<tr><td>{HOUSING}</td>.*?</tr>", card, re.S).group(0)
    assert "20.0% <span class=\"muted\">(1/5 件, 超期 <a " in row
    href = _href(row, r'超期 <a href="([^"]+)">4</a> 件')
    params = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
    assert params["measure"] == "sign_late" and params["unit"] == str(directory["housing"].pk)
    listed = _text(admin.get(href))
    assert "共 4 件" in listed and sorted(_rows(listed)) == sorted([*signs["late"], signs["late"][2]])
    # /stats/units/ of the card's 90 days: the same figure, and the same link
    units = _text(admin.get("/stats/units/", {k: params[k] for k in ("region", "date_from", "date_to")}))
    assert _cells(units, "及时签收率")[HOUSING] == "20.0% (超期 4 件)"
    assert href in units.replace("&amp;", "&")


def test_the_late_sign_for_list_exports_as_the_other_lists(client, personas, directory, signs):
    """/stats/list/?measure=sign_late: a row per late sign-for (a case signed late twice by one unit twice),
    naming the unit it was sent to; its CSV and XLSX hold the same rows."""
    from openpyxl import load_workbook

    params = {"measure": "sign_late", "region": "620100", "unit": directory["ecology"].pk}
    listed = _text(client.get("/stats/list/", params))
    assert _rows(listed) == [signs["returned"]] and "签收单位" in listed and f"<td>{ECOLOGY}</td>" in listed
    assert 'href="/stats/export/messages.csv?' in listed
    response = client.get("/stats/export/messages.csv", {**params, "unit": directory["housing"].pk})
    assert response.status_code == 200
    table = data_rows(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert "签收单位" in table[0] and "签收期限" in table[0]
    rows = [dict(zip(table[0], r, strict=True)) for r in table[1:]]
    assert sorted(r["标题"] for r in rows) == sorted([*signs["late"], signs["late"][2]])
    assert {r["签收单位"] for r in rows} == {HOUSING}
    xlsx = client.get("/stats/export/messages.xlsx", params)
    assert xlsx.status_code == 200
    sheet = list(load_workbook(io.BytesIO(xlsx.content), read_only=True).active.values)
    assert len(sheet) == 2 and signs["returned"] in sheet[1] and ECOLOGY in sheet[1]


def test_the_late_sign_for_list_counts_what_the_rate_counts_for_every_unit(client, personas, directory, signs):
    """Each unit's late count on /stats/units/ (应签收 − 及时签收) is the number of rows of its list."""
    from minsheng.stats import figures

    for row in figures.breakdown("unit", region="620100"):
        if not row["filters"]:
            continue
        listed = _text(client.get("/stats/list/", {"measure": "sign_late", "region": "620100", **row["filters"]}))
        assert f"共 {row['sign_due'] - row['signed_on_time']} 件" in listed, row["label"]


def test_stats_by_prints_the_sign_for_rate_of_each_row(personas, directory, signs, capsys):
    """`minsheng stats --by unit` printed 答复率 and 超期 for each unit, not 及时签收率 (its summary had it)."""
    from django.core.management import call_command

    call_command("stats", "--region", "620100", "--by", "unit")
    out = capsys.readouterr().out
    rows = {line.split("\t")[0]: line for line in out.splitlines() if "\t" in line}
    assert "\t及时签收率 20.0%" in rows[HOUSING] and "\t及时签收率 0.0%" in rows[ECOLOGY]
    assert "及时签收率: 16.7%" in out


def test_a_case_left_unsigned_past_its_deadline_then_not_accepted_counts_late_for_its_unit(
        client, personas, directory, signs, django_capture_on_commit_callbacks):
    """The case 生态环境局 returned unsigned 10 days past its 签收期限, then 不予受理 by the dispatcher. Until
    2026-12-06 (stats walk) its late sign-for counted nowhere (生态环境局 read 及时签收率 —), while a reply deadline
    the unit let pass before returning a case counts in its 按时率 whatever became of the case: the unit was late
    either way. It counts late for the unit, and the list behind the count shows it without what the dispatcher
    did not publish (a title in place of its own, no link), as a withdrawn case's."""
    from minsheng.board.models import Message

    returned = Message.objects.get(title=signs["returned"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_reject(personas["dispatcher"], returned, "重复留言")
    units = _text(client.get("/stats/units/", {"region": "620100"}))
    assert _cells(units, "及时签收率")[ECOLOGY] == "0.0% (超期 1 件)"
    region = _text(client.get("/region/620100/"))
    count = re.search(r"及时签收率 \((\d+)/(\d+) 件, 超期 <a href=\"([^\"]+)\">(\d+)</a>", region)
    assert count, region
    assert (count.group(1), count.group(2), count.group(4)) == ("1", "6", "5")
    late = _text(client.get(count.group(3).replace("&amp;", "&")))
    assert "共 5 件" in late
    row = re.search(rf"<tr><td>{returned.public_id}</td>.*?</tr>", late, re.S).group(0)
    assert "未受理的留言" in row and signs["returned"] not in row and "/m/" not in row
    assert f"<td>{ECOLOGY}</td>" in row and "<td>未受理</td>" in row and "未签收" in row

    api = client.get("/api/v1/statistics/messages/", {"measure": "sign_late", "region": "620100"}).json()
    assert api["count"] == 5
    shown = [r for r in api["results"] if r["public_id"] == returned.public_id]
    assert len(shown) == 1 and shown[0]["title"] == "未受理的留言" and shown[0]["excerpt"] is None and shown[0]["url"] is None
    assert shown[0]["kind"] is None and shown[0]["addressee"] is None and shown[0]["support_count"] is None
    assert signs["returned"] not in str(api)
    response = client.get("/stats/export/messages.csv", {"measure": "sign_late", "region": "620100",
                                                         "unit": directory["ecology"].pk})
    table = data_rows(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    rows = [dict(zip(table[0], r, strict=True)) for r in table[1:]]
    assert [(r["标题"], r["状态"], r["签收单位"], r["链接"]) for r in rows] == [("未受理的留言", "未受理", ECOLOGY, "")]
    # a query word never selects it publicly, as a withdrawn case's
    response = client.get("/stats/export/messages.csv", {"measure": "sign_late", "region": "620100", "q": "噪音"})
    assert data_rows(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))[1:] == []

    from django.core.management import call_command

    call_command("refresh_stats", "--commit")
    assert _cells(_text(client.get("/stats/units/", {"region": "620100"})), "及时签收率")[ECOLOGY] == "0.0% (超期 1 件)"


def test_migration_0012_drops_the_stored_sign_fors_of_cases_not_public(
        client, personas, directory, signs, django_capture_on_commit_callbacks):
    """A database filled by 0011 kept the late sign-for of a case 不予受理 since: 0012 drops it, the count
    then the list's."""
    import importlib

    from django.apps import apps
    from django.db import connection

    from minsheng.board.models import Message
    from minsheng.stats import figures
    from minsheng.stats.models import SignFor

    returned = Message.objects.get(title=signs["returned"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_reject(personas["dispatcher"], returned, "重复留言")
    SignFor.objects.all().delete()
    importlib.import_module("minsheng.stats.migrations.0011_sign_for").record_signs(apps, connection.schema_editor())
    assert SignFor.objects.filter(message=returned).exists()  # as 0011 left it
    importlib.import_module("minsheng.stats.migrations.0012_sign_for_public_only").drop_unpublished(
        apps, connection.schema_editor())
    figures.bump_version()
    assert not SignFor.objects.filter(message=returned).exists()
    region = _text(client.get("/region/620100/"))
    assert re.search(r"及时签收率 \(1/5 件, 超期 <a [^>]+>4</a> 件\)", region)


def _withdrawn_after_late_return(personas, signs, django_capture_on_commit_callbacks):
    """The case 生态环境局 left unsigned 10 days past its 签收期限 and then returned, withdrawn by its author
    waiting for dispatch (撤回 is the citizen's only while no unit holds it)."""
    from minsheng.board.models import Message

    returned = Message.objects.get(title=signs["returned"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_withdraw(personas["citizen"], returned)
    returned.refresh_from_db()
    assert returned.status == "withdrawn"
    return returned


def test_a_case_left_unsigned_past_its_deadline_then_withdrawn_counts_late_for_its_unit(
        client, login, personas, directory, signs, django_capture_on_commit_callbacks):
    """Before 2026-12-06 (later) the late sign-for of a case its author withdrew afterwards was counted nowhere:
    生态环境局 read 及时签收率 — (0/0 件) and the region 1/5, as if it had never been sent the case. It is
    counted late for the unit it was sent to, listed with its 签收期限 (the moment it was missed) and 「未签收」,
    its title and text not shown (the citizen withdrew them), on the boards, the list, the API and the exports."""
    withdrawn = _withdrawn_after_late_return(personas, signs, django_capture_on_commit_callbacks)
    sign_due = withdrawn.assignments.get().sign_due_at

    units = _text(client.get("/stats/units/", {"region": "620100"}))
    assert _cells(units, "及时签收率")[ECOLOGY] == "0.0% (超期 1 件)"
    region = _text(client.get("/region/620100/"))
    assert re.search(r"及时签收率 \(1/6 件, 超期 <a [^>]+>5</a> 件\)", region)
    board = _text(client.get(f"/leaders/{directory['mayor'].pk}/"))
    assert re.search(r"及时签收率 \(1/6 件, 超期 <a [^>]+>5</a> 件\)", board)

    late = _text(client.get(_href(region, r'及时签收率 \(1/6 件, 超期 <a href="([^"]+)">5</a>')))
    assert "共 5 件" in late
    assert sorted(_rows(late)) == sorted([*signs["late"], signs["late"][2]])  # the four public ones, linked
    row = re.search(rf"<tr><td>{withdrawn.public_id}</td>.*?</tr>", late, re.S).group(0)
    assert "留言人已撤回" in row and signs["returned"] not in row and "/m/" not in row
    assert f"<td>{ECOLOGY}</td>" in row and "<td>已撤回</td>" in row and "未签收" in row
    assert timezone.localtime(sign_due).strftime("%Y-%m-%d %H:%M") in row

    api = client.get("/api/v1/statistics/messages/", {"measure": "sign_late", "region": "620100"}).json()
    assert api["count"] == 5
    shown = [r for r in api["results"] if r["public_id"] == withdrawn.public_id]
    assert len(shown) == 1 and shown[0]["title"] == "留言人已撤回" and shown[0]["excerpt"] is None
    assert shown[0]["kind"] is None and shown[0]["addressee"] is None and shown[0]["supervised"] is None
    assert shown[0]["sign_for"]["unit"]["name"] == ECOLOGY and shown[0]["sign_for"]["signed_at"] is None
    assert signs["returned"] not in str(api) and BODY[:20] not in str(shown)

    params = {"measure": "sign_late", "region": "620100", "unit": directory["ecology"].pk}
    response = client.get("/stats/export/messages.csv", params)
    table = data_rows(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    rows = [dict(zip(table[0], r, strict=True)) for r in table[1:]]
    assert [(r["标题"], r["状态"], r["签收单位"], r["签收时间"], r["链接"]) for r in rows] == [
        ("留言人已撤回", "已撤回", ECOLOGY, "", "")]
    assert rows[0]["签收期限"] == timezone.localtime(sign_due).strftime("%Y-%m-%d %H:%M")

    # rebuilt from scratch (set-based SQL on PostgreSQL): the same
    from django.core.management import call_command

    call_command("refresh_stats", "--commit")
    assert _cells(_text(client.get("/stats/units/", {"region": "620100"})), "及时签收率")[ECOLOGY] == "0.0% (超期 1 件)"


def test_a_case_withdrawn_after_its_unit_returned_it_in_time_counts_for_no_unit(
        client, personas, directory, django_capture_on_commit_callbacks):
    """A unit that gives a case back within its 签收期限 has acted in time, withdrawn afterwards or not."""
    from minsheng.stats import figures

    at = timezone.now().replace(microsecond=0) - dt.timedelta(days=20)
    eco = make_user("eco_officer", role="officer", unit=directory["ecology"])
    with django_capture_on_commit_callbacks(execute=True):
        m = _sent(personas, directory, directory["ecology"], "小区噪音扰民", at)
        actions.do_return(eco, m, directory["ecology"], "不属本单位职责", at=at + dt.timedelta(hours=2))
        actions.do_withdraw(personas["citizen"], m)
    got = figures.compute(region="620100")
    assert (got["sign_due"], got["signed_on_time"]) == (0, 0)
    assert "共 0 件" in _text(client.get("/stats/list/", {"measure": "sign_late", "region": "620100"}))


def test_migration_0014_counts_the_late_sign_fors_of_withdrawn_cases_kept(
        client, personas, directory, signs, django_capture_on_commit_callbacks):
    """A database whose withdrawn cases' sign-fors 0012 dropped (and the actions did not write since): 0014
    writes them again, so the unit's late sign-for counts without a rebuild."""
    import importlib

    from django.apps import apps
    from django.db import connection

    from minsheng.stats import figures
    from minsheng.stats.models import SignFor

    withdrawn = _withdrawn_after_late_return(personas, signs, django_capture_on_commit_callbacks)
    SignFor.objects.filter(message=withdrawn).delete()  # as 0012 left it
    importlib.import_module("minsheng.stats.migrations.0014_sign_for_withdrawn").record_withdrawn_signs(
        apps, connection.schema_editor())
    figures.bump_version()
    assert SignFor.objects.filter(message=withdrawn).count() == 1
    region = _text(client.get("/region/620100/"))
    assert re.search(r"及时签收率 \(1/6 件, 超期 <a [^>]+>5</a> 件\)", region)


def test_the_public_late_sign_for_lists_never_match_a_query_word_in_a_withdrawn_case(
        client, personas, directory, signs, django_capture_on_commit_callbacks):
    """Before 2026-12-06 (fix) ``/stats/export/messages.csv?measure=sign_late&q=噪音`` returned the withdrawn case
    whose title holds 噪音: anyone could probe the words a citizen withdrew. A query word keeps the published
    cases only; ``status=withdrawn`` alone still lists it (its status is shown in every row anyway)."""
    withdrawn = _withdrawn_after_late_return(personas, signs, django_capture_on_commit_callbacks)

    def csv_ids(**params):
        response = client.get("/stats/export/messages.csv", {"measure": "sign_late", "region": "620100", **params})
        table = data_rows(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
        return [dict(zip(table[0], r, strict=True))["留言编号"] for r in table[1:]]

    assert withdrawn.public_id in csv_ids()
    assert csv_ids(q="噪音") == []
    assert csv_ids(q="噪音", status="withdrawn") == []
    assert csv_ids(q=withdrawn.public_id) == []
    assert csv_ids(status="withdrawn") == [withdrawn.public_id]
    assert len(csv_ids(q="路灯")) == 1  # a published case's word still finds it
    assert len(csv_ids(q="坑洼")) == 4  # the text all five share: the four published ones

    # the page takes no query word (the same rows whatever word is sent), the API refuses one
    for word in ("噪音", "没有这个词"):
        page = _text(client.get("/stats/list/", {"measure": "sign_late", "region": "620100", "q": word}))
        assert "共 5 件" in page and "噪音" not in page
        api = client.get("/api/v1/statistics/messages/", {"measure": "sign_late", "region": "620100", "q": word})
        assert api.status_code == 400 and "噪音" not in api.content.decode()
        api = client.get("/api/v1/statistics/messages/", {"measure": "sign_late", "status": "withdrawn"})
        assert api.status_code == 400


def test_migration_0016_counts_the_late_sign_fors_of_cases_not_accepted_kept(
        client, personas, directory, signs, django_capture_on_commit_callbacks):
    """A database whose 不予受理 cases' sign-fors 0012 dropped (and the actions did not write since): 0016 writes
    them again, so the unit's late sign-for counts without a rebuild."""
    import importlib

    from django.apps import apps
    from django.db import connection

    from minsheng.board.models import Message
    from minsheng.stats import figures
    from minsheng.stats.models import SignFor

    returned = Message.objects.get(title=signs["returned"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_reject(personas["dispatcher"], returned, "重复留言")
    SignFor.objects.filter(message=returned).delete()  # as 0012 left it
    importlib.import_module("minsheng.stats.migrations.0016_sign_for_rejected").record_rejected_signs(
        apps, connection.schema_editor())
    figures.bump_version()
    assert SignFor.objects.filter(message=returned).count() == 1
    region = _text(client.get("/region/620100/"))
    assert re.search(r"及时签收率 \(1/6 件, 超期 <a [^>]+>5</a> 件\)", region)
