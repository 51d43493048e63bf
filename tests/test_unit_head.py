"""单位负责人 (a unit head): 指派承办人 on the case page and through the API, the officers'
「指派给我」 filter, and the 本单位办理情况 page. Personas: the head of 住建局 (王局长), two of its
officers (张科长, 李科员), an officer of another unit, a citizen."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from minsheng.accounts.models import Membership, User
from minsheng.board import actions
from minsheng.board.deadlines import due_after
from minsheng.board.models import Assignment, Event, Message, Notification, Reply

from .conftest import make_user
from .test_browser import browser, signed_in_page  # noqa: F401 (a fixture)

SH = ZoneInfo("Asia/Shanghai")
pytestmark = pytest.mark.django_db


@pytest.fixture
def team(personas, directory):
    housing = directory["housing"]
    return {**personas,
            "head": make_user("head", role="head", unit=housing, display_name="住建局王局长"),
            "colleague": make_user("colleague", role="officer", unit=housing, display_name="住建局李科员",
                                   email="li@example.gov.cn")}


def dispatched(team, directory, n=0, at=None, sign=False) -> Message:
    m = actions.do_submit(team["citizen"], title=f"七里河区小区加装电梯{n:03d}",
                          body="老旧小区没有电梯, 老人上下楼困难, 希望尽快解决。" * 2, kind="help",
                          region=directory["qilihe"], topic=directory["topic_build"])
    actions.do_dispatch(team["dispatcher"], m, directory["housing"], at=at)
    m = Message.objects.get(pk=m.pk)
    if sign:
        actions.do_sign(team["officer"], m, directory["housing"])
        m = Message.objects.get(pk=m.pk)
    return m


def lead_of(m) -> Assignment:
    return Assignment.objects.get(message=m, role="lead", state="active")


def post_assign(client, m, handler, seen=None):
    """The 指派 form as the page draws it now (``seen``: the 承办人 it showed, by default the current one)."""
    current = Assignment.objects.filter(message=m, role="lead", state="active").values_list("handler", flat=True)
    seen = current.first() if seen is None else seen
    return client.post(reverse("board:case_action", args=[m.public_id, "assign"]),
                       {"version": Message.objects.get(pk=m.pk).version, "handler": handler.pk, "seen": seen or ""})


def test_the_head_assigns_a_case_and_the_officer_is_told(team, directory, login, django_capture_on_commit_callbacks):
    m = dispatched(team, directory)
    head = login(team["head"])
    page = head.get(reverse("board:case", args=[m.public_id])).content.decode()
    assert "指派承办人" in page and "住建局李科员" in page  # the form lists the unit's people
    with django_capture_on_commit_callbacks(execute=True):
        response = post_assign(head, m, team["colleague"])
    assert response.status_code == 302
    assert lead_of(m).handler == team["colleague"]
    event = Event.objects.get(message=m, kind=Event.Kind.HANDLER_ASSIGNED)
    assert not event.public and event.actor == team["head"] and event.data["handler"] == "住建局李科员"
    note = Notification.objects.get(user=team["colleague"], kind="handler_assigned")
    assert "指派您承办" in note.text and m.title in note.text
    # the case page shows the 承办人 and the internal record; the public page neither
    page = login(team["officer"]).get(reverse("board:case", args=[m.public_id])).content.decode()
    assert "住建局李科员" in page and "承办人: 住建局李科员" in page
    public = login(team["other_citizen"]).get(reverse("board:message", args=[m.public_id])).content.decode()
    assert "住建局李科员" not in public and "指派承办人" not in public


def test_the_head_reassigns_and_the_previous_officer_hears_of_it(team, directory, login,
                                                                 django_capture_on_commit_callbacks):
    m = dispatched(team, directory, sign=True)
    head = login(team["head"])
    with django_capture_on_commit_callbacks(execute=True):
        assert post_assign(head, m, team["officer"]).status_code == 302
        assert post_assign(head, m, team["colleague"]).status_code == 302
    assert lead_of(m).handler == team["colleague"]
    last = Event.objects.filter(message=m, kind=Event.Kind.HANDLER_ASSIGNED).order_by("-pk").first()
    assert last.data["previous"] == "住建局张科长"
    assert Notification.objects.filter(user=team["officer"], text__contains="已改由 住建局李科员 承办").exists()
    # the same officer again changes nothing and says so
    response = post_assign(head, m, team["colleague"])
    assert response.status_code == 400 and "已由 住建局李科员 承办" in response.content.decode()
    assert Event.objects.filter(message=m, kind=Event.Kind.HANDLER_ASSIGNED).count() == 2


@pytest.mark.parametrize("persona, status", [("officer", 403), ("other_officer", 404), ("citizen", 403)])
def test_only_the_head_may_assign(team, directory, login, persona, status):
    m = dispatched(team, directory)
    client = login(team[persona])
    assert post_assign(client, m, team["colleague"]).status_code == status
    assert lead_of(m).handler is None
    if persona == "officer":  # an officer of the unit sees the case but not the form
        assert 'id="assign-form"' not in client.get(reverse("board:case", args=[m.public_id])).content.decode()


def test_assigning_someone_outside_the_unit_is_refused_in_words(team, directory, login):
    m = dispatched(team, directory)
    response = post_assign(login(team["head"]), m, team["other_officer"])
    assert response.status_code == 400
    assert "不是本单位的工作人员" in response.content.decode()
    assert lead_of(m).handler is None
    with pytest.raises(actions.Invalid, match="不是兰州市住房和城乡建设局的工作人员"):
        actions.do_assign_handler(team["head"], m, directory["housing"], team["other_officer"])


def test_a_deactivated_officer_is_neither_offered_nor_assigned(team, directory, login):
    """An officer who left (account deactivated) was still in the 指派 list and could be given cases."""
    team["colleague"].is_active = False
    team["colleague"].save(update_fields=["is_active"])
    m = dispatched(team, directory)
    page = login(team["head"]).get(reverse("board:case", args=[m.public_id])).content.decode()
    assert "住建局李科员" not in page
    with pytest.raises(actions.Invalid, match="不是兰州市住房和城乡建设局的工作人员"):
        actions.do_assign_handler(team["head"], m, directory["housing"], team["colleague"])
    assert lead_of(m).handler is None


def test_an_answered_case_is_not_assigned(team, directory):
    m = dispatched(team, directory, sign=True)
    actions.do_reply(team["officer"], m, directory["housing"], "经现场核查, 已协调加装电梯事宜, 预计下月开工。")
    with pytest.raises(actions.IllegalMove):
        actions.do_assign_handler(team["head"], Message.objects.get(pk=m.pk), directory["housing"], team["officer"])


def test_the_inbox_filters_what_was_assigned_to_me_and_shows_the_handler(team, directory, login):
    mine, theirs, nobody = (dispatched(team, directory, n) for n in range(3))
    actions.do_assign_handler(team["head"], mine, directory["housing"], team["officer"])
    actions.do_assign_handler(team["head"], Message.objects.get(pk=theirs.pk), directory["housing"],
                              team["colleague"])
    client = login(team["officer"])
    page = client.get(reverse("board:inbox") + "?handler=me").content.decode()
    assert "指派给我" in page and mine.title in page
    assert theirs.title not in page and nobody.title not in page
    assert "待办(主办) (1)" in page
    everything = client.get(reverse("board:inbox")).content.decode()
    assert all(m.title in everything for m in (mine, theirs, nobody))
    assert "住建局李科员" in everything and "未指派" in everything  # the 承办人 column


def test_api_assign(team, directory):
    m = dispatched(team, directory)
    url = f"/api/v1/staff/cases/{m.public_id}/assign/"

    def as_(name):
        client = APIClient()
        client.force_authenticate(team[name])
        return client

    for name, status in (("officer", 403), ("other_officer", 404), ("citizen", 403)):
        response = as_(name).post(url, {"handler": team["colleague"].pk}, format="json")
        assert response.status_code == status, (name, response.content)
    refused = as_("officer").post(url, {"handler": team["colleague"].pk}, format="json").json()["error"]
    assert refused["message"] == "只有本单位负责人可以指派承办人"
    outside = as_("head").post(url, {"handler": team["other_officer"].pk}, format="json")
    assert outside.status_code == 400
    assert "不是兰州市住房和城乡建设局的工作人员" in outside.json()["error"]["fields"]["handler"][0]
    nobody = as_("head").post(url, {"handler": 10**9}, format="json")
    assert nobody.status_code == 400
    assert nobody.json()["error"]["fields"]["handler"][0].startswith("该用户不是兰州市住房和城乡建设局的工作人员")
    ok = as_("head").post(url, {"handler": team["colleague"].pk}, format="json")
    assert ok.status_code == 200, ok.content
    lead = next(a for a in ok.json()["assignments"] if a["role"] == "lead")
    assert lead["handler"] == {"id": team["colleague"].pk, "name": "住建局李科员"}
    detail = as_("officer").get(f"/api/v1/staff/cases/{m.public_id}/").json()
    assert next(a for a in detail["assignments"] if a["role"] == "lead")["handler"]["name"] == "住建局李科员"
    assert lead_of(m).handler == team["colleague"]


def two_heads_on_a_case(team, directory):
    """A case of 住建局 unassigned, its assign/ URL and API clients of two heads of the unit."""
    deputy = make_user("deputy", role="head", unit=directory["housing"], display_name="住建局赵副局长")
    m = dispatched(team, directory)
    head, second = APIClient(), APIClient()
    head.force_authenticate(team["head"])
    second.force_authenticate(deputy)
    return m, f"/api/v1/staff/cases/{m.public_id}/assign/", head, second


def test_api_assign_checked_against_the_handler_the_caller_saw(team, directory):
    """``seen`` as the page's form sends it: another head's assignment meanwhile is a 409 in the
    API's error shape, not overwritten; null is 未指派; without ``seen`` nothing is compared."""
    m, url, head, second = two_heads_on_a_case(team, directory)
    ok = head.post(url, {"handler": team["officer"].pk, "seen": None}, format="json")
    assert ok.status_code == 200, ok.content
    stale = second.post(url, {"handler": team["colleague"].pk, "seen": None}, format="json")
    assert stale.status_code == 409, stale.content
    assert stale.json()["error"]["code"] == "conflict"
    assert stale.json()["error"]["message"] == "该件刚刚已由 住建局张科长 承办, 请核对后再指派"
    assert lead_of(m).handler == team["officer"]
    wrong = second.post(url, {"handler": team["colleague"].pk, "seen": team["colleague"].pk}, format="json")
    assert wrong.status_code == 409 and lead_of(m).handler == team["officer"]
    bad = second.post(url, {"handler": team["colleague"].pk, "seen": "张科长"}, format="json")
    assert bad.status_code == 400 and "seen" in bad.json()["error"]["fields"]
    ok = second.post(url, {"handler": team["colleague"].pk, "seen": team["officer"].pk}, format="json")
    assert ok.status_code == 200 and lead_of(m).handler == team["colleague"]
    unchecked = head.post(url, {"handler": team["officer"].pk}, format="json")  # as before: no check
    assert unchecked.status_code == 200 and lead_of(m).handler == team["officer"]


