"""Actions over several ticked cases at once: the inbox's 指派所选 and the API's assign-batch/ (签收所选 until
2026-12-06: since, ``actions.do_sign_many`` signs the page's cases together, each write once for them all).

One machinery for all of them (``each``): one transaction, each case in the savepoint of its action's
own atomic block, so a case refused (signed or answered meanwhile, another head's 承办人 there now) is
undone alone and said in its outcome, the others stay done, and the follow-up work the cases touch
(hotspots, statistics) runs once, at the commit. Each case goes through the ``do_*`` action its case
page calls: the same checks, the same history event, the same notes.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction

from minsheng.accounts.models import User
from minsheng.accounts.roles import roles_of
from minsheng.directory.models import Unit

from . import actions, notify
from .models import Assignment, Message
from .workflow import Conflict, IllegalMove

# a page of the inbox at most (staff.PAGE_SIZE; 按建议派单's BATCH_MAX alike): more in one post is not what
# a page offered
BULK_MAX = 20
# what an action refuses a single case with: said of that case, the others go on
REFUSED = (IllegalMove, Conflict, PermissionDenied, actions.Invalid)


def each(messages, act) -> list[tuple[Message, Exception | None]]:
    """``act(message)`` for each of ``messages`` in one transaction: (the message, None when done or the
    refusal). ``act`` runs its action in an atomic block of its own (every ``do_*`` does), a savepoint
    inside this transaction: one refused leaves nothing of it written."""
    done = []
    with transaction.atomic():
        for message in messages:
            try:
                act(message)
            except REFUSED as exc:
                done.append((message, exc))
            else:
                done.append((message, None))
    return done


@dataclass
class Outcome:
    """What 指派所选 did with one case: ``code`` ``assigned``, or why not: ``not_found`` (no such case, or
    one the caller heads no unit of ever having held it), ``not_head`` (a case of theirs whose unit they do
    not head), ``not_held`` (the unit no longer holds it), ``already`` (the officer has it already),
    ``conflict`` (another 承办人 than the page showed), ``refused`` (anything else the action said)."""

    public_id: str
    code: str
    reason: str = ""
    title: str = ""  # '' for a case not found
    unit: Unit | None = None

    @property
    def assigned(self) -> bool:
        return self.code == "assigned"


NOT_FOUND = "找不到该留言, 或不在您负责的单位办理"
NOT_HEAD = "您不是该件办理单位的负责人, 不能指派承办人"
ONLY_HEADS = "只有单位负责人可以指派承办人"


def _staff_of(handler: User, unit_ids) -> set[int]:
    """Which of ``unit_ids`` (None: any unit) ``handler`` is staff of (actions.staff_memberships)."""
    return set(actions.staff_memberships(unit_ids).filter(user=handler).values_list("unit_id", flat=True))


def _not_staff(handler: User | None, units) -> actions.Invalid:
    """do_assign_handler's words for a 承办人 of none of ``units`` (a colleague of another unit is named)."""
    named = handler is not None and roles_of(handler).is_staff_member
    who = f"{handler} " if named else "该用户"
    names = "、".join(u.name for u in units) or "您负责的单位"
    return actions.Invalid(f"{who}不是{names}的工作人员, 只能指派本单位的承办人员", "handler")


