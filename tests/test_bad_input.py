"""The bad-input catalogue (issue 8): every command fed hostile text, every file kind broken in every way.

For each case: the bot answers with a clear, private message (never the crash text, never a traceback),
echoes nothing that could ping or render as markdown, keeps serving, and leaves the database either
unchanged (a refusal) or holding the value it accepted, with ``PRAGMA integrity_check`` still "ok".

Loops collect every problem before failing, so one run reports every input that misbehaves.
"""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import discord
import pytest
from discord import app_commands

sys.path.insert(0, str(Path(__file__).parent))

import bad_inputs as bi
from bad_inputs import BAD_FILES, HOSTILE
from sqlite_rows import rows

from bot.problems import UserFacingError

CRASH = "went wrong on my side"
USER_TABLES = (
    "referees",
    "referee_bullets",
    "ask_progress",
    "reminder_prefs",
    "reminders",
    "applicant_profiles",
)
_PY_ERROR = re.compile(r"Traceback|\b[A-Z]\w*(?:Error|Exception)\(|File \"/")
_ZW = dict.fromkeys(map(ord, "\u200b"), None)
_UNESCAPE = re.compile(r"\\(.)")


# ================================================================================================== helpers


@dataclass
class Seat:
    """One person, either in their DM with the bot or as a member typing in a server channel."""

    actor: Any
    channel: Any | None = None

    @property
    def in_server(self) -> bool:
        return self.channel is not None

    @property
    def user_id(self) -> int:
        return self.actor.id

    async def slash(self, command: str, /, **options: Any) -> Any:
        if self.channel is None:
            return await self.actor.slash(command, **options)
        return await self.actor.slash(self.channel, command, **options)

    async def autocomplete(self, command: str, option: str, value: str, /, **filled: Any) -> list[dict]:
        if self.channel is None:
            return await self.actor.autocomplete(command, option, value, **filled)
        return await self.actor.autocomplete(self.channel, command, option, value, **filled)

    async def click(self, message: Any, **how: str) -> Any:
        return await self.actor.click(message, **how)

    async def submit(self, shown: Any, values: dict[str, str]) -> Any:
        return await self.actor.submit_modal(shown, values)


@dataclass
class Person:
    """The same user in a DM and in a server: both seats share one user id (and one set of data)."""

    dm: Seat
    server: Seat

    def seat(self, index: int) -> Seat:
        """Alternate so every command runs hostile input both in DMs and in a server."""
        return self.server if index % 2 else self.dm


def person(env: Any, name: str) -> Person:
    user = env.create_user(name)
    guild = env.create_guild()
    channel = guild.create_text_channel("general")
    return Person(Seat(user), Seat(guild.add_member(user), channel))


def messages(result: Any) -> list[Any]:
    found = [result.response] if result.response is not None else []
    return found + list(result.followups)


def embed_text(embed: discord.Embed) -> str:
    parts = [embed.title or "", embed.description or "", embed.footer.text or "", embed.author.name or ""]
    parts += [f"{f.name}\n{f.value}" for f in embed.fields]
    return "\n".join(parts)


def message_text(message: Any) -> str:
    return "\n".join([message.content or "", *(embed_text(e) for e in message.embeds)])


def all_text(result: Any) -> str:
    return "\n".join(message_text(m) for m in messages(result))


def classify(errors: Any) -> tuple[list[str], list[str]]:
    """Split errors the bot raised into friendly refusals (their text) and unexpected failures."""
    friendly, unexpected = [], []
    for error in errors:
        inner = getattr(error, "original", None) or error.__cause__ or error
        if isinstance(inner, UserFacingError | app_commands.CommandOnCooldown):
            friendly.append(str(inner))
        else:
            unexpected.append(f"{type(error).__name__}: {type(inner).__name__}: {str(inner)[:160]}")
    return friendly, unexpected


def unexpected_errors(env: Any) -> list[str]:
    """Read (and so acknowledge) every error so far; return the ones that are not friendly refusals."""
    return classify(env.errors)[1]


def answer_problems(result: Any, seat: Seat, *, modal_ok: bool = False) -> list[str]:
    """What is wrong with the bot's answer to one hostile input (an empty list when all is well)."""
    if modal_ok and result.modal is not None:
        return []
    found = messages(result)
    if not found:
        return ["no answer at all"]
    problems = []
    text = all_text(result)
    if len(text.strip()) < 10:
        problems.append(f"answer too thin: {text!r}")
    if CRASH in text:
        problems.append("the generic crash message")
    if _PY_ERROR.search(text):
        problems.append(f"looks like a traceback: {text[:200]!r}")
    if bi.raw_mentions(text):
        problems.append(f"raw mention echoed: {bi.raw_mentions(text)}")
    if bi.raw_markup(text):
        problems.append(f"raw markdown echoed: {bi.raw_markup(text)}")
    if seat.in_server and not all(m.ephemeral for m in found):
        problems.append("answer in a server was not ephemeral")
    return problems


