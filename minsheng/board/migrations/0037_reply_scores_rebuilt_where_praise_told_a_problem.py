"""Replies whose stored score reads their letter as praise only (``quality["praise"]``, 0034's rebuild) are scored again by
today's rules: since review1 of 2026-12-06 a problem told after the praise with no request word (另外…路灯坏了, 挂号太难了)
is no praise only, and its completeness is charged. As 0034 rebuilds (its ``rescored``: all parts, the timeliness kept);
a score the rules leave as it is is not written."""

import importlib

from django.db import migrations

BATCH = 500


def forwards(apps, schema_editor):
    rescored = importlib.import_module(
        "minsheng.board.migrations.0034_reply_scores_rebuilt_for_abbreviations_and_praise").rescored
    Reply = apps.get_model("board", "Reply")
    changed = []
    replies = Reply.objects.filter(quality__praise=True).select_related("message").only(
        "pk", "quality", "body", "message__title", "message__body", "message__kind")
    for reply in replies.order_by("pk").iterator(chunk_size=BATCH):
        stored = reply.quality or {}
        if "score" not in stored:
            continue
        new = rescored(stored, reply.message.title, reply.message.body, reply.body, reply.message.kind == "thanks")
        if new is not None:
            reply.quality = new
            changed.append(reply)
        if len(changed) >= BATCH:
            Reply.objects.bulk_update(changed, ["quality"], batch_size=BATCH)
            changed = []
    Reply.objects.bulk_update(changed, ["quality"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("board", "0036_search_text_without_own_names_ending_as_places")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
