"""The action layer: the transition table, optimistic locking, append-only events,
routing overrides and the periodic tasks (the HTTP flows are in test_workflow_http)."""

import datetime as dt
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from minsheng.board import actions
from minsheng.board.models import Event, Message, Notification
from minsheng.board.tasks import close_stale, notify_due_soon
from minsheng.board.workflow import TRANSITIONS, Conflict, IllegalMove, Status
from minsheng.directory.routing import route

BODY = "小区六层老楼没有电梯，老人上下楼非常困难，申请加装电梯两年了还没有结果，请尽快解决。"


@pytest.fixture
def message(personas, directory):
    return actions.do_submit(personas["citizen"], title="老旧小区加装电梯", body=BODY, kind="help",
                             region=directory["qilihe"], topic=directory["topic_build"])


def dispatched(message, personas, directory):
    actions.do_dispatch(personas["dispatcher"], message, directory["housing"], [directory["ecology"]])
    return message


def test_every_transition_target_is_a_status():
    for action, (sources, target) in TRANSITIONS.items():
        assert target in Status.values, action
        assert sources <= set(Status.values), action


@pytest.mark.django_db
def test_submit_writes_message_and_event(message, personas):
    assert message.status == Status.SUBMITTED
    assert message.public_id.endswith(f"{message.pk:06d}")
    assert list(message.events.values_list("kind", flat=True)) == ["submitted"]
    assert message.contact_phone == personas["citizen"].phone


@pytest.mark.django_db
def test_full_happy_path_and_events(message, personas, directory):
    dispatched(message, personas, directory)
    actions.do_sign(personas["officer"], message, directory["housing"])
    actions.do_reply(personas["officer"], message, directory["housing"], "已联系街道办，本月底前完成加装电梯的方案公示。")
    actions.do_evaluate(personas["citizen"], message, resolution="satisfied", attitude="satisfied", speed="basic")
    message.refresh_from_db()
    assert message.status == Status.CLOSED
    kinds = list(message.events.values_list("kind", flat=True))
    assert kinds == ["submitted", "dispatched", "signed", "replied", "evaluated", "closed"]
    assert message.assignments.get(unit=directory["ecology"]).role == "assist"


@pytest.mark.django_db
def test_illegal_moves_are_refused(message, personas, directory):
    with pytest.raises(IllegalMove):
        actions.do_sign(personas["officer"], message, directory["housing"])  # not dispatched: no assignment
    dispatched(message, personas, directory)
    with pytest.raises(IllegalMove):
        actions.do_reply(personas["officer"], message, directory["housing"], "答复内容答复内容答复内容")  # before sign
    with pytest.raises(IllegalMove):
        actions.do_withdraw(personas["citizen"], message)  # after dispatch
    with pytest.raises(PermissionDenied):
        actions.do_sign(personas["other_officer"], message, directory["housing"])
    with pytest.raises(PermissionDenied):
        actions.do_dispatch(personas["dx_dispatcher"], message, directory["housing"])
    assert Message.objects.get(pk=message.pk).status == Status.DISPATCHED


@pytest.mark.django_db
def test_stale_copy_conflicts_and_nothing_is_lost(message, personas, directory):
    dispatched(message, personas, directory)
    actions.do_sign(personas["officer"], message, directory["housing"])
    first = Message.objects.get(pk=message.pk)
    second = Message.objects.get(pk=message.pk)
    actions.do_reply(personas["officer"], first, directory["housing"], "第一位工作人员的答复内容，已安排处理。")
    with pytest.raises((Conflict, IllegalMove, PermissionDenied)):
        actions.do_reply(personas["officer"], second, directory["housing"], "第二位工作人员的答复内容，已安排处理。")
    assert message.replies.count() == 1
    assert message.replies.get().body.startswith("第一位")


@pytest.mark.django_db
def test_events_are_append_only(message):
    event = message.events.get()
    event.data = {"tampered": True}
    with pytest.raises(ValueError):
        event.save()


@pytest.mark.django_db
def test_routing_prefers_the_county_override(directory):
    assert route(directory["chengguan"], directory["topic_build"]).lead == directory["cg_gov"]
    lz = route(directory["qilihe"], directory["topic_build"])
    assert lz.lead == directory["housing"]
    assert "兰州市住房和城乡建设局" in lz.reason
    env = route(directory["chengguan"], directory["topic_env"])
    assert env.lead == directory["ecology"] and env.assists == [directory["housing"]]
    assert route(directory["province"], directory["topic_build"]).lead is None


