"""The referee store (db/referees.py) and the shared tracker logic (bot/tracker.py), without Discord."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import tracker
from bot.advice.vocab import Area, RefereeLabel, RefereeStatus
from bot.problems import UserFacingError
from db import Database
from db import referees as store
from db.referees import Bullet

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
ANA, BEN = 111, 222


@pytest.fixture
async def db(tmp_path: Path):
    database = Database(tmp_path / "referees.sqlite3")
    await database.connect()
    await database.migrate()
    yield database
    await database.close()


async def add(db: Database, name: str, label: str = "strong", user: int = ANA, **fields):
    return await store.add_referee(db, user, name=name, label=label, now=NOW, **fields)


def rows(db: Database, sql: str, params=()) -> list[tuple]:
    conn = sqlite3.connect(db.path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


# ---------------------------------------------------------------- add / get
async def test_add_then_get_round_trips_every_field(db):
    added = await add(
        db,
        "  Dr   Priya Rao ",
        "unsure",
        kind="home_clinical",
        title="Professor of Medicine",
        institution="KEM Hospital",
        email="priya.rao@kem.edu.in",
        how_known="Supervised my internship\non the medicine ward",
        known_for="3 months",
        last_worked=date(2024, 6, 30),
        letter_date=date(2024, 7, 15),
        notes="Prefers WhatsApp first",
    )
    assert added.name == "Dr Priya Rao", "surrounding and repeated spaces are tidied"
    fetched = await store.get_referee(db, ANA, "dr priya rao")
    assert fetched == added
    assert fetched.label is RefereeLabel.unsure
    assert fetched.status is RefereeStatus.not_asked and not fetched.circled
    assert fetched.how_known == "Supervised my internship\non the medicine ward"
    assert fetched.last_worked == date(2024, 6, 30) and fetched.created_at == NOW


async def test_name_lookup_uses_unicode_casefolding(db):
    await add(db, "Herr Straße")
    await add(db, "Dr ÖZTÜRK")
    assert (await store.get_referee(db, ANA, "HERR STRASSE")).name == "Herr Straße"
    assert (await store.get_referee(db, ANA, "dr öztürk")).name == "Dr ÖZTÜRK"
    assert await store.get_referee(db, ANA, "Dr Ozturk") is None, "accents are part of the name"


@pytest.mark.parametrize("name", ["👩‍⚕️ Dr Nguyễn Thị Mai", "د. أحمد الخطيب", "王医生", "Д-р Иванова"])
async def test_emoji_and_non_latin_names_are_stored_as_typed(db, name):
    added = await add(db, name)
    assert (await store.get_referee(db, ANA, name)).id == added.id
    assert added.name == name


async def test_duplicate_name_is_refused_whatever_the_case(db):
    await add(db, "Dr Okafor")
    with pytest.raises(UserFacingError, match="already have a referee called"):
        await add(db, "DR OKAFOR", "weak")
    assert rows(db, "SELECT COUNT(*) FROM referees")[0][0] == 1
    await add(db, "Dr Okafor", user=BEN)  # another user may use the same name


async def test_thirty_first_referee_is_refused_and_nothing_written(db):
    for number in range(30):
        await add(db, f"Writer {number}")
    with pytest.raises(UserFacingError, match="30"):
        await add(db, "One too many")
    assert rows(db, "SELECT COUNT(*) FROM referees WHERE user_id = ?", (ANA,))[0][0] == 30
    assert (await add(db, "Writer 0", user=BEN)).user_id == BEN, "the limit is per user"


@pytest.mark.parametrize(
    "email", ["a@b.co", "first.last+eras@hospital.org", "o'neil@nhs.uk", "dr@université.fr"]
)
async def test_plausible_emails_are_accepted(db, email):
    assert (await add(db, "Dr E", email=email)).email == email


@pytest.mark.parametrize(
    "email", ["not-an-email", "a@b", "two@@signs.com", "sp ace@x.com", "a@x..com", ".a@x.com", "a@-x.com"]
)
async def test_bad_emails_are_refused_clearly(db, email):
    with pytest.raises(UserFacingError, match="email address doesn't look right"):
        await add(db, "Dr E", email=email)
    assert rows(db, "SELECT COUNT(*) FROM referees")[0][0] == 0


@pytest.mark.parametrize(
    ("field", "limit"),
    [("name", 80), ("title", 120), ("institution", 120), ("how_known", 300), ("notes", 1000)],
)
async def test_field_limits_accept_the_limit_and_refuse_one_more(db, field, limit):
    fields = {"name": "Dr L"} | {field: "x" * limit}
    assert len(getattr(await add(db, **fields), field)) == limit
    too_long = {"name": "Dr M"} | {field: "y" * (limit + 1)}
    with pytest.raises(UserFacingError, match=rf"too long: {limit + 1} characters \(the limit is {limit}\)"):
        await add(db, **too_long)
    assert rows(db, "SELECT COUNT(*) FROM referees")[0][0] == 1


async def test_blank_and_control_character_names_are_refused(db):
    with pytest.raises(UserFacingError, match="needs a name"):
        await add(db, "   ")
    with pytest.raises(UserFacingError, match="control characters"):
        await add(db, "Dr\x00Evil")


async def test_unknown_label_is_refused_with_the_choices(db):
    with pytest.raises(UserFacingError, match="isn't one of the choices"):
        await add(db, "Dr Q", "fantastic")


# ---------------------------------------------------------------- list order and scoping
async def test_list_is_strongest_first_then_circled_then_name(db):
    await add(db, "zed", "weak")
    await add(db, "Mona", "suspect_negative")
    await add(db, "bea", "strong")
    await add(db, "Amy", "unsure")
    cal = await add(db, "Cal", "strong")
    await store.toggle_circle(db, ANA, cal.id, now=NOW)
    await add(db, "Abe", "unsure")
    names = [r.name for r in await store.list_referees(db, ANA)]
    assert names == ["Cal", "bea", "Abe", "Amy", "zed", "Mona"]
    assert await store.list_referees(db, BEN) == []


async def test_another_user_can_neither_read_nor_change_a_referee(db):
    mine = await add(db, "Dr Private", email="p@x.org")
    assert await store.get_referee_by_id(db, BEN, mine.id) is None
    assert await store.get_referee(db, BEN, "Dr Private") is None
    for attempt in (
        store.update_referee(db, BEN, mine.id, now=NOW, notes="hijacked"),
        store.set_status(db, BEN, mine.id, "declined", now=NOW),
        store.toggle_circle(db, BEN, mine.id, now=NOW),
        store.set_bullets(db, BEN, mine.id, [Bullet(area="teamwork", text="x")], now=NOW),
    ):
        with pytest.raises(UserFacingError, match="no longer exists"):
            await attempt
    assert await store.delete_referee(db, BEN, mine.id) is False
    assert await store.get_referee_by_id(db, ANA, mine.id) == mine


# ---------------------------------------------------------------- update
async def test_update_changes_only_given_fields_and_none_clears(db):
    ref = await add(db, "Dr U", email="u@x.org", notes="keep me")
    later = NOW + timedelta(days=2)
    updated = await store.update_referee(db, ANA, ref.id, now=later, email=None, title="Chief Resident")
    assert updated.email is None and updated.title == "Chief Resident" and updated.notes == "keep me"
    assert updated.updated_at == later and updated.created_at == NOW


async def test_rename_to_someone_elses_name_is_refused_but_recasing_your_own_works(db):
    first = await add(db, "Dr One")
    await add(db, "Dr Two")
    with pytest.raises(UserFacingError, match="already have a referee called"):
        await store.update_referee(db, ANA, first.id, now=NOW, name="dr two")
    assert (await store.get_referee_by_id(db, ANA, first.id)).name == "Dr One"
    renamed = await store.update_referee(db, ANA, first.id, now=NOW, name="DR ONE")
    assert renamed.name == "DR ONE"


async def test_update_cannot_clear_name_or_label_nor_set_status(db):
    ref = await add(db, "Dr V")
    with pytest.raises(UserFacingError, match="can't be cleared"):
        await store.update_referee(db, ANA, ref.id, now=NOW, label=None)
    with pytest.raises(TypeError):
        await store.update_referee(db, ANA, ref.id, now=NOW, status="asked")


async def test_a_failed_update_writes_nothing(db):
    ref = await add(db, "Dr W", title="Attending")
    with pytest.raises(UserFacingError):
        await store.update_referee(db, ANA, ref.id, now=NOW, title="Consultant", email="broken@")
    assert (await store.get_referee_by_id(db, ANA, ref.id)).title == "Attending"


# ---------------------------------------------------------------- status, circle
async def test_set_status_returns_new_and_old(db):
    ref = await add(db, "Dr S")
    new, old = await store.set_status(db, ANA, ref.id, "asked", now=NOW + timedelta(hours=1))
    assert (new.status, old) == (RefereeStatus.asked, RefereeStatus.not_asked)
    again, old_again = await store.set_status(
        db, ANA, ref.id, RefereeStatus.asked, now=NOW + timedelta(days=9)
    )
    assert old_again is RefereeStatus.asked and again.updated_at == new.updated_at, "no change, no touch"
    with pytest.raises(UserFacingError):
        await store.set_status(db, ANA, ref.id, "ghosted", now=NOW)


async def test_a_fourth_circle_is_refused_naming_the_three(db):
    refs = [await add(db, name) for name in ("Dr A", "Dr B", "Dr C", "Dr D")]
    for ref in refs[:3]:
        assert (await store.toggle_circle(db, ANA, ref.id, now=NOW)).circled
    with pytest.raises(UserFacingError) as refused:
        await store.toggle_circle(db, ANA, refs[3].id, now=NOW)
    assert all(f"**Dr {x}**" in refused.value.message for x in "ABC")
    assert not (await store.get_referee_by_id(db, ANA, refs[3].id)).circled
    assert not (await store.toggle_circle(db, ANA, refs[0].id, now=NOW)).circled, "toggling uncircles"
    assert (await store.toggle_circle(db, ANA, refs[3].id, now=NOW)).circled


async def test_messages_escape_markdown_and_mentions_in_stored_names(db):
    await add(db, "@everyone **Boss**")
    with pytest.raises(UserFacingError) as refused:
        await add(db, "@EVERYONE **boss**")
    message = refused.value.message
    assert "@everyone" not in message and "@\u200beveryone" in message
    assert "\\*\\*Boss\\*\\*" in message


# ---------------------------------------------------------------- bullets and delete
async def test_set_bullets_replaces_in_order_and_limits_to_ten(db):
    ref = await add(db, "Dr Bullet")
    first = [
        Bullet(area="clinical_judgment", text="Caught early sepsis"),
        Bullet(area="teamwork", text="Ran handoff"),
    ]
    assert (await store.set_bullets(db, ANA, ref.id, first, now=NOW)).bullets == first
    second = [Bullet(area="communication", text=f"Family meeting {n}") for n in range(10)]
    assert (await store.set_bullets(db, ANA, ref.id, second, now=NOW)).bullets == second
    eleven = [*second, Bullet(area="feedback", text="one more")]
    with pytest.raises(UserFacingError, match="limit is 10"):
        await store.set_bullets(db, ANA, ref.id, eleven, now=NOW)
    assert (await store.get_referee_by_id(db, ANA, ref.id)).bullets == second


def test_bullet_text_is_limited_to_200_characters():
    assert len(Bullet(area="reliability", text="r" * 200).text) == 200
    with pytest.raises(ValueError, match="too long"):
        Bullet(area="reliability", text="r" * 201)
    with pytest.raises(ValueError):
        Bullet(area="bedside manner", text="kind")


async def test_delete_removes_the_referee_and_their_bullets_only(db):
    gone = await add(db, "Dr Gone")
    kept = await add(db, "Dr Kept")
    await store.set_bullets(db, ANA, gone.id, [Bullet(area="teamwork", text="x")], now=NOW)
    await store.set_bullets(db, ANA, kept.id, [Bullet(area="teamwork", text="y")], now=NOW)
    assert await store.delete_referee(db, ANA, gone.id) is True
    assert await store.delete_referee(db, ANA, gone.id) is False
    assert rows(db, "SELECT referee_id FROM referee_bullets") == [(kept.id,)]


def test_closest_names_suggests_spelling_and_partial_matches():
    names = ["Prof Anjali Rao", "Dr Smith", "Dr Okafor"]
    assert store.closest_names("Dr Smyth", names)[0] == "Dr Smith"
    assert store.closest_names("rao", names) == ["Prof Anjali Rao"]
    assert store.closest_names("Zhang", names) == []


# ---------------------------------------------------------------- tracker
class RecordingBot:
    """The smallest thing change_status needs: a database, a clock and an event sink."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.events: list[tuple] = []

    def now(self) -> datetime:
        return NOW

    def dispatch(self, event: str, *args: object) -> None:
        self.events.append((event, *args))


