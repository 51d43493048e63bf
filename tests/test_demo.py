"""`minsheng demo`: a small seeded run shows every status and every kind of handling,
the same seed gives the same messages, and the printed demo logins work."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
import warnings

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from django.test import Client
from django.utils import timezone

from minsheng.accounts.models import User
from minsheng.board.demo_accounts import DEMO_PASSWORD, PERSONAS, logins_table
from minsheng.board.models import Assignment, Evaluation, Event, Message, MessageKind, Rating, Reply, Support
from minsheng.board.workflow import Status
from minsheng.directory.models import Region, Topic


def run_demo(*args) -> str:
    out = io.StringIO()
    call_command("demo", *args, "--no-train", stdout=out)
    return out.getvalue()


def titles() -> list[tuple[str, str, str]]:
    return list(Message.objects.order_by("submitted_at", "id").values_list("title", "status", "region__code"))


@pytest.mark.django_db(transaction=False)
def test_demo_run_covers_every_state_and_its_logins_work(settings):
    output = run_demo("--messages", "200", "--seed", "1")
    messages = Message.objects.all()
    assert messages.count() >= 200
    # the summary names the statuses as the pages do (it printed 「accepted 24, closed 2449」)
    closed = messages.filter(status=Status.CLOSED).count()
    assert f"待审核 {messages.filter(status=Status.SUBMITTED).count()}, " in output and f"已办结 {closed}" in output
    assert "closed" not in output and "accepted" not in output

    assert set(messages.values_list("status", flat=True)) == set(Status.values)
    assert set(messages.values_list("kind", flat=True)) == set(MessageKind.values)
    first_level = {t.root().code for t in Topic.objects.filter(messages__isnull=False).distinct()}
    assert len(first_level) >= 10  # 200 messages over 12 first-level topics
    events = set(Event.objects.values_list("kind", flat=True))
    assert {"transferred", "returned", "extension_requested", "extension_approved", "extension_refused",
            "reopened", "supervised", "merged", "closed", "rejected", "withdrawn", "assist_note"} <= events
    assert set(Evaluation.objects.values_list("resolution", flat=True)) == set(Rating.values)
    now = timezone.now()
    assert messages.filter(status__in=Status.handling(), due_at__lt=now).exists()  # overdue cases
    assert messages.filter(status=Status.MERGED, duplicate_of__isnull=False).exists()
    assert not messages.filter(submitted_at__gt=now).exists()
    assert not messages.filter(submitted_at__lt=now - dt.timedelta(days=367)).exists()
    assert Reply.objects.filter(message__status=Status.CLOSED).count() >= 100
    # every reply scored as the reply form scores one (they had none: no 质量评分 on any demo case),
    # the demo's poor replies flagged as 套话
    assert not Reply.objects.filter(quality={}).exists()
    assert Reply.objects.filter(quality__boilerplate=True).exists()
    assert Reply.objects.filter(quality__boilerplate=False, quality__score__gte=60).exists()
    # histories are in the past, in order
    assert not Event.objects.filter(at__gt=now).exists()
    late = [m for m in messages.filter(status=Status.CLOSED)[:50]
            if m.events.order_by("at", "id").last().kind not in ("closed", "merged")]
    assert late == []

    for username in ("13900000001", "lz_housing", "lz_dispatcher", "gs_supervisor", "admin", DEMO_PASSWORD):
        assert username in output

    rows = logins_table()
    assert len(rows) == len(PERSONAS) + 1  # and a leader's office (test_the_logins_name_a_leaders_office)
    for role, username, password, what in rows:
        client = Client()
        assert client.login(username=username, password=password), username
        path = what.split()[0]
        response = client.get(path)
        assert response.status_code == 200, (role, path, response.status_code)
    # 指派承办人: the head of 住建局 gave most of its cases to its officers (an internal record),
    # and 本单位办理情况 counts them per officer
    given = Assignment.objects.filter(unit__name="兰州市住房和城乡建设局", handler__isnull=False)
    assert given.exists() and not Event.objects.filter(kind="handler_assigned", public=True).exists()
    # a reopened case went back to the 承办人 who answered it (the product's rule), and they answered again
    reopened = Assignment.objects.filter(round=2, role="lead", message__reopen_count=1,
                                         unit__name="兰州市住房和城乡建设局")
    carried = [a for a in reopened.select_related("message") if a.message.assignments.filter(
        round=1, unit=a.unit, handler__isnull=False, handler__is_active=True).exists()]
    for a in carried:
        first = a.message.assignments.filter(round=1, unit=a.unit, handler__isnull=False).latest("assigned_at")
        assert a.handler_id == first.handler_id, a.message.public_id
    assert carried, "no reopened case of 住建局 in the demo"
    head = Client()
    assert head.login(username="lz_housing_head", password=DEMO_PASSWORD)
    work = head.get("/staff/unit-work/").content.decode()
    assert all(name in work for name in ("住建局张科长", "住建局李科员", "住建局赵科员", "未指派"))
    citizen = Client()
    citizen.login(username="citizen@example.com", password=DEMO_PASSWORD)
    mine = Message.objects.filter(author__username="13900000001").first()
    assert mine is not None and mine.title in citizen.get("/me/messages/").content.decode()
    # 我也遇到: other citizens support public messages, never their own; the counts agree, and
    # the demo citizen's 我也遇到的 tab lists what they supported
    supports = Support.objects.all()
    assert supports.count() >= 20 and not supports.filter(user=F("message__author")).exists()
    assert not supports.exclude(message__status__in=Status.public()).exists()
    assert not supports.filter(created_at__gt=now).exists()
    assert all(m.support_count == m.supports.count() for m in messages.filter(support_count__gt=0))
    assert messages.filter(support_count__gt=0).count() == supports.values("message").distinct().count()
    supported = Support.objects.filter(user__username="13900000001").select_related("message")
    assert supported.exists()
    tab = citizen.get("/me/messages/?supported=1").content.decode()
    assert all(s.message.title in tab for s in supported)

    # 征集活动 (the page said 暂无征集活动): a province-wide call still open, with the messages of its
    # months counted, and a city's call about one topic, ended
    from minsheng.stats import figures
    from minsheng.stats.models import Campaign

    page = Client().get("/stats/campaigns/").content.decode()
    assert "我为群众办实事" in page and "兰州市老旧小区改造意见征集" in page and "暂无征集活动" not in page
    wide = Campaign.objects.get(slug="banshishi")
    assert wide.start < timezone.localdate() < wide.end
    assert figures.compute(figures.make_scope(campaign=wide))["received"] > 0
    assert Client().get("/stats/campaigns/banshishi/").status_code == 200
    assert Campaign.objects.get(slug="lanzhou-old-compounds").end < timezone.localdate()

    count = messages.count()
    with pytest.raises(CommandError, match="--reset"):
        run_demo("--messages", "10")
    assert Message.objects.count() == count
    again = run_demo("--messages", "10", "--if-empty")  # `make demo` run a second time
    assert Message.objects.count() == count and "保留不动" in again and "lz_dispatcher" in again


@pytest.mark.django_db(transaction=True)  # three demo runs, each committing as it would for real
def test_same_seed_and_day_same_messages(settings):
    def history():
        return list(Message.objects.order_by("submitted_at", "id").values_list(
            "title", "status", "region__code", "submitted_at", "replied_at"))

    run_demo("--messages", "40", "--seed", "7", "--today", "2026-06-01")
    first = history()
    assert max(row[3] for row in first).date() <= dt.date(2026, 6, 1)
    run_demo("--messages", "40", "--seed", "7", "--today", "2026-06-01", "--reset")
    assert history() == first
    run_demo("--messages", "40", "--seed", "8", "--today", "2026-06-01", "--reset")
    assert history() != first


@pytest.mark.django_db
@pytest.mark.parametrize("args, error", [
    (("--messages", "-5"), "--messages"),
    (("--today", "2026-13-01"), "不是日期"),
    (("--today", "2999-01-01"), "在未来"),
])
def test_demo_rejects_bad_input(args, error):
    with pytest.raises(CommandError, match=error):
        run_demo(*args)
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_today_too_far_back_is_refused_before_the_reset_deletes_anything():
    """--today 0001-01-01 --reset deleted every message, then ended in an OverflowError traceback
    (2026-12-07)."""
    run_demo("--messages", "10", "--seed", "5", "--today", "2026-06-01")
    before = Message.objects.count()
    with pytest.raises(CommandError, match="2000-01-01") as refused:
        run_demo("--messages", "10", "--today", "0001-01-01", "--reset")
    assert "\n" not in str(refused.value)
    assert Message.objects.count() == before


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_checks_its_input_then_answers_http(tmp_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}", "MINSHENG_VAR_DIR": str(tmp_path),
           "DEBUG": "0"}
    cli = [sys.executable, "-m", "minsheng.cli"]
    done = subprocess.run([*cli, "serve", "--port", "70000"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "端口" in done.stderr and "Traceback" not in done.stderr
    done = subprocess.run([*cli, "serve", "--check"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "minsheng migrate" in done.stderr and "Traceback" not in done.stderr

    subprocess.run([*cli, "migrate", "--noinput", "-v0"], env=env, check=True, timeout=300)
    port = _free_port()
    server = subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", "1"], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        body = ""
        for _ in range(180):  # up to 90 s: gunicorn and Django start slowly on a machine running the suite on both cores
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5) as response:
                    body = response.read().decode()
                    break
            except OSError:
                time.sleep(0.5)
        assert "民声" in body
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/static/css/minsheng.css", timeout=5) as response:
            assert response.status == 200
        # started again on the port in use (the old server not yet stopped after an upgrade): gunicorn said
        # 「Connection in use」 in English for five seconds and gave up
        second = subprocess.run([*cli, "serve", "--port", str(port), "--workers", "1"], env=env,
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and "Connection in use" not in second.stdout + second.stderr
        assert second.stderr.strip().splitlines() == [f"CommandError: 端口 {port} 已被占用 (127.0.0.1:{port}): 另一个 minsheng "
                                                      "serve 或其他程序正在监听; 请先停止它, 或用 --port 换一个端口"]
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert f"http://127.0.0.1:{port}/" in output and "minsheng demo" in output


@pytest.mark.django_db
@pytest.mark.parametrize("host, says", [("bad host!", "无法解析该地址"), ("192.0.2.1", "不是本机的地址")])
def test_serve_check_checks_the_host_it_would_listen_on(host, says):
    """--check, which 「checks everything」, passed a host serve then failed on (2026-12-07)."""
    with pytest.raises(CommandError, match=says) as refused:
        call_command("serve", "--check", "--no-collectstatic", "--host", host, stdout=io.StringIO())
    assert "\n" not in str(refused.value)


@pytest.mark.django_db
def test_serve_check_passes_beside_the_running_site_and_brackets_an_ipv6_host():
    """--check on the port of the site already running is no mistake (it checks an upgrade before the restart).
    An IPv6 host went to gunicorn as ``--bind ::1:8000``, which it cannot read, and was shown as
    http://::1:8000/ (a review, 2026-12-07): in brackets, as a URL and gunicorn take it."""
    with socket.socket() as running:
        running.bind(("127.0.0.1", 0))
        running.listen()
        port = running.getsockname()[1]
        out = io.StringIO()
        call_command("serve", "--check", "--no-collectstatic", "--port", str(port), stdout=out)
        assert f"--bind 127.0.0.1:{port} " in out.getvalue()
    try:
        with socket.socket(socket.AF_INET6) as free:
            free.bind(("::1", 0))
            port = free.getsockname()[1]
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    out = io.StringIO()
    call_command("serve", "--check", "--no-collectstatic", "--host", "::1", "--port", str(port), stdout=out)
    assert f"http://[::1]:{port}/" in out.getvalue() and f"--bind [::1]:{port} " in out.getvalue()


