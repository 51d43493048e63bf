"""Verification codes, SMS notices and the pluggable senders that deliver them.

``settings.MINSHENG_CODE_SENDER`` names the sender class of codes (dotted path), and
``settings.MINSHENG_SMS_SENDER`` that of SMS notices (none when empty). A deployment plugs
in its SMS gateway by writing a class with ``send(target, code, purpose)`` and/or
``send_text(phone, text)``; the demo prints on the console, tests collect in memory.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
import sys

from django.conf import settings
from django.core.mail import send_mail
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from .models import PHONE, TextNotice, VerificationCode

log = logging.getLogger(__name__)

CODE_TTL = dt.timedelta(minutes=10)
RESEND_AFTER = dt.timedelta(seconds=60)
MAX_ATTEMPTS = 5  # wrong guesses of one code
# codes sent to one phone or email for one purpose are capped over 24 hours (settings
# MINSHENG_CODES_PER_DAY per requesting address, MINSHENG_CODES_PER_TARGET_DAY from all): with a new
# code each minute and five guesses each, a 6-digit reset code fell to 7,200 guesses a day (0.7%), and
# a victim's phone took a code a minute for as long as someone pressed 获取验证码
CODES_WINDOW = dt.timedelta(days=1)
ADDRESS_WINDOW = dt.timedelta(hours=1)  # MINSHENG_CODES_PER_ADDRESS_HOUR
PURPOSE_LABELS = {"register": "注册", "reset": "重置密码", "rebind": "更换手机号或邮箱"}
# the purposes whose codes go to a number or email no account holds count against one another's limits
# per target: a stranger (with an account of their own) pressing 获取验证码 at 注册 and 更换手机号或邮箱
# sent someone's phone two texts a minute and twice the daily ceiling
COUNTED_WITH = {"register": ("register", "rebind"), "rebind": ("register", "rebind")}


class CodeSender:
    def send(self, target: str, code: str, purpose: str) -> None:
        raise NotImplementedError


class ConsoleSender(CodeSender):
    """Prints the code (the demo's stand-in for an SMS gateway)."""

    def send(self, target, code, purpose):
        print(f"[minsheng] {PURPOSE_LABELS.get(purpose, purpose)}验证码 → {target}: {code}", file=sys.stdout, flush=True)

    def send_text(self, phone, text):
        print(f"[minsheng] 短信 → {phone}: {text}", file=sys.stdout, flush=True)


class EmailSender(ConsoleSender):
    """Emails codes to email addresses (Django's email backend); phones go to the console."""

    def send(self, target, code, purpose):
        if "@" not in target:
            return super().send(target, code, purpose)
        label = PURPOSE_LABELS.get(purpose, purpose)
        send_mail(f"【民声】{label}验证码", f"您的{label}验证码是 {code}, 10 分钟内有效。", None, [target])


class MemorySender(CodeSender):
    """Keeps sent codes in ``outbox`` (for tests)."""

    outbox: list[tuple[str, str, str]] = []
    texts: list[tuple[str, str]] = []  # SMS notices: (phone, text)

    def send(self, target, code, purpose):
        MemorySender.outbox.append((target, code, purpose))

    def send_text(self, phone, text):
        MemorySender.texts.append((phone, text))


class CodeError(Exception):
    """A code could not be sent or did not match (message is shown to the user)."""


# the method the class each setting names must have
SENDER_METHODS = {"MINSHENG_CODE_SENDER": "send(target, code, purpose)", "MINSHENG_SMS_SENDER": "send_text(phone, text)"}


class SenderError(Exception):
    """A sender setting names no class that can send (the message says which and why, in Chinese)."""


def sender_class(setting: str) -> type:
    """The class ``settings.<setting>`` names, checked to have its method (SENDER_METHODS)."""
    path, method = getattr(settings, setting), SENDER_METHODS[setting]
    try:
        cls = import_string(path)
    except ImportError as exc:
        raise SenderError(f"{setting}={path!r} 无法导入: {exc}") from None
    if not callable(getattr(cls, method.partition("(")[0], None)):
        raise SenderError(f"{setting}={path!r} 没有 {method} 方法")
    return cls


def get_sender() -> CodeSender:
    return sender_class("MINSHENG_CODE_SENDER")()


def digest(target: str, purpose: str, code: str) -> str:
    """What is stored of a code: an HMAC keyed with SECRET_KEY, bound to target and purpose,
    so a copy of the table does not reveal codes that are still valid."""
    from django.utils.crypto import salted_hmac

    return salted_hmac("minsheng.verification-code", f"{purpose}:{target}:{code}", algorithm="sha256").hexdigest()


def limit_until(sent_before, now, limit: int, window: dt.timedelta = CODES_WINDOW) -> dt.datetime | None:
    """When a code may be sent again (local time, to the next whole minute), once ``limit``
    of ``sent_before`` (codes, or SMS notices) were sent in the last ``window`` (24 hours); None while
    one may now. The window rolls: the oldest of those codes leaving it frees one
    (「请明天再试」 told a citizen refused at 00:30 to come back when they would be refused again)."""
    sent = list(sent_before.filter(created_at__gt=now - window).order_by("-created_at")
                .values_list("created_at", flat=True)[:limit])
    if len(sent) < limit:
        return None
    free = timezone.localtime(sent[-1] + window)
    return free if free.second == free.microsecond == 0 else (free + dt.timedelta(minutes=1)).replace(
        second=0, microsecond=0)


def _try_after(until: dt.datetime) -> str:
    return f"请于 {until.month}月{until.day}日 {until:%H:%M} 后再试"


def _address_limit(address: str, now, codes) -> tuple[dt.datetime, str] | None:
    """(until, refusal) once ``MINSHENG_CODES_PER_ADDRESS_HOUR`` of ``codes`` went out at the request of
    ``address`` in the last hour; None while one may go (always for no address)."""
    if not address:
        return None
    limit = settings.MINSHENG_CODES_PER_ADDRESS_HOUR
    until = limit_until(codes.filter(address=address), now, limit, ADDRESS_WINDOW)
    return None if until is None else (until, f"当前网络 1 小时内已获取 {limit} 次验证码, {_try_after(until)}")


def address_refusal(address: str, now=None) -> str:
    """Why no code may be sent to anyone at the request of ``address`` now ('' when one may; always
    for no address): ``MINSHENG_CODES_PER_ADDRESS_HOUR`` went out at its request in the last hour. One
    address cycling through phone numbers costs that many texts an hour."""
    limited = _address_limit(address, now or timezone.now(), VerificationCode.objects.all())
    return "" if limited is None else limited[1]


def refusal(target: str, purpose: str, address: str, now=None, before: int | None = None) -> str:
    """Why no code may be sent to ``target`` for ``purpose`` at the request of ``address`` now ('' when
    one may), counting the codes sent before the row ``before`` (all of them when None). Of the limits
    reached, the one that ends last is named: a citizen who asked ten times in an hour for their own
    phone was told the address's hour, and at its end met the phone's 24 hours."""
    now = now or timezone.now()
    codes = VerificationCode.objects.all() if before is None else VerificationCode.objects.filter(pk__lt=before)
    sent = codes.filter(target=target, purpose__in=COUNTED_WITH.get(purpose, (purpose,)))
    reached = []
    if last := sent.filter(created_at__gt=now - RESEND_AFTER).order_by("-created_at").first():
        reached.append((last.created_at + RESEND_AFTER, "验证码发送过于频繁, 请 60 秒后再试"))
    if limited := _address_limit(address, now, codes):
        reached.append(limited)
    # the daily cap counts per requesting address, so that a stranger pressing 获取验证码 for someone's
    # number spends their own share, not the owner's; the ceiling over all addresses bounds the texts
    for counted, limit in ((sent.filter(address=address), settings.MINSHENG_CODES_PER_DAY),
                           (sent, settings.MINSHENG_CODES_PER_TARGET_DAY)):
        if (until := limit_until(counted, now, limit)) is not None:
            reached.append((until, f"该手机号或邮箱 24 小时内已获取 {limit} 次验证码, {_try_after(until)}"))
    return max(reached, key=lambda r: r[0])[1] if reached else ""


def issue_code(target: str, purpose: str, now=None, address: str = "") -> VerificationCode:
    """Create and send a 6-digit code; at most one per minute per target and purpose, and no more
    than the MINSHENG_CODES_PER_* settings allow to it and to the requesting ``address``
    (limits.client_address; "" when not asked over HTTP)."""
    now = now or timezone.now()
    address = address[:VerificationCode._meta.get_field("address").max_length]
    if refused := refusal(target, purpose, address, now):
        raise CodeError(refused)
    code = f"{secrets.randbelow(10**6):06d}"
    row = None
    try:
        sender = get_sender()
        row = VerificationCode.objects.create(target=target, code=digest(target, purpose, code), purpose=purpose,
                                              address=address)
        # asked again once the row is in: requests sent at once (several workers) each passed the look
        # above before any wrote its row, and each sent a code, past the limits; of those now in, the
        # first is sent and the others are refused
        if refused := refusal(target, purpose, address, now, before=row.pk):
            row.delete()
            raise CodeError(refused)
        sender.send(target, code, purpose)
    except CodeError:
        raise
    except Exception:  # a misconfigured or failing gateway: logged, the user gets a clear line
        log.exception("code sender %s failed for %s", settings.MINSHENG_CODE_SENDER, target)
        if row is not None:
            row.delete()
        raise CodeError("验证码发送失败, 请稍后再试") from None
    return row


def check_code(target: str, purpose: str, code: str, now=None, peek: bool = False) -> None:
    """Consume the latest valid code for target/purpose, or raise CodeError. With ``peek`` (a form
    refused for another mistake) a wrong code is counted and refused as ever, a right one is left
    unused and uncounted for the form sent again."""
    now = now or timezone.now()
    row = (VerificationCode.objects.filter(target=target, purpose=purpose, used_at__isnull=True,
                                           created_at__gt=now - CODE_TTL)
           .order_by("-created_at").first())
    if row is None:
        used = VerificationCode.objects.filter(target=target, purpose=purpose, used_at__isnull=False,
                                               created_at__gt=now - CODE_TTL).exists()
        raise CodeError("验证码已使用, 请重新获取" if used else "验证码已过期或尚未发送, 请重新获取")
    # the guess is counted before it is compared, in one statement: guesses sent at once (several
    # workers) each read the count before any wrote it, and went on guessing past MAX_ATTEMPTS
    counted = VerificationCode.objects.filter(pk=row.pk, attempts__lt=MAX_ATTEMPTS).update(
        attempts=F("attempts") + 1)
    if not counted:
        raise CodeError("验证码错误次数过多, 请重新获取")
    if not secrets.compare_digest(row.code, digest(target, purpose, (code or "").strip())):
        raise CodeError("验证码不正确")
    if peek:
        VerificationCode.objects.filter(pk=row.pk).update(attempts=F("attempts") - 1)
        return
    updated = VerificationCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)
    if not updated:
        raise CodeError("验证码已使用, 请重新获取")


