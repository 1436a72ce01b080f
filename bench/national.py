"""Benchmark: a country's worth of data, asked about by a commune, a province and the nation.

    nice -n 10 .venv/bin/python -m bench.national [--communes 3321] [--villages 24]
        [--quarters 8] [--people 200000] [--backend sqlite|postgresql|both] [--runs 20]

Builds (once: the database is cached between runs, keyed by the scale) a national tree —
one country, 34 provinces, `--communes` communes spread evenly over them, `--villages`
villages each — the Đồng Lạc plan with its 18 indicators reported by every village (one
plan per year, rolled over), `--quarters` quarters of values ending with 2026-Q4 (the
open quarter, reported by about two thirds of the villages), and `--people` people: an
official per commune, per province and for the country, the rest members of villages.
At the full scale that is 83,060 units, about 11 million values and 200,000 people.
The rows go in through storage's bulk loader (storage/bulk.py), with a progress line.

Then, in a process of its own per backend (so that its peak memory is its own), it asks
as a commune official, a province official (about 100 communes) and the national one,
through the real router: not met, progress (the chart drawn afresh each time), not
reported, one indicator; and exports the appendix (xlsx) of the commune and the
province. It prints p50 / p95 in milliseconds, the peak RSS of that process, and the
machine.

PostgreSQL: a throwaway server from the machine's binaries (tests/postgres_server.py),
its data folder kept in the cache so the database is built only once too.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import random
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from handlers.app import build_router
from handlers.exports.appendix import FileFormat, appendix_file
from handlers.exports.charts import progress_chart
from handlers.messages import Turn, TurnKind
from handlers.services import Services
from indicators.people import Role
from indicators.periods import Period, PeriodKind
from indicators.plan import Plan, Tier
from indicators.rollover import roll_over
from indicators.values import AnyValue, PercentValue, RatioValue
from storage import FixedClock, NewValue, Store
from storage.plans import bundled_text

# Ten days before the fourth quarter's deadline (before 25/12/2026): Q4 2026 is open.
NOW = dt.datetime(2026, 12, 15, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=7)))
LAST_QUARTER = Period(2026, PeriodKind.QUARTER, 4)
PLAN = "dong-lac-2025"
PROVINCES = 34
QUESTIONS = {
    "not met": "chỉ tiêu nào chưa đạt",
    "progress+chart": "tiến độ",
    "not reported": "thôn nào chưa báo cáo",
    "one indicator": "cáp quang",
}
APPENDIX = "appendix xlsx"
# Values go to the database in batches of about this many rows: big enough for the bulk
# path to pay, small enough that a batch's rows never weigh much in memory.
BATCH = 200_000
# A question is asked `--runs` times, or fewer when it is slow: at least 3 runs, and no
# more once this many seconds have gone into it.
BUDGET_S = 40.0
# Raise when the database built changes (not for a new migration: opening migrates).
BUILT_AT_SCHEMA = 8


@dataclass(frozen=True)
class Scale:
    communes: int
    villages: int
    quarters: int
    people: int

    @property
    def key(self) -> str:
        # Opening a cached database migrates it like any other; the version it was built
        # at is in the name only so that a change of what is built can start afresh.
        scale = f"c{self.communes}-v{self.villages}-q{self.quarters}-p{self.people}"
        return f"national-{scale}-s{BUILT_AT_SCHEMA}"

    @property
    def province_count(self) -> int:
        return min(PROVINCES, self.communes)


class Progress:
    """One line on stderr, rewritten in place: what is being built, how far, how long."""

    def __init__(self, what: str, total: int) -> None:
        self.what, self.total, self.done = what, total, 0
        self.started = self.shown = time.perf_counter()
        self._show(force=True)

    def add(self, count: int) -> None:
        self.done += count
        self._show()

    def _show(self, *, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self.shown < 0.5 and self.done < self.total:
            return
        self.shown = now
        elapsed = now - self.started
        share = self.done / self.total if self.total else 1.0
        left = elapsed / share - elapsed if share > 0 else 0.0
        bar = "#" * int(share * 30)
        sys.stderr.write(
            f"\r{self.what:<8} [{bar:<30}] {self.done:>11,}/{self.total:,}"
            f" {share:6.1%} {elapsed:6.0f} s elapsed, ~{left:4.0f} s left"
        )
        sys.stderr.flush()

    def close(self) -> None:
        self._show(force=True)
        sys.stderr.write("\n")


def quarters(count: int) -> list[Period]:
    found = [LAST_QUARTER]
    while len(found) < count:
        found.insert(0, found[0].previous())
    return found


def village_plan_text(year: int) -> str:
    """The Đồng Lạc plan for `year` with every indicator reported by the villages: the
    scale the issue plans for (18 values per village and quarter)."""
    text = bundled_text(PLAN).replace("reported_by: commune", "reported_by: village")
    return text if year == 2025 else roll_over(text, year)


def value(plan: Plan, code: str, size: int, step: int, rng: random.Random) -> AnyValue:
    indicator = next(i for i in plan.indicators if i.code == code)
    share = min(50 + 5 * step + rng.randint(-10, 20), 100)
    if indicator.formula is not None:
        return RatioValue(size * share // 100, size)
    return PercentValue(Decimal(share))


def spread(total: int, parts: int) -> list[int]:
    """`total` split into `parts` counts differing by at most one."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


