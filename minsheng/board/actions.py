"""Every state change of a message. Views, API endpoints, tasks and the demo call
these ``do_*`` functions; none of them sets ``status`` itself.

Each action checks the actor's right to act, performs the transition from
``workflow.TRANSITIONS`` as a conditional UPDATE, and writes its ``Event`` in the same
transaction. Follow-up work (notifications, classification) runs on commit.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Case, Exists, F, Max, OuterRef, Q, Value, When
from django.db.models.signals import post_save
from django.utils import timezone

from minsheng.accounts.models import Membership, User
from minsheng.accounts.names import by_name
from minsheng.accounts.roles import roles_of
from minsheng.directory.models import Region, Topic, Unit
from minsheng.insight.text import han_ratio, has_words

from . import notify, search
from .deadlines import calendar_to_store, due_after
from .models import (
    Assignment,
    Attachment,
    Evaluation,
    Event,
    Extension,
    Message,
    MessageKind,
    Rating,
    Reply,
    Support,
)
from .workflow import (
    RACED,
    Conflict,
    IllegalMove,
    MovedOn,
    Raced,
    Status,
    WrongStatus,
    allowed,
    check_allowed,
    refresh_hotspot,
    transition,
)

__all__ = ["Conflict", "IllegalMove", "Invalid"]


class Invalid(ValueError):
    """The action's parameters are wrong (shown to the user as is); ``field`` names the
    parameter at fault, as the API reports it in ``fields``."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


# what a form says of a choice it does not offer (board.forms.MessageForm, staff_forms.DispatchForm, the
# API's bodies): the actions say it too, as Invalid naming the field, for a caller without a form (the demo,
# a task, a script); a type the site does not have was stored, and the case page showed its raw code
INVALID_CHOICE = {"kind": "请选择有效的留言类型", "topic": "请选择有效的领域", "region": "请选择有效的区划"}


def _require_choices(**given) -> None:
    """Refuse a message type (``kind``), an inactive or missing 领域 (``topic``) or a region not in the
    directory (``region``) among ``given``; None is not checked (the caller's "none" or "unchanged")."""
    if "kind" in given and given["kind"] not in MessageKind.values:
        raise Invalid(INVALID_CHOICE["kind"], "kind")
    topic, region = given.get("topic"), given.get("region")
    if topic is not None and (topic.pk is None or not Topic.objects.filter(pk=topic.pk, is_active=True).exists()):
        raise Invalid(INVALID_CHOICE["topic"], "topic")
    if "region" in given and (region is None or region.pk is None or not Region.objects.filter(pk=region.pk).exists()):
        raise Invalid(INVALID_CHOICE["region"], "region")


# a version moved by a change of the calendar alone (recomputed_since): what a request or a page built on
# the version before is told instead of RACED; {then}: what to do now
# (its 答复期限, as every page and the event name it: it said 「办理期限」 and 「答复期限」 in one sentence until 2026-12-07)
RECOMPUTED = "该留言的答复期限已于 {at:%m-%d %H:%M} 因节假日调整重新计算{what}, 此外无人处理过; {then}"
RECOMPUTED_THEN = "请刷新后再操作"


def _event(message, kind, actor=None, unit=None, public=True, at=None, **data) -> Event:
    return Event.objects.create(message=message, kind=kind, actor=actor, unit=unit, public=public,
                                data=data, at=at or timezone.now())


def _lock(message: Message) -> Message:
    """Re-read the row inside the transaction (row lock on PostgreSQL)."""
    fresh = Message.objects.select_for_update().get(pk=message.pk)
    if fresh.version != message.version:
        raise raced(message)
    return fresh


def reply_days(kind: str) -> int:
    return settings.MINSHENG_REPLY_DAYS.get(kind, 10)


# --- citizen ------------------------------------------------------------------

def do_submit(author, *, title, body, kind, region, addressee=None, topic=None, show_name=False,
              photos=(), latitude=None, longitude=None, address="", at=None, contact_phone="",
              contact_name="") -> Message:
    """Store a validated message (see board.forms.MessageForm) with its photos.

    ``photos`` are already re-encoded ``board.photos.CleanPhoto`` values. ``contact_phone``: the number
    the handling unit calls back, when not the author's (an Open311 caller's landline); default theirs.
    ``contact_name``: the name to ask for when calling back (an Open311 caller's 王先生), shown to staff
    beside the contact data, never published. A type, 领域 or region the site
    does not have is refused (Invalid, the form's words: INVALID_CHOICE)."""
    _require_choices(kind=kind, topic=topic, region=region)
    now = at or timezone.now()
    with transaction.atomic():
        message = Message.objects.create(
            public_id=uuid.uuid4().hex[:20], title=title, body=body, kind=kind, region=region,
            addressee=addressee, topic=topic, author=author, show_name=show_name,
            contact_phone=contact_phone or author.phone or "", contact_email=author.email or "",
            contact_name=contact_name,
            latitude=latitude, longitude=longitude, address=address or "", submitted_at=now,
        )
        message.public_id = f"{timezone.localtime(now):%Y%m%d}{message.pk:06d}"
        message.search_text = search.terms_for(title, body, message.own_names)
        message.save(update_fields=["public_id", "search_text"])
        search.index(message)
        for photo in photos:
            Attachment.objects.create(message=message, file=photo.file, sha256=photo.sha256,
                                      content_type=photo.content_type, width=photo.width, height=photo.height)
        _event(message, Event.Kind.SUBMITTED, actor=author, at=now)
        transaction.on_commit(lambda: _after_submit(message.pk))
    return message


def _after_submit(message_pk: int) -> None:
    try:
        from minsheng.insight.tasks import read_message

        read_message.delay(message_pk)
    except Exception:  # a missing or failing model never blocks a citizen
        import logging

        logging.getLogger(__name__).exception("could not queue reading of message %s", message_pk)


def _refuse_if_others_wait(message: Message, why: str) -> None:
    """A message others were merged into is their case too: ending it unanswered
    (withdrawn, rejected) would leave their pages waiting for a reply that never comes."""
    count = message.merged.count()
    if count:
        raise Invalid(f"已有 {count} 条留言并入该留言一起办理: {why}")


def _refuse_if_others_wait_now(message: Message, why: str) -> None:
    """_refuse_if_others_wait again, in the closing's transaction, under the row lock a merge into ``message``
    holds (do_merge): a merge stored after the first look is seen (an integrator's walk, 2026-12-05: on
    PostgreSQL the case was closed with a message merged into it meanwhile)."""
    list(Message.objects.select_for_update().filter(pk=message.pk).values_list("pk"))
    _refuse_if_others_wait(message, why)


# the refusals of do_evaluate and do_reopen to anyone but the author (the API says them before reading the body)
ONLY_AUTHOR_RATES = "只有留言人可以评价"
ONLY_AUTHOR_REOPENS = "只有留言人可以申请重办"


def do_withdraw(actor, message: Message, at=None) -> None:
    """Precondition: actor is the author; the message has not been dispatched."""
    if message.author_id != actor.pk:
        raise PermissionDenied("只有留言人可以撤回留言")
    why = "其他市民反映的同一问题在等待答复, 不能撤回"
    _refuse_if_others_wait(message, why)
    now = at or timezone.now()
    with transaction.atomic():
        _refuse_if_others_wait_now(message, why)
        transition(message, "withdraw", closed_at=now)
        _event(message, Event.Kind.WITHDRAWN, actor=actor, at=now)
        transaction.on_commit(notify.dated(now, lambda: notify.withdrawn(message)))


# a rating form or API client that read an answer the unit has answered again since (重办): rating it would rate
# the new answer, unread
NEWER_REPLY = "已有新的答复, 请阅读后再评价"


class NewerReply(Conflict):
    """do_evaluate's refusal of a rating of an answer other than the latest (NEWER_REPLY): the pages lead back to
    the rating form, which shows the latest."""

    def __init__(self):
        super().__init__(NEWER_REPLY)


def closed_unrated() -> str:
    """Why a case closed by close_stale for want of a rating of its latest answer can no longer be rated."""
    return f"答复后 {settings.MINSHENG_EVALUATION_DAYS} 天内未评价, 已自动办结, 不能再评价"


def latest_reply(message: Message) -> Reply | None:
    return message.replies.order_by("-published_at").first()


def rated(reply: Reply | None) -> bool:
    """Whether the author rated ``reply``: a rating of the answer before a 重办 is none of the new answer's."""
    return reply is not None and reply.evaluations.exists()


def check_seen_reply(reply: Reply | None, sent) -> None:
    """NewerReply unless ``sent`` (a rating form's ``reply``: the pk of the answer it showed) names ``reply``, the
    latest; None (a form that does not say) is taken for it. do_evaluate checks a complete form's under its
    transaction; the rating page checks an incomplete one's before showing its errors again, beside an answer
    the citizen may not have read."""
    if sent is not None and str(sent) != str(reply.pk if reply else ""):
        raise NewerReply()


def may_evaluate(message: Message) -> None:
    """Refuses (WrongStatus, a 409) a message whose status takes no rating: one closed for want of a rating of its
    latest answer says so, others their status. ``do_evaluate``'s first refusal; the API's rate/ asks it before
    reading its body too, so that a client learns the status first (since 2026-12-07: ``{}`` read a 400)."""
    if message.status == Status.CLOSED and not rated(latest_reply(message)):  # close_stale's, of this answer
        raise WrongStatus(closed_unrated())
    check_allowed("evaluate", message.status)


