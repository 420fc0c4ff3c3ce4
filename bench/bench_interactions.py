"""Interaction handling time through the real bot (simcord's in-memory Discord), and idle memory.

``python bench/bench_interactions.py [--quick]``: 100 users each send ``/letter check`` (full: 5 rounds);
prints p50/p99 of the time from sending the interaction to the bot's answer, and the RSS of an idle bot.
Goals (issue 8): p99 < 50 ms, idle RSS ≤ 80 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
import time

from _common import machine, median, percentile, rss_mb

LETTER = (
    "Dear Program Director, I supervised Dr. Amara Okafor for eight weeks on our internal medicine wards, "
    "where she carried 10 to 12 patients a day. She recognised early sepsis in a post-operative patient and "
    "escalated care before the rapid response team was needed. I would rank her in the top 5% of the 80 "
    "interns I have supervised in ten years, and I recommend her without reservation. Sincerely, Dr. B."
)


async def run(rounds: int, users: int) -> tuple[list[float], float]:
    import simcord

    from bot import create_bot

    bot = create_bot()
    idle_rss = 0.0
    timings: list[float] = []
    async with simcord.run(bot) as env:
        guild = env.create_guild()
        channel = guild.create_text_channel("letters")
        members = [guild.add_member(env.create_user(f"user{i}")) for i in range(users)]
        gc.collect()
        idle_rss = rss_mb()

        async def one(member) -> float:
            started = time.perf_counter()
            result = await member.slash(channel, "letter check", text=LETTER)
            elapsed = (time.perf_counter() - started) * 1000
            assert result.acknowledged
            return elapsed

        for _ in range(rounds):
            # simcord serialises actor operations (one interaction is in flight at a time), so the 100 users
            # take turns; each timing is the full round trip through discord.py and the bot.
            timings += [await one(m) for m in members]
            await env.advance_time(120)  # let per-user cooldowns expire between rounds
    return timings, idle_rss


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["DATABASE_PATH"] = os.path.join(tmp, "bench.sqlite3")
        os.environ.pop("DISCORD_TOKEN", None)
        timings, idle = asyncio.run(run(1 if args.quick else 5, 100))
    print(f"machine: {machine()}")
    print(f"interactions: {len(timings)} x /letter check (100 users, one at a time in the simulator)")
    print(f"interaction_p50_ms: {median(timings):.2f}")
    print(f"interaction_p99_ms: {percentile(timings, 99):.2f}  (goal < 50 ms)")
    print(f"idle_rss_mb: {idle:.1f}  (goal <= 80 MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
