"""The resources: scores with their suppression, responses, invitations, the portfolio."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from readiness.models import Invitation
from scoring.services import project_recalculate
from tests.factories import AssessmentFactory, ProjectFactory, answers, submitted_response
from tests.worked_example import add_worked_example
from workspaces.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored_project(workspace):
    """SPEC §4's worked example without usage: both segments under the minimum group size."""
    project = ProjectFactory(account__workspace=workspace, status="live")
    add_worked_example(AssessmentFactory(project=project))
    project_recalculate(project_id=project.pk)
    return project


class TestScores:
    def test_the_latest_score_comes_with_its_explanation(self, reader, scored_project) -> None:
        body = reader.get(f"/api/v1/projects/{scored_project.pk}/score/").json()
        snapshot = body["snapshot"]
        assert snapshot["score"] == pytest.approx(59.965, abs=1e-3)
        assert snapshot["band"] == "at_risk"
        assert snapshot["flags"] == ["low_confidence"]
        components = {c["name"]: c for c in snapshot["breakdown"]["components"]}
        assert components["adkar"]["weight"] == 40
        assert components["adkar"]["index"] == pytest.approx(57.778, abs=1e-3)

    def test_groups_under_the_minimum_size_carry_no_figure(self, reader, scored_project) -> None:
        groups = reader.get(f"/api/v1/projects/{scored_project.pk}/score/").json()["snapshot"][
            "breakdown"
        ]["groups"]
        for name in ("leadership", "end_users"):
            assert groups[name]["suppressed"] is True
            figures = {k: v for k, v in groups[name].items() if k not in ("group", "responses")}
            assert all(value is None for key, value in figures.items() if key != "suppressed")
        assert groups["all"]["adkar_index"] == pytest.approx(57.778, abs=1e-3)

    def test_a_project_never_scored_has_a_null_snapshot(self, reader, workspace) -> None:
        project = ProjectFactory(account__workspace=workspace)
        body = reader.get(f"/api/v1/projects/{project.pk}/score/").json()
        assert body == {"project": project.pk, "needs_recalculation": False, "snapshot": None}

    def test_the_history_lists_snapshots_newest_first(self, reader, scored_project) -> None:
        submitted_response(
            assessment=scored_project.assessments.get(), values=answers(aw=(1, 1, 1))
        )
        project_recalculate(project_id=scored_project.pk)
        rows = reader.get(f"/api/v1/projects/{scored_project.pk}/scores/").json()["results"]
        assert len(rows) == 2
        assert rows[0]["id"] > rows[1]["id"]
        assert "breakdown" not in rows[0]


class TestResponses:
    def test_an_admins_token_sees_who_answered(self, reader, scored_project) -> None:
        assessment = scored_project.assessments.get()
        rows = reader.get(f"/api/v1/assessments/{assessment.pk}/responses/").json()["results"]
        assert len(rows) == 3
        assert all(row["respondent"]["email"] for row in rows)
        assert {row["role"] for row in rows} == {"sponsor", "end_user"}

    def test_a_token_whose_creator_cannot_run_assessments_sees_no_identity(
        self, token_client, workspace, scored_project
    ) -> None:
        client = token_client(workspace, "read", Role.CSM)
        assessment = scored_project.assessments.get()
        rows = client.get(f"/api/v1/assessments/{assessment.pk}/responses/").json()["results"]
        assert len(rows) == 3
        assert all(row["respondent"] is None for row in rows)
        # Both segments have fewer than 3 responses: a role would single people out.
        assert {row["role"] for row in rows} == {None}
        invitations = client.get(f"/api/v1/assessments/{assessment.pk}/invitations/").json()
        assert {row["email"] for row in invitations["results"]} == {None}

    def test_a_creator_who_lost_the_role_takes_identity_from_the_token(
        self, reader, workspace, scored_project
    ) -> None:
        from workspaces.models import Membership

        Membership.objects.filter(user=reader.token.created_by).update(role=Role.VIEWER)
        assessment = scored_project.assessments.get()
        rows = reader.get(f"/api/v1/assessments/{assessment.pk}/responses/").json()["results"]
        assert all(row["respondent"] is None for row in rows)

    def test_the_list_costs_the_same_queries_whatever_its_size(
        self, reader, scored_project
    ) -> None:
        assessment = scored_project.assessments.get()
        url = f"/api/v1/assessments/{assessment.pk}/responses/"
        reader.get(url)  # records the token's last use, once a minute
        with CaptureQueriesContext(connection) as small:
            reader.get(url)
        for _ in range(5):
            submitted_response(assessment=assessment, values=answers(aw=(3, 3, 3)))
        with CaptureQueriesContext(connection) as large:
            reader.get(url)
        assert len(large) == len(small)


