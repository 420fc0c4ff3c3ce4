"""/referee: track the people who could write your letters (thin glue over db/referees.py and bot/tracker.py).

Every reply is ephemeral (personal data). Buttons are persistent DynamicItems carrying the owner's id;
each callback refuses anyone else and re-reads the record scoped to the presser, never trusting ids alone.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.app_commands import Choice
from discord.ext import commands

from bot.advice.vocab import LABEL_ORDER, Area, RefereeKind, RefereeLabel, RefereeStatus
from bot.embeds import BRAND, FIELD_VALUE, add_field, clip, safe
from bot.errors import GuardedModal, GuardedView, guarded
from bot.problems import NotYours, UserFacingError
from bot.tracker import (
    AREA_WORDS,
    change_status,
    format_bullets,
    letter_age,
    name_suggestions,
    parse_bullets,
    parse_day,
    resolve_referee,
)
from db.referees import (
    MAX_BULLETS,
    MAX_CIRCLED,
    MAX_REFEREES,
    Referee,
    add_referee,
    delete_referee,
    get_referee_by_id,
    list_referees,
    set_bullets,
    toggle_circle,
    update_referee,
)

if TYPE_CHECKING:
    from bot.core import LorCoach

PAGE_SIZE = 8
CIRCLE = "⭕"
CLEAR = "-"
PAGE_TEMPLATE = r"lor:refpage:(?P<owner>\d+):(?P<page>\d+):(?P<way>[pn])"
REMOVE_TEMPLATE = r"lor:refdel:(?P<owner>\d+):(?P<referee>\d+):(?P<choice>yes|no)"

LABEL_CHOICES = [Choice(name=label.title, value=label.value) for label in LABEL_ORDER]
KIND_CHOICES = [Choice(name=kind.title, value=kind.value) for kind in RefereeKind]
KIND_EDIT_CHOICES = [*KIND_CHOICES, Choice(name="(clear)", value=CLEAR)]
STATUS_CHOICES = [Choice(name=status.title, value=status.value) for status in RefereeStatus]

WHO_TO_ASK = (
    "**Who writes a letter that helps:** someone who watched you look after patients, can rank you against "
    "other trainees they supervised, and ideally has trained or published abroad or has US ties. Skip the "
    "dean who met you twice, the famous name who barely knows you and the family friend who never saw you "
    "work: a specific letter from a lesser-known supervisor beats a vague one from a big name."
)
EMPTY_LIST = (
    "You're not tracking anyone yet. Start with `/referee add`: write down every person who could write you "
    "a letter and label each one Strong, Unsure, Weak or Suspect negative.\n"
    "Aim for **four** writers you expect to be strong: three to send, plus one spare in case someone "
    "falls through."
)
LABEL_ADVICE: dict[RefereeLabel, str] = {
    RefereeLabel.strong: "Circle them if they are one of your best three (`/referee circle`).",
    RefereeLabel.unsure: (
        "Find out before you rely on them: ask whether they can write a *strong, detailed* letter for US "
        "residency, not just “a letter”. Their answer tells you where they belong."
    ),
    RefereeLabel.weak: (
        "Keep them as a last resort: a lukewarm letter only fills a gap when your other letters are strong."
    ),
    RefereeLabel.suspect_negative: (
        "Don't use a letter that might carry doubts: one hint of concern can cost you more than having one "
        "letter fewer. Put your effort into other writers."
    ),
}
STATUS_ADVICE: dict[RefereeStatus, str] = {
    RefereeStatus.not_asked: "When you ask, ask for a *strong, detailed* letter, not just a letter.",
    RefereeStatus.asked: "Give them a week or two; if you hear nothing, one polite follow-up is fine.",
    RefereeStatus.agreed_strong: (
        "Send your support packet now: CV, personal-statement draft, target specialties and your bullet list "
        "(`/referee bullets`)."
    ),
    RefereeStatus.agreed_hedged: (
        "A hesitant yes usually means a generic letter. Thank them, and line up a writer who can say yes "
        "without holding back; keep this one as a backup at most."
    ),
    RefereeStatus.declined: (
        "Better a no now than a weak letter later. Thank them and move to your next writer."
    ),
    RefereeStatus.packet_sent: "If the letter isn't uploaded in 1–2 weeks, send a short, friendly reminder.",
    RefereeStatus.uploaded: (
        "Check in ERAS that it arrived complete (letterhead, signature, date); you check the form, not the "
        "content."
    ),
    RefereeStatus.assigned: "Done: the letter is assigned to programs. Keep your strongest three assigned.",
}
BULLETS_HELP = (
    "Write **one bullet per line** as `area: what they saw you do`, with real patients, responsibilities, "
    "outcomes and dates. Aim for 5–7, at most {max}, each under 200 characters.\n"
    "Areas: {areas}.\nExample: `clinical: Spotted early sepsis after surgery and called the ICU (Mar 2024)`\n"
    "Leave the box empty to remove all bullets."
)


# ---------------------------------------------------------------------------------------------- display
def referee_line(referee: Referee, today: date) -> str:
    """One line of the list: circle mark, name, label, status and letter age."""
    parts = [referee.label.title, referee.status.title]
    if referee.kind:
        parts.append(referee.kind.title)
    if referee.letter_date:
        parts.append(f"letter {letter_age(referee.letter_date, today)}")
    mark = f"{CIRCLE} " if referee.circled else ""
    return f"{mark}**{safe(referee.name)}** — " + " · ".join(parts)


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def summary_line(referees: list[Referee]) -> str:
    counts = [f"{label.title}: {sum(r.label == label for r in referees)}" for label in LABEL_ORDER]
    circled = sum(r.circled for r in referees)
    return " · ".join(counts) + f" · {CIRCLE} {circled}/{MAX_CIRCLED}"


def list_embed(referees: list[Referee], page: int, today: date) -> discord.Embed:
    """The page ``page`` (0-based, already clamped) of the list."""
    chunk = referees[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
    lines = [summary_line(referees), ""] + [referee_line(r, today) for r in chunk]
    likely = sum(r.label in (RefereeLabel.strong, RefereeLabel.unsure) for r in referees)
    if likely < 4:
        lines += ["", "Aim for four writers you expect to be strong: three to send plus a spare."]
    embed = discord.Embed(
        title=f"Your referees ({len(referees)})", description="\n".join(lines), colour=BRAND
    )
    embed.set_footer(
        text=f"Page {page + 1} of {page_count(len(referees))} · {CIRCLE} = your top {MAX_CIRCLED} · "
        "/referee show for details"
    )
    return embed


def list_view(owner_id: int, page: int, total: int) -> discord.ui.View | None:
    pages = page_count(total)
    if pages <= 1:
        return None
    view = GuardedView(timeout=None)
    view.add_item(PageButton(owner_id, max(page - 1, 0), "p", disabled=page == 0))
    view.add_item(PageButton(owner_id, min(page + 1, pages - 1), "n", disabled=page >= pages - 1))
    return view


def chunk_lines(lines: list[str], limit: int = FIELD_VALUE) -> list[str]:
    """Group lines into blocks no longer than ``limit`` (for embed fields)."""
    blocks: list[str] = []
    for line in lines:
        if blocks and len(blocks[-1]) + 1 + len(line) <= limit:
            blocks[-1] += "\n" + line
        else:
            blocks.append(clip(line, limit))
    return blocks


def bullet_fields(embed: discord.Embed, referee: Referee) -> None:
    """The bullets, grouped into fields, plus a nudge toward 5–7 bullets across the areas."""
    lines = [f"• *{b.area.title}*: {safe(b.text)}" for b in referee.bullets]
    for number, block in enumerate(chunk_lines(lines)):
        add_field(embed, "Bullets" if number == 0 else "Bullets (continued)", block)
    covered = {b.area for b in referee.bullets}
    missing = [area.title.lower() for area in Area if area not in covered]
    if len(referee.bullets) < 5:
        add_field(
            embed,
            "Next step",
            f"{len(referee.bullets)} bullet(s) so far: aim for 5–7 concrete ones (real patients, real "
            "responsibilities, real outcomes) with `/referee bullets`.",
        )
    elif missing:
        add_field(embed, "Areas not covered yet", ", ".join(missing))


def referee_embed(referee: Referee, today: date) -> discord.Embed:
    """Everything stored about one referee."""
    mark = f"{CIRCLE} " if referee.circled else ""
    headline = [referee.label.title, referee.status.title] + ([referee.kind.title] if referee.kind else [])
    embed = discord.Embed(title=clip(mark + safe(referee.name), 256), description=" · ".join(headline))
    embed.colour = BRAND
    role = ", ".join(safe(x) for x in (referee.title, referee.institution) if x)
    for name, value in (
        ("Role", role),
        ("Email", safe(referee.email or "")),
        ("How you know them", safe(referee.how_known or "")),
        ("Known for", safe(referee.known_for or "")),
        ("Last worked together", referee.last_worked.isoformat() if referee.last_worked else ""),
        ("Letter", _letter_text(referee, today)),
        ("Notes", safe(referee.notes or "")),
    ):
        if value:
            add_field(embed, name, value, inline=len(value) < 40)
    bullet_fields(embed, referee)
    embed.set_footer(text=f"Added {referee.created_at.date().isoformat()}")
    return embed


def _letter_text(referee: Referee, today: date) -> str:
    if not referee.letter_date:
        return ""
    return f"{referee.letter_date.isoformat()} ({letter_age(referee.letter_date, today)})"


# ---------------------------------------------------------------------------------------------- buttons
class PageButton(discord.ui.DynamicItem[discord.ui.Button], template=PAGE_TEMPLATE):
    """Previous / Next on /referee list; only the owner can page."""

    def __init__(self, owner_id: int, page: int, way: str, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Previous" if way == "p" else "Next",
                style=discord.ButtonStyle.secondary,
                custom_id=f"lor:refpage:{owner_id}:{page}:{way}",
                disabled=disabled,
            )
        )
        self.owner_id = owner_id
        self.page = page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: Any, /
    ) -> PageButton:
        return cls(int(match["owner"]), int(match["page"]), match["way"])

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner_id:
            raise NotYours()
        bot: LorCoach = interaction.client  # type: ignore[assignment]
        referees = await list_referees(bot.db, interaction.user.id)
        if not referees:
            await interaction.response.edit_message(content=EMPTY_LIST, embed=None, view=None)
            return
        page = min(self.page, page_count(len(referees)) - 1)
        await interaction.response.edit_message(
            embed=list_embed(referees, page, bot.now().date()),
            view=list_view(interaction.user.id, page, len(referees)),
        )


class RemoveButton(discord.ui.DynamicItem[discord.ui.Button], template=REMOVE_TEMPLATE):
    """Confirm or cancel /referee remove; only the owner, and only their own referee."""

    def __init__(self, owner_id: int, referee_id: int, choice: str) -> None:
        confirm = choice == "yes"
        super().__init__(
            discord.ui.Button(
                label="Remove" if confirm else "Cancel",
                style=discord.ButtonStyle.danger if confirm else discord.ButtonStyle.secondary,
                custom_id=f"lor:refdel:{owner_id}:{referee_id}:{choice}",
            )
        )
        self.owner_id = owner_id
        self.referee_id = referee_id
        self.confirm = confirm

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: Any, /
    ) -> RemoveButton:
        return cls(int(match["owner"]), int(match["referee"]), match["choice"])

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner_id:
            raise NotYours()
        bot: LorCoach = interaction.client  # type: ignore[assignment]
        referee = await get_referee_by_id(bot.db, interaction.user.id, self.referee_id)
        if referee is None:
            text = "That referee isn't in your list any more; nothing to do."
        elif not self.confirm:
            text = f"Kept **{safe(referee.name)}**. Nothing was removed."
        elif await delete_referee(bot.db, interaction.user.id, referee.id):
            bot.dispatch("referee_removed", interaction.user.id, referee)
            text = f"Removed **{safe(referee.name)}** and their {len(referee.bullets)} bullet(s)."
        else:
            text = "That referee was already removed."
        await interaction.response.edit_message(content=text, embed=None, view=None)


# ---------------------------------------------------------------------------------------------- bullets form
class BulletsModal(GuardedModal):
    """Edit up to MAX_BULLETS bullets as ``area: text`` lines, prefilled with the current ones."""

    reopen = "`/referee bullets`"

    def __init__(self, owner_id: int, referee: Referee, text: str) -> None:
        super().__init__(title=clip(f"Bullets: {referee.name}", 45), timeout=900)
        self.owner_id = owner_id
        self.referee_id = referee.id
        self.referee_name = referee.name
        areas = ", ".join(f"`{word}`" for word in AREA_WORDS.values())
        self.add_item(discord.ui.TextDisplay(BULLETS_HELP.format(max=MAX_BULLETS, areas=areas)))
        self.box = discord.ui.TextInput(
            custom_id="bullets",
            style=discord.TextStyle.paragraph,
            default=text[:4000] or None,
            required=False,
            max_length=4000,
            placeholder="clinical: Spotted early sepsis after surgery and called the ICU (Mar 2024)",
        )
        self.add_item(
            discord.ui.Label(
                text="Your bullets, one per line",
                description="area: what they saw you do (up to 10 lines)",
                component=self.box,
            )
        )

    async def on_submit(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner_id:
            raise NotYours()
        bot: LorCoach = interaction.client  # type: ignore[assignment]
        text = self.box.value or ""
        try:
            bullets = parse_bullets(text)
        except UserFacingError as problem:
            retry = RetryBulletsView(self.owner_id, self.referee_id, text)
            await interaction.response.send_message(problem.message, view=retry, ephemeral=True)
            return
        referee = await set_bullets(bot.db, interaction.user.id, self.referee_id, bullets, now=bot.now())
        embed = discord.Embed(title=clip(safe(referee.name), 256), colour=BRAND)
        bullet_fields(embed, referee)
        saved = (
            f"Saved {len(bullets)} bullet(s) for **{safe(referee.name)}**."
            if bullets
            else (f"Removed all bullets for **{safe(referee.name)}**.")
        )
        await interaction.response.send_message(saved, embed=embed, ephemeral=True)


class RetryBulletsView(GuardedView):
    """Reopen the bullets form with what the user typed, after a rejected submission."""

    def __init__(self, owner_id: int, referee_id: int, text: str) -> None:
        super().__init__(timeout=900)
        self.owner_id = owner_id
        self.referee_id = referee_id
        self.text = text

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id != self.owner_id:
            raise NotYours()
        return True

    @discord.ui.button(label="Edit again", style=discord.ButtonStyle.primary)
    async def again(self, interaction: discord.Interaction, button: discord.ui.Button) -> None:
        bot: LorCoach = interaction.client  # type: ignore[assignment]
        referee = await get_referee_by_id(bot.db, interaction.user.id, self.referee_id)
        if referee is None:
            raise UserFacingError("That referee isn't in your list any more.")
        await interaction.response.send_modal(BulletsModal(interaction.user.id, referee, self.text))


# ---------------------------------------------------------------------------------------------- helpers
async def referee_name_autocomplete(interaction: discord.Interaction, current: str) -> list[Choice[str]]:
    """The caller's own referees whose name contains what they typed."""
    bot: LorCoach = interaction.client  # type: ignore[assignment]
    referees = await name_suggestions(bot.db, interaction.user.id, current)
    return [
        Choice(name=clip(f"{CIRCLE + ' ' if r.circled else ''}{r.name} · {r.label.title}", 100), value=r.name)
        for r in referees
    ]


