# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""A position far from the message's region (board/position.py): an Open311 client's rough GPS, or a wrong
region chosen. Regions carry no coordinates, so where a region lies is read from its other messages'
positions. The request is accepted and the position kept as sent; Open311's `service_notice` and the REST
API's `position_note` say how far it lies, and the officer's case page says it too (docs/open311.md,
docs/api.md; 2026-12-07)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from minsheng.board import actions
from minsheng.board.models import Message
from minsheng.board.position import distance_km, far_from, far_from_region

from .conftest import make_user
from .test_api_support import (  # noqa: F401 (fixtures)
    _fresh_rate_limits,
    _media_in_tmp,
    api_key,
    as_persona,
    submit,
)
from .test_open311 import BASE, client311, form, key, swagger_validate  # noqa: F401 (fixtures)

pytestmark = pytest.mark.django_db

# 七里河区's messages, a few streets apart (about 3 km across)
QILIHE = [
    (36.0660, 103.7810),
    (36.0590, 103.7700),
    (36.0720, 103.7950),
    (36.0550, 103.7880),
    (36.0640, 103.7760),
    (36.0680, 103.8000),
    (36.0610, 103.7850),
    (36.0700, 103.7730),
]
DUNHUANG = ("40.142100", "94.661700")  # a phone whose last fix was in 敦煌, 1,000 km away
NEARBY = ("36.063000", "103.790000")  # in 七里河区, a street from the others


def qilihe_messages(personas, directory) -> list[Message]:
    """Eight positioned messages of 七里河区, as submitted (待审核: not public)."""
    return [
        submit(
            personas["citizen"],
            directory,
            region="qilihe",
            title=f"七里河区的问题第{i + 1}件",
            latitude=Decimal(str(lat)),
            longitude=Decimal(str(lon)),
        )
        for i, (lat, lon) in enumerate(QILIHE)
    ]


@pytest.fixture
def placed(personas, directory):
    """Eight positioned public messages of 七里河区 (accepted: their positions are public, to 100 m)."""
    for m in qilihe_messages(personas, directory):
        actions.do_accept(personas["dispatcher"], m)
    cache.clear()  # the region's figures are kept a few minutes (board/position.py)
    return QILIHE


def km_from_qilihe(lat: str, lon: str) -> int:
    middle = (sorted(p[0] for p in QILIHE)[3:5], sorted(p[1] for p in QILIHE)[3:5])  # the median point
    return round(distance_km((sum(middle[0]) / 2, sum(middle[1]) / 2), (float(lat), float(lon))))


def rest_body(lat: str, lon: str, **more) -> dict:
    """A REST ``POST /messages/`` of 七里河区 at (lat, lon)."""
    return {
        "title": "小区门口路灯不亮",
        "body": "七里河区某小区门口的路灯坏了两个星期, 晚上出行很不方便, 请尽快修复。",
        "kind": "help",
        "region": "620103",
        "topic": "urban",
        "latitude": lat,
        "longitude": lon,
        **more,
    }


def test_an_open311_position_far_from_its_region_is_kept_and_said(client311, key, placed, personas, login):
    """lat/long in 敦煌 with attribute[region]=七里河区 was stored without a word; it is still accepted and
    stored as sent, and `service_notice` says it lies about N km from 七里河区, in a schema-valid answer. The
    officer's case page says it before the case is dispatched."""
    lat, lon = DUNHUANG
    response = client311.post(f"{BASE}/requests.json", form(key, lat=lat, long=lon))
    assert response.status_code == 200, response.content
    body = response.json()
    swagger_validate(["RequestResponse"], body)
    notice = body[0]["service_notice"]
    km = km_from_qilihe(lat, lon)
    assert 900 < km < 1100
    assert f"标注的位置距所选区划「七里河区」约 {km} 公里" in notice and "已按提交的位置保存" in notice, (
        notice
    )
    assert notice.startswith("留言已收到, 编号")
    message = Message.objects.get(public_id=body[0]["service_request_id"])
    assert (str(message.latitude), str(message.longitude)) == DUNHUANG
    page = login(personas["dispatcher"]).get(f"/staff/case/{message.public_id}/").content.decode()
    said = re.search(r'<p class="returned-note position-far" role="note">(.*?)</p>', page, re.S)
    assert said, page[:3000]
    assert f"约 {km} 公里" in said.group(1) and "七里河区" in said.group(1) and "核对地点" in said.group(1)
    assert "标注位置: 北纬 40.1421°, 东经 94.6617°" in page


