"""minsheng import-directory DIR [--commit]: validate and apply the directory CSV files.

A dry run unless --commit. Every row is checked first; each problem is printed as one
line "file:line: message" and nothing changes when there is any."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from minsheng.directory import csvio

MAX_SHOWN = 100


def refuse(stderr, errors: list[str]) -> None:
    """Print the first MAX_SHOWN problems, a line each, and stop: nothing was written
    (import-directory, import-staff)."""
    for line in errors[:MAX_SHOWN]:
        stderr.write(line)
    if len(errors) > MAX_SHOWN:
        stderr.write(f"... 另有 {len(errors) - MAX_SHOWN} 处错误")
    raise CommandError(f"导入失败: {len(errors)} 处错误, 未做任何修改")


class Command(BaseCommand):
    help = "Import the directory from CSV files in DIR (regions.csv, units.csv, ...). Dry run unless --commit."

    def add_arguments(self, parser):
        parser.add_argument("folder", metavar="DIR",
                            help="folder holding any of regions.csv, units.csv, addressees.csv, topics.csv, "
                                 "responsibilities.csv (as export-directory writes them)")
        parser.add_argument("--commit", action="store_true", help="write the changes (default: dry run)")

    def handle(self, *args, folder, commit, **options):
        bundle, errors = csvio.read_directory(Path(folder))
        if not errors:
            counts = ", ".join(f"{name} {len(rows)} 行" for name, rows in bundle.rows.items())
            self.stdout.write(f"读取 {counts}; 校验中...")
            try:
                result = csvio.import_directory(bundle, commit=commit, progress=self.stdout.write)
            except csvio.DirectoryImportError as exc:
                errors = exc.errors
        if errors:
            refuse(self.stderr, errors)
        for note in result.notes:
            self.stdout.write(note)
        if commit:
            self.stdout.write(f"已导入: {result.summary()}")
        else:
            self.stdout.write(f"试运行 (未写入, 加 --commit 才会保存): {result.summary()}")
