"""Progress of long commands (demo, classify, score-replies, find-duplicates, detect-hotspots, import-staff,
refresh-hotspots, refresh-stats): in place on a terminal, one line per update in a file or a pipe.

A carriage return moves back to the start of the line on a terminal only; written to a log
file or read through a pipe, 「留言 100/3000\\r留言 200/3000\\r…」 was one line of thirty counts.
"""

from __future__ import annotations

import sys

ERASE = "\x1b[K"  # erase to the end of the line: a shorter update leaves nothing of a longer one


def due(done: int, total: int, every: int) -> bool:
    """Whether the ``done``-th of ``total`` rows is one a long command counts: every ``every``-th, and the last
    of ``every`` or more (the CSV commands' ``csvio.row_counter``, detect-hotspots' ``cluster_batch``)."""
    return done % every == 0 or done == total >= every


class Progress:
    """The progress of one step, written to ``stream`` (a command's ``self.stdout`` or
    ``self.stderr``). On a terminal each update replaces the last; elsewhere each is a line
    of its own, and with ``done`` and ``total`` only the first of each tenth of the way and
    the last (a demo of 200,000 messages logs a dozen lines, not 2,000), each step counted so (a
    ``done`` below the last one starts the next step: detect-hotspots reads, then clusters).

    Used as a context manager, it ends its line on leaving, also on an error (the error is
    then read on a line of its own): kept with ``keep=True``, else erased on a terminal so
    the step's summary takes its place."""

    def __init__(self, stream, keep: bool = True, quiet: bool = False):
        self.stream = stream
        self.keep = keep
        self.quiet = quiet  # -v 0: no updates at all (the command's summary still says what it did)
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.tenth = -1
        self.done = 0
        self.open = False  # an update stands on the terminal's current line

    def __call__(self, text: str, done: int | None = None, total: int | None = None) -> None:
        if self.quiet:
            return
        if self.tty:
            self._write(f"\r{text}{ERASE}", ending="")
            self.open = True
            return
        if done is not None and total:
            if done < self.done:  # the command's next step counts from the start again
                self.tenth = -1
            self.done = done
            tenth = min(10, done * 10 // total)
            if tenth <= self.tenth and done < total:
                return
            self.tenth = tenth
        self._write(text)

    def _write(self, text: str, ending: str = "\n") -> None:
        # Standard output waits in a block buffer when it is a file or a pipe: in a cron log
        # that takes both streams, refresh-stats' 「1/1 messages」 (stderr) came before its own
        # 「rebuilding …」 (stdout), right under the error of the command run before it.
        sys.stdout.flush()
        self.stream.write(text, ending=ending)
        self.stream.flush()

    def end(self, keep: bool | None = None) -> None:
        """End the update line on a terminal (nothing to do elsewhere)."""
        if self.open:
            keep = self.keep if keep is None else keep
            self.stream.write("\n" if keep else f"\r{ERASE}", ending="")
            self.stream.flush()
            self.open = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc) -> None:
        self.end(keep=True if exc[0] is not None else None)
