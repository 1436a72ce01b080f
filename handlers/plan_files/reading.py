"""A plan table read for one unit: the plan's id from the unit's name, kept apart from
another unit's plan of the same name. Shared by the chat and `chitieu plans import`."""

from __future__ import annotations

from collections.abc import Sequence

from indicators.plan_import.reader import Destination, Reading, plan_slug, read_plan
from indicators.plan_import.table import Table
from indicators.units import Unit
from storage import Store


async def unit_path(store: Store, unit: Unit) -> tuple[tuple[str, str], ...]:
    """(level, name) from the root down to `unit`, by parent."""
    path = [(unit.level, unit.name)]
    current = unit
    for _step in range(64):  # far beyond any real tree; a cycle cannot loop forever
        if current.parent_id is None:
            break
        parent = await store.units.get(current.parent_id)
        if parent is None:
            break
        path.append((parent.level, parent.name))
        current = parent
    return tuple(reversed(path))


async def read_for_unit(
    store: Store, tables: Sequence[Table], unit: Unit, year: int | None, source: str
) -> tuple[Reading, Destination]:
    """What the tables give as the unit's plan, and where it goes (for fixing a row of
    the same table later)."""
    slug = plan_slug(unit.level, unit.name)
    destination = Destination(slug, await unit_path(store, unit), year, source)
    reading = read_plan(tables, destination)
    if reading.plan is not None:
        # Another unit's plan under the same id (two communes of one name): keep them apart.
        owners = await store.plans.units_of(reading.plan.id)
        if owners and unit.id not in owners:
            destination = Destination(f"{slug}-{unit.id}", destination.unit_path, year, source)
            reading = read_plan(tables, destination)
    return reading, destination