def acknowledge(env: Any) -> None:
    """Mark the errors read so far as seen (simcord fails a test on errors nobody read)."""
    assert isinstance(env.errors, list)


def snapshot(db_path: Path) -> dict[str, list[tuple]]:
    """Every row of every table holding user data (ordered), to prove a refusal wrote nothing."""
    return {table: sorted(map(repr, rows(db_path, f"SELECT * FROM {table}"))) for table in USER_TABLES}


def integrity(db_path: Path) -> str:
    return rows(db_path, "PRAGMA integrity_check")[0][0]


async def still_serving(env: Any, seat: Seat) -> None:
    """A normal command right after the hostile ones answers normally (and raises nothing)."""
    cursor = env.error_cursor
    result = await seat.slash("referee list")
    assert result.response is not None and "referee" in all_text(result).lower()
    assert env.errors_since(cursor) == ()


def visible(text: str) -> str:
    """What a Discord reader sees: markdown escapes and the zero-width mention breakers removed."""
    return _UNESCAPE.sub(r"\1", text).translate(_ZW)


def report(problems: dict[str, list[str]]) -> str:
    return "\n".join(f"{name}: {'; '.join(found)}" for name, found in problems.items())


# ===================================================================================== the catalogue itself


def test_the_catalogue_covers_every_kind_of_hostile_input():
    values = list(HOSTILE.values())
    chars = "".join(values)
    assert "" in values and any(v and not v.strip() for v in values), "empty and blank"
    assert max(map(len, values)) >= 100_000 and any(9_000 < len(v) <= 10_000 for v in values), "10k and 100k"
    assert any(len(v) >= 5000 and " " not in v for v in values), "one very long word"
    assert any(ch < " " and ch not in "\t\n\r" for ch in chars) and any(
        "\x80" <= ch <= "\x9f" for ch in chars
    )
    for needed in ("\x00", "\u202e", "\u200d", "\uffff", "@everyone", "<@&", "<#", "||", "```", "](http"):
        assert needed in chars, repr(needed)
    assert {"AL", "R"} <= {unicodedata.bidirectional(ch) for ch in chars}, "Arabic and Hebrew"
    assert any("\U0001f1e6" <= ch <= "\U0001f1ff" for ch in chars), "flags"
    names = {f.name for f in BAD_FILES}
    for kind in (
        "encrypted_pdf",
        "truncated_pdf",
        "pdf_bad_xref",
        "scanned_pdf",
        "pdf_over_1mb",
        "docx_zip_bomb",
    ):
        assert kind in names
    empties = {f.filename.rsplit(".", 1)[-1] for f in BAD_FILES if f.name.startswith("empty_")}
    assert empties == {"pdf", "docx", "txt"}
    assert len(bi.docx_zip_bomb()) < 100_000, "the bomb fixture itself stays small"


# ============================================================================= every command × every string

REAL = "Dr Real Person"
ASKED = "Dr Asked Person"
EDITED = "Dr Edit Me"
Prepared = tuple[Seat, Any]
Preparer = Callable[[Any, Seat, int], Awaitable[Prepared]]
Runner = Callable[[Seat, str, Any], Awaitable[Any]]


async def _add(seat: Seat, name: str, label: str = "unsure") -> None:
    result = await seat.slash("referee add", name=name, label=label)
    assert "Added" in result.response.content, result.response.content


def _new_seat(env: Any, seat: Seat, index: int) -> Seat:
    """A new person in the same kind of seat (letter checks are rate-limited; adds must not pile up)."""
    fresh = person(env, f"p{index}")
    return fresh.server if seat.in_server else fresh.dm


async def _same(env: Any, seat: Seat, index: int) -> Prepared:
    return seat, None


async def _fresh(env: Any, seat: Seat, index: int) -> Prepared:
    return _new_seat(env, seat, index), None


async def _edited_name(env: Any, seat: Seat, index: int) -> Prepared:
    """The current name of the referee being edited (a hostile rename may have been accepted)."""
    name = await env.bot.db.fetchval(
        "SELECT name FROM referees WHERE user_id = ? ORDER BY id DESC LIMIT 1", (seat.user_id,)
    )
    return seat, name


async def _paste_form(env: Any, seat: Seat, index: int) -> Prepared:
    fresh = _new_seat(env, seat, index)
    return fresh, await fresh.slash("letter paste")


async def _bullets_form(env: Any, seat: Seat, index: int) -> Prepared:
    return seat, await seat.slash("referee bullets", name=REAL)


