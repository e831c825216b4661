from __future__ import annotations

from django.urls import path

from readiness import views

app_name = "readiness"

urlpatterns = [
    path("accounts/", views.account_list, name="account_list"),
    path("accounts/new/", views.account_create, name="account_create"),
    path("accounts/<int:account_id>/", views.account_detail, name="account_detail"),
    path("accounts/<int:account_id>/edit/", views.account_edit, name="account_edit"),
    path("projects/", views.project_list, name="project_list"),
    path("projects/new/", views.project_create, name="project_create"),
    path("projects/<int:project_id>/edit/", views.project_edit, name="project_edit"),
    path(
        "projects/<int:project_id>/assessments/new/",
        views.assessment_create,
        name="assessment_create",
    ),
    path("assessments/<int:assessment_id>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:assessment_id>/edit/", views.assessment_edit, name="assessment_edit"),
    path("assessments/<int:assessment_id>/open/", views.assessment_open, name="assessment_open"),
    path("assessments/<int:assessment_id>/close/", views.assessment_close, name="assessment_close"),
    path(
        "assessments/<int:assessment_id>/invitations/new/",
        views.invitation_add,
        name="invitation_add",
    ),
    path(
        "assessments/<int:assessment_id>/invitations/list/",
        views.invitation_add_list,
        name="invitation_add_list",
    ),
    path(
        "assessments/<int:assessment_id>/invitations/send/",
        views.invitations_send,
        name="invitations_send",
    ),
    path(
        "assessments/<int:assessment_id>/reminders/send/",
        views.reminders_send,
        name="reminders_send",
    ),
    path(
        "assessments/<int:assessment_id>/responses.csv",
        views.responses_export,
        name="responses_export",
    ),
    path(
        "assessments/<int:assessment_id>/responses/import/",
        views.responses_import,
        name="responses_import",
    ),
    path("invitations/<int:invitation_id>/link/", views.invitation_link, name="invitation_link"),
    path(
        "invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path("templates/", views.template_list, name="template_list"),
    path("templates/<int:template_id>/", views.template_detail, name="template_detail"),
    path("templates/<int:template_id>/edit/", views.template_edit, name="template_edit"),
]
