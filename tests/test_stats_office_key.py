"""A leader's office's figures read the statistics rows by the office each keeps (``addressee_key``, since
2026-12-06): a message written to another office in the admin moves its figures there once the edit commits, its
office cubes' rollups with them, and an office deleted leaves none behind."""

from __future__ import annotations

from minsheng.board.models import Message
from minsheng.directory.models import Addressee
from minsheng.stats import facts, figures
from minsheng.stats.models import OFFICE_CUBES, MessageFact, Miss, OpenCase, Rollup, SignFor

from .test_hotspot_edits import _admin, _posted
from .test_stats_cases import raw_figures


def _written(office):
    return Message.objects.filter(addressee=office)


def _office_cubes(office) -> dict[str, int]:
    """The messages each office cube of the rollups counts for ``office`` (its month rows' 全部)."""
    return {cube: sum(Rollup.objects.filter(cube=cube, grain="m", addressee_key=office.pk)
                      .values_list("submitted", flat=True)) for cube in OFFICE_CUBES}


def test_a_message_written_to_another_office_in_the_admin_moves_its_figures(
    cases, directory, login, django_capture_on_commit_callbacks
):
    mayor = directory["mayor"]
    deputy = Addressee.objects.create(title="兰州市副市长", region=directory["lanzhou"])
    replied = cases["on_time_satisfied"]
    Message.objects.exclude(pk=replied.pk).update(addressee=mayor)
    Message.objects.filter(pk=replied.pk).update(addressee=deputy)
    facts.refresh_messages(Message.objects.values_list("pk", flat=True))
    assert figures.compute(addressee=deputy)["replied"] == 1
    assert _office_cubes(deputy) == dict.fromkeys(OFFICE_CUBES, 1)

    admin = _admin(login)
    data = _posted(admin.get(f"/admin/board/message/{replied.pk}/change/").content.decode(), "message_form")
    data["addressee"] = mayor.pk
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(f"/admin/board/message/{replied.pk}/change/", data)
    assert response.status_code == 302

    every = raw_figures(Message.objects.all())
    assert figures.compute(addressee=mayor) == raw_figures(_written(mayor)) == every
    assert figures.compute(addressee=deputy) == raw_figures(_written(deputy))
    assert figures.compute(addressee=deputy)["submitted"] == 0
    board = figures.addressees_figures([mayor, deputy])
    assert (board[mayor.pk]["received"], board[mayor.pk]["replied"]) == (every["received"], every["replied"])
    assert (board[deputy.pk]["received"], board[deputy.pk]["replied"]) == (0, 0)
    assert figures.received_by_addressee()[mayor.pk]["received"] == every["received"]
    assert deputy.pk not in figures.received_by_addressee()
    # the office's figures are read from its rollups (since 2026-12-06): the message's rows moved with it
    assert _office_cubes(deputy) == dict.fromkeys(OFFICE_CUBES, 0)
    assert _office_cubes(mayor) == dict.fromkeys(OFFICE_CUBES, Message.objects.count())


def test_an_office_deleted_leaves_no_figures_behind(cases, directory):
    deputy = Addressee.objects.create(title="兰州市副市长", region=directory["lanzhou"])
    Message.objects.update(addressee=deputy)
    facts.refresh_messages(Message.objects.values_list("pk", flat=True))
    assert figures.received_by_addressee()[deputy.pk]["received"] > 0
    gone = deputy.pk
    deputy.delete()
    assert not Message.objects.filter(addressee__isnull=False).exists()
    assert figures.received_by_addressee() == {}
    for model in (MessageFact, OpenCase, Miss, SignFor, Rollup):  # no row left counting for an office of that id
        assert not model.objects.filter(addressee_key=gone).exists()


def test_migration_0015_writes_the_office_cubes_a_rebuild_writes(cases, directory):
    """stats.0015 back-fills the office cubes month by month with its own copy of the SQL (since 2026-12-06 (fix):
    before, it imported today's ``facts._aggregate_rollups``, and a measure added later broke old upgrades): its
    rows are those ``facts.rebuild()`` writes, every column, over two months."""
    import datetime as dt
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    deputy = Addressee.objects.create(title="兰州市副市长", region=directory["lanzhou"])
    ids = list(Message.objects.order_by("pk").values_list("pk", flat=True))
    Message.objects.filter(pk__in=ids[::2]).update(addressee=directory["mayor"])
    Message.objects.filter(pk__in=ids[1::3]).update(addressee=deputy)
    for m in Message.objects.filter(pk__in=ids[::4]):  # another month
        Message.objects.filter(pk=m.pk).update(submitted_at=m.submitted_at - dt.timedelta(days=45))
    facts.rebuild()
    columns = [f.column for f in Rollup._meta.concrete_fields if f.column != "id"]

    def office_rows():
        return sorted(Rollup.objects.filter(cube__in=list(OFFICE_CUBES)).values_list(*columns))

    rebuilt = office_rows()
    assert len({r[columns.index("month")] for r in rebuilt}) >= 2 and len(rebuilt) > 20
    Rollup.objects.filter(cube__in=list(OFFICE_CUBES)).delete()
    migration = importlib.import_module("minsheng.stats.migrations.0015_office_cubes")
    assert set(migration.OFFICE_CUBES) == set(OFFICE_CUBES)
    migration.fill_office_cubes(apps, SimpleNamespace(connection=connection))  # all it reads of its schema editor
    assert office_rows() == rebuilt
