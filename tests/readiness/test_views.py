"""Pages for accounts, projects, assessments, templates and members: roles and bad input."""

from __future__ import annotations

import pytest
from django.urls import reverse

from readiness import services
from readiness.models import Account, Project, SurveyTemplate
from tests.factories import AccountFactory, AssessmentFactory, ProjectFactory
from workspaces.models import Role
from workspaces.services import membership_set

pytestmark = pytest.mark.django_db


class TestRoles:
    @pytest.mark.parametrize(
        ("role", "can_edit"),
        [(Role.ADMIN, True), (Role.CONSULTANT, True), (Role.CSM, False), (Role.VIEWER, False)],
    )
    def test_only_admins_and_consultants_create_projects(
        self, client_for, workspace, role: str, can_edit: bool
    ) -> None:
        client = client_for(workspace, role)
        assert client.get(reverse("readiness:project_list")).status_code == 200
        status = client.get(reverse("readiness:project_create")).status_code
        assert status == (200 if can_edit else 403)

    def test_viewer_is_told_why_an_edit_is_refused(self, viewer_client) -> None:
        response = viewer_client.get(reverse("readiness:account_create"))
        assert response.status_code == 403
        assert "Ask a workspace admin" in response.content.decode()

    @pytest.mark.parametrize("role", [Role.CONSULTANT, Role.CSM, Role.VIEWER])
    def test_only_admins_manage_members(self, client_for, workspace, role: str) -> None:
        assert client_for(workspace, role).get(reverse("workspaces:member_list")).status_code == 403

    def test_anonymous_visitors_are_sent_to_sign_in(self, client, workspace) -> None:
        response = client.get(reverse("readiness:project_list"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    def test_user_without_workspace_is_told_what_to_do(self, client, django_user_model) -> None:
        user = django_user_model.objects.create_user("lonely", password="x")
        client.force_login(user)
        response = client.get(reverse("readiness:project_list"))
        assert response.status_code == 403
        assert "Ask a workspace admin to add you" in response.content.decode()


class TestWorkspaces:
    def test_switching_shows_the_other_workspace_only(
        self, client_for, workspace, other_workspace
    ) -> None:
        client = client_for(workspace, Role.ADMIN)
        membership_set(workspace=other_workspace, user=client.user, role=Role.VIEWER)
        AccountFactory(workspace=workspace, name="Acme Here")
        AccountFactory(workspace=other_workspace, name="Initech There")
        client.post(reverse("workspaces:workspace_switch"), {"workspace": workspace.slug})
        page = client.get(reverse("readiness:account_list")).content.decode()
        assert "Acme Here" in page and "Initech There" not in page

        client.post(reverse("workspaces:workspace_switch"), {"workspace": other_workspace.slug})
        page = client.get(reverse("readiness:account_list")).content.decode()
        assert "Initech There" in page and "Acme Here" not in page

    def test_cannot_switch_into_a_workspace_you_do_not_belong_to(
        self, consultant_client, other_workspace
    ) -> None:
        response = consultant_client.post(
            reverse("workspaces:workspace_switch"), {"workspace": other_workspace.slug}
        )
        assert response.status_code == 404


class TestProjectForm:
    def _post(self, client, account: Account, **overrides: object):
        data = {
            "account": account.pk,
            "name": "Rollout",
            "product_name": "RouteWise",
            "status": "planning",
            "licensed_seats": 50,
            "kickoff_date": "2026-09-01",
            "golive_date": "2026-12-01",
            "tracked_features": "reports, dashboards,reports",
        }
        data.update(overrides)
        return client.post(reverse("readiness:project_create"), data)

    def test_valid_project_is_created_with_its_features(self, consultant_client, workspace) -> None:
        account = AccountFactory(workspace=workspace)
        response = self._post(consultant_client, account)
        project = Project.objects.get(name="Rollout")
        assert response.status_code == 302
        assert project.tracked_features == ["reports", "dashboards"]
        assert project.workspace == workspace

    @pytest.mark.parametrize("seats", [0, -5, 99_999_999_999_999])
    def test_out_of_range_seats_are_refused_with_one_message(
        self, consultant_client, workspace, seats: int
    ) -> None:
        response = self._post(
            consultant_client, AccountFactory(workspace=workspace), licensed_seats=seats
        )
        page = response.content.decode()
        assert "Licensed seats must be a whole number from 1 to 1,000,000." in page
        assert "greater than or equal to" not in page
        assert not Project.objects.exists()

    def test_year_one_is_refused(self, consultant_client, workspace) -> None:
        response = self._post(
            consultant_client, AccountFactory(workspace=workspace), kickoff_date="0001-01-01"
        )
        assert "Enter a date between 2000 and 2099." in response.content.decode()
        assert not Project.objects.exists()

    def test_golive_before_kickoff_is_refused(self, consultant_client, workspace) -> None:
        response = self._post(
            consultant_client, AccountFactory(workspace=workspace), golive_date="2026-08-01"
        )
        assert "The go-live date cannot be before the kick-off date." in response.content.decode()
        assert not Project.objects.exists()

    def test_bad_date_is_refused(self, consultant_client, workspace) -> None:
        response = self._post(
            consultant_client, AccountFactory(workspace=workspace), kickoff_date="31/31/2026"
        )
        assert response.status_code == 200
        assert "Enter a valid date." in response.content.decode()

    def test_another_workspaces_account_cannot_be_chosen(
        self, consultant_client, other_workspace
    ) -> None:
        response = self._post(consultant_client, AccountFactory(workspace=other_workspace))
        assert "Select a valid choice" in response.content.decode()
        assert not Project.objects.exists()

    def test_foreign_account_in_the_query_string_is_404(
        self, consultant_client, other_workspace
    ) -> None:
        account = AccountFactory(workspace=other_workspace)
        url = reverse("readiness:project_create") + f"?account={account.pk}"
        assert consultant_client.get(url).status_code == 404


class TestAccountForm:
    def test_duplicate_external_id_is_explained(self, consultant_client, workspace) -> None:
        AccountFactory(workspace=workspace, external_id="ACME-1")
        response = consultant_client.post(
            reverse("readiness:account_create"), {"name": "Acme 2", "external_id": "ACME-1"}
        )
        assert "Another account already uses the external id “ACME-1”" in response.content.decode()

    def test_external_ids_differing_only_in_case_are_duplicates(
        self, consultant_client, workspace
    ) -> None:
        AccountFactory(workspace=workspace, external_id="QA-1")
        response = consultant_client.post(
            reverse("readiness:account_create"), {"name": "Acme 2", "external_id": "qa-1"}
        )
        assert "Another account already uses the external id “qa-1”" in response.content.decode()

    def test_only_csms_and_admins_can_own_an_account(
        self, consultant_client, client_for, workspace
    ) -> None:
        viewer = client_for(workspace, Role.VIEWER).user
        csm = client_for(workspace, Role.CSM).user
        response = consultant_client.post(
            reverse("readiness:account_create"), {"name": "Acme", "owner": viewer.pk}
        )
        assert "Select a valid choice" in response.content.decode()
        response = consultant_client.post(
            reverse("readiness:account_create"), {"name": "Acme", "owner": csm.pk}
        )
        assert response.status_code == 302

    def test_same_external_id_in_another_workspace_is_fine(
        self, consultant_client, other_workspace
    ) -> None:
        AccountFactory(workspace=other_workspace, external_id="ACME-1")
        response = consultant_client.post(
            reverse("readiness:account_create"), {"name": "Acme", "external_id": "ACME-1"}
        )
        assert response.status_code == 302


class TestAssessments:
    def test_closing_before_opening_is_refused(self, consultant_client, workspace) -> None:
        project = ProjectFactory(account__workspace=workspace)
        template = SurveyTemplate.objects.get(workspace=workspace)
        response = consultant_client.post(
            reverse("readiness:assessment_create", args=[project.pk]),
            {
                "name": "Baseline",
                "template": template.pk,
                "opens_on": "2026-10-10",
                "closes_on": "2026-10-01",
                "max_reminders": 3,
                "reminder_interval_days": 3,
            },
        )
        assert "The closing date cannot be before the opening date." in response.content.decode()

    def test_an_open_assessment_cannot_close_in_the_past(
        self, consultant_client, workspace
    ) -> None:
        assessment = AssessmentFactory(project__account__workspace=workspace, closes_on=None)
        services.assessment_open(assessment=assessment)
        response = consultant_client.post(
            reverse("readiness:assessment_edit", args=[assessment.pk]),
            {
                "name": assessment.name,
                "template": assessment.template_id,
                "opens_on": "2020-01-01",
                "closes_on": "2020-02-01",
                "max_reminders": 3,
                "reminder_interval_days": 3,
            },
        )
        assert "An open assessment cannot close in the past." in response.content.decode()
        assessment.refresh_from_db()
        assert assessment.closes_on is None

    def test_a_thousand_reminders_are_refused(self, consultant_client, workspace) -> None:
        project = ProjectFactory(account__workspace=workspace)
        template = SurveyTemplate.objects.get(workspace=workspace)
        response = consultant_client.post(
            reverse("readiness:assessment_create", args=[project.pk]),
            {
                "name": "Baseline",
                "template": template.pk,
                "opens_on": "2026-10-01",
                "closes_on": "2026-10-31",
                "max_reminders": 1000,
                "reminder_interval_days": 100000,
            },
        )
        page = response.content.decode()
        assert "Send at most 10 reminders" in page
        assert "Leave between 1 and 60 days between reminders." in page
        assert not project.assessments.exists()

    def test_used_template_is_revised_as_a_new_version(self, admin_client_ws, workspace) -> None:
        assessment = AssessmentFactory(project__account__workspace=workspace)
        template = assessment.template
        data = {item.code: item.wording for item in template.items.all()}
        data["AW1"] = "I know why we are changing."
        response = admin_client_ws.post(
            reverse("readiness:template_edit", args=[template.pk]), data
        )
        revised = SurveyTemplate.objects.get(workspace=workspace, version=2)
        assert response.status_code == 302
        assert revised.items.get(code="AW1").wording == "I know why we are changing."
        template.refresh_from_db()
        assert template.items.get(code="AW1").wording.startswith("I understand why")


class TestMembers:
    def test_last_admin_cannot_be_demoted(self, admin_client_ws, workspace) -> None:
        membership = admin_client_ws.user.memberships.get(workspace=workspace)
        response = admin_client_ws.post(
            reverse("workspaces:member_update", args=[membership.pk]),
            {"role": "viewer"},
            follow=True,
        )
        assert "A workspace needs at least one admin" in response.content.decode()
        membership.refresh_from_db()
        assert membership.role == Role.ADMIN