def do_evaluate(actor, message: Message, *, resolution, attitude, speed, comment="", at=None,
                seen_round: int | None = None, seen_reply: str | int | None = None) -> Evaluation:
    """Rate the latest reply. Satisfied ratings close the case; an unsatisfied
    resolution leaves it open for a reopen within MINSHENG_REOPEN_DAYS. The answer the caller read, when it says:
    ``seen_round``, its round (the API's ``reply``), or ``seen_reply``, its pk as sent (the rating form's
    ``reply``). Another one answered since is a NewerReply (a Conflict), a round never answered Invalid naming
    ``reply`` — both after a refusal for the status, which comes first, and checked here, under the transaction,
    not by the callers before it."""
    if message.author_id != actor.pk:
        raise PermissionDenied(ONLY_AUTHOR_RATES)
    for value in (resolution, attitude, speed):
        if value not in Rating.values:
            raise Invalid("请选择满意、基本满意或不满意")
    now = at or timezone.now()
    with transaction.atomic():
        may_evaluate(message)  # a refusal for the status before one for the answer
        reply = latest_reply(message)
        if seen_round is not None and _reply_of_round(message, seen_round) != reply:
            raise NewerReply()
        check_seen_reply(reply, seen_reply)
        transition(message, "evaluate")
        evaluation = Evaluation.objects.create(message=message, reply=reply, resolution=resolution,
                                               attitude=attitude, speed=speed, comment=comment, created_at=now)
        _event(message, Event.Kind.EVALUATED, actor=actor, at=now, resolution=resolution, attitude=attitude,
               speed=speed, comment=comment)
        if resolution != Rating.UNSATISFIED or message.reopen_count >= 1:
            transition(message, "close", closed_at=now)
            _event(message, Event.Kind.CLOSED, at=now, reason="evaluated")
            transaction.on_commit(notify.dated(now, lambda: notify.closed(message)))
    return evaluation


def _reply_of_round(message: Message, round_: int) -> Reply:
    """The answer of ``message``'s round ``round_`` (the latest, were there two), or Invalid naming ``reply``."""
    reply = message.replies.filter(round=round_).order_by("-published_at").first()
    if reply is None:
        rounds = sorted(set(message.replies.values_list("round", flat=True)))
        had = f"它的答复的轮次为 {'、'.join(map(str, rounds))}" if rounds else "它还没有答复"
        raise Invalid(f"这条留言没有第 {round_} 轮的答复 ({had})", field="reply")
    return reply


def can_reopen(message: Message, now=None) -> bool:
    if message.status != Status.EVALUATED or message.reopen_count >= 1:
        return False
    last = message.evaluations.order_by("-created_at").first()
    now = now or timezone.now()
    return bool(last and last.resolution == Rating.UNSATISFIED
                and now - last.created_at <= dt.timedelta(days=settings.MINSHENG_REOPEN_DAYS))


def _carried_handler(message: Message, unit, round_: int):
    """The 承办人 of ``unit``'s share of the case's round ``round_`` (its latest one there, lead or
    assisting), if still an officer or head of ``unit``: a case back to the same unit stays theirs."""
    last = (message.assignments.filter(unit=unit, round=round_, handler__isnull=False)
            .order_by("-assigned_at", "-pk").select_related("handler").first())
    if last is not None and unit_staff(unit).filter(pk=last.handler_id).exists():
        return last.handler
    return None


def _carried_handlers(shares) -> dict[tuple, User]:
    """``_carried_handler`` of each (message pk, unit pk, round) of ``shares``, by it, in a query for them all
    (two when one had a 承办人): those without one left out."""
    wanted, last = set(shares), {}
    for a in (Assignment.objects.filter(message__in={m for m, _, _ in wanted}, handler__isnull=False)
              .select_related("handler").order_by("-assigned_at", "-pk")):
        if (a.message_id, a.unit_id, a.round) in wanted:
            last.setdefault((a.message_id, a.unit_id, a.round), a)
    if not last:
        return {}
    staff = set(staff_memberships({unit for _, unit, _ in last}).filter(user__in={a.handler_id for a in last.values()})
                .values_list("unit_id", "user_id"))
    return {key: a.handler for key, a in last.items() if (key[1], a.handler_id) in staff}


def _carried_event(message: Message, assignment: Assignment, now, via: str) -> Event:
    """The internal record of ``_told_carried`` (unsaved)."""
    return Event(message=message, kind=Event.Kind.HANDLER_ASSIGNED, unit=assignment.unit, public=False, at=now,
                 data={"handler": str(assignment.handler), "handler_id": assignment.handler_id,
                       "carried_over": True, "via": via})


def _told_carried(message: Message, assignment: Assignment, now, via: str) -> None:
    """A new assignment created with its unit's earlier 承办人 (_carried_handler): recorded internally
    (no head acted) and the 承办人 told, once the transaction commits. ``via``: reopen (重办),
    transfer (转办 back), assist (转办 to the assisting unit, which leads it now) or dispatch (派单 again
    after a return or undone merge): notify.CARRIED_OVER."""
    if assignment.handler is None:
        return
    _carried_event(message, assignment, now, via).save()
    transaction.on_commit(notify.dated(now, lambda: notify.handler_assigned(assignment, None, carried_over=via)))


def may_reopen(message: Message, now=None) -> None:
    """Refuses (IllegalMove, a 409) a message that cannot be reopened now; ``do_reopen``'s refusal for the status,
    which the API's reopen/ asks before reading its body too, as rate/ asks ``may_evaluate`` (since 2026-12-07:
    ``{}`` read a 400 naming ``reason``)."""
    if not can_reopen(message, now):
        raise IllegalMove(f"只能在不满意评价后 {settings.MINSHENG_REOPEN_DAYS} 天内申请一次重办")


# 已督办 marks the 督办 made since the case reached its current lead unit(s): the unit a case is dispatched, transferred
# or reopened to never received the 督办 before it (a 重办 is a new round with a new deadline), and a case given back
# to the dispatcher (退单) has no unit; these moves clear the mark (``Message.supervised`` and the rest), the history
# (Event.Kind.SUPERVISED) kept (2026-12-07; migration board 0040 back-fills the same rule from the events) — but a
# 转办 by one of two lead units (联合办理) while the other still leads keeps it: the other received the 督办
# (review, 2026-12-07; it cleared the mark for both)
LEAD_CHANGES = (Event.Kind.DISPATCHED, Event.Kind.TRANSFERRED, Event.Kind.RETURNED, Event.Kind.REOPENED)
NOT_PRESSED = {"supervised": False, "supervision_note": "", "supervised_count": 0, "last_supervised_at": None}


def not_pressed(message: Message, kept_lead: bool = False) -> dict:
    """The fields a move in LEAD_CHANGES clears on ``message``: none when it was not pressed (the UPDATE unchanged)
    or when another lead unit keeps the case (``kept_lead``: a 转办 of one of two lead units)."""
    return dict(NOT_PRESSED) if (message.supervised or message.supervised_count) and not kept_lead else {}


def clearing_moves(event_model=Event, assignment_model=Assignment):
    """The events of LEAD_CHANGES that cleared 已督办, as ``not_pressed`` decides it when they are made: each but a
    转办 made while another lead unit's share was open (assigned before it, not closed by then). Read by the case
    page's 督办记录 and the 督办 page (migration board 0040 keeps its own copy of this rule, on its historical
    models)."""
    other_lead = assignment_model.objects.filter(
        Q(closed_at__isnull=True) | Q(closed_at__gt=OuterRef("at")), message_id=OuterRef("message_id"),
        role=Assignment.Role.LEAD, assigned_at__lt=OuterRef("at"))
    return event_model.objects.filter(kind__in=LEAD_CHANGES).exclude(
        Q(kind=Event.Kind.TRANSFERRED) & Exists(other_lead))


def cleared_kinds(message_ids) -> dict[int, str]:
    """The kind of the move that cleared the mark of each of these cases: the first of ``clearing_moves`` after its
    latest 督办, as the case page's 督办记录 names it (「退单前」); a case none came after is no key. Two queries
    for them all (none for none)."""
    ids = set(message_ids)
    if not ids:
        return {}
    latest = dict(Event.objects.filter(kind=Event.Kind.SUPERVISED, message_id__in=ids).order_by()
                  .values("message_id").annotate(at=Max("at")).values_list("message_id", "at"))
    kinds: dict[int, str] = {}
    for message_id, at, kind in (clearing_moves().filter(message_id__in=latest).order_by("at", "pk")
                                 .values_list("message_id", "at", "kind")):
        if at > latest[message_id]:
            kinds.setdefault(message_id, kind)
    return kinds


def cleared_kinds_of(rows, key=lambda m: (m.pk, m.supervised, m.ever_supervised), chunk: int = 2000):
    """Each of ``rows`` (messages, or rows ``key`` reads a case's pk, ``supervised`` and ``ever_supervised`` from),
    in their order, with what cleared its mark (``cleared_kinds``): None unless it was pressed once and is no longer,
    the rows whose ``Message.supervision_label`` reads it (「退单后未再督办」). Read ``chunk`` rows at a time: two
    queries a chunk holding such a row (a page's rows, an export's). Until 2026-12-08 a subquery of each row
    (``cleared_by``), which SQLite ran for every late case of /stats/overdue/ whatever the page, before sorting them
    (bench/supervision.py, docs/statistics.md)."""
    rows = iter(rows)
    while batch := list(itertools.islice(rows, chunk)):
        keys = [key(row) for row in batch]
        kinds = cleared_kinds(pk for pk, supervised, ever in keys if ever and not supervised)
        for row, (pk, _, _) in zip(batch, keys, strict=True):
            yield row, kinds.get(pk)


def with_cleared_kinds(messages) -> list:
    """``messages`` (a page's) as a list, each with its ``cleared_kind`` (``cleared_kinds_of``)."""
    messages = list(messages)
    for m, kind in cleared_kinds_of(messages):
        m.cleared_kind = kind
    return messages


def do_reopen(actor, message: Message, reason: str = "", at=None) -> Assignment:
    """重办: once, within the reopen window after an unsatisfied rating, back to the
    same lead unit with a new deadline. The round's 承办人 is carried over (recorded internally,
    and told) when the unit's last round had one who still works there; else it starts 未指派."""
    if message.author_id != actor.pk:
        raise PermissionDenied(ONLY_AUTHOR_REOPENS)
    now = at or timezone.now()
    may_reopen(message, now)
    last_lead = message.assignments.filter(role=Assignment.Role.LEAD).order_by("-assigned_at").first()
    with transaction.atomic():
        calendar_to_store()  # a deadline to store: the calendar the database holds now (deadlines)
        due = due_after(now, reply_days(message.kind))
        transition(message, "reopen", reopen_count=message.reopen_count + 1, due_at=due, replied_at=None,
                   dispatched_at=now, **not_pressed(message))
        assignment = Assignment.objects.create(
            message=message, unit=last_lead.unit, role=Assignment.Role.LEAD, round=last_lead.round + 1,
            assigned_at=now, sign_due_at=due_after(now, settings.MINSHENG_SIGN_DAYS), due_at=due,
            handler=_carried_handler(message, last_lead.unit, last_lead.round))
        _event(message, Event.Kind.REOPENED, actor=actor, unit=last_lead.unit, at=now, reason=reason,
               due_at=due.isoformat())
        _told_carried(message, assignment, now, "reopen")
        transaction.on_commit(notify.dated(now, lambda: notify.case_arrived(assignment)))
    return assignment


