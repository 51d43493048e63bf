"""A limit on the web's htmx lookups that anyone may call and that cost work on each call: the post
form's 「已有相似留言」 box (/similar/, a similarity lookup over the open messages for a text of up to
3,000 characters) and the statistics pages' 区划 picker (/stats/regions/). At most
``settings.MINSHENG_LOOKUPS_PER_MINUTE`` calls of one lookup in any 60 seconds per client address,
as sign-in and the API read it (``accounts.limits.client_address``: ``MINSHENG_NUM_PROXIES``, an IPv6
address by its /64), or per account for a signed-in user (many phones share one address behind a
carrier's NAT, and the post form needs an account). Counted in Django's cache with the API's
throttle (DRF's ``SimpleRateThrottle``: the times of the calls in the window), so a shared
``CACHE_URL`` counts across workers. Past the limit: a 429 with a short Chinese text and
Retry-After; htmx swaps nothing on an error status, so the box stays as it was (since 2026-12-05)."""

from __future__ import annotations

import functools
import math
import time

from django.conf import settings
from django.http import HttpResponse
from rest_framework.throttling import SimpleRateThrottle

from minsheng.accounts.limits import client_address

TOO_MANY = "请求过于频繁, 请稍后再试"
WINDOW = 60


class _LookupRate(SimpleRateThrottle):
    def __init__(self, lookup: str):  # the parent reads DRF's rate table; the setting is read per call
        self.lookup = lookup
        self.num_requests, self.duration = settings.MINSHENG_LOOKUPS_PER_MINUTE, WINDOW
        self.rate = f"{self.num_requests}/min"

    def timer(self) -> float:  # the parent's is time.time bound at import, beyond a test's clock
        return time.time()

    def get_cache_key(self, request, view) -> str:
        user = getattr(request, "user", None)
        ident = f"user:{user.pk}" if user is not None and user.is_authenticated else client_address(request)
        return f"lookup-calls:{self.lookup}:{ident}"


def limit_lookups(view):
    """Decorates a lookup view: past the limit it answers 429 without running the view."""
    lookup = view.__name__

    @functools.wraps(view)
    def limited(request, *args, **kwargs):
        rate = _LookupRate(lookup)
        if rate.allow_request(request, None):
            return view(request, *args, **kwargs)
        response = HttpResponse(TOO_MANY, status=429, content_type="text/plain; charset=utf-8")
        wait = rate.wait()  # None when the limit was lowered below the calls counted already
        response["Retry-After"] = str(max(1, math.ceil(wait if wait is not None else WINDOW)))
        return response

    return limited
