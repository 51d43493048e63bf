from django.apps import AppConfig
from django.db.models.signals import post_migrate


class BoardConfig(AppConfig):
    name = "minsheng.board"
    label = "board"
    verbose_name = "留言办理"

    def ready(self):
        from . import search

        post_migrate.connect(_ensure_search_index, sender=self, dispatch_uid="board-search-index")
        del search


def _ensure_search_index(sender, using="default", **kwargs):
    from .search import ensure_index

    ensure_index(using=using)
