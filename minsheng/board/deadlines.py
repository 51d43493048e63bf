"""Working-day arithmetic with Chinese public holidays and make-up working days (调休).

A deadline of N working days from a moment is the end (23:59:59 local time) of the
N-th working day after that moment's local date; the start day itself never counts.
Outside the years chinese-calendar knows, weekends alone are non-working — unless an operator
entered the year's holidays and make-up working days (``board.CalendarDay``, 每年更新节假日 in
docs/deploy.md): an entry for a date wins over chinese-calendar.

Each process keeps the entries in memory. It asks the database whether they changed (a count,
the highest id and the latest 修改时间: one small query) at most once every
``CALENDAR_CHECK_SECONDS``; a change saved in the same process (the admin, ``minsheng holidays``)
is seen at once, one saved by another process within that time, and a deadline about to be stored
(派单, 转办, 重办, 延期) asks at once (``calendar_to_store``).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

from chinese_calendar.constants import holidays as HOLIDAYS
from chinese_calendar.constants import workdays as MAKEUP_WORKDAYS
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")
# the years chinese-calendar knows (as its own check reads them, on every call: that check cost
# 0.1-0.3 ms a day, and the statistics' working-day index of every day since 2000 took 1.3-3.5 s,
# the first /stats/overdue/ of each worker)
CALENDAR_YEARS = range(min(HOLIDAYS).year, max(HOLIDAYS).year + 1)

CALENDAR_CHECK_SECONDS = 30


def clock(now=None) -> dt.datetime:
    """The moment a case is late as of: the start of the current minute, or ``now`` exactly where given. One rule
    for every page, figure, list, export and API answer that says 超期 (``Message.is_overdue``, the inbox's tabs,
    the staff API's ``?overdue=``, the 督办 page, the statistics), so none says a case due this minute is late while
    another does not: since 2026-12-07; before, the staff API, the inbox and the case page read the exact second
    beside the statistics' and the 督办 page's minute. The minute lets one minute's requests share one cache entry
    of the figures; an explicit ``now`` is used (and keyed) exactly. The lists behind the figures (/stats/list/,
    /stats/overdue/, their exports, the API's) read the same minute since 2026-12-06."""
    if now is not None:
        return now
    return minute_of(timezone.now())


def minute_of(t: dt.datetime) -> dt.datetime:
    """``t`` at the start of its minute: ``clock``'s rounding, for a moment other than now (a notice dated as the
    decision it tells of, ``notify.extension_decided``)."""
    return t.replace(second=0, microsecond=0)


class _Entries:
    """The operators' calendar entries, {date: is a working day}, as this process last read them."""

    def __init__(self):
        self.lock = threading.Lock()
        self.days: dict[dt.date, bool] = {}
        self.version = None
        self.checked = -float("inf")  # time.monotonic() of the last look at the database
        self.generation = 0  # +1 whenever ``days`` changes: the indexes built on it start again

    def current(self) -> dict[dt.date, bool]:
        if time.monotonic() - self.checked < CALENDAR_CHECK_SECONDS:
            return self.days
        with self.lock:
            if time.monotonic() - self.checked >= CALENDAR_CHECK_SECONDS:
                self._read()
        return self.days

    def _read(self):
        from django.db.models import Count, Max

        from .models import CalendarDay

        version = tuple(
            CalendarDay.objects.aggregate(n=Count("id"), top=Max("id"), at=Max("updated_at")).values()
        )
        if version != self.version:
            self.set(read_entries())
            self.version = version
        self.checked = time.monotonic()

    def set(self, days: dict[dt.date, bool]):
        if days != self.days:
            self.days = days
            self.generation += 1


_ENTRIES = _Entries()


def read_entries() -> dict[dt.date, bool]:
    """The operators' entries as the database holds them now, {date: is a working day}: the calendar
    before or after a change (``recompute.recompute_deadlines``), whatever this process has in memory."""
    from .models import CalendarDay

    return {row.date: row.kind == CalendarDay.Kind.WORKDAY for row in CalendarDay.objects.all()}


def calendar_changed(**kwargs):
    """The entries were saved or deleted in this process (a signal receiver): read them again on the
    next call, not after ``CALENDAR_CHECK_SECONDS``."""
    _ENTRIES.checked = -float("inf")


# PostgreSQL advisory lock: a change of the entries (with the deadlines it moves) and the storing of a
# deadline wait for one another; SQLite runs one writing transaction at a time already (IMMEDIATE)
CALENDAR_LOCK = 0x6D736864


def lock_calendar(shared: bool = False) -> None:
    """Held to the end of the transaction: ``shared`` by an action storing a deadline, exclusive by a
    change of the entries (``minsheng holidays``, the admin; before it reads the entries it changes)."""
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT pg_advisory_xact_lock{'_shared' if shared else ''}(%s)", [CALENDAR_LOCK])


def calendar_to_store() -> None:
    """A deadline about to be stored (``actions``: 派单, 转办, 重办, 延期; first in its transaction): wait
    for a change of the entries being saved, then ask the database (one small query), not after
    ``CALENDAR_CHECK_SECONDS``. A case dispatched by another worker in the seconds after (or while)
    an entry was saved kept the old calendar's deadline, and no recomputation moved it (``recompute``:
    not the rule's deadline under the calendar it reads as the one before a change)."""
    lock_calendar(shared=True)
    calendar_changed()


def calendar_generation() -> int:
    """A number that changes whenever the entries in use change (``facts.WORKDAYS`` starts again)."""
    _ENTRIES.current()
    return _ENTRIES.generation


def is_working_day(day: dt.date, entries: dict[dt.date, bool] | None = None) -> bool:
    """``chinese_calendar.is_workday``: a weekday that is no public holiday, or a make-up working
    day (调休); in a year the package does not cover yet, weekends alone are non-working. An
    operator's entry for the date (``board.CalendarDay``) wins over both; ``entries``: other
    entries than those in use (``read_entries``: the calendar before a change)."""
    if isinstance(day, dt.datetime):
        day = day.date()
    entry = (_ENTRIES.current() if entries is None else entries).get(day)
    if entry is not None:
        return entry
    if day.year not in CALENDAR_YEARS:
        return day.weekday() < 5
    return day in MAKEUP_WORKDAYS or (day.weekday() < 5 and day not in HOLIDAYS)


def add_working_days(start: dt.date, days: int, entries: dict[dt.date, bool] | None = None) -> dt.date:
    """The date of the ``days``-th working day after ``start`` (days >= 0); ``entries``: as for
    ``is_working_day``."""
    if days < 0:
        raise ValueError("days must be >= 0")
    day = start
    remaining = days
    while remaining:
        day += dt.timedelta(days=1)
        if is_working_day(day, entries):
            remaining -= 1
    return day


def due_after(
    moment: dt.datetime, days: int, tz: dt.tzinfo = SHANGHAI, entries: dict[dt.date, bool] | None = None
) -> dt.datetime:
    """End of the ``days``-th working day after ``moment`` (aware datetime); ``entries``: as for
    ``is_working_day``."""
    local = moment.astimezone(tz)
    day = add_working_days(local.date(), days, entries)
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


# how long a process keeps the latest deadline of the open cases (``unentered_years``): one small query
LATEST_DUE_SECONDS = 300


def _latest_open_due() -> dt.date | None:
    """The local date of the latest 答复期限 of a case awaiting a reply (受理, 已派单, 已签收), from the cache
    (``LATEST_DUE_SECONDS``): one small query when it has none."""
    from django.core.cache import cache
    from django.db.models import Max

    from .models import Message
    from .workflow import Status

    latest = cache.get("minsheng:calendar:latest-due", "unknown")
    if latest == "unknown":
        top = Message.objects.filter(status__in=Status.handling(), due_at__isnull=False).aggregate(
            top=Max("due_at")
        )["top"]
        latest = top.astimezone(SHANGHAI).date() if top else None
        cache.set("minsheng:calendar:latest-due", latest, LATEST_DUE_SECONDS)
    return latest


def unentered_years(today: dt.date | None = None) -> list[int]:
    """The years deadlines can reach that nobody has given the holidays of (每年更新节假日, docs/deploy.md
    §11): this year, the next from 1 November (the State Council publishes it then, and cases dispatched
    from December are due in it), and each year up to the latest 答复期限 of an open case — those that
    chinese-calendar does not know and that hold no operator's 节假日 entry (``board.CalendarDay`` of the kind
    休息日/节假日; 调休上班日 alone do not make a year entered: its holidays are what is missing). In those
    years weekends alone are non-working: 元旦 and the Spring Festival count as working days. The entries
    in memory and the cached latest deadline: no query most of the time."""
    today = today or dt.datetime.now(SHANGHAI).date()
    last = today.year + 1 if today.month >= 11 else today.year
    latest = _latest_open_due()
    if latest is not None:
        last = max(last, latest.year)
    return [year for year in range(today.year, last + 1) if not year_known(year)]


def _entered_years() -> set[int]:
    return {day.year for day, working in _ENTRIES.current().items() if not working}


def year_known(year: int) -> bool:
    """Whether deadlines in ``year`` skip its holidays: chinese-calendar knows it, or it holds at least
    one operator's 节假日 entry (``unentered_years``)."""
    return year in CALENDAR_YEARS or year in _entered_years()


def unentered_warning(years: list[int]) -> str:
    """What the admin, the supervisors' pages, ``minsheng holidays --list`` and ``minsheng check`` say of
    ``unentered_years`` (an empty string for none)."""
    if not years:
        return ""
    return (
        f"{'、'.join(map(str, years))} 年的法定节假日尚未录入: 期限暂按周末计算, 元旦、春节等将被算作工作日。"
        "请在「节假日调整」中录入国务院公布的安排"
    )
