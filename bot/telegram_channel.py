"""Telegram: python-telegram-bot's Application turning updates into turns and replies back."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import html
import logging
import secrets
import warnings
from collections.abc import AsyncIterator, Callable, Coroutine, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from telegram import (
    Bot,
    BotCommand,
    InputFile,
    Update,
)
from telegram.constants import ChatType, InlineKeyboardMarkupLimit, MessageLimit, ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)
from telegram.ext import (
    Application,
    ApplicationBuilder,
    BaseRateLimiter,
    ContextTypes,
    TypeHandler,
)
from telegram.request import BaseRequest, HTTPXRequest
from telegram.warnings import PTBDeprecationWarning, PTBUserWarning

from bot.backoff import Backoff, retrying
from bot.intake import LEASE, Intake
from bot.log_hygiene import quiet_libraries
from bot.sender import ChatPace, Window
from handlers.channels import SENT, Capabilities, Outcome, SendOutcome
from handlers.messages import InFile, Reply, Turn, TurnKind
from handlers.router import Router, busy
from locales import _
from storage import Arrival, InboxUpdate

log = logging.getLogger(__name__)
JSONDict = dict[str, Any]  # a Bot API answer, as python-telegram-bot's rate limiters see it
CHANNEL = "telegram"
OUTBOX_CONNECTIONS = 36  # the sender's messages in flight (32), and a few to spare
# Seconds to wait for the Bot API's answer to a send. Telegram answers in well under a
# second; a slow answer still within this is waited out rather than given up on, since
# giving up and sending again is what sends a message twice (Telegram has no idempotency
# key). Below the sender's stop_timeout, so that a stop waits out every send on the wire.
SEND_TIMEOUT = 8.0
LONG_POLL = 10  # seconds a getUpdates call waits for updates to arrive
POLL_READ_TIMEOUT = LONG_POLL + 5.0  # the long poll, and python-telegram-bot's 5 s beyond
# Errors a start-up call is retried on: the network, the server (5xx), a 429.
PASSING = (NetworkError, RetryAfter)


class TokenRejected(Exception):
    """The Bot API refused the token: a setting to fix, not something to retry."""


# Telegram's overall limit for one bot, and the outbox sender's fixed share of it: a
# broadcast never takes more than that, so direct replies always keep the rest, and they
# take all of it while the outbox is idle (both count in one `Window`, see
# running_telegram).
MESSAGES_PER_SECOND = 30
OUTBOX_PER_SECOND = 20.0

CAPABILITIES = Capabilities(
    max_text=MessageLimit.MAX_TEXT_LENGTH,  # split into several messages beyond that
    max_buttons=InlineKeyboardMarkupLimit.TOTAL_BUTTON_NUMBER,
    max_button_data=64,  # callback_data
    max_button_label=64,
    files=True,
    images=True,
    groups=True,
    may_message_first=True,  # to anyone who has started the bot and not blocked it
    messages_per_second=OUTBOX_PER_SECOND,
    private_interval=1.0,  # one message a second in a private chat
    group_interval=3.0,  # 20 a minute in a group
)


class TelegramChannel:
    """The channel port over a python-telegram-bot `Bot`: one reply sent, its outcome."""

    name = CHANNEL
    capabilities = CAPABILITIES

    def __init__(self, bot: object, window: Window | None = None) -> None:
        self.bot = bot
        self.window = window  # shared with the direct replies: one bot, one limit

    async def send(self, chat_id: str, reply: Reply) -> SendOutcome:
        if self.window is not None:
            await self.window.take()  # an outbox message is one Telegram message
        try:
            await send_replies(self.bot, int(chat_id), [reply])
        except RetryAfter as error:
            return SendOutcome(Outcome.RETRY_AFTER, retry_after=retry_seconds(error))
        except Forbidden:
            return SendOutcome(Outcome.BLOCKED, detail="Forbidden")
        except ChatMigrated as error:
            return SendOutcome(Outcome.MOVED, new_chat_id=str(error.new_chat_id))
        except InvalidToken:
            return SendOutcome(Outcome.TRANSIENT, detail="InvalidToken")
        except BadRequest as error:
            # Retrying an impossible message only wastes the quota.
            return SendOutcome(Outcome.REJECTED, detail=f"BadRequest: {error.message}"[:200])
        except (ValueError, KeyError, TypeError) as error:
            return SendOutcome(Outcome.REJECTED, detail=type(error).__name__)
        except TelegramError as error:
            # The type only: a network error's text can carry the request URL (the token).
            return SendOutcome(Outcome.TRANSIENT, detail=type(error).__name__)
        return SENT


class ReplyLimiter(BaseRateLimiter[int]):
    """Direct replies within the bot's overall limit, which they share with the outbox
    sender (one `Window`), and never held by another chat.

    python-telegram-bot's AIORateLimiter stops every request of the bot while any one
    chat waits out a 429 (its retry event is global), and paces each group's replies
    before sending them: with updates handled in turn, one person flooding the bot made
    everyone wait. Here nothing waits for a chat: a 429 goes straight back to the caller,
    and the reply goes through the outbox, which paces each chat on its own
    (Intake.delivered)."""

    def __init__(self, window: Window) -> None:
        self.window = window

    async def initialize(self) -> None:
        """Nothing to open: the window is plain memory."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        # What Telegram counts are messages to chats; getUpdates and answering a
        # button's callback query are not.
        if data.get("chat_id") is not None:
            await self.window.take()
        return await callback(*args, **kwargs)


