"""按建议派单: the dispatcher's queue shows each row's 建议承办单位 (what its case page's 派单 form
preselects) and dispatches the ticked rows by it, each as the case page's 派单 would; the cases it
cannot dispatch are skipped and named with the reason. The same through the API (dispatch-batch/)."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from minsheng.board import actions
from minsheng.board.models import Assignment, Event, Message, Notification
from minsheng.board.workflow import Status
from minsheng.insight import lookup

pytestmark = pytest.mark.django_db
URL = "/staff/triage/dispatch/"
API = "/api/v1/staff/dispatch-batch/"


def submit(p, d, title, body, region="qilihe", topic="topic_build", who="citizen"):
    return actions.do_submit(p[who], title=title, body=body, kind="help", region=d[region],
                             topic=d[topic] if topic else None)


def read_as(m: Message, topic, confidence: float) -> Message:
    """The machine's stored reading (insight.tasks.classify_message), without a model."""
    Message.objects.filter(pk=m.pk).update(predicted_topic=topic, topic_confidence=confidence,
                                           classified_at=timezone.now())
    return Message.objects.get(pk=m.pk)


@pytest.fixture
def queue(personas, directory):
    """A queue with one case for each outcome of 按建议派单 (texts apart: no near-duplicates but ``dup``'s)."""
    p, d = personas, directory
    lookup.clear_cache()
    main = submit(p, d, "西津西路幸福家园小区三号楼电梯坏了三个月",
                  "西津西路幸福家园小区三号楼电梯坏了三个月, 物业一直不修, 老人出不了门, 请督促维修。")
    actions.do_dispatch(p["dispatcher"], main, d["housing"])
    cases = {
        # the citizen's topic: the responsibility table's lead (兰州市 · 城乡建设 → 住建局)
        "citizen": submit(p, d, "七里河区小区门口道路坑洼积水", "七里河区某小区门口的道路坑坑洼洼, 下雨天积水严重, 行人难以通行。"),
        # no topic chosen, a sure reading: the table's units for it (生态环境局, 住建局 assisting), filed under it
        "sure": read_as(submit(p, d, "工厂夜间排放刺鼻废气", "七里河区有家工厂每到夜里就排放刺鼻的废气, 附近居民无法开窗睡觉。",
                               topic=None), d["topic_env"], 0.91),
        # a reading below the prefill threshold: the form preselects nothing
        "low": read_as(submit(p, d, "公交站台的广告牌歪了", "七里河区一个公交站台的广告牌被风吹歪了, 担心砸到候车的人。",
                              topic=None), d["topic_traffic"], 0.31),
        # no topic, no reading: nothing routes
        "none": submit(p, d, "咨询一下办事的流程", "请问在七里河区办理相关证明需要带哪些材料, 在哪个窗口办理。", topic=None),
        "dup": submit(p, d, "幸福家园小区三号楼电梯三个月没人修",
                      "西津西路幸福家园小区三号楼电梯坏了三个月, 物业一直不修, 老人出不了门, 请督促维修电梯。"),
        "dingxi": submit(p, d, "定西市安定区路灯不亮", "定西市安定区某条街道的路灯一个多月不亮了, 晚上出行很不安全。",
                         region="dingxi"),
    }
    returned = submit(p, d, "七里河区老旧小区外墙脱落", "七里河区一个老旧小区的外墙瓷砖大块脱落, 楼下行人很危险。")
    actions.do_dispatch(p["dispatcher"], returned, d["housing"])
    actions.do_return(p["officer"], Message.objects.get(pk=returned.pk), d["housing"], "不属于本单位职责")
    cases["returned"] = Message.objects.get(pk=returned.pk)
    yield cases
    lookup.clear_cache()


def rows(html: str) -> dict[str, str]:
    return {re.search(r'/staff/case/([^/"]+)/', row).group(1): row
            for row in re.findall(r"<tr[ >].*?</tr>", html, re.S) if "/staff/case/" in row}


def ticked(row: str) -> bool:
    return 'form="bulk-dispatch"' in row


