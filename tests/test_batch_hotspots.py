"""签收所选 and 指派所选 refresh the hotspots of the ticked cases together (QA walk of 2026-12-05): 20 cases of
18 hotspots cost 18 hotspot refreshes in the request (no task worker), each reading its members alone, about
580 queries and 3 s on SQLite of the demo. Now one refresh of all the hotspots the page touched, at the commit,
on the worker path as in place; the figures are those signing each case alone gives."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from minsheng.board import actions, batch_dispatch
from minsheng.board.models import Message
from minsheng.insight import hotspots_service
from minsheng.insight.models import Hotspot, HotspotMember

from .conftest import make_user, supported_by
from .test_staff_qa import act, dispatch

# what a hotspot says of its cases (its title, place and dates are its own: not compared between twins)
FIGURES = ("message_count", "public_count", "citizen_count", "support_count", "unresolved_count", "chronic",
           "needs_coordination", "units", "topics")


def _in_hotspots(personas, directory, n: int, name: str = "") -> list[Message]:
    """``n`` dispatched cases, each in a hotspot of its own with another case (a hotspot per case: the walk's
    page touched 18 hotspots with 20 cases)."""
    cases = []
    for k in range(n):
        pair = [dispatch(personas, directory, f"七里河区{name}小区电梯停运{k}号楼"),
                dispatch(personas, directory, f"七里河区{name}小区电梯又停运{k}号楼")]
        now = timezone.now()
        hotspot = Hotspot.objects.create(title=pair[0].title, first_at=now - dt.timedelta(days=1), last_at=now)
        for m in pair:  # placed at submission (all in one hotspot, or none): each pair a hotspot of its own
            HotspotMember.objects.update_or_create(message=m, defaults={"hotspot": hotspot})
        hotspots_service.refresh_one(hotspot)
        cases.append(pair[0])
    Hotspot.objects.filter(members__isnull=True).delete()
    return cases


def _hotspot_work(queries) -> int:
    """The queries of the hotspots' refresh: those naming the hotspot table or reading members through it."""
    return sum("insight_hotspot" in q["sql"] for q in queries.captured_queries)


def _sign_page(client, cases):
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("board:inbox_sign"), {"case": [m.public_id for m in cases]})
    assert response.status_code == 302
    return queries


@pytest.mark.django_db(transaction=True)
def test_signing_twenty_cases_of_twenty_hotspots_refreshes_them_together(personas, directory, login):
    """2 cases of 2 hotspots and 20 of 20: the hotspot work of 20 is that of 2, not ten times it (18 refreshes
    of their own in the walk: about 7 queries each)."""
    cases = _in_hotspots(personas, directory, 22)
    client = login(personas["officer"])
    two = _hotspot_work(_sign_page(client, cases[:2]))
    twenty = _sign_page(client, cases[2:])
    assert Message.objects.filter(pk__in=[m.pk for m in cases], status="signed").count() == 22
    assert _hotspot_work(twenty) == two
    assert Hotspot.objects.filter(refresh_queued_at__isnull=False).count() == 0  # none left waiting
    # each case's own writes (its savepoint, status, assignments, event, notes, statistics rows): about 19
    assert len(twenty.captured_queries) <= 20 * 20


def _figures(hotspots) -> list[tuple]:
    rows = Hotspot.objects.filter(pk__in=[h.pk for h in hotspots]).order_by("pk").values(*FIGURES)
    return [tuple(row[f] for f in FIGURES) for row in rows]


def _hotspots(cases) -> list[Hotspot]:
    return [HotspotMember.objects.get(message=m).hotspot for m in cases]


