"""/api/docs/ (Swagger UI) as drawn in the system Chromium: its own controls are Chinese, as
every operation's summary and description are; the API's own text is shown as written."""

from __future__ import annotations

import re

import pytest

from .test_browser import CHROMIUM, browser  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium"),
]

# Swagger UI's controls as it writes them: none may be left on the page (they were all English)
ENGLISH = {"Try it out", "Execute", "Cancel", "Clear", "Parameters", "No parameters", "Responses", "Request body",
           "Authorize", "Logout", "Close", "Available authorizations", "Description", "Name", "Code", "Links",
           "No links", "Example Value", "Schema", "Media type", "Server response", "Response body",
           "Response headers", "Curl", "Request URL", "Loading...", "Download", "Servers", "Schemas",
           "Details", "Headers:", "Value:", "Available values", "required", "Collapse operation",
           "Copy path to clipboard", "Copy code to clipboard", "Media Type", "authorization button unlocked"}

# what a person sees in Swagger UI's part of the page: its text lines, and the labels a screen reader reads
SHOWN = """() => {
  const root = document.querySelector('#swagger-ui');
  const labels = [...root.querySelectorAll('[placeholder], [aria-label], [title]')].flatMap(
    e => ['placeholder', 'aria-label', 'title'].map(name => e.getAttribute(name)).filter(Boolean));
  const required = [...root.querySelectorAll('.parameter__name.required')].map(
    e => getComputedStyle(e, '::after').content.replace(/"/g, ''));
  return root.innerText.split('\\n').concat(labels, required).map(line => line.trim()).filter(Boolean);
}"""


def open_docs(browser, live_server, edit_schema=None):  # noqa: F811
    """/api/docs/ in a new tab, its operations listed; ``edit_schema(document)``: what the API's
    document says, changed on its way to Swagger UI."""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page.set_default_timeout(20_000)
    if edit_schema:
        def edited(route):
            document = route.fetch().json()
            edit_schema(document)
            route.fulfill(json=document)
        page.route(re.compile(r".*/api/schema/.*"), edited)
    assert page.goto(f"{live_server.url}/api/docs/").status == 200
    page.wait_for_selector(".opblock")
    return page


def operation(page, method: str, path: str):
    return page.locator(f".opblock-{method}").filter(has=page.locator(
        ".opblock-summary-path", has_text=re.compile(f"^{re.escape(path)}$")))


@pytest.mark.django_db(transaction=True)
def test_swagger_ui_speaks_chinese_to_integrators(browser, live_server, client):  # noqa: F811
    """Each operation's summary and description were Chinese, but Swagger UI's own buttons and
    headings were English: Try it out, Execute, Server response, Response body, Authorize …"""
    summary = client.get("/api/schema/?format=json").json()["paths"]["/api/v1/messages/"]["get"]["summary"]
    page = open_docs(browser, live_server)
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    messages = operation(page, "get", "/api/v1/messages/")
    assert messages.locator(".opblock-summary-description").inner_text() == summary  # as the schema writes it
    messages.locator(".opblock-summary").click()
    assert messages.get_by_text("参数", exact=True).is_visible()
    messages.get_by_role("button", name="试一试").click()
    messages.get_by_role("button", name="执行").click()
    live = messages.locator(".live-responses-table")
    live.wait_for()
    assert live.locator("td.response-col_status:not(.col_header)").first.inner_text().strip() == "200"
    for heading in ("服务器响应", "响应体", "响应头", "请求地址"):
        assert messages.get_by_text(heading, exact=True).is_visible(), heading
    assert messages.get_by_role("button", name="清除").is_visible()
    # a required parameter says so in Chinese (its word is the stylesheet's)
    detail = operation(page, "get", "/api/v1/messages/{public_id}/")
    detail.locator(".opblock-summary").click()
    assert "必填" in page.evaluate(SHOWN)
    # the 授权 dialog
    page.locator(".auth-wrapper .authorize").click()
    assert page.get_by_text("可用的授权方式", exact=True).is_visible()
    shown = page.evaluate(SHOWN)
    assert not ENGLISH & set(shown), sorted(ENGLISH & set(shown))
    page.get_by_role("button", name="关闭").first.click()
    assert messages.locator(".opblock-summary-description").inner_text() == summary
    page.close()


@pytest.mark.django_db(transaction=True)
def test_the_apis_own_text_is_not_translated(browser, live_server):  # noqa: F811
    """Only Swagger UI's controls are: a description, an example or an enum value that happens
    to be one of its words ("Execute", "Schema") is shown as the API writes it."""
    def with_words(document):
        document["info"]["description"] += "\n\nExecute"
        parameters = {p["name"]: p for p in document["paths"]["/api/v1/messages/"]["get"]["parameters"]}
        parameters["kind"].update(schema={"type": "string", "enum": ["Cancel", "Schema"]}, description="Responses")
        parameters["q"]["example"] = "Execute"
        # a parameter's name is its input's placeholder once 试一试 is pressed
        document["paths"]["/api/v1/messages/"]["get"]["parameters"].append(
            {"name": "Name", "in": "query", "schema": {"type": "string"}})

    page = open_docs(browser, live_server, with_words)
    assert page.locator(".info .renderedMarkdown p", has_text="Execute").inner_text() == "Execute"
    messages = operation(page, "get", "/api/v1/messages/")
    messages.locator(".opblock-summary").click()
    kind = messages.locator("tr[data-param-name=kind]")
    assert kind.locator(".parameter__enum").inner_text() == "可选值 : Cancel, Schema"  # its label only
    assert kind.get_by_text("Responses", exact=True).is_visible()  # its description
    messages.get_by_role("button", name="试一试").click()  # the controls are Chinese
    assert [o for o in kind.locator("select option").all_inner_texts() if o != "--"] == ["Cancel", "Schema"]
    assert messages.locator("tr[data-param-name=q] input[type=text]").input_value() == "Execute"  # its example, to send
    assert messages.get_by_role("button", name="执行").is_visible()
    assert messages.locator("tr[data-param-name=Name] input").get_attribute("placeholder") == "Name"  # not 名称
    page.close()
