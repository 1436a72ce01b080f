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
from storage.backends import Backend, Row
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


def conversation_from_row(
    channel: str, external_id: str, row: Row, *, updated_at: str = "updated_at"
) -> ConversationState:
    """A conversation_state row (its dialog, step, data_json and `updated_at` columns) as
    the state of the conversation in the chat named."""
    return ConversationState(
        channel=channel,
        external_id=external_id,
        dialog=row["dialog"],
        step=row["step"],
        data=json.loads(row["data_json"]),
        updated_at=from_db(row[updated_at]),
    )


# The conversation's key (channel, external_id) for a chat identity, worked out by the
# statement itself (one round trip, not a lookup first): the person's when the identity
# is registered, else the identity's own. Parameters: channel, external_id, twice.
_KEY_CHANNEL = (
    f"COALESCE((SELECT '{PERSON}' FROM identities WHERE channel = ? AND external_id = ?), ?)"
)
_KEY_ID = (
    "COALESCE((SELECT CAST(person_id AS TEXT) FROM identities"
    " WHERE channel = ? AND external_id = ?), ?)"
)
_IS_KEY = f"channel = {_KEY_CHANNEL} AND external_id = {_KEY_ID}"


def _key_params(channel: str, external_id: str) -> tuple[str, ...]:
    return (channel, external_id, channel, channel, external_id, external_id)


class Conversations:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def get(self, channel: str, external_id: str) -> ConversationState | None:
        row = await self._db.fetch_one(
            f"SELECT dialog, step, data_json, updated_at FROM conversation_state WHERE {_IS_KEY}",
            _key_params(channel, external_id),
        )
        return None if row is None else conversation_from_row(channel, external_id, row)

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
        # The same state again (an answer that was refused) writes nothing.
        await self._db.execute(
            "INSERT INTO conversation_state"
            " (channel, external_id, dialog, step, data_json, updated_at)"
            f" VALUES ({_KEY_CHANNEL}, {_KEY_ID}, ?, ?, ?, ?)"
            " ON CONFLICT (channel, external_id) DO UPDATE SET dialog = excluded.dialog,"
            " step = excluded.step, data_json = excluded.data_json,"
            " updated_at = excluded.updated_at"
            " WHERE conversation_state.dialog <> excluded.dialog"
            " OR conversation_state.step <> excluded.step"
            " OR conversation_state.data_json <> excluded.data_json",
            (*_key_params(channel, external_id), dialog, step, dumps(data), self._db.stamp()),
        )

    async def clear(self, channel: str, external_id: str) -> bool:
        """Forget the conversation; False if there was none."""
        removed = await self._db.execute(
            f"DELETE FROM conversation_state WHERE {_IS_KEY}", _key_params(channel, external_id)
        )
        return bool(removed)

    async def clear_older_than(self, cutoff: dt.datetime) -> int:
        """Forget conversations abandoned since before `cutoff`; how many."""
        async with self._db.transaction() as tx:
            return await tx.execute(
                "DELETE FROM conversation_state WHERE updated_at < ?", (to_db(cutoff),)
            )
