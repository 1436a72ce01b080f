"""Benchmark: what one SQLite statement costs through aiosqlite's thread.

    .venv/bin/python -m bench.sqlite_trips [--statements 20000]

aiosqlite runs every call in a thread of its own: the call is queued, the thread woken,
and the answer handed back to the event loop. On SQLite's small statements that trip
costs far more CPU than the statement itself, so what matters for a turn is how many
trips it makes. On a fresh database file (WAL, as chitieu opens it), CPU time per
statement, in microseconds, of:

- a primary-key read run in chitieu's own thread (sqlite3, no trip: the floor);
- the same read through aiosqlite (`execute_fetchall`: one trip);
- a lone UPDATE as chitieu ran it before 3 December 2026 (aiosqlite's `execute`, then
  its cursor's `close`: two trips) and as it runs it now (the backend's `execute`: one
  trip, the rows changed read from the connection's count of changes), side by side.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiosqlite

from bench.turns import machine
from storage import SystemClock
from storage.backends.sqlite import SQLiteBackend, connect

ROWS = 1000


async def per_statement(run: Callable[[int], Awaitable[object]], statements: int) -> float:
    """CPU microseconds per statement (the whole process: the loop and aiosqlite's thread)."""
    start = time.process_time()
    for n in range(statements):
        await run(n % ROWS)
    return (time.process_time() - start) / statements * 1e6


async def two_trips(raw: aiosqlite.Connection, n: int) -> int:
    cursor = await raw.execute("UPDATE t SET v = v + 1 WHERE id = ?", (n,))
    try:
        return cursor.rowcount
    finally:
        await cursor.close()


async def main(statements: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "trips.db")
        setup = sqlite3.connect(path)
        setup.execute("PRAGMA journal_mode = WAL")
        setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER NOT NULL)")
        setup.executemany("INSERT INTO t VALUES (?, 0)", [(n,) for n in range(ROWS)])
        setup.commit()

        async def in_thread(n: int) -> object:
            return setup.execute("SELECT v FROM t WHERE id = ?", (n,)).fetchall()

        floor = await per_statement(in_thread, statements)
        setup.close()

        raw = await connect(path)
        try:

            async def read(n: int) -> object:
                return await raw.execute_fetchall("SELECT v FROM t WHERE id = ?", (n,))

            async def before(n: int) -> object:
                return await two_trips(raw, n)

            one_read = await per_statement(read, statements)
            old = await per_statement(before, statements)
        finally:
            await raw.close()

        backend = await SQLiteBackend.open(path, SystemClock())
        try:

            async def now(n: int) -> object:
                changed = await backend.execute("UPDATE t SET v = v + 1 WHERE id = ?", (n,))
                assert changed == 1
                return changed

            new = await per_statement(now, statements)
        finally:
            await backend.close()

    print(f"machine: {machine()}")
    print(f"{statements} statements each, CPU per statement:")
    print(f"  read in the loop's own thread (no trip)     {floor:7.1f} µs")
    print(f"  read through aiosqlite (one trip)           {one_read:7.1f} µs")
    print(f"  lone UPDATE, execute + cursor close (before) {old:6.1f} µs")
    print(f"  lone UPDATE, backend execute (now)          {new:7.1f} µs   ({new / old:.2f}×)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, default=20000)
    args = parser.parse_args()
    asyncio.run(main(args.statements))
