"""Pages of scoring: the workspace's scoring model, and recalculating a project by hand."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from readiness import selectors as readiness_selectors
from scoring import selectors, services
from scoring.forms import ScoringModelForm
from workspaces.decorators import workspace_view
from workspaces.permissions import Action


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
    return redirect("reports:project_detail", project_id=project.pk)
