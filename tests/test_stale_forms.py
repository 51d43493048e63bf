"""A staff form loaded in one tab, the case moved on by someone else, the form then sent: for each
case action and each state the case could have moved to, posted as a browser would (the page's own
form, valid values) and as htmx would. It is refused (409, in Chinese) and changes nothing — no row
of any table, no notification; the same form sent twice quickly acts once (docs/decisions.md,
optimistic locking)."""

from __future__ import annotations

import html
import re
import threading
from unittest import mock

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.urls import reverse

from minsheng.board import actions
from minsheng.board.models import Event, Extension, Message

from .conftest import build_directory, build_personas, make_user, shared_once

REPLY_TEXT = "经现场核查, 该小区加装电梯工作已列入今年计划, 预计十月底前开工建设, 请您关注。"
REASON = "该事项不属于本单位职责范围, 请重新派单"
# rows a request may touch without acting on the case: the session (flash messages), sign-in times
UNWATCHED = {"django_session"}
MOVED_AWAY = "该留言当前不在您单位办理: 该留言已于 "


def snapshot() -> dict:
    return {
        m._meta.label: list(m.objects.order_by("pk").values())
        for m in apps.get_models()
        if m._meta.db_table not in UNWATCHED and not m._meta.proxy
    }


def page_form(client, m, action: str) -> dict:
    """The fields the case page's form for ``action`` sends as it stands (hidden ones, selected options)."""
    page = client.get(reverse("board:case", args=[m.public_id])).content.decode()
    url = reverse("board:case_action", args=[m.public_id, action])
    return form_fields(page, f'action="{re.escape(url)}"')


def form_fields(page: str, opening: str) -> dict:
    """The fields the first form of ``page`` whose opening tag matches ``opening`` (a regex) sends."""
    found = re.search(rf"<form[^>]*{opening}[^>]*>(.*?)</form>", page, re.S)
    assert found, f"no form {opening} on the page"
    form, data = found.group(1), {}
    for tag in re.findall(r"<input[^>]*>", form):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        kind = re.search(r'type="([^"]*)"', tag)
        if name and (not kind or kind.group(1) not in ("checkbox", "radio", "submit") or "checked" in tag):
            data[name.group(1)] = html.unescape(value.group(1)) if value else ""
    for name, options in re.findall(r'<select[^>]*name="([^"]*)"[^>]*>(.*?)</select>', form, re.S):
        chosen = re.findall(r'<option value="([^"]*)"[^>]*selected', options)
        if chosen:
            data[name] = chosen if len(chosen) > 1 else chosen[0]
    return data


def build_people(directory) -> dict:
    """The second officer, dispatcher and supervisor who move the case meanwhile, and 住建局's heads."""
    housing, lanzhou = directory["housing"], directory["lanzhou"]
    return {
        "officer2": make_user("officer2", role="officer", unit=housing, display_name="住建局李"),
        "head": make_user("housing_head", role="head", unit=housing, display_name="住建局王局长"),
        "head2": make_user("housing_head2", role="head", unit=housing, display_name="住建局赵副局长"),
        "dispatcher2": make_user("dispatcher2", role="dispatcher", region=lanzhou, display_name="派单员二"),
        "supervisor2": make_user("supervisor2", role="supervisor", region=lanzhou, display_name="督办员二"),
    }


def _build_stale_world() -> dict:
    directory = build_directory()
    return {
        "directory": directory,
        "personas": build_personas(directory),
        "stale_people": build_people(directory),
    }


# the directory and the people are built once for the consecutive tests of the walks (tests/conftest.py,
# ``_SharedWorld``), not for each of their 230 tests (CI time, docs/decisions.md, 2026-12-07)
shared_once("stale_people", _build_stale_world)


@pytest.fixture
def stale_people(directory, _world_copy):
    return _world_copy["stale_people"] if "stale_people" in _world_copy else build_people(directory)


class SignedIn(dict):
    """person -> a test Client signed in as that person, signed in when first asked for (a test sends as one or
    two of the twelve)."""

    def __init__(self, people: dict, login):
        super().__init__()
        self.people, self.login = people, login

    def __missing__(self, who: str):
        self[who] = self.login(self.people[who])
        return self[who]


@pytest.fixture
def world(personas, directory, stale_people, login):
    people = {**personas, **stale_people}
    return {"p": people, "d": directory, "c": SignedIn(people, login)}


