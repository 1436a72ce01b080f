"""Reminder rounds: units that still owe figures are reminded of exactly what is missing,
officials get the completeness of their subtree, and /nhacnho, /lienket for officials.

Everything here only queues messages in the outbox. Nothing touches conversation
state, so a reminder that arrives while someone is halfway through reporting leaves
that conversation exactly where it was.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from handlers.messages import Button, Reply, Turn, TurnKind
from handlers.queued_replies import NOT_ALLOWED, fit, to_group, to_person
from handlers.reminders.owed import UnitStatus, plan_scope, unit_statuses, within
from handlers.reporting.dialog import ReportingDialog
from handlers.router import OFFICIALS, Command, Router
from handlers.services import Services
from handlers.wording.figures import level_count_text
from indicators.people import OFFICIAL_ROLES, Person, Role
from indicators.periods import Period, deadline, parse_period
from indicators.plan import Plan
from indicators.reminders import (
    ReminderSettings,
    Round,
    RoundKind,
    Track,
    due_round,
    period_rounds,
    periods_to_check,
)
from indicators.reporting_status import ReportingStatus
from indicators.text import fold
from indicators.units import Unit
from locales import _, format_day
from storage.conversations import ConversationState
from storage.outbox import NewMessage

REPORT_BUTTON = "rm:"  # "rm:<plan>:<period>": report from the first missing indicator
MANUAL = "manual"  # an official's /nhacnho: at most one per unit and day
NAME_LIMIT = 90


@dataclass(frozen=True)
class Recipient:
    label: str  # a person's name or a group chat, for the dry run and the overview
    message: NewMessage


@dataclass(frozen=True)
class PlannedRound:
    """A round for one unit, ready to queue: the unit reminded, or for a summary the
    officials' unit whose subtree it describes."""

    plan: Plan
    period: Period
    unit: Unit
    kind: str
    reply: Reply
    recipients: tuple[Recipient, ...]


# --- texts -----------------------------------------------------------------------------


def _due_dates(plan: Plan, period: Period, services: Services) -> tuple[dt.datetime, dt.date]:
    due = deadline(
        period, due_day=plan.schedule.due_day, due_month=plan.schedule.due_month, tz=services.tz
    )
    return due, due.date() - dt.timedelta(days=1)


def _short(name: str) -> str:
    return name if len(name) <= NAME_LIMIT else name[: NAME_LIMIT - 1].rstrip() + "…"


def _headline(
    kind: str,
    status: UnitStatus,
    plan: Plan,
    period: Period,
    services: Services,
    *,
    days: int | None = None,
    official: str = "",
) -> str:
    due, last_day = _due_dates(plan, period, services)
    names = {
        "unit": status.unit.name,
        "period": period.vietnamese_name(),
        "deadline": format_day(due.date()),
        "last_day": format_day(last_day),
    }
    if kind.startswith(MANUAL) and services.now() >= due:
        return _("{official} reminds you: the figures of {unit} for {period} are overdue (due before {deadline}).").format(official=official, **names)  # fmt: skip
    if kind.startswith(MANUAL):
        return _("{official} reminds you: the figures of {unit} for {period} are due before {deadline}.").format(official=official, **names)  # fmt: skip
    if kind == RoundKind.OVERDUE:
        return _("The figures of {unit} for {period} are overdue: they were due before {deadline}.").format(**names)  # fmt: skip
    if kind == RoundKind.DUE_DAY:
        return _("Today ({last_day}) is the last day to send the figures of {unit} for {period}.").format(**names)  # fmt: skip
    return _("Reminder: the figures of {unit} for {period} are due before {deadline}; {days} days left until the last day, {last_day}.").format(days=days, **names)  # fmt: skip


def _missing_lines(status: UnitStatus, plan: Plan) -> list[str]:
    lines = [
        _("Plan: {title}.").format(title=plan.title),
        _("Still missing {missing} of {total} indicators:").format(
            missing=len(status.missing), total=len(status.expected)
        ),
    ]
    lines += [f"• {i.code}. {_short(i.name)}" for i in status.missing]
    return lines


def unit_replies(
    kind: str,
    status: UnitStatus,
    plan: Plan,
    period: Period,
    services: Services,
    *,
    days: int | None = None,
    official: str = "",
) -> tuple[Reply, Reply]:
    """The reminder for a person of the unit (with the button that starts reporting at
    the first missing indicator) and the same for the unit's group chat."""
    body = "\n".join(
        [_headline(kind, status, plan, period, services, days=days, official=official)]
        + _missing_lines(status, plan)
    )
    private = fit(body + "\n" + _("Press Report now to start with the first missing indicator."))
    group = fit(body + "\n" + _("To report, open a private chat with the bot and type /baocao."))
    button = Button(_("Report now"), f"{REPORT_BUTTON}{plan.id}:{period.code}")
    return Reply(private, ((button,),)), Reply(group)


