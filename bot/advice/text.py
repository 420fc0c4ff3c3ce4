"""Text helpers for the letter check: folding, sentence spans, negation scope and subject attribution.

Everything here works on a *folded* copy of the letter that has exactly the same length as the
original, so an offset found in the folded text points at the same characters in the original
and quotes can always be cut from what the user actually sent.
"""

from __future__ import annotations

import re
from typing import Any

#: Same-length folding: typographic quotes, dashes and odd spaces become plain ASCII, and "!"/"?"
#: become "." so one literal-prefixed regex finds sentence ends. U+0130 is the only character whose
#: lower() is two characters long; it is mapped first so the length never changes.
_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u02bc": "'",
        "\u2032": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
        "\u2007": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\t": " ",
        "\r": " ",
        "\f": " ",
        "\v": " ",
        "\u2028": "\n",
        "\u2029": "\n",
        "\u0130": "I",
        "!": ".",
        "?": ".",
    }
)

#: Token split: every ASCII character that is not a letter or a digit becomes a space.
_KEEP = set("abcdefghijklmnopqrstuvwxyz0123456789")
_SPACES = str.maketrans({i: " " for i in range(128) if chr(i) not in _KEEP})

#: A sentence ends at a full stop followed by space, at a blank line, or before a bullet line.
#: The run of dots and closing quotes/brackets after the full stop is bounded ({0,8}): unbounded, a long
#: run with no space after it was rescanned from every dot in it (quadratic). The pattern still opens with
#: a literal "." so the regex engine skips straight to the full stops.
_BOUNDARY = re.compile(
    r"\.[.\"')\]]{0,8}\s+|\n[ ]*\n\s*|\n(?=[ ]*(?:[-*\u2022\u00b7\u25aa]|[0-9]{1,2}[.)])[ ])"
)
_ABBREVIATION = re.compile(
    r"(?:^|[^a-z])(?:dr|mr|mrs|ms|mx|prof|st|vs|no|nos|e\.g|i\.e|etc|approx|dept|jr|sr|fig|al|inc|co|[a-z])$"
)
#: Longest stretch treated as one sentence; longer runs (garbage, no punctuation) are cut in chunks.
MAX_SENTENCE = 1200

NEGATORS = frozenset(
    {
        "not",
        "no",
        "never",
        "cannot",
        "without",
        "nor",
        "neither",
        "hardly",
        "barely",
        "none",
        "nothing",
        "lack",
        "lacks",
        "lacked",
        "lacking",
        "nobody",
        "rarely",
        "seldom",
    }
)
#: Word pairs that look negative but are not ("not only", "no doubt", "without question").
_PSEUDO = frozenset(
    {
        ("not", "only"),
        ("not", "just"),
        ("not", "merely"),
        ("no", "doubt"),
        ("no", "less"),
        ("no", "question"),
        ("without", "doubt"),
        ("without", "question"),
        ("never", "fails"),
        ("not", "surprising"),
        ("nothing", "but"),
    }
)
#: Words that end the scope of a negation or an attribution look-back.
SCOPE_END = frozenset(
    {"but", "however", "although", "though", "yet", "except", "whereas", "and", "while", "which"}
)
_SCOPE_PUNCT = re.compile(r"[,;:()\"]")

APPLICANT_WORDS = frozenset({"he", "she", "they", "him", "her", "them", "his", "their", "hers", "theirs"})
#: Subjects that are not the applicant: the writer, patients and families, other staff, places.
OTHER_WORDS = frozenset(
    {
        "i",
        "we",
        "me",
        "us",
        "my",
        "our",
        "family",
        "families",
        "patient",
        "patients",
        "parent",
        "parents",
        "mother",
        "father",
        "son",
        "daughter",
        "child",
        "children",
        "baby",
        "infant",
        "toddler",
        "teenager",
        "man",
        "woman",
        "wife",
        "husband",
        "nurse",
        "nurses",
        "resident",
        "residents",
        "attending",
        "attendings",
        "examiner",
        "examiners",
        "pharmacist",
        "pharmacy",
        "team",
        "colleague",
        "colleagues",
        "staff",
        "consultant",
        "consultants",
        "radiologist",
        "surgeon",
        "surgeons",
        "fellow",
        "fellows",
        "others",
        "everyone",
        "anyone",
        "nobody",
        "physician",
        "physicians",
        "intern",
        "interns",
        "students",
        "registrar",
        "registrars",
        "doctors",
    }
)
_WINDOW_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")
#: Words that stop the attribution look-back (a new clause with its own subject may follow).
_ATTRIBUTION_STOP = frozenset({"but", "however", "although", "though", "yet", "except", "whereas", "while"})
#: Capitalised words that are not names even in the middle of a sentence.
_NOT_NAMES = frozenset(
    {"i", "english", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}
)


def clean(text: Any) -> str:
    """Any input as a str that can always be encoded (lone surrogates become '?')."""
    if text is None:
        return ""
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", errors="replace")
    elif not isinstance(text, str):
        text = str(text)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", errors="replace").decode("utf-8")
    return text


def fold(text: str) -> str:
    """Lower-case, ASCII-punctuated copy of ``text`` with exactly the same length."""
    return text.translate(_FOLD).lower()


def to_words(folded: str) -> str:
    """The folded text with everything but word characters turned into spaces (same length)."""
    return folded.translate(_SPACES)


