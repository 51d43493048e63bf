"""Campaigns (征集活动): the announcement tally, the printable page, the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from openpyxl import load_workbook

from minsheng.board import actions
from minsheng.board.models import Message
from minsheng.directory.models import Region, Topic
from minsheng.stats import facts, figures
from minsheng.stats.models import Campaign

from .conftest import make_user
from .test_stats_cases import BODY, raw_figures
from .test_stats_qa import _mismatched_links


def _in(campaign, messages):
    prefixes = [r.prefix for r in campaign.regions.all()]
    topics = {t.pk for t in campaign.topics.all()}
    out = []
    for m in messages:
        day = timezone.localtime(m.submitted_at).date()
        if not campaign.start <= day <= campaign.end:
            continue
        if prefixes and not any(m.region.code.startswith(p) for p in prefixes):
            continue
        if topics and m.topic_id not in topics:
            continue
        out.append(m.pk)
    return Message.objects.filter(pk__in=out)


@pytest.fixture
def campaign(cases, directory):
    today = timezone.localdate()
    c = Campaign.objects.create(slug="wei-qunzhong", name="我为群众办实事", start=today - dt.timedelta(days=62),
                                end=today + dt.timedelta(days=10))
    c.regions.add(directory["lanzhou"])
    return c


def test_campaign_tally_equals_raw_rows(campaign):
    want = raw_figures(_in(campaign, Message.objects.all()))
    assert figures.compute(campaign=campaign.slug) == want
    assert want["received"] > 0 and want["submitted"] < Message.objects.count()  # 定西市 left out


def test_campaign_with_topics_and_a_closed_period(cases, directory):
    today = timezone.localdate()
    c = Campaign.objects.create(slug="env", name="环保", start=today - dt.timedelta(days=45),
                                end=today - dt.timedelta(days=20))
    c.topics.add(directory["topic_env"])
    want = raw_figures(_in(c, Message.objects.all()))
    assert figures.compute(campaign=c) == want
    assert want["submitted"] == 1  # the transferred case


def test_public_page_announces_the_tally(client, campaign):
    totals = figures.compute(campaign=campaign)
    response = client.get(f"/stats/campaigns/{campaign.slug}/")
    assert response.status_code == 200
    text = re.sub(r"\s+", " ", response.content.decode())
    today = timezone.localdate()
    expected = (f"截至{today.month}月{today.day}日,共收到群众留言 {totals['received']} 件,"
                f"其中 {totals['replied']} 件得到回应,回应率 {figures.percent(totals['reply_rate'])}")
    assert expected in text
    assert "stats/stats.css" in text and "@media print" in Path(finders.find("stats/stats.css")).read_text()
    assert 'onclick="window.print()"' in text
    assert "我为群众办实事" in client.get("/stats/campaigns/").content.decode()


def test_ended_campaign_states_both_dates(client, cases, directory):
    today = timezone.localdate()
    c = Campaign.objects.create(slug="past", name="往期", start=today - dt.timedelta(days=70),
                                end=today - dt.timedelta(days=30))
    text = client.get("/stats/campaigns/past/").content.decode()
    assert f"截至{today.year}年{today.month}月{today.day}日" in text
    assert f"{c.end.month}月{c.end.day}日)共收到群众留言" in text


def test_unknown_campaign_is_404(client, directory):
    assert client.get("/stats/campaigns/nope/").status_code == 404
    response = client.get("/stats/campaigns/nope/report.csv")
    assert response.status_code == 404 and "error" in response.json()


def test_private_campaign_is_hidden(client, directory):
    Campaign.objects.create(slug="draft", name="草稿", start=dt.date(2026, 1, 1), end=dt.date(2026, 2, 1),
                            is_public=False)
    assert client.get("/stats/campaigns/draft/").status_code == 404


def test_cli_prints_json_as_the_last_line(campaign, capsys):
    call_command("stats", "--campaign", campaign.slug, "--json")
    last = capsys.readouterr().out.strip().splitlines()[-1]
    data = json.loads(last)
    want = raw_figures(_in(campaign, Message.objects.all()))
    for key in ("received", "replied", "reply_rate", "on_time_rate", "satisfaction_rate", "median_days_to_reply"):
        assert data[key] == want[key]


def test_cli_region_and_breakdown(cases, capsys):
    call_command("stats", "--region", "620102", "--by", "month", "--json")
    lines = capsys.readouterr().out.strip().splitlines()
    assert json.loads(lines[-1]) == raw_figures(Message.objects.filter(region__code="620102"))
    assert all("label" in json.loads(line) for line in lines[:-1])


@pytest.mark.parametrize("args, message", [
    (["--campaign", "nope"], "没有这个征集活动"),
    (["--region", "123456"], "没有区划代码为 123456 的区划"),
    (["--from", "yesterday"], "开始日期 不是有效日期"),
])
def test_cli_errors_are_one_line(directory, args, message):
    with pytest.raises(CommandError, match=message) as info:
        call_command("stats", *args, "--json")
    assert "\n" not in str(info.value)


# --- a campaign of several regions (or topics) ----------------------------------------

def _table(client, url, title="按区划") -> list[tuple[str, str, int]]:
    """(row class, label, 受理) of each row of the page's table ``title``."""
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    section = text[text.index(f"<h2>{title}</h2>"):]
    section = section[:section.index("</section>")]
    rows = []
    for tr in re.findall(r"<tr( class=\"\w+\")?>\s*<td>(.*?)</td>\s*<td>(.*?)</td>", section, re.S):
        label = html.unescape(re.sub(r"<[^>]+>", "", tr[1])).strip()
        rows.append((tr[0].split('"')[1] if tr[0] else "", label, int(re.sub(r"<[^>]+>", "", tr[2]))))
    return rows


