"""Faults (issue 8): a locked, read-only or full database, Discord 5xx/429 on every kind of call, and a
restart in the middle of each multi-step flow. After every test: ``PRAGMA integrity_check`` is ok and the
number of reminders still waiting is exactly what the scenario implies.

The bot runs through simcord. simcord hands injected HTTP errors straight to the bot (discord.py's own 429/5xx
retry loop is bypassed), so these tests see the worst case: every failure reaches the bot's code.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import discord
import pytest
from pydantic import ValidationError
from sqlite_rows import rows

from bot import create_bot
from bot.advice.vocab import Area
from bot.scheduler import DB_RETRY, get_scheduler
from bot.settings import MAX_BUSY_TIMEOUT_MS, Settings
from db import Database
from db import reminders as store
from db.database import BUSY_TIMEOUT_MS
from db.referees import Bullet, add_referee, set_bullets

ROOT = Path(__file__).resolve().parents[1]
HOUR = 3600
DAY = 86400
TEST_BUSY_MS = 100
BUSY = "busy"
NOTHING_SAVED = "nothing was saved"
CRASH_TEXT = "went wrong on my side"
DISCORD_TROUBLE = "Discord had a problem"
CALLBACK = "/interactions/*/callback"
WEBHOOK = "/webhooks/*"
LONG = "x" * 190


@pytest.fixture(autouse=True)
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every bot built in this module waits 100 ms for a lock (production: 2 s), so tests stay fast."""
    monkeypatch.setenv("DB_BUSY_TIMEOUT_MS", str(TEST_BUSY_MS))


# ---------------------------------------------------------------- helpers


def check_db(db_path: Path, *, waiting: int, user_id: int | None = None) -> None:
    """The file is intact and exactly ``waiting`` reminders (of ``user_id``, or anybody) are still due."""
    assert rows(db_path, "PRAGMA integrity_check") == [("ok",)]
    assert rows(db_path, "PRAGMA foreign_key_check") == []
    sql = (
        "SELECT COUNT(*) FROM reminders WHERE status IN ('pending', 'sending')"
        " AND user_id = COALESCE(?, user_id)"
    )
    [(count,)] = rows(db_path, sql, (user_id,))
    assert count == waiting


