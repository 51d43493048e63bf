# ruff: noqa: F811  (pytest fixtures imported from other test files)
"""Small defects a supervisor (督办员) met on a walk of 2026-12-07: a 尚未派单 row whose API filters listed the whole
region, 「满意率 — (0/0 参评)」 when nobody rated, a bare 「页面不存在」 for a mistyped district, a chosen district tab
not highlighted, and a case due this minute overdue in the API but not on the pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from minsheng.board import actions
from minsheng.board.models import Message

from .test_api_support import token_client
from .test_supervisor_monday import BODY, late  # noqa: F401 (the fixture)

pytestmark = pytest.mark.django_db


def _text(response) -> str:
    return response.content.decode()


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


# --- 2. a rate with nothing to count -------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/stats/dashboard/", "/stats/"])
def test_a_rate_nobody_rated_says_so(login, personas, late, path):
    page = _text(login(personas["supervisor"]).get(path))
    assert "0/0 参评" not in page and "满意率 (暂无评价)" in page


# --- 3, 4. the 督办 page's district tabs ---------------------------------------------------------------------------


def test_an_unknown_district_says_which_and_leads_back(login, personas, directory):
    response = login(personas["supervisor"]).get(reverse("board:supervision") + "?district=abc")
    assert response.status_code == 404
    page = _text(response)
    assert "没有这个区县: abc" in page and "已被撤回" not in page
    assert f'href="{reverse("board:supervision")}"' in page


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
    m = actions.do_submit(
        personas["citizen"],
        title="路灯不亮",
        body=BODY,
        kind="help",
        region=directory["qilihe"],
        topic=directory["topic_build"],
    )
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    # an hour ago, half a minute into its minute: the clock is set back to it below
    due = timezone.now().replace(second=30, microsecond=0) - dt.timedelta(hours=1)
    Message.objects.filter(pk=m.pk).update(due_at=due)
    m.assignments.update(due_at=due)
    api = token_client(personas["officer"])
    officer, sup = login(personas["officer"]), login(personas["supervisor"])

    def seen(now) -> dict:
        monkeypatch.setattr(timezone, "now", lambda: now)
        inbox = _text(officer.get(reverse("board:inbox")))
        return {
            "api": len(api.get("/api/v1/staff/inbox/", {"overdue": "true"}).json()["results"]),
            "api_case": api.get(f"/api/v1/staff/cases/{m.public_id}/").json()["is_overdue"],
            "inbox": int(re.search(r"已超期 <b class=\"late-count\">(\d+)</b>", inbox).group(1)),
            "supervision": "超期未答复 (1)" in _text(sup.get(reverse("board:supervision"))),
        }

    # ten seconds past the deadline, within its minute: late nowhere yet
    assert seen(due + dt.timedelta(seconds=10)) == {
        "api": 0,
        "api_case": False,
        "inbox": 0,
        "supervision": False,
    }
    # the next minute: late everywhere
    assert seen(due + dt.timedelta(seconds=31)) == {
        "api": 1,
        "api_case": True,
        "inbox": 1,
        "supervision": True,
    }
