"""All SQL for reminders and the per-user reminder settings (time zone, daily nudge).

Delivery is at-least-once: a reminder is *claimed* (``pending`` → ``sending``) before its DM goes out and
marked ``sent`` afterwards; a row left in ``sending`` by a crash is put back to ``pending`` on the next start.
Rows are never deleted before delivery. Times are aware UTC datetimes in Python and whole UNIX seconds in
SQLite (rounded up, so a reminder is never early).
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, time
from enum import StrEnum

from pydantic import BaseModel

from bot.advice.timeparse import next_daily, valid_zone
from db.database import Database


class ReminderStatus(StrEnum):
    pending = "pending"
    sending = "sending"
    sent = "sent"
    undeliverable = "undeliverable"
    failed = "failed"
    cancelled = "cancelled"


class ReminderKind(StrEnum):
    custom = "custom"
    nudge = "nudge"
    follow_up = "follow_up"
    packet = "packet"
    tonight = "tonight"


#: Statuses the user can still change with Cancel / Snooze.
OPEN = (ReminderStatus.pending, ReminderStatus.sending)
#: Most pending reminders one user may keep (protects the bot from a runaway script).
MAX_PENDING_PER_USER = 200
MAX_TEXT = 300
MAX_ERROR = 300


class Reminder(BaseModel):
    """One reminder row."""

    id: int
    user_id: int
    kind: ReminderKind
    text: str
    status: ReminderStatus
    due_at: datetime
    scheduled_for: datetime
    attempts: int
    last_error: str | None
    sent_at: datetime | None
    created_at: datetime
    referee_id: int | None
    recurrence: str | None
    told: bool


class Prefs(BaseModel):
    """A user's reminder settings; ``timezone_set`` is False until they used /timezone."""

    user_id: int
    timezone: str = "UTC"
    timezone_set: bool = False
    nudge_time: time | None = None


# --------------------------------------------------------------------------- conversions


def to_ts(moment: datetime) -> int:
    """Aware datetime → whole UNIX seconds, rounded up."""
    if moment.tzinfo is None:
        raise ValueError("expected a timezone-aware datetime")
    return math.ceil(moment.timestamp())


def from_ts(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def _maybe(seconds: int | None) -> datetime | None:
    return None if seconds is None else from_ts(seconds)


def _row_to_reminder(row: object) -> Reminder:
    r = dict(row)  # type: ignore[call-overload]
    return Reminder(
        id=r["id"],
        user_id=r["user_id"],
        kind=ReminderKind(r["kind"]),
        text=r["text"],
        status=ReminderStatus(r["status"]),
        due_at=from_ts(r["due_at"]),
        scheduled_for=from_ts(r["scheduled_for"]),
        attempts=r["attempts"],
        last_error=r["last_error"],
        sent_at=_maybe(r["sent_at"]),
        created_at=from_ts(r["created_at"]),
        referee_id=r["referee_id"],
        recurrence=r["recurrence"],
        told=bool(r["told"]),
    )


def format_hhmm(clock: time) -> str:
    return f"{clock.hour:02d}:{clock.minute:02d}"


def _parse_hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours), int(minutes))


# --------------------------------------------------------------------------- preferences


async def get_prefs(db: Database, user_id: int) -> Prefs:
    row = await db.fetchone("SELECT timezone, nudge_time FROM reminder_prefs WHERE user_id = ?", (user_id,))
    if row is None:
        return Prefs(user_id=user_id)
    zone = valid_zone(row["timezone"] or "") if row["timezone"] else None
    return Prefs(
        user_id=user_id,
        timezone=zone or "UTC",
        timezone_set=zone is not None,
        nudge_time=_parse_hhmm(row["nudge_time"]) if row["nudge_time"] else None,
    )


async def get_timezone(db: Database, user_id: int) -> str:
    """The user's IANA time zone ("UTC" until they set one)."""
    return (await get_prefs(db, user_id)).timezone


async def set_timezone(db: Database, user_id: int, zone: str, *, now: datetime) -> str:
    """Store ``zone`` (canonical spelling) and move a pending daily nudge to the new local time."""
    canonical = valid_zone(zone)
    if canonical is None:
        raise ValueError(f"unknown time zone {zone!r}")
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO reminder_prefs (user_id, timezone, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT(user_id) DO UPDATE SET timezone = excluded.timezone,"
            " updated_at = excluded.updated_at",
            (user_id, canonical, to_ts(now)),
        )
        async with conn.execute(
            "SELECT id, recurrence FROM reminders WHERE user_id = ? AND status = 'pending'"
            " AND kind = 'nudge' AND recurrence IS NOT NULL",
            (user_id,),
        ) as cur:
            chain = list(await cur.fetchall())
        for row in chain:
            due = to_ts(next_daily(_parse_hhmm(row["recurrence"]), canonical, now))
            await conn.execute(
                "UPDATE reminders SET due_at = ?, scheduled_for = ? WHERE id = ?", (due, due, row["id"])
            )
    return canonical


