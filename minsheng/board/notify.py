"""Notifications: a site-inbox row for each recipient, and an email (console backend
in the demo) sent after commit; citizens with a phone also get an SMS of the notes they
most want (SMS_TEXTS) when MINSHENG_SMS_SENDER is set. Called by actions via
transaction.on_commit."""

from __future__ import annotations

import datetime as dt
import logging
from contextvars import ContextVar

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import Exists, OuterRef, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone

from minsheng.accounts.models import Membership

from .deadlines import SHANGHAI, minute_of
from .models import Assignment, Extension, Message, Notification, Support
from .workflow import Status

log = logging.getLogger(__name__)

# The time of the action being told of, while its notes are written (``dated``).
_action_at: ContextVar = ContextVar("notify_action_at", default=None)


def dated(at, tell):
    """``tell`` (a call of this module's functions) for ``transaction.on_commit``, its notes
    dated ``at``, the action's time, and judged as of then: an action passed a time in the
    past (the demo plays months of history in one run) is told of as it happened, not as of
    the run. A live action's notes are written a moment after it, at its time."""
    def run():
        token = _action_at.set(at)
        try:
            tell()
        finally:
            _action_at.reset(token)
    return run


def _now():
    return _action_at.get() or timezone.now()


def _send(user, message, kind: str, text: str, email: bool = True) -> None:
    _send_all([(user, message, kind, text)], email=email)


def _send_all(notes, email: bool = True) -> None:
    """``notes`` — (user, message, kind, text) — written in one insert (a run of 到期提醒 over a unit's 200
    cases: one, not 400; since 2026-12-05), then each texted and emailed as ``_send`` does."""
    notes = [note for note in notes if not note[0].closed_at]  # 注销账号: nobody to tell (no inbox, no phone)
    rows = [Notification(user=user, message=message, kind=kind, text=text[:300], created_at=_now())
            for user, message, kind, text in notes]
    if len(rows) == 1:
        rows[0].save()  # bulk_create opens a transaction of its own (a BEGIN more) outside one
    elif rows:
        Notification.objects.bulk_create(rows)
    for user, message, kind, text in notes:
        if kind in SMS_TEXTS and message is not None and user.pk == message.author_id:
            _text(user, message, kind)
        if email and user.email:
            try:
                page = "board:case" if kind in STAFF_KINDS else "board:message"  # as the site inbox opens it
                link = settings.MINSHENG_SITE_URL + reverse(page, args=[message.public_id]) if message else ""
                send_mail(f"【民声】{text[:60]}", f"{text}\n\n{link}", None, [user.email], fail_silently=False)
            except Exception:  # mail trouble never undoes the action
                log.exception("email to %s failed", user.pk)


# The notes a citizen also gets by SMS, about their own message: what the SMS says of it.
SMS_TEXTS = {"replied": "已答复", "rejected": "未予受理"}
SMS_LENGTH = 70  # Chinese characters in one SMS; a longer text is billed and delivered as several
SMS_LATE = dt.timedelta(hours=1)  # an action told of later than this (the demo's history) is not texted


def sms_text(message, kind: str) -> str:
    """The SMS of ``kind`` about a citizen's ``message``: the site's signature in 【】 (required of
    Chinese SMS), the 留言编号 and the link to the message, nothing else of theirs (a title may name
    people). The 编号 is left to the link when a long MINSHENG_SITE_URL would make it two SMS."""
    link = settings.MINSHENG_SITE_URL + reverse("board:message", args=[message.public_id])
    text = f"【民声】您的留言{message.public_id}{SMS_TEXTS[kind]}，详见 {link}"
    return text if len(text) <= SMS_LENGTH else f"【民声】您的留言{SMS_TEXTS[kind]}，详见 {link}"


def _text(user, message, kind: str) -> None:
    """Text ``user`` of their ``message`` (sms_text), unless no SMS sender is set, they have no
    mobile phone (senders.sms_phone) or switched SMS notices off (我的资料). Sent by a task of the
    notify queue, which retries a failing gateway and keeps to the daily cap: the gateway never
    holds up or undoes the officer's action."""
    from minsheng.accounts.senders import sms_phone

    if not (sms_phone(user) and user.sms_notices) or _now() < timezone.now() - SMS_LATE:
        return
    from minsheng.celery import delay_or_run

    from .tasks import notify_by_sms

    try:
        delay_or_run(notify_by_sms, user.pk, sms_text(message, kind))
    except Exception:  # as mail trouble, never undoes the action
        log.exception("SMS notice to %s failed", user.pk)


