"""Finding the unit a question names, and whether the asker may see it.

An official sees the subtree of their unit, a member their own unit only. Names are
matched accent- and case-insensitively ("thôn 2" = "Thôn 2"), then fuzzily; a number in
the name must match exactly, since "Thôn 12" is not a typo of "Thôn 1".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from handlers.messages import Reply
from handlers.services import Services
from indicators.people import Person, Role
from indicators.questions import LEVEL_WORDS
from indicators.text import best_matches, fold, folded_words
from indicators.units import Unit
from locales import _

FUZZY_CUTOFF = 85.0


@dataclass(frozen=True, slots=True)
class Found:
    unit: Unit


@dataclass(frozen=True, slots=True)
class Refused:
    """The unit exists but lies outside what the asker may see."""

    unit: Unit


@dataclass(frozen=True, slots=True)
class NotFound:
    phrase: str

    def reply(self) -> Reply:
        return Reply(_("I found no unit called “{name}” among yours.").format(name=self.phrase))


Lookup = Found | Refused | NotFound


async def home_unit(services: Services, person: Person) -> Unit:
    """The asker's own unit; an administrator without one answers for the first root."""
    if person.unit_id is not None:
        unit = await services.store.units.get(person.unit_id)
        if unit is not None:
            return unit
    roots = await services.store.units.roots()
    if not roots:
        raise LookupError("there are no units")
    return roots[0]


async def may_see(services: Services, person: Person, unit_id: int) -> bool:
    if person.unit_id is None and person.role is Role.ADMIN:
        return True
    if unit_id == person.unit_id:
        return True
    if person.role is Role.MEMBER:
        return False
    return any(a.id == person.unit_id for a in await services.store.units.ancestors(unit_id))


async def scope_names(services: Services, person: Person) -> list[tuple[int, str]]:
    """(unit id, name) the asker may name: current names, former names and aliases."""
    home = await home_unit(services, person)
    if person.role is Role.MEMBER:
        return [(unit_id, name) for unit_id, name in await services.store.units.name_index(home.id)
                if unit_id == home.id]  # fmt: skip
    if person.unit_id is None:
        return await services.store.units.name_index()
    return await services.store.units.name_index(home.id)


async def find_unit(
    services: Services, person: Person, phrase: str, level: str | None = None
) -> Lookup:
    names = await scope_names(services, person)
    chosen = await _match(services, names, phrase, level)
    if chosen is not None:
        return Found(chosen)
    everywhere = await services.store.units.name_index()
    elsewhere = await _match(services, everywhere, phrase, level, fuzzy=False)
    if elsewhere is not None and not await may_see(services, person, elsewhere.id):
        return Refused(elsewhere)
    return NotFound(phrase)


async def named_anywhere(services: Services, person: Person, folded: str) -> Lookup | None:
    """A unit named in a question whose reader found none among the asker's names.

    The reader only knows the names in scope, so "/chuadat huyện Chợ Đồn" from a member,
    or "Đồng Lạc" from another commune's official, reads as no unit at all, which must
    not quietly become the asker's own. Any unit's name in the words (two words at
    least, or one after its level word, so that ordinary words are not taken for names)
    is found here: in scope, it is the unit asked about; outside, a refusal.
    """
    words = f" {folded} "
    # Names first, units after: a country repeats a few thousand names over its 83,000
    # units, and only the few names in the words need their units looked up.
    phrases: dict[str, int] = {}  # name → length of its phrase
    for name in await services.store.units.distinct_names():
        phrase = _phrase(name)
        if not phrase or f" {phrase} " not in words:
            continue
        if " " in phrase or any(f" {level} {phrase} " in words for level in LEVEL_WORDS):
            phrases[name] = len(phrase)
    named = [
        (phrases[name], unit_id)  # (length of the phrase, unit id)
        for unit_id, name in await services.store.units.named(phrases)
    ]
    if not named:
        return None
    longest = max(length for length, _ in named)
    ids = list(dict.fromkeys(uid for length, uid in named if length == longest))
    for unit_id in ids:
        if await may_see(services, person, unit_id):
            unit = await services.store.units.get(unit_id)
            if unit is not None:
                return Found(unit)
    units = [u for uid in ids if (u := await services.store.units.get(uid))]
    chosen = await _preferred(services, units)
    return Refused(chosen) if chosen is not None else None


@lru_cache(maxsize=1 << 14)
def _phrase(name: str) -> str:
    return folded_words(name)


async def _match(
    services: Services,
    names: list[tuple[int, str]],
    phrase: str,
    level: str | None,
    *,
    fuzzy: bool = True,
) -> Unit | None:
    wanted = folded_words(phrase)
    exact = [unit_id for unit_id, name in names if folded_words(name) == wanted]
    if not exact and level:
        # "xã Đồng Lạc" typed where the unit is named with its level word.
        exact = [uid for uid, name in names if folded_words(name) == f"{level} {wanted}"]
    if not exact and fuzzy:
        numbers = _numbers(wanted)
        choices = [name for _, name in names]
        for match in best_matches(wanted, choices, limit=5, cutoff=FUZZY_CUTOFF):
            if _numbers(folded_words(match.choice)) == numbers:
                exact = [names[match.index][0]]
                break
    units = [u for uid in dict.fromkeys(exact) if (u := await services.store.units.get(uid))]
    if level:
        units = [u for u in units if fold(u.level) == level] or units
    return await _preferred(services, units)


async def _preferred(services: Services, units: list[Unit]) -> Unit | None:
    """Among units of one name, the one plans are assigned to (huyện Vĩnh Lộc rather than
    thị trấn Vĩnh Lộc), then the one highest in the tree."""
    if len(units) <= 1:
        return units[0] if units else None
    assigned: set[int] = set()
    for version in await services.store.plans.catalogue():
        assigned.update(await services.store.plans.units_of(version.plan_id))
    with_plans = [u for u in units if u.id in assigned]
    candidates = with_plans or units
    depths = [len(await services.store.units.ancestors(u.id)) for u in candidates]
    return candidates[depths.index(min(depths))]


def _numbers(folded: str) -> list[str]:
    return [word for word in folded.split() if word.isdigit()]


def split_level(text: str) -> tuple[str | None, str]:
    """("huyen", "Vĩnh Lộc") from "huyện Vĩnh Lộc"; (None, text) without a level word."""
    folded = folded_words(text)
    for level in LEVEL_WORDS:
        if folded.startswith(f"{level} "):
            words = text.split()
            return level, " ".join(words[len(level.split()) :])
    return None, text


async def find_named_unit(services: Services, text: str) -> list[Unit]:
    """Units an operator names ("Vĩnh Lộc", "huyện Vĩnh Lộc", or an id): the preferred
    one first when a name is shared, or all of them when none is preferred."""
    if text.strip().isdigit():
        unit = await services.store.units.get(int(text))
        return [unit] if unit else []
    level, name = split_level(text)
    everywhere = await services.store.units.name_index()
    chosen = await _match(services, everywhere, name, level, fuzzy=False)
    return [chosen] if chosen is not None else []
