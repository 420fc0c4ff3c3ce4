"""Letter planner: which letters go to which programs, what to drop or refresh, and what to do next.

Pure logic built on seed 000 (steps 2, 4, 5, 8, 10) and seed 002 (sections 2, 3, 7.3, 9, 11-13).
No discord import: the cogs and the CLI render the :class:`Plan` this module returns.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field

from bot.advice.vocab import (
    ACCEPTABLE_MONTHS,
    FRESH_MONTHS,
    RefereeKind,
    RefereeLabel,
    RefereeStatus,
    letter_age_months,
)

S = RefereeStatus
L = RefereeLabel
K = RefereeKind

#: A letter is "in hand" only in these states; asked / not asked referees are potential letters.
IN_HAND = frozenset({S.agreed_strong, S.agreed_hedged, S.packet_sent, S.uploaded, S.assigned})
#: In hand *and* not hedged: the writer committed to a real endorsement.
FIRM = frozenset({S.agreed_strong, S.packet_sent, S.uploaded, S.assigned})
#: Labels that may carry a program's main letters (None = not labelled yet).
CORE_LABELS = frozenset({L.strong, L.unsure, None})

USUAL_LETTERS = 3
MAX_LETTERS = 4


class Profile(StrEnum):
    """Applicant profiles from seed 002, section 2."""

    fresh_grad_no_usce = "fresh_grad_no_usce"
    older_grad = "older_grad"
    some_us_observerships = "some_us_observerships"
    research_heavy = "research_heavy"
    strong_scores_weak_letters = "strong_scores_weak_letters"


PROFILES: dict[Profile, str] = {
    Profile.fresh_grad_no_usce: "Recent graduate, no US clinical experience",
    Profile.older_grad: "Graduated more than 5 years ago",
    Profile.some_us_observerships: "Some US observerships",
    Profile.research_heavy: "Research-heavy, little clinical work",
    Profile.strong_scores_weak_letters: "Strong scores, weak letters",
}

PROFILE_PRIORITIES: dict[Profile, tuple[str, ...]] = {
    Profile.fresh_grad_no_usce: (
        "Get the most out of home-country letters: choose supervisors who watched you work and give "
        "each one a support packet so the letter is specific.",
        "Add some US-facing exposure this year: research with US collaborators or a reputable remote "
        "or tele-observership program.",
        "Aim for 3 strong home letters plus 1 spare rather than many thin ones.",
    ),
    Profile.older_grad: (
        "Secure at least one clinical letter written in the last 12 months by someone who sees your "
        "current clinical work.",
        "Back it with academic letters from your home institution written by people who supervised you.",
        "Make the time since graduation look like real clinical work in your experiences section.",
    ),
    Profile.some_us_observerships: (
        "Turn every US observership or externship into at least one credible US letter: ask the "
        "attending who saw you most, in so many words, for a strong letter.",
        "Prefer the attending who worked with you daily over the best-known name.",
        "Fill the remaining slots with your strongest home clinical letters.",
    ),
    Profile.research_heavy: (
        "Include one letter from your PI or research mentor, written by someone who knows you well.",
        "Pair it with your best home clinical letters so programs still see you caring for patients.",
        "Treat the research letter as the optional 4th, never as a stand-in for clinical letters.",
    ),
    Profile.strong_scores_weak_letters: (
        "Repair the content of your letters: support packet with concrete bullets, an honest peer "
        "comparison and a short note on what US residency expects.",
        "Add one new referee who can write a strong, detailed letter.",
        "Stop sending letters that only say you were pleasant or met expectations.",
    ),
}


class ProgramType(StrEnum):
    """Where a letter set is sent (seed 000, step 4B; seed 002, section 9)."""

    competitive = "competitive"
    img_friendly = "img_friendly"


PROGRAM_TITLES = {
    ProgramType.competitive: "Competitive, borderline and university programs",
    ProgramType.img_friendly: "IMG-friendly community programs",
}


class ActionKind(StrEnum):
    """What the Discord layer can offer for an action (a button, or plain text)."""

    ask = "ask"  # /ask start with the referee
    referee_add = "referee_add"  # /referee add
    label = "label"  # label a writer
    email = "email"  # /ask email with email_kind
    experience = "experience"  # a clinical experience to plan
    assign = "assign"  # change ERAS assignments
    packet = "packet"  # engineer letters with a support packet
    target = "target"  # choose which programs to apply to
    statement = "statement"  # personal statement / experiences section


class PortfolioLetter(BaseModel):
    """One current or potential letter writer and the letter they wrote (if any)."""

    name: str = Field(min_length=1)
    label: RefereeLabel | None
    kind: RefereeKind
    status: RefereeStatus
    letter_date: date | None = None
    circled: bool = False

    @property
    def in_hand(self) -> bool:
        return self.status in IN_HAND

    @property
    def declined(self) -> bool:
        return self.status is S.declined


class Assignment(BaseModel):
    name: str
    reason: str
    potential: bool  # True until the letter is in hand
    optional: bool = False  # the optional 4th letter


class Assignments(BaseModel):
    competitive: list[Assignment] = Field(default_factory=list)
    img_friendly: list[Assignment] = Field(default_factory=list)

    def __getitem__(self, program: str) -> list[Assignment]:
        return getattr(self, ProgramType(program).value)

    def names(self, program: str) -> list[str]:
        """Letter names assigned to one program type, in order."""
        return [a.name for a in self[program]]


class DropItem(BaseModel):
    name: str
    reason: str
    scope: Literal["all", "competitive"]  # "all" = goes to zero programs


class SpareItem(BaseModel):
    name: str
    reason: str


class RefreshItem(BaseModel):
    name: str
    age_months: int
    verdict: Literal["refresh", "update"]  # refresh: 12-18 months, not active; update: older than 18
    reason: str
    email_kind: str | None = "update-request"


class TargetSlot(BaseModel):
    kind: RefereeKind
    title: str
    wanted: int
    have: int  # strong letters in hand
    potential: int  # strong or unsure writers not yet in hand
    optional: bool = False

    @property
    def met(self) -> bool:
        return self.have >= self.wanted


class Target(BaseModel):
    slots: list[TargetSlot]
    gaps: list[str]


class Action(BaseModel):
    text: str
    kind: ActionKind
    referee: str | None = None
    email_kind: str | None = None


class Plan(BaseModel):
    profile: Profile | None
    reapplying: bool
    today: date
    assignments: Assignments
    drop: list[DropItem]
    spare: list[SpareItem]
    refresh: list[RefreshItem]
    target: Target
    actions: list[Action]
    profile_priorities: list[str]
    warnings: list[str]

    def next_three(self) -> list[Action]:
        """The actions shown as "next three actions"."""
        return self.actions[:3]


# --- ordering ---------------------------------------------------------------------------------

LABEL_RANK = {L.strong: 0, L.unsure: 1, None: 2, L.weak: 3, L.suspect_negative: 4}
STATUS_RANK = {
    S.agreed_strong: 0,
    S.packet_sent: 0,
    S.uploaded: 0,
    S.assigned: 0,
    S.asked: 1,
    S.not_asked: 2,
    S.agreed_hedged: 3,
    S.declined: 4,
}
KIND_RANK = {
    ProgramType.competitive: {K.us_clinical: 0, K.home_clinical: 1, K.research: 2, K.other: 3},
    # IMG-friendly community programs read home clinical letters closely (seed 002, section 9).
    ProgramType.img_friendly: {K.us_clinical: 0, K.home_clinical: 0, K.research: 1, K.other: 2},
}


def strength_key(letter: PortfolioLetter, program: ProgramType = ProgramType.competitive) -> tuple:
    """Sort key, strongest first: label, status, kind, circled, then the fresher letter."""
    fresh = (0, -letter.letter_date.toordinal()) if letter.letter_date else (1, 0)
    return (
        LABEL_RANK[letter.label],
        STATUS_RANK[letter.status],
        KIND_RANK[program][letter.kind],
        not letter.circled,
        fresh,
    )


def rank(letters: Iterable[PortfolioLetter], program: ProgramType) -> list[PortfolioLetter]:
    return sorted(letters, key=lambda x: strength_key(x, program))


def is_core(letter: PortfolioLetter) -> bool:
    """Fit to be one of a program's main letters: not declined, weak, suspect or hedged."""
    return letter.label in CORE_LABELS and letter.status not in (S.declined, S.agreed_hedged)


