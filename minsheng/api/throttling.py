"""Rate limits per credential (token, API key or signed-in user) and per IP for
anonymous callers, kept in the default cache. Rates come from
settings.MINSHENG_API_RATES ({"key": "600/min", "ip": "120/min"}), read on every
request so deployments and tests can change them."""

from __future__ import annotations

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from minsheng.accounts.limits import client_address

from .models import ApiToken, Open311Key

DEFAULT_RATES = {"key": "600/min", "ip": "120/min"}


def _rates() -> dict:
    return {**DEFAULT_RATES, **getattr(settings, "MINSHENG_API_RATES", {})}


class _ConfiguredRate(SimpleRateThrottle):
    def __init__(self):  # the parent reads the rate once at import; we read it per request
        self.rate = _rates().get(self.scope)
        self.num_requests, self.duration = self.parse_rate(self.rate)

    def parse_rate(self, rate):
        if not rate:
            return None, None
        num, period = rate.split("/")
        seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}[period[0]]
        return int(num), seconds


class KeyRateThrottle(_ConfiguredRate):
    """Per token, per Open311 key, or per signed-in user."""

    scope = "key"

    def get_cache_key(self, request, view):
        auth = request.auth
        if isinstance(auth, ApiToken):
            ident = f"token:{auth.pk}"
        elif isinstance(auth, Open311Key):
            ident = f"o311:{auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            return None
        return self.cache_format % {"scope": self.scope, "ident": ident}


class IPRateThrottle(_ConfiguredRate):
    """Per client address, for callers without any credential: as sign-in reads it
    (``accounts.limits.client_address``), an IPv6 address by its /64 — a line holds the whole /64
    and may take a new address in it for each request (each was a fresh count until 2026-12-05)."""

    scope = "ip"

    def get_cache_key(self, request, view):
        if request.auth is not None or (request.user and request.user.is_authenticated):
            return None
        return self.cache_format % {"scope": self.scope, "ident": client_address(request)}
