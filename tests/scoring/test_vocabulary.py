"""The ADKAR vocabulary and the leadership roles: the models' choices and the engine agree."""

from __future__ import annotations

from readiness.models import ADKAR_DIMENSIONS, LEADERSHIP_ROLES, Dimension, RespondentRole
from scoring import engine


def test_the_models_adkar_dimensions_are_the_engines_in_the_same_order() -> None:
    assert tuple(ADKAR_DIMENSIONS) == engine.ADKAR
    assert {code: Dimension(code).label for code in engine.ADKAR} == engine.DIMENSION_LABELS


def test_leadership_and_end_users_split_the_respondent_roles_as_the_engine_does() -> None:
    assert frozenset(LEADERSHIP_ROLES) == engine.LEADERSHIP_ROLES
    assert frozenset(RespondentRole.values) - engine.LEADERSHIP_ROLES == engine.END_USER_ROLES
