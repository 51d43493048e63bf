"""Statistics benchmark: 1,000,000 messages in PostgreSQL, rollups, page timings.

    .venv/bin/python bench/stats.py [--messages 1000000] [--pg postgres://postgres@127.0.0.1:5432]
                                    [--db minsheng_bench] [--runs 20] [--keep]

Creates the database ``--db`` (dropped first if it exists, dropped again at the end
unless --keep), migrates it, builds a province of 14 prefectures × 6 counties, 7
first-level topics × 3 subtopics and ~180 units, and generates the messages with
set-based SQL (``generate_series``): the rows that statistics read (messages, lead
assignments, replies, ``replied`` and ``extension_approved`` events, evaluations),
with realistic shares of pending, rejected, withdrawn, merged, open, overdue,
reopened, extended and rated cases over two years. Then it rebuilds the statistics
(``minsheng refresh-stats``), times the statistics pages with the Django test client
and prints p50/p95 in milliseconds per page, cold (the figure cache cleared before
each request) and warm (cached), and the cost of one incremental update.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

KINDS = ["suggest", "complain", "help", "consult", "thanks"]
PREFECTURES = [("620100", "兰州市"), ("620200", "嘉峪关市"), ("620300", "金昌市"), ("620400", "白银市"),
               ("620500", "天水市"), ("620600", "武威市"), ("620700", "张掖市"), ("620800", "平凉市"),
               ("620900", "酒泉市"), ("621000", "庆阳市"), ("621100", "定西市"), ("621200", "陇南市"),
               ("622900", "临夏回族自治州"), ("623000", "甘南藏族自治州")]
TOPICS = [("urban", "城乡建设"), ("environment", "环境保护"), ("traffic", "交通运输"), ("education", "教育文体"),
          ("labour", "劳动和社会保障"), ("commerce", "商贸旅游"), ("health", "卫生计生")]


def log(text: str) -> None:
    print(text, flush=True)


def create_database(pg: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def drop_database(pg: str, name: str) -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def build_directory():
    from minsheng.accounts.models import Membership, User
    from minsheng.directory.models import Region, Topic, Unit

    province = Region.objects.create(code="620000", name="甘肃省", level=1)
    counties, prefectures = [], []
    for code, name in PREFECTURES:
        pref = Region.objects.create(code=code, name=name, level=2, parent=province)
        prefectures.append(pref)
        for k in range(1, 7):
            counties.append(Region.objects.create(code=f"{code[:4]}{k:02d}", name=f"{name}第{k}县区", level=3,
                                                  parent=pref))
    leaves = []
    for sort, (code, name) in enumerate(TOPICS):
        root = Topic.objects.create(code=code, name=name, sort=sort)
        for k in range(1, 4):
            leaves.append(Topic.objects.create(code=f"{code}-{k}", name=f"{name}{k}", parent=root, sort=k))
    # lead unit: the prefecture's department of the topic for county messages of even
    # subtopics, the county government otherwise
    routes = []
    departments = {}
    for pref in prefectures:
        for code, name in TOPICS:
            departments[(pref.pk, code)] = Unit.objects.create(name=f"{pref.name}{name}局", region=pref)
    governments = {c.pk: Unit.objects.create(name=f"{c.name}人民政府", region=c, kind=Unit.Kind.GOVERNMENT)
                   for c in counties}
    for region in [*prefectures, *counties]:
        pref_pk = region.parent_id if region.level == 3 else region.pk
        for leaf in leaves:
            root_code = leaf.code.split("-")[0]
            unit = departments[(pref_pk, root_code)]
            if region.level == 3 and int(leaf.code[-1]) % 2 == 1:
                unit = governments[region.pk]
            routes.append((region.pk, leaf.pk, unit.pk))
    citizen = User.objects.create_user(username="bench-citizen", password=None, phone="13900000000")
    officer = User.objects.create_user(username="bench-officer", password=None)
    supervisor = User.objects.create_user(username="bench-supervisor", password=None)
    Membership.objects.create(user=supervisor, role=Membership.Role.SUPERVISOR, region=province)
    regions = [c.pk for c in counties] * 9 + [p.pk for p in prefectures] * 4  # ~10% at prefecture level
    return {"routes": routes, "regions": regions, "citizen": citizen, "officer": officer, "supervisor": supervisor,
            "counties": counties, "prefectures": prefectures, "province": province}


def _columns(model, explicit: dict[str, str]) -> tuple[str, str, list]:
    """Column list and SELECT expressions for every concrete field of ``model``:
    ``explicit`` SQL where given, else NULL, the field default or '' (so fields added
    later by migrations do not break the benchmark)."""
    from django.db.models import JSONField

    cols, exprs, params = [], [], []
    for f in model._meta.concrete_fields:
        if f.primary_key and f.column not in explicit:
            continue  # from the sequence
        cols.append(f'"{f.column}"')
        if f.column in explicit:
            exprs.append(explicit[f.column])
        elif f.null:
            exprs.append("NULL")
        elif f.has_default():
            value = f.get_default()
            if isinstance(f, JSONField):
                exprs.append("%s::jsonb")
                params.append(json.dumps(value))
            else:
                exprs.append("%s")
                params.append(value)
        else:
            exprs.append("''")
    return ", ".join(cols), ", ".join(exprs), params


def generate(n: int, seed: float, d: dict) -> None:
    from django.db import connection

    from minsheng.board.models import Assignment, Evaluation, Event, Message, Reply

    with connection.cursor() as cur:
        cur.execute("SELECT setseed(%s)", [seed])
        cur.execute("CREATE UNLOGGED TABLE bench_route (region_id bigint, topic_id bigint, unit_id bigint, "
                    "PRIMARY KEY (region_id, topic_id))")
        cur.executemany("INSERT INTO bench_route VALUES (%s, %s, %s)", d["routes"])
        topics = sorted({t for _, t, _ in d["routes"]})
        log(f"  generating {n:,} messages …")
        # one row per message with every random choice (ages in days: 0..730)
        cur.execute("""
            CREATE UNLOGGED TABLE bench_src AS
            SELECT i, s.region_id, s.topic_id, s.kind, s.submitted_at, s.u_status, s.u_reply, s.u_eval, s.u_flag,
                   r.unit_id
            FROM (
              SELECT i,
                (%(regions)s::bigint[])[1 + floor(random() * %(nregions)s)::int] AS region_id,
                (%(topics)s::bigint[])[1 + floor(random() * %(ntopics)s)::int] AS topic_id,
                (ARRAY['suggest','complain','complain','help','help','consult','consult','consult','thanks',
                       'complain'])[1 + floor(random() * 10)::int] AS kind,
                now() - make_interval(secs => 730 * 86400 * power(random(), 1.15)) AS submitted_at,
                random() AS u_status, random() AS u_reply, random() AS u_eval, random() AS u_flag
              FROM generate_series(1, %(n)s) AS i
            ) s JOIN bench_route r ON r.region_id = s.region_id AND r.topic_id = s.topic_id
        """, {"regions": d["regions"], "nregions": len(d["regions"]), "topics": topics, "ntopics": len(topics),
              "n": n})
        # status and dates: young messages are still pending or in handling; 2% rejected,
        # 1% withdrawn, 2% merged, 1.5% overdue; the rest replied, some rated, reopened
        cur.execute("""
            CREATE UNLOGGED TABLE bench_msg AS
            SELECT b.*,
              CASE WHEN age < 0.5 THEN 'submitted'
                   WHEN u_status < 0.02 THEN 'rejected'
                   WHEN u_status < 0.03 THEN 'withdrawn'
                   WHEN u_status < 0.05 THEN 'merged'
                   WHEN u_status < 0.065 THEN 'signed'
                   WHEN age < 12 AND u_status < 0.5 THEN (CASE WHEN u_reply < 0.3 THEN 'dispatched' ELSE 'signed' END)
                   WHEN u_eval < 0.45 THEN 'closed'
                   WHEN u_eval < 0.55 AND age < 20 THEN 'evaluated'
                   WHEN age < 20 THEN 'replied'
                   ELSE 'closed' END AS status,
              b.submitted_at + CASE WHEN u_flag < 0.03 THEN interval '40 days' ELSE interval '20 days' END AS due_at,
              LEAST(now() - interval '1 minute',
                    b.submitted_at + make_interval(secs => 86400 * (0.3 + 26 * power(u_reply, 2.2)))) AS replied_at
            FROM (SELECT *, extract(epoch FROM now() - submitted_at) / 86400 AS age FROM bench_src) b
        """)
        cur.execute("ALTER TABLE bench_msg ADD PRIMARY KEY (i)")
        # secondary indexes are rebuilt once after the load (much faster than row by row)
        tables = [m._meta.db_table for m in (Message, Assignment, Reply, Event, Evaluation)]
        cur.execute("SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = ANY(%s) AND NOT EXISTS "
                    "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)", [tables])
        secondary = cur.fetchall()
        for name, _ in secondary:
            cur.execute(f'DROP INDEX "{name}"')
        topic_array = f"ARRAY[{', '.join(str(t) for t in topics)}]::bigint[]"
        replied = "status IN ('replied', 'evaluated', 'closed')"
        assigned = f"(status IN ('dispatched', 'signed') OR {replied})"
        rated = f"({replied} AND (u_eval < 0.45 OR status = 'evaluated'))"
        cols, exprs, params = _columns(Message, {
            "id": "i", "public_id": "'B' || lpad(i::text, 12, '0')", "title": "'基准测试留言 ' || i",
            "body": "'基准测试留言内容'", "kind": "kind", "topic_id": "topic_id", "region_id": "region_id",
            "author_id": str(d["citizen"].pk), "status": "status", "submitted_at": "submitted_at",
            "accepted_at": "CASE WHEN status NOT IN ('submitted', 'rejected', 'withdrawn') THEN submitted_at END",
            "dispatched_at": f"CASE WHEN {assigned} THEN submitted_at + interval '1 hour' END",
            "replied_at": f"CASE WHEN {replied} THEN replied_at END",
            "closed_at": "CASE WHEN status IN ('closed', 'rejected', 'withdrawn') THEN replied_at END",
            "due_at": f"CASE WHEN {assigned} THEN due_at END",
            "reopen_count": f"CASE WHEN {replied} AND u_flag > 0.97 THEN 1 ELSE 0 END",
            "search_text": "' 基准 测试 '",
            # the machine's reading: right 9 times in 10, otherwise the next topic
            "classified_at": "submitted_at + interval '1 minute'",
            "predicted_topic_id": f"CASE WHEN u_reply < 0.9 THEN topic_id ELSE ({topic_array})"
                                  f"[1 + mod(array_position({topic_array}, topic_id), {len(topics)})] END",
            "topic_confidence": "0.3 + 0.7 * u_eval",
            "predicted_kind": "CASE WHEN u_flag < 0.85 THEN kind ELSE 'consult' END",
            "kind_confidence": "0.5 + 0.5 * u_flag",
        })
        cur.execute(f"INSERT INTO {Message._meta.db_table} ({cols}) SELECT {exprs} FROM bench_msg", params)
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{Message._meta.db_table}', 'id'), %s)", [n + 1])
        log("  assignments, replies, events, evaluations …")
        cols, exprs, params = _columns(Assignment, {
            "message_id": "i", "unit_id": "unit_id", "role": "'lead'",
            "state": f"CASE WHEN {replied} THEN 'done' ELSE 'active' END", "round": "1",
            "assigned_at": "submitted_at + interval '1 hour'", "due_at": "due_at",
            "signed_at": "CASE WHEN status <> 'dispatched' THEN submitted_at + interval '3 hours' END",
        })
        cur.execute(f"INSERT INTO {Assignment._meta.db_table} ({cols}) SELECT {exprs} FROM bench_msg "
                    f"WHERE {assigned}", params)
        cols, exprs, params = _columns(Reply, {
            "id": "i", "message_id": "i", "unit_id": "unit_id", "author_id": str(d["officer"].pk),
            "body": "'您好, 已核实处理, 感谢监督。'", "round": "1", "published_at": "replied_at",
        })
        cur.execute(f"INSERT INTO {Reply._meta.db_table} ({cols}) SELECT {exprs} FROM bench_msg WHERE {replied}",
                    params)
        cur.execute(f"SELECT setval(pg_get_serial_sequence('{Reply._meta.db_table}', 'id'), %s)", [n + 1])
        cols, exprs, params = _columns(Event, {
            "message_id": "i", "kind": "'replied'", "unit_id": "unit_id", "public": "true", "at": "replied_at",
            "data": "jsonb_build_object('on_time', replied_at <= due_at)",
        })
        cur.execute(f"INSERT INTO {Event._meta.db_table} ({cols}) SELECT {exprs} FROM bench_msg WHERE {replied}",
                    params)
        cols, exprs, params = _columns(Event, {
            "message_id": "i", "kind": "'extension_approved'", "unit_id": "unit_id", "public": "true",
            "at": "submitted_at + interval '10 days'", "data": "jsonb_build_object('days', 10)",
        })
        cur.execute(f"INSERT INTO {Event._meta.db_table} ({cols}) SELECT {exprs} FROM bench_msg "
                    f"WHERE {assigned} AND u_flag < 0.03", params)
        rating = ("CASE WHEN u_eval < 0.36 THEN 'satisfied' WHEN u_eval < 0.42 THEN 'basic' "
                  "WHEN status = 'evaluated' THEN 'unsatisfied' ELSE 'unsatisfied' END")
        cols, exprs, params = _columns(Evaluation, {
            "message_id": "i", "reply_id": "i", "resolution": rating, "attitude": rating, "speed": rating,
            "comment": "''", "created_at": "replied_at + interval '1 day'",
        })
        cur.execute(f"INSERT INTO {Evaluation._meta.db_table} ({cols}) SELECT {exprs} FROM bench_msg "
                    f"WHERE {rated}", params)
        cur.execute("DROP TABLE bench_src, bench_msg, bench_route")
        log(f"  rebuilding {len(secondary)} secondary indexes …")
        for _, definition in secondary:
            cur.execute(definition)
        cur.execute("ANALYZE")


def timed(client, url: str, runs: int, cold: bool) -> tuple[float, float, int]:
    """p50, p95 (ms) and status of ``runs`` requests. ``cold``: the figure cache is
    cleared before every request (outside the timing), so every figure is computed
    from the rollups; warm: the cache holds the page's figures (it was filled by the
    warm-up; a minute boundary during the runs makes one request cold again)."""
    from django.core.cache import cache

    for _ in range(2):  # warm-up: templates, connections
        response = client.get(url)
    samples = []
    for _ in range(runs):
        if cold:
            cache.clear()
        start = time.perf_counter()
        response = client.get(url)
        if hasattr(response, "streaming_content"):
            b"".join(response.streaming_content)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(round(0.95 * (len(samples) - 1))))]
    return statistics.median(samples), p95, response.status_code


def address_office(province) -> None:
    """One leader's office (甘肃省省长) with every sixth message written to it (50,000 of 300,000): its figures
    are read from the rollups' office cubes since 2026-12-06, before from its messages' facts (docs/statistics.md)."""
    from django.db import connection

    from minsheng.directory.models import Addressee

    office = Addressee.objects.create(title="甘肃省省长", region=province)
    with connection.cursor() as cur:
        cur.execute("UPDATE board_message SET addressee_id = %s WHERE id %% 6 = 0", [office.pk])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000, help="messages to generate (default 1000000)")
    parser.add_argument("--pg", default=os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432"),
                        help="PostgreSQL server URL without a database (default $BENCH_PG or postgres://postgres@127.0.0.1:5432)")
    parser.add_argument("--db", default="minsheng_bench", help="database to create, dropped at the end unless --keep "
                                                                 "(default minsheng_bench)")
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page, cold and warm (default 20)")
    parser.add_argument("--seed", type=float, default=0.2026, help="PostgreSQL setseed() value, -1 to 1 (default 0.2026)")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="time an existing --db (kept by --keep)")
    args = parser.parse_args(argv)

    if not args.reuse:
        create_database(args.pg, args.db)
    os.environ["DATABASE_URL"] = f"{args.pg}/{args.db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from minsheng.accounts.models import User
    from minsheng.board.models import Message
    from minsheng.directory.models import Addressee, Region, Topic
    from minsheng.stats.facts import refresh_messages
    from minsheng.stats.models import Campaign, MessageFact, OpenCase, Rollup

    try:
        if not args.reuse:
            started = time.perf_counter()
            call_command("migrate", verbosity=0)
            d = build_directory()
            log(f"migrated and built the directory in {time.perf_counter() - started:.1f}s")
            started = time.perf_counter()
            generate(args.messages, args.seed, d)
            address_office(d["province"])
            log(f"generated {Message.objects.count():,} messages in {time.perf_counter() - started:.1f}s")
            started = time.perf_counter()
            call_command("refresh_stats", "--commit")
            log(f"rebuilt statistics in {time.perf_counter() - started:.1f}s: {MessageFact.objects.count():,} facts, "
                f"{Rollup.objects.count():,} rollup rows, {OpenCase.objects.count():,} open cases")
            from django.db import connection

            with connection.cursor() as cur:
                cur.execute("ANALYZE")
        today = timezone.localdate()
        start = (today - dt.timedelta(days=240)).replace(day=15)
        Campaign.objects.update_or_create(slug="bench", defaults={
            "name": "我为群众办实事", "start": start, "end": today - dt.timedelta(days=20)})
        office = Addressee.objects.get(title="甘肃省省长")
        county = Region.objects.filter(level=3).order_by("code").first()
        topic = Topic.objects.filter(parent__isnull=True).order_by("sort").first()
        a, b = (today - dt.timedelta(days=250)).replace(day=15), (today - dt.timedelta(days=40)).replace(day=10)
        pages = [
            ("public statistics (province)", "/stats/"),
            ("drill-down: prefecture", "/stats/?region=620100"),
            ("drill-down: county", f"/stats/?region={county.code}"),
            ("date range over partial months", f"/stats/?date_from={a}&date_to={b}"),
            ("topic + type filter", f"/stats/?topic={topic.code}&kind=complain"),
            ("unit league table", "/stats/units/?sort=on_time_rate"),
            ("campaign page", "/stats/campaigns/bench/"),
            ("figures JSON", "/stats/figures.json?region=620000"),
            ("statistics table CSV (by unit)", "/stats/export/table.csv?by=unit"),
            ("leaders' dashboard", "/stats/dashboard/"),
            ("leader's office statistics", f"/stats/?addressee={office.pk}"),
            ("leader's office board", f"/leaders/{office.pk}/"),
            ("机器阅读, 30 days (staff)", "/staff/reading/"),
            ("机器阅读, 365 days (staff)", "/staff/reading/?days=365"),
        ]
        client = Client()
        client.force_login(User.objects.get(username="bench-supervisor"))
        log(f"\n{Message.objects.count():,} messages; {args.runs} timed runs per page (after 2 warm-up runs)")
        log(f"{'':<34} {'cold (cache cleared)':>20} {'warm (cached)':>20}")
        log(f"{'page':<34} {'p50 ms':>9} {'p95 ms':>9} {'p50 ms':>9} {'p95 ms':>9}  status")
        results = {}
        for name, url in pages:
            c50, c95, status = timed(client, url, args.runs, cold=True)
            w50, w95, status = timed(client, url, args.runs, cold=False)
            results[name] = (c50, c95, w50, w95)
            log(f"{name:<34} {c50:9.1f} {c95:9.1f} {w50:9.1f} {w95:9.1f}  {status}")
        # incremental maintenance: one message changes, its rollup rows follow
        sample = list(Message.objects.filter(status="closed").values_list("pk", flat=True)[:50])
        started = time.perf_counter()
        for pk in sample:
            refresh_messages([pk])
        per = (time.perf_counter() - started) * 1000 / max(1, len(sample))
        log(f"{'incremental refresh of one message':<34} {per:8.1f} ms (mean of {len(sample)})")
        worst_cold = max(r[1] for r in results.values())
        worst_warm = max(r[3] for r in results.values())
        log(f"\nworst p95: cold {worst_cold:.1f} ms, warm {worst_warm:.1f} ms (target ≤ 200 ms)")
        return 0
    finally:
        if not args.keep:
            drop_database(args.pg, args.db)


if __name__ == "__main__":
    sys.exit(main())
