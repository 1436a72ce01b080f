"""Consistent copies of the database while the bot keeps running."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from pathlib import Path

import aiosqlite

from storage.database import Database, connect


async def backup(db: Database, target_path: str | Path) -> Path:
    """Copy the database to `target_path` with SQLite's online backup API; the path.

    A file database is copied through a connection of its own, which in WAL mode reads
    one snapshot of committed data while the bot goes on writing. An in-memory one can
    only be read through the bot's connection, so that copy waits for the writer lock.
    The copy is written next to the target and renamed over it at the end, so a backup
    interrupted halfway never leaves a truncated file under the target's name.
    """
    target = Path(target_path)
    partial = target.with_name(f".{target.name}.partial")
    with contextlib.suppress(FileNotFoundError):
        partial.unlink()
    # The copy is made on the source connection's thread; the target must allow that.
    dest = await aiosqlite.connect(str(partial), check_same_thread=False)
    try:
        if db.in_memory:
            async with db.reading() as conn:
                await _copy(conn, dest)
        else:
            source = await connect(db.path)
            try:
                await _copy(source, dest)
            finally:
                await source.close()
        # A backup should be one self-contained file, whatever the live database uses.
        await dest.execute("PRAGMA journal_mode = DELETE")
        check = await dest.execute_fetchall("PRAGMA quick_check")
        if [tuple(row) for row in check] != [("ok",)]:
            raise sqlite3.DatabaseError(f"backup copy failed its check: {list(check)}")
    except BaseException:
        await dest.close()
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
        raise
    await dest.close()
    os.replace(partial, target)
    return target


async def _copy(source: aiosqlite.Connection, dest: aiosqlite.Connection) -> None:
    # pages=-1 copies everything in one step, under one read transaction: the snapshot
    # cannot change halfway, so the copy never has to restart because of a write.
    await source.backup(dest, pages=-1)
