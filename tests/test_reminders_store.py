"""Reminder storage and the scheduler's delivery rules, against a real SQLite file and a fake sender."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.scheduler import (
    BACKOFF,
    BURST,
    PermanentFailure,
    RequestPacer,
    Scheduler,
    Skip,
    TemporaryFailure,
    Undeliverable,
)
from db import Database
from db import reminders as store
from db.dm_channels import forget_dm_channel, get_dm_channel, remember_dm_channel
from db.reminders import Reminder, ReminderKind, ReminderStatus

START = datetime(2026, 1, 1, tzinfo=UTC)
ANA, BEN = 111, 222


class Clock:
    def __init__(self, start: datetime = START) -> None:
        self.current = start

    def __call__(self) -> datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += timedelta(seconds=seconds)


class Recorder:
    """A sender that records what it was asked to send; ``fail`` maps reminder text → exception to raise."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, float]] = []
        self.fail: dict[str, BaseException] = {}
        self.in_flight = 0
        self.max_in_flight = 0

    async def __call__(self, reminder: Reminder, late_by: float) -> None:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await asyncio.sleep(0.001)
            error = self.fail.get(reminder.text)
            if error is not None:
                raise error
            self.sent.append((reminder.text, late_by))
        finally:
            self.in_flight -= 1


@pytest.fixture
async def db(tmp_path: Path):
    database = Database(tmp_path / "reminders.sqlite3")
    await database.connect()
    await database.migrate()
    try:
        yield database
    finally:
        await database.close()


def datetime_now() -> datetime:
    """Real time: pacing sleeps for real, so it is measured against the real clock."""
    return datetime.now(UTC)


async def status_of(db: Database, reminder_id: int) -> str:
    return await db.fetchval("SELECT status FROM reminders WHERE id = ?", (reminder_id,))


async def add(db: Database, text: str, after: float, user: int = ANA, now: datetime = START) -> int:
    return await store.create_reminder(db, user, now + timedelta(seconds=after), text, now=now)


# ---------------------------------------------------------------- storage


async def test_due_times_round_up_so_a_reminder_is_never_early(db):
    rid = await store.create_reminder(db, ANA, START + timedelta(seconds=10.2), "x", now=START)
    reminder = await store.get_reminder(db, ANA, rid)
    assert reminder is not None and reminder.due_at == START + timedelta(seconds=11)


async def test_claim_is_exclusive_and_only_when_due(db):
    rid = await add(db, "call", 60)
    assert await store.claim(db, rid, START) is None, "not due yet"
    later = START + timedelta(seconds=60)
    first, second = await asyncio.gather(store.claim(db, rid, later), store.claim(db, rid, later))
    assert [c is not None for c in (first, second)].count(True) == 1
    assert await status_of(db, rid) == "sending"


async def test_reading_cancelling_and_snoozing_are_scoped_to_the_owner(db):
    rid = await add(db, "mine", 600)
    assert await store.get_reminder(db, BEN, rid) is None
    assert not await store.cancel_reminder(db, BEN, rid)
    assert not await store.snooze_reminder(db, BEN, rid, START + timedelta(days=1))
    assert await status_of(db, rid) == "pending"
    assert await store.snooze_reminder(db, ANA, rid, START + timedelta(days=1))
    moved = await store.get_reminder(db, ANA, rid)
    assert moved is not None and moved.due_at == START + timedelta(days=1)
    assert await store.cancel_reminder(db, ANA, rid)
    assert await status_of(db, rid) == "cancelled"


async def test_untold_problems_are_reported_once(db):
    rid = await add(db, "lost", 0)
    await store.claim(db, rid, START)
    await store.mark_final(db, rid, ReminderStatus.undeliverable, "DMs closed")
    first = await store.take_untold_problems(db, ANA)
    assert [r.id for r in first] == [rid]
    assert await store.take_untold_problems(db, ANA) == []
    assert await store.take_untold_problems(db, BEN) == []


async def test_scheduler_queries_use_the_status_due_index(db):
    for sql in (
        "SELECT MIN(due_at) FROM reminders WHERE status = 'pending'",
        "SELECT id FROM reminders WHERE status = 'pending' AND due_at <= 5 ORDER BY due_at, id LIMIT 10",
    ):
        plan = " ".join(str(row[-1]) for row in await db.fetchall(f"EXPLAIN QUERY PLAN {sql}"))
        assert "reminders_by_status_due" in plan, plan