@pytest.mark.django_db
def test_serve_warns_when_the_front_end_files_are_missing(settings, tmp_path):
    """`minsheng migrate` + `minsheng serve` without `make assets` served pages without
    htmx and charts (404 on /static/vendor/…) and said nothing."""
    from minsheng.board.management.commands import serve

    static, collected = tmp_path / "static", tmp_path / "collected"
    (static / "vendor").mkdir(parents=True)
    settings.STATICFILES_DIRS = [static]
    settings.STATIC_ROOT = collected
    warning = serve.vendor_warning()
    assert warning.startswith("警告: 缺少前端文件 minsheng/static/vendor/htmx.min.js、minsheng/static/vendor/echarts.min.js")
    assert "请先运行 make assets" in warning and "\n" not in warning
    out = io.StringIO()
    call_command("serve", "--check", "--no-collectstatic", stdout=out)
    assert warning in out.getvalue() and "gunicorn" in out.getvalue()
    (static / "vendor" / "htmx.min.js").write_text("/* htmx */")
    assert serve.missing_vendor_files() == ["minsheng/static/vendor/echarts.min.js"]
    (collected / "vendor").mkdir(parents=True)
    (collected / "vendor" / "echarts.min.js").write_text("/* echarts */")  # collected earlier, or put there by hand
    assert serve.vendor_warning() == ""
    out = io.StringIO()
    call_command("serve", "--check", "--no-collectstatic", stdout=out)
    assert "警告" not in out.getvalue()


