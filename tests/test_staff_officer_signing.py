"""签收 for an officer with hundreds of cases (QA walk of 2026-12-05): the notes asking to sign a case that
stayed unread once it was signed, the cost of 签收所选, what 已超期 counts and an extension asked before 签收."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from minsheng.board import actions
from minsheng.board.models import Assignment, Message

from .conftest import make_user
from .test_api_support import api_key, as_persona  # noqa: F401 (fixtures)
from .test_staff_qa import dispatch, text


def _unread(client) -> list[str]:
    page = text(client.get(reverse("board:notifications"), {"unread": "1"}))
    return re.findall(r"新(?:主|协)办件: 「([^」]+)」", page)


@pytest.mark.django_db
def test_a_case_signed_by_a_colleague_no_longer_asks_the_officer_to_sign_it(personas, directory, login,
                                                                           django_capture_on_commit_callbacks):
    """218 unread 「新主办件…请于期限前签收办理」 for the demo officer: each stayed a to-do in every inbox of the
    unit, and in the unread count, after one of them signed the case."""
    colleague = make_user("colleague", role="officer", unit=directory["housing"], display_name="住建局李")
    with django_capture_on_commit_callbacks(execute=True):
        signed = dispatch(personas, directory, "七里河区小区电梯停运", assists=[directory["ecology"]])
        waiting = dispatch(personas, directory, "七里河区小区外墙脱落")
    officer = login(personas["officer"])
    assert sorted(_unread(officer)) == sorted([signed.title, waiting.title])
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_sign(colleague, signed, directory["housing"])
    assert _unread(officer) == [waiting.title]
    assert _unread(login(colleague)) == [waiting.title]
    # a unit without a head: its officers sign, the header counting 「新件」 apart from their own notes
    assert '<span class="count unit-new">新件 1<' in text(officer.get(reverse("board:inbox")))
    # the assisting unit's note asks for its 协办意见, not for 签收: still to do
    assert _unread(login(personas["other_officer"])) == [signed.title]


@pytest.mark.django_db
def test_a_case_signed_before_its_notes_were_written_leaves_none_unread(personas, directory, login,
                                                                       django_capture_on_commit_callbacks):
    """The demo plays dispatch and 签收 in one transaction: the notes are written at its commit, after the
    签收; a case re-dispatched after it (重办) asks for 签收 again."""
    with django_capture_on_commit_callbacks(execute=True):
        m = dispatch(personas, directory, "七里河区小区电梯停运")
        actions.do_sign(personas["officer"], m, directory["housing"])
    assert _unread(login(personas["officer"])) == []


def _pending(personas, directory, n):
    return [dispatch(personas, directory, f"七里河区小区电梯停运{k}") for k in range(n)]


@pytest.mark.django_db(transaction=True)
def test_signing_a_page_of_cases_at_once_costs_a_few_queries_each(personas, directory, login):
    """签收所选 of 20 cases: about 770 queries, 4 s on SQLite; the hotspots and the statistics were refreshed
    after each case's commit, in the request (no task worker), not once for the page."""
    cases = _pending(personas, directory, 20)
    client = login(personas["officer"])
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("board:inbox_sign"), {"case": [m.public_id for m in cases]})
    assert response.status_code == 302
    # each case's own writes (its savepoint, status, assignments, event, notes, statistics rows): about 19
    # queries; 37 when each case's commit refreshed its hotspot and the statistics
    assert len(queries.captured_queries) <= 22 * len(cases)
    assert Assignment.objects.filter(message__in=cases, signed_at__isnull=False).count() == 20
    assert set(Message.objects.filter(pk__in=[m.pk for m in cases]).values_list("status", flat=True)) == {"signed"}
    page = text(client.get(reverse("board:inbox"), follow=True))
    assert "已签收 20 件" in page and "办理中 (20)" in page


@pytest.mark.django_db
def test_an_extension_is_asked_for_a_signed_case_only(personas, directory, login):
    """申请延期 was offered, and taken, on a case not yet signed: in the 12345 practice a unit signs a case
    (签收) before it may ask for more days to answer it."""
    from minsheng.board.models import Extension

    from .test_staff_qa import act

    m = dispatch(personas, directory, "七里河区小区电梯停运")
    client = login(personas["officer"])
    page = text(client.get(reverse("board:case", args=[m.public_id])))
    assert "签收" in page and "提交延期申请" not in page
    refused = act(client, m, "extend", days=5, reason="需要现场勘察")
    assert refused.status_code == 409
    assert "请先签收该留言: 签收后才能申请延期" in text(refused)
    assert not Extension.objects.exists()
    actions.do_sign(personas["officer"], m, directory["housing"])
    assert "提交延期申请" in text(client.get(reverse("board:case", args=[m.public_id])))
    assert act(client, m, "extend", days=5, reason="需要现场勘察").status_code == 302
    assert Extension.objects.filter(assignment__message=m, state="pending").count() == 1


