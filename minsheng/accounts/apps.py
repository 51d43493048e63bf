from django.apps import AppConfig
from django.conf import settings
from django.core import checks
from django.utils.module_loading import import_string


class AccountsConfig(AppConfig):
    name = "minsheng.accounts"
    label = "accounts"
    verbose_name = "账号与角色"

    def ready(self):
        checks.register(code_sender_check)


def code_sender_check(app_configs, **kwargs):
    """A mistyped MINSHENG_CODE_SENDER stops `minsheng serve` (and `check`), not the first
    citizen who registers."""
    try:
        import_string(settings.MINSHENG_CODE_SENDER)
    except ImportError as exc:
        return [checks.Error(f"MINSHENG_CODE_SENDER={settings.MINSHENG_CODE_SENDER!r} cannot be imported: {exc}",
                             id="minsheng.E001")]
    return []
