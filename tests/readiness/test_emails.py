"""The invitation and reminder e-mails: editable per assessment and language, with a preview."""

from __future__ import annotations

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from readiness import services
from tests.readiness.test_assessments import invite, open_assessment

pytestmark = pytest.mark.django_db

OWN = "Hallo {name},\n\nbitte sagen Sie uns Ihre Meinung zu {product}: {link}\n\nBis {closes_on}!"


@pytest.fixture
def assessment(workspace):
    return open_assessment(project__account__workspace=workspace)


def url(assessment, **query: str) -> str:
    path = reverse("readiness:assessment_emails", args=[assessment.pk])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


class TestOwnText:
    def test_the_own_text_goes_to_invitees_of_its_language_and_the_others_get_the_default(
        self, assessment
    ):
        services.assessment_set_email(
            assessment=assessment,
            kind="invitation",
            language="de",
            subject="Ihre Meinung zu {product}",
            body=OWN,
        )
        invite(assessment, name="Jonas", language="de")
        invite(assessment, name="Ada", language="en")
        services.invitations_send(assessment_id=assessment.pk)
        product = assessment.project.product_name
        german = next(m for m in mail.outbox if m.body.startswith("Hallo Jonas,"))
        assert german.subject == f"Ihre Meinung zu {product}"
        assert f"Ihre Meinung zu {product}: http" in german.body
        assert "{" not in german.body and "/s/" in german.body
        english = next(m for m in mail.outbox if m.body.startswith("Dear Ada,"))
        assert "Your personal link" in english.body

    @pytest.mark.parametrize(
        ("subject", "body", "message"),
        [
            ("Hi", "Hallo {nmae}: {link}", "“{nmae}” in the text is not a placeholder"),
            ("Hi {produkt}", "{link}", "“{produkt}” in the subject is not a placeholder"),
            ("Hi", "Hallo {name}", "Put {link} in the text"),
            ("Hi", "Hallo {name: {link}", "A brace in the text is not closed"),
            ("", "{link}", "Write the subject."),
            ("Hi", "\x00 {link}", "Remove the control characters"),
        ],
    )
    def test_bad_texts_are_refused_with_a_message(self, assessment, subject, body, message):
        with pytest.raises(ValidationError) as refused:
            services.assessment_set_email(
                assessment=assessment, kind="reminder", language="fr", subject=subject, body=body
            )
        assert message in " ".join(refused.value.messages)
        assessment.refresh_from_db()
        assert assessment.email_texts == {}

    def test_a_value_holding_braces_is_not_filled_twice(self, assessment):
        services.assessment_set_email(
            assessment=assessment, kind="invitation", language="en", subject="Hi", body=OWN
        )
        assessment.refresh_from_db()
        filled = services.email_fill(
            assessment=assessment, kind="invitation", language="en", name="{link}", link="L"
        )
        assert filled.text.startswith("Hallo {link},")


class TestPage:
    def test_the_page_shows_the_built_in_text_with_placeholders_and_its_preview(
        self, consultant_client, assessment
    ):
        invite(assessment, name="Camille", language="fr")
        page = consultant_client.get(url(assessment, kind="reminder", lang="fr")).content.decode()
        assert "Petit rappel" in page and "Bonjour {name}," in page
        assert "Bonjour Camille," in page  # the preview, as the first French invitee gets it

    def test_preview_shows_the_text_without_saving_it(self, consultant_client, assessment):
        response = consultant_client.post(
            url(assessment, kind="invitation", lang="de"),
            {"subject": "Ihre Meinung", "body": OWN, "action": "preview"},
        )
        assert "Hallo Alex Example," in response.content.decode()
        assessment.refresh_from_db()
        assert assessment.email_texts == {}

    def test_a_misspelt_placeholder_is_refused_on_the_page(self, consultant_client, assessment):
        response = consultant_client.post(
            url(assessment, kind="invitation", lang="de"),
            {"subject": "Ihre Meinung", "body": "Hallo {nmae} {link}", "action": "save"},
        )
        assert response.status_code == 400
        assert "“{nmae}” in the text is not a placeholder" in response.content.decode()

    def test_save_then_reset_to_the_built_in_text(self, consultant_client, assessment):
        consultant_client.post(
            url(assessment, kind="invitation", lang="de"),
            {"subject": "Ihre Meinung", "body": OWN, "action": "save"},
        )
        assessment.refresh_from_db()
        assert assessment.email_texts["invitation"]["de"]["subject"] == "Ihre Meinung"
        consultant_client.post(
            url(assessment, kind="invitation", lang="de"),
            {"subject": "x", "body": "y", "action": "reset"},
        )
        assessment.refresh_from_db()
        assert assessment.email_texts == {"invitation": {}}

    @pytest.mark.parametrize("role", ["csm", "viewer"])
    def test_only_those_who_run_assessments_edit_e_mails(self, client_for, workspace, role):
        assessment = open_assessment(project__account__workspace=workspace)
        client = client_for(workspace, role)
        assert client.get(url(assessment)).status_code == 403
        assert client.post(url(assessment), {"subject": "x", "body": "{link}"}).status_code == 403