def component_ids(message: Any, prefix: str) -> list[str]:
    """The custom ids of the message's buttons that start with ``prefix``."""
    return [
        item["custom_id"]
        for row in message.components
        for item in row.get("components", [])
        if str(item.get("custom_id", "")).startswith(prefix)
    ]


def component_id(message: Any, prefix: str) -> str:
    found = component_ids(message, prefix)
    assert found, f"no button whose custom_id starts with {prefix!r}"
    return found[0]


async def _reply_form(env: Any, seat: Seat, index: int) -> Prepared:
    """The checklist's "paste their reply" form, for a writer already asked (one writer, many replies)."""
    checklist = await seat.slash("ask start", referee=ASKED)
    paste = component_id(checklist.response, "ask:paste:")
    return seat, await seat.click(checklist.response, custom_id=paste)


def _slash(command: str, *options: str, **fixed: Any) -> Runner:
    """Run ``command`` with the hostile value in every option named."""

    async def run(seat: Seat, value: str, ctx: Any) -> Any:
        return await seat.slash(command, **dict.fromkeys(options, value), **fixed)

    return run


async def _lookup(seat: Seat, value: str, ctx: Any) -> Any:
    """Every command that finds a referee by name, in turn."""
    command = LOOKUPS[len(value) % len(LOOKUPS)]
    extra = {"status": "asked"} if command == "referee status" else {}
    return await seat.slash(command, name=value, **extra)


def _edit(*options: str) -> Runner:
    async def run(seat: Seat, value: str, name: str) -> Any:
        return await seat.slash("referee edit", name=name, **dict.fromkeys(options, value))

    return run


def _submit(field_id: str, template: str = "{}") -> Runner:
    async def run(seat: Seat, value: str, shown: Any) -> Any:
        return await seat.submit(shown, {field_id: template.format(value)})

    return run


async def _context_menu(seat: Seat, value: str, ctx: Any) -> Any:
    message = await seat.actor.send(seat.channel, value)
    return await seat.actor.context_menu(seat.channel, "Check letter strength", message)


@dataclass(frozen=True)
class Case:
    """One command option fed hostile strings (each clipped to what a Discord client can send)."""

    id: str
    run: Runner
    low: int | None = None
    high: int | None = None
    writes: bool = True
    prepare: Preparer = _same
    modal_ok: bool = False
    server_only: bool = False
    full: bool = False  # the whole catalogue instead of a representative subset
    nonblank: bool = False  # Discord refuses to send a blank message


LOOKUPS = ("referee show", "referee status", "referee circle", "referee bullets", "referee remove")
GROUPS: dict[str, tuple[Case, ...]] = {
    "referee add": (
        Case("referee add name", _slash("referee add", "name", label="strong"), prepare=_fresh, full=True),
        Case(
            "referee add title+institution+notes",
            _slash("referee add", "title", "institution", "notes", name="Dr Fields", label="weak"),
            prepare=_fresh,
        ),
        Case(
            "referee add email", _slash("referee add", "email", name="Dr Mail", label="weak"), prepare=_fresh
        ),
    ),
    "referee edit and lookups": (
        # lookups first: once a hostile rename is accepted, that name is a real referee
        Case(
            "referee show|status|circle|bullets|remove name", _lookup, writes=False, modal_ok=True, full=True
        ),
        Case("referee edit new_name", _edit("new_name"), prepare=_edited_name),
        Case(
            "referee edit free text",
            _edit("title", "institution", "how_known", "known_for", "notes"),
            prepare=_edited_name,
        ),
        Case("referee edit email+dates", _edit("email", "last_worked", "letter_date"), prepare=_edited_name),
    ),
    "ask": (
        Case("ask start referee", _slash("ask start", "referee"), 1, 100, writes=False),
        Case(
            "ask email referee", _slash("ask email", "referee", kind="strong-request"), 1, 100, writes=False
        ),
        Case(
            "ask email specialty+deadline",
            _slash("ask email", "specialty", "deadline", referee=REAL, kind="follow-up"),
            1,
            10,
            writes=False,
        ),
        Case(
            "ask email specialty",
            _slash("ask email", "specialty", referee=REAL, kind="strong-request"),
            1,
            80,
            writes=False,
        ),
        Case("ask reply text", _slash("ask reply", "text"), 1, 2000, writes=False),
        Case("ask reply form", _submit("reply_text"), 1, 2000, prepare=_reply_form),
    ),
    "letters": (
        Case(
            "letter check text",
            _slash("letter check", "text"),
            1,
            6000,
            writes=False,
            prepare=_fresh,
            full=True,
        ),
        Case("letter paste form", _submit("letter_text"), 1, 4000, writes=False, prepare=_paste_form),
        Case(
            "Check letter strength menu",
            _context_menu,
            1,
            2000,  # a message's own limit
            writes=False,
            prepare=_fresh,
            server_only=True,
            nonblank=True,
        ),
    ),
    "reminders": (
        Case("remind when", _slash("remind", "when", what="Email Dr Rao"), 1, 100),
        Case("remind what", _slash("remind", "what", when="in 2 hours"), 1, 300),
        Case("timezone zone", _slash("timezone", "zone"), 1, 64),
        Case("nudge daily time", _slash("nudge daily", "time"), 1, 20),
    ),
    "bullets form": (
        Case("referee bullets form (raw)", _submit("bullets"), 0, 4000, prepare=_bullets_form),
        Case(
            "referee bullets form (text)", _submit("bullets", "clinical: {}"), 0, 3980, prepare=_bullets_form
        ),
    ),
}
CASES = [case for cases in GROUPS.values() for case in cases]

