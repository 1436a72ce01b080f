"""The guided reporting conversation: one indicator at a time, checked, then saved.

All state lives in the database (conversation_state), so the conversation survives a
restart and can be resumed later; each step accepts any input and answers it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from handlers.context import Services
from handlers.present import format_target, format_value, format_verdict
from handlers.scope import Assignment, assignments, reported_indicators, require_unit
from handlers.turns import Button, Reply, Turn, TurnKind
from indicators.answers import (
    Accepted,
    AnswerKind,
    Concern,
    NeedsConfirmation,
    Problem,
    Rejected,
    parse_answer,
    parse_whole_number,
)
from indicators.evaluation import evaluate
from indicators.periods import Period
from indicators.plan import Indicator
from indicators.plausibility import is_big_change
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
from storage.people import Person
from storage.values import NewValue

DIALOG = "report"
MAX_FAILS = 3
NOTE_LIMIT = 1000

SKIP, BACK, CANCEL, CONFIRM, REDO, SAVE, EDIT, START = (
    "r:skip", "r:back", "r:cancel", "r:ok", "r:redo", "r:save", "r:edit", "r:start"
)  # fmt: skip
PERIOD_PREFIX = "r:p:"
ALL_INDICATORS = "r:all"
VALUE_PREFIX = "r:v:"
YES = Accepted(YesNoValue(True))


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
class Draft:
    """The conversation's data as stored between turns."""

    data: dict[str, Any]

    @property
    def step(self) -> str:
        return str(self.data.get("step", "value"))

    @step.setter
    def step(self, value: str) -> None:
        self.data["step"] = value
        self.data["fails"] = 0

    @property
    def codes(self) -> list[str]:
        return list(self.data["codes"])

    @property
    def index(self) -> int:
        return int(self.data.get("i", 0))

    @index.setter
    def index(self, value: int) -> None:
        self.data["i"] = value

    @property
    def answers(self) -> dict[str, dict[str, Any]]:
        answers: dict[str, dict[str, Any]] = self.data.setdefault("answers", {})
        return answers


