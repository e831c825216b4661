"""The survey preview: the respondent's real pages for a template or an assessment, storing
nothing. Answers are checked as the survey checks them, then forgotten."""

from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import translation
from django.utils.translation import gettext

from readiness import services
from readiness.models import TemplateItem
from readiness.survey.views import (
    REVIEW,
    SurveyLinks,
    following_url,
    render_page,
    review_page,
    step_page,
    template_sections,
    welcome_page,
)
from workspaces.models import SURVEY_LANGUAGE_CODES

SAMPLE_CUSTOMER = "Northwind Traders"
SAMPLE_PRODUCT = "Atlas"
SUBMIT = "submit"


class PreviewLinks(SurveyLinks):
    """The preview's pages: one address, the language and step in the query string (so that
    the page's URL carries only the template's or assessment's id)."""

    def __init__(self, path: str, language: str) -> None:
        super().__init__(token="")
        self.path = path
        self.language_code = language

    def _url(self, **params: str) -> str:
        return f"{self.path}?{urlencode({'lang': self.language_code, **params})}"

    def welcome(self) -> str:
        return self._url()

    def language(self) -> str:
        return self._url()

    def step(self, slug: str) -> str:
        return self._url(step=slug)

    def review(self) -> str:
        return self._url(step=REVIEW)

    def submit(self) -> str:
        return self._url(step=SUBMIT)


def preview(
    request: HttpRequest, items: Iterable[TemplateItem], about: dict[str, object]
) -> HttpResponse:
    """Answer one request of the preview of a survey made of `items`."""
    language = request.GET.get("lang", "en")
    if language not in SURVEY_LANGUAGE_CODES:
        language = "en"
    step = request.GET.get("step", "")
    chosen = request.POST.get("language", "")
    if request.method == "POST" and not step and chosen in SURVEY_LANGUAGE_CODES:
        return redirect(PreviewLinks(request.path, chosen).welcome())
    with translation.override(language):
        return _preview_page(request, list(items), about, PreviewLinks(request.path, language))


def _preview_page(
    request: HttpRequest, items: list[TemplateItem], about: dict, links: PreviewLinks
) -> HttpResponse:
    sections = template_sections(items)
    user = request.user
    name = user.get_full_name() or user.get_username()
    context = {"preview": True, "invitation": SimpleNamespace(name=name), "token": "", **about}
    step = request.GET.get("step", "")
    if not step:
        return welcome_page(request, context, sections, links)
    if step == REVIEW:
        return review_page(request, context, sections, links, {})
    if step == SUBMIT and request.method == "POST":
        context["notice"] = gettext("Preview: nothing is stored")
        return render_page(request, "thanks", context)
    slugs = [section.slug for section in sections]
    if step not in slugs:
        raise Http404("No such step.")
    index = slugs.index(step)
    if request.method != "POST":
        return step_page(request, context, sections, index, links, {}, {})
    answers = {item.code: request.POST.get(item.code, "") for item in sections[index].items}
    errors: dict[str, list[str]] = {}
    for item in sections[index].items:
        try:
            services.answer_clean(item=item, raw=answers[item.code])
        except ValidationError as error:
            errors[item.code] = error.messages
    if errors:
        return step_page(request, context, sections, index, links, answers, errors)
    action = request.POST.get("action", "next")
    if action == "later":
        context["continue_url"] = links.welcome()
        return render_page(request, "saved", context)
    return redirect(following_url(sections, index, links, action))
