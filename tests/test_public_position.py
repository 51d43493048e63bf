# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""A message's position (docs/security.md, *A message's position*): its author and the staff entitled to
the case read the point as sent, everyone else reads it rounded to 3 decimal places (about 100 m) — the same
in every public output. A citizen walk of 2026-12-06: the REST API and Open311 gave the exact point of a
citizen who pressed 「使用我当前的位置」 at home (6 decimals, their house) while the page hid the 门牌号."""

from __future__ import annotations

import secrets
from decimal import Decimal
from xml.etree import ElementTree as ET

import pytest
from django.test import Client

from minsheng.api.models import Open311Key, Open311Request
from minsheng.board.models import Message

from .test_api_support import (  # noqa: F401 (fixtures)
    _fresh_rate_limits,
    _media_in_tmp,
    advance,
    api_key,
    as_persona,
    submit,
)

pytestmark = pytest.mark.django_db

HOME = (Decimal("36.061789"), Decimal("103.834346"))  # a citizen's house, as their phone sent it
EXACT = (36.061789, 103.834346)
ROUNDED = (36.062, 103.834)


@pytest.fixture
def at_home(personas, directory):
    """A public message (dispatched to 住建局) posted with 「使用我当前的位置」 at home."""
    message = submit(personas["citizen"], directory, latitude=HOME[0], longitude=HOME[1])
    return advance(message, personas, directory, "dispatched")


def api_position(client, message) -> tuple:
    response = client.get(f"/api/v1/messages/{message.public_id}/")
    assert response.status_code == 200, response.content
    return response.json()["latitude"], response.json()["longitude"]


@pytest.mark.parametrize("reader", ["anonymous", "other_citizen", "other_officer", "dx_dispatcher", "api_key"])
def test_the_public_message_api_gives_others_the_position_to_three_decimals(as_persona, at_home, reader):
    assert api_position(as_persona(reader), at_home) == ROUNDED


@pytest.mark.parametrize("reader", ["citizen", "officer", "dispatcher", "supervisor"])
def test_the_public_message_api_gives_the_author_and_the_staff_of_the_case_the_position_as_sent(
        as_persona, at_home, reader):
    assert api_position(as_persona(reader), at_home) == EXACT


def test_the_author_and_the_case_page_api_keep_the_position_as_sent(as_persona, at_home):
    mine = as_persona("citizen").get(f"/api/v1/me/messages/{at_home.public_id}/").json()
    case = as_persona("officer").get(f"/api/v1/staff/cases/{at_home.public_id}/").json()
    assert (mine["latitude"], mine["longitude"]) == (case["latitude"], case["longitude"]) == EXACT
    assert Message.objects.get(pk=at_home.pk).latitude == HOME[0]  # stored as sent


def test_open311_requests_give_the_position_to_three_decimals_as_the_rest_api_does(at_home):
    client = Client()
    listed = client.get("/open311/v2/requests.json").json()
    one = client.get(f"/open311/v2/requests/{at_home.public_id}.json").json()
    assert [(r["lat"], r["long"]) for r in listed if r["service_request_id"] == at_home.public_id] == [ROUNDED]
    assert (one[0]["lat"], one[0]["long"]) == ROUNDED == api_position(client, at_home)
    xml = ET.fromstring(client.get(f"/open311/v2/requests/{at_home.public_id}.xml").content)
    assert (xml.findtext(".//lat"), xml.findtext(".//long")) == ("36.062", "103.834")


def test_open311_gives_the_key_that_posted_a_request_its_position_as_sent_and_other_keys_three_decimals(
        at_home, api_key):
    row, key = api_key
    Open311Request.objects.create(message=at_home, api_key=row, token=secrets.token_urlsafe(16))
    _, other = Open311Key.issue("另一个系统")
    url = f"/open311/v2/requests/{at_home.public_id}.json"
    posted = Client().get(url, {"api_key": key}).json()[0]
    stranger = Client().get(url, {"api_key": other}).json()[0]
    assert (posted["lat"], posted["long"]) == EXACT
    assert (stranger["lat"], stranger["long"]) == ROUNDED


@pytest.mark.parametrize("sent, shown", [
    ((Decimal("36.061500"), Decimal("103.834499")), (36.062, 103.834)),  # half up, as the rule says
    ((Decimal("-33.868820"), Decimal("-0.000400")), (-33.869, 0.0)),
    ((Decimal("36.000000"), Decimal("103.000000")), (36.0, 103.0)),
])
def test_the_rounding_is_to_the_nearest_thousandth_half_up(as_persona, personas, directory, sent, shown):
    message = advance(submit(personas["citizen"], directory, latitude=sent[0], longitude=sent[1]),
                      personas, directory, "accepted")
    got = api_position(as_persona("anonymous"), message)
    assert got == shown and "-0.0" not in str(got)


def test_a_message_without_a_position_gives_none_to_everyone(as_persona, personas, directory):
    message = advance(submit(personas["citizen"], directory), personas, directory, "accepted")
    assert api_position(as_persona("anonymous"), message) == (None, None)
    assert api_position(as_persona("citizen"), message) == (None, None)


@pytest.mark.parametrize("how", ["header", "parameter"])
def test_the_rest_detail_gives_the_key_that_posted_a_request_its_position_as_sent_as_open311_does(
        at_home, api_key, how):
    """An Open311 key reads its own requests' point as sent in Open311; on /api/v1/messages/{id}/ (which takes the
    key too) it read 3 decimals until 2026-12-06: the same key, two answers. Another key still reads 3 decimals."""
    row, key = api_key
    Open311Request.objects.create(message=at_home, api_key=row, token=secrets.token_urlsafe(16))
    _, other = Open311Key.issue("另一个系统")

    def read(with_key):
        if how == "header":
            return api_position(Client(headers={"X-API-Key": with_key}), at_home)
        response = Client().get(f"/api/v1/messages/{at_home.public_id}/", {"api_key": with_key})
        assert response.status_code == 200, response.content
        return response.json()["latitude"], response.json()["longitude"]

    assert read(key) == EXACT
    assert read(other) == ROUNDED
