"""minsheng demo [--messages N] [--seed S] [--today DAY] [--reset]: the demo directory, demo accounts
(one login per role, password printed at the end) and N realistic messages with their
histories over the past 12 months, then the demo models and the hotspots when the
insight app has them.

Refuses to run on a database that already has messages unless --reset, which deletes
every message first, in the generation's transaction (the directory and accounts are created or
updated in place), or
--if-empty, which then leaves the messages alone and only refreshes the directory and
the demo accounts (so `make demo` can be run again)."""

import datetime as dt
import time
import warnings

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from minsheng.board import demo
from minsheng.board.demo_accounts import ensure_accounts, logins_lines
from minsheng.board.models import Message
from minsheng.board.tasks import analyze_database
from minsheng.board.workflow import Status
from minsheng.directory.management.commands.load_directory import load
from minsheng.progress import Progress

EARLIEST_TODAY = dt.date(2000, 1, 1)


class Command(BaseCommand):
    help = ("Load the demo directory, accounts and N generated messages (default 3000) into the configured database, "
            "then train the demo models and place the messages into hotspots. Refuses when messages exist "
            "(see --reset and --if-empty). For a demo database only: the accounts share one password.")

    def add_arguments(self, parser):
        parser.add_argument("--messages", type=int, default=3000, help="how many messages to generate (default 3000)")
        parser.add_argument("--seed", type=int, default=2026, help="random seed; the same seed and --today give the same data")
        parser.add_argument("--today", metavar="YYYY-MM-DD",
                            help="the day the generated histories end (default: today; not in the future, not before 2000-01-01)")
        parser.add_argument("--reset", action="store_true",
                            help="delete all existing messages first, in one transaction with the new ones "
                                 "(a run that fails keeps them)")
        parser.add_argument("--if-empty", action="store_true",
                            help="when messages exist, keep them: only refresh directory and accounts")
        parser.add_argument("--no-train", action="store_true", help="skip training the demo models and placing hotspots")

    def handle(self, *args, messages, seed, today, reset, if_empty, no_train, **options):
        if messages < 0 or messages > 200_000:
            raise CommandError("--messages 应在 0 到 200000 之间")
        now = self._start_of(today) if today else None
        if reset and if_empty:
            raise CommandError("--reset 与 --if-empty 不能同时使用")
        existing = Message.objects.count()
        if existing and if_empty:
            self.stdout.write(f"数据库中已有 {existing} 条留言, 保留不动 (--if-empty); 更新演示目录和账号")
            self.stdout.write(f"演示目录: {load().summary()}")
            ensure_accounts()
            self._print_logins()
            return
        if existing and not reset:
            raise CommandError(f"数据库中已有 {existing} 条留言; 加 --reset 删除全部留言后重新生成, "
                               "或加 --if-empty 保留现有留言")
        started = time.monotonic()
        # one transaction (since 2026-12-07): a run stopped while generating (the database locked, the
        # connection lost) deleted the old messages all the same, and left none
        with transaction.atomic():
            if existing:
                self.stdout.write(f"删除现有留言 {demo.reset()} 条 (与新留言一并提交, 中途失败则保留)")
            self.stdout.write(f"演示目录: {load().summary()}")
            cast = ensure_accounts()
            self.stdout.write(f"演示账号: {len(cast.officers)} 个单位承办人, {len(cast.citizens)} 个市民")
            with Progress(self.stdout) as progress:
                summary = demo.generate(cast, messages, seed, now=now,
                                        progress=lambda done, total: progress(f"留言 {done}/{total}", done, total))
        # in the statuses' own words and order (it said 「accepted 24, closed 2449」)
        statuses = ", ".join(f"{st.label} {summary.statuses[st.value]}" for st in Status if st.value in summary.statuses)
        self.stdout.write(f"已生成 {summary.messages} 条留言 ({summary.clusters} 组热点/老大难), "
                          f"用时 {time.monotonic() - started:.0f} 秒; 状态: {statuses}")
        if not no_train:
            self._train(now)
            self._hotspots()
        analyze_database()  # a new database's planner has no statistics yet (SQLite keeps none unless asked)
        self._print_logins()

    @staticmethod
    def _start_of(day: str) -> dt.datetime:
        try:
            date = dt.date.fromisoformat(day)
        except ValueError:
            raise CommandError(f"--today {day!r} 不是日期 (应为 YYYY-MM-DD)") from None
        if date > timezone.localdate():
            raise CommandError(f"--today {day} 在未来; 演示数据的历史只能截至今天或更早")
        if date < EARLIEST_TODAY:  # histories reach a year or two back: 0001-01-01 overflowed after --reset
            raise CommandError(f"--today {day} 太早; 应为 {EARLIEST_TODAY:%Y-%m-%d} 或以后")
        return timezone.make_aware(dt.datetime.combine(date, dt.time()))

    def _train(self, now=None):
        # the demo's unit model (72 units, some with a case or two) stops short of liblinear's tolerance: usable
        # (its figures are printed), and sklearn's warning naming its own source file in `make demo`'s output
        # read as a fault (2026-12-07)
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Liblinear failed to converge")
            self._train_and_read(now)

    def _train_and_read(self, now=None):
        from minsheng.insight.training import train_demo_models

        train_demo_models(self.stdout)
        # the per-message reading was paused while generating: models trained on the older
        # messages read the last 90 days' (机器阅读 shows how they fared), and the final
        # models read whatever still waits for a dispatcher, as they would have on arrival
        from minsheng.insight.tasks import classify_message
        from minsheng.insight.training import read_demo_history

        self.stdout.write(f"近 90 天留言: {read_demo_history(90, self.stdout, now=now)} 条由此前数据训练的模型预读")

        waiting = Message.objects.filter(status__in=[Status.SUBMITTED, Status.ACCEPTED])
        read = sum(classify_message(pk) for pk in waiting.filter(classified_at__isnull=True).values_list("pk", flat=True))
        # the count of all those waiting that carry a reading: the last 90 days' pass above reads most of
        # them, and 「待派单留言: 0 条已由模型预读」 read as if none had been
        by_final = f", 其中 {read} 条由最终模型补读" if read else ""  # 「其中 0 条由最终模型读」 read as a fault
        self.stdout.write(f"待派单留言: {waiting.filter(classified_at__isnull=False).count()} 条已由模型预读领域和类型"
                          f" (共 {waiting.count()} 条{by_final})")

    def _hotspots(self):
        """The demo pauses the per-message reading, so place the messages into
        hotspots here, oldest first (idempotent: placed messages are skipped)."""
        from minsheng.insight import hotspots_service
        from minsheng.insight.models import Hotspot

        started = time.monotonic()
        hotspots_service.reset_index()
        with Progress(self.stdout, keep=False) as progress:  # the final line below replaces the count
            placed = hotspots_service.rebuild(
                progress=lambda done, total: progress(f"热点: {done}/{total} 条留言", done, total))
            figures = hotspots_service.refresh()
        # how many /hotspots/ lists beside the clusters of one message alone (it said 「497 个热点」 of a list of 23)
        listed = Hotspot.objects.public().count()
        # 老大难 and 需多部门协调 count every hotspot, listed or not; the page lists those of Hotspot.objects.public()
        self.stdout.write(f"热点: {placed} 条留言归入 {figures['hotspots']} 个热点 (老大难 {figures['chronic']} 个, "
                          f"需多部门协调 {figures['coordination']} 个), 其中热点页列出 {listed} 个 "
                          f"(两条以上留言且至少一条已公开) (用时 {time.monotonic() - started:.0f} 秒)")

    def _print_logins(self):
        self.stdout.write("\n演示登录 (所有账号密码相同):")
        for line in logins_lines():
            self.stdout.write(line)
