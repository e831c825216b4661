"""Reads for scoring: the engine's inputs from the database, snapshots and the scoring model.

The input loaders take many projects at once and use a fixed number of queries per batch, so a
sweep's query count grows with the number of batches, never with the number of respondents.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateField,
    ExpressionWrapper,
    F,
    FloatField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    When,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Lower

from readiness.models import (
    ADKAR_DIMENSIONS,
    Answer,
    Assessment,
    AssessmentState,
    Dimension,
    Invitation,
    ItemKind,
    Project,
    ProjectStatus,
    Response,
    ResponseStatus,
    TemplateItem,
    Workspace,
)
from readiness.selectors import get_in_workspace
from scoring import engine, heatmap, suppression
from scoring import usage_files as uf
from scoring.models import ScoreSnapshot, ScoringModel, UsageImport, UsageImportState
from scoring.usage_files import PREVIEW_ROWS, progress_cache_key
from scoring.usage_metrics import (
    UsageMonth,
    UsageWindow,
    usage_monthly_series,
    usage_window_figures,
)

LIKERT_DIMENSIONS = (*ADKAR_DIMENSIONS, Dimension.LEADERSHIP)


@dataclass(frozen=True)
class ProjectEvidence:
    """One project's engine input, with what the snapshot records beside it."""

    project_id: int
    workspace_id: int
    assessment_id: int | None
    inputs: engine.ScoreInput
    fingerprint: str


# --- Usage --------------------------------------------------------------------------------


def usage_figures_for_projects(project_ids: Sequence[int]) -> dict[int, engine.UsageFigures]:
    """Return each project's usage in its 30-day window; projects without usage are absent.

    A project without usage data is left out, so its usage component is missing and the score
    re-weights over the others.
    """
    return {
        pk: engine.UsageFigures(
            active_users=window.monthly_active_users,
            licensed_seats=window.licensed_seats,
            features_used=len(window.features_used),
            features_tracked=len(window.tracked_features),
            stickiness=window.dau_mau,
            window_start=window.window_start.isoformat(),
            window_end=window.window_end.isoformat(),
        )
        for pk, window in usage_window_figures(project_ids=project_ids).items()
        if window.has_data
    }


# --- The scoring model --------------------------------------------------------------------


def scoring_model_current(*, workspace: Workspace) -> ScoringModel | None:
    """Return the workspace's scoring model in force (its newest version), if any."""
    return ScoringModel.objects.for_workspace(workspace).order_by("-version").first()


def scoring_model_versions(*, workspace: Workspace) -> QuerySet[ScoringModel]:
    """Return every version of the workspace's scoring model, newest first."""
    return (
        ScoringModel.objects.for_workspace(workspace)
        .select_related("created_by")
        .order_by("-version")
    )


def _current_models(workspace_ids: Iterable[int]) -> dict[int, ScoringModel]:
    newest = ScoringModel.objects.filter(workspace_id=OuterRef("workspace_id")).order_by("-version")
    models = ScoringModel.objects.filter(
        workspace_id__in=set(workspace_ids), pk=Subquery(newest.values("pk")[:1])
    )
    return {model.workspace_id: model for model in models}


# --- Engine inputs ------------------------------------------------------------------------


DEPARTMENT_SPLIT = "department"
# Attribute splits are named apart from department and role, whatever the list called them.
ATTRIBUTE_SPLIT_PREFIX = "attribute:"


