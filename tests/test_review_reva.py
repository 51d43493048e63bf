"""Review of 2026-12-05's merges: 按建议派单 in one transaction with a savepoint per case (qa-batchsign), and
the 签收 rows of 及时签收率 (qa-signrate) after the moves that end or open a lead assignment."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from minsheng.board import actions, batch_dispatch
from minsheng.board.models import Assignment, Event, Message
from minsheng.stats import facts
from minsheng.stats.models import MessageFact, SignFor

from .conftest import make_user
from .test_batch_hotspots import _figures, _hotspots, _waiting_in_hotspots

SIGN_FIELDS = ("assignment_id", "message_id", "unit_key", "p1", "p2", "p3", "p4", "topic_key", "kind", "day",
               "sign_due_at", "signed_at", "given_up_at")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("failing_at", [0, 1, 2])
def test_one_case_refused_under_the_locks_waits_alone_and_the_others_hotspots_refreshed(
        personas, directory, monkeypatch, failing_at):
    """A case refused when the batch is checked (its unit switched off meanwhile) is left alone: it waits as
    before, with no assignment, event or 签收 row, while the cases before and after it are dispatched, their
    hotspots name the unit and their statistics count them — refreshed at the batch's commit. (Until
    2026-12-06 each case had its own savepoint and the refusal was injected half-way through its writes;
    do_dispatch_many finds every refusal before anything is written.)"""
    monkeypatch.setattr(batch_dispatch, "near_duplicates_each", lambda messages, **kw: {m.pk: [] for m in messages})
    cases = _waiting_in_hotspots(personas, directory, 3)
    failing = cases[failing_at]
    others = [m for m in cases if m.pk != failing.pk]
    refusals = actions._dispatch_refusals

    def switched_off(actor, batch):
        return [actions.Invalid("该单位已停用", "lead") if m.pk == failing.pk else exc
                for (m, *_), exc in zip(batch, refusals(actor, batch), strict=True)]

    monkeypatch.setattr(actions, "_dispatch_refusals", switched_off)
    outcomes = batch_dispatch.dispatch_by_suggestion(personas["dispatcher"], [m.public_id for m in cases])
    assert [o.dispatched for o in outcomes] == [k != failing_at for k in range(3)]
    assert outcomes[failing_at].reason == "该单位已停用"
    assert Message.objects.get(pk=failing.pk).status == failing.status
    assert not Assignment.objects.filter(message=failing).exists()
    assert not Event.objects.filter(message=failing, kind=Event.Kind.DISPATCHED).exists()
    assert [f[7] for f in _figures(_hotspots(cases))] == [
        [] if k == failing_at else ["兰州市住房和城乡建设局"] for k in range(3)]
    assert sorted(SignFor.objects.values_list("message_id", flat=True)) == sorted(m.pk for m in others)
    assert {MessageFact.objects.get(pk=m.pk).unit_key for m in others} == {directory["housing"].pk}
    assert MessageFact.objects.get(pk=failing.pk).category == "pending"


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_the_batch_is_written_leaves_every_case_as_it_was(personas, directory, monkeypatch):
    """A failure after the cases were updated (the shares' writes) undoes the whole batch: no case is left
    dispatched without its assignment, event or statistics (nothing half-written)."""
    monkeypatch.setattr(batch_dispatch, "near_duplicates_each", lambda messages, **kw: {m.pk: [] for m in messages})
    cases = _waiting_in_hotspots(personas, directory, 3)

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(actions, "_dispatch_shares", broken)
    with pytest.raises(RuntimeError):
        batch_dispatch.dispatch_by_suggestion(personas["dispatcher"], [m.public_id for m in cases])
    assert [Message.objects.get(pk=m.pk).status for m in cases] == [m.status for m in cases]
    assert not Assignment.objects.filter(message__in=cases).exists()
    assert not Event.objects.filter(message__in=cases, kind=Event.Kind.DISPATCHED).exists()
    assert not SignFor.objects.exists()


def _signs():
    return sorted(SignFor.objects.values_list(*SIGN_FIELDS))


@pytest.mark.django_db(transaction=True)
def test_the_sign_rows_after_each_move_are_those_a_rebuild_writes(personas, directory):
    """转办, 退单 and a new dispatch, 重办, 并单 and 撤销并单, each refreshed after its commit: the ``SignFor``
    rows are then those refresh-stats writes from the assignments (on PostgreSQL its set-based SQL)."""
    p, d = personas, directory
    eco = make_user("eco_reviewer", role="officer", unit=d["ecology"])
    t0 = timezone.now().replace(microsecond=0) - dt.timedelta(days=60)
    hour, day = dt.timedelta(hours=1), dt.timedelta(days=1)

    def sent(title, unit, at):
        m = actions.do_submit(p["citizen"], title=title, kind="help", region=d["qilihe"], topic=d["topic_build"],
                              body=f"{title}, 已经持续很久了, 希望有关部门尽快处理。", at=at)
        actions.do_dispatch(p["dispatcher"], m, unit, at=at + hour)
        return Message.objects.get(pk=m.pk)

    def check():
        got = _signs()
        facts.rebuild()
        assert _signs() == got

    moved = sent("河道边堆放建筑垃圾", d["ecology"], t0)
    actions.do_transfer(eco, moved, d["ecology"], d["housing"], "属住建部门职责", at=t0 + 5 * day)
    check()
    back = sent("小区噪音扰民", d["ecology"], t0)
    actions.do_return(eco, back, d["ecology"], "不属本单位职责", at=t0 + 2 * hour)
    check()
    actions.do_dispatch(p["dispatcher"], Message.objects.get(pk=back.pk), d["housing"], at=t0 + 3 * hour)
    check()
    again = sent("楼道灯坏了一个月", d["housing"], t0)
    actions.do_sign(p["officer"], again, d["housing"], at=t0 + 2 * hour)
    actions.do_reply(p["officer"], Message.objects.get(pk=again.pk), d["housing"],
                     "已安排物业更换楼道灯, 现已恢复照明, 感谢您的反映。", at=t0 + day)
    actions.do_evaluate(p["citizen"], Message.objects.get(pk=again.pk), resolution="unsatisfied", attitude="basic", speed="basic",
                        at=t0 + 2 * day)
    actions.do_reopen(p["citizen"], Message.objects.get(pk=again.pk), "灯又坏了", at=t0 + 3 * day)
    check()
    main = sent("路灯不亮影响夜间出行", d["housing"], t0)
    twin = sent("路灯不亮夜里出行不便", d["ecology"], t0)
    actions.do_merge(p["dispatcher"], twin, Message.objects.get(pk=main.pk), at=t0 + 5 * day)
    check()
    actions.do_unmerge(p["dispatcher"], Message.objects.get(pk=twin.pk), "并错了", at=t0 + 6 * day)
    check()
    actions.do_dispatch(p["dispatcher"], Message.objects.get(pk=twin.pk), d["ecology"], at=t0 + 6 * day + hour)
    check()
    assert SignFor.objects.filter(message=twin).count() == 2
    assert SignFor.objects.filter(message=moved).count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_query_failing_in_the_duplicate_lookup_leaves_the_batch_transaction_usable(personas, directory,
                                                                                     monkeypatch):
    """The near-duplicate lookup runs inside 按建议派单's one transaction and swallows its failures; a failed
    query there must not leave the transaction refusing every later query (PostgreSQL), which undid the
    whole batch with a 500."""
    from django.db import connection, transaction

    from minsheng.insight import lookup

    def broken(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table_here")

    monkeypatch.setattr(lookup, "near_duplicates_many", broken)
    m = actions.do_submit(personas["citizen"], title="小区门口路灯不亮", body="小区门口的路灯坏了一个月, 晚上出门很不方便, 请尽快修理。",
                          kind="help", region=directory["chengguan"])
    other = actions.do_submit(personas["citizen"], title="小区门口路灯坏了", body="门口路灯坏了好几天, 晚上很黑, 请尽快修理。",
                              kind="help", region=directory["chengguan"])
    with transaction.atomic():
        assert batch_dispatch._twins([(m, None, [], None, None), (other, None, [], None, None)], [0, 1]) == {}
        assert Message.objects.filter(pk=m.pk).count() == 1  # the transaction still answers
