"""An official sends a unit list (.xlsx, .csv, in the layouts `chitieu units import`
reads): the bot shows what would be added under their unit, and adds it only when they
confirm. Only their own subtree can grow; a unit already there is kept, not added twice.

The tables stay in the conversation state, so the confirmation reads and places them
again: what is added is what the database allows at that moment, all or nothing.
"""

from __future__ import annotations

from typing import Any

from handlers.messages import Button, OutFile, Reply, Turn, TurnKind
from handlers.plan_files.dialog import PlanFileDialog, plan_table, table_data, table_from_data
from handlers.plan_files.template import template_workbook
from handlers.queued_replies import fit
from handlers.router import OFFICIALS, Command, Router
from handlers.services import Services
from handlers.unit_files.placing import Placed, place, trees
from handlers.unit_lookup import home_unit
from handlers.wording.figures import unit_label
from handlers.wording.plan_review import unit_review_text
from indicators.people import Person
from indicators.plan_import.table import Table
from indicators.plan_import.units import UnitProblem, UnitReading, read_units
from indicators.text import folded_words
from indicators.units import Unit
from locales import _
from storage.conversations import ConversationState

DIALOG = "unit-file"
CONFIRM = "uf:ok"
CANCEL = "uf:cancel"
PREVIEW_LIMIT = 3500
TEMPLATE_FILE = "mau-ke-hoach-chi-tieu.xlsx"

_CONFIRM_WORDS = {"xac nhan", "dong y", "them", "co", "ok"}


def _is_unit_list(tables: list[Table]) -> bool:
    if plan_table(tables) is not None:
        return False
    reading = read_units(tables)
    return not any(d.problem is UnitProblem.NO_COLUMNS for d in reading.doubts)


class UnitFileDialog:
    def __init__(self, services: Services, plan_files: PlanFileDialog) -> None:
        self.services = services
        self.store = services.store
        self.plan_files = plan_files

    async def read(self, turn: Turn, person: Person) -> list[Reply] | None:
        """The router's reader for documents: unit lists only; the rest go on to the
        plan file's reader."""
        if turn.document is None or self.services.read_tables is None:
            return None
        try:
            tables = self.services.read_tables(turn.document.filename, turn.document.content)
        except ValueError:
            return None  # the plan file's reader says what is wrong with the file
        if not _is_unit_list(tables):
            return None
        if not person.is_official:
            return [Reply(_("Only commune officials can send a unit list to the bot."))]
        unit = await home_unit(self.services, person)
        data = {
            "unit": unit.id,
            "file": turn.document.filename,
            "tables": [table_data(t) for t in tables],
        }
        await self.store.conversations.put(turn.channel, turn.external_id, DIALOG, "preview", data)
        return [await self._preview(unit, data)]

    async def _placed(self, unit: Unit, data: dict[str, Any]) -> tuple[UnitReading, Placed]:
        reading = read_units([table_from_data(t) for t in data["tables"]])
        return reading, await place(self.store, reading, unit, scope=unit)

    async def _preview(self, unit: Unit, data: dict[str, Any]) -> Reply:
        reading, placed = await self._placed(unit, data)
        shown = placed.shown(reading)
        text = unit_review_text(shown, placed.existing_paths(reading))
        new = placed.new_count(reading)
        if shown.doubts:
            ask = _("Nothing is added while a row is in doubt: correct the file and send it again.")  # fmt: skip
            buttons: tuple[tuple[Button, ...], ...] = ((Button(_("Cancel"), CANCEL),),)
        elif new == 0:
            ask = _("Every unit of the file is already there; nothing to add.")
            buttons = ()
        else:
            ask = _("Press Confirm (or type “xác nhận”) to add these {count} units under {unit}; until then nothing is added.").format(
                count=new, unit=unit_label(unit))  # fmt: skip
            buttons = ((Button(_("Confirm"), CONFIRM), Button(_("Cancel"), CANCEL)),)
        return Reply(fit(text, PREVIEW_LIMIT) + "\n\n" + ask, buttons)

    async def handle(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        if turn.document is not None:
            await self.store.conversations.clear(turn.channel, turn.external_id)
            replies = await self.read(turn, person)
            return (
                replies if replies is not None else await self.plan_files.read(turn, person) or []
            )
        if turn.kind is TurnKind.BUTTON and turn.text == CANCEL:
            return await self.cancel(turn)
        confirmed = (turn.kind is TurnKind.BUTTON and turn.text == CONFIRM) or (
            turn.kind is TurnKind.TEXT and folded_words(turn.text) in _CONFIRM_WORDS
        )
        if confirmed:
            return await self._add(turn, person, data)
        return [Reply(_("Press Confirm to add the units, Cancel to add nothing, or send the corrected file."))]  # fmt: skip

    async def _add(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        unit = await self.services.unit(int(data["unit"]))
        reading, placed = await self._placed(unit, data)
        if placed.shown(reading).doubts:
            return [await self._preview(unit, data)]
        added = await self.store.units.import_trees(trees(reading, placed), by=person.id)
        await self.store.conversations.clear(turn.channel, turn.external_id)
        done = _("Added {count} units under {unit}. Next: send your plan file (the template: /maukehoach), then invite the villages with /moi.").format(
            count=len(added), unit=unit_label(unit))  # fmt: skip
        return [Reply(done)]

    async def resume(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        return [await self._preview(await self.services.unit(int(data["unit"])), data)]

    async def cancel(self, turn: Turn) -> list[Reply]:
        await self.store.conversations.clear(turn.channel, turn.external_id)
        return [Reply(_("No unit was added."))]

    async def takes(self, turn: Turn, data: dict[str, Any]) -> bool:
        return turn.kind is TurnKind.TEXT and folded_words(turn.text) in _CONFIRM_WORDS


async def _template(turn: Turn, person: Person, state: ConversationState | None) -> list[Reply]:
    text = _("chitieu's plan template: fill in one row per indicator (the second sheet explains each column), write the year in the title, and send the file back here.")  # fmt: skip
    return [Reply(text, file=OutFile(TEMPLATE_FILE, template_workbook()))]


def register(router: Router, plan_files: PlanFileDialog) -> None:
    """Add the unit list's dialog and reader (before the plan file's reader, which takes
    every document) and /maukehoach."""
    dialog = UnitFileDialog(router.services, plan_files)
    router.add_dialog(DIALOG, dialog)
    router.add_reader(dialog.read, before=plan_files.read)
    router.add_command(Command(
        "maukehoach", lambda: _("The empty plan template (Excel) to fill in and send back"),
        _template, roles=OFFICIALS, words=("mau ke hoach", "tai mau ke hoach", "mau chi tieu"),
        menu_label=lambda: _("Plan template"),
    ))  # fmt: skip