def preselected_lead(client, m) -> str:
    """The lead unit the case page's 派单 form preselects ('' for none)."""
    page = client.get(f"/staff/case/{m.public_id}/").content.decode()
    select = re.search(r'<select name="lead".*?</select>', page, re.S).group(0)
    chosen = re.search(r'<option value="\d+" selected>([^<]+)</option>', select)
    return chosen.group(1) if chosen else ""


def test_the_queue_names_the_lead_its_case_page_preselects(queue, personas, directory, login):
    client = login(personas["dispatcher"])
    page = client.get(reverse("board:triage")).content.decode()
    assert "按建议派单所选" in page and "建议承办单位" in page
    assert "{#" not in page and "comment" not in page  # the templates' notes are not shown as text
    shown = rows(page)
    assert set(shown) == {m.public_id for k, m in queue.items() if k != "dingxi"}  # another region's is not listed
    for key in ("citizen", "sure", "dup"):
        assert preselected_lead(client, queue[key]) in shown[queue[key].public_id]
    assert "兰州市住房和城乡建设局" in shown[queue["citizen"].public_id]
    assert "按留言人所选领域" in shown[queue["citizen"].public_id]
    sure = shown[queue["sure"].public_id]
    assert "兰州市生态环境局" in sure and "置信度 0.91" in sure and "协办: 兰州市住房和城乡建设局" in sure
    for key in ("low", "none", "returned"):
        assert preselected_lead(client, queue[key]) == ""
        assert "无建议" in shown[queue[key].public_id]
    # a box only where the case can go as suggested now
    assert {pid for pid, row in shown.items() if ticked(row)} == {queue["citizen"].public_id, queue["sure"].public_id}
    assert "疑似重复" in shown[queue["dup"].public_id]


