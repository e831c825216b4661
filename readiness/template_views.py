"""Pages of the template builder (admins) and the survey preview (every member)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from readiness import selectors, services
from readiness.survey import preview as survey_preview
from readiness.template_forms import (
    ItemForm,
    ItemFormSet,
    TemplateCreateForm,
    TemplateDescriptionForm,
    formset_items,
)
from workspaces import services as workspace_services
from workspaces.decorators import workspace_view
from workspaces.permissions import Action


@workspace_view(Action.MANAGE_WORKSPACE)
@require_http_methods(["GET", "POST"])
def template_create(request: HttpRequest) -> HttpResponse:
    templates = selectors.template_list(workspace=request.workspace)
    form = TemplateCreateForm(request.POST or None, templates=templates)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.template_create(workspace=request.workspace, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{template.name} is created: add its items.")
            return redirect("readiness:template_edit", template_id=template.pk)
    return render(request, "readiness/template_create.html", {"form": form})


@workspace_view(Action.MANAGE_WORKSPACE)
@require_http_methods(["GET", "POST"])
def template_edit(request: HttpRequest, template_id: int) -> HttpResponse:
    template = selectors.template_get(workspace=request.workspace, template_id=template_id)
    initial = [ItemForm.initial_for(item) for item in template.items.all()]
    for number, row in enumerate(initial, start=1):
        row["ORDER"] = number
    formset = ItemFormSet(request.POST or None, initial=initial, prefix="items")
    details = TemplateDescriptionForm(
        request.POST or None, initial={"description": template.description}
    )
    errors: list[str] = []
    if request.method == "POST" and formset.is_valid() and details.is_valid():
        try:
            saved = services.template_save_items(
                template=template,
                items=formset_items(formset),
                description=details.cleaned_data["description"],
            )
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, _saved_message(template, saved))
            return redirect("readiness:template_detail", template_id=saved.pk)
    context = {"template": template, "formset": formset, "details": details, "errors": errors}
    status = 400 if request.method == "POST" else 200
    return render(request, "readiness/template_edit.html", context, status=status)


def _saved_message(before: Any, after: Any) -> str:
    if after.pk != before.pk:
        return (
            f"{before} is used by an assessment, so your changes were saved as version "
            f"{after.version}; the assessment keeps version {before.version}."
        )
    return "The template is saved."


@workspace_view(Action.MANAGE_WORKSPACE)
@require_POST
def template_new_version(request: HttpRequest, template_id: int) -> HttpResponse:
    template = selectors.template_get(workspace=request.workspace, template_id=template_id)
    revised = services.template_new_version(template=template)
    messages.success(request, f"Version {revised.version} is created: edit it below.")
    return redirect("readiness:template_edit", template_id=revised.pk)


@workspace_view()
@require_http_methods(["GET", "POST"])
def template_preview(request: HttpRequest, template_id: int) -> HttpResponse:
    """Show the survey of a template as a respondent sees it, with a sample product."""
    template = selectors.template_get(workspace=request.workspace, template_id=template_id)
    about = {
        "customer": survey_preview.SAMPLE_CUSTOMER,
        "product": survey_preview.SAMPLE_PRODUCT,
        "assessment": SimpleNamespace(
            name=template.name, closes_on=None, closed_at=None, state="open"
        ),
    }
    return survey_preview.preview(request, template.items.all(), about)


@workspace_view()
@require_http_methods(["GET", "POST"])
def assessment_preview(request: HttpRequest, assessment_id: int) -> HttpResponse:
    """Show the survey of an assessment as its respondents see it; nothing is stored."""
    assessment = selectors.assessment_get(workspace=request.workspace, assessment_id=assessment_id)
    about = {
        "customer": assessment.project.account.name,
        "product": assessment.project.product_name,
        "assessment": assessment,
    }
    return survey_preview.preview(request, assessment.template.items.all(), about)


@workspace_view(Action.MANAGE_WORKSPACE)
@require_POST
def workspace_language(request: HttpRequest) -> HttpResponse:
    """Set the workspace's default survey language (for invitations without one)."""
    try:
        workspace_services.workspace_set_default_language(
            workspace=request.workspace, language=request.POST.get("language", "")
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request,
            f"New invitations without a language get "
            f"{request.workspace.get_default_language_display()}.",
        )
    return redirect("readiness:template_list")
