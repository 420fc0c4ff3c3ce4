"""LOR Coach: a Discord bot that helps international medical graduates get strong letters.

``from bot import create_bot`` builds the configured bot without needing a token.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from bot.core import LorCoach
    from bot.settings import Settings


def create_bot(settings: Settings | None = None, **kwargs: Any) -> LorCoach:
    """Build the bot. Settings come from the environment and ``.env`` unless given.

    Imports discord lazily, so the advice logic and the CLI's ``check``/``reply`` stay light.
    """
    from bot.core import LorCoach
    from bot.settings import load_settings

    return LorCoach(settings or load_settings(), **kwargs)


__all__ = ["__version__", "create_bot"]