def is_filler(letter: PortfolioLetter) -> bool:
    """Usable only to reach 3 letters for IMG-friendly programs: weak or hedged, never suspect."""
    if letter.declined or letter.label is L.suspect_negative:
        return False
    return letter.label is L.weak or letter.status is S.agreed_hedged


# --- descriptions -----------------------------------------------------------------------------


def _label_word(letter: PortfolioLetter) -> str:
    return letter.label.title if letter.label else "Unlabelled"


def kind_words(kind: RefereeKind) -> str:
    """The kind's title for use inside a sentence ("US clinical", "home-country clinical")."""
    return kind.title if kind is K.us_clinical else kind.title.lower()


def describe(letter: PortfolioLetter) -> str:
    """E.g. "Strong US clinical letter"."""
    return f"{_label_word(letter)} {kind_words(letter.kind)} letter"


def _state(letter: PortfolioLetter) -> str:
    if letter.in_hand:
        return "in hand"
    if letter.status is S.asked:
        return "asked, no answer yet (potential)"
    return "not asked yet (potential)"


def _assignment(letter: PortfolioLetter, why: str, optional: bool = False) -> Assignment:
    reason = f"{describe(letter)}, {_state(letter)}: {why}"
    return Assignment(name=letter.name, reason=reason, potential=not letter.in_hand, optional=optional)


