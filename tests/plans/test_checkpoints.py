"""Checkpoints: rounds proposed from the project's dates, and the next round in one step."""

from __future__ import annotations

import datetime

from django.urls import reverse

from plans.checkpoints import proposed_checkpoints
from plans.models import CheckpointRound
from readiness.models import Assessment, AssessmentState
from tests.factories import AssessmentFactory, InvitationFactory, ProjectFactory
from workspaces.models import Role

KICKOFF, GOLIVE = datetime.date(2026, 9, 1), datetime.date(2026, 12, 1)


def test_rounds_proposed_from_the_dates() -> None:
    proposed = proposed_checkpoints(KICKOFF, GOLIVE)
    assert [(c.code, c.opens_on) for c in proposed] == [
        ("baseline", KICKOFF),
        ("pre_golive", datetime.date(2026, 11, 17)),
        ("post_30", datetime.date(2026, 12, 31)),
        ("post_90", datetime.date(2027, 3, 1)),
    ]
    assert proposed[1].name == "Pre go-live"
    assert proposed[1].closes_on == datetime.date(2026, 12, 1)
    assert [c.code for c in proposed_checkpoints(KICKOFF, None)] == ["baseline"]
    assert proposed_checkpoints(None, None) == ()


def _project_with_baseline(workspace):
    project = ProjectFactory(account__workspace=workspace, kickoff_date=KICKOFF, golive_date=GOLIVE)
    baseline = AssessmentFactory(project=project, opens_on=KICKOFF, closes_on=None)
    people = [
        InvitationFactory(assessment=baseline, name="Ann Sponsor", role="sponsor"),
        InvitationFactory(assessment=baseline, name="Ben User", department="Ops"),
        InvitationFactory(assessment=baseline, name="Cat Leaver"),
    ]
    return project, baseline, people


class TestNextRound:
    def test_the_plan_proposes_pre_go_live_after_a_hand_made_baseline(
        self, workspace, consultant_client
    ) -> None:
        project, _, _ = _project_with_baseline(workspace)
        page = consultant_client.get(reverse("plans:plan", args=[project.pk]))
        rounds = {r.checkpoint.code: r for r in page.context["checkpoints"]}
        assert rounds["baseline"].passed and not rounds["baseline"].is_next
        assert rounds["pre_golive"].is_next
        assert "Create the next round" in page.content.decode()

    def test_creating_it_invites_the_same_people_minus_those_unticked(
        self, workspace, consultant_client
    ) -> None:
        project, baseline, (ann, ben, cat) = _project_with_baseline(workspace)
        url = reverse("plans:checkpoint_round_create", args=[project.pk])
        form = consultant_client.get(url + "?checkpoint=pre_golive")
        assert form.context["form"].initial["opens_on"] >= datetime.date(2026, 11, 17)
        assert "Ben User" in form.content.decode()
        response = consultant_client.post(
            url + "?checkpoint=pre_golive",
            {
                "name": "Pre go-live",
                "opens_on": "2026-11-17",
                "closes_on": "2026-12-01",
                "invitations": [ann.pk, ben.pk],
            },
        )
        created = Assessment.objects.exclude(pk=baseline.pk).get()
        assert response.url == reverse("readiness:assessment_detail", args=[created.pk])
        assert created.state == AssessmentState.DRAFT
        assert created.template_id == baseline.template_id
        invited = {(i.name, i.email, i.role, i.department) for i in created.invitations.all()}
        assert invited == {
            (ann.name, ann.email, "sponsor", ""),
            (ben.name, ben.email, "end_user", "Ops"),
        }
        # New personal links: the old ones stay with the old round.
        assert not set(created.invitations.values_list("token_hash", flat=True)) & set(
            baseline.invitations.values_list("token_hash", flat=True)
        )
        assert CheckpointRound.objects.get().code == "pre_golive"
        again = consultant_client.get(url + "?checkpoint=pre_golive")
        assert again.status_code == 404

    def test_dates_in_the_wrong_order_get_a_message(self, workspace, consultant_client) -> None:
        project, _, _ = _project_with_baseline(workspace)
        response = consultant_client.post(
            reverse("plans:checkpoint_round_create", args=[project.pk]),
            {"name": "Pre go-live", "opens_on": "2026-11-17", "closes_on": "2026-11-01"},
        )
        assert "The closing date must be on or after the opening date." in response.content.decode()
        assert Assessment.objects.count() == 1

    def test_only_those_who_run_assessments_create_rounds(self, workspace, client_for) -> None:
        project, _, _ = _project_with_baseline(workspace)
        url = reverse("plans:checkpoint_round_create", args=[project.pk])
        for role in (Role.CSM, Role.VIEWER):
            assert client_for(workspace, role).get(url).status_code == 403
        assert client_for(workspace, Role.ADMIN).get(url).status_code == 200
