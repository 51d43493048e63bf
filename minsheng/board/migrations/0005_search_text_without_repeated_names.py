"""Re-index the messages that introduce a name, now that the masked text the search index
reads hides the name wherever else it appears in the message (docs/moderation.md)."""

from django.db import migrations
from django.db.models import Q


def reindex(apps, schema_editor):
    from minsheng.board.search import terms_for

    Message = apps.get_model("board", "Message")
    cues = r"我叫|名叫|本人叫|名字|姓名|联系人|署名|举报人|投诉人|反映人|留言人|申请人|当事人"
    maybe = Q(body__regex=cues) | Q(title__regex=cues)
    for message in Message.objects.filter(maybe).only("pk", "title", "body").iterator(chunk_size=2000):
        Message.objects.filter(pk=message.pk).update(search_text=terms_for(message.title, message.body))


class Migration(migrations.Migration):
    dependencies = [("board", "0004_message_dispatched_classified_indexes")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True)]
