"""Direct replies on Telegram: within the bot's overall limit, which they share with the
outbox sender, and never held by another chat's limit."""

from __future__ import annotations

import json

from telegram import Update

from bot.sender import Window
from bot.telegram_channel import (
    CAPABILITIES,
    MESSAGES_PER_SECOND,
    OUTBOX_PER_SECOND,
    TelegramChannel,
    build_application,
)
from handlers.app import build_router
from handlers.messages import Reply
from storage import Store
from tests.bot.conftest import services_for
from tests.bot.fake_limits import LimitedBotApi, bot_for
from tests.bot.fake_telegram import TOKEN, message_update

FLOODED, OTHER = 6101, 6102


class ManualTime:
    """A clock that moves only when someone sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


async def test_the_window_lets_a_second_s_worth_through_at_once_then_waits() -> None:
    time = ManualTime()
    window = Window(30, now=time, sleep=time.sleep)
    for _ in range(30):
        await window.take()
    assert time.slept == []  # no spacing: a quiet bot's reply waits for nothing
    time.now = 0.4
    await window.take()  # the 31st in the same second waits for the first to age out
    assert time.now == 1.0


def test_the_outbox_takes_a_fixed_share_and_replies_keep_the_rest() -> None:
    assert CAPABILITIES.messages_per_second == OUTBOX_PER_SECOND
    assert MESSAGES_PER_SECOND - OUTBOX_PER_SECOND >= 10


async def test_the_outbox_and_the_replies_count_in_one_window() -> None:
    time = ManualTime()
    window = Window(3, now=time, sleep=time.sleep)
    api = LimitedBotApi()
    async with bot_for(api) as bot:
        channel = TelegramChannel(bot, window)
        for n in range(3):
            assert (await channel.send(str(OTHER), Reply(f"tin {n}"))).sent
        await window.take()  # a direct reply now would be the 4th in that second
    assert time.now == 1.0


async def test_a_429_for_one_chat_sends_its_reply_through_the_outbox_at_once(
    store: Store,
) -> None:
    """python-telegram-bot's AIORateLimiter would have retried in place, stopping every
    request of the bot meanwhile; here the reply goes to the outbox, which paces each
    chat on its own, and the next chat is answered directly."""
    api = LimitedBotApi(throttle_once={FLOODED})
    app = build_application(TOKEN, build_router(services_for(store)), request=api)
    async with app:
        for chat in (FLOODED, OTHER):
            await app.process_update(Update.de_json(message_update(chat, "xin chào"), app.bot))
    assert api.too_many == 1  # one try, no retry in place
    assert FLOODED not in api.delivered and len(api.delivered[OTHER]) == 1
    rows = await store.db.fetch_all("SELECT recipient, state, payload_json FROM outbox")
    assert [(r["recipient"], r["state"]) for r in rows] == [(str(FLOODED), "pending")]
    assert json.loads(rows[0]["payload_json"])["text"] == api.delivered[OTHER][0]
