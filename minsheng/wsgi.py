import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
application = get_wsgi_application()

# Load jieba's dictionary now rather than on the first search (about 1 s per process).
from minsheng.insight.text import tokenize  # noqa: E402

tokenize("民声")
