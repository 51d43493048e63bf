"""minsheng import-staff --data staff.csv [--commit] [--reactivate]: create and update staff accounts and
their roles (minsheng.accounts.staffcsv).

A dry run unless --commit. Every row is checked first; each problem is printed as one line
"file:line: message" and nothing changes when there is any. The initial password of each
new account is printed once, here and nowhere else."""

from pathlib import Path

from django.core.management.base import BaseCommand

from minsheng.accounts import staffcsv
from minsheng.columns import columns, ljust
from minsheng.directory.csvio import DirectoryImportError
from minsheng.directory.management.commands.import_directory import refuse
from minsheng.progress import Progress


class Command(BaseCommand):
    help = ("Create or update staff accounts and their roles from a CSV file (one row per role: username, "
            "display_name, role, unit_name, region_code, phone, email, password). Dry run unless --commit.")

    def add_arguments(self, parser):
        parser.add_argument("--data", required=True, metavar="FILE", help="the CSV file (UTF-8), as docs/deploy.md shows")
        parser.add_argument("--commit", action="store_true", help="write the changes (default: dry run)")
        parser.add_argument("--reactivate", action="store_true",
                            help="make deactivated accounts listed in the file active again (default: they stay deactivated)")

    def handle(self, *args, data, commit, reactivate, **options):
        rows, errors = staffcsv.read_staff(Path(data))
        if not errors:
            self.stdout.write(f"读取 {Path(data).name} {len(rows)} 行; 校验中...")
            try:
                with Progress(self.stderr) as progress:  # the passwords' hashes take minutes for hundreds
                    result = staffcsv.import_staff(
                        rows, commit=commit, reactivate=reactivate, progress=lambda done, total: progress(f"  账号 {done}/{total}", done, total))
            except DirectoryImportError as exc:
                errors = exc.errors
        if errors:
            refuse(self.stderr, errors)
        if not commit:
            self.stdout.write(f"试运行 (未写入, 加 --commit 才会保存): {result.summary()}")
            return
        self.stdout.write(f"已导入: {result.summary()}")
        generated = [(u, name, p) for u, name, p in result.created if p]
        if generated:
            self.stdout.write("新账号的初始密码 (只显示这一次, 请妥善转交本人):")
            width = max(columns(u) for u, _, _ in generated)
            for username, name, password in generated:
                self.stdout.write(f"  {ljust(username, width)}  {password}  {name}".rstrip())