#: Every free-text option some case feeds (checked against the real command tree below).
TESTED_OPTIONS = {
    *(f"referee add:{o}" for o in ("name", "title", "institution", "notes", "email")),
    *(f"{command}:name" for command in (*LOOKUPS, "referee edit")),
    *(
        f"referee edit:{o}"
        for o in ("new_name", "title", "institution", "how_known", "known_for", "notes", "email")
    ),
    "referee edit:last_worked",
    "referee edit:letter_date",
    *(
        f"ask {o}"
        for o in ("start:referee", "email:referee", "email:specialty", "email:deadline", "reply:text")
    ),
    "letter check:text",
    "remind:when",
    "remind:what",
    "timezone:zone",
    "nudge daily:time",
}


def case_inputs(case: Case) -> list[str]:
    """The whole catalogue, or a representative subset (which members of each kind rotates per case)."""
    return list(HOSTILE) if case.full else bi.representative(CASES.index(case))


async def test_every_command_and_every_kind_of_input_appear_in_the_cross_product(simcord_env):
    covered = {name for case in CASES for name in case_inputs(case)}
    assert covered == set(HOSTILE), sorted(set(HOSTILE) - covered)
    for case in CASES:
        kinds = {bi.kind_of(name) for name in case_inputs(case)}
        assert kinds == set(bi.KINDS), (case.id, set(bi.KINDS) - kinds)
    string_options = {
        f"{command.qualified_name}:{parameter.display_name}"
        for command in simcord_env.bot.tree.walk_commands()
        if isinstance(command, app_commands.Command)
        for parameter in command.parameters
        if parameter.type is discord.AppCommandOptionType.string and not parameter.choices
    }
    assert string_options, "the tree was read"
    assert string_options <= TESTED_OPTIONS, sorted(string_options - TESTED_OPTIONS)


async def _run_case(env: Any, db_path: Path, ana: Person, case: Case) -> dict[str, list[str]]:
    """Feed one case its inputs; return the problems found, by input name."""
    problems: dict[str, list[str]] = {}
    for index, name in enumerate(case_inputs(case)):
        value = bi.fit(HOSTILE[name], case.low, case.high)
        if value is None or (case.nonblank and not value.strip()):
            continue  # Discord itself refuses to send it
        seat, ctx = await case.prepare(env, ana.server if case.server_only else ana.seat(index), index)
        assert unexpected_errors(env) == [], f"{case.id} / {name}: preparing the case failed"
        before, cursor = snapshot(db_path), env.error_cursor
        result = await case.run(seat, value, ctx)
        friendly, unexpected = classify(env.errors_since(cursor))
        found = [f"error: {e}" for e in unexpected] + answer_problems(result, seat, modal_ok=case.modal_ok)
        refused = friendly or "Nothing was saved" in all_text(result)
        if (not case.writes or refused) and snapshot(db_path) != before:
            found.append("the database changed although nothing should have been written")
        if found:
            problems[f"{case.id} / {name}"] = found
    acknowledge(env)  # every error was classified above
    return problems


@pytest.mark.parametrize("group", GROUPS)
async def test_every_command_option_survives_hostile_strings(simcord_env, db_path, group: str):
    ana = person(simcord_env, "ana")
    for name in (REAL, ASKED, EDITED):
        await _add(ana.dm, name)
    await ana.dm.slash("referee status", name=ASKED, status="asked")
    problems: dict[str, list[str]] = {}
    for case in GROUPS[group]:
        problems |= await _run_case(simcord_env, db_path, ana, case)
    assert not problems, report(problems)
    assert integrity(db_path) == "ok"
    await still_serving(simcord_env, ana.server)


# ============================================================================ the leak detectors themselves


