"""/ask start: the guided checklist in Discord, its saved progress, restarts and button ownership."""

from __future__ import annotations

import sqlite3
import sys
from datetime import timedelta
from pathlib import Path

import discord
from sqlite_rows import rows

from bot import create_bot
from bot.advice.ask_script import ASK_LINE
from bot.advice.vocab import Area
from db.referees import Bullet, add_referee, set_bullets, toggle_circle

HEDGED = "I can write you a letter, but I can't promise it will be a strong one. Zq7-token"
ENTHUSIASTIC = "Absolutely, I'll write you a strong one. You more than earned it."
DECLINED = "I'm sorry, I don't think I'm the right person to write a letter for you."

BULLETS = [
    Bullet(area=Area.clinical_judgment, text="Spotted early sepsis in a post-op patient on a night shift"),
    Bullet(area=Area.reliability, text="Covered 14 night shifts in March with every handover on time"),
    Bullet(area=Area.communication, text="Led family meetings for two palliative patients"),
    Bullet(area=Area.teamwork, text="Ran the ward's weekly sign-out huddle for three months"),
    Bullet(area=Area.feedback, text="Rewrote my discharge summaries after feedback; no more returns"),
]


# ---------------------------------------------------------------- helpers
async def make_referee(env, user, name: str, label: str, *, bullets=(), circled=False, **fields) -> int:
    bot = env.bot
    referee = await add_referee(bot.db, user.id, name=name, label=label, now=bot.now(), **fields)
    if bullets:
        await set_bullets(bot.db, user.id, referee.id, list(bullets), now=bot.now())
    if circled:
        await toggle_circle(bot.db, user.id, referee.id, now=bot.now())
    return referee.id


def db_row(db_path: Path, sql: str, params: tuple = ()) -> tuple | None:
    found = rows(db_path, sql, params)
    return found[0] if found else None


def status_of(db_path: Path, referee_id: int) -> str:
    return db_row(db_path, "SELECT status FROM referees WHERE id = ?", (referee_id,))[0]


def steps_done(db_path: Path, user_id: int, referee_id: int) -> set[str]:
    conn = sqlite3.connect(db_path)
    try:
        rows = conn.execute(
            "SELECT step_key FROM ask_progress WHERE user_id = ? AND referee_id = ?", (user_id, referee_id)
        ).fetchall()
    finally:
        conn.close()
    return {r[0] for r in rows}


def embed_text(embed: discord.Embed) -> str:
    return "\n".join(
        [embed.title or "", embed.description or ""] + [f"{f.name}\n{f.value}" for f in embed.fields]
    )


def labels(message) -> list[str]:
    return [c["label"] for row in message.components for c in row["components"]]


def current_marker_line(embed: discord.Embed) -> str:
    return next(line for line in embed.description.splitlines() if line.startswith("▶"))