def do_support(user, message: Message) -> bool:
    """我也遇到: another person has the same problem. Returns False when the user
    already supports it; the author cannot (they would count twice in the heat)."""
    if not message.is_public:
        raise IllegalMove("该留言尚未公开")
    if message.author_id == user.pk:
        raise PermissionDenied("这是您自己的留言, 不能点“我也遇到”")
    with transaction.atomic():
        _, created = Support.objects.get_or_create(message=message, user=user)
        if created:
            Message.objects.filter(pk=message.pk).update(support_count=F("support_count") + 1)
            message.support_count += 1
            refresh_hotspot(message.pk)  # after the commit
    return created


def do_unsupport(user, message: Message) -> bool:
    """取消我也遇到: the user takes back their own support (pressed by mistake). Returns False
    when they had none (twice, or never): nothing changes. Only the user's own row is
    removed, so no one can take back another's; the count and the hotspot follow as a
    support moves them (``do_support``)."""
    with transaction.atomic():
        removed, _ = Support.objects.filter(message=message, user=user).delete()
        if removed:
            Message.objects.filter(pk=message.pk, support_count__gt=0).update(support_count=F("support_count") - 1)
            message.support_count = max(0, message.support_count - 1)
            refresh_hotspot(message.pk)  # after the commit
    return bool(removed)


# --- dispatcher ---------------------------------------------------------------

def may_supervise(roles, message: Message) -> bool:
    """Whether ``roles`` (``roles_of`` a user) may 督办 ``message`` now: a supervisor of its region (an admin),
    in a status that takes it; the case page's 督办 form and the 超期清单's 「督办 →」 to it (one rule since
    2026-12-07: the list's link asked the region alone)."""
    return roles.supervises(message.region) and allowed("supervise", message.status)


def require_supervisor(actor, message) -> None:
    """督办 and 审批延期 are the case's region's supervisors' (an admin's)."""
    if not roles_of(actor).supervises(message.region):
        raise PermissionDenied("您不是该区划的督办员")


def _require_dispatcher(actor, message):
    if actor is None:  # the system itself (automatic dispatch in minsheng.insight.tasks); views pass a user
        return
    if not roles_of(actor).dispatches(message.region):
        raise PermissionDenied("您不是该区划的派单员")


def do_accept(actor, message: Message, at=None) -> None:
    _require_dispatcher(actor, message)
    now = at or timezone.now()
    with transaction.atomic():
        transition(message, "accept", accepted_at=now)
        _event(message, Event.Kind.ACCEPTED, actor=actor, at=now)


def do_reject(actor, message: Message, reason: str, at=None) -> None:
    _require_dispatcher(actor, message)
    _written(reason, "reason", "请填写不予受理的理由")
    why = "它们在等待这条留言的答复, 不能不予受理; 请派单办理"
    _refuse_if_others_wait(message, why)
    now = at or timezone.now()
    with transaction.atomic():
        _refuse_if_others_wait_now(message, why)
        transition(message, "reject", reject_reason=reason.strip()[:200], closed_at=now)
        _event(message, Event.Kind.REJECTED, actor=actor, at=now, reason=reason.strip()[:200])
        transaction.on_commit(notify.dated(now, lambda: notify.rejected(message)))


def units_for(message: Message):
    """The active units a case can go to (dispatch, assist, transfer): those of the message's
    region and the regions above it, and every unit of its prefecture (a 兰州 case is not
    sent to 定西市住建局). The dispatch and transfer forms list exactly these: the region's own
    units first, then those above it, nearest first, then the rest of the prefecture (by code:
    a 兰州市 case's list began with the province's units)."""
    region = message.region
    prefix = region.code[:4] if region.level >= 2 else region.code[:2]
    above = [r.pk for r in region.ancestors() if r.pk != region.pk]
    near = Case(When(region_id=region.pk, then=Value(0)), When(region_id__in=above, then=10 - F("region__level")),
                default=Value(20))
    return (Unit.objects.filter(is_active=True)
            .filter(Q(region_id__in=[*above, region.pk]) | Q(region__code__startswith=prefix))
            .order_by(near, "region__code", "name"))


def _require_units_for(message: Message, units: dict) -> None:
    """``units``: {unit: the parameter that named it}."""
    allowed = set(units_for(message).filter(pk__in=[u.pk for u in units]).values_list("pk", flat=True))
    for unit, field in units.items():
        if unit.pk not in allowed:
            raise Invalid(f"{unit.name} 不办理{message.region.name}的留言, 请选择本区划或上级的单位", field)


def do_dispatch(actor, message: Message, lead: Unit, assists=(), topic=None, kind=None, at=None) -> Assignment:
    """派单 to a lead unit and optional assisting units. A topic or type that differs
    from the machine's prediction is stored as a correction for retraining. One case of ``do_dispatch_many``."""
    done = do_dispatch_many(actor, [(message, lead, assists, topic, kind)], at=at)[0]
    if isinstance(done, Exception):
        raise done
    return done


def do_dispatch_many(actor, cases, at=None, hold=None, then: str = RECOMPUTED_THEN) -> list[Assignment | Exception]:
    """派单 of each (message, lead, assists, topic, kind) of ``cases`` (按建议派单; ``do_dispatch`` is one), each
    message once: for each, its new lead share, or what refused it — the actor not the region's dispatcher, a
    unit switched off or not of the case's area, a topic or type the site does not take, its status, a move
    since it was read —, in their order. One transaction: the refusals found before anything is written, under
    the rows' locks (PostgreSQL: in pk order, so two batches of overlapping cases wait for each other, never
    deadlock; SQLite's IMMEDIATE transaction), then each write once for them all (since 2026-12-06: a case cost
    about 25 queries, its savepoint, each write and each note): the same status, deadlines, shares, history,
    notes, statistics and hotspots as one by one. ``hold``: called under the locks with the indexes of the
    cases about to go, returns {index: the exception refusing it} (按建议派单's 本批刚派出 near-duplicates).
    ``then``: how the refusal of a case the calendar alone moved ends (``raced``)."""
    now = at or timezone.now()
    # each unit once (an API list may repeat), the lead not among them: a unit the routing table
    # prefilled as 协办 and the dispatcher picked as 主办 leads (the page and the API alike)
    cases = [(m, lead, list({u.pk: u for u in assists if u.pk != lead.pk}.values()), topic, kind)
             for m, lead, assists, topic, kind in cases]
    with transaction.atomic():
        calendar_to_store()  # a deadline to store: the calendar the database holds now (deadlines)
        fresh = {}
        if len(cases) > 1:  # one case: its conditional UPDATE is the check, and takes the row's lock (a query less)
            fresh = dict(Message.objects.select_for_update().filter(pk__in=[c[0].pk for c in cases])
                         .order_by("pk").values_list("pk", "version"))
        # what refused each case (None: nothing), then its lead share: read under the locks (2026-12-06)
        done: list = _dispatch_refusals(actor, cases)
        for k, (m, *_) in enumerate(cases):
            if fresh and done[k] is None and fresh.get(m.pk) != m.version:
                done[k] = raced(m, then)
        ok = [k for k, exc in enumerate(done) if exc is None]
        for k, exc in (hold(ok) if hold is not None and ok else {}).items():
            done[k] = exc
        ok = [k for k in ok if done[k] is None]
        if ok and not _dispatch_messages(cases, ok, now):
            done[ok[0]] = raced(cases[ok[0]][0], then)  # the one case moved since it was read: nothing written
            ok = []
        if ok:
            for k, lead_share in zip(ok, _dispatch_shares(actor, cases, ok, now), strict=True):
                done[k] = lead_share
    return done


def _dispatch_refusals(actor, cases) -> list[Exception | None]:
    """What refuses each case of ``do_dispatch_many`` (None: nothing), in a query or two for them all: the units
    each case may go to (``units_for``) and whether they are switched on, the topics switched on — as the database
    holds them now; the case's status as the caller read it (its version is checked apart)."""
    roles = roles_of(actor) if actor is not None else None  # None: the system itself (automatic dispatch)
    by_region = {m.region_id: m for m, *_ in cases}
    flags = {f"r{pk}": Exists(units_for(m).filter(pk=OuterRef("pk"))) for pk, m in by_region.items()}
    may_take: dict[int, set] = {pk: set() for pk in by_region}
    units = {u.pk for _, lead, assists, *_ in cases for u in [lead, *assists]}
    active_units = set()  # switched on as the database holds it now, not as the request read the unit
    for row in Unit.objects.filter(pk__in=units).annotate(**flags).values("pk", "is_active", *flags) if cases else ():
        if row["is_active"]:
            active_units.add(row["pk"])
        for pk in by_region:
            if row[f"r{pk}"]:
                may_take[pk].add(row["pk"])
    # the topic it is filed under stays, even one switched off since (按建议派单 and the API pass it on)
    changed = {k: topic for k, (m, _, _, topic, _) in enumerate(cases) if topic is not None and topic.pk != m.topic_id}
    active = set(Topic.objects.filter(pk__in=[t.pk for t in changed.values() if t.pk is not None], is_active=True)
                 .values_list("pk", flat=True)) if changed else set()
    refused: list[Exception | None] = []
    for k, (m, lead, assists, _, kind) in enumerate(cases):
        try:
            if roles is not None and not roles.dispatches(m.region):
                raise PermissionDenied("您不是该区划的派单员")
            if lead.pk not in active_units:
                raise Invalid("该单位已停用", "lead")
            for unit, field in {lead: "lead", **{u: "assists" for u in assists}}.items():
                if unit.pk not in may_take[m.region_id]:
                    raise Invalid(f"{unit.name} 不办理{m.region.name}的留言, 请选择本区划或上级的单位", field)
            if kind and kind not in MessageKind.values:
                raise Invalid(INVALID_CHOICE["kind"], "kind")
            if k in changed and changed[k].pk not in active:
                raise Invalid(INVALID_CHOICE["topic"], "topic")
            check_allowed("dispatch", m.status)
        except (PermissionDenied, Invalid, IllegalMove) as exc:
            refused.append(exc)
        else:
            refused.append(None)
    return refused


