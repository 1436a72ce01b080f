"""Benchmark: turns per second, side by side with a minimal python-telegram-bot echo bot.

    .venv/bin/python -m bench.turns [--members 100] [--pairs 3] [--rate 20] [--flood 300]

`--members` registered members (a village each) go through the reporting conversation
(/baocao, Bắt đầu, a value for 3.1, Bỏ qua for the comment and the other three
indicators, Lưu: 8 updates), each acting as soon as the answer to its last step has
arrived (closed loop). The bot runs as a subprocess (`chitieu`: the real Telegram
channel, inbox, router, SQLite store and outbox sender, as `chitieu run` has them;
`echo`: python-telegram-bot's Application answering each message with its text and each
button with its data), polling a fake Bot API in this process (bench/fake_bot_api.py,
on a thread of its own). The two sides alternate, A then B, `--pairs` times, and each
figure is the median of its runs:

- updates/s with the rate limiters as shipped (chitieu's own, python-telegram-bot's
  AIORateLimiter for the echo bot), against a server enforcing Telegram's limits (30
  messages/s overall, 1/s per private chat, 429 beyond);
- updates/s with no limiter on either side and a server enforcing none (the CPU ceiling);
- CPU per update (the bot process's CPU time while serving, divided by updates), in
  the no-limiter runs;
- p95 latency (an update queued → the message that ends its answer delivered) with the
  members' steps paced to a fixed `--rate` updates/s, limiters as shipped;
- the same p95 of the members while one more member sends `--flood` messages at once
  (chitieu only: the flood throttle's effect on everyone else);
- messages per turn, Bot API requests per update (getUpdates included: how well each
  side batches its polling), and SQL statements per reporting turn (the statements of each
  turn's own transaction, BEGIN and COMMIT included, for the steps after /baocao) and
  per update (everything the process ran, from the SQLite connections' trace callback:
  inbox, turns, outbox polling).

A turn is answered when a message with buttons arrives (every step of the conversation
ends with its buttons) or "Đã lưu"; for the echo bot, at its one message.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import os
import platform
import pstats
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.fake_bot_api import UNLIMITED, FakeBotApi, Limits
from storage import Store, SystemClock

ROOT = Path(__file__).resolve().parents[1]
BOT_ID = 7000001
TOKEN = f"{BOT_ID}:AAFakeTokenForBenchOnly_abcdefghij"
FIRST_MEMBER = 5_000_000
SAVED = "Đã lưu"
_LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")
PROFILE_TO = "CHITIEU_BENCH_PROFILE"  # set for the bot process by --profile
STEPS = 8  # updates of one member's conversation
ECHO_SCRIPT = ["m:/baocao", "b:start", "m:200/300", "b:skip", "b:skip", "b:skip", "b:skip",
               "b:save"]  # fmt: skip


# --- the members (on the fake server's thread) -------------------------------------------


def message_update(chat: int, text: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "message_id": 1,
        "date": 1_795_000_000,
        "chat": {"id": chat, "type": "private", "first_name": "Lan"},
        "from": {"id": chat, "is_bot": False, "first_name": "Lan"},
        "text": text,
    }
    if text.startswith("/"):
        body["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text)}]
    return {"message": body}


def press_update(chat: int, data: str, n: int) -> dict[str, Any]:
    return {
        "callback_query": {
            "id": f"cq-{chat}-{n}",
            "from": {"id": chat, "is_bot": False, "first_name": "Lan"},
            "chat_instance": "ci",
            "data": data,
            "message": {
                "message_id": 1,
                "date": 1_795_000_000,
                "chat": {"id": chat, "type": "private"},
                "text": "…",
            },
        }
    }


@dataclass
class Member:
    chat: int
    side: str
    value: int
    step: int = 0
    messages: int = 0
    keyboard: list[list[dict[str, Any]]] = field(default_factory=list)
    last_text: str = ""
    gave_value: bool = False
    done: bool = False
    pushed_at: float = 0.0

    def next_update(self) -> dict[str, Any] | None:
        """The next step, acting on the bot's last answer; None once the report is saved."""
        self.step += 1
        if self.side == "echo":
            if self.step > len(ECHO_SCRIPT):
                return None
            kind, text = ECHO_SCRIPT[self.step - 1].split(":", 1)
            if kind == "m":
                return message_update(self.chat, text)
            return press_update(self.chat, text, self.step)
        if self.step == 1:
            return message_update(self.chat, "/baocao")
        if self.last_text.startswith(SAVED):
            return None
        labels = {key["text"]: key.get("callback_data", "") for row in self.keyboard for key in row}
        if "Lưu" in labels:
            return press_update(self.chat, labels["Lưu"], self.step)
        if "Bắt đầu" in labels and not self.gave_value:
            return press_update(self.chat, labels["Bắt đầu"], self.step)
        if not self.gave_value and "3.1" in self.last_text:
            self.gave_value = True
            return message_update(self.chat, f"{self.value}/300")
        if "Bỏ qua" in labels:
            return press_update(self.chat, labels["Bỏ qua"], self.step)
        raise RuntimeError(f"member {self.chat}: no step to take at step {self.step}")

    def answered(self, params: dict[str, Any]) -> bool:
        """Whether this message ends the answer to the member's last update."""
        self.messages += 1
        self.last_text = str(params.get("text", ""))
        markup = params.get("reply_markup")
        if isinstance(markup, dict) and markup.get("inline_keyboard"):
            self.keyboard = markup["inline_keyboard"]
        return self.side == "echo" or bool(markup) or self.last_text.startswith(SAVED)


