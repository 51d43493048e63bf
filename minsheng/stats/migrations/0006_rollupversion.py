from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("stats", "0005_rebuild_for_topic_kind_cube")]

    operations = [
        migrations.CreateModel(
            name="RollupVersion",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(default="0", max_length=32)),
            ],
        ),
    ]
