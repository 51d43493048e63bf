"""A value quoted back in a message or a name, cut to a width: its first characters and 「…」 when there were
more. Web pages, API errors, command errors and file names quote what a user or a file gave, and a pasted
paragraph or a shifted column would otherwise come back whole (or cut with nothing to say it was)."""


def cut(text: str, width: int, *, mark_within: bool = False) -> str:
    """``text`` whole when it has at most ``width`` characters, else its first ones and 「…」: ``width`` of them and
    the 「…」 after, or with ``mark_within`` ``width - 1`` of them so that the 「…」 ends a text of ``width`` (a title,
    a part of a file name)."""
    if len(text) <= width:
        return text
    kept = width - 1 if mark_within else width
    return text[:kept] + "…"
