"""Fetching the photo an Open311 client points to with ``media_url``.

GeoReport v2 lets a client send a link instead of a file. After the request is stored
(the citizen's message never waits for this), the link is fetched once: only http(s),
only hosts whose every address is public (no loopback, private, link-local or reserved
address — a request must not make the server read its own network), redirects followed
at most three times under the same check, at most MINSHENG_MAX_PHOTO_BYTES, then the
same checks and re-encoding as an uploaded photo (JPEG or PNG, metadata dropped). The
outcome is kept on the request and shown to staff on the case page."""

from __future__ import annotations

import ipaddress
import logging
import socket
import urllib.error
import urllib.parse
import urllib.request

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

log = logging.getLogger(__name__)

MAX_REDIRECTS = 3
TIMEOUT_SECONDS = 8


class MediaError(Exception):
    """Why a media_url was not fetched (one Chinese line, shown to staff)."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # every hop is checked by fetch() itself
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def check_host(url: str) -> None:
    """MediaError unless ``url`` is http(s) on a host whose addresses are all public."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MediaError("不是 http(s) 地址")
    if getattr(settings, "MINSHENG_MEDIA_ALLOW_PRIVATE", False):
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise MediaError(f"无法解析主机 {parts.hostname}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%")[0])
        if not address.is_global:
            raise MediaError(f"{parts.hostname} 指向内网或保留地址, 不取回")


def fetch(url: str) -> bytes:
    """The body behind ``url`` (at most the photo size limit + 1 byte); MediaError otherwise."""
    limit = getattr(settings, "MINSHENG_MAX_PHOTO_BYTES", 5 * 1024 * 1024)
    for _hop in range(MAX_REDIRECTS + 1):
        check_host(url)
        request = urllib.request.Request(url, headers={"User-Agent": "minsheng-open311/1 (+media_url)"})
        try:
            with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
                length = response.headers.get("Content-Length")
                if length and length.isdigit() and int(length) > limit:
                    raise MediaError(f"文件超过 {limit // (1024 * 1024)} MB")
                return response.read(limit + 1)
        except urllib.error.HTTPError as exc:
            location = exc.headers.get("Location") if exc.code in (301, 302, 303, 307, 308) else None
            if not location:
                raise MediaError(f"对方服务器回答 HTTP {exc.code}") from None
            url = urllib.parse.urljoin(url, location)
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise MediaError(f"连接失败 ({reason})") from None
    raise MediaError(f"重定向超过 {MAX_REDIRECTS} 次")


@shared_task(name="minsheng.api.tasks.fetch_media", ignore_result=True)
def fetch_media(request_pk: int) -> str:
    """Fetch one Open311 request's media_url into a photo of its message; returns the
    state it ends in (fetched / failed / skipped)."""
    from minsheng.board.models import Attachment
    from minsheng.board.photos import clean_photo

    from .models import Open311Request

    o311 = Open311Request.objects.filter(pk=request_pk).select_related("message").first()
    if o311 is None or not o311.media_url or o311.media_state == Open311Request.MediaState.FETCHED:
        return "skipped"
    try:
        raw = fetch(o311.media_url)
        photo = clean_photo(ContentFile(raw, name="media_url"))
    except MediaError as exc:
        return _failed(o311, str(exc))
    except ValidationError as exc:
        return _failed(o311, exc.messages[0].replace("「media_url」", "图片"))
    with transaction.atomic():
        Attachment.objects.create(message=o311.message, file=photo.file, sha256=photo.sha256,
                                  content_type=photo.content_type, width=photo.width, height=photo.height)
        Open311Request.objects.filter(pk=o311.pk).update(
            media_state=Open311Request.MediaState.FETCHED, media_error="", media_checked_at=timezone.now())
    return "fetched"


def _failed(o311, reason: str) -> str:
    log.info("media_url of Open311 request %s not fetched: %s", o311.pk, reason)
    type(o311).objects.filter(pk=o311.pk).update(
        media_state=type(o311).MediaState.FAILED, media_error=reason[:200], media_checked_at=timezone.now())
    return "failed"


def queue_fetch(request_pk: int) -> None:
    """Fetch after commit (a worker in production, at once in the embedded default);
    a broker that is down leaves the link as it is — the request is already stored."""
    if not getattr(settings, "MINSHENG_FETCH_MEDIA", True):
        return
    try:
        fetch_media.delay(request_pk)
    except Exception:
        log.exception("could not queue fetching media of Open311 request %s", request_pk)
