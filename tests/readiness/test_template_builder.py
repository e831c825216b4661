"""The template builder: new templates, items added, removed and reordered, frozen versions,
placeholders, wording per language, the preview, and scoring of a template missing a dimension."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from readiness import services
from readiness.models import Answer, Response, SurveyTemplate, TemplateItem
from readiness.services import ItemInput
from scoring import services as scoring_services
from tests.readiness.test_assessments import invite, open_assessment
from tests.readiness.test_survey import link

pytestmark = pytest.mark.django_db


def likert(code: str, dimension: str, wording: str = "I am ready for {product}.", **kw):
    return ItemInput(code=code, kind="likert", dimension=dimension, wording=wording, **kw)


def pulse(workspace) -> SurveyTemplate:
    template = services.template_create(workspace=workspace, name="Pulse")
    return services.template_save_items(
        template=template,
        items=[
            likert("AW1", "awareness", translations={"de": "Ich bin bereit für {product}."}),
            likert("DE1", "desire", "I want {product}."),
            ItemInput(code="NPS", kind="nps", dimension="sentiment", wording="Recommend?"),
        ],
    )


def formset_data(template: SurveyTemplate, **changes: dict) -> dict[str, str]:
    """Return the builder's POST data for the template's items, with `changes` by row index."""
    items = list(template.items.all())
    data = {
        "items-TOTAL_FORMS": str(len(items) + 1),
        "items-INITIAL_FORMS": str(len(items)),
        "items-MIN_NUM_FORMS": "0",
        "items-MAX_NUM_FORMS": "60",
        "description": template.description,
    }
    for index, item in enumerate(items):
        row = {
            "code": item.code,
            "kind": item.kind,
            "dimension": item.dimension,
            "wording": item.wording,
            "ORDER": str(index + 1),
            **({"allow_dont_know": "on"} if item.allow_dont_know else {}),
            **{f"wording_{code}": text for code, text in item.translations.items()},
            **changes.get(str(index), {}),
        }
        data.update({f"items-{index}-{key}": value for key, value in row.items()})
    for key, value in changes.get("new", {}).items():
        data[f"items-{len(items)}-{key}"] = value
    return data


class TestBuilderRules:
    def test_a_new_template_holds_its_items_in_order_with_their_translations(self, workspace):
        template = pulse(workspace)
        assert list(template.items.values_list("code", "position")) == [
            ("AW1", 1),
            ("DE1", 2),
            ("NPS", 3),
        ]
        item = template.items.get(code="AW1")
        assert item.text_for("Atlas", "de") == "Ich bin bereit für Atlas."
        assert item.text_for("Atlas", "fr") == "I am ready for Atlas."

    @pytest.mark.parametrize(
        ("wording", "message"),
        [
            ("Ich mag {produkt}.", "“{produkt}” is not a placeholder: write {product}"),
            ("I like {Product}.", "“{Product}” is not a placeholder"),
            ("I like {product.", "A brace is not closed"),
            ("I like {}.", "“{}” is not a placeholder"),
        ],
    )
    def test_a_misspelt_placeholder_is_refused_with_a_message(self, workspace, wording, message):
        template = services.template_create(workspace=workspace, name="Typos")
        with pytest.raises(ValidationError) as refused:
            services.template_save_items(
                template=template, items=[likert("AW1", "awareness", wording)]
            )
        assert message.lower() in " ".join(refused.value.messages).lower()
        assert not template.items.exists()

    def test_a_misspelt_placeholder_in_a_translation_names_the_language(self, workspace):
        template = services.template_create(workspace=workspace, name="Typos")
        with pytest.raises(ValidationError) as refused:
            services.template_save_items(
                template=template,
                items=[likert("AW1", "awareness", translations={"de": "Ich mag {produkt}."})],
            )
        assert refused.value.messages == [
            "Item 1 (AW1): in de: “{produkt}” is not a placeholder: write {product} for the "
            "product's name."
        ]

    def test_duplicate_codes_bad_kinds_and_blank_wording_are_each_named(self, workspace):
        template = services.template_create(workspace=workspace, name="Bad")
        with pytest.raises(ValidationError) as refused:
            services.template_save_items(
                template=template,
                items=[
                    likert("AW1", "awareness"),
                    likert("aw1", "desire"),
                    ItemInput(code="N", kind="nps", dimension="awareness", wording="x"),
                    ItemInput(code="T", kind="text", dimension="comment", wording="  "),
                ],
            )
        assert refused.value.messages == [
            "Item 2 (AW1): the code AW1 is already used by item 1.",
            "Item 3 (N): an NPS item belongs to the Sentiment dimension.",
            "Item 4 (T): write the wording.",
        ]

    def test_a_used_template_stays_frozen_and_saving_makes_a_new_version(self, workspace):
        template = pulse(workspace)
        assessment = open_assessment(project__account__workspace=workspace, template=template)
        reordered = [likert("DE1", "desire", "I want {product}."), likert("AW1", "awareness")]
        saved = services.template_save_items(template=template, items=reordered)
        assert saved.pk != template.pk and saved.version == 2
        assert saved.previous_version == template
        assert list(saved.items.values_list("code", flat=True)) == ["DE1", "AW1"]
        assessment.refresh_from_db()
        assert assessment.template == template
        assert list(template.items.values_list("code", flat=True)) == ["AW1", "DE1", "NPS"]

    def test_an_unused_template_changes_in_place(self, workspace):
        template = pulse(workspace)
        saved = services.template_save_items(template=template, items=[likert("AW1", "awareness")])
        assert saved.pk == template.pk
        assert list(template.items.values_list("code", flat=True)) == ["AW1"]

    def test_a_name_already_taken_is_refused(self, workspace):
        pulse(workspace)
        with pytest.raises(ValidationError, match="A template named “Pulse” already exists"):
            services.template_create(workspace=workspace, name="Pulse")


class TestBuilderPages:
    def test_an_admin_adds_removes_and_reorders_items(self, admin_client_ws, workspace):
        template = pulse(workspace)
        data = formset_data(
            template,
            **{
                "0": {"ORDER": "4"},
                "1": {"DELETE": "on"},
                "new": {
                    "code": "LS1",
                    "kind": "likert",
                    "dimension": "leadership",
                    "wording": "My manager supports {product}.",
                    "wording_fr": "Mon manager soutient {product}.",
                    "ORDER": "1",
                },
            },
        )
        response = admin_client_ws.post(
            reverse("readiness:template_edit", args=[template.pk]), data
        )
        assert response.status_code == 302
        assert list(template.items.values_list("code", flat=True)) == ["LS1", "NPS", "AW1"]
        assert template.items.get(code="LS1").translations == {
            "fr": "Mon manager soutient {product}."
        }

    def test_the_page_refuses_a_misspelt_placeholder_and_keeps_the_input(
        self, admin_client_ws, workspace
    ):
        template = pulse(workspace)
        data = formset_data(template, **{"1": {"wording": "I want {produkt}."}})
        response = admin_client_ws.post(
            reverse("readiness:template_edit", args=[template.pk]), data
        )
        page = response.content.decode()
        assert response.status_code == 400
        assert "Item 2 (DE1): “{produkt}” is not a placeholder" in page
        assert "I want {produkt}." in page
        assert template.items.get(code="DE1").wording == "I want {product}."

    def test_a_used_template_saved_on_the_page_says_it_made_a_new_version(
        self, admin_client_ws, workspace
    ):
        template = pulse(workspace)
        open_assessment(project__account__workspace=workspace, template=template)
        data = formset_data(template, **{"0": {"wording": "I get why {product}."}})
        response = admin_client_ws.post(
            reverse("readiness:template_edit", args=[template.pk]), data, follow=True
        )
        assert "so your changes were saved as version 2" in response.content.decode()
        assert template.items.get(code="AW1").wording == "I am ready for {product}."

    def test_a_new_template_can_start_as_a_copy(self, admin_client_ws, workspace):
        default = services.default_template_ensure(workspace=workspace)
        response = admin_client_ws.post(
            reverse("readiness:template_create"), {"name": "Short ADKAR", "copy_of": default.pk}
        )
        created = SurveyTemplate.objects.get(workspace=workspace, name="Short ADKAR")
        assert response["Location"] == reverse("readiness:template_edit", args=[created.pk])
        assert created.items.count() == 20
        assert created.items.get(code="AW1").translations["es"].startswith("Entiendo")

    @pytest.mark.parametrize("role", ["consultant", "csm", "viewer"])
    def test_only_admins_build_templates(self, client_for, workspace, role):
        client = client_for(workspace, role)
        template = pulse(workspace)
        for name, args in [
            ("readiness:template_create", []),
            ("readiness:template_edit", [template.pk]),
            ("readiness:template_new_version", [template.pk]),
        ]:
            assert client.post(reverse(name, args=args)).status_code == 403
        assert (
            client.get(reverse("readiness:template_preview", args=[template.pk])).status_code == 200
        )


class TestPreview:
    def test_the_preview_walks_the_real_flow_with_a_sample_product_and_stores_nothing(
        self, viewer_client, workspace
    ):
        template = pulse(workspace)
        url = reverse("readiness:template_preview", args=[template.pk])
        welcome = viewer_client.get(url).content.decode()
        assert "Preview: nothing is stored" in welcome and "Atlas" in welcome
        step = viewer_client.get(url, {"lang": "de", "step": "awareness"}).content.decode()
        assert '<html lang="de">' in step and "Ich bin bereit für Atlas." in step
        bad = viewer_client.post(f"{url}?lang=de&step=awareness", {"AW1": "9"})
        assert bad.status_code == 400 and "9 liegt außerhalb des Bereichs" in bad.content.decode()
        good = viewer_client.post(f"{url}?lang=de&step=awareness", {"AW1": "4"})
        assert good.status_code == 302 and "step=desire" in good["Location"]
        thanks = viewer_client.post(f"{url}?lang=de&step=submit").content.decode()
        assert "Vorschau: Es wird nichts gespeichert" in thanks
        assert not Response.objects.exists() and not Answer.objects.exists()

    def test_the_preview_switches_language(self, viewer_client, workspace):
        url = reverse("readiness:template_preview", args=[pulse(workspace).pk])
        response = viewer_client.post(f"{url}?lang=en", {"language": "fr"})
        assert response["Location"] == f"{url}?lang=fr"

    def test_the_consultant_previews_an_assessment_with_its_product(
        self, consultant_client, workspace
    ):
        assessment = open_assessment(project__account__workspace=workspace)
        url = reverse("readiness:assessment_preview", args=[assessment.pk])
        page = consultant_client.get(url, {"step": "awareness"}).content.decode()
        product = assessment.project.product_name
        assert f"I understand why {product} is being introduced" in page
        assert not assessment.invitations.exists()


class TestScoringATemplateWithoutADimension:
    def test_a_missing_dimension_is_missing_never_zero(self, client, workspace):
        template = services.template_create(workspace=workspace, name="No knowledge")
        template = services.template_save_items(
            template=template,
            items=[
                likert(f"{prefix}{n}", dimension)
                for prefix, dimension in [("AW", "awareness"), ("DE", "desire"), ("AB", "ability")]
                for n in (1, 2)
            ],
        )
        assessment = open_assessment(project__account__workspace=workspace, template=template)
        # Three respondents: a round's figures show from the minimum group size (3) on.
        for _ in range(3):
            invitation = invite(assessment)
            for section, codes in [("awareness", "AW"), ("desire", "DE"), ("ability", "AB")]:
                client.post(
                    link(invitation, section),
                    {f"{codes}1": "5", f"{codes}2": "5", "action": "next"},
                )
            assert client.post(link(invitation, "submit")).status_code == 302
        snapshot = scoring_services.project_recalculate(project_id=assessment.project_id)
        elements = snapshot.breakdown["groups"]["all"]["element_means"]
        assert elements["knowledge"] is None and elements["reinforcement"] is None
        assert elements["awareness"] == 5
        # The ADKAR index averages the three dimensions answered: all 5s give 100, not 60.
        assert snapshot.breakdown["groups"]["all"]["adkar_index"] == pytest.approx(100.0)
        assert TemplateItem.objects.filter(template=template, dimension="knowledge").count() == 0
