"""Response export (CSV, neutralized) and import (file and command): all or nothing."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.urls import reverse

from readiness import services
from readiness.models import Project, Response, ResponseSource, ResponseStatus
from tests.factories import AssessmentFactory
from tests.readiness.test_assessments import ALL_ANSWERS, invite, open_assessment
from workspaces.csv import neutralize, unneutralize, write_csv

pytestmark = pytest.mark.django_db

HEADER = "name,email,role,department,AW1,AW2,KN1,NPS,CON\n"


class TestNeutralization:
    @pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
    def test_formula_cells_are_neutralized(self, cell: str) -> None:
        assert neutralize(cell) == "'" + cell
        assert unneutralize(neutralize(cell)) == cell

    def test_plain_cells_are_left_alone(self) -> None:
        assert neutralize("Ada's view") == "Ada's view"
        assert neutralize(7) == "7"


class TestExport:
    def test_one_row_per_submitted_response_with_item_columns(self, consultant_client) -> None:
        assessment = open_assessment(
            project__account__workspace=consultant_client.user.memberships.get().workspace
        )
        done = invite(assessment, name='=HYPERLINK("x")', email="ada@acme.example", role="sponsor")
        services.response_save_draft(
            invitation=done,
            answers={**ALL_ANSWERS, "AW2": "dont_know", "CON": "@risk -high"},
            step=7,
        )
        services.response_submit(invitation=done)
        drafted = invite(assessment)
        services.response_save_draft(invitation=drafted, answers={"AW1": "2"}, step=1)
        response = consultant_client.get(
            reverse("readiness:responses_export", args=[assessment.pk])
        )
        assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert rows[0][:6] == ["name", "email", "role", "department", "AW1", "AW2"]
        assert len(rows) == 2
        row = dict(zip(rows[0], rows[1], strict=True))
        assert row["name"] == '\'=HYPERLINK("x")'
        assert row["CON"] == "'@risk -high"
        assert (row["AW1"], row["AW2"], row["NPS"]) == ("4", "dont_know", "9")

    @pytest.mark.parametrize("role", ["viewer", "csm"])
    def test_only_those_who_run_assessments_export_named_answers(
        self, client_for, workspace, role: str
    ) -> None:
        assessment = AssessmentFactory(project__account__workspace=workspace)
        url = reverse("readiness:responses_export", args=[assessment.pk])
        assert client_for(workspace, role).get(url).status_code == 403

    def test_an_export_imports_back_into_another_assessment(self) -> None:
        source = open_assessment()
        person = invite(source, email="ada@acme.example", role="manager")
        services.response_save_draft(
            invitation=person, answers={**ALL_ANSWERS, "CON": "=cost"}, step=7
        )
        services.response_submit(invitation=person)
        from readiness.selectors import response_export

        text = write_csv(*response_export(assessment=source))
        target = open_assessment(project=source.project, name="Second round")
        services.responses_import(assessment=target, text=text)
        imported = Response.objects.get(assessment=target)
        assert imported.answers.get(item__code="CON").text == "=cost"
        assert imported.answers.count() == 20


class TestImport:
    def test_a_valid_file_imports_submitted_responses_and_marks_the_project(self) -> None:
        assessment = open_assessment()
        Project.objects.filter(pk=assessment.project_id).update(needs_recalculation=False)
        known = invite(assessment, email="bo@acme.example", role="end_user")
        text = HEADER + (
            "Bo,bo@acme.example,end_user,Ops,4,5,3,8,\n"
            "Cy,CY@acme.example,Manager,,dont_know,2,,10,Too fast\n"
        )
        result = services.responses_import(assessment=assessment, text=text)
        assert (result.imported, result.invited) == (2, 1)
        responses = Response.objects.filter(assessment=assessment, status=ResponseStatus.SUBMITTED)
        assert {r.invitation.email for r in responses} == {"bo@acme.example", "cy@acme.example"}
        assert all(r.source == ResponseSource.IMPORT for r in responses)
        known.refresh_from_db()
        assert known.submitted_at is not None
        assert Project.objects.get(pk=assessment.project_id).needs_recalculation

    def test_errors_name_line_and_column_and_nothing_is_imported(self) -> None:
        assessment = open_assessment()
        text = HEADER + (
            "Ok,ok@acme.example,sponsor,,4,4,4,9,\nBo,bo@acme.example,chief,,4,6,x,11,\n"
        )
        with pytest.raises(ValidationError) as caught:
            services.responses_import(assessment=assessment, text=text)
        assert caught.value.messages == [
            "Line 3, column C: “chief” is not a role: use sponsor, manager or end_user.",
            "Line 3, column F (AW2): 6 is out of range: use 1–5 or dont_know.",
            "Line 3, column G (KN1): “x” is not an answer: use 1–5 or dont_know.",
            "Line 3, column H (NPS): 11 is out of range: use 0–10.",
        ]
        assert not Response.objects.exists() and not assessment.invitations.exists()

    def test_an_unknown_question_code_is_reported_with_its_column(self) -> None:
        with pytest.raises(ValidationError) as caught:
            services.responses_import(
                assessment=open_assessment(), text="name,email,role,ZZ9\nA,a@b.example,sponsor,3\n"
            )
        assert caught.value.messages == [
            "Line 1, column D: “ZZ9” is not a question code of this assessment's template."
        ]

    def test_reimporting_the_same_person_is_reported_as_a_duplicate(self) -> None:
        assessment = open_assessment()
        text = HEADER + "Bo,bo@acme.example,end_user,,4,4,4,9,\n"
        services.responses_import(assessment=assessment, text=text)
        with pytest.raises(ValidationError) as caught:
            services.responses_import(assessment=assessment, text=text)
        assert caught.value.messages == [
            "Line 2: duplicate — bo@acme.example has already submitted a response to this "
            "assessment; remove the line (nothing is changed by importing it again)."
        ]
        assert Response.objects.count() == 1

    def test_the_command_imports_a_file(self, tmp_path, capsys) -> None:
        assessment = open_assessment()
        path = tmp_path / "workshop.csv"
        path.write_text(HEADER + "Bo,bo@acme.example,end_user,,4,4,4,9,\n", encoding="utf-8")
        call_command("import_responses", "--assessment", str(assessment.pk), str(path))
        assert "Imported 1 responses" in capsys.readouterr().out
        assert Response.objects.filter(assessment=assessment).count() == 1

    def test_the_command_reports_errors_and_imports_nothing(self, tmp_path) -> None:
        assessment = open_assessment()
        path = tmp_path / "bad.csv"
        path.write_text(HEADER + "Bo,bo@acme.example,end_user,,9,4,4,9,\n", encoding="utf-8")
        with pytest.raises(CommandError, match=r"Line 2, column E \(AW1\): 9 is out of range"):
            call_command("import_responses", "--assessment", str(assessment.pk), str(path))
        assert not Response.objects.exists()

    def test_the_upload_page_lists_errors_and_imports_nothing(self, consultant_client) -> None:
        workspace = consultant_client.user.memberships.get().workspace
        assessment = open_assessment(project__account__workspace=workspace)
        upload = io.BytesIO((HEADER + "Bo,bo@acme.example,end_user,,4,4,4,99,\n").encode())
        upload.name = "r.csv"
        response = consultant_client.post(
            reverse("readiness:responses_import", args=[assessment.pk]), {"file": upload}
        )
        page = response.content.decode()
        assert response.status_code == 400
        assert "Nothing was imported: correct the file and upload it again." in page
        assert "Line 2, column H (NPS): 99 is out of range: use 0–10." in page
        assert not Response.objects.exists()
