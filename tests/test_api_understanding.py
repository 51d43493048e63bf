# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""Issue 3 (understanding messages) through the API, as the pages offer it: similar messages while a
citizen types, similar past answers before an officer replies, the stored machine reading of a case."""

from __future__ import annotations

import pytest

from minsheng.board import actions
from minsheng.board.models import Message, Support
from minsheng.insight import lookup

from .test_api_support import (  # noqa: F401 (fixtures)
    _fresh_rate_limits,
    _media_in_tmp,
    api_key,
    as_persona,
    error_of,
)

pytestmark = pytest.mark.django_db

OPEN = [("金桂园小区路灯不亮", "金桂园小区东门到5号楼的路灯已经一个月不亮了, 晚上回家很不安全, 请尽快修复路灯。"),
        ("南河路菜市场噪音扰民", "南河路菜市场凌晨四点开始卸货, 叫卖声很大, 附近居民无法休息, 希望管一管。")]


@pytest.fixture
def in_hand(directory, personas):
    """Two accepted (public, in hand) messages in 城关区, posted by 小王."""
    lookup.clear_cache()
    made = []
    for title, body in OPEN:
        m = actions.do_submit(personas["other_citizen"], title=title, body=body, kind="complain",
                              region=directory["chengguan"])
        actions.do_accept(personas["dispatcher"], m)
        made.append(m)
    yield made
    lookup.clear_cache()


TYPED = {"title": "金桂园路灯坏了", "body": "金桂园小区东门的路灯一直不亮, 请修一下", "region": "620102"}


def test_an_app_reads_the_similar_messages_while_the_citizen_types(in_hand, as_persona, personas):
    """The post form's 「已有相似留言」 box (/similar/) had no API: an app could not offer 我也遇到
    instead of a second message on the same problem."""
    lamp, market = in_hand
    anonymous = as_persona("anonymous").get("/api/v1/messages/similar/", TYPED)
    assert anonymous.status_code == 200, anonymous.content
    found = anonymous.json()["results"]
    assert [f["public_id"] for f in found] == [lamp.public_id]  # not the market's noise
    assert found[0]["title"] == lamp.public_title and 0 < found[0]["similarity"] <= 1
    assert found[0]["url"] == f"/api/v1/messages/{lamp.public_id}/"
    assert found[0]["mine"] is None and found[0]["supported"] is None
    # a long body goes in a POST (JSON or form), the same answer; nothing is stored
    citizen = as_persona("citizen")
    posted = citizen.post("/api/v1/messages/similar/", {**TYPED, "body": TYPED["body"] + "。" * 5000}, format="json")
    assert posted.status_code == 200, posted.content
    assert [f["public_id"] for f in posted.json()["results"]] == [lamp.public_id]
    assert posted.json()["results"][0]["mine"] is False and posted.json()["results"][0]["supported"] is False
    assert Message.objects.count() == 2
    Support.objects.create(user=personas["citizen"], message=lamp)
    assert citizen.get("/api/v1/messages/similar/", TYPED).json()["results"][0]["supported"] is True
    assert as_persona("api_key").get("/api/v1/messages/similar/", TYPED).json()["results"][0]["mine"] is None
    # a region not chosen yet, as an app's form sends its empty select: not limited, as region= in a query
    unchosen = citizen.post("/api/v1/messages/similar/", {**TYPED, "region": ""}, format="json")
    assert unchosen.status_code == 200 and [f["public_id"] for f in unchosen.json()["results"]] == [lamp.public_id]


def test_similar_messages_refuse_what_they_cannot_read(in_hand, as_persona):
    client = as_persona("anonymous")
    # under 4 characters: nothing, though 「灯不亮」 alone finds the lamp (「路灯」 found nothing anyway: the
    # assertion could not fail)
    assert client.get("/api/v1/messages/similar/", {"title": "灯不亮", "region": "620102"}).json()["results"] == []
    assert len(client.get("/api/v1/messages/similar/", {"title": "路灯不亮", "region": "620102"}).json()["results"]) == 1
    assert client.get("/api/v1/messages/similar/").json()["results"] == []
    for params, field in (({**TYPED, "region": "999999"}, "region"), ({**TYPED, "regoin": "620102"}, "regoin"),
                          ({**TYPED, "region": "6" * 40}, "region")):
        bad = client.get("/api/v1/messages/similar/", params)
        assert bad.status_code == 400 and field in error_of(bad)["fields"], params
    assert client.get("/api/v1/messages/similar/", {"title": "路灯\x00不亮"}).status_code == 400
    for body, kind in (("{not json", "application/json"), ("[1, 2]", "application/json"),
                       ('{"title": 12, "body": ["x"]}', "application/json")):
        bad = client.post("/api/v1/messages/similar/", body, content_type=kind)
        assert bad.status_code == 400, (body, bad.content)
        assert error_of(bad)["message"]
    assert client.post("/api/v1/messages/similar/", "title=x", content_type="text/plain").status_code == 415


NAMES_QILIHE = {"title": "路灯坏了一个多月", "body": "七里河区西津西路的路灯坏了一个多月, 晚上出门很不安全, 请尽快修好。"}


def test_an_app_is_offered_the_region_the_text_names(directory, as_persona):
    """The post form offers the district the text names (「留言提到「七里河区」: 选为所在区划」, insight's
    /similar/); the API's similar messages gave no such hint, so an app could not offer it."""
    client = as_persona("anonymous")
    for asked in (client.get("/api/v1/messages/similar/", NAMES_QILIHE),
                  client.post("/api/v1/messages/similar/", NAMES_QILIHE, format="json"),
                  client.post("/api/v1/messages/similar/", {**NAMES_QILIHE, "region": "620100"}, format="json")):
        assert asked.status_code == 200, asked.content
        assert asked.json()["region_hint"] == {"code": "620103", "name": "七里河区", "level": 3,
                                               "parent_code": "620100", "full_name": "甘肃省兰州市七里河区"}
        assert asked.json()["results"] == []
    # the district chosen already, another one chosen, or a text naming no place: nothing to offer
    for params in ({**NAMES_QILIHE, "region": "620103"}, {**NAMES_QILIHE, "region": "620102"},
                   {**NAMES_QILIHE, "body": "小区门口的路灯坏了一个多月, 晚上出门很不安全, 请尽快修好。"}, {}):
        answer = client.get("/api/v1/messages/similar/", params)
        assert answer.status_code == 200 and answer.json() == {"results": [], "region_hint": None}, params