# ---------------------------------------------------------------- the hedged path, start to finish
async def test_full_checklist_hedged_path_updates_statuses_and_never_stores_the_reply(simcord_env, db_path):
    user = simcord_env.create_user("ana")
    rao = await make_referee(simcord_env, user, "Dr Rao", "unsure", bullets=BULLETS[:2])
    backup = await make_referee(simcord_env, user, "Dr Okafor", "strong")

    start = await user.slash("ask start", referee="dr rao")
    assert start.ephemeral
    embed = start.response.embeds[0]
    assert "Dr Rao" in embed.title
    assert current_marker_line(embed).startswith("▶ 1.")
    text = embed_text(embed)
    assert "2 bullets" in text and "/referee bullets" in text  # fewer than 5: warned
    assert labels(start.response) == ["Bullets ready"]

    step = await user.click(start.response, label="Bullets ready")
    assert steps_done(db_path, user.id, rao) == {"prepare"}
    assert status_of(db_path, rao) == "not_asked"
    embed = step.response.embeds[0]
    assert current_marker_line(embed).startswith("▶ 2.")
    assert f"```\n{ASK_LINE}\n```" in embed_text(embed)  # the exact wording, ready to copy
    assert set(labels(step.response)) == {"Draft the email", "I sent it"}

    step = await user.click(step.response, label="I sent it")
    assert status_of(db_path, rao) == "asked"
    assert current_marker_line(step.response.embeds[0]).startswith("▶ 3.")

    shown = await user.click(step.response, label="Paste their reply")
    text_input = shown.modal["components"][0]["components"][0]
    assert text_input["custom_id"] == "reply_text" and text_input["max_length"] == 2000
    read = await user.submit_modal(shown, {"reply_text": HEDGED})
    reading, checklist = read.response.embeds
    assert "Hedged" in reading.title
    assert "promise" in embed_text(reading)  # the phrase that decided it is shown
    assert current_marker_line(checklist).startswith("▶ 4.")
    decide = embed_text(checklist)
    assert "Dear Dr Rao," in decide  # the graceful-exit note, addressed to this writer
    assert "Dr Okafor" in decide  # the next best unasked writer
    assert set(labels(read.response)) == {
        "Mark agreed (hedged)",
        "Mark declined",
        "Paste their new reply",
        "Ask Dr Okafor next",
    }
    assert db_row(
        db_path,
        "SELECT reply_label FROM ask_progress WHERE referee_id = ? AND step_key = 'read_reply'",
        (rao,),
    ) == ("hedged",)
    stored = b"".join(p.read_bytes() for p in db_path.parent.iterdir() if p.is_file())
    assert b"Zq7-token" not in stored, "the pasted reply must not be stored"

    step = await user.click(read.response, label="Mark agreed (hedged)")
    assert status_of(db_path, rao) == "agreed_hedged"
    assert status_of(db_path, backup) == "not_asked"
    embed = step.response.embeds[0]
    assert current_marker_line(embed).startswith("▶ 5.")
    assert "Clinical judgment" in embed_text(embed)  # bullets grouped by area for the packet

    step = await user.click(step.response, label="Packet sent")
    assert status_of(db_path, rao) == "packet_sent"
    assert set(labels(step.response)) == {"Remind me in 7 days", "Draft follow-up email", "Next step"}

    before = simcord_env.bot.now()
    reminded = await user.click(step.response, label="Remind me in 7 days")
    assert "remind you" in reminded.response.content
    due = db_row(
        db_path,
        "SELECT due_at FROM reminders WHERE user_id = ? AND referee_id = ? AND kind = 'follow_up'"
        " AND status = 'pending' ORDER BY due_at DESC",
        (user.id, rao),
    )
    assert due is not None
    assert abs(due[0] - (before + timedelta(days=7)).timestamp()) < 120

    step = await user.click(step.response, label="Next step")
    assert current_marker_line(step.response.embeds[0]).startswith("▶ 7.")
    assert "letterhead" in embed_text(step.response.embeds[0])
    step = await user.click(step.response, label="Letter uploaded")
    assert status_of(db_path, rao) == "uploaded"
    assert "/plan" in embed_text(step.response.embeds[0])
    step = await user.click(step.response, label="Assigned")
    assert status_of(db_path, rao) == "assigned"
    final = step.response.embeds[0]
    assert final.description.count("✅") == 8 and "▶" not in final.description
    assert labels(step.response) == []
    assert steps_done(db_path, user.id, rao) == {
        "prepare",
        "ask",
        "read_reply",
        "decide",
        "packet",
        "follow_up",
        "review",
        "assign",
    }