@pytest.mark.django_db
def test_serve_says_where_the_demos_verification_codes_are(settings):
    """A citizen registering on the demo taps 获取验证码, reads 「验证码已发送」 and waits for
    an SMS that never comes: the console sender prints codes where the server runs."""
    out = io.StringIO()
    call_command("serve", "--check", "--no-collectstatic", stdout=out)
    assert "验证码不发短信, 打印在本终端" in out.getvalue()
    settings.MINSHENG_CODE_SENDER = "minsheng.accounts.senders.EmailSender"
    out = io.StringIO()
    call_command("serve", "--check", "--no-collectstatic", stdout=out)
    assert "验证码" not in out.getvalue()
    assert "短信通知" not in out.getvalue()  # none are sent (MINSHENG_SMS_SENDER empty)
    settings.MINSHENG_SMS_SENDER = "minsheng.accounts.senders.ConsoleSender"
    out = io.StringIO()
    call_command("serve", "--check", "--no-collectstatic", stdout=out)
    assert "短信通知 (留言已答复、未予受理) 打印在本终端" in out.getvalue()


@pytest.mark.django_db
def test_serve_tells_a_deployment_what_it_lacks_never_to_run_the_demo():
    """A city that imported its own directory was told at every start 「还没有演示数据: 运行
    minsheng demo」, a command the docs say never to run against production."""
    def served():
        out = io.StringIO()
        call_command("serve", "--check", "--no-collectstatic", stdout=out)
        return out.getvalue()

    assert "minsheng createsuperuser" in served() and "minsheng import-directory" in served()
    city = Region.objects.create(code="330000", name="浙江省", level=1)
    Region.objects.create(code="330500", name="湖州市", level=2, parent=city)
    User.objects.create_superuser("itadmin", password="Xq7!admin-pass")
    out = served()
    assert "createsuperuser" not in out and "import-directory" not in out
    assert "demo" not in out and "演示" not in out


