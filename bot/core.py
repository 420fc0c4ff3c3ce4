"""The LOR Coach bot: a ``commands.Bot`` that owns the database and loads every cog."""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import pkgutil
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Literal

import discord
from discord import app_commands
from discord.ext import commands

from bot import __version__
from bot.errors import LorTree, answer_expired_form, send_ephemeral
from bot.settings import Settings
from db import Database

log = logging.getLogger("lorcoach")

SyncMode = Literal["auto", "force", "never"]
#: A provider returns messages the user should see the next time they use any command
#: (and marks them as told). Cogs register them with :meth:`LorCoach.add_notice_provider`.
NoticeProvider = Callable[[int], Awaitable[list[str]]]


class LorCoach(commands.Bot):
    """The bot. Build it with :func:`bot.create_bot`."""

    def __init__(
        self,
        settings: Settings,
        *,
        sync_mode: SyncMode = "auto",
        clock: Callable[[], datetime] = discord.utils.utcnow,
    ) -> None:
        intents = discord.Intents.default()  # no privileged intent: message content is never needed
        intents.typing = False
        intents.presences = False
        intents.members = False
        intents.message_content = False
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=intents,
            tree_cls=LorTree,
            allowed_contexts=app_commands.AppCommandContext(
                guild=True, dm_channel=True, private_channel=True
            ),
            allowed_installs=app_commands.AppInstallationType(guild=True, user=True),
            allowed_mentions=discord.AllowedMentions.none(),
            activity=discord.CustomActivity(name="Checking letters • /help"),
        )
        self.settings = settings
        self.sync_mode: SyncMode = sync_mode
        self.version = __version__
        self._clock = clock
        self.db = Database(settings.database_path, busy_timeout_ms=settings.db_busy_timeout_ms)
        self.notice_providers: list[NoticeProvider] = []
        self.synced_scope: str | None = None

    # ------------------------------------------------------------------ time
    def now(self) -> datetime:
        """The current aware UTC time: the one clock every feature reads (tests control it)."""
        return self._clock()

    # ------------------------------------------------------------------ startup
    async def setup_hook(self) -> None:
        await self.db.connect()
        await self.db.migrate()
        for name in cog_modules():
            await self.load_extension(name)
        if self.sync_mode != "never":
            try:
                await self.sync_commands(force=self.sync_mode == "force")
            except discord.HTTPException as error:
                if self.sync_mode == "force":  # `python -m bot sync` is asked to sync: it must fail loudly
                    raise
                # The commands from the last sync keep working and reminders must still go out: run anyway;
                # the hash is not stored, so the next start tries again.
                log.error("command sync failed (HTTP %s); running with the commands of the last sync", error.status)

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        """A form submitted after a restart has nobody waiting for it: answer it anyway."""
        await answer_expired_form(interaction)

    async def close(self) -> None:
        try:
            await super().close()
        finally:
            await self.db.close()

    # ------------------------------------------------------------------ command sync
    def _sync_target(self) -> discord.Object | None:
        if self.settings.dev_guild_id:
            return discord.Object(id=self.settings.dev_guild_id)
        return None

    def command_schema_hash(self) -> str:
        """A hash of exactly what a sync would send to Discord."""
        guild = self._sync_target()
        if guild is not None:
            self.tree.copy_global_to(guild=guild)
        payload = [cmd.to_dict(self.tree) for cmd in self.tree.get_commands(guild=guild)]
        payload.sort(key=lambda c: (c.get("type", 1), c["name"]))
        blob = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(blob.encode()).hexdigest()

    async def sync_commands(self, *, force: bool = False) -> bool:
        """Sync when the schema changed since the last sync (or when forced). Returns True if synced."""
        guild = self._sync_target()
        scope = f"guild:{guild.id}" if guild else "global"
        key = f"command_hash:{scope}"
        current = self.command_schema_hash()
        if not force and await self.db.get_meta(key) == current:
            log.info("commands unchanged since last sync (%s); not syncing", scope)
            self.synced_scope = scope
            return False
        synced = await self.tree.sync(guild=guild)
        await self.db.set_meta(key, current)
        self.synced_scope = scope
        log.info("synced %d commands (%s)", len(synced), scope)
        return True

    # ------------------------------------------------------------------ notices
    def add_notice_provider(self, provider: NoticeProvider) -> None:
        if provider not in self.notice_providers:
            self.notice_providers.append(provider)

    def remove_notice_provider(self, provider: NoticeProvider) -> None:
        if provider in self.notice_providers:
            self.notice_providers.remove(provider)

    async def on_app_command_completion(
        self, interaction: discord.Interaction, command: app_commands.Command | app_commands.ContextMenu
    ) -> None:
        """After any command, privately tell the user what they need to know (e.g. a DM that failed)."""
        notes: list[str] = []
        for provider in list(self.notice_providers):
            try:
                notes.extend(await provider(interaction.user.id))
            except Exception:
                log.exception("notice provider failed")
        if notes:
            await send_ephemeral(interaction, "\n".join(notes)[:2000])


def cog_modules() -> list[str]:
    """Every module in the ``cogs`` package (files starting with ``_`` are helpers, not cogs)."""
    package = importlib.import_module("cogs")
    return sorted(
        f"cogs.{info.name}"
        for info in pkgutil.iter_modules(package.__path__)
        if not info.name.startswith("_")
    )