def _text_change(value: str | None) -> tuple[bool, str | None]:
    """(given?, new value): ``-`` clears a field."""
    if value is None:
        return False, None
    return True, None if value.strip() == CLEAR else value


def _date_change(value: str | None, what: str, today: date) -> tuple[bool, date | None]:
    given, text = _text_change(value)
    return given, parse_day(text, what, today=today) if text else None


class Referees(commands.Cog):
    """The referee tracker."""

    referee = app_commands.Group(name="referee", description="Track the people who could write your letters")

    def __init__(self, bot: LorCoach) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PageButton, RemoveButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PageButton, RemoveButton)

    async def _find(self, interaction: discord.Interaction, name: str) -> Referee:
        return await resolve_referee(self.bot.db, interaction.user.id, name)

    @referee.command(name="add", description="Add someone who could write you a letter, with your best guess")
    @app_commands.describe(
        name="Their name as you'd say it, e.g. Dr Priya Rao",
        label="How strong you expect their letter to be",
        kind="US clinical, home-country clinical, research or other",
        title="Their position, e.g. Professor of Medicine",
        institution="Their hospital or university",
        email="Their email address",
        notes="Anything else worth remembering",
    )
    @app_commands.choices(label=LABEL_CHOICES, kind=KIND_CHOICES)
    async def add(
        self,
        interaction: discord.Interaction,
        name: str,
        label: Choice[str],
        kind: Choice[str] | None = None,
        title: str | None = None,
        institution: str | None = None,
        email: str | None = None,
        notes: str | None = None,
    ) -> None:
        referee = await add_referee(
            self.bot.db,
            interaction.user.id,
            name=name,
            label=label.value,
            now=self.bot.now(),
            kind=kind.value if kind else None,
            title=title,
            institution=institution,
            email=email,
            notes=notes,
        )
        total = len(await list_referees(self.bot.db, interaction.user.id))
        text = (
            f"Added **{safe(referee.name)}** as *{referee.label.title}* ({total} of {MAX_REFEREES}).\n"
            f"{LABEL_ADVICE[referee.label]}\nNext: `/referee bullets` to list 5–7 concrete things they saw "
            f"you do.\n\n{WHO_TO_ASK}"
        )
        await interaction.response.send_message(text, ephemeral=True)

    @referee.command(
        name="list", description="All your referees, strongest first, with status and letter age"
    )
    async def list_(self, interaction: discord.Interaction) -> None:
        referees = await list_referees(self.bot.db, interaction.user.id)
        if not referees:
            await interaction.response.send_message(EMPTY_LIST, ephemeral=True)
            return
        embed = list_embed(referees, 0, self.bot.now().date())
        view = list_view(interaction.user.id, 0, len(referees))
        if view is None:
            await interaction.response.send_message(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    @referee.command(name="show", description="Everything you noted about one referee")
    @app_commands.describe(name="One of your referees")
    @app_commands.autocomplete(name=referee_name_autocomplete)
    async def show(self, interaction: discord.Interaction, name: str) -> None:
        referee = await self._find(interaction, name)
        await interaction.response.send_message(
            embed=referee_embed(referee, self.bot.now().date()), ephemeral=True
        )

    @referee.command(name="edit", description="Change a referee's details (type - to clear a field)")
    @app_commands.describe(
        name="One of your referees",
        new_name="A new name for them",
        label="How strong you now expect their letter to be",
        kind="US clinical, home-country clinical, research or other",
        title="Their position (- clears)",
        institution="Their hospital or university (- clears)",
        email="Their email address (- clears)",
        how_known="How they know your work, e.g. supervised my medicine internship (- clears)",
        known_for="How long they've known you, e.g. 3 months (- clears)",
        last_worked="When you last worked together, YYYY-MM-DD (- clears)",
        letter_date="The date on their letter, YYYY-MM-DD (- clears)",
        notes="Anything else worth remembering (- clears)",
    )
    @app_commands.choices(label=LABEL_CHOICES, kind=KIND_EDIT_CHOICES)
    @app_commands.autocomplete(name=referee_name_autocomplete)
    async def edit(
        self,
        interaction: discord.Interaction,
        name: str,
        new_name: str | None = None,
        label: Choice[str] | None = None,
        kind: Choice[str] | None = None,
        title: str | None = None,
        institution: str | None = None,
        email: str | None = None,
        how_known: str | None = None,
        known_for: str | None = None,
        last_worked: str | None = None,
        letter_date: str | None = None,
        notes: str | None = None,
    ) -> None:
        referee = await self._find(interaction, name)
        today = self.bot.now().date()
        changes: dict[str, Any] = {}
        if new_name is not None:
            changes["name"] = new_name
        if label is not None:
            changes["label"] = label.value
        if kind is not None:
            changes["kind"] = None if kind.value == CLEAR else kind.value
        for field, value in (
            ("title", title),
            ("institution", institution),
            ("email", email),
            ("how_known", how_known),
            ("known_for", known_for),
            ("notes", notes),
        ):
            given, new = _text_change(value)
            if given:
                changes[field] = new
        for field, value, what in (
            ("last_worked", last_worked, "last-worked date"),
            ("letter_date", letter_date, "letter date"),
        ):
            given, day = _date_change(value, what, today)
            if given:
                changes[field] = day
        if not changes:
            raise UserFacingError("Nothing to change: fill in at least one option besides the name.")
        updated = await update_referee(
            self.bot.db, interaction.user.id, referee.id, now=self.bot.now(), **changes
        )
        fields = ", ".join(sorted(f.replace("_", " ") for f in changes))
        await interaction.response.send_message(
            f"Updated **{safe(updated.name)}**: {fields}.",
            embed=referee_embed(updated, today),
            ephemeral=True,
        )

    @referee.command(name="status", description="Record where a referee stands: asked, agreed, uploaded…")
    @app_commands.describe(name="One of your referees", status="Where things stand now")
    @app_commands.choices(status=STATUS_CHOICES)
    @app_commands.autocomplete(name=referee_name_autocomplete)
    async def status(self, interaction: discord.Interaction, name: str, status: Choice[str]) -> None:
        referee = await self._find(interaction, name)
        updated = await change_status(self.bot, interaction.user.id, referee.id, status.value)
        if updated.status == referee.status:
            text = f"**{safe(updated.name)}** is already marked *{updated.status.title}*."
        else:
            text = f"**{safe(updated.name)}**: {referee.status.title} → **{updated.status.title}**."
        await interaction.response.send_message(f"{text}\n{STATUS_ADVICE[updated.status]}", ephemeral=True)

    @referee.command(name="circle", description="Circle (or uncircle) one of your top 3 writers")
    @app_commands.describe(name="One of your referees")
    @app_commands.autocomplete(name=referee_name_autocomplete)
    async def circle(self, interaction: discord.Interaction, name: str) -> None:
        referee = await self._find(interaction, name)
        updated = await toggle_circle(self.bot.db, interaction.user.id, referee.id, now=self.bot.now())
        circled = sum(r.circled for r in await list_referees(self.bot.db, interaction.user.id))
        if not updated.circled:
            text = f"Uncircled **{safe(updated.name)}** ({circled} of {MAX_CIRCLED} circled)."
        else:
            text = f"{CIRCLE} Circled **{safe(updated.name)}** ({circled} of {MAX_CIRCLED} top writers)."
            if updated.label is not RefereeLabel.strong:
                text += (
                    f"\nNote: you labelled them *{updated.label.title}*. Your top {MAX_CIRCLED} should be "
                    "writers you expect to be Strong."
                )
        await interaction.response.send_message(text, ephemeral=True)

    @referee.command(name="bullets", description="Write 5–7 concrete things this referee saw you do")
    @app_commands.describe(name="One of your referees")
    @app_commands.autocomplete(name=referee_name_autocomplete)
    async def bullets(self, interaction: discord.Interaction, name: str) -> None:
        referee = await self._find(interaction, name)
        modal = BulletsModal(interaction.user.id, referee, format_bullets(referee.bullets))
        await interaction.response.send_modal(modal)

    @referee.command(name="remove", description="Remove a referee and their bullets (asks first)")
    @app_commands.describe(name="One of your referees")
    @app_commands.autocomplete(name=referee_name_autocomplete)
    async def remove(self, interaction: discord.Interaction, name: str) -> None:
        referee = await self._find(interaction, name)
        view = GuardedView(timeout=None)
        view.add_item(RemoveButton(interaction.user.id, referee.id, "yes"))
        view.add_item(RemoveButton(interaction.user.id, referee.id, "no"))
        await interaction.response.send_message(
            f"Remove **{safe(referee.name)}** and their {len(referee.bullets)} bullet(s)? "
            "This can't be undone.",
            view=view,
            ephemeral=True,
        )


async def setup(bot: LorCoach) -> None:
    await bot.add_cog(Referees(bot))
