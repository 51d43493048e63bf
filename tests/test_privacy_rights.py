"""A citizen's personal-information rights (个人信息保护法 arts. 17, 45, 47): the privacy notice and
consent at registration, 下载我的数据 (page and API), 注销账号 (page and API), and what closing leaves:
no sign-in, no contact data for staff, no notices, the message kept under 「已注销用户」."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

import pytest
from django.test import Client
from rest_framework.test import APIClient

from minsheng.accounts import limits, rights
from minsheng.accounts.models import User
from minsheng.accounts.senders import MemorySender
from minsheng.board import actions, search
from minsheng.board.models import Event, Message, Notification, Support

from .conftest import PASSWORD, make_user
from .test_accounts import NEW_PASSWORD, last_code, memory_sender, register, send_code  # noqa: F401
from .test_api_support import advance, submit, token_client
from .test_workflow_http import REPLY_TEXT, act

pytestmark = pytest.mark.django_db

SECRET_NOTE = "内部备注: 该户曾多次来访, 注意沟通方式"


# --- the notice and consent -------------------------------------------------------------------

def test_the_privacy_notice_is_linked_from_every_page_and_tells_the_purge_periods(client):
    home = client.get("/").content.decode()
    assert '<a href="/privacy/">隐私政策</a>' in home
    page = client.get("/privacy/").content.decode()
    assert "隐私政策" in page and "满 2 天后在每日清理中删除" in page and "EXIF" in page
    # as the code has it: admins see and export contact data (views.staff.shows_contact, stats
    # _personal_allowed); an export is an audit row, not a case history line; a closed anonymous
    # author's real-name nickname stays with their messages (Message.hidden_name)
    assert "和平台管理员: 留言原文和您的联系方式" in page and "记入办理记录" not in page
    assert "每次导出都留有记录" in page and "该姓名随这些留言保存" in page
    assert 'href="/accounts/me/data.json"' in page and 'href="/accounts/me/close/"' in page


def test_registration_needs_the_consent_ticked(client, memory_sender):  # noqa: F811
    form = client.get("/accounts/register/").content.decode()
    assert 'name="agree"' in form and "我已阅读并同意《隐私政策》" in form and 'href="/privacy/"' in form
    send_code(client, "/accounts/register/", "13812345678")
    code = last_code(memory_sender, "13812345678")
    r = register(client, "13812345678", code, agree="")
    assert r.status_code == 200 and "请阅读并勾选同意《隐私政策》后再注册" in r.content.decode()
    assert not User.objects.filter(phone="13812345678").exists()
    assert register(client, "13812345678", code).status_code == 302  # ticked (the helper's default)
    assert User.objects.filter(phone="13812345678").exists()


def test_registration_records_when_and_to_which_notice_the_citizen_consented(client, memory_sender):  # noqa: F811
    assert f"版本: {rights.PRIVACY_VERSION}" in client.get("/privacy/").content.decode()
    send_code(client, "/accounts/register/", "13812345678")
    assert register(client, "13812345678", last_code(memory_sender, "13812345678")).status_code == 302
    user = User.objects.get(phone="13812345678")
    assert user.privacy_version == rights.PRIVACY_VERSION and user.privacy_consented_at is not None
    account = json.loads(client.get("/accounts/me/data.json").content)["account"]
    assert account["privacy_version"] == rights.PRIVACY_VERSION
    # the same instant, in Beijing time as every time of the API (it was given in UTC until 2026-12-05)
    assert dt.datetime.fromisoformat(account["privacy_consented_at"]) == user.privacy_consented_at
    assert account["privacy_consented_at"].endswith("+08:00")


def sign_in(client, username, next_url="/me/messages/"):
    return client.post("/accounts/login/", {"username": username, "password": PASSWORD, "next": next_url})


@pytest.mark.parametrize("version", ["", "2026-01-01"])  # never consented (Open311, before today); an older notice
def test_a_citizen_without_consent_to_this_notice_is_asked_once_after_signing_in(directory, client, version):
    user = make_user("13812340000", phone="13812340000", privacy_version=version,
                     privacy_consented_at=None)
    r = sign_in(client, "13812340000")
    assert r.status_code == 302 and r["Location"] == "/accounts/consent/?next=%2Fme%2Fmessages%2F"
    page = client.get(r["Location"]).content.decode()
    assert "同意隐私政策" in page and 'href="/privacy/"' in page and f"版本: {rights.PRIVACY_VERSION}" in page
    assert ">同意</button>" in page and "不同意, 退出登录" in page
    # until they agree: every page leads there, but the notice, signing out and their rights
    assert client.get("/post/")["Location"] == "/accounts/consent/?next=%2Fpost%2F"
    assert client.get("/").status_code == 302
    assert client.get("/privacy/").status_code == 200
    data = client.get("/accounts/me/data.json")
    assert data.status_code == 200 and json.loads(data.content)["account"]["privacy_consented_at"] is None
    assert client.get("/accounts/me/close/").status_code == 200
    r = client.post("/accounts/consent/", {"next": "/me/messages/"})
    assert r.status_code == 302 and r["Location"] == "/me/messages/"
    user.refresh_from_db()
    assert user.privacy_version == rights.PRIVACY_VERSION and user.privacy_consented_at is not None
    assert client.get("/me/messages/").status_code == 200
    account = json.loads(client.get("/accounts/me/data.json").content)["account"]
    # the same instant, in Beijing time as every time of the API (it was given in UTC until 2026-12-05)
    assert dt.datetime.fromisoformat(account["privacy_consented_at"]) == user.privacy_consented_at
    assert account["privacy_consented_at"].endswith("+08:00")
    client.post("/accounts/logout/")
    assert sign_in(client, "13812340000")["Location"] == "/me/messages/"  # asked once


def test_an_htmx_box_opens_the_consent_page_as_a_page(directory, client):
    """The 相似留言 box of a 我要留言 page opened before signing in elsewhere: htmx is told to open the
    consent page (a redirect it follows would put the whole page into the box), then back to 我要留言."""
    make_user("13812340000", phone="13812340000", privacy_version="", privacy_consented_at=None)
    sign_in(client, "13812340000")
    r = client.get("/similar/", {"title": "路灯不亮"}, headers={"HX-Request": "true",
                                                            "HX-Current-URL": "http://testserver/post/"})
    assert r.status_code == 200 and r["HX-Redirect"] == "/accounts/consent/?next=http%3A%2F%2Ftestserver%2Fpost%2F"
    assert not r.content
    r = client.post("/accounts/consent/", {"next": "http://testserver/post/"})
    assert r["Location"] == "http://testserver/post/"


def test_a_citizen_asked_to_consent_still_sees_their_photos(directory, client):
    """Photos are not pages: led to the consent page, an <img> of their own message was a broken image."""
    from django.core.files.base import ContentFile

    from minsheng.board import actions
    from minsheng.board.models import Attachment
    from minsheng.board.photos import clean_photo

    from .test_api_citizen import png_bytes

    user = make_user("13812340000", phone="13812340000", privacy_version="", privacy_consented_at=None)
    m = actions.do_submit(user, title="小区路灯坏了一个月", body="小区门口的路灯坏了一个月, 晚上出行很不方便, 请尽快维修。",
                          kind="help", region=directory["chengguan"],
                          photos=[clean_photo(ContentFile(png_bytes(), name="a.png"))])
    sign_in(client, "13812340000")
    assert client.get("/me/messages/").status_code == 302  # pages still lead to the consent page
    r = client.get(Attachment.objects.get(message=m).file.url)
    assert r.status_code == 200 and r["Content-Type"] == "image/png"


def test_staff_are_not_asked_to_consent(personas, client):
    User.objects.filter(pk=personas["officer"].pk).update(privacy_version="", privacy_consented_at=None)
    r = sign_in(client, "officer", next_url="")
    assert r.status_code == 302 and r["Location"] == "/staff/"
    assert client.get("/staff/").status_code == 200


def notice_changed(user, version="2026-01-01"):
    """The notice changed (a new PRIVACY_VERSION) after ``user`` consented to the one before."""
    User.objects.filter(pk=user.pk).update(privacy_version=version)


def test_a_session_begun_before_the_notice_changed_is_asked_to_consent(personas, login):
    """A citizen signed in before the notice changed (or before consent was asked) is asked on their
    next page, not at their next password sign-in, which a two-week session put off."""
    citizen = personas["citizen"]
    client = login(citizen)
    assert client.get("/me/messages/").status_code == 200
    notice_changed(citizen)
    assert client.get("/me/messages/")["Location"] == "/accounts/consent/?next=%2Fme%2Fmessages%2F"
    r = client.post("/post/", {"title": "路灯不亮"})
    assert r.status_code == 302 and r["Location"] == "/accounts/consent/?next=%2Fpost%2F"
    r = client.get("/similar/", {"title": "路灯不亮"}, headers={"HX-Request": "true",
                                                            "HX-Current-URL": "http://testserver/post/"})
    assert r["HX-Redirect"] == "/accounts/consent/?next=http%3A%2F%2Ftestserver%2Fpost%2F" and not r.content
    for page in ("/privacy/", "/accounts/consent/", "/accounts/me/data.json", "/accounts/me/close/"):
        assert client.get(page).status_code == 200, page
    assert client.post("/accounts/consent/", {"next": "/me/messages/"})["Location"] == "/me/messages/"
    citizen.refresh_from_db()
    assert citizen.privacy_version == rights.PRIVACY_VERSION
    assert client.get("/me/messages/").status_code == 200


def test_staff_signed_in_before_the_notice_changed_are_not_asked(personas, login):
    client = login(personas["officer"])
    User.objects.filter(pk=personas["officer"].pk).update(privacy_version="", privacy_consented_at=None)
    assert client.get("/staff/").status_code == 200
    assert client.get("/browse/").status_code == 200


def browse(client) -> tuple[int, str]:
    """/browse/'s queries and its Vary header."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        r = client.get("/browse/")
    assert r.status_code == 200
    return len(queries), r.get("Vary", "")


