"""Chats never wait on each other: through python-telegram-bot's real Application and
the inbox against a fake Bot API over HTTP, a chat whose reply is stuck on the way holds
no other chat, each chat's updates are answered in the order they came, exactly once,
and a stop lets the turns being handled finish and leaves the rest for the next start."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import itertools
import operator
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

import pytest
from telegram.request import HTTPXRequest

from bot.intake import FLOOD_WINDOW, Intake
from bot.telegram_channel import CHANNEL, build_application, intake, poll
from handlers.app import build_router
from handlers.messages import Reply, Turn, TurnKind
from storage import Arrival, StorageUnavailable, Store
from storage.clock import to_db
from tests.bot.bot_process import listening, until
from tests.bot.conftest import invite_code, services_for
from tests.bot.fake_bot_server import TOKEN, FakeBotServer, message
from tests.clock import TestClock

STUCK = 616161
OTHER = 626262
NOT_REGISTERED = "chưa đăng ký"
NOTHING_TO_CANCEL = "Không có thao tác nào đang làm để hủy."
HELP = "Hướng dẫn sử dụng:"
HANG_GUARD = 60.0


@dataclass
class Serving:
    inbox: Intake
    run: asyncio.Task[None]
    polling: asyncio.Task[None]

    async def stop(self) -> None:
        """As `running_telegram` stops: receiving first, then the inbox's turns."""
        for task in (self.polling, self.run):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


@asynccontextmanager
async def serving(store: Store, url: str, *, pace_chats: bool = False) -> AsyncIterator[Serving]:
    """Receiving (long polling) and the inbox of the real Application, on an HTTP layer
    that waits for the fake server as long as it takes: a stuck send stays stuck, as a
    chat's replies waiting on Telegram's per-chat limit would. The fake has no per-chat
    limit, so each chat's turns are paced to it only with `pace_chats`."""
    request = HTTPXRequest(
        connection_pool_size=64, read_timeout=120, write_timeout=120, pool_timeout=120
    )
    router = build_router(services_for(store))
    application = build_application(
        TOKEN, router, base_url=url, request=request, pace_chats=pace_chats
    )
    async with application:
        inbox = intake(application)
        running = Serving(
            inbox,
            asyncio.create_task(inbox.run()),
            asyncio.create_task(poll(application.bot, inbox)),
        )
        try:
            yield running
        finally:
            await running.stop()


def sent_to(server: FakeBotServer, chat: int) -> int:
    """sendMessage calls to a chat that reached the server (answered or not yet)."""
    return sum(m == "sendMessage" and int(p["chat_id"]) == chat for m, p in server.calls)


async def test_a_chat_whose_reply_is_stuck_does_not_hold_another_chat(
    demo_db: str, clock: TestClock
) -> None:
    server = FakeBotServer()
    gate = server.gates[STUCK] = asyncio.Event()
    async with (
        await Store.open(demo_db, clock=clock) as store,
        listening(server) as url,
        serving(store, url),
    ):
        server.push(message(STUCK, "xin chào"))
        await until(lambda: sent_to(server, STUCK) == 1, timeout=HANG_GUARD)
        server.push(message(OTHER, "xin chào"))
        await until(lambda: bool(server.texts(OTHER)), timeout=HANG_GUARD)
        assert server.texts(STUCK) == []  # still on its way
        gate.set()
        await until(lambda: bool(server.texts(STUCK)), timeout=HANG_GUARD)
    for chat in (STUCK, OTHER):
        [answer] = server.texts(chat)
        assert NOT_REGISTERED in answer