# The lists of the 消息 page for officers and heads (since 2026-12-05): 「本单位新件」, the notes of the cases
# dispatched, transferred or reopened to the unit (to sign, or to help with), apart from 「与我有关」, every
# other note — the cases given to them (指派), 督办, 重办 and deadlines of their cases, their extensions.
UNIT_NEW_KINDS = frozenset({"case_arrived"})
NOTE_LISTS = {"mine": "与我有关", "unit_new": "本单位新件"}


def note_list(name: str):
    """The Q of the 消息 list ``name`` (NOTE_LISTS); None for any other name: every note."""
    from django.db.models import Q

    if name not in NOTE_LISTS:
        return None
    new = Q(kind__in=UNIT_NEW_KINDS)
    return new if name == "unit_new" else ~new


# Notes that send a person to the staff case page; the others go to the public page.
STAFF_KINDS = frozenset({"case_arrived", "due_soon", "supervised", "returned", "extension_requested",
                         "extension_decided", "handler_assigned"})


def _citizen(message, kind, text):
    _send(message.author, message, kind, f"您的留言「{message.title}」{text}")


def _followers(main, leaving_out=None) -> list[tuple]:
    """The others waiting for ``main``'s answer, each once: the authors of messages merged
    into it, with their message (its page shows main's reply), then everyone who said
    我也遇到 on it or on them, with None (their note is about main). ``leaving_out``: a
    merged message whose people are not counted."""
    merged = list(Message.objects.filter(duplicate_of=main).exclude(pk=getattr(leaving_out, "pk", None))
                  .select_related("author").order_by("submitted_at"))
    supports = Support.objects.filter(message__in=[main, *merged]).select_related("user").order_by("created_at")
    people, seen = [], {main.author_id}
    for user, own in [*((m.author, m) for m in merged), *((s.user, None) for s in supports)]:
        if user.pk not in seen:
            seen.add(user.pk)
            people.append((user, own))
    return people


FOLLOWER_TEXTS = {"replied": "已收到答复", "closed": "已办结",
                  # no longer public: the note has no page to open, and says what to do instead
                  "withdrawn": "已由留言人撤回, 不再办理; 如问题仍在, 您可以发表新留言",
                  "rejected": "未予受理, 不再办理; 如问题仍在, 您可以发表新留言",
                  "unmerged": "已撤销并单, 不再与其他留言合并办理, 将单独派单办理"}
ENDED = frozenset({"withdrawn", "rejected"})


def _tell_followers(main, kind, people=None):
    """Tell ``people`` (default: every follower) that ``main`` was answered, closed,
    withdrawn or rejected (``kind``), with main's title as the public reads it: they are
    not its author."""
    text, title = FOLLOWER_TEXTS[kind], main.public_title
    for user, own in _followers(main) if people is None else people:
        if own is None:
            _send(user, None if kind in ENDED else main, kind, f"您也遇到的问题「{title}」{text}")
        else:
            _send(user, own, kind, f"您的留言「{own.title}」已与「{title}」合并办理, {text}")


def dispatched(message):
    _citizen(message, "dispatched", "已交由相关单位办理")


def _later_for_followers(message, kind):
    """A case may have hundreds of followers, each with an email: they are told by a
    background task (the notify queue), not within the officer's request."""
    from minsheng.celery import delay_or_run

    from .tasks import notify_followers

    delay_or_run(notify_followers, message.pk, kind)


def replied(message):
    _citizen(message, "replied", "已收到答复, 欢迎评价")
    _later_for_followers(message, "replied")


def closed(message):
    _citizen(message, "closed", "已办结")
    _later_for_followers(message, "closed")


def merged(message, main):
    """``message`` was merged into ``main`` after main was answered: its page shows that
    answer at once, so its author and supporters hear of it now (they missed ``replied``);
    those who followed main already are not told twice."""
    told = {user.pk for user, _ in _followers(main, leaving_out=message)}
    kind = "closed" if main.status == Status.CLOSED else "replied"
    _tell_followers(main, kind, [(user, own) for user, own in _followers(main) if user.pk not in told])