def test_the_consent_check_costs_a_consented_citizen_and_a_visitor_nothing(personas, login, settings):
    """The check reads the user the page loads anyway; for a visitor (no session cookie) it reads
    neither the session nor the database."""
    citizen, visitor = login(personas["citizen"]), Client()
    browse(citizen), browse(visitor)  # warm caches
    checked = browse(citizen), browse(visitor)
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != "minsheng.middleware.ConsentInterstitial"]
    assert (browse(citizen), browse(visitor)) == checked


# --- the API while consent is due ---------------------------------------------------------------


def session_client(user) -> APIClient:
    c = APIClient()
    c.force_login(user)
    return c


def test_the_api_by_session_asks_for_consent_first(personas, history):
    citizen, (m, other) = personas["citizen"], history
    client = session_client(citizen)
    notice_changed(citizen)
    for path in ("/api/v1/me/messages/", "/api/v1/messages/", f"/api/v1/messages/{m.public_id}/"):
        r = client.get(path)
        assert r.status_code == 403, path
        error = r.json()["error"]
        assert error["code"] == "consent_required" and "隐私政策" in error["message"]
        assert "/accounts/consent/" in error["message"]
    r = client.post(f"/api/v1/messages/{other.public_id}/support/")
    assert r.status_code == 403 and r.json()["error"]["code"] == "consent_required"
    assert not Support.objects.filter(user=citizen).exists()
    # their rights stay theirs
    r = client.get("/api/v1/me/data/")
    assert r.status_code == 200 and r.json()["account"]["privacy_version"] == "2026-01-01"
    # Open311 is its own, and OPTIONS describes an endpoint, no one's data
    assert client.get("/open311/v2/services.json").status_code == 200
    r = client.options("/api/v1/me/messages/")
    assert r.status_code == 200 and r.json()["name"]
    # agreed on the page: the API answers again
    client.post("/accounts/consent/", {"next": "/"})
    assert client.get("/api/v1/me/messages/").status_code == 200


