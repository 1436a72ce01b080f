"""The OA webhook over real HTTP: signatures, redeliveries, turns and the replies sent back."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest

from bot.zalo.oa import BUTTON_PREFIX, FollowEvent, UnfollowEvent, ZaloOAChannel
from bot.zalo.oa_webhook import DEFAULT_PATH, OAWebhook
from handlers.messages import Button, Reply, Turn, TurnKind
from tests.bot.zalo.fake_oa import APP_ID, FakeZaloOA
from tests.bot.zalo.support import OA_ID, OA_SECRET, MemoryDedupe, signed, text_event

USER = "2468458835296197922"


@dataclass
class Bot:
    """Stands in for the router: records turns and answers with scripted replies."""

    turns: list[Turn] = field(default_factory=list)
    answers: list[list[Reply]] = field(default_factory=list)
    follows: list[FollowEvent] = field(default_factory=list)
    unfollows: list[UnfollowEvent] = field(default_factory=list)

    async def on_turn(self, turn: Turn) -> list[Reply]:
        self.turns.append(turn)
        return self.answers.pop(0) if self.answers else [Reply("ok")]

    async def on_follow(self, event: FollowEvent) -> list[Reply]:
        self.follows.append(event)
        return [Reply("greeting")]

    async def on_unfollow(self, event: UnfollowEvent) -> None:
        self.unfollows.append(event)


@dataclass
class Endpoint:
    webhook: OAWebhook
    url: str
    bot: Bot

    async def post(self, raw: bytes, signature: str | None) -> httpx.Response:
        headers = {"Content-Type": "application/json"}
        if signature is not None:
            headers["X-ZEvent-Signature"] = signature
        async with httpx.AsyncClient() as client:
            response = await client.post(self.url, content=raw, headers=headers)
        await self.webhook.drain()
        return response

    async def event(self, body: dict[str, object]) -> httpx.Response:
        return await self.post(*signed(body))


@pytest.fixture
async def endpoint(channel: ZaloOAChannel) -> AsyncIterator[Endpoint]:
    bot = Bot()
    webhook = OAWebhook(
        channel,
        app_id=APP_ID,
        oa_secret=OA_SECRET,
        on_turn=bot.on_turn,
        first_time=MemoryDedupe(),
        on_follow=bot.on_follow,
        on_unfollow=bot.on_unfollow,
    )
    port = await webhook.start("127.0.0.1", 0)
    yield Endpoint(webhook, f"http://127.0.0.1:{port}{DEFAULT_PATH}", bot)
    await webhook.stop()


async def test_a_signed_text_event_becomes_a_turn_and_is_answered(
    endpoint: Endpoint, fake_oa: FakeZaloOA
) -> None:
    response = await endpoint.event(text_event(USER, "Tiến độ quý này?", "msg-1"))

    assert response.status_code == 200
    assert endpoint.bot.turns == [
        Turn(
            channel="zalo_oa",
            external_id=USER,
            chat_id=USER,
            kind=TurnKind.TEXT,
            text="Tiến độ quý này?",
            update_id="msg-1",
        )
    ]
    assert [m["body"]["recipient"]["user_id"] for m in fake_oa.messages] == [USER]
    assert fake_oa.texts() == ["ok"]


async def test_a_command_is_split_like_telegram(endpoint: Endpoint) -> None:
    await endpoint.event(text_event(USER, "/Start  ABC123 ", "msg-1"))

    (turn,) = endpoint.bot.turns
    assert (turn.kind, turn.command, turn.text) == (TurnKind.COMMAND, "start", "ABC123")


async def test_a_forged_event_is_refused_and_the_log_shows_no_secret(
    endpoint: Endpoint, fake_oa: FakeZaloOA, caplog: pytest.LogCaptureFixture
) -> None:
    raw, _ = signed(text_event(USER, "hello", "msg-1"), secret="not-the-oa-secret")
    _, good = signed(text_event(USER, "hello", "msg-2"))
    caplog.set_level(logging.DEBUG)

    forged = await endpoint.post(raw, f"mac={'0' * 64}")
    wrong_body = await endpoint.post(raw, good)  # a real signature, of another body
    other_key = await endpoint.post(*signed(text_event(USER, "x", "m"), secret="guess"))

    assert [forged.status_code, wrong_body.status_code, other_key.status_code] == [401] * 3
    assert endpoint.bot.turns == [] and fake_oa.messages == []
    assert "refused an event" in caplog.text
    assert OA_SECRET not in caplog.text and "hello" not in caplog.text


async def test_an_unsigned_or_garbled_signature_is_refused(endpoint: Endpoint) -> None:
    raw, good = signed(text_event(USER, "hello", "msg-1"))

    statuses = [
        (await endpoint.post(raw, None)).status_code,
        (await endpoint.post(raw, "")).status_code,
        (await endpoint.post(raw, good.removeprefix("mac="))).status_code,
        (await endpoint.post(raw, "mac=zz" + good[6:])).status_code,
        (await endpoint.post(raw, good[:-2])).status_code,
    ]

    assert statuses == [401] * 5
    assert endpoint.bot.turns == []


async def test_a_redelivered_event_is_handled_once(endpoint: Endpoint, fake_oa: FakeZaloOA) -> None:
    raw, signature = signed(text_event(USER, "hello", "msg-7"))

    first = await endpoint.post(raw, signature)
    again = await endpoint.post(raw, signature)  # Zalo's retry: the same bytes

    assert (first.status_code, again.status_code) == (200, 200)
    assert len(endpoint.bot.turns) == 1
    assert fake_oa.texts() == ["ok"]


async def test_a_button_payload_comes_back_as_a_button_press(
    endpoint: Endpoint, fake_oa: FakeZaloOA
) -> None:
    endpoint.bot.answers.append(
        [Reply("Chọn quý:", buttons=((Button("Quý 3", "q:2026-3"), Button("Quý 4", "q:2026-4")),))]
    )
    await endpoint.event(text_event(USER, "/tiendo", "msg-1"))
    template = fake_oa.messages[0]["body"]["message"]["attachment"]
    assert template["type"] == "template"
    pressed = template["payload"]["buttons"][1]
    assert pressed["type"] == "oa.query.hide" and pressed["title"] == "Quý 4"

    # Pressing it sends its payload as the person's own text message.
    await endpoint.event(text_event(USER, pressed["payload"], "msg-2"))

    assert endpoint.bot.turns[-1].kind is TurnKind.BUTTON
    assert endpoint.bot.turns[-1].text == "q:2026-4"


async def test_typed_text_that_looks_like_data_stays_text(endpoint: Endpoint) -> None:
    await endpoint.event(text_event(USER, "btn:q:2026-4", "msg-1"))

    assert endpoint.bot.turns[0].kind is TurnKind.TEXT
    assert not "btn:q:2026-4".startswith(BUTTON_PREFIX)


async def test_numbered_choices_are_pressed_with_a_slash(
    endpoint: Endpoint, fake_oa: FakeZaloOA
) -> None:
    many = tuple((Button(f"Xã {n}", f"u:{n}"),) for n in range(1, 8))
    endpoint.bot.answers.append([Reply("Chọn xã:", buttons=many)])
    await endpoint.event(text_event(USER, "/chon", "msg-1"))
    assert "/7 Xã 7" in fake_oa.texts()[0]

    await endpoint.event(text_event(USER, "/6", "msg-2"))
    await endpoint.event(text_event(USER, "/9", "msg-3"))  # not on screen: left to the router

    assert [(t.kind, t.text, t.command) for t in endpoint.bot.turns[1:]] == [
        (TurnKind.BUTTON, "u:6", ""),
        (TurnKind.COMMAND, "", "9"),
    ]


async def test_pictures_and_stickers_are_other_turns(endpoint: Endpoint) -> None:
    sticker = text_event(USER, "", "msg-1") | {
        "event_name": "user_send_sticker",
        "message": {
            "msg_id": "msg-1",
            "attachments": [{"type": "sticker", "payload": {"id": "s1", "url": "u"}}],
        },
    }
    image = text_event(USER, "", "msg-2") | {
        "event_name": "user_send_image",
        "message": {
            "msg_id": "msg-2",
            "text": "caption",
            "attachments": [{"type": "image", "payload": {"thumbnail": "t", "url": "u"}}],
        },
    }

    await endpoint.event(sticker)
    await endpoint.event(image)

    assert [t.kind for t in endpoint.bot.turns] == [TurnKind.OTHER, TurnKind.OTHER]
    assert [t.update_id for t in endpoint.bot.turns] == ["msg-1", "msg-2"]


async def test_follow_is_greeted_and_unfollow_reported(
    endpoint: Endpoint, fake_oa: FakeZaloOA
) -> None:
    def event(name: str, timestamp: str) -> dict[str, object]:
        return {
            "app_id": APP_ID,
            "oa_id": OA_ID,
            "event_name": name,
            "timestamp": timestamp,
            "source": "oa_profile",
            "follower": {"id": USER},
            "user_id_by_app": "552177279717587730",
        }

    await endpoint.event(event("follow", "1795398000000"))
    await endpoint.event(event("follow", "1795398000000"))  # redelivered
    await endpoint.event(event("unfollow", "1795398100000"))

    assert [e.user_id for e in endpoint.bot.follows] == [USER]
    assert fake_oa.texts() == ["greeting"]
    assert [e.user_id for e in endpoint.bot.unfollows] == [USER]
    assert endpoint.bot.turns == []


async def test_the_oas_own_echoes_are_ignored(endpoint: Endpoint, fake_oa: FakeZaloOA) -> None:
    echo = text_event(OA_ID, "ok", "msg-9") | {
        "event_name": "oa_send_text",
        "recipient": {"id": USER},
    }

    response = await endpoint.event(echo)

    assert response.status_code == 200
    assert endpoint.bot.turns == [] and fake_oa.messages == []


async def test_a_body_without_a_timestamp_cannot_be_signed(endpoint: Endpoint) -> None:
    raw = json.dumps([{"timestamp": "1"}]).encode()

    response = await endpoint.post(raw, "mac=" + "0" * 64)

    assert response.status_code == 401


async def test_the_answer_does_not_wait_for_the_handling(channel: ZaloOAChannel) -> None:
    release = asyncio.Event()
    handled: list[Turn] = []

    async def slow(turn: Turn) -> list[Reply]:
        await release.wait()  # the router taking longer than Zalo's 2 seconds
        handled.append(turn)
        return []

    webhook = OAWebhook(
        channel, app_id=APP_ID, oa_secret=OA_SECRET, on_turn=slow, first_time=MemoryDedupe()
    )
    port = await webhook.start("127.0.0.1", 0)
    try:
        raw, signature = signed(text_event(USER, "hello", "msg-1"))
        async with httpx.AsyncClient(timeout=1.0) as client:
            response = await client.post(
                f"http://127.0.0.1:{port}{DEFAULT_PATH}",
                content=raw,
                headers={"X-ZEvent-Signature": signature},
            )
        assert response.status_code == 200 and handled == []
        release.set()
        await webhook.drain()
        assert len(handled) == 1
    finally:
        await webhook.stop()