def test_the_leak_detectors_see_live_mentions_and_markdown_but_not_escaped_ones():
    assert bi.raw_mentions("hi @everyone") == ["@everyone"]
    assert bi.raw_mentions(f"<@{bi.SNOWFLAKE}> <@&{bi.SNOWFLAKE}> <@!{bi.SNOWFLAKE}>") != []
    assert bi.raw_mentions(discord.utils.escape_mentions(HOSTILE["everyone"] + HOSTILE["role_mention"])) == []
    assert bi.raw_mentions("```\n@everyone\n```") == [], "inside a code block it is inert"
    assert bi.raw_mentions("``` x ``` @here ```") == ["@here"], "a fence broken open leaks"
    assert bi.raw_markup("**bold** and ||spoiler||") == ["**bold**", "||spoiler||"]
    assert (
        bi.raw_markup(discord.utils.escape_markdown(HOSTILE["bold"] + HOSTILE["spoiler"] + HOSTILE["link"]))
        == []
    )
    assert visible("\\*\\*x\\*\\* @\u200beveryone") == "**x** @everyone"


# ======================================================================== what is stored round-trips safely

#: Names a person may really have, or that try to break the display (all within the 80-character limit):
#: every one is stored, and every view shows it inert.
DISPLAY_NAMES = (
    "emoji",
    "emoji_zwj",
    "flags",
    "arabic",
    "hebrew",
    "mixed_rtl",
    "bidi_override",
    "everyone",
    "user_mention",
    "role_mention",
    "bold",
    "spoiler",
    "link",
    "two_links",
    "code_fence",
    "fence_breakout",
    "inline_code",
    "backslashes",
    "html",
    "heading_quote_list",
    "timestamp",
)


def stored_names(db_path: Path, user_id: int) -> list[str]:
    return [
        row[0] for row in rows(db_path, "SELECT name FROM referees WHERE user_id = ? ORDER BY id", (user_id,))
    ]


PER_NAME = (
    lambda name: ("referee show", {"name": name}),
    lambda name: ("ask start", {"referee": name[:100]}),
    lambda name: ("ask email", {"referee": name[:100], "kind": "strong-request"}),
    lambda name: ("referee remove", {"name": name}),
)


async def test_hostile_referee_names_are_stored_and_every_view_shows_them_inert(simcord_env, db_path):
    ana = person(simcord_env, "ana")
    for index, key in enumerate(DISPLAY_NAMES):
        await ana.seat(index).slash("referee add", name=HOSTILE[key], label=("strong", "unsure")[index % 2])
    assert unexpected_errors(simcord_env) == []
    stored = stored_names(db_path, ana.dm.user_id)
    assert len(stored) == len(DISPLAY_NAMES), "names people really have (emoji, RTL, markup) are all kept"
    assert not [name for name in stored if any(unicodedata.category(ch) == "Cc" for ch in name)]
    problems: dict[str, list[str]] = {}
    for index, command in enumerate(("referee list", "today", "plan")):
        result = await ana.seat(index).slash(command)
        problems[command] = answer_problems(result, ana.seat(index))
        for button in component_ids(result.response, "plan:"):  # the plan's "next three actions"
            clicked = await ana.seat(index).click(result.response, custom_id=button)
            problems[f"plan button {button}"] = answer_problems(clicked, ana.seat(index))
    for index, name in enumerate(stored):  # each name through two of the four per-name views, in turn
        for view in (PER_NAME[index % 4], PER_NAME[(index + 1) % 4]):
            command, options = view(name)
            result = await ana.seat(index).slash(command, **options)
            found = answer_problems(result, ana.seat(index))
            if name.translate(_ZW) not in visible(all_text(result)):
                found.append("the name is not shown as typed")
            problems[f"{command} / {name!r}"] = found
    assert unexpected_errors(simcord_env) == []
    problems = {key: found for key, found in problems.items() if found}
    assert not problems, report(problems)


async def test_a_pasted_reply_about_a_hostile_name_is_titled_inertly(simcord_env, db_path):
    seat = person(simcord_env, "ana").server
    name = HOSTILE["everyone"]
    await _add(seat, name)
    await seat.slash("referee status", name=name, status="asked")
    checklist = await seat.slash("ask start", referee=name)
    shown = await seat.click(checklist.response, custom_id=component_id(checklist.response, "ask:paste:"))
    done = await seat.submit(shown, {"reply_text": "Happy to! I will write you a strong letter."})
    assert answer_problems(done, seat) == []
    assert "everyone" in done.response.embeds[0].title
    assert rows(db_path, "SELECT reply_label FROM ask_progress WHERE reply_label IS NOT NULL") != []
    assert unexpected_errors(simcord_env) == []


# ======================================================================== every file kind, broken every way