@contextlib.contextmanager
def locked(db_path: Path) -> Iterator[None]:
    """Another process (a backup, an admin's shell) holds the write lock on the bot's database file."""
    other = sqlite3.connect(db_path, isolation_level=None, timeout=0)
    try:
        other.execute("BEGIN EXCLUSIVE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


async def pragma(env, statement: str) -> list:
    """Run a PRAGMA on the bot's own connection."""
    async with env.bot.db.conn.execute(statement) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


def answer(result) -> discord.Message:
    """The message that answered an interaction (the response, or the last follow-up)."""
    if result.followups:
        return result.followups[-1]
    assert result.response is not None, "the interaction was never answered"
    return result.response


def assert_busy(result) -> None:
    message = answer(result)
    assert message.flags.ephemeral
    assert BUSY in message.content and NOTHING_SAVED in message.content
    assert CRASH_TEXT not in message.content


def dms(env, user) -> list[discord.Message]:
    """Messages the bot sent on its own (reminders) in the user's DM."""
    return [
        m
        for m in user.dm_channel.history()
        if m.author.id == env.bot.user.id and m.interaction_metadata is None
    ]


def referee_names(db_path: Path, user_id: int) -> list[str]:
    return [
        r[0] for r in rows(db_path, "SELECT name FROM referees WHERE user_id = ? ORDER BY id", (user_id,))
    ]


def bullet_texts(db_path: Path, user_id: int) -> list[str]:
    sql = "SELECT text FROM referee_bullets WHERE user_id = ? ORDER BY position"
    return [r[0] for r in rows(db_path, sql, (user_id,))]


def original_errors(env) -> list[type]:
    """Read (and so acknowledge) the errors the bot reported, as the types of their root causes.

    Slash-command errors are reported to the tree's handler (simcord records them); button and form errors
    are handled inside the callback (``@guarded``), so they leave nothing here.
    """
    return [type(getattr(e, "original", e)) for e in env.errors]


# ---------------------------------------------------------------- the database is locked

SLASH_WRITES = [
    pytest.param(
        "referee add",
        {"name": "Dr Rao", "label": "strong"},
        "SELECT name FROM referees",
        [("Dr Rao",)],
        id="referee-add",
    ),
    pytest.param(
        "remind",
        {"when": "in 2 hours", "what": "Email Dr Rao"},
        "SELECT text FROM reminders WHERE status = 'pending'",
        [("Email Dr Rao",)],
        id="remind",
    ),
    pytest.param(
        "timezone",
        {"zone": "Asia/Kolkata"},
        "SELECT timezone FROM reminder_prefs",
        [("Asia/Kolkata",)],
        id="timezone",
    ),
]


@pytest.mark.parametrize(("command", "options", "query", "saved"), SLASH_WRITES)
async def test_a_locked_database_gets_a_busy_answer_then_the_same_command_works(
    simcord_env, db_path, command, options, query, saved
):
    user = simcord_env.create_user("ana")
    with locked(db_path):
        blocked = await user.slash(command, **options)
    assert_busy(blocked)
    assert rows(db_path, query) == [], "nothing was half-written"
    assert original_errors(simcord_env) == [sqlite3.OperationalError]
    retried = await user.slash(command, **options)
    assert BUSY not in answer(retried).content
    assert rows(db_path, query) == saved
    check_db(db_path, waiting=1 if command == "remind" else 0)


async def test_reading_still_works_while_another_process_holds_the_write_lock(simcord_env, db_path):
    user = simcord_env.create_user("bea")
    await user.slash("referee add", name="Dr Okafor", label="unsure")
    with locked(db_path):
        listing = await user.slash("referee list")
        shown = await user.slash("referee show", name="Dr Okafor")
    assert "Dr Okafor" in listing.response.embeds[0].description
    assert "Dr Okafor" in shown.response.embeds[0].title
    assert simcord_env.errors == []
    check_db(db_path, waiting=0)


async def test_a_checklist_step_pressed_during_a_lock_is_not_lost_and_can_be_pressed_again(
    simcord_env, db_path
):
    user = simcord_env.create_user("cy")
    await user.slash("referee add", name="Dr Haddad", label="strong")
    start = await user.slash("ask start", referee="Dr Haddad")  # a read: works under the lock too
    with locked(db_path):
        blocked = await user.click(start.response, label="Bullets ready")
    assert_busy(blocked)
    assert rows(db_path, "SELECT COUNT(*) FROM ask_progress") == [(0,)]
    assert simcord_env.errors == [], "handled inside the button callback"
    done = await user.click(start.response, label="Bullets ready")
    assert "Step 1 done" in done.response.content
    assert rows(db_path, "SELECT step_key FROM ask_progress") == [("prepare",)]
    check_db(db_path, waiting=0)


async def test_data_delete_confirmed_during_a_lock_deletes_nothing_and_works_when_pressed_again(
    simcord_env, db_path
):
    user = simcord_env.create_user("dee")
    await user.slash("referee add", name="Dr Lee", label="strong")
    await user.slash("remind", when="in 1 day", what="Ask Dr Lee")
    with locked(db_path):
        asked = await user.slash("data delete")
        blocked = await user.click(asked.response, label="Delete everything")
    assert_busy(blocked)
    assert referee_names(db_path, user.id) == ["Dr Lee"], "the delete is all or nothing"
    check_db(db_path, waiting=1)
    assert simcord_env.errors == [], "handled inside the button callback"
    again = await user.click(asked.response, label="Delete everything")
    assert "Deleted" in answer(again).content
    assert referee_names(db_path, user.id) == []
    check_db(db_path, waiting=0)


def test_busy_timeout_is_configurable_and_stays_inside_discords_answer_window(monkeypatch):
    monkeypatch.delenv("DB_BUSY_TIMEOUT_MS")
    assert Settings().db_busy_timeout_ms == BUSY_TIMEOUT_MS <= MAX_BUSY_TIMEOUT_MS < 3000
    assert Settings(db_busy_timeout_ms=250).db_busy_timeout_ms == 250
    with pytest.raises(ValidationError):
        Settings(db_busy_timeout_ms=10_000)
    with pytest.raises(ValidationError):
        Settings(db_busy_timeout_ms=-1)


async def test_the_bot_uses_the_configured_busy_timeout(simcord_env):
    assert await pragma(simcord_env, "PRAGMA busy_timeout") == [(TEST_BUSY_MS,)]


# ---------------------------------------------------------------- the database is read-only


async def test_a_read_only_database_refuses_writes_clearly_and_still_shows_data(simcord_env, db_path):
    user = simcord_env.create_user("eve")
    await user.slash("referee add", name="Dr Rao", label="strong")
    await pragma(simcord_env, "PRAGMA query_only=ON")
    refused = await user.slash("referee add", name="Dr Sato", label="unsure")
    reminder = await user.slash("remind", when="in 1 hour", what="Email Dr Sato")
    listing = await user.slash("referee list")
    for result in (refused, reminder):
        message = answer(result)
        assert message.flags.ephemeral and "read-only" in message.content and NOTHING_SAVED in message.content
    assert "Dr Rao" in listing.response.embeds[0].description
    assert original_errors(simcord_env) == [sqlite3.OperationalError, sqlite3.OperationalError]
    check_db(db_path, waiting=0)
    await pragma(simcord_env, "PRAGMA query_only=OFF")
    await user.slash("referee add", name="Dr Sato", label="unsure")
    assert referee_names(db_path, user.id) == ["Dr Rao", "Dr Sato"]
    check_db(db_path, waiting=0)


def test_the_bot_refuses_to_start_on_a_read_only_database_and_says_why():
    """Decision: no degraded mode. A bot that cannot write would silently never deliver a reminder."""
    folder = Path(tempfile.mkdtemp(prefix="lorcoach-ro-"))
    try:
        os.chmod(folder, 0o755)
        path = folder / "lorcoach.sqlite3"
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE kept (x INTEGER)")
        conn.execute("INSERT INTO kept VALUES (1)")
        conn.commit()
        conn.close()
        os.chmod(path, 0o444)
        before = path.read_bytes()
        script = (
            "import asyncio, logging\n"
            "from bot import create_bot\n"
            "logging.basicConfig(level=logging.INFO)\n"
            "asyncio.run(create_bot(sync_mode='never').setup_hook())\n"
        )
        env = {k: v for k, v in os.environ.items() if k != "DISCORD_TOKEN"}
        env.update({"DATABASE_PATH": str(path), "PYTHONPATH": str(ROOT), "PYTHONDONTWRITEBYTECODE": "1"})
        command = [sys.executable, "-c", script]
        if (
            os.geteuid() == 0
        ):  # root may write any file: run as an unprivileged user so it really is read-only
            setpriv = shutil.which("setpriv")
            if setpriv is None:
                pytest.skip("running as root without setpriv: cannot make a file read-only")
            command = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups", *command]
        proc = subprocess.run(
            command,
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert proc.returncode != 0
        assert "DatabaseUnavailable" in proc.stderr
        assert f"Cannot open the database {path} for reading and writing" in proc.stderr
        assert "DATABASE_PATH" in proc.stderr and "writable" in proc.stderr
        assert path.read_bytes() == before, "the file was not touched"
    finally:
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()


# ---------------------------------------------------------------- the disk is full


async def until_full(write, count: int = 2000) -> None:
    """Call ``write(n)`` for n = 0, 1, … until SQLite reports the database full."""
    for number in range(count):
        try:
            await write(number)
        except sqlite3.OperationalError as error:
            assert "full" in str(error)
            return
    raise AssertionError("the database never filled up")


async def fill_the_disk(env) -> int:
    """Cap the file at its current size, then let other users' data grow until every table is full.

    Filler rows are a little smaller than the rows the test then writes, so no leftover gap can take those.
    """
    [(pages,)] = await pragma(env, "PRAGMA page_count")
    await pragma(env, f"PRAGMA max_page_count={pages}")
    db, now, filler = env.bot.db, env.bot.now(), LONG[:150]
    first = await add_referee(db, 10_000, name="Filler", label="weak", now=now)

    async def bullets(n: int) -> None:
        texts = [Bullet(area=Area.clinical_judgment, text=f"{filler} {i}") for i in range(n + 1)]
        await set_bullets(db, first.user_id, first.id, texts[-10:], now=now)
        await add_referee(db, 20_000 + n, name=f"B {n}", label="weak", now=now)
        again = await add_referee(db, 30_000 + n, name=f"C {n}", label="weak", now=now)
        await set_bullets(db, again.user_id, again.id, texts[-10:], now=now)

    async def referee(n: int) -> None:
        await add_referee(db, 40_000 + n, name=f"Filler {n}", label="weak", notes=filler, now=now)

    async def reminder(n: int) -> None:
        await store.create_reminder(db, 50_000 + n, now + timedelta(days=400), filler, now=now)

    for write in (bullets, referee, reminder):
        await until_full(write)
    return pages


async def test_a_full_disk_saves_nothing_half_and_recovers_when_space_is_freed(simcord_env, db_path):
    user = simcord_env.create_user("fay")
    await user.slash("referee add", name="Dr Rao", label="strong")
    form = await user.slash("referee bullets", name="Dr Rao")
    await user.submit_modal(
        form, {"bullets": "clinical: Ran the ward round (2024)\nteamwork: Ran the night handover"}
    )
    kept = bullet_texts(db_path, user.id)
    assert len(kept) == 2
    pages = await fill_the_disk(simcord_env)

    many = "\n".join(f"clinical: {LONG} {i}" for i in range(10))
    form = await user.slash("referee bullets", name="Dr Rao")
    replaced = await user.submit_modal(form, {"bullets": many})
    added = await user.slash("referee add", name="Dr Sato", label="unsure", notes=LONG)
    reminder = await user.slash("remind", when="in 1 hour", what=LONG)
    for result in (replaced, added, reminder):
        message = answer(result)
        assert message.flags.ephemeral and "full" in message.content and NOTHING_SAVED in message.content
    assert set(original_errors(simcord_env)) == {sqlite3.OperationalError}
    assert bullet_texts(db_path, user.id) == kept, "the old bullets survive a replacement that failed midway"
    assert referee_names(db_path, user.id) == ["Dr Rao"]
    check_db(db_path, waiting=0, user_id=user.id)

    await pragma(simcord_env, f"PRAGMA max_page_count={pages * 100}")
    form = await user.slash("referee bullets", name="Dr Rao")
    saved = await user.submit_modal(form, {"bullets": many})
    assert "Saved 10 bullet(s)" in answer(saved).content
    await user.slash("remind", when="in 1 hour", what="Thank Dr Rao")
    assert len(bullet_texts(db_path, user.id)) == 10
    check_db(db_path, waiting=1, user_id=user.id)


async def test_a_failed_commit_is_rolled_back_and_the_connection_stays_usable(tmp_path):
    """A COMMIT can fail too (disk full, I/O error, a deferred constraint); SQLite then keeps the transaction
    open, and every later write would fail with "cannot start a transaction within a transaction"."""
    db = Database(tmp_path / "commit.sqlite3")
    await db.connect()
    try:
        await db.migrate()
        await db.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
        await db.execute(
            "CREATE TABLE child (parent_id INTEGER REFERENCES parent (id) DEFERRABLE INITIALLY DEFERRED)"
        )
        with pytest.raises(sqlite3.IntegrityError):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO child (parent_id) VALUES (42)")  # checked only at COMMIT
        assert await db.fetchval("SELECT COUNT(*) FROM child") == 0
        await db.set_meta("after", "ok")
        assert await db.get_meta("after") == "ok"
        assert await db.integrity_ok()
    finally:
        await db.close()


# ---------------------------------------------------------------- the scheduler and database faults


@pytest.mark.parametrize("fault", ["locked", "read_only"])
async def test_the_scheduler_waits_out_a_database_fault_and_then_delivers_once(
    simcord_env, db_path, caplog, fault
):
    user = simcord_env.create_user("gus")
    await user.slash("remind", when="in 1 hour", what="Upload the MSPE")
    scheduler = get_scheduler(simcord_env.bot)
    with contextlib.ExitStack() as stack:
        if fault == "locked":
            stack.enter_context(locked(db_path))
        else:
            await pragma(simcord_env, "PRAGMA query_only=ON")
        await simcord_env.advance_time(HOUR + 10 * DB_RETRY)
        assert dms(simcord_env, user) == []
        assert rows(db_path, "SELECT status, attempts FROM reminders") == [("pending", 0)]
        assert scheduler.running
        tries = [r for r in caplog.records if "bookkeeping failed" in r.getMessage()]
        assert 1 <= len(tries) <= 12, "the scheduler backs off instead of spinning on a broken database"
        if fault == "read_only":
            await pragma(simcord_env, "PRAGMA query_only=OFF")
    await simcord_env.advance_time(DB_RETRY + 1)
    await simcord_env.advance_time(DAY)
    [dm] = dms(simcord_env, user)
    assert "Upload the MSPE" in dm.content
    assert rows(db_path, "SELECT status, attempts FROM reminders") == [("sent", 1)]
    check_db(db_path, waiting=0)


# ---------------------------------------------------------------- Discord 5xx and 429


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_a_failed_first_answer_is_followed_by_a_clear_one_and_the_write_happened_once(
    simcord_env, db_path, status
):
    user = simcord_env.create_user("hal")
    simcord_env.inject_error("POST", CALLBACK, status=status, times=1)
    result = await user.slash("referee add", name="Dr Rao", label="strong")
    message = answer(result)
    assert message.flags.ephemeral and DISCORD_TROUBLE in message.content and str(status) in message.content
    assert "may already be done" in message.content
    assert referee_names(db_path, user.id) == ["Dr Rao"]
    assert original_errors(simcord_env) == [discord.HTTPException]
    check_db(db_path, waiting=0)


async def test_a_reminder_set_during_a_discord_outage_is_kept_and_delivered(simcord_env, db_path):
    user = simcord_env.create_user("ida")
    simcord_env.inject_error("POST", CALLBACK, status=503, times=None)
    result = await user.slash("remind", when="in 1 hour", what="Call the coordinator")
    assert result.response is None, "Discord accepted no answer at all"
    assert original_errors(simcord_env) == [discord.HTTPException]
    check_db(db_path, waiting=1)
    simcord_env.backend.faults.clear()  # Discord is back
    await simcord_env.advance_time(HOUR)
    assert ["Call the coordinator" in m.content for m in dms(simcord_env, user)] == [True]
    check_db(db_path, waiting=0)


@pytest.mark.parametrize("status", [503, 429])
async def test_a_failed_follow_up_gets_a_clear_answer(simcord_env, db_path, status):
    user = simcord_env.create_user("jo")
    await user.slash("referee add", name="Dr Rao", label="strong")
    simcord_env.inject_error("POST", WEBHOOK, status=status, times=1)
    result = await user.slash("data export")
    message = answer(result)
    assert DISCORD_TROUBLE in message.content and message.flags.ephemeral and not message.attachments
    assert original_errors(simcord_env) == [discord.HTTPException]
    again = await user.slash("data export")
    assert len(answer(again).attachments) == 2
    check_db(db_path, waiting=0)


async def test_a_failed_edit_of_the_original_answer_still_tells_the_user_what_happened(simcord_env, db_path):
    user = simcord_env.create_user("kit")
    await user.slash("referee add", name="Dr Rao", label="strong")
    asked = await user.slash("data delete")
    simcord_env.inject_error("PATCH", f"{WEBHOOK}/messages/@original", status=502, times=1)
    pressed = await user.click(asked.response, label="Delete everything")
    message = answer(pressed)
    assert DISCORD_TROUBLE in message.content and "may already be done" in message.content
    assert referee_names(db_path, user.id) == [], "the delete itself went through, once"
    assert simcord_env.errors == [], "handled inside the button callback"
    check_db(db_path, waiting=0)


@pytest.mark.parametrize("status", [503, 429])
async def test_a_failed_button_update_still_gets_an_answer(simcord_env, db_path, status):
    user = simcord_env.create_user("lou")
    await user.slash("referee add", name="Dr Rao", label="strong")
    asked = await user.slash("referee remove", name="Dr Rao")
    simcord_env.inject_error("POST", CALLBACK, status=status, times=1)
    pressed = await user.click(asked.response, label="Remove")
    assert DISCORD_TROUBLE in answer(pressed).content
    assert referee_names(db_path, user.id) == []
    assert simcord_env.errors == [], "handled inside the button callback"
    check_db(db_path, waiting=0)


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/users/@me/channels", 503),  # opening the DM channel
        ("/users/@me/channels", 429),
        ("/channels/*/messages", 429),  # sending the DM (5xx here is covered in test_reminders.py)
        ("/channels/*/messages", 500),
    ],
)
async def test_reminder_delivery_is_retried_after_discord_errors_and_arrives_once(
    simcord_env, db_path, path, status
):
    user = simcord_env.create_user("max")
    await user.slash("remind", when="in 1 hour", what="Send the packet")
    simcord_env.inject_error("POST", path, status=status, times=1)
    await simcord_env.advance_time(HOUR)
    assert dms(simcord_env, user) == []
    assert rows(db_path, "SELECT status, attempts FROM reminders") == [("pending", 1)]
    check_db(db_path, waiting=1)
    await simcord_env.advance_time(DAY)
    [dm] = dms(simcord_env, user)
    assert "Send the packet" in dm.content
    assert rows(db_path, "SELECT status, attempts FROM reminders") == [("sent", 2)]
    check_db(db_path, waiting=0)


