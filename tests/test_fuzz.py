"""Fuzzing (issue 8): the letter engine, the reply reader, time parsing and file extraction.

Each entry point gets arbitrary text or bytes and structured input glued from real fragments; it must
give a valid result or its own documented problem, never another exception. Time must stay linear: every
phrase regex is attacked with inputs built from its own shape (a prefix of a string it matches, then a long
run of a filler such as spaces, commas, digits or "%"), first on the regex alone, then through the public
entry point at n, 2n and 1 MB. Timings take the best of up to three runs; the big runs happen in a forked
child that is killed when it overruns, so a catastrophic case fails quickly instead of hanging the suite.
"""

from __future__ import annotations

import gc
import inspect
import io
import json
import math
import multiprocessing
import random
import re
import sys
import time
import zipfile
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from functools import cache
from pathlib import Path
from re import _constants as sre
from re import _parser as sre_parse
from typing import Any, get_args
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))

import fixtures_files as fx

from bot.advice import letters, replies, timeparse
from bot.advice.files import (
    LIMITS,
    ExtractedFile,
    FileProblem,
    ProblemCode,
    extract_letter_file,
    extract_letter_file_async,
)
from bot.advice.letters import Decision, LetterLabel, LetterReport, analyze_letter, render_text
from bot.advice.replies import ReplyReading, read_reply
from bot.advice.timeparse import (
    MAX_AHEAD,
    WhenError,
    humanize_delta,
    next_daily,
    parse_hhmm,
    parse_when,
    search_zones,
    valid_zone,
)

