"""Per-message facts and the rollups summed from them.

After every committed action (any ``board.Event`` saved for a message) the message's
fact is recomputed from its stored rows; the difference to the previous fact is
added to the day and month rollup rows, and its open-case row is replaced. The
recomputation is idempotent, so running it twice or after a failure changes nothing.
``rebuild()`` recomputes everything (``minsheng refresh-stats``).

The definitions implemented here are those of docs/statistics.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import threading
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone

from minsheng.board.deadlines import SHANGHAI, calendar_generation, is_working_day
from minsheng.board.models import Assignment, Evaluation, Event, Message, Rating
from minsheng.board.workflow import Status

from .measures import NAMES, SIGN_FOR_CATEGORIES, aggregates_sql, contribution
from .models import CUBES, OFFICE_CUBES, Category, MessageFact, Miss, OpenCase, Rollup, SignFor

log = logging.getLogger(__name__)

DIMENSIONS = ["p1", "p2", "p3", "p4", "unit_key", "topic_key", "kind"]
CATEGORY_OF = {
    Status.SUBMITTED: Category.PENDING,
    Status.REJECTED: Category.REJECTED,
    Status.WITHDRAWN: Category.WITHDRAWN,
    Status.MERGED: Category.MERGED,
}
SATISFIED = {Rating.SATISFIED, Rating.BASIC}
# a lead assignment ended without an answer: 转办 or 退单 (its closed_at is when)
GIVEN_UP = {Assignment.State.TRANSFERRED, Assignment.State.RETURNED}


def let_deadline_pass(state, assigned_at, due_at, closed_at) -> bool:
    """A lead unit gave the case up (退单, 转办) after its deadline passed in its hands: not a unit that
    got it already late (转办 keeps the deadline) and let it go on (LET_DEADLINE_PASS_SQL: the same).
    Before the case's first reply, that is a miss of the unit for good (误期未答复, a ``Miss`` row)."""
    return state in GIVEN_UP and None not in (due_at, closed_at) and assigned_at < due_at < closed_at


def late_on_arrival(active, last) -> bool:
    """The deadline in force of an open case had passed before the unit handling it now (``active``: its
    lead assignment's (state, assigned_at, due_at, closed_at)) got it, or, waiting for dispatch, before
    the last lead unit (``last``) gave it back: a miss already charged to the unit whose hands it passed
    in, so not the holder's (OPEN_CASES_SQL: the same)."""
    if active is not None:
        return active[2] is not None and not active[1] < active[2]
    return last is not None and let_deadline_pass(*last)


# --- working days, fast -------------------------------------------------------------

class WorkdayIndex:
    """``days_between(a, b)`` equals ``deadlines.working_days_between`` for local dates,
    from a cumulative count of working days (one calendar lookup per date, ever)."""

    BASE = dt.date(2000, 1, 1)

    def __init__(self):
        self._ordinals = [0]  # working days in (BASE, BASE + i]
        # a worker's threads (gunicorn gthread, the warm-up) fill it one at a time: two at once appended the
        # same day twice, and every later ordinal was off for the life of the process (before 2026-12-05)
        self._filling = threading.Lock()
        self._generation = None  # of the operators' calendar entries it was filled with

    def ordinal(self, day: dt.date) -> int:
        offset = (day - self.BASE).days
        if offset < 0:
            raise ValueError("before index base")
        generation = calendar_generation()
        if generation != self._generation:  # a holiday or 调休 entered (每年更新节假日): fill it again
            with self._filling:
                if generation != self._generation:
                    self._ordinals, self._generation = [0], generation
        ordinals = self._ordinals
        if len(ordinals) <= offset:
            with self._filling:
                while len(ordinals) <= offset:
                    nxt = self.BASE + dt.timedelta(days=len(ordinals))
                    ordinals.append(ordinals[-1] + (1 if is_working_day(nxt) else 0))
        return ordinals[offset]

    def days_between(self, a: dt.date, b: dt.date) -> int:
        if b <= a:
            return 0
        if a < self.BASE:
            from minsheng.board.deadlines import working_days_between

            return working_days_between(dt.datetime.combine(a, dt.time(12), SHANGHAI),
                                        dt.datetime.combine(b, dt.time(12), SHANGHAI))
        return self.ordinal(b) - self.ordinal(a)


WORKDAYS = WorkdayIndex()


def local_date(moment: dt.datetime) -> dt.date:
    return moment.astimezone(SHANGHAI).date()


