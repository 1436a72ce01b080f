"""Review and lock of a period in the chat: "duyệt số liệu quý 3" (/duyet), sending a
figure back ("trả lại 3.1 thôn 2: …" or its button), accepting, "khóa kỳ quý 3"
(/khoaky), approving changes proposed after the lock, and "lịch sử 3.1 thôn 2"
(/lichsu) for everyone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from handlers.messages import Button, Reply, Turn, TurnKind
from handlers.reporting.dialog import ReportingDialog
from handlers.review.history import history_replies
from handlers.review.notices import (
    APPROVE_BUTTON,
    FIX_BUTTON,
    REFUSE_BUTTON,
    queue_decision,
    queue_return,
)
from handlers.review.period import PeriodReview, plans_to_review, review_period
from handlers.review.texts import ACCEPT_BUTTON, LOCK_BUTTON, RETURN_BUTTON, review_reply
from handlers.router import OFFICIALS, Command, CommandRun, Router
from handlers.services import Services
from handlers.unit_lookup import Found, NotFound, find_unit, home_unit, may_see
from handlers.wording.figures import unit_label
from handlers.wording.values import format_value
from indicators.people import Person
from indicators.periods import Period, parse_period
from indicators.questions import Vocabulary, read_question
from indicators.text import folded_words
from indicators.units import Unit
from locales import _, format_day
from storage.conversations import ConversationState

RETURN_DIALOG = "review-return"
BUTTONS = "rv:"
COMMENT_LIMIT = 500

# Leading words of a typed request, folded; the longest first.
_REVIEW = ("duyet so lieu", "duyet")
_LOCK = ("khoa so lieu", "khoa ky")
_RETURN = ("tra lai",)
_HISTORY = ("lich su",)


def _strip_lead(text: str, leads: tuple[str, ...]) -> str | None:
    """`text` without its leading words if they are one of `leads`, else None."""
    folded = folded_words(text)
    for lead in leads:
        if folded == lead or folded.startswith(lead + " "):
            return " ".join(text.split()[len(lead.split()) :])
    return None


class Review:
    def __init__(self, services: Services, reporting: ReportingDialog) -> None:
        self.services = services
        self.store = services.store
        self.reporting = reporting

    # --- reading typed requests ------------------------------------------------------

    async def read(self, turn: Turn, person: Person) -> list[Reply] | None:
        text = turn.text
        head = text.split(":", 1)[0]
        if (rest := _strip_lead(text, _HISTORY)) is not None:
            return await history_replies(self.services, person, rest)
        if (rest := _strip_lead(text, _REVIEW)) is not None:
            return (
                await self.review(person, rest)
                if person.is_official
                else [_officials_only("duyet")]
            )
        if (rest := _strip_lead(text, _LOCK)) is not None:
            return (
                await self.lock(person, rest) if person.is_official else [_officials_only("khoaky")]
            )
        if _strip_lead(head, _RETURN) is not None:
            if not person.is_official:
                return [_officials_only("duyet")]
            return await self._typed_return(turn, person)
        return None

    # --- the review ----------------------------------------------------------------------

    async def _period(self, person: Person, text: str) -> tuple[Unit, Period | None, list[str]]:
        """The official's unit, the period named (default: the last one whose reports are
        due), and why not, if no period could be read."""
        unit = await home_unit(self.services, person)
        plans = await self.store.plans.of_unit(unit.id)
        now = self.services.now()
        kind = plans[0].schedule.period_kind if plans else None
        if text.strip():
            period = parse_period(text, today=now.date(), kind_hint=kind)
            if period is None:
                return unit, None, [_("I could not find a period in that. For example: duyệt số liệu quý 3")]  # fmt: skip
            return unit, period, []
        current = [p for p in plans if p.year == now.year] or plans
        if not current:
            return unit, None, [_("{unit} has no plan with indicators to follow.").format(unit=unit_label(unit))]  # fmt: skip
        return unit, current[0].schedule.open_period(now).previous(), []

    async def _reviews(self, unit: Unit, period: Period) -> list[PeriodReview]:
        found = []
        for plan in await plans_to_review(self.services, unit, period):
            review = await review_period(self.services, unit, plan, period)
            if review is not None:
                found.append(review)
        return found

    async def review(self, person: Person, text: str) -> list[Reply]:
        unit, period, problems = await self._period(person, text)
        if period is None:
            return [Reply(problems[0])]
        reviews = await self._reviews(unit, period)
        if not reviews:
            return [_no_plan(unit, period)]
        now = self.services.now()
        return [review_reply(review, now) for review in reviews]

    async def _accept(self, person: Person, period: Period) -> list[Reply]:
        unit = await home_unit(self.services, person)
        accepted = 0
        for review in await self._reviews(unit, period):
            ids = [i.stored.id for i in review.undecided if i.stored is not None]
            accepted += await self.store.reviews.accept(ids, by=person.id)
        text = _("Accepted {n} figures of {period}. Type “khóa kỳ {short}” to lock the period.").format(
            n=accepted, period=period.vietnamese_name(), short=period.short_name())  # fmt: skip
        return [Reply(text, ((Button(_("Lock the period"), f"{LOCK_BUTTON}{period.code}"),),))]

    async def lock(self, person: Person, text: str) -> list[Reply]:
        unit, period, problems = await self._period(person, text)
        if period is None:
            return [Reply(problems[0])]
        return await self._lock_period(person, unit, period)

    async def _lock_period(self, person: Person, unit: Unit, period: Period) -> list[Reply]:
        reviews = await self._reviews(unit, period)
        if not reviews:
            return [_no_plan(unit, period)]
        now = self.services.now()
        lines: list[str] = []
        for review in reviews:
            deadline = review.plan.schedule.deadline(review.period)
            if deadline > now:
                lines.append(_("{period} cannot be locked before its deadline ({day}): units may still send figures.").format(
                    period=period.vietnamese_name(), day=format_day(deadline.date())))  # fmt: skip
                continue
            if not await self.store.reviews.lock(
                review.plan.id, period.code, unit.id, by=person.id
            ):
                lines.append(_("{period} was already locked.").format(period=period.vietnamese_name()))  # fmt: skip
                continue
            lines.append(_("Locked {period} for {unit} ({plan}): from now on a change to its figures waits for an official's approval.").format(
                period=period.vietnamese_name(), unit=unit_label(unit), plan=review.plan.title))  # fmt: skip
            missing = [u.name for u in review.units if u.missing]
            if missing:
                lines.append(_("Units with figures missing: {units}.").format(units=", ".join(missing)))  # fmt: skip
            if review.open_returns:
                lines.append(_("Figures sent back and not corrected yet: {figures}.").format(
                    figures=", ".join(f"{i.indicator.code} {i.unit}" for i in review.open_returns)))  # fmt: skip
        return [Reply("\n".join(lines))]

    # --- sending a figure back -----------------------------------------------------------

    async def _typed_return(self, turn: Turn, person: Person) -> list[Reply]:
        head, _sep, comment = turn.text.partition(":")
        rest = _strip_lead(head, _RETURN) or ""
        unit, period, _problems = await self._period(person, "")
        plans = await self.store.plans.of_unit(unit.id)
        vocabulary = Vocabulary(
            units=[name for _id, name in await self.store.units.name_index(unit.id)],
            codes=[i.code for p in plans for i in p.indicators],
            period_kind=plans[0].schedule.period_kind if plans else None,
        )
        question = read_question(rest, today=self.services.now().date(), vocabulary=vocabulary)
        period = question.period or period
        example = _("Type the indicator and the unit, e.g. “trả lại 3.1 thôn 2: please check the total”.")  # fmt: skip
        if question.code is None or question.unit is None or period is None:
            return [Reply(example)]
        found = await find_unit(self.services, person, question.unit, question.unit_level)
        if not isinstance(found, Found):
            return [NotFound(question.unit).reply()]
        for plan in await plans_to_review(self.services, unit, period):
            rows = await self.store.values.latest(
                [found.unit.id], plan.id, period.code, indicator_codes=[question.code]
            )
            if rows:
                if comment.strip():
                    return await self._send_back(person, rows[0].id, comment)
                return await self._ask_comment(turn, rows[0].id)
        return [Reply(_("{unit} has no figure {code} for {period}.").format(
            unit=unit_label(found.unit), code=question.code, period=period.vietnamese_name()))]  # fmt: skip

    async def _ask_comment(self, turn: Turn, value_id: int) -> list[Reply]:
        value = await self.store.values.get(value_id)
        if value is None:
            return [Reply(_("This button is no longer active."))]
        unit = await self.services.unit(value.unit_id)
        await self.store.conversations.put(
            turn.channel, turn.external_id, RETURN_DIALOG, "comment", {"value": value_id}
        )
        return [Reply(_("What should {unit} check in {code}? Type your comment for the team (or /huy).").format(
            unit=unit_label(unit), code=value.indicator_code))]  # fmt: skip

    async def _send_back(self, person: Person, value_id: int, comment: str) -> list[Reply]:
        value = await self.store.values.get(value_id)
        if value is None:
            return [Reply(_("This button is no longer active."))]
        if not await may_see(self.services, person, value.unit_id):
            return [Reply(_("Sorry, that figure is outside what you can see."))]
        history = await self.store.values.history(
            value.unit_id, value.plan_id, value.indicator_code, value.period
        )
        unit = await self.services.unit(value.unit_id)
        if history and history[-1].id != value.id:
            return [Reply(_("{unit} has already sent a newer figure for {code}; type “duyệt số liệu” to see it.").format(
                unit=unit_label(unit), code=value.indicator_code))]  # fmt: skip
        comment = " ".join(comment.split())[:COMMENT_LIMIT]
        review = await self.store.reviews.send_back(value.id, comment, by=person.id)
        unit, queued = await queue_return(self.services, review, person)
        names = {"code": value.indicator_code, "unit": unit_label(unit)}
        if not queued:
            return [Reply(_("{code} of {unit} is marked as sent back, but nobody of {unit} can be reached by the bot yet: please tell the team yourself.").format(**names))]  # fmt: skip
        return [Reply(_("Sent {code} back to {unit} with your comment ({n} people notified).").format(
            n=queued, **names))]  # fmt: skip

    # --- buttons -------------------------------------------------------------------------

    async def press(self, turn: Turn, person: Person) -> list[Reply]:
        data = turn.text
        number = data.rsplit(":", 1)[-1]
        if data.startswith(FIX_BUTTON) and number.isdigit():
            return await self._fix(turn, person, int(number))
        if not person.is_official:
            return [_officials_only("duyet")]
        if data.startswith(RETURN_BUTTON) and number.isdigit():
            value = await self.store.values.get(int(number))
            if value is None or not await may_see(self.services, person, value.unit_id):
                return [Reply(_("This button is no longer active."))]
            return await self._ask_comment(turn, value.id)
        if data.startswith((APPROVE_BUTTON, REFUSE_BUTTON)) and number.isdigit():
            return await self._decide(person, int(number), approve=data.startswith(APPROVE_BUTTON))
        for prefix in (ACCEPT_BUTTON, LOCK_BUTTON):
            if data.startswith(prefix):
                try:
                    period = Period.from_code(data.removeprefix(prefix))
                except ValueError:
                    break
                if prefix == ACCEPT_BUTTON:
                    return await self._accept(person, period)
                return await self._lock_period(
                    person, await home_unit(self.services, person), period
                )
        return [Reply(_("This button is no longer active."))]

    async def _fix(self, turn: Turn, person: Person, review_id: int) -> list[Reply]:
        review = await self.store.reviews.review(review_id)
        if review is None or not await may_see(self.services, person, review.unit_id):
            return [Reply(_("This button is no longer active."))]
        return await self.reporting.start(
            turn, person, review.period, plan_id=review.plan_id, only=review.indicator_code,
            unit_id=review.unit_id,
        )  # fmt: skip

    async def _decide(self, person: Person, proposal_id: int, *, approve: bool) -> list[Reply]:
        proposal = await self.store.reviews.proposal(proposal_id)
        if proposal is None or not await may_see(self.services, person, proposal.unit_id):
            return [Reply(_("This button is no longer active."))]
        if proposal.approved is not None:
            return [Reply(_("This change was already decided on."))]
        decided = await self.store.reviews.decide(proposal_id, approve=approve, by=person.id)
        await queue_decision(self.services, decided, person)
        plan = await self.store.plans.get(decided.plan_id)
        unit = await self.services.unit(decided.unit_id)
        value = format_value(
            decided.value, plan.indicator(decided.indicator_code) if plan else None
        )
        names = {
            "code": decided.indicator_code,
            "unit": unit_label(unit),
            "period": Period.from_code(decided.period).vietnamese_name(),
            "value": value,
        }
        if approve:
            return [Reply(_("Approved: {code} of {unit} for {period} is now {value}.").format(**names))]  # fmt: skip
        return [Reply(_("Refused: {code} of {unit} for {period} stays as it was (proposed {value}).").format(**names))]  # fmt: skip

    # --- the return dialog ---------------------------------------------------------------

    async def handle(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        value_id = data.get("value")
        if not isinstance(value_id, int):
            await self.store.conversations.clear(turn.channel, turn.external_id)
            return [Reply(_("This button is no longer active."))]
        if turn.kind is not TurnKind.TEXT or not folded_words(turn.text):
            return [Reply(_("Type your comment for the team in words, or /huy to cancel."))]
        await self.store.conversations.clear(turn.channel, turn.external_id)
        return await self._send_back(person, value_id, turn.text)

    async def resume(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        value_id = data.get("value")
        if not isinstance(value_id, int):
            return await self.cancel(turn)
        return await self._ask_comment(turn, value_id)

    async def cancel(self, turn: Turn) -> list[Reply]:
        await self.store.conversations.clear(turn.channel, turn.external_id)
        return [Reply(_("Nothing was sent back."))]

    async def takes(self, turn: Turn, data: dict[str, Any]) -> bool:
        return False


def _officials_only(command: str) -> Reply:
    return Reply(_("Only commune officials can use /{command}.").format(command=command))


def _no_plan(unit: Unit, period: Period) -> Reply:
    return Reply(_("{unit} has no figures to review for {period}.").format(
        unit=unit_label(unit), period=period.vietnamese_name()))  # fmt: skip


def register(router: Router, reporting: ReportingDialog) -> None:
    review = Review(router.services, reporting)

    def command(run: Callable[[Person, str], Awaitable[list[Reply]]]) -> CommandRun:
        async def go(turn: Turn, person: Person, state: ConversationState | None) -> list[Reply]:
            # "/duyet quý 3" names a period; the words "duyệt số liệu" alone do not.
            return await run(person, turn.text if turn.kind is TurnKind.COMMAND else "")

        return go

    async def history(turn: Turn, person: Person, state: ConversationState | None) -> list[Reply]:
        return await history_replies(router.services, person, turn.text)

    router.add_dialog(RETURN_DIALOG, review)
    router.add_reader(review.read)
    router.add_button(BUTTONS, review.press)
    router.add_command(Command(
        "duyet", lambda: _("Review the figures of a period"), command(review.review),
        roles=OFFICIALS,
    ))  # fmt: skip
    router.add_command(Command(
        "khoaky", lambda: _("Lock a reviewed period"), command(review.lock), roles=OFFICIALS
    ))  # fmt: skip
    router.add_command(Command(
        "lichsu", lambda: _("A figure's history: who changed what, when"), history
    ))  # fmt: skip
