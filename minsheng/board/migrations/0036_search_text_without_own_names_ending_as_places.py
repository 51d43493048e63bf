"""Re-index the messages where the writer gives their own name (我叫, 我名叫, 本人叫, 我的名字是, 姓名：) and a place's last
character stands (村, 路, 镇 …): since review1 of 2026-12-06 such a name is hidden again (我叫王一路, 姓名：杨建路), which the
privacy review's place rule, and 0035's index, showed whole (docs/moderation.md)."""

from django.db import migrations
from django.db.models import Q


def reindex(apps, schema_editor):
    from minsheng.board.search import reindex as reindex_messages

    Message = apps.get_model("board", "Message")
    cue = "我叫|我名叫|本人叫|我的名字|姓名"
    place = "[村乡巷镇街路市区县苑园]"
    reindex_messages(Message.objects.filter(
        (Q(body__regex=cue) & (Q(body__regex=place) | Q(title__regex=place)))
        | (Q(title__regex=cue) & Q(title__regex=place))))


class Migration(migrations.Migration):
    dependencies = [("board", "0035_search_text_with_places_and_dates_after_a_building")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True)]
