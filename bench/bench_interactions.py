"""Interaction handling time of the real bot, run against simcord's in-memory Discord.

``python bench/bench_interactions.py [--quick]``. Two figures are kept apart:

* **bot time**: from the moment discord.py hands the interaction to the command tree until the command
  has finished (its response sent), minus the time simcord itself ran inside that window: its REST
  router (Discord's side of the bot's HTTP calls) and its settling loop, which wakes up between the bot's
  awaits and scans every timer on the loop. The instrumentation is installed by this script only (it
  wraps ``bot.tree._from_interaction``/``_call`` and those simcord functions); production code is not
  touched.
* **end to end**: what a simcord user waits for ``member.slash(...)``, i.e. bot time plus the simulator's
  own cost (building the payload, the gateway copy, settling). It says little about the bot.

Two load shapes: *sequential* (simcord's public API runs one actor operation at a time: a second one
started while one is active raises "operation overlaps"), and a *burst* of 100 ``/letter check`` calls in
flight at once. For the burst the script emits the 100 interactions through simcord's normal ``slash``
path with settling deferred, waits (without simcord's settling loop) until the bot has answered them all,
and only then lets simcord settle, so the bot's event loop really holds all 100 at once.
Quick: one round (100 sequential + a burst of 100); full: five rounds, each in a fresh simcord world.
Goal (issue 8): bot-time p99 < 50 ms with 100 concurrent calls.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _common import below, emit, machine, median, metric, percentile

LETTER = (
    "Dear Program Director, I supervised Dr. Amara Okafor for eight weeks on our internal medicine wards, "
    "where she carried 10 to 12 patients a day. She recognised early sepsis in a post-operative patient and "
    "escalated care before the rapid response team was needed. I would rank her in the top 5% of the 80 "
    "interns I have supervised in ten years, and I recommend her without reservation. Sincerely, Dr. B."
)
USERS = 100
#: simcord's settling helpers that run between the bot's awaits (looked up as globals of simcord.env).
SETTLE_HELPERS = (
    "_active_callbacks",
    "_callback_is_parked",
    "_is_parked",
    "_owned_tasks",
    "_run_due_virtual_callbacks",
    "_virtualize_recognized_waits",
)


@dataclass
class Probe:
    """Bench-only timing of the bot's own work per interaction (seconds)."""

    handed: dict[int, tuple[float, float]] = field(default_factory=dict)
    samples: list[tuple[float, float]] = field(default_factory=list)  # (window, simulator time inside it)
    acks: list[tuple[float, float]] = field(default_factory=list)  # (hand-off → first response, simulator)
    simulator: float = 0.0  # total seconds spent inside simcord's router and settling helpers so far
    depth: int = 0
    idle: asyncio.Event = field(default_factory=asyncio.Event)  # set whenever nothing is in flight
    in_flight: int = 0
    max_in_flight: int = 0
    restore: list[Callable[[], None]] = field(default_factory=list)

    def timed(self, function: Callable[..., Any]) -> Callable[..., Any]:
        """``function``, adding its (outermost) run time to :attr:`simulator`."""

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            self.depth += 1
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.depth -= 1
                if not self.depth:
                    self.simulator += time.perf_counter() - started

        return wrapper

    def patch(self, owner: Any, name: str, replacement: Any) -> None:
        original = getattr(owner, name)
        setattr(owner, name, replacement)
        self.restore.append(lambda: setattr(owner, name, original))

    def install(self, bot: Any) -> None:
        """Wrap the tree's hand-off and call, and simcord's own work (undone by :meth:`uninstall`)."""
        import simcord.env
        from simcord.http import router

        tree = bot.tree
        original_from, original_call = tree._from_interaction, tree._call

        def from_interaction(interaction: Any) -> None:
            self.handed[interaction.id] = (time.perf_counter(), self.simulator)
            self.in_flight += 1
            self.idle.clear()
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            original_from(interaction)

        async def call(interaction: Any) -> None:
            try:
                await original_call(interaction)
            finally:
                started, simulated = self.handed.pop(interaction.id)
                self.samples.append((time.perf_counter() - started, self.simulator - simulated))
                self.in_flight -= 1
                if not self.in_flight:
                    self.idle.set()

        def acknowledging(method: Callable[..., Any]) -> Callable[..., Any]:
            async def wrapper(response: Any, *args: Any, **kwargs: Any) -> Any:
                handed = self.handed.get(response._parent.id)
                if handed is not None and not response.is_done():  # the interaction's first answer
                    self.acks.append((time.perf_counter() - handed[0], self.simulator - handed[1]))
                return await method(response, *args, **kwargs)

            return wrapper

        import discord

        for name in ("send_message", "defer", "send_modal", "edit_message"):
            self.patch(discord.InteractionResponse, name, acknowledging(getattr(discord.InteractionResponse, name)))
        self.patch(tree, "_from_interaction", from_interaction)
        self.patch(tree, "_call", call)
        self.patch(router, "dispatch", self.timed(router.dispatch))
        for name in SETTLE_HELPERS:
            self.patch(simcord.env, name, self.timed(getattr(simcord.env, name)))

    def uninstall(self) -> None:
        for undo in reversed(self.restore):
            undo()
        self.restore = []

    def arrive_now(self) -> None:
        """Treat every interaction handed over but not yet started as arriving now.

        Used after a burst was emitted: emitting 100 interactions is simcord's work, and none of them has
        run yet (nothing awaited in between), so they all reach the bot together at this moment.
        """
        assert not self.samples, "an interaction finished while the burst was still being emitted"
        now = time.perf_counter()
        self.handed = dict.fromkeys(self.handed, (now, self.simulator))

    def take(self) -> tuple[list[float], list[float], list[float]]:
        """(bot ms to the answer, simulator ms, bot ms to the acknowledgement) per interaction since the last
        call."""
        samples, self.samples = self.samples, []
        acks, self.acks = self.acks, []
        return (
            [(w - s) * 1000 for w, s in samples],
            [s * 1000 for _, s in samples],
            [(w - s) * 1000 for w, s in acks],
        )


