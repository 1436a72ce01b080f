"""The guided reporting conversation: one indicator at a time, checked, then saved.

All state lives in the database (conversation_state), so the conversation survives a
restart and can be resumed later. The conversation is a set of explicit steps (`Step`),
each with one handler and one prompt; every step accepts any input and answers it, and
a button's label typed as text does what the button does.

The stored state is the JSON of `Draft.to_data`: the keys of the first version ("plan",
"unit", "period", "codes", "i", "step", "answers", "fails", "pending", "num") keep their
meaning, new keys are optional, so a conversation started before an upgrade resumes.
A state that cannot be read is dropped and the conversation started again, politely.

Nothing a button says is taken on trust. Each button carries a stamp of the prompt it was
shown with (plan, period, indicator, step), and a press whose stamp is not the current
prompt's is answered with the current prompt instead: an old "Giữ như kỳ trước: 242"
under indicator 3.1 cannot answer 3.2. Periods, whether from a button of this dialog or
a reminder's, are only those the plan's schedule still takes (`reportable_periods`).
The stamp is a check of where the conversation stands, not a secret; the period check
and the person's own unit are what keep a forged press from writing anything.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from handlers.messages import Button, Reply, Turn, TurnKind
from handlers.reporting.assignments import Assignment, assignments
from handlers.review.locked import record_or_propose
from handlers.services import Services
from handlers.wording.values import format_target, format_value, format_verdict
from indicators.answers import (
    Accepted,
    Answer,
    AnswerKind,
    Concern,
    Decision,
    NeedsConfirmation,
    Problem,
    Rejected,
    decision_of,
    looks_like_figure,
    means_no_comment,
    parse_answer,
    parse_whole_number,
)
from indicators.evaluation import evaluate
from indicators.numbers import NUMBER
from indicators.people import Person
from indicators.periods import Period
from indicators.plan import Indicator
from indicators.plausibility import count_bound, is_beyond_unit, is_big_change, usual_total
from indicators.text import folded_words
from indicators.units import Unit
from indicators.values import (
    AnyValue,
    CountValue,
    Measure,
    RatioValue,
    YesNoValue,
    value_from_data,
    value_to_data,
)
from locales import _, format_day
from storage.values import NewValue

DIALOG = "report"
MAX_FAILS = 3
NOTE_LIMIT = 1000
BUTTON_PREFIX = "r:"  # every button of this dialog
PERIOD_PREFIX = "r:p:"
VALUE_PREFIX = "r:v:"
STAMP = "@"  # "r:v:242@3fa9c1": the button, and the prompt it was shown with
YES = Accepted(YesNoValue(True))


class Step(StrEnum):
    """Where the conversation stands; the values are stored, so they never change."""

    INTRO = "intro"  # what is due, [Start]
    VALUE = "value"  # the indicator's question (the numerator, for counts)
    NUMERATOR = "numerator"  # older states' name for VALUE on a counted share
    DENOMINATOR = "denominator"  # the total of a counted share
    CONFIRM = "confirm"  # an unusual figure: keep it or type it again
    COMMENT = "comment"  # why a confirmed unusual figure is so
    NOTE = "note"  # difficulties or proposals for the indicator
    REPLACE = "replace"  # a figure typed where a comment was invited: use it instead?
    SUMMARY = "summary"  # everything at a glance, [Save]


class Press(StrEnum):
    """Button data; stored in chats' keyboards, so the values never change."""

    SKIP = "r:skip"
    BACK = "r:back"
    CANCEL = "r:cancel"
    CONFIRM = "r:ok"
    REDO = "r:redo"
    SAVE = "r:save"
    EDIT = "r:edit"
    START = "r:start"
    ALL_INDICATORS = "r:all"
    USE_NEW = "r:new"
    KEEP_OLD = "r:keep"


QUESTION_STEPS = (Step.VALUE, Step.NUMERATOR, Step.DENOMINATOR)


def answer_kind(indicator: Indicator) -> AnswerKind:
    if indicator.target.is_multipart:
        return AnswerKind.PARTS
    return {
        Measure.PERCENT: AnswerKind.PERCENT,
        Measure.COUNT: AnswerKind.COUNT,
        Measure.YESNO: AnswerKind.YESNO,
        Measure.STATUS: AnswerKind.STATUS,
    }[indicator.measure]


@dataclass
class Answered:
    """One indicator's answer in the draft."""

    value: AnyValue
    comment: str = ""  # why an unusual figure is so
    note: str = ""  # difficulties or proposals

    def to_data(self) -> dict[str, Any]:
        return {"value": value_to_data(self.value), "comment": self.comment, "note": self.note}

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Answered:
        return cls(
            value_from_data(data["value"]),
            str(data.get("comment") or ""),
            str(data.get("note") or ""),
        )


