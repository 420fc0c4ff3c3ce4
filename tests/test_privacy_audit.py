"""The privacy and isolation audit (issue 8): cross-cutting checks over every command, button and table.

1. A full session through EVERY command (checked against the command tree, so a new command cannot
   escape): no letter or reply text in any log record, table, database file or file under the tmp dir.
2. A second user cannot read, autocomplete, press buttons of, or delete the first user's data, by any
   command or crafted custom_id (checked against every registered dynamic item class).
3. ``/data delete`` leaves no row with the user's id anywhere (found by scanning the schema and every
   cell), no orphan rows, and no per-user table without a ``user_id`` column.
4. The database file (and its side files) are owner-only whatever the umask.

Narrower tests live in test_letter_privacy.py and test_data.py; these do not repeat them.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import stat
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import discord
import fixtures_files as fx
import pytest
from discord import app_commands

from bot import create_bot
from bot.advice.emails import EMAIL_KINDS
from bot.problems import UserFacingError
from db import Database

NOT_YOURS = "belong to someone else"
#: Tables that belong to the bot itself, not to any user (everything else must have a user_id column).
BOT_TABLES = {"meta", "schema_migrations"}
#: Column names (besides ``*user_id``) that would name a Discord user if a future table used them.
USER_COLUMNS = {"owner", "owner_id", "author_id", "member_id", "discord_id", "discord_user"}
HOUR = 3600


# =============================================================================== private text
def letter(slug: str, *, strong: bool = True) -> tuple[str, tuple[str, ...]]:
    """A letter carrying two marker tokens found nowhere else; returns (text, markers)."""
    person, place = f"Zorvexa{slug}", f"Hollowmere{slug}"
    if strong:
        text = (
            f"I supervised Dr. {person} for twelve weeks on the internal medicine service at {place} "
            "Hospital. She carried eight patients a day, recognised early sepsis in a post-operative patient "
            "overnight and escalated care before I arrived. She is among the top 5% of residents I have "
            f"supervised in twenty years, and the nurses at {place} asked for her by name. I recommend "
            f"Dr. {person} without reservation for residency in internal medicine."
        )
    else:
        text = (
            f"Dr. {person} rotated with us at {place} for four weeks. He was punctual and pleasant. He "
            "required close supervision at times and needed reminders to complete his notes. I recommend "
            f"Dr. {person} for residency."
        )
    return text, (person, place)


def reply(slug: str, *, hedged: bool) -> tuple[str, tuple[str, ...]]:
    """A referee's answer carrying one marker token."""
    signer = f"Brannoch{slug}"
    if hedged:
        text = f"I can write you a letter, but I can't promise it will be a strong one. Prof {signer}"
    else:
        text = f"Absolutely, I would be delighted to write you a strong letter. Warmly, Prof {signer}"
    return text, (signer,)


BULLETS = (
    "clinical: Spotted early sepsis in a post-op patient on a night shift (Mar 2025)\n"
    "reliability: Covered 14 night shifts with every handover on time\n"
    "communication: Led family meetings for two palliative patients\n"
    "teamwork: Ran the ward's weekly sign-out huddle for three months\n"
    "feedback: Rewrote my discharge summaries after feedback"
)


# =============================================================================== small helpers
def last(result: Any) -> Any:
    return result.followups[-1] if result.followups else result.response


def message_text(message: Any) -> str:
    """Everything a user can read in a message: content, embeds and component labels."""
    if message is None:
        return ""
    parts = [message.content or ""]
    for embed in message.embeds:
        parts += [embed.title or "", embed.description or "", embed.footer.text or ""]
        parts += [f"{f.name}\n{f.value}" for f in embed.fields]
    parts += [json.dumps(message.components, ensure_ascii=False, default=component_dict)]
    return "\n".join(parts)


def component_dict(component: Any) -> Any:
    """Components of a ``discord.Message`` (simcord's own results already hold plain dicts)."""
    return component.to_dict() if hasattr(component, "to_dict") else repr(component)


async def result_text(result: Any) -> str:
    """Every message (and attachment, and modal) the bot produced for one interaction."""
    messages = [result.response, *result.followups]
    parts = [message_text(m) for m in messages]
    for message in messages:
        for attachment in message.attachments if message is not None else []:
            parts.append((await attachment.read()).decode("utf-8", "replace"))
    if result.modal:
        parts.append(json.dumps(result.modal, ensure_ascii=False))
    return "\n".join(parts)


def found(markers: tuple[str, ...] | list[str], blob: str | bytes) -> list[str]:
    """The markers present in ``blob`` in any case (also as UTF-16, in raw bytes)."""
    if isinstance(blob, str):
        low = blob.casefold()
        return [m for m in markers if m.casefold() in low]
    low = blob.lower()
    return [
        m
        for m in markers
        if m.lower().encode() in low
        or m.lower().encode("utf-16-le") in low
        or m.lower().encode("utf-16-be") in low
    ]


