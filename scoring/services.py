"""Every write of scoring: scoring model versions, score snapshots, recalculation requests
and usage imports."""

from __future__ import annotations

import datetime
import json
import logging
import operator
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import reduce
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.cache import cache
from django.db import DataError, IntegrityError, connection, transaction
from django.db.models import (
    BooleanField,
    Case,
    DateField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from readiness import selectors as readiness_selectors
from readiness.models import Assessment, EvidenceChange, Project, ProjectStatus, ResponseStatus
from scoring import engine, evidence, hooks, selectors
from scoring.models import ScoreSnapshot, ScoringModel
from workspaces.events import event_emit
from workspaces.models import Workspace

logger = logging.getLogger(__name__)

# Projects per batch of a sweep: bounds memory and keeps the queries per batch fixed.
SWEEP_BATCH_SIZE = 200


# --- The scoring model --------------------------------------------------------------------


@transaction.atomic
def scoring_model_ensure(*, workspace: Workspace) -> ScoringModel:
    """Return the workspace's scoring model in force, creating version 1 (SPEC §4) if none."""
    current = selectors.scoring_model_current(workspace=workspace)
    if current is not None:
        return current
    model = ScoringModel(workspace=workspace, version=1)
    # The defaults are valid; uniqueness is the database's to decide, since the first
    # recalculations of a new workspace may well create version 1 at the same moment.
    model.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            model.save()
    except IntegrityError:
        # Another one created it first: that is the model in force.
        current = selectors.scoring_model_current(workspace=workspace)
        if current is None:
            raise
        return current
    return model


@transaction.atomic
def scoring_model_revise(
    *, workspace: Workspace, user: AbstractBaseUser | None, **fields: Any
) -> ScoringModel:
    """Save changed model parameters as a new version and recalculate the open projects.

    Unchanged parameters return the version in force and change nothing.
    """
    Workspace.objects.select_for_update().get(pk=workspace.pk)
    current = scoring_model_ensure(workspace=workspace)
    unknown = set(fields) - set(ScoringModel.PARAMETER_FIELDS)
    if unknown:
        raise ValueError(f"Unknown scoring model fields: {', '.join(sorted(unknown))}.")
    if all(getattr(current, name) == value for name, value in fields.items()):
        return current
    revised = ScoringModel(
        workspace=workspace,
        version=current.version + 1,
        created_by=user,
        **{name: fields.get(name, getattr(current, name)) for name in current.PARAMETER_FIELDS},
    )
    revised.full_clean()
    revised.save()
    Project.objects.for_workspace(workspace).exclude(status=ProjectStatus.CLOSED).update(
        needs_recalculation=True, evidence_version=F("evidence_version") + 1
    )
    transaction.on_commit(_publish_sweep, robust=True)
    return revised


def min_group_size(workspace_id: int) -> int:
    """Return the minimum group size of the workspace's model in force (the default if none)."""
    size = (
        ScoringModel.objects.filter(workspace_id=workspace_id)
        .order_by("-version")
        .values_list("min_group_size", flat=True)
        .first()
    )
    return size if size is not None else engine.ModelParameters().min_group_size


# --- Recalculation ------------------------------------------------------------------------


@dataclass(frozen=True)
class RecalculationSummary:
    """What a recalculation did: how many projects it calculated and the snapshots it stored."""

    calculated: int
    stored: tuple[ScoreSnapshot, ...]


def projects_recalculate(
    *,
    project_ids: Sequence[int],
    assessment_overrides: Mapping[int, int] | None = None,
    calculated_at: datetime.datetime | None = None,
) -> RecalculationSummary:
    """Recalculate projects from the database, in batches, storing only changed results."""
    ids = sorted(set(project_ids))
    calculated, stored = 0, []
    for start in range(0, len(ids), SWEEP_BATCH_SIZE):
        batch = _recalculate_batch(
            ids[start : start + SWEEP_BATCH_SIZE],
            dict(assessment_overrides or {}),
            calculated_at or timezone.now(),
        )
        calculated += batch.calculated
        stored.extend(batch.stored)
    return RecalculationSummary(calculated=calculated, stored=tuple(stored))


def _recalculate_batch(
    project_ids: list[int], assessment_overrides: dict[int, int], now: datetime.datetime
) -> RecalculationSummary:
    """Read and calculate a batch without holding any row; store the results still current.

    Each project's evidence version is read before its evidence: its `evidence_version` and its
    evidence changes (`EvidenceChange`, one per submission). A change committed after that
    (`project_mark_for_recalculation` bumps the version, a submission adds a change, each in its
    own transaction) makes the result out of date: it is not stored and the project stays due
    for the next pass. A submission never waits for a recalculation: it writes no row that a
    recalculation writes or locks.
    """
    # The projects' rows (versions and latest snapshots) are read before the evidence changes,
    # and both before the evidence: what the versions say was read is then all included.
    read = evidence.project_rows(project_ids)
    if not read:
        return RecalculationSummary(calculated=0, stored=())
    ids = [project.project_id for project in read]
    # A past round's score (the history's backfill) counts none of the current evidence.
    counts = not assessment_overrides
    versions = {
        project.project_id: EvidenceVersion(
            project.evidence_version, project.evidence_counted, project.changes, counts
        )
        for project in read
    }
    workspace_ids = {project.workspace_id for project in read}
    models = evidence.current_models(workspace_ids)
    for workspace_id in workspace_ids - set(models):
        models[workspace_id] = scoring_model_ensure(
            workspace=Workspace.objects.get(pk=workspace_id)
        )
    inputs_by_project = evidence.evidence_for_projects(
        ids, models=models, assessment_overrides=assessment_overrides, projects=read
    )
    previous = {project.project_id: project.latest for project in read if project.latest}
    snapshots, failed = [], {}
    # A project whose round could not be all summarised (`evidence._tallies`) is left out of
    # this pass: neither calculated nor unmarked, it stays due.
    waiting = {pk for pk, item in inputs_by_project.items() if not item.complete}
    for project_id in ids:
        item = inputs_by_project[project_id]
        before = previous.get(project_id)
        if project_id in waiting or (before is not None and before.fingerprint == item.fingerprint):
            continue
        model = models[item.workspace_id]
        try:
            result = engine.calculate(item.inputs)
        except Exception as error:  # one project's data never stops the others' scores
            failed[project_id] = _failure(project_id, error)
            continue
        snapshots.append(
            ScoreSnapshot(
                workspace_id=item.workspace_id,
                project_id=project_id,
                assessment_id=item.assessment_id,
                scoring_model=model,
                model_version=model.version,
                fingerprint=item.fingerprint,
                score=result.score,
                band=result.band or "",
                responses=result.confidence.responses,
                response_rate=result.confidence.response_rate,
                flags=[flag.code for flag in result.flags],
                breakdown=result.as_dict(),
                created_at=now,
            )
        )
    written = {snapshot.project_id for snapshot in snapshots}
    stored = _store_current(snapshots, failed, versions, previous)
    # The projects without a new snapshot: unchanged, or failed in the engine. No row is held
    # for them; the conditional update leaves a project marked if its evidence moved on.
    _clear_marks(
        {pk: versions[pk] for pk in ids if pk not in written and pk not in waiting},
        {pk: message for pk, message in failed.items() if pk not in written},
    )
    return RecalculationSummary(
        calculated=len(ids) - len(failed) - len(waiting), stored=tuple(stored)
    )


def _unchanged_figures_adopt(
    snapshots: list[ScoreSnapshot], previous: Mapping[int, evidence.LatestState]
) -> set[int]:
    """Give the latest snapshot of a project the new snapshot's fingerprint when the new one
    shows nothing else; return those projects (in `_store_current`'s transaction, under its
    locks).

    A new fingerprint does not always mean new figures: the fingerprint's definition changed
    once (docs/scoring.md §3), and evidence can change without changing any figure. When the
    round, the model version and the whole breakdown are those of the latest snapshot, that
    snapshot takes the new fingerprint instead of a second one being stored: the history gets
    no second point with the same figures, the plans no second effect. One query for the
    batch, only for the projects whose headline figures (score, band, flags) are unchanged.
    """
    alike = {
        snapshot.project_id: snapshot
        for snapshot in snapshots
        if (before := previous.get(snapshot.project_id)) is not None
        and (before.score, before.band, before.flags)
        == (snapshot.score, snapshot.band, tuple(snapshot.flags))
    }
    if not alike:
        return set()
    latest = ScoreSnapshot.objects.filter(
        pk__in=Subquery(
            ScoreSnapshot.objects.filter(project_id=OuterRef("project_id"))
            .order_by("-created_at", "-pk")
            .values("pk")[:1]
        ),
        project_id__in=alike,
    ).values_list("pk", "project_id", "assessment_id", "model_version", "breakdown")
    adopted = set()
    for pk, project_id, assessment_id, model_version, breakdown in latest:
        snapshot = alike[project_id]
        if (assessment_id, model_version) == (snapshot.assessment_id, snapshot.model_version) and (
            breakdown == json.loads(json.dumps(snapshot.breakdown))
        ):
            ScoreSnapshot.objects.filter(pk=pk).update(fingerprint=snapshot.fingerprint)
            adopted.add(project_id)
    return adopted


@dataclass(frozen=True)
class EvidenceVersion:
    """What a recalculation read of a project's evidence version, before reading the evidence.

    `marks`: `Project.evidence_version`, bumped by whatever marks the project. `counted`:
    `Project.evidence_counted`, bumped by a recalculation that counts (deletes) evidence
    changes. `changes`: the ids of the project's evidence changes (`EvidenceChange`, one per
    submission). `counts`: whether this recalculation's result counts them (not a past round's).
    """

    marks: int
    counted: int
    changes: frozenset[int]
    counts: bool = True

    def still(self, now: EvidenceVersion) -> bool:
        """Whether the evidence is still what was read: no new mark, no new change, and no
        change counted by another recalculation meanwhile (it may have counted a change
        committed after this one read them, which this result lacks)."""
        return (
            now.marks == self.marks and now.counted == self.counted and now.changes <= self.changes
        )


# The first key of the advisory locks that keep two recalculations of a project from storing at
# once (PostgreSQL's two-key form; the second key is the project's id).
RECALCULATION_LOCK_KEY = 0x5C0E


@transaction.atomic
def _store_current(
    snapshots: list[ScoreSnapshot],
    failed: dict[int, str],
    versions: Mapping[int, EvidenceVersion],
    previous: Mapping[int, evidence.LatestState],
) -> list[ScoreSnapshot]:
    """Store the new snapshots whose project's evidence has not changed since it was read.

    No project row is locked while the snapshots, the plans' effects and the events are
    written: a change of a project's settings, which updates its row, would wait for all of
    that (a submission writes an `EvidenceChange` instead, and never waits). Two
    recalculations of the same project (say the queued one and the sweep) are kept apart by an
    advisory lock per project instead, taken in id order so that they cannot deadlock; the
    second then finds the first's snapshot and stores none. The project rows are written last,
    just before the commit: the portfolio's figures with the marks, cleared only where the
    evidence version is still the one read, in one statement per project — a submission
    committed meanwhile leaves its project marked for the next pass.
    """
    if not snapshots:
        return []
    project_ids = sorted({snapshot.project_id for snapshot in snapshots})
    if connection.vendor == "postgresql":  # SQLite runs one writer at a time anyway
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_advisory_xact_lock(%s, project_id)) FROM "
                "(SELECT unnest(%s::integer[]) AS project_id ORDER BY 1) AS ordered",
                [RECALCULATION_LOCK_KEY, project_ids],
            )
    now = _versions_and_fingerprints(project_ids)

    def fingerprint(state: evidence.LatestState | None) -> str | None:
        return state.fingerprint if state is not None else None

    current = [
        snapshot
        for snapshot in snapshots
        if (pk := snapshot.project_id) in now
        and versions[pk].still(now[pk][0])
        and now[pk][1] == fingerprint(previous.get(pk))
    ]
    adopted = _unchanged_figures_adopt(current, previous)
    stored = _store_snapshots([s for s in current if s.project_id not in adopted], failed)
    _notify_snapshots_stored(stored)
    for snapshot in stored:
        _emit_changes(snapshot, previous.get(snapshot.project_id))
    _standings_store(stored, versions)
    written = {snapshot.project_id for snapshot in current}
    _changes_counted({pk: versions[pk] for pk in written})
    # The stored ones had their marks cleared with their figures (`_standings_store`); the
    # adopted ones show what their latest snapshot shows, which now includes their evidence.
    _marks_clear({pk: versions[pk] for pk in adopted if versions[pk].counts}, {})
    _clear_marks(
        {pk: versions[pk] for pk in written if pk in failed},
        {pk: message for pk, message in failed.items() if pk in written},
    )
    return stored


