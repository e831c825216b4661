"""The Adoption Readiness engine (SPEC §4): hand-computed cases and properties; no database."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import engine
from scoring.engine import ModelParameters, Respondent, ScoreInput, UsageFigures, calculate

DIMENSIONS = ("awareness", "desire", "knowledge", "ability", "reinforcement", "leadership")


def person(role: str, aw, de, kn, ab, re, ls, nps: int | None) -> Respondent:
    values = dict(zip(DIMENSIONS, (aw, de, kn, ab, re, ls), strict=True))
    return Respondent(role=role, likert={d: tuple(v) for d, v in values.items() if v}, nps=nps)


def uniform(role: str, value: int, nps: int | None = 8, **overrides: int) -> Respondent:
    """Return a respondent who answers every item of a dimension with the same value."""
    values = {d: (overrides.get(d, value),) * 3 for d in DIMENSIONS}
    return Respondent(role=role, likert=values, nps=nps)


WORKED = (
    person("sponsor", (5, 5, 4), (5, 4, 4), (4, 4, 3), (4, 3, 4), (4, 4, 4), (5, 5, 4), 9),
    person("end_user", (4, 4, 4), (3, 3, 2), (3, 2, 2), (3, 3, 2), (3, 3, 3), (3, 4, 3), 6),
    person("end_user", (4, 3, 4), (4, 4, 3), (2, 3, 2), (3, 2, 2), (3, 3, 2), (4, 3, 3), 8),
)
WORKED_USAGE = UsageFigures(
    active_users=60, licensed_seats=100, features_used=3, features_tracked=4
)


def flag_codes(result: engine.ScoreResult) -> set[str]:
    return {flag.code for flag in result.flags}


class TestWorkedExample:
    """SPEC §4's worked example, to three decimals."""

    @pytest.fixture
    def result(self) -> engine.ScoreResult:
        return calculate(ScoreInput(WORKED, invitations=3, usage=WORKED_USAGE, project_live=True))

    def test_element_means_and_indices(self, result: engine.ScoreResult) -> None:
        everyone = result.groups["all"]
        means = {d: round(v, 3) for d, v in everyone.element_means.items()}
        assert means == {
            "awareness": 4.111,
            "desire": 3.556,
            "knowledge": 2.778,
            "ability": 2.889,
            "reinforcement": 3.222,
        }
        assert round(everyone.adkar_index, 3) == 57.778
        assert round(everyone.leadership_index, 3) == 69.444
        assert everyone.nps == 0.0
        assert everyone.sentiment_index == 50.0

    def test_usage_index_is_65(self, result: engine.ScoreResult) -> None:
        assert result.usage.utilization == 0.6
        assert result.usage.feature_breadth == 0.75
        assert round(result.usage.index, 3) == 65.0

    def test_score_band_and_explanation(self, result: engine.ScoreResult) -> None:
        assert round(result.score, 3) == 60.972
        assert result.band == "at_risk"
        points = {c.name: round(c.points, 3) for c in result.components}
        assert points == {"adkar": 23.111, "leadership": 17.361, "sentiment": 7.5, "usage": 13.0}
        assert round(sum(c.points for c in result.components), 3) == 60.972
        assert result.missing_components == ()

    def test_barrier_distribution(self, result: engine.ScoreResult) -> None:
        shares = {k: round(v, 3) for k, v in result.groups["all"].barrier_distribution.items()}
        assert shares == {
            "awareness": 0.0,
            "desire": 0.333,
            "knowledge": 0.333,
            "ability": 0.0,
            "reinforcement": 0.0,
            "none": 0.333,
        }

    def test_small_groups_are_suppressed_and_only_low_confidence_is_raised(
        self, result: engine.ScoreResult
    ) -> None:
        assert result.groups["leadership"].suppressed and result.groups["end_users"].suppressed
        assert result.groups["leadership"].adkar_index is None
        assert result.groups["end_users"].element_means is None
        assert flag_codes(result) == {"low_confidence"}
        assert result.flags[0].figures["responses"] == 3

    def test_actions_follow_barriers_and_low_means(self, result: engine.ScoreResult) -> None:
        assert [a.dimension for a in result.actions] == ["desire", "knowledge", "ability"]
        knowledge = result.actions[1]
        assert knowledge.reasons == (
            "barrier point of 33% of all respondents",
            "mean 2.78 for all respondents",
        )

    def test_breakdown_is_plain_json(self, result: engine.ScoreResult) -> None:
        import json

        data = json.loads(json.dumps(result.as_dict()))
        assert data["schema"] == engine.BREAKDOWN_SCHEMA
        assert data["groups"]["end_users"] == {
            "group": "end_users",
            "responses": None,
            "suppressed": True,
            "element_means": None,
            "adkar_index": None,
            "leadership_index": None,
            "nps": None,
            "sentiment_index": None,
            "barrier_distribution": None,
            "nps_counts": None,
            "hidden_reason": "too_small",
        }
        assert data["figures_hidden"] is True
        assert data["groups"]["all"]["nps_counts"] == {
            "promoters": 1,
            "passives": 1,
            "detractors": 1,
        }
        assert data["confidence"] == {"responses": 3, "invitations": 3, "response_rate": 1.0}


