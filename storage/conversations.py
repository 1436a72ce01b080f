"""Conversation state, so that a conversation survives a restart.

A registered person has one conversation whichever messenger they write from: it is
kept under (PERSON, their id), so a report started on Telegram can be finished on Zalo.
Someone not registered yet has theirs under the chat identity. Callers name the chat
identity either way; the key is found here.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from storage.audit import dumps
from storage.backends import Backend
from storage.clock import from_db, to_db

PERSON = "person"  # the channel column of a registered person's conversation


@dataclass(frozen=True, slots=True)
class ConversationState:
    channel: str
    external_id: str
    dialog: str
    step: str
    data: dict[str, Any]
    updated_at: dt.datetime


class Conversations:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def _key(self, channel: str, external_id: str) -> tuple[str, str]:
        person_id = await self._db.fetch_value(
            "SELECT person_id FROM identities WHERE channel = ? AND external_id = ?",
            (channel, external_id),
        )
        return (PERSON, str(person_id)) if person_id is not None else (channel, external_id)

    async def get(self, channel: str, external_id: str) -> ConversationState | None:
        row = await self._db.fetch_one(
            "SELECT dialog, step, data_json, updated_at FROM conversation_state"
            " WHERE channel = ? AND external_id = ?",
            await self._key(channel, external_id),
        )
        if row is None:
            return None
        return ConversationState(
            channel=channel,
            external_id=external_id,
            dialog=row["dialog"],
            step=row["step"],
            data=json.loads(row["data_json"]),
            updated_at=from_db(row["updated_at"]),
        )

    async def put(
        self,
        channel: str,
        external_id: str,
        dialog: str,
        step: str,
        data: dict[str, Any],
    ) -> None:
        """Replace the state. `data` must be JSON-serialisable: store report values in the
        form of indicators.values.value_to_data, never floats."""
        async with self._db.transaction() as tx:
            key = await self._key(channel, external_id)
            await tx.execute(
                "INSERT INTO conversation_state"
                " (channel, external_id, dialog, step, data_json, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (channel, external_id) DO UPDATE SET dialog = excluded.dialog,"
                " step = excluded.step, data_json = excluded.data_json,"
                " updated_at = excluded.updated_at",
                (*key, dialog, step, dumps(data), tx.stamp),
            )

    async def clear(self, channel: str, external_id: str) -> bool:
        """Forget the conversation; False if there was none."""
        async with self._db.transaction() as tx:
            removed = await tx.execute(
                "DELETE FROM conversation_state WHERE channel = ? AND external_id = ?",
                await self._key(channel, external_id),
            )
        return bool(removed)

    async def clear_older_than(self, cutoff: dt.datetime) -> int:
        """Forget conversations abandoned since before `cutoff`; how many."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM conversation_state WHERE updated_at < ?", (to_db(cutoff),)
            )
