# ruff: noqa: F811  (pytest fixtures imported from test_api_support)
"""An attacker's probes (docs/security.md): another citizen's message, another unit's or region's
case, redirects built from what a request names, guessing a verification code. Each table lists
who may and who may not; the refusals are the point."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from minsheng.board import actions

from .conftest import make_user
from .test_api_support import (  # noqa: F401 (fixtures)
    _fresh_rate_limits,
    _media_in_tmp,
    advance,
    api_key,
    as_persona,
    submit,
)

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
EMAIL = "secret@example.com"


@pytest.fixture
def transferred(personas, directory):
    """A case 住建局 signed and transferred to 生态环境局 (which holds it now), with contact data."""
    citizen = make_user(PHONE, phone=PHONE, email=EMAIL)  # no nickname: the account's name is the phone
    m = advance(submit(citizen, directory), personas, directory, "signed")
    actions.do_transfer(personas["officer"], m, directory["housing"], directory["ecology"], "属于环境问题")
    m.refresh_from_db()
    return m


# who reads the citizen's phone, email and account name through GET /api/v1/staff/cases/{id}/
@pytest.mark.parametrize("persona, status, sees_contact", [
    ("other_officer", 200, True),  # 生态环境局 holds the case now
    ("dispatcher", 200, True),
    ("supervisor", 200, True),
    ("officer", 200, False),  # 住建局 transferred it away: its history, not the citizen's phone
    ("dx_dispatcher", 404, False),  # another region's dispatcher: nothing at all
    ("citizen", 403, False),
])
def test_the_api_shows_contact_data_to_whom_the_case_page_shows_them(as_persona, personas, transferred,
                                                                    persona, status, sees_contact):
    r = as_persona(persona).get(f"/api/v1/staff/cases/{transferred.public_id}/")
    assert r.status_code == status, r.content[:200]
    if status != 200:
        assert PHONE not in r.content.decode() and EMAIL not in r.content.decode()
        return
    body = r.json()
    shown = (body["contact_phone"], body["contact_email"])
    assert shown == ((PHONE, EMAIL) if sees_contact else ("", ""))
    # the citizen's account name is their phone number when they chose no nickname
    assert body["author"]["name"] == (PHONE if sees_contact else "匿名网友")
    # nor in the case history: the citizen's own steps (提交留言) name them 留言人
    assert {e["actor"] for e in body["events"] if e["kind"] == "submitted"} == {"留言人"}
    if not sees_contact:
        assert PHONE not in r.content.decode() and EMAIL not in r.content.decode()


def test_a_unit_the_case_left_reads_no_contact_data_on_the_page_either(login, personas, transferred):
    page = login(personas["officer"]).get(f"/staff/case/{transferred.public_id}/").content.decode()
    assert transferred.title in page and PHONE not in page and EMAIL not in page
    page = login(personas["other_officer"]).get(f"/staff/case/{transferred.public_id}/").content.decode()
    assert PHONE in page and EMAIL in page


# --- guessing a verification code --------------------------------------------------------

@pytest.fixture
def outbox(settings):
    from minsheng.accounts.senders import MemorySender

    settings.MINSHENG_CODE_SENDER = "minsheng.accounts.senders.MemorySender"
    MemorySender.outbox.clear()
    yield MemorySender.outbox
    MemorySender.outbox.clear()


def test_guesses_sent_at_once_each_count_against_the_code(outbox, monkeypatch):
    """Two wrong guesses of one code arriving together (two workers) are two of its five: each read the
    count before either wrote it, and both wrote 1, so guessing in parallel never reached the limit."""
    from minsheng.accounts import senders
    from minsheng.accounts.models import VerificationCode

    senders.issue_code("13812345678", "reset")
    real, nested = senders.secrets.compare_digest, []

    def compare_while_another_guess_arrives(a, b):
        if not nested:  # the second request, between the first one's read and its write
            nested.append(1)
            with pytest.raises(senders.CodeError):
                senders.check_code("13812345678", "reset", "wrong1")
        return real(a, b)

    monkeypatch.setattr(senders.secrets, "compare_digest", compare_while_another_guess_arrives)
    with pytest.raises(senders.CodeError):
        senders.check_code("13812345678", "reset", "wrong2")
    assert VerificationCode.objects.get().attempts == 2


def test_two_requests_for_a_code_at_once_send_one(outbox, monkeypatch):
    """Two 获取验证码 for one number arriving together (two workers, or a script firing many to get past
    the limits) each looked for a recent code before either wrote its own, and each sent one: as many
    texts to the phone as requests fired, whatever the per-minute and per-day limits said."""
    from minsheng.accounts import senders

    real, nested = senders.get_sender, []

    def sender_while_another_request_arrives():
        if not nested:  # the second request, between the first one's look and its write
            nested.append("arrived")
            nested.append(senders.issue_code("13812345678", "reset"))
        return real()

    monkeypatch.setattr(senders, "get_sender", sender_while_another_request_arrives)
    with pytest.raises(senders.CodeError, match="验证码发送过于频繁"):
        senders.issue_code("13812345678", "reset")
    assert len(outbox) == 1 and len(nested) == 2  # sent: the one whose row is in first
    senders.check_code("13812345678", "reset", outbox[0][1])  # and it is the code that counts


def test_the_right_code_after_five_wrong_guesses_is_refused(outbox):
    from minsheng.accounts import senders

    senders.issue_code("13812345678", "reset")
    code = outbox[-1][1]
    for _ in range(senders.MAX_ATTEMPTS):
        with pytest.raises(senders.CodeError, match="验证码不正确"):
            senders.check_code("13812345678", "reset", "abcdef")
    with pytest.raises(senders.CodeError, match="错误次数过多"):
        senders.check_code("13812345678", "reset", code)


def _ask_code(client, identifier="13812345678", address="127.0.0.1", url="/accounts/register/") -> str:
    """获取验证码 for ``identifier`` from ``address``, the codes so far 36 minutes older (past the
    per-minute limit, two at most in an address's hour, the first 40 inside the 24 hours): the page's text."""
    import datetime as dt

    from django.db.models import F

    from minsheng.accounts.models import VerificationCode

    VerificationCode.objects.update(created_at=F("created_at") - dt.timedelta(minutes=36))
    return client.post(url, {"action": "send_code", "identifier": identifier}, REMOTE_ADDR=address).content.decode()


def test_a_phone_gets_a_limited_number_of_codes_a_day(client, outbox, settings):
    """A new code each minute gave five more guesses each minute, all day (and an SMS to the phone).
    One address asking for one phone gets MINSHENG_CODES_PER_DAY of a purpose in 24 hours."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.accounts.models import VerificationCode

    for n in range(settings.MINSHENG_CODES_PER_DAY):
        assert "验证码已发送" in _ask_code(client), n
    assert "24 小时内已获取 10 次验证码, 请于 " in _ask_code(client)
    assert len(outbox) == settings.MINSHENG_CODES_PER_DAY
    # a day later, codes again
    VerificationCode.objects.update(created_at=timezone.now() - dt.timedelta(days=1, minutes=1))
    assert "验证码已发送" in _ask_code(client) and len(outbox) == settings.MINSHENG_CODES_PER_DAY + 1


# after strangers spent codes for the owner's phone from other addresses (codes per address), who gets one
@pytest.mark.parametrize("strangers, asker, refusal", [
    (["10.0.0.66"], "10.0.0.1", None),  # one stranger's ten are theirs: the owner's phone is still served
    (["10.0.0.66"], "10.0.0.66", "24 小时内已获取 10 次验证码"),  # the stranger is refused
    (["10.0.0.66", "10.0.0.67"], "10.0.0.1", None),
    # the ceiling over all addresses: what one phone can cost a day is bounded
    (["10.0.0.66", "10.0.0.67", "10.0.0.68"], "10.0.0.1", "24 小时内已获取 30 次验证码"),
])
def test_strangers_asking_for_someones_codes_spend_their_own_share(client, outbox, settings, strangers, asker,
                                                                   refusal):
    """Anyone who knew a citizen's number pressed 获取验证码 ten times and locked its owner out of
    registering (or resetting) for 24 hours, each press an SMS the site paid for."""
    for stranger in strangers:
        for n in range(settings.MINSHENG_CODES_PER_DAY):
            assert "验证码已发送" in _ask_code(client, address=stranger), (stranger, n)
    sent = len(outbox)
    page = _ask_code(client, address=asker)
    if refusal is None:
        assert "验证码已发送" in page and len(outbox) == sent + 1
    else:
        assert f"{refusal}, 请于 " in page and "验证码已发送" not in page and len(outbox) == sent
    assert len(outbox) <= settings.MINSHENG_CODES_PER_TARGET_DAY


# one address asking for codes for many numbers: refused after MINSHENG_CODES_PER_ADDRESS_HOUR in an hour,
# whatever the next number is — a new one, a known account's reset, an unknown one's (the same refusal)
@pytest.mark.parametrize("url, identifier", [
    ("/accounts/register/", "13700000099"),
    ("/accounts/reset/", "13700000098"),  # a known account
    ("/accounts/reset/", "13700000097"),  # no such account: refused the same, nothing told
])
def test_one_address_cycling_through_numbers_is_refused_after_its_hourly_limit(client, outbox, settings, url,
                                                                             identifier):
    import datetime as dt

    from django.utils import timezone

    from minsheng.accounts.models import VerificationCode

    make_user("13700000098", phone="13700000098")
    now = timezone.now()
    for n in range(settings.MINSHENG_CODES_PER_ADDRESS_HOUR):
        r = client.post("/accounts/register/", {"action": "send_code", "identifier": f"1370000{n:04d}"},
                        REMOTE_ADDR="10.0.0.66")
        assert "验证码已发送" in r.content.decode(), n
    first = VerificationCode.objects.order_by("created_at").first()
    VerificationCode.objects.filter(pk=first.pk).update(created_at=now - dt.timedelta(minutes=50, seconds=30))
    free = timezone.localtime(now + dt.timedelta(minutes=9, seconds=30))  # the first leaves the hour, to the minute
    free = (free + dt.timedelta(minutes=1)).replace(second=0, microsecond=0) if free.second or free.microsecond else free
    page = client.post(url, {"action": "send_code", "identifier": identifier}, REMOTE_ADDR="10.0.0.66").content.decode()
    assert f"当前网络 1 小时内已获取 10 次验证码, 请于 {free.month}月{free.day}日 {free:%H:%M} 后再试" in page
    assert "验证码已发送" not in page and len(outbox) == settings.MINSHENG_CODES_PER_ADDRESS_HOUR
    # another address is not held back
    page = client.post(url, {"action": "send_code", "identifier": identifier}, REMOTE_ADDR="10.0.0.1").content.decode()
    assert "验证码已发送" in page


def test_one_ipv6_line_is_one_address_whatever_address_of_its_64_it_uses(client, outbox, settings):
    """A home or a phone on IPv6 holds a whole /64 and takes a new address in it at will (privacy
    extensions): each was a fresh count, so the address's hourly limit, and its share of a phone's day,
    held nobody back. An IPv6 address counts by its /64, as an IPv4 address counts alone; sign-in too."""
    from django.test import RequestFactory

    from minsheng.accounts import limits

    def ask(n, address):
        return client.post("/accounts/register/", {"action": "send_code", "identifier": f"1370000{n:04d}"},
                           REMOTE_ADDR=address).content.decode()

    for n in range(settings.MINSHENG_CODES_PER_ADDRESS_HOUR):
        assert "验证码已发送" in ask(n, f"2001:db8:1:2::{n + 1:x}"), n
    assert "当前网络 1 小时内已获取 10 次验证码" in ask(99, "2001:db8:1:2:abcd:ef01:2345:6789")
    assert "验证码已发送" in ask(98, "2001:db8:1:3::1")  # another line
    assert "验证码已发送" in ask(97, "::ffff:198.51.100.7")  # an IPv4 address written as IPv6: itself
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="2001:db8:1:2:3:4:5:6")
    assert limits._keys(request, None) == [("login-failures:address:2001:db8:1:2::/64", limits.PER_ADDRESS)]