class TestUsageIndex:
    def test_without_tracked_features_it_is_utilization(self) -> None:
        usage = engine.usage_breakdown(UsageFigures(active_users=30, licensed_seats=120))
        assert usage.feature_breadth is None and usage.index == 25.0

    def test_utilization_is_capped_at_one(self) -> None:
        usage = engine.usage_breakdown(
            UsageFigures(active_users=150, licensed_seats=100, features_used=4, features_tracked=4)
        )
        assert usage.utilization == 1.0 and usage.index == 100.0

    def test_missing_without_licensed_seats(self) -> None:
        usage = engine.usage_breakdown(UsageFigures(active_users=10, licensed_seats=None))
        assert usage.index is None
        result = calculate(ScoreInput((), 0, UsageFigures(10, None), project_live=True))
        assert result.score is None and "usage" in result.missing_components


class TestReweightingAndMissingData:
    def test_missing_usage_reweights_over_the_other_components(self) -> None:
        result = calculate(ScoreInput(WORKED, invitations=3, usage=None, project_live=True))
        expected = (40 * 57.7778 + 25 * 69.4444 + 15 * 50.0) / 80
        assert round(result.score, 3) == round(expected, 3) == 59.965
        assert result.missing_components == ("usage",)
        usage = next(c for c in result.components if c.name == "usage")
        assert usage.missing and usage.points is None

    def test_no_response_and_no_usage_is_not_enough_data_never_zero(self) -> None:
        result = calculate(ScoreInput((), invitations=12, usage=None, project_live=False))
        assert result.score is None and result.band is None
        assert set(result.missing_components) == {"adkar", "leadership", "sentiment", "usage"}
        assert result.groups["all"].suppressed

    def test_usage_alone_gives_the_usage_index(self) -> None:
        result = calculate(ScoreInput((), 0, WORKED_USAGE, project_live=True))
        assert result.score == pytest.approx(65.0) and result.band == "at_risk"

    def test_dont_know_leaves_an_element_out(self) -> None:
        # Awareness unanswered ("Don't know" everywhere): the barrier check skips it.
        skipped = Respondent("end_user", {"desire": (2, 3), "knowledge": (5,)}, nps=None)
        elements = engine.element_scores(skipped)
        assert elements["awareness"] is None and elements["desire"] == 2.5
        assert engine.barrier_point(elements) == "desire"
        alone = ModelParameters(min_group_size=1)
        result = calculate(ScoreInput((skipped,), 1, None, project_live=False, model=alone))
        assert result.groups["all"].adkar_index == pytest.approx((37.5 + 100) / 2)
        assert "sentiment" in result.missing_components

    def test_a_zero_weight_component_contributes_nothing(self) -> None:
        model = ModelParameters(
            weights={"adkar": 1.0, "leadership": 0.0, "sentiment": 0.0, "usage": 0.0}
        )
        result = calculate(ScoreInput(WORKED, 3, WORKED_USAGE, True, model))
        assert result.score == pytest.approx(57.7778, abs=1e-3)
        assert {c.name: c.points for c in result.components}["usage"] == 0.0


class TestBands:
    @pytest.mark.parametrize(
        ("score", "band"),
        [(70.0, "ready"), (69.99, "at_risk"), (50.0, "at_risk"), (49.99, "not_ready")],
    )
    def test_thresholds(self, score: float, band: str) -> None:
        assert engine.band_for(score, ModelParameters()) == band


def _group(role: str, count: int, value: int, nps: int | None = 8, **overrides: int):
    return tuple(uniform(role, value, nps, **overrides) for _ in range(count))


