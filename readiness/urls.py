from __future__ import annotations

from django.urls import path

from readiness import views

app_name = "readiness"

urlpatterns = [
    path("workspace/switch/", views.workspace_switch, name="workspace_switch"),
    path("workspace/members/", views.member_list, name="member_list"),
    path("workspace/members/<int:membership_id>/", views.member_update, name="member_update"),
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:account_id>/", views.account_detail, name="account_detail"),
    path("accounts/<int:account_id>/edit/", views.account_edit, name="account_edit"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:project_id>/", views.project_detail, name="project_detail"),
    path("projects/<int:project_id>/edit/", views.project_edit, name="project_edit"),
    path(
        "projects/<int:project_id>/assessments/new/",
        views.assessment_create,
        name="assessment_create",
    ),
    path("assessments/<int:assessment_id>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:assessment_id>/edit/", views.assessment_edit, name="assessment_edit"),
    path("templates/", views.template_list, name="template_list"),
    path("templates/<int:template_id>/", views.template_detail, name="template_detail"),
    path("templates/<int:template_id>/edit/", views.template_edit, name="template_edit"),
]
