"""The web's htmx lookups that anyone may call and that cost work on each call (the post form's
「已有相似留言」 box, /similar/, and the 区划 picker of the statistics pages, /stats/regions/) are
limited per client address (``MINSHENG_LOOKUPS_PER_MINUTE`` in any 60 seconds; a signed-in user per
account), counted in Django's cache as the API's rates are: a script sending 3,000-character
bodies to /similar/ without pause was served every one."""

from __future__ import annotations

import math
import re

import pytest
from django.test import Client

from minsheng import lookup_limits

TOO_MANY = "请求过于频繁, 请稍后再试"
TEXT = {"title": "幸福家园小区电梯经常故障", "body": "幸福家园小区3号楼电梯这个月坏了三次, 老人上下楼困难。" * 50}


class Clock:
    def __init__(self, now: float):
        self.now = now

    def time(self) -> float:
        return self.now


def similar(client, **extra):
    return client.post("/similar/", TEXT, headers={"HX-Request": "true"}, **extra)


def regions(client, **extra):
    return client.get("/stats/regions/", {"field": "region", "q": "qlh"}, **extra)


@pytest.fixture
def three_a_minute(settings):
    settings.MINSHENG_LOOKUPS_PER_MINUTE = 3


@pytest.mark.parametrize("lookup", [similar, regions])
def test_a_lookup_past_the_limit_is_429_with_retry_after(directory, three_a_minute, lookup):
    client = Client()
    assert [lookup(client).status_code for _ in range(4)] == [200, 200, 200, 429]
    refused = lookup(client)
    assert refused.status_code == 429
    assert refused.content.decode() == TOO_MANY
    assert refused["Content-Type"] == "text/plain; charset=utf-8"
    assert 1 <= int(refused["Retry-After"]) <= 60
    # another address is not affected
    assert lookup(client, REMOTE_ADDR="203.0.113.9").status_code == 200


def test_the_default_limit_lets_120_lookups_a_minute_through(directory, settings):
    assert settings.MINSHENG_LOOKUPS_PER_MINUTE == 120
    client = Client()
    codes = [regions(client).status_code for _ in range(121)]
    assert codes == [200] * 120 + [429]


def test_a_citizen_typing_slowly_in_the_post_form_is_never_refused(personas, login, monkeypatch):
    """The post form asks /similar/ each time the typing pauses for its hx-trigger delay (标题 0.8 s):
    a citizen who pauses that long after every character (an input method's candidates, one finger)
    asks 75 times a minute. Under the default limit of 60 the box stopped following the text
    after 48 seconds, and the text as finally typed was never looked up."""
    citizen = login(personas["citizen"])
    form = citizen.get("/post/").content.decode()
    delays = [int(ms) for ms in re.findall(r'hx-post="/similar/"[^>]*hx-trigger="input changed delay:(\d+)ms"', form)]
    assert sorted(delays) == [800, 1200]
    pause = min(delays) / 1000 + 0.01  # the timer restarts at each key: the request goes after a full pause
    clock = Clock(1_000_000.0)
    monkeypatch.setattr(lookup_limits, "time", clock)
    codes = []
    for _ in range(math.ceil(lookup_limits.WINDOW / pause) + 5):  # a whole minute and a region chosen or two
        codes.append(similar(citizen).status_code)
        clock.now += pause
    assert set(codes) == {200}, codes.index(429)


def test_the_limit_resets_after_the_minute(directory, three_a_minute, monkeypatch):
    clock = Clock(1_000_000.0)
    monkeypatch.setattr(lookup_limits, "time", clock)
    client = Client()
    assert [similar(client).status_code for _ in range(4)] == [200, 200, 200, 429]
    clock.now += 30
    refused = similar(client)
    assert refused.status_code == 429 and int(refused["Retry-After"]) == 30
    clock.now += 31
    assert similar(client).status_code == 200


def test_each_lookup_counts_alone(directory, three_a_minute):
    """Typing in the similar box does not use up the region picker's count."""
    client = Client()
    assert [similar(client).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert regions(client).status_code == 200


def test_an_ipv6_address_counts_by_its_64(directory, three_a_minute):
    """A line holds a whole /64 and may take a new address in it for each request, as the sign-in
    lockout counts (accounts.limits.client_address)."""
    client = Client()
    codes = [similar(client, REMOTE_ADDR=f"2001:db8:1:2::{n}").status_code for n in range(1, 5)]
    assert codes == [200, 200, 200, 429]
    assert similar(client, REMOTE_ADDR="2001:db8:1:3::1").status_code == 200


def test_behind_a_trusted_proxy_the_visitor_is_counted(directory, three_a_minute, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = Client(REMOTE_ADDR="10.9.9.9")  # the proxy
    codes = [similar(client, HTTP_X_FORWARDED_FOR=f"1.1.1.{n}, 198.51.100.5").status_code for n in range(4)]
    assert codes == [200, 200, 200, 429]  # a forged entry before the proxy's does not escape
    assert similar(client, HTTP_X_FORWARDED_FOR="198.51.100.6").status_code == 200  # another visitor


def test_a_signed_in_user_counts_by_account(personas, login, three_a_minute):
    """Many phones share one public address behind a carrier's NAT: a signed-in citizen (the post
    form needs one) is counted by account, not by the address others behind it used up."""
    anonymous = Client()
    assert [similar(anonymous).status_code for _ in range(4)] == [200, 200, 200, 429]
    citizen = login(personas["citizen"])
    assert [similar(citizen).status_code for _ in range(4)] == [200, 200, 200, 429]
    assert similar(citizen, REMOTE_ADDR="203.0.113.9").status_code == 429  # a new address does not escape
    assert similar(login(personas["other_citizen"])).status_code == 200


def test_the_post_form_itself_is_not_limited(personas, login, three_a_minute):
    citizen = login(personas["citizen"])
    assert [similar(citizen).status_code for _ in range(4)] == [200, 200, 200, 429]
    for _ in range(5):
        page = citizen.get("/post/")
        assert page.status_code == 200
    assert 'hx-post="/similar/"' in page.content.decode()
