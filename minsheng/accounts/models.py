"""Users (citizens and staff), staff memberships with roles, verification codes."""

from __future__ import annotations

import re
import unicodedata

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Concat, Lower, Replace, Substr
from django.db.models.lookups import StartsWith
from django.utils import timezone
from django.utils.crypto import salted_hmac

from .phones import EXTENSION_CHARACTERS, split_extension

# how a closed account (注销) is named wherever its holder would be
CLOSED_NAME = "已注销用户"
# an account an administrator switched off (停用, is_active unticked; since 2026-12-07): said to whoever gives its right
# password (forms.LoginForm), on the sign-in page a browser signed in to it is led to (views.closed_meanwhile), and to
# its API token (api.authentication)
INACTIVE_NOTICE = "该账号已被停用, 如有疑问请联系管理员"


class User(AbstractUser):
    """Citizens sign in with a phone number or an email; ``username`` mirrors the
    identifier they registered with."""

    phone = models.CharField("手机号", max_length=20, unique=True, null=True, blank=True)
    display_name = models.CharField("昵称", max_length=30, blank=True)
    phone_verified = models.BooleanField(default=False)
    email_verified = models.BooleanField(default=False)
    sms_notices = models.BooleanField("短信通知", default=True,
                                      help_text="留言有答复或未予受理时发短信到手机号 (MINSHENG_SMS_SENDER)")
    # 注销账号 (accounts.rights.do_close_account): the account's personal data are wiped, its messages stay
    closed_at = models.DateTimeField("注销时间", null=True, blank=True, editable=False)
    # consent to the privacy notice (个人信息保护法 art. 14): when, and to which version of it
    # (accounts.rights.PRIVACY_VERSION); empty for an account that never gave it (Open311, or before 2026-12-05)
    privacy_consented_at = models.DateTimeField("同意隐私政策时间", null=True, blank=True, editable=False)
    privacy_version = models.CharField("同意的隐私政策版本", max_length=20, blank=True, default="", editable=False)
    # the name it shows (__str__) in pinyin (accounts.names.name_key), kept by save(): 承办人 are listed by it
    # (本单位待办's 承办人 column, the 指派 lists, 本单位办理情况), since 2026-12-05; before, by character code
    name_key = models.CharField("姓名拼音排序键", max_length=200, blank=True, default="", editable=False)

    objects = UserManager()

    def __str__(self) -> str:
        return CLOSED_NAME if self.closed_at else self.display_name or self.username

    # what __str__ reads: a new value of one of them is a new name_key
    NAME_FIELDS = ("display_name", "username", "closed_at")

    def key_name(self) -> None:
        """Set ``name_key`` to the pinyin of the name the account shows (__str__)."""
        from minsheng.accounts.names import name_key

        self.name_key = name_key(str(self))

    # what the account is signed in with (backends.PhoneOrEmailBackend, find_user): a new one ends its sessions
    SIGN_IN_FIELDS = ("username", "phone", "email")

    def sign_in_names(self) -> str:
        """The names the account signs in with, as one string."""
        return "\n".join(_sign_in_name(self, name) for name in self.SIGN_IN_FIELDS)

    def get_session_auth_hash(self):
        """Django's session auth hash, of the password hash and (since 2026-12-05) the names the account
        signs in with: a session begun before either changed is no longer this user's (Django's
        ``get_user`` ends it on its next request). 修改密码 and 更换手机号或邮箱 keep their own browser
        with ``update_session_auth_hash``; the admin too, when an administrator changes their own."""
        return self._session_auth_hash(settings.SECRET_KEY)

    def get_session_auth_fallback_hash(self):
        for secret in settings.SECRET_KEY_FALLBACKS:  # as Django's own: sessions of a key being rotated out
            yield self._session_auth_hash(secret)

    def _session_auth_hash(self, secret):
        key_salt = "minsheng.accounts.models.User.get_session_auth_hash"
        return salted_hmac(key_salt, f"{self.password}\n{self.sign_in_names()}", secret=secret,
                           algorithm="sha256").hexdigest()

    def save(self, *args, **kwargs):
        """A new password (reset, change, the admin's 修改密码, ``changepassword``) revokes the
        user's personal API tokens, as it ends their other sessions (the session auth hash
        changes). ``_password`` is set by ``set_password`` and not by the rehash on sign-in
        when Django's hasher changes (which keeps the password). A new name to sign in with
        (``SIGN_IN_FIELDS``: the admin's user form, ``import-staff``, 更换手机号或邮箱) revokes them
        too, as it ends the sessions (since 2026-12-05); one given where the account had none ends the
        sessions and keeps the tokens (nothing lost could hold them). Deactivating the account (the admin's 有效
        unticked) revokes them too: reactivating it brings none back. ``revoked_tokens`` says how
        many were revoked, for the page to tell; ``signed_out`` whether the sessions ended. The name
        shown is written with its ``name_key`` (NAME_FIELDS; since 2026-12-05), and only then read in pinyin: a
        save of other fields alone (update_fields: signing in's last_login) reads none (since 2026-12-05, later)."""
        new_password = self.pk is not None and self._password is not None
        update_fields = kwargs.get("update_fields")
        # only a save that writes the name reads its pinyin: signing in (last_login alone) reads none
        if update_fields is None or set(update_fields) & set(self.NAME_FIELDS):
            self.key_name()
            if update_fields is not None:
                kwargs["update_fields"] = update_fields = [*update_fields, "name_key"]
        written = set(update_fields) if update_fields is not None else {"is_active", *self.SIGN_IN_FIELDS}
        names = [name for name in self.SIGN_IN_FIELDS if name in written]
        was = None
        if self.pk is not None and (names or "is_active" in written and not self.is_active):
            was = User.objects.filter(pk=self.pk).only("is_active", *names).first()
        deactivated = was is not None and "is_active" in written and was.is_active and not self.is_active
        changed = [name for name in names if was is not None and _sign_in_name(was, name) != _sign_in_name(self, name)]
        # one given where there was none (a phone filled in by import-staff) replaces nothing a lost device
        # holds: the sessions end (the hash covers it), the tokens stay (review 2026-12-05: a unit's script lost its)
        replaced = any(_sign_in_name(was, name) for name in changed)
        super().save(*args, **kwargs)
        self.signed_out, self.revoked_tokens = new_password or bool(changed), 0
        if new_password or replaced or deactivated:
            self.revoked_tokens = self.api_tokens.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())

    @property
    def public_name(self) -> str:
        if self.closed_at:
            return CLOSED_NAME
        return self.display_name or (self.username[:3] + "***")

    # roles are resolved once per request by minsheng.accounts.roles
    def memberships_cached(self):
        if not hasattr(self, "_memberships"):
            self._memberships = list(self.memberships.select_related("unit", "region"))
        return self._memberships


