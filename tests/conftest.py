"""The whole suite: optionally run with the wall clock moved to another moment.

Nothing in chitieu reads the wall clock except `storage.clock.SystemClock`, and the tests
give every part a `TestClock` instead. To prove it, `scripts/test.sh` runs the
date-sensitive tests again with the machine's clock moved (time-machine), e.g.:

    CHITIEU_TEST_WALL_CLOCK=2027-01-01T06:00:00+07:00 .venv/bin/python -m pytest tests/bot

A test that passes only on today's date fails there.

The PostgreSQL tests (marked `postgresql`) share one throwaway server per run
(tests/postgres_server.py); `pytest -m "not postgresql"` runs the SQLite part alone.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest

from tests.postgres_server import PostgresServer, find_bindir, unavailable

WALL_CLOCK = "CHITIEU_TEST_WALL_CLOCK"


@pytest.fixture(autouse=True, scope="session")
def _moved_wall_clock() -> Iterator[None]:
    moment = os.environ.get(WALL_CLOCK)
    if not moment:
        yield
        return
    import time_machine

    # tick=True: time goes on from there, so timeouts and sleeps behave as usual.
    with time_machine.travel(dt.datetime.fromisoformat(moment), tick=True):
        yield


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole run, started on first use."""
    bindir = find_bindir()
    if bindir is None:
        unavailable("no PostgreSQL server binaries (initdb, pg_ctl) found")
    server = PostgresServer(bindir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A test marked `postgresql` itself is about PostgreSQL only: its run with the
    `backend` fixture on SQLite is dropped."""
    postgres_only_on_sqlite = [
        item
        for item in items
        if getattr(item, "callspec", None) is not None
        and item.callspec.params.get("backend") == "sqlite"  # type: ignore[attr-defined]
        and item.get_closest_marker("postgresql") is not None
    ]
    if postgres_only_on_sqlite:
        config.hook.pytest_deselected(items=postgres_only_on_sqlite)
        items[:] = [item for item in items if item not in postgres_only_on_sqlite]


def pytest_report_header() -> str:
    moment = os.environ.get(WALL_CLOCK)
    return f"wall clock moved to {moment}" if moment else "wall clock: the machine's"
