"""One error handler for every interaction: slash commands, context menus, buttons and modals.

The user always gets a short, friendly, ephemeral answer. Unexpected errors are logged with a short
reference the user can quote; the log line never contains what the user typed.
"""

from __future__ import annotations

import io
import logging
import math
import secrets
import sqlite3
from typing import TYPE_CHECKING, Any, ClassVar

import discord
from discord import app_commands

from bot.advice.text import escape_text
from bot.problems import NotYours, StorageProblem, UserFacingError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

log = logging.getLogger("lorcoach.errors")

__all__ = [
    "GuardedModal",
    "GuardedView",
    "LorTree",
    "NotYours",
    "UserFacingError",
    "answer_expired_form",
    "guarded",
    "handle_interaction_error",
    "send_ephemeral",
]


DISCORD_TROUBLE = (
    "Discord had a problem delivering my answer (error {status}). What you asked may already be done: check "
    "before you repeat it, and try again in a moment if it wasn't."
)


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
    storage = StorageProblem.from_sqlite(error)
    if storage is not None:
        return storage.message, False
    if isinstance(error, discord.HTTPException) and (error.status >= 500 or error.status == 429):
        return DISCORD_TROUBLE.format(status=error.status), False
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
            f"That value for an option didn't work: {escape_text(str(error.value)[:200])}.",
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
    where = interaction.command.qualified_name if interaction.command else f"component {interaction.type}"
    original = getattr(error, "original", error)
    if not unexpected and isinstance(original, sqlite3.Error | discord.HTTPException):
        # expected for the user, but the operator must hear about a full disk or a Discord outage
        log.warning(
            "%s in %s for user %s: %s", type(original).__name__, where, interaction.user.id, _brief(original)
        )
    if unexpected:
        ref = new_reference()
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


def _brief(error: BaseException) -> str:
    """What went wrong, without anything the user typed (SQLite and HTTP status texts only)."""
    if isinstance(error, discord.HTTPException):
        return f"HTTP {error.status}, code {error.code}"
    return str(error)[:200]


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
    """A modal whose submit errors get the same friendly answer.

    A form lives only in the memory of the bot that opened it. Each subclass names, in ``reopen``, how the
    user opens it again; its custom_id starts with ``form:<class name>:`` so that a form submitted after a
    restart can still be answered with that hint (see :func:`answer_expired_form`).
    """

    reopen: ClassVar[str] = "the command you used"
    _reopen_by_name: ClassVar[dict[str, str]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        GuardedModal._reopen_by_name[cls.__name__] = cls.reopen

    def __init__(self, *, custom_id: str | None = None, **kwargs: Any) -> None:
        suffix = custom_id or secrets.token_hex(8)
        super().__init__(custom_id=f"form:{type(self).__name__}:{suffix}"[:100], **kwargs)

    async def on_error(self, interaction: discord.Interaction, error: Exception) -> None:
        await handle_interaction_error(interaction, error)


EXPIRED_FORM = (
    "That form was opened before I restarted, so I could not take it and **nothing was saved**. "
    "Open it again with {reopen}."
)
_TYPED_BACK = " What you typed is {where}, so you can paste it back:"


def _typed_values(components: list[dict[str, Any]]) -> list[str]:
    """The text the user typed into a form's inputs, in order (rows and labels nest them)."""
    values: list[str] = []
    for component in components:
        value = component.get("value")
        if isinstance(value, str) and value.strip():
            values.append(value)
        inner = component.get("components") or ([component["component"]] if "component" in component else [])
        values.extend(_typed_values(inner))
    return values


async def answer_expired_form(interaction: discord.Interaction) -> None:
    """Answer a form submission no live form is waiting for (the bot restarted since it was opened).

    Without this the user sees "This interaction failed" and loses what they typed: give it back to them
    (ephemeral, to that user only; it is not stored or logged) and say how to reopen the form.
    """
    if interaction.type is not discord.InteractionType.modal_submit or interaction.response.is_done():
        return
    data: dict[str, Any] = interaction.data or {}  # type: ignore[assignment]
    custom_id = str(data.get("custom_id", ""))
    store = getattr(interaction.client._connection, "_view_store", None)  # discord.py keeps live forms here
    if store is None or custom_id in getattr(store, "_modals", {}):
        return
    parts = custom_id.split(":")
    name = parts[1] if len(parts) > 2 and parts[0] == "form" else ""
    message = EXPIRED_FORM.format(reopen=GuardedModal._reopen_by_name.get(name, GuardedModal.reopen))
    log.info("expired form %s submitted by user %s", name or "(unknown)", interaction.user.id)
    typed = "\n\n".join(_typed_values(data.get("components", [])))
    kwargs: dict[str, Any] = {}
    if typed:
        fenced = typed.replace("```", "`\u200b``")  # a fence inside the text would end the code block
        inline = f"{message}{_TYPED_BACK.format(where='below')}\n```\n{fenced}\n```"
        if len(inline) <= 2000:
            message = inline
        else:
            message += _TYPED_BACK.format(where="in the attached file")
            kwargs["file"] = discord.File(io.BytesIO(typed.encode("utf-8")), filename="your-text.txt")
    try:
        await interaction.response.send_message(message, ephemeral=True, **kwargs)
    except discord.HTTPException:
        log.warning("could not answer an expired form for user %s", interaction.user.id)