def test_behind_a_proxy_the_visitors_address_is_counted(client, outbox, settings):
    """With MINSHENG_NUM_PROXIES=1 the address the proxy appended counts (as for sign-in and the API): a
    forged X-Forwarded-For entry in front does not make a new address, nor is everyone the proxy."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    def ask(n, xff):
        return client.post("/accounts/register/", {"action": "send_code", "identifier": f"1370000{n:04d}"},
                           REMOTE_ADDR="10.9.9.9", HTTP_X_FORWARDED_FOR=xff).content.decode()

    for n in range(settings.MINSHENG_CODES_PER_ADDRESS_HOUR):
        assert "验证码已发送" in ask(n, f"198.51.100.{n}, 203.0.113.7"), n
    assert "当前网络 1 小时内已获取 10 次验证码" in ask(99, "198.51.100.99, 203.0.113.7")
    assert "验证码已发送" in ask(98, "203.0.113.8")  # another visitor behind the same proxy


def test_a_phone_at_its_daily_limit_is_told_when_it_may_have_a_code_again(client, outbox, settings):
    """The limit is over the last 24 hours, not a calendar day: 「请明天再试」 sent a citizen refused at
    00:30 back in vain all the next morning. The page names the minute the oldest of the ten codes leaves
    the window, and from that minute a code is sent again."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.accounts import senders
    from minsheng.accounts.models import VerificationCode

    now = timezone.now()
    oldest = now - dt.timedelta(hours=20, seconds=30)
    for n in range(settings.MINSHENG_CODES_PER_DAY):  # ten codes over the last 20 hours, one each two hours
        row = senders.issue_code("13812345678", "register", address="127.0.0.1")
        VerificationCode.objects.filter(pk=row.pk).update(created_at=oldest + n * dt.timedelta(hours=2))
    free = timezone.localtime(oldest + dt.timedelta(days=1))  # the oldest's 24 hours end, to the next minute
    free = (free + dt.timedelta(minutes=1)).replace(second=0, microsecond=0) if free.second or free.microsecond else free
    r = client.post("/accounts/register/", {"action": "send_code", "identifier": "13812345678"})
    assert f"请于 {free.month}月{free.day}日 {free:%H:%M} 后再试" in r.content.decode()
    with pytest.raises(senders.CodeError, match="后再试"):
        senders.issue_code("13812345678", "register", now=free - dt.timedelta(minutes=1), address="127.0.0.1")
    senders.issue_code("13812345678", "register", now=free, address="127.0.0.1")  # the minute it named: sent
    assert len(outbox) == settings.MINSHENG_CODES_PER_DAY + 1


