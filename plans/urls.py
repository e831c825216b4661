from __future__ import annotations

from django.urls import path

from plans import views

app_name = "plans"

urlpatterns = [
    path("projects/<int:project_id>/plan/", views.plan, name="plan"),
    path("projects/<int:project_id>/plan/new/", views.action_create, name="action_create"),
    path(
        "projects/<int:project_id>/plan/recommend/",
        views.action_recommend,
        name="action_recommend",
    ),
    path(
        "projects/<int:project_id>/checkpoints/new/",
        views.checkpoint_round_create,
        name="checkpoint_round_create",
    ),
    path("actions/<int:action_id>/", views.action_detail, name="action_detail"),
    path("actions/<int:action_id>/edit/", views.action_edit, name="action_edit"),
    path("actions/<int:action_id>/update/", views.action_update, name="action_update"),
    path("my/actions/", views.my_actions, name="my_actions"),
    path("my/digest/", views.my_digest, name="my_digest"),
    path("workspace/library/", views.library, name="library"),
    path("workspace/library/new/", views.library_entry_create, name="library_entry_create"),
    path("workspace/library/<int:entry_id>/", views.library_entry_edit, name="library_entry_edit"),
    path(
        "workspace/library/<int:entry_id>/delete/",
        views.library_entry_delete,
        name="library_entry_delete",
    ),
]