def test_api_assign_in_a_form_body_takes_an_empty_seen_as_unassigned(team, directory):
    """``seen=`` in a form-encoded body (as an HTML form sends the 未指派 it showed) was a 400
    「请填写合法的整数值」; it is JSON's null: checked against 未指派, a 409 once someone is assigned."""
    m, url, head, second = two_heads_on_a_case(team, directory)
    ok = head.post(url, {"handler": team["officer"].pk, "seen": ""})  # multipart, as a form
    assert ok.status_code == 200, ok.content
    assert lead_of(m).handler == team["officer"]
    stale = second.post(url, f"handler={team['colleague'].pk}&seen=",
                        content_type="application/x-www-form-urlencoded")
    assert stale.status_code == 409, stale.content
    assert stale.json()["error"]["message"] == "该件刚刚已由 住建局张科长 承办, 请核对后再指派"
    assert lead_of(m).handler == team["officer"]


def _row(page: str, name: str) -> str:
    return re.search(rf"<tr[^>]*>\s*<td data-label=\"承办人\">(?:<b>)?{name}.*?</tr>", page, re.S).group(0)


def _cells(row: str) -> dict:
    return {label: int(n) for label, n in re.findall(r'data-label="(主办|协办|已超期|即将到期)">(?:<a [^>]*>|<span[^>]*>)?(\d+)',
                                                     row)}


