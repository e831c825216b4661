"""`import_usage` and `generate_usage`, and the demo data's usage."""

from __future__ import annotations

import io
import os

import pytest
from django.core.management import CommandError, call_command

from readiness.models import Project
from tests.factories import ProjectFactory
from usage.metrics import usage_window_figures
from usage.models import UsageEvent, UsageImport, UsageImportState

pytestmark = pytest.mark.django_db


def test_import_usage_prints_a_summary(tmp_path, workspace) -> None:
    project = ProjectFactory(account__workspace=workspace)
    path = tmp_path / "usage.csv"
    path.write_text("date,user,feature,count\n2025-03-01,ann,reports,2\n2025-03-02,bob,,\n")
    out = io.StringIO()
    call_command("import_usage", "--project", str(project.pk), str(path), stdout=out)
    assert f"Imported 2 rows into project “{project.name}”" in out.getvalue()
    assert UsageEvent.objects.filter(project=project).count() == 2


def test_import_usage_exits_non_zero_with_the_errors(tmp_path, workspace) -> None:
    project = ProjectFactory(account__workspace=workspace)
    path = tmp_path / "usage.csv"
    path.write_text("date,user\n2025-03-01,ann\n31/03/2025,bob\n")
    err = io.StringIO()
    with pytest.raises(CommandError, match="refused with 1 problem"):
        call_command("import_usage", "--project", str(project.pk), str(path), stderr=err)
    assert "Line 3, column date: “31/03/2025” is not a date." in err.getvalue()
    assert not UsageEvent.objects.exists()


def test_import_usage_names_the_line_of_a_row_of_the_wrong_shape_once(tmp_path, workspace) -> None:
    project = ProjectFactory(account__workspace=workspace)
    path = tmp_path / "usage.csv"
    path.write_text("date,user\n2025-03-01,ann\n2025-03-02\n")
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_usage", "--project", str(project.pk), str(path), stderr=err)
    assert err.getvalue().startswith("Line 3 cannot be read as the 2 columns of the header.")


def test_import_usage_for_a_workspace_needs_the_account_column(tmp_path, workspace) -> None:
    path = tmp_path / "usage.csv"
    path.write_text("date,user\n2025-03-01,ann\n")
    with pytest.raises(CommandError, match="The file has no “account” column"):
        call_command("import_usage", "--workspace", workspace.slug, str(path))
    assert not UsageImport.objects.exists()


def test_generate_usage_writes_a_file_that_imports(tmp_path, workspace) -> None:
    project = ProjectFactory(account__workspace=workspace)
    for name in ("usage.csv", "usage.xlsx"):
        path = tmp_path / name
        call_command(
            "generate_usage",
            str(path),
            "--users",
            "60",
            "--days",
            "30",
            "--rows",
            "40",
            stdout=io.StringIO(),
        )
        call_command("import_usage", "--project", str(project.pk), str(path), stdout=io.StringIO())
    assert UsageEvent.objects.count() == 80


def test_demo_usage_shows_every_band_and_is_idempotent() -> None:
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    events = UsageEvent.objects.count()
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    assert UsageEvent.objects.count() == events and UsageImport.objects.count() == 5
    # One refused file shows what the import says about mistakes.
    failed = UsageImport.objects.get(state=UsageImportState.FAILED)
    assert [(e["line"], e["column"]) for e in failed.errors] == [
        (3, "feature"),
        (4, "date"),
        (5, "user"),
        (5, "count"),
    ]
    windows = usage_window_figures(project_ids=Project.objects.values_list("pk", flat=True))
    by_name = {Project.objects.get(pk=pk).name: window for pk, window in windows.items()}
    assert 80 <= by_name["Fleet planning rollout"].monthly_active_users <= 90
    assert 25 <= by_name["Clinical scheduling"].monthly_active_users <= 35
    assert by_name["Shop-floor analytics"].usage_index >= 70
    assert by_name["Warehouse mobile app"].usage_index < 40
    assert not by_name["Store operations pilot"].has_data
