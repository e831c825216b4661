"""A database at the schema of the layout before the restructure migrates with its data intact.

Workspaces and memberships moved from readiness to workspaces, usage imports and events from
scoring to usage: state-only migrations, the tables keep their names, nothing is copied. The test
migrates a database back to the old layout, fills every table through the historical models,
migrates forward and reads everything back through today's models — on SQLite here and on
PostgreSQL in CI.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from readiness.models import Answer, Assessment, Invitation, Project, Response, TemplateItem
from scoring.models import ScoreSnapshot, ScoringModel
from usage.models import UsageEvent, UsageImport
from workspaces.models import Membership, Workspace

OLD_LAYOUT = [
    ("readiness", "0001_initial"),
    ("scoring", "0005_usage_import_day_range"),
]
NEW_APPS = ("workspaces", "usage")


def _migrate(targets: list[tuple[str, str | None]]) -> MigrationExecutor:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return MigrationExecutor(connection)


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


def _fill_old_layout(apps) -> dict[str, int]:
    """Create one row in every table of the old layout; return the ids to look for."""
    user = apps.get_model("auth", "User").objects.create(username="legacy-admin")
    workspace = apps.get_model("readiness", "Workspace").objects.create(
        name="Legacy", slug="legacy"
    )
    apps.get_model("readiness", "Membership").objects.create(
        user=user, workspace=workspace, role="admin"
    )
    account = apps.get_model("readiness", "Account").objects.create(
        workspace=workspace, name="Acme", external_id="ACME-1"
    )
    project = apps.get_model("readiness", "Project").objects.create(
        workspace=workspace, account=account, name="Rollout", product_name="Ledger",
        licensed_seats=10, tracked_features=["reports"],
    )  # fmt: skip
    template = apps.get_model("readiness", "SurveyTemplate").objects.create(
        workspace=workspace, name="ADKAR", is_default=True
    )
    item = apps.get_model("readiness", "TemplateItem").objects.create(
        template=template, position=1, code="AW1", kind="likert", dimension="awareness",
        wording="I understand why {product} is coming.",
    )  # fmt: skip
    assessment = apps.get_model("readiness", "Assessment").objects.create(
        workspace=workspace, project=project, template=template, name="Baseline",
        opens_on=datetime.date(2026, 1, 5), state="open",
    )  # fmt: skip
    invitation = apps.get_model("readiness", "Invitation").objects.create(
        workspace=workspace, assessment=assessment, name="Ada", email="ada@example.com",
        role="end_user", token_salt="0" * 32, token_hash="a" * 64,
    )  # fmt: skip
    response = apps.get_model("readiness", "Response").objects.create(
        workspace=workspace, invitation=invitation, assessment=assessment, status="submitted"
    )
    apps.get_model("readiness", "Answer").objects.create(response=response, item=item, value=4)
    model = apps.get_model("scoring", "ScoringModel").objects.create(workspace=workspace, version=1)
    apps.get_model("scoring", "ScoreSnapshot").objects.create(
        workspace=workspace, project=project, assessment=assessment, scoring_model=model,
        model_version=1, fingerprint="f" * 64, score=61.5, band="at_risk", breakdown={"x": 1},
    )  # fmt: skip
    usage_import = apps.get_model("scoring", "UsageImport").objects.create(
        workspace=workspace, project=project, file_name="usage.csv", sha256="b" * 64,
        state="done", imported_rows=1,
    )  # fmt: skip
    usage_import.projects.add(project)
    apps.get_model("scoring", "UsageEvent").objects.create(
        workspace=workspace, project=project, usage_import=usage_import,
        day=datetime.date(2026, 1, 6), user_key=42, feature="reports", count=3,
    )  # fmt: skip
    return {"workspace": workspace.pk, "project": project.pk, "import": usage_import.pk}


@pytest.mark.django_db(transaction=True)
def test_an_old_layout_database_migrates_with_every_row_intact() -> None:
    latest = _latest()
    try:
        old = _migrate([*OLD_LAYOUT, *((app, None) for app in NEW_APPS)])
        apps = old.loader.project_state(OLD_LAYOUT).apps
        ids = _fill_old_layout(apps)
        # As in a deployment of the old layout: content types under the old apps only.
        ContentType.objects.filter(app_label__in=NEW_APPS).delete()
        ContentType.objects.get_or_create(app_label="readiness", model="workspace")
        ContentType.objects.get_or_create(app_label="scoring", model="usageevent")

        _migrate(latest)

        workspace = Workspace.objects.get(pk=ids["workspace"])
        assert workspace.name == "Legacy"
        assert Membership.objects.get(workspace=workspace).role == "admin"
        project = Project.objects.get(pk=ids["project"])
        assert (project.account.external_id, project.workspace_id) == ("ACME-1", workspace.pk)
        assessment = Assessment.objects.get(project=project)
        assert TemplateItem.objects.get(template=assessment.template).code == "AW1"
        invitation = Invitation.objects.get(assessment=assessment)
        assert invitation.token_hash == "a" * 64 and invitation.previous_token_hash is None
        assert Answer.objects.get(response=Response.objects.get(invitation=invitation)).value == 4
        assert ScoringModel.objects.get(workspace=workspace).version == 1
        assert ScoreSnapshot.objects.get(project=project).score == 61.5
        usage_import = UsageImport.objects.get(pk=ids["import"])
        assert list(usage_import.projects.all()) == [project]
        event = UsageEvent.objects.get(usage_import=usage_import)
        assert (event.user_key, event.count, event.project_id) == (42, 3, project.pk)
        # The content types followed the models, so admin history and permissions still match.
        assert ContentType.objects.filter(app_label="workspaces", model="workspace").exists()
        assert not ContentType.objects.filter(app_label="readiness", model="workspace").exists()
        assert ContentType.objects.filter(app_label="usage", model="usageevent").exists()
    finally:
        _migrate(latest)
