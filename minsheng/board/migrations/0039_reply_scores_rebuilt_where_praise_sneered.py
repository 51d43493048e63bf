"""Replies whose stored score reads their letter as praise only (``quality["praise"]``) are scored again by today's rules:
since the quality review of 2026-12-06 thanks or praise of the unit's buck-passing or delay in one clause (感谢你们踢皮球,
为…的不作为点赞) is a complaint, and its completeness is charged. As 0037 (0034's ``rebuild``: all parts, the timeliness
kept); a score the rules leave as it is is not written."""

import importlib

from django.db import migrations


def forwards(apps, schema_editor):
    importlib.import_module("minsheng.board.migrations.0034_reply_scores_rebuilt_for_abbreviations_and_praise").rebuild(
        apps, quality__praise=True)


class Migration(migrations.Migration):
    atomic = False  # a transaction a batch (0034's ``rebuild``)
    dependencies = [("board", "0038_search_text_without_names_ending_as_villages_and_flats_after_de")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
