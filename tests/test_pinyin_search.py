"""Pinyin in the unit and region pickers: a dispatcher types 「zjj」 or 「zhujian」 for
兰州市住房和城乡建设局 (简称 住建局), 「qlh」 for 七里河区, in the case page's 派单/转办 boxes and the
admin's search and autocomplete, alongside the Chinese names."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from minsheng.board import actions
from minsheng.board.models import Message
from minsheng.directory import csvio
from minsheng.directory.management.commands import load_directory
from minsheng.directory.models import Region, Unit
from minsheng.directory.pinyin import pinyin_key

from .conftest import make_user

pytestmark = pytest.mark.django_db


def options(html: str) -> list[str]:
    """The names a select box offers, its empty choice left out."""
    return [name for value, name in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', html) if value]


def new_case(personas, directory):
    return actions.do_submit(personas["citizen"], title="七里河区小区加装电梯", body="老旧小区没有电梯, 老人上下楼困难。" * 2,
                             kind="help", region=directory["qilihe"], topic=directory["topic_build"])


def picker(client, message, field, q, **chosen):
    return client.get(reverse("board:case_units", args=[message.public_id]), {"field": field, "q": q, **chosen})


@pytest.mark.parametrize("typed", ["zjj", "ZJJ", "zhujian", "zhu jian", "住建", "住房和城乡"])
def test_a_dispatcher_finds_the_lead_unit_by_pinyin_or_name(personas, directory, login, typed):
    m = new_case(personas, directory)
    r = picker(login(personas["dispatcher"]), m, "lead", typed)
    assert r.status_code == 200
    html = r.content.decode()
    assert 'name="lead"' in html and 'id="id_lead"' in html
    assert options(html) == ["兰州市住房和城乡建设局"]


@pytest.mark.parametrize("typed", ["ｚｊｊ", "ＺｈｕＪｉａｎ", "城鄉建設", "住建局"])
def test_full_width_letters_and_traditional_characters_find_the_unit_too(personas, directory, login, typed):
    """A Chinese input method left in full-width mode types 「ｚｊｊ」; an officer with a traditional
    input method types 城鄉建設: both found nothing, the message search reads them both."""
    m = new_case(personas, directory)
    html = picker(login(personas["dispatcher"]), m, "lead", typed).content.decode()
    assert options(html) == ["兰州市住房和城乡建设局"]


def test_assisting_units_by_full_pinyin_keep_what_is_chosen(personas, directory, login):
    m = new_case(personas, directory)
    html = picker(login(personas["dispatcher"]), m, "assists", "shengtai",
                  assists=[directory["transport"].pk]).content.decode()
    assert 'name="assists"' in html and "multiple" in html
    assert sorted(options(html)) == ["兰州市交通运输局", "兰州市生态环境局"]
    assert re.search(rf'<option value="{directory["transport"].pk}" selected>', html)


@pytest.mark.parametrize("field", ["lead", "assists"])
def test_the_search_box_says_what_it_found_to_a_screen_reader(personas, directory, login, field):
    """Typing in a 查找 box changes the select box below without a word: a screen reader said nothing,
    and a 协办单位 search that found nothing left an empty box, unexplained."""
    m = new_case(personas, directory)
    client = login(personas["dispatcher"])
    html = client.get(reverse("board:case", args=[m.public_id])).content.decode()
    assert re.search(rf'<span id="unit-found-{field}" role="status"[^>]*></span>', html)
    html = picker(client, m, field, "<xyz>").content.decode()
    assert re.search(rf'<span id="unit-found-{field}" hx-swap-oob="innerHTML">没有名称或拼音含「&lt;xyz&gt;」的单位</span>',
                     html)
    html = picker(client, m, field, "ju").content.decode()
    found = len(options(html))
    assert found > 1 and f'<span id="unit-found-{field}" hx-swap-oob="innerHTML">找到 {found} 个单位</span>' in html


def test_the_lead_unit_transfers_by_pinyin_but_not_to_itself(personas, directory, login):
    m = new_case(personas, directory)
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    officer = login(personas["officer"])
    html = picker(officer, Message.objects.get(pk=m.pk), "to_unit", "sthjj").content.decode()
    assert options(html) == ["兰州市生态环境局"]
    html = picker(officer, m, "to_unit", "zjj").content.decode()
    assert options(html) == []
    assert "没有名称或拼音含「zjj」的单位" in html


def test_only_those_who_dispatch_or_transfer_the_case_search_its_units(personas, directory, login):
    m = new_case(personas, directory)
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    assert picker(login(personas["other_officer"]), m, "to_unit", "zjj").status_code == 404
    assert picker(login(personas["dx_dispatcher"]), m, "lead", "zjj").status_code == 404
    r = picker(login(personas["officer"]), m, "nothing", "zjj")
    assert r.status_code == 400 and "请选择要查找的单位框" in r.content.decode()


def test_the_case_page_offers_the_search_boxes(personas, directory, login):
    m = new_case(personas, directory)
    html = login(personas["dispatcher"]).get(reverse("board:case", args=[m.public_id])).content.decode()
    for field in ("lead", "assists"):
        assert f'id="unit-q-{field}"' in html
        assert reverse("board:case_units", args=[m.public_id]) in html
    assert "输入名称或拼音首字母" in html or "输入职务或拼音首字母" in html


def test_keys_spell_names_and_initials_with_readings_from_words():
    assert pinyin_key("中国银行七里河支行", "") == "zhongguoyinhangqilihezhihang zgyhqlhzh"
    assert pinyin_key("兰州市住房和城乡建设局", "住建局").split() == [
        "lanzhoushizhufanghechengxiangjiansheju", "lzszfhcxjsj", "zhujianju", "zjj"]
    assert pinyin_key("兰州市12345热线") == "lanzhoushi12345rexian lzs12345rx"


@pytest.mark.parametrize("name, key", [("宕昌县", "tanchangxian tcx"), ("崆峒区", "kongtongqu ktq"),
                                       ("武都区", "wuduqu wdq")])
def test_gansu_place_names_are_read_as_they_are_said(name, key):
    """Three of the demo's counties that pypinyin misreads (dangchang, kongdong, wudou): a 陇南 officer
    typing 「tcx」 found nothing."""
    assert pinyin_key(name) == key


def test_the_key_follows_a_rename_and_the_directory_import(directory):
    assert Region.objects.get(name="七里河区").pinyin == "qilihequ qlhq"
    unit = directory["ecology"]
    unit.short_name = "环保局"
    unit.save(update_fields=["short_name"])
    assert Unit.objects.filter(pinyin__contains="hbj").get() == unit
    result = csvio.import_directory(csvio.Bundle.from_dicts({"units.csv": [
        {"name": "兰州市生态环境局", "short_name": "生态局", "region_code": "620100", "kind": "department",
         "parent_name": "", "is_active": "1"}]}), commit=True)
    assert result.updated == {"units.csv": 1}
    assert "stj" in Unit.objects.get(pk=unit.pk).pinyin.split()


def test_the_demo_directory_is_loaded_with_keys(db):
    load_directory.load()
    assert Region.objects.filter(pinyin="").count() == 0 and Unit.objects.filter(pinyin="").count() == 0
    assert "七里河区" in Region.objects.filter(pinyin__contains="qlh").values_list("name", flat=True)
    assert "兰州市住房和城乡建设局" in Unit.objects.filter(pinyin__contains="zjj").values_list("name", flat=True)


@pytest.fixture
def admin_client(login):
    return login(make_user("platform_admin", is_superuser=True, is_staff=True))


# 兰州市's (简称 住建局) and 定西市's, whose 简称 is derived from its name (pinyin.short_form)
HOUSING = ["兰州市住房和城乡建设局", "定西市住房和城乡建设局"]


@pytest.mark.parametrize("url, typed, found", [
    ("/admin/directory/unit/", "zjj", HOUSING),
    ("/admin/directory/unit/", "ZhuJian", HOUSING),
    ("/admin/directory/region/", "qlh", "七里河区"),
    ("/admin/directory/region/", "qilihe", "七里河区"),
    # as the case page's boxes: apostrophes ignored, full-width letters (an input method's full-width mode)
    ("/admin/directory/unit/", "zhu'jian", HOUSING),
    ("/admin/directory/unit/", "ｚｊｊ", HOUSING),
    ("/admin/directory/region/", "ｑｌｈ", "七里河区"),
    ("/admin/directory/responsibility/", "ｚｊｊ", None),
    ("/admin/directory/addressee/", "shizhang", "兰州市市长"),  # its own title's pinyin, not only its region's
])
def test_the_admin_searches_units_and_regions_by_pinyin(directory, admin_client, url, typed, found):
    html = admin_client.get(url, {"q": typed}).content.decode()
    if found is None:  # a table searched by its unit's pinyin: rows found, whatever they are called
        assert re.findall(r'aria-label="选择此对象执行操作 - ([^"]+)"', html)
        return
    assert re.findall(r'aria-label="选择此对象执行操作 - ([^"]+)"', html) == (found if isinstance(found, list) else [found])
    assert "输入名称或拼音首字母" in html or "输入职务或拼音首字母" in html


@pytest.mark.parametrize("model, field, typed, found", [
    ("unit", "unit", "zjj", HOUSING),
    ("region", "region", "qlh", ["七里河区"]),
    ("unit", "unit", "ｚｊｊ", HOUSING),
])
def test_the_admins_autocomplete_finds_by_pinyin(directory, admin_client, model, field, typed, found):
    r = admin_client.get("/admin/autocomplete/", {"app_label": "directory", "model_name": "responsibility",
                                                  "field_name": field, "term": typed})
    assert r.status_code == 200
    assert [row["text"] for row in r.json()["results"]] == found


def migrated_from(migration: str, rows) -> None:
    """Migrate the directory back to ``migration``, let ``rows(apps)`` write rows as that schema
    had them, and migrate forward to the latest."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before = [("directory", migration)]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    rows(executor.loader.project_state(before).apps)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_key_of_rows_already_there():
    def rows(old):
        region = old.get_model("directory", "Region").objects.create(code="620103", name="七里河区", level=3,
                                                                     prefix="620103")
        old.get_model("directory", "Unit").objects.create(name="七里河区住房和城乡建设局", short_name="住建局",
                                                          region=region)

    migrated_from("0002_admin_labels", rows)
    assert Region.objects.get(code="620103").pinyin == "qilihequ qlhq"
    assert Unit.objects.filter(pinyin__contains="zjj").get().name == "七里河区住房和城乡建设局"


@pytest.mark.django_db(transaction=True)
def test_a_migration_rekeys_the_gansu_names_keyed_before_their_reading_was_fixed():
    def rows(old):
        region = old.get_model("directory", "Region").objects.create(code="621223", name="宕昌县", level=3,
                                                                     prefix="621223", pinyin="dangchangxian dcx")
        old.get_model("directory", "Unit").objects.create(name="宕昌县住房和城乡建设局", short_name="住建局", region=region,
                                                          pinyin="dangchangxianzhufanghechengxiangjiansheju")

    migrated_from("0003_pinyin", rows)
    assert Region.objects.get(code="621223").pinyin == "tanchangxian tcx"
    assert "tcxzfhcxjsj" in Unit.objects.get(name="宕昌县住房和城乡建设局").pinyin.split()
