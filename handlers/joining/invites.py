"""Joining: a stranger becomes a member or an official by typing the invite code, or
adds this account to themselves by typing a link code (`linking`)."""

from __future__ import annotations

from handlers.joining import linking
from handlers.messages import Reply, Turn, TurnKind
from handlers.router import Router
from handlers.services import Services
from locales import _
from storage.invites import RedeemError, looks_like_invite_code


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
        result = await self._store.invites.redeem(
            code,
            channel=turn.channel,
            external_id=turn.external_id,
            chat_id=turn.chat_id,
            name=turn.name or _("Member"),
        )
        if isinstance(result, RedeemError):
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
