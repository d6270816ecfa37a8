"""A progress bar on stderr for long work, drawn by Rich only when it is worth it.

SPEC §3: shown when stderr is a terminal and the work lasts more than about half
a second, never when piped. Until half a second has passed nothing is drawn and
Rich is not imported, so short runs cost nothing.
"""

from __future__ import annotations

import sys
import time

DELAY = 0.5  # seconds of work before a bar appears


class Progress:
    """`with Progress("checking", total=n) as bar: ... bar.advance()`."""

    def __init__(self, description: str, total: int | None = None) -> None:
        self.description = description
        self.total = total
        self.done = 0
        self.started = time.monotonic()
        self.enabled = bool(getattr(sys.stderr, "isatty", lambda: False)())
        self._bar = None
        self._task = None

    def __enter__(self) -> Progress:
        return self

    def advance(self, steps: int = 1, *, total: int | None = None) -> None:
        self.done += steps
        if total is not None:
            self.total = total
        if not self.enabled:
            return
        if self._bar is None:
            if time.monotonic() - self.started < DELAY:
                return
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as Bar

            self._bar = Bar(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                            TimeElapsedColumn(), console=Console(file=sys.stderr),
                            transient=True)
            self._bar.start()
            self._task = self._bar.add_task(self.description, total=self.total)
        self._bar.update(self._task, completed=self.done, total=self.total)

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()