def summary_reply(
    unit: Unit,
    statuses: Sequence[UnitStatus],
    plan: Plan,
    period: Period,
    services: Services,
    *,
    nobody: Sequence[Unit] = (),
    blocked: Sequence[str] = (),
    silent: Sequence[str] = (),
) -> Reply:
    """ "4/6 thôn đã báo cáo đủ, 1 thôn mới báo cáo một phần, 1 thôn chưa báo cáo; còn
    thiếu: …" for each level of the subtree, in the words every answer uses."""
    due, _last = _due_dates(plan, period, services)
    lines = [_("Reporting status for {period} in {unit} (due before {deadline}):").format(
        period=period.vietnamese_name(), unit=unit.name, deadline=format_day(due.date()))]  # fmt: skip
    status = ReportingStatus(tuple(s.report for s in statuses))
    for count in status.counts():
        line = "• " + level_count_text(count)
        late = [
            _("{unit} ({count} indicators)").format(unit=s.unit.name, count=len(s.report.missing))
            for s in statuses
            if s.report.tier is count.tier and not s.complete
        ]
        if late:
            line += "; " + _("still missing: {units}").format(units=", ".join(late))
        lines.append(line + ".")
    if nobody:
        lines.append(_("No one can receive reminders yet in: {units}.").format(
            units=", ".join(u.name for u in nobody)))  # fmt: skip
    if blocked:
        lines.append(_("Blocked the bot, so not reminded: {people}.").format(
            people=", ".join(blocked)))  # fmt: skip
    if silent:
        lines.append(_("Not reachable on Zalo (no message from them for over 7 days), so not reminded: {people}.").format(
            people=", ".join(silent)))  # fmt: skip
    return Reply(fit("\n".join(lines)))


# --- planning rounds -------------------------------------------------------------------


async def _recipients(
    services: Services,
    unit: Unit,
    key: str,
    private: Reply,
    group: Reply,
    *,
    roles: frozenset[Role] | None = None,
) -> tuple[Recipient, ...]:
    contacts = await services.store.contacts.of_units([unit.id], roles=roles)
    chats = await services.store.contacts.chats_of([unit.id])
    people = [
        Recipient(c.name, to_person(c, private, f"{key}:{c.channel}:{c.chat_id}")) for c in contacts
    ]
    groups = [
        Recipient(
            _("group chat of {unit}").format(unit=unit.name),
            to_group(chat, group, f"{key}:{chat.channel}:{chat.chat_id}"),
        )
        for chat in chats
    ]
    return tuple(people + groups)


def _round_key(plan: Plan, period: Period, unit: Unit, kind: str) -> str:
    return f"reminder:{plan.id}:{period.code}:{unit.id}:{kind}"


async def plan_unit_round(
    services: Services,
    kind: str,
    status: UnitStatus,
    plan: Plan,
    period: Period,
    *,
    days: int | None = None,
    official: str = "",
) -> PlannedRound:
    private, group = unit_replies(
        kind, status, plan, period, services, days=days, official=official
    )
    key = _round_key(plan, period, status.unit, kind)
    recipients = await _recipients(services, status.unit, key, private, group)
    return PlannedRound(plan, period, status.unit, kind, private, recipients)


async def plan_summary_round(
    services: Services,
    kind: str,
    unit: Unit,
    statuses: Sequence[UnitStatus],
    plan: Plan,
    period: Period,
) -> PlannedRound:
    late = [s.unit for s in statuses if not s.complete]
    reachable = {c.unit_id for c in await services.store.contacts.of_units([u.id for u in late])}
    with_groups = {c.unit_id for c in await services.store.contacts.chats_of([u.id for u in late])}
    nobody = [u for u in late if u.id not in reachable and u.id not in with_groups]
    unreachable = await services.store.contacts.unreachable_in_units([s.unit.id for s in statuses])
    blocked = [p.name for p in unreachable if p.since is not None and p.reason != NOT_ALLOWED]
    silent = [p.name for p in unreachable if p.reason == NOT_ALLOWED]
    reply = summary_reply(
        unit, statuses, plan, period, services, nobody=nobody, blocked=blocked, silent=silent
    )
    key = _round_key(plan, period, unit, kind)
    recipients = await _recipients(services, unit, key, reply, reply, roles=OFFICIAL_ROLES)
    return PlannedRound(plan, period, unit, kind, reply, recipients)


async def _official_units(services: Services, scope: Sequence[Unit]) -> list[Unit]:
    """Units in scope whose officials (or group chats) get summaries."""
    ids = [u.id for u in scope]
    wanted = {c.unit_id for c in await services.store.contacts.of_units(ids, roles=OFFICIAL_ROLES)}
    wanted |= {chat.unit_id for chat in await services.store.contacts.chats_of(ids)}
    return [u for u in scope if u.id in wanted]


