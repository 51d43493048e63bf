"""What a supervisor, a leader and a journalist would notice on the statistics pages:
every number links to a list of exactly that many messages, the dashboard says where
and who is late, filters keep what was chosen."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from minsheng.directory.models import Region, Topic
from minsheng.stats import figures
from minsheng.stats.models import Campaign


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _count(client, href) -> int:
    response = client.get(href.replace("&amp;", "&"))
    assert response.status_code == 200, href
    return int(re.search(r"共 (\d+) 件", response.content.decode()).group(1))


def _mismatched_links(client, url, path="/stats/list/") -> list:
    """(number shown, messages listed, link) for every bare number linked to a list."""
    page = client.get(url)
    assert page.status_code == 200
    links = re.findall(rf'<a href="({re.escape(path)}[^"]*)">(\d+)</a>', page.content.decode())
    assert links, f"{url} links its numbers to {path}"
    return [(int(n), _count(client, href), href) for href, n in links if int(n) != _count(client, href)]


def test_month_row_of_a_partial_month_lists_only_its_days(client, cases):
    """A date range from the middle of a month: the month row counts those days only,
    and its link listed the whole month."""
    base = timezone.localtime(cases["on_time_satisfied"].submitted_at).date()
    next_day = timezone.localtime(cases["late_basic"].submitted_at).date()
    day = base if next_day.month == base.month else next_day  # the month has other messages
    url = f"/stats/?region=620000&date_from={day}&date_to={day}"
    assert _mismatched_links(client, url) == []
    text = _text(client.get(url))
    assert f"{day:%Y年%m月} ({day.day}日至{day.day}日)" in text  # the row says which days


def test_own_level_row_lists_only_messages_filed_at_that_level(client, cases):
    """兰州市本级 (the case filed at 兰州市 itself) linked to every message of 兰州市."""
    assert _mismatched_links(client, "/stats/?region=620100") == []
    text = _text(client.get("/stats/list/?region=620100&own=1&measure=received"))
    own = next(r for r in figures.breakdown("region", region="620100") if r["label"] == "兰州市本级")
    assert f"共 {own['received']} 件" in text and "兰州市本级 (不含下级)" in text and "测试留言accepted" in text
    assert "测试留言overdue" not in text  # filed in 七里河区


def test_the_not_dispatched_row_links_exactly_its_messages(client, cases):
    """"尚未派单" (a case not dispatched yet) linked to all of the region's messages; then, no filter singling it
    out, to none; since 2026-12-07 to its own, ``unit=0``."""
    assert _mismatched_links(client, "/stats/units/?region=620100") == []
    text = _text(client.get("/stats/units/?region=620100"))
    assert re.search(r'尚未派单</td> <td><a href="/stats/list/\?[^"]*unit=0[^"]*">1</a></td>', text)


def test_topic_own_row_is_labelled_and_not_linked(client, cases, directory):
    from minsheng.board.models import Message
    from minsheng.stats import facts

    sub = Topic.objects.create(code="urban-road", name="道路", parent=directory["topic_build"])
    Message.objects.filter(pk=cases["overdue"].pk).update(topic=sub)
    facts.rebuild()
    url = f"/stats/?region=620000&topic={directory['topic_build'].code}"
    assert _mismatched_links(client, url) == []
    text = _text(client.get(url))
    assert "城乡建设 (未细分)" in text and "道路" in text


def test_campaign_of_two_regions_links_to_its_own_messages(client, cases, directory):
    """A campaign in 城关区 and 定西市: its links carried only the dates, so they listed
    the whole province."""
    campaign = Campaign.objects.create(slug="two", name="两地", start=dt.date(2000, 1, 1), end=dt.date(2100, 1, 1))
    campaign.regions.set([directory["chengguan"], directory["dingxi"]])
    assert _mismatched_links(client, "/stats/campaigns/two/") == []
    listed = _text(client.get("/stats/list/?campaign=two&measure=received"))
    assert "征集活动: 两地" in listed and "测试留言dingxi" in listed and "测试留言overdue" not in listed
    # a region row of the campaign's table keeps the campaign's part of it
    scope = figures.make_scope(campaign="two", region="620000")
    assert {r.code for r in scope.regions} == {"620102", "621100"}
    with pytest.raises(figures.ScopeError, match="不在该征集活动的范围内"):
        figures.make_scope(campaign="two", region="620103")
    csv_rows = b"".join(client.get("/stats/export/messages.csv?campaign=two&measure=received")
                        .streaming_content).decode("utf-8-sig").strip().split("\r\n\r\n")[0].splitlines()  # the data, not the 说明 beneath
    assert len(csv_rows) - 1 == figures.compute(campaign="two")["received"]


def test_campaign_list_queries_do_not_grow_with_campaigns(client, directory):
    def queries() -> int:
        client.get("/stats/campaigns/")
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/stats/campaigns/").status_code == 200
        return len(ctx.captured_queries)

    Campaign.objects.create(slug="a", name="甲", start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 1))
    one = queries()
    for slug in ("b", "c", "d"):
        c = Campaign.objects.create(slug=slug, name=slug, start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 1))
        c.regions.set([directory["lanzhou"]])
    assert queries() == one


def test_dashboard_overdue_numbers_link_to_exactly_those_cases(login, personas, cases):
    """The week's "超期从未答复" (0) linked to every overdue case of the region."""
    sup = login(personas["supervisor"])
    assert _mismatched_links(sup, "/stats/dashboard/", path="/stats/overdue/") == []
    assert _mismatched_links(sup, "/stats/dashboard/") == []


