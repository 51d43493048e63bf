"""minsheng load-directory: create or update the demo directory (甘肃省). Idempotent."""

from django.core.management.base import BaseCommand, CommandError

from minsheng.directory import csvio, demo_data


class Command(BaseCommand):
    help = "Load the demo directory (甘肃省: regions, units, addressees, topics, responsibilities). Idempotent."

    def handle(self, *args, **options):
        try:
            result = load(progress=None)
        except csvio.DirectoryImportError as exc:  # only if the built-in data were broken
            for line in exc.errors:
                self.stderr.write(line)
            raise CommandError(f"演示目录数据有误: {exc}")
        self.stdout.write(f"演示目录已载入: {result.summary()}")


def load(progress=None) -> csvio.Result:
    return csvio.import_directory(csvio.Bundle.from_dicts(demo_data.bundle()), commit=True, progress=progress)
