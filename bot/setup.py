"""Operator tasks behind the CLI: loading plans, the demo commune, finding units and people."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from bot.settings import Settings
from handlers.exports.appendix import DOCUMENT_CHANNEL
from handlers.services import Services
from handlers.unit_lookup import find_named_unit
from indicators.people import Person, Role
from indicators.periods import VIETNAM_TZ, Period, parse_period
from indicators.plan import Indicator, Plan, Tier
from indicators.plans import bundled_plan_ids, load_bundled
from indicators.results import read_printed_result
from indicators.rollover import roll_over
from indicators.targets import Threshold
from indicators.text import fold
from indicators.units import Unit
from indicators.values import (
    AnyValue,
    CountValue,
    Measure,
    PercentValue,
    RatioValue,
    Status,
    StatusValue,
    YesNoValue,
)
from locales import _
from storage import Clock, Store
from storage.backends import parse_url
from storage.backends.sqlite import MEMORY
from storage.plans import bundled_text
from storage.values import NewValue


class OperatorError(Exception):
    """Something the operator asked for that cannot be done; the message says why."""


class LinkUnavailable(Exception):
    """The t.me link cannot be made; the message says why (never the token)."""


async def open_initialised(settings: Settings, clock: Clock) -> Store:
    """The database of every command but `init`: one `chitieu init` made. A missing SQLite
    file is not created (an empty one would only hide a wrong path or directory), and a
    database without plans says what to run instead of "no unit named …"."""
    url = parse_url(settings.database_url)
    if url.scheme == "sqlite" and url.path != MEMORY and not Path(url.path).exists():
        raise OperatorError(_("there is no database {path} here: run `chitieu init` (or `chitieu init --demo`) first, or set CHITIEU_DB").format(
            path=url.path))  # fmt: skip
    store = await Store.open(settings.database_url, clock=clock)
    if not await store.plans.all():
        await store.close()
        raise OperatorError(_("the database {path} has no plans yet: run `chitieu init` (or `chitieu init --demo`) first").format(
            path=url.path))  # fmt: skip
    return store


async def load_bundled_plans(store: Store) -> list[Plan]:
    """Load every bundled plan and the units it names, and assign each to its issuer."""
    plans: list[Plan] = []
    for plan_id in bundled_plan_ids():
        await store.install_bundled(plan_id)
        plans.append(load_bundled(plan_id))
    return plans


async def load_bundled_results(store: Store) -> int:
    """Record the results bundled report plans print (their `actual` history) as values of
    the issuing unit, channel "document"; how many results there are. Running it again
    records nothing: each value carries the document's update key, which records a cell
    once, so a later correction through the bot is never overwritten by the document."""
    results = 0
    for plan_id in bundled_plan_ids():
        plan = load_bundled(plan_id)
        ids = await store.units.import_tree(plan.units)
        issuer = ids[plan.issuer_path]
        by_period: dict[str, list[NewValue]] = {}
        for indicator in plan.indicators:
            for entry in indicator.history:
                value = read_printed_result(indicator, entry.printed)
                if entry.kind == "actual" and value is not None:
                    by_period.setdefault(entry.period, []).append(
                        NewValue(issuer, plan.id, indicator.code, entry.period, value, entry.note)
                    )
        for period, items in by_period.items():
            key = f"document:{plan.id}:{period}"
            await store.values.record_many(items, channel=DOCUMENT_CHANNEL, update_key=key)
            results += len(items)
    return results


async def copy_plan(store: Store, plan_id: str, year: int) -> Plan:
    text = await store.plans.text(plan_id)
    if text is None:
        raise OperatorError(_("no plan {plan!r}; see `chitieu plans`").format(plan=plan_id))
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
# Đồng Lạc's plan measures everything in percent. So that counts, yes/no and status
# answers can be tried too, the demo's copy gains a group of commune-level criteria
# from Vĩnh Lộc's report (Quyết định 1829/QĐ-UBND, Phụ lục 2): a yes/no, a status and
# a count row of each kind the official reports for the commune.
DEMO_EXTRA_SOURCE = "vinh-loc-2023-xa"
DEMO_EXTRA_ROWS = ("1.7", "4.5", "1.8", "4.2", "1.11")
DEMO_EXTRA_GROUP = "5"


def demo_plan_text(year: int) -> str:
    """The Đồng Lạc plan carried to `year`, with the demo's group of other measures."""
    data: dict[str, Any] = yaml.safe_load(roll_over(bundled_text(DEMO_PLAN), year))
    source: dict[str, Any] = yaml.safe_load(bundled_text(DEMO_EXTRA_SOURCE))
    rows = {i["code"]: i for g in source["groups"] for i in g["indicators"]}
    extra = []
    for number, code in enumerate(DEMO_EXTRA_ROWS, start=1):
        row = dict(rows[code])
        row["code"] = f"{DEMO_EXTRA_GROUP}.{number}"
        row["printed_code"] = None
        row["history"] = []
        row["notes"] = (
            f"Added by the demo from {DEMO_EXTRA_SOURCE} row {code}, so that this measure "
            "can be tried in a conversation."
        )
        extra.append(row)
    data["groups"].append(
        {"code": DEMO_EXTRA_GROUP, "name": "Tiêu chí chuyển đổi số cấp xã", "indicators": extra}
    )
    data["notes"].append(
        f"Group {DEMO_EXTRA_GROUP} is not in Đồng Lạc's plan: the demo adds commune-level "
        f"criteria of {DEMO_EXTRA_SOURCE} (rows {', '.join(DEMO_EXTRA_ROWS)})."
    )
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


