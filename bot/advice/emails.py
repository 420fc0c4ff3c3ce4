"""Ready-to-send e-mail drafts for the letter workflow (seed 000 steps 3, 6, 8; seed 002 sections 3, 5, 12).

Every draft is filled from :class:`EmailFacts`. A fact the draft needs but does not have is never invented:
it appears as a bracketed placeholder such as ``[YOUR SPECIALTY]`` and is listed in ``Draft.missing``.
User text is cleaned (control and bidi-override characters removed, lengths capped) and backticks are
broken up, so a body can always sit inside a Discord code block.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Literal, get_args

from pydantic import BaseModel, Field

from bot.advice.text import plain_text
from bot.advice.vocab import Area

EmailKind = Literal["strong-request", "support-packet", "follow-up", "update-request", "feedback-request"]
EMAIL_KINDS: tuple[str, ...] = get_args(EmailKind)

#: Hard cap on a body: it goes into a Discord message code block and a .txt file.
MAX_BODY = 3500
#: At most this many bullets are written into the support-packet e-mail; the rest are in the attachment.
MAX_BULLETS = 14

#: The placeholder shown for each fact that is missing (keys are EmailFacts fields, plus ``recent_work``).
PLACEHOLDERS: dict[str, str] = {
    "referee_name": "[REFEREE NAME]",
    "referee_title": "[TITLE]",
    "institution": "[INSTITUTION]",
    "how_known": "[DURING WHICH ROTATION OR JOB, AND WHEN]",
    "specialty": "[YOUR SPECIALTY]",
    "deadline": "[DEADLINE]",
    "applicant_name": "[YOUR NAME]",
    "bullets": "[YOUR BULLETS: 5-7 CONCRETE THINGS THEY SAW YOU DO]",
    "last_worked": "[MONTH AND YEAR YOU LAST WORKED TOGETHER]",
    "recent_work": "[WHAT YOU HAVE DONE CLINICALLY SINCE THEN]",
}

#: Longest accepted length of each single-line fact; longer text is cut with an ellipsis.
LIMITS = {
    "referee_name": 100,
    "referee_title": 80,
    "institution": 150,
    "how_known": 300,
    "specialty": 80,
    "applicant_name": 100,
    "bullet": 300,
}

_HONORIFIC = re.compile(r"^(?:dr|prof|professor|mr|mrs|ms|mx|miss|sir|dame|assoc\.?\s+prof)\b\.?", re.I)
_BACKTICK_AFTER_BACKTICK = re.compile(r"(?<=`)`")
class EmailFacts(BaseModel):
    """What the applicant told us about this referee and the application."""

    referee_name: str
    referee_title: str | None = None
    institution: str | None = None
    how_known: str | None = None
    specialty: str | None = None
    deadline: date | None = None
    applicant_name: str | None = None
    bullets: list[tuple[str, str]] = Field(default_factory=list)
    last_worked: date | None = None


class Draft(BaseModel):
    """One e-mail, ready to copy."""

    kind: str
    subject: str
    body: str
    missing: list[str]

    def as_text(self) -> str:
        """Subject line and body as one plain-text block."""
        return f"Subject: {self.subject}\n\n{self.body}"


def neutralise_fences(text: str) -> str:
    """Break up backtick runs so the text cannot open or close a Discord code block; length is unchanged."""
    return _BACKTICK_AFTER_BACKTICK.sub("\u02cb", text)


def clean_line(text: str | None, limit: int) -> str:
    """One line of user text: no control or bidi-override characters, single spaces, at most ``limit``."""
    if not text:
        return ""
    line = plain_text(text[: limit * 4])
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def format_date(d: date) -> str:
    """15 September 2025."""
    return f"{d.day} {d:%B %Y}"


def month_year(d: date) -> str:
    """September 2025."""
    return f"{d:%B %Y}"


class _Filler:
    """Hands out cleaned facts, or placeholders that it records as missing."""

    def __init__(self, facts: EmailFacts) -> None:
        self.facts = facts
        self.missing: list[str] = []

    def placeholder(self, key: str) -> str:
        token = PLACEHOLDERS[key]
        if token not in self.missing:
            self.missing.append(token)
        return token

    def text(self, key: str) -> str:
        value = clean_line(getattr(self.facts, key), LIMITS[key])
        return value or self.placeholder(key)

    def when(self, key: str, fmt: Callable[[date], str]) -> str:
        value = getattr(self.facts, key)
        return fmt(value) if value else self.placeholder(key)

    def salutation(self) -> str:
        name = self.text("referee_name")
        if _HONORIFIC.match(name):
            return f"Dear {name},"
        title = clean_line(self.facts.referee_title, LIMITS["referee_title"])
        if not title:
            return f"Dear {self.placeholder('referee_title')} {name},"
        if _HONORIFIC.match(title) and len(title.split()) <= 2:
            return f"Dear {title} {name},"
        if "professor" in title.lower():
            return f"Dear Professor {name},"
        return f"Dear {name},"

    def where(self) -> str:
        """'during ... at <institution>' for the sentence about how the referee knows the applicant."""
        return f"{self.text('how_known')} at {self.text('institution')}"

    def sign_off(self, closing: str) -> str:
        return f"{closing},\n{self.text('applicant_name')}"


def _area_key(area: str) -> Area | None:
    wanted = clean_line(area, 60).lower()
    for a in Area:
        if wanted in (a.value, a.title.lower()):
            return a
    return None


def group_bullets(bullets: list[tuple[str, str]]) -> list[tuple[str, list[str]]]:
    """Bullets grouped under area titles, in the vocabulary's order; unknown areas go under 'Other'."""
    groups: dict[Area | None, list[str]] = {}
    for area, text in bullets:
        line = clean_line(text, LIMITS["bullet"])
        if line:
            groups.setdefault(_area_key(area), []).append(line)
    ordered = [(a.title, groups[a]) for a in Area if a in groups]
    if None in groups:
        ordered.append(("Other", groups[None]))
    return ordered


