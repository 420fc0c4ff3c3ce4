"""Configuration, read from the environment and an optional ``.env`` file.

Settings are built by :func:`load_settings` when the bot is created, never at import time, so tests
and the CLI can choose their own values.
"""

from __future__ import annotations

import logging
from pathlib import Path

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from db.database import BUSY_TIMEOUT_MS

DEFAULT_DATABASE_PATH = Path("./data/lorcoach.sqlite3")
#: Discord wants an answer within 3 seconds and most commands write before they answer: a longer wait
#: would turn "the database is busy, try again" into "the application did not respond".
MAX_BUSY_TIMEOUT_MS = 2500


class Settings(BaseSettings):
    """Everything LOR Coach can be configured with. Every key is documented in ``.env.example``."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    discord_token: SecretStr | None = Field(default=None, description="Bot token from the developer portal.")
    database_path: Path = Field(default=DEFAULT_DATABASE_PATH, description="SQLite file; folder is created.")
    dev_guild_id: int | None = Field(default=None, description="Sync commands to this one server instantly.")
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    db_busy_timeout_ms: int = Field(
        default=BUSY_TIMEOUT_MS,
        ge=0,
        le=MAX_BUSY_TIMEOUT_MS,
        description="How long a write waits for another process's lock on the database, in milliseconds.",
    )

    @field_validator("discord_token", mode="before")
    @classmethod
    def _blank_token_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("dev_guild_id", mode="before")
    @classmethod
    def _blank_guild_is_none(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("log_level")
    @classmethod
    def _known_level(cls, value: str) -> str:
        level = value.strip().upper()
        if not isinstance(logging.getLevelName(level), int):
            raise ValueError(f"unknown log level {value!r}; use DEBUG, INFO, WARNING or ERROR")
        return level


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment and ``.env``; keyword overrides win."""
    return Settings(**overrides)