async def due_rounds(services: Services, settings: ReminderSettings) -> list[PlannedRound]:
    """Every round due now that has not been queued, for each plan in use and each unit."""
    at = services.clock.now()
    planned: list[PlannedRound] = []
    for plan in await services.store.plans.all():
        if not await services.store.plans.units_of(plan.id):
            continue
        for period in periods_to_check(plan.schedule, at, settings.tz):
            if period.year != plan.year:
                continue
            rounds = period_rounds(plan.schedule, period, settings)
            units_track = rounds.track(Track.UNITS)
            officials_track = rounds.track(Track.OFFICIALS)
            units_round = due_round(units_track, at)
            summary_round = due_round(officials_track, at)
            if units_round is None and summary_round is None:
                continue
            sent = await services.store.reminders.sent(plan.id, period.code)
            scope = await plan_scope(services, plan.id)
            statuses = await unit_statuses(services, plan, period, scope)
            if units_round is not None:
                for status in statuses:
                    if status.complete:
                        continue
                    if due_round(units_track, at, sent.get(status.unit.id, ())) != units_round:
                        continue
                    planned.append(await plan_unit_round(
                        services, units_round.key, status, plan, period,
                        days=units_round.days_before,
                    ))  # fmt: skip
            if summary_round is not None:
                planned += await _summaries(
                    services,
                    plan,
                    period,
                    summary_round,
                    officials_track,
                    at,
                    sent,
                    scope,
                    statuses,
                )
    return planned


async def _summaries(
    services: Services,
    plan: Plan,
    period: Period,
    summary: Round,
    track: Sequence[Round],
    at: dt.datetime,
    sent: dict[int, set[str]],
    scope: Sequence[Unit],
    statuses: Sequence[UnitStatus],
) -> list[PlannedRound]:
    planned = []
    for unit in await _official_units(services, scope):
        if due_round(track, at, sent.get(unit.id, ())) != summary:
            continue
        inside = {u.id for u in await within(services, scope, unit.id)}
        mine = [s for s in statuses if s.unit.id in inside]
        if mine:
            planned.append(
                await plan_summary_round(services, summary.key, unit, mine, plan, period)
            )
    return planned


async def queue_rounds(
    services: Services, planned: Sequence[PlannedRound], *, by: int | None = None
) -> list[PlannedRound]:
    """Queue each round with its messages unless it was queued before; those queued now."""
    queued = []
    for item in planned:
        messages = [r.message for r in item.recipients]
        if await services.store.reminders.queue(
            item.plan.id,
            item.period.code,
            item.unit.id,
            item.kind,
            messages,
            by=by,
        ):
            queued.append(item)
    return queued


async def run_due(services: Services, settings: ReminderSettings) -> list[PlannedRound]:
    """What the scheduler does every minute: queue the rounds due now."""
    return await queue_rounds(services, await due_rounds(services, settings))


# --- /nhacnho --------------------------------------------------------------------------


async def _roots(services: Services, person: Person) -> list[Unit]:
    if person.unit_id is not None:
        unit = await services.store.units.get(person.unit_id)
        return [] if unit is None else [unit]
    return await services.store.units.roots()


async def _plans_under(services: Services, root: Unit) -> list[tuple[Plan, list[Unit]]]:
    """The plans reported on somewhere in `root`'s subtree, each with those units."""
    found = []
    for plan in await services.store.plans.all():
        scope = await within(services, await plan_scope(services, plan.id), root.id)
        if scope:
            found.append((plan, scope))
    return found


def _names(units: Sequence[Unit]) -> str:
    return ", ".join(u.name for u in units)


async def remind_now(services: Services, person: Person, text: str) -> list[Reply]:
    """An official's reminder round to the units of their subtree still missing figures,
    at most once a day per unit; for the open period, or the one named in `text`."""
    now = services.now()
    kind = f"{MANUAL}-{now.date().isoformat()}"
    lines: list[str] = []
    for root in await _roots(services, person):
        for plan, scope in await _plans_under(services, root):
            period = (
                parse_period(text, today=now.date(), kind_hint=plan.schedule.period_kind)
                if text.strip()
                else plan.schedule.open_period(now)
            )
            if period is None:
                return [Reply(_("I could not find a period in that. For example: /nhacnho quý 3"))]
            if period.year != plan.year or period.kind != plan.schedule.period_kind:
                continue
            lines += await _remind_plan(services, person, kind, root, plan, period, scope)
    if not lines:
        return [Reply(_("No plan in your area has figures to report for that period."))]
    return [Reply(fit("\n".join(lines)))]


