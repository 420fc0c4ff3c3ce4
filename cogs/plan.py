"""/plan: which letters go to which programs, what to drop or refresh, and the next three actions."""

from __future__ import annotations

import re

import discord
from discord import app_commands
from discord.ext import commands

from bot.advice.planner import (
    PROFILES,
    PROGRAM_TITLES,
    Action,
    ActionKind,
    Plan,
    PortfolioLetter,
    Profile,
    ProgramType,
    make_plan,
)
from bot.advice.vocab import RefereeKind
from bot.embeds import BRAND, add_field, clip, safe
from bot.errors import guarded
from bot.problems import NotYours
from db.profiles import ApplicantProfile, get_profile, save_profile
from db.referees import Referee, get_referee_by_id, list_referees

PROFILE_CHOICES = [app_commands.Choice(name=title, value=p.value) for p, title in PROFILES.items()]


def portfolio(referees: list[Referee]) -> list[PortfolioLetter]:
    return [
        PortfolioLetter(
            name=r.name,
            label=r.label,
            kind=r.kind or RefereeKind.other,
            status=r.status,
            letter_date=r.letter_date,
            circled=r.circled,
        )
        for r in referees
    ]


async def build_plan(bot: commands.Bot, user_id: int) -> tuple[Plan, ApplicantProfile, list[Referee]]:
    """The user's plan from what is stored: referees plus the remembered profile."""
    referees = await list_referees(bot.db, user_id)
    prof = await get_profile(bot.db, user_id)
    plan = make_plan(
        portfolio(referees),
        profile=prof.profile,
        reapplying=prof.reapplying,
        today=bot.now().date(),
        clinically_active=prof.clinically_active,
    )
    return plan, prof, referees


def _assignment_lines(plan: Plan, program: ProgramType) -> str:
    lines = []
    for number, item in enumerate(plan.assignments[program], 1):
        flags = [
            word for word, on in (("still to secure", item.potential), ("optional", item.optional)) if on
        ]
        extra = f" *({', '.join(flags)})*" if flags else ""
        lines.append(f"{number}. **{safe(item.name, 80)}**{extra} — {safe(item.reason)}")
    return "\n".join(lines) or "No letter yet: see the actions below."


def plan_embed(plan: Plan, prof: ApplicantProfile, referee_count: int) -> discord.Embed:
    who = PROFILES[prof.profile] if prof.profile else "no profile set (add `profile:` to tailor the plan)"
    embed = discord.Embed(
        title="Your letter plan",
        description=(
            f"Profile: **{who}**{' · reapplying' if prof.reapplying else ''}\n"
            f"Based on {referee_count} writer{'s' if referee_count != 1 else ''} in your tracker. "
            "At most 4 letters per program; 3 is the usual."
        ),
        colour=BRAND,
    )
    for program in ProgramType:
        add_field(embed, PROGRAM_TITLES[program], _assignment_lines(plan, program))
    if plan.drop:
        add_field(
            embed,
            "Send to zero programs",
            "\n".join(
                f"• **{safe(d.name, 80)}**"
                + (" (everywhere)" if d.scope == "all" else " (not to competitive programs)")
                + f" — {safe(d.reason)}"
                for d in plan.drop
            ),
        )
    if plan.refresh:
        add_field(
            embed,
            "Refresh these letters",
            "\n".join(
                f"• **{safe(r.name, 80)}** ({r.age_months} months) — {safe(r.reason)}" for r in plan.refresh
            ),
        )
    slots = "\n".join(
        f"{'✅' if s.met else '⬜'} {s.title}: {s.have}/{s.wanted}"
        + (f" (+{s.potential} possible)" if s.potential else "")
        + (" — optional" if s.optional else "")
        for s in plan.target.slots
    )
    add_field(embed, "Target set", slots)
    if plan.warnings:
        add_field(embed, "Watch out", "\n".join(f"⚠️ {safe(w)}" for w in plan.warnings))
    if plan.profile_priorities:
        priorities = "\n".join(f"• {safe(p)}" for p in plan.profile_priorities)
        add_field(embed, "Priorities for your profile", priorities)
    add_field(
        embed,
        "Next three actions",
        "\n".join(f"**{n}.** {safe(a.text)}" for n, a in enumerate(plan.next_three(), 1))
        or "Nothing urgent.",
    )
    embed.set_footer(text="Recomputed from your tracker each time: update writers with /referee.")
    return embed


