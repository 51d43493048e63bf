"""The demo directory (甘肃省), routing through its responsibility table, and the
directory's CSV export / import (round trip, one-line errors, nothing changed on error)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from minsheng.directory import demo_data
from minsheng.directory.models import Addressee, Region, Responsibility, Topic, Unit
from minsheng.directory.routing import route

from .conftest import shared_once

FIRST_LEVEL = ["城乡建设", "环境保护", "交通运输", "教育文体", "劳动和社会保障", "商贸旅游", "卫生计生",
               "政务服务", "公安政法", "三农", "医疗", "企业"]


def load_gansu() -> dict:
    out = io.StringIO()
    call_command("load_directory", stdout=out)
    return {"gansu": out.getvalue()}


shared_once("gansu", load_gansu)  # loaded once for the tests that follow one another (tests/conftest.py)


@pytest.fixture
def gansu(db, _world_copy):
    return _world_copy["gansu"]


def R(code):
    return Region.objects.get(code=code)


def T(code):
    return Topic.objects.get(code=code)


def names(units):
    return sorted(u.name for u in units)


def test_demo_directory_has_the_real_divisions(gansu):
    prefectures = dict(Region.objects.filter(level=2).values_list("code", "name"))
    assert len(prefectures) == 14
    assert prefectures["620100"] == "兰州市" and prefectures["622900"] == "临夏回族自治州"
    assert prefectures["623000"] == "甘南藏族自治州" and prefectures["621100"] == "定西市"
    lanzhou = R("620100")
    assert sorted(lanzhou.children.values_list("name", flat=True)) == sorted(
        ["城关区", "七里河区", "西固区", "安宁区", "红古区", "永登县", "皋兰县", "榆中县"])
    for code in ("621100", "621000"):
        assert R(code).children.count() >= 3
    assert R("620102").children.filter(level=4).count() >= 3
    assert list(Topic.objects.filter(parent=None).order_by("sort").values_list("name", flat=True)) == FIRST_LEVEL
    assert Topic.objects.filter(parent__code="urban").count() >= 3
    titles = set(Addressee.objects.values_list("title", flat=True))
    assert {"甘肃省省长", "甘肃省委书记", "兰州市市长", "兰州市委书记", "临夏州州长", "城关区区长", "永登县县长"} <= titles
    assert Unit.objects.filter(name="兰州市住房和城乡建设局", region=lanzhou).exists()
    assert Unit.objects.filter(name="甘南藏族自治州生态环境局").exists()


def test_every_prefecture_has_a_local_lead_for_every_first_level_topic(gansu):
    for prefecture in Region.objects.filter(level=2):
        for topic in Topic.objects.filter(parent=None):
            r = route(prefecture, topic)
            assert r.lead is not None, (prefecture.name, topic.name)
            assert r.lead.region_id == prefecture.id, (prefecture.name, topic.name, r.lead.name)


def test_routing_prefecture_rows_with_assisting_units(gansu):
    r = route(R("620100"), T("environment"))
    assert r.lead.name == "兰州市生态环境局"
    assert names(r.assists) == ["兰州市自然资源局"]
    # a second-level topic with its own row beats its parent's row
    r = route(R("621100"), T("health-food"))
    assert r.lead.name == "定西市市场监督管理局" and names(r.assists) == ["定西市卫生健康委员会"]
    # a second-level topic without a row falls back to its parent topic
    r = route(R("620100"), T("urban-heating"))
    assert r.lead.name == "兰州市住房和城乡建设局" and names(r.assists) == ["兰州市城市管理局"]
    assert r.reason == f"{T('urban-heating').name} (属城乡建设) in 兰州市 → 兰州市住房和城乡建设局"


def test_subtree_inherits_the_prefecture_rows(gansu):
    assert route(R("620122"), T("environment-noise")).lead.name == "兰州市生态环境局"  # 皋兰县
    street = Region.objects.get(name="张掖路街道")
    assert route(street, T("traffic-bus")).lead.name == "兰州市交通运输局"
    assert route(R("621027"), T("medical-insurance")).lead.name == "庆阳市医疗保障局"  # 镇原县


def test_county_and_township_overrides(gansu):
    r = route(R("620102"), T("urban-property"))  # 城关区 has its own 住建局
    assert r.lead.name == "城关区住房和城乡建设局"
    assert names(r.assists) == ["兰州市住房和城乡建设局"]
    # the override is only for that topic: 城关区's environment still goes to the city
    assert route(R("620102"), T("environment")).lead.name == "兰州市生态环境局"
    # a township override beats its county's
    jiuquanlu = Region.objects.get(name="酒泉路街道")
    assert route(jiuquanlu, T("urban-property")).lead.name == "城关区酒泉路街道办事处"
    huochezhan = Region.objects.get(name="火车站街道")
    assert route(huochezhan, T("urban-property")).lead.name == "城关区住房和城乡建设局"
    # village affairs go to the county government where the county has no department
    assert route(R("620525"), T("rural-road")).lead.name == "张家川回族自治县人民政府"


def test_load_directory_is_idempotent(gansu):
    counts = [Region.objects.count(), Unit.objects.count(), Addressee.objects.count(), Topic.objects.count(),
              Responsibility.objects.count()]
    unit = Unit.objects.get(name="兰州市教育局")
    Unit.objects.filter(pk=unit.pk).update(short_name="改过的简称")
    out = io.StringIO()
    call_command("load_directory", stdout=out)
    assert counts == [Region.objects.count(), Unit.objects.count(), Addressee.objects.count(),
                      Topic.objects.count(), Responsibility.objects.count()]
    assert "units.csv: 新增 0, 更新 1" in out.getvalue()
    unit.refresh_from_db()
    assert unit.short_name == "教育局"


# --- CSV ------------------------------------------------------------------------------

def _wipe_directory():
    Responsibility.objects.all().delete()
    Addressee.objects.all().delete()
    Unit.objects.update(parent=None)
    Unit.objects.all().delete()
    for level in (4, 3, 2, 1):
        Region.objects.filter(level=level).delete()
    Topic.objects.exclude(parent=None).delete()
    Topic.objects.all().delete()


def _read(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8-sig") for p in sorted(folder.glob("*.csv"))}


def test_export_import_round_trip(gansu, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    call_command("export_directory", "--out", str(first), stdout=io.StringIO())
    exported = _read(first)
    assert set(exported) == {"regions.csv", "units.csv", "addressees.csv", "topics.csv", "responsibilities.csv"}
    assert len(exported["responsibilities.csv"].splitlines()) - 1 == Responsibility.objects.count()

    _wipe_directory()
    out = io.StringIO()
    call_command("import_directory", str(first), stdout=out)  # a dry run first
    assert "试运行" in out.getvalue() and Region.objects.count() == 0 and Unit.objects.count() == 0

    out = io.StringIO()
    call_command("import_directory", str(first), "--commit", stdout=out)
    total = Responsibility.objects.count()
    assert "已导入" in out.getvalue() and f"responsibilities.csv: {total}/{total}" in out.getvalue()  # progress
    call_command("export_directory", "--out", str(second), stdout=io.StringIO())
    assert _read(second) == exported
    assert route(R("620102"), T("urban-property")).lead.name == "城关区住房和城乡建设局"



def test_an_export_that_cannot_write_one_file_writes_none(gansu, tmp_path):
    """All five files or none: a folder named units.csv (as a full disk would) left regions.csv
    of this export beside the earlier export's others, and the error named the folder."""
    (tmp_path / "regions.csv").write_text("earlier export", encoding="utf-8")
    (tmp_path / "units.csv").mkdir()
    with pytest.raises(CommandError, match="units.csv"):
        call_command("export_directory", "--out", str(tmp_path), stdout=io.StringIO())
    assert (tmp_path / "regions.csv").read_text(encoding="utf-8") == "earlier export"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["regions.csv", "units.csv"]

