"""The SQL a test's transactions send, savepoints included, as it reaches the database
(after the port's own bookkeeping: memory of repeated reads, savepoints set late)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import pytest

from storage.backends import Params, Row, Tx


@contextmanager
def statements(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    seen: list[str] = []
    real = Tx._conn

    def counting(self: Tx) -> object:
        connection = real(self)

        class Counted:
            async def execute(self, sql: str, params: Params) -> int:
                seen.append(sql)
                return await connection.execute(sql, params)

            async def execute_many(self, sql: str, rows: Sequence[Params]) -> None:
                seen.append(sql)
                await connection.execute_many(sql, rows)

            async def fetch_all(self, sql: str, params: Params) -> list[Row]:
                seen.append(sql)
                return await connection.fetch_all(sql, params)

            async def copy_rows(
                self, table: str, columns: Sequence[str], rows: Sequence[Params]
            ) -> None:
                seen.append(f"COPY {table}")
                await connection.copy_rows(table, columns, rows)

        return Counted()

    monkeypatch.setattr(Tx, "_conn", counting)
    yield seen
