"""Progress of a long import on stderr: click's progress bar when stderr is a terminal (click
is the CLI's own, maintained library: no new dependency), otherwise a line at every tenth of
the way, which reads well in a log. Small jobs show nothing.
"""

from __future__ import annotations

import sys
from typing import Any, Self, TextIO

import click

SHOWN_FROM = 200  # units of work (rows, pictures): below this, a job ends before anyone waits


class Progress:
    def __init__(self, label: str, total: int, *, stream: TextIO | None = None, shown_from: int = SHOWN_FROM) -> None:
        self.label, self.total, self.done = label, total, 0
        self.stream = stream or sys.stderr
        self.shown = total >= shown_from
        self._bar: Any = None
        self._next_line = total / 10
        if self.shown and self.stream.isatty():
            self._bar = click.progressbar(length=total, label=label, file=self.stream, show_pos=True, show_eta=True)
            self._bar.__enter__()

    def advance(self, count: int = 1) -> None:
        self.done += count
        if not self.shown:
            return
        if self._bar is not None:
            self._bar.update(count)
        elif self.done >= self._next_line or self.done >= self.total:
            print(f"{self.label}: {min(self.done, self.total)}/{self.total}", file=self.stream, flush=True)
            while self._next_line <= self.done:
                self._next_line += self.total / 10

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
