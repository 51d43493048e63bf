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
NOTICE = "以下是留言编号或联系电话末几位为「{0}」, 或标题、内容含「{0}」的留言。"


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
    assert NOTICE.format("0711") in page
    assert "可查留言编号、联系电话 (或其末 4 位以上), 或标题、内容中的词" in page
    # the dispatcher's queue too (its region's contact data are the dispatcher's to see)
    queue = text(login(personas["dispatcher"]).get(reverse("board:triage"), {"q": "0711"}))
    assert calls["waiting"].title in queue and calls["lamp"].title not in queue
    assert NOTICE.format("0711") in queue
    # another unit's officer finds nothing: the list holds their unit's cases alone
    assert row_titles(text(login(personas["other_officer"]).get(inbox, {"q": "0711"}))) == []


def test_the_last_digits_of_the_message_number_find_its_case(personas, calls, login):
    client = login(personas["officer"])
    inbox = reverse("board:inbox")
    for typed in ("000123", "0123", "1201000123"):
        assert row_titles(text(client.get(inbox, {"q": typed}))) == [calls["lift"].title], typed
    queue = text(login(personas["dispatcher"]).get(reverse("board:triage"), {"q": "000789"}))
    assert calls["waiting"].title in queue and calls["lift"].title not in queue


def test_a_date_at_the_head_of_the_message_numbers_finds_nothing(personas, calls, login):
    """Every 留言编号 starts with its date: 「20261201」 (or 「2026」) would list every case of the day (of the
    year), none picked out. The tail a citizen reads out is what finds (review, 2026-12-07)."""
    client = login(personas["officer"])
    for typed in ("20261201", "2026", "202612"):
        page = text(client.get(reverse("board:inbox"), {"q": typed}))
        assert row_titles(page) == [], typed
        # one or the other: no 「以下是…」 above 「待办中没有与…」
        assert (
            f"待办中没有与「{typed}」相符的留言" in page and "以下是留言编号或联系电话末几位" not in page
        ), typed
    queue = text(login(personas["dispatcher"]).get(reverse("board:triage"), {"q": "20261202"}))
    assert calls["waiting"].title not in queue and "队列中没有与「20261202」相符的留言" in queue
    assert "以下是留言编号或联系电话末几位" not in queue


def test_the_middle_of_a_phone_number_finds_nothing(personas, calls, login):
    """Phones match on their ending alone: 「1234」, the middle of 13912340711 (and of 13712340711), is no
    number anyone reads out."""
    page = text(login(personas["officer"]).get(reverse("board:inbox"), {"q": "1234"}))
    assert row_titles(page) == []
    queue = text(login(personas["dispatcher"]).get(reverse("board:triage"), {"q": "1234"}))
    assert calls["waiting"].title not in queue


def test_a_landline_kept_as_written_is_found_by_its_digits(personas, directory, calls, login):
    """A 12345 caller's landline (Open311's ``phone``) is kept as sent, 0931-8123456: its digits typed whole or its
    last ones find the case, the dashes aside."""
    landline = _set(dispatch(personas, directory, "座机来电反映的噪声问题"), "20261203000888", "0931-8123456")
    client = login(personas["officer"])
    for typed in (
        "0931-8123456",
        "09318123456",
        "(0931)8123456",
        "（0931）8123456",
        "0931 812 3456",
        "8123456",
        "3456",
    ):
        assert row_titles(text(client.get(reverse("board:inbox"), {"q": typed}))) == [landline.title], typed
    # with an extension: the number's end finds it (since 2026-12-08: tests/test_phone_extension.py), and so does
    # the end of the number and the extension read together
    extension = _set(
        dispatch(personas, directory, "分机来电反映的问题"), "20261203000666", "0931-8123400-801"
    )
    assert row_titles(text(client.get(reverse("board:inbox"), {"q": "8123400"}))) == [extension.title]
    assert row_titles(text(client.get(reverse("board:inbox"), {"q": "0801"}))) == [extension.title]
    assert row_titles(text(client.get(reverse("board:inbox"), {"q": "3400801"}))) == [extension.title]


def test_a_landline_kept_with_86_is_found_by_its_number_read_at_home(personas, directory, calls, login):
    """A landline sent as 「+86 931 8123457」 is 0931-8123457 read at home: its whole number typed so, its
    last digits, or the +86 form itself find the case."""
    landline = _set(
        dispatch(personas, directory, "国际格式座机反映的噪声"), "20261203000777", "+86 931 8123457"
    )
    client = login(personas["officer"])
    for typed in ("09318123457", "0931-8123457", "+86 931 8123457", "8123457", "3457"):
        assert row_titles(text(client.get(reverse("board:inbox"), {"q": typed}))) == [landline.title], typed


def test_three_digits_or_fewer_search_the_words_as_before(personas, calls, login):
    client = login(personas["officer"])
    for typed in ("711", "123", "07 1"):
        page = text(client.get(reverse("board:inbox"), {"q": typed}))
        assert row_titles(page) == [], typed
        assert "待办中没有与" in page and "以下是留言编号或联系电话末几位" not in page


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
    assert found(officer, "unit", "20261201") == []  # the date every number of the day starts with
    assert found(officer, "unit", "1234") == []  # the middle of the phone number
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
