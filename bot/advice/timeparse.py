"""Reminder times: parse what the user typed, compute daily repeats, and look up time zones.

Pure Python (no discord). The clock is always passed in (``now`` / ``after``); nothing here reads it.

Rules worth knowing:

* Every result is an aware UTC ``datetime``; words are read in the user's IANA zone.
* A wall time that does not exist (the spring-forward gap, e.g. 02:30 on 2026-03-08 in New York)
  resolves to the first valid instant after the gap (03:00 EDT).
* A wall time that happens twice (the fall-back hour) resolves to its first occurrence.
* "in N minutes/hours" is elapsed time; "in N days/weeks" keeps the wall-clock time, so a day that
  crosses a DST change lasts 23 or 25 hours.
* A date without a time means 09:00; "tonight" means 20:00; "midnight" is the end of the named day.
* A bare hour after a date ("tomorrow at 9") is read on the 24-hour clock, except after "tonight"
  where 1-11 means the evening. A time on its own ("5pm") is today if still ahead, else tomorrow.
* "monday" is today if that time is still ahead, else next week; "next monday" is the first Monday
  after today. "Dec 1" without a year rolls to next year once passed. "today" alone needs a time.
* Common forms go through a small regex parser; anything else falls back to ``dateparser`` (English).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, available_timezones

EXAMPLES: tuple[str, ...] = ("in 2 hours", "tomorrow 9am", "tonight 8pm", "next monday 10:00", "Dec 1 6pm")
CLOCK_EXAMPLES: tuple[str, ...] = ("08:30", "8am", "20:15", "8.30 pm")
MAX_INPUT_CHARS = 100
MAX_AHEAD = timedelta(days=365)
DEFAULT_TIME = time(9, 0)

_DAY = 86_400
_FAR_DAYS = 400  # beyond this a relative amount is rejected before any date arithmetic


class WhenError(ValueError):
    """A time the bot cannot use; ``message`` is friendly and safe to show the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _fail(reason: str, examples: Iterable[str] = EXAMPLES) -> WhenError:
    """Build a WhenError whose message ends with a few examples that do work."""
    tries = ", ".join(f"`{example}`" for example in examples)
    return WhenError(f"{reason} Try something like {tries}.")


# --------------------------------------------------------------------------- time zones

