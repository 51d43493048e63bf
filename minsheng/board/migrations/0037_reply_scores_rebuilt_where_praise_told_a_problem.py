"""Replies whose stored score reads their letter as praise only (``quality["praise"]``, 0034's rebuild) are scored again by
today's rules: since review1 of 2026-12-06 a problem told after the praise with no request word (另外…路灯坏了, 挂号太难了)
is no praise only, and its completeness is charged. As 0034 rebuilds (its ``rescored``: all parts, the timeliness kept);
a score the rules leave as it is is not written."""

import importlib

from django.db import migrations


def forwards(apps, schema_editor):
    importlib.import_module("minsheng.board.migrations.0034_reply_scores_rebuilt_for_abbreviations_and_praise").rebuild(
        apps, quality__praise=True)


class Migration(migrations.Migration):
    atomic = False  # a transaction a batch (0034's ``rebuild``)
    dependencies = [("board", "0036_search_text_without_own_names_ending_as_places")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
