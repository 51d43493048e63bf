"""Notifications: a site-inbox row for each recipient, and an email (console backend
in the demo) sent after commit. Called by actions via transaction.on_commit."""

from __future__ import annotations

import logging

from django.core.mail import send_mail
from django.urls import reverse

from minsheng.accounts.models import Membership

from .models import Message, Notification, Support

log = logging.getLogger(__name__)


def _send(user, message, kind: str, text: str, email: bool = True) -> None:
    Notification.objects.create(user=user, message=message, kind=kind, text=text[:300])
    if email and user.email:
        try:
            link = reverse("board:message", args=[message.public_id]) if message else ""
            send_mail(f"【民声】{text[:60]}", f"{text}\n\n{link}", None, [user.email], fail_silently=False)
        except Exception:  # mail trouble never undoes the action
            log.exception("email to %s failed", user.pk)


# Notes that send a person to the staff case page; the others go to the public page.
STAFF_KINDS = frozenset({"case_arrived", "due_soon", "supervised", "returned", "extension_requested"})


def _citizen(message, kind, text):
    _send(message.author, message, kind, f"您的留言「{message.title}」{text}")


def _followers(message, kind, text):
    """The others waiting for this message's answer: the authors of messages merged into
    it (their pages show its reply) and everyone who said 我也遇到 on it or on them."""
    merged = list(Message.objects.filter(duplicate_of=message).select_related("author"))
    told = {message.author_id}
    for m in merged:
        if m.author_id not in told:
            told.add(m.author_id)
            _send(m.author, m, kind, f"您的留言「{m.title}」已与「{message.title}」合并办理, {text}")
    supports = Support.objects.filter(message__in=[message, *merged]).select_related("user").order_by("created_at")
    for s in supports:
        if s.user_id not in told:
            told.add(s.user_id)
            _send(s.user, message, kind, f"您也遇到的问题「{message.title}」{text}")


def dispatched(message):
    _citizen(message, "dispatched", "已交由相关单位办理")


def replied(message):
    _citizen(message, "replied", "已收到答复, 欢迎评价")
    _followers(message, "replied", "已收到答复")


def closed(message):
    _citizen(message, "closed", "已办结")
    _followers(message, "closed", "已办结")


def rejected(message):
    _citizen(message, "rejected", f"未予受理: {message.reject_reason}")


def supervised(message):
    for a in message.assignments.filter(state="active").select_related("unit"):
        _unit(a.unit, message, "supervised", f"留言「{message.title}」已被督办: {message.supervision_note}")


def _unit(unit, message, kind, text, email=True):
    staff = Membership.objects.filter(unit=unit, role__in=[Membership.Role.OFFICER, Membership.Role.HEAD])
    for m in staff.select_related("user"):
        _send(m.user, message, kind, text, email=email)


def _regional(message, role: str):
    """The dispatchers (or supervisors) of the message's region: those of the nearest region
    above it (itself included) that has any — the local 12345 centre, not every level."""
    members = [m for m in Membership.objects.filter(role=role, region__isnull=False).select_related("user", "region")
               if message.region.code.startswith(m.region.prefix)]
    nearest = max((len(m.region.prefix) for m in members), default=0)
    return [m.user for m in members if len(m.region.prefix) == nearest]


def case_arrived(assignment):
    if assignment.role == "lead":
        text = f"新主办件: 「{assignment.message.title}」, 请于期限前签收办理"
    else:  # an assisting unit does not sign; it helps the lead unit
        text = f"新协办件: 「{assignment.message.title}」, 请配合主办单位办理, 可在案件页填写协办意见"
    _unit(assignment.unit, assignment.message, "case_arrived", text)


def returned(message, unit, reason: str):
    for user in _regional(message, Membership.Role.DISPATCHER):
        _send(user, message, "returned", f"{unit.name} 退回了留言「{message.title}」, 请重新派单。理由: {reason}")


def extension_requested(extension):
    a = extension.assignment
    for user in _regional(a.message, Membership.Role.SUPERVISOR):
        _send(user, a.message, "extension_requested",
              f"{a.unit.name} 申请将留言「{a.message.title}」延期 {extension.days} 个工作日, 请审批。理由: {extension.reason}")


def due_tomorrow(assignment):
    _unit(assignment.unit, assignment.message, "due_soon",
          f"留言「{assignment.message.title}」将于下一个工作日到期, 请尽快答复")
