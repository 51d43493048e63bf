# ruff: noqa: F811  (pytest fixtures imported from other test files)
"""Small defects a supervisor (督办员) met on a walk of 2026-12-07: a 尚未派单 row whose API filters listed the whole
region, 「满意率 — (0/0 参评)」 when nobody rated, a bare 「页面不存在」 for a mistyped district, a chosen district tab
not highlighted, and a case due this minute overdue in the API but not on the pages."""

from __future__ import annotations

import csv
import datetime as dt
import json
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from minsheng.board import actions
from minsheng.board.models import Extension, Message, Notification

from .conftest import make_user
from .test_api_support import token_client
from .test_supervisor_monday import BODY, late  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


def _dispatched(personas, directory, **more) -> Message:
    """「路灯不亮」 of 七里河区, sent to 住建局."""
    m = actions.do_submit(
        personas["citizen"],
        title="路灯不亮",
        body=BODY,
        kind="help",
        region=directory["qilihe"],
        topic=directory["topic_build"],
        **more,
    )
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    return m


def _asking_for_more_days(personas, directory):
    """The case, signed by 住建局, which asks for 5 days more: (message, extension)."""
    m = _dispatched(personas, directory)
    actions.do_sign(personas["officer"], m, directory["housing"])
    return m, actions.do_request_extension(
        personas["officer"], m, directory["housing"], 5, "需要协调多个部门"
    )


# --- 1. the API breakdown's 尚未派单 row ------------------------------------------------------------------------


def test_the_not_dispatched_rows_filters_list_exactly_its_cases(client, late):
    rows = client.get("/api/v1/statistics/breakdown/", {"by": "unit", "region": "620100"}).json()
    row = next(r for r in rows if r["label"] == "尚未派单")
    assert row["filters"], row
    assert (row["open"], row["overdue"]) == (1, 1)  # the case 住建局 gave back late, waiting for dispatch
    for measure in ("open", "received", "missed"):
        response = client.get(
            "/api/v1/statistics/messages/", {"region": "620100", **row["filters"], "measure": measure}
        )
        listed = response.json()
        assert response.status_code == 200, listed
        assert listed["count"] == len(listed["results"]) == row[measure], (measure, listed, row)
        assert {i["title"] for i in listed["results"]} <= {"小区门口道路积水无人处理"}
    # and the web's list of the same filters says the same
    assert "共 1 件" in _text(
        client.get("/stats/list/", {"region": "620100", **row["filters"], "measure": "open"})
    )
    assert client.get("/api/v1/statistics/", {"region": "620100", **row["filters"]}).json()["overdue"] == 1


def test_the_overdue_list_offers_and_keeps_not_dispatched(login, personas, late):
    """/stats/overdue/?unit=0 (the dashboard's 尚未派单 link) lists its case, and its 主办单位 says which is chosen."""
    page = _text(login(personas["supervisor"]).get("/stats/overdue/", {"region": "620100", "unit": "0"}))
    assert "共 1 件" in page and "小区门口道路积水无人处理" in page and "楼道灯坏了两个月没人修" not in page
    assert '<option value="0" selected>尚未派单 (1 件)</option>' in page


def test_the_commands_take_not_dispatched_as_unit_0(late, capsys, tmp_path):
    """`minsheng stats --unit 0` and `export-stats messages --unit 0`: 尚未派单's figures and cases, as `unit=0`."""
    call_command("stats", "--region", "620100", "--unit", "0")
    out = capsys.readouterr().out
    assert "尚未派单" in out.splitlines()[0]
    call_command("stats", "--region", "620100", "--unit", "0", "--json")
    figures = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert (figures["open"], figures["overdue"]) == (1, 1), figures
    out_file = tmp_path / "open.csv"
    call_command(
        "export_stats",
        "messages",
        "--region",
        "620100",
        "--unit",
        "0",
        "--measure",
        "open",
        "-o",
        str(out_file),
    )
    rows = list(csv.reader(out_file.read_text(encoding="utf-8-sig").splitlines()))
    listed = [r for r in rows if "小区门口道路积水无人处理" in r]
    assert len(listed) == 1 and "尚未派单" in listed[0] and "楼道灯坏了两个月没人修" not in str(rows)


