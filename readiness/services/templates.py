"""Writes of survey templates: the default ADKAR template and new versions."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.db.models import Max

from readiness.default_template import DEFAULT_ITEMS, DEFAULT_TEMPLATE_NAME
from readiness.models import SurveyTemplate, TemplateItem
from readiness.services._common import _save
from workspaces.models import Workspace

# --- Survey templates ---------------------------------------------------------------------


@transaction.atomic
def default_template_ensure(*, workspace: Workspace) -> SurveyTemplate:
    """Return the workspace's default ADKAR template, creating it (SPEC §3) when missing."""
    template = (
        SurveyTemplate.objects.for_workspace(workspace)
        .filter(is_default=True)
        .order_by("-version")
        .first()
    )
    if template is not None:
        return template
    template = _save(
        SurveyTemplate(workspace=workspace),
        {
            "name": DEFAULT_TEMPLATE_NAME,
            "version": 1,
            "is_default": True,
            "description": "The built-in ADKAR readiness survey with leadership and sentiment.",
        },
    )
    TemplateItem.objects.bulk_create(
        TemplateItem(
            template=template,
            position=position,
            code=spec.code,
            kind=spec.kind,
            dimension=spec.dimension,
            wording=spec.wording,
            allow_dont_know=spec.kind == "likert",
        )
        for position, spec in enumerate(DEFAULT_ITEMS, start=1)
    )
    return template


@transaction.atomic
def template_revise(*, template: SurveyTemplate, wordings: Mapping[str, str]) -> SurveyTemplate:
    """Change item wordings; a template that an assessment uses is left as is and a new
    version is made instead. Return the template that holds the new wordings."""
    template = SurveyTemplate.objects.select_for_update().get(pk=template.pk)
    items = list(template.items.all())
    changed = {code: text for code, text in wordings.items() if text.strip()}
    if all(item.wording == changed.get(item.code, item.wording) for item in items):
        return template
    if template.is_frozen:
        latest = SurveyTemplate.objects.filter(
            workspace=template.workspace, name=template.name
        ).aggregate(Max("version"))["version__max"]
        revised = _save(
            SurveyTemplate(workspace=template.workspace),
            {
                "name": template.name,
                "version": latest + 1,
                "description": template.description,
                "is_default": template.is_default,
                "previous_version": template,
            },
        )
        TemplateItem.objects.bulk_create(
            TemplateItem(
                template=revised,
                position=item.position,
                code=item.code,
                kind=item.kind,
                dimension=item.dimension,
                wording=changed.get(item.code, item.wording),
                allow_dont_know=item.allow_dont_know,
                required=item.required,
            )
            for item in items
        )
        return revised
    for item in items:
        if item.code in changed:
            _save(item, {"wording": changed[item.code]})
    return template