def test_the_region_hint_comes_with_the_similar_messages_it_narrowed(in_hand, as_persona):
    """The hint and the list read the text once: a lamp in 城关区 named by the text is found with no region
    chosen, and 城关区 offered beside it; chosen, the list is the same and nothing is offered."""
    lamp, _ = in_hand
    client = as_persona("anonymous")
    typed = {**TYPED, "body": "城关区" + TYPED["body"], "region": ""}
    answer = client.get("/api/v1/messages/similar/", typed).json()
    assert [f["public_id"] for f in answer["results"]] == [lamp.public_id]
    assert answer["region_hint"]["code"] == "620102" and answer["region_hint"]["full_name"] == "甘肃省兰州市城关区"
    chosen = client.get("/api/v1/messages/similar/", {**typed, "region": "620102"}).json()
    assert [f["public_id"] for f in chosen["results"]] == [lamp.public_id] and chosen["region_hint"] is None


@pytest.fixture
def answered(directory, personas):
    """A 住建局 answer to a lift message, and a new lift message of the same compound dispatched to 住建局."""
    d, p = directory, personas
    lookup.clear_cache()
    old = actions.do_submit(p["other_citizen"], title="滨河花园3号楼电梯故障", kind="complain", region=d["chengguan"],
                            body="滨河花园3号楼电梯这周停了两次, 老人被困在电梯里, 请督促物业维修电梯。")
    actions.do_accept(p["dispatcher"], old)
    actions.do_dispatch(p["dispatcher"], old, d["housing"])
    actions.do_sign(p["officer"], old, d["housing"])
    actions.do_reply(p["officer"], old, d["housing"], "经查, 该电梯控制板老化, 已责令物业公司本周内更换并加强维保。")
    new = actions.do_submit(p["citizen"], title="滨河花园电梯又坏了", kind="complain", region=d["chengguan"],
                            body="滨河花园3号楼电梯今天又停运了, 物业一直不修, 请督促维修电梯。")
    actions.do_accept(p["dispatcher"], new)
    actions.do_dispatch(p["dispatcher"], new, d["housing"])
    lookup.clear_cache()
    yield old, new
    lookup.clear_cache()


