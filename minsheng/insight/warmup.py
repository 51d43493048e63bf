"""Warm a serving process: build what the first message's reading needs before a citizen posts it.

In the embedded default (no broker) ``tasks.read_message`` runs inside the citizen's
request, and the first one in a process loaded the classifiers and built the hotspot index
from the database: 3–5 s on the demo, once per process, in one citizen's wait. A serving
process (each gunicorn worker of ``minsheng serve``: ``minsheng.gunicorn_conf``; not
``runserver``) calls ``start()``, which does that work in a background thread;
nothing else does (``migrate``, the tests and the one-off commands never warm).

The caches it fills are the ones a request fills, under the same locks (``tasks._lock``,
``hotspots_service._lock``): a message posted while the warm-up runs waits for the index
being built and gets the whole of it, never half. Last, it builds the near-duplicate
candidate indexes of the areas where messages wait for a dispatcher
(``lookup.warm_near_duplicates``), so the first queue page of a process does not read them
(with a broker only these: the Celery workers read the messages, the web process serves the queue);
an area at a time, each once the process serves no request (``request_started`` and
``request_finished`` counted from ``start()``; ``IDLE_WAIT`` at most). A queue opened meanwhile
builds its own, as before (each is kept only once whole). A failing warm-up is logged and leaves
the caches as they were; the first reading then builds them as before.
"""

from __future__ import annotations

import logging
import threading
import time

from django.conf import settings

log = logging.getLogger(__name__)


def enabled() -> bool:
    """Warm unless MINSHENG_WARMUP is switched off."""
    return bool(getattr(settings, "MINSHENG_WARMUP", True))


def reads_messages() -> bool:
    """Whether this process reads the messages it takes in (no broker: tasks run eagerly).
    With a broker the Celery workers do, and the web process needs no classifier or hotspot
    index; it still serves the dispatchers' queue, whose indexes the warm-up builds."""
    return bool(getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False))


def warm() -> float:
    """Import the views; bring the hotspots' heat and 老大难 flags to the hour (``keep_heat_current``, as a list's
    first read would); where this process reads messages (``reads_messages``) load the
    classifiers and build the hotspot index (what a post and ``read_message`` need); then build the
    near-duplicate candidate indexes of the areas with the most messages waiting for a dispatcher
    (``lookup.warm_near_duplicates``: the 疑似重复 badges of the queue, served by the web process
    with or without a broker). Returns the seconds it took. Raises what fails (``start`` logs it)."""
    from django.urls import get_resolver

    from . import hotspots_service, lookup, places, tasks
    from .text import tokenize

    began = time.monotonic()
    get_resolver().url_patterns  # noqa: B018 - imports every view, serializer and form (0.5 s on first use)
    tokenize("民声")  # jieba's dictionary (already loaded where minsheng.wsgi was imported)
    places.gazetteer()  # the directory's place names: a queue page names its messages' areas
    # the hour's heat and 老大难 flags, read (and the pass run for this process's MINSHENG_CHRONIC_DAYS where the row's
    # is another's, older than the start) at the start, not at the first list read: an old worker that ran the hour's
    # pass in between had its setting kept for up to an hour (since 2026-12-06); never raises for a database's refusal
    hotspots_service.keep_heat_current()
    if reads_messages():
        for target in (*tasks.TARGETS, "unit"):
            tasks.get_model(target)
        with hotspots_service._lock:
            hotspots_service.get_index()
    # last, once a post finds what it needs: the dispatchers' first queue page otherwise reads and
    # counts its area's candidates (0.3-1 s at 60,000 messages). An area at a time, each once no
    # request is being served: a request shares the interpreter with a thread counting text, and
    # one served meanwhile took up to four times as long (bench/first_page.py --warm-up running)
    lookup.warm_near_duplicates(before_each=_wait_for_idle)
    return time.monotonic() - began


IDLE_WAIT = 10.0  # seconds the warm-up waits for the requests being served to end, at most
_serving = {"requests": 0}
_serving_lock = threading.Lock()


def _request_started(**kwargs) -> None:
    with _serving_lock:
        _serving["requests"] += 1


def _request_finished(**kwargs) -> None:
    with _serving_lock:
        _serving["requests"] = max(0, _serving["requests"] - 1)


def _wait_for_idle() -> None:
    """Return once the process serves no request (or after ``IDLE_WAIT`` seconds)."""
    deadline = time.monotonic() + IDLE_WAIT
    while _serving["requests"] and time.monotonic() < deadline:
        time.sleep(0.02)


def _count_requests(on: bool = True) -> None:
    """Count the requests being served (while the warm-up runs: ``on`` from ``start``, off once
    it ends)."""
    from django.core.signals import request_finished, request_started

    if on:
        request_started.connect(_request_started, dispatch_uid="minsheng-warmup-started")
        request_finished.connect(_request_finished, dispatch_uid="minsheng-warmup-finished")
    else:
        request_started.disconnect(dispatch_uid="minsheng-warmup-started")
        request_finished.disconnect(dispatch_uid="minsheng-warmup-finished")
        with _serving_lock:
            _serving["requests"] = 0


def _run() -> None:
    from django.db import connections

    try:
        seconds = warm()
        log.info("warm-up done in %.1f s: %sdispatch areas' indexes built", seconds,
                 "classifiers loaded, hotspot index and " if reads_messages() else "")
    except Exception:
        log.exception("warm-up failed; the first message read will build what it needs")
    finally:
        _count_requests(on=False)
        connections.close_all()  # this thread's connections only


def start() -> threading.Thread | None:
    """Start the warm-up in a daemon thread (None when ``enabled()`` says no). Never raises."""
    try:
        if not enabled():
            return None
        _count_requests()  # from the start: the warm-up waits for those being served
        thread = threading.Thread(target=_run, name="minsheng-warmup", daemon=True)
        thread.start()
        return thread
    except Exception:
        log.exception("could not start the warm-up")
        try:
            _count_requests(on=False)
        except Exception:  # noqa: S110 - never raises: the worker serves as before
            pass
        return None