def test_unit_work_counts_per_officer_with_links_to_the_inbox(team, directory, login):
    late = dispatched(team, directory, 0, at=dt.datetime(2025, 3, 3, 9, 0, tzinfo=SH))
    soon, calm, unassigned = (dispatched(team, directory, n) for n in (1, 2, 3))
    Assignment.objects.filter(message=soon, role="lead").update(due_at=due_after(timezone.now(), 1))
    for m, who in ((late, "officer"), (soon, "officer"), (calm, "colleague")):
        actions.do_assign_handler(team["head"], Message.objects.get(pk=m.pk), directory["housing"], team[who])
    head = login(team["head"])
    inbox = head.get(reverse("board:inbox")).content.decode()
    assert reverse("board:unit_work") in inbox  # the head's workbench links the page
    page = head.get(reverse("board:unit_work")).content.decode()
    assert "本单位办理情况" in page and "兰州市住房和城乡建设局" in page
    assert _cells(_row(page, "住建局张科长")) == {"主办": 2, "协办": 0, "已超期": 1, "即将到期": 1}
    assert _cells(_row(page, "住建局李科员")) == {"主办": 1, "协办": 0, "已超期": 0, "即将到期": 0}
    assert _cells(_row(page, "住建局王局长")) == {"主办": 0, "协办": 0, "已超期": 0, "即将到期": 0}
    assert _cells(_row(page, "未指派")) == {"主办": 1, "协办": 0, "已超期": 0, "即将到期": 0}
    # each count opens the inbox with those cases alone
    link = re.search(rf'href="([^"]*tab=overdue[^"]*handler={team["officer"].pk}[^"]*)"',
                     _row(page, "住建局张科长")).group(1).replace("&amp;", "&")
    listed = head.get(link).content.decode()
    assert late.title in listed and soon.title not in listed and calm.title not in listed
    link = re.search(r'href="([^"]*tab=soon[^"]*)"', _row(page, "住建局张科长")).group(1).replace("&amp;", "&")
    listed = head.get(link).content.decode()
    assert soon.title in listed and late.title not in listed
    link = re.search(r'href="([^"]*tab=todo[^"]*)"', _row(page, "未指派")).group(1).replace("&amp;", "&")
    listed = head.get(link).content.decode()
    assert unassigned.title in listed and calm.title not in listed and "未指派承办人" in listed


@pytest.mark.parametrize("persona, status", [("officer", 403), ("other_officer", 403), ("citizen", 403)])
def test_unit_work_is_the_heads(team, login, persona, status):
    assert login(team[persona]).get(reverse("board:unit_work")).status_code == status


def test_unit_work_queries_do_not_grow_with_rows(team, directory, login, django_assert_max_num_queries):
    head = login(team["head"])
    url = reverse("board:unit_work")

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert head.get(url).status_code == 200
        return len(ctx.captured_queries)

    dispatched(team, directory, 0)
    few = count()
    for n in range(1, 13):
        m = dispatched(team, directory, n)
        who = make_user(f"officer{n}", role="officer", unit=directory["housing"]) if n % 3 else team["officer"]
        actions.do_assign_handler(team["head"], m, directory["housing"], who)
    with django_assert_max_num_queries(10):
        many = count()
    assert many == few


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_heads_pages_fit_a_phone(browser, live_server, team, directory):  # noqa: F811
    """本单位办理情况, the inbox with its 承办人 filter and column, and the case page with 指派承办人,
    at 390px: nothing wider than the screen."""
    from .test_browser import CHROMIUM
    from .test_mobile_layout import PHONE, overflow

    if not CHROMIUM.exists():
        pytest.skip("system Chromium not installed at /usr/bin/chromium")
    m = dispatched(team, directory, 0, at=dt.datetime(2025, 3, 3, 9, 0, tzinfo=SH))
    actions.do_assign_handler(team["head"], m, directory["housing"], team["colleague"])
    dispatched(team, directory, 1)
    page = signed_in_page(browser, live_server, "head", **PHONE)
    for url in ("/staff/unit-work/", "/staff/?handler=none", f"/staff/?tab=overdue&handler={team['colleague'].pk}",
                f"/staff/case/{m.public_id}/"):
        assert page.goto(live_server.url + url).status == 200, url
        assert overflow(page) <= 0, url
    assert "住建局李科员" in page.content() and page.query_selector("#assign-form select") is not None


@pytest.mark.parametrize("url", ["/staff/?handler=%C2%B2", "/staff/?unit=%C2%B2", "/staff/?tab=todo&unit=%EF%BC%91",
                                 "/staff/unit-work/?unit=%C2%B2"])
def test_odd_digits_in_the_address_are_ignored_not_a_500(team, directory, login, url):
    """² and full-width digits pass str.isdigit() but not int(): the filter is dropped, the page shows."""
    m = dispatched(team, directory)
    page = login(team["head"]).get(url)
    assert page.status_code == 200
    if url.startswith("/staff/?"):
        assert m.title in page.content.decode()


def test_an_admins_unit_filter_past_the_integers_is_ignored(team, directory, login):
    m = dispatched(team, directory)
    client = login(make_user("root", role="admin"))
    page = client.get("/staff/?unit=99999999999999999999999")
    assert page.status_code == 200 and m.title in page.content.decode()
    assert client.get("/staff/unit-work/?unit=99999999999999999999999").status_code == 403  # names no unit


def test_the_handler_filter_names_no_one_outside_the_users_units(team, directory, login):
    """?handler=<id> must not turn the inbox into a look-up of any account's name or phone number."""
    dispatched(team, directory)
    nameless = make_user("13911112222", phone="13911112222")
    client = login(team["officer"])
    for person in (nameless, team["citizen"], team["other_officer"]):
        page = client.get(f"/staff/?handler={person.pk}").content.decode()
        assert str(person) not in page, person
        assert "没有这位承办人" in page
    # a colleague, and one who has left the unit but still has its cases, are named
    assert "承办人 住建局李科员" in client.get(f"/staff/?handler={team['colleague'].pk}").content.decode()


