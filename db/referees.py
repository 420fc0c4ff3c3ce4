"""Referees: the people who could write a user's letters, and the concrete bullets for each one.

All referee SQL lives here. Every query is scoped by ``user_id``; every write runs in one transaction, so
a failed check leaves nothing half-written. Expected problems raise :class:`UserFacingError`.
"""

from __future__ import annotations

import difflib
import json
import re
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from operator import itemgetter
from typing import Any

import aiosqlite
from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from bot.advice.text import escape_text, plain_text
from bot.advice.vocab import LABEL_ORDER, Area, RefereeKind, RefereeLabel, RefereeStatus
from bot.problems import UserFacingError
from db.database import Database

MAX_REFEREES = 30
MAX_CIRCLED = 3
MAX_BULLETS = 10
BULLET_LIMIT = 200

#: Character limits of the free-text fields.
LIMITS: dict[str, int] = {
    "name": 80,
    "title": 120,
    "institution": 120,
    "email": 254,
    "how_known": 300,
    "known_for": 60,
    "notes": 1000,
}

#: How each field is called in messages to the user.
FIELD_WORDS: dict[str, str] = {
    "name": "name",
    "label": "label",
    "kind": "kind",
    "title": "title",
    "institution": "institution",
    "email": "email",
    "how_known": "“how you know them”",
    "known_for": "“known for”",
    "last_worked": "last-worked date",
    "letter_date": "letter date",
    "notes": "notes",
    "status": "status",
}

#: The fields ``add_referee`` / ``update_referee`` accept (status and circle have their own functions).
EDITABLE = frozenset(FIELD_WORDS) - {"status"}

_SINGLE_LINE = ("title", "institution", "known_for", "email")
_MULTI_LINE = ("how_known", "notes")
_EMAIL = re.compile(
    r"^(?=.{1,64}@)[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}$"
)


# ---------------------------------------------------------------------------------------------- helpers
def name_key(name: str) -> str:
    """The form names are compared in: whitespace collapsed, Unicode-normalised and casefolded."""
    cleaned = unicodedata.normalize("NFKC", " ".join(name.split()))
    return unicodedata.normalize("NFKC", cleaned.casefold())


