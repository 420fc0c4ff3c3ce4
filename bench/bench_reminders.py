"""Reminders at scale: ``python bench/bench_reminders.py [--quick]``.

1. **Memory**: 100,000 pending reminders in SQLite. A fresh process opens the database the way the bot
   does, lets the scheduler wake once (it never loads reminders into memory, it asks for the next due
   time) and runs the scheduler's queries; its RSS growth is compared with the same steps on an empty
   database. Goal: at most 50 MB extra.
2. **Next-due lookup**: the scheduler's two queries (next wake-up time; the batch of due ids), p50/p99,
   without planner statistics (a first start) and after a restart: when the bot closes the database it
   runs ``PRAGMA optimize``, which writes statistics (sqlite_stat1) once the scheduler's queries have run
   on a grown table, and the planner uses them from the next start on.
3. **Burst**: reminders for thousands of different users fall due at the same second. The *real* bot
   delivers them: ``create_bot()`` logs in to a local fake Discord (aiohttp) and its reminder cog's own
   scheduler and DM sender do the work, through discord.py's real HTTP client. The fake enforces
   Discord's global limit of 50 requests/s over any one-second window; over it, it answers 429 with
   ``retry_after`` (JSON body and Retry-After header, ``global: true``, with the ``Via`` header real
   Discord sends), and counts requests that arrive while a retry_after it announced is still running.
   Two bursts, one bot: 5,000 users the bot has DMed before (their DM channel id is stored, so one
   request each: the goal case), then 1,000 new users (the channel must be opened first: two requests
   each). Reported per burst: drain time against what 50 requests/s allows for the requests needed,
   429s received, lateness p50/p99/max.

``--quick`` (CI): 10,000 pending, bursts of 200 known and 100 new users (about 20 s). Full: 100,000
pending and bursts of 5,000 and 1,000 (about 5 min).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import math
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections import deque
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from _common import at_most, below, emit, machine, mb_as_mib, median, metric, percentile, rss_mb

from db import Database
from db import reminders as store
from db.dm_channels import remember_many

RATE = 50  # Discord's global limit: requests per second per bot
LATENCY = 0.010  # seconds the fake takes to answer (a fast network)
GOAL_FACTOR = 1.2  # the burst must drain within 1.2x of what 50 requests/s allows
MEMORY_GOAL_MB = 50
LOOKUP_GOAL_US = 1000  # the next-due lookup, first start or after a restart (planner statistics)
KNOWN_USER0 = 10**17  # snowflake-sized user ids, far from the pending reminders' users
NEW_USER0 = KNOWN_USER0 + 10**9  # users the bot never DMed: no stored DM channel


def clock() -> datetime:
    """Real UTC time: the burst runs in real time against a real HTTP server."""
    return datetime.now(UTC)


# --------------------------------------------------------------------------- 1. filling the database


async def fill(path: Path, pending: int) -> float:
    """Insert ``pending`` reminders for 5,000 users, due over the next 30 days; returns seconds taken."""
    import random

    rng = random.Random(6)
    now = clock()
    db = Database(path)
    await db.connect()
    await db.migrate()
    started = time.perf_counter()
    try:
        for start in range(0, pending, 20_000):
            items = [
                (1000 + rng.randrange(5000), now + timedelta(days=1, seconds=rng.randrange(30 * 86400)), "r")
                for _ in range(start, min(pending, start + 20_000))
            ]
            await store.create_many(db, items, now=now)
    finally:
        await db.close()
    return time.perf_counter() - started


# --------------------------------------------------------------------------- 2. memory, in a fresh process


async def memory_probe(path: Path) -> dict[str, float]:
    """Run in a child process: RSS growth from opening ``path`` and running the scheduler's idle work."""
    from bot.scheduler import Scheduler

    async def never(reminder: Any, late_by: float) -> None:
        raise AssertionError("nothing is due in the memory probe")

    gc.collect()
    before = rss_mb()
    db = Database(path)
    await db.connect()
    try:
        scheduler = Scheduler(db, clock, never)
        tracemalloc.start()
        started = time.perf_counter()
        await scheduler._work_once()
        wake_ms = (time.perf_counter() - started) * 1000
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        for _ in range(200):
            await store.next_wake(db)
            await store.due_ids(db, clock(), limit=500)
        gc.collect()
        after = rss_mb()
    finally:
        await db.close()
    return {"grown_mib": after - before, "wake_ms": wake_ms, "wake_peak_kib": peak / 1024}


