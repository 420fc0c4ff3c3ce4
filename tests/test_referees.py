"""/referee end to end through simcord: every command in DMs and servers, autocomplete, pagination,
confirmations, bad input, and isolation between users."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import discord
import pytest
from sqlite_rows import rows

from bot import create_bot
from cogs.referees import PageButton, RemoveButton

NOT_YOURS = "belong to someone else"


# ---------------------------------------------------------------- helpers
def referee_row(db_path: Path, user_id: int, name: str) -> dict | None:
    conn = sqlite3.connect(db_path)
    conn.row_factory = sqlite3.Row
    try:
        row = conn.execute(
            "SELECT * FROM referees WHERE user_id = ? AND name = ?", (user_id, name)
        ).fetchone()
        return dict(row) if row else None
    finally:
        conn.close()


def handled(env) -> list[str]:
    """Acknowledge the errors the bot handled and return their messages (UserFacingError text)."""
    return [str(getattr(error, "original", error)) for error in env.errors]


def embed_text(message) -> str:
    parts = []
    for embed in message.embeds:
        parts += [embed.title or "", embed.description or "", embed.footer.text or ""]
        parts += [field.name + "\n" + field.value for field in embed.fields]
    return "\n".join(parts)


@pytest.fixture
def server(simcord_env):
    guild = simcord_env.create_guild()
    return guild, guild.create_text_channel("general")


async def add(actor, name: str, label: str = "strong", channel=None, **options):
    if channel is None:
        return await actor.slash("referee add", name=name, label=label, **options)
    return await actor.slash(channel, "referee add", name=name, label=label, **options)


# ---------------------------------------------------------------- add
async def test_add_in_a_dm_stores_everything_and_explains_who_writes_well(simcord_env, db_path):
    ana = simcord_env.create_user("ana")
    result = await add(
        ana,
        "Dr Priya Rao",
        "unsure",
        kind="home_clinical",
        title="Professor of Medicine",
        institution="KEM Hospital",
        email="priya@kem.edu",
        notes="Supervised my internship",
    )
    assert result.ephemeral
    content = result.response.content
    assert "**Dr Priya Rao**" in content and "Unsure" in content
    assert "dean" in content and "patients" in content, "the hint on who makes a good writer"
    row = referee_row(db_path, ana.id, "Dr Priya Rao")
    assert row["label"] == "unsure" and row["kind"] == "home_clinical" and row["status"] == "not_asked"
    assert (row["title"], row["institution"], row["email"]) == (
        "Professor of Medicine",
        "KEM Hospital",
        "priya@kem.edu",
    )


async def test_add_in_a_server_is_private(simcord_env, server, db_path):
    guild, channel = server
    bea = guild.add_member(simcord_env.create_user("bea"))
    result = await add(bea, "Dr Okafor", "strong", channel=channel)
    assert result.ephemeral and "**Dr Okafor**" in result.response.content
    assert referee_row(db_path, bea.id, "Dr Okafor") is not None


async def test_duplicate_name_in_another_case_is_refused(simcord_env, db_path):
    ana = simcord_env.create_user("ana")
    await add(ana, "Dr Okafor")
    result = await add(ana, "DR OKAFOR", "weak")
    assert result.ephemeral and "already have a referee called **Dr Okafor**" in result.response.content
    assert rows(db_path, "SELECT label FROM referees WHERE user_id = ?", (ana.id,)) == [("strong",)]
    assert len(handled(simcord_env)) == 1


async def test_the_31st_referee_is_refused(simcord_env, db_path):
    ana = simcord_env.create_user("ana")
    for number in range(30):
        await add(ana, f"Writer {number}", "unsure")
    result = await add(ana, "Writer 30")
    assert (
        result.ephemeral and "30" in result.response.content and "/referee remove" in result.response.content
    )
    assert rows(db_path, "SELECT COUNT(*) FROM referees WHERE user_id = ?", (ana.id,)) == [(30,)]
    handled(simcord_env)


async def test_invalid_email_and_over_long_fields_get_clear_answers(simcord_env, db_path):
    ana = simcord_env.create_user("ana")
    bad_email = await add(ana, "Dr Mail", email="priya at kem dot edu")
    assert bad_email.ephemeral and "email address doesn't look right" in bad_email.response.content
    long_name = await add(ana, "N" * 81)
    assert "name is too long: 81 characters (the limit is 80)" in long_name.response.content
    long_notes = await add(ana, "Dr Notes", notes="n" * 1001)
    assert "notes is too long: 1001 characters (the limit is 1000)" in long_notes.response.content
    long_title = await add(ana, "Dr Title", title="t" * 121)
    assert "title is too long" in long_title.response.content
    assert rows(db_path, "SELECT COUNT(*) FROM referees") == [(0,)], "nothing half-written"
    assert len(handled(simcord_env)) == 4


@pytest.mark.parametrize("name", ["👩‍⚕️ Dr Nguyễn Thị Mai", "د. أحمد الخطيب", "王医生"])
async def test_emoji_and_non_latin_names_work_everywhere(simcord_env, db_path, name):
    ana = simcord_env.create_user("ana")
    await add(ana, name)
    assert referee_row(db_path, ana.id, name) is not None
    choices = await ana.autocomplete("referee show", "name", name[-2:])
    assert [c["value"] for c in choices] == [name]
    shown = await ana.slash("referee show", name=name)
    assert name in shown.response.embeds[0].title
    listed = await ana.slash("referee list")
    assert name in listed.response.embeds[0].description


async def test_markdown_and_mentions_in_names_never_render_or_ping(simcord_env, server):
    guild, channel = server
    eve = guild.add_member(simcord_env.create_user("eve"))
    name = "@everyone **Boss** <@123456789012345678>"
    added = await add(eve, name, channel=channel)
    for text in (added.response.content,):
        assert "@everyone" not in text and "\\*\\*Boss\\*\\*" in text
        assert "<@123456789012345678>" not in text
    shown = await eve.slash(channel, "referee show", name=name)
    listed = await eve.slash(channel, "referee list")
    for message in (shown.response, listed.response):
        text = embed_text(message)
        assert "@everyone" not in text and "**Boss**" not in text and "<@123456789012345678>" not in text
    assert not added.response.message.mentions and not added.response.message.mention_everyone


# ---------------------------------------------------------------- list and pagination
async def test_empty_list_explains_how_to_start(simcord_env):
    ana = simcord_env.create_user("ana")
    result = await ana.slash("referee list")
    assert result.ephemeral and "/referee add" in result.response.content
    assert "four" in result.response.content and not result.response.components


async def test_list_puts_strongest_first_marks_circles_and_letter_age(simcord_env, server):
    guild, channel = server
    cy = guild.add_member(simcord_env.create_user("cy"))
    for name, label in (
        ("Dr Weak", "weak"),
        ("Dr Maybe", "unsure"),
        ("Dr Best", "strong"),
        ("Dr Bad", "suspect_negative"),
    ):
        await add(cy, name, label, channel=channel)
    await cy.slash(channel, "referee circle", name="Dr Best")
    two_years_ago = simcord_env.bot.now().date().replace(day=1)
    two_years_ago = two_years_ago.replace(year=two_years_ago.year - 2)
    await cy.slash(channel, "referee edit", name="Dr Maybe", letter_date=two_years_ago.isoformat())
    result = await cy.slash(channel, "referee list")
    assert result.ephemeral and not result.response.components, "one page needs no buttons"
    lines = [
        line for line in result.response.embeds[0].description.splitlines() if line.startswith(("**", "⭕"))
    ]
    assert [line.split("**")[1] for line in lines] == ["Dr Best", "Dr Maybe", "Dr Weak", "Dr Bad"]
    assert lines[0].startswith("⭕") and not lines[1].startswith("⭕")
    assert "2 years old" in lines[1] and "updated letter" in lines[1]


async def test_pages_turn_with_buttons_and_survive_a_restart(simcord_env):
    ana = simcord_env.create_user("ana")
    for number in range(20):
        await add(ana, f"Writer {number:02d}")
    first = await ana.slash("referee list")
    assert "Writer 00" in first.response.embeds[0].description
    assert "Writer 08" not in first.response.embeds[0].description
    second = await ana.click(first.response, label="Next")
    page2 = second.response.embeds[0]
    assert "Writer 08" in page2.description and "Writer 15" in page2.description
    assert "Writer 07" not in page2.description and "Page 2 of 3" in page2.footer.text
    await simcord_env.restart_bot(create_bot())
    third = await ana.click(second.response, label="Next")
    assert "Writer 16" in third.response.embeds[0].description
    next_button = [c for row in third.response.components for c in row["components"] if c["label"] == "Next"]
    assert next_button[0].get("disabled") is True, "no Next on the last page"
    back = await ana.click(third.response, label="Previous")
    assert "Page 2 of 3" in back.response.embeds[0].footer.text


async def test_someone_else_cannot_page_your_list(simcord_env, server):
    guild, channel = server
    victim = guild.add_member(simcord_env.create_user("victim"))
    attacker = guild.add_member(simcord_env.create_user("attacker"))
    for number in range(10):
        await add(victim, f"Secret {number}", channel=channel)
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(victim.id, 1, "n"))
    posted = await simcord_env.bot.get_channel(channel.id).send("list", view=view)
    result = await attacker.click(posted, label="Next")
    assert result.ephemeral and NOT_YOURS in result.response.content
    assert "Secret" not in result.response.content and not result.response.embeds
    forged = discord.ui.View(timeout=None)
    forged.add_item(PageButton(attacker.id, 1, "n"))
    posted = await simcord_env.bot.get_channel(channel.id).send("list", view=forged)
    own = await attacker.click(posted, label="Next")
    assert "Secret" not in (own.response.content + embed_text(own.response)), "pages only ever show your own"


# ---------------------------------------------------------------- show / edit / unknown names
async def test_show_in_dm_and_server(simcord_env, server):
    guild, channel = server
    user = simcord_env.create_user("dan")
    member = guild.add_member(user)
    await add(user, "Dr Show", "strong", title="Chief of Surgery", email="show@x.org")
    in_dm = await user.slash("referee show", name="dr show")
    in_server = await member.slash(channel, "referee show", name="DR SHOW")
    for result in (in_dm, in_server):
        assert result.ephemeral
        text = embed_text(result.response)
        assert "Dr Show" in text and "Chief of Surgery" in text and "show@x.org" in text and "Strong" in text


async def test_unknown_referee_suggests_the_closest_name(simcord_env):
    ana = simcord_env.create_user("ana")
    await add(ana, "Dr Fernandes")
    await add(ana, "Dr Okafor")
    result = await ana.slash("referee show", name="Dr Fernandez")
    assert result.ephemeral and "Did you mean **Dr Fernandes**" in result.response.content
    assert "Okafor" not in result.response.content
    assert len(handled(simcord_env)) == 1


async def test_edit_changes_fields_clears_with_dash_and_checks_dates(simcord_env, server, db_path):
    guild, channel = server
    user = simcord_env.create_user("fay")
    member = guild.add_member(user)
    await add(user, "Dr Edit", "unsure", email="old@x.org", notes="keep")
    result = await member.slash(
        channel,
        "referee edit",
        name="dr edit",
        new_name="Dr Edited",
        label="strong",
        kind="us_clinical",
        how_known="Supervised my sub-internship",
        known_for="4 months",
        last_worked="2025-06-30",
        email="-",
    )
    assert result.ephemeral and "Updated **Dr Edited**" in result.response.content
    row = referee_row(db_path, user.id, "Dr Edited")
    assert (row["label"], row["kind"], row["email"], row["notes"]) == ("strong", "us_clinical", None, "keep")
    assert (row["how_known"], row["known_for"], row["last_worked"]) == (
        "Supervised my sub-internship",
        "4 months",
        "2025-06-30",
    )
    bad_date = await user.slash("referee edit", name="Dr Edited", letter_date="31/12/2024", notes="changed")
    assert bad_date.ephemeral and "YYYY-MM-DD" in bad_date.response.content
    future = simcord_env.bot.now().date().replace(year=simcord_env.bot.now().year + 1)
    in_future = await user.slash("referee edit", name="Dr Edited", letter_date=future.isoformat())
    assert "future" in in_future.response.content
    nothing = await user.slash("referee edit", name="Dr Edited")
    assert "Nothing to change" in nothing.response.content
    assert referee_row(db_path, user.id, "Dr Edited")["notes"] == "keep", "a refused edit writes nothing"
    assert len(handled(simcord_env)) == 3


async def test_rename_onto_an_existing_name_is_refused(simcord_env, db_path):
    ana = simcord_env.create_user("ana")
    await add(ana, "Dr One")
    await add(ana, "Dr Two")
    result = await ana.slash("referee edit", name="Dr One", new_name="dr two")
    assert "already have a referee called **Dr Two**" in result.response.content
    assert sorted(rows(db_path, "SELECT name FROM referees")) == [("Dr One",), ("Dr Two",)]
    handled(simcord_env)


# ---------------------------------------------------------------- status and circle
async def test_status_changes_through_the_tracker_and_fires_the_event(simcord_env, server, db_path):
    guild, channel = server
    user = simcord_env.create_user("gus")
    member = guild.add_member(user)
    await add(user, "Dr Status")
    seen = []

    async def on_referee_status_changed(user_id, referee, old):
        seen.append((user_id, referee.name, referee.status.value, old.value))

    simcord_env.bot.add_listener(on_referee_status_changed)
    result = await user.slash("referee status", name="Dr Status", status="asked")
    assert result.ephemeral and "Not asked → **Asked**" in result.response.content
    again = await member.slash(channel, "referee status", name="dr status", status="asked")
    assert "already marked *Asked*" in again.response.content
    hedged = await member.slash(channel, "referee status", name="dr status", status="agreed_hedged")
    assert hedged.ephemeral and "Agreed (hedged)" in hedged.response.content
    assert seen == [
        (user.id, "Dr Status", "asked", "not_asked"),
        (user.id, "Dr Status", "agreed_hedged", "asked"),
    ]
    assert referee_row(db_path, user.id, "Dr Status")["status"] == "agreed_hedged"


async def test_circle_toggles_and_a_fourth_is_refused_naming_the_three(simcord_env, server, db_path):
    guild, channel = server
    user = simcord_env.create_user("hal")
    member = guild.add_member(user)
    for name in ("Dr A", "Dr B", "Dr C", "Dr D"):
        await add(user, name)
    await add(user, "Dr Weakling", "weak")
    for name in ("Dr A", "Dr B", "Dr C"):
        result = await user.slash("referee circle", name=name)
        assert result.ephemeral and "Circled" in result.response.content
    fourth = await member.slash(channel, "referee circle", name="Dr D")
    assert fourth.ephemeral
    assert all(f"**Dr {x}**" in fourth.response.content for x in "ABC")
    uncircle = await member.slash(channel, "referee circle", name="Dr B")
    assert "Uncircled **Dr B**" in uncircle.response.content
    weak = await user.slash("referee circle", name="Dr Weakling")
    assert "Circled" in weak.response.content and "Weak" in weak.response.content
    circled = rows(db_path, "SELECT name FROM referees WHERE circled = 1 ORDER BY name")
    assert circled == [("Dr A",), ("Dr C",), ("Dr Weakling",)]
    assert len(handled(simcord_env)) == 1


# ---------------------------------------------------------------- bullets
async def test_bullets_form_is_prefilled_and_saves_tagged_bullets(simcord_env, server, db_path):
    guild, channel = server
    user = simcord_env.create_user("ida")
    member = guild.add_member(user)
    await add(user, "Dr Bullets")
    shown = await user.slash("referee bullets", name="Dr Bullets")
    assert shown.modal is not None
    text = (
        "clinical: Recognised early sepsis after surgery and escalated (Mar 2024)\n"
        "- teamwork: Led morning handoffs for a 12-bed ward\n"
        "Communication: Broke bad news to a family with the attending present"
    )
    saved = await user.submit_modal(shown, {"bullets": text})
    assert saved.ephemeral and "Saved 3 bullet(s)" in saved.response.content
    stored = rows(
        db_path,
        "SELECT area, text FROM referee_bullets WHERE user_id = ? ORDER BY position",
        (user.id,),
    )
    assert stored == [
        ("clinical_judgment", "Recognised early sepsis after surgery and escalated (Mar 2024)"),
        ("teamwork", "Led morning handoffs for a 12-bed ward"),
        ("communication", "Broke bad news to a family with the attending present"),
    ]
    reopened = await member.slash(channel, "referee bullets", name="dr bullets")
    box = reopened.modal["components"][1]["component"]
    assert box["value"].splitlines()[0].startswith("clinical: Recognised early sepsis")
    assert len(box["value"].splitlines()) == 3
    shown_embed = await user.slash("referee show", name="Dr Bullets")
    assert "Led morning handoffs" in embed_text(shown_embed.response)


async def test_malformed_bullets_save_nothing_and_can_be_fixed(simcord_env, db_path):
    ana = simcord_env.create_user("ana")
    await add(ana, "Dr Lines")
    first = await ana.slash("referee bullets", name="Dr Lines")
    await ana.submit_modal(first, {"bullets": "teamwork: ran the handoff"})
    shown = await ana.slash("referee bullets", name="Dr Lines")
    bad = "clinical: fine line\nthis line has no area\nbedside: kind"
    refused = await ana.submit_modal(shown, {"bullets": bad})
    assert refused.ephemeral and "Nothing was saved" in refused.response.content
    assert "Line 2" in refused.response.content and "Line 3" in refused.response.content
    assert rows(db_path, "SELECT text FROM referee_bullets") == [("ran the handoff",)]
    retry = await ana.click(refused.response, label="Edit again")
    assert retry.modal["components"][1]["component"]["value"] == bad, "what they typed is not lost"
    fixed = await ana.submit_modal(retry, {"bullets": "clinical: fine line\nreliability: covered nights"})
    assert "Saved 2 bullet(s)" in fixed.response.content
    eleven = "\n".join(f"feedback: item {n}" for n in range(11))
    again = await ana.slash("referee bullets", name="Dr Lines")
    too_many = await ana.submit_modal(again, {"bullets": eleven})
    assert "11 bullets" in too_many.response.content
    assert rows(db_path, "SELECT COUNT(*) FROM referee_bullets") == [(2,)]


# ---------------------------------------------------------------- remove
async def test_remove_asks_first_and_cancel_keeps(simcord_env, server, db_path):
    guild, channel = server
    user = simcord_env.create_user("jo")
    member = guild.add_member(user)
    await add(user, "Dr Keep")
    await add(user, "Dr Drop")
    ask = await member.slash(channel, "referee remove", name="Dr Keep")
    assert ask.ephemeral and "**Dr Keep**" in ask.response.content
    assert referee_row(db_path, user.id, "Dr Keep") is not None, "nothing happens before confirming"
    cancelled = await member.click(ask.response, label="Cancel")
    assert "Kept **Dr Keep**" in cancelled.response.content and not cancelled.response.components
    ask_dm = await user.slash("referee remove", name="dr drop")
    removed = await user.click(ask_dm.response, label="Remove")
    assert "Removed **Dr Drop**" in removed.response.content
    assert rows(db_path, "SELECT name FROM referees WHERE user_id = ?", (user.id,)) == [("Dr Keep",)]


# ---------------------------------------------------------------- isolation
async def test_a_second_user_never_sees_or_touches_the_first_users_referees(simcord_env, server, db_path):
    guild, channel = server
    owner = guild.add_member(simcord_env.create_user("owner"))
    other = guild.add_member(simcord_env.create_user("other"))
    await add(owner, "Dr Private", channel=channel, email="private@x.org")
    await owner.slash(channel, "referee circle", name="Dr Private")
    before = referee_row(db_path, owner.id, "Dr Private")
    assert await other.autocomplete(channel, "referee show", "name", "priv") == []
    assert await other.autocomplete(channel, "referee remove", "name", "") == []
    listed = await other.slash(channel, "referee list")
    assert "Dr Private" not in listed.response.content + embed_text(listed.response)
    attempts = [
        ("referee show", {}),
        ("referee edit", {"notes": "hijacked"}),
        ("referee status", {"status": "declined"}),
        ("referee circle", {}),
        ("referee bullets", {}),
        ("referee remove", {}),
    ]
    for command, options in attempts:
        result = await other.slash(channel, command, name="Dr Private", **options)
        assert result.ephemeral and result.modal is None, command
        assert "no referees yet" in result.response.content, command
        assert "private@x.org" not in result.response.content
    await add(other, "Dr Own", channel=channel)
    guess = await other.slash(channel, "referee show", name="Dr Private")
    assert "Dr Private" in guess.response.content and "Did you mean" not in guess.response.content
    assert referee_row(db_path, owner.id, "Dr Private") == before
    handled(simcord_env)


async def test_replayed_remove_buttons_cannot_delete_someone_elses_referee(simcord_env, server, db_path):
    guild, channel = server
    victim = guild.add_member(simcord_env.create_user("victim"))
    attacker = guild.add_member(simcord_env.create_user("attacker"))
    await add(victim, "Dr Target", channel=channel)
    target_id = referee_row(db_path, victim.id, "Dr Target")["id"]
    bot_channel = simcord_env.bot.get_channel(channel.id)

    replay = discord.ui.View(timeout=None)
    replay.add_item(RemoveButton(victim.id, target_id, "yes"))
    posted = await bot_channel.send("remove?", view=replay)
    refused = await attacker.click(posted, label="Remove")
    assert refused.ephemeral and NOT_YOURS in refused.response.content

    forged = discord.ui.View(timeout=None)
    forged.add_item(RemoveButton(attacker.id, target_id, "yes"))
    posted = await bot_channel.send("remove?", view=forged)
    ignored = await attacker.click(posted, label="Remove")
    assert "isn't in your list" in ignored.response.content
    assert referee_row(db_path, victim.id, "Dr Target") is not None