async def test_the_sending_lookup_stays_indexed_once_the_planner_has_statistics(db):
    """After ``PRAGMA optimize`` (run at close) the planner has statistics; both halves must stay indexed."""
    items = [(1000 + i % 50, START + timedelta(seconds=i), "r") for i in range(2000)]
    await store.create_many(db, items, now=START)
    await store.claim(db, (await store.due_ids(db, START, limit=1))[0], START)
    await db.execute("ANALYZE")
    assert await db.fetchval("SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = 'reminders'") > 0
    plan = [str(row[-1]) for row in await db.fetchall(f"EXPLAIN QUERY PLAN {store.NEXT_WAKE_SQL}")]
    searches = [step for step in plan if step.startswith(("SEARCH", "SCAN reminders"))]
    assert len(searches) == 2, plan
    assert "reminders_by_status_due" in searches[0], plan
    assert "reminders_sending" in searches[1], plan
    assert await store.next_wake(db) == (int(START.timestamp()) + 1, int(START.timestamp()))


async def test_dm_channel_ids_are_stored_replaced_and_forgotten_only_if_unchanged(db):
    assert await get_dm_channel(db, ANA) is None
    await remember_dm_channel(db, ANA, 5001)
    await remember_dm_channel(db, ANA, 5002)  # Discord gave a new channel: the newer id wins
    assert await get_dm_channel(db, ANA) == 5002
    assert not await forget_dm_channel(db, ANA, 5001), "a stale id never removes the newer one"
    assert await get_dm_channel(db, ANA) == 5002
    assert await forget_dm_channel(db, ANA, 5002)
    assert await get_dm_channel(db, ANA) is None


async def test_export_and_delete_cover_dm_channels(db):
    await remember_dm_channel(db, ANA, 5001)
    await remember_dm_channel(db, BEN, 6001)
    exported = await db.export_user(ANA)
    assert [r["channel_id"] for r in exported["dm_channels"]] == [5001]
    assert (await db.delete_user(ANA))["dm_channels"] == 1
    assert await get_dm_channel(db, ANA) is None and await get_dm_channel(db, BEN) == 6001


async def test_export_and_delete_cover_reminders_and_settings(db):
    await add(db, "private", 60)
    await store.set_timezone(db, ANA, "Asia/Kolkata", now=START)
    exported = await db.export_user(ANA)
    assert [r["text"] for r in exported["reminders"]] == ["private"]
    assert exported["reminder_prefs"][0]["timezone"] == "Asia/Kolkata"
    counts = await db.delete_user(ANA)
    assert counts["reminders"] == 1 and counts["reminder_prefs"] == 1


async def test_unknown_time_zone_is_refused(db):
    with pytest.raises(ValueError):
        await store.set_timezone(db, ANA, "Mars/Olympus", now=START)
    assert (await store.get_prefs(db, ANA)).timezone_set is False


# ---------------------------------------------------------------- the daily nudge chain


async def test_nudge_chain_moves_to_the_next_local_day_when_claimed(db):
    await store.set_timezone(db, ANA, "Asia/Kolkata", now=START)
    first = await store.set_nudge(db, ANA, time(8, 0), now=START)
    assert first.due_at == datetime(2026, 1, 1, 2, 30, tzinfo=UTC)  # 08:00 IST = 02:30 UTC
    claimed = await store.claim(db, first.id, first.due_at)
    assert claimed is not None and claimed.recurrence is None
    upcoming = await store.next_nudge(db, ANA)
    assert upcoming is not None and upcoming.due_at == datetime(2026, 1, 2, 2, 30, tzinfo=UTC)
    await store.mark_retry(db, first.id, "503", first.due_at + timedelta(seconds=30))
    await store.claim(db, first.id, first.due_at + timedelta(seconds=30))
    rows = await db.fetchval("SELECT COUNT(*) FROM reminders WHERE kind = 'nudge' AND status = 'pending'")
    assert rows == 1, "a retried nudge must not extend the chain twice"


