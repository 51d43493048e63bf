from django.db import migrations
from django.db.models import Q

from minsheng.directory.pinyin import pinyin_key

# the words pinyin.MISREAD gained after 0003_pinyin filled the keys (pypinyin read dangchang, kongdong, wudou)
WORDS = ("宕昌", "崆峒", "武都")


def rekey(apps, schema_editor):
    """The key of the regions and units named with one of WORDS, read as the words are said."""
    Region = apps.get_model("directory", "Region")
    Unit = apps.get_model("directory", "Unit")
    regions = list(Region.objects.filter(Q(*[("name__contains", w) for w in WORDS], _connector=Q.OR))
                   .only("pk", "name"))
    for region in regions:
        region.pinyin = pinyin_key(region.name)
    Region.objects.bulk_update(regions, ["pinyin"])
    named = Q(*[(f"{f}__contains", w) for w in WORDS for f in ("name", "short_name")], _connector=Q.OR)
    units = list(Unit.objects.filter(named).only("pk", "name", "short_name"))
    for unit in units:
        unit.pinyin = pinyin_key(unit.name, unit.short_name)
    Unit.objects.bulk_update(units, ["pinyin"])


class Migration(migrations.Migration):

    dependencies = [
        ("directory", "0003_pinyin"),
    ]

    operations = [
        migrations.RunPython(rekey, migrations.RunPython.noop),
    ]
