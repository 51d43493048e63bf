"""Open cases' deadlines after a change of the working-day calendar (每年更新节假日, docs/deploy.md §11).

A deadline is computed once, when it is set (``actions``): 签收期限 ``MINSHENG_SIGN_DAYS`` working days
after the assignment (派单, 转办, 重办), 答复期限 ``reply_days(kind)`` working days after the (latest)
dispatch or reopening, plus the days of each extension approved since (an extension adds to the
deadline in force: the same as adding them all to the dispatch). An entry for a date in that span,
added, changed or removed afterwards, would leave the stored deadline on a holiday, or too early.
``recompute_deadlines`` counts them again from the same start with the same number of working days:

- only the deadlines still running: the 答复期限 of a case awaiting a reply (受理, 已派单, 已签收; not
  answered since its dispatch or reopening: an answered case keeps its history and its 按时率), the
  签收期限 of an assignment still active and not signed for, and the 答复期限 of the case's active
  assignments with it (they hold the case's);
- only to a moment still to come: a deadline that moves later may take a case out of 超期 (it was
  overdue only because the holiday was missing); one that would move earlier into the past stays (a
  unit is never made late by a correction it could not see coming); one past before and after stays;
- with ``before`` (the entries before the change, ``deadlines.read_entries``), only a deadline the
  rule gave under that calendar: one set otherwise (e.g. ``MINSHENG_REPLY_DAYS`` changed since its
  dispatch) is left alone. Without it (``minsheng holidays --recompute``, after an upgrade of
  chinese-calendar brought a new year), every running deadline is set to what the calendar in use
  gives.

The 答复期限 of each lead unit that gave a case up (退单, 转办: its part is history) is counted again too, by
the same rule — from the 派单 or 重办 it worked to (the case's events; a 转办 keeps the deadline), the
type's reply days (those of the type it had then, for a case dispatched again as another type) plus the
extensions approved from then until the unit let the case go — past or not, and stored on its
assignment: a miss for good (误期未答复, ``stats.Miss``, judged from these rows: ``facts.let_deadline_pass``)
that was one only for a holiday not entered yet goes (since 2026-12-05; they were kept), and comes back
when the entry is removed; but a unit in time by the deadline it had when it let the case go is never made
late (``_late_before``: its deadline stays; since 2026-12-05). With ``before``, those whose span holds a changed date,
and whose stored deadline the rule gave under it. Without it (since 2026-12-05; --recompute judged no
miss), every one whose stored deadline the rule gave under the calendar in use (it stays) or under the
calendar before chinese-calendar knew its year (``_before_the_package``: weekends alone, the operators'
entries; what an upgrade that brought a new year changed): the calendar before is not known otherwise,
and a deadline set by neither (a reply period changed since, a date the package corrected in a year it
knew) is left alone, as years of history would be re-judged by today's settings, and said
(``Recomputed.unjudged``: the operator looks at those cases by hand).

Each case whose deadlines moved gets an internal event (节假日调整: 「答复期限 2027-01-01 → 2027-01-04」; a
given-up unit's with its name and what became of its miss), which also refreshes its statistics
(``stats.facts``: the open case's deadline, its misses). A case whose own 答复期限 moved has a new
``version`` (a page or script holding the old one is refused, as after any move), and the event says which
(``data["version"]``, since 2026-12-07): the 409 then says the deadline was recomputed, not that someone
acted (``actions.recomputed_since``). Run inside the transaction that changed the
entries; a second run moves nothing.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import deadlines
from .actions import reply_days
from .deadlines import SHANGHAI, due_after, lock_calendar, read_entries
from .models import Assignment, Event, Extension, Message
from .workflow import Status


def _day(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment, SHANGHAI):%Y-%m-%d}"


def _recounted(stored, start, days, before, after):
    """The deadline the calendar now gives ``start`` + ``days``, or None when ``stored`` stays: the
    same, or not the rule's deadline under the calendar it was set by (``before``)."""
    if stored is None or start is None:
        return None
    if before is not None and due_after(start, days, entries=before) != stored:
        return None  # not the rule's deadline under the calendar it was set by
    new = due_after(start, days, entries=after)
    return new if new != stored else None


