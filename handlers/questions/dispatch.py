"""The questions officials and members ask, typed or by button.

Free text is read by indicators.questions; the commands /chuadat, /tiendo, /chuanop,
/chitieu and /xuatbaocao ask the same with the scope words typed after them, and the
buttons under each answer ask again about the same unit and period (see paging.py).
An official sees the subtree of their unit, a member their own unit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from textwrap import shorten

from handlers.exports.appendix import FileFormat, appendix_file, format_named
from handlers.messages import Button, Reply, Turn
from handlers.questions.follow_ups import export_buttons
from handlers.questions.not_met import shortfall_reply
from handlers.questions.not_reported import completeness_replies
from handlers.questions.one_indicator import choices_reply, indicator_replies
from handlers.questions.paging import (
    COMPLETENESS,
    EXPORT,
    EXPORT_DOCX,
    INDICATOR,
    PREFIX,
    PROGRESS,
    SHORTFALL,
    Ask,
    parse,
)
from handlers.questions.progress import progress_replies
from handlers.router import OFFICIALS, Command, CommandRun, Router
from handlers.unit_figures import Standing, standings
from handlers.unit_lookup import (
    Found,
    Lookup,
    NotFound,
    Refused,
    find_unit,
    home_unit,
    may_see,
    named_anywhere,
)
from handlers.wording.figures import unit_label
from indicators.people import Person, Role
from indicators.periods import Period
from indicators.plan import Indicator, Plan
from indicators.questions import Intent, Question, Vocabulary, read_question
from indicators.units import Unit
from locales import _, current_locale
from storage.conversations import ConversationState

KINDS = {
    SHORTFALL: Intent.SHORTFALL,
    PROGRESS: Intent.PROGRESS,
    COMPLETENESS: Intent.COMPLETENESS,
    INDICATOR: Intent.INDICATOR,
    EXPORT: Intent.EXPORT,
    EXPORT_DOCX: Intent.EXPORT,
}
FORMATS = {EXPORT: FileFormat.XLSX, EXPORT_DOCX: FileFormat.DOCX}
ROUTER_COMMANDS = {Intent.REPORT: "baocao", Intent.HELP: "trogiup", Intent.CANCEL: "huy"}
ALTERNATIVES = 3
QUOTED = 60  # characters of a question quoted back
CHOICES = 30


def register(router: Router) -> None:
    """Add the question reader, its commands and its buttons to the router."""

    questions = Questions(router)
    router.add_reader(questions.read)
    router.add_button(PREFIX, questions.press)
    router.add_command(Command(
        "chuadat", lambda: _("Indicators not met yet"), questions.command(Intent.SHORTFALL),
        menu_label=lambda: _("Indicators not met"),
    ))  # fmt: skip
    router.add_command(Command(
        "tiendo", lambda: _("Progress by group, with a chart"), questions.command(Intent.PROGRESS),
        menu_label=lambda: _("Progress"),
    ))  # fmt: skip
    router.add_command(Command(
        "chuanop", lambda: _("Who has not reported yet"), questions.command(Intent.COMPLETENESS),
        menu_label=lambda: _("Who has not reported"),
    ))  # fmt: skip
    router.add_command(Command(
        "chitieu", lambda: _("One indicator: figures per unit and trend"),
        questions.command(Intent.INDICATOR),
    ))  # fmt: skip
    router.add_command(Command(
        "xuatbaocao", lambda: _("Export the appendix table (Excel or Word)"),
        questions.command(Intent.EXPORT), roles=OFFICIALS,
        menu_label=lambda: _("Export the appendix"),
    ))  # fmt: skip


@dataclass(frozen=True)
class Context:
    """What the asker's questions are read against."""

    home: Unit
    plans: list[Plan]
    entries: list[tuple[str, Indicator]]  # (plan id, indicator), aligned with the vocabulary
    vocabulary: Vocabulary


