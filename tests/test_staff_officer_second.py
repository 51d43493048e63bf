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


# --- a choice the actions took unchecked --------------------------------------------------

def test_the_actions_refuse_a_type_topic_or_region_the_site_does_not_have(personas, directory):
    """do_submit stored kind="complaint" (the type is "complain") and the case page showed the raw
    code; a 领域 switched off or a region not in the directory went through as well (the forms and
    the API offer neither). Refused with the form's words, naming the field, and nothing stored."""
    from minsheng.directory.models import Region

    good = {"title": "小区电梯坏了", "body": "老旧小区没有电梯, 老人上下楼困难, 希望尽快解决。", "kind": "help",
            "region": directory["qilihe"], "topic": directory["topic_build"]}
    retired = directory["topic_env"]
    retired.is_active = False
    retired.save()
    for change, field, words in [({"kind": "complaint"}, "kind", "请选择有效的留言类型"),
                                 ({"kind": ""}, "kind", "请选择有效的留言类型"),
                                 ({"topic": retired}, "topic", "请选择有效的领域"),
                                 ({"region": Region(code="620199", name="不存在区", level=3)}, "region", "请选择有效的区划")]:
        with pytest.raises(actions.Invalid) as refused:
            actions.do_submit(personas["citizen"], **{**good, **change})
        assert (str(refused.value), refused.value.field) == (words, field)
    assert not Message.objects.exists()
    m = actions.do_submit(personas["citizen"], **good)
    for change, words in [({"kind": "complaint"}, "请选择有效的留言类型"), ({"topic": retired}, "请选择有效的领域")]:
        with pytest.raises(actions.Invalid, match=words):
            actions.do_dispatch(personas["dispatcher"], m, directory["housing"], **change)
    assert Message.objects.get(pk=m.pk).status == "submitted"


def test_the_api_says_the_forms_words_of_a_type_or_topic_it_does_not_have(as_persona, personas, directory):
    region = directory["qilihe"].code
    response = as_persona("citizen").post("/api/v1/messages/", {
        "title": "小区电梯坏了", "body": "老旧小区没有电梯, 老人上下楼困难, 希望尽快解决。", "kind": "complaint",
        "region": region}, format="json")
    assert response.status_code == 400 and error_of(response)["fields"] == {"kind": ["请选择有效的留言类型"]}
    m = actions.do_submit(personas["citizen"], title="小区电梯坏了", body="老旧小区没有电梯, 老人上下楼困难, 希望尽快解决。",
                          kind="help", region=directory["qilihe"])
    retired = directory["topic_env"]
    retired.is_active = False
    retired.save()
    response = as_persona("dispatcher").post(f"/api/v1/staff/cases/{m.public_id}/dispatch/",
                                             {"lead": directory["housing"].pk, "topic": retired.code}, format="json")
    assert response.status_code == 400 and error_of(response)["fields"] == {"topic": ["请选择有效的领域"]}
    assert Message.objects.get(pk=m.pk).status == "submitted"