def _dispatch_messages(cases, ok, now) -> bool:
    """The cases ``ok`` of ``do_dispatch_many`` dispatched (status, deadline, topic and type), in one UPDATE, as
    ``workflow.transition`` moves one; False when the one case moved since it was read (none is written)."""
    each = {}
    for k in ok:
        m, _, _, topic, kind = cases[k]
        fields = {"dispatched_at": now, "due_at": due_after(now, reply_days(kind or m.kind))}
        if m.accepted_at is None:
            fields["accepted_at"] = now
        if topic is not None and topic.pk != m.topic_id:
            fields["topic"] = topic
        if kind and kind != m.kind:
            fields["kind"] = kind
        fields.update(not_pressed(m))
        each[m.pk] = fields
    messages = [cases[k][0] for k in ok]
    if len(messages) == 1:
        m = messages[0]
        if not Message.objects.filter(pk=m.pk, status=m.status, version=m.version).update(
                status=Status.DISPATCHED, version=m.version + 1, **each[m.pk]):
            return False
    else:  # the rows are locked and their versions checked: each is updated
        Message.objects.filter(pk__in=list(each)).update(status=Status.DISPATCHED, version=F("version") + 1,
                                                         **_each_its_own(each))
    for m in messages:
        # a hotspot shows only what is public and follows every move once it commits (workflow.transition)
        refresh_hotspot(m.pk)
        m.status = Status.DISPATCHED
        m.version += 1
        for name, value in each[m.pk].items():
            setattr(m, name, value)
    return True


def _each_its_own(each: dict[int, dict]) -> dict:
    """``update()``'s arguments giving each message (by pk) the ``fields`` of its own in ``each``; a field some
    have and others not is kept where not given."""
    names = dict.fromkeys(name for fields in each.values() for name in fields)
    out = {}
    for name in names:
        field = Message._meta.get_field(name)
        values = {pk: getattr(fields[name], "pk", fields[name]) for pk, fields in each.items() if name in fields}
        if len(values) == len(each) and len(set(values.values())) == 1:
            out[name] = next(iter(each.values()))[name]
        else:
            out[name] = Case(*[When(pk=pk, then=Value(value, output_field=field)) for pk, value in values.items()],
                             default=F(name), output_field=field)
    return out


def _dispatch_shares(actor, cases, ok, now) -> list[Assignment]:
    """The shares (主办, 协办), history events and notes of the cases ``ok`` of ``do_dispatch_many``, dispatched
    by ``_dispatch_messages``: an INSERT of the shares, one of the events; the lead shares, in their order."""
    sign_due = due_after(now, settings.MINSHENG_SIGN_DAYS)
    wanted = [(cases[k][0], role, u) for k in ok
              for role, u in [(Assignment.Role.LEAD, cases[k][1]), *((Assignment.Role.ASSIST, u) for u in cases[k][2])]]
    # a unit that returned the case (or had it before a merge undone) gets it back with its 承办人
    carried = _carried_handlers([(m.pk, u.pk, m.reopen_count + 1) for m, _, u in wanted])
    shares = Assignment.objects.bulk_create([
        Assignment(message=m, unit=u, role=role, round=m.reopen_count + 1, assigned_at=now, sign_due_at=sign_due,
                   due_at=m.due_at, handler=carried.get((m.pk, u.pk, m.reopen_count + 1))) for m, role, u in wanted])
    events, by_case = [], []
    for k in ok:
        m, lead, assists, topic, kind = cases[k]
        mine = [a for a in shares if a.message is m]
        by_case.append((m, mine))
        # auto: the system's own dispatch (insight.tasks.auto_dispatch), told apart from a dispatcher's
        # whose account was deleted later (both leave no actor)
        events.append(Event(message=m, kind=Event.Kind.DISPATCHED, actor=actor, unit=lead, public=True, at=now,
                            data={"lead": lead.name, "assists": [u.name for u in assists],
                                  "due_at": m.due_at.isoformat(), **({"auto": True} if actor is None else {})}))
        events += [_carried_event(m, a, now, "dispatch") for a in mine if a.handler is not None]
        corrections = _corrections(m, topic, kind)
        if corrections:
            events.append(Event(message=m, kind=Event.Kind.CORRECTED, actor=actor, public=False, at=now,
                                data=corrections))
    for event in Event.objects.bulk_create(events):  # what Event.objects.create sends: the statistics' refresh
        post_save.send(Event, instance=event, created=True, update_fields=None, raw=False, using=event._state.db)
    for a in shares:
        if a.handler is not None:
            transaction.on_commit(notify.dated(now, lambda a=a: notify.handler_assigned(a, None,
                                                                                        carried_over="dispatch")))
    transaction.on_commit(notify.dated(now, lambda: notify.cases_dispatched(by_case)))
    return [mine[0] for _, mine in by_case]


def _corrections(message: Message, topic, kind) -> dict:
    """The machine's prediction a 派单 corrects ({"topic": [predicted, chosen]}, "kind" alike), as the case
    was before it (the citizen's own topic may stay: still a correction of the prediction)."""
    corrections = {}
    if topic is not None and message.predicted_topic_id and message.predicted_topic_id != topic.pk:
        corrections["topic"] = [message.predicted_topic_id, topic.pk]
    if kind and message.predicted_kind and message.predicted_kind != kind:
        corrections["kind"] = [message.predicted_kind, kind]
    return corrections


def _refuse_merge(message: Message, into: Message) -> None:
    """Invalid when ``message`` may not be merged into ``into`` as they are now."""
    if into.pk == message.pk or into.duplicate_of_id:
        raise Invalid("不能合并到自身或已被合并的留言", "into")
    if into.status in (Status.REJECTED, Status.WITHDRAWN, Status.MERGED):
        raise Invalid("主留言已不受理、撤回或被合并", "into")
    if not into.is_public:
        raise Invalid("主留言尚未受理, 请先受理主留言再并单", "into")
    if message.merged.exists():  # its merged messages would wait on a case never answered
        raise Invalid("该留言已有其他留言并入, 不能再并入别的留言; 可将另一条留言并入该留言")


def do_merge(actor, message: Message, into: Message, at=None) -> None:
    """并单: ``message`` joins ``into``; its page shows the main case's reply. A merged
    message is public, so the main case must be public (accepted) already, and merging a
    message nobody has reviewed yet is its review (受理, then 并单: two events). A main
    case (one with merged messages) is not merged in turn: merges are one level deep."""
    _require_dispatcher(actor, message)
    _refuse_merge(message, into)
    now = at or timezone.now()
    reviewed = {"accepted_at": now} if message.status == Status.SUBMITTED else {}
    with transaction.atomic():
        # both cases read again under a lock, in one order: two merges at once (A into B and B into A, or A into
        # B while B goes into C) both read the other unmerged and both merged, each case into a merged one, on
        # PostgreSQL (an integrator's walk, 2026-12-05); the second is now refused as one made after the first
        locked = {m.pk: m for m in Message.objects.select_for_update().filter(pk__in=[message.pk, into.pk]).order_by("pk")}
        into = locked[into.pk]
        _refuse_merge(message, into)
        message.assignments.filter(state=Assignment.State.ACTIVE).update(state=Assignment.State.DONE,
                                                                         closed_at=now)
        _void_extensions(message, now)  # the main case's units answer it: no deadline of its own to extend
        transition(message, "merge", duplicate_of=into, **reviewed)
        if reviewed:
            _event(message, Event.Kind.ACCEPTED, actor=actor, at=now)
        _event(message, Event.Kind.MERGED, actor=actor, at=now, into=into.public_id)
        _event(into, Event.Kind.MERGED, actor=actor, public=False, at=now, merged=message.public_id)
        if into.status in Status.answered():  # its people missed notify.replied: they hear of it now
            transaction.on_commit(notify.dated(now, lambda: notify.merged(message, into)))


def do_unmerge(actor, message: Message, reason: str, at=None) -> None:
    """撤销并单: a message merged into the wrong case leaves it and waits in the dispatcher's
    queue again as accepted (受理, 待派单), to be dispatched on its own. Preconditions: the
    actor dispatches the message's region (as for 并单), the message is merged, and a reason
    is given (kept in the case history, never shown to the public).

    The reply deadline is cleared: an accepted case has none until it is dispatched, and the
    dispatch gives the units a full one (do_dispatch); the citizen's wait still shows in the
    days from submission to the first reply (docs/statistics.md). Assignments closed by the
    merge stay closed: the old units do not get the case back without a dispatch."""
    _require_dispatcher(actor, message)
    check_allowed("unmerge", message.status)
    reason = (reason or "").strip()
    _written(reason, "reason", "请填写撤销并单的理由")
    now = at or timezone.now()
    main = message.duplicate_of
    with transaction.atomic():
        transition(message, "unmerge", duplicate_of=None, due_at=None)
        _event(message, Event.Kind.UNMERGED, actor=actor, at=now, reason=reason,
               main=main.public_id if main else "")
        if main is not None:
            _event(main, Event.Kind.UNMERGED, actor=actor, public=False, at=now, reason=reason,
                   split=message.public_id)
        transaction.on_commit(notify.dated(now, lambda: notify.unmerged(message)))


# --- unit staff -----------------------------------------------------------------

def refuse_if_assisting(message: Message, unit_ids) -> None:
    """A lead unit's action asked of a unit that only assists the case: said so, with who leads it and
    what the assisting unit does instead (it read 「该留言当前不在您单位办理」, of a case in its inbox)."""
    active = message.assignments.filter(state=Assignment.State.ACTIVE)
    if active.filter(unit_id__in=unit_ids, role=Assignment.Role.ASSIST).exists():
        lead = active.filter(role=Assignment.Role.LEAD).select_related("unit").first()
        raise PermissionDenied(f"您单位是该留言的协办单位: 签收、答复、转办、退单和申请延期由主办单位"
                               f"{lead.unit.name if lead else ''}办理, 协办单位请提交协办意见")


