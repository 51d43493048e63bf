from django.apps import AppConfig
from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.core import checks


class AccountsConfig(AppConfig):
    name = "minsheng.accounts"
    label = "accounts"
    verbose_name = "账号与角色"

    def ready(self):
        checks.register(code_sender_check)
        checks.register(deployment_check, checks.Tags.security, deploy=True)
        user_logged_in.connect(forget_closed_account, dispatch_uid="minsheng.accounts.forget_closed_account")


def forget_closed_account(sender, request, user, **kwargs):
    """Someone signed in in the browser of an account closed: its sign-in page no longer says so (views.CLOSED_HERE;
    the sign-in keeps the anonymous session's data)."""
    from .views import CLOSED_HERE

    if request is not None and hasattr(request, "session"):
        request.session.pop(CLOSED_HERE, None)


def code_sender_check(app_configs, **kwargs):
    """A mistyped MINSHENG_CODE_SENDER (or MINSHENG_SMS_SENDER, when set) stops `minsheng serve`
    (and `check`), not the first citizen who registers or is answered."""
    from .senders import SENDER_METHODS, SenderError, sender_class

    found = []
    for setting in SENDER_METHODS:
        if getattr(settings, setting):
            try:
                sender_class(setting)
            except SenderError as exc:
                found.append(checks.Error(str(exc), id="minsheng.E001"))
    return found


def deployment_check(app_configs, **kwargs):
    """`minsheng check --deploy`: what the demo's defaults leave unfit for real use. Django's
    own deploy checks passed the demo's public SECRET_KEY (long enough, not "django-insecure")
    in silence, and know nothing of verification codes printed in the server's terminal."""
    found = []
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        found.append(checks.Error(
            "SECRET_KEY 未设置, 正在使用公开的演示密钥: 任何人都能伪造登录会话和密码重置",
            hint="设置 SECRET_KEY 为长随机串 (python3 -c 'import secrets; print(secrets.token_urlsafe(50))'), "
                 "并设 MINSHENG_INSECURE_DEV_KEY=0", id="minsheng.E002"))
    sender = settings.MINSHENG_CODE_SENDER
    if sender.endswith(("senders.ConsoleSender", "senders.EmailSender", "senders.MemorySender")):
        where = "只留在内存中 (测试用)" if sender.endswith("MemorySender") else "只打印在服务器终端"
        found.append(checks.Warning(
            f"MINSHENG_CODE_SENDER={sender}: 发往手机号的注册和重置密码验证码{where}, "
            "市民收不到", hint="接入短信网关: 写一个有 send(target, code, purpose) 方法的类, 把 MINSHENG_CODE_SENDER "
                            "设为它的路径 (minsheng/accounts/senders.py)", id="minsheng.W001"))
    if settings.MINSHENG_SMS_SENDER.endswith(("senders.ConsoleSender", "senders.EmailSender", "senders.MemorySender")):
        found.append(checks.Warning(
            f"MINSHENG_SMS_SENDER={settings.MINSHENG_SMS_SENDER}: 给市民的短信通知只打印在服务器终端或留在内存中, "
            "市民收不到", hint="写一个有 send_text(phone, text) 方法的类调用短信网关, 把 MINSHENG_SMS_SENDER 设为它的路径; "
                            "不发短信通知则留空", id="minsheng.W003"))
    if settings.MINSHENG_SMS_SENDER:
        from types import SimpleNamespace

        from minsheng.board.notify import SMS_LENGTH, sms_text

        # the shortest notice it can make (no 编号) of the longest note, 未予受理
        shortest = sms_text(SimpleNamespace(public_id="20261204000123"), "rejected")
        if len(shortest) > SMS_LENGTH:
            found.append(checks.Warning(
                f"MINSHENG_SITE_URL={settings.MINSHENG_SITE_URL}: 短信通知 (如「{shortest}」) 有 {len(shortest)} 字, "
                f"超过一条短信的 {SMS_LENGTH} 字, 会按多条计费发送",
                hint="用较短的网站地址 (不超过 36 个字符), 或不发短信通知 (MINSHENG_SMS_SENDER 留空)",
                id="minsheng.W004"))
    unsent = {"console": "是控制台: 通知邮件只打印在服务器终端", "locmem": "只把邮件留在内存中 (测试用)",
              "dummy": "丢弃所有邮件"}
    kind = settings.EMAIL_BACKEND.removeprefix("django.core.mail.backends.").removesuffix(".EmailBackend")
    if kind in unsent:
        found.append(checks.Warning(f"EMAIL_BACKEND {unsent[kind]}, 不会发出",
                                    hint="设置 EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend 和 EMAIL_HOST 等",
                                    id="minsheng.W002"))
    return found
