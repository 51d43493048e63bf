"""The migration graph: one leaf per app, and no model change without its migration. Two branches
merged the same day each added a board migration after 0015 (0016 of the admin's Chinese names,
0017 of the auto_held event): `minsheng migrate` and every test database stopped with 「Conflicting
migrations detected」."""

from io import StringIO

from django.core.management import call_command
from django.db.migrations.loader import MigrationLoader


def test_no_app_has_two_leaf_migrations():
    assert MigrationLoader(None, ignore_no_migrations=True).detect_conflicts() == {}


def test_every_model_change_has_its_migration(db):
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out, stderr=out)  # SystemExit(1) when one lacks