def test_a_position_in_its_region_says_nothing_more(client311, key, placed, personas, login):
    lat, lon = NEARBY
    response = client311.post(f"{BASE}/requests.json", form(key, lat=lat, long=lon))
    assert response.status_code == 200, response.content
    notice = response.json()[0]["service_notice"]
    assert "公里" not in notice and "位置" not in notice, notice
    public_id = response.json()[0]["service_request_id"]
    page = login(personas["dispatcher"]).get(f"/staff/case/{public_id}/").content.decode()
    assert "position-far" not in page and "标注位置: 北纬 36.0630°" in page


def test_a_region_with_too_few_positions_is_judged_by_its_city_or_not_at_all(
    client311, key, directory, personas
):
    """No positioned message in 七里河区 nor in 兰州市: nothing honest can be said, and nothing is. Its city's
    (城关区's) messages are read for a region with too few of its own, and the notice says so."""
    lat, lon = DUNHUANG
    first = client311.post(f"{BASE}/requests.json", form(key, lat=lat, long=lon)).json()[0]["service_notice"]
    assert "公里" not in first, first
    for i, (la, lo) in enumerate(QILIHE):
        nearby = form(
            key,
            lat=str(la),
            long=str(lo),
            **{"attribute[region]": "620102"},
            description=f"城关区某小区第{i + 1}栋楼下的路灯坏了两个星期, 晚上出行很不方便。",
        )
        posted = client311.post(f"{BASE}/requests.json", nearby)
        assert posted.status_code == 200
        public_id = posted.json()[0]["service_request_id"]
        actions.do_accept(personas["dispatcher"], Message.objects.get(public_id=public_id))
    cache.clear()  # the region's figures are kept a few minutes (board/position.py)
    notice = client311.post(f"{BASE}/requests.json", form(key, lat=lat, long=lon)).json()[0]["service_notice"]
    assert "距所选区划「七里河区」约" in notice and "按上级区划「兰州市」已有留言的位置估算" in notice, notice


def test_the_rest_api_says_it_in_position_note(as_persona, placed):
    """POST /messages/ with a position far from its region: 201 as before, and `position_note` says how far; the
    staff case (GET /staff/cases/{id}/) has the officer's note."""
    lat, lon = DUNHUANG
    body = rest_body(lat, lon)
    r = as_persona("citizen").post("/api/v1/messages/", body, format="json")
    assert r.status_code == 201, r.content
    km = km_from_qilihe(lat, lon)
    assert f"约 {km} 公里" in r.json()["position_note"] and str(r.json()["latitude"]) == "40.1421"
    case = as_persona("dispatcher").get(f"/api/v1/staff/cases/{r.json()['public_id']}/").json()
    assert f"约 {km} 公里" in case["position_note"] and "核对地点" in case["position_note"]
    near = as_persona("citizen").post(
        "/api/v1/messages/", {**body, "latitude": NEARBY[0], "longitude": NEARBY[1]}, format="json"
    )
    assert near.status_code == 201 and near.json()["position_note"] == ""