# --- assignments ------------------------------------------------------------------------------


def pick_competitive(letters: list[PortfolioLetter]) -> list[Assignment]:
    """Only the 3 strongest fit letters; weak, hedged and suspect letters never go here."""
    best = rank([x for x in letters if is_core(x)], ProgramType.competitive)[:USUAL_LETTERS]
    return [_assignment(x, "one of your 3 strongest letters.") for x in best]


def pick_img_friendly(letters: list[PortfolioLetter]) -> list[Assignment]:
    """The strongest 3 (with weak or hedged filler only if needed), plus an optional neutral 4th."""
    program = ProgramType.img_friendly
    core = rank([x for x in letters if is_core(x)], program)
    chosen = [_assignment(x, "one of your 3 strongest letters.") for x in core[:USUAL_LETTERS]]
    if len(chosen) < USUAL_LETTERS:
        fillers = rank([x for x in letters if is_filler(x)], program)[: USUAL_LETTERS - len(chosen)]
        why = "a stopgap because you have fewer than 3 better letters; replace it when you can."
        return chosen + [_assignment(x, why) for x in fillers]
    taken = {a.name for a in chosen}
    extras = [x for x in letters if x.name not in taken and _fits_fourth(x)]
    if extras:
        chosen.append(_fourth(rank(extras, program)[0]))
    return chosen


def _fits_fourth(letter: PortfolioLetter) -> bool:
    """A labelled, non-negative letter: strong, or neutral-lukewarm (unsure or hedged)."""
    return not letter.declined and letter.label in (L.strong, L.unsure)


def _fourth(letter: PortfolioLetter) -> Assignment:
    if letter.label is L.strong and letter.status is not S.agreed_hedged:
        why = "optional 4th; an extra strong letter adds weight where programs read every letter."
    else:
        why = "optional 4th; it is lukewarm but not negative, so it can ride along as a bonus here."
    return _assignment(letter, why, optional=True)


# --- drops, spares, refreshes -----------------------------------------------------------------


def find_drops(letters: list[PortfolioLetter], used: set[str]) -> list[DropItem]:
    """Declined, suspect, weak and hedged letters, each with a plain reason and its scope."""
    drops = []
    for letter in letters:
        item = _drop_item(letter, letter.name in used)
        if item:
            drops.append(item)
    return drops


