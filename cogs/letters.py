"""/letter check, /letter paste and the "Check letter strength" message menu.

Thin glue around :func:`bot.advice.letters.analyze_letter` and
:func:`bot.advice.files.extract_letter_file_async`.
The letter text lives only in memory while it is read: it is never stored, logged or posted. The one
exception is opt-in: in a server, the owner may press **Share with this channel**, which posts the verdict
and the flagged phrases (never the letter) from a short-lived in-memory cache.
"""

from __future__ import annotations

import asyncio
import secrets
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.advice.files import LIMITS, SUPPORTED, FileProblem, ReadinessItem, extract_letter_file_async
from bot.advice.letters import (
    ChecklistItem,
    Decision,
    Evidence,
    LetterLabel,
    LetterReport,
    analyze_letter,
    load_rules,
)
from bot.embeds import FIELD_VALUE, add_field, clip, safe
from bot.errors import GuardedModal, guarded
from bot.problems import NotYours, UserFacingError

if TYPE_CHECKING:
    from bot.core import LorCoach

#: Discord's own limit for a string option; the paste form allows 4000 (a text input's maximum).
TEXT_OPTION_MAX = 6000
PASTE_MAX = 4000
#: How much of a file's text is analysed (the engine reads this much in well under 0.1 s).
ANALYSE_MAX_CHARS = 20_000
FILE_TIMEOUT_SECONDS = 10.0
SHARE_TTL = timedelta(minutes=10)
SHARE_CACHE_MAX = 500
CHECKS_PER_WINDOW = 5
WINDOW_SECONDS = 60.0
QUOTE_MAX = 160
#: With more letter checks than this in progress, a new one is acknowledged ("thinking…") before the work.
BUSY_CHECKS = 2

NOT_STORED = "Your letter text was not stored."
NOTHING_GIVEN = (
    "Give me a letter to check: type or paste it into the `text` option, attach it as a .pdf, .docx or .txt "
    "`file`, or use `/letter paste` for a bigger box."
)
SHARE_EXPIRED = (
    "This share button has expired. Letters are never stored, so sharing only works for 10 minutes after a "
    "check (and not after the bot restarts). Run the check again to share it."
)
SHARE_FAILED = (
    "I couldn't post in this channel (the server may not let apps post here). Nothing was shared; you can "
    "copy the verdict from your private reply instead."
)

LABEL_COLOURS: dict[LetterLabel, discord.Colour] = {
    LetterLabel.strong: discord.Colour.from_rgb(46, 160, 67),
    LetterLabel.lukewarm: discord.Colour.from_rgb(230, 160, 20),
    LetterLabel.generic: discord.Colour.from_rgb(140, 146, 153),
    LetterLabel.negative: discord.Colour.from_rgb(209, 47, 47),
}
LABEL_TITLES: dict[LetterLabel, str] = {
    LetterLabel.strong: "Strong letter",
    LetterLabel.lukewarm: "Lukewarm letter",
    LetterLabel.generic: "Generic letter",
    LetterLabel.negative: "Letter with negative signals",
}
DECISION_TITLES: dict[Decision, str] = {
    Decision.yes: "Yes",
    Decision.maybe: "Maybe",
    Decision.prefer_no: "Prefer no",
    Decision.usually_no: "Usually no",
    Decision.no: "No",
}
STATUS_MARKS = {"ok": "✅", "weak": "⚠️", "warn": "⚠️", "missing": "❌", "fail": "❌"}
_IMAGE_EXTS = frozenset({"png", "jpg", "jpeg", "gif", "heic", "heif", "webp", "bmp", "tif", "tiff"})


# --------------------------------------------------------------------------- what was read


@dataclass
class LetterSource:
    """The text to analyse plus what to tell the user about where it came from."""

    text: str
    origin: str  # already safe for markdown
    limit: int = TEXT_OPTION_MAX
    notes: list[str] = field(default_factory=list)
    readiness: list[ReadinessItem] | None = None


def limit_text(text: str, limit: int) -> tuple[str, str | None]:
    """Cut ``text`` to at most ``limit`` characters at a word boundary; the note says what was read."""
    text = text.strip()
    if len(text) <= limit:
        return text, None
    cut = text[:limit]
    space = max(cut.rfind(" "), cut.rfind("\n"))
    if space > limit * 0.8:
        cut = cut[:space]
    note = (
        f"The text is {len(text):,} characters long; I analysed the first {len(cut):,}. A letter rarely "
        "needs more, but anything after that point (often the signature) was not checked."
    )
    return cut.rstrip(), note


