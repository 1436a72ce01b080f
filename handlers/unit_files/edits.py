"""An official changes the units of their own subtree by typing: "thêm thôn Nà Pài"
(under their unit, or "… vào xã Y" under one below it), "đổi tên thôn 3 thành thôn Nà
Pài", "gộp thôn 5 vào thôn 4". The bot says what it will do and does it only when the
official confirms.

A rename keeps the old name as a former name (storage.units.rename): questions naming
the old unit still find it, and answers about periods before the rename name it as it
was (handlers.unit_figures). A merge keeps the old unit's row and values: the unit it
went into answers for them from then on, and earlier periods still show the old unit.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from handlers.messages import Button, Reply, Turn, TurnKind
from handlers.router import Router
from handlers.services import Services
from handlers.unit_lookup import Found, Refused, find_unit, home_unit, split_level
from handlers.wording.figures import node_label, unit_label
from indicators.people import Person
from indicators.plan import level_tier
from indicators.plan_import.units import split_level as split_level_word
from indicators.questions import LEVEL_SPELLING
from indicators.text import fold, folded_words, normalize
from indicators.units import Unit, tier_above
from locales import _
from storage.backends import StorageError

DIALOG = "unit-edit"
CONFIRM = "ue:ok"
CANCEL = "ue:cancel"
MAX_NAME = 80

_CONFIRM_WORDS = {"xac nhan", "dong y", "co", "ok"}
_Change = Callable[[Turn, Person, str], Awaitable[list[Reply]]]
_ADD = ("them don vi", "them")
_RENAME = ("doi ten", "sua ten")
_MERGE = ("gop", "sap nhap")


def _rest(text: str, leads: tuple[str, ...]) -> str | None:
    """What follows one of `leads` at the start of `text`, in the words as typed."""
    folded = folded_words(text)
    for lead in leads:
        if folded.startswith(lead + " "):
            return " ".join(text.split()[len(lead.split()) :]).strip(" .!?")
    return None


def _split(text: str, word: str, folded_word: str) -> tuple[str, str] | None:
    """`text` cut at `word` ("thành"), or where it folds to `folded_word` when typed
    without accents; the word with accents first, since "Thanh" is also in names."""
    for pattern in (rf"\s+{word}\s+", rf"\s+{folded_word}\s+"):
        parts = re.split(pattern, text, maxsplit=1, flags=re.IGNORECASE)
        if len(parts) == 2 and parts[0].strip() and parts[1].strip():
            return parts[0].strip(), parts[1].strip()
    return None


class UnitEdits:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store

    # --- reading what was typed ------------------------------------------------------------

    async def read(self, turn: Turn, person: Person) -> list[Reply] | None:
        if turn.kind is not TurnKind.TEXT:
            return None
        text = normalize(turn.text)
        add = _rest(text, _ADD)
        if add is not None and split_level(add)[0] in LEVEL_SPELLING:
            return await self._guarded(turn, person, self._add, add)
        rename = _rest(text, _RENAME)
        if rename is not None:
            return await self._guarded(turn, person, self._rename, rename)
        merge = _rest(text, _MERGE)
        if merge is not None and _split(merge, "vào", "vao") is not None:
            return await self._guarded(turn, person, self._merge, merge)
        return None

    async def _guarded(self, turn: Turn, person: Person, run: _Change, rest: str) -> list[Reply]:
        if not person.is_official:
            return [Reply(_("Only commune officials can add, rename or merge units."))]
        return await run(turn, person, rest)

    async def _mine(self, person: Person, phrase: str) -> Unit | Reply:
        """The unit `phrase` names below the official's own unit, or the answer why not."""
        home = await home_unit(self.services, person)
        level, name = split_level(phrase)
        found = await find_unit(self.services, person, name, level)
        if isinstance(found, Refused):
            return Reply(_("{unit} is outside {home}; you can only change units of {home}.").format(
                unit=unit_label(found.unit), home=unit_label(home)))  # fmt: skip
        if not isinstance(found, Found):
            return Reply(_("I found no unit “{name}” in {home}; check the name (/thanhvien lists the villages).").format(
                name=phrase, home=unit_label(home)))  # fmt: skip
        if found.unit.id == home.id:
            return Reply(_("{unit} is your own unit; ask the level above to change it.").format(
                unit=unit_label(home)))  # fmt: skip
        return found.unit

    async def _add(self, turn: Turn, person: Person, rest: str) -> list[Reply]:
        parent = await home_unit(self.services, person)
        where = _split(rest, "vào", "vao") or _split(rest, "thuộc", "thuoc")
        if where is not None:
            rest = where[0]
            chosen = await self._mine(person, where[1])
            if isinstance(chosen, Reply):
                return [chosen]
            parent = chosen
        folded_level, typed = split_level(rest)
        level = LEVEL_SPELLING[folded_level or ""]
        name = split_level_word(f"{level} {typed}", [level])[1]
        if not typed.strip() or len(name) > MAX_NAME:
            return [Reply(_("Say the new unit's level and name, e.g. “thêm thôn Nà Pài”."))]
        child_tier, parent_tier = level_tier(level), parent.tier
        if (
            child_tier is not None
            and parent_tier is not None
            and not tier_above(parent_tier, child_tier)
        ):
            return [Reply(_("{parent} cannot hold a {level}: add units of a lower level (a commune holds villages, a province communes).").format(
                parent=unit_label(parent), level=level))]  # fmt: skip
        same = await self.store.units.children_named(parent.id, name)
        if same:
            return [Reply(_("{parent} already has a unit called {name}; nothing to add.").format(
                parent=unit_label(parent), name=same[0].name))]  # fmt: skip
        data = {"action": "add", "parent": parent.id, "level": level, "name": name}
        ask = _("Add {unit} under {parent}?").format(
            unit=node_label(name, level), parent=unit_label(parent)
        )
        return await self._ask(turn, data, ask)

    async def _rename(self, turn: Turn, person: Person, rest: str) -> list[Reply]:
        parts = _split(rest, "thành", "thanh")
        if parts is None:
            return [Reply(_("Say the unit and its new name, e.g. “đổi tên thôn 3 thành thôn Nà Pài”."))]  # fmt: skip
        chosen = await self._mine(person, parts[0])
        if isinstance(chosen, Reply):
            return [chosen]
        new = split_level_word(parts[1], [chosen.level])[1]
        if not new or len(new) > MAX_NAME:
            return [Reply(_("Say the unit and its new name, e.g. “đổi tên thôn 3 thành thôn Nà Pài”."))]  # fmt: skip
        if fold(new) == fold(chosen.name):
            return [Reply(_("{unit} is already called so.").format(unit=unit_label(chosen)))]
        siblings = await self.store.units.children_named(chosen.parent_id, new)
        if any(s.id != chosen.id for s in siblings):
            return [Reply(_("There is already a unit called {name} there; choose another name.").format(
                name=new))]  # fmt: skip
        data = {"action": "rename", "unit": chosen.id, "name": new}
        ask = _("Rename {unit} to {new}? The old name stays known: questions with it still find the unit, and earlier periods keep it.").format(
            unit=unit_label(chosen), new=node_label(new, chosen.level))  # fmt: skip
        return await self._ask(turn, data, ask)

    async def _merge(self, turn: Turn, person: Person, rest: str) -> list[Reply]:
        parts = _split(rest, "vào", "vao")
        assert parts is not None  # read() only calls with "vào"
        chosen: list[Unit] = []
        for phrase in parts:
            found = await self._mine(person, phrase)
            if isinstance(found, Reply):
                return [found]
            chosen.append(found)
        source, into = chosen
        if source.id == into.id:
            return [Reply(_("Name two different units, e.g. “gộp thôn 5 vào thôn 4”."))]
        if source.merged or into.merged:
            merged = source if source.merged else into
            return [Reply(_("{unit} was already merged into another unit.").format(
                unit=unit_label(merged)))]  # fmt: skip
        if fold(source.level) != fold(into.level):
            return [Reply(_("{source} and {into} are not of the same level; only units of one level can be merged.").format(
                source=unit_label(source), into=unit_label(into)))]  # fmt: skip
        data = {"action": "merge", "unit": source.id, "into": into.id}
        ask = _("Merge {source} into {into}? {into} then answers for {source}'s figures and plans; answers about earlier periods still name {source}.").format(
            source=unit_label(source), into=unit_label(into))  # fmt: skip
        return await self._ask(turn, data, ask)

    async def _ask(self, turn: Turn, data: dict[str, Any], ask: str) -> list[Reply]:
        await self.store.conversations.put(turn.channel, turn.external_id, DIALOG, "confirm", data)
        buttons = ((Button(_("Confirm"), CONFIRM), Button(_("Cancel"), CANCEL)),)
        return [Reply(ask, buttons)]

    # --- the confirmation ------------------------------------------------------------------

    async def handle(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        if turn.kind is TurnKind.BUTTON and turn.text == CANCEL:
            return await self.cancel(turn)
        confirmed = (turn.kind is TurnKind.BUTTON and turn.text == CONFIRM) or (
            turn.kind is TurnKind.TEXT and folded_words(turn.text) in _CONFIRM_WORDS
        )
        if not confirmed:
            await self.store.conversations.clear(turn.channel, turn.external_id)
            replies = await self.read(turn, person)
            if replies is not None:  # another change typed instead: that one is asked now
                return replies
            return [Reply(_("Nothing was changed."))]
        await self.store.conversations.clear(turn.channel, turn.external_id)
        try:
            return [await self._apply(person, data)]
        except (StorageError, ValueError, LookupError):
            return [Reply(_("The units changed meanwhile; nothing was changed. Please type the change again."))]  # fmt: skip

    async def _apply(self, person: Person, data: dict[str, Any]) -> Reply:
        units = self.store.units
        if data["action"] == "add":
            parent = await self.services.unit(int(data["parent"]))
            if await units.children_named(parent.id, str(data["name"])):
                raise StorageError("added meanwhile")
            added = await units.add(str(data["name"]), str(data["level"]), parent.id, by=person.id)
            return Reply(_("Added {unit} under {parent}. Invite its team with /moi.").format(
                unit=unit_label(added), parent=unit_label(parent)))  # fmt: skip
        if data["action"] == "rename":
            before = await self.services.unit(int(data["unit"]))
            after = await units.rename(before.id, str(data["name"]), by=person.id)
            return Reply(_("Renamed: {old} is now {new}.").format(
                old=unit_label(before), new=unit_label(after)))  # fmt: skip
        source = await self.services.unit(int(data["unit"]))
        into = await self.services.unit(int(data["into"]))
        await units.merge(source.id, into.id, by=person.id)
        # The old unit's team reports for the unit it went into from now on; what they
        # reported before keeps the old unit.
        team = [p for p in await self.store.people.in_subtree(source.id) if p.unit_id == source.id]
        for member in team:
            await self.store.people.update(member.id, unit_id=into.id, by=person.id)
        done = _("Merged: {source} is now part of {into}.").format(
            source=unit_label(source), into=unit_label(into)
        )
        if team:
            done += " " + _("{n} people of {source} are now in the team of {into}.").format(
                n=len(team), source=unit_label(source), into=unit_label(into)
            )
        return Reply(done)

    async def resume(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        await self.store.conversations.clear(turn.channel, turn.external_id)
        return [Reply(_("The change of units you had begun was not made; type it again if you still want it."))]  # fmt: skip

    async def cancel(self, turn: Turn) -> list[Reply]:
        await self.store.conversations.clear(turn.channel, turn.external_id)
        return [Reply(_("Nothing was changed."))]

    async def takes(self, turn: Turn, data: dict[str, Any]) -> bool:
        return turn.kind is TurnKind.TEXT and folded_words(turn.text) in _CONFIRM_WORDS


def register(router: Router) -> None:
    """Add the unit edits' reader and confirmation; registered ahead of the questions'
    reader, which would read "thêm thôn …" as a question about a village."""
    edits = UnitEdits(router.services)
    router.add_dialog(DIALOG, edits)
    router.add_reader(edits.read)
