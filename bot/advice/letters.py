"""Letter check engine (issue 3): read a letter of recommendation the way a program director does.

``analyze_letter(text)`` labels a letter ``strong`` / ``lukewarm`` / ``generic`` / ``negative``, maps the
label to the seed's "use it?" decision, and shows its evidence: exact quotes, each tied to a rule from
``letter_rules.json``. Whole letters (salutation, sign-off or more than ~150 words) also get a checklist
of the formal elements a US reader expects.

How it reads: the letter is split into sentences; each rule runs only on sentences that contain one of
its anchor words; overlapping matches go to the earlier rule; a match can be negated ("no concerns"),
attributed to someone else ("the family struggled") or weakened by a following "but". The label comes
from a few totals (endorsement rung, ranking, specifics, serious doubt, middle-coded and stock wording),
never from a single keyword.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel

from bot.advice import text as tx
from bot.advice.vocab import ACCEPTABLE_MONTHS, FRESH_MONTHS, months_between

RULES_PATH = Path(__file__).with_name("letter_rules.json")


class LetterLabel(StrEnum):
    """The four kinds of letter (seed 000, step 1, plus 'strong')."""

    strong = "strong"
    lukewarm = "lukewarm"
    generic = "generic"
    negative = "negative"


class Decision(StrEnum):
    """The "use it?" answer from seed 000's decision table."""

    yes = "yes"
    maybe = "maybe"
    prefer_no = "prefer_no"
    usually_no = "usually_no"
    no = "no"


DECISION_TEXT = {
    Decision.yes: "yes, use it as an anchor letter",
    Decision.maybe: "maybe, only as a filler when nothing better exists",
    Decision.prefer_no: "preferably not, replace it if you can",
    Decision.usually_no: "usually not, it reads as a writer unwilling to endorse",
    Decision.no: "no, it can actively hurt you",
}

Status = Literal["ok", "weak", "missing"]


class Evidence(BaseModel):
    """One matched phrase: the exact quote, what kind of signal it is, and why it matters."""

    quote: str
    category: str
    rule_id: str
    weight: float
    sentence: str
    why: str


class ChecklistItem(BaseModel):
    """One formal element of a whole letter."""

    key: str
    label: str
    status: Status
    detail: str


class LetterReport(BaseModel):
    """Everything the bot says about one letter."""

    label: LetterLabel
    decision: Decision
    evidence: list[Evidence]
    missing: list[str]
    next_steps: list[str]
    whole_letter: bool
    checklist: list[ChecklistItem]
    word_count: int
    summary: str
    notes: list[str] = []
    #: True when the engine itself failed on this text; the label is then a placeholder, not a verdict.
    failed: bool = False


# ------------------------------------------------------------------------------------------- rules
#: Categories that are serious or soft doubt raisers (weight decides which).
DOUBT = frozenset({"negativity", "remedial", "hedge", "faint_praise"})
GENERIC = frozenset({"vague_virtue", "boilerplate", "template", "unsupported_superlative", "irrelevancy"})
POSITIVE_SPECIFIC = frozenset({"specifics", "entrustability"})
HIDDEN = frozenset({"aside", "context"})
SERIOUS = -2.0  # a doubt weight at or below this is serious

_DENIED_WHY = (
    "A denied fault ('no concerns', 'never late') is faint praise: no credit, and it hints the bar was low."
)
_NEGATED_WHY = "Praise that is negated or withheld reads as a criticism."
_UNSUPPORTED_WHY = "A superlative with nothing observed behind it reads as inflation; programs discount it."
_SHORT_WHY = (
    "Two or three sentences from someone who worked with the applicant for weeks reads as unwillingness."
)
_NAME_WHY = "Two different applicant names in one letter means a template was reused; programs notice."


@dataclass(frozen=True)
class Rule:
    """A compiled rule from ``letter_rules.json``; ``order`` is its priority (lower wins overlaps)."""

    order: int
    id: str
    category: str
    weight: float
    why: str
    patterns: tuple[re.Pattern[str], ...]
    anchors: frozenset[str]
    pattern_anchors: tuple[frozenset[str], ...] = ()
    words: frozenset[str] = frozenset()
    rung: int = 0
    negated: str = "drop"
    subject: bool = False
    requires: re.Pattern[str] | None = None
    excludes: re.Pattern[str] | None = None
    suppresses: frozenset[str] = frozenset()
    whole_text: bool = False
    cap: int = 2
    blocks: bool = True


#: (rule, pattern, the same pattern behind a separator) or (rule, None, None) for the rule's word list.
Run = tuple[Rule, re.Pattern[str] | None, re.Pattern[str] | None]


@dataclass(frozen=True)
class RuleBook:
    """Compiled rules plus an index from anchor word to the (rule, pattern) pairs it can trigger."""

    rules: tuple[Rule, ...]
    runs: tuple[Run, ...]  # what the sentence scan runs: each rule's word list and each of its patterns
    index: dict[str, frozenset[int]]  # anchor word -> positions in ``runs``
    anchor_words: frozenset[str]
    text_rules: tuple[Rule, ...]
    checklist_words: dict[str, frozenset[str]] = field(default_factory=dict)


_MACRO = re.compile(r"\{([a-z]+)([0-9]*)\}")


def _expand(pattern: str, macros: dict[str, str]) -> str:
    """Insert macros ({he}, {num}, {gap3}...) until none is left."""
    for _ in range(5):
        if "{" not in pattern:
            break

        def sub(m: re.Match[str]) -> str:
            name, size = m.group(1), m.group(2)
            if name == "gap" and size:
                return r"(?:[a-z0-9'%.-]+,? ){0," + size + "}?"
            return macros.get(name, m.group(0))

        pattern = _MACRO.sub(sub, pattern)
    return pattern


def _flexible_spaces(pattern: str) -> str:
    r"""Turn each space into ``\s++`` (" ?" into ``\s*+``), except in character classes and look-behinds.

    The quantifiers are possessive: a run of whitespace is taken whole, never re-tried one character at a
    time, which would make a long run of spaces cost quadratic time.
    """
    out: list[str] = []
    groups: list[bool] = []  # True for a look-behind group
    in_class = escaped = skip = False
    for i, ch in enumerate(pattern):
        if skip:
            skip = False
            continue
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif in_class:
            in_class = ch != "]"
        elif ch == "[":
            in_class = True
        elif ch == "(":
            groups.append(pattern.startswith("(?<=", i) or pattern.startswith("(?<!", i))
        elif ch == ")" and groups:
            groups.pop()
        elif ch == " " and not any(groups):
            skip = pattern.startswith("?", i + 1)  # " ?" means optional whitespace
            out.append(r"\s*+" if skip else r"\s++")
            continue
        out.append(ch)
    return "".join(out)


