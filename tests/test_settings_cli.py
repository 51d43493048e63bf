"""Settings from the environment fail loudly on bad values; the CLI says so in one
line and exits non-zero."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

MINSHENG = [sys.executable, "-m", "minsheng"]


def run(*args, **env):
    # test_browser sets DJANGO_ALLOW_ASYNC_UNSAFE in this process, which check --deploy rightly refuses
    full_env = {**{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}, **env}
    return subprocess.run([*MINSHENG, *args], capture_output=True, text=True, env=full_env, timeout=120)


@pytest.mark.parametrize(
    "name, value, expected",
    [
        ("DEBUG", "maybe", "DEBUG='maybe' 不是布尔值"),
        ("DATABASE_URL", "mysqlx://nowhere", "DATABASE_URL"),
        ("TIME_ZONE", "Mars/Olympus", "TIME_ZONE='Mars/Olympus' 不是已知的时区"),
        ("EMAIL_PORT", "smtp", "EMAIL_PORT='smtp' 不是整数"),
        ("MINSHENG_REPLY_DAYS_COMPLAIN", "0", "MINSHENG_REPLY_DAYS_COMPLAIN=0 不能小于 1"),
        ("MINSHENG_HOTSPOT_WINDOW_DAYS", "999999999", "MINSHENG_HOTSPOT_WINDOW_DAYS=999999999 不能大于 36500"),
        ("CACHE_URL", "memcached://127.0.0.1", "CACHE_URL='memcached://127.0.0.1' 不是缓存地址"),
        ("LOG_LEVEL", "verbose", "LOG_LEVEL='verbose' 不是日志级别"),
        ("MINSHENG_SITE_URL", "minsheng.gov.cn", "MINSHENG_SITE_URL='minsheng.gov.cn' 不是网站地址"),
        ("MINSHENG_MAP_FILE", "/nonexistent/gansu.json", "MINSHENG_MAP_FILE='/nonexistent/gansu.json' 不是文件"),
        ("MINSHENG_CODE_SENDER", "minsheng.accounts.senders.SmsSender",
         "MINSHENG_CODE_SENDER='minsheng.accounts.senders.SmsSender' 无法导入"),  # was 「cannot be imported」
        ("MINSHENG_PREFILL_CONFIDENCE", "60", "MINSHENG_PREFILL_CONFIDENCE=60 应在 0 与 1 之间"),
        ("DATABASE_URL", "mysql://nowhere/minsheng", "DATABASE_URL='mysql://nowhere/minsheng': 不支持的数据库类型"),
        ("SECURE_PROXY_SSL_HEADER", "X-Forwarded-Proto: https", "SECURE_PROXY_SSL_HEADER='X-Forwarded-Proto: https' 不是请求头名称"),
        ("SECURE_HSTS_SECONDS", "1y", "SECURE_HSTS_SECONDS='1y' 不是整数"),
        ("MINSHENG_SQLITE_BUSY_SECONDS", "0", "MINSHENG_SQLITE_BUSY_SECONDS=0 不能小于 1"),
        # was told as "DATABASE_URL=... 不是有效的数据库 URL: DB_CONN_MAX_AGE=..." (the URL blamed)
        ("DB_CONN_MAX_AGE", "x", "配置错误: DB_CONN_MAX_AGE='x' 不是整数"),
        # a file in the way (or a read-only disk): was a traceback of NotADirectoryError (PermissionError)
        ("MINSHENG_VAR_DIR", "/dev/null/var", "MINSHENG_VAR_DIR='/dev/null/var': 无法创建目录 /dev/null/var"),
    ],
)
def test_bad_setting_is_one_line_and_non_zero(name, value, expected):
    result = run("check", **{name: value})
    assert result.returncode != 0
    assert expected in result.stderr
    assert "Traceback" not in result.stderr


def test_the_sqlite_busy_time_is_the_operators(tmp_path):
    """How long a writer waits on SQLite for another process's write (20 s) is MINSHENG_SQLITE_BUSY_SECONDS."""
    show = "from django.conf import settings; print(settings.DATABASES['default']['OPTIONS']['timeout'])"
    env = {"DATABASE_URL": f"sqlite:///{tmp_path / 'm.sqlite3'}", "MINSHENG_VAR_DIR": str(tmp_path)}
    assert run("shell", "--no-imports", "-c", show, **env).stdout.strip() == "20"
    assert run("shell", "--no-imports", "-c", show, MINSHENG_SQLITE_BUSY_SECONDS="3", **env).stdout.strip() == "3"


def test_a_bad_setting_is_named_by_the_projects_own_commands_too():
    """Was 「Unknown command: 'stats'. Did you mean startapp?」: without settings Django lists only its own commands."""
    result = run("stats", DEBUG="maybe")
    assert (result.returncode, result.stderr) == (2, "minsheng: 配置错误: DEBUG='maybe' 不是布尔值 "
                                                     "(请用 1/0, true/false, yes/no, on/off)\n")