@pytest.mark.django_db
def test_serve_warns_when_emails_would_link_elsewhere(settings):
    """Served on another address than MINSHENG_SITE_URL, every email's link opens nothing."""
    def served(*args):
        out = io.StringIO()
        call_command("serve", "--check", "--no-collectstatic", *args, stdout=out)
        return out.getvalue()

    assert "MINSHENG_SITE_URL" not in served()  # the demo: http://127.0.0.1:8000
    assert "邮件中的链接以 MINSHENG_SITE_URL=http://127.0.0.1:8000 开头" in served("--port", "8011")
    settings.MINSHENG_SITE_URL = "http://localhost:8011"
    assert "MINSHENG_SITE_URL" not in served("--port", "8011")


@pytest.mark.django_db
def test_demo_trains_models_and_places_hotspots(settings, tmp_path):
    from minsheng.insight.models import Hotspot, HotspotMember

    out = io.StringIO()
    call_command("demo", "--messages", "40", "--seed", "3", stdout=out)
    assert "热点:" in out.getvalue()
    assert HotspotMember.objects.exists()
    # how many /hotspots/ lists (a walk, 2026-12-07: 「539 条留言归入 497 个热点」, of which the page listed 23, most
    # of the 497 being one message alone), as the page itself lists them, every page of it (review, 2026-12-07)
    listed, number = set(), 1
    while True:
        page = Client().get("/hotspots/", {"page": number})
        assert page.status_code == 200
        shown = set(re.findall(r'<td class="problem"><a href="/hotspots/(\d+)/"', page.content.decode()))
        if not shown or shown <= listed:
            break
        listed |= shown
        number += 1
    said = re.search(r"热点: \d+ 条留言归入 (\d+) 个热点 \(老大难 (\d+) 个, 需多部门协调 (\d+) 个\), "
                     r"其中热点页列出 (\d+) 个 \(两条以上留言且至少一条已公开\)", out.getvalue())
    assert said, out.getvalue()
    assert int(said.group(4)) == len(listed) > 0
    assert int(said.group(1)) == Hotspot.objects.count() >= len(listed)
    # every cluster of the generator has several messages about one problem in one place
    assert Hotspot.objects.filter(message_count__gte=3).exists()
    # the messages waiting for a dispatcher were read by the new models, as on arrival
    waiting = Message.objects.filter(status__in=["submitted", "accepted"])
    assert waiting.exists() and not waiting.filter(classified_at__isnull=True).exists()
    # all of them counted (it said 「0 条」: the last 90 days' pass below had read them already)
    assert f"待派单留言: {waiting.count()} 条已由模型预读领域和类型 (共 {waiting.count()} 条" in out.getvalue()
    assert "其中 0 条" not in out.getvalue()  # 「其中 0 条由最终模型读」 read as a fault
    # the last 90 days were read by models trained on the messages before them, on arrival
    recent = Message.objects.filter(submitted_at__gte=timezone.now() - dt.timedelta(days=90))
    assert recent.exists() and not recent.filter(classified_at__isnull=True).exists()
    assert re.search(r"近 90 天留言: [1-9]\d* 条由此前数据训练的模型预读", out.getvalue())
    assert all(m.classified_at == m.submitted_at + dt.timedelta(minutes=1) for m in recent)  # on arrival