_HIDDEN_ZONES = frozenset({"Factory", "localtime", "posixrules"})
_REGIONS = frozenset(
    {"Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific"}
)
_POPULAR: tuple[str, ...] = (
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Asia/Karachi",
    "Africa/Lagos",
    "Africa/Cairo",
    "Asia/Dhaka",
    "Asia/Manila",
    "Asia/Kathmandu",
    "Asia/Colombo",
    "Asia/Dubai",
    "Asia/Riyadh",
    "Africa/Nairobi",
    "Africa/Accra",
    "Africa/Addis_Ababa",
    "Africa/Johannesburg",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Tehran",
    "Asia/Amman",
    "Asia/Baghdad",
    "Europe/Istanbul",
    "America/Sao_Paulo",
    "America/Mexico_City",
    "America/Toronto",
    "UTC",
)
_CITY_ALIASES: dict[str, str] = {
    "new york": "America/New_York",
    "nyc": "America/New_York",
    "boston": "America/New_York",
    "philadelphia": "America/New_York",
    "washington": "America/New_York",
    "atlanta": "America/New_York",
    "miami": "America/New_York",
    "eastern": "America/New_York",
    "chicago": "America/Chicago",
    "houston": "America/Chicago",
    "dallas": "America/Chicago",
    "central": "America/Chicago",
    "denver": "America/Denver",
    "mountain": "America/Denver",
    "phoenix": "America/Phoenix",
    "los angeles": "America/Los_Angeles",
    "san francisco": "America/Los_Angeles",
    "seattle": "America/Los_Angeles",
    "pacific": "America/Los_Angeles",
    "india": "Asia/Kolkata",
    "kolkata": "Asia/Kolkata",
    "calcutta": "Asia/Kolkata",
    "mumbai": "Asia/Kolkata",
    "delhi": "Asia/Kolkata",
    "new delhi": "Asia/Kolkata",
    "bangalore": "Asia/Kolkata",
    "bengaluru": "Asia/Kolkata",
    "chennai": "Asia/Kolkata",
    "pakistan": "Asia/Karachi",
    "karachi": "Asia/Karachi",
    "lahore": "Asia/Karachi",
    "islamabad": "Asia/Karachi",
    "nigeria": "Africa/Lagos",
    "lagos": "Africa/Lagos",
    "abuja": "Africa/Lagos",
    "egypt": "Africa/Cairo",
    "cairo": "Africa/Cairo",
    "bangladesh": "Asia/Dhaka",
    "philippines": "Asia/Manila",
    "nepal": "Asia/Kathmandu",
    "sri lanka": "Asia/Colombo",
    "uae": "Asia/Dubai",
    "saudi arabia": "Asia/Riyadh",
    "jeddah": "Asia/Riyadh",
    "kenya": "Africa/Nairobi",
    "ghana": "Africa/Accra",
    "ethiopia": "Africa/Addis_Ababa",
    "south africa": "Africa/Johannesburg",
    "uk": "Europe/London",
    "england": "Europe/London",
    "iran": "Asia/Tehran",
    "iraq": "Asia/Baghdad",
    "jordan": "Asia/Amman",
    "lebanon": "Asia/Beirut",
    "syria": "Asia/Damascus",
    "turkey": "Europe/Istanbul",
    "ankara": "Europe/Istanbul",
    "brazil": "America/Sao_Paulo",
    "mexico": "America/Mexico_City",
    "china": "Asia/Shanghai",
    "beijing": "Asia/Shanghai",
    "japan": "Asia/Tokyo",
    "korea": "Asia/Seoul",
    "vietnam": "Asia/Ho_Chi_Minh",
    "indonesia": "Asia/Jakarta",
    "malaysia": "Asia/Kuala_Lumpur",
    "russia": "Europe/Moscow",
    "ukraine": "Europe/Kyiv",
    "kiev": "Europe/Kyiv",
    "sudan": "Africa/Khartoum",
    "cameroon": "Africa/Douala",
    "zimbabwe": "Africa/Harare",
    "uganda": "Africa/Kampala",
}


@lru_cache(maxsize=1)
def _zone_names() -> tuple[str, ...]:
    """All usable IANA names (tzdata), sorted, without the odd system entries."""
    names = (n for n in available_timezones() if n not in _HIDDEN_ZONES)
    return tuple(sorted(n for n in names if not n.startswith(("posix/", "right/"))))


@lru_cache(maxsize=1)
def _zone_index() -> dict[str, str]:
    """Lower-cased, space-for-underscore name → canonical spelling."""
    return {_fold_zone(name): name for name in _zone_names()}


def _fold_zone(name: str) -> str:
    return re.sub(r"\s+", "_", name.strip().lower())


def valid_zone(name: str) -> str | None:
    """The canonical IANA spelling of ``name`` (case-insensitive, "UTC" accepted), or None."""
    if not isinstance(name, str) or len(name) > 64:
        return None
    return _zone_index().get(_fold_zone(name))


def _zone_or_fail(name: str) -> ZoneInfo:
    canonical = valid_zone(name)
    if canonical is None:
        raise _fail(
            "I don't know that time zone. Set an IANA zone such as `America/New_York`, "
            "`Asia/Kolkata` or `UTC`, then ask again."
        )
    return ZoneInfo(canonical)


def _words(text: str) -> str:
    return " ".join(text.lower().replace("_", " ").split())


def _match_rank(query: str, candidate: str) -> int | None:
    """0 = exact, 1 = city starts with, 2 = name starts with, 3 = a word starts with, 4 = substring."""
    city = candidate.rsplit("/", 1)[-1]
    if query in (candidate, city):
        return 0
    if city.startswith(query):
        return 1
    if candidate.startswith(query):
        return 2
    if any(word.startswith(query) for word in re.split(r"[/ \-]", candidate)):
        return 3
    return 4 if query in candidate else None


def _is_legacy(zone: str) -> bool:
    return zone != "UTC" and zone.split("/", 1)[0] not in _REGIONS


