"""The office cubes of the rollups (``stats.models.OFFICE_CUBES``): the rollup rows keep a leader's office
(``addressee_key``, in their unique key), and the office cubes hold the sums of the messages written to an office, so
that an office's figures read a few thousand rollup rows as a region's do, not its every fact. Back-filled here from
the facts (which keep their office since stats.0013), a month of facts at a time — whole months, so no month row is
written twice — before the index is built. The cubes, the columns and the measures' SQL are copied here as they were
when this migration was written (``facts._aggregate_rollups``, ``measures.aggregates_sql``; 2026-12-06 (fix): before,
it imported them, so the day a measure or a rollup column was added an old database failed to upgrade here)."""

import datetime as dt

from django.db import migrations, models

DIMENSIONS = ["p1", "p2", "p3", "p4", "unit_key", "topic_key", "kind", "addressee_key"]
OFFICE_CUBES = {
    "a": ("addressee_key",),
    "ar": ("addressee_key", "p1", "p2", "p3", "p4"),
    "ark": ("addressee_key", "p1", "p2", "kind"),
    "art": ("addressee_key", "p1", "p2", "topic_key"),
    "aru": ("addressee_key", "p1", "p2", "unit_key"),
    "artk": ("addressee_key", "p1", "p2", "topic_key", "kind"),
    "af": ("addressee_key", "p1", "p2", "p3", "p4", "unit_key", "topic_key", "kind"),
}
# (rollup column, its aggregate over stats_messagefact): ``measures.DECLARED`` as compiled on 2026-12-06
_REPLIED = "category = 'received' AND replied"
MEASURES = [
    ("submitted", "COUNT(*)"),
    *((name, f"COUNT(*) FILTER (WHERE category = '{name}')")
      for name in ("pending", "rejected", "withdrawn", "merged", "received")),
    ("replied", f"COUNT(*) FILTER (WHERE {_REPLIED})"),
    ("on_time", f"COUNT(*) FILTER (WHERE {_REPLIED} AND on_time)"),
    ("days_sum", f"COALESCE(SUM(days) FILTER (WHERE {_REPLIED}), 0)"),
    *((name, f"COUNT(*) FILTER (WHERE category = 'received' AND {column})") for name, column in (
        ("evaluated", "evaluated"), ("satisfied", "satisfied"), ("reopened", "reopened"), ("extended", "extended"),
        ("open_cases", "is_open"))),
    ("days_over", f"COUNT(*) FILTER (WHERE {_REPLIED} AND days >= 31)"),
    *((f"d{n}", f"COUNT(*) FILTER (WHERE {_REPLIED} AND days = {n})") for n in range(31)),
]


def _fill_month(cursor, vendor: str, first: dt.date, last: dt.date) -> None:
    """The office cubes' day rows of the facts of ``first``..``last`` (a whole month), then its month rows."""
    dims = ", ".join(DIMENSIONS)
    cols = ", ".join(name for name, _ in MEASURES)
    aggregates = ", ".join(sql for _, sql in MEASURES)
    month_of_day = "date_trunc('month', day)::date" if vendor == "postgresql" else "date(day, 'start of month')"
    days = [first.isoformat(), last.isoformat()] if vendor != "postgresql" else [first, last]
    for cube, kept in OFFICE_CUBES.items():
        select = ", ".join(name if name in kept else ("0" if name.endswith("_key") else "''") for name in DIMENSIONS)
        cursor.execute(
            f"INSERT INTO stats_rollup (cube, grain, period, month, {dims}, {cols}) "
            f"SELECT %s, 'd', day, {month_of_day}, {select}, {aggregates} FROM stats_messagefact "
            f"WHERE addressee_key <> 0 AND day BETWEEN %s AND %s GROUP BY day, {', '.join(kept)}", [cube, *days])
        cursor.execute(
            f"INSERT INTO stats_rollup (cube, grain, period, month, {dims}, {cols}) "
            f"SELECT cube, 'm', month, month, {dims}, {', '.join(f'SUM({name})' for name, _ in MEASURES)} "
            f"FROM stats_rollup WHERE grain = 'd' AND cube = %s AND period BETWEEN %s AND %s "
            f"GROUP BY cube, month, {dims}", [cube, *days])


def fill_office_cubes(apps, schema_editor):
    MessageFact = apps.get_model("stats", "MessageFact")
    addressed = MessageFact.objects.using(schema_editor.connection.alias).filter(addressee_key__gt=0)
    first = addressed.order_by("day").values_list("day", flat=True).first()
    if first is None:
        return
    last = addressed.order_by("-day").values_list("day", flat=True).first()
    start = first.replace(day=1)
    with schema_editor.connection.cursor() as cursor:
        while start <= last:
            end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1)  # the next month's first day
            _fill_month(cursor, schema_editor.connection.vendor, start, end - dt.timedelta(days=1))
            start = end


def drop_office_cubes(apps, schema_editor):
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