def _bullet_block(groups: list[tuple[str, list[str]]], limit: int) -> str:
    """At most ``limit`` bullets, grouped; says how many more are in the attached list."""
    lines: list[str] = []
    shown = 0
    total = sum(len(items) for _, items in groups)
    for title, items in groups:
        take = items[: max(0, limit - shown)]
        if take:
            lines.append(title)
            lines.extend(f"- {item}" for item in take)
            shown += len(take)
    if shown < total:
        lines.append(f"(and {total - shown} more in the attached list)")
    return "\n".join(lines)


def _email(f: _Filler, closing: str, *paragraphs: str) -> str:
    """Salutation, paragraphs and sign-off, separated by blank lines."""
    return "\n\n".join([f.salutation(), *paragraphs, f.sign_off(closing)])


def _strong_request(f: _Filler) -> tuple[str, str]:
    specialty = f.text("specialty")
    subject = f"Request for a strong letter of recommendation ({specialty} residency)"
    body = _email(
        f,
        "With best regards",
        f"I hope you are well. I am applying to {specialty} residency programs in the United States, and I "
        f"am writing to ask for your support. You supervised my clinical work {f.where()}, and I learned a "
        "great deal from you.",
        "As an international medical graduate, I depend on my letters more than most applicants: program "
        "directors use them to judge how I work in practice. Would you feel able to write a strong letter "
        "of recommendation for me, with specific examples from our work together?",
        "Please be completely frank. If you feel you did not see enough of my work for that kind of letter, "
        "I will understand, and I will be grateful for the honesty.",
        "If you agree, I will send a short packet to make writing quicker: my CV, a draft of my personal "
        "statement, my target specialty with sample programs, and a one-page list of concrete cases and "
        f"tasks you supervised. Letters need to be in ERAS by {f.when('deadline', format_date)}.",
        "Thank you for considering this, and for your teaching.",
    )
    return subject, body


def _support_packet(f: _Filler, bullet_limit: int) -> tuple[str, str]:
    specialty = f.text("specialty")
    groups = group_bullets(f.facts.bullets)
    bullets = _bullet_block(groups, bullet_limit) if groups else f.placeholder("bullets")
    subject = f"Materials for my letter of recommendation ({specialty} residency)"
    body = _email(
        f,
        "Kind regards",
        f"Thank you again for agreeing to write a letter for my {specialty} residency application. To make "
        "it as easy as possible, I have attached my CV, a draft of my personal statement, and my target "
        "specialty with a short list of sample programs.",
        f"Below are specific things you saw me do {f.where()}, grouped by the areas programs look for. They "
        "are reminders of real cases, not text to copy:",
        bullets,
        "Two optional points, only if they match your honest view:",
        "1. Comparison with peers. US programs weigh a comparison that comes with a number, for example "
        "where I stand among the interns you have supervised and out of how many. If you are comfortable "
        "including one, it would help my application a great deal.",
        f"2. What US residency expects. {specialty} residents in the US carry a heavy patient load from the "
        "first day, own the first assessment and the daily plan, and work closely with nurses, pharmacists "
        "and other teams. Comments on how I handled workload, responsibility and communication are the ones "
        "programs value most.",
        "Practical details: programs expect official letterhead, a date, your signature with your title and "
        "contact details, and ideally one page. I will send the ERAS Letter Request Form with my Letter ID "
        f"separately. The upload deadline is {f.when('deadline', format_date)}.",
        "Please tell me if anything else would help. Thank you very much.",
    )
    return subject, body


