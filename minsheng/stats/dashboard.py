"""The leaders' dashboard (领导驾驶舱): what people raise most, where, who is late,
how this week compares with the last, satisfaction by unit. Every figure comes from
the rollups and open cases of ``figures``; hotspots and chronic problems from
minsheng.insight."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from minsheng.directory.models import home_region

from . import exports, figures
from .figures import NOT_DISPATCHED, make_scope

RECENT_DAYS = 30
LEAGUE_DAYS = 90
LATE_UNITS = 20  # units listed under 谁在拖延; the others are counted beneath, not dropped unsaid
MIN_RATED = 5  # a unit's satisfaction rate is ranked only from this many rated messages on


def day_window(days: int, end: dt.date) -> tuple[dt.date, dt.date]:
    """The ``days`` calendar days ending with ``end``, both dates counted: the dashboard's 近 N 天 and
    机器阅读's (insight.reading)."""
    return end - dt.timedelta(days=days - 1), end


def _change(current, previous, is_rate=False):
    """``is_rate``: the change in percentage points of the two rates as shown (87.7% − 2.9% is 84.8, not
    the 84.7 of the exact rates' difference: the reader checks the row by subtracting)."""
    if current is None or previous is None:
        return None
    if is_rate:
        return figures.percent_value(current) - figures.percent_value(previous)
    return current - previous


def build(region, roles, now=None, home=None) -> dict:
    """``roles``: the user's (what the hotspot card lists); ``home()``: finds the home region (the
    map card), when the caller has it already."""
    with figures.one_version():
        return _build(region, roles, now, home)


