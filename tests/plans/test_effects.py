"""The effect of actions between two rounds, against hand-computed figures (no database)."""

from __future__ import annotations

import pytest

from plans.effects import (
    NOT_MEASURED,
    PROTECTED,
    TOO_SMALL,
    Member,
    PlannedAction,
    Round,
    effect_of,
    group_members,
    shown_result,
)
from scoring.engine import ModelParameters, Respondent


def person(role: str, kn: tuple[int, ...], nps: int | None = None, dept: str = "", other=4):
    likert = {d: (other, other, other) for d in ("awareness", "desire", "ability", "reinforcement")}
    likert["knowledge"] = kn
    return Member(Respondent(role=role, likert=likert, nps=nps), department=dept)


LEADERS = tuple(person("sponsor", (5, 5, 5), other=5) for _ in range(3))
# Knowledge 2.0, 2.333…, 3.0: mean 2.4444…, every one's barrier point is Knowledge.
BEFORE = Round(
    "Kick-off baseline",
    (
        *LEADERS,
        person("end_user", (2, 2, 2), nps=5, dept="Finance"),
        person("end_user", (2, 3, 2), nps=6, dept="Finance"),
        person("end_user", (3, 3, 3), nps=9, dept="Finance"),
    ),
    usage_index=72.0,
)
# Knowledge 3.667, 3.0, 4.0, 2.0: mean 3.1666…, barrier point Knowledge for two of four.
AFTER = Round(
    "Pre go-live",
    (
        *LEADERS,
        person("end_user", (4, 4, 3), nps=9, dept="Finance"),
        person("end_user", (3, 3, 3), nps=9, dept="Finance"),
        person("end_user", (4, 4, 4), nps=7, dept="Sales"),
        person("end_user", (2, 2, 2), nps=6, dept="Sales"),
    ),
    usage_index=80.0,
)
MODEL = ModelParameters()


def measures(effect) -> dict[str, tuple]:
    return {m.code: (m.before, m.after, m.change, m.note, m.verdict) for m in effect.measures}


class TestDimension:
    def test_knowledge_for_end_users_improved(self) -> None:
        effect = effect_of(PlannedAction(1, "knowledge", "end_users"), BEFORE, AFTER, MODEL)
        found = measures(effect)
        before, after, change, note, verdict = found["mean"]
        assert before == pytest.approx(22 / 9)
        assert after == pytest.approx(19 / 6)
        assert change == pytest.approx(19 / 6 - 22 / 9)  # +0.722
        assert (note, verdict) == ("", "better")
        assert found["barrier_share"][:3] == pytest.approx((100.0, 50.0, -50.0))
        assert found["barrier_share"][4] == "better"
        assert effect.state == "measured"
        assert (effect.before_round, effect.after_round) == ("Kick-off baseline", "Pre go-live")

    def test_an_unchanged_figure_says_so(self) -> None:
        effect = effect_of(PlannedAction(1, "awareness", "leadership"), BEFORE, AFTER, MODEL)
        assert measures(effect)["mean"] == (5.0, 5.0, 0.0, "", "unchanged")

    def test_a_group_under_the_minimum_size_is_not_measured(self) -> None:
        # Finance has three respondents before and two after: too small in the later round.
        effect = effect_of(
            PlannedAction(1, "knowledge", "department:Finance"), BEFORE, AFTER, MODEL
        )
        assert {m.note for m in effect.measures} == {TOO_SMALL}
        assert all(m.before is None and m.after is None for m in effect.measures)
        assert effect.state == "too_small"

    def test_a_department_of_the_minimum_size_is_measured(self) -> None:
        model = ModelParameters(min_group_size=2)
        effect = effect_of(
            PlannedAction(1, "knowledge", "department:Finance"), BEFORE, AFTER, model
        )
        before, after, change, *_ = measures(effect)["mean"]
        assert (before, after) == pytest.approx((22 / 9, (11 / 3 + 3.0) / 2))

    def test_a_department_that_would_reveal_a_smaller_one_is_not_measured(self) -> None:
        # Sales (2) is too small; with "all" and the Board shown on the report, Finance's
        # figures would give Sales' by subtraction, so the report hides Finance too.
        board = tuple(person("sponsor", (5, 5, 5), dept="Board", other=5) for _ in range(4))
        later = Round(
            "Pre go-live",
            (*board, *AFTER.members[3:5], person("end_user", (3, 3, 4), dept="Finance"),
             *AFTER.members[5:]),
        )  # fmt: skip
        assert len(group_members(later.members, "department:Finance")) == 3
        effect = effect_of(
            PlannedAction(1, "knowledge", "department:Finance"), BEFORE, later, MODEL
        )
        assert {m.note for m in effect.measures} == {PROTECTED}
        assert all(m.before is None and m.after is None for m in effect.measures)
        assert effect.state == "too_small"
        # The Board, large enough and revealing nobody, is measured.
        shown = effect_of(PlannedAction(1, "knowledge", "department:Board"), later, later, MODEL)
        assert shown.state == "measured"

    def test_without_a_later_round_nothing_is_measured_yet(self) -> None:
        effect = effect_of(PlannedAction(1, "knowledge", "end_users"), BEFORE, None, MODEL)
        assert {m.note for m in effect.measures} == {NOT_MEASURED}
        assert effect.state == "not_measured"

    def test_a_model_version_with_a_larger_minimum_applies_to_both_rounds(self) -> None:
        # The later round's model (minimum group size 5) measures both rounds alike: the end
        # users (3, then 4) are too small in both, never compared under two different rules.
        effect = effect_of(
            PlannedAction(1, "knowledge", "end_users"),
            BEFORE,
            AFTER,
            ModelParameters(min_group_size=5),
        )
        assert effect.state == "too_small"

    def test_a_model_version_with_another_barrier_line_applies_to_both_rounds(self) -> None:
        model = ModelParameters(barrier_max=2.0)
        effect = effect_of(PlannedAction(1, "knowledge", "end_users"), BEFORE, AFTER, model)
        # Barrier at ≤ 2.0: one of three before (2.0), one of four after (2.0).
        assert measures(effect)["barrier_share"][:3] == pytest.approx((100 / 3, 25.0, 25 - 100 / 3))


