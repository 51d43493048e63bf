# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""Open311 media_url: the linked photo is fetched after the request is stored, checked
and re-encoded like an upload, and shown to staff; anything wrong with the link leaves
the message as it was and tells staff why. A local HTTP server stands in for the
client's image host."""

from __future__ import annotations

import io
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from PIL import Image
from rest_framework.test import APIClient

from minsheng.api import tasks
from minsheng.api.models import Open311Request
from minsheng.board.models import Message

from .test_api_support import _fresh_rate_limits, _media_in_tmp, api_key  # noqa: F401 (fixtures)
from .test_open311 import BASE, Open311Client, form


def png_bytes(size=(40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802 (http.server's name)
        routes = {
            "/photo.png": (200, {"Content-Type": "image/png"}, png_bytes()),
            "/%E7%85%A7%E7%89%87.png": (200, {"Content-Type": "image/png"}, png_bytes()),  # /照片.png
            "/big.png": (200, {"Content-Type": "image/png"}, png_bytes((600, 600)) + b"\0" * 50_000),
            "/page.html": (200, {"Content-Type": "text/html"}, "<html>不是图片</html>".encode()),
            "/moved": (302, {"Location": "/photo.png"}, b""),
            "/loop": (302, {"Location": "/loop"}, b""),
        }
        if self.path == "/garbage":  # not HTTP at all
            self.wfile.write(b"HELLO THERE\r\n\r\n")
            return
        if self.path == "/big-unsized.png":  # no Content-Length: the size is known once read
            self.send_response(200)
            self.end_headers()
            self.wfile.write(png_bytes((600, 600)) + b"\0" * 50_000)
            return
        if self.path == "/slow.png":  # a trickle: one byte at a time
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                self.wfile.write(b"x")
                self.wfile.flush()
                time.sleep(0.05)
            return
        status, headers, body = routes.get(self.path, (404, {}, b"not found"))
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def image_host():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def fetching(settings):
    settings.MINSHENG_FETCH_MEDIA = True
    settings.MINSHENG_MEDIA_ALLOW_PRIVATE = True  # the test server listens on loopback
    settings.MINSHENG_MAX_PHOTO_BYTES = 40_000
    settings.MINSHENG_BACKGROUND_THREADS = False  # fetch inline, so the test sees the outcome at once


@pytest.fixture
def post(api_key, directory, django_capture_on_commit_callbacks):
    def post(media_url):
        with django_capture_on_commit_callbacks(execute=True):
            response = Open311Client().post(f"{BASE}/requests.json", form(api_key[1], media_url=media_url))
        assert response.status_code == 200, response.content
        message = Message.objects.get(public_id=response.json()[0]["service_request_id"])
        return message, Open311Request.objects.get(message=message)
    return post


def test_the_linked_photo_becomes_a_photo_of_the_message(fetching, post, image_host, personas, login, api_key):
    message, o311 = post(f"{image_host}/photo.png")
    assert o311.media_state == "fetched" and o311.media_error == "" and o311.media_checked_at
    [photo] = message.attachments.all()
    assert photo.content_type == "image/png" and (photo.width, photo.height) == (40, 30)
    case = login(personas["dispatcher"]).get(f"/staff/case/{message.public_id}/").content.decode()
    assert photo.file.url in case and "已取回" in case and f"{image_host}/photo.png" in case
    staff = APIClient()
    staff.force_authenticate(personas["dispatcher"])
    case = staff.get(f"/api/v1/staff/cases/{message.public_id}/").json()
    assert case["open311"] == {"media_url": f"{image_host}/photo.png", "media_state": "fetched", "media_error": ""}
    # the posting client still reads the link it sent
    record = Open311Client().get(f"{BASE}/requests/{message.public_id}.json", {"api_key": api_key[1]}).json()[0]
    assert record["media_url"] == f"{image_host}/photo.png"


def test_a_link_with_chinese_characters_is_fetched_and_shown_as_a_uri(fetching, post, image_host, api_key):
    """A phone app's link as typed (/照片.png): fetched (a request line holds only ASCII), and
    shown back in its URI form, as the official schema's format "uri" wants."""
    message, o311 = post(f"{image_host}/照片.png")
    assert o311.media_state == "fetched", o311.media_error
    record = Open311Client().get(f"{BASE}/requests/{message.public_id}.json", {"api_key": api_key[1]}).json()[0]
    assert record["media_url"] == f"{image_host}/%E7%85%A7%E7%89%87.png"


def test_a_chinese_host_name_is_kept_in_punycode(post):
    message, o311 = post("https://例子.中国/a.jpg?说明=楼道")
    assert o311.media_url == "https://xn--fsqu00a.xn--fiqs8s/a.jpg?%E8%AF%B4%E6%98%8E=%E6%A5%BC%E9%81%93"


def test_a_redirect_is_followed(fetching, post, image_host):
    message, o311 = post(f"{image_host}/moved")
    assert o311.media_state == "fetched" and message.attachments.count() == 1


@pytest.mark.parametrize("path, reason", [
    ("/page.html", "不是有效的图片文件"),
    ("/missing.png", "HTTP 404"),
    ("/big.png", "文件超过"),
    ("/big-unsized.png", "文件超过"),  # not 「「图片」超过 … MB: 可在手机相机设置中…」, a citizen's advice
    ("/loop", "重定向超过 3 次"),
    ("/garbage", "连接失败"),
    ("/slow.png", "下载超过 1 秒"),
    (":99999/x.png", "端口无效"),
])
def test_a_bad_link_leaves_the_message_and_tells_staff(fetching, post, image_host, path, reason, personas, login,
                                                      monkeypatch):
    monkeypatch.setattr(tasks, "DEADLINE_SECONDS", 1)
    url = f"{image_host.rsplit(':', 1)[0]}{path}" if path.startswith(":") else f"{image_host}{path}"
    message, o311 = post(url)
    assert message.status == "submitted" and message.attachments.count() == 0
    assert o311.media_state == "failed" and reason in o311.media_error
    case = login(personas["dispatcher"]).get(f"/staff/case/{message.public_id}/").content.decode()
    assert "未能取回" in case and reason in case


def test_a_link_to_the_servers_own_network_is_refused(fetching, settings, post, image_host):
    settings.MINSHENG_MEDIA_ALLOW_PRIVATE = False
    message, o311 = post(f"{image_host}/photo.png")
    assert o311.media_state == "failed" and "内网或保留地址" in o311.media_error
    assert message.attachments.count() == 0


@pytest.mark.parametrize("url", [
    "http://127.0.0.1/x.png", "http://10.1.2.3/x.png", "http://169.254.169.254/latest", "http://[::1]/x.png",
    "http://192.168.0.1/x.png", "ftp://example.com/x.png", "http://localhost./x.png",
    "http://[::ffff:127.0.0.1]/x.png", "http://[2002:7f00:1::]/x.png", "http://[64:ff9b::a9fe:a9fe]/x.png",
    "http://[::127.0.0.1]/x.png", "http://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/x.png",  # Teredo → 10.0.0.1
    "http://93.184.215.14:8080/x.png", "http://93.184.215.14:22/x.png",  # public, but not port 80/443
])
def test_private_and_odd_addresses_are_refused(settings, url):
    settings.MINSHENG_MEDIA_ALLOW_PRIVATE = False
    with pytest.raises(tasks.MediaError):
        tasks.check_host(url)


def test_nothing_is_fetched_when_switched_off(post, image_host):
    message, o311 = post(f"{image_host}/photo.png")
    assert o311.media_state == "" and message.attachments.count() == 0


def test_without_a_broker_the_link_is_fetched_in_the_background(transactional_db, fetching, settings, image_host,
                                                                 api_key, directory):
    settings.MINSHENG_BACKGROUND_THREADS = True
    response = Open311Client().post(f"{BASE}/requests.json", form(api_key[1], media_url=f"{image_host}/photo.png"))
    assert response.status_code == 200, response.content
    o311 = Open311Request.objects.get(message__public_id=response.json()[0]["service_request_id"])
    for _ in range(100):
        o311.refresh_from_db()
        if o311.media_state:
            break
        time.sleep(0.1)
    assert o311.media_state == "fetched" and o311.message.attachments.count() == 1


@pytest.mark.parametrize("fetched", [True, False])
def test_only_the_client_that_sent_a_link_reads_it_back(fetching, settings, post, image_host, personas, directory,
                                                        api_key, fetched):
    """The link a client sends may be a presigned object-storage address (a signature valid for days) to the photo
    as taken, its EXIF position and camera with it: once the message was public, anyone listing the requests read
    it (review of 2026-12-06). Others now read the site's own photo, re-encoded and checked on each request, once
    fetched, and no media_url before; the client that sent the link still reads it back."""
    from minsheng.api.models import Open311Key

    from .test_api_support import advance

    settings.MINSHENG_FETCH_MEDIA = fetched
    link = f"{image_host}/photo.png"
    message, o311 = post(link)
    advance(message, personas, directory, "accepted")  # public: anyone reads the request
    photos = [a.file.url for a in message.attachments.all()]
    assert len(photos) == (1 if fetched else 0)
    other_key = Open311Key.issue("另一个系统")[1]
    for params in ({}, {"api_key": other_key}):
        [record] = Open311Client().get(f"{BASE}/requests/{message.public_id}.json", params).json()
        assert record.get("media_url") == (f"http://testserver{photos[0]}" if fetched else None)
        listed = Open311Client().get(f"{BASE}/requests.json", params)
        assert listed.status_code == 200 and message.public_id in listed.content.decode()
        assert link not in listed.content.decode()
        assert link not in Open311Client().get(f"{BASE}/requests/{message.public_id}.xml", params).content.decode()
    [own] = Open311Client().get(f"{BASE}/requests/{message.public_id}.json", {"api_key": api_key[1]}).json()
    assert own["media_url"] == link