async def demo_plan(store: Store, year: int) -> Plan:
    """The demo's plan for `year`: its own copy, made once, assigned where the source is."""
    existing = await store.plans.get(f"dong-lac-{year}")
    if existing is not None:
        return existing
    version = await store.plans.load_text(demo_plan_text(year), source=f"demo copy of {DEMO_PLAN}")
    plan = await store.plans.get(version.plan_id)
    assert plan is not None
    for unit_id in await store.plans.units_of(DEMO_PLAN):
        await store.plans.assign(unit_id, plan.id)
    return plan


async def add_demo(store: Store) -> str:
    """The Đồng Lạc plan carried to this year, six villages, people and past quarters' values.

    The source names none of the six villages, so they are "Thôn 1"…"Thôn 6".
    """
    now = store.clock.now()
    year = now.astimezone(VIETNAM_TZ).year
    plan = load_bundled(DEMO_PLAN)
    if year > plan.year:
        plan = await demo_plan(store, year)
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
    # The other measures draw from their own sequence, so the shares stay as they were.
    others = random.Random(1829)
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
                value = _demo_value(indicator, size, step, rng, others)
                records.append(NewValue(unit.id, plan.id, indicator.code, period.code, value))
    already = await store.values.latest([villages[0].id], plan.id, periods[0].code)
    if already:
        records = []  # running --demo again adds nothing
    await store.values.record_many(records, channel="demo")
    await store.rollups.settle()  # the demo opens ready to be asked
    return _("Demo: {plan} ({title}), xã Đồng Lạc with {villages} villages, {values} new values for {periods}; open period {open}.").format(
        plan=plan.id, title=plan.title, villages=len(villages), values=len(records),
        periods=", ".join(p.code for p in periods), open=current.vietnamese_name())  # fmt: skip


def _back(period: Period, count: int) -> list[Period]:
    found = []
    for _step in range(count):
        period = period.previous()
        found.append(period)
    return list(reversed(found))


def _demo_value(
    indicator: Indicator, size: int, step: int, rng: random.Random, others: random.Random
) -> AnyValue:
    """A share near the indicator's target that grows by quarter; some fall short, as in
    real communes (a GRDP share of 11% is not reported as 80%). The other measures move
    on too: work in progress gets done, a count grows, a yes comes after a no."""
    match indicator.measure:
        case Measure.YESNO:
            return YesNoValue(step >= others.randint(1, 3))
        case Measure.STATUS:
            done = step >= others.randint(1, 3)
            return StatusValue(Status.MET if done else Status.IN_PROGRESS)
        case Measure.COUNT:
            return CountValue(step + others.randint(0, 1))
    part = indicator.target.parts[0] if indicator.target.parts else None
    level = part.amount if isinstance(part, Threshold) and part.is_percent else Decimal(80)
    factor = Decimal(80 + 8 * step + rng.randint(-10, 15)) / 100
    share = min((level * factor).quantize(Decimal(1)), Decimal(100))
    if indicator.formula is not None:
        return RatioValue(int(size * share / 100), size)
    return PercentValue(share)


