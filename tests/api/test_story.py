"""The story of docs/api.md end to end: a read token lists projects at risk and reads each
score's explanation; a write token creates an assessment with invitations and uploads a
Mixpanel export; a webhook receiver gets a signed band.changed."""

from __future__ import annotations

import json

import pytest
from django.test import TestCase

from api import webhooks
from readiness.models import Invitation
from scoring.services import project_recalculate
from tests.api.receiver import verify
from tests.factories import AssessmentFactory, ProjectFactory
from tests.usage.test_connectors import SAMPLES
from tests.worked_example import add_worked_example
from usage.models import UsageEvent

pytestmark = pytest.mark.django_db


def test_the_quick_start(token_client, workspace, receiver) -> None:
    subscription = webhooks.webhook_subscription_create(
        workspace=workspace, created_by=None, url=receiver.url, events=["band.changed"]
    )
    at_risk = ProjectFactory(account__workspace=workspace, status="live", name="Fleet rollout")
    add_worked_example(AssessmentFactory(project=at_risk))
    with TestCase.captureOnCommitCallbacks(execute=True):
        project_recalculate(project_id=at_risk.pk)

    # A webhook receiver got a signed band.changed.
    [delivery] = receiver.requests
    assert verify(
        subscription.secret, delivery["headers"]["AdoptReady-Signature"], delivery["body"]
    )
    assert json.loads(delivery["body"])["data"]["band"] == "at_risk"

    # A script with a read token lists the projects at risk and reads each explained score.
    reader = token_client(workspace, "read")
    url = "/api/v1/portfolio/?band=at_risk&sort=score"
    explained = []
    while url:
        page = reader.get(url).json()
        for project in page["results"]:
            snapshot = reader.get(f"/api/v1/projects/{project['id']}/score/").json()["snapshot"]
            components = {c["name"]: c["points"] for c in snapshot["breakdown"]["components"]}
            explained.append((project["name"], snapshot["band"], sorted(components)))
        url = page["next"]
    assert explained == [
        ("Fleet rollout", "at_risk", ["adkar", "leadership", "sentiment", "usage"])
    ]

    # A write token creates an assessment with invitations and uploads a Mixpanel export.
    writer = token_client(workspace, "write", "consultant")
    assessment = writer.post(
        "/api/v1/assessments/",
        {"project": at_risk.pk, "name": "Pre go-live", "opens_on": "2026-10-01"},
        format="json",
    ).json()
    invited = writer.post(
        f"/api/v1/assessments/{assessment['id']}/invitations/",
        {
            "invitations": [
                {"name": "Dana Lead", "email": "dana@acme.example", "role": "sponsor"},
                {"name": "Eli Ops", "email": "eli@acme.example", "role": "end_user"},
            ]
        },
        format="json",
    )
    assert invited.status_code == 201
    assert Invitation.objects.filter(assessment_id=assessment["id"]).count() == 2
    with TestCase.captureOnCommitCallbacks(execute=True):
        accepted = writer.post(
            f"/api/v1/projects/{at_risk.pk}/usage-imports/?file_name=mixpanel-export.jsonl",
            data=(SAMPLES / "mixpanel_export.jsonl").read_bytes(),
            content_type="application/octet-stream",
        )
    assert accepted.status_code == 202
    assert writer.get(accepted["Location"]).json()["state"] == "done"
    assert UsageEvent.objects.filter(project=at_risk).count() == 4
