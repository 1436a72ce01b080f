"""People on two messengers: a one-time code shown on one, typed on the other.

A registered person sends /ketnoi and gets a six-digit code; typed on their other
messenger ("/ketnoi 482913", or the six digits alone), it makes that account theirs
too. Afterwards both are the same person: the same role and unit, one conversation
whichever they write from, and reminders on the one they used last.

Why not /lienket: that command already links a group chat to an official's unit.
The digits alone are read only from someone not registered yet, who has no
conversation a number could answer, and they cannot be an invite code (eight symbols
without 0 or 1).
"""

from __future__ import annotations

from handlers.messages import Reply, Turn, TurnKind
from handlers.router import Command, Router
from handlers.services import Services
from indicators.people import Person
from locales import _
from storage.conversations import ConversationState
from storage.linking import LIFETIME, LinkError, looks_like_link_code

COMMAND = "ketnoi"


async def new_code(services: Services, turn: Turn, person: Person) -> list[Reply]:
    if turn.is_group:
        return [Reply(_("Send /ketnoi to the bot in a private chat, not in a group."))]
    made = await services.store.link_codes.create(person.id, turn.channel)
    return [Reply(_(
        "Your link code: {code} (valid for {minutes} minutes, once).\n"
        "On your other messenger (Telegram or Zalo), send it to this assistant: /ketnoi {code}\n"
        "Afterwards you can report and ask on either, and reminders go to the one you used last."
    ).format(code=made.code, minutes=int(LIFETIME.total_seconds() // 60)))]  # fmt: skip


async def use_code(services: Services, turn: Turn, code: str) -> list[Reply]:
    """Link the account the code is typed from to the person who asked for it."""
    if turn.is_group:
        return [Reply(_("Send /ketnoi to the bot in a private chat, not in a group."))]
    if not looks_like_link_code(code):
        return [Reply(_("A link code has 6 digits, e.g. /ketnoi 482913. Send /ketnoi on the messenger you are registered on to get one."))]  # fmt: skip
    before = await services.store.people.by_identity(turn.channel, turn.external_id)
    result = await services.store.link_codes.redeem(
        code, channel=turn.channel, external_id=turn.external_id, chat_id=turn.chat_id
    )
    if result is LinkError.TOO_MANY_TRIES:
        return [Reply(_("Too many wrong codes. Please wait an hour, then ask for a new code with /ketnoi."))]  # fmt: skip
    if result is LinkError.UNKNOWN:
        return [Reply(_("This link code is not valid or has expired. Send /ketnoi on the messenger you are registered on to get a new one."))]  # fmt: skip
    if result is LinkError.REGISTERED_ELSEWHERE:
        return [Reply(_("This account is already registered as someone else, so it cannot be linked. Please ask your commune official."))]  # fmt: skip
    if before is not None:
        return [Reply(_("This account is already yours. Type the code on your other messenger."))]
    await services.store.people.seen(turn.channel, turn.external_id)
    return [Reply(_(
        "Linked: {name}, this account and your other one are the same person now. "
        "You can report and ask here too; /trogiup shows what you can do."
    ).format(name=result.name))]  # fmt: skip


async def from_stranger(services: Services, turn: Turn) -> list[Reply] | None:
    """Someone not registered typing a link code; None for anything else."""
    if turn.kind is TurnKind.COMMAND and turn.command == COMMAND:
        if not turn.text.strip():
            return [Reply(_("First register on one messenger, then send /ketnoi there to get a code to type here."))]  # fmt: skip
        return await use_code(services, turn, turn.text)
    if turn.kind is TurnKind.TEXT and looks_like_link_code(turn.text):
        return await use_code(services, turn, turn.text)
    return None


def register(router: Router) -> None:
    """Add /ketnoi for registered people (strangers' codes come through the doorkeeper,
    `handlers.joining.invites`)."""
    services = router.services

    async def ketnoi(turn: Turn, person: Person, state: ConversationState | None) -> list[Reply]:
        code = turn.text.strip() if turn.kind is TurnKind.COMMAND else ""
        if code:
            return await use_code(services, turn, code)
        return await new_code(services, turn, person)

    router.add_command(Command(
        COMMAND, lambda: _("Use the bot on both Telegram and Zalo"), ketnoi,
        words=("ket noi", "lien ket tai khoan", "ket noi zalo", "ket noi telegram"),
    ))  # fmt: skip