_WORD_START = "(?<![a-z0-9])"


def _compile(pattern: str, macros: dict[str, str], *, word_start: bool = True) -> re.Pattern[str]:
    """Compile a rule pattern with a word boundary at the end and (unless ``word_start`` is off) the start.

    The start check also keeps matching linear: without it a pattern opening with ``[0-9]+`` or ``[a-z]+``
    is tried again at every position inside a long run of digits or letters.
    """
    start = _WORD_START if word_start else ""
    return re.compile(rf"{start}(?:{_flexible_spaces(_expand(pattern, macros))})(?![a-z0-9])")


def _separated(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """A word-start pattern with its look-behind replaced by one consumed non-word character.

    Same matches one character later (see ``_pattern_spots``), but faster to search: a pattern that opens
    with a look-behind is tried at every position, one that opens with a character class lets the
    regex engine skip straight to the separators.
    """
    return re.compile("[^a-z0-9]" + pattern.pattern.removeprefix(_WORD_START))


def _spelled(word: str, source: str) -> bool:
    """True when ``word`` is written out in a pattern source as a word (optionally with "s?")."""
    pos = source.find(word)
    while pos != -1:
        end = pos + len(word)
        before_ok = pos == 0 or not source[pos - 1].isalpha()
        if before_ok and (end == len(source) or not source[end].isalpha() or source.startswith("s?", end)):
            return True
        pos = source.find(word, pos + 1)
    return False


def _pattern_anchors(
    sources: list[str], anchors: frozenset[str], own: list[list[str] | None], words: frozenset[str]
) -> list[frozenset[str]]:
    """Per pattern, the words that can trigger it.

    A pattern may list its own anchors. Otherwise it gets the rule's anchors that it spells out, plus
    the rule's anchors that no pattern spells (those are matched through a macro or a character class),
    except words of the rule's plain word list, which trigger that list only.
    """
    spelled = [{a for a in anchors if _spelled(a, src)} for src in sources]
    everywhere = anchors - words - set().union(*spelled) if spelled else anchors
    return [
        frozenset(mine) if mine else (frozenset(s | everywhere) or anchors)
        for s, mine in zip(spelled, own, strict=True)
    ]


def _pattern_parts(raw: dict[str, Any]) -> tuple[list[str], list[list[str] | None]]:
    """Patterns are strings or {"re": ..., "anchors": [...]} objects."""
    texts, own = [], []
    for item in raw.get("patterns", ()):
        if isinstance(item, dict):
            texts.append(item["re"])
            own.append(list(item.get("anchors", ())) or None)
        else:
            texts.append(item)
            own.append(None)
    return texts, own


def _make_rule(order: int, raw: dict[str, Any], macros: dict[str, str]) -> Rule:
    whole_text = raw.get("scope") == "text"
    texts, own = _pattern_parts(raw)
    sources = [_expand(p, macros) for p in texts]
    anchors = frozenset(raw.get("anchors", ())).union(*(a for a in own if a))
    return Rule(
        order=order,
        id=raw["id"],
        category=raw["category"],
        weight=float(raw["weight"]),
        why=raw["why"],
        patterns=tuple(_compile(p, macros, word_start=not whole_text) for p in texts),
        anchors=anchors,
        pattern_anchors=tuple(
            _pattern_anchors(sources, frozenset(raw.get("anchors", ())), own, frozenset(raw.get("words", ())))
        ),
        words=frozenset(raw.get("words", ())),
        rung=int(raw.get("rung", 0)),
        negated=raw.get("negated", "drop"),
        subject=bool(raw.get("subject", False)),
        requires=re.compile(_flexible_spaces(_expand(raw["requires"], macros)))
        if raw.get("requires")
        else None,
        excludes=re.compile(_flexible_spaces(_expand(raw["excludes"], macros)))
        if raw.get("excludes")
        else None,
        suppresses=frozenset(raw.get("suppresses", ())),
        whole_text=whole_text,
        cap=int(raw.get("cap", 2)),
        blocks=bool(raw.get("blocks", True)),
    )


@lru_cache(maxsize=4)
def load_rules(path: str | None = None) -> RuleBook:
    """Compile the rule file once (cached); ``path`` lets tests load an alternative file."""
    data = json.loads(Path(path or RULES_PATH).read_text(encoding="utf-8"))
    macros = data.get("macros", {})
    rules = tuple(_make_rule(i, raw, macros) for i, raw in enumerate(data["rules"]))
    runs: list[Run] = []
    index: dict[str, set[int]] = {}
    for rule in rules:
        if rule.whole_text:
            continue
        if rule.patterns and not rule.anchors:
            raise ValueError(f"rule {rule.id} needs anchors for its patterns (or scope=text)")
        if rule.words:
            for word in rule.words:
                index.setdefault(word, set()).add(len(runs))
            runs.append((rule, None, None))
        for pattern, words in zip(rule.patterns, rule.pattern_anchors, strict=True):
            for word in words:
                index.setdefault(word, set()).add(len(runs))
            runs.append((rule, pattern, _separated(pattern)))
    return RuleBook(
        rules=rules,
        runs=tuple(runs),
        index={word: frozenset(keys) for word, keys in index.items()},
        anchor_words=frozenset(index),
        text_rules=tuple(rule for rule in rules if rule.whole_text),
        checklist_words={k: frozenset(v) for k, v in data.get("checklist_words", {}).items()},
    )


# ------------------------------------------------------------------------------------------ matching
MAX_HITS_PER_RULE = 60
_WORD_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789")
_CONTRAST_WORDS = frozenset(
    {"but", "however", "although", "though", "yet", "whereas", "nevertheless", "nonetheless", "unfortunately"}
)
_CONTRAST = re.compile(
    r"(?<![a-z])(?:but|however|although|though|yet|whereas|nevertheless|nonetheless|"
    r"unfortunately)(?![a-z])"
)


@dataclass(slots=True)
class Hit:
    """A rule match; category, weight and id may change after negation or contrast."""

    rule: Rule
    start: int
    end: int
    sentence: int
    category: str
    weight: float
    rule_id: str
    why: str
    quote: str = ""


@dataclass
class Reading:
    """The letter as the engine sees it: text, sentences and the surviving matches."""

    text: str
    folded: str
    spans: list[tuple[int, int]]
    hits: list[Hit] = field(default_factory=list)
    contrast_at: dict[int, int] = field(default_factory=dict)
    word_count: int = 0
    tokens: set[str] = field(default_factory=set)


def _scan(reading: Reading, book: RuleBook, gate: bool = True) -> list[Hit]:
    """All raw matches, sentence by sentence.

    With ``gate`` (the default) a pattern only runs on sentences that contain one of its anchor
    words; ``gate=False`` runs everything everywhere (slow; tests use it to prove the gate hides nothing).
    """
    folded, spans, index, runs = reading.folded, reading.spans, book.index, book.runs
    words = tx.to_words(folded)
    found: list[Hit] = []
    counts = [0] * len(book.rules)
    everything = range(len(runs))
    for si, (a, b) in enumerate(spans):
        tokens = words[a:b].split()
        reading.word_count += len(tokens)
        reading.tokens.update(tokens)
        if not _CONTRAST_WORDS.isdisjoint(tokens):
            m = _CONTRAST.search(folded, a, b)
            if m:
                reading.contrast_at[si] = m.start()
        if gate:
            present = book.anchor_words.intersection(tokens)
            if not present:
                continue
            keys: Any = sorted(set().union(*[index[word] for word in present]))
        else:
            keys = everything
        for key in keys:
            rule, pattern, separated = runs[key]
            if counts[rule.order] >= MAX_HITS_PER_RULE:
                continue
            if pattern is None:
                spots = _word_spots(folded, rule.words.intersection(tokens), a, b)
            else:
                spots = _pattern_spots(pattern, separated, folded, a, b)
            for start, end in spots:
                found.append(_hit(reading, rule, start, end, si))
            counts[rule.order] += len(spots)
    starts = [a for a, _ in spans]
    for rule in book.text_rules:
        for pattern in rule.patterns:
            for n, m in enumerate(pattern.finditer(folded)):
                if n >= MAX_HITS_PER_RULE:
                    break
                si = max(0, bisect.bisect_right(starts, m.start()) - 1)
                found.append(_hit(reading, rule, m.start(), m.end(), si))
    return found


def _pattern_spots(
    pattern: re.Pattern[str], separated: re.Pattern[str] | None, folded: str, a: int, b: int
) -> list[tuple[int, int]]:
    """Matches of word-start ``pattern`` in folded[a:b], found with its faster ``separated`` form.

    A match of ``separated`` is a match of ``pattern`` one character later: the consumed separator is
    exactly the character the look-behind checks. The first search starts at ``a - 1`` so the separator
    may be the character before the sentence; each next one starts at the last character of the previous
    match (the next match may follow it directly, as ``finditer`` allows). The very start of the text has
    no character before it, so the look-behind form reads the first sentence.
    """
    if a == 0 or separated is None:
        return [m.span() for m in pattern.finditer(folded, a, b)]
    spots: list[tuple[int, int]] = []
    pos = a - 1
    while (m := separated.search(folded, pos, b)) is not None:
        pos = m.end()
        spots.append((m.start() + 1, pos))
        pos -= 1
    return spots


def _word_spots(folded: str, words: set[str] | frozenset[str], a: int, b: int) -> list[tuple[int, int]]:
    """Every whole-word occurrence of ``words`` in folded[a:b]."""
    spots: list[tuple[int, int]] = []
    for word in words:
        pos = folded.find(word, a, b)
        while pos != -1:
            end = pos + len(word)
            if (pos == 0 or folded[pos - 1] not in _WORD_CHARS) and (
                end >= len(folded) or folded[end] not in _WORD_CHARS
            ):
                spots.append((pos, end))
            pos = folded.find(word, end, b)
    return spots


def _hit(reading: Reading, rule: Rule, start: int, end: int, sentence: int) -> Hit:
    return Hit(
        rule, start, end, sentence, rule.category, rule.weight, rule.id, rule.why, reading.text[start:end]
    )


def _keep_in_context(reading: Reading, hit: Hit) -> bool:
    """Sentence-level conditions: required/excluded company and who the subject is."""
    rule = hit.rule
    a, b = reading.spans[hit.sentence]
    if rule.requires is not None and not rule.requires.search(reading.folded, a, b):
        return False
    if rule.excludes is not None and rule.excludes.search(reading.folded, a, b):
        return False
    return not (rule.subject and tx.about_someone_else(reading.text, a, hit.start))


def _resolve_overlaps(hits: list[Hit]) -> list[Hit]:
    """Earlier rules win overlapping text; rules with blocks=false neither block nor get blocked."""
    taken_starts: list[int] = []
    taken_ends: list[int] = []
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.rule.order, h.start, -h.end)):
        if not hit.rule.blocks:
            kept.append(hit)
            continue
        i = bisect.bisect_left(taken_starts, hit.end)
        if i > 0 and taken_ends[i - 1] > hit.start:
            continue
        if i < len(taken_starts) and taken_starts[i] < hit.end:
            continue
        taken_starts.insert(i, hit.start)
        taken_ends.insert(i, hit.end)
        kept.append(hit)
    return kept


