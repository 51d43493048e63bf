"""Touch targets on a phone (390×844) in the system Chromium, over demo data: no link,
button, summary or select that stands on its own (not a link inside a sentence) is
smaller than 24×24 CSS px (WCAG 2.2 target size, minimum), and every button — the
page's actions — is 44 px high, the height a thumb hits without aiming. Staff case
titles in a phone's card (21 px), 督办's disclosure (23 px) and the buttons in a table
cell (38 px) were below that. The house sizes (docs/accessibility.md: a link that stands apart
40 px high) at 360 px for the staff pages' menus and the citizen's pages."""

from __future__ import annotations

import fcntl
import io
import os
import pickle
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from minsheng.accounts import rights
from minsheng.accounts.models import User
from minsheng.board.actions import can_reopen
from minsheng.board.demo_accounts import DEMO_PASSWORD
from minsheng.board.models import Message
from minsheng.board.tasks import analyze_database
from minsheng.board.workflow import Status
from minsheng.directory.models import Addressee
from minsheng.insight import hotspots_service, lookup
from minsheng.insight.models import Hotspot

from . import db_rows
from .test_browser import CHROMIUM, browser, signed_in_page  # noqa: F401 (a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium"),
]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "zh-CN"}
TARGET = 24  # px, WCAG 2.2 SC 2.5.8 (AA)
ACTION = 44  # px, a button on a phone

# Every visible target as {text, w, h, where, button, control, link, menu}. A target is "in running
# text" when its paragraph (<p>, a list item, a form's help) has words of its own on the target's line:
# its size is the line's (the WCAG exception for inline targets). Closed <details> are opened first: what they
# hide is tapped too.
TARGETS_JS = r"""() => {
  const SEL = "a[href], button, input[type=submit], input[type=button], summary, select";
  document.querySelectorAll("details").forEach(d => { d.open = true; });
  const words = s => /[\p{L}\p{N}]/u.test(s);
  const inRunningText = e => {
    const p = e.closest("p, li, .helptext");
    if (!p) return false;
    const r = e.getBoundingClientRect();
    const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
    for (let t; (t = walker.nextNode());) {
      if (!words(t.data) || t.parentElement.closest(SEL)) continue;
      const range = document.createRange();
      range.selectNodeContents(t);
      for (const q of range.getClientRects())
        if (q.width > 0 && q.bottom > r.top + 1 && q.top < r.bottom - 1) return true;
    }
    return false;
  };
  const where = e => { const out = [];
    for (let n = e; n && n !== document.body && out.length < 3; n = n.parentElement)
      out.unshift(n.tagName.toLowerCase() + (n.id ? "#" + n.id : "") + [...n.classList].map(c => "." + c).join(""));
    return out.join(" > "); };
  return [...document.querySelectorAll(SEL)]
    .filter(e => { const r = e.getBoundingClientRect();
      return r.width > 0 && r.height > 0 && e.checkVisibility({visibilityProperty: true, opacityProperty: true}); })
    .filter(e => !inRunningText(e))
    .map(e => { const r = e.getBoundingClientRect();
      return {text: (e.innerText || e.value || e.getAttribute("aria-label") || "").trim().slice(0, 20),
              w: Math.round(r.width * 10) / 10, h: Math.round(r.height * 10) / 10, where: where(e),
              button: e.matches("button:not(.link), .button, input[type=submit], input[type=button]"),
              control: e.matches("button, .button, input"), link: e.matches("a[href]:not(.button)"),
              menu: !!e.closest("header.site, nav")}; });
}"""


def first_link(page, url, selector) -> str:
    page.goto(url)
    href = page.eval_on_selector(selector, "a => a.getAttribute('href')") if page.query_selector(selector) else None
    assert href, f"no {selector} on {url}"
    return href


