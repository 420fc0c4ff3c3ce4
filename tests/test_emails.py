"""E-mail drafts: filled from facts, honest placeholders for what is missing, safe in a code block."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.advice.emails import EMAIL_KINDS, MAX_BODY, PLACEHOLDERS, Draft, EmailFacts, draft_email
from bot.advice.vocab import Area

FULL = EmailFacts(
    referee_name="Dr. Amina Bello",
    referee_title="Consultant Physician",
    institution="Lagos University Teaching Hospital",
    how_known="during my internal medicine internship (April to June 2023)",
    specialty="Internal Medicine",
    deadline=date(2025, 9, 15),
    applicant_name="Chidi Okeke",
    bullets=[
        ("reliability", "Managed 10-12 ward patients a day, including admissions and discharges"),
        ("clinical_judgment", "Spotted early septic shock after surgery and escalated to ICU (Aug 2023)"),
        ("communication", "Presented every case in English at the weekly academic meeting"),
        ("journal club", "Ran the department journal club for six months"),
    ],
    last_worked=date(2023, 6, 30),
)
BARE = EmailFacts(referee_name="Bello")
TOKEN = re.compile(r"\[[A-Z][A-Z0-9 ,:'/-]*\]")


def shown(draft: Draft) -> str:
    return f"{draft.subject}\n{draft.body}"


def test_kinds_are_the_five_agreed_ones() -> None:
    assert EMAIL_KINDS == (
        "strong-request",
        "support-packet",
        "follow-up",
        "update-request",
        "feedback-request",
    )


def test_unknown_kind_is_rejected() -> None:
    with pytest.raises(ValueError):
        draft_email("thank-you", FULL)


@pytest.mark.parametrize("kind", EMAIL_KINDS)
def test_full_facts_leave_nothing_to_fill_except_recent_work(kind: str) -> None:
    draft = draft_email(kind, FULL)
    expected = [PLACEHOLDERS["recent_work"]] if kind == "update-request" else []
    assert draft.missing == expected
    assert TOKEN.findall(shown(draft)) == expected
    assert "Dr. Amina Bello" in draft.body
    assert draft.body.rstrip().endswith("Chidi Okeke")
    assert len(draft.body) <= MAX_BODY


@pytest.mark.parametrize("kind", EMAIL_KINDS)
def test_every_placeholder_shown_is_listed_and_every_listed_one_is_shown(kind: str) -> None:
    draft = draft_email(kind, BARE)
    tokens = set(TOKEN.findall(shown(draft)))
    assert tokens == set(draft.missing)
    assert tokens <= set(PLACEHOLDERS.values())
    assert PLACEHOLDERS["applicant_name"] in draft.missing


def test_facts_are_used_not_invented() -> None:
    draft = draft_email("strong-request", FULL)
    assert "Internal Medicine" in draft.subject
    assert "15 September 2025" in draft.body
    assert "Lagos University Teaching Hospital" in draft.body
    bare = draft_email("strong-request", BARE)
    assert "[DEADLINE]" in bare.body and "[YOUR SPECIALTY]" in bare.subject
    assert "Dear [TITLE] Bello," in bare.body


def test_salutation_uses_an_honorific_only_when_given() -> None:
    with_title = draft_email("follow-up", BARE.model_copy(update={"referee_title": "Prof."}))
    assert with_title.body.startswith("Dear Prof. Bello,")
    assert PLACEHOLDERS["referee_title"] not in with_title.missing
    in_name = draft_email("follow-up", EmailFacts(referee_name="Dr Bello"))
    assert in_name.body.startswith("Dear Dr Bello,")
    assert PLACEHOLDERS["referee_title"] not in in_name.missing


def test_strong_request_asks_for_a_strong_letter_with_an_easy_out() -> None:
    body = draft_email("strong-request", FULL).body.lower()
    assert "strong letter" in body
    assert "international medical graduate" in body
    assert "frank" in body or "understand" in body


def test_support_packet_groups_bullets_by_area_in_vocabulary_order() -> None:
    body = draft_email("support-packet", FULL).body
    titles = [Area.clinical_judgment.title, Area.reliability.title, Area.communication.title, "Other"]
    positions = [body.index(f"\n{t}\n") for t in titles]
    assert positions == sorted(positions)
    assert body.index("Spotted early septic shock") > body.index(Area.clinical_judgment.title)
    assert body.index("Ran the department journal club") > body.index("\nOther\n")


def test_support_packet_has_peer_comparison_and_us_briefing_paragraphs() -> None:
    body = draft_email("support-packet", FULL).body
    assert "Comparison with peers" in body and "out of how many" in body
    assert "What US residency expects" in body and "Internal Medicine residents" in body
    for item in ("CV", "personal statement", "sample programs"):
        assert item in body


def test_support_packet_without_bullets_asks_for_them() -> None:
    draft = draft_email("support-packet", FULL.model_copy(update={"bullets": []}))
    assert draft.missing == [PLACEHOLDERS["bullets"]]


def test_many_long_bullets_stay_under_the_cap_and_say_how_many_were_left_out() -> None:
    bullets = [(Area.teamwork.value, f"Bullet {i}: " + "x" * 290) for i in range(40)]
    draft = draft_email("support-packet", FULL.model_copy(update={"bullets": bullets}))
    assert len(draft.body) <= MAX_BODY
    match = re.search(r"\(and (\d+) more in the attached list\)", draft.body)
    assert match is not None
    written = draft.body.count("\n- Bullet ")
    assert written + int(match.group(1)) == 40


def test_update_request_is_for_a_reapplicant_and_asks_for_this_years_date() -> None:
    body = draft_email("update-request", FULL).body
    assert "reapplying" in body
    assert "dated this year" in body
    assert "June 2023" in body


def test_feedback_request_asks_for_honest_feedback_not_a_rewrite() -> None:
    draft = draft_email("feedback-request", FULL)
    assert "feedback" in draft.subject.lower()
    assert "honest feedback" in draft.body
    assert "not asking" in draft.body


def test_as_text_is_subject_then_body() -> None:
    draft = draft_email("follow-up", FULL)
    assert draft.as_text() == f"Subject: {draft.subject}\n\n{draft.body}"


def test_triple_backticks_and_controls_in_facts_are_neutralised() -> None:
    facts = EmailFacts(
        referee_name="```Dr. X```",
        institution="St\u202eevil\u202c Hospital\nsecond line",
        specialty="**IM** `code`",
        applicant_name="Ana ``` @everyone",
        bullets=[("communication", "```\nrm -rf\n```")],
    )
    for kind in EMAIL_KINDS:
        draft = draft_email(kind, facts)
        for part in (draft.subject, draft.body):
            assert "``" not in part
            assert "\u202e" not in part
        if kind != "follow-up":  # the only draft that does not name the institution
            assert "Hospital second line" in draft.body


def test_a_long_name_is_cut_not_spilled() -> None:
    draft = draft_email("follow-up", EmailFacts(referee_name="Dr. " + "Z" * 5000))
    first_line = draft.body.splitlines()[0]
    assert len(first_line) < 130 and first_line.endswith("…,")


facts_strategy = st.builds(
    EmailFacts,
    referee_name=st.text(max_size=400),
    referee_title=st.none() | st.text(max_size=200),
    institution=st.none() | st.text(max_size=400),
    how_known=st.none() | st.text(max_size=600),
    specialty=st.none() | st.text(max_size=200),
    deadline=st.none() | st.dates(),
    applicant_name=st.none() | st.text(max_size=300),
    bullets=st.lists(
        st.tuples(st.sampled_from([a.value for a in Area] + ["other", ""]), st.text(max_size=400)),
        max_size=30,
    ),
    last_worked=st.none() | st.dates(),
)


@settings(max_examples=150, deadline=None)
@given(kind=st.sampled_from(EMAIL_KINDS), facts=facts_strategy)
def test_any_facts_give_a_safe_draft(kind: str, facts: EmailFacts) -> None:
    draft = draft_email(kind, facts)
    assert 0 < len(draft.body) <= MAX_BODY
    assert "```" not in draft.as_text()
    assert "\n" not in draft.subject
    assert draft.body.splitlines()[0].startswith("Dear ")
    for token in draft.missing:
        assert token in shown(draft)
