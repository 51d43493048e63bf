from django.db import migrations

from minsheng.directory.pinyin import key_units


def rekey(apps, schema_editor):
    """The key of the units without a 简称 also holds the derived 简称 itself (pinyin.unit_key): 「住建局」
    typed in Chinese finds 定西市住房和城乡建设局 as 「zjj」 does."""
    Region = apps.get_model("directory", "Region")
    Unit = apps.get_model("directory", "Unit")
    units = list(Unit.objects.filter(short_name="").only("pk", "name", "short_name", "region_id"))
    if units:
        key_units(units, Region.objects.values_list("pk", "name", "parent_id"))
        Unit.objects.bulk_update(units, ["pinyin"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("directory", "0006_unit_derived_short_form"),
    ]

    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
