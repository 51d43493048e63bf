"""minsheng serve [--host H] [--port P]: the demo (or a small deployment) behind
gunicorn with the project's WSGI app. Static files are collected first and served by
WhiteNoise; larger deployments run gunicorn themselves behind a reverse proxy."""

import errno
import os
import socket
import sys
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from minsheng import gunicorn_conf

# Copied from npm into minsheng/static/vendor by `make assets` (Makefile), not kept in git:
# without them the similar box, region picker and reply preview (htmx) and the charts stop.
VENDOR_FILES = ("vendor/htmx.min.js", "vendor/echarts.min.js")


def missing_vendor_files() -> list[str]:
    """The files of VENDOR_FILES that neither the static folders nor STATIC_ROOT hold,
    named where `make assets` puts them."""
    root = Path(settings.STATIC_ROOT)
    return [f"minsheng/static/{name}" for name in VENDOR_FILES
            if not finders.find(name) and not (root / name).is_file()]


def vendor_warning() -> str:
    """One line for the start-up output when front-end files are missing, else ''."""
    missing = missing_vendor_files()
    if not missing:
        return ""
    return f"警告: 缺少前端文件 {'、'.join(missing)} — 请先运行 make assets (否则页面交互和图表无法使用)"


DEFAULT_SITE_URL = "http://127.0.0.1:8000"  # settings.MINSHENG_SITE_URL's default


