"""Tests for the letter planner (issue 7): assignments, drops, refreshes, target, actions, profiles."""

from __future__ import annotations

import ast
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.advice.planner import (
    PROFILES,
    ActionKind,
    Plan,
    PortfolioLetter,
    Profile,
    make_plan,
    render_plan_text,
)
from bot.advice.vocab import RefereeKind as K
from bot.advice.vocab import RefereeLabel as L
from bot.advice.vocab import RefereeStatus as S
from bot.advice.vocab import letter_age_months

TODAY = date(2026, 1, 15)
IN_HAND = {S.agreed_strong, S.agreed_hedged, S.packet_sent, S.uploaded, S.assigned}


def ago(months: int) -> date:
    """The 15th of the month `months` before TODAY."""
    total = TODAY.year * 12 + TODAY.month - 1 - months
    return date(total // 12, total % 12 + 1, 15)


def letter(
    name: str,
    label: L | None,
    kind: K,
    status: S = S.uploaded,
    months: int | None = None,
    circled: bool = False,
) -> PortfolioLetter:
    return PortfolioLetter(
        name=name,
        label=label,
        kind=kind,
        status=status,
        letter_date=ago(months) if months is not None else None,
        circled=circled,
    )


def plan_for(letters: list[PortfolioLetter], **kwargs) -> Plan:
    kwargs.setdefault("profile", None)
    kwargs.setdefault("reapplying", False)
    return make_plan(letters, today=TODAY, **kwargs)


def names(plan: Plan, program: str) -> list[str]:
    return [a.name for a in plan.assignments[program]]


# --- table-driven portfolios ------------------------------------------------------------------


@dataclass
class Case:
    letters: list[PortfolioLetter]
    competitive: list[str]
    img: list[str]
    drop: dict[str, str] = field(default_factory=dict)  # name -> scope
    refresh: dict[str, str] = field(default_factory=dict)  # name -> verdict
    first_kinds: list[str] = field(default_factory=list)
    first_referees: list[str | None] | None = None
    kwargs: dict = field(default_factory=dict)


FOUR_STRONG = [
    letter("Dr US1", L.strong, K.us_clinical, months=2),
    letter("Dr US2", L.strong, K.us_clinical, months=4),
    letter("Dr Home", L.strong, K.home_clinical, months=3),
    letter("Dr PI", L.strong, K.research, months=1),
]

CASES = {
    "none": Case(letters=[], competitive=[], img=[], first_kinds=["referee_add", "experience"]),
    "only_home": Case(
        letters=[
            letter("Dr H1", L.strong, K.home_clinical, S.uploaded, months=3),
            letter("Dr H2", L.strong, K.home_clinical, S.agreed_strong),
            letter("Dr H3", L.strong, K.home_clinical, S.not_asked),
        ],
        competitive=["Dr H1", "Dr H2", "Dr H3"],
        img=["Dr H1", "Dr H2", "Dr H3"],
        first_kinds=["ask", "email", "experience"],
        first_referees=["Dr H3", "Dr H2", None],
    ),
    "one_suspect": Case(
        letters=[
            letter("Dr Bad", L.suspect_negative, K.us_clinical, months=1, circled=True),
            *FOUR_STRONG[:3],
        ],
        competitive=["Dr US1", "Dr US2", "Dr Home"],
        img=["Dr US1", "Dr US2", "Dr Home"],
        drop={"Dr Bad": "all"},
        first_kinds=["assign"],
        first_referees=["Dr Bad"],
    ),
    "old_letters_active": Case(
        letters=[
            letter("Dr 13", L.strong, K.us_clinical, months=13),
            letter("Dr 17", L.strong, K.us_clinical, months=17),
            letter("Dr 20", L.strong, K.home_clinical, months=20),
        ],
        competitive=["Dr 13", "Dr 17", "Dr 20"],
        img=["Dr 13", "Dr 17", "Dr 20"],
        refresh={"Dr 20": "update"},
        first_kinds=["email"],
        first_referees=["Dr 20"],
        kwargs={"clinically_active": True},
    ),
    "old_letters_inactive": Case(
        letters=[
            letter("Dr 13", L.strong, K.us_clinical, months=13),
            letter("Dr 17", L.strong, K.us_clinical, months=17),
            letter("Dr 20", L.strong, K.home_clinical, months=20),
        ],
        competitive=["Dr 13", "Dr 17", "Dr 20"],
        img=["Dr 13", "Dr 17", "Dr 20"],
        refresh={"Dr 13": "refresh", "Dr 17": "refresh", "Dr 20": "update"},
        first_kinds=["email", "email", "email"],
        first_referees=["Dr 13", "Dr 17", "Dr 20"],
        kwargs={"clinically_active": False},
    ),
    "four_strong": Case(
        letters=FOUR_STRONG,
        competitive=["Dr US1", "Dr US2", "Dr Home"],
        img=["Dr US1", "Dr US2", "Dr Home", "Dr PI"],
        first_kinds=[],
    ),
    "reapplicant_suspect": Case(
        letters=[
            letter("Dr Bad", L.suspect_negative, K.us_clinical, S.assigned, months=14),
            letter("Dr H1", L.strong, K.home_clinical, months=2),
            letter("Dr H2", L.strong, K.home_clinical, months=6),
        ],
        competitive=["Dr H1", "Dr H2"],
        img=["Dr H1", "Dr H2"],
        drop={"Dr Bad": "all"},
        first_kinds=["assign", "referee_add", "experience"],
        first_referees=["Dr Bad", None, None],
        kwargs={"reapplying": True},
    ),
}


@pytest.mark.parametrize("case_id", list(CASES))
def test_portfolio_table(case_id: str) -> None:
    case = CASES[case_id]
    plan = plan_for(case.letters, **case.kwargs)
    assert names(plan, "competitive") == case.competitive
    img = names(plan, "img_friendly")
    assert sorted(img[:3]) == sorted(case.img[:3]) and img[3:] == case.img[3:]  # the 3, then the optional 4th
    assert {d.name: d.scope for d in plan.drop} == case.drop
    assert {r.name: r.verdict for r in plan.refresh} == case.refresh
    first = plan.next_three()
    assert [a.kind.value for a in first][: len(case.first_kinds)] == case.first_kinds
    if case.first_referees is not None:
        assert [a.referee for a in first][: len(case.first_referees)] == case.first_referees


def test_empty_portfolio_has_no_target_met_and_warns() -> None:
    plan = plan_for([])
    assert len(plan.target.gaps) == 2
    assert any("No letters" in w for w in plan.warnings)
    assert "3" in plan.actions[0].text


def test_only_home_engineers_letters_and_targets_img_friendly_programs() -> None:
    plan = plan_for(CASES["only_home"].letters)
    kinds = [a.kind for a in plan.actions]
    assert ActionKind.packet in kinds and ActionKind.target in kinds
    target = next(a for a in plan.actions if a.kind is ActionKind.target)
    assert target.text.index("IMG-friendly community") < target.text.index("university-affiliated")
    assert target.text.index("university-affiliated") < target.text.index("top academic")
    packet = next(a for a in plan.actions if a.kind is ActionKind.packet).text.lower()
    assert "support packet" in packet and "comparison" in packet and "us residency" in packet
    us_gap = next(s for s in plan.target.slots if s.kind is K.us_clinical)
    assert us_gap.have == 0 and not us_gap.met


def test_one_suspect_is_named_plainly_in_warnings_and_drop() -> None:
    plan = plan_for(CASES["one_suspect"].letters)
    assert any("Dr Bad" in w and "Suspect negative" in w and "zero programs" in w for w in plan.warnings)
    assert "zero programs" in plan.drop[0].reason


def test_old_letter_update_offers_the_update_request_email() -> None:
    plan = plan_for(CASES["old_letters_active"].letters, clinically_active=True)
    item = plan.refresh[0]
    assert (item.age_months, item.email_kind) == (20, "update-request")
    email = next(a for a in plan.actions if a.referee == "Dr 20")
    assert (email.kind, email.email_kind) == (ActionKind.email, "update-request")
    assert any("Dr 13" in w and "13 months" in w for w in plan.warnings)


@pytest.mark.parametrize(
    ("months", "active", "verdict"),
    [
        (12, False, None),
        (13, True, None),
        (13, False, "refresh"),
        (18, True, None),
        (18, False, "refresh"),
        (19, True, "update"),
        (36, False, "update"),
    ],
)
def test_age_boundaries(months: int, active: bool, verdict: str | None) -> None:
    plan = plan_for([letter("Dr A", L.strong, K.us_clinical, months=months)], clinically_active=active)
    assert [r.verdict for r in plan.refresh] == ([verdict] if verdict else [])


def test_four_strong_meets_target_and_needs_no_new_writer() -> None:
    plan = plan_for(FOUR_STRONG)
    assert plan.target.gaps == []
    assert [a.optional for a in plan.assignments["img_friendly"]] == [False, False, False, True]
    assert not any(
        a.kind in (ActionKind.experience, ActionKind.referee_add, ActionKind.ask) for a in plan.actions
    )
    assert all(not a.potential for p in ("competitive", "img_friendly") for a in plan.assignments[p])


def test_reapplicant_reset_has_feedback_post_mortem_and_statement_update() -> None:
    plan = plan_for(CASES["reapplicant_suspect"].letters, reapplying=True)
    feedback = [a for a in plan.actions if a.email_kind == "feedback-request"]
    assert [a.referee for a in feedback] == ["Dr Bad"]
    assert any(a.kind is ActionKind.statement for a in plan.actions)
    new_writers = next(a for a in plan.actions if a.kind is ActionKind.referee_add)
    assert "three new writers" in new_writers.text
    # Same portfolio, first cycle: no post-mortem, no reset.
    first_cycle = plan_for(CASES["reapplicant_suspect"].letters, reapplying=False)
    assert not any(a.email_kind == "feedback-request" for a in first_cycle.actions)
    assert not any(a.kind is ActionKind.statement for a in first_cycle.actions)
    # The suspect letter is never refreshed, only dropped.
    assert plan.refresh == []


def test_many_letters_never_exceed_four_per_program() -> None:
    letters = [
        letter("S1", L.strong, K.us_clinical),
        letter("S2", L.strong, K.us_clinical, S.not_asked),
        letter("S3", L.strong, K.home_clinical),
        letter("S4", L.strong, K.home_clinical, S.asked),
        letter("S5", L.strong, K.research),
        letter("U1", L.unsure, K.us_clinical),
        letter("U2", L.unsure, K.other, S.agreed_hedged),
        letter("W1", L.weak, K.us_clinical),
        letter("X1", L.suspect_negative, K.us_clinical),
        letter("D1", L.strong, K.us_clinical, S.declined),
    ]
    plan = plan_for(letters)
    assert len(plan.assignments["competitive"]) == 3
    assert len(plan.assignments["img_friendly"]) == 4
    # In-hand strong letters first (status before kind), then the best potential strong one as the 4th.
    assert names(plan, "competitive") == ["S1", "S3", "S5"]
    assert names(plan, "img_friendly") == ["S1", "S3", "S5", "S4"]
    used = set(names(plan, "competitive")) | set(names(plan, "img_friendly"))
    assert used.isdisjoint({"W1", "X1", "D1", "U2"})
    assert {d.name: d.scope for d in plan.drop} == {"U2": "all", "W1": "all", "X1": "all", "D1": "all"}
    assert {s.name for s in plan.spare} == {"S2", "U1"}


# --- ordering rules -----------------------------------------------------------------------------


def test_label_beats_status() -> None:
    plan = plan_for(
        [letter("Unsure", L.unsure, K.us_clinical), letter("Strong", L.strong, K.us_clinical, S.not_asked)]
    )
    assert names(plan, "competitive") == ["Strong", "Unsure"]


def test_status_beats_kind_and_in_hand_beats_asked_beats_not_asked() -> None:
    plan = plan_for(
        [
            letter("US not asked", L.strong, K.us_clinical, S.not_asked),
            letter("US asked", L.strong, K.us_clinical, S.asked),
            letter("Home packet", L.strong, K.home_clinical, S.packet_sent),
        ]
    )
    assert names(plan, "competitive") == ["Home packet", "US asked", "US not asked"]


def test_kind_order_for_competitive_programs() -> None:
    plan = plan_for(
        [
            letter("Other", L.strong, K.other),
            letter("Research", L.strong, K.research),
            letter("Home", L.strong, K.home_clinical),
            letter("US", L.strong, K.us_clinical),
        ]
    )
    assert names(plan, "competitive") == ["US", "Home", "Research"]
    assert names(plan, "img_friendly")[3] == "Other"  # strong, so it may ride along as the optional 4th


def test_circled_then_fresher_breaks_ties() -> None:
    plan = plan_for(
        [
            letter("Old", L.strong, K.home_clinical, months=10),
            letter("New", L.strong, K.home_clinical, months=2),
            letter("Circled", L.strong, K.home_clinical, months=11, circled=True),
        ]
    )
    assert names(plan, "competitive") == ["Circled", "New", "Old"]


def test_img_friendly_weighs_home_clinical_like_us_clinical() -> None:
    letters = [letter(f"US{i}", L.strong, K.us_clinical, months=9) for i in range(3)]
    letters.append(letter("Home fresh", L.strong, K.home_clinical, months=1))
    plan = plan_for(letters)
    assert "Home fresh" not in names(plan, "competitive")
    assert names(plan, "img_friendly")[0] == "Home fresh"


def test_unsure_neutral_letter_is_optional_fourth_for_img_friendly_only() -> None:
    plan = plan_for([*FOUR_STRONG[:3], letter("Lukewarm", L.unsure, K.us_clinical, months=1)])
    assert "Lukewarm" not in names(plan, "competitive")
    fourth = plan.assignments["img_friendly"][3]
    assert (fourth.name, fourth.optional) == ("Lukewarm", True)


def test_hedged_letter_stays_out_of_competitive_and_is_a_backup() -> None:
    plan = plan_for([*FOUR_STRONG[:3], letter("Hedged", L.strong, K.us_clinical, S.agreed_hedged, 1)])
    assert "Hedged" not in names(plan, "competitive")
    assert names(plan, "img_friendly")[3] == "Hedged"
    assert {d.name: d.scope for d in plan.drop} == {"Hedged": "competitive"}
    assert any("Hedged" in w and "hedged" in w for w in plan.warnings)


def test_weak_letter_fills_img_friendly_only_when_short() -> None:
    short = plan_for([*FOUR_STRONG[:2], letter("Weak", L.weak, K.home_clinical)])
    assert names(short, "competitive") == ["Dr US1", "Dr US2"]
    assert names(short, "img_friendly") == ["Dr US1", "Dr US2", "Weak"]
    assert {d.name: d.scope for d in short.drop} == {"Weak": "competitive"}
    assert any("only 2" in w for w in short.warnings)
    full = plan_for([*FOUR_STRONG[:3], letter("Weak", L.weak, K.us_clinical)])
    assert "Weak" not in names(full, "img_friendly")
    assert {d.name: d.scope for d in full.drop} == {"Weak": "all"}


def test_declined_referee_is_never_assigned_or_counted() -> None:
    plan = plan_for([letter("Declined", L.strong, K.us_clinical, S.declined)])
    assert names(plan, "competitive") == [] and names(plan, "img_friendly") == []
    assert [d.name for d in plan.drop] == ["Declined"]
    assert next(s for s in plan.target.slots if s.kind is K.us_clinical).have == 0
    assert not any(a.referee == "Declined" for a in plan.actions)


@pytest.mark.parametrize("status", list(S))
def test_potential_flag_follows_in_hand_statuses(status: S) -> None:
    plan = plan_for([letter("Dr A", L.strong, K.us_clinical, status)])
    assigned = plan.assignments["img_friendly"]
    if status is S.declined:
        assert assigned == []
    else:
        assert [a.potential for a in assigned] == [status not in IN_HAND]


# --- gaps become actions ------------------------------------------------------------------------


def test_fewer_than_three_usable_asks_listed_writers_first_then_new_ones() -> None:
    plan = plan_for(
        [
            letter("Have", L.strong, K.us_clinical),
            letter("Maybe", L.unsure, K.home_clinical, S.not_asked),
            letter("Likely", L.strong, K.home_clinical, S.not_asked),
        ]
    )
    asks = [a for a in plan.actions if a.kind is ActionKind.ask]
    assert [a.referee for a in asks] == ["Likely", "Maybe"]
    assert all(a.email_kind == "strong-request" and "2 more" in a.text for a in asks)
    assert not any(a.kind is ActionKind.referee_add for a in plan.actions)

    alone = plan_for([letter("Have", L.strong, K.us_clinical)])
    add = next(a for a in alone.actions if a.kind is ActionKind.referee_add)
    assert "add 2 more writers" in add.text


def test_pending_asks_reduce_the_number_of_new_writers() -> None:
    plan = plan_for(
        [letter("Have", L.strong, K.us_clinical), letter("Waiting", L.strong, K.us_clinical, S.asked)]
    )
    add = next(a for a in plan.actions if a.kind is ActionKind.referee_add)
    assert "add 1 more writer" in add.text
    follow = next(a for a in plan.actions if a.referee == "Waiting")
    assert follow.email_kind == "follow-up"


def test_unlabelled_and_unsure_referees_get_label_and_ask_actions() -> None:
    plan = plan_for(
        [
            *FOUR_STRONG[:3],
            letter("Nolabel", None, K.home_clinical, S.not_asked),
            letter("Unsure", L.unsure, K.us_clinical, S.not_asked),
        ]
    )
    label = next(a for a in plan.actions if a.kind is ActionKind.label)
    assert label.referee == "Nolabel"
    asked = {a.referee for a in plan.actions if a.kind is ActionKind.ask}
    assert asked == {"Nolabel", "Unsure"}


def test_no_strong_us_clinical_letter_suggests_a_four_to_eight_week_block() -> None:
    plan = plan_for([letter("Home", L.strong, K.home_clinical), letter("US weak", L.weak, K.us_clinical)])
    exp = next(a for a in plan.actions if a.kind is ActionKind.experience)
    assert "4-8 week" in exp.text and "strong letter" in exp.text
    with_us = plan_for([letter("US", L.strong, K.us_clinical, S.not_asked)])
    assert not any(a.kind is ActionKind.experience for a in with_us.actions)


def test_agreed_writer_gets_support_packet_email() -> None:
    plan = plan_for([letter("Yes", L.strong, K.home_clinical, S.agreed_strong)])
    email = next(a for a in plan.actions if a.referee == "Yes")
    assert (email.kind, email.email_kind) == (ActionKind.email, "support-packet")


# --- profiles -----------------------------------------------------------------------------------

PROFILE_KEYWORDS = {
    Profile.fresh_grad_no_usce: ("home", "remote"),
    Profile.older_grad: ("12 months", "academic"),
    Profile.some_us_observerships: ("every", "us letter"),
    Profile.research_heavy: ("pi", "clinical"),
    Profile.strong_scores_weak_letters: ("repair", "new referee"),
}


def test_profiles_have_titles() -> None:
    assert set(PROFILES) == set(Profile)
    assert len(set(PROFILES.values())) == len(Profile)


@pytest.mark.parametrize("profile", list(Profile))
def test_each_profile_gets_its_own_priorities(profile: Profile) -> None:
    plan = plan_for(FOUR_STRONG, profile=profile)
    text = " ".join(plan.profile_priorities).lower()
    assert plan.profile_priorities
    assert all(word in text for word in PROFILE_KEYWORDS[profile])
    others = [plan_for(FOUR_STRONG, profile=p).profile_priorities for p in Profile if p is not profile]
    assert plan.profile_priorities not in others


def test_no_profile_means_no_priorities() -> None:
    assert plan_for(FOUR_STRONG).profile_priorities == []


def test_older_grad_without_recent_clinical_letter_gets_an_action() -> None:
    old = [letter("Old", L.strong, K.home_clinical, months=30)]
    plan = plan_for(old, profile=Profile.older_grad)
    assert any(a.kind is ActionKind.experience and "this year" in a.text for a in plan.actions)
    recent = plan_for([letter("New", L.strong, K.home_clinical, months=3)], profile=Profile.older_grad)
    assert not any("this year by someone" in a.text for a in recent.actions)


# --- output -------------------------------------------------------------------------------------


def test_plan_dumps_to_json_and_back() -> None:
    plan = plan_for(CASES["reapplicant_suspect"].letters, reapplying=True, profile=Profile.older_grad)
    dumped = plan.model_dump(mode="json")
    assert json.loads(json.dumps(dumped))["assignments"]["competitive"][0]["name"] == "Dr H1"
    assert Plan.model_validate(dumped) == plan


def test_render_plan_text_mentions_assignments_drops_and_actions() -> None:
    plan = plan_for(CASES["one_suspect"].letters)
    text = render_plan_text(plan)
    for name in ("Dr US1", "Dr US2", "Dr Home", "Dr Bad"):
        assert name in text
    assert plan.actions[0].text in text


def test_planner_does_not_import_discord() -> None:
    source = Path(__file__).resolve().parents[1] / "bot" / "advice" / "planner.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not any(name.split(".")[0] == "discord" for name in imported)


@pytest.mark.parametrize(
    ("start", "end", "months"),
    [
        (date(2025, 1, 15), date(2026, 1, 15), 12),
        (date(2025, 1, 16), date(2026, 1, 15), 11),
        (date(2024, 7, 31), date(2026, 1, 31), 18),
        (date(2026, 3, 1), date(2026, 1, 15), 0),
    ],
)
def test_months_between(start: date, end: date, months: int) -> None:
    assert letter_age_months(start, end) == months


# --- invariants over random portfolios ----------------------------------------------------------

letters_strategy = st.lists(
    st.tuples(
        st.sampled_from([*L, None]),
        st.sampled_from(list(K)),
        st.sampled_from(list(S)),
        st.one_of(st.none(), st.integers(0, 40)),
        st.booleans(),
    ),
    max_size=12,
).map(lambda rows: [letter(f"W{i}", *row) for i, row in enumerate(rows)])


@settings(max_examples=200, deadline=None)
@given(letters_strategy, st.booleans(), st.booleans(), st.sampled_from([*Profile, None]))
def test_plan_invariants(
    letters: list[PortfolioLetter], reapplying: bool, active: bool, profile: Profile | None
) -> None:
    plan = plan_for(letters, reapplying=reapplying, clinically_active=active, profile=profile)
    by_name = {x.name: x for x in letters}
    comp, img = plan.assignments["competitive"], plan.assignments["img_friendly"]
    assert len(comp) <= 3 and len(img) <= 4
    assert [a.optional for a in img].count(True) <= 1 and not any(a.optional for a in img[:3])
    for assigned in (comp, img):
        assert len({a.name for a in assigned}) == len(assigned)
        for a in assigned:
            source = by_name[a.name]
            assert source.status is not S.declined and source.label is not L.suspect_negative
            assert a.potential == (source.status not in IN_HAND)
    for a in comp:
        assert by_name[a.name].label not in (L.weak, L.suspect_negative)
        assert by_name[a.name].status is not S.agreed_hedged
    used = {a.name for a in comp} | {a.name for a in img}
    dropped_all = {d.name for d in plan.drop if d.scope == "all"}
    spare = {s.name for s in plan.spare}
    assert used.isdisjoint(dropped_all) and used.isdisjoint(spare) and spare.isdisjoint(dropped_all)
    assert used | dropped_all | spare == set(by_name)
    must_drop = {x.name for x in letters if x.status is S.declined or x.label is L.suspect_negative}
    assert must_drop <= dropped_all
    strong_left_out = [x for x in letters if x.name in spare and x.label is L.strong]
    if strong_left_out:
        assert len(comp) == 3 and all(by_name[a.name].label is L.strong for a in comp)
    json.dumps(plan.model_dump(mode="json"))
