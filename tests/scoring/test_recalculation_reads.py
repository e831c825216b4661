"""What a recalculation reads and writes, checked against the definitions it must keep.

The reads are hand-written statements and the fingerprint is assembled from the rows' parts
(docs/scoring.md, Performance): the engine must get the respondents the responses say, the
fingerprint must stay the documented one (so that unchanged evidence stores no new snapshot
after an upgrade), and the portfolio's figures must be those its SQL reading gives.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
from dataclasses import asdict

import pytest

from readiness.models import Project
from scoring import engine, evidence, services
from scoring.models import ScoreSnapshot
from tests.factories import AssessmentFactory, ProjectFactory, answers, submitted_response

pytestmark = pytest.mark.django_db

PREFIXES = {"aw": "awareness", "de": "desire", "kn": "knowledge", "ab": "ability"}
PREFIXES |= {"re": "reinforcement", "ls": "leadership"}
ROLES = ("sponsor", "manager", "end_user", "end_user", "end_user")
DEPARTMENTS = ("", "Sales", "Sales", "Depot", " Depot ")


def documented_fingerprint(inputs: engine.ScoreInput, assessment_id: int, model_id: int) -> str:
    """Return the fingerprint as docs/scoring.md defines it (and as it was always computed)."""
    respondents = repr(
        sorted(
            (r.role, tuple(sorted(r.likert.items())), r.nps, tuple(sorted(r.segments.items())))
            for r in inputs.respondents
        )
    )
    payload = {
        "respondents": respondents,
        "invitations": inputs.invitations,
        "usage": asdict(inputs.usage) if inputs.usage is not None else None,
        "live": inputs.project_live,
        "model": model_id,
        "assessment": assessment_id,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def random_project(workspace, rng: random.Random, count: int) -> tuple[Project, list]:
    """Return a project with `count` random submitted responses and the respondents they are."""
    project = ProjectFactory(account__workspace=workspace, status=rng.choice(["live", "pilot"]))
    assessment = AssessmentFactory(project=project)
    expected = []
    for _ in range(count):
        values = {
            prefix: tuple(rng.choice([1, 2, 3, 4, 5, 5, None]) for _ in range(3))
            for prefix in PREFIXES
        }
        nps = rng.choice([None, 0, 6, 7, 9, 10])
        role, department = rng.choice(ROLES), rng.choice(DEPARTMENTS)
        response = submitted_response(
            assessment=assessment,
            role=role,
            values=answers(nps=nps, **values),
            department=department,
        )
        attributes = rng.choice([{}, {"location": "Lyon"}, {"location": "Oslo", "team": " "}])
        response.invitation.attributes = attributes
        response.invitation.save(update_fields=["attributes"])
        likert = {
            PREFIXES[prefix]: tuple(sorted(v for v in chosen if v is not None))
            for prefix, chosen in sorted(values.items(), key=lambda pair: PREFIXES[pair[0]])
            if any(v is not None for v in chosen)
        }
        segments = evidence.respondent_segments(department, attributes)
        expected.append(engine.Respondent(role=role, likert=likert, nps=nps, segments=segments))
    return project, expected


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_engine_gets_the_responses_and_the_documented_fingerprint(workspace, seed) -> None:
    project, expected = random_project(workspace, random.Random(seed), 12)
    model = services.scoring_model_ensure(workspace=workspace)
    read = evidence.evidence_for_projects([project.pk], models={workspace.pk: model})[project.pk]
    assert read.inputs.respondents == tuple(expected)
    assert read.fingerprint == documented_fingerprint(read.inputs, read.assessment_id, model.pk)
    snapshot = services.project_recalculate(project_id=project.pk)
    assert snapshot.fingerprint == read.fingerprint
    assert snapshot.breakdown == engine.calculate(read.inputs).as_dict()
    assert services.project_recalculate(project_id=project.pk) is None


def test_respondents_alike_but_for_a_missing_nps_answer_are_scored(workspace) -> None:
    # Sorting them for the fingerprint compared None with a number and failed the whole batch.
    project = ProjectFactory(account__workspace=workspace)
    assessment = AssessmentFactory(project=project)
    alike = dict(aw=(4, 4, 4), de=(3, 3, 3), kn=(4, 4, 4), ab=(4, 4, 4), re=(4, 4, 4))
    for nps in (None, 9, None, 7, 9, None):
        submitted_response(assessment=assessment, values=answers(nps=nps, **alike))
    snapshot = services.project_recalculate(project_id=project.pk)
    assert snapshot.responses == 6
    assert snapshot.breakdown["groups"]["all"]["nps_counts"] == {
        "promoters": 2,
        "passives": 1,
        "detractors": 0,
    }
    assert services.project_recalculate(project_id=project.pk) is None


STANDING = [*services.STANDING_FIELDS, *(f"flag_{code}" for code in engine.FLAG_LABELS)]


def standing(project: Project) -> dict:
    return dict(Project.objects.filter(pk=project.pk).values(*STANDING).get())


def assert_standing_as_sql_reads_it(project: Project) -> dict:
    """Assert the figures a recalculation stored are those of the portfolio's SQL reading."""
    stored = standing(project)
    Project.objects.filter(pk=project.pk).update(latest_score=None, previous_score=None)
    services.project_standings_refresh(project_ids=[project.pk])
    assert stored == standing(project)
    return stored


