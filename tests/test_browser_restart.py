"""The worker's one Chromium (tests/conftest.py ``_chromium``) outlives a crash: when its browser process or its
Playwright driver dies between two browser tests (a crash, the OOM killer on a loaded machine), the next test's
``browser`` fixture still opens pages, in a Chromium started again. Before, ``is_connected()`` alone was asked:
it says True until an event of the driver's is read, and never anything else once the driver itself is gone, so the
test after a dead browser failed, and after a dead driver every later browser test of the worker."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from .test_browser import CHROMIUM, _OneTestsBrowser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium"),
]


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _driver_pid(chromium) -> int:
    return chromium._manager._client._transport._proc.pid


def _kill(chromium, victim: str) -> int:
    """Kill the Chromium process of the worker's browser, or its Playwright driver, as the OOM killer would."""
    driver = _driver_pid(chromium)
    pid = driver
    if victim == "browser":
        pid = next(child for child in _children(driver) if "chrom" in Path(f"/proc/{child}/comm").read_text())
    os.kill(pid, signal.SIGKILL)
    return pid


@pytest.mark.parametrize("victim", ["browser", "driver"])
def test_the_next_tests_browser_opens_pages_after_a_dead_browser_or_driver(_chromium, victim):
    _OneTestsBrowser(_chromium.get()).close()  # an earlier browser test's: the worker's Chromium is up
    killed = _kill(_chromium, victim)

    browser = _OneTestsBrowser(_chromium.get())  # what the next test's ``browser`` fixture gets
    try:
        page = browser.new_page()
        page.set_content("<p id=note>民声</p>")
        assert page.text_content("#note") == "民声"
    finally:
        browser.close()
    assert killed not in (_driver_pid(_chromium), *_children(_driver_pid(_chromium)))