def test_the_threshold_follows_the_regions_own_spread():
    """A district's messages a few km apart: 25 km away is far (the floor, 20 km); a county's spread over 40 km:
    27 km away is within it, 100 km is not."""
    district = [(36.0 + i * 0.005, 103.8 + i * 0.005) for i in range(10)]
    assert far_from((36.25, 103.8), district) is not None
    assert far_from((36.05, 103.8), district) is None
    county = [(35.8 + i * 0.04, 104.0 + (i % 3) * 0.1) for i in range(10)]
    assert far_from((35.98, 104.4), county) is None
    assert far_from((35.0, 104.0), county) is not None
    assert far_from((40.0, 95.0), district[:4]) is None  # too few to say


def test_the_notice_asks_nothing_the_poster_cannot_do(client311, key, placed):
    """It said 「如有误请在留言中写明地点」, after the post: nothing lets the poster add to a message posted. It says
    what happens, 「工作人员将核对地点」."""
    lat, lon = DUNHUANG
    notice = client311.post(f"{BASE}/requests.json", form(key, lat=lat, long=lon)).json()[0]["service_notice"]
    assert notice.endswith("已按提交的位置保存, 工作人员将核对地点"), notice
    assert "写明地点" not in notice


@pytest.mark.parametrize("fate", ["submitted", "rejected", "withdrawn"])
def test_positions_only_staff_may_read_are_not_read(client311, key, personas, directory, fate):
    """Eight messages of 七里河区 not public (待审核, 未受理, 已撤回): their positions are for their authors and
    staff alone. The check read them, and told the poster a distance to their median point (with 5 of them,
    one message's own point); it reads public messages' positions alone, and says nothing here."""
    for m in qilihe_messages(personas, directory):
        if fate == "rejected":
            actions.do_reject(personas["dispatcher"], m, "重复留言")
        elif fate == "withdrawn":
            actions.do_withdraw(m.author, m)
    lat, lon = DUNHUANG
    notice = client311.post(f"{BASE}/requests.json", form(key, lat=lat, long=lon)).json()[0]["service_notice"]
    assert "公里" not in notice and "位置" not in notice, notice


def test_the_region_is_placed_from_the_public_positions_as_shown(personas, directory):
    """The median point and spread are read from the positions as the public reads them (3 decimals, about
    100 m): nothing the poster is told comes from a point finer than what anyone may read."""
    from minsheng.board import position

    ms = qilihe_messages(personas, directory)
    for m in ms:
        actions.do_accept(personas["dispatcher"], m)
    Message.objects.filter(pk=ms[0].pk).update(latitude=Decimal("36.066049"), longitude=Decimal("103.781049"))
    cache.clear()
    points = {p for _, p in position.region_points(ms[0].region)}
    assert (36.066, 103.781) in points and (36.066049, 103.781049) not in points


def test_the_regions_figures_are_read_once_for_a_few_minutes(personas, directory, placed):
    """The check read every positioned message of the region (and its parent's) on every case page, 409 and
    staff API read of the case; the region's points are kept for a few minutes: a second page reads no
    message row for it."""
    lat, lon = DUNHUANG
    m = submit(personas["citizen"], directory, region="qilihe", latitude=Decimal(lat), longitude=Decimal(lon))
    m = Message.objects.select_related("region").get(pk=m.pk)
    with CaptureQueriesContext(connection) as first:
        assert far_from_region(m) is not None
    with CaptureQueriesContext(connection) as second:
        assert far_from_region(m) == far_from_region(m)
    read = [q["sql"] for q in second if "SAVEPOINT" not in q["sql"]]  # its guard's savepoint (below)
    assert len(first) >= 1 and read == [], read


def test_a_replay_answers_the_first_notice(client311, key, personas, directory):
    """An Idempotency-Key replay ran the check again: the region's positions having changed meanwhile, its
    `service_notice` differed from the first answer's. It answers as the first did."""
    lat, lon = DUNHUANG
    first = client311.post(
        f"{BASE}/requests.json", form(key, lat=lat, long=lon), HTTP_IDEMPOTENCY_KEY="far-0001"
    )
    assert "公里" not in first.json()[0]["service_notice"]
    for m in qilihe_messages(personas, directory):
        actions.do_accept(personas["dispatcher"], m)
    cache.clear()
    again = client311.post(
        f"{BASE}/requests.json", form(key, lat=lat, long=lon), HTTP_IDEMPOTENCY_KEY="far-0001"
    )
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()[0]["service_notice"] == first.json()[0]["service_notice"]
    later = client311.post(
        f"{BASE}/requests.json", form(key, lat=lat, long=lon), HTTP_IDEMPOTENCY_KEY="far-0002"
    )
    assert "公里" in later.json()[0]["service_notice"]


