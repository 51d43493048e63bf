import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "minsheng.settings")
application = get_wsgi_application()

# Load jieba's dictionary now rather than on the first search (about 1 s per process).
from minsheng.insight.text import tokenize  # noqa: E402

tokenize("民声")

# The URLconf (every view, serializer and form it imports) and its reverse() tables, now: in
# the master that `minsheng serve` (--preload) forks, every worker starts with them. A worker's
# first page imported them itself, while its warm-up thread did the same (the first /stats/
# after a start on the demo: 2.9 s, 4.4 s on a busier machine; docs/statistics.md).
from django.urls import get_resolver  # noqa: E402

_resolver = get_resolver()
_resolver.reverse_dict  # noqa: B018 - imports the URLconf and fills the root's table
for _prefix, _namespace in _resolver.namespace_dict.values():
    _namespace.reverse_dict  # noqa: B018 - each app's table ({% url 'stats:…' %})