def file_extension(filename: str) -> str:
    return PurePath(filename.replace("\\", "/")).suffix.lower().lstrip(".")


def precheck_attachment(filename: str, size: int) -> None:
    """Refuse a wrong type, an empty file or an oversized one before downloading anything."""
    ext = file_extension(filename)
    if ext not in SUPPORTED:
        if ext == "doc":
            reason = "This is an old-style Word (.doc) file: re-save it as .docx or PDF."
        elif ext in _IMAGE_EXTS:
            reason = "This looks like an image, and I can't read text from images."
        else:
            reason = f"I can't read {'.' + ext if ext else 'files without an extension'}."
        raise UserFacingError(
            f"{reason} Upload the letter as a .pdf, .docx or .txt file, or paste its text with "
            "`/letter paste`."
        )
    if size <= 0:
        raise UserFacingError("This file is empty (0 bytes). Export it again and upload it, or paste it.")
    if size > LIMITS.max_upload_bytes:
        raise UserFacingError(
            f"This file is {size / 1024 / 1024:.1f} MB; I read files up to "
            f"{LIMITS.max_upload_bytes // (1024 * 1024)} MB. Export just the letter as PDF or .docx, or "
            "paste its text with `/letter paste`."
        )


def describe_file(filename: str, kind: str, pages: int | None) -> str:
    shown = safe(PurePath(filename.replace("\\", "/")).name, 80)
    if pages:
        return f"the file {shown} ({kind.upper()}, {pages} page{'s' if pages != 1 else ''})"
    return f"the file {shown} ({kind.upper()})"


# --------------------------------------------------------------------------- embeds


def fit_lines(lines: list[str], limit: int = FIELD_VALUE) -> str:
    """Join whole lines while they fit in ``limit``; say how many more were left out."""
    out: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        rest = len(lines) - index
        tail = len(f"\n…and {rest} more") if rest > 1 else 0
        if used + len(line) + tail > limit:
            if not out:  # even the first line is too long: show the start of it
                out.append(clip(line, limit - tail - 1))
                rest -= 1
            if rest:
                out.append(f"…and {rest} more")
            break
        out.append(line)
        used += len(line) + 1
    return "\n".join(out)


def quote(evidence: Evidence) -> str:
    return f"“{safe(evidence.quote, QUOTE_MAX)}”"


def split_evidence(evidence: list[Evidence]) -> tuple[list[Evidence], list[Evidence]]:
    """Phrases that help and phrases that raise doubt, strongest first (ties keep the letter's order)."""
    helps = sorted((e for e in evidence if e.weight > 0), key=lambda e: -e.weight)
    doubts = sorted((e for e in evidence if e.weight < 0), key=lambda e: e.weight)
    return helps, doubts


def explained(evidence: list[Evidence]) -> list[str]:
    return [f"• {quote(e)} — {safe(e.why)}" for e in evidence]


def quoted(phrases: tuple[str, ...]) -> list[str]:
    return [f"• “{safe(q, QUOTE_MAX)}”" for q in phrases]


def analysis_failed(report: LetterReport) -> bool:
    """The engine reports its own crash in the report instead of raising."""
    return report.failed


def verdict_heading(report: LetterReport) -> str:
    return f"{LABEL_TITLES[report.label]} — use it? {DECISION_TITLES[report.decision]}"


def verdict_embed(report: LetterReport, source: LetterSource) -> discord.Embed:
    """The private reply: verdict and decision first, then the evidence, gaps, steps and checklists.

    Each section has its own budget so that all of them fit in one embed (6000 characters).
    """
    embed = discord.Embed(
        title=verdict_heading(report),
        description=clip(safe(report.summary), 500),
        colour=LABEL_COLOURS[report.label],
    )
    embed.set_footer(text=NOT_STORED)
    helps, doubts = split_evidence(report.evidence)
    if doubts:
        add_field(embed, "Phrases that raise doubt", fit_lines(explained(doubts), 650))
    if helps:
        add_field(embed, "Phrases that help", fit_lines(explained(helps), 650))
    if report.missing:
        missing = [f"• {safe(m)}" for m in report.missing]
        add_field(embed, "What a strong letter has that this one lacks", fit_lines(missing, 650))
    if report.next_steps:
        steps = [f"{n}. {safe(step)}" for n, step in enumerate(report.next_steps, 1)]
        add_field(embed, "What to do next", fit_lines(steps, 800))
    if report.whole_letter and report.checklist:
        add_field(embed, "Structure checklist", fit_lines(status_lines(report.checklist)))
    if source.readiness:
        add_field(embed, "Upload readiness (ERAS letter portal)", fit_lines(status_lines(source.readiness)))
    read = [f"I read {source.origin} ({report.word_count:,} words)."]
    read += [safe(note) for note in [*source.notes, *report.notes]]
    add_field(embed, "What I read", fit_lines(read, 500))
    return embed


