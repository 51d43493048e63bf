"""签收所选 signs the page's cases together (2026-12-06): it cost about 20 queries a case (403 for a page of 20 on
the demo, 2,015 for 100), each case's savepoint and each of its writes, and the statistics' rows a case at a
time. Now each write once for the page: the queries of a page do not grow with its cases, and what it leaves
(status, 签收 times, history, notes, statistics, hotspots) is what signing each case alone leaves."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from minsheng.board import actions
from minsheng.board.models import Assignment, Event, Message, Notification
from minsheng.insight.models import Hotspot
from minsheng.stats.models import MessageFact, Miss, OpenCase, Rollup, SignFor

from .test_batch_hotspots import _in_hotspots
from .test_staff_pages import jointly_led
from .test_staff_qa import dispatch, text


def _sign_page(client, cases) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("board:inbox_sign"), {"case": [m.public_id for m in cases]})
    assert response.status_code == 302
    return len(queries.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_the_queries_of_a_page_do_not_grow_with_its_cases(personas, directory, login):
    """5 cases of 5 hotspots and 20 of 20, their statistics and hotspots refreshed at the commit (no task
    worker): about the same queries (it was 5 × 20 against 20 × 20)."""
    cases = _in_hotspots(personas, directory, 25)
    client = login(personas["officer"])
    five = _sign_page(client, cases[:5])
    twenty = _sign_page(client, cases[5:])
    assert Message.objects.filter(pk__in=[m.pk for m in cases], status="signed").count() == 25
    assert twenty <= five + 5, (five, twenty)
    assert twenty <= 60


class Rollback(Exception):
    pass


def _plain(value, now):
    """A moment the signing wrote (now, give or take the test's run) as such: the two runs sign at other times."""
    if isinstance(value, dt.datetime) and abs(value - now) < dt.timedelta(minutes=10):
        return "now"
    if isinstance(value, float):
        return round(value, 3)
    return value


def _rows(qs, now, *left_out) -> list:
    return sorted((tuple(sorted((k, _plain(v, now)) for k, v in row.items() if k not in left_out))
                   for row in qs.values()), key=repr)


def _effects(cases) -> dict:
    ids = [m.pk for m in cases]
    now = timezone.now()
    return {
        "messages": _rows(Message.objects.filter(pk__in=ids).only("status"), now, "updated_at"),
        "assignments": _rows(Assignment.objects.filter(message__in=ids), now),
        "history": _rows(Event.objects.filter(message__in=ids), now, "id"),
        "notes": _rows(Notification.objects.filter(message__in=ids), now),
        "facts": _rows(MessageFact.objects.filter(pk__in=ids), now, "updated_at"),
        "open": _rows(OpenCase.objects.filter(pk__in=ids), now),
        "signs": _rows(SignFor.objects.filter(message__in=ids), now, "id"),
        "misses": _rows(Miss.objects.filter(message__in=ids), now, "id"),
        "rollups": _rows(Rollup.objects.all(), now, "id"),
        "hotspots": _rows(Hotspot.objects.all(), now, "refreshed_at", "refresh_queued_at", "decayed_at"),
    }


@pytest.mark.django_db
def test_a_page_signed_together_leaves_what_signing_each_alone_leaves(personas, directory, login,
                                                                    django_capture_on_commit_callbacks):
    """Cases in hotspots, one with an assisting unit, one led by two units (联合办理), one past its reply
    deadline, one signed already (refused): the page's post and the cases' 签收 one by one, each committed
    alone, leave the same rows everywhere."""
    officer, housing = personas["officer"], directory["housing"]
    with django_capture_on_commit_callbacks(execute=True):
        cases = _in_hotspots(personas, directory, 3)
        cases.append(dispatch(personas, directory, "七里河区小区外墙脱落", assists=[directory["ecology"]]))
        joint = dispatch(personas, directory, "七里河区搅拌站夜间施工")
        jointly_led(joint, directory["ecology"], joint.due_at)
        late = dispatch(personas, directory, "七里河区路灯不亮")
        Assignment.objects.filter(message=late).update(due_at=timezone.now() - dt.timedelta(days=2))
        done = dispatch(personas, directory, "七里河区垃圾无人清运")
        actions.do_sign(officer, done, housing)
    cases += [Message.objects.get(pk=joint.pk), Message.objects.get(pk=late.pk), Message.objects.get(pk=done.pk)]
    client = login(officer)
    try:
        with transaction.atomic():
            with django_capture_on_commit_callbacks(execute=True):
                page = text(client.post(reverse("board:inbox_sign"), {"case": [m.public_id for m in cases]},
                                        follow=True))
            together = _effects(cases)
            raise Rollback
    except Rollback:
        pass
    assert "已签收 6 件, 请在期限内答复; 其中 1 件已过答复期限, 请尽快答复; 另有 1 件已签收或已不在本单位办理" in page
    assert Message.objects.filter(pk__in=[m.pk for m in cases], status="signed").count() == 1  # rolled back
    for m in cases[:-1]:
        with django_capture_on_commit_callbacks(execute=True):
            actions.do_sign(officer, Message.objects.get(pk=m.pk), housing)
    alone = _effects(cases)
    assert len(alone["history"]) > len(cases) and alone["signs"] and alone["hotspots"]
    for name, rows in alone.items():
        assert together[name] == rows, name


@pytest.mark.django_db
def test_a_case_the_unit_assists_is_not_said_to_be_gone(personas, directory, login):
    """A head's inbox offers a box on every row (指派所选), a case the unit assists in too: ticked with cases to
    sign, 签收所选 said it 「已签收或已不在本单位办理」 — the case is the unit's, as 协办, which signs nothing
    (walk, 2026-12-06). It is said so."""
    from .test_staff_qa import submit

    to_sign = dispatch(personas, directory, "七里河区小区外墙脱落")
    assisted = submit(personas, directory, "七里河区搅拌站夜间施工", "qilihe")
    actions.do_dispatch(personas["dispatcher"], assisted, directory["ecology"], assists=[directory["housing"]])
    client = login(personas["officer"])
    page = text(client.post(reverse("board:inbox_sign"), {"case": [to_sign.public_id, assisted.public_id]},
                            follow=True))
    assert "已签收 1 件, 请在期限内答复; 另有 1 件为本单位协办, 协办单位无需签收" in page
    assert "已不在本单位办理" not in page
    page = text(client.post(reverse("board:inbox_sign"), {"case": [assisted.public_id]}, follow=True))
    assert "所选 1 件为本单位协办, 协办单位无需签收, 没有可签收的留言" in page
    page = text(client.post(reverse("board:inbox_sign"), {"case": [to_sign.public_id, assisted.public_id]},
                            follow=True))
    assert "所选留言已签收或已不在本单位办理 (另有 1 件为本单位协办, 协办单位无需签收), 没有可签收的留言" in page
