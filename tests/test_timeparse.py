"""Tests for bot.advice.timeparse: reminder times, daily repeats across DST, and zone lookup."""

from __future__ import annotations

import ast
import time as clock
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.advice import timeparse
from bot.advice.timeparse import (
    EXAMPLES,
    WhenError,
    humanize_delta,
    next_daily,
    parse_hhmm,
    parse_when,
    search_zones,
    valid_zone,
)

# Monday 2026-06-15 12:00 UTC = 08:00 New York, 17:30 Kolkata, 13:00 London.
NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
ZONES = ("UTC", "America/New_York", "Asia/Kolkata", "Europe/London")


def local(tz: str, *parts: int) -> datetime:
    """A wall-clock moment in ``tz`` (unambiguous in these tests), expressed in UTC."""
    return datetime(*parts, tzinfo=ZoneInfo(tz)).astimezone(UTC)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


def assert_friendly(error: pytest.ExceptionInfo[WhenError]) -> None:
    for example in EXAMPLES:
        assert example in error.value.message
    assert str(error.value) == error.value.message


# --------------------------------------------------------------------------- relative forms


@pytest.mark.parametrize("tz", ZONES)
@pytest.mark.parametrize(
    ("text", "delta"),
    [
        ("in 2 hours", timedelta(hours=2)),
        ("in 45 minutes", timedelta(minutes=45)),
        ("In 45 Minutes", timedelta(minutes=45)),
        ("in 1h30m", timedelta(hours=1, minutes=30)),
        ("in an hour and 30 minutes", timedelta(hours=1, minutes=30)),
        ("in half an hour", timedelta(minutes=30)),
        ("2 hours from now", timedelta(hours=2)),
        ("in 3 days", timedelta(days=3)),
        ("in 1 week", timedelta(weeks=1)),
        ("in 2 weeks", timedelta(weeks=2)),
    ],
)
def test_relative_amounts(text: str, delta: timedelta, tz: str) -> None:
    assert parse_when(text, now=NOW, tz=tz) == NOW + delta


def test_relative_days_with_a_time() -> None:
    assert parse_when("in 3 days at 5pm", now=NOW, tz="Asia/Kolkata") == local(
        "Asia/Kolkata", 2026, 6, 18, 17, 0
    )


def test_result_is_aware_utc() -> None:
    when = parse_when("tomorrow 9am", now=NOW, tz="Asia/Kolkata")
    assert when.utcoffset() == timedelta(0)


def test_now_in_another_zone_is_accepted() -> None:
    same_moment = NOW.astimezone(ZoneInfo("Asia/Kolkata"))
    assert parse_when("in 2 hours", now=same_moment, tz="UTC") == NOW + timedelta(hours=2)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_when("in 2 hours", now=datetime(2026, 6, 15, 12), tz="UTC")


# --------------------------------------------------------------------------- day and clock forms


