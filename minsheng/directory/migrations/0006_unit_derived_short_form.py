from django.db import migrations

from minsheng.directory.pinyin import rekey_units_without_short_name


def rekey(apps, schema_editor):
    """The key of the units without a 简称: since pinyin.short_form, with the 简称 derived from the name,
    itself and in pinyin (pinyin.unit_key; 兰州市住房和城乡建设局: 住建局, found by 「住建局」 and 「zjj」)."""
    rekey_units_without_short_name(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("directory", "0005_region_updated_at"),
    ]

    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
