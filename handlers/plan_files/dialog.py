"""An official sends the plan file (.docx, .xlsx): the bot answers with the review; the
official fixes a row by answering ("2.1: ≥ 80%", "dòng 12: 100%", "năm 2026") or sends a
corrected file, and only "xác nhận" applies the plan to their unit and year.

The table read stays in the conversation state (its rows as cell texts), so every fix
is a change of one cell and the whole table is read again: a fixed row is read by the
same rules as the file, and nothing is half-applied.
"""

from __future__ import annotations

import re
from typing import Any

from handlers.messages import Button, Reply, Turn, TurnKind
from handlers.plan_files.reading import read_for_unit
from handlers.queued_replies import fit
from handlers.router import Router
from handlers.services import Services
from handlers.unit_lookup import home_unit
from handlers.wording.figures import unit_label
from handlers.wording.plan_review import review_text
from indicators.people import Person
from indicators.plan_import.header import read_header
from indicators.plan_import.reader import Reading, with_target
from indicators.plan_import.table import Row, Table
from indicators.text import folded_words
from indicators.units import Unit
from locales import _

DIALOG = "plan-file"
CONFIRM = "pf:ok"
CANCEL = "pf:cancel"
REVIEW_LIMIT = 3500  # the review is cut at a line end beyond this; the doubts come first

_ROW = re.compile(r"^dong (\d{1,4})$")
_CODE = re.compile(r"^(?:chi tieu )?([0-9ivxl]{1,5}(?:\.[0-9]{1,2}){0,2}[a-z]?)\.?$")
_YEAR = re.compile(r"^\s*nam\s+(20\d\d)\s*$")
_CONFIRM_WORDS = {"xac nhan", "dong y", "ap dung", "co", "ok"}


def table_data(table: Table) -> dict[str, Any]:
    return {
        "rows": [[row.number, list(row.cells)] for row in table.rows],
        "caption": list(table.caption),
        "where": table.where,
    }


def table_from_data(data: dict[str, Any]) -> Table:
    rows = tuple(Row(int(n), tuple(str(c) for c in cells)) for n, cells in data["rows"])
    return Table(rows, tuple(str(c) for c in data.get("caption", [])), str(data.get("where", "")))


def plan_table(tables: list[Table]) -> Table | None:
    """The table the reader reads: the first with an STT and a name column."""
    return next((t for t in tables if read_header(t.rows) is not None), None)