def _drop_item(letter: PortfolioLetter, used: bool) -> DropItem | None:
    name = letter.name
    if letter.declined:
        return DropItem(name=name, scope="all", reason=f"{name} declined, so there is no letter to send.")
    if letter.label is L.suspect_negative:
        reason = (
            f"{name} is marked Suspect negative: a letter that may work against you does more harm "
            "than having one letter fewer. Send it to zero programs and don't reuse it."
        )
        return DropItem(name=name, scope="all", reason=reason)
    if letter.label is L.weak or letter.status is S.agreed_hedged:
        what = "is weak" if letter.label is L.weak else "agreed only in hedged terms"
        base = f"{name} {what}: keep it away from competitive programs"
        if used:
            return DropItem(
                name=name,
                scope="competitive",
                reason=f"{base}; it fills an IMG-friendly slot only until you have better.",
            )
        return DropItem(
            name=name, scope="all", reason=f"{base}, and your IMG-friendly set is full without it."
        )
    return None


def find_spares(letters: list[PortfolioLetter], used: set[str]) -> list[SpareItem]:
    """Fit letters that did not make any set: kept as backups."""
    return [
        SpareItem(name=x.name, reason=f"{describe(x)}: not among your strongest; keep it as a backup.")
        for x in rank([x for x in letters if is_core(x) and x.name not in used], ProgramType.competitive)
    ]


def find_refreshes(letters: list[PortfolioLetter], today: date, clinically_active: bool) -> list[RefreshItem]:
    """Letters too old for their situation (seed 002, section 7.3)."""
    items = []
    for letter in letters:
        if not _ages(letter):
            continue
        age = letter_age_months(letter.letter_date, today)
        if age > ACCEPTABLE_MONTHS:
            items.append(_refresh_item(letter, age, "update"))
        elif age > FRESH_MONTHS and not clinically_active:
            items.append(_refresh_item(letter, age, "refresh"))
    return items


def _ages(letter: PortfolioLetter) -> bool:
    """Only dated letters worth keeping are refreshed; weak and suspect ones get replaced instead."""
    bad = letter.label in (L.weak, L.suspect_negative)
    return letter.letter_date is not None and not letter.declined and not bad


def _refresh_item(letter: PortfolioLetter, age: int, verdict: Literal["refresh", "update"]) -> RefreshItem:
    if verdict == "update":
        why = (
            f"{age} months old: past 18 months, so ask {letter.name} for an updated letter dated this "
            "year. If they barely remember you, move on to another writer."
        )
    else:
        why = (
            f"{age} months old and you have not been clinically active since: 12-18 months is only "
            f"acceptable with continuous clinical work, so ask {letter.name} for a refreshed letter."
        )
    return RefreshItem(name=letter.name, age_months=age, verdict=verdict, reason=why)


def aging_notes(letters: list[PortfolioLetter], today: date, clinically_active: bool) -> list[str]:
    """12-18 month letters that are still fine because the user is clinically active."""
    if not clinically_active:
        return []
    notes = []
    for letter in letters:
        if _ages(letter) and FRESH_MONTHS < letter_age_months(letter.letter_date, today) <= ACCEPTABLE_MONTHS:
            age = letter_age_months(letter.letter_date, today)
            notes.append(
                f"{letter.name}'s letter is {age} months old: acceptable while you stay clinically "
                "active; plan an update before it passes 18 months."
            )
    return notes


# --- target set -------------------------------------------------------------------------------

TARGET_SLOTS = ((K.us_clinical, 2, False), (K.home_clinical, 1, False), (K.research, 1, True))


def measure_target(letters: list[PortfolioLetter]) -> Target:
    """The target set (seed 000, step 4A) against what the user has."""
    slots = [_slot(letters, kind, wanted, optional) for kind, wanted, optional in TARGET_SLOTS]
    gaps = [_gap_text(s) for s in slots if not s.optional and not s.met]
    return Target(slots=slots, gaps=gaps)