def _button_label(action: Action) -> str:
    name = action.referee or ""
    if action.kind is ActionKind.ask and name:
        return clip(f"Ask {name}", 80)
    if action.kind is ActionKind.email and action.email_kind:
        return clip(f"Draft {action.email_kind.replace('-', ' ')}" + (f" · {name}" if name else ""), 80)
    if action.kind is ActionKind.referee_add:
        return "Add a writer"
    return clip(action.text, 80)


class PlanActionButton(discord.ui.DynamicItem[discord.ui.Button], template=r"plan:(?P<uid>\d+):(?P<n>[0-2])"):
    """One of the "next three actions", re-read from the current plan when pressed."""

    def __init__(self, user_id: int, number: int, label: str = "Do this") -> None:
        super().__init__(
            discord.ui.Button(
                label=label, style=discord.ButtonStyle.primary, custom_id=f"plan:{user_id}:{number}"
            )
        )
        self.user_id = user_id
        self.number = number

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button, match: re.Match[str]
    ) -> PlanActionButton:
        return cls(int(match["uid"]), int(match["n"]), item.label or "Do this")

    @guarded
    async def callback(self, interaction: discord.Interaction) -> None:
        if interaction.user.id != self.user_id:
            raise NotYours()
        bot = interaction.client
        plan, _prof, referees = await build_plan(bot, self.user_id)
        actions = plan.next_three()
        if self.number >= len(actions):
            await interaction.response.send_message(
                "Your plan changed since this message: run /plan again for the current actions.",
                ephemeral=True,
            )
            return
        await run_action(interaction, actions[self.number], referees)


async def run_action(interaction: discord.Interaction, action: Action, referees: list[Referee]) -> None:
    """Carry out a plan action: open the ask checklist, draft an email, or explain the step."""
    by_name = {r.name: r for r in referees}
    referee = by_name.get(action.referee or "")
    ask_cog = interaction.client.get_cog("Ask")
    if referee is not None and (
        await get_referee_by_id(interaction.client.db, interaction.user.id, referee.id)
    ):
        if action.kind is ActionKind.ask and ask_cog is not None:
            await ask_cog.open_checklist(interaction, referee.id)
            return
        if action.kind is ActionKind.email and action.email_kind and ask_cog is not None:
            await ask_cog.send_email(interaction, referee.id, action.email_kind)
            return
    text = safe(action.text)  # the planner's sentences quote the names users typed
    if action.kind is ActionKind.referee_add:
        text += (
            "\n\nAdd each writer with `/referee add name:<their name> label:<Strong/Unsure/…>`. "
            "Good writers watched your clinical work and can compare you with peers."
        )
    elif action.kind is ActionKind.ask and referee is not None:
        text += f"\n\nStart the guided ask with `/ask start` and pick **{safe(referee.name)}**."
    await interaction.response.send_message(clip(text, 2000), ephemeral=True)


class PlanCog(commands.Cog, name="Plan"):
    def __init__(self, bot: commands.Bot) -> None:
        self.bot = bot

    async def cog_load(self) -> None:
        self.bot.add_dynamic_items(PlanActionButton)

    async def cog_unload(self) -> None:
        self.bot.remove_dynamic_items(PlanActionButton)

    @app_commands.command(
        name="plan", description="Which letters to send where, what to fix, and your next steps"
    )
    @app_commands.describe(
        profile="Your situation (remembered for next time)",
        reapplying="Are you applying again after an earlier cycle? (remembered)",
        clinically_active="Have you been working clinically since your letters were written? (remembered)",
    )
    @app_commands.choices(profile=PROFILE_CHOICES)
    async def plan(
        self,
        interaction: discord.Interaction,
        profile: app_commands.Choice[str] | None = None,
        reapplying: bool | None = None,
        clinically_active: bool | None = None,
    ) -> None:
        user_id = interaction.user.id
        if profile is not None or reapplying is not None or clinically_active is not None:
            stored = await get_profile(self.bot.db, user_id)
            if profile is not None:
                stored.profile = Profile(profile.value)
            if reapplying is not None:
                stored.reapplying = reapplying
            if clinically_active is not None:
                stored.clinically_active = clinically_active
            await save_profile(self.bot.db, stored, now=self.bot.now())
        plan, prof, referees = await build_plan(self.bot, user_id)
        view = discord.ui.View(timeout=None)
        for number, action in enumerate(plan.next_three()):
            view.add_item(
                PlanActionButton(user_id, number, clip(f"{number + 1}. {_button_label(action)}", 80))
            )
        await interaction.response.send_message(
            embed=plan_embed(plan, prof, len(referees)), view=view, ephemeral=True
        )


async def setup(bot: commands.Bot) -> None:
    await bot.add_cog(PlanCog(bot))
