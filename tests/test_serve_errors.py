"""Requests gunicorn cannot read never reach Django: through a real `minsheng serve` on a port,
its answers to them are Chinese (minsheng.gunicorn_conf), JSON under /api/ and /open311/, and a
search pasted into a long URL reaches the app instead of a 414."""

from __future__ import annotations

import importlib
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from .test_demo import _free_port


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The port and MINSHENG_VAR_DIR of a `minsheng serve` (one worker) over a migrated, empty SQLite database."""
    tmp = tmp_path_factory.mktemp("serve")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp / 'serve.sqlite3'}", "MINSHENG_VAR_DIR": str(tmp),
           "DEBUG": "0", "MINSHENG_WARMUP": "0"}
    cli = [sys.executable, "-m", "minsheng.cli"]
    subprocess.run([*cli, "migrate", "--noinput", "-v0"], env=env, check=True, timeout=300)
    port = _free_port()
    process = subprocess.Popen([*cli, "serve", "--port", str(port), "--workers", "1", "--no-collectstatic"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/", timeout=5).close()
                break
            except OSError:
                time.sleep(0.5)
        yield port, tmp
    finally:
        process.terminate()
        process.wait(timeout=30)


@pytest.fixture(scope="module")
def server(served):
    return served[0]


def send(port: int, target: bytes) -> tuple[int, dict[str, str], str]:
    """A GET of ``target`` exactly as given (no encoding): status, headers, body."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, body.decode()


def test_raw_utf8_in_the_url_is_told_in_chinese_with_the_address_to_use(server):
    """`curl "http://…/browse/?q=小区"` sends the bytes as they are: gunicorn answered
    「Invalid HTTP request line」 (it takes no raw bytes in a request target, RFC 9112)."""
    status, headers, body = send(server, "/browse/?q=小区".encode())
    assert status == 400 and headers["content-type"] == "text/html; charset=utf-8"
    assert "网址中含有未经编码的字符 (/browse/?q=小区)" in body and "Invalid" not in body
    assert '<a href="/browse/?q=%E5%B0%8F%E5%8C%BA">' in body
    status, _, body = send(server, b"/browse/?q=%E5%B0%8F%E5%8C%BA")  # the address it gives: the search
    assert status == 200 and 'value="小区"' in body

    status, headers, body = send(server, "/api/v1/messages/?q=小区".encode())
    assert status == 400 and headers["content-type"] == "application/json; charset=utf-8"
    error = json.loads(body)["error"]
    assert error["code"] == "parse_error" and "/api/v1/messages/?q=%E5%B0%8F%E5%8C%BA" in error["message"]


def test_another_unreadable_request_line_is_chinese_too(server):
    status, headers, body = send(server, b"/open311/v2/services.json\x01")  # a control character
    assert status == 400 and headers["content-type"] == "application/json; charset=utf-8"
    # GeoReport v2's error array under /open311/ (the API's {"error": …} until 2026-12-05)
    assert json.loads(body) == [{"code": 400, "description": "请求行无效, 服务器无法读取该请求。"}]
    status, headers, body = send(server, b"/browse/ HTTP/1.1 x")  # the version is "HTTP/1.1 x HTTP/1.1"
    assert status == 400 and "请求行无效" in body and "<h1>请求有误</h1>" in body
    status, _, body = send(server, b"//evil.example/\xe5\xb0\x8f")
    assert status == 400 and "<a href=\"//" not in body  # the address is told, not linked elsewhere


def test_a_search_pasted_into_a_long_url_reaches_the_page(server):
    """8,000 characters of query were gunicorn's bare English 414 (its limit_request_line, 4094)."""
    status, _, body = send(server, b"/browse/?q=" + b"a" * 8000)
    assert status == 200 and "关键词超过 100 个字, 只按前 100 个字搜索" in body
    status, headers, _ = send(server, b"/staff/?q=" + b"a" * 8000)
    assert status == 302 and "/accounts/login/" in headers["location"]  # the app's answer: sign in first
    status, headers, body = send(server, b"/browse/?q=" + b"a" * 9000)  # past gunicorn's most, 8190
    assert status == 414 and headers["content-type"] == "text/html; charset=utf-8"
    assert "网址过长 (超过 8190 字节)" in body and "URI Too Long" not in body


