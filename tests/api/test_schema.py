"""Schemathesis against the live schema: every operation, positive and negative data, no
server error, and every answer conforming to the schema (status, content type, body)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections
from django.test import override_settings
from hypothesis import HealthCheck, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import services
from tests.factories import (
    ActionFactory,
    AssessmentFactory,
    MembershipFactory,
    UserFactory,
    WorkspaceFactory,
    answers,
    submitted_response,
)
from workspaces.models import Role

EXAMPLES = 20


# Served by the application itself, as a client would fetch it (no database access).
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", WSGIHandler())
schema.config.generation.update(
    modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
    max_examples=EXAMPLES,
    deterministic=True,
)


@pytest.fixture
def test_connection_kept() -> Iterator[None]:
    """Keep the test's database connection open across the WSGI requests, as Django's test
    client does: the handler would close it at the end of each request (on PostgreSQL, the
    test's transaction with it)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        signals.request_started.connect(close_old_connections)
        signals.request_finished.connect(close_old_connections)


@pytest.fixture
def write_token(db: None) -> str:
    """Return a write token of a workspace with objects whose ids are small numbers."""
    workspace = WorkspaceFactory(name="Fuzz", slug="fuzz")
    creator = UserFactory(username="fuzz-admin")
    MembershipFactory(user=creator, workspace=workspace, role=Role.ADMIN)
    assessment = AssessmentFactory(project__account__workspace=workspace)
    submitted_response(assessment=assessment, values=answers(aw=(4, 4, 4), nps=9))
    ActionFactory(project=assessment.project, source_assessment=assessment)
    return services.api_token_create(
        workspace=workspace, created_by=creator, name="fuzz", scope="write"
    ).secret


@schema.parametrize()
@settings(suppress_health_check=list(HealthCheck), deadline=None)
@pytest.mark.django_db
@override_settings(API_THROTTLE_RATE="100000/minute")
def test_every_operation_answers_as_its_schema_says(
    case, write_token: str, test_connection_kept: None
) -> None:
    case.call_and_validate(
        headers={"Authorization": f"Bearer {write_token}"},
        checks=[status_code_conformance, content_type_conformance, response_schema_conformance],
    )