def test_dashboard_says_which_district_is_late(login, personas, cases):
    text = _text(login(personas["supervisor"]).get("/stats/dashboard/"))
    section = text[text.index("哪里在拖延"):text.index("谁在拖延")]
    assert "七里河区" in section and "定西市" not in section  # the overdue case in 七里河区
    assert text.index("哪里在拖延") < text.index("群众最关心的问题")  # before the rest, at a glance


def test_dashboard_rates_have_counts_and_points(login, personas, cases):
    text = _text(login(personas["supervisor"]).get("/stats/dashboard/"))
    # a change of a rate is in percentage points, not a percent of a percent
    row = re.search(r"<td>答复率</td> ?<td>([^<]*)</td> ?<td>([^<]*)</td> ?<td>([^<]*)</td>", text)
    assert row.groups() == ("0.0%", "100.0%", "-100.0 个百分点")  # this week's cases unanswered yet
    # the late units' on-time rate shows what it is made of
    late = text[text.index("谁在拖延"):]
    assert re.search(r"兰州市住房和城乡建设局</td> ?<td><a [^>]+>\d+</a></td> ?<td>[\d.]+% <span class=\"muted\">"
                     r"\(\d+/\d+ 件, 误期 (<a [^>]+>)?\d+(</a>)? 件\)", late)  # and its misses (since 2026-12-06)


def test_dashboard_topic_tables_list_no_empty_rows(login, personas, directory, cases,
                                                  django_capture_on_commit_callbacks):
    """With fewer than ten topics in the period, 群众最关心的问题 filled up with 「未分类 0 — —」
    (a topic whose messages were all refused) and 变化最大的领域 with topics that did not change."""
    from minsheng.board import actions

    with django_capture_on_commit_callbacks(execute=True):
        refused = actions.do_submit(personas["citizen"], title="测试留言交通", body="七里河区某路口红绿灯坏了三天, 请尽快修复。",
                                    kind="complain", region=directory["qilihe"], topic=directory["topic_traffic"],
                                    at=timezone.now() - dt.timedelta(days=2))
        actions.do_reject(personas["dispatcher"], refused, "重复提交")
    text = _text(login(personas["supervisor"]).get("/stats/dashboard/"))
    top = text[text.index("群众最关心的问题"):text.index("周环比")].split("</table>")[0]
    received = [int(n) for n in re.findall(r"</td> ?<td>(?:<a [^>]+>)?(\d+)(?:</a>)?</td> ?<td>[^<]*</td> ?<td>", top)]
    assert received and 0 not in received
    changes = text[text.index("变化最大的领域"):].split("</table>")[0]
    rows = re.findall(r"<tr><td>[^<]+</td>.*?</tr>", changes)
    assert rows and not [row for row in rows if re.search(r"<td>0</td></tr>$", row)]


def test_dashboard_does_not_rank_satisfaction_on_a_handful_of_ratings(login, personas, cases):
    """住建局 has a few ratings: ranked as the least satisfying unit on them before."""
    text = _text(login(personas["supervisor"]).get("/stats/dashboard/"))
    section = text[text.index("各单位满意率"):]
    assert "兰州市住房和城乡建设局" not in section.split("</table>")[0]
    assert re.search(r"另有 \d+ 个单位参评不足 5 件, 满意率不稳定, 未列入排名", section)


