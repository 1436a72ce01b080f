"""The entry point for every turn: joining, commands, menu words, dialogs, questions.

Features plug in through `Command`s, `Dialog`s, button prefixes and free-text readers,
so the router itself knows none of them beyond reporting, help and cancelling.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from handlers import broadcasts, questions, reminders
from handlers.context import Services
from handlers.reporting import DIALOG as REPORT_DIALOG
from handlers.reporting import ReportingDialog
from handlers.scope import require_unit
from handlers.turns import Button, Reply, Turn, TurnKind
from indicators.questions import COMMAND_PHRASES, Intent
from indicators.text import folded_words
from locales import _
from storage.backends import StorageUnavailable
from storage.conversations import ConversationState
from storage.invites import RedeemError
from storage.people import Person, Role

log = logging.getLogger(__name__)

COMMAND_BUTTON = "c:"  # a button that runs a command: "c:baocao"
EVERYONE = frozenset(Role)
OFFICIALS = frozenset({Role.OFFICIAL, Role.ADMIN})

CommandRun = Callable[[Turn, Person, ConversationState | None], Awaitable[list[Reply]]]
ButtonRun = Callable[[Turn, Person], Awaitable[list[Reply]]]
Reader = Callable[[Turn, Person], Awaitable[list[Reply] | None]]
# Called with a turn's replies inside the turn's transaction (see Router.handle).
Record = Callable[[list[Reply]], Awaitable[None]]


class Dialog(Protocol):
    """A multi-turn conversation whose state lives in conversation_state."""

    async def handle(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]: ...

    async def resume(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]: ...

    async def cancel(self, turn: Turn) -> list[Reply]: ...


@dataclass(frozen=True)
class Command:
    name: str  # without the slash
    description: Callable[[], str]  # translated when asked, in the active locale
    run: CommandRun
    roles: frozenset[Role] = EVERYONE
    words: tuple[str, ...] = ()  # whole messages that mean this command, folded
    menu_label: Callable[[], str] | None = None  # shown as a button in the /start menu


class Router:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store
        self.commands: dict[str, Command] = {}
        self.dialogs: dict[str, Dialog] = {}
        self.buttons: dict[str, ButtonRun] = {}
        self.readers: list[Reader] = []
        self._words: dict[str, str] = {}
        self.reporting = ReportingDialog(services)
        self.add_dialog(REPORT_DIALOG, self.reporting)
        self.add_command(Command("start", lambda: _("Start: see what you can do"),
                                 self._start, words=("menu", "bat dau")))  # fmt: skip
        self.add_command(Command(
            "baocao", lambda: _("Report indicator figures"), self._report,
            words=COMMAND_PHRASES[Intent.REPORT],
            menu_label=lambda: _("Report figures"),
        ))  # fmt: skip
        self.add_command(Command("huy", lambda: _("Cancel what you are doing"), self._cancel,
                                 words=COMMAND_PHRASES[Intent.CANCEL]))  # fmt: skip
        self.add_command(Command(
            "trogiup", lambda: _("How to use the bot"), self._help_command,
            words=COMMAND_PHRASES[Intent.HELP], menu_label=lambda: _("Help"),
        ))  # fmt: skip
        reminders.register(self)
        broadcasts.register(self)
        questions.register(self)

    # --- extension points --------------------------------------------------------------

    def add_command(self, command: Command) -> None:
        self.commands[command.name] = command
        for word in command.words:
            self._words[folded_words(word)] = command.name

    def add_dialog(self, name: str, dialog: Dialog) -> None:
        self.dialogs[name] = dialog

    def add_button(self, prefix: str, run: ButtonRun) -> None:
        self.buttons[prefix] = run

    def add_reader(self, reader: Reader) -> None:
        self.readers.append(reader)

    def command_menu(self, role: Role | None = None) -> list[tuple[str, str]]:
        """Commands with their descriptions in the active locale, for the messenger's menu."""
        return [
            (c.name, c.description())
            for c in self.commands.values()
            if role is None or role in c.roles
        ]

    # --- turns -------------------------------------------------------------------------

    async def handle(self, turn: Turn, *, record: Record | None = None) -> list[Reply]:
        """Answer one turn; never raises, never stays silent.

        The whole turn is one transaction: marking the update as handled, saving answers,
        moving the conversation on and `record`ing the replies (the channel's inbox) happen
        together or not at all. A database that cannot work now gets the person a "busy,
        try again" answer instead of an apology for a fault.
        """
        try:
            async with self.store.transaction():
                replies = await self._handle(turn)
                if record is not None:
                    await record(replies)
                return replies
        except StorageUnavailable as error:
            log.warning("storage unavailable, a %s turn (update %s) answered busy: %s",
                        turn.channel, turn.update_id, error)  # fmt: skip
            return [busy()]
        except Exception:
            # Only identifiers that carry no personal data go to the log.
            log.exception("failed to handle a %s turn (update %s)", turn.channel, turn.update_id)
            return [Reply(_("Sorry, something went wrong on our side. Please try again."))]

    async def _handle(self, turn: Turn) -> list[Reply]:
        if turn.update_id is not None and not await self.store.updates.mark_processed(
            turn.channel, turn.update_id, bot=turn.bot
        ):
            return []
        if turn.kind is TurnKind.COMMAND and turn.command == "start" and turn.text.strip():
            return await self._join(turn, turn.text.strip())
        person = await self.store.people.by_identity(turn.channel, turn.external_id)
        if person is None:
            return [self._how_to_join()]
        # Someone who writes again can be written to again, even after blocking the bot once.
        await self.store.people.set_unreachable(turn.channel, turn.external_id, False)
        state = await self.store.conversations.get(turn.channel, turn.external_id)
        command = self._command(turn)
        if (
            command is not None
            and turn.kind is TurnKind.TEXT
            and state is not None
            and state.dialog == REPORT_DIALOG
            and await self.reporting.takes(turn, state.data)
        ):
            command = None  # "Bắt đầu" typed at the intro is its Start button, not /start
        if command is not None:
            if person.role not in command.roles:
                return [Reply(_("Only commune officials can use /{command}.").format(
                    command=command.name))]  # fmt: skip
            return await command.run(turn, person, state)
        dialog = self.dialogs.get(state.dialog) if state is not None else None
        if state is not None and dialog is not None:
            return await dialog.handle(turn, person, state.data)
        if turn.kind is TurnKind.BUTTON:
            for prefix, run in self.buttons.items():
                if turn.text.startswith(prefix):
                    return await run(turn, person)
            return [Reply(_("This button is no longer active.")), await self._menu(person)]
        if turn.kind is TurnKind.COMMAND:
            return [Reply(_("I do not know the command /{command}.").format(command=turn.command)),
                    self._help(person)]  # fmt: skip
        if turn.kind is TurnKind.OTHER:
            return [Reply(_("I can only read text messages.")), self._help(person)]
        for reader in self.readers:
            replies = await reader(turn, person)
            if replies is not None:
                return replies
        return [self._unknown()]

    def _command(self, turn: Turn) -> Command | None:
        name: str | None = None
        if turn.kind is TurnKind.COMMAND:
            name = turn.command
        elif turn.kind is TurnKind.BUTTON and turn.text.startswith(COMMAND_BUTTON):
            name = turn.text.removeprefix(COMMAND_BUTTON)
        elif turn.kind is TurnKind.TEXT:
            name = self._words.get(folded_words(turn.text))
        return self.commands.get(name) if name else None

    # --- built-in commands -------------------------------------------------------------

    async def _start(
        self, turn: Turn, person: Person, state: ConversationState | None
    ) -> list[Reply]:
        return [await self._menu(person)]

    async def _report(
        self, turn: Turn, person: Person, state: ConversationState | None
    ) -> list[Reply]:
        if state is not None and state.dialog == REPORT_DIALOG:
            return await self.reporting.resume(turn, person, state.data)
        return await self.reporting.start(turn, person)

    async def _cancel(
        self, turn: Turn, person: Person, state: ConversationState | None
    ) -> list[Reply]:
        dialog = self.dialogs.get(state.dialog) if state is not None else None
        if dialog is None:
            return [Reply(_("There is nothing to cancel."))]
        return await dialog.cancel(turn)

    async def _help_command(
        self, turn: Turn, person: Person, state: ConversationState | None
    ) -> list[Reply]:
        return [self._help(person)]

    async def _join(self, turn: Turn, code: str) -> list[Reply]:
        existing = await self.store.people.by_identity(turn.channel, turn.external_id)
        if existing is not None:
            return [Reply(_("You are already registered.")), await self._menu(existing)]
        result = await self.store.invites.redeem(
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
        unit = await require_unit(self.services, result.unit_id)
        welcome = _("Welcome! You are registered as {role} of {unit}.").format(
            role=role_label(result.role), unit=unit.name)  # fmt: skip
        return [Reply(welcome), await self._menu(result)]

    def _how_to_join(self) -> Reply:
        return Reply(_(
            "You are not registered yet. Open the invite link your commune official sent you, "
            "or type /start followed by your invite code, e.g. /start ABCD2345."
        ))  # fmt: skip

    async def _menu(self, person: Person) -> Reply:
        unit = await require_unit(self.services, person.unit_id)
        text = _("{unit} — what would you like to do?").format(unit=unit.name)
        buttons = tuple(
            (Button(c.menu_label(), COMMAND_BUTTON + c.name),)
            for c in self.commands.values()
            if c.menu_label is not None and person.role in c.roles
        )
        return Reply(text, buttons)

    def _help(self, person: Person) -> Reply:
        lines = [_("How to use chitieu:")]
        lines += [f"/{name} — {text}" for name, text in self.command_menu(person.role)]
        lines.append(_("You can type numbers the usual way: 65, 65,5%, 175/300, có, không."))
        return Reply("\n".join(lines))

    def _unknown(self) -> Reply:
        return Reply(
            _(
                'Sorry, I did not understand. Try: "báo cáo" to report figures, or /trogiup for help.'
            )
        )


def busy() -> Reply:
    """The answer while the database cannot work: nothing was done, try again later."""
    return Reply(_("The system is busy. Please try again in a few minutes."))


def role_label(role: str) -> str:
    return {
        "member": _("team member"),
        "official": _("official"),
        "admin": _("administrator"),
    }.get(role, role)
