"""The confidentiality promise (SPEC §11): what respondents are told, and what members see."""

from __future__ import annotations

import csv
import html
import io

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import AssessmentFactory, ProjectFactory, answers, submitted_response

pytestmark = pytest.mark.django_db


class TestConcerns:
    def test_the_assessment_page_lists_no_concern_the_figures_do_not_cover(
        self, workspace, consultant_client
    ) -> None:
        assessment = AssessmentFactory(project=ProjectFactory(account__workspace=workspace))
        for concern in ("Too many tools", "No time to learn", "My manager is against it"):
            submitted_response(assessment=assessment, values=answers(aw=(4, 4, 4)), concern=concern)
        page = consultant_client.get(
            reverse("readiness:assessment_detail", args=[assessment.pk])
        ).content.decode()
        # Three submitted, but no figures cover them yet (not recalculated): nothing shows.
        assert "Too many tools" not in page and "My manager is against it" not in page
        assert "Concerns are shown once the figures cover at least 3" in page


def welcome(assessment_fields: dict, **invitation_fields: object) -> str:
    from readiness.survey import tokens
    from tests.readiness.test_assessments import invite, open_assessment

    invitation = invite(open_assessment(**assessment_fields), **invitation_fields)
    token = tokens.token_for_salt(invitation.token_salt)
    return html.unescape(Client().get(f"/s/{token}/").content.decode())


class TestThePromise:
    def test_a_confidential_survey_says_who_sees_what_before_the_first_question(self) -> None:
        page = welcome({"project__account__name": "Acme Freight"}, name="Ada Lovelace")
        assert "Your answers are confidential." in page
        assert "no one at Acme Freight, nor the team running the survey" in page
        assert "no group of fewer than 3 people is ever shown" in page
        assert "Ada Lovelace" not in page
        assert page.index("Your answers are confidential") < page.index("Start the survey")

    def test_an_identified_survey_says_so(self) -> None:
        page = welcome({"confidentiality": "identified"}, name="Ada Lovelace")
        assert "This survey is not anonymous." in page
        assert "sees your name with your answers" in page and "Hello Ada Lovelace" in page

    def test_the_promise_names_the_workspaces_minimum_group_size(self, workspace) -> None:
        from scoring.services import scoring_model_revise

        scoring_model_revise(workspace=workspace, user=None, min_group_size=5)
        page = welcome({"project__account__workspace": workspace})
        assert "no group of fewer than 5 people is ever shown" in page


class TestChangingConfidentiality:
    def url(self, assessment) -> str:
        return reverse("readiness:assessment_confidentiality", args=[assessment.pk])

    def test_an_admin_makes_a_draft_identified(self, workspace, admin_client_ws) -> None:
        assessment = AssessmentFactory(project=ProjectFactory(account__workspace=workspace))
        response = admin_client_ws.post(self.url(assessment), {"confidentiality": "identified"})
        assert response.status_code == 302
        assessment.refresh_from_db()
        assert assessment.confidentiality == "identified"

    def test_a_consultant_cannot(self, workspace, consultant_client) -> None:
        assessment = AssessmentFactory(project=ProjectFactory(account__workspace=workspace))
        response = consultant_client.post(self.url(assessment), {"confidentiality": "identified"})
        assert response.status_code == 403
        assessment.refresh_from_db()
        assert assessment.confidentiality == "confidential"

    def test_not_once_the_assessment_is_open(self, workspace, admin_client_ws) -> None:
        from tests.readiness.test_assessments import open_assessment

        assessment = open_assessment(project__account__workspace=workspace)
        response = admin_client_ws.post(
            self.url(assessment), {"confidentiality": "identified"}, follow=True
        )
        assert "can change only before it opens" in response.content.decode()
        assessment.refresh_from_db()
        assert assessment.confidentiality == "confidential"

    def test_an_unknown_value_is_refused(self, workspace, admin_client_ws) -> None:
        assessment = AssessmentFactory(project=ProjectFactory(account__workspace=workspace))
        response = admin_client_ws.post(
            self.url(assessment), {"confidentiality": "public"}, follow=True
        )
        assert "Choose confidential or identified." in response.content.decode()


