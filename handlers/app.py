"""The composition root of the conversation: which features the router carries, in which
order their commands appear in the menu and in /trogiup."""

from __future__ import annotations

from handlers.broadcasts import announcements
from handlers.joining import invites, linking
from handlers.members import commands as members
from handlers.plan_files import dialog as plan_files
from handlers.questions import dispatch
from handlers.reminders import rounds
from handlers.reporting import commands as reporting
from handlers.review import commands as review
from handlers.router import Router
from handlers.services import Services
from handlers.unit_files import dialog as unit_files
from handlers.unit_files import edits as unit_edits


def build_router(services: Services) -> Router:
    router = Router(services)
    invites.register(router)
    router.add_builtin_commands()
    report_dialog = reporting.register(router)
    router.add_help_and_cancel()
    rounds.register(router, report_dialog)
    announcements.register(router)
    plan_dialog = plan_files.register(router)  # first of the readers: it takes every document
    unit_files.register(router, plan_dialog)  # ahead of it: unit lists only
    unit_edits.register(router)
    review.register(router, report_dialog)
    members.register(router)
    dispatch.register(router)
    linking.register(router)
    return router
