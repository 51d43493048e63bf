"""Replies to a 感谢 scored before 2026-12-06 kept the completeness charged then (a thanks' 希望这样的好作风继续保持
read as a demand left 「未回应」): their stored score follows today's rule, 完整性 100 % (score_reply(..., thanks=True)).
The other parts are kept as stored, not scored again: only the completeness, the total built from them, the
未回应 reason and the explanation change."""

from django.db import migrations

THANKS_SAID = "感谢留言未提出问题或诉求, 不计完整性 (按满分计)"
BOILERPLATE_CAP = 20.0  # quality.BOILERPLATE_CAP, as written then


def rescored(q: dict) -> dict:
    q = dict(q, completeness=1.0, thanks=True, questions=0, questions_addressed=0, missed=[])
    q["reasons"] = [r for r in q.get("reasons", []) if not (r.startswith("留言提出的 ") and "未回应" in r)]
    parts = [(0.3, q.get("relevance") or 0.0), (0.3, 1.0), (0.3, q.get("interpretability") or 0.0)]
    if q.get("timeliness") is not None:
        parts.append((0.1, q["timeliness"]))
    score = 100 * sum(w * v for w, v in parts) / sum(w for w, _ in parts)
    if q.get("boilerplate"):
        score = min(score, BOILERPLATE_CAP)
    q["score"] = round(score, 1)
    if isinstance(q.get("explained"), dict):
        q["explained"] = dict(q["explained"], completeness=THANKS_SAID)
    return q


def forwards(apps, schema_editor):
    Reply = apps.get_model("board", "Reply")
    changed = []
    for reply in Reply.objects.filter(message__kind="thanks").only("pk", "quality").iterator(chunk_size=500):
        q = reply.quality or {}
        if "score" in q and not q.get("thanks"):
            reply.quality = rescored(q)
            changed.append(reply)
    Reply.objects.bulk_update(changed, ["quality"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('board', '0030_message_resubmission_of'),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
    ]