async def test_a_chat_that_sends_many_at_once_is_answered_at_its_pace_and_holds_no_one(
    demo_db: str, clock: TestClock
) -> None:
    """Telegram takes one message a second to a person: four messages sent at once are
    answered a second apart, and someone else writing meanwhile is answered at once, even
    with one lane only: a lane waiting for its chat's pace holds no place."""
    server = FakeBotServer()
    async with (
        await Store.open(demo_db, clock=clock) as store,
        listening(server) as url,
        serving(store, url, pace_chats=True) as running,
    ):
        running.inbox.lanes = 1
        for _n in range(4):
            server.push(message(STUCK, "xin chào"))
        loop = asyncio.get_running_loop()
        seen: list[float] = []
        async with asyncio.timeout(HANG_GUARD):
            while len(seen) < 4:
                if len(server.texts(STUCK)) > len(seen):
                    seen.append(loop.time())
                    if len(seen) == 1:
                        server.push(message(OTHER, "xin chào"))
                        await until(lambda: bool(server.texts(OTHER)), timeout=HANG_GUARD)
                        assert len(server.texts(STUCK)) == 1  # the others still waiting
                await asyncio.sleep(0.005)
    gaps = [later - earlier for earlier, later in itertools.pairwise(seen)]
    assert all(gap >= 0.9 for gap in gaps), gaps
    assert all(NOT_REGISTERED in text for text in server.texts(STUCK))


async def _answered_all(store: Store, server: FakeBotServer, url: str) -> bool:
    """Every update handled and its replies delivered: a turn's messages are one or more."""
    bot = f"{server.bot_id}@{url.split('/')[2]}"
    if server.waiting or await store.inbox.unhandled(CHANNEL, bot):
        return False
    return not await store.inbox.unreplied(CHANNEL, bot)


def _pattern(n: int, chat: int) -> list[str]:
    """A different order of the two commands for every chat."""
    return ["/huy" if (n * 7 + chat) % 3 else "/trogiup" for n in range(n)]


def _kind(text: str) -> str:
    if text == NOTHING_TO_CANCEL:
        return "/huy"
    assert text.startswith(HELP), text
    return "/trogiup"


async def test_each_chats_quick_messages_are_answered_in_order_once(
    demo_db: str, clock: TestClock
) -> None:
    chats = [700_001 + n for n in range(5)]
    server = FakeBotServer()
    async with await Store.open(demo_db, clock=clock) as store, listening(server) as url:
        async with serving(store, url):
            for chat in chats:
                server.push(message(chat, f"/start {await invite_code(store, 'Thôn 2')}"))
            await until(lambda: all(server.texts(c) for c in chats), timeout=HANG_GUARD)
            await until(lambda: _answered_all(store, server, url), timeout=HANG_GUARD)
            joined = {chat: len(server.texts(chat)) for chat in chats}
            clock.advance(FLOOD_WINDOW + dt.timedelta(seconds=1))  # 20 more is no flood
            said = {chat: _pattern(20, chat) for chat in chats}
            for n in range(20):  # interleaved, as many people typing at once
                for chat in chats:
                    server.push(message(chat, said[chat][n]))
            await until(
                lambda: all(len(server.texts(c)) >= joined[c] + 20 for c in chats),
                timeout=HANG_GUARD,
            )
            await until(lambda: not server.waiting, timeout=HANG_GUARD)
        for chat in chats:
            answers = server.texts(chat)[joined[chat] :]
            assert [_kind(text) for text in answers] == said[chat]
        bot = f"{server.bot_id}@{url.split('/')[2]}"
        assert await store.inbox.unhandled(CHANNEL, bot) == []
        assert await store.inbox.unreplied(CHANNEL, bot) == []


