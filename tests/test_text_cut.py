"""``minsheng.text_cut.cut``, which every message quoting a long value and every cut file name or title uses."""

import pytest

from minsheng.text_cut import cut


@pytest.mark.parametrize(("text", "width", "within", "shown"), [
    ("abc", 3, False, "abc"),  # as long as the width: whole, no 「…」
    ("abcd", 3, False, "abc…"),  # 「…」 after the width's characters (an echoed value, a code in a notice)
    ("abc", 3, True, "abc"),
    ("abcd", 3, True, "ab…"),  # 「…」 within the width (a title, a part of a file name)
    ("", 3, False, ""),
])
def test_a_text_past_the_width_is_cut_and_ends_in_an_ellipsis(text, width, within, shown):
    assert cut(text, width, mark_within=within) == shown
