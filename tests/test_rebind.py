"""更换手机号或邮箱 (个人信息保护法 art. 46, the right to correct): the code goes to the new number or
email only, the current password counts as a sign-in, a number another account holds is refused, the
change ends the other sessions and tokens, moves the contact of open messages (not closed ones) and
tells the old number; staff are sent to an administrator."""

from __future__ import annotations

import pytest
from django.core import mail
from django.test import Client

from minsheng.accounts import limits
from minsheng.accounts.models import User
from minsheng.accounts.senders import MemorySender
from minsheng.api.models import ApiToken
from minsheng.board import actions
from minsheng.board.models import Message

from .conftest import PASSWORD, make_user
from .test_accounts import last_code, memory_sender, send_code  # noqa: F401
from .test_api_support import advance, submit
from .test_sms_notices import texts  # noqa: F401

pytestmark = pytest.mark.django_db
URL = "/accounts/me/rebind/"
NEW = "13912345678"


def signed_in(identifier, password=PASSWORD) -> Client | None:
    """A browser signed in with ``identifier``, or None when the sign-in is refused."""
    c = Client()
    r = c.post("/accounts/login/", {"username": identifier, "password": password})
    return c if r.status_code == 302 else None


def rebind(client, identifier, code, password=PASSWORD):
    return client.post(URL, {"action": "rebind", "identifier": identifier, "code": code, "old_password": password},
                       follow=True)


def test_a_citizen_changes_their_phone_with_a_code_sent_to_the_new_one(personas, memory_sender):  # noqa: F811
    citizen = personas["citizen"]  # 13800000001, signs in with it (username mirrors it)
    _, key = ApiToken.issue(citizen, "我的脚本")
    elsewhere = signed_in("13800000001")
    me = signed_in("13800000001")
    assert 'href="/accounts/me/rebind/"' in me.get("/accounts/me/").content.decode()
    r = send_code(me, URL, "139 1234 5678")
    assert "验证码已发送" in r.content.decode()
    assert [(t, p) for t, _, p in memory_sender] == [(NEW, "rebind")]  # the new number, never the old one
    page = rebind(me, NEW, last_code(memory_sender, NEW)).content.decode()
    assert f"手机号已更换为 {NEW}, 请用新手机号登录" in page
    assert "其他设备上的登录已全部退出, 1 个 API 令牌已撤销" in page
    citizen.refresh_from_db()
    assert (citizen.phone, citizen.username, citizen.email) == (NEW, NEW, "xiaoli@example.com")
    assert me.get("/accounts/me/").status_code == 200  # still signed in here
    assert elsewhere.get("/accounts/me/").status_code == 302  # the other device is out
    assert ApiToken.objects.get(user=citizen).revoked_at is not None
    assert signed_in(NEW) is not None and signed_in("13800000001") is None
    assert signed_in("xiaoli@example.com") is not None  # the email was not touched


def test_a_wrong_code_changes_nothing(personas, memory_sender, login):  # noqa: F811
    me = login(personas["citizen"])
    send_code(me, URL, NEW)
    code = last_code(memory_sender, NEW)
    page = rebind(me, NEW, "000000" if code != "000000" else "111111").content.decode()
    assert "验证码不正确" in page and "出于安全原因, 密码没有保留, 请重新输入当前密码" in page
    assert User.objects.get(pk=personas["citizen"].pk).phone == "13800000001"


def test_a_number_another_account_holds_is_refused_without_a_code(personas, memory_sender, login):  # noqa: F811
    me = login(personas["citizen"])
    page = send_code(me, URL, "13800000002").content.decode()  # 小王's
    assert "该手机号或邮箱已被其他账号使用, 不能更换为它" in page and not memory_sender
    own = send_code(me, URL, "13800000001").content.decode()
    assert "这就是您账号现在的手机号或邮箱" in own and not memory_sender
    # taken between the code and the change (小王 changed to it meanwhile): refused, nothing changes
    send_code(me, URL, NEW)
    User.objects.filter(pk=personas["other_citizen"].pk).update(phone=NEW)
    page = rebind(me, NEW, last_code(memory_sender, NEW)).content.decode()
    assert "该手机号或邮箱已被其他账号使用" in page
    assert User.objects.get(pk=personas["citizen"].pk).phone == "13800000001"


def test_wrong_passwords_count_as_failed_sign_ins(personas, memory_sender, login):  # noqa: F811
    me = login(personas["citizen"])
    send_code(me, URL, NEW)
    code = last_code(memory_sender, NEW)
    for _ in range(limits.PER_ACCOUNT):
        assert "当前密码不正确" in rebind(me, NEW, code, password="guess-guess").content.decode()
    page = rebind(me, NEW, code).content.decode()  # the right one, now locked
    assert limits.MESSAGE in page
    assert User.objects.get(pk=personas["citizen"].pk).phone == "13800000001"
    assert signed_in("13800000001") is None  # the sign-in page is locked too


