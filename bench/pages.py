"""Page timings at a city's scale: the pages and API endpoints real users open, timed
with the Django test client as each demo role and anonymously, on ~100,000 messages.

    .venv/bin/python bench/pages.py --db sqlite [--messages 100000] [--seed-messages 2000] [--runs 3]
    .venv/bin/python bench/pages.py --db postgres [--pg postgres://postgres@127.0.0.1:5432/minsheng_perf]

Data: its own database (SQLite under ``--var``, default /tmp/var-bench-pages; PostgreSQL
``--pg``), never the project's var/. On an empty database it runs ``minsheng demo --messages
<seed>`` (directory, accounts, realistic histories, models, hotspots): the demo plays every
action of every history (0.1-0.4 s a message), far too slow for 100,000. So the rest are
grown in bulk (``grow``): each new message copies the life of one of the demo's (status,
times shifted back up to two days, assignments, replies, ratings, events, supports) with a
new title and body from the demo's own text generator (``demo.Generator``) about the same
topic in the same region; then the statistics are rebuilt and the new messages placed into
hotspots. A database that already holds ``--messages`` is reused as it is.

Then every page is requested once to warm it (caches, the duplicate indexes), then
``--runs`` times: it prints the first request's ms, the median ms and the query count.
``--fresh-rows``: the dispatch queues' rows are compared with their near-duplicates afresh
on every request (as a page opened for the first time, or after a case in its areas moved).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def log(text: str) -> None:
    print(text, flush=True)


# --- data -------------------------------------------------------------------------

def build(messages: int, seed_messages: int) -> None:
    from django.core.management import call_command

    from minsheng.board.models import Message

    call_command("migrate", verbosity=0)
    have = Message.objects.count()
    if not have:
        started = time.monotonic()
        call_command("demo", messages=seed_messages, seed=2026)
        log(f"demo --messages {seed_messages}: {time.monotonic() - started:.0f} s")
        have = Message.objects.count()
    if have < messages:
        started = time.monotonic()
        grow(messages - have)
        log(f"grown by {messages - have} messages: {time.monotonic() - started:.0f} s")


def _problems_by_topic():
    from minsheng.board import demo_text as text

    by_topic: dict[str, list] = {}
    for p in text.PROBLEMS:
        by_topic.setdefault(p.topic, []).append(p)
        by_topic.setdefault(p.topic.split("-")[0], []).append(p)
    return by_topic


def grow(count: int, chunk: int = 2000) -> None:
    """``count`` more messages, each a copy of a demo message's life with new words."""
    from django.db import connection, transaction
    from django.db.models import Max
    from django.utils import timezone

    from minsheng.board import demo, demo_text, search
    from minsheng.board.demo_accounts import ensure_accounts
    from minsheng.board.models import Assignment, Evaluation, Event, Message, Reply, Support
    from minsheng.board.moderation import real_name
    from minsheng.board.tasks import analyze_database
    from minsheng.insight import hotspots_service
    from minsheng.insight.models import HotspotMember
    from minsheng.stats import facts

    sources = list(Message.objects.select_related("region", "topic", "author").order_by("pk"))
    # a message of a hotspot (3 or more messages) is copied with its words and joins it: another
    # citizen reporting the same problem at the same place; placing 100,000 messages one by one
    # (hotspots_service.rebuild) would take hours
    clustered = dict(HotspotMember.objects.filter(hotspot__message_count__gte=3)
                     .values_list("message_id", "hotspot_id"))
    related = {}
    for model in (Assignment, Reply, Evaluation, Event, Support):
        rows: dict[int, list] = {}
        for row in model.objects.filter(message__isnull=False).order_by("pk"):
            rows.setdefault(row.message_id, []).append(row)
        related[model] = rows
    gen = demo.Generator(ensure_accounts(), seed=7, now=timezone.now())
    rng, by_topic = gen.rng, _problems_by_topic()
    next_message = (Message.objects.aggregate(n=Max("pk"))["n"] or 0) + 1
    next_reply = (Reply.objects.aggregate(n=Max("pk"))["n"] or 0) + 1
    now = timezone.now()
    done = 0
    while done < count:
        batch = min(chunk, count - done)
        new = {model: [] for model in (Message, Assignment, Reply, Evaluation, Event, Support, HotspotMember)}
        copies: dict[int, int] = {}  # source pk -> copy pk, within the batch (for 并单)
        for k in range(batch):
            src = sources[(done + k) % len(sources)]
            latest = max([t for t in (src.submitted_at, src.accepted_at, src.dispatched_at, src.replied_at,
                                      src.closed_at) if t] + [r.at for r in related[Event].get(src.pk, [])])
            shift = -dt.timedelta(hours=rng.uniform(0, 48)) if latest < now - dt.timedelta(days=3) else dt.timedelta()
            problems = by_topic.get(src.topic.code if src.topic else "", []) or demo_text.PROBLEMS
            plan = gen.plan("closed_satisfied", region=src.region, problem=rng.choice(problems))
            plan.text_kind = src.kind
            title, body = (src.title, src.body) if src.pk in clustered else (gen.title(plan), gen.body(plan))
            pk = next_message + k
            if src.pk in clustered:
                new[HotspotMember].append(HotspotMember(hotspot_id=clustered[src.pk], message_id=pk,
                                                        joined_at=src.submitted_at + shift))
            copies[src.pk] = pk
            m = Message(**{f.attname: getattr(src, f.attname) for f in Message._meta.concrete_fields})
            m.pk, m.title, m.body = pk, title[:50], body
            m.public_id = f"{timezone.localtime(src.submitted_at + shift):%Y%m%d}{pk:06d}"
            m.search_text = search.terms_for(title, body, () if src.show_name else real_name(src.author.display_name))
            for name in ("submitted_at", "accepted_at", "dispatched_at", "replied_at", "closed_at", "due_at",
                         "classified_at"):
                if getattr(m, name):
                    setattr(m, name, getattr(m, name) + shift)
            new[Message].append(m)
            replies = {}
            for model, times in ((Assignment, ("assigned_at", "sign_due_at", "signed_at", "due_at", "closed_at")),
                                 (Reply, ("published_at",)), (Evaluation, ("created_at",)), (Event, ("at",)),
                                 (Support, ("created_at",))):
                for row in related[model].get(src.pk, []):
                    copy = model(**{f.attname: getattr(row, f.attname) for f in model._meta.concrete_fields})
                    copy.pk, copy.message_id = None, pk
                    for name in times:
                        if getattr(copy, name):
                            setattr(copy, name, getattr(copy, name) + shift)
                    if model is Reply:
                        copy.pk = replies[row.pk] = next_reply
                        next_reply += 1
                    if model is Evaluation:
                        copy.reply_id = replies.get(row.reply_id, copy.reply_id)
                    new[model].append(copy)
        for m in new[Message]:  # a copy merges into its main case's copy when the batch has it
            if m.duplicate_of_id:
                m.duplicate_of_id = copies.get(m.duplicate_of_id, m.duplicate_of_id)
        with transaction.atomic():
            for model, rows in new.items():
                model.objects.bulk_create(rows, batch_size=500)
        next_message += batch
        done += batch
        log(f"  {done}/{count}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            for sql in connection.ops.sequence_reset_sql(_no_style(), [Message, Reply]):
                cur.execute(sql)
    started = time.monotonic()
    facts.rebuild()
    log(f"statistics rebuilt: {time.monotonic() - started:.0f} s")
    started = time.monotonic()
    figures = hotspots_service.refresh()
    log(f"hotspots refreshed: {figures['hotspots']} hotspots: {time.monotonic() - started:.0f} s")
    analyze_database()  # as the demo and run-periodic do
    if connection.vendor == "postgresql":
        # what autovacuum does on a server that runs it: the visibility map and each row's
        # hint bits, else the first searches over the new rows pay for them (docs/search.md)
        with connection.cursor() as cur:
            cur.execute("VACUUM")


def _no_style():
    from django.core.management.color import no_style

    return no_style()


# --- pages ------------------------------------------------------------------------

def pages() -> list[tuple[str, str | None, str]]:
    """(label, username or None, url) of each page to time."""
    from minsheng.accounts.models import User
    from minsheng.board.models import Assignment, Message
    from minsheng.board.workflow import Status
    from minsheng.insight.models import Hotspot

    public = Message.objects.filter(status=Status.CLOSED).order_by("-submitted_at").first()
    hotspot = Hotspot.objects.order_by("-message_count").first()
    officer = User.objects.get(username="lz_housing")
    case = (Assignment.objects.filter(unit__members__user=officer, state="active", role="lead")
            .select_related("message").order_by("-assigned_at").first())
    waiting = Message.objects.filter(status=Status.ACCEPTED, region__code__startswith="6201").order_by(
        "-submitted_at").first()
    out = [
        ("home", None, "/"),
        ("browse", None, "/browse/"),
        ("browse page 50", None, "/browse/?page=50"),
        ("browse q=电梯", None, "/browse/?q=电梯"),
        ("browse q=小区 物业", None, "/browse/?q=小区+物业"),
        ("browse q=小区", None, "/browse/?q=小区"),  # a word in a quarter of the messages
        ("browse q=您好", None, "/browse/?q=您好"),  # a word in most messages
        ("browse filters", None, "/browse/?region=620102&status=closed&kind=complain"),
        ("message page", None, f"/m/{public.public_id}/"),
        ("hotspots", None, "/hotspots/"),
        ("hotspot page", None, f"/hotspots/{hotspot.pk}/" if hotspot else "/hotspots/"),
        ("region page", None, "/region/620100/"),
        ("leaders", None, "/leaders/"),
        ("stats", None, "/stats/"),
        ("stats/units", None, "/stats/units/"),
        ("stats/list", None, "/stats/list/"),
        ("api messages", None, "/api/v1/messages/"),
        ("api messages q=", None, "/api/v1/messages/?q=电梯"),
        ("api messages q=小区 物业", None, "/api/v1/messages/?q=小区+物业"),
        ("api messages q=小区", None, "/api/v1/messages/?q=小区"),
        ("api message", None, f"/api/v1/messages/{public.public_id}/"),
        ("api hotspots", None, "/api/v1/hotspots/"),
        ("api statistics", None, "/api/v1/statistics/"),
        ("open311 requests.json", None, "/open311/v2/requests.json"),
        ("open311 requests q", None, "/open311/v2/requests.json?status=closed&service_code=urban"),
        ("my messages", "13900000001", "/me/messages/"),
        ("notifications", "13900000001", "/me/notifications/"),
        ("api me/messages", "13900000001", "/api/v1/me/messages/"),
        ("staff inbox", "lz_housing", "/staff/"),
        *[(f"staff inbox {tab}", "lz_housing", f"/staff/?tab={tab}")
          for tab in ("new", "handling", "overdue", "assist")],
        ("staff inbox q=", "lz_housing", "/staff/?q=电梯"),
        ("staff inbox q=小区", "lz_housing", "/staff/?q=小区"),
        ("dispatch queue q=小区", "lz_dispatcher", "/staff/triage/?q=小区"),
        ("case page (officer)", "lz_housing", f"/staff/case/{case.message.public_id}/" if case else "/staff/"),
        ("api staff/inbox", "lz_housing", "/api/v1/staff/inbox/"),
        ("inbox (head)", "lz_housing_head", "/staff/"),
        ("dispatch queue", "lz_dispatcher", "/staff/triage/"),
        *[(f"dispatch queue {tab}", "lz_dispatcher", f"/staff/triage/?tab={tab}")
          for tab in ("returned", "submitted", "accepted")],
        ("dispatch queue (province)", "gs_dispatcher", "/staff/triage/"),
        ("case page (dispatcher)", "lz_dispatcher",
         f"/staff/case/{waiting.public_id}/" if waiting else "/staff/triage/"),
        ("api suggestion", "lz_dispatcher",
         f"/api/v1/staff/cases/{waiting.public_id}/suggestion/" if waiting else "/staff/triage/"),
        ("api dispatch box", "lz_dispatcher", "/api/v1/staff/inbox/?box=dispatch"),
        ("reading", "lz_dispatcher", "/staff/reading/"),
        ("chronic", "lz_supervisor", "/chronic/"),
        ("supervision", "lz_supervisor", "/staff/supervision/"),
        ("supervision (province)", "gs_supervisor", "/staff/supervision/"),
        ("dashboard", "lz_supervisor", "/stats/dashboard/"),
        ("overdue", "gs_supervisor", "/stats/overdue/"),
        ("export messages.csv", "lz_supervisor", "/stats/export/messages.csv"),
        ("export messages.xlsx (city)", "lz_supervisor", "/stats/export/messages.xlsx?region=620100"),
        ("export table.csv", "gs_supervisor", "/stats/export/table.csv"),
        ("admin: inbox", "admin", "/staff/"),
    ]
    return out


def forget_compared_rows() -> None:
    """Forget what the dispatchers' queue rows found among their candidates (kept by
    ``lookup.near_duplicates_many`` while the candidates stay the same), the indexes kept: the
    next request compares its rows as a page not opened yet does, or any page after a case in
    its areas moved."""
    from minsheng.insight import lookup

    for _, candidates in list(lookup._dup_cache.values()):
        candidates.near.clear()


def time_pages(runs: int, only: str | None, fresh_rows: bool = False) -> list[tuple]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from minsheng.accounts.models import User

    clients: dict[str | None, Client] = {}
    rows = []
    for label, username, url in pages():
        if only and only not in label:
            continue
        if username not in clients:
            clients[username] = Client()
            if username:
                clients[username].force_login(User.objects.get(username=username))
        client = clients[username]
        times = []
        for _ in range(runs + 1):
            if fresh_rows:
                forget_compared_rows()
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                response = client.get(url)
                if response.streaming:
                    b"".join(response.streaming_content)
                times.append((time.perf_counter() - started) * 1000)
        rows.append((label, username or "anonymous", url, response.status_code, times[0],
                     statistics.median(times[1:]), len(queries)))
        log(f"{label:<28} {username or '-':<16} {response.status_code} first {times[0]:8.1f}  "
            f"p50 {statistics.median(times[1:]):8.1f} ms  {len(queries):4d} q")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/minsheng_perf")
    parser.add_argument("--var", default="/tmp/var-bench-pages", help="data folder (SQLite database, models)")
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--seed-messages", type=int, default=2000, help="messages the demo generates first")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--only", help="time only the pages whose label contains this")
    parser.add_argument("--no-build", action="store_true", help="time the database as it is")
    parser.add_argument("--fresh-rows", action="store_true",
                        help="before each request forget the near-duplicates found for the dispatch queues' rows "
                             "(the 疑似重复 badge): the p50 of a queue page whose rows were not compared yet")
    args = parser.parse_args()
    var = Path(args.var).resolve()
    if var == (ROOT / "var").resolve():
        parser.error("--var must not be the project's var/")
    var.mkdir(parents=True, exist_ok=True)
    os.environ["MINSHENG_VAR_DIR"] = str(var)
    if args.db == "postgres":
        os.environ["DATABASE_URL"] = args.pg
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django

    django.setup()
    from minsheng.board.models import Message

    if not args.no_build:
        build(args.messages, args.seed_messages)
    log(f"\n{args.db}: {Message.objects.count()} messages\n")
    rows = time_pages(args.runs, args.only, args.fresh_rows)
    log("\n| page | as | first ms | p50 ms | queries |\n|---|---|---:|---:|---:|")
    for label, who, _url, status, first, p50, queries in rows:
        flag = "" if status == 200 else f" ({status})"
        log(f"| {label}{flag} | {who} | {first:.0f} | {p50:.0f} | {queries} |")


if __name__ == "__main__":
    main()
