"""Pinyin beyond the case page's pickers: the API's directory takes ``?q=`` (「qlh」, 「zjj」), a unit
without a 简称 is found by its derived one (兰州市住房和城乡建设局 by 「zjj」), and the statistics
pages' 区划 filter has the same 查找 box as the case page."""

from __future__ import annotations

import re

import pytest

from minsheng.directory.models import Region, Unit
from minsheng.directory.pinyin import name_or_pinyin, pinyin_key, short_form

from .test_pinyin_search import migrated_from

pytestmark = pytest.mark.django_db


# --- the API -------------------------------------------------------------------------

def unit_names(client, q, **params):
    r = client.get("/api/v1/units/", {"q": q, **params})
    assert r.status_code == 200, r.content
    return sorted(u["name"] for u in r.json()["results"])


@pytest.mark.parametrize("typed", ["zjj", "ZJJ", "zhujian", "zhu jian", "ｚｊｊ", "住建局", "城鄉建設"])
def test_the_units_api_finds_a_unit_by_its_name_short_name_or_pinyin(client, directory, typed):
    assert "兰州市住房和城乡建设局" in unit_names(client, typed, region="620100")
    assert "兰州市交通运输局" not in unit_names(client, typed, region="620100")


def test_the_units_api_finds_nothing_as_an_empty_list(client, directory):
    r = client.get("/api/v1/units/", {"q": "xyzq"})
    assert r.status_code == 200 and r.json()["results"] == [] and r.json()["count"] == 0


@pytest.mark.parametrize("typed", ["qlh", "qilihe", "QLH", "ｑｌｈ", "七里河", "七里"])
def test_the_regions_api_finds_a_region_by_name_or_pinyin(client, directory, typed):
    r = client.get("/api/v1/regions/", {"q": typed})
    assert r.status_code == 200
    assert r.json() == [{"code": "620103", "name": "七里河区", "level": 3, "parent_code": "620100",
                         "full_name": "甘肃省兰州市七里河区"}]