def _build(region, roles, now=None, home=None) -> dict:
    from .views import has_map  # views imports this module when the page is asked for

    clock = now  # figures: an explicit clock, or None (this minute, cached)
    now = now or timezone.now()
    today = timezone.localdate(now)
    base = {"region": region.code} if region else {}
    scoped = {"region": region} if region else {}  # the instance: no region query per scope

    def scope_of(date_from, date_to):
        return make_scope(**scoped, date_from=date_from, date_to=date_to)

    recent_from, recent_to = day_window(RECENT_DAYS, today)
    recent = {**base, "date_from": recent_from.isoformat(), "date_to": recent_to.isoformat()}
    recent_scope = scope_of(recent_from, recent_to)

    this_from, this_to = day_window(7, today)
    last_from, last_to = day_window(7, this_from - dt.timedelta(days=1))
    this_week = {**base, "date_from": this_from.isoformat(), "date_to": this_to.isoformat()}
    last_week = {**base, "date_from": last_from.isoformat(), "date_to": last_to.isoformat()}
    this_page = figures.page(scope_of(this_from, this_to), ["totals", "topic"], now=clock)
    last_page = figures.page(scope_of(last_from, last_to), ["totals", "topic"], now=clock)
    this_figures, last_figures = this_page["totals"], last_page["totals"]
    weekly = []
    for name, label, is_rate in [("received", "受理留言", False), ("replied", "已答复", False),
                                 ("reply_rate", "答复率", True), ("satisfaction_rate", "满意率", True),
                                 ("overdue_unreplied", "超期从未答复", False)]:
        weekly.append({"name": name, "label": label, "is_rate": is_rate, "this": this_figures[name],
                       "last": last_figures[name], "change": _change(this_figures[name], last_figures[name], is_rate)})
    topic_this = {r["key"]: r for r in this_page["topic"]}
    topic_last = {r["key"]: r for r in last_page["topic"]}
    topic_changes = []
    for key in {*topic_this, *topic_last}:
        row = topic_this.get(key) or topic_last.get(key)
        now_count = topic_this.get(key, {}).get("received", 0)
        before = topic_last.get(key, {}).get("received", 0)
        topic_changes.append({"label": row["label"], "filters": row["filters"], "this": now_count, "last": before,
                              "change": now_count - before})
    # a topic that did not change is no 变化最大的领域 (with few topics, 0 → 0 rows filled the table)
    topic_changes = sorted((r for r in topic_changes if r["change"]), key=lambda r: (-abs(r["change"]), r["label"]))

    league_from, league_to = day_window(LEAGUE_DAYS, today)
    league = {**base, "date_from": league_from.isoformat(), "date_to": league_to.isoformat()}
    units = figures.breakdown("unit", scope_of(league_from, league_to), now=clock)
    all_time = make_scope(**scoped)
    # every late unit is counted: the card listed the first 20 and read as if no other unit were late
    overdue_units = figures.overdue_by_unit(all_time, now=clock, limit=None)
    # the cases waiting for dispatch (尚未派单: returned by a unit past their deadline) are no unit: their row is
    # always listed, never counted among the units beneath (「另有 1 个单位」 named no unit)
    ranked = [o for o in overdue_units if o["unit_id"]]
    listed, unlisted = {o["unit_id"] for o in ranked[:LATE_UNITS]}, ranked[LATE_UNITS:]
    by_unit = {r["key"]: r for r in units}
    late = []
    for o in (o for o in overdue_units if not o["unit_id"] or o["unit_id"] in listed):
        league_row = by_unit.get(o["unit_id"], {})
        late.append({**o, "on_time_rate": league_row.get("on_time_rate"), "on_time": league_row.get("on_time", 0),
                     # 按时率's counts and its misses, their list one click away (since 2026-12-06, stats misses),
                     # shown as every table shows them (``stats_tags.on_time_counts``)
                     "replied": league_row.get("replied", 0), "missed": league_row.get("missed", 0),
                     # 及时签收率 of the same days, as /stats/units/ of them shows it (since 2026-12-06; its counts and
                     # 签收超期 by ``stats_tags.sign_counts``)
                     "sign_on_time_rate": league_row.get("sign_on_time_rate"),
                     "signed_on_time": league_row.get("signed_on_time", 0), "sign_due": league_row.get("sign_due", 0),
                     # 尚未派单's list is ``unit=0`` (``figures.not_dispatched``; since 2026-12-07, its numbers bare
                     # before: no filter singled it out)
                     "filters": {"unit": o["unit_id"]},
                     "name": o["unit"].name if o["unit"] else NOT_DISPATCHED})
    # which district is late: open cases past their deadline now, whenever submitted; ties in
    # code order, as the tabs of /staff/supervision/ (by name, the two pages listed them differently); the order of
    # its export (sort=overdue) and of `minsheng export-stats table --sort overdue`
    late_regions = exports.by_overdue([r for r in figures.breakdown("region", all_time, now=clock) if r["overdue"]])
    rated = [r for r in units if r["evaluated"]]
    satisfaction = sorted([r for r in rated if r["evaluated"] >= MIN_RATED],
                          key=lambda r: (r["satisfaction_rate"], -r["evaluated"]))

    recent_figures = figures.page(recent_scope, ["totals", "region", "topic"], now=clock)
    by_region = recent_figures["region"]
    return {
        "today": today, "recent": recent, "recent_days": RECENT_DAYS, "league": league, "league_days": LEAGUE_DAYS,
        "totals": recent_figures["totals"],
        # a topic with nothing received (all refused, withdrawn, pending) is no 群众最关心的问题
        "top_topics": [r for r in recent_figures["topic"] if r["received"]][:10],
        "by_region": by_region,
        "weekly": weekly, "this_week": this_week, "last_week": last_week, "topic_changes": topic_changes[:10],
        "late_units": late, "late_regions": late_regions,
        # the others named too, each with its own overdue list: 「另有 32 个单位」 asks "which?"
        "unlisted_late": {"units": len(unlisted), "overdue": sum(o["overdue"] for o in unlisted), "listed": len(listed),
                          "rows": [{**o, "name": o["unit"].name, "filters": {"unit": o["unit_id"]}} for o in unlisted]},
        "satisfaction_units": satisfaction[:15],
        "min_rated": MIN_RATED, "few_rated": len(rated) - len(satisfaction),
        # the league table of the same 90 days, by 满意率 lowest first as the card (without the dates it
        # showed every unit's figures of all time: 66.7% on the card, 73.9% a click away)
        "league_units_url": reverse("stats:units") + "?" + urlencode({**league, "sort": "satisfaction_rate",
                                                                      "dir": "asc"}),
        # the clock given, or none: this moment, the 老大难 flagged by age first (``hotspots``)
        "hotspots": hotspots(region, roles, now=clock),
        "base_filters": base,
        "charts": {"regions": [{"code": r["filters"].get("region", ""), "name": r["label"], "received": r["received"],
                                "reply_rate": r["reply_rate"],
                                "reply_rate_text": figures.percent(r["reply_rate"])} for r in by_region]},
        "show_map": has_map(region, home=home or home_region),
    }


