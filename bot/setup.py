"""Operator tasks behind the CLI: loading plans, the demo commune, finding units and people."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from bot.settings import Settings
from indicators.periods import VIETNAM_TZ, Period
from indicators.plan import Plan, Tier
from indicators.plans import bundled_plan_ids, load_bundled
from indicators.rollover import roll_over
from indicators.text import fold
from indicators.values import AnyValue, PercentValue, RatioValue
from storage import Store
from storage.people import Person, Role
from storage.units import Unit
from storage.values import NewValue


class OperatorError(Exception):
    """Something the operator asked for that cannot be done; the message says why."""


async def load_bundled_plans(store: Store) -> list[Plan]:
    """Load every bundled plan and the units it names, and assign each to its issuer."""
    plans: list[Plan] = []
    for plan_id in bundled_plan_ids():
        await store.install_bundled(plan_id)
        plans.append(load_bundled(plan_id))
    return plans


async def copy_plan(store: Store, plan_id: str, year: int) -> Plan:
    text = await store.plans.text(plan_id)
    if text is None:
        raise OperatorError(f"no plan {plan_id!r}; see `chitieu plans`")
    try:
        new_text = roll_over(text, year)
    except ValueError as exc:
        raise OperatorError(str(exc)) from exc
    version = await store.plans.load_text(new_text, source=f"copy of {plan_id}")
    plan = await store.plans.get(version.plan_id)
    assert plan is not None
    for unit_id in await store.plans.units_of(plan_id):
        await store.plans.assign(unit_id, plan.id)
    return plan


DEMO_VILLAGES = tuple(f"Thôn {n}" for n in range(1, 7))
DEMO_PLAN = "dong-lac-2025"


async def add_demo(store: Store, *, now: dt.datetime) -> str:
    """The Đồng Lạc plan carried to this year, six villages, people and past quarters' values.

    The source names none of the six villages, so they are "Thôn 1"…"Thôn 6".
    """
    year = now.astimezone(VIETNAM_TZ).year
    plan = load_bundled(DEMO_PLAN)
    if year > plan.year:
        plan = await store.plans.get(f"dong-lac-{year}") or await copy_plan(store, DEMO_PLAN, year)
    commune = (await store.units.by_name("Đồng Lạc", level="xã"))[0]
    villages: list[Unit] = []
    for name in DEMO_VILLAGES:
        existing = await store.units.by_name(name, level="thôn")
        mine = [u for u in existing if u.parent_id == commune.id]
        villages.append(mine[0] if mine else await store.units.add(name, "thôn", commune.id))
    if not await store.people.in_subtree(commune.id):
        await store.people.add_person("Quản trị hệ thống", Role.ADMIN, commune.id)
        await store.people.add_person(
            "Nguyễn Thị Lan (Văn phòng - Thống kê)", Role.OFFICIAL, commune.id
        )
        for index, village in enumerate(villages, start=1):
            await store.people.add_person(
                f"Tổ CNSCĐ {village.name} (thành viên {index})", Role.MEMBER, village.id
            )
    current = plan.schedule.open_period(now)
    periods = [p for p in _back(current, 3) if p.year == plan.year]
    rng = random.Random(2025)
    records: list[NewValue] = []
    for unit in [commune, *villages]:
        size = rng.randint(90, 260) if unit is not commune else rng.randint(30, 80)
        tier = Tier.COMMUNE if unit is commune else Tier.VILLAGE
        for step, period in enumerate(periods):
            if unit.name == "Thôn 6" and period == periods[-1]:
                continue  # one village behind, so "thôn nào chưa báo cáo" has an answer
            for indicator in plan.indicators:
                if indicator.reported_by is not tier:
                    continue
                value = _demo_value(indicator.formula is not None, size, step, rng)
                records.append(NewValue(unit.id, plan.id, indicator.code, period.code, value))
    already = await store.values.latest([villages[0].id], plan.id, periods[0].code)
    if already:
        records = []  # running --demo again adds nothing
    await store.values.record_many(records, channel="demo")
    return (
        f"Demo: {plan.id} ({plan.title}), xã Đồng Lạc with {len(villages)} villages, "
        f"{len(records)} new values for {', '.join(p.code for p in periods)}; "
        f"open period {current.vietnamese_name()}."
    )


def _back(period: Period, count: int) -> list[Period]:
    found = []
    for _ in range(count):
        period = period.previous()
        found.append(period)
    return list(reversed(found))


def _demo_value(has_formula: bool, size: int, step: int, rng: random.Random) -> AnyValue:
    """A share that grows by quarter; some fall short of their targets, as in real communes."""
    share = min(Decimal(55 + 8 * step + rng.randint(-5, 15)), Decimal(99))
    if has_formula:
        return RatioValue(int(size * share / 100), size)
    return PercentValue(share)


async def find_unit(store: Store, text: str) -> Unit:
    if text.isdigit():
        unit = await store.units.get(int(text))
        if unit is None:
            raise OperatorError(f"no unit with id {text}; see `chitieu units`")
        return unit
    found = await store.units.by_name(text)
    if not found:
        raise OperatorError(f"no unit named {text!r}; see `chitieu units`")
    if len(found) > 1:
        listed = ", ".join(f"{u.id} ({u.level} {u.name})" for u in found)
        raise OperatorError(f"several units are named {text!r}: {listed}; give the id")
    return found[0]


async def all_people(store: Store) -> list[Person]:
    found: dict[int, Person] = {}
    for root in await store.units.roots():
        for person in await store.people.in_subtree(root.id):
            found[person.id] = person
    return sorted(found.values(), key=lambda p: p.id)


async def console_person(store: Store, wanted: str | None) -> Person:
    people = await all_people(store)
    if not people:
        raise OperatorError("nobody is registered yet: run `chitieu init --demo` first")
    if wanted is None:
        members = [p for p in people if p.role == "member"]
        person = (members or people)[0]
    elif wanted.isdigit():
        matches = [p for p in people if p.id == int(wanted)]
        if not matches:
            raise OperatorError(f"no person with id {wanted}; see `chitieu people`")
        person = matches[0]
    else:
        matches = [p for p in people if fold(wanted) in fold(p.name)]
        if len(matches) != 1:
            raise OperatorError(
                f"{len(matches)} people match {wanted!r}; give the id (`chitieu people`)"
            )
        person = matches[0]
    await store.people.link_identity(person.id, "console", f"person-{person.id}", chat_id=None)
    return person


async def unit_lines(store: Store) -> list[str]:
    lines: list[str] = []

    async def walk(unit: Unit, depth: int) -> None:
        lines.append(f"{unit.id:>5}  {'  ' * depth}{unit.level} {unit.name}")
        for child in await store.units.children(unit.id):
            await walk(child, depth + 1)

    for root in await store.units.roots():
        await walk(root, 0)
    return lines


async def people_lines(store: Store) -> list[str]:
    lines = []
    for person in await all_people(store):
        unit = await store.units.get(person.unit_id) if person.unit_id else None
        where = f"{unit.level} {unit.name}" if unit else "—"
        lines.append(f"{person.id:>5}  {person.role:<8} {person.name}  ({where})")
    return lines


async def bot_username(settings: Settings) -> str | None:
    """The bot's @username for t.me links, asked from Telegram when a token is set."""
    if settings.telegram_token is None:
        return None
    from telegram import Bot

    bot = Bot(settings.telegram_token.get_secret_value(), base_url=settings.telegram_api_url)
    async with bot:
        return bot.username