def test_a_head_naming_their_unit_after_it_transferred_the_case_hears_so_in_the_api(team, directory):
    """Without ``unit`` it was a 409 「当前不在您单位办理」; naming the unit, a 403 with the same words,
    as if the head were not the head (docs/api.md: 409)."""
    m = dispatched(team, directory, sign=True)
    actions.do_transfer(team["officer"], m, directory["housing"], directory["ecology"], "请生态环境局核查")
    client = APIClient()
    client.force_authenticate(team["head"])
    for body in ({"handler": team["colleague"].pk}, {"handler": team["colleague"].pk, "unit": directory["housing"].pk}):
        response = client.post(f"/api/v1/staff/cases/{m.public_id}/assign/", body, format="json")
        assert response.status_code == 409, (body, response.content)
        assert "当前不在您单位办理" in response.json()["error"]["message"]


def test_a_non_number_handler_is_refused_in_words(team, directory, login):
    m = dispatched(team, directory)
    response = login(team["head"]).post(reverse("board:case_action", args=[m.public_id, "assign"]),
                                        {"version": m.version, "handler": "²"})
    assert response.status_code == 400 and "不是本单位的工作人员" in response.content.decode()
    assert lead_of(m).handler is None


def test_a_head_whose_unit_answered_meanwhile_hears_so_not_that_they_are_not_the_head(team, directory, login):
    m = dispatched(team, directory, sign=True)
    version = m.version
    actions.do_reply(team["officer"], m, directory["housing"], "经现场核查, 已协调加装电梯事宜, 预计下月开工。")
    response = login(team["head"]).post(reverse("board:case_action", args=[m.public_id, "assign"]),
                                        {"version": version, "handler": team["colleague"].pk})
    page = response.content.decode()
    assert response.status_code == 409 and "当前不在您单位办理" in page and "只有本单位负责人" not in page
    assert m.title in page  # the case page, not a bare refusal
    client = APIClient()
    client.force_authenticate(team["head"])
    response = client.post(f"/api/v1/staff/cases/{m.public_id}/assign/", {"handler": team["colleague"].pk},
                           format="json")
    assert response.status_code == 409 and "当前不在您单位办理" in response.json()["error"]["message"]
    # someone heading none of the case's units is still refused as before
    client.force_authenticate(team["supervisor"])
    response = client.post(f"/api/v1/staff/cases/{m.public_id}/assign/", {"handler": team["colleague"].pk},
                           format="json")
    assert response.status_code == 403


def test_due_soon_says_what_it_counts(team, directory, login):
    """即将到期 counts a case due by the end of the 2nd working day after today: the page must not
    read as 「2 days, today included」 (today and tomorrow only)."""
    m = dispatched(team, directory)
    Assignment.objects.filter(message=m, role="lead").update(
        due_at=due_after(timezone.now(), 2) - dt.timedelta(hours=1))
    page = login(team["head"]).get(reverse("board:unit_work")).content.decode()
    assert _cells(_row(page, "未指派"))["即将到期"] == 1
    assert "今天及其后 2 个工作日内" in page and "(含今天)" not in page


def _handler_links(page: str) -> dict:
    nav = re.search(r'<nav class="tabs handler-filter".*?</nav>', page, re.S).group(0)
    # each label with its count since 2026-12-07 (「指派给我 (3)」): keyed by the label alone
    return {label.split(" (")[0]: href.replace("&amp;", "&")
            for href, label in re.findall(r'<a href="([^"]*)"[^>]*>([^<]+)</a>', nav)}


def test_the_handler_filter_links_keep_the_tab_unit_and_search(team, directory, login):
    """Switching 全部 / 指派给我 / 未指派 changes that filter alone: the tab, ?unit= and the search stay."""
    wanted, other = dispatched(team, directory, 1), dispatched(team, directory, 2)
    unit = directory["housing"].pk
    head = login(team["head"])
    page = head.get(f"/staff/?tab=todo&unit={unit}&q={wanted.public_id}&handler=me").content.decode()
    links = _handler_links(page)
    for label in ("全部", "指派给我", "未指派"):
        assert all(p in links[label] for p in (f"unit={unit}", "tab=todo", f"q={wanted.public_id}")), (label, links)
    assert "handler=none" in links["未指派"] and "handler" not in links["全部"]
    listed = head.get("/staff/" + links["未指派"]).content.decode()
    assert wanted.title in listed and other.title not in listed and "未指派承办人" in listed


def test_api_inbox_filters_by_handler_within_the_users_units(team, directory):
    mine, theirs, nobody = (dispatched(team, directory, n) for n in range(3))
    actions.do_assign_handler(team["head"], mine, directory["housing"], team["officer"])
    actions.do_assign_handler(team["head"], Message.objects.get(pk=theirs.pk), directory["housing"],
                              team["colleague"])
    client = APIClient()
    client.force_authenticate(team["officer"])

    def titles(query):
        response = client.get(f"/api/v1/staff/inbox/?box=unit&{query}")
        assert response.status_code == 200, response.content
        return {item["title"] for item in response.json()["results"]}

    assert titles("handler=me") == {mine.title}
    assert titles("handler=none") == {nobody.title}
    assert titles(f"handler={team['colleague'].pk}") == {theirs.title}
    assert titles("") == {mine.title, theirs.title, nobody.title}
    # no one outside the user's units is filterable (nor their existence told), a bad value is refused in words
    for value in (team["other_officer"].pk, team["citizen"].pk, 99999, "²", "someone", "-1"):
        response = client.get(f"/api/v1/staff/inbox/?handler={value}")
        assert response.status_code == 400, (value, response.content)
        assert re.search("[\u4e00-\u9fff]", response.json()["error"]["fields"]["handler"][0]), value
    assert (client.get(f"/api/v1/staff/inbox/?handler={team['other_officer'].pk}").json()
            == client.get("/api/v1/staff/inbox/?handler=99999").json())
    # another unit's officer sees none of housing's cases through it
    client.force_authenticate(team["other_officer"])
    assert client.get("/api/v1/staff/inbox/?handler=none").json()["results"] == []
    schema = client.get("/api/schema/?format=json").json()
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/staff/inbox/"]["get"]["parameters"]}
    assert "指派给我" in parameters["handler"]["description"]


