"""A city deploying minsheng with its own directory, not the demo's 甘肃省 (docs/deploy.md):
its province is only the parent its codes need, and the pages must not assume Gansu."""

import io
import shutil
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.accounts.models import Membership
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


def test_the_stats_page_finds_the_home_region_once(client, city, settings, tmp_path):
    """It walked the region tree twice per page: once for the default region, once more
    for the map card."""
    shapes = tmp_path / "huzhou.json"
    shapes.write_text('{"type": "FeatureCollection", "features": []}')
    settings.MINSHENG_MAP_FILE = str(shapes)
    with CaptureQueriesContext(connection) as queries:
        assert "地区分布" in client.get("/stats/").content.decode()
    walks = [q["sql"] for q in queries.captured_queries if '"parent_id" IS NULL' in q["sql"]]
    assert len(walks) == 1


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


EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "example-city"


def import_directory(folder, *args) -> str:
    out = io.StringIO()
    call_command("import_directory", str(folder), *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def import_errors(folder) -> list[str]:
    err = io.StringIO()
    with pytest.raises(CommandError, match="未做任何修改"):
        call_command("import_directory", str(folder), "--commit", stdout=io.StringIO(), stderr=err)
    assert not Region.objects.exists()
    return err.getvalue().splitlines()


def test_the_example_city_of_docs_deploy_imports_and_routes(db):
    """docs/deploy.md walks a deployment through docs/example-city/: it must import as it says."""
    assert "新增 15" in import_directory(EXAMPLE, "--commit")
    from minsheng.directory.models import Topic
    from minsheng.directory.routing import route

    street = route(Region.objects.get(code="330502001"), Topic.objects.get(code="urban-property"))
    assert street.lead.name == "月河街道办事处"  # the street's own row, before its district's
    noise = route(Region.objects.get(code="330503"), Topic.objects.get(code="environment-noise"))
    assert noise.lead.name == "湖州市生态环境局" and [u.name for u in noise.assists] == ["湖州市公安局"]
    assert home_region().name == "湖州市"


def test_the_mistakes_of_a_first_import_are_one_line_each(db, tmp_path):
    """A district left out while its streets remain, a street pasted twice, a unit with no
    region, a city without its province, a 12-digit code Excel turned into 3.30502E+11, a
    file saved by Excel (GBK): each is one line
    that says what to do, and nothing is written."""
    for name in ("regions.csv", "units.csv"):
        shutil.copy(EXAMPLE / name, tmp_path / name)
    regions = (tmp_path / "regions.csv").read_text(encoding="utf-8").splitlines()
    regions = [r for r in regions if not r.startswith("330503,")] + ["330502001,月河街道,4,330502"]
    (tmp_path / "regions.csv").write_text("\n".join(regions) + "\n", encoding="utf-8")
    with open(tmp_path / "units.csv", "a", encoding="utf-8") as fh:
        fh.write("湖州市信访局,,,department,,1\n")
    assert import_errors(tmp_path) == [
        "regions.csv:10: 上级区划 330503 不存在", "regions.csv:11: 上级区划 330503 不存在",
        "regions.csv:12: 上级区划 330503 不存在", "regions.csv:16: 区划代码 330502001 与第 6 行重复",
        "units.csv:13: 所在区划 330503 不存在", "units.csv:17: 缺少所在区划 region_code"]

    (tmp_path / "regions.csv").write_text("code,name,level,parent_code\n330500,湖州市,2,\n", encoding="utf-8")
    (tmp_path / "units.csv").unlink()
    assert import_errors(tmp_path) == [
        "regions.csv:2: 缺少上级区划 parent_code; 地级区划也要有上级: 在 regions.csv 加一行它所在的省 (330000, level 1) "
        "并填为 parent_code"]

    (tmp_path / "regions.csv").write_text("code,name,level,parent_code\n330000,浙江省,1,\n330500,湖州市,2,330000\n"
                                          "330502,吴兴区,3,330500\n3.30502E+11,月河社区,4,330502\n", encoding="utf-8")
    excel = "; 看来是 Excel 把长数字存成了科学计数法: 请把该列设为「文本」格式, 重新填入代码后再保存"
    assert import_errors(tmp_path) == [f"regions.csv:5: 区划代码 '3.30502E+11' 应为 6、9 或 12 位数字{excel}"]

    (tmp_path / "regions.csv").write_bytes((EXAMPLE / "regions.csv").read_text(encoding="utf-8").encode("gbk"))
    assert import_errors(tmp_path) == [
        "regions.csv:2: 不是 UTF-8 编码, 看来是 GBK 编码 (Excel「CSV (逗号分隔)」的默认格式); 请在 Excel 中另存为「CSV UTF-8 "
        "(逗号分隔)」, 或在 WPS、记事本中以 UTF-8 编码保存"]


# --- a message filed at the province nobody serves --------------------------------------

PROVINCE_REFUSED = "本站不受理浙江省的留言 (没有负责该区划的办理单位或派单员); 请选择湖州市或其下级区划"
MESSAGE = {"title": "小区电梯坏了三个月", "body": "月河街道某小区电梯坏了三个月没人修, 老人上下楼很困难, 请尽快处理。",
           "kind": "help"}


def test_the_web_form_the_api_and_open311_refuse_the_province_of_a_city_and_say_where_to_post(city, client):
    """Filed at 330000 (浙江省, no unit of its own), a message was in no city dispatcher's
    queue, only the administrators'. Each channel now refuses it alike, naming 湖州市."""
    from urllib.parse import urlencode

    from rest_framework.test import APIClient

    from minsheng.api.models import ApiToken, Open311Key
    from minsheng.board.models import Message
    from minsheng.directory.models import Topic

    Topic.objects.create(code="urban", name="城乡建设")
    citizen = make_user("13700000001", phone="13700000001")
    client.force_login(citizen)
    page = client.post("/post/", {**MESSAGE, "region": "330000"}).content.decode()
    assert PROVINCE_REFUSED in page
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(citizen, 'app')[1]}")
    answer = api.post("/api/v1/messages/", {**MESSAGE, "region": "330000"}, format="json")
    assert answer.status_code == 400 and PROVINCE_REFUSED in answer.json()["error"]["fields"]["region"]
    open311 = APIClient().post("/open311/v2/requests.json", urlencode({
        "api_key": Open311Key.issue("12345 热线")[1], "service_code": "urban", "description": MESSAGE["body"],
        "address_string": "月河街道", "email": "wang@example.com", "attribute[region]": "330000"}),
        content_type="application/x-www-form-urlencoded")
    assert open311.status_code == 400, open311.content.decode()
    # GeoReport v2's error array (the API's {"error": …} until 2026-12-05), the parameter named
    assert open311.json() == [{"code": 400, "description": f"attribute[region]: {PROVINCE_REFUSED}"}]
    assert not Message.objects.exists()
    # the city itself and a district below it are taken
    assert client.post("/post/", {**MESSAGE, "region": "330502"}).status_code == 302
    assert api.post("/api/v1/messages/", {**MESSAGE, "region": "330500"}, format="json").status_code == 201


def test_a_province_with_its_own_unit_or_dispatcher_takes_messages(city):
    from minsheng.board.forms import check_handled

    province = city.parent
    make_user("zj_dispatcher", role="dispatcher", region=province)
    check_handled(province)  # the province's dispatcher sees it and dispatches to the city's units
    Membership.objects.all().delete()
    with pytest.raises(ValidationError, match="请选择湖州市或其下级区划"):
        check_handled(province)
    Unit.objects.create(name="浙江省住房和城乡建设厅", region=province)
    check_handled(province)


def test_the_demo_province_takes_messages_and_an_empty_directory_says_why_not(db):
    from minsheng.board.forms import check_handled

    gansu = Region.objects.create(code="620000", name="甘肃省", level=1)
    with pytest.raises(ValidationError, match="本站还没有办理单位, 暂时不能留言"):
        check_handled(gansu)
    call_command("load_directory", stdout=io.StringIO())
    check_handled(Region.objects.get(code="620000"))  # the demo's 甘肃省 has departments of its own
