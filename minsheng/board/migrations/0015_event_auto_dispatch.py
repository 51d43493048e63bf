"""An automatic dispatch's event says so (data "auto": true). Before, the missing actor told it,
and a dispatcher whose account was deleted later read as the system; the dispatches already
stored without an actor are taken to be automatic, as they were read until now."""

from django.db import migrations


def mark(apps, schema_editor):
    Event = apps.get_model("board", "Event")
    for event in Event.objects.filter(kind="dispatched", actor__isnull=True).iterator():
        event.data = {**(event.data or {}), "auto": True}
        event.save(update_fields=["data"])


class Migration(migrations.Migration):
    dependencies = [("board", "0014_message_title_index")]
    operations = [migrations.RunPython(mark, migrations.RunPython.noop)]
