# ruff: noqa: F811  (pytest fixtures imported from test_accounts)
"""QA of search and accounts as citizens use them: phone numbers typed the way people
type them, queries with nothing searchable or too long, and the best matches first."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from minsheng.accounts.models import User

from .test_accounts import memory_sender  # noqa: F401 (an autouse fixture)
from .test_public_pages import dispatched, submit

pytestmark = pytest.mark.django_db
PASSWORD = "Gansu-lanzhou-2026"


def register(client, outbox, typed):
    r = client.post("/accounts/register/", {"action": "send_code", "identifier": typed})
    assert "验证码已发送" in r.content.decode(), r.content.decode()
    code = outbox[-1][1]
    return client.post("/accounts/register/", {"identifier": typed, "code": code, "password1": PASSWORD,
                                               "password2": PASSWORD, "agree": "on"})


@pytest.mark.parametrize("typed", ["+86 139-1234-5678", "139 1234 5678", "(139) 1234-5678", "0086 13912345678"])
def test_phone_typed_as_at_registration_signs_in(memory_sender, typed):
    assert register(Client(), memory_sender, typed).status_code == 302
    assert User.objects.get(phone="13912345678").username == "13912345678"
    r = Client().post("/accounts/login/", {"username": typed, "password": PASSWORD})
    assert r.status_code == 302, "signing in with the number as typed at registration is refused"


def test_full_width_phone_digits_from_a_chinese_keyboard_are_accepted(memory_sender):
    assert register(Client(), memory_sender, "１３９１２３４５６７８").status_code == 302
    assert User.objects.filter(phone="13912345678").exists()
    assert Client().post("/accounts/login/", {"username": "１３９１２３４５６７８", "password": PASSWORD}).status_code == 302


def test_email_with_a_dash_is_registered_as_typed(memory_sender):
    assert register(Client(), memory_sender, "Li-Na@example.com").status_code == 302
    assert memory_sender[-1][0] == "li-na@example.com"  # the code went to the real address
    assert User.objects.get(email="li-na@example.com")
    assert Client().post("/accounts/login/", {"username": "li-na@example.com", "password": PASSWORD}).status_code == 302



@pytest.mark.parametrize("nickname", ["138 1234 5678", "620102199001011234", "wang@example.com"])
def test_a_nickname_that_would_publish_contact_details_is_refused(memory_sender, nickname):
    client = Client()
    assert register(client, memory_sender, "13912345678").status_code == 302
    r = client.post("/accounts/me/", {"display_name": nickname})
    assert r.status_code == 200 and "请不要填写手机号、证件号或邮箱" in r.content.decode()
    assert User.objects.get(phone="13912345678").display_name == ""
    r = client.post("/accounts/me/", {"display_name": "  兰州老王 "})
    assert r.status_code == 302 and User.objects.get(phone="13912345678").display_name == "兰州老王"


def test_registration_refuses_a_phone_number_as_nickname(memory_sender):
    client = Client()
    client.post("/accounts/register/", {"action": "send_code", "identifier": "13912345678"})
    r = client.post("/accounts/register/", {"identifier": "13912345678", "code": memory_sender[-1][1],
                                            "display_name": "13912345678", "password1": PASSWORD,
                                            "password2": PASSWORD})
    assert r.status_code == 200 and "请不要填写手机号、证件号或邮箱" in r.content.decode()
    assert not User.objects.filter(phone="13912345678").exists()


# --- search ---------------------------------------------------------------------------

@pytest.fixture
def elevators(personas, directory, django_capture_on_commit_callbacks):
    """Oldest first: the whole query in a title, then only in a body, then both words apart
    in a title (the default order, newest first, is the reverse)."""
    p, d = personas, directory
    with django_capture_on_commit_callbacks(execute=True):
        return [dispatched(p, d, submit(p["citizen"], d, title=t, body=b)) for t, b in [
            ("幸福小区加装电梯的问题", "六层老楼没有电梯, 老人上下楼困难。"),
            ("老旧小区改造进展缓慢", "改造方案里说好的加装电梯两年没有动静。"),
            ("电梯该怎么加装", "想了解老楼加装流程, 需要多少户同意。"),
        ]]


def listed_titles(response) -> list[str]:
    assert response.status_code == 200
    return re.findall(r'class="title" href="[^"]+">([^<]+)<', response.content.decode())


def test_browse_search_lists_title_matches_first(client, elevators):
    assert listed_titles(client.get("/browse/", {"q": "加装电梯"})) == [
        "幸福小区加装电梯的问题", "电梯该怎么加装", "老旧小区改造进展缓慢"]
    assert listed_titles(client.get("/browse/", {"q": "加装 电梯"}))[0] == "幸福小区加装电梯的问题"  # typed apart
    # without a query the list stays newest first
    assert listed_titles(client.get("/browse/"))[0] == "电梯该怎么加装"


def test_a_long_pasted_query_is_searched_not_refused(client, elevators):
    r = client.get("/browse/", {"q": "电梯该怎么加装, 想了解老楼加装流程, " + "请问需要什么材料" * 20})
    page = r.content.decode()
    assert "确保该变量" not in page and "errorlist" not in page
    assert listed_titles(r) == ["电梯该怎么加装"]  # searched by its beginning, not the whole list
    assert "关键词超过 100 个字, 只按前 100 个字搜索" in page  # and says so (it said nothing)
    short = client.get("/browse/", {"q": "电梯该怎么加装"}).content.decode()
    assert "超过 100 个字" not in short


@pytest.mark.parametrize("q", ["😀", "！？。，", '"*-'])
def test_a_query_with_nothing_to_search_says_so(client, elevators, q):
    page = client.get("/browse/", {"q": q}).content.decode()
    assert "没有可搜索的文字、字母或数字" in page
    assert len(listed_titles(client.get("/browse/", {"q": q}))) == 3


def test_an_empty_search_result_suggests_what_to_try(client, elevators):
    page = client.get("/browse/", {"q": "地铁 停车"}).content.decode()
    assert "没有找到相关留言" in page and 'value="地铁 停车"' in page


@pytest.mark.parametrize("typed, password", [("13912345678", "13912345678a"), ("wangfang@example.com", "wangfang@123")])
def test_a_password_made_of_ones_own_phone_or_email_is_refused(memory_sender, typed, password):
    client = Client()
    client.post("/accounts/register/", {"action": "send_code", "identifier": typed})
    r = client.post("/accounts/register/", {"identifier": typed, "code": memory_sender[-1][1],
                                            "password1": password, "password2": password})
    assert r.status_code == 200 and "密码与您的手机号、邮箱或昵称太相似" in r.content.decode()
    assert not User.objects.exists()


def test_a_code_used_once_says_so_when_typed_again(memory_sender):
    assert register(Client(), memory_sender, "13912345678").status_code == 302
    client = Client()
    client.post("/accounts/reset/", {"action": "send_code", "identifier": "13912345678"})
    form = {"identifier": "13912345678", "code": memory_sender[-1][1], "password1": "Another-pass-2026",
            "password2": "Another-pass-2026"}
    assert client.post("/accounts/reset/", form).status_code == 302
    r = client.post("/accounts/reset/", {**form, "password1": "Third-pass-2026", "password2": "Third-pass-2026"})
    assert "验证码已使用, 请重新获取" in r.content.decode()


def test_the_logout_address_opened_directly_offers_the_button(memory_sender):
    client = Client()
    assert register(client, memory_sender, "13912345678").status_code == 302
    r = client.get("/accounts/logout/")
    assert r.status_code == 200 and "退出登录" in r.content.decode()
    assert client.post("/accounts/logout/").status_code == 302
    assert Client().get("/accounts/logout/").status_code == 302  # signed out: nothing to do
