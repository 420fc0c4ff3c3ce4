"""Parity tests for the letter engine's speed paths: each fast path must give exactly what the plain
form gives.

The sentence scan searches each word-start pattern in a "separated" form (one consumed non-word
character instead of the start look-behind, see ``letters._pattern_spots``); here every rule pattern is
run both ways over real letter sentences and over glued rule matches (adjacent matches, odd
characters before a match, windows starting mid-word). The report is built from plain rows validated in
one call; the tests check it still holds real models.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from test_fuzz import matching_samples

from bot.advice import letters as lt
from bot.advice import text as tx
from bot.advice.letters import ChecklistItem, Evidence, analyze_letter, load_rules

DEV_SET = Path("/work/shared/eval/letters-dev.jsonl")
#: What may sit between two matches or before one: nothing, spaces, punctuation, a letter, a digit.
GLUES = ("", " ", ". ", "-", "'", "\n", "x", "7", "%", "/", ",", '"')


def _dev_texts() -> list[str]:
    if not DEV_SET.exists():
        return []
    return [json.loads(line)["text"] for line in DEV_SET.read_text(encoding="utf-8").splitlines()]


def _scanned() -> list[tuple[str, re.Pattern[str], re.Pattern[str] | None]]:
    """(rule id, pattern, separated form) for every pattern the sentence scan runs."""
    return [(rule.id, pattern, sep) for rule, pattern, sep in load_rules().runs if pattern is not None]


def _plain(pattern: re.Pattern[str], folded: str, a: int, b: int) -> list[tuple[int, int]]:
    return [m.span() for m in pattern.finditer(folded, a, b)]


def test_every_scanned_pattern_has_the_word_start_check_the_separated_form_replaces() -> None:
    scanned = _scanned()
    assert len(scanned) > 200
    for rule_id, pattern, separated in scanned:
        assert pattern.pattern.startswith("(?<![a-z0-9])"), rule_id
        assert separated is not None and separated.pattern.startswith("[^a-z0-9]"), rule_id


@pytest.mark.skipif(not DEV_SET.exists(), reason="dev set not available")
def test_separated_search_equals_plain_search_on_every_dev_sentence() -> None:
    scanned = _scanned()
    compared = 0
    for text in _dev_texts():
        folded = tx.fold(text)
        for a, b in tx.sentence_spans(folded):
            for rule_id, pattern, separated in scanned:
                fast = lt._pattern_spots(pattern, separated, folded, a, b)
                assert fast == _plain(pattern, folded, a, b), (rule_id, folded[a:b][:80])
                compared += bool(fast)
    assert compared > 500, "the dev sentences should exercise many real matches"


def _glued_texts(samples: list[str], rng: random.Random) -> list[str]:
    """Samples glued to each other and to odd neighbours, so matches touch, repeat and shift."""
    texts = []
    for glue in GLUES:
        texts.append(glue.join(samples))
        texts.append(glue + glue.join(samples * 2) + glue)
        texts.append("".join(rng.choice(GLUES) + s for s in samples * 2))
    return texts


def test_separated_search_equals_plain_search_on_glued_matches() -> None:
    rng = random.Random(5)
    found = 0
    for rule_id, pattern, separated in _scanned():
        samples = [s.lower() for s in matching_samples(pattern, 3)]
        assert samples, rule_id
        for text in _glued_texts(samples, rng):
            folded = tx.fold(text)
            n = len(folded)
            windows = {(0, n), (1, n), (n // 3, n), (0, 2 * n // 3), (n // 2, n - 1)}
            for a, b in windows:
                fast = lt._pattern_spots(pattern, separated, folded, a, b)
                assert fast == _plain(pattern, folded, a, b), (rule_id, text[:80], a, b)
                found += len(fast) > 1
    assert found > 300, "glued samples should produce many multi-match windows"


@pytest.mark.parametrize(
    ("source", "text"),
    [
        ("-?ab%", "ab%-ab% ab%-ab%ab% -ab%"),  # a match may start right where one ending in "%" stops
        ("'?x'?", " x''x' x'-x'x"),  # ... or where one ending in an apostrophe stops
        ("(?:[0-9]+[.])+", "1.2.3. 4.5.x 6.7"),  # runs of digits and dots
        (" ?ab", " ab  ab.ab"),  # optional leading whitespace
    ],
)
def test_separated_search_equals_plain_search_for_edge_patterns(source: str, text: str) -> None:
    pattern = lt._compile(source, {})
    separated = lt._separated(pattern)
    for a in range(len(text)):
        for b in range(a, len(text) + 1):
            assert lt._pattern_spots(pattern, separated, text, a, b) == _plain(pattern, text, a, b), (a, b)


def test_placeholder_underscores_need_a_run_of_three_and_quote_the_whole_run() -> None:
    report = analyze_letter("Dear __, I recommend ______ for residency.")
    quotes = [e.quote for e in report.evidence if e.rule_id == "template.placeholder"]
    assert quotes == ["______"]


def test_report_items_are_real_models_after_one_shot_validation() -> None:
    letter = (
        "Department of Medicine\nCity University Hospital\nMarch 3, 2025\n\nDear Program Director,\n\n"
        "I supervised Dr. Lina Haddad for three months on our busy internal medicine ward. She recognized "
        "early sepsis in a post-operative patient and started treatment within the hour. She is the best "
        "of the 40 interns I have supervised. I recommend her without reservation.\n\nSincerely,\n"
        "Dr. Omar Said\nProfessor of Medicine\nomar.said@city.example.org"
    )
    report = analyze_letter(letter)
    assert report.evidence and all(isinstance(e, Evidence) for e in report.evidence)
    assert report.checklist and all(isinstance(c, ChecklistItem) for c in report.checklist)
    assert type(report).model_validate(report.model_dump()) == report
