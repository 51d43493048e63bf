# ruff: noqa: F811  (a pytest fixture imported from test_hotspot_pages)
"""Where a hotspot meets the workbench and the public: the staff case page and API name the
hotspot a case belongs to, and a hotspot's public figures are those of its public messages."""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

from minsheng.board import actions
from minsheng.insight import hotspots_service
from minsheng.insight.models import Hotspot

from .conftest import supported_by
from .test_hotspot_pages import LIFT, OTHER_LIFT, citizens, lift_hotspot, post  # noqa: F401 (fixture)


def hotspot_note(page: str) -> str:
    found = re.search(r'<p class="meta hotspot-note">(.*?)</p>', page, re.S)
    return found.group(1) if found else ""


def test_the_staff_case_page_says_the_case_belongs_to_a_hotspot(lift_hotspot, directory, personas, login):
    """The case page said nothing of the 55 others raising the same problem: an officer answered
    the one case without the hotspot's page, a dispatcher routed it without its flags."""
    hotspot, messages = lift_hotspot
    # its first letter 100 days ago (4 unresolved): 老大难 as the hour's pass reads it, which clears a flag it does not give
    Hotspot.objects.filter(pk=hotspot.pk).update(chronic=True, needs_coordination=True,
                                                 first_at=timezone.now() - dt.timedelta(days=100))
    case = f"/staff/case/{messages[0].public_id}/"
    for who, flags in (("dispatcher", False), ("supervisor", True)):  # flags as on the hotspot's page
        note = hotspot_note(login(personas[who]).get(case).content.decode())
        assert f'<a href="/hotspots/{hotspot.pk}/">{hotspot.title}</a>' in note
        assert f"共 {hotspot.message_count} 条留言" in note
        assert ("老大难" in note) == flags and ("需多部门协调" in note) == flags
    actions.do_dispatch(personas["dispatcher"], messages[1], directory["housing"])
    assert hotspot.title in hotspot_note(login(personas["officer"]).get(f"/staff/case/{messages[1].public_id}/")
                                         .content.decode())
    alone = post(personas["citizen"], *OTHER_LIFT, directory["chengguan"], personas["dispatcher"])
    hotspots_service.place_message(alone)  # a hotspot of one message is a case, not a hotspot
    assert hotspot_note(login(personas["dispatcher"]).get(f"/staff/case/{alone.public_id}/").content.decode()) == ""


def test_a_case_in_a_hotspot_not_yet_public_links_it_only_for_its_supervisors(directory, personas, login):
    """The hotspot's page answers 404 to everyone but its region's supervisors while none of its
    messages is public: the dispatcher reads its title without a dead link."""
    people = citizens(2)
    start = timezone.now() - dt.timedelta(days=1)
    pending = [post(p, t, b, directory["chengguan"], personas["dispatcher"], accept=False,
                    at=start + dt.timedelta(hours=i)) for i, (p, (t, b)) in enumerate(zip(people, LIFT, strict=False))]
    for m in pending:
        hotspot = hotspots_service.place_message(m)
    hotspot.refresh_from_db()
    assert hotspot.message_count == 2 and hotspot.public_count == 0
    case = f"/staff/case/{pending[0].public_id}/"
    note = hotspot_note(login(personas["dispatcher"]).get(case).content.decode())
    assert hotspot.title in note and "热点页面未公开" in note and "/hotspots/" not in note
    assert login(personas["dispatcher"]).get(f"/hotspots/{hotspot.pk}/").status_code == 404
    note = hotspot_note(login(personas["supervisor"]).get(case).content.decode())
    assert f'<a href="/hotspots/{hotspot.pk}/">' in note
    assert login(personas["supervisor"]).get(f"/hotspots/{hotspot.pk}/").status_code == 200