HOT_DAYS = RECENT_DAYS  # the hotspot card ranks by the heat of these days, as /hotspots/?days=30


def hotspots(region, roles, limit: int = 10, now=None) -> dict:
    """The hotspots of ``region`` (minsheng.insight) hot now: the first ``limit`` of
    ``/hotspots/?days=30`` (``HOT_DAYS``), those with a public message in the last 30 days, ranked
    by the heat of those messages (``period_heat``, computed in the database as the page is read,
    so it never lags behind a refresh), each marked 老大难 where the user supervises it. Until
    2026-12-05 the card ranked over all time by the stored heat, which nothing decays in the
    embedded default without cron: a problem hot two years ago headed a leader's Monday card.
    Beside them its 老大难 as ``/chronic/`` lists them: in the regions they supervise
    (``Hotspot.flags_shown_to``), with their number (``chronic_count``). ``chronic_shown``:
    whether they supervise any of ``region``. The dashboard also opens on a region they only
    dispatch: its card listed that region's 老大难, which ``/chronic/`` never lists to them and
    whose pages show no flag (before 2026-12-04), and hotspots no public message of which linked
    to a page that answered 404."""
    from django.urls import reverse

    from minsheng.insight.hotspots_service import heat_clock
    from minsheng.insight.models import Hotspot

    heat_at = now
    if now is None:  # its 老大难 as /chronic/ lists them: flagged by age within the hour (a past ``now``: as stored)
        now = timezone.now()
        heat_at = heat_clock(now)  # ranked as /hotspots/?days=30 ranks, by the heat as of the hour's pass
    scoped = Hotspot.objects.all()
    if region is not None:
        scoped = scoped.filter(region__code__startswith=region.prefix)
    hot = (scoped.public().active_within(HOT_DAYS, now, heat_at=heat_at).select_related("region")
           .order_by("-period_heat", "-last_at", "-id"))
    shown = region is None or roles.supervises_some_of(region)
    # as /chronic/?show=chronic: by the heat of now (the stored one lags where refresh-hotspots is not scheduled)
    chronic = (scoped.filter(roles.region_q(roles.supervise_prefixes), message_count__gte=2, chronic=True)
               .with_current_heat(heat_at).order_by("-current_heat", "-last_at", "-id") if shown else scoped.none())

    def row(h) -> dict:
        return {"label": h.title, "count": h.message_count, "url": reverse("insight:hotspot", args=[h.pk])}

    def hot_row(h) -> dict:
        return {"label": h.title, "url": reverse("insight:hotspot", args=[h.pk]), "period_count": h.period_count,
                "period_heat": h.period_heat, "chronic": h.chronic and h.flags_shown_to(roles)}

    listed = list(chronic[:limit])
    return {"available": True, "days": HOT_DAYS, "hot": [hot_row(h) for h in hot[:limit]],
            "list_url": reverse("insight:hotspots") + "?" + urlencode(
                {**({"region": region.code} if region else {}), "days": HOT_DAYS}),
            "chronic": [row(h) for h in listed],
            "chronic_count": len(listed) if len(listed) < limit else chronic.count(),  # counted when cut short
            "chronic_shown": shown}