def test_a_rest_replay_answers_the_first_position_note(as_persona, personas, directory):
    lat, lon = DUNHUANG
    body = rest_body(lat, lon)
    client = as_persona("citizen")
    first = client.post("/api/v1/messages/", body, format="json", HTTP_IDEMPOTENCY_KEY="far-rest-1")
    assert first.status_code == 201 and first.json()["position_note"] == ""
    for m in qilihe_messages(personas, directory):
        actions.do_accept(personas["dispatcher"], m)
    cache.clear()
    again = client.post("/api/v1/messages/", body, format="json", HTTP_IDEMPOTENCY_KEY="far-rest-1")
    assert again["Idempotent-Replayed"] == "true" and again.json()["position_note"] == ""


@pytest.fixture
def failing_points(monkeypatch):
    """The region's points unreadable: a query that fails in the database (on PostgreSQL it refuses every later
    query of the transaction it ran in), as a lost table or connection would."""
    from minsheng.board import position

    def fails(region):
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM no_such_table")

    monkeypatch.setattr(position, "region_points", fails)


def test_a_failing_check_breaks_no_post_and_no_page(
    client311, key, as_persona, personas, login, placed, failing_points, caplog
):
    """The check is advisory, and nothing caught its errors: with a key the post was undone (its transaction
    refused), without one the message was saved and the client answered 500, to post it again; the case page
    was a 500. Each post is answered as usual, stored once, with no note; the page shows no 位置提示; the error is
    logged (review of 2026-12-07)."""
    lat, lon = DUNHUANG
    posted = client311.post(f"{BASE}/requests.json", form(key, lat=lat, long=lon))
    assert posted.status_code == 200, posted.content
    assert "公里" not in posted.json()[0]["service_notice"]
    keyed = client311.post(
        f"{BASE}/requests.json",
        form(
            key,
            lat=lat,
            long=lon,
            description=("七里河区某小区第二栋楼下的路灯坏了两个星期, 晚上出行很不方便。"),
        ),
        HTTP_IDEMPOTENCY_KEY="far-fail-1",
    )
    assert keyed.status_code == 200, keyed.content
    citizen = as_persona("citizen")
    plain = citizen.post("/api/v1/messages/", rest_body(lat, lon, title="路灯不亮一"), format="json")
    assert plain.status_code == 201 and plain.json()["position_note"] == "", plain.content
    once = citizen.post(
        "/api/v1/messages/",
        rest_body(lat, lon, title="路灯不亮二"),
        format="json",
        HTTP_IDEMPOTENCY_KEY="far-fail-2",
    )
    assert once.status_code == 201 and once.json()["position_note"] == "", once.content
    for title in ("路灯不亮一", "路灯不亮二"):
        assert Message.objects.filter(title=title).count() == 1
    ids = [
        posted.json()[0]["service_request_id"],
        keyed.json()[0]["service_request_id"],
        plain.json()["public_id"],
        once.json()["public_id"],
    ]
    assert Message.objects.filter(public_id__in=ids).count() == 4
    page = login(personas["dispatcher"]).get(f"/staff/case/{ids[0]}/")
    assert page.status_code == 200 and "position-far" not in page.content.decode()
    case = as_persona("dispatcher").get(f"/api/v1/staff/cases/{ids[2]}/")
    assert case.status_code == 200 and case.json()["position_note"] == ""
    assert "far_from_region failed" in caplog.text


