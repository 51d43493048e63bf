"""A citizen's rights over their personal information (个人信息保护法 arts. 45, 46, 47; the privacy
notice at /privacy/): a copy of what the site keeps of them (我的数据), correcting their phone or
email (更换手机号或邮箱) and closing the account (注销账号). The pages (accounts.views) and the API
(api.views.citizen) call these, and the admin (accounts.admin) a phone or email an administrator changes."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone

from minsheng.board.actions import Invalid

from . import limits
from .forms import TAKEN_BY_ANOTHER
from .models import PHONE, TextNotice, User, VerificationCode, canonical_phone, users_named
from .roles import roles_of

log = logging.getLogger(__name__)

# the privacy notice's version (/privacy/ shows it): a new one, when the notice changes what it says is
# done with personal data, asks each citizen's consent again on their next page (consent_due)
PRIVACY_VERSION = "2026-12-05"

STAFF_REFUSAL = "工作人员和平台管理员的账号不能自行注销: 请联系平台管理员停用账号"
REBIND_STAFF_REFUSAL = ("工作人员和平台管理员的手机号和邮箱由平台管理员管理 (工作人员名单导入或管理后台), "
                        "请联系平台管理员更改")
NO_PASSWORD = "您的账号尚未设置密码: 请先在「忘记密码」页用手机号或邮箱获取验证码设置密码, 再{doing}"
# what a user may do to their own account themselves: (its name, why staff may not)
OWN_CHANGES = {"close": ("注销账号", STAFF_REFUSAL), "rebind": ("更换手机号或邮箱", REBIND_STAFF_REFUSAL)}
WRONG_PASSWORD = "密码不正确"


def is_staff_account(user) -> bool:
    """A staff member's or an admin's account (any role, ``is_staff``): their use of it is governed by
    their employment, not by the citizen's consent and rights."""
    return user.is_staff or user.is_superuser or roles_of(user).is_staff_member


def consent_due(user) -> bool:
    """Whether ``user``, a citizen, has not consented to this version of the privacy notice: asked
    on their next page (accounts.views.consent). Cheap for one who has: the version is on the row
    (no query of their roles)."""
    return user.privacy_version != PRIVACY_VERSION and not is_staff_account(user)


def record_consent(user, at=None) -> None:
    """Note on ``user`` (saved by the caller) their consent to this version of the notice."""
    user.privacy_consented_at, user.privacy_version = at or timezone.now(), PRIVACY_VERSION


def own_change_refusal(user, change: str) -> str | None:
    """Why ``user`` may not make ``change`` (``OWN_CHANGES``) to their own account, or None. Staff and
    admins ask an administrator: their accounts are closed by one (their cases and roles are the
    administration's to hand over), their phone and email are the administration's (``import-staff``,
    the admin). An account an Open311 request made has no password to confirm with."""
    doing, staff_refusal = OWN_CHANGES[change]
    if is_staff_account(user):
        return staff_refusal
    if not user.has_usable_password():
        return NO_PASSWORD.format(doing=doing)
    return None


def refuse_close_account(user) -> None:
    """Raise why ``user`` may not close their account whatever password they give (PermissionDenied for
    staff, Invalid on ``password`` for an account without one): the API asks it before reading the body
    (since 2026-12-05: staff sending none read 「请输入当前密码」, then with it the 403)."""
    refusal = own_change_refusal(user, "close")
    if refusal == STAFF_REFUSAL:
        raise PermissionDenied(refusal)
    if refusal:
        raise Invalid(refusal, field="password")


def check_close_account(user, password: str, request=None) -> int:
    """注销账号 after checking the refusals and the password (PermissionDenied for staff,
    board.actions.Invalid for the password); returns how many messages stay on record. The password
    counts as a sign-in (limits.password_refusal, by account and by ``request``'s address)."""
    refuse_close_account(user)
    if not password:
        raise Invalid("请输入密码", field="password")
    if problem := limits.password_refusal(request, user, password, WRONG_PASSWORD):
        raise Invalid(problem, field="password")
    return do_close_account(user)


def do_close_account(user, at=None) -> int:
    """Wipe ``user``'s personal data and close the account for good; their messages stay on record
    for the government, named 「已注销用户」, without contact data, with an internal 「留言人注销账号」
    in each case's history. Precondition: ``own_change_refusal(user, "close")`` is None. Returns how many
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


def open_statuses() -> set[str]:
    """The statuses of a message someone may still act on (every one but 办结, 未受理, 已撤回): the
    ones whose contact follows the author's new phone or email."""
    from minsheng.board.workflow import Status, reachable

    return {s for s in Status if reachable(s) != {s}}


@dataclass
class Rebound:
    user: User  # as saved (its new password hash, revoked_tokens)
    kind: str  # "phone" or "email"
    old: str  # "" when the account had none
    messages: int  # open messages whose contact was changed