@pytest.mark.parametrize(
    ("text", "tz", "expected"),
    [
        ("tonight 8pm", "America/New_York", (2026, 6, 15, 20, 0)),
        ("tonight", "Asia/Kolkata", (2026, 6, 15, 20, 0)),
        ("tonight", "Europe/London", (2026, 6, 15, 20, 0)),
        ("tonight at 11", "UTC", (2026, 6, 15, 23, 0)),
        ("tonight 1am", "UTC", (2026, 6, 16, 1, 0)),
        ("tomorrow 9am", "Europe/London", (2026, 6, 16, 9, 0)),
        ("Tomorrow 9AM", "Asia/Kolkata", (2026, 6, 16, 9, 0)),
        ("tomorrow morning", "UTC", (2026, 6, 16, 9, 0)),
        ("tomorrow morning", "America/New_York", (2026, 6, 16, 9, 0)),
        ("tomorrow at 9", "Asia/Kolkata", (2026, 6, 16, 9, 0)),
        ("this evening", "America/New_York", (2026, 6, 15, 18, 0)),
        ("next monday 10:00", "America/New_York", (2026, 6, 22, 10, 0)),
        ("next monday 10:00", "Asia/Kolkata", (2026, 6, 22, 10, 0)),
        ("monday 10am", "America/New_York", (2026, 6, 15, 10, 0)),
        ("monday 10am", "Asia/Kolkata", (2026, 6, 22, 10, 0)),
        ("friday", "Europe/London", (2026, 6, 19, 9, 0)),
        ("on friday at 3pm", "UTC", (2026, 6, 19, 15, 0)),
        ("2026-12-01 18:00", "Asia/Kolkata", (2026, 12, 1, 18, 0)),
        ("2026-12-01T18:00", "America/New_York", (2026, 12, 1, 18, 0)),
        ("Dec 1 6pm", "America/New_York", (2026, 12, 1, 18, 0)),
        ("Dec 1", "Europe/London", (2026, 12, 1, 9, 0)),
        ("6pm dec 1", "UTC", (2026, 12, 1, 18, 0)),
        ("December 1st, 2026 at 6:30 p.m.", "Asia/Kolkata", (2026, 12, 1, 18, 30)),
        ("1st of december", "UTC", (2026, 12, 1, 9, 0)),
        ("jan 5", "UTC", (2027, 1, 5, 9, 0)),
        ("at 5pm", "America/New_York", (2026, 6, 15, 17, 0)),
        ("at 5pm", "Asia/Kolkata", (2026, 6, 16, 17, 0)),
        ("5pm", "Europe/London", (2026, 6, 15, 17, 0)),
        ("8.30 pm", "UTC", (2026, 6, 15, 20, 30)),
        ("noon", "America/New_York", (2026, 6, 15, 12, 0)),
        ("noon", "Europe/London", (2026, 6, 16, 12, 0)),
        ("midnight", "Asia/Kolkata", (2026, 6, 16, 0, 0)),
    ],
)
def test_day_and_clock_forms(text: str, tz: str, expected: tuple[int, ...]) -> None:
    assert parse_when(text, now=NOW, tz=tz) == local(tz, *expected)


def test_same_words_mean_different_instants_in_different_zones() -> None:
    answers = {parse_when("tomorrow 9am", now=NOW, tz=tz) for tz in ZONES}
    assert len(answers) == len(ZONES)


def test_dateparser_fallback_handles_other_phrasing() -> None:
    assert parse_when("next week", now=NOW, tz="UTC") == NOW + timedelta(weeks=1)


# --------------------------------------------------------------------------- DST boundaries


@pytest.mark.parametrize(
    ("text", "now", "tz", "expected"),
    [
        # New York springs forward 2026-03-08 02:00 EST -> 03:00 EDT (07:00 UTC).
        ("tomorrow 2:30am", utc(2026, 3, 7, 20), "America/New_York", utc(2026, 3, 8, 7, 0)),
        ("tomorrow 9am", utc(2026, 3, 7, 20), "America/New_York", utc(2026, 3, 8, 13, 0)),
        ("in 1 day", utc(2026, 3, 7, 20), "America/New_York", utc(2026, 3, 8, 19, 0)),
        ("in 24 hours", utc(2026, 3, 7, 20), "America/New_York", utc(2026, 3, 8, 20, 0)),
        # New York falls back 2026-11-01 02:00 EDT -> 01:00 EST; 01:30 happens twice.
        ("tomorrow 1:30am", utc(2026, 10, 31, 16), "America/New_York", utc(2026, 11, 1, 5, 30)),
        ("tomorrow 9am", utc(2026, 10, 31, 16), "America/New_York", utc(2026, 11, 1, 14, 0)),
        ("in 1 day", utc(2026, 10, 31, 16), "America/New_York", utc(2026, 11, 1, 17, 0)),
        # London springs forward 2026-03-29 01:00 GMT -> 02:00 BST (01:00 UTC).
        ("tomorrow 1:30am", utc(2026, 3, 28, 12), "Europe/London", utc(2026, 3, 29, 1, 0)),
        ("tomorrow 2am", utc(2026, 3, 28, 12), "Europe/London", utc(2026, 3, 29, 1, 0)),
        # London falls back 2026-10-25 02:00 BST -> 01:00 GMT; 01:30 happens twice.
        ("tomorrow 1:30am", utc(2026, 10, 24, 12), "Europe/London", utc(2026, 10, 25, 0, 30)),
        ("tomorrow 2am", utc(2026, 10, 24, 12), "Europe/London", utc(2026, 10, 25, 2, 0)),
    ],
)
def test_parse_when_across_dst(text: str, now: datetime, tz: str, expected: datetime) -> None:
    assert parse_when(text, now=now, tz=tz) == expected


