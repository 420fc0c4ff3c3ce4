"""/plan through the real bot: DM and server, remembered profile, action buttons, isolation."""

from __future__ import annotations

import sqlite3

import discord

from cogs.plan import PlanActionButton


def field(embed: discord.Embed, name: str) -> str:
    for f in embed.fields:
        if f.name == name:
            return f.value
    raise AssertionError(f"no field {name!r} in {[f.name for f in embed.fields]}")


async def add(user, name: str, label: str, kind: str, status: str | None = None) -> None:
    result = await user.slash("referee add", name=name, label=label, kind=kind)
    assert result.response is not None
    if status:
        await user.slash("referee status", name=name, status=status)


async def test_plan_with_no_writers_in_a_dm_gives_first_actions(simcord_env):
    user = simcord_env.create_user("nadia")
    result = await user.slash("plan")
    embed = result.response.embeds[0]
    assert embed.title == "Your letter plan"
    assert "Based on 0 writers" in embed.description
    actions = field(embed, "Next three actions")
    assert actions.count("**") >= 2
    buttons = [c for row in result.response.components for c in row["components"]]
    assert 1 <= len(buttons) <= 3


async def test_plan_in_a_server_is_private_and_drops_a_suspect_letter(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("match-2027")
    member = guild.add_member(simcord_env.create_user("omar"))
    user = simcord_env.create_user("omar-dm")  # a second person, only to prove isolation below
    for name, label, kind, status in (
        ("Dr Able", "strong", "us_clinical", "agreed_strong"),
        ("Dr Baker", "strong", "us_clinical", "uploaded"),
        ("Dr Chen", "strong", "home_clinical", "packet_sent"),
        ("Dr Doubt", "suspect_negative", "us_clinical", "uploaded"),
    ):
        result = await member.slash(channel, "referee add", name=name, label=label, kind=kind)
        assert result.ephemeral
        await member.slash(channel, "referee status", name=name, status=status)
    result = await member.slash(channel, "plan")
    assert result.ephemeral
    embed = result.response.embeds[0]
    competitive = field(embed, "Competitive, borderline and university programs")
    for name in ("Dr Able", "Dr Baker", "Dr Chen"):
        assert name in competitive
    assert "Dr Doubt" not in competitive
    assert "Dr Doubt" in field(embed, "Send to zero programs")
    other = await user.slash("plan")
    assert "Based on 0 writers" in other.response.embeds[0].description


async def test_profile_is_remembered_and_changes_priorities(simcord_env, db_path):
    user = simcord_env.create_user("priya")
    first = await user.slash("plan", profile="older_grad", reapplying=True)
    assert "Graduated more than 5 years ago" in first.response.embeds[0].description
    assert "reapplying" in first.response.embeds[0].description
    again = await user.slash("plan")
    assert "Graduated more than 5 years ago" in again.response.embeds[0].description
    older = field(again.response.embeds[0], "Priorities for your profile")
    switched = await user.slash("plan", profile="research_heavy")
    assert field(switched.response.embeds[0], "Priorities for your profile") != older
    conn = sqlite3.connect(db_path)
    try:
        row = conn.execute(
            "SELECT profile, reapplying FROM applicant_profiles WHERE user_id = ?", (user.id,)
        ).fetchone()
    finally:
        conn.close()
    assert row == ("research_heavy", 1)


async def test_action_buttons_work_after_restart_and_only_for_their_owner(simcord_env):
    from bot import create_bot

    owner = simcord_env.create_user("rui")
    result = await owner.slash("plan")
    await simcord_env.restart_bot(create_bot())
    first = next(c for row in result.response.components for c in row["components"])
    pressed = await owner.click(result.response, custom_id=first["custom_id"])
    assert pressed.acknowledged and "someone else" not in (
        pressed.response.content if pressed.response else ""
    )

    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("advising")
    intruder = guild.add_member(simcord_env.create_user("mallory"))
    view = discord.ui.View(timeout=None)
    view.add_item(PlanActionButton(owner.id, 0, "replayed"))
    public = await simcord_env.bot.get_channel(channel.id).send("replay", view=view)
    refused = await intruder.click(public, label="replayed")
    assert refused.ephemeral and "someone else" in refused.response.content