@pytest.mark.django_db
def test_unsatisfied_reopens_once_then_closes(message, personas, directory):
    dispatched(message, personas, directory)
    for round_ in (1, 2):
        actions.do_sign(personas["officer"], message, directory["housing"])
        actions.do_reply(personas["officer"], message, directory["housing"], f"第{round_}次答复：已经安排现场查看。")
        actions.do_evaluate(personas["citizen"], message, resolution="unsatisfied", attitude="basic",
                            speed="unsatisfied")
        if round_ == 1:
            assert message.status == Status.EVALUATED
            actions.do_reopen(personas["citizen"], message, "问题没有解决")
            assert message.status == Status.DISPATCHED and message.reopen_count == 1
    assert message.status == Status.CLOSED  # the second unsatisfied rating closes it
    with pytest.raises(IllegalMove):
        actions.do_reopen(personas["citizen"], message)


@pytest.mark.django_db
def test_close_stale_closes_unrated_replies_after_seven_days(message, personas, directory):
    dispatched(message, personas, directory)
    actions.do_sign(personas["officer"], message, directory["housing"])
    long_ago = timezone.now() - dt.timedelta(days=8)
    actions.do_reply(personas["officer"], message, directory["housing"], "已安排现场查看并答复群众。", at=long_ago)
    assert close_stale() == 1
    assert close_stale() == 0  # idempotent
    message.refresh_from_db()
    assert message.status == Status.CLOSED
    assert message.events.filter(kind=Event.Kind.CLOSED, data__reason="no_evaluation").exists()


@pytest.mark.django_db(transaction=True)  # real commits: the hotspot refresh runs after each
def test_close_stale_refreshes_a_hotspot_once_for_all_its_cases(personas, directory, monkeypatch):
    from minsheng.insight import hotspots_service
    from minsheng.insight.models import Hotspot, HotspotMember

    long_ago = timezone.now() - dt.timedelta(days=8)
    now = timezone.now()
    hotspot = Hotspot.objects.create(title="七里河区某小区加装电梯", region=directory["qilihe"], first_at=now,
                                     last_at=now)
    for n in range(3):
        m = actions.do_submit(personas["citizen"], title=f"老旧小区加装电梯{n}", body=BODY, kind="help",
                              region=directory["qilihe"], topic=directory["topic_build"])
        dispatched(m, personas, directory)
        actions.do_sign(personas["officer"], m, directory["housing"])
        actions.do_reply(personas["officer"], m, directory["housing"], "已安排现场查看并答复群众。", at=long_ago)
        # (the submission may have placed it already, in a hotspot of its own)
        HotspotMember.objects.update_or_create(message=m, defaults={"hotspot": hotspot})
    refreshed = []
    monkeypatch.setattr(hotspots_service, "refresh_many", lambda pks, *args, **kw: refreshed.extend(pks))
    assert close_stale() == 3
    assert refreshed == [hotspot.pk]  # once, not once per closed case (refresh_many reads them together since
    # qa-batchsign, 2026-12-05)


@pytest.mark.django_db
def test_due_soon_reminder_is_sent_once(message, personas, directory):
    now = timezone.now()
    actions.do_dispatch(personas["dispatcher"], message, directory["housing"], at=now - dt.timedelta(days=30))
    Message.objects.filter(pk=message.pk).update(due_at=now + dt.timedelta(hours=2))
    message.assignments.update(due_at=now + dt.timedelta(hours=2))
    assert notify_due_soon() == 1
    assert notify_due_soon() == 0
    assert Notification.objects.filter(user=personas["officer"], kind="due_soon").count() == 1


def test_a_case_goes_only_to_units_of_its_region_and_above(message, personas, directory):
    """The API, like the dispatch form, cannot send a 兰州 case to 定西市住建局."""
    with pytest.raises(actions.Invalid, match="定西市住房和城乡建设局 不办理"):
        actions.do_dispatch(personas["dispatcher"], message, directory["dx_housing"])
    with pytest.raises(actions.Invalid, match="不办理"):
        actions.do_dispatch(personas["dispatcher"], message, directory["housing"], assists=[directory["dx_housing"]])
    assert Message.objects.get(pk=message.pk).status == message.status  # nothing half-done
    actions.do_dispatch(personas["dispatcher"], message, directory["housing"], assists=[directory["ecology"]])
    with pytest.raises(actions.Invalid, match="不办理"):
        actions.do_transfer(personas["officer"], message, directory["housing"], directory["dx_housing"], "不属本单位")
    names = {u.name for u in actions.units_for(message)}
    assert {"兰州市住房和城乡建设局", "城关区人民政府"} <= names and "定西市住房和城乡建设局" not in names


