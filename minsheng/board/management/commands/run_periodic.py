from django.core.management.base import BaseCommand

from minsheng.board.tasks import analyze_database, close_stale, notify_due_soon, purge_counted


class Command(BaseCommand):
    help = ("Run the periodic board tasks once (for cron when no Celery beat runs): close stale cases (replies not "
            "rated within MINSHENG_EVALUATION_DAYS, unsatisfied ones not reopened within MINSHENG_REOPEN_DAYS), "
            "send due-tomorrow reminders, delete SMS notice records and verification codes over two days old, "
            "refresh the database's query planner statistics (ANALYZE). Hotspots and statistics: refresh-hotspots, "
            "refresh-stats --commit.")

    def handle(self, *args, **options):
        closed = close_stale()
        reminded = notify_due_soon()
        purge_counted()
        analyze_database()
        self.stdout.write(f"已结案 {closed} 件 (逾期未评价或未申请重办); 已发送 {reminded} 条明日到期提醒")