async def test_change_status_dispatches_only_when_the_status_changes(db):
    bot = RecordingBot(db)
    ref = await add(db, "Dr T")
    changed = await tracker.change_status(bot, ANA, ref.id, "asked")
    assert changed.status is RefereeStatus.asked
    assert bot.events == [("referee_status_changed", ANA, changed, RefereeStatus.not_asked)]
    await tracker.change_status(bot, ANA, ref.id, "asked")
    assert len(bot.events) == 1
    with pytest.raises(UserFacingError):
        await tracker.change_status(bot, BEN, ref.id, "declined")
    assert len(bot.events) == 1


async def test_resolve_referee_suggests_the_closest_name(db):
    await add(db, "Dr Fernandes")
    with pytest.raises(UserFacingError, match=r"Did you mean \*\*Dr Fernandes\*\*"):
        await tracker.resolve_referee(db, ANA, "dr fernandez")
    with pytest.raises(UserFacingError, match="no referees yet"):
        await tracker.resolve_referee(db, BEN, "Dr Fernandes")


async def test_name_suggestions_are_own_substring_matches_capped_at_25(db):
    for number in range(30):
        await add(db, f"Dr Number {number}")
    await add(db, "Dr Elsewhere", user=BEN)
    assert len(await tracker.name_suggestions(db, ANA, "")) == 25
    assert [r.name for r in await tracker.name_suggestions(db, ANA, "BER 2")] == [
        "Dr Number 2", "Dr Number 20", "Dr Number 21", "Dr Number 22", "Dr Number 23", "Dr Number 24",
        "Dr Number 25", "Dr Number 26", "Dr Number 27", "Dr Number 28", "Dr Number 29",
    ]  # fmt: skip
    assert await tracker.name_suggestions(db, ANA, "elsewhere") == []


