"""按建议派单: the dispatcher's queue dispatches the ticked cases, each as its case page's 派单
dispatches it with the form as prefilled (``suggest.prefilled``: the suggested lead and assisting
units, the topic and type shown) through ``actions.do_dispatch_many`` (of which ``do_dispatch`` is one) — the same checks,
events and notifications. A case that cannot go as suggested is skipped with the reason, in words.

The cases are dispatched together (``actions.do_dispatch_many``, since 2026-12-06; before, ``do_dispatch`` a
case, each in its own savepoint): one refused (dispatched by a colleague meanwhile, its unit switched off) is
found under the rows' locks before anything is written, and leaves the others dispatched; each write is made
once for them all, and the hotspots and statistics the cases touch are refreshed once, at the commit. The queue page (its 建议承办单位 column and which rows it offers to tick) and the API's
dispatch-batch/ read the same plan (``plan_each``), with a fixed number of queries for a page of rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, F, OuterRef

from minsheng.accounts.roles import roles_of
from minsheng.directory.models import Unit
from minsheng.insight.classify import confidence_text
from minsheng.insight.suggest import SUGGEST_RELATED, Prefill, Suggestion, prefilled

from . import actions, moderation
from .models import Assignment, Event, Message, MessageKind
from .views.staff_hints import near_duplicates_each, suggestions_each
from .workflow import Status, allowed

# a page of the queue at most (签收所选 alike): more in one post is not what a page offered
BATCH_MAX = 20
NOT_YOURS = "找不到该留言, 或不在您负责派单的区划内"
ONLY_DISPATCHERS = "只有派单员可以按建议派单"


ANY = "*"  # a part of a seen_key the caller did not state (the API's item without assists, topic or type)


def seen_key(lead: int, assists, topic, kind) -> str:
    """The plan as a caller saw it: the lead unit's pk, the assisting units' (the lead left out, in any
    order), the topic's pk ('' for none) and the type ('' keeps the citizen's), ``Plan.key``'s form;
    a part None: not stated, any (``ANY``)."""
    units = ANY if assists is None else ",".join(str(pk) for pk in sorted(set(assists) - {lead}))
    return "/".join([str(lead), units, ANY if topic is None else str(topic), ANY if kind is None else kind])


@dataclass
class Plan:
    """What 按建议派单 would do with a case: ``prefill`` (its lead None when there is nothing to
    dispatch to), and ``why_not``: why it is not dispatched by suggestion now ('' when it is)."""

    prefill: Prefill
    suggestion: Suggestion
    why_not: str = ""
    # why there is no lead to dispatch to ('' when there is): the queue's 「无建议」, explained
    no_lead: str = ""

    @property
    def key(self) -> str:
        """What it would dispatch (lead, assisting units, topic, type), as the queue page posts back
        what it showed: a plan changed since (``dispatch_by_suggestion``'s ``seen``) is not dispatched."""
        p = self.prefill
        if p.lead is None:
            return ""
        return seen_key(p.lead.pk, [u.pk for u in p.assists], p.topic.pk if p.topic else "", p.kind)

    def shows(self, seen: str | None) -> bool:
        """Whether ``seen`` (a ``seen_key``) is what it would dispatch: each part the same, or ``ANY``."""
        if seen is None or not self.key:
            return False
        parts, now = seen.split("/"), self.key.split("/")
        return len(parts) == len(now) and all(s in (ANY, n) for s, n in zip(parts, now, strict=True))

    @property
    def kind_display(self) -> str:
        """The type it files the case under, when not the citizen's ('' when kept)."""
        return dict(MessageKind.choices).get(self.prefill.kind, "")

    @property
    def confidence_text(self) -> str:
        """The confidence of the reading the lead follows, named: 「领域置信度 0.99」 or 「历史派单置信度 0.80」
        (a bare 「置信度 0.99」 under 「类型改为: 投诉」 read as the type's, 0.79; ``kind_confidence_text``)."""
        c = self.prefill.confidence
        if c is None:
            return ""
        return f"{'历史派单' if self.prefill.by_history else '领域'}置信度 {confidence_text(c)}"

    @property
    def kind_confidence_text(self) -> str:
        """The type reading's own confidence, beside 「类型改为」 ('' when the type is kept)."""
        c = self.suggestion.kind_confidence
        return confidence_text(c) if self.prefill.kind and c is not None else ""


@dataclass
class Outcome:
    public_id: str
    title: str  # '' for a case the caller may not see
    dispatched: bool
    lead: Unit | None = None
    assists: tuple = ()
    reason: str = ""  # why it was skipped


def _why_not(message: Message, s: Suggestion, p: Prefill, returned_by: set, duplicates: int | None) -> str:
    if not allowed("dispatch", message.status):
        return f"当前状态为「{message.get_status_display()}」, 不能派单 (可能已被他人派单)"
    if message.status == Status.SUBMITTED:  # dispatching it is its review (受理): published unread
        unfit = moderation.grouped(moderation.unfit_wording(message.title, message.body))
        if unfit:
            return f"待审核的留言含{'、'.join(label for label, _ in unfit)}, 请在留言页审核"
    if duplicates is None:
        return "查重失败, 请在留言页核对是否与在办留言重复"
    if duplicates:
        return f"与在办留言疑似重复 {duplicates} 件, 请在留言页决定是否并单"
    return _why_no_lead(s, p, returned_by)


def _why_no_lead(s: Suggestion, p: Prefill, returned_by: set) -> str:
    if p.lead is not None:
        return ""
    if s.lead is not None and s.lead.pk in returned_by:
        return "建议的主办单位已退回本件, 请在留言页人工派单"
    if s.lead is not None and not s.units_prefill:
        return (f"机器猜测的领域置信度低于 {confidence_text(settings.MINSHENG_PREFILL_CONFIDENCE)}, "
                "未预选主办单位, 请在留言页人工派单")
    return f"没有派单建议 ({s.reason_in_words}), 请在留言页人工派单"


def plan_each(messages, duplicates: dict[int, list] | None = None) -> dict[int, Plan]:
    """The plan of each message (read with ``SUGGEST_RELATED``), by pk, in a fixed number of queries:
    the suggestions (``suggestions_each``), the units that returned each case, and whether the unit
    the unit model names may take it (``actions.units_for``, as the form's list). ``duplicates``: the
    case page's 疑似重复 of each (``near_duplicates_each``, read here when None; a message missing
    from it: the lookup failed)."""
    messages = list(messages)
    if not messages:
        return {}
    if duplicates is None:
        duplicates = near_duplicates_each(messages)
    suggestions = suggestions_each(messages)
    returned: dict[int, set] = {m.pk: set() for m in messages}
    for message_id, unit_id in Assignment.objects.filter(message__in=messages, state=Assignment.State.RETURNED,
                                                         role=Assignment.Role.LEAD).values_list("message_id", "unit_id"):
        returned[message_id].add(unit_id)
    reading = [m for m in messages if suggestions[m.pk].history is not None]
    may_take: dict[int, set] = {m.pk: set() for m in messages}
    if reading:  # one query for them all: may each case go to the unit its reading names
        flags = {f"m{m.pk}": Exists(actions.units_for(m).filter(pk=OuterRef("pk"))) for m in reading}
        for row in Unit.objects.filter(pk__in={suggestions[m.pk].history.pk for m in reading}) \
                .annotate(**flags).values("pk", *flags):
            for m in reading:
                if row[f"m{m.pk}"]:
                    may_take[m.pk].add(row["pk"])
    # the main cases each was split from (撤销并单): the dispatcher has judged it is not their problem
    split_from: dict[int, set] = {m.pk: set() for m in messages}
    for message_id, main in Event.objects.filter(message__in=messages, kind=Event.Kind.UNMERGED,
                                                 data__has_key="main").values_list("message_id", "data__main"):
        split_from[message_id].add(str(main))  # SQLite reads a key of digits back as a number
    plans = {}
    for m in messages:
        s = suggestions[m.pk]
        p = prefilled(m, s, returned[m.pk], may_take[m.pk])
        found = duplicates.get(m.pk)
        # only a near-duplicate in hand keeps it from going by suggestion, as it holds the automatic
        # dispatch (insight.tasks._hold_reason): a closed one is the problem back again, a new case;
        # nor one it was split from
        in_hand = None if found is None else sum(d.status in Status.in_hand() and d.public_id not in split_from[m.pk]
                                                 for d, _ in found)
        no_lead = _why_no_lead(s, p, returned[m.pk])
        plans[m.pk] = Plan(p, s, _why_not(m, s, p, returned[m.pk], in_hand), no_lead)
    return plans


# a case skipped because its plan changed since the caller saw it: the queue page's words, and the API's
CHANGED_ON_PAGE = "打开页面后派单建议有变化 (现为{now}), 请刷新页面核对后再派单"
CHANGED_IN_API = "读取建议后派单建议有变化 (现为{now}), 请重新读取 suggestion/ 核对后再派单"


def require_batch_dispatcher(user):
    """``user``'s roles, or PermissionDenied when they dispatch nowhere (the API asks it before reading the body)."""
    roles = roles_of(user)
    if not roles.is_dispatcher:
        raise PermissionDenied(ONLY_DISPATCHERS)
    return roles


def dispatch_by_suggestion(user, public_ids: list[str], seen: dict[str, str] | None = None,
                           changed: str = CHANGED_ON_PAGE, then: str = actions.RECOMPUTED_THEN) -> list[Outcome]:
    """按建议派单 of ``public_ids`` (each once, at most ``BATCH_MAX``: the caller refuses more), in
    their order; a case another region's, gone or unknown is skipped without a word of it.
    ``seen``: the ``Plan.key`` of each case as the queue page showed it (the API's items: a ``seen_key``
    of what the caller states); a case whose plan is no longer that (a colleague's 退单, the table or a
    model changed meanwhile) is skipped, not sent to a unit the dispatcher did not see, saying so in
    ``changed``'s words. None (the API's ids alone): the plan as it is now. ``then``: how the refusal of a case
    only a change of the calendar moved meanwhile ends (``actions.raced``; the queue page: 「队列已更新…」)."""
    roles = require_batch_dispatcher(user)
    found = {m.public_id: m for m in Message.objects.filter(public_id__in=public_ids)
             .select_related(*SUGGEST_RELATED)}
    mine = [m for m in found.values() if roles.dispatches(m.region)]
    waiting = [m for m in mine if m.status in (Status.SUBMITTED, Status.ACCEPTED)]
    plans = plan_each(mine, near_duplicates_each(waiting))
    # one transaction for them all (actions.do_dispatch_many): the hotspots and statistics the cases touch are
    # refreshed once at the commit (in place without a task worker)
    with transaction.atomic():
        return _dispatch_all(user, public_ids, found, plans, seen, changed, then)


def _dispatch_all(user, public_ids, found, plans, seen, changed, then) -> list[Outcome]:
    outcomes, going = [], {}  # going: the index in ``cases`` of each outcome's case
    cases = []
    for pid in public_ids:
        m = found.get(pid)
        if m is None or m.pk not in plans:
            outcomes.append(Outcome(pid, "", False, reason=NOT_YOURS))
            continue
        plan = plans[m.pk]
        if plan.why_not:
            outcomes.append(Outcome(pid, m.title, False, reason=plan.why_not))
            continue
        p = plan.prefill
        if seen is not None and not plan.shows(seen.get(pid)):
            assists = "、".join(u.name for u in p.assists if u.pk != p.lead.pk)
            now = f"主办 {p.lead.name}" + (f", 协办 {assists}" if assists else "")
            outcomes.append(Outcome(pid, m.title, False,
                                    reason=changed.format(now=now)))
            continue
        going[len(outcomes)] = len(cases)
        cases.append((m, p.lead, p.assists, p.topic, p.kind or None))
        outcomes.append(Outcome(pid, m.title, True, lead=p.lead,
                                assists=tuple(u for u in p.assists if u.pk != p.lead.pk)))
    done = actions.do_dispatch_many(user, cases, hold=lambda ok: _twins(cases, ok), then=then) if cases else []
    for at, k in going.items():
        if isinstance(done[k], Exception):
            o = outcomes[at]
            outcomes[at] = Outcome(o.public_id, o.title, False, reason=str(done[k]) or "无法派单")
    return outcomes


class Twin(Exception):
    """A case ticked with a near-duplicate dispatched before it in the batch (``_twins``)."""


def _twins(cases, ok: list[int]) -> dict[int, Twin]:
    """Two letters of one problem ticked together: the first dispatched is in hand then, and the second its
    near-duplicate, as its case page would say (the plans saw neither in hand). Of the cases ``ok`` of
    ``cases`` (do_dispatch_many's, about to go, in their order), each that one dispatched before it in the
    batch is among the nearest of, as the case page's 疑似重复 reads them (five): read once for them all (since
    2026-12-06; before, once a case, each after those before it were dispatched), with them all in hand for
    the reading, in a savepoint undone, each keeping to what it would have met (those after it, and before it
    not dispatched, as they were)."""
    messages = [cases[k][0] for k in ok]
    if len(messages) < 2:
        return {}
    unseen = {m.pk for m in messages if m.status not in Status.public()}  # not a candidate till dispatched
    try:
        with transaction.atomic():
            Message.objects.filter(pk__in=unseen).update(status=Status.DISPATCHED, version=F("version") + 1)
            found = near_duplicates_each(messages, limit=None, savepoint=True)
            raise _Undo
    except _Undo:
        pass
    twins, sent = {}, set()
    for k, m in zip(ok, messages, strict=True):
        met = [d for d, _ in found.get(m.pk, ()) if d.pk not in unseen or d.pk in sent][:5]
        twin = next((d.public_id for d in met if d.pk in sent), None)
        if twin is not None:
            twins[k] = Twin(f"与本批刚派出的 {twin} 疑似重复, 请在留言页决定是否并单")
        else:
            sent.add(m.pk)
    return twins


class _Undo(Exception):
    pass
