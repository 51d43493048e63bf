"""``Idempotency-Key``: a post sent again after its answer was lost (a bad line, a
timeout, a double tap) answers the message the first one created instead of posting it
twice. One implementation for ``POST /api/v1/messages/`` and Open311 ``POST requests``:
each endpoint renders the message ``once`` returns as it renders a new one, and what the first answer
said that is no field of the message (``said``: a position far from its region, board/position.py), as
the first answer said it."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

from django.db import IntegrityError, transaction
from django.utils import timezone

from .errors import ApiError
from .models import IdempotencyKey, Open311Key

IDEMPOTENCY_HOURS = 24
_KEY = re.compile(r"[\x21-\x7e]{1,100}")  # visible ASCII, as a UUID or a client's own id
# a credential, not content: sent in the body by one try and as a header by the next, or
# rotated by an admin between them, it is still the same request
_NOT_CONTENT = {"api_key"}


def once(request, create, said=None):
    """``create(request)`` once per ``Idempotency-Key`` header: a retry with the key (same
    caller, within IDEMPOTENCY_HOURS, the same fields) gets the message the first request
    created, and ``replayed`` True; the same key with other fields is a 409. Without the
    header every request creates. The caller is the Open311 key for an Open311 client, the
    user otherwise: each has its own keys. ``said(message)``: words of the answer read from
    more than the message (what the region's other messages say of its position), stored
    with the key: a retry gets the first answer's, not words read again. Returns (message,
    replayed, said's words or "")."""
    said = said or (lambda message: "")
    key = request.headers.get("Idempotency-Key")
    if key is None:
        message = create(request)
        return message, False, said(message)
    if not _KEY.fullmatch(key):
        raise ApiError("Idempotency-Key 应为 1–100 个可见 ASCII 字符 (例如一个 UUID)",
                       fields={"Idempotency-Key": ["格式不正确"]})
    caller = _caller(request)
    fingerprint = _fingerprint(request)
    # a caller's expired keys go as they send the next one: the table holds a day of posts
    IdempotencyKey.objects.filter(**caller,
                                  created_at__lt=timezone.now() - dt.timedelta(hours=IDEMPOTENCY_HOURS)).delete()
    mine = IdempotencyKey.objects.filter(**caller, key=key).select_related("message")
    earlier = mine.first()  # a retry: answered without checking the form or saving photos again
    if earlier is None:
        try:
            with transaction.atomic():
                message = create(request)
                words = said(message)
                IdempotencyKey.objects.create(**caller, key=key, fingerprint=fingerprint, message=message,
                                              said=words)
            return message, False, words
        except IntegrityError:  # the same request twice at once: the other wrote the key first
            earlier = mine.first()
            if earlier is None:
                raise
    if earlier.fingerprint != fingerprint:
        raise ApiError("该 Idempotency-Key 已用于另一条内容不同的留言; 新留言请换一个键",
                       code="conflict", status_code=409, fields={"Idempotency-Key": ["已被使用"]})
    return earlier.message, True, earlier.said


def _caller(request) -> dict:
    if isinstance(request.auth, Open311Key):  # a system: its requests' authors are citizens it names
        return {"api_key": request.auth}
    return {"user": request.user}


def _fingerprint(request) -> str:
    data = request.data
    if hasattr(data, "getlist"):
        fields = sorted((k, [str(v) for v in data.getlist(k)]) for k in data if k not in _NOT_CONTENT)
    elif isinstance(data, dict):
        fields = {k: v for k, v in data.items() if k not in _NOT_CONTENT}
    else:
        fields = data
    files = sorted((k, [(f.name, f.size) for f in request.FILES.getlist(k)]) for k in request.FILES)
    parts = [fields, files]
    query = sorted((k, request.query_params.getlist(k)) for k in request.query_params if k not in _NOT_CONTENT)
    if query:  # Open311's jurisdiction_id may come in the URL (added only when present: earlier keys still match)
        parts.append(query)
    text = json.dumps(parts, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