def test_the_regions_schema_describes_the_tree_and_the_regions_found(client, directory):
    """An integrator generating a client from /api/schema/ reads both answers of /regions/."""
    import jsonschema
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(public=True)
    answer = schema["paths"]["/api/v1/regions/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    validate = jsonschema.Draft202012Validator({**answer, "components": schema["components"]}).validate
    validate(client.get("/api/v1/regions/", {"q": "qlh"}).json())
    validate(client.get("/api/v1/regions/").json())


def test_the_regions_api_searches_below_root_and_finds_nothing_as_an_empty_list(client, directory):
    assert [r["name"] for r in client.get("/api/v1/regions/", {"q": "qu"}).json()] == ["城关区", "七里河区"]
    assert client.get("/api/v1/regions/", {"q": "qlh", "root": "621100"}).json() == []
    assert client.get("/api/v1/regions/", {"q": "xyzq"}).json() == []


@pytest.mark.parametrize("path", ["/api/v1/regions/", "/api/v1/units/", "/api/v1/addressees/"])
def test_a_too_long_query_is_a_json_400_naming_q(client, directory, path):
    r = client.get(path, {"q": "z" * 51})
    assert r.status_code == 400
    body = r.json()["error"]
    assert body["code"] == "invalid" and "q" in body["fields"] and "50" in body["fields"]["q"][0]
    assert client.get(path, {"q": "z" * 50}).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/regions/", "/api/v1/units/"])
def test_the_schema_and_options_describe_q(client, directory, path):
    assert "拼音" in client.options(path).json()["description"]
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    params = schema["paths"][path]["get"]["parameters"]
    assert any(p["name"] == "q" for p in params)


# --- units without a 简称 ---------------------------------------------------------------

@pytest.mark.parametrize(("name", "region", "short"), [
    ("兰州市住房和城乡建设局", ["兰州市", "甘肃省"], "住建局"),
    ("兰州市发展和改革委员会", ["兰州市", "甘肃省"], "发改委"),
    ("甘肃省兰州市卫生健康委员会", ["兰州市", "甘肃省"], "卫健委"),
    ("兰州市自然资源局", ["兰州市", "甘肃省"], "自资局"),
    ("兰州市人民政府办公室", ["兰州市", "甘肃省"], "人政办"),
    ("兰州市工业和信息化局", ["兰州市", "甘肃省"], "工业和信息化局"),
    ("兰州市教育局", ["兰州市", "甘肃省"], "教育局"),
    ("城关区人民政府", ["城关区", "兰州市", "甘肃省"], "人民政府"),
    ("兰州市政务服务中心", ["兰州市", "甘肃省"], "政务服务中心"),
])
def test_the_derived_short_form_drops_the_region_and_abbreviates(name, region, short):
    assert short_form(name, region) == short


def test_a_unit_without_a_short_name_is_found_by_its_derived_one(client, directory):
    assert directory["dx_housing"].short_name == ""
    assert unit_names(client, "zjj", region="621100") == ["定西市住房和城乡建设局"]
    assert unit_names(client, "zhujianju") == ["兰州市住房和城乡建设局", "定西市住房和城乡建设局"]


def test_the_derived_short_form_follows_a_rename_and_the_region(directory):
    unit = Unit.objects.create(name="七里河区交通运输局", region=directory["qilihe"])
    assert "jiaoyunju jyj" in unit.pinyin
    unit.name = "七里河区城市管理局"
    unit.save(update_fields=["name"])
    unit.refresh_from_db()
    assert "chengguanju cgj" in unit.pinyin and "jyj" not in unit.pinyin
    unit.short_name = "城管执法局"
    unit.save()
    assert "cgzfj" in unit.pinyin


def test_a_region_renamed_rekeys_its_units_without_a_short_name(directory):
    """The units' short forms drop their region's name: renamed 榆中县 → 榆中区 after its units were,
    「zjj」 found the renamed 住建局 only once the region was saved too."""
    yz = Region.objects.create(code="620123", name="榆中县", level=3, parent=directory["lanzhou"])
    unit = Unit.objects.create(name="榆中区住房和城乡建设局", region=yz)
    assert "zjj" not in unit.pinyin.split()
    yz.name = "榆中区"
    yz.save()
    assert "zjj" in Unit.objects.get(pk=unit.pk).pinyin.split()


def old_dingxi(old):
    """定西市 under 甘肃省 as an earlier schema (``old``, a migration state's apps) stored them."""
    regions = old.get_model("directory", "Region").objects
    gs = regions.create(code="620000", name="甘肃省", level=1, prefix="62", pinyin="gansusheng gss")
    return regions.create(code="621100", name="定西市", level=2, parent=gs, prefix="6211", pinyin="dingxishi dxs")


@pytest.mark.django_db(transaction=True)
def test_a_migration_gives_the_units_already_there_their_derived_short_form():
    def rows(old):
        dx = old_dingxi(old)
        units = old.get_model("directory", "Unit").objects
        units.create(name="定西市住房和城乡建设局", region=dx, pinyin=pinyin_key("定西市住房和城乡建设局"))
        units.create(name="定西市交通运输局", short_name="交通局", region=dx,
                     pinyin=pinyin_key("定西市交通运输局", "交通局"))

    migrated_from("0005_region_updated_at", rows)
    assert "zjj" in Unit.objects.get(name="定西市住房和城乡建设局").pinyin.split()
    found = Unit.objects.filter(name_or_pinyin("住建局", "name", "short_name"))  # typed in Chinese too
    assert [u.name for u in found] == ["定西市住房和城乡建设局"]
    assert "jyj" not in Unit.objects.get(name="定西市交通运输局").pinyin.split()  # its own 简称 stays the one


# --- the statistics pages' 区划 filter ---------------------------------------------------------

def region_options(html: str) -> list[str]:
    """The regions the 区划 select box offers (「全部区划」 left out), as named there."""
    box = re.search(r'<select name="region" id="id_region">(.*?)</select>', html, re.S)
    assert box, "the 区划 select box"
    return [name.strip("　") for value, name in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', box[1])
            if value]


@pytest.mark.parametrize("path", ["/stats/", "/stats/units/"])
def test_the_statistics_filter_has_a_search_box_over_a_select_that_works_without_scripts(client, directory, path):
    html = client.get(path).content.decode()
    box = re.search(r'<p class="unit-search" data-unit-search hidden>.*?</p>', html, re.S)
    assert box, "the 查找区划 box, shown by forms.js only"
    assert 'placeholder="输入名称或拼音首字母, 如 qlh"' in box[0] and 'hx-target="#id_region"' in box[0]
    assert 'form="region-search-none"' in box[0]  # Enter in it does not send the filters
    assert "vendor/htmx.min.js" in html
    # without scripts: the whole list, as before, and the form sends region=
    assert {"甘肃省", "兰州市", "七里河区", "城关区", "定西市"} <= set(region_options(html))
    assert "七里河区" in client.get(path, {"region": "620103"}).content.decode()


@pytest.mark.parametrize("typed", ["qlh", "QiLiHe", "ｑｌｈ", "七里"])
def test_a_supervisor_types_qlh_and_the_select_holds_qilihe(client, directory, typed):
    r = client.get("/stats/regions/", {"field": "region", "q": typed})
    assert r.status_code == 200
    html = r.content.decode()
    assert region_options(html) == ["七里河区"]
    assert '<option value="">全部区划</option>' in html
    assert '<span id="region-found-region" hx-swap-oob="innerHTML">找到 1 个区划</span>' in html


def test_the_region_chosen_stays_and_nothing_found_is_said(client, directory):
    html = client.get("/stats/regions/", {"field": "region", "q": "xyzq", "region": "621100"}).content.decode()
    assert region_options(html) == ["定西市"] and '<option value="621100" selected>' in html
    assert "没有名称或拼音含「xyzq」的区划" in html
    assert region_options(client.get("/stats/regions/", {"field": "region"}).content.decode()) == [
        "甘肃省", "兰州市", "城关区", "七里河区", "定西市"]


def test_the_overdue_lists_search_offers_only_the_users_regions(client, login, personas, directory):
    """/stats/overdue/'s form lists the regions the user oversees: its search box finds no others."""
    assert client.get("/stats/regions/", {"field": "region", "q": "dx", "list": "overdue"}).status_code == 403
    dx = login(personas["dx_dispatcher"])
    page = dx.get("/stats/overdue/").content.decode()
    assert '"list": "overdue"' in page or "&quot;list&quot;: &quot;overdue&quot;" in page
    assert region_options(dx.get("/stats/regions/", {"field": "region", "q": "dx", "list": "overdue"})
                          .content.decode()) == ["定西市"]
    assert region_options(dx.get("/stats/regions/", {"field": "region", "q": "qlh", "list": "overdue"})
                          .content.decode()) == []


@pytest.mark.parametrize("typed", ["住建局", "住建"])
def test_a_unit_without_a_short_name_is_found_by_its_derived_one_in_chinese(client, directory, typed):
    """The API's doc says a unit without a 简称 is found by the one derived from its name (定西市住房和城乡建设局:
    住建局): 「zjj」 found it, 「住建局」 typed in Chinese did not (the derived form was kept in pinyin only).
    The case page's 查找单位 box reads the same key (2026-12-05)."""
    assert unit_names(client, typed, region="621100") == ["定西市住房和城乡建设局"]
