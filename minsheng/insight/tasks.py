"""Celery tasks that apply the insight cores to stored messages (filled in by the
insight work: classification, duplicates, hotspots)."""

from celery import shared_task


@shared_task(name="minsheng.insight.read_message", ignore_result=True)
def read_message(message_pk: int) -> None:
    """Classify a new message, find duplicates, place it in a hotspot. Idempotent."""