#: What a negated match becomes, by the rule's ``negated`` mode: (category, weight, id suffix, why).
_NEGATED_AS = {
    "faint": ("faint_praise", -1.0, ".denied", _DENIED_WHY),
    "concern": ("negativity", -2.0, ".negated", _NEGATED_WHY),
}


def _apply_negation(reading: Reading, hits: list[Hit]) -> list[Hit]:
    """A negated match is dropped, turned into faint praise (a denied fault) or into a concern."""
    out: list[Hit] = []
    for hit in hits:
        mode = hit.rule.negated
        if mode == "keep" or not tx.is_negated(reading.folded, reading.spans[hit.sentence][0], hit.start):
            out.append(hit)
        elif mode in _NEGATED_AS:
            hit.category, hit.weight, suffix, hit.why = _NEGATED_AS[mode]
            hit.rule_id = hit.rule.id + suffix
            out.append(hit)
    return out


def _apply_suppression(hits: list[Hit]) -> list[Hit]:
    """Drop categories that a sentence-level aside (e.g. a 'weakness' that is praise) switches off."""
    off = {(h.sentence, cat) for h in hits for cat in h.rule.suppresses}
    return [h for h in hits if (h.sentence, h.category) not in off] if off else hits


def _apply_contrast(reading: Reading, hits: list[Hit]) -> None:
    """Praise before 'but/however' counts half; a doubt after it counts one and a half times."""
    opens_with = {si for si, pos in reading.contrast_at.items() if pos == reading.spans[si][0]}
    for hit in hits:
        pos = reading.contrast_at.get(hit.sentence)
        praise = hit.weight > 0
        if praise and ((pos is not None and hit.start < pos) or hit.sentence + 1 in opens_with):
            hit.weight = round(hit.weight * 0.5, 2)
        elif hit.category in DOUBT and hit.weight <= SERIOUS and pos is not None and hit.start > pos:
            hit.weight = round(hit.weight * 1.5, 2)


