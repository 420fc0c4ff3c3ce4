"""Persistence: the SQLite connection, migrations and every SQL statement of the bot."""

from db.database import Database, Migration, bundled_migrations

__all__ = ["Database", "Migration", "bundled_migrations"]
