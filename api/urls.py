"""/api/v1/: the JSON API (SPEC §8)."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)

from api import (
    accounts,
    actions,
    assessments,
    invitations,
    portfolio,
    projects,
    responses,
    scores,
    usage_imports,
)

app_name = "api"


@csrf_exempt  # a token API: there is no session for CSRF to protect
def not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    """Answer a path under /api/v1/ that names no resource in the API's JSON error shape."""
    return JsonResponse(
        {"code": "not_found", "message": "No API resource at this path.", "errors": {}},
        status=404,
    )


urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("accounts/", accounts.AccountList.as_view(), name="account_list"),
    path("accounts/<int:account_id>/", accounts.AccountDetail.as_view(), name="account_detail"),
    path("projects/", projects.ProjectList.as_view(), name="project_list"),
    path("projects/<int:project_id>/", projects.ProjectDetail.as_view(), name="project_detail"),
    path("projects/<int:project_id>/score/", scores.ProjectScore.as_view(), name="project_score"),
    path(
        "projects/<int:project_id>/scores/",
        scores.ProjectScoreHistory.as_view(),
        name="project_scores",
    ),
    path("assessments/", assessments.AssessmentList.as_view(), name="assessment_list"),
    path(
        "assessments/<int:assessment_id>/",
        assessments.AssessmentDetail.as_view(),
        name="assessment_detail",
    ),
    path(
        "assessments/<int:assessment_id>/open/",
        assessments.AssessmentOpen.as_view(),
        name="assessment_open",
    ),
    path(
        "assessments/<int:assessment_id>/close/",
        assessments.AssessmentClose.as_view(),
        name="assessment_close",
    ),
    path(
        "assessments/<int:assessment_id>/invitations/",
        invitations.InvitationList.as_view(),
        name="invitation_list",
    ),
    path(
        "invitations/<int:invitation_id>/",
        invitations.InvitationDetail.as_view(),
        name="invitation_detail",
    ),
    path(
        "assessments/<int:assessment_id>/responses/",
        responses.ResponseList.as_view(),
        name="response_list",
    ),
    path(
        "responses/<int:response_id>/", responses.ResponseDetail.as_view(), name="response_detail"
    ),
    path("actions/", actions.ActionList.as_view(), name="action_list"),
    path("actions/<int:action_id>/", actions.ActionDetail.as_view(), name="action_detail"),
    path("portfolio/", portfolio.Portfolio.as_view(), name="portfolio"),
    path(
        "projects/<int:project_id>/usage-imports/",
        usage_imports.ProjectUsageUpload.as_view(),
        name="project_usage_upload",
    ),
    path("usage-imports/", usage_imports.UsageImportList.as_view(), name="usage_import_list"),
    path(
        "usage-imports/<int:import_id>/",
        usage_imports.UsageImportDetail.as_view(),
        name="usage_import_detail",
    ),
    # Last: any other path under /api/v1/ is a JSON 404, not the site's HTML page.
    re_path(r"^(?P<rest>.*)$", not_found, name="not_found"),
]