class Driver:
    """Members acting on their answers: at once (closed loop), or paced to `rate`
    updates a second overall, taking the members that are ready in turn."""

    def __init__(
        self, api: FakeBotApi, members: list[Member], rate: float | None, flood: int = 0
    ) -> None:
        self.api = api
        self.flood = flood  # messages one more member sends at once when the run begins
        self.members = {m.chat: m for m in members}
        self.rate = rate
        self.latencies: list[float] = []
        self.first_push = 0.0
        self.last_answer = 0.0
        self.updates = 0
        self._ready: asyncio.Queue[Member] = asyncio.Queue()
        self._finished = asyncio.Event()
        self._left = len(members)

    def on_message(self, chat: int, params: dict[str, Any]) -> None:
        member = self.members.get(chat)
        if member is None or member.done or not member.answered(params):
            return
        now = time.perf_counter()
        self.latencies.append(now - member.pushed_at)
        self.last_answer = now
        if self.rate is None:
            self._push(member)
        else:
            self._ready.put_nowait(member)

    def _push(self, member: Member) -> None:
        update = member.next_update()
        if update is None:
            member.done = True
            self._left -= 1
            if self._left == 0:
                self._finished.set()
            return
        member.pushed_at = time.perf_counter()
        self.updates += 1
        self.api.push(update)

    async def run(self, timeout: float, duration: float | None) -> None:
        self.first_push = time.perf_counter()
        flooder = FIRST_MEMBER + len(self.members)  # registered, and not one of the members
        for n in range(self.flood):
            self.api.push(message_update(flooder, f"xin chào {n}"))
        if self.rate is None:
            for member in self.members.values():
                self._push(member)
            await asyncio.wait_for(self._finished.wait(), timeout)
            return
        for member in self.members.values():
            self._ready.put_nowait(member)
        interval = 1.0 / self.rate
        next_at = time.perf_counter()
        end = next_at + (duration or timeout)
        while time.perf_counter() < end and not self._finished.is_set():
            member = await self._ready.get()
            delay = next_at - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            next_at = max(next_at + interval, time.perf_counter() - interval)
            self._push(member)
        await asyncio.sleep(1.0)  # the answers still on their way


# --- one run ---------------------------------------------------------------------------


@dataclass
class Run:
    side: str
    limiter: bool
    rate: float | None
    updates: int
    seconds: float
    latencies: list[float]
    messages: int
    too_many: int
    cpu: float
    requests: int = 0  # Bot API calls during the run, getUpdates included
    sql_turns: int = 0
    sql_turn_statements: int = 0
    sql_statements: int = 0
    sql_kinds: list[tuple[str, int]] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.updates / self.seconds

    @property
    def cpu_ms(self) -> float:
        return 1000 * self.cpu / self.updates

    @property
    def p95_ms(self) -> float:
        return 1000 * statistics.quantiles(self.latencies, n=20)[-1]