def _slot(letters: list[PortfolioLetter], kind: RefereeKind, wanted: int, optional: bool) -> TargetSlot:
    mine = [x for x in letters if x.kind is kind and not x.declined]
    have = sum(1 for x in mine if x.label is L.strong and x.status in FIRM)
    potential = sum(1 for x in mine if x.label in (L.strong, L.unsure) and not x.in_hand)
    title = f"Strong {kind_words(kind)} letters"
    return TargetSlot(
        kind=kind, title=title, wanted=wanted, have=have, potential=potential, optional=optional
    )


def _gap_text(slot: TargetSlot) -> str:
    text = f"{slot.title}: {slot.have} of {slot.wanted} in hand"
    return text + (f" ({slot.potential} potential)" if slot.potential else "")


# --- actions ----------------------------------------------------------------------------------

Ranked = list[tuple[int, Action]]


class _Facts(BaseModel):
    """What the action rules need to know about the portfolio."""

    live: list[PortfolioLetter]
    profile: Profile | None
    reapplying: bool
    today: date
    refresh: list[RefreshItem]

    @property
    def suspects(self) -> list[PortfolioLetter]:
        return [x for x in self.live if x.label is L.suspect_negative]

    @property
    def reset(self) -> bool:
        """Reapplying with a letter suspected of sinking the last cycle (seed 000, step 8)."""
        return self.reapplying and bool(self.suspects)

    @property
    def firm_core(self) -> int:
        return sum(1 for x in self.live if is_core(x) and x.status in FIRM)

    @property
    def pending(self) -> int:
        return sum(1 for x in self.live if is_core(x) and x.status is S.asked)

    @property
    def unasked(self) -> list[PortfolioLetter]:
        return rank([x for x in self.live if is_core(x) and x.status is S.not_asked], ProgramType.competitive)

    @property
    def shortfall(self) -> int:
        """How many more writers to ask to reach 3 usable letters."""
        return max(USUAL_LETTERS - self.firm_core - self.pending, 0)


def suspect_actions(facts: _Facts) -> Ranked:
    """Stop using suspect letters; when reapplying, the full reset (seed 000, steps 5 and 8)."""
    ranked: Ranked = []
    for letter in facts.suspects:
        if letter.in_hand:
            text = (
                f"In ERAS, assign {letter.name}'s letter to zero programs. You don't have to delete "
                "it; just never send it."
            )
        else:
            text = (
                f"Don't ask {letter.name} for a letter, and don't use anything they send: pick "
                "another writer."
            )
        ranked.append((10, Action(text=text, kind=ActionKind.assign, referee=letter.name)))
    if facts.reset:
        ranked += _reset_actions(facts)
    return ranked


def _reset_actions(facts: _Facts) -> Ranked:
    names = ", ".join(x.name for x in facts.suspects)
    ranked: Ranked = [
        (
            20,
            Action(
                kind=ActionKind.referee_add,
                text=(
                    f"Line up three new writers who are not {names}: fresh letters from different people, not "
                    "upgraded versions of the old ones."
                ),
            ),
        ),
        (
            65,
            Action(
                kind=ActionKind.statement,
                text=(
                    "Rework your personal statement and experiences to show growth: what you changed after "
                    "feedback and what you now do well, with concrete examples, without mentioning any letter."
                ),
            ),
        ),
    ]
    for letter in facts.suspects:
        if letter.in_hand:
            ranked.append(
                (
                    90,
                    Action(
                        kind=ActionKind.email,
                        referee=letter.name,
                        email_kind="feedback-request",
                        text=(
                            f"Optional: ask {letter.name} for honest feedback on what to improve. Treat it as a "
                            "post-mortem; don't ask them to rewrite the letter."
                        ),
                    ),
                )
            )
    return ranked