def connect(db_path: Path) -> sqlite3.Connection:
    return sqlite3.connect(db_path)


def all_tables(db_path: Path) -> list[str]:
    conn = connect(db_path)
    try:
        rows = conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        ).fetchall()
    finally:
        conn.close()
    return [r[0] for r in rows]


def columns(db_path: Path, table: str) -> list[str]:
    conn = connect(db_path)
    try:
        return [c[1] for c in conn.execute(f'PRAGMA table_info("{table}")')]
    finally:
        conn.close()


def user_tables(db_path: Path) -> list[str]:
    return [t for t in all_tables(db_path) if "user_id" in columns(db_path, t)]


def dump_tables(db_path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, every column."""
    conn = connect(db_path)
    try:
        return {
            table: sorted(conn.execute(f'SELECT * FROM "{table}"').fetchall(), key=repr)
            for table in all_tables(db_path)
        }
    finally:
        conn.close()


def rows_of(db_path: Path, user_id: int) -> dict[str, list[tuple]]:
    """Every row of ``user_id`` in every table with a user_id column."""
    conn = connect(db_path)
    try:
        return {
            table: sorted(
                conn.execute(f'SELECT * FROM "{table}" WHERE user_id = ?', (user_id,)).fetchall(), key=repr
            )
            for table in user_tables(db_path)
        }
    finally:
        conn.close()


def database_files(db_path: Path) -> list[Path]:
    candidates = [db_path, *(db_path.with_name(db_path.name + s) for s in ("-wal", "-shm", "-journal"))]
    return [p for p in candidates if p.exists()]


def files_under(root: Path) -> Iterator[Path]:
    return (p for p in root.rglob("*") if p.is_file())


# =============================================================================== logs at DEBUG
@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Capture every logger at DEBUG, including ones with their own level or that do not propagate."""
    caplog.set_level(logging.DEBUG)
    detached: list[logging.Logger] = []
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if not isinstance(logger, logging.Logger):
            continue
        if logger.level != logging.NOTSET:
            caplog.set_level(logging.DEBUG, logger=name)
        if not logger.propagate:  # its records land in the setup-phase records, which log_text() reads
            logger.addHandler(caplog.handler)
            detached.append(logger)
    yield caplog
    for logger in detached:
        logger.removeHandler(caplog.handler)


def log_text(caplog: pytest.LogCaptureFixture) -> str:
    """Message, raw msg, args, exception and stack of every record of every phase, plus the formatted log."""
    records = [*caplog.get_records("setup"), *caplog.records]
    parts = [caplog.text]
    for record in records:
        try:
            parts.append(record.getMessage())
        except (TypeError, ValueError):
            pass
        parts += [str(record.msg), repr(record.args), record.exc_text or "", record.stack_info or ""]
        if record.exc_info and record.exc_info[1] is not None:
            parts += traceback.format_exception(*record.exc_info)
    return "\n".join(parts)


# =============================================================================== one user, one place
@dataclass
class Place:
    """One user acting in their DM with the bot, or as a member in a server channel."""

    env: Any
    user: Any
    member: Any = None
    channel: Any = None
    covered: set[str] = field(default_factory=set)

    @property
    def actor(self) -> Any:
        return self.member or self.user

    async def slash(self, command: str, /, **options: Any) -> Any:
        self.covered.add(command)
        if self.member is not None:
            return await self.member.slash(self.channel, command, **options)
        return await self.user.slash(command, **options)

    async def menu(self, name: str, message: Any) -> Any:
        self.covered.add(name)
        return await self.member.context_menu(self.channel, name, message)

    async def autocomplete(self, command: str, option: str, typed: str) -> list[dict]:
        if self.member is not None:
            return await self.member.autocomplete(self.channel, command, option, typed)
        return await self.user.autocomplete(command, option, typed)

    async def click(self, message: Any, **how: Any) -> Any:
        return await self.actor.click(message, **how)

    async def submit(self, shown: Any, values: dict[str, str]) -> Any:
        return await self.actor.submit_modal(shown, values)


def slash_commands(bot: Any) -> set[str]:
    return {c.qualified_name for c in bot.tree.walk_commands() if isinstance(c, app_commands.Command)}


def context_menus(bot: Any) -> set[str]:
    return {c.name for c in bot.tree.get_commands() if isinstance(c, app_commands.ContextMenu)}


def labels(message: Any) -> list[str]:
    return [c.get("label") for row in message.components for c in row.get("components", [])]


async def check_letters(place: Place, tag: str) -> tuple[list[str], Any]:
    """Every way to check a letter (each with its own markers); returns the markers and a shareable result."""
    env, markers, results = place.env, [], []
    await env.advance_time(61)  # a fresh window of the 5-checks-a-minute limiter
    texts = {kind: letter(f"{tag}{kind}", strong=kind != "Docx") for kind in ("Typed", "Txt", "Pdf", "Docx")}
    for _, marks in texts.values():
        markers += marks
    results.append(await place.slash("letter check", text=texts["Typed"][0]))
    results.append(await place.slash("letter check", file=("letter.txt", texts["Txt"][0].encode())))
    pdf = fx.make_pdf([texts["Pdf"][0].split(". ")])
    results.append(await place.slash("letter check", file=("letter.pdf", pdf)))
    docx = fx.make_docx(texts["Docx"][0].split(". "))
    results.append(await place.slash("letter check", file=("letter.docx", docx)))
    pasted, marks = letter(f"{tag}Paste")
    markers += marks
    shown = await place.slash("letter paste")
    results.append(await place.submit(shown, {"letter_text": pasted}))
    for result in results:
        assert last(result).embeds and last(result).ephemeral, "every check produced a private verdict"
    return markers, results[0]


async def referee_work(place: Place, tag: str) -> list[str]:
    """The tracker, the ask checklist, e-mails, /today and /plan; returns the reply markers."""
    strong, unsure, spare = f"Dr Amal Haddad {tag}", f"Dr Lucas Berg {tag}", f"Dr Omar Farouk {tag}"
    await place.slash(
        "referee add",
        name=strong,
        label="strong",
        kind="us_clinical",
        title="Professor of Medicine",
        institution="Riverside Hospital",
        email="haddad@example.org",
        notes="Met on the wards",
    )
    await place.slash("referee add", name=unsure, label="unsure", kind="home_clinical")
    await place.slash("referee add", name=spare, label="weak")
    await place.slash("referee list")
    await place.slash("referee show", name=strong)
    await place.slash("referee edit", name=strong, how_known="Supervised me", last_worked="2025-11-01")
    await place.slash("referee circle", name=unsure)
    form = await place.slash("referee bullets", name=strong)
    await place.submit(form, {"bullets": BULLETS})
    today = await place.slash("today")
    await place.click(today.response, label="Mark as sent")  # the circled Unsure writer is now asked
    await place.slash("referee status", name=unsure, status="agreed_strong")
    asked = await place.slash("referee remove", name=spare)
    await place.click(asked.response, label="Remove")

    start = await place.slash("ask start", referee=strong)
    step = await place.click(start.response, label="Bullets ready")
    step = await place.click(step.response, label="I sent it")
    shown = await place.click(step.response, label="Paste their reply")
    modal_reply, modal_marks = reply(f"{tag}Modal", hedged=True)
    read = await place.submit(shown, {"reply_text": modal_reply})
    assert "Hedged" in read.response.embeds[0].title
    typed_reply, typed_marks = reply(f"{tag}Typed", hedged=False)
    answer = await place.slash("ask reply", text=typed_reply)
    assert "Enthusiastic" in answer.response.embeds[0].title
    await place.slash("ask email", referee=strong, kind="strong-request", specialty="Internal Medicine")
    await place.slash("plan", profile="some_us_observerships", reapplying=False, clinically_active=True)
    return [*modal_marks, *typed_marks]


async def reminder_work(place: Place, tag: str) -> None:
    await place.slash("timezone", zone="Asia/Kolkata")
    await place.slash("remind", when="in 2 hours", what=f"Email Dr Haddad {tag}")
    await place.slash("reminders")
    await place.slash("nudge daily", time="08:00")
    await place.slash("nudge off")


async def data_work(place: Place) -> None:
    exported = await place.slash("data export")
    assert {a.filename for a in last(exported).attachments} == {"lorcoach-data.json", "lorcoach-referees.csv"}
    asked = await place.slash("data delete")
    cancelled = await place.click(asked.response, label="Cancel")
    assert "Nothing was deleted" in cancelled.response.content


async def full_session(env: Any) -> tuple[list[str], list[Place]]:
    """One user runs every command in a DM and in a server; returns every marker and the two places."""
    user = env.create_user("ana")
    guild = env.create_guild()
    channel = guild.create_text_channel("general")
    dm = Place(env, user)
    server = Place(env, user, guild.add_member(user), channel)
    markers: list[str] = []
    for place, tag in ((dm, "Dm"), (server, "Srv")):
        await place.slash("help")
        await place.slash("about")
        markers += await referee_work(place, tag)
        await reminder_work(place, tag)
        checked, shareable = await check_letters(place, tag)
        markers += checked
        await data_work(place)
    shared = await server.click(last(shareable), label="Share with this channel")
    assert any("Shared" in m.content for m in shared.followups)
    await env.advance_time(61)
    menu_text, menu_marks = letter("SrvMenu", strong=False)
    markers += menu_marks
    posted = await server.member.send(channel, menu_text)
    checked = await server.menu("Check letter strength", posted)
    assert last(checked).embeds
    await env.advance_time(2 * HOUR + 60)  # the reminders are delivered by DM
    delivered = [m for m in user.dm_channel.history() if m.interaction_metadata is None and m.components]
    assert delivered, "the reminders were delivered"
    await user.click(delivered[-1], label="Done")
    return markers, [dm, server]


async def test_a_full_session_through_every_command_leaves_no_letter_or_reply_text_anywhere(
    debug_logs, simcord_env, db_path, tmp_path
):
    markers, places = await full_session(simcord_env)
    dm, server = places
    bot = simcord_env.bot
    assert dm.covered == slash_commands(bot), "the DM session ran every slash command"
    assert server.covered == slash_commands(bot) | context_menus(bot), "the server session ran every command"
    assert simcord_env.errors == [], "every command in the session succeeded"
    assert len(markers) == len(set(markers)) >= 20

    assert not found(markers, log_text(debug_logs)), "letter or reply text was logged"
    startup = debug_logs.get_records("setup")
    assert any(r.name == "lorcoach.db" for r in startup), "the bot's own logs were captured from startup"
    assert any(r.levelno == logging.DEBUG for r in debug_logs.records), "DEBUG records were captured"
    assert not found(markers, repr(dump_tables(db_path))), "letter or reply text is in a table"
    live = database_files(db_path)
    assert any(p.name.endswith("-wal") for p in live), "the WAL file exists while the bot runs"
    for path in live:
        assert not found(markers, path.read_bytes()), f"letter or reply text is in {path.name}"

    await simcord_env.restart_bot(create_bot())  # a fresh bot on the same files writes at startup too
    for path in [*database_files(db_path), *files_under(tmp_path)]:
        assert not found(markers, path.read_bytes()), f"letter or reply text is in {path}"
    assert not found(markers, log_text(debug_logs))


def test_production_debug_logging_never_emits_payloads(caplog):
    """simcord bypasses discord.py's HTTP and gateway code, whose DEBUG lines carry whole payloads (typed
    letter text included), and aiosqlite's DEBUG lines carry SQL parameters (referee names, notes): the
    production set-up must keep those loggers above DEBUG."""
    from bot.logs import PAYLOAD_LOGGERS, setup_logging

    root = logging.getLogger()
    saved = (root.level, list(root.handlers), {n: logging.getLogger(n).level for n in PAYLOAD_LOGGERS})
    text, marks = letter("Payload")
    try:
        setup_logging("DEBUG")
        caplog.set_level(logging.DEBUG)
        logging.getLogger("discord.http").debug("POST /interactions with %s has returned 200", text)
        logging.getLogger("discord.gateway").debug("For Shard ID %s: WebSocket Event: %s", 0, text)
        logging.getLogger("discord.webhook.async_").debug("Webhook ID %s with %s", 1, text)
        logging.getLogger("aiosqlite").debug("executing %s with %s", "INSERT INTO referees", text)
        logging.getLogger("lorcoach.audit").debug("the bot's own DEBUG lines still show")
    finally:
        root.setLevel(saved[0])
        root.handlers[:] = saved[1]
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)
    assert [r.name for r in caplog.records] == ["lorcoach.audit"]
    assert not found(marks, log_text(caplog))


