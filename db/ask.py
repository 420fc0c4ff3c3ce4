"""Checklist progress for asking one referee for a strong letter: all SQL for ``ask_progress``.

One row per finished step. The ``read_reply`` row also keeps the label of the last reply the applicant
pasted (never the reply itself). Every write first checks that the referee belongs to the user.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Literal

import aiosqlite
from pydantic import BaseModel

from bot.advice.ask_script import step_by_key
from bot.problems import UserFacingError
from db.database import Database

ReplyLabel = Literal["enthusiastic", "hedged", "declined"]
REPLY_STEP = "read_reply"

_GONE = "That referee no longer exists. Run `/referee list` to see your writers."


class AskProgress(BaseModel):
    """What the user has done so far for one referee."""

    referee_id: int
    done: dict[str, datetime]
    reply_label: ReplyLabel | None = None

    @property
    def done_keys(self) -> set[str]:
        return set(self.done)


def _check_keys(step_keys: Iterable[str]) -> list[str]:
    keys = list(dict.fromkeys(step_keys))
    for key in keys:
        step_by_key(key)  # KeyError for a key that is not a step: a programming error, not user input
    return keys


async def _owns(conn: aiosqlite.Connection, user_id: int, referee_id: int) -> bool:
    async with conn.execute(
        "SELECT 1 FROM referees WHERE id = ? AND user_id = ?", (referee_id, user_id)
    ) as cursor:
        return await cursor.fetchone() is not None


async def get_progress(db: Database, user_id: int, referee_id: int) -> AskProgress:
    """The finished steps for this (user, referee); empty for a referee that is not theirs."""
    rows = await db.fetchall(
        "SELECT step_key, done_at, reply_label FROM ask_progress WHERE user_id = ? AND referee_id = ?",
        (user_id, referee_id),
    )
    label = next((row["reply_label"] for row in rows if row["step_key"] == REPLY_STEP), None)
    return AskProgress(
        referee_id=referee_id,
        done={row["step_key"]: datetime.fromisoformat(row["done_at"]) for row in rows},
        reply_label=label,
    )


async def mark_done(
    db: Database, user_id: int, referee_id: int, step_keys: Iterable[str], *, now: datetime
) -> None:
    """Record steps as done (a step already done keeps its first date).

    Raises UserFacingError when the referee does not exist or belongs to someone else.
    """
    keys = _check_keys(step_keys)
    async with db.transaction() as conn:
        if not await _owns(conn, user_id, referee_id):
            raise UserFacingError(_GONE)
        for key in keys:
            await conn.execute(
                "INSERT INTO ask_progress (user_id, referee_id, step_key, done_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT (user_id, referee_id, step_key) DO NOTHING",
                (user_id, referee_id, key, now.isoformat()),
            )


async def record_reply(
    db: Database, user_id: int, referee_id: int, label: ReplyLabel, *, now: datetime
) -> None:
    """Store the label of the reply just read (replacing an earlier one) and mark the reply step done."""
    if label not in ("enthusiastic", "hedged", "declined"):
        raise ValueError(f"unknown reply label {label!r}")
    async with db.transaction() as conn:
        if not await _owns(conn, user_id, referee_id):
            raise UserFacingError(_GONE)
        await conn.execute(
            "INSERT INTO ask_progress (user_id, referee_id, step_key, done_at, reply_label)"
            " VALUES (?, ?, ?, ?, ?)"
            " ON CONFLICT (user_id, referee_id, step_key)"
            " DO UPDATE SET reply_label = excluded.reply_label, done_at = excluded.done_at",
            (user_id, referee_id, REPLY_STEP, now.isoformat(), label),
        )


async def steps_done_counts(db: Database, user_id: int) -> dict[int, int]:
    """How many checklist steps each of the user's referees has done (referees with none are absent)."""
    rows = await db.fetchall(
        "SELECT referee_id, COUNT(*) AS n FROM ask_progress WHERE user_id = ? GROUP BY referee_id",
        (user_id,),
    )
    return {row["referee_id"]: row["n"] for row in rows}
