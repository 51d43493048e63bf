"""A refresh of many hotspots commits in turns: in the embedded default (SQLite, one write lock for the whole
database, taken at each transaction's start) each turn holds the lock about ``REFRESH_HOLD``, so a citizen's post
waits little for it; a refresh interrupted half-way is completed by the next pass, with the figures of one that was
not."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.db import DatabaseError, connection
from django.utils import timezone

from minsheng.insight import hotspots_service
from minsheng.insight.models import Hotspot

from .test_hotspot_pages import citizens, fresh_index, post

__all__ = ["fresh_index"]  # the hotspot tests' fixture (autouse: an empty index)

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
