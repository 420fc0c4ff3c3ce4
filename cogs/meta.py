"""/help (built from the command tree itself) and /about."""

from __future__ import annotations

import discord
from discord import app_commands
from discord.ext import commands

from bot.embeds import BRAND, add_field

INTRO = (
    "LOR Coach helps international medical graduates get letters of recommendation that help, not hurt. "
    "Check a letter, track your writers, ask for a *strong* letter and get reminded to follow up. "
    "Personal replies in servers are visible only to you."
)

PRIVACY = (
    "Letter text is read in memory and never stored or logged. Your referees, reminders and progress are "
    "yours alone: export them with /data export and erase them with /data delete."
)


def command_lines(tree: app_commands.CommandTree) -> dict[str, list[str]]:
    """One line per invocable command, grouped by top-level name, straight from the tree."""
    groups: dict[str, list[str]] = {}
    for command in sorted(tree.get_commands(type=discord.AppCommandType.chat_input), key=lambda c: c.name):
        if isinstance(command, app_commands.Group):
            lines = [
                f"`/{sub.qualified_name}` — {sub.description}"
                for sub in sorted(command.walk_commands(), key=lambda c: c.qualified_name)
                if isinstance(sub, app_commands.Command)
            ]
            groups[f"/{command.name} — {command.description}"] = lines
        else:
            groups.setdefault("General", []).append(f"`/{command.name}` — {command.description}")
    menus = [
        f"Right-click a {'message' if c.type is discord.AppCommandType.message else 'user'} → Apps → **{c.name}**"
        for c in tree.get_commands()
        if isinstance(c, app_commands.ContextMenu)
    ]
    if menus:
        groups["Context menus"] = menus
    return groups


class Meta(commands.Cog):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    @app_commands.command(name="help", description="What LOR Coach can do and how to use each command")
    async def help(self, interaction: discord.Interaction) -> None:
        embed = discord.Embed(title="LOR Coach — help", description=INTRO, colour=BRAND)
        for heading, lines in command_lines(self.bot.tree).items():
            add_field(embed, heading, "\n".join(lines) or "—")
        embed.set_footer(text="Every command works in servers and in DMs with the bot.")
        await interaction.response.send_message(embed=embed, ephemeral=interaction.guild_id is not None)

    @app_commands.command(
        name="about", description="What LOR Coach is, its version, and how it treats your data"
    )
    async def about(self, interaction: discord.Interaction) -> None:
        embed = discord.Embed(
            title="About LOR Coach",
            description=(
                "A coach for IMGs applying to US residency: it reads a letter the way a program director "
                "would, and turns the advice into small steps you can take today."
            ),
            colour=BRAND,
        )
        add_field(embed, "Version", getattr(self.bot, "version", "unknown"), inline=True)
        add_field(embed, "Privacy", PRIVACY)
        add_field(
            embed,
            "Where your data lives",
            "In one SQLite database on the bot's host, readable only by the bot. Nothing is sent to "
            "any other service.",
        )
        await interaction.response.send_message(embed=embed, ephemeral=interaction.guild_id is not None)


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Meta(bot))
