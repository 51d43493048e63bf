"""`minsheng refresh-stats [--commit]`: rebuild facts, rollups and open cases."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from minsheng.board.models import Message
from minsheng.cli import int_at_least
from minsheng.progress import Progress
from minsheng.stats.facts import rebuild
from minsheng.stats.models import MessageFact, Rollup


class Command(BaseCommand):
    help = ("Recompute the statistics of every message (dry run unless --commit); the progress goes to "
            "standard error.")

    def add_arguments(self, parser):
        parser.add_argument("--commit", action="store_true", help="really rebuild (otherwise only report)")
        parser.add_argument("--chunk", type=int_at_least(100), default=5000,
                            help="messages computed per step when the rebuild runs in Python, as on SQLite "
                                 "(default 5000; at least 100)")

    def handle(self, *args, **opts):
        total = Message.objects.count()
        if not opts["commit"]:
            self.stdout.write(f"试运行 (未重算, 加 --commit 才会执行): 将重算 {total} 条留言的统计 "
                              f"(现有 {MessageFact.objects.count()} 条留言统计, {Rollup.objects.count()} 行汇总)")
            return
        started = time.monotonic()
        self.stdout.write(f"正在重算 {total} 条留言的统计...")  # minutes at a million
        # in place on a terminal, a line per tenth of the way in a log (minsheng.progress)
        with Progress(self.stderr) as progress:
            count = rebuild(chunk=opts["chunk"],
                            progress=lambda done: progress(f"  {done}/{total} 条留言", done, total))
        self.stdout.write(f"已重算 {count} 条留言的统计: 汇总 {Rollup.objects.count()} 行, "
                          f"用时 {time.monotonic() - started:.1f} 秒")
