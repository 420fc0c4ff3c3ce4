"""/remind, /reminders, /timezone, /nudge, the reminder DMs and their buttons (glue around bot/scheduler).

Every reply with personal data is ephemeral. Buttons are persistent ``DynamicItem``s whose custom ids carry
the owner's id; each callback checks the presser is that owner and re-reads the record with the owner's id.
"""

from __future__ import annotations

import io
import logging
import math
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import discord
from discord import app_commands
from discord.ext import commands

from bot.advice import emails as email_drafts
from bot.advice.ask_script import ASK_LINE
from bot.advice.emails import clean_line
from bot.advice.timeparse import WhenError, humanize_delta, next_daily, parse_hhmm, parse_when, search_zones
from bot.advice.vocab import LABEL_ORDER, RefereeLabel, RefereeStatus
from bot.embeds import BRAND, MESSAGE, add_field, clip, safe
from bot.errors import guarded
from bot.problems import NotYours, UserFacingError
from bot.scheduler import (
    LATE_AFTER,
    PermanentFailure,
    RequestPacer,
    Scheduler,
    Skip,
    TemporaryFailure,
    Undeliverable,
    attach,
    detach,
    rearm,
)
from bot.tracker import change_status
from db import Database
from db import reminders as store
from db.dm_channels import forget_dm_channel, get_dm_channel, remember_dm_channel
from db.referees import Referee, get_referee_by_id, list_referees
from db.reminders import Reminder, ReminderKind, ReminderStatus

log = logging.getLogger("lorcoach.reminders")

PAGE_SIZE = 4  # one button row per reminder, plus a row for Previous / Next
PROBLEMS_SHOWN = 5
FOLLOW_UP_DAYS = (7, 14)
PACKET_AFTER = timedelta(hours=2)
TONIGHT = time(20, 0)
TONIGHT_FALLBACK = timedelta(hours=3)
NO_ZONE = "UTC — set yours with /timezone"
GONE = "That reminder no longer exists (it was cancelled, or it isn't yours)."
REFEREE_GONE = "That writer is no longer in your referee list."
#: Discord's error code for a channel that no longer exists (a stored DM channel id gone stale).
UNKNOWN_CHANNEL = 10003
EMAIL_KINDS = {"sr": "strong-request", "fu": "follow-up", "sp": "support-packet"}

#: The referee status a reminder about that referee still makes sense in.
STILL_RELEVANT = {
    ReminderKind.follow_up: RefereeStatus.asked,
    ReminderKind.packet: RefereeStatus.agreed_strong,
    ReminderKind.tonight: RefereeStatus.not_asked,
}


# --------------------------------------------------------------------------- small helpers


def stamp(moment: datetime) -> str:
    """A Discord timestamp, full and relative: every reader sees it in their own time zone."""
    return f"{discord.utils.format_dt(moment, 'F')} ({discord.utils.format_dt(moment, 'R')})"


def zone_text(prefs: store.Prefs) -> str:
    return prefs.timezone if prefs.timezone_set else NO_ZONE


def late_note(reminder: Reminder, late_by: float) -> str:
    if late_by < LATE_AFTER:
        return ""
    due = discord.utils.format_dt(reminder.scheduled_for, "f")
    return (
        f"\n-# ⌛ Late by {humanize_delta(late_by)}: this was due {due}, and I was offline or could not "
        "reach Discord then."
    )


def tonight_or_soon(now: datetime, tz: str) -> datetime:
    """20:00 local today, or three hours from now once it is past 20:00."""
    if now.astimezone(ZoneInfo(tz)).time() < TONIGHT:
        return next_daily(TONIGHT, tz, now)
    return now + TONIGHT_FALLBACK


def snooze_target(mode: str, reminder: Reminder, now: datetime, tz: str) -> datetime:
    """Where Snooze moves a reminder: one hour later (from its time, or from now), or tomorrow 09:00."""
    if mode == "h1":
        base = reminder.due_at if reminder.status == ReminderStatus.pending else now
        return max(base, now) + timedelta(hours=1)
    return parse_when("tomorrow 9am", now=now, tz=tz)


