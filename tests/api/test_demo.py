"""The demo shows the API: a token printed once that works, and a webhook with its log."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from api.models import ApiToken, DeliveryStatus, WebhookDelivery, WebhookSubscription


@pytest.mark.django_db
def test_the_demo_has_a_token_and_a_webhook_with_deliveries(client) -> None:
    output = io.StringIO()
    call_command("seed_demo", stdout=output)
    [secret] = re.findall(r"^\s+(ar_\S+)$", output.getvalue(), flags=re.MULTILINE)
    token = ApiToken.objects.get(workspace__slug="demo")
    assert token.can_write and secret.startswith(token.prefix)

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    overdue = api.get("/api/v1/actions/?overdue=true").json()["results"]
    assert [(row["target"], row["overdue"]) for row in overdue] == [("reinforcement", True)]

    subscription = WebhookSubscription.objects.get(workspace__slug="demo")
    deliveries = {d.status: d for d in WebhookDelivery.objects.filter(subscription=subscription)}
    assert set(deliveries) == {DeliveryStatus.SUCCEEDED, DeliveryStatus.FAILED}
    failed = deliveries[DeliveryStatus.FAILED]
    assert failed.event_type == "action.overdue"
    assert failed.payload["data"]["action"] == overdue[0]["id"]
    assert (failed.response_status, failed.response_time_ms) == (503, 2310)
    assert deliveries[DeliveryStatus.SUCCEEDED].response_status == 200
    # Paused after the failure: no event of the demo tries to reach its made-up host.
    assert subscription.is_paused

    # A second run keeps them and prints no secret (only its hash is stored).
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert "ar_" not in again.getvalue().replace(token.prefix, "")
    assert ApiToken.objects.filter(workspace__slug="demo").count() == 1
    assert WebhookSubscription.objects.filter(workspace__slug="demo").count() == 1

    signed_in = client.post(reverse("login"), {"username": "admin", "password": "admin-demo"})
    assert signed_in.status_code == 302
    tokens_page = client.get(reverse("api_pages:api_token_list")).content.decode()
    assert token.prefix in tokens_page
    webhook_page = client.get(
        reverse("api_pages:webhook_detail", args=[subscription.pk])
    ).content.decode()
    assert "HTTP 503" in webhook_page and "2310 ms" in webhook_page
    assert "HTTP 200" in webhook_page
