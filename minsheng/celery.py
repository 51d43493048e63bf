"""Celery app. In the embedded default tasks run eagerly in-process (no broker)."""

import logging
import os

from celery import Celery

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
