"""The only definition of a message's states and legal moves.

``TRANSITIONS[action] = (from_statuses, to_status)``; ``transition()`` performs one
as a conditional UPDATE (status and version must still be what the caller read), so
two staff acting at once cannot both succeed and no update is lost.
"""

from __future__ import annotations

from django.db import models


class Status(models.TextChoices):
    SUBMITTED = "submitted", "待审核"
    ACCEPTED = "accepted", "待派单"
    DISPATCHED = "dispatched", "待签收"
    SIGNED = "signed", "办理中"
    REPLIED = "replied", "已答复"
    EVALUATED = "evaluated", "已评价"
    CLOSED = "closed", "已办结"
    REJECTED = "rejected", "未受理"
    WITHDRAWN = "withdrawn", "已撤回"
    MERGED = "merged", "已并单"

    @classmethod
    def public(cls) -> set[str]:
        """Statuses whose message the public can read."""
        return {cls.ACCEPTED, cls.DISPATCHED, cls.SIGNED, cls.REPLIED, cls.EVALUATED, cls.CLOSED, cls.MERGED}

    @classmethod
    def in_hand(cls) -> set[str]:
        """Statuses of a public case not yet closed (在办): one a new message may repeat, and
        that the citizen of a repeat may support instead of posting again. Not closed (办结: a
        repeat is the problem back again), nor merged into another case (its main case is)."""
        return {cls.ACCEPTED, cls.DISPATCHED, cls.SIGNED, cls.REPLIED, cls.EVALUATED}

    @classmethod
    def handling(cls) -> set[str]:
        """Statuses in which a reply is awaited (a deadline runs)."""
        return {cls.ACCEPTED, cls.DISPATCHED, cls.SIGNED}

    @classmethod
    def answered(cls) -> set[str]:
        return {cls.REPLIED, cls.EVALUATED, cls.CLOSED}


S = Status
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "accept": (frozenset({S.SUBMITTED}), S.ACCEPTED),
    "reject": (frozenset({S.SUBMITTED, S.ACCEPTED}), S.REJECTED),
    "withdraw": (frozenset({S.SUBMITTED, S.ACCEPTED}), S.WITHDRAWN),
    "dispatch": (frozenset({S.SUBMITTED, S.ACCEPTED}), S.DISPATCHED),
    "sign": (frozenset({S.DISPATCHED}), S.SIGNED),
    "transfer": (frozenset({S.DISPATCHED, S.SIGNED}), S.DISPATCHED),
    "return": (frozenset({S.DISPATCHED, S.SIGNED}), S.ACCEPTED),
    "reply": (frozenset({S.SIGNED}), S.REPLIED),
    "evaluate": (frozenset({S.REPLIED}), S.EVALUATED),
    "reopen": (frozenset({S.EVALUATED}), S.DISPATCHED),
    "close": (frozenset({S.REPLIED, S.EVALUATED}), S.CLOSED),
    "merge": (frozenset({S.SUBMITTED, S.ACCEPTED, S.DISPATCHED}), S.MERGED),
    # 撤销并单: a message merged by mistake waits in the dispatcher's queue again (受理, 待派单)
    "unmerge": (frozenset({S.MERGED}), S.ACCEPTED),
}

# Moves that leave the status as it is but still require one of these statuses.
IN_PLACE: dict[str, frozenset[str]] = {
    "request_extension": frozenset({S.DISPATCHED, S.SIGNED}),
    "decide_extension": frozenset({S.DISPATCHED, S.SIGNED}),
    "supervise": frozenset({S.ACCEPTED, S.DISPATCHED, S.SIGNED, S.REPLIED, S.EVALUATED}),
    "assist_note": frozenset({S.DISPATCHED, S.SIGNED}),
    # 内部备注: whenever someone who may write one sees the case (actions.do_internal_note says who)
    "note": frozenset(S),
    # 指派承办人: while a unit holds the case (its assignment is active)
    "assign_handler": frozenset({S.DISPATCHED, S.SIGNED}),
}


RACED = "该留言刚刚被其他人处理过, 请刷新页面后查看最新状态"


class IllegalMove(Exception):
    """The action is not allowed from the message's current status."""


class Conflict(Exception):
    """Someone else changed the message since it was read."""


class MovedOn(Exception):
    """A refusal because the case is no longer where the caller read it: its status takes no such action
    (WrongStatus) or it moved meanwhile (Raced). The pages and the API say where it is now
    (actions.where_now), keeping the refusal's code."""


class WrongStatus(MovedOn, IllegalMove):
    pass


class Raced(MovedOn, Conflict):
    pass


ACTION_LABELS = {
    "accept": "审核通过", "reject": "不予受理", "withdraw": "撤回", "dispatch": "派单", "sign": "签收",
    "transfer": "转办", "return": "退单", "reply": "答复", "evaluate": "评价", "reopen": "重办",
    "close": "办结", "merge": "并单", "unmerge": "撤销并单", "request_extension": "申请延期", "decide_extension": "审批延期",
    "supervise": "督办", "assist_note": "协办意见", "note": "写内部备注",
    "assign_handler": "指派承办人",
}


def allowed(action: str, status: str) -> bool:
    if action in TRANSITIONS:
        return status in TRANSITIONS[action][0]
    return status in IN_PLACE[action]


def reachable(status: str) -> set[str]:
    """Every status a message in ``status`` can reach by moves (itself included)."""
    seen, todo = {status}, [status]
    while todo:
        current = todo.pop()
        for sources, target in TRANSITIONS.values():
            if current in sources and target not in seen:
                seen.add(target)
                todo.append(target)
    return seen


def public_for_good(status: str) -> bool:
    """Whether a message in ``status`` is public and no move can take it out of public view again:
    办结 only (a dispatched case can still be 退单 and then 不予受理 or withdrawn, a merged one 撤销并单)."""
    return reachable(status) <= Status.public()


def check_allowed(action: str, status: str) -> None:
    if not allowed(action, status):
        raise WrongStatus(f"当前状态为「{Status(status).label}」, 不能{ACTION_LABELS[action]}")


def transition(message, action: str, **fields) -> None:
    """Move ``message`` by ``action``; ``fields`` are saved in the same UPDATE.

    Raises IllegalMove when the action is not legal from the status the caller read,
    and Conflict when the row changed since it was read (someone acted first)."""
    from .models import Message

    check_allowed(action, message.status)
    to_status = TRANSITIONS[action][1] if action in TRANSITIONS else message.status
    updated = Message.objects.filter(pk=message.pk, status=message.status, version=message.version).update(
        status=to_status, version=message.version + 1, **fields
    )
    if updated != 1:
        raise Raced(RACED)
    # a hotspot shows only what is public, counts only what stands, and reads its 老大难 and
    # coordination flags from its members' answers, ratings and units: it follows every move
    # once it commits (the hourly refresh recomputes only hotspots with a message in 270 days)
    refresh_hotspot(message.pk)
    message.status = to_status
    message.version += 1
    for name, value in fields.items():
        setattr(message, name, value)


def refresh_hotspot(message_pk: int) -> None:
    """Recompute the hotspot of a message (its support count or its status changed) after
    the transaction commits, not only at the hourly refresh: a task on the ml queue, so that a
    large hotspot (a few milliseconds per member) never holds up the officer's or citizen's
    request, and once per transaction however many of its messages moved
    (``hotspots_service.refresh_after_commit``)."""
    from minsheng.insight.hotspots_service import refresh_after_commit

    refresh_after_commit(message_pk)