async def sequential(members: list[Any], channel: Any) -> list[float]:
    """Each member runs /letter check in turn; returns end-to-end ms per call."""
    timings = []
    for member in members:
        started = time.perf_counter()
        result = await member.slash(channel, "letter check", text=LETTER)
        timings.append((time.perf_counter() - started) * 1000)
        assert result.acknowledged and result.response.embeds, "the check must answer with its verdict"
    return timings


async def event_tasks_done() -> None:
    """Wait until discord.py's event-handler tasks (e.g. on_app_command_completion) have all finished."""
    while pending := {t for t in asyncio.all_tasks() if t.get_name().startswith("discord.py: ")}:
        await asyncio.wait(pending)


async def burst(env: Any, members: list[Any], channel: Any, probe: Probe) -> tuple[float, float]:
    """All members' /letter check in flight at once.

    Returns ms from the moment all were handed to the bot until the bot had answered them all (simcord's
    settling loop is not running meanwhile: the bench just waits for the bot to go idle), and then ms
    until the follow-up work (the completion hooks' database reads) was done and simcord had settled.
    Letting the hooks finish before simcord settles matters: its settling loop rescans every waiting
    task at each step, which takes tens of seconds with 100 database readers queued.
    """
    settle = env._settle_internal

    async def later(**_: Any) -> None:
        return None

    env._settle_internal = later  # each slash emits its interaction and returns without waiting
    try:
        results = [await member.slash(channel, "letter check", text=LETTER) for member in members]
    finally:
        del env._settle_internal
    assert env._settle_internal == settle
    probe.arrive_now()
    started = time.perf_counter()
    await asyncio.wait_for(probe.idle.wait(), timeout=120)
    answered_at = time.perf_counter()
    await asyncio.wait_for(event_tasks_done(), timeout=120)
    await env.settle()
    settled_at = time.perf_counter()
    answered = sum(1 for r in results if r.acknowledged and r.response is not None and r.response.embeds)
    assert answered == len(members), f"only {answered} of {len(members)} burst calls were answered"
    return (answered_at - started) * 1000, (settled_at - answered_at) * 1000


@dataclass
class Figures:
    seq_bot: list[float] = field(default_factory=list)
    seq_ack: list[float] = field(default_factory=list)
    burst_ack: list[float] = field(default_factory=list)
    seq_sim: list[float] = field(default_factory=list)
    seq_e2e: list[float] = field(default_factory=list)
    burst_bot: list[float] = field(default_factory=list)
    burst_sim: list[float] = field(default_factory=list)
    burst_span: list[float] = field(default_factory=list)
    burst_settle: list[float] = field(default_factory=list)
    max_in_flight: int = 0