def test_dashboard_sends_the_units_it_does_not_rank_to_the_league_table_of_the_same_90_days(login, personas, cases):
    """「另有 N 个单位参评不足 5 件 … (可在办理单位排行中查看)」 opened the league table of all time: a unit's
    满意率 there was another figure than the card's 近 90 天. The link keeps the card's 90 days (and its
    order, 满意率 lowest first), so each unit reads as on the card."""
    from urllib.parse import parse_qs, urlsplit

    sup = login(personas["supervisor"])
    section = _text(sup.get("/stats/dashboard/"))
    section = section[section.index("各单位满意率"):]
    href = re.search(r'未列入排名 \(可在<a href="([^"]+)">近 90 天的办理单位排行</a>中查看\)', section).group(1)
    query = {k: v[0] for k, v in parse_qs(urlsplit(href.replace("&amp;", "&")).query).items()}
    today = timezone.localdate()
    assert query == {"region": "620100", "date_from": (today - dt.timedelta(days=89)).isoformat(),
                     "date_to": today.isoformat(), "sort": "satisfaction_rate", "dir": "asc"}
    league = {r["label"]: r for r in figures.breakdown("unit", region="620100", date_from=query["date_from"],
                                                       date_to=query["date_to"])}
    page = _text(sup.get(href.replace("&amp;", "&")))
    housing = league["兰州市住房和城乡建设局"]
    row = re.search(r"<td>\d+\. 兰州市住房和城乡建设局</td>(.*?)</tr>", page).group(1)
    assert re.search(rf"<td><a [^>]*>{housing['received']}</a></td>", row)


def test_township_reached_by_drill_down_stays_selected(client, cases, directory):
    Region.objects.create(code="620102001", name="酒泉路街道", level=4, parent=directory["chengguan"])
    text = _text(client.get("/stats/", {"region": "620102001"}))
    assert '<option value="620102001" selected>' in text


def test_future_period_says_why_everything_is_zero(client, cases):
    start = timezone.localdate() + dt.timedelta(days=30)
    response = client.get("/stats/", {"date_from": start.isoformat()})
    assert response.status_code == 200
    assert f"所选开始日期 {start:%Y-%m-%d} 在今天之后" in _text(response)
    listed = client.get("/stats/list/", {"date_from": start.isoformat()})
    assert "在今天之后" in _text(listed)


def test_overdue_list_refuses_an_unknown_measure(login, personas, cases):
    response = login(personas["supervisor"]).get("/stats/overdue/", {"measure": "zzz"})
    assert response.status_code == 400
    assert "不支持的统计项: zzz" in _text(response)


def test_warm_dashboard_reads_each_region_once(login, personas, cases):
    sup = login(personas["supervisor"])
    sup.get("/stats/dashboard/")
    with CaptureQueriesContext(connection) as ctx:
        assert sup.get("/stats/dashboard/").status_code == 200
    region_reads = [q for q in ctx.captured_queries if 'FROM "directory_region"' in q["sql"]]
    assert len(region_reads) <= 3, [q["sql"][:120] for q in region_reads]


def test_dashboard_says_no_topic_changed_rather_than_no_data(login, personas, directory,
                                                            django_capture_on_commit_callbacks):
    """Since topics whose count did not change are left out of 变化最大的领域, a fortnight of one
    message a week in one topic left the table empty, and it read 「暂无数据」 beside weeks that
    each counted a message."""
    from minsheng.board import actions

    with django_capture_on_commit_callbacks(execute=True):
        for days in (2, 9):
            m = actions.do_submit(personas["citizen"], title="测试留言交通", body="七里河区某路口红绿灯坏了三天, 请尽快修复。",
                                  kind="complain", region=directory["qilihe"], topic=directory["topic_traffic"],
                                  at=timezone.now() - dt.timedelta(days=days))
            actions.do_accept(personas["dispatcher"], m)
    text = _text(login(personas["supervisor"]).get("/stats/dashboard/"))
    weekly = text[text.index("周环比"):text.index("变化最大的领域")]
    assert re.search(r"受理留言</td> ?<td><a [^>]+>1</a></td> ?<td><a [^>]+>1</a>", weekly)
    changes = text[text.index("变化最大的领域"):].split("</table>")[0]
    assert "暂无数据" not in changes and "各领域的留言数与上周相同" in changes