def submit(w, title="七里河区老旧小区没有电梯") -> Message:
    return actions.do_submit(
        w["p"]["citizen"],
        title=title,
        kind="complain",
        region=w["d"]["qilihe"],
        body="我们小区是上世纪九十年代的老楼, 老人上下楼非常困难, 希望尽快加装电梯。",
        topic=w["d"]["topic_build"],
    )


def fresh(m) -> Message:
    return Message.objects.get(pk=m.pk)


# --- the state the form is loaded in --------------------------------------------------------------


def at_submitted(w):
    return submit(w)


def at_accepted(w):
    m = submit(w)
    actions.do_accept(w["p"]["dispatcher"], m)
    return fresh(m)


def at_dispatched(w):
    m = at_accepted(w)
    actions.do_dispatch(w["p"]["dispatcher"], m, w["d"]["housing"], assists=[w["d"]["ecology"]])
    return fresh(m)


def at_signed(w):
    m = at_dispatched(w)
    actions.do_sign(w["p"]["officer"], m, w["d"]["housing"])
    return fresh(m)


def at_merged(w):
    main = at_accepted(w)
    m = submit(w, title="七里河区老楼加装电梯的问题")
    actions.do_accept(w["p"]["dispatcher"], m)
    actions.do_merge(w["p"]["dispatcher"], fresh(m), main)
    return fresh(m)


def at_extension(w):
    m = at_signed(w)
    actions.do_request_extension(w["p"]["officer"], m, w["d"]["housing"], 5, "需要协调多个部门现场勘查")
    return fresh(m)


# --- what another user did meanwhile ---------------------------------------------------------------


def _other(w):
    o = submit(w, title="七里河区另一处老楼也没有电梯")
    actions.do_accept(w["p"]["dispatcher"], o)
    return fresh(o)


def replied(w, m):
    actions.do_reply(w["p"]["officer2"], m, w["d"]["housing"], REPLY_TEXT)


def closed(w, m):
    replied(w, m)
    actions.do_close(fresh(m))


MOVES = {
    "accepted": lambda w, m: actions.do_accept(w["p"]["dispatcher2"], m),
    "rejected": lambda w, m: actions.do_reject(w["p"]["dispatcher2"], m, REASON),
    "withdrawn": lambda w, m: actions.do_withdraw(w["p"]["citizen"], m),
    "dispatched": lambda w, m: actions.do_dispatch(w["p"]["dispatcher2"], m, w["d"]["transport"]),
    "merged": lambda w, m: actions.do_merge(w["p"]["dispatcher2"], m, _other(w)),
    "unmerged": lambda w, m: actions.do_unmerge(w["p"]["dispatcher2"], m, "并错了, 不是同一件事"),
    "unmerged_and_dispatched": lambda w, m: (
        actions.do_unmerge(w["p"]["dispatcher2"], m, "并错了, 不是同一件事"),
        actions.do_dispatch(w["p"]["dispatcher2"], fresh(m), w["d"]["transport"]),
    ),
    "signed": lambda w, m: actions.do_sign(w["p"]["officer2"], m, w["d"]["housing"]),
    "replied": replied,
    "closed": closed,
    "transferred": lambda w, m: actions.do_transfer(
        w["p"]["officer2"], m, w["d"]["housing"], w["d"]["transport"], "该路段属于交通部门管理"
    ),
    "returned": lambda w, m: actions.do_return(w["p"]["officer2"], m, w["d"]["housing"], REASON),
    "extension_asked": lambda w, m: actions.do_request_extension(
        w["p"]["officer2"], m, w["d"]["housing"], 3, "需要协调多个部门现场勘查"
    ),
    "assigned": lambda w, m: actions.do_assign_handler(
        w["p"]["head2"], m, w["d"]["housing"], w["p"]["officer2"]
    ),
    "supervised": lambda w, m: actions.do_supervise(w["p"]["supervisor2"], m, "请加快办理"),
}