async def test_every_broken_file_gets_a_clear_private_answer_and_nothing_is_stored(simcord_env, db_path):
    problems: dict[str, list[str]] = {}
    before = snapshot(db_path)
    for index, bad in enumerate(BAD_FILES):
        seat = person(simcord_env, f"f{index}").seat(index)  # letter checks are rate-limited per person
        data = bad.build()
        cursor = simcord_env.error_cursor
        result = await seat.slash("letter check", file=(bad.filename, data))
        friendly, unexpected = classify(simcord_env.errors_since(cursor))
        found = [f"error: {e}" for e in unexpected] + answer_problems(result, seat)
        text = all_text(result)
        verdict = any(m.embeds and "use it?" in (m.embeds[0].title or "") for m in messages(result))
        if bad.readable and (friendly or not verdict):
            found.append(f"should have been read: {text[:160]!r}")
        if not bad.readable and (verdict or not friendly):
            found.append("should have been refused with a reason")
        if not re.search(bad.expect, text, re.I | re.S):
            found.append(f"answer does not say {bad.expect!r}: {text[:200]!r}")
        if found:
            problems[f"{bad.name} ({len(data):,} bytes)"] = found
    acknowledge(simcord_env)  # every error was classified above
    assert not problems, report(problems)
    assert snapshot(db_path) == before, "a letter check never stores anything"
    assert integrity(db_path) == "ok"
    await still_serving(simcord_env, person(simcord_env, "after").server)


# =================================================================== control characters never reach storage

CONTROLS = (
    HOSTILE["nul"] + " " + HOSTILE["c0_controls"] + " " + HOSTILE["del_char"] + " " + HOSTILE["bidi_override"]
)
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def control_chars(text: str | None, allowed: str = "") -> list[str]:
    """C0/C1 control and bidi-override characters in ``text`` (other than those ``allowed``)."""
    return [
        f"U+{ord(ch):04X}"
        for ch in text or ""
        if ch not in allowed and (unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS)
    ]


async def test_reminder_text_is_stored_and_echoed_without_control_characters(simcord_env, db_path):
    seat = person(simcord_env, "ana").server
    result = await seat.slash("remind", when="in 2 hours", what=CONTROLS)
    assert answer_problems(result, seat) == []
    stored = rows(db_path, "SELECT text FROM reminders")
    assert len(stored) == 1 and "Ana" in stored[0][0]
    assert control_chars(stored[0][0]) == [] and control_chars(result.response.content, "\n") == []
    only_controls = await seat.slash("remind", when="in 2 hours", what="\x00\x1b\u202e")
    assert "what to remind you about" in only_controls.response.content
    assert len(rows(db_path, "SELECT text FROM reminders")) == 1, "nothing stored for a blank reminder"
    assert classify(simcord_env.errors)[1] == []


async def test_referee_text_fields_and_bullets_never_store_control_characters(simcord_env, db_path):
    seat = person(simcord_env, "ana").dm
    fields = dict.fromkeys(("title", "institution", "notes"), CONTROLS)
    await seat.slash("referee add", name="Dr Clean", label="strong", **fields)
    await seat.slash("referee add", name=HOSTILE["bidi_override"], label="weak")
    await seat.slash("referee edit", name="Dr Clean", how_known=CONTROLS, known_for="\x1b[31m3 months")
    shown = await seat.slash("referee bullets", name="Dr Clean")
    await seat.submit(
        shown, {"bullets": f"clinical: {HOSTILE['nul']} caught sepsis {HOSTILE['bidi_override']}"}
    )
    acknowledge(simcord_env)
    found: dict[str, list[str]] = {}
    for table, columns in (
        ("referees", ("name", "title", "institution", "notes", "how_known", "known_for")),
        ("referee_bullets", ("text",)),
    ):
        for column in columns:
            for (value,) in rows(db_path, f"SELECT {column} FROM {table}"):
                bad = control_chars(value, "\n" if column in ("notes", "how_known") else "")
                found.setdefault(f"{table}.{column}", []).extend(bad)
    assert rows(db_path, "SELECT COUNT(*) FROM referee_bullets") == [(1,)]
    assert {key: sorted(set(bad)) for key, bad in found.items() if bad} == {}


# ============================================================== over-limit values are refused, limit stated


async def _refusal(env: Any, db_path: Path, seat: Seat, command: str, **options: Any) -> str:
    """Run a command that must be refused; check it wrote nothing and return what it said."""
    before, cursor = snapshot(db_path), env.error_cursor
    result = await seat.slash(command, **options)
    friendly, unexpected = classify(env.errors_since(cursor))
    assert unexpected == [] and friendly, f"{command} {list(options)} was not refused: {all_text(result)!r}"
    assert answer_problems(result, seat) == []
    assert snapshot(db_path) == before, f"{command} {list(options)} wrote something"
    return all_text(result)


