from django.db import migrations

from minsheng.directory.pinyin import key_units


def rekey(apps, schema_editor):
    """The key of the units without a 简称: since pinyin.short_form, with the 简称 derived from the name
    (兰州市住房和城乡建设局: 住建局, found by 「zjj」)."""
    Region = apps.get_model("directory", "Region")
    Unit = apps.get_model("directory", "Unit")
    units = list(Unit.objects.filter(short_name="").only("pk", "name", "short_name", "region_id"))
    if units:
        key_units(units, Region.objects.values_list("pk", "name", "parent_id"))
        Unit.objects.bulk_update(units, ["pinyin"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ("directory", "0005_region_updated_at"),
    ]

    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
