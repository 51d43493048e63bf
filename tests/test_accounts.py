"""Accounts: register, sign in and reset the password with a phone number or an
email and a verification code; my profile. Codes go through the configured sender."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from minsheng.accounts.models import User, VerificationCode
from minsheng.accounts.senders import ConsoleSender, MemorySender

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "minsheng-new-pw-2026"


@pytest.fixture(autouse=True)
def memory_sender(settings):
    settings.MINSHENG_CODE_SENDER = "minsheng.accounts.senders.MemorySender"
    MemorySender.outbox.clear()
    yield MemorySender.outbox
    MemorySender.outbox.clear()


def send_code(client, url, identifier):
    return client.post(url, {"action": "send_code", "identifier": identifier})


def last_code(outbox, target):
    codes = [code for t, code, _ in outbox if t == target]
    assert codes, f"no code was sent to {target}"
    return codes[-1]


def register(client, identifier, code, password=NEW_PASSWORD, **extra):
    data = {"action": "register", "identifier": identifier, "code": code, "password1": password,
            "password2": password, "agree": "on", **extra}
    return client.post("/accounts/register/", data)


def test_register_with_phone_signs_in_and_verifies_phone(client, memory_sender):
    r = send_code(client, "/accounts/register/", "138 1234 5678")
    assert r.status_code == 200
    assert "验证码已发送" in r.content.decode()
    code = last_code(memory_sender, "13812345678")
    r = register(client, "13812345678", code, display_name="老张")
    assert r.status_code == 302
    user = User.objects.get(phone="13812345678")
    assert user.phone_verified and user.display_name == "老张" and user.check_password(NEW_PASSWORD)
    assert VerificationCode.objects.get(target="13812345678").used_at is not None
    assert "老张" in client.get("/").content.decode()  # signed in


def test_a_code_typed_in_full_width_digits_is_the_code(client, memory_sender):
    """A Chinese keyboard in full-width mode types the six digits as １２３４５６: the phone
    number beside it was read, the code was 「验证码不正确」 and cost one of its tries."""
    send_code(client, "/accounts/register/", "13812345678")
    code = last_code(memory_sender, "13812345678")
    wide = "".join(chr(ord(digit) + 0xFEE0) for digit in code)
    r = register(client, "１３８１２３４５６７８", wide)
    assert r.status_code == 302
    assert User.objects.get(phone="13812345678").phone_verified


def test_register_with_email_then_sign_in_with_email(memory_sender):
    c = Client()
    send_code(c, "/accounts/register/", "Wang@Example.com")
    code = last_code(memory_sender, "wang@example.com")
    assert register(c, "wang@example.com", code).status_code == 302
    user = User.objects.get(email="wang@example.com")
    assert user.email_verified and not user.phone
    fresh = Client()
    r = fresh.post("/accounts/login/", {"username": "wang@example.com", "password": NEW_PASSWORD})
    assert r.status_code == 302
    assert fresh.get("/me/messages/").status_code == 200


def test_an_email_longer_than_an_account_name_is_refused_before_a_code_is_sent(client, memory_sender):
    """An account's user name is its email, 150 characters at most, while the box took 254: an
    email of 151 was sent a code, then registering it was an error page (PostgreSQL)."""
    email = "a" * 139 + "@example.com"  # 151 characters
    r = send_code(client, "/accounts/register/", email)
    assert "邮箱最长 150 个字符, 请换一个邮箱或用手机号注册" in r.content.decode() and not memory_sender
    r = register(client, email, "123456")
    assert r.status_code == 200 and "邮箱最长 150 个字符" in r.content.decode()
    assert not User.objects.filter(email=email).exists()
    shorter = email[1:]  # 150: taken
    send_code(client, "/accounts/register/", shorter)
    assert register(client, shorter, last_code(memory_sender, shorter)).status_code == 302
    assert User.objects.get(username=shorter).email == shorter


@pytest.mark.parametrize("url", ["/accounts/register/", "/accounts/reset/"])
def test_code_box_asks_a_phone_for_digits_and_takes_the_focus_once_sent(client, url):
    """The code box showed a phone's full keyboard and did not offer the code of the SMS just
    received; after 获取验证码 the page opened at its top, not at the box the code goes in."""
    blank = client.get(url).content.decode()
    box = re.search(r'<input[^>]*name="code"[^>]*>', blank).group(0)
    assert 'inputmode="numeric"' in box and 'autocomplete="one-time-code"' in box and "autofocus" not in box
    assert re.search(r'<input[^>]*name="identifier"[^>]*autocomplete="username"', blank)
    sent = send_code(client, url, "13812345678").content.decode()
    assert "autofocus" in re.search(r'<input[^>]*name="code"[^>]*>', sent).group(0)
    assert "autofocus" not in re.search(r'<input[^>]*name="identifier"[^>]*>', sent).group(0)
    refused = send_code(client, url, "1381234").content.decode()  # the number is to be corrected first
    assert "autofocus" not in re.search(r'<input[^>]*name="code"[^>]*>', refused).group(0)


def test_wrong_code_creates_no_account_and_keeps_input(client, memory_sender):
    send_code(client, "/accounts/register/", "13812345678")
    code = last_code(memory_sender, "13812345678")
    wrong = "000000" if code != "000000" else "111111"
    r = register(client, "13812345678", wrong, display_name="老张")
    body = r.content.decode()
    assert r.status_code == 200 and "验证码不正确" in body
    assert 'value="老张"' in body and 'value="13812345678"' in body
    assert not User.objects.filter(phone="13812345678").exists()


@pytest.mark.parametrize("url", ["/accounts/register/", "/accounts/reset/"])
def test_a_password_typed_before_the_code_was_sent_is_asked_for_again_with_a_word(client, memory_sender, url):
    """A citizen on a phone filled in everything, then pressed 获取验证码: the page came back with the
    passwords empty (they are never sent back in a page) and no word of it, and after the code
    came 「请输入密码」. The page says at the password box that it must be typed again."""
    r = client.post(url, {"action": "send_code", "identifier": "13812345678", "display_name": "老张",
                          "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    body = r.content.decode()
    assert r.status_code == 200 and NEW_PASSWORD not in body
    note = "出于安全原因, 密码没有保留, 请重新输入密码和确认密码。"
    assert body.index(note) < body.index('name="password1"')  # where the password goes
    assert note not in send_code(client, url, "13812345679").content.decode()  # none was typed: no word
    assert note not in client.get(url).content.decode()


def test_too_many_wrong_codes_lock_the_code(client, memory_sender):
    send_code(client, "/accounts/register/", "13812345678")
    code = last_code(memory_sender, "13812345678")
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        register(client, "13812345678", wrong)
    r = register(client, "13812345678", code)
    assert "错误次数过多" in r.content.decode()
    assert not User.objects.filter(phone="13812345678").exists()


def test_expired_code_is_refused(client, memory_sender):
    send_code(client, "/accounts/register/", "13812345678")
    code = last_code(memory_sender, "13812345678")
    VerificationCode.objects.update(created_at=timezone.now() - dt.timedelta(minutes=11))
    r = register(client, "13812345678", code)
    assert "已过期" in r.content.decode()
    assert not User.objects.filter(phone="13812345678").exists()


@pytest.mark.parametrize("identifier, error", [
    ("12345", "请输入 11 位手机号或有效的邮箱地址"),
    ("not-an-email@", "邮箱格式不正确"),
    ("", "请输入手机号或邮箱"),
])
def test_bad_identifier_is_refused_without_sending(client, memory_sender, identifier, error):
    r = send_code(client, "/accounts/register/", identifier)
    assert r.status_code == 200 and error in r.content.decode()
    assert memory_sender == [] and VerificationCode.objects.count() == 0


def test_registered_phone_cannot_register_again(client, personas, memory_sender):
    r = send_code(client, "/accounts/register/", personas["citizen"].phone)
    assert "已注册" in r.content.decode()
    assert memory_sender == []


def test_code_resend_is_rate_limited(client, memory_sender):
    send_code(client, "/accounts/register/", "13812345678")
    r = send_code(client, "/accounts/register/", "13812345678")
    assert "过于频繁" in r.content.decode()
    assert len(memory_sender) == 1


@pytest.mark.parametrize("p1, p2, error", [
    ("abc", "abc", "密码至少 8 位"),
    ("12345678901", "12345678901", "密码不能全是数字"),
    (NEW_PASSWORD, NEW_PASSWORD + "x", "两次输入的密码不一致"),
])
def test_weak_or_mismatched_password_is_refused(client, memory_sender, p1, p2, error):
    send_code(client, "/accounts/register/", "13812345678")
    code = last_code(memory_sender, "13812345678")
    r = client.post("/accounts/register/", {"action": "register", "identifier": "13812345678", "code": code,
                                            "password1": p1, "password2": p2})
    assert r.status_code == 200
    assert error in r.content.decode()
    assert 'class="errorlist' in r.content.decode()
    assert not User.objects.filter(phone="13812345678").exists()


def test_login_with_phone_and_wrong_password(personas):
    c = Client()
    r = c.post("/accounts/login/", {"username": "13800000001", "password": "wrong-password"})
    assert r.status_code == 200 and "手机号/邮箱或密码不正确" in r.content.decode()
    r = c.post("/accounts/login/", {"username": "13800000001", "password": PASSWORD})
    assert r.status_code == 302
    r = Client().post("/accounts/login/", {"username": "xiaoli@example.com", "password": PASSWORD})
    assert r.status_code == 302


def test_repeated_wrong_passwords_lock_the_account_for_a_while(personas):
    from minsheng.accounts import limits

    c = Client()
    for _ in range(limits.PER_ACCOUNT):
        r = c.post("/accounts/login/", {"username": "13800000001", "password": "wrong-password"})
        assert "手机号/邮箱或密码不正确" in r.content.decode()
    # now even the right password is refused, with the reason, from any browser
    r = Client(REMOTE_ADDR="10.0.0.9").post("/accounts/login/", {"username": "13800000001", "password": PASSWORD})
    assert r.status_code == 200 and "登录失败次数过多, 请 15 分钟后再试" in r.content.decode()
    assert "_auth_user_id" not in r.client.session
    # the same account by its email is locked too; another account is not
    r = Client().post("/accounts/login/", {"username": "XiaoLi@example.com", "password": PASSWORD})
    assert "登录失败次数过多" in r.content.decode()
    assert Client().post("/accounts/login/", {"username": "13800000002", "password": PASSWORD}).status_code == 302


def test_many_failures_from_one_address_are_refused_and_success_clears_the_account_count(personas):
    from minsheng.accounts import limits

    c = Client(REMOTE_ADDR="10.0.0.7")
    for _ in range(limits.PER_ACCOUNT - 1):
        c.post("/accounts/login/", {"username": "13800000001", "password": "wrong-password"})
    assert c.post("/accounts/login/", {"username": "13800000001", "password": PASSWORD}).status_code == 302
    c = Client(REMOTE_ADDR="10.0.0.7")  # the count was cleared: one more mistake is not a lock
    c.post("/accounts/login/", {"username": "13800000001", "password": "wrong-password"})
    assert c.post("/accounts/login/", {"username": "13800000001", "password": PASSWORD}).status_code == 302
    for i in range(limits.PER_ADDRESS):  # guessing across many accounts from one address
        Client(REMOTE_ADDR="10.0.0.8").post("/accounts/login/", {"username": f"1390000{i:04d}", "password": "x"})
    r = Client(REMOTE_ADDR="10.0.0.8").post("/accounts/login/", {"username": "13800000001", "password": PASSWORD})
    assert "登录失败次数过多" in r.content.decode()
    assert Client(REMOTE_ADDR="10.0.0.9").post(
        "/accounts/login/", {"username": "13800000001", "password": PASSWORD}).status_code == 302


def test_reset_password_by_code(personas, memory_sender):
    c = Client()
    r = send_code(c, "/accounts/reset/", "13800000001")
    assert "验证码已发送" in r.content.decode()
    code = last_code(memory_sender, "13800000001")
    r = c.post("/accounts/reset/", {"action": "reset", "identifier": "13800000001", "code": code,
                                    "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert r.status_code == 302
    assert Client().post("/accounts/login/", {"username": "13800000001", "password": PASSWORD}).status_code == 200
    assert Client().post("/accounts/login/", {"username": "13800000001",
                                              "password": NEW_PASSWORD}).status_code == 302


def test_the_page_a_citizen_was_going_to_survives_register_and_reset(personas, memory_sender):
    """Sent to sign in on the way to a message (我也遇到), a citizen who opened 注册新账号 and
    then 已有账号? 登录, or 忘记密码 and then reset it, signed in to the home page: those
    links and the reset's redirect dropped ?next=."""
    going = "/m/20261121000083/"
    login_page = Client().get("/accounts/login/", {"next": going}).content.decode()
    assert 'href="/accounts/reset/?next=/m/20261121000083/"' in login_page
    register_page = Client().get("/accounts/register/", {"next": going}).content.decode()
    assert 'href="/accounts/login/?next=/m/20261121000083/"' in register_page
    c = Client()
    reset_page = c.get("/accounts/reset/", {"next": going}).content.decode()
    assert 'href="/accounts/login/?next=/m/20261121000083/"' in reset_page
    send_code(c, f"/accounts/reset/?next={going}", "13800000001")
    code = last_code(memory_sender, "13800000001")
    r = c.post(f"/accounts/reset/?next={going}", {"action": "reset", "identifier": "13800000001", "code": code,
                                                  "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert r["Location"] == "/accounts/login/?next=%2Fm%2F20261121000083%2F"
    r = c.post(r["Location"], {"username": "13800000001", "password": NEW_PASSWORD, "next": going})
    assert r["Location"] == going


def test_reset_for_unknown_account_says_the_same_but_sends_nothing(client, memory_sender):
    r = send_code(client, "/accounts/reset/", "13999999999")
    assert "验证码已发送" in r.content.decode()
    assert memory_sender == []
    r = client.post("/accounts/reset/", {"action": "reset", "identifier": "13999999999", "code": "123456",
                                         "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert "验证码不正确" in r.content.decode()


def test_codes_are_not_stored_in_plain_text(personas, memory_sender):
    send_code(Client(), "/accounts/reset/", "13800000001")
    code = last_code(memory_sender, "13800000001")
    stored = VerificationCode.objects.get(target="13800000001").code
    assert code not in stored and len(stored) == 64


def test_reset_with_a_registration_code_is_refused(personas, memory_sender):
    c = Client()
    VerificationCode.objects.create(target="13800000001", code="654321", purpose="register")
    r = c.post("/accounts/reset/", {"action": "reset", "identifier": "13800000001", "code": "654321",
                                    "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert r.status_code == 200 and "验证码" in r.content.decode()
    personas["citizen"].refresh_from_db()
    assert personas["citizen"].check_password(PASSWORD)


def test_profile_needs_login_and_saves_nickname(client, personas, login):
    assert client.get("/accounts/me/").status_code == 302
    c = login(personas["citizen"])
    r = c.get("/accounts/me/")
    assert r.status_code == 200 and "个人 API 令牌" in r.content.decode()
    r = c.post("/accounts/me/", {"display_name": "李大姐"})
    assert r.status_code == 302
    personas["citizen"].refresh_from_db()
    assert personas["citizen"].display_name == "李大姐"
    r = c.post("/accounts/me/", {"display_name": "长" * 31})
    assert r.status_code == 200 and "昵称最多 30 个字" in r.content.decode()


def test_the_change_password_form_names_the_account_for_the_password_manager(personas, login):
    """修改密码 had no account field: a phone's password manager saved the new password under no
    account (Chromium: 「Password forms should have (optionally hidden) username fields」)."""
    page = login(personas["citizen"]).get("/accounts/me/password/").content.decode()
    box = re.search(r'<input [^>]*autocomplete="username"[^>]*>', page)
    assert box and 'value="13800000001"' in box.group(0) and "hidden" in box.group(0)


def test_a_refused_password_change_says_the_passwords_were_not_kept(personas, login):
    """修改密码 refused (a wrong current password) came back with all three boxes empty and no word
    of why, where 注册 and 重置密码 say it at the password boxes."""
    c = login(personas["citizen"])
    r = c.post("/accounts/me/password/", {"old_password": "wrong-one", "password1": NEW_PASSWORD,
                                           "password2": NEW_PASSWORD})
    body = r.content.decode()
    assert r.status_code == 200 and "当前密码不正确" in body and NEW_PASSWORD not in body
    note = "出于安全原因, 密码没有保留, 请重新输入当前密码、新密码和确认新密码。"
    assert body.index(note) < body.index('name="old_password"')
    assert "密码没有保留" not in c.get("/accounts/me/password/").content.decode()
    assert "密码没有保留" not in c.post("/accounts/me/password/", {}).content.decode()  # nothing typed


def test_a_signed_in_user_changes_the_password_with_the_current_one(client, personas, login):
    """Staff created by the admin or by import-staff often have neither phone nor e-mail: 修改密码
    led to the reset page, whose code could not reach them."""
    officer = personas["officer"]
    User.objects.filter(pk=officer.pk).update(phone=None, email="")
    officer.refresh_from_db()  # signed in as stored: a session's hash covers the email too
    assert client.get("/accounts/me/password/").status_code == 302  # sign-in first
    c = login(officer)
    assert 'href="/accounts/me/password/"' in c.get("/accounts/me/").content.decode()
    r = c.post("/accounts/me/password/", {"old_password": "wrong-one", "password1": NEW_PASSWORD,
                                           "password2": NEW_PASSWORD})
    assert r.status_code == 200 and "当前密码不正确" in r.content.decode()
    r = c.post("/accounts/me/password/", {"old_password": PASSWORD, "password1": "12345678", "password2": "12345678"})
    assert r.status_code == 200 and "密码不能全是数字" in r.content.decode()
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)  # nothing changed by the refused forms
    r = c.post("/accounts/me/password/", {"old_password": PASSWORD, "password1": NEW_PASSWORD,
                                           "password2": NEW_PASSWORD}, follow=True)
    assert "密码已修改" in r.content.decode()
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)
    assert c.get("/staff/").status_code == 200  # still signed in on this browser


def test_console_sender_prints_the_code(capsys, settings):
    ConsoleSender().send("13812345678", "246810", "register")
    assert "13812345678" in capsys.readouterr().out


def test_configured_sender_is_used(client, settings, memory_sender):
    settings.MINSHENG_CODE_SENDER = "minsheng.accounts.senders.ConsoleSender"
    send_code(client, "/accounts/register/", "13812345678")
    assert memory_sender == []  # went to the console sender instead
    assert VerificationCode.objects.filter(target="13812345678").count() == 1


def test_broken_sender_gives_a_clear_message(client, settings):
    settings.MINSHENG_CODE_SENDER = "minsheng.accounts.senders.NoSuchSender"
    r = send_code(client, "/accounts/register/", "13812345678")
    assert r.status_code == 200 and "验证码发送失败" in r.content.decode()
    assert not VerificationCode.objects.exists()


# --- a stale form (CSRF) ------------------------------------------------------------

def test_a_stale_form_gets_the_sites_page_asking_to_reload(personas):
    """Not Django's technical 「CSRF验证失败 … 请设置选项DEBUG＝True」 page."""
    browser = Client(enforce_csrf_checks=True)
    r = browser.post("/accounts/login/", {"username": personas["citizen"].phone, "password": PASSWORD},
                     HTTP_REFERER="http://testserver/accounts/login/?next=/post/")
    page = r.content.decode()
    assert r.status_code == 403
    assert "页面已过期或表单已失效, 请刷新页面后重试" in page
    assert 'href="http://testserver/accounts/login/?next=/post/"' in page and "返回上一页" in page
    assert "我要留言" in page  # the site's layout
    assert "DEBUG" not in page and "CSRF验证失败" not in page
    assert "_auth_user_id" not in browser.session
    offsite = browser.post("/accounts/login/", {}, HTTP_REFERER="https://evil.example/")
    assert offsite.status_code == 403 and "evil.example" not in offsite.content.decode()


def test_a_stale_form_on_an_api_path_answers_json_to_programs(personas):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas["citizen"])
    page = browser.post("/api/tokens/", {"name": "脚本"}, HTTP_ACCEPT="text/html,application/xhtml+xml")
    assert page.status_code == 403 and "请刷新页面后重试" in page.content.decode()
    program = browser.post("/api/tokens/", {"name": "脚本"}, HTTP_ACCEPT="application/json")
    assert program.status_code == 403
    assert program.json() == {"error": {"code": "permission_denied", "fields": {},
                                        "message": "CSRF 校验失败: 请带上 X-CSRFToken 请求头, 或改用 API 令牌"}}


def test_the_header_sign_in_link_returns_to_the_page_being_read(personas):
    """A citizen reading a message taps 登录 (or 注册) in the header and, signed in, was on the
    home page: the header's links carried no ?next=. On the home page they need none."""
    from minsheng.board import actions

    m = actions.do_submit(personas["citizen"], title="小区门口道路坑洼多年", kind="help",
                          body="小区门口道路坑洼多年, 雨天积水, 老人出行不便, 希望尽快修复。",
                          region=personas["dispatcher"].memberships.get().region)
    actions.do_accept(personas["dispatcher"], m)
    page = Client().get(f"/m/{m.public_id}/", {"from": "list"}).content.decode()
    assert f'href="/accounts/login/?next=/m/{m.public_id}/%3Ffrom%3Dlist">登录</a>' in page
    assert f'href="/accounts/register/?next=/m/{m.public_id}/%3Ffrom%3Dlist">注册</a>' in page
    r = Client().post(f"/accounts/login/?next=/m/{m.public_id}/%3Ffrom%3Dlist",
                      {"username": "13800000002", "password": PASSWORD, "next": f"/m/{m.public_id}/?from=list"})
    assert r.status_code == 302 and r["Location"] == f"/m/{m.public_id}/?from=list"
    home = Client().get("/").content.decode()
    assert 'href="/accounts/login/">登录</a>' in home


def test_the_header_register_link_on_the_sign_in_page_keeps_where_the_citizen_was_going(personas):
    """Sent from 我要留言 to sign in, a new citizen taps 注册 in the header (not 注册新账号 below the
    form) and, registered, was on the home page instead of the form: on the account pages the header's
    links dropped the page's own ?next=."""
    page = Client().get("/accounts/login/", {"next": "/post/"}).content.decode()
    assert 'href="/accounts/register/?next=/post/">注册</a>' in page
    page = Client().get("/accounts/register/", {"next": "/post/"}).content.decode()
    assert 'href="/accounts/login/?next=/post/">登录</a>' in page
    page = Client().get("/accounts/login/", {"next": "https://example.org/"}).content.decode()
    assert 'href="/accounts/register/">注册</a>' in page


@pytest.mark.parametrize("username, lands", [("13800000001", "/"), ("officer", "/staff/"),
                                              ("dispatcher", "/staff/triage/"), ("supervisor", "/staff/supervision/")])
def test_staff_sign_in_to_their_workbench(personas, username, lands):
    """Signed in from the home page, a dispatcher, an officer or a supervisor stood on the public
    home page and had to find 工作台; a citizen still lands on the home page."""
    c = Client()
    r = c.post("/accounts/login/", {"username": username, "password": PASSWORD}, follow=True)
    assert r.status_code == 200 and r.redirect_chain[-1][0] == lands


@pytest.mark.django_db
def test_a_signed_out_citizen_sent_to_sign_in_from_the_post_form_is_told_why(client):
    """我要留言 signed out led to a bare login form; the citizen did not learn that posting
    needs an account, nor that one is made with a phone number (我也遇到 said so already)."""
    page = client.get("/post/", follow=True)
    assert page.redirect_chain[-1][0] == "/accounts/login/?next=/post/"
    text = page.content.decode()
    assert "登录后即可留言" in text and '<a href="/accounts/register/?next=/post/">注册新账号</a>' in text
    for elsewhere in ("/accounts/login/", "/accounts/login/?next=/chronic/"):
        assert "登录后即可留言" not in client.get(elsewhere).content.decode()


@pytest.mark.parametrize("going, lands", [("/me/notifications/read-all/", "/me/notifications/"),
                                          ("/api/tokens/{token}/revoke/", "/api/tokens/")])
def test_a_post_that_met_the_login_page_lands_on_its_page_once_signed_in(going, lands, personas):
    """标为已读 or 撤销 pressed with the session run out goes to the login page with the post's
    address as next; signed in, the citizen got an empty 405 at that address (it took posts only)."""
    from minsheng.api.models import ApiToken

    token, _ = ApiToken.issue(personas["citizen"], "我的脚本")
    going = going.format(token=token.pk)
    client = Client()
    r = client.post(going)
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/?next=")
    page = client.post(r["Location"], {"username": "13800000001", "password": PASSWORD, "next": going}, follow=True)
    assert page.status_code == 200 and page.redirect_chain[-1][0] == lands
    token.refresh_from_db()
    assert token.revoked_at is None  # nothing was done on the way


def test_wrong_current_passwords_at_change_password_lock_the_account_as_sign_ins_do(personas, login):
    """A session someone took cannot guess the current password at 修改密码 without limit (and then
    set their own): the wrong ones count as failed sign-ins, and then even the right one is refused."""
    from minsheng.accounts import limits

    c = login(personas["citizen"])
    for _ in range(limits.PER_ACCOUNT):
        r = c.post("/accounts/me/password/", {"old_password": "wrong-one", "password1": NEW_PASSWORD,
                                               "password2": NEW_PASSWORD})
        assert "当前密码不正确" in r.content.decode()
    r = c.post("/accounts/me/password/", {"old_password": PASSWORD, "password1": NEW_PASSWORD,
                                           "password2": NEW_PASSWORD})
    assert r.status_code == 200 and "登录失败次数过多, 请 15 分钟后再试" in r.content.decode()
    assert User.objects.get(pk=personas["citizen"].pk).check_password(PASSWORD)


@pytest.mark.parametrize("going", ["/\t/example.org/", "/\n/example.org/", "/\\\\example.org/"])
def test_the_header_links_on_the_sign_in_page_keep_no_next_the_sign_in_refuses(going):
    """The header's 登录/注册 on an account page keep its ?next= by the rule the sign-in itself applies
    (``safe_next``): a browser reads 「/<tab>/example.org/」 as 「//example.org/」, another site, which the
    sign-in refuses; the header's own copy of the rule let it through into its links (review, 2026-12-05)."""
    for page in ("/accounts/login/", "/accounts/register/"):
        html = Client().get(page, {"next": going}).content.decode()
        header = html[html.index("<header"):html.index("</header>")]
        assert "example.org" not in header and 'href="/accounts/login/">登录</a>' in header, (page, going)


def test_a_wrong_code_is_said_with_the_other_mistakes_of_the_registration(client, memory_sender):
    """A citizen who mistyped the code and left 同意《隐私政策》 unticked was told of the box alone; ticked,
    with both passwords typed again, the page then said 「验证码不正确」 and asked for them a third time.
    The wrong code is said at once, beside the other mistakes; a right code is kept for the next try."""
    send_code(client, "/accounts/register/", "13812345678")
    code = last_code(memory_sender, "13812345678")
    wrong = "000000" if code != "000000" else "111111"
    r = register(client, "13812345678", wrong, agree="")
    page = r.content.decode()
    assert r.status_code == 200 and "验证码不正确" in page and "请阅读并勾选同意《隐私政策》后再注册" in page
    r = register(client, "13812345678", code, agree="")  # the right code, the box still unticked
    page = r.content.decode()
    assert r.status_code == 200 and "请阅读并勾选同意《隐私政策》后再注册" in page
    assert "验证码不正确" not in page and "验证码已使用" not in page
    r = register(client, "13812345678", code)  # ticked: the same code still signs the citizen up
    assert r.status_code == 302
    assert User.objects.get(phone="13812345678").phone_verified


def test_a_wrong_reset_code_is_said_with_a_password_mismatch(client, personas, memory_sender):
    """重置密码 as 注册: a wrong code and two passwords that differ are said together."""
    send_code(client, "/accounts/reset/", personas["citizen"].phone)
    code = last_code(memory_sender, personas["citizen"].phone)
    wrong = "000000" if code != "000000" else "111111"
    r = client.post("/accounts/reset/", {"action": "reset", "identifier": personas["citizen"].phone, "code": wrong,
                                         "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert r.status_code == 200 and "验证码不正确" in r.content.decode()
    r = client.post("/accounts/reset/", {"action": "reset", "identifier": "13899999999", "code": wrong,
                                         "password1": NEW_PASSWORD, "password2": NEW_PASSWORD + "x"})
    assert r.status_code == 200 and "验证码不正确" in r.content.decode()  # an unknown account: the same words
