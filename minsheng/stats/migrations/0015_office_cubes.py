"""The office cubes of the rollups (``stats.models.OFFICE_CUBES``): the rollup rows keep a leader's office
(``addressee_key``, in their unique key), and the office cubes hold the sums of the messages written to an office, so
that an office's figures read a few thousand rollup rows as a region's do, not its every fact. Back-filled here from
the facts (which keep their office since stats.0013), a month of facts at a time — whole months, so no month row is
written twice — with the rebuild's own statements (``facts._aggregate_rollups``: the declared measures, no copy of
them), before the index is built."""

import datetime as dt

from django.db import migrations, models


def fill_office_cubes(apps, schema_editor):
    from minsheng.stats.facts import _aggregate_rollups
    from minsheng.stats.models import OFFICE_CUBES

    MessageFact = apps.get_model("stats", "MessageFact")
    addressed = MessageFact.objects.using(schema_editor.connection.alias).filter(addressee_key__gt=0)
    first = addressed.order_by("day").values_list("day", flat=True).first()
    if first is None:
        return
    last = addressed.order_by("-day").values_list("day", flat=True).first()
    start = first.replace(day=1)
    while start <= last:
        end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)  # the next month's first day
        _aggregate_rollups(cubes=list(OFFICE_CUBES), days=(start, end - dt.timedelta(days=1)), indexes=True)
        start = end


def drop_office_cubes(apps, schema_editor):
    from minsheng.stats.models import OFFICE_CUBES

    Rollup = apps.get_model("stats", "Rollup")
    Rollup.objects.using(schema_editor.connection.alias).filter(cube__in=list(OFFICE_CUBES)).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('stats', '0014_sign_for_withdrawn'),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='rollup',
            name='stats_rollup_cube_key',
        ),
        migrations.AddField(
            model_name='rollup',
            name='addressee_key',
            field=models.IntegerField(db_default=0, default=0),
        ),
        migrations.AddConstraint(
            model_name='rollup',
            constraint=models.UniqueConstraint(fields=('cube', 'grain', 'period', 'p1', 'p2', 'p3', 'p4', 'unit_key', 'topic_key', 'kind', 'addressee_key'), name='stats_rollup_cube_key'),
        ),
        migrations.RunPython(fill_office_cubes, drop_office_cubes),
        migrations.AddIndex(
            model_name='rollup',
            index=models.Index(fields=['cube', 'addressee_key', 'grain', 'period'], name='stats_rollup_cube_office'),
        ),
    ]
