from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "minsheng.insight"
    label = "insight"