@pytest.mark.django_db(transaction=True)
def test_the_hotspots_after_signing_a_page_are_those_of_signing_each_case_alone(personas, directory, login):
    """Two like pages: one signed at once, one case by case from the case page; each hotspot then says what the
    other page's says, and what a refresh of it alone reads."""
    together, alone = _in_hotspots(personas, directory, 4, "东"), _in_hotspots(personas, directory, 4, "西")
    neighbours = [make_user(f"neighbour{k}", role="citizen") for k in range(2)]
    supported_by(together[0], neighbours)
    supported_by(alone[0], neighbours)
    # the hotspots' stored figures out of date: each must be read again after its case is signed
    Hotspot.objects.update(message_count=0, public_count=0, citizen_count=0, support_count=0, unresolved_count=0,
                           units=[], topics=[])
    client = login(personas["officer"])
    _sign_page(client, together)
    for m in alone:
        assert act(client, m, "sign").status_code == 302
    assert Message.objects.filter(status="signed").count() == 8
    batch = _figures(_hotspots(together))
    assert batch == _figures(_hotspots(alone))
    assert [f[0] for f in batch] == [2, 2, 2, 2] and batch[0][3] == 2 and batch[0][7] == ["兰州市住房和城乡建设局"]
    for h in _hotspots(together):
        hotspots_service.refresh_one(h)
    assert _figures(_hotspots(together)) == batch


@pytest.mark.django_db(transaction=True)
def test_a_page_queues_one_refresh_for_its_hotspots_on_the_worker_path(personas, directory, login, monkeypatch):
    """With a task worker, 签收所选 queued a refresh per hotspot; now one task names them all, and the worker
    refreshing them reads each hotspot's members as a refresh of it alone does."""
    cases = _in_hotspots(personas, directory, 5)
    queued = []
    monkeypatch.setattr(hotspots_service.refresh_hotspot, "delay", lambda *pks: queued.append(pks))
    _sign_page(login(personas["officer"]), cases)
    hotspots = sorted(h.pk for h in _hotspots(cases))
    assert queued == [tuple(hotspots)]
    Hotspot.objects.update(units=[], citizen_count=0)
    hotspots_service.refresh_hotspot(*queued[0])  # the worker takes it
    assert [(f[2], f[7]) for f in _figures(_hotspots(cases))] == [(1, ["兰州市住房和城乡建设局"])] * 5
    assert Hotspot.objects.filter(refresh_queued_at__isnull=False).count() == 0


def _waiting_in_hotspots(personas, directory, n: int) -> list[Message]:
    """``n`` cases waiting for 派单 under the citizen's topic (the table's lead: 住建局), each in a hotspot of its
    own with a letter still to review."""
    cases = []
    for k in range(n):
        pair = [actions.do_submit(personas["citizen"], title=f"七里河区小区外墙脱落{k}号楼", kind="help",
                                  body=f"七里河区某小区{k}号楼外墙瓷砖脱落, 行人很危险。", region=directory["qilihe"],
                                  topic=directory["topic_build"]) for _ in range(2)]
        now = timezone.now()
        hotspot = Hotspot.objects.create(title=pair[0].title, first_at=now - dt.timedelta(days=1), last_at=now)
        for m in pair:
            HotspotMember.objects.update_or_create(message=m, defaults={"hotspot": hotspot})
        cases.append(pair[0])
    Hotspot.objects.filter(members__isnull=True).delete()
    return cases


@pytest.mark.django_db(transaction=True)
def test_dispatching_twenty_cases_by_suggestion_refreshes_their_hotspots_together(personas, directory, monkeypatch):
    """按建议派单 dispatched each case in its own transaction: a hotspot refresh (and a statistics update) after
    each. Now one transaction, a savepoint each, and the hotspots of 20 cost what those of 2 cost."""
    monkeypatch.setattr(batch_dispatch, "near_duplicates_each", lambda messages, **kw: {m.pk: [] for m in messages})  # letters alike on purpose
    cases = _waiting_in_hotspots(personas, directory, 22)

    def dispatched(chosen):
        with CaptureQueriesContext(connection) as queries:
            outcomes = batch_dispatch.dispatch_by_suggestion(personas["dispatcher"], [m.public_id for m in chosen])
        assert [o.dispatched for o in outcomes] == [True] * len(chosen), [o.reason for o in outcomes]
        return _hotspot_work(queries)

    assert dispatched(cases[2:]) == dispatched(cases[:2])
    assert Message.objects.filter(pk__in=[m.pk for m in cases], status="dispatched").count() == 22
    assert [f[7] for f in _figures(_hotspots(cases))] == [["兰州市住房和城乡建设局"]] * 22


