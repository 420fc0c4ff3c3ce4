"""The foundation: startup, sync-by-hash, /help, /about, the error handler, migrations, the CLI."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import discord
import pytest
from discord import app_commands

from bot import create_bot
from bot.errors import UserFacingError
from db import Database, Migration, bundled_migrations

ROOT = Path(__file__).resolve().parents[1]


def sync_calls(env) -> list:
    return [r for r in env.http_requests if r.method == "PUT" and "/commands" in r.path]


# ---------------------------------------------------------------- startup and sync
async def test_startup_syncs_once_and_not_again_after_restart_with_same_schema(simcord_env, db_path):
    assert len(sync_calls(simcord_env)) == 1
    await simcord_env.restart_bot(create_bot())
    assert len(sync_calls(simcord_env)) == 1, "an unchanged schema must not be re-synced"
    user = simcord_env.create_user("ana")
    result = await user.slash("help")
    assert result.response is not None


async def test_changed_schema_is_synced_again(simcord_env):
    bot = create_bot()

    @app_commands.command(name="extra", description="A command that did not exist before")
    async def extra(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("hi")

    bot.tree.add_command(extra)
    await simcord_env.restart_bot(bot)
    assert len(sync_calls(simcord_env)) == 2


async def test_database_is_owner_only_and_in_wal_mode(simcord_env, db_path):
    assert db_path.exists()
    assert stat.S_IMODE(os.stat(db_path).st_mode) == 0o600
    conn = sqlite3.connect(db_path)
    try:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        conn.close()


# ---------------------------------------------------------------- /help and /about
async def test_help_in_a_server_lists_the_real_commands_privately(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    member = guild.add_member(simcord_env.create_user("bea"))
    result = await member.slash(channel, "help")
    assert result.ephemeral
    embed = result.response.embeds[0]
    text = embed.description + "".join(f.name + f.value for f in embed.fields)
    for command in simcord_env.bot.tree.walk_commands():
        if isinstance(command, app_commands.Command):
            assert f"/{command.qualified_name}" in text
    assert "/help" in text and "/about" in text


async def test_help_in_a_dm(simcord_env):
    user = simcord_env.create_user("cy")
    assert "help" in user.available_commands()
    result = await user.slash("help")
    embed = result.response.embeds[0]
    assert "/about" in "".join(f.value for f in embed.fields)


async def test_about_states_version_and_privacy(simcord_env):
    user = simcord_env.create_user("dee")
    result = await user.slash("about")
    embed = result.response.embeds[0]
    values = {f.name: f.value for f in embed.fields}
    assert values["Version"] == simcord_env.bot.version
    assert "never stored" in values["Privacy"]


async def test_every_command_is_allowed_everywhere_and_user_installable(simcord_env):
    for command in simcord_env.bot.tree.get_commands():
        payload = command.to_dict(simcord_env.bot.tree)
        assert sorted(payload["contexts"]) == [0, 1, 2], command.name
        assert sorted(payload["integration_types"]) == [0, 1], command.name


# ---------------------------------------------------------------- error handler
def _add_failing_commands(bot) -> None:
    @app_commands.command(name="boom", description="fails")
    async def boom(interaction: discord.Interaction) -> None:
        raise RuntimeError("kaboom secret-letter-text")

    @app_commands.command(name="nope", description="fails politely")
    async def nope(interaction: discord.Interaction) -> None:
        raise UserFacingError("That referee does not exist.")

    @app_commands.command(name="slow", description="cooldown")
    @app_commands.checks.cooldown(1, 60)
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("ok", ephemeral=True)

    for cmd in (boom, nope, slow):
        bot.tree.add_command(cmd)


async def test_a_failing_command_gets_a_friendly_ephemeral_answer_with_reference(simcord_env, caplog):
    bot = create_bot()
    _add_failing_commands(bot)
    await simcord_env.restart_bot(bot)
    user = simcord_env.create_user("eve")
    result = await user.slash("boom")
    assert result.acknowledged and result.ephemeral
    content = result.response.content
    assert "went wrong" in content and "reference" in content
    ref = content.split("`")[1]
    assert any(ref in rec.getMessage() for rec in caplog.records), "the log line carries the same reference"
    assert "secret-letter-text" not in content
    assert [type(e.original) for e in simcord_env.errors] == [RuntimeError]


async def test_user_facing_errors_and_cooldowns_have_specific_wording(simcord_env):
    bot = create_bot()
    _add_failing_commands(bot)
    await simcord_env.restart_bot(bot)
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    member = guild.add_member(simcord_env.create_user("finn"))
    nope = await member.slash(channel, "nope")
    assert nope.ephemeral and nope.response.content == "That referee does not exist."
    first = await member.slash(channel, "slow")
    assert first.response.content == "ok"
    second = await member.slash(channel, "slow")
    assert second.ephemeral and "again in" in second.response.content
    await simcord_env.advance_time(61)
    third = await member.slash(channel, "slow")
    assert third.response.content == "ok"
    handled = simcord_env.errors  # acknowledge the handled errors
    assert len(handled) == 2


# ---------------------------------------------------------------- migrations
async def test_migrations_from_empty_and_idempotent(tmp_path):
    db = Database(tmp_path / "m.sqlite3")
    await db.connect()
    try:
        applied = await db.migrate()
        assert applied == [m.version for m in bundled_migrations()]
        assert await db.migrate() == []
        version = await db.fetchval("PRAGMA user_version")
        assert version == bundled_migrations()[-1].version
        assert await db.integrity_ok()
    finally:
        await db.close()


async def test_a_failing_migration_is_rolled_back_entirely(tmp_path):
    db = Database(tmp_path / "m.sqlite3")
    await db.connect()
    try:
        bad = Migration(9999, "bad", "CREATE TABLE half (x INTEGER);\nINSERT INTO nowhere VALUES (1);\n")
        with pytest.raises(sqlite3.OperationalError):
            await db.migrate([*bundled_migrations(), bad])
        tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "half" not in tables
        assert 9999 not in {r[0] for r in await db.fetchall("SELECT version FROM schema_migrations")}
    finally:
        await db.close()


# ---------------------------------------------------------------- CLI
def _cli(
    *args: str, env_extra: dict[str, str] | None = None, cwd: Path, stdin: str = ""
) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"DISCORD_TOKEN"}}
    env.update(env_extra or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        input=stdin,
        timeout=30,
    )


def test_cli_without_token_exits_2_with_guidance_fast(tmp_path):
    started = time.monotonic()
    proc = _cli(cwd=tmp_path)
    elapsed = time.monotonic() - started
    assert proc.returncode == 2
    assert "DISCORD_TOKEN" in proc.stderr and ".env" in proc.stderr and "developers" in proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    assert elapsed < 10  # generous for a cold interpreter; the real figure is in the closing note


def test_cli_blank_token_in_dotenv_is_treated_as_missing(tmp_path):
    (tmp_path / ".env").write_text("DISCORD_TOKEN=\n")
    proc = _cli("run", cwd=tmp_path)
    assert proc.returncode == 2 and "DISCORD_TOKEN" in proc.stderr


async def test_a_cancelled_transaction_leaves_the_connection_usable(tmp_path):
    import asyncio

    db = Database(tmp_path / "t.sqlite3")
    await db.connect()
    try:
        await db.migrate()

        async def slow_writer() -> None:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO meta (key, value) VALUES ('half', 'written')")
                await asyncio.sleep(3600)

        task = asyncio.create_task(slow_writer())
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert await db.get_meta("half") is None, "the cancelled write was rolled back"
        await db.set_meta("after", "ok")  # a new transaction starts fine
        assert await db.get_meta("after") == "ok"
    finally:
        await db.close()


async def test_a_read_never_sees_rows_another_task_may_still_roll_back(tmp_path):
    import asyncio

    db = Database(tmp_path / "t.sqlite3")
    await db.connect()
    try:
        await db.migrate()
        written, release = asyncio.Event(), asyncio.Event()

        async def writer_that_fails() -> None:
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO meta (key, value) VALUES ('phantom', 'row')")
                assert await db.get_meta("phantom") == "row", "a task reads its own open transaction"
                written.set()
                await release.wait()
                raise RuntimeError("the write fails after the insert")

        writer = asyncio.create_task(writer_that_fails())
        await written.wait()
        reader = asyncio.create_task(db.get_meta("phantom"))
        await asyncio.sleep(0.05)
        assert not reader.done(), "the read waits for the open transaction"
        release.set()
        with pytest.raises(RuntimeError):
            await writer
        assert await reader is None, "the read saw only committed data"
    finally:
        await db.close()