async def test_nudge_chain_across_the_new_york_spring_forward(db):
    before = datetime(2026, 3, 6, 12, 0, tzinfo=UTC)
    await store.set_timezone(db, ANA, "America/New_York", now=before)
    current = await store.set_nudge(db, ANA, time(8, 0), now=before)
    fired = []
    for _ in range(4):
        fired.append(current.due_at)
        await store.claim(db, current.id, current.due_at)
        current = await store.next_nudge(db, ANA)
        assert current is not None
    assert [f.hour for f in fired] == [13, 13, 12, 12]  # 08:00 EST = 13:00 UTC; 08:00 EDT = 12:00 UTC
    assert [f.day for f in fired] == [6, 7, 8, 9]


async def test_a_nudge_in_the_skipped_hour_fires_once_at_the_end_of_the_gap(db):
    before = datetime(2026, 3, 7, 12, 0, tzinfo=UTC)
    await store.set_timezone(db, ANA, "America/New_York", now=before)
    on_the_8th = await store.set_nudge(db, ANA, time(2, 30), now=before)
    assert on_the_8th.due_at == datetime(2026, 3, 8, 7, 0, tzinfo=UTC)  # 02:30 does not exist: 03:00 EDT
    await store.claim(db, on_the_8th.id, on_the_8th.due_at)
    on_the_9th = await store.next_nudge(db, ANA)
    assert on_the_9th is not None and on_the_9th.due_at == datetime(
        2026, 3, 9, 6, 30, tzinfo=UTC
    )  # 02:30 EDT


async def test_changing_time_zone_moves_the_pending_nudge(db):
    await store.set_nudge(db, ANA, time(9, 0), now=START)
    await store.set_timezone(db, ANA, "Asia/Tokyo", now=START)
    upcoming = await store.next_nudge(db, ANA)
    assert upcoming is not None and upcoming.due_at == datetime(2026, 1, 2, 0, 0, tzinfo=UTC)  # 09:00 JST


async def test_nudge_off_cancels_the_chain(db):
    await store.set_nudge(db, ANA, time(9, 0), now=START)
    assert await store.nudge_off(db, ANA, now=START)
    assert await store.next_nudge(db, ANA) is None
    assert (await store.get_prefs(db, ANA)).nudge_time is None
    assert not await store.nudge_off(db, ANA, now=START)


# ---------------------------------------------------------------- delivery rules


async def test_bursts_are_paced_under_the_rate_limit(db):
    sender = Recorder()
    for i in range(10):
        await add(db, f"paced {i}", 0)
    started = asyncio.get_running_loop().time()
    await Scheduler(db, datetime_now, sender, rate=100).run_due()
    assert len(sender.sent) == 10
    # the first BURST go at once, the rest 10 ms apart
    assert asyncio.get_running_loop().time() - started >= (10 - BURST) / 100


def test_pacer_lets_a_short_burst_through_then_spaces_requests():
    clock = Clock()
    pacer = RequestPacer(clock, rate=10, burst=3)
    waits = [pacer.reserve() for _ in range(6)]
    assert waits == pytest.approx([0, 0, 0, 0.1, 0.2, 0.3], abs=1e-5)
    assert pacer.requests == 6
    clock.advance(2)  # a quiet period: the burst is available again
    assert [pacer.reserve() for _ in range(4)] == pytest.approx([0, 0, 0, 0.1], abs=1e-5)


@pytest.mark.parametrize("step", [0.0, 0.003, 0.02, 0.3])
def test_pacer_never_starts_more_than_rate_plus_burst_in_any_second(step):
    """Callers arriving every ``step`` seconds: the planned request starts stay under Discord's 50/s."""
    clock = Clock()
    pacer = RequestPacer(clock, rate=45, burst=3)
    starts = []
    for _ in range(400):
        starts.append(clock().timestamp() + pacer.reserve())
        clock.advance(step)
    starts.sort()
    busiest = max(sum(1 for t in starts[i:] if t < first + 1.0) for i, first in enumerate(starts))
    assert busiest <= 48 < 50


def test_pacer_starts_afresh_after_the_clock_jumps_back():
    clock = Clock()
    pacer = RequestPacer(clock, rate=10, burst=1)
    for _ in range(3):
        pacer.reserve()
    clock.advance(-86400)  # the host clock was corrected by a day
    assert pacer.reserve() == 0, "no day-long wait"


