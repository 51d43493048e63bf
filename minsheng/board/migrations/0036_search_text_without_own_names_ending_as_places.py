"""Re-index the messages where a name is introduced (我叫, 姓名：, 我儿子, 邻居 …: ``NAME_CUES``) and a place's last character
stands (村, 路, 镇, 园 …): since review1 of 2026-12-06 a name the writer gives as theirs (我叫王一路, 姓名：杨建路) and one whose
stem reads as no place's (我儿子刘晓路, 邻居李春园的楼上) are hidden again, which the privacy review's place rule, and 0035's
index, showed whole (docs/moderation.md)."""

from django.db import migrations
from django.db.models import Q


def reindex(apps, schema_editor):
    from minsheng.board.moderation import NAME_CUES
    from minsheng.board.search import reindex as reindex_messages

    Message = apps.get_model("board", "Message")
    cue = NAME_CUES.pattern
    place = "[村乡巷镇街路市区县苑园]"
    reindex_messages(Message.objects.filter(
        (Q(body__regex=cue) & (Q(body__regex=place) | Q(title__regex=place)))
        | (Q(title__regex=cue) & Q(title__regex=place))))


class Migration(migrations.Migration):
    atomic = False  # a transaction a batch (``search.reindex``)
    dependencies = [("board", "0035_search_text_with_places_and_dates_after_a_building")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True)]