class TestTheResponsesExport:
    def answered(self, workspace, departments: list[str], **assessment_fields: object):
        from scoring.services import project_recalculate

        assessment = AssessmentFactory(
            project=ProjectFactory(account__workspace=workspace), **assessment_fields
        )
        people = []
        for index, department in enumerate(departments):
            response = submitted_response(
                assessment=assessment, values=answers(aw=(index % 5 + 1, 4, 4), nps=index)
            )
            invitation = response.invitation
            invitation.department = department
            invitation.attributes = {"location": "Oslo" if index == 0 else "Paris"}
            invitation.save()
            people.append(invitation)
        project_recalculate(project_id=assessment.project_id)
        return assessment, people

    def export(self, client, assessment, query: str = "") -> tuple[str, list[dict]]:
        response = client.get(reverse("readiness:responses_export", args=[assessment.pk]) + query)
        assert response.status_code == 200
        text = response.content.decode()
        return text, list(csv.DictReader(io.StringIO(text)))

    def test_it_holds_no_name_no_email_and_no_small_segment(
        self, workspace, consultant_client
    ) -> None:
        assessment, people = self.answered(workspace, ["Sales"] * 5 + ["Legal"])
        text, rows = self.export(consultant_client, assessment)
        assert len(rows) == 6
        for person in people:
            assert person.name not in text and person.email not in text
        assert "name" not in rows[0] and "email" not in rows[0]
        assert "Legal" not in text and "Oslo" not in text  # one person each
        assert sorted(row["department"] for row in rows) == [""] + ["Sales"] * 5
        assert {row["location"] for row in rows} == {"", "Paris"}

    def test_rows_are_shuffled(self, workspace, consultant_client, monkeypatch) -> None:
        assessment, _ = self.answered(workspace, ["Sales"] * 6)
        monkeypatch.setattr(
            "readiness.selectors.random.SystemRandom.shuffle", lambda self, rows: rows.reverse()
        )
        _, rows = self.export(consultant_client, assessment)
        # Answers were 1, 2, 3, 4, 5, 1 in order of submission (NPS 0–5); reversed here.
        assert [row["NPS"] for row in rows] == ["5", "4", "3", "2", "1", "0"]

    def test_only_the_responses_the_report_shows(self, workspace, consultant_client) -> None:
        assessment, _ = self.answered(workspace, ["Sales"] * 5)
        _, rows = self.export(consultant_client, assessment)
        assert len(rows) == 3  # five submitted: the figures (and the export) show three

    def test_the_identified_export_is_off_for_a_confidential_assessment(
        self, workspace, consultant_client
    ) -> None:
        assessment, _ = self.answered(workspace, ["Sales"] * 3)
        url = reverse("readiness:responses_export", args=[assessment.pk]) + "?identified=1"
        assert consultant_client.get(url).status_code == 403

    def test_an_identified_assessment_exports_names(self, workspace, consultant_client) -> None:
        assessment, people = self.answered(
            workspace, ["Sales", "Legal", "Sales"], confidentiality="identified"
        )
        text, rows = self.export(consultant_client, assessment, "?identified=1")
        assert {row["email"] for row in rows} == {person.email for person in people}
        assert "Legal" in text and rows[0]["location"]


class TestInvitationListAttributes:
    def test_further_columns_are_kept_as_attributes(self) -> None:
        from readiness import csv_io, services
        from tests.readiness.test_assessments import open_assessment

        assessment = open_assessment()
        rows = csv_io.read_person_list(
            "name,email,role,department,Location, Team \n"
            "Ada,ada@acme.example,end_user,Ops, Oslo ,Blue\n"
            "Bo,bo@acme.example,manager,Ops,,Red\n"
        )
        services.invitation_add_list(assessment=assessment, rows=rows)
        attributes = dict(assessment.invitations.values_list("email", "attributes"))
        assert attributes == {
            "ada@acme.example": {"location": "Oslo", "team": "Blue"},
            "bo@acme.example": {"team": "Red"},
        }

    def test_a_column_named_like_a_cut_of_the_report_is_refused(self) -> None:
        from django.core.exceptions import ValidationError

        from readiness import csv_io, services
        from tests.readiness.test_assessments import open_assessment

        rows = csv_io.read_person_list("name,email,role,All\nAda,ada@acme.example,end_user,x\n")
        with pytest.raises(ValidationError) as refused:
            services.invitation_add_list(assessment=open_assessment(), rows=rows)
        assert "the column “all” needs another name" in str(refused.value)
