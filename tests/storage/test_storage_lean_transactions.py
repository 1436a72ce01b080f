"""What a turn's transaction saves without changing what it means: savepoints set only
when a nested block changes something (and shared by blocks opened together), one
statement joining the transaction without one where the database undoes a failed
statement by itself, and repeated reads answered from memory where the transaction is
the only writer. Each is checked for its meaning on both backends."""

from __future__ import annotations

import pytest

from indicators.values import CountValue
from storage import Arrival, NewValue, Store
from storage.backends import ConflictError, IntegrityError, StorageError
from tests.statements import statements
from tests.storage.storage_fixtures import PLAN_ID, Tree


async def test_blocks_opened_together_share_one_savepoint_and_undo_to_it(
    store: Store, tree: Tree, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    village = tree.villages["Nà Pậu"]
    with statements(monkeypatch) as seen:
        async with store.transaction():
            await store.values.record(village, PLAN_ID, "3.1", "2025", CountValue(1))
            with pytest.raises(ZeroDivisionError):
                async with store.transaction(), store.transaction():
                    await store.values.record(village, PLAN_ID, "3.2", "2025", CountValue(2))
                    await store.values.record(village, PLAN_ID, "3.3", "2025", CountValue(3))
                    _ = 1 / 0
            await store.values.record(village, PLAN_ID, "3.4", "2025", CountValue(4))
    saved = await store.values.latest([village], PLAN_ID, "2025")
    assert sorted(v.indicator_code for v in saved) == ["3.1", "3.4"]
    set_points = [sql for sql in seen if sql.startswith("SAVEPOINT")]
    rolled_back = [sql for sql in seen if sql.startswith("ROLLBACK TO")]
    assert len(rolled_back) == 1  # the blocks failing together return once
    if backend == "sqlite":
        # The two blocks opened together return to one point, the transaction's only
        # one: a recording sets none of its own (it joins, see the next test).
        # PostgreSQL's reads set more.
        assert len(set_points) == 1
        assert rolled_back[0].endswith(set_points[0].removeprefix("SAVEPOINT "))


async def test_a_failed_joined_block_caught_and_gone_past_keeps_nothing(
    store: Store, tree: Tree, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A recording inside a transaction sets no savepoint: its failure is undone with the
    whole transaction. A caller that catches the failure and goes on cannot commit what
    the recording had written before failing."""
    village = tree.villages["Nà Pậu"]
    with pytest.raises(StorageError, match="halfway"):
        async with store.transaction():
            await store.values.record(village, PLAN_ID, "3.1", "2025", CountValue(1))
            # A first statement's worth of rows written, then a unit that does not exist.
            batch = [NewValue(village, PLAN_ID, "3.2", "2025", CountValue(n)) for n in range(1000)]
            with pytest.raises(IntegrityError):
                await store.values.record_many(
                    [*batch, NewValue(999_999, PLAN_ID, "3.3", "2025", CountValue(3))]
                )
    assert await store.values.latest([village], PLAN_ID, "2025") == []
    # A block that fails before writing anything leaves the transaction as it was.
    async with store.transaction():
        await store.values.record(village, PLAN_ID, "3.1", "2025", CountValue(1))
        with pytest.raises(ValueError, match="period"):
            await store.values.record(village, PLAN_ID, "3.2", "Q3/2025", CountValue(2))
    assert [v.indicator_code for v in await store.values.latest([village], PLAN_ID, "2025")] == [
        "3.1"
    ]


async def test_a_block_that_only_reads_sets_no_savepoint_where_reads_cannot_abort(
    store: Store, tree: Tree, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    village = tree.villages["Nà Pậu"]
    with statements(monkeypatch) as seen:
        async with store.transaction():
            async with store.transaction():
                await store.values.latest([village], PLAN_ID, "2025")
            await store.conversations.put("telegram", "1", "report", "value", {})
    savepoints = [sql.split()[0] for sql in seen if "SAVEPOINT" in sql]
    # PostgreSQL aborts the whole transaction on any failed statement, reads included:
    # there the read block and the one statement each set one and release it.
    assert savepoints == ([] if backend == "sqlite" else ["SAVEPOINT", "RELEASE"] * 2)


async def test_a_failed_read_in_a_nested_block_leaves_the_transaction_usable(
    store: Store, tree: Tree
) -> None:
    village = tree.villages["Nà Pậu"]
    async with store.transaction() as tx:
        with pytest.raises(Exception, match=r"no_such_table"):
            async with store.transaction():
                await tx.fetch_all("SELECT * FROM no_such_table")
        await store.values.record(village, PLAN_ID, "3.1", "2025", CountValue(1))
    assert len(await store.values.history(village, PLAN_ID, "3.1", "2025")) == 1


async def test_one_statement_refused_inside_a_transaction_leaves_the_rest(
    store: Store, tree: Tree
) -> None:
    village = tree.villages["Nà Pậu"]
    async with store.transaction():
        await store.values.record(village, PLAN_ID, "3.1", "2025", CountValue(1))
        await store.db.execute(
            "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", (900, "x")
        )
        with pytest.raises(ConflictError):
            await store.db.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", (900, "y")
            )
    assert len(await store.values.history(village, PLAN_ID, "3.1", "2025")) == 1
    kept = await store.db.fetch_value(
        "SELECT applied_at FROM schema_migrations WHERE version = 900"
    )
    assert kept == "x"


async def test_a_repeated_read_sees_the_transactions_own_writes(
    store: Store, tree: Tree, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    village = tree.villages["Nà Pậu"]
    with statements(monkeypatch) as seen:
        async with store.transaction():
            first = await store.values.latest([village], PLAN_ID, "2025")
            before_again = len(seen)
            again = await store.values.latest([village], PLAN_ID, "2025")
            asked_again = len(seen) - before_again
            await store.values.record(village, PLAN_ID, "3.1", "2025", CountValue(7))
            before_after = len(seen)
            after = await store.values.latest([village], PLAN_ID, "2025")
            asked_after = len(seen) - before_after
    assert first == again == []
    assert [v.value for v in after] == [CountValue(7)]
    # The only writer may answer the second read from memory; PostgreSQL asks again.
    assert asked_again == (0 if backend == "sqlite" else 1)
    assert asked_after == 1  # a write in between: asked of the database


async def test_a_write_alone_is_one_statement_without_a_transaction_and_all_or_nothing(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A statement outside any transaction is atomic by itself on both databases: no
    BEGIN and COMMIT around it. A batch of updates is recorded in one such statement;
    a statement refused halfway through its rows leaves none of them."""
    begun: list[str] = []
    real = type(store.db)._writing

    def counting(self: object) -> object:
        begun.append("BEGIN")
        return real(self)  # type: ignore[arg-type]

    monkeypatch.setattr(type(store.db), "_writing", counting)
    arrivals = [Arrival(str(n), "42", {"n": n}, sender_key="42") for n in range(3)]
    assert await store.inbox.record("telegram", "b", arrivals) == 3
    again = [*arrivals, Arrival("3", "42", {"n": 3}, sender_key="42")]
    assert await store.inbox.record("telegram", "b", again) == 1  # the others were there
    assert begun == []
    with pytest.raises(IntegrityError):
        await store.db.execute(
            "INSERT INTO inbox (channel, bot, update_id, chat_key, payload_json, received_at)"
            " VALUES ('telegram', 'b', '8', '42', '{}', 'now'), (NULL, 'b', '9', '42', '{}', 'now')"
        )
    rows = await store.db.fetch_all("SELECT update_id FROM inbox ORDER BY id")
    assert [row["update_id"] for row in rows] == ["0", "1", "2", "3"]


async def test_a_values_roll_up_costs_the_same_statements_however_deep_the_unit(
    store: Store, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above a village three units keep rows (its commune, district and province), above
    the district one: what the roll-up reads and writes is read and written for the
    whole chain at once, so settling a village's save costs no more than the district's,
    and the saves of every village of two communes no more than one (that the rows are
    right, tests/storage/test_storage_kept_rollups.py checks)."""
    counts = []
    for units in ([tree.villages["Nà Pậu"]], [tree.district], sorted(tree.villages.values())):
        for unit in units:
            await store.values.record(unit, PLAN_ID, "3.1", "2025", CountValue(5))
        with statements(monkeypatch) as seen:
            assert await store.rollups.settle() == len(units)
        counts.append(len(seen))
    assert counts[0] == counts[1] == counts[2]


async def test_a_save_marks_its_roll_ups_in_one_statement(
    store: Store, tree: Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    village = tree.villages["Nà Pậu"]
    with statements(monkeypatch) as seen:
        await store.values.record(village, PLAN_ID, "3.1", "2025", CountValue(5))
    assert not any("rollup_parts" in sql or "rollup_coverage" in sql for sql in seen)
    assert sum("rollup_pending" in sql for sql in seen) == 1
    assert await store.rollups.pending()
