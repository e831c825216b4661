"""Pages that bring every layer together: a project's overview, the portfolio, the project
report and its exports."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from plans import selectors as plan_selectors
from plans import services as plan_services
from readiness import selectors as readiness_selectors
from readiness.survey import ratelimit
from readiness.survey.qr import qr_svg
from reports import exports, selectors, services, workshops
from reports.forms import PortfolioFilterForm, ShareLinkForm
from scoring import selectors as scoring_selectors
from usage import selectors as usage_selectors
from workspaces.decorators import workspace_view
from workspaces.permissions import Action


@workspace_view()
def project_detail(request: HttpRequest, project_id: int) -> HttpResponse:
    project = readiness_selectors.project_get(workspace=request.workspace, project_id=project_id)
    assessments = readiness_selectors.assessment_list_for_project(project=project)
    score = scoring_selectors.project_score(project=project)
    return render(
        request,
        "readiness/project_detail.html",
        {
            "project": project,
            "assessments": assessments,
            "score": score,
            "usage": usage_selectors.usage_panel(project=project),
        },
    )


# --- Portfolio ----------------------------------------------------------------------------

PORTFOLIO_PAGE_SIZE = 25


def _portfolio_form(request: HttpRequest) -> PortfolioFilterForm:
    owners = selectors.portfolio_owners(workspace=request.workspace)
    return PortfolioFilterForm(request.GET, owners=owners)


@workspace_view(Action.VIEW)
def portfolio(request: HttpRequest) -> HttpResponse:
    form = _portfolio_form(request)
    filters = form.filters()
    projects = selectors.portfolio_projects(workspace=request.workspace, **filters)
    page = Paginator(projects, PORTFOLIO_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reports/portfolio.html",
        {
            "form": form,
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number),
            "sort": filters["sort"],
            "order": selectors.portfolio_order(filters["sort"]),
            "ignored": form.ignored(),
        },
    )


@workspace_view(Action.EXPORT)
def portfolio_csv(request: HttpRequest) -> HttpResponse:
    filters = _portfolio_form(request).filters()
    projects = selectors.portfolio_projects(workspace=request.workspace, **filters)
    return _attachment(exports.portfolio_csv(projects), "portfolio.csv", "text/csv")


# --- The project report -------------------------------------------------------------------


@workspace_view(Action.VIEW)
def project_report(request: HttpRequest, project_id: int) -> HttpResponse:
    project = readiness_selectors.project_get(workspace=request.workspace, project_id=project_id)
    report = selectors.project_report(project=project)
    return render(request, "reports/report.html", {"project": project, "report": report})


@workspace_view(Action.VIEW)
def project_heatmap(request: HttpRequest, project_id: int) -> HttpResponse:
    project = readiness_selectors.project_get(workspace=request.workspace, project_id=project_id)
    context = selectors.project_heatmap(
        project=project,
        split=request.GET.get("split", "")[:200],
        compare=request.GET.get("compare", "")[:20],
    )
    return render(request, "reports/heatmap.html", {"project": project, **context})


@workspace_view(Action.EXPORT)
def project_report_pdf(request: HttpRequest, project_id: int) -> HttpResponse:
    project = readiness_selectors.project_get(workspace=request.workspace, project_id=project_id)
    report = selectors.project_report(project=project)
    html = render_to_string(
        "reports/report_pdf.html",
        {"project": project, "report": report, "generated_at": timezone.now()},
        request=request,
    )
    name = f"readiness-report-{slugify(project.name) or project.pk}.pdf"
    return _attachment(exports.report_pdf(html), name, "application/pdf")


@workspace_view(Action.EXPORT)
def project_history_csv(request: HttpRequest, project_id: int) -> HttpResponse:
    project = readiness_selectors.project_get(workspace=request.workspace, project_id=project_id)
    snapshots = selectors.snapshot_history_full(project=project)
    name = f"score-history-{slugify(project.name) or project.pk}.csv"
    return _attachment(exports.history_csv(snapshots), name, "text/csv")


@workspace_view(Action.EXPORT)
def plan_csv(request: HttpRequest, project_id: int) -> HttpResponse:
    project = readiness_selectors.project_get(workspace=request.workspace, project_id=project_id)
    actions = plan_selectors.plan_for_project(project=project)
    name = f"change-plan-{slugify(project.name) or project.pk}.csv"
    return _attachment(exports.plan_csv(actions, today=timezone.localdate()), name, "text/csv")


# --- Share links --------------------------------------------------------------------------


@workspace_view(Action.SHARE_REPORTS)
def project_share(request: HttpRequest, project_id: int) -> HttpResponse:
    project = readiness_selectors.project_get(workspace=request.workspace, project_id=project_id)
    form = ShareLinkForm(request.POST or None)
    new_link_url = ""
    if request.method == "POST" and form.is_valid():
        link, token = services.share_link_create(
            project=project, user=request.user, **form.cleaned_data
        )
        # Shown on this response only: the secret is stored nowhere but in the hash.
        new_link_url = request.build_absolute_uri(reverse("reports:shared_report", args=[token]))
        form = ShareLinkForm()
    context = {
        "project": project,
        "form": form,
        "links": selectors.share_links_for_project(project=project),
        "new_link_url": new_link_url,
        "now": timezone.now(),
    }
    response = render(request, "reports/share.html", context)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@workspace_view(Action.SHARE_REPORTS)
def share_link_revoke(request: HttpRequest, link_id: int) -> HttpResponse:
    link = selectors.share_link_get(workspace=request.workspace, link_id=link_id)
    services.share_link_revoke(link=link)
    messages.success(request, f"The link for {link.label} no longer opens the report.")
    return redirect("reports:project_share", project_id=link.project_id)


def shared_report(request: HttpRequest, token: str) -> HttpResponse:
    """Show a project's report and plan to whoever holds an active share link: read-only."""
    if ratelimit.is_blocked(request):
        return render(request, "reports/shared_rate_limited.html", status=429)
    link = services.share_link_open(token=token, user_agent=request.headers.get("User-Agent", ""))
    if link is None:
        ratelimit.record_miss(request)
        raise Http404("No such report.")
    project = link.project
    report = selectors.project_report(project=project)
    response = render(
        request,
        "reports/shared_report.html",
        {"project": project, "report": report, "link": link, "shared": True},
    )
    # The secret is in the address: no caching, no referrer, no search engine.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _attachment(content: str | bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Live workshop ------------------------------------------------------------------------


