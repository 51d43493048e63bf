# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""The staff API's 督办 box read as the 督办 page reads it (a supervisor's walk of 2026-12-07): `region` was a 400 in
`GET /api/v1/staff/inbox/?box=supervise` while the page has district tabs, and its items did not name the units
handling each case (主办单位, 协办单位), which the page's rows do."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from minsheng.board import actions
from minsheng.board.models import Assignment
from minsheng.directory.models import Region

from .conftest import make_user
from .test_api_support import _fresh_rate_limits, api_key, as_persona, token_client  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

BODY = "小区门口的道路坑洼不平, 下雨后积水很深, 老人孩子出行很不方便, 希望尽快修复。"
INBOX = "/api/v1/staff/inbox/"


@pytest.fixture
def late(personas, directory, django_capture_on_commit_callbacks):
    """Sixty days ago: in 七里河区 a case 住建局 leads with 生态环境局 assisting, late; one 住建局 gave back (退单)
    past its deadline, waiting for dispatch again; in 城关区 one 城关区人民政府 holds, late; and, today, one in
    七里河区 within its deadline."""
    p, d = personas, directory
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=60)
    made = {}

    def case(name, region, at, lead, assists=()):
        m = actions.do_submit(
            p["citizen"], title=name, body=BODY, kind="help", region=d[region], topic=d["topic_build"], at=at
        )
        actions.do_dispatch(
            p["dispatcher"], m, d[lead], [d[u] for u in assists], at=at + dt.timedelta(hours=1)
        )
        made[name] = m
        return m

    with django_capture_on_commit_callbacks(execute=True):
        case("七里河联合办理", "qilihe", t0, "housing", ["ecology"])
        returned = case("七里河退单", "qilihe", t0, "housing")
        actions.do_sign(p["officer"], returned, d["housing"], at=t0 + dt.timedelta(days=1))
        actions.do_return(
            p["officer"], returned, d["housing"], "不属本单位职责", at=t0 + dt.timedelta(days=30)
        )
        case("城关区在办", "chengguan", t0, "cg_gov")
        case("七里河未超期", "qilihe", timezone.now() - dt.timedelta(hours=2), "housing")
    return made


def listed(client, **params) -> list[dict]:
    response = client.get(INBOX, params)
    assert response.status_code == 200, response.content.decode()
    return response.json()["results"]


def titles(items) -> set[str]:
    return {i["title"] for i in items}


def test_the_supervise_box_lists_a_district_as_the_supervision_page_tab_does(
    login, personas, late, as_persona
):
    sup = as_persona("supervisor")
    assert titles(listed(sup, box="supervise", region="620103")) == {
        "七里河联合办理",
        "七里河退单",
        "七里河未超期",
    }
    assert titles(listed(sup, box="supervise", region="620102")) == {"城关区在办"}
    # the whole of the supervisor's city: every case, as without it (its tab 「兰州市本级」 is region=620100&own=1)
    assert titles(listed(sup, box="supervise", region="620100")) == titles(listed(sup, box="supervise"))
    # the 督办 page's 超期未答复 for 七里河区 lists exactly what region=…&overdue=true does
    page = login(personas["supervisor"]).get("/staff/supervision/", {"district": "620103"})
    assert page.status_code == 200
    on_page = set(re.findall(r'id="overdue-(\d+)"', page.content.decode()))
    api = {i["public_id"] for i in listed(sup, box="supervise", region="620103", overdue="true")}
    assert on_page == api == {late["七里河联合办理"].public_id, late["七里河退单"].public_id}


