"""`minsheng refresh-stats [--commit]`: rebuild facts, rollups and open cases."""

from __future__ import annotations

import sys
import time

from django.core.management.base import BaseCommand

from minsheng.board.models import Message
from minsheng.stats.facts import rebuild
from minsheng.stats.models import MessageFact, Rollup


class Command(BaseCommand):
    help = "Recompute the statistics of every message (dry run unless --commit)."

    def add_arguments(self, parser):
        parser.add_argument("--commit", action="store_true", help="really rebuild (otherwise only report)")
        parser.add_argument("--chunk", type=int, default=5000,
                            help="messages computed per step when the rebuild runs in Python, as on SQLite "
                                 "(default 5000; at least 100)")

    def handle(self, *args, **opts):
        total = Message.objects.count()
        if not opts["commit"]:
            self.stdout.write(f"dry run: would rebuild the statistics of {total} messages "
                              f"(now {MessageFact.objects.count()} facts, {Rollup.objects.count()} rollup rows); "
                              "add --commit to do it")
            return
        started = time.monotonic()
        self.stdout.write(f"rebuilding the statistics of {total} messages ...")  # minutes at a million

        def progress(done):
            if sys.stderr.isatty():
                width = 30
                filled = int(width * done / max(total, 1))
                sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total}")
                sys.stderr.flush()

        count = rebuild(chunk=max(100, opts["chunk"]), progress=progress)
        if sys.stderr.isatty():
            sys.stderr.write("\n")
        self.stdout.write(f"rebuilt the statistics of {count} messages: {Rollup.objects.count()} rollup rows "
                          f"in {time.monotonic() - started:.1f}s")
