"""The Zalo Bot Platform channel against a fake platform over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import httpx
import pytest
from aiohttp.test_utils import TestServer

from bot.zalo.bot_platform import (
    BotApiError,
    ZaloBotChannel,
    ZaloBotClient,
    ZaloBotReceiver,
    parse_update,
)
from handlers.channels import Outcome
from handlers.messages import Button, OutFile, Reply, Turn, TurnKind
from tests.bot.zalo.fake_bot import TOKEN, FakeBotPlatform, text_update
from tests.bot.zalo.support import FILE_NOTICE, MemoryDedupe, served

SECRET = "webhook-secret-123"


@dataclass
class Bot:
    turns: list[Turn] = field(default_factory=list)
    answers: list[list[Reply]] = field(default_factory=list)

    async def on_turn(self, turn: Turn) -> list[Reply]:
        self.turns.append(turn)
        return self.answers.pop(0) if self.answers else [Reply(f"re: {turn.text}")]


@pytest.fixture
def platform() -> FakeBotPlatform:
    return FakeBotPlatform()


@pytest.fixture
async def base_url(platform: FakeBotPlatform) -> AsyncIterator[str]:
    server = TestServer(platform.app(), host="127.0.0.1")
    yield await served(server)
    await server.close()


@pytest.fixture
def client(http: httpx.AsyncClient, base_url: str) -> ZaloBotClient:
    return ZaloBotClient(http, TOKEN, base_url=base_url)


@pytest.fixture
def channel(client: ZaloBotClient) -> ZaloBotChannel:
    return ZaloBotChannel(client, file_notice=FILE_NOTICE)


@pytest.fixture
def bot() -> Bot:
    return Bot()


@pytest.fixture
def receiver(channel: ZaloBotChannel, bot: Bot) -> ZaloBotReceiver:
    return ZaloBotReceiver(channel, on_turn=bot.on_turn, first_time=MemoryDedupe())


@pytest.fixture
async def polling(receiver: ZaloBotReceiver) -> AsyncIterator[None]:
    task = asyncio.create_task(receiver.run_polling(timeout=1, error_delay=0.05))
    yield
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def until(condition: Callable[[], bool], what: str) -> None:
    for _ in range(200):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.parametrize("status", [408, 200])
async def test_a_long_poll_that_times_out_means_no_update(
    client: ZaloBotClient, platform: FakeBotPlatform, status: int
) -> None:
    platform.timeout_status = status  # the 408 in the HTTP status or only in the body

    assert await client.get_update(timeout=1) is None
    assert platform.polls == [{"timeout": "1"}] and platform.timeouts == 1


async def test_a_text_turn_round_trip_by_polling(
    polling: None, platform: FakeBotPlatform, bot: Bot
) -> None:
    await until(lambda: platform.timeouts >= 1, "an empty poll")  # 408s are nothing special
    platform.push(text_update("Xin chào", "msg-1"))

    await until(lambda: bool(platform.sent), "the reply")

    assert bot.turns == [
        Turn(
            channel="zalo_bot",
            external_id="u-42",
            chat_id="u-42",
            kind=TurnKind.TEXT,
            text="Xin chào",
            name="Chị Lan",
            update_id="msg-1",
        )
    ]
    assert platform.sent == [{"method": "sendMessage", "chat_id": "u-42", "text": "re: Xin chào"}]


async def test_an_update_seen_twice_is_handled_once(
    polling: None, platform: FakeBotPlatform, bot: Bot
) -> None:
    platform.push(text_update("/baocao", "msg-1"))
    platform.push(text_update("/baocao", "msg-1"))
    platform.push(text_update("tiếp", "msg-2"))

    await until(lambda: len(platform.sent) == 2, "two replies")
    await asyncio.sleep(0.05)

    assert [(t.kind, t.command, t.text) for t in bot.turns] == [
        (TurnKind.COMMAND, "baocao", ""),
        (TurnKind.TEXT, "", "tiếp"),
    ]


async def test_choices_are_numbered_and_pressed_with_a_slash(
    polling: None, platform: FakeBotPlatform, bot: Bot
) -> None:
    rows = ((Button("Quý 3", "q:3"), Button("Quý 4", "q:4")), (Button("Hủy", "c:huy"),))
    bot.answers.append([Reply("Chọn quý:", buttons=rows), Reply("Hoặc gõ /huy")])
    platform.push(text_update("/tiendo", "msg-1"))
    await until(lambda: len(platform.sent) == 2, "the choices")

    assert platform.texts() == ["Chọn quý:\n\n/1 Quý 3\n/2 Quý 4\n/3 Hủy", "Hoặc gõ /huy"]

    platform.push(text_update("/2", "msg-2"))
    await until(lambda: len(bot.turns) == 2, "the press")
    assert (bot.turns[1].kind, bot.turns[1].text) == (TurnKind.BUTTON, "q:4")


async def test_a_long_text_is_split(channel: ZaloBotChannel, platform: FakeBotPlatform) -> None:
    text = "\n".join(f"Dòng {n} " + "y" * 50 for n in range(80))

    assert (await channel.send("u-42", Reply(text))).sent

    assert len(platform.texts()) == 3
    assert all(len(t) <= 2000 for t in platform.texts())
    assert "\n".join(platform.texts()) == text


@pytest.mark.parametrize(
    ("code", "extra", "outcome", "retry_after"),
    [
        (403, {}, Outcome.BLOCKED, 0.0),
        (400, {}, Outcome.REJECTED, 0.0),
        (429, {"parameters": {"retry_after": 5}}, Outcome.RETRY_AFTER, 5.0),
        (429, {}, Outcome.RETRY_AFTER, 60.0),
        (500, {}, Outcome.TRANSIENT, 0.0),
        (502, {}, Outcome.TRANSIENT, 0.0),
    ],
)
async def test_errors_map_to_outcomes(
    channel: ZaloBotChannel,
    platform: FakeBotPlatform,
    code: int,
    extra: dict[str, object],
    outcome: Outcome,
    retry_after: float,
) -> None:
    platform.forced.append((code, extra))

    result = await channel.send("u-42", Reply("x"))

    assert (result.outcome, result.retry_after) == (outcome, retry_after)
    assert result.detail == f"error {code}: scripted"


async def test_a_wrong_token_is_transient_not_a_dead_message(
    http: httpx.AsyncClient, base_url: str
) -> None:
    channel = ZaloBotChannel(ZaloBotClient(http, "0:wrong", base_url=base_url), file_notice="")

    result = await channel.send("u-42", Reply("x"))

    assert result.outcome is Outcome.TRANSIENT and result.detail == "error 401: Unauthorized"


async def test_a_network_failure_is_transient(http: httpx.AsyncClient) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = ZaloBotClient(http, TOKEN, base_url=f"http://127.0.0.1:{port}")

    result = await ZaloBotChannel(client, file_notice="").send("u-42", Reply("x"))

    assert (result.outcome, result.detail) == (Outcome.TRANSIENT, "ConnectError")


async def test_pictures_need_a_publisher_and_appendices_become_the_notice(
    client: ZaloBotClient, platform: FakeBotPlatform
) -> None:
    chart = OutFile("tien-do.png", b"\x89PNG", caption="Quý 4")
    appendix = OutFile("phu-luc.xlsx", b"PK")
    plain = ZaloBotChannel(client, file_notice=FILE_NOTICE)

    async def publish(image: OutFile) -> str:
        return f"https://files.example.test/{image.filename}"

    publishing = ZaloBotChannel(client, file_notice=FILE_NOTICE, publish_image=publish)

    assert not plain.capabilities.images and publishing.capabilities.images
    assert (await plain.send("u-42", Reply("Biểu đồ", image=chart, file=appendix))).sent
    assert (await publishing.send("u-42", Reply("Biểu đồ", image=chart))).sent

    assert platform.sent == [
        {"method": "sendMessage", "chat_id": "u-42", "text": "Biểu đồ"},
        {"method": "sendMessage", "chat_id": "u-42", "text": FILE_NOTICE},
        {"method": "sendMessage", "chat_id": "u-42", "text": "Biểu đồ"},
        {
            "method": "sendPhoto",
            "chat_id": "u-42",
            "photo": "https://files.example.test/tien-do.png",
            "caption": "Quý 4",
        },
    ]


async def test_the_token_stays_out_of_the_httpx_log(
    client: ZaloBotClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="httpx")

    await client.get_me()

    assert "getMe" in caplog.text and "<token>" in caplog.text
    assert TOKEN not in caplog.text


async def test_set_webhook_checks_the_secret_length(
    client: ZaloBotClient, platform: FakeBotPlatform
) -> None:
    with pytest.raises(ValueError):
        await client.set_webhook("https://bot.example.test/hook", "short")

    await client.set_webhook("https://bot.example.test/hook", SECRET)

    assert platform.sent[-1] == {
        "method": "setWebhook",
        "url": "https://bot.example.test/hook",
        "secret_token": SECRET,
    }


async def test_an_api_error_carries_code_and_description(client: ZaloBotClient) -> None:
    with pytest.raises(BotApiError) as raised:
        await client.call("noSuchMethod")

    assert (raised.value.code, raised.value.description) == (404, "Not found")


def test_other_updates_are_other_turns_and_bots_are_ignored() -> None:
    sticker = text_update("", "m1") | {"event_name": "message.sticker.received"}
    from_bot = text_update("hi", "m2")
    from_bot["message"]["from"]["is_bot"] = True

    turn = parse_update(sticker)
    assert turn is not None and turn.kind is TurnKind.OTHER
    assert parse_update(from_bot) is None
    assert parse_update({"event_name": "message.text.received"}) is None


@dataclass
class Hook:
    url: str
    receiver: ZaloBotReceiver

    async def post(self, body: object, secret: str | None) -> int:
        headers = {} if secret is None else {"X-Bot-Api-Secret-Token": secret}
        async with httpx.AsyncClient() as client:
            response = await client.post(self.url, json=body, headers=headers)
        await self.receiver.drain()
        return response.status_code


@pytest.fixture
async def hook(receiver: ZaloBotReceiver) -> AsyncIterator[Hook]:
    port = await receiver.start_webhook(SECRET, host="127.0.0.1", port=0)
    yield Hook(f"http://127.0.0.1:{port}/zalo/bot/webhook", receiver)
    await receiver.stop_webhook()


async def test_the_webhook_checks_the_secret_token(
    hook: Hook, bot: Bot, platform: FakeBotPlatform
) -> None:
    update = text_update("Xin chào", "msg-1")

    refused = [await hook.post(update, None), await hook.post(update, SECRET + "x")]
    accepted = await hook.post(update, SECRET)
    wrapped = await hook.post({"ok": True, "result": text_update("nữa", "msg-2")}, SECRET)
    again = await hook.post(update, SECRET)

    assert refused == [401, 401] and (accepted, wrapped, again) == (200, 200, 200)
    assert [t.text for t in bot.turns] == ["Xin chào", "nữa"]
    assert platform.texts() == ["re: Xin chào", "re: nữa"]


async def test_the_webhook_refuses_what_is_not_an_update(hook: Hook) -> None:
    assert await hook.post(["not", "an", "object"], SECRET) == 400
