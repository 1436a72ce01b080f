"""The `chitieu` command: set-up, operator commands, and running the channels."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import logging
import os
import secrets
import signal
import sys
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot import setup
from bot.log_hygiene import quiet_libraries
from bot.settings import Settings, SettingsError, load_settings
from handlers.joining.invites import role_label
from locales import _, set_locale
from storage import Clock, StorageError, Store, SystemClock

if TYPE_CHECKING:
    from bot.adopt import Outcome


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    """The composition root of every command: the one clock is made here."""
    args = _parser().parse_args(argv)
    args.clock = SystemClock() if clock is None else clock
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    quiet_libraries()  # request URLs carry the bot token, DEBUG records message texts
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"chitieu: {exc}", file=sys.stderr)
        return 2
    set_locale(settings.locale)
    try:
        code = int(asyncio.run(args.func(args, settings)))
        sys.stdout.flush()  # here, where a closed pipe is caught, not at the exit
        return code
    except (setup.OperatorError, StorageError) as exc:
        print(f"chitieu: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `chitieu units | head`: the reader has what it wanted. Python would still try
        # to flush stdout at exit and print a second error; point it at nothing.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chitieu", description="Chỉ tiêu chuyển đổi số — chat bot"
    )
    sub = parser.add_subparsers(required=True, metavar="COMMAND")

    init = sub.add_parser("init", help="create or upgrade the database, load the bundled plans")
    init.add_argument(
        "--demo", action="store_true", help="add a demo commune with people and values"
    )
    init.set_defaults(func=_init)

    invite = sub.add_parser("invite", help="create an invite code for a unit and role")
    invite.add_argument("--unit", help="unit id or name")
    invite.add_argument("--role", choices=("member", "official", "admin"))
    invite.add_argument("--uses", type=int, help="default 1, or 10 with --each-village")
    invite.add_argument("--days", type=int, help="default 14, or 30 with --each-village")
    invite.add_argument(
        "--each-village", action="store_true",
        help="a member code for every village of --unit, and a sheet with their QR codes",
    )  # fmt: skip
    invite.add_argument("--out", type=Path, help="with --each-village: the sheet (.xlsx) to write")
    invite.add_argument("--revoke", metavar="CODE", help="revoke an invite code instead")
    invite.set_defaults(func=_invite)

    run = sub.add_parser(
        "run", help="run the configured channels (Telegram, Zalo Official Account, Zalo Bot)"
    )
    run.add_argument(
        "--worker", action="store_true",
        help="only handle the Telegram inbox another `chitieu run` receives into (and send)",
    )  # fmt: skip
    run.set_defaults(func=_run)

    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--as", dest="person", help="person id or name (default: a demo member)")
    chat.add_argument("--code", help="join with an invite code, as a new person")
    chat.add_argument("--name", help="with --code: the new person's name")
    chat.set_defaults(func=_chat)

    units = sub.add_parser("units", help="list the units, or import them from a file")
    units.set_defaults(func=_units)
    units_sub = units.add_subparsers(metavar="ACTION")
    units_import = units_sub.add_parser(
        "import", help="add units from an .xlsx or .csv (tỉnh / xã / thôn columns, or name + level)"
    )
    units_import.add_argument("file", type=Path)
    units_import.add_argument("--under", help="unit id or name the file's top units go under")
    units_import.add_argument("--yes", action="store_true", help="add them (else only preview)")
    units_import.set_defaults(func=_units_import)
    people = sub.add_parser("people", help="list the people, or remove one")
    people.set_defaults(func=_people)
    people_sub = people.add_subparsers(metavar="ACTION")
    remove = people_sub.add_parser(
        "remove", help="remove a person from their team (their values stay, with their name)"
    )
    remove.add_argument("person", type=int, help="the person's id (see `chitieu people`)")
    remove.set_defaults(func=_people_remove)

    plans = sub.add_parser("plans", help="list plans, or copy one to a new year")
    plans.set_defaults(func=_plans)
    plans_sub = plans.add_subparsers(metavar="ACTION")
    copy = plans_sub.add_parser("copy", help="start a new year's plan from an earlier one")
    copy.add_argument("plan")
    copy.add_argument("--year", type=int, required=True)
    copy.set_defaults(func=_plans_copy)
    template = plans_sub.add_parser("template", help="write chitieu's empty plan template (.xlsx)")
    template.add_argument("file", nargs="?", type=Path, default=Path("ke-hoach-chi-tieu.xlsx"))
    template.set_defaults(func=_plans_template)
    plan_import = plans_sub.add_parser(
        "import", help="read a plan table (.docx, .xlsx) for a unit, and apply it with --yes"
    )
    plan_import.add_argument("file", type=Path)
    plan_import.add_argument("--unit", required=True, help="unit id or name the plan is for")
    plan_import.add_argument(
        "--year", type=int, help="the year of the targets, if the table has several"
    )
    plan_import.add_argument("--yes", action="store_true", help="apply it (else only review)")
    plan_import.set_defaults(func=_plans_import)

    export = sub.add_parser("export", help="write the appendix table (.xlsx or .docx)")
    export.add_argument("--unit", required=True, help='unit id or name, e.g. "huyện Vĩnh Lộc"')
    export.add_argument("--period", help='e.g. "6 tháng đầu năm 2023", "Quý III/2026", 2023-H1')
    export.add_argument("--out", required=True, help="the file to write")
    export.add_argument("--format", choices=("xlsx", "docx"),
                        help="default: from the --out file's extension, else xlsx")  # fmt: skip
    export.add_argument("--judgement", action=argparse.BooleanOptionalAction,
                        help="add (or leave out) the Đạt / Chưa đạt column; default: as the "
                        "plan's document prints its columns")  # fmt: skip
    export.set_defaults(func=_export)

    remind = sub.add_parser("remind", help="queue the reminder rounds due now (the bot sends them)")
    remind.add_argument("--dry-run", action="store_true", help="print who would get what")
    remind.add_argument("--date", type=dt.date.fromisoformat, help="YYYY-MM-DD, with --dry-run")
    remind.set_defaults(func=_remind)

    backup = sub.add_parser("backup", help="consistent copy of the database, also while running")
    backup.add_argument("file")
    backup.set_defaults(func=_backup)

    db = sub.add_parser("db", help="move a deployment between databases")
    db_sub = db.add_subparsers(required=True, metavar="ACTION")
    db_copy = db_sub.add_parser(
        "copy", help="copy every row into an empty database (e.g. SQLite → PostgreSQL)"
    )
    db_copy.add_argument("source", help="e.g. sqlite:///chitieu.sqlite3")
    db_copy.add_argument("target", help="e.g. postgresql://chitieu@/chitieu?host=/run/postgresql")
    db_copy.add_argument("--batch", type=int, default=1000, help=argparse.SUPPRESS)
    db_copy.set_defaults(func=_db_copy)
    return parser


async def _init(args: argparse.Namespace, settings: Settings) -> int:
    async with await Store.open(settings.database_url, clock=args.clock) as store:
        loaded = await setup.load_bundled_plans(store)
        results = await setup.load_bundled_results(store)
        print(_("Database {name}: {plans} bundled plans loaded, with the {results} results their reports print.").format(
            name=store.db.name, plans=len(loaded), results=results))  # fmt: skip
        if args.demo:
            summary = await setup.add_demo(store)
            print(summary)
    return 0


async def _invite(args: argparse.Namespace, settings: Settings) -> int:
    if args.revoke:
        return await _invite_revoke(args, settings)
    if args.unit is None:
        raise setup.OperatorError(_("--unit is required (a unit id or name; see `chitieu units`)"))
    if args.each_village:
        return await _invite_villages(args, settings)
    if args.role is None:
        raise setup.OperatorError(_("--role is required: member, official or admin"))
    args.uses = 1 if args.uses is None else args.uses
    args.days = 14 if args.days is None else args.days
    async with await setup.open_initialised(settings, args.clock) as store:
        unit = await setup.find_unit(store, args.unit)
        expires = args.clock.now() + dt.timedelta(days=args.days)
        code = await store.invites.create(unit.id, args.role, uses=args.uses, expires_at=expires)
    print(_("Invite code: {code}  ({unit}, {role}, {uses} uses)").format(
        code=code, unit=f"{unit.level} {unit.name}", role=role_label(args.role),
        uses=args.uses))  # fmt: skip
    # The code is made and kept whatever Telegram says: without the link it is typed as /start.
    try:
        username = await setup.bot_username(settings)
    except setup.LinkUnavailable as exc:
        print(_("The t.me link could not be made: {reason}. Send the code instead: /start {code}").format(
            reason=exc, code=code))  # fmt: skip
        return 0
    for line in setup.invite_lines(settings, code, username):
        print(line)
    return 0


async def _invite_villages(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.members.roster import VILLAGE_INVITE_DAYS, VILLAGE_INVITE_USES, invite_villages
    from handlers.services import Services

    if args.role not in (None, "member"):
        raise setup.OperatorError(_("--each-village makes member codes; leave out --role"))
    username = await setup.bot_username(settings)
    async with await setup.open_initialised(settings, args.clock) as store:
        services = Services(store=store, bot_username=username or "")
        unit = await setup.find_unit(store, args.unit)
        made = await invite_villages(
            services, unit, by=None,
            uses=VILLAGE_INVITE_USES if args.uses is None else args.uses,
            days=VILLAGE_INVITE_DAYS if args.days is None else args.days,
        )  # fmt: skip
        if made is None:
            raise setup.OperatorError(_("{unit} has no villages (thôn, tổ dân phố)").format(
                unit=f"{unit.level} {unit.name}"))  # fmt: skip
        sheet = made.sheet(services)
        out = args.out or Path(sheet.filename)
        out.write_bytes(sheet.content)
        print(
            _("{count} invite codes — {note}").format(
                count=len(made.invites), note=made.note(services)
            )
        )
        for invite in made.invites:
            print(f"{invite.unit}\t{invite.code}\t{invite.link or '/start ' + invite.code}")
        print(f"{out}: {sheet.caption}")
    return 0


async def _invite_revoke(args: argparse.Namespace, settings: Settings) -> int:
    async with await setup.open_initialised(settings, args.clock) as store:
        invite = await store.invites.get(args.revoke)
        if invite is None:
            raise setup.OperatorError(_("no such invite code"))
        if not await store.invites.revoke(args.revoke):
            print(_("That code could no longer be used anyway."))
            return 0
    print(_("Revoked: nobody can join with that code any more."))
    return 0


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if (
        settings.telegram_token is None
        and settings.zalo_bot_token is None
        and settings.zalo_oa() is None
    ):
        raise setup.OperatorError(_("none of CHITIEU_TELEGRAM_TOKEN, CHITIEU_ZALO_BOT_TOKEN and CHITIEU_ZALO_APP_ID is set: nothing to run. Use `chitieu chat` in the terminal."))  # fmt: skip
    if args.worker and settings.telegram_token is None:
        raise setup.OperatorError(_("`chitieu run --worker` handles the Telegram inbox, and CHITIEU_TELEGRAM_TOKEN is not set."))  # fmt: skip
    from bot.runner import run_channels
    from bot.telegram_channel import TokenRejected

    # SIGTERM (a service manager's stop) and SIGINT (Ctrl-C) stop alike: every loop is
    # cancelled, sends on the wire finish and are recorded, the rest go back to the queue.
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    running = asyncio.create_task(run_channels(settings, args.clock, worker=args.worker))
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        if not running.done():
            logging.getLogger(__name__).info("stopping: a stop signal arrived")
            running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await running
    except TokenRejected as exc:
        raise setup.OperatorError(str(exc)) from None
    finally:
        stopping.cancel()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signum)
    logging.getLogger(__name__).info("stopped")
    return 0


async def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console import ConsoleChat, is_interactive, run_console
    from bot.table_files import sent_tables
    from handlers.app import build_router
    from handlers.services import Services

    async with await setup.open_initialised(settings, args.clock) as store:
        first = "/start"
        if args.code:
            # A new person: the invite code makes them one, as /start CODE does on Telegram.
            name = args.name or _("Terminal user")
            external_id, first = f"new-{secrets.token_hex(6)}", f"/start {args.code}"
        else:
            person = await setup.console_person(store, args.person)
            name, external_id = person.name, f"person-{person.id}"
        services = Services(store=store, read_tables=sent_tables)
        chat = ConsoleChat(build_router(services), external_id, name, sys.stdout,
                           Path(settings.files_dir))  # fmt: skip
        interactive = is_interactive()
        if interactive:
            print(_("chitieu — {name}. Press a button by typing /1, /2…; /exit leaves.").format(
                name=name) + "\n")  # fmt: skip
        await run_console(chat, sys.stdin, interactive=interactive, first=first)
    return 0


async def _units(args: argparse.Namespace, settings: Settings) -> int:
    async with await setup.open_initialised(settings, args.clock) as store:
        for line in await setup.unit_lines(store):
            print(line)
    return 0


async def _people(args: argparse.Namespace, settings: Settings) -> int:
    async with await setup.open_initialised(settings, args.clock) as store:
        for line in await setup.people_lines(store):
            print(line)
    return 0


async def _people_remove(args: argparse.Namespace, settings: Settings) -> int:
    async with await setup.open_initialised(settings, args.clock) as store:
        person = await store.people.get(args.person)
        if person is None:
            raise setup.OperatorError(
                _("no person with id {id}; see `chitieu people`").format(id=args.person)
            )
        if not await store.members.remove(person.id, by=None):
            print(_("{name} was already removed.").format(name=person.name))
            return 0
    print(
        _("Removed {name}; the values they recorded stay, with their name.").format(
            name=person.name
        )
    )
    return 0


async def _plans(args: argparse.Namespace, settings: Settings) -> int:
    async with await setup.open_initialised(settings, args.clock) as store:
        for plan in await store.plans.all():
            origin = f" (from {plan.derived_from})" if plan.derived_from else ""
            print(
                f"{plan.id}\t{plan.year}\t{len(plan.indicators)} indicators\t{plan.title}{origin}"
            )
    return 0


async def _plans_copy(args: argparse.Namespace, settings: Settings) -> int:
    async with await setup.open_initialised(settings, args.clock) as store:
        plan = await setup.copy_plan(store, args.plan, args.year)
    print(f"{plan.id}: {plan.title}")
    return 0


async def _plans_template(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.plan_files.template import template_workbook

    args.file.write_bytes(template_workbook())
    print(_("Template written to {file}: fill in one row per indicator, then run"
            " `chitieu plans import {file} --unit …`.").format(file=args.file))  # fmt: skip
    return 0


async def _plans_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.adopt import import_plan

    async with await setup.open_initialised(settings, args.clock) as store:
        unit = await setup.find_unit(store, args.unit)
        return await _report(import_plan(store, args.file, unit, year=args.year, apply=args.yes))


async def _units_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.adopt import import_units

    async with await setup.open_initialised(settings, args.clock) as store:
        under = await setup.find_unit(store, args.under) if args.under else None
        return await _report(import_units(store, args.file, under=under, apply=args.yes))


async def _report(outcome: Awaitable[Outcome]) -> int:
    """Print an import's review; a refused import prints why on stderr and fails."""
    from bot.adopt import ImportRefused

    try:
        done = await outcome
    except ImportRefused as refused:
        if refused.review:
            print(refused.review)
        print(f"chitieu: {refused.reason}", file=sys.stderr)
        return 1
    print(done.text)
    return 0


