# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""An officer with 200 cases takes a call: the citizen reads out the last digits of their phone, or of the 留言编号.
The staff lists' 查找 (queue_matches: 在待办中查找, the queue's, the API's box=unit and box=dispatch) found a case by
the whole number alone; 「0711」 found nothing (2026-12-07)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from minsheng.board.models import Message

from .conftest import make_user
from .test_api_support import api_key, as_persona, token_client  # noqa: F401 (fixtures)
from .test_public_pages import submit as public_submit
from .test_staff_qa import dispatch, row_titles, submit, text

pytestmark = pytest.mark.django_db

LIFT_ID, LAMP_ID, WAITING_ID = "20261201000123", "20261201000456", "20261202000789"


def _set(m, public_id, phone) -> Message:
    Message.objects.filter(pk=m.pk).update(public_id=public_id, contact_phone=phone)
    return Message.objects.get(pk=m.pk)


@pytest.fixture
def calls(personas, directory):
    """住建局's two cases (the citizen's phone ends in 0711, the other's in 0002) and one in the dispatcher's queue."""
    lift = _set(dispatch(personas, directory, "敦煌路小区加装电梯进展缓慢"), LIFT_ID, "13912340711")
    lamp = _set(dispatch(personas, directory, "西固区路灯不亮"), LAMP_ID, "13800000002")
    waiting = _set(submit(personas, directory, "七里河区小区停车难"), WAITING_ID, "13712340711")
    return {"lift": lift, "lamp": lamp, "waiting": waiting}


def test_the_officer_finds_a_case_by_the_last_digits_of_the_citizens_phone(personas, calls, login):
    client = login(personas["officer"])
    inbox = reverse("board:inbox")
    for typed in ("0711", "０７１１", "40711", "1234 0711", "1234-0711"):
        page = text(client.get(inbox, {"q": typed}))
        assert row_titles(page) == [calls["lift"].title], typed
    page = text(client.get(inbox, {"q": "0711"}))
    assert "待办(主办) (1)" in page
    # what it matched, said above the list
    assert "「0711」: 留言编号中有这几位数字、留言人手机号以这几位结尾, 或标题、内容中有这个词的留言" in page
    # the dispatcher's queue too (its region's contact data are the dispatcher's to see)
    queue = text(login(personas["dispatcher"]).get(reverse("board:triage"), {"q": "0711"}))
    assert calls["waiting"].title in queue and calls["lamp"].title not in queue
    # another unit's officer finds nothing: the list holds their unit's cases alone
    assert row_titles(text(login(personas["other_officer"]).get(inbox, {"q": "0711"}))) == []


def test_a_part_of_the_message_number_finds_its_case(personas, calls, login):
    client = login(personas["officer"])
    inbox = reverse("board:inbox")
    for typed in ("000123", "0123", "1201000123"):
        assert row_titles(text(client.get(inbox, {"q": typed}))) == [calls["lift"].title], typed
    # digits both numbers hold: both cases
    assert sorted(row_titles(text(client.get(inbox, {"q": "20261201"})))) == sorted(
        [calls["lift"].title, calls["lamp"].title]
    )
    queue = text(login(personas["dispatcher"]).get(reverse("board:triage"), {"q": "000789"}))
    assert calls["waiting"].title in queue and calls["lift"].title not in queue


def test_a_landline_kept_as_written_is_found_by_its_digits(personas, directory, calls, login):
    """A 12345 caller's landline (Open311's ``phone``) is kept as sent, 0931-8123456: its digits typed whole or its
    last ones find the case, the dashes aside."""
    landline = _set(dispatch(personas, directory, "座机来电反映的噪声问题"), "20261203000888", "0931-8123456")
    client = login(personas["officer"])
    for typed in ("0931-8123456", "09318123456", "8123456", "3456"):
        assert row_titles(text(client.get(reverse("board:inbox"), {"q": typed}))) == [landline.title], typed


def test_three_digits_or_fewer_search_the_words_as_before(personas, calls, login):
    client = login(personas["officer"])
    for typed in ("711", "123", "07 1"):
        page = text(client.get(reverse("board:inbox"), {"q": typed}))
        assert row_titles(page) == [], typed
        assert "待办中没有与" in page and "留言编号中有这几位数字" not in page


def test_digits_keep_the_word_searchs_matches(personas, directory, calls, login):
    """A number in a title (「12345热线」) is still found by its words: both searches, not one for the other."""
    hotline = _set(dispatch(personas, directory, "拨打12345热线无人接听"), "20261203000999", "13600000000")
    page = text(login(personas["officer"]).get(reverse("board:inbox"), {"q": "12345"}))
    assert row_titles(page) == [hotline.title]


def test_the_api_boxes_find_by_the_last_digits_as_the_pages_do(personas, calls, as_persona):
    officer, dispatcher = as_persona("officer"), as_persona("dispatcher")

    def found(client, box, q):
        response = client.get("/api/v1/staff/inbox/", {"box": box, "q": q})
        assert response.status_code == 200, response.content
        return [m["public_id"] for m in response.json()["results"]]

    assert found(officer, "unit", "0711") == [LIFT_ID]
    assert found(officer, "unit", "000456") == [LAMP_ID]
    assert found(officer, "unit", "711") == []
    assert found(dispatcher, "dispatch", "0711") == [WAITING_ID]
    assert found(dispatcher, "dispatch", "0789") == [WAITING_ID]
    assert found(as_persona("other_officer"), "unit", "0711") == []


def test_a_leaders_office_cannot_probe_phone_numbers(personas, directory, login):
    """A leader's office reads every message written to its leader but not the citizens' contact data
    (shows_contact): the digits of a phone must find nothing on its board, page or API."""
    office = make_user(
        "mayor_office", role="officer", unit=directory["center"], display_name="市长信箱承办人"
    )
    m = public_submit(
        personas["citizen"], directory, title="写给市长的电梯问题", addressee=directory["mayor"]
    )
    _set(m, LIFT_ID, "13912340711")
    client = login(office)
    assert m.title in text(client.get("/staff/leader-board/"))
    for typed in ("0711", "40711", "13912340711"):
        assert m.title not in text(client.get("/staff/leader-board/", {"q": typed})), typed
        response = token_client(office).get("/api/v1/staff/inbox/", {"box": "leader", "q": typed})
        assert response.status_code == 200 and response.json()["results"] == [], typed


def test_the_public_list_finds_no_message_by_digits_of_a_phone_or_number(personas, calls, client):
    """/browse/ must never match a phone number; a part of a 留言编号 finds nothing there either, as before."""
    assert calls["lift"].title in text(client.get("/browse/"))
    for typed in ("0711", "13912340711", "000123", "1201000123"):
        assert calls["lift"].title not in text(client.get("/browse/", {"q": typed})), typed
    assert calls["lift"].title in text(client.get("/browse/", {"q": LIFT_ID}))
