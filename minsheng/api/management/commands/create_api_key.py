"""`minsheng create-api-key NAME`: issue an Open311 API key; the key is the last line."""

from django.core.management.base import BaseCommand, CommandError

from minsheng.api.models import Open311Key


class Command(BaseCommand):
    help = "Issue an Open311 API key for an integrating system; prints the key as the last line."

    def add_arguments(self, parser):
        parser.add_argument("name", help="who uses the key, e.g. 兰州12345热线系统")

    def handle(self, *args, name, **options):
        name = name.strip()
        if not name:
            raise CommandError("NAME must not be empty")
        if any(not ch.isprintable() for ch in name):
            raise CommandError("NAME must not contain line breaks or control characters")
        if len(name) > 100:
            raise CommandError("NAME must be at most 100 characters")
        if Open311Key.objects.filter(name=name).exists():
            raise CommandError(f"an API key named {name!r} already exists (revoke it in the admin, or pick another name)")
        row, key = Open311Key.issue(name)
        self.stdout.write(f"Open311 API key #{row.pk} for {name!r} created; it is shown only once:")
        self.stdout.write(key)