# =============================================================================== 2. isolation
@dataclass
class Victim:
    """What user A owns, and the private strings B must never see."""

    member: Any
    referee_id: int
    other_referee_id: int
    reminder_id: int
    share_key: str
    shareable: Any
    secrets: tuple[str, ...]


VICTIM_NAME = "Dr Victim Rao"
VICTIM_OTHER = "Dr Victim Okafor"


async def victim_data(env: Any, guild: Any, channel: Any, db_path: Path) -> Victim:
    """A's referees, bullets, checklist progress, reminders, zone, nudge, profile and a shareable check."""
    a = Place(env, env.create_user("victim"), None, channel)
    a.member = guild.add_member(a.user)
    await a.slash(
        "referee add",
        name=VICTIM_NAME,
        label="strong",
        institution="Secretvale Institute",
        email="rao-private@example.org",
        notes="Private note Qelmor",
    )
    await a.slash("referee add", name=VICTIM_OTHER, label="unsure")
    form = await a.slash("referee bullets", name=VICTIM_NAME)
    await a.submit(form, {"bullets": "clinical: Managed the Pellucid ward alone at night"})
    start = await a.slash("ask start", referee=VICTIM_NAME)
    await a.click(start.response, label="Bullets ready")
    await a.slash("timezone", zone="Pacific/Chatham")
    await a.slash("remind", when="in 3 days", what="Private reminder Vantorel")
    await a.slash("nudge daily", time="08:00")
    await a.slash("plan", profile="older_grad")
    text, _ = letter("Victim")
    checked = await a.slash("letter check", text=text)
    share_id = next(c["custom_id"] for row in last(checked).components for c in row["components"])
    mine = rows_of(db_path, a.user.id)
    ref_id, other_id = (next(r[0] for r in mine["referees"] if n in r) for n in (VICTIM_NAME, VICTIM_OTHER))
    reminder_id = next(r[0] for r in mine["reminders"] if "Private reminder Vantorel" in r)
    secrets = (VICTIM_OTHER, "Secretvale", "rao-private", "Qelmor", "Pellucid", "Vantorel", "Pacific/Chatham")
    key = share_id.rsplit(":", 1)[1]
    return Victim(a.member, ref_id, other_id, reminder_id, key, last(checked), secrets)