def _and_list(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _too_long(field: str, value: str) -> str:
    return (
        f"The {FIELD_WORDS[field]} is too long: {len(value)} characters (the limit is {LIMITS[field]}). "
        "Please shorten it."
    )


# ---------------------------------------------------------------------------------------------- models
class Bullet(BaseModel):
    """One concrete thing the writer saw you do, tagged with the area it proves."""

    model_config = ConfigDict(frozen=True)

    area: Area
    text: str

    @field_validator("text")
    @classmethod
    def _clean_text(cls, value: str) -> str:
        value = plain_text(value)
        if not value:
            raise ValueError("A bullet needs some text.")
        if len(value) > BULLET_LIMIT:
            raise ValueError(f"A bullet is too long: {len(value)} characters (the limit is {BULLET_LIMIT}).")
        return value


class Referee(BaseModel):
    """A possible letter writer, as stored."""

    id: int
    user_id: int
    name: str
    label: RefereeLabel
    kind: RefereeKind | None = None
    title: str | None = None
    institution: str | None = None
    email: str | None = None
    how_known: str | None = None
    known_for: str | None = None
    last_worked: date | None = None
    status: RefereeStatus = RefereeStatus.not_asked
    letter_date: date | None = None
    circled: bool = False
    notes: str | None = None
    bullets: list[Bullet] = []
    created_at: datetime
    updated_at: datetime


class RefereeFields(BaseModel):
    """What a user may set on a referee; ``model_fields_set`` tells which fields a call sent."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = None
    label: RefereeLabel | None = None
    kind: RefereeKind | None = None
    title: str | None = None
    institution: str | None = None
    email: str | None = None
    how_known: str | None = None
    known_for: str | None = None
    last_worked: date | None = None
    letter_date: date | None = None
    notes: str | None = None

    @field_validator("name")
    @classmethod
    def _clean_name(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if any(unicodedata.category(ch) == "Cc" for ch in " ".join(value.split())):
            raise ValueError("The name contains control characters; please type it plainly.")
        value = plain_text(value)
        if not value:
            raise ValueError("A referee needs a name.")
        if len(value) > LIMITS["name"]:
            raise ValueError(_too_long("name", value))
        return value

    @field_validator(*_SINGLE_LINE, *_MULTI_LINE)
    @classmethod
    def _clean_text(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None:
            return None
        field = info.field_name
        value = plain_text(value, multiline=field in _MULTI_LINE)
        if not value:
            return None
        if len(value) > LIMITS[field]:
            raise ValueError(_too_long(field, value))
        return value

    @field_validator("email")
    @classmethod
    def _check_email(cls, value: str | None) -> str | None:
        if value is not None and not _EMAIL.match(value):
            raise ValueError(
                "That email address doesn't look right. Use the form name@hospital.org, with no spaces."
            )
        return value


def _explain(error: ValidationError) -> str:
    """Turn pydantic's report into short sentences for the user."""
    lines = []
    for item in error.errors():
        field = str(item["loc"][0]) if item["loc"] else ""
        word = FIELD_WORDS.get(field, field)
        if item["type"] == "value_error":
            lines.append(str(item["ctx"]["error"]))
        elif item["type"] == "enum":
            lines.append(f"That {word} isn't one of the choices: {item['ctx']['expected']}.")
        elif item["type"].startswith("date"):
            lines.append(f"The {word} must be a date written YYYY-MM-DD, for example 2024-03-15.")
        elif item["type"] == "extra_forbidden":
            lines.append(f"“{field}” can't be set here.")
        else:
            lines.append(f"The {word} isn't valid.")
    return "\n".join(dict.fromkeys(lines))


def validate_fields(**fields: Any) -> RefereeFields:
    """Validate referee fields, raising :class:`UserFacingError` with every problem found."""
    unknown = set(fields) - EDITABLE
    if unknown:
        raise TypeError(f"not referee fields: {sorted(unknown)}")
    try:
        checked = RefereeFields.model_validate(fields)
    except ValidationError as exc:
        raise UserFacingError(_explain(exc)) from None
    for required in ("name", "label"):
        if required in checked.model_fields_set and getattr(checked, required) is None:
            raise UserFacingError(f"A referee always needs a {FIELD_WORDS[required]}; it can't be cleared.")
    return checked


# ---------------------------------------------------------------------------------------------- reading
# One query per lookup (one trip to aiosqlite's thread): each referee row carries its bullets as a JSON
# array of [position, area, text], read through the (user_id, referee_id, position) index.
_SELECT = (
    "SELECT id, user_id, name, label, kind, title, institution, email, how_known, known_for, last_worked,"
    " status, letter_date, circled, notes, created_at, updated_at,"
    " (SELECT json_group_array(json_array(b.position, b.area, b.text)) FROM referee_bullets AS b"
    "  WHERE b.user_id = referees.user_id AND b.referee_id = referees.id) AS bullets"
    " FROM referees"
)
_BY_ID = _SELECT + " WHERE user_id = ? AND id = ?"
_BY_KEY = _SELECT + " WHERE user_id = ? AND name_key = ?"
_ALL = _SELECT + " WHERE user_id = ?"
_DELETE_BULLETS = "DELETE FROM referee_bullets WHERE user_id = ? AND referee_id = ?"
_INSERT_BULLET = (
    "INSERT INTO referee_bullets (user_id, referee_id, position, area, text) VALUES (?, ?, ?, ?, ?)"
)


async def _rows(conn: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> list[aiosqlite.Row]:
    """All rows of one query in one trip to aiosqlite's thread (execute + fetch + close would be three)."""
    return list(await conn.execute_fetchall(sql, params))


def _to_referee(row: aiosqlite.Row) -> Referee:
    data = dict(row)
    data["circled"] = bool(data["circled"])
    stored = sorted(json.loads(data.pop("bullets")), key=itemgetter(0))  # by position
    return Referee(**data, bullets=[Bullet(area=area, text=text) for _, area, text in stored])


async def _load(conn: aiosqlite.Connection, user_id: int, referee_id: int) -> Referee | None:
    rows = await _rows(conn, _BY_ID, (user_id, referee_id))
    return _to_referee(rows[0]) if rows else None


async def _load_existing(conn: aiosqlite.Connection, user_id: int, referee_id: int) -> Referee:
    referee = await _load(conn, user_id, referee_id)
    if referee is None:
        raise UserFacingError("That referee no longer exists. See your current list with /referee list.")
    return referee


def _sort_key(referee: Referee) -> tuple[int, bool, str]:
    return LABEL_ORDER.index(referee.label), not referee.circled, name_key(referee.name)


async def list_referees(db: Database, user_id: int) -> list[Referee]:
    """Every referee of ``user_id``: strongest label first, then circled ones, then by name."""
    async with db.reading():
        rows = await _rows(db.conn, _ALL, (user_id,))
    return sorted((_to_referee(row) for row in rows), key=_sort_key)


async def get_referee(db: Database, user_id: int, name: str) -> Referee | None:
    """The referee called ``name`` (case-insensitive, exact), or None."""
    async with db.reading():
        rows = await _rows(db.conn, _BY_KEY, (user_id, name_key(name)))
    return _to_referee(rows[0]) if rows else None


async def get_referee_by_id(db: Database, user_id: int, referee_id: int) -> Referee | None:
    """The referee with this id if it belongs to ``user_id``; None otherwise."""
    async with db.reading():
        return await _load(db.conn, user_id, referee_id)


def closest_names(name: str, names: Iterable[str], limit: int = 3) -> list[str]:
    """Names that look like ``name`` (for "did you mean"): close spellings first, then partial matches."""
    wanted = name_key(name)
    by_key: dict[str, str] = {}
    for candidate in names:
        by_key.setdefault(name_key(candidate), candidate)
    close = difflib.get_close_matches(wanted, list(by_key), n=limit, cutoff=0.6)
    partial = [key for key in by_key if wanted and (wanted in key or (len(key) >= 3 and key in wanted))]
    picked = list(dict.fromkeys(close + partial))
    return [by_key[key] for key in picked if key != wanted][:limit]


# ---------------------------------------------------------------------------------------------- writing
def _stored(value: Any) -> Any:
    """A Python value as it is stored in SQLite."""
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, RefereeLabel | RefereeKind | RefereeStatus | Area):
        return value.value
    return value


async def _scalar(conn: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> Any:
    rows = await _rows(conn, sql, params)
    return rows[0][0] if rows else None


async def _ensure_name_free(
    conn: aiosqlite.Connection, user_id: int, key: str, except_id: int | None = None
) -> None:
    rows = await _rows(
        conn, "SELECT id, name FROM referees WHERE user_id = ? AND name_key = ?", (user_id, key)
    )
    if rows and rows[0]["id"] != except_id:
        raise UserFacingError(
            f"You already have a referee called **{escape_text(rows[0]['name'])}** (names ignore upper/lower "
            "case). Pick a different name, e.g. add their hospital or first name."
        )


async def add_referee(
    db: Database, user_id: int, *, name: str, label: RefereeLabel | str, now: datetime, **fields: Any
) -> Referee:
    """Add a referee; refuses a duplicate name (any case) and more than MAX_REFEREES."""
    checked = validate_fields(name=name, label=label, **fields)
    values = {field: _stored(getattr(checked, field)) for field in sorted(EDITABLE)}
    values |= {"user_id": user_id, "name_key": name_key(checked.name or "")}
    values |= {"created_at": now.isoformat(), "updated_at": now.isoformat()}
    columns = sorted(values)
    # column names come from the EDITABLE whitelist, never from the user
    sql = f"INSERT INTO referees ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    async with db.transaction() as conn:
        count = await _scalar(conn, "SELECT COUNT(*) FROM referees WHERE user_id = ?", (user_id,))
        if count >= MAX_REFEREES:
            raise UserFacingError(
                f"You already track {MAX_REFEREES} referees, the most LOR Coach keeps. Remove one you won't "
                "ask (/referee remove) before adding another; three or four strong writers are what count."
            )
        await _ensure_name_free(conn, user_id, values["name_key"])
        try:
            async with conn.execute(sql, [values[c] for c in columns]) as cursor:
                referee_id = int(cursor.lastrowid or 0)
        except sqlite3.IntegrityError:
            raise UserFacingError("You already have a referee with that name.") from None
        return await _load_existing(conn, user_id, referee_id)


async def update_referee(
    db: Database, user_id: int, referee_id: int, *, now: datetime, **fields: Any
) -> Referee:
    """Change the given fields (a value of None clears an optional field). Renames keep names unique."""
    checked = validate_fields(**fields)
    changes = {field: _stored(getattr(checked, field)) for field in sorted(checked.model_fields_set)}
    async with db.transaction() as conn:
        current = await _load_existing(conn, user_id, referee_id)
        if not changes:
            return current
        if "name" in changes:
            changes["name_key"] = name_key(changes["name"])
            await _ensure_name_free(conn, user_id, changes["name_key"], except_id=referee_id)
        changes["updated_at"] = now.isoformat()
        assignments = ", ".join(f"{column} = ?" for column in changes)  # whitelisted column names
        try:
            await _write(
                conn,
                f"UPDATE referees SET {assignments} WHERE user_id = ? AND id = ?",
                [*changes.values(), user_id, referee_id],
            )
        except sqlite3.IntegrityError:
            raise UserFacingError("You already have a referee with that name.") from None
        return await _load_existing(conn, user_id, referee_id)


async def _write(conn: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> int:
    async with conn.execute(sql, params) as cursor:
        return cursor.rowcount


async def set_status(
    db: Database, user_id: int, referee_id: int, status: RefereeStatus | str, *, now: datetime
) -> tuple[Referee, RefereeStatus]:
    """Set the workflow status; returns (referee after the change, status before it)."""
    try:
        new_status = RefereeStatus(status)
    except ValueError:
        raise UserFacingError("That status isn't one of the choices.") from None
    async with db.transaction() as conn:
        current = await _load_existing(conn, user_id, referee_id)
        if current.status == new_status:
            return current, current.status
        await _write(
            conn,
            "UPDATE referees SET status = ?, updated_at = ? WHERE user_id = ? AND id = ?",
            (new_status.value, now.isoformat(), user_id, referee_id),
        )
        return await _load_existing(conn, user_id, referee_id), current.status


async def toggle_circle(db: Database, user_id: int, referee_id: int, *, now: datetime) -> Referee:
    """Circle a referee as one of the top writers, or uncircle them. At most MAX_CIRCLED at a time."""
    async with db.transaction() as conn:
        current = await _load_existing(conn, user_id, referee_id)
        if not current.circled:
            circled = await _rows(
                conn,
                "SELECT name FROM referees WHERE user_id = ? AND circled = 1 ORDER BY name_key",
                (user_id,),
            )
            if len(circled) >= MAX_CIRCLED:
                names = _and_list([f"**{escape_text(row['name'])}**" for row in circled])
                raise UserFacingError(
                    f"You already circled {MAX_CIRCLED} writers: {names}. The circle is for your top "
                    f"{MAX_CIRCLED} only, so uncircle one of them first (/referee circle on their name)."
                )
        await _write(
            conn,
            "UPDATE referees SET circled = ?, updated_at = ? WHERE user_id = ? AND id = ?",
            (0 if current.circled else 1, now.isoformat(), user_id, referee_id),
        )
        return await _load_existing(conn, user_id, referee_id)


async def set_bullets(
    db: Database, user_id: int, referee_id: int, bullets: list[Bullet], *, now: datetime
) -> Referee:
    """Replace the referee's bullets with ``bullets`` (in order); at most MAX_BULLETS."""
    if len(bullets) > MAX_BULLETS:
        raise UserFacingError(
            f"That's {len(bullets)} bullets; the limit is {MAX_BULLETS}. Keep the most specific ones."
        )
    try:
        checked = [Bullet.model_validate(bullet.model_dump()) for bullet in bullets]
    except ValidationError as exc:
        raise UserFacingError(_explain(exc)) from None
    async with db.transaction() as conn:
        await _load_existing(conn, user_id, referee_id)
        await _write(conn, _DELETE_BULLETS, (user_id, referee_id))
        for position, bullet in enumerate(checked):
            await _write(
                conn,
                _INSERT_BULLET,
                (user_id, referee_id, position, bullet.area.value, bullet.text),
            )
        await _write(
            conn,
            "UPDATE referees SET updated_at = ? WHERE user_id = ? AND id = ?",
            (now.isoformat(), user_id, referee_id),
        )
        return await _load_existing(conn, user_id, referee_id)


async def delete_referee(db: Database, user_id: int, referee_id: int) -> bool:
    """Delete the referee and their bullets; False if ``user_id`` has no such referee."""
    async with db.transaction() as conn:
        await _write(conn, _DELETE_BULLETS, (user_id, referee_id))
        removed = await _write(
            conn, "DELETE FROM referees WHERE user_id = ? AND id = ?", (user_id, referee_id)
        )
    return removed > 0
