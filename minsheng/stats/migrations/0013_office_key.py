"""A leader's office (留言对象) on the statistics rows (stats.models.Addressed): its figures read its rows by this
indexed key, not every fact joined to its messages. Back-filled from the messages here, a batch of message ids at a
time (only the messages written to an office are touched), before the indexes are built."""

from django.db import migrations, models

BATCH = 20_000
TABLES = ["stats_messagefact", "stats_opencase", "stats_miss", "stats_signfor"]


def fill_addressee_key(apps, schema_editor):
    Message = apps.get_model("board", "Message")
    addressed = Message.objects.using(schema_editor.connection.alias).filter(addressee__isnull=False)
    first = addressed.order_by("pk").values_list("pk", flat=True).first()
    if first is None:
        return
    last = addressed.order_by("-pk").values_list("pk", flat=True).first()
    with schema_editor.connection.cursor() as cursor:
        for start in range(first, last + 1, BATCH):
            for table in TABLES:
                cursor.execute(
                    f"UPDATE {table} SET addressee_key = (SELECT m.addressee_id FROM board_message m "
                    f"WHERE m.id = {table}.message_id) WHERE message_id IN (SELECT m.id FROM board_message m "
                    "WHERE m.id BETWEEN %s AND %s AND m.addressee_id IS NOT NULL)", [start, start + BATCH - 1])


class Migration(migrations.Migration):

    dependencies = [
        ('board', '0039_reply_scores_rebuilt_where_praise_sneered'),
        ('stats', '0012_sign_for_public_only'),
    ]

    operations = [
        migrations.AddField(
            model_name='messagefact',
            name='addressee_key',
            field=models.IntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name='miss',
            name='addressee_key',
            field=models.IntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name='opencase',
            name='addressee_key',
            field=models.IntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name='signfor',
            name='addressee_key',
            field=models.IntegerField(db_default=0, default=0),
        ),
        migrations.RunPython(fill_addressee_key, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name='messagefact',
            index=models.Index(fields=['addressee_key', 'day'], name='stats_fact_addressee'),
        ),
        migrations.AddIndex(
            model_name='miss',
            index=models.Index(fields=['addressee_key', 'day'], name='stats_miss_addressee'),
        ),
        migrations.AddIndex(
            model_name='opencase',
            index=models.Index(fields=['addressee_key', 'due_at'], name='stats_open_addressee'),
        ),
        migrations.AddIndex(
            model_name='signfor',
            index=models.Index(fields=['addressee_key', 'day'], name='stats_sign_addressee'),
        ),
    ]
