"""The dispatcher changes the 领域 on the 派单 form: the suggested units follow it (docs/routing.md,
「The dispatcher changes the topic」). A walk of 2026-12-05 found a case read as one 领域, corrected to
another by the dispatcher, dispatched to the unit the table gives the first."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from minsheng.board import actions
from minsheng.board.models import Assignment, Message
from minsheng.board.workflow import Status

pytestmark = pytest.mark.django_db

TITLE = "七里河区小区门口的路面塌陷"
BODY = "七里河区某小区门口的路面塌陷了一个大坑, 已经两个星期没人修, 晚上经过很危险, 请尽快处理。"


class _Form(HTMLParser):
    """The values the 派单 form would post as the page shows it (selected options, hidden inputs)."""

    def __init__(self):
        super().__init__()
        self.inside, self.select, self.values = False, None, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = a.get("id") == "dispatch-form"
        elif not self.inside:
            return
        elif tag == "input" and a.get("type") == "hidden":
            self.values.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self.select = a["name"]
        elif tag == "option" and self.select and "selected" in a:
            self.values.append((self.select, a.get("value") or ""))

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None


def form_of(html: str) -> dict:
    parser = _Form()
    parser.feed(html)
    data: dict = {}
    for name, value in parser.values:
        data.setdefault(name, []).append(value)
    return data


def chosen(data: dict, name: str) -> list:
    return [v for v in data.get(name, []) if v]


def section(html: str) -> str:
    start = html.index('id="dispatch-form"')
    return html[start:html.index("</form>", start)]


@pytest.fixture
def case(personas, directory):
    """Filed under 七里河区 with no 领域, read as 交通运输 (sure): the form preselects 兰州市交通运输局."""
    m = actions.do_submit(personas["citizen"], title=TITLE, body=BODY, kind="help", region=directory["qilihe"])
    actions.do_accept(personas["dispatcher"], m)
    Message.objects.filter(pk=m.pk).update(predicted_topic=directory["topic_traffic"], topic_confidence=0.93,
                                           classified_at=timezone.now())
    return Message.objects.get(pk=m.pk)


def lead_of(m) -> str:
    return Assignment.objects.get(message=m, role=Assignment.Role.LEAD, state=Assignment.State.ACTIVE).unit.name


def test_a_topic_corrected_then_dispatched_unchanged_does_not_go_to_the_old_topics_unit(case, personas, directory,
                                                                                          login):
    """The machine read 交通运输, the dispatcher corrects it to 城乡建设 and presses 派单 (no script ran):
    the case went to 兰州市交通运输局. Now it is not dispatched: the form comes back with 住建局, the
    table's unit for 城乡建设, and says so; 派单 again sends it there."""
    d = directory
    client = login(personas["dispatcher"])
    url = f"/staff/case/{case.public_id}/"
    data = form_of(client.get(url).content.decode())
    assert chosen(data, "lead") == [str(d["transport"].pk)]
    data["topic"] = [str(d["topic_build"].pk)]
    response = client.post(f"{url}dispatch/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "未派单: 领域已改为「城乡建设」, 建议单位随之改为主办 兰州市住房和城乡建设局" in page
    assert Message.objects.get(pk=case.pk).status == Status.ACCEPTED
    again = form_of(page)
    assert chosen(again, "lead") == [str(d["housing"].pk)] and chosen(again, "topic") == [str(d["topic_build"].pk)]
    assert "权责清单: 兰州市 · 城乡建设 → 兰州市住房和城乡建设局" in section(page)
    assert client.post(f"{url}dispatch/", again).status_code == 302
    assert lead_of(case) == "兰州市住房和城乡建设局"
    assert Message.objects.get(pk=case.pk).topic == d["topic_build"]


def test_resuggest_without_scripts_preselects_the_units_of_the_topic_chosen(case, personas, directory, login):
    """「按所选领域重新建议」: the lead and assisting units and the reason line of the 领域 chosen
    (环境保护 → 生态环境局, 住建局 assisting), nothing dispatched."""
    d = directory
    client = login(personas["dispatcher"])
    data = form_of(client.get(f"/staff/case/{case.public_id}/").content.decode())
    data["topic"] = [str(d["topic_env"].pk)]
    response = client.post(f"/staff/case/{case.public_id}/dispatch/suggest/", {**data, "resuggest": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    form = section(page)
    assert "建议主办单位: <b>兰州市生态环境局</b>, 协办: 兰州市住房和城乡建设局" in form
    assert "权责清单: 兰州市 · 环境保护 → 兰州市生态环境局" in form
    assert "已按所选领域「环境保护」重新预选单位" in form
    values = form_of(page)
    assert chosen(values, "lead") == [str(d["ecology"].pk)] and chosen(values, "assists") == [str(d["housing"].pk)]
    assert Message.objects.get(pk=case.pk).status == Status.ACCEPTED


def test_a_unit_chosen_by_hand_is_kept_and_the_suggestion_offered_to_adopt(case, personas, directory, login):
    d = directory
    client = login(personas["dispatcher"])
    data = form_of(client.get(f"/staff/case/{case.public_id}/").content.decode())
    data["lead"] = [str(d["center"].pk)]  # by hand
    data["topic"] = [str(d["topic_build"].pk)]
    # the htmx request of the 领域 select: the form alone
    response = client.post(f"/staff/case/{case.public_id}/dispatch/suggest/", data, HTTP_HX_REQUEST="true")
    form = response.content.decode()
    assert 'id="dispatch-form"' in form and "<html" not in form
    assert chosen(form_of(form), "lead") == [str(d["center"].pk)]
    assert "您手动选择的单位未替换; 按所选领域建议: 主办 <b>兰州市住房和城乡建设局</b>" in form
    assert "采用建议" in form
    # 派单 now sends it where the dispatcher chose
    adopted = client.post(f"/staff/case/{case.public_id}/dispatch/suggest/", {**form_of(form), "adopt": "1"},
                          HTTP_HX_REQUEST="true").content.decode()
    assert chosen(form_of(adopted), "lead") == [str(d["housing"].pk)]
    assert client.post(f"/staff/case/{case.public_id}/dispatch/", form_of(form)).status_code == 302
    assert lead_of(case) == "兰州市政务服务中心"


def test_a_form_without_what_it_suggested_dispatches_as_posted(case, personas, directory, login):
    """A post naming lead and 领域 alone (a script, an older page): dispatched as before."""
    d = directory
    client = login(personas["dispatcher"])
    response = client.post(f"/staff/case/{case.public_id}/dispatch/",
                           {"version": case.version, "lead": d["transport"].pk, "topic": d["topic_build"].pk})
    assert response.status_code == 302
    assert lead_of(case) == "兰州市交通运输局"


def test_the_api_routes_a_topic_without_a_lead_as_the_form_does(personas, directory):
    """A message filed under 兰州市 that names 城关区: the form routes 城乡建设 by 城关区's own row
    (城关区人民政府); the API's dispatch/ with that topic and no lead used the region as filed (住建局)."""
    d = directory
    m = actions.do_submit(personas["citizen"], title="城关区老楼加装电梯", kind="help", region=d["lanzhou"],
                          body="城关区雁滩一个老小区想加装电梯, 居民都同意了, 不知道向哪个部门申请, 请给予指导。")
    actions.do_accept(personas["dispatcher"], m)
    client = APIClient()
    client.force_authenticate(personas["dispatcher"])
    response = client.post(f"/api/v1/staff/cases/{m.public_id}/dispatch/", {"topic": "urban"}, format="json")
    assert response.status_code == 200, response.json()
    assert lead_of(m) == "城关区人民政府"


def test_the_apis_suggestion_for_a_topic_is_the_forms(case, personas, directory):
    """suggestion/?topic=: the units and reason the form's 按所选领域重新建议 shows; an unknown code a 400."""
    client = APIClient()
    client.force_authenticate(personas["dispatcher"])
    url = f"/api/v1/staff/cases/{case.public_id}/suggestion/"
    assert client.get(url).json()["lead"]["name"] == "兰州市交通运输局"
    body = client.get(url, {"topic": "environment"}).json()
    assert body["lead"]["name"] == "兰州市生态环境局" and [u["name"] for u in body["assists"]] == ["兰州市住房和城乡建设局"]
    assert body["reason_shown"].startswith("权责清单: 兰州市 · 环境保护 → 兰州市生态环境局")
    assert body["topic"]["code"] == "environment" and body["prefill"] is True
    refused = client.get(url, {"topic": "nosuch"})
    assert refused.status_code == 400 and refused.json()["error"]["fields"]["topic"] == [
        "没有代码为 nosuch 的领域 (可用的领域见 /api/v1/topics/)"
    ]


def test_a_topic_the_table_routes_nowhere_leaves_the_lead_to_the_dispatcher(case, personas, directory, login):
    """The new 领域 has no row: the old 领域's unit is not kept as if suggested; 派单 says so and the lead
    is left to choose (请选择主办单位)."""
    from minsheng.directory.models import Topic

    other = Topic.objects.create(code="social", name="劳动和社会保障", sort=9)
    client = login(personas["dispatcher"])
    url = f"/staff/case/{case.public_id}/"
    data = form_of(client.get(url).content.decode())
    data["topic"] = [str(other.pk)]
    response = client.post(f"{url}dispatch/", data)
    page = response.content.decode()
    assert response.status_code == 400 and "权责清单未给出该领域的主办单位: 请选择主办单位后再点「派单」" in page
    assert chosen(form_of(page), "lead") == [] and "暂无建议单位" in section(page)
    assert Message.objects.get(pk=case.pk).status == Status.ACCEPTED


def test_a_topic_whose_unit_returned_the_case_preselects_nothing(case, personas, directory, login):
    """住建局 returned the case (退单); the dispatcher corrects its 领域 to 城乡建设, whose unit it is: neither
    the 领域 chosen (htmx) nor 派单 with the old units preselects 住建局 again, and 派单 says why."""
    d = directory
    actions.do_dispatch(personas["dispatcher"], case, d["housing"])
    actions.do_return(personas["officer"], Message.objects.get(pk=case.pk), d["housing"], "属于物业纠纷, 不属于本单位职责")
    client = login(personas["dispatcher"])
    url = f"/staff/case/{case.public_id}/"
    data = form_of(client.get(url).content.decode())
    assert chosen(data, "lead") == [str(d["transport"].pk)]
    data["topic"] = [str(d["topic_build"].pk)]
    form = client.post(f"{url}dispatch/suggest/", data, HTTP_HX_REQUEST="true").content.decode()
    assert "该单位已退回本件, 未预选" in form and chosen(form_of(form), "lead") == []
    response = client.post(f"{url}dispatch/", data)
    page = response.content.decode()
    assert response.status_code == 400
    assert "其建议主办单位 兰州市住房和城乡建设局 已退回本件: 请另选主办单位后再点「派单」" in page
    assert chosen(form_of(page), "lead") == [] and "该单位已退回本件, 未预选" in section(page)
