"""The Zalo OA access token, kept fresh through its single-use refresh token.

An access token lives about 25 hours; refreshing it returns a new access token and a new
refresh token, and the old refresh token stops working (single use). Losing the new
refresh token therefore locks the bot out until someone authorises the OA again by
hand, so the new pair is saved before anything uses it, and only one refresh runs at a
time even when many sends wait for a token.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from storage.zalo_tokens import StoredTokens, ZaloTokens

log = logging.getLogger(__name__)

OAUTH_URL = "https://oauth.zaloapp.com"


@dataclass(frozen=True, slots=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_at: dt.datetime  # of the access token, timezone-aware UTC

    def __repr__(self) -> str:  # a pair printed in a log or a traceback shows no secret
        return f"TokenPair(expires_at={self.expires_at.isoformat()})"


class TokenStore(Protocol):
    """Where the current pair lives; the app keeps it in its database."""

    async def load(self) -> TokenPair | None:
        """The pair saved last, or None before the first one."""

    async def save(self, pair: TokenPair) -> None:
        """Durably, before returning: the pair is used only after this succeeds."""


class DatabaseTokenStore:
    """The app's TokenStore: the pair of one app in the database (storage.zalo_tokens).

    `save` commits before it returns, so call it outside any open transaction of the
    caller's (the channel refreshes while sending, never while a turn is handled).
    """

    def __init__(self, tokens: ZaloTokens, app_id: str) -> None:
        self._tokens = tokens
        self._app_id = app_id

    async def seed(self, configured: TokenPair) -> bool:
        """Start from the configured pair unless the database holds one refreshed from
        it; True if the configured pair is the current one now."""
        return await self._tokens.seed(self._app_id, _stored(configured))

    async def load(self) -> TokenPair | None:
        stored = await self._tokens.load(self._app_id)
        if stored is None:
            return None
        return TokenPair(stored.access_token, stored.refresh_token, stored.expires_at)

    async def save(self, pair: TokenPair) -> None:
        await self._tokens.save(self._app_id, _stored(pair))


def _stored(pair: TokenPair) -> StoredTokens:
    return StoredTokens(pair.access_token, pair.refresh_token, pair.expires_at)


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """Timezone-aware UTC."""


class TokenError(Exception):
    """No usable access token: none stored, or the refresh failed. Never carries a token."""


class TokenManager:
    """Hands out a valid access token, refreshing it shortly before it expires."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        store: TokenStore,
        clock: Clock,
        *,
        app_id: str,
        app_secret: str,
        oauth_url: str = OAUTH_URL,
        margin: dt.timedelta = dt.timedelta(minutes=15),
    ) -> None:
        self._http = http
        self._store = store
        self._clock = clock
        self._app_id = app_id
        self._app_secret = app_secret
        self._url = oauth_url.rstrip("/") + "/v4/oa/access_token"
        self._margin = margin
        self._pair: TokenPair | None = None
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        pair = self._pair or await self._load()
        if self._fresh(pair):
            return pair.access_token
        return await self.refresh(pair.access_token)

    async def refresh(self, stale: str) -> str:
        """A new access token to replace `stale`, the one that expired or was refused.

        Callers that queued behind a refresh find `stale` already replaced and get the
        replacement without refreshing again.
        """
        async with self._lock:
            # From the store, not memory: another process may have refreshed meanwhile.
            pair = await self._load()
            if pair.access_token != stale and self._fresh(pair):
                return pair.access_token
            try:
                new = await self._exchange(pair)
            except TokenError:
                stored = await self._store.load()
                if stored is not None and stored.refresh_token != pair.refresh_token:
                    # Someone else spent the refresh token we held: theirs is current.
                    self._pair = stored
                    if self._fresh(stored):
                        return stored.access_token
                raise
            try:
                await self._store.save(new)
            except Exception:
                # The old refresh token is spent: without the new one an operator has to
                # authorise the OA again.
                log.critical("zalo_oa: a refreshed token pair could not be saved")
                raise
            self._pair = new
            log.info("zalo_oa: access token refreshed, valid until %s", new.expires_at)
            return new.access_token

    async def _load(self) -> TokenPair:
        pair = await self._store.load()
        if pair is None:
            raise TokenError("no Zalo OA token stored: authorise the OA first")
        self._pair = pair
        return pair

    def _fresh(self, pair: TokenPair) -> bool:
        return self._clock.now() < pair.expires_at - self._margin

    async def _exchange(self, pair: TokenPair) -> TokenPair:
        try:
            response = await self._http.post(
                self._url,
                data={
                    "refresh_token": pair.refresh_token,
                    "app_id": self._app_id,
                    "grant_type": "refresh_token",
                },
                headers={"secret_key": self._app_secret},
            )
        except httpx.HTTPError as error:
            raise TokenError(f"token refresh failed: {type(error).__name__}") from None
        if response.status_code != 200:
            raise TokenError(f"token refresh failed: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise TokenError("token refresh failed: unreadable answer") from None
        new = _pair_from(body, self._clock.now())
        if new is None:
            # Guess: a refusal carries an `error` code; its form is not documented.
            code = body.get("error") if isinstance(body, dict) else None
            raise TokenError(f"token refresh refused (error {code})")
        return new


def _pair_from(body: object, now: dt.datetime) -> TokenPair | None:
    if not isinstance(body, Mapping):
        return None
    access = body.get("access_token")
    refresh = body.get("refresh_token")
    seconds = _seconds(body)
    if not (isinstance(access, str) and access and isinstance(refresh, str) and refresh):
        return None
    if seconds is None:
        return None
    return TokenPair(access, refresh, now + dt.timedelta(seconds=seconds))


def _seconds(body: Mapping[str, Any]) -> int | None:
    # Zalo sends expires_in as a string ("90000"); a number is accepted as well.
    value = body.get("expires_in")
    if isinstance(value, bool):
        return None
    try:
        seconds = int(value) if isinstance(value, (int, str)) else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds > 0 else None