def test_a_refusal_names_the_minute_every_limit_lets_a_code_go_again(client, outbox, settings):
    """A citizen who asked ten times in an hour for their own phone met two limits, the address's
    hour and the phone's day, and was told the hour's end: 「当前网络 1 小时内已获取 10 次验证码, 请于
    (within the hour) 后再试」; at that minute the phone's 24 hours refused them again, naming the next
    day. The refusal names the limit that ends last."""
    import datetime as dt

    from django.utils import timezone

    from minsheng.accounts import senders
    from minsheng.accounts.models import VerificationCode

    now = timezone.now()
    oldest = now - dt.timedelta(minutes=50, seconds=30)
    for n in range(settings.MINSHENG_CODES_PER_DAY):  # ten in the last 50 minutes, one each five
        row = senders.issue_code("13812345678", "register", address="127.0.0.1")
        VerificationCode.objects.filter(pk=row.pk).update(created_at=oldest + n * dt.timedelta(minutes=5))
    free = timezone.localtime(oldest + dt.timedelta(days=1))
    free = (free + dt.timedelta(minutes=1)).replace(second=0, microsecond=0)
    page = client.post("/accounts/register/", {"action": "send_code", "identifier": "13812345678"}).content.decode()
    assert f"该手机号或邮箱 24 小时内已获取 10 次验证码, 请于 {free.month}月{free.day}日 {free:%H:%M} 后再试" in page
    assert "当前网络" not in page and len(outbox) == settings.MINSHENG_CODES_PER_DAY
    # a stranger's number from the same address: the address's hour is all that holds it back
    page = client.post("/accounts/register/", {"action": "send_code", "identifier": "13812345679"}).content.decode()
    assert "当前网络 1 小时内已获取 10 次验证码" in page