def test_a_region_outside_the_supervisors_or_unknown_is_a_400_naming_region(
    personas, directory, late, as_persona
):
    cg_sup = token_client(make_user("cg_supervisor", role="supervisor", region=directory["chengguan"]))
    assert titles(listed(cg_sup, box="supervise", region="620102")) == {"城关区在办"}
    response = cg_sup.get(INBOX, {"box": "supervise", "region": "620103"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["region"] == ["七里河区不在您督办的区划内"]
    # a region none of whose places the caller supervises: 定西市, for 兰州市's supervisor
    response = as_persona("supervisor").get(INBOX, {"box": "supervise", "region": "621100"})
    assert response.status_code == 400 and response.json()["error"]["fields"]["region"] == [
        "定西市不在您督办的区划内"
    ]
    response = as_persona("supervisor").get(INBOX, {"box": "supervise", "region": "629999"})
    assert response.status_code == 400
    assert response.json()["error"]["fields"]["region"] == [
        "没有代码为 629999 的行政区划 (可用的区划见 /api/v1/regions/)"
    ]
    # the boxes without a district filter say where it is taken
    for box in ("unit", "dispatch", "all"):
        response = as_persona("supervisor").get(INBOX, {"box": box, "region": "620103"})
        assert response.status_code == 400, box
        assert response.json()["error"]["fields"]["region"] == [
            "region 只用于 box=supervise (督办, 按区划筛选)"
        ]


def test_the_items_and_the_case_name_the_units_handling_it(personas, directory, late, as_persona):
    # 联合办理: a second lead unit beside 住建局, in the same round
    first = Assignment.objects.get(message=late["七里河联合办理"], role=Assignment.Role.LEAD)
    Assignment.objects.create(
        message=first.message,
        unit=directory["transport"],
        role=Assignment.Role.LEAD,
        round=first.round,
        assigned_at=first.assigned_at + dt.timedelta(seconds=1),
        due_at=first.due_at,
    )
    sup = as_persona("supervisor")
    items = {i["title"]: i for i in listed(sup, box="supervise")}
    joint = items["七里河联合办理"]
    assert [u["name"] for u in joint["lead_units"]] == ["兰州市住房和城乡建设局", "兰州市交通运输局"]
    assert [u["name"] for u in joint["assist_units"]] == ["兰州市生态环境局"]
    # given back and not dispatched again: 尚未派单, no unit
    assert items["七里河退单"]["lead_units"] == [] and items["七里河退单"]["assist_units"] == []
    assert [u["name"] for u in items["城关区在办"]["lead_units"]] == ["城关区人民政府"]
    # the case says the same, by the same code
    case = sup.get(f"/api/v1/staff/cases/{late['七里河联合办理'].public_id}/").json()
    assert case["lead_units"] == joint["lead_units"] and case["assist_units"] == joint["assist_units"]
    assert {"id", "name"} == set(case["lead_units"][0])
    # the unit's own box too
    mine = {i["title"]: i for i in listed(as_persona("officer"), box="unit")}
    assert [u["name"] for u in mine["七里河联合办理"]["assist_units"]] == ["兰州市生态环境局"]


def test_the_schema_describes_region_and_the_units(as_persona):
    schema = as_persona("supervisor").get("/api/schema/?format=json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/v1/staff/inbox/"]["get"]["parameters"]}
    assert "督办" in params["region"]["description"] and "区划" in params["region"]["description"]
    item = schema["components"]["schemas"]["InboxItem"]["properties"]
    assert (
        "主办单位" in item["lead_units"]["description"] and "协办单位" in item["assist_units"]["description"]
    )
    assert "lead_units" in schema["components"]["schemas"]["StaffCase"]["properties"]


def test_the_supervise_box_counts_late_as_of_the_minute_the_supervision_page_does(
    login, personas, late, as_persona, monkeypatch
):
    """The 督办 page counts a case late as of the minute (board.deadlines.clock), as the dashboard: a deadline passed
    seconds ago is not late there yet, and the API's 督办 box listed it under overdue=true beside it."""
    at = timezone.now().replace(second=30, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: at)
    just = late["七里河未超期"]
    type(just).objects.filter(pk=just.pk).update(due_at=at - dt.timedelta(seconds=10))
    page = login(personas["supervisor"]).get("/staff/supervision/", {"district": "620103"})
    on_page = set(re.findall(r'id="overdue-(\d+)"', page.content.decode()))
    api = {
        i["public_id"]
        for i in listed(as_persona("supervisor"), box="supervise", region="620103", overdue="true")
    }
    assert just.public_id not in on_page
    assert on_page == api
    # each item says what its filter said: the case due seconds ago is not late yet, item nor case
    item = next(
        i for i in listed(as_persona("supervisor"), box="supervise") if i["public_id"] == just.public_id
    )
    assert item["is_overdue"] is False and item["overdue"] is False
    assert item["public_id"] in {
        i["public_id"] for i in listed(as_persona("supervisor"), box="supervise", overdue="false")
    }


def test_an_answered_case_names_the_units_that_answered_it(
    personas, directory, late, as_persona, django_capture_on_commit_callbacks
):
    """Once answered no unit holds the case, and the 督办 page's 已督办 row names the unit that answered: so do the
    item and the case, not 「尚未派单」."""
    m, d = late["七里河联合办理"], directory
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_sign(personas["officer"], m, d["housing"])
        actions.do_reply(
            personas["officer"],
            m,
            d["housing"],
            "经核实, 已安排施工队于本周内修复小区门口道路并疏通排水管道, 感谢您的反映。",
        )
    item = next(i for i in listed(as_persona("supervisor"), box="supervise") if i["public_id"] == m.public_id)
    assert item["status"] == "replied"
    assert [u["name"] for u in item["lead_units"]] == ["兰州市住房和城乡建设局"]
    assert [u["name"] for u in item["assist_units"]] == ["兰州市生态环境局"]
    case = as_persona("supervisor").get(f"/api/v1/staff/cases/{m.public_id}/").json()
    assert case["lead_units"] == item["lead_units"]


def test_each_tab_of_the_supervision_page_is_a_region_of_the_box_and_its_own_level(
    login, personas, directory, late, as_persona, django_capture_on_commit_callbacks
):
    """The page's tab 「兰州市本级」 (?district=620100) lists the cases filed at the city itself, not the city's: in the
    API that is region=620100&own=1 (as /statistics/'s 「…本级」 rows), region=620100 the whole city. A county's
    supervisor has the tabs 「七里河区本级」 and one per township; each lists what region (+ own=1 for 本级) does."""
    d = directory
    xiyuan = Region.objects.create(code="620103001", name="西园街道", level=4, parent=d["qilihe"])
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=60)
    made = {}
    with django_capture_on_commit_callbacks(execute=True):
        for name, region in (("兰州市本级超期", d["lanzhou"]), ("西园街道超期", xiyuan)):
            made[name] = m = actions.do_submit(
                personas["citizen"],
                title=name,
                body=BODY,
                kind="help",
                region=region,
                topic=d["topic_build"],
                at=t0,
            )
            actions.do_dispatch(personas["dispatcher"], m, d["housing"], [], at=t0 + dt.timedelta(hours=1))
    ids = {name: m.public_id for name, m in {**late, **made}.items()}

    def tab(user, district):
        page = login(user).get("/staff/supervision/", {"district": district})
        assert page.status_code == 200
        return page.content.decode(), set(re.findall(r'id="overdue-(\d+)"', page.content.decode()))

    def api(client, **params):
        return {i["public_id"] for i in listed(client, box="supervise", overdue="true", **params)}

    sup = as_persona("supervisor")
    html, on_page = tab(personas["supervisor"], "620100")
    assert "兰州市本级" in html
    assert on_page == api(sup, region="620100", own="1") == {ids["兰州市本级超期"]}
    assert api(sup, region="620100") == {
        ids[n] for n in ("兰州市本级超期", "西园街道超期", "七里河联合办理", "七里河退单", "城关区在办")
    }
    _, on_page = tab(personas["supervisor"], "620103")
    assert (
        on_page
        == api(sup, region="620103")
        == {ids[n] for n in ("西园街道超期", "七里河联合办理", "七里河退单")}
    )
    # a county's supervisor: 七里河区本级, 西园街道
    qlh = make_user("qlh_supervisor", role="supervisor", region=d["qilihe"])
    html, on_page = tab(qlh, "620103")
    assert "七里河区本级" in html
    assert (
        on_page
        == api(token_client(qlh), region="620103", own="1")
        == {ids["七里河联合办理"], ids["七里河退单"]}
    )
    _, on_page = tab(qlh, "620103001")
    assert on_page == api(token_client(qlh), region="620103001") == {ids["西园街道超期"]}
    # own asks for a region, and belongs to box=supervise
    response = sup.get(INBOX, {"box": "supervise", "own": "1"})
    assert response.status_code == 400 and response.json()["error"]["fields"]["own"] == [
        "own (本级) 需要 region"
    ]
    response = sup.get(INBOX, {"box": "unit", "own": "1"})
    assert response.status_code == 400 and "own" in response.json()["error"]["fields"]


