"""What the hotspots' refresh costs on the demo: queries and seconds of the hourly ``refresh()`` and of
``rebuild()`` (every hotspot's messages placed again, then the hotspots refreshed).

    MINSHENG_VAR_DIR=... [DATABASE_URL=postgres://...] .venv/bin/python bench/hotspot_refresh.py [--no-rebuild]

Reads the configured database, which must hold the demo (``minsheng demo``). Each run is rolled back at the
end (the hotspots are marked stale first, so that the refresh writes each as the hour after a change does),
so a second run measures the same work.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parent.parent))  # after PYTHONPATH: a worktree given there wins


class Rollback(Exception):
    pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-rebuild", action="store_true", help="time the hourly refresh alone")
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    import django

    django.setup()
    from django.db import connection, transaction

    from minsheng.insight import hotspots_service
    from minsheng.insight.models import Hotspot, HotspotMember

    print(f"{connection.vendor}; {Hotspot.objects.count()} hotspots, {HotspotMember.objects.count()} messages in them")
    runs = [("refresh()", lambda: hotspots_service.refresh()["changed"])]
    if not args.no_rebuild:
        def rebuild():
            Hotspot.objects.all().delete()
            return hotspots_service.rebuild()
        runs.append(("rebuild()", rebuild))
    queries = []

    def count(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    for name, run in runs:
        try:
            with transaction.atomic():
                Hotspot.objects.update(units=[], citizen_count=0)  # stale: each refresh writes its hotspot
                queries.clear()
                with connection.execute_wrapper(count):
                    start = time.perf_counter()
                    result = run()
                    seconds = time.perf_counter() - start
                hotspots = Hotspot.objects.count()
                raise Rollback
        except Rollback:
            pass
        print(f"{name}: {result} ({'changed' if name == 'refresh()' else 'placed'}), {hotspots} hotspots, "
              f"{len(queries)} queries, {seconds:.2f} s")


if __name__ == "__main__":
    main()
