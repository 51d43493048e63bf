"""Re-index the messages whose text may hold personal data (digits or an e-mail), now
that the search index reads the masked text (docs/moderation.md)."""

from django.db import migrations
from django.db.models import Q


def reindex(apps, schema_editor):
    from minsheng.board.search import terms_for

    Message = apps.get_model("board", "Message")
    maybe = Q(body__regex=r"[0-9@]") | Q(title__regex=r"[0-9@]")
    for message in Message.objects.filter(maybe).only("pk", "title", "body").iterator(chunk_size=2000):
        Message.objects.filter(pk=message.pk).update(search_text=terms_for(message.title, message.body))


class Migration(migrations.Migration):
    dependencies = [("board", "0001_initial")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True)]
