"""Board 0036 and 0038 re-index the messages they choose in batches (``search.reindex``, 2026-12-06), as board 0034
rebuilds scores: each batch read by key and written in a transaction of its own. The rows re-indexed and their text
are those of the one-transaction run before: each chosen message's text is today's indexer's, the others are left as
stored; run again, nothing is written; stopped half-way, the batches written stay and a second run writes the rest."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.board import search
from minsheng.board.models import Message
from minsheng.board.moderation import real_name
from minsheng.board.search import terms_for
from minsheng.insight.text import search_terms
from tests.conftest import make_user

MIGRATIONS = {
    "0036": "minsheng.board.migrations.0036_search_text_without_own_names_ending_as_places",
    "0038": "minsheng.board.migrations.0038_search_text_without_names_ending_as_villages_and_flats_after_de",
}
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "建晓春一大明华国"
# (body, the migrations that choose it): a name introduced beside 路 (0036's place, not 0038's village), beside 村
# (both), a flat after 的 and a dashed number (0038), and a message neither chooses
KINDS = [
    ("我叫{name}路，门前垃圾成堆。", {"0036"}),
    ("我爸爸{name}村在门口倒垃圾。", {"0036", "0038"}),
    ("我住{n}栋的5楼3-12-2024, 门前垃圾成堆。", {"0038"}),
    ("垃圾一周没人清运, 第{n}次反映。", set()),
]
STALE = " 旧 索引 "  # what a message neither migration chooses keeps


def stored(directory, count: int = 320) -> list[Message]:
    """``count`` messages by two citizens (one signs with a person's name, hidden from the index unless shown), each
    with the index an older rule gave (the text unmasked: the names whole), or ``STALE`` where neither re-indexes."""
    authors = [make_user("13800000101", display_name="王建国"), make_user("13800000102", display_name="小李")]
    rows = []
    for i in range(count):
        body, chosen = KINDS[i % len(KINDS)]
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i // len(SURNAMES)) % len(GIVEN)]
        body = body.format(name=name, n=i) + ("王建国反映。" if i % 3 == 0 else "")
        title = f"垃圾{i}号"
        rows.append(Message(
            public_id=f"2026120600{i:04d}", title=title, body=body, kind="help", region=directory["lanzhou"],
            topic=directory["topic_build"], author=authors[i % 2], show_name=i % 5 == 0,
            search_text=" " + " ".join(search_terms(f"{title} {body}")) + " " if chosen else STALE))
    return Message.objects.bulk_create(rows)


def indexed(message: Message) -> str:
    """The index today's indexer gives ``message`` (as the submit form writes it)."""
    names = () if message.show_name else real_name(message.author.display_name)
    return terms_for(message.title, message.body, names)


def chosen_by(migration: str, message: Message) -> bool:
    return migration in KINDS[int(message.public_id[-4:]) % len(KINDS)][1]


class Stopped(Exception):
    pass


def texts() -> dict[int, str]:
    return dict(Message.objects.values_list("pk", "search_text"))


def run(migration: str) -> None:
    """The migration's function as ``migrate`` runs it: in one transaction where the migration is atomic."""
    from django.apps import apps

    module = importlib.import_module(MIGRATIONS[migration])
    with connection.schema_editor(atomic=module.Migration.atomic) as editor:
        module.reindex(apps, editor)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("migration", MIGRATIONS)
def test_the_reindex_in_batches_writes_todays_index_to_the_rows_it_chooses_and_nothing_run_again(
        directory, monkeypatch, migration):
    messages = stored(directory)
    monkeypatch.setattr(search, "REINDEX_BATCH", 7)
    run(migration)
    after = texts()
    chosen = [m for m in messages if chosen_by(migration, m)]
    assert len(chosen) == 160
    for m in messages:
        assert after[m.pk] == (indexed(m) if chosen_by(migration, m) else m.search_text), m.body
    # the author's own name, hidden where not shown, is read as the form reads it
    assert any(after[m.pk] != terms_for(m.title, m.body) for m in chosen)

    with CaptureQueriesContext(connection) as queries:
        run(migration)
    assert texts() == after
    assert not [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("migration", MIGRATIONS)
def test_a_reindex_stopped_half_way_keeps_the_batches_written_and_a_rerun_writes_the_rest(
        directory, monkeypatch, migration):
    messages = stored(directory)
    chosen = sorted((m for m in messages if chosen_by(migration, m)), key=lambda m: m.pk)
    assert sum(m.search_text != indexed(m) for m in chosen[:100]) > 50  # the older index: most are re-written
    monkeypatch.setattr(search, "REINDEX_BATCH", 50)
    calls = []

    def stopped(*args, **kwargs):  # the run stopped (a deploy's timeout, a lost connection) in its third batch
        calls.append(1)
        if len(calls) > 120:
            raise Stopped
        return terms_for(*args, **kwargs)

    monkeypatch.setattr(search, "terms_for", stopped)
    with pytest.raises(Stopped):
        run(migration)
    after = texts()
    assert [after[m.pk] for m in chosen] == [indexed(m) for m in chosen[:100]] + [m.search_text for m in chosen[100:]]

    monkeypatch.setattr(search, "terms_for", terms_for)
    run(migration)
    after = texts()
    assert all(after[m.pk] == (indexed(m) if m in chosen else m.search_text) for m in messages)
