"""The respondent's survey, reached by a personal link without signing in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import wraps

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from readiness import selectors, services
from readiness.models import Answer, Dimension, Invitation, ItemKind, TemplateItem
from readiness.survey import ratelimit

LIKERT_CHOICES = (
    ("1", "Strongly disagree"),
    ("2", "Disagree"),
    ("3", "Neither agree nor disagree"),
    ("4", "Agree"),
    ("5", "Strongly agree"),
    ("dont_know", "Don't know"),
)
NPS_CHOICES = tuple((str(value), str(value)) for value in range(11))
REVIEW = "review"
ALREADY_SUBMITTED = (
    "Your answers had already been submitted, so this second submission was not stored. "
    "Nothing else to do: thank you!"
)

# Free text follows the NPS question on the last step ("Sentiment and comment").
SECTION_OF = {Dimension.COMMENT: Dimension.SENTIMENT}
SECTION_TITLES = {
    Dimension.AWARENESS: ("Awareness", "Why the change is happening."),
    Dimension.DESIRE: ("Desire", "How you feel about taking part in it."),
    Dimension.KNOWLEDGE: ("Knowledge", "What you know about working the new way."),
    Dimension.ABILITY: ("Ability", "Whether you can work the new way in practice."),
    Dimension.REINFORCEMENT: ("Reinforcement", "What will keep the change in place."),
    Dimension.LEADERSHIP: ("Leadership", "How your leaders support the change."),
    Dimension.SENTIMENT: ("Your view", "Your overall opinion and your biggest concern."),
}


@dataclass(frozen=True)
class Section:
    slug: str
    title: str
    intro: str
    items: tuple[TemplateItem, ...]


def sections_of(invitation: Invitation) -> list[Section]:
    """Return the survey's steps: one per dimension, in the template's order."""
    grouped: dict[str, list[TemplateItem]] = {}
    for item in invitation.assessment.template.items.all():
        grouped.setdefault(SECTION_OF.get(item.dimension, item.dimension), []).append(item)
    return [
        Section(slug, *SECTION_TITLES.get(slug, (slug.title(), "")), tuple(items))
        for slug, items in grouped.items()
    ]


def _page(request: HttpRequest, name: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, f"readiness/survey/{name}.html", context, status=status)
    # The path holds the respondent's secret: keep it out of caches and other sites' logs
    # ("same-origin", not "no-referrer": browsers then send "Origin: null", which fails CSRF).
    response["Referrer-Policy"] = "same-origin"
    return response


def survey_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Resolve the link's token to an invitation, or answer with the right page.

    Unknown or tampered tokens get the same 404 page whatever exists, and count towards the
    client's rate limit; a submitted, closed or not yet open survey gets its own page.
    """

    @never_cache
    @wraps(view)
    def wrapped(request: HttpRequest, token: str, *args: object, **kwargs: object) -> HttpResponse:
        if ratelimit.is_blocked(request):
            return _page(request, "rate_limited", {}, status=429)
        invitation = selectors.invitation_by_token(token=token)
        if invitation is None:
            ratelimit.record_miss(request)
            return _page(request, "unknown", {}, status=404)
        context = {"invitation": invitation, "token": token, **_about(invitation)}
        if invitation.submitted_at is not None:
            if request.method == "POST":  # a second tab or a double click
                context["notice"] = ALREADY_SUBMITTED
                return _page(request, "thanks", context, status=409)
            return _page(request, "thanks", context)
        state = services.survey_state(assessment=invitation.assessment)
        if state != "open":
            return _page(request, state, context)
        return view(request, invitation, context, *args, **kwargs)

    return wrapped


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
        resume = sections[min(draft.current_step, len(sections) - 1)].slug
        if draft.current_step >= len(sections):
            resume = REVIEW
    context.update(
        {
            "sections": sections,
            "first": sections[0].slug,
            "resume": resume,
            "question_count": sum(len(s.items) for s in sections),
        }
    )
    return _page(request, "welcome", context)


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
        "text": item.text_for(product),
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
    current = sections[index]
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        answers = {item.code: request.POST.get(item.code, "") for item in current.items}
        action = request.POST.get("action", "next")
        # The draft remembers where to resume: the step the respondent is going to next.
        resume_at = {"back": max(index - 1, 0), "later": index}.get(action, index + 1)
        try:
            services.response_save_draft(invitation=invitation, answers=answers, step=resume_at)
        except services.AlreadySubmitted:
            return redirect("survey:welcome", token=context["token"])
        except ValidationError as error:
            errors = error.message_dict
            values = answers
        else:
            if action == "back" and index > 0:
                return redirect("survey:step", token=context["token"], section=slugs[index - 1])
            if action == "later":
                return _page(request, "saved", context)
            following = slugs[index + 1] if index + 1 < len(slugs) else REVIEW
            if following == REVIEW:
                return redirect("survey:review", token=context["token"])
            return redirect("survey:step", token=context["token"], section=following)
    if not errors:
        stored = selectors.survey_draft_answers(invitation=invitation)
        values = {item.code: _stored_value(stored.get(item.code)) for item in current.items}
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
            "previous": slugs[index - 1] if index > 0 else None,
        }
    )
    return _page(request, "step", context, status=400 if errors else 200)


@survey_view
def review(request: HttpRequest, invitation: Invitation, context: dict) -> HttpResponse:
    return _review(request, invitation, context)


def _review(
    request: HttpRequest, invitation: Invitation, context: dict, error: str = ""
) -> HttpResponse:
    sections = sections_of(invitation)
    stored = selectors.survey_draft_answers(invitation=invitation)
    labels = dict(LIKERT_CHOICES)
    rows = []
    unanswered = 0
    for section in sections:
        answers = []
        for item in section.items:
            answer = stored.get(item.code)
            shown = _stored_value(answer)
            if item.kind == ItemKind.LIKERT and shown:
                shown = labels[shown]
            unanswered += not shown
            answers.append({"text": item.text_for(context["product"]), "answer": shown})
        rows.append({"section": section, "answers": answers})
    context.update(
        {
            "rows": rows,
            "unanswered": unanswered,
            "error": error,
            "step_number": len(sections) + 1,
            "step_count": len(sections) + 1,
            "progress": round(100 * len(sections) / (len(sections) + 1)),
            "previous": sections[-1].slug,
        }
    )
    return _page(request, "review", context, status=400 if error else 200)


@survey_view
@require_POST
def submit(request: HttpRequest, invitation: Invitation, context: dict) -> HttpResponse:
    try:
        services.response_submit(invitation=invitation)
    except services.AlreadySubmitted:
        context["notice"] = ALREADY_SUBMITTED
        return _page(request, "thanks", context, status=409)
    except ValidationError as error:
        return _review(request, invitation, context, error=" ".join(error.messages))
    return redirect("survey:welcome", token=context["token"])