def test_an_officer_reads_similar_past_answers_before_replying(answered, as_persona):
    """The case page's 「相似的已答复留言」 beside the reply form had no API."""
    old, new = answered
    response = as_persona("officer").get(f"/api/v1/staff/cases/{new.public_id}/similar-answers/")
    assert response.status_code == 200, response.content
    found = response.json()
    assert [f["public_id"] for f in found] == [old.public_id]
    assert "控制板老化" in found[0]["reply"]["body"] and found[0]["reply"]["unit"]["name"] == "兰州市住房和城乡建设局"
    assert found[0]["status"] == "replied" and 0 < found[0]["similarity"] <= 1
    assert found[0]["url"] == f"/api/v1/messages/{old.public_id}/"
    assert as_persona("citizen").get(f"/api/v1/staff/cases/{new.public_id}/similar-answers/").status_code == 403
    assert as_persona("anonymous").get(f"/api/v1/staff/cases/{new.public_id}/similar-answers/").status_code == 401
    assert as_persona("other_officer").get(f"/api/v1/staff/cases/{new.public_id}/similar-answers/").status_code == 404
    bad = as_persona("officer").get(f"/api/v1/staff/cases/{new.public_id}/similar-answers/", {"k": "9"})
    assert bad.status_code == 400 and "k" in error_of(bad)["fields"]


def test_the_case_gives_the_machines_type_with_its_confidence(answered, as_persona):
    """The case had the predicted topic and its confidence, not the predicted type and its own."""
    _, new = answered
    Message.objects.filter(pk=new.pk).update(predicted_kind="complain", kind_confidence=0.83)
    case = as_persona("dispatcher").get(f"/api/v1/staff/cases/{new.public_id}/").json()
    assert case["predicted_kind"] == "complain" and case["kind_confidence"] == 0.83
    Message.objects.filter(pk=new.pk).update(predicted_kind="", kind_confidence=None)
    case = as_persona("dispatcher").get(f"/api/v1/staff/cases/{new.public_id}/").json()
    assert case["predicted_kind"] == "" and case["kind_confidence"] is None


def test_the_suggestion_gives_the_reason_in_the_words_the_dispatch_form_shows(in_hand, as_persona, directory):
    """The API gave only the code-like reason (「城乡建设 in 兰州市 → …」); a dispatcher tool showed it as is."""
    m = actions.do_submit(in_hand[0].author, title="城关区小区电梯坏了", body="城关区幸福家园小区 3 号楼电梯坏了一个月, 请住建部门督促物业维修",
                          kind="complain", region=directory["lanzhou"], topic=directory["topic_build"])
    s = as_persona("dispatcher").get(f"/api/v1/staff/cases/{m.public_id}/suggestion/").json()
    assert " in " in s["reason"] and s["lead"]
    assert s["reason_shown"].startswith("权责清单: ") and s["lead"]["name"] in s["reason_shown"]
    assert "取自留言内容" in s["reason_shown"] and " in " not in s["reason_shown"]


