"""A county renamed on a large database: the first letter a worker places after it (its in-memory clustering read
again with the new name), and the refresh of the county's hotspots that follows (how long each of its write
transactions holds the database: SQLite's one write lock, which a citizen's post waits for).

    MINSHENG_VAR_DIR=/tmp/bench-rename [DATABASE_URL=...] .venv/bin/python bench/hotspot_rename.py [--messages 20000]

Writes its own data into the configured database when it holds no message (migrated first: give it a database of
its own), kept for the next run: ``--messages`` letters in the hotspot window, over 9 counties (A1区…A9区) of one
city, clustered with ``hotspots.cluster_batch``, the synthetic letters of ``bench/hotspots.py``. Each measure runs
in a transaction rolled back at its end. Figures in docs/hotspots.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))  # after PYTHONPATH: a worktree given there wins


class Rollback(Exception):
    pass


def build(n: int) -> None:
    """``n`` letters, their hotspots and memberships, written with bulk inserts."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from bench.hotspots import synthetic
    from minsheng.board.models import Message
    from minsheng.directory.models import Region
    from minsheng.insight import hotspots_service
    from minsheng.insight.hotspots import cluster_batch
    from minsheng.insight.models import Hotspot, HotspotMember

    started = time.perf_counter()
    items = synthetic(n, days=hotspots_service.window_days() - 2)
    now = timezone.now()
    latest = max(item.at for item in items)
    with transaction.atomic():
        province = Region.objects.create(code="620000", name="甘肃省", level=1)
        city = Region.objects.create(code="620100", name="兰州市", level=2, parent=province)
        counties = [Region.objects.create(code=f"6201{k:02d}", name=f"A{k}区", level=3, parent=city)
                    for k in range(1, 10)]
        users = get_user_model().objects.bulk_create(
            [get_user_model()(username=f"bench{i:05d}", display_name=f"居民{i}") for i in range(500)])
        rows = []
        for i, item in enumerate(items):
            k = next((k for k in range(1, 10) if f"A{k}区" in item.title), i % 9 + 1)
            at = now - (latest - item.at) - dt.timedelta(hours=1)
            rows.append(Message(public_id=f"B{i:07d}", title=item.title, body=item.body, kind="complain",
                                region=counties[k - 1], author=users[i % len(users)], status="accepted",
                                submitted_at=at, accepted_at=at))
        Message.objects.bulk_create(rows, batch_size=2000)
        messages = list(Message.objects.select_related("region__parent__parent").order_by("pk"))
        index = cluster_batch([hotspots_service._item(m) for m in messages], hotspots_service.window_days())
        by_pk = {m.pk: m for m in messages}
        hotspots, members = [], []
        for cluster in index.clusters.values():
            first = by_pk[int(cluster.members[0])]
            hotspots.append(Hotspot(title=first.title, region=first.region, first_at=cluster.first_at,
                                    last_at=cluster.last_at))
        Hotspot.objects.bulk_create(hotspots, batch_size=2000)
        for hotspot, cluster in zip(hotspots, index.clusters.values(), strict=True):
            members += [HotspotMember(message_id=int(m), hotspot=hotspot, score=1.0) for m in cluster.members]
        HotspotMember.objects.bulk_create(members, batch_size=2000)
        pks = sorted(h.pk for h in hotspots)
        for start in range(0, len(pks), 200):
            hotspots_service.refresh_many(pks[start:start + 200])
    print(f"built {len(messages):,} letters, {len(hotspots):,} hotspots in {time.perf_counter() - started:.0f} s")


def rename(region, name: str) -> None:
    """As another process renames it: the row and its stamp, no signal in this one."""
    from django.utils import timezone

    type(region).objects.filter(pk=region.pk).update(name=name, updated_at=timezone.now())


def placements(rounds: int) -> None:
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.utils import timezone

    from minsheng.board.models import Message
    from minsheng.directory.models import Region
    from minsheng.insight import hotspots_service

    county = Region.objects.get(code="620103")  # A3区
    author = get_user_model().objects.order_by("pk").first()
    read = []
    item = hotspots_service._item
    hotspots_service._item = lambda message: read.append(message.pk) or item(message)

    def letter(i: int, region) -> float:
        message = Message.objects.create(public_id=f"R{i:07d}", title=f"{region.name}幸福家园电梯经常故障停运",
                                         body="3号楼电梯经常故障停运, 老人上下楼非常困难。", kind="complain",
                                         region=region, author=author, status="accepted",
                                         submitted_at=timezone.now())
        read.clear()
        start = time.perf_counter()
        hotspots_service.place_message(message)
        return time.perf_counter() - start

    cold, warm, renamed, reads = [], [], [], []
    for r in range(rounds):
        try:
            with transaction.atomic():
                hotspots_service.reset_index()
                cold.append(letter(r * 10, county))  # a process's first letter: the index built
                warm.append(letter(r * 10 + 1, county))
                rename(county, "A3县")
                renamed.append(letter(r * 10 + 2, Region.objects.get(pk=county.pk)))
                reads.append(len(read))
                raise Rollback
        except Rollback:
            pass
    hotspots_service._item = item
    ms = lambda xs: f"{statistics.median(xs) * 1000:,.0f} ms (of {', '.join(f'{x * 1000:,.0f}' for x in xs)})"  # noqa: E731
    print(f"a process's first letter (the index built): {ms(cold)}")
    print(f"a letter placed after it:                   {ms(warm)}")
    print(f"the first letter after A3区 was renamed:     {ms(renamed)}; letters read again {reads[0]:,}")


def refresh_hold() -> None:
    """The refresh of A3区's hotspots after its rename (``refresh_hotspot``, which the rename queues), each of its
    write transactions timed: on SQLite each holds the database's write lock from its start to its commit."""
    from django.db import transaction

    from minsheng.directory.models import Region
    from minsheng.insight import hotspots_service

    county = Region.objects.get(code="620103")
    held = []
    refresh_many = hotspots_service.refresh_many

    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return refresh_many(*args, **kwargs)
        finally:
            held.append((time.perf_counter() - start, len(args[0])))

    hotspots_service.refresh_many = timed
    try:
        with transaction.atomic():
            rename(county, "A3县")
            pks = hotspots_service._hotspots_of(regions=[(county.pk, "A3区")])
            start = time.perf_counter()
            hotspots_service.refresh_hotspot(*pks)
            total = time.perf_counter() - start
            raise Rollback
    except Rollback:
        pass
    finally:
        hotspots_service.refresh_many = refresh_many
    seconds = [s for s, _ in held]
    print(f"refresh of A3区's {len(pks):,} hotspots: {total:.1f} s in {len(held)} write transaction(s) of "
          f"{min(n for _, n in held)}-{max(n for _, n in held)} hotspots; each held "
          f"{min(seconds):.2f}-{max(seconds):.2f} s (median {statistics.median(seconds):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000, help="letters written when the database has none")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from minsheng.board.models import Message
    from minsheng.insight.models import Hotspot, HotspotMember

    call_command("migrate", verbosity=0)
    if not Message.objects.exists():
        build(args.messages)
    print(f"{connection.vendor}; {Message.objects.count():,} letters, {Hotspot.objects.count():,} hotspots, "
          f"{HotspotMember.objects.count():,} memberships")
    placements(args.rounds)
    refresh_hold()


if __name__ == "__main__":
    main()
