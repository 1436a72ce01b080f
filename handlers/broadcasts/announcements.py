"""Announcements (/thongbao): an official writes one, sees it as recipients will, picks
who gets it and confirms; the messages go through the outbox, and the sender can follow
the progress and gets the final count when the last message is settled."""

from __future__ import annotations

import uuid
from enum import StrEnum
from typing import Any

from handlers.messages import Button, Reply, Turn, TurnKind
from handlers.queued_replies import BLOCKED, MAX_QUEUED_TEXT, NOT_ALLOWED, to_payload
from handlers.router import OFFICIALS, Command, Router
from handlers.services import Services
from indicators.people import OFFICIAL_ROLES, Person, Role
from locales import _
from storage.broadcasts import Broadcast
from storage.contacts import Contact
from storage.conversations import ConversationState
from storage.outbox import NewMessage, OutboxState

DIALOG = "broadcast"
AUDIENCE_PREFIX = "b:a:"
PROGRESS_PREFIX = "b:p:"
SEND, EDIT, CANCEL = "b:send", "b:edit", "b:cancel"
TEXT_LIMIT = MAX_QUEUED_TEXT - 500  # room for the header naming the sender


class Audience(StrEnum):
    MEMBERS = "members"
    OFFICIALS = "officials"
    BOTH = "both"


_ROLES: dict[Audience, frozenset[Role] | None] = {
    Audience.MEMBERS: frozenset({Role.MEMBER}),
    Audience.OFFICIALS: OFFICIAL_ROLES,
    Audience.BOTH: None,
}


def audience_label(audience: Audience) -> str:
    return {
        Audience.MEMBERS: _("team members"),
        Audience.OFFICIALS: _("officials"),
        Audience.BOTH: _("members and officials"),
    }[audience]


