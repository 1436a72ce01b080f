"""A progress bar for long operator commands, on stderr so that stdout stays the result.

On a terminal the bar is redrawn in place (only when what it shows changes); into a
file or a pipe (a log, CI) it writes one line per table instead of a stream of
carriage returns.
"""

from __future__ import annotations

from typing import TextIO

from storage.copy import Progress

WIDTH = 30


class ProgressBar:
    def __init__(self, stream: TextIO, *, width: int = WIDTH) -> None:
        self._stream = stream
        self._width = width
        self._interactive = stream.isatty()
        self._shown: tuple[str, int] | None = None

    def __call__(self, progress: Progress) -> None:
        percent = 100 if progress.total == 0 else progress.done * 100 // progress.total
        if self._interactive:
            if self._shown == (progress.table, percent):
                return
            self._shown = (progress.table, percent)
            filled = self._width * percent // 100
            bar = "#" * filled + "-" * (self._width - filled)
            line = f"[{bar}] {percent:3d}%  {progress.done:,}/{progress.total:,}  {progress.table}"
            self._stream.write(f"\r{line:<{self._width + 60}}")
        elif progress.table_done:
            self._stream.write(
                f"{percent:3d}%  {progress.done:,}/{progress.total:,}  {progress.table}\n"
            )
        self._stream.flush()

    def finish(self) -> None:
        if self._interactive and self._shown is not None:
            self._stream.write("\n")
            self._stream.flush()
