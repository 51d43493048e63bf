"""领导留言板 on the workbench: the office that receives a leader's messages (the 留言对象's
受理单位) reads every message written to that leader, and each one's case page, read-only."""

from __future__ import annotations

import re

import pytest

from .conftest import make_user
from .test_public_pages import dispatched, replied, submit, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def office(directory):
    """An officer of 兰州市政务服务中心, the unit that receives the messages to 兰州市市长."""
    return make_user("mayor_office", role="officer", unit=directory["center"], display_name="市长信箱承办人")


def test_leader_office_reads_every_message_written_to_its_leader(personas, directory, office, login,
                                                                django_assert_max_num_queries,
                                                                django_capture_on_commit_callbacks):
    """Its workbench had nothing of them: the messages went to the units of the responsibility
    table and the office that answers for the leader never saw what was written to him."""
    p, d = personas, directory
    with django_capture_on_commit_callbacks(execute=True):  # the statistics facts of the figures
        pending = submit(p["citizen"], d, title="写给市长还没审核", addressee=d["mayor"])
        handling = dispatched(p, d, submit(p["citizen"], d, title="写给市长正在办理", addressee=d["mayor"]))
        answered = replied(p, d, submit(p["citizen"], d, title="写给市长已经答复", addressee=d["mayor"]))
        dispatched(p, d, submit(p["citizen"], d, title="写给职能部门的留言"))
    c = login(office)
    with django_assert_max_num_queries(14):
        page = text(c.get("/staff/leader-board/"))
    assert "兰州市市长留言板" in page and 'href="/staff/leader-board/"' in page and ">领导来信</a>" in page  # on the workbench's tabs
    assert "领导留言板</a>" not in page.split("<main")[1]  # the public /leaders/ is 领导留言板, the tab another name
    for m in (pending, handling, answered):
        assert f'href="/staff/case/{m.public_id}/">{m.title}</a>' in page
    assert "写给职能部门的留言" not in page
    assert "全部 (3)" in page and "待审核 (1)" in page and "办理中 (1)" in page and "已答复 (1)" in page
    assert page.count("<td data-label=\"主办单位\">住建局</td>") == 2  # who handles it now, or answered it
    assert "<strong>2</strong><span>受理留言</span>" in page and "<strong>50.0%</strong>" in page
    only_pending = text(c.get("/staff/leader-board/", {"show": "pending"}))
    assert pending.title in only_pending and handling.title not in only_pending
    # its case page opens, read-only: the office neither signs nor answers a case it does not handle
    case = text(c.get(f"/staff/case/{pending.public_id}/"))
    assert pending.title in case
    assert not re.search(r'action="[^"]*/(reply|sign|dispatch|accept)/"', case)


def test_the_leader_board_past_its_last_page_says_so_above_the_rows(personas, directory, office, login):
    p, d = personas, directory
    m = submit(p["citizen"], d, title="写给市长还没审核", addressee=d["mayor"])
    page = text(login(office).get("/staff/leader-board/", {"page": 5}))
    assert "第 5 页不存在, 已显示第 1 页" in page and page.index("第 5 页不存在") < page.index(m.title)


def test_leader_board_is_the_offices_own(personas, directory, office, login):
    """An officer of another unit has no such tab, no page and no case page of a message to the mayor."""
    p, d = personas, directory
    m = submit(p["citizen"], d, title="写给市长还没审核", addressee=d["mayor"])
    other = login(p["officer"])
    assert 'href="/staff/leader-board/"' not in text(other.get("/staff/"))
    assert other.get("/staff/leader-board/").status_code == 403
    assert other.get(f"/staff/case/{m.public_id}/").status_code == 404


def test_leader_office_reads_the_case_through_the_api(personas, directory, office, login):
    p, d = personas, directory
    m = dispatched(p, d, submit(p["citizen"], d, title="写给市长正在办理", addressee=d["mayor"]))
    r = login(office).get(f"/api/v1/staff/cases/{m.public_id}/")
    assert r.status_code == 200 and r.json()["title"] == m.title
    assert login(p["other_officer"]).get(f"/api/v1/staff/cases/{m.public_id}/").status_code == 404


