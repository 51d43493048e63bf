# ruff: noqa: F811  (the world fixture, imported from test_stale_forms)
"""The citizen's forms — 撤回, 评价, 申请重办, 我也遇到 (and 取消), 修改后重新提交, the account's forms — loaded
in one tab, the message (or the account) moved on meanwhile, then sent with valid values, as a browser
would and as htmx would: the answer says why in Chinese (a flash on the page it leads back to, the 404
page of a message no longer public, the sign-in page of an account closed) and nothing changes — no row of
any table, no notification, no mail; the same form sent twice acts once. The same through the REST API
(docs/api.md: 409 ``illegal_move``/``conflict``). The staff forms: tests/test_stale_forms.py, whose helpers
this module uses."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from minsheng.accounts import rights
from minsheng.accounts.models import User
from minsheng.board import actions

from .test_api_support import token_client
from .test_stale_forms import (  # noqa: F401 (world, stale_people: fixtures)
    REASON,
    at_accepted,
    at_dispatched,
    at_signed,
    flash_after,
    form_fields,
    fresh,
    replied,
    snapshot,
    stale_people,
    submit,
    world,
)

RATED = {"resolution": "satisfied", "attitude": "satisfied", "speed": "basic", "comment": "办得很及时"}
UNSATISFIED = {"resolution": "unsatisfied", "attitude": "basic", "speed": "basic"}
REOPEN_REASON = "电梯至今仍未开工, 问题没有解决"
CHINESE = re.compile(r"[\u4e00-\u9fff]")


# --- the state the form is loaded in --------------------------------------------------------------


def at_replied(w):
    m = at_signed(w)
    replied(w, m)
    return fresh(m)


def at_unsatisfied(w):
    m = at_replied(w)
    actions.do_evaluate(w["p"]["citizen"], m, **UNSATISFIED)
    return fresh(m)


# --- what happened meanwhile -----------------------------------------------------------------------


def _ago(days):
    return dt.timedelta(days=days, hours=1)


def rating_window_passed(w, m):
    """Not rated within MINSHENG_EVALUATION_DAYS: the hourly close_stale closes it."""
    type(m).objects.filter(pk=m.pk).update(replied_at=m.replied_at - _ago(settings.MINSHENG_EVALUATION_DAYS))
    assert actions.close_stale() == 1


def reopen_window_passed(w, m):
    """Not reopened within MINSHENG_REOPEN_DAYS, before close_stale ran."""
    m.evaluations.update(created_at=m.evaluations.get().created_at - _ago(settings.MINSHENG_REOPEN_DAYS))


def reopen_window_closed(w, m):
    reopen_window_passed(w, m)
    assert actions.close_stale() == 1


def account_closed(w, m):
    rights.do_close_account(w["p"]["citizen"])


def merged(w, m):
    main = submit(w, title="七里河区另一处老楼也没有电梯")
    actions.do_accept(w["p"]["dispatcher"], main)
    actions.do_merge(w["p"]["dispatcher2"], m, fresh(main))


MOVES = {
    "accepted": lambda w, m: actions.do_accept(w["p"]["dispatcher2"], m),
    "rejected": lambda w, m: actions.do_reject(w["p"]["dispatcher2"], m, REASON),
    "dispatched": lambda w, m: actions.do_dispatch(w["p"]["dispatcher2"], m, w["d"]["housing"]),
    "merged": merged,
    "withdrawn": lambda w, m: actions.do_withdraw(w["p"]["citizen"], m),
    "replied": replied,
    "rated": lambda w, m: actions.do_evaluate(w["p"]["citizen"], m, **RATED),
    "rated_unsatisfied": lambda w, m: actions.do_evaluate(w["p"]["citizen"], m, **UNSATISFIED),
    "rating_window_passed": rating_window_passed,
    "reopened": lambda w, m: actions.do_reopen(w["p"]["citizen"], m, REOPEN_REASON),
    "reopen_window_passed": reopen_window_passed,
    "reopen_window_closed": reopen_window_closed,
    "supported": lambda w, m: actions.do_support(w["p"]["other_citizen"], m),
    "account_closed": account_closed,
}

# action -> (who, the state its form is loaded in, the page whose form is sent, its form, valid values,
#            what may happen meanwhile)
ACTIONS = {
    "withdraw": (
        "citizen",
        at_accepted,
        "board:withdraw",
        'class="card stack" novalidate',
        {"confirm": "on"},
        ["withdrawn", "dispatched", "rejected", "merged", "account_closed"],
    ),
    "rate": (
        "citizen",
        at_replied,
        "board:rate",
        'data-draft-key="rate:',
        RATED,
        ["rated", "rated_unsatisfied", "rating_window_passed", "account_closed"],
    ),
    "reopen": (
        "citizen",
        at_unsatisfied,
        "board:reopen",
        'data-draft-key="reopen:',
        {"reason": REOPEN_REASON},
        ["reopened", "reopen_window_passed", "reopen_window_closed", "account_closed"],
    ),
    "support": (
        "other_citizen",
        at_accepted,
        "board:message",
        'class="support"',
        {},
        ["supported", "withdrawn", "rejected"],
    ),
}

# each state as the page's form posts it; as htmx sends it (HX-Request) for one state of each action: the citizen's
# action views answer it as they answer the form (none reads the header; CI time, docs/decisions.md, 2026-12-07)
SENT = [
    pytest.param(a, s, htmx, id=f"{a}-{s}-{'htmx' if htmx else 'form'}")
    for a, spec in ACTIONS.items()
    for s in spec[5]
    for htmx in ((False, True) if s == spec[5][0] else (False,))
]

# what the citizen reads, where it is more than a refusal in Chinese: why, as it stands now
SAYS = {
    ("withdraw", "withdrawn"): "这条留言已撤回",
    ("withdraw", "dispatched"): "当前状态为「待签收」, 留言派单后不能撤回",
    # never dispatched: 「留言派单后不能撤回」 gave a reason that was not so (2026-12-07)
    ("withdraw", "rejected"): "当前状态为「未受理」, 留言未受理, 无需撤回",
    ("withdraw", "merged"): "当前状态为「已并单」, 留言已并入其他留言一起办理, 不能撤回",
    ("rate", "rated"): "您已评价过这条答复",
    ("rate", "rated_unsatisfied"): "您已评价过这条答复",
    # 「只能在收到答复后评价一次」 to a citizen who had received it: the 7 days had passed (2026-12-07)
    (
        "rate",
        "rating_window_passed",
    ): f"答复后 {settings.MINSHENG_EVALUATION_DAYS} 天内未评价, 已自动办结, 不能再评价",
    ("reopen", "reopened"): "这条留言已申请过重办",
    (
        "reopen",
        "reopen_window_passed",
    ): f"只能在“不满意”评价后 {settings.MINSHENG_REOPEN_DAYS} 天内申请重办一次",
    (
        "reopen",
        "reopen_window_closed",
    ): f"只能在“不满意”评价后 {settings.MINSHENG_REOPEN_DAYS} 天内申请重办一次",
    ("support", "supported"): "您已经点过“我也遇到”",
    # no longer public: the 404 page says why it may be so
    ("support", "withdrawn"): "页面不存在",
    ("support", "rejected"): "页面不存在",
}


def loaded_form(w, action):
    """The message in the state the form is loaded in, the citizen's client, the form's address and fields."""
    actor, setup, page, opening, typed, _ = ACTIONS[action]
    m = setup(w)
    client = w["c"][actor]
    shown = client.get(reverse(page, args=[m.public_id]))
    assert shown.status_code == 200, shown.status_code
    url = reverse(f"board:{action}", args=[m.public_id])
    data = {**form_fields(shown.content.decode(), opening), **typed}
    return m, client, url, data


def told(client, r) -> str:
    """What the citizen reads after the post: the flash of the page it leads to, or the page itself."""
    if r.status_code == 302 and r.url.startswith(reverse("accounts:login")):  # the session ended with it
        return re.search(r"<h1>([^<]*)</h1>", client.get(r.url).content.decode()).group(1)
    if r.status_code == 302:
        return flash_after(client, r)
    return re.sub(r"<[^>]+>", " ", r.content.decode())


@pytest.mark.parametrize(("action", "state", "htmx"), SENT)
def test_a_stale_citizen_form_is_refused_in_chinese_and_changes_nothing(
    world, action, state, htmx, django_capture_on_commit_callbacks
):
    m, client, url, data = loaded_form(world, action)
    MOVES[state](world, fresh(m))
    before, sent = snapshot(), len(mail.outbox)
    headers = {"HTTP_HX_REQUEST": "true"} if htmx else {}
    with django_capture_on_commit_callbacks() as callbacks:
        r = client.post(url, data, **headers)
    assert snapshot() == before
    assert callbacks == [] and len(mail.outbox) == sent
    assert r.status_code in (302, 404), r.status_code
    said = told(client, r)
    assert SAYS.get((action, state), "登录") in said, said


def test_a_rating_form_of_an_earlier_answer_does_not_rate_the_new_one(world):
    """评价 loaded in one tab; in another the citizen rated the answer 不满意 and asked for 重办, and the unit
    answered again: the first tab's 满意 was taken as the rating of the new answer, unread, and closed the
    case (2026-12-07). It is refused, and the rating form shows the new answer."""
    m, client, url, data = loaded_form(world, "rate")
    MOVES["rated_unsatisfied"](world, fresh(m))
    actions.do_reopen(world["p"]["citizen"], fresh(m), REOPEN_REASON)
    actions.do_sign(world["p"]["officer2"], fresh(m), world["d"]["housing"])
    replied(world, fresh(m))
    before = snapshot()
    r = client.post(url, data)
    assert snapshot() == before
    assert "已有新的答复, 请阅读后再评价" in flash_after(client, r)
    assert r.url == url


@pytest.mark.parametrize("action", list(ACTIONS))
def test_the_same_citizen_form_sent_twice_acts_once(world, action):
    m, client, url, data = loaded_form(world, action)
    first = client.post(url, data)
    assert first.status_code == 302, first.content.decode()[:500]
    once = snapshot()
    second = client.post(url, data)
    assert snapshot() == once
    said = flash_after(client, second)
    assert re.search("已撤回|已评价过|已申请过重办|已经点过", said), said


def test_taking_back_a_support_twice_takes_it_back_once(world):
    m = at_accepted(world)
    actions.do_support(world["p"]["other_citizen"], m)
    client = world["c"]["other_citizen"]
    url = reverse("board:unsupport", args=[m.public_id])
    data = form_fields(
        client.get(reverse("board:message", args=[m.public_id])).content.decode(), 'class="support"'
    )
    assert "已取消" in flash_after(client, client.post(url, data))
    once = snapshot()
    assert "您没有点过" in flash_after(client, client.post(url, data))
    assert snapshot() == once and fresh(m).support_count == 0


def test_a_resubmission_sent_twice_is_written_once(world):
    m = submit(world)
    actions.do_reject(world["p"]["dispatcher"], m, "请补充小区具体地址后重新提交")
    client = world["c"]["citizen"]
    page = client.get(reverse("board:post") + f"?again={m.public_id}").content.decode()
    data = {
        **form_fields(page, 'class="card stack post-form"'),
        "body": fresh(m).body + " 地址: 七里河区建西东路 12 号。",
    }
    assert data["again"] == m.public_id
    first = client.post(reverse("board:post"), data)
    assert first.status_code == 302
    once = snapshot()
    second = client.post(reverse("board:post"), data)
    assert snapshot() == once
    assert "重新提交" in flash_after(client, second)


def test_the_account_forms_of_an_account_closed_in_another_tab_change_nothing(world):
    client = world["c"]["citizen"]
    forms = {}
    for name in ("accounts:profile", "accounts:rebind", "accounts:close"):
        forms[name] = form_fields(client.get(reverse(name)).content.decode(), 'class="stack" novalidate')
    rights.do_close_account(world["p"]["citizen"])
    before = snapshot()
    typed = {
        "accounts:profile": {"display_name": "小李子"},
        "accounts:rebind": {"identifier": "13900000009", "code": "123456", "old_password": "pw"},
        "accounts:close": {"password": "pw"},
    }
    for name, data in forms.items():
        r = client.post(reverse(name), {**data, **typed[name]})
        assert r.status_code == 302 and r.url.startswith(reverse("accounts:login")), (name, r.status_code)
    assert snapshot() == before


def test_consent_sent_twice_is_recorded_once(world):
    citizen = world["p"]["citizen"]
    User.objects.filter(pk=citizen.pk).update(privacy_consented_at=None, privacy_version="")
    client = world["c"]["citizen"]
    data = form_fields(
        client.get(reverse("accounts:consent")).content.decode(), 'method="post" class="stack"'
    )
    assert client.post(reverse("accounts:consent"), data).status_code == 302
    once = snapshot()
    assert client.post(reverse("accounts:consent"), data).status_code == 302
    assert snapshot() == once


# --- the REST API ----------------------------------------------------------------------------------


def api_snapshot() -> dict:
    """``snapshot`` less a token's 最近使用 (a call's sign-in time)."""
    tables = snapshot()
    for row in tables["api.ApiToken"]:
        del row["last_used_at"]
    return tables


API = {
    # action -> (who, the state it was read in, body, what may happen meanwhile)
    "withdraw": ("citizen", at_accepted, {}, ["withdrawn", "dispatched", "rejected", "merged"]),
    "rate": ("citizen", at_replied, RATED, ["rated", "rated_unsatisfied", "rating_window_passed"]),
    "reopen": (
        "citizen",
        at_unsatisfied,
        {"reason": REOPEN_REASON},
        ["reopened", "reopen_window_passed", "reopen_window_closed"],
    ),
}


@pytest.mark.parametrize(("action", "state"), [(a, s) for a, spec in API.items() for s in spec[3]])
def test_a_stale_api_action_is_a_409_and_changes_nothing(
    world, action, state, django_capture_on_commit_callbacks
):
    actor, setup, body, _ = API[action]
    m = setup(world)
    client = token_client(world["p"][actor])
    MOVES[state](world, fresh(m))
    before = api_snapshot()
    with django_capture_on_commit_callbacks() as callbacks:
        r = client.post(f"/api/v1/messages/{m.public_id}/{action}/", body, format="json")
    assert r.status_code == 409, r.content.decode()
    assert r.json()["error"]["code"] in ("illegal_move", "conflict") and CHINESE.search(
        r.json()["error"]["message"]
    )
    assert api_snapshot() == before and callbacks == []


@pytest.mark.parametrize("action", [*API, "support"])
def test_an_api_action_sent_twice_acts_once(world, action):
    actor, setup, body, _ = API.get(action, ("other_citizen", at_dispatched, {}, []))
    m = setup(world)
    client = token_client(world["p"][actor])
    url = f"/api/v1/messages/{m.public_id}/{action}/"
    assert client.post(url, body, format="json").status_code == 200
    once = api_snapshot()
    second = client.post(url, body, format="json")
    assert api_snapshot() == once
    if action == "support":
        assert second.status_code == 200 and second.json()["created"] is False
    else:
        assert second.status_code == 409 and CHINESE.search(second.json()["error"]["message"])


@pytest.mark.parametrize("action", [*API, "support"])
def test_an_api_action_of_an_account_closed_meanwhile_is_a_401(world, action):
    actor, setup, body, _ = API.get(action, ("other_citizen", at_dispatched, {}, []))
    m = setup(world)
    client = token_client(world["p"][actor])
    rights.do_close_account(User.objects.get(pk=world["p"][actor].pk))
    before = api_snapshot()
    r = client.post(f"/api/v1/messages/{m.public_id}/{action}/", body, format="json")
    assert r.status_code == 401 and api_snapshot() == before
