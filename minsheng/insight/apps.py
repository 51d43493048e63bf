from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class InsightConfig(AppConfig):
    name = "minsheng.insight"
    label = "insight"
    verbose_name = "智能分析"

    def ready(self):
        from minsheng.directory.models import Region

        from .places import forget_gazetteer

        post_save.connect(forget_gazetteer, sender=Region, dispatch_uid="forget_gazetteer_save")
        post_delete.connect(forget_gazetteer, sender=Region, dispatch_uid="forget_gazetteer_delete")