LEADING_NOT_ASSISTING = "您单位是该留言的主办单位: 协办意见由协办单位提交, 主办单位的意见请写内部备注"


def refuse_if_leading(message: Message, unit_ids) -> None:
    """协办意见 asked of the unit leading the case: said so, and what it writes instead (it read
    「该留言当前不在您单位办理」, of a case its officers hold)."""
    if message.assignments.filter(state=Assignment.State.ACTIVE, unit_id__in=unit_ids,
                                  role=Assignment.Role.LEAD).exists():
        raise PermissionDenied(LEADING_NOT_ASSISTING)


def refuse_the_other_part(message: Message, unit_ids, role) -> None:
    """A unit asked to act in the part (``role``) it does not hold: said which part it holds."""
    (refuse_if_assisting if role == Assignment.Role.LEAD else refuse_if_leading)(message, unit_ids)


def active_assignment(message: Message, unit, role=Assignment.Role.LEAD) -> Assignment:
    a = message.assignments.filter(unit=unit, role=role, state=Assignment.State.ACTIVE).first()
    if a is None and unit is not None:
        refuse_the_other_part(message, [unit.pk], role)
    if a is None:  # said with where the case went: a unit that had it sees why (转办至…, 已答复…)
        held = message.assignments.filter(unit=unit, role=role).exists()
        raise PermissionDenied("该留言当前不在您单位办理" + (f": {where_now(message)}" if held else ""))
    return a


# what the last move of a case did, as a stale page's refused action says it (where_now); {who}: the unit
# and the person who acted (a citizen's moves name nobody)
MOVES = {
    Event.Kind.REPLIED: "由 {who} 答复, 无需再办理", Event.Kind.TRANSFERRED: "由 {who} 转办至{to}",
    Event.Kind.RETURNED: "由 {who} 退回派单员", Event.Kind.SIGNED: "由 {who} 签收",
    Event.Kind.DISPATCHED: "派单至{lead}", Event.Kind.ACCEPTED: "审核通过, 待派单", Event.Kind.REJECTED: "不予受理",
    Event.Kind.WITHDRAWN: "被留言人撤回", Event.Kind.MERGED: "并入留言 {into}",
    Event.Kind.UNMERGED: "撤销并单, 重新待派单", Event.Kind.EVALUATED: "由留言人评价",
    Event.Kind.REOPENED: "由留言人申请重办", Event.Kind.CLOSED: "办结",
}


# the moves that leave a case where it is but change its version (workflow.IN_PLACE): what a request built on a
# read made before them is told moved the case on (``where_now(in_place=True)``); {who}: the person alone
IN_PLACE_MOVES = {Event.Kind.SUPERVISED: "由 {who} 督办", Event.Kind.EXTENSION_APPROVED: "由 {who} 同意延期"}


def where_now(message: Message, in_place: bool = False) -> str:
    """Where the case is now, from its last public move (MOVES): 「该留言已于 12-04 15:30 由 住建局 张三
    答复, 无需再办理」, 「…转办至生态局」; its status alone when no move says more. Read afresh: ``message``
    may be the copy a refused action read. ``in_place``: a 督办 or a granted 延期 since counts as the last
    move (a stale ``version``: an integrator's walk, 2026-12-07, was told of the officer's own 签收 of
    the day before, for the 督办 just made). A version changed by no public move (a change of the calendar,
    recompute.py: a hidden 节假日调整) reads as the last public move here; ``moved_on`` given the version read
    says the recompute instead."""
    kinds = [*MOVES, *IN_PLACE_MOVES] if in_place else list(MOVES)
    last = (Event.objects.filter(message_id=message.pk, public=True, kind__in=kinds).select_related("actor", "unit")
            .order_by("-at", "-pk").first())
    if last is None:
        status = Message.objects.filter(pk=message.pk).values_list("status", flat=True).first() or message.status
        return f"该留言当前状态为「{Status(status).label}」"
    if last.kind in IN_PLACE_MOVES:
        text = IN_PLACE_MOVES[last.kind].format(who=last.actor or "督办员")
    else:
        d = last.data or {}
        who = " ".join(str(x) for x in (last.unit and last.unit.name, last.actor) if x) or "工作人员"
        text = MOVES[last.kind].format(who=who, to=d.get("to") or "其他单位", lead=d.get("lead") or "办理单位",
                                       into=d.get("into") or "")
    return f"该留言已于 {timezone.localtime(last.at):%m-%d %H:%M} {text}"


def recomputed_since(message_pk: int, read_version: int | None) -> list[Event] | None:
    """The 节假日调整 events (recompute.py) that gave the case each version since ``read_version``, the first
    to the one it has now, when every change of its version since was such a recompute; else None: someone
    acted on the case. Each event names the version it gave (``data["version"]``) since 2026-12-07; for
    those written before, ``_recomputed_last``."""
    if read_version is None:
        return None
    current = Message.objects.filter(pk=message_pk).values_list("version", flat=True).first()
    if current is None or current <= read_version:
        return None
    given = {}
    for event in Event.objects.filter(message_id=message_pk, kind=Event.Kind.DEADLINE_MOVED).order_by("at", "pk"):
        version = (event.data or {}).get("version")
        if isinstance(version, int) and read_version < version <= current:
            given[version] = event
    if any(v not in given for v in range(read_version + 1, current + 1)):
        return _recomputed_last(message_pk, current - read_version, current)
    return [given[v] for v in range(read_version + 1, current + 1)]


def _recomputed_last(message_pk: int, count: int, current: int) -> list[Event] | None:
    """The last ``count`` changes of the case's version as 节假日调整 events naming none (written before
    2026-12-07), oldest first, when the case's newest events are such recomputes alone; else None. Exact, not
    a guess: a recompute moves the version (by one) exactly when it moves the case's own 答复期限 (``own_due``:
    so since the first recompute, 2026-12-04), and every other change of a version writes an event of the case
    in the same transaction (workflow.transition's callers, do_dispatch_many, do_sign_many), later in (at, pk)
    than the recompute it follows (it read the row after that commit). So counting back from the newest
    event, the recomputes moving the 答复期限 are the newest versions until any other event; an event of
    another kind first (even one that changes no version: a 内部备注) reads as before (docs/api.md)."""
    found = []
    # newest first, a few at a time: the walk stops at the first other event, mostly among the first few (a
    # long-lived case's whole history is not read)
    newest = Event.objects.filter(message_id=message_pk).order_by("-at", "-pk").only("kind", "data", "at")
    for event in newest.iterator(chunk_size=20):
        if event.kind != Event.Kind.DEADLINE_MOVED:
            return None
        if own_due(event) is None:
            continue  # a given-up unit's or a 签收期限 alone: the version stayed
        named = (event.data or {}).get("version")
        if named is not None and named != current - len(found):
            return None
        found.append(event)
        if len(found) == count:
            return found[::-1]
    return None


def own_due(event: Event) -> dict | None:
    """The change a 节假日调整 event made to the case's own 答复期限 (not a given-up unit's), or None."""
    changes = (event.data or {}).get("changes") or ()
    return next((c for c in changes if c.get("what") == "答复期限" and not c.get("unit")), None)


def recomputed_words(events: list[Event], then: str = RECOMPUTED_THEN) -> str:
    """「该留言的答复期限已于 12-07 15:30 因节假日调整重新计算 (2027-01-04 → 2027-01-05), 此外无人处理过;
    请刷新后再操作」: the case's own 答复期限 from what the first of ``events`` (``recomputed_since``) moved it
    from to what the last moved it to (two holidays entered since the read: the date read → the date now),
    at the last one's time."""
    first, last = own_due(events[0]), own_due(events[-1])
    what = f" ({first.get('from', '')} → {last.get('to', '')})" if first and last else ""
    return RECOMPUTED.format(at=timezone.localtime(events[-1].at), what=what, then=then)


def recomputed_refusal(message_pk: int, read_version: int | None, then: str = RECOMPUTED_THEN) -> str | None:
    """``recomputed_words`` when only a change of the calendar moved the case since ``read_version``
    (``recomputed_since``), else None: the one test of every refusal of a stale version (a single action's
    409, a batch's case skipped: ``raced``)."""
    recomputed = recomputed_since(message_pk, read_version)
    return None if recomputed is None else recomputed_words(recomputed, then)


class CalendarMoved(Raced):
    """A Raced refusal of a case that only a change of the calendar moved since it was read (``raced``): a
    batch counts these apart (签收所选's flash)."""


def raced(message: Message, then: str = RECOMPUTED_THEN) -> Raced:
    """The refusal of ``message`` as read, its version moved since (someone acted first): RACED, or the
    recompute's words when a change of the calendar alone moved it (``recomputed_refusal``), a CalendarMoved
    ending in ``then`` (a page that lands on the list read again: what to do there). Each case of a batch
    (按建议派单 and dispatch-batch/, 签收所选) says it as a single action's 409 does (since 2026-12-07; a case
    the calendar moved read 「刚刚被其他人处理过」 there)."""
    recomputed = recomputed_refusal(message.pk, message.version, then)
    return Raced(RACED) if recomputed is None else CalendarMoved(recomputed)


def moved_on(message: Message, exc: MovedOn, in_place: bool = False, read_version: int | None = None) -> str:
    """A refusal because the case moved on (workflow.MovedOn), with where it is now (``in_place``: as
    ``where_now`` reads it). ``read_version``: the version the refused request was built on; when only a
    change of the calendar moved it since (``recomputed_since``), a Raced refusal says that instead of naming
    the last public move as if someone had just acted (docs/api.md; since 2026-12-07)."""
    recomputed = recomputed_refusal(message.pk, read_version) if isinstance(exc, Conflict) else None
    if recomputed is not None:
        return recomputed
    now, said = where_now(message, in_place), str(exc)
    # a case nothing public happened to yet: where_now names its status alone, as the refusal does
    return said if now.removeprefix("该留言") in said else f"{now}; {said}"


def _require_member(actor, unit):
    if unit is None or (unit.pk not in roles_of(actor).unit_ids and not roles_of(actor).admin):
        raise PermissionDenied("您不是该单位的工作人员")