def _drop_weaker_recommendations(hits: list[Hit]) -> list[Hit]:
    """In a sentence with a strong endorsement, a bare 'I recommend' is part of it, not a second signal."""
    strong = {h.sentence for h in hits if h.rule.rung >= 2 and h.weight > 0}
    return [
        h
        for h in hits
        if not (h.rule.rung == 1 and h.weight < 0 and h.sentence in strong and h.category == "middle_praise")
    ]


def read_letter(text: str, book: RuleBook | None = None) -> Reading:
    """Fold, split and match: the evidence layer shared by the label, the checklist and the tests."""
    book = book or load_rules()
    folded = tx.fold(text)
    reading = Reading(text=text, folded=folded, spans=tx.sentence_spans(folded))
    raw = [h for h in _scan(reading, book) if _keep_in_context(reading, h)]
    hits = _apply_negation(reading, _resolve_overlaps(raw))
    hits = _drop_weaker_recommendations(_apply_suppression(hits))
    _apply_contrast(reading, hits)
    reading.hits = sorted(hits, key=lambda h: (h.start, h.rule.order))
    return reading


# ------------------------------------------------------------------------------------------- scoring
@dataclass
class Totals:
    """The handful of numbers the label is decided from."""

    rung: int = 0
    rank: float = 0.0
    denominator: bool = False
    specifics: float = 0.0
    entrusted: bool = False
    doubt: float = 0.0
    soft: float = 0.0
    middle: float = 0.0
    middle_core: float = 0.0
    generic: float = 0.0
    template: bool = False
    us_signal: bool = False


def _capped(hits: list[Hit]) -> list[Hit]:
    """The hits that count: each rule contributes at most ``cap`` matches, strongest first."""
    by_rule: dict[str, list[Hit]] = {}
    for hit in hits:
        by_rule.setdefault(hit.rule_id, []).append(hit)
    out: list[Hit] = []
    for group in by_rule.values():
        group.sort(key=lambda h: -abs(h.weight))
        out.extend(group[: group[0].rule.cap])
    return out


def _totals(hits: list[Hit]) -> Totals:
    t = Totals()
    for hit in _capped(hits):
        cat, w = hit.category, hit.weight
        if cat in ("top_endorsement", "mid_endorsement") and hit.rule.rung:
            t.rung = max(t.rung, hit.rule.rung)
        elif hit.rule.rung == 1 and hit.rule.id == hit.rule_id:
            t.rung = max(t.rung, 1)
        if cat == "ranking_denominator":
            t.denominator, t.rank = True, max(t.rank, w)
        elif cat == "ranking":
            t.rank = max(t.rank, w)
        elif cat in POSITIVE_SPECIFIC:
            t.specifics += w
            t.entrusted = t.entrusted or cat == "entrustability"
        elif cat in DOUBT and w <= SERIOUS:
            t.doubt += -w
        elif cat in DOUBT and w < 0:
            t.soft += -w
        elif cat == "middle_praise":
            t.middle += -w
            t.middle_core += -w if hit.rule.id == "middle.rating" else 0.0
        elif cat in GENERIC:
            t.generic += -w
            t.template = t.template or cat == "template"
        elif cat == "us_signal":
            t.us_signal = True
    t.middle += t.soft
    return t


def _mark_unsupported(hits: list[Hit]) -> None:
    """With no observation in the letter, standout words and vague rankings become inflation."""
    if sum(h.weight for h in hits if h.category in POSITIVE_SPECIFIC) >= 1:
        return
    for hit in hits:
        if (hit.category == "mid_endorsement" and not hit.rule.rung) or (
            hit.category == "ranking" and hit.rule.weight <= 1.5
        ):
            hit.category, hit.weight, hit.why = "unsupported_superlative", -1.0, _UNSUPPORTED_WHY


def _is_strong(t: Totals) -> bool:
    """Top rung or a real ranking, backed by at least two concrete observations, and no doubt."""
    if t.doubt >= 2 or t.soft >= 3 or t.middle_core >= 3 or t.template or t.specifics < 2:
        return False
    return t.rung >= 3 or t.rank >= 2.5 or (t.rung >= 2 and t.rank >= 1) or (t.rung >= 2 and t.specifics >= 4)


def _label(t: Totals) -> LetterLabel:
    if t.doubt >= 3:
        return LetterLabel.negative
    if t.template:
        return LetterLabel.generic
    if _is_strong(t):
        return LetterLabel.strong
    if t.middle >= 2 and t.middle >= t.generic:
        return LetterLabel.lukewarm
    if t.specifics >= 2:
        return LetterLabel.lukewarm
    return LetterLabel.generic


def _decision(label: LetterLabel, t: Totals, short: bool, short_for_contact: bool) -> Decision:
    if label is LetterLabel.negative:
        return Decision.no
    if label is LetterLabel.strong:
        return Decision.yes
    if t.doubt >= 2 or short_for_contact or (label is LetterLabel.generic and short):
        return Decision.usually_no
    return Decision.maybe if label is LetterLabel.lukewarm else Decision.prefer_no


