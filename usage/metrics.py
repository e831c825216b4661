"""Usage figures per project (SPEC §4): the 30-day window and a monthly series.

Every figure is computed by aggregate queries over many projects at once, so the number of
queries is fixed whatever the number of projects and events. Figures are unrounded.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import TruncMonth

from readiness.models import Project
from usage import formulas
from usage.models import UsageEvent

WINDOW_DAYS = 30


@dataclass(frozen=True)
class UsageWindow:
    """A project's usage over the 30 days ending at the latest day of its usage data.

    - `monthly_active_users` (MAU): distinct users with any event in the window.
    - `license_utilization` (U): min(MAU / licensed seats, 1); None without seats or data.
    - `dau_mau`: the mean over the window's days of that day's distinct users, divided by MAU.
      The window's days start no earlier than the project's first day of data.
    - `feature_breadth` (F): tracked features used in the window / tracked features; None
      when the project lists no tracked features or has no data.
    - `usage_index`: 100 × (2U + F) / 3 when F is defined, else 100 × U; None when the project
      has no usage data or no licensed seats.
    Ratios are 0–1 and the index 0–100, all unrounded.
    """

    project_id: int
    licensed_seats: int | None
    tracked_features: tuple[str, ...]
    window_start: datetime.date | None = None
    window_end: datetime.date | None = None
    monthly_active_users: int = 0
    average_daily_users: float = 0.0
    license_utilization: float | None = None
    dau_mau: float | None = None
    features_used: tuple[str, ...] = ()
    feature_breadth: float | None = None
    usage_index: float | None = None

    @property
    def has_data(self) -> bool:
        return self.window_end is not None


@dataclass(frozen=True)
class UsageMonth:
    """One calendar month of a project's usage."""

    month: datetime.date
    active_users: int
    active_days: int
    events: int
    features_used: int
    license_utilization: float | None


def _spans(project_ids: list[int]) -> dict[int, tuple[datetime.date, datetime.date]]:
    """Return the first and last day of usage of each project with usage events.

    Hand-written: every recalculation reads it, and compiling the ORM statement cost more than
    running it.
    """
    if not project_ids:
        return {}
    placeholders = ", ".join(["%s"] * len(project_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT project_id, MIN(day), MAX(day) FROM {UsageEvent._meta.db_table} "
            f"WHERE project_id IN ({placeholders}) GROUP BY project_id",
            project_ids,
        )
        rows = cursor.fetchall()
    # SQLite returns dates as text to a raw statement.
    return {pk: (_date(first), _date(last)) for pk, first, last in rows}


def _date(value: datetime.date | str) -> datetime.date:
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def usage_window_figures(
    *, project_ids: Iterable[int], with_data_only: bool = False
) -> dict[int, UsageWindow]:
    """Return the usage window of each existing project in `project_ids` (five queries).

    `with_data_only` leaves out the projects without usage events: then a batch of projects
    none of which has any costs one query.
    """
    ids = list(project_ids)
    spans = _spans(ids)
    if with_data_only and not spans:
        return {}
    projects = {
        pk: (seats, tuple(features or ()))
        for pk, seats, features in Project.objects.filter(pk__in=ids).values_list(
            "pk", "licensed_seats", "tracked_features"
        )
    }
    spans = {pk: span for pk, span in spans.items() if pk in projects}
    if not spans:
        return {
            pk: UsageWindow(project_id=pk, licensed_seats=seats, tracked_features=features)
            for pk, (seats, features) in projects.items()
        }
    in_window = _window_filter(spans)
    events = UsageEvent.objects.filter(in_window).order_by()
    active = dict(
        events.values("project_id")
        .annotate(users=Count("user_key", distinct=True))
        .values_list("project_id", "users")
    )
    daily_totals: dict[int, int] = defaultdict(int)
    for project_id, users in (
        events.values("project_id", "day")
        .annotate(users=Count("user_key", distinct=True))
        .values_list("project_id", "users")
    ):
        daily_totals[project_id] += users
    used: dict[int, set[str]] = defaultdict(set)
    for project_id, feature in events.values_list("project_id", "feature").distinct():
        used[project_id].add(feature)

    windows = {}
    for pk, (seats, tracked) in projects.items():
        if pk not in spans:
            windows[pk] = UsageWindow(project_id=pk, licensed_seats=seats, tracked_features=tracked)
            continue
        first, last = spans[pk]
        start = last - datetime.timedelta(days=WINDOW_DAYS - 1)
        days = (last - max(start, first)).days + 1
        mau = active.get(pk, 0)
        tracked_used = tuple(feature for feature in tracked if feature in used[pk])
        utilization = formulas.license_utilization(mau, seats)
        breadth = formulas.feature_breadth(len(tracked_used), len(tracked))
        index = formulas.usage_index(utilization, breadth)
        windows[pk] = UsageWindow(
            project_id=pk,
            licensed_seats=seats,
            tracked_features=tracked,
            window_start=start,
            window_end=last,
            monthly_active_users=mau,
            average_daily_users=daily_totals[pk] / days,
            license_utilization=utilization,
            dau_mau=daily_totals[pk] / days / mau if mau else None,
            features_used=tracked_used,
            feature_breadth=breadth,
            usage_index=index,
        )
    return windows


def _window_filter(spans: dict[int, tuple[datetime.date, datetime.date]]) -> Q:
    """Return a filter for each project's window; projects ending on the same day share one."""
    by_end: dict[datetime.date, list[int]] = defaultdict(list)
    for project_id, (_first, last) in spans.items():
        by_end[last].append(project_id)
    condition = Q(pk__in=[])
    for last, project_ids in by_end.items():
        start = last - datetime.timedelta(days=WINDOW_DAYS - 1)
        condition |= Q(project_id__in=project_ids, day__range=(start, last))
    return condition


def usage_monthly_series(
    *, project_ids: Iterable[int], months: int = 12
) -> dict[int, list[UsageMonth]]:
    """Return each project's last `months` calendar months with usage, oldest first (3 queries)."""
    seats = dict(
        Project.objects.filter(pk__in=list(project_ids)).values_list("pk", "licensed_seats")
    )
    latest = UsageEvent.objects.filter(project_id__in=seats).aggregate(last=Max("day"))["last"]
    series: dict[int, list[UsageMonth]] = {pk: [] for pk in seats}
    if latest is None:
        return series
    cutoff = _months_before(latest.replace(day=1), months - 1)
    rows = (
        UsageEvent.objects.filter(project_id__in=seats, day__gte=cutoff)
        .annotate(month=TruncMonth("day"))
        .values("project_id", "month")
        .annotate(
            users=Count("user_key", distinct=True),
            days=Count("day", distinct=True),
            events=Sum("count"),
            features=Count("feature", distinct=True, filter=~Q(feature="")),
        )
        .order_by("project_id", "month")
    )
    for row in rows:
        project_seats = seats[row["project_id"]]
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        series[row["project_id"]].append(
            UsageMonth(
                month=month,
                active_users=row["users"],
                active_days=row["days"],
                events=row["events"],
                features_used=row["features"],
                license_utilization=formulas.license_utilization(row["users"], project_seats),
            )
        )
    for pk, entries in series.items():
        if entries:
            first_kept = _months_before(entries[-1].month, months - 1)
            series[pk] = [entry for entry in entries if entry.month >= first_kept]
    return series


def _months_before(month: datetime.date, count: int) -> datetime.date:
    """Return the first day of the month `count` months before `month`."""
    index = month.year * 12 + month.month - 1 - count
    return datetime.date(index // 12, index % 12 + 1, 1)