class TestPortfolioFigures:
    def test_first_second_round_and_model_change(self, workspace, monkeypatch) -> None:
        usage = engine.UsageFigures(active_users=60, licensed_seats=100, window_end="2026-10-03")
        monkeypatch.setattr(
            "scoring.evidence.usage_figures_for_projects", lambda project_ids: {project.pk: usage}
        )
        project = ProjectFactory(account__workspace=workspace, status="live")
        first = AssessmentFactory(project=project)
        for value in (2, 3, 4):
            submitted_response(assessment=first, values=answers(aw=(value,) * 3, nps=9))
        services.project_recalculate(project_id=project.pk)
        figures = assert_standing_as_sql_reads_it(project)
        assert figures["previous_score"] is None and figures["last_usage_on"] == datetime.date(
            2026, 10, 3
        )

        second = AssessmentFactory(
            project=project, opens_on=datetime.date(2026, 11, 1), closes_on=None
        )
        for value in (4, 5, 5):
            submitted_response(assessment=second, values=answers(aw=(value,) * 3, nps=10))
        services.project_recalculate(project_id=project.pk)
        figures = assert_standing_as_sql_reads_it(project)
        assert figures["change"] > 0 and not figures["model_changed"]

        submitted_response(assessment=second, values=answers(aw=(1, 1, 1), nps=0))
        services.scoring_model_revise(workspace=workspace, user=None, weight_usage=40)
        services.project_recalculate(project_id=project.pk)
        figures = assert_standing_as_sql_reads_it(project)
        assert figures["change"] is None and figures["model_changed"]
        assert figures["flag_low_confidence"] and figures["latest_flags"] == ["low_confidence"]

    def test_a_backdated_snapshot_leaves_the_latest_figures(self, workspace) -> None:
        project = ProjectFactory(account__workspace=workspace)
        assessment = AssessmentFactory(project=project)
        for value in (2, 3, 4):
            submitted_response(assessment=assessment, values=answers(aw=(value,) * 3))
        services.project_recalculate(project_id=project.pk)
        latest = ScoreSnapshot.objects.get(project=project)
        submitted_response(assessment=assessment, values=answers(aw=(5, 5, 5)))
        services.projects_recalculate(
            project_ids=[project.pk],
            calculated_at=latest.created_at - datetime.timedelta(days=1),
        )
        assert project.snapshots.count() == 2
        figures = assert_standing_as_sql_reads_it(project)
        assert figures["latest_at"] == latest.created_at
        assert figures["latest_score"] == latest.score