@pytest.mark.django_db
def test_the_units_a_case_can_go_to_begin_with_its_own_regions(personas, directory):
    """The dispatch form's 主办/协办 lists ran by region code: a 兰州市 case's began with the
    province's units, a 城关区 case's too, its own district's government somewhere after them."""
    from minsheng.directory.models import Unit

    province = Unit.objects.create(name="甘肃省住房和城乡建设厅", region=directory["province"])
    qlh = Unit.objects.create(name="七里河区人民政府", region=directory["qilihe"])
    city = actions.do_submit(personas["citizen"], title="老楼加装电梯没有结果", body=BODY, kind="help", region=directory["lanzhou"])
    names = [u.name for u in actions.units_for(city)]
    assert names[:4] == sorted(names[:4]) and {*names[:4]} == {"兰州市住房和城乡建设局", "兰州市生态环境局",
                                                                "兰州市交通运输局", "兰州市政务服务中心"}
    assert names[4:] == [province.name, "城关区人民政府", qlh.name]
    district = actions.do_submit(personas["citizen"], title="老楼加装电梯没有结果", body=BODY, kind="help", region=directory["chengguan"])
    names = [u.name for u in actions.units_for(district)]
    assert names[0] == "城关区人民政府" and names[5] == province.name and names[6:] == [qlh.name]


@pytest.mark.django_db
def test_a_due_soon_reminder_cut_off_half_way_is_sent_whole_next_time(message, personas, directory, monkeypatch):
    """The unit's officers are told in one transaction: a run that lost the database after
    the first officer's note left the second none, and every later run found the reminder sent."""
    from django.db import OperationalError

    from minsheng.board import notify

    from .conftest import make_user

    second = make_user("officer2", role="officer", unit=directory["housing"])
    now = timezone.now()
    actions.do_dispatch(personas["dispatcher"], message, directory["housing"], at=now - dt.timedelta(days=30))
    message.assignments.update(due_at=now + dt.timedelta(hours=2))
    Message.objects.filter(pk=message.pk).update(due_at=now + dt.timedelta(hours=2))
    send = notify._send_all

    def cut_off(notes, **kwargs):  # the first officer's note written, then the connection lost
        assert len(notes) == 2
        send(notes[:1], **kwargs)
        assert Notification.objects.filter(kind="due_soon").count() == 1
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(notify, "_send_all", cut_off)
    with pytest.raises(OperationalError):
        notify_due_soon()
    assert not Notification.objects.filter(kind="due_soon").exists()
    monkeypatch.setattr(notify, "_send_all", send)
    assert notify_due_soon() == 1
    assert set(Notification.objects.filter(kind="due_soon").values_list("user", flat=True)) == {
        personas["officer"].pk, second.pk}


@pytest.mark.django_db
def test_run_periodic_gives_the_sqlite_planner_its_statistics(message):
    """SQLite keeps no planner statistics unless asked, and without them read every list through
    the status index and sorted all the rows it matched (the public list: 400 ms at 60,000
    messages, 1 ms with them). run-periodic (and the daily Celery task) refresh them."""
    from django.core.management import call_command
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT now()")
            started = cursor.fetchone()[0]
        call_command("run_periodic", stdout=io.StringIO())
        if connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = 'board_message'")
            assert cursor.fetchone()[0] > 0
        else:  # autovacuum would not sample a table of a few test rows
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = 'board_message'")
            last = cursor.fetchone()[0]
            assert last is not None and last >= started


@pytest.mark.django_db
def test_the_supervised_cases_are_found_through_their_own_index(message, personas, directory):
    """The supervisors' 督办 list (supervised cases not yet closed) scanned every message: 350 ms
    at 60,000 messages on SQLite. A partial index holds the supervised ones only."""
    from django.db import connection

    from minsheng.board.tasks import analyze_database

    for n in range(5):
        actions.do_submit(personas["citizen"], title=f"老旧小区加装电梯{n}", body=BODY, kind="help",
                          region=directory["qilihe"])
    Message.objects.filter(pk=message.pk).update(supervised=True)
    analyze_database()
    supervised = Message.objects.filter(supervised=True).exclude(status__in=[Status.CLOSED, Status.REJECTED])
    assert list(supervised) == [message]
    if connection.vendor == "sqlite":
        assert "board_message_supervised" in supervised.explain()