async def test_a_stop_finishes_the_turns_under_way_and_leaves_the_rest_for_the_next_start(
    demo_db: str, clock: TestClock
) -> None:
    server = FakeBotServer()
    gate = server.gates[STUCK] = asyncio.Event()
    async with await Store.open(demo_db, clock=clock) as store, listening(server) as url:
        code = await invite_code(store, "Thôn 2")
        async with serving(store, url) as running:
            server.push(message(STUCK, f"/start {code}"))
            server.push(message(STUCK, "/huy"))
            server.push(message(STUCK, "/trogiup"))
            server.push(message(OTHER, "xin chào"))
            await until(lambda: sent_to(server, STUCK) == 1, timeout=HANG_GUARD)
            await until(lambda: bool(server.texts(OTHER)), timeout=HANG_GUARD)
            lane = running.inbox._lanes[str(STUCK)]
            stopping = asyncio.create_task(running.stop())
            await until(lambda: bool(lane.cancelling()), timeout=HANG_GUARD)
            gate.set()  # the welcome goes out while the stop waits for it
            await stopping
            bot = running.inbox.bot
        texts = server.texts(STUCK)
        assert len(texts) == 1  # welcome and menu, one message; nothing more
        assert "Chào mừng" in texts[0] and "anh/chị muốn làm gì?" in texts[0]
        left = await store.inbox.unhandled(CHANNEL, bot)
        assert [row.payload["message"]["text"] for row in left] == ["/huy", "/trogiup"]
        assert await store.inbox.unreplied(CHANNEL, bot) == []
        async with serving(store, url):
            await until(lambda: len(server.texts(STUCK)) >= 3, timeout=HANG_GUARD)
        assert [_kind(text) for text in server.texts(STUCK)[1:]] == ["/huy", "/trogiup"]
        assert await store.inbox.unhandled(CHANNEL, bot) == []


async def test_chats_of_a_dead_process_of_this_machine_are_taken_at_once(
    demo_db: str, clock: TestClock
) -> None:
    """A process SIGKILLed just before a restart leaves leases that would hold its chats
    for CHITIEU_INBOX_LEASE: the restarted one sees that their holder is gone and takes
    them at once (the test clock stands still, so no lease ever runs out here). A chat
    held by a live process stays its own."""
    gone = await asyncio.create_subprocess_exec("true")
    await gone.wait()
    host = socket.gethostname()
    server = FakeBotServer()
    async with await Store.open(demo_db, clock=clock) as store, listening(server) as url:
        bot = f"{server.bot_id}@{url.split('/')[2]}"
        later = to_db(clock.now() + dt.timedelta(days=1))
        for chat, holder in (
            (STUCK, f"{host}:{gone.pid}:dead"),
            (OTHER, f"{host}:{os.getpid()}:x"),
        ):
            await store.inbox.record(
                CHANNEL,
                bot,
                [Arrival(str(chat), str(chat), {"update_id": chat, **message(chat, "xin chào")})],
            )
            async with store.transaction() as tx:
                await tx.execute(
                    "INSERT INTO inbox_chats (channel, bot, chat_key, claimed_by, lease_until)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (CHANNEL, bot, str(chat), holder, later),
                )
        async with serving(store, url):
            await until(lambda: bool(server.texts(STUCK)), timeout=HANG_GUARD)
        assert NOT_REGISTERED in server.texts(STUCK)[0]
        assert server.texts(OTHER) == []
        [left] = await store.inbox.unhandled(CHANNEL, bot)
        assert left.chat_key == str(OTHER)


