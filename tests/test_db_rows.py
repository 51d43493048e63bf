"""tests/db_rows.py: the rows of a database written back as they were read, on SQLite and PostgreSQL (the demo the
axe audit and the touch-target sweep read is built once a run and written back for the next: CI time,
docs/decisions.md, 2026-12-07)."""

from __future__ import annotations

import pickle

import pytest

from minsheng.accounts.models import User
from minsheng.board import actions, search
from minsheng.board.models import Message

from . import db_rows
from .conftest import build_directory, build_personas, make_user


def _rows(saved: dict) -> dict:
    return {table: (columns, sorted(map(repr, rows))) for table, columns, rows in saved["tables"]}


@pytest.mark.django_db(transaction=True)
def test_rows_written_back_are_those_read_and_the_site_goes_on_from_them():
    d = build_directory()
    people = build_personas(d)
    for title in ("老旧小区加装电梯", "路灯不亮"):  # a message's row, its event, its full-text terms
        actions.do_submit(people["citizen"], title=title, body="小区门口路灯坏了两个月, 晚上出行很不方便。",
                          kind="help", region=d["chengguan"], topic=d["topic_build"])
    saved = pickle.loads(pickle.dumps(db_rows.save()))  # as a test of another worker reads them from the file
    title = Message.objects.order_by("pk").first().title
    found = search.filter_messages(Message.objects.all(), title).count()
    assert found >= 1
    last_user = User.objects.order_by("-pk").first().pk

    Message.objects.filter(pk=Message.objects.order_by("pk").first().pk).delete()  # what a test changes
    User.objects.filter(pk=people["officer"].pk).update(display_name="改过的名字")
    make_user("13700000009")
    db_rows.restore(saved)

    assert _rows(db_rows.save()) == _rows(saved)
    assert User.objects.get(pk=people["officer"].pk).display_name == "住建局张科长"
    # the full-text index (SQLite's table, PostgreSQL's generated column) finds the messages written back
    assert search.filter_messages(Message.objects.all(), title).count() == found
    # new rows take ids after those written back
    assert make_user("13700000010").pk > last_user