def test_a_dashboard_reads_the_hotspots_trend_as_the_page_charts_it(as_persona, personas, directory):
    """The hotspot page charts its messages per day, week or month (留言趋势); the API gave the
    messages only, so a dashboard had to page through them and bucket them itself."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.insight.models import Hotspot, HotspotMember

    from .test_api_support import advance, submit

    now = timezone.now()
    public = [advance(submit(personas["citizen"], directory, title=f"七里河区某小区电梯停运{i}"), personas, directory,
                      "accepted") for i in range(3)]
    Message.objects.filter(pk=public[0].pk).update(submitted_at=now - dt.timedelta(days=2))
    pending = submit(personas["other_citizen"], directory, title="尚未审核的电梯留言")
    hot = Hotspot.objects.create(title="七里河区某小区电梯停运", region=directory["qilihe"], first_at=now, last_at=now,
                                 message_count=4, public_count=3, citizen_count=2, heat=5.0)
    for m in [*public, pending]:
        HotspotMember.objects.create(hotspot=hot, message=m)
    trend = as_persona("anonymous").get(f"/api/v1/hotspots/{hot.pk}/").json()["trend"]
    today, first = timezone.localdate(), timezone.localtime(now - dt.timedelta(days=2)).date()
    assert trend == {"per": "日", "labels": [str(first + dt.timedelta(days=i)) for i in range(3)],
                     "counts": [1, 0, 2]}  # the message not yet public is not counted
    assert trend["labels"][-1] == str(today)


def test_a_supervisors_dashboard_lists_and_opens_the_chronic_problems_chronic_lists(as_persona, personas, directory,
                                                                                    login):
    """/chronic/ lists every 老大难 of the supervisor's regions and its page opens for them
    (Hotspot.readable_by); `?chronic=true` listed only those with a public message, and
    /hotspots/{id}/ was a 404 for the rest: a dashboard missed problems nobody has yet published."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.insight.models import Hotspot, HotspotMember

    from .test_api_support import submit

    now = timezone.now()
    pending = [submit(personas["citizen"], directory, title=f"七里河区某小区暖气不热{i}") for i in range(2)]
    # 老大难 as the hour's pass reads it (it clears a flag the stored figures do not give): 100 days, both unanswered
    hidden = Hotspot.objects.create(title="七里河区某小区暖气不热", region=directory["qilihe"],
                                    first_at=now - dt.timedelta(days=100), last_at=now, unresolved_count=2,
                                    message_count=2, public_count=0, citizen_count=1, heat=3.0, chronic=True)
    for m in pending:
        HotspotMember.objects.create(hotspot=hidden, message=m)
    assert "七里河区某小区暖气不热" in login(personas["supervisor"]).get("/chronic/").content.decode()
    listed = as_persona("supervisor").get("/api/v1/hotspots/", {"chronic": "true"}).json()["results"]
    assert [h["id"] for h in listed] == [hidden.pk] and listed[0]["chronic"] is True
    detail = as_persona("supervisor").get(f"/api/v1/hotspots/{hidden.pk}/")
    assert detail.status_code == 200 and detail.json()["messages"] == [] and detail.json()["public_count"] == 0
    assert detail.json()["all_members"]["citizen_count"] == 1
    # to anyone else it is still no hotspot: the list without flags and its page are the public's
    assert as_persona("supervisor").get("/api/v1/hotspots/").json()["results"] == []
    assert as_persona("anonymous").get(f"/api/v1/hotspots/{hidden.pk}/").status_code == 404
    assert as_persona("dispatcher").get(f"/api/v1/hotspots/{hidden.pk}/").status_code == 404


# --- review (2026-12-05) ---------------------------------------------------------------------

class _counted:
    """The queries run in the block (the test client's request_started clears connection.queries)."""

    def __enter__(self):
        from django.db import connection

        self.n = 0
        self._wrapper = connection.execute_wrapper(self._count)
        self._wrapper.__enter__()
        return self

    def _count(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)

    def __exit__(self, *exc):
        self._wrapper.__exit__(*exc)


