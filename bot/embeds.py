"""Small helpers for building replies that stay inside Discord's limits."""

from __future__ import annotations

import discord

from bot.advice.text import escape_text

EMBED_TOTAL = 6000
FIELD_VALUE = 1024
FIELD_NAME = 256
DESCRIPTION = 4096
TITLE = 256
FIELDS = 25
MESSAGE = 2000

BRAND = discord.Colour.from_rgb(52, 101, 164)


def clip(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters, ending with an ellipsis when cut."""
    text = text or ""
    return text if len(text) <= limit else text[: max(0, limit - 1)].rstrip() + "…"


def safe(text: str, limit: int | None = None) -> str:
    """User-provided text made inert for Discord markdown, masked links and mentions, cut to ``limit``.

    (Not discord.py's ``escape_markdown``: its masked-link rule spans from a line's first ``[`` to its last
    ``)``, leaving a second link and the markdown between them live; it was also the slowest step of a reply.)
    """
    cleaned = escape_text(text or "")
    if limit and len(cleaned) > limit:
        cleaned = clip(cleaned, limit)
        body = cleaned[:-1]
        if (len(body) - len(body.rstrip("\\"))) % 2:  # the cut split an escape: drop its lone backslash
            cleaned = body[:-1] + "…"
    return cleaned


def embed_size(embed: discord.Embed) -> int:
    return len(embed)


def add_field(embed: discord.Embed, name: str, value: str, *, inline: bool = False) -> bool:
    """Add a field if the embed still has room; clips name/value. Returns False if it did not fit."""
    if len(embed.fields) >= FIELDS:
        return False
    name, value = clip(name, FIELD_NAME), clip(value or "—", FIELD_VALUE)
    if len(embed) + len(name) + len(value) > EMBED_TOTAL - 50:
        room = EMBED_TOTAL - 50 - len(embed) - len(name)
        if room < 40:
            return False
        value = clip(value, room)
    embed.add_field(name=name, value=value, inline=inline)
    return True