# ----------------------------------------------------------------------------------- names (template)
_TITLES = ("Dr", "Mr", "Mrs", "Ms", "Miss", "Mx", "Prof")
_NAME_AFTER = re.compile(r"\.?\s+((?:[A-Z][A-Za-z'-]+\s+){0,3}?[A-Z][A-Za-z'-]+)\s+([a-z]+)")
#: Words that follow a name used as a sentence subject ("Dr. Rao was", "Dr. Rao completed").
_SUBJECT_VERBS = frozenset(
    "is was has had completed rotated worked did demonstrated showed joined spent will would performed "
    "managed consistently always also quickly took presented impressed excelled came comes arrived proved "
    "carried".split()
)
_NAME_RULE = Rule(-1, "template.name_mismatch", "template", -3.0, _NAME_WHY, (), frozenset())
_SHORT_RULE = Rule(-1, "length.short_for_contact", "faint_praise", -1.0, _SHORT_WHY, (), frozenset())


def _name_mismatch(reading: Reading) -> Hit | None:
    """Two different titled surnames, each the subject of a sentence, suggest a reused template."""
    text, starts = reading.text, {a for a, _ in reading.spans}
    seen: dict[str, tuple[int, int]] = {}
    for title in _TITLES:
        pos = text.find(title)
        while pos != -1 and len(seen) < 50:
            m = _NAME_AFTER.match(text, pos + len(title)) if pos in starts else None
            if m and m.group(2) in _SUBJECT_VERBS and (pos == 0 or not text[pos - 1].isalpha()):
                surname = m.group(1).split()[-1]
                seen.setdefault(surname, (pos, m.end(1)))
            pos = text.find(title, pos + 1)
    if len(seen) < 2:
        return None
    start, end = sorted(seen.values())[1]
    sentence = bisect.bisect_right([a for a, _ in reading.spans], start) - 1
    return _hit(reading, _NAME_RULE, start, end, max(sentence, 0))


# ---------------------------------------------------------------------------------- whole-letter mode
_SALUTATION = re.compile(
    r"(?m)^[ ]*(?:dear(?![a-z])|to whom it may concern|to the (?:residency |program |programme |selection |"
    r"hiring )*(?:director|committee|residency|program|programme)|respected (?:sir|madam|members)|"
    r"(?:greetings|hello)[ ,])"
)
_SIGN_OFF = re.compile(
    r"(?m)^[ ]*(?:(?:yours )?sincerely|yours (?:faithfully|truly|respectfully)|respectfully(?: yours)?|"
    r"(?:best|kind|kindest|warm|warmest|with best|with kind) regards|regards|best wishes|cordially|"
    r"with (?:warm |best )?wishes|thank you)[ ,.]*$"
)
_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_MONTHS = {
    name: i + 1
    for i, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
    )
}
_DATES = (
    (
        "mdy",
        re.compile(rf"(?<![a-z0-9]){_MONTH}[.]?\s+([0-9]{{1,2}})(?:st|nd|rd|th)?,?\s+((?:19|20)[0-9]{{2}})"),
    ),
    (
        "dmy",
        re.compile(
            rf"(?<![a-z0-9])([0-9]{{1,2}})(?:st|nd|rd|th)?(?:\s+of)?\s+{_MONTH}[.,]?\s+((?:19|20)[0-9]{{2}})"
        ),
    ),
    ("iso", re.compile(r"(?<![0-9])((?:19|20)[0-9]{2})-([0-9]{1,2})-([0-9]{1,2})(?![0-9])")),
    ("num", re.compile(r"(?<![0-9])([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]((?:19|20)[0-9]{2})(?![0-9])")),
    ("my", re.compile(rf"(?<![a-z0-9]){_MONTH}[.,]?\s+((?:19|20)[0-9]{{2}})(?![0-9])")),
)
_EMAIL = re.compile(r"[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}")
_PHONE = re.compile(
    r"(?:(?:tel|phone|telephone|mobile|cell|ph|fax|office)[.:]?\s*|\+)[0-9(][0-9 ().-]{6,}[0-9]"
)
_INSTITUTION = re.compile(
    r"(?<![a-z])(?:hospital|university|college|medical cent(?:er|re)|institute|clinic|school of medicine|"
    r"medical school|health (?:system|cent(?:er|re)|service)|polyclinic|infirmary|faculty of medicine|"
    r"foundation|medical college)(?![a-z])"
)
_DEPARTMENT = re.compile(r"(?<![a-z])(?:department|dept[.]?|division|section of|unit of|service of)(?![a-z])")
_WRITER_TITLE = re.compile(
    r"(?<![a-z])(?:professor|prof[.]|lecturer|chair(?:man|person|woman)?|head of|director|chief|attending|"
    r"consultant|registrar|dean|specialist|physician|surgeon|m[.]?d[.]?|mbbs|ph[.]?d|frcp[a-z]*|facp|faap|"
    r"fcps|mrcp[a-z]*|mrcs|frcs|facs|dnb|do)(?![a-z])"
)
_WRITER_NAME = re.compile(
    r"(?m)^[ ]*(?:(?:dr|prof|professor)[.]?\s+)?[A-Z][A-Za-z.'-]+(?:\s+[A-Z][A-Za-z.'-]+){1,4}[ ,]*"
)


def _find_email(folded: str) -> re.Match[str] | None:
    """An email address near one of the first few "@" signs (a bounded search: never quadratic)."""
    pos = folded.find("@")
    for _ in range(20):
        if pos == -1:
            return None
        m = _EMAIL.search(folded, max(0, pos - 64), pos + 256)
        if m:
            return m
        pos = folded.find("@", pos + 1)
    return None


def _letter_parts(reading: Reading) -> tuple[bool, int, int]:
    """(whole_letter, end of header, start of signature) from salutation and sign-off."""
    folded = reading.folded
    head = _SALUTATION.search(folded, 0, 3000)
    tail_from = max(0, len(folded) - 3000)
    tails = list(_SIGN_OFF.finditer(folded, tail_from))
    whole = bool(head or tails) or reading.word_count > 150
    header_end = head.start() if head else min(len(folded), 300)
    signature_start = tails[-1].start() if tails else max(0, len(folded) - 500)
    return whole, header_end, signature_start