def nudge_pick(referees: list[Referee]) -> tuple[Referee | None, int]:
    """The one writer to email today (circled first, then Unsure) and how many others are waiting."""
    waiting = [
        r
        for r in referees
        if r.status == RefereeStatus.not_asked and (r.circled or r.label == RefereeLabel.unsure)
    ]
    if not waiting:
        return None, 0
    best = min(waiting, key=lambda r: (not r.circled, LABEL_ORDER.index(r.label), r.id))
    return best, len(waiting) - 1


def problem_reason(reminder: Reminder) -> str:
    if reminder.status == ReminderStatus.undeliverable:
        return "your DMs were closed to me"
    return f"Discord kept failing ({reminder.attempts} tries)"


# --------------------------------------------------------------------------- buttons


def _button(
    label: str, custom_id: str, style: discord.ButtonStyle, row: int | None = None
) -> discord.ui.Button:
    return discord.ui.Button(label=label, custom_id=custom_id, style=style, row=row)


def _cog(interaction: discord.Interaction) -> Reminders:
    cog = interaction.client.get_cog(Reminders.__cog_name__)  # type: ignore[attr-defined]
    if not isinstance(cog, Reminders):
        raise UserFacingError("Reminders are unavailable right now; please try again in a minute.")
    return cog


ACTION_LABELS = {
    "h1": "Snooze 1 h",
    "am": "Tomorrow 9am",
    "done": "Done",
    "cancel": "Cancel",
    "really": "Yes, cancel it",
    "keep": "Keep it",
}
ACTION_STYLES = {"cancel": discord.ButtonStyle.danger, "really": discord.ButtonStyle.danger}


class ReminderAction(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"rmd:r:(?P<action>h1|am|done|cancel|really|keep):(?P<user>[0-9]{1,20}):(?P<rid>[0-9]{1,20})"
    r":(?P<src>d|p[0-9]{1,4})",
):
    """Snooze / Done / Cancel on one reminder, from its DM (src ``d``) or from a /reminders page (``pN``)."""

    def __init__(
        self,
        action: str,
        user_id: int,
        reminder_id: int,
        src: str,
        *,
        label: str = "",
        row: int | None = None,
    ) -> None:
        custom_id = f"rmd:r:{action}:{user_id}:{reminder_id}:{src}"
        style = ACTION_STYLES.get(action, discord.ButtonStyle.secondary)
        super().__init__(_button(label or ACTION_LABELS[action], custom_id, style, row))
        self.action, self.user_id, self.reminder_id, self.src = action, user_id, reminder_id, src

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: Any, /
    ) -> ReminderAction:
        return cls(
            match["action"], int(match["user"]), int(match["rid"]), match["src"], label=item.label or ""
        )

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.user_id:
            raise NotYours()
        await _cog(interaction).reminder_action(interaction, self.action, self.reminder_id, self.src)


class ListPage(
    discord.ui.DynamicItem[discord.ui.Button], template=r"rmd:pg:(?P<user>[0-9]{1,20}):(?P<page>[0-9]{1,4})"
):
    """Previous / Next on a /reminders list."""

    def __init__(self, user_id: int, page: int, label: str, row: int | None = None) -> None:
        super().__init__(_button(label, f"rmd:pg:{user_id}:{page}", discord.ButtonStyle.secondary, row))
        self.user_id, self.page = user_id, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: Any, /
    ) -> ListPage:
        return cls(int(match["user"]), int(match["page"]), item.label or "Page")

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.user_id:
            raise NotYours()
        cog = _cog(interaction)
        embed, view = await cog.render_list(interaction.user.id, self.page)
        await interaction.response.edit_message(embed=embed, view=view)


REFEREE_LABELS = {"draft": "Draft email", "sent": "Mark as sent", "tonight": "Remind me tonight"}


class RefereeAction(
    discord.ui.DynamicItem[discord.ui.Button],
    template=r"rmd:f:(?P<action>draft|sent|tonight):(?P<user>[0-9]{1,20}):(?P<ref>[0-9]{1,20}):(?P<mail>sr|fu|sp)",
):
    """Buttons on a nudge / follow-up DM about one referee."""

    def __init__(
        self, action: str, user_id: int, referee_id: int, mail: str = "sr", *, label: str = ""
    ) -> None:
        style = discord.ButtonStyle.primary if action == "draft" else discord.ButtonStyle.secondary
        if action == "sent":
            style = discord.ButtonStyle.success
        custom_id = f"rmd:f:{action}:{user_id}:{referee_id}:{mail}"
        super().__init__(_button(label or REFEREE_LABELS[action], custom_id, style))
        self.action, self.user_id, self.referee_id, self.mail = action, user_id, referee_id, mail

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: Any, /
    ) -> RefereeAction:
        return cls(
            match["action"], int(match["user"]), int(match["ref"]), match["mail"], label=item.label or ""
        )

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.user_id:
            raise NotYours()
        await _cog(interaction).referee_action(interaction, self.action, self.referee_id, self.mail)