def test_a_reply_without_a_chinese_character_is_refused(message, personas, directory):
    """Through the form or the API, a reply pasted in English (or a phone number alone) was
    published as the answer; it is refused, the case still waiting for one."""
    dispatched(message, personas, directory)
    actions.do_sign(personas["officer"], message, directory["housing"])
    for body in ("We have received your message and will handle it soon.", "0931-12345678 / 12345"):
        with pytest.raises(actions.Invalid, match="答复内容没有中文"):
            actions.do_reply(personas["officer"], Message.objects.get(pk=message.pk), directory["housing"], body)
    m = Message.objects.get(pk=message.pk)
    assert m.status == Status.SIGNED and not m.replies.exists()
    actions.do_reply(personas["officer"], m, directory["housing"], "经核查, 已于12月1日修复。Thank you.")


# --- 撤销并单 -------------------------------------------------------------------------

def _wrongly_merged(message, personas, directory):
    """``message``, dispatched, then merged by mistake into another (accepted) case."""
    main = actions.do_submit(personas["other_citizen"], title="另一个小区的电梯问题", body=BODY, kind="help",
                             region=directory["qilihe"], topic=directory["topic_build"])
    actions.do_accept(personas["dispatcher"], main)
    dispatched(message, personas, directory)
    actions.do_merge(personas["dispatcher"], Message.objects.get(pk=message.pk), Message.objects.get(pk=main.pk))
    return Message.objects.get(pk=message.pk), Message.objects.get(pk=main.pk)


@pytest.mark.django_db
def test_unmerge_puts_the_message_back_in_the_queue_on_its_own(message, personas, directory,
                                                               django_capture_on_commit_callbacks):
    from minsheng.stats import facts, figures

    from .test_stats_cases import raw_figures

    with django_capture_on_commit_callbacks(execute=True):
        merged, main = _wrongly_merged(message, personas, directory)
    assert merged.due_at is not None  # its own dispatch's deadline, kept while merged
    before = figures.compute()
    assert before["merged"] == 1 and before["received"] == 1
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_unmerge(personas["dispatcher"], merged, "  不是同一个小区, 并错了  ")
    m = Message.objects.get(pk=message.pk)
    assert m.status == Status.ACCEPTED and m.duplicate_of is None
    assert m.due_at is None and not m.is_overdue  # no deadline until it is dispatched again
    assert not main.merged.exists()
    assert not m.assignments.filter(state="active").exists()  # the old units do not get it back unasked
    own = m.events.get(kind=Event.Kind.UNMERGED)
    assert own.public and own.actor == personas["dispatcher"]
    assert own.data == {"reason": "不是同一个小区, 并错了", "main": main.public_id}
    other = main.events.get(kind=Event.Kind.UNMERGED)
    assert not other.public and other.data["split"] == m.public_id
    note = Notification.objects.get(user=personas["citizen"], message=m, kind="unmerged")
    assert "已撤销并单" in note.text and "并错了" not in note.text  # the reason stays internal
    assert not Notification.objects.filter(user=personas["other_citizen"], kind="unmerged").exists()
    # the figures: one more case received and open (not overdue), none merged; as a rebuild says
    after = figures.compute()
    assert (after["merged"], after["received"], after["open"], after["overdue"]) == (0, 2, 2, 0)
    assert after == raw_figures(Message.objects.all())
    facts.rebuild()
    assert figures.compute() == after
    # dispatched again: a full deadline from the new dispatch, a new lead assignment
    later = timezone.now() + dt.timedelta(days=1)
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"], at=later)
    m.refresh_from_db()
    assert m.status == Status.DISPATCHED and m.due_at > later + dt.timedelta(days=7)


@pytest.mark.django_db
def test_unmerge_tells_those_who_said_they_met_the_split_message_too(message, personas, directory,
                                                                      django_capture_on_commit_callbacks):
    """Who pressed 我也遇到 on the merged message followed the main case through it; after 撤销并单
    they silently stopped hearing of the main case. They are told, as its author is."""
    from .conftest import make_user

    neighbour = make_user("neighbour")
    with django_capture_on_commit_callbacks(execute=True):
        merged, main = _wrongly_merged(message, personas, directory)
        actions.do_support(neighbour, merged)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_unmerge(personas["dispatcher"], merged, "不是同一个小区")
    note = Notification.objects.get(user=neighbour, kind="unmerged")
    assert "已撤销并单" in note.text and "不是同一个小区" not in note.text
    assert not Notification.objects.filter(user=personas["other_citizen"], kind="unmerged").exists()


