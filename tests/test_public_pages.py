"""Public pages through the HTTP client: home figures, browse with filters and search,
a message's page and timeline, addressee boards, region pages; scoping for the public
and for other citizens."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from minsheng.board import actions
from minsheng.board.models import Message, Support
from minsheng.board.workflow import Status
from minsheng.directory.models import Region, Topic
from minsheng.stats import facts
from minsheng.stats.models import MessageFact, Rollup

pytestmark = pytest.mark.django_db

BODY = "城关区某小区3号楼电梯坏了三个月, 老人上下楼非常困难, 物业一直推诿, 请有关部门督促尽快维修。"
REPLY = "经核查, 已责成物业公司于本周内完成电梯维修, 并加强日常维护, 感谢您的监督。"
CONTACTS = ("13800000001", "xiaoli@example.com")


def submit(user, d, **kw):
    fields = {"title": "小区电梯坏了三个月没人修", "body": BODY, "kind": "complain", "region": d["chengguan"],
              "topic": d["topic_build"]}
    fields.update(kw)
    return actions.do_submit(user, **fields)


def dispatched(p, d, m, unit=None):
    actions.do_dispatch(p["dispatcher"], m, unit or d["housing"])
    return m


def replied(p, d, m):
    dispatched(p, d, m)
    actions.do_sign(p["officer"], m, d["housing"])
    actions.do_reply(p["officer"], m, d["housing"], REPLY)
    return m


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


# --- home -------------------------------------------------------------------------

def test_home_shows_latest_answers_and_the_public_statistics_figures(client, personas, directory,
                                                                     django_assert_max_num_queries,
                                                                     django_capture_on_commit_callbacks):
    p, d = personas, directory
    with django_capture_on_commit_callbacks(execute=True):  # the statistics update after commit
        answered = [replied(p, d, submit(p["citizen"], d, title=f"已答复的留言{i}号")) for i in range(2)]
        dispatched(p, d, submit(p["citizen"], d, title="办理中的留言"))
        submit(p["citizen"], d, title="待审核的留言")  # not accepted yet: not counted as received
    # the same definitions as /stats/ (docs/statistics.md), recounted from the rows here
    public = Message.objects.filter(status__in=Status.public()).count()
    answered_n = Message.objects.filter(status__in=Status.answered()).count()
    assert (public, answered_n) == (3, 2)
    with django_assert_max_num_queries(6):
        page = text(client.get("/"))
    for m in answered:
        assert m.title in page
    assert "办理中的留言" not in page and "待审核的留言" not in page
    assert f"<strong>{public}</strong><span>受理留言</span>" in page
    assert f"<strong>{answered_n}</strong><span>已答复</span>" in page
    assert f"{round(100 * answered_n / public, 1)}%" in page



def test_the_received_figure_has_one_name_wherever_it_is_read(client, personas, directory,
                                                             django_capture_on_commit_callbacks):
    """The home page called the `received` figure 收到留言 and its rate 回复率 while /stats/,
    the exports and the API called the same numbers 受理 and 答复率; and 收到 was untrue of
    it, since a message still awaiting review, rejected, withdrawn or merged is not in it.
    A campaign's announcement keeps the official form (共收到群众留言 … 回应率)."""
    from minsheng.stats.models import Campaign

    p, d = personas, directory
    today = timezone.localdate()
    Campaign.objects.create(slug="now", name="本月征集", start=today - dt.timedelta(days=5), end=today)
    with django_capture_on_commit_callbacks(execute=True):
        replied(p, d, submit(p["citizen"], d, addressee=d["mayor"]))
        submit(p["citizen"], d, title="待审核的留言")  # not in the figure, though received
    pages = ["/", "/region/620100/", f"/leaders/{d['mayor'].pk}/", "/leaders/", "/stats/",
             "/stats/campaigns/now/", "/stats/list/?measure=received"]
    for url in pages:
        page = text(client.get(url))
        announcement = url.startswith("/stats/campaigns/")  # 回应率 in its sentence only
        for old in ("收到留言", "收到的留言", "回复率", *(() if announcement else ("回应率",))):
            assert old not in page, f"{url} still says {old}"
        assert "受理留言" in page, url
    home = text(client.get("/"))
    assert "<strong>1</strong><span>受理留言</span>" in home and "<span>答复率</span>" in home
    assert "不含待审核、未受理、撤回和重复(并单)的留言" in home and 'href="/stats/#definitions"' in home
    assert "共收到群众留言 1 件,其中 1 件得到回应,回应率 100.0%" in text(client.get("/stats/campaigns/now/"))
    # every public message of the period, under one heading (it read 全部留言留言)
    everything = text(client.get("/stats/list/?measure=submitted"))
    assert "<h1>全部留言 " in everything and "全部留言留言" not in everything
    schema = text(client.get("/api/schema/?format=json"))
    assert "受理留言: 通过审核" in schema and "答复率 = 已答复 / 受理留言" in schema and "回复率" not in schema


# --- scoping ----------------------------------------------------------------------

@pytest.mark.parametrize("status", ["submitted", "rejected", "withdrawn"])
def test_unpublished_messages_are_404_for_public_and_other_citizens(client, personas, directory, login, status):
    p, d = personas, directory
    m = submit(p["citizen"], d)
    if status == "rejected":
        actions.do_reject(p["dispatcher"], m, "与本平台受理范围无关")
    elif status == "withdrawn":
        actions.do_withdraw(p["citizen"], m)
    assert client.get(f"/m/{m.public_id}/").status_code == 404
    assert login(p["other_citizen"]).get(f"/m/{m.public_id}/").status_code == 404
    own = text(login(p["citizen"]).get(f"/m/{m.public_id}/"))
    assert "仅您本人可见" in own
    if status == "rejected":
        assert "与本平台受理范围无关" in own
    for url in ("/", "/browse/", f"/region/{d['lanzhou'].code}/", "/browse/?q=电梯"):
        assert m.title not in text(client.get(url))


