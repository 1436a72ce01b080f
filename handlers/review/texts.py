"""A period's review as chat text: one line per unit, a line per figure to look at."""

from __future__ import annotations

import datetime as dt

from handlers.messages import Button, Reply
from handlers.review.notices import APPROVE_BUTTON, REFUSE_BUTTON
from handlers.review.period import Item, PeriodReview
from handlers.wording.figures import unit_label
from handlers.wording.values import format_value
from indicators.review import Flag
from locales import _, format_day

RETURN_BUTTON = "rv:ret:"  # "rv:ret:<value id>": send this version back, with a comment
ACCEPT_BUTTON = "rv:acc:"  # "rv:acc:<period>": accept every figure not decided yet
LOCK_BUTTON = "rv:lock:"  # "rv:lock:<period>"
MAX_RETURN_BUTTONS = 8


def flag_text(flag: Flag, item: Item) -> str:
    if flag is Flag.JUMP and item.previous is not None:
        return _("far from the previous period ({value})").format(
            value=format_value(item.previous.value, item.indicator))  # fmt: skip
    return {
        Flag.JUMP: _("far from the previous period"),
        Flag.OVER_100: _("over 100%"),
        Flag.BEYOND_UNIT: _("more than the unit can have"),
        Flag.NO_NOTE: _("no explanation given"),
        Flag.MISSING: _("no figure"),
    }[flag]


def _mark(item: Item) -> str:
    if item.accepted:
        return " ✓"
    if item.returned:
        return " ↩"
    return " ⚠" if item.suspicious else ""


def review_reply(review: PeriodReview, now: dt.datetime) -> Reply:
    plan, period = review.plan, review.period
    deadline = plan.schedule.deadline(period)
    lines = [
        _("Review of the figures for {period} — {unit}").format(
            period=period.vietnamese_name(), unit=unit_label(review.unit)
        ),
        _("Plan: {title}.").format(title=plan.title),
    ]
    if deadline > now:
        lines.append(_("The deadline ({day}) has not passed yet: units may still send figures.").format(
            day=format_day(deadline.date())))  # fmt: skip
    if review.lock is not None:
        lines.append(_("Locked on {day}: changes now need an official's approval.").format(
            day=format_day(review.lock.locked_at.astimezone(now.tzinfo).date())))  # fmt: skip
    lines.append("")
    for unit in review.units:
        total = len(unit.items)
        done = len(unit.reported)
        head = f"{unit.name} ({done}/{total})"
        figures = " · ".join(
            # Without the counted noun: one line per unit stays readable on a phone.
            f"{i.indicator.code} {format_value(i.stored.value)}{_mark(i)}"
            for i in unit.reported
            if i.stored is not None
        )
        lines.append(f"• {head}: {figures}" if figures else f"• {head}")
        if unit.missing and done:
            lines.append("   " + _("missing: {codes}").format(
                codes=", ".join(i.indicator.code for i in unit.missing)))  # fmt: skip
        elif not done:
            lines.append("   " + _("no figures sent yet"))
        for item in unit.reported:
            if item.suspicious and not item.accepted:
                reasons = "; ".join(flag_text(f, item) for f in item.flags)
                lines.append(f"   ⚠ {item.indicator.code}: {reasons}")
            if item.returned and item.decision is not None:
                lines.append("   ↩ " + _("{code} sent back: “{comment}”").format(
                    code=item.indicator.code, comment=item.decision.comment or ""))  # fmt: skip
    if review.waiting:
        lines.append("")
        lines.append(_("Changes waiting for approval:"))
        names = {u.unit_id: u.name for u in review.units}
        for proposal in review.waiting:
            indicator = plan.indicator(proposal.indicator_code)
            lines.append(f"• {names.get(proposal.unit_id, '')} {indicator.code}: "
                         f"{format_value(proposal.value, indicator)}")  # fmt: skip
    lines.append("")
    lines.append(_("{check} to check, {returned} sent back and not corrected, {missing} missing.").format(
        check=len(review.to_check), returned=len(review.open_returns),
        missing=sum(len(u.missing) for u in review.units)))  # fmt: skip
    lines.append(_("To send a figure back: press ↩, or type e.g. “trả lại 3.1 thôn 2: please check the total”."))  # fmt: skip
    return Reply("\n".join(lines), _buttons(review, now))


def _buttons(review: PeriodReview, now: dt.datetime) -> tuple[tuple[Button, ...], ...]:
    rows: list[tuple[Button, ...]] = []
    for item in review.to_check[:MAX_RETURN_BUTTONS]:
        assert item.stored is not None
        label = f"↩ {item.indicator.code} {item.unit}"[:60]
        rows.append((Button(label, f"{RETURN_BUTTON}{item.stored.id}"),))
    names = {u.unit_id: u.name for u in review.units}
    for proposal in review.waiting[:MAX_RETURN_BUTTONS]:
        where = f"{proposal.indicator_code} {names.get(proposal.unit_id, '')}"
        rows.append((
            Button(_("Approve {what}").format(what=where)[:60], f"{APPROVE_BUTTON}{proposal.id}"),
            Button(_("Refuse"), f"{REFUSE_BUTTON}{proposal.id}"),
        ))  # fmt: skip
    code = review.period.code
    last: list[Button] = []
    if review.undecided:
        last.append(Button(_("Accept all"), f"{ACCEPT_BUTTON}{code}"))
    if review.lock is None and review.plan.schedule.deadline(review.period) <= now:
        last.append(Button(_("Lock the period"), f"{LOCK_BUTTON}{code}"))
    if last:
        rows.append(tuple(last))
    return tuple(rows)
