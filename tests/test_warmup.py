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


def test_no_warm_up_with_a_broker_when_switched_off_or_when_it_cannot_start(settings, monkeypatch):
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.MINSHENG_WARMUP = True
    assert warmup.start() is None  # the Celery workers read messages, not the web process
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.MINSHENG_WARMUP = False
    assert warmup.start() is None

    def refuse(self):
        raise RuntimeError("can't start new thread")

    settings.MINSHENG_WARMUP = True
    monkeypatch.setattr(threading.Thread, "start", refuse)
    assert warmup.start() is None  # logged; the worker serves as before
