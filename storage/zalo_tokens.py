"""The Zalo Official Account's token pair, one per app, kept in the database.

Zalo's refresh token is single use: refreshing returns a new access token and a new
refresh token, and the old refresh token stops working. The pair a refresh returns is
therefore saved here (committed) before anything uses it, so a crash right after a
refresh leaves the only valid refresh token in the database, not in a dead process.

The first pair comes from the configuration (CHITIEU_ZALO_ACCESS_TOKEN and
CHITIEU_ZALO_REFRESH_TOKEN). It is used only until the database holds a pair descended
from it: the row remembers a hash of the configured refresh token it started from
(`seed_hash`), so a restart with the same, now spent, configured pair keeps the stored
one, while an operator who authorises the OA again and configures the new pair gets it
used.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from storage.backends import Backend, Tx
from storage.clock import from_db, to_db


@dataclass(frozen=True, slots=True)
class StoredTokens:
    access_token: str
    refresh_token: str
    expires_at: dt.datetime  # of the access token

    def __repr__(self) -> str:  # never a secret in a log or a traceback
        return f"StoredTokens(expires_at={self.expires_at.isoformat()})"


def seed_hash(refresh_token: str) -> str:
    """Which configured pair a row descends from, without keeping that token twice."""
    return hashlib.sha256(refresh_token.encode()).hexdigest()


class ZaloTokens:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def load(self, app_id: str) -> StoredTokens | None:
        row = await self._db.fetch_one(
            "SELECT access_token, refresh_token, expires_at FROM zalo_oa_tokens WHERE app_id = ?",
            (app_id,),
        )
        if row is None:
            return None
        return StoredTokens(row["access_token"], row["refresh_token"], from_db(row["expires_at"]))

    async def save(self, app_id: str, tokens: StoredTokens) -> None:
        """Replace the pair of an app that has one (a refresh); committed on return."""
        async with self._db.transaction() as tx:
            changed = await tx.execute(
                "UPDATE zalo_oa_tokens SET access_token = ?, refresh_token = ?, expires_at = ?,"
                " saved_at = ? WHERE app_id = ?",
                (
                    tokens.access_token,
                    tokens.refresh_token,
                    to_db(tokens.expires_at),
                    tx.stamp,
                    app_id,
                ),
            )
            if not changed:
                # No configured pair was seeded: the refreshed pair is its own origin.
                await self._insert(tx, app_id, tokens, seed_hash(tokens.refresh_token))

    async def seed(self, app_id: str, configured: StoredTokens) -> bool:
        """Store the configured pair unless the database holds one descended from it;
        True if the configured pair is now the current one."""
        wanted = seed_hash(configured.refresh_token)
        async with self._db.transaction() as tx:
            current = await tx.fetch_value(
                "SELECT seed_hash FROM zalo_oa_tokens WHERE app_id = ?", (app_id,)
            )
            if current == wanted:
                return False
            if current is not None:
                await tx.execute("DELETE FROM zalo_oa_tokens WHERE app_id = ?", (app_id,))
            await self._insert(tx, app_id, configured, wanted)
        return True

    @staticmethod
    async def _insert(tx: Tx, app_id: str, tokens: StoredTokens, origin: str) -> None:
        await tx.execute(
            "INSERT INTO zalo_oa_tokens"
            " (app_id, access_token, refresh_token, expires_at, seed_hash, saved_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (
                app_id,
                tokens.access_token,
                tokens.refresh_token,
                to_db(tokens.expires_at),
                origin,
                tx.stamp,
            ),
        )
