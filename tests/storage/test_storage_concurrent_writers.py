"""Several writers on one database at once (two Stores, as two bot processes would be):
no version taken twice, every outbox message claimed once, a reminder round and an
update recorded once, a single-use invite redeemed by one person only.

On SQLite the two Stores take turns on the file's write lock; on PostgreSQL they
really write side by side, and the schema, the row locks and the conditional updates
keep them apart."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator

import pytest

from indicators.people import Person, Role
from indicators.rollup import Rollup
from indicators.units import unit_tree
from indicators.values import CountValue
from storage import NewMessage, OutboxState, RedeemError, Store
from storage.backends import ConflictError, Params, Row, Tx
from storage.backends.postgres import PostgresBackend
from storage.values import NewValue
from tests.statements import statements
from tests.storage.storage_fixtures import NOW, PLAN_ID, Tree, build_tree

ROUNDS = 20


@pytest.fixture
async def two(database: str, clock) -> AsyncIterator[tuple[Store, Store, Tree]]:
    async with (
        await Store.open(database, clock=clock) as first,
        await Store.open(database, clock=clock) as second,
    ):
        yield first, second, await build_tree(first)


async def test_concurrent_corrections_of_one_value_never_share_a_version(
    two: tuple[Store, Store, Tree],
) -> None:
    first, second, tree = two
    village = tree.villages["Nà Pậu"]
    recorded = await asyncio.gather(
        *(
            (first if n % 2 else second).values.record(
                village, PLAN_ID, "3.1", "2025-Q3", CountValue(n)
            )
            for n in range(ROUNDS)
        )
    )
    assert sorted(v.version for v in recorded) == list(range(1, ROUNDS + 1))
    history = await second.values.history(village, PLAN_ID, "3.1", "2025-Q3")
    assert sorted(v.value.count for v in history) == list(range(ROUNDS))


@pytest.mark.postgresql
async def test_without_the_cell_lock_a_taken_version_is_retried(
    two: tuple[Store, Store, Tree], backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The safety net under the lock: the unique constraint refuses the second "version
    # 1", and the INSERT is tried again, seeing the version committed meanwhile.
    first, second, tree = two
    unlocked = dataclasses.replace(PostgresBackend.dialect, key_lock="")
    monkeypatch.setattr(PostgresBackend, "dialect", unlocked)
    lost = []
    real = Tx.fetch_all

    async def counting(self: Tx, sql: str, params: Params = ()) -> list[Row]:
        try:
            return await real(self, sql, params)
        except ConflictError:
            lost.append(sql)
            raise

    monkeypatch.setattr(Tx, "fetch_all", counting)
    village = tree.villages["Bản Cuôn"]
    async with first.transaction():
        mine = await first.values.record(village, PLAN_ID, "3.2", "2025", CountValue(1))
        # Does not see the uncommitted version 1, takes 1 too, and waits on the index.
        theirs = asyncio.create_task(
            second.values.record(village, PLAN_ID, "3.2", "2025", CountValue(2))
        )
        await _until_a_writer_waits_for_a_lock(first)
    assert (mine.version, (await theirs).version) == (1, 2)
    inserting = "INSERT INTO report_values (unit_id, plan_id, indicator_code, period, version,"
    assert [inserting in sql for sql in lost] == [True]


@pytest.mark.postgresql
async def test_a_save_locks_all_its_cells_in_one_statement_until_it_ends(
    two: tuple[Store, Store, Tree], monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second, tree = two
    village = tree.villages["Bản Cuôn"]
    items = [NewValue(village, PLAN_ID, code, "2025", CountValue(1)) for code in ("3.1", "3.2")]
    with statements(monkeypatch) as seen:
        async with first.transaction():
            await first.values.record_many(items)
            locks = [sql for sql in seen if "pg_advisory_xact_lock" in sql]
            # A writer of the save's last cell waits for the save to end, on its key
            # (not only on the unique index, the safety net under the lock).
            theirs = asyncio.create_task(
                second.values.record(village, PLAN_ID, "3.2", "2025", CountValue(2))
            )
            await _until_a_writer_waits_for_a_lock(first, "advisory")
            assert not theirs.done()
    assert len(locks) == 1
    assert (await theirs).version == 2


@pytest.mark.postgresql
async def test_a_shared_key_lock_is_held_by_many_and_keeps_the_sole_holder_out(
    two: tuple[Store, Store, Tree],
) -> None:
    first, second, _ = two
    async with first.db.transaction() as mine:
        await mine.lock_keys(["tree"], shared=True)
        async with second.db.transaction() as theirs:
            # Fails instead of waiting should the lock not be shared.
            await theirs.execute("SET LOCAL lock_timeout = '5s'")
            await theirs.lock_keys(["tree"], shared=True)
        sole = asyncio.create_task(_lock_alone(second, "tree"))
        await _until_a_writer_waits_for_a_lock(first, "advisory")
        assert not sole.done()
    await sole


async def _lock_alone(store: Store, key: str) -> None:
    async with store.db.transaction() as tx:
        await tx.lock_keys([key])


async def _until_a_writer_waits_for_a_lock(store: Store, kind: str = "%") -> None:
    """Until another session waits for a lock (of `kind`: PostgreSQL's wait_event, such
    as 'advisory' for a key lock or 'transactionid' for a row another writer holds)."""
    for _ in range(500):
        waiting = await store.db.fetch_value(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND wait_event LIKE ?",
            (kind,),
        )
        if waiting:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the second writer never waited for the first")


async def test_two_senders_claim_every_message_exactly_once(
    two: tuple[Store, Store, Tree],
) -> None:
    first, second, _ = two
    messages = [NewMessage("telegram", str(9000 + n), {"text": f"tin {n}"}) for n in range(60)]
    await first.outbox.enqueue_many(messages, batch_id="b1")

    async def sender(store: Store) -> list[int]:
        taken: list[int] = []
        while claimed := await store.outbox.claim_due(limit=7):
            taken.extend(m.id for m in claimed)
            await asyncio.sleep(0)
        return taken

    a, b = await asyncio.gather(sender(first), sender(second))
    assert not set(a) & set(b)
    assert len(a) + len(b) == 60
    progress = await first.outbox.batch_progress("b1")
    assert progress[OutboxState.SENDING] == 60 and progress[OutboxState.PENDING] == 0


@pytest.mark.postgresql
async def test_a_claim_skips_rows_another_sender_holds_instead_of_waiting(
    two: tuple[Store, Store, Tree], backend: str
) -> None:
    first, second, _ = two
    await first.outbox.enqueue_many(
        [NewMessage("telegram", str(n), {"text": "x"}) for n in range(10)]
    )
    async with first.transaction():
        mine = await first.outbox.claim_due(limit=4)  # locked until this block ends
        theirs = await asyncio.wait_for(second.outbox.claim_due(limit=100), 5)
    assert len(mine) == 4 and len(theirs) == 6
    assert not {m.id for m in mine} & {m.id for m in theirs}


async def test_a_reminder_round_is_queued_once_by_two_schedulers(
    two: tuple[Store, Store, Tree],
) -> None:
    first, second, tree = two
    messages = [NewMessage("telegram", "777", {"text": "Nhắc báo cáo"})]
    queued = await asyncio.gather(
        *(
            store.reminders.queue(PLAN_ID, "2025-Q3", tree.dong_lac, "first", messages)
            for store in (first, second, first, second)
        )
    )
    assert sorted(queued) == [False, False, False, True]
    rows = await first.db.fetch_value("SELECT COUNT(*) FROM outbox")
    assert rows == 1


async def test_an_update_delivered_to_two_processes_is_handled_once(
    two: tuple[Store, Store, Tree],
) -> None:
    first, second, _ = two
    for update_id in range(ROUNDS):
        marked = await asyncio.gather(
            first.updates.mark_processed("telegram", update_id),
            second.updates.mark_processed("telegram", update_id),
        )
        assert sorted(marked) == [False, True]


async def test_a_single_use_invite_redeemed_by_two_people_at_once_joins_one(
    two: tuple[Store, Store, Tree],
) -> None:
    first, second, tree = two
    expires = NOW + dt.timedelta(days=7)
    for attempt in range(5):
        code = await first.invites.create(tree.villages["Nà Kéo"], Role.MEMBER, expires_at=expires)
        results = await asyncio.gather(
            first.invites.redeem(code, channel="telegram", external_id=f"a{attempt}", name="An"),
            second.invites.redeem(code, channel="zalo", external_id=f"b{attempt}", name="Bình"),
        )
        joined = [r for r in results if isinstance(r, Person)]
        assert len(joined) == 1 and RedeemError.USED_UP in results
        assert [u.person_id for u in await first.invites.uses(code)] == [joined[0].id]
        invite = await second.invites.get(code)
        assert invite is not None and invite.uses_left == 0


async def test_one_chat_redeeming_two_codes_at_once_joins_once(
    two: tuple[Store, Store, Tree],
) -> None:
    first, second, tree = two
    expires = NOW + dt.timedelta(days=7)
    one = await first.invites.create(tree.villages["Nà Kéo"], Role.MEMBER, expires_at=expires)
    other = await first.invites.create(tree.villages["Nà Pậu"], Role.MEMBER, expires_at=expires)
    results = await asyncio.gather(
        first.invites.redeem(one, channel="telegram", external_id="42", name="Chị Hoa"),
        second.invites.redeem(other, channel="telegram", external_id="42", name="Chị Hoa"),
    )
    joined = [r for r in results if isinstance(r, Person)]
    assert len(joined) == 1 and RedeemError.ALREADY_JOINED in results
    # The losing redemption left nothing behind: its use is still there, no person.
    uses_left = [(await first.invites.get(code)).uses_left for code in (one, other)]
    assert sorted(uses_left) == [0, 1]
    names = [p.name for p in await first.people.all() if p.name == "Chị Hoa"]
    assert names == ["Chị Hoa"]


async def test_values_of_sibling_units_written_at_once_all_reach_the_kept_roll_ups(
    two: tuple[Store, Store, Tree],
) -> None:
    # Each settle recomputes the commune from its villages' values as committed: without
    # settles of one period taking turns (two processes' keepers, a question), two
    # siblings' values would each be left out of the commune's kept part by the other's.
    first, second, tree = two
    villages = sorted(tree.villages.values())

    async def record_and_settle(n: int) -> None:
        store = first if n % 2 else second
        village = villages[n % len(villages)]
        await store.values.record(village, PLAN_ID, "3.1", "2025-Q3", CountValue(n))
        await store.rollups.settle()

    await asyncio.gather(*(record_and_settle(n) for n in range(ROUNDS)))
    assert not await first.rollups.pending()
    plan = await first.plans.get(PLAN_ID)
    assert plan is not None
    indicator = next(i for i in plan.indicators if i.code == "3.1")
    for unit_id in (tree.dong_lac, tree.district, tree.province):
        unit = await first.units.get(unit_id)
        assert unit is not None
        subtree = await first.units.subtree(unit_id)
        stored = await first.values.latest_in_subtree(unit_id, PLAN_ID, "2025-Q3")
        values = {(v.unit_id, v.indicator_code): v.value for v in stored}
        scratch = Rollup(unit_tree(unit, subtree), values)
        view = await second.rollups.view(unit, plan, "2025-Q3")
        assert view.rollup.figure(view.node, indicator) == scratch.figure(scratch.root, indicator)
