"""A serving process warms what the first message's reading needs (minsheng.insight.warmup):
without a broker the first message posted after a start waited 4.4 s for the classifiers and
the hotspot index; the warm-up builds them in a background thread of each gunicorn worker."""

import io
import logging
import threading

import pytest
from django.core.management import call_command

from minsheng import gunicorn_conf
from minsheng.insight import hotspots, hotspots_service, tasks, warmup
from minsheng.insight.models import HotspotMember

from .test_hotspot_pages import LIFT, citizens, lift_hotspot, post  # noqa: F401


def _join_warmup():
    for thread in threading.enumerate():
        if thread.name == "minsheng-warmup":
            thread.join(60)
            assert not thread.is_alive()


@pytest.mark.django_db
def test_serve_starts_gunicorn_with_the_warm_up_hook():
    out = io.StringIO()
    call_command("serve", "--check", "--no-collectstatic", stdout=out)
    assert "--config python:minsheng.gunicorn_conf" in out.getvalue()


@pytest.mark.django_db(transaction=True)  # the warm-up thread reads with its own connection
def test_a_serving_worker_warms_the_hotspot_index_and_the_models(settings, lift_hotspot, directory, personas):  # noqa: F811
    hotspot, messages = lift_hotspot
    hotspots_service.reset_index()
    tasks.forget_models()
    settings.MINSHENG_WARMUP = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    gunicorn_conf.post_worker_init(worker=None)  # gunicorn calls it in each worker once the app is loaded
    _join_warmup()
    index = hotspots_service._state["index"]
    assert index is not None
    assert hotspots_service._state["seen"] == HotspotMember.objects.order_by("-id").first().id
    assert sorted(index.clusters[hotspot.pk].members) == sorted(str(m.pk) for m in messages)
    assert set(tasks._models) == {"topic", "kind", "unit"}  # looked up (none trained here: None, logged)
    # the next message is placed with the index the warm-up built, not a new one
    late = post(citizens(1, start=50)[0], *LIFT[0], directory["chengguan"], personas["dispatcher"])
    assert hotspots_service.place_message(late) == hotspot
    assert hotspots_service._state["index"] is index and index.clusters[hotspot.pk].size == len(messages) + 1


