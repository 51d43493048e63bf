from django.apps import AppConfig


class BoardConfig(AppConfig):
    name = "minsheng.board"
    label = "board"
    verbose_name = "留言办理"
