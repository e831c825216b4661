"""Forms of the template builder: the template itself and one row per item (a formset)."""

from __future__ import annotations

from typing import Any

from crispy_forms.helper import FormHelper
from django import forms

from readiness.models import Dimension, ItemKind, SurveyTemplate
from readiness.services.templates import MAX_ITEMS, MAX_WORDING, ItemInput
from workspaces.models import SURVEY_LANGUAGES

OTHER_LANGUAGES = SURVEY_LANGUAGES[1:]


class TemplateCreateForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    copy_of = forms.ModelChoiceField(
        queryset=SurveyTemplate.objects.none(),
        required=False,
        label="Start from",
        empty_label="An empty template",
        help_text="Copy the items of an existing template, then change them.",
    )

    def __init__(self, *args: Any, templates: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["copy_of"].queryset = templates
        self.helper = FormHelper()
        self.helper.form_tag = False


class ItemForm(forms.Form):
    """One item of the template; its position comes from ORDER, a ticked DELETE removes it."""

    code = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"size": 6}))
    kind = forms.ChoiceField(choices=ItemKind.choices, initial=ItemKind.LIKERT)
    dimension = forms.ChoiceField(choices=Dimension.choices)
    wording = forms.CharField(
        label="Wording (English)",
        max_length=MAX_WORDING,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="{product} stands for the project's product name.",
    )
    allow_dont_know = forms.BooleanField(label="Allow “Don't know”", required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for code, name in OTHER_LANGUAGES:
            self.fields[f"wording_{code}"] = forms.CharField(
                label=f"Wording ({name})",
                max_length=MAX_WORDING,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "lang": code}),
            )

    def has_changed(self) -> bool:
        """Return whether the row holds an item: the blank row for a new item, left as it
        came (its kind, dimension and check box preset), is not one."""
        texts = ["code", "wording", *(f"wording_{code}" for code, _ in OTHER_LANGUAGES)]
        return any((self.data.get(self.add_prefix(name)) or "").strip() for name in texts)

    def item(self) -> ItemInput:
        """Return the row as the builder's input."""
        data = self.cleaned_data
        return ItemInput(
            code=data["code"],
            kind=data["kind"],
            dimension=data["dimension"],
            wording=data["wording"],
            translations={code: data.get(f"wording_{code}", "") for code, _ in OTHER_LANGUAGES},
            allow_dont_know=data.get("allow_dont_know", False),
        )

    @staticmethod
    def initial_for(item: Any) -> dict[str, Any]:
        """Return a stored item as the row's initial data."""
        initial = {
            "code": item.code,
            "kind": item.kind,
            "dimension": item.dimension,
            "wording": item.wording,
            "allow_dont_know": item.allow_dont_know,
        }
        for code, _ in OTHER_LANGUAGES:
            initial[f"wording_{code}"] = (item.translations or {}).get(code, "")
        return initial


ItemFormSet = forms.formset_factory(
    ItemForm,
    extra=1,
    can_order=True,
    can_delete=True,
    max_num=MAX_ITEMS,
    validate_max=True,
    absolute_max=MAX_ITEMS + 5,
)


def formset_items(formset: Any) -> list[ItemInput]:
    """Return the formset's items in their chosen order, without the removed and blank rows."""
    return [form.item() for form in formset.ordered_forms]


class TemplateDescriptionForm(forms.Form):
    description = forms.CharField(
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
    )
