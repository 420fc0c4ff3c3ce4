"""/data export and /data delete, checked against the database itself."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import discord
import pytest

from cogs.data import WipeButton

NOT_YOURS = "belong to someone else"


def user_tables(db_path: Path) -> list[str]:
    """Every table with a user_id column, read straight from sqlite_master."""
    conn = sqlite3.connect(db_path)
    try:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return [n for n in names if any(c[1] == "user_id" for c in conn.execute(f'PRAGMA table_info("{n}")'))]
    finally:
        conn.close()


def rows_of(db_path: Path, user_id: int) -> dict[str, int]:
    conn = sqlite3.connect(db_path)
    try:
        return {
            table: conn.execute(f'SELECT COUNT(*) FROM "{table}" WHERE user_id = ?', (user_id,)).fetchone()[0]
            for table in user_tables(db_path)
        }
    finally:
        conn.close()


def add_side_table(db_path: Path, *user_ids: int) -> None:
    """A table no feature knows about, to prove export and delete cover ANY table with a user_id."""
    conn = sqlite3.connect(db_path)
    try:
        conn.execute("CREATE TABLE IF NOT EXISTS side_notes (user_id INTEGER NOT NULL, note TEXT)")
        conn.executemany("INSERT INTO side_notes VALUES (?, ?)", [(u, f"note of {u}") for u in user_ids])
        conn.commit()
    finally:
        conn.close()


async def fill(actor, channel=None) -> None:
    """Three referees, one with bullets, one with a name a spreadsheet would run as a formula."""
    for name, label in (("Dr Rao", "strong"), ("王医生", "unsure"), ('=HYPERLINK("x")', "weak")):
        if channel is None:
            await actor.slash("referee add", name=name, label=label, email="w@x.org")
        else:
            await actor.slash(channel, "referee add", name=name, label=label, email="w@x.org")
    form = (
        await actor.slash("referee bullets", name="Dr Rao")
        if channel is None
        else await actor.slash(channel, "referee bullets", name="Dr Rao")
    )
    await actor.submit_modal(form, {"bullets": "clinical: Caught sepsis early\nteamwork: Ran handoffs"})


@pytest.fixture
def server(simcord_env):
    guild = simcord_env.create_guild()
    return guild, guild.create_text_channel("general")


# ---------------------------------------------------------------- export
@pytest.mark.parametrize("where", ["dm", "server"])
async def test_export_attaches_json_with_every_table_and_a_referee_csv(simcord_env, server, db_path, where):
    guild, channel = server
    user = simcord_env.create_user("ana")
    actor = guild.add_member(user) if where == "server" else user
    other = simcord_env.create_user("other")
    await fill(actor, channel if where == "server" else None)
    await other.slash("referee add", name="Dr Other", label="strong")
    add_side_table(db_path, user.id, other.id)

    if where == "server":
        result = await actor.slash(channel, "data export")
    else:
        result = await actor.slash("data export")
    message = result.followups[0] if result.followups else result.response
    assert message.ephemeral
    files = {a.filename: await a.read() for a in message.attachments}
    assert set(files) == {"lorcoach-data.json", "lorcoach-referees.csv"}

    exported = json.loads(files["lorcoach-data.json"])
    tables = exported["tables"]
    assert set(tables) == set(user_tables(db_path)), "every table with a user_id is in the export"
    for table, count in rows_of(db_path, user.id).items():
        assert len(tables[table]) == count, table
        assert all(row["user_id"] == user.id for row in tables[table])
    assert tables["side_notes"] == [{"user_id": user.id, "note": f"note of {user.id}"}]
    assert "Dr Other" not in files["lorcoach-data.json"].decode()

    reader = list(csv.DictReader(io.StringIO(files["lorcoach-referees.csv"].decode("utf-8-sig"))))
    assert sorted(r["name"] for r in reader) == sorted(["Dr Rao", "王医生", '\'=HYPERLINK("x")'])
    rao = next(r for r in reader if r["name"] == "Dr Rao")
    assert rao["bullets"].splitlines() == ["clinical: Caught sepsis early", "teamwork: Ran handoffs"]
    assert rao["label"] == "strong" and rao["email"] == "w@x.org"


async def test_export_with_no_data_still_answers(simcord_env):
    ana = simcord_env.create_user("ana")
    result = await ana.slash("data export")
    message = result.followups[0] if result.followups else result.response
    assert message.ephemeral and "nothing" in message.content
    exported = json.loads(await message.attachments[0].read())
    assert all(rows == [] for rows in exported["tables"].values())


# ---------------------------------------------------------------- delete
@pytest.mark.parametrize("where", ["dm", "server"])
async def test_delete_after_confirming_leaves_no_row_in_any_table(simcord_env, server, db_path, where):
    guild, channel = server
    user = simcord_env.create_user("ana")
    actor = guild.add_member(user) if where == "server" else user
    other = simcord_env.create_user("other")
    await fill(actor, channel if where == "server" else None)
    await other.slash("referee add", name="Dr Other", label="strong")
    add_side_table(db_path, user.id, other.id)
    others_before = rows_of(db_path, other.id)

    ask = await (actor.slash(channel, "data delete") if where == "server" else actor.slash("data delete"))
    assert ask.ephemeral and "3 referees" in ask.response.content
    assert rows_of(db_path, user.id)["referees"] == 3, "nothing is deleted before confirming"
    done = await actor.click(ask.response, label="Delete everything")
    assert "3 referees" in done.response.content and "2 referee bullets" in done.response.content
    assert "1 side notes" in done.response.content
    assert not done.response.components
    assert all(count == 0 for count in rows_of(db_path, user.id).values())
    assert rows_of(db_path, other.id) == others_before, "nobody else's data is touched"


async def test_cancel_keeps_everything(simcord_env, db_path):
    ana = simcord_env.create_user("ana")
    await fill(ana)
    before = rows_of(db_path, ana.id)
    ask = await ana.slash("data delete")
    cancelled = await ana.click(ask.response, label="Cancel")
    assert "Nothing was deleted" in cancelled.response.content
    assert rows_of(db_path, ana.id) == before


async def test_a_replayed_delete_button_cannot_erase_someone_else(simcord_env, server, db_path):
    guild, channel = server
    victim = guild.add_member(simcord_env.create_user("victim"))
    attacker = guild.add_member(simcord_env.create_user("attacker"))
    await fill(victim, channel)
    await attacker.slash(channel, "referee add", name="Dr Mine", label="weak")
    before = rows_of(db_path, victim.id)
    bot_channel = simcord_env.bot.get_channel(channel.id)

    replay = discord.ui.View(timeout=None)
    replay.add_item(WipeButton(victim.id, "yes"))
    posted = await bot_channel.send("delete?", view=replay)
    refused = await attacker.click(posted, label="Delete everything")
    assert refused.ephemeral and NOT_YOURS in refused.response.content
    assert rows_of(db_path, victim.id) == before

    own = discord.ui.View(timeout=None)
    own.add_item(WipeButton(attacker.id, "yes"))
    posted = await bot_channel.send("delete?", view=own)
    await attacker.click(posted, label="Delete everything")
    assert rows_of(db_path, victim.id) == before, "a wipe only ever erases the presser's own data"
    assert rows_of(db_path, attacker.id)["referees"] == 0