def search_zones(prefix: str, limit: int = 25) -> list[str]:
    """Zones for autocomplete: case-insensitive substring and city/country match, best first."""
    limit = max(0, limit)
    query = _words(prefix or "")[:64]
    if not query:
        return list(_POPULAR[:limit])
    ranks: dict[str, int] = {}
    candidates = [(alias, zone) for alias, zone in _CITY_ALIASES.items()]
    candidates += [(_words(name), name) for name in _zone_names()]
    for text, zone in candidates:
        rank = _match_rank(query, text)
        if rank is not None and rank < ranks.get(zone, 99):
            ranks[zone] = rank
    popular = {zone: i for i, zone in enumerate(_POPULAR)}

    def order(zone: str) -> tuple[int, int, bool, str]:
        return ranks[zone], popular.get(zone, len(popular)), _is_legacy(zone), zone

    return sorted(ranks, key=order)[:limit]


# --------------------------------------------------------------------------- local ↔ UTC


def _offset_at(timestamp: int, zone: ZoneInfo) -> timedelta | None:
    return datetime.fromtimestamp(timestamp, zone).utcoffset()


def _to_utc(wall: datetime, zone: ZoneInfo) -> datetime:
    """Naive local wall time → UTC: a gap moves to the gap's end, a repeated hour takes the first."""
    first = wall.replace(tzinfo=zone, fold=0).astimezone(UTC)
    if first.astimezone(zone).replace(tzinfo=None) == wall:
        return first
    # In a gap fold=1 uses the later offset, which lands before the transition; binary-search it.
    low = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    high = int(first.timestamp())
    after = _offset_at(high, zone)
    while high - low > 1:
        middle = (low + high) // 2
        if _offset_at(middle, zone) == after:
            high = middle
        else:
            low = middle
    return datetime.fromtimestamp(high, UTC)


def _as_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("expected a timezone-aware datetime")
    return moment.astimezone(UTC)


def next_daily(local_time: time, tz: str, after: datetime) -> datetime:
    """The first UTC instant strictly after ``after`` when the wall clock in ``tz`` shows ``local_time``.

    Each local day fires once: a skipped wall time fires at the end of the gap, a repeated one at
    its first occurrence.
    """
    zone = _zone_or_fail(tz)
    after_utc = _as_utc(after)
    wall = local_time.replace(tzinfo=None, fold=0)
    start = after_utc.astimezone(zone).date()
    firings = (_to_utc(datetime.combine(start + timedelta(days=k), wall), zone) for k in range(-1, 3))
    return min(when for when in firings if when > after_utc)


# --------------------------------------------------------------------------- clock times

_AMPM = r"(?:\s?(?P<ap>[ap])\.?m\b\.?)"
_CLOCK = rf"(?P<h>\d{{1,2}})(?:[:.](?P<m>\d{{2}}))?{_AMPM}?"
_CLOCK_RE = re.compile(_CLOCK)
_WORD_TIMES = {
    "noon": time(12),
    "midday": time(12),
    "midnight": time(0),
    "morning": time(9),
    "afternoon": time(14),
    "evening": time(18),
    "night": time(20),
}


def _clock(hour_text: str, minute_text: str | None, ampm: str | None) -> time | None:
    """A clock time from its parts, or None when it cannot exist (25:00, 13pm, 8:75)."""
    hour, minute = int(hour_text), int(minute_text or 0)
    if minute > 59:
        return None
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "p" else 0)
    elif hour > 23:
        return None
    return time(hour, minute)


def parse_hhmm(text: str) -> time:
    """A daily clock time: "08:30", "8:30", "8am", "20:15", "8.30 pm", "noon" or "midnight"."""
    cleaned = _normalize(text)[:20] if isinstance(text, str) else ""
    if cleaned in ("noon", "midday", "midnight"):
        return _WORD_TIMES[cleaned]
    match = _CLOCK_RE.fullmatch(cleaned)
    found = None
    if match and (match["m"] or match["ap"]):
        found = _clock(match["h"], match["m"], match["ap"])
    if found is None:
        raise _fail("I need a clock time for that.", CLOCK_EXAMPLES)
    return found