def test_closing_the_account_through_the_api_needs_no_consent(personas, closing):
    citizen = personas["citizen"]
    client = session_client(citizen)
    notice_changed(citizen)
    assert client.delete("/api/v1/me/", {"password": PASSWORD}, format="json").status_code == 204
    citizen.refresh_from_db()
    assert citizen.closed_at is not None


def test_tokens_and_staff_sessions_are_not_asked_for_consent(personas, history):
    notice_changed(personas["citizen"])
    assert token_client(personas["citizen"]).get("/api/v1/me/messages/").status_code == 200
    User.objects.filter(pk=personas["officer"].pk).update(privacy_version="")
    assert session_client(personas["officer"]).get("/api/v1/staff/inbox/").status_code == 200
    assert APIClient().get("/api/v1/messages/").status_code == 200


# --- 我的数据 ------------------------------------------------------------------------------------

@pytest.fixture
def history(personas, directory):
    """小李's rated and reopened case with an internal note on it, and 小王's own message."""
    m = advance(submit(personas["citizen"], directory, title="小区电梯加装进展缓慢"), personas, directory, "evaluated")
    actions.do_internal_note(personas["dispatcher"], m, SECRET_NOTE)
    actions.do_reopen(personas["citizen"], m, reason="电梯至今没有开工, 请再核实")
    other = submit(personas["other_citizen"], directory, title="小王反映路灯不亮")
    return m, other


