"""What a recalculation reads and writes, checked against the definitions it must keep.

The reads are hand-written statements (docs/scoring.md, Performance): the engine must get the
respondents the responses say, counted (`engine.Tallies`) from the responses' summaries, which
the first recalculation that reads a response writes; the fingerprint must be the documented
one; and the portfolio's figures must be those its SQL reading gives.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import random
from collections import Counter
from dataclasses import asdict, replace

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from readiness.models import Project, Response
from scoring import engine, evidence, services
from scoring.models import ResponseSummary, ScoreSnapshot
from tests.factories import AssessmentFactory, ProjectFactory, answers, submitted_response

pytestmark = pytest.mark.django_db

PREFIXES = {"aw": "awareness", "de": "desire", "kn": "knowledge", "ab": "ability"}
PREFIXES |= {"re": "reinforcement", "ls": "leadership"}
ROLES = ("sponsor", "manager", "end_user", "end_user", "end_user")
DEPARTMENTS = ("", "Sales", "Sales", "Depot", " Depot ")


def documented_fingerprint(
    respondents: list[engine.Respondent],
    inputs: engine.ScoreInput,
    assessment_id: int,
    model_id: int,
) -> str:
    """Return the fingerprint as docs/scoring.md §3 defines it, from the respondents."""
    people: Counter = Counter()
    sums: Counter = Counter()
    for r in respondents:
        segments = [[split, value] for split, value in sorted(r.segments.items()) if value]
        barrier = engine.barrier_point(engine.element_scores(r), inputs.model.barrier_max)
        nps = -1 if r.nps is None else r.nps
        answered = sorted(measure for measure, answers in r.likert.items() if answers)
        people[json.dumps([r.role, segments, barrier, nps, answered])] += 1
        for measure in answered:
            total, count = sum(r.likert[measure]), len(r.likert[measure])
            sums[json.dumps([r.role, segments, measure, total, count])] += 1
    payload = {
        "people": sorted([*json.loads(key), n] for key, n in people.items()),
        "sums": sorted([*json.loads(key), n] for key, n in sums.items()),
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


def tallied(tallies: engine.Tallies) -> tuple[Counter, Counter]:
    """Return the tallies without their order (which the database does not fix)."""
    return Counter(tallies.people), Counter(tallies.sums)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_engine_gets_the_responses_and_the_documented_fingerprint(workspace, seed) -> None:
    project, expected = random_project(workspace, random.Random(seed), 12)
    model = services.scoring_model_ensure(workspace=workspace)
    read = evidence.evidence_for_projects([project.pk], models={workspace.pk: model})[project.pk]
    listed = replace(read.inputs, respondents=tuple(expected), tallies=None)
    assert tallied(read.inputs.counted()) == tallied(listed.counted())
    # The figures from the database's counts are those of the respondents listed, exactly.
    assert engine.calculate(read.inputs).as_dict() == engine.calculate(listed).as_dict()
    assert read.fingerprint == documented_fingerprint(
        expected, read.inputs, read.assessment_id, model.pk
    )
    snapshot = services.project_recalculate(project_id=project.pk)
    assert snapshot.fingerprint == read.fingerprint
    assert snapshot.breakdown == engine.calculate(read.inputs).as_dict()
    assert services.project_recalculate(project_id=project.pk) is None


def test_only_the_first_responses_that_may_be_shown_are_counted(workspace) -> None:
    # Seven responses, groups of at least three: the first six submitted are shown.
    project = ProjectFactory(account__workspace=workspace)
    assessment = AssessmentFactory(project=project)
    start = timezone.now() - datetime.timedelta(hours=1)
    for minute, value in enumerate((1, 2, 3, 4, 5, 5, 1)):
        response = submitted_response(assessment=assessment, values=answers(aw=(value,) * 3))
        Response.objects.filter(pk=response.pk).update(
            submitted_at=start + datetime.timedelta(minutes=minute)
        )
    snapshot = services.project_recalculate(project_id=project.pk)
    assert snapshot.responses == 6
    # (1 + 2 + 3 + 4 + 5 + 5) / 6, the seventh (1) left out.
    assert snapshot.breakdown["groups"]["all"]["element_means"]["awareness"] == 20 / 6


def test_a_mean_exactly_at_the_barrier_maximum_is_a_barrier(workspace) -> None:
    project = ProjectFactory(account__workspace=workspace)
    assessment = AssessmentFactory(project=project)
    high = dict(de=(5, 5, 5), kn=(5, 5, 5), ab=(5, 5, 5), re=(5, 5, 5))
    for awareness in ((3, 3, 3), (3, 3, 4), (2, 4, 3)):
        submitted_response(assessment=assessment, values=answers(aw=awareness, **high))
    snapshot = services.project_recalculate(project_id=project.pk)
    # Means 3.0 and 3.0 reach the maximum of 3.0; 3.33 does not.
    assert snapshot.breakdown["groups"]["all"]["barrier_distribution"]["awareness"] == 2 / 3


class TestResponseSummaries:
    def test_each_response_is_summarised_once_by_the_first_recalculation(self, workspace):
        project = ProjectFactory(account__workspace=workspace)
        assessment = AssessmentFactory(project=project)
        for nps in (9, None, 3):
            submitted_response(
                assessment=assessment,
                values=answers(aw=(5, None, 4), ls=(2, 2, 3), nps=nps, re=(None,) * 3),
            )
        draft = submitted_response(
            assessment=assessment, values=answers(aw=(1, 1, 1)), status="draft"
        )
        services.project_recalculate(project_id=project.pk)
        summaries = ResponseSummary.objects.filter(assessment=assessment)
        assert summaries.count() == 3 and not summaries.filter(response=draft).exists()
        summary = summaries.filter(nps=9).get()
        assert (summary.awareness_total, summary.awareness_answered) == (9, 2)
        assert (summary.leadership_total, summary.leadership_answered) == (7, 3)
        assert (summary.reinforcement_total, summary.reinforcement_answered) == (0, 0)
        assert summaries.filter(nps__isnull=True).count() == 1

        # Unchanged: read from the summaries alone, nothing summarised again.
        with CaptureQueriesContext(connection) as queries:
            assert services.project_recalculate(project_id=project.pk) is None
        assert not [q for q in queries.captured_queries if "INSERT" in q["sql"]]

    def test_a_later_response_is_summarised_by_the_next_recalculation(self, workspace):
        project = ProjectFactory(account__workspace=workspace)
        assessment = AssessmentFactory(project=project)
        for value in (2, 3, 4):
            submitted_response(assessment=assessment, values=answers(aw=(value,) * 3))
        services.project_recalculate(project_id=project.pk)
        later = submitted_response(assessment=assessment, values=answers(aw=(5, 5, 5)))
        snapshot = services.project_recalculate(project_id=project.pk)
        assert snapshot.responses == 3  # 4 submitted, groups of 3: the first 3 shown
        assert ResponseSummary.objects.filter(response=later).exists()
        for value in (5, 5):
            submitted_response(assessment=assessment, values=answers(aw=(value,) * 3))
        snapshot = services.project_recalculate(project_id=project.pk)
        assert snapshot.responses == 6
        assert snapshot.breakdown["groups"]["all"]["element_means"]["awareness"] == 4.0

    def test_a_round_partly_summarised_shows_the_same_first_responses(self, workspace):
        # Seven responses, groups of three: the first six submitted are shown, whichever of
        # them were summarised before.
        project = ProjectFactory(account__workspace=workspace)
        assessment = AssessmentFactory(project=project)
        start = timezone.now() - datetime.timedelta(hours=1)
        responses = []
        for minute, value in enumerate((1, 2, 3, 4, 5, 5, 1)):
            response = submitted_response(assessment=assessment, values=answers(aw=(value,) * 3))
            Response.objects.filter(pk=response.pk).update(
                submitted_at=start + datetime.timedelta(minutes=minute)
            )
            responses.append(response)
        whole = services.project_recalculate(project_id=project.pk)
        ScoreSnapshot.objects.filter(project=project).delete()
        ResponseSummary.objects.filter(response__in=[responses[0], responses[4]]).delete()
        again = services.project_recalculate(project_id=project.pk)
        assert again.responses == whole.responses == 6
        assert again.breakdown == whole.breakdown
        assert ResponseSummary.objects.filter(assessment=assessment).count() == 7

    def test_a_response_without_a_submission_time_comes_last(self, workspace):
        # Responses from before submission times were recorded: shown after the others.
        project = ProjectFactory(account__workspace=workspace)
        assessment = AssessmentFactory(project=project)
        untimed = submitted_response(assessment=assessment, values=answers(aw=(1, 1, 1)))
        Response.objects.filter(pk=untimed.pk).update(submitted_at=None)
        for value in (5, 5, 5):
            submitted_response(assessment=assessment, values=answers(aw=(value,) * 3))
        snapshot = services.project_recalculate(project_id=project.pk)
        assert snapshot.responses == 3
        assert snapshot.breakdown["groups"]["all"]["element_means"]["awareness"] == 5.0

    def test_one_batch_reads_each_round_with_its_own_limit(self, workspace):
        projects = []
        for count, value in ((3, 2), (5, 4), (7, 5)):
            project = ProjectFactory(account__workspace=workspace)
            assessment = AssessmentFactory(project=project)
            for _ in range(count):
                submitted_response(assessment=assessment, values=answers(aw=(value,) * 3))
            projects.append(project)
        summary = services.projects_recalculate(project_ids=[p.pk for p in projects])
        shown = {s.project_id: (s.responses, s.score) for s in summary.stored}
        alone = {}
        for project in projects:
            ScoreSnapshot.objects.filter(project=project).delete()
            snapshot = services.project_recalculate(project_id=project.pk)
            alone[project.pk] = (snapshot.responses, snapshot.score)
        assert [shown[p.pk][0] for p in projects] == [3, 3, 6]
        assert shown == alone

    def test_a_round_that_cannot_be_summarised_waits_for_the_next_pass(
        self, workspace, monkeypatch
    ):
        project = ProjectFactory(account__workspace=workspace)
        assessment = AssessmentFactory(project=project)
        for value in (2, 3, 4):
            submitted_response(assessment=assessment, values=answers(aw=(value,) * 3))

        def refused(assessment_ids):
            raise IntegrityError("a response was deleted meanwhile")

        monkeypatch.setattr(evidence, "_summaries_insert", refused)
        Project.objects.filter(pk=project.pk).update(needs_recalculation=True)
        summary = services.projects_recalculate(project_ids=[project.pk])
        assert summary.stored == () and summary.calculated == 0
        assert not project.snapshots.exists()
        assert Project.objects.get(pk=project.pk).needs_recalculation
        monkeypatch.undo()
        assert services.project_recalculate(project_id=project.pk).responses == 3
        assert not Project.objects.get(pk=project.pk).needs_recalculation

    def test_a_summary_goes_with_its_response(self, workspace):
        project = ProjectFactory(account__workspace=workspace)
        assessment = AssessmentFactory(project=project)
        responses = [
            submitted_response(assessment=assessment, values=answers(aw=(v,) * 3))
            for v in (2, 3, 4)
        ]
        services.project_recalculate(project_id=project.pk)
        responses[0].invitation.delete()
        assert ResponseSummary.objects.filter(assessment=assessment).count() == 2


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


class TestUnchangedFigures:
    def make(self, workspace) -> tuple[Project, list]:
        project = ProjectFactory(account__workspace=workspace)
        assessment = AssessmentFactory(project=project)
        responses = [
            submitted_response(assessment=assessment, values=answers(aw=(v,) * 3), department=d)
            for v, d in ((2, "Sales"), (3, "Sales"), (4, "Sales"), (4, "Depot"), (5, "Depot"))
            + ((3, "Depot"),)
        ]
        return project, responses

    def test_a_fingerprint_of_the_old_definition_is_replaced_without_a_new_snapshot(
        self, workspace
    ) -> None:
        project, _ = self.make(workspace)
        first = services.project_recalculate(project_id=project.pk)
        # As stored before the fingerprint counted tallies (docs/scoring.md §3).
        ScoreSnapshot.objects.filter(pk=first.pk).update(fingerprint="0" * 64)
        assert services.project_recalculate(project_id=project.pk) is None
        assert project.snapshots.get().fingerprint == first.fingerprint
        assert services.project_recalculate(project_id=project.pk) is None

    def test_changed_figures_behind_the_same_score_are_a_new_snapshot(self, workspace) -> None:
        project, responses = self.make(workspace)
        first = services.project_recalculate(project_id=project.pk)
        # The same answers, another department: the score stays, the departments' figures move.
        responses[5].invitation.department = "Sales"
        responses[5].invitation.save(update_fields=["department"])
        second = services.project_recalculate(project_id=project.pk)
        assert second is not None and second.score == first.score
        assert second.breakdown["segments"] != first.breakdown["segments"]
        assert project.snapshots.count() == 2
