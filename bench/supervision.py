"""What the 督办 history costs at scale: what cleared a 督办 mark (``actions.cleared_kinds``, read for a page's rows or
an export's chunk; a correlated subquery per row until 2026-12-08) on the overdue export, /stats/overdue/ and
/staff/supervision/, and the back-fill of migration board 0040.

    .venv/bin/python bench/supervision.py [--messages 300000] [--overdue 20000] [--supervised 5000] [--runs 3] [--plans]
    .venv/bin/python bench/supervision.py --migration [--messages 300000] [--supervised 30000]
    .venv/bin/python bench/supervision.py --pg postgres://postgres@127.0.0.1:5432 [--db minsheng_bench_supervision] …

Data: its own database, built afresh each run — SQLite under ``--var`` (default /tmp/var-bench-supervision, never
the project's var/), or with ``--pg`` the PostgreSQL database ``--db`` on that server (default
minsheng_bench_supervision, a name with "bench" in it: dropped and created again, dropped at the end unless
``--keep``). The shell's ``DATABASE_URL`` is never read: the database it names is not the bench's to drop. bench/stats.py's directory (14 prefectures × 6 counties, 7 topics × 3, ~180 units, a
supervisor of the province); ``--messages`` messages in bulk (``bulk_create``), each dispatched to its lead unit
(an assignment, a 派单 event); ``--overdue`` of them still in hand past their deadline and half as many in hand
not yet due (with their open case, ``stats.OpenCase``, as ``facts`` computes it), the rest answered and closed
(a 答复 event). ``--supervised`` of the cases in hand (four in five late) were pressed one to three times (督办
events); two in five of those were passed on after the latest 督办 — a 转办 (the new unit leads, the mark
cleared) or a 退单 and a new 派单 — the rest still marked, with their count and time.

Prints, as the supervisor of the province: the overdue export (``exports.message_sheet`` of every overdue case,
what ``minsheng export-stats messages --measure overdue`` and the web's CSV write) with what cleared the marks and
without it (``actions.cleared_kinds`` answering nothing, no query: the baseline of the same run), their ratio, and
the web's ``/stats/export/messages.csv?measure=overdue``; ``/stats/overdue/`` (30 rows, its first page and its
20th) and ``/staff/supervision/`` through the Django test client, with and without; median ms of ``--runs`` after a
warm-up, and the queries of one.
``--plans``: the plans of the export's query and of the two queries that read what cleared the marks of 2,000
cases (PostgreSQL: ``EXPLAIN ANALYZE``, the lines naming a scan, an index, a join or a subplan; SQLite: ``EXPLAIN
QUERY PLAN``).

``--migration``: board 0040 run backward (to 0039: the mark as the old code left it) and forward again through
``MigrationExecutor`` (as tests/test_supervision_history.py), the whole migration and its back-fill alone, and
whether the forward run gave back the marks, counts and times the data was built with. Figures in
docs/statistics.md ("督办: what cleared a mark, at scale").
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import build_directory, create_database, drop_database, log  # noqa: E402

NOTES = ["该件已超期, 请抓紧办理并及时答复群众", "群众多次反映, 请单位主要负责人亲自督办", "请于三个工作日内答复"]


# --- data -------------------------------------------------------------------------

def build(messages: int, overdue: int, supervised: int, seed: int = 2026) -> dict:
    """The messages, their assignments and events, the open cases; returns what was pressed (for --migration)."""
    import datetime as dt

    from django.db import connection, transaction
    from django.utils import timezone

    from minsheng.board.models import Assignment, Event, Message
    from minsheng.stats import facts
    from minsheng.stats.models import MessageFact, OpenCase

    started = time.monotonic()
    if connection.vendor == "sqlite":  # the bench's own file, built afresh each run: no fsync of each chunk
        with connection.cursor() as cur:
            cur.execute("PRAGMA synchronous = OFF")
    d = build_directory()
    supervisor = d["supervisor"]
    rng, now = random.Random(seed), timezone.now()
    units = sorted({u for _, _, u in d["routes"]})
    in_hand = rng.sample(range(messages), overdue + overdue // 2)
    late, hand_set = set(in_hand[:overdue]), set(in_hand)
    pressed_late = rng.sample(in_hand[:overdue], min(overdue, supervised * 4 // 5))
    pressed_soon = rng.sample(in_hand[overdue:], min(overdue // 2, supervised - len(pressed_late)))
    pressed = {i: rng.randint(1, 3) for i in [*pressed_late, *pressed_soon]}
    passed_on = {i: ("transferred" if rng.random() < 2 / 3 else "returned") for i in pressed if rng.random() < 0.4}
    open_ids, expected = [], {}
    log(f"  {messages:,} messages, {len(in_hand):,} in hand ({overdue:,} late), {len(pressed):,} pressed "
        f"({len(passed_on):,} passed on since) …")
    for start in range(0, messages, 5000):
        rows = {Message: [], Assignment: [], Event: []}
        for i in range(start, min(start + 5000, messages)):
            region, topic, unit = d["routes"][rng.randrange(len(d["routes"]))]
            hand = i in hand_set
            if i in late:
                submitted = now - dt.timedelta(days=rng.uniform(25, 200))
            elif hand:
                submitted = now - dt.timedelta(days=rng.uniform(6, 15))
            else:
                submitted = now - dt.timedelta(days=rng.uniform(1, 730))
            dispatched, due = submitted + dt.timedelta(hours=2), submitted + dt.timedelta(days=20)
            replied = None if hand else submitted + dt.timedelta(days=rng.uniform(1, 19))
            m = Message(pk=i + 1, public_id=f"S{i + 1:011d}", title=f"督办基准留言 {i + 1}", body="督办基准留言内容",
                        kind="complain", region_id=region, topic_id=topic, author=d["citizen"],
                        status="signed" if hand else "closed", submitted_at=submitted, accepted_at=submitted,
                        dispatched_at=dispatched, replied_at=replied, closed_at=replied, due_at=due)
            lead = Assignment(message_id=m.pk, unit_id=unit, assigned_at=dispatched, signed_at=dispatched,
                              due_at=due, state="active" if hand else "done", closed_at=replied)
            rows[Assignment].append(lead)
            rows[Event].append(Event(message_id=m.pk, kind="dispatched", unit_id=unit, at=dispatched))
            if replied:
                rows[Event].append(Event(message_id=m.pk, kind="replied", unit_id=unit, at=replied))
            if i in pressed:
                at = dispatched
                for k in range(pressed[i]):
                    at = at + dt.timedelta(days=rng.uniform(0.1, 1))
                    rows[Event].append(Event(message_id=m.pk, kind="supervised", actor=supervisor, at=at,
                                             data={"note": NOTES[k % len(NOTES)]}))
                move = passed_on.get(i)
                m.ever_supervised = True
                if move:  # the mark cleared; the case in another unit's hands, or back and dispatched again
                    moved = at + dt.timedelta(hours=rng.uniform(1, 48))
                    other = units[(units.index(unit) + 1) % len(units)]
                    lead.state, lead.closed_at = move, moved
                    rows[Event].append(Event(message_id=m.pk, kind=move, unit_id=unit, at=moved))
                    if move == "returned":
                        moved += dt.timedelta(hours=1)
                        rows[Event].append(Event(message_id=m.pk, kind="dispatched", unit_id=other, at=moved))
                    rows[Assignment].append(Assignment(message_id=m.pk, unit_id=other, assigned_at=moved,
                                                       signed_at=moved, due_at=due, state="active"))
                else:
                    m.supervised, m.supervised_count, m.last_supervised_at = True, pressed[i], at
                    m.supervision_note = NOTES[(pressed[i] - 1) % len(NOTES)]
                expected[m.pk] = (m.supervised, m.supervised_count, m.last_supervised_at, m.supervision_note)
            if hand:
                open_ids.append(m.pk)
            rows[Message].append(m)
        with transaction.atomic():
            for model, objects in rows.items():
                model.objects.bulk_create(objects, batch_size=1000)
        log(f"  {min(start + 5000, messages):,}/{messages:,}")
    for start in range(0, len(open_ids), 5000):  # the open cases the overdue lists read (rebuild's rows)
        computed = facts.compute_facts(open_ids[start:start + 5000])
        with transaction.atomic():
            MessageFact.objects.bulk_create([MessageFact(message_id=k, **f.model_fields()) for k, f in computed.items()],
                                            batch_size=1000)
            OpenCase.objects.bulk_create([OpenCase(message_id=k, **f.open_case) for k, f in computed.items()
                                          if f.open_case], batch_size=1000)
    _reset_sequences()
    _analyze()
    log(f"built in {time.monotonic() - started:.0f} s: {Message.objects.count():,} messages, "
        f"{Event.objects.count():,} events, {Assignment.objects.count():,} assignments, "
        f"{OpenCase.objects.count():,} open cases")
    return expected


def _reset_sequences() -> None:
    from django.core.management.color import no_style
    from django.db import connection

    from minsheng.board.models import Message

    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Message]):
                cur.execute(sql)


def _analyze() -> None:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("ANALYZE")


# --- timings ----------------------------------------------------------------------

@contextmanager
def without_cleared_kind():
    """What cleared a mark read as nothing (``actions.cleared_kinds`` answering {}, no query): the lists' time
    without it."""
    from minsheng.board import actions

    saved = actions.cleared_kinds
    actions.cleared_kinds = lambda message_ids: {}
    try:
        yield
    finally:
        actions.cleared_kinds = saved


def median_ms(work, runs: int) -> float:
    work()  # warm-up
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def export_rows(region) -> int:
    from minsheng.board.deadlines import clock
    from minsheng.stats import exports, figures

    now = clock()
    qs = exports.message_queryset(figures.make_scope(region=region.code), "overdue", public=False, now=now)
    _, rows = exports.message_sheet(qs, "overdue", False, "https://example.org", now)
    return sum(1 for _ in rows)


def count_queries(work) -> int:
    from django.db import connection

    queries = []

    def counted(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counted):
        work()
    return len(queries)


def get(client, url: str):
    response = client.get(url)
    if response.streaming:
        b"".join(response.streaming_content)
    assert response.status_code == 200, (url, response.status_code)
    return response


def time_all(runs: int) -> None:
    from django.db import connection
    from django.test import Client

    from minsheng.accounts.models import User
    from minsheng.directory.models import Region

    province = Region.objects.get(code="620000")
    client = Client()
    client.force_login(User.objects.get(username="bench-supervisor"))
    rows = export_rows(province)
    log(f"\n{connection.vendor}: the supervisor of the province; median of {runs} runs after a warm-up\n")
    log("| what | with cleared_kind ms | without ms | ratio | queries |\n|---|---:|---:|---:|---:|")
    works = [(f"overdue export, {rows:,} rows (exports.message_sheet)", lambda: export_rows(province)),
             ("/stats/export/messages.csv?measure=overdue",
              lambda: get(client, "/stats/export/messages.csv?measure=overdue")),
             ("/stats/overdue/ (30 rows)", lambda: get(client, "/stats/overdue/")),
             ("/stats/overdue/?page=20", lambda: get(client, "/stats/overdue/?page=20")),
             ("/staff/supervision/", lambda: get(client, "/staff/supervision/"))]
    for label, work in works:
        with_ms = median_ms(work, runs)
        queries = count_queries(work)
        with without_cleared_kind():
            without_ms = median_ms(work, runs)
        log(f"| {label} | {with_ms:,.0f} | {without_ms:,.0f} | {with_ms / without_ms:.2f} | {queries} |")


def plans() -> None:
    from django.db import connection
    from django.db.models import Max

    from minsheng.board import actions
    from minsheng.board.deadlines import clock
    from minsheng.board.models import Event, Message
    from minsheng.stats import exports, figures

    now = clock()
    qs = exports.message_queryset(figures.make_scope(region="620000"), "overdue", public=False, now=now)
    ids = list(Message.objects.filter(ever_supervised=True, supervised=False).values_list("pk", flat=True)[:2000])
    queries = [("the overdue export", qs.values_list("public_id", "supervised", "ever_supervised")),
               (f"cleared_kinds of {len(ids):,} cases: the latest 督办", Event.objects.filter(
                   kind="supervised", message_id__in=ids).order_by().values("message_id").annotate(at=Max("at"))),
               ("cleared_kinds: the clearing moves", actions.clearing_moves().filter(message_id__in=ids)
                .order_by("at", "pk").values_list("message_id", "at", "kind"))]
    keep = ("Scan", "SubPlan", "Index", "Join", "Execution Time", "Sort Key", "Aggregate")
    for label, query in queries:
        if connection.vendor == "postgresql":
            lines = [line for line in query.explain(analyze=True).splitlines() if any(w in line for w in keep)]
        else:
            lines = query.explain().splitlines()
        log(f"\n{label}, its plan:")
        for line in lines:
            log(f"    {line[:160]}")


# --- migration board 0040 ---------------------------------------------------------

BEFORE = [("board", "0039_reply_scores_rebuilt_where_praise_sneered")]
AFTER = [("board", "0040_supervision_history")]


def migrate_to(target) -> float:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    started = time.perf_counter()
    executor.migrate(target)
    return time.perf_counter() - started


def back_fill_alone(function_name: str) -> float:
    """The migration's RunPython function alone (``back_fill`` or ``restore_old_marks``), as migrate runs it."""
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    module = importlib.import_module("minsheng.board.migrations.0040_supervision_history")
    apps = MigrationLoader(connection).project_state(AFTER[0], at_end=True).apps
    started = time.perf_counter()
    with connection.schema_editor(atomic=True) as editor:
        getattr(module, function_name)(apps, editor)
    return time.perf_counter() - started


