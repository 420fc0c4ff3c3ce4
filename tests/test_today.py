"""/today: the daily routine on one screen, with zero, some and many referees."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import discord
from sqlite_rows import rows

from bot.advice.ask_script import ASK_LINE
from db.referees import MAX_REFEREES, add_referee, toggle_circle


async def add(env, user, name: str, label: str, *, circled: bool = False) -> int:
    bot = env.bot
    referee = await add_referee(bot.db, user.id, name=name, label=label, now=bot.now())
    if circled:
        await toggle_circle(bot.db, user.id, referee.id, now=bot.now())
    return referee.id


def status_of(db_path: Path, referee_id: int) -> str:
    return rows(db_path, "SELECT status FROM referees WHERE id = ?", (referee_id,))[0][0]


def fields(embed: discord.Embed) -> dict[str, str]:
    return {f.name: f.value for f in embed.fields}


def pick_field(embed: discord.Embed) -> tuple[str, str]:
    return next((f.name, f.value) for f in embed.fields if f.name.startswith("Email today"))


def labels(message) -> list[str]:
    return [c["label"] for row in message.components for c in row["components"]]


async def test_with_no_referees_it_walks_through_adding_the_first_four(simcord_env):
    user = simcord_env.create_user("ana")
    res = await user.slash("today")
    assert res.ephemeral
    embed = res.response.embeds[0]
    text = "\n".join(f.value for f in embed.fields)
    assert text.count("/referee add") >= 4
    assert "Strong" in text and "Unsure" in text and "Suspect negative" in text
    assert labels(res.response) == []


async def test_some_referees_circled_unsure_first_then_unsure_then_strong(simcord_env, db_path):
    user = simcord_env.create_user("ben")
    strong = await add(simcord_env, user, "Dr Strong", "strong", circled=True)
    plain_unsure = await add(simcord_env, user, "Dr Plain", "unsure")
    circled_unsure = await add(simcord_env, user, "Dr Circled", "unsure", circled=True)
    await add(simcord_env, user, "Dr Faint", "weak")
    await add(simcord_env, user, "Dr Cold", "suspect_negative")

    res = await user.slash("today")
    embed = res.response.embeds[0]
    shown = fields(embed)
    assert "Dr Faint" in shown["Weak (1)"] and "Dr Cold" in shown["Suspect negative (1)"]
    assert "Dr Strong" in shown["Your top 3"] and "Dr Circled" in shown["Your top 3"]
    assert "Re-check your Unsure writers" in shown
    name, value = pick_field(embed)
    assert "Dr Circled" in name and f"```\n{ASK_LINE}\n```" in value
    assert labels(res.response) == ["Draft the email", "Mark as sent", "Open checklist"]

    mail = await user.click(res.response, label="Draft the email")
    assert mail.response.attachments and "Dear" in mail.response.content

    res = await user.click(res.response, label="Mark as sent")
    assert status_of(db_path, circled_unsure) == "asked"
    assert "Dr Circled" in res.response.content
    assert "Dr Plain" in pick_field(res.response.embeds[0])[0]

    res = await user.click(res.response, label="Mark as sent")
    assert status_of(db_path, plain_unsure) == "asked"
    assert "Dr Strong" in pick_field(res.response.embeds[0])[0]  # the fallback: a strong writer not asked

    res = await user.click(res.response, label="Mark as sent")
    assert status_of(db_path, strong) == "asked"
    name, value = pick_field(res.response.embeds[0])
    assert name == "Email today" and "has been asked" in value
    assert labels(res.response) == []

    opened = await user.slash("ask start", referee="Dr Circled")
    first_line = next(ln for ln in opened.response.embeds[0].description.splitlines() if ln.startswith("▶"))
    assert first_line.startswith("▶ 3."), "marking as sent from /today counts as the ask step"


async def test_no_circle_prompts_to_circle(simcord_env):
    user = simcord_env.create_user("cy")
    await add(simcord_env, user, "Dr One", "strong")
    res = await user.slash("today")
    assert "/referee circle" in fields(res.response.embeds[0])["Your top 3"]


async def test_many_referees_stay_within_embed_limits(simcord_env):
    user = simcord_env.create_user("dee")
    labels_cycle = ["strong", "unsure", "weak", "suspect_negative"]
    for i in range(MAX_REFEREES):
        name = f"Dr {i:02d} " + "Abcdefghij" * 7
        await add(simcord_env, user, name[:80], labels_cycle[i % 4], circled=i < 3)
    res = await user.slash("today")
    embed = res.response.embeds[0]
    assert len(embed) <= 6000 and len(embed.fields) <= 25
    assert all(len(f.value) <= 1024 and len(f.name) <= 256 for f in embed.fields)
    lines = [ln for f in embed.fields for ln in f.value.splitlines()]
    listed = sum(bool(ln) and ln[0] in "🟢🟡🟠🔴" for ln in lines)
    hidden = sum(int(m) for ln in lines for m in re.findall(r"…and (\d+) more", ln))
    assert listed + hidden == MAX_REFEREES  # every writer is shown or counted
    assert f"{MAX_REFEREES} writers" in embed.description
    assert pick_field(embed)  # still one writer to email today


async def test_today_in_a_server_is_private_and_its_buttons_refuse_others(simcord_env, db_path):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    owner = guild.add_member(simcord_env.create_user("owner"))
    other = guild.add_member(simcord_env.create_user("other"))
    ref = await add(simcord_env, owner, "Dr Mine", "unsure")
    res = await owner.slash(channel, "today")
    assert res.ephemeral

    module = sys.modules[type(simcord_env.bot.get_cog("Ask")).__module__]
    view = discord.ui.View()
    view.add_item(module.TodaySentButton(owner.id, ref))
    posted = await simcord_env.bot.get_channel(channel.id).send("replayed", view=view)
    refused = await other.click(posted, label="Mark as sent")
    assert refused.ephemeral and "belong to someone else" in refused.response.content
    assert status_of(db_path, ref) == "not_asked"
