"""Read a referee's reply to "Can you write me a strong letter for US residency?" (seed 000, step 3).

The reader finds phrase cues (data in ``reply_rules.json``), checks each positive cue for a negation or a
condition just before it in the same clause, and then applies a short decision order:

1. a refusal with no offer to write anything -> ``declined``;
2. any refusal or hard hedge -> ``hedged``;
3. an explicit strong commitment or a top ranking -> ``enthusiastic`` (soft hedges such as "busy" do not
   undo it);
4. a yes plus concrete praise, with no soft hedge -> ``enthusiastic``;
5. a short, eager, unconditional yes with nothing hedging it -> ``enthusiastic``;
6. anything else -> ``hedged``.

Safety rule: when in doubt the answer is ``hedged``; a hedged reply must never read as enthusiastic.
Only the top of the reply is read (quoted e-mail history dropped, at most ``MAX_CHARS``); patterns avoid
nested unbounded repetition and the negation look-back is capped, so time stays linear in the input.
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel

Label = Literal["enthusiastic", "hedged", "declined"]

RULES_PATH = Path(__file__).with_name("reply_rules.json")

#: Categories whose meaning flips when a negation or condition sits in front of them.
POSITIVE = frozenset({"strong", "rank", "praise", "eager", "yes", "offer"})
#: Positive categories that turn into a hedge when negated ("can't promise it'll be strong").
NEGATED_HEDGES = frozenset({"strong", "rank", "praise"})
#: Categories that count as strong on their own (rule 3).
STRONG_LEVEL = frozenset({"strong", "rank"})
#: How far back (characters) a negation or a condition is looked for.
LOOKBACK = 60
#: Replies up to this many words may be enthusiastic on an eager yes alone (rule 5).
SHORT_REPLY_WORDS = 25
#: Only this much of the reply (after quoted e-mail history is dropped) is read: the answer is at the top.
MAX_CHARS = 5000

_QUOTE_START = re.compile(
    r"^\s*(?:on\s.{0,200}\swrote:|-{2,}\s*original message\s*-{2,}|from:\s.{0,200}|sent from my \w+)\s*$",
    re.IGNORECASE,
)

_GAP = ".\n"
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u00b4": "'", "\u00a0": " "})


class Evidence(BaseModel):
    """One phrase that shaped the reading."""

    quote: str
    rule_id: str
    category: str
    why: str


class ReplyReading(BaseModel):
    """What the reply means for the applicant."""

    label: Label
    evidence: list[Evidence]
    advice: str
    summary: str


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    why: str
    regex: re.Pattern[str]
    offer: bool
    masks: bool


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    negators: re.Pattern[str]
    weakeners: re.Pattern[str]
    clause_breaks: re.Pattern[str]
    comma_breaks: re.Pattern[str]


@dataclass
class Cue:
    rule: Rule
    start: int
    end: int
    negated_at: int | None = None

    @property
    def active(self) -> bool:
        return self.negated_at is None


@cache
def load_rules() -> RuleSet:
    """Compile the phrase data once."""
    data = json.loads(RULES_PATH.read_text(encoding="utf-8"))
    rules = tuple(
        Rule(
            id=r["id"],
            category=r["category"],
            why=r["why"],
            regex=re.compile("|".join(f"(?:{p})" for p in r["patterns"])),
            offer=bool(r.get("offer", False)),
            masks=bool(r.get("masks", False)),
        )
        for r in data["rules"]
    )
    return RuleSet(
        rules=rules,
        negators=re.compile(data["negators"]),
        weakeners=re.compile(data["weakeners"]),
        clause_breaks=re.compile(data["clause_breaks"]),
        comma_breaks=re.compile(data["comma_breaks"]),
    )


def normalise(text: str) -> str:
    """Lowercase with straight apostrophes, keeping every index aligned with the original text."""
    text = text.translate(_APOSTROPHES)
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _boundaries(pattern: re.Pattern[str], norm: str) -> list[int]:
    return [m.end() for m in pattern.finditer(norm)]


def _scope_start(bounds: list[int], pos: int) -> int:
    i = bisect.bisect_right(bounds, pos) - 1
    return bounds[i] if i >= 0 else 0


def strip_quoted(text: str) -> str:
    """Drop quoted e-mail history below the answer and cap the length.

    History is an "On ... wrote:" (or similar) line after some answer text, and everything below it, plus
    "> ..." lines. A reply that is *only* "> ..." lines (a Discord quote) is kept as it is.
    """
    everything: list[str] = []
    answer: list[str] = []  # dropped quoted lines leave one ".\n" so no phrase is matched across them
    has_answer = False
    size = 0
    for line in text.splitlines(keepends=True):
        if has_answer and _QUOTE_START.match(line[:300]):
            break
        everything.append(line)
        if not line.lstrip().startswith(">"):
            answer.append(line)
            has_answer = has_answer or bool(line.strip())
        elif answer and answer[-1] != _GAP:
            answer.append(_GAP)
        size += len(line)
        if size >= MAX_CHARS:
            break
    return "".join(answer if has_answer else everything)[:MAX_CHARS]


class _Masks:
    """Spans whose negative words are not negations ("no problem", "without reservation")."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        merged: list[list[int]] = []
        for a, b in sorted(spans):
            if merged and a <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        self.starts = [a for a, _ in merged]
        self.ends = [b for _, b in merged]

    def covers(self, pos: int) -> bool:
        i = bisect.bisect_right(self.starts, pos) - 1
        return i >= 0 and pos < self.ends[i]

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_left(self.starts, end) - 1
        return i >= 0 and self.ends[i] > start