@pytest.mark.django_db
def test_the_api_refuses_an_extension_before_signing(personas, directory):
    from rest_framework.test import APIClient

    from minsheng.board.models import Extension

    m = dispatch(personas, directory, "七里河区小区电梯停运")
    api = APIClient()
    api.force_authenticate(personas["officer"])
    refused = api.post(f"/api/v1/staff/cases/{m.public_id}/extension/", {"days": 5, "reason": "需要现场勘察"},
                       format="json")
    assert refused.status_code == 409, refused.content
    assert refused.json()["error"]["code"] == "illegal_move"
    assert refused.json()["error"]["message"] == "请先签收该留言: 签收后才能申请延期"
    assert not Extension.objects.exists()


@pytest.mark.django_db
def test_cases_past_their_signing_deadline_are_counted_apart_from_the_overdue(personas, directory, login):
    """A case past its 签收 deadline had the row's 「签收超期」 badge, somewhere among 200, and was counted
    nowhere: 已超期 counts the reply deadlines (超期未答复, as the supervisors' list and the API's ?overdue=).
    The inbox counts them on their own and lists them on a tab."""
    from django.utils import timezone

    from .test_staff_qa import LONG_AGO, row_titles

    unsigned = dispatch(personas, directory, "七里河区小区电梯停运")
    Assignment.objects.filter(message=unsigned).update(sign_due_at=timezone.now() - timezone.timedelta(days=1))
    late = dispatch(personas, directory, "七里河区小区外墙脱落", at=LONG_AGO)
    actions.do_sign(personas["officer"], late, directory["housing"], at=LONG_AGO)
    dispatch(personas, directory, "七里河区小区路灯不亮")
    client = login(personas["officer"])
    page = text(client.get(reverse("board:inbox")))
    assert 'href="?tab=overdue">已超期 <b class="late-count">1</b> 件</a>' in page
    assert 'href="?tab=sign_late">签收超期 <b class="late-count">1</b> 件</a>' in page
    assert "签收超期 (1)" in page
    assert row_titles(text(client.get(reverse("board:inbox"), {"tab": "sign_late"}))) == [unsigned.title]
    actions.do_sign(personas["officer"], unsigned, directory["housing"])
    page = text(client.get(reverse("board:inbox"), {"tab": "sign_late"}))
    assert "签收超期 (0)" in page and "没有超过签收期限仍未签收的主办件。" in page


@pytest.mark.django_db
def test_a_case_the_unit_gave_away_unsigned_no_longer_asks_it_to_sign(personas, directory, login,
                                                                      django_capture_on_commit_callbacks):
    """The demo officer's last 「新主办件…请于期限前签收办理」 notes after signing cleared them: cases the unit
    transferred on (转办) or returned (退单) without signing, a 签收 nobody can do any more."""
    with django_capture_on_commit_callbacks(execute=True):
        moved = dispatch(personas, directory, "七里河区搅拌站夜间施工")
        returned = dispatch(personas, directory, "七里河区小区外墙脱落")
        kept = dispatch(personas, directory, "七里河区小区路灯不亮")
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_transfer(personas["officer"], moved, directory["housing"], directory["ecology"], "属于环保问题")
        actions.do_return(personas["officer"], returned, directory["housing"], "不属于本单位职责")
    assert _unread(login(personas["officer"])) == [kept.title]
    assert _unread(login(personas["other_officer"])) == [moved.title]  # the unit it went to: still to sign
    # the demo's history: the notes written at the commit, after the transfer
    with django_capture_on_commit_callbacks(execute=True):
        again = dispatch(personas, directory, "七里河区搅拌站噪声")
        actions.do_transfer(personas["officer"], again, directory["housing"], directory["ecology"], "属于环保问题")
    assert _unread(login(personas["officer"])) == [kept.title]
    assert sorted(_unread(login(personas["other_officer"]))) == sorted([moved.title, again.title])