LIFT_ANSWERS = [("滨河花园1号楼电梯故障", "滨河花园1号楼电梯这周停了两次, 老人被困在电梯里, 请督促物业维修电梯。"),
                ("滨河花园2号楼电梯故障", "滨河花园2号楼电梯这周停了三次, 老人被困在电梯里, 请督促物业维修电梯。")]


def test_similar_answers_read_their_replies_units_at_once(answered, as_persona, personas, directory,
                                                           django_assert_max_num_queries):
    """Each similar answer's reply read its 答复单位 in a query of its own."""
    from .test_api_support import submit

    old, new = answered
    client = as_persona("officer")
    url = f"/api/v1/staff/cases/{new.public_id}/similar-answers/"
    assert len(client.get(url).json()) == 1  # the lookup's candidates cached
    with _counted() as one:
        assert len(client.get(url).json()) == 1
    for title, body in LIFT_ANSWERS:  # two more answers alike, by other units
        m = submit(personas["other_citizen"], directory, title=title, body=body, region="chengguan")
        actions.do_accept(personas["dispatcher"], m)
        actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
        actions.do_sign(personas["officer"], m, directory["housing"])
        actions.do_reply(personas["officer"], m, directory["housing"], "经查, 该电梯已由物业公司更换控制板。")
    lookup.clear_cache()
    assert len(client.get(url).json()) == 3
    with django_assert_max_num_queries(one.n):
        assert len(client.get(url).json()) == 3


def test_similar_messages_read_in_as_many_queries_for_five_as_for_one(in_hand, as_persona, personas, directory,
                                                                        django_assert_max_num_queries):
    client = as_persona("citizen")
    client.get("/api/v1/messages/similar/", TYPED)
    with _counted() as one:
        assert len(client.get("/api/v1/messages/similar/", TYPED).json()["results"]) == 1
    for n in range(4):
        m = actions.do_submit(personas["other_citizen"], title=f"金桂园小区{n + 6}号楼路灯不亮",
                              body=f"金桂园小区东门到{n + 6}号楼的路灯一直不亮, 晚上很黑, 请修复路灯。", kind="complain",
                              region=directory["chengguan"], addressee=None)
        actions.do_accept(personas["dispatcher"], m)
    lookup.clear_cache()
    assert len(client.get("/api/v1/messages/similar/", TYPED).json()["results"]) == 5
    with django_assert_max_num_queries(one.n):
        assert len(client.get("/api/v1/messages/similar/", TYPED).json()["results"]) == 5


def test_a_flag_filter_lists_no_hotspot_neither_list_shows(as_persona, personas, directory, login):
    """?chronic=false (or needs_coordination=false) listed every unflagged hotspot of the supervisor's
    regions that no one has published, a one-message one too: neither /hotspots/ nor /chronic/ lists them."""
    from django.utils import timezone

    from minsheng.insight.models import Hotspot, HotspotMember

    from .test_api_support import submit

    now = timezone.now()
    lone = Hotspot.objects.create(title="七里河区某小区门口积水", region=directory["qilihe"], first_at=now, last_at=now,
                                  message_count=1, public_count=0, citizen_count=1, heat=1.0)
    HotspotMember.objects.create(hotspot=lone, message=submit(personas["citizen"], directory, title="七里河区某小区门口积水"))
    pending = [submit(personas["citizen"], directory, title=f"七里河区某小区暖气不热{i}") for i in range(2)]
    coordinated = Hotspot.objects.create(title="七里河区某小区暖气不热", region=directory["qilihe"], first_at=now,
                                         last_at=now, message_count=2, public_count=0, citizen_count=1, heat=3.0,
                                         needs_coordination=True)
    for m in pending:
        HotspotMember.objects.create(hotspot=coordinated, message=m)
    page = login(personas["supervisor"]).get("/chronic/").content.decode()
    assert "七里河区某小区暖气不热" in page and "七里河区某小区门口积水" not in page
    supervisor = as_persona("supervisor")
    for flag in ("chronic", "needs_coordination"):
        listed = supervisor.get("/api/v1/hotspots/", {flag: "false"}).json()["results"]
        assert lone.pk not in [h["id"] for h in listed], flag
    assert [h["id"] for h in supervisor.get("/api/v1/hotspots/", {"chronic": "false"}).json()["results"]] == [
        coordinated.pk]