def working_days_late(due_at: dt.datetime, now: dt.datetime) -> int:
    """超期天数: the working days after the deadline's date up to ``now``'s, as the deadline
    itself is reckoned (a case due on Friday is 1 day late on Monday, 0 on the weekend)."""
    return WORKDAYS.days_between(local_date(due_at), local_date(now))


def region_prefixes(code: str, level: int) -> dict:
    return {"p1": code[:2], "p2": code[:4] if level >= 2 else "", "p3": code[:6] if level >= 3 else "",
            "p4": code if level >= 4 else ""}


# --- facts ----------------------------------------------------------------------------

@dataclass
class Fact:
    dims: dict
    day: dt.date
    category: str
    replied: bool = False
    on_time: bool = False
    days: int | None = None
    evaluated: bool = False
    satisfied: bool = False
    reopened: bool = False
    extended: bool = False
    is_open: bool = False
    addressee_key: int = 0  # the message's leader's office (models.Addressed), a dimension of the office cubes
    open_case: dict | None = field(default=None, repr=False)
    misses: list[int] = field(default_factory=list, repr=False)  # units that missed it for good (Miss rows)

    def measures(self) -> dict[str, int]:
        """What the fact adds to each measure it counts in (``measures.DECLARED``, the one definition)."""
        return contribution(self)

    def model_fields(self) -> dict:
        return {**self.dims, "day": self.day, "category": self.category, "replied": self.replied,
                "on_time": self.on_time, "days": self.days, "evaluated": self.evaluated,
                "satisfied": self.satisfied, "reopened": self.reopened, "extended": self.extended,
                "is_open": self.is_open, "addressee_key": self.addressee_key}

    @classmethod
    def from_row(cls, row: MessageFact) -> Fact:
        return cls(dims={d: getattr(row, d) for d in DIMENSIONS}, day=row.day, category=row.category,
                   replied=row.replied, on_time=row.on_time, days=row.days, evaluated=row.evaluated,
                   satisfied=row.satisfied, reopened=row.reopened, extended=row.extended, is_open=row.is_open,
                   addressee_key=row.addressee_key)


def compute_facts(message_ids) -> dict[int, Fact]:
    """The facts of the given messages, from their stored rows (5 queries)."""
    ids = list(message_ids)
    if not ids:
        return {}
    messages = Message.objects.filter(pk__in=ids).values_list(
        "pk", "status", "submitted_at", "kind", "topic_id", "region__code", "region__level", "reopen_count",
        "due_at", "addressee_id")
    first_reply: dict[int, tuple] = {}
    for mid, at, unit_id, data in (Event.objects.filter(message_id__in=ids, kind=Event.Kind.REPLIED)
                                   .order_by("at", "id").values_list("message_id", "at", "unit_id", "data")):
        if mid not in first_reply:
            first_reply[mid] = (at, unit_id, bool((data or {}).get("on_time", True)))
    latest_rating: dict[int, str] = {}
    for mid, resolution in (Evaluation.objects.filter(message_id__in=ids).order_by("created_at", "id")
                            .values_list("message_id", "resolution")):
        latest_rating[mid] = resolution
    extended = set(Event.objects.filter(message_id__in=ids, kind=Event.Kind.EXTENSION_APPROVED)
                   .values_list("message_id", flat=True))
    active_lead: dict[int, int] = {}
    latest_lead: dict[int, int] = {}
    active_spell: dict[int, tuple] = {}  # (state, assigned_at, due_at, closed_at) of the active lead
    latest_spell: dict[int, tuple] = {}  # … of the last lead
    missed_by: dict[int, list[int]] = {}  # the lead units that let the deadline pass before the first reply
    for mid, unit_id, state, assigned, due, closed in (
            Assignment.objects.filter(message_id__in=ids, role=Assignment.Role.LEAD).order_by("assigned_at", "id")
            .values_list("message_id", "unit_id", "state", "assigned_at", "due_at", "closed_at")):
        latest_lead[mid] = unit_id
        latest_spell[mid] = (state, assigned, due, closed)
        if state == Assignment.State.ACTIVE:
            active_lead[mid] = unit_id
            active_spell[mid] = latest_spell[mid]
        reply = first_reply.get(mid)
        if let_deadline_pass(state, assigned, due, closed) and (reply is None or closed < reply[0]):
            if unit_id not in missed_by.setdefault(mid, []):
                missed_by[mid].append(unit_id)

    facts = {}
    for mid, status, submitted_at, kind, topic_id, code, level, reopen_count, due_at, addressee_id in messages:
        day = local_date(submitted_at)
        category = CATEGORY_OF.get(status, Category.RECEIVED)
        reply = first_reply.get(mid)
        handler = active_lead.get(mid) or latest_lead.get(mid) or 0
        unit_key = (reply[1] or handler) if reply else handler
        dims = {**region_prefixes(code, level), "unit_key": unit_key or 0, "topic_key": topic_id or 0,
                "kind": kind}
        fact = Fact(dims=dims, day=day, category=category, misses=missed_by.get(mid, []),
                    addressee_key=addressee_id or 0)
        if category == Category.RECEIVED:
            if reply:
                fact.replied = True
                fact.on_time = reply[2]
                fact.days = WORKDAYS.days_between(day, local_date(reply[0]))
            rating = latest_rating.get(mid)
            fact.evaluated = rating is not None
            fact.satisfied = rating in SATISFIED
            fact.reopened = reopen_count > 0
            fact.extended = mid in extended
            if status in Status.handling():
                fact.is_open = True
                fact.open_case = {**dims, "unit_key": active_lead.get(mid, 0), "addressee_key": fact.addressee_key,
                                  "day": day, "due_at": due_at,
                                  "ever_replied": bool(reply),
                                  "late_on_arrival": late_on_arrival(active_spell.get(mid), latest_spell.get(mid))}
        facts[mid] = fact
    return facts