def test_a_blank_region_is_ignored(late, as_persona):
    sup = as_persona("supervisor")
    everything = titles(listed(sup, box="supervise"))
    assert titles(listed(sup, box="supervise", region="")) == everything
    assert titles(listed(sup, box="supervise", region=" ")) == everything


def test_the_page_rows_and_the_items_name_the_same_units_whatever_the_case_went_through(
    login, personas, directory, late, as_persona, django_capture_on_commit_callbacks
):
    """The 督办 page's 已督办 rows and the items decided the units apart: rated unsatisfied (已评价), the page named the
    unit that answered and the item none; reopened (重办) and given back, the page named the first round's unit and the
    item none (尚未派单, as nobody holds it). One function decides both now (review, 2026-12-07)."""
    p, d = personas, directory
    rated, returned = late["七里河联合办理"], late["城关区在办"]
    cg_officer = make_user("cg_officer", role="officer", unit=d["cg_gov"])
    with django_capture_on_commit_callbacks(execute=True):
        for m, officer, unit in ((rated, p["officer"], d["housing"]), (returned, cg_officer, d["cg_gov"])):
            actions.do_supervise(p["supervisor"], m, "请尽快办理并答复留言人")
            actions.do_sign(officer, m, unit)
            actions.do_reply(
                officer, m, unit, "经核实, 已安排施工队于本周内修复小区门口道路并疏通排水管道, 感谢您的反映。"
            )
            actions.do_evaluate(
                p["citizen"], m, resolution="unsatisfied", attitude="basic", speed="unsatisfied"
            )
        actions.do_reopen(p["citizen"], returned, "问题没有解决")
        actions.do_sign(cg_officer, returned, d["cg_gov"])
        actions.do_return(cg_officer, returned, d["cg_gov"], "不属本单位职责")
    page = login(p["supervisor"]).get("/staff/supervision/").content.decode()
    section = page.split('id="supervised"')[1].split("</section>")[0]
    rows = {
        m: re.search(rf"{m.public_id}.*?主办单位[^>]*>(.*?)</td>", section, re.S).group(1)
        for m in (rated, returned)
    }
    sup = as_persona("supervisor")
    case = {m: sup.get(f"/api/v1/staff/cases/{m.public_id}/").json() for m in (rated, returned)}
    assert "兰州市住房和城乡建设局" in rows[rated]
    assert [u["name"] for u in case[rated]["lead_units"]] == ["兰州市住房和城乡建设局"]
    assert "尚未派单" in rows[returned] and "城关区人民政府" not in rows[returned]
    assert case[returned]["lead_units"] == []
    # the box lists the one waiting for dispatch (已评价 is not in it), naming no unit either
    items = {i["public_id"]: i for i in listed(sup, box="supervise")}
    assert items[returned.public_id]["lead_units"] == []


