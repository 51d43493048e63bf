"""minsheng (民声): citizens' messages to government, routed, answered and counted in public."""

from .celery import app as celery_app

__all__ = ["celery_app"]
