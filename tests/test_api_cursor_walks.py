# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""Audit of the API's cursor-paged lists (2026-12-05): messages submitted (supported) at the same moment (an
import, a batch), pages ending inside the tie, walked forward and back on SQLite and PostgreSQL, meet each
message exactly once, in the order of one page of them all. DRF's cursor (the first value and a count of the
ties) skipped one walking back."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from minsheng.api.models import ApiToken
from minsheng.board import actions
from minsheng.board.models import Message, Support

from .test_api_support import _fresh_rate_limits, _media_in_tmp, advance, api_key, as_persona, submit  # noqa: F401

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))


def walk_both_ways(client, url: str) -> list[str]:
    """The public ids met following ``next`` from ``url``; asserts that following ``previous`` back from the
    last page meets the same ones, each page in the same order."""
    pages, last = [], None
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        pages.append([m["public_id"] for m in response.json()["results"]])
        last, url = url, response.json()["next"]
    back, url = [pages[-1]], client.get(last).json()["previous"]
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        back.insert(0, [m["public_id"] for m in response.json()["results"]])
        url = response.json()["previous"]
    assert [p for page in back for p in page] == [p for page in pages for p in page]  # each once, in order
    assert back == pages
    return [p for page in pages for p in page]


@pytest.fixture
def tied(personas, directory):
    """Nine public messages submitted at the same moment (an import, a batch): every page ends inside the tie."""
    p, d = personas, directory
    made = [advance(submit(p["citizen"], d, title=f"同一时刻的留言{n}"), p, d, "accepted") for n in range(9)]
    moment = dt.datetime(2026, 11, 2, 9, tzinfo=SH)
    Message.objects.filter(pk__in=[m.pk for m in made]).update(submitted_at=moment)
    return made


@pytest.mark.parametrize("size", [1, 2, 3, 4])
@pytest.mark.parametrize("url, who", [("/api/v1/messages/", "anonymous"), ("/api/v1/me/messages/", "citizen"),
                                      ("/api/v1/staff/inbox/?box=dispatch", "dispatcher"),
                                      ("/api/v1/staff/inbox/?box=all", "dispatcher")])
def test_a_list_by_submission_walks_each_message_once_both_ways_over_ties(tied, as_persona, url, who, size):
    client = as_persona(who)
    whole = client.get(url, {"page_size": 100}).json()["results"]
    expected = [m["public_id"] for m in whole if m["public_id"] in {t.public_id for t in tied}]
    assert expected == [m.public_id for m in reversed(tied)]  # the newest first: by id on a tie
    walked = walk_both_ways(client, f"{url}{'&' if '?' in url else '?'}page_size={size}")
    assert [p for p in walked if p in set(expected)] == expected


@pytest.mark.parametrize("size", [1, 2, 3])
def test_the_supported_list_walks_each_message_once_both_ways_over_ties(tied, personas, as_persona, size):
    for m in tied:
        actions.do_support(personas["other_citizen"], Message.objects.get(pk=m.pk))
    moment = dt.datetime(2026, 11, 3, 9, tzinfo=SH)
    Support.objects.filter(user=personas["other_citizen"]).update(created_at=moment)
    client = as_persona("other_citizen")
    whole = [m["public_id"] for m in client.get("/api/v1/me/supported/", {"page_size": 100}).json()["results"]]
    assert sorted(whole) == sorted(m.public_id for m in tied)
    assert walk_both_ways(client, f"/api/v1/me/supported/?page_size={size}") == whole


def test_the_token_page_lists_the_tokens_in_use_first_on_both_databases(personas, login):
    """/api/tokens/ ordered by revoked_at: SQLite put a token never revoked (null) first, PostgreSQL last — a
    person there read their revoked tokens above the ones their scripts use."""
    user = personas["citizen"]
    for name in ("旧脚本", "看板", "报表脚本"):
        ApiToken.issue(user, name)
    ApiToken.objects.filter(user=user, name="旧脚本").update(revoked_at=timezone.now())
    ApiToken.objects.filter(user=user, name="看板").update(created_at=timezone.now() - dt.timedelta(days=1))
    page = login(user).get("/api/tokens/").content.decode()
    rows = re.findall(r"<tr>\s*<td>([^<]+)</td>.*?<td>(有效|已撤销)</td>", page, re.S)
    assert rows == [("报表脚本", "有效"), ("看板", "有效"), ("旧脚本", "已撤销")]