def assign_each(actor, public_ids: list[str], handler: User | None,
                seen: dict[tuple[str, int], int | None] | None = None,
                rows: dict[str, set[int]] | None = None) -> list[Outcome]:
    """指派所选: each of ``public_ids`` (each once, at most BULK_MAX: the callers refuse more) given to
    ``handler`` through ``actions.do_assign_handler``, in one transaction (``each``), in their order.
    Refused whole, before anything is written: an actor who heads no unit (PermissionDenied), a
    ``handler`` of none of the units of the cases (Invalid naming ``handler``), and cases of two units
    the ``handler`` is not of both (a head of two units: Invalid, 请按单位分别指派). A case refused alone
    is said in its Outcome. ``seen``: the 承办人 the page showed of each (case, unit), None for 未指派; a
    pair missing is not compared (the API). ``rows``: the units whose rows were ticked of a case (the inbox's
    协办 tab has a row per assisting unit): only those units' shares are given out; a case missing: the share
    the ``handler`` can take, the lead first. The officer gets a site note per case and one email."""
    roles = roles_of(actor)
    if not (roles.admin or roles.head_unit_ids):
        raise PermissionDenied(ONLY_HEADS)
    found = {m.public_id: m for m in Message.objects.filter(public_id__in=public_ids)}
    held: dict[int, list[Assignment]] = {m.pk: [] for m in found.values()}
    for a in Assignment.objects.filter(message__in=found.values()).select_related("unit", "handler"):
        held[a.message_id].append(a)
    headed = {pk: actions.headed_assignments(actor, None, assignments) for pk, assignments in held.items()}
    for pid, unit_ids in (rows or {}).items():  # the row ticked, not the lead share of a head of both
        if pid in found:
            headed[found[pid].pk] = [a for a in headed[found[pid].pk] if a.unit_id in unit_ids]
    units = {a.unit_id: a.unit for shares in headed.values() for a in shares}
    if handler is None:
        raise _not_staff(None, units.values())
    # nothing of theirs ticked: each case says why below; still no officer of another unit's taken (an
    # admin's: no one who is no unit's staff)
    of = _staff_of(handler, units or (None if roles.admin else roles.head_unit_ids))
    if not of:
        raise _not_staff(handler, sorted(units.values(), key=lambda u: u.pk))
    # each case through the share the officer can take (a head of its lead and assisting unit has two)
    chosen = {pk: next((a for a in shares if a.unit_id in of), shares[0]) for pk, shares in headed.items() if shares}
    misfit = sorted({a.unit.name for a in chosen.values() if a.unit_id not in of})
    if misfit:
        fit = "、".join(sorted(units[u].name for u in of if u in units))
        raise actions.Invalid(f"所选留言分属多个单位, {handler} 是{fit}的工作人员, 不是{'、'.join(misfit)}的: "
                              "请按单位分别勾选, 再指派给该单位的承办人员", "handler")
    outcomes: dict[str, Outcome] = {}
    for pid in public_ids:
        m = found.get(pid)
        if m is None or not (roles.admin or any(a.unit_id in roles.unit_ids for a in held[m.pk])):
            outcomes[pid] = Outcome(pid, "not_found", NOT_FOUND)
        elif m.pk not in chosen:
            heads_one = any(a.unit_id in roles.head_unit_ids for a in held[m.pk])
            outcomes[pid] = (Outcome(pid, "not_held", actions.NOT_HELD, m.title) if heads_one
                             else Outcome(pid, "not_head", NOT_HEAD, m.title))
    given = []

    def assign(message):
        a = chosen[message.pk]
        shown = (seen or {}).get((message.public_id, a.unit_id), actions.UNSEEN)
        given.append(actions.do_assign_handler(actor, message, a.unit, handler, seen=shown, email=False))

    for message, exc in each([found[pid] for pid in public_ids if pid not in outcomes], assign):
        unit = chosen[message.pk].unit
        outcomes[message.public_id] = Outcome(message.public_id, _code(exc, handler), str(exc or ""), message.title,
                                              unit)
    if given:  # one email for the batch, once it is committed (each case's site note is the action's own)
        transaction.on_commit(lambda: notify.handlers_assigned(given, actor))
    return [outcomes[pid] for pid in public_ids]


def _code(exc: Exception | None, handler) -> str:
    if exc is None:
        return "assigned"
    if isinstance(exc, Conflict):
        return "conflict"
    if isinstance(exc, IllegalMove):
        return "not_held"
    if isinstance(exc, actions.Invalid) and str(exc) == actions.ALREADY_HANDLING.format(handler):
        return "already"
    return "refused"
