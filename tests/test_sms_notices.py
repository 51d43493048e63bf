"""SMS notices (MINSHENG_SMS_SENDER): a citizen with a phone is texted when their message is
answered or not accepted, through the notify task (eager here), within a daily cap; a failing
gateway never undoes or fails the officer's action."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from minsheng.accounts.forms import ProfileForm
from minsheng.accounts.models import TextNotice
from minsheng.accounts.senders import MemorySender
from minsheng.board import actions
from minsheng.board.models import Message, Reply

from .conftest import make_user
from .test_workflow_http import REPLY_TEXT, act, post_message

pytestmark = pytest.mark.django_db


class BrokenGateway:
    calls = 0

    def send_text(self, phone, text):
        BrokenGateway.calls += 1
        raise ConnectionError("gateway down")


@pytest.fixture(autouse=True)
def texts(settings):
    settings.MINSHENG_SMS_SENDER = "minsheng.accounts.senders.MemorySender"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    MemorySender.texts.clear()
    yield MemorySender.texts
    MemorySender.texts.clear()


def signed_case(personas, directory, author="citizen"):
    m = post_message({"citizen": personas[author]}, directory)
    actions.do_dispatch(personas["dispatcher"], m, directory["housing"])
    actions.do_sign(personas["officer"], m, directory["housing"])
    return m


@pytest.fixture
def reply(personas, login, django_capture_on_commit_callbacks):
    """reply(m) -> the officer's response to 答复 on the case page, its after-commit work done."""
    def _reply(m):
        with django_capture_on_commit_callbacks(execute=True):
            return act(login(personas["officer"]), m, "reply", body=REPLY_TEXT)
    return _reply


def test_an_answered_message_texts_its_author_once_with_its_number_and_link(personas, directory, texts, reply):
    m = signed_case(personas, directory)
    r = reply(m)
    assert r.status_code == 302
    (phone, text), = texts
    assert phone == "13800000001"
    assert text == f"【民声】您的留言{m.public_id}已答复，详见 http://127.0.0.1:8000/m/{m.public_id}/"
    assert len(text) <= 70 and m.title not in text


def test_a_message_not_accepted_is_texted_too(personas, directory, texts, django_capture_on_commit_callbacks):
    m = post_message(personas, directory)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_reject(personas["dispatcher"], m, "不属于政务留言受理范围")
    (phone, text), = texts
    assert text.startswith(f"【民声】您的留言{m.public_id}未予受理") and "不属于" not in text and len(text) <= 70


def test_a_long_site_address_leaves_the_number_to_the_link(personas, directory, texts, settings,
                                                         django_capture_on_commit_callbacks):
    settings.MINSHENG_SITE_URL = "https://liuyan.lanzhou-gansu.gov.cn"
    m = post_message(personas, directory)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_reject(personas["dispatcher"], m, "不属于政务留言受理范围")
    (_, text), = texts
    assert text == f"【民声】您的留言未予受理，详见 https://liuyan.lanzhou-gansu.gov.cn/m/{m.public_id}/"
    assert len(text) <= 70


def test_a_citizen_with_only_an_email_gets_no_sms(personas, directory, texts, reply):
    mailer = make_user("mail@example.com", email="mail@example.com")
    reply(signed_case({**personas, "mailer": mailer}, directory, author="mailer"))
    assert texts == []


def test_no_sms_sender_set_sends_none(personas, directory, texts, settings, reply):
    settings.MINSHENG_SMS_SENDER = ""
    reply(signed_case(personas, directory))
    assert texts == [] and not TextNotice.objects.exists()


def test_sms_notices_switched_off_on_my_profile_sends_none(personas, directory, texts, login, reply):
    citizen = personas["citizen"]
    c = login(citizen)
    page = c.get("/accounts/me/").content.decode()
    assert 'name="sms_notices" id="id_sms_notices" checked' in page and "短信通知" in page  # on by default
    r = c.post("/accounts/me/", {"display_name": "小李"})  # the box unticked
    assert r.status_code == 302
    citizen.refresh_from_db()
    assert citizen.sms_notices is False
    reply(signed_case(personas, directory))
    assert texts == []


def test_the_switch_is_not_offered_without_a_phone_or_an_sms_sender(personas, settings, login):
    mailer = make_user("mail@example.com", email="mail@example.com")
    assert 'name="sms_notices"' not in login(mailer).get("/accounts/me/").content.decode()
    settings.MINSHENG_SMS_SENDER = ""
    assert 'name="sms_notices"' not in login(personas["citizen"]).get("/accounts/me/").content.decode()