def test_dispatches_the_ticked_as_their_case_pages_would_and_says_why_not(
        queue, personas, directory, login, django_capture_on_commit_callbacks):
    p, d = personas, directory
    client = login(p["dispatcher"])
    gone = submit(p, d, "七里河区菜市场噪音扰民", "七里河区菜市场凌晨四点就开始装卸货, 噪音很大, 影响周边居民休息。")
    # ticked on a page loaded before a colleague dispatched it
    actions.do_dispatch(p["dispatcher"], gone, d["transport"])
    chosen = [m.public_id for m in (*queue.values(), gone)] + ["GS-NO-SUCH"]
    shown = posted_form(client.get(reverse("board:triage")).content.decode(),
                        queue["citizen"].public_id, queue["sure"].public_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(URL, {**shown, "case": chosen}, follow=True)
    assert response.status_code == 200
    page = response.content.decode()

    citizen, sure = (Message.objects.get(pk=queue[k].pk) for k in ("citizen", "sure"))
    assert citizen.status == sure.status == Status.DISPATCHED
    lead = Assignment.objects.get(message=sure, role=Assignment.Role.LEAD)
    assert lead.unit == d["ecology"]
    assert [a.unit for a in Assignment.objects.filter(message=sure, role=Assignment.Role.ASSIST)] == [d["housing"]]
    assert sure.topic == d["topic_env"]  # filed under the sure reading, as the form's 领域 preselects it
    assert Assignment.objects.get(message=citizen, role=Assignment.Role.LEAD).unit == d["housing"]
    event = Event.objects.get(message=sure, kind=Event.Kind.DISPATCHED)
    assert event.actor == p["dispatcher"] and event.data["lead"] == "兰州市生态环境局"
    assert Notification.objects.filter(user=p["officer"], message=citizen).exists()  # the unit is told
    assert Notification.objects.filter(user=p["other_officer"], message=sure).exists()
    assert f"已按建议派单 2 件: {citizen.public_id} → 兰州市住房和城乡建设局; {sure.public_id} → 兰州市生态环境局" in page

    for key in ("low", "none", "dup", "dingxi", "returned"):
        assert Message.objects.get(pk=queue[key].pk).status in (Status.SUBMITTED, Status.ACCEPTED), key
    assert not Assignment.objects.filter(message=queue["dingxi"]).exists()
    said = dict(re.findall(r"<li class=\"error\">未派单 (\S+?)(?:「[^」]*」)?: ([^<]+)</li>", page))
    assert "置信度低于 0.60" in said[queue["low"].public_id]
    assert "没有派单建议" in said[queue["none"].public_id] and "缺少领域" in said[queue["none"].public_id]
    assert "与在办留言疑似重复 1 件, 请在留言页决定是否并单" in said[queue["dup"].public_id]
    assert said[queue["dingxi"].public_id] == said["GS-NO-SUCH"] == "找不到该留言, 或不在您负责派单的区划内"
    assert "定西市安定区路灯不亮" not in page  # another region's case: not even its title
    assert "已退回本件" in said[queue["returned"].public_id]
    assert said[gone.public_id] == "当前状态为「待签收」, 不能派单 (可能已被他人派单)"
    assert Assignment.objects.get(message=gone, role=Assignment.Role.LEAD).unit == d["transport"]  # untouched


def test_the_dispatcher_of_another_region_dispatches_nothing(queue, personas, login):
    client = login(personas["dx_dispatcher"])
    response = client.post(URL, {"case": [queue["citizen"].public_id]}, follow=True)
    assert "找不到该留言, 或不在您负责派单的区划内" in response.content.decode()
    assert Message.objects.get(pk=queue["citizen"].pk).status == Status.SUBMITTED


def test_a_repeat_of_a_closed_case_goes_by_suggestion(queue, personas, directory, login):
    """The dup's main case closed (已办结): the problem back again is a new case, as the automatic dispatch
    sends it (routing.md, the in-hand rule); its row keeps the 疑似重复 badge (the case page still offers
    the closed case to merge) but gets a box, and 按建议派单所选 dispatches it rather than skipping it."""
    p, d = personas, directory
    Message.objects.filter(title="西津西路幸福家园小区三号楼电梯坏了三个月").update(
        status=Status.CLOSED, closed_at=timezone.now()
    )
    lookup.clear_cache()
    client = login(p["dispatcher"])
    page = client.get(reverse("board:triage")).content.decode()
    row = rows(page)[queue["dup"].public_id]
    assert "疑似重复 1" in row and ticked(row)
    suggestion = api(p["dispatcher"]).get(f"/api/v1/staff/cases/{queue['dup'].public_id}/suggestion/").json()
    assert suggestion["batch"]["reason"] == "" and len(suggestion["duplicates"]) == 1  # the API says the same
    response = client.post(URL, posted_form(page, queue["dup"].public_id), follow=True)
    assert "未派单" not in response.content.decode()
    dup = Message.objects.get(pk=queue["dup"].pk)
    assert dup.status == Status.DISPATCHED
    assert Assignment.objects.get(message=dup, role=Assignment.Role.LEAD).unit == d["housing"]


def test_a_case_split_from_its_main_is_not_held_for_that_main_again(queue, personas, directory, login):
    """撤销并单: the dispatcher has said the dup is not the main case's problem; 按建议派单 does not send
    them back to its case page to decide that again (the badge still counts what the page offers)."""
    p = personas
    dup = queue["dup"]
    main = Message.objects.get(title="西津西路幸福家园小区三号楼电梯坏了三个月")
    actions.do_merge(p["dispatcher"], dup, main)
    actions.do_unmerge(p["dispatcher"], Message.objects.get(pk=dup.pk), "不是同一栋楼的电梯")
    lookup.clear_cache()
    client = login(p["dispatcher"])
    page = client.get(reverse("board:triage")).content.decode()
    row = rows(page)[dup.public_id]
    assert "疑似重复 1" in row and ticked(row)
    batch = api(p["dispatcher"]).get(f"/api/v1/staff/cases/{dup.public_id}/suggestion/").json()["batch"]
    assert batch["reason"] == ""
    client.post(URL, posted_form(page, dup.public_id), follow=True)
    assert Message.objects.get(pk=dup.pk).status == Status.DISPATCHED


@pytest.mark.parametrize("persona", ["citizen", "officer", "supervisor"])
def test_only_dispatchers(queue, personas, login, persona):
    response = login(personas[persona]).post(URL, {"case": [queue["citizen"].public_id]})
    assert response.status_code == 403
    assert Message.objects.get(pk=queue["citizen"].pk).status == Status.SUBMITTED


def test_signed_out_and_without_csrf(queue, personas, client):
    response = client.post(URL, {"case": [queue["citizen"].public_id]})
    assert response.status_code == 302 and "/login" in response["Location"]
    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(personas["dispatcher"])
    assert guarded.post(URL, {"case": [queue["citizen"].public_id]}).status_code == 403
    assert Message.objects.get(pk=queue["citizen"].pk).status == Status.SUBMITTED
    assert guarded.get(URL).status_code == 302  # the address opened: the queue


def test_at_most_a_page_at_once_and_something_ticked(queue, personas, directory, login):
    client = login(personas["dispatcher"])
    many = [queue["citizen"].public_id] + [f"X{n}" for n in range(20)]
    page = client.post(URL, {"case": many}, follow=True).content.decode()
    assert "一次最多按建议派单 20 件, 请分页派单" in page
    assert Message.objects.get(pk=queue["citizen"].pk).status == Status.SUBMITTED
    assert "请先勾选要按建议派单的留言" in client.post(URL, {}, follow=True).content.decode()


def api(persona_user, **kw) -> APIClient:
    c = APIClient(**kw)
    c.force_authenticate(persona_user)
    return c


def test_the_api_dispatches_as_the_page(queue, personas, directory):
    client = api(personas["dispatcher"])
    chosen = [queue[k].public_id for k in ("citizen", "low", "dup", "dingxi", "sure")]
    response = client.post(API, {"cases": chosen}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["dispatched"] == 2 and body["skipped"] == 3
    results = {r["public_id"]: r for r in body["results"]}
    assert [r["public_id"] for r in body["results"]] == chosen
    assert results[queue["sure"].public_id]["lead"]["name"] == "兰州市生态环境局"
    assert [u["name"] for u in results[queue["sure"].public_id]["assists"]] == ["兰州市住房和城乡建设局"]
    assert results[queue["citizen"].public_id]["dispatched"] and not results[queue["citizen"].public_id]["reason"]
    assert "置信度低于" in results[queue["low"].public_id]["reason"]
    assert results[queue["low"].public_id]["lead"] is None
    assert "疑似重复" in results[queue["dup"].public_id]["reason"]
    assert results[queue["dingxi"].public_id] == {"public_id": queue["dingxi"].public_id, "title": "",
                                                  "dispatched": False, "lead": None, "assists": [],
                                                  "reason": "找不到该留言, 或不在您负责派单的区划内"}
    assert Message.objects.get(pk=queue["sure"].pk).status == Status.DISPATCHED
    again = client.post(API, {"cases": [queue["sure"].public_id]}, format="json").json()
    assert again["dispatched"] == 0 and "不能派单" in again["results"][0]["reason"]


@pytest.mark.parametrize("persona", ["citizen", "officer"])
def test_the_api_refuses_others_in_chinese(queue, personas, persona):
    response = api(personas[persona]).post(API, {"cases": [queue["citizen"].public_id]}, format="json")
    assert response.status_code == 403
    assert re.search(r"[\u4e00-\u9fff]", response.json()["error"]["message"])
    assert Message.objects.get(pk=queue["citizen"].pk).status == Status.SUBMITTED


def test_the_api_cap_and_bad_bodies(queue, personas):
    client = api(personas["dispatcher"])
    over = client.post(API, {"cases": [f"X{n}" for n in range(21)]}, format="json")
    assert over.status_code == 400
    assert "一次最多按建议派单 20 件" in str(over.json()["error"])
    empty = client.post(API, {"cases": []}, format="json")
    assert empty.status_code == 400 and "请至少给出一件留言的编号" in str(empty.json()["error"])
    assert client.post(API, ["x"], format="json").status_code == 400


def test_the_api_with_a_session_needs_csrf(queue, personas):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(personas["dispatcher"])
    response = client.post(API, {"cases": [queue["citizen"].public_id]}, format="json")
    assert response.status_code == 403
    assert Message.objects.get(pk=queue["citizen"].pk).status == Status.SUBMITTED


def test_a_page_of_suggestions_at_once_is_each_ones_own(queue, directory, django_assert_max_num_queries):
    """suggest_each (the queue's rows at once) says what suggest_for (the case page) says of each, the
    region a province-filed text names included, in a fixed number of queries."""
    from minsheng.insight.places import gazetteer
    from minsheng.insight.suggest import SUGGEST_RELATED, suggest_each, suggest_for

    named = actions.do_submit(queue["citizen"].author, title="七里河区路口红绿灯坏了",
                              body="七里河区西津西路路口的红绿灯坏了好几天, 车辆行人都很危险。", kind="help",
                              region=directory["province"], topic=directory["topic_env"])
    messages = list(Message.objects.filter(pk__in=[m.pk for m in (*queue.values(), named)])
                    .select_related(*SUGGEST_RELATED))
    # the process's gazetteer read, as any page before it reads it (its regions' ids, a key of its
    # cache, are new in each test on PostgreSQL: read here, it cost one query more there)
    gazetteer()
    with django_assert_max_num_queries(3):  # its check, the named regions, the table's rows (no unit model here)
        each = suggest_each(messages)
    for m in messages:
        one = suggest_for(Message.objects.get(pk=m.pk))
        s = each[m.pk]
        assert (s.lead, s.assists, s.topic, s.region, s.region_from_text, s.prefill, s.units_prefill, s.reason) == (
            one.lead, one.assists, one.topic, one.region, one.region_from_text, one.prefill, one.units_prefill,
            one.reason), m.title
    assert each[named.pk].region == directory["qilihe"] and each[named.pk].lead == directory["ecology"]


def posted_form(page: str, *public_ids: str) -> dict:
    """What 按建议派单所选 posts with the rows of ``public_ids`` ticked: each box and what its row showed."""
    data = {"case": list(public_ids), "next": "/staff/triage/"}
    for pid in public_ids:
        shown = re.search(rf'name="seen-{pid}" value="([^"]*)"', page)
        if shown:
            data[f"seen-{pid}"] = shown.group(1)
    return data


def test_a_plan_changed_since_the_page_is_not_dispatched_to_a_unit_not_shown(queue, personas, directory, login):
    """The row said 住建局; the table was changed before the dispatcher pressed 按建议派单所选: the case
    is not sent to a unit the page never showed, and the dispatcher is told to look again."""
    from minsheng.directory.models import Responsibility

    d, client = directory, login(personas["dispatcher"])
    citizen, sure = queue["citizen"], queue["sure"]
    page = client.get(reverse("board:triage")).content.decode()
    assert "兰州市住房和城乡建设局" in rows(page)[citizen.public_id]
    Responsibility.objects.filter(region=d["lanzhou"], topic=d["topic_build"]).update(unit=d["transport"])
    said = client.post(URL, posted_form(page, citizen.public_id, sure.public_id), follow=True).content.decode()
    assert Message.objects.get(pk=citizen.pk).status == Status.SUBMITTED
    assert not Assignment.objects.filter(message=citizen).exists()
    assert f"未派单 {citizen.public_id}「{citizen.title}」: 打开页面后派单建议有变化 (现为主办 {d['transport'].name})" in said
    assert "请刷新页面核对后再派单" in said
    # the other ticked row, unchanged, goes as shown
    assert Assignment.objects.get(message=sure, role=Assignment.Role.LEAD).unit == d["ecology"]
    # the page reloaded shows the new unit, and dispatches to it
    page = client.get(reverse("board:triage")).content.decode()
    client.post(URL, posted_form(page, citizen.public_id))
    assert Assignment.objects.get(message=citizen, role=Assignment.Role.LEAD).unit == d["transport"]


def test_a_message_awaiting_review_with_abuse_or_advertising_is_reviewed_on_its_page(queue, personas, directory, login):
    """Dispatching a 待审核 message publishes it: one whose text the case page flags (审核提示: 辱骂,
    广告) is not published from the queue unread; personal data alone is hidden on the public page."""
    p, d = personas, directory
    client = login(p["dispatcher"])
    ad = submit(p, d, "七里河区小区门口道路坑洼积水了", "七里河区小区门口的道路坑坑洼洼, 下雨天积水严重, 修路请加微信 abc123。")
    phone = submit(p, d, "七里河区小区外的路灯坏了很久", "七里河区小区外的路灯坏了很久, 晚上很黑, 请联系我 13912345678。")
    shown = rows(client.get(reverse("board:triage")).content.decode())
    assert not ticked(shown[ad.public_id]) and ticked(shown[phone.public_id])
    said = client.post(URL, {"case": [ad.public_id, phone.public_id]}, follow=True).content.decode()
    assert "待审核的留言含疑似广告或链接, 请在留言页审核" in said
    assert Message.objects.get(pk=ad.pk).status == Status.SUBMITTED
    body = api(p["dispatcher"]).post(API, {"cases": [ad.public_id]}, format="json").json()
    assert body["dispatched"] == 0 and "请在留言页审核" in body["results"][0]["reason"]
    assert Message.objects.get(pk=ad.pk).status == Status.SUBMITTED


def test_the_queue_says_the_type_the_batch_files_the_case_under(queue, personas, directory, login):
    """A sure type reading is preselected on the case page and 按建议派单 files the case under it (its
    reply deadline follows the type): the queue row says so, the 类型 column shows the citizen's."""
    client = login(personas["dispatcher"])
    citizen = queue["citizen"]
    Message.objects.filter(pk=citizen.pk).update(predicted_kind="complain", kind_confidence=0.95,
                                                 classified_at=timezone.now())
    row = rows(client.get(reverse("board:triage")).content.decode())[citizen.public_id]
    assert "类型改为: 投诉" in row
    assert "类型改为" not in rows(client.get(reverse("board:triage")).content.decode())[queue["sure"].public_id]


def test_the_queue_names_each_confidence_under_a_type_change(queue, personas, directory, login):
    """Under 「类型改为: 投诉」 the row said 「置信度 0.99」: the topic's, read as the type change's (0.79).
    Each confidence is named now: the type's beside the type change, the topic's as 领域置信度."""
    client = login(personas["dispatcher"])
    sure = queue["sure"]
    Message.objects.filter(pk=sure.pk).update(topic_confidence=0.99, predicted_kind="complain", kind_confidence=0.79)
    row = rows(client.get(reverse("board:triage")).content.decode())[sure.public_id]
    assert "类型改为: 投诉 (类型置信度 0.79)" in row
    assert "领域置信度 0.99" in row and "置信度 0.99" not in row.replace("领域置信度 0.99", "")


def test_a_unit_that_only_assisted_a_case_returned_by_its_lead_is_still_suggested(personas, directory, login):
    """退单 by the lead unit releases its assisting units too; the assisting unit did not return the
    case, yet the queue and the case page read it so: 「建议的主办单位已退回本件」, nothing preselected."""
    p, d = personas, directory
    m = submit(p, d, "七里河区老旧小区楼道墙皮脱落", "七里河区一个老旧小区楼道里的墙皮大块脱落, 上下楼很危险, 请尽快处理。")
    actions.do_dispatch(p["dispatcher"], m, d["ecology"], assists=[d["housing"]])  # the table names 住建局
    actions.do_return(p["other_officer"], Message.objects.get(pk=m.pk), d["ecology"], "不属于本单位职责")
    client = login(p["dispatcher"])
    row = rows(client.get(reverse("board:triage")).content.decode())[m.public_id]
    assert ticked(row) and "兰州市住房和城乡建设局" in row and "已退回本件" not in row
    assert preselected_lead(client, m) == "兰州市住房和城乡建设局"
    # the API's dispatch/ without a lead takes the same units
    response = api(p["dispatcher"]).post(f"/api/v1/staff/cases/{m.public_id}/dispatch/", {}, format="json")
    assert response.status_code == 200, response.json()
    assert Assignment.objects.get(message=m, role=Assignment.Role.LEAD, state=Assignment.State.ACTIVE).unit == d["housing"]


def test_two_letters_of_one_problem_ticked_together_dispatch_the_first_only(personas, directory):
    """Neither is in hand when the batch begins, so neither plan names the other: once the first is
    dispatched, the second is its near-duplicate (as its case page now says) and waits for a merge."""
    p, d = personas, directory
    lookup.clear_cache()
    body = "七里河区西站十字公交站台的顶棚塌了一半, 下雨时候车的人全淋湿, 请尽快修复站台顶棚。"
    first = submit(p, d, "西站十字公交站台顶棚塌了", body, topic="topic_traffic")
    second = submit(p, d, "西站十字公交站台顶棚塌了一半", body + "已经一个月了。", topic="topic_traffic",
                    who="other_citizen")
    body = api(p["dispatcher"]).post(API, {"cases": [first.public_id, second.public_id]}, format="json").json()
    assert body["dispatched"] == 1
    results = {r["public_id"]: r for r in body["results"]}
    assert results[first.public_id]["dispatched"]
    assert results[second.public_id]["reason"] == f"与本批刚派出的 {first.public_id} 疑似重复, 请在留言页决定是否并单"
    assert Message.objects.get(pk=second.pk).status in (Status.SUBMITTED, Status.ACCEPTED)
    lookup.clear_cache()


def test_a_case_filed_under_a_topic_switched_off_since_is_still_dispatched(personas, directory):
    """The citizen's 领域 was switched off after the letter was filed: 按建议派单 (and the API's dispatch/
    without a topic) keeps the topic it has, as before; only a topic the dispatcher changes it to is checked."""
    p, d = personas, directory
    lookup.clear_cache()
    m = submit(p, d, "七里河区小区门口道路坑洼积水", "七里河区某小区门口的道路坑坑洼洼, 下雨天积水严重, 行人难以通行。")
    Topic = type(d["topic_build"])
    Topic.objects.filter(pk=d["topic_build"].pk).update(is_active=False)
    body = api(p["dispatcher"]).post(API, {"cases": [m.public_id]}, format="json").json()
    assert body["results"][0]["reason"] == "" and body["dispatched"] == 1
    m = Message.objects.get(pk=m.pk)
    assert m.status == Status.DISPATCHED and m.topic_id == d["topic_build"].pk
    lookup.clear_cache()


def seen_in_suggestion(client, m) -> dict:
    """What the case's suggestion says 按建议派单 would dispatch it to now, as an ``items`` entry states it back."""
    plan = client.get(f"/api/v1/staff/cases/{m.public_id}/suggestion/").json()["batch"]
    return {"case": m.public_id, "lead": plan["lead"]["id"], "assists": [u["id"] for u in plan["assists"]],
            "topic": plan["topic"]["code"], "kind": plan["kind"]}


def test_the_api_items_skip_a_case_whose_suggestion_changed_since_the_integrator_saw_it(queue, personas, directory):
    """An integrator reads each case's suggestion, shows it, and posts back what it showed (``items``): the
    table changed meanwhile, the case is not sent to a unit nobody saw — skipped with the page's words —
    while the unchanged case goes; the ids alone keep dispatching the plan as it is at the time."""
    from minsheng.directory.models import Responsibility

    d, client = directory, api(personas["dispatcher"])
    citizen, sure = queue["citizen"], queue["sure"]
    shown = [seen_in_suggestion(client, citizen), seen_in_suggestion(client, sure)]
    assert shown[0]["lead"] == d["housing"].pk
    assert shown[1]["lead"] == d["ecology"].pk and shown[1]["assists"] == [d["housing"].pk]
    Responsibility.objects.filter(region=d["lanzhou"], topic=d["topic_build"]).update(unit=d["transport"])
    response = client.post(API, {"items": shown}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert (body["dispatched"], body["skipped"]) == (1, 1)
    skipped, sent = body["results"]
    assert skipped == {"public_id": citizen.public_id, "title": citizen.title, "dispatched": False, "lead": None,
                       "assists": [], "reason": f"读取建议后派单建议有变化 (现为主办 {d['transport'].name}), 请重新读取 suggestion/ 核对后再派单"}
    assert not Assignment.objects.filter(message=citizen).exists()
    assert Message.objects.get(pk=citizen.pk).status == Status.SUBMITTED
    assert sent["dispatched"] and sent["lead"]["name"] == "兰州市生态环境局"
    # read again, it says the new unit, and stating that one dispatches there
    again = client.post(API, {"items": [seen_in_suggestion(client, citizen)]}, format="json").json()
    assert again["dispatched"] == 1
    assert Assignment.objects.get(message=citizen, role=Assignment.Role.LEAD).unit == d["transport"]


def test_the_api_items_compare_what_they_state(queue, personas, directory):
    """The lead alone is compared when that is all an item states; an assisting unit stated that the plan
    no longer has, or another lead, is a change too; the order of the assisting units does not matter."""
    d, client = directory, api(personas["dispatcher"])
    citizen, sure = queue["citizen"], queue["sure"]
    stated = [{"case": sure.public_id, "lead": d["ecology"].pk, "assists": [d["transport"].pk]},
              {"case": citizen.public_id, "lead": d["transport"].pk}]
    body = client.post(API, {"items": stated}, format="json").json()
    assert body["dispatched"] == 0
    assert [r["reason"] for r in body["results"]] == [
        f"读取建议后派单建议有变化 (现为主办 兰州市生态环境局, 协办 {d['housing'].name}), 请重新读取 suggestion/ 核对后再派单",
        f"读取建议后派单建议有变化 (现为主办 {d['housing'].name}), 请重新读取 suggestion/ 核对后再派单"]
    # a null, as in the rest of the API, is a field left out
    stated = [{"case": citizen.public_id, "lead": d["housing"].pk, "assists": None, "topic": None, "kind": None},
              {"case": sure.public_id, "lead": d["ecology"].pk, "assists": [d["housing"].pk, d["ecology"].pk],
               "topic": d["topic_env"].code, "kind": ""}]
    body = client.post(API, {"items": stated}, format="json").json()
    assert body["dispatched"] == 2, body
    assert Assignment.objects.get(message=citizen, role=Assignment.Role.LEAD).unit == d["housing"]


def test_the_api_items_bad_bodies(queue, personas, directory):
    client = api(personas["dispatcher"])
    pid = queue["citizen"].public_id

    def refused(body) -> dict:
        response = client.post(API, body, format="json")
        assert response.status_code == 400, response.content
        return response.json()["error"]["fields"]

    assert "二者选一" in refused({"cases": [pid], "items": [{"case": pid, "lead": 1}]})["items"][0]
    assert "二者选一" in refused({})["cases"][0]
    assert refused({"items": [{"case": pid}]})["items"][0].startswith("第 1 项: lead: ")
    said = refused({"items": [pid]})["items"]  # an item that is no object: said in Chinese, no DRF key in it
    assert said[0].startswith("第 1 项: ") and "non_field_errors" not in said[0]
    assert "第 1 项: kind: " in refused({"items": [{"case": pid, "lead": 1, "kind": "x"}]})["items"][0]
    assert "没有代码为 nope 的领域 (可用的领域见 /api/v1/topics/)" in refused({"items": [{"case": pid, "lead": 1, "topic": "nope"}]})["items"][0]
    over = refused({"items": [{"case": f"X{n}", "lead": 1} for n in range(21)]})
    assert "一次最多按建议派单 20 件" in over["items"][0]
    assert Message.objects.get(pk=queue["citizen"].pk).status == Status.SUBMITTED


def test_the_suggestion_says_what_the_batch_would_do_for_dispatchers_only(queue, personas, directory):
    client = api(personas["dispatcher"])
    low = client.get(f"/api/v1/staff/cases/{queue['low'].public_id}/suggestion/").json()["batch"]
    assert low["lead"] is None and "置信度低于" in low["reason"]
    dup = client.get(f"/api/v1/staff/cases/{queue['dup'].public_id}/suggestion/").json()["batch"]
    assert "疑似重复" in dup["reason"]
    assert api(personas["supervisor"]).get(
        f"/api/v1/staff/cases/{queue['citizen'].public_id}/suggestion/").json()["batch"] is None


def test_the_queue_says_why_a_row_has_no_suggestion(queue, personas, login):
    """「无建议」 names its reason, as a row with a lead names its confidence (the plan's own words)."""
    shown = rows(login(personas["dispatcher"]).get(reverse("board:triage")).content.decode())
    low, none, returned = (shown[queue[k].public_id] for k in ("low", "none", "returned"))
    assert "无建议" in low and "领域置信度低于" in low
    assert "无建议" in none and "缺少领域" in none
    assert "无建议" in returned and "建议的主办单位已退回本件" in returned
