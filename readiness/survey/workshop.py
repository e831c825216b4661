"""Joining a live workshop on a phone: /w/ and /w/<code>/ (no sign-in, no invitation).

A participant picks a role (and a department when the workshop asks), becomes an anonymous
invitation of the assessment, and then answers the very same survey pages as a personal link
(readiness.survey.views), under its own random token kept in a signed cookie on the device.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from readiness import selectors, services
from readiness.models import RespondentRole, Workshop
from readiness.survey import devices, ratelimit
from readiness.survey.views import sections_of

ROLE_HINTS = {
    RespondentRole.SPONSOR: "You sponsor the change or lead the organization.",
    RespondentRole.MANAGER: "You lead a team that will work with the new software.",
    RespondentRole.END_USER: "You will use the software in your daily work.",
}


def _page(request: HttpRequest, name: str, context: dict, status: int = 200) -> HttpResponse:
    response = render(request, f"readiness/workshop/{name}.html", context, status=status)
    response["Referrer-Policy"] = "same-origin"
    return response


@never_cache
@require_GET
def enter(request: HttpRequest) -> HttpResponse:
    """Ask for the code shown on the screen, for people who typed the short address."""
    raw = request.GET.get("code", "")
    code = services.normalize_code(raw)
    if code and code.isalnum() and len(code) <= 20:
        return redirect("workshop:join", code=code)
    error = "Type the code shown on the screen." if "code" in request.GET else ""
    return _page(request, "enter", {"error": error, "code": raw[:20]}, status=400 if error else 200)


def _join_context(workshop: Workshop, values: dict[str, str], errors: dict) -> dict:
    project = workshop.assessment.project
    return {
        "workshop": workshop,
        "customer": project.account.name,
        "product": project.product_name,
        "assessment": workshop.assessment,
        "roles": [(value, label, ROLE_HINTS[value]) for value, label in RespondentRole.choices],
        "values": values,
        "errors": errors,
    }


def _joined_token(request: HttpRequest, code: str) -> str | None:
    """Return the survey token of this device's participant of workshop `code`, if it has one."""
    token = devices.token_for(request, code=code)
    if token is None:
        return None
    participant = selectors.invitation_by_token(token=token)
    return token if participant is not None and participant.workshop_id is not None else None


def _workshop_or_refusal(
    request: HttpRequest, code: str
) -> tuple[Workshop | None, HttpResponse | None]:
    """Return the live workshop with `code`, or the page that says why nobody can join it."""
    if ratelimit.workshop_code_blocked(request):
        return None, _page(request, "rate_limited", {}, status=429)
    workshop = selectors.workshop_by_code(code=code)
    if workshop is None:
        ratelimit.workshop_record_miss(request)
        shown = code if code.isascii() and code.isalnum() and len(code) <= 20 else ""
        return None, _page(request, "unknown", {"code": shown}, status=404)
    if not workshop.is_live or services.survey_state(assessment=workshop.assessment) != "open":
        return None, _page(request, "ended", _join_context(workshop, {}, {}), status=410)
    return workshop, None


def _join_post(request: HttpRequest, workshop: Workshop) -> HttpResponse:
    values = {key: request.POST.get(key, "")[:200] for key in ("role", "department")}
    if ratelimit.workshop_join_blocked(request, workshop.pk):
        return _page(request, "rate_limited", {}, status=429)
    try:
        participant = services.workshop_join(
            workshop=workshop, role=values["role"], department=values["department"]
        )
    except services.SurveyUnavailable:
        return _page(request, "ended", _join_context(workshop, {}, {}), status=410)
    except ValidationError as error:
        context = _join_context(workshop, values, error.message_dict)
        return _page(request, "join", context, status=400)
    ratelimit.workshop_record_join(request, workshop.pk)
    first = sections_of(participant.invitation)[0].slug
    response = redirect("survey:step", token=participant.token, section=first)
    devices.remember(response, request, code=workshop.code, token=participant.token)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, code: str) -> HttpResponse:
    """Let a phone join the workshop once; a phone that joined goes back to its own survey."""
    normalized = services.normalize_code(code)
    if normalized != code:
        return redirect("workshop:join", code=normalized)
    token = _joined_token(request, code)
    if token is not None:
        return redirect("survey:welcome", token=token)
    workshop, refusal = _workshop_or_refusal(request, code)
    if refusal is not None:
        return refusal
    if request.method == "POST":
        return _join_post(request, workshop)
    empty = {"role": "", "department": ""}
    return _page(request, "join", _join_context(workshop, empty, {}))