@pytest.fixture
async def two_users(simcord_env, db_path):
    """A (with data everywhere) and B (with a little data of their own) in the same server channel."""
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    victim = await victim_data(simcord_env, guild, channel, db_path)
    b_user = simcord_env.create_user("attacker")
    attacker = Place(simcord_env, b_user, guild.add_member(b_user), channel)
    await attacker.slash("referee add", name="Dr Attacker Own", label="weak")
    await attacker.slash("remind", when="in 2 days", what="Attacker reminder")
    assert simcord_env.errors == [], "the set-up itself went through"
    return victim, attacker, channel


def assert_no_secret(victim: Victim, text: str, what: str) -> None:
    leaked = found(victim.secrets, text)
    assert not leaked, f"{what} showed A's private data: {leaked}"


async def test_b_cannot_reach_a_s_data_through_any_command(simcord_env, db_path, two_users):
    victim, b, _channel = two_users
    a_rows = rows_of(db_path, victim.member.id)
    by_name_or_id = [
        *(("referee show", {"name": n}) for n in (VICTIM_NAME, str(victim.referee_id))),
        ("referee edit", {"name": VICTIM_NAME, "notes": "overwritten by B"}),
        ("referee edit", {"name": str(victim.referee_id), "label": "weak"}),
        ("referee status", {"name": VICTIM_NAME, "status": "declined"}),
        ("referee circle", {"name": VICTIM_NAME}),
        ("referee bullets", {"name": VICTIM_NAME}),
        ("referee remove", {"name": VICTIM_NAME}),
        ("referee remove", {"name": str(victim.referee_id)}),
        ("ask start", {"referee": VICTIM_NAME}),
        ("ask start", {"referee": str(victim.referee_id)}),
        ("ask email", {"referee": VICTIM_NAME, "kind": "strong-request"}),
    ]
    for command, options in by_name_or_id:
        result = await b.slash(command, **options)
        assert result.ephemeral and result.modal is None, command
        assert "no referee called" in result.response.content, (command, result.response.content)
        assert_no_secret(victim, await result_text(result), f"/{command}")
    refused = simcord_env.errors
    assert len(refused) == len(by_name_or_id)
    assert all(isinstance(getattr(e, "original", e), UserFacingError) for e in refused)

    for command in ("referee list", "reminders", "plan", "today", "data export"):
        result = await b.slash(command)
        text = await result_text(result)
        assert_no_secret(victim, text, f"/{command}")
        assert VICTIM_NAME not in text and str(victim.member.id) not in text, command
    exported = json.loads(await last(result).attachments[0].read())
    rows = [row for table in exported["tables"].values() for row in table]
    assert rows and all(row["user_id"] == b.user.id for row in rows), "the export holds only B's rows"

    assert rows_of(db_path, b.user.id)["referees"], "B has data of their own to delete"
    wipe = await b.slash("data delete")
    await b.click(wipe.response, label="Delete everything")
    assert all(rows == [] for rows in rows_of(db_path, b.user.id).values()), "B's own data is gone"
    assert rows_of(db_path, victim.member.id) == a_rows, "nothing B did changed A's data"


