"""tests/test_stale_forms.py's walk through the REST API: an integrator's script reads a case
(GET /api/v1/staff/cases/{id}/), someone else moves it on, then the script sends the action built on
what it read — its `version`, valid values, JSON, a token. It is refused with the documented JSON
error (409 `conflict` or `illegal_move`, or the 403 saying the case went elsewhere) and changes
nothing: no row of any table, no on_commit callback, no mail. The same request sent twice acts once
(staff writes take no Idempotency-Key: the `version` tells a retry apart). docs/api.md, 2026-12-07."""

from __future__ import annotations

import html
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from minsheng.api.models import ApiToken
from minsheng.board import actions
from minsheng.board.models import Extension

from . import test_stale_forms
from .test_stale_forms import ACTIONS as FORM_ACTIONS
from .test_stale_forms import (
    MOVED_AWAY,
    MOVES,
    at_extension,
    at_signed,
    fresh,
    snapshot,
    valid_values,
)

world = test_stale_forms.world  # the fixture, people and places of the forms' walk
stale_people = test_stale_forms.stale_people  # the fixture it asks for

# the page's name of an action -> the API's
API_NAME = {"extend": "extension", "assist": "assist-note"}
# notes carry no version (docs/decisions.md); 指派 compares the 承办人 seen (`seen`) instead
UNVERSIONED = {"note", "assist-note", "assign"}


def api(w, who):
    key = ApiToken.issue(w["p"][who], "stale")[1]
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def case_url(m, action=None) -> str:
    return f"/api/v1/staff/cases/{m.public_id}/" + (f"{action}/" if action else "")


def request_as_read(w, client, auth, m, action: str, typed: dict) -> dict:
    """The body a script builds from its GET of the case: the version read, the values it means."""
    read = client.get(case_url(m), **auth)
    assert read.status_code == 200, read.content.decode()[:300]
    case = read.json()
    body = valid_values(w, typed)
    if "days" in body:
        body["days"] = int(body["days"])
    if action == "assign":  # the 承办人 it saw on the unit's assignment
        seen = [a["handler"] for a in case["assignments"] if a["unit"]["id"] == w["d"]["housing"].pk]
        body["seen"] = seen[0]["id"] if seen and seen[0] else None
    elif action not in UNVERSIONED:
        body["version"] = case["version"]
    return body


def post(client, auth, m, action, body):
    return client.post(case_url(m, action), body, content_type="application/json", **auth)


def error_of(r) -> dict:
    return r.json().get("error", {})


CASES = [(a, s) for a, (_, _, _, states) in FORM_ACTIONS.items() for s in states]


@pytest.mark.parametrize(("page_action", "state"), CASES)
def test_a_stale_api_request_is_refused_and_changes_nothing(
    world,
    client,
    page_action,
    state,
    django_capture_on_commit_callbacks,
):
    actor, setup, typed, _ = FORM_ACTIONS[page_action]
    action = API_NAME.get(page_action, page_action)
    m = setup(world)
    auth = api(world, actor)
    body = request_as_read(world, client, auth, m, action, typed)
    MOVES[state](world, fresh(m))
    before, sent = snapshot(), len(mail.outbox)
    with django_capture_on_commit_callbacks() as callbacks:
        r = post(client, auth, m, action, body)
    err = error_of(r)
    assert (r.status_code, err.get("code")) in {(409, "conflict"), (409, "illegal_move")} or (
        r.status_code == 403 and err.get("message", "").startswith(MOVED_AWAY)
    ), (r.status_code, r.content.decode()[:500])
    assert re.search(r"[\u4e00-\u9fff]", err["message"])
    assert snapshot() == before
    assert callbacks == [] and len(mail.outbox) == sent


@pytest.mark.parametrize("page_action", list(FORM_ACTIONS))
def test_the_same_api_request_sent_twice_acts_once(world, client, page_action):
    actor, setup, typed, _ = FORM_ACTIONS[page_action]
    action = API_NAME.get(page_action, page_action)
    m = setup(world)
    auth = api(world, actor)
    body = request_as_read(world, client, auth, m, action, typed)
    first = post(client, auth, m, action, body)
    assert first.status_code == 200, first.content.decode()[:500]
    once, sent = snapshot(), len(mail.outbox)
    second = post(client, auth, m, action, body)
    if action in ("note", "assist-note"):  # the same note again at once: answered as saved, written once
        assert second.status_code == 200
    elif action == "extension":  # asking leaves the version: the one asked is pending
        assert (second.status_code, error_of(second)["message"]) == (409, "已有待审批的延期申请")
    else:
        assert (second.status_code, error_of(second).get("code")) == (409, "conflict"), second.json()
    assert snapshot() == once and len(mail.outbox) == sent