def rebind(user, target: str, password: str) -> Rebound:
    """更换手机号或邮箱: ``target`` (normalized, its code checked by the caller) becomes ``user``'s phone
    or email (``contact_changed`` says what follows). As a new password does, it ends the user's other
    sessions and revokes their API tokens: the password is hashed again (same password, new salt: the
    session auth hash changes; User.save revokes the tokens). Raises board.actions.Invalid when another
    account took ``target`` meanwhile."""
    kind = "phone" if canonical_phone(target) else "email"
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if users_named(target).exclude(pk=user.pk).exists():
            raise Invalid(TAKEN_BY_ANOTHER, field="identifier")
        old = getattr(user, kind) or ""
        setattr(user, kind, target)
        setattr(user, f"{kind}_verified", True)
        user.set_password(password)
        moved = contact_changed(user, {kind: old})
    return Rebound(user=user, kind=kind, old=old, messages=moved)


def contact_changed(user, olds: dict[str, str]) -> int:
    """What a changed phone or email does, the citizen's own (``rebind``) or an administrator's (the
    admin's user form, accounts.admin): ``user`` carries the new ones (normalized, checked by the
    caller as ``forms.check_new_identifier`` does), ``olds`` the ones they replace by kind ("" for none).
    In the caller's transaction: the user name follows when it was an old one — to the new one, or to
    the phone or email left when one is removed — so the old one signs in (and resets the password,
    and names the account to Open311) no more; ``user`` is saved. The contact of their open messages
    (``open_statuses``) that was the old one becomes the new one (none for one removed); closed ones keep
    theirs. After commit the old phone or email is told (``_tell_old``), or, when the account had none of that kind, the
    contact it had. Returns how many messages' contact moved; raises board.actions.Invalid when another
    account took a new one meanwhile."""
    from minsheng.board.models import Message

    for kind, old in olds.items():
        new = getattr(user, kind) or ""
        other = (user.email if kind == "phone" else user.phone) or ""
        if old and user.username.lower() == old.lower() and (new or other):
            user.username = new or other
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # another account took it between the look and the save
        raise Invalid(TAKEN_BY_ANOTHER, field="identifier") from None
    moved = 0
    for kind, old in olds.items():
        new = getattr(user, kind) or ""
        # one removed (the admin's: a lost SIM) is no one's to call back about the case: the unit has the other
        # (review 2026-12-05: the old number stayed their contact)
        field = f"contact_{kind}"
        still_open = Message.objects.filter(author=user, status__in=open_statuses(), **{field: old})
        moved += still_open.update(**{field: new})
        if old:
            transaction.on_commit(partial(_tell_old, kind, old, REBIND_NOTICE[kind]))
        elif other := (user.email if kind == "phone" else user.phone):
            # a phone added to an email account (or the reverse) signs in and resets the password as
            # well: the contact the account had is told, or a stolen session's new one went unnoticed
            other_kind = "email" if kind == "phone" else "phone"
            transaction.on_commit(partial(_tell_old, other_kind, other, REBIND_ADDED[kind]))
    return moved


REBIND_NOTICE = {"phone": "【民声】您的民声账号已更换手机号，本号码不能再用于登录。如非本人操作，请尽快联系平台。",
                 "email": "您的民声账号已更换邮箱，本邮箱不能再用于登录。如非本人操作，请尽快联系平台。"}
REBIND_ADDED = {"phone": "您的民声账号已绑定手机号，可用它登录和找回密码。如非本人操作，请尽快修改密码并联系平台。",
                "email": "【民声】您的民声账号已绑定邮箱，可用它登录和找回密码。如非本人操作，请尽快修改密码并联系平台。"}


def _tell_old(kind: str, old: str, text: str) -> None:
    """Tell the phone or email an account left that it did, or the one it kept that another was added
    (``text``; a taken account's owner learns of it): an SMS through MINSHENG_SMS_SENDER (within
    MINSHENG_SMS_PER_DAY; logged when none is set or the number cannot be texted), an email through Django's mail. A failure is logged and undoes nothing."""
    from .senders import send_text_notice, text_notice_allowed

    try:
        if kind == "email":
            body = text.removeprefix("【民声】")
            send_mail(f"【民声】{body.split('，')[0]}", body, None, [old])
        elif not (settings.MINSHENG_SMS_SENDER and PHONE.match(old)):
            log.info("account phone changed from %s: no SMS notice (no MINSHENG_SMS_SENDER)", old)
        elif notice := text_notice_allowed(old):
            send_text_notice(notice, text)
    except Exception:
        log.exception("notice of the account's changed contact to %s %s failed", kind, old)


def my_data(user) -> dict:
    """我的数据: what the site keeps of ``user`` as they may see it themselves — the account, their
    messages as their own pages show them (the text as written, public replies and steps, their
    ratings and reopen requests: no internal note, no staff name), what they supported, their
    site inbox and API tokens (never a key)."""
    from minsheng.api.serializers import ExportMessageSerializer
    from minsheng.api.views.base import own_detail_queryset
    from minsheng.board.models import Support

    def when(value):  # Beijing time (TIME_ZONE) with its offset, as the messages in it and the API give times
        return timezone.localtime(value).isoformat() if value else None

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
        "api_tokens": [{"name": t.name, "key_prefix": t.key_prefix, "scope": t.scope, "created_at": when(t.created_at),
                        "last_used_at": when(t.last_used_at), "revoked_at": when(t.revoked_at)}
                       for t in user.api_tokens.order_by("created_at")],
    }

