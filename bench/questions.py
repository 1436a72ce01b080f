"""Benchmark: officials' questions on a province-sized database.

    .venv/bin/python -m bench.questions [--communes 100] [--villages 8] [--runs 60]

Builds a fresh database: one province, `--communes` communes of `--villages` villages, the
Đồng Lạc plan (18 indicators: 4 counted by villages, 14 by communes) for 2025 and rolled
over to 2026, and 8 quarters of values (2025-Q1 … 2026-Q4, the open quarter reported by
about two thirds of the units), one member per village and one official per commune.
Then it asks, through the real router (a turn in, replies out, one transaction each),
the shortfall, progress (with its chart, drawn afresh or cached), completeness and
one-indicator questions of a commune official and of the province official, and prints
p50 / p95 in milliseconds.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from handlers.app import build_router
from handlers.exports.charts import progress_chart
from handlers.messages import Turn, TurnKind
from handlers.services import Services
from indicators.people import Role
from indicators.periods import Period, PeriodKind
from indicators.plan import Tier, UnitSpec
from indicators.rollover import roll_over
from indicators.values import AnyValue, PercentValue, RatioValue
from storage import FixedClock, NewValue, Store
from storage.plans import bundled_text

# Ten days before the fourth quarter's deadline (before 25/12/2026): Q4 2026 is open.
NOW = dt.datetime(2026, 12, 15, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
PLAN = "dong-lac-2025"
# The progress chart is cached on what it draws: "progress" clears that cache before every
# question (a first look), "progress+" does not (the same figures asked again).
QUESTIONS = {
    "shortfall": "chỉ tiêu nào chưa đạt",
    "progress": "tiến độ",
    "progress+": "tiến độ",
    "completeness": "thôn nào chưa báo cáo",
    "indicator": "cáp quang",
}


def province(communes: int, villages: int) -> UnitSpec:
    return UnitSpec(
        name="Bench",
        level="tỉnh",
        children=[
            UnitSpec(
                name=f"Xã {c:03d}",
                level="xã",
                children=[UnitSpec(name=f"Thôn {v}", level="thôn") for v in range(1, villages + 1)],
            )
            for c in range(1, communes + 1)
        ],
    )


def value(has_formula: bool, size: int, step: int, rng: random.Random) -> AnyValue:
    share = min(50 + 5 * step + rng.randint(-10, 20), 100)
    if has_formula:
        return RatioValue(size * share // 100, size)
    return PercentValue(Decimal(share))


async def build(path: Path, communes: int, villages: int) -> tuple[int, int, int]:
    """The database; the ids of the province official, a commune official, a commune."""
    rng = random.Random(7)
    async with await Store.open(path, clock=FixedClock(NOW)) as store:
        ids = await store.units.import_tree(province(communes, villages))
        root = ids[("Bench",)]
        first = await store.plans.load_bundled(PLAN)
        second = await store.plans.load_text(
            roll_over(bundled_text(PLAN), 2026), source="bench copy"
        )
        for plan_id in (first.plan_id, second.plan_id):
            await store.plans.assign(root, plan_id)
        plans = [await store.plans.get(first.plan_id), await store.plans.get(second.plan_id)]
        quarters = [Period(2025, PeriodKind.QUARTER, 1)]
        while len(quarters) < 8:
            quarters.append(quarters[-1].next())
        items: list[NewValue] = []
        for path_names, unit_id in ids.items():
            tier = {1: Tier.PROVINCE, 2: Tier.COMMUNE, 3: Tier.VILLAGE}[len(path_names)]
            size = rng.randint(60, 400)
            for step, quarter in enumerate(quarters):
                if quarter == quarters[-1] and rng.random() < 0.35:
                    continue  # the open quarter: a third have not reported yet
                plan = plans[0] if quarter.year == 2025 else plans[1]
                assert plan is not None
                for indicator in plan.indicators:
                    if indicator.reported_by is tier:
                        figure = value(indicator.formula is not None, size, step, rng)
                        items.append(
                            NewValue(unit_id, plan.id, indicator.code, quarter.code, figure)
                        )
        await store.values.record_many(items, channel="bench")
        official = await store.people.add_person("Cán bộ tỉnh", Role.OFFICIAL, root)
        commune = ids[("Bench", "Xã 001")]
        commune_official = await store.people.add_person("Cán bộ xã", Role.OFFICIAL, commune)
        for path_names, unit_id in ids.items():
            if len(path_names) == 3:
                await store.people.add_person(f"Tổ CNSCĐ {path_names[-1]}", Role.MEMBER, unit_id)
        for person in (official, commune_official):
            await store.people.link_identity(person.id, "bench", str(person.id))
        print(f"{len(ids)} units, {len(items)} values, {len(await store.people.all())} people")
        return official.id, commune_official.id, commune


async def measure(path: Path, people: dict[str, int], runs: int) -> None:
    async with await Store.open(path, clock=FixedClock(NOW)) as store:
        router = build_router(Services(store=store))
        print(f"{'who':<9} {'question':<13} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
        for who, person_id in people.items():
            for kind, text in QUESTIONS.items():
                turn = Turn("bench", str(person_id), str(person_id), TurnKind.TEXT, text=text)
                timings = []
                for index in range(runs + 3):
                    if kind == "progress":
                        progress_chart.cache_clear()
                    started = time.perf_counter()
                    replies = await router.handle(turn)
                    elapsed = (time.perf_counter() - started) * 1000
                    if index >= 3:  # the first turns warm caches (plans parsed, fonts)
                        timings.append(elapsed)
                assert replies and "chưa hiểu" not in replies[0].text, replies[0].text
                timings.sort()
                p95 = timings[max(0, round(0.95 * len(timings)) - 1)]
                print(f"{who:<9} {kind:<13} {statistics.median(timings):>7.1f} {p95:>7.1f} "
                      f"{timings[-1]:>7.1f}")  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=100)
    parser.add_argument("--villages", type=int, default=8)
    parser.add_argument("--runs", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        started = time.perf_counter()
        province_official, commune_official, _commune = await build(
            path, args.communes, args.villages
        )
        print(f"built in {time.perf_counter() - started:.1f} s")
        await measure(path, {"commune": commune_official, "province": province_official}, args.runs)


if __name__ == "__main__":
    asyncio.run(main())