def test_leader_office_of_two_leaders_switches_between_them(personas, directory, login):
    """A county government receives both its 书记's and its 区长's messages: one tab each."""
    from minsheng.directory.models import Addressee

    p, d = personas, directory
    secretary = Addressee.objects.create(title="城关区委书记", region=d["chengguan"], unit=d["cg_gov"], sort=1)
    head = Addressee.objects.create(title="城关区区长", region=d["chengguan"], unit=d["cg_gov"], sort=2)
    submit(p["citizen"], d, title="写给区委书记的留言", addressee=secretary)
    submit(p["citizen"], d, title="写给区长的留言", addressee=head)
    c = login(make_user("cg_officer", role="officer", unit=d["cg_gov"]))
    first = text(c.get("/staff/leader-board/"))
    assert "城关区委书记留言板" in first and "写给区委书记的留言" in first and "写给区长的留言" not in first
    assert f'href="?addressee={head.pk}">城关区区长</a>' in first
    second = text(c.get("/staff/leader-board/", {"addressee": head.pk}))
    assert "写给区长的留言" in second and "写给区委书记的留言" not in second
    assert "写给区委书记的留言" in text(c.get("/staff/leader-board/", {"addressee": "x"}))  # a bad one: the first


# --- the office's list through the API (GET /api/v1/staff/inbox/?box=leader) ----------------

def _ids(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["public_id"] for row in response.json()["results"]]


def test_the_office_reads_its_leaders_board_through_the_inbox_api(personas, directory, office, login):
    """The page had no API: a leader's office syncing its messages into its own system could not
    list them (box=unit holds only the cases its unit handles)."""
    p, d = personas, directory
    pending = submit(p["citizen"], d, title="写给市长还没审核的路灯问题", addressee=d["mayor"])
    handling = dispatched(p, d, submit(p["citizen"], d, title="写给市长正在办理的噪音问题", addressee=d["mayor"]))
    answered = replied(p, d, submit(p["citizen"], d, title="写给市长已经答复的路灯问题", addressee=d["mayor"]))
    dispatched(p, d, submit(p["citizen"], d, title="写给职能部门的路灯问题"))
    c = login(office)
    url = "/api/v1/staff/inbox/"
    listed = c.get(url, {"box": "leader"})
    assert _ids(listed) == [answered.public_id, handling.public_id, pending.public_id]  # newest first, as the page
    assert listed.json()["results"][0]["url"].endswith(f"/api/v1/staff/cases/{answered.public_id}/")
    assert _ids(c.get(url, {"box": "leader", "show": "pending"})) == [pending.public_id]
    assert _ids(c.get(url, {"box": "leader", "show": "answered"})) == [answered.public_id]
    assert _ids(c.get(url, {"box": "leader", "q": "路灯"})) == [answered.public_id, pending.public_id]
    assert _ids(c.get(url, {"box": "leader", "q": "路灯", "show": "handling"})) == []
    assert _ids(c.get(url, {"box": "leader", "leader": d["mayor"].pk})) == _ids(listed)
    # bad values: a 400 naming the parameter, in Chinese
    bad = c.get(url, {"box": "leader", "show": "late"})
    assert bad.status_code == 400 and "待审核" in bad.json()["error"]["fields"]["show"][0]
    bad = c.get(url, {"box": "leader", "leader": d["mayor"].pk + 1000})
    assert bad.status_code == 400 and "不受理该留言对象" in bad.json()["error"]["fields"]["leader"][0]
    bad = c.get(url, {"box": "unit", "show": "pending"})
    assert bad.status_code == 400 and "只用于 box=leader" in bad.json()["error"]["fields"]["show"][0]
    assert c.get(url, {"box": "leader", "q": "！？"}).status_code == 400
    # an officer of a unit that receives no leader's messages: 403, in Chinese
    denied = login(p["officer"]).get(url, {"box": "leader"})
    assert denied.status_code == 403 and "不是任何领导留言板的受理单位" in denied.json()["error"]["message"]


def test_an_office_of_two_leaders_names_the_one_it_lists_in_the_api(personas, directory, login):
    from minsheng.directory.models import Addressee

    p, d = personas, directory
    secretary = Addressee.objects.create(title="城关区委书记", region=d["chengguan"], unit=d["cg_gov"], sort=1)
    head = Addressee.objects.create(title="城关区区长", region=d["chengguan"], unit=d["cg_gov"], sort=2)
    submit(p["citizen"], d, title="写给区委书记的留言", addressee=secretary)
    to_head = submit(p["citizen"], d, title="写给区长的留言", addressee=head)
    c = login(make_user("cg_officer", role="officer", unit=d["cg_gov"]))
    unnamed = c.get("/api/v1/staff/inbox/", {"box": "leader"})  # not a silent half of its messages
    assert unnamed.status_code == 400 and f"{head.pk} (城关区区长)" in unnamed.json()["error"]["fields"]["leader"][0]
    assert _ids(c.get("/api/v1/staff/inbox/", {"box": "leader", "leader": head.pk})) == [to_head.public_id]