class Questions:
    def __init__(self, router: Router) -> None:
        self.router = router
        self.services = router.services

    # --- entry points ------------------------------------------------------------------

    async def read(self, turn: Turn, person: Person) -> list[Reply] | None:
        context = await self._context(person)
        question = self._read(turn.text, context)
        if question.intent in ROUTER_COMMANDS:
            command = self.router.commands[ROUTER_COMMANDS[question.intent]]
            return await command.run(turn, person, None)
        if question.intent in (Intent.UNKNOWN, Intent.THANKS, Intent.GREETING) and turn.is_group:
            # In a group, talk not meant for the bot gets no answer.
            return []
        if question.intent is Intent.UNKNOWN:
            # In a group, talk not meant for the bot gets no "I did not understand".
            return [] if turn.is_group else [self.examples(person)]
        if question.intent is Intent.THANKS:
            return [Reply(_("You are welcome! Message me whenever you need figures."))]
        if question.intent is Intent.GREETING:
            menu = await self.router.menu(person)
            return [replace(menu, text=_("Hello!") + " " + menu.text)]
        return await self.answer(turn, person, question.intent, question, context)

    def command(self, intent: Intent) -> CommandRun:
        async def run(turn: Turn, person: Person, state: ConversationState | None) -> list[Reply]:
            context = await self._context(person)
            question = self._read(turn.text, context)
            if intent is Intent.INDICATOR and not question.indicators and question.code is None:
                if turn.text.strip():
                    return [self._choices(context, _("I found no indicator called “{name}”. Choose one:").format(
                        name=turn.text.strip()))]  # fmt: skip
                return [
                    self._choices(
                        context,
                        _(
                            "Which indicator? Choose one, or type /chitieu and its name, e.g. /chitieu cáp quang."
                        ),
                    )
                ]
            return await self.answer(turn, person, intent, question, context)

        return run

    async def press(self, turn: Turn, person: Person) -> list[Reply]:
        ask = parse(turn.text)
        unit = await self.services.store.units.get(ask.unit_id) if ask else None
        if ask is None or unit is None:
            return [Reply(_("This button is no longer active."))]
        if not await may_see(self.services, person, unit.id):
            return [await self._refusal(person, unit)]
        intent = KINDS[ask.kind]
        if intent is Intent.EXPORT and not person.is_official:
            return [
                Reply(_("Only commune officials can use /{command}.").format(command="xuatbaocao"))
            ]
        return await self._answer_for(
            person, intent, unit, ask.period, ask.group, ask.page, ask, FORMATS.get(ask.kind)
        )

    # --- answers -----------------------------------------------------------------------

    async def answer(
        self, turn: Turn, person: Person, intent: Intent, question: Question, context: Context
    ) -> list[Reply]:
        if intent is Intent.EXPORT and not person.is_official:
            return [
                Reply(_("Only commune officials can use /{command}.").format(command="xuatbaocao"))
            ]
        unit = context.home
        found: Lookup | None = None
        if question.unit is not None:
            found = await find_unit(self.services, person, question.unit, question.unit_level)
        elif question.topic:  # words left over may name a unit the reader did not know
            found = await named_anywhere(self.services, person, question.folded)
        if isinstance(found, Refused):
            return [await self._refusal(person, found.unit)]
        if isinstance(found, NotFound):
            return [found.reply()]
        if isinstance(found, Found):
            unit = found.unit
        ask = None
        if intent is Intent.INDICATOR:
            chosen = self._indicators(question, context)
            if not chosen:
                return [self._choices(context, _("Which indicator? Choose one:"))]
            (plan_id, indicator), *others = chosen
            ask = Ask(INDICATOR, unit.id, question.period, None, 0, plan_id, indicator.code)
            replies = await self._indicator(person, unit, question.period, ask, others)
            if question.approximate and replies:
                # Say that this is the closest name, not the one asked for.
                notice = _("No indicator is named “{words}”; the closest is:").format(
                    words=shorten(" ".join(turn.text.split()), QUOTED, placeholder="…")
                )
                replies[0] = replace(replies[0], text=notice + "\n" + replies[0].text)
            return replies
        return await self._answer_for(
            person, intent, unit, question.period, question.group, 0, ask, format_named(turn.text)
        )

    async def _answer_for(
        self,
        person: Person,
        intent: Intent,
        unit: Unit,
        period: Period | None,
        group: str | None,
        page: int,
        ask: Ask | None,
        file_format: FileFormat | None = None,
    ) -> list[Reply]:
        if intent is Intent.INDICATOR and ask is not None:
            return await self._indicator(person, unit, period, ask, [], page)
        if intent is Intent.EXPORT:
            return await self._export(unit, period, file_format)
        found = await standings(
            self.services,
            unit,
            period,
            fallback=intent is not Intent.COMPLETENESS,
            # Each answer shows the unit's figures and its children's only.
            summary=True,
        )
        if not found:
            return [self._no_plan(unit, period)]
        if group and not any(s.groups(group) for s in found):
            return [Reply(_("The plan of {unit} has no group “{group}”.").format(
                unit=unit_label(unit), group=group))]  # fmt: skip
        if intent is Intent.SHORTFALL:
            return shortfall_reply(person, found, group, page)
        if intent is Intent.PROGRESS:
            return await progress_replies(person, found, group)
        previous: list[Standing] = []
        if period is None:
            ids = {s.plan.id for s in found}
            # Kept standings hold the unit and its children only: no tree to pass on.
            tree = None if found[0].kept is not None else found[0].node
            earlier = await standings(
                self.services,
                unit,
                found[0].period.previous(),
                node=tree,
                fallback=False,
                summary=tree is None,
            )
            previous = [s for s in earlier if s.plan.id in ids or s.plan.derived_from in ids]
        return await completeness_replies(self.services, person, found, previous, page)

    async def _indicator(
        self,
        person: Person,
        unit: Unit,
        period: Period | None,
        ask: Ask,
        others: Sequence[tuple[str, Indicator]],
        page: int = 0,
    ) -> list[Reply]:
        found = await standings(self.services, unit, period, plan_id=ask.plan_id, summary=True)
        indicator = next((i for s in found for i in s.plan.indicators if i.code == ask.code), None)
        if not found or indicator is None:
            return [self._no_plan(unit, period)]
        standing = found[0]
        if not standing.rollup.concerns(standing.node, indicator):
            return [Reply(_("Indicator {code} is not reported at {unit}.").format(
                code=indicator.code, unit=unit_label(unit)))]  # fmt: skip
        return await indicator_replies(self.services, person, standing, indicator, others, page)

    async def _export(
        self, unit: Unit, period: Period | None, file_format: FileFormat | None
    ) -> list[Reply]:
        if file_format is None:
            buttons = export_buttons(unit.id, period)
            return [Reply(_("Which file would you like the appendix table of {unit} in?").format(
                unit=unit_label(unit)), (buttons,) if buttons else ())]  # fmt: skip
        made = await appendix_file(self.services, unit, period, file_format)
        if made is None:
            return [self._no_plan(unit, period)]
        return [Reply(_("The appendix table is attached: {caption}.").format(caption=made.caption),
                      file=made)]  # fmt: skip

    # --- helpers -----------------------------------------------------------------------

    def _today(self) -> dt.date:
        return self.services.now().date()

    def _read(self, text: str, context: Context) -> Question:
        return read_question(
            text, today=self._today(), vocabulary=context.vocabulary, language=current_locale()
        )

    async def _context(self, person: Person) -> Context:
        home = await home_unit(self.services, person)
        plans = await self.services.store.plans.of_unit(home.id)
        entries = [(p.id, i) for p in plans for i in p.indicators]
        if person.role is Role.MEMBER:
            units = [home.name]
        else:
            units = [name for _id, name in await self.services.store.units.name_index(home.id)]
        vocabulary = Vocabulary(
            units=units,
            groups=[g.name for p in plans for g in p.groups],
            indicators=[i.name for _plan, i in entries],
            codes=[i.code for _plan, i in entries],
            period_kind=plans[0].schedule.period_kind if plans else None,
        )
        return Context(home, plans, entries, vocabulary)

    def _indicators(self, question: Question, context: Context) -> list[tuple[str, Indicator]]:
        """The indicator asked about, then up to ALTERNATIVES others that fit as well; the
        plan of the year asked about ("cáp quang năm 2025"), or else of the current year,
        first where plans repeat across years."""
        year = question.period.year if question.period is not None else self._today().year
        current = {p.id for p in context.plans if p.year == year}
        chosen = [context.entries[i] for i in question.indicators]
        chosen.sort(key=lambda entry: entry[0] not in current)
        seen: set[tuple[str, str]] = set()
        unique = []
        for plan_id, indicator in chosen:
            key = (indicator.code, indicator.name)
            if key not in seen:
                seen.add(key)
                unique.append((plan_id, indicator))
        return unique[: 1 + ALTERNATIVES]

    def _choices(self, context: Context, text: str) -> Reply:
        year = self._today().year
        plans = [p for p in context.plans if p.year == year] or context.plans[-1:]
        entries = [(p.id, i) for p in plans for i in p.indicators][:CHOICES]
        return choices_reply(context.home.id, entries, text)

    async def _refusal(self, person: Person, unit: Unit) -> Reply:
        home = await home_unit(self.services, person)
        if person.role is Role.MEMBER:
            scope = _("You can see the figures of {unit} only.").format(unit=unit_label(home))
        else:
            scope = _("You can see the figures of {unit} and the units under it.").format(
                unit=unit_label(home))  # fmt: skip
        return Reply(_("Sorry, {unit} is outside what you can see.").format(
            unit=unit_label(unit)) + " " + scope)  # fmt: skip

    def _no_plan(self, unit: Unit, period: Period | None) -> Reply:
        if period is None:
            return Reply(
                _("{unit} has no plan with indicators to follow.").format(unit=unit_label(unit))
            )
        return Reply(_("{unit} has no plan for {period}.").format(
            unit=unit_label(unit), period=period.vietnamese_name()))  # fmt: skip

    def examples(self, person: Person) -> Reply:
        lines = [
            _("Sorry, I did not understand that question. You can ask, for example:"),
            _("• “which indicators are not met” — or /chuadat"),
            _("• “progress” — or /tiendo"),
            _("• “which villages have not reported” — or /chuanop"),
            _("• “fibre optic”: one indicator — or /chitieu"),
        ]
        if person.is_official:
            lines.append(
                _("• “export report”: the appendix table in Excel or Word — or /xuatbaocao")
            )
        lines.append(_("• “report”: enter figures — or /baocao"))
        lines.append(_("You may add a village, a group or a period: “thôn 2 chưa đạt quý 3”."))
        buttons: list[tuple[Button, ...]] = []
        unit_id = person.unit_id
        if unit_id is not None:
            row = [
                b
                for kind, label in ((SHORTFALL, _("Not met")), (PROGRESS, _("Progress")),
                                    (COMPLETENESS, _("Not reported")))
                if (b := Ask(kind, unit_id).button(label))
            ]  # fmt: skip
            buttons.append(tuple(row))
        return Reply("\n".join(lines), tuple(buttons))