def _last_hit(pattern: re.Pattern[str], norm: str, lo: int, hi: int, masks: _Masks) -> int | None:
    hits = [m.start() for m in pattern.finditer(norm, lo, hi) if not masks.covers(m.start())]
    return hits[-1] if hits else None


class _Scanner:
    """Finds cues in one normalised reply."""

    def __init__(self, norm: str, rules: RuleSet) -> None:
        self.norm = norm
        self.rules = rules
        self.clauses = _boundaries(rules.clause_breaks, norm)
        self.phrases = _boundaries(rules.comma_breaks, norm)

    def scan(self) -> list[Cue]:
        raw = [Cue(r, m.start(), m.end()) for r in self.rules.rules for m in r.regex.finditer(self.norm)]
        raw = [c for c in raw if c.end > c.start]
        masks = _Masks([(c.start, c.end) for c in raw if c.rule.masks])
        cues: list[Cue] = []
        for cue in raw:
            category = cue.rule.category
            if category == "mask":
                continue
            if category not in POSITIVE and masks.overlaps(cue.start, cue.end):
                continue  # a pseudo-negation ("never worked with anyone better") is not a hedge
            if (category in POSITIVE or cue.rule.offer) and not cue.rule.masks:
                cue.negated_at = self._negation(cue.start, masks)
            if cue.active or category in NEGATED_HEDGES:
                cues.append(cue)  # a negated yes or offer is part of a refusal: the refusal rule speaks
        return _dedupe(cues)

    def _negation(self, pos: int, masks: _Masks) -> int | None:
        lo = max(_scope_start(self.clauses, pos), pos - LOOKBACK)
        hit = _last_hit(self.rules.negators, self.norm, lo, pos, masks)
        if hit is not None:
            return hit
        lo = max(_scope_start(self.phrases, pos), pos - LOOKBACK)
        return _last_hit(self.rules.weakeners, self.norm, lo, pos, masks)


def _dedupe(cues: list[Cue]) -> list[Cue]:
    """Keep one cue per overlapping span within a category (the earliest, then the longest)."""
    kept: list[Cue] = []
    reach: dict[str, int] = {}  # furthest end kept so far, per category
    for cue in sorted(cues, key=lambda c: (c.start, c.start - c.end)):
        if cue.start >= reach.get(cue.rule.category, -1):
            kept.append(cue)
            reach[cue.rule.category] = cue.end
    return kept