@pytest.mark.django_db
def test_the_demo_does_not_print_sklearns_convergence_warning(monkeypatch):
    """`make demo` printed liblinear's 「ConvergenceWarning: Liblinear failed to converge」 with the path of
    sklearn's source file after the unit model (2026-12-07): the models are usable and their figures printed."""
    from sklearn.exceptions import ConvergenceWarning

    from minsheng.insight import training

    def train_demo_models(stdout):
        warnings.warn("Liblinear failed to converge, increase the number of iterations.", ConvergenceWarning, stacklevel=2)
        return {}

    monkeypatch.setattr(training, "train_demo_models", train_demo_models)
    monkeypatch.setattr(training, "read_demo_history", lambda days, stdout, now=None: 0)
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")  # every warning that would reach the terminal
        call_command("demo", "--messages", "5", "--seed", "3", stdout=io.StringIO())
    assert not [w for w in shown if issubclass(w.category, ConvergenceWarning)], [str(w.message) for w in shown]


@pytest.mark.django_db
def test_demo_dates_each_note_by_its_event_also_a_merged_messages(personas, directory,
                                                                  django_capture_on_commit_callbacks):
    """The demo plays months of history in seconds; its notes take the time of their event.
    The author of a merged message is told of the main message's reply (notify._followers)."""
    from minsheng.board import actions
    from minsheng.board.demo import read_old_notifications
    from minsheng.board.models import Notification

    p, d = personas, directory
    fields = {"body": "城关区某小区3号楼电梯坏了三个月, 老人上下楼非常困难, 请有关部门督促尽快维修。",
              "kind": "complain", "region": d["chengguan"], "topic": d["topic_build"]}
    main = actions.do_submit(p["citizen"], title="小区电梯坏了三个月没人修", **fields)
    again = actions.do_submit(p["other_citizen"], title="三号楼电梯又坏了", **fields)
    replied_at = timezone.now() - dt.timedelta(days=40)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_dispatch(p["dispatcher"], main, d["housing"], at=replied_at - dt.timedelta(days=5))
        actions.do_merge(p["dispatcher"], again, main, at=replied_at - dt.timedelta(days=4))
        actions.do_sign(p["officer"], main, d["housing"], at=replied_at - dt.timedelta(days=3))
        actions.do_reply(p["officer"], main, d["housing"], "经核查, 已责成物业公司于本周内完成电梯维修, 感谢监督。",
                         at=replied_at)
    read_old_notifications(timezone.now())
    assert Notification.objects.get(message=main, kind="replied").created_at == replied_at
    merged_note = Notification.objects.get(message=again, kind="replied")
    assert merged_note.created_at == replied_at and merged_note.read_at is not None  # old: read, as in a real inbox
    # merged after the reply, its author was told at the merge, not before it
    from .conftest import make_user

    late = actions.do_submit(make_user("13800000005", phone="13800000005"), title="三号楼电梯还是坏的", **fields)
    merged_at = replied_at + dt.timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        actions.do_merge(p["dispatcher"], late, main, at=merged_at)
    read_old_notifications(timezone.now())
    assert Notification.objects.get(message=late, kind="replied").created_at == merged_at


