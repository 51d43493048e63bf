"""`minsheng export-stats messages|table|campaign ...`: the exports of the statistics
pages as files, for operators. Personal data is included only with --personal, which
is recorded in the audit log like a web export."""

from __future__ import annotations

import csv
import getpass
import os
import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from minsheng.board.deadlines import clock
from minsheng.insight import csvio
from minsheng.stats import campaign_report, exports, figures
from minsheng.stats.figures import ScopeError
from minsheng.stats.management.commands.stats import SCOPE_OPTIONS, add_own_and_unit
from minsheng.stats.models import Campaign

OPTION_NAMES = {"date_from": "--from", "date_to": "--to"}
FORMATS = ["csv", "xlsx"]


class Command(BaseCommand):
    help = "Export a message list, a statistics table or a campaign report as CSV or XLSX."

    def add_arguments(self, parser):
        parser.add_argument("what", choices=["messages", "table", "campaign"],
                            help="messages: the list behind a figure (--measure); table: a statistics table with "
                                 "its totals (--by); campaign: a campaign's report (--campaign)")
        parser.add_argument("--format", choices=FORMATS,
                            help="file format (default: as the --output name ends, .xlsx or .csv; else csv; "
                                 "xlsx needs --output; a format the name contradicts is refused)")
        parser.add_argument("--output", "-o", metavar="FILE", help="file to write (CSV: default standard output)")
        parser.add_argument("--region", metavar="CODE", help="region code (GB/T 2260), subtree included")
        add_own_and_unit(parser)
        parser.add_argument("--topic", metavar="CODE", help="topic code, subtree included")
        parser.add_argument("--kind", help="message type: suggest, complain, help, consult, thanks")
        parser.add_argument("--from", dest="date_from", metavar="YYYY-MM-DD", help="submitted on or after this day")
        parser.add_argument("--to", dest="date_to", metavar="YYYY-MM-DD", help="submitted on or before this day")
        parser.add_argument("--campaign", metavar="SLUG",
                            help="campaign slug (required for `campaign`; with `messages` or `table`: its scope)")
        parser.add_argument("--addressee", metavar="ID",
                            help="only the messages written to this leader's office (留言对象 id, as "
                                 "/stats/?addressee= and /stats/list/?addressee=): `messages` lists them, `table` "
                                 "counts them (since 2026-12-06)")
        parser.add_argument("--by", choices=figures.BREAKDOWNS,
                            help="grouping of `table` (default region)")
        parser.add_argument("--sort", choices=sorted(exports.TABLE_SORTS),
                            help="order of `table`, the web export's sort=: overdue, "
                                 f"{exports.TABLE_SORTS['overdue']} (超期未答复, ties by region code with --by region, else by name), as "
                                 "the dashboard's 哪里在拖延 lists them; default the table's own order (by 受理)")
        parser.add_argument("--measure",
                            help="which messages `messages` lists (default received): "
                                 + ", ".join([*exports.MEASURE_Q, *sorted(exports.TIMED_MEASURES),
                                              *sorted(exports.SIGN_MEASURES), *sorted(exports.MISS_MEASURES)])
                                 + " (sign_late: a row per late sign-for, with 签收单位, 签收期限, 签收时间; missed: a row "
                                   "per miss of 按时率, with 误期单位, 误期情况)")
        parser.add_argument("--personal", action="store_true",
                            help="`messages` with the author's name, phone and e-mail, titles as written and "
                                 "messages not published (pending, rejected, ...) too; recorded in the audit log")

    def handle(self, *args, **opts):
        filters = {k: opts[k] for k in (*SCOPE_OPTIONS, "addressee") if opts[k]}
        # an option the chosen export does not use was dropped in silence until 2026-12-07
        what = opts["what"]
        if what == "campaign" and filters:
            names = ", ".join(OPTION_NAMES.get(k, f"--{k}") for k in filters)
            raise CommandError(f"campaign 报告是整个征集活动的, 不按 {names} 筛选")
        for option in ("by", "sort"):
            if what != "table" and opts[option] is not None:
                raise CommandError(f"--{option} 只用于 table")
        if what != "messages" and (opts["measure"] is not None or opts["personal"]):
            raise CommandError("--measure 和 --personal 只用于 messages")
        if opts["by"] is None:
            opts["by"] = "region"
        if opts["measure"] is None:  # not `or`: --measure "" is refused as an unknown measure, as before
            opts["measure"] = "received"
        opts["format"] = _format(opts["format"], opts["output"])
        try:
            if opts["output"]:
                csvio.check_output(opts["output"])  # before the work and the audit row of --personal
            if opts["what"] == "campaign":
                if not opts["campaign"]:
                    raise CommandError("请用 --campaign 指定征集活动")
                sheets = self._campaign(opts["campaign"])
            else:
                scope = figures.make_scope(campaign=opts["campaign"], **filters, drafts=True)
                sheets = self._messages(scope, opts) if opts["what"] == "messages" else self._table(scope, opts)
            self._write(sheets, opts)
        except (ScopeError, csvio.CSVError) as exc:
            raise CommandError(str(exc)) from None

    def _messages(self, scope, opts):
        measure = opts["measure"]
        if measure not in exports.MEASURE_LABELS:
            raise CommandError(f"不支持的统计项: {measure}")
        now = clock()  # the minute the pages count as of
        qs = exports.message_queryset(scope, measure, public=not opts["personal"], now=now)
        if opts["personal"]:
            # no site user runs a command: the audit row names the system account instead
            # every filter given, as a web export's row holds its own (the region alone before 2026-12-05)
            given = {k: "1" if opts[k] is True else opts[k] for k in (*SCOPE_OPTIONS, "addressee")
                     if opts[k] and k != "region"}
            exports.record_personal_export(None, {"command": "export-stats", "system_user": _system_user(),
                                                  "measure": measure, "region": opts["region"] or "", **given},
                                           qs.count(), opts["format"])
        header, rows = exports.message_sheet(qs, measure, opts["personal"], settings.MINSHENG_SITE_URL, now)
        sheets = [(exports.message_title(measure), header, rows)]
        if opts["format"] == "xlsx":  # a CSV list is a row a message and nothing else: programs read it to its end
            sheets.append(exports.message_scope_sheet(scope, measure, now, public=not opts["personal"]))
        return sheets

    def _table(self, scope, opts):
        return exports.table_sheets(opts["by"], scope, sort=opts["sort"] or "")

    def _campaign(self, slug):
        campaign = Campaign.objects.filter(slug=slug).first()
        if campaign is None:
            raise CommandError("没有这个征集活动")
        return campaign_report.sheets(campaign)

    def _write(self, sheets, opts):
        if not opts["output"]:
            csv.writer(sys.stdout).writerows(exports.csv_cells(row) for row in exports.stacked_rows(sheets))
            return
        with csvio.replacing(opts["output"]) as tmp:  # an error leaves no half-written file
            if opts["format"] == "xlsx":
                exports.write_xlsx(tmp, sheets)
            else:
                with tmp.open("w", newline="", encoding="utf-8-sig") as out:
                    csv.writer(out).writerows(exports.csv_cells(row) for row in exports.stacked_rows(sheets))


def _format(given: str | None, output: str | None) -> str:
    """The format to write: --format, else the one the --output name ends in (.xlsx, .csv), else CSV.
    Until 2026-12-07 it was CSV unless --format said otherwise: `-o t.xlsx` was CSV text under that
    name, and `--format xlsx -o t.csv` a workbook under a .csv name; a contradiction is refused now."""
    named = os.path.splitext(output or "")[1].lower().removeprefix(".")
    named = named if named in FORMATS else None
    if given and named and given != named:
        raise CommandError(f"--format {given} 与输出文件名 {output} 不符 (按扩展名应为 {named.upper()}); "
                           f"请去掉 --format, 或改用 .{given} 文件名")
    chosen = given or named or "csv"
    if chosen == "xlsx" and not output:
        raise CommandError("XLSX 需要 --output 文件名")
    return chosen


def _system_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container)
        return f"uid {os.getuid()}"