def _scored_assessments(
    project_ids: Sequence[int], minimums: dict[int, int]
) -> dict[int, tuple[int, int, int]]:
    """Return, per project, its newest assessment with enough submitted responses to show.

    Each value is (assessment id, invitations, submitted responses); `minimums` maps a project
    to its minimum group size: a round with fewer responses shows nothing, so the one before it
    stays the project's evidence.
    """
    submitted = (
        Assessment.objects.filter(pk=OuterRef("pk"))
        .annotate(n=Count("responses", filter=Q(responses__status=ResponseStatus.SUBMITTED)))
        .values("n")
    )
    invited = (
        Invitation.objects.filter(assessment_id=OuterRef("pk"))
        .order_by()
        .values("assessment_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Assessment.objects.filter(project_id__in=project_ids)
        .annotate(submitted=Subquery(submitted), invited=Subquery(invited))
        .filter(submitted__gt=0)
        .order_by("project_id", "-opens_on", "-id")
        .values_list("project_id", "pk", "invited", "submitted")
    )
    chosen: dict[int, tuple[int, int, int]] = {}
    for project_id, assessment_id, invited_count, submitted_count in rows:
        if submitted_count >= minimums.get(project_id, 1):
            chosen.setdefault(project_id, (assessment_id, invited_count or 0, submitted_count))
    return chosen


def _shown_counts(assessment_ids: Iterable[int]) -> dict[int, int]:
    """Return, per assessment, the most responses a stored snapshot of it has shown."""
    return dict(
        ScoreSnapshot.objects.filter(assessment_id__in=list(assessment_ids))
        .order_by()
        .values("assessment_id")
        .annotate(shown=Max("responses"))
        .values_list("assessment_id", "shown")
    )


def _respondents(limits: dict[int, int]) -> dict[int, list[engine.Respondent]]:
    """Return the first submitted respondents of each assessment, in order of submission.

    `limits` maps an assessment to how many of its responses may be shown
    (`suppression.disclosed_count`): always the first ones submitted, so that a later state
    adds people to an earlier one and never swaps them.
    """
    assessment_ids = list(limits)
    # Item kinds and dimensions are read once here rather than joined into every answer row:
    # the answers query then moves only integers, which is most of a recalculation's time.
    items = {
        pk: (kind, dimension)
        for pk, kind, dimension in TemplateItem.objects.filter(
            template__assessments__in=assessment_ids,
            kind__in=[ItemKind.LIKERT, ItemKind.NPS],
        )
        .order_by()
        .values_list("pk", "kind", "dimension")
    }
    # A submitted response whose every answer is "Don't know" still counts as a respondent.
    responses = (
        Response.objects.filter(assessment_id__in=assessment_ids, status=ResponseStatus.SUBMITTED)
        .order_by()
        .values_list(
            "pk",
            "assessment_id",
            "invitation__role",
            "invitation__department",
            "invitation__attributes",
            "submitted_at",
        )
    )
    answers = (
        Answer.objects.filter(
            response__assessment_id__in=assessment_ids,
            response__status=ResponseStatus.SUBMITTED,
            dont_know=False,
            value__isnull=False,
        )
        .order_by()
        .values_list("response_id", "item_id", "value")
    )
    first: dict[int, list[tuple[datetime.datetime | None, int]]] = defaultdict(list)
    rows = {}
    for response_id, assessment_id, role, department, attributes, submitted_at in responses:
        first[assessment_id].append((submitted_at, response_id))
        rows[response_id] = (assessment_id, role, _segments(department, attributes))
    kept = {
        response_id
        for assessment_id, moments in first.items()
        for _, response_id in sorted(moments, key=_submission_order)[: limits[assessment_id]]
    }
    shape: dict[int, tuple[int, str, dict[str, list[int]], list[int], dict[str, str]]] = {
        response_id: (assessment_id, role, defaultdict(list), [], segments)
        for response_id, (assessment_id, role, segments) in rows.items()
        if response_id in kept
    }
    for response_id, item_id, value in answers:
        item = items.get(item_id)
        entry = shape.get(response_id)
        if item is None or entry is None:
            continue
        kind, dimension = item
        if kind == ItemKind.NPS:
            entry[3].append(value)
        elif dimension in LIKERT_DIMENSIONS and 1 <= value <= 5:
            entry[2][dimension].append(value)
    by_assessment: dict[int, list[engine.Respondent]] = defaultdict(list)
    for _response_id, (assessment_id, role, likert, nps, segments) in sorted(shape.items()):
        by_assessment[assessment_id].append(
            engine.Respondent(
                role=role,
                likert={d: tuple(sorted(v)) for d, v in sorted(likert.items())},
                nps=nps[0] if nps else None,
                segments=segments,
            )
        )
    return by_assessment


def _submission_order(moment: tuple[datetime.datetime | None, int]) -> tuple[bool, object, int]:
    submitted_at, response_id = moment
    return (submitted_at is None, submitted_at or 0, response_id)


def _segments(department: str, attributes: dict | None) -> dict[str, str]:
    """Return the respondent's splits besides role: department, then the list's attributes."""
    segments = {
        f"{ATTRIBUTE_SPLIT_PREFIX}{name}": str(value).strip()
        for name, value in (attributes or {}).items()
        if str(value).strip()
    }
    if department := (department or "").strip():
        segments[DEPARTMENT_SPLIT] = department
    return segments


def fingerprint(
    *, inputs: engine.ScoreInput, assessment_id: int | None, model_id: int | None
) -> str:
    """Return a SHA-256 of everything the calculation depends on, independent of row order."""
    # repr() of tuples of str and int is stable; sorting makes row order irrelevant.
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


def evidence_for_projects(
    project_ids: Sequence[int],
    *,
    models: dict[int, ScoringModel],
    assessment_overrides: dict[int, int] | None = None,
) -> dict[int, ProjectEvidence]:
    """Return the engine input of each project, read in a fixed number of queries.

    `models` maps workspace id to the scoring model in force; `assessment_overrides` pins a
    project to one assessment (the demo data uses it to record earlier rounds).
    """
    projects = list(
        Project.objects.filter(pk__in=project_ids)
        .order_by()
        .values_list("pk", "workspace_id", "status", "licensed_seats")
    )
    minimums = {pk: models[workspace_id].min_group_size for pk, workspace_id, *_ in projects}
    chosen = _scored_assessments(project_ids, minimums)
    for project_id, assessment_id in (assessment_overrides or {}).items():
        invited = Invitation.objects.filter(assessment_id=assessment_id).count()
        submitted = Response.objects.filter(
            assessment_id=assessment_id, status=ResponseStatus.SUBMITTED
        ).count()
        chosen[project_id] = (assessment_id, invited, submitted)
    shown = _shown_counts(assessment_id for assessment_id, *_ in chosen.values())
    limits = {
        assessment_id: suppression.disclosed_count(
            submitted=submitted,
            previous=shown.get(assessment_id, 0),
            min_group_size=minimums[project_id],
        )
        for project_id, (assessment_id, _, submitted) in chosen.items()
    }
    respondents = _respondents(limits)
    usage = usage_figures_for_projects([pk for pk, *_ in projects])
    evidence = {}
    for project_id, workspace_id, status, _seats in projects:
        model = models[workspace_id]
        assessment_id, invited, _ = chosen.get(project_id, (None, 0, 0))
        inputs = engine.ScoreInput(
            respondents=tuple(respondents.get(assessment_id, ())) if assessment_id else (),
            invitations=invited,
            usage=usage.get(project_id),
            project_live=status == ProjectStatus.LIVE,
            model=model.parameters(),
        )
        evidence[project_id] = ProjectEvidence(
            project_id=project_id,
            workspace_id=workspace_id,
            assessment_id=assessment_id,
            inputs=inputs,
            fingerprint=fingerprint(inputs=inputs, assessment_id=assessment_id, model_id=model.pk),
        )
    return evidence


def current_models(workspace_ids: Iterable[int]) -> dict[int, ScoringModel]:
    """Return the scoring model in force for each of the workspaces."""
    return _current_models(workspace_ids)


def latest_fingerprints(project_ids: Sequence[int]) -> dict[int, str]:
    """Return the fingerprint of each project's latest snapshot."""
    newest = ScoreSnapshot.objects.filter(project_id=OuterRef("project_id")).order_by(
        "-created_at", "-id"
    )
    rows = ScoreSnapshot.objects.filter(
        project_id__in=project_ids, pk=Subquery(newest.values("pk")[:1])
    ).values_list("project_id", "fingerprint")
    return dict(rows)


def dirty_project_ids() -> list[int]:
    """Return every project marked for recalculation, in every workspace (the sweep's work)."""
    return list(
        Project.objects.filter(needs_recalculation=True).order_by("pk").values_list("pk", flat=True)
    )


def open_project_ids() -> list[int]:
    """Return every project that is not closed, in every workspace (the nightly run's work)."""
    return list(
        Project.objects.exclude(status=ProjectStatus.CLOSED)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


# --- Pages --------------------------------------------------------------------------------


def snapshot_latest(*, project: Project) -> ScoreSnapshot | None:
    """Return the project's latest snapshot."""
    return (
        ScoreSnapshot.objects.filter(workspace_id=project.workspace_id, project=project)
        .select_related("assessment")
        .order_by("-created_at", "-id")
        .first()
    )


def snapshot_history(*, project: Project, limit: int = 20) -> list[RoundPoint]:
    """Return the project's rounds, newest first (see `round_history`)."""
    return round_history(project=project)[::-1][:limit]


@dataclass(frozen=True)
class RoundPoint:
    """One assessment round in a project's trend: the latest snapshot of that round.

    `provisional` while the round is open; `model_changed` when it was scored with another
    scoring-model version than the round before, and then `change` is None: the difference
    would mix a change of readiness with a change of the model.
    """

    snapshot: ScoreSnapshot
    provisional: bool
    model_changed: bool
    change: float | None

    @property
    def created_at(self) -> datetime.datetime:
        return self.snapshot.created_at


def round_history(*, project: Project, with_breakdown: bool = False) -> list[RoundPoint]:
    """Return one point per assessment round of the project, oldest first; two queries at most.

    Each round counts with its latest snapshot, so the trend compares rounds and never one
    respondent's arrival with the next.
    """
    latest_of_round = (
        ScoreSnapshot.objects.filter(
            project_id=OuterRef("project_id"), assessment_id=OuterRef("assessment_id")
        )
        .order_by("-created_at", "-id")
        .values("pk")[:1]
    )
    snapshots = (
        ScoreSnapshot.objects.filter(
            workspace_id=project.workspace_id,
            project=project,
            assessment__isnull=False,
            pk=Subquery(latest_of_round),
        )
        .select_related("assessment")
        .order_by("assessment__opens_on", "assessment_id")
    )
    if not with_breakdown:
        snapshots = snapshots.defer("breakdown")
    points: list[RoundPoint] = []
    previous: ScoreSnapshot | None = None
    for snapshot in snapshots:
        changed = previous is not None and previous.model_version != snapshot.model_version
        change = None
        if previous is not None and not changed and None not in (snapshot.score, previous.score):
            change = snapshot.score - previous.score
        points.append(
            RoundPoint(
                snapshot=snapshot,
                provisional=snapshot.assessment.state == AssessmentState.OPEN,
                model_changed=changed,
                change=change,
            )
        )
        previous = snapshot
    return points


def project_score(*, project: Project) -> dict[str, object]:
    """Return what the project page shows about the score: the latest snapshot and history."""
    history = snapshot_history(project=project)
    latest = snapshot_latest(project=project)
    return {
        "latest": latest,
        "groups": breakdown_groups(latest.breakdown) if latest else {},
        "history": history,
        "needs_recalculation": project.needs_recalculation,
    }


def latest_snapshots_for_projects(project_ids: Sequence[int]) -> dict[int, ScoreSnapshot]:
    """Return the latest snapshot of each project that has one."""
    newest = ScoreSnapshot.objects.filter(project_id=OuterRef("project_id")).order_by(
        "-created_at", "-id"
    )
    snapshots = ScoreSnapshot.objects.filter(
        project_id__in=project_ids, pk=Subquery(newest.values("pk")[:1])
    ).select_related("project", "project__account", "assessment")
    return {snapshot.project_id: snapshot for snapshot in snapshots}


# --- Portfolio ----------------------------------------------------------------------------

NO_SCORE = "none"
PORTFOLIO_SORTS: dict[str, str] = {
    "score": "Score",
    "change": "Change",
    "name": "Name",
    "response_rate": "Response rate",
    "last_usage": "Last usage",
}


def _newest_snapshots() -> QuerySet[ScoreSnapshot]:
    return ScoreSnapshot.objects.filter(project_id=OuterRef("pk")).order_by("-created_at", "-id")


def portfolio_projects(
    *,
    workspace: Workspace,
    band: str = "",
    owner: int | str | None = None,
    status: str = "",
    flag: str = "",
    sort: str = "score",
) -> QuerySet[Project]:
    """Return the workspace's projects with their latest and previous score, filtered and sorted.

    Each row carries `latest_score`, `latest_band`, `latest_flags`, `latest_response_rate`,
    `latest_at`, `previous_score`, `change` and `last_usage_on` as annotations (correlated
    subqueries), so a page costs the same number of queries whatever its size. `owner` is a user
    id or "none" (accounts without an owner); `sort` is a key of PORTFOLIO_SORTS, prefixed with
    "-" for descending. Unknown values are the caller's to reject; here they are ignored.
    """
    newest = _newest_snapshots()
    # The change compares rounds: the latest snapshot of the latest round with the latest one
    # of the round before, and only when both were scored with the same model version.
    previous_round = (
        ScoreSnapshot.objects.filter(project_id=OuterRef("pk"), assessment__isnull=False)
        .exclude(assessment_id=OuterRef("latest_assessment"))
        .order_by("-created_at", "-id")
    )
    projects = (
        Project.objects.for_workspace(workspace)
        .select_related("account", "account__owner")
        .annotate(
            latest_score=Subquery(newest.values("score")[:1]),
            latest_band=Subquery(newest.values("band")[:1]),
            latest_flags=Subquery(newest.values("flags")[:1]),
            latest_response_rate=Subquery(newest.values("response_rate")[:1]),
            latest_at=Subquery(newest.values("created_at")[:1]),
            latest_assessment=Subquery(newest.values("assessment_id")[:1]),
            latest_version=Subquery(newest.values("model_version")[:1]),
            last_usage_on=_last_usage_expression(newest),
        )
        .annotate(
            previous_score=Subquery(previous_round.values("score")[:1]),
            previous_version=Subquery(previous_round.values("model_version")[:1]),
        )
        .annotate(
            change=Case(
                When(
                    previous_version=F("latest_version"),
                    then=ExpressionWrapper(
                        F("latest_score") - F("previous_score"), output_field=FloatField()
                    ),
                ),
                default=None,
                output_field=FloatField(),
            ),
            model_changed=Case(
                When(
                    Q(previous_version__isnull=False) & ~Q(previous_version=F("latest_version")),
                    then=True,
                ),
                default=False,
                output_field=BooleanField(),
            ),
        )
    )
    if band == NO_SCORE:
        projects = projects.filter(Q(latest_band__isnull=True) | Q(latest_band=""))
    elif band in engine.BAND_LABELS:
        projects = projects.filter(latest_band=band)
    if owner == NO_SCORE:
        projects = projects.filter(account__owner__isnull=True)
    elif isinstance(owner, int):
        projects = projects.filter(account__owner_id=owner)
    if status in ProjectStatus.values:
        projects = projects.filter(status=status)
    if flag in engine.FLAG_LABELS:
        # The flag codes are distinct words, so a match on the list's JSON text is exact; JSON
        # containment (`flags__contains`) is not available on SQLite, the embedded default.
        projects = projects.annotate(
            latest_flags_text=Cast(Subquery(newest.values("flags")[:1]), TextField())
        ).filter(latest_flags_text__contains=f'"{flag}"')
    return projects.order_by(*_portfolio_ordering(sort))


def _last_usage_expression(newest: QuerySet[ScoreSnapshot]) -> Cast:
    """Return the last day with usage: the end of the latest snapshot's usage window."""
    day = newest.annotate(day=KT("breakdown__usage__window_end")).values("day")[:1]
    return Cast(Subquery(day), DateField())


def _portfolio_ordering(sort: str) -> list[object]:
    descending = sort.startswith("-")
    key = sort.removeprefix("-")
    field = {
        "score": "latest_score",
        "change": "change",
        "name": "name",
        "response_rate": "latest_response_rate",
        "last_usage": "last_usage_on",
    }.get(key, "latest_score")
    if field == "name":
        names = [Lower("name"), Lower("account__name")]
        primary = [name.desc() for name in names] if descending else names
    else:
        # Projects without the figure go last in both directions: they need data, not sorting.
        expression = F(field)
        primary = [
            expression.desc(nulls_last=True) if descending else expression.asc(nulls_last=True)
        ]
    return [*primary, "account__name", "name", "pk"]


def portfolio_owners(*, workspace: Workspace) -> QuerySet:
    """Return the users who own at least one of the workspace's accounts, by name."""
    return (
        get_user_model()
        .objects.filter(owned_accounts__workspace=workspace)
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


# --- The project report -------------------------------------------------------------------

REPORT_HISTORY_LIMIT = 100


def snapshot_history_full(*, project: Project) -> list[RoundPoint]:
    """Return the project's rounds with their breakdown, oldest first (for exports)."""
    return round_history(project=project, with_breakdown=True)


def responses_shown(*, assessment: Assessment) -> int:
    """Return how many of the assessment's responses its stored figures have shown so far."""
    shown = ScoreSnapshot.objects.filter(
        workspace_id=assessment.workspace_id, assessment=assessment
    ).aggregate(shown=Max("responses"))["shown"]
    return shown or 0


def min_group_size(*, workspace: Workspace) -> int:
    """Return the workspace's minimum group size (the default before any model is saved)."""
    current = scoring_model_current(workspace=workspace)
    return current.min_group_size if current else engine.ModelParameters().min_group_size


def concerns_for_snapshot(*, snapshot: ScoreSnapshot) -> list[str]:
    """Return the free-text concerns of the submitted responses the snapshot used.

    Only the responses the snapshot's figures cover (the first submitted, see
    `suppression.disclosed_count`), so a concern appears together with at least the minimum
    group size of others' answers; sorted by their text, never by respondent or time, so their
    order reveals nobody.
    """
    if snapshot.assessment_id is None or not snapshot.responses:
        return []
    covered = (
        Response.objects.filter(
            assessment_id=snapshot.assessment_id,
            workspace_id=snapshot.workspace_id,
            status=ResponseStatus.SUBMITTED,
        )
        .order_by(F("submitted_at").asc(nulls_last=True), "pk")
        .values("pk")[: snapshot.responses]
    )
    return list(
        Answer.objects.filter(
            response__in=Subquery(covered),
            item__kind=ItemKind.TEXT,
            item__dimension=Dimension.COMMENT,
        )
        .exclude(text="")
        .order_by("text")
        .values_list("text", flat=True)
    )


def usage_monthly_trend(*, project: Project) -> list[dict[str, object]]:
    """Return the project's monthly usage, oldest first, for the report's trend.

    Each month is {label, active_users, licensed_seats, utilization, active_days,
    features_used}; three queries whatever the amount of usage.
    """
    months = usage_monthly_series(project_ids=[project.pk]).get(project.pk, [])
    return [
        {
            "label": month.month.strftime("%b %Y"),
            "active_users": month.active_users,
            "licensed_seats": project.licensed_seats,
            "utilization": month.license_utilization,
            "active_days": month.active_days,
            "features_used": month.features_used,
        }
        for month in months
    ]


def project_report(*, project: Project) -> dict[str, object]:
    """Return everything the report shows: the latest snapshot, history, concerns and usage.

    Costs a fixed number of queries whatever the number of snapshots, respondents or usage rows.
    """
    history = round_history(project=project)[-REPORT_HISTORY_LIMIT:]
    latest = snapshot_latest(project=project)
    breakdown = latest.breakdown if latest else {}
    min_group_size = (breakdown.get("thresholds") or {}).get("min_group_size", 1)
    # Free text can identify its writer, so it follows the same rule as a suppressed group.
    concerns_shown = latest is not None and latest.responses >= min_group_size
    concerns = concerns_for_snapshot(snapshot=latest) if concerns_shown else []
    usage_months = usage_monthly_trend(project=project)
    return {
        "latest": latest,
        "breakdown": breakdown,
        "groups": _report_groups(breakdown),
        "charts": _report_charts(breakdown, history, usage_months),
        "history": history,
        "concerns": concerns,
        "concerns_shown": concerns_shown,
        "min_group_size": min_group_size,
        "usage_months": usage_months,
        "dimensions": [(code, engine.DIMENSION_LABELS[code]) for code in engine.ADKAR],
        "barrier_points": [
            (code, engine.DIMENSION_LABELS.get(code, "No barrier"))
            for code in engine.BARRIER_POINTS
        ],
        "pair": [
            group
            for group in _report_groups(breakdown)
            if group["group"] in (engine.GROUP_LEADERSHIP, engine.GROUP_END_USERS)
        ],
    }


def project_heatmap(*, project: Project, split: str = "", compare: str = "") -> dict[str, object]:
    """Return the segment heatmap of the project's latest round, compared with another round.

    `split` names the split to show (unknown: department when there is one, else role);
    `compare` is the id of an earlier round of the project (anything else: no comparison).
    Costs a fixed number of queries: the rounds' latest snapshots, read once.
    """
    points = round_history(project=project, with_breakdown=True)
    if not points:
        return {"heatmap": None, "splits": [], "rounds": [], "current": None, "previous": None}
    current = points[-1]
    breakdown = current.snapshot.breakdown or {}
    options = heatmap.splits(breakdown)
    keys = [key for key, _ in options]
    if split not in keys:
        split = heatmap.DEPARTMENT if heatmap.DEPARTMENT in keys else heatmap.ROLE
    earlier = points[:-1]
    previous = next((p for p in earlier if str(p.snapshot.assessment_id) == compare), None)
    shaped = heatmap.build(
        split=split,
        groups=breakdown_groups(breakdown),
        breakdown=breakdown,
        previous_groups=breakdown_groups(previous.snapshot.breakdown) if previous else None,
        previous_breakdown=(previous.snapshot.breakdown or {}) if previous else None,
    )
    return {
        "heatmap": shaped,
        "splits": options,
        "rounds": [(p.snapshot.assessment_id, p.snapshot.assessment.name) for p in earlier],
        "current": current,
        "previous": previous,
    }


def breakdown_groups(breakdown: dict) -> dict[str, dict]:
    """Return a snapshot's groups, with secondary suppression for snapshots stored before it.

    Before breakdown schema 3 a snapshot hid only the groups that were too small; leadership
    and end users together make up "all", so when one is hidden the other must be too.
    """
    groups = dict(breakdown.get("groups") or {})
    if breakdown.get("schema", 0) >= 3:
        return groups
    pair = (engine.GROUP_LEADERSHIP, engine.GROUP_END_USERS)
    if any((groups.get(name) or {}).get("suppressed") for name in pair):
        for name in pair:
            if name in groups:
                groups[name] = {**groups[name], "suppressed": True, "responses": None}
    return groups


def _report_groups(breakdown: dict) -> list[dict]:
    """Return the three groups in display order, each with its label (suppressed ones too)."""
    groups = breakdown_groups(breakdown)
    return [
        {**groups[name], "label": engine.GROUP_LABELS[name]}
        for name in (engine.GROUP_ALL, engine.GROUP_LEADERSHIP, engine.GROUP_END_USERS)
        if name in groups
    ]


def _report_charts(
    breakdown: dict, history: Sequence[RoundPoint], usage_months: Sequence[dict]
) -> dict[str, dict]:
    """Return the data of the report's Chart.js charts; suppressed groups are left out."""
    shown = [group for group in _report_groups(breakdown) if not group.get("suppressed")]
    dimensions = [engine.DIMENSION_LABELS[d] for d in engine.ADKAR]
    pair = [g for g in shown if g["group"] in (engine.GROUP_LEADERSHIP, engine.GROUP_END_USERS)]
    barrier_max = (breakdown.get("thresholds") or {}).get("barrier_max", 3.0)
    return {
        "adkar": {
            "type": "bar",
            "labels": dimensions,
            "datasets": [
                {
                    "label": g["label"],
                    "data": [(g["element_means"] or {}).get(d) for d in engine.ADKAR],
                }
                for g in shown
            ],
            "y": {"min": 1, "max": 5, "title": "Mean answer (1–5)"},
            "barrierLine": barrier_max,
        },
        "barriers": {
            "type": "bar",
            "labels": [*dimensions, "No barrier"],
            "datasets": [
                {
                    "label": g["label"],
                    "data": [
                        100 * (g["barrier_distribution"] or {}).get(point, 0.0)
                        for point in engine.BARRIER_POINTS
                    ],
                }
                for g in shown
            ],
            "y": {"min": 0, "max": 100, "title": "Share of respondents (%)"},
        },
        "segments": {
            "type": "bar",
            "labels": ["ADKAR index", "Leadership index", "Sentiment index"],
            "datasets": [
                {
                    "label": g["label"],
                    "data": [g["adkar_index"], g["leadership_index"], g["sentiment_index"]],
                }
                for g in pair
            ],
            "y": {"min": 0, "max": 100, "title": "Index (0–100)"},
        },
        "nps": {
            "type": "bar",
            "indexAxis": "y",
            "stacked": True,
            "labels": [g["label"] for g in shown],
            "datasets": [
                {
                    "label": kind.capitalize(),
                    "data": [(g.get("nps_counts") or {}).get(kind) for g in shown],
                }
                for kind in ("promoters", "passives", "detractors")
            ],
            "y": {"title": "Respondents"},
        },
        # A time axis: rounds months apart stand months apart. Points are milliseconds since
        # the epoch on a linear axis (no date adapter needed); report.js prints them as dates.
        "history": {
            "type": "line",
            "timeAxis": True,
            "labels": [point.snapshot.assessment.name for point in history],
            "datasets": [
                {
                    "label": "Score",
                    "data": [
                        {
                            "x": int(point.created_at.timestamp() * 1000),
                            "y": point.snapshot.score,
                            "round": point.snapshot.assessment.name
                            + (" (provisional)" if point.provisional else "")
                            + (" (scoring model changed)" if point.model_changed else ""),
                        }
                        for point in history
                    ],
                }
            ],
            "y": {"min": 0, "max": 100, "title": "Score (0–100)"},
        },
        "usage": {
            "type": "line",
            "labels": [month["label"] for month in usage_months],
            "datasets": [
                {
                    "label": "Monthly active users",
                    "data": [month["active_users"] for month in usage_months],
                },
                {
                    "label": "Licensed seats",
                    "data": [month["licensed_seats"] for month in usage_months],
                },
            ],
            "y": {"min": 0, "title": "Users"},
        },
    }


"""Reads of usage imports and usage figures, always scoped to one workspace."""


RECENT_IMPORTS = 5


def _imports_that_fed(imports: QuerySet[UsageImport], project: Project) -> QuerySet[UsageImport]:
    """Keep the imports of `project` itself and the workspace-wide ones with rows for it."""
    workspace_wide = UsageImport.objects.filter(projects=project).values("pk")
    return imports.filter(Q(project=project) | Q(pk__in=workspace_wide))


def usage_import_list(
    *, workspace: Workspace, project: Project | None = None
) -> QuerySet[UsageImport]:
    """Return the workspace's usage imports, newest first, with their project and uploader.

    With `project`, only the imports that fed it: its own files, and the workspace-wide files
    that routed rows to it. One query whatever the number of imports.
    """
    imports = UsageImport.objects.for_workspace(workspace).select_related(
        "project", "project__account", "uploaded_by"
    )
    if project is not None:
        imports = _imports_that_fed(imports, project)
    return imports.order_by("-created_at", "-id")


def usage_import_get(*, workspace: Workspace, import_id: int) -> UsageImport:
    return get_in_workspace(
        UsageImport.objects.select_related(
            "project", "project__account", "uploaded_by"
        ).prefetch_related("projects__account"),
        workspace,
        import_id,
    )


def usage_import_progress(*, usage_import: UsageImport) -> int:
    """Return how far (percent) an import is: live from the cache while it is processed."""
    if usage_import.state == UsageImportState.PROCESSING:
        return cache.get(progress_cache_key(usage_import.pk), usage_import.progress)
    return usage_import.progress


def usage_import_overlaps(*, usage_import: UsageImport, limit: int = 5) -> list[UsageImport]:
    """Return other finished imports that gave one of the import's projects rows of the same
    days: the same usage imported twice (a copy with other line endings, say) would count
    its events twice, so the import page points them out."""
    if usage_import.state != UsageImportState.DONE or usage_import.first_day is None:
        return []
    overlapping = (
        UsageImport.objects.filter(
            workspace_id=usage_import.workspace_id,
            state=UsageImportState.DONE,
            projects__in=usage_import.projects.all(),
            first_day__lte=usage_import.last_day,
            last_day__gte=usage_import.first_day,
        )
        .exclude(pk=usage_import.pk)
        .distinct()
        .order_by("created_at")
    )
    return list(overlapping[:limit])


@dataclass(frozen=True)
class Preview:
    header: list[str]
    rows: list[list[str]]
    error: str = ""


def usage_import_preview(*, usage_import: UsageImport) -> Preview:
    """Return the first rows of an upload that waits for its column mapping."""
    if not usage_import.file or not default_storage.exists(usage_import.file.name):
        return Preview(
            usage_import.header, [], "The uploaded file is no longer here: upload it again."
        )
    try:
        shape = uf.read_shape(
            lambda: default_storage.open(usage_import.file.name, "rb"),
            usage_import.file_name,
            preview_rows=PREVIEW_ROWS,
        )
    except uf.FileRefused as refused:
        return Preview(usage_import.header, [], refused.errors[0].message)
    width = len(shape.header)
    return Preview(shape.header, [(row + [""] * width)[:width] for row in shape.preview])


@dataclass(frozen=True)
class UsagePanel:
    window: UsageWindow
    months: list[UsageMonth]
    imports: list[UsageImport]


def usage_panel(*, project: Project) -> UsagePanel:
    """Return what the project page shows about usage: window, monthly series, recent imports.

    The recent imports include the workspace-wide files that routed rows to the project.
    """
    imports = list(
        _imports_that_fed(
            UsageImport.objects.filter(workspace_id=project.workspace_id), project
        ).order_by("-created_at", "-id")[:RECENT_IMPORTS]
    )
    return UsagePanel(
        window=usage_window_figures(project_ids=[project.pk])[project.pk],
        months=usage_monthly_series(project_ids=[project.pk])[project.pk],
        imports=imports,
    )
