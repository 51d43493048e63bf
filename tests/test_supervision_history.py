"""督办 keeps its history (2026-12-07, a supervisor's walk): every 督办 is an event the case page lists, a second
adds to the first, and the lists say how many times and when last; the mark (已督办) counts the 督办 made since the
case reached its current lead unit(s): a 转办, 退单 or 重办 clears it, the history stays."""

from __future__ import annotations

import datetime as dt
import importlib
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps as global_apps
from django.urls import reverse
from rest_framework.test import APIClient

from minsheng.board import actions
from minsheng.board.models import Message

from .test_exports import _csv
from .test_inbox_export import HEADER, csv_rows
from .test_staff_qa import LONG_AGO, dispatch

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
FIRST = dt.datetime(2026, 12, 4, 9, 15, tzinfo=SH)
SECOND = dt.datetime(2026, 12, 5, 14, 30, tzinfo=SH)


def pressed_twice(personas, directory, title="督办两次的电梯留言"):
    m = dispatch(personas, directory, title, at=LONG_AGO)  # long overdue
    actions.do_supervise(personas["supervisor"], m, "第一次督办: 请尽快签收办理", at=FIRST)
    actions.do_supervise(
        personas["supervisor"], Message.objects.get(pk=m.pk), "第二次督办: 仍未答复, 请今日内答复", at=SECOND
    )
    return Message.objects.get(pk=m.pk)


def transferred(personas, directory, m) -> None:
    """住建局 signs ``m`` and transfers it to 生态环境局."""
    actions.do_sign(personas["officer"], m, directory["housing"])
    actions.do_transfer(
        personas["officer"],
        Message.objects.get(pk=m.pk),
        directory["housing"],
        directory["ecology"],
        "属生态环境局职责",
    )


def section(html: str, start: str, end: str | None = None) -> str:
    part = html[html.index(f'id="{start}"') :]
    return part[: part.index(f'id="{end}"')] if end else part


def test_a_second_supervision_adds_to_the_first_on_the_case_and_the_lists(
    personas, directory, login, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):  # the statistics rows /stats/overdue/ reads
        m = pressed_twice(personas, directory)
    client = login(personas["supervisor"])
    case = client.get(reverse("board:case", args=[m.public_id])).content.decode()
    record = section(case, "supervisions")
    assert "第一次督办: 请尽快签收办理" in record and "第二次督办: 仍未答复, 请今日内答复" in record
    assert "12-04 09:15" in record and "12-05 14:30" in record and "督办员" in record
    listed = section(client.get(reverse("board:supervision")).content.decode(), "supervised")
    assert m.title in listed and "已督办 2 次 (最近 12-05 14:30)" in listed
    overdue = client.get(reverse("stats:overdue"), {"region": "620100"}).content.decode()
    assert m.title in overdue and "已督办 2 次 (最近 12-05 14:30)" in overdue
    rows = _csv(
        client.get(reverse("stats:export_messages", args=["csv"]), {"measure": "overdue", "region": "620100"})
    )
    row = dict(zip(rows[0], next(r for r in rows if m.public_id in r), strict=True))
    assert (row["督办"], row["督办次数"], row["最近督办时间"]) == ("已督办", "2", "2026-12-05 14:30")


def test_the_exports_and_the_api_say_how_many_times_and_when_last(personas, directory, login):
    m = pressed_twice(personas, directory)
    rows = csv_rows(
        login(personas["officer"]).get(reverse("board:inbox_export", args=["csv"]), {"tab": "supervised"})
    )
    assert rows[0] == HEADER
    row = dict(zip(HEADER, rows[1], strict=True))
    assert (row["标题"], row["督办"], row["督办次数"], row["最近督办时间"]) == (
        m.title,
        "是",
        "2",
        "2026-12-05 14:30",
    )
    api = APIClient()
    api.force_authenticate(personas["supervisor"])
    items = api.get("/api/v1/staff/inbox/", {"box": "supervise"}).json()["results"]
    item = next(i for i in items if i["public_id"] == m.public_id)
    assert item["supervised"] is True and item["supervised_count"] == 2
    assert dt.datetime.fromisoformat(item["last_supervised_at"]) == SECOND


def test_a_transfer_clears_the_mark_for_the_new_unit_and_keeps_the_history(personas, directory, login):
    m = pressed_twice(personas, directory)
    transferred(personas, directory, m)
    m = Message.objects.get(pk=m.pk)
    assert (m.supervised, m.supervised_count, m.last_supervised_at, m.supervision_note) == (
        False,
        0,
        None,
        "",
    )
    client = login(personas["supervisor"])
    assert m.title not in section(client.get(reverse("board:supervision")).content.decode(), "supervised")
    record = section(client.get(reverse("board:case", args=[m.public_id])).content.decode(), "supervisions")
    assert "第一次督办" in record and "第二次督办" in record and "转办前" in record
    actions.do_supervise(personas["supervisor"], m, "生态环境局请尽快办理")
    listed = section(client.get(reverse("board:supervision")).content.decode(), "supervised")
    assert m.title in listed and "已督办 1 次" in listed and "生态环境局请尽快办理" in listed


def test_the_migration_back_fills_the_counts_from_the_events_and_reverses(personas, directory):
    kept = pressed_twice(personas, directory, "督办后未转办的留言")
    moved = pressed_twice(personas, directory, "督办后转办的留言")
    transferred(personas, directory, moved)
    # as the old code left them: the mark never reset, the count and time unknown
    Message.objects.filter(pk__in=[kept.pk, moved.pk]).update(
        supervised=True,
        supervision_note="第二次督办: 仍未答复, 请今日内答复",
        supervised_count=0,
        last_supervised_at=None,
    )
    migration = importlib.import_module("minsheng.board.migrations.0040_supervision_history")
    migration.back_fill(global_apps, None)
    got = {
        m.pk: (m.supervised, m.supervised_count, m.last_supervised_at, m.supervision_note)
        for m in Message.objects.filter(pk__in=[kept.pk, moved.pk])
    }
    assert got[kept.pk] == (True, 2, SECOND, "第二次督办: 仍未答复, 请今日内答复")
    assert got[moved.pk] == (False, 0, None, "")
    migration.restore_old_marks(global_apps, None)
    assert set(
        Message.objects.filter(pk__in=[kept.pk, moved.pk]).values_list("supervised", "supervision_note")
    ) == {(True, "第二次督办: 仍未答复, 请今日内答复")}
