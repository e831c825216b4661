"""The engine counts respondents alike (`engine.Tallies`) instead of listing them; its results
must be exactly those of the engine that listed them (`reference_engine`), whatever the input.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring import engine
from tests.scoring import reference_engine

values = st.lists(st.integers(min_value=1, max_value=5), max_size=4).map(tuple)
respondents = st.builds(
    engine.Respondent,
    role=st.sampled_from(["sponsor", "manager", "end_user", "end_user", "other"]),
    likert=st.dictionaries(st.sampled_from(engine.LIKERT_MEASURES), values),
    nps=st.none() | st.integers(min_value=0, max_value=10),
    segments=st.fixed_dictionaries(
        {},
        optional={
            engine.DEPARTMENT_SPLIT: st.sampled_from(["", "Sales", "Depot", " "]),
            "attribute:location": st.sampled_from(["", "Lyon", "Oslo"]),
        },
    ),
)
usages = st.none() | st.builds(
    engine.UsageFigures,
    active_users=st.integers(min_value=0, max_value=120),
    licensed_seats=st.none() | st.integers(min_value=1, max_value=100),
    features_used=st.integers(min_value=0, max_value=5),
    features_tracked=st.integers(min_value=0, max_value=5),
    stickiness=st.none() | st.floats(min_value=0, max_value=1),
)
models = st.builds(
    engine.ModelParameters,
    min_group_size=st.integers(min_value=1, max_value=5),
    barrier_max=st.sampled_from([3.0, 2.5, 10 / 3, 4.0]),
    leadership_gap_min=st.sampled_from([20.0, 5.0]),
)


@settings(max_examples=400, deadline=None)
@given(
    people=st.lists(respondents, max_size=40),
    invitations=st.integers(min_value=0, max_value=60),
    usage=usages,
    live=st.booleans(),
    model=models,
)
def test_the_counted_engine_gives_exactly_the_listed_engines_results(
    people, invitations, usage, live, model
) -> None:
    inputs = engine.ScoreInput(tuple(people), invitations, usage, live, model)
    assert engine.calculate(inputs).as_dict() == reference_engine.calculate(inputs).as_dict()
