# ruff: noqa: F811  (the team fixture imported from test_unit_head)
"""指派所选 (批量指派): a unit head ticks cases on the inbox and gives them all to one officer of the unit, and
the API's assign-batch/. Personas: the head of 住建局 (王局长), its officers 张科长 and 李科员, an officer of
生态环境局 (刘), a citizen."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from minsheng.accounts.models import Membership
from minsheng.board import actions
from minsheng.board.models import Assignment, Event, Notification

from .conftest import make_user
from .test_unit_head import dispatched, lead_of, team  # noqa: F401

pytestmark = pytest.mark.django_db
URL = reverse("board:inbox_assign")
API = "/api/v1/staff/assign-batch/"


def page_text(response) -> str:
    return response.content.decode()


def flashed(response) -> str:
    """The page's message after the redirect, tags stripped."""
    return re.sub(r"<[^>]+>", "", page_text(response))


def handlers(cases) -> dict:
    """What a refused batch must leave as it was: each case's 承办人 and its history."""
    return {m.public_id: (lead_of(m).handler_id,
                          Event.objects.filter(message=m, kind=Event.Kind.HANDLER_ASSIGNED).count()) for m in cases}


def api_as(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_head_assigns_the_ticked_cases_to_one_officer(team, directory, login, django_capture_on_commit_callbacks):
    cases = [dispatched(team, directory, n, sign=n == 1) for n in range(3)]  # signed or not: both go
    head = login(team["head"])
    page = page_text(head.get(reverse("board:inbox")))
    assert "指派所选" in page and f'<option value="{team["colleague"].pk}">住建局李科员</option>' in page
    # a signed row is ticked too; each box the case and the row's unit (the share assigned)
    assert f'name="case" value="{cases[1].public_id}:{directory["housing"].pk}" form="bulk-sign"' in page
    assert "生态局刘" not in page  # another unit's people are no choice
    with django_capture_on_commit_callbacks(execute=True):
        response = head.post(URL, {"case": [m.public_id for m in cases], "handler": team["colleague"].pk,
                                   "next": "/staff/?tab=todo"}, follow=True)
    assert response.redirect_chain[-1][0] == "/staff/?tab=todo"
    assert "已将 3 件指派给 住建局李科员 承办" in flashed(response) and "未指派" not in flashed(response).split("承办")[1][:5]
    for m in cases:
        assert lead_of(m).handler == team["colleague"]
        event = Event.objects.get(message=m, kind=Event.Kind.HANDLER_ASSIGNED)
        assert (event.actor, event.public, event.data["handler_id"]) == (team["head"], False, team["colleague"].pk)
    # a site note per case (each opens its case), one email for the batch, naming them all
    notes = Notification.objects.filter(user=team["colleague"], kind="handler_assigned")
    assert sorted(n.message_id for n in notes) == sorted(m.pk for m in cases)
    to_colleague = [e for e in mail.outbox if e.to == ["li@example.gov.cn"]]
    assert len(to_colleague) == 1 and "3 件" in to_colleague[0].subject
    assert all(m.title in to_colleague[0].body and m.public_id in to_colleague[0].body for m in cases)


def test_a_single_case_through_the_batch_keeps_the_single_assigns_email(team, directory, login,
                                                                         django_capture_on_commit_callbacks):
    """The single 指派 emails the officer per case (unchanged); a batch of one emails once, too."""
    m = dispatched(team, directory)
    with django_capture_on_commit_callbacks(execute=True):
        login(team["head"]).post(URL, {"case": [m.public_id], "handler": team["colleague"].pk})
    assert len([e for e in mail.outbox if e.to == ["li@example.gov.cn"]]) == 1
    assert Notification.objects.filter(user=team["colleague"], message=m).count() == 1


def test_an_officer_sees_no_control_and_posting_it_is_refused(team, directory, login):
    cases = [dispatched(team, directory, n) for n in range(2)]
    officer = login(team["officer"])
    page = page_text(officer.get(reverse("board:inbox")))
    assert "签收所选" in page and "指派所选" not in page and 'name="handler"' not in page
    before = handlers(cases)
    response = officer.post(URL, {"case": [m.public_id for m in cases], "handler": team["officer"].pk})
    assert response.status_code == 403
    assert "只有单位负责人可以指派承办人" in page_text(response)
    assert handlers(cases) == before
    assert api_as(team["officer"]).post(API, {"cases": [cases[0].public_id], "handler": team["officer"].pk},
                                        format="json").status_code == 403
    assert handlers(cases) == before


def test_refused_cases_are_named_with_why_and_the_others_assigned(team, directory, login):
    fine, answered, already = (dispatched(team, directory, n, sign=True) for n in range(3))
    actions.do_reply(team["officer"], answered, directory["housing"], "经现场核查, 已协调加装电梯事宜, 预计下月开工。")
    actions.do_assign_handler(team["head"], already, directory["housing"], team["colleague"])
    foreign = dispatched(team, directory, 9)
    Assignment.objects.filter(message=foreign).update(unit=directory["ecology"])  # never 住建局's
    head = login(team["head"])
    chosen = [fine.public_id, answered.public_id, already.public_id, foreign.public_id, "99999999999999"]
    said = flashed(head.post(URL, {"case": chosen, "handler": team["colleague"].pk}, follow=True))
    assert "已将 1 件指派给 住建局李科员 承办" in said and "4 件未指派" in said
    assert f"{answered.public_id}「{answered.title}」: {actions.NOT_HELD}" in said
    assert f"{already.public_id}「{already.title}」: 该件已由 住建局李科员 承办" in said
    # a case the head's unit never held reads as an unknown number: its title is not told
    assert f"{foreign.public_id}: 找不到该留言" in said and foreign.title not in said
    assert "99999999999999: 找不到该留言" in said
    assert lead_of(fine).handler == team["colleague"]
    assert Event.objects.filter(message=already, kind=Event.Kind.HANDLER_ASSIGNED).count() == 1  # not again


@pytest.mark.parametrize("data, said", [
    ({"case": []}, "请先勾选要指派的留言"),
    ({"case": ["\x00", "x\x00"]}, "请先勾选要指派的留言"),
    ({"case": [str(n) for n in range(21)]}, "一次最多指派 20 件, 请分页指派"),
    ({"handler": ""}, "请选择承办人"),
    ({"handler": "1\x00"}, "请选择承办人"),
    ({"handler": "99999999999999999999"}, "请选择承办人"),
])
def test_bad_input_is_said_in_chinese_and_changes_nothing(team, directory, login, data, said):
    cases = [dispatched(team, directory, n) for n in range(2)]
    data = {"case": [m.public_id for m in cases], "handler": team["colleague"].pk, **data}
    before = handlers(cases)
    response = login(team["head"]).post(URL, data, follow=True)
    assert response.status_code == 200 and said in flashed(response)
    assert handlers(cases) == before


def test_an_officer_of_another_unit_is_refused_whole(team, directory, login):
    cases = [dispatched(team, directory, n) for n in range(2)]
    before = handlers(cases)
    said = flashed(login(team["head"]).post(URL, {"case": [m.public_id for m in cases],
                                                  "handler": team["other_officer"].pk}, follow=True))
    assert "生态局刘 不是兰州市住房和城乡建设局的工作人员, 只能指派本单位的承办人员; 未指派任何留言" in said
    assert handlers(cases) == before
    outside = api_as(team["head"]).post(API, {"cases": [m.public_id for m in cases],
                                              "handler": team["other_officer"].pk}, format="json")
    assert outside.status_code == 400
    assert "不是兰州市住房和城乡建设局的工作人员" in outside.json()["error"]["fields"]["handler"][0]
    assert handlers(cases) == before


def test_a_head_of_two_units_picks_among_the_ticked_units_people_and_a_mix_that_cannot_fit_is_refused(
        team, directory, login):
    Membership.objects.create(user=team["head"], role="head", unit=directory["ecology"])
    ours = dispatched(team, directory, 1)
    theirs = dispatched(team, directory, 2)
    Assignment.objects.filter(message=theirs).update(unit=directory["ecology"])
    head = login(team["head"])
    page = page_text(head.get(reverse("board:inbox")))
    # each unit's own people, under its name
    groups = dict(re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', page, re.S))
    assert "住建局李科员" in groups["住建局"] and "生态局刘" not in groups["住建局"]
    assert "生态局刘" in groups["生态环境局"] and "住建局李科员" not in groups["生态环境局"]
    before = handlers([ours, theirs])
    said = flashed(head.post(URL, {"case": [ours.public_id, theirs.public_id], "handler": team["colleague"].pk},
                             follow=True))
    assert "所选留言分属多个单位, 住建局李科员 是兰州市住房和城乡建设局的工作人员, 不是兰州市生态环境局的" in said
    assert "请按单位分别勾选" in said and "未指派任何留言" in said
    assert handlers([ours, theirs]) == before
    # one unit's cases at a time: each to its own people
    said = flashed(head.post(URL, {"case": [theirs.public_id], "handler": team["other_officer"].pk}, follow=True))
    assert "已将 1 件指派给 生态局刘 承办" in said
    assert lead_of(theirs).handler == team["other_officer"]
    # someone of both units takes both
    Membership.objects.create(user=team["colleague"], role="officer", unit=directory["ecology"])
    said = flashed(head.post(URL, {"case": [ours.public_id, theirs.public_id], "handler": team["colleague"].pk},
                             follow=True))
    assert "已将 2 件指派给 住建局李科员 承办" in said


def test_a_case_another_head_gave_out_since_the_page_was_drawn_is_not_taken_over(team, directory, login):
    deputy = make_user("deputy", role="head", unit=directory["housing"], display_name="住建局赵副局长")
    a, b = dispatched(team, directory, 1), dispatched(team, directory, 2)
    head = login(team["head"])
    page = page_text(head.get(reverse("board:inbox")))
    seen = dict(re.findall(r'name="(seen-[^"]+)" value="([^"]*)"', page))
    assert seen == {f"seen-{a.public_id}-{directory['housing'].pk}": "",
                    f"seen-{b.public_id}-{directory['housing'].pk}": ""}
    actions.do_assign_handler(deputy, a, directory["housing"], team["officer"])  # meanwhile
    said = flashed(head.post(URL, {"case": [a.public_id, b.public_id], "handler": team["colleague"].pk, **seen},
                             follow=True))
    assert "已将 1 件指派给 住建局李科员 承办" in said
    assert f"{a.public_id}「{a.title}」: 该件刚刚已由 住建局张科长 承办, 请核对后再指派" in said
    assert lead_of(a).handler == team["officer"] and lead_of(b).handler == team["colleague"]


@pytest.mark.django_db(transaction=True)
def test_a_case_failing_inside_its_savepoint_leaves_nothing_of_it_and_the_others_assigned(team, directory, login,
                                                                                         monkeypatch):
    """One transaction, a savepoint per case (bulk.each, as 签收所选): the second case refused after its
    承办人 was written is undone alone; no event, no note of it."""
    from minsheng.board.workflow import Conflict

    cases = [dispatched(team, directory, n) for n in range(3)]
    write = actions._event

    def racing(message, kind, *args, **kwargs):
        if message.pk == cases[1].pk and kind == Event.Kind.HANDLER_ASSIGNED:
            raise Conflict("该留言刚刚被其他人处理过")
        return write(message, kind, *args, **kwargs)

    monkeypatch.setattr(actions, "_event", racing)
    said = flashed(login(team["head"]).post(URL, {"case": [m.public_id for m in cases],
                                                  "handler": team["colleague"].pk}, follow=True))
    assert "已将 2 件指派给 住建局李科员 承办" in said and "该留言刚刚被其他人处理过" in said
    assert [lead_of(m).handler_id for m in cases] == [team["colleague"].pk, None, team["colleague"].pk]
    assert not Event.objects.filter(message=cases[1], kind=Event.Kind.HANDLER_ASSIGNED).exists()
    assert not Notification.objects.filter(message=cases[1], kind="handler_assigned").exists()
    assert Notification.objects.filter(user=team["colleague"], kind="handler_assigned").count() == 2


@pytest.mark.django_db(transaction=True)
def test_assigning_a_page_of_cases_costs_a_few_queries_each(team, directory, login):
    cases = [dispatched(team, directory, n) for n in range(20)]
    head = login(team["head"])
    with CaptureQueriesContext(connection) as queries:
        response = head.post(URL, {"case": [m.public_id for m in cases], "handler": team["colleague"].pk})
    assert response.status_code == 302
    # each case: whether the officer is of the unit, its savepoint, lock, update, event, site note, and the
    # statistics rows its event refreshes at the commit (8, as for any event); a few for the whole batch
    assert len(queries.captured_queries) <= 18 * len(cases) + 10, len(queries.captured_queries)
    assert Assignment.objects.filter(message__in=cases, handler=team["colleague"]).count() == 20
    with CaptureQueriesContext(connection) as queries:
        page = head.get(reverse("board:inbox"))
    assert page.status_code == 200
    assert len(queries.captured_queries) <= 25, len(queries.captured_queries)  # the officer list is one query


# --- the API -------------------------------------------------------------------------------------

def test_api_assign_batch_answers_each_case_and_a_retry_writes_nothing_twice(team, directory,
                                                                           django_capture_on_commit_callbacks):
    a, b = dispatched(team, directory, 1), dispatched(team, directory, 2, sign=True)
    client = api_as(team["head"])
    body = {"cases": [a.public_id, b.public_id, "99999999999999", a.public_id], "handler": team["colleague"].pk}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(API, body, format="json")
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["assigned"], data["skipped"]) == (2, 1)
    assert data["handler"] == {"id": team["colleague"].pk, "name": "住建局李科员"}
    assert [(r["public_id"], r["code"], r["assigned"]) for r in data["results"]] == [
        (a.public_id, "assigned", True), (b.public_id, "assigned", True), ("99999999999999", "not_found", False)]
    assert data["results"][0]["unit"]["id"] == directory["housing"].pk and data["results"][0]["reason"] == ""
    assert data["results"][2]["reason"].startswith("找不到该留言") and data["results"][2]["unit"] is None
    assert Notification.objects.filter(user=team["colleague"], kind="handler_assigned").count() == 2
    events = Event.objects.filter(kind=Event.Kind.HANDLER_ASSIGNED).count()
    again = client.post(API, body, format="json").json()  # the answer lost, sent again
    assert [r["code"] for r in again["results"]] == ["already", "already", "not_found"] and again["assigned"] == 0
    assert "该件已由 住建局李科员 承办" in again["results"][0]["reason"]
    assert Event.objects.filter(kind=Event.Kind.HANDLER_ASSIGNED).count() == events
    assert Notification.objects.filter(user=team["colleague"], kind="handler_assigned").count() == 2


@pytest.mark.parametrize("body, field", [
    ({"cases": []}, "cases"), ({"cases": ["x\x00"]}, "cases"), ({"cases": [str(n) for n in range(21)]}, "cases"),
    ({"cases": "x"}, "cases"), ({"cases": [None]}, "cases"), ({"handler": None}, "handler"),
    ({"handler": "张三"}, "handler"), ({"handler": 2**40}, "handler"), ({"handler": 10**6}, "handler"),
])
def test_api_bad_input_is_a_400_naming_the_field_and_assigns_nothing(team, directory, body, field):
    cases = [dispatched(team, directory, n) for n in range(2)]
    before = handlers(cases)
    response = api_as(team["head"]).post(API, {"cases": [m.public_id for m in cases],
                                               "handler": team["colleague"].pk, **body}, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert field in error["fields"] and re.search(r"[\u4e00-\u9fff]", error["message"])
    assert handlers(cases) == before


def test_a_head_of_the_lead_and_an_assisting_unit_assigns_the_row_ticked(team, directory, login):
    """A head of both 住建局 (主办) and 生态环境局 (协办) of one case: on the 协办 tab its row is the assisting
    unit's; ticked there and given to the head themself (a person of both units), that share is assigned; the
    lead unit's 承办人 (张科长) is not silently replaced. An admin sees a row per assisting unit, each its own box."""
    Membership.objects.create(user=team["head"], role="head", unit=directory["ecology"])
    m = actions.do_submit(team["citizen"], title="主办协办同属一位负责人的留言", body="小区道路破损, 雨天积水, 希望尽快修复。" * 2,
                          kind="help", region=directory["qilihe"], topic=directory["topic_build"])
    actions.do_dispatch(team["dispatcher"], m, directory["housing"],
                        assists=[directory["ecology"], directory["transport"]])
    actions.do_assign_handler(team["head"], m, directory["housing"], team["officer"])
    head = login(team["head"])
    page = page_text(head.get(reverse("board:inbox") + "?tab=assist"))
    boxes = re.findall(r'<input type="checkbox" name="case" value="([^"]+)"', page)
    seen = dict(re.findall(r'name="(seen-[^"]+)" value="([^"]*)"', page))
    assert len(boxes) == 1
    said = flashed(head.post(URL, {"case": boxes, "handler": team["head"].pk, **seen}, follow=True))
    assert "已将 1 件指派给 住建局王局长 承办" in said
    shares = {a.unit_id: a.handler for a in Assignment.objects.filter(message=m)}
    assert shares[directory["housing"].pk] == team["officer"]  # the lead unit's 承办人 stays
    assert shares[directory["ecology"].pk] == team["head"]
    # an admin: two assisting rows of one case, each its own box (and no id twice on the page)
    admin = login(make_user("platform_admin", is_superuser=True, is_staff=True))
    page = page_text(admin.get(reverse("board:inbox") + "?tab=assist"))
    rows = re.findall(r'<input type="checkbox" name="case" value="([^"]+)"[^>]* id="([^"]+)"[^>]*></label>'
                      r'<input type="hidden" name="seen-\d+-(\d+)"', page)
    assert len(rows) == 2 and len({r[0] for r in rows}) == 2 and len({r[1] for r in rows}) == 2
    transport_box = next(value for value, _, unit in rows if unit == str(directory["transport"].pk))
    both = make_user("both_officer", role="officer", unit=directory["transport"], display_name="交通局孙")
    Membership.objects.create(user=both, role="officer", unit=directory["ecology"])
    said = flashed(admin.post(URL, {"case": [transport_box], "handler": both.pk}, follow=True))
    assert "已将 1 件指派给 交通局孙 承办" in said
    shares = {a.unit_id: a.handler for a in Assignment.objects.filter(message=m)}
    assert shares[directory["transport"].pk] == both and shares[directory["ecology"].pk] == team["head"]


def test_an_admin_naming_a_citizen_as_handler_is_refused_even_when_no_case_is_found(team, directory):
    """docs/api.md: a `handler` who is no unit's staff is the 400 naming `handler`, none found too. An admin
    heads no unit of their own: cases none of which exist and a citizen as the 承办人 answered 200, the
    citizen named as `handler`, as if such a batch could be given to them."""
    admin = make_user("platform_admin", is_superuser=True, is_staff=True)
    response = api_as(admin).post(API, {"cases": ["20990101000001"], "handler": team["citizen"].pk}, format="json")
    assert response.status_code == 400, response.content
    assert "该用户不是" in response.json()["error"]["fields"]["handler"][0]
    # a staff member of some unit is taken: each number then answered not_found
    response = api_as(admin).post(API, {"cases": ["20990101000001"], "handler": team["colleague"].pk}, format="json")
    assert response.status_code == 200 and [r["code"] for r in response.json()["results"]] == ["not_found"]


def test_a_lead_row_ticked_is_the_lead_units_share_not_an_assisting_one(team, directory, login):
    """The head of 住建局 (主办 of the case) and of 生态环境局 (its 协办, and 主办 of another case on the page)
    ticks the case's 住建局 row and picks 生态局刘 from the 生态环境局 list: refused (a person of another unit
    than the row's), not given to 刘 as the assisting unit's share, which no row ticked showed."""
    Membership.objects.create(user=team["head"], role="head", unit=directory["ecology"])
    m = actions.do_submit(team["citizen"], title="主办住建协办生态的留言", body="小区道路破损, 雨天积水, 希望尽快修复。" * 2,
                          kind="help", region=directory["qilihe"], topic=directory["topic_build"])
    actions.do_dispatch(team["dispatcher"], m, directory["housing"], assists=[directory["ecology"]])
    theirs = dispatched(team, directory, 2)
    Assignment.objects.filter(message=theirs).update(unit=directory["ecology"])
    head = login(team["head"])
    page = page_text(head.get(reverse("board:inbox")))
    box = re.search(rf'<input type="checkbox" name="case" value="({m.public_id}[^"]*)"', page).group(1)
    assert f'<option value="{team["other_officer"].pk}">生态局刘</option>' in page
    said = flashed(head.post(URL, {"case": [box], "handler": team["other_officer"].pk}, follow=True))
    assert "未指派任何留言" in said and "已将" not in said
    assert not Assignment.objects.filter(message=m, handler__isnull=False).exists()


def test_a_head_signs_the_rows_ticked_with_their_units_in_the_box(team, directory, login):
    """签收所选 and 指派所选 share the boxes: a head's rows post the case and the row's unit; 签收所选 signs them."""
    cases = [dispatched(team, directory, n) for n in range(2)]
    head = login(team["head"])
    page = page_text(head.get(reverse("board:inbox")))
    boxes = re.findall(r'<input type="checkbox" name="case" value="([^"]+)"', page)
    said = flashed(head.post(reverse("board:inbox_sign"), {"case": boxes}, follow=True))
    assert "已签收 2 件" in said
    assert all(lead_of(m).signed_at is not None for m in cases)


def test_the_batch_email_names_each_unit_whose_head_gave_the_cases(team, directory, login,
                                                                  django_capture_on_commit_callbacks):
    """A head of 住建局 and 生态环境局 gives one case of each to someone of both units: the one email says both
    units' head gave them; it named 住建局 alone, for a case of 生态环境局 too."""
    Membership.objects.create(user=team["head"], role="head", unit=directory["ecology"])
    Membership.objects.create(user=team["colleague"], role="officer", unit=directory["ecology"])
    ours, theirs = dispatched(team, directory, 1), dispatched(team, directory, 2)
    Assignment.objects.filter(message=theirs).update(unit=directory["ecology"])
    head = login(team["head"])
    with django_capture_on_commit_callbacks(execute=True):
        said = flashed(head.post(URL, {"case": [ours.public_id, theirs.public_id], "handler": team["colleague"].pk},
                                 follow=True))
    assert "已将 2 件指派给 住建局李科员 承办" in said
    [email] = [e for e in mail.outbox if e.to == ["li@example.gov.cn"]]
    assert directory["housing"].name in email.subject and directory["ecology"].name in email.subject
    assert "2 件" in email.subject


def _offered(html: str, start: str) -> list[str]:
    """The people a 指派 list offers: the options of the first <select> after ``start``, the placeholder left out."""
    select = html[html.index(start):]
    select = select[select.index("<select"):select.index("</select>")]
    return [name for value, name in re.findall(r'<option value="(\d*)"[^>]*>([^<]*)</option>', select) if value]


def test_one_rule_says_who_is_a_units_staff_wherever_a_head_or_an_admin_assigns(team, directory, login):
    """Who is staff of a unit — its officers and heads, accounts still active — was written three times: the
    case page's 指派 list (actions.unit_staff), 指派所选's check (bulk) and its list on the inbox. One rule now
    (actions.staff_memberships): both lists offer the same people, and the batch takes them alone. The check
    differed: an admin's batch none of whose cases was found took a person whose officer role names no unit
    (a row the admin's form refuses: left by hand or by a script) as some unit's staff, 200 with each case
    not_found, as if such a batch could be given to them; neither list offered them. Refused, as a citizen is."""
    housing = directory["housing"]
    left = make_user("left", role="officer", unit=housing, display_name="住建局已离职")
    left.is_active = False
    left.save(update_fields=["is_active"])
    make_user("dispatching", role="dispatcher", region=directory["lanzhou"], display_name="住建局派单员")
    stray = make_user("stray", display_name="无单位的承办人员")
    Membership.objects.create(user=stray, role=Membership.Role.OFFICER)  # names no unit
    m = dispatched(team, directory)
    head = login(team["head"])
    staff = ["住建局张科长", "住建局李科员", "住建局王局长"]
    case_page = page_text(head.get(reverse("board:case", args=[m.public_id])))
    assert sorted(_offered(case_page, 'id="assign-form"')) == sorted(staff)
    assert sorted(_offered(page_text(head.get(reverse("board:inbox"))), 'for="bulk-handler"')) == sorted(staff)
    for outsider in (left, stray, team["other_officer"], team["dispatcher"]):
        response = head.post(URL, {"case": [m.public_id], "handler": outsider.pk}, follow=True)
        assert "只能指派本单位的承办人员" in flashed(response)
        assert lead_of(m).handler is None
    admin = make_user("platform_admin", is_superuser=True, is_staff=True)
    for outsider in (left, stray):
        response = api_as(admin).post(API, {"cases": ["20990101000001"], "handler": outsider.pk}, format="json")
        assert response.status_code == 400, response.content
        assert "不是您负责的单位的工作人员" in response.json()["error"]["fields"]["handler"][0]
