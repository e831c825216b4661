"""Pages that bring every layer together: a project's overview, the portfolio, the project
report and its exports."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import slugify

from readiness import selectors as readiness_selectors
from reports import exports, selectors
from reports.forms import PortfolioFilterForm
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


def _attachment(content: str | bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
