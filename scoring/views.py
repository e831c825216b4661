"""Pages of scoring: the portfolio, the project report and its exports, the scoring model."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from readiness import selectors as readiness_selectors
from readiness.decorators import workspace_view
from readiness.permissions import Action
from scoring import exports, selectors, services
from scoring.forms import PortfolioFilterForm, ScoringModelForm


@workspace_view(Action.MANAGE_WORKSPACE)
def scoring_model(request: HttpRequest) -> HttpResponse:
    current = selectors.scoring_model_current(workspace=request.workspace)
    if current is None:
        current = services.scoring_model_ensure(workspace=request.workspace)
    form = ScoringModelForm(request.POST or None, current=current)
    if request.method == "POST" and form.is_valid():
        try:
            revised = services.scoring_model_revise(
                workspace=request.workspace, user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if revised.pk == current.pk:
                messages.info(request, "Nothing changed, so no new version was saved.")
            else:
                messages.success(
                    request,
                    f"Saved as version {revised.version}. Open projects are being recalculated.",
                )
            return redirect("scoring:scoring_model")
    versions = selectors.scoring_model_versions(workspace=request.workspace)
    return render(
        request,
        "scoring/scoring_model.html",
        {"form": form, "current": current, "versions": versions},
    )


@workspace_view(Action.MANAGE_PROJECTS)
@require_POST
def project_recalculate(request: HttpRequest, project_id: int) -> HttpResponse:
    project = readiness_selectors.project_get(workspace=request.workspace, project_id=project_id)
    snapshot = services.project_recalculate(project_id=project.pk)
    if snapshot is None:
        messages.info(request, "The score is up to date: nothing changed since the last one.")
    else:
        messages.success(request, "Score recalculated.")
    return redirect("readiness:project_detail", project_id=project.pk)


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
        "scoring/portfolio.html",
        {
            "form": form,
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number),
            "sort": filters["sort"],
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
    return render(request, "scoring/report.html", {"project": project, "report": report})


@workspace_view(Action.EXPORT)
def project_report_pdf(request: HttpRequest, project_id: int) -> HttpResponse:
    project = readiness_selectors.project_get(workspace=request.workspace, project_id=project_id)
    report = selectors.project_report(project=project)
    html = render_to_string(
        "scoring/report_pdf.html",
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


def _attachment(content: str | bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
