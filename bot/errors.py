"""One error handler for every interaction: slash commands, context menus, buttons and modals.

The user always gets a short, friendly, ephemeral answer. Unexpected errors are logged with a short
reference the user can quote; the log line never contains what the user typed.
"""

from __future__ import annotations

import logging
import math
import secrets
from typing import TYPE_CHECKING

import discord
from discord import app_commands

from bot.problems import NotYours, UserFacingError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

log = logging.getLogger("lorcoach.errors")

__all__ = [
    "GuardedModal",
    "GuardedView",
    "LorTree",
    "NotYours",
    "UserFacingError",
    "guarded",
    "handle_interaction_error",
    "send_ephemeral",
]


def new_reference() -> str:
    return secrets.token_hex(3).upper()


def describe_error(error: BaseException) -> tuple[str, bool]:
    """The user's message for ``error`` and whether it is unexpected (worth a traceback in the log)."""
    if isinstance(error, app_commands.CommandInvokeError | app_commands.TransformerError) and isinstance(
        error.__cause__ or getattr(error, "original", None), UserFacingError
    ):
        error = error.__cause__ or error.original  # type: ignore[union-attr]
    if isinstance(error, app_commands.CommandInvokeError):
        error = error.original
    if isinstance(error, UserFacingError):
        return error.message, False
    if isinstance(error, app_commands.CommandOnCooldown):
        wait = max(1, math.ceil(error.retry_after))
        return f"Easy there: you can use this again in {wait} second{'s' if wait != 1 else ''}.", False
    if isinstance(error, app_commands.NoPrivateMessage):
        return "This command only works inside a server.", False
    if isinstance(error, app_commands.MissingPermissions):
        perms = ", ".join(p.replace("_", " ") for p in error.missing_permissions)
        return f"You need the {perms} permission for this.", False
    if isinstance(error, app_commands.BotMissingPermissions):
        perms = ", ".join(p.replace("_", " ") for p in error.missing_permissions)
        return f"I am missing the {perms} permission here. Ask a server admin, or use me in DMs.", False
    if isinstance(error, app_commands.TransformerError):
        return (
            f"That value for an option didn't work: {discord.utils.escape_markdown(str(error.value))[:200]}.",
            False,
        )
    if isinstance(error, app_commands.CheckFailure):
        return "You can't use this command here.", False
    if isinstance(error, app_commands.CommandNotFound):
        return "That command no longer exists. Type / to see the current ones, or try /help.", False
    return "", True


async def send_ephemeral(interaction: discord.Interaction, content: str, **kwargs: object) -> None:
    """Answer ``interaction`` privately whether or not it was already acknowledged."""
    try:
        if interaction.response.is_done():
            await interaction.followup.send(content, ephemeral=True, **kwargs)  # type: ignore[arg-type]
        else:
            await interaction.response.send_message(content, ephemeral=True, **kwargs)  # type: ignore[arg-type]
    except discord.HTTPException as exc:  # expired token, Discord outage: nothing more we can do
        log.warning("could not deliver an answer to interaction %s: %s", interaction.id, exc.status)


async def handle_interaction_error(interaction: discord.Interaction, error: BaseException) -> None:
    """Answer the user and log the failure (the one place every interaction error ends up)."""
    message, unexpected = describe_error(error)
    if unexpected:
        ref = new_reference()
        where = interaction.command.qualified_name if interaction.command else f"component {interaction.type}"
        original = getattr(error, "original", error)
        log.error(
            "unexpected error [ref %s] in %s for user %s",
            ref,
            where,
            interaction.user.id,
            exc_info=(type(original), original, original.__traceback__),
        )
        message = (
            f"Sorry, something went wrong on my side (reference `{ref}`). Nothing you typed was stored. "
            "Please try again in a moment; if it keeps happening, share the reference with the bot's admins."
        )
    await send_ephemeral(interaction, message)


def guarded(
    callback: Callable[..., Awaitable[None]],
) -> Callable[..., Awaitable[None]]:
    """Decorate a button/select/modal callback ``(self, interaction, ...)`` so errors reach the handler.

    discord.py only logs exceptions raised in dynamic-item callbacks; the user would see
    "This interaction failed". This routes them to :func:`handle_interaction_error` instead.
    """
    import functools

    @functools.wraps(callback)
    async def wrapper(
        self: object, interaction: discord.Interaction, *args: object, **kwargs: object
    ) -> None:
        try:
            await callback(self, interaction, *args, **kwargs)
        except Exception as error:
            await handle_interaction_error(interaction, error)

    return wrapper


class LorTree(app_commands.CommandTree):
    """The command tree: same as discord.py's, with our error handler."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        await handle_interaction_error(interaction, error)


class GuardedView(discord.ui.View):
    """A view whose callback errors get the same friendly answer."""

    async def on_error(
        self, interaction: discord.Interaction, error: Exception, item: discord.ui.Item
    ) -> None:
        await handle_interaction_error(interaction, error)


class GuardedModal(discord.ui.Modal):
    """A modal whose submit errors get the same friendly answer."""

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await handle_interaction_error(interaction, error)
