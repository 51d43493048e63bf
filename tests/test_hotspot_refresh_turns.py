"""A refresh of many hotspots commits in turns: in the embedded default (SQLite, one write lock for the whole
database, taken at each transaction's start) each turn holds the lock about ``REFRESH_HOLD``, so a citizen's post
waits little for it; a refresh interrupted half-way is completed by the next pass, with the figures of one that was
not."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from minsheng.insight import hotspots_service
from minsheng.insight.models import Hotspot

from .test_hotspot_pages import OTHER_LIFT, citizens, fresh_index, lift_hotspot, post

__all__ = ["fresh_index", "lift_hotspot"]  # the hotspot tests' fixtures (the first autouse: an empty index)

PLACES = ["幸福家园小区", "阳光花园小区", "金桂苑", "翠湖新村", "望月家园", "书香花园", "丽景苑", "紫荆新村"]
PROBLEMS = ["电梯经常故障停运", "门口垃圾堆积无人清运", "夜间施工噪音扰民"]
SHOWN = ("message_count", "public_count", "citizen_count", "unresolved_count", "title", "place", "chronic",
         "needs_coordination", "units", "topics")


def _hotspots(directory, personas, at=None) -> tuple[list, list[int]]:
    texts = [(f"{place}{problem}", f"{place}{problem}, 已经一个多月了, 请有关部门尽快处理。")
             for place in PLACES for problem in PROBLEMS]
    letters = [post(author, title, body, directory["chengguan"], personas["dispatcher"], at=at)
               for author, (title, body) in zip(citizens(len(texts)), texts, strict=True)]
    for letter in letters:
        hotspots_service.place_message(letter)
    pks = sorted(Hotspot.objects.values_list("pk", flat=True))
    assert len(pks) > 12
    return letters, pks


def _shown() -> dict:
    return {h["pk"]: h for h in Hotspot.objects.values("pk", *SHOWN)}


def _stale() -> None:
    """Figures a refresh corrects (as after a topic or region renamed: what the hotspots read moved)."""
    Hotspot.objects.update(message_count=0, citizen_count=0, place="")


def test_a_large_refresh_holds_sqlites_write_lock_in_short_turns(directory, personas, monkeypatch):
    """A refresh of many hotspots (a topic or region renamed: hundreds) read and saved 200 a transaction, and on
    SQLite each held the one write lock for seconds, a citizen's post waiting meanwhile. Now each turn takes as many
    as hold it about ``REFRESH_HOLD`` (here 0.1 s at 20 ms a hotspot: 5), with the same figures as one turn."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL locks the hotspots' rows, not the database: REFRESH_CHUNK a turn")
    _letters, pks = _hotspots(directory, personas)
    expected = _shown()
    _stale()
    readings = hotspots_service._readings
    monkeypatch.setattr(hotspots_service, "_readings",
                        lambda hotspots, now: time.sleep(0.02 * len(hotspots)) or readings(hotspots, now))
    monkeypatch.setattr(hotspots_service, "REFRESH_HOLD", 0.1, raising=False)
    monkeypatch.setattr(hotspots_service, "REFRESH_IN_PLACE", 10)  # a refresh of 22 runs after the response
    turns = []
    refresh_many = hotspots_service.refresh_many
    monkeypatch.setattr(hotspots_service, "refresh_many",
                        lambda chunk, *args, **kwargs: turns.append(len(chunk)) or refresh_many(chunk, *args, **kwargs))
    hotspots_service.refresh_hotspot(*pks)
    assert sum(turns) == len(pks) and len(turns) > 1
    assert turns[0] <= hotspots_service.REFRESH_FIRST and max(turns[1:]) <= 6, turns
    assert _shown() == expected
    assert not Hotspot.objects.filter(refresh_queued_at__isnull=False).exists()


def test_a_refresh_interrupted_half_way_is_completed_by_the_next_pass(directory, personas, monkeypatch):
    """A refresh of many hotspots stopped after its first turn (the worker stopped, the database gone): the hotspots
    not reached kept wrong figures, released from the queue, and the hourly pass leaves a hotspot older than its
    horizon alone, so nothing refreshed them again. Now a hotspot stays claimed until its turn has begun, and the next
    pass (``refresh-hotspots``, hourly) refreshes those whose claim is lost, whatever their age: the figures of a
    refresh never stopped."""
    long_ago = timezone.now() - dt.timedelta(days=hotspots_service.window_days() + hotspots_service.chronic_days() + 30)
    letters, pks = _hotspots(directory, personas, at=long_ago)
    expected = _shown()
    _stale()
    monkeypatch.setattr(hotspots_service, "REFRESH_CHUNK", 4)
    turns = []
    readings = hotspots_service._readings

    def stopped(hotspots, now):
        turns.append([h.pk for h in hotspots])
        if len(turns) == 2:  # the second turn's reading of its members
            raise DatabaseError("the database went away")
        return readings(hotspots, now)

    monkeypatch.setattr(hotspots_service, "_readings", stopped)
    hotspots_service.queue_refresh(messages=[m.pk for m in letters])
    monkeypatch.setattr(hotspots_service, "_readings", readings)
    shown = _shown()
    assert len(turns) == 2 and [pk for pk in pks if shown[pk] == expected[pk]] == turns[0]  # the first turn alone
    hotspots_service.refresh(now=timezone.now() + hotspots_service.REFRESH_CLAIM + dt.timedelta(minutes=1))
    assert _shown() == expected
    assert not Hotspot.objects.filter(refresh_queued_at__isnull=False).exists()


@pytest.mark.django_db(transaction=True)
def test_two_refreshes_giving_up_the_claims_of_overlapping_hotspots_do_not_deadlock(lift_hotspot, directory, personas):
    """A queued refresh and the hourly pass refreshing the same two hotspots, each giving up the queue claim of
    another of them (the hourly pass gives up only the claims it finds lost): each took its claim's row with the
    UPDATE before locking the rest in the order of their ids, so each held a row the other then waited for, and
    PostgreSQL rolled one back (deadlock detected): its hotspots kept their old figures."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks between threads need PostgreSQL (SQLite test database is in-memory)")
    first, _ = lift_hotspot
    other = post(personas["citizen"], *OTHER_LIFT, directory["chengguan"], personas["dispatcher"])
    second = hotspots_service.place_message(other)
    assert second != first
    pks = sorted([first.pk, second.pk])
    Hotspot.objects.filter(pk__in=pks).update(refresh_queued_at=timezone.now(), support_count=999)
    both_released, failed = threading.Barrier(2, timeout=3), []

    def gave_up_a_claim(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if sql.startswith("UPDATE") and "refresh_queued_at" in sql:
            try:
                both_released.wait()  # the other refresh gives up its claim meanwhile, where it can
            except threading.BrokenBarrierError:
                pass
        return result

    def refresh(release):
        try:
            with connection.execute_wrapper(gave_up_a_claim):
                hotspots_service.refresh_many(pks, release=[release])
        except Exception as error:  # noqa: BLE001 - what the test reports
            failed.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=refresh, args=(pk,)) for pk in reversed(pks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert failed == []
    for hotspot in Hotspot.objects.filter(pk__in=pks):
        assert hotspot.refresh_queued_at is None and hotspot.support_count != 999