def test_anonymous_author_name_and_contacts_never_appear(client, personas, directory, login):
    p, d = personas, directory
    m = replied(p, d, submit(p["citizen"], d, address="城关区东岗西路 100 号"))
    urls = [f"/m/{m.public_id}/", "/", "/browse/", f"/region/{d['chengguan'].code}/", "/browse/?q=电梯"]
    for viewer in (client, login(p["other_citizen"]), login(p["other_officer"])):
        for url in urls:
            page = text(viewer.get(url))
            assert "小李" not in page, url
            for contact in CONTACTS:
                assert contact not in page, (url, contact)
    page = text(client.get(f"/m/{m.public_id}/"))
    assert "匿名网友" in page and "城关区东岗西路 100 号" in page


def test_name_shown_only_when_chosen(client, personas, directory):
    p, d = personas, directory
    m = dispatched(p, d, submit(p["citizen"], d, show_name=True))
    page = text(client.get(f"/m/{m.public_id}/"))
    assert "小李" in page and "匿名网友" not in page
    for contact in CONTACTS:
        assert contact not in page


def test_private_events_never_appear(client, personas, directory, login):
    p, d = personas, directory
    m = submit(p["citizen"], d, topic=d["topic_env"])
    actions.do_dispatch(p["dispatcher"], m, d["ecology"], assists=[d["housing"]], topic=d["topic_build"])
    actions.do_assist_note(p["officer"], m, d["housing"], "内部意见: 该小区物业与开发商存在纠纷")
    for viewer in (client, login(p["other_citizen"]), login(p["citizen"])):
        page = text(viewer.get(f"/m/{m.public_id}/"))
        assert "内部意见" not in page and "协办意见" not in page and "人工更正分类" not in page
        assert "派单" in page and "交由 兰州市生态环境局 主办, 兰州市住房和城乡建设局 协办" in page


# --- message page ---------------------------------------------------------------------

def test_message_page_shows_timeline_reply_and_rating(client, personas, directory):
    p, d = personas, directory
    m = replied(p, d, submit(p["citizen"], d))
    actions.do_evaluate(p["citizen"], m, resolution="satisfied", attitude="basic", speed="unsatisfied",
                        comment="修好了, 但等得有点久")
    page = text(client.get(f"/m/{m.public_id}/"))
    for label in ("提交留言", "派单", "签收", "答复", "评价", "办结"):
        assert f"<strong>{label}</strong>" in page, label
    assert REPLY in page and "兰州市住房和城乡建设局" in page
    assert "解决情况: <strong class=\"rate-satisfied\">满意</strong>" in page
    assert "办理速度: <strong class=\"rate-unsatisfied\">不满意</strong>" in page
    assert "修好了, 但等得有点久" in page
    assert "已办结" in page


def test_merged_message_shows_main_reply(client, personas, directory):
    p, d = personas, directory
    main = replied(p, d, submit(p["citizen"], d, title="主留言: 电梯坏了"))
    dup = submit(p["other_citizen"], d, title="重复留言: 同一部电梯")
    actions.do_merge(p["dispatcher"], dup, main)
    page = text(client.get(f"/m/{dup.public_id}/"))
    assert "合并办理" in page and main.public_id in page and REPLY in page


def test_a_merged_messages_page_does_not_give_the_main_authors_rating_as_its_own(client, personas, directory):
    """A merged message's page shows the main message's reply with its rating: under
    「留言人评价」 it read as the rating of this page's 留言人, who never gave one."""
    p, d = personas, directory
    main = replied(p, d, submit(p["citizen"], d, title="主留言: 电梯坏了"))
    actions.do_evaluate(p["citizen"], main, resolution="unsatisfied", attitude="satisfied", speed="satisfied")
    dup = submit(p["other_citizen"], d, title="重复留言: 同一部电梯")
    actions.do_merge(p["dispatcher"], dup, main)
    page = text(client.get(f"/m/{dup.public_id}/"))
    assert "主留言留言人的评价" in page and 'class="rate-unsatisfied">不满意' in page
    assert "留言人评价" not in page
    assert "留言人评价" in text(client.get(f"/m/{main.public_id}/"))