def load_demo(tmp_path_factory) -> None:
    """200 demo messages: every status and every kind of handling (tests/test_demo.py), so the
    queues, the forms of each state, extensions awaiting a decision and hotspots are there.

    Built once a run of tests (the first test of any worker to ask builds it, under a lock the others wait on) and
    its rows saved; each later test has them written back (tests/db_rows.py): the same rows, ids and all, for a small
    part of the build's time (CI time, docs/decisions.md, 2026-12-07)."""
    folder = _run_folder(tmp_path_factory)
    saved = folder / f"demo-{connection.vendor}-{timezone.localdate():%Y%m%d}.pickle"
    with open(folder / "demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if saved.exists():
            db_rows.restore(pickle.loads(saved.read_bytes()))
            analyze_database()  # as the demo's build ends
            hotspots_service.reset_index()
            lookup.clear_cache()
            return
        call_command("demo", "--messages", "200", "--seed", "2026", "--no-train", stdout=io.StringIO())
        hotspots_service.reset_index()
        hotspots_service.rebuild()
        hotspots_service.refresh()
        (folder / "demo.part").write_bytes(pickle.dumps(db_rows.save()))
        (folder / "demo.part").rename(saved)


def _run_folder(tmp_path_factory) -> Path:
    """A folder of this run of pytest, which its xdist workers share."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def demo_citizens():
    """Demo citizens other than the one the pages are read as: each to be closed or asked for consent."""
    return (User.objects.filter(username__startswith="139", memberships=None, closed_at=None)
            .exclude(username="13900000001").order_by("pk"))


def unconsented_citizen(browser, live_server, size):  # noqa: F811
    """A page signed in by password as a citizen who has not consented to the notice: on 同意隐私政策."""
    user = demo_citizens().filter(privacy_version=rights.PRIVACY_VERSION).first()
    User.objects.filter(pk=user.pk).update(privacy_version="", privacy_consented_at=None)
    page = signed_in_page(browser, live_server, user.username, password=DEMO_PASSWORD, **size)
    assert "/accounts/consent/" in page.url, page.url
    return page


def closing_citizen(browser, live_server, size):  # noqa: F811
    """A page signed in as a demo citizen, on 注销账号."""
    user = demo_citizens().filter(privacy_version=rights.PRIVACY_VERSION).first()
    page = signed_in_page(browser, live_server, user.username, password=DEMO_PASSWORD, **size)
    page.goto(f"{live_server.url}/accounts/me/close/")
    return page


def close_the_account(page):
    """注销账号 on ``page`` (closing_citizen): it shows 「账号已注销」."""
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url("**/accounts/closed/")
    return page


def phone_pages(browser, live_server, size) -> list[tuple]:  # noqa: F811
    """(page, address, who) of the key pages of every role over the demo data, each page signed in at ``size``;
    who is "public" or "citizen" (the citizen's pages), or "staff". An address of None: read the page where it
    is (「账号已注销」, shown once after 注销账号)."""
    base = live_server.url
    citizen_id = "13900000001"

    visitor = browser.new_context(**size).new_page()
    public = Message.objects.filter(status__in=Status.answered()).order_by("-id").first()
    hotspot = Hotspot.objects.public().order_by("-heat").first()
    assert public is not None and hotspot is not None
    mayor = Addressee.objects.get(title="兰州市市长").pk
    pages = [(visitor, url, "public") for url in (
        "/", "/browse/", "/browse/?q=电梯", f"/m/{public.public_id}/", "/hotspots/", f"/hotspots/{hotspot.pk}/",
        "/leaders/", f"/leaders/{mayor}/", f"/leaders/{mayor}/?status=answered", "/region/620100/", "/accounts/login/",
        "/accounts/register/", "/accounts/reset/", "/privacy/")]

    citizen = signed_in_page(browser, live_server, citizen_id, password=DEMO_PASSWORD, **size)
    own = Message.objects.filter(author__username=citizen_id)
    pages += [(citizen, url, "citizen") for url in ("/", "/post/", "/me/messages/", "/me/messages/?supported=1",
                                                    "/me/notifications/", "/accounts/me/", "/accounts/me/close/",
                                                    "/accounts/me/rebind/", "/privacy/")]
    pages += [(citizen, f"/m/{m.public_id}/", "citizen") for m in own.order_by("-id")[:3]]
    pages.append((unconsented_citizen(browser, live_server, size), "/accounts/consent/", "citizen"))
    rated = own.filter(status=Status.REPLIED).first()
    if rated:
        pages.append((citizen, f"/m/{rated.public_id}/rate/", "citizen"))
    # 撤回 and 申请重办: the demo's citizen has a message waiting and one judged unsatisfied
    pending = own.filter(status__in=(Status.SUBMITTED, Status.ACCEPTED)).first()
    reopenable = next((m for m in own.filter(status=Status.EVALUATED) if can_reopen(m)), None)
    assert pending and reopenable
    pages += [(citizen, f"/m/{pending.public_id}/withdraw/", "citizen"),
              (citizen, f"/m/{reopenable.public_id}/reopen/", "citizen")]

    officer = signed_in_page(browser, live_server, "lz_housing", password=DEMO_PASSWORD, **size)
    case = first_link(officer, f"{base}/staff/", "main table.cases a[href^='/staff/case/']")
    pages += [(officer, url, "staff") for url in ("/staff/", "/staff/?tab=overdue", case)]
    head = signed_in_page(browser, live_server, "lz_housing_head", password=DEMO_PASSWORD, **size)
    pages += [(head, url, "staff") for url in ("/staff/unit-work/", "/staff/?handler=none", case)]  # case: 指派承办人
    dispatcher = signed_in_page(browser, live_server, "lz_dispatcher", password=DEMO_PASSWORD, **size)
    triage_case = first_link(dispatcher, f"{base}/staff/triage/", "main table.cases a[href^='/staff/case/']")
    pages += [(dispatcher, url, "staff") for url in ("/staff/triage/", triage_case)]
    supervisor = signed_in_page(browser, live_server, "lz_supervisor", password=DEMO_PASSWORD, **size)
    office = signed_in_page(browser, live_server, "o620100-01", password=DEMO_PASSWORD, **size)  # 兰州市委书记's
    pages += [(office, url, "staff") for url in ("/staff/leader-board/", "/staff/leader-board/?show=answered")]
    pages += [(supervisor, url, "staff") for url in ("/staff/supervision/", "/staff/reading/", "/chronic/",
                                                     "/stats/overdue/")]

    pages.append((close_the_account(closing_citizen(browser, live_server, size)), None, "citizen"))
    return pages


def read_targets(live_server, pages):
    """Yield (address, who, target) of each target of ``pages`` (phone_pages), opening each page."""
    base = live_server.url
    for page, url, who in pages:
        if url is None:
            url = page.url.removeprefix(base)
        else:
            response = page.goto(base + url)
            assert response.status == 200, f"{url}: {response.status}"
        for t in page.evaluate(TARGETS_JS):
            yield url, who, t


# the house sizes on a phone (minsheng.css): a link that stands apart 40px high, a button 44px
LINK = 40


def sizes(page, selector) -> list[dict]:
    """{text, w, h} of each visible element matching ``selector`` on ``page``."""
    return page.eval_on_selector_all(selector, """els => els.filter(e => e.getClientRects().length).map(e => {
        const r = e.getBoundingClientRect();
        return {text: e.innerText.trim(), w: Math.round(r.width * 10) / 10, h: Math.round(r.height * 10) / 10}; })""")


def assert_the_workbench_small_links_and_the_sign_out_button_take_the_house_size_on_a_phone(
        browser, live_server):  # noqa: F811
    """Read on a phone (walk of 2026-12-06), under the house sizes though inside no sentence: the header's 退出
    button was 40px high (a button is 44px), 导出 CSV / 导出 Excel, the leader board's 统计口径 and its 受理留言 …
    签收超期 links, its 「超期 0 件」 count and 督办's 「全部超期清单 (可导出) →」 24-30px (a link is 40px)."""
    base = live_server.url
    office = signed_in_page(browser, live_server, "o620100-01", password=DEMO_PASSWORD, **PHONE)
    officer = signed_in_page(browser, live_server, "lz_housing", password=DEMO_PASSWORD, **PHONE)
    supervisor = signed_in_page(browser, live_server, "lz_supervisor", password=DEMO_PASSWORD, **PHONE)
    found = []
    officer.goto(f"{base}/staff/")
    found += [(t, 44) for t in sizes(officer, "header.site .who button")]
    found += [(t, LINK) for t in sizes(officer, "main p.export a")]
    office.goto(f"{base}/staff/leader-board/")
    found += [(t, LINK) for t in sizes(office, "main .figures-note a, main .figures span a")]
    supervisor.goto(f"{base}/staff/supervision/")
    found += [(t, LINK) for t in sizes(supervisor, "main a[href^='/stats/overdue/']")]
    texts = {t["text"] for t, _ in found}
    assert {"退出", "导出 CSV", "导出 Excel", "统计口径", "受理留言", "签收超期", "全部超期清单 (可导出) →"} <= texts, texts
    low = [f"「{t['text']}」 {t['w']}×{t['h']} (at least {least}px high)" for t, least in found
           if t["h"] < least or t["w"] < TARGET]
    assert not low, "\n".join(low)
    # the desk keeps its lines: the note's links and the export line as they read (not 40px rows)
    desk = signed_in_page(browser, live_server, "lz_housing", password=DEMO_PASSWORD,
                          viewport={"width": 1280, "height": 900})
    desk.goto(f"{base}/staff/")
    assert all(t["h"] < 30 for t in sizes(desk, "main p.export a")), sizes(desk, "main p.export a")
    assert all(t["h"] < 30 for t in sizes(desk, "header.site .who button")), sizes(desk, "header.site .who button")


SMALL_PHONE = {"width": 360, "height": 780}  # the narrowest common handset's viewport


@pytest.mark.long
@pytest.mark.django_db(transaction=True)
def test_targets_are_big_enough_to_tap_on_a_phone_and_a_small_phone(browser, live_server, tmp_path_factory):  # noqa: F811
    """The key pages of every role read at 390px, then again at 360px (the pages, signed in once over one demo, set
    to the narrower viewport and opened again), and the workbench's small links on a phone
    (``assert_the_workbench_small_links_and_the_sign_out_button_take_the_house_size_on_a_phone``): three tests that
    built each its own demo (CI time, docs/decisions.md, 2026-12-07).

    At 390px no target that stands on its own is under 24×24px, and every button is 44px high.

    At 360px, the house sizes of docs/accessibility.md: each link that stands apart is 40px high (and 24px
    wide at least), each button 44px high (退出, a link to look at, too) — every link and button of the staff
    pages' menus (the site's header, 工作台's menu, the tabs) and of the pages a citizen reads. A link inside a
    sentence is exempt, as WCAG's inline targets: 隐私政策's 「在「我的资料」中下载我的数据 (JSON 文件), …」."""
    load_demo(tmp_path_factory)
    pages = phone_pages(browser, live_server, PHONE)
    small, short_buttons, seen = [], [], 0
    for url, _, t in read_targets(live_server, pages):
        seen += 1
        if t["w"] < TARGET or t["h"] < TARGET:
            small.append(f"{url}: 「{t['text']}」 {t['w']}×{t['h']} ({t['where']})")
        elif t["button"] and t["h"] < ACTION:
            short_buttons.append(f"{url}: 「{t['text']}」 {t['h']}px high ({t['where']})")
    assert seen > 500, seen  # the pages had their lists, forms and queues
    assert not small, f"targets smaller than {TARGET}×{TARGET}px at 390px:\n" + "\n".join(small)
    assert not short_buttons, f"buttons lower than {ACTION}px at 390px:\n" + "\n".join(short_buttons)
    assert_the_workbench_small_links_and_the_sign_out_button_take_the_house_size_on_a_phone(browser, live_server)

    for page in {id(p): p for p, _, _ in pages}.values():
        page.set_viewport_size(SMALL_PHONE)
    low, seen = [], {"citizen": 0, "public": 0, "staff": 0}
    for url, who, t in read_targets(live_server, pages):
        if who == "staff" and not t["menu"] or not (t["control"] or t["link"]):
            continue
        seen[who] += 1
        least = ACTION if t["control"] else LINK
        if t["h"] < least or t["w"] < TARGET:
            low.append(f"{url}: 「{t['text']}」 {t['w']}×{t['h']}, {least}px high wanted ({t['where']})")
    assert all(n > 100 for n in seen.values()), seen  # the menus of every staff page, the citizen's lists
    assert not low, "under the house sizes at 360px:\n" + "\n".join(low)
