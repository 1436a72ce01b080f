"""What a channel hands to the handlers and what it gets back: transport-neutral."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class TurnKind(StrEnum):
    TEXT = "text"
    COMMAND = "command"
    BUTTON = "button"
    OTHER = "other"  # a sticker, photo, voice note…: nothing the bot can read


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


@dataclass(frozen=True, slots=True)
class Button:
    label: str
    data: str  # at most 64 bytes (Telegram's callback_data limit)

    def __post_init__(self) -> None:
        if len(self.data.encode()) > 64:
            raise ValueError(f"button data over 64 bytes: {self.data!r}")


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
