"""No import stuck in "processing": stalled ones fail, users cancel (issue 11, item 4)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from config.celery_app import app as celery_app
from tests.factories import ProjectFactory
from usage import services
from usage.models import UsageImport, UsageImportState
from workspaces.models import Role

pytestmark = pytest.mark.django_db

CONTENT = b"date,user,feature,count\n2025-01-02,ada,reports,1\n"


@pytest.fixture
def project(workspace):
    return ProjectFactory(account__workspace=workspace)


def confirmed(project) -> UsageImport:
    """Return an import whose columns were confirmed (queued for a worker)."""
    upload = services.usage_import_create(
        workspace=project.workspace,
        project=project,
        uploaded_by=None,
        file_name="usage.csv",
        source=io.BytesIO(CONTENT),
    )
    UsageImport.objects.filter(pk=upload.pk).update(queued_at=timezone.now())
    return UsageImport.objects.get(pk=upload.pk)


def left_processing(usage_import: UsageImport, minutes_ago: int) -> None:
    """Leave the import as a worker killed mid-load leaves it."""
    started = timezone.now() - datetime.timedelta(minutes=minutes_ago)
    UsageImport.objects.filter(pk=usage_import.pk).update(
        state=UsageImportState.PROCESSING, started_at=started
    )


def test_an_import_left_processing_is_failed_clearly_and_the_file_can_come_again(project):
    stalled = confirmed(project)
    left_processing(stalled, minutes_ago=settings.USAGE_IMPORT_STALL_MINUTES + 1)

    assert services.usage_imports_fail_stalled() == 1

    stalled.refresh_from_db()
    assert stalled.state == UsageImportState.FAILED
    assert stalled.errors[0]["message"].startswith("The import stopped without finishing")
    assert not stalled.file
    services.usage_import_delete(usage_import=stalled)  # no longer "still running"
    again = services.usage_import_create(
        workspace=project.workspace,
        project=project,
        uploaded_by=None,
        file_name="usage.csv",
        source=io.BytesIO(CONTENT),
    )
    assert again.awaiting_confirmation


def test_a_recent_import_in_processing_is_left_alone(project):
    running = confirmed(project)
    left_processing(running, minutes_ago=1)
    assert services.usage_imports_fail_stalled() == 0
    running.refresh_from_db()
    assert running.state == UsageImportState.PROCESSING


def test_the_periodic_task_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["fail-stalled-usage-imports"]
    assert entry["task"] == "usage.tasks.fail_stalled_usage_imports"


def test_a_user_cancels_a_queued_import_and_nothing_is_imported(project, client_for):
    queued = confirmed(project)
    client = client_for(project.workspace, Role.CONSULTANT)
    page = client.get(reverse("usage:usage_import_detail", args=[queued.pk])).content.decode()
    assert "Cancel this import" in page

    response = client.post(reverse("usage:usage_import_cancel", args=[queued.pk]), follow=True)

    assert "was cancelled" in response.content.decode()
    queued.refresh_from_db()
    assert queued.state == UsageImportState.FAILED
    assert queued.errors[0]["message"] == services.CANCELLED
    # Its task, still in the broker, finds it finished and does nothing.
    assert services.usage_import_process(usage_import_id=queued.pk).state == "failed"


def test_a_viewer_cannot_cancel(project, client_for):
    queued = confirmed(project)
    client = client_for(project.workspace, Role.VIEWER)
    assert client.post(reverse("usage:usage_import_cancel", args=[queued.pk])).status_code == 403
    queued.refresh_from_db()
    assert queued.state == UsageImportState.PENDING


def test_the_broker_keeps_a_task_invisible_longer_than_any_task_may_run():
    celery_app.loader.import_default_modules()
    limits = [settings.CELERY_TASK_TIME_LIMIT] + [
        task.time_limit for task in celery_app.tasks.values() if task.time_limit
    ]
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    assert visibility > max(limits) + settings.SCORING_COALESCE_SECONDS
    assert settings.USAGE_IMPORT_STALL_MINUTES * 60 > settings.CELERY_TASK_TIME_LIMIT