def sentence_spans(folded: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, trimmed of surrounding whitespace; long runs are chunked."""
    spans: list[tuple[int, int]] = []
    start = 0
    for m in _BOUNDARY.finditer(folded):
        dot = folded[m.start()] == "."
        end = m.start()
        if dot and _ABBREVIATION.search(folded, max(0, end - 8), end):
            continue
        _add_span(folded, start, end + dot, spans)
        start = m.end()
    _add_span(folded, start, len(folded), spans)
    return spans


def _add_span(folded: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    while start < end and folded[start].isspace():
        start += 1
    while end > start and folded[end - 1].isspace():
        end -= 1
    while end - start > MAX_SENTENCE:
        cut = folded.rfind(" ", start + MAX_SENTENCE // 2, start + MAX_SENTENCE)
        cut = cut if cut > start else start + MAX_SENTENCE
        spans.append((start, cut))
        start = cut
        while start < end and folded[start].isspace():
            start += 1
    if end > start:
        spans.append((start, end))


_NEGATION_HINT = re.compile(
    r"(?<![a-z])(?:not|no|never|cannot|without|nor|neither|hardly|barely|none|nothing|lack[a-z]*|nobody|"
    r"rarely|seldom)(?![a-z])|n't"
)


def _clause_words(window: str) -> list[str]:
    """Words of ``window`` after its last scope terminator (punctuation or but/however/and...), in order."""
    cut = max((m.end() for m in _SCOPE_PUNCT.finditer(window)), default=0)
    words = window[cut:].replace("n't", " not").translate(_SPACES).split()
    for i in range(len(words) - 1, -1, -1):
        if words[i] in SCOPE_END:
            return words[i + 1 :]
    return words


def is_negated(folded: str, sentence_start: int, pos: int) -> bool:
    """True when one of the three words before ``pos`` negates it (VADER-style scope)."""
    window = folded[max(sentence_start, pos - 48) : pos]
    if not _NEGATION_HINT.search(window):
        return False
    words = _clause_words(window)[-3:]
    for i, word in enumerate(words):
        if word in NEGATORS and not (i + 1 < len(words) and (word, words[i + 1]) in _PSEUDO):
            return True
    return False


#: A noun right after one of these is an object, not the subject of what follows.
_PREPOSITIONS = frozenset(
    {"of", "with", "for", "to", "on", "in", "at", "from", "about", "by", "including", "among", "like"}
)


def about_someone_else(text: str, sentence_start: int, pos: int) -> bool:
    """True when the nearest subject-like word before ``pos`` is the writer or a third party.

    Looks back up to twelve words in the clause. An applicant pronoun or a capitalised name (not
    the sentence's first word) means the applicant; finding no subject also means the applicant,
    since a letter describes its subject by default.
    """
    words = list(_WINDOW_WORD.finditer(text, max(sentence_start, pos - 90), pos))
    for m in reversed(words[-12:]):
        word = m.group()
        low = word.lower()
        if low in _ATTRIBUTION_STOP or low in APPLICANT_WORDS:
            return False
        if low in OTHER_WORDS and not _is_object(words, m):
            return not _is_complement(words, m)
        if word[0].isupper() and m.start() != sentence_start and low not in _NOT_NAMES:
            return False
    return False


def _is_object(words: list[re.Match[str]], m: re.Match[str]) -> bool:
    """True when a preposition sits within the three words before ``m`` (the noun is an object)."""
    i = words.index(m)
    return any(w.group().lower() in _PREPOSITIONS for w in words[max(0, i - 3) : i])


_COPULAS = frozenset({"is", "was", "were", "are", "be", "been", "being", "as"})


def _is_complement(words: list[re.Match[str]], m: re.Match[str]) -> bool:
    """True for "she was the resident (who ...)": the noun names the applicant after a linking verb."""
    i = words.index(m)
    return any(w.group().lower() in _COPULAS for w in words[max(0, i - 3) : i])


#: Invisible characters that reorder or hide text (bidi overrides, isolates and marks).
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")


def plain_text(text: str, *, multiline: bool = False) -> str:
    """User text made safe to store and show: no control, bidi-override or surrogate characters.

    Whitespace runs become one space; with ``multiline`` line breaks are kept (at most one blank line).
    """
    import unicodedata

    def keep(line: str) -> str:
        return " ".join(
            "".join(
                " " if unicodedata.category(c) == "Cc" else c
                for c in line
                if c not in BIDI_CONTROLS and unicodedata.category(c) != "Cs"
            ).split()
        )

    if not multiline:
        return keep(text)
    lines = [keep(line) for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


#: Characters that start Discord markdown, masked links, quotes, headings, or mention/timestamp syntax.
_MARKUP_CHARS = re.compile(r"([\\*_~`|>#\[\]<])")
_LIST_START = re.compile(r"(?m)^([ \t]*(?:[0-9]+)?)([-.])(?=[ \t])")  # "- item" and "1. item" lists
_MASS_MENTION = re.compile(r"@(everyone|here|[!&]?[0-9])")


def escape_text(text: str) -> str:
    """User text made inert in a Discord message: markdown, links, list markers and mentions all show as
    typed. Backslash-escapes render invisibly; ``@everyone``/``@here``/``@123`` get a zero-width space.
    The one escaper for every reply (``bot.embeds.safe`` wraps it); plain Python, so db/ can use it too."""
    if not text:
        return ""
    escaped = _LIST_START.sub(r"\1\\\2", _MARKUP_CHARS.sub(r"\\\1", text))
    return _MASS_MENTION.sub("@\u200b\\1", escaped)