def one_run(
    side: str,
    limiter: bool,
    template: str,
    members: int,
    rate: float | None,
    duration: float,
    flood: int = 0,
    root: Path = ROOT,
) -> Run:
    workdir = Path(tempfile.mkdtemp(prefix=f"chitieu-turns-{side}-"))
    db = str(workdir / "bench.sqlite3")
    shutil.copy(template, db)
    crowd = [Member(FIRST_MEMBER + n, side, 150 + n % 100) for n in range(members)]
    api = FakeBotApi(Limits() if limiter else UNLIMITED)
    driver = Driver(api, crowd, rate, flood)
    api.on_message = driver.on_message
    api.start()
    command = [sys.executable, "-m", "bench.turns", "--serve", side, "--url", api.base_url,
               "--db", db] + ([] if limiter else ["--no-limiter"])  # fmt: skip
    bot = subprocess.Popen(command, cwd=root, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                           stderr=(workdir / "bot.log").open("w"), text=True)  # fmt: skip
    assert bot.stdin is not None and bot.stdout is not None
    try:
        ready = bot.stdout.readline()
        if not ready.startswith("ready"):
            raise RuntimeError(f"the {side} bot did not start: see {workdir / 'bot.log'}")
        sent_before = api.stats.delivered
        requests_before = api.stats.requests + api.stats.polls
        asyncio.run_coroutine_threadsafe(driver.run(600.0, duration if rate else None),
                                         api.loop).result(700)  # fmt: skip
        messages = api.stats.delivered - sent_before
        requests = api.stats.requests + api.stats.polls - requests_before
        bot.stdin.close()
        stats = json.loads(bot.stdout.readline())
        bot.wait(30)
    finally:
        if bot.poll() is None:
            bot.kill()
        api.stop()
    if driver.updates == 0 or not driver.latencies:
        raise RuntimeError(f"the {side} bot answered nothing: see {workdir / 'bot.log'}")
    shutil.rmtree(workdir, ignore_errors=True)
    return Run(
        side=side,
        limiter=limiter,
        rate=rate,
        updates=len(driver.latencies),
        seconds=driver.last_answer - driver.first_push,
        latencies=driver.latencies,
        messages=messages,
        too_many=api.stats.too_many,
        cpu=stats["cpu"],
        requests=requests,
        sql_turns=stats.get("sql_turns", 0),
        sql_turn_statements=stats.get("sql_turn_statements", 0),
        sql_statements=stats.get("sql_statements", 0),
        sql_kinds=[(text, count) for text, count in stats.get("sql_kinds", [])],
    )


async def prepare(db: str, members: int) -> None:
    """The demo database with a village and a registered member (on Telegram) each."""
    from bot import setup
    from indicators.people import Role

    async with await Store.open(db, clock=SystemClock()) as store:
        await setup.load_bundled_plans(store)
        await setup.add_demo(store)
        commune = (await store.units.by_name("Đồng Lạc", level="xã"))[0]
        for n in range(members):
            unit = await store.units.add(f"Xóm Bench {n + 1}", "thôn", commune.id)
            person = await store.people.add_person(f"Thành viên {n + 1}", Role.MEMBER, unit.id)
            chat = str(FIRST_MEMBER + n)
            await store.people.link_identity(person.id, "telegram", chat, chat_id=chat)


# --- the bots (subprocesses) -------------------------------------------------------------


async def until_stdin_closes() -> None:
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


def say(line: str) -> None:
    print(line, flush=True)


class _Counting:
    """A transaction's connection, counting the statements it runs into `box`."""

    def __init__(self, connection: Any, box: list[int]) -> None:
        self._connection = connection
        self._box = box

    async def execute(self, sql: str, params: Any) -> int:
        self._box[0] += 1
        return int(await self._connection.execute(sql, params))

    async def execute_many(self, sql: str, rows: Any) -> None:
        self._box[0] += 1
        await self._connection.execute_many(sql, rows)

    async def fetch_all(self, sql: str, params: Any) -> Any:
        self._box[0] += 1
        return await self._connection.fetch_all(sql, params)

    async def copy_rows(self, table: str, columns: Any, rows: Any) -> None:
        self._box[0] += 1
        await self._connection.copy_rows(table, columns, rows)