def _edit(path: Path, edit):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    edit(rows)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _import_errors(folder, *args) -> tuple[str, list[str]]:
    err = io.StringIO()
    with pytest.raises(CommandError) as exc:
        call_command("import_directory", str(folder), *args, stdout=io.StringIO(), stderr=err)
    return str(exc.value), err.getvalue().splitlines()


def test_import_errors_name_file_and_line_and_change_nothing(gansu, tmp_path):
    call_command("export_directory", "--out", str(tmp_path), stdout=io.StringIO())

    def regions(rows):  # a valid rename that must NOT be applied, and a bad level
        rows[1][1] = "甘肃省(改名)"
        rows.append(["620199", "不存在的区", "2", "620000"])

    def units(rows):
        rows[3][2] = "629999"
        rows[4][3] = "bureau"

    def responsibilities(rows):
        rows[7][3] = "boss"
        rows[8][1] = "no-such-topic"

    _edit(tmp_path / "regions.csv", regions)
    _edit(tmp_path / "units.csv", units)
    _edit(tmp_path / "responsibilities.csv", responsibilities)
    before = (Region.objects.count(), Unit.objects.count(), Responsibility.objects.count())

    message, lines = _import_errors(tmp_path, "--commit")
    assert "\n" not in message and "未做任何修改" in message
    assert any(line.startswith("regions.csv:") and "620199" in line for line in lines)
    assert any(line.startswith("units.csv:4:") and "629999" in line for line in lines)
    assert any(line.startswith("units.csv:5:") and "bureau" in line for line in lines)
    assert any(line.startswith("responsibilities.csv:8:") and "boss" in line for line in lines)
    assert any(line.startswith("responsibilities.csv:9:") and "no-such-topic" in line for line in lines)
    assert all(":" in line for line in lines)
    assert R("620000").name == "甘肃省"
    assert before == (Region.objects.count(), Unit.objects.count(), Responsibility.objects.count())


