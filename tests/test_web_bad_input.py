"""The web pages (not the REST API: tests/test_api_query_params.py) under what people type into an
address or a form: a NUL character, a broken percent-escape, 10,000 characters, a number past the
database's integers, a date that is no date, an unknown choice, a parameter given twice. Each is a
page in Chinese (a 400 where the address is refused), never a server error, on SQLite and on
PostgreSQL (which refuses a NUL in a query, and plans what SQLite does not)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import resolve_url
from django.test import Client
from django.urls import resolve

from minsheng.board import actions
from minsheng.board.models import Event, Extension, Message
from minsheng.stats.models import Campaign

from .conftest import build_directory, build_personas, make_user, shared_once
from .test_api_support import advance, submit

# no module-wide django_db mark: the tests reach the database through ``directory`` (``db``), after the shared
# world (tests/conftest.py's ``_SharedWorld`` serves no test with such a mark)

# every parameter a page reads from its address (grep request.GET), each given the same value at once
PARAMS = ("page", "q", "status", "region", "addressee", "changed", "again", "supported", "unread", "next",
          "back", "unit", "handler", "tab", "field", "show", "sort", "dir", "measure", "list", "personal", "by",
          "days", "topic", "kind", "date_from", "date_to", "campaign", "own", "region_level_1", "to_unit",
          "lead", "assists")
BAD_VALUES = ("a%00b", "%ED%A0%80%FF", "x" * 10_000, "99999999999999999999", "-1", "1e9", "2026-02-30",
              "99999-01-01", "", "%EF%BC%91%EF%BC%92")
# combinations a single value does not reach: a keyword searched within a filter that finds nothing
COMBINED = ("q=%E7%94%B5%E6%A2%AF&region=999999", "q=%E7%94%B5%E6%A2%AF&topic=no-such-topic",
            "page=1&page=99999999999999999999", "date_from=2026-12-31&date_to=2026-01-01",
            "date_from=0001-01-01&date_to=9999-12-31", "region=620100&region=%00")

PAGES = (
    "/", "/browse/", "/m/{pid}/", "/leaders/", "/leaders/{addressee}/", "/region/620100/", "/region/999999/",
    "/hotspots/", "/chronic/", "/staff/reading/", "/similar/",
    "/stats/", "/stats/units/", "/stats/list/", "/stats/campaigns/", "/stats/campaigns/blue-sky/",
    "/stats/campaigns/blue-sky/report.csv", "/stats/campaigns/blue-sky/report.xlsx", "/stats/dashboard/",
    "/stats/overdue/", "/stats/regions/", "/stats/export/messages.csv", "/stats/export/messages.xlsx",
    "/stats/export/table.csv", "/stats/export/table.xlsx", "/stats/map.json", "/stats/figures.json",
    "/post/", "/post/where/", "/me/messages/", "/me/notifications/",
    "/staff/", "/staff/triage/", "/staff/supervision/", "/staff/case/{pid}/", "/staff/case/{pid}/units/",
    "/staff/unit-work/", "/staff/leader-board/", "/staff/export.csv", "/staff/export.xlsx",
    "/accounts/login/", "/accounts/register/", "/accounts/reset/", "/accounts/me/", "/accounts/consent/",
    "/accounts/me/close/", "/api/tokens/", "/admin/board/message/",
)


def build_web_world(p: dict, d: dict) -> dict:
    """What the pages show: a replied message (its page, its case), the campaign 蓝天行动, and an admin."""
    m = advance(submit(p["citizen"], d), p, d, "replied")
    Campaign.objects.create(slug="blue-sky", name="蓝天行动", start=dt.date(2026, 1, 1), end=dt.date(2026, 12, 31),
                            is_public=True)
    return {"pid": m.public_id, "admin": make_user("root", is_staff=True, is_superuser=True)}


def _build_shared() -> dict:
    directory = build_directory()
    personas = build_personas(directory)
    return {"directory": directory, "personas": personas, "web_world": build_web_world(personas, directory)}


# built once for the tests that follow one another (each page's, each date's), not for each of some 80
# (tests/conftest.py; 2026-12-07: docs/decisions.md)
shared_once("web_world", _build_shared)


@pytest.fixture
def web_world(personas, directory, _world_copy):
    return _world_copy["web_world"] if "web_world" in _world_copy else build_web_world(personas, directory)


@pytest.fixture
def people(personas, web_world):
    """The test clients of each kind of visitor: anonymous, citizen, officer, supervisor, admin."""
    clients = {"anonymous": Client()}
    for name, user in (("citizen", personas["citizen"]), ("officer", personas["officer"]),
                       ("supervisor", personas["supervisor"]), ("admin", web_world["admin"])):
        clients[name] = Client()
        clients[name].force_login(user)
    return clients


def signs_in_first(url: str) -> bool:
    """The page's view is wrapped, outermost, in Django's ``login_required`` (``user_passes_test``, which the
    project uses for nothing else): a visitor who is not signed in is sent to the sign-in page before the view
    runs, whatever the address holds."""
    return resolve(urlsplit(url).path).func.__code__ is login_required(lambda request: None).__code__


@pytest.mark.parametrize("page", PAGES)
def test_no_page_fails_on_what_an_address_may_hold(people, web_world, directory, page):
    url = page.format(pid=web_world["pid"], addressee=directory["mayor"].pk)
    queries = [*("&".join(f"{k}={v}" for k in PARAMS) for v in BAD_VALUES), *COMBINED]
    for who, client in people.items():
        sent = queries
        if who == "anonymous" and signs_in_first(url):
            # Turned away before the view: the decorator reads the address only to copy it into the sign-in
            # page's next=, the same code for each query; before it, the middleware reads the query for a NUL
            # (RejectNulMiddleware, a 400). So the plain page must be that redirect, and only the queries with a
            # NUL can be answered differently (2026-12-07: 16 → 3 requests on 16 pages; docs/decisions.md).
            r = client.get(url)
            assert (r.status_code, r["Location"].split("?")[0]) == (302, resolve_url(settings.LOGIN_URL)), (url, r.status_code)
            sent = [query for query in queries if "%00" in query]
        for query in sent:
            r = client.get(f"{url}?{query}")
            assert r.status_code < 500, (who, url, query[:80], r.status_code)
            if r.status_code == 400 and "%00" in query and "json" not in r.get("Content-Type", ""):
                assert "请求中含有无效字符" in r.content.decode(), (who, url, query[:80])


def test_a_keyword_within_a_filter_that_names_nothing_is_searched_without_it(client, personas, directory):
    """On PostgreSQL a keyword is first estimated from the query's plan (search.Ranked.dense); a region
    or 领域 that matched nothing was a query Django does not send, whose plan was read as JSON: a 500. Since
    2026-12-07 (a walk) such a code is said next to its box and dropped: the keyword finds what it finds."""
    advance(submit(personas["citizen"], directory, title="小区电梯坏了没人修"), personas, directory, "replied")
    for query in ({"q": "电梯", "region": "999999"}, {"q": "电梯", "topic": "no-such-topic"}):
        r = client.get("/browse/", query)
        assert r.status_code == 200, (query, r.status_code)
        page = r.content.decode()
        assert "小区电梯坏了没人修" in page and "未按" in page



@pytest.mark.parametrize("url", ["/stats/", "/stats/units/", "/stats/list/", "/stats/overdue/", "/stats/figures.json",
                                 "/stats/export/messages.csv", "/stats/export/table.xlsx", "/browse/"])
@pytest.mark.parametrize("day", ["2026-02-30", "99999-01-01", "0000-01-01", "2026-1-1%00"])
def test_a_date_that_is_no_date_is_named_in_chinese(people, url, day):
    """统计, 公开列表, 导出: the date range's 起止日期 that no calendar has is said, not a server error."""
    r = people["supervisor"].get(f"{url}?date_from={day}&date_to=2026-12-31")
    assert r.status_code in (200, 400), r.status_code
    said = r.content.decode()
    assert "请求中含有无效字符" in said if "%00" in day else ("不是有效日期" in said or "日期格式应为 年-月-日" in said)


