"""及时签收率 counts the sign-fors of cases 不予受理 after dispatch too (stats.measures.SIGN_FOR_CATEGORIES, since
2026-12-06, stats walk): a unit that let a case sit unsigned past its 签收期限 until it gave it back is late whatever
the dispatcher decided next, as its reply miss counts in 按时率 whatever became of the case. 0012 dropped those rows;
here they are written again from the assignments kept (facts.SIGNS_SQL as of this migration, for messages 不予受理
alone), a batch of message ids at a time as in 0014. Nothing else changes."""

import uuid

from django.db import migrations

BATCH = 20_000

SIGNS_SQL = """
INSERT INTO stats_signfor (assignment_id, message_id, p1, p2, p3, p4, unit_key, topic_key, kind, day,
                           sign_due_at, signed_at, given_up_at, addressee_key)
SELECT a.id, a.message_id, f.p1, f.p2, f.p3, f.p4, a.unit_id, f.topic_key, f.kind, f.day,
       a.sign_due_at, a.signed_at,
       CASE WHEN a.signed_at IS NULL AND a.state <> 'active' THEN COALESCE(a.closed_at, a.sign_due_at) END,
       f.addressee_key
FROM board_assignment a
JOIN stats_messagefact f ON f.message_id = a.message_id
WHERE a.role = 'lead' AND a.sign_due_at IS NOT NULL AND f.category = 'rejected'
  AND a.message_id BETWEEN %s AND %s
  AND NOT EXISTS (SELECT 1 FROM stats_signfor s WHERE s.assignment_id = a.id)
"""


def record_rejected_signs(apps, schema_editor):
    MessageFact = apps.get_model("stats", "MessageFact")
    rejected = MessageFact.objects.using(schema_editor.connection.alias).filter(category="rejected")
    first = rejected.order_by("pk").values_list("pk", flat=True).first()
    if first is None:
        return
    last = rejected.order_by("-pk").values_list("pk", flat=True).first()
    written = 0
    with schema_editor.connection.cursor() as cursor:
        for start in range(first, last + 1, BATCH):
            cursor.execute(SIGNS_SQL, [start, start + BATCH - 1])
            written += max(cursor.rowcount, 0)
    if written:
        # figures cached with the old counts (Redis): a new token makes them unreachable
        apps.get_model("stats", "RollupVersion").objects.using(schema_editor.connection.alias).update(
            token=uuid.uuid4().hex)


class Migration(migrations.Migration):

    dependencies = [
        ('stats', '0015_office_cubes'),
    ]

    operations = [
        migrations.RunPython(record_rejected_signs, migrations.RunPython.noop),
    ]
