from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save, pre_save


class InsightConfig(AppConfig):
    name = "minsheng.insight"
    label = "insight"
    verbose_name = "智能分析"

    def ready(self):
        from minsheng.board.models import Assignment
        from minsheng.directory.models import Region, Topic, Unit

        from . import hotspots_service as hs
        from .places import forget_gazetteer

        post_save.connect(forget_gazetteer, sender=Region, dispatch_uid="forget_gazetteer_save")
        post_delete.connect(forget_gazetteer, sender=Region, dispatch_uid="forget_gazetteer_delete")
        # an edit outside the workflow that a hotspot reads (a topic renamed or moved, a unit renamed, a case's units
        # written from the shell) refreshes the hotspots holding its messages once it commits (since 2026-12-06;
        # before, they kept the old reading until ``refresh-hotspots --all``); a region renamed or moved too (its name
        # and those above it are cut out of 地点/人群; since 2026-12-06)
        for model in (Topic, Unit, Region):
            pre_save.connect(
                hs._read_before_save, sender=model, dispatch_uid=f"hotspots-read-{model.__name__}"
            )
            post_save.connect(
                hs._refresh_if_read_changed, sender=model, dispatch_uid=f"hotspots-edit-{model.__name__}"
            )
        post_save.connect(hs._assignment_saved, sender=Assignment, dispatch_uid="hotspots-assignment-saved")
        post_delete.connect(
            hs._assignment_saved, sender=Assignment, dispatch_uid="hotspots-assignment-deleted"
        )
