"""Recalculation from the database: snapshots, fingerprints, coalescing, broker outages."""

from __future__ import annotations

import datetime
import logging
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from readiness.models import Project, ResponseStatus
from readiness.selectors import project_recalculation_due as recalculation_due
from readiness.services import project_evidence_added, project_mark_for_recalculation
from scoring import engine, services, tasks
from scoring.models import ScoringModel
from tests.factories import AssessmentFactory, ProjectFactory, answers, submitted_response
from workspaces.models import Role

pytestmark = pytest.mark.django_db

END_USER_4 = answers(aw=(4, 4, 4), de=(4, 4, 4), kn=(4, 4, 4), ab=(4, 4, 4), re=(4, 4, 4), nps=9)


@pytest.fixture(autouse=True)
def _clear_cache() -> None:
    cache.clear()


def committed() -> object:
    """Run the on-commit callbacks of the block, as a real commit would (tests never commit)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def _submit(project: Project, values: dict[str, int | None] = END_USER_4) -> None:
    """Submit one response the way the survey does: the response and its evidence change in
    one transaction."""
    assessment = project.assessments.order_by("-opens_on").first()
    with committed(), transaction.atomic():
        submitted_response(assessment=assessment, role="end_user", values=values)
        project_evidence_added(project_id=project.pk)


@pytest.fixture(params=["submission", "change of settings"])
def mark(request: pytest.FixtureRequest) -> object:
    """How new evidence marks its project: a submission's evidence change, or the mark that
    imports and changes of a project's settings set on the project's row."""
    if request.param == "submission":
        return project_evidence_added
    return project_mark_for_recalculation


class TestSnapshots:
    def test_the_worked_example_from_the_database(self, worked_project: Project) -> None:
        snapshot = services.project_recalculate(project_id=worked_project.pk)
        # No usage data yet: usage is missing and the other weights re-weight to 100 %.
        assert round(snapshot.score, 3) == 59.965
        assert snapshot.band == "at_risk"
        assert snapshot.flags == ["low_confidence"]
        assert snapshot.responses == 3 and snapshot.response_rate == 1.0
        assert snapshot.model_version == 1
        means = snapshot.breakdown["groups"]["all"]["element_means"]
        assert round(means["knowledge"], 3) == 2.778
        assert snapshot.breakdown["missing_components"] == ["usage"]
        worked_project.refresh_from_db()
        assert not recalculation_due(worked_project)

    def test_unchanged_inputs_store_nothing_new(self, worked_project: Project) -> None:
        first = services.project_recalculate(project_id=worked_project.pk)
        assert services.project_recalculate(project_id=worked_project.pk) is None
        assert list(worked_project.snapshots.all()) == [first]

    def test_new_evidence_stores_a_new_snapshot(self, worked_project: Project) -> None:
        services.project_recalculate(project_id=worked_project.pk)
        for _ in range(3):
            _submit(worked_project)
        latest = worked_project.snapshots.latest()
        assert latest.responses == 6

    def test_submitting_one_at_a_time_never_reveals_fewer_than_the_minimum(
        self, worked_project: Project
    ) -> None:
        # Three responses are in (the worked example); submit seven more, one at a time.
        services.project_recalculate(project_id=worked_project.pk)
        for count in range(4, 11):
            _submit(worked_project, {**END_USER_4, "AW1": count % 5 + 1})
        # A new invitation changes the response rate, so snapshots are stored in between;
        # their answers' figures change only in steps of three new responses.
        states: dict[int, dict] = {}
        for snapshot in worked_project.snapshots.order_by("created_at", "id"):
            groups = snapshot.breakdown["groups"]
            assert groups["all"]["responses"] == snapshot.responses
            assert states.setdefault(snapshot.responses, groups) == groups
        assert list(states) == [3, 6, 9]

    def test_drafts_never_count(self, worked_project: Project) -> None:
        assessment = worked_project.assessments.get()
        submitted_response(assessment=assessment, values=END_USER_4, status=ResponseStatus.DRAFT)
        snapshot = services.project_recalculate(project_id=worked_project.pk)
        assert snapshot.responses == 3
        assert snapshot.breakdown["confidence"]["invitations"] == 4

    def test_the_newest_assessment_with_a_submitted_response_is_used(
        self, worked_project: Project
    ) -> None:
        later = AssessmentFactory(
            project=worked_project,
            name="Pre go-live",
            opens_on=datetime.date(2026, 11, 1),
            closes_on=None,
        )
        services.project_recalculate(project_id=worked_project.pk)
        assert worked_project.snapshots.latest().assessment.name == "Kick-off baseline"
        _submit(worked_project, END_USER_4)
        _submit(worked_project, END_USER_4)
        # Two responses show nothing yet: the baseline stays the evidence.
        assert worked_project.snapshots.latest().assessment.name == "Kick-off baseline"
        _submit(worked_project, END_USER_4)
        snapshot = worked_project.snapshots.latest()
        assert snapshot.assessment == later and snapshot.responses == 3

    def test_a_project_without_evidence_has_not_enough_data(self, workspace) -> None:
        project = ProjectFactory(account__workspace=workspace)
        snapshot = services.project_recalculate(project_id=project.pk)
        assert snapshot.score is None and snapshot.band == ""
        assert snapshot.breakdown["score"] is None

    def test_dont_know_answers_are_left_out(self, workspace) -> None:
        project = ProjectFactory(account__workspace=workspace)
        assessment = AssessmentFactory(project=project)
        for _ in range(3):
            submitted_response(
                assessment=assessment, values=answers(aw=(None, None, None), de=(2, 2, 2))
            )
        snapshot = services.project_recalculate(project_id=project.pk)
        means = snapshot.breakdown["groups"]["all"]["element_means"]
        assert means["awareness"] is None and means["desire"] == 2.0
        assert snapshot.breakdown["groups"]["all"]["barrier_distribution"]["desire"] == 1.0


class TestScoringModelChanges:
    def test_two_first_recalculations_of_a_new_workspace_share_model_version_1(
        self, workspace, monkeypatch
    ) -> None:
        """Both looked for the model before either created it: the second one finds version 1
        taken and uses it, instead of failing its recalculation."""
        from scoring import selectors

        first = services.scoring_model_ensure(workspace=workspace)  # the other one, first
        found = selectors.scoring_model_current
        looked: list[bool] = []

        def not_yet_on_the_first_look(*, workspace):
            if not looked:
                looked.append(True)
                return None
            return found(workspace=workspace)

        monkeypatch.setattr(selectors, "scoring_model_current", not_yet_on_the_first_look)
        assert services.scoring_model_ensure(workspace=workspace) == first
        assert ScoringModel.objects.filter(workspace=workspace).count() == 1

    def test_a_new_version_recalculates_open_projects_with_it(
        self, worked_project: Project
    ) -> None:
        services.project_recalculate(project_id=worked_project.pk)
        with committed():
            revised = services.scoring_model_revise(
                workspace=worked_project.workspace,
                user=None,
                weight_usage=0.0,
                weight_adkar=100.0,
            )
        assert revised.version == 2
        latest = worked_project.snapshots.latest()
        assert latest.model_version == 2
        assert round(latest.score, 3) == round((100 * 57.7778 + 25 * 69.4444 + 15 * 50) / 140, 3)

    def test_unchanged_parameters_make_no_version(self, workspace) -> None:
        current = services.scoring_model_ensure(workspace=workspace)
        again = services.scoring_model_revise(
            workspace=workspace, user=None, weight_adkar=current.weight_adkar
        )
        assert again == current and ScoringModel.objects.count() == 1

    def test_invalid_parameters_change_nothing(self, workspace) -> None:
        from django.core.exceptions import ValidationError

        services.scoring_model_ensure(workspace=workspace)
        with pytest.raises(ValidationError) as error:
            services.scoring_model_revise(
                workspace=workspace, user=None, ready_threshold=40.0, at_risk_threshold=60.0
            )
        assert error.value.messages == [
            "The “At risk” threshold must be below the “Ready” threshold."
        ]
        assert ScoringModel.objects.filter(workspace=workspace).count() == 1

    @pytest.mark.parametrize(
        ("fields", "message"),
        [
            ({"weight_usage": 1e308}, "Enter a weight between 0 and 100."),
            ({"weight_usage": float("nan")}, "Enter a number."),
            ({"min_group_size": 10**9}, "Enter a minimum group size between 1 and 1,000."),
        ],
    )
    def test_out_of_bounds_parameters_are_refused_by_the_service(
        self, workspace, fields: dict, message: str
    ) -> None:
        from django.core.exceptions import ValidationError

        services.scoring_model_ensure(workspace=workspace)
        with pytest.raises(ValidationError) as error:
            services.scoring_model_revise(workspace=workspace, user=None, **fields)
        assert message in error.value.messages
        assert ScoringModel.objects.filter(workspace=workspace).count() == 1


class TestCoalescing:
    def test_a_burst_of_triggers_enqueues_one_delayed_calculation(
        self, worked_project: Project, settings
    ) -> None:
        settings.SCORING_COALESCE_SECONDS = 5
        with mock.patch.object(tasks.recalculate_project, "apply_async") as enqueue:
            for _ in range(10):
                _submit(worked_project)
        enqueue.assert_called_once_with(args=[worked_project.pk], countdown=5)
        worked_project.refresh_from_db()
        assert recalculation_due(worked_project)

        tasks.recalculate_project.apply(args=[worked_project.pk])
        worked_project.refresh_from_db()
        assert not recalculation_due(worked_project)
        # 13 submitted; the figures show the first 12, a multiple of the minimum group size.
        assert worked_project.snapshots.get().responses == 12

    def test_a_trigger_after_the_calculation_started_enqueues_again(
        self, worked_project: Project
    ) -> None:
        with mock.patch.object(tasks.recalculate_project, "apply_async") as enqueue:
            _submit(worked_project)
            tasks.recalculate_project.apply(args=[worked_project.pk])
            _submit(worked_project)
        assert enqueue.call_count == 2

    def test_with_a_broker_the_rest_of_a_burst_does_not_ask_redis_again(
        self, worked_project: Project, settings, monkeypatch
    ) -> None:
        """Each process asks Redis once per window; its later triggers of the window are taken
        by the run already queued, which reads the evidence only when it starts."""
        settings.SCORING_COALESCE_SECONDS = 5
        monkeypatch.setitem(tasks.recalculate_project.app.conf, "task_always_eager", False)
        monkeypatch.setattr(services, "_queued_runs", {})
        clock = [1000.0]  # the process's monotonic clock, and the wall clock 1.8e9 s ahead
        monkeypatch.setattr(services, "_monotonic", lambda: clock[0])
        monkeypatch.setattr(services, "_wall_clock", lambda: clock[0] + 1.8e9)
        project_id = worked_project.pk
        with (
            mock.patch.object(tasks.recalculate_project, "apply_async") as enqueue,
            mock.patch.object(services.cache, "add", wraps=services.cache.add) as add,
        ):
            for _ in range(10):
                services.publish_recalculation(project_id)
            assert enqueue.call_count == 1 and add.call_count == 1
            # Another process, which did not queue the run, learns from the key when it starts.
            services._queued_runs.clear()
            for _ in range(10):
                services.publish_recalculation(project_id)
            assert enqueue.call_count == 1 and add.call_count == 2
            # Within a second of the start it asks again: the run may be reading already.
            clock[0] += 4.5
            services.publish_recalculation(project_id)
            assert add.call_count == 3
            # Once the run has started (and freed the key), a trigger queues the next one.
            cache.delete(services._coalescing_key(project_id))
            services.publish_recalculation(project_id)
            assert enqueue.call_count == 2 and add.call_count == 4

    def test_a_task_that_runs_twice_gives_the_same_result(self, worked_project: Project) -> None:
        Project.objects.filter(pk=worked_project.pk).update(needs_recalculation=True)
        first = tasks.recalculate_project.apply(args=[worked_project.pk]).get()
        second = tasks.recalculate_project.apply(args=[worked_project.pk]).get()
        assert first is not None and second is None
        assert worked_project.snapshots.count() == 1

    def test_in_process_tasks_recalculate_once_per_burst(self, worked_project: Project) -> None:
        # The embedded default runs tasks eagerly, on commit: one transaction with many
        # triggers gives one calculation, and its result includes every response.
        assessment = worked_project.assessments.get()
        with mock.patch.object(
            services, "projects_recalculate", wraps=services.projects_recalculate
        ) as recalculate:
            with committed(), transaction.atomic():
                for _ in range(5):
                    submitted_response(assessment=assessment, values=END_USER_4)
                    project_mark_for_recalculation(project_id=worked_project.pk)
        assert recalculate.call_count == 1
        assert worked_project.snapshots.get().responses == 6  # of 8: shown by threes


class TestCalculatingWithoutLocks:
    """A recalculation holds no project row while it calculates (SPEC §9): evidence that
    arrives meanwhile is never lost, and two recalculations at once store one snapshot."""

    def test_responses_submitted_during_the_calculation_keep_the_project_marked(
        self, worked_project: Project, mark
    ) -> None:
        assessment = worked_project.assessments.get()
        calculate = engine.calculate

        def calculate_while_three_people_submit(inputs: engine.ScoreInput) -> object:
            if not submitted:
                submitted.append(True)
                with transaction.atomic():  # committed; its recalculation request is not run
                    for _ in range(3):
                        submitted_response(assessment=assessment, values=END_USER_4)
                    mark(project_id=worked_project.pk)
            return calculate(inputs)

        submitted: list[bool] = []
        with mock.patch.object(engine, "calculate", calculate_while_three_people_submit):
            services.projects_recalculate(project_ids=[worked_project.pk])
        worked_project.refresh_from_db()
        # The result missed the three responses: not stored, and the project stays marked.
        assert recalculation_due(worked_project)
        assert not worked_project.snapshots.exists()

        assert tasks.sweep_dirty_projects.apply().get() == 1
        worked_project.refresh_from_db()
        assert not recalculation_due(worked_project)
        assert worked_project.snapshots.get().responses == 6

    def test_two_recalculations_of_a_project_at_once_store_one_snapshot(
        self, worked_project: Project
    ) -> None:
        calculate = engine.calculate

        def calculate_while_the_queued_one_runs(inputs: engine.ScoreInput) -> object:
            if not started:
                started.append(True)
                queued.append(services.project_recalculate(project_id=worked_project.pk))
            return calculate(inputs)

        started: list[bool] = []
        queued: list[object] = []
        with mock.patch.object(engine, "calculate", calculate_while_the_queued_one_runs):
            sweep = services.projects_recalculate(project_ids=[worked_project.pk])
        # The queued one finished first and stored the score; the sweep, finding it stored
        # meanwhile, stores nothing more.
        assert queued[0] is not None and sweep.stored == ()
        assert list(worked_project.snapshots.all()) == queued
        worked_project.refresh_from_db()
        assert not recalculation_due(worked_project)

    @pytest.mark.parametrize("clock_ahead", [0, 2], ids=["same clock", "its clock 2 s ahead"])
    def test_a_change_another_recalculation_counted_meanwhile_is_never_lost(
        self, worked_project: Project, monkeypatch, clock_ahead: int
    ) -> None:
        """A sweep reads the project; a response arrives and the queued recalculation counts
        it (and the one before) before the sweep stores: the sweep's result, which lacks that
        response, is not stored, and the latest score includes every response."""
        from readiness import hooks
        from scoring import evidence

        monkeypatch.setattr(hooks, "_evidence_handlers", [])  # the queued run is run below
        services.project_recalculate(project_id=worked_project.pk)
        _submit(worked_project)
        read = evidence.evidence_for_projects
        queued: list[object] = []

        def read_then_the_queued_run_counts_a_newer_response(*args, **kwargs):
            result = read(*args, **kwargs)
            if not queued:
                queued.append(None)  # the queued run reads through here too
                _submit(worked_project)
                queued[0] = services.project_recalculate(project_id=worked_project.pk)
            return result

        monkeypatch.setattr(
            evidence, "evidence_for_projects", read_then_the_queued_run_counts_a_newer_response
        )
        sweep = services.projects_recalculate(
            project_ids=[worked_project.pk],
            calculated_at=timezone.now() + datetime.timedelta(seconds=clock_ahead),
        )
        monkeypatch.setattr(evidence, "evidence_for_projects", read)
        assert queued[0] is not None and sweep.stored == ()
        latest = worked_project.snapshots.latest()
        assert latest == queued[0]
        assert services.project_recalculate(project_id=worked_project.pk) is None  # current
        assert not recalculation_due(Project.objects.get(pk=worked_project.pk))

    def test_a_failure_after_new_evidence_leaves_the_project_marked(
        self, worked_project: Project, mark
    ) -> None:
        def fail_while_someone_submits(inputs: engine.ScoreInput) -> object:
            mark(project_id=worked_project.pk)
            raise engine.InvalidInput("licensed seats must be positive")

        with mock.patch.object(engine, "calculate", side_effect=fail_while_someone_submits):
            services.projects_recalculate(project_ids=[worked_project.pk])
        worked_project.refresh_from_db()
        # Not recorded as failed: the new evidence may well calculate.
        assert recalculation_due(worked_project) and worked_project.recalculation_error == ""


class TestBrokerDown:
    def test_the_submission_succeeds_and_the_sweep_repairs(
        self, worked_project: Project, broker_down, caplog
    ) -> None:
        with caplog.at_level(logging.WARNING, logger="scoring.services"):
            _submit(worked_project)
        assert "the periodic sweep will recalculate it" in caplog.text
        worked_project.refresh_from_db()
        assert recalculation_due(worked_project)
        assert not worked_project.snapshots.exists()
        # The coalescing window is released, so the next trigger tries to publish again.
        assert cache.get(f"scoring:recalculate:{worked_project.pk}") is None

        assert tasks.sweep_dirty_projects.apply().get() == 1
        worked_project.refresh_from_db()
        assert not recalculation_due(worked_project)
        assert worked_project.snapshots.get().responses == 3  # the fourth waits for two more

    def test_a_project_edit_succeeds_and_stays_marked(self, workspace, broker_down) -> None:
        from tests.conftest import _client_for

        project = ProjectFactory(account__workspace=workspace, licensed_seats=100)
        client = _client_for(workspace, Role.CONSULTANT)
        data = {
            "account": project.account_id,
            "name": project.name,
            "product_name": project.product_name,
            "status": project.status,
            "licensed_seats": 120,
            "tracked_features": "reports",
        }
        with committed():
            response = client.post(reverse("readiness:project_edit", args=[project.pk]), data)
        assert response.status_code == 302
        project.refresh_from_db()
        assert project.licensed_seats == 120 and recalculation_due(project)


class TestSchedule:
    def test_the_beat_schedule_runs_registered_tasks(self, settings) -> None:
        from config.celery_app import app

        # What a worker does at start: import every installed app's tasks module.
        app.loader.import_default_modules()
        schedule = settings.CELERY_BEAT_SCHEDULE
        assert schedule["scoring-sweep-dirty-projects"]["schedule"] == 60.0
        for entry in schedule.values():
            assert entry["task"] in app.tasks

    def test_the_nightly_run_recalculates_open_projects_only(self, workspace) -> None:
        open_project = ProjectFactory(account__workspace=workspace, status="live")
        closed = ProjectFactory(account__workspace=workspace, status="closed")
        assert tasks.recalculate_open_projects.apply().get() == 1
        assert open_project.snapshots.count() == 1 and not closed.snapshots.exists()


def _submit_while_the_sweep_pauses_in(monkeypatch, module: object, name: str) -> Project:
    """Start a sweep over a project with three responses, pause it in `module.name`, submit a
    fourth response meanwhile (failing instead of waiting, should the sweep hold the project's
    row), then let the sweep finish; return the project."""
    from threading import Event, Thread

    from django.db import connection

    from readiness import hooks
    from readiness import services as readiness_services
    from readiness.survey import tokens
    from tests.concurrency import refusing_to_wait
    from tests.readiness.test_assessments import invite, open_assessment

    # No queued recalculation after the submission: the sweep is the only one.
    monkeypatch.setattr(hooks, "_evidence_handlers", [])
    assessment = open_assessment()
    for _ in range(3):
        submitted_response(assessment=assessment, values=END_USER_4)
    respondent = invite(assessment)
    readiness_services.response_save_draft(invitation=respondent, answers={"AW1": "4"}, step=7)
    paused, finish = Event(), Event()
    original = getattr(module, name)

    def pause_until_told(*args: object) -> object:
        paused.set()
        finish.wait(timeout=10)
        return original(*args)

    def sweep() -> None:
        try:
            services.projects_recalculate(project_ids=[assessment.project_id])
        finally:
            connection.close()

    monkeypatch.setattr(module, name, pause_until_told)
    thread = Thread(target=sweep)
    thread.start()
    try:
        assert paused.wait(timeout=10)
        with refusing_to_wait():
            token = tokens.token_for_salt(respondent.token_salt)
            assert readiness_services.response_submit_by_token(token=token)
    finally:
        finish.set()
        thread.join()
    return Project.objects.get(pk=assessment.project_id)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_submission_goes_through_while_a_sweep_calculates(monkeypatch) -> None:
    """The submission neither waits for the calculation nor is lost by it."""
    project = _submit_while_the_sweep_pauses_in(monkeypatch, engine, "calculate")
    # The sweep's result was out of date: not stored, and the project waits for the next pass.
    assert recalculation_due(project) and not project.snapshots.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_submission_goes_through_while_a_sweep_writes_its_snapshots(monkeypatch) -> None:
    """Nor does it wait while the sweep stores the snapshots, effects and events of its batch:
    the project's row is written only at the very end, and the submission keeps it marked."""
    project = _submit_while_the_sweep_pauses_in(monkeypatch, services, "_notify_snapshots_stored")
    # The snapshot of the three earlier responses is stored; the fourth waits for the next pass.
    assert project.snapshots.get().responses == 3
    assert recalculation_due(project)
    services.projects_recalculate(project_ids=[project.pk])
    project.refresh_from_db()
    assert not recalculation_due(project)


