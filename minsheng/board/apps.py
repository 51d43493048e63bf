from django.apps import AppConfig
from django.db.models.signals import post_migrate


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

        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="board-search-index")
        del search


def _ensure_search_index(sender, using="default", **kwargs):
    from .search import ensure_index

    ensure_index(using=using)