def _parse_date(kind: str, m: re.Match[str], today: date) -> date | None:
    g = m.groups()
    try:
        if kind == "mdy":
            return date(int(g[2]), _MONTHS[g[0][:3]], int(g[1]))
        if kind == "dmy":
            return date(int(g[2]), _MONTHS[g[1][:3]], int(g[0]))
        if kind == "iso":
            return date(int(g[0]), int(g[1]), int(g[2]))
        if kind == "my":
            return date(int(g[1]), _MONTHS[g[0][:3]], 1)
    except ValueError:
        return None
    candidates = []
    for month, day in ((int(g[0]), int(g[1])), (int(g[1]), int(g[0]))):
        try:
            candidates.append(date(int(g[2]), month, day))
        except ValueError:
            continue
    past = [d for d in candidates if d <= today]
    return max(past) if past else (candidates[0] if candidates else None)


def _find_date(folded: str, regions: list[tuple[int, int]], today: date) -> tuple[date, int, int] | None:
    """The first parseable date in the first region that has one: (date, start, end)."""
    for a, b in regions:
        best: tuple[date, int, int] | None = None
        for kind, pattern in _DATES:
            m = pattern.search(folded, a, b)
            if m and (best is None or m.start() < best[1]):
                found = _parse_date(kind, m, today)
                if found:
                    best = (found, m.start(), m.end())
        if best:
            return best
    return None


#: Checklist rows: key -> (label, detail per status). Details may use {fields} filled in by the check.
_ROWS: dict[str, tuple[str, dict[str, str]]] = {
    "letterhead": (
        "Letterhead or institution at the top",
        {
            "ok": "The institution is named at the top.",
            "weak": "The institution appears only in the body or signature; official letterhead is expected.",
            "missing": "No hospital or university is named; programs may doubt where the letter comes from.",
        },
    ),
    "date": (
        "Date (within 12 months)",
        {
            "ok": "Dated {date}.",
            "weak": "Dated {date} ({age}): still usable, but ask for a fresh date.",
            "future": "Dated {date}, which is in the future; check it.",
            "missing": "Dated {date} ({age}): too old; ask the writer for an updated letter.",
            "none": "No date found; an undated letter looks old or unofficial.",
        },
    ),
    "writer": (
        "Writer's name, title, department, institution",
        {
            "ok": "Name, title, department and institution are all there.",
            "weak": "Missing from the header or signature: {lacking}.",
            "missing": "Missing from the header or signature: {lacking}.",
        },
    ),
    "contact_details": (
        "Writer's email or phone",
        {"ok": "Contact details are given.", "missing": "No email or phone number for the writer."},
    ),
    "addressed_to": (
        "Addressed to the program director",
        {
            "ok": "The letter has a proper salutation.",
            "weak": "'To Whom It May Concern' is acceptable; 'Dear Program Director' reads as written for "
            "residency.",
            "missing": "No salutation.",
        },
    ),
    "relationship": (
        "How and how long the writer knows the applicant",
        {
            "ok": "Both the role and the length of contact are stated.",
            "weak": "Say both in what role and for how long the writer supervised the applicant.",
            "missing": "Say in what role and for how long the writer supervised the applicant.",
        },
    ),
    "context": (
        "Context: facility, patient volume, applicant's role",
        {
            "ok": "The setting and the applicant's role are described.",
            "weak": "Describe both the facility (type, beds or patient volume) and the applicant's role.",
            "missing": "Describe the facility (type, beds or patient volume) and the applicant's role.",
        },
    ),
    "examples": (
        "Concrete examples",
        {
            "ok": "There are concrete examples of the applicant's work.",
            "weak": "Only one concrete example; add cases, tasks or outcomes the writer saw.",
            "missing": "Add specific cases, tasks or outcomes the writer saw.",
        },
    ),
    "peer_comparison": (
        "Comparison with peers",
        {
            "ok": "A ranking with a pool size is given.",
            "weak": "A ranking is given but without a denominator.",
            "missing": "No comparison with peers.",
        },
    ),
    "recommendation": (
        "Clear recommendation statement",
        {
            "ok": "The closing endorsement is clear.",
            "weak": "The recommendation has no strength word ('I recommend', 'I support').",
            "missing": "There is no explicit recommendation.",
        },
    ),
    "contact_invitation": (
        "Invitation to contact the writer",
        {"ok": "The writer offers to answer questions.", "missing": "No offer to be contacted."},
    ),
}


_STATUS_OF: dict[str, Status] = {
    "ok": "ok",
    "weak": "weak",
    "missing": "missing",
    "future": "weak",
    "none": "missing",
}


#: A checklist row or an evidence item as plain data; ``LetterReport`` validates all of them in one call,
#: which is several times faster than building each pydantic model on its own.
Row = dict[str, Any]


def _row(key: str, status: str, **fields: object) -> Row:
    """A checklist item; ``status`` may be a detail variant ("future", "none") of weak or missing."""
    label, details = _ROWS[key]
    detail = details[status].format(**fields)
    return {"key": key, "label": label, "status": _STATUS_OF[status], "detail": detail}


def _three(full: bool, partial: bool) -> Status:
    return "ok" if full else ("weak" if partial else "missing")


def _date_row(reading: Reading, header_end: int, signature_start: int, today: date) -> Row:
    n = len(reading.folded)
    found = _find_date(reading.folded, [(0, max(header_end, min(n, 400))), (signature_start, n)], today)
    if not found:
        return _row("date", "none")
    when, start, end = found
    age = months_between(when, today)
    shown = reading.text[start:end].strip()
    status = (
        "future"
        if age < -1
        else "ok"
        if age <= FRESH_MONTHS
        else "weak"
        if age <= ACCEPTABLE_MONTHS
        else "missing"
    )
    return _row("date", status, date=shown, age=f"{age} months ago")


def _writer_row(reading: Reading, header_end: int, signature_start: int) -> Row:
    f, t, n = reading.folded, reading.text, len(reading.folded)
    regions = [(0, min(n, max(header_end, 600))), (signature_start, n)]
    has = {
        "name": any(_WRITER_NAME.search(t, a, b) for a, b in regions),
        "title": any(_WRITER_TITLE.search(f, a, b) for a, b in regions),
        "department": any(_DEPARTMENT.search(f, a, b) for a, b in regions),
        "institution": any(_INSTITUTION.search(f, a, b) for a, b in regions),
    }
    lacking = [k for k, v in has.items() if not v]
    return _row("writer", _three(not lacking, len(lacking) <= 2), lacking=", ".join(lacking))


def _has(reading: Reading, rule_id: str) -> bool:
    return any(h.rule.id == rule_id for h in reading.hits)


