"""Re-index the messages that may hold a phone number with an extension (0931-8123456转802, 分机802, ext. 802,
0931-8123456-802): since 2026-12-08 the masked text hides the extension with the number (docs/moderation.md), so that
the search index, which reads the masked text, finds no message by a citizen's extension."""

from django.db import migrations
from django.db.models import Q


def reindex(apps, schema_editor):
    from minsheng.board.search import reindex as reindex_messages

    Message = apps.get_model("board", "Message")
    # a number's last 4 digits before the word (3#楼, 3x4米 are none) and what may follow it (分机号, 转分机, ext.:
    # whole-diff review of 2026-12-08), or a whole local number before a dash of any width (8123456 - 802, 8123456—802,
    # 8123456－802: review of 2026-12-08)
    extension = "[0-9０-９]{4} *(转|分机|[Ee][Xx][Tt]|[Xx]|#)[ :：.．号分机]*[0-9０-９]|[0-9０-９]{7} *[-－—–] *[0-9０-９]"
    reindex_messages(Message.objects.filter(Q(body__regex=extension) | Q(title__regex=extension)))


class Migration(migrations.Migration):
    atomic = False  # a transaction a batch (``search.reindex``), as 0036 and 0038
    dependencies = [("board", "0040_supervision_history")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True)]
