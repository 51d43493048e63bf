# ruff: noqa: F811  (pytest fixtures imported from test_api_support and test_staff_partial_search)
"""A citizen gives a landline with an extension: 0931-8123456-802, 0931-8123456转802, (0931)8123456 ext. 802,
8123456分机802. The officer on the phone types the main number's last digits (「3456」, 「8123456」): until
2026-12-08 the staff lists' 查找 read the extension as the number's end and found nothing, a 转 or 分机 made no number
at all, the case page showed the number as sent. (A public text hiding the extension with the number: tests/test_moderation.py.)"""

from __future__ import annotations

import pytest
from django.urls import reverse

from minsheng.board.models import Message

from .test_api_staff import LAMP_DRAFT, _lamp_case, case_url
from .test_api_support import api_key, as_persona, token_client  # noqa: F401 (fixtures)
from .test_staff_partial_search import LIFT_ID, NOTICE, WAITING_ID, _set, calls  # noqa: F401 (fixture)
from .test_staff_qa import row_titles, text

pytestmark = pytest.mark.django_db

WITH_EXTENSION = ("0931-8123456-802", "0931-8123456转802", "(0931)8123456 ext802", "8123456分机802",
                  "+86 931 8123456 x802", "0931 8123456 转分机 802")
# the number's last digits, the number whole, and the last digits of the number and the extension read together
FINDS = ("3456", "8123456", "23456")
FINDS_WHOLE = ("6802", "456802")
# the extension alone (too short: the words alone), the middle of the number, a year: nothing
FINDS_NOTHING = ("802", "1234", "9318", "2026", "8123")


def test_the_inbox_finds_a_landline_with_an_extension_by_its_numbers_last_digits(personas, calls, login):
    client = login(personas["officer"])
    inbox = reverse("board:inbox")
    for phone in WITH_EXTENSION:
        _set(calls["lift"], LIFT_ID, phone)
        for typed in FINDS + FINDS_WHOLE:
            assert row_titles(text(client.get(inbox, {"q": typed}))) == [calls["lift"].title], (phone, typed)
        for typed in FINDS_NOTHING:
            assert row_titles(text(client.get(inbox, {"q": typed}))) == [], (phone, typed)
    page = text(client.get(inbox, {"q": "8123456"}))
    assert NOTICE.format("8123456") in page
    # its area code with it, as a caller gives it whole (+86 read as the 0, as national_phone reads it)
    for phone in ("0931-8123456转802", "+86 931 8123456 x802", "0086 931 8123456-802"):
        _set(calls["lift"], LIFT_ID, phone)
        for typed in ("09318123456", "0931-8123456", "(0931)8123456", "318123456"):
            assert row_titles(text(client.get(inbox, {"q": typed}))) == [calls["lift"].title], (phone, typed)


def test_a_number_written_in_groups_is_no_number_with_an_extension(personas, calls, login):
    """0931-812-3456 is one number in three groups (its last is no extension): found by its end, 「3456」, not by
    「0931812」 as if 3456 were an extension."""
    _set(calls["lift"], LIFT_ID, "0931-812-3456")
    client = login(personas["officer"])
    assert row_titles(text(client.get(reverse("board:inbox"), {"q": "3456"}))) == [calls["lift"].title]
    assert row_titles(text(client.get(reverse("board:inbox"), {"q": "0931812"}))) == []


def test_the_dispatchers_queue_finds_it_too(personas, calls, login):
    _set(calls["waiting"], WAITING_ID, "(0931)8123457 x 802")
    client = login(personas["dispatcher"])
    for typed in ("3457", "8123457", "7802"):
        queue = text(client.get(reverse("board:triage"), {"q": typed}))
        assert calls["waiting"].title in queue and calls["lift"].title not in queue, typed
    queue = text(client.get(reverse("board:triage"), {"q": "3456"}))
    assert calls["waiting"].title not in queue


def test_the_api_boxes_find_it_as_the_pages_do(personas, calls, as_persona):
    _set(calls["lift"], LIFT_ID, "0931-8123456转802")
    _set(calls["waiting"], WAITING_ID, "8123457分机802")

    def found(persona, box, q):
        response = as_persona(persona).get("/api/v1/staff/inbox/", {"box": box, "q": q})
        assert response.status_code == 200, response.content
        return [m["public_id"] for m in response.json()["results"]]

    assert found("officer", "unit", "3456") == [LIFT_ID]
    assert found("officer", "unit", "8123456") == [LIFT_ID]
    assert found("officer", "unit", "6802") == [LIFT_ID]
    assert found("officer", "unit", "802") == []
    assert found("officer", "unit", "2026") == []
    assert found("dispatcher", "dispatch", "8123457") == [WAITING_ID]
    assert found("dispatcher", "dispatch", "8123456") == []
    assert found("other_officer", "unit", "3456") == []


def test_the_case_page_shows_the_number_to_dial_and_the_extension(personas, calls, login):
    client = login(personas["officer"])
    for phone, shown in (("0931-8123456转802", "电话 0931-8123456 分机 802"),
                         ("0931-8123456-802", "电话 0931-8123456 分机 802"),
                         ("(0931)8123456 EXT802", "电话 (0931)8123456 分机 802"),
                         ("8123456分机802", "电话 8123456 分机 802"),
                         ("0931-8123456", "电话 0931-8123456</span>")):
        _set(calls["lift"], LIFT_ID, phone)
        page = text(client.get(f"/staff/case/{LIFT_ID}/"))
        assert shown in page, phone


def test_a_reply_naming_the_citizens_landline_without_its_extension_is_refused(as_persona, personas, directory):
    """The citizen's 联系电话 is 0931-8123456转802: a reply publishing 0931-8123456 (or the number with the extension)
    publishes their line — the preview said nothing, the line read as another number than 8123456."""
    m = _lamp_case(personas, directory)
    Message.objects.filter(pk=m.pk).update(contact_phone="0931-8123456转802")
    officer = as_persona("officer")
    for named in ("0931-8123456", "0931-8123456转802", "(0931)8123456-802"):
        leak = officer.post(case_url(m, "reply-preview"), {"body": f"{LAMP_DRAFT}已致电{named}与您核实。"},
                            format="json").json()
        assert leak["personal_data"] == "答复中含有留言人的个人信息 (固定电话), 答复会公开发布, 请删去后再发布", named


def test_the_units_own_mobile_with_an_extension_is_no_one_elses(as_persona, personas, directory):
    """Review of 2026-12-08: the unit's own 联系电话 13609311234 written with an extension in its reply was warned of
    as 「他人的手机号」; another mobile with one still is."""
    m = _lamp_case(personas, directory)
    unit = m.assignments.get().unit
    unit.contact_phone = "13609311234"
    unit.save(update_fields=["contact_phone"])
    officer = as_persona("officer")

    def said(named):
        return officer.post(case_url(m, "reply-preview"), {"body": f"{LAMP_DRAFT}如有疑问, 联系电话 {named}。"},
                            format="json").json()["personal_data"]

    assert said("13609311234转802") == ""
    assert "答复中含有他人的手机号 13709315678转802" in said("13709315678转802")