@pytest.mark.parametrize("state", ["decided", "replied", "transferred", "returned"])
def test_a_stale_extension_decision_is_refused_and_changes_nothing(
    world,
    client,
    state,
    django_capture_on_commit_callbacks,
):
    m = at_extension(world)
    ext = Extension.objects.get(assignment__message=m)
    auth = api(world, "supervisor")
    version = client.get(case_url(m), **auth).json()["version"]
    if state == "decided":
        actions.do_decide_extension(world["p"]["supervisor2"], ext, False, "理由不充分")
    else:
        MOVES[state](world, fresh(m))
    before = snapshot()
    with django_capture_on_commit_callbacks() as callbacks:
        r = post(
            client,
            auth,
            m,
            "extension-decision",
            {"approve": True, "note": "同意延期五个工作日", "extension": ext.pk, "version": version},
        )
    assert (r.status_code, error_of(r).get("code")) in {(409, "conflict"), (409, "illegal_move")}, r.json()
    assert snapshot() == before and callbacks == []


@pytest.mark.parametrize("version", ["abc", -1, 1.5, True, "", [1], "future"])
def test_a_version_the_case_never_had_is_a_400_naming_it(world, client, version):
    m = at_signed(world)
    auth = api(world, "officer")
    read = client.get(case_url(m), **auth).json()["version"]
    if version == "future":
        version = read + 1
    before = snapshot()
    r = post(client, auth, m, "reply", {"body": FORM_ACTIONS["reply"][2]["body"], "version": version})
    assert r.status_code == 400 and "version" in error_of(r).get("fields", {}), r.json()
    assert snapshot() == before


def test_without_version_the_action_is_taken_on_the_case_as_it_is_then(world, client):
    """As docs/api.md says: nothing is compared, as before `version` was taken."""
    m = at_signed(world)
    auth = api(world, "supervisor")
    actions.do_supervise(world["p"]["supervisor2"], fresh(m), "请加快办理")
    r = post(client, auth, m, "supervise", {"note": "请于本周内答复留言人"})
    assert r.status_code == 200, r.json()
    assert r.json()["supervision_note"] == "请于本周内答复留言人"


# --- the batch endpoints: a case moved on meanwhile is skipped, said why, and nothing of it written ------------

BATCHES = {
    # url, who, the state the case is read in, body, what may happen meanwhile
    "dispatch-batch": ("dispatcher", "at_accepted", {}, ["rejected", "withdrawn", "dispatched", "merged"]),
    "assign-batch": ("head", "at_signed", {"handler": "officer"}, ["replied", "transferred", "returned"]),
}


def done(result: dict) -> bool:
    return result.get("dispatched", result.get("assigned"))


def batch_body(w, m, batch) -> dict:
    _, _, typed, _ = BATCHES[batch]
    return {"cases": [m.public_id], **valid_values(w, typed)}


@pytest.mark.parametrize(("batch", "state"), [(b, s) for b, spec in BATCHES.items() for s in spec[3]])
def test_a_stale_batch_skips_the_case_and_changes_nothing(
    world, client, batch, state, django_capture_on_commit_callbacks
):
    actor, setup, _, _ = BATCHES[batch]
    m = getattr(test_stale_forms, setup)(world)
    auth = api(world, actor)
    assert client.get(case_url(m), **auth).status_code == 200
    MOVES[state](world, fresh(m))
    before, sent = snapshot(), len(mail.outbox)
    with django_capture_on_commit_callbacks() as callbacks:
        r = client.post(
            f"/api/v1/staff/{batch}/", batch_body(world, m, batch), content_type="application/json", **auth
        )
    assert r.status_code == 200, r.content.decode()[:500]
    (result,) = r.json()["results"]
    assert not done(result) and re.search(r"[\u4e00-\u9fff]", result["reason"]), result
    assert snapshot() == before and callbacks == [] and len(mail.outbox) == sent