def _received(**where) -> int:
    return raw_figures(Message.objects.filter(**where))["received"]


def _campaign(slug, *regions, topics=(), **dates):
    c = Campaign.objects.create(slug=slug, name=f"专项行动{slug}", start=dates.get("start", dt.date(2000, 1, 1)),
                                end=dates.get("end", dt.date(2100, 1, 1)))
    c.regions.set(regions)
    c.topics.set(topics)
    return c


def test_campaign_of_two_cities_has_a_row_for_each_with_its_districts_beneath(client, cases, directory):
    """A campaign in 兰州市 and 定西市 showed one row, 甘肃省, in its region table."""
    _campaign("two", directory["lanzhou"], directory["dingxi"])
    lanzhou, dingxi = _received(region__code__startswith="6201"), _received(region__code="621100")
    rows = _table(client, "/stats/campaigns/two/")
    assert rows[0] == ("group", "兰州市", lanzhou) and rows[4] == ("group", "定西市", dingxi)
    assert sorted(rows[1:4]) == sorted([  # beneath 兰州市, the most messages first
        ("sub", "城关区", _received(region__code="620102")),
        ("sub", "七里河区", _received(region__code="620103")),
        ("sub", "兰州市本级", _received(region__code="620100")),
    ])
    assert len(rows) == 5 and sum(n for _, _, n in rows[1:4]) == lanzhou
    assert lanzhou + dingxi == figures.compute(campaign="two")["received"]  # the rows add up to the total
    assert _mismatched_links(client, "/stats/campaigns/two/") == []  # own=1 and region links stay exact


def test_campaign_region_table_is_the_same_in_the_exports_and_the_command(client, cases, directory, tmp_path,
                                                                         capsys):
    _campaign("two", directory["lanzhou"], directory["dingxi"])
    # the page's rows, with a district's name indented beneath its city
    want = [["\u3000" * (css == "sub") + label, n] for css, label, n in _table(client, "/stats/campaigns/two/")]
    assert [r[0] for r in want][::4] == ["兰州市", "定西市"] and "\u3000城关区" in [r[0] for r in want]
    wb = load_workbook(io.BytesIO(client.get("/stats/campaigns/two/report.xlsx").content))
    assert [list(r[:2]) for r in wb["按区划"].iter_rows(min_row=2, values_only=True)] == want
    rows = list(csv.reader(io.StringIO(b"".join(client.get("/stats/campaigns/two/report.csv").streaming_content)
                                       .decode("utf-8-sig"))))
    start = rows.index(["按区划"]) + 2
    assert [[r[0], int(r[1])] for r in rows[start:start + len(want) + 1] if r] == want
    out = tmp_path / "two.xlsx"
    call_command("export_stats", "campaign", "--campaign", "two", "--format", "xlsx", "-o", str(out))
    assert list(load_workbook(out)["按区划"].values) == list(wb["按区划"].values)
    # the statistics page, its table export and `minsheng stats` lay it out alike
    assert [label for _, label, _ in _table(client, "/stats/?campaign=two")] == [r[0].strip("\u3000") for r in want]
    assert "兰州市本级</a>" not in client.get("/stats/?campaign=two").content.decode()  # no drill to all 兰州市
    call_command("export_stats", "table", "--campaign", "two", "--by", "region")
    table = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert [[r[0], int(r[1])] for r in table[1:len(want) + 1]] == want
    call_command("stats", "--campaign", "two", "--by", "region", "--json")
    lines = [json.loads(line) for line in capsys.readouterr().out.strip().splitlines()[:-1]]
    assert [("\u3000" * line["depth"] + line["label"], line["received"]) for line in lines] == [tuple(r) for r in want]
    # and the API: the same rows, each with its depth (it gave one 甘肃省 row)
    api = client.get("/api/v1/statistics/breakdown/", {"campaign": "two", "by": "region"}).json()
    assert [("\u3000" * row["depth"] + row["label"], row["received"]) for row in api] == [tuple(r) for r in want]
    assert sum(row["received"] for row in api if row["depth"] == 0) == figures.compute(campaign="two")["received"]


