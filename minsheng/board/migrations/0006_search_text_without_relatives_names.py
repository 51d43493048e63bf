"""Re-index the messages that may name a relative or a neighbour (我儿子王小明, 邻居张建国), now
that the masked text the search index reads hides such a name (docs/moderation.md)."""

from django.db import migrations
from django.db.models import Q


def reindex(apps, schema_editor):
    from minsheng.board.moderation import RELATIVE, real_name
    from minsheng.board.search import terms_for

    Message = apps.get_model("board", "Message")
    words = f"{RELATIVE}|邻居|房东|租户|租客|工友|同事"
    candidates = Message.objects.filter(Q(body__regex=words) | Q(title__regex=words))
    for message in candidates.select_related("author").only(
            "pk", "title", "body", "show_name", "author__display_name").iterator(chunk_size=2000):
        names = () if message.show_name else real_name(message.author.display_name)
        Message.objects.filter(pk=message.pk).update(search_text=terms_for(message.title, message.body, names))


class Migration(migrations.Migration):
    dependencies = [("board", "0005_search_text_without_repeated_names")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True)]
