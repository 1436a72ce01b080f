"""A province's and the country's answers from the kept roll-ups read exactly as the same
answers worked out by walking the tree and its values: not met, progress (its chart
too), not reported (this period's and the one before's), one indicator with its trend.
On both backends: the kept answers' reads are statements of their own."""

from __future__ import annotations

import datetime as dt
import random
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from handlers.questions.not_met import shortfall_reply
from handlers.questions.not_reported import completeness_replies
from handlers.questions.one_indicator import indicator_replies
from handlers.questions.progress import progress_replies
from handlers.services import Services
from handlers.unit_figures import standings
from indicators.people import Person, Role
from indicators.values import AnyValue, PercentValue, RatioValue, Status, StatusValue
from storage import Store
from storage import kept as kept_rollups
from tests.clock import TestClock
from tests.postgres_server import PostgresServer

NOW = dt.datetime(2025, 8, 20, 3, 0, tzinfo=dt.UTC)  # in 2025-Q3


def a_value(rng: random.Random) -> AnyValue:
    roll = rng.random()
    if roll < 0.7:
        denominator = rng.randint(1, 300)
        return RatioValue(rng.randint(0, denominator), denominator)
    if roll < 0.9:
        return PercentValue(Decimal(rng.randint(0, 100)))
    return StatusValue(rng.choice(list(Status)))


def header_missing(text: str) -> dict[str, int]:
    """Per level word, how many units miss figures, from the header ("2/33 thôn đã báo cáo
    đủ"): the counts of the whole tree."""
    header = text.splitlines()[1]
    return {
        level: int(total) - int(complete)
        for complete, total, level in re.findall(r"(\d+)/(\d+) (thôn|xã) đã báo cáo đủ", header)
    }


def missing_by_level(text: str) -> dict[str, int]:
    """The same summed over the lines of the units right below ("3/3 xã, 23/25 thôn còn
    thiếu số liệu"), where those report nothing themselves."""
    found: dict[str, int] = {}
    for line in text.splitlines():
        if "còn thiếu số liệu:" in line and line.startswith("•"):
            counts = line.split(": ", 1)[1].split(" còn thiếu số liệu:")[0]
            for missing, _total, level in re.findall(r"(\d+)/(\d+) (thôn|xã)", counts):
                found[level] = found.get(level, 0) + int(missing)
    return found


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield str(tmp_path / "kept.sqlite3")
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.own_database() as url:
        yield url


@pytest.mark.parametrize("alone_above", [kept_rollups.ASKED_ALONE_ABOVE, 0])
async def test_kept_answers_read_as_the_tree_walk(
    database: str, alone_above: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`alone_above`: from how many units below a unit the not-reported answer asks of
    it alone; small here, the test's units are asked together unless it is 0."""
    monkeypatch.setattr(kept_rollups, "ASKED_ALONE_ABOVE", alone_above)
    rng = random.Random(12)
    async with await Store.open(database, clock=TestClock(NOW)) as store:
        await store.plans.load_bundled("dong-lac-2025")
        plan = await store.plans.get("dong-lac-2025")
        assert plan is not None
        country = await store.units.add("Việt Nam", "quốc gia")
        await store.plans.assign(country.id, plan.id)
        units = []
        silent: set[int] = set()
        for p in range(2):
            province = await store.units.add(f"Tỉnh {p}", "tỉnh", country.id)
            units.append(province)
            for c in range(3):
                commune = await store.units.add(f"Xã {p}{c}", "xã", province.id)
                units.append(commune)
                # The first commune has more villages that reported nothing than the
                # answer names, the others fewer.
                for v in range(9 if c == 0 else 4):
                    village = await store.units.add(f"Thôn {v}", "thôn", commune.id)
                    units.append(village)
                    if c == 0 and v >= 1:
                        silent.add(village.id)
        person_ids = {}
        for unit in units:
            person_ids[unit.id] = await store.people.add_person(
                f"Người {unit.id}", Role.MEMBER, unit.id
            )
        for period in ("2025-Q2", "2025-Q3"):
            for unit in units:
                if unit.level == "tỉnh" or unit.id in silent:
                    continue
                for indicator in plan.indicators:
                    if (
                        indicator.reported_by.value
                        != {"xã": "commune", "thôn": "village"}[unit.level]
                    ):
                        continue
                    for _version in range(rng.choice((0, 0, 1, 1, 2))):
                        await store.values.record(
                            unit.id, plan.id, indicator.code, period, a_value(rng)
                        )
        # A commune merged into one of another province, a village into its neighbour:
        # seen from the country and from the first province, the successors are inside.
        named = {unit.name: unit for unit in units if unit.level != "thôn"}
        await store.units.merge(named["Xã 10"].id, named["Xã 00"].id)
        await store.units.merge(units[3].id, units[2].id)
        services = Services(store=store)
        for asker in (country, units[0]):
            person = Person(1, "Cán bộ", Role.OFFICIAL, asker.id, NOW)
            kept = await standings(services, asker, summary=True)
            walked = await standings(services, asker)
            assert kept and all(s.kept is not None for s in kept)
            assert all(s.kept is None for s in walked)
            for found in (kept, walked):
                assert [s.period for s in found] == [s.period for s in walked]
            assert shortfall_reply(person, kept, None, 0) == shortfall_reply(
                person, walked, None, 0
            )
            assert await progress_replies(person, kept, None) == await progress_replies(
                person, walked, None
            )
            previous_kept = await standings(
                services, asker, kept[0].period.previous(), fallback=False, summary=True
            )
            previous_walked = await standings(
                services, asker, walked[0].period.previous(), node=walked[0].node, fallback=False
            )
            for page in (0, 1):
                assert await completeness_replies(
                    services, person, kept, previous_kept, page
                ) == await completeness_replies(services, person, walked, previous_walked, page)
            if asker is country:  # the provinces report nothing themselves
                answer = await completeness_replies(services, person, kept, previous_kept, 0)
                assert missing_by_level(answer[0].text) == header_missing(answer[0].text)
            for indicator in plan.indicators:
                assert await indicator_replies(
                    services, person, kept[0], indicator, [], 0
                ) == await indicator_replies(services, person, walked[0], indicator, [], 0)
