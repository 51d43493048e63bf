"""An account an administrator switched off (停用, ``is_active`` unticked): whoever signs in to it with the right
password is told why, a wrong password reads as on any account (no probing which accounts are switched off); a
browser signed in meanwhile is signed out and its sign-in page says why, once; its API token is told so too."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils import timezone

from minsheng.accounts import limits
from minsheng.accounts.models import User
from minsheng.api.models import ApiToken

from .conftest import PASSWORD
from .test_api_auth import token_client

pytestmark = pytest.mark.django_db
SWITCHED_OFF = "该账号已被停用, 如有疑问请联系管理员"


def switch_off(user) -> None:
    user = User.objects.get(pk=user.pk)
    user.is_active = False
    user.save()  # as the admin's 有效 unticked does


def sign_in_page(client, username, password) -> str:
    """The sign-in page's answer, without what differs by nature (the CSRF token, the name typed)."""
    r = client.post("/accounts/login/", {"username": username, "password": password})
    assert r.status_code == 200 and "_auth_user_id" not in client.session
    page = r.content.decode().replace(username, "<name>")
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)


def test_a_switched_off_account_is_told_why_only_with_the_right_password(personas):
    citizen, other = personas["citizen"], personas["other_citizen"]
    switch_off(citizen)
    wrong_here = sign_in_page(Client(), citizen.phone, "wrong-password")
    wrong_elsewhere = sign_in_page(Client(), other.phone, "wrong-password")
    assert "手机号/邮箱或密码不正确" in wrong_here and "停用" not in wrong_here
    assert wrong_here == wrong_elsewhere
    right = sign_in_page(Client(), citizen.phone, PASSWORD)
    assert SWITCHED_OFF in right and "手机号/邮箱或密码不正确" not in right
    assert SWITCHED_OFF in sign_in_page(Client(), citizen.email, PASSWORD)  # by any of its names


def test_the_right_password_of_a_switched_off_account_does_not_lock_it(personas):
    """Its owner trying again and again is told why each time, not 「登录失败次数过多」 after five tries (it counted as
    a failure until 2026-12-07)."""
    citizen = personas["citizen"]
    switch_off(citizen)
    for _ in range(limits.PER_ACCOUNT + 2):
        page = sign_in_page(Client(), citizen.phone, PASSWORD)
        assert SWITCHED_OFF in page and "登录失败次数过多" not in page


def test_wrong_guesses_at_a_switched_off_account_still_lock_it(personas):
    """No unlimited guessing: a wrong password counts as on any account, the right one between them clears nothing,
    and once locked even the right one is refused as locked (telling 停用 then would confirm a guess)."""
    citizen, other = personas["citizen"], personas["other_citizen"]
    switch_off(citizen)
    for _ in range(limits.PER_ACCOUNT - 1):
        here, elsewhere = (sign_in_page(Client(), user.phone, "wrong-password") for user in (citizen, other))
        assert here == elsewhere and "手机号/邮箱或密码不正确" in here
    assert SWITCHED_OFF in sign_in_page(Client(), citizen.phone, PASSWORD)  # counts nothing, clears nothing
    last_wrong = sign_in_page(Client(), citizen.phone, "wrong-password")
    assert last_wrong == sign_in_page(Client(), other.phone, "wrong-password")  # the fifth, both
    for password in ("wrong-password", PASSWORD):
        here, elsewhere = (sign_in_page(Client(), user.phone, password) for user in (citizen, other))
        assert "登录失败次数过多, 请 15 分钟后再试" in here and SWITCHED_OFF not in here
    assert here == elsewhere  # the right password of a locked active account reads the same


def test_a_browser_signed_in_when_the_account_is_switched_off_is_told_why_once(personas):
    officer = personas["officer"]
    browser = Client()
    assert browser.post("/accounts/login/", {"username": officer.username, "password": PASSWORD}).status_code == 302
    assert browser.get("/staff/").status_code == 200
    switch_off(officer)
    r = browser.get("/staff/")
    assert r.status_code == 302 and r.url.startswith("/accounts/login/"), r.status_code
    assert SWITCHED_OFF in browser.get(r.url).content.decode()
    again = browser.get("/staff/")
    assert SWITCHED_OFF not in browser.get(again.url).content.decode()  # said once: the next person is not told


def test_the_token_of_a_switched_off_account_is_told_why(personas):
    citizen = personas["citizen"]
    _, key = ApiToken.issue(citizen, "我的脚本")
    User.objects.filter(pk=citizen.pk).update(is_active=False)  # a script's update: the token not revoked
    r = token_client(key).get("/api/v1/me/messages/")
    error = r.json()["error"]
    assert r.status_code == 401 and error["code"] == "account_inactive" and error["message"].startswith(SWITCHED_OFF)
    ApiToken.objects.filter(user=citizen).update(revoked_at=timezone.now())  # as the admin's 停用 does: the same
    error = token_client(key).get("/api/v1/me/messages/").json()["error"]
    assert error["code"] == "account_inactive" and error["message"].startswith(SWITCHED_OFF)


def test_the_token_of_a_closed_account_stays_refused_even_if_unrevoked(personas):
    """A closed (注销) account's token, its revocation undone (in the admin, a script), is still refused, as it was
    before 停用 was told apart: closing an account is not switching it off."""
    from minsheng.accounts.rights import do_close_account

    citizen = personas["citizen"]
    _, key = ApiToken.issue(citizen, "我的脚本")
    do_close_account(User.objects.get(pk=citizen.pk))
    ApiToken.objects.filter(user=citizen).update(revoked_at=None)
    r = token_client(key).get("/api/v1/me/messages/")
    assert r.status_code == 401 and r.json()["error"]["code"] != "account_inactive", r.content