def status_lines(items: Sequence[ChecklistItem | ReadinessItem]) -> list[str]:
    return [f"{STATUS_MARKS.get(i.status, '•')} **{safe(i.label)}**: {safe(i.detail)}" for i in items]


@dataclass(frozen=True)
class ShareSummary:
    """What may be posted publicly: the verdict and the flagged phrases, never the letter."""

    owner_id: int
    label: LetterLabel
    decision: Decision
    helps: tuple[str, ...]
    doubts: tuple[str, ...]
    expires_at: datetime


def share_summary(report: LetterReport, owner_id: int, now: datetime) -> ShareSummary:
    helps, doubts = split_evidence(report.evidence)
    return ShareSummary(
        owner_id=owner_id,
        label=report.label,
        decision=report.decision,
        helps=tuple(e.quote for e in helps),
        doubts=tuple(e.quote for e in doubts),
        expires_at=now + SHARE_TTL,
    )


def share_embed(summary: ShareSummary, owner: discord.abc.User) -> discord.Embed:
    """The public post: verdict and flagged phrases only."""
    embed = discord.Embed(
        title=f"{LABEL_TITLES[summary.label]} — use it? {DECISION_TITLES[summary.decision]}",
        description=(
            f"{owner.mention} shared a letter check for advice. Only the verdict and the phrases that "
            "decided it are shown; the letter itself was not posted or stored."
        ),
        colour=LABEL_COLOURS[summary.label],
    )
    if summary.doubts:
        add_field(embed, "Phrases that raise doubt", fit_lines(quoted(summary.doubts)))
    if summary.helps:
        add_field(embed, "Phrases that help", fit_lines(quoted(summary.helps)))
    if not summary.helps and not summary.doubts:
        add_field(embed, "Flagged phrases", "None: the verdict comes from what the letter does not say.")
    return embed


# --------------------------------------------------------------------------- in-memory state


class ShareCache:
    """Shareable summaries by key, for :data:`SHARE_TTL`; bounded, oldest dropped first. Memory only."""

    def __init__(self, max_entries: int = SHARE_CACHE_MAX) -> None:
        self._entries: OrderedDict[str, ShareSummary] = OrderedDict()
        self._max = max_entries

    def __len__(self) -> int:
        return len(self._entries)

    def put(self, summary: ShareSummary, now: datetime) -> str:
        self._purge(now)
        while len(self._entries) >= self._max:
            self._entries.popitem(last=False)
        key = secrets.token_hex(8)
        self._entries[key] = summary
        return key

    def get(self, key: str, now: datetime) -> ShareSummary | None:
        self._purge(now)
        return self._entries.get(key)

    def discard(self, key: str) -> None:
        self._entries.pop(key, None)

    def restore(self, key: str, summary: ShareSummary) -> None:
        """Put back a summary whose sharing failed, so the owner can try again."""
        self._entries[key] = summary

    def _purge(self, now: datetime) -> None:
        for key in [k for k, s in self._entries.items() if s.expires_at <= now]:
            del self._entries[key]


class CheckLimiter:
    """One per-user budget shared by every way of checking a letter (slash, paste form, context menu)."""

    def __init__(self, rate: int = CHECKS_PER_WINDOW, per: float = WINDOW_SECONDS) -> None:
        self.rate, self.per = rate, per
        self._buckets: dict[int, app_commands.Cooldown] = {}

    def hit(self, interaction: discord.Interaction) -> None:
        """Spend one check; raise ``CommandOnCooldown`` (answered by the global handler) when over."""
        current = interaction.created_at.timestamp()
        for user_id in [u for u, b in self._buckets.items() if current > b._last + b.per]:
            del self._buckets[user_id]
        bucket = self._buckets.setdefault(interaction.user.id, app_commands.Cooldown(self.rate, self.per))
        retry_after = bucket.update_rate_limit(current)
        if retry_after is not None:
            raise app_commands.CommandOnCooldown(bucket, retry_after)