async def _remind_plan(
    services: Services,
    person: Person,
    kind: str,
    root: Unit,
    plan: Plan,
    period: Period,
    scope: Sequence[Unit],
) -> list[str]:
    statuses = await unit_statuses(services, plan, period, scope)
    late = [s for s in statuses if not s.complete]
    if not late:
        return [_("All units in {unit} have sent every figure for {period}.").format(
            unit=root.name, period=period.vietnamese_name())]  # fmt: skip
    planned = [
        await plan_unit_round(services, kind, s, plan, period, official=person.name) for s in late
    ]
    queued = await queue_rounds(services, planned, by=person.id)
    queued_ids = {p.unit.id for p in queued}
    reached = [p for p in queued if p.recipients]
    lines = []
    if reached:
        lines.append(_("Reminder for {period} queued to {people} recipients in {count} units still missing figures: {units}.").format(
            period=period.vietnamese_name(), people=sum(len(p.recipients) for p in reached),
            count=len(reached), units=_names([p.unit for p in reached])))  # fmt: skip
    already = [p.unit for p in planned if p.unit.id not in queued_ids]
    if already:
        lines.append(_("Already reminded today for {period}: {units}.").format(
            period=period.vietnamese_name(), units=_names(already)))  # fmt: skip
    nobody = [p.unit for p in queued if not p.recipients]
    if nobody:
        lines.append(
            _("No one can receive reminders yet in: {units}.").format(units=_names(nobody))
        )
    unreachable = await services.store.contacts.unreachable_in_units([s.unit.id for s in late])
    blocked = [p.name for p in unreachable if p.since is not None and p.reason != NOT_ALLOWED]
    if blocked:
        lines.append(
            _("Blocked the bot, so not reminded: {people}.").format(people=", ".join(blocked))
        )
    silent = [p.name for p in unreachable if p.reason == NOT_ALLOWED]
    if silent:
        lines.append(_("Not reachable on Zalo (no message from them for over 7 days), so not reminded: {people}.").format(
            people=", ".join(silent)))  # fmt: skip
    return lines


# --- /lienket --------------------------------------------------------------------------

UNLINK_WORDS = ("huy", "bo", "go", "xoa")


async def link_group(services: Services, turn: Turn, person: Person) -> list[Reply]:
    """Link the group chat the command was sent in to the official's unit, or unlink it
    with "/lienket huy"."""
    if not turn.is_group:
        return [
            Reply(
                _(
                    "Send /lienket in the Telegram group of your unit, after adding the bot to the group."
                )
            )
        ]
    if fold(turn.text).strip() in UNLINK_WORDS:
        removed = await services.store.contacts.unlink_chat(
            turn.channel, turn.chat_id, by=person.id
        )
        if removed is None:
            return [Reply(_("This group is not linked to any unit."))]
        return [Reply(_("This group is no longer linked; reminders will not be posted here."))]
    if person.unit_id is None:
        return [Reply(_("You have no unit to link this group to."))]
    unit = await services.store.units.get(person.unit_id)
    if unit is None:
        raise LookupError(f"unit {person.unit_id} does not exist")
    await services.store.contacts.link_chat(unit.id, turn.channel, turn.chat_id, by=person.id)
    return [Reply(_("This group is linked to {unit}: reminders and reporting summaries for {unit} will also be posted here. To undo: /lienket huy").format(unit=unit.name))]  # fmt: skip


# --- wiring ----------------------------------------------------------------------------


def register(router: Router, reporting: ReportingDialog) -> None:
    """Add /nhacnho, /lienket and the reminders' Report now button to the router."""

    services = router.services

    async def nhacnho(turn: Turn, person: Person, state: ConversationState | None) -> list[Reply]:
        # "/nhacnho quý 3" names a period; the words "nhắc nhở" alone do not.
        period_text = turn.text if turn.kind is TurnKind.COMMAND else ""
        return await remind_now(services, person, period_text)

    async def lienket(turn: Turn, person: Person, state: ConversationState | None) -> list[Reply]:
        return await link_group(services, turn, person)

    async def report_now(turn: Turn, person: Person) -> list[Reply]:
        plan_id, _sep, period_code = turn.text.removeprefix(REPORT_BUTTON).partition(":")
        try:
            Period.from_code(period_code)
        except ValueError:
            return [Reply(_("This button is no longer active."))]
        return await reporting.start(turn, person, period_code, plan_id=plan_id, skip_intro=True)

    router.add_command(Command(
        "nhacnho", lambda: _("Remind the units that have not reported"), nhacnho,
        roles=OFFICIALS, words=("nhac nho", "nhac bao cao", "nhac cac thon"),
    ))  # fmt: skip
    router.add_command(Command(
        "lienket", lambda: _("Link a group chat to your unit"), lienket, roles=OFFICIALS
    ))  # fmt: skip
    router.add_button(REPORT_BUTTON, report_now)
