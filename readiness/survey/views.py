"""The respondent's survey, reached by a personal link without signing in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import ValidationError
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from readiness import hooks, selectors, services
from readiness.models import Answer, Dimension, Invitation, ItemKind, TemplateItem
from readiness.survey import ratelimit
from workspaces.models import SURVEY_LANGUAGE_CODES, SURVEY_LANGUAGES

LIKERT_CHOICES = (
    ("1", gettext_lazy("Strongly disagree")),
    ("2", gettext_lazy("Disagree")),
    ("3", gettext_lazy("Neither agree nor disagree")),
    ("4", gettext_lazy("Agree")),
    ("5", gettext_lazy("Strongly agree")),
    ("dont_know", gettext_lazy("Don't know")),
)
NPS_CHOICES = tuple((str(value), str(value)) for value in range(11))
REVIEW = "review"
ALREADY_SUBMITTED = gettext_lazy(
    "Your answers had already been submitted, so this second submission was not stored. "
    "Nothing else to do: thank you!"
)

# Free text follows the NPS question on the last step ("Sentiment and comment").
SECTION_OF = {Dimension.COMMENT: Dimension.SENTIMENT}
SECTION_TITLES = {
    Dimension.AWARENESS: (gettext_lazy("Awareness"), gettext_lazy("Why the change is happening.")),
    Dimension.DESIRE: (
        gettext_lazy("Desire"),
        gettext_lazy("How you feel about taking part in it."),
    ),
    Dimension.KNOWLEDGE: (
        gettext_lazy("Knowledge"),
        gettext_lazy("What you know about working the new way."),
    ),
    Dimension.ABILITY: (
        gettext_lazy("Ability"),
        gettext_lazy("Whether you can work the new way in practice."),
    ),
    Dimension.REINFORCEMENT: (
        gettext_lazy("Reinforcement"),
        gettext_lazy("What will keep the change in place."),
    ),
    Dimension.LEADERSHIP: (
        gettext_lazy("Leadership"),
        gettext_lazy("How your leaders support the change."),
    ),
    Dimension.SENTIMENT: (
        gettext_lazy("Your view"),
        gettext_lazy("Your overall opinion and your biggest concern."),
    ),
    Dimension.COMMENT: (gettext_lazy("Your comments"), gettext_lazy("Anything you want to add.")),
}


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    intro: str
    items: tuple[TemplateItem, ...]


def sections_of(invitation: Invitation) -> list[Section]:
    """Return the survey's steps: one per dimension, in the template's order."""
    template = invitation.assessment.template
    # Kept on the template, so that saving a step reads its items once, not twice.
    prefetch_related_objects([template], "items")
    return template_sections(template.items.all())


def template_sections(items: Iterable[TemplateItem]) -> list[Section]:
    """Return the steps of a survey made of `items`: one per dimension, in their order."""
    grouped: dict[str, list[TemplateItem]] = {}
    for item in items:
        grouped.setdefault(SECTION_OF.get(item.dimension, item.dimension), []).append(item)
    return [
        Section(slug, *SECTION_TITLES.get(slug, (slug.title(), "")), tuple(items))
        for slug, items in grouped.items()
    ]


class SurveyLinks:
    """The addresses of one personal link's pages; the template preview has its own."""

    def __init__(self, token: str) -> None:
        self.token = token

    def welcome(self) -> str:
        return reverse("survey:welcome", args=[self.token])

    def language(self) -> str:
        return reverse("survey:language", args=[self.token])

    def step(self, slug: str) -> str:
        return reverse("survey:step", args=[self.token, slug])

    def review(self) -> str:
        return reverse("survey:review", args=[self.token])

    def submit(self) -> str:
        return reverse("survey:submit", args=[self.token])


def render_page(request: HttpRequest, name: str, context: dict, status: int = 200) -> HttpResponse:
    context.setdefault("languages", SURVEY_LANGUAGES)
    response = render(request, f"readiness/survey/{name}.html", context, status=status)
    response["Content-Language"] = translation.get_language()
    # The path holds the respondent's secret: keep it out of caches and other sites' logs
    # ("same-origin", not "no-referrer": browsers then send "Origin: null", which fails CSRF).
    response["Referrer-Policy"] = "same-origin"
    return response


