"""Fetching the photo an Open311 client points to with ``media_url``.

GeoReport v2 lets a client send a link instead of a file. After the request is stored
(the citizen's message never waits for this), the link is fetched once: only http(s),
only ports 80 and 443, only hosts whose every address is public (no loopback, private,
link-local or reserved address, nor an IPv6 address that leads to one — a request must not
make the server read its own network), connecting to the very address checked, redirects
followed at most three times under the same check, at most MINSHENG_MAX_PHOTO_BYTES within
20 seconds, then the same checks and re-encoding as an uploaded photo (JPEG or PNG,
metadata dropped). The outcome is kept on the request and shown to staff on the case page."""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
import time
import urllib.parse

from celery import shared_task
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from minsheng.board.models import Attachment
from minsheng.board.photos import clean_photo, max_bytes
from minsheng.celery import in_thread

from .models import Open311Request

log = logging.getLogger(__name__)

MAX_REDIRECTS = 3
TIMEOUT_SECONDS = 8  # connecting, and each read
DEADLINE_SECONDS = 20  # the whole download
PORTS = (80, 443)
# IPv6 ranges that lead to IPv4 hosts whatever follows: NAT64 and IPv4-compatible addresses
TRANSLATED = [ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48", "::/96")]


class MediaError(Exception):
    """Why a media_url was not fetched (one Chinese line, shown to staff)."""


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """A global address that does not lead to a non-global one (IPv4-mapped, 6to4, Teredo,
    NAT64 and IPv4-compatible IPv6 addresses carry an IPv4 address inside)."""
    if not address.is_global:
        return False
    if address.version == 6:
        if any(address in net for net in TRANSLATED):
            return False
        inside = [address.ipv4_mapped, address.sixtofour, *(address.teredo or ())]
        if any(v4 is not None and not v4.is_global for v4 in inside):
            return False
    return True


def check_host(url: str) -> tuple[urllib.parse.SplitResult, int, str]:
    """(parts, port, address to connect to) for an http(s) URL on port 80 or 443 whose host
    resolves to public addresses only; MediaError otherwise. The connection then goes to
    this very address, so a DNS answer that changes after the check is never used."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MediaError("不是 http(s) 地址")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise MediaError("端口无效") from None
    allow_private = settings.MINSHENG_MEDIA_ALLOW_PRIVATE
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise MediaError(f"无法解析主机 {parts.hostname}") from None
    addresses = [ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos]
    if not addresses:
        raise MediaError(f"无法解析主机 {parts.hostname}")
    if not allow_private and not all(is_public(a) for a in addresses):
        raise MediaError(f"{parts.hostname} 指向内网或保留地址, 不取回")
    if port not in PORTS and not allow_private:
        raise MediaError(f"只取回 80 或 443 端口的地址 (这里是 {port})")
    return parts, port, str(addresses[0])


class _PinnedHTTP(http.client.HTTPConnection):
    """An HTTP connection to a checked address, sending the URL's host name."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self):
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """The same over TLS; the certificate is checked against the URL's host name."""

    def __init__(self, host, port, address, timeout):
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self.address = address

    def connect(self):
        sock = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def fetch(url: str) -> bytes:
    """The body behind ``url`` (at most the photo size limit); MediaError otherwise."""
    limit = max_bytes()
    too_big = f"文件超过 {limit // (1024 * 1024)} MB"  # not the upload's advice to a citizen on a phone
    deadline = time.monotonic() + DEADLINE_SECONDS
    for _hop in range(MAX_REDIRECTS + 1):
        parts, port, address = check_host(url)
        connection = (_PinnedHTTPS if parts.scheme == "https" else _PinnedHTTP)(
            parts.hostname, port, address, TIMEOUT_SECONDS)
        try:
            connection.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""),
                               headers={"User-Agent": "minsheng-open311/1 (+media_url)"})
            response = connection.getresponse()
            location = response.getheader("Location")
            if response.status in (301, 302, 303, 307, 308) and location:
                url = urllib.parse.urljoin(url, location)
                continue
            if response.status != 200:
                raise MediaError(f"对方服务器回答 HTTP {response.status}")
            length = response.getheader("Content-Length") or ""
            if length.isdigit() and int(length) > limit:
                raise MediaError(too_big)
            body = bytearray()
            while len(body) <= limit:
                if time.monotonic() > deadline:
                    raise MediaError(f"下载超过 {DEADLINE_SECONDS} 秒")
                chunk = response.read1(64 * 1024)  # at most one read from the socket
                if not chunk:
                    break
                body += chunk
            if len(body) > limit:  # sent without a Content-Length
                raise MediaError(too_big)
            return bytes(body)
        except (OSError, http.client.HTTPException, ValueError, UnicodeError) as exc:
            raise MediaError(f"连接失败 ({type(exc).__name__}: {exc})"[:180]) from None
        finally:
            connection.close()
    raise MediaError(f"重定向超过 {MAX_REDIRECTS} 次")


@shared_task(name="minsheng.api.tasks.fetch_media", ignore_result=True)
def fetch_media(request_pk: int) -> str:
    """Fetch one Open311 request's media_url into a photo of its message; returns the
    state it ends in (fetched / failed / skipped)."""
    o311 = Open311Request.objects.filter(pk=request_pk).select_related("message").first()
    if o311 is None or not o311.media_url or o311.media_state == Open311Request.MediaState.FETCHED:
        return "skipped"
    try:
        raw = fetch(o311.media_url)
        photo = clean_photo(ContentFile(raw, name="图片"))
    except MediaError as exc:
        return _failed(o311, str(exc))
    except ValidationError as exc:
        return _failed(o311, exc.messages[0])
    with transaction.atomic():
        Attachment.objects.create(message=o311.message, file=photo.file, sha256=photo.sha256,
                                  content_type=photo.content_type, width=photo.width, height=photo.height)
        Open311Request.objects.filter(pk=o311.pk).update(
            media_state=Open311Request.MediaState.FETCHED, media_error="", media_checked_at=timezone.now())
    return "fetched"


def _failed(o311, reason: str) -> str:
    log.info("media_url of Open311 request %s not fetched: %s", o311.pk, reason)
    Open311Request.objects.filter(pk=o311.pk).update(
        media_state=Open311Request.MediaState.FAILED, media_error=reason[:200], media_checked_at=timezone.now())
    return "failed"


def queue_fetch(request_pk: int) -> None:
    """Fetch after commit: a Celery worker with a broker; without one (the embedded
    default) a background thread (``minsheng.celery.in_thread``), so that the Open311 response never waits for the
    client's image host. A broker that is down leaves the link as it is."""
    if not settings.MINSHENG_FETCH_MEDIA:
        return
    if settings.CELERY_TASK_ALWAYS_EAGER:
        in_thread(fetch_media, request_pk, name=f"fetch-media-{request_pk}", daemon=True)
        return
    try:
        fetch_media.delay(request_pk)
    except Exception:
        log.exception("could not queue fetching media of Open311 request %s", request_pk)
