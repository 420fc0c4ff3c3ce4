"""Benchmark for reminder delivery: ``python bench/bench_reminders.py [--quick]``.

1. 100,000 pending reminders in a temporary SQLite file: the extra memory they cost the bot (RSS delta, and
   the Python allocations of one idle scheduler wake-up, which never loads reminders into memory).
2. Time to find the next due reminder (the (status, due_at) index) and the due batch.
3. 5,000 reminders falling due at once, drained through the real delivery code (claim → send → mark) against
   a fake Discord that honours 50 requests/s: over the limit it answers 429 with ``retry_after`` and the
   sender waits and retries, as discord.py does. Prints drain time against the 100 s that 50/s allows, and
   how late reminders were (p50 / p95 / max).

``--quick`` (CI): 10,000 pending and 300 due at once (about 7 s of real time).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import machine, median, percentile, rss_mb

from bot.scheduler import RATE as SCHEDULER_RATE
from bot.scheduler import Scheduler, TemporaryFailure
from db import Database
from db import reminders as store
from db.reminders import Reminder

RATE = 50.0  # requests per second, Discord's global limit for a bot
LATENCY = 0.010  # seconds per request (a fast network)


def clock() -> datetime:
    """The benchmark's clock: real UTC time (the bot would pass ``bot.now``)."""
    return datetime.now(UTC)


class RateLimitedDiscord:
    """A fake DM endpoint with a token bucket of 50 requests/s; over the limit it answers 429."""

    def __init__(self, rate: float = RATE) -> None:
        self.rate = rate
        self.tokens = rate
        self.updated = time.monotonic()
        self.requests = 0
        self.too_many = 0
        self.sent_at: dict[int, float] = {}
        self.gate = asyncio.Event()
        self.gate.set()

    def _refill(self) -> None:
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
        self.updated = now

    async def post(self, reminder_id: int) -> float | None:
        """One request: None when accepted, else the retry_after in seconds (a 429)."""
        await asyncio.sleep(LATENCY)
        self.requests += 1
        self._refill()
        if self.tokens < 1:
            self.too_many += 1
            return (1 - self.tokens) / self.rate
        self.tokens -= 1
        self.sent_at[reminder_id] = time.time()
        return None

    async def send(self, reminder: Reminder, late_by: float) -> None:
        """The scheduler's sender, handling 429s the way discord.py does for the global limit.

        The request that gets a 429 closes a shared gate for ``retry_after`` seconds; every request waits
        at the gate before going out; after 5 tries the error surfaces (the scheduler then backs off).
        """
        for _ in range(5):
            await self.gate.wait()
            retry_after = await self.post(reminder.id)
            if retry_after is None:
                return
            if self.gate.is_set():
                self.gate.clear()
                await asyncio.sleep(retry_after)
                self.gate.set()
        raise TemporaryFailure("still rate limited after 5 tries")


async def fill(path: Path, pending: int) -> float:
    """Insert ``pending`` reminders for 5,000 users, due over the next 30 days; returns seconds taken."""
    rng = random.Random(6)
    now = clock()
    db = Database(path)
    await db.connect()
    await db.migrate()
    started = time.perf_counter()
    try:
        for start in range(0, pending, 20_000):
            items = [
                (
                    1000 + rng.randrange(5000),
                    now + timedelta(days=1, seconds=rng.randrange(30 * 86400)),
                    f"r{i}",
                )
                for i in range(start, min(pending, start + 20_000))
            ]
            await store.create_many(db, items, now=now)
    finally:
        await db.close()
    return time.perf_counter() - started


async def measure_lookup(db: Database, repeats: int) -> tuple[float, float, str]:
    """Median µs for the next-wake query and for the due-batch query; and the query plan."""
    wake, batch = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        await store.next_wake(db)
        wake.append(time.perf_counter() - started)
        started = time.perf_counter()
        await store.due_ids(db, clock(), limit=500)
        batch.append(time.perf_counter() - started)
    plan = await db.fetchall(
        "EXPLAIN QUERY PLAN SELECT id FROM reminders WHERE status = 'pending' AND due_at <= ?"
        " ORDER BY due_at, id LIMIT 500",
        (0,),
    )
    return median(wake) * 1e6, median(batch) * 1e6, " / ".join(str(row[-1]) for row in plan)


async def measure_idle_wake(db: Database) -> tuple[float, float]:
    """Peak Python allocation (KiB) of one scheduler wake-up with nothing due, and its duration (ms)."""
    fake = RateLimitedDiscord()
    scheduler = Scheduler(db, clock, fake.send)
    tracemalloc.start()
    started = time.perf_counter()
    await scheduler._work_once()
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1024, elapsed * 1000


async def measure_burst(db: Database, burst: int) -> dict[str, float]:
    """``burst`` reminders due at the same instant, drained through Scheduler.run_due."""
    due = clock().replace(microsecond=0)  # stored times are whole seconds
    await store.create_many(db, [(9_000_000 + i, due, f"burst {i}") for i in range(burst)], now=due)
    fake = RateLimitedDiscord()
    scheduler = Scheduler(db, clock, fake.send)
    started = time.perf_counter()
    handled = await scheduler.run_due()
    drain = time.perf_counter() - started
    late = [sent - due.timestamp() for sent in fake.sent_at.values()]
    unsent = await db.fetchval(
        "SELECT COUNT(*) FROM reminders WHERE text LIKE 'burst %' AND status != 'sent'"
    )
    return {
        "handled": handled,
        "delivered": len(fake.sent_at),
        "unsent": unsent,
        "drain": drain,
        "floor": burst / RATE,
        "too_many": fake.too_many,
        "p50": percentile(late, 50),
        "p95": percentile(late, 95),
        "max": max(late) if late else float("nan"),
    }


async def run(pending: int, burst: int, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.sqlite3"
        filled = await fill(path, pending)
        size = path.stat().st_size / 2**20
        print(f"  {pending:,} pending reminders inserted in {filled:.2f} s; database file {size:.1f} MiB")
        gc.collect()
        before = rss_mb()
        db = Database(path)  # what the bot holds: one connection, and the scheduler's state
        await db.connect()
        try:
            peak, wake_ms = await measure_idle_wake(db)
            wake_us, batch_us, plan = await measure_lookup(db, repeats)
            grown = (rss_mb() - before) * 1024
            print(
                f"  extra memory with them pending: RSS +{grown:.0f} KiB (one connection, its cache, queries)"
            )
            print(f"  one idle scheduler wake-up: {wake_ms:.2f} ms, peak Python allocation {peak:.1f} KiB")
            print(f"  next due reminder: {wake_us:.0f} µs median; due batch query: {batch_us:.0f} µs median")
            print(f"  plan: {plan}")
            result = await measure_burst(db, burst)
            print(
                f"  {burst:,} due at once: drained in {result['drain']:.1f} s "
                f"(50/s allows {result['floor']:.0f} s; the scheduler paces at {SCHEDULER_RATE:.0f}/s); "
                f"{result['delivered']:,} delivered, {result['unsent']} left, "
                f"{result['too_many']} answers 429"
            )
            print(
                f"  lateness: p50 {result['p50']:.1f} s, p95 {result['p95']:.1f} s, "
                f"max {result['max']:.1f} s (RSS now {rss_mb():.0f} MiB)"
            )
        finally:
            await db.close()


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="10,000 pending and 300 due at once")
    args = parser.parse_args()
    pending, burst, repeats = (10_000, 300, 200) if args.quick else (100_000, 5_000, 1_000)
    print(f"reminders benchmark on {machine()}")
    asyncio.run(run(pending, burst, repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
