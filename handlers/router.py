"""The entry point for every turn: joining, commands, menu words, the open dialog."""

from __future__ import annotations

import logging

from handlers.context import Services
from handlers.reporting import DIALOG as REPORT_DIALOG
from handlers.reporting import ReportingDialog
from handlers.scope import require_unit
from handlers.turns import Button, Reply, Turn, TurnKind
from indicators.text import folded_words
from locales import _
from storage.invites import RedeemError
from storage.people import Person

log = logging.getLogger(__name__)

MENU_REPORT, MENU_HELP = "m:report", "m:help"

# Whole-message words that work like commands, compared folded ("bao cao" = "báo cáo").
_WORDS: dict[str, str] = {
    "bao cao": "baocao",
    "nhap so lieu": "baocao",
    "gui so lieu": "baocao",
    "toi muon bao cao": "baocao",
    "huy": "huy",
    "thoi": "huy",
    "dung lai": "huy",
    "tro giup": "trogiup",
    "giup": "trogiup",
    "huong dan": "trogiup",
    "menu": "start",
}


def command_menu() -> list[tuple[str, str]]:
    """Commands with their descriptions in the active locale, as registered with the messenger."""
    return [
        ("start", _("Start: see what you can do")),
        ("baocao", _("Report indicator figures")),
        ("huy", _("Cancel what you are doing")),
        ("trogiup", _("How to use the bot")),
    ]


class Router:
    def __init__(self, services: Services) -> None:
        self.services = services
        self.store = services.store
        self.reporting = ReportingDialog(services)

    async def handle(self, turn: Turn) -> list[Reply]:
        """Answer one turn; never raises, never stays silent."""
        try:
            return await self._handle(turn)
        except Exception:
            # Only identifiers that carry no personal data go to the log.
            log.exception("failed to handle a %s turn (update %s)", turn.channel, turn.update_id)
            return [Reply(_("Sorry, something went wrong on our side. Please try again."))]

    async def _handle(self, turn: Turn) -> list[Reply]:
        if turn.update_id is not None and not await self.store.updates.mark_processed(
            turn.channel, turn.update_id
        ):
            return []
        if turn.kind is TurnKind.COMMAND and turn.command == "start" and turn.text.strip():
            return await self._join(turn, turn.text.strip())
        person = await self.store.people.by_identity(turn.channel, turn.external_id)
        if person is None:
            return [self._how_to_join()]
        command = self._command(turn)
        state = await self.store.conversations.get(turn.channel, turn.external_id)
        in_report = state is not None and state.dialog == REPORT_DIALOG
        if command == "huy":
            if in_report:
                return await self.reporting.cancel(turn)
            return [Reply(_("There is nothing to cancel."))]
        if command == "trogiup":
            return [self._help(person)]
        if command == "start":
            return [await self._menu(person)]
        if command == "baocao":
            if state is not None and in_report:
                return await self.reporting.resume(turn, person, state.data)
            return await self.reporting.start(turn, person)
        if state is not None and in_report:
            return await self.reporting.handle(turn, person, state.data)
        if turn.kind is TurnKind.COMMAND:
            return [Reply(_("I do not know the command /{command}.").format(command=turn.command)),
                    self._help(person)]  # fmt: skip
        if turn.kind is TurnKind.OTHER:
            return [Reply(_("I can only read text messages.")), self._help(person)]
        return [self._unknown()]

    def _command(self, turn: Turn) -> str | None:
        if turn.kind is TurnKind.COMMAND:
            return turn.command
        if turn.kind is TurnKind.BUTTON:
            return {MENU_REPORT: "baocao", MENU_HELP: "trogiup"}.get(turn.text)
        if turn.kind is TurnKind.TEXT:
            return _WORDS.get(folded_words(turn.text))
        return None

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
            now=self.services.clock(),
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
        buttons = ((Button(_("Report figures"), MENU_REPORT),), (Button(_("Help"), MENU_HELP),))
        return Reply(text, buttons)

    def _help(self, person: Person) -> Reply:
        del person
        return Reply("\n".join([
            _("How to use chitieu:"),
            _("/baocao — report your unit's figures, one indicator at a time"),
            _("/huy — cancel what you are doing"),
            _("/trogiup — this help"),
            _("You can type numbers the usual way: 65, 65,5%, 175/300, có, không."),
        ]))  # fmt: skip

    def _unknown(self) -> Reply:
        return Reply(
            _(
                'Sorry, I did not understand. Try: "báo cáo" to report figures, or /trogiup for help.'
            )
        )


def role_label(role: str) -> str:
    return {
        "member": _("team member"),
        "official": _("official"),
        "admin": _("administrator"),
    }.get(role, role)
