"""The lists of hotspots read right at once and the same between two requests: a page break never repeats or
skips a hotspot because heat moved with the clock, a change of MINSHENG_CHRONIC_DAYS shows at once, and so does
需多部门协调 after a case moves to another unit or topic."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from minsheng.board import actions
from minsheng.board.models import Message
from minsheng.insight import hotspots as core
from minsheng.insight import hotspots_service
from minsheng.insight import views as insight_views
from minsheng.insight.models import Hotspot

from .conftest import make_user
from .test_hotspot_pages import (
    LIFT,
    OTHER_LIFT,
    _turned_chronic_since_its_last_refresh,
    citizens,
    fresh_index,
    lift_hotspot,
    post,
)

__all__ = ["fresh_index", "lift_hotspot"]  # the hotspot tests' fixtures (the first autouse: an empty index)


def test_a_changed_chronic_age_shows_at_once_not_within_the_hour(directory, personas, login, settings):
    """老大难 followed MINSHENG_CHRONIC_DAYS only at the hour's pass: a server restarted with the setting raised
    from 90 to 120 found the row of the hour fresh and listed a problem of 91 days as 老大难 for up to an hour
    (and the other way, lowered back). The pass runs at once when the setting differs from the one it last ran
    with, in this process or any other."""
    hotspot, _ = _turned_chronic_since_its_last_refresh(directory, personas)
    supervisor = login(personas["supervisor"])
    assert hotspot.title in supervisor.get("/chronic/", {"show": "chronic"}).content.decode()  # flagged at 91 days
    settings.MINSHENG_CHRONIC_DAYS = 120
    hotspots_service.reset_index()  # a process restarted with the new setting, within the hour of the pass
    page = supervisor.get("/chronic/", {"show": "chronic"}).content.decode()
    assert hotspot.title not in page and "老大难 (0)" in page
    assert supervisor.get("/api/v1/hotspots/", {"chronic": "true"}).json()["results"] == []
    settings.MINSHENG_CHRONIC_DAYS = 90  # and back, in a process that ran the pass a moment ago
    assert [h["id"] for h in supervisor.get("/api/v1/hotspots/", {"chronic": "true"}).json()["results"]] == [hotspot.pk]
    assert "满 90 天" in supervisor.get(f"/hotspots/{hotspot.pk}/").content.decode()


def test_two_processes_of_different_chronic_ages_run_the_pass_once_an_hour_not_at_each_read(
        directory, personas, monkeypatch, caplog):
    """A rolling restart: two workers still serve with MINSHENG_CHRONIC_DAYS = 90 while two restarted ones serve with
    120. Each found the row of the hour stamped with the other setting and ran the pass again, flipping every flag
    back: four passes in the first quarter of an hour, and each worker's again once its hour was over. The pass runs
    again for a setting only where it is older than the process's setting (a restart, a change): the first
    restarted worker runs it at once, the old ones use it as it is (a warning), and then it runs once an hour."""
    import logging

    from django.test import override_settings

    _turned_chronic_since_its_last_refresh(directory, personas)
    t0 = timezone.now()

    def process(started):
        hotspots_service.reset_index()
        return dict(hotspots_service._heat_seen, started=started)

    old = [(process(t0 - dt.timedelta(days=3)), 90) for _ in range(2)]  # serving before the restart
    new = [(process(t0 + dt.timedelta(minutes=3)), 120) for _ in range(2)]  # restarted after the last pass
    workers = [old[0], new[0], old[1], new[1]]
    passes = []
    with caplog.at_level(logging.WARNING, logger="minsheng.insight.hotspots_service"):
        for i in range(40):  # a read every five minutes for over three hours, the four workers in turn
            state, days = workers[i % 4]
            clock = t0 + dt.timedelta(minutes=2 + 5 * i)
            monkeypatch.setattr(hotspots_service, "_heat_seen", state)
            with override_settings(MINSHENG_CHRONIC_DAYS=days):
                if hotspots_service.keep_heat_current(clock):
                    passes.append((clock, days))
    minutes = [int((clock - t0).total_seconds() // 60) for clock, _ in passes]
    # the hour's pass (stale since the fixture), the restarted setting's at once, then one an hour
    assert [days for _, days in passes[:2]] == [90, 120] and minutes[:2] == [2, 7], passes
    hourly = [minutes[0], *minutes[2:]]
    assert all(b - a >= 60 for a, b in zip(hourly, hourly[1:], strict=False)), minutes
    assert len(passes) <= 2 + (minutes[-1] - minutes[0]) // 60, minutes
    warned = [r for r in caplog.records if r.levelno == logging.WARNING and "MINSHENG_CHRONIC_DAYS" in r.getMessage()]
    assert warned and len(warned) <= len(passes) * 2, [r.getMessage() for r in warned]


def _workers_clock(now, settings, monkeypatch):
    """(at, started) of the restart tests: ``at(minutes_ago, state, days)`` puts the clock that long before ``now`` in
    a process whose heat state is ``state`` and whose setting is ``days``; ``started(minutes_ago)`` is the state of a
    process started that long before ``now`` that has read nothing yet."""

    def at(minutes_ago, state, days):
        monkeypatch.setattr(timezone, "now", lambda: now - dt.timedelta(minutes=minutes_ago))
        monkeypatch.setattr(hotspots_service, "_heat_seen", state)
        settings.MINSHENG_CHRONIC_DAYS = days

    def started(minutes_ago):
        return {"at": None, "failing": False, "chronic_days": None, "setting": None, "since": None,
                "started": now - dt.timedelta(minutes=minutes_ago)}

    return at, started


def test_a_restart_with_a_new_chronic_age_shows_though_an_old_process_ran_the_hours_pass_before_its_first_read(
        directory, personas, login, settings, monkeypatch):
    """A worker restarted with MINSHENG_CHRONIC_DAYS raised from 90 to 120 ran the pass for its setting at its first
    read of the lists. Where an old worker, still serving with 90, ran the hour's pass between the restart and that
    read, the new worker took it for a pass of a worker serving beside it, and the 91-day problem stayed 老大难 on
    /chronic/ for up to an hour. A serving worker reads the row as it warms up, at its start."""
    from minsheng.insight import warmup
    from minsheng.insight.models import HeatDecay

    hotspot, _ = _turned_chronic_since_its_last_refresh(directory, personas)
    now, real_now = timezone.now(), timezone.now
    at, started = _workers_clock(now, settings, monkeypatch)

    HeatDecay.objects.filter(pk=1).update(decayed_at=now - dt.timedelta(hours=3))
    old = started(3 * 24 * 60)
    at(62, old, 90)
    assert hotspots_service.keep_heat_current()  # the old worker's hour: the 91-day problem is 老大难 under 90
    assert Hotspot.objects.get(pk=hotspot.pk).chronic
    new = started(3)
    at(3, new, 120)
    warmup.warm()  # the restarted worker starts (gunicorn's post_worker_init; run here in place of its thread)
    at(1, old, 90)
    hotspots_service.keep_heat_current()  # the old worker reads the lists past its hour
    at(0, new, 120)
    monkeypatch.setattr(timezone, "now", real_now)
    page = login(personas["supervisor"]).get("/chronic/", {"show": "chronic"}).content.decode()
    assert hotspot.title not in page and "老大难 (0)" in page


def test_a_celery_worker_restarted_with_a_new_chronic_age_applies_it_as_it_starts(
        directory, personas, login, settings, monkeypatch):
    """A Celery worker does not warm up: restarted with MINSHENG_CHRONIC_DAYS raised from 90 to 120, it applied its
    setting only at its hourly refresh, and a web worker still serving with 90 ran the hour's pass meanwhile: the
    91-day problem stayed 老大难 on /chronic/ for up to an hour. Each worker process reads the row as it starts
    (``worker_process_init``) and runs the pass for its setting where the row's is another's, older than its start."""
    from celery.signals import worker_process_init

    from minsheng.celery import read_heat_at_start
    from minsheng.insight.models import HeatDecay

    assert read_heat_at_start in worker_process_init._live_receivers(None)  # what a pool's new process runs first
    hotspot, _ = _turned_chronic_since_its_last_refresh(directory, personas)
    now, real_now = timezone.now(), timezone.now
    at, started = _workers_clock(now, settings, monkeypatch)

    HeatDecay.objects.filter(pk=1).update(decayed_at=now - dt.timedelta(hours=3))
    web = started(3 * 24 * 60)
    at(62, web, 90)
    assert hotspots_service.keep_heat_current()  # the web worker's hour: the 91-day problem is 老大难 under 90
    assert Hotspot.objects.get(pk=hotspot.pk).chronic
    at(3, started(3), 120)
    read_heat_at_start()  # the Celery worker's process starts
    at(1, web, 90)
    hotspots_service.keep_heat_current()  # the web worker reads the lists past its hour
    monkeypatch.setattr(timezone, "now", real_now)
    page = login(personas["supervisor"]).get("/chronic/", {"show": "chronic"}).content.decode()
    assert hotspot.title not in page and "老大难 (0)" in page


def _two_hotspots_that_swap(directory, personas):
    """A larger problem of 75 days ago and a smaller one of yesterday; the smaller ranks first now and the larger
    overtakes it as both age (its heat nears the floor of a quarter more slowly). Returns (older, newer, the
    moment they swap, to the minute)."""
    now = timezone.now().replace(second=0, microsecond=0)
    rows = {"older": (LIFT, 75), "newer": ([OTHER_LIFT] * 2, 1)}
    made, people = {}, iter(citizens(6))
    for name, (letters, days) in rows.items():
        at = now - dt.timedelta(days=days)
        messages = [post(next(people), t, b, directory["chengguan"], personas["dispatcher"], at=at)
                    for t, b in letters]
        for m in messages:
            hotspots_service.place_message(m)
        made[name] = Hotspot.objects.get(members__message=messages[0])
        made[name].last_letter = at
    older, newer = made["older"], made["newer"]
    assert older.pk != newer.pk and older.message_count == 4 and newer.message_count == 2

    def ahead(clock):  # the older first, as the period list ranks (ties: the later letter first)
        return core.heat(4, 4, 0, older.last_letter, clock) > core.heat(2, 2, 0, newer.last_letter, clock)

    assert not ahead(now)
    swap = next(now + dt.timedelta(minutes=m) for m in range(0, 20 * 24 * 60, 10) if ahead(now + dt.timedelta(minutes=m)))
    return older, newer, swap


def test_page_one_and_page_two_never_share_a_hotspot_while_the_heat_moves(directory, personas, login, monkeypatch):
    """The period lists (/hotspots/?days=90, the API's ?days=90) ranked by the heat as of the request's moment:
    a reader who opened page 1 just before two hotspots' heats crossed and page 2 just after read the same hotspot
    twice and never the other. They rank by the heat as of the hour's pass, as 全部 ranks by the stored heat."""
    older, newer, swap = _two_hotspots_that_swap(directory, personas)
    monkeypatch.setattr(insight_views, "PER_PAGE", 1)
    reader = make_user("13900009999", phone="13900009999")
    for path, listed in (("/api/v1/hotspots/", lambda r: [h["id"] for h in r.json()["results"]]),
                         ("/hotspots/", lambda r: [h for h in (older.pk, newer.pk)
                                                   if f'href="/hotspots/{h}/"' in r.content.decode()])):
        hotspots_service.reset_index()  # each list starts with the pass of its first request
        seen = []
        for page, clock in ((1, swap - dt.timedelta(minutes=5)), (2, swap + dt.timedelta(minutes=5))):
            monkeypatch.setattr(timezone, "now", lambda clock=clock: clock)
            response = login(reader).get(path, {"days": 90, "page": page, "page_size": 1})
            assert response.status_code == 200
            seen += listed(response)
        assert sorted(seen) == sorted([older.pk, newer.pk]), path


def test_a_case_moved_to_another_unit_or_topic_flags_its_hotspot_for_coordination_at_once(
        lift_hotspot, directory, personas, login, django_capture_on_commit_callbacks):
    """需多部门协调 through the staff pages, with no refresh-hotspots: the 住建局 passes one lift case to the
    生态环境局 (转办), and the supervisor's tab lists the hotspot with both units; passed back, it leaves the tab; sent
    back to the dispatcher (退单) and re-filed under 交通运输 to the 交通运输局, it is listed again. Each move refreshes
    its hotspot once it commits (``refresh_after_commit``); this pins it from the supervisor's side."""
    p, d = personas, directory
    hotspot, messages = lift_hotspot
    dispatcher, officer, ecology = login(p["dispatcher"]), login(p["officer"]), login(p["other_officer"])
    supervisor = login(p["supervisor"])

    def act(client, message, action, **data):
        data["version"] = Message.objects.get(pk=message.pk).version
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("board:case_action", args=[message.public_id, action]), data)
        assert response.status_code in (200, 302), response.content.decode()[:500]

    def tab():
        page = supervisor.get("/chronic/", {"show": "coordination"}).content.decode()
        return hotspot.title in page, [u for u in ("住房和城乡建设局", "生态环境局", "交通运输局") if f"兰州市{u}" in page]

    for m in messages:
        act(dispatcher, m, "dispatch", lead=d["housing"].pk)
    assert tab() == (False, [])
    act(officer, messages[1], "transfer", to_unit=d["ecology"].pk, reason="河道污染属生态环境部门")
    assert tab() == (True, ["住房和城乡建设局", "生态环境局"])
    act(ecology, messages[1], "transfer", to_unit=d["housing"].pk, reason="电梯维修属住建部门职责")
    assert tab() == (False, [])
    act(officer, messages[2], "return", reason="属道路交通问题")
    act(dispatcher, messages[2], "dispatch", lead=d["transport"].pk, topic=d["topic_traffic"].pk)
    assert tab() == (True, ["住房和城乡建设局", "交通运输局"])