class Command(BaseCommand):
    help = "Serve minsheng with gunicorn (collects static files first)."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
        parser.add_argument("--port", type=int, default=8000, help="port (default 8000)")
        parser.add_argument("--workers", type=int, default=gunicorn_conf.workers,
                            help=f"gunicorn worker processes (default {gunicorn_conf.workers})")
        parser.add_argument("--threads", type=int, default=gunicorn_conf.threads,
                            help=f"threads per worker (default {gunicorn_conf.threads})")
        parser.add_argument("--no-collectstatic", action="store_true", help="skip collectstatic")
        parser.add_argument("--check", action="store_true", help="check everything, print the command, do not serve")

    def handle(self, *args, host, port, workers, threads, no_collectstatic, check, **options):
        if not 1 <= port <= 65535:
            raise CommandError(f"端口 {port} 无效, 应在 1 到 65535 之间")
        if not 1 <= workers <= 64 or not 1 <= threads <= 64:
            raise CommandError("--workers 和 --threads 应在 1 到 64 之间")
        self._check_database()
        # --check beside the running site is no mistake (the port taken); it tried nothing until 2026-12-07 and
        # passed a host, or a port below 1024 for a user not root, that serve then could not listen on
        self._check_port(host, port, in_use_ok=check)
        if not no_collectstatic:
            try:
                call_command("collectstatic", interactive=False, verbosity=0)
            except (OSError, CommandError) as exc:
                raise CommandError(f"无法收集静态文件到 {settings.STATIC_ROOT}: {exc}")
        # an IPv6 address in brackets, as gunicorn's --bind and a URL take it (::1:8000 was no address to either)
        bracketed = f"[{host}]" if ":" in host else host
        # the worker class (gthread, answering unreadable requests in Chinese), the timeout and the
        # request line's limit come from the config
        argv = [sys.executable, "-m", "gunicorn", "minsheng.wsgi:application", "--bind", f"{bracketed}:{port}",
                "--workers", str(workers), "--threads", str(threads),
                "--preload", "--config", "python:minsheng.gunicorn_conf", "--access-logfile", "-", "--error-logfile", "-"]
        shown = "localhost" if host in ("0.0.0.0", "::") else bracketed
        self.stdout.write(f"民声 minsheng 运行于 http://{shown}:{port}/  (Ctrl+C 停止)")
        if warning := vendor_warning():
            self.stdout.write(self.style.WARNING(warning))
        if host not in ("127.0.0.1", "localhost", "::1") and not settings.DEBUG:
            self.stdout.write(f"提示: 从其他机器访问时, 请把访问用的主机名加入 ALLOWED_HOSTS (当前 {settings.ALLOWED_HOSTS})")
        here = f"http://{shown}:{port}".replace("//localhost", "//127.0.0.1")
        if settings.MINSHENG_SITE_URL == DEFAULT_SITE_URL != here:  # left at the demo's address
            # links in emails are made of it: served elsewhere, they would open nothing
            self.stdout.write(self.style.WARNING(
                f"提示: 邮件中的链接以 MINSHENG_SITE_URL={settings.MINSHENG_SITE_URL} 开头; "
                "请把它设为市民和工作人员访问本站用的地址"))
        self._print_logins()
        if settings.MINSHENG_CODE_SENDER.endswith(".ConsoleSender"):
            # a citizen trying the demo on a phone taps 获取验证码 and waits for an SMS
            self.stdout.write("注册和重置密码的验证码不发短信, 打印在本终端 (MINSHENG_CODE_SENDER=ConsoleSender)")
        if settings.MINSHENG_SMS_SENDER.endswith(".ConsoleSender"):
            self.stdout.write("给市民的短信通知 (留言已答复、未予受理) 打印在本终端 (MINSHENG_SMS_SENDER=ConsoleSender)")
        if check:
            self.stdout.write(" ".join(argv))
            return
        sys.stdout.flush()
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
        os.execv(sys.executable, argv)

    def _check_port(self, host: str, port: int, in_use_ok: bool = False):
        """The address can be listened on. Taken (a server still running, one not yet stopped after an
        upgrade), gunicorn said 「Connection in use」 in English five times over five seconds and gave up.
        ``in_use_ok``: a port taken is no mistake (--check beside the running site)."""
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        except socket.gaierror as exc:
            raise CommandError(f"--host {host}: 无法解析该地址 ({exc})") from None
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as gunicorn: a closed connection's TIME_WAIT is no obstacle
            try:
                probe.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE and in_use_ok:
                    return
                if exc.errno == errno.EADDRINUSE:
                    raise CommandError(f"端口 {port} 已被占用 ({host}:{port}): 另一个 minsheng serve 或其他程序正在监听; "
                                       "请先停止它, 或用 --port 换一个端口") from None
                if exc.errno == errno.EACCES:
                    raise CommandError(f"没有权限监听端口 {port} (1024 以下的端口需要 root 权限); 请用 --port 换一个端口") from None
                if exc.errno == errno.EADDRNOTAVAIL:
                    raise CommandError(f"--host {host} 不是本机的地址; 请用 0.0.0.0 (所有网卡) 或本机的 IP") from None
                raise CommandError(f"无法监听 {host}:{port}: {exc.strerror or exc}") from None

    def _check_database(self):
        """Not before every migration has run; a database that cannot be reached or is locked
        is a DatabaseError, told in one line by minsheng.cli."""
        executor = MigrationExecutor(connections["default"])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            raise CommandError(f"数据库还有 {len(plan)} 个迁移未执行, 请先运行 minsheng migrate")

    def _print_logins(self):
        """The demo's logins, or what a fresh database still lacks. A deployment with its own
        directory was told 「还没有演示数据: 运行 minsheng demo」, which it must never run."""
        from minsheng.accounts.models import User
        from minsheng.board.demo_accounts import PERSONAS, logins_lines
        from minsheng.directory.models import Region

        if not User.objects.filter(is_superuser=True).exists():
            self.stdout.write("还没有管理员账号: 运行 minsheng createsuperuser, 再到 /admin/ 添加工作人员")
        if not Region.objects.exists():
            self.stdout.write("目录为空: 用 minsheng import-directory DIR --commit 导入本地的区划、单位和权责清单 "
                              "(docs/deploy.md), 或运行 minsheng demo 生成演示数据")
            return
        if not User.objects.filter(username=PERSONAS[0][0]).exists():
            return  # a deployment's own directory and accounts
        self.stdout.write("演示登录 (所有账号密码相同):")
        for line in logins_lines():
            self.stdout.write(line)