def test_import_rejects_bad_files(gansu, tmp_path):
    message, lines = _import_errors(tmp_path / "missing")
    assert "\n" not in message and any("目录不存在" in line for line in lines)

    empty = tmp_path / "empty"
    empty.mkdir()
    _, lines = _import_errors(empty)
    assert any("没有找到" in line for line in lines)

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "regions.csv").write_text("code,name\n620000,甘肃省\n", encoding="utf-8")
    (bad / "topics.csv").write_bytes("code,name\nx,\xff\n".encode("latin-1"))
    (bad / "units.csv").write_text("name,region_code\n某单位,620100,多余\n", encoding="utf-8")
    (bad / "addressees.csv").write_text('region_code,title\n620100,兰州市市长\n620100,"兰州"市委书记\n',
                                        encoding="utf-8")
    _, lines = _import_errors(bad, "--commit")
    assert any(line.startswith("addressees.csv:3:") and "CSV" in line for line in lines)
    assert any(line.startswith("regions.csv:1:") and "level" in line for line in lines)
    assert any(line.startswith("topics.csv") and "UTF-8" in line for line in lines)
    assert any(line.startswith("units.csv:2:") for line in lines)
    assert not Unit.objects.filter(name="某单位").exists()


def test_import_detects_a_topic_cycle_and_duplicate_rows(gansu, tmp_path):
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "topics.csv").write_text(
        "code,name,parent_code\nloop-a,甲,loop-b\nloop-b,乙,loop-a\nurban,城乡建设,\nurban,城乡建设,\n", encoding="utf-8")
    _, lines = _import_errors(folder, "--commit")
    assert any(line.startswith("topics.csv:2:") and "循环" in line for line in lines)
    assert any(line.startswith("topics.csv:5:") and "重复" in line for line in lines)
    assert not Topic.objects.filter(code__startswith="loop-").exists()


def test_import_refuses_a_second_active_topic_of_one_name(gansu, tmp_path):
    # as the admin does: the topic model and the statistics tell topics by name
    folder = tmp_path / "t"
    folder.mkdir()
    urban = Topic.objects.get(code="urban")
    (folder / "topics.csv").write_text(f"code,name,parent_code,is_active\nurban-2,{urban.name},,1\n"
                                       "old-a,旧领域,,0\nold-b,旧领域,,0\n", encoding="utf-8")
    _, lines = _import_errors(folder, "--commit")
    assert [line for line in lines if "已有启用的领域" in line] == [
        f"topics.csv:2: 已有启用的领域「{urban.name}」(代码 urban); 模型和统计按名称区分领域, 请换一个名称, 或先停用那一个"]
    assert not Topic.objects.filter(code="urban-2").exists()


def test_import_refuses_odd_numbers_codes_and_repeated_columns(gansu, tmp_path):
    """² (isdigit() but not int()), a sort past the 32-bit column and 5,000 digits were
    tracebacks, even in a dry run; a full-width region code and a repeated column (whose
    last value won) passed."""
    folder = tmp_path / "odd"
    folder.mkdir()
    (folder / "topics.csv").write_text(
        "code,name,sort\nurban,城乡建设,²\nenvironment,环境保护,99999999999999999999\n"
        f"transport,交通运输,{'9' * 5000}\n", encoding="utf-8")
    (folder / "regions.csv").write_text("code,name,level\n６２００００,甘肃省,1\n", encoding="utf-8")
    message, lines = _import_errors(folder, "--commit")
    assert "\n" not in message and "未做任何修改" in message
    for line in (2, 3, 4):
        assert any(x.startswith(f"topics.csv:{line}: sort 应为 0 至 2147483647 之间的整数") for x in lines)
    assert any(x.startswith("regions.csv:2:") and "６２００００" in x for x in lines)
    repeated = tmp_path / "repeated"
    repeated.mkdir()
    (repeated / "topics.csv").write_text("code,name,name\nurban,城乡建设,改名\n", encoding="utf-8")
    _, lines = _import_errors(repeated, "--commit")
    assert lines == ["topics.csv:1: 表头有重复的列名 name"]
    assert Topic.objects.get(code="urban").name == "城乡建设"


