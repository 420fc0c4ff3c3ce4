"""Expected problems with a message meant for the user. No discord import: db/ and advice may raise them."""

from __future__ import annotations

import sqlite3


class UserFacingError(Exception):
    """An expected problem whose message is safe and useful to show the user as is."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotYours(UserFacingError):
    """Somebody pressed a button or used a form that belongs to another user."""

    def __init__(self) -> None:
        super().__init__("These buttons belong to someone else. Run the command yourself to get your own.")


# SQLite primary result codes (the low byte of ``sqlite_errorcode``).
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_FULL = 13

STORAGE_BUSY = (
    "My database is busy right now, so nothing was saved. Please try the same command again in a few seconds."
)
STORAGE_READ_ONLY = (
    "My database is read-only at the moment (maintenance), so nothing was saved. You can still look at "
    "your data; please try this again later."
)
STORAGE_FULL = (
    "My storage is full, so nothing was saved. The bot's admins have to free some space; please try again "
    "later."
)


class StorageProblem(UserFacingError):
    """The database refused a statement for a reason that is not the user's fault and usually passes.

    ``kind`` is ``busy``, ``read_only`` or ``full``. Every statement runs in a transaction that is rolled
    back on error, so in each case nothing was half-written.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind

    @classmethod
    def from_sqlite(cls, error: BaseException) -> StorageProblem | None:
        """The problem ``error`` stands for, or None if it is not one of the passing storage faults."""
        if not isinstance(error, sqlite3.OperationalError):
            return None
        code = (getattr(error, "sqlite_errorcode", None) or 0) & 0xFF
        text = str(error).lower()
        if code in (SQLITE_BUSY, SQLITE_LOCKED) or "database is locked" in text:
            return cls("busy", STORAGE_BUSY)
        if code == SQLITE_READONLY or "readonly database" in text:
            return cls("read_only", STORAGE_READ_ONLY)
        if code == SQLITE_FULL or "disk is full" in text:
            return cls("full", STORAGE_FULL)
        return None