def test_support_once(client, personas, directory, login):
    p, d = personas, directory
    m = dispatched(p, d, submit(p["citizen"], d))
    r = client.post(f"/m/{m.public_id}/support/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]
    c = login(p["other_citizen"])
    assert "已记录" in text(c.post(f"/m/{m.public_id}/support/", follow=True))
    page = text(c.post(f"/m/{m.public_id}/support/", follow=True))
    assert "您已经点过" in page and "1 人也遇到这个问题" in page
    m.refresh_from_db()
    assert m.support_count == 1 and Support.objects.filter(message=m).count() == 1
    hidden = submit(p["citizen"], d, title="还没审核的留言")
    assert c.post(f"/m/{hidden.public_id}/support/").status_code == 404
    assert not Support.objects.filter(message=hidden).exists()


def test_a_support_pressed_by_mistake_is_taken_back(client, personas, directory, login):
    """我也遇到 pressed by mistake could not be undone: the page offers 取消我也遇到 (a plain form,
    no script needed), the count falls back, a second undo changes nothing, and only the
    citizen who supported can take it back."""
    p, d = personas, directory
    m = dispatched(p, d, submit(p["citizen"], d))
    c = login(p["other_citizen"])
    page = text(c.post(f"/m/{m.public_id}/support/", follow=True))
    assert "1 人也遇到这个问题" in page
    assert f'action="/m/{m.public_id}/support/undo/"' in page and "取消我也遇到" in page
    # someone else (the unit officer) cannot take the citizen's support back
    login(p["officer"]).post(f"/m/{m.public_id}/support/undo/")
    m.refresh_from_db()
    assert m.support_count == 1 and Support.objects.filter(message=m, user=p["other_citizen"]).exists()
    page = text(c.post(f"/m/{m.public_id}/support/undo/", follow=True))
    assert "已取消“我也遇到”" in page and "还没有人点“我也遇到”" in page
    assert f'action="/m/{m.public_id}/support/"' in page and "取消我也遇到" not in page
    page = text(c.post(f"/m/{m.public_id}/support/undo/", follow=True))  # twice: harmless
    assert "您没有点过“我也遇到”" in page
    m.refresh_from_db()
    assert m.support_count == 0 and not Support.objects.filter(message=m).exists()
    assert f'href="/m/{m.public_id}/"' not in text(c.get("/me/messages/", {"supported": "1"}))  # 我也遇到的
    r = client.post(f"/m/{m.public_id}/support/undo/")
    assert r.status_code == 302 and "/accounts/login/" in r["Location"]


def test_author_cannot_support_own_message(personas, directory, login):
    """我也遇到 counts other people with the same problem: the author's own click would
    count them twice (and raise the hotspot's heat)."""
    p, d = personas, directory
    m = dispatched(p, d, submit(p["citizen"], d))
    c = login(p["citizen"])
    page = text(c.get(f"/m/{m.public_id}/"))
    # no one yet: said in words, not 「0 人也遇到这个问题」
    assert "还没有人点“我也遇到”" in page and "0 人" not in page and f"/m/{m.public_id}/support/" not in page
    page = text(c.post(f"/m/{m.public_id}/support/", follow=True))
    assert "这是您自己的留言" in page and "已记录" not in page
    m.refresh_from_db()
    assert m.support_count == 0 and not Support.objects.filter(message=m).exists()


def test_support_needs_post(client, personas, directory, login):
    m = dispatched(personas, directory, submit(personas["citizen"], directory))
    response = login(personas["other_citizen"]).get(f"/m/{m.public_id}/support/")
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert "此页面不接受 GET 请求" in response.content.decode()  # was an empty body: a blank page


def test_a_method_a_page_does_not_take_is_a_chinese_page(personas, login):
    client = login(personas["citizen"])
    for method in ("put", "delete"):
        for path in ("/api/tokens/", "/accounts/logout/"):
            response = getattr(client, method)(path)
            assert response.status_code == 405, path
            assert f"此页面不接受 {method.upper()} 请求" in response.content.decode(), path


def test_a_page_that_answers_get_answers_head(personas, login):
    """HEAD (link checkers, monitoring) is answered as GET is, without the body; the sign-out
    page and the tokens page answered it with 405 while GET showed the page."""
    client = login(personas["citizen"])
    for path in ("/api/tokens/", "/accounts/logout/"):
        assert client.get(path).status_code == 200, path
        response = client.head(path)
        assert (response.status_code, response.content) == (200, b""), path


def test_a_note_shown_on_the_405_page_is_not_shown_again(personas, login):
    """The 405 page shows the notes waiting (资料已保存) as every page does; they were kept for
    the next page too, which showed them a second time (the page was made after the notes were
    stored back)."""
    client = login(personas["citizen"])
    assert client.post("/accounts/me/", {"display_name": "新昵称"}).status_code == 302
    page = client.put("/api/tokens/")
    assert page.status_code == 405 and "资料已保存" in page.content.decode()
    assert "资料已保存" not in client.get("/accounts/me/").content.decode()


def test_the_405_page_may_not_be_framed(personas, login):
    """X-Frame-Options as on every page: it was set on the empty 405 the page replaced."""
    response = login(personas["citizen"]).put("/accounts/logout/")
    assert response.status_code == 405 and response["X-Frame-Options"] == "DENY"


# --- browse ---------------------------------------------------------------------------

@pytest.fixture
def spread(personas, directory, django_capture_on_commit_callbacks):
    """Published messages across regions, topics, kinds, statuses and dates (and their
    statistics, which are updated after each commit)."""
    with django_capture_on_commit_callbacks(execute=True):
        return _spread(personas, directory)


def _spread(p, d):
    now = timezone.now()
    rows = {
        "cg": dispatched(p, d, submit(p["citizen"], d, title="城关区路灯不亮", body="城关区某街道路灯晚上全部不亮, 夜间出行很不安全, 请尽快修复。")),
        "qlh": replied(p, d, submit(p["citizen"], d, title="七里河区电梯维修", region=d["qilihe"],
                                    body="七里河区某小区电梯经常停运, 居民出行困难, 请督促物业及时维修。")),
        "dx": actions.do_submit(p["citizen"], title="定西市噪音扰民", region=d["dingxi"], kind="consult",
                                topic=d["topic_env"], body="定西市某搅拌站夜间施工噪音很大, 影响周边居民休息, 请问如何处理?",
                                at=now - dt.timedelta(days=40)),
    }
    actions.do_dispatch(p["dx_dispatcher"], rows["dx"], d["dx_housing"], at=now - dt.timedelta(days=39))
    return rows


def titles(page):
    return {t for t in ("城关区路灯不亮", "七里河区电梯维修", "定西市噪音扰民") if t in page}


@pytest.mark.parametrize("params, expected", [
    ({}, {"城关区路灯不亮", "七里河区电梯维修", "定西市噪音扰民"}),
    ({"region": "620100"}, {"城关区路灯不亮", "七里河区电梯维修"}),  # the prefecture's subtree
    ({"region": "620103"}, {"七里河区电梯维修"}),
    ({"topic": "environment"}, {"定西市噪音扰民"}),
    ({"kind": "consult"}, {"定西市噪音扰民"}),
    ({"status": "replied"}, {"七里河区电梯维修"}),
    ({"q": "电梯"}, {"七里河区电梯维修"}),
    ({"q": "噪"}, {"定西市噪音扰民"}),  # one character still finds it
    ({"q": "路灯 城关区"}, {"城关区路灯不亮"}),
    ({"q": "高铁"}, set()),
])
def test_browse_filters(client, spread, params, expected):
    assert titles(text(client.get("/browse/", params))) == expected


def test_browse_date_range(client, spread):
    today = timezone.localdate()
    recent = text(client.get("/browse/", {"date_from": (today - dt.timedelta(days=7)).isoformat()}))
    assert titles(recent) == {"城关区路灯不亮", "七里河区电梯维修"}
    old = text(client.get("/browse/", {"date_to": (today - dt.timedelta(days=30)).isoformat()}))
    assert titles(old) == {"定西市噪音扰民"}


def test_browse_dates_the_wrong_way_round_say_so(client, spread):
    """起始日期 after 截止日期 listed nothing and said nothing; 公开统计 names the problem."""
    today = timezone.localdate()
    page = text(client.get("/browse/", {"date_from": (today - dt.timedelta(days=7)).isoformat(),
                                        "date_to": (today - dt.timedelta(days=30)).isoformat()}))
    assert "截止日期早于起始日期" in page
    assert titles(page) == {"城关区路灯不亮", "七里河区电梯维修"}  # from 起始日期 on


def test_browse_bad_filter_values_never_break(client, spread):
    page = text(client.get("/browse/", {"date_from": "昨天", "kind": "nope", "status": "submitted", "page": "x"}))
    assert "日期格式应为" in page
    assert titles(page) == {"城关区路灯不亮", "七里河区电梯维修", "定西市噪音扰民"}


@pytest.mark.parametrize("params, said", [
    ({"region": "999999"}, "没有区划代码为 999999 的区划"),
    ({"topic": "zzz"}, "没有代码为 zzz 的领域"),
    ({"kind": "nope"}, "没有这种类型, 未按类型筛选"),
    ({"status": "submitted"}, "没有这种状态, 未按状态筛选"),
])
def test_browse_a_filter_value_that_names_nothing_is_said_and_dropped(client, spread, params, said):
    """A walk, 2026-12-07: /browse/?region=999999 (or ?topic=zzz) read 「没有符合条件的留言」 under 「全部区划」, and
    ?kind=nope or ?status=submitted listed all, the box marked invalid for a screen reader with no message shown.
    Each says what was wrong, next to its box, and the list is the one without it."""
    page = client.get("/browse/", params).content.decode()
    field = next(iter(params))
    error = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    assert error and said in error.group(1), page[page.find("<form"):page.find("</form>")][:3000]
    assert titles(text(client.get("/browse/", params))) == {"城关区路灯不亮", "七里河区电梯维修", "定西市噪音扰民"}


@pytest.mark.parametrize("field", ["region", "topic", "kind", "status"])
def test_browse_a_long_bad_filter_value_is_not_echoed_whole(client, spread, field):
    """A value of 300 characters in any filter is said wrong next to its box, as short ones are, and the page
    does not give it back whole (类型 and 状态 echoed it at full length, Django's own words; review, 2026-12-07)."""
    value = "x" * 300
    page = client.get("/browse/", {field: value}).content.decode()
    error = re.search(rf'<ul class="errorlist" id="id_{field}_error">(.*?)</ul>', page, re.S)
    assert error and "未按" in error.group(1), page[page.find("<form"):page.find("</form>")][:3000]
    form = page[page.find('<form class="filters'):page.find("</form>")]
    assert "x" * 21 not in form, error.group(1)  # the link to 登录 carries the address, ?next=, as it came


def _topic_options(page: str) -> list[str]:
    select = re.search(r'<select name="topic"[^>]*>(.*?)</select>', page, re.S).group(1)
    return [re.sub(r"<[^>]+>", "", o).strip(" ") for o in re.findall(r"<option[^>]*>[^<]*", select)][1:]


@pytest.mark.parametrize("url, persona", [("/browse/", None), ("/stats/", None), ("/post/", "citizen"),
                                          ("case", "dispatcher")])
def test_topic_select_lists_each_parent_with_its_own_children(client, personas, directory, login, url, persona):
    """Sub-topics sit under their own parent: sorted flat by ``sort`` the first children of
    every parent came together, and 噪声污染 (环境保护) read as a child of 城乡建设."""
    d = directory
    Topic.objects.create(code="urban-property", name="物业管理", parent=d["topic_build"], sort=1)
    Topic.objects.create(code="environment-noise", name="噪声污染", parent=d["topic_env"], sort=1)
    if url == "case":
        url = f"/staff/case/{submit(personas['citizen'], d).public_id}/"
    page = text((login(personas[persona]) if persona else client).get(url))
    assert _topic_options(page) == ["城乡建设", "\u3000物业管理", "环境保护", "\u3000噪声污染", "交通运输"]


def test_home_more_answers_lists_every_answered_message(client, personas, directory):
    """最新答复's 查看更多 leads to all the answered messages, rated and closed ones too (it
    listed only those still waiting for a rating: 9 of the demo's 500)."""
    p, d = personas, directory
    replied(p, d, submit(p["citizen"], d, title="已答复待评价的留言"))
    rated = replied(p, d, submit(p["citizen"], d, title="已答复已评价的留言"))
    actions.do_evaluate(p["citizen"], rated, resolution="satisfied", attitude="satisfied", speed="satisfied")
    dispatched(p, d, submit(p["citizen"], d, title="还在办理的留言"))
    home = text(client.get("/"))
    assert "已答复已评价的留言" in home
    more = re.search(r'<a href="([^"]+)">查看更多', home).group(1).replace("&amp;", "&")
    page = text(client.get(more))
    assert "已答复待评价的留言" in page and "已答复已评价的留言" in page and "还在办理的留言" not in page


def test_browse_paginates_with_bounded_queries(client, personas, directory, django_assert_max_num_queries):
    p, d = personas, directory
    for i in range(45):
        m = submit(p["citizen"] if i % 2 else p["other_citizen"], d, title=f"分页留言第{i:02d}号")
        actions.do_accept(p["dispatcher"], m)
    with django_assert_max_num_queries(8):
        first = text(client.get("/browse/"))
    with django_assert_max_num_queries(8):
        third = text(client.get("/browse/", {"page": 3}))
    assert first.count("分页留言第") == 20 and third.count("分页留言第") == 5
    assert "第 1 / 3 页" in first and "共 45 条" in first


def test_a_page_past_the_last_says_which_page_it_shows(client, personas, directory, login):
    """?page=99 of three pages listed the third without a word, as if page 99 held it. The note is
    above the rows (it was by the pager below them, out of sight of one who typed the address)."""
    from minsheng.board.models import Notification

    p, d = personas, directory
    for i in range(45):
        actions.do_accept(p["dispatcher"], submit(p["citizen"], d, title=f"分页留言第{i:02d}号"))
    past = text(client.get("/browse/", {"page": 99}))
    assert "第 99 页不存在, 已显示第 3 页" in past and past.count("分页留言第") == 5
    assert past.index("第 99 页不存在") < past.index("分页留言第")
    mine = text(login(p["citizen"]).get("/me/messages/", {"page": 9}))
    assert "第 9 页不存在, 已显示第 3 页" in mine and mine.index("第 9 页不存在") < mine.index("分页留言第")
    Notification.objects.create(user=p["citizen"], kind="replied", text="您的留言有了答复")
    notes = text(login(p["citizen"]).get("/me/notifications/", {"page": 2}))
    assert "第 2 页不存在, 已显示第 1 页" in notes and notes.index("第 2 页不存在") < notes.index("您的留言有了答复")
    assert "页不存在" not in text(client.get("/browse/", {"page": 3}))
    assert "页不存在" not in text(client.get("/browse/", {"page": "abc"}))  # not a page number: the first


# --- addressee and region pages ---------------------------------------------------------

def test_addressee_board(client, personas, directory, django_assert_max_num_queries):
    p, d = personas, directory
    to_mayor = dispatched(p, d, submit(p["citizen"], d, title="写给市长的留言", addressee=d["mayor"]))
    dispatched(p, d, submit(p["citizen"], d, title="写给职能部门的留言"))
    submit(p["citizen"], d, title="写给市长但未审核", addressee=d["mayor"])
    with django_assert_max_num_queries(8):
        page = text(client.get(f"/leaders/{d['mayor'].pk}/"))
    assert to_mayor.title in page
    assert "写给职能部门的留言" not in page and "写给市长但未审核" not in page
    assert "兰州市市长" in text(client.get("/leaders/"))
    assert client.get("/leaders/99999/").status_code == 404


def test_leader_board_lists_answered_or_in_hand_messages_apart(client, personas, directory):
    """人民网's boards offer 已回复 / 办理中 lists; a leader's board listed every message in one list, and
    a reader after the answers paged through the cases still in hand."""
    p, d = personas, directory
    replied(p, d, submit(p["citizen"], d, title="写给市长已经答复", addressee=d["mayor"]))
    dispatched(p, d, submit(p["citizen"], d, title="写给市长正在办理", addressee=d["mayor"]))
    url = f"/leaders/{d['mayor'].pk}/"
    board = text(client.get(url))
    assert '<a href="?" class="on" aria-current="page">全部 (2)</a>' in board
    assert '<a href="?status=answered">已答复 (1)</a>' in board and '<a href="?status=handling">办理中 (1)</a>' in board
    answered = text(client.get(url, {"status": "answered"}))
    assert "写给市长已经答复" in answered and "写给市长正在办理" not in answered
    assert 'class="on" aria-current="page">已答复 (1)' in answered
    in_hand = text(client.get(url, {"status": "handling"}))
    assert "写给市长正在办理" in in_hand and "写给市长已经答复" not in in_hand
    everything = text(client.get(url, {"status": "nonsense"}))  # an unknown tab: all of them
    assert "写给市长已经答复" in everything and "写给市长正在办理" in everything


def test_region_page_counts_subtree(client, personas, directory, spread, django_assert_max_num_queries):
    with django_assert_max_num_queries(12):  # the figures: rollups, open cases, since 2026-12-05 misses and 签收 (SignFor)
        page = text(client.get("/region/620100/"))
    assert titles(page) == {"城关区路灯不亮", "七里河区电梯维修"}
    assert 'href="/region/620102/">城关区</a> <span class="muted">1 条' in page
    assert 'href="/region/620103/">七里河区</a> <span class="muted">1 条' in page
    province = text(client.get("/region/620000/"))
    assert 'href="/region/620100/">兰州市</a> <span class="muted">2 条' in province
    assert 'href="/region/621100/">定西市</a> <span class="muted">1 条' in province
    assert client.get("/region/000000/").status_code == 404
    assert Region.objects.filter(code="620000").exists()


def test_region_page_shows_its_code_to_staff_only(client, personas, directory, login):
    """The heading printed the raw code (「620102」) beside the name to every citizen; it helps
    only staff and admins, who look regions up by it. Links still carry it."""
    page = text(client.get("/region/620102/"))
    heading = page[page.index("<h1>"):page.index("</h1>")]
    assert "城关区" in heading and "620102" not in heading
    assert "620102" not in re.sub(r"<[^>]*>", "", page)  # nowhere as text, only in addresses
    assert 'href="/post/?region=620102"' in page or "region=620102" in page
    staff_page = text(login(personas["officer"]).get("/region/620102/"))
    assert '<span class="sep">620102</span>' in staff_page[staff_page.index("<h1>"):staff_page.index("</h1>")]


def test_region_page_sub_region_counts_are_their_headlines(client, personas, directory,
                                                           django_capture_on_commit_callbacks):
    """A sub-region's count is the 受理留言 of its own page; the list also holds merged
    messages (public, but counted once, in the main message) and says so."""
    p, d = personas, directory
    with django_capture_on_commit_callbacks(execute=True):
        main = replied(p, d, submit(p["citizen"], d, title="城关区电梯主留言"))
        actions.do_merge(p["dispatcher"], submit(p["other_citizen"], d, title="城关区电梯重复留言"), main)
        dispatched(p, d, submit(p["citizen"], d, title="七里河区路灯不亮", region=d["qilihe"]))
    city = text(client.get("/region/620100/"))
    county = text(client.get("/region/620102/"))
    assert 'href="/region/620102/">城关区</a> <span class="muted">1 条' in city
    assert "<strong>1</strong><span>受理留言</span>" in county
    assert 'href="/region/620103/">七里河区</a> <span class="muted">1 条' in city
    assert "<strong>2</strong><span>受理留言</span>" in city
    assert "城关区电梯重复留言" in city and "城关区电梯重复留言" in county  # merged: still listed
    assert "共 3 条 (含已并入其他留言的 1 条" in city
    assert "共 2 条 (含已并入其他留言的 1 条" in county
    qilihe = text(client.get("/region/620103/"))
    assert "<strong>1</strong><span>受理留言</span>" in qilihe and "含已并入" not in qilihe


def test_region_page_figures_are_the_public_statistics(client, personas, directory,
                                                      django_capture_on_commit_callbacks):
    """A reopened case was replied once: the region page counts it as /stats/ does."""
    from minsheng.stats.figures import compute

    p, d = personas, directory
    with django_capture_on_commit_callbacks(execute=True):
        m = replied(p, d, submit(p["citizen"], d))
        actions.do_evaluate(p["citizen"], m, resolution="unsatisfied", attitude="basic", speed="basic")
        actions.do_reopen(p["citizen"], m, "电梯仍然无法使用")
    figures = compute(region="620100")
    assert (figures["received"], figures["replied"]) == (1, 1)
    page = text(client.get("/region/620100/"))
    assert "<strong>1</strong><span>受理留言</span>" in page
    assert "<strong>1</strong><span>已答复</span>" in page and "<strong>100.0%</strong>" in page


def test_the_mean_reply_time_reads_the_same_on_every_page(client, personas, directory,
                                                         django_capture_on_commit_callbacks):
    """平均答复用时 read 6.2 on the home page and 6.15 on /stats/: the same figure rounded two
    ways. Every page shows it with one decimal (``figures.days_text``)."""
    from minsheng.stats.facts import WORKDAYS, local_date

    p, d = personas, directory
    now = timezone.now()
    # one message answered k working days after it was written, two the same day: k / 3 has two decimals
    back = next(n for n in range(1, 15) if WORKDAYS.days_between(local_date(now - dt.timedelta(days=n)),
                                                                 local_date(now)) % 3)
    k = WORKDAYS.days_between(local_date(now - dt.timedelta(days=back)), local_date(now))
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(3):
            m = submit(p["citizen"], d, title=f"小区电梯坏了第{i + 1}次")
            if i == 0:
                Message.objects.filter(pk=m.pk).update(submitted_at=now - dt.timedelta(days=back))
                m.refresh_from_db()
            replied(p, d, m)
    shown = f"{k / 3:.1f}"
    assert "<strong>3</strong><span>已答复</span>" in text(client.get("/"))
    assert f"<strong>{shown}</strong><span>平均答复用时 (工作日)</span>" in text(client.get("/"))
    assert f"<strong>{shown}</strong><span>平均答复用时 (工作日)</span>" in text(client.get("/region/620100/"))
    stats = re.sub(r"\s+", " ", text(client.get("/stats/")))
    assert f'<span class="value">{shown}</span><span class="name">平均答复用时 (工作日)</span>' in stats
    units = text(client.get("/stats/units/"))
    assert f"<td>{shown}</td>" in units and f"<td>{k / 3:.2f}</td>" not in units


def test_the_mean_reply_time_is_rounded_once(client, directory):
    """A true mean of 6.149 working days was rounded to 6.15 in the figures, then to one decimal, half up: the
    pages read 6.2 (review of 2026-12-06). Rounded once, where shown: 6.1 on the pages, 6.15 in the API and
    the exports, as before."""
    from minsheng.stats import figures
    from minsheng.stats.exports import totals_rows
    from minsheng.stats.models import CUBES, HIST_FIELDS, OFFICE_CUBES

    mayor, month = directory["mayor"], timezone.localdate().replace(day=1)
    dims = {"p1": "62", "p2": "6201", "p3": "620102", "p4": "", "unit_key": 0, "topic_key": 0, "kind": "help"}
    counts = {"submitted": 1000, "received": 1000, "replied": 1000, "on_time": 1000, "days_sum": 6149,
              HIST_FIELDS[6]: 1000}
    Rollup.objects.bulk_create([
        Rollup(cube=cube, grain=Rollup.Grain.MONTH, period=month, month=month, **counts,
               **{k: (v if k in kept else type(v)()) for k, v in dims.items()},
               addressee_key=mayor.pk if cube in OFFICE_CUBES else 0)
        for cube, kept in CUBES.items()])
    figures.bump_version()
    stats = re.sub(r"\s+", " ", text(client.get("/stats/?region=620100")))
    assert '<span class="value">6.1</span><span class="name">平均答复用时 (工作日)</span>' in stats
    assert "<strong>6.1</strong><span>平均答复用时 (工作日)</span>" in text(client.get(f"/leaders/{mayor.pk}/"))
    assert client.get("/api/v1/statistics/?region=620100").json()["mean_days_to_reply"] == 6.15
    assert client.get(f"/api/v1/addressees/{mayor.pk}/").json()["figures"]["mean_days_to_reply"] == 6.15
    assert ["平均答复用时(工作日)", 6.15] in totals_rows(figures.compute(region="620100"))


def test_days_are_rounded_half_up_to_one_decimal():
    """The float's own rounding read 6.25 as 6.2 (``round``) where the workbook's 0.0 reads 6.3."""
    from minsheng.stats.figures import days_text

    assert [days_text(v) for v in (6.15, 6.25, 6, 0.33, None)] == ["6.2", "6.3", "6.0", "0.3", "—"]


def test_leader_board_figures_are_the_public_statistics(client, personas, directory,
                                                       django_capture_on_commit_callbacks):
    """A leader's board counts as /stats/ does: a reopened case stays replied, a message
    not yet accepted is not received, a message to another office is not counted."""
    p, d = personas, directory
    with django_capture_on_commit_callbacks(execute=True):
        m = replied(p, d, submit(p["citizen"], d, addressee=d["mayor"]))
        actions.do_evaluate(p["citizen"], m, resolution="unsatisfied", attitude="basic", speed="basic")
        actions.do_reopen(p["citizen"], m, "电梯仍然无法使用")
        dispatched(p, d, submit(p["citizen"], d, title="写给市长还没答复", addressee=d["mayor"]))
        submit(p["citizen"], d, title="写给市长但未审核", addressee=d["mayor"])
        replied(p, d, submit(p["citizen"], d, title="写给职能部门的留言"))
    MessageFact.objects.filter(message=m).update(days=4)  # answered four working days after it was written
    Rollup.objects.all().delete()  # the office's figures read its rollups (stats 0015): summed again from that fact
    facts._aggregate_rollups()
    page = text(client.get(f"/leaders/{d['mayor'].pk}/"))
    assert "<strong>2</strong><span>受理留言</span>" in page
    assert "<strong>1</strong><span>已答复</span>" in page and "<strong>50.0%</strong>" in page
    # how fast the board answers, which a reader comparing leaders looks for first: it said nowhere
    assert "<strong>4.0</strong><span>平均答复用时 (工作日)</span>" in page
    index = text(client.get("/leaders/"))  # each office's 答复率 beside its count, as its board gives it
    assert f'href="/leaders/{d["mayor"].pk}/">兰州市市长</a> <span class="muted">(受理 2 · 答复率 50.0%)</span>' in index


def test_leader_board_says_whether_its_messages_were_answered_on_time(client, personas, directory,
                                                                   django_capture_on_commit_callbacks):
    """按时率 beside 答复率, as /stats/ counts it (on time / (已答复 + 误期未答复)): a leader asking whether
    the office answered on time found only how many were answered, and a case left past its deadline
    did not lower any figure of the board."""
    from minsheng.stats.figures import compute
    from minsheng.stats.models import OpenCase

    p, d = personas, directory
    with django_capture_on_commit_callbacks(execute=True):
        replied(p, d, submit(p["citizen"], d, addressee=d["mayor"]))
        late = dispatched(p, d, submit(p["citizen"], d, title="写给市长已过期限", addressee=d["mayor"]))
        replied(p, d, submit(p["citizen"], d, title="写给职能部门的留言"))
    OpenCase.objects.filter(message=late).update(due_at=timezone.now() - dt.timedelta(days=1))
    board = text(client.get(f"/leaders/{d['mayor'].pk}/"))
    assert (f'<strong>50.0%</strong><span>按时率 (1 件按时, 误期 <a href="/stats/list/?addressee={d["mayor"].pk}'
            '&amp;measure=missed">1</a> 件)</span>') in board
    assert "按时率: 在答复期限内首次答复的留言 / (已答复 + 误期未答复)" in board  # what it counts, as /stats/ says
    figures = compute(region="620100")  # the region page's is /stats/'s: two on time, one missed
    assert (figures["on_time"], figures["missed"]) == (2, 1)
    assert ('<strong>66.7%</strong><span>按时率 (2 件按时, 误期 <a href="/stats/list/?region=620100&amp;measure=missed">'
            '1</a> 件)</span>') in text(client.get("/region/620100/"))


def test_leader_counts_agree_with_the_board_and_its_list(client, personas, directory,
                                                        django_capture_on_commit_callbacks):
    """/leaders/ shows each office's 受理留言, the figure its board leads with; a merged
    message (public, counted once in its main message) is in the board's list, which says so."""
    p, d = personas, directory
    with django_capture_on_commit_callbacks(execute=True):
        main = replied(p, d, submit(p["citizen"], d, title="写给市长的主留言", addressee=d["mayor"]))
        dup = submit(p["other_citizen"], d, title="写给市长的重复留言", addressee=d["mayor"])
        actions.do_merge(p["dispatcher"], dup, main)
    index = text(client.get("/leaders/"))
    assert f'href="/leaders/{d["mayor"].pk}/">兰州市市长</a> <span class="muted">(受理 1 · 答复率 100.0%)</span>' in index
    assert "括号内为受理留言数和答复率" in index  # a bare (1) read as anything: unread, pages, people
    board = text(client.get(f"/leaders/{d['mayor'].pk}/"))
    assert "<strong>1</strong><span>受理留言</span>" in board
    assert "写给市长的主留言" in board and "写给市长的重复留言" in board
    assert "共 2 条 (含已并入其他留言的 1 条" in board


def test_leaders_boards_are_in_every_pages_navigation(client, personas, directory, login):
    """领导留言板, the list of leaders to write to, was linked from the home page alone: a citizen on
    any other page (a message, the post form, a region) had no way to it but the home page."""
    for viewer, url in ((client, "/browse/"), (client, "/region/620100/"), (login(personas["citizen"]), "/post/")):
        nav = text(viewer.get(url)).split('<nav aria-label="网站导航">')[1].split("</nav>")[0]
        assert '<a href="/leaders/">领导留言板</a>' in nav


def test_pages_render_for_anonymous_and_signed_in(client, personas, directory, login):
    for viewer in (client, login(personas["citizen"]), login(personas["officer"])):
        for url in ("/", "/browse/", "/leaders/", "/region/620000/"):
            assert viewer.get(url).status_code == 200
    staff_nav = text(login(personas["dispatcher"]).get("/"))
    assert "工作台" in staff_nav and "工作台" not in text(login(personas["citizen"]).get("/"))


@pytest.mark.parametrize("q", ['"', "*", "OR", "a(b", "NEAR(", "'", '电梯"OR"', "%", "\\", "-", "AND NOT", "电" * 300])
def test_odd_search_queries_never_fail(client, spread, q):
    r = client.get("/browse/", {"q": q})
    assert r.status_code == 200


def test_message_page_runs_a_bounded_number_of_queries(client, personas, directory, login,
                                                       django_assert_max_num_queries):
    p, d = personas, directory
    m = replied(p, d, submit(p["citizen"], d))
    actions.do_evaluate(p["citizen"], m, resolution="unsatisfied", attitude="basic", speed="basic")
    actions.do_reopen(p["citizen"], m, "电梯仍然无法使用")
    actions.do_sign(p["officer"], m, d["housing"])
    actions.do_reply(p["officer"], m, d["housing"], REPLY + " 第二次答复。")
    for viewer in (client, login(p["citizen"])):
        with django_assert_max_num_queries(14):
            page = text(viewer.get(f"/m/{m.public_id}/"))
        assert "第 2 次答复" in page and "重办" in page


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/stats/?region=%00", "/stats/units/?topic=%00", "/stats/list/?region=%00",
                                 "/stats/export/messages.csv?status=%00", "/stats/export/table.csv?topic=%00",
                                 "/post/where/?region=%00", "/m/%00/", "/browse/?q=%00", "/hotspots/?re%00gion=1"])