@pytest.mark.django_db(transaction=True)  # the demo's own transactions, committed as for real
def test_a_demo_that_fails_half_way_leaves_the_database_as_it_was(monkeypatch):
    """The database locked or its connection lost half-way: the generated messages were
    committed 100 at a time, their statistics never rebuilt; with --reset the old messages
    were deleted and the figures still counted them."""
    from django.db import OperationalError

    from minsheng.stats import facts
    from minsheng.stats.models import MessageFact, Rollup

    def lost(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    with monkeypatch.context() as patched:
        patched.setattr(facts, "rebuild", lost)  # after every message and its history
        with pytest.raises(OperationalError):
            run_demo("--messages", "30", "--seed", "3")
    assert not Message.objects.exists() and not MessageFact.objects.exists() and not Rollup.objects.exists()
    run_demo("--messages", "30", "--seed", "3")
    before = (Message.objects.count(), MessageFact.objects.count(), sorted(Rollup.objects.values_list("submitted", flat=True)))
    with monkeypatch.context() as patched:
        patched.setattr(facts, "rebuild", lost)  # the statistics of the reset
        with pytest.raises(OperationalError):
            run_demo("--messages", "30", "--seed", "4", "--reset")
    after = (Message.objects.count(), MessageFact.objects.count(), sorted(Rollup.objects.values_list("submitted", flat=True)))
    assert after == before


@pytest.mark.django_db(transaction=True)  # the demo's own transactions, committed as for real
def test_a_reset_that_fails_while_generating_keeps_the_old_messages(monkeypatch, capsys):
    """`demo --reset` deleted the old messages in a transaction of its own, then generated the new ones:
    the database locked half-way through the generation, the old messages were gone and the new ones
    rolled back — an empty board (until 2026-12-07). The reset and the generation are one transaction now."""
    from django.db import OperationalError

    from minsheng import cli
    from minsheng.board import demo
    from minsheng.stats.models import MessageFact

    run_demo("--messages", "30", "--seed", "3")
    before = (titles(), MessageFact.objects.count(), Support.objects.count())
    live, made = demo.Generator.live, []

    class Locked(Exception):  # what sqlite3 attaches to the error it raises (cli._sqlite_problem reads it)
        sqlite_errorname = "SQLITE_BUSY"

    def locked_half_way(self, plan, main=None):
        if len(made) == 20:  # 20 new messages written, with their histories
            raise OperationalError("database is locked") from Locked()
        made.append(live(self, plan, main))
        return made[-1]

    monkeypatch.setattr(demo.Generator, "live", locked_half_way)
    monkeypatch.setattr(cli, "_dashed_usage", lambda: None)  # it renames every parser of this test process
    with pytest.raises(SystemExit) as exited:
        cli.main(["minsheng", "demo", "--messages", "30", "--seed", "4", "--reset", "--no-train"])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert err == "minsheng: 数据库被另一个进程锁住, 请稍后重试 (database is locked)\n"
    assert len(made) == 20
    assert (titles(), MessageFact.objects.count(), Support.objects.count()) == before


@pytest.mark.django_db
def test_the_demos_replies_say_why_their_score_is_below_100_on_the_case_page():
    """The seeded demo stored its replies' scores without the explanation the reply action stores, so the
    staff case page showed 质量评分 and no 「可解释性 …%: …」 line under a demo reply."""
    run_demo("--messages", "40", "--seed", "3", "--today", "2026-06-01")
    replies = list(Reply.objects.select_related("message", "author"))
    assert replies and all("explained" in r.quality for r in replies)
    short = next(r for r in replies if round(r.quality["interpretability"] * 100) < 100)
    client = Client()
    client.force_login(short.author)
    page = client.get(f"/staff/case/{short.message.public_id}/").content.decode()
    percent = round(short.quality["interpretability"] * 100)
    assert f"可解释性 {percent}%: {short.quality['explained']['interpretability']}" in page


def test_the_logins_name_a_leaders_office(db):
    """docs/demo-and-directory.md gave a leader's office login (o620100-01, 领导留言板) that the table
    `minsheng demo` and `minsheng serve` print left out: it comes after the other officers, and it opens
    the board of the leader whose messages its unit receives; the personas keep their places."""
    from minsheng.board.demo_accounts import ensure_accounts
    from minsheng.directory.models import Addressee

    call_command("load_directory", stdout=io.StringIO())
    ensure_accounts()
    rows = logins_table()
    assert [r[1] for r in rows] == [*(p[0] for p in PERSONAS[:3]), "o620100-01", *(p[0] for p in PERSONAS[3:])]
    role, username, password, what = rows[3]
    assert role == "领导办公室" and what.startswith("/staff/leader-board/  中共兰州市委员会办公室: 写给兰州市委书记的全部留言")
    secretary = Addressee.objects.get(region__code="620100", title="兰州市委书记")
    assert secretary.unit.name == "中共兰州市委员会办公室"
    client = Client()
    assert client.login(username=username, password=password)
    page = client.get("/staff/leader-board/")
    assert page.status_code == 200 and "兰州市委书记留言板" in page.content.decode()


@pytest.mark.django_db(transaction=False)
def test_the_demo_citizen_has_a_reply_to_rate_and_a_message_to_send_again():
    """The printed logins promise the demo citizen 评价: every other showcase scenario was theirs, and the
    one answered and waiting for a rating (replied), like the one not accepted (修改后重新提交), fell to
    other citizens: 13900000001 found no 评价答复 and no 修改后重新提交 on any of their messages."""
    run_demo("--messages", "40", "--seed", "3", "--today", "2026-06-01")
    citizen = Client()
    assert citizen.login(username="13900000001", password=DEMO_PASSWORD)
    replied = Message.objects.filter(author__username="13900000001", status=Status.REPLIED).first()
    assert replied is not None, "the demo citizen has no answered message to rate"
    assert replied.title in citizen.get("/me/messages/?status=replied").content.decode()
    assert "评价答复" in citizen.get(f"/m/{replied.public_id}/").content.decode()
    rejected = Message.objects.filter(author__username="13900000001", status=Status.REJECTED).first()
    assert rejected is not None, "the demo citizen has no message not accepted"
    assert "修改后重新提交" in citizen.get(f"/m/{rejected.public_id}/").content.decode()


def test_the_printed_logins_line_up_in_a_terminal(db):
    """`minsheng demo` and `minsheng serve` padded the Chinese roles by characters: a terminal gives a 汉字 two
    columns, so 另一单位的承办人员's and 平台管理员's user names stood right of the others' (2026-12-06). Each
    user name and each password now begins in the column of the one above."""
    from minsheng.board.demo_accounts import ensure_accounts
    from minsheng.columns import columns

    call_command("load_directory", stdout=io.StringIO())
    ensure_accounts()
    out = io.StringIO()
    call_command("serve", "--check", "--no-collectstatic", stdout=out, stderr=io.StringIO())
    lines = out.getvalue().split("演示登录 (所有账号密码相同):\n")[1].splitlines()[:len(logins_table())]
    assert [line.split()[1] for line in lines] == [row[1] for row in logins_table()]
    for field in (1, 2):  # the user name, the password
        starts = {columns(line[:line.index(" " + line.split()[field]) + 1]) for line in lines}
        assert len(starts) == 1, f"column {field + 1} begins at {sorted(starts)}:\n" + "\n".join(lines)


@pytest.mark.django_db
def test_with_a_broker_the_demos_history_queues_no_task_before_its_commit():
    """The demo's notes run inside its transaction (demo --reset's); with a broker, what they queued — the
    note to a merged duplicate's author that its main case was answered (notify_followers) — reached a
    worker before the rows it reads were committed, so the worker found no message and the note was lost
    (review, 2026-12-07). Those tasks run in the demo's transaction, as without a broker."""
    from celery.signals import before_task_publish

    from minsheng.board.models import Notification
    from minsheng.celery import app

    run_demo("--messages", "80", "--seed", "5")
    without_broker = Notification.objects.count()
    sent = []

    def published(sender=None, **kwargs):
        sent.append(sender)

    eager, app.conf.task_always_eager = app.conf.task_always_eager, False  # as with CELERY_BROKER_URL set
    before_task_publish.connect(published, weak=False)
    try:
        run_demo("--messages", "80", "--seed", "5", "--reset")
    finally:
        before_task_publish.disconnect(published)
        app.conf.task_always_eager = eager
    assert "minsheng.board.tasks.notify_followers" not in sent
    assert Notification.objects.count() == without_broker
