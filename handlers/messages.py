"""What a channel hands to the handlers and what it gets back: transport-neutral."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from indicators.text import clean_typed


class TurnKind(StrEnum):
    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"
    OTHER = "other"  # a sticker, photo, voice note…: nothing the bot can read


@dataclass(frozen=True, slots=True)
class InFile:
    """A file someone sent (a plan table): its name as sent, and its bytes."""

    filename: str
    content: bytes


@dataclass(frozen=True, slots=True)
class Turn:
    channel: str  # telegram | zalo | console
    external_id: str  # the person's id on that channel
    chat_id: str
    kind: TurnKind
    text: str = ""  # the text, the button data, or the command's arguments
    command: str = ""  # without the slash, lowercase
    name: str = ""  # display name the channel gives, for new people
    update_id: str | None = None  # for handling a redelivered update once
    bot: str = ""  # the account update_id belongs to (a Telegram bot and its server)
    is_group: bool = False
    # A document sent with the message (kind OTHER, so that dialogs that only read text
    # say so); the text is then its caption.
    document: InFile | None = None

    def __post_init__(self) -> None:
        # Every channel builds its turns here, so this is the one door all typed text
        # comes through: what is stored and shown later never holds a control character.
        for name in ("text", "command", "name"):
            object.__setattr__(self, name, clean_typed(getattr(self, name)))


# The payload every channel with buttons can carry (Telegram's callback_data is the
# smallest), so one reply fits all channels; tests/bot/test_channel_limits.py holds each
# channel's Capabilities to it. Longer texts need no such bound: every channel splits them.
BUTTON_DATA_BYTES = 64


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str  # at most BUTTON_DATA_BYTES

    def __post_init__(self) -> None:
        if len(self.data.encode()) > BUTTON_DATA_BYTES:
            raise ValueError(f"button data over {BUTTON_DATA_BYTES} bytes: {self.data!r}")


@dataclass(frozen=True, slots=True)
class OutFile:
    filename: str
    content: bytes
    caption: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    """Plain text (channels escape it); buttons as rows."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = field(default=())
    file: OutFile | None = None
    image: OutFile | None = None
