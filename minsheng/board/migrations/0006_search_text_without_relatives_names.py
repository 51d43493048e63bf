"""Re-index the messages that may name a relative or a neighbour (我儿子王小明, 邻居张建国), now
that the masked text the search index reads hides such a name (docs/moderation.md)."""

from django.db import migrations
from django.db.models import Q


def reindex(apps, schema_editor):
    from minsheng.board.moderation import RELATIVE
    from minsheng.board.search import reindex as reindex_messages

    Message = apps.get_model("board", "Message")
    words = f"{RELATIVE}|邻居|房东|租户|租客|工友|同事"
    candidates = Message.objects.filter(Q(body__regex=words) | Q(title__regex=words))
    reindex_messages(candidates)


class Migration(migrations.Migration):
    dependencies = [("board", "0005_search_text_without_repeated_names")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True)]
