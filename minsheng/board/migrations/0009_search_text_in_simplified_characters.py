"""Re-index the messages written with traditional characters (燈, 壞), now that the search
index also holds their simplified form, so that 路灯 finds 路燈壞了 (docs/search.md)."""

from django.db import migrations
from django.db.models import Q


def reindex(apps, schema_editor):
    from minsheng.board.search import reindex as reindex_messages
    from minsheng.insight.text import traditional_pattern

    Message = apps.get_model("board", "Message")
    pattern = traditional_pattern()
    if pattern is None:  # OpenCC missing: nothing is converted, nothing to re-index
        return
    candidates = Message.objects.filter(Q(body__regex=pattern) | Q(title__regex=pattern))
    reindex_messages(candidates)


class Migration(migrations.Migration):
    dependencies = [("board", "0008_chinese_admin_names")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True)]
