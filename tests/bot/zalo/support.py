"""What the Zalo tests share: an injected clock and in-memory stand-ins for the app's
database-backed token store and dedupe."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import httpx
from aiohttp.test_utils import TestServer

from bot.zalo.oa import TokenManager, TokenPair
from tests.bot.zalo.fake_oa import APP_ID, APP_SECRET

START = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)
FILE_NOTICE = "appendix notice (the router's text)"


class FakeClock:
    def __init__(self, now: dt.datetime = START) -> None:
        self._now = now

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, delta: dt.timedelta) -> None:
        self._now += delta


class MemoryTokenStore:
    """The app's TokenStore, in memory; `log` records every save in order."""

    def __init__(self, pair: TokenPair | None = None) -> None:
        self.pair = pair
        self.log: list[TokenPair] = []

    async def load(self) -> TokenPair | None:
        return self.pair

    async def save(self, pair: TokenPair) -> None:
        self.pair = pair
        self.log.append(pair)


class MemoryDedupe:
    def __init__(self) -> None:
        self.seen: set[str] = set()

    async def __call__(self, key: str) -> bool:
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


async def served(app_server: TestServer) -> str:
    await app_server.start_server()
    return str(app_server.make_url("")).rstrip("/")


def make_manager(
    http: httpx.AsyncClient, store: MemoryTokenStore, clock: FakeClock, oa_url: str
) -> TokenManager:
    return TokenManager(http, store, clock, app_id=APP_ID, app_secret=APP_SECRET, oauth_url=oa_url)


OA_SECRET = "oa-secret-key-for-tests"  # the OA's secret key, not the app's
OA_ID = "579745863508352884"


def signed(
    body: dict[str, object], *, app_id: str = APP_ID, secret: str = OA_SECRET
) -> tuple[bytes, str]:
    """The raw bytes of an event and its X-ZEvent-Signature, computed as Zalo does."""
    raw = json.dumps(body, ensure_ascii=False, separators=(", ", ": ")).encode()
    digest = hashlib.sha256(
        app_id.encode() + raw + str(body["timestamp"]).encode() + secret.encode()
    )
    return raw, f"mac={digest.hexdigest()}"


def text_event(
    user_id: str, text: str, msg_id: str, timestamp: str = "1795398000000"
) -> dict[str, object]:
    return {
        "app_id": APP_ID,
        "user_id_by_app": "552177279717587730",
        "event_name": "user_send_text",
        "timestamp": timestamp,
        "sender": {"id": user_id},
        "recipient": {"id": OA_ID},
        "message": {"text": text, "msg_id": msg_id},
    }