async def test_enthusiastic_reply_leads_to_agreed_strong(simcord_env, db_path):
    user = simcord_env.create_user("ben")
    ref = await make_referee(simcord_env, user, "Dr Lind", "strong", bullets=BULLETS)
    res = await user.slash("ask start", referee="Dr Lind")
    assert "5 bullets" in embed_text(res.response.embeds[0])
    res = await user.click(res.response, label="Bullets ready")
    res = await user.click(res.response, label="I sent it")
    shown = await user.click(res.response, label="Paste their reply")
    read = await user.submit_modal(shown, {"reply_text": ENTHUSIASTIC})
    assert "Enthusiastic" in read.response.embeds[0].title
    assert set(labels(read.response)) == {"Mark agreed (strong)", "Paste another reply"}
    res = await user.click(read.response, label="Mark agreed (strong)")
    assert status_of(db_path, ref) == "agreed_strong"
    assert current_marker_line(res.response.embeds[0]).startswith("▶ 5.")


async def test_a_hedge_followed_by_a_strong_promise_can_be_re_read(simcord_env, db_path):
    user = simcord_env.create_user("bea")
    ref = await make_referee(simcord_env, user, "Dr Moss", "unsure")
    res = await user.slash("ask start", referee="Dr Moss")
    res = await user.click(res.response, label="Bullets ready")
    res = await user.click(res.response, label="I sent it")
    read = await user.submit_modal(
        await user.click(res.response, label="Paste their reply"), {"reply_text": HEDGED}
    )
    again = await user.submit_modal(
        await user.click(read.response, label="Paste their new reply"), {"reply_text": ENTHUSIASTIC}
    )
    assert "Enthusiastic" in again.response.embeds[0].title
    assert db_row(db_path, "SELECT reply_label FROM ask_progress WHERE step_key = 'read_reply'") == (
        "enthusiastic",
    )
    await user.click(again.response, label="Mark agreed (strong)")
    assert status_of(db_path, ref) == "agreed_strong"


async def test_declined_reply_ends_the_checklist_and_offers_the_next_writer(simcord_env, db_path):
    user = simcord_env.create_user("cy")
    ref = await make_referee(simcord_env, user, "Dr Vance", "unsure")
    nxt = await make_referee(simcord_env, user, "Dr Ito", "unsure", circled=True)
    await make_referee(simcord_env, user, "Dr Weak", "weak")  # never suggested
    res = await user.slash("ask start", referee="Dr Vance")
    res = await user.click(res.response, label="Bullets ready")
    res = await user.click(res.response, label="I sent it")
    read = await user.submit_modal(
        await user.click(res.response, label="Paste their reply"), {"reply_text": DECLINED}
    )
    assert "Declined" in read.response.embeds[0].title
    assert "Mark declined" in labels(read.response)
    res = await user.click(read.response, label="Mark declined")
    assert status_of(db_path, ref) == "declined"
    embed = res.response.embeds[0]
    assert "▶" not in embed.description and "➖" in embed.description
    assert labels(res.response) == ["Ask Dr Ito next"]
    opened = await user.click(res.response, label="Ask Dr Ito next")
    assert opened.ephemeral and "Dr Ito" in opened.response.embeds[0].title
    assert status_of(db_path, nxt) == "not_asked"


# ---------------------------------------------------------------- persistence
async def test_progress_resumes_and_old_buttons_work_after_a_restart(simcord_env, db_path):
    user = simcord_env.create_user("dee")
    ref = await make_referee(simcord_env, user, "Dr Chen", "strong")
    first = await user.slash("ask start", referee="Dr Chen")
    second = await user.click(first.response, label="Bullets ready")
    old_message = second.response  # shows step 2 with "I sent it"

    await simcord_env.restart_bot(create_bot())

    clicked = await user.click(old_message, label="I sent it")
    assert clicked.acknowledged
    assert status_of(db_path, ref) == "asked"
    assert current_marker_line(clicked.response.embeds[0]).startswith("▶ 3.")
    resumed = await user.slash("ask start", referee="Dr Chen")
    assert current_marker_line(resumed.response.embeds[0]).startswith("▶ 3.")
    assert steps_done(db_path, user.id, ref) == {"prepare", "ask"}