def _versions_and_fingerprints(
    project_ids: Sequence[int],
) -> dict[int, tuple[EvidenceVersion, str | None]]:
    """Return each project's evidence version and its latest snapshot's fingerprint (one
    query)."""
    placeholders = ", ".join(["%s"] * len(project_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT p.id, p.evidence_version, p.evidence_counted, (
                SELECT l.fingerprint FROM scoring_scoresnapshot l WHERE l.project_id = p.id
                ORDER BY l.created_at DESC, l.id DESC LIMIT 1
            ), {evidence.change_ids_column("p.id")}
            FROM readiness_project p WHERE p.id IN ({placeholders})
            """,
            list(project_ids),
        )
        rows = cursor.fetchall()
    return {
        pk: (EvidenceVersion(marks, counted, evidence.change_ids(changes)), latest_fingerprint)
        for pk, marks, counted, latest_fingerprint, changes in rows
    }


def _changes_counted(versions: Mapping[int, EvidenceVersion]) -> None:
    """Delete the evidence changes that these versions read, which their projects' results
    include, and bump those projects' `evidence_counted` (in the caller's transaction). A change
    added since stays, and keeps its project due."""
    counting = {
        pk: version for pk, version in versions.items() if version.counts and version.changes
    }
    if not counting:
        return
    counted = [change for version in counting.values() for change in version.changes]
    projects = sorted(counting)
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {EvidenceChange._meta.db_table} WHERE id IN "
            f"({', '.join(['%s'] * len(counted))})",
            counted,
        )
        cursor.execute(
            "UPDATE readiness_project SET evidence_counted = evidence_counted + 1 "
            f"WHERE id IN ({', '.join(['%s'] * len(projects))})",
            projects,
        )


def _clear_marks(versions: Mapping[int, EvidenceVersion], failed: Mapping[int, str]) -> None:
    """Count the evidence that `versions` read as included (`_changes_counted`), and clear the
    mark of each project whose `evidence_version` is still the one read, with the message of
    its failure if it failed (`failed` holds some of those projects), or none. A past round's
    result (`counts` false) does neither."""
    versions = {pk: version for pk, version in versions.items() if version.counts}
    if versions:
        with transaction.atomic():
            _changes_counted(versions)
            _marks_clear(versions, failed)


def _marks_clear(versions: Mapping[int, EvidenceVersion], failed: Mapping[int, str]) -> None:
    """The marks' half of `_clear_marks`, in its transaction."""
    succeeded = [
        Q(pk=project_id, evidence_version=version.marks)
        for project_id, version in versions.items()
        if project_id not in failed
    ]
    if succeeded:
        Project.objects.filter(reduce(operator.or_, succeeded)).update(
            needs_recalculation=False, recalculation_error=""
        )
    for project_id, message in failed.items():
        if project_id not in versions:
            continue
        # Marked failed rather than dirty: retrying every minute would fail the same way until
        # the scoring model changes, and saving a model marks its projects again. Unless new
        # evidence arrived meanwhile (a mark, or a change that the deletion above left): it
        # may well calculate.
        Project.objects.filter(
            ~Exists(EvidenceChange.objects.filter(project_id=OuterRef("pk"))),
            pk=project_id,
            evidence_version=versions[project_id].marks,
        ).update(needs_recalculation=False, recalculation_error=message)


def _notify_snapshots_stored(stored: list[ScoreSnapshot]) -> None:
    """Let higher layers store what they keep with the snapshots (plans: effects of actions).

    In a savepoint: a failure there is logged and never costs the scores themselves.
    """
    try:
        with transaction.atomic():
            hooks.snapshots_stored(snapshots=stored)
    except Exception:
        logger.exception("Storing what goes with %s new snapshots failed.", len(stored))


def _failure(project_id: int, error: Exception) -> str:
    logger.error(
        "The score of project %s could not be recalculated (%s: %s); the other projects carry on.",
        project_id,
        type(error).__name__,
        error,
        exc_info=not isinstance(error, engine.InvalidInput),
    )
    if isinstance(error, engine.InvalidInput):
        return f"{error}"[:500]
    return "an unexpected error occurred (see the server log)."


def _store_snapshots(snapshots: list[ScoreSnapshot], failed: dict[int, str]) -> list[ScoreSnapshot]:
    """Insert the snapshots at once; if the database refuses the batch, insert each in its own
    savepoint so that one refused row fails only its project (added to `failed`)."""
    # The values come from the engine, not from user input, and the database constraints guard
    # them; full_clean() would cost queries per row and make a sweep's query count grow.
    try:
        with transaction.atomic():
            return ScoreSnapshot.objects.bulk_create(snapshots)
    except (DataError, IntegrityError):
        pass
    stored = []
    for snapshot in snapshots:
        try:
            with transaction.atomic():
                ScoreSnapshot.objects.bulk_create([snapshot])
        except (DataError, IntegrityError) as error:
            failed[snapshot.project_id] = _failure(snapshot.project_id, error)
        else:
            stored.append(snapshot)
    return stored


def _emit_changes(snapshot: ScoreSnapshot, before: evidence.LatestState | None) -> None:
    """Announce what a new snapshot changed: its score, its band, each flag raised or cleared.

    Only the overall figures go out: the group "all" is shown from one response (SPEC §4),
    and a flag is evaluated only on groups that are not suppressed.
    """
    common = {
        "project": snapshot.project_id,
        "snapshot": snapshot.pk,
        "calculated_at": snapshot.created_at.isoformat(),
    }
    old_score, old_band = (before.score, before.band) if before else (None, "")
    old_flags = set(before.flags) if before else set()

    def emit(type: str, **data: Any) -> None:
        event_emit(workspace_id=snapshot.workspace_id, type=type, data={**common, **data})

    if snapshot.score != old_score:
        emit("score.changed", score=snapshot.score, previous_score=old_score, band=snapshot.band)
    if snapshot.band != old_band:
        emit("band.changed", band=snapshot.band or None, previous_band=old_band or None)
    for code in snapshot.flags:
        if code not in old_flags:
            emit("flag.raised", flag=code, label=engine.FLAG_LABELS.get(code, code))
    for code in sorted(old_flags - set(snapshot.flags)):
        emit("flag.cleared", flag=code, label=engine.FLAG_LABELS.get(code, code))


def project_recalculate(*, project_id: int) -> ScoreSnapshot | None:
    """Recalculate one project now; return the new snapshot, or None when nothing changed."""
    summary = projects_recalculate(project_ids=[project_id])
    return summary.stored[0] if summary.stored else None


def project_recalculate_queued(*, project_id: int) -> ScoreSnapshot | None:
    """Run a queued recalculation: reopen the coalescing window first, then recalculate.

    Releasing the key before reading means a trigger that arrives during the calculation
    enqueues another run, which will see the newer evidence.
    """
    cache.delete(_coalescing_key(project_id))
    return project_recalculate(project_id=project_id)


def dirty_projects_recalculate() -> RecalculationSummary:
    """Recalculate every project whose recalculation is due (the periodic sweep)."""
    _orphan_changes_delete()
    return projects_recalculate(project_ids=evidence.dirty_project_ids())


def _orphan_changes_delete() -> None:
    """Delete the evidence changes of projects deleted meanwhile: a submission that committed
    while its project was being deleted leaves one (no foreign-key constraint, on purpose)."""
    table = EvidenceChange._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {table} WHERE NOT EXISTS "
            f"(SELECT 1 FROM readiness_project p WHERE p.id = {table}.project_id)"
        )