@pytest.mark.django_db
def test_one_lead_unit_giving_a_case_away_leaves_the_other_lead_units_note(personas, directory, login,
                                                                           django_capture_on_commit_callbacks):
    """Review of 2026-12-05: a case led by two units (联合办理), one of them transferring it on unsigned, marked
    read the other unit's 「新主办件…请签收」 too: every such note of the case was marked, whoever's unit it
    asked, though that unit still holds the case unsigned (its inbox lists it 待签收, and it may sign)."""
    from minsheng.board import notify

    from .test_staff_pages import jointly_led

    with django_capture_on_commit_callbacks(execute=True):
        m = dispatch(personas, directory, "七里河区搅拌站夜间施工")
        notify.case_arrived(jointly_led(m, directory["ecology"], Message.objects.get(pk=m.pk).due_at))
    assert _unread(login(personas["other_officer"])) == [m.title]
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_transfer(personas["officer"], m, directory["housing"], directory["transport"], "属于交通问题")
    assert _unread(login(personas["officer"])) == []
    assert _unread(login(personas["other_officer"])) == [m.title]  # 生态环境局 has not signed it
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_sign(personas["other_officer"], Message.objects.get(pk=m.pk), directory["ecology"])
    assert _unread(login(personas["other_officer"])) == []


@pytest.mark.django_db(transaction=True)
def test_a_case_moved_meanwhile_leaves_the_others_of_the_page_signed(personas, directory, login, monkeypatch):
    """签收所选 signs a page in one transaction: a case another hand moved after the page read it (a write
    raced: its version changed) is refused alone — before 2026-12-06, undone in its own savepoint after its
    签收 was written; now found under the rows' locks before any is written — and the cases before and after
    it are signed, and the page says so."""
    from django.db.models import F

    from minsheng.board.models import Event

    cases = _pending(personas, directory, 3)
    sign_many = actions.do_sign_many

    def racing(actor, chosen, at=None):  # another tab's write, after the page read the cases
        Message.objects.filter(pk=cases[1].pk).update(version=F("version") + 1)
        return sign_many(actor, chosen, at=at)

    monkeypatch.setattr(actions, "do_sign_many", racing)
    client = login(personas["officer"])
    page = text(client.post(reverse("board:inbox_sign"), {"case": [m.public_id for m in cases]}, follow=True))
    assert "已签收 2 件" in page
    assert dict(Message.objects.filter(pk__in=[m.pk for m in cases]).values_list("pk", "status")) == {
        cases[0].pk: "signed", cases[1].pk: "dispatched", cases[2].pk: "signed"}
    assert not Assignment.objects.filter(message=cases[1], signed_at__isnull=False).exists()
    assert not Event.objects.filter(message=cases[1], kind=Event.Kind.SIGNED).exists()


@pytest.mark.django_db
def test_a_second_lead_unit_that_can_no_longer_sign_may_still_ask_for_an_extension(personas, directory, login):
    """Review of 2026-12-05: once one unit of a case led by two (联合办理) signed it, the case is 已签收 and the
    other unit is offered no 签收 — nor, since 申请延期 waited for its own 签收, any extension: asked to sign
    first, a 签收 it cannot do. It asks as before; a unit that may sign is still asked to first."""
    from minsheng.board.models import Extension

    from .test_staff_pages import jointly_led
    from .test_staff_qa import act

    m = dispatch(personas, directory, "七里河区搅拌站夜间施工")
    jointly_led(m, directory["ecology"], m.due_at)
    other = login(personas["other_officer"])
    assert act(other, m, "extend", days=5, reason="需要现场勘察").status_code == 409  # it may sign: first
    actions.do_sign(personas["officer"], Message.objects.get(pk=m.pk), directory["housing"])
    page = text(other.get(reverse("board:case", args=[m.public_id])))
    assert "提交延期申请" in page
    assert act(other, m, "extend", days=5, reason="需要现场勘察").status_code == 302
    assert Extension.objects.filter(assignment__unit=directory["ecology"], state="pending").count() == 1