# --------------------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "tz", "needle"),
    [
        ("today 9am", "UTC", "3 hours ago"),
        ("today 9am", "Asia/Kolkata", "8 hours 30 minutes ago"),
        ("5 minutes ago", "UTC", "5 minutes ago"),
        ("2025-01-01 10:00", "UTC", "ago"),
        ("in 0 minutes", "UTC", "right now"),
        ("in 400 days", "UTC", "365 days"),
        ("in 53 weeks", "UTC", "365 days"),
        ("2027-12-01 10:00", "America/New_York", "365 days"),
        ("in 99999999999999999999999 days", "UTC", "365 days"),
        ("9999-12-31 23:59", "Asia/Kolkata", "365 days"),
        ("blorp flarg", "UTC", "couldn't read"),
        ("42", "UTC", "couldn't read"),
        ("feb 30", "UTC", "doesn't exist"),
        ("at 25:00", "UTC", "doesn't exist"),
        ("13pm", "UTC", "doesn't exist"),
        ("today", "UTC", "Add a time"),
        ("", "UTC", "Tell me when"),
        ("   ", "UTC", "Tell me when"),
    ],
)
def test_unusable_times_raise_friendly_errors(text: str, tz: str, needle: str) -> None:
    with pytest.raises(WhenError) as error:
        parse_when(text, now=NOW, tz=tz)
    assert needle in error.value.message
    assert_friendly(error)


def test_overlong_input_is_refused() -> None:
    text = "in 2 hours " + "please " * 20
    assert len(text.strip()) > 100
    with pytest.raises(WhenError) as error:
        parse_when(text, now=NOW, tz="UTC")
    assert "too long" in error.value.message
    assert_friendly(error)


def test_exactly_365_days_is_allowed_but_not_more() -> None:
    assert parse_when("in 365 days", now=NOW, tz="UTC") == NOW + timedelta(days=365)
    with pytest.raises(WhenError):
        parse_when("in 366 days", now=NOW, tz="UTC")


@pytest.mark.parametrize("tz", ["Mars/Olympus_Mons", "", "../../etc/passwd", "localtime", "EST+5"])
def test_bad_timezone(tz: str) -> None:
    with pytest.raises(WhenError) as error:
        parse_when("in 2 hours", now=NOW, tz=tz)
    assert "time zone" in error.value.message
    assert_friendly(error)


# --------------------------------------------------------------------------- property: never crashes

_TOKENS = st.sampled_from(
    [
        "in",
        "at",
        "on",
        "next",
        "this",
        "tonight",
        "tomorrow",
        "today",
        "monday",
        "dec",
        "1",
        "12",
        "2026",
        "2026-12-01",
        "6pm",
        "8:30",
        "9.15",
        "am",
        "pm",
        "hours",
        "h",
        "m",
        "days",
        "weeks",
        "and",
        "noon",
        "midnight",
        "morning",
        "ago",
        "from",
        "now",
        "99999",
        "0",
        "-",
        ":",
        ",",
        "half",
        "an",
        "a",
        "EST",
    ]
)
_TEXTS = st.one_of(st.text(max_size=200), st.lists(_TOKENS, max_size=12).map(" ".join))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=_TEXTS, tz=st.sampled_from(ZONES))
def test_any_text_gives_a_future_time_or_when_error(text: str, tz: str) -> None:
    parse_when("next week", now=NOW, tz=tz)  # dateparser's one-off start-up cost is not what we time
    started = clock.perf_counter()
    try:
        when = parse_when(text, now=NOW, tz=tz)
    except WhenError as error:
        assert error.message
    else:
        assert when.tzinfo is not None
        assert NOW < when <= NOW + timedelta(days=366)
    assert clock.perf_counter() - started < 1.0