# --- where a page goes next: ?next= / next= that is no address -------------------------------

NOT_ADDRESSES = ("abc", "99999999999999999999", "?tab=signed", "board:nosuch")


@pytest.mark.parametrize("target", NOT_ADDRESSES)
def test_consent_with_a_next_that_is_no_address_goes_home(login, personas, target):
    """A ``next`` on this site yet no address (no / in it) was read by redirect() as a view name: a 500,
    after 同意 had recorded the consent."""
    citizen = personas["citizen"]
    citizen.privacy_version = ""
    citizen.save(update_fields=["privacy_version"])
    c = login(citizen)
    r = c.post("/accounts/consent/", {"next": target})
    assert (r.status_code, r["Location"]) == (302, "/")
    citizen.refresh_from_db()
    assert citizen.privacy_version  # agreed
    r = c.get("/accounts/consent/", {"next": target})
    assert (r.status_code, r["Location"]) == (302, "/")


@pytest.mark.parametrize("target", NOT_ADDRESSES)
def test_a_case_action_with_a_next_that_is_no_address_lands_on_its_page(login, personas, directory, target):
    """The note was saved, the case signed, then the redirect failed: a 500 over work already done,
    which the officer does again."""
    p, d = personas, directory
    m = advance(submit(p["citizen"], d), p, d, "dispatched")
    officer = login(p["officer"])
    r = officer.post(f"/staff/case/{m.public_id}/note/", {"version": m.version, "body": "已电话联系物业", "next": target})
    assert (r.status_code, r["Location"]) == (302, f"/staff/case/{m.public_id}/")
    assert Event.objects.filter(message=m, kind=Event.Kind.NOTE).count() == 1
    r = officer.post("/staff/sign/", {"case": [m.public_id], "next": target})
    assert (r.status_code, r["Location"]) == (302, "/staff/")
    m.refresh_from_db()
    assert m.status == "signed" or m.assignments.filter(signed_at__isnull=False).exists()
    # 审批延期 (the supervisor) and 按建议派单 (the dispatcher) take a next= as well
    ext = actions.do_request_extension(p["officer"], m, d["housing"], 5, "需要多部门现场核查")
    r = login(p["supervisor"]).post(f"/staff/extensions/{ext.pk}/decide/",
                                    {"decision": "approve", "note": "同意", "next": target})
    assert (r.status_code, r["Location"]) == (302, "/staff/supervision/")
    assert Extension.objects.get(pk=ext.pk).state == Extension.State.APPROVED
    r = login(p["dispatcher"]).post("/staff/triage/dispatch/", {"case": ["X"], "next": target})
    assert (r.status_code, r["Location"]) == (302, "/staff/triage/")
    # 指派所选 (a unit head's) as well
    head = make_user("head", role="head", unit=d["housing"], display_name="住建局王局长")
    r = login(head).post("/staff/assign/", {"case": [m.public_id], "handler": p["officer"].pk, "next": target})
    assert (r.status_code, r["Location"]) == (302, "/staff/")
    assert m.assignments.get(role="lead", state="active").handler == p["officer"]


