"""End to end with a real Celery worker and Redis: a message submitted through the
normal action is read by the worker (not eagerly) and its prediction is stored.

Skips when Redis at 127.0.0.1:6379 is unreachable."""

from __future__ import annotations

import os
import time

import pytest

from minsheng.board import actions
from minsheng.board.models import Event, Message
from minsheng.insight import classify, tasks
from tests.test_classify import make_rows

# Its own Redis database, emptied before and after: scripts/test.sh gives its PostgreSQL pass, which runs beside the
# SQLite pass, another (MINSHENG_TEST_REDIS_DB), so one pass's worker never takes the other's tasks.
BROKER = f"redis://127.0.0.1:6379/{os.environ.get('MINSHENG_TEST_REDIS_DB', '15')}"


def redis_or_skip():
    import redis

    try:
        client = redis.Redis.from_url(BROKER, socket_connect_timeout=1)
        client.ping()
    except Exception:
        pytest.skip("Redis at 127.0.0.1:6379 is unreachable")
    return client


def reset_connections(app) -> None:
    """Forget pooled broker connections so the next send uses the current broker_url."""
    if app._pool is not None:
        app._pool.force_close_all()
        app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def worker_app(settings):
    """The project's Celery app pointed at Redis (not eager), with a worker thread
    consuming the queues the tasks are routed to."""
    from celery.contrib.testing.worker import start_worker

    from minsheng.celery import app

    client = redis_or_skip()
    client.flushdb()
    saved = {k: app.conf[k] for k in ("broker_url", "task_always_eager", "result_backend")}
    app.conf.update(broker_url=BROKER, task_always_eager=False, result_backend=None)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    reset_connections(app)
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30,
                          queues=["ml", "default", "notify"], loglevel="WARNING"):
            yield app
    finally:
        app.conf.update(saved)
        reset_connections(app)
        client.flushdb()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_worker_classifies_a_submitted_message(worker_app, personas, directory, settings, tmp_path):
    rows = make_rows(seed=31)
    classify.train([r[0] for r in rows], [r[1] for r in rows], [r[2] for r in rows]).save(tmp_path / "topic")
    settings.MINSHENG_MODEL_DIR = tmp_path
    tasks.forget_models()

    message = actions.do_submit(personas["citizen"], title="河道黑臭污水排放", body="附近河道黑臭, 污水直排, 臭味严重",
                                kind="complain", region=directory["lanzhou"])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        message.refresh_from_db()
        if message.classified_at is not None:
            break
        time.sleep(0.2)
    assert message.classified_at is not None, "the worker did not read the message within 60 s"
    assert message.predicted_topic == directory["topic_env"]
    assert 0.34 < message.topic_confidence <= 1
    assert Event.objects.filter(message=message, kind=Event.Kind.CLASSIFIED, public=False).count() == 1
    assert Message.objects.get(pk=message.pk).status == "submitted"
    tasks.forget_models()
