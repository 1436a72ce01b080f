"""The `chitieu` command: set-up, operator commands, and running the channels."""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot import setup
from bot.settings import Settings, SettingsError, load_settings
from locales import _, set_locale
from storage import Clock, Store, SystemClock


def main(argv: Sequence[str] | None = None, *, clock: Clock | None = None) -> int:
    """The composition root of every command: the one clock is made here."""
    args = _parser().parse_args(argv)
    args.clock = SystemClock() if clock is None else clock
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every request URL, and Telegram's URLs carry the bot token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"chitieu: {exc}", file=sys.stderr)
        return 2
    set_locale(settings.locale)
    try:
        return int(asyncio.run(args.func(args, settings)))
    except setup.OperatorError as exc:
        print(f"chitieu: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


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
    invite.add_argument("--unit", required=True, help="unit id or name")
    invite.add_argument("--role", required=True, choices=("member", "official", "admin"))
    invite.add_argument("--uses", type=int, default=1)
    invite.add_argument("--days", type=int, default=14)
    invite.set_defaults(func=_invite)

    run = sub.add_parser(
        "run", help="run the configured channels (Telegram, Zalo Official Account, Zalo Bot)"
    )
    run.set_defaults(func=_run)

    chat = sub.add_parser("chat", help="talk to the bot in this terminal")
    chat.add_argument("--as", dest="person", help="person id or name (default: a demo member)")
    chat.set_defaults(func=_chat)

    units = sub.add_parser("units", help="list the units")
    units.set_defaults(func=_units)
    people = sub.add_parser("people", help="list the people")
    people.set_defaults(func=_people)

    plans = sub.add_parser("plans", help="list plans, or copy one to a new year")
    plans.set_defaults(func=_plans)
    plans_sub = plans.add_subparsers(metavar="ACTION")
    copy = plans_sub.add_parser("copy", help="start a new year's plan from an earlier one")
    copy.add_argument("plan")
    copy.add_argument("--year", type=int, required=True)
    copy.set_defaults(func=_plans_copy)

    export = sub.add_parser("export", help="write the appendix table (.xlsx) of a unit and period")
    export.add_argument("--unit", required=True, help='unit id or name, e.g. "huyện Vĩnh Lộc"')
    export.add_argument("--period", help='e.g. "6 tháng đầu năm 2023", "Quý III/2026", 2023-H1')
    export.add_argument("--out", required=True, help="the .xlsx file to write")
    export.set_defaults(func=_export)

    remind = sub.add_parser("remind", help="queue the reminder rounds due now (the bot sends them)")
    remind.add_argument("--dry-run", action="store_true", help="print who would get what")
    remind.add_argument("--date", type=dt.date.fromisoformat, help="YYYY-MM-DD, with --dry-run")
    remind.set_defaults(func=_remind)

    backup = sub.add_parser("backup", help="consistent copy of the database, also while running")
    backup.add_argument("file")
    backup.set_defaults(func=_backup)
    return parser


async def _init(args: argparse.Namespace, settings: Settings) -> int:
    async with await Store.open(settings.database_url, clock=args.clock) as store:
        loaded = await setup.load_bundled_plans(store)
        results = await setup.load_bundled_results(store)
        print(
            f"Database {store.db.name}: {len(loaded)} bundled plans loaded, "
            f"with {results} results their reports print."
        )
        if args.demo:
            summary = await setup.add_demo(store)
            print(summary)
    return 0


async def _invite(args: argparse.Namespace, settings: Settings) -> int:
    async with await Store.open(settings.database_url, clock=args.clock) as store:
        unit = await setup.find_unit(store, args.unit)
        expires = args.clock.now() + dt.timedelta(days=args.days)
        code = await store.invites.create(unit.id, args.role, uses=args.uses, expires_at=expires)
    username = await setup.bot_username(settings)
    print(
        f"Mã mời / invite code: {code}  ({unit.level} {unit.name}, {args.role}, {args.uses} lượt)"
    )
    for line in setup.invite_lines(settings, code, username):
        print(line)
    return 0


async def _run(args: argparse.Namespace, settings: Settings) -> int:
    if (
        settings.telegram_token is None
        and settings.zalo_bot_token is None
        and settings.zalo_oa() is None
    ):
        raise setup.OperatorError(
            "none of CHITIEU_TELEGRAM_TOKEN, CHITIEU_ZALO_BOT_TOKEN and CHITIEU_ZALO_APP_ID"
            " is set: nothing to run. Use `chitieu chat` in the terminal."
        )
    from bot.runner import run_channels

    await run_channels(settings, args.clock)
    return 0


async def _chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console import ConsoleChat, is_interactive, run_console
    from handlers.app import build_router
    from handlers.services import Services

    async with await Store.open(settings.database_url, clock=args.clock) as store:
        person = await setup.console_person(store, args.person)
        services = Services(store=store)
        chat = ConsoleChat(build_router(services), f"person-{person.id}", person.name, sys.stdout)
        interactive = is_interactive()
        if interactive:
            print(_("chitieu — {name}. Press a button by typing /1, /2…; /exit leaves.").format(
                name=person.name) + "\n")  # fmt: skip
        await run_console(chat, sys.stdin, interactive=interactive)
    return 0


async def _units(args: argparse.Namespace, settings: Settings) -> int:
    async with await Store.open(settings.database_url, clock=args.clock) as store:
        for line in await setup.unit_lines(store):
            print(line)
    return 0


async def _people(args: argparse.Namespace, settings: Settings) -> int:
    async with await Store.open(settings.database_url, clock=args.clock) as store:
        for line in await setup.people_lines(store):
            print(line)
    return 0


async def _plans(args: argparse.Namespace, settings: Settings) -> int:
    async with await Store.open(settings.database_url, clock=args.clock) as store:
        for plan in await store.plans.all():
            origin = f" (from {plan.derived_from})" if plan.derived_from else ""
            print(
                f"{plan.id}\t{plan.year}\t{len(plan.indicators)} indicators\t{plan.title}{origin}"
            )
    return 0


async def _plans_copy(args: argparse.Namespace, settings: Settings) -> int:
    async with await Store.open(settings.database_url, clock=args.clock) as store:
        plan = await setup.copy_plan(store, args.plan, args.year)
    print(f"{plan.id}: {plan.title}")
    return 0


async def _export(args: argparse.Namespace, settings: Settings) -> int:
    from handlers.exports.appendix import appendix_file
    from handlers.services import Services

    async with await Store.open(settings.database_url, clock=args.clock) as store:
        services = Services(store=store)
        unit = await setup.report_unit(services, args.unit)
        period = setup.read_period(args.period, services.now().date()) if args.period else None
        made = await appendix_file(services, unit, period)
        if made is None:
            raise setup.OperatorError(f"{unit.level} {unit.name} has no plan for that period")
    Path(args.out).write_bytes(made.content)
    print(f"{args.out}: {made.caption}")
    return 0


async def _remind(args: argparse.Namespace, settings: Settings) -> int:
    from bot.reminding import remind

    if args.date is not None and not args.dry_run:
        raise setup.OperatorError("--date only goes with --dry-run: rounds are queued for now")
    for line in await remind(settings, args.clock, dry_run=args.dry_run, day=args.date):
        print(line)
    return 0


async def _backup(args: argparse.Namespace, settings: Settings) -> int:
    async with await Store.open(settings.database_url, clock=args.clock) as store:
        await store.backup(args.file)
    print(f"Backup written to {args.file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