# --- incremental maintenance ------------------------------------------------------------

# a rollup row's dimensions: the fact's, and its message's leader's office (kept in the office cubes alone)
ROLLUP_DIMENSIONS = [*DIMENSIONS, "addressee_key"]
BLANK = {"p1": "", "p2": "", "p3": "", "p4": "", "unit_key": 0, "topic_key": 0, "kind": "", "addressee_key": 0}


def cube_dims(cube: str, dims: dict) -> dict:
    kept = CUBES[cube]
    return {name: (dims[name] if name in kept else BLANK[name]) for name in ROLLUP_DIMENSIONS}


def _rollup_keys(fact: Fact):
    month = fact.day.replace(day=1)
    dims_of_fact = {**fact.dims, "addressee_key": fact.addressee_key}
    for cube in CUBES:
        if cube in OFFICE_CUBES and not fact.addressee_key:
            continue  # written to no office: in the office cubes of none
        dims = cube_dims(cube, dims_of_fact)
        yield {"cube": cube, "grain": Rollup.Grain.DAY, "period": fact.day, "month": month, **dims}
        yield {"cube": cube, "grain": Rollup.Grain.MONTH, "period": month, "month": month, **dims}


# the columns of a rollup row's key (``stats_rollup_cube_key``, the conflict an upsert meets) and its measures
ROLLUP_KEY = ["cube", "grain", "period", *ROLLUP_DIMENSIONS]
ROLLUP_MEASURES = NAMES


def _max_params() -> int:
    if connection.vendor == "postgresql":
        return 65535
    if connection.vendor == "sqlite":
        import sqlite3

        connection.ensure_connection()
        return connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return connection.features.max_query_params or 999


def _add_all(steps: list[tuple[dict, dict]]) -> None:
    """Add each (rollup key, measure deltas) to its row, created if missing: one upsert for the lot (more
    statements only past the database's parameters to a statement), the rows in the order given — ``_diff``'s
    key order, so two refreshes at once lock the rows they share in one order (no deadlock on PostgreSQL) —,
    and one DELETE of the rows left counting no message. Until 2026-12-06 an UPDATE a row, then an INSERT in
    a savepoint where it was missing: up to 4 statements a cell, 320 of the 574 queries of 按建议派单 of 20 cases."""
    if not steps:
        return
    q = connection.ops.quote_name
    table = q(Rollup._meta.db_table)
    columns = [*ROLLUP_KEY, "month", *ROLLUP_MEASURES]  # every measure (no database default), those changed set
    measures = [n for n in ROLLUP_MEASURES if any(n in delta for _, delta in steps)]
    rows = max(1, _max_params() // len(columns))
    adapt = connection.ops.adapt_datefield_value
    emptied = []
    with connection.cursor() as cursor:
        for start in range(0, len(steps), rows):
            chunk = steps[start:start + rows]
            params = []
            for key, delta in chunk:
                params += [key["cube"], key["grain"], adapt(key["period"]), *(key[d] for d in ROLLUP_DIMENSIONS),
                           adapt(key["month"]), *(delta.get(n, 0) for n in ROLLUP_MEASURES)]
            values = ", ".join([f"({', '.join(['%s'] * len(columns))})"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(q(c) for c in columns)}) VALUES {values} "
                f"ON CONFLICT ({', '.join(q(c) for c in ROLLUP_KEY)}) DO UPDATE SET "
                + ", ".join(f"{q(n)} = {table}.{q(n)} + EXCLUDED.{q(n)}" for n in measures)
                + f" RETURNING {q('id')}, {q('submitted')}", params)
            emptied += [pk for pk, submitted in cursor.fetchall() if submitted == 0]
    if emptied:  # a row counting no message at all (its last one moved or went): gone, as a rebuild leaves it
        Rollup.objects.filter(pk__in=emptied, submitted=0).delete()