OVER_LIMIT = (  # (option, value, limit the answer must state): the limits a person can trip over
    ("name", "A" * 81, "80"),
    ("title", "T" * 121, "120"),
    ("institution", "I" * 121, "120"),
    ("email", "e" * 250 + "@x.org", "254"),
    ("notes", "N" * 1001, "1000"),
)


async def test_over_limit_values_are_refused_with_the_limit_stated(simcord_env, db_path):
    from simcord import OptionError

    from db import reminders as reminder_store
    from db.referees import add_referee

    ana = person(simcord_env, "ana")
    for index, (option, value, limit) in enumerate(OVER_LIMIT):
        options = {"name": "Dr Limit", "label": "strong", option: value}
        text = await _refusal(simcord_env, db_path, ana.seat(index), "referee add", **options)
        assert limit in text and str(len(value)) in text, text
    await _add(ana.dm, "Dr Limit")
    for option, value, limit in (("how_known", "H" * 301, "300"), ("known_for", "K" * 61, "60")):
        text = await _refusal(
            simcord_env, db_path, ana.server, "referee edit", name="Dr Limit", **{option: value}
        )
        assert limit in text, text
    for bullets, limit in (
        ("\n".join(f"clinical: case {n}" for n in range(11)), "10"),
        ("team: " + "x" * 201, "200"),
    ):
        before = snapshot(db_path)
        done = await ana.server.submit(
            await ana.server.slash("referee bullets", name="Dr Limit"), {"bullets": bullets}
        )
        assert limit in done.response.content and "Nothing was saved" in done.response.content
        assert answer_problems(done, ana.server) == [] and snapshot(db_path) == before
    bot = simcord_env.bot
    for number in range(29):  # fill the tracker to its limit without 29 round trips through Discord
        await add_referee(bot.db, ana.dm.user_id, name=f"Dr Filler {number}", label="weak", now=bot.now())
    text = await _refusal(simcord_env, db_path, ana.dm, "referee add", name="Dr One Too Many", label="strong")
    assert "30" in text
    later = [
        (ana.dm.user_id, bot.now() + timedelta(days=1), f"r{n}")
        for n in range(reminder_store.MAX_PENDING_PER_USER)
    ]
    await reminder_store.create_many(bot.db, later, now=bot.now())
    text = await _refusal(simcord_env, db_path, ana.server, "remind", when="in 2 hours", what="one more")
    assert str(reminder_store.MAX_PENDING_PER_USER) in text
    # Options with a declared maximum: Discord refuses longer input itself, and the description says so.
    remind = bot.tree.get_command("remind")
    what = next(p for p in remind.parameters if p.name == "what")
    assert what.max_value == reminder_store.MAX_TEXT and str(what.max_value) in what.description
    check = bot.tree.get_command("letter").get_command("check")
    text_option = next(p for p in check.parameters if p.name == "text")
    assert str(text_option.max_value) in text_option.description
    with pytest.raises(OptionError):
        await ana.dm.slash("remind", when="in 2 hours", what="x" * (reminder_store.MAX_TEXT + 1))
    assert unexpected_errors(simcord_env) == [] and integrity(db_path) == "ok"


# ============================================================ commands without options, hostile data stored

STORED_NAMES = ("everyone", "bold", "fence_breakout", "arabic", "emoji_zwj", "link")
REMINDER_TEXTS = ("everyone", "spoiler", "role_mention", "mixed_rtl")


async def _hostile_account(seat: Seat) -> None:
    """A user whose every stored field carries hostile text."""
    for key in STORED_NAMES:
        await seat.slash(
            "referee add", name=HOSTILE[key], label="unsure", notes=HOSTILE["heading_quote_list"]
        )
    await seat.slash("referee circle", name=HOSTILE["everyone"])
    shown = await seat.slash("referee bullets", name=HOSTILE["bold"])
    bullets = "\n".join(
        f"clinical: {HOSTILE[key]}" for key in ("everyone", "user_mention", "spoiler", "hebrew")
    )
    await seat.submit(shown, {"bullets": bullets})
    for key in REMINDER_TEXTS:
        await seat.slash("remind", when="in 2 hours", what=HOSTILE[key])
    await seat.slash("timezone", zone="asia/kolkata")


