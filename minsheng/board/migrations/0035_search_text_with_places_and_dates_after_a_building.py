"""Re-index the messages that may hold what the masked text shows or hides since the privacy review of 2026-12-06
(docs/moderation.md): a place's name that begins with a surname (联系人：王庄村, 邻居鲁庄镇的, 李明家园 to a citizen named 李明),
shown whole since; a date after a building's word and other words (3栋的电梯3-12-2024), shown since; and a 95 / 96 number
given as the writer's after a comma (联系电话：96123456，本人), hidden since; so that the search index, which reads the
masked text, agrees."""

from django.db import migrations
from django.db.models import Q


def reindex(apps, schema_editor):
    from minsheng.board.moderation import NAME_CUES
    from minsheng.board.search import reindex as reindex_messages

    Message = apps.get_model("board", "Message")
    digits = "[0-9０-９]{3}"
    place = "[村乡巷镇街路市区县苑园]"
    estate = "家园|花园|嘉园|佳苑|名苑|名城|新村|新城|小区|社区|街道|家属院|村委会|居委会"
    cue = NAME_CUES.pattern
    reindex_messages(Message.objects.filter(
        Q(body__regex=digits) | Q(title__regex=digits) | Q(body__regex=estate) | Q(title__regex=estate)
        | (Q(body__regex=cue) & (Q(body__regex=place) | Q(title__regex=place)))))


class Migration(migrations.Migration):
    dependencies = [("board", "0034_reply_scores_rebuilt_for_abbreviations_and_praise")]
    operations = [migrations.RunPython(reindex, migrations.RunPython.noop, elidable=True)]