# --- 2. a rate with nothing to count -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/stats/dashboard/", "/stats/"])
def test_a_rate_nobody_rated_says_so(login, personas, late, path):
    page = _text(login(personas["supervisor"]).get(path))
    assert "0/0 参评" not in page and "满意率 (暂无评价)" in page


@pytest.mark.parametrize("path", ["/stats/", "/", "/region/620100/", "/staff/leader-board/"])
def test_rates_with_nothing_answered_or_due_for_signing_say_so(login, personas, directory, path):
    """Nothing dispatched yet: 按时率 and 及时签收率 count nothing, on /stats/ and on the boards (home, a region's
    page, a leader's office) alike, not 「(0 件按时)」 nor a bare 及时签收率."""
    office = make_user(
        "mayor_office", role="officer", unit=directory["center"], display_name="市长信箱承办人"
    )
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", _text(login(office).get(path))))
    assert "按时率 (暂无答复)" in page and "及时签收率 (暂无应签收)" in page, page
    assert "件按时" not in page


# --- 3, 4. the 督办 page's district tabs ---------------------------------------------------------------------------


def test_an_unknown_district_says_which_and_leads_back(login, personas, directory):
    response = login(personas["supervisor"]).get(reverse("board:supervision") + "?district=620199")
    assert response.status_code == 404
    page = _text(response)
    assert "没有区划代码为 620199 的区划" in page and "已被撤回" not in page
    assert f'href="{reverse("board:supervision")}"' in page


@pytest.mark.parametrize(
    "typed", ["<script>alert(1)</script>", "6" * 13, "62\u202e0100", "6201\x07", "６２０１００", "abc"]
)
def test_a_district_code_not_of_digits_is_refused_without_repeating_it(login, personas, directory, typed):
    """A ?district= of anything but ASCII digits (at most 12) is not looked up (a NUL byte made PostgreSQL fail)
    nor repeated on the page (an RTL override, a phone number's text): 「区划代码应为数字」."""
    response = login(personas["supervisor"]).get(reverse("board:supervision"), {"district": typed})
    assert response.status_code == 404
    page = _text(response)
    assert "区划代码应为数字" in page and "没有区划代码为" not in page
    assert typed not in page and "\u202e" not in page and "alert(1)" not in page
    assert f'href="{reverse("board:supervision")}"' in page


def test_a_district_code_with_a_nul_byte_is_a_bad_request(login, personas, directory):
    """Refused before any view (``middleware``): PostgreSQL fails on a NUL in a query."""
    response = login(personas["supervisor"]).get(reverse("board:supervision"), {"district": "6201\x00"})
    assert response.status_code == 400 and "请求中含有无效字符 (NUL)" in _text(response)


def test_a_refused_decision_from_a_list_of_an_unknown_district_shows_the_whole_list(
    login, personas, directory
):
    """The list's address it was posted from names a district no tab does: the whole list, with the refusal
    (before, the site's bare 404 and the refusal lost)."""
    _, extension = _asking_for_more_days(personas, directory)
    actions.do_decide_extension(personas["supervisor"], extension, approve=False, note="请按期办理")
    response = login(personas["supervisor"]).post(
        reverse("board:decide_extension", args=[extension.pk]),
        {"decision": "approve", "note": "同意", "next": "/staff/supervision/?district=620199"},
    )
    page = _text(response)
    assert response.status_code != 404 and "<title>督办 · 民声</title>" in page, page
    assert "没有区划代码为" not in page and '<p class="staff-error" role="alert">该延期申请已由督办员于' in page


def test_the_chosen_district_tab_is_highlighted_even_with_nothing_in_it(login, personas, late):
    page = _text(login(personas["supervisor"]).get(reverse("board:supervision") + "?district=620102"))
    tabs = page[
        page.index('class="tabs districts"') : page.index("</nav>", page.index('class="tabs districts"'))
    ]
    current = re.findall(r'<a href="[^"]*district=(\d+)" class="current" aria-current="page">', tabs)
    assert current == ["620102"], tabs
    assert "全部区划" in tabs and "aria-current" not in tabs.split("全部区划")[0]