def _moved(stored, start, days, before, after, now):
    """The new running deadline, or None when ``stored`` stays (``_recounted``; or it would be past)."""
    new = _recounted(stored, start, days, before, after)
    return new if new is not None and new >= now else None


def entries_before_change() -> dict:
    """The entries as they are before a change (``before``), read once the change has the calendar to
    itself (``deadlines.lock_calendar``): two changes at once, or a dispatch meanwhile, each read the
    calendar without the other's entry, and the deadlines kept one of them."""
    lock_calendar()
    return read_entries()


def _bounds(before: dict, after: dict) -> tuple[dt.datetime, dt.datetime]:
    """The first moments of the first and the last date whose entry changed."""
    changed = sorted(day for day in before.keys() | after.keys() if before.get(day) != after.get(day))
    # 0001-01-01's midnight in Beijing is a day before UTC's first: no deadline counts from before its next
    first, last = (
        dt.datetime.combine(max(day, dt.date(1, 1, 2)), dt.time(0), tzinfo=SHANGHAI)
        for day in (changed[0], changed[-1])
    )
    return first, last


def _spanning(before: dict, after: dict) -> Q:
    """The cases with a deadline that may count a date whose entry changed: counted from a day before
    it, due on it or later (a date outside ``start < date <= deadline`` moves no deadline). Without
    it every open case was read and counted twice on each change, one far from any deadline too (an
    admin's save: 8 s with 50,000 open cases)."""
    first, last = _bounds(before, after)
    unsigned = Assignment.objects.filter(
        state=Assignment.State.ACTIVE, signed_at__isnull=True, sign_due_at__gte=first, assigned_at__lt=last
    )
    return Q(due_at__gte=first, dispatched_at__lt=last) | Q(pk__in=unsigned.values("message_id"))


@dataclass(frozen=True)
class Recomputed:
    """What a change of the calendar did: ``cases``, the cases whose running deadlines moved;
    ``unmissed`` and ``missed``, the misses for good (误期未答复, ``stats.Miss``) it took away and made."""

    cases: int = 0
    unmissed: int = 0
    missed: int = 0
    unjudged: tuple[str, ...] = ()  # the cases (编号) of the given-up units left alone (``_given_up``)

    def lines(self) -> list[str]:
        """The command's lines, the admin's messages."""
        changed = self.unmissed + self.missed
        cases = list(dict.fromkeys(self.unjudged))  # a case may have two such units
        shown = cases[:UNJUDGED_SHOWN]
        return [
            f"已重新计算 {self.cases} 件在办留言的期限",
            f"已重新判定 {changed} 个误期未答复"
            + (f" (撤销 {self.unmissed} 个, 新增 {self.missed} 个)" if changed else ""),
        ] + (
            [
                f"{len(self.unjudged)} 个退单或转办单位的答复期限不是按当前或旧版节假日算出的 (如答复期限天数已改), "
                f"未重新判定: {'、'.join(shown)}{' 等' if len(cases) > len(shown) else ''}"
            ]
            if self.unjudged
            else []
        )


UNJUDGED_SHOWN = 10


def _before_the_package(after: dict) -> dict:
    """The calendar in use as it read before chinese-calendar knew its years: weekends alone, the
    operators' entries winning (one of the calendars a given-up unit's deadline may have been set by,
    without the calendar before: ``--recompute`` after an upgrade that brought a new year)."""
    weekdays = {}
    for year in deadlines.CALENDAR_YEARS:
        day = dt.date(year, 1, 1)
        while day.year == year:
            weekdays[day] = day.weekday() < 5
            day += dt.timedelta(days=1)
    return {**weekdays, **after}