async def test_every_command_without_options_shows_hostile_stored_data_inertly(simcord_env, db_path):
    ana = person(simcord_env, "ana")
    await _hostile_account(ana.dm)
    assert unexpected_errors(simcord_env) == []
    assert rows(db_path, "SELECT timezone FROM reminder_prefs") == [("Asia/Kolkata",)]
    assert len(rows(db_path, "SELECT id FROM referees")) == len(STORED_NAMES)
    problems: dict[str, list[str]] = {}
    shown: dict[str, str] = {}
    seat = ana.server
    bold = next(name for name in stored_names(db_path, seat.user_id) if "bold" in name)
    for command, options in (
        ("referee show", {"name": bold}),
        ("help", {}),
        ("about", {}),
        ("today", {}),
        ("plan", {"profile": "older_grad", "reapplying": True, "clinically_active": False}),
        ("referee list", {}),
        ("reminders", {}),
        ("nudge daily", {"time": "08:00"}),
        ("nudge off", {}),
        ("data export", {}),
    ):
        result = await seat.slash(command, **options)
        problems[command] = answer_problems(result, seat)
        shown[command] = visible(all_text(result))
    # what was stored reads back exactly as typed: bullets and notes, reminder texts, the time zone
    for key in ("everyone", "user_mention", "spoiler", "hebrew"):
        assert HOSTILE[key] in shown["referee show"], key
    assert all(line in shown["referee show"] for line in HOSTILE["heading_quote_list"].splitlines())
    assert all(HOSTILE[key] in shown["reminders"] for key in REMINDER_TEXTS)
    assert "Asia/Kolkata" in shown["reminders"]
    paste = await seat.slash("letter paste")
    problems["letter paste"] = [] if paste.modal is not None else ["no form"]
    exported = messages(await seat.slash("data export"))[-1].attachments
    payload = (await next(f for f in exported if f.filename.endswith(".json")).read()).decode()
    for name in stored_names(db_path, seat.user_id):
        assert json.dumps(name, ensure_ascii=False) in payload, f"{name!r} round-trips in the export"
    problems = {command: found for command, found in problems.items() if found}
    assert not problems, report(problems)
    assert unexpected_errors(simcord_env) == []


async def test_reminder_dms_with_hostile_text_arrive_inert(simcord_env, db_path):
    seat = person(simcord_env, "ana").dm
    for key in REMINDER_TEXTS:
        await seat.slash("remind", when="in 1 minute", what=HOSTILE[key])
    await simcord_env.advance_time(120)
    sent = [m for m in seat.actor.dm_channel.history() if m.interaction_metadata is None and m.author.bot]
    assert len(sent) == len(REMINDER_TEXTS)
    for message in sent:
        assert bi.raw_mentions(message.content) == [] and bi.raw_markup(message.content) == [], (
            message.content
        )
    shown = visible("\n".join(m.content for m in sent))
    assert all(HOSTILE[key] in shown for key in REMINDER_TEXTS)
    assert rows(db_path, "SELECT DISTINCT status FROM reminders") == [("sent",)]
    assert unexpected_errors(simcord_env) == []


async def test_data_delete_after_hostile_input_erases_everything_cleanly(simcord_env, db_path):
    ana = person(simcord_env, "ana")
    await _hostile_account(ana.dm)
    cancel = await ana.server.slash("data delete")
    kept = await ana.server.click(cancel.response, label="Cancel")
    assert "Nothing was deleted" in kept.response.content
    assert rows(db_path, "SELECT COUNT(*) FROM referees") == [(len(STORED_NAMES),)]
    confirm = await ana.server.slash("data delete")
    assert answer_problems(confirm, ana.server) == []
    done = await ana.server.click(confirm.response, label="Delete everything")
    assert "Deleted" in done.response.content
    assert all(found == [] for found in snapshot(db_path).values()), "every user table is empty"
    assert integrity(db_path) == "ok"
    assert unexpected_errors(simcord_env) == []
    await still_serving(simcord_env, ana.server)


# ========================================================================= autocomplete with hostile typing

AUTOCOMPLETE = (
    ("referee show", "name"),
    ("ask start", "referee"),
    ("ask email", "referee"),
    ("timezone", "zone"),
)


async def test_autocomplete_stays_within_discord_limits_whatever_is_typed(simcord_env):
    ana = person(simcord_env, "ana")
    for key in ("one_long_word", "emoji_zwj", "everyone", "combining_storm", "arabic"):
        await ana.dm.slash("referee add", name=HOSTILE[key][:80], label="weak")
    problems: dict[str, list[str]] = {}
    for index, key in enumerate(bi.representative(3)):
        command, option = AUTOCOMPLETE[index % len(AUTOCOMPLETE)]
        cursor = simcord_env.error_cursor
        choices = await ana.seat(index).autocomplete(command, option, HOSTILE[key][:100])
        found = [f"error: {e}" for e in classify(simcord_env.errors_since(cursor))[1]]
        if len(choices) > 25 or any(
            not 1 <= len(c["name"]) <= 100 or len(str(c["value"])) > 100 for c in choices
        ):
            found.append(f"choices outside Discord's limits: {choices!r}"[:200])
        if found:
            problems[f"{command} / {key}"] = found
    everything = await ana.dm.autocomplete("referee show", "name", "")
    assert len(everything) == 5, "an empty box lists every referee"
    assert not problems, report(problems)
    assert unexpected_errors(simcord_env) == []