def humanize_delta(seconds: float) -> str:
    """A short duration such as "2 hours 5 minutes" or "3 days" (sign ignored, minutes floored)."""
    if not math.isfinite(seconds):
        raise ValueError("duration must be finite")
    total_minutes = int(abs(seconds) // 60)
    if total_minutes == 0:
        return "less than a minute"
    days, rest = divmod(total_minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        parts = [(days, "day"), (hours, "hour")]
    elif hours:
        parts = [(hours, "hour"), (minutes, "minute")]
    else:
        parts = [(minutes, "minute")]
    return " ".join(f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in parts if n)


# --------------------------------------------------------------------------- the regex grammar

_WEEKDAYS = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tues": 1,
    "tue": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thurs": 3,
    "thur": 3,
    "thu": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
}
_MONTHS = {
    "january": 1,
    "jan": 1,
    "february": 2,
    "feb": 2,
    "march": 3,
    "mar": 3,
    "april": 4,
    "apr": 4,
    "may": 5,
    "june": 6,
    "jun": 6,
    "july": 7,
    "jul": 7,
    "august": 8,
    "aug": 8,
    "september": 9,
    "sept": 9,
    "sep": 9,
    "october": 10,
    "oct": 10,
    "november": 11,
    "nov": 11,
    "december": 12,
    "dec": 12,
}
_NUMBER_WORDS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "half a": 0.5,
    "half an": 0.5,
}
_UNIT_SECONDS = {
    "seconds": 1,
    "second": 1,
    "secs": 1,
    "sec": 1,
    "s": 1,
    "minutes": 60,
    "minute": 60,
    "mins": 60,
    "min": 60,
    "m": 60,
    "hours": 3600,
    "hour": 3600,
    "hrs": 3600,
    "hr": 3600,
    "h": 3600,
    "days": _DAY,
    "day": _DAY,
    "d": _DAY,
    "weeks": 7 * _DAY,
    "week": 7 * _DAY,
    "wks": 7 * _DAY,
    "wk": 7 * _DAY,
    "w": 7 * _DAY,
}


def _alternation(words: Iterable[str]) -> str:
    return "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))


_WORD_AMOUNT = _alternation(_NUMBER_WORDS)
_UNIT = _alternation(_UNIT_SECONDS)
_PART = rf"(?:(?P<num>\d+(?:\.\d+)?)\s?|(?P<word>{_WORD_AMOUNT})\s)(?P<unit>{_UNIT})(?![a-z])"
_PART_RE = re.compile(_PART)
_ANY_PART = re.sub(r"\(\?P<\w+>", "(?:", _PART)  # the same part without group names, to repeat it
_TIME = rf"(?P<tword>{_alternation(_WORD_TIMES)})|{_CLOCK}"
_DATE = (
    r"(?P<dword>today|tonight|tomorrow|tmrw|tmr|tmw|this)"
    rf"|(?:(?P<which>next|this|on)\s)?(?P<wd>{_alternation(_WEEKDAYS)})"
    r"|(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})"
    rf"|(?P<mn>{_alternation(_MONTHS)})\.?\s?(?P<md>\d{{1,2}})(?:\s(?P<my>\d{{4}}))?"
    rf"|(?P<dm>\d{{1,2}})\s?(?:of\s)?(?P<dn>{_alternation(_MONTHS)})\.?(?:\s(?P<dy>\d{{4}}))?"
)
_AT = r"(?:at\s|@\s?)"
_RELATIVE_RE = re.compile(
    rf"(?:in\s|after\s)?(?P<parts>{_ANY_PART}(?:\s?(?:and\s)?{_ANY_PART})*)(?:\s(?:from\s)?now)?"
    rf"(?:\s{_AT}?(?P<time>{_TIME}))?"
)
_DATE_TIME_RES = (
    re.compile(rf"(?:on\s)?(?:{_DATE})"),
    re.compile(rf"{_AT}?(?:{_TIME})"),
    re.compile(rf"(?:on\s)?(?:{_DATE})\s{_AT}?(?:{_TIME})"),
    re.compile(rf"{_AT}?(?:{_TIME})\s(?:on\s)?(?:{_DATE})"),
)