def _given_up(after: dict, befores: list[dict], bounds: tuple | None = None) -> tuple[dict, dict, list]:
    """The 答复期限 of the lead units that gave a case up (退单, 转办), counted again (module docstring):
    ({new deadline: assignment ids}, {message id: [(unit id, change)]}, [message id of each left alone]).
    ``befores``: the calendars its stored deadline may have been set by (one not the rule's under any of
    them stays, and is said: the operator may look at it by hand); ``bounds``: the
    first and last changed dates (``_bounds``), those whose span holds one alone (None: all). Its start,
    the 派单 or 重办 before the assignment (the events hold it: a 转办 keeps the deadline it got), the
    reply days of the type that gave the stored deadline (the case's now, or the one it was dispatched
    as before a 退单: no event keeps it), and the extensions approved from then until the unit let the
    case go."""
    from minsheng.stats.facts import GIVEN_UP

    given = Assignment.objects.filter(role=Assignment.Role.LEAD, state__in=GIVEN_UP, closed_at__isnull=False)
    if bounds is not None:
        first, last = bounds
        held = Assignment.objects.filter(role=Assignment.Role.LEAD, assigned_at__lt=last).values("message_id")
        given = given.filter(due_at__gte=first, message_id__in=held)
    rows = list(
        given.order_by("message_id", "assigned_at", "pk").values_list(
            "pk", "message_id", "message__kind", "unit_id", "unit__name", "assigned_at", "due_at", "closed_at"
        )
    )
    if not rows:
        return {}, {}, []
    # the cases as a subquery, not a list of ids: --recompute reads every given-up unit's
    ids = given.values("message_id")
    starts = defaultdict(list)
    for mid, at in (
        Event.objects.filter(message_id__in=ids, kind__in=(Event.Kind.DISPATCHED, Event.Kind.REOPENED))
        .order_by("at")
        .values_list("message_id", "at")
    ):
        starts[mid].append(at)
    approved = defaultdict(list)
    for mid, days, decided in Extension.objects.filter(
        assignment__message_id__in=ids, state=Extension.State.APPROVED, decided_at__isnull=False
    ).values_list("assignment__message_id", "days", "decided_at"):
        approved[mid].append((decided, days))
    moved = defaultdict(list)
    changes = defaultdict(list)
    late = []  # (row, new deadline): made late by the change, unless it was late when it let the case go
    unjudged = []
    for row in rows:
        pk, mid, kind, unit_id, unit, assigned, due, closed = row
        start = max((at for at in starts[mid] if at <= assigned), default=None)
        if start is None:  # no 派单 or 重办 in its history (rows made without the actions): no start known
            continue
        extended = sum(n for at, n in approved[mid] if start <= at <= closed)
        # the type's reply days, or another type's: a case dispatched again after the 退单 as another
        # type (求助 → 投诉) has the new type, and the unit's deadline was the old one's. Each calendar in
        # ``befores``' order, every period under the first (the one in use: it stays) before the next:
        # the new type's days under weekends alone could give the date another's gave under the calendar
        # in use (five holidays, 10 days against 15), and a --recompute that changed nothing moved it
        days = next(
            (
                n + extended
                for before in befores
                for n in dict.fromkeys([reply_days(kind), *settings.MINSHENG_REPLY_DAYS.values()])
                if due_after(start, n + extended, entries=before) == due
            ),
            None,
        )
        if days is None:
            unjudged.append(mid)
            continue
        new = due_after(start, days, entries=after)
        if new < closed <= due:
            late.append((row, new))
        elif new != due:
            moved[new].append(pk)
            changes[mid].append((unit_id, _given_up_change(row, new)))
    for row, new in _late_before(late):
        moved[new].append(row[0])
        changes[row[1]].append((row[3], _given_up_change(row, new)))
    return moved, changes, unjudged


def _given_up_change(row, new) -> dict:
    """A given-up unit's deadline moved, as the case history keeps it (``assignment``: whose, for
    ``_late_before``)."""
    pk, _mid, _kind, _unit_id, unit, _assigned, due, _closed = row
    return {"what": "答复期限", "unit": unit, "assignment": pk, "from": _day(due), "to": _day(new)}