def test_the_inbox_schema_names_the_leader_box(client):
    schema = client.get("/api/schema/?format=json").json()
    params = {p["name"]: p for p in schema["paths"]["/api/v1/staff/inbox/"]["get"]["parameters"]}
    assert "leader" in params["box"]["schema"]["enum"]
    assert {"show", "leader", "q"} <= set(params)
    assert "overdue" in params["show"]["schema"]["enum"]


# --- keyword search on the leader's boards -----------------------------------------------

def test_the_office_page_searches_and_keeps_the_keyword_through_tabs_and_pages(personas, directory, office,
                                                                                login):
    p, d = personas, directory
    lamp = dispatched(p, d, submit(p["citizen"], d, title="写给市长的路灯问题", addressee=d["mayor"]))
    submit(p["citizen"], d, title="写给市长的噪音问题", addressee=d["mayor"])
    c = login(office)
    page = text(c.get("/staff/leader-board/", {"q": "路灯"}))
    assert lamp.title in page and "噪音" not in page
    assert 'name="q"' in page and 'value="路灯"' in page
    assert "全部 (1)" in page and "待审核 (0)" in page  # the tabs count the matches
    assert 'show=handling&amp;q=%E8%B7%AF%E7%81%AF"' in page  # a tab keeps the keyword
    assert "没有找到相关留言" in text(c.get("/staff/leader-board/", {"q": "路灯", "show": "pending"}))
    assert "没有可搜索的文字" in text(c.get("/staff/leader-board/", {"q": "！？"}))


def test_the_office_pages_keep_the_keyword(personas, directory, office, login):
    from minsheng.board.views import staff

    p, d = personas, directory
    for i in range(staff.PAGE_SIZE + 1):
        submit(p["citizen"], d, title=f"写给市长的路灯问题{i}号", addressee=d["mayor"])
    page = text(login(office).get("/staff/leader-board/", {"q": "路灯"}))
    assert "q=%E8%B7%AF%E7%81%AF&amp;page=2" in page


def test_a_leaders_public_board_searches_and_keeps_the_keyword(client, personas, directory):
    p, d = personas, directory
    lamp = replied(p, d, submit(p["citizen"], d, title="写给市长的路灯问题", addressee=d["mayor"]))
    noise = dispatched(p, d, submit(p["citizen"], d, title="写给市长的噪音问题", addressee=d["mayor"]))
    board = f"/leaders/{d['mayor'].pk}/"
    page = text(client.get(board, {"q": "路灯"}))
    assert lamp.title in page and noise.title not in page
    assert 'value="路灯"' in page and "全部 (1)" in page and "办理中 (0)" in page
    assert '?status=answered&amp;q=%E8%B7%AF%E7%81%AF"' in page  # a tab keeps the keyword
    answered = text(client.get(board, {"q": "路灯", "status": "answered"}))
    assert lamp.title in answered and 'name="status" value="answered"' in answered  # a new search keeps the tab
    assert "没有找到相关留言" in text(client.get(board, {"q": "路灯", "status": "handling"}))
    assert noise.title in text(client.get(board, {"q": "！？"}))  # nothing to search: all, and says so


def test_the_office_list_says_whether_each_answered_message_was_answered_on_time(
        personas, directory, office, login, django_capture_on_commit_callbacks):
    """Its 答复期限 column said 「—」 once a message was answered: the office could not tell the replies
    given in time from the late ones, which the leader asks about first."""
    from minsheng.stats.models import MessageFact

    p, d = personas, directory
    with django_capture_on_commit_callbacks(execute=True):
        in_time = replied(p, d, submit(p["citizen"], d, title="写给市长按时答复", addressee=d["mayor"]))
        late = replied(p, d, submit(p["citizen"], d, title="写给市长逾期答复", addressee=d["mayor"]))
    MessageFact.objects.filter(message=late).update(on_time=False)  # its first reply came after the deadline
    page = text(login(office).get("/staff/leader-board/", {"show": "answered"}))
    rows = {m.title: page.split(m.title, 1)[1].split("</tr>", 1)[0] for m in (in_time, late)}
    assert '<td data-label="答复期限" class="nowrap">按时答复</td>' in rows[in_time.title]
    assert '<td data-label="答复期限" class="nowrap"><span class="overdue">逾期答复</span></td>' in rows[late.title]