def sms_phone(user) -> str | None:
    """The phone an SMS notice to ``user`` goes to, None when none may: no MINSHENG_SMS_SENDER, or
    no mainland mobile number (an account made by an Open311 request may hold a landline or a
    foreign number, which the gateway cannot text: each notice failed four times)."""
    phone = user.phone or ""
    return phone if settings.MINSHENG_SMS_SENDER and PHONE.match(phone) else None


def text_notice_allowed(phone: str, now=None) -> TextNotice | None:
    """A new SMS notice to ``phone``, counted, or None when ``MINSHENG_SMS_PER_DAY`` went to it in
    the last 24 hours (a loop of actions, or a case bounced to and fro, does not flood a phone).
    Counted once its row is in, against the rows before it, as ``issue_code`` counts codes: notices
    sent at once by several workers do not all pass."""
    now = now or timezone.now()
    row = TextNotice.objects.create(phone=phone, created_at=now)
    until = limit_until(TextNotice.objects.filter(phone=phone, pk__lt=row.pk), now, settings.MINSHENG_SMS_PER_DAY)
    if until is not None:
        row.delete()
        log.warning("SMS notice to %s not sent: %d sent in 24 hours, the most MINSHENG_SMS_PER_DAY allows",
                    phone, settings.MINSHENG_SMS_PER_DAY)
        return None
    return row


def send_text_notice(notice: TextNotice, text: str) -> None:
    """Hand ``text`` to the SMS gateway (``MINSHENG_SMS_SENDER``) for ``notice``'s phone; raises what
    the gateway raised (the notify task retries)."""
    sender_class("MINSHENG_SMS_SENDER")().send_text(notice.phone, text)
    TextNotice.objects.filter(pk=notice.pk).update(sent=True)