def open_projects_recalculate() -> RecalculationSummary:
    """Recalculate every project that is not closed (the nightly run)."""
    return projects_recalculate(project_ids=evidence.open_project_ids())


def project_history_backfill(*, project_id: int) -> RecalculationSummary:
    """Record one snapshot per scored assessment of a project without any, oldest first.

    The demo data uses it so the score history runs across assessments; a project that already
    has snapshots is left alone, so running it again stores nothing.
    """
    if ScoreSnapshot.objects.filter(project_id=project_id).exists():
        return RecalculationSummary(calculated=0, stored=())
    rounds = (
        Assessment.objects.filter(project_id=project_id, responses__status=ResponseStatus.SUBMITTED)
        .distinct()
        .order_by("opens_on", "id")
        .values_list("pk", "opens_on", "closes_on", "closed_at")
    )
    now = timezone.now()
    stored: list[ScoreSnapshot] = []
    for assessment_id, opens_on, closes_on, closed_at in rounds:
        # A round closed early ends the day it was closed, not its planned day.
        day = (timezone.localdate(closed_at) if closed_at else None) or closes_on or opens_on
        at = datetime.datetime.combine(day, datetime.time(12), tzinfo=datetime.UTC)
        summary = projects_recalculate(
            project_ids=[project_id],
            assessment_overrides={project_id: assessment_id},
            calculated_at=min(at, now),
        )
        stored.extend(summary.stored)
    final = projects_recalculate(project_ids=[project_id])
    return RecalculationSummary(calculated=len(stored) + 1, stored=(*stored, *final.stored))