def _answered_and_rated(team, directory, handler, n=0):
    m = dispatched(team, directory, n, sign=True)
    actions.do_assign_handler(team["head"], m, directory["housing"], handler)
    m = Message.objects.get(pk=m.pk)
    actions.do_reply(handler, m, directory["housing"], "经现场核查, 已协调加装电梯事宜, 预计下月开工。")
    m = Message.objects.get(pk=m.pk)
    actions.do_evaluate(team["citizen"], m, resolution="unsatisfied", attitude="satisfied", speed="satisfied")
    return Message.objects.get(pk=m.pk)


def test_a_reopened_case_stays_with_its_handler(team, directory, login, django_capture_on_commit_callbacks):
    m = _answered_and_rated(team, directory, team["colleague"])
    with django_capture_on_commit_callbacks(execute=True):
        reopened = actions.do_reopen(team["citizen"], m, "电梯仍未开工")
    assert reopened.round == 2 and lead_of(m).handler == team["colleague"]
    event = Event.objects.get(message=m, kind=Event.Kind.HANDLER_ASSIGNED, data__carried_over=True)
    assert not event.public and event.data["handler_id"] == team["colleague"].pk
    note = Notification.objects.filter(user=team["colleague"], kind="handler_assigned").latest("pk")
    assert "重办" in note.text and m.title in note.text
    page = login(team["colleague"]).get(reverse("board:inbox") + "?handler=me").content.decode()
    assert m.title in page
    case = login(team["head"]).get(reverse("board:case", args=[m.public_id])).content.decode()
    assert "沿用上一轮承办人" in case


def test_a_reopened_case_whose_handler_left_starts_unassigned(team, directory):
    m = _answered_and_rated(team, directory, team["colleague"])
    team["colleague"].is_active = False
    team["colleague"].save()
    actions.do_reopen(team["citizen"], m, "电梯仍未开工")
    assert lead_of(m).handler is None
    assert not Event.objects.filter(message=m, kind=Event.Kind.HANDLER_ASSIGNED, data__carried_over=True).exists()


def test_a_transferred_case_starts_unassigned(team, directory):
    m = dispatched(team, directory, sign=True)
    actions.do_assign_handler(team["head"], m, directory["housing"], team["colleague"])
    other = team["other_officer"].memberships.first().unit
    new = actions.do_transfer(team["officer"], Message.objects.get(pk=m.pk), directory["housing"], other,
                              "不属于本单位职责")
    assert new.handler is None and lead_of(m).unit == other


def test_a_head_of_the_lead_and_an_assisting_unit_assigns_each(team, directory, login):
    """One head of 住建局 (lead) and 生态局 (assisting): the case page offers a 指派承办人 form for each unit."""
    from minsheng.accounts.models import Membership

    Membership.objects.create(user=team["head"], role="head", unit=directory["ecology"])
    m = actions.do_submit(team["citizen"], title="小区旁工地夜间施工噪声扰民",
                          body="工地每晚施工到凌晨, 噪声很大, 影响居民休息, 希望有关部门处理。" * 2, kind="complain",
                          region=directory["qilihe"], topic=directory["topic_build"])
    actions.do_dispatch(team["dispatcher"], m, directory["housing"], assists=[directory["ecology"]])
    head = login(team["head"])
    page = head.get(reverse("board:case", args=[m.public_id])).content.decode()
    forms_ = re.findall(r'<form[^>]*case/[^"]*/assign/.*?</form>', page, re.S)
    assert len(forms_) == 2, forms_
    assist_form = next(f for f in forms_ if f'value="{directory["ecology"].pk}"' in f)
    assert "生态局刘" in assist_form and "住建局李科员" not in assist_form
    response = head.post(reverse("board:case_action", args=[m.public_id, "assign"]),
                         {"version": Message.objects.get(pk=m.pk).version, "unit": directory["ecology"].pk,
                          "handler": team["other_officer"].pk})
    assert response.status_code == 302, response.content.decode()[-2000:]
    assist = Assignment.objects.get(message=m, role="assist", state="active")
    assert assist.handler == team["other_officer"] and lead_of(m).handler is None
    # the lead unit's form still assigns the lead's 承办人
    response = head.post(reverse("board:case_action", args=[m.public_id, "assign"]),
                         {"version": Message.objects.get(pk=m.pk).version, "unit": directory["housing"].pk,
                          "handler": team["colleague"].pk})
    assert response.status_code == 302 and lead_of(m).handler == team["colleague"]
    # a stale form comes back in its own unit's place, the choice kept
    response = head.post(reverse("board:case_action", args=[m.public_id, "assign"]),
                         {"version": 0, "unit": directory["ecology"].pk, "handler": team["head"].pk})
    assert response.status_code == 409
    forms_ = re.findall(r'<form[^>]*case/[^"]*/assign/.*?</form>', response.content.decode(), re.S)
    assert len(forms_) == 2 and f'value="{directory["ecology"].pk}"' in forms_[1]
    assert re.search(rf'<option value="{team["head"].pk}" selected', forms_[1]), forms_[1]


def test_an_admin_assigns_an_assisting_units_handler_on_the_page_as_through_the_api(team, directory, login):
    """A platform admin may give any unit's share of a case out (do_assign_handler, the API's ``unit``);
    the page's hidden ``unit`` naming an assisting unit that holds the case was a 409 saying the case
    had left it."""
    from minsheng.accounts.models import User

    admin = User.objects.create_superuser(username="root", password="pw-Secret-123", email="root@example.com")
    m = actions.do_submit(team["citizen"], title="小区旁工地夜间施工噪声扰民",
                          body="工地每晚施工到凌晨, 噪声很大, 影响居民休息, 希望有关部门处理。" * 2, kind="complain",
                          region=directory["qilihe"], topic=directory["topic_build"])
    actions.do_dispatch(team["dispatcher"], m, directory["housing"], assists=[directory["ecology"]])
    response = login(admin).post(reverse("board:case_action", args=[m.public_id, "assign"]),
                                 {"version": Message.objects.get(pk=m.pk).version, "unit": directory["ecology"].pk,
                                  "handler": team["other_officer"].pk})
    assert response.status_code == 302, response.content.decode()[-1500:]
    assert Assignment.objects.get(message=m, role="assist", state="active").handler == team["other_officer"]
    assert lead_of(m).handler is None
    # a unit that does not hold the case is still refused, in words
    response = login(admin).post(reverse("board:case_action", args=[m.public_id, "assign"]),
                                 {"version": Message.objects.get(pk=m.pk).version,
                                  "unit": 999999,
                                  "handler": team["officer"].pk})
    assert response.status_code in (403, 409)