def survey_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve the link's token to an invitation, or answer with the right page.

    Unknown or tampered tokens get the same 404 page whatever exists, and count towards the
    client's rate limit (429 once it is reached, for unknown tokens only); a submitted, closed
    or not yet open survey gets its own page.
    """

    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, token: str, *args: object, **kwargs: object) -> HttpResponse:
        invitation = selectors.invitation_by_token(token=token)
        if invitation is None:
            # Only misses count and only misses are refused: a valid link always opens, even
            # from behind a proxy that a guessing client shares with real respondents.
            if ratelimit.is_blocked(request):
                return _guest_page(request, "rate_limited", status=429)
            ratelimit.record_miss(request)
            return _guest_page(request, "unknown", status=404)
        if invitation.withdrawn_at is not None:
            # A real link the consultant withdrew: not a guess, so no rate-limit miss.
            return _guest_page(request, "unknown", status=404)
        # No LocaleMiddleware: the survey speaks the invitation's language, whatever the
        # browser says, so that the respondent sees what the consultant chose for them.
        with translation.override(services.invitation_language(invitation)):
            return _answer(request, invitation, token, view, *args, **kwargs)

    return wrapped


def _guest_page(request: HttpRequest, name: str, status: int) -> HttpResponse:
    """Render a page for a visitor without a valid link, in the browser's language."""
    language = translation.get_language_from_request(request)
    if language not in SURVEY_LANGUAGE_CODES:
        language = "en"
    with translation.override(language):
        return render_page(request, name, {}, status=status)


def _answer(
    request: HttpRequest,
    invitation: Invitation,
    token: str,
    view: Callable[..., HttpResponse],
    *args: object,
    **kwargs: object,
) -> HttpResponse:
    """Answer with the submitted, closed or not yet open page, or with the view itself."""
    context = {"invitation": invitation, "token": token, **_about(invitation)}
    if invitation.submitted_at is not None:
        if request.method == "POST":  # a second tab or a double click
            context["notice"] = ALREADY_SUBMITTED
            return render_page(request, "thanks", context, status=409)
        return render_page(request, "thanks", context)
    state = services.survey_state(assessment=invitation.assessment)
    if state != "open":
        return render_page(request, state, context)
    return view(request, invitation, context, *args, **kwargs)


def _about(invitation: Invitation) -> dict[str, object]:
    project = invitation.assessment.project
    return {
        "customer": project.account.name,
        "product": project.product_name,
        "assessment": invitation.assessment,
    }


@survey_view
def welcome(request: HttpRequest, invitation: Invitation, context: dict) -> HttpResponse:
    services.invitation_mark_opened(invitation=invitation)
    sections = sections_of(invitation)
    draft = selectors.survey_draft(invitation=invitation)
    resume = None
    if draft is not None:
        resume = (
            REVIEW if draft.current_step >= len(sections) else sections[draft.current_step].slug
        )
    return welcome_page(request, context, sections, SurveyLinks(context["token"]), resume)


def welcome_page(
    request: HttpRequest,
    context: dict,
    sections: list[Section],
    links: SurveyLinks,
    resume: str | None = None,
) -> HttpResponse:
    """Render the welcome page: what the survey is about, the language switcher, a start."""
    # A template's preview has a stand-in assessment; its reader is a member of the workspace.
    workspace_id = getattr(context["assessment"], "workspace_id", None) or request.workspace.pk
    resume_url = None
    if resume is not None:
        resume_url = links.review() if resume == REVIEW else links.step(resume)
    context.update(
        {
            "sections": sections,
            "first_url": links.step(sections[0].slug) if sections else links.review(),
            "resume_url": resume_url,
            "language_url": links.language(),
            "language": translation.get_language(),
            "question_count": sum(len(s.items) for s in sections),
            "min_group_size": hooks.min_group_size(workspace_id=workspace_id),
        }
    )
    return render_page(request, "welcome", context)


@survey_view
@require_POST
def language(request: HttpRequest, invitation: Invitation, context: dict) -> HttpResponse:
    """Switch the survey to the language the respondent chose on the welcome page."""
    chosen = request.POST.get("language", "")
    if chosen in SURVEY_LANGUAGE_CODES:
        services.invitation_set_language(invitation=invitation, language=chosen)
    return redirect("survey:welcome", token=context["token"])


def _question(item: TemplateItem, product: str, value: str, error: str) -> dict[str, object]:
    choices: tuple[tuple[str, str], ...] = ()
    if item.kind == ItemKind.LIKERT:
        choices = LIKERT_CHOICES if item.allow_dont_know else LIKERT_CHOICES[:-1]
    elif item.kind == ItemKind.NPS:
        choices = NPS_CHOICES
    return {
        "item": item,
        "code": item.code,
        "kind": item.kind,
        "text": item.text_for(product, translation.get_language()),
        "choices": choices,
        "value": value,
        "error": error,
    }


def _stored_value(answer: Answer | None) -> str:
    if answer is None:
        return ""
    if answer.dont_know:
        return "dont_know"
    return str(answer.value) if answer.value is not None else answer.text


