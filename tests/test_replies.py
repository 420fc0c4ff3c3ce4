"""The reply reader: what a referee's answer to "Can you write me a STRONG letter?" really means."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.advice.replies import RULES_PATH, ReplyReading, load_rules, read_reply

DEV_SET = Path(__file__).resolve().parents[2] / "shared" / "eval" / "replies-dev.jsonl"
LABELS = {"enthusiastic", "hedged", "declined"}

ENTHUSIASTIC = [
    "Sure, happy to.",
    "Absolutely, you did great on the rotation.",
    "I can certainly write you a strong one.",
    "I will write very strong letter for you, you were best student in our ward.",
    "ABSOLUTELY!!! STRONG LETTER COMING YOUR WAY 💪",
    "of course!! u were amazing on the wards, strong letter no doubt",
    "Yes! It would be an honour. You were outstanding, and I'll say so in the strongest terms.",
    "Definately, you deserve a stong letter, send me your CV",
    "Without hesitation. You are among the top 5% of interns I have supervised.",
    "I'd be delighted. Honestly you were one of the brightest students we've had in years.",
    "Happy to! 🙂",
    "Of course. I'll give you my highest recommendation.",
    "No problem at all, you were excellent. Send me your CV and personal statement.",
    "I have never worked with a student better prepared. Yes, strong letter.",
    "It would be my pleasure. I can't say enough good things about your work in the ICU.",
    "Not only will I write it, I'll make it as strong as I can. You earned it.",
    "I'm slammed this week, but yes, a strong letter, you deserve it.",
    "Sorry it took me a week to answer. Yes, of course, a strong one.",
    "I'm on vacation until the 10th, but when I'm back I'll write you an outstanding letter.",
    "yes yes yes!! you were the best rotator of the year",
    "Why not? You were brilliant. Strong letter, no question.",
    "i will give you very strong recommendation, you are top student of batch",
    "Sure, with pleasure. You were really excellent in the ER and I will write very strongly.",
    "I wouldn't think twice. Top 5 of the residents I've supervised.",
    "Dear Maria,\n\nThanks for reaching out. I'd be delighted to write a strong letter for you. "
    "Please send your CV.\n\nBest wishes,\nJohn",
    "Hmm, let me think... no, nothing to think about. Strong letter, you've got it.",
    "Send me your CV so I can write the strong letter you need.",
    "Of course! I was hoping you'd ask — you were our best sub-intern this year.",
    "Definitely. You were fantastic with families, and I'll write a glowing letter.",
    "Happy to do it. You were phenomenal.",
]

HEDGED = [
    "I can write you a letter, sure.",
    "Yes, I can write something.",
    "I'd be happy to write something for you.",
    "I can confirm your dates and duties.",
    "Can you remind me what you did on the rotation?",
    "I'll get to it when things quiet down.",
    "Sure, but you might get a stronger one from Dr. Patel.",
    "Happy to! You were pleasant to work with. I'll write you a letter.",
    "I can't promise it'll be a strong one, but I'll write it.",
    "I'm not sure I can write a strong letter, we only worked together for a week.",
    "Yes.",
    "ok",
    "Let me check my calendar and get back to you.",
    "Happy to chat about it next week.",
    "i can write u a general letter",
    "I'll do my best to write a strong letter.",
    "Maybe after my vacation.",
    "If you want a strong letter, your chief resident would be a better person to ask.",
    "Yes I can write letter, but strong letter is difficult because I saw you only 3 days.",
    "I'll write you a strong letter if your evaluations support it.",
    "I'm hoping to write you a strong letter, let's see how the next weeks go.",
    "A strong letter would need more time with you than we had.",
    "I'd love to, but honestly Dr. Kim would write you a better letter.",
    "Of course! I write letters for all my students.",
    "Sure, write it yourself and I'll sign it.",
    "Happy to help however I can. What do you need exactly?",
    "Certainly, but I'd be writing a shorter letter than usual since I was only your attending for a week.",
    "Sure, I'll write, although you weren't one of my top students.",
    "I'll write a letter, but don't expect anything glowing.",
    "Absolutely, I'll write you a letter!",
    "",
    "You asked for a strong letter. I can write you a letter.",
    "I know you need a strong letter. I can write you one.",
    "Happy to, but it'll be brief — I only supervised you on two shifts.",
    "Of course! You were a great help with the paperwork. I'll write you a letter.",
    "yes ofc, will write smth for u",
    "I would, but I'm not allowed to rank students.",
]

DECLINED = [
    "I'm not able to write a letter for you.",
    "I don't think I'm the right person to write this.",
    "I'll have to decline, sorry.",
    "I'm sorry, I can't. You might ask someone else.",
    "No, I don't write letters for observers.",
    "I'd love to, but I can't this year. Maybe ask your PD.",
    "I'm afraid not. I barely know your work.",
    "Sorry, I no longer write letters of recommendation.",
    "I'd rather not. Please ask someone else.",
    "I'm retiring next month and won't be writing any letters. Best of luck!",
    "I don't think I'm in a position to write a letter for you.",
    "I'm not going to be able to write one for you. Good luck.",
    "Unfortunately I can't support your application.",
    "I must decline, I don't remember you well enough.",
]

#: Appended to an enthusiastic reply, each of these must stop it reading as enthusiastic.
HEDGE_TAILS = [
    " But you might get a stronger one from Dr. Lee.",
    " Remind me which rotation you were on?",
    " I only saw you for a few days, though.",
    " I don't do rankings, though.",
    " I'll write it when things quiet down.",
]


@pytest.mark.parametrize("text", ENTHUSIASTIC)
def test_enthusiastic_replies(text: str) -> None:
    assert read_reply(text).label == "enthusiastic"


@pytest.mark.parametrize("text", HEDGED)
def test_hedged_replies(text: str) -> None:
    assert read_reply(text).label == "hedged"


@pytest.mark.parametrize("text", DECLINED)
def test_declined_replies(text: str) -> None:
    assert read_reply(text).label == "declined"


@pytest.mark.parametrize("tail", HEDGE_TAILS)
@pytest.mark.parametrize("text", ENTHUSIASTIC[:12])
def test_a_hedge_added_to_an_enthusiastic_reply_is_never_enthusiastic(text: str, tail: str) -> None:
    assert read_reply(text + tail).label != "enthusiastic"


@pytest.mark.skipif(not DEV_SET.exists(), reason="shared eval set not present")
def test_dev_set_accuracy_and_no_hedged_read_as_enthusiastic() -> None:
    rows = [json.loads(line) for line in DEV_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    got = {row["id"]: read_reply(row["text"]).label for row in rows}
    correct = sum(got[row["id"]] == row["label"] for row in rows)
    unsafe = [row["id"] for row in rows if row["label"] == "hedged" and got[row["id"]] == "enthusiastic"]
    assert unsafe == []
    assert correct / len(rows) >= 0.92


def test_negated_strong_is_evidence_of_a_hedge() -> None:
    reading = read_reply("I can absolutely write you a letter. I just can't promise it'll be a strong one.")
    negated = [e for e in reading.evidence if e.rule_id.endswith(".negated")]
    assert negated and all(e.category == "hedge" for e in negated)
    assert any("can't" in e.quote and "strong" in e.quote for e in negated)


def test_pseudo_negations_do_not_negate() -> None:
    for text in (
        "I wouldn't hesitate. You were one of my best residents.",
        "Why would I say no? Strong letter.",
    ):
        reading = read_reply(text)
        assert reading.label == "enthusiastic"
        assert not [e for e in reading.evidence if e.rule_id.endswith(".negated")]


def test_quoted_email_history_is_ignored() -> None:
    text = (
        "I can write you a letter.\n\nOn Mon, 3 Jun 2024 at 09:12, Ana <ana@example.com> wrote:\n"
        "> Dear Dr. Lee, can you write me a strong letter for US residency?\n"
    )
    reading = read_reply(text)
    assert reading.label == "hedged"
    assert all("strong" not in e.quote.lower() for e in reading.evidence)


def test_a_reply_pasted_as_a_discord_quote_is_still_read() -> None:
    assert read_reply("> Absolutely, strong letter. You were excellent.").label == "enthusiastic"


def test_reading_shape_and_json() -> None:
    reading = read_reply("Happy to! Though honestly, you might get a stronger one from the chief resident.")
    data = reading.model_dump(mode="json")
    assert set(data) == {"label", "evidence", "advice", "summary"}
    assert data["label"] == "hedged"
    assert data["evidence"] and set(data["evidence"][0]) == {"quote", "rule_id", "category", "why"}
    assert "\n" not in reading.summary and reading.summary.lower().startswith("hedged")
    assert json.loads(reading.model_dump_json())["label"] == "hedged"


def test_advice_is_specific_to_each_label() -> None:
    advice = {
        read_reply(t).advice
        for t in ("Sure, happy to.", "I can write you a letter.", "I'll have to decline.")
    }
    assert len(advice) == 3
    assert all(len(a) > 80 for a in advice)


def test_rule_data_is_well_formed() -> None:
    data = json.loads(RULES_PATH.read_text(encoding="utf-8"))
    ids = [r["id"] for r in data["rules"]]
    assert len(ids) == len(set(ids))
    known = {"strong", "rank", "praise", "eager", "yes", "offer", "soft_hedge", "hedge", "decline", "mask"}
    assert {r["category"] for r in data["rules"]} <= known
    for rule in data["rules"]:
        assert rule["why"].strip() and rule["patterns"]
        for pattern in rule["patterns"]:
            re.compile(pattern)
    assert len(load_rules().rules) == len(ids)


def test_evidence_rule_ids_come_from_the_data() -> None:
    ids = {r.id for r in load_rules().rules}
    for text in ENTHUSIASTIC + HEDGED + DECLINED:
        for e in read_reply(text).evidence:
            assert e.rule_id.removesuffix(".negated") in ids


@pytest.mark.parametrize(
    "text",
    ["not " * 250_000, "strong " * 150_000, "a" * 1_000_000, "very " * 200_000, "only i only we " * 70_000],
)
def test_a_megabyte_is_read_quickly(text: str) -> None:
    start = time.perf_counter()
    reading = read_reply(text)
    assert time.perf_counter() - start < 1.0
    assert reading.label in LABELS


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_a_reading(text: str) -> None:
    reading = read_reply(text)
    assert isinstance(reading, ReplyReading)
    assert reading.label in LABELS
    assert reading.summary and reading.advice
    for e in reading.evidence:
        assert e.quote and e.quote in text


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(ENTHUSIASTIC + HEDGED + DECLINED + ["\n", " ", "!!", "🙂"]), max_size=6))
def test_mixed_fragments_give_a_reading_with_real_quotes(parts: list[str]) -> None:
    text = " ".join(parts)
    reading = read_reply(text)
    assert reading.label in LABELS
    assert all(e.quote in text for e in reading.evidence)
