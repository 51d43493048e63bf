"""A city deploying minsheng with its own directory, not the demo's 甘肃省 (docs/deploy.md):
its province is only the parent its codes need, and the pages must not assume Gansu."""

import pytest

from minsheng.directory.models import Region, Unit, home_region

from .conftest import make_user


@pytest.fixture
def city(db):
    """浙江省 › 湖州市 › 吴兴区, 南浔区: what regions.csv of docs/deploy.md imports."""
    province = Region.objects.create(code="330000", name="浙江省", level=1)
    huzhou = Region.objects.create(code="330500", name="湖州市", level=2, parent=province)
    Region.objects.create(code="330502", name="吴兴区", level=3, parent=huzhou)
    Region.objects.create(code="330503", name="南浔区", level=3, parent=huzhou)
    Unit.objects.create(name="湖州市住房和城乡建设局", region=huzhou)
    return huzhou


def test_the_home_region_is_the_city_under_a_province_with_nothing_else(city):
    assert home_region() == city
    Unit.objects.create(name="浙江省住房和城乡建设厅", region=city.parent)  # the province takes messages itself
    assert home_region() == city.parent


def test_a_citys_statistics_open_on_the_city_without_gansus_map(client, city):
    """They opened on 「公开统计 · 浙江省」 with the bundled map of 甘肃省, empty."""
    page = client.get("/stats/").content.decode()
    assert "公开统计 · 湖州市" in page and "公开统计 · 浙江省" not in page
    assert "地区分布" not in page


def test_a_deployments_own_map_shows_for_its_city(client, city, settings, tmp_path):
    shapes = tmp_path / "huzhou.json"
    shapes.write_text('{"type": "FeatureCollection", "features": []}')
    settings.MINSHENG_MAP_FILE = str(shapes)
    assert "地区分布" in client.get("/stats/").content.decode()
    assert "地区分布" not in client.get("/stats/?region=330502").content.decode()


def test_the_bundled_map_still_shows_for_gansu(client, directory):
    assert "地区分布" in client.get("/stats/").content.decode()
    assert "地区分布" not in client.get("/stats/?region=620100").content.decode()


def test_a_citizen_of_a_city_starts_at_the_city_not_at_a_province_with_one_choice(client, city):
    citizen = make_user("13700000001", phone="13700000001")
    client.force_login(citizen)
    page = client.get("/post/").content.decode()
    assert '<input type="hidden" name="region" value="330500">' in page
    assert ">吴兴区</option>" in page and "请选择区县 (选填)" in page


def test_a_province_with_several_cities_still_asks_for_one(client, personas):
    client.force_login(personas["citizen"])
    page = client.get("/post/").content.decode()
    assert '<input type="hidden" name="region" value="">' in page and "请选择省份" in page


def test_before_any_region_is_imported_the_post_page_says_why_nobody_can_post(client, db):
    """An empty directory showed the form with no region to pick, and every submit failed."""
    client.force_login(make_user("13700000001", phone="13700000001"))
    page = client.get("/post/").content.decode()
    assert "本站还没有导入区划目录, 暂时不能留言" in page