@pytest.mark.django_db
def test_the_other_lead_unit_of_a_signed_joint_case_is_not_told_to_sign_it(personas, directory, login, as_persona):  # noqa: F811
    """A case led by two units (联合办理) is signed once, by either: once 住建局 signed it, 生态环境局 (offered no
    签收) does not count it 待签收 nor, its 签收 deadline passed, 签收超期 — in the inbox's counts, its tabs,
    the head's 本单位办理情况 and the API's ?sign_overdue= — and its row has no 签收 box: it is 办理中."""
    import datetime as dt

    from django.utils import timezone

    from .test_staff_pages import jointly_led

    m = dispatch(personas, directory, "七里河区搅拌站夜间施工")
    jointly_led(m, directory["ecology"], m.due_at)
    Assignment.objects.filter(message=m).update(sign_due_at=timezone.now() - dt.timedelta(days=1))
    actions.do_sign(personas["officer"], Message.objects.get(pk=m.pk), directory["housing"])
    page = text(login(personas["other_officer"]).get(reverse("board:inbox")))
    assert "待签收 (0)" in page and "签收超期 (0)" in page and "办理中 (1)" in page
    assert f'value="{m.public_id}"' not in page  # no 签收所选 box
    assert m.title in text(login(personas["other_officer"]).get(reverse("board:inbox"), {"tab": "handling"}))
    assert m.title not in text(login(personas["other_officer"]).get(reverse("board:inbox"), {"tab": "sign_late"}))
    head = make_user("eco_head", role="head", unit=directory["ecology"])
    work = text(login(head).get(reverse("board:unit_work")))
    assert set(re.findall(r'data-label="签收超期">(?:<a [^>]*>|<span[^>]*>)?(\d+)', work)) == {"0"}
    api = as_persona("other_officer").get("/api/v1/staff/inbox/", {"box": "unit", "sign_overdue": "true"}).json()
    assert api["results"] == []


def _signed_once_migrated() -> None:
    """board 0026 run on the database as it is: migrated back to 0025, then forward to the latest."""
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    executor.migrate([("board", "0025_message_contact_name")])
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_signs_the_other_lead_unit_of_a_joint_case_signed_before_it(personas, directory, login):
    """联合办理 signed by 住建局 before a 签收 signed the other lead unit's share too: 生态环境局 still counted the
    case 待签收 and 签收超期, and its officer's 「新主办件…请签收」 note stayed unread, for ever. The upgrade
    signs that share at 住建局's 签收 time and reads the note then, as a 签收 does now; a share given after the
    签收, and a joint case nobody signed, are left to sign. Run twice, it changes nothing more."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.board import notify
    from minsheng.board.models import Notification

    from .test_staff_pages import jointly_led

    ecology, now = directory["ecology"], timezone.now()
    then, signed_then = now - dt.timedelta(days=5), now - dt.timedelta(days=3)
    joint = dispatch(personas, directory, "七里河区搅拌站夜间施工", at=then)
    share = jointly_led(joint, ecology, joint.due_at)
    notify.dated(then, lambda: notify.case_arrived(share))()
    actions.do_sign(personas["officer"], joint, directory["housing"], at=signed_then)
    # as the 签收 left it before 2026-12-05 (later): the other lead unit's share unsigned, its people's note unread
    Assignment.objects.filter(pk=share.pk).update(signed_at=None)
    Notification.objects.filter(user=personas["other_officer"]).update(read_at=None)
    # 生态环境局 made a lead of a case after 住建局 signed it (the back office adds one): it is to sign it itself
    later = dispatch(personas, directory, "七里河区小区电梯停运", at=then)
    actions.do_sign(personas["officer"], later, directory["housing"], at=signed_then)
    added = Assignment.objects.create(message=later, unit=ecology, role=Assignment.Role.LEAD, assigned_at=now,
                                      sign_due_at=now + dt.timedelta(days=1), due_at=later.due_at)
    notify.case_arrived(added)
    waiting = dispatch(personas, directory, "七里河区路灯不亮")  # nobody signed it yet
    jointly_led(waiting, ecology, waiting.due_at)
    inbox = text(login(personas["other_officer"]).get(reverse("board:inbox")))
    assert "待签收 (3)" in inbox and "签收超期 (1)" in inbox and "办理中 (0)" in inbox
    assert sorted(_unread(login(personas["other_officer"]))) == sorted([joint.title, later.title])

    for _ in range(2):
        _signed_once_migrated()
        inbox = text(login(personas["other_officer"]).get(reverse("board:inbox")))
        assert "待签收 (2)" in inbox and "签收超期 (0)" in inbox and "办理中 (1)" in inbox
        assert Assignment.objects.get(pk=share.pk).signed_at == signed_then
        assert Notification.objects.get(user=personas["other_officer"], message=joint).read_at == signed_then
        assert _unread(login(personas["other_officer"])) == [later.title]
        to_sign = Assignment.objects.filter(message__in=[later, waiting], unit=ecology, signed_at__isnull=True)
        assert to_sign.count() == 2
        assert not Assignment.objects.filter(message=waiting, signed_at__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_the_upgrade_reads_a_note_written_between_two_signings_at_the_later(personas, directory):
    """A share left unsigned across two 签收 of its case's other lead unit (signed, given back, signed again): the
    upgrade signs it at the first, and reads each 「新主办件…请签收」 note at the first 签收 after it was written, as
    the live 签收 reads it; the same on SQLite and PostgreSQL."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.board.models import Notification

    from .test_staff_pages import jointly_led

    now = timezone.now()
    t = [now - dt.timedelta(days=10 - i) for i in range(6)]  # t0 < t1 < … < t5
    joint = dispatch(personas, directory, "七里河区搅拌站夜间施工", at=t[0])
    share = jointly_led(joint, directory["ecology"], joint.due_at)
    first = Assignment.objects.get(message=joint, unit=directory["housing"])
    Assignment.objects.filter(pk=first.pk).update(signed_at=t[1], closed_at=t[2], state=Assignment.State.DONE)
    Assignment.objects.create(message=joint, unit=directory["housing"], role=Assignment.Role.LEAD, assigned_at=t[3],
                              signed_at=t[4], due_at=joint.due_at)
    officer = personas["other_officer"]
    Notification.objects.filter(user=officer).delete()
    early = Notification.objects.create(user=officer, message=joint, kind="case_arrived", created_at=t[0],
                                        text="新主办件: 「七里河区搅拌站夜间施工」, 请于期限前签收办理")
    between = Notification.objects.create(user=officer, message=joint, kind="case_arrived", created_at=t[2],
                                          text="新主办件: 「七里河区搅拌站夜间施工」, 请于期限前签收办理")
    after = Notification.objects.create(user=officer, message=joint, kind="case_arrived", created_at=t[5],
                                        text="新主办件: 「七里河区搅拌站夜间施工」, 请于期限前签收办理")
    _signed_once_migrated()
    assert Assignment.objects.get(pk=share.pk).signed_at == t[1]
    assert [Notification.objects.get(pk=n.pk).read_at for n in (early, between, after)] == [t[1], t[4], None]


