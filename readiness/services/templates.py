"""Writes of survey templates: the default ADKAR template, and the builder's new templates,
items and versions (with wording per language).

Every write to a template's items goes through `template_save_items`: a template that an
assessment uses is frozen, so saving it makes a new version and leaves the used one as it was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max

from readiness.default_template import DEFAULT_ITEMS, DEFAULT_TEMPLATE_NAME, DEFAULT_TRANSLATIONS
from readiness.models import (
    ADKAR_DIMENSIONS,
    Dimension,
    ItemKind,
    SurveyTemplate,
    TemplateItem,
)
from readiness.services._common import _save
from workspaces.models import SURVEY_LANGUAGE_CODES, Workspace

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
            translations=dict(DEFAULT_TRANSLATIONS.get(spec.code, {})),
            allow_dont_know=spec.kind == "likert",
        )
        for position, spec in enumerate(DEFAULT_ITEMS, start=1)
    )
    return template


# --- The template builder -----------------------------------------------------------------

PLACEHOLDER = "{product}"
MAX_ITEMS = 60
MAX_WORDING = 500
CODE_PATTERN = re.compile(r"[A-Z][A-Z0-9_]{0,19}")
# Anything between braces, and a lone brace: both are misspelt placeholders.
BRACED = re.compile(r"\{[^{}]*\}")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
LIKERT_DIMENSIONS = (*ADKAR_DIMENSIONS, Dimension.LEADERSHIP)


@dataclass(frozen=True)
class ItemInput:
    """One item as the builder submits it: `wording` in the template's own language and
    `translations` by language code (blank ones are dropped)."""

    code: str
    kind: str
    dimension: str
    wording: str
    translations: Mapping[str, str] = field(default_factory=dict)
    allow_dont_know: bool = True


def placeholder_error(text: str) -> str | None:
    """Return why `text` holds a placeholder other than {product}, or None when it is fine."""
    for braced in BRACED.findall(text):
        if braced != PLACEHOLDER:
            return f"“{braced}” is not a placeholder: write {PLACEHOLDER} for the product's name."
    if "{" in BRACED.sub("", text) or "}" in BRACED.sub("", text):
        return f"A brace is not closed: write {PLACEHOLDER} for the product's name."
    return None


def _text_error(text: str) -> str | None:
    if not text.strip():
        return "Write the wording."
    if CONTROL.search(text):
        return "Remove the control characters (pasted from another program?) from the wording."
    if len(text) > MAX_WORDING:
        return f"Keep the wording under {MAX_WORDING} characters (it has {len(text)})."
    return placeholder_error(text)


def _kind_error(item: ItemInput) -> str | None:
    """Return why the item's kind and dimension do not go together, or None."""
    if item.kind not in ItemKind.values:
        return f"“{item.kind}” is not an item kind: use likert, nps or text."
    if item.dimension not in Dimension.values:
        return f"“{item.dimension}” is not a dimension."
    # Scoring reads Likert items by dimension, the NPS item as sentiment, text as comments.
    if item.kind == ItemKind.LIKERT and item.dimension not in LIKERT_DIMENSIONS:
        return "A Likert item measures an ADKAR dimension or leadership: choose one of those."
    if item.kind == ItemKind.NPS and item.dimension != Dimension.SENTIMENT:
        return "An NPS item belongs to the Sentiment dimension."
    if item.kind == ItemKind.TEXT and item.dimension != Dimension.COMMENT:
        return "A free-text item belongs to the Comment dimension."
    return None


def items_clean(items: Sequence[ItemInput]) -> list[ItemInput]:
    """Return the items with their text tidied, or raise a ValidationError whose messages
    name each item ("Item 3 (AW1): …")."""
    if not items:
        raise ValidationError("A template needs at least one item: add one.")
    if len(items) > MAX_ITEMS:
        raise ValidationError(f"A template holds at most {MAX_ITEMS} items.")
    errors: list[str] = []
    seen: dict[str, int] = {}
    cleaned = []
    for number, item in enumerate(items, start=1):
        code = item.code.strip().upper()
        problems = []
        if not CODE_PATTERN.fullmatch(code):
            problems.append(
                "the code must start with a letter and hold up to 20 letters, digits or _"
            )
        elif code in seen:
            problems.append(f"the code {code} is already used by item {seen[code]}")
        seen.setdefault(code, number)
        if error := _kind_error(item):
            problems.append(error[0].lower() + error[1:].rstrip("."))
        if error := _text_error(item.wording):
            problems.append(error[0].lower() + error[1:].rstrip("."))
        translations = {}
        for language, text in sorted(item.translations.items()):
            if language not in SURVEY_LANGUAGE_CODES:
                problems.append(f"“{language}” is not a survey language")
            elif text.strip():
                if error := _text_error(text):
                    problems.append(f"in {language}: {error[0].lower() + error[1:].rstrip('.')}")
                translations[language] = text.strip()
        if problems:
            errors.append(f"Item {number} ({code or 'no code'}): {'; '.join(problems)}.")
        cleaned.append(
            ItemInput(
                code=code,
                kind=item.kind,
                dimension=item.dimension,
                wording=item.wording.strip(),
                translations=translations,
                allow_dont_know=item.kind == ItemKind.LIKERT and item.allow_dont_know,
            )
        )
    if errors:
        raise ValidationError(errors)
    return cleaned


