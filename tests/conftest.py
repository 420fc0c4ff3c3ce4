"""Shared fixtures: every test gets its own database and never reads a developer's .env."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import create_bot


@pytest.fixture(autouse=True)
def isolated_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh DATABASE_PATH per test, no token, and a working directory without a .env file."""
    db_path = tmp_path / "data" / "lorcoach-test.sqlite3"
    monkeypatch.setenv("DATABASE_PATH", str(db_path))
    for key in ("DISCORD_TOKEN", "DEV_GUILD_ID", "LOG_LEVEL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.chdir(tmp_path)
    return db_path


@pytest.fixture(autouse=True)
async def close_databases():
    """simcord detaches bots without close(): close every database a test opened (after simcord_env)."""
    yield
    from db import Database

    for database in list(Database.open_instances):
        await database.close()


@pytest.fixture
def db_path(isolated_config: Path) -> Path:
    return isolated_config


@pytest.fixture
def simcord_bot():
    """The real bot, built the way production builds it (simcord runs it against a fake Discord)."""
    return create_bot()