# the roles that make someone staff of a unit (``staff_memberships``)
STAFF_ROLES = (Membership.Role.OFFICER, Membership.Role.HEAD)


def staff_memberships(units=None):
    """The one rule of who is staff of a unit, handling its cases: an officer's or head's role of the unit (a
    head may take a case themselves) whose account is active (not deactivated, not closed: someone who
    left). ``units``: the units' ids, or None for any unit (a role naming no unit is none's). Each person
    once per role: a head who is an officer too has two. The 指派 list and check (``unit_staff``),
    指派所选's check (bulk) and its list on the inbox all read it; before, each wrote it out, and 指派所选's
    check, for an admin, took a role naming no unit as some unit's (review, 2026-12-05); who takes in a unit's
    new cases and its 督办 (notify._signers) too, since a later review that day. Two lists read every role of
    the unit, switched-off accounts included, on purpose: 本单位办理情况 (unit_work), which marks a row
    「账号已停用」, and notify.signing_settled, which keeps unread the 「请签收」 notes of a lead unit still to
    sign, an account switched on again among them."""
    staff = Membership.objects.filter(role__in=STAFF_ROLES, user__is_active=True, unit__isnull=False)
    return staff if units is None else staff.filter(unit_id__in=units)


def unit_staff(unit):
    """The people who handle ``unit``'s cases (``staff_memberships``), each once, by name in pinyin
    (User.name_key, then the name; since 2026-12-05 (later), before by character code)."""
    return User.objects.filter(pk__in=staff_memberships([unit.pk]).values("user_id")).order_by(*by_name())


def headed_assignments(actor, message: Message, assignments=None) -> list[Assignment]:
    """The active assignments of the units ``actor`` heads (单位负责人), whose 承办人 they may assign,
    the lead one first (a head of both the lead and an assisting unit has two); for a platform
    admin every unit's (as do_assign_handler and the API allow). Empty for everyone else.
    ``assignments``: the message's, when the caller has them already."""
    roles = roles_of(actor)
    if assignments is None:
        assignments = message.assignments.filter(state=Assignment.State.ACTIVE).select_related("unit", "handler")
    active = sorted((a for a in assignments if a.state == Assignment.State.ACTIVE),
                    key=lambda a: a.role != Assignment.Role.LEAD)
    return [a for a in active if roles.admin or a.unit_id in roles.head_unit_ids]


# a head whose unit no longer holds the case: a 409 (the page was open, or the API named the unit)
NOT_HELD = "该留言当前不在您单位办理 (已答复、转办或退回), 不能指派承办人"


def assignable(actor, message: Message, unit_id: int | None = None) -> Assignment:
    """The assignment whose 承办人 ``actor`` may give out now (headed_assignments; with ``unit_id``,
    that unit's, else the first). A head whose unit no longer holds the case (answered,
    transferred, returned while the page was open) is told so, as a 409 (IllegalMove); anyone who
    heads none of the case's units (or not ``unit_id``), a 403."""
    headed = [a for a in headed_assignments(actor, message) if unit_id is None or a.unit_id == unit_id]
    if headed:
        return headed[0]
    roles = roles_of(actor)
    heads = roles.head_unit_ids if unit_id is None else [u for u in roles.head_unit_ids if u == unit_id]
    if roles.admin or message.assignments.filter(unit_id__in=heads).exists():
        raise IllegalMove(NOT_HELD)
    raise PermissionDenied("只有本单位负责人可以指派承办人")


# do_assign_handler's ``seen`` when the caller showed no 承办人 to check against (the API)
UNSEEN = object()
# the 承办人 named has the case already: nothing to change (指派所选 counts it apart, bulk.Outcome's ``already``)
ALREADY_HANDLING = "该件已由 {} 承办"


def do_assign_handler(actor, message: Message, unit, handler, at=None, seen=UNSEEN, email=True) -> Assignment:
    """指派承办人: the head (单位负责人) of ``unit`` gives the unit's share of the case to one of
    its officers (or heads), or gives it to another one. Preconditions: the actor heads ``unit``
    (or is a platform admin), the unit holds the case now (its assignment is active: dispatched
    or signed, not yet answered; else IllegalMove, NOT_HELD), and ``handler`` is an officer or head of ``unit``. Internal:
    the history records it unpublished; the officer is told.

    Who handles the case inside the unit is not what its officers sign, answer or transfer: the
    case's ``version`` stays (an officer answering meanwhile is not refused as stale). Two heads
    giving it out at once are told apart by ``seen``, the id of the 承办人 the actor's page showed
    (None: 未指派): another one there now is a Conflict, not a silent overwrite. ``email``: False when
    the caller emails the officer once for several cases (bulk.assign_each); the site note stays."""
    roles = roles_of(actor)
    if unit is None or (unit.pk not in roles.head_unit_ids and not roles.admin):
        raise PermissionDenied("只有本单位负责人可以指派承办人")
    check_allowed("assign_handler", message.status)
    if handler is None or not unit_staff(unit).filter(pk=handler.pk).exists():
        # a colleague of another unit is named; anyone else not (the API takes any user id: a citizen's
        # account name, their phone number or email without a nickname, answered each id tried)
        named = handler is not None and roles_of(handler).is_staff_member
        who = f"{handler} " if named else "该用户"  # no stray space before 不是 in Chinese
        raise Invalid(f"{who}不是{unit.name}的工作人员, 只能指派本单位的承办人员", "handler")
    now = at or timezone.now()
    with transaction.atomic():
        # the row locked against a reply, transfer or return meanwhile, the caller's copy still current;
        # its version stays (see above)
        _lock(message)
        # not message.assignments: a list's prefetch of them may join the nullable handler (PostgreSQL
        # locks no outer join)
        a = (Assignment.objects.select_for_update().filter(message=message, unit=unit, state=Assignment.State.ACTIVE)
             .order_by("-role", "-assigned_at").first())  # "lead" before "assist"
        if a is None:
            raise IllegalMove(NOT_HELD)
        if seen is not UNSEEN and a.handler_id != seen:
            now_with = f"已由 {a.handler} 承办" if a.handler else "已改为未指派"
            raise Conflict(f"该件刚刚{now_with}, 请核对后再指派")
        if a.handler_id == handler.pk:
            raise Invalid(ALREADY_HANDLING.format(handler), "handler")
        previous = a.handler
        Assignment.objects.filter(pk=a.pk).update(handler=handler)
        a.handler, a.message, a.unit = handler, message, unit  # as the notes read them: no query each
        _event(message, Event.Kind.HANDLER_ASSIGNED, actor=actor, unit=unit, public=False, at=now,
               handler=str(handler), handler_id=handler.pk,
               **({"previous": str(previous), "previous_id": previous.pk} if previous else {}))
        transaction.on_commit(notify.dated(now, lambda: notify.handler_assigned(a, actor, previous, email=email)))
    return a


def do_sign(actor, message: Message, unit, at=None) -> None:
    refused = do_sign_many(actor, [(message, unit)], at=at)[0]
    if refused is not None:
        raise refused


def do_sign_many(actor, cases, at=None) -> list[Exception | None]:
    """签收 of each (message, unit) of ``cases`` (签收所选; ``do_sign`` is one), each message once: for each,
    None when signed, or what refused it (its unit not the actor's, its status, it moved since it was read,
    no longer with the unit), in their order. One transaction, the refusals found before anything is written,
    under the rows' locks (PostgreSQL; SQLite's IMMEDIATE transaction; one case: its conditional UPDATE, the
    first write, checks the row as read and locks it), and then each write once for them all
    (since 2026-12-06: it cost about 20 queries a case, a savepoint and each write of each case): the same
    status, 签收 times, history events, notes settled, statistics and hotspots as one by one."""
    now = at or timezone.now()
    refused: list[Exception | None] = []
    for message, unit in cases:
        try:
            _require_member(actor, unit)
            check_allowed("sign", message.status)
        except (PermissionDenied, IllegalMove) as exc:
            refused.append(exc)
        else:
            refused.append(None)
    with transaction.atomic():
        ok = [k for k, exc in enumerate(refused) if exc is None]
        # one case: no locking read (a query less, since 2026-12-06): its conditional UPDATE below checks the row
        # as read and takes its lock, the first write, as workflow.transition does
        fresh = {pk: (status, version) for pk, status, version in Message.objects.select_for_update()
                 .filter(pk__in=[cases[k][0].pk for k in ok]).order_by("pk").values_list("pk", "status", "version")
                 } if len(ok) > 1 else None
        leads = {(a.message_id, a.unit_id): a.pk for a in Assignment.objects.filter(
            message__in=[cases[k][0].pk for k in ok], role=Assignment.Role.LEAD, state=Assignment.State.ACTIVE)}
        for k in ok:
            message, unit = cases[k]
            if (message.pk, unit.pk) not in leads:
                try:  # active_assignment's words: which part the unit holds, where the case went
                    active_assignment(message, unit)
                except PermissionDenied as exc:
                    refused[k] = exc
                else:
                    refused[k] = raced(message)
            elif fresh is not None and fresh.get(message.pk) != (message.status, message.version):
                refused[k] = raced(message)
        signed = [cases[k] for k, exc in enumerate(refused) if exc is None]
        if not signed:
            return refused
        ids = [m.pk for m, _ in signed]
        as_read = Q() if fresh is not None else Q(version=signed[0][0].version)
        updated = Message.objects.filter(as_read, pk__in=ids, status=Status.DISPATCHED).update(
            status=Status.SIGNED, version=F("version") + 1)
        if updated != len(ids):
            if fresh is None:  # the one case moved since it was read: nothing written
                refused[ok[0]] = raced(signed[0][0])
                return refused
            raise Raced(RACED)  # the rows are locked: not for a race
        # the lead share, the assisting units' and the other lead unit's of a case led by two (联合办理: signed
        # once, by either; since 2026-12-05 (later) — before, that unit, offered no 签收, still counted it 待签收
        # and, its 签收 deadline passed, 签收超期, with a 签收所选 box that signed nothing)
        Assignment.objects.filter(Q(pk__in=[leads[(m.pk, u.pk)] for m, u in signed])
                                  | Q(message__in=ids, state=Assignment.State.ACTIVE, signed_at__isnull=True)
                                  ).update(signed_at=now)
        events = Event.objects.bulk_create([Event(message=m, kind=Event.Kind.SIGNED, actor=actor, unit=u, public=True,
                                                  data={}, at=now) for m, u in signed])
        for event in events:  # what Event.objects.create sends: the statistics' refresh at the commit
            post_save.send(Event, instance=event, created=True, update_fields=None, raw=False, using=event._state.db)
        notify.signings_settled(ids, now)
        for message, _ in signed:  # as workflow.transition leaves it
            refresh_hotspot(message.pk)
            message.status = Status.SIGNED
            message.version += 1
    return refused


