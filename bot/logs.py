"""Logging set-up. Letter text, tokens and users' notes are never logged at any level."""

from __future__ import annotations

import logging

# These loggers print whole payloads at DEBUG: discord.py's requests and events (letter text typed into
# commands) and aiosqlite's statements with their parameters (referee names, notes, reminder text).
# They never go below INFO, whatever LOG_LEVEL says.
PAYLOAD_LOGGERS = (
    "aiosqlite",
    "discord.http",
    "discord.gateway",
    "discord.webhook.async_",
    "discord.state",
    "discord.client",
)


def setup_logging(level: str = "INFO") -> None:
    import discord

    discord.utils.setup_logging(level=logging.getLevelName(level), root=True)
    for name in PAYLOAD_LOGGERS:
        logging.getLogger(name).setLevel(max(logging.INFO, logging.getLevelName(level)))