def test_import_refuses_a_nul_character(gansu, tmp_path):
    """A NUL was stored on SQLite and a DataError traceback on PostgreSQL, dry run included."""
    folder = tmp_path / "nul"
    folder.mkdir()
    (folder / "topics.csv").write_text("code,name,keywords\nurban,城乡建设,住房\x00 小区\n", encoding="utf-8")
    for args in ((), ("--commit",)):
        message, lines = _import_errors(folder, *args)
        assert "\n" not in message and lines == ["topics.csv:2: 含有 NUL 字符 (\\x00), 请删除后重试"]
    assert "\x00" not in Topic.objects.get(code="urban").keywords


def test_demo_bundle_is_valid_without_a_database_directory(db):
    from minsheng.directory import csvio

    bundle = csvio.Bundle.from_dicts(demo_data.bundle())
    assert csvio.validate(bundle) == []


def test_directory_admin_pages(gansu, client, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "pw-for-admin-1")
    client.force_login(admin)
    for url in ("/admin/directory/region/?q=兰州", "/admin/directory/unit/?q=住房",
                "/admin/directory/responsibility/?q=城关区", "/admin/directory/topic/",
                "/admin/directory/addressee/"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "城关区住房和城乡建设局" in client.get("/admin/directory/unit/?q=城关区住房").content.decode()


def test_units_have_a_contact_phone_in_the_demo_the_csv_files_and_the_admin(gansu, tmp_path, client,
                                                                             django_user_model):
    """A unit had no published 联系电话 (until 2026-12-06). The demo gives each a made-up landline of its
    prefecture; units.csv carries it both ways and refuses one that is no phone number, naming file and line; a
    units.csv written before has no such column and leaves the units' numbers as they are; the admin edits it."""
    housing = Unit.objects.get(name="兰州市住房和城乡建设局")
    assert re.fullmatch(r"0931-8\d{6}", housing.contact_phone)
    assert re.fullmatch(r"0932-8\d{6}", Unit.objects.get(name="定西市住房和城乡建设局").contact_phone)
    call_command("export_directory", "--out", str(tmp_path), stdout=io.StringIO())
    assert f"兰州市住房和城乡建设局,住建局,620100,department,兰州市人民政府,1,{housing.contact_phone}" in (
        tmp_path / "units.csv").read_text(encoding="utf-8-sig")

    def phones(rows):
        line = next(i for i, row in enumerate(rows) if row[0] == housing.name)
        rows[line][6] = "0931-8461234-801、13609311234"
        rows[line + 1][6] = "8461234"
        return line

    _edit(tmp_path / "units.csv", phones)
    message, lines = _import_errors(tmp_path, "--commit")
    assert any(line.startswith("units.csv:") and "联系电话 8461234 不是电话号码" in line for line in lines), lines
    assert Unit.objects.get(pk=housing.pk).contact_phone == housing.contact_phone

    def fixed(rows):
        rows[next(i for i, row in enumerate(rows) if row[0] == housing.name) + 1][6] = "12345"

    _edit(tmp_path / "units.csv", fixed)
    call_command("import_directory", str(tmp_path), "--commit", stdout=io.StringIO())
    assert Unit.objects.get(pk=housing.pk).contact_phone == "0931-8461234-801、13609311234"

    def old_file(rows):  # as export-directory wrote it before 2026-12-06
        for row in rows:
            del row[6]

    _edit(tmp_path / "units.csv", old_file)
    call_command("import_directory", str(tmp_path), "--commit", stdout=io.StringIO())
    assert Unit.objects.get(pk=housing.pk).contact_phone == "0931-8461234-801、13609311234"

    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw-for-admin-1"))
    page = client.get(f"/admin/directory/unit/{housing.pk}/change/").content.decode()
    assert "联系电话" in page and "0931-8461234-801、13609311234" in page
    form = {"name": housing.name, "short_name": housing.short_name, "region": housing.region_id, "kind": housing.kind,
            "parent": housing.parent_id or "", "is_active": "on", "contact_phone": "12345678901",
            **_inline_management(page)}
    r = client.post(f"/admin/directory/unit/{housing.pk}/change/", form)
    assert r.status_code == 200 and "12345678901 不是电话号码" in r.content.decode()
    r = client.post(f"/admin/directory/unit/{housing.pk}/change/", form | {"contact_phone": "0931-8461235"})
    assert r.status_code == 302, re.findall(r"errorlist[^>]*>(.*?)</ul>", r.content.decode(), re.S)
    assert Unit.objects.get(pk=housing.pk).contact_phone == "0931-8461235"


def _inline_management(page: str) -> dict[str, str]:
    """The management form of the page's inline formsets, sending no rows (the rows stored stay as they are)."""
    prefixes = set(re.findall(r'name="([\w-]+)-TOTAL_FORMS"', page))
    return {f"{p}-{k}_FORMS": "0" for p in prefixes for k in ("TOTAL", "INITIAL")}


def test_a_contact_phone_typed_in_full_width_or_with_chinese_commas_is_taken_as_ascii(gansu, tmp_path, client,
                                                                                      django_user_model):
    """A 联系电话 typed with a Chinese keyboard in full-width mode (０５７２－２１０１２３４, （０９３１）…) or several
    separated by ， was refused as 「不是电话号码」 though it reads as one (walk of 2026-12-06); staff phones
    were taken so already. It is stored in ASCII, several numbers joined by 、."""
    housing = Unit.objects.get(name="兰州市住房和城乡建设局")
    call_command("export_directory", "--out", str(tmp_path), stdout=io.StringIO())

    def phones(rows):
        line = next(i for i, row in enumerate(rows) if row[0] == housing.name)
        rows[line][6] = "０９３１－８４６１２３４，１２３４５"
        rows[line + 1][6] = "（０９３１）８４６１２３５"

    _edit(tmp_path / "units.csv", phones)
    call_command("import_directory", str(tmp_path), "--commit", stdout=io.StringIO())
    housing.refresh_from_db()
    assert housing.contact_phone == "0931-8461234、12345" and housing.phones == ["0931-8461234", "12345"]
    out = io.StringIO()
    call_command("import_directory", str(tmp_path), stdout=out)
    assert "units.csv: 新增 0, 更新 0" in out.getvalue()  # the same file again changes nothing

    client.force_login(django_user_model.objects.create_superuser("root", "root@example.com", "pw-for-admin-1"))
    page = client.get(f"/admin/directory/unit/{housing.pk}/change/").content.decode()
    form = {"name": housing.name, "short_name": housing.short_name, "region": housing.region_id, "kind": housing.kind,
            "parent": housing.parent_id or "", "is_active": "on", "contact_phone": "０９３１－８４６１２３６",
            **_inline_management(page)}
    r = client.post(f"/admin/directory/unit/{housing.pk}/change/", form)
    assert r.status_code == 302
    assert Unit.objects.get(pk=housing.pk).contact_phone == "0931-8461236"


def test_a_unit_switched_off_by_the_import_while_it_leads_rows_of_the_table_is_said(db, tmp_path):
    """The admin warns that a unit switched off still leads rows of the 权责清单 (routing skips it: those
    messages get the region above's unit or none); units.csv with `is_active` 0 said nothing, in the dry run
    or the import (walk of 2026-12-06). A table that gives the lead to another unit in the same import is fine."""
    from .test_deploy import EXAMPLE

    call_command("import_directory", str(EXAMPLE), "--commit", stdout=io.StringIO())
    for name in ("units.csv", "responsibilities.csv"):
        (tmp_path / name).write_text((EXAMPLE / name).read_text(encoding="utf-8"), encoding="utf-8")

    def off(rows):
        next(row for row in rows if row[0] == "湖州市生态环境局")[5] = "0"

    _edit(tmp_path / "units.csv", off)
    (tmp_path / "responsibilities.csv").unlink()
    for args in ((), ("--commit",)):
        out = io.StringIO()
        call_command("import_directory", str(tmp_path), *args, stdout=out)
        notes = [line for line in out.getvalue().splitlines() if line.startswith("注意")]
        assert notes == ["注意: units.csv:4: 湖州市生态环境局 已停用, 但仍是权责清单中 2 行的主办单位 (环境保护、噪声污染): 这些留言将按上级"
                         "区划的权责清单派单或需人工派单; 请在 responsibilities.csv 中改为新的主办单位"], out.getvalue()
    assert not Unit.objects.get(name="湖州市生态环境局").is_active