def test_an_item_is_late_as_of_the_minute_its_filter_read(late, as_persona, monkeypatch):
    """A request across a minute's turn: the filter read one minute and each item's is_overdue the clock again, so
    an item of overdue=false could say is_overdue true. Items read the minute the filter read (review, 2026-12-07)."""
    from minsheng.board import models

    at = timezone.now().replace(second=0, microsecond=0)
    just = late["七里河未超期"]
    type(just).objects.filter(pk=just.pk).update(due_at=at + dt.timedelta(seconds=30))
    monkeypatch.setattr(
        models, "clock", lambda now=None: now or at + dt.timedelta(minutes=1)
    )  # the next minute
    monkeypatch.setattr("minsheng.api.views.staff.clock", lambda now=None: now or at)
    items = listed(as_persona("supervisor"), box="supervise", overdue="false")
    item = next(i for i in items if i["public_id"] == just.public_id)
    assert item["is_overdue"] is False and item["overdue"] is False


def test_an_assisting_unit_transferred_the_lead_is_not_named_its_own_helper_once_answered(
    personas, directory, as_persona
):
    """住建局 leads with 生态环境局 assisting, then transfers it to 生态环境局, which answers: the case names
    生态环境局 主办, not 协办 too (the 转办 closed its assist share 办结, the round that answered holds it)."""
    from minsheng.board.models import Message

    from .test_staff_qa import dispatch

    m = dispatch(personas, directory, "七里河区小区电梯停运", assists=[directory["ecology"]])
    actions.do_sign(personas["officer"], m, directory["housing"])
    actions.do_transfer(personas["officer"], Message.objects.get(pk=m.pk), directory["housing"],
                        directory["ecology"], "不属本单位职责")
    actions.do_sign(personas["other_officer"], Message.objects.get(pk=m.pk), directory["ecology"])
    actions.do_reply(personas["other_officer"], Message.objects.get(pk=m.pk), directory["ecology"],
                     "已协调物业于本周内修复电梯, 请您留意小区公告。")
    case = as_persona("supervisor").get(f"/api/v1/staff/cases/{m.public_id}/").json()
    assert [u["name"] for u in case["lead_units"]] == ["兰州市生态环境局"]
    assert case["assist_units"] == []
