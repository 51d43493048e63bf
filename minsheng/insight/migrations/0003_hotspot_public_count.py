"""Hotspots count their public members, and a hotspot whose title quotes a message the
public cannot read takes the earliest public member's title instead."""

from django.db import migrations, models

from minsheng.board.moderation import mask

PUBLIC = ["accepted", "dispatched", "signed", "replied", "evaluated", "closed", "merged"]  # Status.public()


def count_public(apps, schema_editor):
    Hotspot = apps.get_model("insight", "Hotspot")
    HotspotMember = apps.get_model("insight", "HotspotMember")
    public = {}
    for hotspot_id, title, at, pk in (HotspotMember.objects.filter(message__status__in=PUBLIC)
                                      .values_list("hotspot_id", "message__title", "message__submitted_at",
                                                   "message_id").iterator(chunk_size=5000)):
        public.setdefault(hotspot_id, []).append((at, pk, mask(title)[:200]))
    changed = []
    for hotspot in Hotspot.objects.iterator(chunk_size=2000):  # no IN list: SQLite caps its parameters
        if hotspot.pk not in public:
            continue
        titles = [t for _, _, t in sorted(public[hotspot.pk])]
        hotspot.public_count = len(titles)
        if hotspot.title not in titles:
            hotspot.title = titles[0]
        changed.append(hotspot)
    Hotspot.objects.bulk_update(changed, ["public_count", "title"], batch_size=1000)


class Migration(migrations.Migration):

    dependencies = [
        ('insight', '0002_autodispatch'),
        ('board', '0004_message_dispatched_classified_indexes'),
    ]

    operations = [
        migrations.AddField(
            model_name='hotspot',
            name='public_count',
            field=models.PositiveIntegerField(default=0, verbose_name='公开留言数'),
        ),
        migrations.RunPython(count_public, migrations.RunPython.noop, elidable=True),
    ]