class BroadcastDialog:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store

    # --- entry -------------------------------------------------------------------------

    async def start(self, turn: Turn, person: Person) -> list[Reply]:
        """Ask for the text, or take it from the command itself ("/thongbao Họp lúc 8h")."""
        if turn.text.strip():
            return await self._take_text(turn, person, {}, turn.text)
        await self._save(turn, {"step": "text"})
        return [self._ask_text()]

    async def resume(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        step = data.get("step")
        if step == "audience":
            return [await self._preview(person, str(data["text"]))]
        if step == "confirm":
            return [await self._confirmation(person, data)]
        return [self._ask_text()]

    async def takes(self, turn: Turn, data: dict[str, Any]) -> bool:
        return False  # no step shows buttons to type: "hủy" stays the router's cancel

    async def cancel(self, turn: Turn) -> list[Reply]:
        await self.store.conversations.clear(turn.channel, turn.external_id)
        return [Reply(_("Announcement cancelled; nothing was sent."))]

    # --- turns -------------------------------------------------------------------------

    async def handle(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        if turn.kind is TurnKind.BUTTON and turn.text == CANCEL:
            return await self.cancel(turn)
        step = data.get("step")
        if turn.kind is TurnKind.TEXT and step in ("text", "audience"):
            return await self._take_text(turn, person, data, turn.text)
        if step == "audience" and turn.text.startswith(AUDIENCE_PREFIX):
            try:
                audience = Audience(turn.text.removeprefix(AUDIENCE_PREFIX))
            except ValueError:
                return [await self._preview(person, str(data["text"]))]
            data = {**data, "step": "confirm", "audience": audience.value}
            await self._save(turn, data)
            return [await self._confirmation(person, data)]
        if step == "confirm" and turn.kind is TurnKind.BUTTON and turn.text == SEND:
            return await self._send(turn, person, data)
        if step == "confirm" and turn.kind is TurnKind.BUTTON and turn.text == EDIT:
            await self._save(turn, {"step": "text"})
            return [self._ask_text()]
        if turn.kind is TurnKind.OTHER:
            return [
                Reply(_("Announcements can only be text.")),
                *await self.resume(turn, person, data),
            ]
        return [Reply(_("Please use the buttons below, or type /huy to stop.")),
                *await self.resume(turn, person, data)]  # fmt: skip

    # --- steps -------------------------------------------------------------------------

    def _ask_text(self) -> Reply:
        return Reply(
            _("Type the announcement to send. You will see a preview before anything is sent."),
            ((Button(_("Cancel"), CANCEL),),),
        )

    async def _take_text(
        self, turn: Turn, person: Person, data: dict[str, Any], text: str
    ) -> list[Reply]:
        text = text.strip()
        if not text:
            return [self._ask_text()]
        if len(text) > TEXT_LIMIT:
            return [Reply(_("The announcement is too long ({length} characters; at most {limit}). Please shorten it and send it again.").format(
                length=len(text), limit=TEXT_LIMIT))]  # fmt: skip
        await self._save(turn, {"step": "audience", "text": text})
        return [await self._preview(person, text)]

    async def _preview(self, person: Person, text: str) -> Reply:
        counts = {a: len(await self._contacts(person, a)) for a in Audience}
        lines = [_("Preview of the announcement:"), "", await self._message_text(person, text), ""]
        lines.append(_("Who should receive it?"))
        buttons = (
            (Button(_("Members ({n})").format(n=counts[Audience.MEMBERS]), AUDIENCE_PREFIX + Audience.MEMBERS),
             Button(_("Officials ({n})").format(n=counts[Audience.OFFICIALS]), AUDIENCE_PREFIX + Audience.OFFICIALS)),
            (Button(_("Both ({n})").format(n=counts[Audience.BOTH]), AUDIENCE_PREFIX + Audience.BOTH),
             Button(_("Cancel"), CANCEL)),
        )  # fmt: skip
        return Reply("\n".join(lines), buttons)

    async def _confirmation(self, person: Person, data: dict[str, Any]) -> Reply:
        audience = Audience(str(data["audience"]))
        count = len(await self._contacts(person, audience))
        area = await self._area(person)
        if count == 0:
            return Reply(
                _("No {audience} in {area} can receive messages yet.").format(
                    audience=audience_label(audience), area=area),
                ((Button(_("Edit"), EDIT), Button(_("Cancel"), CANCEL)),),
            )  # fmt: skip
        return Reply(
            _("Send this announcement to {count} {audience} in {area}?").format(
                count=count, audience=audience_label(audience), area=area),
            ((Button(_("Send"), SEND), Button(_("Edit"), EDIT), Button(_("Cancel"), CANCEL)),),
        )  # fmt: skip

    async def _send(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        audience = Audience(str(data["audience"]))
        contacts = await self._contacts(person, audience)
        if not contacts:
            return [await self._confirmation(person, data)]
        batch_id = f"bc-{uuid.uuid4().hex[:16]}"
        reply = Reply(await self._message_text(person, str(data["text"])))
        messages = [
            NewMessage(
                c.channel,
                c.chat_id,
                to_payload(reply, person_id=c.person_id, external_id=c.external_id),
                f"{batch_id}:{c.channel}:{c.chat_id}",
            )
            for c in contacts
        ]
        await self.store.broadcasts.create(
            batch_id,
            person_id=person.id,
            unit_id=person.unit_id,
            audience=audience.value,
            text=str(data["text"]),
            reply_channel=turn.channel,
            reply_to=turn.chat_id,
            messages=messages,
        )
        await self.store.conversations.clear(turn.channel, turn.external_id)
        broadcast = await self.store.broadcasts.get(batch_id)
        assert broadcast is not None
        text = _("Announcement queued for {count} people. You will get the final count when it has gone out.").format(
            count=len(messages))  # fmt: skip
        return [Reply(text), await progress_reply(self.services, broadcast)]

    # --- helpers -----------------------------------------------------------------------

    async def _contacts(self, person: Person, audience: Audience) -> list[Contact]:
        """Who the announcement reaches: an admin's everyone, an official's subtree; never
        the sender."""
        roles = _ROLES[audience]
        if person.role is Role.ADMIN or person.unit_id is None:
            found = await self.store.contacts.everyone(roles=roles)
        else:
            found = await self.store.contacts.in_subtree(person.unit_id, roles=roles)
        return [c for c in found if c.person_id != person.id]

    async def _area(self, person: Person) -> str:
        if person.role is Role.ADMIN or person.unit_id is None:
            return _("all units")
        unit = await self.store.units.get(person.unit_id)
        return unit.name if unit else ""

    async def _message_text(self, person: Person, text: str) -> str:
        unit = await self.store.units.get(person.unit_id) if person.unit_id else None
        if unit is None:
            header = _("Announcement from {name}:").format(name=person.name)
        else:
            header = _("Announcement from {name} ({unit}):").format(
                name=person.name, unit=unit.name
            )
        return f"{header}\n\n{text}"

    async def _save(self, turn: Turn, data: dict[str, Any]) -> None:
        await self.store.conversations.put(
            turn.channel, turn.external_id, DIALOG, str(data.get("step", "text")), data
        )


async def progress_reply(services: Services, broadcast: Broadcast) -> Reply:
    counts = await services.store.broadcasts.progress(broadcast.batch_id)
    text = _("Progress: {sent} sent, {waiting} waiting, {failed} failed and being retried, {dead} not delivered (of {total}).").format(
        sent=counts[OutboxState.SENT],
        waiting=counts[OutboxState.PENDING] + counts[OutboxState.SENDING],
        failed=counts[OutboxState.FAILED],
        dead=counts[OutboxState.DEAD],
        total=broadcast.recipients,
    )  # fmt: skip
    if broadcast.finished_at is not None:
        return Reply(text)
    return Reply(text, ((Button(_("Refresh progress"), PROGRESS_PREFIX + broadcast.batch_id),),))


async def final_report(services: Services, broadcast: Broadcast) -> Reply:
    counts = await services.store.broadcasts.progress(broadcast.batch_id)
    lines = [_("Your announcement has gone out: {sent} of {total} people received it.").format(
        sent=counts[OutboxState.SENT], total=broadcast.recipients)]  # fmt: skip
    blocked: list[str] = []
    silent: list[str] = []
    failed: list[str] = []
    for item in await services.store.broadcasts.undelivered(broadcast.batch_id):
        person = await services.store.people.get(item.person_id) if item.person_id else None
        name = person.name if person else item.recipient
        error = item.error or ""
        (blocked if error == BLOCKED else silent if error.startswith(NOT_ALLOWED) else failed
         ).append(name)  # fmt: skip
    if blocked:
        lines.append(_("Blocked the bot: {people}.").format(people=", ".join(blocked)))
    if silent:
        lines.append(not_reached_text(silent))
    if failed:
        lines.append(_("Could not be delivered: {people}.").format(people=", ".join(failed)))
    return Reply("\n".join(lines)[:MAX_QUEUED_TEXT])


def not_reached_text(people: list[str]) -> str:
    """Only the Zalo Official Account refuses messages by a window today (-230/-232)."""
    return _("Did not get it on Zalo (no message from them for over 7 days): {people}.").format(
        people=", ".join(people))  # fmt: skip


async def finish_completed(services: Services) -> int:
    """Close the broadcasts none of whose messages is waiting any more, queueing each
    sender's final count once; how many were closed."""
    closed = 0
    for broadcast in await services.store.broadcasts.ready_to_finish():
        report = await final_report(services, broadcast)
        message = NewMessage(
            broadcast.reply_channel,
            broadcast.reply_to,
            to_payload(report, person_id=broadcast.person_id),
            f"{broadcast.batch_id}:done",
        )
        if await services.store.broadcasts.finish(broadcast.batch_id, message):
            closed += 1
    return closed


def register(router: Router) -> None:
    """Add /thongbao, its dialog and the progress button to the router."""

    services = router.services
    dialog = BroadcastDialog(services)

    async def thongbao(turn: Turn, person: Person, state: ConversationState | None) -> list[Reply]:
        if state is not None and state.dialog == DIALOG and not turn.text.strip():
            return await dialog.resume(turn, person, state.data)
        return await dialog.start(turn, person)

    async def progress(turn: Turn, person: Person) -> list[Reply]:
        broadcast = await services.store.broadcasts.get(turn.text.removeprefix(PROGRESS_PREFIX))
        if broadcast is None or (
            broadcast.person_id != person.id and person.role is not Role.ADMIN
        ):
            return [Reply(_("This button is no longer active."))]
        return [await progress_reply(services, broadcast)]

    router.add_dialog(DIALOG, dialog)
    router.add_command(Command(
        "thongbao", lambda: _("Send an announcement to your area"), thongbao, roles=OFFICIALS,
        words=("gui thong bao",),
    ))  # fmt: skip
    router.add_button(PROGRESS_PREFIX, progress)