# --- a dispatcher of one region acting on another ----------------------------------------

def test_a_dispatcher_merges_only_into_a_case_of_a_region_they_dispatch(as_persona, login, personas, directory):
    """A dispatcher of 城关区 who is also an officer of 兰州市住建局 sees 住建局's 七里河 case; the case
    page refused to merge into it (找不到编号), the API merged."""
    from minsheng.accounts.models import Membership

    user = personas["officer"]
    Membership.objects.create(user=user, role="dispatcher", region=directory["chengguan"])
    mine = submit(personas["citizen"], directory, title="城关区的留言", region="chengguan")
    theirs = advance(submit(personas["other_citizen"], directory, title="七里河的留言", region="qilihe"), personas,
                     directory, "dispatched")
    r = as_persona("officer").post(f"/api/v1/staff/cases/{mine.public_id}/merge/", {"into": theirs.public_id},
                                   format="json")
    assert r.status_code == 400 and "不在您的范围内" in r.json()["error"]["fields"]["into"][0]
    page = login(user).post(f"/staff/case/{mine.public_id}/merge/", {"version": mine.version, "into": theirs.public_id})
    assert page.status_code == 400 and "找不到编号" in page.content.decode()
    mine.refresh_from_db()
    assert mine.status == "submitted" and mine.duplicate_of is None