def test_a_failing_gateway_is_retried_and_the_reply_still_stands(personas, directory, settings, caplog, login,
                                                                 django_capture_on_commit_callbacks):
    settings.MINSHENG_SMS_SENDER = "tests.test_sms_notices.BrokenGateway"
    BrokenGateway.calls = 0
    m = signed_case(personas, directory)
    officer = login(personas["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        r = act(officer, m, "reply", body=REPLY_TEXT)
    assert r.status_code == 302
    assert "答复已公开发布" in officer.get(r.url).content.decode()  # the officer is told it worked
    assert Reply.objects.filter(message=m).exists()
    assert BrokenGateway.calls == 4  # the first try and three more
    assert "gateway down" in caplog.text and "SMS gateway" in caplog.text
    notice, = TextNotice.objects.all()  # counted once against the cap, never sent
    assert notice.sent is False


def test_at_most_the_daily_cap_of_sms_go_to_one_phone(personas, directory, texts, settings,
                                                      django_capture_on_commit_callbacks):
    settings.MINSHENG_SMS_PER_DAY = 2
    for _ in range(3):
        m = post_message(personas, directory)
        with django_capture_on_commit_callbacks(execute=True):
            actions.do_reject(personas["dispatcher"], m, "不属于政务留言受理范围")
    assert len(texts) == 2
    other = post_message({"citizen": personas["other_citizen"]}, directory)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_reject(personas["dispatcher"], other, "不属于政务留言受理范围")
    assert len(texts) == 3 and texts[-1][0] == "13800000002"  # another phone has its own count


def test_a_sender_without_send_text_stops_the_check(settings):
    settings.MINSHENG_SMS_SENDER = "minsheng.accounts.senders.CodeSender"
    with pytest.raises(Exception, match="没有 send_text"):
        call_command("check")


def test_the_deploy_check_warns_of_sms_notices_printed_in_the_terminal(settings):
    from minsheng.accounts.apps import deployment_check

    settings.MINSHENG_SMS_SENDER = "minsheng.accounts.senders.ConsoleSender"
    assert "minsheng.W003" in [w.id for w in deployment_check(None)]
    settings.MINSHENG_SMS_SENDER = ""
    assert "minsheng.W003" not in [w.id for w in deployment_check(None)]


def test_the_deploy_check_warns_of_a_site_address_too_long_for_one_sms(settings):
    from minsheng.accounts.apps import deployment_check

    settings.MINSHENG_SITE_URL = "https://liuyan.lanzhou-gansu.gov.cn"  # 69 characters: one SMS
    assert "minsheng.W004" not in [w.id for w in deployment_check(None)]
    settings.MINSHENG_SITE_URL = "https://www.lanzhou.gov.cn/12345/minsheng"  # 75: two SMS, billed twice
    warning, = [w for w in deployment_check(None) if w.id == "minsheng.W004"]
    assert "75 字" in warning.msg
    settings.MINSHENG_SMS_SENDER = ""
    assert "minsheng.W004" not in [w.id for w in deployment_check(None)]


def test_an_action_told_of_long_after_it_happened_is_not_texted(personas, directory, texts,
                                                                django_capture_on_commit_callbacks):
    """The demo plays months of history in one run: its citizens' phones are not texted of it."""
    m = post_message(personas, directory)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_reject(personas["dispatcher"], m, "不属于政务留言受理范围", at=timezone.now() - dt.timedelta(days=2))
    assert texts == []


def test_a_landline_an_open311_request_gave_is_not_texted(personas, directory, texts, settings,
                                                          django_capture_on_commit_callbacks):
    """A 12345 caller's landline (or a foreign number) made their account until 2026-12-05
    (docs/open311.md): such an account is left as it is, but the gateway cannot text it, so no
    notice is tried, counted, nor offered on 我的资料; a landline sent now names no account."""
    from minsheng.api.models import Open311Key

    from .test_open311 import BASE, Open311Client, form

    settings.MINSHENG_SMS_SENDER = "tests.test_sms_notices.BrokenGateway"
    BrokenGateway.calls = 0
    key = Open311Key.issue("12345 热线")[1]
    r = Open311Client().post(f"{BASE}/requests.json", form(key, email=None, phone="0931-8888888"))
    assert r.status_code == 200, r.content
    m = Message.objects.get(public_id=r.json()[0]["service_request_id"])
    assert m.author.phone is None and m.contact_phone == "0931-8888888"
    before = make_user("09318888888", phone="09318888888")  # an account such a request made before
    Message.objects.filter(pk=m.pk).update(author=before)
    m.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_reject(personas["dispatcher"], m, "不属于政务留言受理范围")
    assert BrokenGateway.calls == 0 and not TextNotice.objects.exists()
    assert "sms_notices" not in ProfileForm(instance=before).fields


def test_run_periodic_deletes_the_notices_and_codes_no_cap_counts(personas):
    """The rows the daily caps count kept every phone number texted, and every phone and email
    sent a code, for good: the periodic job deletes those over two days old."""
    from minsheng.accounts.models import VerificationCode

    now = timezone.now()
    TextNotice.objects.create(phone="13800000001", created_at=now - dt.timedelta(days=3), sent=True)
    recent = TextNotice.objects.create(phone="13800000001", created_at=now - dt.timedelta(hours=20), sent=True)
    old_code, recent_code = (VerificationCode.objects.create(target=t, code="x") for t in ("13800000002", "a@b.cn"))
    VerificationCode.objects.filter(pk=old_code.pk).update(created_at=now - dt.timedelta(days=3))
    call_command("run_periodic", stdout=io.StringIO())
    assert list(TextNotice.objects.all()) == [recent]
    assert list(VerificationCode.objects.all()) == [recent_code]


def test_celery_beat_deletes_them_daily(settings):
    from minsheng.board.tasks import purge_counted

    entry, = (e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == purge_counted.name)
    assert entry["schedule"] == 86400.0
