"""/api/v1/actions/: the change plan over the API, with the pages' rules and suppression."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from plans import effects
from plans.models import Action, ActionEffect, ActionUpdate
from scoring.services import project_recalculate
from tests.factories import (
    ActionFactory,
    AssessmentFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    answers,
    submitted_response,
)
from workspaces.models import Membership, Role

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(n: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=n)


@pytest.fixture
def project(workspace):
    return ProjectFactory(account__workspace=workspace)


class TestList:
    def test_filters_overdue_by_project_owner_and_target(self, reader, workspace, project) -> None:
        owner = MembershipFactory(workspace=workspace, role=Role.CSM)
        late = ActionFactory(project=project, owner=owner, due_on=days(-3), target="knowledge")
        ActionFactory(project=project, owner=owner, due_on=days(-3), status="done", target="desire")
        ActionFactory(project=project, owner=owner, due_on=days(5), target="awareness")
        ActionFactory(project=ProjectFactory(account__workspace=workspace), due_on=days(-1))

        def ids(query: str) -> list[int]:
            response = reader.get(f"/api/v1/actions/?{query}")
            assert response.status_code == 200, response.json()
            return [row["id"] for row in response.json()["results"]]

        assert ids(f"overdue=true&project={project.pk}") == [late.pk]
        assert len(ids(f"owner={owner.user_id}")) == 3
        assert ids(f"owner={owner.user_id}&target=knowledge") == [late.pk]
        assert len(ids(f"due_before={days(0)}&due_after={days(-3)}")) == 3
        row = reader.get(f"/api/v1/actions/{late.pk}/").json()
        assert row["overdue"] is True and row["owner"] == owner.user_id
        assert row["page_url"].endswith(f"/actions/{late.pk}/")

    def test_a_bad_filter_value_is_a_400_naming_the_field(self, reader) -> None:
        response = reader.get("/api/v1/actions/?due_before=yesterday&target=speed")
        assert response.status_code == 400
        assert set(response.json()["errors"]) == {"due_before", "target"}

    def test_ordered_by_due_date_with_undated_last(self, reader, project) -> None:
        undated = ActionFactory(project=project, due_on=None)
        later = ActionFactory(project=project, due_on=days(9))
        sooner = ActionFactory(project=project, due_on=days(1))
        rows = reader.get("/api/v1/actions/?ordering=due").json()["results"]
        assert [row["id"] for row in rows] == [sooner.pk, later.pk, undated.pk]

    def test_the_list_costs_the_same_queries_whatever_its_size(self, reader, project) -> None:
        ActionFactory(project=project)
        reader.get("/api/v1/actions/")  # records the token's last use, once a minute
        with CaptureQueriesContext(connection) as small:
            reader.get("/api/v1/actions/")
        for _ in range(6):
            ActionFactory(project=project, owner=MembershipFactory(workspace=project.workspace))
        with CaptureQueriesContext(connection) as large:
            assert len(reader.get("/api/v1/actions/").json()["results"]) == 7
        assert len(large) == len(small)


class TestWrite:
    def test_a_write_token_adds_an_action_owned_by_its_creator(self, writer, project) -> None:
        response = writer.post(
            "/api/v1/actions/",
            {"project": project.pk, "title": "  Train the dispatchers ", "target": "knowledge",
             "due_on": str(days(14))},
            format="json",
        )  # fmt: skip
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["title"] == "Train the dispatchers"
        assert body["status"] == "planned" and body["target_group"] == "all"
        assert body["owner"] == writer.token.created_by_id
        assert response["Location"] == f"/api/v1/actions/{body['id']}/"
        action = Action.objects.get(pk=body["id"])
        assert action.updates.get().note == "Added to the change plan."

    def test_the_pages_rules_refuse_bad_fields_one_by_one(self, writer, project) -> None:
        response = writer.post(
            "/api/v1/actions/",
            {"project": project.pk, "title": "   ", "target": "knowledge",
             "target_group": "department:Nowhere", "due_on": "2150-01-01"},
            format="json",
        )  # fmt: skip
        assert response.status_code == 400
        errors = response.json()["errors"]
        assert errors["title"][0]["message"] == "Enter what will be done."
        assert errors["due_on"][0]["message"] == "Enter a due date between 2000 and 2099."
        assert "target_group" in errors
        assert not Action.objects.exists()

    def test_marking_done_with_a_note_is_logged(self, writer, project) -> None:
        action = ActionFactory(project=project, due_on=days(-2))
        response = writer.patch(
            f"/api/v1/actions/{action.pk}/",
            {"status": "done", "note": "All depots trained."},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert response.json()["status"] == "done" and response.json()["overdue"] is False
        update = ActionUpdate.objects.get(action=action)
        assert (update.status_before, update.status_after) == ("planned", "done")
        assert update.note == "All depots trained."
        assert update.author_id == writer.token.created_by_id

    def test_a_new_owner_and_due_date_are_written_to_the_log(
        self, writer, workspace, project
    ) -> None:
        action = ActionFactory(project=project)
        someone = UserFactory(first_name="Chloe", last_name="Success")
        MembershipFactory(workspace=workspace, user=someone, role=Role.CSM)
        response = writer.patch(
            f"/api/v1/actions/{action.pk}/",
            {"owner": someone.pk, "due_on": "2026-12-01"},
            format="json",
        )
        assert response.status_code == 200, response.json()
        assert response.json()["owner"] == someone.pk
        note = ActionUpdate.objects.get(action=action).note
        assert "to Chloe Success" in note and "Due date set to 2026-12-01" in note

    def test_an_owner_from_another_workspace_is_refused(
        self, writer, project, other_workspace
    ) -> None:
        stranger = MembershipFactory(workspace=other_workspace).user
        action = ActionFactory(project=project)
        response = writer.patch(
            f"/api/v1/actions/{action.pk}/", {"owner": stranger.pk}, format="json"
        )
        assert response.status_code == 400
        [error] = response.json()["errors"]["owner"]
        assert error["message"] == (
            f"User {stranger.pk} is not a member of this workspace: choose a member's user id."
        )
        assert Action.objects.get(pk=action.pk).owner is None

    def test_a_read_token_cannot_write(self, reader, project) -> None:
        action = ActionFactory(project=project)
        response = reader.patch(f"/api/v1/actions/{action.pk}/", {"status": "done"})
        assert response.status_code == 403
        assert response.json()["code"] == "read_only_token"

    def test_a_creator_who_may_no_longer_manage_plans_cannot_write(self, writer, project) -> None:
        action = ActionFactory(project=project)
        Membership.objects.filter(user=writer.token.created_by).update(role=Role.VIEWER)
        response = writer.patch(f"/api/v1/actions/{action.pk}/", {"status": "done"}, format="json")
        assert response.status_code == 403 and response.json()["code"] == "role_forbids"
        assert Action.objects.get(pk=action.pk).status == "planned"

    def test_an_idempotent_retry_adds_one_action(self, writer, project) -> None:
        body = {"project": project.pk, "title": "Sponsor video", "target": "awareness"}
        first = writer.post("/api/v1/actions/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        again = writer.post("/api/v1/actions/", body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
        assert first.status_code == again.status_code == 201
        assert again.json()["id"] == first.json()["id"]
        assert Action.objects.count() == 1


class TestEffectSuppression:
    """The effect an action carries is the page's: a department that would reveal a smaller
    one has no figures on the API either (secondary suppression, SPEC §11)."""

    def _round(self, project, opens_on, people):
        assessment = AssessmentFactory(project=project, opens_on=opens_on, closes_on=None)
        for role, department, value in people:
            submitted_response(
                assessment=assessment,
                role=role,
                department=department,
                values=answers(aw=(4, 4, 4), kn=(value,) * 3),
            )
        return assessment

    def test_a_department_revealing_a_smaller_one_shows_no_figure(self, reader, workspace) -> None:
        project = ProjectFactory(account__workspace=workspace)
        board = [("sponsor", "Board", 5)] * 4
        before = self._round(project, days(-60), board + [("end_user", "Finance", 2)] * 3)
        after = self._round(
            project,
            days(-5),
            board + [("end_user", "Finance", 4)] * 3 + [("end_user", "Sales", 2)] * 2,
        )
        finance = ActionFactory(
            project=project, target="knowledge", target_group="department:Finance",
            source_assessment=before, status="done",
        )  # fmt: skip
        board_action = ActionFactory(
            project=project, target="knowledge", target_group="department:Board",
            source_assessment=before, status="done",
        )  # fmt: skip
        project_recalculate(project_id=project.pk)
        assert ActionEffect.objects.filter(after_assessment=after).count() == 2

        hidden = reader.get(f"/api/v1/actions/{finance.pk}/").json()["effect"]
        assert hidden["state"] == "too_small"
        assert {m["note"] for m in hidden["measures"]} == {effects.PROTECTED}
        assert all(m["before"] is None and m["after"] is None for m in hidden["measures"])
        shown = reader.get(f"/api/v1/actions/{board_action.pk}/").json()["effect"]
        assert shown["state"] == "measured"
        assert shown["measures"][0]["after"] == pytest.approx(5.0)