class UsernameUnavailable(Exception):
    """The bot's @username could not be asked from Telegram; the message says why, in
    the operator's words, and carries neither the token nor the URL."""


async def bot_username(token: str, base_url: str) -> str:
    """The bot's @username, for t.me links (asks Telegram's getMe)."""
    request = HTTPXRequest(connect_timeout=10, read_timeout=10)
    try:
        async with Bot(token, base_url=base_url, request=request) as bot:
            return bot.username
    except InvalidToken:
        raise UsernameUnavailable(_("Telegram refused the token")) from None
    except NetworkError:  # TimedOut is one: nothing answered
        raise UsernameUnavailable(_("Telegram could not be reached")) from None
    except TelegramError:
        raise UsernameUnavailable(_("Telegram answered with an error")) from None


def retry_seconds(error: RetryAfter) -> float:
    with warnings.catch_warnings():
        # PTB 22 warns that retry_after becomes a timedelta; both forms are handled.
        warnings.simplefilter("ignore", PTBDeprecationWarning)
        value = error.retry_after
    return value.total_seconds() if isinstance(value, dt.timedelta) else float(value)


def build_application(
    token: str,
    router: Router,
    *,
    base_url: str = "https://api.telegram.org/bot",
    request: BaseRequest | None = None,
    rate_limit: bool = True,
    lease: dt.timedelta = LEASE,
    window: Window | None = None,
    pace_chats: bool = True,
) -> Application:  # type: ignore[type-arg]
    """The Application, with its inbox (`intake(application)`); `request` replaces the
    HTTP layer (tests, proxies). Updates reach it through the inbox: `running_telegram`
    fetches and records them, and the intake hands each to `process_update`. Its
    replies keep to `window` (the bot's overall limit, shared with the outbox sender)
    unless `rate_limit` is off; each chat's turns keep to Telegram's per-chat limit
    unless that or `pace_chats` is off (the tests' fake server has no such limit)."""
    quiet_libraries()
    queue = _RecordingQueue()
    builder = (
        ApplicationBuilder()
        .token(token)
        .base_url(base_url)
        .concurrent_updates(False)
        .update_queue(queue)
    )
    if request is not None:
        builder = builder.request(request).get_updates_request(request)
    else:
        builder = builder.read_timeout(SEND_TIMEOUT).write_timeout(SEND_TIMEOUT)
    if rate_limit:
        limiter = ReplyLimiter(window or Window(MESSAGES_PER_SECOND))
        builder = builder.rate_limiter(limiter)  # type: ignore[arg-type]
    application = builder.build()

    parsed = _Parsed()

    async def process(row: InboxUpdate) -> None:
        await application.process_update(parsed.take(row, application.bot))

    async def tell_busy(arrivals: Sequence[Arrival]) -> None:
        await _tell_busy(application.bot, arrivals)

    router.add_channel(CHANNEL, CAPABILITIES)
    pace = (
        ChatPace(CAPABILITIES.private_interval, CAPABILITIES.group_interval)
        if rate_limit and pace_chats
        else None
    )
    inbox = Intake(
        router.store, CHANNEL, process=process, tell_busy=tell_busy, lease=lease, pace=pace
    )
    queue.intake = inbox
    queue.parsed = parsed
    application.bot_data["router"] = router
    application.bot_data["intake"] = inbox
    application.bot_data["parsed"] = parsed
    application.bot_data["server"] = urlsplit(base_url).netloc
    application.add_handler(TypeHandler(Update, _on_update))
    application.add_error_handler(_on_error)
    return application