def label_actions(facts: _Facts) -> Ranked:
    """Every writer needs a label (seed 000, step 10)."""
    return [
        (
            30,
            Action(
                kind=ActionKind.label,
                referee=x.name,
                text=(
                    f"Label {x.name}: Strong, Unsure, Weak or Suspect negative, by how sure you are they would "
                    "write a strong, detailed letter."
                ),
            ),
        )
        for x in facts.live
        if x.label is None
    ]


def ask_actions(facts: _Facts) -> Ranked:
    """Ask unasked strong/unsure/unlabelled writers the strong-letter question, strongest first."""
    ranked: Ranked = []
    short = facts.shortfall
    for index, letter in enumerate(facts.unasked):
        urgent = index < short
        text = _ask_text(letter)
        if urgent:
            text += f" You need {short} more writer{'s' if short > 1 else ''}; {letter.name} is next in line."
        action = Action(kind=ActionKind.ask, referee=letter.name, email_kind="strong-request", text=text)
        ranked.append((40 if urgent else 80, action))
    return ranked


def _ask_text(letter: PortfolioLetter) -> str:
    lead = {L.strong: "You expect a strong letter from", L.unsure: "You are unsure about"}.get(
        letter.label, "You have not labelled"
    )
    return (
        f"{lead} {letter.name}: ask whether they can write you a strong, detailed letter for US "
        "residency (not just 'a letter'), then listen. Anything short of a clear yes means backup only."
    )


def shortfall_actions(facts: _Facts) -> Ranked:
    """Fewer than 3 usable letters and not enough listed writers: add new ones (seed 002, 3.1)."""
    missing = facts.shortfall - len(facts.unasked)
    if missing <= 0 or facts.reset:
        return []
    have = facts.firm_core + facts.pending
    text = (
        f"You have {have} usable letter{'s' if have != 1 else ''} in hand or on the way and need 3 "
        f"(plus 1 spare): add {missing} more writer{'s' if missing > 1 else ''}. Best picks: people "
        "who supervised your clinical work directly, people who can rank you against peers, and "
        "anyone with US or international ties. Skip distant deans and famous names who barely "
        "know you."
    )
    return [(50, Action(kind=ActionKind.referee_add, text=text))]


def packet_actions(facts: _Facts) -> Ranked:
    """Writers who agreed get the support packet (seed 002, sections 3.2 and 13)."""
    return [
        (
            55,
            Action(
                kind=ActionKind.email,
                referee=x.name,
                email_kind="support-packet",
                text=(
                    f"{x.name} agreed: send the support packet now (CV, personal statement draft, target "
                    "specialty and programs, and a dated bullet list of what they saw you do)."
                ),
            ),
        )
        for x in facts.live
        if x.status is S.agreed_strong and x.label is not L.suspect_negative
    ]


def us_experience_actions(facts: _Facts) -> Ranked:
    """No strong US clinical letter in hand or expected, or a reapplicant reset (seed 000, 4A and 8)."""
    us_strong = [x for x in facts.live if x.kind is K.us_clinical and x.label is L.strong and is_core(x)]
    if us_strong and not facts.reset:
        return []
    text = (
        "Plan one high-contact US clinical block of 4-8 weeks with the same attending: show up early, "
        "ask for feedback in weeks 1 and 3, say early that you are aiming for a strong letter, and ask "
        "for one explicitly at the end."
    )
    if facts.profile is Profile.fresh_grad_no_usce:
        text = "If you can fit it in before you apply: " + text[0].lower() + text[1:]
    return [(60, Action(kind=ActionKind.experience, text=text))]


def home_only_actions(facts: _Facts) -> Ranked:
    """Only home-country letters: engineer them and aim where they weigh most (seed 002, 3-5, 9)."""
    usable = [x for x in facts.live if x.label is not L.suspect_negative]
    kinds = {x.kind for x in usable}
    if K.us_clinical in kinds or K.home_clinical not in kinds:
        return []
    engineer = (
        "Engineer your home-country letters: give each writer a support packet, ask for an honest "
        "comparison with peers (e.g. top 10% of interns they supervised), and add a short "
        "paragraph on what US residency expects so they stress workload, ownership and "
        "communication."
    )
    target = (
        "Point most applications at IMG-friendly community programs, then university-affiliated "
        "community programs; mid-tier university programs only if the rest of your file is "
        "excellent; leave top academic centres for a later cycle."
    )
    return [
        (62, Action(kind=ActionKind.packet, text=engineer)),
        (75, Action(kind=ActionKind.target, text=target)),
    ]


