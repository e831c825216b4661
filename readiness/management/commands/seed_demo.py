"""Load a demo workspace that shows every feature; running it again changes nothing."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from readiness import services
from readiness.models import (
    Assessment,
    AssessmentState,
    Project,
    ProjectStatus,
    Role,
    SurveyTemplate,
    Workspace,
)
from scoring.services import project_history_backfill

DEMO_WORKSPACE = "demo"
OTHER_WORKSPACE = "globex-partners"


@dataclass(frozen=True)
class DemoUser:
    username: str
    first_name: str
    last_name: str
    role: str

    @property
    def password(self) -> str:
        # Demo-only credentials for a local sandbox, printed on purpose; never used in production.
        return f"{self.username}-demo"


DEMO_USERS = (
    DemoUser("admin", "Ada", "Admin", Role.ADMIN),
    DemoUser("consultant", "Carlos", "Consultant", Role.CONSULTANT),
    DemoUser("csm", "Chloe", "Success", Role.CSM),
    DemoUser("viewer", "Victor", "Viewer", Role.VIEWER),
)

# name, external id, industry, [(project, product, status, seats, kick-off offset, features)]
DEMO_ACCOUNTS = (
    (
        "Acme Logistics",
        "ACME-001",
        "Logistics",
        [("Fleet planning rollout", "RouteWise", ProjectStatus.LIVE, 100, -120)],
    ),
    (
        "Bluebird Health",
        "BLUE-002",
        "Healthcare",
        [("Clinical scheduling", "CarePlan", ProjectStatus.IMPLEMENTING, 250, -45)],
    ),
    (
        "Cobalt Manufacturing",
        "COB-003",
        "Manufacturing",
        [("Shop-floor analytics", "InsightHub", ProjectStatus.LIVE, 60, -200)],
    ),
    (
        "Delta Retail Group",
        "DELTA-004",
        "Retail",
        [
            ("Store operations pilot", "RouteWise", ProjectStatus.PLANNING, 40, 10),
            ("Finance close (2025)", "LedgerOne", ProjectStatus.CLOSED, 30, -400),
        ],
    ),
)

DEMO_FEATURES = ["reports", "dashboards", "alerts", "exports"]

DEMO_PEOPLE = (
    ("Grace Hopper", "sponsor", "Executive board"),
    ("Alan Turing", "manager", "Operations"),
    ("Katherine Johnson", "manager", "Planning"),
    ("Margaret Hamilton", "manager", "IT"),
    ("Edsger Dijkstra", "end_user", "Operations"),
    ("Barbara Liskov", "end_user", "Operations"),
    ("Donald Knuth", "end_user", "Planning"),
    ("Frances Allen", "end_user", "Planning"),
    ("John Backus", "end_user", "Warehouse"),
    ("Radia Perlman", "end_user", "Warehouse"),
    ("Ken Thompson", "end_user", "IT"),
    ("Shafi Goldwasser", "end_user", "Customer service"),
)


class Command(BaseCommand):
    help = "Create the demo workspace, users, accounts, projects and assessments (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            created = seed()
        self.stdout.write(
            self.style.SUCCESS("Demo data created.") if created else "Demo data already present."
        )
        self.stdout.write("Demo logins (username / password):")
        for user in DEMO_USERS:
            self.stdout.write(f"  {user.username:<11} / {user.password:<16} role: {user.role}")


def seed() -> bool:
    """Create the demo data unless it exists; return whether anything was created."""
    if Workspace.objects.filter(slug=DEMO_WORKSPACE).exists():
        return False
    today = timezone.localdate()
    workspace = services.workspace_create(name="Northwind Consulting", slug=DEMO_WORKSPACE)
    other = services.workspace_create(name="Globex Partners", slug=OTHER_WORKSPACE)
    users = {}
    for demo in DEMO_USERS:
        user = get_user_model().objects.filter(username=demo.username).first()
        if user is None:
            user = get_user_model().objects.create_user(
                username=demo.username,
                email=f"{demo.username}@northwind.example",
                password=demo.password,
                first_name=demo.first_name,
                last_name=demo.last_name,
                is_staff=demo.role == Role.ADMIN,
                is_superuser=demo.role == Role.ADMIN,
            )
        users[demo.username] = user
        services.membership_set(workspace=workspace, user=user, role=demo.role)
    # The admin also works for a second vendor, to show switching and isolation.
    services.membership_set(workspace=other, user=users["admin"], role=Role.ADMIN)
    services.account_create(
        workspace=other, name="Initech", external_id="INI-1", industry="Software", owner=None
    )

    template = services.default_template_ensure(workspace=workspace)
    for name, external_id, industry, projects in DEMO_ACCOUNTS:
        account = services.account_create(
            workspace=workspace,
            name=name,
            external_id=external_id,
            industry=industry,
            owner=users["csm"],
        )
        for project_name, product, status, seats, kickoff_offset in projects:
            kickoff = today + datetime.timedelta(days=kickoff_offset)
            project = services.project_create(
                workspace=workspace,
                account=account,
                name=project_name,
                product_name=product,
                status=status,
                licensed_seats=seats,
                kickoff_date=kickoff,
                golive_date=kickoff + datetime.timedelta(days=90),
                tracked_features=DEMO_FEATURES,
            )
            _seed_assessments(project=project, template=template, today=today)
    _seed_scores(workspace=workspace)
    return True


def _seed_scores(*, workspace: Workspace) -> None:
    """Record each demo project's score history: one snapshot per scored assessment, then now.

    Runs last, once the demo's responses (and usage) exist; unchanged inputs store nothing.
    """
    for project_id in Project.objects.for_workspace(workspace).values_list("pk", flat=True):
        project_history_backfill(project_id=project_id)


def _seed_assessments(*, project: Project, template: SurveyTemplate, today: datetime.date) -> None:
    """Give a project the assessments its stage would have, each with invitations."""
    if project.status == ProjectStatus.PLANNING:
        rounds = [("Kick-off baseline", AssessmentState.DRAFT, 0)]
    elif project.status == ProjectStatus.IMPLEMENTING:
        rounds = [("Kick-off baseline", AssessmentState.OPEN, 0)]
    else:
        rounds = [
            ("Kick-off baseline", AssessmentState.CLOSED, 0),
            ("Pre go-live", AssessmentState.OPEN if project.status == "live" else "closed", 60),
        ]
    for name, state, offset in rounds:
        opens_on = project.kickoff_date + datetime.timedelta(days=offset)
        closes_on = opens_on + datetime.timedelta(days=21)
        if state == AssessmentState.OPEN:
            closes_on = max(closes_on, today + datetime.timedelta(days=14))
        assessment = services.assessment_create(
            project=project, template=template, name=name, opens_on=opens_on, closes_on=closes_on
        )
        Assessment.objects.filter(pk=assessment.pk).update(state=state)
        domain = project.account.name.split()[0].lower() + ".example"
        for person, role, department in DEMO_PEOPLE:
            services.invitation_create(
                assessment=assessment,
                name=person,
                email=f"{person.split()[0].lower()}@{domain}",
                role=role,
                department=department,
            )
