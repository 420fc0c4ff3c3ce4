"""Resident memory of the idle bot, without simcord or any test tooling loaded.

``python bench/bench_idle.py [--quick]`` (both modes are the same; it takes about a second). In this
process: build the bot with ``create_bot()``, open the database and apply the migrations, load every cog
(what ``setup_hook`` does, minus the command sync, which needs Discord), let the cogs' background tasks
take their first step (the reminder scheduler), run the garbage collector, then read VmRSS from
/proc/self/status. No gateway connection is made. Goal (issue 8): idle RSS <= 80 MB.

It also prints where the memory goes (RSS after each step) and which heavy libraries are loaded, so a
regression is easy to place: pypdf, python-docx (with lxml) and dateparser are meant to load only when a
file is uploaded or a reminder time needs the fallback parser.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import sys
import tempfile
from pathlib import Path

from _common import at_most, emit, machine, mb_as_mib, metric, rss_mb

GOAL_MB = 80

#: Libraries the idle bot should not have imported (they load on first use).
LAZY = ("pypdf", "docx", "lxml", "dateparser")
#: Libraries a bench must not have in the measured process.
FOREIGN = ("simcord", "pytest", "hypothesis")


async def idle_bot(database: Path) -> list[tuple[str, float]]:
    """Start the bot without connecting; returns (step, RSS MiB after it)."""
    steps = [("python + bench helpers", rss_mb())]
    from bot import create_bot
    from bot.core import cog_modules
    from bot.settings import load_settings

    bot = create_bot(load_settings(database_path=database, discord_token=None, dev_guild_id=None))
    steps.append(("create_bot() (imports discord.py, pydantic, settings)", rss_mb()))
    await bot.db.connect()
    await bot.db.migrate()
    steps.append(("database opened and migrated", rss_mb()))
    for name in cog_modules():
        await bot.load_extension(name)
    await asyncio.sleep(0.5)  # background tasks (the reminder scheduler) take their first step
    gc.collect()
    steps.append((f"{len(bot.cogs)} cogs loaded, idle, after gc", rss_mb()))
    await bot.close()
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="accepted for run.py; same as full")
    parser.parse_args()
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory() as tmp:
        for key in ("DISCORD_TOKEN", "DEV_GUILD_ID"):
            os.environ.pop(key, None)
        steps = asyncio.run(idle_bot(Path(tmp) / "idle.sqlite3"))
    for step, rss in steps:
        print(f"  {rss:6.1f} MiB  {step}")
    loaded = sorted({name.split(".")[0] for name in sys.modules} & {*LAZY, *FOREIGN})
    print(f"  heavy libraries loaded while idle: {', '.join(loaded) or 'none'}")
    if set(loaded) & set(FOREIGN):
        raise SystemExit(f"test tooling was loaded into the measured process: {loaded}")
    idle = steps[-1][1]
    emit(
        "idle",
        [
            at_most("idle bot RSS (no simcord)", idle, "MiB", mb_as_mib(GOAL_MB), f" ({GOAL_MB} MB)"),
            metric("of which create_bot() imports", steps[1][1] - steps[0][1], "MiB"),
            metric("lazily loaded libraries present", len(set(loaded) & set(LAZY)), ""),
        ],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
