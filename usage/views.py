"""Pages of usage imports: uploads, their column mapping, progress, and the list of imports."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.defaultfilters import pluralize
from django.views.decorators.http import require_POST

from readiness import selectors as readiness_selectors
from readiness.models import Project
from usage import selectors, services
from usage.forms import UsageImportFilterForm, UsageMappingForm, UsageUploadForm
from usage.models import UsageImport, UsageImportState
from workspaces.decorators import workspace_view
from workspaces.permissions import Action, role_can

RECENT_WORKSPACE_IMPORTS = 20
USAGE_IMPORTS_PAGE_SIZE = 25


@workspace_view()
def usage_import_list(request: HttpRequest) -> HttpResponse:
    """List every import of the workspace, or those that fed one project (`?project=<id>`)."""
    form = UsageImportFilterForm(request.GET, workspace=request.workspace)
    project = form.chosen_project()
    imports = selectors.usage_import_list(workspace=request.workspace, project=project)
    page = Paginator(imports, USAGE_IMPORTS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "usage/usage_import_list.html",
        {
            "project": project,
            "page": page,
            "page_numbers": page.paginator.get_elided_page_range(page.number),
            "ignored": form.ignored(),
        },
    )


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
            return redirect("usage:usage_import_detail", import_id=usage_import.pk)
    return form


@workspace_view(Action.IMPORT_USAGE)
def project_usage_upload(request: HttpRequest, project_id: int) -> HttpResponse:
    project = readiness_selectors.project_get(workspace=request.workspace, project_id=project_id)
    result = _upload(request, project)
    if isinstance(result, HttpResponse):
        return result
    return render(request, "usage/usage_upload.html", {"form": result, "project": project})


@workspace_view(Action.IMPORT_USAGE)
def workspace_usage_upload(request: HttpRequest) -> HttpResponse:
    result = _upload(request, None)
    if isinstance(result, HttpResponse):
        return result
    imports = selectors.usage_import_list(workspace=request.workspace)[:RECENT_WORKSPACE_IMPORTS]
    return render(request, "usage/usage_upload.html", {"form": result, "imports": imports})


@workspace_view()
def usage_import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    usage_import = selectors.usage_import_get(workspace=request.workspace, import_id=import_id)
    context = {"usage_import": usage_import}
    # The preview shows the file's raw rows (e-mail addresses and all): only to importers.
    if usage_import.awaiting_confirmation and role_can(
        request.membership.role, Action.IMPORT_USAGE
    ):
        context["preview"] = selectors.usage_import_preview(usage_import=usage_import)
        context["form"] = UsageMappingForm(
            header=usage_import.header,
            workspace_wide=usage_import.is_workspace_wide,
            mapping=usage_import.column_mapping,
        )
    else:
        context["progress"] = selectors.usage_import_progress(usage_import=usage_import)
        context["overlaps"] = selectors.usage_import_overlaps(usage_import=usage_import)
    return render(request, "usage/usage_import_detail.html", context)


ALREADY_STARTED = "This import had already started, so nothing changed: its state is shown below."


def _already_started(request: HttpRequest, usage_import: UsageImport) -> HttpResponse:
    """Answer a second start (a second click while the first one runs) with the import's page."""
    messages.info(request, ALREADY_STARTED)
    return redirect("usage:usage_import_detail", import_id=usage_import.pk)


@workspace_view(Action.IMPORT_USAGE)
@require_POST
def usage_import_start(request: HttpRequest, import_id: int) -> HttpResponse:
    usage_import = selectors.usage_import_get(workspace=request.workspace, import_id=import_id)
    if not usage_import.awaiting_confirmation:
        return _already_started(request, usage_import)
    form = UsageMappingForm(
        request.POST, header=usage_import.header, workspace_wide=usage_import.is_workspace_wide
    )
    if form.is_valid():
        try:
            services.usage_import_start(usage_import=usage_import, mapping=form.mapping())
        except ValidationError as error:
            usage_import.refresh_from_db()
            if not usage_import.awaiting_confirmation:  # started by a request at the same time
                return _already_started(request, usage_import)
            form.add_error(None, error)
        else:
            return redirect("usage:usage_import_detail", import_id=usage_import.pk)
    preview = selectors.usage_import_preview(usage_import=usage_import)
    context = {"usage_import": usage_import, "preview": preview, "form": form}
    return render(request, "usage/usage_import_detail.html", context, status=400)


@workspace_view(Action.IMPORT_USAGE)
@require_POST
def usage_import_discard(request: HttpRequest, import_id: int) -> HttpResponse:
    usage_import = selectors.usage_import_get(workspace=request.workspace, import_id=import_id)
    try:
        services.usage_import_discard(usage_import=usage_import)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("usage:usage_import_detail", import_id=usage_import.pk)
    messages.success(request, f"The upload “{usage_import.file_name}” was discarded.")
    if usage_import.project_id:
        return redirect("reports:project_detail", project_id=usage_import.project_id)
    return redirect("usage:workspace_usage_upload")


@workspace_view(Action.IMPORT_USAGE)
def usage_import_delete(request: HttpRequest, import_id: int) -> HttpResponse:
    """Confirm (GET) and delete (POST) a finished import with its usage rows."""
    usage_import = selectors.usage_import_get(workspace=request.workspace, import_id=import_id)
    if request.method != "POST":
        return render(request, "usage/usage_import_delete.html", {"usage_import": usage_import})
    try:
        deleted = services.usage_import_delete(usage_import=usage_import)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("usage:usage_import_detail", import_id=usage_import.pk)
    messages.success(request, _deleted_message(usage_import.file_name, deleted))
    if usage_import.project_id:
        return redirect("reports:project_detail", project_id=usage_import.project_id)
    return redirect("usage:usage_import_list")


def _deleted_message(file_name: str, deleted: services.DeletedImport | None) -> str:
    if deleted is None:
        return f"The import “{file_name}” had already been deleted."
    if deleted.state != UsageImportState.DONE:
        return f"The failed import “{file_name}” was deleted."
    rows = deleted.imported_rows
    return (
        f"The import “{file_name}” and its {rows:,} usage row{pluralize(rows)} were deleted. "
        "The readiness score will be recalculated without them."
    )


@workspace_view()
def usage_import_status(request: HttpRequest, import_id: int) -> HttpResponse:
    """Return the status fragment that the import page polls while the import runs."""
    usage_import = selectors.usage_import_get(workspace=request.workspace, import_id=import_id)
    context = {
        "usage_import": usage_import,
        "progress": selectors.usage_import_progress(usage_import=usage_import),
        "overlaps": selectors.usage_import_overlaps(usage_import=usage_import),
        "poll": True,
    }
    return render(request, "usage/_usage_import_status.html", context)