def _diff(old: Fact | None, new: Fact | None, steps: dict | None = None) -> list[tuple[dict, dict]]:
    """(rollup key, measure deltas) turning the rollups from ``old`` into ``new``;
    keys whose net change is zero are left out (rows are touched in a fixed order).
    ``steps`` accumulates the changes of several messages into one list."""
    steps = {} if steps is None else steps
    for fact, sign in ((old, -1), (new, 1)):
        if fact is None:
            continue
        measures = fact.measures()
        for key in _rollup_keys(fact):
            ident = tuple(sorted((k, str(v)) for k, v in key.items()))
            _, delta = steps.setdefault(ident, (key, {}))
            for name, value in measures.items():
                delta[name] = delta.get(name, 0) + sign * value
    out = []
    for ident in sorted(steps):
        key, delta = steps[ident]
        delta = {n: v for n, v in delta.items() if v}
        if delta:
            out.append((key, delta))
    return out


def _misses(facts: dict[int, Fact]) -> list[Miss]:
    return [Miss(message_id=mid, **{**f.dims, "unit_key": unit}, addressee_key=f.addressee_key, day=f.day)
            for mid, f in facts.items()
            for unit in f.misses]


def refresh_messages(message_ids) -> int:
    """Bring the facts, rollups, open cases and misses of these messages up to date."""
    ids = sorted(set(message_ids))
    if not ids:
        return 0
    with transaction.atomic():
        # Lock the fact rows (and so serialise concurrent refreshes of a message).
        old_rows = {row.pk: row for row in MessageFact.objects.select_for_update().filter(pk__in=ids).order_by("pk")}  # one order: no deadlock
        new_facts = compute_facts(ids)
        steps: dict = {}
        for mid in ids:
            old = Fact.from_row(old_rows[mid]) if mid in old_rows else None
            _diff(old, new_facts.get(mid), steps)
        _add_all(_diff(None, None, steps))  # each rollup row written once, in key order
        # each table's rows written at once, not a message at a time (since 2026-12-06: 签收所选 of 20 cases
        # spent 80 queries here): an upsert, update_or_create's effect (the fields given, updated_at)
        facts = [MessageFact(message_id=mid, **new_facts[mid].model_fields()) for mid in ids if mid in new_facts]
        if facts:
            MessageFact.objects.bulk_create(facts, update_conflicts=True, unique_fields=["message"],
                                            update_fields=[*new_facts[facts[0].message_id].model_fields(), "updated_at"])
        MessageFact.objects.filter(pk__in=[mid for mid in ids if mid not in new_facts]).delete()
        open_cases = [OpenCase(message_id=mid, **new_facts[mid].open_case) for mid in ids
                      if mid in new_facts and new_facts[mid].open_case]
        if open_cases:
            OpenCase.objects.bulk_create(open_cases, update_conflicts=True, unique_fields=["message"],
                                         update_fields=list(new_facts[open_cases[0].message_id].open_case))
        OpenCase.objects.filter(pk__in=[mid for mid in ids if not (mid in new_facts and new_facts[mid].open_case)]).delete()
        Miss.objects.filter(message_id__in=ids).delete()  # recorded again from the assignments: idempotent
        Miss.objects.bulk_create(_misses(new_facts))
        SignFor.objects.filter(message_id__in=ids).delete()  # written again from the assignments: idempotent
        record_signs(ids)
        _bump_version()  # last: its row lock is held only until the commit
    return len(ids)


