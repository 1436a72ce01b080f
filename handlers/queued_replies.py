"""Replies sent later through the outbox: as stored payloads, and back into replies.

A queued message is one chat message: its text stays well below Telegram's 4096
characters, so the sender makes one API call per outbox row and a crash can never leave
half of a message sent.
"""

from __future__ import annotations

from typing import Any

from handlers.messages import Button, Reply

# BLOCKED: last_error of a message whose recipient blocked the bot. NOT_ALLOWED: prefix
# of the last_error of a message the platform refused to deliver now (a reply window or
# a quota) while the person had no other messenger: their official is told.
from indicators.people import BLOCKED as BLOCKED
from indicators.people import NOT_ALLOWED as NOT_ALLOWED
from storage.contacts import Contact, UnitChat
from storage.outbox import NewMessage

MAX_QUEUED_TEXT = 3500  # leaves room for HTML escaping within Telegram's 4096


def fit(text: str, limit: int = MAX_QUEUED_TEXT) -> str:
    """`text` cut at a line end to fit one message, marked with an ellipsis if cut."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - 2)
    return text[: cut if cut > 0 else limit - 2].rstrip() + "\n…"


def to_payload(
    reply: Reply,
    *,
    person_id: int | None = None,
    external_id: str | None = None,
    unit_id: int | None = None,
) -> dict[str, Any]:
    """The outbox payload of a text reply; who it is for, so that the sender can mark a
    person unreachable or unlink a group chat that refuses messages for good."""
    if reply.file is not None or reply.image is not None:
        raise ValueError("queued messages carry text and buttons only")
    if len(reply.text) > MAX_QUEUED_TEXT:
        raise ValueError(f"queued text over {MAX_QUEUED_TEXT} characters; use fit()")
    payload: dict[str, Any] = {"text": reply.text}
    if reply.buttons:
        payload["buttons"] = [[[b.label, b.data] for b in row] for row in reply.buttons]
    if person_id is not None:
        payload["person_id"] = person_id
    if external_id is not None:
        payload["external_id"] = external_id
    if unit_id is not None:
        payload["unit_id"] = unit_id
    return payload


def from_payload(payload: dict[str, Any]) -> Reply:
    rows = payload.get("buttons") or []
    buttons = tuple(tuple(Button(str(label), str(data)) for label, data in row) for row in rows)
    return Reply(str(payload.get("text", "")), buttons)


def to_person(contact: Contact, reply: Reply, dedupe_key: str) -> NewMessage:
    payload = to_payload(reply, person_id=contact.person_id, external_id=contact.external_id)
    return NewMessage(contact.channel, contact.chat_id, payload, dedupe_key)


def to_group(chat: UnitChat, reply: Reply, dedupe_key: str) -> NewMessage:
    """A group gets the text only: a button there would open a conversation in front of
    the whole group for whoever pressed it."""
    payload = to_payload(Reply(reply.text), unit_id=chat.unit_id)
    return NewMessage(chat.channel, chat.chat_id, payload, dedupe_key)
