"""The post form's region hint: while the citizen types, the answer of /similar/ (the box of
「已有相似留言」) also fills the line above 所在区划 (an htmx out-of-band swap) with a lower place the
text names, when the chosen region is none, a province or a prefecture: 「留言提到「七里河区」:
[选为所在区划]」. The place is read by the gazetteer the routing reads it with."""

from __future__ import annotations

import re

import pytest

from minsheng.directory.models import Region

pytestmark = pytest.mark.django_db

BODY = "七里河区西津西路的路灯坏了一个多月, 晚上出门很不安全, 请尽快修好。"
NO_PLACE = "小区门口的路灯坏了一个多月, 晚上出门很不安全, 请尽快修好。"


def hint(client, body, region="", title="路灯坏了一个多月"):
    """What the post form's region line shows after the citizen typed ``body`` (the out-of-band part
    of /similar/'s answer, as htmx asks for it), or None when the answer has no such part."""
    r = client.post("/similar/", {"title": title, "body": body, "region": region}, headers={"HX-Request": "true"})
    assert r.status_code == 200
    found = re.search(r'<div id="region-hint" hx-swap-oob="innerHTML">(.*?)</div>', r.content.decode(), re.S)
    return None if found is None else found.group(1).strip()


def test_a_place_the_text_names_is_offered_when_no_region_is_chosen(client, directory):
    line = hint(client, BODY)
    assert "留言提到「七里河区」" in line and "选为所在区划" in line
    assert "甘肃省兰州市七里河区" in line  # the whole name, so the citizen sees which 七里河区
    button = re.search(r"<button[^>]*>", line).group(0)
    assert 'type="button"' in button and "region=620103" in button


@pytest.mark.parametrize("chosen", ["province", "lanzhou"])
def test_a_lower_place_inside_the_chosen_province_or_prefecture_is_offered(client, directory, chosen):
    line = hint(client, "七里河西津西路的路灯坏了一个多月, 晚上出门很不安全。", region=directory[chosen].code)
    assert "留言提到「七里河区」" in line and "region=620103" in line


def test_nothing_is_offered_when_the_text_names_no_place(client, directory):
    assert hint(client, NO_PLACE) == ""
    assert hint(client, NO_PLACE, region=directory["lanzhou"].code) == ""


def test_a_place_outside_the_chosen_region_is_not_offered(client, directory):
    assert hint(client, BODY, region=directory["dingxi"].code) == ""


@pytest.mark.parametrize("chosen", ["chengguan", "qilihe"])
def test_nothing_is_offered_once_a_county_is_chosen(client, directory, chosen):
    assert hint(client, BODY, region=directory[chosen].code) == ""


def test_the_chosen_prefecture_named_again_is_not_offered(client, directory):
    assert hint(client, "兰州市的路灯坏了一个多月, 晚上出门很不安全。", region=directory["lanzhou"].code) == ""


def test_a_place_no_one_handles_is_not_offered(client, directory):
    """Offered, the form would refuse it on 提交留言 (本站不受理…)."""
    tianshui = Region.objects.create(code="620500", name="天水市", level=2, parent=directory["province"])
    Region.objects.create(code="620502", name="秦州区", level=3, parent=tianshui)
    assert hint(client, "秦州区的路灯坏了一个多月, 晚上出门很不安全。") == ""


def test_the_line_empties_with_the_box_and_is_left_out_without_htmx(client, directory):
    """An answer with no similar message and no place still empties the line (a place named before was
    deleted); a request that is not htmx's gets the box alone, as before."""
    r = client.post("/similar/", {"title": "咨询幼儿园报名时间", "body": NO_PLACE}, headers={"HX-Request": "true"})
    assert r.content.decode() == '<div id="region-hint" hx-swap-oob="innerHTML"></div>'
    assert client.post("/similar/", {"title": "咨询幼儿园报名时间", "body": BODY}).content == b""


def test_the_post_form_has_the_line_next_to_the_region_picker(login, personas):
    page = login(personas["citizen"]).get("/post/").content.decode()
    line = re.search(r'<div id="region-hint"[^>]*>', page).group(0)
    assert 'aria-live="polite"' in line
    assert page.index('id="region-hint"') < page.index('<div id="where"')


def test_the_line_costs_the_box_no_second_reading_of_the_text(client, directory):
    """The region the text names is read once for the line and the box (``similar_open(where=…)``): the
    gazetteer's check and the region, then whether someone serves it; the box's own queries as before."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def asked(**headers):
        with CaptureQueriesContext(connection) as queries:
            client.post("/similar/", {"title": "路灯坏了一个多月", "body": BODY}, headers=headers)
        return [q["sql"] for q in queries.captured_queries]

    plain, htmx = asked(), asked(**{"HX-Request": "true"})
    assert sum('FROM "directory_region"' in sql for sql in htmx) == 2
    assert len(htmx) - len(plain) <= 2  # check_handled: an active unit of the region or above