@dataclass
class _Signals:
    strong: list[Cue]
    praise: list[Cue]
    eager: list[Cue]
    yes: list[Cue]
    offers: list[Cue]
    soft: list[Cue]
    hard: list[Cue]
    declines: list[Cue]

    @classmethod
    def of(cls, cues: list[Cue]) -> _Signals:
        def active(*cats: str) -> list[Cue]:
            return [c for c in cues if c.active and c.rule.category in cats]

        negated = [c for c in cues if not c.active]
        return cls(
            strong=active(*STRONG_LEVEL),
            praise=active("praise"),
            eager=active("eager"),
            yes=active("yes", "offer", "eager"),
            offers=[c for c in cues if c.active and (c.rule.offer or c.rule.category == "offer")],
            soft=active("soft_hedge"),
            hard=sorted(active("hedge") + negated, key=lambda c: c.start),
            declines=active("decline"),
        )


@dataclass
class _Decision:
    label: Label
    reason: str
    cues: list[Cue]


def _decide(s: _Signals, words: int) -> _Decision:
    """Apply the decision order (see the module docstring)."""
    if s.declines and not s.offers:
        return _Decision("declined", "the writer says no", s.declines)
    if s.declines or s.hard:
        return _Decision("hedged", "the reply holds back from a strong letter", s.declines + s.hard)
    if s.strong:
        return _Decision("enthusiastic", "commits to a strong letter", s.strong)
    if s.soft:
        return _Decision("hedged", "warm, but no commitment to a strong letter", s.soft)
    if s.praise and s.yes:
        return _Decision("enthusiastic", "says yes and praises your work", s.praise + s.yes)
    if s.eager and words <= SHORT_REPLY_WORDS:
        return _Decision("enthusiastic", "an eager, unconditional yes", s.eager)
    return _Decision("hedged", "no clear commitment to a strong letter", [])


def _evidence(cue: Cue, original: str) -> Evidence:
    if cue.active:
        return Evidence(
            quote=original[cue.start : cue.end],
            rule_id=cue.rule.id,
            category=cue.rule.category,
            why=cue.rule.why,
        )
    at = cue.negated_at if cue.negated_at is not None else cue.start
    return Evidence(
        quote=original[at : cue.end],
        rule_id=f"{cue.rule.id}.negated",
        category="hedge",
        why=f"Negated or made conditional, so it reads as doubt. (Positive form: {cue.rule.why})",
    )


ADVICE: dict[str, str] = {
    "enthusiastic": (
        "Good sign: this writer has committed to a strong letter. Thank them the same day, then send "
        "your support packet within a day or two: CV, personal statement draft, target specialty with a few "
        "sample programs, and your bullet list grouped by area. Confirm the deadline and send the ERAS "
        "Letter ID. Mark them as agreed (strong) and keep them in your top three."
    ),
    "hedged": (
        "Read this as a generic letter at best. Reply kindly: thank them, explain that as an IMG you need a "
        "clearly strong letter, and give them an easy way to step back. If they then confirm a strong, "
        "detailed letter, carry on as normal. If not, mark them agreed (hedged), keep the letter only as a "
        "backup, never as a cornerstone, and ask your next best unasked writer today."
    ),
    "declined": (
        "They have said no, and a clear no now is far better than a weak letter later. Thank them warmly, "
        "do not push or ask again, and keep the relationship good. Mark them declined and ask your next best "
        "unasked writer today."
    ),
}


def _summary(decision: _Decision, original: str) -> str:
    lead = f"{decision.label.capitalize()}: {decision.reason}"
    if not decision.cues:
        return f"{lead}." if original.strip() else f"{lead} (the reply is empty)."
    first = decision.cues[0]
    start = first.negated_at if first.negated_at is not None else first.start
    quote = " ".join(original[start : first.end].split())
    if len(quote) > 80:
        quote = quote[:77] + "..."
    return f'{lead} ("{quote}").'


def read_reply(text: str) -> ReplyReading:
    """Read a referee's reply and say whether it is enthusiastic, hedged or declined. Never raises."""
    original = strip_quoted(text if isinstance(text, str) else ("" if text is None else str(text)))
    cues = _Scanner(normalise(original), load_rules()).scan()
    decision = _decide(_Signals.of(cues), len(original.split()))
    return ReplyReading(
        label=decision.label,
        evidence=[_evidence(c, original) for c in sorted(cues, key=lambda c: c.start)],
        advice=ADVICE[decision.label],
        summary=_summary(decision, original),
    )