async def test_a_long_discord_outage_fails_the_reminder_and_the_user_is_told_once(simcord_env, db_path):
    user = simcord_env.create_user("ned")
    await user.slash("remind", when="in 1 hour", what="Ask Dr Ito")
    simcord_env.inject_error("POST", "/channels/*/messages", status=503, times=None)
    await simcord_env.advance_time(HOUR)
    await simcord_env.advance_time(DAY)
    assert dms(simcord_env, user) == []
    assert rows(db_path, "SELECT status, attempts FROM reminders") == [("failed", 4)]
    check_db(db_path, waiting=0)
    simcord_env.backend.faults.clear()
    first = await user.slash("referee list")
    assert any("Discord kept failing" in m.content and "Ask Dr Ito" in m.content for m in first.followups)
    second = await user.slash("referee list")
    assert second.followups == [], "told once"


async def test_the_bot_starts_even_if_the_command_sync_fails(simcord_env, db_path):
    from discord import app_commands

    user = simcord_env.create_user("oli")
    await user.slash("remind", when="in 1 hour", what="Still delivered")
    bot = create_bot()

    @app_commands.command(name="extra", description="A new command, so the next start must sync")
    async def extra(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("hi", ephemeral=True)

    bot.tree.add_command(extra)
    simcord_env.inject_error("PUT", "/applications/*/commands", status=503, times=None)
    await simcord_env.restart_bot(bot)
    simcord_env.backend.faults.clear()
    await simcord_env.advance_time(HOUR)
    assert ["Still delivered" in m.content for m in dms(simcord_env, user)] == [True]
    check_db(db_path, waiting=0)


# ---------------------------------------------------------------- a restart in the middle of a flow


@pytest.mark.parametrize(("button", "left"), [("Delete everything", 0), ("Cancel", 1)])
async def test_data_delete_confirmation_works_after_a_restart(simcord_env, db_path, button, left):
    user = simcord_env.create_user("pia")
    await user.slash("referee add", name="Dr Rao", label="strong")
    await user.slash("remind", when="in 1 day", what="Thank Dr Rao")
    asked = await user.slash("data delete")
    await simcord_env.restart_bot(create_bot())
    pressed = await user.click(asked.response, label=button)
    assert ("Deleted" if left == 0 else "Nothing was deleted") in answer(pressed).content
    assert len(referee_names(db_path, user.id)) == left
    check_db(db_path, waiting=left)


async def test_reminders_cancel_confirmation_works_after_a_restart(simcord_env, db_path):
    user = simcord_env.create_user("quinn")
    await user.slash("remind", when="in 2 hours", what="first")
    await user.slash("remind", when="in 3 hours", what="second")
    listing = await user.slash("reminders")
    asked = await user.click(listing.response, label="Cancel #1")
    await simcord_env.restart_bot(create_bot())
    done = await user.click(asked.response, label="Yes, cancel it #1")
    assert "Cancelled" in done.response.embeds[0].description
    assert rows(db_path, "SELECT text, status FROM reminders ORDER BY id") == [
        ("first", "cancelled"),
        ("second", "pending"),
    ]
    check_db(db_path, waiting=1)
    await simcord_env.advance_time(4 * HOUR)
    assert ["second" in m.content for m in dms(simcord_env, user)] == [True]
    check_db(db_path, waiting=0)


async def test_referee_remove_confirmation_works_after_a_restart(simcord_env, db_path):
    user = simcord_env.create_user("ray")
    await user.slash("referee add", name="Dr Rao", label="strong")
    await user.slash("referee add", name="Dr Sato", label="weak")
    asked = await user.slash("referee remove", name="Dr Sato")
    await simcord_env.restart_bot(create_bot())
    done = await user.click(asked.response, label="Remove")
    assert "Removed **Dr Sato**" in done.response.content
    assert referee_names(db_path, user.id) == ["Dr Rao"]
    check_db(db_path, waiting=0)


async def test_a_reminder_waiting_for_its_retry_survives_a_restart_and_arrives_once(simcord_env, db_path):
    user = simcord_env.create_user("sam")
    await user.slash("remind", when="in 1 hour", what="Book the exam")
    simcord_env.inject_error("POST", "/channels/*/messages", status=503, times=1)
    await simcord_env.advance_time(HOUR)
    assert rows(db_path, "SELECT status, attempts FROM reminders") == [("pending", 1)]
    await simcord_env.restart_bot(create_bot())
    await simcord_env.advance_time(DAY)
    assert ["Book the exam" in m.content for m in dms(simcord_env, user)] == [True]
    assert rows(db_path, "SELECT status, attempts FROM reminders") == [("sent", 2)]
    check_db(db_path, waiting=0)


async def test_a_bullets_form_submitted_after_a_restart_gets_an_answer(simcord_env, db_path):
    user = simcord_env.create_user("tia")
    await user.slash("referee add", name="Dr Rao", label="strong")
    form = await user.slash("referee bullets", name="Dr Rao")
    await simcord_env.restart_bot(create_bot())
    done = await user.submit_modal(form, {"bullets": "clinical: Ran the ward round (2024)"})
    assert done.acknowledged and done.ephemeral
    assert "/referee bullets" in done.response.content and "nothing was saved" in done.response.content
    assert "clinical: Ran the ward round (2024)" in done.response.content  # what they typed is given back
    assert bullet_texts(db_path, user.id) == []
    check_db(db_path, waiting=0)


async def test_a_reply_form_submitted_after_a_restart_gets_an_answer(simcord_env, db_path):
    user = simcord_env.create_user("uma")
    await user.slash("referee add", name="Dr Rao", label="strong")
    step = await user.slash("ask start", referee="Dr Rao")
    step = await user.click(step.response, label="Bullets ready")
    step = await user.click(step.response, label="I sent it")
    form = await user.click(step.response, label="Paste their reply")
    await simcord_env.restart_bot(create_bot())
    done = await user.submit_modal(form, {"reply_text": "I would be delighted to write you a strong letter."})
    assert done.acknowledged and done.ephemeral
    assert "/ask reply" in done.response.content
    assert "I would be delighted to write you a strong letter." in done.response.content
    check_db(db_path, waiting=2)  # the 7- and 14-day follow-ups set when the ask was sent


async def test_a_long_pasted_letter_submitted_after_a_restart_comes_back_as_a_file(simcord_env, db_path):
    user = simcord_env.create_user("vic")
    form = await user.slash("letter paste")
    await simcord_env.restart_bot(create_bot())
    letter = "She managed twelve patients a day on our ward and ran the morning handover. " * 40
    done = await user.submit_modal(form, {"letter_text": letter})
    assert done.acknowledged and done.ephemeral
    assert "/letter paste" in done.response.content and letter not in done.response.content
    [attached] = done.response.attachments
    assert attached.filename == "your-text.txt"
    check_db(db_path, waiting=0)