def _bump_version() -> None:
    from .figures import bump_version

    bump_version()


def forget_message(message_id: int) -> None:
    """Take a message that is being deleted out of the rollups."""
    row = MessageFact.objects.filter(pk=message_id).first()
    if row is None:
        return
    _add_all(_diff(Fact.from_row(row), None))
    _bump_version()


def forget_addressee(addressee_id: int) -> None:
    """A leader's office is gone: the rows of its messages are written to none (``addressee_key`` 0), and its
    rows of the office cubes go (a message written to none is in none of them)."""
    with transaction.atomic():
        for model in (MessageFact, OpenCase, Miss, SignFor):
            model.objects.filter(addressee_key=addressee_id).update(addressee_key=0)
        Rollup.objects.filter(cube__in=list(OFFICE_CUBES), addressee_key=addressee_id).delete()
        _bump_version()


# --- the hook: after commit, once per message ------------------------------------------

_pending = threading.local()


class paused:
    """Bulk loaders: ``with facts.paused(): ...`` collects the messages changed inside
    and refreshes them once at the end (a full rebuild when there are many)."""

    REBUILD_ABOVE = 20_000

    def __enter__(self):
        _pending.paused = getattr(_pending, "paused", 0) + 1
        _pending.held = getattr(_pending, "held", set())
        return self

    def __exit__(self, *exc):
        _pending.paused -= 1
        if _pending.paused or exc[0] is not None:
            return False
        held, _pending.held = _pending.held, set()
        if len(held) > self.REBUILD_ABOVE:
            rebuild()
        else:
            for start in range(0, len(held), 2000):
                refresh_messages(sorted(held)[start:start + 2000])
        return False


def message_changed(message_id: int) -> None:
    """Called for every saved Event; refreshes the message after the commit."""
    if getattr(_pending, "paused", 0):
        _pending.held.add(message_id)
        return
    ids = getattr(_pending, "ids", None)
    if ids is None:
        ids = _pending.ids = set()
    ids.add(message_id)
    transaction.on_commit(flush)


def flush() -> None:
    ids = getattr(_pending, "ids", None)
    if not ids:
        return
    batch = set(ids)
    ids.clear()
    try:
        refresh_messages(batch)
    except Exception:  # figures are repaired by refresh-stats; an action never fails for them
        log.exception("statistics refresh failed for messages %s", sorted(batch)[:20])


# --- full rebuild ------------------------------------------------------------------------

def rebuild(chunk: int = 5000, progress=None, bump: bool = True) -> int:
    """Recompute every fact, open case and rollup. Returns the number of messages.
    ``bump=False`` only for migrations older than the version table.

    On PostgreSQL the facts are computed by set-based SQL (the same definitions as
    ``compute_facts``, which the tests hold it to); elsewhere chunk by chunk in Python."""
    if connection.vendor == "postgresql":
        first = Message.objects.order_by("submitted_at").values_list("submitted_at", flat=True).first()
        if first is None or local_date(first) >= WorkdayIndex.BASE:
            with transaction.atomic():
                total = _rebuild_facts_sql()
                _aggregate_rollups()
                if bump:
                    _bump_version()
            if progress:
                progress(total)
            return total
    total = 0
    with transaction.atomic():
        Rollup.objects.all().delete()
        OpenCase.objects.all().delete()
        Miss.objects.all().delete()
        SignFor.objects.all().delete()
        MessageFact.objects.all().delete()
        last = 0
        while True:
            ids = list(Message.objects.filter(pk__gt=last).order_by("pk").values_list("pk", flat=True)[:chunk])
            if not ids:
                break
            last = ids[-1]
            facts = compute_facts(ids)
            MessageFact.objects.bulk_create(
                [MessageFact(message_id=mid, **f.model_fields()) for mid, f in facts.items()], batch_size=2000)
            OpenCase.objects.bulk_create(
                [OpenCase(message_id=mid, **f.open_case) for mid, f in facts.items() if f.open_case],
                batch_size=2000)
            Miss.objects.bulk_create(_misses(facts), batch_size=2000)
            total += len(ids)
            if progress:
                progress(total)
        record_signs()
        _aggregate_rollups()
        if bump:
            _bump_version()
    return total