def test_parse_bullets_reads_areas_synonyms_and_list_markers():
    text = (
        "clinical: Caught sepsis: escalated at 2am\n\n- teamwork: Led handoffs\n"
        "3) Learning from feedback: Fixed notes"
    )
    assert tracker.parse_bullets(text) == [
        Bullet(area=Area.clinical_judgment, text="Caught sepsis: escalated at 2am"),
        Bullet(area=Area.teamwork, text="Led handoffs"),
        Bullet(area=Area.feedback, text="Fixed notes"),
    ]


def test_parse_bullets_rejects_the_whole_text_with_line_numbers():
    text = "clinical: fine\nno colon here\nbedside: kind to patients\nteamwork:   \nreliability: " + "r" * 201
    with pytest.raises(UserFacingError) as refused:
        tracker.parse_bullets(text)
    message = refused.value.message
    for fragment in ("Line 2", "Line 3", "“bedside” is not an area", "Line 4", "Line 5 is 201 characters"):
        assert fragment in message
    assert "Line 1" not in message and "Nothing was saved" in message


def test_parse_bullets_refuses_eleven():
    with pytest.raises(UserFacingError, match="11 bullets"):
        tracker.parse_bullets("\n".join(f"teamwork: item {n}" for n in range(11)))
    assert len(tracker.parse_bullets("\n".join(f"teamwork: item {n}" for n in range(10)))) == 10