@pytest.mark.parametrize("batch", list(BATCHES))
def test_the_same_batch_sent_twice_acts_once(world, client, batch):
    actor, setup, _, _ = BATCHES[batch]
    m = getattr(test_stale_forms, setup)(world)
    auth = api(world, actor)
    url, body = f"/api/v1/staff/{batch}/", batch_body(world, m, batch)
    first = client.post(url, body, content_type="application/json", **auth)
    assert done(first.json()["results"][0]), first.json()
    once, sent = snapshot(), len(mail.outbox)
    second = client.post(url, body, content_type="application/json", **auth).json()["results"][0]
    assert not done(second) and re.search(r"[\u4e00-\u9fff]", second["reason"]), second
    assert snapshot() == once and len(mail.outbox) == sent


def test_a_reply_preview_of_a_case_moved_on_says_where_it_is_now(world, client):
    """reply-preview/ takes the version too; its 409 says where the case is now, as every action's does
    (review, 2026-12-07: it said 「该留言刚刚被其他人处理过…」 alone)."""
    m = at_signed(world)
    auth = api(world, "officer")
    body = request_as_read(world, client, auth, m, "reply", {"body": test_stale_forms.REPLY_TEXT})
    MOVES["supervised"](world, fresh(m))
    before = snapshot()
    r = post(client, auth, m, "reply-preview", body)
    assert r.status_code == 409, r.content.decode()[:300]
    said = error_of(r)["message"]
    assert said.startswith(actions.where_now(fresh(m), in_place=True)) and "刚刚被其他人处理过" in said
    assert snapshot() == before


def test_a_version_left_empty_in_a_form_is_not_compared(world, client):
    """A form-encoded body's ``version=`` (an HTML form's field left empty) is left out, as DRF reads an empty
    form value of a field it does not require, and as a JSON null is (it was a 400 「请填写合法的整数值」)."""
    m = at_signed(world)
    auth = api(world, "supervisor")
    r = client.post(case_url(m, "supervise"), {"note": "请于本周内答复留言人", "version": ""}, **auth)
    assert r.status_code == 200, r.content.decode()[:500]
    assert r.json()["supervision_note"] == "请于本周内答复留言人"


def test_a_version_given_in_a_form_is_still_compared(world, client):
    m = at_signed(world)
    auth = api(world, "supervisor")
    read = client.get(case_url(m), **auth).json()["version"]
    actions.do_supervise(world["p"]["supervisor2"], fresh(m), "请加快办理")
    before = snapshot()
    r = client.post(case_url(m, "supervise"), {"note": "请于本周内答复留言人", "version": str(read)}, **auth)
    assert r.status_code == 409 and error_of(r)["code"] == "conflict", r.content.decode()[:500]
    assert snapshot() == before


def test_a_request_built_before_a_supervision_says_the_case_was_supervised(world, client):
    """An officer's reply built on a read made before the supervisor's 督办: the 409 names the 督办 that moved
    the case on, not its 签收 of earlier (an integrator's walk, 2026-12-07: 「该留言已于 <yesterday> 由 <my unit>
    <me> 签收; 该留言刚刚被其他人处理过」 — the officer's own signing, read as what someone just did)."""
    m = at_signed(world)
    auth = api(world, "officer")
    body = request_as_read(world, client, auth, m, "reply", {"body": test_stale_forms.REPLY_TEXT})
    actions.do_supervise(world["p"]["supervisor2"], fresh(m), "请加快办理")
    r = post(client, auth, m, "reply", body)
    assert r.status_code == 409, r.content.decode()[:300]
    said = error_of(r)["message"]
    assert "督办" in said and "签收" not in said, said
    assert str(world["p"]["supervisor2"]) in said


def test_a_request_built_before_an_extension_was_granted_says_so(world, client):
    m = at_extension(world)
    auth = api(world, "officer")
    body = request_as_read(world, client, auth, m, "reply", {"body": test_stale_forms.REPLY_TEXT})
    ext = Extension.objects.get(assignment__message=m)
    actions.do_decide_extension(world["p"]["supervisor2"], ext, True, "同意")
    r = post(client, auth, m, "reply", body)
    assert r.status_code == 409, r.content.decode()[:300]
    said = error_of(r)["message"]
    assert "同意延期" in said and "签收" not in said, said