async def test_autocomplete_only_ever_offers_the_callers_own_data(simcord_env, two_users):
    victim, b, _channel = two_users
    options = [
        (command.qualified_name, param.name)
        for command in simcord_env.bot.tree.walk_commands()
        if isinstance(command, app_commands.Command)
        for param in command.parameters
        if param.autocomplete
    ]
    assert len(options) >= 8, options  # every referee-name option, and the time zone
    offered: list[str] = []
    for command, option in options:
        for typed in ("", "dr", "victim", "rao", "okafor"):
            choices = await b.autocomplete(command, option, typed)
            text = json.dumps(choices, ensure_ascii=False)
            assert "Victim" not in text, (command, option, typed, choices)
            assert_no_secret(victim, text, f"autocomplete of /{command} {option}")
            offered += [c["name"] for c in choices]
    assert any("Dr Attacker Own" in name for name in offered), "B's own referee is offered"


# =============================================================================== crafted custom_ids
STEP_ACTIONS = (
    ("done", "prepare"),
    ("done", "ask"),
    ("paste", "read_reply"),
    ("paste", "decide"),
    ("remind", "follow_up"),
    ("agree_strong", "decide"),
    ("agree_hedged", "decide"),
    ("decline", "decide"),
    ("done", "assign"),
)
REMINDER_ACTIONS = ("h1", "am", "done", "cancel", "really", "keep")


