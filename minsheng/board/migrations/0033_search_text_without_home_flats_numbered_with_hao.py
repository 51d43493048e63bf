"""Re-index the messages that may hold the writer's flat written with 号 (我住的是3号楼1102号房) or in a building named by a
letter (本人住B座1102), which the masked text hides since review1 of 2026-12-06 (docs/moderation.md), and the shop after
住户 / 住宅 (住户反映3号楼101超市噪音) it shows again, so that the search index, which reads the masked text, agrees."""

from django.db import migrations
from django.db.models import Q


def reindex(apps, schema_editor):
    from minsheng.board.search import reindex as reindex_messages

    Message = apps.get_model("board", "Message")
    words = "[0-9０-９]{3}"
    reindex_messages(Message.objects.filter(Q(body__regex=words) | Q(title__regex=words)))


class Migration(migrations.Migration):
    dependencies = [("board", "0032_search_text_without_home_flats_and_owned_service_lines")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True)]
