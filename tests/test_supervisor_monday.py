"""A supervisor on a Monday, finding which district and which unit is late and sending it on (the walk of
2026-12-07): the cases late now were mostly submitted more than 30 days ago, so the dashboard's only exports,
those of its 近 30 天, read 超期未答复 0 for every district and unit beside the cards' 哪里在拖延 and 谁在拖延;
and the 督办 page named a late case given back to the dispatcher 「待派单」 where the 超期清单, its exports and
the dashboard say 「尚未派单」."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import re

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from minsheng.board import actions

from .conftest import make_user
from .test_cli_bad_input import minsheng_main  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db

BODY = "小区门口的道路坑洼不平, 下雨后积水很深, 老人孩子出行很不方便, 希望尽快修复。"


@pytest.fixture
def late(personas, directory, django_capture_on_commit_callbacks):
    """Sixty days ago, in 七里河区: one case 住建局 holds unanswered past its deadline, and one it gave back
    (退单) past it, waiting for dispatch again; both late now, neither submitted in the last 30 days."""
    p, d = personas, directory
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=60)
    made = []
    with django_capture_on_commit_callbacks(execute=True):
        for title in ("楼道灯坏了两个月没人修", "小区门口道路积水无人处理"):
            m = actions.do_submit(
                p["citizen"],
                title=title,
                body=BODY,
                kind="help",
                region=d["qilihe"],
                topic=d["topic_build"],
                at=t0,
            )
            actions.do_dispatch(p["dispatcher"], m, d["housing"], at=t0 + dt.timedelta(hours=1))
            actions.do_sign(p["officer"], m, d["housing"], at=t0 + dt.timedelta(days=1))
            made.append(m)
        actions.do_return(
            p["officer"], made[1], d["housing"], "不属本单位职责", at=t0 + dt.timedelta(days=30)
        )
    return made


def _text(response) -> str:
    assert response.status_code == 200, response.content.decode()[:500]
    return response.content.decode()


def _card(page: str, heading: str, end: str) -> str:
    return page[page.index(heading) : page.index(end)]


def _csv(client, href: str) -> list[dict]:
    response = client.get(html.unescape(href))
    assert response.status_code == 200, href
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(body.split("\r\n\r\n")[0])))  # the table, not the 说明 beneath


def test_the_dashboard_exports_the_late_districts_and_units_it_shows(login, personas, late):
    sup = login(personas["supervisor"])
    page = _text(sup.get("/stats/dashboard/"))
    where = _card(page, "哪里在拖延", "谁在拖延")
    assert re.search(r"七里河区</a></td><td><a [^>]+>2</a>", where)
    # its export has the table's figures: no dates (the cases late now, whenever submitted)
    href = re.search(r'href="(/stats/export/table\.csv\?[^"]+)"[^>]*>[^<]*CSV', where).group(1)
    assert "date_from" not in href and "by=region" in href
    rows = {r["区划"]: r for r in _csv(sup, href)}
    assert rows["七里河区"]["超期未答复"] == "2"
    who = _card(page, "谁在拖延", "群众最关心的问题")
    href = re.search(r'href="(/stats/export/table\.csv\?[^"]+by=unit[^"]*)"', who).group(1)
    rows = {r["办理单位"]: r for r in _csv(sup, href)}
    assert rows["兰州市住房和城乡建设局"]["超期未答复"] == "1" and rows["尚未派单"]["超期未答复"] == "1"
    # and the list of the late cases, a row each, to send to the districts
    href = re.search(r'href="(/stats/export/messages\.csv\?[^"]+)"', where).group(1)
    listed = _csv(sup, href)
    assert sorted(r["标题"] for r in listed) == sorted(m.title for m in late)
    assert {r["主办单位"] for r in listed} == {"兰州市住房和城乡建设局", "尚未派单"}
    # the 近 30 天 exports say what their late columns count
    assert "导出近 30 天 (按提交日期) 统计" in page
    assert "{#" not in page and "#}" not in page  # no template comment shown as text


def test_the_supervision_page_names_a_late_case_given_back_as_the_overdue_list_does(login, personas, late):
    sup = login(personas["supervisor"])
    page = _text(sup.get("/staff/supervision/"))
    row = page[page.index(f'id="overdue-{late[1].public_id}"') :]
    row = row[: row.index("</tr>")]
    assert "尚未派单" in row and "待派单</span>" not in row
    listed = _text(sup.get("/stats/overdue/"))
    assert "尚未派单" in listed


def test_the_overdue_list_leads_a_supervisor_to_the_supervise_form_of_each_case(login, personas, late):
    """The 超期清单 said 「未督办」 and offered nothing: the 督办 form is on the case page, below its notes."""
    sup = login(personas["supervisor"])
    listed = _text(sup.get("/stats/overdue/"))
    for m in late:
        assert f'href="/staff/case/{m.public_id}/#supervise"' in listed
    case = _text(sup.get(f"/staff/case/{late[0].public_id}/"))
    assert 'id="supervise"' in case
    # a unit's officer reads its own late cases there, and 督办 is no action of theirs
    assert "#supervise" not in _text(login(personas["officer"]).get("/stats/overdue/"))


def test_a_leaders_office_reads_the_dashboard_but_exports_no_late_list(login, directory, late):
    """The 超期清单's export is its region's supervisors', dispatchers' and admins' (as /stats/overdue/ offers it):
    兰州市市长's office reads the dashboard and its late figures, and is offered no export of the list it cannot
    take — the export itself answers 403."""
    office = login(
        make_user("mayor_office", role="officer", unit=directory["center"], display_name="市长信箱承办人")
    )
    page = _text(office.get("/stats/dashboard/"))
    assert "哪里在拖延" in page and "/stats/export/messages" not in page
    refused = office.get("/stats/export/messages.csv", {"region": "620100", "measure": "overdue"})
    assert refused.status_code == 403


def test_the_dashboards_unit_export_lists_the_latest_units_first(
    login, personas, directory, late, django_capture_on_commit_callbacks
):
    """谁在拖延 lists the units by how many cases they let run late; its export listed them by 受理 — 生态环境局,
    with three fresh cases and none late, above 住建局 — and gave 按时率 over all time beside the card's 90 days
    unsaid. It lists them as the card does, most late first, and says its rates are not the card's."""
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            m = actions.do_submit(
                personas["citizen"],
                title=f"河道有异味第{n + 1}次反映",
                body=BODY,
                kind="help",
                region=directory["qilihe"],
                topic=directory["topic_env"],
            )
            actions.do_dispatch(personas["dispatcher"], m, directory["ecology"])
    sup = login(personas["supervisor"])
    page = _text(sup.get("/stats/dashboard/"))
    who = _card(page, "谁在拖延", "群众最关心的问题")
    assert "按时率等为全部时间, 与上表近 90 天不同" in who
    href = re.search(r'href="(/stats/export/table\.csv\?[^"]+by=unit[^"]*)"', who).group(1)
    rows = _csv(sup, href)
    late_counts = [int(r["超期未答复"]) for r in rows]
    assert late_counts == sorted(late_counts, reverse=True) and late_counts[0] == 1
    assert [r["办理单位"] for r in rows][-1] == "兰州市生态环境局"
    said = b"".join(sup.get(html.unescape(href)).streaming_content).decode("utf-8-sig")
    assert "排序,超期未答复从多到少" in said  # its 说明, beneath the table
    # 哪里在拖延's table export alike, most late first
    where = _card(page, "哪里在拖延", "谁在拖延")
    assert "sort=overdue" in re.search(
        r'href="(/stats/export/table\.csv\?[^"]+by=region[^"]*)"', where
    ).group(1)
    # an order of another page's (/stats/units/'s league) leaves the table in its own order, by 受理
    plain = _csv(sup, href.replace("sort=overdue", "sort=received"))
    assert plain[0]["办理单位"] == "兰州市生态环境局"
    # and /stats/units/ sorted by 超期未答复 ascending links its export so: fewest first
    fewest = [int(r["超期未答复"]) for r in _csv(sup, html.unescape(href) + "&dir=asc")]
    assert fewest == sorted(late_counts) and fewest[0] == 0