def test_campaign_of_a_city_and_a_county_of_another_province(client, cases, directory, personas,
                                                            django_capture_on_commit_callbacks):
    """定西市 and 雁塔区 (陕西省): the table showed 甘肃省 and 陕西省. A county without
    townships has no "雁塔区本级" row repeating it."""
    shaanxi = Region.objects.create(code="610000", name="陕西省", level=1)
    xian = Region.objects.create(code="610100", name="西安市", level=2, parent=shaanxi)
    yanta = Region.objects.create(code="610113", name="雁塔区", level=3, parent=xian)
    dispatcher = make_user("xa_dispatcher", role="dispatcher", region=xian)
    with django_capture_on_commit_callbacks(execute=True):
        for title in ("雁塔区路灯", "雁塔区噪声"):
            m = actions.do_submit(personas["citizen"], title=title, body=BODY, kind="complain", region=yanta,
                                  topic=directory["topic_build"])
            actions.do_accept(dispatcher, m)
    _campaign("far", directory["dingxi"], yanta)
    assert _table(client, "/stats/campaigns/far/") == [("group", "雁塔区", 2), ("group", "定西市", 1)]
    assert _mismatched_links(client, "/stats/campaigns/far/") == []


def test_campaign_region_without_messages_has_its_row(client, cases, directory):
    """A region of the campaign where nobody wrote was left out of the table: a reader
    could not tell it from a region outside the campaign."""
    tianshui = Region.objects.create(code="620500", name="天水市", level=2, parent=directory["province"])
    _campaign("quiet", directory["dingxi"], tianshui)
    assert _table(client, "/stats/campaigns/quiet/") == [("group", "定西市", 1), ("group", "天水市", 0)]
    assert _mismatched_links(client, "/stats/campaigns/quiet/") == []


def test_campaign_of_a_city_and_its_district_counts_the_district_once(client, cases, directory):
    _campaign("nested", directory["lanzhou"], directory["chengguan"])
    assert sorted(label for _, label, _ in _table(client, "/stats/campaigns/nested/")) == sorted(
        ["七里河区", "城关区", "兰州市本级"])
    assert sum(n for *_, n in _table(client, "/stats/campaigns/nested/")) == figures.compute(campaign="nested")[
        "received"] == _received(region__code__startswith="6201")


def test_campaign_of_two_subtopics_has_a_row_and_a_slice_for_each(client, cases, directory):
    """道路 and 住房 (both under 城乡建设): the topic table and the pie showed one 城乡建设."""
    road = Topic.objects.create(code="urban-road", name="道路", parent=directory["topic_build"])
    housing = Topic.objects.create(code="urban-housing", name="住房", parent=directory["topic_build"])
    Message.objects.filter(pk__in=[cases["overdue"].pk, cases["late_basic"].pk]).update(topic=road)
    Message.objects.filter(pk=cases["on_time_satisfied"].pk).update(topic=housing)
    facts.rebuild()
    _campaign("urban", topics=[road, housing])
    assert _table(client, "/stats/campaigns/urban/", "按领域") == [("group", "道路", 2), ("group", "住房", 1)]
    assert _mismatched_links(client, "/stats/campaigns/urban/") == []
    charts = json.loads(re.search(r'id="stats-data"[^>]*>(.*?)</script>',
                                  client.get("/stats/campaigns/urban/").content.decode(), re.S).group(1))
    assert charts["topics"] == [{"name": "道路", "value": 2}, {"name": "住房", "value": 1}]


def test_campaign_not_started_yet_says_so(client, directory):
    """It said "进行中" and "共收到群众留言 0 件 … 回应率 —" before its first day."""
    today = timezone.localdate()
    start = today + dt.timedelta(days=20)
    _campaign("soon", start=start, end=start + dt.timedelta(days=30))
    text = re.sub(r"\s+", " ", client.get("/stats/campaigns/soon/").content.decode())
    assert f"活动将于{start.year}年{start.month}月{start.day}日开始" in text and "未开始" in text
    assert "进行中" not in text and "共收到群众留言" not in text


def test_campaign_not_public_is_not_reachable_through_the_filters(client, cases, directory, capsys):
    """Its page answered 404, but /stats/list/?campaign=<slug> named it and the figures
    JSON and the API counted it."""
    c = _campaign("draft", directory["dingxi"])
    c.name = "尚未公布的行动"
    c.is_public = False
    c.save()
    listed = client.get("/stats/list/?campaign=draft&measure=received")
    assert listed.status_code == 400 and "尚未公布的行动" not in listed.content.decode()
    assert "没有这个征集活动" in listed.content.decode()
    assert client.get("/stats/figures.json?campaign=draft").json() == {"error": "没有这个征集活动"}
    assert client.get("/api/v1/statistics/?campaign=draft").status_code == 400
    assert client.get("/stats/export/table.csv?campaign=draft").status_code == 400
    call_command("stats", "--campaign", "draft", "--json")  # operators still count it
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["received"] == 1
