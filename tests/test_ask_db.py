"""db/ask.py (progress storage, ownership, cascade, export/delete) and the checklist's pure helpers."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.advice.vocab import RefereeLabel, RefereeStatus
from bot.problems import UserFacingError
from cogs.ask import Checklist, lines_within, pick_for_today, split_text
from db import Database
from db import ask as store
from db.referees import Referee, add_referee, delete_referee

NOW = datetime(2025, 6, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path):
    database = Database(tmp_path / "ask.sqlite3")
    await database.connect()
    await database.migrate()
    yield database
    await database.close()


async def test_steps_are_saved_once_and_read_back(db):
    ref = await add_referee(db, 1, name="Dr A", label="strong", now=NOW)
    await store.mark_done(db, 1, ref.id, ["prepare", "ask"], now=NOW)
    later = NOW.replace(hour=12)
    await store.mark_done(db, 1, ref.id, ["ask"], now=later)  # already done: keeps its first date
    progress = await store.get_progress(db, 1, ref.id)
    assert progress.done_keys == {"prepare", "ask"}
    assert progress.done["ask"] == NOW
    assert progress.reply_label is None


async def test_reply_label_is_replaced_by_the_latest_reading(db):
    ref = await add_referee(db, 1, name="Dr B", label="unsure", now=NOW)
    await store.record_reply(db, 1, ref.id, "hedged", now=NOW)
    await store.record_reply(db, 1, ref.id, "enthusiastic", now=NOW)
    progress = await store.get_progress(db, 1, ref.id)
    assert progress.reply_label == "enthusiastic" and "read_reply" in progress.done_keys
    with pytest.raises(ValueError):
        await store.record_reply(db, 1, ref.id, "maybe", now=NOW)  # type: ignore[arg-type]


async def test_someone_elses_referee_is_refused_and_nothing_is_written(db):
    ref = await add_referee(db, 1, name="Dr C", label="strong", now=NOW)
    with pytest.raises(UserFacingError):
        await store.mark_done(db, 2, ref.id, ["prepare"], now=NOW)
    with pytest.raises(UserFacingError):
        await store.record_reply(db, 2, ref.id, "hedged", now=NOW)
    assert await db.fetchval("SELECT COUNT(*) FROM ask_progress") == 0
    assert (await store.get_progress(db, 2, ref.id)).done == {}


async def test_unknown_step_keys_are_a_programming_error(db):
    ref = await add_referee(db, 1, name="Dr D", label="strong", now=NOW)
    with pytest.raises(KeyError):
        await store.mark_done(db, 1, ref.id, ["not_a_step"], now=NOW)


async def test_progress_goes_with_the_referee_and_with_the_user(db):
    keep = await add_referee(db, 1, name="Dr Keep", label="strong", now=NOW)
    gone = await add_referee(db, 1, name="Dr Gone", label="strong", now=NOW)
    for ref in (keep, gone):
        await store.mark_done(db, 1, ref.id, ["prepare"], now=NOW)
    await delete_referee(db, 1, gone.id)
    assert await db.fetchval("SELECT COUNT(*) FROM ask_progress WHERE referee_id = ?", (gone.id,)) == 0
    exported = await db.export_user(1)
    assert [row["referee_id"] for row in exported["ask_progress"]] == [keep.id]
    counts = await db.delete_user(1)
    assert counts["ask_progress"] == 1
    assert await db.fetchval("SELECT COUNT(*) FROM ask_progress") == 0


# ---------------------------------------------------------------- pure helpers
def referee(
    name: str, label: str, status: str = "not_asked", *, circled: bool = False, rid: int = 1
) -> Referee:
    return Referee(
        id=rid,
        user_id=1,
        name=name,
        label=RefereeLabel(label),
        status=RefereeStatus(status),
        circled=circled,
        created_at=NOW,
        updated_at=NOW,
    )


def test_status_set_elsewhere_marks_the_earlier_steps_done():
    empty = store.AskProgress(referee_id=1, done={})
    asked = Checklist.of(referee("Dr E", "strong", "asked"), empty)
    assert asked.current is not None and asked.current.key == "read_reply"
    declined = Checklist.of(referee("Dr F", "strong", "declined"), empty)
    assert declined.current is None and declined.ended_declined
    assigned = Checklist.of(referee("Dr G", "strong", "assigned"), empty)
    assert assigned.current is None and not assigned.ended_declined


def test_today_pick_order():
    people = [
        referee("Strong circled", "strong", circled=True, rid=1),
        referee("Unsure", "unsure", rid=2),
        referee("Unsure circled", "unsure", circled=True, rid=3),
        referee("Unsure asked", "unsure", "asked", circled=True, rid=4),
    ]
    assert pick_for_today(people).referee.name == "Unsure circled"
    assert pick_for_today(people[:2]).referee.name == "Unsure"
    assert pick_for_today(people[:1]).referee.name == "Strong circled"
    assert pick_for_today([referee("Weak", "weak"), referee("Neg", "suspect_negative", rid=2)]) is None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.text(alphabet="ab \n", min_size=0, max_size=60), min_size=1, max_size=40),
    st.integers(min_value=20, max_value=200),
)
def test_lines_within_never_exceeds_the_limit_and_counts_what_it_hides(lines, limit):
    lines = [ln.replace("\n", " ") or "x" for ln in lines]
    out = lines_within(lines, limit, "see more")
    assert len(out) <= limit
    if "…and " in out:
        shown = out.splitlines()[:-1]
        hidden = int(out.splitlines()[-1].split()[1])
        assert shown == lines[: len(shown)] and len(shown) + hidden == len(lines)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="ab \n", min_size=1, max_size=3000), st.integers(min_value=10, max_value=500))
def test_split_text_respects_the_limit_and_keeps_every_word(text, limit):
    parts = split_text(text, limit)
    assert all(0 < len(p) <= limit for p in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())