def test_secret_key_required_in_production():
    result = run("check", MINSHENG_INSECURE_DEV_KEY="0", SECRET_KEY="", DEBUG="0")
    assert result.returncode != 0
    # names the setting that refuses the demo's key and how to make one (it blamed DEBUG, which is off as it should be)
    assert result.stderr == ("minsheng: 配置错误: 未设置 SECRET_KEY (MINSHENG_INSECURE_DEV_KEY=0: 不使用公开的演示密钥); "
                             "用 python3 -c 'import secrets; print(secrets.token_urlsafe(50))' 生成一个\n")


def test_dashed_command_names_and_help():
    result = run("run-periodic", "--help")
    assert result.returncode == 0
    assert "usage: minsheng run-periodic" in result.stdout
    assert "close stale" in " ".join(result.stdout.split())
    listed = run("help")
    assert listed.returncode == 0 and "\n    train-classifier\n" in listed.stdout and "train_classifier" not in listed.stdout
    assert run("help", "export-stats").stdout.startswith("usage: minsheng export-stats ")  # every command, not only ours
    one = run("help", "detect-hotspots")  # a command's help, asked for by the name it is typed with
    assert one.returncode == 0 and "usage: minsheng detect-hotspots" in one.stdout


def test_a_mistyped_command_is_named_and_corrected_as_it_is_typed():
    for args in (["train-classifer", "--out", "m"], ["help", "train-classifer"]):
        result = run(*args)
        assert result.returncode == 1
        # one Chinese line (was two English ones: "Unknown command: ... Type 'minsheng help' for usage.")
        assert result.stderr == "minsheng: 没有命令 train-classifer; 是不是 train-classifier? 运行 minsheng help 列出全部命令\n"
    assert run("nonsense").stderr == "minsheng: 没有命令 nonsense; 运行 minsheng help 列出全部命令\n"


def test_shared_cache_counts_sign_in_failures_across_processes():
    """With CACHE_URL, the failures one web worker saw lock the address in another."""
    from tests.test_worker import redis_or_skip

    redis_or_skip()
    address = f"10.{os.getpid() % 250}.{uuid.uuid4().int % 250}.7"
    code = ("from types import SimpleNamespace as N; from minsheng.accounts import limits; "
            f"r = N(META={{'REMOTE_ADDR': '{address}'}}, headers={{}}); ")
    env = {"CACHE_URL": "redis://127.0.0.1:6379/14"}
    fail = run("shell", "-v", "0", "-c", code + "[limits.failed(r, None) for _ in range(limits.PER_ADDRESS)]", **env)
    assert fail.returncode == 0, fail.stderr
    other = run("shell", "-v", "0", "-c", code + "print('blocked' if limits.blocked(r, None) else 'free')", **env)
    assert other.stdout.strip() == "blocked", other.stderr
    alone = run("shell", "-v", "0", "-c", code + "print('blocked' if limits.blocked(r, None) else 'free')", CACHE_URL="")
    assert alone.stdout.strip() == "free"  # the per-process memory cache saw nothing


PROJECT_APPS = ("minsheng.accounts", "minsheng.api", "minsheng.board", "minsheng.directory", "minsheng.insight", "minsheng.stats")


def test_every_project_command_says_what_each_argument_does():
    """`minsheng COMMAND --help` explains every argument of the project's own commands."""
    from django.core.management import get_commands, load_command_class
    from django.core.management.base import BaseCommand

    django_defaults = {action.dest for action in BaseCommand().create_parser("minsheng", "x")._actions}
    ours = {name: app for name, app in get_commands().items() if app in PROJECT_APPS}
    assert len(ours) >= 17  # the test reads the real commands
    silent = []
    for name, app in sorted(ours.items()):
        command = load_command_class(app, name)
        parser = command.create_parser("minsheng", name)
        assert command.help, name
        silent += [f"{name} {action.dest}" for action in parser._actions
                   if action.dest not in django_defaults and not action.help]
    assert silent == []


def test_every_project_command_is_in_the_readme():
    from django.core.management import get_commands

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    missing = [name for name, app in get_commands().items()
               if app in PROJECT_APPS and f"minsheng {name.replace('_', '-')}" not in readme
               and f"/ `{name.replace('_', '-')} " not in readme]
    assert missing == []


