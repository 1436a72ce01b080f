"""`chitieu remind`: the reminder rounds due at a moment, printed (dry run) or queued."""

from __future__ import annotations

import datetime as dt

from bot.settings import Settings
from handlers.reminders import rounds as reminders
from handlers.services import Services
from indicators.periods import VIETNAM_TZ
from storage import Clock, FixedClock, Store


def moment(settings: Settings, clock: Clock, day: dt.date | None) -> dt.datetime:
    """Now, or the given day at the reminder hour (local time)."""
    if day is None:
        return clock.now().astimezone(VIETNAM_TZ)
    return dt.datetime.combine(day, settings.reminders.hour, tzinfo=VIETNAM_TZ)


def describe(planned: list[reminders.PlannedRound]) -> list[str]:
    lines: list[str] = []
    for item in planned:
        people = len(item.recipients)
        lines.append(
            f"{item.plan.id} {item.period.code} {item.kind} → {item.unit.name}:"
            f" {people} recipient{'s' if people != 1 else ''}"
        )
        for recipient in item.recipients:
            message = recipient.message
            lines.append(f"  to {recipient.label} [{message.channel} {message.recipient}]")
        if not item.recipients:
            lines.append("  (no one can receive it: nobody of this unit has joined on a channel)")
        lines += [f"  | {line}" for line in item.reply.text.splitlines()]
    return lines


async def remind(
    settings: Settings, clock: Clock, *, dry_run: bool, day: dt.date | None
) -> list[str]:
    at = moment(settings, clock, day)
    # The whole round, and every row it queues, happens at that one moment.
    async with await Store.open(settings.database_url, clock=FixedClock(at)) as store:
        services = Services(store=store)
        planned = await reminders.due_rounds(services, settings.reminders)
        when = at.strftime("%Y-%m-%d %H:%M")
        if dry_run:
            head = f"Reminder rounds due at {when} (Asia/Ho_Chi_Minh); dry run, nothing queued."
            return [head, *describe(planned)] if planned else [head, "Nothing is due."]
        queued = await reminders.queue_rounds(services, planned)
        messages = sum(len(item.recipients) for item in queued)
        head = f"Queued {len(queued)} rounds, {messages} messages; the running bot sends them."
        return [head, *describe(queued)]
