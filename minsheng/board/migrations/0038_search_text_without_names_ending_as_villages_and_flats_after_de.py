"""Re-index the messages where a name is introduced (我叫, 我儿子, 邻居 …: ``NAME_CUES``) beside 村, 乡 or 巷, or where 的 before a number and a
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
    # the flat is hidden after 的 and a number (的5楼, 的二单元, 的3-12-2024: moderation._DWELLING_PART), not after
    # any 的: 的 anywhere and a date or a landline anywhere (2024-12-06的会议, 0931-8123456) are most messages
    # (review of 2026-12-06)
    de_number = "的[0-9０-９一二三四五六七八九十]"
    reindex_messages(Message.objects.filter(
        (Q(body__regex=cue) & (Q(body__regex=village) | Q(title__regex=village)))
        | (Q(title__regex=cue) & Q(title__regex=village))
        | (Q(body__regex=de_number) & Q(body__regex=dashed)) | (Q(title__regex=de_number) & Q(title__regex=dashed))))


class Migration(migrations.Migration):
    atomic = False  # a transaction a batch (``search.reindex``)
    dependencies = [("board", "0037_reply_scores_rebuilt_where_praise_told_a_problem")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True)]
