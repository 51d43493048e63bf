"""The search's queries behind the browse page (the count, the first page, ranked), each
timed as SQL on the database as it is, for one to three common words, a rare word, a very
common one and a message number.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_perf MINSHENG_VAR_DIR=/tmp/var-perf-pg \\
        .venv/bin/python bench/search.py [--plans]

The page is built as the browse page builds it (``views.public.paginate`` over
``search.Ranked``, its count stopping at ``SEARCH_COUNT_CAP``); each SQL statement it runs
is timed four times: it prints the median ms of the last three, summed over the count's
statements and over the page's (the page reads the matches with the query in the title, then,
if it is not full, the others). ``--plans`` prints each one's ``EXPLAIN (ANALYZE, BUFFERS)``
(PostgreSQL; ``EXPLAIN QUERY PLAN`` on SQLite) on stderr. It reads only; use a database of
the bench/pages.py size (60,000 messages).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUERIES = [("1 common word", "小区"), ("2 common words", "小区 物业"), ("3 common words", "小区 物业 问题"),
           ("rare word", "金花"), ("very common word", "您好")]


def timed(sql: str, plans: bool) -> float:
    from django.db import connection

    times = []
    with connection.cursor() as cur:
        for _ in range(4):
            started = time.perf_counter()
            cur.execute(sql)
            cur.fetchall()
            times.append((time.perf_counter() - started) * 1000)
        if plans:
            explain = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
            if sql.startswith("EXPLAIN"):
                explain = ""
            cur.execute(explain + sql)
            print(sql, *(" | ".join(map(str, row)) for row in cur.fetchall()), "", sep="\n", file=sys.stderr)
    return statistics.median(times[1:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--plans", action="store_true", help="print each statement's EXPLAIN on stderr")
    plans = parser.parse_args().plans
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django

    django.setup()
    from django.db import connection
    from django.test import RequestFactory
    from django.test.utils import CaptureQueriesContext

    from minsheng.board import search
    from minsheng.board.models import Message
    from minsheng.board.views.public import (
        SEARCH_COUNT_CAP,
        filter_public,
        list_queryset,
        paginate,
        public_messages,
    )

    number = Message.objects.order_by("-id").values_list("public_id", flat=True).first()
    if number is None:
        sys.exit(f"{connection.vendor}: 数据库中没有留言; 先运行 make demo 或 bench/pages.py 生成数据")
    print(f"{connection.vendor}: {Message.objects.count()} messages\n")
    print("| query | q | matches | count ms | page 1 ms |\n|---|---|---:|---:|---:|")
    for label, q in [*QUERIES, ("message number", number)]:
        qs, _ = filter_public(public_messages(), {"q": q})  # as the browse page builds it
        with CaptureQueriesContext(connection) as queries:
            page, _ = paginate(RequestFactory().get("/browse/", {"q": q}), search.Ranked(list_queryset(qs), q),
                               count_cap=SEARCH_COUNT_CAP)
        matches = f"more than {page.paginator.cap}" if page.paginator.more else page.paginator.count
        # the page's rows; the rest counts (the planner's estimate, the count)
        paged = [query["sql"] for query in queries.captured_queries
                 if query["sql"].startswith('SELECT "board_message"."id"')]
        counted = [query["sql"] for query in queries.captured_queries if query["sql"] not in paged]
        count_ms = sum(timed(sql, plans) for sql in counted)
        page_ms = sum(timed(sql, plans) for sql in paged)
        print(f"| {label} | {q} | {matches} | {count_ms:.0f} | {page_ms:.0f} |", flush=True)


if __name__ == "__main__":
    main()
