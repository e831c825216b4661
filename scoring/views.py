"""Pages for uploading usage files, mapping their columns and following their processing."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from readiness import selectors as readiness_selectors
from readiness.decorators import workspace_view
from readiness.models import Project
from readiness.permissions import Action
from scoring import selectors, services
from scoring.forms import UsageMappingForm, UsageUploadForm

RECENT_WORKSPACE_IMPORTS = 20


def _upload(request: HttpRequest, project: Project | None) -> HttpResponse | UsageUploadForm:
    """Create an import from the posted file, or return the form with its errors."""
    form = UsageUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            usage_import = services.usage_import_create(
                workspace=request.workspace,
                project=project,
                uploaded_by=request.user,
                file_name=upload.name,
                source=upload,
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect("scoring:usage_import_detail", import_id=usage_import.pk)
    return form


@workspace_view(Action.IMPORT_USAGE)
def project_usage_upload(request: HttpRequest, project_id: int) -> HttpResponse:
    project = readiness_selectors.project_get(workspace=request.workspace, project_id=project_id)
    result = _upload(request, project)
    if isinstance(result, HttpResponse):
        return result
    return render(request, "scoring/usage_upload.html", {"form": result, "project": project})


@workspace_view(Action.IMPORT_USAGE)
def workspace_usage_upload(request: HttpRequest) -> HttpResponse:
    result = _upload(request, None)
    if isinstance(result, HttpResponse):
        return result
    imports = selectors.usage_import_list(workspace=request.workspace)[:RECENT_WORKSPACE_IMPORTS]
    return render(request, "scoring/usage_upload.html", {"form": result, "imports": imports})


@workspace_view()
def usage_import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    usage_import = selectors.usage_import_get(workspace=request.workspace, import_id=import_id)
    context = {"usage_import": usage_import}
    if usage_import.awaiting_confirmation:
        context["preview"] = selectors.usage_import_preview(usage_import=usage_import)
        context["form"] = UsageMappingForm(
            header=usage_import.header,
            workspace_wide=usage_import.is_workspace_wide,
            mapping=usage_import.column_mapping,
        )
    else:
        context["progress"] = selectors.usage_import_progress(usage_import=usage_import)
    return render(request, "scoring/usage_import_detail.html", context)


@workspace_view(Action.IMPORT_USAGE)
@require_POST
def usage_import_start(request: HttpRequest, import_id: int) -> HttpResponse:
    usage_import = selectors.usage_import_get(workspace=request.workspace, import_id=import_id)
    form = UsageMappingForm(
        request.POST, header=usage_import.header, workspace_wide=usage_import.is_workspace_wide
    )
    if form.is_valid():
        try:
            services.usage_import_start(usage_import=usage_import, mapping=form.mapping())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return redirect("scoring:usage_import_detail", import_id=usage_import.pk)
    preview = selectors.usage_import_preview(usage_import=usage_import)
    context = {"usage_import": usage_import, "preview": preview, "form": form}
    return render(request, "scoring/usage_import_detail.html", context, status=400)


@workspace_view(Action.IMPORT_USAGE)
@require_POST
def usage_import_discard(request: HttpRequest, import_id: int) -> HttpResponse:
    usage_import = selectors.usage_import_get(workspace=request.workspace, import_id=import_id)
    try:
        services.usage_import_discard(usage_import=usage_import)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("scoring:usage_import_detail", import_id=usage_import.pk)
    messages.success(request, f"The upload “{usage_import.file_name}” was discarded.")
    if usage_import.project_id:
        return redirect("readiness:project_detail", project_id=usage_import.project_id)
    return redirect("scoring:workspace_usage_upload")


@workspace_view()
def usage_import_status(request: HttpRequest, import_id: int) -> HttpResponse:
    """Return the status fragment that the import page polls while the import runs."""
    usage_import = selectors.usage_import_get(workspace=request.workspace, import_id=import_id)
    progress = selectors.usage_import_progress(usage_import=usage_import)
    return render(
        request,
        "scoring/_usage_import_status.html",
        {"usage_import": usage_import, "progress": progress},
    )