@pytest.mark.django_db
def test_the_sign_box_says_when_its_deadlines_have_passed(personas, directory, login):
    """The 签收 box of a case past both deadlines said 「签收期限 11-17, 签收后请在 11-30 前答复」 on 12-05, as if
    there were time left (QA walk of 2026-12-05): it says each deadline passed and how late the reply is; one
    still ahead reads as before, and a case without a 签收 deadline names no empty date."""
    import datetime as dt

    from django.utils import timezone

    late, ahead = dispatch(personas, directory, "七里河区小区外墙脱落"), dispatch(personas, directory, "小区电梯停运")
    past = timezone.now() - dt.timedelta(days=12)
    Assignment.objects.filter(message=late).update(sign_due_at=past, due_at=past + dt.timedelta(days=1))
    officer = login(personas["officer"])

    def box(m):
        page = text(officer.get(reverse("board:case", args=[m.public_id])))
        return re.search(r"<h2>签收</h2>.*?<p class=\"muted\">(.*?)</p>", page, re.S).group(1)

    said = box(late)
    assert "签收后请在" not in said and "签收超期" in said and re.search(r"已超期 \d+ 个工作日", said), said
    a = Assignment.objects.get(message=ahead)
    assert box(ahead) == (f"签收期限 {timezone.localtime(a.sign_due_at):%Y-%m-%d}, "
                          f"签收后请在 {timezone.localtime(a.due_at):%Y-%m-%d} 前答复。")
    Assignment.objects.filter(message=ahead).update(sign_due_at=None)
    assert box(ahead) == f"签收后请在 {timezone.localtime(a.due_at):%Y-%m-%d} 前答复。"


@pytest.mark.django_db
def test_the_summary_line_counts_the_cases_due_soon_as_their_tab_does(personas, directory, login):
    """本单位待办's summary said 已超期, 签收超期 and 督办 but not 即将到期, which the tabs count: an officer read
    the line for what to do today and missed the cases due tomorrow."""
    from django.utils import timezone

    soon = dispatch(personas, directory, "七里河区小区电梯停运")
    Assignment.objects.filter(message=soon).update(due_at=timezone.now() + timezone.timedelta(hours=2))
    dispatch(personas, directory, "七里河区小区路灯不亮")
    page = text(login(personas["officer"]).get(reverse("board:inbox")))
    assert "即将到期 (1)" in page
    assert 'href="?tab=soon">即将到期 <b class="soon-count">1</b> 件</a>' in page
    summary = re.search(r'<p class="summary dots">(.*?)</p>', page, re.S).group(1)
    assert re.findall(r"(已超期|即将到期|签收超期|督办) <b", summary) == ["已超期", "即将到期", "签收超期", "督办"]
