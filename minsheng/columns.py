"""Text lined up in a terminal (import-staff's new passwords, the demo's logins): a wide character
(汉字, a full-width letter) takes two columns there, so padding by characters put whatever followed a
Chinese name further right the longer the name."""

import unicodedata


def columns(text: str) -> int:
    """The columns a terminal gives ``text``."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def ljust(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` columns."""
    return text + " " * (width - columns(text))
