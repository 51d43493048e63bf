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
            raise CommandError("NAME 不能为空")
        if any(not ch.isprintable() for ch in name):
            raise CommandError("NAME 不能含换行或控制字符")
        if len(name) > 100:
            raise CommandError("NAME 最多 100 个字符")
        if Open311Key.objects.filter(name=name).exists():
            raise CommandError(f"已有名为 {name!r} 的 API 密钥 (在后台停用它, 或换一个名字)")
        row, key = Open311Key.issue(name)
        self.stdout.write(f"已为 {name!r} 创建 Open311 API 密钥 #{row.pk}; 密钥只显示这一次:")
        self.stdout.write(key)
