"""Read the bot's database file straight from disk, the way an auditor would (not through the bot)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def rows(db_path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Every row of one query against the database file, on a fresh connection closed afterwards."""
    conn = sqlite3.connect(db_path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()
