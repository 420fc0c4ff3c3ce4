"""The referee tracker's shared logic: the one place a status changes, plus what every referee feature
needs (a referee by name with "did you mean", autocomplete, the bullet text format, dates, letter age).

No discord import: ``bot`` is anything with ``db``, ``now()`` and ``dispatch()``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Protocol

from bot.advice.text import escape_text
from bot.advice.vocab import ACCEPTABLE_MONTHS, FRESH_MONTHS, Area, RefereeStatus, letter_age_months
from bot.problems import UserFacingError
from db import Database
from db.referees import (
    BULLET_LIMIT,
    MAX_BULLETS,
    Bullet,
    Referee,
    closest_names,
    get_referee,
    list_referees,
    name_key,
    set_status,
)

#: Fired after a status really changed: ``on_referee_status_changed(user_id, referee, old_status)``.
STATUS_EVENT = "referee_status_changed"
AUTOCOMPLETE_LIMIT = 25


class TrackerBot(Protocol):
    db: Database

    def now(self) -> datetime: ...

    def dispatch(self, event_name: str, /, *args: object) -> None: ...


async def change_status(
    bot: TrackerBot, user_id: int, referee_id: int, status: RefereeStatus | str
) -> Referee:
    """Set a referee's status; if it changed, dispatch ``referee_status_changed(user_id, referee, old)``."""
    referee, old = await set_status(bot.db, user_id, referee_id, status, now=bot.now())
    if referee.status != old:
        bot.dispatch(STATUS_EVENT, user_id, referee, old)
    return referee


# ---------------------------------------------------------------------------------------------- names
def _or_list(items: list[str]) -> str:
    """``A``, ``A or B``, ``A, B or C``."""
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " or " + items[-1]


async def resolve_referee(db: Database, user_id: int, name: str) -> Referee:
    """The caller's referee called ``name``; otherwise a friendly error suggesting the closest names."""
    referee = await get_referee(db, user_id, name)
    if referee is not None:
        return referee
    referees = await list_referees(db, user_id)
    if not referees:
        raise UserFacingError("You have no referees yet. Add your first with /referee add.")
    shown = escape_text(" ".join(name.split())[:80])
    suggestions = closest_names(name, [r.name for r in referees])
    if suggestions:
        options = _or_list([f"**{escape_text(s)}**" for s in suggestions])
        raise UserFacingError(f"You have no referee called “{shown}”. Did you mean {options}?")
    raise UserFacingError(
        f"You have no referee called “{shown}”. Pick a name from the suggestions, or see them all with "
        "/referee list."
    )


async def name_suggestions(db: Database, user_id: int, typed: str) -> list[Referee]:
    """The caller's own referees whose name contains ``typed`` (any case), at most 25, for autocomplete."""
    wanted = name_key(typed or "")
    referees = await list_referees(db, user_id)
    return [r for r in referees if wanted in name_key(r.name)][:AUTOCOMPLETE_LIMIT]


# ---------------------------------------------------------------------------------------------- bullets
#: The short word users type before each bullet, per area.
AREA_WORDS: dict[Area, str] = {
    Area.clinical_judgment: "clinical",
    Area.reliability: "reliability",
    Area.communication: "communication",
    Area.feedback: "feedback",
    Area.teamwork: "teamwork",
    Area.adaptability: "adaptability",
}

_ALIASES: dict[str, Area] = {
    "clinical judgment": Area.clinical_judgment,
    "clinical judgement": Area.clinical_judgment,
    "judgment": Area.clinical_judgment,
    "judgement": Area.clinical_judgment,
    "reliable": Area.reliability,
    "work ethic": Area.reliability,
    "communicate": Area.communication,
    "comm": Area.communication,
    "learning": Area.feedback,
    "learning from feedback": Area.feedback,
    "team": Area.teamwork,
    "leadership": Area.teamwork,
    "adaptable": Area.adaptability,
    "pressure": Area.adaptability,
}
_LIST_MARKER = re.compile(r"^(?:[-•*·–]|\d{1,2}[.)])\s*")
MAX_REPORTED = 5


def area_from_word(word: str) -> Area | None:
    """The area a user meant by ``word`` (short word, full title, value or a common synonym)."""
    key = " ".join(word.casefold().replace("_", " ").replace("-", " ").split())
    for area in Area:
        if key in {AREA_WORDS[area], area.value.replace("_", " "), area.title.casefold()}:
            return area
    return _ALIASES.get(key)


def format_bullets(bullets: list[Bullet]) -> str:
    """Bullets in the editable text form: one ``area: text`` per line."""
    return "\n".join(f"{AREA_WORDS[b.area]}: {b.text}" for b in bullets)


def _parse_line(number: int, line: str) -> tuple[Bullet | None, str | None]:
    body = _LIST_MARKER.sub("", line.strip(), count=1)
    area_word, colon, text = body.partition(":")
    if not colon:
        return None, f"Line {number}: start with an area and a colon, e.g. `clinical: …`."
    area = area_from_word(area_word)
    if area is None:
        return None, f"Line {number}: “{escape_text(area_word.strip()[:40])}” is not an area."
    text = " ".join(text.split())
    if not text:
        return None, f"Line {number}: write what you did after the colon."
    if len(text) > BULLET_LIMIT:
        return None, f"Line {number} is {len(text)} characters; keep each bullet to {BULLET_LIMIT}."
    return Bullet(area=area, text=text), None


def parse_bullets(text: str) -> list[Bullet]:
    """Read ``area: text`` lines (blank lines skipped). Any bad line rejects the whole text with reasons."""
    bullets: list[Bullet] = []
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        bullet, problem = _parse_line(number, line)
        if problem:
            problems.append(problem)
        elif bullet is not None:
            bullets.append(bullet)
    if len(bullets) > MAX_BULLETS and not problems:
        problems.append(
            f"That's {len(bullets)} bullets; the limit is {MAX_BULLETS}. Keep the most specific ones."
        )
    if problems:
        extra = len(problems) - MAX_REPORTED
        listed = problems[:MAX_REPORTED] + ([f"…and {extra} more."] if extra > 0 else [])
        areas = ", ".join(AREA_WORDS.values())
        raise UserFacingError(
            "Nothing was saved; please fix these lines:\n"
            + "\n".join(f"• {p}" for p in listed)
            + f"\nAreas: {areas}."
        )
    return bullets


# ---------------------------------------------------------------------------------------------- dates
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def parse_day(text: str, what: str, *, today: date) -> date:
    """A ``YYYY-MM-DD`` date that is not in the future; otherwise a clear error naming ``what``."""
    cleaned = text.strip()
    try:
        if not _DAY.match(cleaned):
            raise ValueError
        day = date.fromisoformat(cleaned)
    except ValueError:
        raise UserFacingError(
            f"The {what} must be a real date written YYYY-MM-DD, for example 2024-03-15."
        ) from None
    if day > today:
        raise UserFacingError(f"The {what} can't be in the future (today is {today.isoformat()}).")
    return day


#: A letter is freshest within 12 months; up to 18 is usually fine if you kept working clinically.


def letter_age(letter_date: date, today: date) -> str:
    """How old a letter is, with a nudge once it is past its best."""
    months = letter_age_months(letter_date, today)
    if months < 1:
        age = "under a month old"
    elif months < 24:
        age = f"{months} month{'s' if months != 1 else ''} old"
    else:
        age = f"{months // 12} years old"
    if months > ACCEPTABLE_MONTHS:
        return f"{age}: ask for an updated letter dated this year"
    if months > FRESH_MONTHS:
        return f"{age}: getting old, fine only if you kept working clinically"
    return age
