# ruff: noqa: F811  (a pytest fixture imported from test_accounts)
"""A citizen whose account was taken over resets or changes the password: every other
browser and every personal API token stops working (the security review found tokens
still valid after a reset). An account an admin deactivates or gives a new password
loses them too."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.test import Client

from minsheng.accounts.models import User
from minsheng.api.models import ApiToken

from .conftest import PASSWORD
from .test_accounts import NEW_PASSWORD, last_code, memory_sender, send_code  # noqa: F401 (fixture)
from .test_api_auth import token_client

pytestmark = pytest.mark.django_db
ME = "/api/v1/me/messages/"


def signed_in_elsewhere(user) -> Client:
    """The other device: a browser the user (or whoever took the account) signed in on."""
    c = Client()
    assert c.post("/accounts/login/", {"username": user.username, "password": PASSWORD}).status_code == 302
    assert c.get("/accounts/me/").status_code == 200
    return c


def test_a_reset_password_signs_out_other_browsers_and_revokes_api_tokens(personas, memory_sender):
    citizen = personas["citizen"]
    _, key = ApiToken.issue(citizen, "我的脚本")
    assert token_client(key).get(ME).status_code == 200
    intruder = signed_in_elsewhere(citizen)
    c = Client()
    send_code(c, "/accounts/reset/", "13800000001")
    r = c.post("/accounts/reset/", {"action": "reset", "identifier": "13800000001",
                                    "code": last_code(memory_sender, "13800000001"),
                                    "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True)
    page = r.content.decode()
    assert "密码已重置" in page and "其他设备上的登录已全部退出, 1 个 API 令牌已撤销" in page
    response = token_client(key).get(ME)
    assert response.status_code == 401 and response.json()["error"]["message"].startswith("令牌无效或已撤销: 请登录网站, 在 /api/tokens/ 生成新令牌")
    assert intruder.get("/accounts/me/").status_code == 302  # back to sign-in
    assert ApiToken.objects.get(user=citizen).revoked_at is not None  # listed as revoked on /api/tokens/


def test_a_changed_password_keeps_this_browser_and_ends_the_others(personas):
    citizen = personas["citizen"]
    _, key = ApiToken.issue(citizen, "我的脚本")
    _, other_key = ApiToken.issue(personas["other_citizen"], "别人的脚本")
    intruder = signed_in_elsewhere(citizen)
    me = signed_in_elsewhere(citizen)
    r = me.post("/accounts/me/password/", {"old_password": PASSWORD, "password1": NEW_PASSWORD,
                                            "password2": NEW_PASSWORD}, follow=True)
    assert "密码已修改。其他设备上的登录已全部退出, 1 个 API 令牌已撤销" in r.content.decode()
    assert me.get("/accounts/me/").status_code == 200  # still signed in here
    assert intruder.get("/accounts/me/").status_code == 302
    assert token_client(key).get(ME).status_code == 401
    assert token_client(other_key).get(ME).status_code == 200  # another user's tokens are theirs


def test_a_citizen_without_tokens_is_not_told_of_tokens(personas, login):
    r = login(personas["citizen"]).post("/accounts/me/password/", {
        "old_password": PASSWORD, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}, follow=True)
    page = r.content.decode()
    assert "其他设备上的登录已全部退出" in page and "令牌已撤销" not in page


def test_a_password_set_by_an_admin_or_the_command_revokes_tokens(personas, admin_client):
    citizen = personas["citizen"]
    _, key = ApiToken.issue(citizen, "我的脚本")
    r = admin_client.post(f"/admin/accounts/user/{citizen.pk}/password/", {
        "password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"})
    assert r.status_code == 302
    citizen.refresh_from_db()
    assert citizen.check_password(NEW_PASSWORD)
    assert token_client(key).get(ME).status_code == 401
    _, key = ApiToken.issue(citizen, "新脚本")
    user = User.objects.get(pk=citizen.pk)
    user.set_password("another-pw-2026")  # what `minsheng changepassword` does
    user.save()
    assert token_client(key).get(ME).status_code == 401


def test_a_hash_upgrade_at_sign_in_keeps_the_tokens(personas, settings):
    """Django rewrites a password's hash on sign-in when its hasher changed (an upgrade): the
    password is the same, so the tokens stay."""
    citizen = personas["citizen"]
    _, key = ApiToken.issue(citizen, "我的脚本")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher",
                                 "django.contrib.auth.hashers.MD5PasswordHasher"]
    assert Client().post("/accounts/login/", {"username": "13800000001", "password": PASSWORD}).status_code == 302
    citizen.refresh_from_db()
    assert citizen.password.startswith("pbkdf2_")  # the upgrade happened
    assert token_client(key).get(ME).status_code == 200


def user_form(user, **changes) -> dict:
    """The admin's change form of ``user`` as it is, with ``changes``."""
    data = {"username": user.username, "first_name": "", "last_name": "", "email": user.email or "",
            "is_active": "on", "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
            "date_joined_1": user.date_joined.strftime("%H:%M:%S"), "phone": user.phone or "",
            "display_name": user.display_name, "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0"}
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_a_deactivated_account_loses_its_tokens_and_sessions(personas, admin_client):
    """Deactivating revokes the tokens: reactivating the account (the owner back, the
    intruder's password reset) brings none of them back."""
    citizen = personas["citizen"]
    _, key = ApiToken.issue(citizen, "我的脚本")
    _, other_key = ApiToken.issue(personas["other_citizen"], "别人的脚本")
    browser = signed_in_elsewhere(citizen)
    change = f"/admin/accounts/user/{citizen.pk}/change/"
    r = admin_client.post(change, user_form(citizen, is_active=None), follow=True)  # 有效 unticked
    assert "账号已停用, 1 个 API 令牌已撤销" in r.content.decode()
    response = token_client(key).get(ME)  # the account's reason while it is switched off (tests/test_deactivated_sign_in.py)
    assert response.status_code == 401 and response.json()["error"]["message"].startswith("该账号已被停用, 如有疑问请联系管理员")
    assert browser.get("/accounts/me/").status_code == 302
    assert browser.get(ME).status_code in (401, 403)  # the API with the old session cookie
    assert admin_client.post(change, user_form(citizen)).status_code == 302  # 有效 ticked again
    citizen.refresh_from_db()
    assert citizen.is_active
    response = token_client(key).get(ME)
    assert response.status_code == 401 and response.json()["error"]["message"].startswith("令牌无效或已撤销: 请登录网站, 在 /api/tokens/ 生成新令牌")
    assert ApiToken.objects.get(user=citizen).revoked_at is not None  # listed as revoked on /api/tokens/
    assert token_client(other_key).get(ME).status_code == 200