bullet_texts = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=200
).filter(lambda t: t.split() and len(" ".join(t.split())) <= 200)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(list(Area)), bullet_texts), max_size=10))
def test_format_then_parse_gives_the_same_bullets(pairs):
    bullets = [Bullet(area=area, text=text) for area, text in pairs]
    assert tracker.parse_bullets(tracker.format_bullets(bullets)) == bullets


def test_parse_day_is_strict_and_refuses_the_future():
    today = date(2025, 3, 1)
    assert tracker.parse_day(" 2024-02-29 ", "letter date", today=today) == date(2024, 2, 29)
    for bad in ("2023-02-29", "01/03/2024", "20240301", "March 2024"):
        with pytest.raises(UserFacingError, match="YYYY-MM-DD"):
            tracker.parse_day(bad, "letter date", today=today)
    with pytest.raises(UserFacingError, match="future"):
        tracker.parse_day("2025-03-02", "letter date", today=today)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        (date(2025, 2, 20), "under a month old"),
        (date(2024, 9, 1), "6 months old"),
        (date(2024, 1, 15), "13 months old: getting old"),
        (date(2023, 6, 1), "21 months old: ask for an updated letter"),
        (date(2021, 3, 1), "4 years old: ask for an updated letter"),
    ],
)
def test_letter_age_nudges_after_twelve_and_eighteen_months(written, expected):
    assert tracker.letter_age(written, date(2025, 3, 1)).startswith(expected)
