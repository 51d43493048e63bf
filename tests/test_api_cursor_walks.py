# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""Audit of the API's cursor-paged lists (2026-12-05): messages submitted (supported) at the same moment (an
import, a batch), pages ending inside the tie, walked forward and back on SQLite and PostgreSQL, meet each
message exactly once, in the order of one page of them all. DRF's cursor (the first value and a count of the
ties) skipped one walking back."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlencode, urlparse

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


def _crafted(position: str, reverse: bool = False) -> str:
    import base64
    from urllib.parse import urlencode

    return base64.b64encode(urlencode({"p": position, **({"r": "1"} if reverse else {})}).encode()).decode()


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("offset", ["+23:59", "-16:00"])
def test_a_cursor_time_with_an_offset_postgresql_refuses_is_read_as_its_moment(tied, as_persona, offset, reverse):
    """A cursor's time with an offset Python reads and PostgreSQL refuses (beyond ±15:59) was sent as it was:
    a 500 there (review, 2026-12-05). It is the moment it names, in UTC."""
    moment = dt.datetime(2026, 11, 2, 9, tzinfo=SH)  # the tie's moment, named with another offset
    hours, minutes = int(offset[1:3]), int(offset[4:])
    shift = dt.timedelta(hours=hours, minutes=minutes) * (1 if offset[0] == "+" else -1)
    named = (moment.astimezone(dt.UTC) + shift).replace(tzinfo=None).isoformat() + offset
    biggest = max(m.pk for m in tied)
    response = as_persona("anonymous").get("/api/v1/messages/", {
        "cursor": _crafted(f'{{"o":"submitted","v":["{named}",{biggest}]}}', reverse), "page_size": 100})
    assert response.status_code == 200, response.content
    listed = [m["public_id"] for m in response.json()["results"]]
    others = [m.public_id for m in reversed(tied) if m.pk != biggest]
    assert (not set(others) & set(listed)) if reverse else listed[:len(others)] == others


@pytest.mark.parametrize("reverse", [False, True])
def test_a_page_of_messages_seeks_the_index_both_ways(tied, as_persona, reverse):
    """Each page's query starts at its place in the index of submitted_at (its first value bounds it), going
    forward and back: the page before (``previous``) was bounded by 「submitted_at >= … OR submitted_at IS NULL」,
    which neither database seeks — a scan of the list up to the place (measured at 100,000 messages: 130 ms on
    SQLite, 110 ms on PostgreSQL, against 1 ms and 11 ms for the page after; review, 2026-12-05)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_persona("anonymous")
    first = client.get("/api/v1/messages/", {"page_size": 3}).json()
    second = client.get(first["next"]).json()
    url = second["previous"] if reverse else second["next"]
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    sql = next(q["sql"] for q in queries.captured_queries if "LIMIT" in q["sql"] and '"board_message"."status" IN' in q["sql"])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert re.search(r"Index Cond: .*submitted_at [<>]=", plan), plan
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
            plan = "\n".join(row[-1] for row in cursor.fetchall())
            assert "SEARCH board_message USING INDEX" in plan and "submitted_at" in plan.split("SEARCH board_message")[1].split("\n")[0], plan


def _ids(response):
    assert response.status_code == 200, response.content
    return [m["public_id"] for m in response.json()["results"]]


@pytest.mark.parametrize("url, who", [("/api/v1/messages/", "anonymous"), ("/api/v1/me/messages/", "citizen"),
                                      ("/api/v1/staff/inbox/?box=all", "dispatcher")])
def test_turning_round_and_changing_page_size_mid_walk(tied, as_persona, url, who):
    """next after previous gives the page again; a page_size changed mid-walk starts at the same place (review)."""
    client = as_persona(who)
    sep = "&" if "?" in url else "?"
    whole = _ids(client.get(f"{url}{sep}page_size=100"))
    first = client.get(f"{url}{sep}page_size=2").json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    back = client.get(third["previous"]).json()  # second again
    assert [m["public_id"] for m in back["results"]] == [m["public_id"] for m in second["results"]]
    again = client.get(back["next"]).json()  # third again (next after previous)
    assert [m["public_id"] for m in again["results"]] == [m["public_id"] for m in third["results"]]
    # page size changed mid-walk: 3 from the place after the second page
    nxt = urlparse(second["next"])
    q = parse_qs(nxt.query)
    q["page_size"] = ["3"]
    bigger = _ids(client.get(f"{nxt.path}?{urlencode(q, doseq=True)}"))
    assert bigger == whole[4:7]
    # previous with a bigger page size from the third page: the four before it
    prv = urlparse(third["previous"])
    q = parse_qs(prv.query)
    q["page_size"] = ["10"]
    response = client.get(f"{prv.path}?{urlencode(q, doseq=True)}").json()
    assert [m["public_id"] for m in response["results"]] == whole[:4]
    assert response["previous"] is None and response["next"]


@pytest.mark.parametrize("url, who", [("/api/v1/messages/", "anonymous"), ("/api/v1/me/supported/", "citizen"),
                                      ("/api/v1/staff/inbox/?box=unit", "officer"),
                                      ("/api/v1/staff/inbox/?box=all&order=id", "dispatcher")])
@pytest.mark.parametrize("cursor", ["!!!!", "%25%25%25", "%20", _crafted("", True).replace("=", "")])
def test_a_cursor_that_reads_as_no_place_is_refused_not_the_first_page(tied, as_persona, url, who, cursor):
    """A cursor of characters base64 does not use (a link mangled in a log, a cursor typed by hand) decoded
    to nothing, which read as no cursor: the first page, answered `200` (an integrator's walk, 2026-12-05).
    docs/api.md: a cursor the API did not issue is a `400` naming `cursor`. `?cursor=` empty is none."""
    client = as_persona(who)
    response = client.get(f"{url}{'&' if '?' in url else '?'}cursor={cursor}")
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == ["cursor"]
    assert client.get(f"{url}{'&' if '?' in url else '?'}cursor=").status_code == 200


@pytest.mark.parametrize("reverse", [False, True])
def test_a_cursor_with_no_time_where_every_message_has_one_is_refused(tied, as_persona, reverse):
    """`{"v": [null, null]}`: no message lacks a submission time or an id, so no page ends there; it read as
    a place past every message (an empty page, or the first) instead of the 400 of a cursor not issued."""
    response = as_persona("anonymous").get("/api/v1/messages/", {
        "cursor": _crafted('{"o":"submitted","v":[null,null]}', reverse)})
    assert response.status_code == 400, response.content
    assert list(response.json()["error"]["fields"]) == ["cursor"]
