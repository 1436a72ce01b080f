"""Zalo Bot Platform: a Telegram-like bot API (`{base}/bot<TOKEN>/<method>`).

Any Zalo user can create such a bot and get a static token; no OA, app or OAuth is
involved. The platform has no buttons (choices become numbered text), no reply window
and, as far as is known, no group chats. Everything here comes from third-party code
(openclaw's zalo extension, field-vn/zalo), not from a schema by Zalo.

A thin httpx client rather than `python-zalo-bot`: that package is a partial port of
python-telegram-bot with placeholder metadata, synchronous webhook calls that run their
own event loop, and nothing this module would use beyond one POST per method.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from functools import partial
from typing import Any

import httpx
from aiohttp import web

from bot.numbered_choices import (
    ChoiceMemory,
    RecentChoices,
    flat_buttons,
    resolve_choice,
    with_numbered_choices,
)
from bot.zalo.bot_api import POLL_TIMEOUT, BotApiError, ZaloBotClient, unwrap
from bot.zalo.inbox import Dedupe, OnTurn, SerialWorker, deliver, serve, text_turn
from bot.zalo.split import split_text
from handlers.channels import SENT, Capabilities, Outcome, SendOutcome
from handlers.messages import OutFile, Reply, Turn, TurnKind

__all__ = [
    "CAPABILITIES",
    "CHANNEL",
    "BotApiError",
    "ZaloBotChannel",
    "ZaloBotClient",
    "ZaloBotReceiver",
    "outcome_of",
    "parse_update",
]

log = logging.getLogger(__name__)

CHANNEL = "zalo_bot"
SECRET_HEADER = "X-Bot-Api-Secret-Token"
DEFAULT_PATH = "/zalo/bot/webhook"
MAX_TEXT = 2000
DEFAULT_RETRY_AFTER = 60.0

CAPABILITIES = Capabilities(
    max_text=MAX_TEXT,
    max_buttons=0,  # none on this platform: choices are numbered text
    max_button_data=64,  # never sent: the data stays in the channel's choice memory
    max_button_label=100,  # a line of text; kept short to stay readable
    files=False,  # no document method is known
    # sendPhoto takes a public URL, not an upload: pictures only when the app can publish
    # them somewhere (`publish_image`); see ZaloBotChannel.
    images=False,
    groups=False,  # bots reportedly cannot be added to groups
    may_message_first=True,  # no reply window is known on this platform
    # No published rate limit: Telegram's per-chat pace and a modest overall one.
    messages_per_second=10.0,
    private_interval=1.0,
    group_interval=3.0,
)

PublishImage = Callable[[OutFile], Awaitable[str]]


def parse_update(update: Mapping[str, Any]) -> Turn | None:
    """The turn of an update; None for a bot's own message or one without a sender."""
    message = update.get("message")
    if not isinstance(message, dict):
        return None
    sender = _dict(message.get("from"))
    chat = _dict(message.get("chat"))
    sender_id = _id(sender.get("id"))
    chat_id = _id(chat.get("id")) or sender_id
    if not sender_id or sender.get("is_bot") is True:
        return None
    name = sender.get("display_name") or sender.get("name")
    base = Turn(
        channel=CHANNEL,
        external_id=sender_id,
        chat_id=chat_id,
        kind=TurnKind.OTHER,
        name=name if isinstance(name, str) else "",
        update_id=_id(message.get("message_id")) or None,
        is_group=chat.get("chat_type") == "GROUP",
    )
    text = message.get("text")
    if update.get("event_name") == "message.text.received" and isinstance(text, str):
        return text_turn(base, text)
    return base


class ZaloBotChannel:
    """Sends replies with sendMessage (and sendPhoto when pictures can be published).

    `file_notice` replaces an appendix, as on the OA. `publish_image` turns a picture
    into a public HTTPS URL (the app's own file server, say) that the platform fetches;
    without it the channel says it cannot send pictures.
    """

    name = CHANNEL

    def __init__(
        self,
        client: ZaloBotClient,
        *,
        file_notice: str,
        choices: ChoiceMemory | None = None,
        publish_image: PublishImage | None = None,
    ) -> None:
        self.client = client
        self._file_notice = file_notice
        self.choices: ChoiceMemory = choices if choices is not None else RecentChoices()
        self._publish = publish_image
        self.capabilities = replace(CAPABILITIES, images=publish_image is not None)

    async def send(self, chat_id: str, reply: Reply) -> SendOutcome:
        """Text in pieces of 2000 characters, choices numbered at the end, then the
        picture, then the appendix notice; a failure stops the rest (see the OA)."""
        buttons = flat_buttons(reply)
        text = with_numbered_choices(reply.text, buttons, CAPABILITIES.max_button_label)
        if buttons:
            await self.choices.remember(chat_id, [b.data for b in buttons])
        steps: list[Callable[[], Awaitable[Any]]] = []
        if text:
            steps += [
                partial(self.client.send_message, chat_id, p) for p in split_text(text, MAX_TEXT)
            ]
        if reply.image is not None and self._publish is not None:
            steps.append(partial(self._send_image, chat_id, reply.image))
        if reply.file is not None:
            steps.append(partial(self.client.send_message, chat_id, self._file_notice))
        for number, step in enumerate(steps, 1):
            outcome = await _attempt(step)
            if not outcome.sent:
                if len(steps) == 1:
                    return outcome
                detail = f"{outcome.detail} (part {number} of {len(steps)})"
                return SendOutcome(outcome.outcome, outcome.retry_after, detail)
        return SENT

    async def _send_image(self, chat_id: str, image: OutFile) -> Any:
        assert self._publish is not None
        url = await self._publish(image)
        return await self.client.send_photo(chat_id, url, image.caption[:MAX_TEXT])


