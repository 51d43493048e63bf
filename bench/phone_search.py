"""The staff lists' 查找 by a phone's last digits (``staff.queue_condition``) over N messages: what the reading of a
number with an extension (``staff.number_before_extension``, regular expressions, 2026-12-08) costs beside the
digits' end alone (``national_phone_sql``, before it), read on every row (12-08) or only on the rows showing an
extension's mark (``staff.may_hold_extension``, since the review of 2026-12-08).

    MINSHENG_VAR_DIR=... [DATABASE_URL=...] .venv/bin/python bench/phone_search.py [--messages 20000] [--runs 5]

Reads the configured database, which must be migrated (``minsheng migrate``); inside a transaction that is rolled
back at the end it adds ``--messages`` messages, one in five of them with a landline (a fifth of those with an
extension, 转, 分机, ext. or a dash), the rest with a mobile, and counts the matches of a few typed queries by the
digits' conditions, printing the median wall time in milliseconds of ``--runs`` counts each (the
whole table: a unit's list is a part of it).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class Rollback(Exception):
    pass


def phone(rng: random.Random) -> str:
    if rng.random() < 0.8:
        return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
    number = f"0931-{rng.randrange(2, 10)}{rng.randrange(10**6):06d}"
    if rng.random() < 0.2:
        return number + rng.choice(["转", "分机", " ext.", "-"]) + str(rng.randrange(100, 1000))
    return number


def fill(count: int, seed: int) -> None:
    from minsheng.accounts.models import User
    from minsheng.board.models import Message
    from minsheng.directory.models import Region

    rng = random.Random(seed)
    region = Region.objects.first() or Region.objects.create(code="620000", name="甘肃省", level=1)
    author = User.objects.create(username="bench_phone_search")
    Message.objects.bulk_create(
        [Message(public_id=f"2026120{9 - i % 2}{i:06d}", title="路灯不亮", body="路灯不亮", kind="help", region=region,
                 author=author, contact_phone=phone(rng)) for i in range(count)], batch_size=2000)
    # the caller's: the same line sent five ways
    Message.objects.bulk_create(
        [Message(public_id=f"20261210{i:06d}", title="路灯不亮", body="路灯不亮", kind="help", region=region,
                 author=author, contact_phone=written)
         for i, written in enumerate(("0931-8123456转802", "0931-8123456-802", "(0931)8123456 ext802", "8123456分机802",
                                      "0931-8123456"))])


def timed(queryset, runs: int) -> tuple[int, float]:
    found, times = 0, []
    for _ in range(runs):
        start = time.perf_counter()
        found = queryset.count()
        times.append((time.perf_counter() - start) * 1000)
    return found, statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.models import Q
    from django.db.models.lookups import EndsWith

    from minsheng.accounts.models import national_phone_sql
    from minsheng.board.models import Message
    from minsheng.board.views.staff import may_hold_extension, number_before_extension

    print(f"{connection.vendor}, {args.messages} messages, median of {args.runs}")
    field = "contact_phone"
    try:
        with transaction.atomic():
            fill(args.messages, args.seed)
            mine = Message.objects.filter(author__username="bench_phone_search")
            for typed in ("3456", "8123456", "0931812", "6802"):
                end = Q(EndsWith(national_phone_sql(field), typed))
                readings = Q(EndsWith(national_phone_sql(field, extension=True), typed)) | number_before_extension(
                    field, typed)
                for label, condition in (("the digits' end (until 12-07)", end),
                                         ("every row's extension (12-08)", readings),
                                         ("marked rows' extension (review)", end | (may_hold_extension(field)
                                                                                    & readings))):
                    found, ms = timed(mine.filter(condition), args.runs)
                    print(f"  「{typed}」 {label:34} {found:6} found {ms:9.1f} ms")
            raise Rollback
    except Rollback:
        pass


if __name__ == "__main__":
    main()