def _sign_in_name(user, field: str) -> str:
    value = getattr(user, field) or ""
    return value.lower() if field == "email" else value  # an email in any case is the same one (users_named)


PHONE = re.compile(r"^1[3-9]\d{9}$")
# what is written between a phone number's digits, any other whitespace too: 138 0000 0001, 0931-8123456, (0931)8123456;
# the one set every reading of a number drops (sign-in, Open311's phone, the staff lists' 查找)
PHONE_SEPARATORS = " -()"
_PHONE_SEPARATED = re.compile(r"[\s" + re.escape(PHONE_SEPARATORS) + "]")
_FROM_ABROAD = ("+86", "0086")  # China's country code, as a number is written for a caller abroad


def phone_compact(raw: str | None) -> str:
    """``raw`` without its PHONE_SEPARATORS and whitespace, full-width characters as ASCII (NFKC): 「（0931）812 3456」
    is 「09318123456」, 「+86 138-0000-0001」 「+8613800000001」."""
    return _PHONE_SEPARATED.sub("", unicodedata.normalize("NFKC", raw or ""))


def national_phone(raw: str | None) -> str:
    """The number ``raw`` is as dialled inside China (phone_compact, then a +86 or 0086 read off): a mobile its 11
    digits, another number its 0 before the area code (+86 931 8123457 is 09318123457, +86 0931… stays 0931…);
    an extension is no part of it (phones.split_extension: 0931-8123456转802 is 09318123456, since 2026-12-08)."""
    value = phone_compact(split_extension(raw)[0])
    for prefix in _FROM_ABROAD:
        if value.startswith(prefix):
            rest = value[len(prefix):]
            return rest if PHONE.match(rest) or rest.startswith("0") else "0" + rest
    return value




def national_phone_sql(field: str, extension: bool = False):
    """national_phone of the stored ``field`` (Open311 keeps a landline as sent: 0931-8123456, +86 931 8123457), in
    the database, for matching its end: its separators dropped, a +86 or 0086 read as the 0 of the area code (a mobile
    is stored as its 11 digits already, and its end is the same either way). With ``extension`` the words before an
    extension are dropped too, its digits read after the number's (0931-8123456转802 is 09318123456802:
    phones.split_extension's two together): dearer, for the rows that may hold one (staff.queue_condition)."""
    value = Lower(F(field)) if extension else F(field)
    for separator in (*PHONE_SEPARATORS, *(EXTENSION_CHARACTERS if extension else ())):
        value = Replace(value, Value(separator), Value(""))
    return Case(*(When(StartsWith(value, Value(prefix)), then=Concat(Value("0"), Substr(value, len(prefix) + 1)))
                  for prefix in _FROM_ABROAD), default=value, output_field=models.CharField())


