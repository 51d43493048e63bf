"""An officer's day with a full inbox: open a case from a tab, filter or page, act on it, and
carry on where they were (a walk of the workbench, 2026-12-04)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from minsheng.board import actions
from minsheng.board.models import Message

pytestmark = pytest.mark.django_db

REPLY = "经核查, 该小区加装电梯已列入今年计划, 街道将于下月召开居民协商会, 具体安排会在小区公告栏公布。"


def dispatch(personas, directory, title):
    m = actions.do_submit(personas["citizen"], title=title, body="老旧小区没有电梯, 老人上下楼困难, 希望尽快解决。",
                          kind="help", region=directory["qilihe"], topic=directory["topic_build"])
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    return Message.objects.get(pk=m.pk)


def case_link(inbox_page: str, m: Message) -> str:
    """The address the inbox's row of ``m`` opens."""
    found = re.search(rf'href="(/staff/case/{m.public_id}/[^"]*)"', inbox_page)
    assert found, m.public_id
    return found.group(1).replace("&amp;", "&")


def test_after_answering_the_officer_is_back_where_they_left_the_inbox(personas, directory, login):
    """The officer opened a case from 已签收 (办理中), searched 电梯, page 1, and answered it: the reply
    took them to the case page, and 本单位待办 in the menu to the first tab, unfiltered; they had
    to find their place again for each of the day's cases."""
    cases = [dispatch(personas, directory, f"加装电梯的留言{n}") for n in range(2)]
    for m in cases:
        actions.do_sign(personas["officer"], m, directory["housing"])
    officer = login(personas["officer"])
    place = "tab=handling&q=%E7%94%B5%E6%A2%AF&page=1"
    inbox = officer.get(f"{reverse('board:inbox')}?{place}").content.decode()
    link = case_link(inbox, cases[0])
    page = officer.get(link).content.decode()
    assert f'href="/staff/?{place.replace("&", "&amp;")}">← 返回待办列表' in page
    # a reply refused keeps the place (and the text), and the reply sent goes back there
    short = officer.post(reverse("board:case_action", args=[cases[0].public_id, "reply"]),
                         {"version": cases[0].version, "body": "已阅。", "back": place})
    assert short.status_code == 400 and 'name="back" value="' in short.content.decode()
    response = officer.post(reverse("board:case_action", args=[cases[0].public_id, "reply"]),
                            {"version": cases[0].version, "body": REPLY, "back": place}, follow=True)
    assert response.redirect_chain[-1][0] == f"/staff/?{place}"
    after = response.content.decode()
    assert f"留言 {cases[0].public_id}: 答复已公开发布" in after
    assert cases[1].title in after and cases[0].title not in after
    assert Message.objects.get(pk=cases[0].pk).status == "replied"


def test_signing_keeps_the_way_back_and_a_case_opened_elsewhere_has_none(personas, directory, login):
    """签收 stays on the case (to answer it next) with its way back to the inbox; a case opened from a
    notice or a colleague's link has no 返回待办列表, and an action there still leads to the case."""
    m = dispatch(personas, directory, "待签收的电梯留言")
    officer = login(personas["officer"])
    response = officer.post(reverse("board:case_action", args=[m.public_id, "sign"]),
                            {"version": m.version, "back": "tab=new&page=2"})
    assert response.status_code == 302
    assert response["Location"] == reverse("board:case", args=[m.public_id]) + "?back=tab%3Dnew%26page%3D2"
    assert "← 返回待办列表" in officer.get(response["Location"]).content.decode()
    plain = officer.get(reverse("board:case", args=[m.public_id])).content.decode()
    assert "返回待办列表" not in plain and 'name="back"' not in plain
    m.refresh_from_db()
    done = officer.post(reverse("board:case_action", args=[m.public_id, "reply"]), {"version": m.version, "body": REPLY})
    assert done["Location"] == reverse("board:case", args=[m.public_id])


def test_the_way_back_only_leads_to_the_inbox(personas, directory, login):
    """?back= is the inbox's query, never an address: anything else in it is dropped."""
    m = dispatch(personas, directory, "待签收的电梯留言")
    actions.do_sign(personas["officer"], m, directory["housing"])
    officer = login(personas["officer"])
    response = officer.post(reverse("board:case_action", args=[m.public_id, "reply"]),
                            {"version": Message.objects.get(pk=m.pk).version, "body": REPLY,
                             "back": "next=https://evil.example/&tab=soon"})
    assert response["Location"] == "/staff/?tab=soon"