def _check_export(data, m, personas):
    text = json.dumps(data, ensure_ascii=False)
    assert data["account"]["phone"] == "13800000001" and data["account"]["display_name"] == "小李"
    [mine] = data["messages"]
    assert mine["public_id"] == m.public_id and mine["title"] == "小区电梯加装进展缓慢"
    assert mine["region"]["name"] == "兰州市" and mine["replies"][0]["body"].startswith("经核查")
    assert mine["evaluations"][0]["comment"] == "还没开工"
    assert mine["reopen_requests"][0]["reason"] == "电梯至今没有开工, 请再核实"
    assert "小王反映路灯不亮" not in text  # another citizen's
    assert SECRET_NOTE not in text and "内部备注" not in text
    officer = personas["officer"]
    assert officer.display_name not in text and officer.email not in text


def test_my_data_page_downloads_my_messages_and_no_staff_data(personas, history, login):
    m, _ = history
    c = login(personas["citizen"])
    assert 'href="/accounts/me/data.json"' in c.get("/accounts/me/").content.decode()
    r = c.get("/accounts/me/data.json")
    assert r.status_code == 200 and r["Content-Disposition"].startswith("attachment; filename=")
    assert r["Cache-Control"] == "private, no-store"
    _check_export(json.loads(r.content), m, personas)
    assert Client().get("/accounts/me/data.json").status_code == 302  # signed out: to sign in


def test_my_data_api_is_the_same_document(personas, history):
    m, _ = history
    r = token_client(personas["citizen"]).get("/api/v1/me/data/")
    assert r.status_code == 200 and r["Cache-Control"] == "private, no-store"
    _check_export(r.json(), m, personas)
    assert APIClient().get("/api/v1/me/data/").status_code == 401


# --- 注销账号 ------------------------------------------------------------------------------------

@pytest.fixture
def closing(personas, directory, settings, login):
    """小李 with a public message shown under their nickname, one being handled, a token, a second
    browser; SMS notices on."""
    settings.MINSHENG_SMS_SENDER = "minsheng.accounts.senders.MemorySender"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    MemorySender.texts.clear()
    citizen = personas["citizen"]
    public = advance(submit(citizen, directory, title="公交站台缺少遮阳棚", show_name=True), personas, directory,
                     "replied")
    handled = advance(submit(citizen, directory, title="楼道灯坏了很久"), personas, directory, "signed")
    return {"public": public, "handled": handled, "api": token_client(citizen), "elsewhere": login(citizen)}


