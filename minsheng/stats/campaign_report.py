"""A campaign's tally (征集活动): its figures, the announcement sentence and the report
file's sheets — one layout for the page, the web export and `minsheng export-stats
campaign`."""

from __future__ import annotations

from django.utils import timezone

from . import exports, figures
from .figures import make_scope


def report(campaign):
    """(scope, figures of the campaign) counted at one statistics version."""
    scope = make_scope(campaign=campaign)
    today = timezone.localdate()
    with figures.one_version():
        got = figures.page(scope, ["totals", "region", "topic", "month", "unit"])
        # a campaign of several regions (topics): a row for each, its districts beneath
        by_region = figures.tabulate("region", scope, rows=got["region"])
        by_topic = figures.tabulate("topic", scope, rows=got["topic"])
    return scope, {
        "totals": got["totals"],
        "by_region": by_region,
        "by_topic": by_topic,
        "by_month": got["month"],
        "by_unit": got["unit"],
        "as_of": today,
        "upcoming": today < campaign.start,
        "ongoing": campaign.start <= today <= campaign.end,
    }


def announcement(campaign, report) -> str:
    """The tally in the form such results are announced."""
    t = report["totals"]
    as_of = report["as_of"]
    rate = figures.percent(t["reply_rate"])
    start = campaign.start
    if report["upcoming"]:  # nothing to count yet: not "共收到 0 件 … 回应率 —"
        return f"活动将于{start.year}年{start.month}月{start.day}日开始,届时公布收到的群众留言及回应情况"
    if report["ongoing"]:
        return (f"截至{as_of.month}月{as_of.day}日,共收到群众留言 {t['received']:,} 件,"
                f"其中 {t['replied']:,} 件得到回应,回应率 {rate}")
    # After the end the count of messages is final, while replies still arrive.
    end = campaign.end
    return (f"活动期间({start.month}月{start.day}日至{end.month}月{end.day}日)共收到群众留言 {t['received']:,} 件,"
            f"截至{as_of.year}年{as_of.month}月{as_of.day}日,其中 {t['replied']:,} 件得到回应,回应率 {rate}")


BREAKDOWNS = [("by_region", "按区划", "区划"), ("by_topic", "按领域", "领域"),
              ("by_unit", "按单位", "办理单位"), ("by_month", "按月份", "月份")]


def sheets(campaign) -> list[tuple[str, list, list]]:
    """The report file: a summary sheet (name, dates, announcement, every total), then one
    sheet per breakdown."""
    _, tally = report(campaign)
    summary = [["活动", campaign.name], ["起止", f"{campaign.start} 至 {campaign.end}"],
               ["公告", announcement(campaign, tally)], *exports.totals_rows(tally["totals"])[1:]]
    out = [("汇总", ["指标", "数值"], summary)]
    for key, title, first in BREAKDOWNS:
        header, body = exports.table_rows(tally[key], first)
        out.append((title, header, body))
    return out
