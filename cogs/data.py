"""/data export and /data delete: a user's own data, as files, or erased (after a confirmation).

Both cover every table with a ``user_id`` column (``Database.export_user`` / ``delete_user``), so features
added later are included automatically. Letter text is never stored, so it is never in an export.
"""

from __future__ import annotations

import csv
import io
import json
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.errors import GuardedView, guarded
from bot.problems import NotYours
from bot.tracker import format_bullets
from db.referees import Referee, list_referees

if TYPE_CHECKING:
    from bot.core import LorCoach

WIPE_TEMPLATE = r"lor:wipe:(?P<owner>\d+):(?P<choice>yes|no)"
CSV_COLUMNS = (
    "name",
    "label",
    "kind",
    "status",
    "circled",
    "title",
    "institution",
    "email",
    "how_known",
    "known_for",
    "last_worked",
    "letter_date",
    "notes",
    "bullets",
    "created_at",
    "updated_at",
)
#: What the tables are called when we tell users what was deleted.
TABLE_WORDS = {"referees": "referees", "referee_bullets": "referee bullets"}
#: Spreadsheet apps run cells starting with these as formulas; a leading apostrophe keeps them text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def table_word(table: str) -> str:
    return TABLE_WORDS.get(table, table.replace("_", " "))


def export_json(user_id: int, exported_at: str, tables: dict[str, list[dict[str, Any]]]) -> bytes:
    """Every stored row of the user, table by table, as readable JSON."""
    payload = {
        "exported_at": exported_at,
        "user_id": user_id,
        "note": "Everything LOR Coach stores about you. Letter text is never stored, so none is included.",
        "tables": tables,
    }
    return json.dumps(payload, indent=2, ensure_ascii=False, default=str).encode("utf-8")


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _csv_row(referee: Referee) -> list[str]:
    values = referee.model_dump(mode="json")
    values["bullets"] = format_bullets(referee.bullets)
    values["circled"] = "yes" if referee.circled else "no"
    return [_cell(values[column]) for column in CSV_COLUMNS]


def export_csv(referees: list[Referee]) -> bytes:
    """One row per referee; the bullets cell holds one ``area: text`` line per bullet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    writer.writerows(_csv_row(referee) for referee in referees)
    return out.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheet apps read non-Latin names


def describe_counts(counts: dict[str, int]) -> str:
    """``3 referees, 12 referee bullets`` (only tables with rows), or a plain "nothing"."""
    parts = [f"{n} {table_word(table)}" for table, n in sorted(counts.items()) if n]
    return ", ".join(parts) if parts else "nothing"


class WipeButton(discord.ui.DynamicItem[discord.ui.Button], template=WIPE_TEMPLATE):
    """Confirm or cancel /data delete: only the owner may press, and only the presser's data is erased."""

    def __init__(self, owner_id: int, choice: str) -> None:
        confirm = choice == "yes"
        super().__init__(
            discord.ui.Button(
                label="Delete everything" if confirm else "Cancel",
                style=discord.ButtonStyle.danger if confirm else discord.ButtonStyle.secondary,
                custom_id=f"lor:wipe:{owner_id}:{choice}",
            )
        )
        self.owner_id = owner_id
        self.confirm = confirm

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: Any, /
    ) -> WipeButton:
        return cls(int(match["owner"]), match["choice"])

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner_id:
            raise NotYours()
        if not self.confirm:
            await interaction.response.edit_message(content="Cancelled. Nothing was deleted.", view=None)
            return
        bot: LorCoach = interaction.client  # type: ignore[assignment]
        await interaction.response.defer()
        counts = await bot.db.delete_user(interaction.user.id)
        bot.dispatch("user_data_deleted", interaction.user.id)
        await interaction.edit_original_response(
            content=f"Done. Deleted {describe_counts(counts)}. LOR Coach no longer stores anything about "
            "you.",
            view=None,
        )


class Data(commands.Cog):
    """Your data: export it, or erase it."""

    data = app_commands.Group(
        name="data", description="Export or delete everything LOR Coach stores about you"
    )

    def __init__(self, bot: LorCoach) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(WipeButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(WipeButton)

    @data.command(name="export", description="Download everything stored about you (JSON and CSV files)")
    async def export(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        user_id = interaction.user.id
        tables = await self.bot.db.export_user(user_id)
        referees = await list_referees(self.bot.db, user_id)
        stamp = self.bot.now()
        files = [
            discord.File(io.BytesIO(export_json(user_id, stamp.isoformat(), tables)), "lorcoach-data.json"),
            discord.File(io.BytesIO(export_csv(referees)), "lorcoach-referees.csv"),
        ]
        counts = {table: len(rows) for table, rows in tables.items()}
        await interaction.followup.send(
            f"Here is everything LOR Coach stores about you ({describe_counts(counts)}). The JSON has every "
            "table; the CSV lists your referees with their bullets. Letter text is never stored.",
            files=files,
            ephemeral=True,
        )

    @data.command(name="delete", description="Erase everything stored about you (asks first)")
    async def delete(self, interaction: discord.Interaction) -> None:
        tables = await self.bot.db.export_user(interaction.user.id)
        counts = {table: len(rows) for table, rows in tables.items()}
        view = GuardedView(timeout=None)
        view.add_item(WipeButton(interaction.user.id, "yes"))
        view.add_item(WipeButton(interaction.user.id, "no"))
        await interaction.response.send_message(
            f"This erases everything LOR Coach stores about you: {describe_counts(counts)}. It can't be "
            "undone (use `/data export` first if you want a copy). Delete everything?",
            view=view,
            ephemeral=True,
        )


async def setup(bot: LorCoach) -> None:
    await bot.add_cog(Data(bot))