def _normalize(text: str) -> str:
    """Lower-case, drop commas and ordinal suffixes, split ISO "T", squeeze spaces."""
    cleaned = text.lower().replace(",", " ")
    cleaned = re.sub(r"(\d)(?:st|nd|rd|th)\b", r"\1", cleaned)
    cleaned = re.sub(r"(\d{4}-\d{1,2}-\d{1,2})t(?=\d)", r"\1 ", cleaned)
    return " ".join(cleaned.split()).strip(" .!?")


def _amount(match: re.Match[str]) -> float:
    return float(match["num"]) if match["num"] else float(_NUMBER_WORDS[match["word"]])


def _relative(groups: dict[str, str | None], now: datetime, zone: ZoneInfo) -> datetime:
    """ "in 2 hours", "in 3 days at 5pm", "1h30m": elapsed time, whole days on the wall clock."""
    days = seconds = 0.0
    for part in _PART_RE.finditer(groups["parts"] or ""):
        value = _amount(part) * _UNIT_SECONDS[part["unit"]]
        if _UNIT_SECONDS[part["unit"]] >= _DAY:
            days += value / _DAY
        else:
            seconds += value
    if days + seconds / _DAY > _FAR_DAYS:
        raise _too_far()
    whole_days = int(days)
    seconds += (days - whole_days) * _DAY
    if groups["time"]:
        if seconds:
            raise _fail("Give either a number of days with a time, or hours and minutes, not both.")
        day = now.astimezone(zone).date() + timedelta(days=whole_days)
        return _at_local(day, _time_from(groups, "", bare_ok=True), zone)
    base = now
    if whole_days:
        wall = now.astimezone(zone).replace(tzinfo=None) + timedelta(days=whole_days)
        base = _to_utc(wall, zone)
    return base + timedelta(seconds=seconds)


def _time_from(groups: dict[str, str | None], day_word: str, bare_ok: bool) -> tuple[time, int]:
    """The clock time of a match and how many days it pushes the date (midnight, "tonight 1am")."""
    word = groups.get("tword")
    if word:
        return _WORD_TIMES[word], 1 if word == "midnight" else 0
    hour, minute, ampm = groups["h"] or "", groups.get("m"), groups.get("ap")
    if not (minute or ampm or bare_ok):
        raise _unreadable()
    clock = _clock(hour, minute, ampm)
    if clock is None:
        raise _fail("That clock time doesn't exist.")
    if day_word == "tonight":
        if ampm == "a":
            return clock, 1
        if not ampm and 1 <= clock.hour <= 11:
            return clock.replace(hour=clock.hour + 12), 0
    return clock, 0


def _named_date(year: int | None, month: int, day: int, today: date) -> list[date]:
    """Dates for "Dec 1" (this year, then next) or "Dec 1 2026"; invalid dates are an error."""
    years = [year] if year is not None else [today.year, today.year + 1]
    days = []
    for candidate_year in years:
        try:
            days.append(date(candidate_year, month, day))
        except ValueError:
            continue
    if not days:
        raise _fail("That date doesn't exist.")
    return days


def _days_from(groups: dict[str, str | None], today: date) -> list[date]:
    """Candidate dates, in order; the first one still ahead of now wins."""
    word = groups.get("dword")
    if word in ("today", "tonight", "this"):
        return [today]
    if word:
        return [today + timedelta(days=1)]
    if groups.get("wd"):
        ahead = (_WEEKDAYS[groups["wd"]] - today.weekday()) % 7
        if groups["which"] == "next":
            return [today + timedelta(days=ahead or 7)]
        return [today + timedelta(days=ahead), today + timedelta(days=ahead + 7)]
    if groups.get("iy"):
        return _named_date(int(groups["iy"]), int(groups["im"]), int(groups["id"]), today)
    for month_key, day_key, year_key in (("mn", "md", "my"), ("dn", "dm", "dy")):
        if groups.get(month_key):
            year = int(groups[year_key]) if groups[year_key] else None
            return _named_date(year, _MONTHS[groups[month_key]], int(groups[day_key]), today)
    return [today, today + timedelta(days=1)]  # a time on its own: today if still ahead, else tomorrow


def _at_local(day: date, clock: tuple[time, int], zone: ZoneInfo) -> datetime:
    when, shift = clock
    return _to_utc(datetime.combine(day + timedelta(days=shift), when), zone)