# 修改后重新提交: the web form (board.views.citizen.post_message) and the API's POST /messages/ (``again``)
def not_accepted(user, public_id: str) -> Message | None:
    """The citizen's own message not accepted (未受理) that ``?again=`` / the form's ``again`` sends again."""
    return (Message.objects.filter(public_id=public_id, author=user, status=Status.REJECTED)
            .select_related("region").first() if public_id else None)


def resubmitted_as(message: Message | None) -> Message | None:
    """The message ``message`` was sent again as (修改后重新提交): once only. Its page offered the button still,
    and each press posted one more copy, past the half hour in which the post form takes the same text for a repeat (walk, 2026-12-06)."""
    return Message.objects.filter(resubmission_of=message).first() if message is not None else None


def resubmitted_note(new: Message) -> str:
    return f"该留言已修改后重新提交 (新留言编号 {new.public_id}), 不能再次重新提交"


class Resubmitted(Conflict):
    """修改后重新提交 refused: the message was sent again already, as ``new``."""

    def __init__(self, new: Message):
        super().__init__(resubmitted_note(new))
        self.new = new


def do_resubmit(author, public_id: str, **submit_kwargs) -> Message:
    """修改后重新提交: store a new message (``do_submit``'s ``submit_kwargs``) as the sending again of the
    author's message not accepted (未受理) ``public_id``, its ``resubmission_of``. Once only: the old row is
    locked for the check and the create, so of two sent at once (the web form and an app) the second is
    refused, Resubmitted naming the copy. Not the author's message not accepted: Invalid (field ``again``)."""
    with transaction.atomic():
        old = (Message.objects.select_for_update().filter(public_id=public_id, author=author, status=Status.REJECTED)
               .first() if public_id else None)
        if old is None:
            raise Invalid(f"没有您本人未受理 (不予受理) 的留言 {public_id}, 不能修改后重新提交", "again")
        if (new := resubmitted_as(old)) is not None:
            raise Resubmitted(new)
        message = do_submit(author, **submit_kwargs)
        Message.objects.filter(pk=message.pk).update(resubmission_of=old)
        message.resubmission_of = old
    return message


def _void_extensions(message: Message, now) -> None:
    """A pending extension request ends with the assignment it asked for: the unit replied,
    transferred or returned the case, or it was merged, before the supervisor decided."""
    if Extension.objects.filter(assignment__message=message, state=Extension.State.PENDING).update(
            state=Extension.State.VOID, decided_at=now):
        notify.extension_handled(message, now)


def do_transfer(actor, message: Message, unit, to_unit: Unit, reason: str, at=None) -> Assignment:
    """转办 directly to another unit, which must sign again; the reply deadline stays. An
    assisting unit transferred to leads instead of assisting."""
    _require_member(actor, unit)
    check_allowed("transfer", message.status)
    if to_unit.pk == unit.pk:
        raise Invalid("不能转办给本单位", "to_unit")
    _require_units_for(message, {to_unit: "to_unit"})
    _written(reason, "reason", "请填写转办理由")
    now = at or timezone.now()
    with transaction.atomic():
        calendar_to_store()  # a deadline to store: the calendar the database holds now (deadlines)
        a = active_assignment(message, unit)
        kept_lead = message.assignments.filter(role=Assignment.Role.LEAD, state=Assignment.State.ACTIVE
                                               ).exclude(pk=a.pk).exists()  # 联合办理: the other lead keeps 已督办
        transition(message, "transfer", **not_pressed(message, kept_lead))
        Assignment.objects.filter(pk=a.pk).update(state=Assignment.State.TRANSFERRED, closed_at=now)
        notify.signing_settled(message, now)  # its 「请签收」 notes: the unit it goes to gets its own
        # an assisting unit that now leads is no longer its own helper (one row, one inbox tab)
        was_assisting = message.assignments.filter(unit=to_unit, role=Assignment.Role.ASSIST, state=Assignment.State.ACTIVE
                                                   ).update(state=Assignment.State.DONE, closed_at=now)
        _void_extensions(message, now)
        # a case transferred back to a unit that had it this round (or to its assisting unit) stays
        # with that unit's 承办人; else it starts 未指派
        new = Assignment.objects.create(message=message, unit=to_unit, role=Assignment.Role.LEAD, round=a.round,
                                        assigned_at=now, sign_due_at=due_after(now, settings.MINSHENG_SIGN_DAYS),
                                        due_at=message.due_at, handler=_carried_handler(message, to_unit, a.round))
        _event(message, Event.Kind.TRANSFERRED, actor=actor, unit=unit, at=now, to=to_unit.name, reason=reason)
        _told_carried(message, new, now, "assist" if was_assisting else "transfer")
        transaction.on_commit(notify.dated(now, lambda: notify.case_arrived(new)))
    return new


def do_return(actor, message: Message, unit, reason: str, at=None) -> None:
    """退单: back to the dispatcher's queue (assisting units are released too)."""
    _require_member(actor, unit)
    check_allowed("return", message.status)
    _written(reason, "reason", "请填写退单理由")
    now = at or timezone.now()
    with transaction.atomic():
        active_assignment(message, unit)
        transition(message, "return", **not_pressed(message))
        message.assignments.filter(state=Assignment.State.ACTIVE).update(state=Assignment.State.RETURNED,
                                                                         closed_at=now)
        notify.signing_settled(message, now)
        _void_extensions(message, now)
        _event(message, Event.Kind.RETURNED, actor=actor, unit=unit, at=now, reason=reason)
        transaction.on_commit(notify.dated(now, lambda: notify.returned(message, unit, reason)))


# 12345 practice: a unit signs (签收) a case before it may ask for more days to answer it
SIGN_BEFORE_EXTENSION = "请先签收该留言: 签收后才能申请延期"


def signs_before_extension(assignment: Assignment, status: str) -> bool:
    """Whether ``assignment``'s unit is to sign the case before it asks for an extension: not signed, and
    签收 still open to it. A case led by two units (联合办理) is signed once, by one of them (``sign``
    leaves 待签收): the other, no longer offered 签收, asks unsigned (review, 2026-12-05: it could not ask)."""
    return assignment.signed_at is None and allowed("sign", status)


def do_request_extension(actor, message: Message, unit, days: int, reason: str, at=None) -> Extension:
    _require_member(actor, unit)
    check_allowed("request_extension", message.status)
    if not 1 <= int(days) <= 30:
        raise Invalid("延期天数应为 1 至 30 个工作日", "days")
    _written(reason, "reason", "请填写延期理由")
    with transaction.atomic():
        message = _lock(message)
        a = active_assignment(message, unit)
        if signs_before_extension(a, message.status):
            raise IllegalMove(SIGN_BEFORE_EXTENSION)
        if a.extensions.filter(state=Extension.State.PENDING).exists():
            raise IllegalMove("已有待审批的延期申请")
        ext = Extension.objects.create(assignment=a, requested_by=actor, days=int(days), reason=reason.strip(),
                                       requested_at=at or timezone.now())
        _event(message, Event.Kind.EXTENSION_REQUESTED, actor=actor, unit=unit, at=ext.requested_at,
               days=int(days), reason=reason)
        transaction.on_commit(notify.dated(ext.requested_at, lambda: notify.extension_requested(ext)))
    return ext


def extended_due(message: Message, days: int, now=None) -> dt.datetime:
    """The reply deadline an approved extension of ``days`` working days gives ``message``: counted
    from its deadline in force (now, when it has none), so a case already late may stay late."""
    from .deadlines import SHANGHAI, add_working_days

    base = timezone.localtime(message.due_at or now or timezone.now(), SHANGHAI).date()
    return dt.datetime.combine(add_working_days(base, days), dt.time(23, 59, 59), tzinfo=SHANGHAI)


def _extension_decided_words(pk: int) -> str:
    """How another supervisor decided the request a stale list or case page posted a decision on:
    「该延期申请已被处理」 alone left the second supervisor guessing whether the deadline had moved."""
    done = Extension.objects.select_related("decided_by", "assignment").get(pk=pk)
    if done.state == Extension.State.VOID:
        return "该延期申请已失效 (申请单位已答复、转办或退回, 或留言已并单), 本页已更新为最新状态"
    if done.state == Extension.State.PENDING or done.decided_at is None:
        return "该延期申请已被处理, 本页已更新为最新状态"
    who = str(done.decided_by) if done.decided_by else "其他督办员"
    how = "同意" if done.state == Extension.State.APPROVED else "不同意"
    due = f", 答复期限已顺延至 {timezone.localtime(done.assignment.due_at):%Y-%m-%d}" \
        if done.state == Extension.State.APPROVED else ", 答复期限不变"
    return f"该延期申请已由{who}于 {timezone.localtime(done.decided_at):%m-%d %H:%M} {how}{due}; 本页已更新为最新状态"


