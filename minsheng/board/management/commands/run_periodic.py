from django.core.management.base import BaseCommand

from minsheng.board.tasks import close_stale, notify_due_soon


class Command(BaseCommand):
    help = "Run the periodic board tasks once (for cron when no Celery beat runs): close stale cases, due reminders."

    def handle(self, *args, **options):
        closed = close_stale()
        reminded = notify_due_soon()
        self.stdout.write(f"closed {closed} case(s) without evaluation; sent {reminded} due reminder(s)")
