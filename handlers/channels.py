"""The channel port: what a messenger can carry, and what became of one send.

Handlers shape their replies by a channel's `Capabilities` (text length, buttons,
files) instead of one platform's constants, and the outbox sender decides what to do
with a message from its `SendOutcome` alone, so Telegram, Zalo and the terminal all
plug in the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from handlers.messages import Reply


@dataclass(frozen=True, slots=True)
class Capabilities:
    max_text: int  # characters of one message, after the channel's own escaping
    max_buttons: int  # buttons in one message; 0: choices become numbered text
    max_button_data: int  # bytes of one button's payload
    max_button_label: int  # characters of one button's label
    files: bool  # can send a document (the appendix)
    images: bool  # can send a picture (the chart)
    groups: bool  # can be linked to a group chat
    may_message_first: bool  # may write to a person who has not written lately
    messages_per_second: float  # the sender's overall pace on this channel
    private_interval: float  # seconds between two messages to one person
    group_interval: float  # seconds between two messages to one group


class Outcome(StrEnum):
    SENT = "sent"
    RETRY_AFTER = "retry_after"  # the platform asked to wait: all sends of the channel wait
    BLOCKED = "blocked"  # the person blocked the bot or left: unreachable until they write
    REJECTED = "rejected"  # a bad request: sending it again cannot succeed
    TRANSIENT = "transient"  # the network or the platform failed: retry with backoff
    NOT_ALLOWED = "not_allowed"  # a window or quota refuses it now: never retried blindly
    MOVED = "moved"  # a group changed its id (`new_chat_id`): follow it


@dataclass(frozen=True, slots=True)
class SendOutcome:
    outcome: Outcome
    retry_after: float = 0.0  # seconds, with RETRY_AFTER
    detail: str = ""  # for the log and the outbox: never a token or message text
    new_chat_id: str = ""  # with MOVED

    @property
    def sent(self) -> bool:
        return self.outcome is Outcome.SENT


SENT = SendOutcome(Outcome.SENT)


class Channel(Protocol):
    """One messenger as the sender sees it."""

    name: str
    capabilities: Capabilities

    async def send(self, chat_id: str, reply: Reply) -> SendOutcome:
        """Deliver one reply (one outbox message) and say what became of it."""


# The smallest message any channel carries (Zalo's 2000 characters): replies for a
# channel that has not said its own limit are joined within it.
SMALLEST_TEXT = 2000
PARAGRAPH = "\n\n"


def one_message_per_turn(replies: Sequence[Reply], max_text: int = SMALLEST_TEXT) -> list[Reply]:
    """A turn's consecutive text replies as one message where they fit in `max_text`:
    "Đã ghi 3.1: …" and the next question arrive together, so a channel's messages per
    second carry as many turns. A reply with buttons, a file or a picture ends a
    message (the buttons stay under the text they belong to, and the file or picture
    right after it); a text too long to join starts the next one."""
    joined: list[Reply] = []
    for reply in replies:
        if joined and _open(joined[-1]) and reply.text:
            last = joined[-1]
            text = last.text + PARAGRAPH + reply.text if last.text else reply.text
            if len(text) <= max_text:
                joined[-1] = replace(reply, text=text)
                continue
        joined.append(reply)
    return joined


def _open(reply: Reply) -> bool:
    """Whether more text may follow this reply in the same message."""
    return not reply.buttons and reply.file is None and reply.image is None