def test_a_similar_message_closed_a_moment_ago_is_no_longer_offered(in_hand, as_persona):
    """The candidates are cached for a minute and each one's status read now: one 办结 or 并单 since was
    still offered as 尚未办结 (only one no longer public was left out)."""
    from minsheng.board.workflow import Status

    lamp, _ = in_hand
    client = as_persona("anonymous")
    assert [f["public_id"] for f in client.get("/api/v1/messages/similar/", TYPED).json()["results"]] == [lamp.public_id]
    Message.objects.filter(pk=lamp.pk).update(status=Status.CLOSED)
    assert client.get("/api/v1/messages/similar/", TYPED).json()["results"] == []


def test_two_callers_at_once_each_read_their_own_similarity(in_hand, as_persona, monkeypatch):
    """The candidates are shared by the server's threads (cached for a minute): the similarity was set on
    the shared message, so a caller answered while another's lookup ran read the other's figure."""
    from minsheng.api.views import public

    lamp, _ = in_hand
    client = as_persona("anonymous")
    other = {"title": "金桂园小区路灯不亮", "body": "金桂园小区东门到5号楼的路灯一个月不亮了", "region": "620102"}
    alone = {key: client.get("/api/v1/messages/similar/", q).json()["results"][0]["similarity"] for key, q in
             (("typed", TYPED), ("other", other))}
    assert alone["typed"] != alone["other"]
    real, interleaved = public.prefetch_related_objects, []

    def another_caller_meanwhile(*args, **kwargs):  # the first answer is built while a second lookup runs
        if not interleaved:
            interleaved.append(None)
            interleaved.append(client.get("/api/v1/messages/similar/", other).json()["results"][0]["similarity"])
        return real(*args, **kwargs)

    monkeypatch.setattr(public, "prefetch_related_objects", another_caller_meanwhile)
    first = client.get("/api/v1/messages/similar/", TYPED).json()["results"]
    assert interleaved == [None, alone["other"]]
    assert [f["public_id"] for f in first] == [lamp.public_id] and first[0]["similarity"] == alone["typed"]


def test_two_officers_at_once_each_read_their_own_cases_similarity(answered, as_persona, personas, directory,
                                                                    monkeypatch):
    """The same for the similar answers: the answered candidates are shared too."""
    from minsheng.api.views import staff

    old, new = answered
    another = actions.do_submit(personas["other_citizen"], title="滨河花园3号楼电梯故障老人被困", kind="complain",
                                region=directory["chengguan"],
                                body="滨河花园3号楼电梯这周停了两次, 老人被困在电梯里, 请督促物业维修电梯, 更换控制板。")
    actions.do_accept(personas["dispatcher"], another)
    actions.do_dispatch(personas["dispatcher"], another, directory["housing"])
    client = as_persona("officer")

    def url(case):
        return f"/api/v1/staff/cases/{case.public_id}/similar-answers/"

    alone = {case.pk: client.get(url(case)).json()[0]["similarity"] for case in (new, another)}
    assert alone[new.pk] != alone[another.pk]
    real, interleaved = staff.SimilarAnswerSerializer, []

    def another_officer_meanwhile(*args, **kwargs):
        if not interleaved:
            interleaved.append(None)
            interleaved.append(client.get(url(another)).json()[0]["similarity"])
        return real(*args, **kwargs)

    monkeypatch.setattr(staff, "SimilarAnswerSerializer", another_officer_meanwhile)
    first = client.get(url(new)).json()
    assert interleaved == [None, alone[another.pk]]
    assert [f["public_id"] for f in first] == [old.public_id] and first[0]["similarity"] == alone[new.pk]
