"""Letter text is never stored or logged: check every table, the raw database files and the logs."""

from __future__ import annotations

import logging
import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import fixtures_files as fx

from bot import create_bot

#: Fragments that exist only in the letters below: none of them may end up on disk or in a log line.
MARKERS = ("Quattlebaum", "cardiogenic shock overnight", "Marrowgate", "frequent reminders to complete")
LETTER = (
    "I supervised Dr. Zephyrine Quattlebaum for twelve weeks on our cardiology service. She managed a "
    "patient in cardiogenic shock overnight and called the cath lab before I arrived. She is the best "
    "resident I have supervised in fifteen years. I recommend her without reservation."
)
OTHER = (
    "Dr. Quillon Marrowgate rotated with us for four weeks. He required close supervision and "
    "frequent reminders to complete his notes. I cannot recommend him without reservation."
)
FLAGGED = ("close supervision", "without reservation")  # phrases the share button may post publicly


def database_text(db_path: Path) -> str:
    """Every row of every table, as text."""
    conn = sqlite3.connect(db_path)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        rows = [repr(row) for table in tables for row in conn.execute(f'SELECT * FROM "{table}"')]
    finally:
        conn.close()
    assert tables, "the database has tables to inspect"
    return "\n".join(rows)


def raw_database_bytes(db_path: Path) -> bytes:
    """The database file and its WAL/SHM side files, byte for byte."""
    files = [db_path, *(db_path.with_name(db_path.name + suffix) for suffix in ("-wal", "-shm", "-journal"))]
    present = [f for f in files if f.exists()]
    assert db_path in present
    return b"".join(f.read_bytes() for f in present)


def last(result):
    return result.followups[-1] if result.followups else result.response


async def exercise_every_path(env) -> None:
    """Check letters in every way the bot offers, in a server and in DMs, and share one."""
    guild = env.create_guild()
    channel = guild.create_text_channel("general")
    user = env.create_user("ana")
    member = guild.add_member(user)
    shown = await member.slash(channel, "letter paste")
    message = await member.send(channel, OTHER)
    checked = [
        await user.slash("letter check", text=LETTER),
        await member.slash(channel, "letter check", text=OTHER),
        await member.submit_modal(shown, {"letter_text": LETTER}),
        await member.context_menu(channel, "Check letter strength", message),
    ]
    shared = await member.click(last(checked[1]), label="Share with this channel")
    assert any("Shared" in m.content for m in shared.followups)
    await env.advance_time(61)  # past the per-user cooldown
    pdf = fx.make_pdf([LETTER.split(". ")])
    checked += [
        await member.slash(channel, "letter check", file=("letter.pdf", pdf)),
        await user.slash("letter check", file=("letter.docx", fx.make_docx(OTHER.split(". ")))),
        await user.slash("letter check", file=("letter.txt", LETTER.encode())),
    ]
    assert all(last(result).embeds for result in checked), "every path produced a verdict"
    refused = await member.slash(channel, "letter check", text="Short", file=("broken.pdf", pdf[:300]))
    assert "damaged" in last(refused).content
    assert [type(e.original).__name__ for e in env.errors] == ["UserFacingError"]


async def test_no_letter_text_in_the_database_or_its_files(simcord_env, db_path):
    await exercise_every_path(simcord_env)
    await simcord_env.restart_bot(create_bot())  # flush and reopen: whatever was written is now on disk
    rows = database_text(db_path)
    raw = raw_database_bytes(db_path)
    for marker in (*MARKERS, *FLAGGED):
        assert marker not in rows
        assert marker.encode() not in raw
        assert marker.encode("utf-16-le") not in raw


async def test_no_letter_text_in_the_logs_at_debug(simcord_env, caplog):
    caplog.set_level(logging.DEBUG)
    await exercise_every_path(simcord_env)
    logged = "\n".join(record.getMessage() for record in caplog.records)
    logged += "\n".join(str(record.args) for record in caplog.records)
    assert caplog.records, "something was logged, so the check means something"
    for marker in MARKERS:
        assert marker not in logged
