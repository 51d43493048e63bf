"""The `minsheng` console script: Django's manage.py, with dashed command names.

`minsheng train-classifier ...` runs the management command `train_classifier`.
"""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    argv[0] = "minsheng"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
    if len(argv) > 1 and not argv[1].startswith("-"):
        argv[1] = argv[1].replace("-", "_")
    from django.core.exceptions import ImproperlyConfigured

    try:
        from django.core.management import execute_from_command_line

        execute_from_command_line(argv)
    except ImproperlyConfigured as exc:
        sys.stderr.write(f"minsheng: configuration error: {exc}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