def profile_actions(facts: _Facts) -> Ranked:
    """One concrete step per profile when its key letter is missing (seed 002, section 2)."""
    rule = {
        Profile.older_grad: _older_grad_action,
        Profile.some_us_observerships: _observership_action,
        Profile.research_heavy: _research_action,
        Profile.strong_scores_weak_letters: _new_referee_action,
    }.get(facts.profile)
    return rule(facts) if rule else []


def _older_grad_action(facts: _Facts) -> Ranked:
    recent = [
        x
        for x in facts.live
        if is_core(x)
        and x.kind in (K.us_clinical, K.home_clinical)
        and (x.letter_date is None or letter_age_months(x.letter_date, facts.today) <= FRESH_MONTHS)
    ]
    if recent:
        return []
    text = (
        "You graduated a while ago: get at least one clinical letter written this year by someone who "
        "supervises your current clinical work. If you are not working clinically now, a full-time "
        "medical officer post or a structured clinical attachment gives you that writer."
    )
    return [(58, Action(kind=ActionKind.experience, text=text))]


def _observership_action(facts: _Facts) -> Ranked:
    if any(x.kind is K.us_clinical for x in facts.live):
        return []
    text = (
        "Add every US attending who supervised one of your observerships as a referee, then ask the one "
        "who saw you most for a strong letter."
    )
    return [(45, Action(kind=ActionKind.referee_add, text=text))]


def _research_action(facts: _Facts) -> Ranked:
    if any(x.kind is K.research and is_core(x) for x in facts.live):
        return []
    text = "Add your PI or research mentor, someone who knows your work well, as a referee."
    return [(78, Action(kind=ActionKind.referee_add, text=text))]


def _new_referee_action(facts: _Facts) -> Ranked:
    if any(x.label is L.strong and x.status is S.not_asked for x in facts.live):
        return []
    text = (
        "Add one new referee who watched you work closely and can write a strong, detailed letter; "
        "it does more than polishing the letters you already have."
    )
    return [(52, Action(kind=ActionKind.referee_add, text=text))]


def refresh_actions(facts: _Facts) -> Ranked:
    return [
        (
            70,
            Action(
                kind=ActionKind.email,
                referee=r.name,
                email_kind=r.email_kind,
                text=(
                    f"Ask {r.name} for an updated letter dated this year: remind them what you did together and "
                    "what you have done since."
                ),
            ),
        )
        for r in facts.refresh
    ]


def follow_up_actions(facts: _Facts) -> Ranked:
    return [
        (
            85,
            Action(
                kind=ActionKind.email,
                referee=x.name,
                email_kind="follow-up",
                text=(f"If {x.name} has not answered in 1-2 weeks, send a short, polite follow-up."),
            ),
        )
        for x in facts.live
        if x.status is S.asked and x.label is not L.suspect_negative
    ]


ACTION_RULES = (
    suspect_actions,
    label_actions,
    ask_actions,
    shortfall_actions,
    packet_actions,
    us_experience_actions,
    home_only_actions,
    profile_actions,
    refresh_actions,
    follow_up_actions,
)


def build_actions(facts: _Facts) -> list[Action]:
    """All rules' actions, most urgent first (ties keep rule order)."""
    ranked = [item for rule in ACTION_RULES for item in rule(facts)]
    return [action for _, action in sorted(ranked, key=lambda item: item[0])]


# --- warnings ---------------------------------------------------------------------------------


