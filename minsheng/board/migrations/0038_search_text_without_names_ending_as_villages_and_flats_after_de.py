"""Re-index the messages where a name is introduced (我叫, 我儿子, 邻居 …: ``NAME_CUES``) beside 村, 乡 or 巷, or where 的 and a
number written with dashes stand (我住3栋的5楼3-12-2024): since session 37 of 2026-12-06 a relative's name ending in 村, 乡 or
巷 whose stem reads as no place's (我爸爸王建村, 我儿子李大乡) and a home's flat after 的 and a part of the dwelling are hidden,
which the index of each migration before kept whole (docs/moderation.md)."""

from django.db import migrations
from django.db.models import Q


def reindex(apps, schema_editor):
    from minsheng.board.moderation import NAME_CUES
    from minsheng.board.search import reindex as reindex_messages

    Message = apps.get_model("board", "Message")
    cue = NAME_CUES.pattern
    village = "[村乡巷]"
    dashed = "[0-9０-９][-－—–][0-9０-９]"
    reindex_messages(Message.objects.filter(
        (Q(body__regex=cue) & (Q(body__regex=village) | Q(title__regex=village)))
        | (Q(title__regex=cue) & Q(title__regex=village))
        | (Q(body__contains="的") & Q(body__regex=dashed)) | (Q(title__contains="的") & Q(title__regex=dashed))))


class Migration(migrations.Migration):
    dependencies = [("board", "0037_reply_scores_rebuilt_where_praise_told_a_problem")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True)]