async def serve_chitieu(url: str, db: str, limiter: bool) -> None:
    from bot.rollup_keeper import RollupKeeper
    from bot.sender import OutboxSender
    from bot.table_files import sent_tables
    from bot.telegram_channel import running_telegram
    from handlers.app import build_router
    from handlers.messages import Reply, Turn, TurnKind
    from handlers.router import Record
    from handlers.services import Services
    from storage.backends import Tx

    async with await Store.open(db, clock=SystemClock()) as store:
        counted = {"all": 0, "turns": 0, "in_turns": 0}
        kinds: Counter[str] = Counter()  # statements by their first words (--profile)
        profiling = PROFILE_TO in os.environ

        def trace(statement: str) -> None:
            counted["all"] += 1
            if profiling:
                # Values as placeholders: a statement's kind, whatever it was given.
                kinds[_LITERAL.sub("?", " ".join(statement.split()))[:90]] += 1

        backend: Any = store.db
        for connection in (backend._writer, backend._reader):
            if connection is not None:
                await connection.raw.set_trace_callback(trace)
        services = Services(store=store, read_tables=sent_tables)
        router = build_router(services)
        handle = router.handle

        # Turns run side by side (one lane per chat), so a turn's statements are those of
        # its own task: counted where its transaction reaches the connection, plus its
        # BEGIN and COMMIT.
        in_turn: ContextVar[list[int] | None] = ContextVar("in_turn", default=None)
        real_conn = Tx._conn

        def conn(tx: Tx) -> Any:
            box = in_turn.get()
            return real_conn(tx) if box is None else _Counting(real_conn(tx), box)

        Tx._conn = conn  # type: ignore[method-assign,assignment]

        async def counting(turn: Turn, *, record: Record | None = None) -> list[Reply]:
            box = [2]  # BEGIN, COMMIT
            in_turn.set(box)
            try:
                replies = await handle(turn, record=record)
            finally:
                in_turn.set(None)
            if turn.kind is not TurnKind.COMMAND:  # the steps after /baocao
                counted["turns"] += 1
                counted["in_turns"] += box[0]
            return replies

        router.handle = counting  # type: ignore[method-assign]

        def started(username: str) -> None:
            services.bot_username = username

        async with running_telegram(TOKEN, router, base_url=url, webhook_url=None,
                                    webhook_port=0, on_started=started,
                                    rate_limit=limiter) as channel:  # fmt: skip
            sender = OutboxSender(store, channel)
            # As `chitieu run`: the saves' roll-ups are settled beside the turns.
            background = [asyncio.create_task(sender.run()),
                          asyncio.create_task(RollupKeeper(store).run())]  # fmt: skip
            counted["all"] = 0
            profile = os.environ.get(PROFILE_TO)
            profiler = cProfile.Profile() if profile is not None else None
            cpu = time.process_time()
            if profiler is not None:
                profiler.enable()
            say("ready")
            await until_stdin_closes()
            if profiler is not None and profile is not None:
                profiler.disable()
                profiler.dump_stats(profile)
            cpu = time.process_time() - cpu
            statements = counted["all"]
            for task in background:
                task.cancel()
            await asyncio.gather(*background, return_exceptions=True)
    say(json.dumps({"cpu": cpu, "sql_statements": statements, "sql_turns": counted["turns"],
                    "sql_turn_statements": counted["in_turns"],
                    "sql_kinds": kinds.most_common(80)}))  # fmt: skip


async def serve_echo(url: str, limiter: bool) -> None:
    from telegram import Update
    from telegram.ext import (
        AIORateLimiter,
        ApplicationBuilder,
        CallbackQueryHandler,
        ContextTypes,
        MessageHandler,
        filters,
    )

    builder = ApplicationBuilder().token(TOKEN).base_url(url)
    if limiter:
        shipped = AIORateLimiter(max_retries=3)  # as chitieu shipped it
        builder = builder.rate_limiter(shipped)  # type: ignore[arg-type]
    application = builder.build()

    async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.effective_message is not None
        await update.effective_message.reply_text(update.effective_message.text or "")

    async def pressed(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        assert query is not None and update.effective_chat is not None
        await query.answer()
        await context.bot.send_message(update.effective_chat.id, query.data or "")

    application.add_handler(MessageHandler(filters.TEXT, echo))
    application.add_handler(CallbackQueryHandler(pressed))
    async with application:
        assert application.updater is not None
        await application.updater.start_polling(poll_interval=0.0, timeout=10)
        await application.start()
        cpu = time.process_time()
        say("ready")
        await until_stdin_closes()
        cpu = time.process_time() - cpu
        await application.updater.stop()
        await application.stop()
    say(json.dumps({"cpu": cpu}))


# --- the report --------------------------------------------------------------------------


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} CPUs ({model}), {platform.machine()}, Python "
            f"{platform.python_version()}, load average {load}")  # fmt: skip


