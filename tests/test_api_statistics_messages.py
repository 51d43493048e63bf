# ruff: noqa: F811  (pytest fixtures imported from other test files)
"""GET /api/v1/statistics/messages/?measure=…: the messages behind a public figure, the list of /stats/list/ with
the same filters, paginated, its ``count`` the figure (since 2026-12-06; before, integrators had the site's CSV)."""

from __future__ import annotations

import re

import pytest

from .test_api_support import error_of
from .test_stats_addressee_lists import secretary  # noqa: F401 (the fixture)
from .test_stats_sign_boards import _rows, signs  # noqa: F401 (the fixture)
from .test_stats_sign_rate import _text

pytestmark = pytest.mark.django_db
URL = "/api/v1/statistics/messages/"


def _all(client, params) -> tuple[int, list[dict]]:
    """(count, every item) of the list, page by page (3 a page)."""
    body = client.get(URL, {**params, "page_size": 3}).json()
    count, items = body["count"], body["results"]
    while body["next"]:
        body = client.get(body["next"]).json()
        items += body["results"]
    return count, items


def _figure(figures: dict, measure: str) -> int:
    return figures["sign_due"] - figures["signed_on_time"] if measure == "sign_late" else figures[measure]


def test_the_list_behind_each_figure_counts_the_figure_and_holds_the_pages_rows(
        client, personas, directory, signs, secretary):
    """For the city and each unit of it (a breakdown row's filters), each measure: ``count`` is the figure of
    /api/v1/statistics/ and /stats/list/'s 共 N 件, the items the page's rows."""
    region = {"region": "620100"}
    for filters in [region, *(row["filters"] for row in client.get(
            "/api/v1/statistics/breakdown/", {"by": "unit", **region}).json() if row["filters"])]:
        figures = client.get("/api/v1/statistics/", {**region, **filters}).json()
        for measure in ("received", "open", "sign_late"):
            params = {**region, **filters, "measure": measure}
            count, items = _all(client, params)
            assert count == len(items) == _figure(figures, measure), (filters, measure)
            page = _text(client.get("/stats/list/", params))
            assert f"共 {count} 件" in page
            assert sorted(i["title"] for i in items) == sorted(_rows(page))
    count, items = _all(client, {**region, "measure": "sign_late"})
    assert count == 6 and all(i["sign_for"]["unit"]["name"] for i in items)
    assert all(i["sign_for"] is None for i in _all(client, {**region, "measure": "received"})[1])


def test_a_leaders_list_counts_its_boards_figures(client, personas, directory, signs, secretary):
    """``addressee``: the figures of /api/v1/addressees/{id}/, the 超期 count of the board among them, each
    opened by the item's ``lists`` (the board's links)."""
    listed = {a["id"]: a for a in client.get("/api/v1/addressees/").json()["results"]}
    for office, late in ((directory["mayor"], 5), (secretary, 1)):
        item = client.get(f"/api/v1/addressees/{office.pk}/").json()
        assert item == listed[office.pk]
        figures = item["figures"]
        assert figures["sign_due"] - figures["signed_on_time"] == late
        assert set(item["lists"]) == {"received", "replied", "on_time", "sign_late"}
        for measure, href in item["lists"].items():
            body = client.get(href).json()
            assert body["count"] == _figure(figures, measure), (office.title, measure)
            count, items = _all(client, {"addressee": office.pk, "measure": measure})
            assert count == len(items) == body["count"]
            assert {i["addressee"]["id"] for i in items} <= {office.pk}


def test_a_months_list_takes_the_breakdowns_filters(client, personas, directory, signs):
    rows = client.get("/api/v1/statistics/breakdown/", {"by": "month", "region": "620100"}).json()
    assert rows
    for row in rows:
        count = client.get(URL, {"region": "620100", **row["filters"], "measure": "received"}).json()["count"]
        assert count == row["received"], row["label"]


@pytest.mark.parametrize("params, field", [
    ({"measure": "overdue"}, "measure"), ({"measure": "nope"}, "measure"), ({"region": "999999"}, "region"),
    ({"topic": "nope"}, "topic"), ({"unit": "999999"}, "unit"), ({"addressee": "999999"}, "addressee"),
    ({"addressee": "abc"}, "addressee"), ({"date_from": "2026-12-01", "date_to": "2026-11-01"}, "date_to"),
    ({"own": "1"}, "own"), ({"colour": "red"}, None)])
def test_an_unknown_measure_or_a_bad_filter_is_a_400_naming_it(client, directory, params, field):
    response = client.get(URL, params)
    assert response.status_code == 400
    error = error_of(response)
    if field:
        assert field in (error["fields"] or {}), error


def test_it_is_in_the_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/statistics/messages/"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"measure", "addressee", "region", "unit", "topic", "kind", "date_from", "date_to", "page"} <= names
    assert re.search("sign_late", str(operation))