async def set_nudge(db: Database, user_id: int, at: time, *, now: datetime) -> Reminder:
    """Turn the daily nudge on at local time ``at`` (replacing any earlier one); returns the next nudge."""
    hhmm = format_hhmm(at)
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO reminder_prefs (user_id, nudge_time, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT(user_id) DO UPDATE SET nudge_time = excluded.nudge_time,"
            " updated_at = excluded.updated_at",
            (user_id, hhmm, to_ts(now)),
        )
        async with conn.execute("SELECT timezone FROM reminder_prefs WHERE user_id = ?", (user_id,)) as cur:
            row = await cur.fetchone()
        zone = valid_zone(row["timezone"] or "") if row and row["timezone"] else None
        await _cancel_nudge_chain(conn, user_id)
        due = to_ts(next_daily(at, zone or "UTC", now))
        cursor = await conn.execute(
            "INSERT INTO reminders (user_id, kind, text, due_at, scheduled_for, created_at, recurrence)"
            " VALUES (?, 'nudge', ?, ?, ?, ?, ?)",
            (user_id, f"Daily nudge at {hhmm}", due, due, to_ts(now), hhmm),
        )
        new_id = int(cursor.lastrowid or 0)
    found = await get_reminder(db, user_id, new_id)
    assert found is not None
    return found


async def _cancel_nudge_chain(conn: object, user_id: int) -> int:
    cursor = await conn.execute(  # type: ignore[attr-defined]
        "UPDATE reminders SET status = 'cancelled', recurrence = NULL, last_error = 'daily nudge turned off'"
        " WHERE user_id = ? AND kind = 'nudge' AND status = 'pending'",
        (user_id,),
    )
    return int(cursor.rowcount)


async def nudge_off(db: Database, user_id: int, *, now: datetime) -> bool:
    """Turn the daily nudge off. Returns whether it was on."""
    async with db.transaction() as conn:
        async with conn.execute("SELECT nudge_time FROM reminder_prefs WHERE user_id = ?", (user_id,)) as cur:
            row = await cur.fetchone()
        was_on = bool(row and row["nudge_time"])
        await conn.execute(
            "UPDATE reminder_prefs SET nudge_time = NULL, updated_at = ? WHERE user_id = ?",
            (to_ts(now), user_id),
        )
        cancelled = await _cancel_nudge_chain(conn, user_id)
    return was_on or cancelled > 0


# --------------------------------------------------------------------------- creating and reading


async def count_pending(db: Database, user_id: int) -> int:
    return int(
        await db.fetchval(
            "SELECT COUNT(*) FROM reminders WHERE user_id = ? AND status IN ('pending', 'sending')",
            (user_id,),
        )
    )


async def create_reminder(
    db: Database,
    user_id: int,
    due_at: datetime,
    text: str,
    *,
    now: datetime,
    kind: ReminderKind | str = ReminderKind.custom,
    referee_id: int | None = None,
) -> int:
    """Store one pending reminder and return its id."""
    text = (text or "").strip()[:MAX_TEXT]
    if not text:
        raise ValueError("a reminder needs some text")
    due = to_ts(due_at)
    return await db.insert(
        "INSERT INTO reminders (user_id, kind, text, due_at, scheduled_for, created_at, referee_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (user_id, ReminderKind(kind).value, text, due, due, to_ts(now), referee_id),
    )


async def create_many(db: Database, items: list[tuple[int, datetime, str]], *, now: datetime) -> int:
    """Store many custom reminders ``(user_id, due_at, text)`` in one transaction; returns how many."""
    created = to_ts(now)
    params = [(user, text.strip()[:MAX_TEXT], to_ts(due), to_ts(due), created) for user, due, text in items]
    async with (
        db.transaction() as conn,
        conn.executemany(
            "INSERT INTO reminders (user_id, kind, text, due_at, scheduled_for, created_at)"
            " VALUES (?, 'custom', ?, ?, ?, ?)",
            params,
        ),
    ):
        pass
    return len(params)


async def get_reminder(db: Database, user_id: int, reminder_id: int) -> Reminder | None:
    """A reminder, only if it belongs to ``user_id``."""
    row = await db.fetchone("SELECT * FROM reminders WHERE id = ? AND user_id = ?", (reminder_id, user_id))
    return None if row is None else _row_to_reminder(row)


