"""The inbox, update marks keyed by bot, and a database that cannot work now raising the
storage layer's StorageUnavailable (never sqlite3's own error)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from storage import Arrival, StorageUnavailable, Store
from storage.backends.sqlite import SQLiteBackend
from tests.clock import TestClock
from tests.statements import statements


@pytest.fixture
async def sqlite_file(db_path: Path, clock: TestClock) -> AsyncIterator[Store]:
    """A WAL SQLite file: the faults below are made by SQLite itself."""
    async with await Store.open(db_path, clock=clock) as opened:
        yield opened


def _raw(store: Store):  # the writer connection, to make SQLite itself refuse writes
    backend = store.db
    assert isinstance(backend, SQLiteBackend)
    return backend._writer.raw


async def test_a_read_only_database_raises_storage_unavailable(sqlite_file: Store) -> None:
    await _raw(sqlite_file).execute("PRAGMA query_only = ON")
    with pytest.raises(StorageUnavailable, match="SQLITE_READONLY") as caught:
        await sqlite_file.updates.mark_processed("telegram", 1)
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    await _raw(sqlite_file).execute("PRAGMA query_only = OFF")
    assert await sqlite_file.updates.mark_processed("telegram", 1)


async def test_a_full_database_raises_storage_unavailable_and_keeps_what_it_had(
    sqlite_file: Store,
) -> None:
    raw = _raw(sqlite_file)
    pages = await sqlite_file.db.fetch_value("PRAGMA page_count")
    await raw.execute(f"PRAGMA max_page_count = {pages}")  # "disk full" from here on
    with pytest.raises(StorageUnavailable, match="SQLITE_FULL"):
        for n in range(10_000):
            await sqlite_file.outbox.enqueue("telegram", str(n), {"text": "x" * 500})
    await raw.execute("PRAGMA max_page_count = 1073741823")
    assert await sqlite_file.db.fetch_value("PRAGMA integrity_check") == "ok"
    await sqlite_file.outbox.enqueue("telegram", "after", {"text": "again"})


async def test_a_syntax_error_is_not_taken_for_unavailability(sqlite_file: Store) -> None:
    with pytest.raises(sqlite3.OperationalError):
        async with sqlite_file.transaction() as tx:
            await tx.execute("SELEC 1")


async def test_update_marks_are_per_bot(store: Store) -> None:
    assert await store.updates.mark_processed("telegram", 5, bot="1@api.telegram.org")
    assert not await store.updates.mark_processed("telegram", 5, bot="1@api.telegram.org")
    assert await store.updates.mark_processed("telegram", 5, bot="2@api.telegram.org")
    assert await store.updates.mark_processed("telegram", 5, bot="1@bot.example.vn")


async def test_the_inbox_records_once_hands_out_in_order_and_keeps_unfinished_work(
    store: Store, clock: TestClock
) -> None:
    bot = "1@api.telegram.org"
    arrivals = [Arrival(str(n), "42", {"update_id": n}) for n in (7, 8, 9)]
    assert await store.inbox.record("telegram", bot, arrivals) == 3
    assert await store.inbox.record("telegram", bot, arrivals[1:]) == 0  # redelivered
    assert [u.update_id for u in await store.inbox.unhandled("telegram", bot)] == ["7", "8", "9"]
    assert await store.inbox.unhandled("telegram", "2@api.telegram.org") == []
    assert await store.inbox.handled("telegram", bot, "7", [{"text": "Đã lưu"}])
    assert not await store.inbox.handled("telegram", bot, "7")  # once
    assert await store.inbox.handled("telegram", bot, "8")  # nothing to deliver
    [cut_off] = await store.inbox.unreplied("telegram", bot)
    assert (cut_off.update_id, cut_off.replies) == ("7", [{"text": "Đã lưu"}])
    clock.advance(dt.timedelta(days=8))
    assert await store.inbox.prune(clock.now() - dt.timedelta(days=7)) == 1  # 8 only
    assert await store.inbox.replied("telegram", bot, "7")
    assert await store.inbox.prune(clock.now() - dt.timedelta(days=7)) == 1
    assert [u.update_id for u in await store.inbox.unhandled("telegram", bot)] == ["9"]


async def test_marking_an_update_handled_marks_earlier_deliveries_in_the_same_statement(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The turn of a chat's next update marks the replies of the ones before delivered:
    only handled ones waiting for that mark, and with the turn (undone with it)."""
    bot = "1@api.telegram.org"
    arrivals = [Arrival(str(n), "42", {"update_id": n}) for n in (1, 2, 3, 4)]
    await store.inbox.record("telegram", bot, arrivals)
    reply = [{"text": "Đã ghi"}]
    assert await store.inbox.handled("telegram", bot, "1", reply)
    with pytest.raises(ZeroDivisionError):
        async with store.transaction():
            assert await store.inbox.handled("telegram", bot, "2", reply, replied=["1"])
            _ = 1 / 0
    assert [u.update_id for u in await store.inbox.unreplied("telegram", bot)] == ["1"]
    with statements(monkeypatch) as seen:
        async with store.transaction():
            # 3 is not handled yet: not marked delivered by this
            assert await store.inbox.handled("telegram", bot, "2", reply, replied=["1", "3"])
    assert [sql.split()[0] for sql in seen if "SAVEPOINT" not in sql] == ["UPDATE"]
    assert [u.update_id for u in await store.inbox.unreplied("telegram", bot)] == ["2"]
    assert [u.update_id for u in await store.inbox.unhandled("telegram", bot)] == ["3", "4"]
    # Handled already: False, as without marks; the delivery is marked all the same.
    assert not await store.inbox.handled("telegram", bot, "1", replied=["2"])
    assert await store.inbox.unreplied("telegram", bot) == []
    assert await store.inbox.handled("telegram", bot, "3", replied=["2"])  # alone
    assert [u.update_id for u in await store.inbox.unhandled("telegram", bot)] == ["4"]