# --- Requests from other parts of the app ---------------------------------------------------


def _coalescing_key(project_id: int) -> str:
    return f"scoring:recalculate:{project_id}"


# When the queued recalculation of a project starts, as this process knows it (its own
# monotonic clock), so that the rest of a burst of submissions need not ask Redis again: the
# task reads the evidence only once it has started, after every submission committed before
# then. Kept per process and only while a run is ahead; a second short of the start, the
# process asks Redis again, which a task that has started answers with a free key. A start
# learnt from another process's key is that host's wall clock: should the clocks differ by
# more than the second, a run may start before a skipped submission commits; the submission's
# evidence change keeps its project due, and the periodic sweep counts it within a minute.
_queued_runs: dict[int, float] = {}
QUEUED_RUN_MARGIN_SECONDS = 1.0
# The clocks it reads, by name, so that a test can move them without moving the process's.
_monotonic = time.monotonic
_wall_clock = time.time


def _queued_run_includes(project_id: int) -> bool:
    """Whether a recalculation already queued for the project will read what just committed."""
    starts = _queued_runs.get(project_id)
    return starts is not None and _monotonic() < starts - QUEUED_RUN_MARGIN_SECONDS


def _queued_run_remember(project_id: int, starts_at: object) -> None:
    """Remember when the queued run starts (`starts_at`: the wall-clock time in its key)."""
    if not isinstance(starts_at, float):
        return
    if len(_queued_runs) > 10_000:  # a long-lived process: forget the runs of the past
        now = _monotonic()
        for project, starts in list(_queued_runs.items()):
            if starts < now:
                _queued_runs.pop(project, None)
    _queued_runs[project_id] = _monotonic() + (starts_at - _wall_clock())