def test_dashboard_week_on_week_change_of_a_rate_is_the_difference_of_the_rates_shown():
    """答复率 本周 2.9% (1 of 34), 上周 86.5% (32 of 37): the row read 「-83.5 个百分点」, the exact rates'
    difference, where the reader subtracting the two figures on the row gets 83.6."""
    from minsheng.stats.dashboard import _change
    from minsheng.stats.templatetags.stats_tags import points

    this, last = figures._rate(1, 34), figures._rate(32, 37)
    assert (figures.percent(this), figures.percent(last)) == ("2.9%", "86.5%")
    assert points(_change(this, last, is_rate=True)) == "-83.6 个百分点"
    assert points(_change(None, last, is_rate=True)) == "—"


def test_a_supervisor_goes_from_a_late_figure_on_stats_to_the_late_cases(client, login, personas, cases):
    """/stats/ (the page with the date pickers: "which district was late with last month's messages?") showed
    超期未答复 and 超期从未答复 as bare numbers, in the 另有 line and in every table, where /stats/units/ and the
    dashboard link theirs: to a supervisor of the region they now lead to /stats/overdue/ with the same
    filters, which lists as many cases; the public still sees numbers only."""
    supervisor = login(personas["supervisor"])
    for url in ("/stats/?region=620100", "/stats/dashboard/"):
        assert _mismatched_links(supervisor, url, path="/stats/overdue/") == []
    page = supervisor.get("/stats/?region=620100").content.decode()
    line = page[page.index("另有"):].split("</p>")[0]
    assert re.search(r'超期未答复 <a href="/stats/overdue/\?region=620100">\d+</a> 件', line)
    assert re.search(r'超期从未答复 <a href="/stats/overdue/\?region=620100&amp;measure=overdue_unreplied">\d+</a>',
                     line)
    by_region = page[page.index("按区划"):].split("</table>")[0]
    assert '<a href="/stats/overdue/?region=620103&amp;measure=overdue_unreplied">' in by_region  # 七里河区's row
    assert "/stats/overdue/?" not in client.get("/stats/?region=620100").content.decode()


def test_the_overdue_list_with_its_dates_the_wrong_way_round_keeps_the_list(login, personas, cases):
    """超期清单's own form with 提交日期从 after 至 answered 「无法显示 · 开始日期晚于结束日期」 and 「返回公开统计」:
    the supervisor's region, measure and order gone, sent to the public page. It lists the cases now without
    the date refused and says so beside its box, as /stats/ and /stats/units/ do."""
    client = login(personas["supervisor"])
    whole = _count(client, "/stats/overdue/?region=620100&measure=overdue_unreplied")
    response = client.get("/stats/overdue/", {"region": "620100", "measure": "overdue_unreplied",
                                              "date_from": "2000-01-01", "date_to": "1999-01-01"})
    assert response.status_code == 200
    text = _text(response)
    assert "开始日期晚于结束日期, 未按结束日期筛选" in text and 'value="1999-01-01"' in text
    assert f"共 {whole} 件" in text and whole and "超期从未答复" in text
    assert '<option value="620100" selected>' in text
    exports = re.findall(r'href="(/stats/export/messages\.csv[^"]*)"', response.content.decode())
    assert exports and not [href for href in exports if "1999" in href]  # the exports leave it out as well
    assert client.get(exports[0].replace("&amp;", "&")).status_code == 200
    assert client.get("/stats/overdue/", {"date_from": "zzz"}).status_code == 200  # not a date: left out too


def test_the_dashboard_says_it_counts_by_region_alone_and_leads_to_the_statistics_of_the_same_filters(
        login, personas, cases):
    """/stats/dashboard/ takes ``region`` alone (its days are its own: 近 30 天, 本周, 90 天): a supervisor who
    came with ``?topic=`` read the whole district's figures unsaid. It says so, names the filters it did not
    apply, and links to /stats/ of the same region and filters (since 2026-12-06)."""
    sup = login(personas["supervisor"])
    response = sup.get("/stats/dashboard/")
    text = _text(response)
    assert "驾驶舱只按区划汇总" in text and "不按领域、类型、办理单位、留言对象或自选日期筛选" in text
    assert 'href="/stats/?region=620100"' in response.content.decode()
    response = sup.get("/stats/dashboard/", {"region": "620102", "topic": "urban", "kind": "complain"})
    text = _text(response)
    assert "地址中的领域、类型未用于本页" in text
    assert 'href="/stats/?region=620102&amp;topic=urban&amp;kind=complain"' in response.content.decode()
    assert "未用于本页" not in _text(sup.get("/stats/dashboard/", {"region": "620102"}))