# --------------------------------------------------------------------------- components


SHARE_TEMPLATE = r"lor:lshare:(?P<owner>\d+):(?P<key>[0-9a-f]{16})"


class ShareButton(discord.ui.DynamicItem[discord.ui.Button], template=SHARE_TEMPLATE):
    """Post the verdict and flagged phrases to the channel; only the person who ran the check may."""

    def __init__(self, owner_id: int, key: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Share with this channel",
                emoji="📣",
                style=discord.ButtonStyle.secondary,
                custom_id=f"lor:lshare:{owner_id}:{key}",
            )
        )
        self.owner_id = owner_id
        self.key = key

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: Any, /
    ) -> ShareButton:
        return cls(int(match["owner"]), match["key"])

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.owner_id:
            raise NotYours()
        cog: Any = interaction.client.get_cog("Letters")  # by name: the class may come from a reload
        if cog is None:
            raise UserFacingError(SHARE_EXPIRED)
        summary = cog.shares.get(self.key, cog.bot.now())
        if summary is None:
            raise UserFacingError(SHARE_EXPIRED)
        if summary.owner_id != interaction.user.id:  # never trust ids from a custom_id alone
            raise NotYours()
        if interaction.guild_id is None:
            raise UserFacingError("Sharing only works in a server channel.")
        cog.shares.discard(self.key)  # claim it before any await, so a double click posts once
        await interaction.response.defer()
        try:
            await post_publicly(interaction, share_embed(summary, interaction.user))
        except UserFacingError:
            cog.shares.restore(self.key, summary)
            raise
        await interaction.edit_original_response(view=None)
        await interaction.followup.send(
            "Shared with this channel: the verdict and the flagged phrases, not the letter.", ephemeral=True
        )


async def post_publicly(interaction: discord.Interaction, embed: discord.Embed) -> None:
    """Post in the channel as the bot; if it may not (e.g. user-installed), as a public interaction reply."""
    channel = interaction.channel
    if isinstance(channel, discord.abc.Messageable) and interaction.guild is not None:
        try:
            await channel.send(embed=embed)
            return
        except discord.HTTPException:
            pass
    try:
        await interaction.followup.send(embed=embed, ephemeral=False)
    except discord.HTTPException as exc:
        raise UserFacingError(SHARE_FAILED) from exc


class PasteLetterModal(GuardedModal, title="Paste a letter to check"):
    """A big box for the letter text; submitting it runs the check."""

    reopen = "`/letter paste`"

    letter_text: discord.ui.TextInput[PasteLetterModal] = discord.ui.TextInput(
        label="Letter text",
        custom_id="letter_text",
        style=discord.TextStyle.paragraph,
        placeholder="Paste the letter (or the paragraph you are unsure about). It is not stored.",
        min_length=1,
        max_length=PASTE_MAX,
    )

    def __init__(self, cog: Letters) -> None:
        super().__init__(timeout=900)
        self.cog = cog

    async def on_submit(self, interaction: discord.Interaction) -> None:
        source = LetterSource(text=self.letter_text.value, origin="the text you pasted")
        await self.cog.reply_with_check(interaction, source)


# --------------------------------------------------------------------------- the cog


