"""``/referee list`` at scale: p50/p99 with 100,000 users and 1M referees in the database.

``python bench/bench_referees.py [--quick]``: full = 100,000 users × 10 referees (1M rows, plus 3 bullets
for every tenth referee); quick = 10,000 users. Two figures per sampled user:

* storage: ``db.referees.list_referees`` (the one query the command makes);
* command: what ``/referee list`` does before Discord is involved: that query, the first page's embed
  (``cogs.referees.list_embed``), its paging buttons (``list_view``) and the embed serialised to the JSON
  discord.py sends.

Goal (issue 8): p99 < 5 ms (checked on the command figure).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from _common import below, emit, machine, median, metric, percentile

from bot.advice.vocab import LABEL_ORDER, Area, RefereeKind, RefereeStatus
from cogs.referees import list_embed, list_view
from db import Database
from db.referees import list_referees


async def build(path: Path, users: int, per_user: int) -> None:
    db = Database(path)
    await db.connect()
    await db.migrate()
    await db.close()
    rng = random.Random(7)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    now = "2026-11-22T00:00:00+00:00"
    kinds, statuses, areas = list(RefereeKind), list(RefereeStatus), list(Area)
    ref_id = 0
    with conn:
        for user in range(1, users + 1):
            rows, bullets = [], []
            for n in range(per_user):
                ref_id += 1
                name = f"Dr {rng.choice('ABCDEFGHIJKLMNOP')}{n} {user}"
                rows.append(
                    (
                        ref_id,
                        user,
                        name,
                        name.casefold(),
                        rng.choice(LABEL_ORDER).value,
                        rng.choice(kinds).value,
                        rng.choice(statuses).value,
                        rng.random() < 0.2,
                        "2026-05-01",
                        now,
                        now,
                    )
                )
                if ref_id % 10 == 0:
                    bullets += [
                        (user, ref_id, p, rng.choice(areas).value, "Managed 10 inpatients daily")
                        for p in range(3)
                    ]
            conn.executemany(
                "INSERT INTO referees (id, user_id, name, name_key, label, kind, status, circled,"
                " letter_date, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
            conn.executemany(
                "INSERT INTO referee_bullets (user_id, referee_id, position, area, text) VALUES (?,?,?,?,?)",
                bullets,
            )
    conn.close()


async def measure(path: Path, users: int, samples: int) -> tuple[list[float], list[float]]:
    """(storage ms, command ms) for ``samples`` random users."""
    db = Database(path)
    await db.connect()
    rng = random.Random(11)
    today = date(2026, 11, 22)
    storage, command = [], []
    try:
        for _ in range(samples):
            user = rng.randint(1, users)
            started = time.perf_counter()
            referees = await list_referees(db, user)
            queried = time.perf_counter()
            embed = list_embed(referees, 0, today)
            view = list_view(user, 0, len(referees))
            payload = embed.to_dict(), view.to_components() if view else None
            done = time.perf_counter()
            storage.append((queried - started) * 1000)
            command.append((done - started) * 1000)
            assert len(referees) == 10 and payload[0]["description"], "every synthetic user has 10 referees"
    finally:
        await db.close()
    return storage, command


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    users, per_user = (10_000, 10) if args.quick else (100_000, 10)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        started = time.perf_counter()
        asyncio.run(build(path, users, per_user))
        built = time.perf_counter() - started
        storage, command = asyncio.run(measure(path, users, 2000 if not args.quick else 500))
    print(f"machine: {machine()}")
    print(f"referees in db: {users * per_user:,} ({users:,} users), built in {built:.1f} s")
    print(f"  storage (list_referees)   p50 {median(storage):.3f} ms   p99 {percentile(storage, 99):.3f} ms")
    print(f"  command (query + embed)   p50 {median(command):.3f} ms   p99 {percentile(command, 99):.3f} ms")
    emit(
        "referees",
        [
            metric("referees in database", users * per_user, ""),
            metric("storage p50", median(storage), "ms"),
            metric("storage p99", percentile(storage, 99), "ms"),
            metric("/referee list command p50", median(command), "ms"),
            below("/referee list command p99", percentile(command, 99), "ms", 5),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
