"""What a walk of the workbench as an officer with a full inbox and as a dispatcher found."""

from __future__ import annotations

import pytest
from django.urls import reverse

from minsheng.board import actions
from minsheng.board.models import Message

pytestmark = pytest.mark.django_db


def submit(personas, directory, title):
    return actions.do_submit(personas["citizen"], title=title, body="老旧小区没有电梯, 老人上下楼困难, 希望尽快解决。",
                             kind="help", region=directory["qilihe"], topic=directory["topic_build"])


def dispatch(personas, directory, title):
    m = submit(personas, directory, title)
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    return Message.objects.get(pk=m.pk)


@pytest.mark.parametrize("persona, url, title", [
    ("officer", "board:inbox", "加装电梯的留言"),
    ("dispatcher", "board:triage", "待派单的留言"),
])
def test_a_search_of_emoji_alone_says_the_list_is_not_filtered(personas, directory, login, persona, url, title):
    """「😀」 filters nothing (search.searchable): the whole list came back under the search box
    as if every case matched, without a word (the public list says so)."""
    if persona == "officer":
        dispatch(personas, directory, title)
    else:
        submit(personas, directory, title)
    page = login(personas[persona]).get(reverse(url) + "?q=😀").content.decode()
    assert "「😀」中没有可查找的文字、字母或数字" in page
    assert title in page
    plain = login(personas[persona]).get(reverse(url) + "?q=电梯").content.decode()
    assert "没有可查找" not in plain


def act(client, m, action, **data):
    data["version"] = Message.objects.get(pk=m.pk).version
    return client.post(reverse("board:case_action", args=[m.public_id, action]), data)


def test_a_reason_of_emoji_or_punctuation_alone_is_refused(personas, directory, login):
    """「不予受理理由: 😀」 was what the citizen read of why their message was refused; an extension
    asked for with 「……」 reached the supervisor so."""
    waiting = submit(personas, directory, "待审核的留言")
    response = act(login(personas["dispatcher"]), waiting, "reject", reason="😀")
    assert response.status_code == 400 and "理由中没有文字, 请用文字写明理由" in response.content.decode()
    assert Message.objects.get(pk=waiting.pk).status == waiting.status
    case = dispatch(personas, directory, "办理中的留言")
    officer = login(personas["officer"])
    for action, data in (("return", {"reason": "？？？"}), ("extend", {"days": 5, "reason": "……"})):
        response = act(officer, case, action, **data)
        assert response.status_code == 400 and "理由中没有文字" in response.content.decode(), action
    assert not case.assignments.get().extensions.exists()
    assert act(officer, case, "extend", days=5, reason="需现场核查").status_code == 302