def test_a_supervision_landing_while_the_api_acts_is_named_without_a_version(world, client, monkeypatch):
    """No `version` sent, and the supervisor's 督办 lands between the API's read of the case and its action
    (the row's version moved: the action's own 409 `conflict`): the 409 names that 督办, as with a stale
    `version`, not the officer's 签收 before it (review of the walk, 2026-12-07)."""
    from minsheng.api.views import staff

    m = at_signed(world)
    auth = api(world, "officer")
    read = staff.get_case

    def read_then_supervised(request, public_id):
        message = read(request, public_id)
        actions.do_supervise(world["p"]["supervisor2"], fresh(m), "请加快办理")
        return message  # the copy read before the 督办

    monkeypatch.setattr(staff, "get_case", read_then_supervised)
    r = post(client, auth, m, "reply", {"body": test_stale_forms.REPLY_TEXT})
    assert r.status_code == 409, r.content.decode()[:300]
    said = error_of(r)["message"]
    assert error_of(r)["code"] == "conflict" and "刚刚被其他人处理过" in said, said
    assert "督办" in said and "签收" not in said, said
    assert str(world["p"]["supervisor2"]) in said


def holiday_entered(m) -> int:
    """A holiday entered tomorrow (the first working day without an entry) and the calendar recomputed, as the
    admin's save does: the case's 答复期限 and version move, and no public move is written. Its version now."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.board.deadlines import read_entries
    from minsheng.board.models import CalendarDay
    from minsheng.board.recompute import recompute_deadlines

    before = read_entries()
    day = timezone.localdate() + dt.timedelta(days=1)
    while day.weekday() >= 5 or CalendarDay.objects.filter(date=day).exists():
        day += dt.timedelta(days=1)
    CalendarDay.objects.create(date=day, kind=CalendarDay.Kind.HOLIDAY)
    assert recompute_deadlines(before, cause=f"添加 {day} 节假日").cases >= 1
    return fresh(m).version


def test_a_version_moved_by_a_calendar_recompute_says_the_deadline_was_recomputed(world, client):
    """A holiday entered moves the 答复期限 and the version, and leaves no public move. The 409 said the case
    「刚刚被其他人处理过」, naming the officer's own 签收 of before (review, 2026-12-07: the gap docs/api.md
    described); it says the 答复期限 was recomputed for the holiday, with the dates, and that nobody acted, in the
    same `conflict` shape. Nothing is done; the request with the version read again is carried out."""
    m = at_signed(world)
    auth = api(world, "officer")
    body = request_as_read(world, client, auth, m, "reply", {"body": test_stale_forms.REPLY_TEXT})
    was = fresh(m).due_at
    assert holiday_entered(m) == body["version"] + 1
    before = snapshot()
    r = post(client, auth, m, "reply", body)
    assert r.status_code == 409, r.content.decode()[:300]
    error = error_of(r)
    assert error["code"] == "conflict" and set(error) <= {"code", "message", "fields"}, error
    said = error["message"]
    assert "因节假日调整重新计算" in said and "请刷新后再操作" in said, said
    assert "刚刚被其他人处理过" not in said and "签收" not in said, said
    # one deadline, one name: the 答复期限 every page and the 节假日调整 event say (it read 「办理期限」 too)
    assert said.startswith("该留言的答复期限已于 ") and "办理期限" not in said, said
    assert f"重新计算 ({timezone.localtime(was):%Y-%m-%d} → {timezone.localtime(fresh(m).due_at):%Y-%m-%d})" in said
    assert snapshot() == before
    again = post(client, auth, m, "reply", {**body, "version": fresh(m).version})
    assert again.status_code == 200, again.content.decode()[:300]


def test_a_version_moved_by_a_recompute_and_a_move_names_the_move(world, client):
    """Someone acted too since the read (a 督办, then the holiday): the 409 names that move, as before — the
    recompute is not all that happened."""
    m = at_signed(world)
    auth = api(world, "officer")
    body = request_as_read(world, client, auth, m, "reply", {"body": test_stale_forms.REPLY_TEXT})
    actions.do_supervise(world["p"]["supervisor2"], fresh(m), "请加快办理")
    holiday_entered(m)
    r = post(client, auth, m, "reply", body)
    assert r.status_code == 409 and error_of(r)["code"] == "conflict", r.content.decode()[:300]
    said = error_of(r)["message"]
    assert "督办" in said and "刚刚被其他人处理过" in said and "节假日" not in said, said


def test_a_recompute_while_the_api_acts_is_said_without_a_version(world, client, monkeypatch):
    """No `version` sent, and the holiday is entered between the API's read of the case and its action (the
    action's own 409 `conflict`): it says the recompute too."""
    from minsheng.api.views import staff

    m = at_signed(world)
    auth = api(world, "officer")
    read = staff.get_case

    def read_then_recomputed(request, public_id):
        message = read(request, public_id)
        holiday_entered(m)
        return message  # the copy read before the recompute

    monkeypatch.setattr(staff, "get_case", read_then_recomputed)
    r = post(client, auth, m, "reply", {"body": test_stale_forms.REPLY_TEXT})
    assert r.status_code == 409 and error_of(r)["code"] == "conflict", r.content.decode()[:300]
    said = error_of(r)["message"]
    assert "因节假日调整重新计算" in said and "刚刚被其他人处理过" not in said, said


