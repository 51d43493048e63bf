"""The worker's one Chromium (tests/conftest.py ``_chromium``) outlives a crash or a hang: when its browser process
or its Playwright driver dies between two browser tests (a crash, the OOM killer on a loaded machine), or hangs
without dying, the next test's ``browser`` fixture still opens pages, in a Chromium started again. Before,
``is_connected()`` alone was asked: it says True until an event of the driver's is read, and never anything else
once the driver itself is gone, so the test after a dead browser failed, and after a dead driver every later
browser test of the worker; and the call that asks them (a browser CDP session) had no time limit, so a hung one
would have stalled the worker's later tests and the run's end."""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path

import pytest

from .conftest import playwright_driver, process_children
from .test_browser import CHROMIUM, _OneTestsBrowser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="system Chromium not installed at /usr/bin/chromium"),
    pytest.mark.skipif(
        not sys.platform.startswith("linux")
        or not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists(),
        reason="finds the Playwright driver and its Chromium in /proc/<pid>/task/<pid>/children (Linux)",
    ),
]


def _victim(which: str) -> int:
    """The process of the worker's Playwright driver (``node … run-driver``, a child of this one), or of the
    Chromium it launched."""
    driver = playwright_driver()
    if driver is None:
        pytest.skip("no Playwright driver (`run-driver`) among this process's children")
    if which == "driver":
        return driver
    return next(
        child for child in process_children(driver) if "chrom" in Path(f"/proc/{child}/comm").read_text()
    )


@pytest.mark.parametrize(
    ("victim", "sent"),
    [
        ("browser", signal.SIGKILL),
        ("driver", signal.SIGKILL),
        ("browser", signal.SIGSTOP),
        ("driver", signal.SIGSTOP),
    ],
    ids=["dead browser", "dead driver", "hung browser", "hung driver"],
)
def test_the_next_tests_browser_opens_pages_after_a_dead_or_hung_browser_or_driver(
    _chromium, monkeypatch, victim, sent
):
    _OneTestsBrowser(_chromium.get()).close()  # an earlier browser test's: the worker's Chromium is up
    monkeypatch.setattr(_chromium, "probe_seconds", 2)  # a hung one is given up after that (10 s in a run)
    pid = _victim(victim)
    os.kill(pid, sent)  # as the OOM killer would, or a process that no longer answers

    started = time.monotonic()
    browser = _OneTestsBrowser(_chromium.get())  # what the next test's ``browser`` fixture gets
    try:
        page = browser.new_page()
        page.set_content("<p id=note>民声</p>")
        assert page.text_content("#note") == "民声"
    finally:
        browser.close()
    assert time.monotonic() - started < 30
    driver = playwright_driver()
    assert driver is not None and pid not in (driver, *process_children(driver))