def record_items(cls: type, owner: int, v: Victim) -> list[discord.ui.DynamicItem]:
    """Every variant of a button that names one of A's records (referee, reminder, share), for ``owner``."""
    ref, rid = v.referee_id, v.reminder_id
    builders = {
        "StepButton": lambda: [cls(action, owner, ref, step) for action, step in STEP_ACTIONS],
        "EmailButton": lambda: [cls(owner, ref, kind) for kind in EMAIL_KINDS],
        "OpenButton": lambda: [cls(owner, ref), cls(owner, v.other_referee_id)],
        "TodaySentButton": lambda: [cls(owner, ref), cls(owner, v.other_referee_id)],
        "RemoveButton": lambda: [cls(owner, ref, choice) for choice in ("yes", "no")],
        "ReminderAction": lambda: [cls(a, owner, rid, src) for a in REMINDER_ACTIONS for src in ("d", "p0")],
        "RefereeAction": lambda: [
            cls(a, owner, ref, mail) for a in ("draft", "sent", "tonight") for mail in ("sr", "fu", "sp")
        ],
        "ShareButton": lambda: [cls(owner, v.share_key)],
    }
    return builders[cls.__name__]() if cls.__name__ in builders else []


def owner_only_items(cls: type, owner: int) -> list[discord.ui.DynamicItem]:
    """Buttons that carry only their owner's id: pressed by their owner they act on the owner's own data."""
    builders = {
        "WipeButton": lambda: [cls(owner, "yes"), cls(owner, "no")],
        "PageButton": lambda: [cls(owner, 0, "n"), cls(owner, 1, "p")],
        "ListPage": lambda: [cls(owner, 0, "Next")],
        "StopNudges": lambda: [cls(owner)],
        "PlanActionButton": lambda: [cls(owner, n) for n in range(3)],
    }
    return builders[cls.__name__]() if cls.__name__ in builders else []


def registered_items(bot: Any) -> list[type]:
    """Every DynamicItem class the bot registered (the classes of the modules the bot itself loaded)."""
    classes = list(bot._connection._view_store._dynamic_items.values())
    assert classes, "the bot registers dynamic items"
    return classes


def public_view(channel: Any, bystander: Any) -> list[str]:
    """What anyone else in the channel can read."""
    return [f"{m.id}:{message_text(m)}" for m in channel.history(viewer=bystander)]


async def replay(env: Any, channel: Any, item: discord.ui.DynamicItem) -> discord.Message:
    """Have the bot post a public message carrying ``item``'s custom_id (as a leaked or forged id would)."""
    pattern = type(item).__discord_ui_compiled_template__
    assert pattern.fullmatch(item.custom_id), f"{item.custom_id} must reach {type(item).__name__}"
    view = discord.ui.View(timeout=None)
    view.add_item(item)
    return await env.bot.get_channel(channel.id).send("replayed", view=view)


async def test_every_button_crafted_with_a_s_ids_is_refused_to_b(simcord_env, db_path, two_users):
    victim, b, channel = two_users
    bystander = channel.guild.add_member(simcord_env.create_user("bystander"))
    classes = registered_items(simcord_env.bot)
    a_id = victim.member.id
    covered = set()
    for cls in classes:
        items = record_items(cls, a_id, victim) + owner_only_items(cls, a_id)
        assert items, f"{cls.__name__} is a new dynamic item: add it to this audit"
        for item in items:
            posted = await replay(simcord_env, channel, item)
            before, public = dump_tables(db_path), public_view(channel, bystander)
            result = await b.member.click(posted, custom_id=item.custom_id)
            assert result.ephemeral and NOT_YOURS in result.response.content, (item.custom_id, result)
            assert result.modal is None and not result.followups, item.custom_id
            assert dump_tables(db_path) == before, f"{item.custom_id} changed the database"
            assert public_view(channel, bystander) == public, f"{item.custom_id} posted or edited publicly"
            covered.add(cls)
    assert covered == set(classes)
    assert simcord_env.errors == [], "refusals are answered, not crashes"

    shared = await victim.member.click(victim.shareable, label="Share with this channel")
    assert any("Shared" in m.content for m in shared.followups), "A's own share still works afterwards"


