"""The workshop's presenter view: figures only from the minimum group size, secondary
suppression between leadership and end users, a fixed query count per live update."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from readiness import services
from readiness.models import Answer, Invitation, Response, ResponseStatus
from tests.factories import AssessmentFactory, ProjectFactory, answers, submitted_response

LOW = {"AW": 2, "DE": 4, "KN": 4, "AB": 4, "RE": 4, "LS": 4}  # awareness is the barrier


@pytest.fixture
def workshop(workspace):
    project = ProjectFactory(account__workspace=workspace, product_name="Atlas")
    assessment = services.assessment_open(
        assessment=AssessmentFactory(project=project, opens_on=timezone.localdate(), closes_on=None)
    )
    return services.workshop_start(assessment=assessment)


def participant_submits(workshop, role: str = "end_user", nps: int = 9, concern: str = "") -> None:
    """Store one participant's submitted answers the way the survey does (services only)."""
    participant = services.workshop_join(workshop=workshop, role=role)
    items = workshop.assessment.template.items.all()
    answers = {item.code: str(LOW[item.code[:2]]) for item in items if item.code[:2] in LOW}
    answers["NPS"] = str(nps)
    if concern:
        answers["CON"] = concern
    services.response_save_draft(invitation=participant.invitation, answers=answers, step=9)
    services.response_submit(invitation=participant.invitation)


def live(client, workshop) -> str:
    response = client.get(reverse("reports:workshop_live", args=[workshop.pk]))
    assert response.status_code == 200
    return response.content.decode()


def shown_groups(html: str) -> set[str]:
    """Return the groups whose ADKAR bars are on the page."""
    return set(
        re.findall(r'data-group="(\w+)">\s*<h3[^>]*>[^<]*<span[^>]*>[^<]*</span></h3>\s*<ul', html)
    )


class TestSuppression:
    def test_nothing_is_shown_before_the_minimum_group_size(self, consultant_client, workshop):
        participant_submits(workshop, concern="Too little time")
        participant_submits(workshop, concern="Training")
        html = live(consultant_client, workshop)
        assert 'data-count="submitted">2<' in html
        assert shown_groups(html) == set()
        assert 'data-figure="nps"' not in html and 'data-figure="barriers"' not in html
        assert "Too little time" not in html

    def test_everyone_appears_at_the_minimum_with_barrier_nps_and_prompts(
        self, consultant_client, workshop
    ):
        for concern in ("Too little time", "Training", "Old habits"):
            participant_submits(workshop, concern=concern)
        html = live(consultant_client, workshop)
        assert shown_groups(html) == {"all", "end_users"}
        assert 'data-element="awareness">2.0' in html
        assert 'data-point="awareness">100.0 %' in html
        assert 'data-figure="nps">100.0' in html
        assert "Let's talk about Awareness" in html
        assert "What have you heard so far about why we are introducing Atlas?" in html
        # Concerns in an order that does not follow submission (alphabetical).
        assert re.findall(r"<li>(Old habits|Too little time|Training)</li>", html) == [
            "Old habits",
            "Too little time",
            "Training",
        ]

    def test_a_small_leadership_group_hides_the_end_users_too(self, consultant_client, workshop):
        for _ in range(3):
            participant_submits(workshop, role="end_user")
        participant_submits(workshop, role="sponsor", nps=0)
        html = live(consultant_client, workshop)
        # all (4) minus end users (3) would be the sponsor's own answers.
        assert shown_groups(html) == {"all"}
        assert 'data-hidden="secondary"' in html
        assert 'data-hidden="too_few"' in html
        for _ in range(2):
            participant_submits(workshop, role="manager", nps=0)
        assert shown_groups(live(consultant_client, workshop)) == {"all", "leadership", "end_users"}

    def test_only_this_workshops_answers_count(self, consultant_client, workshop):
        for _ in range(3):
            submitted_response(assessment=workshop.assessment, values=answers(aw=(5, 5, 5), nps=0))
        html = live(consultant_client, workshop)
        assert shown_groups(html) == set()
        assert 'data-count="joined">0<' in html

    def test_a_workspace_minimum_of_five_is_respected(self, consultant_client, workshop, workspace):
        from scoring import services as scoring_services

        scoring_services.scoring_model_revise(workspace=workspace, user=None, min_group_size=5)
        for _ in range(4):
            participant_submits(workshop)
        assert shown_groups(live(consultant_client, workshop)) == set()
        participant_submits(workshop)
        assert shown_groups(live(consultant_client, workshop)) == {"all", "end_users"}


