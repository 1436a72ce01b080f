"""Audit log: who changed what, and when.

Repositories write the audit row inside the transaction of the change itself, so a
change is never without its audit row and an audit row never describes a change that
was rolled back.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from storage.backends import Backend, Row, Tx
from storage.clock import from_db


@dataclass(frozen=True, slots=True)
class AuditEntry:
    id: int
    person_id: int | None
    action: str
    details: dict[str, Any]
    at: dt.datetime


def dumps(data: Mapping[str, Any]) -> str:
    """JSON as the database keeps it: Vietnamese readable, compact. Keys keep their order:
    a conversation's answers come back in the order they were given."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


async def write_audit(
    tx: Tx,
    person_id: int | None,
    action: str,
    details: Mapping[str, Any],
) -> int:
    return await tx.insert(
        "INSERT INTO audit_log (person_id, action, details_json, at) VALUES (?, ?, ?, ?)"
        " RETURNING id",
        (person_id, action, dumps(details), tx.stamp),
    )


def _entry(row: Row) -> AuditEntry:
    return AuditEntry(
        id=row["id"],
        person_id=row["person_id"],
        action=row["action"],
        details=json.loads(row["details_json"]),
        at=from_db(row["at"]),
    )


class Audit:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def record(
        self,
        action: str,
        details: Mapping[str, Any],
        *,
        person_id: int | None = None,
    ) -> int:
        """An audit row for a change made outside the repositories (a CLI command)."""
        async with self._db.transaction() as tx:
            return await write_audit(tx, person_id, action, details)

    async def entries(
        self,
        *,
        person_id: int | None = None,
        action: str | None = None,
        limit: int = 100,
    ) -> list[AuditEntry]:
        """The most recent entries first, optionally of one person or one action."""
        conditions = ["1 = 1"]
        params: list[object] = []
        if person_id is not None:
            conditions.append("person_id = ?")
            params.append(person_id)
        if action is not None:
            conditions.append("action = ?")
            params.append(action)
        rows = await self._db.fetch_all(
            "SELECT id, person_id, action, details_json, at FROM audit_log"
            f" WHERE {' AND '.join(conditions)} ORDER BY at DESC, id DESC LIMIT ?",
            (*params, limit),
        )
        return [_entry(row) for row in rows]
