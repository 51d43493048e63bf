from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "minsheng.stats"
    label = "stats"
