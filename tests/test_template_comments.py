"""Django's ``{# … #}`` comments end on their line: one that runs over two lines is no comment
and is printed on the page (the staff queues' search box showed its note to officers, the
statistics lists theirs)."""

import re
from pathlib import Path

import minsheng

PACKAGE = Path(minsheng.__file__).parent


def test_every_one_line_comment_ends_on_its_line():
    unclosed = [f"{path.relative_to(PACKAGE)}:{number}"
                for path in sorted(PACKAGE.glob("**/templates/**/*.html"))
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                if re.search(r"\{#(?!.*#\})", line)]
    assert unclosed == [], "use {% comment %} … {% endcomment %} for a note over several lines"