# --- redirects built from what the request names ---------------------------------------------

ELSEWHERE = ["//evil.example", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
             "http:///evil.example", " //evil.example"]


def _lands_here(response, expected: str):
    assert response.status_code == 302, response.content[:300]
    assert response["Location"] == expected, response["Location"]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_sign_in_never_leads_off_the_site(client, personas, target):
    from .conftest import PASSWORD

    r = client.post(f"/accounts/login/?next={target}", {"username": "officer", "password": PASSWORD})
    _lands_here(r, "/staff/")


@pytest.mark.parametrize("target", ELSEWHERE)
def test_a_case_action_and_the_inbox_never_lead_off_the_site(login, personas, directory, target):
    m = advance(submit(personas["citizen"], directory), personas, directory, "dispatched")
    officer = login(personas["officer"])
    # 内部备注 with next=…: the case page
    r = officer.post(f"/staff/case/{m.public_id}/note/", {"version": m.version, "body": "已电话联系物业", "next": target})
    _lands_here(r, f"/staff/case/{m.public_id}/")
    # 签收所选 with next=…: the inbox
    r = officer.post("/staff/sign/", {"case": [m.public_id], "next": target})
    _lands_here(r, "/staff/")
    # 指派所选 (a unit head's) with next=…: the inbox
    head = make_user("head", role="head", unit=directory["housing"])
    r = login(head).post("/staff/assign/", {"case": [m.public_id], "handler": personas["officer"].pk, "next": target})
    _lands_here(r, "/staff/")
    # ?back= is the inbox's own parameters alone: 返回待办 leads to the inbox whatever it says
    page = officer.get(f"/staff/case/{m.public_id}/", {"back": target}).content.decode()
    assert 'href="/staff/">← 返回待办列表' in page and "evil.example" not in page
    m.refresh_from_db()
    r = officer.post(f"/staff/case/{m.public_id}/return/", {"version": m.version, "reason": "不属于本单位职责",
                                                            "back": f"{target}&tab=signed"})
    _lands_here(r, "/staff/?tab=signed")