def test_closing_the_account_on_the_page(personas, closing, login, client, memory_sender,  # noqa: F811
                                         django_capture_on_commit_callbacks):
    citizen, public, handled = personas["citizen"], closing["public"], closing["handled"]
    c = login(citizen)
    assert 'href="/accounts/me/close/"' in c.get("/accounts/me/").content.decode()
    page = c.get("/accounts/me/close/").content.decode()
    assert "已注销用户" in page and "(共 2 条)" in page and 'name="password"' in page
    r = c.post("/accounts/me/close/", {"password": "wrong-password"})
    assert "密码不正确" in r.content.decode() and User.objects.get(pk=citizen.pk).is_active

    r = c.post("/accounts/me/close/", {"password": PASSWORD}, follow=True)
    assert r.redirect_chain[-1][0] == "/accounts/closed/"
    assert "账号已注销" in r.content.decode() and "2 条留言作为政务记录保留" in r.content.decode()
    user = User.objects.get(pk=citizen.pk)
    assert not user.is_active and user.phone is None and user.email == "" and user.display_name == ""
    assert "13800000001" not in user.username and not user.has_usable_password()

    # signed out everywhere; cannot sign in; the token is refused
    assert c.get("/accounts/me/").status_code == 302
    assert closing["elsewhere"].get("/accounts/me/").status_code == 302
    r = Client().post("/accounts/login/", {"username": "13800000001", "password": PASSWORD})
    assert "手机号/邮箱或密码不正确" in r.content.decode()
    assert closing["api"].get("/api/v1/me/messages/").status_code == 401

    # the public message stays public, its author named 已注销用户
    shown = client.get(f"/m/{public.public_id}/").content.decode()
    assert "公交站台缺少遮阳棚" in shown and "已注销用户" in shown and "小李" not in shown
    # the case being handled goes on; its staff see no contact data, and the citizen's events are internal
    case = login(personas["officer"]).get(f"/staff/case/{handled.public_id}/").content.decode()
    assert "留言人已注销账号" in case
    assert "13800000001" not in case and "xiaoli@example.com" not in case
    assert Event.objects.filter(kind=Event.Kind.ACCOUNT_CLOSED, public=False).count() == 2
    assert "留言人注销账号" not in client.get(f"/m/{public.public_id}/").content.decode()

    # an answer sends no notice of any kind
    with django_capture_on_commit_callbacks(execute=True):
        assert act(login(personas["officer"]), handled, "reply", body=REPLY_TEXT).status_code == 302
    assert not Notification.objects.filter(user=citizen).exists() and MemorySender.texts == []

    # the phone registers anew, as a new account
    fresh = Client()
    send_code(fresh, "/accounts/register/", "13800000001")
    assert register(fresh, "13800000001", last_code(memory_sender, "13800000001")).status_code == 302
    assert User.objects.get(phone="13800000001").pk != citizen.pk


def test_an_anonymous_authors_registered_name_stays_hidden_after_closing(personas, directory, client, login):
    citizen = personas["citizen"]
    citizen.display_name = "赵建国"
    citizen.save(update_fields=["display_name"])
    m = submit(citizen, directory, body="本人赵建国, 反映小区门口的路灯坏了半年, 晚上出行很不方便。")
    actions.do_accept(personas["dispatcher"], m)
    assert "赵建国" not in client.get(f"/m/{m.public_id}/").content.decode()
    login(citizen).post("/accounts/me/close/", {"password": PASSWORD})
    page = client.get(f"/m/{m.public_id}/").content.decode()
    assert "赵**" in page and "赵建国" not in page
    # nor does a later re-index (a migration's search.reindex) make the name find the message
    search.reindex(Message.objects.all())
    assert not search.filter_messages(Message.objects.all(), "赵建国").exists()
    assert search.filter_messages(Message.objects.all(), "路灯").exists()


