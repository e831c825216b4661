"""Usage files uploaded as the request body: streamed, checked and imported as on the page."""

from __future__ import annotations

import pytest
from django.test import TestCase, override_settings

from tests.factories import ProjectFactory
from tests.usage.test_connectors import SAMPLES
from usage.files import user_key
from usage.models import UsageEvent, UsageImport

pytestmark = pytest.mark.django_db

CSV = b"date,user,feature\n2026-10-01,ann@customer.example,reports\n2026-10-02,bob,alerts\n"


def post(client, url: str, body: bytes, **headers: str):
    """POST `body` as a CSV, running what it queues after commit (tasks run in-process)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(url, data=body, content_type="text/csv", **headers)


def upload(client, project, body: bytes, name: str = "usage.csv", **headers: str):
    return post(
        client, f"/api/v1/projects/{project.pk}/usage-imports/?file_name={name}", body, **headers
    )


def test_an_upload_is_accepted_with_the_url_to_poll(writer, workspace) -> None:
    project = ProjectFactory(account__workspace=workspace)
    response = upload(writer, project, CSV)
    assert response.status_code == 202
    body = response.json()
    assert response["Location"] == body["url"]
    polled = writer.get(body["url"]).json()
    # Tasks run in-process in the tests: the import is already done when polled.
    assert polled["state"] == "done"
    assert polled["imported_rows"] == 2
    keys = set(UsageEvent.objects.filter(project=project).values_list("user_key", flat=True))
    assert "ann@customer.example" not in str(keys)
    assert user_key("ann@customer.example") in keys


def test_a_file_with_a_bad_row_imports_nothing_and_says_where(writer, workspace) -> None:
    project = ProjectFactory(account__workspace=workspace)
    body = b"date,user\n2026-10-01,ann\nnot-a-date,bob\n"
    response = upload(writer, project, body)
    assert response.status_code == 202
    polled = writer.get(response.json()["url"]).json()
    assert polled["state"] == "failed"
    assert polled["errors"][0]["line"] == 3
    assert polled["errors"][0]["column"] == "date"
    assert not UsageEvent.objects.filter(project=project).exists()


def test_the_same_file_again_is_refused_as_a_duplicate(writer, workspace) -> None:
    project = ProjectFactory(account__workspace=workspace)
    assert upload(writer, project, CSV).status_code == 202
    again = upload(writer, project, CSV)
    assert again.status_code == 400
    assert "already" in again.json()["errors"]["non_field_errors"][0]["message"]


def test_a_retry_with_the_same_idempotency_key_replays_the_answer(writer, workspace) -> None:
    project = ProjectFactory(account__workspace=workspace)
    first = upload(writer, project, CSV, HTTP_IDEMPOTENCY_KEY="upload-1")
    retry = upload(writer, project, CSV, HTTP_IDEMPOTENCY_KEY="upload-1")
    assert first.status_code == retry.status_code == 202
    assert retry["Idempotent-Replayed"] == "true"
    assert UsageImport.objects.filter(project=project).count() == 1


@override_settings(USAGE_IMPORT_MAX_BYTES=64)
def test_a_body_over_the_limit_is_refused_while_streaming(writer, workspace) -> None:
    project = ProjectFactory(account__workspace=workspace)
    response = upload(writer, project, CSV * 3)
    assert response.status_code == 413
    assert response.json()["code"] == "too_large"
    assert not UsageImport.objects.exists()


def test_a_read_token_cannot_upload(reader, workspace) -> None:
    project = ProjectFactory(account__workspace=workspace)
    assert upload(reader, project, CSV).status_code == 403


def test_a_workspace_wide_file_routes_rows_by_account(writer, workspace) -> None:
    project = ProjectFactory(account__workspace=workspace, account__external_id="ACME")
    body = b"date,user,account\n2026-10-01,ann,ACME\n"
    response = post(writer, "/api/v1/usage-imports/?file_name=all.csv", body)
    assert response.status_code == 202
    assert writer.get(response.json()["url"]).json()["state"] == "done"
    assert UsageEvent.objects.filter(project=project).count() == 1
    listed = writer.get("/api/v1/usage-imports/").json()["results"]
    assert [row["id"] for row in listed] == [response.json()["id"]]


def test_a_mixpanel_export_is_uploaded_and_imported(writer, workspace) -> None:
    project = ProjectFactory(account__workspace=workspace)
    body = (SAMPLES / "mixpanel_export.jsonl").read_bytes()
    response = upload(writer, project, body, name="mixpanel-export.jsonl")
    assert response.status_code == 202
    polled = writer.get(response.json()["url"]).json()
    assert polled["state"] == "done"
    assert polled["imported_rows"] == 4
    assert UsageEvent.objects.filter(project=project, feature="Report Viewed").count() == 2