async def test_a_burst_is_skipped_together_from_the_update_on_and_only_its_senders(
    store: Store, clock: TestClock
) -> None:
    bot = "1@api.telegram.org"
    burst = [Arrival(str(n), "-5", {"update_id": n}, sender_key="7") for n in range(1, 6)]
    other = Arrival("9", "-5", {"update_id": 9}, sender_key="8")  # same group, another person
    await store.inbox.record("telegram", bot, [*burst, other])
    clock.advance(dt.timedelta(seconds=1))
    later = Arrival("10", "-5", {"update_id": 10}, sender_key="7")  # a batch of its own
    await store.inbox.record("telegram", bot, [later])
    rows = await store.inbox.unhandled("telegram", bot)
    third = next(r for r in rows if r.update_id == "3")
    assert sorted(await store.inbox.skip_burst("telegram", bot, third, "flood")) == ["3", "4", "5"]
    assert await store.inbox.skip_burst("telegram", bot, third, "flood") == []  # once
    left = [r.update_id for r in await store.inbox.unhandled("telegram", bot)]
    assert left == ["1", "2", "9", "10"]


async def test_pending_says_when_each_senders_update_some_way_back_arrived(
    store: Store, clock: TestClock
) -> None:
    """What the flood check needs of each update without a read of its own: when the
    update of the same person in the same chat `back` before it arrived, none when
    there is no such update; other people's updates and other chats count apart."""
    bot = "1@api.telegram.org"
    group = "-5"
    sent: dict[str, dt.datetime] = {}
    for n in range(1, 6):
        await store.inbox.record(
            "telegram", bot, [Arrival(str(n), group, {"update_id": n}, sender_key="7")]
        )
        sent[str(n)] = clock.now()
        clock.advance(dt.timedelta(seconds=10))
    await store.inbox.record(  # someone else in the same group, counted apart
        "telegram", bot, [Arrival("9", group, {"update_id": 9}, sender_key="8")]
    )
    await store.inbox.record(
        "telegram", bot, [Arrival("6", "42", {"update_id": 6}, sender_key="7")]
    )
    await store.db.execute(
        "INSERT INTO inbox_chats (channel, bot, chat_key, claimed_by) VALUES (?, ?, ?, ?)",
        ("telegram", bot, group, "w"),
    )
    _, rows = await store.inbox.pending("telegram", bot, group, "w", 20, back=2)
    back = {row.update_id: row.back_at for row in rows}
    assert back == {"1": None, "2": None, "3": sent["1"], "4": sent["2"], "5": sent["3"], "9": None}
