from functools import reduce
from operator import or_

from django.db import migrations
from django.db.models import Q
from django.db.models.functions import Length

from minsheng.accounts.names import rekey_users

# the surnames pypinyin reads otherwise that names.SURNAMES reads since 2026-12-05 (later)
NEWLY_READ = ("乐", "都", "重", "柏", "折", "乜", "粘")


def key_names(apps, schema_editor):
    """The accounts whose name_key changed (2026-12-05): a name of one character, now read as a surname (曾
    zeng, not ceng), and the names beginning with a surname newly read as one (乐 yue, not le)."""
    User = apps.get_model("accounts", "User")
    one = User.objects.annotate(length=Length("display_name")).filter(length=1).values("pk")
    shown = Q(pk__in=one) | Q(display_name="", username__regex=r"^.$")
    shown |= reduce(or_, (Q(display_name__startswith=s) for s in NEWLY_READ))
    rekey_users(apps, only=shown & Q(closed_at__isnull=True))


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0009_user_name_key'),
    ]

    operations = [
        migrations.RunPython(key_names, migrations.RunPython.noop),
    ]