# --- one citizen and another's message -------------------------------------------------------

def test_a_citizen_can_neither_read_nor_act_on_another_citizens_message(login, as_persona, personas, directory):
    from minsheng.board.models import Message, Notification

    pending = submit(personas["citizen"], directory, title="尚未公开的留言")
    replied = advance(submit(personas["citizen"], directory, title="已答复的留言"), personas, directory, "replied")
    note = Notification.objects.create(user=personas["citizen"], message=pending, kind="submitted", text="已提交")
    web, api = login(personas["other_citizen"]), as_persona("other_citizen")
    # reading: the pending message, its owner's view and their notification are not there at all
    for url in (f"/m/{pending.public_id}/", f"/me/notifications/{note.pk}/"):
        assert web.get(url).status_code == 404, url
    for url in (f"/api/v1/messages/{pending.public_id}/", f"/api/v1/me/messages/{replied.public_id}/"):
        r = api.get(url)
        assert r.status_code == 404 and personas["citizen"].phone not in r.content.decode(), url
    assert personas["citizen"].phone not in web.get(f"/m/{replied.public_id}/").content.decode()
    # acting: rate, reopen, withdraw, on the pages and through the API
    for m, action, data in ((replied, "rate", {"resolution": "unsatisfied", "attitude": "unsatisfied",
                                                "speed": "unsatisfied"}),
                            (replied, "reopen", {"reason": "问题至今没有解决"}), (pending, "withdraw", {"confirm": "1"})):
        assert web.get(f"/m/{m.public_id}/{action}/").status_code == 404, action
        assert web.post(f"/m/{m.public_id}/{action}/", data).status_code == 404, action
        r = api.post(f"/api/v1/messages/{m.public_id}/{action}/", data, format="json")
        assert r.status_code in (403, 404) and set(r.json()) == {"error"}, (action, r.content[:200])
    assert not Message.objects.get(pk=replied.pk).evaluations.exists()
    assert Message.objects.get(pk=pending.pk).status == "submitted"
    assert Message.objects.get(pk=replied.pk).status == "replied"


# --- staff acting outside their part ---------------------------------------------------------

LEAD_ONLY = {"sign": {}, "reply": {"body": "经核查, 该小区已列入今年加装电梯计划, 预计年底前开工。"},
             "transfer": {"reason": "不属于本单位"}, "return": {"reason": "不属于本单位职责"},
             "extend": {"days": 5, "reason": "需要协调多个部门"}}
DISPATCH_ONLY = {"accept": {}, "reject": {"reason": "重复留言"}, "merge": {"into": "x"}}


@pytest.mark.parametrize("persona, actions_tried, web_status, api_status", [
    ("other_officer", LEAD_ONLY, 403, 403),  # 生态环境局 assists: no 主办 action
    ("supervisor", {**LEAD_ONLY, **DISPATCH_ONLY}, 403, 403),
    ("dx_dispatcher", {**LEAD_ONLY, **DISPATCH_ONLY, "supervise": {"note": "请加快办理"}, "note": {"body": "备注"}},
     404, 404),  # another region's: not even there
])
def test_staff_cannot_act_outside_their_part_of_a_case(login, as_persona, personas, directory, persona, actions_tried,
                                                       web_status, api_status):
    from minsheng.board.models import Event

    m = submit(personas["citizen"], directory)
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"], assists=[directory["ecology"]])
    m.refresh_from_db()
    before = (m.version, Event.objects.filter(message=m).count())
    web, api = login(personas[persona]), as_persona(persona)
    api_names = {"extend": "extension"}
    for action, data in actions_tried.items():
        if action == "transfer":
            data = {**data, "to_unit": directory["transport"].pk}
        r = web.post(f"/staff/case/{m.public_id}/{action}/", {"version": m.version, **data})
        # the page's 并单 looks for the main case among the user's own regions first: 「找不到编号」
        assert r.status_code in ({web_status, 400} if action == "merge" else {web_status}), (action, r.status_code)
        r = api.post(f"/api/v1/staff/cases/{m.public_id}/{api_names.get(action, action)}/", data, format="json")
        assert r.status_code == api_status, (action, r.content[:200])
    m.refresh_from_db()
    assert (m.version, Event.objects.filter(message=m).count()) == before and m.status == "dispatched"


