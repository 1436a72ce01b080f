"""Joining: a stranger becomes a member or an official by typing the invite code.

Guessing is slowed down twice: one chat identity gets PER_PERSON refused codes in WINDOW,
and all of them together OVERALL (the ceiling that holds against many accounts at once);
past either, codes are not even looked at until the window has moved on. With 31⁸ ≈ 8.5e11
codes, OVERALL a window allows 8,640 guesses a day: enumerating them would take about
270,000 years, and with 1,000 live codes a guess hits one with odds of about 1 in 850
million. The log says that a code was refused, never the code or who typed it.
"""

from __future__ import annotations

import datetime as dt
import logging

from handlers.joining import linking
from handlers.messages import Reply, Turn, TurnKind
from handlers.router import Router
from handlers.services import Services
from locales import _
from storage.invites import RedeemError, looks_like_invite_code

log = logging.getLogger(__name__)
WINDOW = dt.timedelta(minutes=10)
PER_PERSON = 5  # refused codes from one chat identity per WINDOW
OVERALL = 60  # refused codes from everyone per WINDOW


def role_label(role: str) -> str:
    return {
        "member": _("team member"),
        "official": _("official"),
        "admin": _("administrator"),
    }.get(role, role)


class InviteDoor:
    """The router's doorkeeper: invite codes, and what to do without one."""

    def __init__(self, router: Router, services: Services) -> None:
        self._router = router
        self._services = services
        self._store = services.store

    async def join(self, turn: Turn, code: str) -> list[Reply]:
        existing = await self._store.people.by_identity(turn.channel, turn.external_id)
        if existing is not None:
            return [Reply(_("You are already registered.")), await self._router.menu(existing)]
        since = self._services.clock.now() - WINDOW
        theirs, everyone = await self._store.invites.refusals_since(
            turn.channel, turn.external_id, since
        )
        if theirs >= PER_PERSON or everyone >= OVERALL:
            log.warning(
                "invites: a code from a %s user was not checked (%s limit: %d refused in %d min)",
                turn.channel, "their" if theirs >= PER_PERSON else "overall",
                theirs if theirs >= PER_PERSON else everyone, WINDOW.seconds // 60,
            )  # fmt: skip
            return [Reply(_("Too many invite codes were not accepted. Please wait about {minutes} minutes and try again, or check the code with your commune official.").format(
                minutes=WINDOW.seconds // 60))]  # fmt: skip
        result = await self._store.invites.redeem(
            code,
            channel=turn.channel,
            external_id=turn.external_id,
            chat_id=turn.chat_id,
            name=turn.name or _("Member"),
        )
        if isinstance(result, RedeemError):
            if result is not RedeemError.ALREADY_JOINED:
                await self._store.invites.record_refusal(
                    turn.channel, turn.external_id, result.value
                )
                log.info("invites: refused a code (%s) from a %s user; %d of theirs in %d min",
                         result.value, turn.channel, theirs + 1, WINDOW.seconds // 60)  # fmt: skip
            message = {
                RedeemError.ALREADY_JOINED: _("You are already registered."),
                RedeemError.UNKNOWN: _("This invite code is not valid. Please check it with your commune official."),
                RedeemError.EXPIRED: _("This invite code has expired. Please ask your commune official for a new one."),
                RedeemError.USED_UP: _("This invite code has already been used. Please ask your commune official for a new one."),
            }[result]  # fmt: skip
            return [Reply(message)]
        unit = await self._services.unit(result.unit_id)
        welcome = _("Welcome! You are registered as {role} of {unit}.").format(
            role=role_label(result.role), unit=unit.name)  # fmt: skip
        return [Reply(welcome), await self._router.menu(result)]

    async def stranger(self, turn: Turn) -> list[Reply]:
        # The code alone is enough: Zalo users rarely type commands. Invite codes (eight
        # symbols, no 0 or 1) and link codes (six digits) cannot be mistaken for each other.
        if turn.kind is TurnKind.TEXT and looks_like_invite_code(turn.text):
            return await self.join(turn, turn.text.strip())
        linked = await linking.from_stranger(self._services, turn)
        if linked is not None:
            return linked
        return [Reply(_(
            "You are not registered yet. Open the invite link your commune official sent you, "
            "or type /start followed by your invite code, e.g. /start ABCD2345."
        ))]  # fmt: skip


def register(router: Router) -> None:
    router.doorkeeper = InviteDoor(router, router.services)
