"""Re-index the messages that introduce a name or carry their author's own registered name,
now that the masked text the search index reads hides such a name wherever it appears in
the message (docs/moderation.md)."""

from django.db import migrations


def reindex(apps, schema_editor):
    import re

    from minsheng.board.moderation import real_name
    from minsheng.board.search import terms_for

    Message = apps.get_model("board", "Message")
    introduces = re.compile(r"我叫|名叫|本人叫|名字|姓名|联系人|署名|举报人|投诉人|反映人|留言人|申请人|当事人")
    rows = Message.objects.select_related("author").only("pk", "title", "body", "show_name", "author__display_name")
    for message in rows.iterator(chunk_size=2000):
        names = () if message.show_name else real_name(message.author.display_name)
        text = f"{message.title} {message.body}"
        if introduces.search(text) or any(name in text for name in names):
            Message.objects.filter(pk=message.pk).update(search_text=terms_for(message.title, message.body, names))


class Migration(migrations.Migration):
    dependencies = [("board", "0004_message_dispatched_classified_indexes")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True)]
