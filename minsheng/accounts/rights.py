"""A citizen's rights over their personal information (个人信息保护法 arts. 45, 47; the privacy
notice at /privacy/): a copy of what the site keeps of them (我的数据) and closing the account
(注销账号). The pages (accounts.views) and the API (api.views.citizen) call these."""

from __future__ import annotations

import secrets

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from minsheng.board.actions import Invalid

from . import limits
from .models import TextNotice, User, VerificationCode
from .roles import roles_of

# the privacy notice's version (/privacy/ shows it): a new one, when the notice changes what it says is
# done with personal data, asks each citizen's consent again at their next sign-in (consent_due)
PRIVACY_VERSION = "2026-12-05"

STAFF_REFUSAL = "工作人员和平台管理员的账号不能自行注销: 请联系平台管理员停用账号"
NO_PASSWORD = "您的账号尚未设置密码: 请先在「忘记密码」页用手机号或邮箱获取验证码设置密码, 再注销账号"
WRONG_PASSWORD = "密码不正确"


def is_staff_account(user) -> bool:
    """A staff member's or an admin's account (any role, ``is_staff``): their use of it is governed by
    their employment, not by the citizen's consent and rights."""
    return user.is_staff or user.is_superuser or roles_of(user).is_staff_member


def consent_due(user) -> bool:
    """Whether ``user``, a citizen, has not consented to this version of the privacy notice: asked
    after a password sign-in (accounts.views.consent)."""
    return user.privacy_version != PRIVACY_VERSION and not is_staff_account(user)


def record_consent(user, at=None) -> None:
    """Note on ``user`` (saved by the caller) their consent to this version of the notice."""
    user.privacy_consented_at, user.privacy_version = at or timezone.now(), PRIVACY_VERSION


def close_refusal(user) -> str | None:
    """Why ``user`` may not close their own account, or None. Staff and admins are closed by an
    administrator (their cases and roles are the administration's to hand over)."""
    if is_staff_account(user):
        return STAFF_REFUSAL
    if not user.has_usable_password():  # an account an Open311 request made: no password to confirm with
        return NO_PASSWORD
    return None


def check_close_account(user, password: str, request=None) -> int:
    """注销账号 after checking the refusals and the password (PermissionDenied for staff,
    board.actions.Invalid for the password); returns how many messages stay on record. The password
    counts as a sign-in (limits.password_refusal, by account and by ``request``'s address)."""
    refusal = close_refusal(user)
    if refusal == STAFF_REFUSAL:
        raise PermissionDenied(refusal)
    if refusal:
        raise Invalid(refusal, field="password")
    if not password:
        raise Invalid("请输入密码", field="password")
    if problem := limits.password_refusal(request, user, password, WRONG_PASSWORD):
        raise Invalid(problem, field="password")
    return do_close_account(user)


def do_close_account(user, at=None) -> int:
    """Wipe ``user``'s personal data and close the account for good; their messages stay on record
    for the government, named 「已注销用户」, without contact data, with an internal 「留言人注销账号」
    in each case's history. Precondition: ``close_refusal(user)`` is None. Returns how many
    messages were kept."""
    from minsheng.api.models import IdempotencyKey
    from minsheng.board.models import Event, Message, Notification
    from minsheng.board.moderation import real_name

    now = at or timezone.now()
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.closed_at:
            return 0
        phone, email = user.phone, user.email
        messages = Message.objects.filter(author=user)
        # a person's name as 昵称 was hidden in their anonymous messages wherever they wrote it: it still is
        if names := real_name(user.display_name):
            messages.filter(show_name=False).update(hidden_name=names[0])
        message_ids = list(messages.values_list("pk", flat=True))
        messages.update(contact_phone="", contact_email="", contact_name="")
        Event.objects.bulk_create([Event(message_id=pk, kind=Event.Kind.ACCOUNT_CLOSED, actor=user, public=False,
                                         at=now) for pk in message_ids])
        Notification.objects.filter(user=user).delete()
        IdempotencyKey.objects.filter(user=user).delete()
        targets = [t for t in (phone, email) if t]
        VerificationCode.objects.filter(target__in=targets).delete()
        TextNotice.objects.filter(phone__in=targets).delete()
        user.username = f"closed-{secrets.token_hex(8)}"  # unique, and names nobody
        user.phone, user.email, user.display_name, user.first_name, user.last_name = None, "", "", "", ""
        user.phone_verified = user.email_verified = user.sms_notices = False
        user.set_unusable_password()  # every session ends (the session auth hash changes)
        user.is_active, user.closed_at = False, now
        user.save()  # revokes the API tokens (User.save)
    return len(message_ids)


def my_data(user) -> dict:
    """我的数据: what the site keeps of ``user`` as they may see it themselves — the account, their
    messages as their own pages show them (the text as written, public replies and steps, their
    ratings and reopen requests: no internal note, no staff name), what they supported, their
    site inbox and API tokens (never a key)."""
    from minsheng.api.serializers import ExportMessageSerializer
    from minsheng.api.views.base import own_detail_queryset
    from minsheng.board.models import Support

    def when(value):
        return value.isoformat() if value else None

    messages = own_detail_queryset().filter(author=user).order_by("submitted_at", "pk")
    supports = Support.objects.filter(user=user).select_related("message__author").order_by("created_at")
    return {
        "exported_at": when(timezone.now()),
        "account": {
            "username": user.username, "phone": user.phone or "", "email": user.email,
            "display_name": user.display_name, "phone_verified": user.phone_verified,
            "email_verified": user.email_verified, "sms_notices": user.sms_notices,
            "date_joined": when(user.date_joined), "last_login": when(user.last_login),
            "privacy_consented_at": when(user.privacy_consented_at), "privacy_version": user.privacy_version,
        },
        "messages": ExportMessageSerializer(messages, many=True).data,
        "supported": [{"public_id": s.message.public_id, "title": s.message.public_title,
                       "supported_at": when(s.created_at)}
                      for s in supports if s.message.is_public or s.message.author_id == user.pk],
        "notifications": [{"text": n.text, "created_at": when(n.created_at), "read_at": when(n.read_at)}
                          for n in user.notifications.order_by("created_at")],
        "api_tokens": [{"name": t.name, "key_prefix": t.key_prefix, "created_at": when(t.created_at),
                        "last_used_at": when(t.last_used_at), "revoked_at": when(t.revoked_at)}
                       for t in user.api_tokens.order_by("created_at")],
    }