def _date_time(groups: dict[str, str | None], kind: int, now: datetime, zone: ZoneInfo) -> datetime:
    """Resolve a date/time match (kind: 0 date, 1 time, 2 date+time, 3 time+date) to UTC."""
    word = groups.get("dword") or ""
    if kind == 0 and word == "today":
        raise _fail("Add a time to that.")
    today = now.astimezone(zone).date()
    days = _days_from(groups, today)
    distance = (days[0] - today).days
    if distance > _FAR_DAYS:
        raise _too_far()
    if distance < -_FAR_DAYS:
        raise _in_past(timedelta(days=-distance))
    if kind == 0:
        clock = (_WORD_TIMES["night"] if word == "tonight" else DEFAULT_TIME, 0)
    else:
        clock = _time_from(groups, word, bare_ok=kind == 2)
    moments = [_at_local(day, clock, zone) for day in days]
    return next((moment for moment in moments if moment > now), moments[-1])


def _parse_grammar(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The fast path for the common forms; None when the text is not one of them."""
    relative = _RELATIVE_RE.fullmatch(text)
    if relative:
        return _relative(relative.groupdict(), now, zone)
    for kind, pattern in enumerate(_DATE_TIME_RES):
        match = pattern.fullmatch(text)
        if match and not (kind == 0 and match["dword"] == "this"):
            return _date_time(match.groupdict(), kind, now, zone)
    return None


# --------------------------------------------------------------------------- dateparser fallback

_PARSERS = ["relative-time", "absolute-time"]


def _looks_like_time(text: str) -> bool:
    """Skip dateparser for bare numbers ("1", "12 5"), which it turns into odd dates."""
    return bool(re.search(r"[a-z]", text) or re.search(r"\d[/:.\-]\d", text))


def _parse_fallback(text: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """Anything the grammar does not cover, read by dateparser in English."""
    if not _looks_like_time(text):
        raise _unreadable()
    import dateparser  # lazy: ~12 MB of RSS, and most input never gets here

    settings = {
        "RELATIVE_BASE": now.astimezone(zone).replace(tzinfo=None),
        "PREFER_DATES_FROM": "future",
        "TIMEZONE": zone.key,
        "TO_TIMEZONE": "UTC",
        "RETURN_AS_TIMEZONE_AWARE": True,
        "PARSERS": _PARSERS,
    }
    try:
        found = dateparser.parse(text, languages=["en"], settings=settings)
        return _as_utc(found) if found is not None else None
    except Exception as error:  # dateparser raises assorted errors on odd input; the user sees one message
        raise _unreadable() from error


# --------------------------------------------------------------------------- entry point


def _unreadable() -> WhenError:
    return _fail("I couldn't read that as a time.")


def _too_far() -> WhenError:
    return _fail("That's more than a year away; reminders can be set up to 365 days ahead.")


def _in_past(ago: timedelta) -> WhenError:
    if ago <= timedelta(0):
        return _fail("That's right now; pick a moment in the future.")
    return _fail(f"That time has already passed ({humanize_delta(ago.total_seconds())} ago).")


def _check_range(when: datetime, now: datetime) -> datetime:
    if when <= now:
        raise _in_past(now - when)
    if when - now > MAX_AHEAD:
        raise _too_far()
    return when


def parse_when(text: str, *, now: datetime, tz: str = "UTC") -> datetime:
    """When the user means, as an aware UTC datetime in (now, now + 365 days]; WhenError otherwise.

    ``now`` is the bot's clock (aware); ``tz`` is the user's IANA zone, used to read the words.
    """
    zone = _zone_or_fail(tz)
    now_utc = _as_utc(now)
    raw = text.strip() if isinstance(text, str) else ""
    if not raw:
        raise _fail("Tell me when.")
    if len(raw) > MAX_INPUT_CHARS:
        raise _fail(f"That's too long ({len(raw)} characters; the limit is {MAX_INPUT_CHARS}).")
    cleaned = _normalize(raw)
    if not cleaned:
        raise _unreadable()
    when = _parse_grammar(cleaned, now_utc, zone)
    if when is None:
        when = _parse_fallback(cleaned, now_utc, zone)
    if when is None:
        raise _unreadable()
    return _check_range(when, now_utc)
