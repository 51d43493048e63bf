"""每年更新节假日, then the open cases: a holiday entered (or removed) after a case's deadlines were set
moves the deadlines still running, from the same start by the same number of working days
(minsheng.board.recompute; docs/deploy.md §11). They were kept before: a case due on 元旦 2027 stayed
due on it, one whose 15 working days spanned the Spring Festival stayed too early, overdue to the
supervisors and late in its unit's 按时率.

The cases are dispatched in 2099 (a year chinese-calendar does not know: weekends alone), so that
their deadlines stay in the future whenever the tests run."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from minsheng.board import actions, deadlines
from minsheng.board.deadlines import SHANGHAI, read_entries
from minsheng.board.models import CalendarDay, Event, Message
from minsheng.board.recompute import recompute_deadlines
from minsheng.stats.models import OpenCase

from .conftest import make_user

pytestmark = pytest.mark.django_db

BODY = "小区六层老楼没有电梯，老人上下楼非常困难，申请加装电梯两年了还没有结果，请尽快解决。"
DISPATCHED = dt.datetime(2099, 6, 1, 10, 0, tzinfo=SHANGHAI)  # a Monday


def end_of(day: str) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(23, 59, 59), tzinfo=SHANGHAI)


@pytest.fixture
def case(personas, directory, django_capture_on_commit_callbacks):
    """A 求助 (10 working days) dispatched on Monday 2099-06-01 to 住建局 with 生态环境局 assisting:
    签收 by Tuesday 06-02, answer by Monday 06-15 (statistics refreshed after each commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.do_submit(
            personas["citizen"],
            title="老旧小区加装电梯",
            body=BODY,
            kind="help",
            region=directory["qilihe"],
            topic=directory["topic_build"],
        )
        actions.do_dispatch(
            personas["dispatcher"], message, directory["housing"], [directory["ecology"]], at=DISPATCHED
        )
    message.refresh_from_db()
    assert message.due_at == end_of("2099-06-15")
    return message


def run(*args):
    out = io.StringIO()
    call_command("holidays", *args, stdout=out)
    return out.getvalue()


def deadlines_of(message):
    message = Message.objects.get(pk=message.pk)
    rows = {a.unit.short_name: (a.sign_due_at, a.due_at) for a in message.assignments.select_related("unit")}
    return message.due_at, rows


FRIDAY = dt.datetime(2099, 6, 12, tzinfo=SHANGHAI)  # the Friday before the case's 答复期限 (Monday 06-15)


def _reminders(personas, case):
    """The 「将于…到期」 reminders the lead unit's officer got for the case."""
    from minsheng.board.models import Notification

    return Notification.objects.filter(user=personas["officer"], message=case, kind="due_soon")


def _reminded_on_friday(personas, case, hour) -> set:
    """The reminder for Monday 06-15 sent on Friday at ``hour``:00 (once), stamped then; its ids."""
    from minsheng.board.tasks import notify_due_soon

    friday = FRIDAY.replace(hour=hour)
    assert notify_due_soon(now=friday) == 1
    _reminders(personas, case).update(created_at=friday)  # sent then (the notes are stamped with the clock)
    return set(_reminders(personas, case).values_list("pk", flat=True))


def test_a_holiday_added_inside_the_span_moves_the_reply_deadline_and_removing_it_moves_it_back(
    case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        said = run("--add", "2099-06-03", "--note", "调整放假")
    assert said.splitlines() == [
        "已添加 2099-06-03 休息日/节假日 (调整放假)",
        "已重新计算 1 件在办留言的期限",
        "已重新判定 0 个误期未答复",
    ]
    due, units = deadlines_of(case)
    assert due == end_of("2099-06-16")  # one working day later
    # the units work to the case's deadline; the 签收 deadline (06-02) is before the holiday: kept
    assert units == {
        "住建局": (end_of("2099-06-02"), end_of("2099-06-16")),
        "生态环境局": (end_of("2099-06-02"), end_of("2099-06-16")),
    }
    assert OpenCase.objects.get(pk=case.pk).due_at == end_of("2099-06-16")  # /stats/overdue/ and 按时率
    moved = Event.objects.get(message=case, kind=Event.Kind.DEADLINE_MOVED)
    assert not moved.public and moved.actor is None
    assert moved.data["changes"] == [{"what": "答复期限", "from": "2099-06-15", "to": "2099-06-16"}]

    with django_capture_on_commit_callbacks(execute=True):
        said = run("--remove", "2099-06-03")
    assert said.splitlines() == [
        "已删除 2099-06-03 的节假日调整",
        "已重新计算 1 件在办留言的期限",
        "已重新判定 0 个误期未答复",
    ]
    assert deadlines_of(case)[0] == end_of("2099-06-15")
    assert OpenCase.objects.get(pk=case.pk).due_at == end_of("2099-06-15")
    assert Event.objects.filter(message=case, kind=Event.Kind.DEADLINE_MOVED).count() == 2

    # idempotent: the same calendar again moves nothing
    assert run("--recompute").splitlines() == ["已重新计算 0 件在办留言的期限", "已重新判定 0 个误期未答复"]
    assert Event.objects.filter(message=case, kind=Event.Kind.DEADLINE_MOVED).count() == 2


def test_a_holiday_on_the_sign_deadline_moves_it_too_and_the_case_history_says_so(
    case, personas, directory, login
):
    assert "已重新计算 1 件在办留言的期限" in run("--add", "2099-06-02", "--note", "端午")
    due, units = deadlines_of(case)
    assert due == end_of("2099-06-16")
    assert units["住建局"] == (end_of("2099-06-03"), end_of("2099-06-16"))
    page = login(personas["officer"]).get(f"/staff/case/{case.public_id}/").content.decode()
    assert "节假日调整" in page
    assert "答复期限 2099-06-15 → 2099-06-16" in page
    assert "签收期限 (兰州市住房和城乡建设局) 2099-06-02 → 2099-06-03" in page
    # internal: not on the public page
    public = login(personas["citizen"]).get(f"/m/{case.public_id}/").content.decode()
    assert "节假日调整" not in public


def test_an_answered_case_keeps_its_deadline(case, personas, directory):
    actions.do_sign(personas["officer"], case, directory["housing"], at=DISPATCHED + dt.timedelta(hours=1))
    actions.do_reply(
        personas["officer"],
        case,
        directory["housing"],
        "已联系街道办，本月底前完成加装电梯的方案公示。",
        at=DISPATCHED + dt.timedelta(days=2),
    )
    assert "已重新计算 0 件在办留言的期限" in run("--add", "2099-06-03")
    assert deadlines_of(case)[0] == end_of("2099-06-15")
    assert not Event.objects.filter(kind=Event.Kind.DEADLINE_MOVED).exists()


def _extended(case, personas, directory, days_after=1):
    if case.status == "dispatched":  # signed first (actions.SIGN_BEFORE_EXTENSION)
        actions.do_sign(personas["officer"], case, directory["housing"], at=DISPATCHED + dt.timedelta(hours=1))
        case.refresh_from_db()
    ext = actions.do_request_extension(
        personas["officer"],
        case,
        directory["housing"],
        3,
        "需要现场勘查",
        at=DISPATCHED + dt.timedelta(hours=2),
    )
    actions.do_decide_extension(
        personas["supervisor"], ext, True, at=DISPATCHED + dt.timedelta(days=days_after)
    )
    case.refresh_from_db()
    assert case.due_at == end_of("2099-06-18")


def test_an_extended_deadline_keeps_its_extension(case, personas, directory):
    _extended(case, personas, directory, days_after=2)
    assert deadlines_of(case)[0] == end_of("2099-06-18")  # 10 + 3 working days
    run("--add", "2099-06-17")
    assert deadlines_of(case)[0] == end_of("2099-06-19")


def test_a_deadline_set_otherwise_or_that_would_move_into_the_past_stays(case, settings):
    # a reply period changed after the dispatch: the stored deadline is not the rule's now, and a
    # holiday is no reason to give the case the new period
    settings.MINSHENG_REPLY_DAYS = {**settings.MINSHENG_REPLY_DAYS, "help": 12}
    assert "已重新计算 0 件" in run("--add", "2099-06-03")
    assert deadlines_of(case)[0] == end_of("2099-06-15")
    settings.MINSHENG_REPLY_DAYS = {**settings.MINSHENG_REPLY_DAYS, "help": 10}
    CalendarDay.objects.all().delete()

    # past before and after, or earlier into the past: kept; later, to a moment to come: moved
    before = read_entries()
    CalendarDay.objects.create(date=dt.date(2099, 6, 3), kind=CalendarDay.Kind.HOLIDAY)
    assert recompute_deadlines(before, now=end_of("2099-06-17")).cases == 0  # 06-15 → 06-16: both passed
    assert recompute_deadlines(before, now=end_of("2099-06-16")).cases == 1  # overdue only for the holiday
    assert deadlines_of(case)[0] == end_of("2099-06-16")
    before = read_entries()
    CalendarDay.objects.all().delete()
    assert (
        recompute_deadlines(before, now=end_of("2099-06-16")).cases == 0
    )  # back to 06-15: past, no retroactive 超期
    assert deadlines_of(case)[0] == end_of("2099-06-16")


def test_recompute_after_the_calendar_changed_without_it(case):
    """What ``pip install -U chinese-calendar`` does to a year: the calendar changes, nothing else."""
    CalendarDay.objects.bulk_create([CalendarDay(date=dt.date(2099, 6, 3), kind=CalendarDay.Kind.HOLIDAY)])
    deadlines.calendar_changed()
    assert deadlines_of(case)[0] == end_of("2099-06-15")
    assert run("--recompute").splitlines() == ["已重新计算 1 件在办留言的期限", "已重新判定 0 个误期未答复"]
    assert deadlines_of(case)[0] == end_of("2099-06-16")
    assert run("--recompute").splitlines() == ["已重新计算 0 件在办留言的期限", "已重新判定 0 个误期未答复"]


def test_the_admin_recomputes_and_says_so(case, directory):
    admin = make_user("platform_admin", is_superuser=True, is_staff=True)
    from django.test import Client

    client = Client()
    client.force_login(admin)
    response = client.post(
        "/admin/board/calendarday/add/",
        {"date": "2099-06-03", "kind": "holiday", "note": "调整放假"},
        follow=True,
    )
    assert "已重新计算 1 件在办留言的期限" in response.content.decode()
    assert "已重新判定 0 个误期未答复" in response.content.decode()
    assert deadlines_of(case)[0] == end_of("2099-06-16")
    moved = Event.objects.get(message=case, kind=Event.Kind.DEADLINE_MOVED)
    assert moved.actor == admin

    row = CalendarDay.objects.get()
    response = client.post(
        f"/admin/board/calendarday/{row.pk}/change/",
        {"date": "2099-06-03", "kind": "workday", "note": ""},
        follow=True,
    )
    assert "已重新计算 1 件在办留言的期限" in response.content.decode()
    assert deadlines_of(case)[0] == end_of("2099-06-15")

    client.post(
        f"/admin/board/calendarday/{row.pk}/change/", {"date": "2099-06-03", "kind": "holiday", "note": ""}
    )
    assert deadlines_of(case)[0] == end_of("2099-06-16")
    response = client.post(f"/admin/board/calendarday/{row.pk}/delete/", {"post": "yes"}, follow=True)
    assert "已重新计算 1 件在办留言的期限" in response.content.decode()
    assert deadlines_of(case)[0] == end_of("2099-06-15")

    CalendarDay.objects.create(date=dt.date(2099, 6, 3), kind=CalendarDay.Kind.HOLIDAY)  # no recomputation
    deadlines.calendar_changed()
    response = client.post(
        "/admin/board/calendarday/",
        {"action": "delete_selected", "post": "yes", "_selected_action": [CalendarDay.objects.get().pk]},
        follow=True,
    )
    assert not CalendarDay.objects.exists()
    assert "已重新计算 0 件在办留言的期限" in response.content.decode()  # it was never moved: nothing to undo
    assert deadlines_of(case)[0] == end_of("2099-06-15")


def test_a_case_dispatched_by_another_worker_just_after_the_change_follows_it(case, personas, directory):
    """Each worker reads the entries at most every 30 s: a case dispatched by one that had read them a
    moment before the admin's save (in another worker, which recomputed the cases open then) kept the
    old calendar's deadline, and no later change moved it (not the rule's deadline under any calendar)."""
    assert deadlines.is_working_day(dt.date(2099, 6, 3))  # this worker has just read the calendar
    CalendarDay.objects.bulk_create([CalendarDay(date=dt.date(2099, 6, 3), kind=CalendarDay.Kind.HOLIDAY)])
    other = actions.do_submit(
        personas["citizen"], title="楼道灯不亮", body=BODY, kind="help", region=directory["qilihe"]
    )
    actions.do_dispatch(personas["dispatcher"], other, directory["housing"], at=DISPATCHED)
    other.refresh_from_db()
    assert other.due_at == end_of("2099-06-16")
    assert other.assignments.get().sign_due_at == end_of("2099-06-02")
    # a transfer's 签收期限 too
    CalendarDay.objects.bulk_create([CalendarDay(date=dt.date(2099, 6, 4), kind=CalendarDay.Kind.HOLIDAY)])
    new = actions.do_transfer(
        personas["officer"],
        other,
        directory["housing"],
        directory["ecology"],
        "属环保职责",
        at=DISPATCHED + dt.timedelta(days=2),  # Wednesday 06-03: the next working day is Friday
    )
    assert new.sign_due_at == end_of("2099-06-05")


def test_only_the_cases_whose_span_holds_the_date_are_read_and_they_move_together(
    case, personas, directory, monkeypatch
):
    """Every change read every open case and counted each twice (50,000 open cases: 8 s for a date far
    from any deadline, the admin's save waiting and the cases locked), and moved them one UPDATE each."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from minsheng.board import recompute

    for title in ("楼道灯不亮", "路面坑洼"):
        other = actions.do_submit(
            personas["citizen"], title=title, body=BODY, kind="help", region=directory["qilihe"]
        )
        actions.do_dispatch(personas["dispatcher"], other, directory["housing"], at=DISPATCHED)
    counted = []
    real = recompute.due_after
    monkeypatch.setattr(recompute, "due_after", lambda *a, **kw: counted.append(a) or real(*a, **kw))
    # the day of the dispatch (never counted) and a day after every deadline
    assert run("--add", "2099-06-01").splitlines()[1] == "已重新计算 0 件在办留言的期限"
    assert run("--add", "2099-06-20").splitlines()[1] == "已重新计算 0 件在办留言的期限"
    assert counted == []
    with CaptureQueriesContext(connection) as queries:
        assert run("--add", "2099-06-03").splitlines()[1] == "已重新计算 3 件在办留言的期限"
    assert counted
    assert Message.objects.filter(due_at=end_of("2099-06-16")).count() == 3
    updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
    assert sum('"board_message"' in sql for sql in updates) == 1
    assert sum('"board_assignment"' in sql for sql in updates) == 1  # their 答复期限; 签收期限 06-02 stays


def test_the_history_says_what_was_done_to_the_entry(case, personas, login):
    """The cause read as the entry saved alone (「原因: 2099-06-20 休息日/节假日」): an entry moved in the
    admin from 06-03 to 06-20 moved the case for the date it left, which the line did not name, and
    nothing said whether an entry was added or changed."""
    from django.test import Client

    client = Client()
    client.force_login(make_user("platform_admin", is_superuser=True, is_staff=True))
    run("--add", "2099-06-03", "--note", "调整放假")
    row = CalendarDay.objects.get()
    client.post(
        f"/admin/board/calendarday/{row.pk}/change/", {"date": "2099-06-20", "kind": "holiday", "note": ""}
    )
    run("--add", "2099-06-13")  # a Saturday: a rest day already, nothing moves
    run("--add", "2099-06-13", "--kind", "workday")
    moved = Event.objects.filter(kind=Event.Kind.DEADLINE_MOVED).order_by("pk")
    assert [(e.data["cause"], e.data["changes"][0]["to"]) for e in moved] == [
        ("添加 2099-06-03 休息日/节假日 (调整放假)", "2099-06-16"),
        ("删除 2099-06-03 的节假日调整, 添加 2099-06-20 休息日/节假日", "2099-06-15"),
        ("修改为 2099-06-13 调休上班日", "2099-06-13"),
    ]
    page = login(personas["officer"]).get(f"/staff/case/{case.public_id}/").content.decode()
    assert "答复期限 2099-06-15 → 2099-06-13; 原因: 修改为 2099-06-13 调休上班日" in page


def test_an_extension_of_the_round_before_a_reopening_is_not_counted_again(case, personas, directory):
    actions.do_sign(personas["officer"], case, directory["housing"], at=DISPATCHED + dt.timedelta(hours=1))
    _extended(case, personas, directory)
    actions.do_reply(
        personas["officer"],
        case,
        directory["housing"],
        "已联系街道办，本月底前完成加装电梯的方案公示。",
        at=DISPATCHED + dt.timedelta(days=2),
    )
    case.refresh_from_db()
    actions.do_evaluate(
        personas["citizen"],
        case,
        resolution="unsatisfied",
        attitude="basic",
        speed="basic",
        at=DISPATCHED + dt.timedelta(days=3),
    )
    case.refresh_from_db()
    actions.do_reopen(
        personas["citizen"], case, "没有解决", at=DISPATCHED + dt.timedelta(days=4)
    )  # Fri 06-05
    assert deadlines_of(case)[0] == end_of("2099-06-19")  # 10 working days from the reopening, no extension
    run("--add", "2099-06-10")
    assert deadlines_of(case)[0] == end_of("2099-06-22")
    assert case.assignments.get(state="active").due_at == end_of("2099-06-22")


def test_a_case_returned_and_dispatched_again_starts_afresh(case, personas, directory):
    _extended(case, personas, directory)
    actions.do_return(
        personas["officer"],
        case,
        directory["housing"],
        "不属本单位职责",
        at=DISPATCHED + dt.timedelta(days=2),
    )
    case.refresh_from_db()
    actions.do_dispatch(
        personas["dispatcher"], case, directory["ecology"], at=DISPATCHED + dt.timedelta(days=3)
    )
    assert deadlines_of(case)[0] == end_of(
        "2099-06-18"
    )  # Thu 06-04 + 10 working days; the extension went with 住建局
    run("--add", "2099-06-10")
    assert deadlines_of(case)[0] == end_of("2099-06-19")
    rows = {
        a.state: (a.sign_due_at, a.due_at)
        for a in case.assignments.filter(role="lead", unit=directory["ecology"])
    }
    assert rows == {"active": (end_of("2099-06-05"), end_of("2099-06-19"))}
    # the unit that returned it: its own deadline, counted from its dispatch with its extension, follows
    # the calendar too (judged again for 误期未答复: returned on 06-03, in time either way)
    housing = case.assignments.get(unit=directory["housing"], role="lead")
    assert (housing.state, housing.due_at) == ("returned", end_of("2099-06-19"))


@pytest.mark.skipif(
    "postgresql" not in __import__("django.conf").conf.settings.DATABASES["default"]["ENGINE"],
    reason="PostgreSQL: SQLite runs one writing transaction at a time already",
)
@pytest.mark.django_db(transaction=True)
def test_a_dispatch_while_an_entry_is_being_saved_waits_for_it(personas, directory):
    """A dispatch in another worker while the admin's save was still recomputing (its transaction not
    committed) read the calendar without the entry, and its deadline stayed the old calendar's."""
    import threading

    from django.db import connection, transaction

    from minsheng.board.recompute import entries_before_change

    message = actions.do_submit(
        personas["citizen"], title="楼道灯不亮", body=BODY, kind="help", region=directory["qilihe"]
    )
    due = {}

    def dispatch():
        try:
            actions.do_dispatch(
                personas["dispatcher"],
                Message.objects.get(pk=message.pk),
                directory["housing"],
                at=DISPATCHED,
            )
            due["reply"] = Message.objects.get(pk=message.pk).due_at
        finally:
            connection.close()

    with transaction.atomic():
        before = entries_before_change()
        CalendarDay.objects.create(date=dt.date(2099, 6, 3), kind=CalendarDay.Kind.HOLIDAY)
        worker = threading.Thread(target=dispatch)
        worker.start()
        worker.join(1.5)
        assert worker.is_alive()  # it waits for the change
        recompute_deadlines(before)
    worker.join(10)
    assert due["reply"] == end_of("2099-06-16")


def test_a_due_soon_reminder_sent_for_the_old_deadline_is_sent_again_for_the_moved_one(case, personas):
    """The 「将于下一个工作日到期」 reminder went on Friday for Monday 06-15; a holiday on 06-15 moved the
    deadline to 06-16, and the unit was never reminded of it (the reminder counted once per assignment)."""
    from minsheng.board.tasks import notify_due_soon

    sent = _reminded_on_friday(personas, case, hour=10)
    friday = FRIDAY.replace(hour=10)
    assert notify_due_soon(now=friday) == 0
    before = read_entries()
    CalendarDay.objects.create(date=dt.date(2099, 6, 15), kind=CalendarDay.Kind.HOLIDAY)
    assert recompute_deadlines(before, now=friday + dt.timedelta(days=1)).cases == 1
    assert deadlines_of(case)[0] == end_of("2099-06-16")
    monday = friday + dt.timedelta(days=3)
    assert notify_due_soon(now=monday) == 1
    assert _reminders(personas, case).count() == 2
    _reminders(personas, case).exclude(pk__in=sent).update(created_at=monday)
    assert notify_due_soon(now=monday) == 0  # once for the new deadline


def test_a_due_soon_reminder_sent_before_an_extension_is_sent_again_for_the_extended_deadline(
    case, personas, directory
):
    """The reminder went on Friday morning for Monday 06-15; the supervisor approved 3 more working
    days that Friday (06-18), and the unit heard nothing before the new deadline: the reminder sent
    for the old date counted as the assignment's only one."""
    from minsheng.board.tasks import notify_due_soon

    sent = _reminded_on_friday(personas, case, hour=9)
    friday = FRIDAY.replace(hour=9)
    _extended(case, personas, directory, days_after=11)  # approved Friday 06-12 10:00
    assert notify_due_soon(now=friday + dt.timedelta(hours=2)) == 0  # 06-18 is not due by Monday
    wednesday = friday + dt.timedelta(days=5)
    assert notify_due_soon(now=wednesday) == 1
    texts = list(_reminders(personas, case).values_list("text", flat=True))
    assert len(texts) == 2 and "将于下一个工作日到期" in texts[-1]
    _reminders(personas, case).exclude(pk__in=sent).update(created_at=wednesday)
    assert notify_due_soon(now=wednesday) == 0  # once for the extended deadline


def _late_on_time_rate(case, personas, directory, how):
    """住建局 answers a second case in time, and gives ``case`` up (退单, or 转办 to 生态环境局) on
    Tuesday 06-16 at 10:00, the morning after its 答复期限 (Monday 06-15) under weekends alone."""
    other = actions.do_submit(
        personas["citizen"], title="楼道灯不亮", body=BODY, kind="help", region=directory["qilihe"]
    )
    actions.do_dispatch(personas["dispatcher"], other, directory["housing"], at=DISPATCHED)
    actions.do_sign(personas["officer"], other, directory["housing"], at=DISPATCHED + dt.timedelta(hours=1))
    actions.do_reply(
        personas["officer"],
        other,
        directory["housing"],
        "已更换楼道灯，感谢您的监督。",
        at=DISPATCHED + dt.timedelta(days=2),
    )
    late = dt.datetime(2099, 6, 16, 10, 0, tzinfo=SHANGHAI)
    if how == "returned":
        actions.do_return(personas["officer"], case, directory["housing"], "不属本单位职责", at=late)
    else:
        actions.do_transfer(
            personas["officer"], case, directory["housing"], directory["ecology"], "属环保职责", at=late
        )


@pytest.mark.parametrize("how", ["returned", "transferred"])
def test_a_miss_only_for_a_holiday_not_entered_yet_goes_when_it_is_and_comes_back_when_removed(
    case, personas, directory, client, login, how, django_capture_on_commit_callbacks
):
    """A unit that gave a case up the day after its deadline, a deadline that counted a holiday not
    entered yet as a working day, kept its 误期未答复 for good once the holiday was entered: 住建局 read
    按时率 50.0% on /stats/units/ for a case it had let go in time under the corrected calendar. The miss is
    judged again with the deadline the calendar now gives (the same start, days and extensions)."""
    from minsheng.stats import figures
    from minsheng.stats.models import Miss

    from .test_stats_open_unit import HOUSING, _csv, _league

    with django_capture_on_commit_callbacks(execute=True):
        _late_on_time_rate(case, personas, directory, how)

    def figures_now():
        league = _league(client)[HOUSING]
        api = {
            r["label"]: r
            for r in client.get("/api/v1/statistics/breakdown/", {"by": "unit", "region": "620100"}).json()
        }[HOUSING]
        table = _csv(client.get("/stats/export/table.csv", {"by": "unit", "region": "620100"}))
        row = dict(zip(table[0], {r[0]: r for r in table[1:]}[HOUSING], strict=True))
        return (
            (league["误期未答复"], league["按时率"]),
            (api["missed"], api["on_time_rate"]),
            (row["误期未答复"], row["按时率"]),
        )

    missed = (("1", "50.0% (1/2 件)"), (1, 0.5), ("1", "0.5"))
    assert figures_now() == missed
    assert Miss.objects.filter(message=case, unit_key=directory["housing"].pk).exists()

    with django_capture_on_commit_callbacks(execute=True):
        said = run("--add", "2099-06-03", "--note", "调整放假")
    on_time = (("0", "100.0% (1/1 件)"), (0, 1.0), ("0", "1.0"))
    assert figures_now() == on_time
    assert not Miss.objects.filter(message=case).exists()
    assert said.splitlines()[2] == "已重新判定 1 个误期未答复 (撤销 1 个, 新增 0 个)"
    given_up = case.assignments.get(unit=directory["housing"], role="lead")
    assert given_up.due_at == end_of("2099-06-16")  # its deadline under the calendar now: held to 06-16
    page = login(personas["supervisor"]).get(f"/staff/case/{case.public_id}/").content.decode()
    assert "答复期限 (兰州市住房和城乡建设局) 2099-06-15 → 2099-06-16 (不再计为误期未答复)" in page
    # the statistics rebuilt from the rows (refresh-stats) say the same
    call_command("refresh_stats", "--commit")
    figures.bump_version()
    assert figures_now() == on_time
    assert run("--recompute").splitlines() == [  # nothing left to move
        "已重新计算 0 件在办留言的期限",
        "已重新判定 0 个误期未答复",
    ]

    with django_capture_on_commit_callbacks(execute=True):
        said = run("--remove", "2099-06-03")
    assert figures_now() == missed
    assert said.splitlines()[2] == "已重新判定 1 个误期未答复 (撤销 0 个, 新增 1 个)"
    page = login(personas["supervisor"]).get(f"/staff/case/{case.public_id}/").content.decode()
    assert "答复期限 (兰州市住房和城乡建设局) 2099-06-16 → 2099-06-15 (计为误期未答复)" in page


def test_only_the_given_up_deadlines_whose_span_holds_the_date_are_counted(
    case, personas, directory, monkeypatch
):
    """The misses are judged again for the units whose deadline counts the changed date alone, as the
    running deadlines are: a date before the dispatch or after the deadline reads no given-up unit."""
    from minsheng.board import recompute

    _late_on_time_rate(case, personas, directory, "returned")
    counted = []
    real = recompute.due_after
    monkeypatch.setattr(recompute, "due_after", lambda *a, **kw: counted.append(a) or real(*a, **kw))
    assert run("--add", "2099-06-01").splitlines()[2] == "已重新判定 0 个误期未答复"
    assert run("--add", "2099-06-20").splitlines()[2] == "已重新判定 0 个误期未答复"
    assert counted == []
    assert run("--add", "2099-06-03").splitlines()[2] == "已重新判定 1 个误期未答复 (撤销 1 个, 新增 0 个)"
    assert counted


def test_a_given_up_units_deadline_moved_sends_the_unit_handling_the_case_no_second_reminder(
    case, personas, directory
):
    """住建局 returned the case late; 生态环境局, dispatched it afterwards, was reminded of its own deadline.
    A holiday moving 住建局's old deadline (judged again for its miss) left 生态环境局's as it was: the
    reminder is not sent again for it."""
    from minsheng.board.models import Notification
    from minsheng.board.tasks import notify_due_soon

    _late_on_time_rate(case, personas, directory, "returned")
    actions.do_dispatch(
        personas["dispatcher"],
        case,
        directory["ecology"],
        at=dt.datetime(2099, 6, 17, 10, 0, tzinfo=SHANGHAI),
    )
    assert deadlines_of(case)[0] == end_of("2099-07-01")
    eve = dt.datetime(2099, 6, 30, 10, 0, tzinfo=SHANGHAI)
    assert notify_due_soon(now=eve) == 1
    Notification.objects.filter(kind="due_soon").update(created_at=eve)
    before = read_entries()
    CalendarDay.objects.create(date=dt.date(2099, 6, 3), kind=CalendarDay.Kind.HOLIDAY)
    done = recompute_deadlines(before, now=eve + dt.timedelta(hours=1))
    assert (done.cases, done.unmissed) == (0, 1)
    assert deadlines_of(case)[0] == end_of("2099-07-01")
    assert notify_due_soon(now=eve + dt.timedelta(hours=2)) == 0


def test_a_case_extended_after_its_deadline_to_today_is_said_due_today(case, personas, directory):
    """An extension approved after the old deadline (06-15) counts on from it: approved on Thursday
    06-18 for 3 working days, the case is due that evening. The reminder the approval re-armed went
    within the hour and said 「将于下一个工作日到期」, a day more than the unit had."""
    from minsheng.board.models import Notification
    from minsheng.board.tasks import notify_due_soon

    _extended(case, personas, directory, days_after=17)  # approved Thursday 06-18 10:00: due 06-18 23:59
    assert notify_due_soon(now=DISPATCHED + dt.timedelta(days=17, hours=1)) == 1
    text = Notification.objects.get(user=personas["officer"], message=case, kind="due_soon").text
    assert "将于今天到期" in text and "下一个工作日" not in text


@pytest.mark.parametrize("change", ["entry", "package"])
def test_a_case_dispatched_again_as_another_type_has_the_returned_units_miss_judged_by_its_old_type(
    case, personas, directory, django_capture_on_commit_callbacks, monkeypatch, change
):
    """住建局 returned the 求助 the morning after its deadline (10 working days), and the dispatcher sent it
    on to 生态环境局 as a 投诉 (15): the returned unit's deadline, counted with the 投诉's days, was not the
    rule's under the calendar before, and its miss, only for the holiday not entered yet, stayed. It is
    counted with the days of the type it was dispatched as."""
    from minsheng.stats.models import Miss

    with django_capture_on_commit_callbacks(execute=True):
        _late_on_time_rate(case, personas, directory, "returned")
        actions.do_dispatch(
            personas["dispatcher"],
            case,
            directory["ecology"],
            kind="complain",
            at=dt.datetime(2099, 6, 17, 10, 0, tzinfo=SHANGHAI),
        )
    assert Miss.objects.filter(message=case, unit_key=directory["housing"].pk).exists()
    if change == "package":  # --recompute after an upgrade that knows the holiday: the same
        _package_knows_2099(monkeypatch, holidays=[dt.date(2099, 6, 3)])
    with django_capture_on_commit_callbacks(execute=True):
        said = run("--add", "2099-06-03") if change == "entry" else run("--recompute")
    assert said.splitlines()[-1] == "已重新判定 1 个误期未答复 (撤销 1 个, 新增 0 个)"
    assert not Miss.objects.filter(message=case).exists()
    returned = case.assignments.get(unit=directory["housing"], role="lead")
    assert returned.due_at == end_of("2099-06-16")  # 10 working days, the holiday skipped


def _package_knows_2099(monkeypatch, holidays=(), workdays=()):
    """What ``pip install -U chinese-calendar`` does when it brings a new year: 2099, weekends alone
    before, has the package's holidays and make-up working days (调休) now; no entry changes."""
    monkeypatch.setattr(deadlines, "CALENDAR_YEARS", range(deadlines.CALENDAR_YEARS.start, 2100))
    monkeypatch.setattr(deadlines, "HOLIDAYS", {**deadlines.HOLIDAYS, **dict.fromkeys(holidays, "调整放假")})
    monkeypatch.setattr(
        deadlines, "MAKEUP_WORKDAYS", {**deadlines.MAKEUP_WORKDAYS, **dict.fromkeys(workdays, "调休")}
    )


def test_recompute_after_the_package_brought_a_new_year_judges_the_given_up_units_misses_again(
    case, personas, directory, login, monkeypatch, django_capture_on_commit_callbacks
):
    """``minsheng holidays --recompute`` moved the running deadlines alone: 住建局, which returned a case
    the morning after a deadline that counted a holiday the package did not know yet, kept its
    误期未答复. It is judged again as an entry of the date would have; a unit that returned another in time
    by a deadline the package's 调休 brings forward is not made late after the fact (until 2026-12-05 it
    was charged with a miss: docs/deploy.md §11)."""
    from minsheng.stats.models import Miss

    housing = directory["housing"].pk
    with django_capture_on_commit_callbacks(execute=True):
        _late_on_time_rate(case, personas, directory, "returned")  # due 06-15, returned 06-16 10:00
        later = actions.do_submit(
            personas["citizen"], title="路灯不亮", body=BODY, kind="help", region=directory["qilihe"]
        )
        monday = dt.datetime(2099, 7, 6, 10, 0, tzinfo=SHANGHAI)
        actions.do_dispatch(personas["dispatcher"], later, directory["housing"], at=monday)
        # due Monday 07-20 under weekends alone: returned that morning, in time
        actions.do_return(
            personas["officer"],
            later,
            directory["housing"],
            "不属本单位职责",
            at=monday + dt.timedelta(days=14),
        )
    assert set(Miss.objects.values_list("message_id", "unit_key")) == {(case.pk, housing)}

    _package_knows_2099(monkeypatch, holidays=[dt.date(2099, 6, 3)], workdays=[dt.date(2099, 7, 11)])
    with django_capture_on_commit_callbacks(execute=True):
        said = run("--recompute")
    assert said.splitlines() == [
        "已重新计算 2 件在办留言的期限",  # both, returned, wait for dispatch
        "已重新判定 1 个误期未答复 (撤销 1 个, 新增 0 个)",
    ]
    assert not Miss.objects.exists()
    assert case.assignments.get(role="lead").due_at == end_of("2099-06-16")
    # Saturday 07-11 worked would bring it to 07-17, before the 退单 in time: it stays
    assert later.assignments.get(role="lead").due_at == end_of("2099-07-20")
    staff = login(personas["supervisor"])
    page = staff.get(f"/staff/case/{case.public_id}/").content.decode()
    assert "答复期限 (兰州市住房和城乡建设局) 2099-06-15 → 2099-06-16 (不再计为误期未答复)" in page
    assert "原因: 按当前节假日重新计算" in page
    page = staff.get(f"/staff/case/{later.public_id}/").content.decode()
    assert "计为误期未答复" not in page
    assert run("--recompute").splitlines() == ["已重新计算 0 件在办留言的期限", "已重新判定 0 个误期未答复"]


def test_recompute_leaves_a_given_up_deadline_set_by_another_reply_period_alone(
    case, personas, directory, settings, django_capture_on_commit_callbacks
):
    """Without the calendar before, a deadline the rule gives under neither the calendar in use nor the
    one before the package knew its year (a reply period changed since) is not judged by today's."""
    from minsheng.stats.models import Miss

    with django_capture_on_commit_callbacks(execute=True):
        _late_on_time_rate(
            case, personas, directory, "returned"
        )  # 10 working days: due 06-15, returned 06-16
    assert Miss.objects.filter(message=case, unit_key=directory["housing"].pk).exists()
    settings.MINSHENG_REPLY_DAYS = dict.fromkeys(settings.MINSHENG_REPLY_DAYS, 11)
    with django_capture_on_commit_callbacks(execute=True):
        said = run("--recompute").splitlines()
    assert said[1] == "已重新判定 0 个误期未答复"
    # said, with the case to look at by hand (until 2026-12-05 nothing told the operator)
    assert said[2] == (
        f"1 个退单或转办单位的答复期限不是按当前或旧版节假日算出的 (如答复期限天数已改), 未重新判定: {case.public_id}"
    )
    assert case.assignments.get(role="lead").due_at == end_of("2099-06-15")
    assert Miss.objects.filter(message=case, unit_key=directory["housing"].pk).exists()


def test_recompute_reads_the_given_up_units_in_three_queries_however_many(
    case, personas, directory, monkeypatch, django_assert_num_queries
):
    """--recompute reads every given-up unit: their rows, the cases' 派单 and 重办, the extensions
    approved — one query each, not one per assignment."""
    from minsheng.board import recompute

    _late_on_time_rate(case, personas, directory, "returned")
    for day in (2, 3, 4):
        message = actions.do_submit(
            personas["citizen"], title="路灯不亮", body=BODY, kind="help", region=directory["qilihe"]
        )
        actions.do_dispatch(personas["dispatcher"], message, directory["housing"], at=DISPATCHED)
        actions.do_return(
            personas["officer"], message, directory["housing"], "不属本单位职责", at=end_of(f"2099-06-1{day}")
        )
    _package_knows_2099(monkeypatch, holidays=[dt.date(2099, 6, 3)])
    after = read_entries()
    with django_assert_num_queries(3):
        moved, changes, _unjudged = recompute._given_up(after, [after, recompute._before_the_package(after)])
    assert len(changes) == 4 and sum(len(pks) for pks in moved.values()) == 4


def test_recompute_leaves_a_deadline_the_calendar_in_use_gave_to_a_case_of_another_type_now_alone(
    personas, directory, monkeypatch, django_capture_on_commit_callbacks
):
    """A 求助 (10 working days) dispatched over a week of holidays the package knew, returned late, then
    dispatched again as a 投诉 (15): the returned unit's deadline is the rule's under the calendar in use
    (10 days), and --recompute, nothing having changed, left it and its 误期未答复 alone. It counted the
    投诉's 15 days first under weekends alone, found the same date (the five holidays make up the five
    days), and moved the deadline to the 投诉's under the calendar in use: the miss went."""
    from minsheng.stats.models import Miss

    holidays = [dt.date(2099, 6, day) for day in (2, 3, 4, 5, 8)]
    _package_knows_2099(monkeypatch, holidays=holidays)
    with django_capture_on_commit_callbacks(execute=True):
        message = actions.do_submit(
            personas["citizen"], title="路灯不亮", body=BODY, kind="help", region=directory["qilihe"]
        )
        actions.do_dispatch(personas["dispatcher"], message, directory["housing"], at=DISPATCHED)
        assert message.assignments.get(role="lead").due_at == end_of(
            "2099-06-22"
        )  # 10 days, holidays skipped
        late = dt.datetime(2099, 6, 23, 10, 0, tzinfo=SHANGHAI)
        actions.do_return(personas["officer"], message, directory["housing"], "不属本单位职责", at=late)
        actions.do_dispatch(
            personas["dispatcher"],
            message,
            directory["ecology"],
            kind="complain",
            at=late + dt.timedelta(hours=1),
        )
    assert Miss.objects.filter(message=message, unit_key=directory["housing"].pk).exists()
    with django_capture_on_commit_callbacks(execute=True):
        said = run("--recompute")
    assert said.splitlines()[1] == "已重新判定 0 个误期未答复"
    assert message.assignments.get(unit=directory["housing"]).due_at == end_of("2099-06-22")
    assert Miss.objects.filter(message=message, unit_key=directory["housing"].pk).exists()


@pytest.mark.parametrize("how", ["returned", "transferred"])
def test_an_entry_removed_after_a_unit_gave_a_case_up_in_time_does_not_make_it_late(
    case, personas, directory, login, django_capture_on_commit_callbacks, how
):
    """住建局 saw 答复期限 2099-06-16 (06-03 entered as a holiday) and returned the case on 06-16 at 10:00,
    in time. The entry removed afterwards (entered by mistake) counted the deadline again to 06-15 and
    charged 住建局 with a 误期未答复 for a 退单 that was in time by the calendar in force then. A correction
    never makes a unit late after the fact: its deadline stays (docs/deploy.md §11)."""
    from minsheng.stats.models import Miss

    run("--add", "2099-06-03")
    case.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        _late_on_time_rate(case, personas, directory, how)  # due 06-16 now: in time
    assert not Miss.objects.filter(message=case).exists()
    with django_capture_on_commit_callbacks(execute=True):
        said = run("--remove", "2099-06-03")
    assert said.splitlines()[2] == "已重新判定 0 个误期未答复"
    assert not Miss.objects.filter(message=case).exists()
    assert case.assignments.get(unit=directory["housing"], role="lead").due_at == end_of("2099-06-16")
    page = login(personas["supervisor"]).get(f"/staff/case/{case.public_id}/").content.decode()
    assert "计为误期未答复" not in page


def test_a_run_of_holidays_entered_at_once_moves_a_deadline_once(case, django_capture_on_commit_callbacks):
    """`holidays --add FROM..TO` (since 2026-12-06): three days inside the case's span move its 答复期限 three
    working days in one step, with one history entry naming the run."""
    with django_capture_on_commit_callbacks(execute=True):
        said = run("--add", "2099-06-03..2099-06-05", "--note", "调整放假")
    assert said.splitlines() == [
        "已添加 2099-06-03 至 2099-06-05 (3 天) 休息日/节假日 (调整放假)",
        "已重新计算 1 件在办留言的期限",
        "已重新判定 0 个误期未答复",
    ]
    assert deadlines_of(case)[0] == end_of("2099-06-18")
    assert OpenCase.objects.get(pk=case.pk).due_at == end_of("2099-06-18")
    moved = Event.objects.get(message=case, kind=Event.Kind.DEADLINE_MOVED)
    assert moved.data["changes"] == [{"what": "答复期限", "from": "2099-06-15", "to": "2099-06-18"}]
    assert "2099-06-03 至 2099-06-05" in str(moved.data)
