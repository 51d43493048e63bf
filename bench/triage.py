"""The dispatcher's queue (派单队列, /staff/triage/) with N pending messages: queries and time.

    MINSHENG_VAR_DIR=... .venv/bin/python bench/triage.py [--pending 50] [--runs 5]

Reads the configured database, which must hold the demo (``minsheng demo``: its accounts
lz_dispatcher and gs_dispatcher). Inside a transaction that is rolled back at the end, it
tops 兰州市's queue up to ``--pending`` messages by submitting copies of the titles and bodies
of older public messages of 兰州市 (so some rows have a near duplicate to merge, as in life),
then requests the queue's first page as 兰州市's dispatcher and as the province's, cold (after
one request that loads the templates, the similar-message cache of insight.lookup emptied)
and warm, and prints the number of queries and the wall time in milliseconds (warm: the median of ``--runs``), with the number
of rows that carry a 疑似重复 badge and, for comparison, what the case page's lookup run once
per row of the page costs. Then, as on a busy queue, the page after a change (``--runs`` times:
one of 兰州市's pending messages accepted, a new candidate to merge with; the median) and a
minute later with nothing changed (the clock of insight.lookup moved on 61 seconds).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import time
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Rollback(Exception):
    pass


def top_up(pending: int, seed: int) -> int:
    from minsheng.accounts.models import User
    from minsheng.board import actions
    from minsheng.board.models import Message
    from minsheng.board.workflow import Status

    queue = Message.objects.filter(region__code__startswith="6201", status__in=[Status.SUBMITTED, Status.ACCEPTED])
    missing = pending - queue.count()
    sources = list(Message.objects.filter(region__code__startswith="6201", status__in=[Status.CLOSED, Status.REPLIED])
                   .select_related("region").order_by("pk"))
    citizen = User.objects.filter(memberships__isnull=True, is_superuser=False).order_by("pk").first()
    rng = random.Random(seed)
    for source in rng.sample(sources, max(0, missing)):
        actions.do_submit(citizen, title=source.title, body=source.body, kind=source.kind, region=source.region)
    return queue.count()


def measure(username: str, runs: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from minsheng.accounts.models import User
    from minsheng.insight import lookup

    client = Client()
    client.force_login(User.objects.get(username=username))

    def once() -> tuple[int, float, str]:
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            response = client.get("/staff/triage/")
            elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, response.status_code
        return len(ctx.captured_queries), elapsed, response.content.decode()

    once()  # templates and the process's first-request work, not the queue's
    lookup.clear_cache()
    cold_queries, cold_ms, page = once()
    warm = [once() for _ in range(runs)]
    changed = []
    for _ in range(runs):
        accept_one()
        changed.append(once())
    later = minute_later(lookup, once)
    rows = len(re.findall(r'<td data-label="留言">', page))
    badges = len(re.findall(r"疑似重复 \d", page))
    return {"rows": rows, "badges": badges, "cold_queries": cold_queries, "cold_ms": cold_ms,
            "warm_queries": warm[-1][0], "warm_ms": statistics.median(ms for _, ms, _ in warm),
            "changed_queries": changed[-1][0], "changed_ms": statistics.median(ms for _, ms, _ in changed),
            "later_queries": later[0], "later_ms": later[1],
            **per_row(re.findall(r'<a href="/staff/case/(\w+)/">', page))}


def accept_one() -> None:
    """兰州市's dispatcher accepts the oldest of its pending messages: a new candidate to merge with."""
    from minsheng.accounts.models import User
    from minsheng.board import actions
    from minsheng.board.models import Message
    from minsheng.board.workflow import Status

    pending = Message.objects.filter(region__code__startswith="6201", status=Status.SUBMITTED).order_by("pk").first()
    actions.do_accept(User.objects.get(username="lz_dispatcher"), pending)


def minute_later(lookup, once) -> tuple[int, float]:
    """The page with insight.lookup's clock 61 seconds on (its caches' age), nothing changed."""
    real = time.monotonic
    lookup.time = types.SimpleNamespace(monotonic=lambda: real() + 61)
    try:
        queries, ms, _ = once()
    finally:
        lookup.time = time
    return queries, ms


def per_row(public_ids: list[str]) -> dict:
    """What the badges would cost looked up one row at a time (the case page's lookup per
    row), cold: for comparison."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from minsheng.board.models import Message
    from minsheng.insight import lookup

    rows = list(Message.objects.filter(public_id__in=public_ids).select_related("region"))
    lookup.clear_cache()
    with CaptureQueriesContext(connection) as ctx:
        start = time.perf_counter()
        for m in rows:
            lookup.near_duplicates(m)
        elapsed = (time.perf_counter() - start) * 1000
    return {"per_row_queries": len(ctx.captured_queries), "per_row_ms": elapsed}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pending", type=int, default=50)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django

    django.setup()
    from django.db import transaction

    from minsheng.accounts.models import User

    if not User.objects.filter(username="lz_dispatcher").exists():
        sys.exit("bench/triage.py: no demo accounts in this database; run `minsheng demo` first")
    try:
        with transaction.atomic():
            queued = top_up(args.pending, args.seed)
            print(f"兰州市 queue: {queued} pending messages (submitted or accepted)")
            for username in ("lz_dispatcher", "gs_dispatcher"):
                r = measure(username, args.runs)
                print(f"{username}: first page {r['rows']} rows, {r['badges']} with 疑似重复; "
                      f"cold {r['cold_queries']} queries {r['cold_ms']:.0f} ms; "
                      f"warm {r['warm_queries']} queries {r['warm_ms']:.0f} ms (median of {args.runs}); "
                      f"after a case is accepted {r['changed_queries']} queries {r['changed_ms']:.0f} ms (median); "
                      f"a minute later {r['later_queries']} queries {r['later_ms']:.0f} ms; "
                      f"a lookup per row instead: {r['per_row_queries']} queries {r['per_row_ms']:.0f} ms cold")
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
