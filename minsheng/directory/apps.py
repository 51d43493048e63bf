from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "minsheng.directory"
    label = "directory"
    verbose_name = "目录与权责清单"
