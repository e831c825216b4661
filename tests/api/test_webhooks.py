"""Webhooks with a local receiver: signed deliveries, retries with backoff, pausing, SSRF."""

from __future__ import annotations

import datetime
import json
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from api import webhooks
from api.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from api.tasks import deliver_webhook
from plans import services as plan_services
from plans import tasks as plan_tasks
from readiness import services as readiness_services
from scoring.services import project_recalculate
from tests.api.receiver import Receiver, verify
from tests.factories import (
    ActionFactory,
    AssessmentFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
)
from tests.worked_example import add_worked_example
from workspaces.events import event_emit
from workspaces.models import Role

pytestmark = pytest.mark.django_db


def subscribe(workspace, url: str, events: list[str]) -> WebhookSubscription:
    return webhooks.webhook_subscription_create(
        workspace=workspace, created_by=None, url=url, events=events
    )


def emit_and_deliver(**event: object) -> None:
    """Emit an event and run everything queued after its commit (tasks run in-process)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        event_emit(**event)


class TestDelivery:
    def test_a_delivery_is_signed_over_the_timestamp_and_body(self, workspace, receiver):
        subscription = subscribe(workspace, receiver.url, ["assessment.closed"])
        emit_and_deliver(
            workspace_id=workspace.pk, type="assessment.closed", data={"assessment": 7}
        )
        [request] = receiver.requests
        header = request["headers"]["AdoptReady-Signature"]
        assert verify(subscription.secret, header, request["body"])
        assert not verify("whsec_other", header, request["body"])
        body = json.loads(request["body"])
        assert body["type"] == "assessment.closed"
        assert body["data"] == {"assessment": 7}
        delivery = WebhookDelivery.objects.get()
        assert delivery.status == DeliveryStatus.SUCCEEDED
        assert delivery.response_status == 200
        assert delivery.response_time_ms is not None

    def test_only_subscribed_events_of_the_workspace_are_sent(
        self, workspace, other_workspace, receiver
    ):
        subscribe(workspace, receiver.url, ["band.changed"])
        emit_and_deliver(workspace_id=workspace.pk, type="score.changed", data={})
        emit_and_deliver(workspace_id=other_workspace.pk, type="band.changed", data={})
        assert receiver.requests == []

    def test_a_recalculation_sends_band_changed(self, workspace, receiver):
        subscribe(workspace, receiver.url, ["band.changed", "flag.raised"])
        project = ProjectFactory(account__workspace=workspace, status="live")
        add_worked_example(AssessmentFactory(project=project))
        with TestCase.captureOnCommitCallbacks(execute=True):
            project_recalculate(project_id=project.pk)
        events = {json.loads(r["body"])["type"]: json.loads(r["body"]) for r in receiver.requests}
        assert events["band.changed"]["data"]["band"] == "at_risk"
        assert events["band.changed"]["data"]["previous_band"] is None
        assert events["band.changed"]["data"]["project"] == project.pk
        assert events["flag.raised"]["data"]["flag"] == "low_confidence"

    def test_closing_an_assessment_sends_assessment_closed(self, workspace, receiver):
        subscribe(workspace, receiver.url, ["assessment.closed"])
        assessment = AssessmentFactory(project__account__workspace=workspace, closes_on=None)
        readiness_services.assessment_open(assessment=assessment)
        with TestCase.captureOnCommitCallbacks(execute=True):
            readiness_services.assessment_close(assessment=assessment)
        [request] = receiver.requests
        assert json.loads(request["body"])["data"]["assessment"] == assessment.pk

    def test_a_rolled_back_change_sends_nothing(self, workspace, receiver):
        subscribe(workspace, receiver.url, ["score.changed"])
        with TestCase.captureOnCommitCallbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    event_emit(workspace_id=workspace.pk, type="score.changed", data={})
                    raise RuntimeError
            except RuntimeError:
                pass
        assert callbacks == [] and receiver.requests == []


class TestRetries:
    def test_failures_back_off_for_a_day_then_pause_and_tell_the_admins(self, workspace, receiver):
        admin = UserFactory(username="ada", email="ada@vendor.example")
        MembershipFactory(user=admin, workspace=workspace, role=Role.ADMIN)
        subscription = subscribe(workspace, receiver.url, ["score.changed"])
        receiver.statuses = [500] * 100
        with mock.patch("api.webhooks._enqueue"):
            emit_and_deliver(workspace_id=workspace.pk, type="score.changed", data={})
        delivery = WebhookDelivery.objects.get()
        waits = []
        with TestCase.captureOnCommitCallbacks(execute=True):
            while (wait := webhooks.webhook_delivery_attempt(delivery_id=delivery.pk)) is not None:
                waits.append(wait)
        assert waits[:4] == [60, 120, 240, 480]
        assert all(later >= earlier for earlier, later in zip(waits, waits[1:], strict=False))
        assert sum(waits) >= 24 * 3600
        assert len(receiver.requests) == len(waits) + 1
        delivery.refresh_from_db()
        subscription.refresh_from_db()
        assert delivery.status == DeliveryStatus.FAILED
        assert delivery.response_status == 500
        assert subscription.is_paused
        assert [message.to for message in mail.outbox] == [["ada@vendor.example"]]
        assert receiver.url in mail.outbox[0].body

    def test_a_failed_attempt_asks_celery_to_retry_with_a_countdown(self, workspace, receiver):
        subscribe(workspace, receiver.url, ["score.changed"])
        receiver.statuses = [503]
        with mock.patch("api.webhooks._enqueue"):
            emit_and_deliver(workspace_id=workspace.pk, type="score.changed", data={})
        delivery = WebhookDelivery.objects.get()
        with mock.patch.object(deliver_webhook, "retry", side_effect=Retry()) as retry:
            with pytest.raises(Retry):
                deliver_webhook.run(delivery.pk)
        retry.assert_called_once_with(countdown=60)
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.RETRYING
        assert delivery.next_attempt_at is not None

    def test_a_paused_subscription_gets_no_new_event(self, workspace, receiver):
        subscription = subscribe(workspace, receiver.url, ["score.changed"])
        webhooks.webhook_subscription_pause(subscription=subscription)
        emit_and_deliver(workspace_id=workspace.pk, type="score.changed", data={})
        assert receiver.requests == [] and not WebhookDelivery.objects.exists()

    def test_a_redelivery_sends_the_same_event_again(self, workspace, receiver):
        subscribe(workspace, receiver.url, ["score.changed"])
        emit_and_deliver(workspace_id=workspace.pk, type="score.changed", data={"x": 1})
        first = WebhookDelivery.objects.get()
        with TestCase.captureOnCommitCallbacks(execute=True):
            again = webhooks.webhook_delivery_redeliver(delivery=first)
        assert again.pk != first.pk and again.event_id == first.event_id
        bodies = [json.loads(r["body"]) for r in receiver.requests]
        assert bodies[0] == bodies[1]


class TestSafeTargets:
    @pytest.mark.parametrize(
        "url",
        [
            "http://127.0.0.1:8000/hook",
            "https://10.1.2.3/hook",
            "https://192.168.0.10/hook",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/hook",
            "https://[::ffff:10.0.0.1]/hook",
            "https://0.0.0.0/hook",
        ],
    )
    def test_private_loopback_and_link_local_targets_are_refused(self, workspace, url):
        with pytest.raises(ValidationError, match="private, loopback or link-local"):
            subscribe(workspace, url, ["score.changed"])

    def test_a_public_target_needs_https(self, workspace):
        with pytest.raises(ValidationError, match="https"):
            subscribe(workspace, "http://93.184.216.34/hook", ["score.changed"])
        assert subscribe(workspace, "https://93.184.216.34/hook", ["score.changed"]).pk

    def test_a_delivery_to_a_name_now_pointing_inside_is_refused_on_connect(self, workspace):
        with Receiver() as running:
            # Saved directly, as if its name had resolved to a public address when it was added.
            WebhookSubscription.objects.create(
                workspace=workspace, url=running.url, events=["score.changed"], secret="s"
            )
            emit_and_deliver(workspace_id=workspace.pk, type="score.changed", data={})
            assert running.requests == []
        delivery = WebhookDelivery.objects.get()
        assert "loopback" in delivery.error
        assert delivery.status == DeliveryStatus.RETRYING


class TestPages:
    def test_an_admin_adds_a_webhook_and_sees_its_secret(self, admin_client_ws, receiver):
        response = admin_client_ws.post(
            reverse("api_pages:webhook_list"),
            {"url": receiver.url, "events": ["band.changed", "score.changed"]},
            follow=True,
        )
        subscription = WebhookSubscription.objects.get()
        assert subscription.events == ["band.changed", "score.changed"]
        assert subscription.secret in response.content.decode()

    def test_a_private_url_is_refused_with_a_message(self, admin_client_ws):
        response = admin_client_ws.post(
            reverse("api_pages:webhook_list"),
            {"url": "https://10.0.0.1/hook", "events": ["band.changed"]},
        )
        assert response.status_code == 400
        assert "only go to public addresses" in response.content.decode()

    def test_redeliver_and_pause_from_the_page(self, admin_client_ws, workspace, receiver):
        subscription = subscribe(workspace, receiver.url, ["score.changed"])
        emit_and_deliver(workspace_id=workspace.pk, type="score.changed", data={})
        delivery = WebhookDelivery.objects.get()
        page = admin_client_ws.get(reverse("api_pages:webhook_detail", args=[subscription.pk]))
        assert "HTTP 200" in page.content.decode()
        with TestCase.captureOnCommitCallbacks(execute=True):
            admin_client_ws.post(reverse("api_pages:webhook_redeliver", args=[delivery.pk]))
        assert len(receiver.requests) == 2
        admin_client_ws.post(reverse("api_pages:webhook_pause", args=[subscription.pk]))
        subscription.refresh_from_db()
        assert subscription.is_paused

    @pytest.mark.parametrize("role", [Role.CONSULTANT, Role.CSM, Role.VIEWER])
    def test_only_admins_manage_webhooks(self, client_for, workspace, role):
        client = client_for(workspace, role)
        assert client.get(reverse("api_pages:webhook_list")).status_code == 403


class TestActionOverdue:
    def _overdue_action(self, workspace):
        owner = MembershipFactory(
            workspace=workspace,
            role=Role.CSM,
            user=UserFactory(first_name="Chloe", last_name="Success"),
        )
        return ActionFactory(
            project__account__workspace=workspace,
            owner=owner,
            title="Recognition programme",
            due_on=timezone.localdate() - datetime.timedelta(days=2),
        )

    def _announce(self, **kwargs: object) -> int:
        with TestCase.captureOnCommitCallbacks(execute=True):
            return plan_services.action_overdue_announce(**kwargs)

    def test_an_overdue_action_is_announced_once(self, workspace, receiver):
        subscription = subscribe(workspace, receiver.url, ["action.overdue"])
        action = self._overdue_action(workspace)
        ActionFactory(project=action.project, due_on=timezone.localdate())  # due today
        ActionFactory(project=action.project, due_on=action.due_on, status="done")
        assert self._announce() == 1
        assert self._announce() == 0
        [request] = receiver.requests
        assert verify(subscription.secret, request["headers"]["AdoptReady-Signature"],
                      request["body"])  # fmt: skip
        body = json.loads(request["body"])
        assert body["type"] == "action.overdue"
        data = body["data"]
        assert data["action"] == action.pk and data["project"] == action.project_id
        assert data["title"] == "Recognition programme"
        assert (data["owner"], data["owner_name"]) == (action.owner.user_id, "Chloe Success")
        assert data["due_on"] == action.due_on.isoformat() and data["days_overdue"] == 2
        assert data["url"].endswith(reverse("plans:action_detail", args=[action.pk]))

    def test_a_new_due_date_is_announced_again_once_it_passes(self, workspace, receiver):
        subscribe(workspace, receiver.url, ["action.overdue"])
        action = self._overdue_action(workspace)
        self._announce()
        # Reopening changes nothing; a new due date does, once it has passed.
        plan_services.action_status_change(action=action, user=None, status="in_progress")
        assert self._announce() == 0
        new_due = timezone.localdate() + datetime.timedelta(days=3)
        plan_services.action_update(action=action, user=None, due_on=new_due)
        assert self._announce() == 0
        assert self._announce(today=new_due + datetime.timedelta(days=1)) == 1
        dues = [json.loads(r["body"])["data"]["due_on"] for r in receiver.requests]
        assert dues == [action.due_on.isoformat(), new_due.isoformat()]

    def test_the_scheduled_task_announces_into_the_actions_workspace_only(
        self, workspace, other_workspace, receiver
    ):
        subscribe(other_workspace, receiver.url, ["action.overdue"])
        self._overdue_action(workspace)
        with TestCase.captureOnCommitCallbacks(execute=True):
            assert plan_tasks.announce_overdue_actions() == 1
        assert receiver.requests == []