async def test_buttons_forged_with_b_s_id_and_a_s_record_ids_are_refused(simcord_env, db_path, two_users):
    victim, b, channel = two_users
    bystander = channel.guild.add_member(simcord_env.create_user("bystander"))
    classes = registered_items(simcord_env.bot)
    with_records = [cls for cls in classes if record_items(cls, b.user.id, victim)]
    owner_only = [cls for cls in classes if owner_only_items(cls, b.user.id)]
    assert not set(with_records) & set(owner_only)
    assert set(with_records) | set(owner_only) == set(classes), "every dynamic item class is classified"
    for cls in with_records:
        for item in record_items(cls, b.user.id, victim):
            posted = await replay(simcord_env, channel, item)
            public = public_view(channel, bystander)
            before = dump_tables(db_path)
            result = await b.member.click(posted, custom_id=item.custom_id)
            assert result.acknowledged and result.modal is None, f"{item.custom_id} was not refused"
            assert dump_tables(db_path) == before, f"{item.custom_id} changed the database"
            assert_no_secret(victim, await result_text(result), item.custom_id)
            assert VICTIM_NAME not in await result_text(result), item.custom_id
            now_public = public_view(channel, bystander)
            assert len(now_public) == len(public), f"{item.custom_id} posted publicly"
            assert_no_secret(victim, "\n".join(now_public), item.custom_id)
    assert simcord_env.errors == [], "refusals are answered, not crashes"

    # the controls: the same kind of button works for the owner of the record
    open_button = next(cls for cls in classes if cls.__name__ == "OpenButton")
    b_ref = rows_of(db_path, b.user.id)["referees"][0][0]
    for owner, referee_id, name in ((b, b_ref, "Dr Attacker Own"), (victim, victim.referee_id, VICTIM_NAME)):
        actor = owner.member
        posted = await replay(simcord_env, channel, open_button(actor.id, referee_id))
        opened = await actor.click(posted, label="Open checklist")
        assert name in opened.response.embeds[0].title


# =============================================================================== 3. /data delete scan
async def populate(place: Place, tag: str) -> None:
    """Rows in every user table, made through commands only."""
    await place.slash("referee add", name=f"Dr Keeper {tag}", label="strong", email=f"{tag}@example.org")
    await place.slash("referee add", name=f"Dr Second {tag}", label="unsure")
    form = await place.slash("referee bullets", name=f"Dr Keeper {tag}")
    await place.submit(form, {"bullets": f"clinical: Ran the {tag} night clinic\nteamwork: Led handoffs"})
    start = await place.slash("ask start", referee=f"Dr Keeper {tag}")
    await place.click(start.response, label="Bullets ready")
    await place.slash("referee status", name=f"Dr Second {tag}", status="asked")  # follow-up reminders
    await place.slash("timezone", zone="Europe/Berlin")
    await place.slash("remind", when="in 3 hours", what=f"Reminder text {tag}")
    await place.slash("remind", when="in 2 minutes", what=f"Soon {tag}")
    await place.env.advance_time(121)  # delivered by DM: the DM channel id is remembered (dm_channels)
    await place.slash("nudge daily", time="07:30")
    await place.slash("plan", profile="research_heavy", reapplying=True)


def user_columns(db_path: Path) -> dict[str, list[str]]:
    """Per table, every column that names a Discord user (``*user_id``, ``owner_id`` and the like)."""
    out = {}
    for table in all_tables(db_path):
        named = [c for c in columns(db_path, table) if c.endswith("user_id") or c in USER_COLUMNS]
        if named:
            out[table] = named
    return out


def count_where(db_path: Path, table: str, column: str, value: int) -> int:
    conn = connect(db_path)
    try:
        return conn.execute(f'SELECT COUNT(*) FROM "{table}" WHERE "{column}" = ?', (value,)).fetchone()[0]
    finally:
        conn.close()


def cells_mentioning(db_path: Path, value: int) -> list[tuple[str, tuple]]:
    """Every row, in any table and any column, that holds ``value`` or text containing it."""
    hits = []
    for table, rows in dump_tables(db_path).items():
        for row in rows:
            if any(cell == value or str(value) in str(cell) for cell in row):
                hits.append((table, row))
    return hits


def orphans(db_path: Path) -> list[tuple[str, int]]:
    """Rows whose foreign key points at no parent (counted directly, whatever PRAGMA foreign_keys says)."""
    conn = connect(db_path)
    try:
        found_orphans = []
        for table in all_tables(db_path):
            keys: dict[int, list[tuple[str, str, str]]] = {}
            for fk in conn.execute(f'PRAGMA foreign_key_list("{table}")'):
                keys.setdefault(fk[0], []).append((fk[2], fk[3], fk[4]))  # parent table, from, to
            for parts in keys.values():
                parent = parts[0][0]
                match = " AND ".join(f'p."{to}" = c."{frm}"' for _, frm, to in parts)
                count = conn.execute(
                    f'SELECT COUNT(*) FROM "{table}" AS c WHERE NOT EXISTS '
                    f'(SELECT 1 FROM "{parent}" AS p WHERE {match})'
                ).fetchone()[0]
                if count:
                    found_orphans.append((table, count))
        return found_orphans
    finally:
        conn.close()


