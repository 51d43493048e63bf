"""督办 keeps its history (2026-12-07, a supervisor's walk): every 督办 is an event the case page lists, a second
adds to the first, and the lists say how many times and when last; the mark (已督办) counts the 督办 made since the
case reached its current lead unit(s): a 转办, 退单 or 重办 clears it, the history stays."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from minsheng.board import actions
from minsheng.board.models import Message

from .test_exports import _csv
from .test_inbox_export import HEADER, csv_rows
from .test_staff_pages import jointly_led
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


def transferred(personas, directory, m, to="ecology") -> None:
    """住建局 signs ``m`` and transfers it to 生态环境局 (or the unit ``to``)."""
    actions.do_sign(personas["officer"], Message.objects.get(pk=m.pk), directory["housing"])
    actions.do_transfer(
        personas["officer"],
        Message.objects.get(pk=m.pk),
        directory["housing"],
        directory[to],
        "不属本单位职责",
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
        "已督办",
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
    # still listed, so a unit does not make it vanish from the supervisor's list by passing it on
    listed = section(client.get(reverse("board:supervision")).content.decode(), "supervised")
    assert m.title in listed and "转办后未再督办" in listed and "已督办" not in listed
    record = section(client.get(reverse("board:case", args=[m.public_id])).content.decode(), "supervisions")
    assert "第一次督办" in record and "第二次督办" in record and "转办前" in record
    actions.do_supervise(personas["supervisor"], m, "生态环境局请尽快办理")
    listed = section(client.get(reverse("board:supervision")).content.decode(), "supervised")
    assert m.title in listed and "已督办 1 次" in listed and "生态环境局请尽快办理" in listed
    assert "未再督办" not in listed


BEFORE = [("board", "0039_reply_scores_rebuilt_where_praise_sneered")]


def migrated(target=None):
    """board 0040 run on the database as it is, through the migration's own state: migrated back to 0039 (or to
    ``target``), the historical models of that state returned."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    target = target or executor.loader.graph.leaf_nodes()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_the_migration_back_fills_the_counts_from_the_events_and_reverses(personas, directory):
    kept = pressed_twice(personas, directory, "督办后未转办的留言")
    moved = pressed_twice(personas, directory, "督办后转办的留言")
    transferred(personas, directory, moved)
    again = pressed_twice(personas, directory, "转办后又督办的留言")
    transferred(personas, directory, again)
    actions.do_supervise(personas["supervisor"], Message.objects.get(pk=again.pk), "生态环境局请尽快办理")
    joint = pressed_twice(personas, directory, "两个单位主办的留言")
    jointly_led(joint, directory["ecology"], joint.due_at)
    transferred(personas, directory, joint, to="transport")  # 住建局 leaves; 生态环境局 still leads
    legacy = dispatch(personas, directory, "旧数据中已督办的留言")  # marked before the events: no 督办 event
    pressed = [kept, moved, again, joint]
    try:
        old = migrated(BEFORE).get_model("board", "Message")
        # as the old code left them: the mark never reset (no count, no time, no 曾督办 at 0039)
        old.objects.filter(pk__in=[m.pk for m in pressed]).update(
            supervised=True, supervision_note="第二次督办: 仍未答复, 请今日内答复"
        )
        old.objects.filter(pk=legacy.pk).update(supervised=True, supervision_note="旧督办意见")
        migrated()
        got = {
            m.pk: (m.supervised, m.supervised_count, m.last_supervised_at, m.supervision_note, m.ever_supervised)
            for m in Message.objects.filter(pk__in=[m.pk for m in [*pressed, legacy]])
        }
        assert got[kept.pk] == (True, 2, SECOND, "第二次督办: 仍未答复, 请今日内答复", True)
        assert got[moved.pk] == (False, 0, None, "", True)
        assert got[again.pk][:2] == (True, 1) and got[again.pk][3:] == ("生态环境局请尽快办理", True)
        assert got[joint.pk] == (True, 2, SECOND, "第二次督办: 仍未答复, 请今日内答复", True)
        assert got[legacy.pk] == (True, 0, None, "旧督办意见", True)  # kept, uncounted
        old = migrated(BEFORE).get_model("board", "Message")
        assert set(
            old.objects.filter(pk__in=[kept.pk, moved.pk]).values_list("supervised", "supervision_note")
        ) == {(True, "第二次督办: 仍未答复, 请今日内答复")}
        assert old.objects.get(pk=again.pk).supervision_note == "生态环境局请尽快办理"
    finally:
        migrated()


