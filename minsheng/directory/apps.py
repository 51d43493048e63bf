from django.apps import AppConfig


class DirectoryConfig(AppConfig):
    name = "minsheng.directory"
    label = "directory"
