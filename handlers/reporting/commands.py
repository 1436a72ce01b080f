"""The reporting dialog's place in the router: /baocao and its dialog.

"/baocao quý 3 thôn 6" and "báo cáo quý 3 của thôn 6" report for the unit and period they
name (see scope.py); without scope words a report opens for the person's own unit, or
continues where they stopped.
"""

from __future__ import annotations

from handlers.messages import Reply, Turn, TurnKind
from handlers.reporting.dialog import DIALOG, ReportingDialog
from handlers.reporting.scope import Named, named_scope
from handlers.router import Command, Router
from indicators.people import Person
from indicators.questions import COMMAND_PHRASES, Intent
from locales import _
from storage.conversations import ConversationState


def register(router: Router) -> ReportingDialog:
    """Add /baocao and the dialog; the dialog, for features that open it (reminders)."""
    dialog = ReportingDialog(router.services)

    async def report(turn: Turn, person: Person, state: ConversationState | None) -> list[Reply]:
        named = Named()
        if turn.kind in (TurnKind.TEXT, TurnKind.COMMAND) and turn.text.strip():
            found = await named_scope(router.services, person, turn.text)
            if isinstance(found, Reply):
                return [found]
            named = found
        if named.empty:
            if state is not None and state.dialog == DIALOG:
                return await dialog.resume(turn, person, state.data)
            return await dialog.start(turn, person)
        period = named.period.code if named.period is not None else None
        unit_id = named.unit.id if named.unit is not None else None
        return await dialog.start(turn, person, period, unit_id=unit_id)

    router.add_dialog(DIALOG, dialog)
    router.add_command(Command(
        "baocao", lambda: _("Report indicator figures"), report,
        words=COMMAND_PHRASES[Intent.REPORT],
        menu_label=lambda: _("Report figures"),
    ))  # fmt: skip
    return dialog
