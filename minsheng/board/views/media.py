"""Citizens' photos (``/media/<path>``), served to whoever may see their message, for each request.

The rule is the one of the message's pages, not a second one: ``public.readable`` (anyone once the
message is public, its author always), ``staff.can_see_case`` (staff whose scope holds the case) and,
for an Open311 key, ``open311.views.visible_q`` (the requests it posted). API callers send their
credential as for the API: ``Authorization: Token …`` or the Open311 key (``X-API-Key``, ``api_key``).
Anything else, and any path that is not a stored photo, is a 404: a photo's existence is not confirmed.

With ``MINSHENG_MEDIA_ACCEL_REDIRECT`` set, nginx sends the file from an ``internal`` location
(``X-Accel-Redirect``, docs/deploy.md); otherwise the file is streamed from here.
"""

from __future__ import annotations

import os
from pathlib import PurePosixPath
from types import SimpleNamespace
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date
from django.views.decorators.http import require_safe
from django.views.static import was_modified_since
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.request import Request

from minsheng.accounts.roles import roles_of
from minsheng.api.authentication import ApiKeyAuthentication, ApiTokenAuthentication
from minsheng.api.errors import handler404
from minsheng.api.open311.views import visible_q

from ..models import Attachment, Message
from ..photos import ALLOWED
from ..workflow import public_for_good
from .public import readable
from .staff import can_see_case

# the types an upload is re-encoded to (board.photos); a stored row naming anything else is sent as a download
INLINE_TYPES = {content_type for content_type, _ in ALLOWED.values()}
PUBLIC_MAX_AGE = 86400  # how long anyone may cache the photo of a message public for good (办结)


def _stored_name(path: str) -> str:
    """The storage name asked for, or Http404 for anything that is not a plain relative path."""
    parts = path.split("/")
    if not path or "\\" in path or "\x00" in path or any(part in ("", ".", "..") for part in parts):
        raise Http404("没有找到该文件")
    return path


def _api_caller(request):
    """(user, Open311 key) of an API credential sent with the request, as the API reads it; a wrong
    or revoked one counts as none (the answer is then the anonymous visitor's)."""
    drf_request = Request(request)
    for auth in (ApiTokenAuthentication(), ApiKeyAuthentication()):
        try:
            found = auth.authenticate(drf_request)
        except AuthenticationFailed:
            found = None
        if found is not None:
            return found
    return request.user, None


def may_see_photos(request, message: Message) -> bool:
    """Whether the requester may see ``message``'s photos: whoever may open its page or case."""
    user, key = _api_caller(request)
    if readable(user, message) or (user.is_authenticated and can_see_case(roles_of(user), message)):
        return True
    if key is None:
        return False
    return Message.objects.filter(visible_q(SimpleNamespace(auth=key)), pk=message.pk).exists()


@require_safe
def serve_photo(request, path: str):
    try:
        return _photo_response(request, path)
    except Http404 as exc:
        # the 404 depends on who asks as the photo does: no cache may keep one visitor's for another (a
        # CDN keeping a .png's 404 for minutes showed the author and staff a broken image)
        response = handler404(request, exc)
        _private(response)
        return response


def _photo_response(request, path: str):
    name = _stored_name(path)
    photo = next(
        (
            a
            for a in Attachment.objects.filter(file=name).select_related("message__region")
            if may_see_photos(request, a.message)
        ),
        None,
    )
    if photo is None:
        raise Http404("没有找到该文件")
    try:
        stat = os.stat(photo.file.path)
    except OSError:  # the row outlived its file (a restore without media/)
        raise Http404("没有找到该文件") from None
    content_type = photo.content_type if photo.content_type in INLINE_TYPES else "application/octet-stream"
    if not was_modified_since(request.META.get("HTTP_IF_MODIFIED_SINCE"), int(stat.st_mtime)):
        response = HttpResponseNotModified()
    elif settings.MINSHENG_MEDIA_ACCEL_REDIRECT:  # nginx sends the file (it keeps the headers set below)
        response = HttpResponse(content_type=content_type)
        # an absolute URI whether or not the setting has its slashes: nginx took `protected-media/…` for a
        # file under its own html/ folder, and every photo was its 404
        location = settings.MINSHENG_MEDIA_ACCEL_REDIRECT.strip("/")
        response["X-Accel-Redirect"] = f"/{location}/{quote(name)}"
    else:
        response = FileResponse(photo.file.open("rb"), content_type=content_type)
    response["Last-Modified"] = http_date(stat.st_mtime)
    _protect(response, photo, content_type in INLINE_TYPES)
    return response


def _protect(response, photo: Attachment, inline: bool) -> None:
    """Headers that keep a stored file from being anything but an image of this site's (never a page
    run from our origin), and out of shared caches unless its message is public for good (办结): one
    public now may still leave public view (待派单 不予受理 or withdrawn, a dispatched case 退单 first,
    a merged one 撤销并单), and its photo must not outlive that in a cache."""
    filename = quote(PurePosixPath(photo.file.name).name)
    response["Content-Disposition"] = f'{"inline" if inline else "attachment"}; filename="{filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    if public_for_good(photo.message.status):
        response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    else:
        _private(response)


def _private(response) -> None:
    """An answer that depends on who asks: only the asker's browser keeps it, asking again each time
    (a 304 once allowed again)."""
    response["Cache-Control"] = "private, no-cache"
    patch_vary_headers(response, ["Cookie", "Authorization"])
