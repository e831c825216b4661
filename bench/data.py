"""The benchmarks' data: live projects with submitted responses, made with bulk inserts.

Shared by bench_scoring.py and bench_survey.py (--during-sweep). Import it after
`django.setup()`.
"""

from __future__ import annotations

import datetime
import random
import secrets

from django.utils import timezone

from readiness import services as readiness_services
from readiness.models import (
    Account,
    Answer,
    Assessment,
    Invitation,
    Project,
    Response,
    ResponseStatus,
)
from workspaces.models import Workspace


def make_projects(
    workspace: Workspace,
    count: int,
    responses: int,
    rng: random.Random,
    *,
    opens_on: datetime.date = datetime.date(2026, 1, 5),
) -> tuple[list[int], int]:
    """Create `count` live projects, each with one assessment of `responses` submitted ones,
    with bulk inserts; return the projects' ids and the number of answers made."""
    template = readiness_services.default_template_ensure(workspace=workspace)
    items = list(template.items.exclude(kind="text"))
    account = Account.objects.create(workspace=workspace, name=f"Bench {secrets.token_hex(4)}")
    projects = Project.objects.bulk_create(
        Project(
            workspace=workspace,
            account=account,
            name=f"Project {number}",
            product_name="RouteWise",
            licensed_seats=100,
            status="live",
        )
        for number in range(count)
    )
    assessments = Assessment.objects.bulk_create(
        Assessment(
            workspace=workspace, project=project, template=template, name="Bench", opens_on=opens_on
        )
        for project in projects
    )
    invitations = Invitation.objects.bulk_create(
        (
            Invitation(
                workspace=workspace,
                assessment=assessment,
                name=f"Person {number}",
                email=f"p{number}@bench.example",
                role="end_user" if number % 4 else "manager",
                token_salt=secrets.token_hex(16),
                token_hash=secrets.token_hex(32),
            )
            for assessment in assessments
            for number in range(responses)
        ),
        batch_size=5000,
    )
    now = timezone.now()
    rows = Response.objects.bulk_create(
        (
            Response(
                workspace=workspace,
                invitation=invitation,
                assessment_id=invitation.assessment_id,
                status=ResponseStatus.SUBMITTED,
                submitted_at=now,
            )
            for invitation in invitations
        ),
        batch_size=5000,
    )
    answers = Answer.objects.bulk_create(
        (
            Answer(
                response=response,
                item=item,
                value=rng.randint(0, 10) if item.kind == "nps" else rng.randint(1, 5),
            )
            for response in rows
            for item in items
        ),
        batch_size=10000,
    )
    return [project.pk for project in projects], len(answers)
