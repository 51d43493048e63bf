"""The region×topic×type cube was added to the rollups: rebuild them once so that the
new cube holds every message (incremental updates only add changes)."""

from django.db import migrations


def rebuild(apps, schema_editor):
    if not apps.get_model("board", "Message").objects.exists():
        return  # nothing to rebuild (a new database): today's code would touch tables of later migrations
    from minsheng.stats.facts import rebuild as rebuild_stats

    rebuild_stats(bump=False)  # the version table comes in 0006


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0004_rollup_topic_unit_indexes"),
        ("board", "0001_initial"),
    ]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