@survey_view
@require_http_methods(["GET", "POST"])
def step(request: HttpRequest, invitation: Invitation, context: dict, section: str) -> HttpResponse:
    sections = sections_of(invitation)
    slugs = [s.slug for s in sections]
    if section not in slugs:
        raise Http404("No such step.")
    index = slugs.index(section)
    links = SurveyLinks(context["token"])
    if request.method == "POST":
        answers = {item.code: request.POST.get(item.code, "") for item in sections[index].items}
        action = request.POST.get("action", "next")
        # The draft remembers where to resume: the step the respondent is going to next.
        resume_at = {"back": max(index - 1, 0), "later": index}.get(action, index + 1)
        try:
            services.response_save_draft(invitation=invitation, answers=answers, step=resume_at)
        except services.AlreadySubmitted:
            return redirect("survey:welcome", token=context["token"])
        except ValidationError as error:
            return step_page(request, context, sections, index, links, answers, error.message_dict)
        if action == "later":
            context["continue_url"] = links.welcome()
            return render_page(request, "saved", context)
        return redirect(following_url(sections, index, links, action))
    stored = selectors.survey_draft_answers(invitation=invitation)
    values = {item.code: _stored_value(stored.get(item.code)) for item in sections[index].items}
    return step_page(request, context, sections, index, links, values, {})


def following_url(sections: list[Section], index: int, links: SurveyLinks, action: str) -> str:
    """Return where "Back" or "Save and continue" leads from step `index`."""
    if action == "back" and index > 0:
        return links.step(sections[index - 1].slug)
    if action == "back":
        return links.step(sections[index].slug)
    if index + 1 < len(sections):
        return links.step(sections[index + 1].slug)
    return links.review()


def step_page(
    request: HttpRequest,
    context: dict,
    sections: list[Section],
    index: int,
    links: SurveyLinks,
    values: Mapping[str, str],
    errors: Mapping[str, list[str]],
) -> HttpResponse:
    """Render step `index` with `values` filled in and the messages of `errors`."""
    current = sections[index]
    context.update(
        {
            "section": current,
            "questions": [
                _question(
                    item,
                    context["product"],
                    values.get(item.code, ""),
                    " ".join(errors.get(item.code, [])),
                )
                for item in current.items
            ],
            "errors": errors,
            "step_number": index + 1,
            "step_count": len(sections) + 1,
            "progress": round(100 * index / (len(sections) + 1)),
            "previous_url": links.step(sections[index - 1].slug) if index > 0 else None,
        }
    )
    return render_page(request, "step", context, status=400 if errors else 200)


@survey_view
def review(request: HttpRequest, invitation: Invitation, context: dict) -> HttpResponse:
    stored = selectors.survey_draft_answers(invitation=invitation)
    links = SurveyLinks(context["token"])
    return review_page(request, context, sections_of(invitation), links, stored)


def review_page(
    request: HttpRequest,
    context: dict,
    sections: list[Section],
    links: SurveyLinks,
    stored: Mapping[str, Answer],
    error: str = "",
) -> HttpResponse:
    """Render the review of every answer, with a link back to each step and the send button."""
    labels = dict(LIKERT_CHOICES)
    rows = []
    unanswered = 0
    for section in sections:
        answers = []
        for item in section.items:
            shown = _stored_value(stored.get(item.code))
            if item.kind == ItemKind.LIKERT and shown:
                shown = labels[shown]
            unanswered += not shown
            text = item.text_for(context["product"], translation.get_language())
            answers.append({"text": text, "answer": shown})
        rows.append({"section": section, "answers": answers, "url": links.step(section.slug)})
    context.update(
        {
            "rows": rows,
            "unanswered": unanswered,
            "error": error,
            "step_number": len(sections) + 1,
            "step_count": len(sections) + 1,
            "progress": round(100 * len(sections) / (len(sections) + 1)),
            "previous_url": links.step(sections[-1].slug) if sections else links.welcome(),
            "submit_url": links.submit(),
        }
    )
    return render_page(request, "review", context, status=400 if error else 200)


@never_cache
def submit(request: HttpRequest, token: str) -> HttpResponse:
    """Submit the survey: the common case in one statement, without loading the invitation.

    Whatever keeps it from being submitted (unknown or withdrawn link, already submitted,
    closed, nothing answered) is answered by `submit_refused`, as every other survey page.
    """
    if request.method == "POST" and services.response_submit_by_token(token=token):
        return redirect("survey:welcome", token=token)
    return submit_refused(request, token)


@survey_view
@require_POST
def submit_refused(request: HttpRequest, invitation: Invitation, context: dict) -> HttpResponse:
    """Say why the survey was not submitted (or submit it, should it have become possible)."""
    try:
        services.response_submit(invitation=invitation)
    except services.AlreadySubmitted:
        context["notice"] = ALREADY_SUBMITTED
        return render_page(request, "thanks", context, status=409)
    except ValidationError as error:
        stored = selectors.survey_draft_answers(invitation=invitation)
        links = SurveyLinks(context["token"])
        sections = sections_of(invitation)
        return review_page(request, context, sections, links, stored, " ".join(error.messages))
    return redirect("survey:welcome", token=context["token"])