# --- 5. one rule for "overdue", at the minute -------------------------------------------------------------------


def test_the_api_and_the_pages_agree_on_a_case_due_this_minute(personas, directory, login, monkeypatch):
    m = _dispatched(personas, directory, addressee=directory["mayor"])
    # the mayor's office (领导来信, box=leader) and 住建局's head (本单位办理情况) read it too
    office = make_user(
        "mayor_office", role="officer", unit=directory["center"], display_name="市长信箱承办人"
    )
    head = make_user("head", role="head", unit=directory["housing"], display_name="住建局王局长")
    # an hour ago, half a minute into its minute: the clock is set back to it below
    due = timezone.now().replace(second=30, microsecond=0) - dt.timedelta(hours=1)
    Message.objects.filter(pk=m.pk).update(due_at=due)
    m.assignments.update(due_at=due)
    api, office_api = token_client(personas["officer"]), token_client(office)
    officer, sup = login(personas["officer"]), login(personas["supervisor"])
    office_page, head_page = login(office), login(head)

    def seen(now) -> dict:
        monkeypatch.setattr(timezone, "now", lambda: now)
        inbox = _text(officer.get(reverse("board:inbox")))
        leader_board = _text(office_page.get("/staff/leader-board/"))
        return {
            "api": len(api.get("/api/v1/staff/inbox/", {"overdue": "true"}).json()["results"]),
            "api_case": api.get(f"/api/v1/staff/cases/{m.public_id}/").json()["is_overdue"],
            "api_leader": len(
                office_api.get("/api/v1/staff/inbox/", {"box": "leader", "show": "overdue"}).json()["results"]
            ),
            "inbox": int(re.search(r"已超期 <b class=\"late-count\">(\d+)</b>", inbox).group(1)),
            "case_page": '<span class="overdue">已超期</span>'
            in _text(officer.get(f"/staff/case/{m.public_id}/")),
            "leader_board": int(re.search(r"已超期 \((\d+)\)", leader_board).group(1)),
            "unit_work": '<td data-label="已超期"><a class="count overdue"'
            in _text(head_page.get("/staff/unit-work/")),
            "supervision": "超期未答复 (1)" in _text(sup.get(reverse("board:supervision"))),
        }

    # ten seconds past the deadline, within its minute: late nowhere yet
    assert seen(due + dt.timedelta(seconds=10)) == {
        "api": 0,
        "api_case": False,
        "api_leader": 0,
        "inbox": 0,
        "case_page": False,
        "leader_board": 0,
        "unit_work": False,
        "supervision": False,
    }
    # the next minute: late everywhere
    assert seen(due + dt.timedelta(seconds=31)) == {
        "api": 1,
        "api_case": True,
        "api_leader": 1,
        "inbox": 1,
        "case_page": True,
        "leader_board": 1,
        "unit_work": True,
        "supervision": True,
    }


def test_a_refused_extension_notice_reads_late_at_the_minute_as_the_supervisor_does(
    personas, directory, monkeypatch, django_capture_on_commit_callbacks
):
    """The 延期 notice's 「原期限 … 已过」 as of the minute, as the 督办员's message of the same decision."""
    m, extension = _asking_for_more_days(personas, directory)
    due = timezone.now().replace(second=30, microsecond=0) - dt.timedelta(hours=1)
    Message.objects.filter(pk=m.pk).update(due_at=due)
    m.assignments.update(due_at=due)
    monkeypatch.setattr(timezone, "now", lambda: due + dt.timedelta(seconds=10))
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_decide_extension(
            personas["supervisor"], Extension.objects.get(pk=extension.pk), approve=False, note="请按期办理"
        )
    notice = Notification.objects.get(user=personas["officer"], kind="extension_decided").text
    assert "请在原期限" in notice and "已过" not in notice, notice