class TestInvitations:
    def test_bulk_invitations_return_their_links_once(self, writer, workspace) -> None:
        assessment = AssessmentFactory(project__account__workspace=workspace)
        response = writer.post(
            f"/api/v1/assessments/{assessment.pk}/invitations/",
            {
                "invitations": [
                    {"name": "Ana", "email": "ana@customer.example", "role": "sponsor"},
                    {"name": "Ben", "email": "ben@customer.example", "role": "end_user"},
                ]
            },
            format="json",
        )
        assert response.status_code == 201
        assert "no-store" in response["Cache-Control"].split(", ")
        created = response.json()["invitations"]
        assert [row["survey_url"].split("/s/")[0] for row in created] == [
            "http://127.0.0.1:8000"
        ] * 2
        listed = writer.get(f"/api/v1/assessments/{assessment.pk}/invitations/").content
        for row in created:
            assert row["survey_url"].split("/s/")[1].strip("/").encode() not in listed
            detail = writer.get(f"/api/v1/invitations/{row['id']}/").json()
            assert "survey_url" not in detail

    def test_one_bad_row_invites_nobody(self, writer, workspace) -> None:
        assessment = AssessmentFactory(project__account__workspace=workspace)
        response = writer.post(
            f"/api/v1/assessments/{assessment.pk}/invitations/",
            {
                "invitations": [
                    {"name": "Ana", "email": "ana@customer.example", "role": "sponsor"},
                    {"name": "Ben", "email": "not-an-email", "role": "boss"},
                ]
            },
            format="json",
        )
        assert response.status_code == 400
        errors = response.json()["errors"]
        assert set(errors) == {"invitations.1.email", "invitations.1.role"}
        assert not Invitation.objects.filter(assessment=assessment).exists()

    def test_send_true_emails_the_links_of_an_open_assessment(
        self, writer, workspace, django_capture_on_commit_callbacks
    ) -> None:
        assessment = AssessmentFactory(project__account__workspace=workspace, closes_on=None)
        url = f"/api/v1/assessments/{assessment.pk}/invitations/"
        person = {"name": "Ana", "email": "ana@customer.example", "role": "sponsor"}
        refused = writer.post(url, {"invitations": [person], "send": True}, format="json")
        assert refused.status_code == 400
        assert "send" in refused.json()["errors"]
        assert writer.post(f"/api/v1/assessments/{assessment.pk}/open/").status_code == 200
        with django_capture_on_commit_callbacks(execute=True):
            sent = writer.post(url, {"invitations": [person], "send": True}, format="json")
        assert sent.status_code == 201
        assert [message.to for message in mail.outbox] == [["ana@customer.example"]]


class TestAssessments:
    def test_a_write_token_creates_opens_and_closes_an_assessment(self, writer, workspace):
        project = ProjectFactory(account__workspace=workspace)
        created = writer.post(
            "/api/v1/assessments/",
            {"project": project.pk, "name": "Pre go-live", "opens_on": "2026-10-01"},
            format="json",
        )
        assert created.status_code == 201
        assessment_id = created.json()["id"]
        assert created.json()["state"] == "draft"
        opened = writer.post(f"/api/v1/assessments/{assessment_id}/open/")
        assert opened.json()["state"] == "open"
        again = writer.post(f"/api/v1/assessments/{assessment_id}/open/")
        assert again.status_code == 400
        assert "Only a draft assessment can be opened" in str(again.json()["errors"])
        closed = writer.post(f"/api/v1/assessments/{assessment_id}/close/")
        assert closed.json()["state"] == "closed"

    def test_closing_before_opening_is_a_field_error(self, writer, workspace) -> None:
        project = ProjectFactory(account__workspace=workspace)
        response = writer.post(
            "/api/v1/assessments/",
            {
                "project": project.pk,
                "name": "x",
                "opens_on": "2026-10-01",
                "closes_on": "2026-09-01",
            },
            format="json",
        )
        assert response.status_code == 400
        assert "closes_on" in response.json()["errors"]


class TestPortfolio:
    def test_filters_as_on_the_page(self, reader, workspace, scored_project) -> None:
        ProjectFactory(account__workspace=workspace, name="Unscored")
        at_risk = reader.get("/api/v1/portfolio/?band=at_risk").json()["results"]
        assert [row["id"] for row in at_risk] == [scored_project.pk]
        assert at_risk[0]["score"] == pytest.approx(59.965, abs=1e-3)
        unscored = reader.get("/api/v1/portfolio/?band=none").json()["results"]
        assert [row["name"] for row in unscored] == ["Unscored"]
        flagged = reader.get("/api/v1/portfolio/?flag=low_confidence").json()["results"]
        assert [row["id"] for row in flagged] == [scored_project.pk]

    def test_an_unknown_filter_value_is_a_400(self, reader) -> None:
        response = reader.get("/api/v1/portfolio/?sort=random")
        assert response.status_code == 400
        assert "sort" in response.json()["errors"]

    def test_pages_follow_the_cursor(self, reader, workspace) -> None:
        for index in range(5):
            ProjectFactory(account__workspace=workspace, name=f"P{index}")
        first = reader.get("/api/v1/portfolio/?sort=name&page_size=2").json()
        names = [row["name"] for row in first["results"]]
        page = first
        while page["next"]:
            page = reader.get(page["next"]).json()
            names += [row["name"] for row in page["results"]]
        assert names == ["P0", "P1", "P2", "P3", "P4"]
        assert reader.get("/api/v1/portfolio/?cursor=%%%").status_code == 404
