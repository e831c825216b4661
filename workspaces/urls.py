from __future__ import annotations

from django.urls import path

from workspaces import views

app_name = "workspaces"

urlpatterns = [
    path("workspace/switch/", views.workspace_switch, name="workspace_switch"),
    path("workspace/members/", views.member_list, name="member_list"),
    path("workspace/members/<int:membership_id>/", views.member_update, name="member_update"),
]