def test_the_staff_api_case_gives_its_hotspot(lift_hotspot, directory, personas):
    from rest_framework.test import APIClient

    from minsheng.api.models import ApiToken

    hotspot, messages = lift_hotspot
    Hotspot.objects.filter(pk=hotspot.pk).update(chronic=True)

    def case(who, message):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(personas[who], 'tests')[1]}")
        response = client.get(f"/api/v1/staff/cases/{message.public_id}/")
        assert response.status_code == 200, response.content
        return response.json()

    assert case("dispatcher", messages[0])["hotspot"] == {
        "id": hotspot.pk, "title": hotspot.title, "message_count": 4, "public": True,
        "chronic": None, "needs_coordination": None}  # the flags are for supervisors and leaders
    assert case("supervisor", messages[0])["hotspot"] == {
        "id": hotspot.pk, "title": hotspot.title, "message_count": 4, "public": True,
        "chronic": True, "needs_coordination": False}
    alone = post(personas["citizen"], *OTHER_LIFT, directory["chengguan"], personas["dispatcher"])
    hotspots_service.place_message(alone)
    assert case("dispatcher", alone)["hotspot"] is None


def test_a_hotspots_public_figures_are_those_of_its_public_messages(client, login, directory, personas):
    """The page listed and charted the public messages but gave 我也遇到, the time range and the
    citizens of every member, pending ones included: 「3 位群众」 over two public messages, a
    range ending on a day no public message was posted. Supervisors read both, labelled."""
    people = citizens(3)
    start = timezone.now() - dt.timedelta(days=20)
    shown = [post(p, *LIFT[i], directory["chengguan"], personas["dispatcher"], at=start + dt.timedelta(days=i))
             for i, p in enumerate(people[:2])]
    pending = post(people[2], *LIFT[2], directory["chengguan"], personas["dispatcher"], accept=False,
                   at=start + dt.timedelta(days=10))
    for m in (*shown, pending):
        hotspot = hotspots_service.place_message(m)
    supported_by(shown[0], citizens(2, start=10))
    supported_by(pending, citizens(7, start=20))
    hotspots_service.refresh_one(hotspot)
    hotspot.refresh_from_db()
    assert (hotspot.message_count, hotspot.public_count, hotspot.citizen_count, hotspot.support_count) == (3, 2, 3, 9)
    day = lambda m: timezone.localtime(m.submitted_at).strftime("%Y-%m-%d")  # noqa: E731
    public_range = f"{day(shown[0])} 至 {day(shown[1])}"

    page = client.get(f"/hotspots/{hotspot.pk}/").content.decode()
    assert public_range in page and f"至 {day(pending)}" not in page
    assert "已公开的来自 2 位群众" in page and "3 位群众" not in page
    assert "<dt>我也遇到</dt><dd>2 人" in page and "9 人" not in page
    assert f"{hotspot.heat:.1f}" in page  # the heat counts every member, as documented
    listed = client.get("/hotspots/").content.decode()
    row = listed[listed.index(f"/hotspots/{hotspot.pk}/"):]
    row = row[:row.index("</tr>")]
    assert public_range in row and '<td data-label="人数">2</td>' in row and '<td data-label="我也遇到">2</td>' in row

    body = client.get(f"/api/v1/hotspots/{hotspot.pk}/").json()
    assert (body["citizen_count"], body["support_count"], body["all_members"]) == (2, 2, None)
    assert body["last_at"][:10] == day(shown[1])  # local time, as the API writes it (UTC read a day early after 16:00)
    (item,) = [h for h in client.get("/api/v1/hotspots/").json()["results"] if h["id"] == hotspot.pk]
    assert {k: item[k] for k in ("first_at", "last_at", "citizen_count", "support_count", "all_members")} == \
        {k: body[k] for k in ("first_at", "last_at", "citizen_count", "support_count", "all_members")}

    supervisor = login(personas["supervisor"])
    page = supervisor.get(f"/hotspots/{hotspot.pk}/").content.decode()
    assert "已公开的来自 2 位群众" in page and "全部留言" in page
    assert f"{day(shown[0])} 至 {day(pending)}, 3 位群众, 我也遇到 9 人" in page
    assert "全部留言" not in client.get(f"/hotspots/{hotspot.pk}/").content.decode()
    everything = supervisor.get(f"/api/v1/hotspots/{hotspot.pk}/").json()["all_members"]
    assert (everything["citizen_count"], everything["support_count"]) == (3, 9)
    assert everything["last_at"][:10] == day(pending)
