"""Each public figure equals the count recomputed from raw rows, for cases built
through every workflow path, incrementally (after each action) and after a rebuild."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.cache import cache
from django.utils import timezone

from minsheng.board.models import Message
from minsheng.stats import facts, figures
from minsheng.stats.models import MessageFact, OpenCase, Rollup

from .test_stats_cases import build_cases, raw_figures


def _messages(**filters):
    return Message.objects.filter(**filters)


def test_every_figure_matches_raw_rows(cases):
    got = figures.compute()
    want = raw_figures(_messages())
    assert got == want
    # the cases really cover every path
    assert want["merged"] == want["withdrawn"] == want["rejected"] == want["pending"] == 1
    assert want["reopened"] == 2 and want["extended"] == 1
    assert 0 < want["on_time"] < want["replied"] and want["overdue_unreplied"] == 2


def test_rebuild_gives_the_same_figures(cases):
    before = figures.compute()
    rollups = Rollup.objects.count()
    facts.rebuild()
    assert figures.compute() == before
    assert Rollup.objects.count() == rollups
    assert MessageFact.objects.count() == Message.objects.count()
    assert OpenCase.objects.count() == before["open"]


def test_refresh_after_every_single_event_ends_where_a_rebuild_does(directory, personas, monkeypatch):
    # no batching per transaction: each event refreshes at once, through every
    # intermediate state of every path
    monkeypatch.setattr(facts, "message_changed", lambda mid: facts.refresh_messages([mid]))
    build_cases(directory, personas)
    incremental = figures.compute()
    rows = sorted(Rollup.objects.values_list("cube", "grain", "period", "p3", "unit_key", "topic_key", "kind",
                                             "received", "replied", "days_sum", "satisfied"))
    facts.rebuild()
    assert figures.compute() == incremental == raw_figures(_messages())
    assert sorted(Rollup.objects.values_list("cube", "grain", "period", "p3", "unit_key", "topic_key", "kind",
                                             "received", "replied", "days_sum", "satisfied")) == rows


def test_region_scope_and_drill_down(cases, directory):
    lz, cg, dx = directory["lanzhou"], directory["chengguan"], directory["dingxi"]
    assert figures.compute(region=lz) == raw_figures(_messages(region__code__startswith="6201"))
    assert figures.compute(region="620102") == raw_figures(_messages(region=cg))
    assert figures.compute(region=dx) == raw_figures(_messages(region=dx))
    rows = {r["label"]: r for r in figures.breakdown("region", region=lz)}
    assert set(rows) == {"城关区", "七里河区", "兰州市本级"}
    assert rows["城关区"]["received"] == raw_figures(_messages(region=cg))["received"]
    assert rows["兰州市本级"]["received"] == raw_figures(_messages(region=lz))["received"]
    top = {r["label"]: r for r in figures.breakdown("region", region=directory["province"])}
    assert top["兰州市"]["replied"] == raw_figures(_messages(region__code__startswith="6201"))["replied"]
    assert top["定西市"]["overdue_unreplied"] == 1
    # the region pages' sub-region counts: each child's own received figure
    assert figures.received_by_child(lz) == {r["key"]: r["received"] for r in figures.breakdown("region", region=lz)}
    assert figures.received_by_child(directory["province"])["6201"] == figures.compute(region=lz)["received"]


def test_unit_topic_kind_month_breakdowns(cases, directory):
    units = {r["label"]: r for r in figures.breakdown("unit")}
    # the transferred case counts for the unit that replied
    assert units["兰州市生态环境局"]["replied"] == 1
    housing_cases = [m for m in _messages() if m.replies.exists()
                     and m.replies.order_by("published_at").first().unit_id == directory["housing"].pk]
    assert units["兰州市住房和城乡建设局"]["replied"] == len(housing_cases)
    topics = {r["label"]: r for r in figures.breakdown("topic")}
    assert topics["环境保护"]["received"] == raw_figures(_messages(topic=directory["topic_env"]))["received"]
    kinds = {r["key"]: r for r in figures.breakdown("kind")}
    assert kinds["consult"]["received"] == raw_figures(_messages(kind="consult"))["received"]
    months = figures.breakdown("month")
    assert sum(r["submitted"] for r in months) == Message.objects.count()
    assert [r["key"] for r in months] == sorted(r["key"] for r in months)


@pytest.mark.parametrize("offsets", [(-61, -1), (-59, -40), (-45, 0), (-30, -30), (-400, -58)])
def test_date_ranges_mix_month_and_day_rows_exactly(cases, offsets):
    today = timezone.localdate()
    date_from, date_to = (today + dt.timedelta(days=o) for o in offsets)
    got = figures.compute(date_from=date_from, date_to=date_to)
    in_range = [m.pk for m in Message.objects.all()
                if date_from <= timezone.localtime(m.submitted_at).date() <= date_to]
    assert got == raw_figures(_messages(pk__in=in_range))


def test_period_query_covers_each_day_once():
    # a range over month ends, a range inside one month, open ranges
    for a, b in [(dt.date(2026, 1, 15), dt.date(2026, 3, 10)), (dt.date(2026, 2, 3), dt.date(2026, 2, 20)),
                 (dt.date(2026, 2, 1), dt.date(2026, 2, 28)), (dt.date(2026, 1, 31), dt.date(2026, 2, 1))]:
        q = figures.period_q(a, b)
        days = set()
        months = set()
        for child in _flatten(q):
            d = dict(child)
            if d.get("grain") == "m":
                months.add((d.get("period__gte"), d.get("period__lte")))
            elif d.get("grain") == "d":
                day = d["period__gte"]
                while day <= d["period__lte"]:
                    assert day not in days
                    days.add(day)
                    day += dt.timedelta(days=1)
        for lo, hi in months:
            if lo and hi and lo <= hi:
                m = lo
                while m <= hi:
                    assert not any(x.replace(day=1) == m for x in days)
                    m = (m + dt.timedelta(days=32)).replace(day=1)


def _flatten(q):
    for child in q.children:
        if hasattr(child, "children"):
            if child.connector == "AND":
                yield [c for c in _leaves(child)]
            else:
                yield from _flatten(child)


def _leaves(q):
    for child in q.children:
        if hasattr(child, "children"):
            yield from _leaves(child)
        else:
            yield child


def test_unknown_scope_is_a_clear_error(directory):
    with pytest.raises(figures.ScopeError, match="区划"):
        figures.compute(region="999999")
    with pytest.raises(figures.ScopeError, match="征集活动"):
        figures.compute(campaign="nope")
    with pytest.raises(figures.ScopeError, match="日期"):
        figures.compute(date_from="2026-13-01")


def test_median_beyond_histogram_reads_exact_days(cases):
    # a reply after more than 30 working days falls outside the histogram columns
    late = cases["late_basic"]
    fact = MessageFact.objects.get(pk=late.pk)
    assert fact.days is not None
    got = figures.compute()
    assert got["median_days_to_reply"] == raw_figures(_messages())["median_days_to_reply"]


def test_deleting_a_message_takes_it_out_of_the_figures(cases):
    before = figures.compute()
    Message.objects.filter(pk=cases["pending"].pk).delete()
    after = figures.compute()
    assert after["submitted"] == before["submitted"] - 1 and after["pending"] == 0


@pytest.mark.parametrize("filters, raw", [
    ({"region": "620102", "topic": "urban"}, {"region__code": "620102", "topic__code": "urban"}),
    ({"region": "620000", "kind": "consult"}, {"kind": "consult"}),
    ({"topic": "environment", "kind": "suggest"}, {"topic__code": "environment", "kind": "suggest"}),
    ({"region": "620100", "topic": "urban", "kind": "complain"},
     {"region__code__startswith": "6201", "topic__code": "urban", "kind": "complain"}),
])
def test_filter_combinations_read_the_right_cube(cases, filters, raw):
    assert figures.compute(**filters) == raw_figures(_messages(**raw))


def test_unit_filter_counts_the_unit_that_replied_or_handles(cases, directory):
    eco = figures.compute(unit=directory["ecology"].pk)
    assert eco["received"] == 1 and eco["replied"] == 1
    by_topic = {r["label"]: r["received"] for r in figures.breakdown("topic", region="620102")}
    assert by_topic == {"城乡建设": raw_figures(_messages(region__code="620102"))["received"]}


def test_paused_bulk_load_refreshes_once_at_the_end(directory, personas, django_capture_on_commit_callbacks):
    with facts.paused():
        with django_capture_on_commit_callbacks(execute=True):
            build_cases(directory, personas)
        assert not MessageFact.objects.exists()  # nothing refreshed while paused
    assert figures.compute() == raw_figures(_messages())


def test_two_rebuilds_in_one_transaction(cases):
    before = figures.compute()
    facts.rebuild()
    facts.rebuild()
    assert figures.compute() == before


def test_a_leaders_office_has_the_figures_of_the_messages_written_to_it(cases, directory):
    """``addressee`` (留言对象) scopes the figures as it scopes the lists (since 2026-12-06: 「统计数字不按留言对象筛选」
    before): the same figures recomputed from the office's messages alone, with the other filters, by every
    breakdown, computed together as one by one, and the board's own figures (``addressee_figures``) among them."""
    mayor = directory["mayor"]
    written = list(Message.objects.order_by("pk").values_list("pk", flat=True))[::2]
    Message.objects.filter(pk__in=written).update(addressee=mayor)
    facts.refresh_messages(written)  # written to it after their facts were (no action does it: the admin refreshes)
    want = raw_figures(_messages(addressee=mayor))
    assert 0 < want["received"] < raw_figures(_messages())["received"] and want["replied"]
    assert figures.compute(addressee=mayor) == figures.compute(addressee=str(mayor.pk)) == want
    assert figures.compute(addressee=mayor, region="620100") == raw_figures(
        _messages(addressee=mayor, region__code__startswith="6201"))
    assert figures.compute(addressee=mayor, unit=directory["housing"])["received"] <= want["received"]
    board = figures.addressee_figures(mayor)
    assert board == {k: v for k, v in want.items() if k in board}
    scope = figures.make_scope(addressee=mayor)
    together = figures.page(scope, ["totals", *figures.BREAKDOWNS])
    cache.clear()
    for by in figures.BREAKDOWNS:
        rows = figures.breakdown(by, scope)
        assert rows == together[by], by
        assert sum(r["received"] for r in rows) == want["received"], by
        assert sum(r["overdue"] for r in rows) == want["overdue"], by
    for row in together["kind"]:
        assert row["received"] == raw_figures(_messages(addressee=mayor, kind=row["key"]))["received"]
    # the whole directory's figures are not the office's (no cache entry shared)
    assert figures.compute() == raw_figures(_messages())


def test_an_unknown_leaders_office_is_a_scope_error(cases):
    for value in ("999999", "abc", "99999999999999999999"):
        with pytest.raises(figures.ScopeError, match="没有这个留言对象"):
            figures.compute(addressee=value)
