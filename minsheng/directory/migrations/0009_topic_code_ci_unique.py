import django.db.models.functions.text
from django.core.management.base import CommandError
from django.db import migrations, models


def refuse_case_twins(apps, schema_editor):
    """The index below cannot be built over two codes that differ in case alone: say which, so the
    deployer renames one in the admin (or its topics.csv) rather than reading an IntegrityError."""
    Topic = apps.get_model("directory", "Topic")
    seen, twins = {}, []
    for code in Topic.objects.order_by("code").values_list("code", flat=True):
        if code.lower() in seen:
            twins.append(f"{seen[code.lower()]} / {code}")
        seen.setdefault(code.lower(), code)
    if twins:
        # CommandError: `minsheng migrate` prints this one line and exits 1, not a traceback
        raise CommandError(f"领域代码不区分大小写, 以下代码重复: {'; '.join(twins)}. 请先在后台修改, 每组只保留一个, 再执行 migrate")


class Migration(migrations.Migration):

    dependencies = [
        ('directory', '0008_unit_contact_phone'),
    ]

    operations = [
        migrations.RunPython(refuse_case_twins, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='topic',
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower('code'), name='directory_topic_code_ci_unique', violation_error_message='已有代码相同 (不区分大小写) 的领域'),
        ),
    ]