def intake(application: Application) -> Intake:  # type: ignore[type-arg]
    found: Intake = application.bot_data["intake"]
    if not found.bot:
        # An update id is one bot's on one server: a new token for another bot, or a
        # self-hosted Bot API server numbering from 1 again, starts afresh.
        found.bot = f"{application.bot.id}@{application.bot_data['server']}"
    return found


class _RecordingQueue(asyncio.Queue[object]):
    """The Application's update queue, as the webhook server fills it: an update is
    recorded in the inbox before the server answers Telegram, then handled from there."""

    intake: Intake | None = None
    parsed: _Parsed | None = None

    async def put(self, item: object) -> None:
        if isinstance(item, Update) and self.intake is not None:
            if self.parsed is not None:
                self.parsed.keep(item)
            await self.intake.take([to_arrival(item)])
            return
        await super().put(item)


class _Parsed:
    """Updates as parsed on arrival, kept for their turn a moment later: parsing an
    update into objects again from the inbox's copy was about a twentieth of a turn's
    CPU. After a restart, or past what is kept here, the inbox's copy is parsed."""

    KEPT = 1024

    def __init__(self) -> None:
        self._kept: dict[str, Update] = {}

    def keep(self, update: Update) -> None:
        if len(self._kept) >= self.KEPT:
            del self._kept[next(iter(self._kept))]
        self._kept[str(update.update_id)] = update

    def take(self, row: InboxUpdate, bot: Bot) -> Update:
        found = self._kept.pop(row.update_id, None)
        return found if found is not None else Update.de_json(row.payload, bot)


def to_arrival(update: Update, payload: dict[str, Any] | None = None) -> Arrival:
    """The inbox's record of an update; `payload`: the update as Telegram sent it (by
    default it is rebuilt from the objects)."""
    chat = update.effective_chat
    user = update.effective_user
    return Arrival(
        str(update.update_id),
        "" if chat is None else str(chat.id),
        update.to_dict() if payload is None else payload,
        sender_key="" if user is None else str(user.id),
    )


async def _tell_busy(bot: object, arrivals: Sequence[Arrival]) -> None:
    """Once to each chat behind updates that could not be recorded."""
    chats = {a.chat_key for a in arrivals if a.chat_key.lstrip("-").isdigit()}
    for chat in chats:
        try:
            await send_replies(bot, int(chat), [busy()])
        except TelegramError as error:
            log.warning("could not tell a chat the system is busy (%s)", type(error).__name__)


async def register_commands(application: Application) -> None:  # type: ignore[type-arg]
    """The command menu with Vietnamese descriptions (setMyCommands)."""
    router: Router = application.bot_data["router"]
    menu = router.command_menu()
    await application.bot.set_my_commands([BotCommand(name, text) for name, text in menu])


def to_turn(update: Update, *, bot: str = "") -> Turn | None:
    """The transport-neutral turn of an update; None for updates that are not for us."""
    user = update.effective_user
    chat = update.effective_chat
    if user is None or chat is None or user.is_bot:
        return None
    base = Turn(
        channel=CHANNEL,
        external_id=str(user.id),
        chat_id=str(chat.id),
        kind=TurnKind.TEXT,
        name=user.full_name,
        update_id=str(update.update_id),
        bot=bot,
        is_group=chat.type in (ChatType.GROUP, ChatType.SUPERGROUP),
    )
    if update.callback_query is not None:
        return replace(base, kind=TurnKind.BUTTON, text=update.callback_query.data or "")
    message = update.effective_message
    if message is None:
        return None
    text = message.text
    if text is None:
        return replace(base, kind=TurnKind.OTHER)
    if text.startswith("/"):
        head, _, rest = text[1:].partition(" ")
        command = head.split("@", 1)[0].lower()
        return replace(base, kind=TurnKind.COMMAND, command=command, text=rest.strip())
    return replace(base, text=text)


# Plan tables are a few hundred kilobytes; anything far bigger is not one.
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024


async def with_document(update: Update, turn: Turn) -> Turn:
    """The turn with the document the message carries, downloaded; unchanged when there
    is none, it is too big, or the download fails (the turn then stays unreadable)."""
    message = update.effective_message
    document = message.document if message is not None else None
    if document is None or (document.file_size or 0) > MAX_DOCUMENT_BYTES:
        return turn
    try:
        sent = await document.get_file()
        content = bytes(await sent.download_as_bytearray())
    except TelegramError as error:
        log.warning("could not download a document: %s", type(error).__name__)
        return turn
    caption = message.caption if message is not None and message.caption else ""
    return replace(turn, document=InFile(document.file_name or "", content), text=caption)


