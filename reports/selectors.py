"""Reads of the portfolio and the project report, always scoped to one workspace.

Each page costs a fixed number of queries whatever the number of projects, snapshots,
respondents or usage rows; `reports.shaping` turns what they read into what the page shows.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import (
    DateField,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Lower

from readiness.models import Answer, Dimension, ItemKind, Project, ProjectStatus, ResponseStatus
from reports import shaping
from scoring import engine
from scoring.models import ScoreSnapshot
from scoring.selectors import snapshot_latest
from usage.metrics import usage_monthly_series
from workspaces.models import Workspace

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
    projects = (
        Project.objects.for_workspace(workspace)
        .select_related("account", "account__owner")
        .annotate(
            latest_score=Subquery(newest.values("score")[:1]),
            latest_band=Subquery(newest.values("band")[:1]),
            latest_flags=Subquery(newest.values("flags")[:1]),
            latest_response_rate=Subquery(newest.values("response_rate")[:1]),
            latest_at=Subquery(newest.values("created_at")[:1]),
            previous_score=Subquery(newest.values("score")[1:2]),
            last_usage_on=_last_usage_expression(newest),
        )
        .annotate(
            change=ExpressionWrapper(
                F("latest_score") - F("previous_score"), output_field=FloatField()
            )
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


def snapshot_history_full(*, project: Project) -> QuerySet[ScoreSnapshot]:
    """Return every snapshot of the project with its breakdown, oldest first (for exports)."""
    return (
        ScoreSnapshot.objects.filter(workspace_id=project.workspace_id, project=project)
        .select_related("assessment")
        .order_by("created_at", "id")
    )


def concerns_for_snapshot(*, snapshot: ScoreSnapshot) -> list[str]:
    """Return the free-text concerns of the submitted responses the snapshot used.

    Sorted by their text, never by respondent or time, so their order reveals nobody.
    """
    if snapshot.assessment_id is None:
        return []
    return list(
        Answer.objects.filter(
            response__assessment_id=snapshot.assessment_id,
            response__workspace_id=snapshot.workspace_id,
            response__status=ResponseStatus.SUBMITTED,
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
    history = list(
        ScoreSnapshot.objects.filter(workspace_id=project.workspace_id, project=project)
        .select_related("assessment")
        .defer("breakdown")
        .order_by("-created_at", "-id")[:REPORT_HISTORY_LIMIT]
    )
    history.reverse()
    latest = snapshot_latest(project=project) if history else None
    breakdown = latest.breakdown if latest else {}
    min_group_size = (breakdown.get("thresholds") or {}).get("min_group_size", 1)
    # Free text can identify its writer, so it follows the same rule as a suppressed group.
    concerns_shown = latest is not None and latest.responses >= min_group_size
    concerns = concerns_for_snapshot(snapshot=latest) if concerns_shown else []
    usage_months = usage_monthly_trend(project=project)
    return {
        "latest": latest,
        "breakdown": breakdown,
        "groups": shaping.report_groups(breakdown),
        "charts": shaping.report_charts(breakdown, history, usage_months),
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
            for group in shaping.report_groups(breakdown)
            if group["group"] in (engine.GROUP_LEADERSHIP, engine.GROUP_END_USERS)
        ],
    }
