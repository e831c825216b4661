"""Reads of the portfolio and the project report, always scoped to one workspace.

Each page costs a fixed number of queries whatever the number of projects, snapshots,
respondents or usage rows; `reports.shaping` turns what they read into what the page shows.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.db.models.functions import Lower
from django.utils import timezone

from plans import selectors as plan_selectors
from readiness.models import (
    Account,
    Answer,
    Dimension,
    ItemKind,
    Project,
    ProjectStatus,
    Response,
    ResponseStatus,
)
from reports import heatmap, shaping
from reports.models import ShareLink
from scoring import engine
from scoring import selectors as scoring_selectors
from scoring.models import ScoreSnapshot
from scoring.selectors import RoundPoint, snapshot_latest
from usage.metrics import usage_monthly_series
from workspaces.models import Workspace
from workspaces.selectors import get_in_workspace

# --- Portfolio ----------------------------------------------------------------------------

NO_SCORE = "none"
PORTFOLIO_SORTS: dict[str, str] = {
    "score": "Score",
    "change": "Change",
    "name": "Name",
    "response_rate": "Response rate",
    "last_usage": "Last usage",
}
# What the page says of its order, for each sort: ascending, descending, and which projects
# come last either way (None for the name, which every project has).
PORTFOLIO_ORDERS: dict[str, tuple[str, str, str | None]] = {
    "score": (
        "Lowest scores first, so the projects at risk are on top.",
        "Highest scores first.",
        "Projects without a score come last.",
    ),
    "change": (
        "Largest falls first.",
        "Largest rises first.",
        "Projects without a change since the round before come last.",
    ),
    "name": ("By name, A to Z.", "By name, Z to A.", None),
    "response_rate": (
        "Lowest response rates first.",
        "Highest response rates first.",
        "Projects without a response rate come last.",
    ),
    "last_usage": (
        "Longest without usage first.",
        "Most recent usage first.",
        "Projects without usage data come last.",
    ),
}


def portfolio_order(sort: str) -> str:
    """Return what the portfolio says of its order for `sort` (a PORTFOLIO_SORTS key, with "-"
    for descending; the default's for anything else)."""
    ascending, descending, last = PORTFOLIO_ORDERS.get(
        sort.removeprefix("-"), PORTFOLIO_ORDERS["score"]
    )
    said = descending if sort.startswith("-") else ascending
    return f"{said} {last}" if last else said


def portfolio_projects(
    *,
    workspace: Workspace,
    band: str = "",
    owner: int | str | None = None,
    status: str = "",
    flag: str = "",
    actions: str = "",
    sort: str = "score",
    today: datetime.date | None = None,
) -> QuerySet[Project]:
    """Return the workspace's projects with their latest and previous score, filtered and sorted.

    The figures of the latest snapshot — `latest_score`, `latest_band`, `latest_flags`,
    `latest_response_rate`, `latest_at`, `previous_score`, `change`, `model_changed`,
    `last_usage_on` — are columns of the project, stored with each snapshot and indexed per
    workspace, so a page costs the same whatever the number of projects; `open_actions` and
    `overdue_actions` (overdue on `today`) are annotations, computed for the page's rows only.
    `owner` is a user id or "none" (accounts without an owner); `sort` is a key of
    PORTFOLIO_SORTS, prefixed with "-" for descending. Unknown values are the caller's to
    reject; here they are ignored.
    """
    today = today or timezone.localdate()
    projects = (
        Project.objects.for_workspace(workspace)
        .select_related("account", "account__owner")
        .annotate(**plan_selectors.action_count_annotations(today=today))
    )
    if band == NO_SCORE:
        # No snapshot, or one with "not enough data": no score either way (a score always has
        # a band), and the score's index finds them.
        projects = projects.filter(latest_score__isnull=True)
    elif band in engine.BAND_LABELS:
        projects = projects.filter(latest_band=band)
    if owner == NO_SCORE:
        projects = projects.filter(account__owner__isnull=True)
    elif isinstance(owner, int):
        projects = projects.filter(account__owner_id=owner)
    if status in ProjectStatus.values:
        projects = projects.filter(status=status)
    if flag in engine.FLAG_LABELS:
        projects = projects.filter(**{f"flag_{flag}": True})
    projects = plan_selectors.filter_by_actions(projects, actions, today=today)
    return projects.order_by(*_portfolio_ordering(sort))


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
    # EXISTS per user rather than a join of every account: the workspace's size does not count.
    owns = Account.objects.filter(workspace=workspace, owner=OuterRef("pk"))
    return (
        get_user_model()
        .objects.filter(Exists(owns))
        .order_by("first_name", "last_name", "username")
    )


# --- The project report -------------------------------------------------------------------

REPORT_HISTORY_LIMIT = 100


def snapshot_history_full(*, project: Project) -> list[RoundPoint]:
    """Return the project's rounds with their breakdown, oldest first (for exports)."""
    return scoring_selectors.round_history(project=project, with_breakdown=True)


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
    history = scoring_selectors.round_history(project=project)[-REPORT_HISTORY_LIMIT:]
    latest = snapshot_latest(project=project)
    breakdown = latest.breakdown if latest else {}
    min_group_size = (breakdown.get("thresholds") or {}).get("min_group_size", 1)
    # Free text can identify its writer, so it follows the same rule as a suppressed group.
    concerns_shown = latest is not None and latest.responses >= min_group_size
    concerns = concerns_for_snapshot(snapshot=latest) if concerns_shown else []
    usage_months = usage_monthly_trend(project=project)
    waiting = 0
    if latest is not None and latest.assessment_id is not None:
        submitted = Response.objects.filter(
            assessment_id=latest.assessment_id, status=ResponseStatus.SUBMITTED
        ).count()
        waiting = max(submitted - latest.responses, 0)
    return {
        "plan": plan_selectors.plan_for_project(project=project),
        # What the score recommends, as the workspace's action library words it.
        "recommendations": plan_selectors.recommendations(project=project, snapshot=latest),
        "today": timezone.localdate(),
        "latest": latest,
        # Responses of the round that its figures do not cover yet (no differencing over time).
        "waiting": waiting,
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


# --- The segment heatmap ---------------------------------------------------------------


def project_heatmap(*, project: Project, split: str = "", compare: str = "") -> dict[str, object]:
    """Return the segment heatmap of the project's latest round, compared with another round.

    `split` names the split to show (unknown: department when there is one, else role);
    `compare` is the id of an earlier round of the project (anything else: no comparison).
    Costs a fixed number of queries: the rounds' latest snapshots, read once.
    """
    points = scoring_selectors.round_history(project=project, with_breakdown=True)
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
        groups=engine.shown_groups(breakdown),
        breakdown=breakdown,
        previous_groups=engine.shown_groups(previous.snapshot.breakdown) if previous else None,
        previous_breakdown=(previous.snapshot.breakdown or {}) if previous else None,
    )
    return {
        "heatmap": shaped,
        "splits": options,
        "rounds": [(p.snapshot.assessment_id, p.snapshot.assessment.name) for p in earlier],
        "current": current,
        "previous": previous,
    }


# --- Share links --------------------------------------------------------------------------


def share_links_for_project(*, project: Project) -> QuerySet[ShareLink]:
    """Return a project's share links, newest first, with who created them."""
    return ShareLink.objects.filter(
        workspace_id=project.workspace_id, project=project
    ).select_related("created_by")


def share_link_get(*, workspace: Workspace, link_id: int) -> ShareLink:
    return get_in_workspace(ShareLink.objects.select_related("project"), workspace, link_id)