async def find_unit(store: Store, text: str) -> Unit:
    if text.isdigit():
        unit = await store.units.get(int(text))
        if unit is None:
            raise OperatorError(_("no unit with id {id}; see `chitieu units`").format(id=text))
        return unit
    found = await store.units.by_name(text)
    if not found:
        raise OperatorError(_("no unit named {name!r}; see `chitieu units`").format(name=text))
    if len(found) > 1:
        listed = ", ".join(f"{u.id} ({u.level} {u.name})" for u in found)
        raise OperatorError(_("several units are named {name!r}: {units}; give the id").format(
            name=text, units=listed))  # fmt: skip
    return found[0]


async def report_unit(services: Services, text: str) -> Unit:
    """The unit an export names; a name shared by several units means the one plans are
    assigned to ("Vĩnh Lộc" is the huyện, not the thị trấn), "huyện Vĩnh Lộc" is exact."""
    found = await find_named_unit(services, text)
    if not found:
        raise OperatorError(_("no unit named {name!r}; see `chitieu units`").format(name=text))
    return found[0]


def read_period(text: str, today: dt.date) -> Period:
    """A period as documents name it ("6 tháng đầu năm 2023", "Quý III/2026") or its code."""
    try:
        return Period.from_code(text.strip())
    except ValueError:
        pass
    period = parse_period(text, today=today)
    if period is None:
        raise OperatorError(_('not a period: {text!r}; e.g. "Quý III/2026" or 2026-Q3').format(
            text=text))  # fmt: skip
    return period


async def all_people(store: Store) -> list[Person]:
    found: dict[int, Person] = {}
    for root in await store.units.roots():
        for person in await store.people.in_subtree(root.id):
            found[person.id] = person
    return sorted(found.values(), key=lambda p: p.id)


async def console_person(store: Store, wanted: str | None) -> Person:
    people = await all_people(store)
    if not people:
        raise OperatorError(_("nobody is registered yet: run `chitieu init --demo` first"))
    if wanted is None:
        members = [p for p in people if p.role == "member"]
        person = (members or people)[0]
    elif wanted.isdigit():
        matches = [p for p in people if p.id == int(wanted)]
        if not matches:
            raise OperatorError(_("no person with id {id}; see `chitieu people`").format(id=wanted))
        person = matches[0]
    else:
        matches = [p for p in people if fold(wanted) in fold(p.name)]
        if len(matches) != 1:
            raise OperatorError(_("{count} people match {name!r}; give the id (`chitieu people`)").format(
                count=len(matches), name=wanted))  # fmt: skip
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
        removed = " (removed)" if await store.members.removed_at(person.id) else ""
        lines.append(f"{person.id:>5}  {person.role:<8} {person.name}  ({where}){removed}")
    return lines


def invite_lines(settings: Settings, code: str, telegram_username: str | None) -> list[str]:
    """What a person does with the code on each configured channel (the operator passes
    it on): open the t.me link, or send the code to the Zalo OA or bot."""
    lines = []
    if telegram_username:
        lines.append(f"Telegram: https://t.me/{telegram_username}?start={code}")
    if settings.zalo_oa() is not None:
        lines.append(_("Zalo OA: follow the OA, then send: {code}").format(code=code))
    if settings.zalo_bot_token is not None:
        lines.append(_("Zalo Bot: send the bot: {code}").format(code=code))
    if not lines:
        lines.append(
            _("Telegram: (set CHITIEU_TELEGRAM_TOKEN to get the t.me link) — /start {code}").format(
                code=code
            )
        )
    return lines


async def bot_username(settings: Settings) -> str | None:
    """The bot's @username for t.me links, asked from Telegram when a token is set.
    Raises LinkUnavailable when Telegram cannot tell."""
    if settings.telegram_token is None:
        return None
    from bot.telegram_channel import UsernameUnavailable
    from bot.telegram_channel import bot_username as ask_telegram

    try:
        return await ask_telegram(
            settings.telegram_token.get_secret_value(), settings.telegram_api_url
        )
    except UsernameUnavailable as exc:
        raise LinkUnavailable(str(exc)) from None
