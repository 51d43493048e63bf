"""Credentials of API clients: personal API tokens (a signed-in user's own key) and
Open311 API keys (issued by admins to integrating systems), and the link between a
message and the Open311 request that created it.

Only a SHA-256 hash of a key is stored; the key itself is shown once, at creation.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _new_key(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(30)}"


class ApiToken(models.Model):
    """个人 API 令牌: acts as its user, with that user's roles; a read token (``scope`` 只读) only
    for safe requests (GET, HEAD, OPTIONS), refused in ``ApiTokenAuthentication`` for any other."""

    class Scope(models.TextChoices):
        READ = "read", "只读"
        WRITE = "write", "读写"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="api_tokens")
    name = models.CharField("名称", max_length=60)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField("前缀", max_length=12, editable=False)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    # "write" by default: the tokens issued before scopes existed (2026-12-05) keep their full power
    scope = models.CharField("权限", max_length=5, choices=Scope.choices, default=Scope.WRITE)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = verbose_name_plural = "个人 API 令牌"

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @classmethod
    def issue(cls, user, name: str, scope: str = Scope.WRITE) -> tuple[ApiToken, str]:
        """Create a token; returns (row, key). The key is not stored and cannot be recovered."""
        key = _new_key("ms")
        token = cls.objects.create(user=user, name=name, key_hash=hash_key(key), key_prefix=key[:10],
                                   scope=scope)
        return token, key

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def read_only(self) -> bool:
        return self.scope == self.Scope.READ


class Open311Key(models.Model):
    """Open311 API key of an integrating system (a city's case system, an app)."""

    name = models.CharField("名称", max_length=100, unique=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField("前缀", max_length=12, editable=False)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", default=timezone.now)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    # author of requests posted without an email or a phone
    service_user = models.ForeignKey(settings.AUTH_USER_MODEL, models.SET_NULL, null=True, blank=True,
                                     related_name="+", editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = verbose_name_plural = "Open311 接入密钥"

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(cls, name: str) -> tuple[Open311Key, str]:
        key = _new_key("o311")
        row = cls.objects.create(name=name, key_hash=hash_key(key), key_prefix=key[:10])
        return row, key

    def set_new_key(self) -> str:
        key = _new_key("o311")
        self.key_hash, self.key_prefix = hash_key(key), key[:10]
        return key


class Open311Request(models.Model):
    """The Open311 side of a message: which key posted it, its token and media URL."""

    message = models.OneToOneField("board.Message", models.CASCADE, related_name="open311", verbose_name="留言")
    api_key = models.ForeignKey(Open311Key, models.SET_NULL, null=True, related_name="requests", verbose_name="Open311 接入密钥")
    token = models.CharField(max_length=40, unique=True, verbose_name="受理凭证")
    # a presigned link to object storage runs past 1,000 characters; 2048 is what the URL check takes
    media_url = models.URLField(max_length=2048, blank=True, verbose_name="照片链接")
    created_at = models.DateTimeField(default=timezone.now, verbose_name="提交时间")

    class MediaState(models.TextChoices):
        NONE = "", "待取回"
        FETCHED = "fetched", "已取回"
        FAILED = "failed", "未能取回"

    media_state = models.CharField(max_length=10, choices=MediaState.choices, blank=True, default="", verbose_name="照片状态")
    media_error = models.CharField(max_length=200, blank=True, verbose_name="照片错误")
    media_checked_at = models.DateTimeField(null=True, blank=True, verbose_name="照片检查时间")

    class Meta:
        verbose_name = verbose_name_plural = "Open311 请求"

    def __str__(self) -> str:
        return f"Open311 {self.token[:8]}…"


class IdempotencyKey(models.Model):
    """A post sent with an ``Idempotency-Key`` header (``POST /api/v1/messages/`` by a user,
    Open311 ``POST requests`` by an Open311 key): a retry with the same key by the same
    caller within ``IDEMPOTENCY_HOURS`` (an answer lost on a bad line, a double tap)
    answers the message the first request created instead of posting it again. The row is
    written in the message's transaction, so two requests at once create one."""

    # the caller: exactly one of them
    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, null=True, related_name="+")
    api_key = models.ForeignKey(Open311Key, models.CASCADE, null=True, related_name="+")
    key = models.CharField(max_length=100)
    fingerprint = models.CharField(max_length=64)  # sha256 of the request's fields
    message = models.ForeignKey("board.Message", models.CASCADE, related_name="+")
    # what the first answer said beyond the message (its position far from its region: idempotency.once's
    # ``said``), answered again as it was; "" for a key stored before 2026-12-07
    said = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        unique_together = [("user", "key")]
        constraints = [
            models.UniqueConstraint(fields=["api_key", "key"], name="api_idempotencykey_api_key_key"),
            models.CheckConstraint(condition=models.Q(user__isnull=False, api_key__isnull=True)
                                   | models.Q(user__isnull=True, api_key__isnull=False), name="api_idempotencykey_one_caller"),
        ]
        verbose_name = verbose_name_plural = "幂等键"

    def __str__(self) -> str:
        return f"{self.user_id or f'Open311 {self.api_key_id}'}: {self.key}"