class StopNudges(discord.ui.DynamicItem[discord.ui.Button], template=r"rmd:stop:(?P<user>[0-9]{1,20})"):
    """Turn the daily nudge off from the nudge DM."""

    def __init__(self, user_id: int) -> None:
        super().__init__(_button("Stop nudges", f"rmd:stop:{user_id}", discord.ButtonStyle.danger))
        self.user_id = user_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: Any, /
    ) -> StopNudges:
        return cls(int(match["user"]))

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.user_id:
            raise NotYours()
        cog = _cog(interaction)
        was_on = await store.nudge_off(cog.bot.db, interaction.user.id, now=cog.bot.now())
        rearm(cog.bot)
        text = "Daily nudges are off." if was_on else "Daily nudges were already off."
        await interaction.response.send_message(
            f"{text} Turn them back on any time with /nudge daily.", ephemeral=True
        )


DYNAMIC_ITEMS = (ReminderAction, ListPage, RefereeAction, StopNudges)


def _view(*items: discord.ui.Item) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for item in items:
        view.add_item(item)
    return view


def dm_reminder_buttons(reminder: Reminder) -> list[discord.ui.Item]:
    return [ReminderAction(a, reminder.user_id, reminder.id, "d") for a in ("h1", "am", "done")]


# --------------------------------------------------------------------------- composing the DMs


class DmComposer:
    """Builds the DM for each kind of reminder; raises Skip when there is nothing to say any more."""

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def compose(self, reminder: Reminder, late_by: float) -> tuple[str, discord.ui.View]:
        if reminder.kind == ReminderKind.nudge:
            body, items = await self._nudge(reminder)
        elif reminder.kind in STILL_RELEVANT:
            body, items = await self._about_referee(reminder)
        else:
            set_at = discord.utils.format_dt(reminder.created_at, "R")
            body = f"⏰ **Reminder:** {safe(reminder.text)}\n-# You set this {set_at}."
            items = dm_reminder_buttons(reminder)
        note = late_note(reminder, late_by)
        return clip(body, MESSAGE - len(note)) + note, _view(*items)

    async def _nudge(self, reminder: Reminder) -> tuple[str, list[discord.ui.Item]]:
        pick, others = nudge_pick(await list_referees(self.bot.db, reminder.user_id))  # type: ignore[attr-defined]
        if pick is None:
            raise Skip("nobody circled or Unsure is waiting to be asked")
        why = "circled" if pick.circled else pick.label.title
        more = (
            f"\n-# {others} more writer{'s' if others != 1 else ''} waiting after this one." if others else ""
        )
        body = (
            f"☀️ **Today's letter step:** email **{safe(pick.name, 100)}** ({why}) and ask for a *strong* "
            f"letter, in those words:\n> {ASK_LINE}\n"
            "-# Asking for a *strong* letter lets a lukewarm writer say so now, instead of sending a letter "
            f"that quietly hurts you.{more}"
        )
        user = reminder.user_id
        items: list[discord.ui.Item] = [
            RefereeAction("draft", user, pick.id, "sr"),
            RefereeAction("sent", user, pick.id),
            RefereeAction("tonight", user, pick.id),
            StopNudges(user),
        ]
        return body, items

    async def _about_referee(self, reminder: Reminder) -> tuple[str, list[discord.ui.Item]]:
        referee = None
        if reminder.referee_id is not None:
            referee = await get_referee_by_id(self.bot.db, reminder.user_id, reminder.referee_id)  # type: ignore[attr-defined]
        if referee is None:
            raise Skip("the referee was removed")
        if referee.status != STILL_RELEVANT[reminder.kind]:
            raise Skip(f"the referee is now {referee.status.value}")
        name = f"**{safe(referee.name, 100)}**"
        user, ref = reminder.user_id, referee.id
        buttons = dm_reminder_buttons(reminder)
        if reminder.kind == ReminderKind.follow_up:
            asked = humanize_delta((self.bot.now() - reminder.created_at).total_seconds())  # type: ignore[attr-defined]
            body = (
                f"📬 **No answer from {name} yet?** You asked {asked} ago. A short, polite follow-up is "
                "normal: thank them again, restate your deadline, and offer to resend your support packet. "
                "A few lines is plenty."
            )
            return body, [RefereeAction("draft", user, ref, "fu", label="Draft follow-up"), *buttons]
        if reminder.kind == ReminderKind.packet:
            body = (
                f"📦 **{name} agreed to write you a strong letter.** Send the support packet today, while "
                "the yes is fresh: your updated CV, a personal statement draft (or a paragraph on your "
                "goals), your target specialty with a few sample programs, and one or two pages of dated, "
                "factual bullets on what they supervised you doing."
            )
            return body, [RefereeAction("draft", user, ref, "sp", label="Draft packet email"), *buttons]
        body = f"🌙 **Tonight's step:** email {name} and ask plainly for a *strong* letter:\n> {ASK_LINE}"
        return body, [RefereeAction("draft", user, ref, "sr"), RefereeAction("sent", user, ref), *buttons[:2]]