def _all_figures() -> list[tuple]:
    names = [f.attname for f in Hotspot._meta.concrete_fields if f.attname not in ("refresh_queued_at",)]
    return [tuple(row) for row in Hotspot.objects.order_by("pk").values_list(*names)]


@pytest.mark.django_db
def test_the_hourly_refresh_reads_its_hotspots_together_as_one_at_a_time(personas, directory, monkeypatch):
    """refresh() (the hourly task, refresh-hotspots) refreshed a hotspot at a time, about 8 queries each; now
    REFRESH_CHUNK at once (here 2, of 5): the same figures, titles, flags and 刷新时间 as refresh_one of each
    with the same moment, the same count of hotspots changed, its progress at the same counts."""
    cases = _in_hotspots(personas, directory, 5)
    supported_by(cases[0], [personas["citizen"], personas["other_citizen"]])
    actions.do_sign(personas["officer"], cases[1], directory["housing"])
    monkeypatch.setattr(hotspots_service, "REFRESH_CHUNK", 2)
    monkeypatch.setattr(hotspots_service, "PROGRESS_EVERY", 2)
    Hotspot.objects.filter(pk__in=[h.pk for h in _hotspots(cases)[:4]]).update(
        units=[], citizen_count=0, support_count=0, heat=0, unresolved_count=9, refreshed_at=None)
    now = timezone.now() + dt.timedelta(hours=5)
    steps = []

    class Rollback(Exception):
        pass

    try:
        with transaction.atomic(), CaptureQueriesContext(connection) as queries:
            result = hotspots_service.refresh(now, hotspots=Hotspot.objects.all(),
                                              progress=lambda done, total: steps.append((done, total)))
            together = _all_figures()
            raise Rollback
    except Rollback:
        pass
    changed = set()
    for h in Hotspot.objects.order_by("pk"):  # the refresh as it was, from the same rows
        before = h.refreshed_at
        if hotspots_service.refresh_one(h, now).refreshed_at != before:
            changed.add(h.pk)
    # then the heat of those whose counts did not move (refresh_one keeps it: the clock moves it at the hour's pass)
    changed = len(changed | hotspots_service.decay_heat(Hotspot.objects.all(), now))
    assert together == _all_figures()
    assert (result["changed"], changed) == (5, 5) and steps == [(2, 5), (4, 5)]
    assert len(queries.captured_queries) <= 3 * 8 + 8  # three reads of their members, not five


@pytest.mark.django_db
def test_a_rebuild_refreshes_the_hotspots_it_touched_together(personas, directory, monkeypatch):
    """rebuild() (refresh-hotspots --rebuild, the demo) refreshed the hotspots it placed messages in one at a
    time; now REFRESH_CHUNK at once (here 2): each as refresh_one of it alone at the same moment leaves it."""
    _in_hotspots(personas, directory, 5)
    HotspotMember.objects.all().delete()
    Hotspot.objects.all().delete()
    monkeypatch.setattr(hotspots_service, "REFRESH_CHUNK", 2)
    assert hotspots_service.rebuild() == 10
    together = _all_figures()
    moments = set(Hotspot.objects.values_list("refreshed_at", flat=True))
    assert len(together) >= 3 and len(moments) == 1 and None not in moments  # each refreshed, at one moment
    moment = moments.pop()
    Hotspot.objects.update(units=[], citizen_count=0, support_count=0, heat=0, unresolved_count=9, refreshed_at=None)
    for h in Hotspot.objects.order_by("pk"):
        hotspots_service.refresh_one(h, moment)
    assert _all_figures() == together