async def list_open(db: Database, user_id: int, *, limit: int, offset: int = 0) -> list[Reminder]:
    """Pending (or in-flight) one-off reminders, soonest first; the daily nudge chain is left out."""
    rows = await db.fetchall(
        "SELECT * FROM reminders WHERE user_id = ? AND status IN ('pending', 'sending') AND kind != 'nudge'"
        " ORDER BY due_at, id LIMIT ? OFFSET ?",
        (user_id, limit, offset),
    )
    return [_row_to_reminder(r) for r in rows]


async def count_open(db: Database, user_id: int) -> int:
    return int(
        await db.fetchval(
            "SELECT COUNT(*) FROM reminders WHERE user_id = ? AND status IN ('pending', 'sending')"
            " AND kind != 'nudge'",
            (user_id,),
        )
    )


async def next_nudge(db: Database, user_id: int) -> Reminder | None:
    row = await db.fetchone(
        "SELECT * FROM reminders WHERE user_id = ? AND kind = 'nudge' AND status = 'pending'"
        " ORDER BY due_at LIMIT 1",
        (user_id,),
    )
    return None if row is None else _row_to_reminder(row)


async def list_problems(db: Database, user_id: int, *, limit: int) -> list[Reminder]:
    """Reminders that could not be delivered, newest first."""
    rows = await db.fetchall(
        "SELECT * FROM reminders WHERE user_id = ? AND status IN ('undeliverable', 'failed')"
        " ORDER BY due_at DESC, id DESC LIMIT ?",
        (user_id, limit),
    )
    return [_row_to_reminder(r) for r in rows]


async def take_untold_problems(db: Database, user_id: int) -> list[Reminder]:
    """Undelivered reminders the user was not told about yet; marks them told."""
    found: list[Reminder] = []
    if not await db.fetchval(
        "SELECT 1 FROM reminders WHERE user_id = ? AND status IN ('undeliverable', 'failed') AND told = 0"
        " LIMIT 1",
        (user_id,),
    ):
        return found
    async with db.transaction() as conn:
        async with conn.execute(
            "SELECT * FROM reminders WHERE user_id = ? AND status IN ('undeliverable', 'failed') AND told = 0"
            " ORDER BY due_at, id",
            (user_id,),
        ) as cur:
            found = [_row_to_reminder(r) for r in await cur.fetchall()]
        await conn.execute(
            "UPDATE reminders SET told = 1 WHERE user_id = ? AND status IN ('undeliverable', 'failed')"
            " AND told = 0",
            (user_id,),
        )
    return found


# --------------------------------------------------------------------------- user actions


async def cancel_reminder(db: Database, user_id: int, reminder_id: int) -> bool:
    """Cancel a pending reminder of ``user_id``. False if it is not theirs or no longer pending."""
    changed = await db.execute(
        "UPDATE reminders SET status = 'cancelled', recurrence = NULL, last_error = 'cancelled by the user'"
        " WHERE id = ? AND user_id = ? AND status = 'pending'",
        (reminder_id, user_id),
    )
    return changed > 0


async def snooze_reminder(db: Database, user_id: int, reminder_id: int, until: datetime) -> bool:
    """Move a reminder of ``user_id`` to ``until`` (a delivered one becomes pending again)."""
    due = to_ts(until)
    changed = await db.execute(
        "UPDATE reminders SET status = 'pending', due_at = ?, scheduled_for = ?, attempts = 0,"
        " last_error = NULL, claimed_at = NULL, sent_at = NULL, told = 0"
        " WHERE id = ? AND user_id = ? AND kind != 'nudge'"
        " AND status IN ('pending', 'sent', 'failed', 'undeliverable')",
        (due, due, reminder_id, user_id),
    )
    return changed > 0


async def cancel_for_referee(
    db: Database, user_id: int, referee_id: int, kinds: tuple[ReminderKind, ...]
) -> int:
    """Cancel the pending reminders of ``kinds`` about one referee (its status moved on)."""
    marks = ",".join("?" for _ in kinds)
    return await db.execute(
        "UPDATE reminders SET status = 'cancelled', last_error = 'the referee status moved on'"
        f" WHERE user_id = ? AND referee_id = ? AND status = 'pending' AND kind IN ({marks})",
        (user_id, referee_id, *[k.value for k in kinds]),
    )


# --------------------------------------------------------------------------- the scheduler's side


#: The scheduler's wake-up lookup. Each half has its own index (``reminders_by_status_due`` and the partial
#: ``reminders_sending``), so the plan stays a pair of index lookups once ``PRAGMA optimize`` has written
#: planner statistics (with only the first index, the 'sending' half became a full table scan).
NEXT_WAKE_SQL = (
    "SELECT (SELECT MIN(due_at) FROM reminders WHERE status = 'pending'),"
    " (SELECT MIN(claimed_at) FROM reminders WHERE status = 'sending')"
)


