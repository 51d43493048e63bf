"""Every page and every API error body a user or an integrator sees reads in Chinese: the
admin (as a superuser and as each persona sent to its sign-in), the site's 403/404/405/500
pages, and the API's and Open311's errors (bad token, throttled, unknown path, wrong
method, malformed JSON, bad page, invalid fields). A visible run of 3+ ASCII letters that
is a word and not on ALLOWED fails the test: Django's and DRF's own English is what slips
through (their zh_Hans catalogues miss a few strings, some are hard-coded in templates)."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.contrib import admin
from django.test import Client
from django.utils.translation import gettext

from minsheng.api import errors

from .conftest import make_user

# a word: letters only, not part of an identifier, a path, an address or a number
WORD = re.compile(r"(?<![\w@./:#%&=?<-])[A-Za-z]{3,}(?![\w@/:#%&=?>-])")
ALLOWED = {
    # names: the API, its formats and headers, HTTP methods, keys of a keyboard
    "API", "JSON", "XML", "CSV", "UTF", "Token", "Bearer", "Authorization", "Accept", "key",
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
    "Control", "Command", "Mac",  # Django's own Chinese help under a multiple select
    "next", "previous", "str",  # a field of the response, a Python type named in DRF's Chinese
    # data of the fixtures below (usernames, topic codes), parameter names an error quotes
    # and the bad values this test sends, echoed back
    "root", "officer", "dispatcher", "supervisor", "urban", "environment", "traffic",
    "format", "page", "region", "token", "colour", "nosuch",
    "suggest", "complain", "help", "consult", "thanks",  # a message's kinds, which a bad kind's error lists
    "qlh", "zjj", "lzssz", "shizhang",  # pinyin, the examples of the admin's search help (directory.admin)
}
SKIP_TAGS = {"script", "style", "code", "pre"}


class VisibleText(HTMLParser):
    """Text a reader sees or hears: text outside scripts and code, titles, alt texts,
    placeholders, ARIA labels and button values."""

    def __init__(self):
        super().__init__()
        self.texts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        self.skipping += tag in SKIP_TAGS
        a = dict(attrs)
        self.texts += [a[k] for k in ("title", "alt", "placeholder", "aria-label") if a.get(k)]
        if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
            self.texts.append(a["value"])

    def handle_endtag(self, tag):
        self.skipping -= tag in SKIP_TAGS

    def handle_data(self, data):
        if not self.skipping and data.strip():
            self.texts.append(data.strip())


def _json_texts(value, key=None) -> list[str]:
    if isinstance(value, dict):  # keys are English by design; so is an error's machine code
        return [t for k, v in value.items() if k != "code" for t in _json_texts(v, k)]
    if isinstance(value, list):
        return [t for v in value for t in _json_texts(v, key)]
    return [value] if isinstance(value, str) else []


def visible_texts(response) -> list[str]:
    body = response.content.decode()
    content_type = response.get("Content-Type", "")
    if "json" in content_type:
        return _json_texts(json.loads(body))
    if "xml" in content_type:
        return re.findall(r"<description>([^<]*)</description>", body)
    parser = VisibleText()
    parser.feed(body)
    return parser.texts


def english(label: str, response, found: dict) -> None:
    for text in visible_texts(response):
        words = set(WORD.findall(text)) - ALLOWED
        if words:
            entry = f"{sorted(words)} in {text[:120]!r}"
            if entry not in found.setdefault(label, []):
                found[label].append(entry)


def crawl_admin(client: Client, found: dict) -> int:
    """The admin as a superuser: index, each app, each model's list, add form, first
    object's change form and history; a form sent empty (its errors); the password form."""
    pages = ["/admin/", "/admin/password_change/", "/admin/accounts/", "/admin/directory/topic/?q=水"]
    for model, model_admin in admin.site._registry.items():
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        pages.append(base)
        if model_admin.has_add_permission(_superuser_request()):
            pages.append(f"{base}add/")
        obj = model.objects.order_by("pk").first()
        if obj is not None:
            pages += [f"{base}{obj.pk}/change/", f"{base}{obj.pk}/history/"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        english(url, response, found)
    response = client.post("/admin/directory/topic/add/", {})
    assert response.status_code == 200  # the form again, with its errors
    english("POST /admin/directory/topic/add/", response, found)
    return len(pages)


def _superuser_request():
    from django.test import RequestFactory

    request = RequestFactory().get("/admin/")
    request.user = type("Root", (), {"is_active": True, "is_staff": True, "is_superuser": True,
                                     "has_perm": lambda *a: True})()
    return request


def api_errors(personas, login, settings, found: dict) -> None:
    anon = Client()
    citizen = login(personas["citizen"])
    calls = {
        "bad token": lambda: anon.get("/api/v1/me/messages/", HTTP_AUTHORIZATION="Token nope"),
        "token without key": lambda: anon.get("/api/v1/me/messages/", HTTP_AUTHORIZATION="Token"),
        "token with spaces": lambda: anon.get("/api/v1/me/messages/", HTTP_AUTHORIZATION="Token a b"),
        "bearer": lambda: anon.get("/api/v1/me/messages/", HTTP_AUTHORIZATION="Bearer abc"),
        "no credentials": lambda: anon.get("/api/v1/me/messages/"),
        "unknown endpoint": lambda: anon.get("/api/v1/nothing/"),
        "no trailing slash": lambda: anon.post("/api/v1/messages"),
        "wrong method": lambda: anon.delete("/api/v1/messages/"),
        "malformed JSON": lambda: citizen.post("/api/v1/messages/", "{bad", content_type="application/json"),
        "not UTF-8": lambda: citizen.post("/api/v1/messages/", b"\xff\xfe", content_type="application/json"),
        "malformed multipart": lambda: citizen.post(
            "/api/v1/messages/", b"--x\r\nbroken", content_type="multipart/form-data; boundary=x"),
        "unsupported media type": lambda: citizen.post("/api/v1/messages/", "a", content_type="text/plain"),
        "not acceptable": lambda: anon.get("/api/v1/messages/", HTTP_ACCEPT="text/csv"),
        "page past the end": lambda: anon.get("/api/v1/units/?page=999"),
        "page no number": lambda: anon.get("/api/v1/units/?page=abc"),
        "bad cursor": lambda: anon.get("/api/v1/messages/?cursor=zzz"),
        "bad page size": lambda: anon.get("/api/v1/units/?page_size=abc"),
        "unknown parameter": lambda: anon.get("/api/v1/units/?colour=red"),
        "invalid fields": lambda: citizen.post("/api/v1/messages/", {
            "title": "", "body": 5, "region": "x", "kind": "zz", "latitude": "abc"}, content_type="application/json"),
        "fields of a wrong type": lambda: citizen.post("/api/v1/messages/", {
            "title": ["a"], "region": [1], "kind": {"a": 1}, "topic": "abc", "photos": "x"},
            content_type="application/json"),
        "staff endpoint as citizen": lambda: citizen.get("/api/v1/staff/inbox/"),
        "missing message": lambda: anon.get("/api/v1/messages/NOSUCH/"),
        "open311 without key": lambda: anon.post("/open311/v2/requests.json", {}),
        "open311 without key (xml)": lambda: anon.post("/open311/v2/requests.xml", {}),
        "open311 unknown service": lambda: anon.get("/open311/v2/services/nosuch.json"),
        "open311 unknown request": lambda: anon.get("/open311/v2/requests/nosuch.json"),
        "open311 unknown token": lambda: anon.get("/open311/v2/tokens/nosuch.json"),
    }
    for label, call in calls.items():
        response = call()
        assert response.status_code >= 400, label
        english(label, response, found)
    settings.MINSHENG_API_RATES = {"key": "1/min", "ip": "1/min"}
    anon.get("/api/v1/topics/")
    response = anon.get("/api/v1/topics/")
    assert response.status_code == 429
    english("throttled", response, found)


def html_errors(personas, login, rf, found: dict) -> None:
    anon = Client()
    citizen = login(personas["citizen"])
    for label, response in {
        "404 page": anon.get("/no/such/page/"),
        "404 message": anon.get("/m/NOSUCH/"),
        "405 page": anon.put("/"),
        "403 page": citizen.get("/staff/"),
        "login failed": anon.post("/accounts/login/", {"username": "nobody", "password": "wrong"}),
        "500 page": errors.handler500(rf.get("/")),
    }.items():
        english(label, response, found)


@pytest.mark.django_db
def test_pages_and_errors_are_chinese(cases, personas, login, settings, rf):
    found: dict[str, list[str]] = {}
    root = make_user("root", is_superuser=True, is_staff=True)
    pages = crawl_admin(login(root), found)
    assert pages > 40
    for name, user in personas.items():  # not staff: sent to the admin's sign-in page
        english(f"admin as {name}", login(user).get("/admin/", follow=True), found)
    anon = Client()
    english("admin sign-in", anon.get("/admin/login/"), found)
    english("admin sign-in failed", anon.post("/admin/login/", {"username": "x", "password": "y"}), found)
    api_errors(personas, login, settings, found)
    html_errors(personas, login, rf, found)
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_catalogue_compiled():
    """minsheng/locale's .mo is the compiled .po: each of its strings reads translated."""
    po = (Path(__file__).parent.parent / "minsheng/locale/zh_Hans/LC_MESSAGES/django.po").read_text()
    pairs = re.findall(r'^msgid "(.+)"\nmsgstr "(.+)"$', po, re.M)
    assert len(pairs) >= 5
    for msgid, msgstr in pairs:
        assert gettext(msgid) == msgstr


@pytest.mark.django_db
def test_the_admins_two_box_picker_speaks_chinese(login):
    """The admin's two-box picker (征集活动's 区划 and 领域, a group's permissions) is written by
    SelectFilter2.js with strings from /admin/jsi18n/; Django's zh_Hans catalogue leaves seven
    of them in English: 「Choose all 区划」, 「Remove selected 领域」, 「(click to clear)」."""
    import django

    script = (Path(django.__file__).parent / "contrib/admin/static/admin/js/SelectFilter2.js").read_text()
    shown = {m.group(2).replace('\\"', '"') for m in re.finditer(r"""\bgettext\((['"])((?:\\.|(?!\1).)*)\1""", script)}
    assert len(shown) >= 10
    body, catalogue = _jsi18n(login)
    assert not sorted(s for s in shown if s not in catalogue)
    assert catalogue["Choose all %s"] == "选择全部%s"


@pytest.mark.django_db
def test_the_admins_counted_strings_keep_their_chinese(login):
    """minsheng's djangojs catalogue is put before Django's, and its header says how Chinese counts
    (one form): without it /admin/jsi18n/ counted as English does, so that a counted string read
    its second, empty form for any count but 1: the change list's 「选中了 5 个中的 0 个」 was blank."""
    body, catalogue = _jsi18n(login)
    counted = {k: v for k, v in catalogue.items() if isinstance(v, list)}
    assert "%(sel)s of %(cnt)s selected" in counted
    assert not {k: v for k, v in counted.items() if not all(v)}  # no empty form to pick
    assert "(count == 1) ? 0 : 1" not in body  # English counting


@pytest.mark.django_db
def test_the_date_pickers_weekdays_read_in_chinese(login):
    """The calendar beside a date field (节假日调整's 日期, a message's times) headed its columns
    S M T W T F S: Django's zh_Hans catalogue 'translates' the one-letter weekdays as themselves."""
    body, catalogue = _jsi18n(login)
    days = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
    assert [catalogue[f"one letter {day}\x04{day[0]}"] for day in days] == list("日一二三四五六")


def _jsi18n(login) -> tuple[str, dict]:
    """/admin/jsi18n/ as an administrator's browser reads it, and the catalogue it holds."""
    body = login(make_user("root", is_superuser=True, is_staff=True)).get("/admin/jsi18n/").content.decode()
    return body, json.loads(re.search(r"const newcatalog = (\{.*?\});\n", body, re.S).group(1))