class PlanFileDialog:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store

    # --- a file arrives ------------------------------------------------------------------

    async def read(self, turn: Turn, person: Person) -> list[Reply] | None:
        """The router's reader for documents sent outside any conversation."""
        if turn.document is None:
            return None
        return await self._take_file(turn, person)

    async def _take_file(self, turn: Turn, person: Person) -> list[Reply]:
        document = turn.document
        assert document is not None
        if not person.is_official:
            return [Reply(_("Only commune officials can send a plan file to the bot."))]
        if self.services.read_tables is None:
            return [Reply(_("This chat cannot receive files; ask the administrator to run `chitieu plans import`."))]  # fmt: skip
        try:
            tables = self.services.read_tables(document.filename, document.content)
        except ValueError as problem:
            return [Reply(str(problem))]
        table = plan_table(tables)
        unit = await home_unit(self.services, person)
        year_match = re.search(r"\b(20\d\d)\b", turn.text)
        year = int(year_match.group(1)) if year_match else None
        if table is None:
            reading, _destination = await read_for_unit(
                self.store, tables, unit, year, document.filename
            )
            return [Reply(fit(review_text(reading, unit_label=unit_label(unit))))]
        data = {
            "unit": unit.id,
            "year": year,
            "file": document.filename,
            "table": table_data(table),
        }
        return await self._review(turn, unit, data)

    async def _review(self, turn: Turn, unit: Unit, data: dict[str, Any]) -> list[Reply]:
        reading = await self._reading(unit, data)
        await self.store.conversations.put(turn.channel, turn.external_id, DIALOG, "review", data)
        return [self._review_reply(reading, unit)]

    async def _reading(self, unit: Unit, data: dict[str, Any]) -> Reading:
        reading, _destination = await read_for_unit(
            self.store, [table_from_data(data["table"])], unit, data.get("year"), str(data["file"])
        )
        return reading

    def _review_reply(self, reading: Reading, unit: Unit) -> Reply:
        text = review_text(reading, unit_label=unit_label(unit))
        if reading.clean:
            ask = _("Nothing is in doubt. Press Confirm (or type “xác nhận”) to apply this plan to {unit}; until then nothing is used.").format(unit=unit_label(unit))  # fmt: skip
            buttons: tuple[tuple[Button, ...], ...] = ((
                Button(_("Confirm"), CONFIRM), Button(_("Cancel"), CANCEL),
            ),)  # fmt: skip
        else:
            ask = _("Fix each row in doubt by answering with its number and the target, e.g. “2.1: ≥ 80%” (or “dòng 12: 100%”, “năm 2026”), or correct the file and send it again.")  # fmt: skip
            buttons = ((Button(_("Cancel"), CANCEL),),)
        return Reply(fit(text, REVIEW_LIMIT) + "\n\n" + ask, buttons)

    # --- the conversation ------------------------------------------------------------------

    async def handle(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        unit = await self.services.unit(int(data["unit"]))
        if turn.document is not None:
            return await self._take_file(turn, person)
        if turn.kind is TurnKind.BUTTON and turn.text == CANCEL:
            return await self.cancel(turn)
        folded = folded_words(turn.text) if turn.kind is TurnKind.TEXT else ""
        if (turn.kind is TurnKind.BUTTON and turn.text == CONFIRM) or folded in _CONFIRM_WORDS:
            return await self._apply(turn, person, unit, data)
        if turn.kind is TurnKind.TEXT:
            if (year := _YEAR.match(folded)) is not None:
                data["year"] = int(year.group(1))
                return await self._review(turn, unit, data)
            fix = _fix(turn.text)
            if fix is not None:
                return await self._fix(turn, unit, data, *fix)
        return [Reply(_("Answer with a row and its target (“2.1: ≥ 80%”), send the corrected file, or press Confirm or Cancel."))]  # fmt: skip

    async def _fix(
        self,
        turn: Turn,
        unit: Unit,
        data: dict[str, Any],
        code: str | None,
        row: int | None,
        target: str,
    ) -> list[Reply]:
        table = table_from_data(data["table"])
        reading, destination = await read_for_unit(
            self.store, [table], unit, data.get("year"), str(data["file"])
        )
        if row is None and code is not None:
            # A code the reader gave ("II.1" for row "1" under group "II"): its row.
            row = next((d.row for d in reading.doubts if d.code and d.code.lower() == code), None)
        fixed = with_target(table, destination, target, code=code, row=row)
        if fixed is None:
            where = code or _("row {row}").format(row=row)
            return [Reply(_("I found no row {where} with a target to fix in the table; correct the file and send it again.").format(where=where))]  # fmt: skip
        data["table"] = table_data(fixed)
        return await self._review(turn, unit, data)

    async def _apply(
        self, turn: Turn, person: Person, unit: Unit, data: dict[str, Any]
    ) -> list[Reply]:
        reading = await self._reading(unit, data)
        if reading.plan is None or reading.yaml_text is None or not reading.clean:
            return [Reply(_("Not applied: {n} rows are still in doubt. Fix them first, or correct the file and send it again.").format(
                n=len(reading.doubts)))]  # fmt: skip
        installed = await self.store.install_plan(
            reading.plan, reading.yaml_text, source=f"chat:{data['file']}", by=person.id
        )
        await self.store.conversations.clear(turn.channel, turn.external_id)
        return [Reply(_("Applied: plan {id} (version {version}) now applies to {unit} for {year}.").format(
            id=reading.plan.id, version=installed.version.version, unit=unit_label(unit),
            year=reading.plan.year))]  # fmt: skip

    async def resume(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        unit = await self.services.unit(int(data["unit"]))
        return [self._review_reply(await self._reading(unit, data), unit)]

    async def cancel(self, turn: Turn) -> list[Reply]:
        await self.store.conversations.clear(turn.channel, turn.external_id)
        return [Reply(_("Nothing was applied; the plan in use stays as it was."))]

    async def takes(self, turn: Turn, data: dict[str, Any]) -> bool:
        return turn.kind is TurnKind.TEXT and folded_words(turn.text) in _CONFIRM_WORDS


def _fix(text: str) -> tuple[str | None, int | None, str] | None:
    """(code, row, target) of a typed fix: "2.1: ≥ 80%", "dòng 12 = 100%"."""
    head, sep, target = text.partition(":")
    if not sep:
        head, sep, target = text.partition("=")
    target = target.strip()
    if not sep or not target:
        return None
    folded = folded_words(head)
    if (row := _ROW.match(folded)) is not None:
        return None, int(row.group(1)), target
    if (code := _CODE.match(head.strip().lower())) is not None:
        return code.group(1), None, target
    return None


def register(router: Router) -> PlanFileDialog:
    """Add the plan file's dialog and reader; the dialog, for the unit list's reader,
    which hands it the files that are not unit lists."""
    dialog = PlanFileDialog(router.services)
    router.add_dialog(DIALOG, dialog)
    router.add_reader(dialog.read)
    return dialog
