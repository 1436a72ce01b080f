"""The reporting dialog's place in the router: /baocao and its dialog."""

from __future__ import annotations

from handlers.messages import Reply, Turn
from handlers.reporting.dialog import DIALOG, ReportingDialog
from handlers.router import Command, Router
from indicators.people import Person
from indicators.questions import COMMAND_PHRASES, Intent
from locales import _
from storage.conversations import ConversationState


def register(router: Router) -> ReportingDialog:
    """Add /baocao and the dialog; the dialog, for features that open it (reminders)."""
    dialog = ReportingDialog(router.services)

    async def report(turn: Turn, person: Person, state: ConversationState | None) -> list[Reply]:
        if state is not None and state.dialog == DIALOG:
            return await dialog.resume(turn, person, state.data)
        return await dialog.start(turn, person)

    router.add_dialog(DIALOG, dialog)
    router.add_command(Command(
        "baocao", lambda: _("Report indicator figures"), report,
        words=COMMAND_PHRASES[Intent.REPORT],
        menu_label=lambda: _("Report figures"),
    ))  # fmt: skip
    return dialog