class DmSender:
    """The scheduler's sender: one DM per reminder; Discord errors become scheduler outcomes.

    The user's DM channel id is kept in the database, so a reminder costs one request (the message). The
    channel is opened (``create_dm``, one more paced request) only the first time, or when Discord says
    the stored one is gone.
    """

    def __init__(self, bot: commands.Bot, pacer: RequestPacer) -> None:
        self.bot = bot
        self.pacer = pacer
        self.composer = DmComposer(bot)

    @property
    def db(self) -> Database:
        return self.bot.db  # type: ignore[attr-defined]

    async def __call__(self, reminder: Reminder, late_by: float) -> None:
        content, view = await self.composer.compose(reminder, late_by)
        try:
            await self._send(reminder.user_id, content, view)
        except discord.Forbidden as error:  # 50007: the user does not accept DMs from the bot
            raise Undeliverable(f"DMs closed (Discord code {error.code})") from error
        except discord.NotFound as error:
            raise Undeliverable(f"user not found (Discord code {error.code})") from error
        except discord.HTTPException as error:
            if error.status >= 500 or error.status == 429:
                raise TemporaryFailure(f"Discord answered {error.status}") from error
            raise PermanentFailure(f"Discord rejected the DM ({error.status}, code {error.code})") from error
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            raise TemporaryFailure(f"network: {type(error).__name__}") from error

    async def _send(self, user_id: int, content: str, view: discord.ui.View) -> None:
        """Send through the stored channel; open (and store) a new one when there is none or it is gone."""
        stored = await get_dm_channel(self.db, user_id)
        if stored is not None:
            try:
                await self._partial(stored).send(content, view=view)
                return
            except discord.NotFound as error:
                if error.code != UNKNOWN_CHANNEL:
                    raise
                await forget_dm_channel(self.db, user_id, stored)
                await self.pacer.acquire()  # the failed attempt used the scheduler's slot; this is a retry
        channel_id = await self._open(user_id)
        await self._partial(channel_id).send(content, view=view)

    async def _open(self, user_id: int) -> int:
        """Ask Discord for the DM channel (a paced request of its own) and remember its id."""
        await self.pacer.acquire()
        channel = await self.bot.create_dm(discord.Object(id=user_id))
        await remember_dm_channel(self.db, user_id, channel.id)
        return channel.id

    def _partial(self, channel_id: int) -> discord.PartialMessageable:
        return self.bot.get_partial_messageable(channel_id, type=discord.ChannelType.private)


# --------------------------------------------------------------------------- the cog


