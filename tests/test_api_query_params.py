# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""Query parameters of the REST API's GET endpoints, as an integrator types them: a
name the endpoint does not read (``?statu=open``, ``?regoin=620100``) is a 400 that
names it and lists the accepted ones, never every record as if no filter were given;
every parameter docs/api.md documents still works; Open311 keeps ignoring the extra
parameters its spec lets clients send."""

from __future__ import annotations

import datetime as dt
import functools
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone

from minsheng.accounts.models import Membership
from minsheng.board import actions
from minsheng.insight.models import Hotspot, HotspotMember
from minsheng.stats.models import Campaign

from .test_api_support import (  # noqa: F401 (fixtures)
    _fresh_rate_limits,
    _media_in_tmp,
    advance,
    api_key,
    as_persona,
    error_of,
    submit,
)

pytestmark = pytest.mark.django_db

COMMON = {"format", "api_key"}  # read by every endpoint: DRF's format override, the Open311 key
CURSOR = object()  # stands for a cursor the endpoint itself issued (its first page's ``next``)
FIGURES = {"region": "620100", "topic": "urban", "kind": "help", "unit": "{unit}", "campaign": "blue-sky",
           "date_from": "2026-03-01", "date_to": "2026-03-31", "own": "1", "addressee": "{mayor}"}

# Each GET endpoint as docs/api.md documents it: who calls it, and every query
# parameter with a valid value. A filter added to an endpoint must be added here (and
# to docs/api.md), else the tests below fail.
ENDPOINTS = {
    "/api/v1/": ("anonymous", {}),
    "/api/v1/messages/": ("anonymous", {"q": "电梯", "region": "620100", "topic": "urban", "kind": "help",
                                        "status": "replied", "date_from": "2020-01-01", "date_to": "2099-12-31",
                                        "cursor": CURSOR, "page_size": "5"}),
    "/api/v1/messages/{public_id}/": ("anonymous", {}),
    "/api/v1/messages/similar/": ("anonymous", {"title": "路灯不亮", "body": "小区路灯一个月不亮", "region": "620100"}),
    "/api/v1/me/messages/": ("citizen", {"status": "submitted,replied", "cursor": CURSOR, "page_size": "5"}),
    "/api/v1/me/messages/{public_id}/": ("citizen", {}),
    "/api/v1/me/supported/": ("other_citizen", {"cursor": CURSOR, "page_size": "5"}),
    "/api/v1/me/data/": ("citizen", {}),
    "/api/v1/regions/": ("anonymous", {"root": "620100", "depth": "2", "q": "qlh"}),
    "/api/v1/regions/{code}/": ("anonymous", {}),
    "/api/v1/units/": ("anonymous", {"region": "620100", "q": "zjj", "page": "1", "page_size": "10"}),
    "/api/v1/addressees/": ("anonymous", {"region": "620100", "q": "shizhang", "page": "1", "page_size": "10"}),
    "/api/v1/addressees/{addressee_id}/": ("anonymous", {}),
    "/api/v1/topics/": ("anonymous", {}),
    "/api/v1/hotspots/": ("supervisor", {"region": "620100", "days": "30", "chronic": "true", "needs_coordination": "true",
                                         "page": "1", "page_size": "10"}),
    "/api/v1/hotspots/{hotspot_id}/": ("anonymous", {}),
    "/api/v1/statistics/": ("anonymous", FIGURES),
    "/api/v1/statistics/breakdown/": ("anonymous", {"by": "region", **FIGURES}),
    "/api/v1/statistics/messages/": ("anonymous", {"measure": "replied", "page": "1",
                                                   "page_size": "10", **FIGURES}),
    # box=leader and its show, leader, q: the dispatcher is also an officer of the mayor's office (world)
    "/api/v1/staff/inbox/": ("dispatcher", {"box": "leader", "status": "accepted", "overdue": "false", "due_soon": "false",
                                            "sign_overdue": "false", "supervised": "false",
                                            "handler": "none", "role": "lead", "order": "id", "show": "handling",
                                            "leader": "{mayor}", "q": "路灯", "cursor": CURSOR, "page_size": "5"}),
    "/api/v1/staff/cases/{public_id}/": ("dispatcher", {}),
    "/api/v1/staff/cases/{public_id}/suggestion/": ("dispatcher", {"topic": "urban"}),
    "/api/v1/staff/cases/{public_id}/similar-answers/": ("dispatcher", {}),
    "/api/v1/staff/reading/": ("dispatcher", {"days": "90"}),
}
# documented parameters that do not go with the others above, each endpoint's sent in a call of their own: the
# inbox's ordering (2026-12-05) is for box=unit alone, and not with order=id; its q there takes a mobile number
# (since 2026-12-07) its region for box=supervise alone, a supervisor's: each (persona or None for the endpoint's, values)
APART = {"/api/v1/staff/inbox/": [(None, {"box": "unit", "ordering": "-submitted", "q": "13800000001"}),
                                  ("supervisor", {"box": "supervise", "region": "620103", "own": "1"})]}


@functools.cache
def schema_get_parameters() -> dict[str, set[str]]:
    """The query parameters the OpenAPI document gives each GET path under /api/v1/."""
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return {path: {p["name"] for p in ops["get"].get("parameters", []) if p["in"] == "query"}
            for path, ops in paths.items() if path.startswith("/api/v1/") and "get" in ops}


@pytest.fixture
def world(personas, directory):
    """Two public messages of the citizen (one replied, in dispatcher's 兰州市; the other
    citizen supports both), a public
    chronic hotspot needing coordination in 兰州市 and a campaign: every parameter above finds something."""
    p, d = personas, directory
    day = timezone.now() - dt.timedelta(days=2)
    replied = advance(submit(p["citizen"], d, at=day), p, d, "replied")
    accepted = advance(submit(p["citizen"], d, title="小区门口路灯坏了"), p, d, "accepted")
    for m in (replied, accepted):
        actions.do_support(p["other_citizen"], m)
    now = timezone.now()
    hotspot = Hotspot.objects.create(title="七里河区某小区加装电梯", region=d["qilihe"], first_at=now, last_at=now,
                                     message_count=2, public_count=2, citizen_count=1, heat=5.0, chronic=True,
                                     needs_coordination=True)
    for m in (replied, accepted):
        HotspotMember.objects.create(hotspot=hotspot, message=m)
    Campaign.objects.create(slug="blue-sky", name="蓝天行动", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31))
    # the inbox's box=leader: the dispatcher also reads the mayor's board
    Membership.objects.create(user=p["dispatcher"], role="officer", unit=d["center"])
    return {"public_id": replied.public_id, "code": "620103", "hotspot_id": hotspot.pk, "unit": d["housing"].pk,
            "mayor": d["mayor"].pk, "addressee_id": d["mayor"].pk}


def url_of(template: str, world) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(world[m.group(1)]), template)


def values_of(template: str, world, client) -> dict:
    """The documented parameters of ``template`` with real values (an issued cursor)."""
    _, documented = ENDPOINTS[template]
    values = {k: str(v).format(**world) for k, v in documented.items() if v is not CURSOR}
    if "cursor" in documented:
        # a cursor serves the order it was issued in (the inbox's ?order=id)
        first = client.get(url_of(template, world), {"page_size": 1, **{k: values[k] for k in ("order",) if k in values}})
        assert first.status_code == 200 and first.json()["next"], first.content
        values["cursor"] = parse_qs(urlsplit(first.json()["next"]).query)["cursor"][0]
    return values


def accepted_in(message: str) -> set[str]:
    """The names listed after 可用 in the error message."""
    listed = re.search(r"\(可用: ([^)]*)\)", message)
    assert listed, message
    return set(listed.group(1).split(", "))


@pytest.mark.parametrize("url, query, typo, meant", [
    ("/api/v1/messages/", {"statu": "replied"}, "statu", "status"),
    ("/api/v1/messages/", {"region_code": "620100"}, "region_code", "region"),  # docs/api.md once warned of it
    ("/api/v1/messages/", {"regoin": "620100", "kind": "help"}, "regoin", "region"),
    ("/api/v1/messages/", {"regoin": ""}, "regoin", "region"),  # empty, yet still a typo
    ("/api/v1/statistics/", {"date_form": "2026-05-01"}, "date_form", "date_from"),
    ("/api/v1/regions/", {"dept": "3"}, "dept", "depth"),
    ("/api/v1/units/", {"pagesize": "100"}, "pagesize", "page_size"),
])
def test_a_misspelt_parameter_is_a_400_that_names_it(client, world, url, query, typo, meant):
    response = client.get(url, query)
    assert response.status_code == 400, response.content
    err = error_of(response)
    assert err["code"] == "invalid"
    assert err["message"].startswith(f"未知的查询参数: {typo} (可用: ")
    assert meant in accepted_in(err["message"])
    assert err["fields"] == {typo: [f"未知的查询参数 (是否应为 {meant}?)"]}
    fixed = {meant if k == typo else k: v for k, v in query.items()}
    assert client.get(url, fixed).status_code == 200  # spelt right, the same request works


def test_every_unknown_name_is_listed(client, world):
    response = client.get("/api/v1/messages/", {"statu": "open", "regoin": "620100", "status": "replied",
                                                "sort": "newest"})
    err = error_of(response)
    assert response.status_code == 400
    assert err["message"].startswith("未知的查询参数: statu, regoin, sort (可用: q, region, topic, kind, status, ")
    assert set(err["fields"]) == {"statu", "regoin", "sort"} and err["fields"]["sort"] == ["未知的查询参数"]


def test_a_parameter_given_twice_with_different_values_is_a_400(client, world):
    """?status=replied&status=closed read as "either" by the caller listed the closed only."""
    response = client.get("/api/v1/messages/?status=replied&status=closed")
    assert response.status_code == 400
    assert list(error_of(response)["fields"]) == ["status"]
    assert client.get("/api/v1/messages/?status=closed&status=closed").status_code == 200  # the same twice
    assert client.get("/api/v1/messages/?status=&status=closed").status_code == 200  # an empty one is none


@pytest.mark.parametrize("template", ENDPOINTS)
def test_each_endpoint_takes_its_documented_parameters_and_no_other(as_persona, world, template):
    persona, documented = ENDPOINTS[template]
    names = set(documented) | {name for _, apart in APART.get(template, ()) for name in apart}
    client = as_persona(persona)
    if template in schema_get_parameters():  # the root is not in the schema
        assert schema_get_parameters()[template] == names, "OpenAPI and docs/api.md differ"
    url, values = url_of(template, world), values_of(template, world, client)
    every = client.get(url, {**values, "format": "json"})
    assert every.status_code == 200, every.content
    for who, apart in APART.get(template, ()):
        apart = (as_persona(who) if who else client).get(url, {**apart, "format": "json"})
        assert apart.status_code == 200, apart.content
    refused = client.get(url, {**values, "format": "json", "bogus": "1"})
    assert refused.status_code == 400, refused.content
    err = error_of(refused)
    assert set(err["fields"]) == {"bogus"}
    assert accepted_in(err["message"]) == names | COMMON


@pytest.mark.parametrize("template", [t for t, (_, documented) in ENDPOINTS.items() if "page_size" in documented])
@pytest.mark.parametrize("page_size", ["abc", "0", "1000"])
def test_a_page_size_out_of_range_is_a_400_on_every_list(as_persona, world, template, page_size):
    """我的留言 and 我也遇到的 served 20 rows for ?page_size=abc and 100 for 1000, where every
    other list answers 400 naming page_size (docs/api.md: 1–100, or 1–200 for pages)."""
    persona, _ = ENDPOINTS[template]
    response = as_persona(persona).get(url_of(template, world), {"page_size": page_size})
    assert response.status_code == 400, (template, response.content)
    assert list(error_of(response)["fields"]) == ["page_size"]



@pytest.mark.parametrize("template", [t for t, (_, documented) in ENDPOINTS.items() if "page_size" in documented])
def test_a_page_size_the_check_reads_as_a_number_is_that_page_size(as_persona, world, template):
    """`?page_size=1.0` (a client that keeps numbers as floats) passed the check as 1, but the paginator read
    the text again, could not, and served its default 20 (50) rows (an integrator's walk, 2026-12-05)."""
    persona, _ = ENDPOINTS[template]
    client = as_persona(persona)
    one = client.get(url_of(template, world), {"page_size": 1})
    assert one.status_code == 200, one.content
    for written in ("1.0", "1.", " 1"):
        response = client.get(url_of(template, world), {"page_size": written})
        assert response.status_code == 200, response.content
        assert response.json()["results"] == one.json()["results"], (template, written)

def test_no_get_endpoint_of_the_schema_ignores_an_unknown_parameter(as_persona, world):
    for template in schema_get_parameters():
        assert template in ENDPOINTS, f"{template}: add it to ENDPOINTS (and docs/api.md)"
        persona, _ = ENDPOINTS[template]
        response = as_persona(persona).get(url_of(template, world), {"expand": "all"})
        assert response.status_code == 400, (template, response.content)
        assert "expand" in error_of(response)["fields"]


def test_an_open311_key_works_as_api_key_and_its_typo_is_named(client, world, api_key):
    _, key = api_key
    assert client.get("/api/v1/messages/", {"api_key": key}).status_code == 200
    assert client.get("/api/v1/messages/", {"api_key": "o311_wrong"}).status_code == 401  # it is read
    typo = client.get("/api/v1/messages/", {"apikey": key})  # would run anonymous, on the IP's rate limit
    assert typo.status_code == 400
    assert error_of(typo)["fields"] == {"apikey": ["未知的查询参数 (是否应为 api_key?)"]}


def test_a_cache_buster_passes_and_is_not_offered(client, world):
    """jQuery's ``cache: false`` adds ``_=<timestamp>`` to every GET: it must not break a
    client, nor appear among the parameters a typo is told about."""
    busted = client.get("/api/v1/messages/", {"_": "1733200000000", "status": "replied"})
    assert busted.status_code == 200, busted.content
    assert busted.json() == client.get("/api/v1/messages/", {"status": "replied"}).json()
    refused = client.get("/api/v1/messages/", {"_": "1", "statu": "open"})
    assert set(error_of(refused)["fields"]) == {"statu"}
    assert "_" not in accepted_in(error_of(refused)["message"])


def test_open311_still_ignores_extra_parameters_the_rest_api_refuses(client, world):
    extra = {"jurisdiction_id": "620000", "extensions": "true", "x_city_ref": "A-17"}
    for path in ("discovery.json", "services.json", "services/urban.json", "requests.json", "requests.xml",
                 f"requests/{world['public_id']}.json"):
        response = client.get(f"/open311/v2/{path}", extra)
        assert response.status_code == 200, (path, response.content)
    assert world["public_id"] in str(client.get("/open311/v2/requests.json", extra).json())
    rest = client.get("/api/v1/messages/", {"x_city_ref": "A-17"})
    assert rest.status_code == 400 and "x_city_ref" in error_of(rest)["fields"]


def test_a_query_string_on_a_post_only_endpoint_is_still_a_405(as_persona, world):
    """A GET where only POST is served says so (405), whatever the query string: a 400
    about an unknown parameter would suggest that GET works there."""
    citizen = as_persona("citizen")
    for query in ({}, {"resolution": "satisfied"}):
        response = citizen.get(f"/api/v1/messages/{world['public_id']}/rate/", query)
        assert response.status_code == 405, (query, response.content)
    assert as_persona("dispatcher").get(f"/api/v1/staff/cases/{world['public_id']}/accept/",
                                        {"dry_run": "1"}).status_code == 405


def test_a_format_other_than_json_is_a_400_naming_it(client, world):
    """?format=xml (or JSON) was a 404 「未找到」, as if the message did not exist."""
    for path in ("/api/v1/messages/", f"/api/v1/messages/{world['public_id']}/"):
        for fmt in ("xml", "JSON"):
            response = client.get(path, {"format": fmt})
            assert response.status_code == 400, (path, response.content)
            assert error_of(response)["fields"] == {"format": [f"不支持的格式 '{fmt}' (可用: json)"]}
        assert client.get(path, {"format": "json"}).status_code == 200
    assert client.get("/api/v1/messages/19990101000000/", {"format": "json"}).status_code == 404
