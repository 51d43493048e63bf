"""督办 keeps its history (2026-12-07): how many 督办 since the case reached its current lead unit(s) and when the
latest, back-filled from the 督办 events; the mark (``supervised``, ``supervision_note``) follows the same rule, cleared
where a 派单, 转办, 退单 or 重办 came after the last 督办 (the rule of ``actions.clearing_moves`` as it stood on
2026-12-07, copied here with literal kinds so a later edit of the app cannot change what this migration does: not a
转办 of one of two lead units); ``ever_supervised`` (the public 督办) set where a 督办 event is, or the old mark. A mark with no event (from
before the events) is kept, uncounted. One UPDATE for all (review: one per case took 21 s on PostgreSQL with 30,000
supervised cases, the table locked). Reversed, the mark is as the old code left it: set on every case ever
supervised, with the latest 督办's note."""

from django.db import migrations, models
from django.db.models import Count, Exists, OuterRef, Q, Subquery, Value
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce

# Event kinds that change a case's lead unit(s), as ``actions.LEAD_CHANGES`` named them on 2026-12-07
LEAD_CHANGES = ("dispatched", "transferred", "returned", "reopened")


def _clearing_moves(Event, Assignment):
    """The events of LEAD_CHANGES that cleared 已督办: each but a 转办 made while another lead unit's share was open
    (assigned before it, not closed by then). A copy of ``actions.clearing_moves`` on the historical models."""
    other_lead = Assignment.objects.filter(
        Q(closed_at__isnull=True) | Q(closed_at__gt=OuterRef("at")),
        message_id=OuterRef("message_id"),
        role="lead",
        assigned_at__lt=OuterRef("at"),
    )
    return Event.objects.filter(kind__in=LEAD_CHANGES).exclude(Q(kind="transferred") & Exists(other_lead))


def _pressed(apps, standing: bool):
    """The 督办 events of the case (``OuterRef("pk")``), the latest first: those no clearing move came after, when
    ``standing``."""
    Event, Assignment = apps.get_model("board", "Event"), apps.get_model("board", "Assignment")
    pressed = Event.objects.filter(kind="supervised", message_id=OuterRef("pk"))
    if standing:
        later = _clearing_moves(Event, Assignment).filter(
            message_id=OuterRef("message_id"), at__gt=OuterRef("at")
        )
        pressed = pressed.exclude(Exists(later))
    return pressed.order_by("-at", "-pk")


def _note(pressed):
    return Coalesce(
        Subquery(pressed.annotate(note=KeyTextTransform("note", "data")).values("note")[:1]), Value("")
    )


def back_fill(apps, schema_editor):
    Message = apps.get_model("board", "Message")
    ever, standing = _pressed(apps, False), _pressed(apps, True)
    Message.objects.filter(Q(supervised=True) | Exists(ever)).update(ever_supervised=True)
    count = Subquery(standing.order_by().values("message_id").annotate(n=Count("pk")).values("n")[:1])
    Message.objects.filter(Exists(ever)).update(
        supervised=Exists(standing),
        supervised_count=Coalesce(count, Value(0)),
        last_supervised_at=Subquery(standing.values("at")[:1]),
        supervision_note=_note(standing),
    )


def restore_old_marks(apps, schema_editor):
    Message = apps.get_model("board", "Message")
    ever = _pressed(apps, False)
    Message.objects.filter(Exists(ever)).update(supervised=True, supervision_note=_note(ever))


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
        migrations.AddField(
            model_name="message",
            name="ever_supervised",
            field=models.BooleanField(default=False, verbose_name="曾督办"),
        ),
        migrations.AddIndex(
            model_name="message",
            index=models.Index(
                condition=models.Q(("ever_supervised", True)),
                fields=["due_at"],
                name="board_message_ever_supervised",
            ),
        ),
        migrations.RunPython(back_fill, restore_old_marks, elidable=False),
    ]