def publish_recalculation(project_id: int) -> None:
    """Queue one coalesced recalculation of a marked project (registered as the evidence hook)."""
    from scoring.tasks import recalculate_project

    try:
        # In-process tasks (the embedded default): another callback of the same burst may
        # already have recalculated it. With a broker the transaction that just committed made
        # the project due (a mark or an evidence change), so reading it back would cost every
        # submission a query for nothing.
        eager = recalculate_project.app.conf.task_always_eager
        if (
            eager
            and not readiness_selectors.projects_with_recalculation_due(
                Project.objects.filter(pk=project_id)
            )
            .filter(recalculation_due=True)
            .exists()
        ):
            return
        if not eager and _queued_run_includes(project_id):
            return
        key = _coalescing_key(project_id)
        delay = settings.SCORING_COALESCE_SECONDS
        starts_at = _wall_clock() + delay
        # One queued task per project per window: the rest of a burst finds the key taken.
        if not cache.add(key, starts_at, timeout=delay + settings.SCORING_COALESCE_GRACE_SECONDS):
            if not eager:
                _queued_run_remember(project_id, cache.get(key))
            return
        try:
            recalculate_project.apply_async(args=[project_id], countdown=delay)
        except BaseException:
            cache.delete(key)
            raise
        if not eager:
            _queued_run_remember(project_id, starts_at)
    except (BrokerError, RedisError, OSError) as error:
        logger.warning(
            "Could not enqueue the recalculation of project %s (%s); it stays due and the "
            "periodic sweep will recalculate it.",
            project_id,
            type(error).__name__,
        )


