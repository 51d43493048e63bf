"""How many sure messages automatic dispatch holds back as 疑似重复 (insight.tasks._hold_reason).

    MINSHENG_VAR_DIR=... .venv/bin/python bench/auto_hold.py [--region 6201] [--days 90] [--confidence 0.9]

Reads the configured database, which must hold the demo (``minsheng demo``). For each message of the
region (code prefix) submitted in the last ``--days`` days whose topic was read at ``--confidence`` or
more, it looks up its 疑似重复 (``lookup.near_duplicates``, the dispatcher's list) and keeps those
submitted before it, as they stood when it arrived (public by then, not merged): it prints how many of
the messages have one (the hold before 2026-12-04's change: any of them), and how many have one still
in hand then (accepted, not closed by then: the hold now). Statuses at arrival are read from the cases'
accepted_at and closed_at.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--region", default="6201", help="region code prefix (default 6201: 兰州市)")
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--confidence", type=float, default=0.9)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django

    django.setup()
    from django.db.models import Max

    from minsheng.board.models import Message
    from minsheng.insight import lookup

    until = Message.objects.aggregate(last=Max("submitted_at"))["last"]
    sure = list(
        Message.objects.filter(
            region__code__startswith=args.region,
            submitted_at__gte=until - dt.timedelta(days=args.days),
            topic_confidence__gte=args.confidence,
        )
        .select_related("region")
        .order_by("submitted_at", "pk")
    )
    held_any = held_in_hand = 0
    for m in sure:
        earlier = [d for d, _ in lookup.near_duplicates(m) if d.submitted_at < m.submitted_at]
        full = {d.pk: d for d in Message.objects.filter(pk__in=[d.pk for d in earlier])}
        public = [
            full[d.pk] for d in earlier if full[d.pk].accepted_at and full[d.pk].accepted_at <= m.submitted_at
        ]
        held_any += bool(public)
        held_in_hand += any(d.closed_at is None or d.closed_at > m.submitted_at for d in public)
    print(
        f"{len(sure)} messages of {args.region}* of the last {args.days} days read at {args.confidence} or more"
    )
    print(f"with an earlier 疑似重复 public when they arrived (held before): {held_any}")
    print(f"with one in hand when they arrived, not closed (held now): {held_in_hand}")


if __name__ == "__main__":
    main()
