"""Shared fixtures, and the rule that service-backed tests fail (not skip) in CI."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client

from readiness.models import Project
from tests.brokers import celery_broker, closed_port
from tests.factories import (
    AssessmentFactory,
    MembershipFactory,
    ProjectFactory,
    UserFactory,
    WorkspaceFactory,
)
from tests.worked_example import add_worked_example
from workspaces.models import Role, Workspace

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def _missing_service(item: pytest.Item) -> str | None:
    """Return why a service-marked test cannot run here, or None when it can."""
    if item.get_closest_marker("postgres"):
        if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
            return "needs PostgreSQL: set DATABASE_URL=postgres://…"
    if item.get_closest_marker("redis") and not os.environ.get("REDIS_URL"):
        return "needs Redis: set REDIS_URL=redis://…"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    reason = _missing_service(item)
    if reason is None:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but this test {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _fresh_cache() -> None:
    """Start every test with an empty cache (rate-limit counters live there)."""
    cache.clear()


@pytest.fixture
def workspace(db: None) -> Workspace:
    return WorkspaceFactory(name="Northwind", slug="northwind")


@pytest.fixture
def other_workspace(db: None) -> Workspace:
    return WorkspaceFactory(name="Globex", slug="globex")


def _client_for(workspace: Workspace, role: str) -> Client:
    user = UserFactory(username=f"{role}-{workspace.slug}")
    MembershipFactory(user=user, workspace=workspace, role=role)
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def client_for(db: None):
    """Return a function that gives a signed-in client with `role` in a workspace."""
    return _client_for


@pytest.fixture
def admin_client_ws(workspace: Workspace) -> Client:
    return _client_for(workspace, Role.ADMIN)


@pytest.fixture
def consultant_client(workspace: Workspace) -> Client:
    return _client_for(workspace, Role.CONSULTANT)


@pytest.fixture
def csm_client(workspace: Workspace) -> Client:
    return _client_for(workspace, Role.CSM)


@pytest.fixture
def viewer_client(workspace: Workspace) -> Client:
    return _client_for(workspace, Role.VIEWER)


@pytest.fixture
def worked_project(workspace) -> Project:
    """Return a live project whose one assessment holds the worked example's responses."""
    project = ProjectFactory(account__workspace=workspace, status="live")
    add_worked_example(AssessmentFactory(project=project))
    return project


@pytest.fixture
def broker_down() -> Iterator[None]:
    """Point Celery at a Redis broker on a closed port, as if the broker were down."""
    with celery_broker(f"redis://127.0.0.1:{closed_port()}/0"):
        yield


@pytest.fixture
def use_broker() -> Callable[[str], object]:
    return celery_broker