async def test_a_status_set_elsewhere_moves_the_checklist_forward(simcord_env, db_path):
    user = simcord_env.create_user("eli")
    ref = await make_referee(simcord_env, user, "Dr Park", "strong")
    from bot.tracker import change_status

    await change_status(simcord_env.bot, user.id, ref, "packet_sent")
    res = await user.slash("ask start", referee="Dr Park")
    assert current_marker_line(res.response.embeds[0]).startswith("▶ 6.")


async def test_a_stale_button_does_not_move_the_status_backwards(simcord_env, db_path):
    user = simcord_env.create_user("fay")
    ref = await make_referee(simcord_env, user, "Dr Roy", "strong")
    res = await user.slash("ask start", referee="Dr Roy")
    step2 = await user.click(res.response, label="Bullets ready")
    kept = step2.response.message  # keep the old "I sent it" button around
    from bot.tracker import change_status

    await change_status(simcord_env.bot, user.id, ref, "agreed_strong")
    again = await user.click(kept, label="I sent it")
    assert "already done" in again.response.content
    assert status_of(db_path, ref) == "agreed_strong"


# ---------------------------------------------------------------- ownership
async def test_another_user_cannot_press_a_replayed_checklist_button(simcord_env, db_path):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    victim = guild.add_member(simcord_env.create_user("victim"))
    attacker = guild.add_member(simcord_env.create_user("attacker"))
    ref = await make_referee(simcord_env, victim, "Dr Secret", "strong")

    # the bot loads cogs/ask.py as its own module object: build the button from that one
    step_button = sys.modules[type(simcord_env.bot.get_cog("Ask")).__module__].StepButton
    view = discord.ui.View()
    view.add_item(step_button("done", victim.id, ref, "prepare", label="Replayed"))
    view.add_item(step_button("done", attacker.id, ref, "prepare", label="Own id, victim's referee"))
    posted = await simcord_env.bot.get_channel(channel.id).send("look", view=view)

    refused = await attacker.click(posted, label="Replayed")
    assert refused.ephemeral and "belong to someone else" in refused.response.content
    sneaky = await attacker.click(posted, label="Own id, victim's referee")
    assert sneaky.ephemeral and "no longer exists" in sneaky.response.content
    assert steps_done(db_path, victim.id, ref) == set()
    assert steps_done(db_path, attacker.id, ref) == set()
    assert status_of(db_path, ref) == "not_asked"


async def test_autocomplete_offers_only_the_callers_referees(simcord_env):
    ana = simcord_env.create_user("ana")
    bob = simcord_env.create_user("bob")
    await make_referee(simcord_env, ana, "Dr Adams", "strong")
    await make_referee(simcord_env, bob, "Dr Abbott", "unsure")
    choices = await ana.autocomplete("ask start", "referee", "dr a")
    assert [c["value"] for c in choices] == ["Dr Adams"]
    assert len(choices[0]["name"]) <= 100


async def test_an_unknown_referee_gets_a_did_you_mean(simcord_env):
    user = simcord_env.create_user("gus")
    await make_referee(simcord_env, user, "Dr Rao", "strong")
    res = await user.slash("ask start", referee="Dr Rau")
    assert res.ephemeral and "Did you mean" in res.response.content and "Dr Rao" in res.response.content
    assert len(simcord_env.errors) == 1  # the handled UserFacingError


async def test_deleting_a_referee_deletes_its_progress(simcord_env, db_path):
    from db.referees import delete_referee

    user = simcord_env.create_user("hal")
    ref = await make_referee(simcord_env, user, "Dr Gone", "strong")
    res = await user.slash("ask start", referee="Dr Gone")
    old = await user.click(res.response, label="Bullets ready")
    assert steps_done(db_path, user.id, ref) == {"prepare"}
    assert await delete_referee(simcord_env.bot.db, user.id, ref)
    assert steps_done(db_path, user.id, ref) == set()
    gone = await user.click(old.response, label="I sent it")
    assert "no longer exists" in gone.response.content