def test_a_move_that_changes_no_count_leaves_the_order_of_the_whole_list_within_the_hour(
        directory, personas, login, monkeypatch, django_capture_on_commit_callbacks):
    """全部 ranks by the stored heat, which the hour's pass brings to the clock; a hotspot's own refresh (any move of
    one of its cases) recomputed it as of the move, a little lower. Two problems of two letters each, written at the
    same moment: equal heat, the newer hotspot first. A sign-for on the first's case 50 minutes after the pass dropped
    its heat by 0.01, and the reader paging one by one read it on page 1 and again on page 2. A move that changes
    none of the counts the heat is computed from leaves the heat to the pass."""
    at = timezone.now().replace(second=0, microsecond=0) - dt.timedelta(days=1)
    people = iter(citizens(4))
    made = []
    with django_capture_on_commit_callbacks(execute=True):  # each move's refresh done, as after its commit
        for letters in (LIFT[:2], [OTHER_LIFT] * 2):
            messages = [post(next(people), t, b, directory["chengguan"], personas["dispatcher"], at=at)
                        for t, b in letters]
            for m in messages:
                hotspots_service.place_message(m)
            made.append((Hotspot.objects.get(members__message=messages[0]), messages))
        (first_made, _), (newer, newer_messages) = made
        actions.do_dispatch(personas["dispatcher"], newer_messages[0], directory["housing"])
    assert newer.pk > first_made.pk
    start = timezone.now() + dt.timedelta(minutes=1)
    # a moment whose heat, rounded, falls within the next 50 minutes
    t0 = next(start + dt.timedelta(minutes=m) for m in range(0, 600)
              if core.heat(2, 2, 0, at, start + dt.timedelta(minutes=m))
              != core.heat(2, 2, 0, at, start + dt.timedelta(minutes=m + 50)))
    hotspots_service.reset_index()
    reader = login(make_user("13900008888", phone="13900008888"))

    def page(number, clock):
        monkeypatch.setattr(timezone, "now", lambda: clock)
        return [h["id"] for h in reader.get("/api/v1/hotspots/", {"page": number, "page_size": 1}).json()["results"]]

    first_page = page(1, t0)
    assert first_page == [newer.pk]
    later = t0 + dt.timedelta(minutes=50)
    monkeypatch.setattr(timezone, "now", lambda: later)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_sign(personas["officer"], Message.objects.get(pk=newer_messages[0].pk), directory["housing"])
    assert first_page + page(2, later) == [newer.pk, first_made.pk]