def median(runs: list[Run], figure: Callable[[Run], float]) -> float:
    return statistics.median(figure(r) for r in runs)


def against(revision: str, template: str, members: int, pairs: int, duration: float) -> None:
    """The no-limiter run of chitieu at `revision` (a worktree of its own) and of the
    code as it is, alternated; the bench's own code is each side's."""
    checkout = Path(tempfile.mkdtemp(prefix="chitieu-turns-against-")) / "tree"
    subprocess.run(["git", "worktree", "add", "--detach", "-q", str(checkout), revision],
                   cwd=ROOT, check=True)  # fmt: skip
    sides = {revision: checkout, "now": ROOT}
    runs: dict[str, list[Run]] = {side: [] for side in sides}
    try:
        # Each side's database built by its own code: an older one refuses a newer schema.
        templates = {side: str(Path(template).with_suffix(f".{n}.sqlite3"))
                     for n, side in enumerate(sides)}  # fmt: skip
        for side, root in sides.items():
            call = f"t.prepare({templates[side]!r}, {members + 1})"
            code = f"import asyncio, bench.turns as t; asyncio.run({call})"
            subprocess.run([sys.executable, "-c", code], cwd=root, check=True)
        for pair in range(pairs):
            for side, root in sides.items():
                run = one_run("chitieu", False, templates[side], members, None, duration,
                              root=root)  # fmt: skip
                runs[side].append(run)
                print(f"  pair {pair + 1} {side}: {run.per_second:.1f}/s, CPU "
                      f"{run.cpu_ms:.2f} ms/update, {run.sql_statements / run.updates:.1f} "
                      "statements/update", flush=True)  # fmt: skip
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(checkout)], cwd=ROOT,
                       check=False)  # fmt: skip
        shutil.rmtree(checkout.parent, ignore_errors=True)
    print(f"\n{members} members, {pairs} pairs, medians, no limiter; machine: {machine()}")
    print(f"| figure | {revision} | now | ratio |\n|---|---|---|---|")
    a, b = (median(runs[side], lambda r: r.per_second) for side in sides)
    print(f"| updates/s | {a:.1f} | {b:.1f} | {b / a:.2f} |")
    a, b = (median(runs[side], lambda r: r.cpu_ms) for side in sides)
    print(f"| CPU per update | {a:.2f} ms | {b:.2f} ms | {b / a:.2f} |")
    a, b = (median(runs[side], lambda r: r.sql_statements / r.updates) for side in sides)
    print(f"| SQL statements per update | {a:.1f} | {b:.1f} | |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--members", type=int, default=100)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--rate", type=float, default=20.0, help="updates/s of the p95 runs")
    parser.add_argument("--rate-seconds", type=float, default=15.0)
    parser.add_argument(
        "--flood",
        type=int,
        default=300,
        help="messages one member sends at once in the flood runs (0: none)",
    )
    parser.add_argument(
        "--against",
        metavar="REVISION",
        help="instead: chitieu without a limiter at this git revision and as it is now, "
        "alternated --pairs times (a change's effect on the ceiling, side by side)",
    )
    parser.add_argument(
        "--profile",
        metavar="FILE",
        help="instead: one chitieu run without a limiter, its bot process profiled "
        "(cProfile, main thread) into FILE, the costliest functions printed",
    )
    parser.add_argument("--serve", choices=("chitieu", "echo"), help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--no-limiter", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve == "chitieu":
        asyncio.run(serve_chitieu(args.url, args.db, not args.no_limiter))
        return
    if args.serve == "echo":
        asyncio.run(serve_echo(args.url, not args.no_limiter))
        return
    print(f"machine: {machine()}", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="chitieu-turns-"))
    template = str(workdir / "template.sqlite3")
    if args.against:
        against(args.against, template, args.members, args.pairs, args.rate_seconds)
        shutil.rmtree(workdir, ignore_errors=True)
        return
    asyncio.run(prepare(template, args.members + 1))  # and the flooder
    if args.profile:
        os.environ[PROFILE_TO] = str(Path(args.profile).resolve())
        run = one_run("chitieu", False, template, args.members, None, args.rate_seconds)
        print(f"{run.updates} updates, {run.per_second:.1f}/s, CPU {run.cpu_ms:.2f} ms/update")
        print("SQL statements per update, by their first words:")
        for text, count in run.sql_kinds:
            print(f"{count / run.updates:7.2f}  {text}")
        pstats.Stats(os.environ[PROFILE_TO]).sort_stats("tottime").print_stats(30)
        return
    runs: dict[tuple[str, str], list[Run]] = {}
    kinds = [("limiter", True, None), ("none", False, None), ("paced", True, args.rate)]
    for kind, limiter, rate in kinds:
        for pair in range(args.pairs):
            for side in ("chitieu", "echo"):
                run = one_run(side, limiter, template, args.members, rate, args.rate_seconds)
                runs.setdefault((kind, side), []).append(run)
                print(f"  {kind} pair {pair + 1} {side}: {run.updates} updates in "
                      f"{run.seconds:.1f} s = {run.per_second:.1f}/s, p95 {run.p95_ms:.1f} ms, "
                      f"CPU {run.cpu_ms:.2f} ms/update, {run.messages / run.updates:.2f} "
                      f"messages/turn, {run.requests / run.updates:.2f} requests/update, "
                      f"429s {run.too_many}", flush=True)  # fmt: skip
    for pair in range(args.pairs if args.flood else 0):
        run = one_run("chitieu", True, template, args.members, args.rate, args.rate_seconds,
                      flood=args.flood)  # fmt: skip
        runs.setdefault(("flood", "chitieu"), []).append(run)
        print(f"  flood pair {pair + 1} chitieu: {run.updates} updates of the others, "
              f"p95 {run.p95_ms:.1f} ms", flush=True)  # fmt: skip
    shutil.rmtree(workdir, ignore_errors=True)

    def both(kind: str, figure: Callable[[Run], float]) -> tuple[float, float]:
        return median(runs[kind, "chitieu"], figure), median(runs[kind, "echo"], figure)

    print(f"\n{args.members} members, {args.pairs} pairs, medians; machine: {machine()}")
    print("| figure | chitieu | echo bot | ratio |\n|---|---|---|---|")
    a, b = both("limiter", lambda r: r.per_second)
    print(f"| updates/s, limiters as shipped | {a:.1f} | {b:.1f} | {a / b:.2f} |")
    a, b = both("none", lambda r: r.per_second)
    print(f"| updates/s, no limiter (CPU ceiling) | {a:.1f} | {b:.1f} | {a / b:.2f} |")
    a, b = both("none", lambda r: r.cpu_ms)
    print(f"| CPU per update | {a:.2f} ms | {b:.2f} ms | {a / b:.1f}× |")
    a, b = both("paced", lambda r: r.p95_ms)
    print(f"| p95 at a fixed {args.rate:g} updates/s | {a:.1f} ms | {b:.1f} ms | {a / b:.1f}× |")
    if args.flood:
        a = median(runs["paced", "chitieu"], lambda r: r.p95_ms)
        b = median(runs["flood", "chitieu"], lambda r: r.p95_ms)
        print(f"| p95 of the others at {args.rate:g} updates/s with one member sending "
              f"{args.flood} messages at once | {b:.1f} ms (without: {a:.1f} ms) | — | "
              f"{b / a:.1f}× |")  # fmt: skip
    a, b = both("limiter", lambda r: r.messages / r.updates)
    print(f"| messages per turn | {a:.2f} | {b:.2f} | |")
    a, b = both("none", lambda r: r.requests / r.updates)
    print(f"| Bot API requests per update, no limiter (getUpdates included) "
          f"| {a:.2f} | {b:.2f} | |")  # fmt: skip
    chitieu = [r for kind in ("limiter", "none") for r in runs[kind, "chitieu"]]
    in_turn = median(chitieu, lambda r: r.sql_turn_statements / max(1, r.sql_turns))
    overall = median(chitieu, lambda r: r.sql_statements / r.updates)
    print(f"| SQL statements per reporting turn (in the turn / all per update) "
          f"| {in_turn:.1f} / {overall:.1f} ({in_turn - 2:.1f} in the turn without BEGIN "
          "and COMMIT) | — | |")  # fmt: skip


if __name__ == "__main__":
    main()