def staff_case(personas, m) -> dict:
    api = APIClient()
    api.force_authenticate(personas["supervisor"])
    return api.get(f"/api/v1/staff/cases/{m.public_id}/").json()


def public_says_supervised(client, m) -> bool:
    page = client.get(reverse("board:message", args=[m.public_id])).content.decode()
    return (
        '<span class="badge warn">督办</span>' in page
        and client.get(f"/api/v1/messages/{m.public_id}/").json()["supervised"] is True
    )


def test_a_transfer_by_one_of_two_lead_units_keeps_the_mark_for_the_other(personas, directory, login):
    m = pressed_twice(personas, directory)
    jointly_led(m, directory["ecology"], m.due_at)  # 联合办理
    transferred(personas, directory, m, to="transport")
    case = staff_case(personas, m)
    assert (case["supervised"], case["supervised_count"]) == (True, 2)
    assert dt.datetime.fromisoformat(case["last_supervised_at"]) == SECOND
    client = login(personas["supervisor"])
    record = section(client.get(reverse("board:case", args=[m.public_id])).content.decode(), "supervisions")
    assert "已督办 2 次" in record and "转办前" not in record
    listed = section(client.get(reverse("board:supervision")).content.decode(), "supervised")
    assert "已督办 2 次 (最近 12-05 14:30)" in listed and "未再督办" not in listed


def test_a_return_a_batch_dispatch_and_a_reopening_clear_the_mark_and_the_public_keeps_its_badge(
    personas, directory, login, client
):
    m = pressed_twice(personas, directory)
    actions.do_sign(personas["officer"], m, directory["housing"])
    actions.do_return(
        personas["officer"], Message.objects.get(pk=m.pk), directory["housing"], "不属本单位职责"
    )
    case = staff_case(personas, m)
    assert (case["supervised"], case["supervised_count"], case["last_supervised_at"]) == (False, 0, None)
    assert public_says_supervised(client, m)  # the public reads 督办 as ever pressed, as before
    supervisor = login(personas["supervisor"])
    listed = section(supervisor.get(reverse("board:supervision")).content.decode(), "supervised")
    assert m.title in listed and "退单后未再督办" in listed
    actions.do_supervise(personas["supervisor"], Message.objects.get(pk=m.pk), "请尽快重新派单")
    assert staff_case(personas, m)["supervised_count"] == 1
    done = actions.do_dispatch_many(
        personas["dispatcher"], [(Message.objects.get(pk=m.pk), directory["ecology"], (), None, None)]
    )
    assert not isinstance(done[0], Exception)
    assert (staff_case(personas, m)["supervised"], staff_case(personas, m)["supervised_count"]) == (False, 0)
    listed = section(supervisor.get(reverse("board:supervision")).content.decode(), "supervised")
    assert "派单后未再督办" in listed

    r = dispatch(personas, directory, "答复后重办的留言")
    actions.do_sign(personas["officer"], r, directory["housing"])
    actions.do_supervise(personas["supervisor"], Message.objects.get(pk=r.pk), "请按时答复")
    actions.do_reply(
        personas["officer"], Message.objects.get(pk=r.pk), directory["housing"], "已安排现场查看, 下周施工。"
    )
    actions.do_evaluate(
        personas["citizen"],
        Message.objects.get(pk=r.pk),
        resolution="unsatisfied",
        attitude="basic",
        speed="basic",
    )
    actions.do_reopen(personas["citizen"], Message.objects.get(pk=r.pk), "问题没有解决")
    case = staff_case(personas, r)
    assert (case["supervised"], case["supervised_count"], case["last_supervised_at"]) == (False, 0, None)
    assert public_says_supervised(client, r)
    record = section(
        supervisor.get(reverse("board:case", args=[r.public_id])).content.decode(), "supervisions"
    )
    assert "请按时答复" in record and "重办前" in record