async def _on_update(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    inbox = intake(context.application)
    turn = to_turn(update, bot=inbox.bot)
    if turn is None:
        return
    turn = await with_document(update, turn)
    if update.callback_query is not None:
        # Stops the button's spinner; failure here must not lose the answer itself.
        try:
            await update.callback_query.answer()
        except TelegramError:
            log.warning("could not answer a callback query")
    router: Router = context.bot_data["router"]
    replies = await router.handle(turn, record=inbox.recorder(turn))
    sent = await _send_each(context.bot, int(turn.chat_id), replies)
    await inbox.delivered(turn, replies, sent)


async def _send_each(bot: object, chat_id: int, replies: Sequence[Reply]) -> int:
    """Send replies in order until one fails; how many went out."""
    for index, reply in enumerate(replies):
        try:
            await send_replies(bot, chat_id, [reply])
        except TelegramError as error:
            # The type only: a network error's text can carry the request URL (the token).
            log.warning("a direct reply failed (%s)", type(error).__name__)
            return index
    return len(replies)


async def send_replies(bot: object, chat_id: int, replies: Sequence[Reply]) -> None:
    for reply in replies:
        chunks = split_message(html.escape(reply.text, quote=False))
        markup = _keyboard(reply)
        for index, chunk in enumerate(chunks):
            last = index == len(chunks) - 1
            await _send_text(bot, chat_id, chunk, markup if last else None)
        if reply.image is not None:
            await bot.send_photo(  # type: ignore[attr-defined]
                chat_id=chat_id,
                photo=InputFile(reply.image.content, filename=reply.image.filename),
                caption=html.escape(reply.image.caption, quote=False) or None,
                parse_mode=ParseMode.HTML,
            )
        if reply.file is not None:
            await bot.send_document(  # type: ignore[attr-defined]
                chat_id=chat_id,
                document=InputFile(reply.file.content, filename=reply.file.filename),
                caption=html.escape(reply.file.caption, quote=False) or None,
                parse_mode=ParseMode.HTML,
            )


# Nothing reads the Message that sendMessage answers, and parsing it into objects was
# about a twentieth of a turn's CPU (bench/turns.py --profile): a text goes out through
# do_api_request, which returns the answer as it came. python-telegram-bot asks that
# its own methods be used instead; here that is a choice.
warnings.filterwarnings(
    "ignore", message=r"Please use 'Bot\.(send_message|get_updates)'", category=PTBUserWarning
)


async def _send_text(bot: object, chat_id: int, text: str, markup: JSONDict | None) -> None:
    message: dict[str, object] = {"chat_id": chat_id, "text": text, "parse_mode": ParseMode.HTML}
    if markup is not None:
        message["reply_markup"] = markup
    await bot.do_api_request("send_message", api_kwargs=message)  # type: ignore[attr-defined]


def _keyboard(reply: Reply) -> JSONDict | None:
    """The reply's buttons as the Bot API's InlineKeyboardMarkup, built as JSON directly:
    python-telegram-bot's objects for it would only be turned back into this."""
    if not reply.buttons:
        return None
    return {
        "inline_keyboard": [
            [{"text": b.label, "callback_data": b.data} for b in row] for row in reply.buttons
        ]
    }


def split_message(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Pieces within Telegram's limit, cut at line ends where possible.

    The text is already escaped; cutting never splits an entity such as "&amp;".
    """
    if len(text) <= limit:
        return [text]
    pieces: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut <= 0:
            cut = limit
            amp = text.rfind("&", cut - 8, cut)
            if amp != -1 and ";" not in text[amp:cut]:
                cut = amp
        pieces.append(text[:cut])
        text = text[cut:].lstrip("\n")
    if text:
        pieces.append(text)
    return pieces


async def _on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    # The exception text can hold a request URL with the token: log its type only.
    error = context.error
    log.error("telegram error: %s", type(error).__name__ if error else "unknown")


@asynccontextmanager
async def running_telegram(
    token: str,
    router: Router,
    *,
    base_url: str,
    webhook_url: str | None,
    webhook_port: int,
    on_started: Callable[[str], None],
    receive: bool = True,
    lease: dt.timedelta = LEASE,
    rate_limit: bool = True,
    pace_chats: bool = True,
) -> AsyncIterator[TelegramChannel]:
    """Telegram receiving (long polling, or a webhook) while the block runs, and the
    inbox worked; without `receive`, the inbox only (a worker beside a process that
    receives). What it yields sends the outbox through a Bot and connection pool of its
    own, so a broadcast never queues interactive replies behind it.

    Start-up retries the Bot API (getMe, setMyCommands, deleteWebhook) with backoff,
    one log line per retry, for as long as it takes; only a rejected token stops it.
    `rate_limit` off (bench/turns.py) lets replies and the outbox go as fast as they can."""
    window = Window(MESSAGES_PER_SECOND) if rate_limit else None
    application = build_application(
        token,
        router,
        base_url=base_url,
        rate_limit=rate_limit,
        window=window,
        lease=lease,
        pace_chats=pace_chats,
    )
    request = HTTPXRequest(
        connection_pool_size=OUTBOX_CONNECTIONS,
        read_timeout=SEND_TIMEOUT,
        write_timeout=SEND_TIMEOUT,
    )
    try:
        await retrying("telegram: getMe", application.initialize, retry_on=PASSING, log=log)
    except InvalidToken:
        await application.shutdown()
        raise TokenRejected("the Bot API rejected CHITIEU_TELEGRAM_TOKEN") from None
    async with application, Bot(token, base_url=base_url, request=request) as sender_bot:
        on_started(application.bot.username)
        if receive:
            await retrying("telegram: setMyCommands", lambda: register_commands(application),
                           retry_on=PASSING, log=log)  # fmt: skip
        inbox = intake(application)
        tasks = [asyncio.create_task(inbox.run())]
        updater = application.updater
        assert updater is not None
        if not receive:
            # deleteWebhook here would take the receiving process's webhook away.
            log.info("telegram: working the inbox only; another process receives")
        elif webhook_url:
            # A secret of this run's own, registered with the webhook: Telegram sends it
            # back with every update, and a POST without it is refused (403) before
            # anything reads it. Updates are recorded in the inbox before the answer.
            await updater.start_webhook(
                listen="0.0.0.0",
                port=webhook_port,
                url_path=urlsplit(webhook_url).path.lstrip("/"),
                webhook_url=webhook_url,
                secret_token=secrets.token_urlsafe(32),
                allowed_updates=Update.ALL_TYPES,
                bootstrap_retries=-1,
            )
        else:
            await retrying("telegram: deleteWebhook", application.bot.delete_webhook,
                           retry_on=PASSING, log=log)  # fmt: skip
            parsed: _Parsed = application.bot_data["parsed"]
            tasks.append(asyncio.create_task(poll(application.bot, inbox, parsed)))
        log.info("chitieu is running on Telegram as @%s", application.bot.username)
        try:
            yield TelegramChannel(sender_bot, window)
        finally:
            if updater.running:
                await updater.stop()
            # Receiving stops first; the update being handled finishes (see Intake.run).
            for task in reversed(tasks):
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task


async def poll(bot: Bot, inbox: Intake, parsed: _Parsed | None = None) -> None:
    """Long polling, done here rather than by python-telegram-bot's Updater: Telegram
    takes the next getUpdates offset as the acknowledgement of everything before it, and
    the Updater sends that offset as soon as updates are queued in memory. Here the next
    fetch starts only once the last ones are in the inbox, so a crash loses none.

    The inbox keeps each update as Telegram sent it (getUpdates through do_api_request,
    which answers the JSON as it came); an update that cannot be understood is logged
    by its id alone and passed over."""
    offset: int | None = None
    backoff = Backoff()
    while True:
        asked: dict[str, Any] = {"timeout": LONG_POLL, "allowed_updates": Update.ALL_TYPES}
        if offset is not None:
            asked["offset"] = offset
        try:
            answer = await bot.do_api_request(
                "get_updates", api_kwargs=asked, read_timeout=POLL_READ_TIMEOUT
            )
        except TelegramError as error:
            delay = backoff.next_delay()
            log.warning("telegram: getUpdates failed (%s); retry in %.0f s",
                        type(error).__name__, delay)  # fmt: skip
            await asyncio.sleep(delay)
            continue
        backoff.reset()
        raw: list[dict[str, Any]] = [u for u in answer or () if isinstance(u, dict)]
        arrivals: list[Arrival] = []
        for payload in raw:
            try:
                update = Update.de_json(payload, bot)
            except Exception as error:  # the next ones must still come through
                log.warning("telegram: update %s not understood (%s)",
                            payload.get("update_id"), type(error).__name__)  # fmt: skip
                continue
            if parsed is not None:
                parsed.keep(update)
            arrivals.append(to_arrival(update, payload))
        if arrivals:
            await inbox.take(arrivals)
        ids = [u["update_id"] for u in raw if isinstance(u.get("update_id"), int)]
        if ids:
            offset = max(ids) + 1