def test_a_nul_character_in_the_address_is_a_clear_400_on_every_database(client, directory, url):
    # PostgreSQL refuses a NUL in a query: these were 500s there
    response = client.get(url)
    assert response.status_code == 400
    assert "请求中含有无效字符" in response.content.decode()
    response = client.get(url, HTTP_ACCEPT="application/json")
    assert response.status_code == 400 and response.json() == {"error": "请求中含有无效字符 (NUL)"}


@pytest.mark.django_db
def test_a_token_named_with_a_nul_character_is_refused_on_its_form(personas, login):
    officer = login(personas["officer"])
    response = officer.post("/api/tokens/", {"name": "对接\x00系统"})
    assert response.status_code == 400 and "名称含有无法识别的控制字符" in response.content.decode()
    assert not personas["officer"].api_tokens.exists()


def test_the_icon_browsers_ask_for_is_found(client):
    """The admin and the API's pages name no icon: the browser's request for /favicon.ico was a
    404 on each of them (in the console and the log)."""
    r = client.get("/favicon.ico")
    assert r.status_code == 301 and r["Location"] == "/static/favicon.svg"


def test_leaders_index_says_how_its_counts_are_counted(client, personas, directory,
                                                       django_capture_on_commit_callbacks):
    """/leaders/ puts a 受理 count beside each office, as a reader comparing offices reads it: a message
    still awaiting review or refused is not in it, which the page said nowhere, nor where the counting
    is defined (the home, region and board pages say both under their figures)."""
    p, d = personas, directory
    with django_capture_on_commit_callbacks(execute=True):
        replied(p, d, submit(p["citizen"], d, title="写给市长并已答复", addressee=d["mayor"]))
        submit(p["other_citizen"], d, title="写给市长尚待审核", addressee=d["mayor"])
    index = text(client.get("/leaders/"))
    assert f'href="/leaders/{d["mayor"].pk}/">兰州市市长</a> <span class="muted">(受理 1 · 答复率 100.0%)</span>' in index
    assert "不含待审核、未受理、撤回和重复(并单)的留言" in index
    assert '<a href="/stats/#definitions">统计口径</a>' in index


