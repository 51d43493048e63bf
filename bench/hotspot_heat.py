"""What keeping the hotspots' heat no more than an hour old costs (docs/hotspots.md "Heat no more than an
hour old"): /hotspots/ (全部) and the API's list with many hotspots, the read that brings every stored heat and
老大难 flag to now, and that recompute an hour later.

    .venv/bin/python bench/hotspot_heat.py [--hotspots 30000] [--runs 40] [--var /tmp/var-bench-heat]
    .venv/bin/python bench/hotspot_heat.py --pg postgres://postgres@127.0.0.1:5432/minsheng_heat_bench

Data: its own database (SQLite under ``--var``; PostgreSQL ``--pg``, an existing empty database), never the
project's var/. It holds ``--hotspots`` hotspots without members whose latest letter is up to 900 days old,
four in five public, each stored with the heat and 老大难 flag of its last letter (a server whose
refresh-hotspots never ran: a problem past its 90th day since is not flagged); half with unresolved letters, the
first letter up to 200 days before the last; a database already holding that many is reused. Prints the median and fastest of ``--runs`` requests
of each list once the heat is fresh (no recompute: what every request but one an hour costs), the one
request that recomputed first (every row stale on a new database), and the recomputes (``decay_heat_in_database``,
``flag_chronic_in_database``) with nothing moved and an hour later; then the 老大难 pass alone, ``--runs`` times with
nothing to change (its hourly cost: since 2026-12-05 one UPDATE that sets and clears), and once with
MINSHENG_CHRONIC_DAYS raised to 120 and once back at 90 (the flags it clears, then sets again).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hotspots", type=int, default=30000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--var", default="/tmp/var-bench-heat", help="SQLite database folder (MINSHENG_VAR_DIR)")
    parser.add_argument("--pg", help="PostgreSQL URL instead of SQLite")
    args = parser.parse_args()
    os.environ["MINSHENG_VAR_DIR"] = args.var
    os.environ["MINSHENG_WARMUP"] = "0"
    if args.pg:
        os.environ["DATABASE_URL"] = args.pg
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.utils import timezone

    from minsheng.insight import hotspots as core
    from minsheng.insight import hotspots_service
    from minsheng.insight.models import HeatDecay, Hotspot

    call_command("migrate", verbosity=0)
    if Hotspot.objects.count() != args.hotspots or not Hotspot.objects.filter(unresolved_count__gt=0).exists():
        Hotspot.objects.all().delete()
        rnd, now, rows = random.Random(7), timezone.now(), []
        for i in range(args.hotspots):
            last = now - dt.timedelta(days=rnd.uniform(0, 900))
            messages = rnd.choice([1, 1, 2, 2, 3, 5, 8, 13])
            citizens, supports = max(1, messages - rnd.randint(0, 1)), rnd.randint(0, 5)
            first, unresolved = last - dt.timedelta(days=rnd.uniform(0, 200)), rnd.choice([0, 0, 1, 2])
            rows.append(Hotspot(title=f"第{i}号热点问题", first_at=first, last_at=last,
                                message_count=messages, public_count=messages if rnd.random() < 0.8 else 0,
                                citizen_count=citizens, support_count=supports, unresolved_count=unresolved,
                                heat=core.heat(citizens, messages, supports, last, last),
                                chronic=core.is_chronic(first, last, unresolved) and messages >= 2))
        Hotspot.objects.bulk_create(rows, batch_size=2000)
        HeatDecay.objects.all().delete()
    print(f"{Hotspot.objects.count()} hotspots, {Hotspot.objects.public().count()} public "
          f"({'PostgreSQL' if args.pg else 'SQLite'})")
    client = Client()
    client.get("/hotspots/?days=7")  # imports and templates, no recompute
    HeatDecay.objects.all().delete()  # as on a server where it never ran
    hotspots_service.reset_index()
    since, chronic, began = timezone.now(), Hotspot.objects.filter(chronic=True).count(), time.perf_counter()
    client.get("/hotspots/")
    print(f"/hotspots/ that recomputes the heat and flags: {(time.perf_counter() - began) * 1000:.0f} ms, "
          f"{Hotspot.objects.filter(refreshed_at__gte=since).count()} rows written, "
          f"老大难 {chronic} -> {Hotspot.objects.filter(chronic=True).count()}")
    for url in ("/hotspots/", "/hotspots/?page=50", "/api/v1/hotspots/"):
        client.get(url)
        times = []
        for _ in range(args.runs):
            began = time.perf_counter()
            assert client.get(url).status_code == 200
            times.append((time.perf_counter() - began) * 1000)
        print(f"{url}: median {statistics.median(times):.1f} ms, fastest {min(times):.1f} ms")
    for label, later in (("with nothing moved", dt.timedelta(0)), ("an hour later", dt.timedelta(hours=1))):
        began = time.perf_counter()
        changed = hotspots_service.decay_heat_in_database(timezone.now() + later)
        print(f"recompute {label}: {changed} rows in {(time.perf_counter() - began) * 1000:.0f} ms")
        began = time.perf_counter()
        flagged = hotspots_service.flag_chronic_in_database(timezone.now() + later)
        print(f"老大难 flags {label}: {flagged} rows in {(time.perf_counter() - began) * 1000:.1f} ms")
    times = []
    for _ in range(args.runs):
        began = time.perf_counter()
        hotspots_service.flag_chronic_in_database(timezone.now())
        times.append((time.perf_counter() - began) * 1000)
    print(f"老大难 flags, nothing to change: median {statistics.median(times):.1f} ms, fastest {min(times):.1f} ms")
    from django.conf import settings

    for days in (120, 90):
        settings.MINSHENG_CHRONIC_DAYS = days
        before, began = Hotspot.objects.filter(chronic=True).count(), time.perf_counter()
        changed = hotspots_service.flag_chronic_in_database(timezone.now())
        print(f"老大难 flags with MINSHENG_CHRONIC_DAYS={days}: {changed} rows in "
              f"{(time.perf_counter() - began) * 1000:.1f} ms, 老大难 {before} -> {Hotspot.objects.filter(chronic=True).count()}")


if __name__ == "__main__":
    main()
