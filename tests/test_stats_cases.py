"""Cases built through every workflow path with board.actions, and the public figures
recomputed from raw rows (Message, Reply, Evaluation, Extension, Assignment) without
any code of minsheng.stats, so tests can compare the two."""

from __future__ import annotations

import datetime as dt
import statistics

from django.utils import timezone

from minsheng.board import actions
from minsheng.board.deadlines import SHANGHAI, working_days_between
from minsheng.board.models import Assignment, Extension, Message, Rating, Reply
from minsheng.board.workflow import Status

BODY = "小区门口道路破损严重, 下雨天积水, 老人孩子出行很不方便, 希望尽快修复。"
ANSWER = "您好, 经核实, 我局已安排施工单位于本周内完成修复, 感谢您的监督。"


def local(y, m, d, h=10) -> dt.datetime:
    return dt.datetime(y, m, d, h, tzinfo=SHANGHAI)


def build_cases(d, p, now=None) -> dict[str, Message]:
    """One message per path; returns them by name. ``d`` directory, ``p`` personas."""
    now = now or timezone.now()
    cit, disp, off, sup = p["citizen"], p["dispatcher"], p["officer"], p["supervisor"]
    housing, ecology = d["housing"], d["ecology"]
    cases = {}

    def submit(name, region, at, kind="complain", topic=None):
        m = actions.do_submit(cit, title=f"测试留言{name}", body=BODY, kind=kind, region=region,
                              topic=topic or d["topic_build"], at=at)
        cases[name] = m
        return m

    def fresh(name):
        cases[name] = Message.objects.get(pk=cases[name].pk)
        return cases[name]

    def dispatch_sign(m, unit, at, officer=off):
        actions.do_dispatch(disp, m, unit, at=at)
        m.refresh_from_db()
        actions.do_sign(officer, m, unit, at=at + dt.timedelta(hours=2))
        m.refresh_from_db()

    base = now - dt.timedelta(days=60)

    # replied on time, rated satisfied -> closed
    m = submit("on_time_satisfied", d["chengguan"], base)
    dispatch_sign(m, housing, base + dt.timedelta(hours=1))
    actions.do_reply(off, m, housing, ANSWER, at=base + dt.timedelta(days=3))
    m.refresh_from_db()
    actions.do_evaluate(cit, m, resolution=Rating.SATISFIED, attitude=Rating.SATISFIED, speed=Rating.SATISFIED,
                        at=base + dt.timedelta(days=4))

    # replied late (after the 15 working days of a complaint), rated basic
    m = submit("late_basic", d["qilihe"], base + dt.timedelta(days=1))
    dispatch_sign(m, housing, base + dt.timedelta(days=1, hours=1))
    actions.do_reply(off, fresh("late_basic"), housing, ANSWER, at=base + dt.timedelta(days=35))
    m.refresh_from_db()
    actions.do_evaluate(cit, m, resolution=Rating.BASIC, attitude=Rating.SATISFIED, speed=Rating.UNSATISFIED,
                        at=base + dt.timedelta(days=36))

    # reopened after an unsatisfied rating, replied again
    m = submit("reopened", d["chengguan"], base + dt.timedelta(days=2), kind="help")
    dispatch_sign(m, housing, base + dt.timedelta(days=2, hours=1))
    actions.do_reply(off, m, housing, ANSWER, at=base + dt.timedelta(days=5))
    m.refresh_from_db()
    actions.do_evaluate(cit, m, resolution=Rating.UNSATISFIED, attitude=Rating.BASIC, speed=Rating.BASIC,
                        at=base + dt.timedelta(days=6))
    m.refresh_from_db()
    actions.do_reopen(cit, m, "问题没有解决", at=base + dt.timedelta(days=7))
    m.refresh_from_db()
    actions.do_sign(off, m, housing, at=base + dt.timedelta(days=7, hours=3))
    m.refresh_from_db()
    actions.do_reply(off, m, housing, ANSWER + "(重办)", at=base + dt.timedelta(days=9))

    # reopened and still waiting for the second reply, now overdue
    m = submit("reopened_open", d["chengguan"], base + dt.timedelta(days=2, hours=5), kind="consult")
    dispatch_sign(m, housing, base + dt.timedelta(days=2, hours=6))
    actions.do_reply(off, m, housing, ANSWER, at=base + dt.timedelta(days=4))
    m.refresh_from_db()
    actions.do_evaluate(cit, m, resolution=Rating.UNSATISFIED, attitude=Rating.UNSATISFIED,
                        speed=Rating.UNSATISFIED, at=base + dt.timedelta(days=5))
    m.refresh_from_db()
    actions.do_reopen(cit, m, "没有解决", at=base + dt.timedelta(days=6))

    # duplicate merged into the first case
    m = submit("merged", d["chengguan"], base + dt.timedelta(days=3))
    actions.do_merge(disp, m, fresh("on_time_satisfied"))

    # withdrawn by the author; rejected by the dispatcher
    m = submit("withdrawn", d["qilihe"], base + dt.timedelta(days=3, hours=2))
    actions.do_withdraw(cit, m)
    m = submit("rejected", d["qilihe"], base + dt.timedelta(days=3, hours=3))
    actions.do_reject(disp, m, "与政府职能无关")

    # extension approved, replied after the first deadline but within the extended one
    m = submit("extended", d["chengguan"], now - dt.timedelta(days=12), kind="consult")
    dispatch_sign(m, housing, now - dt.timedelta(days=12))
    ext = actions.do_request_extension(off, m, housing, 20, "需要多部门现场核查")
    actions.do_decide_extension(sup, ext, True, "同意")
    m.refresh_from_db()
    actions.do_reply(off, m, housing, ANSWER, at=now - dt.timedelta(hours=1))

    # overdue: dispatched long ago, never replied
    m = submit("overdue", d["qilihe"], base + dt.timedelta(days=10))
    dispatch_sign(m, housing, base + dt.timedelta(days=10, hours=1))

    # open and not yet due
    m = submit("open", d["chengguan"], now - dt.timedelta(days=1))
    dispatch_sign(m, housing, now - dt.timedelta(days=1))

    # accepted, waiting for dispatch (no deadline yet)
    m = submit("accepted", d["lanzhou"], now - dt.timedelta(days=2), topic=d["topic_env"])
    actions.do_accept(disp, m)

    # pending moderation
    submit("pending", d["qilihe"], now - dt.timedelta(hours=3))

    # transferred to another unit, which replies; unsatisfied, not reopened
    m = submit("transferred", d["lanzhou"], base + dt.timedelta(days=20), kind="suggest", topic=d["topic_env"])
    actions.do_dispatch(disp, m, housing, at=base + dt.timedelta(days=20, hours=1))
    m.refresh_from_db()
    actions.do_transfer(off, m, housing, ecology, "属于生态环境局职责", at=base + dt.timedelta(days=20, hours=2))
    m.refresh_from_db()
    eco = p["other_officer"]
    actions.do_sign(eco, m, ecology, at=base + dt.timedelta(days=21))
    m.refresh_from_db()
    actions.do_reply(eco, m, ecology, ANSWER, at=base + dt.timedelta(days=24))
    m.refresh_from_db()
    actions.do_evaluate(cit, m, resolution=Rating.UNSATISFIED, attitude=Rating.BASIC, speed=Rating.BASIC,
                        at=base + dt.timedelta(days=25))

    # in 定西市 (another prefecture): dispatched long ago, never signed -> overdue
    m = submit("dingxi", d["dingxi"], base + dt.timedelta(days=5))
    actions.do_dispatch(p["dx_dispatcher"], m, d["dx_housing"], at=base + dt.timedelta(days=5, hours=1))
    return {name: Message.objects.get(pk=m.pk) for name, m in cases.items()}


