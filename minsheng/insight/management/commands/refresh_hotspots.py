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
                    progress=lambda done, total: progress(f"  {done}/{total} messages placed"))
            self.stdout.write(f"placed {placed} message(s) into hotspots")
        with Progress(self.stderr) as progress:
            result = hotspots_service.refresh(
                hotspots=Hotspot.objects.all() if everything else None,
                progress=lambda done, total: progress(f"  {done}/{total} hotspots"))
        self.stdout.write(
            f"{result['hotspots']} hotspot(s), {result['changed']} updated; "
            f"{result['chronic']} 老大难, {result['coordination']} need coordination"
        )