@pytest.mark.django_db(transaction=True)
def test_a_failing_warm_up_is_logged_and_leaves_no_half_built_index(settings, lift_hotspot, directory, personas,  # noqa: F811
                                                                     monkeypatch, caplog):
    hotspot, messages = lift_hotspot
    hotspots_service.reset_index()
    settings.MINSHENG_WARMUP = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    add = hotspots.HotspotIndex.add
    calls = []

    def failing_add(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("database went away")
        return add(self, *args, **kwargs)

    monkeypatch.setattr(hotspots.HotspotIndex, "add", failing_add)
    with caplog.at_level(logging.ERROR, logger="minsheng.insight.warmup"):
        thread = warmup.start()
        thread.join(60)
    assert "warm-up failed" in caplog.text
    assert hotspots_service._state == {"index": None, "seen": 0}  # nothing half-built kept
    monkeypatch.setattr(hotspots.HotspotIndex, "add", add)
    late = post(citizens(1, start=50)[0], *LIFT[1], directory["chengguan"], personas["dispatcher"])
    assert hotspots_service.place_message(late) == hotspot  # the first reading builds it, as before
    assert hotspots_service._state["index"].clusters[hotspot.pk].size == len(messages) + 1


def test_no_warm_up_when_switched_off_or_when_it_cannot_start(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MINSHENG_WARMUP = False
    assert warmup.start() is None

    def refuse(self):
        raise RuntimeError("can't start new thread")

    settings.MINSHENG_WARMUP = True
    monkeypatch.setattr(threading.Thread, "start", refuse)
    assert warmup.start() is None  # logged; the worker serves as before


@pytest.mark.django_db(transaction=True)  # the warm-up thread reads with its own connection
def test_with_a_broker_the_warm_up_builds_the_queue_s_indexes_and_loads_no_model(settings, personas, directory):
    """With a broker the Celery workers read the messages, but the web process still serves the
    dispatchers' queue: its first page built the area's near-duplicate index (0.3-0.5 s at a city's
    scale) because the warm-up did not run at all."""
    from minsheng.board import actions
    from minsheng.insight import lookup

    actions.do_submit(personas["citizen"], title="幸福家园小区3号楼电梯坏了三个月",
                      body="七里河区敦煌路幸福家园小区3号楼电梯坏了三个月, 物业一直不修。", kind="complain",
                      region=directory["qilihe"])
    hotspots_service.reset_index()
    tasks.forget_models()
    lookup.clear_cache()
    settings.MINSHENG_WARMUP = True
    settings.CELERY_TASK_ALWAYS_EAGER = False
    try:
        gunicorn_conf.post_worker_init(worker=None)
        _join_warmup()
        assert lookup._dup_cache  # the waiting message's area: built
        assert tasks._models == {} and hotspots_service._state["index"] is None  # the workers' business
    finally:
        lookup.clear_cache()


@pytest.mark.django_db
def test_after_the_warm_up_the_first_queue_page_reads_no_duplicate_candidates(settings, personas, directory, login,
                                                                             monkeypatch):
    """A process's first dispatch queue read its area's candidates for 并单 and counted their text
    (0.5-1 s at 60,000 messages, bench/first_page.py): the warm-up builds the indexes of the areas
    where messages wait for a dispatcher, and the first page shows the same 疑似重复 badge as a
    reload, without reading them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from minsheng.board import actions
    from minsheng.insight import lookup, places

    from .test_staff_pages import queue_row

    body = "七里河区敦煌路幸福家园小区3号楼电梯坏了三个月, 物业一直不修, 老人出不了门。"
    main, dup = (actions.do_submit(personas["citizen"], title=title, body=body, kind="complain",
                                   region=directory["qilihe"])
                 for title in ("幸福家园小区3号楼电梯坏了三个月", "幸福家园小区3号楼电梯三个月没人修"))
    actions.do_accept(personas["dispatcher"], main)
    client = login(personas["dispatcher"])
    lookup.clear_cache()  # a new process: no near-duplicate index, no gazetteer
    monkeypatch.setitem(places._cache, "gazetteer", None)
    monkeypatch.setitem(places._cache, "key", None)
    try:
        warmup.warm()
        pages = []
        for _ in range(2):  # the first page after the warm-up, then a reload
            with CaptureQueriesContext(connection) as ctx:
                pages.append((queue_row(client.get(reverse("board:triage")).content.decode(), dup.title),
                              len(ctx.captured_queries)))
    finally:
        lookup.clear_cache()
    (first, first_queries), (again, again_queries) = pages
    assert "疑似重复 1" in first and first == again
    assert first_queries == again_queries  # no candidate read: the warm-up did


@pytest.mark.django_db(transaction=True)  # the warm-up thread reads with its own connection
def test_the_warm_up_builds_the_queue_s_indexes_only_while_no_request_is_served(settings, personas, directory,
                                                                                 monkeypatch):
    """Counting an area's candidates shares the interpreter with the requests a new worker serves:
    the warm-up waits until the request being served has ended before it builds an area's index."""
    from django.core.signals import request_finished, request_started

    from minsheng.board import actions
    from minsheng.insight import lookup

    for title in ("幸福家园小区3号楼电梯坏了三个月", "幸福家园小区3号楼电梯三个月没人修"):
        m = actions.do_submit(personas["citizen"], title=title, kind="complain", region=directory["qilihe"],
                              body="七里河区敦煌路幸福家园小区3号楼电梯坏了三个月, 物业一直不修, 老人出不了门。")
    actions.do_accept(personas["dispatcher"], m)
    settings.MINSHENG_WARMUP = True
    settings.CELERY_TASK_ALWAYS_EAGER = True
    lookup.clear_cache()
    hotspots_service.reset_index()
    try:
        counting = warmup._count_requests

        def a_request_arrives(on=True):  # as the worker starts: before the thread can pass its wait
            counting(on)
            if on:
                request_started.send(sender=None)

        monkeypatch.setattr(warmup, "_count_requests", a_request_arrives)
        thread = warmup.start()
        thread.join(3)
        assert thread.is_alive() and not lookup._dup_cache  # waiting, nothing counted
        request_finished.send(sender=None)
        thread.join(60)
        assert not thread.is_alive()
        assert [key[1] for key in lookup._dup_cache] == ["6201"]  # 七里河区's prefecture, 兰州市
    finally:
        request_finished.send(sender=None)
        lookup.clear_cache()


def test_a_warm_up_that_cannot_start_counts_no_requests(settings, monkeypatch):
    from django.core.signals import request_started

    def refuse(self):
        raise RuntimeError("can't start new thread")

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MINSHENG_WARMUP = True
    monkeypatch.setattr(threading.Thread, "start", refuse)
    assert warmup.start() is None
    # no counting left behind, to hold up a later warm-up
    assert not request_started.disconnect(dispatch_uid="minsheng-warmup-started")


def test_the_served_app_is_preloaded_with_every_view_and_url(tmp_path):
    """`minsheng serve` forks its workers from a master that imported minsheng.wsgi (--preload).
    The URLconf was imported and its reverse() tables filled by each worker's first request (the
    first /stats/ after a start: 2.2-2.9 s on the demo, 0.5-0.9 s since): the master does it now."""
    import os
    import subprocess
    import sys

    # the master opens no database connection (the forked workers would share its socket) and threads
    # none (a thread does not survive the fork): the database, not migrated here, is never read
    code = ("import sys, threading, minsheng.wsgi; from django.db import connections; "
            "from django.urls import get_resolver; r = get_resolver(); "
            "print('minsheng.stats.views' in sys.modules, 'minsheng.insight.views' in sys.modules, "
            "r._populated and all(ns._populated for _, ns in r.namespace_dict.values()), "
            "all(c.connection is None for c in connections.all()), threading.active_count() == 1)")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'w.sqlite3'}", "MINSHENG_VAR_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["True"] * 5, done.stderr[-2000:]
