"""An approved 延期 moves the assisting units' deadline too since 2026-12-04 (actions.do_decide_extension);
before, it moved the lead's alone, and the assisting units of a case extended then still read 已超期
in their inbox. Their active assignments are given the case's deadline, as the extension gives it now."""

from django.db import migrations
from django.db.models import OuterRef, Subquery


def catch_up(apps, schema_editor):
    Assignment = apps.get_model("board", "Assignment")
    Extension = apps.get_model("board", "Extension")
    Message = apps.get_model("board", "Message")
    extended = Extension.objects.filter(state="approved").values("assignment__message_id")
    behind = Assignment.objects.filter(role="assist", state="active", message_id__in=extended,
                                       message__due_at__isnull=False)
    due = Message.objects.filter(pk=OuterRef("message_id")).values("due_at")[:1]
    for a in behind.annotate(case_due=Subquery(due)).iterator():
        if a.due_at is None or a.due_at < a.case_due:
            Assignment.objects.filter(pk=a.pk).update(due_at=a.case_due)


class Migration(migrations.Migration):
    dependencies = [("board", "0018_assignment_handler")]
    operations = [migrations.RunPython(catch_up, migrations.RunPython.noop)]
