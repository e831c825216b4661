"""Change plans: adding from a recommendation, by hand, the log, permissions and pages."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from plans import selectors, services
from plans.models import Action, ActionLibraryEntry, ActionStatus, ActionUpdate, EntryKind
from tests.factories import ActionFactory, MembershipFactory, ProjectFactory, UserFactory
from workspaces.models import Membership, Role


def recommend(client, project, target="knowledge", group="end_users"):
    return client.post(
        reverse("plans:action_recommend", args=[project.pk]),
        {"target": target, "target_group": group},
    )


class TestRecommendations:
    def test_the_plan_recommends_knowledge_for_end_users(self, project, csm_client) -> None:
        page = csm_client.get(reverse("plans:plan", args=[project.pk]))
        recs = page.context["recommendations"]
        assert [(r.target, r.target_group) for r in recs] == [("knowledge", "end_users")]
        assert "barrier point of 100% of end users" in recs[0].reasons
        assert "Add to plan" in page.content.decode()

    def test_one_click_adds_an_action_pre_filled_from_the_library(
        self, project, csm_client, workspace
    ) -> None:
        response = recommend(csm_client, project)
        action = Action.objects.get()
        assert response.url == reverse("plans:action_detail", args=[action.pk])
        entry = (
            ActionLibraryEntry.objects.filter(
                workspace=workspace, target="knowledge", kind=EntryKind.ACTION
            )
            .order_by("position")
            .first()
        )
        assert (action.title, action.description) == (entry.title, entry.guidance)
        assert action.target_group == "end_users"
        assert action.owner.user == csm_client.user
        assert action.source_assessment.name == "Kick-off baseline"
        assert action.due_on == timezone.localdate() + datetime.timedelta(
            days=entry.suggested_duration_days
        )

    def test_the_same_recommendation_is_not_added_twice_while_open(
        self, project, csm_client
    ) -> None:
        recommend(csm_client, project)
        second = recommend(csm_client, project)
        assert Action.objects.count() == 1
        page = csm_client.get(second.url)
        assert "is already in the change plan" in page.content.decode()
        plan = csm_client.get(reverse("plans:plan", args=[project.pk])).content.decode()
        assert "In the plan: planned" in plan

    def test_after_the_action_is_done_the_recommendation_can_be_added_again(
        self, project, csm_client
    ) -> None:
        recommend(csm_client, project)
        services.action_status_change(
            action=Action.objects.get(), user=None, status=ActionStatus.DONE
        )
        recommend(csm_client, project)
        assert Action.objects.filter(status=ActionStatus.PLANNED).count() == 1

    def test_the_database_refuses_a_second_open_action_for_one_recommendation(
        self, project
    ) -> None:
        fields = dict(
            project=project, from_recommendation=True, target="knowledge", target_group="all"
        )
        ActionFactory(**fields)
        with pytest.raises(IntegrityError), transaction.atomic():
            Action.objects.create(workspace=project.workspace, title="Twice", **fields)

    def test_reopening_a_done_action_beside_an_open_one_is_refused(self, project) -> None:
        done = ActionFactory(project=project, from_recommendation=True, status="done")
        ActionFactory(project=project, from_recommendation=True)
        with pytest.raises(ValidationError, match="Another open action already answers"):
            services.action_status_change(action=done, user=None, status="in_progress")

    def test_an_unknown_target_says_so(self, project, csm_client) -> None:
        response = recommend(csm_client, project, target="courage")
        page = csm_client.get(response.url).content.decode()
        assert "This recommendation is not one the report makes." in page
        assert not Action.objects.exists()


class TestByHand:
    def test_a_consultant_adds_an_action_for_a_department(
        self, project, client_for, workspace
    ) -> None:
        client = client_for(workspace, Role.CONSULTANT)
        project.assessments.get().invitations.update(department="Finance")
        owner = Membership.objects.get(user=client.user)
        response = client.post(
            reverse("plans:action_create", args=[project.pk]),
            {
                "title": "Finance job aids",
                "description": "One-pagers for month-end.",
                "target": "knowledge",
                "target_group": "department:Finance",
                "owner": owner.pk,
                "due_on": "2026-10-01",
                "customer_owner_name": "Dana Ruiz",
                "customer_owner_email": "dana@customer.example",
                "source_assessment": "",
            },
        )
        assert response.status_code == 302
        action = Action.objects.get()
        assert (action.target_group_label, action.customer_owner_name) == (
            "Department: Finance",
            "Dana Ruiz",
        )
        assert not action.from_recommendation
        assert action.updates.get().note == "Added to the change plan."

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("title", "Train\x07ing", "Remove the control characters from the title."),
            ("title", "   ", "Enter what will be done."),
            ("due_on", "9999-01-01", "Enter a due date between 2000 and 2099."),
            ("target_group", "department:Nowhere", "Select a valid choice."),
        ],
    )
    def test_bad_input_gets_a_clear_message(
        self, project, csm_client, field, value, message
    ) -> None:
        data = {"title": "Job aids", "target": "knowledge", "target_group": "all"}
        data[field] = value
        response = csm_client.post(reverse("plans:action_create", args=[project.pk]), data)
        assert response.status_code == 200
        assert message in response.content.decode()
        assert not Action.objects.exists()

    def test_a_nul_byte_gets_the_clear_page_and_saves_nothing(self, project, csm_client) -> None:
        data = {"title": "Train\x00ing", "target": "knowledge", "target_group": "all"}
        response = csm_client.post(reverse("plans:action_create", args=[project.pk]), data)
        assert response.status_code == 400
        assert "holds a NUL character" in response.content.decode()
        assert not Action.objects.exists()

    def test_an_owner_from_another_workspace_is_refused(self, project, other_workspace) -> None:
        stranger = MembershipFactory(workspace=other_workspace)
        with pytest.raises(ValidationError, match="member of this workspace"):
            services.action_create(
                project=project, user=None, title="X", target="desire", owner=stranger
            )

    def test_a_source_assessment_of_another_project_is_refused(self, project, workspace) -> None:
        other = baseline_other(workspace)
        with pytest.raises(ValidationError, match="assessment of this project"):
            services.action_create(
                project=project,
                user=None,
                title="X",
                target="desire",
                source_assessment=other.assessments.get(),
            )


def baseline_other(workspace):
    from tests.factories import AssessmentFactory

    project = ProjectFactory(account__workspace=workspace)
    AssessmentFactory(project=project)
    return project


class TestLog:
    def test_status_changes_and_notes_are_kept_with_their_date(self, project, csm_client) -> None:
        action = ActionFactory(project=project)
        url = reverse("plans:action_update", args=[action.pk])
        csm_client.post(url, {"status": "in_progress", "note": "Kick-off held."})
        csm_client.post(url, {"status": "in_progress", "note": "Half the teams trained."})
        csm_client.post(url, {"status": "done", "note": ""})
        log = list(ActionUpdate.objects.filter(action=action).order_by("id"))
        assert [(u.status_before, u.status_after, u.note) for u in log] == [
            ("planned", "in_progress", "Kick-off held."),
            ("", "", "Half the teams trained."),
            ("in_progress", "done", ""),
        ]
        page = csm_client.get(reverse("plans:action_detail", args=[action.pk])).content.decode()
        assert "Half the teams trained." in page
        assert log[0].created_at.strftime("%Y-%m-%d") in page

    def test_an_empty_update_is_refused_with_a_message(self, project, csm_client) -> None:
        action = ActionFactory(project=project)
        response = csm_client.post(
            reverse("plans:action_update", args=[action.pk]), {"status": "planned", "note": " "}
        )
        assert response.status_code == 400
        assert "Write a note or change the status." in response.content.decode()

    def test_reassigning_and_dropping_are_logged(self, project, workspace) -> None:
        first = MembershipFactory(workspace=workspace, user=UserFactory(first_name="Ann"))
        second = MembershipFactory(workspace=workspace, user=UserFactory(first_name="Bo"))
        action = ActionFactory(project=project, owner=first)
        services.action_update(action=action, user=None, owner=second)
        services.action_drop(action=action, user=None, note="Replaced by the coaching plan.")
        notes = list(action.updates.order_by("id").values_list("note", "status_after"))
        assert notes[0][0].startswith(f"Reassigned from {first.user.get_full_name()}")
        assert notes[1] == ("Replaced by the coaching plan.", "dropped")


class TestPermissions:
    def test_a_viewer_reads_the_plan_but_cannot_write(self, project, viewer_client) -> None:
        action = ActionFactory(project=project)
        assert viewer_client.get(reverse("plans:plan", args=[project.pk])).status_code == 200
        page = viewer_client.get(reverse("plans:action_detail", args=[action.pk]))
        assert page.status_code == 200
        assert "Add an update" not in page.content.decode()
        assert recommend(viewer_client, project).status_code == 403
        update = reverse("plans:action_update", args=[action.pk])
        assert viewer_client.post(update, {"status": "done"}).status_code == 403
        assert viewer_client.get(reverse("plans:action_edit", args=[action.pk])).status_code == 403
        assert not Action.objects.filter(status="done").exists()

    @pytest.mark.parametrize("role", [Role.CONSULTANT, Role.CSM, Role.ADMIN])
    def test_consultants_csms_and_admins_write(self, project, client_for, workspace, role) -> None:
        assert recommend(client_for(workspace, role), project).status_code == 302
        assert Action.objects.count() == 1

    @pytest.mark.parametrize("role", [Role.CONSULTANT, Role.CSM, Role.VIEWER])
    def test_only_admins_edit_the_library(self, client_for, workspace, role) -> None:
        client = client_for(workspace, role)
        assert client.get(reverse("plans:library")).status_code == 200
        assert client.get(reverse("plans:library_entry_create")).status_code == 403

    def test_an_admin_edits_and_removes_a_library_entry(self, admin_client_ws, workspace) -> None:
        response = admin_client_ws.post(
            reverse("plans:library_entry_create"),
            {
                "target": "desire",
                "kind": "prompt",
                "title": "Who gains most?",
                "guidance": "Which team gains most from the change?",
                "suggested_duration_days": "7",
            },
        )
        assert response.status_code == 302
        entry = ActionLibraryEntry.objects.get(workspace=workspace, title="Who gains most?")
        assert list(selectors.discussion_prompts(workspace=workspace, dimension="desire")).count(
            entry
        )
        duplicate = admin_client_ws.post(
            reverse("plans:library_entry_edit", args=[entry.pk]),
            {
                "target": "desire",
                "kind": "prompt",
                "title": "What worries you?",
                "guidance": "",
                "suggested_duration_days": "7",
            },
        )
        assert "already has an entry with this title" in duplicate.content.decode()
        admin_client_ws.post(reverse("plans:library_entry_delete", args=[entry.pk]))
        assert not ActionLibraryEntry.objects.filter(pk=entry.pk).exists()


class TestMyActions:
    def test_sections_by_due_date_and_only_my_open_actions(self, workspace, csm_client) -> None:
        me = Membership.objects.get(user=csm_client.user)
        today = timezone.localdate()
        overdue = ActionFactory(project__account__workspace=workspace, owner=me, title="Late")
        overdue.due_on = today - datetime.timedelta(days=1)
        overdue.save()
        ActionFactory(
            project=overdue.project, owner=me, title="Soon", due_on=today + datetime.timedelta(3)
        )
        ActionFactory(
            project=overdue.project, owner=me, title="Later", due_on=today + datetime.timedelta(4)
        )
        ActionFactory(project=overdue.project, owner=me, title="Finished", status="done")
        ActionFactory(project=overdue.project, title="Someone else's")
        page = csm_client.get(reverse("plans:my_actions"))
        mine = page.context["mine"]
        assert [a.title for a in mine.overdue] == ["Late"]
        assert [a.title for a in mine.due_soon] == ["Soon"]
        assert [a.title for a in mine.later] == ["Later"]
        assert "Someone else" not in page.content.decode()

    def test_the_digest_is_turned_off_and_on(self, csm_client) -> None:
        me = Membership.objects.get(user=csm_client.user)
        assert selectors.digest_enabled(membership=me)
        csm_client.post(reverse("plans:my_digest"), {})
        assert not selectors.digest_enabled(membership=me)
        page = csm_client.get(reverse("plans:my_actions")).content.decode()
        assert "Daily e-mail: off" in page
        csm_client.post(reverse("plans:my_digest"), {"daily_digest": "on"})
        assert selectors.digest_enabled(membership=me)


def _queries(client, url: str) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


class TestQueryCounts:
    def test_my_actions_does_not_grow_with_actions(self, workspace, csm_client) -> None:
        me = Membership.objects.get(user=csm_client.user)
        ActionFactory(project__account__workspace=workspace, owner=me)
        small = _queries(csm_client, reverse("plans:my_actions"))
        for _ in range(6):
            ActionFactory(project__account__workspace=workspace, owner=me)
        assert _queries(csm_client, reverse("plans:my_actions")) == small

    def test_the_plan_does_not_grow_with_actions_or_updates(self, project, csm_client) -> None:
        recommend(csm_client, project)
        url = reverse("plans:plan", args=[project.pk])
        small = _queries(csm_client, url)
        for number in range(6):
            action = ActionFactory(project=project, owner=Membership.objects.first())
            services.action_status_change(
                action=action, user=None, status="in_progress", note=f"n{number}"
            )
        assert _queries(csm_client, url) == small

    def test_an_action_page_does_not_grow_with_its_log(self, project, csm_client) -> None:
        action = ActionFactory(project=project)
        url = reverse("plans:action_detail", args=[action.pk])
        small = _queries(csm_client, url)
        for number in range(6):
            services.action_status_change(action=action, user=csm_client.user, status="planned",
                                          note=f"note {number}")  # fmt: skip
        assert _queries(csm_client, url) == small