def test_saving_an_account_revokes_its_tokens_only_when_it_is_deactivated(personas):
    citizen = personas["citizen"]
    _, key = ApiToken.issue(citizen, "我的脚本")
    user = User.objects.get(pk=citizen.pk)
    user.display_name = "小李子"
    user.save()
    assert token_client(key).get(ME).status_code == 200
    user.is_active = False
    user.save(update_fields=["display_name"])  # is_active not written: still active
    assert token_client(key).get(ME).status_code == 200
    user.save()  # what `minsheng shell` or a script does
    assert ApiToken.objects.get(user=citizen).revoked_at is not None


def test_changepassword_command_revokes_tokens(personas, monkeypatch):
    citizen = personas["citizen"]
    _, key = ApiToken.issue(citizen, "我的脚本")
    monkeypatch.setattr("getpass.getpass", lambda *a, **k: "another-pw-2026")
    call_command("changepassword", citizen.username, stdout=io.StringIO())
    assert token_client(key).get(ME).status_code == 401


def test_the_admin_revokes_tokens_from_the_list(personas, admin_client):
    # revoking one meant opening it and typing a date and a time into 撤销时间
    citizen = personas["citizen"]
    token, key = ApiToken.issue(citizen, "我的脚本")
    kept, kept_key = ApiToken.issue(personas["other_citizen"], "别人的脚本")
    assert token_client(key).get(ME).status_code == 200
    response = admin_client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]},
                                 follow=True)
    assert "已撤销 1 个 API 令牌" in response.content.decode()
    assert token_client(key).get(ME).status_code == 401
    assert token_client(kept_key).get(ME).status_code == 200
    # one revoked already keeps its time
    token.refresh_from_db()
    revoked_at = token.revoked_at
    response = admin_client.post("/admin/api/apitoken/", {"action": "revoke", "_selected_action": [token.pk]},
                                 follow=True)
    assert "已撤销 0 个 API 令牌 (1 个此前已撤销)" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at == revoked_at


def test_a_new_name_to_sign_in_with_ends_the_sessions_however_it_is_saved(personas):
    """The session auth hash covers the user name, phone and email (since 2026-12-05): a script (`minsheng
    shell`) that gives a user a new one ends their sessions and revokes their tokens as the admin does; one
    that writes other fields, or the email in another case (the same address), keeps them."""
    citizen = personas["citizen"]
    _, key = ApiToken.issue(citizen, "我的脚本")
    browser = signed_in_elsewhere(citizen)
    user = User.objects.get(pk=citizen.pk)
    user.email, user.display_name = "XiaoLi@Example.com", "小李子"
    user.save()
    user.phone = "13912345678"
    user.save(update_fields=["display_name"])  # the phone is not written
    assert browser.get("/accounts/me/").status_code == 200 and token_client(key).get(ME).status_code == 200
    user.save(update_fields=["phone"])
    assert browser.get("/accounts/me/").status_code == 302
    assert token_client(key).get(ME).status_code == 401
    assert Client().post("/accounts/login/", {"username": "13912345678", "password": PASSWORD}).status_code == 302