def test_a_unit_the_case_has_left_reads_the_position_as_the_public_does(
    personas, directory, login, as_persona
):
    """The case page gave the point to 4 decimals, and the staff API as sent, to everyone who may open the case:
    a unit it had left (转办) too, which no longer sees the phone. A point at home is as private: the unit
    holding it reads it as sent, the unit it has left as the public reads it (3 decimals), and printed to those
    3 (「36.0620°」 claimed a tenth of the 100 m it is rounded to; 2026-12-07)."""
    m = submit(
        personas["citizen"],
        directory,
        region="chengguan",
        latitude=Decimal("36.061789"),
        longitude=Decimal("103.834346"),
    )
    actions.do_accept(personas["dispatcher"], m)
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    actions.do_transfer(
        personas["officer"], m, directory["housing"], directory["ecology"], "属生态环境部门职责"
    )
    left = login(personas["officer"]).get(f"/staff/case/{m.public_id}/")
    assert left.status_code == 200
    assert "标注位置: 北纬 36.062°, 东经 103.834° (精确到约 100 米)" in left.content.decode()
    assert "36.0620" not in left.content.decode() and "103.8340" not in left.content.decode()
    holding = login(personas["other_officer"]).get(f"/staff/case/{m.public_id}/").content.decode()
    assert "标注位置: 北纬 36.0618°, 东经 103.8343°</p>" in holding
    api_left = as_persona("officer").get(f"/api/v1/staff/cases/{m.public_id}/").json()
    assert (api_left["latitude"], api_left["longitude"]) == (36.062, 103.834)
    public_left = as_persona("officer").get(f"/api/v1/messages/{m.public_id}/").json()
    assert (public_left["latitude"], public_left["longitude"]) == (36.062, 103.834)
    public_holding = as_persona("other_officer").get(f"/api/v1/messages/{m.public_id}/").json()
    assert (public_holding["latitude"], public_holding["longitude"]) == (36.061789, 103.834346)
    api_holding = as_persona("other_officer").get(f"/api/v1/staff/cases/{m.public_id}/").json()
    assert (api_holding["latitude"], api_holding["longitude"]) == (36.061789, 103.834346)


def test_a_leaders_office_reads_the_position_as_the_public_does(personas, directory, login):
    """A leader's office opens the case page of a message written to its leader, read-only, and does not see
    the citizen's phone: nor the point to 4 decimals; it reads it to the 3 the public has, said to be rounded."""
    office = make_user(
        "mayor_office", role="officer", unit=directory["center"], display_name="市长信箱承办人"
    )
    m = submit(
        personas["citizen"],
        directory,
        addressee=directory["mayor"],
        latitude=Decimal("36.061789"),
        longitude=Decimal("103.834346"),
    )
    page = login(office).get(f"/staff/case/{m.public_id}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "标注位置: 北纬 36.062°, 东经 103.834° (精确到约 100 米)" in html
    assert "36.0620" not in html and "36.0618" not in html


def test_the_web_form_says_it_after_posting(personas, directory, login, placed):
    """The web form takes a position too (「使用我当前的位置」, or typed): a phone's position far from the region
    chosen was kept without a word to the citizen, while Open311 and the REST API said it. The success note
    says it as they do; a position in the region adds nothing."""
    from .test_citizen_pages import form_data

    citizen = login(personas["citizen"])
    lat, lon = DUNHUANG
    data = form_data(directory, region=directory["qilihe"].code, latitude=lat, longitude=lon)
    page = citizen.post("/post/", data, follow=True).content.decode()
    km = km_from_qilihe(lat, lon)
    assert f"标注的位置距所选区划「七里河区」约 {km} 公里" in page and "工作人员将核对地点" in page
    near = form_data(
        directory,
        region=directory["qilihe"].code,
        latitude=NEARBY[0],
        longitude=NEARBY[1],
        title="小区门口的路灯坏了两个星期",
    )
    page = citizen.post("/post/", near, follow=True).content.decode()
    assert "留言已提交" in page and "公里" not in page
