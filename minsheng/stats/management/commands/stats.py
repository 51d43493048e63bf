"""`minsheng stats [--campaign SLUG] [--region CODE [--own]] [--topic CODE] [--kind K] [--unit ID]
[--addressee ID] [--from DATE] [--to DATE] [--by region|unit|topic|kind|month] [--json]`"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from minsheng.board.deadlines import clock
from minsheng.stats import exports, figures
from minsheng.stats.figures import ScopeError

LABELS = [("received", "受理"), ("replied", "已答复"), ("reply_rate", "答复率"), ("on_time_rate", "按时率"), ("missed", "误期未答复"),
          ("sign_on_time_rate", "及时签收率"),
          ("median_days_to_reply", "答复用时中位数(工作日)"), ("mean_days_to_reply", "平均答复用时(工作日)"),
          ("satisfaction_rate", "满意率"), ("reopened_rate", "重办率"), ("overdue_unreplied", "超期从未答复"),
          ("open", "待答复"), ("overdue", "超期未答复"), ("rejected", "未受理"), ("withdrawn", "撤回"), ("merged", "并单")]


# the options of a scope, as the pages' filters name them (``own``, ``unit`` since 2026-12-05: the rows 「兰州市本级」
# and a unit's could not be had from the commands, which gave the whole city instead)
SCOPE_OPTIONS = ("region", "own", "unit", "topic", "kind", "date_from", "date_to")


def add_own_and_unit(parser) -> None:
    """``--own`` and ``--unit``, the pages' ``own=1`` and ``unit=``; shared with ``export-stats``."""
    parser.add_argument("--own", action="store_true",
                        help="with --region: only the messages filed at the region's own level (the row 「…本级」)")
    parser.add_argument("--unit", metavar="ID",
                        help="unit id (as /stats/units/ links it): the cases it answered, or handles now "
                             "(待答复, 超期); 0: 尚未派单, the cases no unit holds (never dispatched, or given back)")


class Command(BaseCommand):
    help = "Print the public figures of a scope (the last line is JSON with --json)."

    def add_arguments(self, parser):
        parser.add_argument("--campaign", help="campaign slug")
        parser.add_argument("--region", help="region code (GB/T 2260), subtree included")
        add_own_and_unit(parser)
        parser.add_argument("--topic", help="topic code, subtree included")
        parser.add_argument("--kind", help="message type: suggest, complain, help, consult, thanks")
        parser.add_argument("--addressee", metavar="ID",
                            help="only the messages written to this leader's office (留言对象 id), as "
                                 "/stats/?addressee=")
        parser.add_argument("--from", dest="date_from", help="submitted on or after YYYY-MM-DD")
        parser.add_argument("--to", dest="date_to", help="submitted on or before YYYY-MM-DD")
        parser.add_argument("--by", choices=figures.BREAKDOWNS,
                            help="also print a breakdown: a row per group with 受理, 答复, 答复率, 及时签收率, 待答复 "
                                 "and 超期未答复")
        parser.add_argument("--json", action="store_true", help="print JSON (the figures object is the last line)")

    def handle(self, *args, **opts):
        filters = {k: opts[k] for k in (*SCOPE_OPTIONS, "campaign", "addressee") if opts[k]}
        try:
            scope = figures.make_scope(**filters, drafts=True)  # operators see campaigns not public yet
            totals = figures.reported(figures.compute(scope))  # the mean with two decimals
            rows = [figures.reported(row) for row in figures.tabulate(opts["by"], scope)] if opts["by"] else None  # as the pages lay it out
        except ScopeError as exc:
            raise CommandError(str(exc)) from None
        if opts["json"]:
            if rows is not None:
                for row in rows:
                    key = row["key"].isoformat() if hasattr(row["key"], "isoformat") else row["key"]
                    self.stdout.write(json.dumps({**row, "key": key}, ensure_ascii=False, default=str))
            self.stdout.write(json.dumps(totals, ensure_ascii=False))
            return
        # what the figures are of, as an export's 说明 says it (since 2026-12-06: pasted into a report, the
        # figures said nothing of the region, office or month they counted)
        covered = [*exports.scope_lines(scope), ["统计截至", f"{timezone.localtime(clock()):%Y-%m-%d %H:%M}"]]
        self.stdout.write("统计范围: " + "; ".join(f"{item} {value}" for item, value in covered))
        self.stdout.write("")
        for name, label in LABELS:
            value = totals[name]
            if name.endswith("_rate"):
                value = figures.percent(value)
            self.stdout.write(f"{label}: {'—' if value is None else value}")
        if rows is not None:
            self.stdout.write("")
            for row in rows:
                indent = "  " * row.get("depth", 0)  # a district beneath its city (a campaign of several)
                self.stdout.write(f"{indent}{row['label']}\t受理 {row['received']}\t答复 {row['replied']}\t"
                                  f"答复率 {figures.percent(row['reply_rate'])}\t"
                                  f"及时签收率 {figures.percent(row['sign_on_time_rate'])}\t"
                                  f"待答复 {row['open']}\t超期未答复 {row['overdue']}")
