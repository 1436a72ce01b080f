"""`python -m tests.bot.worker_process ARGS`: `chitieu ARGS` on the tests' clock, ticking
from the moment and monotonic origin in $CHITIEU_TEST_CLOCK ("ISO moment|origin"), so
that several bot processes and the test agree on the time, whatever the date."""

from __future__ import annotations

import datetime as dt
import os
import sys

from bot.cli import main
from tests.clock import TestClock

CLOCK = "CHITIEU_TEST_CLOCK"


def clock_setting(clock: TestClock) -> str:
    ticking = clock.ticking
    if ticking is None:
        raise ValueError("the clock must be running for other processes to follow it")
    moment, origin = ticking
    return f"{moment.isoformat()}|{origin!r}"


def run() -> int:
    moment, origin = os.environ[CLOCK].split("|")
    clock = TestClock(dt.datetime.fromisoformat(moment))
    clock.run(since=float(origin))
    return main(sys.argv[1:], clock=clock)


if __name__ == "__main__":
    sys.exit(run())
