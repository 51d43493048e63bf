"""按建议派单 dispatches the ticked cases together (2026-12-06, ``actions.do_dispatch_many``): it called
``do_dispatch`` a case, about 25 queries each (a savepoint, each write, each note) and a near-duplicate lookup
a case after the first. Now each write once for the page: its queries do not grow with its cases, what it
leaves is what dispatching each case alone leaves, and two dispatchers posting overlapping pages at once on
PostgreSQL neither deadlock nor dispatch a case twice. A single 签收 and 派单 cost no locking read."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from minsheng.board import actions, batch_dispatch
from minsheng.board.models import Assignment, Event, Message, Notification
from minsheng.insight import lookup
from minsheng.stats.models import MessageFact, OpenCase, Rollup

from .test_batch_dispatch import read_as, submit
from .test_batch_sign import _rows
from .test_staff_qa import dispatch

# letters apart from each other (no near-duplicates among them), each filed by its citizen under 城乡建设
LETTERS = [
    ("七里河区小区门口道路坑洼积水", "某小区门口的道路坑坑洼洼, 下雨天积水严重, 行人难以通行。"),
    ("西站附近楼道灯坏了半年", "单元楼道里的声控灯坏了半年, 晚上上下楼全靠手机照明, 老人摔过跤。"),
    ("敦煌路垃圾站臭味扰民", "垃圾站每天傍晚才清运, 夏天臭气熏天, 紧挨着住户的窗户。"),
    ("建兰路小区二次供水水质发黄", "家里水龙头放出来的水发黄, 烧开后有沉淀, 怀疑水箱多年没清洗。"),
    ("秀川新区幼儿园门口违章停车", "接送孩子的时段门口被私家车堵死, 校车进不去, 孩子只能在车缝里穿行。"),
    ("土门墩农贸市场排水沟堵塞", "市场后面的排水沟被杂物堵住, 污水漫到人行道上, 苍蝇很多。"),
    ("龚家湾老旧小区加装电梯进展", "去年报名加装电梯, 至今没有施工消息, 想问问审批卡在哪个环节。"),
    ("晏家坪小区围墙开裂倾斜", "小区东侧围墙出现很长的裂缝并向外倾斜, 墙外就是上学的必经之路。"),
]


def waiting(p, d, n: int) -> list[Message]:
    lookup.clear_cache()
    return [submit(p, d, title, body) for title, body in LETTERS[:n]]


def _post(client, cases, seen=None):
    plans = batch_dispatch.plan_each(Message.objects.filter(pk__in=[m.pk for m in cases]))
    data = {"case": [m.public_id for m in cases],
            **{f"seen-{m.public_id}": (seen or {}).get(m.pk, plans[m.pk].key) for m in cases}}
    return client.post(reverse("board:triage_dispatch"), data, follow=True)


def test_the_queries_of_a_page_do_not_grow_with_its_cases(personas, directory, login,
                                                           django_capture_on_commit_callbacks):
    """2 cases and 6, their notes, statistics and hotspots written at the commit: about the same queries (they
    were about 25 a case, and a near-duplicate lookup a case after the first)."""
    cases = waiting(personas, directory, 8)
    client = login(personas["dispatcher"])
    counts = []
    for page in (cases[:2], cases[2:]):
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            text = _post(client, page).content.decode()
        assert f"已按建议派单 {len(page)} 件" in text
        counts.append(len(queries.captured_queries))
    assert Message.objects.filter(pk__in=[m.pk for m in cases], status="dispatched").count() == 8
    assert counts[1] <= counts[0] + 8, counts
    lookup.clear_cache()


def test_a_page_writes_each_statistics_cell_once(personas, directory, login, django_capture_on_commit_callbacks):
    """The cells of the statistics the page's cases leave and come to (their unit's, by day and month, in each
    cube) are written by one statement for the page, and one deleting those left empty: they were written a
    cell at a time, up to 4 statements each (320 of the 574 queries of a page of 20 on the demo)."""
    cases = waiting(personas, directory, 8)
    client = login(personas["dispatcher"])
    counts = []
    for page in (cases[:2], cases[2:]):
        with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
            assert f"已按建议派单 {len(page)} 件" in _post(client, page).content.decode()
        counts.append([q["sql"] for q in queries.captured_queries if '"stats_rollup"' in q["sql"]])
    assert [len(sqls) for sqls in counts] == [1, 2], counts  # the second page empties the cells of 待派单
    assert Rollup.objects.filter(cube="ru", unit_key=0).count() == 0
    assert Rollup.objects.filter(cube="ru", unit_key=directory["housing"].pk, grain="d").get().submitted == 8
    lookup.clear_cache()


class Rollback(Exception):
    pass


def _effects(cases) -> dict:
    ids = [m.pk for m in cases]
    now = timezone.now()
    return {
        "messages": _rows(Message.objects.filter(pk__in=ids), now, "updated_at"),
        "assignments": _rows(Assignment.objects.filter(message__in=ids), now, "id"),
        "history": _rows(Event.objects.filter(message__in=ids), now, "id"),
        "notes": _rows(Notification.objects.filter(message__in=ids), now, "id"),
        "facts": _rows(MessageFact.objects.filter(pk__in=ids), now, "updated_at"),
        "open": _rows(OpenCase.objects.filter(pk__in=ids), now),
        "rollups": _rows(Rollup.objects.all(), now, "id"),
    }


def test_dispatched_together_leaves_what_dispatching_each_alone_leaves(personas, directory,
                                                                        django_capture_on_commit_callbacks):
    """A case to its citizen's topic's unit; one with an assisting unit, filed under another topic and type
    than the machine read (corrections); one back to a unit after its lead returned it, to its 承办人 there
    (carried over); one dispatched already (refused), one the dispatcher of another region may not dispatch:
    ``do_dispatch_many`` and ``do_dispatch`` one by one, each committed alone, leave the same rows."""
    p, d = personas, directory
    with django_capture_on_commit_callbacks(execute=True):  # no commit hook left waiting: each run commits its own
        plain, sure, back = waiting(p, d, 3)
        sure = read_as(sure, d["topic_env"], 0.91)
        Message.objects.filter(pk=sure.pk).update(predicted_kind="suggest")
        actions.do_dispatch(p["dispatcher"], back, d["housing"], assists=[d["ecology"]])
        Assignment.objects.filter(message=back, unit=d["ecology"]).update(handler=p["other_officer"])
        actions.do_return(p["officer"], Message.objects.get(pk=back.pk), d["housing"], "不属于本单位职责")
        done = dispatch(p, d, "七里河区路灯不亮")
        dingxi = submit(p, d, "定西市安定区路灯不亮", "定西市安定区某条街道的路灯一个多月不亮了。", region="dingxi")
    cases = [plain, sure, back, done, dingxi]

    def chosen():
        m = {c.pk: Message.objects.select_related("region").get(pk=c.pk) for c in cases}
        return [(m[plain.pk], d["housing"], [], None, None),
                (m[sure.pk], d["ecology"], [d["housing"], d["ecology"]], d["topic_traffic"], "complain"),
                (m[back.pk], d["ecology"], [], None, None),
                (m[done.pk], d["housing"], [], None, None),
                (m[dingxi.pk], d["housing"], [], None, None)]
    try:
        with transaction.atomic():
            with django_capture_on_commit_callbacks(execute=True):
                outcome = actions.do_dispatch_many(p["dispatcher"], chosen())
            together = _effects(cases)
            raise Rollback
    except Rollback:
        pass
    assert [type(o).__name__ for o in outcome] == ["Assignment"] * 3 + ["WrongStatus", "PermissionDenied"]
    alone_outcome = []
    for case in chosen():
        with django_capture_on_commit_callbacks(execute=True):
            try:
                alone_outcome.append(actions.do_dispatch(p["dispatcher"], *case[:2], assists=case[2], topic=case[3],
                                                         kind=case[4]))
            except Exception as exc:  # noqa: BLE001 (what refused it, compared below)
                alone_outcome.append(exc)
    assert [str(o) for o in outcome[3:]] == [str(o) for o in alone_outcome[3:]]
    alone = _effects(cases)
    assert Assignment.objects.get(message=back, unit=d["ecology"], state="active").handler == p["other_officer"]
    assert {e["kind"] for e in Event.objects.filter(message__in=[sure, back]).values("kind")} >= {
        "corrected", "handler_assigned"}
    assert len(alone["notes"]) > len(cases)
    for name, rows in alone.items():
        assert together[name] == rows, (name, [r for r in together[name] if r not in rows])


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_on_overlapping_pages_at_once(personas, directory, login, monkeypatch):
    """Two dispatchers post 按建议派单 of overlapping pages at the same moment, ticked in opposite orders, both
    having read the cases waiting: the second waits for the first's locks (rows locked in one order) — no
    deadlock, no 500 — and each case is dispatched once, the overlap refused to the second in words."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks between threads need PostgreSQL (SQLite test database is in-memory)")
    p, d = personas, directory
    from .conftest import make_user

    second = make_user("dispatcher2", role="dispatcher", region=d["lanzhou"])
    cases = waiting(p, d, 8)
    pages = [cases[:6], cases[2:][::-1]]
    plans = batch_dispatch.plan_each(Message.objects.filter(pk__in=[m.pk for m in cases]))
    both_planned = threading.Barrier(2, timeout=5)
    plan_each = batch_dispatch.plan_each

    def plan_then_wait(messages, duplicates=None):
        found = plan_each(messages, duplicates)
        try:
            both_planned.wait()  # both have read the cases waiting, none locked yet
        except threading.BrokenBarrierError:
            pass
        return found

    monkeypatch.setattr(batch_dispatch, "plan_each", plan_then_wait)
    clients = [login(p["dispatcher"]), login(second)]
    answers = {}

    def post(i):
        try:
            data = {"case": [m.public_id for m in pages[i]],
                    **{f"seen-{m.public_id}": plans[m.pk].key for m in pages[i]}}
            answers[i] = clients[i].post(reverse("board:triage_dispatch"), data)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert [answers[i].status_code for i in range(2)] == [302, 302]
    assert Message.objects.filter(pk__in=[m.pk for m in cases], status="dispatched").count() == 8
    for m in cases:
        assert Assignment.objects.filter(message=m).count() == 1, m.title
        assert Event.objects.filter(message=m, kind=Event.Kind.DISPATCHED).count() == 1, m.title
    lookup.clear_cache()


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_of_the_same_cells_at_once_on_postgresql(personas, directory, monkeypatch):
    """Two refreshes of the statistics at the same moment, of other cases in the same cells, each creating them:
    the second's upsert waits for the first's rows (written in one order), then adds to them — no deadlock,
    no error, and the figures are a full rebuild's."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks between threads need PostgreSQL (SQLite test database is in-memory)")
    from minsheng.stats import facts

    cases = waiting(personas, directory, 8)
    MessageFact.objects.all().delete()  # as if never counted: each refresh below creates the cells
    Rollup.objects.all().delete()
    both_computed = threading.Barrier(2, timeout=5)
    add_all = facts._add_all

    def wait_then_add(steps):
        try:
            both_computed.wait()  # both have their cells, none written yet
        except threading.BrokenBarrierError:
            pass
        add_all(steps)

    monkeypatch.setattr(facts, "_add_all", wait_then_add)
    errors = []

    def refresh(ids):
        try:
            facts.refresh_messages(ids)
        except Exception as exc:  # noqa: BLE001 (asserted none below)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh, args=([m.pk for m in half],)) for half in (cases[:4], cases[4:])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == [] and not both_computed.broken  # both wrote at once
    now = timezone.now()
    refreshed = _rows(Rollup.objects.all(), now, "id")
    assert refreshed and sum(r.submitted for r in Rollup.objects.filter(cube="r", grain="d")) == 8
    facts.rebuild()
    assert _rows(Rollup.objects.all(), now, "id") == refreshed
    lookup.clear_cache()


def _message_reads(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries
            if q["sql"].lstrip().upper().startswith("SELECT") and 'FROM "board_message"' in q["sql"]]


def test_a_single_sign_and_dispatch_read_no_case_again(personas, directory):
    """One case's 签收 and 派单 check the row as read in their conditional UPDATE, as before 签收所选 and
    按建议派单 went together: no locking read of the case first (a query more each, 2026-12-06)."""
    p, d = personas, directory
    (m,) = waiting(p, d, 1)
    m = Message.objects.select_related("region").get(pk=m.pk)
    with CaptureQueriesContext(connection) as queries:
        actions.do_dispatch(p["dispatcher"], m, d["housing"])
    assert _message_reads(queries) == []
    with CaptureQueriesContext(connection) as queries:
        actions.do_sign(p["officer"], m, d["housing"])
    assert _message_reads(queries) == []
    assert Message.objects.get(pk=m.pk).status == "signed"
    stale = Message.objects.get(pk=m.pk)
    stale.status, stale.version = "dispatched", stale.version - 1  # a page read before the 签收
    with pytest.raises(actions.Conflict):
        actions.do_sign(p["officer"], stale, d["housing"])
    lookup.clear_cache()


def test_a_page_of_suggestions_reads_the_unit_models_units_once(personas, directory, monkeypatch,
                                                                 django_assert_max_num_queries):
    """With a unit model, suggest_each (the queue's rows, 按建议派单's plan) read the units its reading names once
    for the page, and then again for each row (suggest_for set the reading it was given to None first): a
    query a row. Once now, and each row's 历史派单 unit is still the one its case page reads."""
    from minsheng.insight.places import gazetteer
    from minsheng.insight.suggest import SUGGEST_RELATED, suggest_each, suggest_for

    from .test_reading_qa import confident_unit

    confident_unit(monkeypatch, directory["transport"])
    cases = waiting(personas, directory, 6)
    messages = list(Message.objects.filter(pk__in=[m.pk for m in cases]).select_related(*SUGGEST_RELATED))
    gazetteer()
    with django_assert_max_num_queries(4):  # the named regions' check, the units read, the table's rows
        each = suggest_each(messages)
    for m in messages:
        assert each[m.pk].history == directory["transport"] == suggest_for(m).history
    lookup.clear_cache()


@pytest.mark.parametrize("n", [1, 2])
def test_a_unit_switched_off_after_the_cases_were_read_is_refused(personas, directory, n):
    """The page read the units with the cases; an administrator switched the lead's unit off before the
    dispatcher posted: the refusals are read in the transaction that writes (2026-12-06; before, the unit as
    the request had read it was trusted and the case went to a unit switched off)."""
    p, d = personas, directory
    cases = waiting(p, d, n)
    housing = d["housing"]  # as the request read it: still on
    housing.__class__.objects.filter(pk=housing.pk).update(is_active=False)
    outcome = actions.do_dispatch_many(p["dispatcher"], [(m, housing, [], None, None) for m in cases])
    assert [str(o) for o in outcome] == ["该单位已停用"] * n
    assert not Assignment.objects.filter(message__in=cases).exists()
    assert set(Message.objects.filter(pk__in=[m.pk for m in cases]).values_list("status", flat=True)) == {"submitted"}