@pytest.mark.parametrize(
    "text",
    ["1" * 100, "1h" * 50, "in " + "1 hour and " * 9, "a" * 100, "9." * 50, "dec " * 25, "1 " * 50],
)
def test_adversarial_inputs_are_quick(text: str) -> None:
    started = clock.perf_counter()
    try:
        parse_when(text[:100], now=NOW, tz="UTC")
    except WhenError:
        pass
    assert clock.perf_counter() - started < 1.0


# --------------------------------------------------------------------------- next_daily


@pytest.mark.parametrize(
    ("tz", "wall", "after", "expected"),
    [
        (
            "Asia/Kolkata",
            time(8, 0),
            utc(2026, 6, 15, 12),
            [utc(2026, 6, 16, 2, 30), utc(2026, 6, 17, 2, 30)],
        ),
        ("UTC", time(12, 0), utc(2026, 6, 15, 12), [utc(2026, 6, 16, 12), utc(2026, 6, 17, 12)]),
        # Spring forward: 02:30 does not exist on 2026-03-08 in New York; fire at 03:00 EDT.
        (
            "America/New_York",
            time(2, 30),
            utc(2026, 3, 7, 12),
            [utc(2026, 3, 8, 7, 0), utc(2026, 3, 9, 6, 30), utc(2026, 3, 10, 6, 30)],
        ),
        # Fall back: 01:30 happens twice on 2026-11-01; fire once, at the first (EDT) one.
        (
            "America/New_York",
            time(1, 30),
            utc(2026, 10, 31, 12),
            [utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)],
        ),
        (
            "America/New_York",
            time(9, 0),
            utc(2026, 10, 31, 12),
            [utc(2026, 10, 31, 13, 0), utc(2026, 11, 1, 14, 0), utc(2026, 11, 2, 14, 0)],
        ),
        (
            "Europe/London",
            time(1, 30),
            utc(2026, 3, 28, 12),
            [utc(2026, 3, 29, 1, 0), utc(2026, 3, 30, 0, 30)],
        ),
        (
            "Europe/London",
            time(1, 30),
            utc(2026, 10, 24, 12),
            [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)],
        ),
    ],
)
def test_next_daily_sequences(tz: str, wall: time, after: datetime, expected: list[datetime]) -> None:
    fired = []
    for _ in expected:
        after = next_daily(wall, tz, after)
        fired.append(after)
    assert fired == expected


def test_next_daily_is_strictly_after() -> None:
    first = next_daily(time(8, 0), "UTC", utc(2026, 6, 15, 7, 59))
    assert first == utc(2026, 6, 15, 8, 0)
    assert next_daily(time(8, 0), "UTC", first) == utc(2026, 6, 16, 8, 0)


def test_next_daily_rejects_bad_zone() -> None:
    with pytest.raises(WhenError):
        next_daily(time(8, 0), "Nowhere/Land", NOW)


