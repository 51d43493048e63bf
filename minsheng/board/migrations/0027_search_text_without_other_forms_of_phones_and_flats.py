"""Re-index the messages that may hold a landline, a flat or a name before a greeting's title written in a form the
masked text hides since 2026-12-05 (09318123456, (0931)8123456, 电话8123456, 5号楼502, 3-2-501, 1102室, 王伟同学:
docs/moderation.md), so that the search index, which reads the masked text, no longer finds a message by them."""

from django.db import migrations
from django.db.models import Q


def reindex(apps, schema_editor):
    from minsheng.board.moderation import GREETING_TITLES
    from minsheng.board.search import reindex as reindex_messages

    Message = apps.get_model("board", "Message")
    words = f"[0-9０-９]{{3}}|{GREETING_TITLES}"
    reindex_messages(Message.objects.filter(Q(body__regex=words) | Q(title__regex=words)))


class Migration(migrations.Migration):
    dependencies = [("board", "0026_joint_lead_signed_once")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True)]
