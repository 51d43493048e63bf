"""minsheng refresh-hotspots [--place-new]"""

from django.core.management.base import BaseCommand

from minsheng.insight import hotspots_service


class Command(BaseCommand):
    help = ("Recompute hotspot counts, heat and the 老大难 / needs-coordination flags from stored messages "
            "(derived figures only; idempotent). --place-new first places messages that have no hotspot yet.")

    def add_arguments(self, parser):
        parser.add_argument("--place-new", action="store_true",
                            help="place messages without a hotspot first (e.g. after an import)")

    def handle(self, *args, place_new=False, **options):
        if place_new:
            placed = hotspots_service.rebuild()
            self.stdout.write(f"placed {placed} message(s) into hotspots")
        result = hotspots_service.refresh()
        self.stdout.write(
            f"{result['hotspots']} hotspot(s), {result['changed']} updated; "
            f"{result['chronic']} 老大难, {result['coordination']} need coordination"
        )