# action -> (who sends it, the state its form is loaded in, valid values typed in, what may happen meanwhile)
ACTIONS = {
    "accept": ("dispatcher", at_submitted, {}, ["accepted", "rejected", "withdrawn", "dispatched", "merged"]),
    "reject": (
        "dispatcher",
        at_accepted,
        {"reason": REASON},
        ["rejected", "withdrawn", "dispatched", "merged"],
    ),
    "dispatch": (
        "dispatcher",
        at_accepted,
        {"lead": "housing"},
        ["rejected", "withdrawn", "dispatched", "merged"],
    ),
    "merge": (
        "dispatcher",
        at_accepted,
        {"into": "other"},
        ["rejected", "withdrawn", "dispatched", "merged"],
    ),
    "unmerge": (
        "dispatcher",
        at_merged,
        {"reason": "并错了, 不是同一件事"},
        ["unmerged", "unmerged_and_dispatched"],
    ),
    "sign": ("officer", at_dispatched, {}, ["signed", "transferred", "returned"]),
    "reply": ("officer", at_signed, {"body": REPLY_TEXT}, ["replied", "closed", "transferred", "returned"]),
    "transfer": (
        "officer",
        at_signed,
        {"to_unit": "transport", "reason": "该路段属于交通部门管理"},
        ["replied", "transferred", "returned"],
    ),
    "return": ("officer", at_signed, {"reason": REASON}, ["replied", "closed", "transferred", "returned"]),
    "extend": (
        "officer",
        at_signed,
        {"days": "5", "reason": "需要协调多个部门现场勘查"},
        ["replied", "transferred", "returned", "extension_asked"],
    ),
    # 转办 moves the lead alone: the assisting unit still assists, its note is taken
    "assist": (
        "other_officer",
        at_signed,
        {"body": "经我局核查, 该处不涉及环保问题, 建议住建局牵头办理。"},
        ["replied", "closed", "returned"],
    ),
    "note": (
        "officer",
        at_signed,
        {"body": "已电话联系留言人, 约定周五现场查看。"},
        ["replied", "closed", "transferred", "returned"],
    ),
    "assign": ("head", at_signed, {"handler": "officer"}, ["assigned", "replied", "transferred", "returned"]),
    "supervise": (
        "supervisor",
        at_signed,
        {"note": "请于本周内答复留言人"},
        ["replied", "closed", "transferred"],
    ),
}

# Sent as htmx sends it (HX-Request), for one state of each action: the action views answer it as they answer the
# page's form (none reads the header), whose every state is sent (CI time, docs/decisions.md, 2026-12-07)
SENT = [
    pytest.param(a, s, htmx, id=f"{a}-{s}-{'htmx' if htmx else 'form'}")
    for a, (_, _, _, states) in ACTIONS.items()
    for s in states
    for htmx in ((False, True) if s == states[0] else (False,))
]


def valid_values(w, typed: dict) -> dict:
    named = {
        "housing": w["d"]["housing"].pk,
        "transport": w["d"]["transport"].pk,
        "officer": w["p"]["officer"].pk,
    }
    out = {}
    for k, v in typed.items():
        if v == "other":
            v = _other(w).public_id
        out[k] = named.get(v, v)
    return out


@pytest.mark.parametrize(("action", "state", "htmx"), SENT)
def test_a_stale_form_is_refused_and_changes_nothing(
    world, action, state, htmx, django_capture_on_commit_callbacks
):
    actor, setup, typed, _ = ACTIONS[action]
    m = setup(world)
    client = world["c"][actor]
    data = {**page_form(client, m, action), **valid_values(world, typed)}
    MOVES[state](world, fresh(m))
    before, sent = snapshot(), len(mail.outbox)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with django_capture_on_commit_callbacks() as callbacks:
        r = client.post(reverse("board:case_action", args=[m.public_id, action]), data, **headers)
    said = alert(r)
    # 409; or the documented 403 to a unit that had the case, saying where it went (docs/api.md, note/)
    assert r.status_code == 409 or (r.status_code == 403 and said.startswith(MOVED_AWAY)), (
        r.status_code,
        said,
    )
    assert re.search(r"[\u4e00-\u9fff]", said), page_text(r)
    assert snapshot() == before
    assert callbacks == [] and len(mail.outbox) == sent


def alert(response) -> str:
    found = re.search(r'<p class="staff-error" role="alert">([^<]*)</p>', response.content.decode())
    return html.unescape(found.group(1)) if found else ""


def page_text(response) -> str:
    return response.content.decode()[:2000]


@pytest.mark.parametrize("action", list(ACTIONS))
def test_the_same_form_sent_twice_acts_once(world, action):
    actor, setup, typed, _ = ACTIONS[action]
    m = setup(world)
    client = world["c"][actor]
    data = {**page_form(client, m, action), **valid_values(world, typed)}
    url = reverse("board:case_action", args=[m.public_id, action])
    first = client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:500]
    once = snapshot()
    second = client.post(url, data)
    if action in ("note", "assist"):  # a note does not go stale: the same one again is taken as saved, once
        assert second.status_code == 302
    else:
        assert second.status_code == 409, alert(second)
    assert snapshot() == once