# --- one ?handler= for the page and the API; the 指派 form asks assignable once -------------------------

@pytest.mark.parametrize("value", ["someone", "-1", "²", "other_officer", "citizen", "1" * 30, " me"])
def test_a_refused_handler_filter_says_the_same_on_the_page_as_in_the_api(team, directory, login, value):
    """The inbox page dropped a bad ?handler= unsaid (or listed nothing for someone it may not name)
    where the API said why: one builder now, the same words."""
    m = dispatched(team, directory)
    value = str(team[value].pk) if value in team else value
    client = APIClient()
    client.force_authenticate(team["officer"])
    response = client.get(f"/api/v1/staff/inbox/?handler={value}")
    assert response.status_code == 400
    said = response.json()["error"]["fields"]["handler"][0]
    page = login(team["officer"]).get("/staff/?handler=" + value)
    assert page.status_code == 200
    text = page.content.decode()
    assert said in text and "已显示全部待办" in text and m.title in text  # told, and the list shown unfiltered


def test_the_assign_form_asks_who_may_assign_once(team, directory, login, monkeypatch):
    m = dispatched(team, directory)
    asked = []
    real = actions.assignable
    monkeypatch.setattr(actions, "assignable", lambda *a, **k: asked.append(a) or real(*a, **k))
    assert post_assign(login(team["head"]), m, team["colleague"]).status_code == 302
    assert lead_of(m).handler == team["colleague"] and len(asked) == 1


# --- assigning does not make an officer's page stale; two heads at once are told ----------------------

REPLY = "经现场核查, 已协调加装电梯事宜, 预计下月开工。"


def test_an_officer_answering_while_the_head_assigns_is_not_refused(team, directory, login):
    m = dispatched(team, directory)
    officer, head = login(team["officer"]), login(team["head"])
    loaded = Message.objects.get(pk=m.pk).version  # the head's page, before the officer signs
    response = officer.post(reverse("board:case_action", args=[m.public_id, "sign"]), {"version": loaded})
    assert response.status_code == 302
    signed = Message.objects.get(pk=m.pk).version  # the officer's page, with the reply form
    response = head.post(reverse("board:case_action", args=[m.public_id, "assign"]),
                         {"version": loaded, "handler": team["officer"].pk, "seen": ""})
    assert response.status_code == 302 and lead_of(m).handler == team["officer"]  # signing meanwhile: no conflict
    assert Message.objects.get(pk=m.pk).version == signed  # nothing the officer sees or writes changed
    response = officer.post(reverse("board:case_action", args=[m.public_id, "reply"]),
                            {"version": signed, "body": REPLY})
    assert response.status_code == 302, response.content.decode()[-1500:]
    assert Message.objects.get(pk=m.pk).status == "replied"


def test_two_heads_giving_a_case_out_at_once_do_not_overwrite_each_other(team, directory, login):
    """Both pages showed 未指派: the second head is told who has it now (409), their choice kept,
    and sending it again (now knowing) reassigns."""
    deputy = make_user("deputy", role="head", unit=directory["housing"], display_name="住建局赵副局长")
    m = dispatched(team, directory)
    assert post_assign(login(team["head"]), m, team["officer"], seen="").status_code == 302
    second = login(deputy)
    response = post_assign(second, m, team["colleague"], seen="")
    page = response.content.decode()
    assert response.status_code == 409 and lead_of(m).handler == team["officer"]
    assert "现由 <b>住建局张科长</b> 承办" in page
    form = re.search(r'<form[^>]*id="assign-form".*?</form>', page, re.S).group(0)
    assert re.search(rf'<option value="{team["colleague"].pk}" selected', form)  # the choice kept
    seen = re.search(r'name="seen" value="(\d*)"', form).group(1)
    assert seen == str(team["officer"].pk)
    response = post_assign(second, m, team["colleague"], seen=seen)
    assert response.status_code == 302 and lead_of(m).handler == team["colleague"]
    last = Event.objects.filter(message=m, kind=Event.Kind.HANDLER_ASSIGNED).latest("pk")
    assert last.data["previous"] == "住建局张科长" and last.actor == deputy
    with pytest.raises(actions.Conflict, match="已由 住建局李科员 承办"):  # the action itself, as the API may use it
        actions.do_assign_handler(team["head"], m, directory["housing"], team["officer"], seen=None)


def test_a_refused_assign_form_shown_again_is_checked_against_the_handler_the_page_names(team, directory, login):
    """A form refused for its own input (no 承办人 chosen) comes back on a page saying 「现由 X 承办」:
    sent again, it is checked against X, not against the 未指派 its first page showed (a 409 for
    a change the head had just been shown)."""
    deputy = make_user("deputy", role="head", unit=directory["housing"], display_name="住建局赵副局长")
    m = dispatched(team, directory)
    second = login(deputy)  # their page: 未指派
    assert post_assign(login(team["head"]), m, team["officer"], seen="").status_code == 302
    refused = second.post(reverse("board:case_action", args=[m.public_id, "assign"]),
                          {"version": Message.objects.get(pk=m.pk).version, "handler": "", "seen": ""})
    page = refused.content.decode()
    assert refused.status_code == 400 and "现由 <b>住建局张科长</b> 承办" in page
    form = re.search(r'<form[^>]*id="assign-form".*?</form>', page, re.S).group(0)
    seen = re.search(r'name="seen" value="(\d*)"', form)
    assert seen and seen.group(1) == str(team["officer"].pk)
    response = post_assign(second, m, team["colleague"], seen=seen.group(1))
    assert response.status_code == 302 and lead_of(m).handler == team["colleague"]


