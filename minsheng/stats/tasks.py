"""Background work of the statistics: a full rebuild (e.g. nightly from celery beat,
or after a bulk import that bypassed the actions)."""

from celery import shared_task


@shared_task(name="minsheng.stats.tasks.refresh_stats")
def refresh_stats() -> int:
    from .facts import rebuild

    return rebuild()
