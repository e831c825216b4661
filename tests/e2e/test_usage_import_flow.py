"""A usage import in a real browser: upload, map the columns, import, then delete it again."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from tests.e2e.conftest import assert_accessible
from tests.factories import (
    AccountFactory,
    MembershipFactory,
    ProjectFactory,
    UsageImportFactory,
    WorkspaceFactory,
)
from usage.models import UsageEvent, UsageImport, UsageImportState
from workspaces.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 360, "height": 740}
# Other column names than the usual ones, quoted cells and Windows line endings.
USAGE = (
    'Day;"Who, exactly";Module;Times\r\n'
    '2026-10-01;"Doe, Jane";reports;2\r\n'
    "2026-10-02;rick@customer.example;alerts;\r\n"
    "2026-10-03;ann@customer.example;;5\r\n"
)


@pytest.fixture
def consultant_page(browser, live_server):
    """Return a phone-sized page signed in as a consultant, and the project's URL."""
    workspace = WorkspaceFactory(name="Northwind", slug="northwind")
    user = get_user_model().objects.create_user("carlos", first_name="Carlos")
    MembershipFactory(user=user, workspace=workspace, role=Role.CONSULTANT)
    project = ProjectFactory(
        account=AccountFactory(workspace=workspace, name="Acme Logistics"),
        name="Fleet planning rollout",
        licensed_seats=10,
    )
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport=PHONE)
    context.set_default_timeout(10_000)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie, "url": live_server.url}]
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page, f"{live_server.url}/projects/{project.pk}/", project, errors
    context.close()


def test_consultant_maps_imports_and_deletes_a_usage_file(
    consultant_page, axe_source, tmp_path: Path
) -> None:
    page, project_url, project, errors = consultant_page
    usage_file = tmp_path / "telemetry.csv"
    usage_file.write_bytes(USAGE.encode())

    page.goto(project_url)
    page.get_by_role("link", name="Upload usage").click()
    page.get_by_label("Usage file").set_input_files(usage_file)
    page.get_by_role("button", name="Upload and preview").click()
    page.get_by_role("heading", name="Preview of the first rows").wait_for()
    assert page.get_by_role("cell", name="Doe, Jane").is_visible()
    assert_accessible(page, axe_source, PHONE["width"])

    for column, file_column in [
        ("date", "day"),
        ("user", "who, exactly"),
        ("feature", "module"),
        ("count", "times"),
    ]:
        page.get_by_label(column, exact=True).select_option(label=file_column)
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_text("Imported 3 rows.").wait_for()
    assert UsageEvent.objects.filter(project=project).count() == 3
    assert_accessible(page, axe_source, PHONE["width"])

    page.get_by_role("link", name="Delete this import…").click()
    assert "3 usage rows" in page.get_by_role("main").inner_text()
    assert_accessible(page, axe_source, PHONE["width"])
    page.get_by_role("button", name="Delete the import and its rows").click()
    page.wait_for_url(project_url)
    assert page.get_by_text("“telemetry.csv” and its 3 usage rows were deleted").is_visible()
    assert not UsageEvent.objects.filter(project=project).exists()
    assert errors == []


def test_the_state_badge_follows_the_polled_status(consultant_page) -> None:
    page, project_url, project, errors = consultant_page
    usage_import = UsageImportFactory(
        project=project, state=UsageImportState.PROCESSING, queued_at=timezone.now()
    )
    page.goto(project_url.split("/projects/")[0] + f"/usage/imports/{usage_import.pk}/")
    badge = page.locator("#import-state")
    assert badge.inner_text() == "Processing"
    UsageImport.objects.filter(pk=usage_import.pk).update(
        state=UsageImportState.DONE, imported_rows=2
    )
    page.get_by_text("Imported 2 rows.").wait_for()
    badge.get_by_text("Done").wait_for()
    assert errors == []


def test_the_import_button_says_it_is_busy_once_clicked(consultant_page) -> None:
    page, project_url, project, errors = consultant_page
    usage_import = UsageImportFactory(project=project)
    page.goto(project_url.split("/projects/")[0] + f"/usage/imports/{usage_import.pk}/")
    # Keep the page where it is once the button has reacted, to look at it.
    page.evaluate("window.addEventListener('submit', (event) => event.preventDefault())")
    page.get_by_role("button", name="Import", exact=True).click()
    busy = page.get_by_role("button", name="Importing…")
    assert busy.is_disabled()
    assert page.get_by_role("button", name="Cancel and discard the file").is_disabled()
    assert errors == []