class TestFlags:
    def test_forced_adoption_with_its_figures(self) -> None:
        # Usage 55/60 seats, 4/4 features: (2*0.9167 + 1)/3 = 94.4; end users' NPS -100 -> 0.
        people = _group("sponsor", 3, 4, nps=9) + _group("end_user", 4, 3, nps=3)
        usage = UsageFigures(
            active_users=55, licensed_seats=60, features_used=4, features_tracked=4
        )
        result = calculate(ScoreInput(people, 8, usage, project_live=True))
        flag = next(f for f in result.flags if f.code == "forced_adoption")
        assert flag.figures["usage_index"] == pytest.approx(94.444, abs=1e-3)
        assert flag.figures["end_users_sentiment_index"] == 0.0
        assert "people use the product because they must" in flag.message

    def test_no_forced_adoption_when_end_users_are_content(self) -> None:
        people = _group("end_user", 4, 3, nps=9)
        usage = UsageFigures(active_users=60, licensed_seats=60)
        assert "forced_adoption" not in flag_codes(calculate(ScoreInput(people, 4, usage, True)))

    def test_leadership_gap_at_exactly_twenty_points(self) -> None:
        # Leaders answer 4 (index 75), end users 3.2 on average -> 55: a gap of 20.
        leaders = _group("manager", 3, 4)
        end_users = _group("end_user", 4, 3) + _group("end_user", 1, 4, nps=8)
        result = calculate(ScoreInput(leaders + end_users, 8, None, project_live=False))
        flag = next(f for f in result.flags if f.code == "leadership_gap")
        assert flag.figures["leadership_adkar_index"] == 75.0
        assert flag.figures["end_users_adkar_index"] == pytest.approx(55.0)
        assert flag.figures["gap"] == pytest.approx(20.0)

    def test_no_leadership_gap_below_twenty_points(self) -> None:
        leaders = _group("sponsor", 3, 4)
        end_users = _group("end_user", 3, 3) + _group("end_user", 2, 4)
        result = calculate(ScoreInput(leaders + end_users, 8, None, project_live=False))
        assert "leadership_gap" not in flag_codes(result)

    def test_no_leadership_gap_when_a_group_is_suppressed(self) -> None:
        leaders = _group("sponsor", 2, 5)
        end_users = _group("end_user", 5, 1)
        result = calculate(ScoreInput(leaders + end_users, 7, None, project_live=False))
        assert result.groups["leadership"].suppressed
        assert "leadership_gap" not in flag_codes(result)

    def test_say_do_gap_on_a_live_project(self) -> None:
        # End users K = A = 4.0 but 12 of 80 seats active: usage index 15.
        end_users = _group("end_user", 5, 4)
        usage = UsageFigures(active_users=12, licensed_seats=80)
        result = calculate(ScoreInput(end_users, 5, usage, project_live=True))
        flag = next(f for f in result.flags if f.code == "say_do_gap")
        assert flag.figures["end_users_knowledge_mean"] == 4.0
        assert flag.figures["usage_index"] == 15.0

    def test_no_say_do_gap_before_go_live_or_with_low_ability(self) -> None:
        usage = UsageFigures(active_users=12, licensed_seats=80)
        before = calculate(ScoreInput(_group("end_user", 5, 4), 5, usage, project_live=False))
        unable = calculate(ScoreInput(_group("end_user", 5, 4, ability=3), 5, usage, True))
        assert "say_do_gap" not in flag_codes(before) | flag_codes(unable)

    def test_low_confidence_from_the_response_rate(self) -> None:
        people = _group("end_user", 6, 4)
        result = calculate(ScoreInput(people, 21, None, project_live=False))
        flag = next(f for f in result.flags if f.code == "low_confidence")
        assert flag.figures["response_rate"] == pytest.approx(6 / 21)
        assert flag.message == "Read this score with care: a response rate of 29% (below 30%)."

    def test_enough_responses_and_rate_raise_no_low_confidence(self) -> None:
        result = calculate(ScoreInput(_group("end_user", 5, 4), 10, None, project_live=False))
        assert "low_confidence" not in flag_codes(result)