def test_the_reply_preview_tells_no_one_but_the_lead_unit_whether_a_number_is_the_citizens(login, personas,
                                                                                           directory, transferred):
    """Its warning 「含有留言人的个人信息 (手机号)」 answered a unit the case had left, which reads no contact
    data, whether a phone number it tried was the citizen's."""
    draft = {"version": transferred.version, "body": f"经核查, 已安排人员处理, 如有疑问请拨打 {PHONE} 咨询。"}
    url = f"/staff/case/{transferred.public_id}/reply/preview/"
    for headers in ({}, {"HTTP_HX_REQUEST": "true"}):
        r = login(personas["officer"]).post(url, draft, **headers)
        page = r.content.decode()
        assert "不在您单位办理" in page and "个人信息" not in page and PHONE not in page
        assert r.status_code == (200 if headers else 403)
    # the unit holding it is warned, as before, once it has signed for the case (as the API's preview)
    actions.do_sign(personas["other_officer"], transferred, directory["ecology"])
    draft["version"] = transferred.version
    r = login(personas["other_officer"]).post(url, draft, HTTP_HX_REQUEST="true")
    assert "答复中含有留言人的个人信息 (手机号)" in r.content.decode()


def test_assigning_a_citizen_as_handler_does_not_tell_the_head_their_phone(as_persona, personas, directory):
    """指派承办人 takes a user id: the refusal named the user, and a citizen without a nickname is named by
    their phone number, so a unit head could read every citizen's number by trying ids."""
    from minsheng.accounts.models import Membership

    citizen = make_user(PHONE, phone=PHONE, email=EMAIL)
    Membership.objects.filter(user=personas["officer"]).update(role="head")
    m = advance(submit(personas["citizen"], directory), personas, directory, "dispatched")
    r = as_persona("officer").post(f"/api/v1/staff/cases/{m.public_id}/assign/", {"handler": citizen.pk},
                                   format="json")
    assert r.status_code == 400 and PHONE not in r.content.decode()
    assert r.json()["error"]["fields"]["handler"][0].startswith("该用户不是兰州市住房和城乡建设局的工作人员")
    # a colleague of another unit is still named
    r = as_persona("officer").post(f"/api/v1/staff/cases/{m.public_id}/assign/",
                                   {"handler": personas["other_officer"].pk}, format="json")
    assert r.json()["error"]["fields"]["handler"][0].startswith("生态局刘 不是")