class Letters(commands.Cog):
    """Letter checks: text, pasted form, attached file, or any message's text."""

    letter = app_commands.Group(name="letter", description="Check how a letter of recommendation reads")

    def __init__(self, bot: LorCoach) -> None:
        self.bot = bot
        self.shares = ShareCache()
        self.limiter = CheckLimiter()
        self.running = 0  # letter checks between arrival and answer right now
        self.menu = app_commands.ContextMenu(name="Check letter strength", callback=self.check_message)

    async def cog_load(self) -> None:
        load_rules()  # compile the rule book (~600 patterns, about half a second) now, not in the first check
        self.bot.add_dynamic_items(ShareButton)
        self.bot.tree.add_command(self.menu)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(ShareButton)
        self.bot.tree.remove_command(self.menu.name, type=self.menu.type)

    # ------------------------------------------------------------------ commands
    @letter.command(name="check", description="Check a letter's strength: paste its text or attach a file")
    @app_commands.describe(
        text="The letter text (up to 6000 characters); for longer text attach a file",
        file="The letter as .pdf, .docx or .txt (a PDF also gets an ERAS upload check)",
    )
    async def check(
        self,
        interaction: discord.Interaction,
        text: app_commands.Range[str, 1, TEXT_OPTION_MAX] | None = None,
        file: discord.Attachment | None = None,
    ) -> None:
        if file is None and not (text and text.strip()):
            raise UserFacingError(NOTHING_GIVEN)
        self.limiter.hit(interaction)
        if file is None:
            source = LetterSource(text=text or "", origin="the text you typed")
            await self.reply_with_check(interaction, source)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        source = await self.read_attachment(file)
        if text and text.strip():
            source.notes.insert(0, "You gave both text and a file: I checked the file and ignored the text.")
        await self.reply_with_check(interaction, source)

    @letter.command(name="paste", description="Open a large box to paste a letter and check its strength")
    async def paste(self, interaction: discord.Interaction) -> None:
        self.limiter.hit(interaction)
        await interaction.response.send_modal(PasteLetterModal(self))

    async def check_message(self, interaction: discord.Interaction, message: discord.Message) -> None:
        """Context menu: check the text of any message (embeds and attachments are not read)."""
        if not message.content.strip():
            raise UserFacingError(
                "That message has no text for me to check (embeds and attachments aren't read). Use "
                "`/letter check` with the file, or `/letter paste`."
            )
        self.limiter.hit(interaction)
        source = LetterSource(text=message.content, origin="the message's text")
        await self.reply_with_check(interaction, source)

    # ------------------------------------------------------------------ shared steps
    async def read_attachment(self, attachment: discord.Attachment) -> LetterSource:
        """Check type and size, download, and extract the text; every problem becomes a friendly error."""
        precheck_attachment(attachment.filename, attachment.size)
        try:
            data = await attachment.read()
        except discord.HTTPException as exc:
            raise UserFacingError("I couldn't download that file from Discord. Please try again.") from exc
        try:
            extracted = await extract_letter_file_async(
                attachment.filename, data, timeout=FILE_TIMEOUT_SECONDS, today=self.bot.now().date()
            )
        except FileProblem as problem:
            raise UserFacingError(problem.user_message) from None
        return LetterSource(
            text=extracted.text,
            origin=describe_file(attachment.filename, extracted.kind, extracted.pages),
            limit=ANALYSE_MAX_CHARS,
            notes=list(extracted.notes),
            readiness=extracted.readiness,
        )

    async def reply_with_check(self, interaction: discord.Interaction, source: LetterSource) -> None:
        """Analyse, then answer privately with the verdict embed (and, in a server, the share button)."""
        self.running += 1
        try:
            await asyncio.sleep(0)  # let checks that arrived together register before any of them decides
            await self._reply_with_check(interaction, source)
        finally:
            self.running -= 1

    async def _reply_with_check(self, interaction: discord.Interaction, source: LetterSource) -> None:
        if self.running > BUSY_CHECKS and not interaction.response.is_done():
            # Checks share one event loop: in a burst, acknowledge first so no one waits out Discord's 3 s.
            await interaction.response.defer(ephemeral=True, thinking=True)
            await asyncio.sleep(0)  # and let the others send theirs before this one does its work
        text, cut_note = limit_text(source.text, source.limit)
        if not text:
            raise UserFacingError("There is no text to check. " + NOTHING_GIVEN)
        if cut_note:
            source.notes.append(cut_note)
        report = analyze_letter(text, today=self.bot.now().date())
        if analysis_failed(report):  # the engine never raises; don't show its placeholder as a verdict
            raise RuntimeError("the letter engine could not analyse the text")
        embed = verdict_embed(report, source)
        view = self.share_view(report, interaction)
        kwargs: dict[str, Any] = {"embed": embed, "ephemeral": True}
        if view is not None:
            kwargs["view"] = view
        if interaction.response.is_done():
            await interaction.followup.send(**kwargs)
        else:
            await interaction.response.send_message(**kwargs)

    def share_view(self, report: LetterReport, interaction: discord.Interaction) -> discord.ui.View | None:
        """The opt-in share button, only in servers."""
        if interaction.guild_id is None:
            return None
        key = self.shares.put(share_summary(report, interaction.user.id, self.bot.now()), self.bot.now())
        view = discord.ui.View(timeout=None)
        view.add_item(ShareButton(interaction.user.id, key))
        return view


async def setup(bot: LorCoach) -> None:
    await bot.add_cog(Letters(bot))


__all__ = [
    "LetterSource",
    "Letters",
    "PasteLetterModal",
    "ShareButton",
    "ShareCache",
    "ShareSummary",
    "share_embed",
    "verdict_embed",
]
