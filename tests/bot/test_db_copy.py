"""`chitieu db copy`: a SQLite deployment moved into PostgreSQL, every row counted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bot.cli import main
from indicators.values import CountValue
from storage import Store
from storage import copy as copy_module
from storage.backends import ForeignKey, Row, Tx
from storage.copy import copy_order
from tests.bot.conftest import NOW
from tests.clock import TestClock
from tests.postgres_server import PostgresServer, run_async


def test_tables_come_after_the_tables_they_reference() -> None:
    keys = [
        ForeignKey("people", ("unit_id",), "units"),
        ForeignKey("identities", ("person_id",), "people"),
        ForeignKey("units", ("parent_id",), "units"),  # itself: no constraint on the order
        ForeignKey("audit_log", ("person_id",), "people"),
    ]
    order = copy_order(["identities", "audit_log", "units", "people", "plans"], keys)
    assert order == ["plans", "units", "people", "audit_log", "identities"]


@pytest.fixture
def deployment(tmp_path: Path, demo_template: Path) -> str:
    """The demo commune as a SQLite deployment, with a unit merged into a newer one (a row
    pointing at a later row of its own table)."""
    path = tmp_path / "xa.sqlite3"
    shutil.copyfile(demo_template, path)

    async def grow() -> None:
        async with await Store.open(path, clock=TestClock(NOW)) as store:
            [old] = await store.units.by_name("Đồng Lạc", level="xã")
            newer = await store.units.add("Đồng Lạc mới", "xã", old.parent_id)
            await store.units.merge(old.id, newer.id)
            await store.values.record(newer.id, "dong-lac-2025", "1.1", "2026", CountValue(3))

    run_async(grow())
    return f"sqlite:///{path}"


@pytest.fixture
def empty_postgres(postgres_server: PostgresServer):
    with postgres_server.own_database() as url:
        yield url


def _counts(url: str) -> dict[str, int]:
    async def count() -> dict[str, int]:
        async with await Store.open(url, clock=TestClock(NOW)) as store:
            tables = sorted(await store.db.tables())
            return await copy_module.count_rows(store.db, tables)

    return run_async(count())


@pytest.mark.postgresql
def test_copy_moves_every_row_and_the_target_goes_on_numbering(
    deployment: str, empty_postgres: str, capsys: pytest.CaptureFixture[str], clock
) -> None:
    assert main(["db", "copy", deployment, empty_postgres, "--batch", "7"], clock=clock) == 0
    out, err = capsys.readouterr()
    source = _counts(deployment)
    assert _counts(empty_postgres) == source
    assert source["units"] > 7 and source["report_values"] > 7  # several batches each
    assert f"report_values\t{source['report_values']}\t{source['report_values']}" in out
    assert "Đã chép" in err and "đều khớp" in err
    assert "100%" in err  # the progress, one line per table when not on a terminal

    async def check() -> None:
        async with await Store.open(empty_postgres, clock=TestClock(NOW)) as store:
            [old] = await store.units.by_name("Đồng Lạc", level="xã")
            assert old.merged_into_id is not None  # filled in after the newer unit came
            values = await store.values.latest_in_subtree(
                old.merged_into_id, "dong-lac-2025", "2026"
            )
            assert [v.value for v in values] == [CountValue(3)]
            # The identity sequences continue after the copied ids.
            added = await store.units.add("Thôn mới", "thôn", old.id)
            assert added.id == source_max_unit + 1

    async def max_unit() -> int:
        async with await Store.open(deployment, clock=TestClock(NOW)) as store:
            return int(str(await store.db.fetch_value("SELECT MAX(id) FROM units")))

    source_max_unit = run_async(max_unit())
    run_async(check())


@pytest.mark.postgresql
def test_copy_refuses_a_target_that_has_data(
    deployment: str, empty_postgres: str, capsys: pytest.CaptureFixture[str], clock
) -> None:
    assert main(["db", "copy", deployment, empty_postgres], clock=clock) == 0
    before = _counts(empty_postgres)
    capsys.readouterr()
    assert main(["db", "copy", deployment, empty_postgres], clock=clock) == 1
    err = capsys.readouterr().err
    assert "đã có dữ liệu" in err and "Traceback" not in err
    assert _counts(empty_postgres) == before


@pytest.mark.postgresql
def test_a_row_lost_on_the_way_fails_the_count_check(
    deployment: str,
    empty_postgres: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    clock,
) -> None:
    real = copy_module._insert

    async def losing(
        tx: Tx, table: str, rows: list[Row], pointing: dict[str, list[tuple[object, object]]]
    ) -> None:
        await real(tx, table, rows[:-1] if table == "audit_log" else rows, pointing)

    monkeypatch.setattr(copy_module, "_insert", losing)
    assert main(["db", "copy", deployment, empty_postgres], clock=clock) == 1
    err = capsys.readouterr().err
    assert "audit_log: nguồn có" in err and "không khớp" in err
