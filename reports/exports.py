"""The report as PDF and the portfolio and score history as CSV (no database access here).

The views read through the selectors and pass the rows in, so the exports cost the same
queries as the pages they mirror.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils import timezone

from readiness.models import Project
from scoring import engine
from scoring.models import ScoreSnapshot
from workspaces.csv import write_csv

SUPPRESSED = "suppressed"


PORTFOLIO_HEADER = (
    "Account",
    "Project",
    "Status",
    "Owner",
    "Score",
    "Band",
    "Previous score",
    "Change",
    "Flags",
    "Response rate (%)",
    "Last usage date",
    "Last calculated",
)


def portfolio_csv(projects: Iterable[Project]) -> str:
    """Return the portfolio rows (annotated by `selectors.portfolio_projects`) as CSV."""
    rows = (
        (
            project.account.name,
            project.name,
            project.get_status_display(),
            _owner_name(project),
            project.latest_score,
            engine.BAND_LABELS.get(project.latest_band or "", ""),
            project.previous_score,
            project.change,
            ", ".join(engine.FLAG_LABELS.get(code, code) for code in project.latest_flags or []),
            _percent(project.latest_response_rate),
            project.last_usage_on.isoformat() if project.last_usage_on else "",
            _timestamp(project.latest_at),
        )
        for project in projects
    )
    return write_csv(PORTFOLIO_HEADER, rows)


HISTORY_HEADER = (
    "Calculated at",
    "Assessment",
    "Model version",
    "Score",
    "Band",
    "Responses",
    "Invitations",
    "Response rate (%)",
    "ADKAR index",
    "Leadership index",
    "Sentiment index",
    "Usage index",
    "Leadership: ADKAR index",
    "Leadership: sentiment index",
    "End users: ADKAR index",
    "End users: sentiment index",
    "Flags",
)


def history_csv(snapshots: Iterable[ScoreSnapshot]) -> str:
    """Return a project's snapshots as CSV; a suppressed group's cells say "suppressed"."""
    rows = []
    for snapshot in snapshots:
        breakdown = snapshot.breakdown or {}
        components = {c["name"]: c for c in breakdown.get("components", [])}
        groups = breakdown.get("groups") or {}
        rows.append(
            (
                _timestamp(snapshot.created_at),
                snapshot.assessment.name if snapshot.assessment else "",
                snapshot.model_version,
                snapshot.score,
                engine.BAND_LABELS.get(snapshot.band, "Not enough data"),
                snapshot.responses,
                (breakdown.get("confidence") or {}).get("invitations"),
                _percent(snapshot.response_rate),
                *(_blank(components.get(name, {}).get("index")) for name in engine.COMPONENTS),
                *_group_cells(groups.get(engine.GROUP_LEADERSHIP)),
                *_group_cells(groups.get(engine.GROUP_END_USERS)),
                ", ".join(engine.FLAG_LABELS.get(code, code) for code in snapshot.flags),
            )
        )
    return write_csv(HISTORY_HEADER, rows)


def _group_cells(group: dict | None) -> tuple[object, object]:
    if group is None:
        return ("", "")
    if group.get("suppressed"):
        return (SUPPRESSED, SUPPRESSED)
    return (_blank(group.get("adkar_index")), _blank(group.get("sentiment_index")))


def _timestamp(moment: datetime.datetime | None) -> str:
    """Return a moment in the site's time zone, to the second, as the pages show it."""
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def _owner_name(project: Project) -> str:
    owner = project.account.owner
    return (owner.get_full_name() or owner.get_username()) if owner else ""


def _percent(ratio: float | None) -> float | str:
    return "" if ratio is None else ratio * 100


def _blank(value: object) -> object:
    return "" if value is None else value


def report_pdf(html: str) -> bytes:
    """Return the report's HTML rendered as a PDF.

    The HTML carries its styles inline; the fetcher allows only data: URLs, so rendering never
    reaches the network or the file system whatever the report's text contains.
    """
    # Imported here: WeasyPrint loads Pango and its fonts at import, which only this needs.
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