def unmerged(message):
    """撤销并单: the author, and those who said 我也遇到 on the message, learn that it is
    handled on its own again; the dispatcher's reason stays internal, as a return's does."""
    _citizen(message, "unmerged", FOLLOWER_TEXTS["unmerged"])
    _later_for_followers(message, "unmerged")  # its 我也遇到 followed the main case through it


def rejected(message):
    _citizen(message, "rejected", f"未予受理: {message.reject_reason}")
    _later_for_followers(message, "rejected")


def withdrawn(message):
    """Those who said 我也遇到 on a public message its author withdrew: it left their list."""
    _later_for_followers(message, "withdrawn")


def supervised(message):
    for a in message.assignments.filter(state="active").select_related("unit", "handler"):
        _case(a, message, "supervised", f"留言「{message.title}」已被督办: {message.supervision_note}")


def _signers(unit) -> list:
    return _signers_of([unit.pk]).get(unit.pk, [])


def _signers_of(units) -> dict[int, list]:
    """Who takes in ``unit``'s new cases: its heads (单位负责人), who sign them and give each to a 承办人
    (指派), the 12345 practice; a unit without a head still working there, its officers and heads, each of
    whom signs (as every unit did before 2026-12-05: the officers of a unit of 200 cases had a 「新主办件」
    note for each, burying the head's 「指派您承办」 and the 督办 of their own cases). Both read the unit's
    staff as 指派 does (actions.staff_memberships: accounts still active): the fallback told the head who
    left, and every officer who left, until review 2026-12-05."""
    from .actions import staff_memberships  # actions imports this module

    staff = list(staff_memberships(units).select_related("user").order_by("pk"))
    by_unit = {}
    for m in staff:
        by_unit.setdefault(m.unit_id, []).append(m)
    signers = {}
    for unit, members in by_unit.items():  # ``units``' ids: those of each, in one query (since 2026-12-05)
        heads = [m.user for m in members if m.role == Membership.Role.HEAD]
        signers[unit] = list({u.pk: u for u in heads or [m.user for m in members]}.values())
    return signers


def _case(assignment, message, kind, text, also=()):
    """A note about a unit's share of a case (督办, due soon, an extension decided): to its 承办人, the
    officer given it, and the unit's heads (_signers); not yet given out, to _signers alone — not to
    every officer of the unit, for whom it is someone else's case. ``also``: people told besides (the
    officer who asked for the extension)."""
    _send_all(_case_notes(assignment, message, kind, text, _signers(assignment.unit), also))


def _case_notes(assignment, message, kind, text, signers, also=()) -> list[tuple]:
    """The notes of ``_case``, ``signers`` those of the assignment's unit."""
    people = {u.pk: u for u in signers}
    for user in [assignment.handler, *also]:
        if user is not None and user.is_active and user.pk not in people:
            people[user.pk] = user
    return [(user, message, kind, text) for user in people.values()]


def _regional(message, role: str):
    """The dispatchers (or supervisors) of the message's region: those of the nearest region
    above it (itself included) that has any — the local 12345 centre, not every level."""
    members = [m for m in Membership.objects.filter(role=role, region__isnull=False).select_related("user", "region")
               if message.region.code.startswith(m.region.prefix)]
    nearest = max((len(m.region.prefix) for m in members), default=0)
    return [m.user for m in members if len(m.region.prefix) == nearest]


# the start of the note asking a lead unit to sign a case (case_arrived), marked read once it is signed
LEAD_ARRIVED = "新主办件: "


def _arrived_text(assignment) -> str:
    if assignment.role == "lead":
        return f"{LEAD_ARRIVED}「{assignment.message.title}」, 请于期限前签收办理"
    # an assisting unit does not sign; it helps the lead unit
    return f"新协办件: 「{assignment.message.title}」, 请配合主办单位办理, 可在案件页填写协办意见"


def case_arrived(assignment):
    for user in _signers(assignment.unit):  # a head signs and gives it out; without one, every officer
        _send(user, assignment.message, "case_arrived", _arrived_text(assignment))
    if assignment.role == "lead":
        _settle_arrived([assignment])


def _settle_arrived(leads) -> None:
    """Lead shares signed, transferred or returned in the request's own transaction, before their 「请签收」
    notes were written (the demo's history): signing_settled found none to mark read then."""
    for message_id, signed, state, closed in Assignment.objects.filter(pk__in=[a.pk for a in leads]).values_list(
            "message_id", "signed_at", "state", "closed_at"):
        if signed is not None or state != Assignment.State.ACTIVE:
            signings_settled([message_id], signed or closed)