def test_the_offices_statistics_open_on_its_leaders_region(personas, directory, office, login):
    """The office of 兰州市市长 pressed 统计 and read 甘肃省's figures: the pages open on a supervisor's or
    dispatcher's own region, and the office had none; it opens on its leader's, as the board's figures do."""
    c = login(office)
    mayor_region = directory["mayor"].region
    for path in ("/stats/", "/stats/units/"):
        page = text(c.get(path))
        assert f"· {mayor_region.name}</h1>" in page, path


def test_the_leader_board_links_to_its_figures_of_this_month_and_last_month(personas, directory, office, login,
                                                                            django_capture_on_commit_callbacks):
    """Leader's office walk 2026-12-06: the staffer who reports the month's figures of the leader's board found
    on it the figures of all time alone, no period and no export, and no way to /stats/?addressee=, which has
    both. The board links to them now: 本月 and 上月, of its leader's messages and region."""
    import datetime as dt

    from django.utils import timezone

    p, d = personas, directory
    with django_capture_on_commit_callbacks(execute=True):
        replied(p, d, submit(p["citizen"], d, title="写给市长已经答复", addressee=d["mayor"]))
        dispatched(p, d, submit(p["citizen"], d, title="写给市长正在办理", addressee=d["mayor"]))
    c = login(office)
    page = text(c.get("/staff/leader-board/"))
    today = timezone.localdate()
    month = today.replace(day=1)
    last = (month - dt.timedelta(days=1)).replace(day=1)
    region = d["mayor"].region.code
    links = dict(re.findall(r'<a href="(/stats/\?[^"]+)">(本月|上月)</a>', page))
    this_month = (f"/stats/?addressee={d['mayor'].pk}&amp;region={region}"
                  f"&amp;date_from={month.isoformat()}&amp;date_to={today.isoformat()}")
    last_month = (f"/stats/?addressee={d['mayor'].pk}&amp;region={region}"
                  f"&amp;date_from={last.isoformat()}&amp;date_to={(month - dt.timedelta(days=1)).isoformat()}")
    assert links == {this_month: "本月", last_month: "上月"}
    shown = text(c.get(this_month.replace("&amp;", "&")))
    assert "只统计写给「兰州市市长」" in shown
    assert re.search(r'<span class="value">2</span><span class="name">受理留言</span>', shown)
    assert "导出" in shown


def test_a_leader_offices_account_lands_on_its_leader_board_after_login(personas, directory, office):
    """A leader's office signing in landed on an empty 本单位待办 (its messages are on 领导来信), though the demo's
    login table gave /staff/leader-board/ as its page (supervisor walk, 2026-12-06). ``next=`` still wins, and
    an officer of a unit that is no leader's office still lands on 本单位待办."""
    from django.test import Client

    from .conftest import PASSWORD

    def landing(user, next_page=""):
        query = f"?next={next_page}" if next_page else ""
        response = Client().post(f"/accounts/login/{query}", {"username": user.username, "password": PASSWORD})
        assert response.status_code == 302
        return response["Location"]

    assert landing(office) == "/staff/leader-board/"
    assert landing(office, "/stats/") == "/stats/"
    assert landing(personas["officer"]) == "/staff/"
    # an office that handles cases of its own too (an officer also of 住建局) keeps 本单位待办
    from minsheng.accounts.models import Membership

    Membership.objects.create(user=office, role=Membership.Role.OFFICER, unit=directory["housing"])
    assert landing(office) == "/staff/"


def test_a_leader_offices_account_typing_staff_is_sent_on_to_its_leader_board(personas, directory, office, login):
    """/staff/ showed a leader's office an empty 本单位待办 (its messages are on 领导来信), where a dispatcher or
    supervisor is sent on to their own list (walk of 2026-12-06). It is sent on to its board, unless its unit
    holds cases of its own there."""
    response = login(office).get("/staff/")
    assert response.status_code == 302 and response["Location"] == "/staff/leader-board/"
    assert login(personas["officer"]).get("/staff/").status_code == 200
    m = dispatched(personas, directory, submit(personas["citizen"], directory), unit=directory["center"])
    page = login(office).get("/staff/")
    assert page.status_code == 200 and m.title in page.content.decode()


