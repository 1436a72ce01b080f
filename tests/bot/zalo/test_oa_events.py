"""The OA signature and event parsing, without a server."""

from __future__ import annotations

import hashlib
import hmac
import json

from bot.zalo.oa import (
    BUTTON_PREFIX,
    CAPABILITIES,
    FollowEvent,
    IgnoredEvent,
    TurnEvent,
    UnfollowEvent,
    parse_event,
    verify_signature,
)
from handlers.messages import TurnKind
from tests.bot.zalo.fake_oa import APP_ID
from tests.bot.zalo.support import OA_SECRET, signed, text_event


def mac(raw: bytes, timestamp: str) -> str:
    return (
        "mac="
        + hashlib.sha256(
            APP_ID.encode() + raw + timestamp.encode() + OA_SECRET.encode()
        ).hexdigest()
    )


def test_the_raw_bytes_are_hashed_not_a_reserialisation() -> None:
    body = text_event("u1", "Dấu tiếng Việt", "m1")
    raw, signature = signed(body)  # spaced and unescaped, as Zalo may send it
    compact = json.dumps(body, separators=(",", ":")).encode()  # same data, other bytes

    assert verify_signature(APP_ID, raw, OA_SECRET, signature)
    assert not verify_signature(APP_ID, compact, OA_SECRET, signature)


def test_a_numeric_timestamp_and_an_uppercase_mac_are_accepted() -> None:
    raw = b'{"event_name":"user_send_text","timestamp":1795398000000}'

    assert verify_signature(
        APP_ID, raw, OA_SECRET, mac(raw, "1795398000000").upper().replace("MAC=", "mac=")
    )


def test_the_app_id_and_secret_are_part_of_the_mac() -> None:
    raw, signature = signed(text_event("u1", "x", "m1"))

    assert not verify_signature("another-app", raw, OA_SECRET, signature)
    assert not verify_signature(APP_ID, raw, "another-secret", signature)


def test_hmac_is_not_what_zalo_uses() -> None:
    raw = b'{"timestamp":"1"}'
    hmac_mac = hmac.new(
        OA_SECRET.encode(), APP_ID.encode() + raw + b"1", hashlib.sha256
    ).hexdigest()

    assert not verify_signature(APP_ID, raw, OA_SECRET, f"mac={hmac_mac}")
    assert verify_signature(APP_ID, raw, OA_SECRET, mac(raw, "1"))


def test_garbage_is_refused_without_raising() -> None:
    for raw in (
        b"",
        b"not json",
        b"\xff\xfe",
        b"[]",
        b'{"timestamp": true}',
        b'{"timestamp": null}',
    ):
        assert not verify_signature(APP_ID, raw, OA_SECRET, "mac=" + "a" * 64)


def test_a_button_payload_is_a_press_and_typed_text_is_text() -> None:
    press = parse_event(text_event("u1", BUTTON_PREFIX + "c:baocao", "m1"))
    typed = parse_event(text_event("u1", "c:baocao", "m2"))

    assert isinstance(press, TurnEvent) and isinstance(typed, TurnEvent)
    assert (press.turn.kind, press.turn.text) == (TurnKind.BUTTON, "c:baocao")
    assert (typed.turn.kind, typed.turn.text) == (TurnKind.TEXT, "c:baocao")
    assert press.key == "zalo_oa:msg:m1"


def test_button_data_fits_a_query_payload_with_the_prefix() -> None:
    assert CAPABILITIES.max_button_data + len(BUTTON_PREFIX.encode()) == 1000


def test_follow_unfollow_and_unknown_events() -> None:
    follow = {"event_name": "follow", "timestamp": "5", "follower": {"id": "u1"}, "oa_id": "o"}
    unfollow = follow | {"event_name": "unfollow"}
    seen = {"event_name": "user_seen_message", "timestamp": "6", "sender": {"id": "u1"}}

    assert parse_event(follow) == FollowEvent("u1", "zalo_oa:follow:u1:5")
    assert parse_event(unfollow) == UnfollowEvent("u1", "zalo_oa:unfollow:u1:5")
    assert isinstance(parse_event(seen), IgnoredEvent)
    assert isinstance(parse_event({"event_name": "follow", "timestamp": "5"}), IgnoredEvent)