class Reminders(commands.Cog):
    """Reminders, the daily nudge, follow-ups after asking a writer, and the user's time zone."""

    nudge = app_commands.Group(name="nudge", description="A daily DM naming one writer to email today")

    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot
        pacer = RequestPacer(bot.now)  # type: ignore[attr-defined]
        self.scheduler = Scheduler(
            bot.db,  # type: ignore[attr-defined]
            bot.now,  # type: ignore[attr-defined]
            DmSender(bot, pacer),
            pacer=pacer,
            on_undeliverable=self._after_undeliverable,
        )

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(*DYNAMIC_ITEMS)
        self.bot.add_notice_provider(self.notices)  # type: ignore[attr-defined]
        attach(self.bot, self.scheduler)
        self.scheduler.start()

    async def cog_unload(self) -> None:
        await self.scheduler.stop()
        detach(self.bot)
        self.bot.remove_notice_provider(self.notices)  # type: ignore[attr-defined]
        self.bot.remove_dynamic_items(*DYNAMIC_ITEMS)

    @property
    def db(self) -> Database:
        return self.bot.db  # type: ignore[attr-defined]

    def now(self) -> datetime:
        return self.bot.now()  # type: ignore[attr-defined]

    # ------------------------------------------------------------------ /remind
    @app_commands.command(
        name="remind", description="Get a DM reminder: “in 2 hours”, “tomorrow 9am”, “next monday 10:00”"
    )
    @app_commands.describe(
        when="When, in your time zone: in 2 hours, tonight 8pm, tomorrow 9am, next monday 10:00",
        what="What to remind you about (up to 300 characters)",
    )
    async def remind(
        self,
        interaction: discord.Interaction,
        when: app_commands.Range[str, 1, 100],
        what: app_commands.Range[str, 1, store.MAX_TEXT],
    ) -> None:
        user_id = interaction.user.id
        what = clean_line(what, store.MAX_TEXT)  # no control or bidi-override characters reach the DM
        if not what:
            raise UserFacingError("Tell me what to remind you about.")
        prefs = await store.get_prefs(self.db, user_id)
        try:
            due = parse_when(when, now=self.now(), tz=prefs.timezone)
        except WhenError as error:
            raise UserFacingError(error.message) from None
        if await store.count_pending(self.db, user_id) >= store.MAX_PENDING_PER_USER:
            raise UserFacingError(
                f"You already have {store.MAX_PENDING_PER_USER} reminders waiting. Cancel a few in "
                "/reminders first."
            )
        await store.create_reminder(self.db, user_id, due, what, now=self.now())
        rearm(self.bot)
        await interaction.response.send_message(
            f"⏰ I'll DM you {stamp(due)}:\n> {safe(what, 300)}\n"
            f"-# Time zone used: {zone_text(prefs)}. See or change your reminders with /reminders.",
            ephemeral=True,
        )

    # ------------------------------------------------------------------ /reminders
    @app_commands.command(name="reminders", description="Your pending reminders, with Cancel and Snooze")
    async def reminders(self, interaction: discord.Interaction) -> None:
        embed, view = await self.render_list(interaction.user.id, 0)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)

    async def render_list(
        self, user_id: int, page: int, *, confirm: int | None = None, note: str = ""
    ) -> tuple[discord.Embed, discord.ui.View]:
        """One page of the user's reminders with a row of buttons per reminder."""
        total = await store.count_open(self.db, user_id)
        pages = max(1, math.ceil(total / PAGE_SIZE))
        page = min(max(page, 0), pages - 1)
        shown = await store.list_open(self.db, user_id, limit=PAGE_SIZE, offset=page * PAGE_SIZE)
        prefs = await store.get_prefs(self.db, user_id)
        embed = discord.Embed(title="Your reminders", colour=BRAND)
        lines = [
            f"**{page * PAGE_SIZE + i + 1}.** {stamp(r.due_at)}\n{safe(r.text, 200)}"
            for i, r in enumerate(shown)
        ]
        embed.description = clip(
            (note + "\n\n" if note else "") + ("\n".join(lines) or "Nothing waiting. Set one with /remind."),
            4000,
        )
        await self._add_nudge_field(embed, prefs)
        await self._add_problem_field(embed, user_id)
        embed.set_footer(text=f"Page {page + 1}/{pages} • {total} waiting • Time zone: {zone_text(prefs)}")
        view = discord.ui.View(timeout=None)
        for row, reminder in enumerate(shown):
            number = page * PAGE_SIZE + row + 1
            for action in ("really", "keep") if reminder.id == confirm else ("cancel", "h1", "am"):
                label = (
                    f"{ACTION_LABELS[action]} #{number}"
                    if action in ("cancel", "really")
                    else ACTION_LABELS[action]
                )
                view.add_item(ReminderAction(action, user_id, reminder.id, f"p{page}", label=label, row=row))
        if page > 0:
            view.add_item(ListPage(user_id, page - 1, "◀ Previous", row=PAGE_SIZE))
        if page < pages - 1:
            view.add_item(ListPage(user_id, page + 1, "Next ▶", row=PAGE_SIZE))
        return embed, view

    async def _add_nudge_field(self, embed: discord.Embed, prefs: store.Prefs) -> None:
        upcoming = await store.next_nudge(self.db, prefs.user_id)
        if prefs.nudge_time and upcoming:
            at = store.format_hhmm(prefs.nudge_time)
            text = (
                f"Every day at {at} ({prefs.timezone}); next {stamp(upcoming.due_at)}. /nudge off stops it."
            )
        else:
            text = "Off. /nudge daily 08:00 names one writer to email each morning."
        add_field(embed, "Daily nudge", text)

    async def _add_problem_field(self, embed: discord.Embed, user_id: int) -> None:
        problems = await store.list_problems(self.db, user_id, limit=PROBLEMS_SHOWN)
        if problems:
            lines = [
                f"{discord.utils.format_dt(p.scheduled_for, 'f')} — {safe(p.text, 80)} — {problem_reason(p)}"
                for p in problems
            ]
            add_field(embed, "Couldn't deliver", "\n".join(lines))

    # ------------------------------------------------------------------ /timezone
    @app_commands.command(name="timezone", description="Set your time zone, used to read the times you type")
    @app_commands.describe(
        zone="Your IANA time zone, e.g. America/New_York or Asia/Kolkata (start typing a city)"
    )
    async def timezone(self, interaction: discord.Interaction, zone: app_commands.Range[str, 1, 64]) -> None:
        try:
            canonical = await store.set_timezone(self.db, interaction.user.id, zone, now=self.now())
        except ValueError:
            raise UserFacingError(
                f"I don't know the time zone “{safe(zone, 64)}”. Pick one from the list as you type, such as "
                "`America/New_York`, `Asia/Kolkata` or `UTC`."
            ) from None
        rearm(self.bot)
        local = self.now().astimezone(ZoneInfo(canonical)).strftime("%H:%M")
        text = f"🌍 Time zone set to **{canonical}** (it's {local} there now). "
        text += "I'll read the times you type in it."
        upcoming = await store.next_nudge(self.db, interaction.user.id)
        if upcoming:
            text += f"\nYour daily nudge now comes {stamp(upcoming.due_at)}."
        await interaction.response.send_message(text, ephemeral=True)

    @timezone.autocomplete("zone")
    async def zone_autocomplete(
        self, interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return [app_commands.Choice(name=z, value=z) for z in search_zones(current, 25)]

    # ------------------------------------------------------------------ /nudge
    @nudge.command(name="daily", description="Each day at this time, DM me one writer to email today")
    @app_commands.describe(at_time="Local time, e.g. 08:00, 8am or 19:30")
    @app_commands.rename(at_time="time")
    async def nudge_daily(
        self, interaction: discord.Interaction, at_time: app_commands.Range[str, 1, 20]
    ) -> None:
        try:
            at = parse_hhmm(at_time)
        except WhenError as error:
            raise UserFacingError(error.message) from None
        user_id = interaction.user.id
        upcoming = await store.set_nudge(self.db, user_id, at, now=self.now())
        rearm(self.bot)
        prefs = await store.get_prefs(self.db, user_id)
        pick, _ = nudge_pick(await list_referees(self.db, user_id))
        text = (
            f"☀️ Daily nudge on: every day at **{store.format_hhmm(at)}** ({zone_text(prefs)}). "
            f"The first one is {stamp(upcoming.due_at)}.\nI only DM you on days when a circled or Unsure "
            "writer is still waiting to be asked; other days are skipped. /nudge off stops it."
        )
        if pick is None:
            text += (
                "\n-# Right now nobody is waiting: add writers with /referee add, label them, and circle "
                "your top three."
            )
        await interaction.response.send_message(text, ephemeral=True)

    @nudge.command(name="off", description="Stop the daily nudge")
    async def nudge_stop(self, interaction: discord.Interaction) -> None:
        was_on = await store.nudge_off(self.db, interaction.user.id, now=self.now())
        rearm(self.bot)
        text = "Daily nudge off." if was_on else "The daily nudge was already off."
        await interaction.response.send_message(f"{text} /nudge daily turns it on again.", ephemeral=True)

    # ------------------------------------------------------------------ reminder buttons
    async def reminder_action(
        self, interaction: discord.Interaction, action: str, reminder_id: int, src: str
    ) -> None:
        user_id = interaction.user.id
        reminder = await store.get_reminder(self.db, user_id, reminder_id)  # owner-scoped read
        if reminder is None:
            raise UserFacingError(GONE)
        note = await self._apply(action, reminder)
        rearm(self.bot)
        if src == "d":
            content = clip(
                (interaction.message.content if interaction.message else ""), MESSAGE - len(note) - 2
            )
            await interaction.response.edit_message(content=f"{content}\n\n{note}", view=None)
            return
        confirm = reminder_id if action == "cancel" else None
        embed, view = await self.render_list(user_id, int(src[1:]), confirm=confirm, note=note)
        await interaction.response.edit_message(embed=embed, view=view)

    async def _apply(self, action: str, reminder: Reminder) -> str:
        """Do what the button says; returns a short line describing the result."""
        user_id, rid = reminder.user_id, reminder.id
        if action == "cancel":
            return f"Cancel “{safe(reminder.text, 80)}”? This can't be undone."
        if action == "keep":
            return "Kept."
        if action == "really":
            if not await store.cancel_reminder(self.db, user_id, rid):
                raise UserFacingError("That reminder isn't waiting any more, so there is nothing to cancel.")
            return f"Cancelled “{safe(reminder.text, 80)}”."
        if action == "done":
            await store.cancel_reminder(self.db, user_id, rid)  # a snoozed copy is no longer needed either
            return "✅ Done."
        tz = (await store.get_prefs(self.db, user_id)).timezone
        until = snooze_target(action, reminder, self.now(), tz)
        if not await store.snooze_reminder(self.db, user_id, rid, until):
            raise UserFacingError("That reminder is being delivered right now; try again in a moment.")
        return f"💤 Snoozed until {stamp(until)}."

    # ------------------------------------------------------------------ referee buttons
    async def referee_action(
        self, interaction: discord.Interaction, action: str, referee_id: int, mail: str
    ) -> None:
        user_id = interaction.user.id
        referee = await get_referee_by_id(self.db, user_id, referee_id)  # owner-scoped read
        if referee is None:
            raise UserFacingError(REFEREE_GONE)
        if action == "draft":
            await self._send_draft(interaction, referee, EMAIL_KINDS[mail])
        elif action == "sent":
            await self._mark_sent(interaction, referee)
        else:
            await self._remind_tonight(interaction, referee)

    async def _send_draft(self, interaction: discord.Interaction, referee: Referee, kind: str) -> None:
        facts = email_drafts.EmailFacts(
            referee_name=referee.name,
            referee_title=referee.title,
            institution=referee.institution,
            how_known=referee.how_known,
            last_worked=referee.last_worked,
            bullets=[(b.area.value, b.text) for b in referee.bullets],
        )
        draft = email_drafts.draft_email(kind, facts)
        text = draft.as_text()
        missing = f"\n-# Fill in: {', '.join(draft.missing)}" if draft.missing else ""
        block = f"```\n{text}\n```{missing}"
        if len(block) <= MESSAGE:
            await interaction.response.send_message(block, ephemeral=True)
            return
        file = discord.File(io.BytesIO(text.encode("utf-8")), filename="draft-email.txt")
        await interaction.response.send_message(
            f"Your draft is attached (too long for one message).{missing}"[:MESSAGE],
            file=file,
            ephemeral=True,
        )

    async def _mark_sent(self, interaction: discord.Interaction, referee: Referee) -> None:
        if referee.status != RefereeStatus.not_asked:
            await interaction.response.send_message(
                f"**{safe(referee.name)}** is already marked “{referee.status.title}”.", ephemeral=True
            )
            return
        await change_status(self.bot, interaction.user.id, referee.id, RefereeStatus.asked)  # type: ignore[arg-type]
        await interaction.response.send_message(
            f"📨 Marked **{safe(referee.name)}** as asked. If there's no answer, I'll remind you to follow "
            f"up in {FOLLOW_UP_DAYS[0]} days (and again at {FOLLOW_UP_DAYS[1]}).",
            ephemeral=True,
        )

    async def _remind_tonight(self, interaction: discord.Interaction, referee: Referee) -> None:
        user_id = interaction.user.id
        tz = (await store.get_prefs(self.db, user_id)).timezone
        due = tonight_or_soon(self.now(), tz)
        await store.cancel_for_referee(self.db, user_id, referee.id, (ReminderKind.tonight,))
        await store.create_reminder(
            self.db,
            user_id,
            due,
            f"Email {referee.name} and ask for a strong letter",
            now=self.now(),
            kind=ReminderKind.tonight,
            referee_id=referee.id,
        )
        rearm(self.bot)
        await interaction.response.send_message(f"🌙 I'll remind you {stamp(due)}.", ephemeral=True)

    # ------------------------------------------------------------------ follow-ups on status changes
    @commands.Cog.listener()
    async def on_referee_status_changed(
        self, user_id: int, referee: Referee, old_status: RefereeStatus
    ) -> None:
        try:
            await self.follow_status(user_id, referee, RefereeStatus(old_status))
        except Exception:
            log.exception("could not update reminders after a referee status change")

    async def follow_status(self, user_id: int, referee: Referee, old_status: RefereeStatus) -> None:
        """Cancel reminders the old status needed; schedule what the new one needs."""
        if referee.status == old_status:
            return
        await store.cancel_for_referee(self.db, user_id, referee.id, tuple(STILL_RELEVANT))
        now = self.now()
        if referee.status == RefereeStatus.asked:
            for days in FOLLOW_UP_DAYS:
                text = f"Follow up with {referee.name} if they haven't answered ({days} days after asking)"
                await store.create_reminder(
                    self.db,
                    user_id,
                    now + timedelta(days=days),
                    text,
                    now=now,
                    kind=ReminderKind.follow_up,
                    referee_id=referee.id,
                )
        elif referee.status == RefereeStatus.agreed_strong:
            await store.create_reminder(
                self.db,
                user_id,
                now + PACKET_AFTER,
                f"Send {referee.name} your support packet",
                now=now,
                kind=ReminderKind.packet,
                referee_id=referee.id,
            )
        rearm(self.bot)

    # ------------------------------------------------------------------ undeliverable
    async def _after_undeliverable(self, reminder: Reminder) -> None:
        if reminder.kind == ReminderKind.nudge:
            await store.nudge_off(self.db, reminder.user_id, now=self.now())

    async def notices(self, user_id: int) -> list[str]:
        """Tell the user, once, about reminders that could not be delivered."""
        problems = await store.take_untold_problems(self.db, user_id)
        if not problems:
            return []
        closed = [p for p in problems if p.status == ReminderStatus.undeliverable]
        failed = [p for p in problems if p.status == ReminderStatus.failed]
        notes = []
        if closed:
            notes.append(
                f"⚠️ I couldn't DM you {_count(closed)} because your DMs are closed to me: "
                f"{_examples(closed)}. Allow direct messages from this server's members or from apps "
                "(Discord privacy settings), then check /reminders."
            )
            if any(p.kind == ReminderKind.nudge for p in closed):
                notes.append(
                    "Your daily nudge is off for now; turn it back on with /nudge daily once DMs are open."
                )
        if failed:
            notes.append(
                f"⚠️ Discord kept failing when I tried to send {_count(failed)}: {_examples(failed)}. "
                "See /reminders."
            )
        return notes


def _count(reminders: list[Reminder]) -> str:
    return "a reminder" if len(reminders) == 1 else f"{len(reminders)} reminders"


def _examples(reminders: list[Reminder]) -> str:
    shown = [f"“{safe(r.text, 60)}” ({discord.utils.format_dt(r.scheduled_for, 'f')})" for r in reminders[:3]]
    extra = len(reminders) - len(shown)
    return ", ".join(shown) + (f" and {extra} more" if extra > 0 else "")


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(Reminders(bot))