@contextlib.contextmanager
def _without_indexes(cursor, table: str):
    """PostgreSQL: drop the table's indexes and unique constraints (not the primary
    key) during a bulk insert and build them once afterwards — much faster than
    maintaining them row by row. Elsewhere: nothing."""
    if connection.vendor != "postgresql":
        yield
        return
    cursor.execute("SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
                   "WHERE conrelid = %s::regclass AND contype = 'u'", [table])
    constraints = cursor.fetchall()
    cursor.execute("SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND NOT EXISTS "
                   "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", [table])
    indexes = cursor.fetchall()
    for name, _ in constraints:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    for name, _ in indexes:
        cursor.execute(f'DROP INDEX "{name}"')
    yield
    for _, definition in indexes:
        cursor.execute(definition)
    for name, definition in constraints:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _aggregate_rollups(cubes=None, days: tuple[dt.date, dt.date] | None = None, indexes: bool = False) -> None:
    """Insert the rollup rows of ``cubes`` (every cube: None) summed from the facts: the day rows, then the month
    rows from them. ``days`` (first, last): of the facts of those days alone — whole months, so that no month row
    is written twice (the back-fill of the office cubes, stats.0015, a month at a time); ``indexes``: leave
    the table's indexes in place (rows are added to a table that has others, not filled afresh)."""
    dims = ", ".join(ROLLUP_DIMENSIONS)
    names = ROLLUP_MEASURES
    cols = ", ".join(names)
    aggregates, aggregate_params = aggregates_sql(connection)  # the declared measures (``measures``), in order
    if connection.vendor == "postgresql":
        month_of_day = "date_trunc('month', day)::date"
    else:
        month_of_day = "date(day, 'start of month')"
    fact_table, rollup_table = MessageFact._meta.db_table, Rollup._meta.db_table
    cubes = {cube: CUBES[cube] for cube in (cubes or CUBES)}
    adapt = connection.ops.adapt_datefield_value
    with connection.cursor() as cursor, (contextlib.nullcontext() if indexes else _without_indexes(cursor, rollup_table)):
        for cube, kept in cubes.items():
            select = ", ".join(name if name in kept else ("0" if name.endswith("_key") else "''")
                               for name in ROLLUP_DIMENSIONS)
            group = ", ".join(kept)
            where, where_params = [], []
            if cube in OFFICE_CUBES:
                where.append("addressee_key <> 0")  # the messages written to an office alone
            if days:
                where.append("day BETWEEN %s AND %s")
                where_params += [adapt(days[0]), adapt(days[1])]
            cursor.execute(
                f"INSERT INTO {rollup_table} (cube, grain, period, month, {dims}, {cols}) "
                f"SELECT %s, 'd', day, {month_of_day}, {select}, {', '.join(aggregates)} "
                f"FROM {fact_table} {'WHERE ' + ' AND '.join(where) if where else ''} GROUP BY day, {group}",
                [cube, *aggregate_params, *where_params])
            month_params = [adapt(days[0]), adapt(days[1])] if days else []
            cursor.execute(
                f"INSERT INTO {rollup_table} (cube, grain, period, month, {dims}, {cols}) "
                f"SELECT cube, 'm', month, month, {dims}, {', '.join(f'SUM({n})' for n in names)} "
                f"FROM {rollup_table} WHERE grain = 'd' AND cube = %s {'AND period BETWEEN %s AND %s' if days else ''} "
                f"GROUP BY cube, month, {dims}", [cube, *month_params])


