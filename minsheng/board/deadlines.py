"""Working-day arithmetic with Chinese public holidays and make-up working days (调休).

A deadline of N working days from a moment is the end (23:59:59 local time) of the
N-th working day after that moment's local date; the start day itself never counts.
Outside the years chinese-calendar knows, weekends alone are non-working.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from chinese_calendar.constants import holidays as HOLIDAYS
from chinese_calendar.constants import workdays as MAKEUP_WORKDAYS

SHANGHAI = ZoneInfo("Asia/Shanghai")
# the years chinese-calendar knows (as its own check reads them, on every call: that check cost
# 0.1-0.3 ms a day, and the statistics' working-day index of every day since 2000 took 1.3-3.5 s,
# the first /stats/overdue/ of each worker)
CALENDAR_YEARS = range(min(HOLIDAYS).year, max(HOLIDAYS).year + 1)


def is_working_day(day: dt.date) -> bool:
    """``chinese_calendar.is_workday``: a weekday that is no public holiday, or a make-up working
    day (调休); in a year the package does not cover yet, weekends alone are non-working."""
    if isinstance(day, dt.datetime):
        day = day.date()
    if day.year not in CALENDAR_YEARS:
        return day.weekday() < 5
    return day in MAKEUP_WORKDAYS or (day.weekday() < 5 and day not in HOLIDAYS)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The date of the ``days``-th working day after ``start`` (days >= 0)."""
    if days < 0:
        raise ValueError("days must be >= 0")
    day = start
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def due_after(moment: dt.datetime, days: int, tz: dt.tzinfo = SHANGHAI) -> dt.datetime:
    """End of the ``days``-th working day after ``moment`` (aware datetime)."""
    local = moment.astimezone(tz)
    day = add_working_days(local.date(), days)
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=tz)


def working_days_between(start: dt.datetime, end: dt.datetime, tz: dt.tzinfo = SHANGHAI) -> int:
    """Working days after ``start``'s date up to and including ``end``'s date."""
    a, b = start.astimezone(tz).date(), end.astimezone(tz).date()
    count = 0
    day = a
    while day < b:
        day += dt.timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