@dataclass
class Draft:
    """The conversation's data between turns, typed; stored as `to_data`'s JSON."""

    plan: str
    unit: int
    period: str
    codes: list[str]
    step: Step = Step.INTRO
    index: int = 0
    answers: dict[str, Answered] = field(default_factory=dict)
    fails: int = 0
    pending: AnyValue | None = None  # the figure waiting for confirmation
    concern: Concern | None = None  # why it waits
    numerator: int | None = None  # a counted share's first number, until the total comes
    offer: str | None = None  # a figure typed where a comment was invited
    offered_at: Step | None = None  # the step it was typed at
    closed: bool = False  # the conversation ended this turn (not stored)

    @property
    def code(self) -> str:
        return self.codes[self.index]

    def move(self, step: Step) -> None:
        self.step = step
        self.fails = 0

    def forget_figure(self) -> None:
        self.pending = self.concern = self.numerator = None

    def to_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "plan": self.plan,
            "unit": self.unit,
            "period": self.period,
            "codes": list(self.codes),
            "i": self.index,
            "step": self.step.value,
            "answers": {code: a.to_data() for code, a in self.answers.items()},
            "fails": self.fails,
        }
        if self.pending is not None:
            data["pending"] = value_to_data(self.pending)
        if self.concern is not None:
            data["concern"] = self.concern.value
        if self.numerator is not None:
            data["num"] = self.numerator
        if self.offer is not None:
            data["offer"] = self.offer
            data["offered_at"] = (self.offered_at or Step.NOTE).value
        return data

    @classmethod
    def from_data(cls, data: dict[str, Any]) -> Draft:
        """Raises KeyError, TypeError or ValueError on a state it cannot read."""
        codes = [str(c) for c in data["codes"]]
        step = Step(str(data.get("step", "value")))
        if step is Step.NUMERATOR:
            step = Step.VALUE
        draft = cls(
            plan=str(data["plan"]),
            unit=int(data["unit"]),
            period=str(data["period"]),
            codes=codes,
            step=step,
            index=int(data.get("i", 0)),
            answers={str(c): Answered.from_data(a) for c, a in data.get("answers", {}).items()},
            fails=int(data.get("fails", 0)),
            pending=value_from_data(data["pending"]) if data.get("pending") else None,
            concern=Concern(data["concern"]) if data.get("concern") else None,
            numerator=int(data["num"]) if data.get("num") is not None else None,
            offer=str(data["offer"]) if data.get("offer") else None,
            offered_at=Step(data["offered_at"]) if data.get("offered_at") else None,
        )
        if not codes or not 0 <= draft.index < len(codes):
            raise ValueError(f"no indicator at {draft.index} of {codes}")
        if draft.step is Step.CONFIRM and draft.pending is None:
            draft.step = Step.VALUE
        if draft.step is Step.REPLACE and draft.offer is None:
            draft.step = Step.NOTE
        if draft.step in (Step.COMMENT, Step.NOTE) and draft.code not in draft.answers:
            draft.step = Step.VALUE
        if draft.step is Step.DENOMINATOR and draft.numerator is None:
            draft.step = Step.VALUE
        return draft


Handler = Callable[[Turn, Person, "Draft"], Awaitable[list[Reply]]]


