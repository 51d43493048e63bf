# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""A web page of another site may call the REST API and Open311 from the browser (CORS, since 2026-12-06), as
Open311 servers and FixMyStreet allow: any origin, ``Access-Control-Allow-Origin: *``, never with credentials — a
page of another site reads what anyone may read, or what the token or key it sends opens, never what the citizen's
own session opens. Until then no CORS header was sent, and a city's own web app could not read a public list."""

from __future__ import annotations

import pytest
from django.test import Client

from minsheng.board.models import Message

from .test_api_support import _fresh_rate_limits, _media_in_tmp, api_key, error_of, token_client  # noqa: F401

pytestmark = pytest.mark.django_db

APP = "https://app.example.gov.cn"  # a city's own web app, another origin
BODY = {"title": "小区电梯加装进展缓慢", "body": "我们小区是老旧小区, 六层楼没有电梯, 老人上下楼很困难, 希望尽快加装电梯。",
        "kind": "help", "region": "620100"}


def preflight(path: str, method: str, headers: str = "authorization, content-type"):
    """What a browser sends before a request with ``Authorization`` or a JSON body: no credentials."""
    return Client().options(path, headers={"Origin": APP, "Access-Control-Request-Method": method,
                                           "Access-Control-Request-Headers": headers})


def listed(header: str) -> set[str]:
    return {word.strip().lower() for word in header.split(",") if word.strip()}


@pytest.mark.parametrize("path", ["/api/v1/messages/", "/api/v1/topics/", "/api/schema/?format=json",
                                  "/open311/v2/services.json", "/open311/v2/requests.xml",
                                  "/api/v1/no-such-thing/"])
def test_a_page_of_another_site_may_read_the_api_and_open311(directory, path):
    response = Client().get(path, headers={"Origin": APP})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response  # the citizen's cookies are never read cross-site
    assert {"retry-after", "idempotent-replayed"} <= listed(response["Access-Control-Expose-Headers"])


def test_a_preflight_is_answered_with_the_endpoints_methods_and_the_headers_the_api_reads(directory):
    response = preflight("/api/v1/messages/", "POST")
    assert response.status_code == 204, response.content
    assert response["Access-Control-Allow-Origin"] == "*"
    assert listed(response["Access-Control-Allow-Methods"]) == {"get", "head", "post", "options"}
    assert {"authorization", "content-type", "x-api-key", "idempotency-key"} <= listed(
        response["Access-Control-Allow-Headers"])
    assert int(response["Access-Control-Max-Age"]) > 0
    assert "Access-Control-Allow-Credentials" not in response
    assert not Message.objects.exists()


def test_a_preflight_of_an_endpoint_that_needs_a_person_is_answered_too(directory):
    """A preflight carries no credentials: DRF's OPTIONS of /me/ was a 401, which a browser takes as a refusal."""
    response = preflight("/api/v1/me/", "DELETE")
    assert response.status_code == 204, response.content
    assert "DELETE" in response["Access-Control-Allow-Methods"]


def test_an_open311_post_from_a_page_of_another_site_is_preflighted(directory):
    response = preflight("/open311/v2/requests.json", "POST", "content-type, x-api-key")
    assert response.status_code == 204
    assert listed(response["Access-Control-Allow-Methods"]) == {"get", "head", "post", "options"}


def test_an_options_without_a_preflight_still_reads_the_endpoints_description(directory):
    response = Client().options("/api/v1/messages/", headers={"Origin": APP})
    assert response.status_code == 200 and response.json()["name"]
    assert response["Access-Control-Allow-Origin"] == "*"


def test_a_page_of_another_site_posts_a_message_with_a_token(personas, directory):
    client = token_client(personas["citizen"])
    response = client.post("/api/v1/messages/", BODY, format="json", headers={"Origin": APP})
    assert response.status_code == 201, response.content
    assert response["Access-Control-Allow-Origin"] == "*"
    assert Message.objects.count() == 1


def test_a_write_of_a_signed_in_session_from_another_site_is_refused(personas, directory):
    """The session cookie goes with a request a page of another site makes (a form, ``credentials: "include"``)
    where the browser's SameSite rules let it: CSRF refuses it, even with the site's CSRF token, because the
    ``Origin`` is not the site's. The same request from the site itself passes (the test can fail)."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(personas["citizen"])
    client.get("/api/tokens/")  # the page sets the CSRF cookie
    csrf = client.cookies["csrftoken"].value
    refused = client.post("/api/v1/messages/", BODY, content_type="application/json",
                          headers={"Origin": APP, "X-CSRFToken": csrf})
    assert refused.status_code == 403
    assert "Access-Control-Allow-Credentials" not in refused
    assert error_of(refused)["message"] == (f"CSRF 校验失败: 来自其他网站 ({APP}) 的请求不能使用本站的登录会话, "
                                            "请改用 API 令牌 (Authorization: Token)")
    assert not Message.objects.exists()
    same_site = client.post("/api/v1/messages/", BODY, content_type="application/json",
                            headers={"Origin": "http://testserver", "X-CSRFToken": csrf})
    assert same_site.status_code == 201, same_site.content


@pytest.mark.parametrize("path", ["/", "/messages/", "/accounts/login/", "/api/tokens/"])
def test_the_sites_pages_answer_no_other_origin(personas, path):
    """The pages (the token page among them: a page for a person signed in, not the API) send no CORS header."""
    client = Client()
    client.force_login(personas["citizen"])
    assert "Access-Control-Allow-Origin" not in client.get(path, headers={"Origin": APP})
    asked = Client().options(path, headers={"Origin": APP, "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in asked and "Access-Control-Allow-Methods" not in asked
