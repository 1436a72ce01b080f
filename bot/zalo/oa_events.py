"""Zalo OA webhook events: the signature check and what an event means to the bot.

Event shapes follow Zalo's examples as quoted by several working integrations
(chatwoot's zalo_oa, field-vn/zalo); there is no first-hand schema, so unknown or
malformed events are ignored rather than guessed at.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import string
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from bot.zalo.inbox import text_turn
from handlers.messages import Turn, TurnKind

CHANNEL = "zalo_oa"

# A button press comes back as the person's own text message carrying the button's
# payload (there is no click event). The prefix tells it apart from typed text: U+2063
# (INVISIBLE SEPARATOR) cannot be typed on a phone keyboard, and `oa.query.hide` keeps the
# payload out of the chat. Guess: Zalo passes the payload back byte for byte, which the
# integrations that rely on query buttons report.
BUTTON_PREFIX = "\u2063btn:"

SIGNATURE_HEADER = "X-ZEvent-Signature"
_HEX = frozenset(string.hexdigits)


def verify_signature(
    app_id: str, raw_body: bytes, oa_secret: str, header_value: str | None
) -> bool:
    """Whether `header_value` ("mac=<hex>") signs `raw_body`.

    The mac is plain SHA-256 (not HMAC) of app id + the raw body as received + the body's
    own `timestamp` field + the OA secret key. The body is hashed exactly as it came:
    re-serialised JSON would differ in spacing and escapes.
    """
    if not header_value:
        return False
    scheme, sep, given = header_value.strip().partition("=")
    given = given.strip().lower()
    if scheme.strip().lower() != "mac" or not sep or len(given) != 64 or not _HEX.issuperset(given):
        return False
    timestamp = _timestamp(raw_body)
    if timestamp is None:
        return False
    expected = hashlib.sha256(
        app_id.encode() + raw_body + timestamp.encode() + oa_secret.encode()
    ).hexdigest()
    return hmac.compare_digest(expected, given)


def _timestamp(raw_body: bytes) -> str | None:
    try:
        body = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(body, dict):
        return None
    value = body.get("timestamp")
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return None


@dataclass(frozen=True, slots=True)
class TurnEvent:
    """Something a person sent: for the router."""

    turn: Turn
    key: str  # for recognising a redelivery


@dataclass(frozen=True, slots=True)
class FollowEvent:
    """The person followed the OA: the app answers with its greeting."""

    user_id: str
    key: str


@dataclass(frozen=True, slots=True)
class UnfollowEvent:
    """The person unfollowed: the OA can no longer write to them."""

    user_id: str
    key: str


@dataclass(frozen=True, slots=True)
class IgnoredEvent:
    """An event the bot has no use for (the OA's own echoes, reactions, seen marks…)."""

    name: str
    key: str


OAEvent = TurnEvent | FollowEvent | UnfollowEvent | IgnoredEvent


def parse_event(body: Mapping[str, Any]) -> OAEvent:
    name = _str(body.get("event_name"))
    timestamp = _str(body.get("timestamp"))
    if name in ("follow", "unfollow"):
        follower = _str(_dict(body.get("follower")).get("id"))
        key = f"{CHANNEL}:{name}:{follower}:{timestamp}"
        if not follower:
            return IgnoredEvent(name, key)
        return FollowEvent(follower, key) if name == "follow" else UnfollowEvent(follower, key)
    message = _dict(body.get("message"))
    msg_id = _str(message.get("msg_id"))
    sender = _str(_dict(body.get("sender")).get("id"))
    key = f"{CHANNEL}:msg:{msg_id}" if msg_id else f"{CHANNEL}:{name}:{sender}:{timestamp}"
    if not name.startswith("user_send_") or not sender:
        return IgnoredEvent(name, key)
    base = Turn(
        channel=CHANNEL,
        external_id=sender,
        chat_id=sender,
        kind=TurnKind.OTHER,
        update_id=msg_id or None,
    )
    text = message.get("text")
    if name != "user_send_text" or not isinstance(text, str):
        return TurnEvent(base, key)
    if text.startswith(BUTTON_PREFIX):
        press = replace(base, kind=TurnKind.BUTTON, text=text.removeprefix(BUTTON_PREFIX))
        return TurnEvent(press, key)
    return TurnEvent(text_turn(base, text), key)


def _dict(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: object) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return ""