# Often enough that the room sees its answers arrive, rarely enough for 200 phones and a
# projector on one conference Wi-Fi.
LIVE_POLL_SECONDS = 3


def _presenter_context(request: HttpRequest, workshop_id: int) -> dict[str, object]:
    workshop = readiness_selectors.workshop_get(
        workspace=request.workspace, workshop_id=workshop_id
    )
    return {
        "workshop": workshop,
        "figures": workshops.presenter_figures(workspace=request.workspace, workshop=workshop),
        "poll_seconds": LIVE_POLL_SECONDS,
    }


@workspace_view(Action.RUN_ASSESSMENTS)
def workshop_presenter(request: HttpRequest, workshop_id: int) -> HttpResponse:
    context = _presenter_context(request, workshop_id)
    workshop = context["workshop"]
    join_url = request.build_absolute_uri(reverse("workshop:join", args=[workshop.code]))
    context.update(
        {
            "join_url": join_url,
            "enter_url": request.build_absolute_uri(reverse("workshop:enter")),
            "qr": qr_svg(join_url, label=f"QR code to join the workshop: {join_url}"),
        }
    )
    return render(request, "reports/workshop_presenter.html", context)


@workspace_view(Action.MANAGE_PLANS)
@require_POST
def workshop_prompt_to_plan(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """Add one of the presenter's discussion prompts to the project's change plan."""
    workshop = readiness_selectors.workshop_get(
        workspace=request.workspace, workshop_id=workshop_id
    )
    target = request.POST.get("target", "")
    texts = readiness_selectors.workshop_prompts(workspace=request.workspace).get(target, [])
    position = request.POST.get("prompt", "")
    if not position.isdigit() or int(position) >= len(texts):
        messages.error(request, "That prompt is no longer shown: choose one on the screen.")
        return redirect("reports:workshop_presenter", workshop_id=workshop.pk)
    project = workshop.assessment.project
    prompt = texts[int(position)].replace("{product}", project.product_name)
    action, added = plan_services.action_add_from_prompt(
        project=project,
        user=request.user,
        owner=request.membership,
        target=target,
        prompt=prompt,
        source_assessment=workshop.assessment,
    )
    if added:
        messages.success(request, f"“{action.title}” is in the change plan, owned by you.")
    else:
        messages.info(request, f"“{action.title}” is already in the change plan.")
    return redirect("reports:workshop_presenter", workshop_id=workshop.pk)


@workspace_view(Action.RUN_ASSESSMENTS)
def workshop_live(request: HttpRequest, workshop_id: int) -> HttpResponse:
    """Return the presenter's live figures alone (polled by HTMX, a fixed query count)."""
    context = _presenter_context(request, workshop_id)
    response = render(request, "reports/_workshop_live.html", context)
    response["Cache-Control"] = "no-store"
    return response