async def test_a_chat_not_given_back_during_a_fault_is_answered_again_once_it_clears(
    demo_db: str, clock: TestClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lane whose chat could not be given back (the database failed at that moment)
    leaves it claimed by this process, and the lease renewal would keep it so: the chat
    is given back as soon as the database works, instead of never being answered again
    (the test clock stands still, so no lease runs out here)."""
    server = FakeBotServer()
    async with await Store.open(demo_db, clock=clock) as store, listening(server) as url:
        real = store.inbox.release
        failures = [StorageUnavailable("disk full")]

        async def failing_once(*args: str, **kwargs: Any) -> bool:
            if failures:
                raise failures.pop()
            return await real(*args, **kwargs)

        monkeypatch.setattr(store.inbox, "release", failing_once)
        async with serving(store, url):
            server.push(message(OTHER, "xin chào"))
            await until(lambda: len(server.texts(OTHER)) == 1, timeout=HANG_GUARD)
            await until(lambda: not failures, timeout=HANG_GUARD)
            server.push(message(OTHER, "/trogiup"))
            await until(lambda: len(server.texts(OTHER)) == 2, timeout=HANG_GUARD)
        assert NOT_REGISTERED in server.texts(OTHER)[1]


async def test_an_update_that_comes_while_its_chat_is_handled_is_handled_next(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A chat is given back after its last update only if nothing came meanwhile (one
    statement: a person who waits for each answer costs one read of the inbox a turn,
    not a second one that finds nothing); what came meanwhile is handled next."""
    gate = asyncio.Event()
    seen: list[str] = []

    async def process(row: Any) -> None:
        seen.append(row.update_id)
        if row.update_id == "1":
            await gate.wait()

    async def tell_busy(arrivals: Any) -> None:
        raise AssertionError("the database took every update")

    looks: list[str] = []  # the chats whose inbox rows were read
    real_pending = store.inbox.pending

    async def pending(channel: str, bot: str, chat: str, *args: Any, **kw: Any) -> Any:
        looks.append(chat)
        return await real_pending(channel, bot, chat, *args, **kw)

    monkeypatch.setattr(store.inbox, "pending", pending)
    # Given back as soon as it has nothing left, as a worker that records no updates does.
    inbox = Intake(store, CHANNEL, process=process, tell_busy=tell_busy, linger=0)
    inbox.bot = "b"
    running = asyncio.create_task(inbox.run())
    try:
        await inbox.take([Arrival("1", "42", {}, sender_key="42")])
        await until(lambda: seen == ["1"], timeout=HANG_GUARD)
        await inbox.take([Arrival("2", "42", {}, sender_key="42")])
        gate.set()
        await until(lambda: seen == ["1", "2"], timeout=HANG_GUARD)
        await until(lambda: _given_back(store), timeout=HANG_GUARD)
        reads = len(looks)
        await inbox.take([Arrival("3", "42", {}, sender_key="42")])
        await until(lambda: seen == ["1", "2", "3"], timeout=HANG_GUARD)
        await until(lambda: _given_back(store), timeout=HANG_GUARD)
        alone = len(looks) - reads
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    assert await store.inbox.unhandled(CHANNEL, "b") == []
    # 1 and 2: read once each (2 came while 1 was handled: the release found it);
    # 3 alone: one read, then the release.
    assert (reads, alone) == (2, 1)


async def _given_back(store: Store, chat: str = "42") -> bool:
    rows = await store.db.fetch_all(
        "SELECT claimed_by FROM inbox_chats WHERE chat_key = ?", (chat,)
    )
    return [row["claimed_by"] for row in rows] == [None]


class _Counted:
    """An intake whose handled updates, claimed chats, releases, inbox reads and flood
    counts are counted, on the real inbox of `store`."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        self.seen: list[str] = []
        self.claimed: list[str] = []
        self.released: list[str] = []
        self.reads = 0
        self.flood_counts = 0
        inbox = store.inbox
        claim, release, pending, recent = inbox.claim, inbox.release, inbox.pending, inbox.recent

        async def claiming(*args: Any) -> list[str]:
            chats = await claim(*args)
            self.claimed += chats
            return chats

        async def releasing(channel: str, bot: str, worker: str, chat: str, **kw: Any) -> bool:
            self.released.append(chat)
            return await release(channel, bot, worker, chat, **kw)

        async def reading(*args: Any, **kw: Any) -> Any:
            self.reads += 1
            return await pending(*args, **kw)

        async def counting(*args: Any) -> Any:
            self.flood_counts += 1
            return await recent(*args)

        monkeypatch.setattr(inbox, "claim", claiming)
        monkeypatch.setattr(inbox, "release", releasing)
        monkeypatch.setattr(inbox, "pending", reading)
        monkeypatch.setattr(inbox, "recent", counting)

    async def process(self, row: Any) -> None:
        self.seen.append(row.update_id)

    @staticmethod
    async def tell_busy(arrivals: Any) -> None:
        raise AssertionError("the database took every update")


@asynccontextmanager
async def _running(inbox: Intake) -> AsyncIterator[Intake]:
    inbox.bot = "b"
    running = asyncio.create_task(inbox.run())
    try:
        yield inbox
    finally:
        running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running


def _said(update: str, chat: str) -> list[Arrival]:
    return [Arrival(update, chat, {}, sender_key=chat)]


async def test_a_chat_keeps_its_lane_for_the_next_update_and_holds_no_place_meanwhile(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After its turn a lane keeps its chat a while (`linger`, here for as long as the
    test runs): the person's next update is handled there, without a claim or a release
    between, and one read of the inbox (which says how fast they send: no flood count).
    Keeping it holds no place: with one lane only, someone else writing meanwhile is
    answered, and given back at once (one chat kept at most, here). A stop gives the
    kept chat back."""
    counted = _Counted(store, monkeypatch)
    inbox = Intake(
        store, CHANNEL, process=counted.process, tell_busy=counted.tell_busy, lanes=1,
        linger=2 * HANG_GUARD, kept=1,
    )  # fmt: skip
    async with _running(inbox):
        await inbox.take(_said("1", "42"))
        await until(lambda: counted.seen == ["1"], timeout=HANG_GUARD)
        await inbox.take(_said("2", "42"))
        await until(lambda: counted.seen == ["1", "2"], timeout=HANG_GUARD)
        await inbox.take(_said("3", "43"))
        await until(lambda: counted.seen == ["1", "2", "3"], timeout=HANG_GUARD)
        await until(lambda: _given_back(store, "43"), timeout=HANG_GUARD)
        assert counted.claimed == ["42", "43"]
        assert counted.released == ["43"]
        assert counted.reads == 3
        assert counted.flood_counts == 0
        assert not await _given_back(store, "42")
    assert counted.released == ["43", "42"]
    assert await _given_back(store, "42") and await _given_back(store, "43")
    assert await store.inbox.unhandled(CHANNEL, "b") == []
    assert await store.inbox.unreplied(CHANNEL, "b") == []


async def test_a_chat_is_given_back_when_nothing_comes_within_the_linger(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """...and once nothing came within `linger`, the chat is given back: its next
    update is claimed afresh."""
    counted = _Counted(store, monkeypatch)
    inbox = Intake(store, CHANNEL, process=counted.process, tell_busy=counted.tell_busy, linger=0.2)
    async with _running(inbox):
        await inbox.take(_said("1", "42"))
        await until(lambda: _given_back(store), timeout=HANG_GUARD)
        await inbox.take(_said("2", "42"))
        await until(lambda: counted.seen == ["1", "2"], timeout=HANG_GUARD)
        await until(lambda: _given_back(store), timeout=HANG_GUARD)
    assert counted.claimed == ["42", "42"]
    assert counted.released == ["42", "42"]


async def test_a_worker_that_records_no_updates_gives_a_chat_back_at_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A process that only works the inbox (`chitieu run --worker`) would not hear of a
    chat's next update while keeping it: it gives the chat back as soon as it has
    nothing left, however long `linger` is."""
    counted = _Counted(store, monkeypatch)
    inbox = Intake(
        store, CHANNEL, process=counted.process, tell_busy=counted.tell_busy,
        linger=2 * HANG_GUARD,
    )  # fmt: skip
    async with _running(inbox):
        await store.inbox.record(CHANNEL, "b", _said("1", "42"))  # by another process
        await until(lambda: counted.seen == ["1"], timeout=HANG_GUARD)
        await until(lambda: _given_back(store), timeout=HANG_GUARD)
    assert counted.released == ["42"]


async def test_a_kept_chat_whose_update_finds_every_place_taken_waits_its_turn(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A kept chat does not go before chats waiting longer: its update, coming while
    every place is taken, gives it back to wait with them, and the first to have
    written is handled first once a place is free."""
    counted = _Counted(store, monkeypatch)
    gate = asyncio.Event()

    async def process(row: Any) -> None:
        if row.update_id == "2":
            await gate.wait()  # the one place stays taken
        await counted.process(row)

    inbox = Intake(
        store, CHANNEL, process=process, tell_busy=counted.tell_busy, lanes=1,
        linger=2 * HANG_GUARD,
    )  # fmt: skip
    async with _running(inbox):
        await inbox.take(_said("1", "42"))
        await until(lambda: counted.seen == ["1"], timeout=HANG_GUARD)
        await inbox.take(_said("2", "43"))
        await until(lambda: counted.claimed == ["42", "43"], timeout=HANG_GUARD)
        await inbox.take(_said("3", "44"))  # no place: waits
        await inbox.take(_said("4", "42"))  # kept, but no place either: waits after 44
        await until(lambda: _given_back(store, "42"), timeout=HANG_GUARD)
        gate.set()
        await until(lambda: len(counted.seen) == 4, timeout=HANG_GUARD)
    assert counted.seen == ["1", "2", "3", "4"]
    assert counted.claimed == ["42", "43", "44", "42"]


class _Replying(_Counted):
    """...whose turns reply as the Telegram channel's do: recorded in the turn's
    transaction (`Intake.recorder`), then delivered (`Intake.delivered`). A turn listed
    in `undone` is undone after its record, as by a COMMIT that fails."""

    def __init__(self, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        super().__init__(store, monkeypatch)
        self.store = store
        self.inbox: Intake | None = None
        self.undone: set[str] = set()
        self.marks = 0  # statements of their own marking deliveries
        replied = store.inbox.replied

        async def marking(*args: Any) -> int:
            self.marks += 1
            return await replied(*args)

        monkeypatch.setattr(store.inbox, "replied", marking)

    async def process(self, row: Any) -> None:
        assert self.inbox is not None
        turn = Turn(CHANNEL, row.sender_key, row.chat_key, TurnKind.TEXT,
                    update_id=row.update_id, bot="b")  # fmt: skip
        replies = [Reply(f"answer to {row.update_id}")]
        async with self.store.transaction():
            assert await self.inbox.recorder(turn)(replies)
            if row.update_id in self.undone:
                self.undone.discard(row.update_id)
                raise StorageUnavailable("the commit failed")
        await self.inbox.delivered(turn, replies, len(replies))
        self.seen.append(row.update_id)


async def test_a_turn_marks_the_delivery_of_the_chats_turn_before_it(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reply delivered is marked so by the statement that marks the chat's next update
    handled (in its turn's transaction) rather than by one of its own; the last, with
    the chat's release. Nothing is left to resend."""
    replying = _Replying(store, monkeypatch)
    inbox = replying.inbox = Intake(
        store, CHANNEL, process=replying.process, tell_busy=replying.tell_busy, linger=0.5
    )
    async with _running(inbox):
        for update in ("1", "2", "3"):
            await inbox.take(_said(update, "42"))
            await until(partial(operator.contains, replying.seen, update), timeout=HANG_GUARD)
        await until(lambda: _given_back(store), timeout=HANG_GUARD)
    assert replying.seen == ["1", "2", "3"]
    assert replying.marks == 0
    assert replying.claimed == ["42"] and replying.released == ["42"]
    assert await store.inbox.unreplied(CHANNEL, "b") == []


async def test_a_delivery_whose_mark_was_undone_with_a_turn_is_marked_after_all(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The turn carrying the mark of the reply before it is undone (its commit fails):
    that reply is still known delivered, and marked so later, never queued again as if
    a crash had cut it off; the undone turn is handled again."""
    replying = _Replying(store, monkeypatch)
    replying.undone.add("2")
    inbox = replying.inbox = Intake(
        store, CHANNEL, process=replying.process, tell_busy=replying.tell_busy, linger=0.5
    )
    async with _running(inbox):
        await inbox.take(_said("1", "42"))
        await until(lambda: replying.seen == ["1"], timeout=HANG_GUARD)
        await inbox.take(_said("2", "42"))
        await until(lambda: replying.seen == ["1", "2"], timeout=HANG_GUARD)
        await until(lambda: _given_back(store), timeout=HANG_GUARD)
    assert await store.inbox.unreplied(CHANNEL, "b") == []
    assert await store.db.fetch_all("SELECT id FROM outbox") == []  # nothing resent
    assert replying.seen == ["1", "2"]
