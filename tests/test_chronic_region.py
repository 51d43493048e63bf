"""/chronic/ (老大难) narrowed to one district by the form /stats/overdue/ has (a supervisor's "which district is
late by Monday" walk, 2026-12-07: the page took ``?region=`` from the dashboard's link only, with no way to choose
one): the same 区划 select and 查找区划 box, offering the regions the user supervises, the same words for a region
that does not exist; its export named for the region chosen; the API's ``?chronic=`` refusing a region the page
refuses."""

from __future__ import annotations

import re

import pytest
from rest_framework.test import APIClient

from .conftest import make_user
from .test_hotspot_pages import chronic_hotspot  # noqa: F401 (a fixture)

pytestmark = pytest.mark.django_db


def offered(page: str) -> list[tuple[str, str, bool]]:
    """The 区划 select box of the page's form: (code, name as shown, selected)."""
    box = re.search(r'<select name="region" id="id_region">(.*?)</select>', page, re.S)
    assert box, "the 区划 select box"
    return [(code, name, bool(on)) for code, on, name in
            re.findall(r'<option value="(\d*)"( selected)?>([^<]*)</option>', box[1])]


def test_the_chronic_list_offers_the_districts_its_supervisor_may_choose(login, personas, directory,
                                                                         chronic_hotspot):  # noqa: F811
    sup = login(personas["supervisor"])  # supervises 兰州市
    page = sup.get("/chronic/").content.decode()
    assert [(code, name) for code, name, _ in offered(page)] == [
        ("", "全部区划"), ("620100", "\u3000兰州市"), ("620102", "\u3000\u3000城关区"), ("620103", "\u3000\u3000七里河区")]
    box = re.search(r'<p class="unit-search" data-unit-search hidden>.*?</p>', page, re.S)
    assert box and "查找区划" in box[0] and "&quot;list&quot;: &quot;chronic&quot;" in box[0].replace('"', "&quot;")
    # chosen: the list is the district's, the select says so and the tab is kept by the form
    chosen = sup.get("/chronic/", {"region": "620102", "show": "coordination"}).content.decode()
    assert [code for code, _, on in offered(chosen) if on] == ["620102"]
    assert "老大难问题 · 城关区" in chosen and chronic_hotspot.title in chosen
    assert '<input type="hidden" name="show" value="coordination">' in chosen
    elsewhere = sup.get("/chronic/", {"region": "620103"}).content.decode()
    assert chronic_hotspot.title not in elsewhere and "七里河区在您负责的区划内暂无" in elsewhere
    # a region above theirs (甘肃省 holds 兰州市: allowed, its heading's) is chosen in the select too, as the heading says
    above = sup.get("/chronic/", {"region": "620000"}).content.decode()
    assert "老大难问题 · 甘肃省" in above and [name for _, name, on in offered(above) if on] == ["甘肃省"]
    # 定西市's supervisor is offered 定西市 alone
    dx = login(make_user("dx_supervisor", role="supervisor", region=directory["dingxi"]))
    assert [(code, name) for code, name, _ in offered(dx.get("/chronic/").content.decode())] == [
        ("", "全部区划"), ("621100", "\u3000定西市")]


def test_the_chronic_lists_region_search_finds_only_the_regions_supervised(client, login, personas, directory):
    sup = login(personas["supervisor"])
    found = sup.get("/stats/regions/", {"field": "region", "q": "qlh", "list": "chronic"}).content.decode()
    assert [name for code, name, _ in offered(found) if code] == ["\u3000\u3000七里河区"] and "找到 1 个区划" in found
    none = sup.get("/stats/regions/", {"field": "region", "q": "dx", "list": "chronic"}).content.decode()
    assert [code for code, _, _ in offered(none) if code] == [] and "没有名称或拼音含「dx」的区划" in none
    # those /chronic/ refuses: the dispatcher of 兰州市 (its overdue list is theirs, its 老大难 are not), a unit's officer
    for who in (personas["dispatcher"], personas["officer"]):
        refused = login(who).get("/stats/regions/", {"field": "region", "q": "qlh", "list": "chronic"})
        assert refused.status_code == 403 and "只有督办人员和领导可以查看老大难问题" in refused.content.decode()
    assert client.get("/stats/regions/", {"field": "region", "q": "qlh", "list": "chronic"}).status_code == 403


@pytest.mark.parametrize("code", ["999999", "abc", "6201006201006201006201"])
def test_a_region_that_does_not_exist_is_said_as_the_dashboard_says_it(login, personas, code):
    sup = login(personas["supervisor"])
    words = f"没有区划代码为 {code[:20]}{'…' if len(code) > 20 else ''} 的区划"
    for path in ("/chronic/", "/stats/dashboard/", "/chronic/export.csv"):
        response = sup.get(path, {"region": code})
        assert response.status_code == 400 and words in response.content.decode(), path


def test_the_export_is_named_for_the_district_chosen(login, personas, chronic_hotspot):  # noqa: F811
    sup = login(personas["supervisor"])
    page = sup.get("/chronic/", {"region": "620102"}).content.decode()
    href = re.search(r'href="(/chronic/export\.csv\?[^"]*)"', page).group(1)
    assert href == "/chronic/export.csv?region=620102"
    response = sup.get(href)
    disposition = response["Content-Disposition"]
    assert "%E5%9F%8E%E5%85%B3%E5%8C%BA" in disposition  # 城关区, in filename*
    assert re.search(r'filename="chronic-620102-all-\d{8}\.csv"', disposition), disposition
    everything = sup.get("/chronic/export.csv", {"show": "chronic"})["Content-Disposition"]
    assert re.search(r'filename="chronic-all-chronic-\d{8}\.csv"', everything), everything


def test_the_api_refuses_a_region_the_chronic_list_refuses(personas, chronic_hotspot):  # noqa: F811
    sup = APIClient()
    sup.force_authenticate(personas["supervisor"])
    listed = sup.get("/api/v1/hotspots/", {"chronic": "true", "region": "620102"}).json()["results"]
    assert [h["id"] for h in listed] == [chronic_hotspot.pk]
    refused = sup.get("/api/v1/hotspots/", {"chronic": "true", "region": "621100"})
    assert refused.status_code == 403
    assert refused.json()["error"]["message"] == "老大难只列您督办的区划; 您不督办定西市。"
    unknown = sup.get("/api/v1/hotspots/", {"chronic": "true", "region": "999999"})
    # in the API's words for every region filter of it (inputs.unknown_region)
    assert unknown.status_code == 400 and unknown.json()["error"]["fields"]["region"][0].startswith(
        "没有代码为 999999 的行政区划")
    # without a flag it is the public list, any region's
    assert sup.get("/api/v1/hotspots/", {"region": "621100"}).status_code == 200
