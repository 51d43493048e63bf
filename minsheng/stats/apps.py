from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save, pre_delete


class StatsConfig(AppConfig):
    name = "minsheng.stats"
    label = "stats"
    verbose_name = "统计与公开"

    def ready(self):
        from minsheng.board.models import Event, Message

        # Every action writes an Event in its transaction: refresh the message's
        # figures once it commits (see facts.message_changed).
        post_save.connect(_event_saved, sender=Event, dispatch_uid="stats-event-saved")
        pre_delete.connect(_message_deleted, sender=Message, dispatch_uid="stats-message-deleted")
        from minsheng.directory.models import Addressee, Topic

        post_delete.connect(_addressee_deleted, sender=Addressee, dispatch_uid="stats-addressee-deleted")

        from .figures import forget_topic_tree

        post_save.connect(forget_topic_tree, sender=Topic, dispatch_uid="stats-topic-saved")


def _event_saved(sender, instance, created, **kwargs):
    if created and instance.message_id and not kwargs.get("raw"):
        from .facts import message_changed

        message_changed(instance.message_id)


def _message_deleted(sender, instance, **kwargs):
    from .facts import forget_message

    forget_message(instance.pk)


def _addressee_deleted(sender, instance, **kwargs):
    """A leader's office deleted: its messages are written to none (``Message.addressee`` SET_NULL, no action),
    so are their statistics rows (``addressee_key``, stats.models.Addressed)."""
    from .facts import forget_addressee

    forget_addressee(instance.pk)
