"""The one suppression rule (SPEC §11): hand-made cases and a property; no database."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.suppression import (
    ALL,
    ALL_REF,
    DERIVABLE,
    TOO_SMALL,
    Disclosure,
    Population,
    Split,
    disclose,
)


def split(name: str, **segments: set[int]) -> Split:
    return Split(name, {key: frozenset(members) for key, members in segments.items()})


def rank(rows: list[list[int]]) -> int:
    """Return the rank of an integer matrix by Gaussian elimination over the rationals."""
    matrix = [[Fraction(value) for value in row] for row in rows]
    found, columns = 0, len(matrix[0]) if matrix else 0
    for column in range(columns):
        pivot = next((i for i in range(found, len(matrix)) if matrix[i][column]), None)
        if pivot is None:
            continue
        matrix[found], matrix[pivot] = matrix[pivot], matrix[found]
        for i in range(len(matrix)):
            if i != found and matrix[i][column]:
                factor = matrix[i][column] / matrix[found][column]
                matrix[i] = [a - factor * b for a, b in zip(matrix[i], matrix[found], strict=True)]
        found += 1
    return found


def computable(target: frozenset[int], shown: list[frozenset[int]], people: list[int]) -> bool:
    """Return whether every sum over `target` follows from the sums over the `shown` sets.

    Each set is its 0/1 vector over the respondents; a sum over it (of answers, of promoters,
    of people) is that vector times the respondents' values. The target's sums are computable
    for all values exactly when its vector is a linear combination of the shown vectors.
    """

    def vector(members: frozenset[int]) -> list[int]:
        return [int(person in members) for person in people]

    rows = [vector(members) for members in shown]
    return rank([*rows, vector(target)]) == rank(rows) if rows else not target


def all_sets(population: Population) -> dict[tuple[str, str], frozenset[int]]:
    sets = {ALL_REF: frozenset(population.everyone)}
    for each in population.splits:
        for key, members in each.segments.items():
            sets[(each.name, key)] = frozenset(members)
    return sets


class TestTheIssueExample:
    """Two leaders and three end users (issue 13): the leaders' figures must not come back."""

    def disclosure(self) -> Disclosure:
        return disclose(
            Population(
                everyone=frozenset(range(5)),
                splits=(split("role", leadership={0, 1}, end_users={2, 3, 4}),),
                min_group_size=3,
            )
        )

    def test_the_small_group_is_hidden_as_too_small(self) -> None:
        assert self.disclosure().reason("role", "leadership") == TOO_SMALL

    def test_the_other_group_is_hidden_because_all_minus_it_gives_the_leaders(self) -> None:
        disclosure = self.disclosure()
        assert disclosure.reason("role", "end_users") == DERIVABLE
        assert disclosure.shows(ALL, ALL)
        assert disclosure.figures_hidden

    def test_nothing_is_hidden_when_every_group_is_large_enough(self) -> None:
        disclosure = disclose(
            Population(
                everyone=frozenset(range(6)),
                splits=(split("role", leadership={0, 1, 2}, end_users={3, 4, 5}),),
            )
        )
        assert disclosure.hidden == {}
        assert not disclosure.figures_hidden


def test_the_smallest_other_segment_of_the_split_is_the_one_hidden() -> None:
    disclosure = disclose(
        Population(
            everyone=frozenset(range(11)),
            splits=(split("department", a={0, 1}, b={2, 3, 4, 5}, c={6, 7, 8, 9, 10}),),
        )
    )
    assert disclosure.reason("department", "a") == TOO_SMALL
    assert disclosure.reason("department", "b") == DERIVABLE
    assert disclosure.shows("department", "c")


def test_an_empty_segment_needs_no_protection() -> None:
    disclosure = disclose(
        Population(
            everyone=frozenset(range(6)),
            splits=(split("department", a=set(), b={0, 1, 2}, c={3, 4, 5}),),
        )
    )
    assert disclosure.reason("department", "a") == TOO_SMALL
    assert disclosure.shows("department", "b") and disclosure.shows("department", "c")
    assert not disclosure.figures_hidden