async def next_wake(db: Database) -> tuple[int | None, int | None]:
    """(earliest pending due time, earliest claim still in 'sending'), in one indexed query."""
    row = await db.fetchone(NEXT_WAKE_SQL)
    return (None, None) if row is None else (row[0], row[1])


async def due_ids(db: Database, now: datetime, *, limit: int) -> list[int]:
    """Ids of pending reminders due at ``now``, most overdue first (uses the (status, due_at) index)."""
    rows = await db.fetchall(
        "SELECT id FROM reminders WHERE status = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?",
        (math.floor(now.timestamp()), limit),
    )
    return [r[0] for r in rows]


async def recover_sending(db: Database, *, older_than: datetime | None = None) -> int:
    """Put claimed-but-unfinished rows back to pending (all at start-up, or those claimed before a time)."""
    if older_than is None:
        return await db.execute("UPDATE reminders SET status = 'pending' WHERE status = 'sending'")
    return await db.execute(
        "UPDATE reminders SET status = 'pending' WHERE status = 'sending' AND claimed_at < ?",
        (math.floor(older_than.timestamp()),),
    )


async def claim(db: Database, reminder_id: int, now: datetime) -> Reminder | None:
    """``pending`` → ``sending`` if still pending and due; None if somebody else had it.

    A daily nudge extends its chain in the same transaction: the next day's row is created now, so a
    failure today never stops tomorrow's nudge.
    """
    now_ts = math.floor(now.timestamp())
    async with db.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE reminders SET status = 'sending', attempts = attempts + 1, claimed_at = ?"
            " WHERE id = ? AND status = 'pending' AND due_at <= ?",
            (now_ts, reminder_id, now_ts),
        )
        if cursor.rowcount == 0:
            return None
        async with conn.execute("SELECT * FROM reminders WHERE id = ?", (reminder_id,)) as cur:
            reminder = _row_to_reminder(await cur.fetchone())
        if reminder.recurrence:
            await _extend_chain(conn, reminder, now)
            reminder = reminder.model_copy(update={"recurrence": None})
    return reminder


async def _extend_chain(conn: object, reminder: Reminder, now: datetime) -> None:
    """Create the next daily nudge (strictly after now) and take the chain mark off this one."""
    async with conn.execute(  # type: ignore[attr-defined]
        "SELECT timezone FROM reminder_prefs WHERE user_id = ?", (reminder.user_id,)
    ) as cur:
        row = await cur.fetchone()
    zone = valid_zone(row["timezone"] or "") if row and row["timezone"] else None
    after = max(now, reminder.scheduled_for)
    due = to_ts(next_daily(_parse_hhmm(reminder.recurrence or "09:00"), zone or "UTC", after))
    await conn.execute(  # type: ignore[attr-defined]
        "UPDATE reminders SET recurrence = NULL WHERE id = ?", (reminder.id,)
    )
    await conn.execute(  # type: ignore[attr-defined]
        "INSERT INTO reminders (user_id, kind, text, due_at, scheduled_for, created_at, recurrence)"
        " VALUES (?, 'nudge', ?, ?, ?, ?, ?)",
        (reminder.user_id, reminder.text, due, due, math.floor(now.timestamp()), reminder.recurrence),
    )


async def mark_sent(db: Database, reminder_id: int, now: datetime) -> None:
    await db.execute(
        "UPDATE reminders SET status = 'sent', sent_at = ?, last_error = NULL"
        " WHERE id = ? AND status = 'sending'",
        (to_ts(now), reminder_id),
    )


async def mark_retry(db: Database, reminder_id: int, error: str, retry_at: datetime) -> None:
    await db.execute(
        "UPDATE reminders SET status = 'pending', due_at = ?, last_error = ?, claimed_at = NULL"
        " WHERE id = ? AND status = 'sending'",
        (to_ts(retry_at), error[:MAX_ERROR], reminder_id),
    )


async def mark_final(db: Database, reminder_id: int, status: ReminderStatus, error: str) -> None:
    """End a claimed reminder as failed, undeliverable or cancelled (skipped), with the reason."""
    if status not in (ReminderStatus.failed, ReminderStatus.undeliverable, ReminderStatus.cancelled):
        raise ValueError(f"not a final failure status: {status}")
    await db.execute(
        "UPDATE reminders SET status = ?, last_error = ?, claimed_at = NULL"
        " WHERE id = ? AND status = 'sending'",
        (status.value, error[:MAX_ERROR], reminder_id),
    )


async def stop_nudges_after_undeliverable(db: Database, user_id: int, *, now: datetime) -> None:
    """DMs are closed: a daily nudge cannot reach the user, so turn it off (they are told why)."""
    await nudge_off(db, user_id, now=now)