def cases_dispatched(cases) -> None:
    """``case_arrived`` of each share and ``dispatched`` of each message of ``cases`` — (message, its new shares)
    of one 派单 (actions.do_dispatch_many) —: the same notes, written in one insert for them all (since
    2026-12-06; before, a query or more a note and one to read each unit's people)."""
    signers = _signers_of({a.unit_id for _, shares in cases for a in shares})
    prefetch_related_objects([m for m, _ in cases], "author")
    notes = []
    for message, shares in cases:
        for a in shares:
            notes += [(user, message, "case_arrived", _arrived_text(a)) for user in signers.get(a.unit_id, [])]
        notes.append((message.author, message, "dispatched", f"您的留言「{message.title}」已交由相关单位办理"))
    _send_all(notes)
    _settle_arrived([a for _, shares in cases for a in shares if a.role == "lead"])


def signing_settled(message, now) -> None:
    """``message`` was signed (签收), or its unit let it go unsigned (转办, 退单): the notes asking a unit
    to sign it, written up to ``now``, are read, every officer's, not only the actor's; unread, they
    stayed a to-do in every inbox of the unit and in the unread count. A unit's earlier notes of the
    case (one that transferred it on before signing) asked for a 签收 nobody can do any more; the unit
    a case goes to next, or a 重办, is asked again in a new note, written after. The people of another
    lead unit still holding the case unsigned (联合办理: two units lead it) keep theirs (review, 2026-12-05:
    one unit's 转办 or 签收 marked them too)."""
    signings_settled([message.pk], now)


def signings_settled(message_ids, now) -> None:
    """``signing_settled`` of several cases in one UPDATE (签收所选, since 2026-12-06): each note is kept
    unread by its own case's unsigned lead units only."""
    unsigned = Assignment.objects.filter(
        message=OuterRef("message"), role=Assignment.Role.LEAD, state=Assignment.State.ACTIVE,
        signed_at__isnull=True, unit__members__user=OuterRef("user"),
        unit__members__role__in=[Membership.Role.OFFICER, Membership.Role.HEAD])
    (Notification.objects.filter(message__in=message_ids, kind="case_arrived", text__startswith=LEAD_ARRIVED,
                                 created_at__lte=now, read_at__isnull=True)
     .exclude(Exists(unsigned)).update(read_at=now))


# how a case came back to a unit that kept its earlier 承办人 (actions._told_carried's ``via``), in words:
# the 承办人's notice and the case history. An assisting unit a case is transferred to leads it: not 转回
CARRIED_OVER = {"reopen": "重办", "transfer": "转回本单位", "dispatch": "重新派至本单位", "assist": "由协办转为本单位主办"}


def handler_assigned(assignment, head, previous=None, carried_over=False, email=True):
    """指派承办人: the officer the head gave the case to is told (with its deadline), and the one
    who had it before learns that it is no longer theirs; a head who took it themselves is not told.
    ``carried_over``: how a case back to the unit stayed with its earlier 承办人 (no head acted), a key
    of CARRIED_OVER; False when a head assigned. ``email``: False for a case of 指派所选, whose officer
    gets one email for the whole batch (handlers_assigned) beside a site note per case."""
    message, handler = assignment.message, assignment.handler
    head_pk = getattr(head, "pk", None)
    if handler.pk != head_pk:
        due = f", 答复期限 {timezone.localtime(assignment.due_at):%Y-%m-%d}" if assignment.due_at else ""
        text = (f"留言「{message.title}」{CARRIED_OVER.get(carried_over, '重办')}, 仍由您承办{due}, 请及时办理"
                if carried_over
                else f"{assignment.unit.name}负责人指派您承办留言「{message.title}」{due}, 请及时办理")
        _send(handler, message, "handler_assigned", text, email=email)
    if previous is not None and previous.pk not in (handler.pk, head_pk):
        _send(previous, message, "handler_assigned", f"留言「{message.title}」已改由 {handler} 承办", email=False)