def _checklist(reading: Reading, t: Totals, header_end: int, signature_start: int, today: date) -> list[Row]:
    """The formal elements of a whole letter, each ok / weak / missing."""
    f, n = reading.folded, len(reading.folded)
    head_end = min(n, max(header_end, 200))
    salutation = _SALUTATION.search(f, 0, 3000)
    contact = (
        _find_email(f) or _PHONE.search(f, max(0, signature_start - 200), n) or _PHONE.search(f, 0, head_end)
    )
    words = load_rules().checklist_words
    setting, role = (not reading.tokens.isdisjoint(words.get(k, ())) for k in ("setting", "role"))
    how, long_ = _has(reading, "context.relationship"), _has(reading, "context.duration")
    return [
        _row("letterhead", _three(bool(_INSTITUTION.search(f, 0, head_end)), bool(_INSTITUTION.search(f)))),
        _date_row(reading, header_end, signature_start, today),
        _writer_row(reading, header_end, signature_start),
        _row("contact_details", "ok" if contact else "missing"),
        _row(
            "addressed_to",
            _three(bool(salutation) and "whom it may" not in salutation.group(0), bool(salutation)),
        ),
        _row("relationship", _three(how and long_, how or long_)),
        _row("context", _three(setting and role, setting or role)),
        _row("examples", _three(t.specifics >= 2, t.specifics >= 1)),
        _row("peer_comparison", _three(t.denominator, t.rank > 0)),
        _row("recommendation", _three(t.rung >= 2, t.rung == 1)),
        _row("contact_invitation", "ok" if _has(reading, "context.invitation") else "missing"),
    ]


# ------------------------------------------------------------------------------------ advice (words)
NEXT_STEPS = {
    LetterLabel.strong: [
        "Make this one of your anchor letters and assign it to every program.",
        "Before upload, check the formal parts: letterhead, a date within the last year, signature, and "
        "the writer's title and contact details.",
        "Thank the writer and keep them updated; a writer who knows your progress can refresh the letter "
        "next cycle.",
    ],
    LetterLabel.lukewarm: [
        "Treat it as filler: send it only to IMG-friendly programs, and never let it be one of your top "
        "three.",
        "Line up at least one new strong letter so this one is never your best.",
        "If it is not submitted yet, you can ask the writer once, politely, whether they could make it a "
        "strong letter with specific examples, and accept a no gracefully.",
    ],
    LetterLabel.generic: [
        "Replace it if you can get almost any letter with specifics instead.",
        "If you keep this writer, send a support packet: your CV, a personal statement draft, and a short "
        "bullet list of dated cases and tasks they saw you handle.",
        "Ask, gently, whether they would add a comparison with peers (for example 'top 10% of the interns I "
        "have supervised') if they honestly can.",
    ],
    LetterLabel.negative: [
        "Do not use this letter: in ERAS, assign it to zero programs.",
        "Do not ask this writer to rewrite it; ask different people for new letters.",
        "Plan a high-contact rotation where you can earn a strong letter, and ask explicitly whether the "
        "writer can write a strong one.",
    ],
}


def _missing(reading: Reading, t: Totals) -> list[str]:
    """What a strong letter has that this one lacks, most important first."""
    out: list[str] = []
    if not t.denominator:
        out.append(
            "A comparison with peers that names the pool; it ranks the applicant but never says among how "
            "many."
            if t.rank
            else "A comparison with peers that names the pool (e.g. 'top 10% of the 60 interns I have "
            "supervised')."
        )
    if t.specifics < 2:
        out.append(
            "A concrete example: a patient, a finding or an outcome the writer saw the applicant handle."
        )
    if not t.entrusted:
        out.append("An entrustability statement: what the writer trusted the applicant to do without help.")
    if t.rung < 3:
        out.append(
            {
                0: "An explicit closing recommendation.",
                1: "A closing endorsement with a strength word; a bare 'I recommend' reads as lukewarm.",
                2: "A top-rung closing ('without reservation', 'my highest recommendation').",
            }[t.rung]
        )
    if not (_has(reading, "context.relationship") and _has(reading, "context.duration")):
        out.append("How long and in what role the writer supervised the applicant.")
    if not t.us_signal:
        out.append(
            "US-readable detail: guidelines used, English documentation or presentations, work with nurses "
            "and pharmacists."
        )
    return out


def _next_steps(label: LetterLabel, reading: Reading, checklist: list[Row], short: bool) -> list[str]:
    """The label's standard advice plus steps for template residue, an old date and a short letter."""
    steps = list(NEXT_STEPS[label])
    if any(h.category == "template" for h in reading.hits):
        steps.insert(
            0,
            "The text still has template residue (placeholders or another name); it must be fixed "
            "by the writer before anyone sees it.",
        )
    date_item = next((c for c in checklist if c["key"] == "date"), None)
    if date_item and date_item["status"] != "ok" and "months ago" in date_item["detail"]:
        steps.append("Ask the writer for an updated letter dated this year.")
    if short and label is not LetterLabel.strong:
        steps.append(
            "A letter this short says little; if the writer knew you for weeks, ask whether they could "
            "describe specific work, or find another writer."
        )
    return steps


def _quotes(hits: list[Hit], categories: set[str], n: int = 2) -> str:
    """The ``n`` weightiest distinct quotes from ``categories``, quoted and comma-separated."""
    picked = dict.fromkeys(
        h.quote for h in sorted(hits, key=lambda h: -abs(h.weight)) if h.category in categories
    )
    return ", ".join(f'"{q}"' for q in list(picked)[:n])


def _summary(label: LetterLabel, decision: Decision, t: Totals, hits: list[Hit]) -> str:
    """One line: the label, the main reason, and the decision."""
    if label is LetterLabel.strong:
        backing = ["a ranking with a denominator"] if t.denominator else []
        backing.append("concrete examples of the applicant's work")
        rung = {3: "a top-rung endorsement", 2: "a clear endorsement"}.get(t.rung, "a ranking")
        why = f"{rung} backed by {' and '.join(backing)}"
    elif label is LetterLabel.negative:
        why = "doubt raisers such as " + (_quotes(hits, {"negativity", "remedial", "hedge"}) or "a concern")
    elif label is LetterLabel.lukewarm:
        why = "middle-coded wording such as " + (
            _quotes(hits, {"middle_praise", "faint_praise", "hedge"}) or "plain support"
        )
    else:
        stock = {"vague_virtue", "boilerplate", "template", "unsupported_superlative"}
        why = "stock wording with nothing specific, such as " + (_quotes(hits, stock) or "general praise")
    return f"{label.value.capitalize()}: {why}. Use it? {DECISION_TEXT[decision]}."