def test_open_messages_take_the_new_contact_and_closed_ones_keep_theirs(personas, directory, memory_sender,  # noqa: F811
                                                                        login):
    citizen = personas["citizen"]
    handled = advance(submit(citizen, directory, title="小区电梯加装进展缓慢"), personas, directory, "signed")
    waiting = submit(citizen, directory, title="路灯不亮")
    closed = advance(submit(citizen, directory, title="楼道堆放杂物"), personas, directory, "replied")
    actions.do_close(closed)
    landline = submit(citizen, directory, title="噪音扰民", contact_phone="0931-8123456")
    me = login(citizen)
    send_code(me, URL, NEW)
    page = rebind(me, NEW, last_code(memory_sender, NEW)).content.decode()
    assert "2 条办理中留言的联系电话已随之更新" in page
    phones = dict(Message.objects.filter(author=citizen).values_list("pk", "contact_phone"))
    assert phones == {handled.pk: NEW, waiting.pk: NEW, closed.pk: "13800000001", landline.pk: "0931-8123456"}


def test_the_old_number_and_the_old_email_are_told(personas, memory_sender, texts, login,  # noqa: F811
                                                   django_capture_on_commit_callbacks):
    me = login(personas["citizen"])
    send_code(me, URL, NEW)
    with django_capture_on_commit_callbacks(execute=True):
        rebind(me, NEW, last_code(memory_sender, NEW))
    assert texts == [("13800000001", "【民声】您的民声账号已更换手机号，本号码不能再用于登录。如非本人操作，请尽快联系平台。")]
    send_code(me, URL, "Li@Example.org")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        page = rebind(me, "li@example.org", last_code(memory_sender, "li@example.org")).content.decode()
    assert "邮箱已更换为 li@example.org" in page
    [notice] = mail.outbox
    assert notice.to == ["xiaoli@example.com"] and "已更换邮箱" in notice.subject
    assert signed_in("li@example.org") is not None and signed_in("xiaoli@example.com") is None
    assert MemorySender.texts == texts  # the fixture's list


def test_an_email_account_changes_its_email_and_user_name(memory_sender):  # noqa: F811
    user = make_user("wang@example.com", email="wang@example.com")
    me = signed_in("wang@example.com")
    send_code(me, URL, "wang@example.net")
    rebind(me, "wang@example.net", last_code(memory_sender, "wang@example.net"))
    user.refresh_from_db()
    assert (user.username, user.email) == ("wang@example.net", "wang@example.net")
    assert signed_in("wang@example.com") is None and signed_in("wang@example.net") is not None


def test_staff_are_sent_to_an_administrator(personas, memory_sender, login):  # noqa: F811
    officer = login(personas["officer"])
    assert "请联系平台管理员更改" in officer.get(URL).content.decode()
    page = officer.post(URL, {"action": "send_code", "identifier": NEW}).content.decode()
    assert "请联系平台管理员更改" in page and not memory_sender
    assert User.objects.get(pk=personas["officer"].pk).email == "zhang@example.gov.cn"


def test_a_phone_added_to_an_email_account_is_told_to_the_email(memory_sender, texts,  # noqa: F811
                                                                django_capture_on_commit_callbacks):
    """A phone signs in and resets the password as the email does: the email the account had learns
    one was added (a stolen session's own number would otherwise go unnoticed); and the reverse."""
    make_user("wang@example.com", email="wang@example.com")
    me = signed_in("wang@example.com")
    send_code(me, URL, NEW)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        rebind(me, NEW, last_code(memory_sender, NEW))
    [notice] = mail.outbox
    assert notice.to == ["wang@example.com"] and notice.subject == "【民声】您的民声账号已绑定手机号"
    assert "如非本人操作，请尽快修改密码" in notice.body
    assert signed_in("wang@example.com") is not None and signed_in(NEW) is not None
    make_user("13800000009", phone="13800000009")
    me = signed_in("13800000009")
    send_code(me, URL, "zhao@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        rebind(me, "zhao@example.com", last_code(memory_sender, "zhao@example.com"))
    assert texts == [("13800000009", "【民声】您的民声账号已绑定邮箱，可用它登录和找回密码。如非本人操作，请尽快修改密码并联系平台。")]


def test_register_and_rebind_codes_to_one_number_share_its_limits(personas, memory_sender, login,  # noqa: F811
                                                                  settings):
    """Both go to a number no account holds: a stranger with an account pressing 获取验证码 at 注册 and
    then at 更换手机号或邮箱 texted someone's phone twice a minute, and twice the daily ceiling."""
    stranger = login(personas["other_citizen"])
    assert "验证码已发送" in send_code(Client(), "/accounts/register/", NEW).content.decode()
    page = send_code(stranger, URL, NEW).content.decode()
    assert "验证码发送过于频繁, 请 60 秒后再试" in page and "验证码已发送" not in page
    assert [t for t, _, _ in memory_sender] == [NEW]
