"""Surveys in four languages: catalogues, the default template's wording, invitations' languages."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.core import mail
from django.test import Client
from django.urls import reverse

from readiness import csv_io, services
from readiness.default_template import DEFAULT_ITEMS, DEFAULT_TRANSLATIONS
from readiness.models import Invitation, TemplateItem
from scoring import services as scoring_services
from tests.factories import AssessmentFactory
from tests.readiness.test_assessments import ALL_ANSWERS, invite, open_assessment
from tests.readiness.test_survey import link
from workspaces.models import SURVEY_LANGUAGE_CODES

SHIPPED = [code for code in SURVEY_LANGUAGE_CODES if code != "en"]
LOCALE = Path(settings.BASE_DIR) / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")


def catalogue(language: str):
    with open(LOCALE / language / "LC_MESSAGES" / "django.po", "rb") as po:
        return read_po(po, locale=language)


class TestCatalogues:
    @pytest.mark.parametrize("language", SHIPPED)
    def test_every_message_is_translated_and_none_is_fuzzy(self, language):
        messages = [m for m in catalogue(language) if m.id]
        assert messages, f"the {language} catalogue is empty"
        fuzzy = [m.id for m in messages if m.fuzzy]
        untranslated = [
            m.id
            for m in messages
            if not all(m.string if isinstance(m.string, tuple) else (m.string,))
        ]
        assert not fuzzy, f"fuzzy in {language}: {fuzzy}"
        assert not untranslated, f"untranslated in {language}: {untranslated}"

    @pytest.mark.parametrize("language", SHIPPED)
    def test_translations_keep_every_placeholder(self, language):
        for message in catalogue(language):
            if not message.id:
                continue
            source = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            wanted = set(PLACEHOLDER.findall(source[-1]))
            for string in strings:
                assert set(PLACEHOLDER.findall(string)) == wanted, (language, message.id)

    @pytest.mark.parametrize("language", SHIPPED)
    def test_the_catalogue_holds_the_same_messages_in_every_language(self, language):
        english_ids = {m.id for m in catalogue("de") if m.id}
        assert {m.id for m in catalogue(language) if m.id} == english_ids


class TextNodes(HTMLParser):
    """Collect the visible text of a page (not scripts, styles or the title's product)."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in {"script", "style"}:
            self._skip += 1
        for name, value in attrs:
            if name in {"aria-label", "placeholder", "title", "alt"} and value:
                self.texts.append(value.strip())

    def handle_endtag(self, tag: str) -> None:
        if tag in {"script", "style"}:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.texts.append(" ".join(data.split()))


def texts(html: str, data: set[str]) -> set[str]:
    """Return the page's text nodes that are not data (names, numbers, punctuation)."""
    parser = TextNodes()
    parser.feed(html)
    words = set()
    for text in parser.texts:
        stripped = text
        for value in data:
            stripped = stripped.replace(value, "")
        if re.search(r"[A-Za-z]{2,}", stripped):
            words.add(text)
    return words


@pytest.fixture
def pages(client, workspace):
    """Return a function rendering every respondent page in a language, as {page: html}."""

    def render(language: str) -> dict[str, str]:
        assessment = open_assessment(project__account__workspace=workspace)
        invitation = invite(assessment, name="Ada Lovelace", language=language)
        out = {"welcome": client.get(link(invitation)).content.decode()}
        for section in ("awareness", "leadership", "sentiment"):
            out[section] = client.get(link(invitation, section)).content.decode()
        out["step error"] = client.post(
            link(invitation, "awareness"), {"AW1": "9", "action": "next"}
        ).content.decode()
        out["review empty"] = client.post(link(invitation, "submit")).content.decode()
        client.post(link(invitation, "awareness"), {"AW1": "4", "action": "later"})
        out["saved"] = client.post(
            link(invitation, "awareness"), {"AW1": "4", "action": "later"}
        ).content.decode()
        out["review"] = client.get(link(invitation, "review")).content.decode()
        client.post(link(invitation, "submit"))
        out["thanks"] = client.get(link(invitation)).content.decode()
        out["second submit"] = client.post(link(invitation, "submit")).content.decode()
        services.assessment_close(assessment=assessment)
        other = invite(open_assessment(project__account__workspace=workspace), language=language)
        services.assessment_close(assessment=other.assessment)
        out["closed"] = client.get(link(other)).content.decode()
        draft = invite(
            AssessmentFactory(project=assessment.project, name="Pre go-live"), language=language
        )
        out["not yet open"] = client.get(link(draft)).content.decode()
        out["unknown"] = Client(HTTP_ACCEPT_LANGUAGE=language).get("/s/nope/").content.decode()
        project = assessment.project
        out["data"] = {
            "Ada Lovelace",
            project.account.name,
            project.product_name,
            assessment.name,
            "Pre go-live",
            other.assessment.name,
            other.name,
        }
        return out

    return render


class TestRespondentFlowIsTranslated:
    @pytest.mark.parametrize("language", SHIPPED)
    def test_no_page_shows_an_english_sentence(self, pages, language):
        english, translated = pages("en"), pages(language)
        data = english.pop("data") | translated.pop("data")
        # Words that are the same in both languages, or names of the languages on the switcher.
        same = {"English", "Deutsch", "Français", "Español", "(optional)"}
        leftovers = {
            page: (texts(html, data) & texts(english[page], data)) - same
            for page, html in translated.items()
        }
        assert not {page: left for page, left in leftovers.items() if left}, (
            f"English left in the {language} survey"
        )

    @pytest.mark.parametrize("language", SURVEY_LANGUAGE_CODES)
    def test_every_page_says_its_language(self, pages, language):
        rendered = pages(language)
        rendered.pop("data")
        for page, html in rendered.items():
            assert f'<html lang="{language}">' in html, page


class TestDefaultTemplateWording:
    def test_every_item_is_written_in_every_shipped_language(self):
        for spec in DEFAULT_ITEMS:
            for language in SHIPPED:
                text = DEFAULT_TRANSLATIONS[spec.code][language]
                assert text and text != spec.wording, (spec.code, language)
                assert ("{product}" in text) == ("{product}" in spec.wording), (spec.code, language)

    def test_a_new_workspace_default_template_carries_the_translations(self, workspace):
        item = TemplateItem.objects.get(template__workspace=workspace, code="KN2")
        assert (
            item.text_for("Atlas", "de") == "Ich weiß, wo ich Schulungen und Hilfe zu Atlas finde."
        )
        assert item.text_for("Atlas", "en") == "I know where to find training and help for Atlas."
        # A language without its own wording falls back to the item's wording.
        assert item.text_for("Atlas", "it") == item.text_for("Atlas", "en")

    def test_a_german_respondent_reads_the_german_items(self, client, workspace):
        assessment = open_assessment(project__account__workspace=workspace)
        invitation = invite(assessment, language="de")
        product = assessment.project.product_name
        page = client.get(link(invitation, "awareness")).content.decode()
        assert f"Ich verstehe, warum {product} in unserer Organisation eingeführt wird." in page
        assert "Stimme voll und ganz zu" in page and "Schritt 1 von 8" in page


class TestInvitationLanguage:
    def test_the_list_language_column_is_read_and_blank_takes_the_workspace_default(
        self, workspace
    ):
        workspace.default_language = "fr"
        workspace.save()
        assessment = open_assessment(project__account__workspace=workspace)
        rows = csv_io.read_person_list(
            "name,email,role,department,language\n"
            "Ada,ada@customer.example,sponsor,,Deutsch\n"
            "Bo,bo@customer.example,end_user,Ops,es\n"
            "Cy,cy@customer.example,end_user,Ops,\n"
        )
        services.invitation_add_list(assessment=assessment, rows=rows)
        languages = dict(Invitation.objects.values_list("name", "language"))
        assert languages == {"Ada": "de", "Bo": "es", "Cy": "fr"}

    def test_an_unknown_language_is_refused_with_its_line(self, workspace):
        assessment = open_assessment(project__account__workspace=workspace)
        rows = csv_io.read_person_list("Ada,ada@customer.example,sponsor,,Klingon\n")
        with pytest.raises(Exception) as refused:
            services.invitation_add_list(assessment=assessment, rows=rows)
        assert "Line 1: “Klingon” is not a survey language: use en, de, fr or es." in str(
            refused.value
        )

    def test_the_respondent_switches_language_on_the_welcome_page(self, client, workspace):
        invitation = invite(open_assessment(project__account__workspace=workspace), language="de")
        page = client.get(link(invitation)).content.decode()
        assert '<html lang="de">' in page and 'lang="fr"' in page
        response = client.post(link(invitation, "language"), {"language": "fr"})
        assert response.status_code == 302
        page = client.get(link(invitation)).content.decode()
        assert '<html lang="fr">' in page and "Commencer l’enquête" in page
        invitation.refresh_from_db()
        assert invitation.language == "fr"

    def test_an_unknown_language_choice_changes_nothing(self, client, workspace):
        invitation = invite(open_assessment(project__account__workspace=workspace), language="es")
        client.post(link(invitation, "language"), {"language": "xx\x00"})
        invitation.refresh_from_db()
        assert invitation.language == "es"

    def test_invitation_and_reminder_e_mails_speak_the_invitation_language(self, workspace):
        assessment = open_assessment(project__account__workspace=workspace)
        invite(assessment, name="Ada", language="de")
        invite(assessment, name="Bo", language="es")
        services.invitations_send(assessment_id=assessment.pk)
        by_name = {message.body.split("\n")[0]: message for message in mail.outbox}
        german = by_name["Guten Tag Ada,"]
        assert german.subject.startswith("Umfrage von ")
        assert "Ihr persönlicher Link (bitte nicht weiterleiten):" in german.body
        assert "Sie endet am " in german.body
        html = german.alternatives[0][0]
        assert '<html lang="de">' in html and "Zur Umfrage" in html
        assert "Su enlace personal (por favor, no lo reenvíe):" in by_name["Estimado/a Bo:"].body


class TestAnswersPoolAcrossLanguages:
    def test_a_german_and_a_french_response_count_for_the_same_items(self, client, workspace):
        assessment = open_assessment(project__account__workspace=workspace)
        # Three respondents: a round's figures show from the minimum group size (3) on.
        for language in ("de", "fr", "es"):
            invitation = invite(assessment, language=language)
            for section in ("awareness", "desire", "knowledge", "ability", "reinforcement"):
                codes = [code for code in ALL_ANSWERS if code[:2] == section[:2].upper()]
                client.post(
                    link(invitation, section), {**{c: "4" for c in codes}, "action": "next"}
                )
            assert client.post(link(invitation, "submit")).status_code == 302
        snapshot = scoring_services.project_recalculate(project_id=assessment.project_id)
        # Every language's answers land on the same items, so they count as one survey's.
        assert snapshot.responses == 3
        # Every ADKAR answer is 4 (75 on the 0–100 scale), the only component with data.
        assert snapshot.score == pytest.approx(75.0)


class TestWorkspaceDefaultLanguage:
    def test_an_admin_sets_it_and_new_invitations_take_it(self, admin_client_ws, workspace):
        response = admin_client_ws.post(
            reverse("readiness:workspace_language"), {"language": "es"}, follow=True
        )
        assert "New invitations without a language get Español." in response.content.decode()
        assessment = open_assessment(project__account__workspace=workspace)
        assert invite(assessment).language == "es"

    def test_an_unknown_language_is_refused(self, admin_client_ws, workspace):
        response = admin_client_ws.post(
            reverse("readiness:workspace_language"), {"language": "tlh"}, follow=True
        )
        assert "“tlh” is not a survey language" in response.content.decode()
        workspace.refresh_from_db()
        assert workspace.default_language == "en"

    def test_only_admins_set_it(self, consultant_client, workspace):
        response = consultant_client.post(
            reverse("readiness:workspace_language"), {"language": "de"}
        )
        assert response.status_code == 403
