"""Faults around the Telegram channel, through the whole bot and python-telegram-bot's
real Application against a fake Bot API over HTTP: start-up retries, updates recorded
before they are acknowledged and handled in order after a crash, failed replies retried
through the outbox, update marks keyed by bot."""

from __future__ import annotations

import json
import logging
import sqlite3

import pytest

from bot.telegram_channel import CHANNEL
from storage import Arrival, Store
from tests.bot.bot_process import listening, running, settings_for, until
from tests.bot.conftest import invite_code
from tests.bot.fake_bot_server import BOT_ID, TOKEN, FakeBotServer, Faults, message
from tests.clock import TestClock

USER = 515151
WELCOME = "Chào mừng"
NOT_REGISTERED = "chưa đăng ký"


async def test_start_up_retries_the_bot_api_with_backoff(
    demo_db: str, clock: TestClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    faults = Faults(
        first={"getMe": ["error", "drop"], "setMyCommands": ["error"], "deleteWebhook": ["drop"]}
    )
    server = FakeBotServer(faults=faults)
    async with await Store.open(demo_db, clock=clock) as store, listening(server) as url:
        code = await invite_code(store, "Thôn 2")
        async with running(settings_for(demo_db, url), store) as bot:
            server.push(message(USER, f"/start {code}"))
            await until(lambda: bool(server.texts(USER)), bot=bot)
    assert WELCOME in server.texts(USER)[0]
    retries = [r.getMessage() for r in caplog.records if "; retry " in r.getMessage()]
    assert retries == [
        "telegram: getMe failed (NetworkError); retry 1 in 1 s",
        "telegram: getMe failed (NetworkError); retry 2 in 2 s",
        "telegram: setMyCommands failed (NetworkError); retry 1 in 1 s",
        "telegram: deleteWebhook failed (NetworkError); retry 1 in 1 s",
    ]


async def test_updates_are_in_the_inbox_before_telegram_is_told(
    demo_db: str, clock: TestClock
) -> None:
    server = FakeBotServer()
    unrecorded: list[int] = []

    def check(offset: int) -> None:
        # What this offset acknowledges must be in the database already (committed).
        with sqlite3.connect(demo_db) as db:
            recorded = {int(row[0]) for row in db.execute("SELECT update_id FROM inbox")}
        unrecorded.extend(
            update["update_id"]
            for update in server._pending
            if update["update_id"] < offset and update["update_id"] not in recorded
        )

    server.on_offset = check
    async with await Store.open(demo_db, clock=clock) as store, listening(server) as url:
        code = await invite_code(store, "Thôn 2")
        async with running(settings_for(demo_db, url), store) as bot:
            server.push(message(USER, f"/start {code}"))
            for n in range(20):
                server.push(message(USER, "/trogiup" if n % 2 else "xin chào"))
            await until(lambda: len(server.texts(USER)) >= 21 and not server.waiting, bot=bot)
    assert server.counters.acknowledged == 21
    assert unrecorded == []


async def test_after_a_crash_cut_off_replies_and_unhandled_updates_come_first(
    demo_db: str, clock: TestClock
) -> None:
    """As a SIGKILL leaves the inbox: one update handled whose reply may never have left,
    two recorded and not handled. The restarted bot delivers the first's reply through the
    outbox (on the sender's time, so possibly after the next answers), handles the other
    two in order, and only then what arrives new."""
    server = FakeBotServer()
    bot_key = f"{BOT_ID}@127.0.0.1"
    async with await Store.open(demo_db, clock=clock) as store, listening(server) as url:
        code = await invite_code(store, "Thôn 2")
        bot_key = bot_key + ":" + url.split(":")[2].split("/")[0]
        arrivals = [
            Arrival(str(n), str(USER), {"update_id": n, **message(USER, text)})
            for n, text in ((1, "xin chào"), (2, f"/start {code}"), (3, "/huy"))
        ]
        await store.inbox.record(CHANNEL, bot_key, arrivals)
        cut_off = [{"text": "Trả lời bị cắt ngang", "external_id": str(USER)}]
        async with store.transaction():
            await store.inbox.handled(CHANNEL, bot_key, "1", cut_off)
        async with running(settings_for(demo_db, url), store) as bot:
            await until(lambda: len(server.texts(USER)) >= 3, bot=bot)
            server.push({"update_id": 4, **message(USER, "/trogiup")})
            await until(lambda: len(server.texts(USER)) >= 4, bot=bot)
        texts = server.texts(USER)
        assert texts.count("Trả lời bị cắt ngang") == 1
        texts.remove("Trả lời bị cắt ngang")
        assert WELCOME in texts[0] and "muốn làm gì" in texts[0]  # update 2: welcome, menu
        assert texts[1] == "Không có thao tác nào đang làm để hủy."  # update 3
        assert texts[2].startswith("Hướng dẫn sử dụng:")  # the new update, last
        assert len(texts) == 3
        assert not await store.inbox.unhandled(CHANNEL, bot_key)
        assert not await store.inbox.unreplied(CHANNEL, bot_key)


async def test_a_failed_reply_is_sent_through_the_outbox_and_a_slow_one_once(
    demo_db: str, clock: TestClock
) -> None:
    faults = Faults(first={"sendMessage": ["error", "slow"]}, slow=3.0)
    server = FakeBotServer(faults=faults)
    async with await Store.open(demo_db, clock=clock) as store, listening(server) as url:
        code = await invite_code(store, "Thôn 2")
        async with running(settings_for(demo_db, url), store) as bot:
            server.push(message(USER, f"/start {code}"))  # its welcome meets the 502
            await until(lambda: len(server.texts(USER)) >= 1, bot=bot)
            server.push(message(USER, "/trogiup"))  # its answer takes 3 s
            await until(lambda: len(server.texts(USER)) >= 2, timeout=30, bot=bot)
            await until(lambda: server.faults.first["sendMessage"] == [], bot=bot)
        texts = server.texts(USER)
        # Telegram answered the first attempt 502: the welcome went out once, later.
        assert sum(WELCOME in t for t in texts) == 1
        assert sum(t.startswith("Hướng dẫn sử dụng:") for t in texts) == 1
        # The welcome with the menu in one message, through the outbox.
        states = await store.db.fetch_all("SELECT state, recipient FROM outbox")
        assert [(r["state"], r["recipient"]) for r in states] == [("sent", str(USER))]
    # The slow answer (the next send, 3 s) arrived within the timeout: not sent again.
    assert len(texts) == len(set(texts)) == 2


async def test_update_ids_of_another_bot_are_not_taken_for_seen_ones(
    demo_db: str, clock: TestClock
) -> None:
    """A new token (another bot) numbers its updates afresh: update 1 of the second bot
    is a new message, answered, not a redelivery of the first bot's update 1."""
    other_id = 7000002
    other_token = f"{other_id}:AAAnotherFakeTokenForTests_abcdef"
    async with await Store.open(demo_db, clock=clock) as store:
        for bot_id, token, user in ((BOT_ID, TOKEN, USER), (other_id, other_token, USER + 1)):
            server = FakeBotServer(bot_id=bot_id)
            async with listening(server) as url:
                async with running(settings_for(demo_db, url, token), store) as bot:
                    server.push({"update_id": 1, **message(user, "xin chào")})
                    await until(lambda s=server, u=user: bool(s.texts(u)), bot=bot)  # type: ignore[misc]
                assert NOT_REGISTERED in server.texts(user)[0]


async def test_an_update_not_understood_is_passed_over_and_the_rest_kept_as_sent(
    demo_db: str, clock: TestClock, caplog: pytest.LogCaptureFixture
) -> None:
    """python-telegram-bot's getUpdates would fail the whole batch on one update it cannot
    parse (and log the batch, personal data and all): here that one is passed over, by
    its id, and the others are kept in the inbox exactly as Telegram sent them."""
    caplog.set_level(logging.INFO)
    server = FakeBotServer()
    async with await Store.open(demo_db, clock=clock) as store, listening(server) as url:
        code = await invite_code(store, "Thôn 2")
        async with running(settings_for(demo_db, url), store) as bot:
            bad = server.push(
                {"message": {"message_id": 1, "date": 1, "chat": "0912345678", "text": "x"}}
            )
            joining = message(USER, f"/start {code}")
            joining["message"]["from"]["language_code"] = "vi"
            joining["new_field_of_a_later_bot_api"] = {"kept": True}
            first = server.push(joining)
            await until(lambda: bool(server.texts(USER)), bot=bot)
        rows = await store.db.fetch_all(
            "SELECT update_id, payload_json FROM inbox WHERE channel = ?", (CHANNEL,)
        )
    assert WELCOME in server.texts(USER)[0]
    assert [row["update_id"] for row in rows] == [str(first)]
    assert json.loads(rows[0]["payload_json"]) == {"update_id": first, **joining}
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert f"telegram: update {bad} not understood (TypeError)" in logged
    assert "0912345678" not in logged
    assert not server.waiting