def test_a_leader_offices_unit_with_cases_of_its_own_to_handle_lands_on_them(personas, directory, office):
    """Review of 2026-12-06: the unit receiving a leader's messages is often a unit that handles cases too (兰州市政务
    服务中心 is sent those of 政务服务): its officer, with a case waiting in 本单位待办, landed on 领导来信 after login
    and saw nothing of it. With no case of its units in hand it still lands on 领导来信."""
    from django.test import Client

    from .conftest import PASSWORD

    def landing():
        response = Client().post("/accounts/login/", {"username": office.username, "password": PASSWORD})
        assert response.status_code == 302
        return response["Location"]

    assert landing() == "/staff/leader-board/"
    dispatched(personas, directory, submit(personas["citizen"], directory, title="政务大厅排队太久"), directory["center"])
    assert landing() == "/staff/"



def test_an_office_opening_staff_reads_its_leaders_addressees_once(personas, directory, office, login,
                                                                  django_assert_num_queries):
    """``Roles.office_only`` read again the 留言对象 rows ``office_addressee_ids`` had just read (for their units),
    on every /staff/ an office opens: once is enough. Both ways out of /staff/: sent on to 领导来信 while its unit
    holds no case, the inbox page once it holds one."""
    c = login(office)
    c.get("/staff/leader-board/")  # the session's first-use reads, out of the count
    with django_assert_num_queries(5) as sent_on:  # session, user, roles, 留言对象, cases in hand
        assert c.get("/staff/")["Location"] == "/staff/leader-board/"
    assert len([q for q in sent_on.captured_queries if 'FROM "directory_addressee"' in q["sql"]]) == 1
    dispatched(personas, directory, submit(personas["citizen"], directory), unit=directory["center"])
    with django_assert_num_queries(9) as inbox:
        assert c.get("/staff/").status_code == 200
    assert len([q for q in inbox.captured_queries if 'FROM "directory_addressee"' in q["sql"]]) == 1



def test_the_leader_box_counts_late_as_of_the_minute_the_page_does(personas, directory, office, login, monkeypatch):
    """已超期 on the page is as of the minute (board.deadlines.clock, one rule with 督办 and the inbox), while the API's
    box=leader read the exact second: a case due seconds ago was late there and not on the page (review, 2026-12-07)."""
    import datetime as dt

    from django.utils import timezone

    p, d = personas, directory
    just = dispatched(p, d, submit(p["citizen"], d, title="写给市长刚到期", addressee=d["mayor"]))
    at = timezone.now().replace(second=30, microsecond=0)
    monkeypatch.setattr(timezone, "now", lambda: at)
    type(just).objects.filter(pk=just.pk).update(due_at=at - dt.timedelta(seconds=10))
    c = login(office)
    page = text(c.get("/staff/leader-board/", {"show": "overdue"}))
    assert "写给市长刚到期" not in page
    assert _ids(c.get("/api/v1/staff/inbox/", {"box": "leader", "show": "overdue"})) == []
    monkeypatch.setattr(timezone, "now", lambda: at + dt.timedelta(minutes=1))
    assert "写给市长刚到期" in text(c.get("/staff/leader-board/", {"show": "overdue"}))
    assert _ids(c.get("/api/v1/staff/inbox/", {"box": "leader", "show": "overdue"})) == [just.public_id]


def test_the_office_page_names_the_units_handling_each_case_as_its_api_does(personas, directory, office, login):
    """The page named one unit (its newest lead share) and 「—」, the API's box=leader every unit handling it:
    a case led by two units (联合办理) names both on each, one not dispatched 「尚未派单」."""
    from .test_staff_pages import jointly_led

    p, d = personas, directory
    pending = submit(p["citizen"], d, title="写给市长还没派单的留言", addressee=d["mayor"])
    joint = dispatched(p, d, submit(p["citizen"], d, title="写给市长两个单位主办的留言", addressee=d["mayor"]))
    jointly_led(joint, d["ecology"], joint.due_at)
    c = login(office)
    page = text(c.get("/staff/leader-board/"))
    row = page[page.index(joint.title):]
    row = row[: row.index("</tr>")]
    assert '<td data-label="主办单位">住建局、生态环境局</td>' in row
    row = page[page.index(pending.title):]
    assert '<td data-label="主办单位"><span class="muted">尚未派单</span></td>' in row[: row.index("</tr>")]
    items = {i["title"]: i for i in c.get("/api/v1/staff/inbox/", {"box": "leader"}).json()["results"]}
    assert [u["name"] for u in items[joint.title]["lead_units"]] == ["兰州市住房和城乡建设局", "兰州市生态环境局"]
    assert items[pending.title]["lead_units"] == []