@pytest.mark.django_db
def test_unmerge_is_refused_without_writing_anything(message, personas, directory):
    merged, main = _wrongly_merged(message, personas, directory)
    events, notes = Event.objects.count(), Notification.objects.count()
    for actor in (personas["citizen"], personas["officer"], personas["supervisor"], personas["dx_dispatcher"]):
        with pytest.raises(PermissionDenied, match="不是该区划的派单员"):
            actions.do_unmerge(actor, merged, "并错了")
    for reason in ("", "   "):
        with pytest.raises(actions.Invalid, match="请填写撤销并单的理由"):
            actions.do_unmerge(personas["dispatcher"], merged, reason)
    with pytest.raises(IllegalMove, match="不能撤销并单"):
        actions.do_unmerge(personas["dispatcher"], main, "并错了")  # the main case is not merged
    stale = Message.objects.get(pk=merged.pk)
    stale.version -= 1  # a page read before the merge
    with pytest.raises(Conflict):
        actions.do_unmerge(personas["dispatcher"], stale, "并错了")
    m = Message.objects.get(pk=merged.pk)
    assert m.status == Status.MERGED and m.duplicate_of_id == main.pk and m.due_at is not None
    assert (Event.objects.count(), Notification.objects.count()) == (events, notes)
    actions.do_unmerge(personas["dispatcher"], m, "并错了")
    with pytest.raises(IllegalMove):  # twice: it is no longer merged
        actions.do_unmerge(personas["dispatcher"], Message.objects.get(pk=m.pk), "并错了")


def _due_in_two_hours(personas, directory, count: int, handler) -> list[Message]:
    """``count`` cases of 住建局 given to ``handler``, their reply deadline two hours away."""
    now, made = timezone.now(), []
    for n in range(count):
        m = actions.do_submit(personas["citizen"], title=f"楼道灯不亮第{n}处", body=BODY, kind="help",
                              region=directory["qilihe"])
        actions.do_dispatch(personas["dispatcher"], m, directory["housing"], at=now - dt.timedelta(days=30))
        made.append(m)
    ids = [m.pk for m in made]
    Message.objects.filter(pk__in=ids).update(due_at=now + dt.timedelta(hours=2))
    from minsheng.board.models import Assignment

    Assignment.objects.filter(message__in=ids).update(due_at=now + dt.timedelta(hours=2), handler=handler)
    return made


@pytest.mark.django_db
def test_the_due_reminder_costs_the_same_queries_for_2_cases_as_for_20(personas, directory):
    """The daily 到期提醒 read each case's 承办人, its unit's staff, its earlier reminders and deadline moves in
    queries of its own (about 7 a case: a unit of 200 cases due, 1,400): now a fixed number, whatever the count
    of cases; each case's 承办人 and the unit's head still told once (2026-12-05)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from .conftest import make_user

    head = make_user("head", role="head", unit=directory["housing"], display_name="住建局王局长")
    counts = {}
    for size in (2, 20):
        Message.objects.all().delete()
        _due_in_two_hours(personas, directory, size, personas["officer"])
        Notification.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            assert notify_due_soon() == size
        counts[size] = len(queries)
        for user in (personas["officer"], head):
            assert Notification.objects.filter(user=user, kind="due_soon").count() == size
        assert notify_due_soon() == 0  # once
    assert counts[2] == counts[20], counts


@pytest.mark.django_db
def test_a_case_led_by_two_units_reminds_both(personas, directory):
    """联合办理: each lead unit is reminded of the deadline; before 2026-12-05 the second unit's check found the
    first's reminder of the same case and it had none, in that run and every later one."""
    from minsheng.board.models import Assignment

    from .conftest import make_user

    ecology = make_user("eco", role="officer", unit=directory["ecology"])
    (m,) = _due_in_two_hours(personas, directory, 1, None)
    first = Assignment.objects.get(message=m)
    Assignment.objects.create(message=m, unit=directory["ecology"], role=Assignment.Role.LEAD, round=first.round,
                              assigned_at=first.assigned_at, due_at=first.due_at)
    assert notify_due_soon() == 2
    assert notify_due_soon() == 0
    for user in (personas["officer"], ecology):
        assert Notification.objects.filter(user=user, kind="due_soon").count() == 1
