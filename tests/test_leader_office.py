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