def test_an_extension_granted_moves_the_assisting_units_deadline_too(personas, directory, login):
    """延期 granted to the lead unit: the case's deadline moved, the assisting unit's row kept the old one,
    and its officer's inbox listed the case first as 已超期 (the case page said otherwise)."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.board.models import Assignment, Extension

    m = actions.do_submit(personas["citizen"], title="河道污水直排的留言", body="小区旁的河道有污水直排, 气味很大。",
                          kind="complain", region=directory["qilihe"], topic=directory["topic_env"])
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"], assists=[directory["ecology"]])
    actions.do_sign(personas["officer"], m, directory["housing"])
    past = timezone.now() - dt.timedelta(days=3)
    Message.objects.filter(pk=m.pk).update(due_at=past)
    Assignment.objects.filter(message=m).update(due_at=past)
    m.refresh_from_db()
    actions.do_request_extension(personas["officer"], m, directory["housing"], 15, "需要协调多个部门现场核查")
    actions.do_decide_extension(personas["supervisor"], Extension.objects.get(), True)
    m.refresh_from_db()
    assert m.due_at > timezone.now()
    assist = Assignment.objects.get(message=m, role="assist")
    assert assist.due_at == m.due_at
    inbox = login(personas["other_officer"]).get(reverse("board:inbox") + "?tab=assist").content.decode()
    assert m.title in inbox and "已超期" not in inbox.split("<table", 1)[1]


@pytest.mark.parametrize("persona, url", [("officer", "board:inbox"), ("dispatcher", "board:triage")])
def test_the_lists_show_no_template_comment(personas, directory, login, persona, url):
    """A note for developers written over two lines in {# #} (which Django reads on one line only) was
    printed under the search box of the inbox and the dispatch queue: 「{# emoji or punctuation …」."""
    page = login(personas[persona]).get(reverse(url)).content.decode()
    assert "{#" not in page and "search.searchable" not in page


def test_no_template_comment_spans_lines():
    """{# #} ends on its line: one left open there is printed to the page (use {% comment %})."""
    from pathlib import Path

    import minsheng

    root = Path(minsheng.__file__).parent
    open_comments = [f"{path.relative_to(root)}:{n}" for path in root.rglob("*.html")
                     for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                     if line.count("{#") > line.count("#}")]
    assert open_comments == []


def test_the_inbox_and_the_case_say_how_many_working_days_are_left(personas, directory, login):
    """答复期限 read as a date alone: on a Friday 「12-08」 left the officer counting the weekend (and
    the holidays) to know which case to answer first. The inbox row and the case page now say it."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.board.deadlines import SHANGHAI, due_after
    from minsheng.board.models import Assignment

    now = timezone.now()
    dues = {"今天到期": dt.datetime.combine(timezone.localtime(now, SHANGHAI).date(), dt.time(23, 59, 59), SHANGHAI),
            "还有 2 个工作日": due_after(now, 2), "": now - dt.timedelta(days=2)}
    cases = {}
    for words, due in dues.items():
        m = dispatch(personas, directory, f"加装电梯的留言{len(cases)}")
        Message.objects.filter(pk=m.pk).update(due_at=due)
        Assignment.objects.filter(message=m).update(due_at=due)
        cases[words] = m
    officer = login(personas["officer"])
    inbox = officer.get(reverse("board:inbox")).content.decode()
    for words, m in cases.items():
        row = inbox.split(m.public_id, 1)[1].split("</tr>", 1)[0]
        assert (words in row) if words else ("今天到期" not in row and "还有" not in row and "已超期" in row)
        page = officer.get(reverse("board:case", args=[m.public_id])).content.decode()
        assert (f"({words})" in page) if words else "已超期" in page


def test_a_reply_refused_because_a_colleague_answered_first_is_shown_to_copy(personas, directory, login):
    """Two officers of the unit on one case: the second to press 发布答复 read 「…现在不能再执行该操作」
    and the reply they had written was gone from the page with its form."""
    from tests.conftest import make_user

    m = dispatch(personas, directory, "加装电梯的留言")
    actions.do_sign(personas["officer"], m, directory["housing"])
    stale = Message.objects.get(pk=m.pk).version
    colleague = make_user("housing_li", role="officer", unit=directory["housing"], display_name="住建局李科员")
    actions.do_reply(colleague, Message.objects.get(pk=m.pk), directory["housing"], REPLY)
    mine = "您好, 我局已派人到现场查看, 电梯加装方案正在公示, 公示结束后即开工, 预计三个月内完成。"
    response = login(personas["officer"]).post(reverse("board:case_action", args=[m.public_id, "reply"]),
                                               {"version": stale, "body": mine, "back": "tab=handling"})
    page = response.content.decode()
    assert response.status_code == 409 and "现在不能再执行该操作" in page
    assert 'id="reply-form"' not in page
    assert "未提交的内容" in page and f"{mine}</textarea>" in page
    assert 'href="/staff/?tab=handling">← 返回待办列表' in page
    untouched = login(personas["officer"]).get(reverse("board:case", args=[m.public_id])).content.decode()
    assert "未提交的内容" not in untouched


def test_days_left_on_a_weekend():
    """On a Saturday a deadline ending on Monday is one working day away, one ending today is
    today's, and one set on a Sunday (by hand) is not called 「今天到期」."""
    import datetime as dt

    from minsheng.board.deadlines import SHANGHAI
    from minsheng.board.views.staff import due_words

    saturday = dt.datetime(2026, 12, 5, 10, 0, tzinfo=SHANGHAI)
    assert due_words(saturday, dt.datetime(2026, 12, 7, 23, 59, 59, tzinfo=SHANGHAI)) == "还有 1 个工作日"
    assert due_words(saturday, dt.datetime(2026, 12, 5, 23, 59, 59, tzinfo=SHANGHAI)) == "今天到期"
    assert due_words(saturday, dt.datetime(2026, 12, 6, 23, 59, 59, tzinfo=SHANGHAI)) == ""
    assert due_words(saturday, saturday - dt.timedelta(minutes=1)) == "已超期"


def test_the_case_page_says_how_late_an_overdue_case_is_beside_its_deadline(personas, directory, login):
    """The case page said 「答复期限 2026-12-01 23:59」 alone under the title of a case two weeks late,
    as of one still to come (a case due said 「还有 N 个工作日」 there): it says 「已超期 N 个工作日」
    now, and so does the inbox row under the date."""
    from django.utils import timezone

    from minsheng.board.deadlines import SHANGHAI
    from minsheng.board.models import Assignment

    m = dispatch(personas, directory, "加装电梯的留言")
    actions.do_sign(personas["officer"], m, directory["housing"])
    day = timezone.localtime(timezone.now(), SHANGHAI).date() - dt.timedelta(days=14)
    due = dt.datetime.combine(day, dt.time(23, 59, 59), SHANGHAI)
    Message.objects.filter(pk=m.pk).update(due_at=due)
    Assignment.objects.filter(message=m).update(due_at=due)
    officer = login(personas["officer"])
    page = officer.get(reverse("board:case", args=[m.public_id])).content.decode()
    header = next(line for line in page.splitlines() if "答复期限 <b" in line)
    late = re.search(r"\(已超期 (\d+) 个工作日\)", header)
    assert f"{due:%Y-%m-%d} 23:59" in header and late and 1 <= int(late.group(1)) <= 14
    row = officer.get(reverse("board:inbox")).content.decode().split(m.public_id, 1)[1].split("</tr>", 1)[0]
    assert f"已超期 {late.group(1)} 个工作日" in row

def test_the_extensions_granted_before_move_their_assisting_units_deadline_at_upgrade(personas, directory):
    """A case extended before 2026-12-04 kept its assisting unit's old deadline (已超期 in its inbox):
    the migration gives it the case's; a case without an approved extension is left as it is."""
    import datetime as dt
    import importlib

    from django.apps import apps
    from django.utils import timezone

    from minsheng.board.models import Assignment, Extension

    def case(title):
        m = actions.do_submit(personas["citizen"], title=title, body="小区旁的河道有污水直排, 气味很大。",
                              kind="complain", region=directory["qilihe"], topic=directory["topic_env"])
        actions.do_dispatch(personas["dispatcher"], m, directory["housing"], assists=[directory["ecology"]])
        actions.do_sign(personas["officer"], m, directory["housing"])
        return Message.objects.get(pk=m.pk)

    extended, refused = case("河道污水直排的留言一"), case("河道污水直排的留言二")
    for m, approve in ((extended, True), (refused, False)):
        actions.do_request_extension(personas["officer"], m, directory["housing"], 5, "需要协调多个部门现场核查")
        actions.do_decide_extension(personas["supervisor"], Extension.objects.get(assignment__message=m), approve)
    past = timezone.now() - dt.timedelta(days=3)
    Assignment.objects.filter(role="assist").update(due_at=past)  # as the extension left it before
    importlib.import_module("minsheng.board.migrations.0019_assist_due_after_extension").catch_up(apps, None)
    extended.refresh_from_db()
    assert Assignment.objects.get(message=extended, role="assist").due_at == extended.due_at
    assert Assignment.objects.get(message=refused, role="assist").due_at == past
