"""Staff notifications: who hears of a case that arrives, comes back or asks for time, and
an extension request that ends with the assignment it asked for."""

from __future__ import annotations

import pytest

from minsheng.board import actions
from minsheng.board.models import Extension, Notification
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
