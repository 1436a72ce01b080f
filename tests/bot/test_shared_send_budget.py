"""Two processes sending for one bot share its rate: each paced at the full rate, they
would together draw 429s; with the shared budget the server never answers 429."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt

from bot.sender import Limits, OutboxSender
from bot.telegram_channel import TelegramChannel
from handlers.queued_replies import from_payload
from storage import OutboxState, Store
from tests.bot.fake_limits import LimitedBotApi, bot_for
from tests.bot.sending import running, settled, states
from tests.bot.test_sender import broadcast, people

RECIPIENTS = 60
SERVER_LIMIT = 24  # messages in any sliding second, as the fake counts them


async def test_two_processes_sending_for_one_bot_stay_within_its_rate(demo_db: str, clock) -> None:
    limits = Limits(per_second=SERVER_LIMIT, private_interval=0, group_interval=0, poll=0.05)
    api = LimitedBotApi(per_second=SERVER_LIMIT)
    async with (
        await Store.open(demo_db, clock=clock) as one,
        await Store.open(demo_db, clock=clock) as two,
        bot_for(api) as bot_one,
        bot_for(api) as bot_two,
    ):
        await broadcast(one, await people(one, RECIPIENTS))
        running(one)
        senders = [
            OutboxSender(store, TelegramChannel(bot), limits=limits, shared=True)
            for store, bot in ((one, bot_one), (two, bot_two))
        ]
        tasks = [asyncio.create_task(sender.run()) for sender in senders]
        try:
            async with asyncio.timeout(120):
                while not await settled(one):
                    for task in tasks:
                        if task.done():
                            task.result()
                    await asyncio.sleep(0.05)
        finally:
            for task in tasks:
                task.cancel()
            for task in tasks:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        assert api.too_many == 0
        assert (await states(one))[OutboxState.SENT] == RECIPIENTS
        assert sum(len(texts) for texts in api.delivered.values()) == RECIPIENTS
        # Both took part: the budget is shared, not taken by whoever came first.
        assert all(sender.counters.sent > 0 for sender in senders)


async def test_claims_of_a_process_that_died_are_sent_by_another_after_a_while(
    demo_db: str, clock
) -> None:
    limits = Limits(
        per_second=50, private_interval=0, group_interval=0, poll=0.05, abandoned_look=0.1
    )
    api = LimitedBotApi()
    async with await Store.open(demo_db, clock=clock) as store, bot_for(api) as bot:
        await broadcast(store, await people(store, 10))
        # A process claims four messages and dies before sending them.
        dead = await store.outbox.claim_due(4, channel="telegram")
        clock.advance(dt.timedelta(seconds=limits.stale_claim - 60))
        running(store)
        sender = OutboxSender(store, TelegramChannel(bot), limits=limits, shared=True)
        task = asyncio.create_task(sender.run())
        try:
            async with asyncio.timeout(60):
                while (await states(store))[OutboxState.SENT] < 6:
                    await asyncio.sleep(0.05)
            # Younger than a claim may live: still someone else's, not sent twice.
            assert (await states(store))[OutboxState.SENDING] == 4
            clock.advance(dt.timedelta(seconds=120))
            sender.wake()
            async with asyncio.timeout(60):
                while not await settled(store):
                    await asyncio.sleep(0.05)
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
    delivered = [text for texts in api.delivered.values() for text in texts]
    assert len(delivered) == len(set(delivered)) == 10
    assert {from_payload(m.payload).text for m in dead} <= set(delivered)
