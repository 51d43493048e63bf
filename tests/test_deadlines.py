"""Working-day deadlines across the Spring Festival and its make-up working days.

Expected dates are worked out by hand from the State Council's 2026 schedule
(春节: 2月15日至23日放假, 2月14日(周六)、2月28日(周六)上班) and the 2025 one
(国庆中秋: 10月1日至8日放假, 9月28日(周日)、10月11日(周六)上班)."""

import datetime as dt

import pytest

from minsheng.board.deadlines import (
    SHANGHAI,
    add_working_days,
    due_after,
    is_working_day,
    working_days_between,
)


def d(s):
    return dt.date.fromisoformat(s)


def test_make_up_saturday_is_a_working_day_and_holiday_monday_is_not():
    assert is_working_day(d("2026-02-14"))  # Saturday, 调休上班
    assert not is_working_day(d("2026-02-16"))  # Monday in the holiday
    assert not is_working_day(d("2026-02-21"))


@pytest.mark.parametrize(
    "start, days, expected",
    [
        ("2026-02-12", 1, "2026-02-13"),  # Thu → Fri
        ("2026-02-13", 1, "2026-02-14"),  # Fri → the make-up Saturday
        ("2026-02-14", 1, "2026-02-24"),  # the whole holiday is skipped
        ("2026-02-13", 5, "2026-02-27"),  # 14, 24, 25, 26, 27
        ("2026-02-13", 6, "2026-02-28"),  # … and the second make-up Saturday
        ("2025-09-26", 2, "2025-09-29"),  # Fri → Sun 9-28 (调休) → Mon 9-29
        ("2025-09-30", 1, "2025-10-09"),  # National Day holiday skipped
    ],
)
def test_add_working_days(start, days, expected):
    assert add_working_days(d(start), days) == d(expected)


def test_due_after_is_end_of_local_day_regardless_of_utc_date():
    # 2026-02-12 23:30 in Shanghai is still the 12th locally (15:30 UTC)
    moment = dt.datetime(2026, 2, 12, 15, 30, tzinfo=dt.UTC)
    due = due_after(moment, 1)
    assert due == dt.datetime(2026, 2, 13, 23, 59, 59, tzinfo=SHANGHAI)


def test_ten_working_days_across_the_festival():
    moment = dt.datetime(2026, 2, 10, 9, 0, tzinfo=SHANGHAI)
    # 11, 12, 13, 14, 24, 25, 26, 27, 28, Mar 2
    assert due_after(moment, 10).date() == d("2026-03-02")


def test_working_days_between_counts_only_working_days():
    a = dt.datetime(2026, 2, 13, 10, 0, tzinfo=SHANGHAI)
    b = dt.datetime(2026, 2, 25, 10, 0, tzinfo=SHANGHAI)
    assert working_days_between(a, b) == 3  # 14, 24, 25


def test_negative_days_refused():
    with pytest.raises(ValueError):
        add_working_days(d("2026-01-05"), -1)


def test_every_day_the_calendar_knows_is_read_as_chinese_calendar_reads_it():
    """``is_working_day`` reads the package's tables itself (see the next test): the same answer as
    ``chinese_calendar.is_workday`` for every day of every year it covers, weekends alone beyond."""
    import chinese_calendar

    from minsheng.board.deadlines import CALENDAR_YEARS

    day, last = dt.date(CALENDAR_YEARS.start, 1, 1), dt.date(CALENDAR_YEARS.stop - 1, 12, 31)
    while day <= last:
        assert is_working_day(day) == chinese_calendar.is_workday(day), day
        day += dt.timedelta(days=1)
    assert is_working_day(dt.date(CALENDAR_YEARS.stop, 1, 4)) and not is_working_day(dt.date(CALENDAR_YEARS.stop, 1, 3))
    assert is_working_day(dt.datetime(2026, 2, 14, 9))  # a moment: its date


def test_the_statistics_working_day_index_fills_from_tables_read_once(monkeypatch):
    """/stats/overdue/ says how many working days each case is late from an index of every day
    since 2000 (``facts.WORKDAYS``), filled on a worker's first use. Asking chinese-calendar day by
    day (its year check on every call) made that fill 1.3-3.5 s, the first overdue list of each
    worker; the fill reads its tables once, and the operators' entries at most once.
    (Counted, not timed: a timed assertion failed CI on a loaded machine, 2026-12-08.)"""
    import chinese_calendar

    from minsheng.board import deadlines
    from minsheng.stats.facts import WorkdayIndex

    def per_day(*args, **kwargs):
        raise AssertionError("chinese-calendar asked day by day")

    for name in ("is_workday", "is_holiday", "get_holiday_detail", "is_in_lieu"):
        monkeypatch.setattr(chinese_calendar, name, per_day)
    import time

    reads = []

    def read_once_a_while():
        reads.append(1)
        deadlines._ENTRIES.checked = time.monotonic()

    monkeypatch.setattr(deadlines._ENTRIES, "_read", read_once_a_while)
    monkeypatch.setattr(deadlines._ENTRIES, "checked", -float("inf"))

    index = WorkdayIndex()
    assert index.days_between(d("2026-02-13"), d("2026-03-02")) == 7  # the festival and its make-up Saturdays
    index.ordinal(dt.date.today())
    assert len(index._ordinals) > 9000
    assert len(reads) <= 1


def test_the_working_day_index_filled_by_two_threads_at_once_stays_right(monkeypatch):
    """A worker serves each request in a thread (gunicorn gthread): two first overdue lists (or one
    and the warm-up) filling ``facts.WORKDAYS`` at once could both append the same day, every later
    day's ordinal then one off — 超期天数 and the days to reply of the facts written by that process
    a working day wrong until it restarts."""
    import threading

    from minsheng.stats import facts

    index, met, calendar = facts.WorkdayIndex(), threading.Barrier(2), facts.is_working_day
    day_seen = d("2000-01-05")

    def slow(day):
        if day == day_seen:  # both threads at the same day of the fill, if nothing keeps them apart
            try:
                met.wait(timeout=0.5)
            except threading.BrokenBarrierError:
                pass
        return calendar(day)

    monkeypatch.setattr(facts, "is_working_day", slow)
    last = d("2000-03-01")
    threads = [threading.Thread(target=index.ordinal, args=(last,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    monkeypatch.setattr(facts, "is_working_day", calendar)
    right = facts.WorkdayIndex()
    for later in (last, d("2000-06-01"), d("2026-12-04")):  # and the days filled after
        assert index.days_between(d("2000-01-03"), later) == right.days_between(d("2000-01-03"), later), later
