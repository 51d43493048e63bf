# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""Photos at /media/… are served to whoever may see their message, for each request
(minsheng.board.views.media): a URL that leaked shows nothing of a message the public may not read."""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from rest_framework.test import APIClient

from minsheng.api.models import ApiToken
from minsheng.board import actions
from minsheng.board.models import Attachment, Message
from minsheng.board.photos import clean_photo

from .conftest import make_user
from .test_api_citizen import png_bytes
from .test_api_support import api_key  # noqa: F401 (fixture)
from .test_open311 import form as open311_form

pytestmark = pytest.mark.django_db

BODY = "城关区某小区3号楼电梯坏了三个月, 老人上下楼非常困难, 物业一直推诿, 请有关部门督促尽快维修。"


def with_photo(personas, d, **extra) -> tuple[Message, str]:
    """A message of 小李's with one photo, and the photo's URL."""
    photo = clean_photo(ContentFile(png_bytes(), name="a.png"))
    m = actions.do_submit(
        personas["citizen"],
        title="小区电梯坏了三个月没人修",
        body=BODY,
        kind="complain",
        region=d["chengguan"],
        topic=d["topic_build"],
        photos=[photo],
        **extra,
    )
    return m, Attachment.objects.get(message=m).file.url


def get(user, url, **headers):
    client = Client()
    if user is not None:
        client.force_login(user)
    return client.get(url, **headers)


def test_a_public_messages_photo_is_served_to_anyone(personas, directory):
    m, url = with_photo(personas, directory)
    actions.do_accept(personas["dispatcher"], m)
    # 待派单: public, but it may still be 不予受理 or withdrawn, so no cache keeps it without asking
    accepted = get(None, url)
    assert accepted.status_code == 200 and accepted["Cache-Control"] == "private, no-cache"
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    assert url.startswith("/media/photos/")
    close(personas, directory, m)
    r = get(None, url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == Attachment.objects.get().file.read()
    assert r["Content-Type"] == "image/png" and r["X-Content-Type-Options"] == "nosniff"
    assert r["Content-Length"] == str(Attachment.objects.get().file.size)
    assert r["Cache-Control"] == "public, max-age=86400"
    assert (
        r["Content-Disposition"].startswith("inline; filename=") and "sandbox" in r["Content-Security-Policy"]
    )
    assert get(None, url, REQUEST_METHOD="HEAD").status_code == 200
    # asked again with the date it has: not sent again
    assert get(None, url, HTTP_IF_MODIFIED_SINCE=r["Last-Modified"]).status_code == 304


def close(p, d, m) -> None:
    """Sign, answer and rate a dispatched case satisfied: 办结."""
    actions.do_sign(p["officer"], m, d["housing"])
    actions.do_reply(p["officer"], m, d["housing"], "经现场核实, 已督促物业于本周内修复电梯, 感谢您的监督。")
    actions.do_evaluate(p["citizen"], m, resolution="satisfied", attitude="satisfied", speed="satisfied")
    m.refresh_from_db()
    assert m.status == "closed"


def test_a_photo_public_now_but_not_for_good_stays_out_of_shared_caches(personas, directory):
    """A dispatched case may still be 退单 and then 不予受理: a cache that kept its photo for a day
    ("public, max-age") would show it to anyone after the message left public view."""
    m, url = with_photo(personas, directory)
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    actions.do_sign(personas["officer"], m, directory["housing"])
    r = get(None, url)
    assert r.status_code == 200 and r["Cache-Control"] == "private, no-cache"
    actions.do_return(personas["officer"], m, directory["housing"], "不属于本单位职责")
    actions.do_reject(personas["dispatcher"], m, "不属于本平台受理范围")
    assert get(None, url).status_code == 404


def test_a_merged_messages_photo_stays_out_of_shared_caches(personas, directory):
    """并单 can be undone (撤销并单), and the message then withdrawn: its photo was public only for a while."""
    main, _ = with_photo(personas, directory)
    actions.do_accept(personas["dispatcher"], main)
    m, url = with_photo(personas, directory)
    actions.do_merge(personas["dispatcher"], m, main)
    merged = get(None, url)
    assert merged.status_code == 200 and merged["Cache-Control"] == "private, no-cache"
    actions.do_unmerge(personas["dispatcher"], m, "并错了")
    actions.do_withdraw(personas["citizen"], m)
    assert get(None, url).status_code == 404


def pending(p, d):
    return with_photo(p, d)


def rejected(p, d):
    m, url = with_photo(p, d)
    actions.do_reject(p["dispatcher"], m, "不属于本平台受理范围")
    return m, url


def withdrawn(p, d):
    m, url = with_photo(p, d)
    actions.do_withdraw(p["citizen"], m)
    return m, url


@pytest.mark.parametrize("state", [pending, rejected, withdrawn])
@pytest.mark.parametrize(
    "persona, status",
    [
        ("anonymous", 404),
        ("other_citizen", 404),
        ("other_officer", 404),  # a unit of 兰州市 the case never reached
        ("dx_dispatcher", 404),  # another region's dispatcher
        ("citizen", 200),  # its author
        ("dispatcher", 200),
        ("supervisor", 200),  # 兰州市's, whose case pages open it
    ],
)
def test_a_photo_of_a_message_not_public_is_its_authors_and_the_staffs_only(
    personas, directory, state, persona, status
):
    _, url = state(personas, directory)
    r = get(personas.get(persona), url)
    assert r.status_code == status
    if status == 200:
        assert r["Content-Type"] == "image/png" and r["Cache-Control"] == "private, no-cache"
        assert r["X-Content-Type-Options"] == "nosniff"


def test_the_leaders_office_sees_the_photo_of_a_message_written_to_its_leader(personas, directory):
    """The office of 兰州市市长 (its 受理单位, 兰州市政务服务中心) reads every message written to the
    mayor, pending ones too: their photos as well."""
    office = make_user("office", role="officer", unit=directory["center"])
    m, url = with_photo(personas, directory, addressee=directory["mayor"])
    assert get(office, f"/staff/case/{m.public_id}/").status_code == 200
    assert get(office, url).status_code == 200
    assert get(personas["other_officer"], url).status_code == 404


def test_the_pages_that_show_a_photo_link_to_one_their_reader_may_open(personas, directory):
    m, url = with_photo(personas, directory)
    author, dispatcher = Client(), Client()
    author.force_login(personas["citizen"])
    dispatcher.force_login(personas["dispatcher"])
    assert url in author.get(f"/m/{m.public_id}/").content.decode() and author.get(url).status_code == 200
    assert url in dispatcher.get(f"/staff/case/{m.public_id}/").content.decode()
    assert dispatcher.get(url).status_code == 200


def test_api_clients_fetch_the_photo_url_with_their_credential(personas, directory):
    """The API gives a pending message's photo URL to its author: fetched with the same token it works,
    without it (a URL that leaked) it is a 404."""
    m, url = with_photo(personas, directory)
    _, token = ApiToken.issue(personas["citizen"], "tests")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    [photo] = api.get(f"/api/v1/me/messages/{m.public_id}/").json()["photos"]
    assert photo["url"] == url
    assert api.get(url).status_code == 200
    assert APIClient().get(url).status_code == 404
    # another citizen's token, or one that is wrong, opens nothing
    _, other = ApiToken.issue(personas["other_citizen"], "tests")
    for credential in (f"Token {other}", "Token nonsense"):
        assert APIClient().get(url, HTTP_AUTHORIZATION=credential).status_code == 404
    # staff through the staff API, with their token
    _, staff_token = ApiToken.issue(personas["dispatcher"], "tests")
    staff = APIClient()
    staff.credentials(HTTP_AUTHORIZATION=f"Token {staff_token}")
    assert staff.get(f"/api/v1/staff/cases/{m.public_id}/").json()["photos"][0]["url"] == url
    assert staff.get(url).status_code == 200


def test_open311_media_url_works_for_the_key_that_posted_it(directory, api_key):
    """A request posted with a photo is pending: the key that posted it reads it and its media_url,
    which that key (X-API-Key or api_key=) may fetch; nobody else may."""
    _, key = api_key
    form = {**open311_form(key), "media": SimpleUploadedFile("stairs.png", png_bytes(), "image/png")}
    posted = APIClient().post("/open311/v2/requests.json", form, format="multipart")
    assert posted.status_code == 200, posted.content
    m = Message.objects.get()
    [record] = APIClient().get(f"/open311/v2/requests/{m.public_id}.json", HTTP_X_API_KEY=key).json()
    media_url = record["media_url"]
    assert media_url.startswith("http://testserver/media/photos/")
    path = media_url.removeprefix("http://testserver")
    assert APIClient().get(path, HTTP_X_API_KEY=key).status_code == 200
    assert APIClient().get(f"{path}?api_key={key}").status_code == 200
    assert APIClient().get(path).status_code == 404
    assert APIClient().get(path, HTTP_X_API_KEY="wrong-key").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/../secret.txt",
        "/media/%2e%2e/secret.txt",
        "/media/..%2fsecret.txt",
        "/media/photos/..%2f..%2fsecret.txt",
        "/media/photos/..%5c..%5csecret.txt",
        "/media//etc/passwd",
        "/media/./page.html",
        "/media/page.html",
        "/media/photos/2026/12/page.html",
        "/media/photos/",
    ],
)
def test_nothing_but_a_stored_photo_is_served(settings, tmp_path, personas, directory, path):
    """No path leads out of MEDIA_ROOT, and a file in it that is no message's photo (an HTML page put
    there) is not served either."""
    m, _ = with_photo(personas, directory)
    actions.do_accept(personas["dispatcher"], m)
    (tmp_path / "secret.txt").write_text("SECRET_KEY=…")
    for name in ("page.html", "photos/2026/12/page.html"):
        (settings.MEDIA_ROOT / name).parent.mkdir(parents=True, exist_ok=True)
        (settings.MEDIA_ROOT / name).write_text("<script>alert(1)</script>")
    assert get(personas["dispatcher"], path).status_code == 404


def test_behind_nginx_the_file_is_sent_by_an_internal_location(settings, personas, directory):
    settings.MINSHENG_MEDIA_ACCEL_REDIRECT = "/protected-media/"
    m, url = with_photo(personas, directory)
    assert get(None, url).status_code == 404  # still checked here first
    r = get(personas["citizen"], url)
    assert r.status_code == 200 and r.content == b""
    assert r["X-Accel-Redirect"] == "/protected-media/" + url.removeprefix("/media/")
    assert r["Content-Type"] == "image/png" and r["Cache-Control"] == "private, no-cache"
    assert r["Content-Disposition"].startswith("inline; ")


@pytest.mark.parametrize(
    "setting", ["/protected-media/", "/protected-media", "protected-media/", "protected-media"]
)
def test_the_internal_location_is_an_absolute_uri_however_the_setting_is_written(
    settings, personas, directory, setting
):
    """nginx reads an X-Accel-Redirect without its leading slash as a file of its own html/ folder:
    every photo was a 404 behind nginx for `MINSHENG_MEDIA_ACCEL_REDIRECT=protected-media/`."""
    settings.MINSHENG_MEDIA_ACCEL_REDIRECT = setting
    m, url = with_photo(personas, directory)
    r = get(personas["citizen"], url)
    assert r["X-Accel-Redirect"] == "/protected-media/" + url.removeprefix("/media/")


def test_a_photo_the_visitor_may_not_see_is_a_404_no_cache_keeps_for_another(personas, directory):
    """The anonymous visitor's 404 of a pending message's photo must not be kept by a cache in front of
    the site (CDNs keep a .png's 404 for minutes): its author, asking next, would get a broken image."""
    m, url = with_photo(personas, directory)
    r = get(None, url)
    assert r.status_code == 404 and "没有找到" in r.content.decode()
    assert r["Cache-Control"] == "private, no-cache"
    assert {"Cookie", "Authorization"} <= {v.strip() for v in r["Vary"].split(",")}
    assert get(personas["citizen"], url).status_code == 200
    missing = get(None, "/media/photos/2026/12/none.png")
    assert missing.status_code == 404 and missing["Cache-Control"] == "private, no-cache"
