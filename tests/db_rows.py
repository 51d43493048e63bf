"""Every row of the test database, read out and written back as it was: a demo built once for a run of tests
(tests/test_touch_targets.py ``load_demo``) written back for each test that reads it, in a small part of the
build's time (CI time, docs/decisions.md, 2026-12-07).

The rows are read and written as the database holds them (no model's ``save``, no signal): the values of each model's
columns, many-to-many tables too, in the order the table gives them. Written back, they replace every row of those
tables, with the same ids, in one transaction (the foreign keys, all deferrable, checked at its commit); PostgreSQL's
sequences then continue after them, as after the build. Columns the database computes itself are not written: the
PostgreSQL search vector (a generated column), SQLite's full-text table (its triggers fill it from the messages)."""

from __future__ import annotations

import datetime

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, transaction


def _models():
    tables = set(connection.introspection.table_names())
    return [m for m in apps.get_models(include_auto_created=True)
            if m._meta.managed and not m._meta.proxy and m._meta.db_table in tables]


def _columns(model) -> list[str]:
    return [f.column for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


def _plain(value):
    """A column's value as it can be pickled and written back: a binary one as bytes, a time (which Django's SQLite
    backend reads but does not adapt) as text."""
    if isinstance(value, memoryview):
        return bytes(value)
    return value.isoformat() if isinstance(value, datetime.time) else value


def save() -> dict:
    """Every row of every model's table: {"vendor", "tables": [(table, columns, rows)]}."""
    quote = connection.ops.quote_name
    tables = []
    with connection.cursor() as cursor:
        for model in _models():
            columns = _columns(model)
            cursor.execute(f"SELECT {', '.join(map(quote, columns))} FROM {quote(model._meta.db_table)}")
            tables.append((model._meta.db_table, columns, [tuple(map(_plain, row)) for row in cursor.fetchall()]))
    return {"vendor": connection.vendor, "tables": tables}


def restore(saved: dict) -> None:
    """The database's rows made those of ``saved`` (``save``), on the database it was read from."""
    assert saved["vendor"] == connection.vendor, (saved["vendor"], connection.vendor)
    quote = connection.ops.quote_name
    models = {m._meta.db_table: m for m in _models()}
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for table in models:
            cursor.execute(f"DELETE FROM {quote(table)}")
        for table, columns, rows in saved["tables"]:
            if rows:
                marks = ", ".join(["%s"] * len(columns))
                cursor.executemany(f"INSERT INTO {quote(table)} ({', '.join(map(quote, columns))}) VALUES ({marks})",
                                   rows)
        for sql in connection.ops.sequence_reset_sql(no_style(), list(models.values())):
            cursor.execute(sql)
    ContentType.objects.clear_cache()  # this process's cache holds its own ids, the rows now the builder's
