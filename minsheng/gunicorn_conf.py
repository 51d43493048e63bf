"""gunicorn settings of ``minsheng serve`` (``--config python:minsheng.gunicorn_conf``); a
deployment running gunicorn itself may pass the same. Each worker, once it has loaded the app,
starts the warm-up (``minsheng.insight.warmup``) in a background thread: it serves at once,
and the first message posted finds the classifiers loaded and the hotspot index built. Not in
the master: with ``--preload`` a thread there would not survive the fork, and a lock it held
would stay held in the workers.

A request gunicorn cannot read never reaches Django: its own answer was a bare English page
(「Invalid HTTP request line」 for a URL with raw UTF-8 bytes as ``curl ".../browse/?q=小区"``
sends it, a 414 for a URL over ``limit_request_line``). The worker class below answers them in
Chinese: JSON in the API's one error shape under ``/api/``, GeoReport v2's errors under
``/open311/`` (a JSON array, or ``<errors>`` for ``.xml``), a small page otherwise. gunicorn has no setting that takes raw bytes in the request target (RFC 9112 3.2:
printable ASCII only), so such a URL is refused with its percent-encoded form to use."""

import html
import json
from urllib.parse import quote

from gunicorn import util
from gunicorn.http import errors
from gunicorn.workers.gthread import ThreadWorker as GunicornThreadWorker

from minsheng.settings import VAR_DIR, env_int

worker_class = "minsheng.gunicorn_conf.ThreadWorker"
# `minsheng serve`'s defaults, for gunicorn run by hand behind a proxy too (it had gunicorn's: one
# worker of one thread, a slow page held up every visitor); --workers and --threads still change them,
# and so does gunicorn's own WEB_CONCURRENCY (a value here overrides gunicorn's default, which read it)
workers = env_int("WEB_CONCURRENCY", 2, minimum=1)
threads = 4
timeout = 60
# gunicorn 24 and later listen for `gunicornc` on ~/.gunicorn/gunicorn.ctl by default: one path for every
# gunicorn of the user, so a second site on the host took it over, and the first stopped removed the
# other's. Each site's beside its other files (an older gunicorn ignores the name)
control_socket = str(VAR_DIR / "gunicorn.ctl")
# gunicorn's most (default 4094): a search pasted into the URL reaches the app, which searches
# its first 100 characters and says so; a longer request line is the Chinese 414 below
limit_request_line = 8190


def _errors(*names: str) -> tuple[type, ...]:
    """The classes of ``gunicorn.http.errors`` of these names that this gunicorn has: pyproject asks for
    gunicorn 22, which has no ObsoleteFolding (the config failed to load and ``minsheng serve`` did not
    start), and 23 none of the response header errors (each unreadable request was then answered with
    nothing, the connection closed)."""
    return tuple(getattr(errors, name) for name in names if hasattr(errors, name))


# what the client can fix; the others (the app's own response headers, SSL, proxy lines) stay
# gunicorn's answer
ANSWERS = (
    (errors.LimitRequestLine, 414, "URI Too Long", "uri_too_long",
     "网址过长 (超过 {limit} 字节), 服务器无法处理。搜索关键词最多 100 个字, 请缩短后重试。"),
    (errors.LimitRequestHeaders, 431, "Request Header Fields Too Large", "headers_too_large",
     "请求头过大 (可能是 Cookie 过多), 请清除本站的 Cookie 后重试。"),
    ((errors.InvalidRequestLine, errors.InvalidRequestMethod, errors.InvalidHTTPVersion), 400, "Bad Request",
     "parse_error", "请求行无效, 服务器无法读取该请求。"),
    (_errors("InvalidHeader", "InvalidHeaderName", "ObsoleteFolding"), 400, "Bad Request",
     "parse_error", "请求头无效, 服务器无法读取该请求。"),
)
# a response header the app wrote wrong: the app's fault, gunicorn's 500
APP_FAULTS = _errors("InvalidResponseHeader", "InvalidResponseHeaderName")
PRINTABLE = "".join(map(chr, range(0x21, 0x7F)))


def request_target(exc) -> str:
    """The target of the request line an InvalidRequestLine quotes (gunicorn reads bytes as
    latin-1), or ''."""
    parts = exc.req.split(" ") if isinstance(exc, errors.InvalidRequestLine) and isinstance(exc.req, str) else []
    return parts[1] if len(parts) == 3 else ""


def error_answer(exc, path: str, limit: int) -> bytes | None:
    """The whole HTTP response for ``exc``, a request gunicorn could not read, in Chinese; None
    for an error that is not the client's."""
    if isinstance(exc, APP_FAULTS):
        return None
    answer = next((a for a in ANSWERS if isinstance(exc, a[0])), None)
    if answer is None:
        return None
    _, status, reason, code, message = answer
    message = message.format(limit=limit)
    target = request_target(exc)
    path = path or target
    fixed = ""
    if target.startswith("/") and any(c > "\x7e" for c in target):  # raw UTF-8: curl sends 小区 as it is
        try:
            typed = target.encode("latin-1").decode("utf-8")
        except UnicodeDecodeError:
            typed = ""
        fixed = quote(target.encode("latin-1"), safe=PRINTABLE)
        message = (f"网址中含有未经编码的字符{f' ({typed})' if typed else ''}, 请按 URL 编码 (百分号编码) 后发送: "
                   f"{fixed}  (curl 可用 -G --data-urlencode 'q=关键词')")
    if path.startswith("/open311/") and path.split("?")[0].endswith(".xml"):  # GeoReport v2's errors
        body = ('<?xml version="1.0" encoding="utf-8"?>\n<errors><error><code>'
                f"{status}</code><description>{html.escape(message, quote=False)}</description></error></errors>")
        content_type = "text/xml"
    elif path.startswith("/open311/"):  # GeoReport v2's JSON array (the API's one shape until 2026-12-05)
        body = json.dumps([{"code": status, "description": message}], ensure_ascii=False)
        content_type = "application/json"
    elif path.startswith("/api/"):
        body = json.dumps({"error": {"code": code, "message": message, "fields": {}}}, ensure_ascii=False)
        content_type = "application/json"
    else:
        link = f'<p><a href="{html.escape(fixed)}">打开编码后的网址</a></p>' if fixed and fixed[:2] not in ("//", "/\\") else ""
        body = (f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{status} 请求有误 - 民声</title>'
                f'</head><body><h1>请求有误</h1><p>{html.escape(message)}</p>{link}<p><a href="/">返回首页</a></p>'
                "</body></html>")
        content_type = "text/html"
    data = body.encode()
    head = (f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: {content_type}; charset=utf-8\r\n"
            f"Content-Length: {len(data)}\r\n\r\n")
    return head.encode("ascii") + data


class ThreadWorker(GunicornThreadWorker):
    """gunicorn's gthread worker (``minsheng serve``'s), answering unreadable requests in Chinese."""

    def handle_error(self, req, client, addr, exc):
        answer = error_answer(exc, getattr(req or getattr(exc, "req", None), "path", "") or "",
                              self.cfg.limit_request_line)
        if answer is None:
            return super().handle_error(req, client, addr, exc)
        self.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        try:
            util.write_nonblock(client, answer)
        except Exception:
            self.log.debug("Failed to send error message.")


def post_worker_init(worker) -> None:
    from minsheng.insight import warmup

    warmup.start()
