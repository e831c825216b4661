"""Usage window figures and the monthly series against hand-computed values (SPEC §4)."""

from __future__ import annotations

import datetime
import io

import pytest

from tests.factories import ProjectFactory
from usage.metrics import usage_monthly_series, usage_window_figures
from usage.services import usage_import_run_now

pytestmark = pytest.mark.django_db

FEATURES = ["reports", "dashboards", "alerts", "exports"]

# Window = the 30 days ending 2025-03-31, i.e. 2025-03-02 .. 2025-03-31.
ROWS = """date,user,feature,count
2025-02-01,u4,exports,2
2025-03-01,u4,exports,1
2025-03-02,u3,alerts,1
2025-03-30,u1,dashboards,4
2025-03-31,u1,reports,1
2025-03-31,u2,reports,1
2025-03-31,u2,search,5
"""


def load(project, rows: str = ROWS) -> None:
    usage_import_run_now(
        workspace=project.workspace,
        project=project,
        file_name="usage.csv",
        source=io.BytesIO(rows.encode()),
    )


def test_window_figures_match_the_hand_computed_values(workspace) -> None:
    project = ProjectFactory(
        account__workspace=workspace, licensed_seats=10, tracked_features=FEATURES
    )
    load(project)
    window = usage_window_figures(project_ids=[project.pk])[project.pk]
    assert (window.window_start, window.window_end) == (
        datetime.date(2025, 3, 2),
        datetime.date(2025, 3, 31),
    )
    assert window.monthly_active_users == 3  # u1, u2, u3; u4 is before the window
    assert window.license_utilization == pytest.approx(0.3)
    # Daily distinct users: 31st 2, 30th 1, 2nd 1, other days 0 -> 4 / 30 days / MAU 3.
    assert window.dau_mau == pytest.approx(4 / 30 / 3)
    assert window.features_used == ("reports", "dashboards", "alerts")
    assert window.feature_breadth == pytest.approx(0.75)
    assert window.usage_index == pytest.approx(100 * (2 * 0.3 + 0.75) / 3)  # 45.0


def test_spec_worked_example_gives_65(workspace) -> None:
    project = ProjectFactory(
        account__workspace=workspace, licensed_seats=100, tracked_features=FEATURES
    )
    rows = "date,user,feature\n" + "".join(
        f"2025-03-31,user{n},{FEATURES[n % 3]}\n" for n in range(60)
    )
    load(project, rows)
    assert usage_window_figures(project_ids=[project.pk])[project.pk].usage_index == pytest.approx(
        65.0
    )


def test_without_tracked_features_the_index_is_utilization_only(workspace) -> None:
    project = ProjectFactory(account__workspace=workspace, licensed_seats=10, tracked_features=[])
    load(project)
    window = usage_window_figures(project_ids=[project.pk])[project.pk]
    assert window.feature_breadth is None
    assert window.usage_index == pytest.approx(30.0)


def test_utilization_is_capped_at_one(workspace) -> None:
    project = ProjectFactory(account__workspace=workspace, licensed_seats=2, tracked_features=[])
    load(project)
    assert usage_window_figures(project_ids=[project.pk])[project.pk].usage_index == 100.0


def test_missing_without_seats_or_without_data(workspace) -> None:
    no_seats = ProjectFactory(account__workspace=workspace, licensed_seats=None)
    no_data = ProjectFactory(account__workspace=workspace)
    load(no_seats)
    windows = usage_window_figures(project_ids=[no_seats.pk, no_data.pk])
    assert windows[no_seats.pk].monthly_active_users == 3
    assert windows[no_seats.pk].usage_index is None
    assert windows[no_data.pk].usage_index is None and not windows[no_data.pk].has_data


def test_many_projects_take_a_fixed_number_of_queries(workspace, django_assert_num_queries) -> None:
    projects = [ProjectFactory(account__workspace=workspace) for _ in range(6)]
    for number, project in enumerate(projects):
        # Half of them end a year earlier, so the windows differ.
        load(project, ROWS.replace("2025-", f"{2025 - number % 2}-"))
    with django_assert_num_queries(5):
        windows = usage_window_figures(project_ids=[p.pk for p in projects])
    assert {w.monthly_active_users for w in windows.values()} == {3}
    with django_assert_num_queries(3):
        usage_monthly_series(project_ids=[p.pk for p in projects])


def test_monthly_series(workspace) -> None:
    project = ProjectFactory(account__workspace=workspace, licensed_seats=10)
    load(project)
    months = usage_monthly_series(project_ids=[project.pk])[project.pk]
    assert [
        (m.month, m.active_users, m.active_days, m.events, m.features_used) for m in months
    ] == [
        (datetime.date(2025, 2, 1), 1, 1, 2, 1),
        (datetime.date(2025, 3, 1), 4, 4, 13, 5),
    ]
    assert months[1].license_utilization == pytest.approx(0.4)