def _add_participants(workshop, start: int, count: int) -> None:
    """Add `count` submitted participants quickly (the rows the services write)."""
    items = list(workshop.assessment.template.items.all())
    now = timezone.now()
    for index in range(start, start + count):
        invitation = Invitation.objects.create(
            workspace_id=workshop.workspace_id,
            assessment=workshop.assessment,
            workshop=workshop,
            role=("end_user", "manager", "sponsor")[index % 3],
            token_salt=f"{index:032d}",
            token_hash=f"{workshop.pk:08d}{index:056d}",
            sent_at=now,
            opened_at=now,
            submitted_at=now,
        )
        response = Response.objects.create(
            workspace_id=workshop.workspace_id,
            invitation=invitation,
            assessment=workshop.assessment,
            status=ResponseStatus.SUBMITTED,
            source="workshop",
            submitted_at=now,
        )
        Answer.objects.bulk_create(
            Answer(
                response=response,
                item=item,
                value=None if item.kind == "text" else (index % 5) + 1,
                text=f"Concern {index}" if item.kind == "text" else "",
            )
            for item in items
        )


def test_an_update_takes_the_same_queries_at_5_and_200_participants(consultant_client, workshop):
    _add_participants(workshop, 0, 5)
    live(consultant_client, workshop)
    with CaptureQueriesContext(connection) as small:
        html = live(consultant_client, workshop)
    # Three leaders and two end users: the end users are too few, the leaders hidden with them.
    assert shown_groups(html) == {"all"}
    _add_participants(workshop, 5, 195)
    with CaptureQueriesContext(connection) as large:
        html = live(consultant_client, workshop)
    assert 'data-count="submitted">200<' in html
    assert shown_groups(html) == {"all", "leadership", "end_users"}
    assert "Concern 199" in html
    assert len(large) == len(small), [q["sql"] for q in large.captured_queries]
    # Session, user and membership; then the workshop, its counts, the scoring model, the
    # answers and the prompts.
    assert len(small) == 8, [q["sql"] for q in small.captured_queries]


class TestPromptToPlan:
    def test_a_prompt_becomes_an_owned_action_of_the_plan_once(self, consultant_client, workshop):
        from plans.models import Action

        for _ in range(3):
            participant_submits(workshop)
        html = live(consultant_client, workshop)
        assert "Add to plan" in html
        url = reverse("reports:workshop_prompt_to_plan", args=[workshop.pk])
        page = consultant_client.post(url, {"target": "awareness", "prompt": "0"}, follow=True)
        action = Action.objects.get(project=workshop.assessment.project)
        assert (action.target, action.target_group) == ("awareness", "all")
        assert action.source_assessment_id == workshop.assessment_id
        assert action.owner.user == consultant_client.user
        assert "{product}" not in action.title
        assert f"“{action.title}” is in the change plan" in page.content.decode()
        again = consultant_client.post(url, {"target": "awareness", "prompt": "0"}, follow=True)
        assert "is already in the change plan" in again.content.decode()
        assert Action.objects.filter(project=workshop.assessment.project).count() == 1

    def test_an_unknown_prompt_adds_nothing_and_says_why(self, consultant_client, workshop):
        from plans.models import Action

        url = reverse("reports:workshop_prompt_to_plan", args=[workshop.pk])
        for data in ({"target": "awareness", "prompt": "99"}, {"target": "x", "prompt": "0"}):
            page = consultant_client.post(url, data, follow=True).content.decode()
            assert "That prompt is no longer shown" in page
        assert not Action.objects.exists()

    def test_a_viewer_sees_no_button_and_cannot_add(self, viewer_client, workshop):
        for _ in range(3):
            participant_submits(workshop)
        presenter = reverse("reports:workshop_presenter", args=[workshop.pk])
        assert viewer_client.get(presenter).status_code == 403
        url = reverse("reports:workshop_prompt_to_plan", args=[workshop.pk])
        assert viewer_client.post(url, {"target": "awareness", "prompt": "0"}).status_code == 403
