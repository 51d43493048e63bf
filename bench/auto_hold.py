"""How many sure messages automatic dispatch holds back as 疑似重复 (insight.tasks._hold_reason).

    MINSHENG_VAR_DIR=... .venv/bin/python bench/auto_hold.py [--region 6201] [--days 90] [--confidence 0.9]

Reads the configured database, which must hold the demo (``minsheng demo``). For each message of the
region (code prefix) submitted in the last ``--days`` days whose topic was read at ``--confidence`` or
more, it looks up its 疑似重复 (``lookup.near_duplicates``, every one from the threshold, not only the
five the dispatcher's list shows) and keeps those submitted before it, as they stood when it arrived
(public by then, not merged): it prints how many of the messages have one among the five nearest (the
hold before 2026-12-04's change: any of them), how many have one of the five still in hand then
(accepted, not closed by then: the hold of the in-hand rule, reading the five), and how many have one in
hand among all (the hold now). Statuses at arrival are read from the cases' accepted_at and closed_at;
the lookup reads today's candidates (a case merged or withdrawn since is missing), so the figures are
estimates.
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
    held_any = held_five = held_in_hand = 0
    for m in sure:
        near = lookup.near_duplicates(m, k=None)  # nearest first: the dispatcher's list is its head
        listed = {d.pk for d, _ in near[:5]}
        earlier = [d for d, _ in near if d.submitted_at < m.submitted_at]
        full = {d.pk: d for d in Message.objects.filter(pk__in=[d.pk for d in earlier])}
        public = [
            full[d.pk] for d in earlier if full[d.pk].accepted_at and full[d.pk].accepted_at <= m.submitted_at
        ]
        in_hand = [d for d in public if d.closed_at is None or d.closed_at > m.submitted_at]
        held_any += any(d.pk in listed for d in public)
        held_five += any(d.pk in listed for d in in_hand)
        held_in_hand += bool(in_hand)
    print(
        f"{len(sure)} messages of {args.region}* of the last {args.days} days read at {args.confidence} or more"
    )
    print(f"with an earlier 疑似重复 public when they arrived, among the five listed (the first rule): {held_any}")
    print(f"with one of the five in hand when they arrived, not closed (the five read: held before): {held_five}")
    print(f"with one in hand among all from the threshold (held now): {held_in_hand}")


if __name__ == "__main__":
    main()
