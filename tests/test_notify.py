"""Staff notifications: who hears of a case that arrives, comes back or asks for time, and
an extension request that ends with the assignment it asked for."""

from __future__ import annotations

import pytest
from django.urls import reverse

from minsheng.board import actions
from minsheng.board.deadlines import SHANGHAI
from minsheng.board.models import Extension, Message, Notification
from minsheng.board.workflow import IllegalMove

from .conftest import make_user

pytestmark = pytest.mark.django_db
BODY = "小区门口道路坑洼多年, 雨天积水, 老人出行不便, 希望尽快修复。"


def notes(user) -> list[str]:
    return list(Notification.objects.filter(user=user).values_list("text", flat=True))


@pytest.fixture
def case(personas, directory, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        m = actions.do_submit(personas["citizen"], title="小区门口道路坑洼", body=BODY, kind="help",
                              region=directory["qilihe"], topic=directory["topic_build"])
        actions.do_dispatch(personas["dispatcher"], m, directory["housing"], assists=[directory["ecology"]])
        actions.do_sign(personas["officer"], m, directory["housing"])
    return m


def test_an_assisting_unit_is_not_asked_to_sign(case, personas):
    lead, = notes(personas["officer"])
    assist, = notes(personas["other_officer"])
    assert lead.startswith("新主办件") and "签收" in lead
    assert assist.startswith("新协办件") and "签收" not in assist and "协办意见" in assist


def test_a_returned_case_tells_the_nearest_dispatchers(case, personas, directory, django_capture_on_commit_callbacks):
    province = make_user("gs_dispatcher", role="dispatcher", region=directory["province"])
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_return(personas["officer"], case, directory["housing"], "不属于本单位职责")
    told, = notes(personas["dispatcher"])
    assert "兰州市住房和城乡建设局 退回了留言「小区门口道路坑洼」" in told and "不属于本单位职责" in told
    assert notes(province) == [] and notes(personas["dx_dispatcher"]) == []  # not every level, not elsewhere


def test_an_extension_request_tells_the_supervisors(case, personas, directory, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_request_extension(personas["officer"], case, directory["housing"], 5, "需要协调施工单位")
    asked, = notes(personas["supervisor"])
    assert "申请将留言「小区门口道路坑洼」延期 5 个工作日, 请审批" in asked and "需要协调施工单位" in asked


@pytest.mark.parametrize("then", ["reply", "transfer", "return"])
def test_a_pending_extension_ends_when_the_unit_lets_the_case_go(case, personas, directory, then):
    ext = actions.do_request_extension(personas["officer"], case, directory["housing"], 5, "需要协调施工单位")
    officer, housing = personas["officer"], directory["housing"]
    if then == "reply":
        actions.do_reply(officer, case, housing, "经现场核实, 已安排施工队于本周内修复路面, 联系电话 0931-1234567。")
    elif then == "transfer":
        actions.do_transfer(officer, case, housing, directory["transport"], "属交通部门职责")
    else:
        actions.do_return(officer, case, housing, "不属于本单位职责")
    ext.refresh_from_db()
    assert ext.state == Extension.State.VOID and ext.get_state_display() == "已失效"
    with pytest.raises(IllegalMove):
        actions.do_decide_extension(personas["supervisor"], ext, approve=True)


@pytest.mark.parametrize("outcome", ["approved", "refused", "void"])
def test_a_decided_extension_request_is_no_longer_an_unread_to_do(case, personas, directory, login, outcome,
                                                                   django_capture_on_commit_callbacks):
    """Once one supervisor approved or refused a request, or it lapsed (已失效) because the
    unit replied first, every supervisor's 「请审批」 note stayed unread: a to-do that was
    done, counted in the unread badge. They are read now; another case's request is not."""
    colleague = make_user("lz_supervisor2", role="supervisor", region=directory["lanzhou"])
    other = actions.do_submit(personas["citizen"], title="路灯不亮", body=BODY, kind="help",
                              region=directory["qilihe"], topic=directory["topic_build"])
    housing = directory["housing"]
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_dispatch(personas["dispatcher"], other, housing)
        actions.do_sign(personas["officer"], other, housing)
        ext = actions.do_request_extension(personas["officer"], case, housing, 5, "需要协调施工单位")
        actions.do_request_extension(personas["officer"], other, housing, 3, "等待供电公司")
    assert login(colleague).get("/me/notifications/", {"unread": "1"}).content.decode().count("请审批") == 2
    with django_capture_on_commit_callbacks(execute=True):
        if outcome == "void":
            actions.do_reply(personas["officer"], case, housing, "经现场核实, 已安排施工队于本周内修复路面, 感谢监督。")
        else:
            actions.do_decide_extension(personas["supervisor"], ext, approve=outcome == "approved")
    for supervisor in (colleague, personas["supervisor"]):
        unread = Notification.objects.filter(user=supervisor, kind="extension_requested", read_at__isnull=True)
        assert [n.message for n in unread] == [other]
        page = login(supervisor).get("/me/notifications/", {"unread": "1"}).content.decode()
        assert "「路灯不亮」延期 3 个工作日" in page and "「小区门口道路坑洼」延期" not in page


def test_followers_hear_of_the_answer_from_the_notify_queue(case, personas, monkeypatch,
                                                            django_capture_on_commit_callbacks):
    """Hundreds of supporters, each with an email, must not hold up the officer's 发布答复:
    the author hears at once; the followers from a task on the notify queue."""
    from minsheng.board import tasks
    from minsheng.celery import app

    actions.do_support(personas["other_citizen"], case)
    queued = []
    monkeypatch.setattr(tasks.notify_followers, "delay", lambda *args: queued.append(args))
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_reply(personas["officer"], case, case.assignments.get(role="lead").unit,
                         "经核查, 道路已列入本月维修计划, 施工期间请注意绕行, 感谢监督。")
    assert queued == [(case.pk, "replied")]
    assert any("已收到答复" in n for n in notes(personas["citizen"]))
    assert notes(personas["other_citizen"]) == []  # not yet: the task tells them
    tasks.notify_followers(*queued[0])
    assert notes(personas["other_citizen"]) == [f"您也遇到的问题「{case.public_title}」已收到答复"]
    assert app.amqp.router.route({}, "minsheng.board.tasks.notify_followers")["queue"].name == "notify"


def test_followers_are_told_even_when_the_broker_is_down(case, personas, monkeypatch,
                                                        django_capture_on_commit_callbacks):
    from minsheng.board import tasks

    def down(*args):
        raise ConnectionError("broker unreachable")

    actions.do_support(personas["other_citizen"], case)
    monkeypatch.setattr(tasks.notify_followers, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_reply(personas["officer"], case, case.assignments.get(role="lead").unit,
                         "经核查, 道路已列入本月维修计划, 施工期间请注意绕行, 感谢监督。")
    assert notes(personas["other_citizen"]) == [f"您也遇到的问题「{case.public_title}」已收到答复"]


@pytest.mark.parametrize("end", ["withdraw", "reject"])
def test_supporters_hear_when_the_message_they_followed_is_withdrawn_or_rejected(
        personas, directory, login, django_capture_on_commit_callbacks, end):
    """It left their 我也遇到的 list without a word; they waited for an answer that would not come."""
    with django_capture_on_commit_callbacks(execute=True):
        m = actions.do_submit(personas["citizen"], title="小区门口道路坑洼", body=BODY, kind="help",
                              region=directory["qilihe"], topic=directory["topic_build"])
        actions.do_accept(personas["dispatcher"], m)
        actions.do_support(personas["other_citizen"], m)
        title = m.public_title
        if end == "withdraw":
            actions.do_withdraw(personas["citizen"], m)
        else:
            actions.do_reject(personas["dispatcher"], m, "该问题已由城管部门另案处理, 不再重复受理")
    what = "已由留言人撤回" if end == "withdraw" else "未予受理"
    note = Notification.objects.get(user=personas["other_citizen"])
    assert note.text == f"您也遇到的问题「{title}」{what}, 不再办理; 如问题仍在, 您可以发表新留言"
    assert note.message is None  # the message is no longer public: nothing to open
    assert login(personas["other_citizen"]).get("/me/notifications/").status_code == 200


@pytest.mark.parametrize("approve, said", [
    (True, "的延期申请已批准, 答复期限顺延至 {due}; 该件仍已超期, 请尽快答复"),
    (False, "的延期申请未获批准, 原期限 {due} 已过, 请尽快答复")])
def test_a_late_units_extension_note_says_the_case_is_still_late(case, personas, directory,
                                                                 django_capture_on_commit_callbacks, approve, said):
    """「请在原期限 X 前答复」 with X a month ago; 「顺延至 Y」 with Y still past."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.board.models import Message

    ext = actions.do_request_extension(personas["officer"], case, directory["housing"], 3, "需要现场勘查")
    Message.objects.filter(pk=case.pk).update(due_at=timezone.now() - dt.timedelta(days=30))
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_decide_extension(personas["supervisor"], Extension.objects.get(pk=ext.pk), approve)
    due = f"{timezone.localtime(Message.objects.get(pk=case.pk).due_at):%Y-%m-%d}"
    note = Notification.objects.get(user=personas["officer"], kind="extension_decided")
    assert note.text == f"留言「{case.title}」" + said.format(due=due)


def test_notes_take_the_time_of_their_action(personas, directory, django_capture_on_commit_callbacks):
    """The demo plays a case's months in one transaction, its notes written at the commit: each
    took the run's time (a dispatcher's 20 unread 「退回了留言」 of old returns dated today) or, once
    backdated, the time of the case's latest event of its kind (a reopened case's two replies at the
    second, its reopen's 新主办件 at the first dispatch). Now each note is dated by its action and
    judged as of then, and a 「请审批」 decided in the same batch is no longer an unread to-do."""
    import datetime as dt

    from django.utils import timezone

    p, d = personas, directory
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=60)
    day = dt.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        m = actions.do_submit(p["citizen"], title="小区门口道路坑洼", body=BODY, kind="help",
                              region=directory["qilihe"], topic=directory["topic_build"], at=t0)
        actions.do_dispatch(p["dispatcher"], m, d["housing"], at=t0 + day / 24)
        actions.do_sign(p["officer"], m, d["housing"], at=t0 + day)
        ext = actions.do_request_extension(p["officer"], m, d["housing"], 3, "需要现场勘查", at=t0 + 2 * day)
        actions.do_decide_extension(p["supervisor"], ext, True, at=t0 + 3 * day)
        m.refresh_from_db()  # the approval moved its deadline
        actions.do_reply(p["officer"], m, d["housing"], "经核查, 已安排施工队本月内修复路面, 感谢监督。", at=t0 + 5 * day)
        actions.do_evaluate(p["citizen"], m, resolution="unsatisfied", attitude="basic", speed="basic", at=t0 + 6 * day)
        actions.do_reopen(p["citizen"], m, "路面还没修", at=t0 + 7 * day)
        actions.do_sign(p["officer"], m, d["housing"], at=t0 + 8 * day)
        actions.do_reply(p["officer"], m, d["housing"], "路面已于本周修复完毕, 欢迎监督。", at=t0 + 10 * day)
        back = actions.do_submit(p["other_citizen"], title="河道垃圾无人清理", body=BODY, kind="complain",
                                 region=directory["qilihe"], at=t0)
        actions.do_dispatch(p["dispatcher"], back, d["housing"], at=t0 + day)
        actions.do_return(p["officer"], back, d["housing"], "不属于本单位职责", at=t0 + 2 * day)

    def times(user, kind, message=m):
        return sorted(Notification.objects.filter(user=user, kind=kind, message=message)
                      .values_list("created_at", flat=True))

    assert times(p["citizen"], "replied") == [t0 + 5 * day, t0 + 10 * day]
    assert times(p["officer"], "case_arrived") == [t0 + day / 24, t0 + 7 * day]  # dispatch, then reopen
    assert times(p["dispatcher"], "returned", back) == [t0 + 2 * day]
    request = Notification.objects.get(user=p["supervisor"], kind="extension_requested")
    assert request.created_at == t0 + 2 * day and request.read_at == t0 + 3 * day  # approved the next day
    decided = Notification.objects.get(user=p["officer"], kind="extension_decided")
    assert decided.created_at == t0 + 3 * day and "仍已超期" not in decided.text  # not late then


# --- whose notes: a unit's head signs and gives out its new cases (QA of 2026-12-05) ----------------------

REPLY = "经现场核实, 已安排施工队于本周内修复路面, 联系电话 0931-1234567。"


@pytest.fixture
def staffed(personas, directory):
    """住建局 with a head (单位负责人) beside its two officers: the demo's 兰州市住建局."""
    return {"head": make_user("lz_housing_head", role="head", unit=directory["housing"], display_name="住建局王局长"),
            "colleague": make_user("colleague", role="officer", unit=directory["housing"], display_name="住建局李"),
            "officer": personas["officer"]}


def _new_case(personas, directory, title, **kw):
    m = actions.do_submit(personas["citizen"], title=title, body=BODY, kind="help",
                          region=directory["qilihe"], topic=directory["topic_build"])
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"], **kw)
    return m


def test_a_unit_with_a_head_is_asked_to_sign_through_its_head(staffed, personas, directory,
                                                              django_capture_on_commit_callbacks):
    """An officer of a unit with 200 cases had a 「新主办件…请于期限前签收办理」 for each, burying the head's
    「指派您承办」: the head signs and gives out a new case; the officer hears of the one given them."""
    head, officer, colleague = staffed["head"], staffed["officer"], staffed["colleague"]
    with django_capture_on_commit_callbacks(execute=True):
        m = _new_case(personas, directory, "小区门口道路坑洼", assists=[directory["ecology"]])
    asked, = notes(head)
    assert asked.startswith("新主办件") and "签收" in asked
    assert notes(officer) == [] and notes(colleague) == []
    assert notes(personas["other_officer"])[0].startswith("新协办件")  # 生态环境局 has no head: its officers
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_sign(head, m, directory["housing"])
        actions.do_assign_handler(head, Message.objects.get(pk=m.pk), directory["housing"], officer)
    assert Notification.objects.get(user=head).read_at is not None  # signed: no longer a to-do
    told, = notes(officer)
    assert told.startswith("兰州市住房和城乡建设局负责人指派您承办留言「小区门口道路坑洼」")
    assert notes(colleague) == []


def test_a_unit_whose_heads_left_asks_its_officers(staffed, personas, directory, django_capture_on_commit_callbacks):
    staffed["head"].is_active = False
    staffed["head"].save()
    with django_capture_on_commit_callbacks(execute=True):
        _new_case(personas, directory, "小区门口道路坑洼")
    for officer in (staffed["officer"], staffed["colleague"]):
        assert [n[:5] for n in notes(officer)] == ["新主办件:"]


def test_a_supervised_case_tells_its_handler_and_the_heads(staffed, personas, directory,
                                                          django_capture_on_commit_callbacks):
    """督办 of a case given to an officer: theirs and their head's; not every officer's of the unit. A case not
    given out yet: the head's, who gives it out."""
    head, officer, colleague = staffed["head"], staffed["officer"], staffed["colleague"]
    with django_capture_on_commit_callbacks(execute=True):
        mine = _new_case(personas, directory, "小区门口道路坑洼")
        loose = _new_case(personas, directory, "七里河区路灯不亮")
        actions.do_assign_handler(head, Message.objects.get(pk=mine.pk), directory["housing"], officer)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_supervise(personas["supervisor"], Message.objects.get(pk=mine.pk), "群众反映强烈, 请加快办理")
        actions.do_supervise(personas["supervisor"], Message.objects.get(pk=loose.pk), "请尽快签收")

    def supervised(user):
        return sorted(Notification.objects.filter(user=user, kind="supervised").values_list("message__title", flat=True))

    assert supervised(officer) == ["小区门口道路坑洼"]
    assert supervised(head) == sorted(["小区门口道路坑洼", "七里河区路灯不亮"])
    assert supervised(colleague) == []


def test_a_reopened_case_tells_its_handler_and_asks_the_head_to_sign(staffed, personas, directory,
                                                                    django_capture_on_commit_callbacks):
    head, officer, colleague = staffed["head"], staffed["officer"], staffed["colleague"]
    m = _new_case(personas, directory, "小区门口道路坑洼")
    actions.do_sign(head, m, directory["housing"])
    actions.do_assign_handler(head, Message.objects.get(pk=m.pk), directory["housing"], officer)
    actions.do_reply(officer, Message.objects.get(pk=m.pk), directory["housing"], REPLY)
    actions.do_evaluate(personas["citizen"], Message.objects.get(pk=m.pk), resolution="unsatisfied",
                        attitude="basic", speed="basic")
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_reopen(personas["citizen"], Message.objects.get(pk=m.pk), "路面还没修")
    assert notes(officer) == ["留言「小区门口道路坑洼」重办, 仍由您承办, 答复期限 "
                              f"{Message.objects.get(pk=m.pk).due_at.astimezone(SHANGHAI):%Y-%m-%d}, 请及时办理"]
    assert [n[:5] for n in notes(head)] == ["新主办件:"] and notes(colleague) == []


def test_the_notes_page_puts_ones_own_apart_from_the_units_new_cases(staffed, personas, directory, login,
                                                                   django_capture_on_commit_callbacks):
    """「与我有关」 (given to me, 督办 of my cases, 重办 of my cases) and 「本单位新件」, each with its unread count."""
    head = staffed["head"]
    with django_capture_on_commit_callbacks(execute=True):
        first = _new_case(personas, directory, "小区门口道路坑洼")
        _new_case(personas, directory, "七里河区路灯不亮")
        _new_case(personas, directory, "七里河区小区外墙脱落")
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_supervise(personas["supervisor"], Message.objects.get(pk=first.pk), "群众反映强烈, 请加快办理")
    client = login(head)
    page = client.get(reverse("board:notifications")).content.decode()
    assert 'href="?filter=mine"><span>与我有关 <b class="unread-count">1</b> 条未读</span></a>' in page
    assert 'href="?filter=unit_new"><span>本单位新件 <b class="unread-count">3</b> 条未读</span></a>' in page
    assert '消息 <span class="count">1<span class="visually-hidden"> 条与我有关的未读</span></span>' in page
    assert '<span class="count unit-new">新件 3<span class="visually-hidden"> 条未读</span></span>' in page
    mine = client.get(reverse("board:notifications"), {"filter": "mine"}).content.decode()
    assert "已被督办" in mine and "新主办件" not in mine
    new = client.get(reverse("board:notifications"), {"filter": "unit_new", "unread": "1"}).content.decode()
    assert new.count("新主办件: 「") == 3 and "已被督办" not in new
    # 全部标为已读 on one list marks that list's, not the other's
    client.post(reverse("board:notifications_read_all"), {"filter": "unit_new"})
    assert Notification.objects.filter(user=head, read_at__isnull=True).count() == 1
    page = client.get(reverse("board:notifications")).content.decode()
    assert 'href="?filter=unit_new"><span>本单位新件</span></a>' in page and "新件 3" not in page


def test_a_citizen_has_no_lists_to_choose(personas, directory, login, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _new_case(personas, directory, "小区门口道路坑洼")
    page = login(personas["citizen"]).get(reverse("board:notifications")).content.decode()
    assert "已交由相关单位办理" in page and "本单位新件" not in page and "与我有关" not in page


def test_a_due_reminder_and_an_extension_answer_go_to_the_handler_the_heads_and_the_asker(
        staffed, personas, directory, django_capture_on_commit_callbacks):
    """到期提醒 and 延期审批结果 of a case given to an officer: theirs, their heads', and the colleague's who asked
    for the days; not every officer's of the unit (a third officer hears of neither)."""
    import datetime as dt

    from minsheng.board import notify
    from minsheng.board.models import Assignment

    head, officer, colleague = staffed["head"], staffed["officer"], staffed["colleague"]
    third = make_user("third", role="officer", unit=directory["housing"], display_name="住建局赵")
    m = _new_case(personas, directory, "小区门口道路坑洼")
    actions.do_sign(head, m, directory["housing"])
    actions.do_assign_handler(head, Message.objects.get(pk=m.pk), directory["housing"], officer)
    lead = Assignment.objects.get(message=m, role="lead")
    notify.due_tomorrow(lead, dt.date.today())
    ext = actions.do_request_extension(colleague, Message.objects.get(pk=m.pk), directory["housing"], 3, "需要现场勘查")
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_decide_extension(personas["supervisor"], Extension.objects.get(pk=ext.pk), True)

    def told(user):
        return sorted(Notification.objects.filter(user=user, kind__in=["due_soon", "extension_decided"])
                      .values_list("kind", flat=True))

    assert told(officer) == told(head) == ["due_soon", "extension_decided"]
    assert told(colleague) == ["extension_decided"] and told(third) == []


def test_a_unit_whose_head_left_tells_its_working_officers_alone(staffed, personas, directory, mailoutbox,
                                                                 django_capture_on_commit_callbacks):
    """A unit whose only head was switched off (someone who left) asks its officers still working there to sign
    (actions.staff_memberships, the one rule of a unit's staff): neither the head who left nor an officer who
    left has a note or an email of the unit's new case (before, the fallback told every officer and head,
    the deactivated head among them). The head switched on again takes the unit's new cases back."""
    head, officer, colleague = staffed["head"], staffed["officer"], staffed["colleague"]
    for gone in (head, colleague):
        gone.is_active = False
        gone.save()
    with django_capture_on_commit_callbacks(execute=True):
        first = _new_case(personas, directory, "小区门口道路坑洼")
    assert [n[:5] for n in notes(officer)] == ["新主办件:"]
    assert notes(head) == [] and notes(colleague) == []
    assert not [m for m in mailoutbox if set(m.to) & {head.email, colleague.email} - {""}]
    head.is_active = True
    head.save()
    with django_capture_on_commit_callbacks(execute=True):
        _new_case(personas, directory, "七里河区路灯不亮")
        actions.do_supervise(personas["supervisor"], Message.objects.get(pk=first.pk), "群众反映强烈, 请加快办理")
    assert sorted(Notification.objects.filter(user=head).values_list("kind", "message__title")) == [
        ("case_arrived", "七里河区路灯不亮"), ("supervised", "小区门口道路坑洼")]
    assert len(notes(officer)) == 1  # the head signs the new case and gives it out, and hears of the 督办 of one
    # nobody was given


def test_a_head_who_handles_the_case_is_told_once(staffed, personas, directory, django_capture_on_commit_callbacks):
    """A head who gave the case to themselves and asked for its extension: one 督办, one 到期提醒, one answer."""
    import datetime as dt

    from minsheng.board import notify
    from minsheng.board.models import Assignment

    head = staffed["head"]
    m = _new_case(personas, directory, "小区门口道路坑洼")
    actions.do_sign(head, m, directory["housing"])
    actions.do_assign_handler(head, Message.objects.get(pk=m.pk), directory["housing"], head)
    Notification.objects.all().delete()
    notify.due_tomorrow(Assignment.objects.get(message=m, role="lead"), dt.date.today())
    ext = actions.do_request_extension(head, Message.objects.get(pk=m.pk), directory["housing"], 3, "需要现场勘查")
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_decide_extension(personas["supervisor"], Extension.objects.get(pk=ext.pk), True)
        actions.do_supervise(personas["supervisor"], Message.objects.get(pk=m.pk), "群众反映强烈, 请加快办理")
    assert sorted(Notification.objects.filter(user=head).values_list("kind", flat=True)) == [
        "due_soon", "extension_decided", "supervised"]