@dataclass(frozen=True)
class Built:
    national: int
    province: int
    commune: int
    officials: dict[str, int]  # who → person id
    units: int
    values: int
    people: int
    seconds: float


async def build(database: str, scale: Scale) -> Built:
    started = time.perf_counter()
    rng = random.Random(7)
    async with await Store.open(database, clock=FixedClock(NOW)) as store:
        [country] = await store.bulk.add_units([("Việt Nam", "quốc gia", None)])
        provinces = await store.bulk.add_units(
            [(f"Tỉnh {p:02d}", "tỉnh", country) for p in range(1, scale.province_count + 1)]
        )
        commune_parents = [
            province
            for province, count in zip(
                provinces, spread(scale.communes, len(provinces)), strict=True
            )
            for _ in range(count)
        ]
        communes = await store.bulk.add_units(
            [(f"Xã {c:04d}", "xã", parent) for c, parent in enumerate(commune_parents, 1)]
        )
        progress = Progress("units", scale.communes * scale.villages)
        villages: list[tuple[int, int]] = []  # (commune, village)
        for start in range(0, len(communes), 500):
            chunk = communes[start : start + 500]
            rows = [(f"Thôn {v}", "thôn", c) for c in chunk for v in range(1, scale.villages + 1)]
            ids = await store.bulk.add_units(rows)
            villages += [(row[2], unit_id) for row, unit_id in zip(rows, ids, strict=True)]
            progress.add(len(ids))
        progress.close()

        periods = quarters(scale.quarters)
        plans: dict[int, Plan] = {}
        for year in sorted({p.year for p in periods}):
            version = await store.plans.load_text(village_plan_text(year), source="bench copy")
            await store.plans.assign(country, version.plan_id)
            plan = await store.plans.get(version.plan_id)
            assert plan is not None
            plans[year] = plan
        codes = {
            year: [i.code for i in plan.indicators if i.reported_by is Tier.VILLAGE]
            for year, plan in plans.items()
        }
        total = sum(len(codes[p.year]) for p in periods) * len(villages)
        progress = Progress("values", total)
        batch: list[NewValue] = []
        recorded = 0
        for _commune, village in villages:
            size = rng.randint(60, 400)
            for step, quarter in enumerate(periods):
                if quarter == periods[-1] and rng.random() < 0.35:
                    progress.add(len(codes[quarter.year]))
                    continue  # the open quarter: a third have not reported yet
                plan = plans[quarter.year]
                for code in codes[quarter.year]:
                    figure = value(plan, code, size, step, rng)
                    batch.append(NewValue(village, plan.id, code, quarter.code, figure))
            if len(batch) >= BATCH:
                recorded += await store.bulk.add_values(batch, channel="bench")
                progress.add(len(batch))
                batch = []
        recorded += await store.bulk.add_values(batch, channel="bench")
        progress.add(len(batch))
        progress.close()
        await store.bulk.analyze()
        # The kept roll-ups of what the load wrote (storage/rollups.py), before anyone asks.
        await store.rollups.rebuild_stale()

        progress = Progress("people", scale.people)
        officials = {"national": country, "province": provinces[0], "commune": communes[0]}
        people: list[tuple[str, Role, int | None]] = [
            ("Cán bộ quốc gia", Role.OFFICIAL, country),
            *((f"Cán bộ tỉnh {i}", Role.OFFICIAL, p) for i, p in enumerate(provinces, 1)),
            *((f"Cán bộ xã {i}", Role.OFFICIAL, c) for i, c in enumerate(communes, 1)),
        ]
        members = max(scale.people - len(people), 0)
        people += [
            (f"Tổ CNSCĐ {i}", Role.MEMBER, villages[i % len(villages)][1]) for i in range(members)
        ]
        person_ids: list[int] = []
        for start in range(0, len(people), 50_000):
            person_ids += await store.bulk.add_people(people[start : start + 50_000])
            progress.add(len(people[start : start + 50_000]))
        progress.close()
        person_of_unit = {unit_id: person_id for (_n, _r, unit_id), person_id in zip(
            people, person_ids, strict=True)}  # fmt: skip
        who: dict[str, int] = {}
        for name, unit_id in officials.items():
            person_id = person_of_unit[unit_id]
            await store.people.link_identity(person_id, "bench", str(person_id))
            who[name] = person_id
        return Built(
            national=country,
            province=provinces[0],
            commune=communes[0],
            officials=who,
            units=1 + len(provinces) + len(communes) + len(villages),
            values=recorded,
            people=len(people),
            seconds=time.perf_counter() - started,
        )


