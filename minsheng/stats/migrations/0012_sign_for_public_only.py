"""及时签收率 counts the sign-fors of messages the public reads (受理 or 并单) only, as facts.SIGNS_SQL writes them
since 2026-12-06: the rows of messages 不予受理 or withdrawn are dropped (the public list of 签收超期 could not show
them, while the boards counted them)."""

import uuid

from django.db import migrations


def drop_unpublished(apps, schema_editor):
    SignFor = apps.get_model("stats", "SignFor")
    MessageFact = apps.get_model("stats", "MessageFact")
    hidden = MessageFact.objects.exclude(category__in=["received", "merged"]).values("message_id")
    if SignFor.objects.filter(message_id__in=hidden).delete()[0]:
        # figures cached with the old counts (Redis): a new token makes them unreachable
        apps.get_model("stats", "RollupVersion").objects.update(token=uuid.uuid4().hex)


class Migration(migrations.Migration):

    dependencies = [
        ('stats', '0011_sign_for'),
    ]

    operations = [
        migrations.RunPython(drop_unpublished, migrations.RunPython.noop),
    ]
