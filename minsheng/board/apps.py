from django.apps import AppConfig
from django.core import checks
from django.db.models.signals import post_delete, post_migrate, post_save


class BoardConfig(AppConfig):
    name = "minsheng.board"
    label = "board"
    verbose_name = "留言办理"

    def ready(self):
        from django.core.validators import ProhibitNullCharactersValidator

        from . import search
        from .forms import NUL_CHARACTERS

        # every text field, in forms and the REST API: Django's Chinese for a NUL character
        # reads 「不允许是用空字符串。」 ("no empty strings"), which misleads
        ProhibitNullCharactersValidator.message = NUL_CHARACTERS

        from .deadlines import calendar_changed

        # 每年更新节假日: an entry saved or deleted here is used at once by this process (others within
        # deadlines.CALENDAR_CHECK_SECONDS)
        post_save.connect(calendar_changed, sender="board.CalendarDay", dispatch_uid="board-calendar-saved")
        post_delete.connect(
            calendar_changed, sender="board.CalendarDay", dispatch_uid="board-calendar-deleted"
        )
        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="board-search-index")
        checks.register(unentered_years_check, deploy=True)
        del search
        _sqlite_json_without_the_file()


def unentered_years_check(**kwargs):
    """A year deadlines reach that nobody gave the holidays of (每年更新节假日, ``deadlines.unentered_years``):
    a warning of ``check --deploy``, as the other minsheng warnings (every command ran it before: a block
    of text above each one's output). Nothing when the database cannot say (not migrated yet, not
    reachable: other checks and commands say so)."""
    from django.db import DatabaseError

    from .deadlines import unentered_warning, unentered_years

    try:
        text = unentered_warning(unentered_years())
    except DatabaseError:
        return []
    return (
        [
            checks.Warning(
                text,
                hint="minsheng holidays --add 日期 --note 说明, 或后台「节假日调整」 (docs/deploy.md §11)",
                id="minsheng.W005",
            )
        ]
        if text
        else []
    )


def _sqlite_json_without_the_file():
    """Django learns whether SQLite has JSON functions by a query on the database file: when
    another process held the file locked, that query failed and ``minsheng migrate`` reported
    「SQLite does not support JSONFields」 on four models after 20 s, instead of the lock. The
    same sqlite3 library answers it in memory, with no file to wait for."""
    import sqlite3

    from django.db import connections

    for connection in connections.all():
        if connection.vendor == "sqlite":
            try:
                with sqlite3.connect(":memory:") as probe:
                    probe.execute("SELECT JSON('\"test\"')")
            except sqlite3.OperationalError:
                continue  # let Django find out, and say so
            connection.features.supports_json_field = True


def _ensure_search_index(sender, using="default", **kwargs):
    from .search import ensure_index

    ensure_index(using=using)