class ReportingDialog:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store
        self._handlers: dict[Step, Handler] = {
            Step.INTRO: self._on_intro,
            Step.VALUE: self._on_question,
            Step.NUMERATOR: self._on_question,
            Step.DENOMINATOR: self._on_question,
            Step.CONFIRM: self._on_confirm,
            Step.COMMENT: self._on_remark,
            Step.NOTE: self._on_remark,
            Step.REPLACE: self._on_offer,
            Step.SUMMARY: self._on_summary,
        }

    # --- entry -------------------------------------------------------------------------

    async def start(
        self,
        turn: Turn,
        person: Person,
        period_code: str | None = None,
        *,
        every: bool = False,
        plan_id: str | None = None,
        skip_intro: bool = False,
        only: str | None = None,
        unit_id: int | None = None,
    ) -> list[Reply]:
        """Open the conversation at the first indicator without a figure (all with `every`).

        `plan_id` picks one of the unit's plans; `skip_intro` asks the first missing
        indicator at once (a reminder's Report now button); `only` asks that indicator
        alone, at once (a returned figure's Correct button); `unit_id` is a unit other than
        the person's own that they report for (a village, by its official), which the
        caller has checked they may.
        """
        unit = await self.services.unit(unit_id if unit_id is not None else person.unit_id)
        notice: list[Reply] = []
        duties: list[Assignment] = []
        if plan_id is not None and plan_id not in await self.store.plans.plans_of(unit.id):
            notice = [Reply(_("This button is no longer active."))]  # not this unit's plan
            plan_id = period_code = None
            skip_intro = False
        if period_code is not None:
            duties = await self._reportable(unit, period_code, plan_id, official=person.is_official)
            if not duties:
                notice = [await self._closed(unit, period_code)]
                skip_intro = False  # say first which period this is instead
        if not duties:
            duties = await assignments(self.services, unit)
            if plan_id is not None:
                duties = [d for d in duties if d.plan.id == plan_id] or duties
        if not duties:
            return [Reply(_("{unit} has no indicators to report for now.").format(unit=unit.name))]
        duty = duties[0]
        latest = await self._latest(duty, duty.period)
        missing = [i.code for i in duty.indicators if i.code not in latest]
        codes = [i.code for i in duty.indicators] if every or not missing else missing
        if only is not None and any(i.code == only for i in duty.indicators):
            draft = Draft(plan=duty.plan.id, unit=unit.id, period=duty.period.code, codes=[only])
            draft.move(Step.VALUE)
            await self._save(turn, draft)
            return [await self._ask(draft)]
        draft = Draft(plan=duty.plan.id, unit=unit.id, period=duty.period.code, codes=codes)
        intro = await self._intro(duty, len(missing), len(duty.indicators))
        if unit.id != person.unit_id:
            behalf = _("You are entering the figures of {unit}; they are recorded under your name.")
            intro = replace(intro, text=behalf.format(unit=unit.name) + "\n" + intro.text)
        if skip_intro and missing:
            draft.move(Step.VALUE)
            await self._save(turn, draft)
            return _stamped(draft, [Reply(intro.text), await self._ask(draft)])
        await self._save(turn, draft)
        return _stamped(draft, [*notice, intro])

    async def _reportable(
        self, unit: Unit, period_code: str, plan_id: str | None, *, official: bool = False
    ) -> list[Assignment]:
        """The unit's duties for the period a button or a request names, if its plan still
        takes figures for it; none for a closed period, a period of another frequency
        ("2026-07" in a quarterly plan) or data that is no period at all. An official may
        also enter any earlier period of the plan's year that has begun: a closed period
        changes only through them."""
        try:
            period = Period.from_code(period_code)
        except ValueError:
            return []
        now = self.services.now()
        return [
            duty
            for duty in await assignments(self.services, unit, period)
            if (plan_id is None or duty.plan.id == plan_id)
            and (
                period in duty.plan.schedule.reportable_periods(now)
                or (
                    official
                    and period.kind is duty.plan.schedule.period_kind
                    and period.start <= now.date()
                )
            )
        ]

    async def _closed(self, unit: Unit, period_code: str) -> Reply:
        try:
            named = Period.from_code(period_code).vietnamese_name()
        except ValueError:
            named = ""
        open_now = await assignments(self.services, unit)
        if open_now:
            late, current = open_now[0].plan.schedule.reportable_periods(self.services.now())
            periods = _("{late} and {current}").format(
                late=late.vietnamese_name(), current=current.vietnamese_name())  # fmt: skip
            text = _("Figures for {period} cannot be sent here: reporting is open for {periods} only. A closed period can only be changed by your commune official.").format(period=named or "?", periods=periods)  # fmt: skip
        else:
            text = _("Figures for {period} cannot be sent here. A closed period can only be changed by your commune official.").format(period=named or "?")  # fmt: skip
        return Reply(text)

    async def _intro(self, duty: Assignment, missing: int, total: int) -> Reply:
        lines = [
            _("Reporting for {unit}, {period} (due before {day}).").format(
                unit=duty.unit.name,
                period=duty.period.vietnamese_name(),
                day=format_day(duty.plan.schedule.deadline(duty.period).date()),
            ),
            _("Plan: {title}.").format(title=duty.plan.title),
        ]
        if missing:
            lines.append(_("{missing} of {total} indicators still have no figure.").format(
                missing=missing, total=total))  # fmt: skip
        else:
            lines.append(_("All {total} indicators have figures; you can correct them.").format(
                total=total))  # fmt: skip
        lines.append(
            _("Type /huy to cancel; if you stop halfway, /baocao continues where you left off.")
        )
        now = self.services.now()
        late, current = duty.plan.schedule.reportable_periods(now)
        other = late if duty.period == current else current
        label = other.vietnamese_name()
        # "Overdue" only while the unit still owes figures there; a complete late period
        # is still offered, for corrections, under its plain name.
        if duty.plan.schedule.deadline(other) <= now:
            there = await self._latest(duty, other)
            if any(i.code not in there for i in duty.indicators):
                label = _("{period} (overdue)").format(period=label)
        buttons = [(Button(_("Start"), Press.START),)]
        if 0 < missing < total:
            buttons.append((Button(_("Correct reported figures"), Press.ALL_INDICATORS),))
        buttons += [
            (Button(label, PERIOD_PREFIX + other.code),),
            (Button(_("Cancel"), Press.CANCEL),),
        ]
        return Reply("\n".join(lines), tuple(buttons))

    async def resume(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        """Ask again where the person stopped, after a pause or a restart of the bot."""
        draft = _readable(data)
        if draft is None:
            return await self._restart(turn, person)
        if draft.step is Step.INTRO:
            return await self.start(turn, person, draft.period, unit_id=draft.unit)
        return _stamped(
            draft, [Reply(_("Continuing where you stopped.")), await self._prompt(draft)]
        )

    async def _restart(self, turn: Turn, person: Person) -> list[Reply]:
        """A stored state this version cannot read: start again rather than guess."""
        await self.store.conversations.clear(turn.channel, turn.external_id)
        notice = Reply(_(
            "The bot was updated while your report was open, and that session could not be "
            "continued. Nothing from it was saved; let us start again."
        ))  # fmt: skip
        return [notice, *await self.start(turn, person)]

    async def takes(self, turn: Turn, data: dict[str, Any]) -> bool:
        """True when typed text is the label of a button on the current step ("Bắt đầu"),
        which the router must not read as one of its own words."""
        draft = _readable(data)
        return draft is not None and await self._typed_press(turn, draft) is not turn

    # --- turns -------------------------------------------------------------------------

    async def handle(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        draft = _readable(data)
        if draft is None:
            return await self._restart(turn, person)
        if turn.kind is TurnKind.BUTTON and turn.text.startswith(BUTTON_PREFIX):
            press = _unstamped(turn.text, draft)
            if press == Press.CANCEL:
                return await self.cancel(turn)  # from any message: it only ever stops
            if press is None:
                stale = Reply(
                    _("That button belongs to an earlier question. Here is the current one:")
                )
                return _stamped(draft, [stale, await self._prompt(draft)])
            turn = replace(turn, text=press)
        else:
            turn = await self._typed_press(turn, draft)
        if turn.kind is TurnKind.BUTTON and turn.text == Press.CANCEL:
            return await self.cancel(turn)
        if turn.kind is TurnKind.OTHER:
            replies = self._fail(draft, _("I can only read text here.")) + [
                await self._prompt(draft)
            ]
        else:
            replies = await self._handlers[draft.step](turn, person, draft)
        if draft.closed:
            return replies
        await self._save(turn, draft)
        return _stamped(draft, replies)

    async def cancel(self, turn: Turn) -> list[Reply]:
        await self.store.conversations.clear(turn.channel, turn.external_id)
        return [Reply(_("Reporting cancelled. Nothing was saved from this session."))]

    async def _typed_press(self, turn: Turn, draft: Draft) -> Turn:
        """Text that is a label of the step's buttons, as the press of that button."""
        if turn.kind is not TurnKind.TEXT:
            return turn
        typed = folded_words(turn.text)
        if not typed:
            return turn
        prompt = await self._prompt(draft)
        for row in prompt.buttons:
            for button in row:
                if folded_words(button.label) == typed:
                    return replace(turn, kind=TurnKind.BUTTON, text=button.data)
        return turn

    async def _prompt(self, draft: Draft) -> Reply:
        """The prompt of the current step, as asked (and asked again)."""
        match draft.step:
            case Step.INTRO:
                duty, _indicator = await self._duty(draft)
                latest = await self._latest(duty, duty.period)
                missing = sum(1 for i in duty.indicators if i.code not in latest)
                return await self._intro(duty, missing, len(duty.indicators))
            case Step.CONFIRM:
                return await self._confirmation(draft)
            case Step.COMMENT | Step.NOTE:
                return await self._remark_prompt(draft)
            case Step.REPLACE:
                return await self._offer_prompt(draft)
            case Step.SUMMARY:
                return await self._summary(draft)
        return await self._ask(draft)

    # --- intro -------------------------------------------------------------------------

    async def _on_intro(self, turn: Turn, person: Person, draft: Draft) -> list[Reply]:
        if turn.kind is TurnKind.BUTTON and turn.text.startswith(PERIOD_PREFIX):
            draft.closed = True  # start() wrote the new conversation
            return await self.start(
                turn, person, turn.text.removeprefix(PERIOD_PREFIX), unit_id=draft.unit
            )
        if turn.kind is TurnKind.BUTTON and turn.text == Press.ALL_INDICATORS:
            # Start over the same period with every indicator, beginning at the first.
            draft.closed = True
            await self.start(turn, person, draft.period, every=True, unit_id=draft.unit)
            state = await self.store.conversations.get(turn.channel, turn.external_id)
            assert state is not None
            fresh = Draft.from_data(state.data)
            fresh.move(Step.VALUE)
            await self._save(turn, fresh)
            return _stamped(fresh, [await self._ask(fresh)])
        if turn.kind is TurnKind.COMMAND or (
            turn.kind is TurnKind.BUTTON and turn.text != Press.START
        ):
            return self._fail(draft, _("Press Start, or choose another period.")) + [
                await self._prompt(draft)
            ]
        if turn.kind is TurnKind.TEXT and turn.text.strip():
            # Someone who types the first figure straight away means it as the answer;
            # other text is not a reason to leave the intro.
            _duty, indicator = await self._duty(draft)
            if _figure_problem(turn.text, indicator) is not None:
                return self._fail(draft, _("Press Start, or choose another period.")) + [
                    await self._prompt(draft)
                ]
            draft.move(Step.VALUE)
            return await self._answer(draft, turn.text)
        draft.move(Step.VALUE)
        return [await self._ask(draft)]

    # --- the question ------------------------------------------------------------------

    async def _duty(self, draft: Draft) -> tuple[Assignment, Indicator]:
        plan, unit = await self.store.plans.with_unit(draft.plan, draft.unit)
        if plan is None:
            raise LookupError(f"plan {draft.plan} is gone")
        if unit is None:
            raise LookupError(f"unit {draft.unit} does not exist")
        period = Period.from_code(draft.period)
        indicators = tuple(plan.indicator(code) for code in draft.codes)
        duty = Assignment(unit, plan, period, indicators)
        return duty, plan.indicator(draft.code)

    async def _ask(self, draft: Draft) -> Reply:
        duty, indicator = await self._duty(draft)
        position = f"({draft.index + 1}/{len(draft.codes)})"
        lines = [f"{position} {indicator.code}. {indicator.name}"]
        if indicator.target.assessable:
            lines.append(_("Target {year}: {target}").format(
                year=duty.plan.year, target=format_target(indicator)))  # fmt: skip
        previous, current = await self._before_and_now(duty, indicator)
        if previous is not None:
            lines.append(
                _("Previous period: {value}").format(value=format_value(previous, indicator))
            )
        if current is not None:
            lines.append(_("Already reported for this period: {value}").format(
                value=format_value(current, indicator)))  # fmt: skip
        buttons: list[tuple[Button, ...]] = []
        if draft.step is Step.DENOMINATOR and indicator.formula:
            lines.append(_("{question}?").format(question=_capital(indicator.formula.denominator)))
            if isinstance(previous, RatioValue):
                buttons.append((Button(_("Same as before: {n}").format(n=previous.denominator),
                                       f"{VALUE_PREFIX}{previous.denominator}"),))  # fmt: skip
        elif indicator.formula and asks_counts(indicator):
            lines.append(_("{question}?").format(question=_capital(indicator.formula.numerator)))
            lines.append(_("(Or type both as a ratio, e.g. 175/300.)"))
        else:
            lines.append(self._expectation(indicator))
            buttons.extend(self._value_buttons(indicator))
        buttons.append(_navigation())
        return Reply("\n".join(lines), tuple(buttons))

    def _expectation(self, indicator: Indicator) -> str:
        kind = answer_kind(indicator)
        if kind is AnswerKind.PARTS:
            labels = "; ".join(p.label or "?" for p in indicator.target.parts)
            return _("Type {n} percentages separated by ';' ({labels}).").format(
                n=len(indicator.target.parts), labels=labels)  # fmt: skip
        return {
            AnswerKind.PERCENT: _("Type the percentage, e.g. 65 or 65,5."),
            AnswerKind.COUNT: _("Type a whole number, e.g. 13."),
            AnswerKind.YESNO: _("Answer Có or Không."),
            AnswerKind.STATUS: _("Choose a status: Đạt, Chưa đạt or Đang triển khai."),
            AnswerKind.RATIO: _("Type it as a ratio, e.g. 175/300."),
        }[kind]

    def _value_buttons(self, indicator: Indicator) -> list[tuple[Button, ...]]:
        kind = answer_kind(indicator)
        if kind is AnswerKind.YESNO:
            return [
                (Button(_("Yes"), VALUE_PREFIX + "có"), Button(_("No"), VALUE_PREFIX + "không"))
            ]
        if kind is AnswerKind.STATUS:
            return [(
                Button(_("Achieved"), VALUE_PREFIX + "đạt"),
                Button(_("Not achieved"), VALUE_PREFIX + "chưa đạt"),
                Button(_("In progress"), VALUE_PREFIX + "đang triển khai"),
            )]  # fmt: skip
        return []

    async def _on_question(self, turn: Turn, person: Person, draft: Draft) -> list[Reply]:
        if turn.kind is TurnKind.BUTTON and turn.text == Press.SKIP:
            return await self._advance(draft)
        if turn.kind is TurnKind.BUTTON and turn.text == Press.BACK:
            return await self._back(draft)
        text = _answer_text(turn)
        if text is None:
            return self._fail(draft, _("That is not an answer to this question.")) + [
                await self._ask(draft)
            ]
        return await self._answer(draft, text)

    async def _answer(self, draft: Draft, text: str) -> list[Reply]:
        """`text` typed (or pressed) as the answer to the current question."""
        _duty, indicator = await self._duty(draft)
        if asks_counts(indicator):
            return await self._on_count(draft, text)
        answer = parse_answer(text, answer_kind(indicator), parts=len(indicator.target.parts))
        if isinstance(answer, Rejected):
            return self._fail(draft, problem_text(answer.problem, indicator)) + [
                await self._ask(draft)
            ]
        return await self._got(draft, answer)

    async def _on_count(self, draft: Draft, text: str) -> list[Reply]:
        if draft.step is not Step.DENOMINATOR:
            # "175/300" answers both questions at once.
            ratio = parse_answer(text, AnswerKind.RATIO)
            if not isinstance(ratio, Rejected):
                return await self._got(draft, ratio)
            if ratio.problem is Problem.ZERO_DENOMINATOR:  # "210/0", "0/0"
                return self._fail(draft, problem_text(ratio.problem, None)) + [
                    await self._ask(draft)
                ]
        answer = parse_whole_number(text)
        if not isinstance(answer, Accepted) or not isinstance(answer.value, CountValue):
            problem = answer.problem if isinstance(answer, Rejected) else Problem.NOT_WHOLE
            return self._fail(draft, problem_text(problem, None)) + [await self._ask(draft)]
        if draft.step is not Step.DENOMINATOR or draft.numerator is None:
            draft.numerator = answer.value.count
            draft.move(Step.DENOMINATOR)
            return [await self._ask(draft)]
        denominator = answer.value.count
        if denominator == 0:
            return self._fail(draft, problem_text(Problem.ZERO_DENOMINATOR, None)) + [
                await self._ask(draft)
            ]
        counted = RatioValue(draft.numerator, denominator)
        if counted.numerator > denominator:
            return await self._got(
                draft, NeedsConfirmation(counted, Concern.NUMERATOR_OVER_DENOMINATOR)
            )
        return await self._got(draft, Accepted(counted))

    async def _got(self, draft: Draft, answer: Accepted | NeedsConfirmation) -> list[Reply]:
        """A figure read: kept at once, or held for confirmation when it looks wrong."""
        duty, indicator = await self._duty(draft)
        previous = await self._previous_value(duty, indicator)
        concern = answer.concern if isinstance(answer, NeedsConfirmation) else None
        if is_beyond_unit(answer.value, duty.unit.level, previous):
            concern = Concern.BEYOND_UNIT
        elif concern is None and is_big_change(previous, answer.value):
            concern = Concern.BIG_CHANGE
        draft.forget_figure()
        if concern is not None:
            draft.pending, draft.concern = answer.value, concern
            draft.move(Step.CONFIRM)
            return [await self._confirmation(draft)]
        return [self._accept(draft, indicator, duty.plan.year, answer.value)] + [
            await self._prompt(draft)
        ]

    def _accept(
        self,
        draft: Draft,
        indicator: Indicator,
        year: int,
        value: AnyValue,
        *,
        unusual: bool = False,
    ) -> Reply:
        """Keep `value` in the draft; next, a comment on it (if unusual) or the note."""
        draft.forget_figure()
        draft.answers[indicator.code] = Answered(value)
        draft.move(Step.COMMENT if unusual else Step.NOTE)
        verdict = format_verdict(evaluate(indicator.target, value), indicator)
        return Reply(_("Noted {code}: {value} — {verdict} (target {year}).").format(
            code=indicator.code, value=format_value(value, indicator), verdict=verdict, year=year))  # fmt: skip

    # --- confirming an unusual figure --------------------------------------------------

    async def _confirmation(self, draft: Draft) -> Reply:
        duty, indicator = await self._duty(draft)
        assert draft.pending is not None
        previous = await self._previous_value(duty, indicator)
        text = "\n".join([
            _("You typed: {value}.").format(value=format_value(draft.pending, indicator)),
            self._concern_text(draft.concern, duty, indicator, previous),
            _("Press Confirm (or type Có) to keep it, Type again (or type Không) to go back, or type the corrected figure."),
        ])  # fmt: skip
        buttons = ((Button(_("Confirm"), Press.CONFIRM), Button(_("Type again"), Press.REDO)),)
        return Reply(text, buttons)

    def _concern_text(
        self,
        concern: Concern | None,
        duty: Assignment,
        indicator: Indicator,
        previous: AnyValue | None,
    ) -> str:
        if concern is Concern.BIG_CHANGE and previous is not None:
            return _("This differs a lot from the previous period ({value}).").format(
                value=format_value(previous, indicator))  # fmt: skip
        if concern is Concern.BEYOND_UNIT:
            usual = usual_total(previous)
            if usual:
                return _("That is far more than {unit} can have: last time the total was {n}.").format(
                    unit=duty.unit.name, n=usual)  # fmt: skip
            return _("That is far more than {unit} can have (over {n}).").format(
                unit=duty.unit.name, n=f"{count_bound(duty.unit.level):,}".replace(",", "."))  # fmt: skip
        if concern is None or concern is Concern.BIG_CHANGE:
            return _("This figure looks unusual.")
        return concern_message(concern)

    async def _on_confirm(self, turn: Turn, person: Person, draft: Draft) -> list[Reply]:
        duty, indicator = await self._duty(draft)
        decision: Decision | None = None
        if turn.kind is TurnKind.BUTTON:
            decision = {Press.CONFIRM.value: Decision.YES, Press.REDO.value: Decision.NO}.get(
                turn.text
            )
        elif turn.kind is TurnKind.TEXT:
            decision = decision_of(turn.text)
        if decision is Decision.YES and draft.pending is not None:
            reply = self._accept(draft, indicator, duty.plan.year, draft.pending, unusual=True)
            return [reply, await self._prompt(draft)]
        if decision is Decision.NO:
            draft.forget_figure()
            draft.move(Step.VALUE)
            return [Reply(_("Not kept. Please type the figure again.")), await self._ask(draft)]
        if turn.kind is TurnKind.TEXT and NUMBER.search(turn.text):
            # A corrected figure replaces the flagged one and is checked again.
            problem = _figure_problem(turn.text, indicator)
            if problem is not None:
                return self._fail(draft, problem_text(problem, indicator)) + [
                    await self._confirmation(draft)
                ]
            draft.forget_figure()
            draft.move(Step.VALUE)
            return await self._answer(draft, turn.text)
        explain = _("Please press Confirm (or type Có) to keep this figure, or Type again (or type Không) to correct it.")  # fmt: skip
        return self._fail(draft, explain) + [await self._confirmation(draft)]

    # --- comment and note --------------------------------------------------------------

    async def _remark_prompt(self, draft: Draft) -> Reply:
        _duty, indicator = await self._duty(draft)
        if draft.step is Step.COMMENT:
            text = _("Why is this figure unusual (for the commune to see)? Type a short explanation, or press Skip.")  # fmt: skip
        else:
            text = _("Any difficulties or proposals for {code}? Type them, or press Skip.").format(
                code=indicator.code)  # fmt: skip
        return Reply(text, (_navigation(),))

    async def _on_remark(self, turn: Turn, person: Person, draft: Draft) -> list[Reply]:
        """The comment on an unusual figure, or the note: words, "không", or a figure."""
        _duty, indicator = await self._duty(draft)
        if turn.kind is TurnKind.BUTTON and turn.text == Press.BACK:
            return await self._back(draft)
        text = turn.text.strip() if turn.kind is TurnKind.TEXT else ""
        skipped = turn.kind is TurnKind.BUTTON and turn.text == Press.SKIP
        if not skipped and not text:
            return self._fail(draft, _("Type the comment in words, or press Skip.")) + [
                await self._prompt(draft)
            ]
        if skipped or means_no_comment(text):
            return await self._after_remark(draft)
        if looks_like_figure(text):
            problem = _figure_problem(text, indicator)
            if problem is not None:
                return self._fail(draft, problem_text(problem, indicator)) + [
                    await self._prompt(draft)
                ]
            draft.offer, draft.offered_at = text, draft.step
            draft.move(Step.REPLACE)
            return [await self._offer_prompt(draft)]
        if not folded_words(text):  # emoji, punctuation
            return self._fail(draft, _("Type the comment in words, or press Skip.")) + [
                await self._prompt(draft)
            ]
        if len(text) > NOTE_LIMIT:
            return self._fail(draft, _("That is {n} characters; please keep it within {limit} characters.").format(
                n=len(text), limit=NOTE_LIMIT)) + [await self._prompt(draft)]  # fmt: skip
        answered = draft.answers[indicator.code]
        if draft.step is Step.COMMENT:
            answered.comment = text
        else:
            answered.note = text
        return await self._after_remark(draft)

    async def _after_remark(self, draft: Draft) -> list[Reply]:
        if draft.step is Step.COMMENT:
            draft.move(Step.NOTE)
            return [await self._prompt(draft)]
        return await self._advance(draft)

    async def _offer_prompt(self, draft: Draft) -> Reply:
        _duty, indicator = await self._duty(draft)
        answered = draft.answers.get(indicator.code)
        recorded = format_value(answered.value, indicator) if answered else ""
        text = _("You typed {figure}. Should it replace {code}: {value}?").format(
            figure=draft.offer, code=indicator.code, value=recorded)  # fmt: skip
        buttons = ((
            Button(_("Use the new figure"), Press.USE_NEW),
            Button(_("Keep {value}").format(value=recorded)[:60], Press.KEEP_OLD),
        ),)  # fmt: skip
        return Reply(text, buttons)

    async def _on_offer(self, turn: Turn, person: Person, draft: Draft) -> list[Reply]:
        decision: Decision | None = None
        if turn.kind is TurnKind.BUTTON:
            decision = {Press.USE_NEW.value: Decision.YES, Press.KEEP_OLD.value: Decision.NO}.get(
                turn.text
            )
        elif turn.kind is TurnKind.TEXT:
            decision = decision_of(turn.text)
        offer, back_to = draft.offer, draft.offered_at or Step.NOTE
        if decision is None or offer is None:
            explain = _("Please press Use the new figure (or type Có), or Keep (or type Không).")  # fmt: skip
            return self._fail(draft, explain) + [await self._prompt(draft)]
        draft.offer = draft.offered_at = None
        if decision is Decision.YES:
            draft.move(Step.VALUE)
            return await self._answer(draft, offer)
        draft.move(back_to)
        return [await self._prompt(draft)]

    # --- moving ------------------------------------------------------------------------

    async def _advance(self, draft: Draft) -> list[Reply]:
        draft.forget_figure()
        if draft.index + 1 >= len(draft.codes):
            draft.move(Step.SUMMARY)
            return [await self._summary(draft)]
        draft.index = draft.index + 1
        draft.move(Step.VALUE)
        return [await self._ask(draft)]

    async def _back(self, draft: Draft) -> list[Reply]:
        if draft.step in (Step.DENOMINATOR, Step.CONFIRM, Step.COMMENT, Step.NOTE):
            draft.move(Step.VALUE)
        elif draft.index > 0:
            draft.index = draft.index - 1
            draft.move(Step.VALUE)
        draft.forget_figure()
        return [await self._ask(draft)]

    # --- summary and saving ------------------------------------------------------------

    async def _summary(self, draft: Draft) -> Reply:
        duty, _indicator = await self._duty(draft)
        latest = await self._latest(duty, duty.period)
        lines = [_("Summary for {unit}, {period}:").format(
            unit=duty.unit.name, period=duty.period.vietnamese_name())]  # fmt: skip
        for code in draft.codes:
            indicator = duty.plan.indicator(code)
            answer = draft.answers.get(code)
            if answer is not None:
                verdict = format_verdict(evaluate(indicator.target, answer.value), indicator)
                lines.append(f"• {code}: {format_value(answer.value, indicator)} — {verdict}")
            elif code in latest:
                lines.append(f"• {code}: " + _("{value} (kept as reported)").format(
                    value=format_value(latest[code], indicator)))  # fmt: skip
            else:
                lines.append(f"• {code}: " + _("skipped"))
        if not draft.answers:
            lines.append(_("Nothing to save: every indicator was skipped."))
        buttons = ((
            Button(_("Save"), Press.SAVE), Button(_("Edit"), Press.EDIT),
            Button(_("Cancel"), Press.CANCEL),
        ),)  # fmt: skip
        return Reply("\n".join(lines), buttons)

    async def _on_summary(self, turn: Turn, person: Person, draft: Draft) -> list[Reply]:
        if turn.kind is TurnKind.BUTTON and turn.text == Press.EDIT:
            draft.index = 0
            draft.move(Step.VALUE)
            return [await self._ask(draft)]
        wants_save = turn.kind is TurnKind.BUTTON and turn.text == Press.SAVE
        if not wants_save and turn.kind is TurnKind.TEXT:
            wants_save = parse_answer(turn.text, AnswerKind.YESNO) == YES
        if not wants_save:
            return self._fail(draft, _("Press Save, Edit or Cancel.")) + [
                await self._summary(draft)
            ]
        return await self._save_values(turn, person, draft)

    async def _save_values(self, turn: Turn, person: Person, draft: Draft) -> list[Reply]:
        duty, _indicator = await self._duty(draft)
        if duty.period not in duty.plan.schedule.reportable_periods(self.services.now()):
            # The period closed while the report was open (its late days ran out).
            await self.store.conversations.clear(turn.channel, turn.external_id)
            draft.closed = True
            return [await self._closed(duty.unit, duty.period.code)]
        records = [
            NewValue(
                unit_id=duty.unit.id,
                plan_id=duty.plan.id,
                indicator_code=code,
                period=duty.period.code,
                value=answer.value,
                note=_join_note(answer.note, answer.comment),
            )
            for code, answer in draft.answers.items()
        ]
        recorded = await record_or_propose(
            self.services,
            records,
            person,
            channel=turn.channel,
            update_key=f"{turn.channel}:{turn.update_id}" if turn.update_id else None,
        )
        await self.store.conversations.clear(turn.channel, turn.external_id)
        draft.closed = True
        latest = await self._latest(duty, duty.period)
        still = [i.code for i in duty.plan.reported_by(duty.unit.tier) if i.code not in latest]
        if recorded.saved:
            text = _("Saved {n} figures for {period}. Thank you!").format(
                n=recorded.saved, period=duty.period.vietnamese_name())  # fmt: skip
        elif not records:
            text = _("Nothing was saved: every indicator was skipped. Type /baocao when you have the figures.")  # fmt: skip
        else:
            text = ""
        lines = [text] if text else []
        lines += recorded.notes
        if still:
            lines.append(_("Still missing: {codes}.").format(codes=", ".join(still)))
        return [Reply("\n".join(lines))]

    # --- helpers -----------------------------------------------------------------------

    def _fail(self, draft: Draft, message: str) -> list[Reply]:
        draft.fails += 1
        if draft.fails >= MAX_FAILS and draft.step in (*QUESTION_STEPS, Step.NOTE):
            message += "\n" + _(
                "If this figure is not available yet, press Skip; type /trogiup for help."
            )
        return [Reply(message)]

    async def _latest(self, duty: Assignment, period: Period) -> dict[str, AnyValue]:
        rows = await self.store.values.latest([duty.unit.id], duty.plan.id, period.code)
        return {row.indicator_code: row.value for row in rows}

    async def _previous_value(self, duty: Assignment, indicator: Indicator) -> AnyValue | None:
        return (await self._before_and_now(duty, indicator))[0]

    async def _before_and_now(
        self, duty: Assignment, indicator: Indicator
    ) -> tuple[AnyValue | None, AnyValue | None]:
        """The indicator's latest value of an earlier period, and this period's: one
        read of its series serves both."""
        rows = await self.store.values.series([duty.unit.id], duty.plan.id, indicator.code)
        earlier = [r for r in rows if r.period < duty.period.code]
        now = [r for r in rows if r.period == duty.period.code]
        return (earlier[-1].value if earlier else None), (now[-1].value if now else None)

    async def _save(self, turn: Turn, draft: Draft) -> None:
        await self.store.conversations.put(
            turn.channel, turn.external_id, DIALOG, draft.step.value, draft.to_data()
        )


def stamp_of(draft: Draft) -> str:
    """Six hex digits naming the prompt the draft stands at; equal for equal prompts, so a
    question asked again keeps its buttons valid."""
    basis = f"{draft.plan}|{draft.period}|{draft.code}|{draft.step.value}"
    return hashlib.blake2s(basis.encode(), digest_size=3).hexdigest()


def _stamped(draft: Draft, replies: list[Reply]) -> list[Reply]:
    """The replies with every button of this dialog stamped with the draft's prompt."""
    stamp = STAMP + stamp_of(draft)
    return [
        replace(reply, buttons=tuple(
            tuple(
                replace(b, data=b.data + stamp) if b.data.startswith(BUTTON_PREFIX) else b
                for b in row
            )
            for row in reply.buttons
        )) if reply.buttons else reply
        for reply in replies
    ]  # fmt: skip


def _unstamped(data: str, draft: Draft) -> str | None:
    """The press a button's data means at the draft's prompt; None when it was shown with
    another prompt (or before buttons were stamped). Cancel is valid from anywhere."""
    press, _sep, stamp = data.rpartition(STAMP)
    if not press:
        return Press.CANCEL.value if data == Press.CANCEL else None
    return press if stamp == stamp_of(draft) else None


def _readable(data: dict[str, Any]) -> Draft | None:
    try:
        return Draft.from_data(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None


def _navigation() -> tuple[Button, ...]:
    return (Button(_("Skip"), Press.SKIP), Button(_("Back"), Press.BACK),
            Button(_("Cancel"), Press.CANCEL))  # fmt: skip


def _answer_text(turn: Turn) -> str | None:
    """The answer a turn gives: its text, or a value button's value; None otherwise."""
    if turn.kind is TurnKind.BUTTON:
        return turn.text.removeprefix(VALUE_PREFIX) if turn.text.startswith(VALUE_PREFIX) else None
    if turn.kind is TurnKind.COMMAND:
        return None
    return turn.text


def _figure_problem(text: str, indicator: Indicator) -> Problem | None:
    """Why `text`, typed as a corrected figure for `indicator`, cannot be one (or None)."""
    if asks_counts(indicator):
        ratio = parse_answer(text, AnswerKind.RATIO)
        if not isinstance(ratio, Rejected):
            return None
        if ratio.problem is not Problem.NEED_RATIO:
            return ratio.problem
        single = parse_whole_number(text)  # a new first number; the total is asked next
        if isinstance(single, Rejected):
            return (
                Problem.NEED_RATIO if single.problem is Problem.SEVERAL_NUMBERS else single.problem
            )
        return None
    answer: Answer = parse_answer(text, answer_kind(indicator), parts=len(indicator.target.parts))
    return answer.problem if isinstance(answer, Rejected) else None


def asks_counts(indicator: Indicator) -> bool:
    """A share with a formula is asked as its two counts, in the plan's own words."""
    return indicator.formula is not None and answer_kind(indicator) is AnswerKind.PERCENT


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _join_note(note: str, comment: str) -> str | None:
    parts = [p for p in (note, comment) if p]
    return "\n".join(parts) or None


def problem_text(problem: Problem, indicator: Indicator | None) -> str:
    return {
        Problem.EMPTY: _("Please type an answer."),
        Problem.NO_NUMBER: _("I could not find a number in that."),
        Problem.SEVERAL_NUMBERS: _("Please type just one number."),
        Problem.NEGATIVE: _("The figure cannot be negative."),
        Problem.NOT_WHOLE: _("Please type a whole number, e.g. 13."),
        Problem.NEED_RATIO: _("Please type both numbers as a ratio, e.g. 175/300."),
        Problem.ZERO_DENOMINATOR: _("The total cannot be 0."),
        Problem.NOT_YES_NO: _("Please answer Có or Không."),
        Problem.NOT_STATUS: _("Please choose Đạt, Chưa đạt or Đang triển khai."),
        Problem.WRONG_PART_COUNT: _("Please type one figure for each part, separated by ';'."),
    }[problem]


def concern_message(concern: Concern) -> str:
    return {
        Concern.PERCENT_OVER_100: _("A share above 100% is unusual."),
        Concern.LOOKS_LIKE_FRACTION: _("Did you mean a percentage below 1%? 0,65 might mean 65%."),
        Concern.NUMERATOR_OVER_DENOMINATOR: _("The first number is larger than the total."),
        Concern.LOOKS_LIKE_THOUSANDS: _(
            "With a dot before three digits this reads as a percentage with decimals; a comma is the decimal mark (65,5)."
        ),
    }[concern]
