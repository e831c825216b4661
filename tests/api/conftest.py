"""Fixtures of the API tests: clients that call /api/v1/ with a token of a workspace."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import override_settings
from rest_framework.test import APIClient

from api import services
from tests.api.receiver import Receiver
from tests.factories import MembershipFactory, UserFactory
from workspaces.models import Role, Workspace


def _token_client(
    workspace: Workspace, scope: str = "read", role: str = Role.ADMIN, **kwargs: object
) -> APIClient:
    creator = UserFactory(username=f"{role}-creator-{workspace.slug}")
    MembershipFactory(user=creator, workspace=workspace, role=role)
    issued = services.api_token_create(
        workspace=workspace, created_by=creator, name=f"{scope} token", scope=scope, **kwargs
    )
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.secret}")
    client.token = issued.token
    client.secret = issued.secret
    return client


@pytest.fixture
def token_client(db: None):
    """Return a function that gives an API client with a new token of a workspace."""
    return _token_client


@pytest.fixture
def reader(workspace: Workspace) -> APIClient:
    return _token_client(workspace, "read")


@pytest.fixture
def writer(workspace: Workspace) -> APIClient:
    return _token_client(workspace, "write")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """Return a running webhook receiver on 127.0.0.1, with loopback targets allowed."""
    with override_settings(WEBHOOK_ALLOW_LOOPBACK=True), Receiver() as running:
        yield running
