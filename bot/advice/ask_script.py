"""The guided checklist for asking ONE referee for a strong letter.

Built from seed 000 (steps 3, 6, 8, 10) and seed 002 (sections 3, 5, 7.3, 11-14), in the project's own
words. Step keys are stable: they are stored in the database and used in button custom ids.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from bot.advice.emails import clean_line, neutralise_fences
from bot.advice.vocab import LABEL_ORDER, RefereeLabel, RefereeStatus

#: The one-line ask the applicant can copy into an e-mail or say in person.
ASK_LINE = (
    "I am applying to US residency as an international medical graduate, and for applicants like me the "
    "letters carry a great deal of weight. Based on our work together, would you feel comfortable writing "
    "a strong letter for me, with specific examples of what you saw me do?"
)


class Step(BaseModel):
    """One step of the ask script."""

    model_config = ConfigDict(frozen=True)

    key: str
    number: int
    title: str
    guidance: str
    #: The referee status this step moves to when done; None when it does not change the status or, for
    #: ``decide``, when it depends on the reply (see :func:`status_after_reply`).
    status_on_complete: RefereeStatus | None


STEPS: tuple[Step, ...] = (
    Step(
        key="prepare",
        number=1,
        title="Check the writer and prepare your bullets",
        guidance=(
            "Before you ask, make sure this is the right writer: someone who watched your clinical work "
            "directly and can compare you with other trainees they have supervised. A famous name who barely "
            "knows you writes a weaker letter than a less known supervisor who can give specifics.\n"
            "Then write 5-7 concrete bullets about what this person saw you do: real patients, real "
            "responsibilities, real outcomes, with dates and numbers where you can. Use `/referee bullets` "
            "to store them; they go into your support packet later."
        ),
        status_on_complete=None,
    ),
    Step(
        key="ask",
        number=2,
        title="Ask for a strong letter, in those words",
        guidance=(
            "Do not ask whether they can write you *a* letter: almost anyone can. Ask whether they can write "
            "you a *strong* one, so a writer who cannot has an easy way to say so now rather than send a "
            "lukewarm letter later. Copy the line below into your e-mail (or say it in person), then stop "
            "and let them answer. The `strong-request` e-mail draft wraps it in a full message.\n\n"
            f"> {ASK_LINE}"
        ),
        status_on_complete=RefereeStatus.asked,
    ),
    Step(
        key="read_reply",
        number=3,
        title="Paste their reply",
        guidance=(
            "Paste what the writer said, word for word. The reply reader sorts it into enthusiastic, hedged "
            "or declined and shows the phrases behind the call. Be strict with yourself: 'I can write you a "
            "letter', 'I can describe your performance' or 'remind me what you did' are polite ways of "
            "promising a generic letter, even when the tone is warm."
        ),
        status_on_complete=None,
    ),
    Step(
        key="decide",
        number=4,
        title="Decide: continue, or exit gracefully",
        guidance=(
            "Enthusiastic: thank them, mark them agreed (strong) and move on to the packet.\n"
            "Hedged: send the graceful-exit note. Thank them, explain that as an IMG you need a clearly "
            "strong letter, and give them an easy way out. If they then commit to a strong letter, carry "
            "on. Otherwise mark them agreed (hedged) and keep the letter as a backup only, or mark them "
            "declined if they step back.\n"
            "Declined: thank them and keep the relationship warm.\n"
            "After a hedge or a no, ask your next best unasked writer the same day."
        ),
        status_on_complete=None,
    ),
    Step(
        key="packet",
        number=5,
        title="Send the support packet",
        guidance=(
            "Within a day or two of a yes, send: your CV, a draft of your personal statement, your target "
            "specialty with a few sample programs, and your bullet list grouped by the areas programs care "
            "about (clinical judgment, reliability, communication, learning from feedback, teamwork, "
            "adaptability). Two optional paragraphs help a lot: a polite request for a peer comparison with "
            "a denominator (for example 'top 5 of 40 interns') if they honestly agree with it, and a short "
            "note on what US residency demands of interns. The `support-packet` e-mail draft has all of it."
        ),
        status_on_complete=RefereeStatus.packet_sent,
    ),
    Step(
        key="follow_up",
        number=6,
        title="Follow up politely",
        guidance=(
            "If nothing has been uploaded and you have heard nothing after 1-2 weeks, send one short, kind "
            "reminder with the deadline and an offer to resend anything. Leave them a graceful way to "
            "withdraw. If the deadline is close and there is still silence, start on a backup writer."
        ),
        status_on_complete=None,
    ),
    Step(
        key="review",
        number=7,
        title="Check the uploaded letter for completeness",
        guidance=(
            "When the letter arrives, check its form only: official letterhead, a date (ideally within the "
            "last 12 months), a signature, the writer's title and contact details, and your name spelled "
            "exactly as in ERAS. Never edit, reword or 'fix' the content, and never touch the file's data: "
            "that crosses an ethical line. If something formal is missing, ask the writer to correct it."
        ),
        status_on_complete=RefereeStatus.uploaded,
    ),
    Step(
        key="assign",
        number=8,
        title="Assign it in ERAS",
        guidance=(
            "Assign the letter to programs in ERAS. Each program takes at most 4 letters; 3 strong ones is "
            "the usual target. Put your strongest letters everywhere, and use a weaker or hedged letter only "
            "where you need a fourth, and never one with any hint of concern. Uploaded does not mean "
            "assigned: a letter can stay unused."
        ),
        status_on_complete=RefereeStatus.assigned,
    ),
)

_BY_KEY = {step.key: step for step in STEPS}

#: Referee status after the reply has been read (step ``decide``); the applicant may still mark a hedged
#: writer as declined.
STATUS_AFTER_REPLY: dict[str, RefereeStatus] = {
    "enthusiastic": RefereeStatus.agreed_strong,
    "hedged": RefereeStatus.agreed_hedged,
    "declined": RefereeStatus.declined,
}


def step_by_key(key: str) -> Step:
    """The step with this key. Raises KeyError for an unknown key."""
    return _BY_KEY[key]


def next_step(done: set[str]) -> Step | None:
    """The first step not yet done, in order; None when all are done. Unknown keys are ignored."""
    return next((step for step in STEPS if step.key not in done), None)


def status_after_reply(label: str) -> RefereeStatus:
    """The referee status the ``decide`` step records for a reply label."""
    return STATUS_AFTER_REPLY[label]


def graceful_exit_text(referee_name: str | None) -> str:
    """A kind note to a writer who hedged: thanks, why a strong letter matters for an IMG, an easy out."""
    name = clean_line(referee_name, 100)
    greeting = f"Dear {neutralise_fences(name)}," if name else "Dear [REFEREE NAME],"
    return (
        f"{greeting}\n\n"
        "Thank you for your kind reply and for being willing to help. I want to be open with you: as an "
        "international medical graduate, my application depends on letters that describe my work strongly "
        "and in detail. If that kind of letter is not something you are able to give, that is completely "
        "fine. Just let me know, and I will approach another supervisor with no hard feelings at all. "
        "Either way, I am grateful for everything I learned working with you."
    )


class RefereeLite(BaseModel):
    """The little we need about a referee to pick whom to ask next."""

    name: str
    label: RefereeLabel
    status: RefereeStatus = RefereeStatus.not_asked
    circled: bool = False


_ASKABLE = (RefereeLabel.strong, RefereeLabel.unsure)


def suggest_next_referee(referees: list[RefereeLite]) -> RefereeLite | None:
    """The best writer not yet asked: circled first, then strong, then unsure; never weak or suspect."""
    candidates = [r for r in referees if r.status == RefereeStatus.not_asked and r.label in _ASKABLE]
    if not candidates:
        return None
    return min(candidates, key=lambda r: (not r.circled, LABEL_ORDER.index(r.label)))
