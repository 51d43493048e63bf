"""督办 keeps its history (2026-12-07): how many 督办 since the case reached its current lead unit(s) and when the
latest, back-filled from the 督办 events; the mark (``supervised``, ``supervision_note``) follows the same rule, cleared
where a 派单, 转办, 退单 or 重办 came after the last 督办 (``actions.LEAD_CHANGES``). Reversed, the mark is as the old
code left it: set on every case ever supervised, with the latest 督办's note."""

from django.db import migrations, models

LEAD_CHANGES = ("dispatched", "transferred", "returned", "reopened")


def _events(apps):
    """Each supervised case's events that count here, by case, in their order."""
    Event = apps.get_model("board", "Event")
    supervised = Event.objects.filter(kind="supervised").values("message_id")
    by_case = {}
    for message_id, kind, at, data in (
        Event.objects.filter(message_id__in=supervised, kind__in=("supervised", *LEAD_CHANGES))
        .order_by("message_id", "at", "pk")
        .values_list("message_id", "kind", "at", "data")
        .iterator(chunk_size=2000)
    ):
        by_case.setdefault(message_id, []).append((kind, at, data or {}))
    return by_case


def back_fill(apps, schema_editor):
    Message = apps.get_model("board", "Message")
    for message_id, events in _events(apps).items():
        since = []
        for kind, at, data in events:
            since = [*since, (at, data)] if kind == "supervised" else []
        last_at, last = since[-1] if since else (None, {})
        Message.objects.filter(pk=message_id).update(
            supervised=bool(since),
            supervised_count=len(since),
            last_supervised_at=last_at,
            supervision_note=(last.get("note") or "")[:300] if since else "",
        )


def restore_old_marks(apps, schema_editor):
    Message = apps.get_model("board", "Message")
    for message_id, events in _events(apps).items():
        notes = [data for kind, _, data in events if kind == "supervised"]
        Message.objects.filter(pk=message_id).update(
            supervised=True, supervision_note=(notes[-1].get("note") or "")[:300]
        )


class Migration(migrations.Migration):
    dependencies = [("board", "0039_reply_scores_rebuilt_where_praise_sneered")]

    operations = [
        migrations.AddField(
            model_name="message",
            name="supervised_count",
            field=models.PositiveIntegerField(default=0, verbose_name="督办次数"),
        ),
        migrations.AddField(
            model_name="message",
            name="last_supervised_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="最近督办时间"),
        ),
        migrations.RunPython(back_fill, restore_old_marks, elidable=False),
    ]
