"""Whether the browse page's search lists the same messages in the same order as ranking
every match in one query (``search.rank``), for 26 queries: frequent and rare words, Latin
letters, digits, traditional characters, a message number.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/minsheng_perf MINSHENG_VAR_DIR=/tmp/var-perf-pg \\
        .venv/bin/python bench/search_same.py

For each query it compares, with the ids of the single ranked query: pages 1, 2, 3, 50 and the
last (of 20) as the browse page reads them (``search.Ranked``) and as the two-part reading
gives them (``Ranked.in_two_parts``, which PostgreSQL uses for a word in a fifth of the
messages or more), and the count (``Ranked.count_up_to``, against the whole count). It prints
one line per query and exits 1 if any differs. It reads only.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

QUERIES = ["小区", "您好", "小区 物业", "小区 物业 问题", "金花", "电梯", "加装电梯", "路灯", "路燈", "電梯",
           "小區 物業", "噪音 扰民", "12345", "12345热线", "etc", "ETC车道", "停车", "供暖", "城关区", "物业费",
           "学校 门口", "垃圾", "问题", "2号楼", "的"]
PAGE = 20
CAP = 1000


def main() -> None:
    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django

    django.setup()
    from django.db import connection

    from minsheng.board import search
    from minsheng.board.models import Message
    from minsheng.board.views.public import filter_public, list_queryset, public_messages

    number = Message.objects.filter(status="closed").order_by("-id").values_list("public_id", flat=True).first()
    print(f"{connection.vendor}: {Message.objects.count()} messages")
    differ = 0
    for q in [*QUERIES, number]:
        qs, _ = filter_public(public_messages(), {"q": q})
        qs = list_queryset(qs)
        whole = list(search.rank(qs, q).values_list("pk", flat=True))
        ranked = search.Ranked(qs, q)
        last = max((len(whole) - 1) // PAGE, 0)
        problems = []
        for page in sorted({0, 1, 2, 49, last}):
            want = whole[page * PAGE:(page + 1) * PAGE]
            if [m.pk for m in ranked[page * PAGE:(page + 1) * PAGE]] != want:
                problems.append(f"page {page + 1}")
            if [m.pk for m in ranked.in_two_parts(page * PAGE, (page + 1) * PAGE)] != want:
                problems.append(f"page {page + 1} in two parts")
        if ranked.count_up_to(CAP + 1) != min(len(whole), CAP + 1):
            problems.append("count")
        differ += bool(problems)
        print(f"{q}: {len(whole)} matches, {'two parts' if ranked.dense else 'one query'}: "
              f"{', '.join(problems) or 'same'}", flush=True)
    print(f"{differ} of {len(QUERIES) + 1} differ")
    sys.exit(1 if differ else 0)


if __name__ == "__main__":
    main()