def test_a_near_duplicate_the_dispatcher_does_not_dispatch_shows_its_title_as_the_public_reads_it(
        personas, directory, login):
    """疑似重复 of a district's case lists the public cases of the whole prefecture: one of the city itself, which
    a district's dispatcher neither dispatches nor may merge into, showed its title as written, the phone number
    in it too (review of 2026-12-06). Its title now reads as on its public page; the case's own stays whole."""
    from minsheng.board.models import Message

    cg_dispatcher = make_user("cg_dispatcher", role="dispatcher", region=directory["chengguan"])
    body = "城关区雁滩路幸福小区是老旧小区, 六层楼没有电梯, 老人上下楼很困难, 希望尽快加装电梯。"
    city = submit(personas["other_citizen"], directory, title=f"城关区幸福小区电梯加装进展缓慢 联系电话{PHONE}", body=body)
    actions.do_accept(personas["dispatcher"], city)  # public, in 兰州市 itself
    own = submit(personas["citizen"], directory, region="chengguan", title=f"城关区幸福小区电梯加装进展缓慢 电话{PHONE}",
                 body=body)
    page = login(cg_dispatcher).get(f"/staff/case/{own.public_id}/").content.decode()
    assert city.public_id in page  # offered as a near duplicate
    assert Message.objects.get(pk=city.pk).public_title in page
    assert f"城关区幸福小区电梯加装进展缓慢 电话{PHONE}" in page  # the case's own title, whole
    assert f"联系电话{PHONE}" not in page
    api = APIClient()
    api.force_authenticate(cg_dispatcher)
    [found] = api.get(f"/api/v1/staff/cases/{own.public_id}/suggestion/").json()["duplicates"]
    assert found["public_id"] == city.public_id and PHONE not in found["title"]
    # the region's own dispatcher, who may open it, reads it whole
    page = login(personas["dispatcher"]).get(f"/staff/case/{own.public_id}/").content.decode()
    assert f"联系电话{PHONE}" in page


def test_the_main_case_of_a_merged_message_shows_as_the_public_reads_it_to_a_unit_that_may_not_open_it(
        personas, directory, login):
    """A unit that held a message merged since reads its history: 已并入 named the main case with its title as
    written (a phone number in it too) and linked its case page, a 404 to a unit that never held it (walk of
    2026-12-06). It now reads as on the public page, and links there; the dispatcher's stays whole."""
    from minsheng.board.models import Message

    main = submit(personas["other_citizen"], directory, title=f"小区电梯加装进展缓慢 联系电话{PHONE}")
    actions.do_accept(personas["dispatcher"], main)
    merged = advance(submit(personas["citizen"], directory), personas, directory, "dispatched")
    actions.do_merge(personas["dispatcher"], merged, main)
    r = login(personas["officer"]).get(f"/staff/case/{merged.public_id}/")
    page = r.content.decode()
    assert r.status_code == 200 and "已并入" in page and Message.objects.get(pk=main.pk).public_title in page
    assert f"联系电话{PHONE}" not in page
    assert f'href="/m/{main.public_id}/"' in page and f"/staff/case/{main.public_id}/" not in page
    assert login(personas["officer"]).get(f"/m/{main.public_id}/").status_code == 200
    page = login(personas["dispatcher"]).get(f"/staff/case/{merged.public_id}/").content.decode()
    assert f"联系电话{PHONE}" in page and f'href="/staff/case/{main.public_id}/"' in page


def test_a_message_merged_into_a_case_shows_as_the_public_reads_it_to_a_unit_that_may_not_open_it(
        personas, directory, login):
    """并入本件的留言 listed each merged message with its title as written (another citizen's phone number in it)
    and its case page, a 404 to the unit handling the main case, which never held it (walk of 2026-12-06). It now
    reads as its public page and links there; the dispatcher's stays whole."""
    from minsheng.board.models import Message

    main = advance(submit(personas["citizen"], directory), personas, directory, "dispatched")
    merged = submit(personas["other_citizen"], directory, title=f"小区电梯加装进展缓慢 联系电话{PHONE}")
    actions.do_merge(personas["dispatcher"], merged, main)
    r = login(personas["officer"]).get(f"/staff/case/{main.public_id}/")
    page = r.content.decode()
    assert r.status_code == 200 and "并入本件的留言" in page
    assert Message.objects.get(pk=merged.pk).public_title in page and f"联系电话{PHONE}" not in page
    assert f'href="/m/{merged.public_id}/"' in page and f"/staff/case/{merged.public_id}/" not in page
    page = login(personas["dispatcher"]).get(f"/staff/case/{main.public_id}/").content.decode()
    assert f"联系电话{PHONE}" in page and f'href="/staff/case/{merged.public_id}/"' in page
