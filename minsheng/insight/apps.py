from django.apps import AppConfig


class InsightConfig(AppConfig):
    name = "minsheng.insight"
    label = "insight"
    verbose_name = "智能分析"
