"""The channel port: what a messenger can carry, and what became of one send.

Handlers shape their replies by a channel's `Capabilities` (text length, buttons,
files) instead of one platform's constants, and the outbox sender decides what to do
with a message from its `SendOutcome` alone, so Telegram, Zalo and the terminal all
plug in the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
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