@pytest.mark.django_db(transaction=True)
def test_two_heads_assigning_at_the_same_moment_on_postgresql(team, directory, login):
    """Both requests pass every check before the row lock together: the lock makes the second
    read the first one's 承办人 and be told (409), not overwrite it."""
    import threading
    from unittest import mock

    if connection.vendor != "postgresql":
        pytest.skip("row locks between threads need PostgreSQL (SQLite test database is in-memory)")
    deputy = make_user("deputy", role="head", unit=directory["housing"], display_name="住建局赵副局长")
    m = dispatched(team, directory)
    clients = [login(team["head"]), login(deputy)]
    chosen = [team["officer"], team["colleague"]]
    barrier = threading.Barrier(2, timeout=10)
    results = [None, None]
    real = actions.check_allowed

    def gated(action, status):  # do_assign_handler's check before its lock
        if action == "assign_handler":
            barrier.wait()
        return real(action, status)

    def run(i):
        try:
            results[i] = post_assign(clients[i], m, chosen[i], seen="")
        finally:
            connection.close()

    with mock.patch.object(actions, "check_allowed", gated):
        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert sorted(r.status_code for r in results) == [302, 409]
    winner = chosen[[r.status_code for r in results].index(302)]
    assert lead_of(m).handler == winner
    assert Event.objects.filter(message=m, kind=Event.Kind.HANDLER_ASSIGNED).count() == 1


def test_an_admin_gets_a_form_for_each_unit_holding_the_case(team, directory, login):
    """The page offered an admin the lead unit's 指派 alone, while the API assigns any unit's."""
    admin = make_user("root", role="admin")
    m = actions.do_submit(team["citizen"], title="小区旁工地夜间施工噪声扰民",
                          body="工地每晚施工到凌晨, 噪声很大, 影响居民休息, 希望有关部门处理。" * 2, kind="complain",
                          region=directory["qilihe"], topic=directory["topic_build"])
    actions.do_dispatch(team["dispatcher"], m, directory["housing"], assists=[directory["ecology"]])
    page = login(admin).get(reverse("board:case", args=[m.public_id])).content.decode()
    forms_ = re.findall(r'<form[^>]*case/[^"]*/assign/.*?</form>', page, re.S)
    assert len(forms_) == 2, forms_
    assert "住建局李科员" in forms_[0] and "生态局刘" in forms_[1] and "住建局李科员" not in forms_[1]


# --- the 承办人 when the case moves between units -------------------------------------------------

def test_a_case_transferred_back_stays_with_its_handler(team, directory, login, django_capture_on_commit_callbacks):
    m = dispatched(team, directory, sign=True)
    actions.do_assign_handler(team["head"], m, directory["housing"], team["colleague"])
    actions.do_transfer(team["colleague"], Message.objects.get(pk=m.pk), directory["housing"], directory["ecology"],
                        "请生态环境局核查")
    # gone from the 承办人's 指派给我 (page and API) while another unit holds it
    colleague = login(team["colleague"])
    assert m.title not in colleague.get("/staff/?handler=me").content.decode()
    api = APIClient()
    api.force_authenticate(team["colleague"])
    assert api.get("/api/v1/staff/inbox/?handler=me").json()["results"] == []
    with django_capture_on_commit_callbacks(execute=True):
        back = actions.do_transfer(team["other_officer"], Message.objects.get(pk=m.pk), directory["ecology"],
                                   directory["housing"], "属住建局职责")
    assert back.handler == team["colleague"] and lead_of(m).handler == team["colleague"]
    event = Event.objects.filter(message=m, kind=Event.Kind.HANDLER_ASSIGNED).latest("pk")
    assert not event.public and event.data["carried_over"] and event.data["via"] == "transfer"
    note = Notification.objects.filter(user=team["colleague"], kind="handler_assigned").latest("pk")
    assert "转回本单位, 仍由您承办" in note.text
    assert m.title in colleague.get("/staff/?handler=me").content.decode()
    assert "转回本单位, 沿用原承办人" in login(team["head"]).get(reverse("board:case", args=[m.public_id])).content.decode()


def test_a_returned_case_dispatched_again_to_the_unit_stays_with_its_handler(team, directory):
    m = dispatched(team, directory, sign=True)
    actions.do_assign_handler(team["head"], m, directory["housing"], team["colleague"])
    actions.do_return(team["colleague"], Message.objects.get(pk=m.pk), directory["housing"], "请补充具体位置")
    assert not Assignment.objects.filter(message=m, state="active").exists()
    lead = actions.do_dispatch(team["dispatcher"], Message.objects.get(pk=m.pk), directory["housing"])
    assert lead.handler == team["colleague"]
    assert Event.objects.filter(message=m, data__via="dispatch", data__handler_id=team["colleague"].pk).exists()


def test_a_case_transferred_to_its_assisting_unit_stays_with_that_units_handler(team, directory, login,
                                                                             django_capture_on_commit_callbacks):
    m = actions.do_submit(team["citizen"], title="小区旁工地夜间施工噪声扰民",
                          body="工地每晚施工到凌晨, 噪声很大, 影响居民休息, 希望有关部门处理。" * 2, kind="complain",
                          region=directory["qilihe"], topic=directory["topic_build"])
    actions.do_dispatch(team["dispatcher"], m, directory["housing"], assists=[directory["ecology"]])
    eco_head = make_user("eco_head", role="head", unit=directory["ecology"], display_name="生态局局长")
    actions.do_assign_handler(eco_head, Message.objects.get(pk=m.pk), directory["ecology"], team["other_officer"])
    with django_capture_on_commit_callbacks(execute=True):
        new = actions.do_transfer(team["officer"], Message.objects.get(pk=m.pk), directory["housing"],
                                  directory["ecology"], "以噪声污染为主, 请生态环境局主办")
    assert new.role == "lead" and new.handler == team["other_officer"]
    # not 「转回本单位」: the unit never led it, it helped
    note = Notification.objects.filter(user=team["other_officer"], kind="handler_assigned").latest("pk")
    assert "由协办转为本单位主办, 仍由您承办" in note.text and "转回" not in note.text
    event = Event.objects.filter(message=m, kind=Event.Kind.HANDLER_ASSIGNED).latest("pk")
    assert event.data["via"] == "assist"
    page = login(eco_head).get(reverse("board:case", args=[m.public_id])).content.decode()
    assert "由协办转为本单位主办, 沿用原承办人" in page and "转回本单位" not in page


