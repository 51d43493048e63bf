"""What 按建议派单 costs on the demo: queries and seconds for a page of 20 cases and for 100 (five pages).

    MINSHENG_VAR_DIR=... [DATABASE_URL=postgres://...] .venv/bin/python bench/batch_dispatch.py [--cases 20 100]

Reads the configured database, which must hold the demo (``minsheng demo``). The demo leaves few cases waiting
in the queue (most are dispatched or answered): the cases in hand (dispatched or signed) in the regions of the
dispatcher with the widest ones, the oldest first, are made accepted cases waiting for 派单 again (their shares
deleted, as before their 派单), and those the queue would offer to dispatch by suggestion (no reason not to:
``batch_dispatch.plan_each``) are dispatched through the queue's 按建议派单 (``board:triage_dispatch``) as that
dispatcher, 20 a post, each row posting back the plan it showed, with the embedded default's in-place tasks
(no Celery worker: the hotspots' refresh and the notifications run in the request). Prints per run: cases
dispatched (a case a near-duplicate of one dispatched just before in the run is skipped, as on the page),
queries, seconds. Everything runs in one transaction rolled back at the end (the commit hooks run as at a
commit), so a second run measures the same cases.
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
    from django.db.models.functions import Length
    from django.test import Client, TestCase
    from django.test.utils import CaptureQueriesContext, override_settings
    from django.urls import reverse

    from minsheng.accounts.models import Membership
    from minsheng.board import batch_dispatch
    from minsheng.board.models import Assignment, Message
    from minsheng.insight.suggest import SUGGEST_RELATED
    from minsheng.stats import facts

    widest = (Membership.objects.filter(role=Membership.Role.DISPATCHER, region__isnull=False,
                                        user__is_active=True)
              .select_related("user", "region").order_by(Length("region__code"), "region__code", "pk"))
    widest = min(widest, key=lambda m: len(m.region.prefix), default=None)
    if widest is None:
        sys.exit("no dispatcher: load the demo first (minsheng demo)")
    dispatcher, prefix = widest.user, widest.region.prefix
    pool = list(Message.objects.filter(status__in=["dispatched", "signed"], region__code__startswith=prefix)
                .order_by("submitted_at", "pk").values_list("pk", flat=True)[:8 * max(args.cases)])
    print(f"{connection.vendor}; {len(pool)} cases in hand in {widest.region.name}, "
          f"dispatched by {dispatcher.username}")

    def wait_again(message_ids):
        """The cases as before their 派单 (inside the transaction rolled back)."""
        Assignment.objects.filter(message__in=message_ids).delete()
        Message.objects.filter(pk__in=message_ids).update(status="accepted", dispatched_at=None, due_at=None)
        facts.refresh_messages(message_ids)  # the statistics as they were then: the run measures the 派单 alone

    def offered(message_ids, n):
        """The first ``n`` of the cases that the queue offers to dispatch by suggestion, with their plans' keys."""
        messages = list(Message.objects.filter(pk__in=message_ids).select_related(*SUGGEST_RELATED)
                        .order_by("submitted_at", "pk"))
        keys = {}
        for start in range(0, len(messages), 50):
            plans = batch_dispatch.plan_each(messages[start:start + 50])
            for m in messages[start:start + 50]:
                if not plans[m.pk].why_not:
                    keys[m.public_id] = plans[m.pk].key
            if len(keys) >= n:
                break
        return dict(list(keys.items())[:n])

    for n in args.cases:
        try:
            with override_settings(ALLOWED_HOSTS=["*"]), transaction.atomic():
                wait_again(pool)
                chosen = offered(pool, n)
                if len(chosen) < n:
                    print(f"{n}: only {len(chosen)} cases to dispatch")
                client = Client()
                client.force_login(dispatcher)
                ids = list(chosen)
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    for page in range(0, len(ids), 20):
                        cases = ids[page:page + 20]
                        # the commit hooks of each post run at its end, as at its commit
                        with TestCase.captureOnCommitCallbacks(execute=True):
                            client.post(reverse("board:triage_dispatch"),
                                        {"case": cases, **{f"seen-{pid}": chosen[pid] for pid in cases}})
                    seconds = time.perf_counter() - start
                dispatched = Message.objects.filter(public_id__in=ids, status="dispatched").count()
                raise Rollback
        except Rollback:
            pass
        print(f"{n} cases: {dispatched} dispatched, {len(queries.captured_queries)} queries, {seconds:.2f} s")
        shapes = Counter(re.sub(r"\b\d+\b|'[^']*'|%s|\?", "?", q["sql"])[:150] for q in queries.captured_queries)
        for shape, count in shapes.most_common(args.top):
            print(f"  {count:5d}  {shape}")


if __name__ == "__main__":
    main()