def canonical_phone(raw: str | None) -> str | None:
    """The 11-digit mainland mobile number in what someone typed (full-width digits,
    spaces, dashes, brackets, a +86 or 0086 prefix), or None when it is not one (one with an extension,
    13800000001转802, is none: a mobile has no 分机, and no sign-in code reaches one)."""
    if split_extension(raw)[1]:
        return None
    value = national_phone(raw)
    return value if PHONE.match(value) else None


def users_named(identifier: str | None):
    """The accounts a phone number (typed as at registration: +86, spaces, dashes), an email
    (any case) or a user name names (a queryset; none for an empty one)."""
    identifier = (identifier or "").strip()
    if not identifier:
        return User.objects.none()
    identifier = canonical_phone(identifier) or identifier
    return User.objects.filter(Q(phone=identifier) | Q(email__iexact=identifier) | Q(username=identifier))


def find_user(identifier: str | None):
    """The account ``identifier`` names (``users_named``), or None."""
    return users_named(identifier).first()


class Membership(models.Model):
    """A staff role. Officers and unit heads act for ``unit``; dispatchers and
    supervisors for ``region`` and everything below it."""

    class Role(models.TextChoices):
        OFFICER = "officer", "承办人员"
        HEAD = "head", "单位负责人"
        DISPATCHER = "dispatcher", "派单员"
        SUPERVISOR = "supervisor", "督办员"
        ADMIN = "admin", "平台管理员"

    user = models.ForeignKey(User, models.CASCADE, related_name="memberships", verbose_name="用户")
    role = models.CharField("角色", max_length=20, choices=Role.choices)
    unit = models.ForeignKey("directory.Unit", models.CASCADE, null=True, blank=True, related_name="members",
                             verbose_name="单位", help_text="承办人员和单位负责人必填")
    region = models.ForeignKey("directory.Region", models.CASCADE, null=True, blank=True, related_name="members",
                               verbose_name="区划", help_text="派单员和督办员必填: 负责该区划及其下级区划")

    class Meta:
        verbose_name = verbose_name_plural = "工作人员角色"

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit or self.region or '全平台'}"

    def clean(self):
        # roles.roles_of reads an officer without a unit as nothing, and one with only a
        # region as that region's supervisor: such rows must not be saved.
        if self.role not in self.Role.values:
            return  # the role field reports it
        role = self.get_role_display()
        if self.role == self.Role.ADMIN:
            if self.unit_id or self.region_id:
                raise ValidationError("平台管理员管理全平台, 单位和区划留空")
            return
        by_unit = self.role in (self.Role.OFFICER, self.Role.HEAD)
        needed, other = ("unit", "region") if by_unit else ("region", "unit")
        errors = {}
        if not getattr(self, f"{needed}_id"):
            errors[needed] = f"{role}须指定单位" if by_unit else f"{role}须指定负责的区划"
        if getattr(self, f"{other}_id"):
            errors[other] = f"{role}按单位办理, 区划留空" if by_unit else f"{role}按区划工作, 单位留空"
        if errors:
            raise ValidationError(errors)


class VerificationCode(models.Model):
    """A one-time code sent to a phone or an email (registration, password reset)."""

    target = models.CharField(max_length=254, db_index=True)
    code = models.CharField(max_length=64)  # a keyed digest of the code (senders.digest), never the code
    purpose = models.CharField(max_length=20, default="register")
    created_at = models.DateTimeField(auto_now_add=True)
    used_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    # the client address that asked for it (limits.client_address; "" when not asked over HTTP): the
    # per-address limits count these (senders.issue_code)
    address = models.CharField("请求地址", max_length=64, blank=True, default="")

    class Meta:
        verbose_name = verbose_name_plural = "验证码"
        indexes = [models.Index(fields=["address", "created_at"])]

    def __str__(self) -> str:
        return f"{self.purpose} → {self.target}"


class TextNotice(models.Model):
    """An SMS notice handed to the gateway (``senders.send_text_notice``): what the daily cap of
    ``MINSHENG_SMS_PER_DAY`` per phone counts. The text is not kept (the inbox note has it)."""

    phone = models.CharField("手机号", max_length=20)
    created_at = models.DateTimeField("时间", default=timezone.now)
    sent = models.BooleanField("已发出", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "短信通知"
        indexes = [models.Index(fields=["phone", "created_at"])]

    def __str__(self) -> str:
        return f"短信 → {self.phone} {self.created_at:%Y-%m-%d %H:%M}"