async def _export(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.exports.appendix import FileFormat, appendix_file
    from handlers.services import Services

    suffix = Path(args.out).suffix.lower().lstrip(".")
    file_format = FileFormat(args.format or (suffix if suffix in ("xlsx", "docx") else "xlsx"))

    async with await setup.open_initialised(settings, args.clock) as store:
        services = Services(store=store)
        unit = await setup.report_unit(services, args.unit)
        period = setup.read_period(args.period, services.now().date()) if args.period else None
        made = await appendix_file(
            services, unit, period, file_format, judgement_column=args.judgement
        )
        if made is None:
            raise setup.OperatorError(_("{unit} has no plan for that period").format(
                unit=f"{unit.level} {unit.name}"))  # fmt: skip
    Path(args.out).write_bytes(made.content)
    print(f"{args.out}: {made.caption}")
    return 0


async def _remind(args: argparse.Namespace, settings: Settings) -> int:
    from bot.reminding import remind

    if args.date is not None and not args.dry_run:
        raise setup.OperatorError(_("--date only goes with --dry-run: rounds are queued for now"))
    for line in await remind(settings, args.clock, dry_run=args.dry_run, day=args.date):
        print(line)
    return 0


async def _backup(args: argparse.Namespace, settings: Settings) -> int:
    async with await setup.open_initialised(settings, args.clock) as store:
        await store.backup(args.file)
    print(_("Backup written to {file}").format(file=args.file))
    return 0


async def _db_copy(args: argparse.Namespace, settings: Settings) -> int:
    from bot.progress import ProgressBar
    from storage.copy import TargetNotEmpty, copy_database

    if args.source == args.target:
        raise setup.OperatorError(_("The source and the target are the same database."))
    async with (
        await Store.open(args.source, clock=args.clock) as source,
        await Store.open(args.target, clock=args.clock) as target,
    ):
        print(
            _("Copying {source} into {target}…").format(
                source=source.db.name, target=target.db.name
            ),
            file=sys.stderr,
        )
        bar = ProgressBar(sys.stderr)
        try:
            counts = await copy_database(source.db, target.db, batch=args.batch, progress=bar)
        except TargetNotEmpty as exc:
            raise setup.OperatorError(
                _("The target database already has data (table {table}): nothing was copied."
                  " Copy only into a new, empty database.").format(table=exc.table)
            ) from None  # fmt: skip
        finally:
            bar.finish()
    for count in counts:
        print(f"{count.table}\t{count.source}\t{count.target}")
    differ = [count for count in counts if not count.matches]
    for count in differ:
        print(
            _("{table}: {source} rows in the source but {target} in the target.").format(
                table=count.table, source=count.source, target=count.target
            ),
            file=sys.stderr,
        )
    if differ:
        print(_("The copy is incomplete: the counts differ."), file=sys.stderr)
        return 1
    rows = sum(count.source for count in counts)
    print(
        _("Copied {rows} rows of {tables} tables; every count matches.").format(
            rows=rows, tables=len(counts)
        ),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
