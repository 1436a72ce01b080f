"""Zalo Official Account (Open API v3): the channel that sends customer-service messages.

An OA may answer a person only within a window after that person's last message (free
for 48 hours, then refused), so it never writes first; reminders to people who have
been silent come back as NOT_ALLOWED and the sender must not retry them blindly.

What each part relies on, and how sure it is, is in the team's notes
(shared/ZALO-NOTES.md); guesses are marked where the code makes them.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import httpx

from bot.numbered_choices import (
    ChoiceMemory,
    RecentChoices,
    flat_buttons,
    with_numbered_choices,
)
from bot.zalo.oa_events import (
    BUTTON_PREFIX,
    CHANNEL,
    FollowEvent,
    IgnoredEvent,
    OAEvent,
    TurnEvent,
    UnfollowEvent,
    parse_event,
    verify_signature,
)
from bot.zalo.oa_tokens import Clock, TokenError, TokenManager, TokenPair, TokenStore
from bot.zalo.split import split_text
from handlers.channels import SENT, Capabilities, Outcome, SendOutcome
from handlers.messages import OutFile, Reply

__all__ = [
    "BUTTON_PREFIX",
    "CAPABILITIES",
    "CHANNEL",
    "Clock",
    "FollowEvent",
    "IgnoredEvent",
    "OAEvent",
    "TokenError",
    "TokenManager",
    "TokenPair",
    "TokenStore",
    "TurnEvent",
    "UnfollowEvent",
    "ZaloOAChannel",
    "parse_event",
    "verify_signature",
]

API_URL = "https://openapi.zalo.me"
MAX_TEXT = 2000
MAX_BUTTONS = 5
MAX_PAYLOAD = 1000  # characters of an oa.query payload; counted here in bytes, to be safe

CAPABILITIES = Capabilities(
    max_text=MAX_TEXT,
    max_buttons=MAX_BUTTONS,
    max_button_data=MAX_PAYLOAD - len(BUTTON_PREFIX.encode()),
    max_button_label=100,  # from one third-party SDK only
    # The appendix is an .xlsx workbook; the OA's file upload is reported to take PDF and
    # Word documents only, so the channel points to Telegram or the terminal instead.
    files=False,
    images=True,
    groups=False,  # an OA talks to one follower at a time
    may_message_first=False,  # the reply window
    # Zalo allows 4000 requests a minute per app (about 66/s) counting every call:
    # uploads, token refreshes and the webhook's answers too. A third of it leaves room
    # for those and for an image costing two calls.
    messages_per_second=20.0,
    private_interval=0.2,
    group_interval=0.2,
)

DEFAULT_RETRY_AFTER = 60.0  # seconds, when Zalo limits the rate without saying how long

_NOT_ALLOWED = {
    -213: "not a follower",
    -230: "no interaction in the last 7 days",
    -232: "no interaction or it expired",
    -211: "quota exceeded",
    -218: "quota exceeded",
    -320: "needs a Zalo Cloud Account (paid window)",
    -321: "Zalo Cloud Account out of credit",
}
_REJECTED = {-201: "invalid parameter", -210: "over a limit"}
_TOKEN_REFUSED = (-216, -220)
_RATE_LIMITED = -32


@dataclass(frozen=True, slots=True)
class _Answer:
    outcome: SendOutcome
    data: Mapping[str, Any]
    token_refused: bool = False


class ZaloOAChannel:
    """Sends replies as OA customer-service messages (`/v3.0/oa/message/cs`).

    `file_notice` is what a person reads instead of an appendix (the router's text, in
    their language): the channel itself holds no user-facing words.
    """

    name = CHANNEL
    capabilities = CAPABILITIES

    def __init__(
        self,
        http: httpx.AsyncClient,
        tokens: TokenManager,
        *,
        file_notice: str,
        choices: ChoiceMemory | None = None,
        api_url: str = API_URL,
    ) -> None:
        self._http = http
        self._tokens = tokens
        self._file_notice = file_notice
        self.choices: ChoiceMemory = choices if choices is not None else RecentChoices()
        self._api = api_url.rstrip("/")

    async def send(self, chat_id: str, reply: Reply) -> SendOutcome:
        """One reply as one or more messages: its text in pieces of 2000 characters
        with the buttons on the last, then its picture, then the appendix notice.

        A failure stops the rest and is reported with the part it stopped at; the
        parts before it were delivered.
        """
        messages = await self._text_messages(chat_id, reply)
        steps: list[Callable[[], Awaitable[SendOutcome]]] = [
            partial(self._send_message, chat_id, message) for message in messages
        ]
        if reply.image is not None:
            steps.append(partial(self._send_image, chat_id, reply.image))
        if reply.file is not None:
            steps.append(partial(self._send_message, chat_id, {"text": self._file_notice}))
        for number, step in enumerate(steps, 1):
            outcome = await step()
            if not outcome.sent:
                if len(steps) == 1:
                    return outcome
                detail = f"{outcome.detail} (part {number} of {len(steps)})"
                return SendOutcome(outcome.outcome, outcome.retry_after, detail)
        return SENT

    async def _text_messages(self, chat_id: str, reply: Reply) -> list[dict[str, Any]]:
        buttons = flat_buttons(reply)
        text = reply.text
        attachment: dict[str, Any] | None = None
        if len(buttons) > MAX_BUTTONS:
            text = with_numbered_choices(text, buttons, CAPABILITIES.max_button_label)
            await self.choices.remember(chat_id, [b.data for b in buttons])
        elif buttons:
            attachment = {
                "type": "template",
                "payload": {
                    "buttons": [
                        {
                            "title": b.label[: CAPABILITIES.max_button_label],
                            "type": "oa.query.hide",
                            "payload": BUTTON_PREFIX + b.data,
                        }
                        for b in buttons
                    ]
                },
            }
        if not text and attachment is None:
            return []
        messages: list[dict[str, Any]] = [{"text": piece} for piece in split_text(text, MAX_TEXT)]
        if attachment is not None:
            messages[-1]["attachment"] = attachment
        return messages

    async def _send_message(self, chat_id: str, message: Mapping[str, Any]) -> SendOutcome:
        body = {"recipient": {"user_id": chat_id}, "message": message}
        url = f"{self._api}/v3.0/oa/message/cs"
        answer = await self._call(
            lambda token: self._http.post(url, json=body, headers={"access_token": token})
        )
        return answer.outcome

    async def _send_image(self, chat_id: str, image: OutFile) -> SendOutcome:
        """Upload the picture, then send it as a media template by its attachment id.

        Guess: the upload answers `{"data": {"attachment_id"}, "error": 0}` as Zalo's
        Java SDK example suggests; its size limit (reported as 1 MB) is not checked here,
        the charts are far smaller.
        """
        kind = mimetypes.guess_type(image.filename)[0] or "image/png"
        url = f"{self._api}/v2.0/oa/upload/image"
        files = {"file": (image.filename, image.content, kind)}
        uploaded = await self._call(
            lambda token: self._http.post(url, files=files, headers={"access_token": token})
        )
        if not uploaded.outcome.sent:
            return uploaded.outcome
        attachment_id = uploaded.data.get("attachment_id")
        if not isinstance(attachment_id, str) or not attachment_id:
            return SendOutcome(Outcome.TRANSIENT, detail="image upload gave no attachment id")
        message: dict[str, Any] = {
            "attachment": {
                "type": "template",
                "payload": {
                    "template_type": "media",
                    "elements": [{"media_type": "image", "attachment_id": attachment_id}],
                },
            }
        }
        if image.caption:
            message["text"] = image.caption[:MAX_TEXT]
        return await self._send_message(chat_id, message)

    async def _call(self, request: Callable[[str], Awaitable[httpx.Response]]) -> _Answer:
        """One API call with a valid token; a refused token is refreshed and the call
        made once more."""
        try:
            token = await self._tokens.token()
        except TokenError as error:
            return _Answer(SendOutcome(Outcome.TRANSIENT, detail=str(error)), {})
        answer = await self._attempt(request, token)
        if not answer.token_refused:
            return answer
        try:
            token = await self._tokens.refresh(token)
        except TokenError as error:
            return _Answer(SendOutcome(Outcome.TRANSIENT, detail=str(error)), {})
        answer = await self._attempt(request, token)
        if answer.token_refused:
            detail = "access token refused again after a refresh"
            return _Answer(SendOutcome(Outcome.TRANSIENT, detail=detail), {})
        return answer

    async def _attempt(
        self, request: Callable[[str], Awaitable[httpx.Response]], token: str
    ) -> _Answer:
        try:
            response = await request(token)
        except httpx.TimeoutException:
            return _Answer(SendOutcome(Outcome.TRANSIENT, detail="timeout"), {})
        except httpx.HTTPError as error:
            # The type only: httpx's messages may hold the request.
            return _Answer(SendOutcome(Outcome.TRANSIENT, detail=type(error).__name__), {})
        return judge(response)


def judge(response: httpx.Response) -> _Answer:
    """What Zalo's answer means for the message. Zalo reports most errors with HTTP 200
    and a negative `error` code in the body."""
    status = response.status_code
    if status == 429:
        return _Answer(_retry_after(response, "HTTP 429"), {})
    if status >= 500:
        return _Answer(SendOutcome(Outcome.TRANSIENT, detail=f"HTTP {status}"), {})
    if status in (401, 403):
        return _Answer(SendOutcome(Outcome.TRANSIENT, detail=f"HTTP {status}"), {})
    if status >= 400:
        return _Answer(SendOutcome(Outcome.REJECTED, detail=f"HTTP {status}"), {})
    try:
        body = response.json()
    except ValueError:
        return _Answer(SendOutcome(Outcome.TRANSIENT, detail="unreadable answer"), {})
    if not isinstance(body, dict):
        return _Answer(SendOutcome(Outcome.TRANSIENT, detail="unreadable answer"), {})
    code = _code(body.get("error"))
    data = body.get("data")
    if code == 0:
        return _Answer(SENT, data if isinstance(data, dict) else {})
    if code in _TOKEN_REFUSED:
        detail = f"zalo error {code} (access token refused)"
        return _Answer(SendOutcome(Outcome.TRANSIENT, detail=detail), {}, token_refused=True)
    if code == _RATE_LIMITED:
        return _Answer(_retry_after(response, f"zalo error {code} (rate limit)"), {})
    if code in _NOT_ALLOWED:
        detail = f"zalo error {code} ({_NOT_ALLOWED[code]})"
        return _Answer(SendOutcome(Outcome.NOT_ALLOWED, detail=detail), {})
    if code in _REJECTED:
        detail = f"zalo error {code} ({_REJECTED[code]})"
        return _Answer(SendOutcome(Outcome.REJECTED, detail=detail), {})
    # An unknown code may well pass: retrying with backoff gives it up after a few tries.
    return _Answer(SendOutcome(Outcome.TRANSIENT, detail=f"zalo error {code}"), {})


def _retry_after(response: httpx.Response, detail: str) -> SendOutcome:
    """Seconds from `Retry-After` when present. Guess: Zalo's documented rate headers
    (`X-RateLimit-Limit`, `X-RateLimit-Remain`) say nothing of when to come back."""
    seconds = DEFAULT_RETRY_AFTER
    header = response.headers.get("Retry-After", "")
    try:
        if header:
            seconds = max(float(header), 1.0)
    except ValueError:
        pass
    return SendOutcome(Outcome.RETRY_AFTER, retry_after=seconds, detail=detail)


def _code(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return None
    return None