# --- 延期审批 (its own address) ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("htmx", "state"),
    [(False, "decided"), (True, "decided"), (False, "replied"), (False, "transferred"), (False, "returned")],
    ids=["form-decided", "htmx-decided", "form-replied", "form-transferred", "form-returned"],
)
def test_a_stale_extension_decision_is_refused_and_changes_nothing(
    world, state, htmx, django_capture_on_commit_callbacks
):
    m = at_extension(world)
    ext = Extension.objects.get(assignment__message=m)
    if state == "decided":
        actions.do_decide_extension(world["p"]["supervisor2"], ext, False, "理由不充分")
    else:
        MOVES[state](world, fresh(m))
    supervisor = world["c"]["supervisor"]  # the tab was open: signed in before
    before = snapshot()
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with django_capture_on_commit_callbacks() as callbacks:
        r = supervisor.post(
            reverse("board:decide_extension", args=[ext.pk]),
            {"decision": "approve", "note": "同意延期五个工作日"},
            **headers,
        )
    assert r.status_code == 409, r.content.decode()[:800]
    assert snapshot() == before and callbacks == []


# --- the lists' batch forms: a case moved on meanwhile is named and skipped, the others done ------------


def flash_after(client, response) -> str:
    assert response.status_code == 302, page_text(response)
    return html.unescape(
        " ".join(
            re.findall(r'<ul class="flash"[^>]*>(.*?)</ul>', client.get(response.url).content.decode(), re.S)
        )
    )


def row_fields(page: str, pid: str) -> dict:
    """The ticked box of case ``pid`` on a list, with the hidden fields of its row (what the row showed)."""
    data = {"case": re.search(rf'name="case" value="({pid}[^"]*)"', page).group(1)}
    data.update(re.findall(rf'name="(seen-{pid}[^"]*)" value="([^"]*)"', page))
    return data


BATCHES = {
    # url, who, the state the list is loaded in, valid values, what may happen meanwhile
    "inbox_sign": (
        "board:inbox_sign",
        "board:inbox",
        "officer",
        at_dispatched,
        {},
        ["signed", "transferred", "returned"],
    ),
    "inbox_assign": (
        "board:inbox_assign",
        "board:inbox",
        "head",
        at_signed,
        {"handler": "officer"},
        ["assigned", "replied", "transferred", "returned"],
    ),
    "triage_dispatch": (
        "board:triage_dispatch",
        "board:triage",
        "dispatcher",
        at_accepted,
        {},
        ["rejected", "withdrawn", "dispatched", "merged"],
    ),
}


@pytest.mark.parametrize(("batch", "state"), [(b, s) for b, spec in BATCHES.items() for s in spec[5]])
def test_a_stale_list_form_skips_the_case_and_changes_nothing(
    world, batch, state, django_capture_on_commit_callbacks
):
    url, page, actor, setup, typed, _ = BATCHES[batch]
    m = setup(world)
    client = world["c"][actor]
    data = {
        **row_fields(client.get(reverse(page)).content.decode(), m.public_id),
        **valid_values(world, typed),
    }
    MOVES[state](world, fresh(m))
    before = snapshot()
    with django_capture_on_commit_callbacks() as callbacks:
        r = client.post(reverse(url), data)
    said = flash_after(client, r)
    assert snapshot() == before and callbacks == []
    assert re.search("已签收或已不在本单位办理|未指派|未派单", said), said


@pytest.mark.parametrize("batch", list(BATCHES))
def test_a_list_form_sent_twice_acts_once(world, batch):
    url, page, actor, setup, typed, _ = BATCHES[batch]
    m = setup(world)
    client = world["c"][actor]
    data = {
        **row_fields(client.get(reverse(page)).content.decode(), m.public_id),
        **valid_values(world, typed),
    }
    assert "未" not in flash_after(client, client.post(reverse(url), data))
    once = snapshot()
    said = flash_after(client, client.post(reverse(url), data))
    assert snapshot() == once
    assert re.search("已签收或已不在本单位办理|未指派|未派单", said), said