def build_warnings(letters: list[PortfolioLetter], assignments: Assignments, notes: list[str]) -> list[str]:
    """Plain statements about risks in the plan."""
    live = [x for x in letters if not x.declined]
    warnings = [
        f"{x.name} is marked Suspect negative: assign it to zero programs."
        for x in live
        if x.label is L.suspect_negative
    ]
    warnings += [
        f"{x.name} agreed only in hedged terms: a backup at most, never a main letter."
        for x in live
        if x.status is S.agreed_hedged and x.label is not L.suspect_negative
    ]
    if not live:
        warnings.append("No letters or writers listed yet.")
    warnings += _count_warnings(assignments)
    potential = sorted({a.name for p in ProgramType for a in assignments[p] if a.potential})
    if potential:
        warnings.append("Still potential, not in hand yet: " + ", ".join(potential) + ".")
    return warnings + notes


def _count_warnings(assignments: Assignments) -> list[str]:
    warnings = []
    for program in ProgramType:
        core = [a for a in assignments[program] if not a.optional]
        if len(core) < USUAL_LETTERS:
            warnings.append(f"{PROGRAM_TITLES[program]}: only {len(core)} of the usual 3 letters.")
    return warnings


# --- entry point ------------------------------------------------------------------------------


def make_plan(
    letters: list[PortfolioLetter],
    *,
    profile: Profile | None,
    reapplying: bool,
    today: date,
    clinically_active: bool = True,
) -> Plan:
    """Build the whole letter plan for one user's portfolio."""
    live = [x for x in letters if not x.declined]
    assignments = Assignments(competitive=pick_competitive(live), img_friendly=pick_img_friendly(live))
    used = {a.name for p in ProgramType for a in assignments[p]}
    refresh = find_refreshes(live, today, clinically_active)
    facts = _Facts(live=live, profile=profile, reapplying=reapplying, today=today, refresh=refresh)
    return Plan(
        profile=profile,
        reapplying=reapplying,
        today=today,
        assignments=assignments,
        drop=find_drops(letters, used),
        spare=find_spares(live, used),
        refresh=refresh,
        target=measure_target(live),
        actions=build_actions(facts),
        profile_priorities=list(PROFILE_PRIORITIES[profile]) if profile else [],
        warnings=build_warnings(letters, assignments, aging_notes(live, today, clinically_active)),
    )


# --- plain text -------------------------------------------------------------------------------


def render_plan_text(plan: Plan) -> str:
    """The plan as plain text, for tests and the CLI."""
    lines: list[str] = [f"Letter plan ({plan.today.isoformat()})"]
    if plan.profile:
        lines.append(f"Profile: {PROFILES[plan.profile]}")
    for program in ProgramType:
        lines.append(f"\n{PROGRAM_TITLES[program]}:")
        lines += [f"  - {a.name}: {a.reason}" for a in plan.assignments[program]] or ["  (none yet)"]
    lines += _section(
        "Send to zero programs", [f"{d.name}: {d.reason}" for d in plan.drop if d.scope == "all"]
    )
    lines += _section(
        "Keep out of competitive programs",
        [f"{d.name}: {d.reason}" for d in plan.drop if d.scope == "competitive"],
    )
    lines += _section("Spare letters", [f"{s.name}: {s.reason}" for s in plan.spare])
    lines += _section("Refresh", [f"{r.name}: {r.reason}" for r in plan.refresh])
    lines += _section("Target set", [_slot_line(s) for s in plan.target.slots])
    lines += _section("Gaps", plan.target.gaps)
    lines += _section("Next actions", [f"{i}. {a.text}" for i, a in enumerate(plan.actions, 1)], bullet="")
    lines += _section("Priorities for your profile", plan.profile_priorities)
    lines += _section("Warnings", plan.warnings)
    return "\n".join(lines) + "\n"


def _section(title: str, rows: list[str], bullet: str = "- ") -> list[str]:
    return [f"\n{title}:", *(f"  {bullet}{row}" for row in rows)] if rows else []


def _slot_line(slot: TargetSlot) -> str:
    extra = " (optional)" if slot.optional else ""
    return f"{slot.title}{extra}: want {slot.wanted}, have {slot.have}, potential {slot.potential}"