def _next_version(workspace_id: int, name: str) -> int:
    latest = SurveyTemplate.objects.filter(workspace_id=workspace_id, name=name).aggregate(
        Max("version")
    )["version__max"]
    return (latest or 0) + 1


def _create_items(template: SurveyTemplate, items: Sequence[ItemInput]) -> None:
    TemplateItem.objects.bulk_create(
        TemplateItem(
            template=template,
            position=position,
            code=item.code,
            kind=item.kind,
            dimension=item.dimension,
            wording=item.wording,
            translations=dict(item.translations),
            allow_dont_know=item.allow_dont_know,
        )
        for position, item in enumerate(items, start=1)
    )


def _text_clean(text: str, what: str, limit: int) -> str:
    text = text.strip()
    if CONTROL.search(text):
        raise ValidationError(f"Remove the control characters from the {what}.")
    if len(text) > limit:
        raise ValidationError(f"Keep the {what} under {limit} characters.")
    return text


@transaction.atomic
def template_create(
    *,
    workspace: Workspace,
    name: str,
    description: str = "",
    copy_of: SurveyTemplate | None = None,
) -> SurveyTemplate:
    """Create a new template (version 1), empty or with the items of `copy_of`."""
    name = _text_clean(name, "name", 200)
    if not name:
        raise ValidationError("Give the template a name.")
    if SurveyTemplate.objects.filter(workspace=workspace, name=name).exists():
        raise ValidationError(
            f"A template named “{name}” already exists: choose another name, "
            "or edit that template to make a new version."
        )
    if copy_of is not None and copy_of.workspace_id != workspace.pk:
        raise ValueError("The template to copy belongs to another workspace.")
    template = SurveyTemplate(
        workspace=workspace,
        name=name,
        version=1,
        description=_text_clean(description, "description", 2000),
    )
    template.full_clean()
    template.save()
    if copy_of is not None:
        _create_items(template, [item_input(item) for item in copy_of.items.all()])
    return template


def item_input(item: TemplateItem) -> ItemInput:
    """Return a stored item as the builder's input."""
    return ItemInput(
        code=item.code,
        kind=item.kind,
        dimension=item.dimension,
        wording=item.wording,
        translations=dict(item.translations or {}),
        allow_dont_know=item.allow_dont_know,
    )


@transaction.atomic
def template_save_items(
    *, template: SurveyTemplate, items: Sequence[ItemInput], description: str | None = None
) -> SurveyTemplate:
    """Give the template exactly `items`, in this order, and return the template that holds
    them: the same one while no assessment uses it, else a new version (the used one stays
    frozen). Nothing changes when any item is invalid."""
    template = SurveyTemplate.objects.select_for_update().get(pk=template.pk)
    cleaned = items_clean(items)
    description = (
        template.description
        if description is None
        else _text_clean(description, "description", 2000)
    )
    current = [item_input(item) for item in template.items.all()]
    if current == cleaned and description == template.description:
        return template
    if template.is_frozen:
        revised = SurveyTemplate(
            workspace_id=template.workspace_id,
            name=template.name,
            version=_next_version(template.workspace_id, template.name),
            description=description,
            is_default=template.is_default,
            previous_version=template,
        )
        revised.full_clean()
        revised.save()
        _create_items(revised, cleaned)
        return revised
    # Not used by any assessment, so no answer refers to these items: replace them.
    template.items.all().delete()
    _create_items(template, cleaned)
    if description != template.description:
        template.description = description
        template.save(update_fields=["description"])
    return template


@transaction.atomic
def template_new_version(*, template: SurveyTemplate) -> SurveyTemplate:
    """Start a new version of `template` with the same items, to edit while the old one is
    used."""
    template = SurveyTemplate.objects.select_for_update().get(pk=template.pk)
    revised = SurveyTemplate(
        workspace_id=template.workspace_id,
        name=template.name,
        version=_next_version(template.workspace_id, template.name),
        description=template.description,
        is_default=template.is_default,
        previous_version=template,
    )
    revised.full_clean()
    revised.save()
    _create_items(revised, [item_input(item) for item in template.items.all()])
    return revised
