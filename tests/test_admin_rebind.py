# ruff: noqa: F811  (pytest fixtures imported from other test files)
"""A citizen's phone or email changed by an administrator in the admin (a citizen who lost their SIM
calls the hotline): the change does what the citizen's own 更换手机号或邮箱 does (accounts.rights) — the
user name follows, so the old number signs in to nothing, 忘记密码 by it reaches nothing and an Open311
request with it is not filed under the account; a number another account holds is refused, and a
citizen is never left with neither phone nor email."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import LogEntry
from django.core import mail
from django.test import Client

from minsheng.api.models import ApiToken
from minsheng.board.models import Message

from .conftest import PASSWORD, make_user
from .test_account_takeover import ME, signed_in_elsewhere, user_form
from .test_accounts import memory_sender  # noqa: F401
from .test_api_auth import token_client
from .test_api_support import advance, submit
from .test_open311 import BASE, api_key, client311, form, key  # noqa: F401
from .test_rebind import signed_in
from .test_sms_notices import texts  # noqa: F401

pytestmark = pytest.mark.django_db
OLD, NEW = "13800000001", "13912345678"


def change(admin_client, user, **changes):
    return admin_client.post(
        f"/admin/accounts/user/{user.pk}/change/", user_form(user, **changes), follow=True
    )


def test_a_phone_an_administrator_changes_moves_the_sign_in_to_the_new_number(
    personas,
    directory,
    admin_client,
    client311,
    key,
    memory_sender,
    texts,
    django_capture_on_commit_callbacks,
):
    citizen = personas["citizen"]
    handled = advance(submit(citizen, directory, title="小区电梯加装进展缓慢"), personas, directory, "signed")
    with django_capture_on_commit_callbacks(execute=True):
        page = change(admin_client, citizen, phone="139 1234 5678").content.decode()
    assert (
        "errornote" not in page and f"手机号已更改, 登录用户名现为 {NEW}。旧的 {OLD} 不能再用于登录" in page
    )
    assert "1 条办理中留言的联系方式已随之更新" in page
    citizen.refresh_from_db()
    assert (citizen.phone, citizen.username) == (NEW, NEW)
    assert signed_in(OLD) is None
    assert signed_in(NEW) is not None and signed_in("xiaoli@example.com") is not None
    # as at 更换手机号或邮箱: the unit calls the new number back, the old one is told it signs in no more
    assert Message.objects.get(pk=handled.pk).contact_phone == NEW
    assert texts == [
        (OLD, "【民声】您的民声账号已更换手机号，本号码不能再用于登录。如非本人操作，请尽快联系平台。")
    ]
    # 忘记密码 by the old number: the next holder of the number sets no password on the account
    admin_client.logout()
    admin_client.post("/accounts/reset/", {"action": "send_code", "identifier": OLD})
    for code in [c for t, c, _ in memory_sender if t == OLD]:
        admin_client.post(
            "/accounts/reset/",
            {
                "action": "reset",
                "identifier": OLD,
                "code": code,
                "password1": "a-new-pass-77",
                "password2": "a-new-pass-77",
            },
        )
    citizen.refresh_from_db()
    assert citizen.check_password(PASSWORD)
    # Open311 with the old number: a new account of it, not the citizen's
    response = client311.post(f"{BASE}/requests.json", form(key, email=None, phone=OLD))
    assert response.status_code == 200, response.content
    filed = Message.objects.get(public_id=response.json()[0]["service_request_id"])
    assert filed.author != citizen and filed.author.phone == OLD
    response = client311.post(f"{BASE}/requests.json", form(key, email=None, phone=NEW))
    assert Message.objects.get(public_id=response.json()[0]["service_request_id"]).author == citizen
    # the admin's own record of who changed it
    assert LogEntry.objects.filter(object_id=str(citizen.pk)).exists()


def test_an_email_an_administrator_changes_moves_the_user_name_too(
    admin_client, django_capture_on_commit_callbacks
):
    user = make_user("wang@example.com", email="wang@example.com")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        change(admin_client, user, email="Wang@Example.NET")
    [notice] = mail.outbox
    assert notice.to == ["wang@example.com"] and "已更换邮箱" in notice.subject
    user.refresh_from_db()
    assert (user.username, user.email) == ("wang@example.net", "wang@example.net")
    assert signed_in("wang@example.com") is None and signed_in("wang@example.net") is not None


def test_a_phone_or_email_another_account_holds_is_refused_in_the_admin(personas, admin_client):
    citizen = personas["citizen"]
    page = change(admin_client, citizen, phone="13800000002").content.decode()  # 小王's
    assert "该手机号或邮箱已被其他账号使用, 不能更换为它" in page
    page = change(admin_client, citizen, email="Zhang@Example.gov.cn").content.decode()  # the officer's
    assert "该手机号或邮箱已被其他账号使用, 不能更换为它" in page
    make_user("13700000003")  # a user name only (an account whose phone was cleared)
    assert (
        "该手机号或邮箱已被其他账号使用"
        in change(admin_client, citizen, phone="13700000003").content.decode()
    )
    page = change(admin_client, citizen, phone="1234").content.decode()
    assert "请输入 11 位手机号" in page
    citizen.refresh_from_db()
    assert (citizen.phone, citizen.email, citizen.username) == (OLD, "xiaoli@example.com", OLD)


def test_a_citizen_is_never_left_without_phone_and_email(personas, admin_client):
    other = personas["other_citizen"]  # a phone and no email
    page = change(admin_client, other, phone="").content.decode()
    assert "须保留手机号或邮箱" in page
    other.refresh_from_db()
    assert other.phone == "13800000002"
    # a citizen with both may lose one: the user name goes to the other, the one removed signs in no more
    citizen = personas["citizen"]
    change(admin_client, citizen, phone="")
    citizen.refresh_from_db()
    assert (citizen.phone, citizen.username) == (None, "xiaoli@example.com")
    assert signed_in(OLD) is None and signed_in("xiaoli@example.com") is not None


def test_a_staff_members_user_name_stays_theirs(personas, admin_client):
    officer = personas["officer"]  # signs in as "officer"
    change(admin_client, officer, phone=NEW, email="")
    officer.refresh_from_db()
    assert (officer.username, officer.phone, officer.email) == ("officer", NEW, "")
    assert signed_in("officer") is not None and signed_in(NEW) is not None


def test_a_phone_removed_is_no_longer_the_contact_of_open_messages(personas, directory, admin_client):
    # a citizen who lost their SIM and kept the email: the unit handling their case was still shown the old
    # number to call back, which the carrier gives to someone else (review 2026-12-05)
    citizen = personas["citizen"]
    handled = advance(submit(citizen, directory, title="小区电梯加装进展缓慢"), personas, directory, "signed")
    assert handled.contact_phone == OLD
    page = change(admin_client, citizen, phone="").content.decode()
    assert "1 条办理中留言的联系方式已随之更新" in page, page[page.find("messagelist") :][:600]
    handled.refresh_from_db()
    assert (handled.contact_phone, handled.contact_email) == ("", "xiaoli@example.com")


def test_a_phone_an_administrator_changes_signs_the_citizen_out_everywhere(personas, admin_client):
    """A lost phone may still be signed in: the administrator's change of the number the citizen signs in
    with ends every session of the account and revokes its API tokens, as the citizen's own change does
    (until 2026-12-05 they stayed until someone pressed 重置密码)."""
    citizen = personas["citizen"]
    _, key = ApiToken.issue(citizen, "我的脚本")
    lost_phone, laptop = signed_in_elsewhere(citizen), signed_in_elsewhere(citizen)
    page = change(admin_client, citizen, phone=NEW).content.decode()
    assert "errornote" not in page and "该账号在所有设备上的登录已全部退出, 1 个 API 令牌已撤销" in page
    assert "重置密码" not in page.split("登录用户名现为")[1].split("</li>")[0]
    assert laptop.get(ME).status_code in (401, 403)  # the API with the session cookie
    for browser in (lost_phone, laptop):
        response = browser.get("/accounts/me/")
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = token_client(key).get(ME)
    assert response.status_code == 401 and response.json()["error"]["message"].startswith("令牌无效或已撤销: 请登录网站, 在 /api/tokens/ 生成新令牌")
    assert admin_client.get("/admin/").status_code == 200  # the administrator's own session is not the citizen's
    assert signed_in(NEW) is not None  # the same password, with the new number


def test_an_administrator_who_changes_their_own_phone_stays_signed_in_here_only(admin_user, admin_client):
    elsewhere = Client()
    elsewhere.force_login(admin_user)
    page = change(admin_client, admin_user, phone=NEW, is_staff="on", is_superuser="on").content.decode()
    assert "errornote" not in page and "您在其他设备上的登录已全部退出" in page
    assert admin_client.get("/admin/").status_code == 200
    assert elsewhere.get("/admin/").status_code == 302


def test_an_account_saved_without_a_new_phone_or_email_keeps_its_sessions(personas, admin_client):
    citizen = personas["citizen"]
    _, key = ApiToken.issue(citizen, "我的脚本")
    browser = signed_in_elsewhere(citizen)
    page = change(admin_client, citizen, display_name="李师傅", email="XiaoLi@example.com").content.decode()
    assert "errornote" not in page and "退出" not in page
    assert browser.get("/accounts/me/").status_code == 200
    assert token_client(key).get(ME).status_code == 200


def test_an_email_an_administrator_adds_keeps_the_api_tokens(personas, admin_client):
    """An account that had no email given one: nothing that held the old one is lost, so its API tokens keep
    working (they were revoked, review 2026-12-05); a phone replaced still revokes them (above)."""
    citizen = personas["other_citizen"]  # a phone, no email
    _, key = ApiToken.issue(citizen, "我的脚本")
    page = change(admin_client, citizen, email="xiaowang@example.com").content.decode()
    assert "errornote" not in page and "令牌已撤销" not in page
    assert token_client(key).get(ME).status_code == 200