def time_migration(expected: dict) -> None:
    from django.db import connection

    from minsheng.board.models import Message

    def got():
        return {pk: (s, n, at, note) for pk, s, n, at, note in Message.objects.filter(ever_supervised=True)
                .values_list("pk", "supervised", "supervised_count", "last_supervised_at", "supervision_note")}

    log(f"\n{connection.vendor}: migration board 0040, {Message.objects.count():,} messages, {len(expected):,} "
        f"supervised cases ({sum(not v[0] for v in expected.values()):,} passed on since)\n")
    log("| step | s |\n|---|---:|")
    log(f"| backward to 0039 (the whole migration) | {migrate_to(BEFORE):.1f} |")
    _analyze()
    log(f"| forward to 0040 (the whole migration) | {migrate_to(AFTER):.1f} |")
    right = got() == expected
    _analyze()
    log(f"| restore_old_marks alone (backward's back-fill) | {back_fill_alone('restore_old_marks'):.1f} |")
    _analyze()
    log(f"| back_fill alone (forward's back-fill) | {back_fill_alone('back_fill'):.1f} |")
    right = right and got() == expected
    log(f"\nthe forward runs gave back the marks, counts, times and notes built: {'yes' if right else 'NO'}")


# --- main -------------------------------------------------------------------------