class TestSuppression:
    def test_a_group_at_the_minimum_size_is_shown(self) -> None:
        people = _group("end_user", 3, 4) + _group("sponsor", 3, 5)
        result = calculate(ScoreInput(people, 6, None, project_live=False))
        assert not result.groups["end_users"].suppressed
        assert result.groups["end_users"].adkar_index == 75.0
        assert result.groups["end_users"].responses == 3
        assert not result.figures_hidden

    def test_the_issue_example_hides_the_end_users_too(self) -> None:
        # Two leaders and three end users: "all" minus the end users would give the leaders.
        people = _group("end_user", 3, 2) + _group("sponsor", 2, 5, nps=9)
        result = calculate(ScoreInput(people, 5, None, project_live=False))
        leaders, end_users = result.groups["leadership"], result.groups["end_users"]
        assert leaders.suppressed and leaders.hidden_reason == "too_small"
        assert end_users.suppressed and end_users.hidden_reason == "derivable"
        assert leaders.responses is None and end_users.responses is None
        assert end_users.nps_counts is None and end_users.element_means is None
        assert result.groups["all"].responses == 5 and result.figures_hidden

    def test_the_whole_group_is_hidden_below_the_minimum(self) -> None:
        result = calculate(ScoreInput(_group("end_user", 2, 4), 5, None, project_live=False))
        assert result.groups["all"].suppressed and result.score is None

    def test_a_figure_too_few_answered_is_hidden_in_every_group(self) -> None:
        # Everyone answers the ADKAR items, but only two leaders give an NPS answer.
        people = _group("sponsor", 2, 4, nps=10) + _group("sponsor", 1, 4, nps=None)
        people += _group("end_user", 3, 4, nps=3)
        result = calculate(ScoreInput(people, 6, None, project_live=False))
        assert result.groups["leadership"].nps is None
        assert result.groups["leadership"].nps_counts is None
        assert result.groups["leadership"].adkar_index == 75.0
        assert result.groups["end_users"].nps is None
        assert result.groups["all"].nps_counts == {"promoters": 2, "passives": 0, "detractors": 3}

    def test_department_segments_are_judged_with_the_roles(self) -> None:
        def in_department(people: tuple[Respondent, ...], name: str) -> tuple[Respondent, ...]:
            return tuple(dataclasses.replace(p, segments={"department": name}) for p in people)

        people = in_department(_group("end_user", 4, 2), "Sales")
        people += in_department(_group("end_user", 3, 4), "Finance")
        people += in_department(_group("sponsor", 3, 5), "Finance")
        people += in_department(_group("end_user", 2, 1), "Legal")
        result = calculate(ScoreInput(people, 12, None, project_live=False))
        departments = result.segments["department"]
        assert departments["Legal"].hidden_reason == "too_small"
        # Sales is the smallest other department: all − Finance − Sales would give Legal.
        assert departments["Sales"].hidden_reason == "derivable"
        assert departments["Finance"].responses == 6
        assert departments["Finance"].element_means["awareness"] == pytest.approx(4.5)
        assert result.as_dict()["segments"]["department"]["Legal"]["responses"] is None

    def test_the_minimum_group_size_comes_from_the_model(self) -> None:
        people = _group("sponsor", 2, 5)
        model = ModelParameters(min_group_size=2)
        result = calculate(ScoreInput(people, 2, None, project_live=False, model=model))
        assert result.groups["leadership"].adkar_index == 100.0

    def test_a_suppressed_group_raises_no_action(self) -> None:
        # Two end users with a Desire barrier, hidden; leaders fine: no action reveals them.
        people = _group("sponsor", 4, 5) + _group("end_user", 2, 5, desire=2)
        result = calculate(ScoreInput(people, 6, None, project_live=False))
        assert result.groups["all"].barrier_distribution["desire"] == pytest.approx(1 / 3)
        assert result.groups["leadership"].hidden_reason == "derivable"
        assert [a.dimension for a in result.actions] == ["desire"]
        assert result.actions[0].reasons == ("barrier point of 33% of all respondents",)


# --- Properties ---------------------------------------------------------------------------

values = st.tuples(*(st.integers(1, 5) for _ in range(3)))
respondents = st.builds(
    lambda role, likert, nps: Respondent(role, likert, nps),
    st.sampled_from(["sponsor", "manager", "end_user"]),
    st.fixed_dictionaries({d: values for d in DIMENSIONS}),
    st.one_of(st.none(), st.integers(0, 10)),
)
usages = st.one_of(
    st.none(),
    st.builds(
        UsageFigures,
        active_users=st.integers(0, 500),
        licensed_seats=st.one_of(st.none(), st.integers(1, 400)),
        features_used=st.integers(0, 4),
        features_tracked=st.integers(0, 4),
    ),
)
weights = st.fixed_dictionaries(
    {c: st.floats(0, 100, allow_nan=False) for c in engine.COMPONENTS}
).filter(lambda w: any(v > 0.01 for v in w.values()))


