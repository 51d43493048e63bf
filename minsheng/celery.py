"""Celery app. In the embedded default tasks run eagerly in-process (no broker)."""

import logging
import os
import threading

from celery import Celery
from celery.signals import worker_process_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")

app = Celery("minsheng")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def delay_or_run(task, *args) -> None:
    """Queue ``task``; when the broker cannot take it, run it here: what it does (a note to
    followers, a hotspot's figures) is late in the request rather than lost."""
    try:
        task.delay(*args)
    except Exception:
        logging.getLogger(__name__).exception("could not queue %s%s; running it now", task.name, args)
        task(*args)


def in_thread(function, *args, name: str, daemon: bool = False) -> threading.Thread | None:
    """Run ``function(*args)`` in a thread of its own, so that the response does not wait for it (called from a
    commit hook, it runs after the request's transaction): without a broker, what a Celery worker would do. The
    thread's database connections are closed when it ends, and a failure is logged, never raised. ``daemon``: a
    process may exit without waiting for it (a photo's fetch); a refresh of hotspots is not one, so that a command
    that renamed a region ends once they are refreshed. ``MINSHENG_BACKGROUND_THREADS`` off (the tests' default,
    where a thread could not read the test's uncommitted rows), it runs here, at once, and None is returned. One
    helper for the hotspots' refresh and the Open311 media fetch (since 2026-12-06; each had its own)."""
    from django.conf import settings

    if not getattr(settings, "MINSHENG_BACKGROUND_THREADS", True):
        _closing(function, *args, name=name, close=False)
        return None
    thread = threading.Thread(target=_closing, args=(function, *args), kwargs={"name": name}, daemon=daemon,
                              name=name)
    thread.start()
    return thread


def _closing(function, *args, name: str, close: bool = True) -> None:
    from django.db import connections

    try:
        function(*args)
    except Exception:
        logging.getLogger(__name__).exception("%s failed", name)
    finally:
        if close:
            connections.close_all()  # this thread's connections only


@worker_process_init.connect(dispatch_uid="minsheng-read-heat-at-start")
def read_heat_at_start(**_signal) -> None:
    """A Celery worker's process, as it starts (each of a prefork pool's): bring the hotspots' heat and 老大难 flags to
    the hour under this process's MINSHENG_CHRONIC_DAYS (``hotspots_service.keep_heat_current``), as a serving web
    worker does at its warm-up. A worker restarted with a new setting applied it only at its hourly refresh, and a
    web worker still serving with the old one ran the hour's pass meanwhile: the old flags stayed up to an hour (since
    2026-12-06, later). The worker's own connections were closed at ``worker_init`` (Celery's Django fixup), so this
    reads on a connection of the new process. Never raises: a worker starts whatever the database says."""
    try:
        from minsheng.insight import hotspots_service

        hotspots_service.keep_heat_current()
    except Exception:
        logging.getLogger(__name__).exception("could not bring the hotspots' heat and 老大难 flags to now at start")