async def _attempt(step: Callable[[], Awaitable[Any]]) -> SendOutcome:
    try:
        await step()
    except BotApiError as error:
        return outcome_of(error)
    except httpx.TimeoutException:
        return SendOutcome(Outcome.TRANSIENT, detail="timeout")
    except httpx.HTTPError as error:
        # The type only: httpx's messages may hold the URL, and the URL holds the token.
        return SendOutcome(Outcome.TRANSIENT, detail=type(error).__name__)
    return SENT


def outcome_of(error: BotApiError) -> SendOutcome:
    """Like the Telegram sender: 403 blocked, 400 rejected, 429 wait, the rest retried."""
    detail = f"error {error.code}: {error.description}"[:200]
    if error.code == 403:
        return SendOutcome(Outcome.BLOCKED, detail=detail)
    if error.code == 400:
        return SendOutcome(Outcome.REJECTED, detail=detail)
    if error.code == 429:
        seconds = error.retry_after or DEFAULT_RETRY_AFTER
        return SendOutcome(Outcome.RETRY_AFTER, retry_after=seconds, detail=detail)
    return SendOutcome(Outcome.TRANSIENT, detail=detail)


class ZaloBotReceiver:
    """Brings updates in, by long polling or a webhook (the platform allows one of the
    two at a time), and answers them through the channel, one update at a time."""

    def __init__(
        self, channel: ZaloBotChannel, *, on_turn: OnTurn, first_time: Dedupe | None = None
    ) -> None:
        self.channel = channel
        self._on_turn = on_turn
        self._first_time = first_time
        self._worker = SerialWorker(CHANNEL)
        self._runner: web.AppRunner | None = None

    async def handle(self, update: Mapping[str, Any]) -> None:
        turn = parse_update(update)
        if turn is None:
            return
        first_time = self._first_time
        key = f"{CHANNEL}:{turn.update_id}"
        if turn.update_id is not None and first_time is not None and not await first_time(key):
            return
        turn = await resolve_choice(turn, self.channel.choices)
        await deliver(self.channel, turn.chat_id, await self._on_turn(turn))

    async def run_polling(self, timeout: int = POLL_TIMEOUT, error_delay: float = 5.0) -> None:
        """Until cancelled. A failed poll waits `error_delay` seconds before the next."""
        while True:
            try:
                update = await self.channel.client.get_update(timeout)
            except (BotApiError, httpx.HTTPError) as error:
                code = error.code if isinstance(error, BotApiError) else type(error).__name__
                log.warning("zalo_bot: getUpdates failed (%s)", code)
                await asyncio.sleep(error_delay)
                continue
            if update is not None:
                try:
                    await self.handle(update)
                except Exception as error:
                    log.error("zalo_bot: handling an update failed: %s", type(error).__name__)

    def application(self, secret_token: str, path: str = DEFAULT_PATH) -> web.Application:
        """The webhook endpoint: `secret_token` is the one given to setWebhook."""
        expected = secret_token.encode()

        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not hmac.compare_digest(given, expected):
                log.warning("zalo_bot webhook: refused a call without the secret token")
                return web.Response(status=401)
            try:
                update = unwrap(await request.json())
            except ValueError:
                return web.Response(status=400)
            if update is None:
                return web.Response(status=400)
            self._worker.submit(partial(self.handle, update))
            return web.Response(text="ok")

        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(path, receive)
        app.on_startup.append(self._started)
        app.on_cleanup.append(self._stopping)
        return app

    async def start_webhook(
        self, secret_token: str, host: str = "0.0.0.0", port: int = 8080, path: str = DEFAULT_PATH
    ) -> int:
        self._runner, bound = await serve(self.application(secret_token, path), host, port)
        return bound

    async def stop_webhook(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def drain(self) -> None:
        await self._worker.drain()

    async def _started(self, app: web.Application) -> None:
        self._worker.start()

    async def _stopping(self, app: web.Application) -> None:
        await self._worker.stop()


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _id(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""