def _late_before(late: list) -> list:
    """Of the given-up units a new deadline would make late (``_given_up``: it falls before the moment the
    unit let the case go, and the stored one after it), those that were late already by the deadline they
    had then: the first of its 答复期限 a correction moved since (the case's history), else the stored one. A unit in time by the calendar in force when it let the case go is never made late by a correction
    (an entry removed, a 调休 brought by the package: its deadline stays; since 2026-12-05). One query, for
    these cases alone."""
    if not late:
        return []
    events = defaultdict(list)
    for mid, data in (
        Event.objects.filter(message_id__in={row[1] for row, _new in late}, kind=Event.Kind.DEADLINE_MOVED)
        .order_by("at", "pk")
        .values_list("message_id", "data")
    ):
        events[mid].append(data or {})
    kept = []
    for row, new in late:
        pk, mid, _kind, _unit_id, _unit, _assigned, due, closed = row
        had = next(
            (
                change.get("from")
                for data in events[mid]
                for change in data.get("changes") or ()
                if change.get("assignment") == pk
            ),
            _day(due),
        )
        if _day(closed) > had:  # late then already (the deadline is the end of its day)
            kept.append((row, new))
    return kept


def _misses(ids) -> set[tuple[int, int]]:
    """(message, unit) of each miss for good of these cases, as the statistics judge it from their rows."""
    from minsheng.stats.facts import compute_facts

    if not ids:
        return set()
    return {(mid, unit) for mid, fact in compute_facts(ids).items() for unit in fact.misses}


def _judged(changes: dict, was: set, judged: set) -> None:
    """Say on each change of a given-up unit's 答复期限 whether it took the unit's miss away or made one."""
    for mid, listed in changes.items():
        for unit_id, change in listed:
            if (mid, unit_id) in was - judged:
                change["miss"] = "撤销"
            elif (mid, unit_id) in judged - was:
                change["miss"] = "新增"