# --------------------------------------------------------------------------------------- the entry point
_CONTACT_UNITS = re.compile(r"week|month|year")


def _short_for_contact(reading: Reading, label: LetterLabel) -> Hit | None:
    """A letter of at most three sentences from a writer who claims weeks or more of contact."""
    if label is LetterLabel.strong or len(reading.spans) > 3 or reading.word_count >= 90:
        return None
    for h in reading.hits:
        if h.rule.id == "context.duration" and _CONTACT_UNITS.search(reading.folded, h.start, h.end):
            return _hit(reading, _SHORT_RULE, h.start, h.end, h.sentence)
    return None


def _evidence(reading: Reading, hits: list[Hit]) -> list[Row]:
    """Visible hits as Evidence items, one per rule and quote, at most 40 (the weightiest)."""
    out: list[Row] = []
    seen: set[tuple[str, str]] = set()
    for hit in hits:
        if hit.category in HIDDEN:
            continue
        quote = hit.quote
        key = (hit.rule_id, quote.lower())
        if key in seen:
            continue
        seen.add(key)
        a, b = reading.spans[hit.sentence]
        if b - a > 320:
            a, b = max(a, hit.start - 150), min(b, hit.end + 150)
        out.append(
            {
                "quote": quote,
                "category": hit.category,
                "rule_id": hit.rule_id,
                "weight": round(hit.weight, 2),
                "sentence": reading.text[a:b].strip(),
                "why": hit.why,
            }
        )
    if len(out) > 40:
        keep = sorted(range(len(out)), key=lambda i: -abs(out[i]["weight"]))[:40]
        out = [out[i] for i in sorted(keep)]
    return out


def analyze_letter(text: str, *, today: date | None = None) -> LetterReport:
    """Label a letter (or an excerpt), show the evidence and say what to do with it. Never raises."""
    try:
        return _analyze(tx.clean(text), today or date.today())
    except Exception as exc:
        return _failed_report(exc)


#: Letters run to a few thousand characters; anything past this is not read (it would only cost time).
MAX_CHARS = 100_000


def _analyze(text: str, today: date) -> LetterReport:
    notes: list[str] = []
    total_words = None
    if len(text) > MAX_CHARS:
        total_words = len(text.split())
        cut = text.rfind(" ", MAX_CHARS - 500, MAX_CHARS)
        text = text[: cut if cut > 0 else MAX_CHARS]
        notes.append(f"Only the first {len(text):,} characters were read; a letter is normally under 10,000.")
    reading = read_letter(text)
    hits = reading.hits
    mismatch = _name_mismatch(reading)
    if mismatch:
        hits.append(mismatch)
    _mark_unsupported(hits)
    t = _totals(hits)
    label = _label(t)
    short_hit = _short_for_contact(reading, label)
    if short_hit:
        hits.append(short_hit)
    short = len(reading.spans) <= 3 and reading.word_count < 90
    decision = _decision(label, t, short, short_hit is not None)
    whole, header_end, signature_start = _letter_parts(reading)
    checklist = _checklist(reading, t, header_end, signature_start, today) if whole else []
    if reading.word_count < 5:
        notes.append(
            "There is almost no text to read; paste the whole letter or the excerpt you want checked."
        )
    hits.sort(key=lambda h: h.start)
    return LetterReport.model_validate(
        {
            "label": label,
            "decision": decision,
            "evidence": _evidence(reading, hits),
            "missing": _missing(reading, t),
            "next_steps": _next_steps(label, reading, checklist, short),
            "whole_letter": whole,
            "checklist": checklist,
            "word_count": total_words if total_words is not None else reading.word_count,
            "summary": _summary(label, decision, t, hits),
            "notes": notes,
        }
    )


def _failed_report(exc: Exception) -> LetterReport:
    return LetterReport(
        label=LetterLabel.generic,
        decision=Decision.prefer_no,
        evidence=[],
        missing=[],
        next_steps=["Try again with the plain text of the letter."],
        whole_letter=False,
        checklist=[],
        word_count=0,
        summary="The letter could not be read; no judgement was made.",
        notes=[f"internal error: {type(exc).__name__}"],
        failed=True,
    )


# ------------------------------------------------------------------------------------------- rendering
_CATEGORY_TITLES = {
    "top_endorsement": "top endorsement",
    "mid_endorsement": "endorsement",
    "ranking_denominator": "ranking with a denominator",
    "ranking": "ranking",
    "entrustability": "entrustability",
    "specifics": "concrete detail",
    "us_signal": "US-relevant detail",
    "middle_praise": "middle-coded praise",
    "faint_praise": "faint praise",
    "hedge": "hedge",
    "negativity": "doubt raiser",
    "remedial": "remedial wording",
    "irrelevancy": "irrelevancy",
    "vague_virtue": "stock virtue",
    "boilerplate": "boilerplate",
    "template": "template residue",
    "unsupported_superlative": "unsupported superlative",
}


def render_text(report: LetterReport) -> str:
    """A plain-text report for the command line."""
    lines = [
        f"LETTER CHECK: {report.label.value.upper()}  (use it? {DECISION_TEXT[report.decision]})",
        report.summary,
        "",
    ]
    lines += [f"Note: {note}" for note in report.notes]
    if report.evidence:
        lines.append("Evidence:")
        for ev in report.evidence:
            sign = "+" if ev.weight > 0 else "-"
            quote = " ".join(ev.quote.split())
            lines.append(f'  {sign} "{quote}" [{_CATEGORY_TITLES.get(ev.category, ev.category)}] {ev.why}')
        lines.append("")
    if report.missing:
        lines.append("What a strong letter has that this one lacks:")
        lines += [f"  - {item}" for item in report.missing]
        lines.append("")
    if report.checklist:
        lines.append("Whole-letter checklist:")
        lines += [f"  [{c.status:>7}] {c.label}: {c.detail}" for c in report.checklist]
        lines.append("")
    lines.append("What to do:")
    lines += [f"  {i}. {step}" for i, step in enumerate(report.next_steps, 1)]
    lines.append(f"\n({report.word_count} words)")
    return "\n".join(lines)
