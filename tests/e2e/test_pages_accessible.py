"""Every signed-in page of the app, with data on it, passes axe-core in a real browser."""

from __future__ import annotations

import datetime
import io
import uuid

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from api import services as api_services
from api.models import WebhookDelivery
from plans import services as plan_services
from readiness import services
from reports.services import share_link_create
from tests.e2e.conftest import assert_accessible
from tests.factories import (
    AccountFactory,
    AssessmentFactory,
    InvitationFactory,
    MembershipFactory,
    ProjectFactory,
    WorkspaceFactory,
    answers,
    submitted_response,
    webhook_subscription,
)
from usage import services as usage_services
from usage.services import usage_import_run_now
from workspaces.models import Membership, Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def admin_pages(live_server) -> tuple[dict, list[str]]:
    """Return an admin's session cookie and the URLs of every page that shows data."""
    workspace = WorkspaceFactory(name="Northwind", slug="northwind")
    admin = get_user_model().objects.create_user("alma", first_name="Alma", last_name="Admin")
    MembershipFactory(user=admin, workspace=workspace, role=Role.ADMIN)
    account = AccountFactory(workspace=workspace, name="Acme Logistics", owner=admin)
    project = ProjectFactory(account=account, name="Fleet planning rollout", licensed_seats=20)
    assessment = AssessmentFactory(project=project)
    dana = InvitationFactory(assessment=assessment, name="Dana Lead", role="sponsor")
    today = timezone.localdate()
    closed = AssessmentFactory(
        project=project,
        name="Closed round",
        opens_on=today,
        closes_on=today + datetime.timedelta(days=7),
    )
    services.assessment_open(assessment=closed)
    services.assessment_close(assessment=closed)
    submitted_response(
        assessment=assessment,
        role="end_user",
        values=answers(aw=(4, 4, 3), nps=8),
        concern="Training",
    )
    usage_import = usage_import_run_now(
        workspace=workspace,
        project=project,
        file_name="usage.csv",
        source=io.BytesIO(b"date,user,feature\n2026-10-01,ann,reports\n2026-10-02,bob,alerts\n"),
    )
    refused = usage_import_run_now(
        workspace=workspace,
        project=project,
        file_name="usage-refused.csv",
        source=io.BytesIO(
            b"date,user,count\n2026-10-01,ann,0\n2026-10-02,bob,0\n2026-10-03,,1\n2026-10-04,cy,0\n"
        ),
    )
    action = plan_services.action_create(
        project=project,
        user=admin,
        title="Job aids for dispatchers",
        target="knowledge",
        target_group="end_users",
        owner=Membership.objects.get(user=admin),
    )
    plan_services.action_status_change(
        action=action, user=admin, status="in_progress", note="First aids published."
    )
    library_entry = plan_services.library_entry_create(
        workspace=workspace, target="desire", title="Peer stories", suggested_duration_days=14
    )
    _, share_token = share_link_create(project=project, user=admin, label="Dana, sponsor")
    api_services.api_token_create(workspace=workspace, created_by=admin, name="Gainsight sync")
    subscription = webhook_subscription(workspace)
    WebhookDelivery.objects.create(
        workspace=workspace,
        subscription=subscription,
        event_id=uuid.uuid4(),
        event_type="band.changed",
        payload={},
        status="retrying",
        attempts=2,
        response_status=503,
        response_time_ms=120,
    )
    export = usage_services.usage_import_create(
        workspace=workspace,
        project=project,
        uploaded_by=admin,
        file_name="mixpanel.jsonl",
        source=io.BytesIO(
            b'{"event":"Report Viewed","properties":{"time":1740820502,"distinct_id":"u1"}}\n'
        ),
    )
    client = Client()
    client.force_login(admin)
    cookie = {
        "name": settings.SESSION_COOKIE_NAME,
        "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
        "url": live_server.url,
    }
    paths = [
        "/projects/",
        "/projects/new/",
        f"/projects/{project.pk}/",
        f"/projects/{project.pk}/edit/",
        f"/projects/{project.pk}/usage/upload/",
        "/accounts/",
        "/accounts/new/",
        f"/accounts/{account.pk}/",
        f"/assessments/{assessment.pk}/",
        f"/assessments/{assessment.pk}/edit/",
        "/templates/",
        f"/templates/{assessment.template_id}/",
        "/templates/new/",
        f"/templates/{assessment.template_id}/edit/",
        *(
            f"/templates/{assessment.template_id}/preview/?lang={language}{step}"
            for language in ("en", "de", "fr", "es")
            for step in ("", "&step=awareness", "&step=sentiment", "&step=review")
        ),
        f"/assessments/{assessment.pk}/preview/?lang=fr&step=leadership",
        f"/invitations/{dana.pk}/edit/",
        f"/invitations/{dana.pk}/withdraw/",
        f"/assessments/{closed.pk}/",
        f"/assessments/{assessment.pk}/emails/?kind=reminder&lang=de",
        "/workspace/members/",
        "/workspace/scoring-model/",
        "/usage/upload/",
        "/usage/imports/",
        f"/usage/imports/?project={project.pk}",
        f"/usage/imports/{usage_import.pk}/",
        f"/usage/imports/{refused.pk}/",
        f"/usage/imports/{usage_import.pk}/delete/",
        "/auth/password_change/",
        f"/projects/{project.pk}/plan/",
        f"/projects/{project.pk}/plan/new/",
        f"/projects/{project.pk}/checkpoints/new/",
        f"/projects/{project.pk}/share/",
        f"/r/{share_token}/",
        f"/actions/{action.pk}/",
        f"/actions/{action.pk}/edit/",
        "/my/actions/",
        "/workspace/library/",
        "/workspace/library/new/",
        f"/workspace/library/{library_entry.pk}/",
        f"/usage/imports/{export.pk}/",
        "/workspace/api-tokens/",
        "/workspace/webhooks/",
        f"/workspace/webhooks/{subscription.pk}/",
    ]
    return cookie, [f"{live_server.url}{path}" for path in paths]


def test_every_page_passes_axe(browser, axe_source, admin_pages) -> None:
    cookie, urls = admin_pages
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(10_000)
    context.add_cookies([cookie])
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    failures = []
    for url in urls:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        try:
            assert_accessible(page, axe_source, DESKTOP["width"])
        except AssertionError as failure:
            failures.append(str(failure))
    context.close()
    assert failures == [], "\n".join(failures)
    assert errors == []


def test_the_workspace_invitation_page_passes_axe(browser, axe_source, live_server) -> None:
    import datetime

    from django.utils import timezone

    from workspaces.models import MemberInvitation
    from workspaces.services import member_invitation_token_hash

    workspace = WorkspaceFactory(name="Northwind", slug="northwind")
    MemberInvitation.objects.create(
        workspace=workspace,
        email="new.person@example.com",
        token_hash=member_invitation_token_hash("e2e-join-token"),
        expires_at=timezone.now() + datetime.timedelta(days=7),
    )
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    response = page.goto(f"{live_server.url}/join/e2e-join-token/")
    assert response is not None and response.status == 200
    assert_accessible(page, axe_source, DESKTOP["width"])
    context.close()
    assert errors == []
