from django.db import migrations

from minsheng.directory.pinyin import rekey_units_without_short_name


def rekey(apps, schema_editor):
    """The key of the units without a 简称 also holds the derived 简称 itself (pinyin.unit_key): 「住建局」
    typed in Chinese finds 定西市住房和城乡建设局 as 「zjj」 does."""
    rekey_units_without_short_name(apps)


class Migration(migrations.Migration):

    dependencies = [
        ("directory", "0006_unit_derived_short_form"),
    ]

    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
