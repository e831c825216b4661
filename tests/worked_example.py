"""SPEC §4's worked example: three submitted responses, used across the test suite."""

from __future__ import annotations

from readiness.models import Assessment
from tests.factories import answers, submitted_response

WORKED_RESPONSES = (
    ("sponsor", answers(aw=(5, 5, 4), de=(5, 4, 4), kn=(4, 4, 3), ab=(4, 3, 4), re=(4, 4, 4),
                        ls=(5, 5, 4), nps=9)),
    ("end_user", answers(aw=(4, 4, 4), de=(3, 3, 2), kn=(3, 2, 2), ab=(3, 3, 2), re=(3, 3, 3),
                         ls=(3, 4, 3), nps=6)),
    ("end_user", answers(aw=(4, 3, 4), de=(4, 4, 3), kn=(2, 3, 2), ab=(3, 2, 2), re=(3, 3, 2),
                         ls=(4, 3, 3), nps=8)),
)  # fmt: skip


def add_worked_example(assessment: Assessment) -> None:
    """Store SPEC §4's three submitted responses on `assessment`."""
    for role, values in WORKED_RESPONSES:
        submitted_response(assessment=assessment, role=role, values=values)