def test_a_case_back_to_a_unit_its_handler_left_starts_unassigned(team, directory):
    m = dispatched(team, directory, sign=True)
    actions.do_assign_handler(team["head"], m, directory["housing"], team["colleague"])
    actions.do_transfer(team["colleague"], Message.objects.get(pk=m.pk), directory["housing"], directory["ecology"],
                        "请生态环境局核查")
    team["colleague"].is_active = False
    team["colleague"].save(update_fields=["is_active"])
    back = actions.do_transfer(team["other_officer"], Message.objects.get(pk=m.pk), directory["ecology"],
                               directory["housing"], "属住建局职责")
    assert back.handler is None


def test_an_officer_deactivated_with_cases_in_hand_is_named_to_admin_and_head(team, directory, login):
    # the officer who left kept their cases, and nothing told the admin who switched the
    # account off, nor the head, whose table listed them as an officer like any other
    from .test_account_takeover import user_form

    m = dispatched(team, directory)
    actions.do_assign_handler(team["head"], Message.objects.get(pk=m.pk), directory["housing"], team["officer"])
    officer = team["officer"]
    admin = login(make_user("platform_admin", is_superuser=True, is_staff=True))
    response = admin.post(f"/admin/accounts/user/{officer.pk}/change/", user_form(officer, is_active=None),
                          follow=True)
    page = response.content.decode()
    assert "账号已停用, 仍是 1 件在办留言的承办人 (兰州市住房和城乡建设局)" in page
    assert "请单位负责人在「本单位办理情况」中重新指派" in page
    work = login(team["head"]).get(reverse("board:unit_work")).content.decode()
    assert "账号已停用" in _row(work, "住建局张科长")
    assert _cells(_row(work, "住建局张科长"))["主办"] == 1


def test_deactivating_an_officer_counts_each_case_once(team, directory, login):
    # an officer of two units handling one case in both (主办 and 协办) was told of 2 cases
    from .test_account_takeover import user_form

    m = dispatched(team, directory)
    officer = team["officer"]
    actions.do_assign_handler(team["head"], Message.objects.get(pk=m.pk), directory["housing"], officer)
    Membership.objects.create(user=officer, role=Membership.Role.OFFICER, unit=directory["center"])
    Assignment.objects.create(message=m, unit=directory["center"], role=Assignment.Role.ASSIST, handler=officer)
    admin = login(make_user("platform_admin", is_superuser=True, is_staff=True))
    page = admin.post(f"/admin/accounts/user/{officer.pk}/change/", user_form(officer, is_active=None),
                      follow=True).content.decode()
    assert "账号已停用, 仍是 1 件在办留言的承办人 (兰州市住房和城乡建设局、兰州市政务服务中心)" in page


def test_the_admin_corrects_a_reply_but_cannot_delete_it(team, directory, login):
    # deleting it left the case 已答复 with no reply on its page, and took the citizen's rating with it
    m = dispatched(team, directory, sign=True)
    reply = actions.do_reply(team["officer"], m, directory["housing"], "经现场核查, 已协调加装电梯事宜, 预计下月开工。")
    admin = login(make_user("platform_admin", is_superuser=True, is_staff=True))
    assert admin.get(f"/admin/board/reply/{reply.pk}/delete/").status_code == 403
    response = admin.post("/admin/board/reply/", {"action": "delete_selected", "_selected_action": [reply.pk],
                                                  "post": "yes"})
    assert "删除所选的" not in admin.get("/admin/board/reply/").content.decode()
    assert response.status_code in (200, 302) and Reply.objects.filter(pk=reply.pk).exists()
    page = admin.get(f"/admin/board/reply/{reply.pk}/change/").content.decode()
    assert 'name="body"' in page  # its text may still be corrected
    # nor are assignments added on the message's page (派单 does it): no empty row to add
    page = admin.get(f"/admin/board/message/{m.pk}/change/").content.decode()
    assert '<input type="hidden" name="assignments-MAX_NUM_FORMS" value="0"' in page


def test_deleting_an_officer_who_replied_lists_their_work_and_says_to_deactivate(team, directory, login):
    m = dispatched(team, directory, sign=True)
    actions.do_reply(team["officer"], m, directory["housing"], "经现场核查, 已协调加装电梯事宜, 预计下月开工。")
    admin = login(make_user("platform_admin", is_superuser=True, is_staff=True))
    page = admin.get(f"/admin/accounts/user/{team['officer'].pk}/delete/").content.decode()
    assert "无权删除" not in page  # replies cannot be deleted: that read as the admin's own lack of rights
    assert f"兰州市住房和城乡建设局 答复 {m.pk}" in page
    assert "账号已有留言或办理记录, 不能删除: 请改为停用, 取消勾选「有效」" in page
    assert admin.post(f"/admin/accounts/user/{team['officer'].pk}/delete/", {"post": "yes"}).status_code == 200
    assert User.objects.filter(pk=team["officer"].pk).exists()


def test_unit_work_counts_the_cases_past_their_sign_deadline_and_says_how_to_rebalance(team, directory, login):
    """The head's Monday: who holds cases nobody signed in time (the inbox's 签收超期 tab, counted per 承办人
    as its other tabs are), and how to move a share of them to another officer at once (指派所选 on the
    list a count opens), not only one case page at a time."""
    late = [dispatched(team, directory, n) for n in range(3)]
    fresh = dispatched(team, directory, 3)
    Assignment.objects.filter(message__in=late, role="lead").update(sign_due_at=timezone.now() - dt.timedelta(days=2))
    for m in late[:2]:
        actions.do_assign_handler(team["head"], Message.objects.get(pk=m.pk), directory["housing"], team["officer"])
    head = login(team["head"])
    page = head.get(reverse("board:unit_work")).content.decode()
    def cells(row):
        return [int(n) for n in re.findall(r'data-label="签收超期">(?:<a [^>]*>|<span[^>]*>)?(\d+)', row)]

    assert cells(_row(page, "住建局张科长")) == [2]
    assert cells(_row(page, "未指派")) == [1]
    link = re.search(rf'href="([^"]*tab=sign_late[^"]*handler={team["officer"].pk}[^"]*)"',
                     _row(page, "住建局张科长")).group(1).replace("&amp;", "&")
    listed = head.get(link).content.decode()
    assert late[0].title in listed and late[1].title in listed and late[2].title not in listed
    assert fresh.title not in listed and "签收超期 (2)" in listed
    assert "指派所选" in page