# --- measuring -------------------------------------------------------------------------


def percentile(timings: Sequence[float], share: float) -> float:
    ordered = sorted(timings)
    return ordered[max(0, round(share * len(ordered)) - 1)]


async def timed(runs: int, step: Any) -> list[float]:
    """Milliseconds of `runs` runs of `step` after one warm-up (plans parsed, fonts read),
    fewer when the budget runs out."""
    await step()
    timings: list[float] = []
    budget_end = time.perf_counter() + BUDGET_S
    while len(timings) < runs and (len(timings) < 3 or time.perf_counter() < budget_end):
        started = time.perf_counter()
        await step()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


async def measure(database: str, built: Built, runs: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    async with await Store.open(database, clock=FixedClock(NOW)) as store:
        services = Services(store=store)
        router = build_router(services)
        units = {
            "commune": built.commune,
            "province": built.province,
            "national": built.national,
        }
        peaks: dict[str, float] = {}
        for who in ("commune", "province", "national"):
            person_id = built.officials[who]
            for question, text in QUESTIONS.items():
                turn = Turn("bench", str(person_id), str(person_id), TurnKind.TEXT, text=text)

                async def ask(turn: Turn = turn, question: str = question) -> None:
                    if question == "progress+chart":
                        progress_chart.cache_clear()
                    replies = await router.handle(turn)
                    if not replies or "chưa hiểu" in replies[0].text:
                        raise RuntimeError(f"unexpected answer: {replies}")

                timings = await timed(runs, ask)
                rows.append(_row(who, question, timings))
                _say(rows[-1])
            if who != "national":
                unit = await services.unit(units[who])

                async def export(unit: Any = unit) -> None:
                    made = await appendix_file(services, unit, None, FileFormat.XLSX)
                    if made is None:
                        raise RuntimeError("no appendix")

                timings = await timed(max(runs // 4, 3), export)
                rows.append(_row(who, APPENDIX, timings))
                _say(rows[-1])
            # The peak so far: after the commune's questions, after the province's too,
            # and after the nation's (whose "not reported" reads all 200,000 people).
            peaks[who] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB
        versions = await _server_version(store)
    return {"rows": rows, "peak_rss_mb": peaks, "server": versions}


def _row(who: str, question: str, timings: list[float]) -> dict[str, Any]:
    return {
        "who": who,
        "question": question,
        "runs": len(timings),
        "p50": statistics.median(timings),
        "p95": percentile(timings, 0.95),
    }


def _say(row: dict[str, Any]) -> None:
    sys.stderr.write(
        f"  {row['who']:<9} {row['question']:<15} p50 {row['p50']:9.1f} ms"
        f"  p95 {row['p95']:9.1f} ms  ({row['runs']} runs)\n"
    )


async def _server_version(store: Store) -> str:
    if store.db.dialect.name == "postgresql":
        return str(await store.db.fetch_value("SHOW server_version"))
    return f"SQLite {await store.db.fetch_value('SELECT sqlite_version()')}"


# --- databases: cached files and a cached PostgreSQL data folder ----------------------


def cache_root() -> Path:
    # /tmp rather than the home folder: under root the PostgreSQL server runs as nobody,
    # who must reach its data folder.
    return Path(os.environ.get("CHITIEU_BENCH_CACHE", "/tmp/chitieu-bench-cache"))


class CachedServer:
    """A PostgreSQL server whose data folder outlives the run, so the national database
    is built once; started from the machine's binaries like the tests' throwaway one."""

    def __init__(self, base: Path) -> None:
        from tests.postgres_server import PostgresServer, find_bindir

        bindir = find_bindir()
        if bindir is None:
            raise SystemExit("PostgreSQL binaries not found (CHITIEU_POSTGRES_BINDIR)")
        base.mkdir(parents=True, exist_ok=True)
        self.server = PostgresServer(bindir, base=base)

    def start(self) -> None:
        server = self.server
        if not (server.data / "PG_VERSION").exists():
            shutil.rmtree(server.data, ignore_errors=True)
            server.start()  # initdb, then start
            return
        options = (
            f"-k {server.socket_dir} -c listen_addresses='' -c max_connections=100"
            " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            " -c shared_buffers=256MB -c max_wal_size=4GB"
        )
        server._run(
            ["pg_ctl", "-D", str(server.data), "-o", options, "-l", str(server.base / "server.log"),
             "-w", "start"]
        )  # fmt: skip

    def stop(self) -> None:
        if (self.server.data / "postmaster.pid").exists():
            self.server._run(["pg_ctl", "-D", str(self.server.data), "-m", "fast", "-w", "stop"])

    def url(self, database: str) -> str:
        return self.server.url(database)

    async def database(self, name: str, *, fresh: bool) -> str:
        import asyncpg

        connection = await asyncpg.connect(self.server.url("postgres"))
        try:
            if fresh:
                await connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            exists = await connection.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
            if not exists:
                await connection.execute(f"CREATE DATABASE {name}")
        finally:
            await connection.close()
        return self.server.url(name)


def built_marker(backend: str, scale: Scale) -> Path:
    return cache_root() / f"{scale.key}.{backend}.built.json"


def child(argv: list[str]) -> str:
    """Run this module in a process of its own; its last line of output."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.national", *argv], stdout=subprocess.PIPE, text=True
    )
    if done.returncode != 0:
        raise SystemExit(f"bench.national {argv[0]} failed ({done.returncode})")
    return done.stdout.strip().splitlines()[-1]


def machine(results: dict[str, dict[str, Any]]) -> Iterator[str]:
    cpu = platform.processor() or platform.machine()
    with open("/proc/cpuinfo", encoding="utf-8") as info:
        names = [line.split(":", 1)[1].strip() for line in info if line.startswith("model name")]
    if names:
        cpu = names[0]
    yield f"machine: {cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"
    for backend, result in results.items():
        yield f"{backend}: {result['server']}"


def table(scale: Scale, results: dict[str, dict[str, Any]]) -> Iterator[str]:
    backends = list(results)
    head = "| who | question | " + " | ".join(f"{b} p50 | {b} p95" for b in backends) + " |"
    yield head
    yield "|" + "---|" * (2 + 2 * len(backends))
    first = results[backends[0]]["rows"]
    for index, row in enumerate(first):
        cells = []
        for backend in backends:
            other = results[backend]["rows"][index]
            cells += [f"{other['p50']:.0f}", f"{other['p95']:.0f}"]
        yield f"| {row['who']} | {row['question']} | " + " | ".join(cells) + " |"
    for backend, result in results.items():
        built = result["built"]
        yield (
            f"{backend}: built {built['units']:,} units, {built['values']:,} values,"
            f" {built['people']:,} people in {built['seconds']:.0f} s; peak RSS of the"
            " asking process after the questions of "
            + ", ".join(f"the {who} {mb:.0f} MB" for who, mb in result["peak_rss_mb"].items())
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communes", type=int, default=3321)
    parser.add_argument("--villages", type=int, default=24)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true", help="build even if cached")
    parser.add_argument("--build-only", action="store_true", help="build (or keep) and stop")
    # Internal: the steps run in their own processes.
    parser.add_argument("--step", choices=("build", "measure"), help=argparse.SUPPRESS)
    parser.add_argument("--database", help=argparse.SUPPRESS)
    args = parser.parse_args()
    scale = Scale(args.communes, args.villages, args.quarters, args.people)

    if args.step == "build":
        built = asyncio.run(build(args.database, scale))
        print(json.dumps(built.__dict__))
        return
    if args.step == "measure":
        marker = json.loads(built_marker(args.backend, scale).read_text())
        result = asyncio.run(measure(args.database, Built(**marker), args.runs))
        print(json.dumps(result))
        return

    cache_root().mkdir(parents=True, exist_ok=True)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    results: dict[str, dict[str, Any]] = {}
    for backend in backends:
        server: CachedServer | None = None
        marker = built_marker(backend, scale)
        fresh = args.rebuild or not marker.exists()
        if backend == "sqlite":
            path = cache_root() / f"{scale.key}.sqlite3"
            if fresh:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
            database = f"sqlite:///{path}"
        else:
            server = CachedServer(cache_root() / "postgresql")
            server.start()
            name = scale.key.replace("-", "_")
            database = asyncio.run(server.database(name, fresh=fresh))
        try:
            common = ["--backend", backend, "--database", database,
                      "--communes", str(args.communes), "--villages", str(args.villages),
                      "--quarters", str(args.quarters), "--people", str(args.people)]  # fmt: skip
            if fresh:
                marker.unlink(missing_ok=True)
                sys.stderr.write(f"{backend}: building {scale.key}\n")
                marker.write_text(child(["--step", "build", *common]))
            built = json.loads(marker.read_text())
            sys.stderr.write(
                f"{backend}: {built['units']:,} units, {built['values']:,} values,"
                f" {built['people']:,} people (built in {built['seconds']:.0f} s)\n"
            )
            if args.build_only:
                continue
            result = json.loads(child(["--step", "measure", "--runs", str(args.runs), *common]))
            result["built"] = built
            results[backend] = result
        finally:
            if server is not None:
                server.stop()
    if args.build_only:
        return
    print()
    print(
        f"scale: {args.communes} communes × {args.villages} villages, {args.quarters} quarters,"
        f" {args.people:,} people"
    )
    for line in machine(results):
        print(line)
    for line in table(scale, results):
        print(line)


if __name__ == "__main__":
    main()
