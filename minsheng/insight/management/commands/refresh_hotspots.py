"""minsheng refresh-hotspots [--place-new] [--all]"""

from django.core.management.base import BaseCommand

from minsheng.insight import hotspots_service
from minsheng.insight.models import Hotspot
from minsheng.progress import Progress


class Command(BaseCommand):
    help = ("Recompute hotspot counts, heat and the 老大难 / needs-coordination flags from stored messages "
            "(derived figures only; idempotent). --place-new first places messages that have no hotspot yet; "
            "--all recomputes old hotspots too (their titles and 地点/人群 labels, e.g. after an upgrade).")

    def add_arguments(self, parser):
        parser.add_argument("--place-new", action="store_true",
                            help="place messages without a hotspot first (e.g. after an import)")
        parser.add_argument("--all", action="store_true", dest="everything",
                            help="every hotspot, not only those with a message in the last window + 老大难 days")

    def handle(self, *args, place_new=False, everything=False, **options):
        if place_new:
            with Progress(self.stderr) as progress:
                placed = hotspots_service.rebuild(
                    progress=lambda done, total: progress(f"  {done}/{total} 条留言已归入热点"))
            self.stdout.write(f"已将 {placed} 条留言归入热点")
        with Progress(self.stderr) as progress:
            result = hotspots_service.refresh(
                hotspots=Hotspot.objects.all() if everything else None,
                progress=lambda done, total: progress(f"  {done}/{total} 个热点"))
        self.stdout.write(
            f"热点 {result['hotspots']} 个, 其中 {result['changed']} 个有更新; "
            f"老大难 {result['chronic']} 个, 需多部门协调 {result['coordination']} 个"
        )
