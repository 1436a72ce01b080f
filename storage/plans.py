"""Plans: the plan files as loaded, every distinct text a version, and who reports on which.

The YAML text itself is stored, not only the parsed plan: a file an admin provided
must survive the loss of the file, and an old version must still be readable after
the program's plan model has moved on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources

from indicators.plan import Plan
from indicators.plans import load_plan_text, parsed_plan
from indicators.units import Unit
from storage import rollups
from storage.audit import write_audit
from storage.backends import Backend, Row, StorageError
from storage.clock import from_db
from storage.units import ANCESTRY_CTE, UNIT_COLUMNS, unit_from_row

_VERSION_COLUMNS = "plan_id, version, year, title, source, loaded_at"
_UNIT_COLUMNS = ", ".join(f"u.{column}" for column in UNIT_COLUMNS.split(", "))


@dataclass(frozen=True, slots=True)
class PlanVersion:
    plan_id: str
    version: int
    year: int
    title: str
    source: str
    loaded_at: dt.datetime


def _version(row: Row) -> PlanVersion:
    return PlanVersion(
        plan_id=row["plan_id"],
        version=row["version"],
        year=row["year"],
        title=row["title"],
        source=row["source"],
        loaded_at=from_db(row["loaded_at"]),
    )


def bundled_text(plan_id: str) -> str:
    """The text of a plan file shipped with chitieu."""
    entry = resources.files("indicators.plans").joinpath(f"{plan_id}.yaml")
    if not entry.is_file():
        raise StorageError(f"no bundled plan {plan_id!r}")
    return entry.read_text(encoding="utf-8")


class Plans:
    def __init__(self, db: Backend) -> None:
        self._db = db

    async def load(
        self,
        plan: Plan,
        yaml_text: str,
        *,
        source: str,
        by: int | None = None,
    ) -> PlanVersion:
        """Store `yaml_text` (the text `plan` was parsed from) as a new version, unless it
        is the text of the latest version already; the latest version either way."""
        async with self._db.transaction() as tx:
            latest = await tx.fetch_one(
                "SELECT version, yaml_text FROM plans WHERE plan_id = ?"
                " ORDER BY version DESC LIMIT 1",
                (plan.id,),
            )
            if latest is None or latest["yaml_text"] != yaml_text:
                version = 1 if latest is None else latest["version"] + 1
                await tx.execute(
                    "INSERT INTO plans (plan_id, version, year, title, yaml_text, source,"
                    " loaded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (plan.id, version, plan.year, plan.title, yaml_text, source, tx.stamp),
                )
                await write_audit(
                    tx,
                    by,
                    "plan.loaded",
                    {"plan_id": plan.id, "version": version, "source": source},
                )
                await rollups.after_plan_change(tx, plan.id)
        found = await self.latest(plan.id)
        if found is None:
            raise StorageError(f"plan {plan.id!r} vanished while loading")
        return found

    async def load_text(
        self,
        yaml_text: str,
        *,
        source: str,
        by: int | None = None,
    ) -> PlanVersion:
        """Parse and store a plan file's text; raises indicators.plans.PlanError if invalid."""
        plan = load_plan_text(yaml_text, source=source)
        return await self.load(plan, yaml_text, source=source, by=by)

    async def load_bundled(self, plan_id: str, *, by: int | None = None) -> PlanVersion:
        return await self.load_text(bundled_text(plan_id), source=f"bundled:{plan_id}.yaml", by=by)

    async def get(self, plan_id: str, version: int | None = None) -> Plan | None:
        """The plan as parsed from its latest (or the given) version."""
        if version is None:
            row = await self._db.fetch_one(
                "SELECT version, yaml_text, source FROM plans WHERE plan_id = ?"
                " ORDER BY version DESC LIMIT 1",
                (plan_id,),
            )
        else:
            row = await self._db.fetch_one(
                "SELECT version, yaml_text, source FROM plans WHERE plan_id = ? AND version = ?",
                (plan_id, version),
            )
        return None if row is None else self._parse(row)

    async def with_unit(self, plan_id: str, unit_id: int) -> tuple[Plan | None, Unit | None]:
        """The plan's latest version and a unit, in one statement: every step of a report
        needs both (the plan of its questions, the unit it reports for)."""
        row = await self._db.fetch_one(
            f"SELECT {_UNIT_COLUMNS}, p.version, p.yaml_text, p.source FROM units u"
            " LEFT JOIN plans p ON p.plan_id = ?"
            " AND p.version = (SELECT MAX(version) FROM plans WHERE plan_id = ?)"
            " WHERE u.id = ?",
            (plan_id, plan_id, unit_id),
        )
        if row is None:
            return await self.get(plan_id), None
        plan = None if row["yaml_text"] is None else self._parse(row)
        return plan, unit_from_row(row)

    def _parse(self, row: Row) -> Plan:
        return parsed_plan(
            row["yaml_text"], source=f"{row['source']} (stored version {row['version']})"
        )

    async def text(self, plan_id: str, version: int | None = None) -> str | None:
        """The stored YAML text, for exporting a plan back to a file."""
        if version is None:
            value = await self._db.fetch_value(
                "SELECT yaml_text FROM plans WHERE plan_id = ? ORDER BY version DESC LIMIT 1",
                (plan_id,),
            )
        else:
            value = await self._db.fetch_value(
                "SELECT yaml_text FROM plans WHERE plan_id = ? AND version = ?",
                (plan_id, version),
            )
        return value if isinstance(value, str) else None

    async def latest(self, plan_id: str) -> PlanVersion | None:
        row = await self._db.fetch_one(
            f"SELECT {_VERSION_COLUMNS} FROM plans WHERE plan_id = ? ORDER BY version DESC LIMIT 1",
            (plan_id,),
        )
        return None if row is None else _version(row)

    async def versions(self, plan_id: str) -> list[PlanVersion]:
        rows = await self._db.fetch_all(
            f"SELECT {_VERSION_COLUMNS} FROM plans WHERE plan_id = ? ORDER BY version",
            (plan_id,),
        )
        return [_version(row) for row in rows]

    async def catalogue(self) -> list[PlanVersion]:
        """The latest version of every plan, by year then id."""
        rows = await self._db.fetch_all(
            f"SELECT {_VERSION_COLUMNS} FROM plans p WHERE version ="
            " (SELECT MAX(version) FROM plans q WHERE q.plan_id = p.plan_id)"
            " ORDER BY year, plan_id"
        )
        return [_version(row) for row in rows]

    async def all(self) -> list[Plan]:
        """Every plan as parsed from its latest version, by year then id."""
        rows = await self._db.fetch_all(
            "SELECT plan_id, version, yaml_text, source FROM plans p WHERE version ="
            " (SELECT MAX(version) FROM plans q WHERE q.plan_id = p.plan_id)"
            " ORDER BY year, plan_id"
        )
        return [self._parse(row) for row in rows]

    async def assign(
        self,
        unit_id: int,
        plan_id: str,
        *,
        by: int | None = None,
    ) -> bool:
        """Make `unit_id` (and so its subtree) report on `plan_id`; False if it already did."""
        async with self._db.transaction() as tx:
            if await tx.fetch_one("SELECT 1 FROM plans WHERE plan_id = ?", (plan_id,)) is None:
                raise StorageError(f"plan {plan_id!r} is not loaded")
            added = await tx.execute(
                "INSERT INTO plan_units (plan_id, unit_id, assigned_at) VALUES (?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (plan_id, unit_id, tx.stamp),
            )
            if added:
                await write_audit(tx, by, "plan.assigned", {"plan_id": plan_id, "unit_id": unit_id})
        return bool(added)

    async def plans_of(self, unit_id: int) -> list[str]:
        """Plans assigned to the unit or any unit above it (merges followed), nearest first."""
        rows = await self._db.fetch_all(
            f"WITH RECURSIVE {ANCESTRY_CTE}"
            " SELECT pu.plan_id FROM up JOIN plan_units pu ON pu.unit_id = up.id"
            " GROUP BY pu.plan_id ORDER BY MIN(up.depth), pu.plan_id",
            (unit_id,),
        )
        return [row["plan_id"] for row in rows]

    async def of_unit(self, unit_id: int) -> list[Plan]:
        """The plans that apply to the unit (its own and those of the units above), parsed,
        nearest first: the one answer to "which plans does this unit work on"."""
        found = []
        for plan_id in await self.plans_of(unit_id):
            plan = await self.get(plan_id)
            if plan is not None:
                found.append(plan)
        return found

    async def units_of(self, plan_id: str) -> list[int]:
        """Units the plan is assigned to directly (their subtrees report on it too)."""
        rows = await self._db.fetch_all(
            "SELECT unit_id FROM plan_units WHERE plan_id = ? ORDER BY unit_id", (plan_id,)
        )
        return [row["unit_id"] for row in rows]