def test_the_supervision_pages_supervised_list_names_a_case_given_back_as_not_dispatched(
    login, personas, late
):
    """督办过的留言 named a supervised case its unit gave back (退单) 「待派单」, beside its status 待派单; the other
    lists say 「尚未派单」 of the unit."""
    actions.do_supervise(personas["supervisor"], late[1], "请尽快重新派单")
    sup = login(personas["supervisor"])
    page = _text(sup.get("/staff/supervision/"))
    section = page[page.index('id="supervised"') :]
    section = section[: section.index("</section>")]
    row = section[section.index(late[1].title) :]
    row = row[: row.index("</tr>")]
    assert '<span class="muted">尚未派单</span>' in row and "待派单</span>" not in row


def test_the_table_command_sorts_by_overdue_as_the_dashboard_lists_the_late_districts(
    login, personas, directory, late, minsheng_main, capsys, django_capture_on_commit_callbacks  # noqa: F811
):
    """`minsheng export-stats table` had no way to the dashboard's order (its export's sort=overdue): an operator
    sending 哪里在拖延 to the districts got them by 受理. ``--sort overdue``, the web's word, lists them as the card
    does — two districts as late, 城关区 before 七里河区 by code, as the card, where the table's own order puts the
    one of more 受理 first — and says so in its 说明; another value is refused in one line."""
    with django_capture_on_commit_callbacks(execute=True):
        t0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=60)
        for title in ("路灯不亮两个月", "下水道堵塞无人疏通"):
            m = actions.do_submit(personas["citizen"], title=title, body=BODY, kind="help",
                                  region=directory["chengguan"], topic=directory["topic_build"], at=t0)
            actions.do_dispatch(personas["dispatcher"], m, directory["housing"], at=t0 + dt.timedelta(hours=1))
        # 七里河区: more 受理, none of them late
        actions.do_submit(personas["citizen"], title="公交站台缺少遮阳棚", body=BODY, kind="suggest",
                          region=directory["qilihe"], topic=directory["topic_build"])
    sup_page = _text(login(personas["supervisor"]).get("/stats/dashboard/"))
    where = _card(sup_page, "哪里在拖延", "谁在拖延")
    card = re.findall(r"<tr><td>(?:<a [^>]+>)?([^<]+)(?:</a>)?</td><td><a [^>]+>(\d+)</a>", where)
    assert card == [("城关区", "2"), ("七里河区", "2")]
    # the command's output in this process (call_command): the entry point closes the database connection after a
    # command, the test's own on PostgreSQL; it runs below where it reads no database
    call_command("export_stats", "table", "--region", "620100", "--sort", "overdue")
    table, *_, said = capsys.readouterr().out.split("\r\n\r\n")  # the table, 合计, 说明
    rows = list(csv.DictReader(io.StringIO(table)))
    assert [(r["区划"], r["超期未答复"]) for r in rows if r["超期未答复"] != "0"] == card
    assert "排序,超期未答复从多到少" in said
    call_command("export_stats", "table", "--region", "620100")  # its own order, as before: by 受理
    assert [r["区划"] for r in csv.DictReader(io.StringIO(capsys.readouterr().out.split("\r\n\r\n")[0]))][0] == "七里河区"
    with pytest.raises(CommandError, match="^--sort 只用于 table$"):
        call_command("export_stats", "messages", "--sort", "overdue")
    refused = minsheng_main("export-stats", "table", "--sort", "received")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip() == ("minsheng export-stats: error: 参数 --sort 的值 'received' 不在可选范围内 "
                                      "(可选: 'overdue')")
    helped = " ".join(minsheng_main("export-stats", "--help").stdout.split())
    assert "--sort {overdue}" in helped and "超期未答复从多到少" in helped