class TestEvidenceVersion:
    """What a recalculation compares before storing: the evidence it read is still the evidence."""

    READ = services.EvidenceVersion(marks=3, counted=1, changes=frozenset({10, 11}))

    @pytest.mark.parametrize(
        ("now", "still"),
        [
            (services.EvidenceVersion(3, 1, frozenset({10, 11})), True),
            # A change committed after the read: the result lacks it.
            (services.EvidenceVersion(3, 1, frozenset({10, 11, 12})), False),
            # A mark (import, settings, scoring model) after the read.
            (services.EvidenceVersion(4, 1, frozenset({10, 11})), False),
            # Another recalculation counted changes meanwhile — perhaps one this one never
            # read, which it deleted with the others: the rows alone cannot tell.
            (services.EvidenceVersion(3, 2, frozenset()), False),
        ],
        ids=["unchanged", "new change", "new mark", "counted by another"],
    )
    def test_a_result_is_stored_only_if_its_evidence_is_still_current(
        self, now: services.EvidenceVersion, still: bool
    ) -> None:
        assert self.READ.still(now) is still


def test_a_deleted_project_leaves_no_evidence_change_behind(worked_project: Project) -> None:
    from readiness.models import EvidenceChange

    _submit(worked_project)
    deleted = worked_project.pk
    worked_project.delete()  # Django deletes its changes with it
    assert not EvidenceChange.objects.exists()
    # One whose submission committed while its project was being deleted: the sweep drops it.
    EvidenceChange.objects.create(project_id=deleted)
    services.dirty_projects_recalculate()
    assert not EvidenceChange.objects.exists()
