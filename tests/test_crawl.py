"""Follow every link the site shows, as each demo persona, over a small demo database:
no page answers with a server error, no link the site shows a visitor leads to a 404 or to
a page that visitor may not see (403), and no public page shows a citizen's mobile number."""

from __future__ import annotations

import io
import re
from collections import deque
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from minsheng.accounts.models import User
from minsheng.board.demo_accounts import PERSONAS

HREF = re.compile(r"""(?:href|hx-get)="([^"]+)\"""")
SKIP = ("/accounts/logout", "/static/", "/media/", "/api/docs", "/admin/logout", "/admin/jsi18n")
PAGES_PER_PERSONA = 90
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def links(base: str, html: str) -> list[str]:
    out = []
    for raw in HREF.findall(html):
        url = urldefrag(urljoin(base, raw.replace("&amp;", "&")))[0]
        parts = urlsplit(url)
        if parts.netloc not in ("", "testserver") or not parts.path.startswith("/"):
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not path.startswith(SKIP) and "delete" not in path:
            out.append(path)
    return out


def crawl(client: Client, start: str, broken: dict, public: bool = False) -> dict[str, int]:
    """Breadth-first from ``start``; {url: status} for the first PAGES_PER_PERSONA pages,
    taking at most three pages of each list (``?page=``) and one of each path pattern with
    a different query."""
    seen: dict[str, int] = {}
    shapes: dict[str, int] = {}
    queue = deque([(start, None), ("/", None)])
    if public:  # the demo messages where a citizen left a phone number
        queue.appendleft(("/browse/?q=请尽快联系我", None))
    while queue and len(seen) < PAGES_PER_PERSONA:
        url, came_from = queue.popleft()
        if url in seen:
            continue
        shape = re.sub(r"\d+", "N", urlsplit(url).path)
        if shapes.get(shape, 0) >= 3:
            continue
        shapes[shape] = shapes.get(shape, 0) + 1
        response = client.get(url)
        seen[url] = response.status_code
        if response.status_code in (403, 404) or response.status_code >= 500:
            broken[url] = (response.status_code, came_from)
        if response.status_code == 200 and "text/html" in response.get("Content-Type", ""):
            html = response.content.decode()
            if 'class="flash"' in html:  # nothing was posted: a notice here is a page bug
                broken[url] = ("flash notice on a plain visit", came_from)
            if public and MOBILE.search(html):  # the demo's citizens sometimes leave their number
                broken[url] = (f"a mobile number on a public page: {MOBILE.search(html).group()}", came_from)
            queue.extend((link, url) for link in links(url, html))
    return seen


@pytest.fixture(scope="module")
def demo_db(django_db_setup, django_db_blocker, tmp_path_factory):
    """A small demo (messages, hotspots, models); yields its model directory."""
    root = tmp_path_factory.mktemp("crawl")
    with django_db_blocker.unblock(), override_settings(MINSHENG_MODEL_DIR=root / "models", MEDIA_ROOT=root / "media"):
        call_command("demo", "--messages", "120", "--seed", "11", "--today", "2026-11-02", stdout=io.StringIO())
        yield root / "models"
        call_command("flush", "--noinput", verbosity=0)


@pytest.mark.django_db  # each persona's visit is rolled back; the demo data stays for the next
@pytest.mark.parametrize("username", [None] + [p[0] for p in PERSONAS])
def test_every_link_answers(demo_db, settings, username):
    settings.MINSHENG_MODEL_DIR = demo_db
    client = Client()
    start = "/"
    if username:
        client.force_login(User.objects.get(username=username))
        start = reverse(next(p for p in PERSONAS if p[0] == username)[4])
    broken: dict[str, tuple[int, str | None]] = {}
    statuses = crawl(client, start, broken, public=username is None)
    assert not broken, broken  # {url: (status, the page that links to it)}
    assert len(statuses) >= 20