def as_written_before_the_version_was_recorded(m):
    """The case's 节假日调整 events as a recompute before 2026-12-07 wrote them: naming no `data.version`."""
    from minsheng.board.models import Event

    for event in Event.objects.filter(message=m, kind=Event.Kind.DEADLINE_MOVED):
        event.data.pop("version")
        event.save(update_fields=["data"], _allow_update=True)


def test_a_recompute_from_before_the_version_was_recorded_is_told_from_the_events_since(world, client):
    """A 节假日调整 event written before 2026-12-07 names no version (`data.version`): the 409 named the case's
    last public move (the officer's own 签收) with 「刚刚被其他人处理过」. Nothing but recomputes was written since
    (each one that moved the 答复期限 is one version): it says the recompute, as for one written since."""
    m = at_signed(world)
    auth = api(world, "officer")
    body = request_as_read(world, client, auth, m, "reply", {"body": test_stale_forms.REPLY_TEXT})
    read = fresh(m).due_at
    holiday_entered(m)
    holiday_entered(m)
    as_written_before_the_version_was_recorded(m)
    r = post(client, auth, m, "reply", body)
    assert r.status_code == 409 and error_of(r)["code"] == "conflict", r.content.decode()[:300]
    said = error_of(r)["message"]
    assert "因节假日调整重新计算" in said and "刚刚被其他人处理过" not in said and "签收" not in said, said
    assert f"({timezone.localtime(read):%Y-%m-%d} → {timezone.localtime(fresh(m).due_at):%Y-%m-%d})" in said, said


@pytest.mark.parametrize("supervised", ["before", "after"])
def test_a_recompute_from_before_the_version_was_recorded_and_a_move_names_the_move(world, client, supervised):
    """The same with a 督办 since the read too, before the holiday or after: the 409 names the 督办 — the versions
    of events naming none are counted from the case's newest event back, and any other move stops the count."""
    m = at_signed(world)
    auth = api(world, "officer")
    body = request_as_read(world, client, auth, m, "reply", {"body": test_stale_forms.REPLY_TEXT})
    if supervised == "before":
        actions.do_supervise(world["p"]["supervisor2"], fresh(m), "请加快办理")
    holiday_entered(m)
    if supervised == "after":
        actions.do_supervise(world["p"]["supervisor2"], fresh(m), "请加快办理")
    as_written_before_the_version_was_recorded(m)
    r = post(client, auth, m, "reply", body)
    assert r.status_code == 409 and error_of(r)["code"] == "conflict", r.content.decode()[:300]
    said = error_of(r)["message"]
    assert "督办" in said and "刚刚被其他人处理过" in said and "节假日" not in said, said