def _follow_up(f: _Filler) -> tuple[str, str]:
    specialty = f.text("specialty")
    subject = f"Following up: my letter of recommendation ({specialty} residency)"
    body = _email(
        f,
        "Best regards",
        "I hope your week is going well. This is a gentle reminder about the letter of recommendation for my "
        f"{specialty} residency application; the ERAS upload deadline is {f.when('deadline', format_date)}.",
        "If it helps, I am happy to resend my CV, my personal statement draft, the list of cases you "
        "supervised, or my ERAS Letter ID. And if your plans have changed and the letter is no longer "
        "possible, just let me know: I completely understand.",
        "Thank you again for your time and support.",
    )
    return subject, body


def _update_request(f: _Filler) -> tuple[str, str]:
    specialty = f.text("specialty")
    subject = f"Request for an updated letter of recommendation ({specialty} residency)"
    body = _email(
        f,
        "Warm regards",
        f"I hope you are well. You supervised my work {f.where()}, most recently in "
        f"{f.when('last_worked', month_year)}, and you kindly supported my earlier residency application.",
        f"I am reapplying to {specialty} residency in the United States this cycle, and I would be very "
        "grateful if you would consider updating your letter. Since we last worked together, I have "
        f"{f.placeholder('recent_work')}.",
        "I have attached my updated CV and a short list of the duties and cases you supervised. Programs "
        "give the most weight to recent letters, so a version dated this year would help me a great deal. "
        "If you feel you can support my application strongly again, the upload deadline is "
        f"{f.when('deadline', format_date)}. If not, I fully understand.",
        "Thank you for your continued support.",
    )
    return subject, body


def _feedback_request(f: _Filler) -> tuple[str, str]:
    subject = "Asking for your honest feedback"
    body = _email(
        f,
        "Best regards",
        f"I hope you are doing well. I worked under your supervision {f.where()}, most recently in "
        f"{f.when('last_worked', month_year)}.",
        "My last residency application did not go as I hoped, and I am preparing to apply again. You saw my "
        "work closely, so your view of where I should improve would mean a great deal to me.",
        "Would you be willing to share honest feedback on the areas I should strengthen, clinically or "
        "professionally? A few lines by e-mail or a short call at a time that suits you would be very "
        "helpful. I am not asking about any letter or asking you to change anything; I simply want to "
        "become a better doctor and a stronger applicant.",
        "Thank you for your time and your candour.",
    )
    return subject, body


def _render(kind: str, facts: EmailFacts, bullet_limit: int) -> Draft:
    f = _Filler(facts)
    builders: dict[str, Callable[[], tuple[str, str]]] = {
        "strong-request": lambda: _strong_request(f),
        "support-packet": lambda: _support_packet(f, bullet_limit),
        "follow-up": lambda: _follow_up(f),
        "update-request": lambda: _update_request(f),
        "feedback-request": lambda: _feedback_request(f),
    }
    subject, body = (neutralise_fences(part) for part in builders[kind]())
    shown = f"{subject}\n{body}"
    return Draft(kind=kind, subject=subject, body=body, missing=sorted(f.missing, key=shown.find))


def draft_email(kind: str, facts: EmailFacts) -> Draft:
    """Draft one e-mail of ``kind`` (one of EMAIL_KINDS). Raises ValueError for an unknown kind."""
    if kind not in EMAIL_KINDS:
        raise ValueError(f"unknown e-mail kind {kind!r}; expected one of {', '.join(EMAIL_KINDS)}")
    limit = min(len(facts.bullets), MAX_BULLETS)
    draft = _render(kind, facts, limit)
    while len(draft.body) > MAX_BODY and limit > 0:
        limit -= 1
        draft = _render(kind, facts, limit)
    return draft