def test_closing_the_account_wipes_the_callers_name_a_hotline_gave(personas, directory, login):
    """A 12345 request under 小李's number carried the caller's name (李女士) as its 联系人: contact data,
    wiped with the phone and email when they close their account — from the staff API and exports too."""
    citizen = personas["citizen"]
    m = advance(submit(citizen, directory, contact_phone="0931-8123456", contact_name="李女士"), personas,
                directory, "accepted")
    staff_api = token_client(personas["dispatcher"])
    assert staff_api.get(f"/api/v1/staff/cases/{m.public_id}/").json()["contact_name"] == "李女士"
    login(citizen).post("/accounts/me/close/", {"password": PASSWORD})
    case = staff_api.get(f"/api/v1/staff/cases/{m.public_id}/").json()
    assert (case["contact_name"], case["contact_phone"], case["contact_email"]) == ("", "", "")
    export = login(personas["supervisor"]).get("/stats/export/messages.csv",
                                               {"region": "620100", "personal": "1", "measure": "submitted"})
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert m.public_id in text and "李女士" not in text and "8123456" not in text
    assert "称呼" in Client().get("/privacy/").content.decode()  # the notice names what is kept, and wiped


def test_closing_the_account_through_the_api(personas, closing):
    api = closing["api"]
    r = api.delete("/api/v1/me/", {"password": "wrong-password"}, format="json")
    assert r.status_code == 400 and r.json()["error"]["fields"]["password"] == ["密码不正确"]
    r = api.delete("/api/v1/me/", {}, format="json")
    assert r.status_code == 400 and "password" in r.json()["error"]["fields"]
    assert api.delete("/api/v1/me/", {"password": PASSWORD}, format="json").status_code == 204
    assert not User.objects.get(pk=personas["citizen"].pk).is_active
    assert api.get("/api/v1/me/messages/").status_code == 401
    assert closing["elsewhere"].get("/accounts/me/").status_code == 302


@pytest.mark.parametrize("persona", ["officer", "dispatcher"])
def test_staff_cannot_close_their_own_account(personas, login, persona):
    staff = personas[persona]
    c = login(staff)
    page = c.get("/accounts/me/close/").content.decode()
    assert "请联系平台管理员停用账号" in page and 'name="password"' not in page
    c.post("/accounts/me/close/", {"password": PASSWORD})
    r = token_client(staff).delete("/api/v1/me/", {"password": PASSWORD}, format="json")
    assert r.status_code == 403 and "请联系平台管理员停用账号" in r.json()["error"]["message"]
    staff = User.objects.get(pk=staff.pk)
    assert staff.is_active and staff.closed_at is None and staff.has_usable_password()



@pytest.mark.parametrize("body", [{}, {"password": ""}, {"password": ["x"]}, None])
def test_staff_closing_their_account_through_the_api_are_refused_whatever_the_body(personas, body):
    """docs/api.md: staff and admins get a `403`. Without a password they read the `400`
    「请输入当前密码」 (an integrator's walk, 2026-12-05), and only once they sent it the `403` saying they
    may not at all; as for the staff actions, the `403` comes before the body is read. An account without
    a password (one an Open311 request made) is told to set one first, not to send it."""
    r = token_client(personas["officer"]).delete("/api/v1/me/", body, format="json")
    assert r.status_code == 403 and "请联系平台管理员停用账号" in r.json()["error"]["message"], r.json()
    open311 = make_user("13812340000", phone="13812340000")
    open311.set_unusable_password()
    open311.save()
    r = token_client(open311).delete("/api/v1/me/", body, format="json")
    assert r.status_code == 400 and "尚未设置密码" in r.json()["error"]["fields"]["password"][0], r.json()
    assert User.objects.get(pk=personas["officer"].pk).is_active and User.objects.get(pk=open311.pk).is_active

def test_closing_counts_wrong_passwords_as_failed_sign_ins(personas, closing, login):
    """A token or a session cannot guess the password through 注销账号 without limit: the wrong ones
    lock the account as failed sign-ins do, and then even the right one is refused, here and at sign-in."""
    citizen, api = personas["citizen"], closing["api"]
    for _ in range(limits.PER_ACCOUNT):
        r = api.delete("/api/v1/me/", {"password": "wrong-password"}, format="json")
        assert r.status_code == 400
    r = api.delete("/api/v1/me/", {"password": PASSWORD}, format="json")
    assert r.status_code == 400 and r.json()["error"]["fields"]["password"] == [limits.MESSAGE]
    r = login(citizen).post("/accounts/me/close/", {"password": PASSWORD})
    assert limits.MESSAGE in r.content.decode()
    assert User.objects.get(pk=citizen.pk).is_active
    r = Client().post("/accounts/login/", {"username": "13800000001", "password": PASSWORD})
    assert "登录失败次数过多" in r.content.decode()


