"""A commune's people: one invite code per village at once, who has joined, revoking a
code and removing a person. Used by the chat and by `chitieu invite --each-village`."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from handlers.members.sheet import VillageInvite, invite_sheet
from handlers.messages import OutFile
from handlers.services import Services
from handlers.wording.figures import node_label, unit_label
from indicators.people import Role
from indicators.plan import Tier
from indicators.text import folded_words
from indicators.units import Unit
from locales import _, format_day
from storage.members import Member

VILLAGE_INVITE_USES = 10  # a village team of several members joins from one code
VILLAGE_INVITE_DAYS = 30


@dataclass(frozen=True)
class InviteRound:
    root: Unit
    invites: tuple[VillageInvite, ...]
    uses: int
    expires: dt.datetime

    def note(self, services: Services) -> str:
        return _("Each code can be used {uses} times, until {day}.").format(
            uses=self.uses, day=format_day(self.expires.astimezone(services.tz).date())
        )

    def sheet(self, services: Services) -> OutFile:
        title = _("Invites to chitieu — {unit}").format(unit=unit_label(self.root))
        content = invite_sheet(title, self.note(services), self.invites)
        slug = "-".join(folded_words(unit_label(self.root)).split())
        return OutFile(f"ma-moi-{slug}.xlsx", content, title)


async def villages(services: Services, root: Unit) -> list[Unit]:
    """The units of the subtree that report as villages (thôn, tổ dân phố…), in order."""
    found = await services.store.units.subtree(root.id, active_only=True)
    return [u for u in found if u.tier is Tier.VILLAGE and u.id != root.id]


async def invite_villages(
    services: Services,
    root: Unit,
    *,
    by: int | None,
    uses: int = VILLAGE_INVITE_USES,
    days: int = VILLAGE_INVITE_DAYS,
) -> InviteRound | None:
    """A new member code for each village of `root`; None if it has no villages."""
    found = await villages(services, root)
    if not found:
        return None
    expires = services.clock.now() + dt.timedelta(days=days)
    invites = []
    async with services.store.transaction():
        for village in found:
            code = await services.store.invites.create(
                village.id, Role.MEMBER, uses=uses, expires_at=expires, created_by=by
            )
            link = (
                f"https://t.me/{services.bot_username}?start={code}"
                if services.bot_username
                else ""
            )
            invites.append(VillageInvite(unit_label(village), code, link))
    return InviteRound(root, tuple(invites), uses, expires)


def channel_names(member: Member) -> str:
    names = {"telegram": "Telegram", "zalo": "Zalo", "console": _("the terminal")}
    return ", ".join(names.get(c, c) for c in member.channels) or _("no chat linked")


async def roster_lines(services: Services, root: Unit) -> list[str]:
    """Who has joined, unit by unit; villages without anyone say so."""
    members = await services.store.members.in_subtree(root.id)
    by_unit: dict[int, list[Member]] = {}
    for member in members:
        if member.person.unit_id is not None:
            by_unit.setdefault(member.person.unit_id, []).append(member)
    units = [root, *await villages(services, root)]
    units += [u for u in await services.store.units.subtree(root.id, active_only=True)
              if u.id in by_unit and u not in units]  # fmt: skip
    lines = [_("Members of {unit}: {n} people.").format(unit=unit_label(root), n=len(members))]
    for unit in units:
        people = by_unit.get(unit.id, [])
        label = node_label(unit.name, unit.level)
        if not people:
            lines.append(f"• {label}: " + _("nobody has joined yet"))
            continue
        lines.append(f"• {label}:")
        for member in people:
            role = _("official") if member.person.is_official else _("member")
            joined = format_day(member.person.created_at.astimezone(services.tz).date())
            lines.append("   " + _("{name} ({role}) — {channels}, since {day}").format(
                name=member.person.name, role=role, channels=channel_names(member), day=joined))  # fmt: skip
    return lines