@settings(max_examples=300, deadline=None)
@given(
    tz=st.sampled_from(ZONES),
    wall=st.times(),
    after=st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2028, 1, 1), timezones=st.just(UTC)
    ),
)
def test_next_daily_fires_once_per_local_day(tz: str, wall: time, after: datetime) -> None:
    zone = ZoneInfo(tz)
    first = next_daily(wall, tz, after)
    second = next_daily(wall, tz, first)
    assert after < first < second
    assert first - after <= timedelta(hours=25)
    assert second.astimezone(zone).date() == first.astimezone(zone).date() + timedelta(days=1)
    day = first.astimezone(zone).date()
    naive = datetime.combine(day, wall)
    exists = naive.replace(tzinfo=zone).astimezone(UTC).astimezone(zone).replace(tzinfo=None) == naive
    shown = first.astimezone(zone)
    if exists:
        assert shown.replace(tzinfo=None) == naive
        assert shown.fold == 0  # a repeated hour fires at its first occurrence
    else:
        assert naive < shown.replace(tzinfo=None) <= naive + timedelta(hours=1)


# --------------------------------------------------------------------------- parse_hhmm, humanize_delta


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("08:30", time(8, 30)),
        ("8:30", time(8, 30)),
        ("8am", time(8, 0)),
        ("20:15", time(20, 15)),
        ("8.30 pm", time(20, 30)),
        ("12am", time(0, 0)),
        ("12pm", time(12, 0)),
        ("  7 PM ", time(19, 0)),
        ("noon", time(12, 0)),
        ("0:05", time(0, 5)),
    ],
)
def test_parse_hhmm(text: str, expected: time) -> None:
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize("text", ["8", "25:00", "13pm", "0am", "8:60", "abc", "", "tomorrow 9am"])
def test_parse_hhmm_rejects(text: str) -> None:
    with pytest.raises(WhenError) as error:
        parse_hhmm(text)
    assert "8am" in error.value.message


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (7500, "2 hours 5 minutes"),
        (3 * 86400, "3 days"),
        (60, "1 minute"),
        (30, "less than a minute"),
        (90061, "1 day 1 hour"),
        (-3600, "1 hour"),
        (2 * 86400 + 7200 + 59, "2 days 2 hours"),
    ],
)
def test_humanize_delta(seconds: float, expected: str) -> None:
    assert humanize_delta(seconds) == expected


# --------------------------------------------------------------------------- zones


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("America/New_York", "America/New_York"),
        ("america/new_york", "America/New_York"),
        ("ASIA/KOLKATA", "Asia/Kolkata"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        (" Europe/London ", "Europe/London"),
        ("Mars/Base", None),
        ("", None),
        ("../etc/passwd", None),
        ("x" * 500, None),
    ],
)
def test_valid_zone(name: str, expected: str | None) -> None:
    assert valid_zone(name) == expected


@pytest.mark.parametrize(
    ("query", "best"),
    [
        ("new york", "America/New_York"),
        ("NEW_YORK", "America/New_York"),
        ("kolkata", "Asia/Kolkata"),
        ("india", "Asia/Kolkata"),
        ("lagos", "Africa/Lagos"),
        ("karachi", "Asia/Karachi"),
        ("pakistan", "Asia/Karachi"),
        ("london", "Europe/London"),
        ("utc", "UTC"),
        ("kolk", "Asia/Kolkata"),
    ],
)
def test_search_zones_best_match_first(query: str, best: str) -> None:
    assert search_zones(query)[0] == best


def test_search_zones_results_are_valid_unique_and_limited() -> None:
    for query in ("", "a", "america", "e", "zzzz"):
        found = search_zones(query, limit=10)
        assert len(found) <= 10
        assert len(set(found)) == len(found)
        assert all(valid_zone(zone) == zone for zone in found)
    assert len(search_zones("america")) == 25
    assert search_zones("zzzz") == []
    assert search_zones("europe", limit=0) == []


def test_search_zones_substring_match() -> None:
    assert "America/Argentina/Buenos_Aires" in search_zones("buenos")


# --------------------------------------------------------------------------- hygiene


def test_module_does_not_import_discord() -> None:
    tree = ast.parse(Path(timeparse.__file__).read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not any(name.split(".")[0] == "discord" for name in imported)