def test_two_splits_shown_together_cannot_be_combined_to_recover_a_segment() -> None:
    # "x" (2 people) is too small; "all − y" would give it, so "y" goes too, and the role
    # figures shown beside them must not give it either (the property checks every case).
    population = Population(
        everyone=frozenset(range(7)),
        splits=(
            split("role", leadership={0, 1, 2}, end_users={3, 4, 5, 6}),
            split("department", x={0, 1}, y={2, 3, 4, 5, 6}),
        ),
    )
    disclosure = disclose(population)
    sets = all_sets(population)
    shown = [members for ref, members in sets.items() if ref not in disclosure.hidden]
    assert disclosure.reason("department", "x") == TOO_SMALL
    assert not computable(sets[("department", "x")], shown, list(range(7)))


def test_the_whole_group_is_hidden_below_the_minimum() -> None:
    disclosure = disclose(Population(everyone=frozenset({1, 2}), min_group_size=3))
    assert not disclosure.shows(ALL, ALL)


def test_a_cell_answered_by_too_few_is_hidden_with_its_complement() -> None:
    # Everybody is in a large enough group, but only two leaders gave an NPS answer.
    disclosure = disclose(
        Population(
            everyone=frozenset(range(8)),
            splits=(split("role", leadership={0, 1, 2, 3}, end_users={4, 5, 6, 7}),),
            answered={"nps": frozenset({0, 1, 4, 5, 6, 7})},
        )
    )
    assert disclosure.shows("role", "leadership")
    assert not disclosure.shows_cell("role", "leadership", "nps")
    assert not disclosure.shows_cell("role", "end_users", "nps")
    assert disclosure.shows_cell(ALL, ALL, "nps")
    assert disclosure.shows_cell("role", "end_users", "awareness")


def test_a_split_cannot_take_the_name_of_the_whole_group() -> None:
    with pytest.raises(ValueError, match="cannot be named"):
        disclose(Population(everyone=frozenset({1}), splits=(split(ALL, a={1}),)))


# --- The property -------------------------------------------------------------------------

respondents = st.lists(
    st.tuples(
        st.sampled_from(("leadership", "end_users", "other")),
        st.sampled_from(("north", "south", "east", "west", "")),
        st.booleans(),
    ),
    max_size=16,
)


@settings(max_examples=300, deadline=None)
@given(people=respondents, minimum=st.integers(min_value=1, max_value=4))
def test_no_suppressed_segment_or_cell_can_be_computed_from_what_is_shown(
    people: list[tuple[str, str, bool]], minimum: int
) -> None:
    ids = list(range(len(people)))
    roles: dict[str, set[int]] = {}
    departments: dict[str, set[int]] = {}
    for person, (role, department, _) in enumerate(people):
        roles.setdefault(role, set()).add(person)
        departments.setdefault(department or "no department", set()).add(person)
    answered = frozenset(person for person, (_, _, gave) in enumerate(people) if gave)
    population = Population(
        everyone=frozenset(ids),
        splits=(split("role", **roles), split("department", **departments)),
        min_group_size=minimum,
        answered={"nps": answered},
    )
    disclosure = disclose(population)
    sets = all_sets(population)

    shown = [members for ref, members in sets.items() if disclosure.shows(*ref)]
    for ref, members in sets.items():
        if disclosure.shows(*ref):
            assert len(members) >= minimum, ref
        elif members:
            # Its count, means and distributions are sums over it: none may be computable.
            assert not computable(members, shown, ids), ref

    cells = {ref: members & answered for ref, members in sets.items()}
    shown_cells = [members for ref, members in cells.items() if disclosure.shows_cell(*ref, "nps")]
    for ref, members in cells.items():
        if disclosure.shows_cell(*ref, "nps"):
            # Nobody answered: the cell holds no figure at all.
            assert len(members) >= minimum or not members, ref
        elif members:
            assert not computable(members, shown_cells, ids), ref

    if all(len(members) >= minimum for members in sets.values()):
        assert not disclosure.hidden


