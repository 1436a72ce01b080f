"""The tests' clock: it stands still at a chosen moment until told to move or to run."""

from __future__ import annotations

import datetime as dt
import time


class TestClock:
    """Implements storage.Clock. `run()` lets it tick at real speed from where it stands,
    for tests of the sender, whose retries must come due; monotonic time, so moving the
    wall clock (the suite's runs at other dates) changes nothing here."""

    __test__ = False  # not a test class, despite its name

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the test clock needs a timezone-aware start")
        self._start = start
        self._origin: float | None = None

    def now(self) -> dt.datetime:
        if self._origin is None:
            return self._start
        return self._start + dt.timedelta(seconds=time.monotonic() - self._origin)

    def set(self, moment: dt.datetime) -> None:
        self._start = moment
        if self._origin is not None:
            self._origin = time.monotonic()

    def advance(self, delta: dt.timedelta) -> None:
        self.set(self.now() + delta)

    def run(self, *, since: float | None = None) -> None:
        """Tick at real speed from where the clock stands. `since`: the moment
        (time.monotonic(), one clock for every process of the machine) at which it
        stood there, so that the clocks of several processes made alike agree."""
        self._start = self.now()
        self._origin = time.monotonic() if since is None else since

    @property
    def ticking(self) -> tuple[dt.datetime, float] | None:
        """Where a running clock stood and when (for `run(since=...)`); None if still."""
        return None if self._origin is None else (self._start, self._origin)