def probe_in_child(path: Path) -> dict[str, float]:
    output = subprocess.run(
        [sys.executable, __file__, "--memory-probe", str(path)], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


# --------------------------------------------------------------------------- 3. lookups


def without_statistics(path: Path) -> Path:
    """A copy of the database with the planner statistics removed."""
    import sqlite3

    copy = path.with_name("no-statistics.sqlite3")
    source, target = sqlite3.connect(path), sqlite3.connect(copy)
    with source, target:
        source.backup(target)
    if target.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone()[0]:
        target.execute("DROP TABLE sqlite_stat1")
        target.commit()
    source.close()
    target.close()
    return copy


NEXT_WAKE_PLAN = f"EXPLAIN QUERY PLAN {store.NEXT_WAKE_SQL}"


async def measure_lookup(path: Path, repeats: int) -> dict[str, Any]:
    """p50/p99 µs of the next-wake query and of the due-batch query; the next-wake plan; statistics?"""
    db = Database(path)
    await db.connect()
    wake, batch = [], []
    try:
        for _ in range(repeats):
            started = time.perf_counter()
            await store.next_wake(db)
            wake.append((time.perf_counter() - started) * 1e6)
            started = time.perf_counter()
            await store.due_ids(db, clock(), limit=500)
            batch.append((time.perf_counter() - started) * 1e6)
        plan = await db.fetchall(NEXT_WAKE_PLAN)
        stats = await db.fetchval("SELECT COUNT(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
    finally:
        await db.close()
    return {
        "wake_p50": median(wake),
        "wake_p99": percentile(wake, 99),
        "batch_p50": median(batch),
        "batch_p99": percentile(batch, 99),
        "plan": " / ".join(str(row[-1]) for row in plan),
        "statistics": bool(stats),
    }


# --------------------------------------------------------------------------- 4. the burst, real bot


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Any:
    """A JSON response with exactly ``Content-Type: application/json``, which discord.py insists on."""
    from aiohttp import web

    headers = {"Content-Type": "application/json", **(headers or {})}
    return web.Response(body=json.dumps(data).encode(), status=status, headers=headers)


class FakeDiscord:
    """Just enough of Discord's REST API for the bot to log in and DM users, with the global 50/s limit."""

    BOT = {"id": "900000000000000001", "username": "LOR Coach", "discriminator": "0", "avatar": None}

    def __init__(self, rate: int = RATE, latency: float = LATENCY) -> None:
        self.rate = rate
        self.latency = latency
        self.window: deque[float] = deque()  # monotonic times of the requests accepted in the last second
        self.blocked_until = 0.0  # end of the latest retry_after announced
        self.requests = 0
        self.too_many = 0
        self.early = 0  # requests that arrived while an announced retry_after was still running
        self.dm_channels = 0
        self.delivered: dict[int, float] = {}  # user id -> wall-clock time the DM was accepted
        self.runner: Any = None

    async def start(self) -> str:
        """Serve on a free local port; returns the API base URL."""
        from aiohttp import web

        app = web.Application()
        app.router.add_get("/api/v10/users/@me", self.limited(self.me))
        app.router.add_get("/api/v10/oauth2/applications/@me", self.limited(self.application))
        app.router.add_post("/api/v10/users/@me/channels", self.limited(self.open_dm))
        app.router.add_post("/api/v10/channels/{channel}/messages", self.limited(self.message))
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", 0).start()
        return f"http://127.0.0.1:{self.runner.addresses[0][1]}/api/v10"

    async def stop(self) -> None:
        if self.runner is not None:
            await self.runner.cleanup()

    def admit(self) -> float | None:
        """None if the request fits in the last second's 50; else the seconds until a slot frees up."""
        now = time.monotonic()
        if now < self.blocked_until:
            self.early += 1
        while self.window and self.window[0] <= now - 1.0:
            self.window.popleft()
        if len(self.window) < self.rate:
            self.window.append(now)
            return None
        wait = math.ceil((self.window[0] + 1.0 - now) * 1000) / 1000
        self.blocked_until = max(self.blocked_until, now + wait)
        return wait

    def limited(self, handler: Any) -> Any:
        """``handler`` behind the global limit: over it, a 429 shaped like Discord's."""

        async def route(request: Any) -> Any:
            self.requests += 1
            wait = self.admit()
            await asyncio.sleep(self.latency)
            if wait is None:
                return await handler(request)
            self.too_many += 1
            body = {"message": "You are being rate limited.", "retry_after": wait, "global": True}
            headers = {
                "Retry-After": str(math.ceil(wait)),
                "X-RateLimit-Global": "true",
                "X-RateLimit-Scope": "global",
                "Via": "1.1 google",  # discord.py treats a 429 without it as a Cloudflare ban
            }
            return _json(body, 429, headers)

        return route

    async def me(self, request: Any) -> Any:
        return _json(self.BOT)

    async def application(self, request: Any) -> Any:
        owner = {"id": "1", "username": "owner", "discriminator": "0", "avatar": None}
        return _json(
            {
                "id": self.BOT["id"],
                "name": "LOR Coach",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": owner,
                "verify_key": "0" * 64,
                "flags": 0,
            }
        )

    async def open_dm(self, request: Any) -> Any:
        user = int((await request.json())["recipient_id"])
        self.dm_channels += 1
        recipient = {"id": str(user), "username": f"u{user}", "discriminator": "0", "avatar": None}
        return _json({"id": str(user + 1), "type": 1, "recipients": [recipient], "last_message_id": None})

    async def message(self, request: Any) -> Any:
        channel = int(request.match_info["channel"])
        sent = await request.json()
        self.delivered[channel - 1] = time.time()
        return _json(
            {
                "id": str(channel + 7),
                "channel_id": str(channel),
                "author": self.BOT,
                "content": sent.get("content", ""),
                "timestamp": datetime.now(UTC).isoformat(),
                "edited_timestamp": None,
                "tts": False,
                "mention_everyone": False,
                "mentions": [],
                "mention_roles": [],
                "attachments": [],
                "embeds": [],
                "pinned": False,
                "type": 0,
            }
        )


class RateLimitLog(logging.Handler):
    """Counts discord.py's own log lines about 429s (proof that it read them and waited)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.retries = 0
        self.global_waits = 0
        self.other_warnings: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        message = record.getMessage()
        if "responded with 429. Retrying in" in message:
            self.retries += 1
        elif message.startswith("Global rate limit has been hit"):
            self.global_waits += 1
        elif record.levelno >= logging.WARNING and "voice will NOT be supported" not in message:
            self.other_warnings.append(message)


async def wait_drained(db: Database, first: int, size: int, seconds: float) -> dict[str, int]:
    """Poll until no reminder of users ``first..first+size-1`` is pending or sending; counts by status."""
    deadline = time.monotonic() + seconds
    while True:
        rows = await db.fetchall(
            "SELECT status, COUNT(*) FROM reminders WHERE user_id BETWEEN ? AND ? GROUP BY status",
            (first, first + size - 1),
        )
        counts = {str(status): int(count) for status, count in rows}
        if not (counts.get("pending") or counts.get("sending")) or time.monotonic() > deadline:
            return counts
        await asyncio.sleep(0.25)


class Counters:
    """The fake's and discord.py's counters at one moment, to report one burst's share of them."""

    NAMES = ("requests", "too_many", "early", "dm_channels")

    def __init__(self, fake: FakeDiscord, log: RateLimitLog) -> None:
        self.values = {name: getattr(fake, name) for name in self.NAMES}
        self.values["retries_logged"] = log.retries
        self.values["global_waits_logged"] = log.global_waits

    def since(self, before: Counters) -> dict[str, int]:
        return {name: value - before.values[name] for name, value in self.values.items()}


async def one_burst(bot: Any, fake: FakeDiscord, log: RateLimitLog, first: int, size: int) -> dict[str, Any]:
    """``size`` reminders for users ``first…`` due at the same second; waits until all are handled."""
    before = Counters(fake, log)
    due = (clock() + timedelta(seconds=2)).replace(microsecond=0)
    items = [(first + i, due, f"burst reminder {i}") for i in range(size)]
    await store.create_many(bot.db, items, now=clock())
    bot_scheduler(bot).rearm()
    give_up_after = 2 * 2 * size / RATE + 60  # twice the time 50 requests/s allow for two requests each
    counts = await wait_drained(bot.db, first, size, give_up_after + (due - clock()).total_seconds())
    retried = await bot.db.fetchval(
        "SELECT COUNT(*) FROM reminders WHERE user_id BETWEEN ? AND ? AND attempts > 1",
        (first, first + size - 1),
    )
    late = sorted(
        fake.delivered[u] - due.timestamp() for u in range(first, first + size) if u in fake.delivered
    )
    return {
        "size": size,
        "counts": counts,
        "retried": retried,
        "delivered": len(late),
        "drain": late[-1] if late else float("nan"),
        "late_p50": percentile(late, 50),
        "late_p99": percentile(late, 99),
        "late_max": late[-1] if late else float("nan"),
        **Counters(fake, log).since(before),
    }


def bot_scheduler(bot: Any) -> Any:
    from bot.scheduler import get_scheduler

    scheduler = get_scheduler(bot)
    assert scheduler is not None, "the reminders cog did not start its scheduler"
    return scheduler


async def burst(path: Path, known: int, new: int) -> dict[str, Any]:
    """Two bursts delivered by the real bot to the fake Discord: ``known`` users, then ``new`` users."""
    import discord

    from bot import create_bot
    from bot.settings import load_settings

    fake, log = FakeDiscord(), RateLimitLog()
    discord_log = logging.getLogger("discord")
    discord_log.addHandler(log)
    discord_log.setLevel(logging.INFO)
    discord_log.propagate = False
    original_base = discord.http.Route.BASE
    discord.http.Route.BASE = await fake.start()
    bot = create_bot(
        load_settings(database_path=path, discord_token=None, dev_guild_id=None), sync_mode="never"
    )
    try:
        await bot.login("bench-token")  # runs setup_hook: database, migrations, cogs; the scheduler starts
        await asyncio.sleep(0.5)  # its first wake-up, with the pending reminders in the database
        rss_idle = rss_mb()
        # users the bot DMed before: their DM channel ids are stored (the fake numbers them user + 1)
        await remember_many(bot.db, [(KNOWN_USER0 + i, KNOWN_USER0 + i + 1) for i in range(known)])
        first = await one_burst(bot, fake, log, KNOWN_USER0, known)
        await asyncio.sleep(1.5)  # a quiet second between the bursts, as Discord's window sees it
        second = await one_burst(bot, fake, log, NEW_USER0, new)
        rss_after = rss_mb()
        paced = bot_scheduler(bot).pacer.requests
    finally:
        await bot.close()
        discord.http.Route.BASE = original_base
        await fake.stop()
    return {
        "known": first,
        "new": second,
        "paced": paced,
        "other_warnings": log.other_warnings[:3],
        "rss_idle": rss_idle,
        "rss_after": rss_after,
    }


# --------------------------------------------------------------------------- report


def lookup_lines(label: str, lookup: dict) -> None:
    stats = "with" if lookup["statistics"] else "without"
    print(
        f"  {label} ({stats} sqlite_stat1): next due reminder p50 {lookup['wake_p50']:.0f} µs, "
        f"p99 {lookup['wake_p99']:.0f} µs; due batch p50 {lookup['batch_p50']:.0f} µs, "
        f"p99 {lookup['batch_p99']:.0f} µs"
    )
    print(f"    next-wake plan: {lookup['plan']}")


def lookup_metrics(label: str, lookup: dict) -> list[dict]:
    return [
        below(f"next-due lookup p50, {label}", lookup["wake_p50"], "µs", LOOKUP_GOAL_US),
        metric(f"next-due lookup p99, {label}", lookup["wake_p99"], "µs"),
        metric(f"due-batch query p99, {label}", lookup["batch_p99"], "µs"),
    ]


def burst_lines(label: str, b: dict) -> None:
    size, needed = b["size"], b["size"] + b["dm_channels"]  # a message each, plus any DM channel opened
    print(
        f"  burst of {size:,} {label}: last DM {b['drain']:.1f} s after they fell due; {needed:,} requests "
        f"needed ({b['dm_channels']:,} DM channels opened); 50 requests/s allow {needed / RATE:.0f} s"
    )
    print(
        f"    requests {b['requests']:,}; 429s {b['too_many']:,} (discord.py logged "
        f"{b['retries_logged']:,} retries, {b['global_waits_logged']:,} global waits); "
        f"{b['early']:,} arrived inside an announced retry_after"
    )
    print(
        f"    delivered {b['delivered']:,}; statuses {b['counts']}; {b['retried']} needed a second attempt; "
        f"lateness p50 {b['late_p50']:.1f} s, p99 {b['late_p99']:.1f} s, max {b['late_max']:.1f} s"
    )


def burst_metrics(label: str, b: dict) -> list[dict]:
    size, needed = b["size"], b["size"] + b["dm_channels"]
    drain = b["drain"] if b["counts"].get("sent", 0) == size else float("inf")
    return [
        at_most(f"{size:,} burst ({label}) drained", drain, "s", GOAL_FACTOR * needed / RATE),
        metric(
            f"requests made ({label})", b["requests"], "", f"= {needed:,} needed", b["requests"] == needed
        ),
        metric(f"429s received ({label})", b["too_many"], ""),
        metric(
            f"429s waited out by discord.py ({label})",
            b["retries_logged"],
            "",
            f"= 429s ({b['too_many']})",
            b["retries_logged"] == b["too_many"],
        ),
        metric(f"requests arriving inside a retry_after ({label})", b["early"], ""),
        metric(f"lateness p50 ({label})", b["late_p50"], "s"),
        metric(f"lateness p99 ({label})", b["late_p99"], "s"),
        metric(f"lateness max ({label})", b["late_max"], "s"),
        metric(f"burst reminders not delivered ({label})", size - b["delivered"], ""),
        metric(f"burst reminders retried after backoff ({label})", b["retried"], ""),
    ]


def report(pending: int, mem_empty: dict, mem_full: dict, lookups: dict, result: dict) -> list[dict]:
    print(
        f"  memory: opening the database and the scheduler's idle work grew RSS by "
        f"{mem_full['grown_mib']:.1f} MiB with {pending:,} pending ({mem_empty['grown_mib']:.1f} MiB with "
        "none); one wake-up "
        f"{mem_full['wake_ms']:.2f} ms, peak Python allocation {mem_full['wake_peak_kib']:.1f} KiB"
    )
    for label, lookup in lookups.items():
        lookup_lines(label, lookup)
    known, new = result["known"], result["new"]
    burst_lines("users DMed before (channel id stored)", known)
    burst_lines("new users (channel opened first)", new)
    made = known["requests"] + new["requests"]
    print(
        f"  the scheduler's pacer handed out {result['paced']:,} slots for the {made:,} requests of both "
        f"bursts; bot RSS {result['rss_idle']:.0f} -> {result['rss_after']:.0f} MiB"
    )
    if result["other_warnings"]:
        print(f"  other discord.py warnings: {result['other_warnings']}")
    return [
        at_most(
            f"RSS growth with {pending:,} pending",
            mem_full["grown_mib"],
            "MiB",
            mb_as_mib(MEMORY_GOAL_MB),
            f" ({MEMORY_GOAL_MB} MB)",
        ),
        metric("RSS growth with none pending", mem_empty["grown_mib"], "MiB"),
        *(m for label, lookup in lookups.items() for m in lookup_metrics(label, lookup)),
        *burst_metrics("known users", known),
        *burst_metrics("new users", new),
        metric("pacer slots = requests made", result["paced"], "", f"= {made:,}", result["paced"] == made),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10,000 pending; bursts of 200 and 100")
    parser.add_argument("--memory-probe", metavar="DB", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_probe:
        print(json.dumps(asyncio.run(memory_probe(Path(args.memory_probe)))))
        return 0
    pending, known, new, repeats = (10_000, 200, 100, 300) if args.quick else (100_000, 5_000, 1_000, 2_000)
    print(f"reminders benchmark on {machine()}")
    with tempfile.TemporaryDirectory() as folder:
        empty, full = Path(folder) / "empty.sqlite3", Path(folder) / "bench.sqlite3"
        asyncio.run(fill(empty, 0))
        filled = asyncio.run(fill(full, pending))
        size_mib = full.stat().st_size / 2**20
        print(f"  {pending:,} pending reminders inserted in {filled:.2f} s; database file {size_mib:.1f} MiB")
        mem_empty, mem_full = probe_in_child(empty), probe_in_child(full)
        first = asyncio.run(measure_lookup(without_statistics(full), repeats))
        asyncio.run(measure_lookup(full, 20))  # a bot session: queries, then close (PRAGMA optimize)
        lookups = {"first start": first, "after a restart": asyncio.run(measure_lookup(full, repeats))}
        result = asyncio.run(burst(full, known, new))
    emit("reminders", report(pending, mem_empty, mem_full, lookups, result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