RECEIVED_STATUSES = {Status.ACCEPTED, Status.DISPATCHED, Status.SIGNED, Status.REPLIED, Status.EVALUATED,
                     Status.CLOSED}


def raw_figures(messages, now=None) -> dict:
    """The figures of docs/statistics.md, recomputed from raw rows."""
    now = now or timezone.now()
    messages = list(messages)
    received = [m for m in messages if m.status in RECEIVED_STATUSES]
    first_replies = {}
    for m in received:
        r = Reply.objects.filter(message=m).order_by("published_at", "id").first()
        if r:
            first_replies[m.pk] = r
    on_time = 0
    days = []
    for m in received:
        r = first_replies.get(m.pk)
        if not r:
            continue
        lead = (Assignment.objects.filter(message=m, role="lead", round=r.round, unit=r.unit, state="done")
                .order_by("-assigned_at").first())
        if lead.due_at is None or r.published_at <= lead.due_at:
            on_time += 1
        days.append(working_days_between(m.submitted_at, r.published_at))
    evaluated = satisfied = 0
    for m in received:
        last = m.evaluations.order_by("created_at", "id").last()
        if last:
            evaluated += 1
            satisfied += last.resolution in (Rating.SATISFIED, Rating.BASIC)
    overdue_unreplied = sum(1 for m in received if m.status in Status.handling() and m.due_at
                            and m.due_at < now and m.pk not in first_replies)
    # 误期未答复: each unit that gave a case up (退单, 转办) after its deadline had passed in its hands and
    # before the first reply, for good (whatever became of the case); and each case never answered, late
    # now, unless its deadline had passed before it came to its holder (or before it was given back)
    def let_pass(a):
        return (a.state in ("returned", "transferred") and a.due_at and a.closed_at
                and a.assigned_at < a.due_at < a.closed_at)

    missed = 0
    for m in messages:
        leads = list(Assignment.objects.filter(message=m, role="lead").order_by("assigned_at", "id"))
        first = Reply.objects.filter(message=m).order_by("published_at", "id").first()
        missed += len({a.unit_id for a in leads if let_pass(a) and (first is None or a.closed_at < first.published_at)})
        if m.status in Status.handling() and m.pk not in first_replies and m.due_at and m.due_at < now:
            active = [a for a in leads if a.state == "active"]
            late_before = active[-1].assigned_at >= active[-1].due_at if active else bool(leads) and let_pass(leads[-1])
            missed += not late_before
    replied = len(first_replies)
    # 及时签收率: each lead assignment with a 签收期限, signed for or past it unsigned (and not given up
    # unsigned before it passed); on time when signed for by it; of the cases the public reads (since 2026-12-06)
    # and those withdrawn by their authors since (since 2026-12-06, later) or 不予受理 since (since 2026-12-06, stats
    # walk): every case once sent to a unit
    sign_due = signed_on_time = 0
    for a in Assignment.objects.filter(message__in=messages,
                                       message__status__in={*Status.public(), Status.WITHDRAWN, Status.REJECTED},
                                       role="lead", sign_due_at__isnull=False):
        if a.signed_at is not None:
            sign_due += 1
            signed_on_time += a.signed_at <= a.sign_due_at
        elif a.sign_due_at < now and (a.state == "active" or a.sign_due_at < (a.closed_at or a.sign_due_at)):
            sign_due += 1

    def rate(a, b):
        return round(a / b, 6) if b else None

    return {
        "submitted": len(messages),
        "received": len(received),
        "rejected": sum(m.status == Status.REJECTED for m in messages),
        "withdrawn": sum(m.status == Status.WITHDRAWN for m in messages),
        "merged": sum(m.status == Status.MERGED for m in messages),
        "pending": sum(m.status == Status.SUBMITTED for m in messages),
        "replied": replied,
        "reply_rate": rate(replied, len(received)),
        "on_time": on_time,
        "overdue_unreplied": overdue_unreplied,
        "missed": missed,
        "on_time_rate": rate(on_time, replied + missed),
        "sign_due": sign_due,
        "signed_on_time": signed_on_time,
        "sign_on_time_rate": rate(signed_on_time, sign_due),
        "median_days_to_reply": statistics.median(days) if days else None,
        "mean_days_to_reply": sum(days) / len(days) if days else None,  # unrounded, as the figures keep it
        "evaluated": evaluated,
        "satisfied": satisfied,
        "satisfaction_rate": rate(satisfied, evaluated),
        "reopened": sum(m.reopen_count > 0 for m in received),
        "reopened_rate": rate(sum(m.reopen_count > 0 for m in received), replied),
        "extended": sum(Extension.objects.filter(assignment__message=m, state="approved").exists()
                        for m in received),
        "open": sum(m.status in Status.handling() for m in received),
        "overdue": sum(m.status in Status.handling() and bool(m.due_at) and m.due_at < now for m in received),
    }
