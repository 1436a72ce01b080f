"""Benchmark: a broadcast to many people through the outbox sender, against a local fake
Bot API that enforces Telegram's limits (30/s overall, 1/s per chat) and answers 429
beyond them.

    .venv/bin/python -m bench.broadcast [--recipients 10000] [--runs plain,kill,term]

Each run queues one broadcast in a fresh database and runs the real sender (bot/sender.py,
python-telegram-bot's HTTPXRequest pointed at the fake server) in a worker process until
every message is settled. "kill" SIGKILLs the worker once half the recipients have their
message and starts a new one; "term" stops it with SIGTERM (a normal stop) instead. While
the broadcast runs, interactive replies go out directly at 2 per second, as the bot's
replies would. Everything stays on 127.0.0.1; a run that takes far longer than it should
is stopped and reported.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from telegram import Bot
from telegram.error import RetryAfter
from telegram.request import HTTPXRequest

from bench.fake_bot_api import FakeBotApi
from bot.sender import Limits, OutboxSender
from bot.telegram_channel import CAPABILITIES, TelegramChannel
from handlers.messages import Reply
from handlers.queued_replies import to_payload
from indicators.people import Role
from storage import NewMessage, OutboxState, Store, SystemClock

TOKEN = "7000001:AAFakeTokenForBenchmarksOnly_abcdefg"
BATCH = "bench"
FIRST_CHAT = 1_000_000
REPLY_CHAT = 9_000_000
TEXT = (
    "Thông báo từ Nguyễn Thị Lan (Đồng Lạc):\n\nHọp Tổ công nghệ số cộng đồng lúc 8 giờ sáng "
    "thứ Hai tại nhà văn hóa xã. Đề nghị các thôn đi đủ."
)
ROOT = Path(__file__).resolve().parents[1]


# --- the worker process ----------------------------------------------------------------


async def work(db: str, api: str, rate: float) -> None:
    """Send the outbox until the broadcast is settled; SIGTERM stops it normally."""
    limits = Limits(per_second=rate)
    request = HTTPXRequest(connection_pool_size=limits.in_flight + 4)
    async with (
        await Store.open(db, clock=SystemClock()) as store,
        Bot(TOKEN, base_url=api, request=request) as bot,
    ):
        sender = OutboxSender(store, TelegramChannel(bot), limits=limits)
        task = asyncio.create_task(sender.run())
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, task.cancel)
        while not task.done():
            progress = await store.outbox.batch_progress(BATCH)
            waiting = sum(progress[s] for s in (OutboxState.PENDING, OutboxState.SENDING))
            if waiting + progress[OutboxState.FAILED] == 0:
                task.cancel()
            await asyncio.sleep(0.5)
        with contextlib.suppress(asyncio.CancelledError):
            await task


# --- the benchmark ---------------------------------------------------------------------


async def prepare(db: str, recipients: int) -> None:
    async with await Store.open(db, clock=SystemClock()) as store:
        unit = await store.units.add("Đồng Lạc", "xã")
        sender = await store.people.add_person("Nguyễn Thị Lan", Role.OFFICIAL, unit.id)
        reply = Reply(TEXT)
        messages = [
            NewMessage(
                "telegram",
                str(FIRST_CHAT + n),
                to_payload(reply, person_id=n + 10, external_id=str(FIRST_CHAT + n)),
                f"{BATCH}:telegram:{FIRST_CHAT + n}",
            )
            for n in range(recipients)
        ]
        await store.broadcasts.create(
            BATCH,
            person_id=sender.id,
            unit_id=unit.id,
            audience="members",
            text=TEXT,
            reply_channel="telegram",
            reply_to=str(REPLY_CHAT - 1),
            messages=messages,
        )


@dataclass
class Replies:
    latencies: list[float]
    too_many: int = 0


async def replies_meanwhile(api: str, stop: asyncio.Event) -> Replies:
    """Interactive replies at 2/s straight through the Bot API, as the bot answers people."""
    found = Replies([])
    async with Bot(TOKEN, base_url=api) as bot:
        n = 0
        while not stop.is_set():
            started = time.monotonic()
            try:
                await bot.send_message(REPLY_CHAT + n % 500, "Đã ghi 3.1: 60% (180/300 hộ).")
                found.latencies.append(time.monotonic() - started)
            except RetryAfter:
                found.too_many += 1
            n += 1
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
    return found


def start_worker(db: str, api: str, rate: float, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "bench.broadcast", "worker", "--db", db, "--api", api,
             "--rate", str(rate)],
            env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip


async def wait_for(process: subprocess.Popen[bytes], deadline: float) -> bool:
    while process.poll() is None:
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            return False
        await asyncio.sleep(0.2)
    return True


async def run(kind: str, recipients: int, rate: float, workdir: Path) -> dict[str, object]:
    db = str(workdir / f"{kind}.db")
    log = workdir / f"{kind}.log"
    await prepare(db, recipients)
    server = FakeBotApi()
    server.start()
    stop = asyncio.Event()
    replies_task = asyncio.create_task(replies_meanwhile(server.base_url, stop))
    deadline = time.monotonic() + recipients / (rate * 0.8) + 120
    restarts = 0
    completed = True
    try:
        process = start_worker(db, server.base_url, rate, log)
        if kind in ("kill", "term"):
            while server.stats.delivered < recipients // 2 and process.poll() is None:
                await asyncio.sleep(0.01)
            process.send_signal(signal.SIGKILL if kind == "kill" else signal.SIGTERM)
            process.wait()
            restarts = 1
            process = start_worker(db, server.base_url, rate, log)
        completed = await wait_for(process, deadline)
    finally:
        stop.set()
        replies = await replies_task
        server.stop()
    return figures(kind, server, recipients, replies, restarts, completed, db)


def figures(
    kind: str,
    server: FakeBotApi,
    recipients: int,
    replies: Replies,
    restarts: int,
    completed: bool,
    db: str,
) -> dict[str, object]:
    broadcast = [(t, c) for t, c in server.stats.accepted_at if FIRST_CHAT <= c < REPLY_CHAT]
    times = [t for t, _ in broadcast]
    counts = [server.stats.accepted[FIRST_CHAT + n] for n in range(recipients)]
    duration = times[-1] - times[0] if len(times) > 1 else 0.0
    gaps = [b - a for a, b in itertools.pairwise(times)]
    gap = max(gaps, default=0.0)
    sending = duration - (gap if restarts else 0.0)
    lo, hi = int(len(times) * 0.05), int(len(times) * 0.95) - 1
    sustained = (hi - lo) / (times[hi] - times[lo]) if hi > lo else 0.0
    if restarts:
        # The middle stretch spans the restart; measure both sides of it instead.
        cut = gaps.index(gap) + 1
        halves = [times[:cut], times[cut:]]
        sustained = min((len(h) - 1) / (h[-1] - h[0]) for h in halves if len(h) > 1)
    latencies = sorted(replies.latencies)
    return {
        "run": kind,
        "completed": completed,
        "recipients": recipients,
        "delivered": sum(1 for c in counts if c > 0),
        "duplicates": sum(c - 1 for c in counts if c > 1),
        "lost": sum(1 for c in counts if c == 0),
        "too_many_requests": server.stats.too_many,
        "seconds": round(duration, 1),
        "restart_gap_s": round(gap, 2) if restarts else None,
        "rate_overall": round(len(times) / duration, 2) if duration else 0.0,
        "rate_sending": round(len(times) / sending, 2) if sending else 0.0,
        "rate_sustained": round(sustained, 2),
        "replies": len(latencies),
        "reply_429": replies.too_many,
        "reply_ms_median": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "reply_ms_max": round(latencies[-1] * 1000, 1) if latencies else None,
        "db": db,
    }


def report(results: list[dict[str, object]]) -> None:
    columns = [
        ("run", "run"), ("recipients", "recipients"), ("delivered", "delivered"),
        ("duplicates", "dup"), ("lost", "lost"), ("too_many_requests", "429s"),
        ("seconds", "seconds"), ("restart_gap_s", "restart gap s"),
        ("rate_sustained", "msg/s sustained"), ("rate_sending", "msg/s sending"),
        ("rate_overall", "msg/s overall"), ("replies", "replies"), ("reply_429", "reply 429s"),
        ("reply_ms_median", "reply ms p50"), ("reply_ms_max", "reply ms max"),
    ]  # fmt: skip
    print("| " + " | ".join(title for _, title in columns) + " |")
    print("|" + "---|" * len(columns))
    for result in results:
        print("| " + " | ".join("—" if result[key] is None else str(result[key])
                                for key, _ in columns) + " |")  # fmt: skip


async def main_async(args: argparse.Namespace) -> int:
    results = []
    with tempfile.TemporaryDirectory(prefix="chitieu-bench-") as tmp:
        for kind in args.runs.split(","):
            started = time.monotonic()
            print(f"run {kind}: {args.recipients} recipients…", file=sys.stderr, flush=True)
            result = await run(kind, args.recipients, args.rate, Path(tmp))
            print(f"run {kind}: {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
            results.append(result)
            if not result["completed"]:
                print(f"run {kind} did not finish in time; see its log", file=sys.stderr)
    report(results)
    bad = [r for r in results if r["duplicates"] or r["lost"] or not r["completed"]]
    return 1 if bad else 0


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench.broadcast", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command")
    worker = sub.add_parser("worker")
    worker.add_argument("--db", required=True)
    worker.add_argument("--api", required=True)
    worker.add_argument("--rate", type=float, required=True)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--runs", default="plain,kill,term", help="plain, kill, term")
    parser.add_argument("--rate", type=float, default=CAPABILITIES.messages_per_second)
    args = parser.parse_args()
    if args.command == "worker":
        asyncio.run(work(args.db, args.api, args.rate))
        return 0
    return asyncio.run(main_async(args))


if __name__ == "__main__":
    sys.exit(main())