def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=300_000)
    parser.add_argument("--overdue", type=int, default=20_000)
    parser.add_argument("--supervised", type=int, help="cases pressed (default 5,000; 30,000 with --migration)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--plans", action="store_true", help="print the export query's plan")
    parser.add_argument("--migration", action="store_true", help="time migration board 0040 backward and forward")
    parser.add_argument("--var", default="/tmp/var-bench-supervision", help="data folder (SQLite database)")
    parser.add_argument("--pg", help="PostgreSQL server URL without a database, e.g. postgres://postgres@127.0.0.1:5432 "
                                     "(default: SQLite under --var)")
    parser.add_argument("--db", default="minsheng_bench_supervision",
                        help="the PostgreSQL database to drop and create (with --pg; a name with \"bench\" in it; "
                             "default minsheng_bench_supervision)")
    parser.add_argument("--keep", action="store_true", help="keep the PostgreSQL database afterwards")
    args = parser.parse_args(argv)
    if "bench" not in args.db:
        parser.error(f"--db {args.db}: not a bench database (a name with \"bench\" in it): refusing to drop it")
    if args.pg and args.pg.rstrip("/").count("/") > 2:
        parser.error(f"--pg {args.pg}: the server alone, without a database (--db names it)")
    supervised = args.supervised or (30_000 if args.migration else 5_000)
    if supervised > args.overdue * 3 // 2:
        parser.error("--supervised: at most the cases in hand (1.5 × --overdue)")
    var = Path(args.var).resolve()
    if var == (ROOT / "var").resolve():
        parser.error("--var must not be the project's var/")
    var.mkdir(parents=True, exist_ok=True)
    os.environ["MINSHENG_VAR_DIR"] = str(var)
    os.environ.pop("DATABASE_URL", None)  # the shell's database is never the bench's: --pg and --db name it
    pg = bool(args.pg)
    if pg:
        base, name = args.pg.rstrip("/"), args.db
        create_database(base, name)
        os.environ["DATABASE_URL"] = f"{base}/{name}"
    else:
        for suffix in ("", "-wal", "-shm"):
            (var / f"minsheng.sqlite3{suffix}").unlink(missing_ok=True)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django

    django.setup()
    from django.core.management import call_command

    try:
        started = time.monotonic()
        call_command("migrate", verbosity=0)
        log(f"migrated in {time.monotonic() - started:.0f} s")
        expected = build(args.messages, args.overdue, supervised)
        if args.migration:
            time_migration(expected)
        else:
            time_all(args.runs)
            if args.plans:
                plans()
        return 0
    finally:
        if pg and not args.keep:
            drop_database(base, name)


if __name__ == "__main__":
    sys.exit(main())