def do_decide_extension(actor, extension: Extension, approve: bool, note: str = "", at=None) -> None:
    """The region's supervisor approves (the reply deadline moves) or refuses."""
    message = extension.assignment.message
    require_supervisor(actor, message)
    check_allowed("decide_extension", message.status)
    if (note or "").strip():  # optional; one given of emoji alone said nothing to the unit (「审批意见: 😀」)
        _written(note, "note", "", NO_WORDS_NOTE)
    if extension.assignment.state != Assignment.State.ACTIVE:  # its deadline is no longer the case's
        raise IllegalMove("申请延期的单位已不再办理该留言 (已转办或退回), 该延期申请已失效")
    now = at or timezone.now()
    with transaction.atomic():
        calendar_to_store()  # a deadline to store: the calendar the database holds now (deadlines)
        updated = Extension.objects.filter(pk=extension.pk, state=Extension.State.PENDING).update(
            state=Extension.State.APPROVED if approve else Extension.State.REFUSED, decided_by=actor,
            decided_at=now, decision_note=note)
        if not updated:
            raise Conflict(_extension_decided_words(extension.pk))
        notify.extension_handled(message, now)
        if approve:
            new_due = extended_due(message, extension.days, now)
            transition(message, "decide_extension", due_at=new_due)
            # the assisting units work to the case's deadline too: theirs stayed, and their inbox read 已超期
            Assignment.objects.filter(message=message, state=Assignment.State.ACTIVE).update(due_at=new_due)
            _event(message, Event.Kind.EXTENSION_APPROVED, actor=actor, unit=extension.assignment.unit, at=now,
                   days=extension.days, due_at=new_due.isoformat(), note=note)
        else:
            _event(message, Event.Kind.EXTENSION_REFUSED, actor=actor, unit=extension.assignment.unit, at=now,
                   note=note)
        extension.decision_note = note
        transaction.on_commit(notify.dated(now, lambda: notify.extension_decided(extension, approve)))


NOTE_SENT_TWICE = dt.timedelta(minutes=1)


def _staff_note(actor, message: Message, unit, body: str, kind: str, at=None, role=None) -> None:
    """A note in the case history for staff alone (Event.public False, in HIDDEN_EVENT_KINDS): never on
    a public page or in the public API, never sent to the citizen. ``kind``: ASSIST_NOTE or NOTE;
    ``role``: the part ``unit`` must hold the case in (active_assignment), None for no unit."""
    action, missing = ("assist_note", "请填写协办意见") if kind == Event.Kind.ASSIST_NOTE else ("note", "请填写内部备注")
    check_allowed(action, message.status)
    _written(body, "body", missing, NO_WORDS_NOTE)
    if role is not None:
        active_assignment(message, unit, role=role)
    now = at or timezone.now()
    with transaction.atomic():
        Message.objects.select_for_update().get(pk=message.pk)  # two sends at once: one after the other
        last = message.events.filter(kind=kind, actor=actor, unit=unit).order_by("-at", "-pk").first()
        # the same note sent twice (a double click, a form sent again): it is there already, not written again;
        # for each unit a person acts for, and of its time either way (one dated back is compared too)
        if last and last.data.get("body") == body.strip() and abs(now - last.at) < NOTE_SENT_TWICE:
            return
        _event(message, kind, actor=actor, unit=unit, public=False, at=now, body=body.strip())


def do_assist_note(actor, message: Message, unit, body: str, at=None) -> None:
    """协办意见: an assisting unit's contribution, visible to the lead unit."""
    _require_member(actor, unit)
    _staff_note(actor, message, unit, body, Event.Kind.ASSIST_NOTE, at, role=Assignment.Role.ASSIST)


NOTE_REFUSED = "只有主办单位的工作人员和该区划的派单员、督办员可以写内部备注"


def do_internal_note(actor, message: Message, body: str, unit=None, at=None) -> None:
    """内部备注: a note for staff alone (_staff_note) by a person of the lead unit (``unit``, by default
    the actor's unit holding the case as 主办) while it holds the case, or by a dispatcher or supervisor
    of the case's region (or an admin) at any time. The assisting units write 协办意见 instead."""
    unit = note_unit(actor, message, unit)
    _staff_note(actor, message, unit, body, Event.Kind.NOTE, at, role=Assignment.Role.LEAD if unit else None)


def note_unit(actor, message: Message, unit=None):
    """The lead unit ``actor`` writes an internal note for (do_internal_note): ``unit``, by default theirs
    that holds (else held) the case as 主办; None for a dispatcher, supervisor or admin writing as such.
    PermissionDenied for anyone else (the API asks it before reading the body)."""
    roles = roles_of(actor)
    overseer = roles.admin or roles.dispatches(message.region) or roles.supervises(message.region)
    if unit is None:
        # the unit holding it as 主办, else (nobody's note but a dispatcher's or supervisor's) one that led it:
        # refused by active_assignment, saying where it went (a page opened before a colleague transferred it)
        lead = (message.assignments.filter(role=Assignment.Role.LEAD, unit_id__in=roles.unit_ids)
                .select_related("unit").order_by(Case(When(state=Assignment.State.ACTIVE, then=0), default=1), "-pk")
                .first())
        unit = lead.unit if lead and (lead.state == Assignment.State.ACTIVE or not overseer) else None
    if unit is not None:
        _require_member(actor, unit)
    elif not overseer:
        raise PermissionDenied(NOTE_REFUSED)
    return unit


NO_CHINESE_REPLY = "答复内容没有中文, 请用中文答复群众"
# one limit for the form and the API (the form took 5,000, the API 10,000); real replies reach 7,900
REPLY_MAX_CHARS = 10_000
# the reason of a return, transfer or 撤销并单, page and API alike (a 不予受理 reason: Message.reject_reason, 200)
REASON_MAX_CHARS = 300


# a reason or note of emoji or punctuation alone says nothing (「不予受理理由: 😀」 reached a citizen,
# 「延期理由: ……」 a supervisor): refused on the case page (staff_forms.REASON_WORDS) and the API alike
NO_WORDS_REASON = "理由中没有文字, 请用文字写明理由"
NO_WORDS_NOTE = "意见中没有文字, 请用文字写明意见"


def _written(text: str | None, field: str, missing: str, wordless: str = NO_WORDS_REASON) -> None:
    """Refuse an empty reason or note (``missing``), and one without a letter or digit (``wordless``)."""
    if not (text or "").strip():
        raise Invalid(missing, field)
    if not has_words(text):
        raise Invalid(wordless, field)


def may_reply(actor, message: Message, unit, body: str) -> str:
    """The body as ``do_reply`` would publish it (stripped), or the refusal it would give: not a
    member of ``unit`` (403), a status that takes no reply (409), a body too short, too long, without
    words or without Chinese (400). Changes nothing: the API's reply preview asks it too."""
    _require_member(actor, unit)
    check_allowed("reply", message.status)
    body = (body or "").strip()
    if len(body) < 10:
        raise Invalid("答复内容至少 10 个字", "body")
    if len(body) > REPLY_MAX_CHARS:
        raise Invalid(f"答复内容不能超过 {REPLY_MAX_CHARS} 字", "body")
    if not has_words(body):  # published at once: eleven emoji are not an answer
        raise Invalid("答复内容需要有文字, 不能只有符号、表情或不可见字符", "body")
    if not han_ratio(body):  # a reply pasted in English, or a phone number alone, answers no citizen here
        raise Invalid(NO_CHINESE_REPLY, "body")
    return body


def do_reply(actor, message: Message, unit, body: str, quality=None, at=None) -> Reply:
    """答复, published at once. Precondition: the unit signed for the case (``may_reply``)."""
    body = may_reply(actor, message, unit, body)
    now = at or timezone.now()
    with transaction.atomic():
        # the version check first: an officer whose colleague replied a moment earlier is told
        # so (409), not that the case is no longer their unit's (its assignment is done now)
        transition(message, "reply", replied_at=now)
        a = active_assignment(message, unit)
        message.assignments.filter(state=Assignment.State.ACTIVE).update(state=Assignment.State.DONE, closed_at=now)
        _void_extensions(message, now)
        reply = Reply.objects.create(message=message, unit=unit, author=actor, body=body, round=a.round,
                                     published_at=now, quality=quality or {})
        _event(message, Event.Kind.REPLIED, actor=actor, unit=unit, at=now,
               on_time=bool(message.due_at is None or now <= message.due_at))
        transaction.on_commit(notify.dated(now, lambda: notify.replied(message)))
    return reply


# --- supervisor and system ---------------------------------------------------------

def do_supervise(actor, message: Message, note: str, at=None) -> None:
    """督办: flag the case with a note for the handling unit."""
    require_supervisor(actor, message)
    _written(note, "note", "请填写督办意见", NO_WORDS_NOTE)
    now = at or timezone.now()
    with transaction.atomic():
        transition(message, "supervise", supervised=True, ever_supervised=True, supervision_note=note.strip()[:300],
                   supervised_count=message.supervised_count + 1, last_supervised_at=now)
        _event(message, Event.Kind.SUPERVISED, actor=actor, at=now, note=note.strip()[:300])
        transaction.on_commit(notify.dated(now, lambda: notify.supervised(message)))


def do_close(message: Message, actor=None, at=None, reason="auto") -> None:
    now = at or timezone.now()
    with transaction.atomic():
        transition(message, "close", closed_at=now)
        _event(message, Event.Kind.CLOSED, actor=actor, at=now, reason=reason)
        transaction.on_commit(notify.dated(now, lambda: notify.closed(message)))


CLOSE_BATCH = 500


def close_stale(now=None) -> int:
    """Close replied cases not rated within MINSHENG_EVALUATION_DAYS, and unsatisfied
    ones not reopened within MINSHENG_REOPEN_DAYS. Idempotent; returns the count."""
    now = now or timezone.now()
    count = 0
    stale_replied = Message.objects.filter(status=Status.REPLIED,
                                           replied_at__lt=now - dt.timedelta(days=settings.MINSHENG_EVALUATION_DAYS))
    stale_evaluated = Message.objects.filter(
        status=Status.EVALUATED,
        evaluations__created_at__lt=now - dt.timedelta(days=settings.MINSHENG_REOPEN_DAYS)).distinct()
    stale = [*stale_replied, *stale_evaluated]
    # closed CLOSE_BATCH at a time in one transaction (each in its own savepoint: a case someone
    # acted on meanwhile is skipped alone), so that a hotspot is refreshed once for all its cases
    # closed here (hotspots_service.refresh_after_commit), not once per case; in the embedded
    # default every refresh runs in place and reads all the hotspot's members
    for start in range(0, len(stale), CLOSE_BATCH):
        with transaction.atomic():
            for message in stale[start:start + CLOSE_BATCH]:
                try:
                    do_close(message, at=now,
                             reason="no_evaluation" if message.status == Status.REPLIED else "not_reopened")
                    count += 1
                except (Conflict, IllegalMove):
                    continue
    return count