def test_two_recomputes_since_the_read_say_the_deadline_from_the_first_to_the_last(world, client):
    """Two holidays entered since the read: the 409 gave the last recompute's dates alone (「答复期限 B → C」), as if
    the deadline read had been B; it says from the 答复期限 read to the one now (「A → C」)."""
    m = at_signed(world)
    auth = api(world, "officer")
    body = request_as_read(world, client, auth, m, "reply", {"body": test_stale_forms.REPLY_TEXT})
    read = fresh(m).due_at
    holiday_entered(m)
    holiday_entered(m)
    r = post(client, auth, m, "reply", body)
    assert r.status_code == 409 and error_of(r)["code"] == "conflict", r.content.decode()[:300]
    said = error_of(r)["message"]
    assert (
        f"({timezone.localtime(read):%Y-%m-%d} → {timezone.localtime(fresh(m).due_at):%Y-%m-%d})"
        in said
    ), said


def at_returned(w):
    """A case dispatched and given back (退单): waiting for a dispatcher again, its 答复期限 still running, so a
    holiday entered moves it (recompute.py)."""
    m = test_stale_forms.at_accepted(w)  # to a unit the routing table does not suggest: 按建议派单 may send it
    actions.do_dispatch(w["p"]["dispatcher"], m, w["d"]["ecology"])
    actions.do_return(w["p"]["other_officer"], fresh(m), w["d"]["ecology"], "不属于本单位职责")
    return fresh(m)


def read_then_recomputed_in(monkeypatch, module, name, m):
    """``module.name`` (a read a batch makes of its cases) followed by a holiday entered: the calendar moves
    the case between the batch's read and its write, as an admin's save landing then would."""
    read = getattr(module, name)

    def then_recomputed(*args, **kwargs):
        found = read(*args, **kwargs)
        holiday_entered(m)
        return found

    monkeypatch.setattr(module, name, then_recomputed)


def test_a_recompute_while_a_dispatch_batch_acts_is_said_for_the_case_skipped(world, client, monkeypatch):
    """dispatch-batch/: a holiday entered between the batch's read of a case and its dispatch skipped it with
    「该留言刚刚被其他人处理过」; its result says the 答复期限 was recomputed and nobody acted (actions.raced, the
    words of a single action's 409), and nothing is dispatched."""
    from minsheng.board import batch_dispatch

    m = at_returned(world)
    read_then_recomputed_in(monkeypatch, batch_dispatch, "near_duplicates_each", m)
    auth = api(world, "dispatcher")
    r = client.post("/api/v1/staff/dispatch-batch/", {"cases": [m.public_id]}, content_type="application/json",
                    **auth)
    assert r.status_code == 200, r.content.decode()[:500]
    (result,) = r.json()["results"]
    assert not result["dispatched"], result
    said = result["reason"]
    assert said.startswith("该留言的答复期限已于 ") and "因节假日调整重新计算" in said, said
    assert "此外无人处理过" in said and "刚刚被其他人处理过" not in said, said
    assert fresh(m).status == "accepted"


def queue_rows(w, *cases) -> dict:
    """The queue page's ticked boxes of ``cases`` for 按建议派单, with what each row showed (``seen-<case>``)."""
    queue = w["c"]["dispatcher"].get(reverse("board:triage")).content.decode()
    data = {"case": [m.public_id for m in cases]}
    for m in cases:
        seen = re.search(rf'name="seen-{m.public_id}" value="([^"]*)"', queue)
        assert seen, f"the queue offers {m.public_id} to 按建议派单"
        data[f"seen-{m.public_id}"] = seen[1]
    return data


def flashes(page) -> list[str]:
    """The flash messages of ``page``, each in its words."""
    shown = re.findall(r'<ul class="flash"[^>]*>(.*?)</ul>', page.content.decode(), re.S)
    return [html.unescape(li).strip() for ul in shown for li in re.findall(r"<li[^>]*>(.*?)</li>", ul, re.S)]


def test_a_recompute_while_the_queue_dispatches_is_named_in_the_flash(world, client, monkeypatch):
    """按建议派单 on the queue page: the flash naming the case skipped says the recompute, as dispatch-batch/, and
    ends as the page it lands on is, the queue read again (it said 「请刷新后再操作」 of a queue just shown)."""
    from minsheng.board import batch_dispatch

    m = at_returned(world)
    data = queue_rows(world, m)
    read_then_recomputed_in(monkeypatch, batch_dispatch, "near_duplicates_each", m)
    page = world["c"]["dispatcher"].post(reverse("board:triage_dispatch"), data, follow=True)
    said = " ".join(flashes(page))
    flash = re.findall(r"未派单[^<]*", said)
    assert flash and "因节假日调整重新计算" in flash[0], said
    assert flash[0].rstrip().endswith("此外无人处理过; 队列已更新, 可重新按建议派单"), flash
    assert "刚刚被其他人处理过" not in said and "请刷新" not in said, said
    assert fresh(m).status == "accepted"