class VirtualTime:
    """A clock that ``asyncio.sleep`` moves forward (exact with one worker), so pacing is observable."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.clock = Clock()
        real_sleep = asyncio.sleep

        async def sleep(seconds: float, result=None):
            self.clock.advance(max(seconds, 0))
            return await real_sleep(0, result)

        monkeypatch.setattr(asyncio, "sleep", sleep)


async def test_pacing_counts_every_request_not_every_delivery(db, monkeypatch):
    """A sender that opens a DM channel before each message makes two requests; both are paced."""
    time = VirtualTime(monkeypatch)
    pacer = RequestPacer(time.clock, rate=20, burst=3)
    requests: list[float] = []

    async def two_requests(reminder: Reminder, late_by: float) -> None:
        await pacer.acquire()  # the extra request (a DM channel)
        requests.append(time.clock().timestamp())
        requests.append(time.clock().timestamp())  # the message, on the scheduler's slot

    for i in range(30):
        await add(db, f"two {i}", 0)
    scheduler = Scheduler(db, time.clock, two_requests, concurrency=1, pacer=pacer)
    assert await scheduler.run_due() == 30
    assert pacer.requests == 60 == len(requests)
    busiest = max(sum(1 for t in requests if first <= t < first + 1.0) for first in requests)
    assert busiest <= 20 + 3, "requests, not deliveries, are held to the rate"
    assert requests[-1] - requests[0] >= (60 - 3) / 20 - 0.001  # µs-rounded clock


async def test_only_due_reminders_are_sent_and_marked_sent(db):
    clock, sender = Clock(), Recorder()
    due, later = await add(db, "due", 30), await add(db, "later", 3600)
    clock.advance(30)
    assert await Scheduler(db, clock, sender).run_due() == 1
    assert [text for text, _ in sender.sent] == ["due"]
    assert await status_of(db, due) == "sent" and await status_of(db, later) == "pending"


async def test_temporary_failures_back_off_then_fail(db):
    clock, sender = Clock(), Recorder()
    rid = await add(db, "flaky", 0)
    sender.fail["flaky"] = TemporaryFailure("503")
    scheduler = Scheduler(db, clock, sender)
    waits = []
    for _ in range(len(BACKOFF)):
        await scheduler.run_due()
        row = await store.get_reminder(db, ANA, rid)
        assert row is not None and row.status == ReminderStatus.pending
        waits.append((row.due_at - clock()).total_seconds())
        clock.current = row.due_at
    await scheduler.run_due()
    final = await store.get_reminder(db, ANA, rid)
    assert waits == list(BACKOFF)
    assert final is not None and final.status == ReminderStatus.failed
    assert final.attempts == len(BACKOFF) + 1 and "503" in (final.last_error or "")


async def test_a_temporary_failure_then_success_is_sent_once(db):
    clock, sender = Clock(), Recorder()
    rid = await add(db, "eventually", 0)
    sender.fail["eventually"] = TemporaryFailure("502")
    scheduler = Scheduler(db, clock, sender)
    await scheduler.run_due()
    del sender.fail["eventually"]
    clock.advance(BACKOFF[0])
    await scheduler.run_due()
    assert [t for t, _ in sender.sent] == ["eventually"]
    assert await status_of(db, rid) == "sent"


async def test_undeliverable_stops_retrying_and_calls_back(db):
    clock, sender = Clock(), Recorder()
    rid = await add(db, "closed", 0)
    sender.fail["closed"] = Undeliverable("DMs closed (Discord code 50007)")
    told: list[int] = []

    async def remember(reminder: Reminder) -> None:
        told.append(reminder.id)

    scheduler = Scheduler(db, clock, sender, on_undeliverable=remember)
    await scheduler.run_due()
    clock.advance(7 * 86400)
    assert await scheduler.run_due() == 0
    assert await status_of(db, rid) == "undeliverable" and told == [rid]


async def test_permanent_failure_and_skip_are_final(db):
    clock, sender = Clock(), Recorder()
    bad, gone = await add(db, "bad", 0), await add(db, "gone", 0)
    sender.fail.update({"bad": PermanentFailure("400"), "gone": Skip("the referee was removed")})
    await Scheduler(db, clock, sender).run_due()
    assert await status_of(db, bad) == "failed"
    assert await status_of(db, gone) == "cancelled"
    assert "skipped" in await db.fetchval("SELECT last_error FROM reminders WHERE id = ?", (gone,))


async def test_one_bad_reminder_never_stops_the_others(db):
    clock, sender = Clock(), Recorder()
    ids = [await add(db, f"r{i}", 0) for i in range(6)]
    sender.fail["r2"] = RuntimeError("a bug while composing")
    await Scheduler(db, clock, sender).run_due()
    assert sorted(t for t, _ in sender.sent) == ["r0", "r1", "r3", "r4", "r5"]
    assert await status_of(db, ids[2]) == "pending", "an unexpected error is retried later"


async def test_bursts_are_sent_with_bounded_concurrency(db):
    clock, sender = Clock(), Recorder()
    five_in_flight = asyncio.Event()

    async def holds_until_five(reminder: Reminder, late_by: float) -> None:
        """Each send waits (up to 2 s) until five are in flight, so the bound is reached whatever the load."""
        sender.in_flight += 1
        sender.max_in_flight = max(sender.max_in_flight, sender.in_flight)
        if sender.in_flight >= 5:
            five_in_flight.set()
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(five_in_flight.wait(), 2)
            five_in_flight.set()  # never reached: do not make every later send wait too
            sender.sent.append((reminder.text, late_by))
        finally:
            sender.in_flight -= 1

    for i in range(40):
        await add(db, f"burst {i}", 0)
    assert await Scheduler(db, clock, holds_until_five, concurrency=5, rate=10_000).run_due() == 40
    assert len(sender.sent) == 40
    assert sender.max_in_flight == 5


async def test_lateness_is_measured_from_the_promised_time(db):
    clock, sender = Clock(), Recorder()
    await add(db, "late", 60)
    clock.advance(60 + 3 * 3600)
    await Scheduler(db, clock, sender).run_due()
    assert sender.sent == [("late", 3 * 3600)]


async def test_crash_between_send_and_mark_delivers_at_most_twice(db, monkeypatch):
    clock, sender = Clock(), Recorder()
    rid = await add(db, "crash", 0)
    real_mark = store.mark_sent
    calls = 0

    async def crash_once(*args, **kwargs):
        nonlocal calls
        calls += 1
        if calls == 1:
            raise OSError("disk went away")
        await real_mark(*args, **kwargs)

    monkeypatch.setattr(store, "mark_sent", crash_once)
    await Scheduler(db, clock, sender).run_due()  # sent, but not marked: the process "dies" here
    assert await status_of(db, rid) == "sending"
    restarted = Scheduler(db, clock, sender)
    assert await store.recover_sending(db) == 1  # what a fresh start does first
    await restarted.run_due()
    assert [t for t, _ in sender.sent] == ["crash", "crash"]
    assert await status_of(db, rid) == "sent"


async def test_a_stale_claim_is_retried_without_a_restart(db):
    clock = Clock()
    rid = await add(db, "stuck", 0)
    await store.claim(db, rid, clock())
    clock.advance(60)
    assert await store.recover_sending(db, older_than=clock() - timedelta(seconds=900)) == 0
    clock.advance(900)
    assert await store.recover_sending(db, older_than=clock() - timedelta(seconds=900)) == 1
    assert await status_of(db, rid) == "pending"


async def test_cancel_for_referee_touches_only_that_referees_kinds(db):
    now = START
    follow = await store.create_reminder(
        db, ANA, now + timedelta(days=7), "f", now=now, kind=ReminderKind.follow_up, referee_id=5
    )
    other = await store.create_reminder(
        db, ANA, now + timedelta(days=7), "g", now=now, kind=ReminderKind.follow_up, referee_id=6
    )
    custom = await store.create_reminder(db, ANA, now + timedelta(days=7), "c", now=now, referee_id=5)
    assert await store.cancel_for_referee(db, ANA, 5, (ReminderKind.follow_up,)) == 1
    assert [await status_of(db, i) for i in (follow, other, custom)] == ["cancelled", "pending", "pending"]