@pytest.mark.django_db
def test_the_server_log_keeps_one_line_for_a_403_and_the_traceback_for_a_500(personas, login, monkeypatch):
    import io
    import logging

    from django.urls import clear_url_caches, path

    import minsheng.urls

    console = next(h for h in logging.getLogger().handlers if type(h) is logging.StreamHandler)
    stream = io.StringIO()
    monkeypatch.setattr(console, "stream", stream)
    citizen = login(personas["citizen"])
    assert citizen.get("/staff/supervision/").status_code == 403
    assert "Forbidden (Permission denied): /staff/supervision/" in stream.getvalue()
    assert "Traceback" not in stream.getvalue()  # it was a dozen lines for every 403

    def broken(request):
        raise RuntimeError("boom")

    monkeypatch.setattr(minsheng.urls, "urlpatterns", [path("boom/", broken), *minsheng.urls.urlpatterns])
    clear_url_caches()
    citizen.raise_request_exception = False
    try:
        assert citizen.get("/boom/").status_code == 500
    finally:
        clear_url_caches()
    assert "Traceback" in stream.getvalue() and "RuntimeError: boom" in stream.getvalue()


def test_a_task_without_a_broker_runs_in_place_without_a_broker_warning(tmp_path):
    """The embedded default runs tasks eagerly; kombu used to log "No hostname was
    supplied" at each process's first task (an operator reads it as a broker problem)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "BROKER_URL",
                                                            "CELERY_TASK_ALWAYS_EAGER")}
    code = "from minsheng.insight.hotspots_service import refresh_hotspot; refresh_hotspot.delay(0); print('ran')"
    result = subprocess.run([*MINSHENG, "shell", "-c", code], capture_output=True, text=True, timeout=120,
                            env={**env, "MINSHENG_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    assert "ran" in result.stdout
    assert "hostname" not in result.stderr


def test_check_deploy_refuses_the_public_demo_key_and_names_what_citizens_would_miss():
    """`minsheng check --deploy` without SECRET_KEY passed Django's checks in silence (the demo's
    public key is long and does not start with django-insecure), so a city could go live with
    a key anyone can read in the source."""
    demo = run("check", "--deploy", SECRET_KEY="", MINSHENG_INSECURE_DEV_KEY="1", DEBUG="0")
    assert demo.returncode != 0
    assert "minsheng.E002" in demo.stderr and "公开的演示密钥" in demo.stderr
    assert "minsheng.W001" in demo.stderr and "市民收不到" in demo.stderr  # codes printed in the terminal
    assert "minsheng.W002" in demo.stderr  # mails printed in the terminal
    real = run("check", "--deploy", SECRET_KEY="k" * 20 + "-a-real-random-key-of-fifty-chars-" + "x" * 10,
               MINSHENG_INSECURE_DEV_KEY="0", DEBUG="0", EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
               MINSHENG_CODE_SENDER="tests.test_settings_cli.GatewaySender", SESSION_COOKIE_SECURE="1",
               CSRF_COOKIE_SECURE="1", SECURE_SSL_REDIRECT="1", SECURE_HSTS_SECONDS="31536000",
               SECURE_HSTS_INCLUDE_SUBDOMAINS="1", SECURE_HSTS_PRELOAD="1",
               SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto")
    assert real.returncode == 0 and "no issues" in real.stdout, real.stdout + real.stderr


class GatewaySender:
    """A deployment's own sender (an SMS gateway's client), for `check --deploy`."""

    def send(self, target, code, purpose):
        raise NotImplementedError


def test_check_deploy_names_the_test_sender_that_delivers_no_code():
    """MemorySender keeps the codes in the process's memory: a deployment set to it (as the
    test above once was, for 「a code sender of your own」) passed `check --deploy` in silence,
    and no citizen could register."""
    result = run("check", "--deploy", MINSHENG_CODE_SENDER="minsheng.accounts.senders.MemorySender",
                 EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend")
    assert "minsheng.W001" in result.stderr and "只留在内存中 (测试用), 市民收不到" in result.stderr
    assert "(minsheng.W002) EMAIL_BACKEND 丢弃所有邮件, 不会发出" in result.stderr  # nor did the dummy mail backend


def test_celery_beat_keeps_its_schedule_under_the_var_dir_not_in_the_folder_it_starts_from(tmp_path):
    """`celery -A minsheng beat` (deploy.md §9) wrote celerybeat-schedule* into the folder it was
    started from: the checkout (untracked files after each deploy), or nowhere when that folder is
    read-only to the service's user. It belongs with the other files the site writes, in var/."""
    here, var = tmp_path / "checkout", tmp_path / "var"
    here.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("CELERY_BROKER_URL", "BROKER_URL")}
    env.update(MINSHENG_VAR_DIR=str(var), PYTHONPATH=os.pathsep.join([str(Path(__file__).parents[1]), *sys.path]))
    beat = subprocess.Popen([sys.executable, "-m", "celery", "-A", "minsheng", "beat", "--loglevel", "WARNING"],
                            cwd=here, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not list(var.glob("celerybeat-schedule*")) and time.monotonic() < deadline and beat.poll() is None:
            time.sleep(0.5)
    finally:
        beat.terminate()
        _, err = beat.communicate(timeout=30)
    assert list(var.glob("celerybeat-schedule*")), err[-2000:]
    assert not list(here.iterdir())
