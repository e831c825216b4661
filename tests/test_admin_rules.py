"""The Django admin cannot break an invariant: evidence is read-only, writes go through services."""

from __future__ import annotations

import pytest
from django.urls import reverse

from readiness.models import Answer, Invitation
from scoring.models import ScoringModel
from tests.factories import (
    AssessmentFactory,
    InvitationFactory,
    MembershipFactory,
    UserFactory,
    answers,
    submitted_response,
)
from workspaces.models import Membership, Role

pytestmark = pytest.mark.django_db


def test_a_submitted_answer_cannot_be_edited_in_the_admin(admin_client, workspace) -> None:
    response = submitted_response(
        assessment=AssessmentFactory(project__account__workspace=workspace),
        role="end_user",
        values=answers(aw=(4, 4, 4)),
    )
    answer = response.answers.first()
    url = reverse("admin:readiness_answer_change", args=[answer.pk])
    admin_client.post(url, {"value": 1, "response": response.pk, "item": answer.item_id})
    assert Answer.objects.get(pk=answer.pk).value == answer.value
    page = admin_client.get(reverse("admin:readiness_response_change", args=[response.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content


def test_an_item_of_a_frozen_template_cannot_be_edited_in_the_admin(
    admin_client, workspace
) -> None:
    assessment = AssessmentFactory(project__account__workspace=workspace)
    item = assessment.template.items.get(code="AW1")
    url = reverse("admin:readiness_templateitem_change", args=[item.pk])
    admin_client.post(url, {"wording": "Rewritten history", "code": "AW1"})
    item.refresh_from_db()
    assert item.wording != "Rewritten history"
    page = admin_client.get(
        reverse("admin:readiness_surveytemplate_change", args=[item.template_id])
    )
    assert b'name="_save"' not in page.content


def test_the_last_admin_cannot_be_deleted_or_demoted_in_the_admin(admin_client, workspace) -> None:
    only_admin = MembershipFactory(workspace=workspace, user=UserFactory(), role=Role.ADMIN)
    delete = reverse("admin:workspaces_membership_delete", args=[only_admin.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:workspaces_membership_change", args=[only_admin.pk])
    page = admin_client.post(change, {"role": Role.VIEWER})
    assert "at least one admin" in page.content.decode()
    assert Membership.objects.get(pk=only_admin.pk).role == Role.ADMIN


def test_another_admin_can_be_demoted_in_the_admin(admin_client, workspace) -> None:
    first = MembershipFactory(workspace=workspace, user=UserFactory(), role=Role.ADMIN)
    MembershipFactory(workspace=workspace, user=UserFactory(), role=Role.ADMIN)
    change = reverse("admin:workspaces_membership_change", args=[first.pk])
    assert admin_client.post(change, {"role": Role.VIEWER}).status_code == 302
    assert Membership.objects.get(pk=first.pk).role == Role.VIEWER


def test_invitations_are_not_added_in_the_admin_where_they_would_get_no_link(
    admin_client, workspace
) -> None:
    invitation = InvitationFactory(assessment__project__account__workspace=workspace)
    assert admin_client.get(reverse("admin:readiness_invitation_add")).status_code == 403
    page = admin_client.get(reverse("admin:readiness_invitation_change", args=[invitation.pk]))
    assert invitation.token_hash.encode() not in page.content
    assert Invitation.objects.count() == 1


def test_a_scoring_model_added_in_the_admin_is_a_new_version(admin_client, workspace) -> None:
    from scoring import services

    current = services.scoring_model_ensure(workspace=workspace)
    data = {name: getattr(current, name) for name in ScoringModel.PARAMETER_FIELDS}
    data.update(workspace=workspace.pk, weight_usage=35)
    response = admin_client.post(reverse("admin:scoring_scoringmodel_add"), data)
    assert response.status_code == 302
    newest = ScoringModel.objects.filter(workspace=workspace).order_by("-version").first()
    assert (newest.version, newest.weight_usage) == (current.version + 1, 35)