# --- a NUL character in a posted field that is looked up, not validated as text ---------------

@pytest.mark.parametrize("field", ["region", "region_level_1"])
def test_a_nul_in_the_posted_region_is_refused_beside_the_field(login, personas, directory, field):
    from .test_citizen_pages import form_data

    c = login(personas["citizen"])
    data = form_data(directory, **{field: "620102\x00"})
    if field == "region_level_1":
        data.pop("region")
    r = c.post("/post/", data)
    assert r.status_code == 200
    assert Message.objects.count() == 0
    assert ("请选择有效的区划" if field == "region" else "请选择留言所在的区划") in r.content.decode()
    r = c.post("/post/", {**data, "action": "refine"})  # 重新推荐 (region chosen, no submit)
    assert r.status_code == 200 and Message.objects.count() == 0


@pytest.mark.parametrize("url, who", [("/staff/sign/", "officer"), ("/staff/triage/dispatch/", "dispatcher"),
                                      ("/staff/assign/", "head")])
def test_a_nul_in_a_ticked_case_number_is_no_case(login, personas, directory, url, who):
    p, d = personas, directory
    p = {**p, "head": make_user("head", role="head", unit=d["housing"])}
    m = advance(submit(p["citizen"], d), p, d, "dispatched")
    # no case number holds one: none of them was ticked
    r = login(p[who]).post(url, {"case": ["\x00", f"{m.public_id}\x00"], "handler": p["officer"].pk}, follow=True)
    assert r.status_code == 200
    assert "请先勾选" in r.content.decode()
    m.refresh_from_db()
    assert not m.assignments.filter(signed_at__isnull=False).exists()
    assert not m.assignments.filter(handler__isnull=False).exists()


def test_a_nul_in_the_picked_near_duplicate_merges_nothing(login, personas, directory):
    """并单's radio buttons (``pick``, read past the form's fields): one holding a NUL is no case
    number; PostgreSQL refused it in the lookup, a 500."""
    p, d = personas, directory
    m, other = submit(p["citizen"], d), submit(p["citizen"], d)
    r = login(p["dispatcher"]).post(f"/staff/case/{m.public_id}/merge/", {"version": m.version,
                                                                          "pick": f"{other.public_id}\x00"})
    assert r.status_code in (200, 400)
    assert "请选择或填写要并入的留言编号" in r.content.decode()
    m.refresh_from_db()
    assert m.duplicate_of is None


# --- the admin's date drill-down (date_hierarchy) --------------------------------------------

@pytest.mark.parametrize("url", ["/admin/admin/logentry/?action_time__year={}", "/admin/board/calendarday/?date__year={}",
                                 "/admin/board/calendarday/?date__year=2026&date__month={}"])
def test_a_year_past_any_calendar_in_the_admin_drill_down_is_refused_as_a_bad_filter(personas, url):
    """Django reads ?<field>__year= with int() and builds a datetime of it: a ValueError (year 99999) is its
    「参数错误」 (?e=1), an OverflowError (20 digits) was a 500."""
    c = Client()
    c.force_login(make_user("root", is_staff=True, is_superuser=True))
    for value in ("99999", "99999999999999999999"):
        r = c.get(url.format(value))
        assert (r.status_code, r.get("Location", "")[-4:]) == (302, "?e=1"), (value, r.status_code)


# --- a session cookie with a NUL (a quoted cookie's \000 escape) -----------------------------

def test_a_session_cookie_holding_a_nul_is_no_session(personas, login):
    """Django unquotes a cookie's octal escapes, and looked the key up as it came: PostgreSQL refused it,
    a 500 on every page (the home page too) for whoever sent it, until the cookie was cleared."""
    c = Client(HTTP_COOKIE='sessionid="abcdefgh\\000ijklmnop"')
    assert c.get("/").status_code == 200
    assert c.get("/staff/").status_code == 302  # to sign in: no one is signed in
    assert c.post("/accounts/login/", {"username": "x", "password": "y"}).status_code == 200
