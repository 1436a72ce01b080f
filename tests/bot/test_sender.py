"""The outbox sender against a fake Bot API that enforces Telegram's limits."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import sqlite3
import time

from bot.sender import Limits, OutboxSender, Pace
from bot.telegram_channel import TelegramChannel
from handlers.messages import Button, Reply
from handlers.queued_replies import BLOCKED, to_payload
from indicators.people import Role
from storage import NewMessage, OutboxState, Store
from tests.bot.fake_limits import LimitedBotApi, bot_for
from tests.bot.sending import run_sender, running, settled, states


async def people(store: Store, count: int, first_chat: int = 5000) -> list[tuple[int, int]]:
    """(person id, chat id) of `count` new members reachable on Telegram."""
    unit = (await store.units.by_name("Thôn 1"))[0]
    found = []
    for n in range(count):
        person = await store.people.add_person(f"Người nhận {n}", Role.MEMBER, unit.id)
        chat = first_chat + n
        await store.people.link_identity(person.id, "telegram", str(chat), chat_id=str(chat))
        found.append((person.id, chat))
    return found


async def broadcast(store: Store, recipients: list[tuple[int, int]], batch: str = "b1") -> None:
    messages = [
        NewMessage(
            "telegram",
            str(chat),
            to_payload(Reply(f"Thông báo số {n}"), person_id=person, external_id=str(chat)),
            f"{batch}:{chat}",
        )
        for n, (person, chat) in enumerate(recipients)
    ]
    await store.outbox.enqueue_many(messages, batch_id=batch)


async def test_429_is_waited_out_403_marks_unreachable_500_is_retried(store: Store) -> None:
    recipients = await people(store, 4)
    (_, waited), (blocked_person, blocked), (_, flaky), (_, plain) = recipients
    await broadcast(store, recipients)
    api = LimitedBotApi(throttle_once={waited}, blocked={blocked}, flaky={flaky: 1}, retry_after=1)
    started = asyncio.get_running_loop().time()

    sender = await run_sender(store, api)

    assert asyncio.get_running_loop().time() - started >= 1.0  # the retry_after was waited
    assert {chat: len(texts) for chat, texts in api.delivered.items()} == {
        waited: 1,
        flaky: 1,
        plain: 1,
    }
    assert api.too_many == 1 and sender.counters.retry_after == 1
    assert (await states(store))[OutboxState.SENT] == 3
    dead = await store.db.fetch_all("SELECT recipient, last_error FROM outbox WHERE state = 'dead'")
    assert [dict(row) for row in dead] == [{"recipient": str(blocked), "last_error": BLOCKED}]
    identity = await store.people.identity("telegram", str(blocked))
    assert identity is not None and identity.unreachable_at is not None
    person = await store.people.get(blocked_person)
    assert person is not None and person.unit_id is not None
    unreachable = await store.contacts.unreachable_in_units([person.unit_id])
    assert [p.person_id for p in unreachable if p.since] == [blocked_person]
    attempts = await store.db.fetch_value(
        "SELECT attempts FROM outbox WHERE recipient = ?", (str(flaky),)
    )
    assert attempts == 2


async def test_a_message_failing_every_time_is_given_up(store: Store) -> None:
    [(person, chat)] = await people(store, 1)
    await broadcast(store, [(person, chat)])
    api = LimitedBotApi(flaky={chat: 99})
    limits = Limits(per_second=200, private_interval=0, group_interval=0, backoff=0.02,
                    poll=0.02, max_attempts=3)  # fmt: skip

    sender = await run_sender(store, api, limits=limits)

    row = await store.db.fetch_one("SELECT state, attempts, last_error FROM outbox")
    assert row is not None
    assert (row["state"], row["attempts"]) == ("dead", 3)
    assert "NetworkError" in row["last_error"] and "3 attempts" in row["last_error"]
    assert api.total_delivered() == 0 and sender.counters.dead == 1


async def test_limits_are_kept_so_the_server_never_answers_429(store: Store) -> None:
    recipients = await people(store, 24)
    await broadcast(store, recipients)
    group, private = -100123, recipients[0][1]
    for n in range(3):  # several messages for one person and for one group
        for chat in (private, group):
            reply = Reply(f"Nhắc {n}", ((Button("Báo cáo ngay", "rm:x:2026-Q4"),),))
            # A group's messages carry its unit (as handlers.queued_replies.to_group makes them).
            payload = to_payload(reply, unit_id=1) if chat == group else to_payload(reply)
            await store.outbox.enqueue("telegram", str(chat), payload)
    api = LimitedBotApi(per_second=20, private_interval=0.25, group_interval=0.5)
    limits = Limits(per_second=18, private_interval=0.25, group_interval=0.5, poll=0.05)

    await run_sender(store, api, limits=limits)

    assert api.too_many == 0
    assert api.total_delivered() == 24 + 6
    assert api.delivered[private] == ["Thông báo số 0", "Nhắc 0", "Nhắc 1", "Nhắc 2"]
    assert api.delivered[group] == ["Nhắc 0", "Nhắc 1", "Nhắc 2"]
    gaps = [
        b - a for a, b in zip(api.delivered_at[group], api.delivered_at[group][1:], strict=False)
    ]
    assert min(gaps) >= 0.5
    everything = sorted(t for times in api.delivered_at.values() for t in times)
    assert everything[-1] - everything[0] >= (len(everything) - 1) / 18 * 0.95
    [call] = [
        c
        for c in api.calls
        if c.params.get("text") == "Nhắc 0" and int(c.params["chat_id"]) == private
    ]
    assert call.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "rm:x:2026-Q4"


BROADCAST = 250


async def test_a_crash_mid_broadcast_sends_every_message_exactly_once(demo_db: str, clock) -> None:
    async with await Store.open(demo_db, clock=clock) as store:
        recipients = await people(store, BROADCAST)
        await broadcast(store, recipients)
    # Slow enough answers that the stop lands mid-broadcast even on a loaded machine (a
    # CI run once saw every message sent before it, at 3 ms and 150 people).
    api = LimitedBotApi(latency=0.01)
    limits = Limits(per_second=300, private_interval=0, group_interval=0, in_flight=16, poll=0.02)

    async with await Store.open(demo_db, clock=clock) as store, bot_for(api) as bot:
        running(store)
        sender = OutboxSender(store, TelegramChannel(bot), limits=limits)
        task = asyncio.create_task(sender.run())
        async with asyncio.timeout(60):  # a sender that died must fail the test, not hang it
            while api.total_delivered() < 60:
                assert not task.done(), "the sender stopped before the broadcast was sent"
                await asyncio.sleep(0.005)
        task.cancel()  # the bot is stopped in the middle of the broadcast
        with contextlib.suppress(asyncio.CancelledError):
            await task
        interrupted = await states(store)
    assert 60 <= interrupted[OutboxState.SENT] < BROADCAST
    assert interrupted[OutboxState.SENDING] == 0

    async with await Store.open(demo_db, clock=clock) as store:  # and started again
        await run_sender(store, api, limits=limits)
        assert await settled(store)
        assert (await states(store))[OutboxState.SENT] == BROADCAST
    assert sorted(api.delivered) == sorted(chat for _, chat in recipients)
    assert all(len(texts) == 1 for texts in api.delivered.values())


async def test_messages_claimed_when_the_process_died_are_sent_after_the_restart(
    demo_db: str, clock
) -> None:
    async with await Store.open(demo_db, clock=clock) as store:
        recipients = await people(store, 5)
        await broadcast(store, recipients)
        claimed = await store.outbox.claim_due(3)  # then the process is killed
        assert len(claimed) == 3
    api = LimitedBotApi()
    async with await Store.open(demo_db, clock=clock) as store:
        await run_sender(store, api)
        assert (await states(store))[OutboxState.SENT] == 5
    assert sorted(api.delivered) == sorted(chat for _, chat in recipients)


async def test_turns_delayed_by_a_busy_moment_never_bunch_beyond_the_rate() -> None:
    pace = Pace(40)
    released: list[float] = []

    async def lane() -> None:
        for _ in range(9):
            await pace.wait()
            released.append(time.monotonic())
            if len(released) == 20:
                time.sleep(0.2)  # the whole bot is busy: every waiting turn is late

    await asyncio.gather(*(lane() for _ in range(8)))

    assert len(released) == 72
    busiest = max(sum(1 for u in released if t - 1.0 < u <= t) for t in released)
    assert busiest <= pace.per_window == 40
    gaps = [b - a for a, b in itertools.pairwise(sorted(released[:20]))]
    assert min(gaps) >= 0.01  # spaced (1/40 s asked), not bunched, before the busy moment


async def test_a_kill_doubles_only_what_is_on_the_wire_even_when_records_wait(
    demo_db: str, clock
) -> None:
    async with await Store.open(demo_db, clock=clock) as store:
        recipients = await people(store, 60)
        await broadcast(store, recipients)
    would_double: list[int] = []

    async def kill_now(chat: int) -> None:
        """What a SIGKILL at this instant would send again: the messages delivered whose
        outcome the database does not hold yet (read synchronously: nothing moves)."""
        with sqlite3.connect(demo_db) as conn:
            [(sent,)] = conn.execute("SELECT COUNT(*) FROM outbox WHERE state = 'sent'")
        would_double.append(api.total_delivered() - int(sent))

    api = LimitedBotApi(on_delivered=kill_now)  # answers at once: one send on the wire
    limits = Limits(per_second=100, private_interval=0, group_interval=0, poll=0.02)

    async with await Store.open(demo_db, clock=clock) as store:

        async def busy_writer() -> None:
            """Reporting turns holding the writer, so that each record waits for one."""
            while True:
                async with store.db.transaction() as tx:
                    await tx.execute("UPDATE outbox SET attempts = attempts WHERE id = 0", ())
                    await asyncio.sleep(0.05)
                await asyncio.sleep(0)

        writer = asyncio.create_task(busy_writer())
        try:
            await run_sender(store, api, limits=limits)
        finally:
            writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await writer
        assert (await states(store))[OutboxState.SENT] == 60

    assert len(would_double) == 60
    # The one just delivered, whose answer is on its way back: never more.
    assert max(would_double) == 1


async def test_a_send_hanging_on_the_wire_holds_up_no_other(store: Store) -> None:
    recipients = await people(store, 20)
    await broadcast(store, recipients)
    slow = recipients[0][1]
    answered_slow_at: list[float] = []

    async def hang(chat: int) -> None:
        if chat == slow:  # its send took effect; its answer comes 2 s later
            await asyncio.sleep(2.0)
            answered_slow_at.append(time.monotonic())

    api = LimitedBotApi(on_delivered=hang)
    limits = Limits(per_second=100, private_interval=0, group_interval=0, poll=0.02)

    await run_sender(store, api, limits=limits)

    assert api.total_delivered() == 20
    others = [t for chat, times in api.delivered_at.items() if chat != slow for t in times]
    assert max(others) < answered_slow_at[0]  # all 19 went while the first hung
