# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""Credentials and limits: personal tokens (page, header, revocation), Open311 keys
(command and admin), the session with CSRF, rate limits, and the one error shape for
server errors."""

from __future__ import annotations

import re

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from rest_framework.test import APIClient

from minsheng.api.models import ApiToken, Open311Key, hash_key

from .conftest import PASSWORD
from .test_api_support import (  # noqa: F401 (fixtures)
    _fresh_rate_limits,
    _media_in_tmp,
    advance,
    api_key,
    as_persona,
    error_of,
    submit,
)

pytestmark = pytest.mark.django_db


def token_client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return client


# --- the token page ---------------------------------------------------------------

def test_token_page_needs_sign_in(client, db):
    response = client.get("/api/tokens/")
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_create_use_and_revoke_a_token(login, personas):
    page = login(personas["citizen"])
    response = page.post("/api/tokens/", {"name": "我的脚本"})
    assert response.status_code == 200
    html = response.content.decode()
    key = re.search(r"<pre><code>(ms_[^<]+)</code></pre>", html).group(1)
    token = ApiToken.objects.get(user=personas["citizen"])
    assert token.key_hash == hash_key(key) and key not in str(vars(token))  # only the hash is stored
    # shown once: the list page shows the prefix, never the key
    listing = page.get("/api/tokens/").content.decode()
    assert "我的脚本" in listing and key not in listing and token.key_prefix in listing
    assert token_client(key).get("/api/v1/me/messages/").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None
    revoked = page.post(f"/api/tokens/{token.pk}/revoke/", follow=True)
    assert "已撤销" in revoked.content.decode()
    response = token_client(key).get("/api/v1/me/messages/")
    assert response.status_code == 401 and error_of(response)["code"] == "authentication_failed"


def test_token_page_refuses_an_empty_name(login, personas):
    response = login(personas["citizen"]).post("/api/tokens/", {"name": "  "})
    assert response.status_code == 400 and "请给令牌起个名字" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_a_token_name_refused_as_too_long_stays_in_its_box(login, personas):
    """Without scripts the 名称 box takes 120 characters (twice its 60, forms.max_chars_attrs): one
    over 60 was refused and the box came back empty."""
    name = "我的数据同步脚本" * 8  # 64 characters
    response = login(personas["citizen"]).post("/api/tokens/", {"name": name})
    page = response.content.decode()
    assert response.status_code == 400 and "名称最多 60 个字 (现在 64 个)" in page
    assert re.search(r'<input id="token-name"[^>]*value="' + name + '"', page)
    assert not ApiToken.objects.exists()


def test_cannot_revoke_someone_elses_token(login, personas):
    token, _ = ApiToken.issue(personas["citizen"], "小李的")
    assert login(personas["other_citizen"]).post(f"/api/tokens/{token.pk}/revoke/").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_token_acts_with_the_users_roles(personas, cases_for_auth):
    _, key = ApiToken.issue(personas["officer"], "办件系统")
    response = token_client(key).get("/api/v1/staff/inbox/")
    assert response.status_code == 200
    assert [m["public_id"] for m in response.json()["results"]] == [cases_for_auth.public_id]


@pytest.fixture
def cases_for_auth(personas, directory):
    return advance(submit(personas["citizen"], directory), personas, directory, "dispatched")


# --- scopes: read (只读) and write (读写) tokens ------------------------------------------

READ_ONLY = {"error": {"code": "token_read_only", "message": "该令牌为只读令牌, 不能提交修改", "fields": {}}}


def test_the_page_issues_a_read_token_and_lists_its_scope(login, personas):
    page = login(personas["officer"])
    form = page.get("/api/tokens/").content.decode()
    assert re.search(r'<input type="radio" name="scope" value="read" checked>', form)  # the default, labelled
    html = page.post("/api/tokens/", {"name": "报表脚本", "scope": "read"}).content.decode()
    key = re.search(r"<pre><code>(ms_[^<]+)</code></pre>", html).group(1)
    page.post("/api/tokens/", {"name": "办件系统", "scope": "write"})
    assert {t.name: t.scope for t in ApiToken.objects.all()} == {"报表脚本": "read", "办件系统": "write"}
    rows = re.findall(r"<tr>\s*<td>([^<]+)</td>\s*<td><code>[^<]+</code></td>\s*<td>([^<]+)</td>",
                      page.get("/api/tokens/").content.decode())
    assert sorted(rows) == [("办件系统", "读写"), ("报表脚本", "只读")]
    assert token_client(key).get("/api/v1/staff/inbox/").status_code == 200
    refused = page.post("/api/tokens/", {"name": "脚本", "scope": "admin"})
    assert refused.status_code == 400 and "请选择令牌的权限" in refused.content.decode()


def test_a_read_token_reads_but_changes_nothing(personas, cases_for_auth):
    from minsheng.accounts.models import User

    _, officer_key = ApiToken.issue(personas["officer"], "看板", ApiToken.Scope.READ)
    officer = token_client(officer_key)
    inbox = officer.get("/api/v1/staff/inbox/")
    assert [m["public_id"] for m in inbox.json()["results"]] == [cases_for_auth.public_id]
    assert officer.head("/api/v1/staff/inbox/").status_code == 200
    case = f"/api/v1/staff/cases/{cases_for_auth.public_id}/"
    for action, body in (("sign", {}), ("reply", {"body": "经核查, 已列入今年的加装电梯计划。"})):
        response = officer.post(case + f"{action}/", body, format="json")
        assert response.status_code == 403 and response.json() == READ_ONLY
    cases_for_auth.refresh_from_db()
    assert cases_for_auth.status == "dispatched" and not cases_for_auth.events.filter(kind__in=["signed", "replied"])
    _, citizen_key = ApiToken.issue(personas["citizen"], "报表", ApiToken.Scope.READ)
    citizen = token_client(citizen_key)
    response = citizen.delete("/api/v1/me/", {"password": PASSWORD}, format="json")
    assert response.status_code == 403 and response.json() == READ_ONLY
    assert User.objects.get(pk=personas["citizen"].pk).is_active
    mine = citizen.get("/api/v1/me/data/")  # still a working token; 我的数据 lists its scope
    assert [(t["name"], t["scope"]) for t in mine.json()["api_tokens"]] == [("报表", "read")]


def test_a_write_token_and_a_token_from_before_scopes_still_act(personas, cases_for_auth):
    from importlib import import_module

    field = import_module("minsheng.api.migrations.0007_api_token_scope").Migration.operations[0].field
    assert field.default == "write"  # the rows that exist when it runs become 读写
    _, key = ApiToken.issue(personas["officer"], "办件系统", ApiToken.Scope.WRITE)
    case = f"/api/v1/staff/cases/{cases_for_auth.public_id}/"
    assert token_client(key).post(case + "sign/").status_code == 200
    old = ApiToken.objects.create(user=personas["officer"], name="旧令牌", key_hash=hash_key("ms_old"),
                                  key_prefix="ms_old")  # as a row written before the scope column
    assert old.scope == "write"
    reply = token_client("ms_old").post(case + "reply/", {"body": "经核查, 已列入今年的加装电梯计划。"}, format="json")
    assert reply.status_code == 200


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token wrong-key", "Token \u00e9t\u00e9"])
def test_bad_token_headers_are_401(db, header):
    response = Client().get("/api/v1/messages/", HTTP_AUTHORIZATION=header.encode("utf-8").decode("latin-1"))
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    error_of(response)


# --- session and CSRF ------------------------------------------------------------

def test_session_post_needs_csrf(personas, directory):
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["citizen"])
    body = {"title": "会话请求测试", "body": "会话登录但没有 CSRF 令牌的请求应被拒绝。", "kind": "help", "region": "620100"}
    refused = client.post("/api/v1/messages/", body, content_type="application/json")
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "permission_denied"
    assert error_of(refused)["message"] == "CSRF 校验失败: 请带上 X-CSRFToken 请求头, 或改用 API 令牌"  # not DRF's English
    client.get("/api/tokens/")  # the page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    accepted = client.post("/api/v1/messages/", body, content_type="application/json", HTTP_X_CSRFTOKEN=csrf)
    assert accepted.status_code == 201


# --- Open311 keys ------------------------------------------------------------------

def test_create_api_key_command_prints_the_key_last(db, capsys):
    call_command("create_api_key", "兰州12345热线")
    out = capsys.readouterr().out.strip().splitlines()
    key = out[-1]
    row = Open311Key.objects.get(name="兰州12345热线")
    assert row.key_hash == hash_key(key) and row.is_active
    response = APIClient().get("/open311/v2/services.json", {"api_key": key})
    assert response.status_code == 200


def test_create_api_key_command_errors(db):
    call_command("create_api_key", "系统A")
    with pytest.raises(CommandError, match="已有名为"):
        call_command("create_api_key", "系统A")
    with pytest.raises(CommandError, match="不能为空"):
        call_command("create_api_key", " ")


def test_create_api_key_cli_exits_non_zero_with_one_line(db):
    import subprocess
    import sys

    # the console script, as an operator runs it (own SQLite file: the test database is not visible to it)
    result = subprocess.run([sys.executable, "-m", "minsheng", "create-api-key", ""], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert result.stderr.strip().splitlines()[-1].startswith("CommandError: NAME 不能为空")


def test_admin_issues_a_key_shown_once(personas, admin_client):
    response = admin_client.post("/admin/api/open311key/add/", {"name": "城市案件系统", "is_active": "on"},
                                 follow=True)
    assert response.status_code == 200
    shown = re.search(r"(o311_[A-Za-z0-9_\-]+)", response.content.decode()).group(1)
    row = Open311Key.objects.get(name="城市案件系统")
    assert row.key_hash == hash_key(shown)
    listing = admin_client.get("/admin/api/open311key/").content.decode()
    assert shown not in listing


def test_disabled_key_is_refused(api_key):
    row, key = api_key
    Open311Key.objects.filter(pk=row.pk).update(is_active=False)
    response = APIClient().get("/api/v1/messages/", HTTP_X_API_KEY=key)
    assert response.status_code == 401
    assert error_of(response)["code"] == "authentication_failed"


# --- rate limits -------------------------------------------------------------------

def test_ip_rate_limit_answers_429_with_retry_after(db, settings):
    settings.MINSHENG_API_RATES = {"ip": "3/min", "key": "100/min"}
    client = APIClient()
    codes = [client.get("/api/v1/topics/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/topics/")
    assert error_of(response)["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60
    # another IP is not affected
    assert client.get("/api/v1/topics/", REMOTE_ADDR="10.0.0.9").status_code == 200


def test_ip_rate_limit_counts_an_ipv6_line_by_its_64(db, settings):
    """A phone's IPv6 line holds a whole /64 and may take a new address for each request: each was a
    fresh count."""
    settings.MINSHENG_API_RATES = {"ip": "3/min", "key": "100/min"}
    client = APIClient()
    codes = [client.get("/api/v1/topics/", REMOTE_ADDR=f"2001:db8:1:2::{i + 1:x}").status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/api/v1/topics/", REMOTE_ADDR="2001:db8:1:3::1").status_code == 200  # another line


def test_ip_rate_limit_is_not_escaped_with_a_forged_x_forwarded_for(db, settings):
    settings.MINSHENG_API_RATES = {"ip": "3/min", "key": "100/min"}
    client = APIClient()
    codes = [client.get("/api/v1/topics/", HTTP_X_FORWARDED_FOR=f"10.0.0.{i}").status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(db, settings):
    """Behind one reverse proxy every connection comes from the proxy: with
    MINSHENG_NUM_PROXIES=1 the limit counts the address the proxy appended, not a forged
    entry before it; sign-in limits read the same address."""
    from minsheng.accounts import limits

    settings.MINSHENG_API_RATES = {"ip": "3/min", "key": "100/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = APIClient(REMOTE_ADDR="10.9.9.9")  # the proxy

    def get(xff):
        return client.get("/api/v1/topics/", HTTP_X_FORWARDED_FOR=xff).status_code

    assert [get(f"1.1.1.{i}, 203.0.113.5") for i in range(4)] == [200, 200, 200, 429]
    assert get("203.0.113.6") == 200  # another citizen behind the same proxy
    request = client.get("/api/v1/", HTTP_X_FORWARDED_FOR="x, 203.0.113.7").wsgi_request
    assert limits._keys(request, None) == [("login-failures:address:203.0.113.7", limits.PER_ADDRESS)]


def test_rate_limit_is_per_key(api_key, personas, settings):
    settings.MINSHENG_API_RATES = {"ip": "100/min", "key": "2/min"}
    _, key = api_key
    _, token = ApiToken.issue(personas["citizen"], "t")
    keyed = APIClient(HTTP_X_API_KEY=key)
    assert [keyed.get("/api/v1/topics/").status_code for _ in range(3)] == [200, 200, 429]
    assert token_client(token).get("/api/v1/topics/").status_code == 200  # its own bucket
    assert APIClient().get("/api/v1/topics/").status_code == 200  # anonymous: the IP bucket
    xml = keyed.get("/open311/v2/services.xml")
    assert xml.status_code == 429 and b"<errors><error><code>429</code>" in xml.content
    assert "Retry-After" in xml


# --- server errors keep the shape ---------------------------------------------------------

def test_unexpected_error_is_a_json_500(client, db, monkeypatch):
    from minsheng.api.views import directory

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(directory, "_nest", broken)
    response = client.get("/api/v1/topics/")
    assert response.status_code == 500
    assert error_of(response)["code"] == "server_error" and "boom" not in response.content.decode()


def test_handler500_for_api_paths(rf):
    from minsheng.api.errors import handler500

    response = handler500(rf.get("/open311/v2/requests.json"))
    assert response.status_code == 500 and response["Content-Type"].startswith("application/json")
    assert handler500(rf.get("/")).status_code == 500


def test_admin_regenerates_a_key(api_key, admin_client):
    row, old = api_key
    response = admin_client.post("/admin/api/open311key/", {"action": "regenerate", "_selected_action": [row.pk]},
                                 follow=True)
    new = re.search(r"(o311_[A-Za-z0-9_\-]+)", response.content.decode()).group(1)
    assert new != old
    assert APIClient().get("/api/v1/topics/", HTTP_X_API_KEY=old).status_code == 401
    assert APIClient().get("/api/v1/topics/", HTTP_X_API_KEY=new).status_code == 200
