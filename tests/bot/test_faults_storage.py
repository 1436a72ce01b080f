"""A database that cannot be written, through the whole bot (python-telegram-bot's real
Application, the fake Bot API over HTTP, real SQLite): the process stays up, people are
told the system is busy, nothing is corrupted, and everything recovers by itself. And 50
members confirming at the same instant, with another process writing too: no "database
is locked", nothing lost."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest

from indicators.people import Role
from storage import Store
from storage.backends.sqlite import SQLiteBackend
from tests.bot.bot_process import listening, running, settings_for, until
from tests.bot.conftest import invite_code
from tests.bot.fake_bot_server import FakeBotServer, message, press
from tests.bot.fake_telegram import FakeBotApi
from tests.bot.telegram_session import Session, application
from tests.clock import TestClock

USER = 616161
BUSY = "Hệ thống đang bận, anh/chị vui lòng thử lại sau ít phút."


@asynccontextmanager
async def read_only(store: Store) -> AsyncIterator[None]:
    """Every write of the bot's connection refused by SQLite itself (SQLITE_READONLY, as
    for a file that became read-only), until the block ends."""
    backend = store.db
    assert isinstance(backend, SQLiteBackend)
    raw = backend._writer.raw
    async with backend._lock:
        await raw.execute("PRAGMA query_only = ON")
    try:
        yield
    finally:
        async with backend._lock:
            await raw.execute("PRAGMA query_only = OFF")


def no_trace_or_personal_data(caplog: pytest.LogCaptureFixture, *secrets: str) -> None:
    for record in caplog.records:
        assert record.exc_info is None, record.getMessage()
        for secret in secrets:
            assert secret not in record.getMessage()


async def integrity(store: Store) -> str:
    return str(await store.db.fetch_value("PRAGMA integrity_check"))


async def test_an_unwritable_database_is_answered_busy_and_waited_out(
    demo_db: str, clock: TestClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    server = FakeBotServer()
    async with await Store.open(demo_db, clock=clock) as store, listening(server) as url:
        code = await invite_code(store, "Thôn 2")
        async with running(settings_for(demo_db, url), store) as bot:
            server.push(message(USER, f"/start {code}", name="Hoàng Văn Tư"))
            await until(lambda: len(server.texts(USER)) == 1, bot=bot)  # welcome and menu
            async with read_only(store):
                # A message queued by another process meanwhile waits for the sender.
                async with await Store.open(demo_db, clock=clock) as other:
                    await other.outbox.enqueue("telegram", str(USER), {"text": "Thông báo họp"})
                server.push(message(USER, "/baocao"))
                await until(lambda: len(server.texts(USER)) == 2, bot=bot)
                assert server.texts(USER)[1] == BUSY
                server.push(message(USER, "Số liệu 0912345678"))
                await until(lambda: len(server.texts(USER)) == 3, bot=bot)
                assert server.texts(USER)[2] == BUSY
                await asyncio.sleep(1.5)  # the sender's and the inbox's loops back off
                assert not bot.done()
            # Recovered by itself: the same request now works, the message goes out.
            server.push(message(USER, "/baocao"))
            await until(lambda: len(server.texts(USER)) == 5, timeout=40, bot=bot)
            await asyncio.sleep(0.5)
        texts = server.texts(USER)
        assert any("Quý IV/2026" in t for t in texts[3:])
        assert texts.count("Thông báo họp") == 1
        assert await integrity(store) == "ok"
        # The two updates answered busy were not handled later.
        assert len(texts) == 5
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert any("answered busy" in w and "SQLITE_READONLY" in w for w in warnings)
    no_trace_or_personal_data(caplog, "Hoàng Văn Tư", "0912345678", code)


async def test_a_turn_meeting_an_unwritable_database_is_answered_busy_and_not_half_done(
    store: Store,
) -> None:
    api = FakeBotApi()
    async with application(store, api) as app:
        person = Session(app, api, USER)
        code = await invite_code(store, "Thôn 2")
        async with read_only(store):
            assert await person.say(f"/start {code}") == [BUSY]
        assert await store.people.by_identity("telegram", str(USER)) is None
        assert "Chào mừng" in (await person.say(f"/start {code}"))[0]
    assert await integrity(store) == "ok"


async def _inbox_done(store: Store, server: FakeBotServer) -> bool:
    if server.waiting:
        return False
    left = await store.db.fetch_value(
        "SELECT COUNT(*) FROM inbox WHERE handled_at IS NULL OR replied_at IS NULL"
    )
    return left == 0


def _other_process_writing(path: str, stop: threading.Event) -> int:
    """Short write transactions on the same file, as an operator's CLI makes them."""
    writes = 0
    with sqlite3.connect(path, isolation_level=None, timeout=5) as db:
        while not stop.is_set():
            db.execute("BEGIN IMMEDIATE")
            db.execute("UPDATE units SET name = name WHERE id = 1")
            db.execute("COMMIT")
            writes += 1
            stop.wait(0.005)
    return writes


async def test_fifty_members_confirming_at_the_same_instant(
    demo_db: str, clock: TestClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    server = FakeBotServer()
    members = [USER + n for n in range(50)]
    async with await Store.open(demo_db, clock=clock) as store, listening(server) as url:
        commune = (await store.units.by_name("Đồng Lạc", level="xã"))[0]
        codes = []
        for n in range(50):
            unit = await store.units.add(f"Xóm Thử {n + 1}", "thôn", commune.id)
            expires = clock.now() + dt.timedelta(days=1)
            codes.append(await store.invites.create(unit.id, Role.MEMBER, expires_at=expires))
        async with running(settings_for(demo_db, url), store) as bot:

            async def all_say(updates: list[dict]) -> None:
                before = {m: len(server.texts(m)) for m in members}
                for update in updates:
                    server.push(update)
                await until(lambda: all(len(server.texts(m)) > before[m] for m in members),
                            timeout=60, bot=bot)  # fmt: skip
                # Chats are handled side by side: every turn is over (its replies
                # delivered) only once the inbox has nothing left to handle or deliver.
                await until(lambda: _inbox_done(store, server), timeout=60, bot=bot)

            await all_say([message(m, f"/start {c}") for m, c in zip(members, codes, strict=True)])
            await all_say([message(m, "/baocao") for m in members])
            await all_say([press(m, server.button(m, "Bắt đầu")) for m in members])
            await all_say([message(m, "250/300") for m in members])
            for _ in range(6):
                if all(any(k["text"] == "Lưu" for row in server.keyboards[m] for k in row)
                       for m in members):  # fmt: skip
                    break
                await all_say([press(m, server.button(m, "Bỏ qua")) for m in members])
            stop = threading.Event()
            writer = asyncio.create_task(asyncio.to_thread(_other_process_writing, demo_db, stop))
            try:
                await all_say([press(m, server.button(m, "Lưu")) for m in members])
            finally:
                stop.set()
                other_writes = await writer
        assert other_writes > 0
        saved = [t for m in members for t in server.texts(m) if t.startswith("Đã lưu")]
        assert len(saved) == 50
        rows = await store.db.fetch_value(
            "SELECT COUNT(*) FROM report_values v JOIN units u ON u.id = v.unit_id"
            " WHERE u.name LIKE 'Xóm Thử %' AND v.indicator_code = '3.1'"
        )
        assert rows == 50
        assert await integrity(store) == "ok"
    assert not any("locked" in r.getMessage() for r in caplog.records)
    no_trace_or_personal_data(caplog)