FACTS_SQL = """
WITH first_reply AS (
    SELECT DISTINCT ON (message_id) message_id, at, unit_id,
           COALESCE((data->>'on_time')::boolean, true) AS on_time
    FROM board_event WHERE kind = 'replied' AND message_id IS NOT NULL
    ORDER BY message_id, at, id
), last_rating AS (
    SELECT DISTINCT ON (message_id) message_id, resolution
    FROM board_evaluation ORDER BY message_id, created_at DESC, id DESC
), extended AS (
    SELECT DISTINCT message_id FROM board_event WHERE kind = 'extension_approved' AND message_id IS NOT NULL
), latest_lead AS (
    SELECT DISTINCT ON (message_id) message_id, unit_id
    FROM board_assignment WHERE role = 'lead' ORDER BY message_id, assigned_at DESC, id DESC
), active_lead AS (
    SELECT DISTINCT ON (message_id) message_id, unit_id
    FROM board_assignment WHERE role = 'lead' AND state = 'active' ORDER BY message_id, assigned_at DESC, id DESC
), base AS (
    SELECT m.id, m.status, m.kind, m.topic_id, m.reopen_count, r.code, r.level, m.addressee_id,
           (m.submitted_at AT TIME ZONE 'Asia/Shanghai')::date AS day,
           m.status NOT IN ('submitted', 'rejected', 'withdrawn', 'merged') AS received,
           fr.message_id IS NOT NULL AS has_reply, fr.on_time, fr.unit_id AS reply_unit,
           (fr.at AT TIME ZONE 'Asia/Shanghai')::date AS reply_day,
           lr.resolution, ex.message_id IS NOT NULL AS was_extended,
           COALESCE(al.unit_id, ll.unit_id, 0) AS handler
    FROM board_message m
    JOIN directory_region r ON r.id = m.region_id
    LEFT JOIN first_reply fr ON fr.message_id = m.id
    LEFT JOIN last_rating lr ON lr.message_id = m.id
    LEFT JOIN extended ex ON ex.message_id = m.id
    LEFT JOIN latest_lead ll ON ll.message_id = m.id
    LEFT JOIN active_lead al ON al.message_id = m.id
)
INSERT INTO stats_messagefact (message_id, p1, p2, p3, p4, unit_key, topic_key, kind, day, category, replied,
                               on_time, days, evaluated, satisfied, reopened, extended, is_open, addressee_key,
                               updated_at)
SELECT b.id, substr(b.code, 1, 2),
       CASE WHEN b.level >= 2 THEN substr(b.code, 1, 4) ELSE '' END,
       CASE WHEN b.level >= 3 THEN substr(b.code, 1, 6) ELSE '' END,
       CASE WHEN b.level >= 4 THEN b.code ELSE '' END,
       CASE WHEN b.has_reply THEN COALESCE(b.reply_unit, b.handler) ELSE b.handler END,
       COALESCE(b.topic_id, 0), b.kind, b.day,
       CASE b.status WHEN 'submitted' THEN 'pending' WHEN 'rejected' THEN 'rejected'
                     WHEN 'withdrawn' THEN 'withdrawn' WHEN 'merged' THEN 'merged' ELSE 'received' END,
       b.received AND b.has_reply,
       b.received AND b.has_reply AND b.on_time,
       CASE WHEN b.received AND b.has_reply THEN GREATEST(0, wr.ordinal - ws.ordinal) END,
       b.received AND b.resolution IS NOT NULL,
       b.received AND COALESCE(b.resolution IN ('satisfied', 'basic'), false),
       b.received AND b.reopen_count > 0,
       b.received AND b.was_extended,
       b.received AND b.status IN ('accepted', 'dispatched', 'signed'),
       COALESCE(b.addressee_id, 0),
       now()
FROM base b
LEFT JOIN stats_workday ws ON ws.day = b.day
LEFT JOIN stats_workday wr ON wr.day = b.reply_day
"""

# let_deadline_pass of a board_assignment row ``a``
LET_DEADLINE_PASS_SQL = ("a.state IN ('transferred', 'returned') AND a.assigned_at < a.due_at "
                         "AND a.due_at < a.closed_at")

OPEN_CASES_SQL = f"""
INSERT INTO stats_opencase (message_id, p1, p2, p3, p4, unit_key, topic_key, kind, day, due_at, ever_replied,
                            late_on_arrival, addressee_key)
SELECT f.message_id, f.p1, f.p2, f.p3, f.p4, COALESCE(al.unit_id, 0), f.topic_key, f.kind, f.day, m.due_at,
       f.replied, CASE WHEN al.unit_id IS NOT NULL THEN COALESCE(al.assigned_at >= al.due_at, false)
                       ELSE COALESCE(ll.let_pass, false) END, f.addressee_key
FROM stats_messagefact f
JOIN board_message m ON m.id = f.message_id
LEFT JOIN (SELECT DISTINCT ON (message_id) message_id, unit_id, assigned_at, due_at FROM board_assignment
           WHERE role = 'lead' AND state = 'active' ORDER BY message_id, assigned_at DESC, id DESC) al
       ON al.message_id = f.message_id
LEFT JOIN (SELECT DISTINCT ON (message_id) message_id, COALESCE({LET_DEADLINE_PASS_SQL}, false) AS let_pass
           FROM board_assignment a WHERE role = 'lead' ORDER BY message_id, assigned_at DESC, id DESC) ll
       ON ll.message_id = f.message_id
WHERE f.is_open
"""

