"""What 签收所选 costs on the demo: queries and seconds for a page of 20 cases and for 100 (five pages).

    MINSHENG_VAR_DIR=... [DATABASE_URL=postgres://...] .venv/bin/python bench/batch_sign.py [--cases 20 100]

Reads the configured database, which must hold the demo (``minsheng demo``). The demo leaves few cases to
sign (most are signed or answered): the cases in hand (dispatched or signed), the oldest first, are made the
unsigned lead cases of the unit holding most of them, as they were before its 签收, and signed through the inbox's 签收所选 (``board:inbox_sign``) as one of its
officers, 20 a post, with the embedded default's in-place tasks (no Celery worker: the hotspots' refresh
runs in the request), and prints per run: cases signed, queries, seconds, the queries naming the hotspot
table, and the hotspots the cases belong to. Everything runs in one transaction rolled back at the end
(the commit hooks run as at a commit), so a second run measures the same cases.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))  # after PYTHONPATH: a worktree given there wins


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, nargs="+", default=[20, 100])
    parser.add_argument("--top", type=int, default=0, help="also print the N most frequent query shapes")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django

    django.setup()
    from django.db import connection, transaction
    from django.db.models import Count
    from django.test import Client, TestCase
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    from minsheng.board import actions
    from minsheng.board.models import Assignment, Message
    from minsheng.insight.models import HotspotMember
    from minsheng.stats import facts

    in_hand = Assignment.objects.filter(role=Assignment.Role.LEAD, state=Assignment.State.ACTIVE,
                                        message__status__in=["dispatched", "signed"])
    top = in_hand.values("unit").annotate(n=Count("id")).order_by("-n").first()
    if top is None:
        sys.exit("no case in hand: load the demo first (minsheng demo)")
    officer = actions.staff_memberships([top["unit"]]).select_related("user").first().user
    shares = {}  # a share of each case, the oldest first
    for pk, message_id in in_hand.order_by("message__submitted_at", "pk").values_list("pk", "message_id"):
        shares.setdefault(message_id, pk)
    print(f"{connection.vendor}; {len(shares)} cases in hand, signed by {officer.username} of unit {top['unit']}")

    def unsign(message_ids):
        """The cases as before the unit's 签收 (inside the transaction rolled back)."""
        Assignment.objects.filter(pk__in=[shares[m] for m in message_ids]).update(
            unit=top["unit"], signed_at=None, handler=None)
        Assignment.objects.filter(message__in=message_ids, role=Assignment.Role.ASSIST).update(signed_at=None)
        Message.objects.filter(pk__in=message_ids).update(status="dispatched")
        facts.refresh_messages(message_ids)  # the statistics as they were then: the run measures the 签收 alone

    for n in args.cases:
        message_ids = list(shares)[:n]
        chosen = list(Message.objects.filter(pk__in=message_ids).values_list("public_id", flat=True))
        if len(chosen) < n:
            print(f"{n}: only {len(chosen)} cases to sign")
        hotspots = HotspotMember.objects.filter(message__public_id__in=chosen).values("hotspot").distinct().count()
        try:
            with override_settings(ALLOWED_HOSTS=["*"]), transaction.atomic():
                unsign(message_ids)
                client = Client()
                client.force_login(officer)
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    for page in range(0, len(chosen), 20):
                        # the commit hooks of each post run at its end, as at its commit
                        with TestCase.captureOnCommitCallbacks(execute=True):
                            client.post(reverse("board:inbox_sign"), {"case": chosen[page:page + 20]})
                    seconds = time.perf_counter() - start
                signed = Message.objects.filter(public_id__in=chosen, status="signed").count()
                raise Rollback
        except Rollback:
            pass
        hot = sum("insight_hotspot" in q["sql"] for q in queries.captured_queries)
        print(f"{n} cases ({hotspots} hotspots): {signed} signed, {len(queries.captured_queries)} queries "
              f"({hot} of the hotspots), {seconds:.2f} s")
        shapes = Counter(re.sub(r"\b\d+\b|'[^']*'|%s|\?", "?", q["sql"])[:150] for q in queries.captured_queries)
        for shape, count in shapes.most_common(args.top):
            print(f"  {count:5d}  {shape}")


if __name__ == "__main__":
    main()