def handlers_assigned(assignments, head) -> None:
    """指派所选: the one email to the officer given several cases at once (each case also has its site
    note, handler_assigned with ``email`` False, which opens it): their titles and deadlines in one
    letter, not one email per case; none when the head took them themselves, or for an account closed
    or without an email address."""
    if not assignments:
        return
    handler = assignments[0].handler
    if handler.pk == getattr(head, "pk", None) or handler.closed_at or not handler.email:
        return
    # each unit whose share it is (a head of two units may give a person of both a case of each)
    units = "、".join(dict.fromkeys(a.unit.name for a in assignments))
    lines = [f"- 「{a.message.title}」" + (f", 答复期限 {timezone.localtime(a.due_at):%Y-%m-%d}" if a.due_at else "")
             + f"\n  {settings.MINSHENG_SITE_URL}{reverse('board:case', args=[a.message.public_id])}"
             for a in assignments]
    subject = f"{units}负责人指派您承办 {len(assignments)} 件留言, 请及时办理"
    try:
        send_mail(f"【民声】{subject}", subject + ":\n\n" + "\n".join(lines), None, [handler.email],
                  fail_silently=False)
    except Exception:  # mail trouble never undoes the action
        log.exception("email to %s failed", handler.pk)


def returned(message, unit, reason: str):
    for user in _regional(message, Membership.Role.DISPATCHER):
        _send(user, message, "returned", f"{unit.name} 退回了留言「{message.title}」, 请重新派单。理由: {reason}")


def extension_requested(extension):
    a = extension.assignment
    for user in _regional(a.message, Membership.Role.SUPERVISOR):
        _send(user, a.message, "extension_requested",
              f"{a.unit.name} 申请将留言「{a.message.title}」延期 {extension.days} 个工作日, 请审批。理由: {extension.reason}")
    # decided (or lapsed) in the request's own transaction, before these notes were written
    # (the demo's history): extension_handled found none to mark read then
    handled = Extension.objects.filter(pk=extension.pk).exclude(state=Extension.State.PENDING).values_list(
        "decided_at", flat=True).first()
    if handled is not None:
        extension_handled(a.message, handled)


def extension_handled(message, now) -> None:
    """The extension request of ``message`` was approved, refused or lapsed (已失效): the
    supervisors' 「请审批」 notes of it are read, everyone's, not only the decider's; unread,
    they stay a to-do in every inbox and in the unread count. A unit asks for one extension
    of a case at a time, so the notes of the case are those of this request or of earlier,
    decided ones."""
    Notification.objects.filter(message=message, kind="extension_requested", read_at__isnull=True).update(
        read_at=now)


def extension_decided(extension, approved: bool):
    """The unit that asked for more days hears the answer: its deadline moved, or it did not."""
    a, message = extension.assignment, extension.assignment.message
    due = f"{timezone.localtime(message.due_at):%Y-%m-%d}"
    # the days run on from the old deadline; late as of the decision's minute, as decide_extension's message says
    # it (``deadlines.clock``: since 2026-12-07, the exact second before)
    late = message.due_at < minute_of(_now())
    if approved:
        text = f"留言「{message.title}」的延期申请已批准, 答复期限顺延至 {due}" + ("; 该件仍已超期, 请尽快答复" if late else "")
    elif late:
        text = f"留言「{message.title}」的延期申请未获批准, 原期限 {due} 已过, 请尽快答复"
    else:
        text = f"留言「{message.title}」的延期申请未获批准, 请在原期限 {due} 前答复"
    if extension.decision_note:
        text += f"。审批意见: {extension.decision_note}"
    _case(a, message, "extension_decided", text, also=[extension.requested_by])


def due_tomorrow(assignment, today: dt.date):
    """The reminder of tasks.notify_due_soon, run on ``today``: a deadline moved to today (an extension
    approved after the old deadline counts on from it; a calendar change) is due today, not the next
    working day."""
    due_reminders([assignment], today)


def due_reminders(assignments, today: dt.date) -> None:
    """``due_tomorrow`` of each of ``assignments`` (their unit, message and handler read with them), in a
    fixed number of queries however many there are: the units' staff in one, the notes in one insert (since
    2026-12-05; before, each case read its 承办人 and its unit's staff and wrote each note apart)."""
    signers = _signers_of({a.unit_id for a in assignments})
    notes = []
    for a in assignments:
        when = "今天" if timezone.localtime(a.due_at, SHANGHAI).date() <= today else "下一个工作日"
        notes += _case_notes(a, a.message, "due_soon", f"留言「{a.message.title}」将于{when}到期, 请尽快答复",
                             signers.get(a.unit_id, []))
    _send_all(notes)
