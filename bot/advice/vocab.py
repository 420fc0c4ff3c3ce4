"""Shared vocabulary: referee labels, kinds, statuses and the areas programs care about.

Every module (advice, db, cogs) takes these values from here, so a value is spelled in one place.
The string values are stored in the database and used in command choices: never rename them.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class RefereeLabel(StrEnum):
    """How likely a writer is to produce a strong letter (seed 000, step 10)."""

    strong = "strong"
    unsure = "unsure"
    weak = "weak"
    suspect_negative = "suspect_negative"

    @property
    def title(self) -> str:
        return LABEL_TITLES[self]


LABEL_TITLES = {
    RefereeLabel.strong: "Strong",
    RefereeLabel.unsure: "Unsure",
    RefereeLabel.weak: "Weak",
    RefereeLabel.suspect_negative: "Suspect negative",
}

#: Strongest first: used to sort lists and to pick whom to ask next.
LABEL_ORDER = (RefereeLabel.strong, RefereeLabel.unsure, RefereeLabel.weak, RefereeLabel.suspect_negative)


class RefereeKind(StrEnum):
    us_clinical = "us_clinical"
    home_clinical = "home_clinical"
    research = "research"
    other = "other"

    @property
    def title(self) -> str:
        return KIND_TITLES[self]


KIND_TITLES = {
    RefereeKind.us_clinical: "US clinical",
    RefereeKind.home_clinical: "Home-country clinical",
    RefereeKind.research: "Research",
    RefereeKind.other: "Other",
}


class RefereeStatus(StrEnum):
    """Where a referee stands in the workflow (seed 002, section 13)."""

    not_asked = "not_asked"
    asked = "asked"
    agreed_strong = "agreed_strong"
    agreed_hedged = "agreed_hedged"
    declined = "declined"
    packet_sent = "packet_sent"
    uploaded = "uploaded"
    assigned = "assigned"

    @property
    def title(self) -> str:
        return STATUS_TITLES[self]


STATUS_TITLES = {
    RefereeStatus.not_asked: "Not asked",
    RefereeStatus.asked: "Asked",
    RefereeStatus.agreed_strong: "Agreed (strong)",
    RefereeStatus.agreed_hedged: "Agreed (hedged)",
    RefereeStatus.declined: "Declined",
    RefereeStatus.packet_sent: "Packet sent",
    RefereeStatus.uploaded: "Letter uploaded",
    RefereeStatus.assigned: "Assigned",
}


class Area(StrEnum):
    """The areas programs care about; each concrete bullet is tagged with one (seed 002, 5.1)."""

    clinical_judgment = "clinical_judgment"
    reliability = "reliability"
    communication = "communication"
    feedback = "feedback"
    teamwork = "teamwork"
    adaptability = "adaptability"

    @property
    def title(self) -> str:
        return AREA_TITLES[self]


AREA_TITLES = {
    Area.clinical_judgment: "Clinical judgment",
    Area.reliability: "Reliability",
    Area.communication: "Communication",
    Area.feedback: "Learning from feedback",
    Area.teamwork: "Teamwork and leadership",
    Area.adaptability: "Adaptability under pressure",
}


# --- letter age (seed 002, section 7.3) ---------------------------------------------------------

#: A letter up to this many months old is fine.
FRESH_MONTHS = 12
#: Up to this many months is acceptable if the applicant stayed clinically active; older: ask for an update.
ACCEPTABLE_MONTHS = 18


def months_between(start: date, end: date) -> int:
    """Whole calendar months from ``start`` to ``end``; negative when ``end`` is earlier."""
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def letter_age_months(letter_date: date, today: date) -> int:
    """How many whole months old a letter dated ``letter_date`` is (0 for a date in the future)."""
    return max(0, months_between(letter_date, today))