@settings(max_examples=60, deadline=None)
@given(people=st.lists(respondents, max_size=12), usage=usages, model_weights=weights)
def test_the_score_is_between_0_and_100_or_missing(people, usage, model_weights) -> None:
    model = ModelParameters(weights=model_weights)
    result = calculate(ScoreInput(tuple(people), len(people) + 2, usage, True, model))
    assert result.score is None or 0.0 <= result.score <= 100.0 + 1e-9
    assert (result.score is None) == (result.band is None)


@settings(max_examples=60, deadline=None)
@given(
    people=st.lists(respondents, min_size=1, max_size=8),
    who=st.integers(0, 7),
    dimension=st.sampled_from(DIMENSIONS[:5]),
    item=st.integers(0, 2),
)
def test_raising_one_answer_never_lowers_its_dimension(people, who, dimension, item) -> None:
    who %= len(people)
    # About means, not suppression: every group is shown.
    alone = ModelParameters(min_group_size=1)
    before = calculate(ScoreInput(tuple(people), len(people), None, False, alone))
    chosen = people[who]
    answers = list(chosen.likert[dimension])
    answers[item] = min(answers[item] + 1, 5)
    raised = dataclasses.replace(chosen, likert={**chosen.likert, dimension: tuple(answers)})
    after = calculate(
        ScoreInput(
            tuple(people[:who] + [raised] + people[who + 1 :]), len(people), None, False, alone
        )
    )
    assert after.groups["all"].element_means[dimension] >= (
        before.groups["all"].element_means[dimension] - 1e-9
    )
    assert after.groups["all"].adkar_index >= before.groups["all"].adkar_index - 1e-9


@settings(max_examples=40, deadline=None)
@given(people=st.lists(respondents, max_size=10), usage=usages, seed=st.randoms())
def test_the_order_of_respondents_never_matters(people, usage, seed) -> None:
    shuffled = list(people)
    seed.shuffle(shuffled)
    first = calculate(ScoreInput(tuple(people), 10, usage, True)).as_dict()
    second = calculate(ScoreInput(tuple(shuffled), 10, usage, True)).as_dict()
    assert first["flags"] == second["flags"] and first["actions"] == second["actions"]
    assert (
        first["score"] == pytest.approx(second["score"])
        if first["score"] is not None
        else (second["score"] is None)
    )
    for name, group in first["groups"].items():
        other = second["groups"][name]
        assert group["suppressed"] == other["suppressed"]
        if not group["suppressed"]:
            assert group["element_means"] == pytest.approx(other["element_means"])
            assert group["barrier_distribution"] == pytest.approx(other["barrier_distribution"])


@settings(max_examples=40, deadline=None)
@given(
    people=st.lists(respondents, max_size=8),
    usage=usages,
    model_weights=weights,
    factor=st.floats(0.01, 1000, allow_nan=False),
)
def test_multiplying_all_weights_by_a_constant_changes_nothing(
    people, usage, model_weights, factor
) -> None:
    scaled = {name: weight * factor for name, weight in model_weights.items()}
    base = calculate(ScoreInput(tuple(people), 8, usage, True, ModelParameters(model_weights)))
    times = calculate(ScoreInput(tuple(people), 8, usage, True, ModelParameters(scaled)))
    if base.score is None:
        assert times.score is None
    else:
        assert times.score == pytest.approx(base.score, abs=1e-6)
        assert times.band == base.band or abs(base.score - 50) < 1e-6 or abs(base.score - 70) < 1e-6


class TestNonFiniteFigures:
    @pytest.mark.parametrize(
        "weights",
        [
            {"adkar": 1e308, "leadership": 25.0, "sentiment": 15.0, "usage": 1e308},
            {"adkar": float("inf"), "leadership": 25.0, "sentiment": 15.0, "usage": 20.0},
            {"adkar": float("nan"), "leadership": 25.0, "sentiment": 15.0, "usage": 20.0},
        ],
    )
    def test_weights_that_give_no_finite_score_are_refused(self, weights) -> None:
        inputs = ScoreInput(
            respondents=WORKED,
            invitations=4,
            usage=WORKED_USAGE,
            project_live=True,
            model=ModelParameters(weights=weights),
        )
        with pytest.raises(engine.InvalidInput, match="must be a finite number"):
            calculate(inputs)

    def test_a_non_finite_threshold_is_refused(self) -> None:
        inputs = ScoreInput(
            respondents=WORKED,
            invitations=4,
            usage=WORKED_USAGE,
            project_live=True,
            model=ModelParameters(ready_threshold=float("nan")),
        )
        with pytest.raises(engine.InvalidInput, match="ready_threshold is nan"):
            calculate(inputs)