MISSES_SQL = f"""
INSERT INTO stats_miss (message_id, p1, p2, p3, p4, unit_key, topic_key, kind, day, addressee_key)
SELECT DISTINCT a.message_id, f.p1, f.p2, f.p3, f.p4, a.unit_id, f.topic_key, f.kind, f.day, f.addressee_key
FROM board_assignment a
JOIN stats_messagefact f ON f.message_id = a.message_id
WHERE a.role = 'lead' AND {LET_DEADLINE_PASS_SQL}
  AND NOT EXISTS (SELECT 1 FROM board_event e WHERE e.message_id = a.message_id AND e.kind = 'replied'
                  AND e.at <= a.closed_at)
"""


# 签收 (stats.SignFor): one row per lead assignment with a 签收期限, the unit's, with the message's other
# dimensions (from its fact); ``given_up_at`` when it ended unsigned (its closed_at; a row ended without one is
# taken to have ended at its 签收期限: never late). The same statement for an action's refresh, a rebuild on
# either database and the migrations that filled the table (stats.0011_sign_for, 0014_sign_for_withdrawn). Only of
# the messages of ``measures.SIGN_FOR_CATEGORIES`` (受理, 并单 and 撤回; review, 2026-12-06: a case 不予受理 after its
# unit signed late, or never, counted in 签收超期 on the public boards while the public list behind the count could
# not show it; later that day a withdrawn one came back, listed without its title: docs/statistics.md).
SIGN_FOR_CATEGORIES_SQL = ", ".join(f"'{category}'" for category in SIGN_FOR_CATEGORIES)  # constants, no input
SIGNS_SQL = f"""
INSERT INTO stats_signfor (assignment_id, message_id, p1, p2, p3, p4, unit_key, topic_key, kind, day,
                           sign_due_at, signed_at, given_up_at, addressee_key)
SELECT a.id, a.message_id, f.p1, f.p2, f.p3, f.p4, a.unit_id, f.topic_key, f.kind, f.day,
       a.sign_due_at, a.signed_at,
       CASE WHEN a.signed_at IS NULL AND a.state <> 'active' THEN COALESCE(a.closed_at, a.sign_due_at) END,
       f.addressee_key
FROM board_assignment a
JOIN stats_messagefact f ON f.message_id = a.message_id
WHERE a.role = 'lead' AND a.sign_due_at IS NOT NULL AND f.category IN ({SIGN_FOR_CATEGORIES_SQL})
"""


def record_signs(message_ids=None) -> None:
    """Write the ``SignFor`` rows of these messages (every message: None) from their assignments; the
    messages' facts must be written first, and their old rows deleted."""
    with connection.cursor() as cursor:
        if message_ids is None:
            cursor.execute(SIGNS_SQL)
            return
        ids = sorted(message_ids)
        for start in range(0, len(ids), 500):
            chunk = ids[start:start + 500]
            cursor.execute(SIGNS_SQL + f" AND a.message_id IN ({', '.join(['%s'] * len(chunk))})", chunk)


def _rebuild_facts_sql() -> int:
    """PostgreSQL: facts, open cases and misses for every message in four statements. Working
    days come from a temporary calendar of cumulative working-day ordinals."""
    first, last = (Message.objects.order_by(o).values_list("submitted_at", flat=True).first()
                   for o in ("submitted_at", "-submitted_at"))
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks may block TRUNCATE
        cursor.execute("TRUNCATE stats_rollup, stats_opencase, stats_miss, stats_signfor, stats_messagefact")
        if first is None:
            return 0
        start = local_date(first)
        end = max(local_date(last), local_date(timezone.now())) + dt.timedelta(days=2)
        days = [start + dt.timedelta(days=i) for i in range((end - start).days + 1)]
        ordinals = [WORKDAYS.ordinal(day) for day in days]
        # a second rebuild in the same transaction finds the table of the first one
        cursor.execute("DROP TABLE IF EXISTS pg_temp.stats_workday")
        cursor.execute("CREATE TEMPORARY TABLE stats_workday (day date PRIMARY KEY, ordinal integer) "
                       "ON COMMIT DROP")
        cursor.execute("INSERT INTO stats_workday SELECT * FROM unnest(%s::date[], %s::integer[])", [days, ordinals])
        cursor.execute(FACTS_SQL)
        total = cursor.rowcount
        cursor.execute(OPEN_CASES_SQL)
        cursor.execute(MISSES_SQL)
    record_signs()
    return total
