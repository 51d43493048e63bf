"""An automated accessibility audit with axe-core (frontend/package.json's devDependency,
installed by `make assets`) in the system Chromium: the key pages of every role — the
public board, the citizen's own pages, the dispatcher's triage, the officer's inbox and
reply form, the supervisor's figures and the hot spots — at 390 px (a phone) and 1280 px
(a desk) have no axe violation of impact "critical" or "serious" (WCAG 2.x A/AA and axe's
best practices). docs/accessibility.md says what is checked and how to run it."""

from __future__ import annotations

from pathlib import Path

import pytest

from minsheng.board.demo_accounts import DEMO_PASSWORD
from minsheng.board.models import Message
from minsheng.board.workflow import Status
from minsheng.insight.models import Hotspot

from .test_browser import CHROMIUM, browser, signed_in_page  # noqa: F401 (a fixture)
from .test_touch_targets import close_the_account, closing_citizen, first_link, load_demo, unconsented_citizen

AXE = Path(__file__).resolve().parent.parent / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (390, 1280)
IMPACTS = ("critical", "serious")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium"),
    pytest.mark.skipif(not AXE.exists(), reason="axe-core not installed: run `make assets` "
                                                "(npm install in frontend/)"),
]

# Closed <details> are opened first (what they hide is read too); the result is one entry
# per serious or critical rule broken, with the elements that break it.
AXE_JS = """async (impacts) => {
  document.querySelectorAll("details").forEach(d => { d.open = true; });
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => impacts.includes(v.impact)).map(v => ({
    rule: v.id, impact: v.impact, help: v.help, targets: v.nodes.map(n => n.target.join(" ")),
    why: (v.nodes[0].failureSummary || "").split("\\n").slice(1).join(" ").trim()}));
}"""


def audit(page, url: str, then=None) -> list[str]:
    """The serious and critical axe violations of ``url``, opened in ``page`` (and, with
    ``then``, once ``then(page)`` has brought it to the state to check): one line a rule,
    with its first elements and why the first fails."""
    response = page.goto(url)
    assert response.status == 200, f"{url}: {response.status}"
    if then:
        then(page)
    return audit_here(page)


def audit_here(page) -> list[str]:
    """audit() of the page ``page`` shows now (one reached by a form, that no address opens again)."""
    page.wait_for_load_state("networkidle")
    page.add_script_tag(path=str(AXE))
    found = []
    for v in page.evaluate(AXE_JS, list(IMPACTS)):
        more = f" (+{len(v['targets']) - 3} more)" if len(v["targets"]) > 3 else ""
        found.append(f"{v['rule']} ({v['impact']}, {v['help']}) at {', '.join(v['targets'][:3])}{more}: {v['why']}")
    return found


def replying_case(officer, base) -> str:
    """A case of 住建局's being handled, whose page has the officer's reply form."""
    for message in Message.objects.filter(status=Status.SIGNED, assignments__unit__name="兰州市住房和城乡建设局"):
        url = f"/staff/case/{message.public_id}/"
        officer.goto(base + url)
        if officer.locator("#reply-form textarea[name=body]").count():
            return url
    raise AssertionError("no case of 住建局 with a reply form in the demo data")


def refuse_the_empty_form(page) -> None:
    """Send the post form empty: the error summary and the fields marked invalid."""
    page.click("form.post-form button[type=submit]")
    page.wait_for_selector(".errorsummary")


def name_a_place(page) -> None:
    """Type a body naming 七里河区: the line 「留言提到「七里河区」: 选为所在区划」 shows above the region picker."""
    page.fill("#id_body", "七里河区西津西路的路灯坏了一个多月, 晚上出门很不安全, 请尽快修好。")
    page.wait_for_selector("#region-hint button")


def preview_a_reply(page) -> None:
    """Type a reply and press 预览: the preview htmx swaps in."""
    page.fill("#reply-form textarea[name=body]", "您好, 经我局现场核查, 该路段的路灯已于本周修复, 感谢您的监督。")
    page.click("#reply-form button:has-text('预览')")
    page.wait_for_selector("#reply-preview >> text=答复预览")


@pytest.mark.long
@pytest.mark.django_db(transaction=True)
def test_key_pages_of_every_role_have_no_serious_axe_violations(browser, live_server, tmp_path_factory):  # noqa: F811
    load_demo(tmp_path_factory)
    base = live_server.url
    citizen_id = "13900000001"
    size = {"viewport": {"width": WIDTHS[0], "height": 844}, "locale": "zh-CN"}

    visitor = browser.new_context(**size).new_page()
    public = Message.objects.filter(status__in=Status.answered()).order_by("-id").first()
    hotspot = Hotspot.objects.public().order_by("-heat").first()
    assert public is not None and hotspot is not None
    # (the page of a role, the address, what to do there before the audit)
    pages = [(visitor, url, None) for url in ("/", "/browse/", f"/m/{public.public_id}/", "/hotspots/",
                                              f"/hotspots/{hotspot.pk}/", "/stats/", "/accounts/login/")]

    citizen = signed_in_page(browser, live_server, citizen_id, password=DEMO_PASSWORD, **size)
    own = Message.objects.filter(author__username=citizen_id).order_by("-id").first()
    pages += [(citizen, url, None) for url in ("/post/", "/me/messages/", "/me/notifications/", "/accounts/me/",
                                               "/accounts/me/close/", "/accounts/me/rebind/", f"/m/{own.public_id}/")]
    # 同意隐私政策: a citizen who never consented (an Open311 account, one older than the notice), signed in
    pages.append((unconsented_citizen(browser, live_server, size), "/accounts/consent/", None))
    pages.append((citizen, "/post/", refuse_the_empty_form))
    pages.append((citizen, "/post/", name_a_place))

    dispatcher = signed_in_page(browser, live_server, "lz_dispatcher", password=DEMO_PASSWORD, **size)
    triage_case = first_link(dispatcher, f"{base}/staff/triage/", "main table.cases a[href^='/staff/case/']")
    pages += [(dispatcher, url, None) for url in ("/staff/triage/", triage_case)]

    officer = signed_in_page(browser, live_server, "lz_housing", password=DEMO_PASSWORD, **size)
    case = replying_case(officer, base)
    pages += [(officer, "/staff/", None), (officer, case, None), (officer, case, preview_a_reply)]

    supervisor = signed_in_page(browser, live_server, "lz_supervisor", password=DEMO_PASSWORD, **size)
    pages += [(supervisor, url, None) for url in ("/staff/supervision/", "/stats/overdue/", "/stats/dashboard/")]

    found = []
    for width in WIDTHS:
        for page in {id(p): p for p, _, _ in pages}.values():
            page.set_viewport_size({"width": width, "height": 844})
        for page, url, then in pages:
            where = url + (f" ({then.__name__})" if then else "")
            found += [f"{width}px {where}: {v}" for v in audit(page, base + url, then)]
        # 「账号已注销」, shown once after 注销账号: an account closed at each width
        closed = closing_citizen(browser, live_server, size)
        closed.set_viewport_size({"width": width, "height": 844})
        found += [f"{width}px /accounts/closed/: {v}" for v in audit_here(close_the_account(closed))]
    assert not found, "axe violations of impact serious or critical:\n" + "\n".join(found)