@pytest.mark.django_db(transaction=True)
def test_the_same_note_sent_twice_at_once_is_written_once_on_postgresql(world):
    """Two tabs (or a double click without scripts) send one 内部备注 at the same moment: both pass the checks
    together, then the case's row lock makes the second see the first's note."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks between threads need PostgreSQL (SQLite test database is in-memory)")
    m = at_signed(world)
    body = "已电话联系留言人, 约定周五现场查看。"
    data = {**page_form(world["c"]["officer"], m, "note"), "body": body}
    barrier, results = threading.Barrier(2, timeout=10), [None, None]
    checked = actions.active_assignment

    def gated(*args, **kwargs):  # after the note's checks, before it is written
        a = checked(*args, **kwargs)
        barrier.wait()
        return a

    def run(i):
        try:
            results[i] = world["c"]["officer"].post(
                reverse("board:case_action", args=[m.public_id, "note"]), data
            )
        finally:
            connection.close()

    with mock.patch("minsheng.board.actions.active_assignment", gated):
        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert [r.status_code for r in results] == [302, 302]
    assert fresh(m).events.filter(kind=Event.Kind.NOTE, data__body=body).count() == 1


def test_an_assisting_units_stale_note_after_the_case_was_transferred_to_it_says_it_now_leads(world):
    """转办 to the assisting unit ends its part as assisting: its officer's 协办意见 form, loaded before, is
    answered as the API answers it — the unit leads the case now, and writes a 内部备注 — not 「该留言当前不在
    您单位办理: …转办至<that very unit>」 (review, 2026-12-07)."""
    m = at_signed(world)
    client = world["c"]["other_officer"]
    data = {**page_form(client, m, "assist"), "body": "经我局核查, 该处不涉及环保问题, 建议住建局牵头办理。"}
    actions.do_transfer(
        world["p"]["officer2"],
        fresh(m),
        world["d"]["housing"],
        world["d"]["ecology"],
        "该处属于生态环境部门管理",
    )
    before = snapshot()
    r = client.post(reverse("board:case_action", args=[m.public_id, "assist"]), data)
    assert (r.status_code, alert(r)) == (403, actions.LEADING_NOT_ASSISTING)
    assert snapshot() == before


def test_the_same_note_for_two_units_or_dated_days_apart_is_written_each_time(world):
    """Only the same note sent again at once is taken as sent twice: one person assisting for two units writes
    the same 协办意见 for each, and a note dated back days before the same words is its own (review,
    2026-12-07: both were dropped)."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.accounts.models import Membership

    m = at_accepted(world)
    d, officer = world["d"], world["p"]["other_officer"]
    Membership.objects.create(user=officer, role="officer", unit=d["transport"])
    actions.do_dispatch(
        world["p"]["dispatcher"], fresh(m), d["housing"], assists=[d["ecology"], d["transport"]]
    )
    body = "经核查, 该处不涉及本单位职责, 建议住建局牵头办理。"
    for unit in (d["ecology"], d["transport"]):
        actions.do_assist_note(officer, fresh(m), unit, body)
    actions.do_assist_note(officer, fresh(m), d["ecology"], body, at=timezone.now() - dt.timedelta(days=2))
    written = fresh(m).events.filter(kind=Event.Kind.ASSIST_NOTE, data__body=body)
    assert sorted(written.values_list("unit__name", flat=True)) == sorted(
        [d["ecology"].name, d["ecology"].name, d["transport"].name]
    )


def test_a_form_loaded_before_a_holiday_was_entered_says_the_deadline_was_recomputed(world):
    """The case page's 答复 form loaded, then a holiday entered in the admin (the 答复期限 and the version move, no
    public move): the page said 「该留言刚刚被其他人处理过…」; it says the 答复期限 was recomputed for the holiday
    and nobody acted, keeps what was written, and the form sent again is taken (docs/api.md, 2026-12-07)."""
    from .test_api_stale import holiday_entered

    m = at_signed(world)
    client = world["c"]["officer"]
    data = {**page_form(client, m, "reply"), "body": REPLY_TEXT}
    holiday_entered(m)
    before = snapshot()
    url = reverse("board:case_action", args=[m.public_id, "reply"])
    r = client.post(url, data)
    said = alert(r)
    assert r.status_code == 409, page_text(r)
    assert "因节假日调整重新计算" in said and "此外无人处理过" in said and "刚刚被其他人处理过" not in said, (
        said
    )
    assert "该留言的答复期限已于" in said and "办理期限" not in said, said
    assert "您填写的内容已保留" in said and REPLY_TEXT in r.content.decode()
    assert snapshot() == before
    again = client.post(url, {**data, "version": fresh(m).version})
    assert again.status_code == 302 and fresh(m).status == "replied"
