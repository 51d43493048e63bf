# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""An officer's inbox and case page, second walk (2026-12-04): the inbox by each case's next deadline,
a message type the actions take unchecked, 内部备注 of the lead unit, and what a stale page's refused
action says about the case now."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from minsheng.board import actions
from minsheng.board.models import Assignment, Message

from .test_api_support import (  # noqa: F401 (fixtures)
    _fresh_rate_limits,
    _media_in_tmp,
    api_key,
    as_persona,
    error_of,
)

pytestmark = pytest.mark.django_db

REPLY = "经核查, 该小区加装电梯已列入今年计划, 街道将于下月召开居民协商会, 具体安排会在小区公告栏公布。"


def dispatch(personas, directory, title, at=None):
    m = actions.do_submit(personas["citizen"], title=title, body="老旧小区没有电梯, 老人上下楼困难, 希望尽快解决。",
                          kind="help", region=directory["qilihe"], topic=directory["topic_build"], at=at)
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"], at=at)
    return Message.objects.get(pk=m.pk)


def inbox_titles(client) -> list[str]:
    page = client.get(reverse("board:inbox")).content.decode()
    return re.findall(r'<a href="/staff/case/\d+/(?:\?[^"]*)?">([^<]+)</a>', page)


# --- the inbox's order ------------------------------------------------------------------

def test_inbox_lists_by_the_next_deadline_page_and_api_alike(personas, directory, login, as_persona):
    """A signed case due today came after every unsigned case (unsigned first, whatever their
    deadlines): on page 8 behind cases due in ten days. Now the next deadline leads: 签收 while
    unsigned, else 答复; the overdue first; on a tie the older submission first."""
    now = timezone.now()
    late = dispatch(personas, directory, "已超期的留言", at=now - dt.timedelta(days=40))
    actions.do_sign(personas["officer"], late, directory["housing"], at=now - dt.timedelta(days=39))
    older = dispatch(personas, directory, "先提交的待签收留言")
    newer = dispatch(personas, directory, "后提交的待签收留言")
    today = dispatch(personas, directory, "今天到期的已签收留言")
    actions.do_sign(personas["officer"], today, directory["housing"])
    Message.objects.filter(pk=today.pk).update(due_at=now + dt.timedelta(hours=1))
    Assignment.objects.filter(message=today).update(due_at=now + dt.timedelta(hours=1))
    later = dispatch(personas, directory, "十天后到期的已签收留言")
    actions.do_sign(personas["officer"], later, directory["housing"])
    expected = [late, today, older, newer, later]
    assert inbox_titles(login(personas["officer"])) == [m.title for m in expected]
    response = as_persona("officer").get("/api/v1/staff/inbox/", {"box": "unit"})
    assert [m["public_id"] for m in response.json()["results"]] == [m.public_id for m in expected]
    # paged by the same order: a cursor over the next deadline
    first = as_persona("officer").get("/api/v1/staff/inbox/", {"box": "unit", "page_size": 2}).json()
    ids = [m["public_id"] for m in first["results"]]
    while first["next"]:
        first = as_persona("officer").get(first["next"]).json()
        ids += [m["public_id"] for m in first["results"]]
    assert ids == [m.public_id for m in expected]
