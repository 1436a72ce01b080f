"""The entry point for every turn: commands, menu words, dialogs, buttons and free text.

Features plug in through `Command`s, `Dialog`s, button prefixes, free-text readers and
one `Doorkeeper` for people not registered yet; `handlers.app` registers them. The
router itself knows none of them: it only has the start menu, help and cancelling.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from handlers.channels import SMALLEST_TEXT, Capabilities, one_message_per_turn
from handlers.failure_log import failure_summary
from handlers.messages import Button, Reply, Turn, TurnKind
from handlers.services import Services
from indicators.people import OFFICIAL_ROLES, Person, Role
from indicators.questions import COMMAND_PHRASES, Intent
from indicators.text import folded_words
from locales import _
from storage.backends import StorageUnavailable
from storage.conversations import ConversationState

log = logging.getLogger(__name__)

COMMAND_BUTTON = "c:"  # a button that runs a command: "c:baocao"
EVERYONE = frozenset(Role)
OFFICIALS = OFFICIAL_ROLES

CommandRun = Callable[[Turn, Person, ConversationState | None], Awaitable[list[Reply]]]
ButtonRun = Callable[[Turn, Person], Awaitable[list[Reply]]]
Reader = Callable[[Turn, Person], Awaitable[list[Reply] | None]]
# Called with a turn's replies inside the turn's transaction (see Router.handle).
# Records a turn's replies in the channel's inbox, in the turn's transaction: False when
# the update was handled already (another process took it meanwhile), and the turn is
# then undone. The inbox's mark is the turn's only deduplication (see Router.handle).
Record = Callable[[list[Reply]], Awaitable[bool]]


class _HandledElsewhere(Exception):
    """The inbox says the update was handled meanwhile: the turn is rolled back."""


class Dialog(Protocol):
    """A multi-turn conversation whose state lives in conversation_state."""

    async def handle(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        """Answer a turn of the conversation, moving its state on."""

    async def resume(self, turn: Turn, person: Person, data: dict[str, Any]) -> list[Reply]:
        """Ask again where the person stopped (after a pause, another command, a restart)."""

    async def cancel(self, turn: Turn) -> list[Reply]:
        """End the conversation, keeping nothing of it that was not saved."""

    async def takes(self, turn: Turn, data: dict[str, Any]) -> bool:
        """True when typed text is the label of one of the current step's buttons
        ("Bắt đầu"), which the router must then not read as one of its own words."""


class Doorkeeper(Protocol):
    """Turns from people the bot does not know yet: joining with a code, or how to."""

    async def join(self, turn: Turn, code: str) -> list[Reply]:
        """A stranger (or someone registered) typed /start with a code."""

    async def stranger(self, turn: Turn) -> list[Reply]:
        """Anything else from someone the bot does not know."""


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
        self.doorkeeper: Doorkeeper | None = None
        self._max_text: dict[str, int] = {}  # channel → characters of one message

    def add_builtin_commands(self) -> None:
        """The start menu, cancelling and help; called by the composition root so that it
        decides where they stand among the features' commands in the menu."""
        self.add_command(Command("start", lambda: _("Start: see what you can do"),
                                 self._start, words=("menu", "bat dau")))  # fmt: skip

    def add_help_and_cancel(self) -> None:
        self.add_command(Command("huy", lambda: _("Cancel what you are doing"), self._cancel,
                                 words=COMMAND_PHRASES[Intent.CANCEL]))  # fmt: skip
        self.add_command(Command(
            "trogiup", lambda: _("How to use the bot"), self._help_command,
            words=COMMAND_PHRASES[Intent.HELP], menu_label=lambda: _("Help"),
        ))  # fmt: skip

    # --- extension points --------------------------------------------------------------

    def add_command(self, command: Command) -> None:
        self.commands[command.name] = command
        for word in command.words:
            self._words[folded_words(word)] = command.name

    def add_channel(self, name: str, capabilities: Capabilities) -> None:
        """A channel's limits, which a turn's replies are joined within (see `handle`)."""
        self._max_text[name] = capabilities.max_text

    def add_dialog(self, name: str, dialog: Dialog) -> None:
        self.dialogs[name] = dialog

    def add_button(self, prefix: str, run: ButtonRun) -> None:
        self.buttons[prefix] = run

    def add_reader(self, reader: Reader, *, before: Reader | None = None) -> None:
        """Readers are asked in order; `before` puts one ahead of a reader that would
        take its turns (the plan file's reader takes every document)."""
        if before is None:
            self.readers.append(reader)
        else:
            self.readers.insert(self.readers.index(before), reader)

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

        Consecutive text replies come back joined into one message where the channel's
        limit allows, before they are recorded: what is recorded, sent and replayed
        after a crash is then the same list, numbered the same way.
        """
        max_text = self._max_text.get(turn.channel, SMALLEST_TEXT)
        try:
            async with self.store.transaction():
                # A turn from an inbox is deduplicated by the inbox's own mark (`record`),
                # in the same transaction: a second mark would only cost a statement.
                replies = await self._handle(turn, deduplicate=record is None)
                replies = one_message_per_turn(replies, max_text)
                if record is not None and not await record(replies):
                    raise _HandledElsewhere
                return replies
        except _HandledElsewhere:
            log.info("a %s update (%s) was handled meanwhile; this turn is undone",
                     turn.channel, turn.update_id)  # fmt: skip
            return []
        except StorageUnavailable as error:
            log.warning("storage unavailable, a %s turn (update %s) answered busy: %s",
                        turn.channel, turn.update_id, failure_summary(error))  # fmt: skip
            return [busy()]
        except Exception as error:
            # Only identifiers that carry no personal data go to the log: the exception's
            # own text may repeat what the person typed.
            log.error("failed to handle a %s turn (update %s): %s", turn.channel,
                      turn.update_id, failure_summary(error))  # fmt: skip
            return [Reply(_("Sorry, something went wrong on our side. Please try again."))]

    async def _handle(self, turn: Turn, *, deduplicate: bool) -> list[Reply]:
        if (
            deduplicate
            and turn.update_id is not None
            and not await self.store.updates.mark_processed(
                turn.channel, turn.update_id, bot=turn.bot
            )
        ):
            return []
        if (
            self.doorkeeper is not None
            and turn.kind is TurnKind.COMMAND
            and turn.command == "start"
            and turn.text.strip()
        ):
            return await self.doorkeeper.join(turn, turn.text.strip())
        # Someone who writes again can be written to again, even after blocking the bot
        # once; and their next reminder goes to the messenger they used last.
        caller = await self.store.people.arrived(turn.channel, turn.external_id)
        if caller is None:
            if self.doorkeeper is None:
                return []
            return await self.doorkeeper.stranger(turn)
        person, state = caller.person, caller.conversation
        dialog = self.dialogs.get(state.dialog) if state is not None else None
        command = self._command(turn)
        if (
            command is not None
            and turn.kind is TurnKind.TEXT
            and state is not None
            and dialog is not None
            and await dialog.takes(turn, state.data)
        ):
            command = None  # "Bắt đầu" typed at the intro is its Start button, not /start
        if command is not None:
            if person.role not in command.roles:
                return [Reply(_("Only commune officials can use /{command}.").format(
                    command=command.name))]  # fmt: skip
            return await command.run(turn, person, state)
        if state is not None and dialog is not None:
            return await dialog.handle(turn, person, state.data)
        if turn.kind is TurnKind.BUTTON:
            for prefix, run in self.buttons.items():
                if turn.text.startswith(prefix):
                    return await run(turn, person)
            return [Reply(_("This button is no longer active.")), await self.menu(person)]
        if turn.kind is TurnKind.COMMAND:
            return [Reply(_("I do not know the command /{command}.").format(command=turn.command)),
                    self._help(person)]  # fmt: skip
        if turn.kind is TurnKind.OTHER and turn.document is None:
            return [Reply(_("I can only read text messages.")), self._help(person)]
        for reader in self.readers:
            replies = await reader(turn, person)
            if replies is not None:
                return replies
        if turn.kind is TurnKind.OTHER:  # a document no feature reads
            return [Reply(_("I can only read text messages.")), self._help(person)]
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
        return [await self.menu(person)]

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

    async def menu(self, person: Person) -> Reply:
        unit = await self.services.unit(person.unit_id)
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
