"""Limits on password guessing: after ``PER_ACCOUNT`` failed sign-ins to one account
(by its phone, email or user name alike), or ``PER_ADDRESS`` from one IP address to any
accounts (existing or not), within ``WINDOW`` seconds, further attempts are refused until
the window has passed, even with the right password. Counts live in Django's cache (per
process with the default local-memory cache; shared across workers with a shared cache). A
successful sign-in clears the account's count. The backend marks a request it refused for
this reason, so the sign-in form can say why (``was_locked``).
"""

from __future__ import annotations

import ipaddress

from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

PER_ACCOUNT = 5
PER_ADDRESS = 30
WINDOW = 15 * 60
MESSAGE = f"登录失败次数过多, 请 {WINDOW // 60} 分钟后再试"


def client_address(request) -> str:
    """The client's address as the API's per-IP limit reads it (settings MINSHENG_NUM_PROXIES): the
    sign-in lockout and the verification codes' per-address limits count by it. An IPv6 address
    counts by its /64 (``2001:db8:1:2::/64``): one home's or phone's line holds a whole /64 and takes
    a new address in it at will, each a fresh count until 2026-12-05."""
    address = BaseThrottle().get_ident(request) or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:  # not an address (a proxy's header read wrong): as it is
        return address
    if ip.version == 4:
        return address
    if ip.ipv4_mapped is not None:  # ::ffff:198.51.100.7, an IPv4 client of a dual-stack socket
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))


def _keys(request, user) -> list[tuple[str, int]]:
    keys = [(f"login-failures:account:{user.pk}", PER_ACCOUNT)] if user is not None else []
    address = client_address(request) if request is not None else None
    if address:
        keys.append((f"login-failures:address:{address}", PER_ADDRESS))
    return keys


def blocked(request, user) -> bool:
    """Whether sign-ins to this account (None: no such account) from this request are refused."""
    return any(cache.get(key, 0) >= limit for key, limit in _keys(request, user))


def mark_locked(request) -> None:
    if request is not None:
        request.minsheng_sign_in_locked = True


def was_locked(request) -> bool:
    return getattr(request, "minsheng_sign_in_locked", False)


def mark_inactive(request) -> None:
    """The right password of an account an administrator switched off (停用): the sign-in form says so. Only then:
    a wrong one reads as on any account, so that no one learns which accounts are switched off by guessing. The right
    one is no failure (since 2026-12-07), a wrong one is: guesses stay limited."""
    if request is not None:
        request.minsheng_sign_in_inactive = True


def was_inactive(request) -> bool:
    return getattr(request, "minsheng_sign_in_inactive", False)


def failed(request, user) -> None:
    for key, _limit in _keys(request, user):
        cache.add(key, 0, WINDOW)  # the window starts at the first failure
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, WINDOW)


def succeeded(user) -> None:
    cache.delete_many([key for key, _limit in _keys(None, user)])


def password_refusal(request, user, password: str, wrong: str) -> str | None:
    """A signed-in user's password typed again (修改密码, 注销账号), counted as a sign-in: a wrong one is
    a failure, and a locked account or address is refused even with the right one, so that a taken
    session or token cannot guess it without limit. The reason to show (``wrong``, MESSAGE), or None."""
    if blocked(request, user):
        return MESSAGE
    if not user.check_password(password):
        failed(request, user)
        return wrong
    succeeded(user)
    return None