EVAL = Path("/work/shared/eval")
LETTER_RULES = Path(letters.__file__).with_name("letter_rules.json")
REPLY_RULES = Path(replies.__file__).with_name("reply_rules.json")
FUZZ = settings(derandomize=True, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def fuzz(examples: int) -> settings:
    """Hypothesis settings for this suite: fixed examples (CI-stable), no per-example deadline."""
    return settings(FUZZ, max_examples=examples)


MEGABYTE = 1_000_000


# ------------------------------------------------------------------------------------ timing helpers
_FORK = multiprocessing.get_context("fork")
#: A run still going after this many seconds is killed and counts as infinitely slow.
KILL_AFTER = 3.0


def _child(conn: Any, fn: Callable[[str], object], text: str) -> None:
    # The child inherits pytest's whole heap. Without this, a full collection that happens to fall inside
    # the timed call walks (and copy-on-write faults in) every inherited object: ~0.3 s of CPU that is not
    # the function's own work. Frozen objects are skipped by the collector; the function's own still count.
    gc.freeze()
    try:
        start = time.process_time()
        fn(text)
        conn.send(("ok", time.process_time() - start))
    except BaseException as exc:  # report it to the parent, whatever it is
        conn.send(("raised", repr(exc)))
    finally:
        conn.close()


def run_seconds(fn: Callable[[str], object], text: str, limit: float = KILL_AFTER) -> float:
    """How long ``fn(text)`` takes, run in a forked child; ``math.inf`` when it outlives ``limit``."""
    receive, send = _FORK.Pipe(duplex=False)
    proc = _FORK.Process(target=_child, args=(send, fn, text), daemon=True)
    proc.start()
    send.close()
    try:
        if not receive.poll(limit):
            return math.inf
        status, value = receive.recv()
    finally:
        proc.kill()
        proc.join()
        receive.close()
    assert status == "ok", f"{getattr(fn, '__name__', fn)} raised {value}"
    return value


def assert_linear(
    fn: Callable[[str], object], build: Callable[[int], str], n: int, *, slack: float, what: str
) -> None:
    """time(2n) <= 3 * time(n) + slack and 1 MB in under a second (best of up to three runs)."""
    best = dict.fromkeys((n, 2 * n, MEGABYTE), math.inf)
    for _ in range(3):
        for size in best:
            best[size] = min(best[size], run_seconds(fn, build(size)))
        if math.inf in best.values() or (best[2 * n] <= 3 * best[n] + slack and best[MEGABYTE] < 1.0):
            break
    shown = ", ".join(f"{size:,} chars: {seconds:.3f}s" for size, seconds in best.items())
    assert best[2 * n] <= 3 * best[n] + slack, f"{what} grows faster than linear ({shown})"
    assert best[MEGABYTE] < 1.0, f"{what}: 1 MB takes too long ({shown})"


@pytest.fixture(scope="module", autouse=True)
def warm_engines() -> None:
    """Compile the rules and start dateparser once, in this process, before anything is timed or forked."""
    analyze_letter("warm up")
    read_reply("warm up")
    parse_when("next week", now=datetime(2026, 1, 1, tzinfo=UTC), tz="UTC")


def regex_seconds(pattern: re.Pattern[str], text: str) -> float:
    start = time.process_time()
    for _ in pattern.finditer(text):
        pass
    return time.process_time() - start


# ------------------------------------------------------------------ strings a regex matches (sampler)
_CATEGORY_CHARS = {sre.CATEGORY_SPACE: " ", sre.CATEGORY_DIGIT: "1", sre.CATEGORY_WORD: "a"}


def sample_match(pattern: str, rng: random.Random) -> str:
    """A string shaped like a match of ``pattern``: branches and repeat counts drawn from ``rng``.

    Look-arounds and anchors are ignored, so the result is a candidate; callers keep those that match.
    """
    return _emit(sre_parse.parse(pattern), rng)


def _emit(items: Iterable[tuple[Any, Any]], rng: random.Random) -> str:
    return "".join(_emit_one(op, av, rng) for op, av in items)


def _emit_one(op: Any, av: Any, rng: random.Random) -> str:
    if op is sre.LITERAL:
        return chr(av)
    if op in (sre.NOT_LITERAL, sre.ANY):
        return "b" if av == ord("a") else "a"
    if op is sre.IN:
        return _class_char(av, rng)
    if op is sre.BRANCH:
        return _emit(rng.choice(av[1]), rng)
    if op in (sre.MAX_REPEAT, sre.MIN_REPEAT, sre.POSSESSIVE_REPEAT):
        low, high, sub = av
        return "".join(_emit(sub, rng) for _ in range(rng.randint(low, min(high, low + 2))))
    if op is sre.SUBPATTERN:
        return _emit(av[-1], rng)
    if op is sre.ATOMIC_GROUP:
        return _emit(av, rng)
    if op is sre.CATEGORY:
        return _CATEGORY_CHARS.get(av, "a")
    return ""  # anchors, look-arounds, back-references


def _class_char(items: list[tuple[Any, Any]], rng: random.Random) -> str:
    if items and items[0][0] is sre.NEGATE:
        return "a"
    kind, value = rng.choice(items)
    if kind is sre.LITERAL:
        return chr(value)
    if kind is sre.RANGE:
        return chr(rng.randint(*value))
    return _CATEGORY_CHARS.get(value, "a")


def matching_samples(pattern: re.Pattern[str], count: int = 4) -> list[str]:
    """Up to ``count`` distinct strings that ``pattern`` really finds something in."""
    rng = random.Random(pattern.pattern)
    found: dict[str, None] = {}
    for _ in range(count * 4):
        text = sample_match(pattern.pattern, rng)
        if pattern.search(text):
            found[text] = None
        if len(found) == count:
            break
    return list(found)


def test_sampler_finds_matches_for_every_rule_pattern() -> None:
    """The adversarial inputs below start from real matches, so the sampler must find them."""
    patterns = [p for rule in letters.load_rules().rules for p in rule.patterns]
    patterns += [rule.regex for rule in replies.load_rules().rules]
    missing = [p.pattern[:80] for p in patterns if not matching_samples(p, 1)]
    assert len(patterns) > 100 and not missing


# ------------------------------------------------------------------------- adversarial regex screen
#: Runs that the rule regexes treat specially: whitespace, word characters, digits, punctuation.
FILLERS = (" ", "\n", "a", "1", "-", "_", ",", "%", ".", "'")
SCREEN_N = 300  # chars per screening run: enough to rank attacks, cheap for the catastrophic ones
HOPELESS = 0.02  # CPU seconds: a screening run this slow (300 chars!) fails at once
CHECK_N = 1000  # regex-level growth is measured from CHECK_N to 2 * CHECK_N (about one long sentence)


def _cut_points(sample: str) -> set[int]:
    """Places where a prefix can end: at word and punctuation boundaries, and at both ends."""
    points = {0, len(sample)}
    for i in range(1, len(sample)):
        if sample[i - 1].isalnum() != sample[i].isalnum() or " " in (sample[i - 1], sample[i]):
            points.add(i)
    return points


def attack_units(pattern: re.Pattern[str]) -> set[tuple[str, str]]:
    """(prefix, filler) pairs for ``pattern``: each prefix of a match, then a long run of one filler."""
    units: set[tuple[str, str]] = set()
    for sample in matching_samples(pattern, 3):
        pumps = {f"{word} " for word in sample.split()[:3]} | {sample + " "}
        for cut in _cut_points(sample):
            units.update((sample[:cut], filler) for filler in (*FILLERS, *pumps))
    return units


def pumped(prefix: str, filler: str, size: int) -> str:
    return prefix + filler * max(1, (size - len(prefix)) // len(filler))


Attack = tuple[float, re.Pattern[str], str, str]  # (seconds at SCREEN_N, pattern, prefix, filler)


def worst_units(patterns: Iterable[re.Pattern[str]], keep: int = 1) -> list[Attack]:
    """Each pattern's ``keep`` most expensive attacks at SCREEN_N characters, the slowest first."""
    worst: list[Attack] = []
    for p in patterns:
        timed: list[Attack] = []
        for prefix, filler in attack_units(p):
            timed.append((regex_seconds(p, pumped(prefix, filler, SCREEN_N)), p, prefix, filler))
            if timed[-1][0] > HOPELESS:
                return [timed[-1]]
        worst += sorted(timed, key=lambda row: -row[0])[:keep]
    return sorted(worst, key=lambda row: -row[0])


def assert_regex_linear(attack: Attack, what: str) -> None:
    """Regex time from CHECK_N to 2 * CHECK_N characters grows at most 3x (plus 0.5 ms of noise).

    An attack that took HOPELESS seconds on SCREEN_N characters (about 50 times the slowest linear
    rule) or 0.1 s on CHECK_N characters fails at once, without timing the bigger input.
    """
    screened, pattern, prefix, filler = attack
    assert screened <= HOPELESS, (
        f"{what}: catastrophic backtracking on {prefix!r} + {filler!r} * n: {SCREEN_N} chars take "
        f"{screened * 1000:.1f} ms of CPU (regex {pattern.pattern[:120]!r})"
    )
    small = large = math.inf
    for _ in range(3):
        small = min(small, regex_seconds(pattern, pumped(prefix, filler, CHECK_N)))
        if small > 0.1:
            break
        large = min(large, regex_seconds(pattern, pumped(prefix, filler, 2 * CHECK_N)))
        if large <= 3 * small + 0.0005 or large > 0.02:  # fine, or far beyond noise: stop early
            break
    assert large <= 3 * small + 0.0005, (
        f"{what}: catastrophic backtracking on {prefix!r} + {filler!r} * n: "
        f"{CHECK_N} chars {small * 1000:.2f} ms, {2 * CHECK_N} chars {large * 1000:.2f} ms "
        f"(regex {pattern.pattern[:120]!r})"
    )


# ----------------------------------------------------------------------------------- letter engine
LETTER_DATA = json.loads(LETTER_RULES.read_text(encoding="utf-8"))
TEXT_SCOPE = {rule["id"] for rule in LETTER_DATA["rules"] if rule.get("scope") == "text"}

def _letter_rule(rule_id: str) -> Any:
    return next(rule for rule in letters.load_rules().rules if rule.id == rule_id)


def _rule_regexes(rule: Any) -> list[re.Pattern[str]]:
    return [p for p in (*rule.patterns, rule.requires, rule.excludes) if p is not None]


def _letter_text(rule_id: str, prefix: str, filler: str) -> Callable[[int], str]:
    """A text of the requested size: one long run (whole-text rules) or many ~1,150-char sentences.

    Each sentence opens with the rule's anchor words, so the engine really runs the rule on it.
    """
    if rule_id in TEXT_SCOPE:
        return lambda size: pumped(prefix, filler, size)[:size]
    raw = next(rule for rule in LETTER_DATA["rules"] if rule["id"] == rule_id)
    anchors = " ".join(raw.get("anchors", []) + raw.get("words", []))[:300]
    sentence = pumped(f"{anchors} {prefix}", filler, 1150) + ". "
    return lambda size: (sentence * (size // len(sentence) + 1))[:size]


def _analyze(text: str) -> LetterReport:
    return analyze_letter(text, today=date(2026, 6, 1))


# Five rules were quadratic here before the engine made flexible spaces possessive and checked the word
# start inside each compiled pattern (boilerplate.exposure, template.placeholder, remedial.progress,
# specific.volume, context.duration; e.g. ('year ' + '1' * 1150 + '. ') * 87 took 1.5 s).
@pytest.mark.parametrize("rule_id", [r["id"] for r in LETTER_DATA["rules"]])
def test_letter_rule_regexes_stay_linear_on_their_own_adversarial_input(rule_id: str) -> None:
    attacks = worst_units(_rule_regexes(_letter_rule(rule_id)))
    for attack in attacks:
        assert_regex_linear(attack, rule_id)
    _, _, prefix, filler = attacks[0]
    build = _letter_text(rule_id, prefix, filler)
    assert_linear(_analyze, build, 5_000, slack=0.03, what=f"analyze_letter on {rule_id} input")


#: Runs that reach the engine's own regexes (sentences, dates, contact details, names, negation).
GENERIC_RUNS = [
    " ", "\n\n", ".", ". ", "1 % ", "a-", "[", "(", "<", "@", "+1 ", "tel: 1 ", "Dr. A ", "Dear ",
    "Sincerely,\n", "jan 1 ", "1/", "not but no never ", "\u201c\u2014\u2019\u0130",
]  # fmt: skip


@pytest.mark.parametrize("unit", GENERIC_RUNS)
def test_letter_engine_is_linear_on_long_runs(unit: str) -> None:
    build = lambda size: (unit * (size // len(unit) + 1))[:size]  # noqa: E731
    assert_linear(_analyze, build, 10_000, slack=0.03, what=f"analyze_letter on {unit!r} * n")


def _letter_sentences() -> list[str]:
    texts = [json.loads(line)["text"] for line in (EVAL / "letters-dev.jsonl").read_text().splitlines()]
    return [s for text in texts for s in re.split(r"(?<=[.!?])\s+", text) if s]


@cache
def letter_fragments() -> list[str]:
    """Real letter sentences, rule anchors and words, and strings each rule pattern matches."""
    parts = _letter_sentences()
    for rule in LETTER_DATA["rules"]:
        parts += rule.get("anchors", []) + rule.get("words", [])
    for rule in letters.load_rules().rules:
        for pattern in rule.patterns:
            parts += matching_samples(pattern, 2)
    return parts


GLUE = [
    "not", "never", "no", "n't", "without", "cannot", "hardly", "no concerns", "but", "however,",
    "although", "yet", "[Name]", "[", "]", "(", ")", "{", "}", "{{name}}", "<date>", "___", "he/she", "%",
    "10%", "top 5%", "1 of 60", "99999999999", "-3", "3.5", "1,000", "0", "\n", "\n\n", "\r\n", "\u2028",
    "\t", ". ", "!", "?", "...", "\u201c", "\u201d", "\u2019", "\u2014", "\u0130", "\u00df", "\ufb01",
    "Dr.", "Dr. Smith was", "Dr. Jones is", "Sincerely,", "Dear Program Director,", "To whom it may concern",
    "March 3, 2025", "31/02/2024", "2024-02-30", "Feb 30, 2024", "13/13/2013", "tel: +1 555 0100",
    "a@b.co", "@", "\x00", "\U0001f642", "\u0645\u0631\u062d\u0628\u0627", "\u200b", "\ufeff",
]  # fmt: skip
SEPARATORS = st.sampled_from(["", " ", "  ", ". ", ", ", "\n", "\n\n", "; ", " but ", " - "])


def glued(fragments: list[str]) -> st.SearchStrategy[str]:
    piece = st.one_of(
        st.sampled_from(fragments or GLUE),
        st.sampled_from(GLUE),
        st.integers(-(10**15), 10**15).map(str),
        st.text(max_size=6),
    )
    return st.lists(st.tuples(piece, SEPARATORS), max_size=30).map(
        lambda pairs: "".join(a + b for a, b in pairs)
    )


FULL_UNICODE = st.text(st.characters(exclude_categories=("Cs",)), max_size=400)
#: Any code point at all, lone surrogates included (they can arrive from a Discord payload).
WITH_SURROGATES = st.text(st.characters() | st.integers(0xD800, 0xDFFF).map(chr), max_size=200)
ALLOWED_DECISIONS = {LetterLabel.strong: {Decision.yes}, LetterLabel.negative: {Decision.no}}


def check_letter_report(text: str, report: LetterReport) -> None:
    """The shape every report must have (seed 000: strong means yes, any concern means no)."""
    assert isinstance(report, LetterReport)
    assert report.label in set(LetterLabel) and report.decision in set(Decision)
    assert report.decision in ALLOWED_DECISIONS.get(report.label, set(Decision))
    assert not [n for n in report.notes if n.startswith("internal error")], report.notes
    for ev in report.evidence:
        assert ev.quote and ev.quote in text, ev
        assert ev.quote.strip() in ev.sentence and ev.sentence in text, ev
    assert report.word_count >= 0 and report.summary and report.next_steps
    assert report.whole_letter or not report.checklist
    json.dumps(report.model_dump(mode="json"), ensure_ascii=False).encode("utf-8")
    assert render_text(report)


@fuzz(100)
@given(text=glued([]) | FULL_UNICODE, today=st.dates())
def test_letter_engine_on_unicode_soup(text: str, today: date) -> None:
    check_letter_report(text, analyze_letter(text, today=today))


@fuzz(120)
@given(data=st.data())
def test_letter_engine_on_glued_letter_fragments(data: st.DataObject) -> None:
    text = data.draw(glued(letter_fragments()))
    check_letter_report(text, analyze_letter(text, today=date(2026, 6, 1)))


@fuzz(60)
@given(text=WITH_SURROGATES)
def test_letter_engine_survives_lone_surrogates(text: str) -> None:
    report = analyze_letter(text)
    assert not [n for n in report.notes if n.startswith("internal error")], report.notes
    json.dumps(report.model_dump(mode="json"), ensure_ascii=False).encode("utf-8")


# ------------------------------------------------------------------------------------ reply reader
REPLY_DATA = json.loads(REPLY_RULES.read_text(encoding="utf-8"))
REPLY_SCANNERS = ("negators", "weakeners", "clause_breaks", "comma_breaks")


def _reply_regex(name: str) -> re.Pattern[str]:
    rules = replies.load_rules()
    if name in REPLY_SCANNERS:
        return getattr(rules, name)
    return next(rule.regex for rule in rules.rules if rule.id == name)


def _reply_text(prefix: str, filler: str) -> Callable[[int], str]:
    return lambda size: pumped(prefix, filler, size)[:size]


@pytest.mark.parametrize("name", [r["id"] for r in REPLY_DATA["rules"]] + list(REPLY_SCANNERS))
def test_reply_regexes_stay_linear_on_their_own_adversarial_input(name: str) -> None:
    attacks = worst_units([_reply_regex(name)])
    for attack in attacks:
        assert_regex_linear(attack, name)
    _, _, prefix, filler = attacks[0]
    assert_linear(read_reply, _reply_text(prefix, filler), 2000, slack=0.01, what=f"read_reply on {name}")


def test_the_strong_letter_pattern_no_longer_backtracks_on_whitespace() -> None:
    """Regression: 'very strong' + 5,000 spaces took ~2 s until the comma/space group was unambiguous."""
    for text in ("very strong" + " " * 4990, "strong" + "\n" * 4990, "super strnog" + " " * MEGABYTE):
        assert run_seconds(read_reply, text) < 0.5
    reading = read_reply("She said: a very strong , detailed letter, of course.")
    assert reading.label == "enthusiastic"
    assert any(e.quote == "very strong , detailed letter" for e in reading.evidence)


@cache
def reply_fragments() -> list[str]:
    rows = [json.loads(line) for line in (EVAL / "replies-dev.jsonl").read_text().splitlines()]
    parts = [row["text"] for row in rows]
    for rule in replies.load_rules().rules:
        parts += matching_samples(rule.regex, 2)
    return [
        *parts,
        "On Mon, Jan 5, 2026 at 9:00 AM Ana <ana@example.com> wrote:",
        "> Could you write me a strong letter?",
        "-----Original Message-----",
        "Sent from my iPhone",
        "if", "unless", "maybe", "I can't promise", "no problem", "without reservation",
    ]  # fmt: skip


def check_reading(text: str, reading: ReplyReading) -> None:
    assert isinstance(reading, ReplyReading)
    assert reading.label in get_args(replies.Label)
    assert reading.summary and reading.advice == replies.ADVICE[reading.label]
    for ev in reading.evidence:
        assert ev.quote and ev.quote in text, ev
    doubts = {ev.category for ev in reading.evidence} & {"decline", "hedge"}
    assert not (doubts and reading.label == "enthusiastic"), reading  # the module's safety rule
    reading.model_dump_json()


@fuzz(150)
@given(data=st.data())
def test_reply_reader_on_glued_fragments(data: st.DataObject) -> None:
    text = data.draw(glued(reply_fragments()) | FULL_UNICODE | WITH_SURROGATES)
    check_reading(text, read_reply(text))


# ----------------------------------------------------------------------------------- time parsing
ZONE_NAMES = sorted(timeparse._zone_names())
DST_ZONES = ["America/New_York", "Europe/London", "Australia/Lord_Howe", "Pacific/Apia", "America/Santiago"]
WHEN_TOKENS = [
    "in", "at", "@", "on", "next", "this", "tonight", "tomorrow", "today", "yesterday", "now", "from", "ago",
    "and", "monday", "sun", "dec", "feb", "Feb 30", "feb 29", "29 feb 2027", "31 apr", "2026-03-08",
    "2026-03-08T02:30", "2:30", "2:30am", "1:30", "12am", "0pm", "13pm", "24:00", "25:00", "8.30", "noon",
    "midnight", "morning", "1", "12", "0", "-5", "0.5", "1e10", "99999999999", "2026", "9999", "0000",
    "10/10/10", "31.12.2026", "hours", "h", "m", "minutes", "0 minutes", "days", "weeks", "years",
    "in 99999999999 years", "in 366 days", "in 365 days", "-5 hours", "half an", "a", "an", "EST", "PST",
    "UTC", "UTC+5", "GMT-3", "IST", "Z", "T", ",", ".", ":", "-", "\u00a0", "\u0663",
]  # fmt: skip
DST_NOWS = [
    datetime(2026, 3, 8, 6, 30, tzinfo=UTC),  # New York, half an hour before the spring gap
    datetime(2026, 11, 1, 5, 30, tzinfo=UTC),  # New York, inside the repeated hour
    datetime(2026, 3, 29, 0, 30, tzinfo=UTC),  # London, just before the gap
    datetime(2026, 10, 3, 15, 0, tzinfo=UTC),  # Lord Howe, half-hour shift
    datetime(2011, 12, 29, 20, 0, tzinfo=UTC),  # Apia skipped 30 December 2011
    datetime(2026, 12, 31, 23, 59, tzinfo=UTC),
]
NOWS = st.sampled_from(DST_NOWS) | st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)
)
WHEN_TEXTS = st.one_of(
    st.lists(st.sampled_from(WHEN_TOKENS), max_size=10).map(" ".join),
    st.lists(st.sampled_from(WHEN_TOKENS), max_size=10).map("".join),
    st.text(max_size=120),
)
TZS = st.sampled_from(DST_ZONES) | st.sampled_from(ZONE_NAMES) | st.text(max_size=70)


@fuzz(200)
@given(text=WHEN_TEXTS, now=NOWS, tz=TZS)
def test_parse_when_gives_a_future_time_or_when_error(text: str, now: datetime, tz: str) -> None:
    start = time.process_time()
    try:
        when = parse_when(text, now=now, tz=tz)
    except WhenError as error:
        assert error.message and "Try" in error.message
    else:
        assert when.utcoffset() == timedelta(0)
        assert now < when <= now + MAX_AHEAD
    assert time.process_time() - start < 1.0


WHEN_RUNS = ["1", "1h", "1 hour and ", "in ", "a", "9.", "dec ", "1 ", " ", ":", "-", "at ", "next ", "2026-"]


@pytest.mark.parametrize("unit", WHEN_RUNS)
def test_parse_when_time_is_linear_and_a_megabyte_is_refused_at_once(unit: str) -> None:
    def seconds(size: int) -> float:
        text = (unit * size)[:size]
        best = math.inf
        for _ in range(3):
            start = time.process_time()
            try:
                parse_when(text, now=DST_NOWS[5], tz="Asia/Kolkata")
            except WhenError:
                pass
            best = min(best, time.process_time() - start)
        return best

    assert seconds(timeparse.MAX_INPUT_CHARS) <= 3 * seconds(timeparse.MAX_INPUT_CHARS // 2) + 0.05
    assert seconds(MEGABYTE) < 0.1


@fuzz(200)
@given(text=WHEN_TEXTS)
def test_parse_hhmm_gives_a_time_or_when_error(text: str) -> None:
    try:
        found = parse_hhmm(text)
    except WhenError as error:
        assert error.message
    else:
        assert isinstance(found, clock_time) and found.tzinfo is None


@fuzz(150)
@given(
    wall=st.times(),
    tz=st.sampled_from(DST_ZONES) | st.sampled_from(ZONE_NAMES),
    after=st.datetimes(
        min_value=datetime(1971, 1, 1),
        max_value=datetime(2100, 1, 1),
        timezones=st.sampled_from([UTC, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kathmandu")]),
    ),
)
def test_next_daily_is_the_next_firing(wall: clock_time, tz: str, after: datetime) -> None:
    fired = next_daily(wall, tz, after)
    assert fired.utcoffset() == timedelta(0)
    assert after < fired <= after + timedelta(days=2)


@fuzz(100)
@given(tz=st.text(max_size=80))
def test_next_daily_rejects_unknown_zones_with_when_error(tz: str) -> None:
    try:
        fired = next_daily(clock_time(9), tz, DST_NOWS[0])
    except WhenError as error:
        assert error.message and valid_zone(tz) is None
    else:
        assert valid_zone(tz) is not None and fired > DST_NOWS[0]


@fuzz(100)
@given(name=st.text(max_size=80) | st.sampled_from(ZONE_NAMES).map(str.upper), limit=st.integers(-5, 40))
def test_zone_lookups_only_return_real_zones(name: str, limit: int) -> None:
    canonical = valid_zone(name)
    assert canonical is None or (canonical in ZONE_NAMES and valid_zone(canonical) == canonical)
    found = search_zones(name, limit)
    assert len(found) <= max(0, limit) and len(set(found)) == len(found)
    assert set(found) <= set(ZONE_NAMES)


@fuzz(150)
@given(seconds=st.floats(allow_nan=True, allow_infinity=True) | st.integers(-(10**20), 10**20))
def test_humanize_delta_on_any_number(seconds: float) -> None:
    if not math.isfinite(seconds):
        with pytest.raises(ValueError):
            humanize_delta(seconds)
        return
    shown = humanize_delta(seconds)
    if abs(seconds) < 60:
        assert shown == "less than a minute"
    else:
        assert re.fullmatch(r"\d+ (day|hour|minute)s?( \d+ (hour|minute)s?)?", shown), shown


# ---------------------------------------------------------------------------------- file extraction
TODAY = date(2026, 6, 1)
PROBLEM_CODES = set(get_args(ProblemCode))
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
#: The Discord layer stops waiting after this; every extraction must finish well inside it.
TIME_LIMIT = inspect.signature(extract_letter_file_async).parameters["timeout"].default


def _letter_text_file() -> str:
    return "\n".join(fx.LETTER_LINES) + "\n\u201cQuoted\u201d na\u00efve caf\u00e9 \u2014 done.\n"


@cache
def file_fixtures() -> list[tuple[str, bytes]]:
    text = _letter_text_file()
    return [
        ("pdf", fx.make_pdf()),
        ("pdf", fx.make_pdf(size=fx.A4_SIZE, rotate=90)),
        ("pdf", fx.numbered_pages_pdf(3)),
        ("pdf", fx.image_only_pdf()),
        ("pdf", fx.encrypt_pdf(fx.make_pdf(), "secret")),
        ("docx", fx.make_docx(fx.LETTER_LINES, [["a", "b"], ["c", "d"]], "Riverside Hospital", True)),
        ("docx", fx.make_docx(["Dear Program Director,", "She is excellent."])),
        ("txt", text.encode("utf-8")),
        ("txt", text.encode("utf-8-sig")),
        ("txt", text.encode("utf-16")),
        ("txt", text.encode("cp1252", errors="replace")),
    ]


def check_extraction(filename: str, data: bytes) -> None:
    """A readable result or a FileProblem, inside the time limit; nothing else may escape."""
    start = time.perf_counter()
    try:
        result = extract_letter_file(filename, data, today=TODAY)
    except FileProblem as problem:
        assert problem.code in PROBLEM_CODES and problem.user_message
    else:
        assert isinstance(result, ExtractedFile)
        assert result.kind == filename.rsplit(".", 1)[-1].lower()
        assert result.text.strip() and len(result.text) <= LIMITS.max_text_chars
        assert "\r" not in result.text and not _CONTROL.search(result.text)
        if result.kind == "pdf":
            assert result.pages and result.readiness
            assert all(item.status in ("ok", "warn", "fail") for item in result.readiness)
    assert time.perf_counter() - start < TIME_LIMIT / 2


def mutate(data: bytes, draw: Callable[[st.SearchStrategy[Any]], Any], spare: bytes) -> bytes:
    """Apply one to six byte-level edits: flip, insert, delete, duplicate, splice or truncate."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 6))):
        if not out:
            break
        op = draw(st.sampled_from(["flip", "insert", "delete", "duplicate", "splice", "truncate"]))
        at = draw(st.integers(0, len(out) - 1))
        size = draw(st.integers(1, 64))
        if op == "flip":
            out[at] = draw(st.integers(0, 255))
        elif op == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=size))
        elif op == "delete":
            del out[at : at + size]
        elif op == "duplicate":
            out[at:at] = out[at : at + size]
        elif op == "splice":
            start = draw(st.integers(0, max(0, len(spare) - size)))
            out[at : at + size] = spare[start : start + size]
        else:
            del out[at:]
    return bytes(out)


@fuzz(200)
@given(data=st.data())
def test_mutated_fixture_files_give_text_or_file_problem(data: st.DataObject) -> None:
    ext, original = data.draw(st.sampled_from(file_fixtures()))
    _, spare = data.draw(st.sampled_from(file_fixtures()))
    check_extraction(f"letter.{ext}", mutate(original, data.draw, spare))


DOCX_MEMBERS = ["word/document.xml", "[Content_Types].xml", "_rels/.rels", "word/_rels/document.xml.rels"]
XML_BITS = [
    "<w:p>", "</w:p>", "<w:t>", "</w:t>", "<w:tbl>", "<w:tr>", "<w:tc>", "&amp;", "&#0;", "&x;",
    "<!DOCTYPE x [<!ENTITY a 'aaaa'>]>", "<![CDATA[", "\x00", "\ufffd", "<?xml version='9'?>",
]  # fmt: skip


@fuzz(50)
@given(data=st.data())
def test_docx_with_damaged_parts_gives_text_or_file_problem(data: st.DataObject) -> None:
    """Keep the zip valid and damage what python-docx and lxml parse inside it."""
    source = file_fixtures()[5][1]
    with zipfile.ZipFile(io.BytesIO(source)) as zf:
        members = {name: zf.read(name) for name in zf.namelist()}
    target = data.draw(st.sampled_from(DOCX_MEMBERS))
    action = data.draw(st.sampled_from(["mutate", "inject", "drop"]))
    if action == "drop":
        members.pop(target)
    elif action == "inject":
        body = members[target]
        at = data.draw(st.integers(0, len(body)))
        bits = "".join(data.draw(st.lists(st.sampled_from(XML_BITS), min_size=1, max_size=5)))
        members[target] = body[:at] + bits.encode("utf-8") + body[at:]
    else:
        members[target] = mutate(members[target], data.draw, source)
    compression = data.draw(st.sampled_from([zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED]))
    check_extraction("letter.docx", fx.zip_bytes(members, compression))


PDF_OPS = [
    "BT", "ET", "Tj", "TJ", "'", '"', "Td", "TD", "Tm", "T*", "Tf", "TL", "Tc", "Tw", "Tz", "Ts", "q", "Q",
    "cm", "Do", "re", "f", "(", ")", "(x)", "(\\", "<41>", "<4", "[", "]", "/F1", "/F9", "/", "0", "-1",
    "1e999", "99999999999999999999", "-0.0", "NaN", "3.4028235e38", "\x00", "%",
]  # fmt: skip
BOX_VALUES = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=32), st.integers(-(10**12), 10**12)
)


@fuzz(120)
@given(
    ops=st.lists(st.sampled_from(PDF_OPS), max_size=40),
    box=st.lists(BOX_VALUES, min_size=4, max_size=4),
    rotate=st.sampled_from([0, 90, 180, 270, -90, 45, 360 * 10**6]),
)
def test_pdf_with_fuzzed_content_and_page_box(ops: list[str], box: list[float], rotate: int) -> None:
    """A structurally valid PDF whose content stream, media box and rotation are nonsense."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, FloatObject, NameObject, NumberObject

    writer = PdfWriter()
    page = writer.add_blank_page(*fx.LETTER_SIZE)
    fx._text_page(writer, ["Dear Program Director,", "Sincerely,"], fx.LETTER_SIZE)
    stream = DecodedStreamObject()
    stream.set_data(" ".join(["BT /F1 11 Tf 72 700 Td", *ops]).encode("latin-1"))
    page.replace_contents(stream)
    page[NameObject("/MediaBox")] = ArrayObject(FloatObject(v) for v in box)
    page[NameObject("/Rotate")] = NumberObject(rotate)
    buffer = io.BytesIO()
    writer.write(buffer)
    check_extraction("Letter.PDF", buffer.getvalue())


#: Starts of real formats (and byte-order marks), so the random rest reaches the parsers.
HEADS = [
    b"", b"%PDF-", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj", b"PK\x03\x04", b"\xef\xbb\xbf", b"\xff\xfe",
    b"\xfe\xff", b"\xff\xfe\x00\x00", b"{\\rtf1",
]  # fmt: skip


@fuzz(150)
@given(
    ext=st.sampled_from(["pdf", "docx", "txt", "PDF", "Docx", "TXT"]),
    name=st.text(max_size=30).filter(lambda s: "." not in s and "/" not in s and "\\" not in s),
    head=st.sampled_from(HEADS),
    body=st.binary(max_size=3000),
)
def test_random_bytes_with_each_extension(ext: str, name: str, head: bytes, body: bytes) -> None:
    check_extraction(f"{name or 'x'}.{ext}", head + body)