def test_of_two_cases_dispatched_together_only_the_one_a_recompute_moved_is_skipped(world, monkeypatch):
    """Two cases ticked (their versions compared under the rows' locks, not by one conditional UPDATE): the one
    the holiday moved is skipped in the recompute's words, the other, which has no 答复期限 yet, is dispatched."""
    from minsheng.board import batch_dispatch

    moved = at_returned(world)
    kept = test_stale_forms.submit(world, title="七里河区彩虹路路灯不亮")  # another title: no 疑似重复 of the first
    actions.do_accept(world["p"]["dispatcher"], kept)
    data = queue_rows(world, moved, fresh(kept))
    read_then_recomputed_in(monkeypatch, batch_dispatch, "near_duplicates_each", moved)
    page = world["c"]["dispatcher"].post(reverse("board:triage_dispatch"), data, follow=True)
    said = " ".join(flashes(page))
    assert f"已按建议派单 1 件: {kept.public_id} → " in said, said
    skipped = re.findall(r"未派单[^<]*", said)
    assert len(skipped) == 1 and skipped[0].startswith(f"未派单 {moved.public_id}"), said
    assert "因节假日调整重新计算" in skipped[0] and "队列已更新" in skipped[0], skipped
    assert fresh(moved).status == "accepted" and fresh(kept).status == "dispatched"


def sign_then_recomputed(monkeypatch, m):
    """签收所选's write (actions.do_sign_many) after a holiday entered: the calendar moves ``m`` between the
    inbox's read of the cases ticked and the 签收."""
    sign_many = actions.do_sign_many

    def recomputed_first(*args, **kwargs):
        holiday_entered(m)
        return sign_many(*args, **kwargs)

    monkeypatch.setattr(actions, "do_sign_many", recomputed_first)


def deadline_set_otherwise(m):
    """``m``'s 答复期限 not the one the rule gives (as after MINSHENG_REPLY_DAYS changed since its dispatch): a
    holiday entered leaves it, and the case's version, alone (recompute.py)."""
    import datetime as dt

    from django.db.models import F

    from minsheng.board.models import Message

    Message.objects.filter(pk=m.pk).update(due_at=F("due_at") + dt.timedelta(hours=1))


@pytest.mark.parametrize("together", [False, True])
def test_sign_selected_counts_the_cases_a_recompute_moved_apart(world, monkeypatch, together):
    """签收所选: a case whose 答复期限 a holiday moved between the inbox's read and the 签收 is not signed, and
    the flash says so — it counted it among those 「已签收或已不在本单位办理」, which it is not. Alone (its
    conditional UPDATE refuses it) or beside a case the holiday left alone (its version compared under the
    locks), which is signed."""
    moved = test_stale_forms.at_dispatched(world)
    cases = [moved]
    if together:
        kept = test_stale_forms.submit(world, title="七里河区彩虹路路灯不亮")
        actions.do_accept(world["p"]["dispatcher"], kept)
        actions.do_dispatch(world["p"]["dispatcher"], fresh(kept), world["d"]["housing"])
        deadline_set_otherwise(kept)
        cases.append(kept)
    sign_then_recomputed(monkeypatch, moved)
    page = world["c"]["officer"].post(reverse("board:inbox_sign"), {"case": [m.public_id for m in cases]},
                                      follow=True)
    said = " ".join(flashes(page))
    assert "已签收或已不在本单位办理" not in said and "刚刚被其他人处理过" not in said, said
    if together:
        assert said.startswith("已签收 1 件") and "; 另有 1 件的答复期限因节假日调整重新计算, 未签收, 请核对后再签收" in said, said
        assert fresh(kept).status == "signed"
    else:
        assert "所选 1 件的答复期限因节假日调整重新计算, 未签收, 请核对后再签收" in said and "已签收 " not in said, said
    assert fresh(moved).status == "dispatched"