async def one_round(figures: Figures) -> None:
    """One fresh simcord world and bot: 100 sequential calls, then a burst of 100.

    Each round starts afresh because simcord's settling cost grows with everything the world has seen
    (a second burst in the same world can exceed its 5 s settle limit); the bot's time excludes it anyway.
    """
    import simcord

    from bot import create_bot

    probe = Probe()
    async with simcord.run(create_bot()) as env:
        guild = env.create_guild()
        channel = guild.create_text_channel("letters")
        members = [guild.add_member(env.create_user(f"user{i}")) for i in range(USERS)]
        warm = guild.add_member(env.create_user("warm-up"))
        await warm.slash(channel, "letter check", text=LETTER)  # first-call costs are not what we time
        probe.install(env.bot)
        try:
            figures.seq_e2e += await sequential(members, channel)
            bot_ms, sim_ms, ack_ms = probe.take()
            figures.seq_bot += bot_ms
            figures.seq_sim += sim_ms
            figures.seq_ack += ack_ms
            probe.max_in_flight = 0
            span, settle = await burst(env, members, channel, probe)
            figures.burst_span.append(span)
            figures.burst_settle.append(settle)
            bot_ms, sim_ms, ack_ms = probe.take()
            figures.burst_bot += bot_ms
            figures.burst_sim += sim_ms
            figures.burst_ack += ack_ms
            figures.max_in_flight = max(figures.max_in_flight, probe.max_in_flight)
        finally:
            probe.uninstall()


def report(f: Figures) -> list[dict]:
    n_seq, n_burst = len(f.seq_bot), len(f.burst_bot)
    print(f"sequential: {n_seq} x /letter check (simcord runs one actor operation at a time)")
    print(
        f"  bot time        p50 {median(f.seq_bot):7.2f} ms   p99 {percentile(f.seq_bot, 99):7.2f} ms"
        f"   (simcord's own work inside the window, excluded: p50 {median(f.seq_sim):.2f} ms)"
    )
    print(f"  acknowledged    p50 {median(f.seq_ack):7.2f} ms   p99 {percentile(f.seq_ack, 99):7.2f} ms")
    print(f"  end to end      p50 {median(f.seq_e2e):7.2f} ms   p99 {percentile(f.seq_e2e, 99):7.2f} ms")
    print(
        f"burst: {len(f.burst_span)} x {USERS} concurrent /letter check, each round in a fresh simcord world "
        f"(max {f.max_in_flight} in flight in the bot at once)"
    )
    print(
        f"  bot time        p50 {median(f.burst_bot):7.2f} ms   p99 {percentile(f.burst_bot, 99):7.2f} ms"
        f"   (includes waiting behind the other calls on the one loop; simcord's work excluded: "
        f"p50 {median(f.burst_sim):.1f} ms)"
    )
    print(
        f"  acknowledged    p50 {median(f.burst_ack):7.2f} ms   p99 {percentile(f.burst_ack, 99):7.2f} ms"
        "   (first response: the answer, or 'thinking…' when other checks are running)"
    )
    print(
        f"  all {USERS} answered {median(f.burst_span):.0f} ms after they arrived (median of rounds); "
        f"the follow-up work and simcord's settling took {median(f.burst_settle):.0f} ms more"
    )
    return [
        metric("sequential bot time p50", median(f.seq_bot), "ms"),
        below("sequential bot time p99", percentile(f.seq_bot, 99), "ms", 50),
        metric("sequential end-to-end p50 (with simcord)", median(f.seq_e2e), "ms"),
        metric("sequential end-to-end p99 (with simcord)", percentile(f.seq_e2e, 99), "ms"),
        below("sequential acknowledged p99", percentile(f.seq_ack, 99), "ms", 50),
        metric(f"{USERS}-concurrent acknowledged p50", median(f.burst_ack), "ms"),
        below(f"{USERS}-concurrent acknowledged p99", percentile(f.burst_ack, 99), "ms", 50),
        metric(f"{USERS}-concurrent answered (bot time) p50", median(f.burst_bot), "ms"),
        below(f"{USERS}-concurrent answered (bot time) p99", percentile(f.burst_bot, 99), "ms", 50),
        metric(f"{USERS}-concurrent burst, last answer", median(f.burst_span), "ms"),
        metric(f"{USERS}-concurrent burst, follow-up + simcord settle", median(f.burst_settle), "ms"),
        metric("max interactions in flight", f.max_in_flight, ""),
        metric("interactions timed", n_seq + n_burst, ""),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="one round instead of five")
    args = parser.parse_args()
    print(f"machine: {machine()}")
    figures = Figures()
    for key in ("DISCORD_TOKEN", "DEV_GUILD_ID"):
        os.environ.pop(key, None)
    for _ in range(1 if args.quick else 5):
        with tempfile.TemporaryDirectory() as tmp:
            os.environ["DATABASE_PATH"] = str(Path(tmp) / "bench.sqlite3")
            asyncio.run(one_round(figures))
    emit("interactions", report(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