def test_home_and_region_figures_link_to_the_messages_they_count(client, personas, directory,
                                                                 django_capture_on_commit_callbacks):
    """A reader checking the home page's or a region page's 受理留言 and 已答复 had no way from them to the
    messages counted (only /stats/'s figures linked); each now leads to its list, as long as the figure."""
    p, d = personas, directory
    with django_capture_on_commit_callbacks(execute=True):
        replied(p, d, submit(p["citizen"], d, title="城关区路灯不亮已答复"))
        dispatched(p, d, submit(p["other_citizen"], d, title="城关区井盖缺失待答复"))
        submit(p["citizen"], d, title="尚待审核的留言")  # not counted, not listed
    counted = Message.objects.exclude(status__in=[Status.SUBMITTED, Status.REJECTED, Status.WITHDRAWN,
                                                  Status.MERGED])
    answered = counted.filter(replied_at__isnull=False)
    assert (counted.count(), answered.count()) == (2, 1)
    for url, region in (("/", None), ("/region/620100/", "620100")):
        page = text(client.get(url))
        assert f"<strong>{counted.count()}</strong><span>受理留言</span>" in page
        for measure, want in (("received", counted), ("replied", answered)):
            link = re.search(rf'href="(/stats/list/\?[^"]*measure={measure})"', page)
            assert link, (url, measure)
            assert (f"region={region}" in link.group(1)) == (region is not None)
            listed = text(client.get(link.group(1).replace("&amp;", "&")))
            assert f"共 {want.count()} 件" in listed
            assert all(m.title in listed for m in want) and "尚待审核的留言" not in listed
