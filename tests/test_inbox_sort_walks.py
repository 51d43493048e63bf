# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""Review of the inbox's sort (2026-12-05): every ordering walked both ways, page by page, over cases with
empty values (未指派, no 领域, no deadline) and ties, meets each case exactly once — on SQLite and PostgreSQL,
which put an empty value at opposite ends unless told."""

from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import urlencode

import pytest

from minsheng.board.models import Assignment, Message

from .conftest import make_user
from .test_api_support import api_key, as_persona, error_of  # noqa: F401 (fixtures)
from .test_inbox_sort import ORDERINGS, listed
from .test_staff_qa import dispatch

pytestmark = pytest.mark.django_db
SH = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def gappy(personas, directory):
    """Eight cases of 住建局's: some 未指派, some without a 领域, some without any deadline, and ties in each."""
    d = directory
    zhang = make_user("zhang", role="officer", unit=d["housing"], display_name="张科员")
    li = make_user("li", role="officer", unit=d["housing"])  # no display name: listed by user name
    day = dt.datetime(2026, 11, 2, 9, tzinfo=SH)
    plan = [  # 承办人, 领域, deadline (None: none), submitted
        (zhang, "topic_build", day, day), (None, None, None, day), (li, None, day, day),
        (None, "topic_build", None, day + dt.timedelta(days=1)), (zhang, None, None, day),
        (None, "topic_env", day, day), (li, "topic_env", None, day - dt.timedelta(days=1)), (None, None, day, day)]
    made = []
    for n, (handler, topic, due, submitted) in enumerate(plan):
        m = dispatch(personas, d, f"留空的留言{n}", region="qilihe" if n % 2 else "chengguan")
        Message.objects.filter(pk=m.pk).update(submitted_at=submitted, topic=d[topic] if topic else None)
        Assignment.objects.filter(message=m).update(handler=handler, due_at=due, sign_due_at=None)
        made.append(m)
    return made


def _walk(client, url: str, key: str) -> tuple[list[str], str | None]:
    seen, last = [], None
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        seen += [m["public_id"] for m in response.json()["results"]]
        last, url = url, response.json()[key]
    return seen, last


def _walked_back(client, last: str) -> list[str]:
    """From the last page back to the first by `previous`: every case, in the forward order."""
    pages, url = [], client.get(last).json()["previous"]
    while url:
        page = client.get(url).json()
        pages.insert(0, [m["public_id"] for m in page["results"]])
        url = page["previous"]
    return [p for page in pages for p in page] + [m["public_id"] for m in client.get(last).json()["results"]]


@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize("size", [1, 3])
def test_every_ordering_walks_each_case_once_both_ways_over_empty_values(personas, gappy, login, as_persona,
                                                                        ordering, size):
    client = as_persona("officer")
    forward, last = _walk(client, f"/api/v1/staff/inbox/?box=unit&ordering={ordering}&page_size={size}", "next")
    assert sorted(forward) == sorted(m.public_id for m in gappy)  # each once
    by_title = {m.title: m.public_id for m in gappy}
    assert forward == [by_title[t] for t in listed(login(personas["officer"]), sort=ordering)]
    # back from the last page: the previous pages, each case once, in the same order
    assert _walked_back(client, last) == forward


@pytest.mark.parametrize("position", [
    '{"o":"due","v":["9999-12-31T23:59:59-14:00","2026-12-01T09:00:00+08:00",1]}',
    '{"o":"due","v":["0001-01-01T00:00:00+14:00","2026-12-01T09:00:00+08:00",1]}',
    '{"o":"handler","v":["\\ud800","li3","2026-12-01T09:00:00+08:00","2026-12-01T09:00:00+08:00",1]}',
    '{"o":"handler","v":["li3","\\ud800","2026-12-01T09:00:00+08:00","2026-12-01T09:00:00+08:00",1]}',
    '{"o":"topic","v":[1.5,"urban",null,null,1]}',
    '{"o":"topic","v":[1,"urban",null,null,true]}',
])
def test_a_forged_cursor_is_a_400_never_a_500(gappy, as_persona, position):
    """A date-time past the calendar once turned to UTC (a 500 on SQLite), a lone surrogate (a 500 on both), a
    number of the wrong kind: a 400 naming the cursor."""
    sort = position.split('"o":"')[1].split('"')[0]
    token = base64.b64encode(urlencode({"p": position}).encode()).decode()
    response = as_persona("officer").get("/api/v1/staff/inbox/", {"box": "unit", "ordering": sort, "cursor": token})
    assert response.status_code == 400, response.content
    assert "cursor" in error_of(response)["fields"]


@pytest.mark.parametrize("url", ["/api/v1/messages/", "/api/v1/staff/inbox/?box=unit"])
@pytest.mark.parametrize("moment", ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00"])
def test_a_date_time_cursor_past_the_calendar_is_a_400(gappy, as_persona, url, moment):
    """The lists' date-time cursors (the public list's, box=unit's): one outside the calendar once in UTC (the
    naive one read in Beijing time) was a 500."""
    token = base64.b64encode(urlencode({"p": moment}).encode()).decode()
    response = as_persona("officer").get(url, {"cursor": token})
    assert response.status_code == 400, response.content
    assert "cursor" in error_of(response)["fields"]


@pytest.mark.parametrize("ordering", ["handler", "-topic", "due"])
def test_a_search_and_an_ordering_together_walk_the_cases_found(personas, gappy, as_persona, ordering):
    """q (a word, a mobile number) with ordering: the cases found, each once, in that order."""
    Message.objects.filter(pk__in=[m.pk for m in gappy[:5]]).update(contact_phone="13800000009")
    client = as_persona("officer")
    for q, found in (("13800000009", gappy[:5]), ("电梯", gappy)):
        walked, _ = _walk(client, "/api/v1/staff/inbox/?" + urlencode(
            {"box": "unit", "ordering": ordering, "page_size": 2, "q": q}), "next")
        assert sorted(walked) == sorted(m.public_id for m in found), q
        whole = client.get("/api/v1/staff/inbox/", {"box": "unit", "ordering": ordering, "q": q, "page_size": 50})
        assert [m["public_id"] for m in whole.json()["results"]] == walked


@pytest.mark.parametrize("size", [1, 2, 3])
def test_the_default_unit_inbox_walks_each_case_once_both_ways_over_cases_without_a_deadline(personas, gappy,
                                                                                           login, as_persona, size):
    """?box=unit without ordering= (the order the inbox page lists by: the next deadline, then the older
    submission): a case without any deadline comes last on SQLite as on PostgreSQL, and a page ending on one
    leads on to the next (its cursor held 「None」, a 400, and the database put those cases first on SQLite,
    last on PostgreSQL), each case met once, in the inbox page's order, forward and back."""
    client = as_persona("officer")
    forward, last = _walk(client, f"/api/v1/staff/inbox/?box=unit&page_size={size}", "next")
    by_title = {m.title: m.public_id for m in gappy}
    assert forward == [by_title[t] for t in listed(login(personas["officer"]))]
    assert forward == _walk(client, f"/api/v1/staff/inbox/?box=unit&ordering=due&page_size={size}", "next")[0]
    assert _walked_back(client, last) == forward
