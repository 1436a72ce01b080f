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

from bot.zalo.inbox import Dedupe, OnTurn, SerialWorker, deliver, serve, text_turn
from bot.zalo.numbered import (
    ChoiceMemory,
    RecentChoices,
    flat_buttons,
    resolve_choice,
    with_numbered_choices,
)
from bot.zalo.split import split_text
from handlers.channels import SENT, Capabilities, Outcome, SendOutcome
from handlers.turns import OutFile, Reply, Turn, TurnKind

log = logging.getLogger(__name__)

CHANNEL = "zalo_bot"
BASE_URL = "https://bot-api.zaloplatforms.com"  # older host: bot-api.zapps.me
SECRET_HEADER = "X-Bot-Api-Secret-Token"
DEFAULT_PATH = "/zalo/bot/webhook"
MAX_TEXT = 2000
POLL_TIMEOUT = 30  # seconds a getUpdates call waits for an update
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


class BotApiError(Exception):
    """`{ok: false, error_code, description}`, or an HTTP error without that body."""

    def __init__(self, code: int, description: str, retry_after: float | None = None) -> None:
        super().__init__(f"{code}: {description}")
        self.code = code
        self.description = description
        self.retry_after = retry_after


class ZaloBotClient:
    """One POST with a JSON body per method; the result, or BotApiError."""

    def __init__(self, http: httpx.AsyncClient, token: str, *, base_url: str = BASE_URL) -> None:
        self._http = http
        self._base = f"{base_url.rstrip('/')}/bot{token}"
        _hide_in_httpx_log(token)

    async def call(
        self, method: str, payload: Mapping[str, Any] | None = None, *, timeout: float | None = None
    ) -> Any:
        extra: dict[str, Any] = {} if timeout is None else {"timeout": timeout}
        response = await self._http.post(
            f"{self._base}/{method}", json=dict(payload or {}), **extra
        )
        try:
            body = response.json()
        except ValueError:
            body = None
        if isinstance(body, dict) and body.get("ok") is True:
            return body.get("result")
        if not isinstance(body, dict):
            raise BotApiError(response.status_code, "no readable answer", _header_retry(response))
        code = body.get("error_code")
        code = (
            code if isinstance(code, int) and not isinstance(code, bool) else response.status_code
        )
        description = body.get("description")
        retry = _body_retry(body) or _header_retry(response)
        raise BotApiError(code, description if isinstance(description, str) else "", retry)

    async def get_me(self) -> Any:
        return await self.call("getMe")

    async def get_update(self, timeout: int = POLL_TIMEOUT) -> Mapping[str, Any] | None:
        """The next update, or None when none came within `timeout` seconds (408)."""
        try:
            result = await self.call(
                "getUpdates", {"timeout": str(timeout)}, timeout=timeout + 10.0
            )
        except BotApiError as error:
            if error.code == 408:
                return None
            raise
        return unwrap(result)

    async def set_webhook(self, url: str, secret_token: str) -> None:
        if not 8 <= len(secret_token) <= 256:
            raise ValueError("the platform takes a secret token of 8 to 256 characters")
        await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook")

    async def get_webhook_info(self) -> Any:
        return await self.call("getWebhookInfo")

    async def send_message(self, chat_id: str, text: str) -> Any:
        return await self.call("sendMessage", {"chat_id": chat_id, "text": text})

    async def send_photo(self, chat_id: str, photo_url: str, caption: str = "") -> Any:
        payload = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            payload["caption"] = caption
        return await self.call("sendPhoto", payload)


def unwrap(update: object) -> Mapping[str, Any] | None:
    """The update itself: some answers wrap it as `{ok, result}`."""
    if not isinstance(update, dict):
        return None
    if "event_name" not in update and isinstance(update.get("result"), dict):
        inner: dict[str, Any] = update["result"]
        return inner
    return update


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

    def __init__(self, channel: ZaloBotChannel, *, on_turn: OnTurn, first_time: Dedupe) -> None:
        self.channel = channel
        self._on_turn = on_turn
        self._first_time = first_time
        self._worker = SerialWorker(CHANNEL)
        self._runner: web.AppRunner | None = None

    async def handle(self, update: Mapping[str, Any]) -> None:
        turn = parse_update(update)
        if turn is None:
            return
        if turn.update_id is not None and not await self._first_time(f"{CHANNEL}:{turn.update_id}"):
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


def _body_retry(body: Mapping[str, Any]) -> float | None:
    parameters = body.get("parameters")
    value = parameters.get("retry_after") if isinstance(parameters, dict) else None
    return float(value) if isinstance(value, (int, float)) and value > 0 else None


def _header_retry(response: httpx.Response) -> float | None:
    try:
        value = float(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return value if value > 0 else None


class _HideToken(logging.Filter):
    """httpx logs every request's URL at INFO, and this API puts the token in the URL."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg = message.replace(self.token, "<token>")
            record.args = ()
        return True


def _hide_in_httpx_log(token: str) -> None:
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, _HideToken) and f.token == token for f in logger.filters):
        logger.addFilter(_HideToken(token))
