"""Share links: a read-only report for the sponsor, secret, expiring, revocable and logged."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans import services as plan_services
from readiness.models import Invitation
from reports import services
from reports.models import ShareLink, ShareLinkOpening
from scoring import services as scoring_services
from tests.factories import AssessmentFactory, ProjectFactory, submitted_response
from tests.plans.conftest import HIGH_KNOWLEDGE, baseline_project
from workspaces.models import Role


def _open(token: str, client: Client | None = None):
    return (client or Client()).get(reverse("reports:shared_report", args=[token]))


@pytest.fixture
def project(workspace):
    project = baseline_project(workspace, end_users=3)
    plan_services.action_add_recommended(
        project=project, user=None, owner=None, target="knowledge", target_group="end_users"
    )
    return project


class TestCreating:
    def test_a_csm_creates_a_link_shown_once_and_stored_hashed(self, project, csm_client) -> None:
        response = csm_client.post(
            reverse("reports:project_share", args=[project.pk]),
            {"label": "Dana, sponsor", "days": 30},
        )
        url = response.context["new_link_url"]
        token = url.rstrip("/").rsplit("/", 1)[1]
        assert len(token) >= 43  # 32 random bytes, URL-safe base64: 256 bits
        link = ShareLink.objects.get()
        assert link.token_hash == services.share_token_hash(token) and token not in link.token_hash
        assert link.expires_at - link.created_at == datetime.timedelta(days=30)
        listing = csm_client.get(reverse("reports:project_share", args=[project.pk]))
        assert token not in listing.content.decode()
        assert "Dana, sponsor" in listing.content.decode()

    def test_a_validity_out_of_range_gets_a_message(self, project, csm_client) -> None:
        response = csm_client.post(
            reverse("reports:project_share", args=[project.pk]), {"label": "Dana", "days": 400}
        )
        assert "Choose a validity between 1 and 365 days." in response.content.decode()
        assert not ShareLink.objects.exists()

    @pytest.mark.parametrize("role", [Role.VIEWER, Role.CONSULTANT])
    def test_only_csms_and_admins_share(self, project, client_for, workspace, role) -> None:
        client = client_for(workspace, role)
        assert client.get(reverse("reports:project_share", args=[project.pk])).status_code == 403


class TestOpening:
    def test_the_sponsor_sees_the_report_and_plan_without_anything_identified(
        self, project
    ) -> None:
        link, token = services.share_link_create(project=project, user=None, label="Sponsor")
        response = _open(token)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Readiness report: Rollout" in page and "Change plan" in page
        assert "Knowledge" in page and "Add to plan" not in page
        for person in Invitation.objects.filter(assessment__project=project):
            assert person.name not in page
            assert person.email not in page
        assert response["Referrer-Policy"] == "no-referrer"
        assert response["Cache-Control"] == "no-store"
        assert "/actions/" not in page and 'name="csrfmiddlewaretoken"' not in page

    def test_suppressed_groups_stay_suppressed(self, workspace) -> None:
        project = ProjectFactory(account__workspace=workspace)
        assessment = AssessmentFactory(project=project)
        for role in ("sponsor", "end_user", "end_user", "end_user"):
            submitted_response(assessment=assessment, role=role, values=HIGH_KNOWLEDGE)
        scoring_services.project_recalculate(project_id=project.pk)
        _, token = services.share_link_create(project=project, user=None, label="Sponsor")
        page = _open(token).content.decode()
        assert "Hidden: fewer than 3 responses, to protect anonymity." in page
        report = _open(token).context["report"]
        leadership = next(g for g in report["groups"] if g["group"] == "leadership")
        assert leadership["suppressed"] and leadership["adkar_index"] is None

    def test_each_opening_is_logged(self, project) -> None:
        link, token = services.share_link_create(project=project, user=None, label="Sponsor")
        _open(token, Client(HTTP_USER_AGENT="Sponsor's browser"))
        _open(token)
        link.refresh_from_db()
        assert link.open_count == 2 and link.last_opened_at is not None
        assert ShareLinkOpening.objects.filter(share_link=link).count() == 2
        assert ShareLinkOpening.objects.first().user_agent in ("", "Sponsor's browser")

    def test_expired_revoked_and_unknown_links_answer_the_same_404(self, project) -> None:
        long_ago = timezone.now() - datetime.timedelta(days=40)
        _, expired = services.share_link_create(
            project=project, user=None, label="Old", days=30, now=long_ago
        )
        revoked_link, revoked = services.share_link_create(project=project, user=None, label="R")
        services.share_link_revoke(link=revoked_link)
        answers = [_open(token) for token in (expired, revoked, "x" * 43)]
        assert {a.status_code for a in answers} == {404}
        # The same page, but for the CSRF token every page carries.
        pages = {re.sub(r"X-CSRFToken[^}]*", "", a.content.decode()) for a in answers}
        assert len(pages) == 1
        assert not ShareLinkOpening.objects.exists()

    def test_revoking_from_the_page_takes_effect_at_once(self, project, csm_client) -> None:
        link, token = services.share_link_create(project=project, user=None, label="Sponsor")
        assert _open(token).status_code == 200
        csm_client.post(reverse("reports:share_link_revoke", args=[link.pk]))
        assert _open(token).status_code == 404

    def test_guessing_links_is_rate_limited(self, project, settings) -> None:
        settings.SURVEY_UNKNOWN_LINK_LIMIT = 3
        _, token = services.share_link_create(project=project, user=None, label="Sponsor")
        client = Client()
        for number in range(3):
            assert _open(f"guess{number}", client).status_code == 404
        assert _open(token, client).status_code == 429

    def test_the_shared_page_does_not_grow_with_the_plan(
        self, project, django_assert_max_num_queries
    ):

        _, token = services.share_link_create(project=project, user=None, label="Sponsor")

        def measure() -> int:
            with CaptureQueriesContext(connection) as context:
                assert _open(token).status_code == 200
            return len(context)

        small = measure()
        for number in range(5):
            plan_services.action_create(
                project=project, user=None, title=f"Step {number}", target="desire"
            )
        assert measure() == small