class TestFlags:
    def test_forced_adoption_measures_end_users_sentiment_and_usage(self) -> None:
        effect = effect_of(PlannedAction(2, "forced_adoption", "end_users"), BEFORE, AFTER, MODEL)
        found = measures(effect)
        # NPS before: 1 promoter, 2 detractors of 3 → −33.3, index 33.3; after: 2 and 1 of 4
        # → 25, index 62.5.
        assert found["sentiment_index"][:3] == pytest.approx((100 / 3, 62.5, 62.5 - 100 / 3))
        assert found["usage_index"][:3] == pytest.approx((72.0, 80.0, 8.0))

    def test_leadership_gap_in_points(self) -> None:
        effect = effect_of(PlannedAction(3, "leadership_gap", "end_users"), BEFORE, AFTER, MODEL)
        # Leaders 100; end users (4·75 + to100(2.444))/5 = 67.222 before, 70.833 after.
        before, after, change, note, verdict = measures(effect)["gap"]
        assert before == pytest.approx(100 - (300 + (22 / 9 - 1) * 25) / 5)
        assert after == pytest.approx(100 - (300 + (19 / 6 - 1) * 25) / 5)
        assert change == pytest.approx(after - before)
        assert verdict == "better"

    def test_leadership_gap_with_a_suppressed_group_is_too_small(self) -> None:
        thin = Round("Pilot", LEADERS[:2] + BEFORE.members[3:], usage_index=None)
        effect = effect_of(PlannedAction(3, "leadership_gap", "all"), thin, AFTER, MODEL)
        assert measures(effect)["gap"][3] == TOO_SMALL

    def test_say_do_gap_measures_usage_and_says_when_there_is_none(self) -> None:
        effect = effect_of(PlannedAction(4, "say_do_gap", "end_users"), BEFORE, AFTER, MODEL)
        assert measures(effect)["usage_index"][:3] == (72.0, 80.0, 8.0)
        no_usage = Round("Pre go-live", AFTER.members, usage_index=None)
        effect = effect_of(PlannedAction(4, "say_do_gap", "end_users"), BEFORE, no_usage, MODEL)
        assert measures(effect)["usage_index"][3] == NOT_MEASURED

    def test_the_stored_form_keeps_every_figure(self) -> None:
        effect = effect_of(PlannedAction(2, "forced_adoption", "end_users"), BEFORE, AFTER, MODEL)
        data = effect.as_dict()
        assert data["schema"] == 2 and data["state"] == "measured"
        assert [m["code"] for m in data["measures"]] == ["sentiment_index", "usage_index"]
        assert data["measures"][1]["change"] == 8.0


def test_group_members_by_role_and_department() -> None:
    assert len(group_members(AFTER.members, "all")) == 7
    assert len(group_members(AFTER.members, "leadership")) == 3
    assert len(group_members(AFTER.members, "end_users")) == 4
    assert len(group_members(AFTER.members, "department:Sales")) == 2


class TestEffectsStoredUnderTheEarlierRule:
    """Effects stored before schema 2 judged each group alone: they are shown only where the
    snapshot that measured them shows the group, as the report does."""

    def _stored(self, target: str, group: str, model: ModelParameters = MODEL) -> dict:
        data = effect_of(PlannedAction(1, target, group), BEFORE, AFTER, model).as_dict()
        return {**data, "schema": 1}

    BREAKDOWN = {
        "schema": 3,
        "groups": {
            "all": {"suppressed": False},
            "leadership": {"suppressed": False},
            "end_users": {"suppressed": True, "hidden_reason": "derivable"},
        },
        "segments": {
            "department": {
                "Finance": {"suppressed": True, "hidden_reason": "derivable"},
                "Sales": {"suppressed": True, "hidden_reason": "too_small"},
                "": {"suppressed": False},
            }
        },
    }

    def test_a_department_the_report_hides_loses_its_figures(self) -> None:
        stored = self._stored("knowledge", "department:Finance", ModelParameters(min_group_size=2))
        assert stored["state"] == "measured" and stored["measures"][0]["after"] is not None
        shown = shown_result(stored, self.BREAKDOWN)
        assert shown["state"] == "too_small"
        assert {m["note"] for m in shown["measures"]} == {PROTECTED}
        assert all(m["before"] is None and m["change"] is None for m in shown["measures"])

    def test_the_usage_index_stays_beside_a_hidden_sentiment(self) -> None:
        shown = shown_result(self._stored("forced_adoption", "end_users"), self.BREAKDOWN)
        by_code = {m["code"]: m for m in shown["measures"]}
        assert by_code["sentiment_index"]["after"] is None
        assert by_code["usage_index"]["after"] == 80.0
        assert shown["state"] == "measured"

    def test_a_group_the_report_shows_keeps_its_figures(self) -> None:
        stored = self._stored("awareness", "leadership")
        assert shown_result(stored, self.BREAKDOWN) == stored

    def test_effects_of_the_current_rule_are_shown_as_stored(self) -> None:
        current = effect_of(PlannedAction(1, "knowledge", "end_users"), BEFORE, AFTER, MODEL)
        stored = current.as_dict()
        assert shown_result(stored, self.BREAKDOWN) == stored
