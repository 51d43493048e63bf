"""A case led by two units (联合办理) is signed once, by either: since 2026-12-05 (later) one lead unit's 签收
marks the other lead unit's share signed too, at the same time (actions.do_sign signs every share of the
case still open and unsigned), and so settles that unit's 「新主办件…请签收」 notes (notify.signing_settled).
A case signed before then by one of its lead units left the other's share unsigned: that unit, offered no
签收, counted it 待签收 and, its 签收 deadline passed, 签收超期 for ever, and its people's notes stayed unread.

As the 签收 does now, each share that was open (given, not yet closed) when a lead unit of its case signed
it, and is still unsigned, is signed at that 签收's time (the earliest, were there several), and the notes
asking to sign the case written up to then and still unread are read at that time. Shares given after the
签收 (a unit transferred to, a 重办, a lead added later) are left to sign, as the 签收 leaves them. Two
UPDATE statements, whatever the number of cases; run again, it finds nothing to do."""

from django.db import migrations
from django.db.models import Exists, F, OuterRef, Subquery
from django.db.models.functions import Coalesce

# notify.LEAD_ARRIVED as it reads at this migration (the start of the note asking a lead unit to sign)
LEAD_ARRIVED = "新主办件: "


def sign_once(apps, schema_editor):
    Assignment = apps.get_model("board", "Assignment")
    Notification = apps.get_model("board", "Notification")
    # the notes first, while the shares still say which they are: a lead unit's 签收 that left another share
    # of its case unsigned, open then (given by then, not closed before) ...
    left = (Assignment.objects.filter(message_id=OuterRef("message_id"), signed_at__isnull=True,
                                      assigned_at__lte=OuterRef("signed_at"))
            .exclude(closed_at__lt=OuterRef("signed_at")).exclude(pk=OuterRef("pk")))
    # ... settles the notes of the case written up to it, as notify.signing_settled does now
    settling = Assignment.objects.filter(Exists(left), role="lead", signed_at__isnull=False).filter(
        message_id=OuterRef("message_id"), signed_at__gte=OuterRef("created_at"))
    Notification.objects.filter(Exists(settling), kind="case_arrived", text__startswith=LEAD_ARRIVED,
                                read_at__isnull=True).update(
        read_at=Subquery(settling.order_by("signed_at").values("signed_at")[:1]))
    # the same, seen from the share: the first 签收 of a lead unit of its case while it was open signs it
    signings = (Assignment.objects.filter(message_id=OuterRef("message_id"), role="lead", signed_at__isnull=False,
                                          signed_at__gte=OuterRef("assigned_at"),
                                          signed_at__lte=Coalesce(OuterRef("closed_at"), F("signed_at")))
                .exclude(pk=OuterRef("pk")))
    Assignment.objects.filter(Exists(signings), signed_at__isnull=True).update(
        signed_at=Subquery(signings.order_by("signed_at").values("signed_at")[:1]))


class Migration(migrations.Migration):
    dependencies = [("board", "0025_message_contact_name")]
    operations = [migrations.RunPython(sign_once, migrations.RunPython.noop)]