def test_a_mark_from_before_the_counts_and_one_of_another_year(personas, directory, login):
    legacy = dispatch(personas, directory, "旧数据中已督办的留言", at=LONG_AGO)
    Message.objects.filter(pk=legacy.pk).update(
        supervised=True, ever_supervised=True, supervision_note="旧督办意见"
    )
    old = dispatch(personas, directory, "去年督办的留言", at=LONG_AGO)
    actions.do_supervise(
        personas["supervisor"], old, "去年的督办", at=dt.datetime(2025, 12, 5, 14, 30, tzinfo=SH)
    )
    client = login(personas["officer"])
    rows = csv_rows(client.get(reverse("board:inbox_export", args=["csv"]), {"tab": "supervised"}))
    got = {r[1]: dict(zip(HEADER, r, strict=True)) for r in rows[1:]}
    # what nobody counted is not said to be none: the 督办 column says 已督办, its count and time are left empty
    assert [got[legacy.title][c] for c in ("督办", "督办次数", "最近督办时间")] == ["已督办", "", ""]
    assert [got[old.title][c] for c in ("督办", "督办次数", "最近督办时间")] == [
        "已督办",
        "1",
        "2025-12-05 14:30",
    ]
    listed = section(
        login(personas["supervisor"]).get(reverse("board:supervision")).content.decode(), "supervised"
    )
    assert "已督办 1 次 (最近 2025-12-05 14:30)" in listed


def test_a_case_pressed_then_transferred_is_said_so_alike_on_every_list_and_export(
    personas, directory, login, django_capture_on_commit_callbacks
):
    """/stats/overdue/ and its export said 「未督办」 of a case 督办ed then transferred, the 督办 page
    「转办后未再督办」; the inbox export said 「是」 where the overdue export said 「已督办」 (review, 2026-12-07)."""
    with django_capture_on_commit_callbacks(execute=True):  # the statistics rows /stats/overdue/ reads
        m = pressed_twice(personas, directory)
        transferred(personas, directory, m)
        never = dispatch(personas, directory, "从未督办的超期留言", at=LONG_AGO)
    client = login(personas["supervisor"])
    overdue = client.get(reverse("stats:overdue"), {"region": "620100"}).content.decode()
    row = overdue[overdue.index(m.title) :]
    assert "转办后未再督办" in row[: row.index("</tr>")]
    row = overdue[overdue.index(never.title) :]
    assert "未督办" in row[: row.index("</tr>")] and "未再督办" not in row[: row.index("</tr>")]
    rows = _csv(
        client.get(reverse("stats:export_messages", args=["csv"]), {"measure": "overdue", "region": "620100"})
    )
    cells = {r[0]: dict(zip(rows[0], r, strict=True))["督办"] for r in rows[1:]}
    assert (cells[m.public_id], cells[never.public_id]) == ("转办后未再督办", "未督办")
    page = client.get(reverse("board:supervision")).content.decode()
    assert "督办过的留言" in page and "督办中的留言" not in page
    rows = csv_rows(login(personas["other_officer"]).get(reverse("board:inbox_export", args=["csv"])))
    got = {r[1]: dict(zip(HEADER, r, strict=True)) for r in rows[1:]}
    assert got[m.title]["督办"] == "转办后未再督办"


def test_the_list_names_what_cleared_the_mark_first_after_the_latest_supervision(personas, directory, login):
    """督办 → 退单 → 派单: the 督办 page said 「派单后未再督办」, the case page 「退单前」."""
    m = pressed_twice(personas, directory)
    actions.do_sign(personas["officer"], m, directory["housing"])
    actions.do_return(personas["officer"], Message.objects.get(pk=m.pk), directory["housing"], "不属本单位职责")
    actions.do_dispatch(personas["dispatcher"], Message.objects.get(pk=m.pk), directory["ecology"])
    client = login(personas["supervisor"])
    listed = section(client.get(reverse("board:supervision")).content.decode(), "supervised")
    assert "退单后未再督办" in listed and "派单后未再督办" not in listed
    record = section(client.get(reverse("board:case", args=[m.public_id])).content.decode(), "supervisions")
    assert "退单前" in record