def recompute_deadlines(before: dict | None = None, *, actor=None, cause: str = "", now=None) -> Recomputed:
    """Move the running deadlines of open cases to the calendar in use, and judge again the misses of
    the units that gave a case up (module docstring); returns what it did. ``cause``: what changed,
    for the case history."""
    now = now or timezone.now()
    lock_calendar()  # (--recompute: the caller's other changes hold it already)
    after = read_entries()
    if before == after:
        return Recomputed()
    running = Message.objects.filter(
        status__in=Status.handling(),
        replied_at__isnull=True,
        due_at__isnull=False,
        dispatched_at__isnull=False,
    )
    if before is not None:
        running = running.filter(_spanning(before, after))
    with transaction.atomic():
        messages = list(
            running.select_for_update()
            .only("pk", "kind", "version", "dispatched_at", "due_at")
            .order_by("pk")
        )
        ids = [m.pk for m in messages]
        extra = defaultdict(int)  # approved extension days since the case's dispatch or reopening
        dispatched = {m.pk: m.dispatched_at for m in messages}
        for mid, days, decided in Extension.objects.filter(
            assignment__message_id__in=ids, state=Extension.State.APPROVED
        ).values_list("assignment__message_id", "days", "decided_at"):
            if decided is not None and decided >= dispatched[mid]:
                extra[mid] += days
        active = defaultdict(list)
        for a in (
            Assignment.objects.filter(message_id__in=ids, state=Assignment.State.ACTIVE)
            .select_related("unit")
            .order_by("assigned_at", "pk")
        ):
            active[a.message_id].append(a)
        moved_due = defaultdict(list)  # the new deadline: the cases, then the assignments, set to it
        moved_assignments = defaultdict(list)
        moved_sign = defaultdict(list)
        events = {}  # message id: its changes
        versions = {}  # message id: the version its moved 答复期限 gives it (actions.recomputed_since)
        for m in messages:
            changes = []
            new_due = _moved(m.due_at, m.dispatched_at, reply_days(m.kind) + extra[m.pk], before, after, now)
            if new_due is not None:
                changes.append({"what": "答复期限", "from": _day(m.due_at), "to": _day(new_due)})
                moved_due[new_due].append(m.pk)
                versions[m.pk] = m.version + 1  # the row is locked: the UPDATE below gives it this one
            for a in active[m.pk]:
                if new_due is not None and a.due_at == m.due_at:
                    moved_assignments[new_due].append(a.pk)
                new_sign = (
                    None
                    if a.signed_at is not None
                    else _moved(a.sign_due_at, a.assigned_at, settings.MINSHENG_SIGN_DAYS, before, after, now)
                )
                if new_sign is not None:
                    moved_sign[new_sign].append(a.pk)
                    changes.append(
                        {
                            "what": "签收期限",
                            "unit": a.unit.name,
                            "from": _day(a.sign_due_at),
                            "to": _day(new_sign),
                        }
                    )
            if changes:
                events[m.pk] = changes
        cases = len(events)
        given_up, gave_up, unjudged = (
            _given_up(after, [after, _before_the_package(after)])
            if before is None
            else _given_up(after, [before], _bounds(before, after))
        )
        was = _misses(gave_up)  # before the deadlines move
        # one UPDATE per new deadline (the cases dispatched on one day share it), not one per case
        for due, pks in moved_due.items():
            Message.objects.filter(pk__in=pks).update(due_at=due, version=F("version") + 1)
        for due, pks in moved_assignments.items():
            Assignment.objects.filter(pk__in=pks).update(due_at=due)
        for due, pks in moved_sign.items():
            Assignment.objects.filter(pk__in=pks).update(sign_due_at=due)
        for due, pks in given_up.items():
            Assignment.objects.filter(pk__in=pks).update(due_at=due)
        judged = _misses(gave_up)
        _judged(gave_up, was, judged)
        for mid, listed in gave_up.items():
            events.setdefault(mid, []).extend(change for _unit, change in listed)
        for mid, changes in sorted(events.items()):
            # saved one by one: each Event refreshes its case's statistics (and misses) after the commit
            Event.objects.create(
                message_id=mid,
                kind=Event.Kind.DEADLINE_MOVED,
                actor=actor,
                public=False,
                at=now,
                data={
                    "changes": changes,
                    **({"cause": cause} if cause else {}),
                    **({"version": versions[mid]} if mid in versions else {}),
                },
            )
    numbers = dict(Message.objects.filter(pk__in=unjudged).values_list("pk", "public_id")) if unjudged else {}
    return Recomputed(cases, len(was - judged), len(judged - was), tuple(numbers[mid] for mid in unjudged))


def saved_cause(row, created: bool, was: dt.date | None = None) -> str:
    """The cause an entry saved gives in the case history: 「添加 2027-01-01 休息日/节假日 (元旦)」,
    「修改为 …」, or 「删除 2027-01-01 的节假日调整, 添加 …」 for one moved to another date (``was``: its
    date before; it read as the new entry alone, and a case moved by the date it left named a date it
    does not count)."""
    if created:
        return f"添加 {row}"
    if was is not None and was != row.date:
        return f"删除 {was:%Y-%m-%d} 的节假日调整, 添加 {row}"
    return f"修改为 {row}"


# a given-up unit's 答复期限 moved (``_judged``): what became of its miss
MISS_WORDS = {"撤销": "不再计为误期未答复", "新增": "计为误期未答复"}


def change_words(data: dict) -> str:
    """The case history's line for a DEADLINE_MOVED event: 「答复期限 2027-01-01 → 2027-01-04; …」, a
    given-up unit's 「答复期限 (兰州市住房和城乡建设局) 2027-01-05 → 2027-01-06 (不再计为误期未答复)」."""
    parts = [
        f"{c.get('what', '期限')}"
        + (f" ({c['unit']})" if c.get("unit") else "")
        + f" {c.get('from', '')} → {c.get('to', '')}"
        + (f" ({MISS_WORDS[c['miss']]})" if c.get("miss") in MISS_WORDS else "")
        for c in data.get("changes") or ()
    ]
    if data.get("cause"):
        parts.append(f"原因: {data['cause']}")
    return "; ".join(parts)
