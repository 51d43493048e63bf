# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""Public REST API: messages (filters, search, detail), directory, hotspots, figures."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from minsheng.board import actions

from .conftest import make_user, supported_by
from .test_api_support import (  # noqa: F401 (fixtures)
    PERSONAS,
    _fresh_rate_limits,
    _media_in_tmp,
    advance,
    api_key,
    as_persona,
    coded,
    error_of,
    submit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def board(personas, directory):
    p, d = personas, directory
    day = timezone.now() - dt.timedelta(days=3)
    replied = advance(submit(p["citizen"], d, at=day), p, d, "replied")
    env = advance(submit(p["other_citizen"], d, title="搅拌站夜间噪音扰民", body="七里河区某混凝土搅拌站夜间施工, 噪音很大, 影响休息。",
                         kind="complain", region="qilihe", topic="topic_env"), p, d, "accepted")
    dingxi = advance(submit(p["citizen"], d, title="定西市区停车难", body="定西市区老城停车位严重不足, 希望增建停车场。",
                            kind="suggest", region="dingxi", topic="topic_traffic"), p, d, "accepted")
    pending = submit(p["citizen"], d, title="尚未审核的留言", body="这条留言还没有审核, 公众不应看到它的内容。")
    return {"replied": replied, "env": env, "dingxi": dingxi, "pending": pending}


def ids(response):
    assert response.status_code == 200, response.content
    return [m["public_id"] for m in response.json()["results"]]


def test_api_root_lists_where_each_collection_lives(client):
    r = client.get("/api/v1/")
    assert r.status_code == 200
    body = r.json()
    assert body["message_list"] == "http://testserver/api/v1/messages/"
    assert body["statistics"].endswith("/api/v1/statistics/") and body["docs"].endswith("/api/docs/")
    assert body["my_supported"] == "http://testserver/api/v1/me/supported/"  # 我也遇到的, a list as my_messages
    for url in body.values():
        if url.startswith("http"):
            assert client.get(url).status_code in (200, 401, 403), url


def test_list_shows_public_messages_only(client, board):
    got = ids(client.get("/api/v1/messages/"))
    assert board["pending"].public_id not in got
    assert set(got) == {board["replied"].public_id, board["env"].public_id, board["dingxi"].public_id}


@pytest.mark.parametrize("query, expected", [
    ({"region": "620100"}, {"replied", "env"}),            # 兰州市 and its subtree (七里河区)
    ({"region": "620103"}, {"env"}),
    ({"region": "620000"}, {"replied", "env", "dingxi"}),  # the province
    ({"topic": "environment"}, {"env"}),
    ({"kind": "suggest"}, {"dingxi"}),
    ({"status": "replied"}, {"replied"}),
    ({"q": "搅拌站"}, {"env"}),
    ({"q": "电梯"}, {"replied"}),
])
def test_list_filters(client, board, query, expected):
    assert set(ids(client.get("/api/v1/messages/", query))) == {board[k].public_id for k in expected}


def test_date_range_filter(client, board):
    today = timezone.localdate()
    got = ids(client.get("/api/v1/messages/", {"date_from": today.isoformat(), "date_to": today.isoformat()}))
    assert set(got) == {board["env"].public_id, board["dingxi"].public_id}
    earlier = (today - dt.timedelta(days=3)).isoformat()
    assert ids(client.get("/api/v1/messages/", {"date_from": earlier, "date_to": earlier})) == \
        [board["replied"].public_id]


@pytest.mark.parametrize("query, field", [
    ({"region": "999999"}, "region"), ({"topic": "nope"}, "topic"), ({"kind": "spam"}, "kind"),
    ({"status": "submitted"}, "status"), ({"date_from": "2026-13-45"}, "date_from"),
    ({"date_from": "2026-05-02", "date_to": "2026-05-01"}, "date_to"), ({"page_size": "0"}, "page_size"),
])
def test_bad_filters_are_400_with_the_field_named(client, board, query, field):
    response = client.get("/api/v1/messages/", query)
    assert response.status_code == 400
    err = error_of(response)
    assert err["code"] == "invalid" and field in err["fields"]


@pytest.mark.parametrize("url", ["/api/v1/messages/", "/api/v1/statistics/", "/api/v1/statistics/breakdown/?by=month"])
def test_a_date_that_does_not_exist_is_told_so_not_that_its_format_is_wrong(client, board, url):
    """2026-02-30 is written YYYY-MM-DD: the answer said 「日期格式错误。请从这些格式中选择：YYYY-MM-DD。」,
    and an integrator checked a format that was right."""
    for day in ("2026-02-30", "2026-13-01"):
        err = error_of(client.get(url, {"date_to": day}))
        assert err["fields"]["date_to"] == [f"日期 {day} 不存在 (格式为 YYYY-MM-DD, 如 2026-05-01)"]
    assert "格式错误" in error_of(client.get(url, {"date_from": "yesterday"}))["fields"]["date_from"][0]


def test_cursor_pagination_is_stable_and_complete(client, personas, directory):
    now = timezone.now()
    made = []
    for i in range(7):  # the same second for several: the id breaks ties
        m = submit(personas["citizen"], directory, title=f"留言{i}", at=now - dt.timedelta(seconds=i // 3))
        actions.do_accept(personas["dispatcher"], m)
        made.append(m.public_id)
    seen, url = [], "/api/v1/messages/?page_size=3"
    while url:
        body = client.get(url).json()
        seen += [m["public_id"] for m in body["results"]]
        url = body["next"]
    assert sorted(seen) == sorted(made) and len(seen) == len(set(seen))


def test_list_runs_a_bounded_number_of_queries(client, personas, directory, django_assert_max_num_queries):
    for i in range(25):
        advance(submit(personas["citizen"], directory, title=f"留言{i}"), personas, directory, "dispatched")
    # region, topic, the topic tree, the page: the same 4 for 25 rows as for 1
    with django_assert_max_num_queries(4):
        response = client.get("/api/v1/messages/?page_size=25&q=电梯&region=620100&topic=urban")
    assert len(response.json()["results"]) == 25


def test_detail_has_timeline_reply_and_rating(client, personas, directory):
    m = advance(submit(personas["citizen"], directory), personas, directory, "evaluated")
    body = client.get(f"/api/v1/messages/{m.public_id}/").json()
    assert body["status"] == "evaluated"
    assert body["replies"][0]["unit"]["name"] == "兰州市住房和城乡建设局"
    assert "加装电梯计划" in body["replies"][0]["body"]
    assert body["evaluations"][0]["resolution"] == "unsatisfied"
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds[:5] == ["submitted", "accepted", "dispatched", "signed", "replied"]
    assert "contact_phone" not in body and "13800000001" not in str(body)  # nothing private


def test_detail_of_unpublished_message_is_404(client, board):
    response = client.get(f"/api/v1/messages/{board['pending'].public_id}/")
    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_reads_the_public_list(as_persona, board, persona):
    response = as_persona(persona).get("/api/v1/messages/")
    assert response.status_code == 200
    assert board["pending"].public_id not in ids(response)


def test_unknown_api_path_is_json_404(client, db):
    for path in ("/api/v1/nothing/", "/api/whatever", "/open311/v2/unknown.json", "/open311/v2/services.csv"):
        response = client.get(path)
        assert response.status_code == 404, path
        assert coded(error_of(response), "not_found", 404)  # Open311's: GeoReport v2's array, its code the status


def test_method_not_allowed_is_json(client, board):
    response = client.delete("/api/v1/messages/")
    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"


# --- directory ----------------------------------------------------------------------

def test_region_tree(client, directory):
    tree = client.get("/api/v1/regions/?depth=3").json()
    assert [r["code"] for r in tree] == ["620000"]
    lanzhou = next(c for c in tree[0]["children"] if c["code"] == "620100")
    assert {c["name"] for c in lanzhou["children"]} == {"城关区", "七里河区"}
    sub = client.get("/api/v1/regions/?root=620100&depth=1").json()
    assert sub == [{"code": "620100", "name": "兰州市", "level": 2, "children": []}]
    assert client.get("/api/v1/regions/?root=999").status_code == 400
    assert client.get("/api/v1/regions/?depth=9").status_code == 400


def test_region_detail(client, directory):
    body = client.get("/api/v1/regions/620103/").json()
    assert body["full_name"] == "甘肃省兰州市七里河区" and body["parent_code"] == "620100"
    assert client.get("/api/v1/regions/000000/").status_code == 404


def test_units_and_addressees(client, directory, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        units = client.get("/api/v1/units/?region=620100").json()
    names = {u["name"] for u in units["results"]}
    assert "城关区人民政府" in names and "定西市住房和城乡建设局" not in names
    addressees = client.get("/api/v1/addressees/").json()["results"]
    assert addressees[0]["title"] == "兰州市市长" and addressees[0]["unit"]["name"] == "兰州市政务服务中心"
    assert client.get("/api/v1/units/?region=abc").status_code == 400


def test_topics_tree(client, directory):
    from minsheng.directory.models import Topic

    Topic.objects.create(code="elevator", name="加装电梯", parent=directory["topic_build"], keywords="电梯,加装")
    tree = client.get("/api/v1/topics/").json()
    build = next(t for t in tree if t["code"] == "urban")
    assert build["children"][0]["code"] == "elevator"
    assert [t["name"] for t in tree][:3] == ["城乡建设", "环境保护", "交通运输"]


# --- hotspots and statistics -----------------------------------------------------------

@pytest.fixture
def hotspots(personas, directory):
    from minsheng.insight.models import Hotspot, HotspotMember

    now = timezone.now()
    public = advance(submit(personas["citizen"], directory), personas, directory, "accepted")
    hidden = submit(personas["other_citizen"], directory, title="未审核的同类留言")
    # 老大难 as the hour's pass reads it (it clears a flag the stored figures do not give): 100 days, one unresolved
    hot = Hotspot.objects.create(title="七里河区某小区加装电梯", region=directory["qilihe"],
                                 first_at=now - dt.timedelta(days=100), last_at=now, unresolved_count=1,
                                 message_count=2, public_count=1, citizen_count=2, heat=9.5, chronic=True,
                                 units=["兰州市住房和城乡建设局"],
                                 topics=["城乡建设"])
    HotspotMember.objects.create(hotspot=hot, message=public)
    HotspotMember.objects.create(hotspot=hot, message=hidden)
    mild = Hotspot.objects.create(title="定西市区停车难", region=directory["dingxi"], first_at=now, last_at=now,
                                  message_count=3, public_count=3, heat=2.0)
    unpublished = Hotspot.objects.create(title="尚未审核的热点", region=directory["qilihe"], first_at=now, last_at=now,
                                         message_count=2, public_count=0, heat=50.0)
    single = Hotspot.objects.create(title="只有一条留言", region=directory["qilihe"], first_at=now, last_at=now,
                                    message_count=1, public_count=1, heat=40.0)
    return {"hot": hot, "mild": mild, "public": public, "hidden": hidden, "unpublished": unpublished,
            "single": single}


def test_hotspots_list(client, hotspots, django_assert_max_num_queries):
    from minsheng.insight import hotspots_service

    hotspots_service.keep_heat_current()  # within the hour of the heat's last recompute (a read does it first)
    with django_assert_max_num_queries(3):
        body = client.get("/api/v1/hotspots/").json()
    assert [h["title"] for h in body["results"]] == ["七里河区某小区加装电梯", "定西市区停车难"]  # hottest first
    assert body["results"][0]["region"]["name"] == "七里河区"
    # the 老大难 flags are for supervisors and leaders, as on the web pages
    assert body["results"][0]["chronic"] is None and body["results"][0]["needs_coordination"] is None
    assert body["results"][0]["unresolved_count"] is None  # with the first message's date it tells 老大难
    refused = client.get("/api/v1/hotspots/?chronic=true")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "not_authenticated"  # sign in first
    in_lanzhou = client.get("/api/v1/hotspots/?region=620100").json()["results"]
    assert [h["id"] for h in in_lanzhou] == [hotspots["hot"].pk]
    assert client.get("/api/v1/hotspots/?region=1").status_code == 400
    # as /hotspots/: no hotspot without a public message, none of a single message
    assert client.get(f"/api/v1/hotspots/{hotspots['unpublished'].pk}/").status_code == 404
    assert client.get(f"/api/v1/hotspots/{hotspots['single'].pk}/").status_code == 404
    assert client.get(f"/hotspots/{hotspots['single'].pk}/").status_code == 404  # the page agrees


def test_hotspots_list_filters_by_period(client, hotspots, personas, directory):
    """?days=7|30|90 as /hotspots/?days=: the hotspots with a public message in that period."""
    from minsheng.board.models import Message
    from minsheng.insight.models import HotspotMember

    Message.objects.filter(pk=hotspots["public"].pk).update(submitted_at=timezone.now() - dt.timedelta(days=60))
    mild_message = advance(submit(personas["citizen"], directory, title="定西市区停车难", region="dingxi"),
                           personas, directory, "accepted")
    HotspotMember.objects.create(hotspot=hotspots["mild"], message=mild_message)
    week = client.get("/api/v1/hotspots/?days=7").json()["results"]
    assert [(h["title"], h["period_count"]) for h in week] == [("定西市区停车难", 1)]
    ninety = client.get("/api/v1/hotspots/?days=90&region=620100").json()["results"]
    assert [(h["id"], h["period_count"]) for h in ninety] == [(hotspots["hot"].pk, 1)]
    assert client.get("/api/v1/hotspots/").json()["results"][0]["period_count"] is None
    bad = client.get("/api/v1/hotspots/?days=8")
    assert bad.status_code == 400 and "时间范围「8」无效" in str(bad.json())


def test_hotspots_list_gives_the_heat_of_the_period(client, hotspots, personas, directory, monkeypatch):
    """``period_heat``: the heat formula over the period's public messages (not 感谢): two citizens, three
    messages, seven 我也遇到; a message of two months ago and one still pending count in none. ``heat``
    stays the stored heat, and without ``days`` ``period_heat`` is null."""
    from minsheng.board.models import Message
    from minsheng.insight import hotspots as core
    from minsheng.insight.models import Hotspot, HotspotMember

    mild = hotspots["mild"]
    now = timezone.now()
    writers = [personas["citizen"], personas["other_citizen"], personas["citizen"]]
    period = [advance(submit(who, directory, title="定西市区停车难", region="dingxi"), personas, directory, "accepted")
              for who in writers]
    old = advance(submit(personas["other_citizen"], directory, title="定西市区停车难", region="dingxi"),
                  personas, directory, "accepted")
    pending = submit(personas["citizen"], directory, title="定西市区停车难", region="dingxi")
    thanks = advance(submit(personas["other_citizen"], directory, title="感谢解决停车难", region="dingxi", kind="thanks"),
                     personas, directory, "accepted")
    people = [make_user(f"1391111{i:04d}") for i in range(40)]
    for i, (message, supporters) in enumerate(zip(period, [people[:2], [], people[2:7]], strict=True)):
        supported_by(message, supporters)
        Message.objects.filter(pk=message.pk).update(submitted_at=now - dt.timedelta(days=3 - i))
    supported_by(old, people)  # 40, out of the period
    Message.objects.filter(pk=old.pk).update(submitted_at=now - dt.timedelta(days=60))
    for message in (pending, thanks):
        supported_by(message, people[10:19])  # 9 each, counted in no period
    for message in [*period, old, pending, thanks]:
        HotspotMember.objects.create(hotspot=mild, message=message)
    Message.objects.filter(pk=hotspots["public"].pk).update(submitted_at=now - dt.timedelta(days=60))

    later = now + dt.timedelta(hours=5)
    monkeypatch.setattr(timezone, "now", lambda: later)  # the request's clock, which ages the heat
    week = client.get("/api/v1/hotspots/?days=7").json()["results"]
    assert [h["title"] for h in week] == ["定西市区停车难"]
    assert week[0]["period_heat"] == core.heat(2, 3, 7, now - dt.timedelta(days=1), later)
    # the stored heat, as the hour's pass leaves it (a period list runs it too since 2026-12-06: the moment it ranks by)
    stored = Hotspot.objects.get(pk=mild.pk)
    assert week[0]["heat"] == stored.heat == core.heat(stored.citizen_count, stored.message_count,
                                                       stored.support_count, stored.last_at, later)
    assert week[0]["period_count"] == 3
    assert client.get("/api/v1/hotspots/").json()["results"][0]["period_heat"] is None
    # a month: the stored hottest (9.5) has one message of two months ago and is not listed
    assert [h["title"] for h in client.get("/api/v1/hotspots/?days=30").json()["results"]] == ["定西市区停车难"]


def test_hotspots_of_a_period_rank_by_its_heat(client, hotspots, personas, directory):
    """The stored hottest (9.5) ranks second in 近 90 天 when the other has more of the period's messages."""
    from minsheng.insight.models import HotspotMember

    for who in [personas["citizen"], personas["other_citizen"]]:
        message = advance(submit(who, directory, title="定西市区停车难", region="dingxi"), personas, directory,
                          "accepted")
        HotspotMember.objects.create(hotspot=hotspots["mild"], message=message)
    everything = client.get("/api/v1/hotspots/").json()["results"]
    assert [h["title"] for h in everything] == ["七里河区某小区加装电梯", "定西市区停车难"]
    ninety = client.get("/api/v1/hotspots/?days=90").json()["results"]
    assert [h["title"] for h in ninety] == ["定西市区停车难", "七里河区某小区加装电梯"]
    assert ninety[0]["period_heat"] > ninety[1]["period_heat"]


def test_supervisors_read_and_filter_the_chronic_flags(hotspots, personas):
    from minsheng.insight.models import Hotspot

    Hotspot.objects.filter(pk=hotspots["mild"].pk).update(  # in 定西, outside 兰州
        chronic=True, unresolved_count=1, first_at=timezone.now() - dt.timedelta(days=100))
    supervisor = APIClient()
    supervisor.force_authenticate(personas["supervisor"])  # supervises 兰州市
    only_chronic = supervisor.get("/api/v1/hotspots/?chronic=true").json()["results"]
    assert [(h["id"], h["chronic"]) for h in only_chronic] == [(hotspots["hot"].pk, True)]  # as /chronic/
    assert supervisor.get(f"/api/v1/hotspots/{hotspots['hot'].pk}/").json()["unresolved_count"] == 1
    officer = APIClient()
    officer.force_authenticate(personas["officer"])
    assert officer.get(f"/api/v1/hotspots/{hotspots['hot'].pk}/").json()["chronic"] is None
    assert officer.get("/api/v1/hotspots/?chronic=false").status_code == 403
    anonymous = APIClient().get("/api/v1/hotspots/?chronic=true")  # unknown caller: sign in first
    assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "not_authenticated"


def test_an_open311_key_asking_for_the_chronic_flags_is_refused_not_asked_to_sign_in(hotspots, api_key):
    """A key is a known caller that is no supervisor: 403, as /staff/inbox/ answers it, not 401 「请先登录」."""
    response = APIClient().get("/api/v1/hotspots/?chronic=true", HTTP_X_API_KEY=api_key[1])
    assert response.status_code == 403
    assert response.json()["error"] == {"code": "permission_denied", "fields": {},
                                        "message": "只有督办人员和领导可以按老大难或需多部门协调筛选"}
    assert APIClient().get("/api/v1/hotspots/", HTTP_X_API_KEY=api_key[1]).status_code == 200


def test_hotspot_detail_lists_public_messages_only(client, hotspots):
    body = client.get(f"/api/v1/hotspots/{hotspots['hot'].pk}/").json()
    assert [m["public_id"] for m in body["messages"]] == [hotspots["public"].public_id]
    assert body["units"] == ["兰州市住房和城乡建设局"]
    assert client.get("/api/v1/hotspots/999999/").status_code == 404


def test_statistics_are_the_figures_of_the_stats_pages(client, personas, directory):
    from minsheng.stats import facts, figures

    advance(submit(personas["citizen"], directory), personas, directory, "evaluated")
    advance(submit(personas["citizen"], directory, title="第二条留言标题"), personas, directory, "dispatched")
    submit(personas["citizen"], directory, title="未审核的留言")
    facts.rebuild()  # the test transaction never commits, so rollups are rebuilt by hand
    body = client.get("/api/v1/statistics/?region=620100").json()
    assert body["received"] == 2 and body["replied"] == 1 and body["pending"] == 1
    assert body["reply_rate"] == 0.5 and body["evaluated"] == 1 and body["satisfaction_rate"] == 0.0
    assert body == figures.compute(region="620100")
    assert client.get("/api/v1/statistics/?region=621100").json()["received"] == 0
    rows = client.get("/api/v1/statistics/breakdown/?by=region&region=620000").json()
    assert {r["label"]: r["received"] for r in rows}.get("兰州市") == 2
    bad = client.get("/api/v1/statistics/?campaign=nope")
    assert bad.status_code == 400 and "征集活动" in error_of(bad)["message"]
    assert client.get("/api/v1/statistics/breakdown/?by=planet").status_code == 400
    assert client.get("/api/v1/statistics/?topic=nope").status_code == 400


def test_every_breakdown_row_filters_are_accepted_by_statistics(client, personas, directory):
    """docs/api.md: identify a row by its filters; the "…本级" row's (own=1) were a 400
    「未知的查询参数: own」 on the statistics they should narrow."""
    from minsheng.stats import facts

    advance(submit(personas["citizen"], directory), personas, directory, "replied")  # 兰州市 itself
    advance(submit(personas["citizen"], directory, title="七里河区的留言", region="qilihe"), personas, directory,
            "accepted")
    facts.rebuild()
    rows = client.get("/api/v1/statistics/breakdown/?by=region&region=620100").json()
    assert {r["label"] for r in rows} == {"兰州市本级", "七里河区"}
    for row in rows:
        response = client.get("/api/v1/statistics/", row["filters"])
        assert response.status_code == 200, response.content
        assert response.json()["received"] == row["received"] == 1
    assert "own" in error_of(client.get("/api/v1/statistics/?own=1"))["fields"]  # 本级 of no region


# --- schema and docs ----------------------------------------------------------------

def test_schema_and_swagger_ui_are_served_locally(client, db):
    schema = client.get("/api/schema/?format=json")
    assert schema.status_code == 200
    assert "/api/v1/messages/" in schema.json()["paths"]
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    # nothing fetched from elsewhere (a CDN): every script and style is the site's own. Not "cdn" anywhere in
    # the page: its CSRF token, random letters, held "cdn" now and then and failed the test
    assert "swagger-ui" in html and not re.search(r'(?:src|href)\s*=\s*["\']?(?:https?:)?//', html), html
    assert "/static/drf_spectacular_sidecar/" in html


def test_the_schema_is_generated_once_not_on_every_request(client, db, monkeypatch):
    """/api/docs/ took over 2 s: Swagger UI asks /api/schema/, generated afresh (0.6 to 1 s)
    on every request although it is the same for every caller."""
    from drf_spectacular.generators import SchemaGenerator

    calls = []
    parse = SchemaGenerator.parse
    monkeypatch.setattr(SchemaGenerator, "parse", lambda self, *a, **kw: calls.append(1) or parse(self, *a, **kw))
    first = client.get("/api/schema/?format=json")
    again = client.get("/api/schema/?format=json")
    yaml = client.get("/api/schema/")
    assert first.status_code == again.status_code == yaml.status_code == 200
    assert first.json() == again.json() and "/api/v1/messages/" in first.json()["paths"]
    assert b"/api/v1/messages/" in yaml.content
    assert len(calls) <= 1  # none when an earlier test's request generated it


def test_the_schema_kept_does_not_grow_with_the_versions_asked(client, db):
    """The document is kept per version, and ``?version=`` is whatever the caller writes (the API has
    no versioning): each value asked (a, b, c …) generated a document and kept it for the life of the
    worker, whose memory grew with every new value."""
    from minsheng.api.urls import GeneratedOnce

    client.get("/api/schema/?format=json")
    kept = len(GeneratedOnce.documents)
    for value in ("a", "b", "c", "d"):
        response = client.get(f"/api/schema/?format=json&version={value}")
        assert response.status_code == 200 and "/api/v1/messages/" in response.json()["paths"]
    assert len(GeneratedOnce.documents) == kept == 1


@pytest.mark.parametrize("method, query, accept, status, field", [
    ("get", "?format=xml", "*/*", 400, "format"),
    ("get", "", "text/html", 406, None),
    ("post", "", "*/*", 405, None),
    ("post", "docs", "*/*", 405, None),
    ("options", "docs", "*/*", 405, None),  # was a 500: the metadata went to the HTML renderer
    # an integrator's client asks for JSON: the method is still what is wrong (was a 406, 「无法满足Accept」)
    ("options", "docs", "application/json", 405, None),
    ("post", "docs", "application/json", 405, None),
])
def test_the_schema_answers_errors_in_the_one_json_shape(client, db, method, query, accept, status, field):
    """Not in YAML (an integrator's client parses the error as JSON), and ?format=xml is
    a 400 naming format as on every endpoint, not 404 「未找到」; Swagger UI's too."""
    path = "/api/docs/" if query == "docs" else f"/api/schema/{query}"
    response = getattr(client, method)(path, HTTP_ACCEPT=accept)
    assert response.status_code == status and response["Content-Type"].startswith("application/json")
    assert list(error_of(response)["fields"]) == ([field] if field else [])


CJK = re.compile(r"[\u4e00-\u9fff]")
# what may stay English in an integrator's text: a code span (`format=json`), a path or address
CODE_OR_PATH = re.compile(r"`[^`]*`|https?://\S+|/[\w./{}?=&-]*")
ENGLISH_SENTENCE = re.compile(r"\b[A-Za-z]+(?:[\s,']+[A-Za-z]+\b){3,}")  # four English words in a row


def english_sentences(text: str) -> list[str]:
    return ENGLISH_SENTENCE.findall(CODE_OR_PATH.sub(" ", text))


def operations(client) -> dict[str, dict]:
    paths = client.get("/api/schema/?format=json").json()["paths"]
    return {f"{method.upper()} {path}": op for path, ops in paths.items()
            for method, op in ops.items() if isinstance(op, dict)}


def test_every_operation_is_summarised_and_described_in_chinese_for_integrators(client, db):
    """Integrators (government IT vendors) read /api/docs/: each operation has a short Chinese
    summary and a Chinese description of what it returns, who may call it and its errors. Most had
    no summary, and descriptions were developer notes, half English (DELETE /me/: 「注销账号 (the
    caller's own): the phone, email, …」; 14 operations showed ApiView's "Base of every endpoint")."""
    ops = operations(client)
    assert len(ops) >= 40
    for name, op in ops.items():
        summary, description = op.get("summary", ""), op.get("description", "")
        assert CJK.search(summary) and len(summary) <= 12, (name, summary)
        assert CJK.search(description) and len(description) > len(summary), (name, description)
        assert not english_sentences(summary + "\n" + description), (name, english_sentences(description))
    assert ops["DELETE /api/v1/me/"]["summary"] == "注销账号"
    assert "403" in ops["DELETE /api/v1/me/"]["description"]  # staff may not close their own account
    assert "签收" in ops["POST /api/v1/staff/cases/{public_id}/sign/"]["summary"]


def test_no_developer_note_is_shown_among_the_schemas(client, db):
    """docs/api.md: docstrings stay developer notes and are shown nowhere. A serializer's docstring
    was each component's description in the document, and so in Swagger UI's 「Schemas」 (「A hotspot's
    figures over all its members, pending ones included (the heat's).」, 「As board.forms.ReopenForm.」):
    25 components read as notes to a developer, in English."""
    schemas = client.get("/api/schema/?format=json").json()["components"]["schemas"]

    def descriptions(node, where):
        if isinstance(node, dict):
            if isinstance(node.get("description"), str):
                yield where, node["description"]
            for key, value in node.items():
                yield from descriptions(value, f"{where}.{key}")
        elif isinstance(node, list):
            for value in node:
                yield from descriptions(value, where)

    notes = [(where, text) for where, text in descriptions(schemas, "") if english_sentences(text)]
    assert not notes, notes


def test_the_schema_introduces_the_api_in_chinese(client, db):
    document = client.get("/api/schema/?format=json").json()
    info = document["info"]
    assert info["title"] == "民声 API"
    assert CJK.search(info["description"]) and not english_sentences(info["description"]), info["description"]
    assert all(CJK.search(tag["description"]) for tag in document["tags"]), document["tags"]


def test_the_english_check_finds_a_developer_note():
    """The check above can fail: it finds the English of a docstring, not a path or a code span."""
    assert english_sentences("注销账号 (the caller's own): the phone, email, nickname")
    assert not english_sentences("发表留言, 带 `Idempotency-Key: some key here` 请求头; 见 /api/v1/me/messages/ 和 Open311 API key")


def test_options_names_and_describes_each_endpoint_as_the_schema_does(as_persona, db):
    """OPTIONS (DRF's metadata) showed the view's English docstring as its description, and
    names such as "Case Reply Preview"; it says what the schema says, from the same text."""
    dispatcher = as_persona("dispatcher")  # a person and a staff member: every endpoint answers
    by_path: dict[str, list[dict]] = {}
    for name, op in operations(APIClient()).items():
        by_path.setdefault(name.split(" ", 1)[1], []).append(op)
    for path, ops in by_path.items():
        url = re.sub(r"\{(hotspot_id|addressee_id)\}", "1", re.sub(r"\{(public_id|code)\}", "x", path))
        response = dispatcher.options(url)
        assert response.status_code == 200, (url, response.content)
        metadata = response.json()
        assert metadata["name"].split("; ") == [op["summary"] for op in ops], (url, metadata["name"])
        assert all(op["description"] in metadata["description"] for op in ops), (url, metadata["description"])


@pytest.mark.parametrize("path", ["/api/schema/?format=json", "/open311/v2/discovery.json",
                                  "/open311/v2/services.json", "/open311/v2/requests.json"])
def test_options_of_the_schema_and_open311_is_chinese_too(client, db, path):
    metadata = client.options(path, HTTP_ACCEPT="application/json").json()
    text = metadata["name"] + "\n" + metadata["description"]
    assert CJK.search(metadata["name"]) and CJK.search(metadata["description"]), metadata
    assert not english_sentences(text), metadata


def test_api_client_helper_is_unauthenticated_by_default(db):
    assert APIClient().get("/api/v1/me/messages/").status_code == 401


@pytest.mark.parametrize("q", ['"', "电梯 OR", "NEAR(电梯", "*", "'; DROP TABLE x; --", "\\", "电\x00梯", "a" * 100])
def test_odd_search_text_is_never_a_server_error(client, board, q):
    response = client.get("/api/v1/messages/", {"q": q})
    assert response.status_code in (200, 400), response.content


@pytest.mark.parametrize("q", ["😀", "？！", "***", "——"])
def test_a_search_with_nothing_to_search_is_a_400_not_every_message(client, board, q):
    """An app forwarding its search box: 「😀」 filters nothing, and answering with every
    message would read as that many matches (the browse page says so in words)."""
    response = client.get("/api/v1/messages/", {"q": q})
    assert response.status_code == 400, response.content
    assert list(error_of(response)["fields"]) == ["q"]
    assert len(ids(client.get("/api/v1/messages/", {"q": "  "}))) == 3  # blank: no filter, as documented


@pytest.mark.parametrize("query", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"},
                                   {"date_from": "0001-01-01", "date_to": "9999-12-31"}])
def test_extreme_dates_are_never_a_server_error(client, board, query):
    assert client.get("/api/v1/messages/", query).status_code in (200, 400)
    assert client.get("/api/v1/statistics/", query).status_code in (200, 400)


def test_merged_message_carries_the_main_case_reply(client, board, personas, directory):
    dup = submit(personas["other_citizen"], directory, title="小区电梯什么时候加装", body="我们楼也没有电梯, 和之前反映的是同一个小区, 请一并处理。")
    actions.do_merge(personas["dispatcher"], dup, board["replied"])
    detail = client.get(f"/api/v1/messages/{dup.public_id}/").json()
    assert detail["status"] == "merged" and detail["duplicate_of"] == board["replied"].public_id
    assert detail["replies"] == []
    main_reply = board["replied"].replies.get()
    assert [r["body"] for r in detail["main_case_replies"]] == [main_reply.body]
    assert client.get(f"/api/v1/messages/{board['replied'].public_id}/").json()["main_case_replies"] == []


def test_the_schema_says_the_hotspot_flags_follow_the_regions_supervised(client, db):
    """Since the flags follow /chronic/'s scope (``Hotspot.flags_shown_to``), a city's supervisor
    gets null for another city's hotspot; the schema still said 「督办人员和领导可见」 of every one."""
    components = client.get("/api/schema/?format=json").json()["components"]["schemas"]
    described = {(name, field): prop.get("description", "") for name, schema in components.items()
                 for field, prop in schema.get("properties", {}).items()
                 if field in ("chronic", "needs_coordination", "unresolved_count", "all_members")}
    assert {name for name, _ in described} >= {"Hotspot", "CaseHotspot"}
    assert all("所督办的区划" in text for text in described.values()), described


UNKNOWN_REGION = "没有代码为 {} 的行政区划 (可用的区划见 /api/v1/regions/)"


@pytest.mark.parametrize(("url", "query", "field"), [
    ("/api/v1/messages/", {"region": "999999"}, "region"),
    ("/api/v1/units/", {"region": "999999"}, "region"),
    ("/api/v1/addressees/", {"region": "999999"}, "region"),
    ("/api/v1/regions/", {"root": "999999"}, "root"),
    ("/api/v1/hotspots/", {"region": "999999"}, "region"),
    ("/api/v1/statistics/", {"region": "999999"}, "region"),
    ("/api/v1/statistics/breakdown/", {"region": "999999", "by": "unit"}, "region"),
    ("/api/v1/statistics/messages/", {"region": "999999"}, "region"),
])
def test_an_unknown_region_names_the_code_and_where_regions_are_listed(client, board, url, query, field):
    """An unknown region reads as an unknown topic does (api.inputs.unknown_region, since 2026-12-07; it said
    「区划代码不存在」, the code sent and where to find the codes left unsaid): the same 400 naming the field."""
    response = client.get(url, query)
    assert response.status_code == 400, response.content.decode()[:300]
    err = error_of(response)
    assert err["code"] == "invalid" and err["fields"][field] == [UNKNOWN_REGION.format("999999")], err


@pytest.mark.parametrize(("url", "query"), [
    ("/api/v1/statistics/", {"topic": "nope"}),
    ("/api/v1/statistics/breakdown/", {"topic": "nope", "by": "unit"}),
    ("/api/v1/statistics/messages/", {"topic": "nope"}),
])
def test_the_statistics_say_an_unknown_topic_as_the_other_reads(client, board, url, query):
    """The statistics word an unknown topic as /messages/?topic= does (api.inputs.unknown_topic, since 2026-12-07;
    they said 「没有代码为 nope 的领域」, where the codes are listed left unsaid)."""
    response = client.get(url, query)
    assert response.status_code == 400, response.content.decode()[:300]
    said = "没有代码为 nope 的领域 (可用的领域见 /api/v1/topics/)"
    assert error_of(response)["fields"]["topic"] == [said], error_of(response)
    assert error_of(client.get("/api/v1/messages/", {"topic": "nope"}))["fields"]["topic"] == [said]


def test_an_unknown_region_read_by_its_code_is_a_404_in_the_same_words(client, board):
    response = client.get("/api/v1/regions/99x/")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"
    assert error_of(response)["message"] == UNKNOWN_REGION.format("99x")


def test_a_long_unknown_region_is_cut_as_every_echoed_value(client, board):
    code = "6" * 12  # the longest a region field takes
    long = client.get("/api/v1/regions/" + "6" * 120 + "/")
    assert long.status_code == 404
    said = error_of(long)["message"]
    assert said.startswith("没有代码为 666") and "… 的行政区划" in said and "6" * 101 not in said, said
    assert error_of(client.get("/api/v1/messages/", {"region": code}))["fields"]["region"] == [
        UNKNOWN_REGION.format(code)]
