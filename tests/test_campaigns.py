"""Campaigns (征集活动): the announcement tally, the printable page, the CLI."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from minsheng.board.models import Message
from minsheng.stats import figures
from minsheng.stats.models import Campaign

from .test_stats_cases import build_cases, raw_figures


@pytest.fixture(autouse=True)
def fast_hasher(settings):
    # personas are created with passwords; the production hasher costs ~0.5 s each
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def cases(directory, personas, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return build_cases(directory, personas)


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