def _publish_sweep() -> None:
    from scoring.tasks import sweep_dirty_projects

    try:
        sweep_dirty_projects.delay()
    except (BrokerError, RedisError, OSError) as error:
        logger.warning(
            "Could not enqueue a sweep (%s); the periodic sweep will recalculate the projects.",
            type(error).__name__,
        )


# --- What the portfolio shows ---------------------------------------------------------------


def _standing_annotations() -> list[dict[str, Any]]:
    """Return, as annotations of a Project queryset, what the portfolio shows of its snapshots.

    The latest snapshot's figures; the change compares the latest snapshot of the latest round
    with the latest one of the round before, and only when both were scored with the same
    model version (else `model_changed`), as the score history does.
    """
    newest = ScoreSnapshot.objects.filter(project_id=OuterRef("pk")).order_by("-created_at", "-id")
    previous_round = (
        ScoreSnapshot.objects.filter(project_id=OuterRef("pk"), assessment__isnull=False)
        .exclude(assessment_id=OuterRef("standing_assessment"))
        .order_by("-created_at", "-id")
    )
    latest = {
        "standing_score": Subquery(newest.values("score")[:1]),
        "standing_band": Subquery(newest.values("band")[:1]),
        "standing_flags": Subquery(newest.values("flags")[:1]),
        "standing_rate": Subquery(newest.values("response_rate")[:1]),
        "standing_at": Subquery(newest.values("created_at")[:1]),
        "standing_assessment": Subquery(newest.values("assessment_id")[:1]),
        "standing_version": Subquery(newest.values("model_version")[:1]),
        # The last day with usage: the end of the latest snapshot's usage window.
        "standing_usage": Cast(
            Subquery(newest.annotate(day=KT("breakdown__usage__window_end")).values("day")[:1]),
            DateField(),
        ),
    }
    previous = {
        "standing_previous": Subquery(previous_round.values("score")[:1]),
        "standing_previous_version": Subquery(previous_round.values("model_version")[:1]),
    }
    compared = {
        "standing_change": Case(
            When(
                standing_previous_version=F("standing_version"),
                then=ExpressionWrapper(
                    F("standing_score") - F("standing_previous"), output_field=FloatField()
                ),
            ),
            default=None,
            output_field=FloatField(),
        ),
        "standing_model_changed": Case(
            When(
                Q(standing_previous_version__isnull=False)
                & ~Q(standing_previous_version=F("standing_version")),
                then=True,
            ),
            default=False,
            output_field=BooleanField(),
        ),
    }
    return [latest, previous, compared]