async def test_data_delete_leaves_no_trace_of_the_user_in_any_table(simcord_env, db_path):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    a_user, b_user = simcord_env.create_user("ana"), simcord_env.create_user("bo")
    a = Place(simcord_env, a_user, guild.add_member(a_user), channel)
    b = Place(simcord_env, b_user)  # B works in DMs
    await populate(a, "Ysolde")
    await populate(b, "Bertil")
    assert simcord_env.errors == []
    for table, rows in rows_of(db_path, a_user.id).items():
        assert rows, f"populate() must give A rows in {table} (a new table? add a command that fills it)"
    b_before = rows_of(db_path, b_user.id)
    assert all(b_before.values())
    assert set(all_tables(db_path)) - set(user_tables(db_path)) == BOT_TABLES, (
        "a table without a user_id column would escape export and delete"
    )
    a_referees = [row[0] for row in rows_of(db_path, a_user.id)["referees"]]

    asked = await a.slash("data delete")
    done = await a.click(asked.response, label="Delete everything")
    assert "no longer stores anything" in done.response.content

    for table, names in user_columns(db_path).items():
        for column in names:
            assert count_where(db_path, table, column, a_user.id) == 0, f"{table}.{column} still names A"
    assert cells_mentioning(db_path, a_user.id) == [], "A's id is still somewhere in the database"
    for table in all_tables(db_path):  # referee ids are small numbers: look only where one can be
        for column in columns(db_path, table):
            if column.endswith("referee_id") or (table, column) == ("referees", "id"):
                for referee_id in a_referees:
                    assert count_where(db_path, table, column, referee_id) == 0, f"{table}.{column} -> A"
    assert not found(["Ysolde"], repr(dump_tables(db_path))), "A's text is still in a table"
    assert rows_of(db_path, b_user.id) == b_before, "B's rows are intact"
    assert await simcord_env.bot.db.fetchval("PRAGMA foreign_keys") == 1
    conn = connect(db_path)
    try:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()
    assert orphans(db_path) == []


async def test_deleted_text_is_not_left_in_the_database_files(simcord_env, db_path):
    a_user, b_user = simcord_env.create_user("ana"), simcord_env.create_user("bo")
    await populate(Place(simcord_env, a_user), "Ysolde")
    await populate(Place(simcord_env, b_user), "Bertil")
    asked = await a_user.slash("data delete")
    await a_user.click(asked.response, label="Delete everything")
    files = database_files(db_path)
    assert found(["Bertil"], b"".join(p.read_bytes() for p in files)), "B's data is on disk (the check works)"
    for path in files:
        assert not found(["Ysolde"], path.read_bytes()), f"A's deleted text is still readable in {path.name}"


# =============================================================================== 4. file permissions
def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o002, 0o000], ids=["umask022", "umask002", "umask000"])
def umask(request: pytest.FixtureRequest) -> Iterator[int]:
    """A permissive umask while the bot starts (request it BEFORE simcord_env)."""
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


async def test_database_and_side_files_are_owner_only_whatever_the_umask(umask, simcord_env, db_path):
    user = simcord_env.create_user("ana")
    await user.slash("referee add", name="Dr Rao", label="strong")  # a write: the WAL is in use
    files = database_files(db_path)
    assert {p.name[len(db_path.name) :] for p in files} >= {"", "-wal", "-shm"}
    for path in files:
        assert mode(path) == 0o600, f"{path.name} is {oct(mode(path))} under umask {oct(umask)}"
    await simcord_env.restart_bot(create_bot())
    await user.slash("referee list")
    for path in database_files(db_path):
        assert mode(path) == 0o600, f"{path.name} after a restart"


async def test_an_existing_database_file_is_made_owner_only(db_path):
    db_path.parent.mkdir(parents=True)
    db_path.touch()
    db_path.chmod(0o644)
    database = Database(db_path)
    await database.connect()
    try:
        await database.migrate()
        assert mode(db_path) == 0o600
    finally:
        await database.close()


@pytest.mark.parametrize("mask", [0o022, 0o000])
async def test_the_data_folder_the_bot_creates_is_owner_only(db_path, mask):
    assert not db_path.parent.exists()
    old = os.umask(mask)
    database = Database(db_path)
    try:
        await database.connect()
    finally:
        os.umask(old)
        await database.close()
    assert mode(db_path.parent) == 0o700, oct(mode(db_path.parent))