def test_lists_read_no_author_row_twice_for_citizens_without_a_nickname(personas, directory, client):
    """The public lists mask each title with the author's names (Message.own_names, hidden_name since
    注销账号): read with the page's one query, not one more per message of a citizen without a nickname."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    citizen = personas["citizen"]
    citizen.display_name = ""
    citizen.save(update_fields=["display_name"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/browse/").status_code == 200
        return len(ctx.captured_queries)

    for i in range(2):
        actions.do_accept(personas["dispatcher"], submit(citizen, directory, title=f"路口红绿灯故障第{i}次"))
    few = queries()
    for i in range(4):
        actions.do_accept(personas["dispatcher"], submit(citizen, directory, title=f"小区垃圾清运不及时第{i}次"))
    assert queries() == few


@pytest.mark.parametrize("page, staff_words, doing", [
    ("/accounts/me/close/", "工作人员和平台管理员的账号不能自行注销: 请联系平台管理员停用账号", "再注销账号"),
    ("/accounts/me/rebind/", "工作人员和平台管理员的手机号和邮箱由平台管理员管理 (工作人员名单导入或管理后台), 请联系平台管理员更改",
     "再更换手机号或邮箱"),
])
def test_who_may_not_change_their_own_account_is_told_why(personas, login, page, staff_words, doing):
    assert staff_words in login(personas["officer"]).get(page).content.decode()
    open311 = make_user("13812340000", phone="13812340000")
    open311.set_unusable_password()
    open311.save()
    text = login(open311).get(page).content.decode()
    assert f"您的账号尚未设置密码: 请先在「忘记密码」页用手机号或邮箱获取验证码设置密码, {doing}" in text


def test_an_unknown_api_or_open311_path_is_a_json_404_to_a_session_whose_consent_is_due(personas, login):
    """The REST and Open311 paths answer in their own formats while consent is due: a mistyped one
    (/api/v1/mesages/, /api/v1 without its slash) was led to the consent page, an HTML redirect where
    the API's documented 404 ``not_found`` was expected (docs/api.md, Errors)."""
    citizen = personas["citizen"]
    client = login(citizen)
    notice_changed(citizen)
    for path in ("/api/v1/mesages/", "/api/v1"):
        r = client.get(path)
        assert r.status_code == 404 and r.json()["error"]["code"] == "not_found", path
    r = client.get("/open311/v2/service.json")  # GeoReport v2's error array (the API's shape until 2026-12-05)
    assert r.status_code == 404 and r.json()[0]["code"] == 404
    r = client.get("/open311/v2/service.xml")
    assert r.status_code == 404 and r["Content-Type"].startswith(("application/xml", "text/xml"))


def test_a_button_pressed_on_a_page_loaded_before_consent_was_due_comes_back_to_that_page(personas, login, history):
    """我也遇到 on a message page loaded before the notice changed (a tab left open) is a POST to an
    address that takes no GET: once agreed, the citizen was sent to it and read the 405 page
    「此页面不接受 GET 请求」. They come back to the page the button was on (the Referer, on this site)."""
    citizen, (m, _other) = personas["citizen"], history
    client = login(citizen)
    notice_changed(citizen)
    page = f"http://testserver/m/{m.public_id}/"
    r = client.post(f"/m/{m.public_id}/support/", headers={"Referer": page})
    assert r["Location"] == f"/accounts/consent/?{urlencode({'next': page})}"
    back = client.post("/accounts/consent/", {"next": page})["Location"]
    assert back == page and client.get(back).status_code == 200
    # a Referer from elsewhere is not followed
    notice_changed(citizen)
    r = client.post(f"/m/{m.public_id}/support/", headers={"Referer": "https://evil.example/"})
    assert r["Location"] == f"/accounts/consent/?{urlencode({'next': f'/m/{m.public_id}/support/'})}"