STANDING_FIELDS: dict[str, str] = {
    "latest_score": "standing_score",
    "latest_band": "standing_band",
    "latest_flags": "standing_flags",
    "latest_response_rate": "standing_rate",
    "latest_at": "standing_at",
    "previous_score": "standing_previous",
    "change": "standing_change",
    "model_changed": "standing_model_changed",
    "last_usage_on": "standing_usage",
}


def _standings_store(
    stored: Sequence[ScoreSnapshot], versions: Mapping[int, EvidenceVersion]
) -> None:
    """Store on each project what the portfolio shows, from the snapshot just stored, and clear
    its mark where its evidence version is still `versions[project]` (two queries).

    The same figures as `project_standings_refresh`, without reading back what is in hand:
    one query finds the latest snapshot of the round before each new one. A new snapshot that
    is not its project's latest (a backfill dated before a stored one) goes through
    `project_standings_refresh`.
    """
    if not stored:
        return
    by_id = {snapshot.pk: snapshot for snapshot in stored}
    placeholders = ", ".join(["%s"] * len(by_id))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT n.id, (
                SELECT l.id FROM scoring_scoresnapshot l WHERE l.project_id = n.project_id
                ORDER BY l.created_at DESC, l.id DESC LIMIT 1
            ), o.score, o.model_version
            FROM scoring_scoresnapshot n
            LEFT JOIN scoring_scoresnapshot o ON o.id = (
                SELECT b.id FROM scoring_scoresnapshot b
                WHERE b.project_id = n.project_id AND b.assessment_id IS NOT NULL
                AND b.assessment_id <> n.assessment_id
                ORDER BY b.created_at DESC, b.id DESC LIMIT 1
            )
            WHERE n.id IN ({placeholders})
            """,
            list(by_id),
        )
        rows = cursor.fetchall()
    values, others = [], []
    for snapshot_id, latest_id, previous_score, previous_version in rows:
        snapshot = by_id[snapshot_id]
        if latest_id != snapshot_id:
            others.append(snapshot.project_id)
            continue
        standing = _standing(snapshot, previous_score, previous_version)
        values.append((snapshot.project_id, standing))
    if values:
        _standings_write(sorted(values, key=operator.itemgetter(0)), versions)
    if others:
        project_standings_refresh(project_ids=others)
        _clear_marks({pk: versions[pk] for pk in others}, {})


def _standing(
    snapshot: ScoreSnapshot, previous_score: float | None, previous_version: int | None
) -> dict[str, Any]:
    """Return what the portfolio shows of a project whose latest snapshot is `snapshot`.

    `previous_*` are those of the latest snapshot of the round before (none without one): the
    change is shown only when both were scored with the same model version, as
    `_standing_annotations` does in SQL.
    """
    same_model = previous_version is not None and previous_version == snapshot.model_version
    change = None
    if same_model and snapshot.score is not None and previous_score is not None:
        change = snapshot.score - previous_score
    window_end = ((snapshot.breakdown or {}).get("usage") or {}).get("window_end")
    flags = snapshot.flags
    return {
        "latest_score": snapshot.score,
        "latest_band": snapshot.band,
        "latest_flags": flags,
        "latest_response_rate": snapshot.response_rate,
        "latest_at": snapshot.created_at,
        "previous_score": previous_score,
        "change": change,
        "model_changed": previous_version is not None and not same_model,
        "last_usage_on": datetime.date.fromisoformat(window_end) if window_end else None,
        **{f"flag_{code}": code in (flags or ()) for code in engine.FLAG_LABELS},
    }


def _standings_write(
    values: list[tuple[int, dict[str, Any]]], versions: Mapping[int, EvidenceVersion]
) -> None:
    """Write the projects' figures and clear their marks where the evidence version is still
    the one read: one statement, sent once per project in one round trip where the driver
    pipelines (`executemany`)."""
    fields = [Project._meta.get_field(name) for name in values[0][1]]
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    sql = f"""
        UPDATE readiness_project SET {assignments},
            needs_recalculation = CASE WHEN evidence_version = %s THEN %s
                ELSE needs_recalculation END,
            recalculation_error = CASE WHEN evidence_version = %s THEN %s
                ELSE recalculation_error END
        WHERE id = %s
    """
    params = [
        [
            *(field.get_db_prep_save(standing[field.name], connection) for field in fields),
            # A past round's result clears no mark: -1 is no version.
            versions[project_id].marks if versions[project_id].counts else -1,
            False,
            versions[project_id].marks if versions[project_id].counts else -1,
            "",
            project_id,
        ]
        for project_id, standing in values
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def project_standings_refresh(*, project_ids: Sequence[int]) -> None:
    """Store on each project what the portfolio shows of its snapshots (two queries).

    Called in the transaction that stores snapshots, so a page never sees a snapshot without
    its project's figures or the other way round.
    """
    if not project_ids:
        return
    projects = Project.objects.filter(pk__in=list(project_ids)).order_by()
    for layer in _standing_annotations():
        projects = projects.annotate(**layer)
    updated = []
    for pk, *values in projects.values_list("pk", *STANDING_FIELDS.values()):
        project = Project(pk=pk, **dict(zip(STANDING_FIELDS, values, strict=True)))
        for code in engine.FLAG_LABELS:
            setattr(project, f"flag_{code}", code in (project.latest_flags or ()))
        updated.append(project)
    Project.objects.bulk_update(
        updated, fields=[*STANDING_FIELDS, *(f"flag_{code}" for code in engine.FLAG_LABELS)]
    )