# --- Over time ----------------------------------------------------------------------------


def test_submitting_one_at_a_time_never_shows_fewer_than_the_minimum_new_responses() -> None:
    from scoring.suppression import disclosed_count

    shown_states, previous = [], 0
    for submitted in range(0, 20):
        previous = disclosed_count(submitted=submitted, previous=previous, min_group_size=3)
        if previous and (not shown_states or shown_states[-1] != previous):
            shown_states.append(previous)
    assert shown_states == [3, 6, 9, 12, 15, 18]


@settings(max_examples=300)
@given(
    minimum=st.integers(1, 6),
    steps=st.lists(st.integers(0, 4), max_size=30),
    change_at=st.integers(0, 30),
    new_minimum=st.integers(1, 6),
)
def test_two_shown_states_always_differ_by_at_least_the_minimum(
    minimum: int, steps: list[int], change_at: int, new_minimum: int
) -> None:
    from scoring.suppression import disclosed_count

    submitted, previous, shown = 0, 0, [0]
    for index, step in enumerate(steps):
        submitted += step
        current_minimum = minimum if index < change_at else new_minimum
        previous = disclosed_count(
            submitted=submitted, previous=previous, min_group_size=current_minimum
        )
        assert previous <= submitted
        if previous != shown[-1]:
            assert previous >= current_minimum
            assert previous - shown[-1] >= current_minimum
            shown.append(previous)
        # The database remembers the largest state shown, as `previous` does here.
        assert previous == shown[-1]


# --- What the engine stores (and so every page, PDF and CSV shows) -------------------------


@settings(max_examples=150, deadline=None)
@given(
    people=st.lists(
        st.tuples(
            st.sampled_from(("sponsor", "manager", "end_user")),
            st.sampled_from(("Sales", "Legal", "Ops", "")),
            st.one_of(st.none(), st.integers(0, 10)),
        ),
        max_size=14,
    ),
    minimum=st.integers(2, 4),
)
def test_no_hidden_group_of_a_calculation_can_be_computed_from_its_shown_groups(
    people: list[tuple[str, str, int | None]], minimum: int
) -> None:
    from scoring import engine

    respondents = tuple(
        engine.Respondent(
            role,
            {d: (3,) for d in engine.ADKAR},
            nps,
            segments={"department": department} if department else {},
        )
        for role, department, nps in people
    )
    model = engine.ModelParameters(min_group_size=minimum)
    result = engine.calculate(engine.ScoreInput(respondents, len(people), None, False, model))
    ids = list(range(len(people)))
    members = {
        ("all", "all"): frozenset(ids),
        ("role", "leadership"): frozenset(i for i, p in enumerate(people) if p[0] != "end_user"),
        ("role", "end_users"): frozenset(i for i, p in enumerate(people) if p[0] == "end_user"),
    }
    figures = {
        ("all", "all"): result.groups["all"],
        ("role", "leadership"): result.groups["leadership"],
        ("role", "end_users"): result.groups["end_users"],
    }
    for key, group in result.segments.get("department", {}).items():
        members[("department", key)] = frozenset(i for i, p in enumerate(people) if p[1] == key)
        figures[("department", key)] = group
    shown = [members[ref] for ref, group in figures.items() if not group.suppressed]
    for ref, group in figures.items():
        if group.suppressed:
            assert group.responses is None and group.element_means is None
            if members[ref]:
                assert not computable(members[ref], shown, ids), ref
        else:
            assert group.responses == len(members[ref]) >= minimum
    # NPS counts are sums over those who answered: the same holds for them.
    answered = frozenset(i for i, p in enumerate(people) if p[2] is not None)
    shown_nps = [
        members[ref] & answered for ref, group in figures.items() if group.nps_counts is not None
    ]
    for ref, group in figures.items():
        if group.nps_counts is None and members[ref] & answered:
            assert not computable(members[ref] & answered, shown_nps, ids), ref
