"""The DM channel id the bot uses with each user (table ``dm_channels``, migration 0006).

Knowing it saves a request per reminder: the bot sends straight to the channel instead of asking Discord
to open it again. A stale id (Discord answered "Unknown Channel") is forgotten and replaced.
"""

from __future__ import annotations

from db.database import Database


async def get_dm_channel(db: Database, user_id: int) -> int | None:
    """The stored DM channel id of ``user_id``, or None."""
    value = await db.fetchval("SELECT channel_id FROM dm_channels WHERE user_id = ?", (user_id,))
    return None if value is None else int(value)


async def remember_dm_channel(db: Database, user_id: int, channel_id: int) -> None:
    """Store (or replace) the DM channel id of ``user_id``."""
    await db.execute(
        "INSERT INTO dm_channels (user_id, channel_id) VALUES (?, ?)"
        " ON CONFLICT(user_id) DO UPDATE SET channel_id = excluded.channel_id",
        (user_id, channel_id),
    )


async def remember_many(db: Database, pairs: list[tuple[int, int]]) -> int:
    """Store many ``(user_id, channel_id)`` pairs in one transaction; returns how many."""
    async with (
        db.transaction() as conn,
        conn.executemany(
            "INSERT INTO dm_channels (user_id, channel_id) VALUES (?, ?)"
            " ON CONFLICT(user_id) DO UPDATE SET channel_id = excluded.channel_id",
            pairs,
        ),
    ):
        pass
    return len(pairs)


async def forget_dm_channel(db: Database, user_id: int, channel_id: int) -> bool:
    """Drop the stored id of ``user_id`` if it is still ``channel_id``. Returns whether a row went."""
    return (
        await db.execute(
            "DELETE FROM dm_channels WHERE user_id = ? AND channel_id = ?", (user_id, channel_id)
        )
        > 0
    )