def test_each_site_has_its_own_gunicorn_control_socket_in_its_var_dir(served):
    """gunicorn 24 and later listen for `gunicornc` on ~/.gunicorn/gunicorn.ctl by default: one path for
    every gunicorn of the user, so a second site on the host (staging beside production) took it over,
    and whichever stopped first removed the other's. Each site's is in its own MINSHENG_VAR_DIR."""
    from gunicorn.config import Config

    if "control_socket" not in Config().settings:
        pytest.skip("this gunicorn has no control socket")
    ctl = served[1] / "gunicorn.ctl"
    for _ in range(60):  # the arbiter opens it after the worker answers: later on a loaded machine
        if ctl.is_socket():
            break
        time.sleep(0.5)
    assert ctl.is_socket()


@pytest.mark.parametrize("missing", ["InvalidResponseHeader", "ObsoleteFolding"])
def test_the_config_answers_under_an_older_gunicorn_too(monkeypatch, missing):
    """pyproject asks for gunicorn 22: it has no ObsoleteFolding (the config failed to load, so
    `minsheng serve` did not start), and 23 no InvalidResponseHeader (each unreadable request met an
    AttributeError in the error handler and was answered with nothing)."""
    from gunicorn.http import errors

    from minsheng import gunicorn_conf

    monkeypatch.delattr(errors, missing)
    try:
        conf = importlib.reload(gunicorn_conf)
        answer = conf.error_answer(errors.InvalidRequestLine("GET /browse/?q=\xe5\xb0\x8f HTTP/1.1"), "", 8190)
        assert answer.startswith(b"HTTP/1.1 400 Bad Request\r\n")
        assert '<a href="/browse/?q=%E5%B0%8F">' in answer.decode()
    finally:
        monkeypatch.undo()
        importlib.reload(gunicorn_conf)


def test_gunicorn_run_by_hand_serves_as_serve_does(monkeypatch):
    """`gunicorn minsheng.wsgi --config python:minsheng.gunicorn_conf`, as deploy.md has it behind a
    reverse proxy, ran gunicorn's defaults: one worker of one thread (a slow page held up every
    visitor) and a 30 s timeout, where `minsheng serve` runs 2 workers of 4 threads and 60 s."""
    from gunicorn.app.wsgiapp import WSGIApplication

    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    monkeypatch.setattr(sys, "argv", ["gunicorn", "minsheng.wsgi", "--config", "python:minsheng.gunicorn_conf"])
    cfg = WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg
    assert (cfg.workers, cfg.threads, cfg.timeout) == (2, 4, 60)


def test_web_concurrency_still_sets_the_workers(monkeypatch):
    """gunicorn takes its number of workers from WEB_CONCURRENCY when nothing else names one: the
    config's 2 overrode it, and a host set to 8 ran 2 without a word. It wins over the config's
    default, for `minsheng serve` too; --workers over both."""
    from gunicorn.app.wsgiapp import WSGIApplication

    from minsheng import gunicorn_conf
    from minsheng.board.management.commands.serve import Command

    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    monkeypatch.delenv("GUNICORN_CMD_ARGS", raising=False)
    try:
        importlib.reload(gunicorn_conf)
        monkeypatch.setattr(sys, "argv", ["gunicorn", "minsheng.wsgi", "--config", "python:minsheng.gunicorn_conf"])
        assert WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg.workers == 5
        monkeypatch.setattr(sys, "argv", [*sys.argv, "--workers", "3"])
        assert WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").cfg.workers == 3
        assert Command().create_parser("minsheng", "serve").parse_args([]).workers == 5
    finally:
        monkeypatch.undo()
        importlib.reload(gunicorn_conf)
