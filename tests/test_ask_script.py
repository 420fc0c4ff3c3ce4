"""The ask script: one referee, from preparing the ask to assigning the letter in ERAS."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.advice.ask_script import (
    ASK_LINE,
    STEPS,
    RefereeLite,
    graceful_exit_text,
    next_step,
    status_after_reply,
    step_by_key,
    suggest_next_referee,
)
from bot.advice.replies import read_reply
from bot.advice.vocab import RefereeLabel, RefereeStatus

KEYS = ("prepare", "ask", "read_reply", "decide", "packet", "follow_up", "review", "assign")


def ref(name: str, label: str, status: str = "not_asked", circled: bool = False) -> RefereeLite:
    return RefereeLite(name=name, label=RefereeLabel(label), status=RefereeStatus(status), circled=circled)


def test_steps_are_the_eight_stable_keys_in_order() -> None:
    assert tuple(s.key for s in STEPS) == KEYS
    assert [s.number for s in STEPS] == list(range(1, 9))
    assert all(s.title and 0 < len(s.guidance) <= 900 for s in STEPS)


def test_statuses_each_step_moves_to() -> None:
    moves = {s.key: s.status_on_complete for s in STEPS}
    assert moves["ask"] == RefereeStatus.asked
    assert moves["packet"] == RefereeStatus.packet_sent
    assert moves["review"] == RefereeStatus.uploaded
    assert moves["assign"] == RefereeStatus.assigned
    assert moves["decide"] is None  # depends on the reply
    assert all(m is None or isinstance(m, RefereeStatus) for m in moves.values())


def test_steps_are_immutable() -> None:
    with pytest.raises(ValidationError):
        STEPS[0].key = "other"  # type: ignore[misc]


def test_step_by_key() -> None:
    assert step_by_key("packet").number == 5
    with pytest.raises(KeyError):
        step_by_key("nope")


def test_next_step_walks_the_script_and_ignores_unknown_keys() -> None:
    done: set[str] = {"bogus"}
    seen = []
    while (step := next_step(done)) is not None:
        seen.append(step.key)
        done.add(step.key)
    assert tuple(seen) == KEYS
    assert next_step({"prepare", "read_reply"}).key == "ask"


def test_decide_status_follows_the_reply_reader() -> None:
    assert status_after_reply(read_reply("Absolutely, a strong letter.").label) == RefereeStatus.agreed_strong
    assert status_after_reply(read_reply("I can write you a letter.").label) == RefereeStatus.agreed_hedged
    assert status_after_reply(read_reply("I'll have to decline.").label) == RefereeStatus.declined


def test_ask_line_is_one_line_asking_for_a_strong_letter_as_an_img() -> None:
    assert "\n" not in ASK_LINE
    assert "strong letter" in ASK_LINE
    assert "international medical graduate" in ASK_LINE
    assert ASK_LINE.rstrip().endswith("?")
    assert ASK_LINE in step_by_key("ask").guidance


def test_prepare_step_points_to_the_bullets_command() -> None:
    assert "/referee bullets" in step_by_key("prepare").guidance


def test_graceful_exit_text() -> None:
    text = graceful_exit_text("Dr. Osei")
    assert text.startswith("Dear Dr. Osei,")
    assert "international medical graduate" in text
    assert "thank" in text.lower()
    assert graceful_exit_text(None).startswith("Dear [REFEREE NAME],")
    assert graceful_exit_text("   ").startswith("Dear [REFEREE NAME],")
    assert "```" not in graceful_exit_text("```evil```\nline")


def test_suggest_prefers_circled_then_strong_then_unsure() -> None:
    people = [
        ref("unsure", "unsure"),
        ref("strong", "strong"),
        ref("circled-unsure", "unsure", circled=True),
    ]
    assert suggest_next_referee(people).name == "circled-unsure"
    assert suggest_next_referee(people[:2]).name == "strong"
    assert suggest_next_referee(people[:1]).name == "unsure"


def test_suggest_never_picks_weak_suspect_or_already_asked() -> None:
    people = [
        ref("weak", "weak", circled=True),
        ref("suspect", "suspect_negative", circled=True),
        ref("asked", "strong", status="asked"),
        ref("declined", "strong", status="declined"),
    ]
    assert suggest_next_referee(people) is None
    assert suggest_next_referee([]) is None
    assert suggest_next_referee([*people, ref("fresh", "unsure")]).name == "fresh"


def test_suggest_keeps_the_users_order_among_equals() -> None:
    people = [ref("first", "strong"), ref("second", "strong")]
    assert suggest_next_referee(people).name == "first"
