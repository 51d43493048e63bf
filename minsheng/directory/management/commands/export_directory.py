"""minsheng export-directory --out DIR: the directory as five CSV files."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from minsheng.directory import csvio
from minsheng.insight.csvio import CSVError


class Command(BaseCommand):
    help = "Export regions, units, addressees, topics and responsibilities as CSV files into DIR."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, metavar="DIR", help="folder to write the CSV files into (created if missing)")

    def handle(self, *args, out, **options):
        if not out.strip():
            raise CommandError("--out 不能为空: 请给出要写入的目录")
        folder = Path(out)
        if folder.exists() and not folder.is_dir():
            raise CommandError(f"{folder} 已存在且不是目录")
        try:
            counts = csvio.export_directory(folder)
        except CSVError as exc:  # a file that cannot be written: it names the file
            raise CommandError(str(exc)) from None
        except OSError as exc:
            raise CommandError(f"无法写入 {folder}: {exc.strerror or exc}") from None
        for name, count in counts.items():
            self.stdout.write(f"{folder / name}: {count} 行")
