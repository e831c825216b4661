"""The confidentiality promise (SPEC §11): what respondents are told, and what members see."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.factories import AssessmentFactory, ProjectFactory, answers, submitted_response

pytestmark = pytest.mark.django_db


class TestConcerns:
    def test_the_assessment_page_never_lists_a_concern_beside_the_invitations(
        self, workspace, consultant_client
    ) -> None:
        assessment = AssessmentFactory(project=ProjectFactory(account__workspace=workspace))
        for concern in ("Too many tools", "No time to learn", "My manager is against it"):
            submitted_response(assessment=assessment, values=answers(aw=(4, 4, 4)), concern=concern)
        page = consultant_client.get(
            reverse("readiness:assessment_detail", args=[assessment.pk])
        ).content.decode()
        assert "Too many tools" not in page and "My manager is against it" not in page
        assert "readiness report" in page