class ReportingDialog:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store

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
    ) -> list[Reply]:
        """Open the conversation at the first indicator without a figure (all with `every`).

        `plan_id` picks one of the unit's plans; `skip_intro` asks the first missing
        indicator at once (a reminder's Report now button).
        """
        unit = await require_unit(self.services, person.unit_id)
        period = Period.from_code(period_code) if period_code else None
        duties = await assignments(self.services, unit, period)
        if plan_id is not None:
            duties = [d for d in duties if d.plan.id == plan_id]
        if not duties:
            return [Reply(_("{unit} has no indicators to report for now.").format(unit=unit.name))]
        duty = duties[0]
        latest = await self._latest(duty, duty.period)
        missing = [i.code for i in duty.indicators if i.code not in latest]
        codes = [i.code for i in duty.indicators] if every or not missing else missing
        data = {
            "plan": duty.plan.id,
            "unit": unit.id,
            "period": duty.period.code,
            "codes": codes,
            "i": 0,
            "step": "intro",
            "answers": {},
            "fails": 0,
        }
        draft = Draft(data)
        intro = self._intro(duty, len(missing), len(duty.indicators))
        if skip_intro and missing:
            draft.step = "value"
            await self._save(turn, draft)
            return [Reply(intro.text), await self._ask(draft)]
        await self._save(turn, draft)
        return [intro]

    def _intro(self, duty: Assignment, missing: int, total: int) -> Reply:
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
        previous = duty.period.previous()
        label = previous.vietnamese_name()
        if duty.plan.schedule.deadline(previous) <= self.services.now():
            label = _("{period} (overdue)").format(period=label)
        buttons = [(Button(_("Start"), START),)]
        if 0 < missing < total:
            buttons.append((Button(_("Correct reported figures"), ALL_INDICATORS),))
        buttons += [(Button(label, PERIOD_PREFIX + previous.code),), (Button(_("Cancel"), CANCEL),)]
        return Reply("\n".join(lines), tuple(buttons))

    async def resume(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        """Ask again where the person stopped, after a pause or a restart of the bot."""
        draft = Draft(data)
        if draft.step == "intro":
            return await self.start(turn, person, str(data.get("period")))
        return [Reply(_("Continuing where you stopped.")), await self._repeat(draft)]

    async def _repeat(self, draft: Draft) -> Reply:
        """The prompt of the current step, asked again."""
        if draft.step == "intro":
            duty, _indicator = await self._duty(draft)
            latest = await self._latest(duty, duty.period)
            missing = sum(1 for i in duty.indicators if i.code not in latest)
            return self._intro(duty, missing, len(duty.indicators))
        if draft.step == "summary":
            return await self._summary(draft)
        return await self._ask(draft)

    # --- turns -------------------------------------------------------------------------

    async def handle(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        draft = Draft(data)
        if turn.kind is TurnKind.BUTTON and turn.text == CANCEL:
            return await self.cancel(turn)
        if turn.kind is TurnKind.OTHER:
            replies = self._fail(draft, _("I can only read text here.")) + [
                await self._repeat(draft)
            ]
            await self._save(turn, draft)
            return replies
        step = draft.step
        if step == "intro":
            replies = await self._on_intro(turn, person, draft)
        elif step == "summary":
            replies = await self._on_summary(turn, person, draft)
        elif turn.kind is TurnKind.BUTTON and turn.text == SKIP:
            replies = await self._advance(draft, skipped=True)
        elif turn.kind is TurnKind.BUTTON and turn.text == BACK:
            replies = await self._back(draft)
        elif step == "confirm":
            replies = await self._on_confirm(turn, draft)
        elif step == "note":
            replies = await self._on_note(turn, draft)
        elif step in ("numerator", "denominator"):
            replies = await self._on_count(turn, draft)
        else:
            replies = await self._on_value(turn, draft)
        if draft.data.get("closed"):
            return replies
        await self._save(turn, draft)
        return replies

    async def cancel(self, turn: Turn) -> list[Reply]:
        await self.store.conversations.clear(turn.channel, turn.external_id)
        return [Reply(_("Reporting cancelled. Nothing was saved from this session."))]

    async def _on_intro(self, turn: Turn, person: Person, draft: Draft) -> list[Reply]:
        if turn.kind is TurnKind.BUTTON and turn.text.startswith(PERIOD_PREFIX):
            draft.data["closed"] = True  # start() wrote the new conversation
            return await self.start(turn, person, turn.text.removeprefix(PERIOD_PREFIX))
        if turn.kind is TurnKind.BUTTON and turn.text == ALL_INDICATORS:
            # Start over the same period with every indicator, beginning at the first.
            draft.data["closed"] = True
            await self.start(turn, person, str(draft.data["period"]), every=True)
            state = await self.store.conversations.get(turn.channel, turn.external_id)
            assert state is not None
            fresh = Draft(state.data)
            fresh.step = "value"
            await self._save(turn, fresh)
            return [await self._ask(fresh)]
        if turn.kind is TurnKind.BUTTON and turn.text != START:
            return self._fail(draft, _("Press Start, or choose another period.")) + [
                await self._repeat(draft)
            ]
        draft.step = "value"
        replies = [await self._ask(draft)]
        if turn.kind is not TurnKind.BUTTON and turn.text.strip():
            # Someone who types the first figure straight away means it as the answer.
            answer = await self._on_value(turn, draft)
            return answer
        return replies

    # --- asking --------------------------------------------------------------------------

    async def _duty(self, draft: Draft) -> tuple[Assignment, Indicator]:
        plan = await self.store.plans.get(str(draft.data["plan"]))
        if plan is None:
            raise LookupError(f"plan {draft.data['plan']} is gone")
        unit = await require_unit(self.services, int(draft.data["unit"]))
        period = Period.from_code(str(draft.data["period"]))
        indicators = tuple(plan.indicator(code) for code in draft.codes)
        duty = Assignment(unit, plan, period, indicators)
        return duty, plan.indicator(draft.codes[draft.index])

    async def _ask(self, draft: Draft) -> Reply:
        duty, indicator = await self._duty(draft)
        position = f"({draft.index + 1}/{len(draft.codes)})"
        lines = [f"{position} {indicator.code}. {indicator.name}"]
        if indicator.target.assessable:
            lines.append(_("Target {year}: {target}").format(
                year=duty.plan.year, target=format_target(indicator)))  # fmt: skip
        previous = await self._previous_value(duty, indicator)
        if previous is not None:
            lines.append(
                _("Previous period: {value}").format(value=format_value(previous, indicator))
            )
        current = (await self._latest(duty, duty.period)).get(indicator.code)
        if current is not None:
            lines.append(_("Already reported for this period: {value}").format(
                value=format_value(current, indicator)))  # fmt: skip
        step = draft.step
        buttons: list[tuple[Button, ...]] = []
        if step in ("value", "numerator") and indicator.formula and asks_counts(indicator):
            lines.append(_("{question}?").format(question=_capital(indicator.formula.numerator)))
            lines.append(_("(Or type both as a ratio, e.g. 175/300.)"))
        elif step == "denominator" and indicator.formula:
            lines.append(_("{question}?").format(question=_capital(indicator.formula.denominator)))
            if isinstance(previous, RatioValue):
                buttons.append((Button(_("Same as before: {n}").format(n=previous.denominator),
                                       f"{VALUE_PREFIX}{previous.denominator}"),))  # fmt: skip
        elif step == "note":
            lines = [_("Any difficulties or proposals for {code}? Type them, or press Skip.").format(
                code=indicator.code)]  # fmt: skip
        else:
            lines.append(self._expectation(indicator))
            buttons.extend(self._value_buttons(indicator))
        buttons.append(
            (Button(_("Skip"), SKIP), Button(_("Back"), BACK), Button(_("Cancel"), CANCEL))
        )
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

    # --- answering ---------------------------------------------------------------------

    def _text(self, turn: Turn) -> str | None:
        if turn.kind is TurnKind.BUTTON:
            return (
                turn.text.removeprefix(VALUE_PREFIX) if turn.text.startswith(VALUE_PREFIX) else None
            )
        if turn.kind is TurnKind.COMMAND:
            return None
        return turn.text

    async def _on_value(self, turn: Turn, draft: Draft) -> list[Reply]:
        _duty, indicator = await self._duty(draft)
        text = self._text(turn)
        if text is None:
            return self._fail(draft, _("That is not an answer to this question.")) + [
                await self._ask(draft)
            ]
        if asks_counts(indicator):
            return await self._on_count(turn, draft)
        answer = parse_answer(text, answer_kind(indicator), parts=len(indicator.target.parts))
        if isinstance(answer, Rejected):
            return self._fail(draft, problem_text(answer.problem, indicator)) + [
                await self._ask(draft)
            ]
        return await self._got(draft, answer)

    async def _on_count(self, turn: Turn, draft: Draft) -> list[Reply]:
        text = self._text(turn)
        if text is not None and draft.step != "denominator":
            # "175/300" answers both questions at once.
            ratio = parse_answer(text, AnswerKind.RATIO)
            if not isinstance(ratio, Rejected):
                return await self._got(draft, ratio)
        answer = parse_whole_number(text) if text is not None else Rejected(Problem.NO_NUMBER)
        if not isinstance(answer, Accepted) or not isinstance(answer.value, CountValue):
            problem = answer.problem if isinstance(answer, Rejected) else Problem.NOT_WHOLE
            return self._fail(draft, problem_text(problem, None)) + [await self._ask(draft)]
        if draft.step != "denominator":
            draft.data["num"] = answer.value.count
            draft.step = "denominator"
            return [await self._ask(draft)]
        denominator = answer.value.count
        if denominator == 0:
            return self._fail(draft, problem_text(Problem.ZERO_DENOMINATOR, None)) + [
                await self._ask(draft)
            ]
        counted = RatioValue(int(draft.data["num"]), denominator)
        if counted.numerator > denominator:
            concern = Concern.NUMERATOR_OVER_DENOMINATOR
            return await self._got(draft, NeedsConfirmation(counted, concern))
        return await self._got(draft, Accepted(counted))

    async def _got(self, draft: Draft, answer: Accepted | NeedsConfirmation) -> list[Reply]:
        duty, indicator = await self._duty(draft)
        concern_text: str | None = None
        if isinstance(answer, NeedsConfirmation):
            concern_text = concern_message(answer.concern)
        else:
            previous = await self._previous_value(duty, indicator)
            if is_big_change(previous, answer.value):
                concern_text = _("This differs a lot from the previous period ({value}).").format(
                    value=format_value(previous, indicator) if previous else "")  # fmt: skip
        draft.data["pending"] = value_to_data(answer.value)
        if concern_text:
            draft.step = "confirm"
            text = "\n".join([
                _("You typed: {value}.").format(value=format_value(answer.value, indicator)),
                concern_text,
                _("Press Confirm to keep it (you may type a comment instead), or type the figure again."),
            ])  # fmt: skip
            return [Reply(text, ((Button(_("Confirm"), CONFIRM), Button(_("Type again"), REDO)),))]
        return [self._accept(draft, indicator, duty.plan.year)] + [await self._ask(draft)]

    def _accept(self, draft: Draft, indicator: Indicator, year: int, comment: str = "") -> Reply:
        value = value_from_data(draft.data.pop("pending"))
        draft.data.pop("num", None)
        draft.answers[indicator.code] = {
            "value": value_to_data(value),
            "comment": comment,
            "note": "",
        }
        draft.step = "note"
        verdict = format_verdict(evaluate(indicator.target, value), indicator)
        return Reply(_("Noted {code}: {value} — {verdict} (target {year}).").format(
            code=indicator.code, value=format_value(value, indicator), verdict=verdict, year=year))  # fmt: skip

    async def _on_confirm(self, turn: Turn, draft: Draft) -> list[Reply]:
        duty, indicator = await self._duty(draft)
        if turn.kind is TurnKind.BUTTON and turn.text == CONFIRM:
            return [self._accept(draft, indicator, duty.plan.year)] + [await self._ask(draft)]
        if turn.kind is TurnKind.BUTTON and turn.text == REDO:
            draft.data.pop("pending", None)
            draft.step = "value"
            return [await self._ask(draft)]
        text = self._text(turn) or ""
        kind = answer_kind(indicator)
        if parse_answer(text, AnswerKind.YESNO) == YES:
            return [self._accept(draft, indicator, duty.plan.year)] + [await self._ask(draft)]
        retyped = parse_answer(text, AnswerKind.RATIO if indicator.formula else kind,
                               parts=len(indicator.target.parts))  # fmt: skip
        if not isinstance(retyped, Rejected):
            draft.step = "value"
            return await self._got(draft, retyped)
        if text.strip():
            reply = self._accept(
                draft, indicator, duty.plan.year, comment=text.strip()[:NOTE_LIMIT]
            )
            return [reply, await self._ask(draft)]
        return self._fail(draft, _("Press Confirm or type the figure again.")) + [
            await self._ask(draft)
        ]

    async def _on_note(self, turn: Turn, draft: Draft) -> list[Reply]:
        _duty, indicator = await self._duty(draft)
        text = (self._text(turn) or "").strip()
        if turn.kind is TurnKind.COMMAND or (turn.kind is TurnKind.BUTTON and not text):
            return self._fail(draft, _("Type the difficulties, or press Skip.")) + [
                await self._ask(draft)
            ]
        draft.answers[indicator.code]["note"] = text[:NOTE_LIMIT]
        return await self._advance(draft, skipped=False)

    async def _advance(self, draft: Draft, *, skipped: bool) -> list[Reply]:
        draft.data.pop("pending", None)
        draft.data.pop("num", None)
        if draft.index + 1 >= len(draft.codes):
            draft.step = "summary"
            return [await self._summary(draft)]
        draft.index = draft.index + 1
        draft.step = "value"
        return [await self._ask(draft)]

    async def _back(self, draft: Draft) -> list[Reply]:
        if draft.step in ("denominator", "confirm", "note"):
            draft.step = "value"
        elif draft.index > 0:
            draft.index = draft.index - 1
            draft.step = "value"
        draft.data.pop("pending", None)
        draft.data.pop("num", None)
        return [await self._ask(draft)]

    # --- summary and saving ------------------------------------------------------------

    async def _summary(self, draft: Draft) -> Reply:
        duty, _indicator = await self._duty(draft)
        lines = [_("Summary for {unit}, {period}:").format(
            unit=duty.unit.name, period=duty.period.vietnamese_name())]  # fmt: skip
        for code in draft.codes:
            indicator = duty.plan.indicator(code)
            answer = draft.answers.get(code)
            if answer is None:
                lines.append(f"• {code}: " + _("skipped"))
                continue
            value = value_from_data(answer["value"])
            verdict = format_verdict(evaluate(indicator.target, value), indicator)
            lines.append(f"• {code}: {format_value(value, indicator)} — {verdict}")
        if not draft.answers:
            lines.append(_("Nothing to save: every indicator was skipped."))
        buttons = ((Button(_("Save"), SAVE), Button(_("Edit"), EDIT), Button(_("Cancel"), CANCEL)),)
        return Reply("\n".join(lines), buttons)

    async def _on_summary(self, turn: Turn, person: Person, draft: Draft) -> list[Reply]:
        if turn.kind is TurnKind.BUTTON and turn.text == EDIT:
            draft.index = 0
            draft.step = "value"
            return [await self._ask(draft)]
        wants_save = turn.kind is TurnKind.BUTTON and turn.text == SAVE
        if not wants_save and turn.kind is TurnKind.TEXT:
            wants_save = parse_answer(turn.text, AnswerKind.YESNO) == YES or (
                turn.text.strip().lower() in ("lưu", "luu")
            )
        if not wants_save:
            return self._fail(draft, _("Press Save, Edit or Cancel.")) + [
                await self._summary(draft)
            ]
        return await self._save_values(turn, person, draft)

    async def _save_values(self, turn: Turn, person: Person, draft: Draft) -> list[Reply]:
        duty, _indicator = await self._duty(draft)
        records = [
            NewValue(
                unit_id=duty.unit.id,
                plan_id=duty.plan.id,
                indicator_code=code,
                period=duty.period.code,
                value=value_from_data(answer["value"]),
                note=_join_note(answer.get("note", ""), answer.get("comment", "")),
            )
            for code, answer in draft.answers.items()
        ]
        if records:
            await self.store.values.record_many(
                records,
                person_id=person.id,
                channel=turn.channel,
                update_key=f"{turn.channel}:{turn.update_id}" if turn.update_id else None,
            )
        await self.store.conversations.clear(turn.channel, turn.external_id)
        draft.data["closed"] = True
        latest = await self._latest(duty, duty.period)
        still = [i.code for i in reported_indicators(duty.plan, duty.unit) if i.code not in latest]
        text = _("Saved {n} figures for {period}. Thank you!").format(
            n=len(records), period=duty.period.vietnamese_name())  # fmt: skip
        if still:
            text += "\n" + _("Still missing: {codes}.").format(codes=", ".join(still))
        return [Reply(text)]

    # --- helpers -----------------------------------------------------------------------

    def _fail(self, draft: Draft, message: str) -> list[Reply]:
        fails = int(draft.data.get("fails", 0)) + 1
        draft.data["fails"] = fails
        if fails >= MAX_FAILS:
            message += "\n" + _(
                "If this figure is not available yet, press Skip; type /trogiup for help."
            )
        return [Reply(message)]

    async def _latest(self, duty: Assignment, period: Period) -> dict[str, AnyValue]:
        rows = await self.store.values.latest([duty.unit.id], duty.plan.id, period.code)
        return {row.indicator_code: row.value for row in rows}

    async def _previous_value(self, duty: Assignment, indicator: Indicator) -> AnyValue | None:
        rows = await self.store.values.series([duty.unit.id], duty.plan.id, indicator.code)
        earlier = [r for r in rows if r.period < duty.period.code]
        return earlier[-1].value if earlier else None

    async def _save(self, turn: Turn, draft: Draft) -> None:
        await self.store.conversations.put(
            turn.channel, turn.external_id, DIALOG, draft.step, draft.data
        )


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
