"""What a walk of the workbench as an officer with a full inbox and as a dispatcher found."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from minsheng.board import actions
from minsheng.board.models import Assignment, Message

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
    assert "以下是全部" in page and "筛选条件下" not in page


@pytest.mark.parametrize("persona, url, title", [
    ("officer", "board:inbox", "加装电梯的留言"),
    ("dispatcher", "board:triage", "待派单的留言"),
])
def test_a_search_past_100_characters_says_it_searched_the_beginning(personas, directory, login, persona, url, title):
    """A pasted paragraph (or a link with 8,000 characters of it, which gunicorn refused with a bare
    English 414 before its limit was raised) was searched by its first 100 characters without a word."""
    if persona == "officer":
        dispatch(personas, directory, title)
    else:
        submit(personas, directory, title)
    client = login(personas[persona])
    page = client.get(reverse(url), {"q": title + "。" + "老旧小区没有电梯" * 1000}).content.decode()
    assert "查找内容超过 100 个字, 只按前 100 个字查找" in page
    assert title in page  # found by its beginning
    assert "超过 100 个字" not in client.get(reverse(url), {"q": title}).content.decode()


def test_an_emoji_search_under_a_filter_does_not_claim_the_whole_inbox(personas, directory, login):
    """Under 指派给我 (or another tab) the list that came back is the filter's, not every case:
    the notice said 「以下是全部待办」 there too."""
    dispatch(personas, directory, "加装电梯的留言")
    officer = login(personas["officer"])
    for query in ("?handler=me&q=😀", "?tab=assist&q=😀"):
        page = officer.get(reverse("board:inbox") + query).content.decode()
        assert "以下是筛选条件下的全部待办" in page, query
        assert "以下是全部待办" not in page, query


def test_sign_selected_shows_only_over_rows_it_can_tick(personas, directory, login):
    """签收所选 on the 已超期 tab whose rows were all signed (a new case elsewhere in the inbox):
    a button over no box to tick."""
    late = dispatch(personas, directory, "超期的留言")
    actions.do_sign(personas["officer"], late, directory["housing"])
    Assignment.objects.filter(message=late).update(due_at=timezone.now() - dt.timedelta(days=1))
    fresh = dispatch(personas, directory, "新派来的留言")
    officer = login(personas["officer"])
    overdue = officer.get(reverse("board:inbox") + "?tab=overdue").content.decode()
    assert "超期的留言" in overdue and "新派来的留言" not in overdue
    assert "签收所选" not in overdue and 'form="bulk-sign"' not in overdue
    todo = officer.get(reverse("board:inbox")).content.decode()
    assert "签收所选" in todo and f'value="{fresh.public_id}" form="bulk-sign"' in todo


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
    assert act(officer, case, "sign").status_code == 302
    for action, data in (("return", {"reason": "？？？"}), ("extend", {"days": 5, "reason": "……"})):
        response = act(officer, case, action, **data)
        assert response.status_code == 400 and "理由中没有文字" in response.content.decode(), action
    assert not case.assignments.get().extensions.exists()
    assert act(officer, case, "extend", days=5, reason="需现场核查").status_code == 302


def test_a_whole_quality_score_reads_without_a_decimal(personas, directory, login, monkeypatch):
    """「10.0 分」 beside 「20 分」: a score is rounded to one decimal, a capped one is whole; the reply
    form's preview and a published reply's score read 「10 分」 and keep a real decimal (「34.2 分」)."""
    case = dispatch(personas, directory, "办理中的留言")
    officer = login(personas["officer"])
    assert act(officer, case, "sign").status_code == 302
    monkeypatch.setattr("minsheng.board.views.staff.quality_for",
                        lambda message, body, explain=False, unit=None: {"score": 10.0, "reasons": []})
    url = reverse("board:reply_preview", args=[case.public_id])
    preview = officer.post(url, {"body": "您好, 电梯加装事宜已列入明年计划。", "version": 0}, HTTP_HX_REQUEST="true")
    assert "答复质量评分: 10 分 (满分 100)" in preview.content.decode()
    assert act(officer, case, "reply", body="您好, 电梯加装事宜已列入明年计划, 详情请致电住建局。").status_code == 302
    reply = case.replies.get()
    for score, shown in ((40.0, "质量评分 40 分"), (34.2, "质量评分 34.2 分")):
        reply.quality = {"score": score}
        reply.save(update_fields=["quality"])
        page = officer.get(reverse("board:case", args=[case.public_id])).content.decode()
        assert shown + " (满分 100)" in page


def test_signing_again_from_a_stale_page_says_the_case_is_signed(personas, directory, login):
    """The 签收 of a second tab (or of a colleague's page) read 「…现在不能再执行该操作」 as if signing
    had been refused; the case is signed, and the page now has the reply form."""
    case = dispatch(personas, directory, "待签收的留言")
    officer = login(personas["officer"])
    stale_version = case.version
    assert act(officer, case, "sign").status_code == 302
    response = officer.post(reverse("board:case_action", args=[case.public_id, "sign"]), {"version": stale_version})
    page = response.content.decode()
    assert response.status_code == 409
    assert "签收, 本页已更新为最新状态, 可直接答复" in page and "现在不能再执行该操作" not in page
    assert 'id="reply-form"' in page


def test_the_officer_signs_several_cases_from_the_inbox_at_once(personas, directory, login):
    """批量签收: with a page of new cases the officer opened each, pressed 签收 and came back; now the
    ticked rows are signed in one go, and one signed meanwhile or another unit's is counted, not signed."""
    new = [dispatch(personas, directory, f"待签收的留言{n}") for n in range(3)]
    already = dispatch(personas, directory, "另一窗口签收的留言")
    actions.do_sign(personas["officer"], already, directory["housing"])
    theirs = submit(personas, directory, "生态局的留言")
    actions.do_dispatch(personas["dispatcher"], theirs, directory["ecology"])
    officer = login(personas["officer"])
    inbox = officer.get(reverse("board:inbox")).content.decode()
    assert "签收所选" in inbox and f'name="case" value="{new[0].public_id}" form="bulk-sign"' in inbox
    assert f'value="{already.public_id}" form="bulk-sign"' not in inbox
    chosen = [new[0].public_id, new[1].public_id, already.public_id, theirs.public_id]
    response = officer.post(reverse("board:inbox_sign"), {"case": chosen, "next": "/staff/?tab=new"}, follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == "/staff/?tab=new"
    assert "已签收 2 件, 请在期限内答复; 另有 2 件已签收或已不在本单位办理, 未再签收" in page
    assert [Message.objects.get(pk=m.pk).status for m in new] == ["signed", "signed", "dispatched"]
    assert Message.objects.get(pk=theirs.pk).status == "dispatched"
    assert new[0].events.filter(kind="signed", actor=personas["officer"]).count() == 1
    nothing = officer.post(reverse("board:inbox_sign"), {"next": "/staff/"}, follow=True).content.decode()
    assert "请先勾选要签收的留言" in nothing


def test_signing_cases_past_their_reply_deadline_says_so(personas, directory, login):
    """签收所选 over the inbox's first page — the overdue cases lead it — said 「请在期限内答复」 of cases whose
    答复期限 had passed (QA walk of 2026-12-05); the case page's 签收 too. Now it counts those to answer at once."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.board.models import Assignment

    late, fresh, single = (dispatch(personas, directory, f"签收的留言{n}") for n in range(3))
    past = timezone.now() - dt.timedelta(days=3)
    for m in (late, single):
        Message.objects.filter(pk=m.pk).update(due_at=past)
        Assignment.objects.filter(message=m).update(due_at=past)
    officer = login(personas["officer"])
    page = officer.post(reverse("board:inbox_sign"), {"case": [late.public_id, fresh.public_id], "next": "/staff/"},
                        follow=True).content.decode()
    assert "已签收 2 件, 请在期限内答复; 其中 1 件已过答复期限, 请尽快答复" in page
    page = officer.post(reverse("board:case_action", args=[single.public_id, "sign"]),
                        {"version": Message.objects.get(pk=single.pk).version}, follow=True).content.decode()
    assert "已签收; 该留言已过答复期限, 请尽快答复" in page
