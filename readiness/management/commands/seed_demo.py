"""Load a demo workspace that shows every feature; running it again changes nothing."""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from readiness import services
from readiness.models import (
    Account,
    Assessment,
    AssessmentState,
    Project,
    ProjectStatus,
    Role,
    SurveyTemplate,
    Workspace,
)
from scoring.models import UsageEvent
from scoring.services import usage_import_run_now
from scoring.usage_generator import UsageProfile, csv_bytes

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
    """Create whatever part of the demo data is missing; return whether anything was created."""
    created = False
    if not Workspace.objects.filter(slug=DEMO_WORKSPACE).exists():
        _seed_workspaces()
        created = True
    workspace = Workspace.objects.get(slug=DEMO_WORKSPACE)
    created |= _seed_evergreen(workspace=workspace)
    created |= _seed_usage(workspace=workspace)
    return created


def _seed_workspaces() -> None:
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


def _seed_evergreen(*, workspace: Workspace) -> bool:
    """Add the Evergreen Foods account and its project when missing (get-or-create)."""
    if Account.objects.filter(workspace=workspace, external_id="EVG-005").exists():
        return False
    account = services.account_create(
        workspace=workspace,
        name="Evergreen Foods",
        external_id="EVG-005",
        industry="Food & beverage",
        owner=get_user_model().objects.filter(username="csm").first(),
    )
    kickoff = timezone.localdate() - datetime.timedelta(days=150)
    services.project_create(
        workspace=workspace,
        account=account,
        name="Warehouse mobile app",
        product_name="StockPilot",
        status=ProjectStatus.LIVE,
        licensed_seats=80,
        kickoff_date=kickoff,
        golive_date=kickoff + datetime.timedelta(days=90),
        tracked_features=DEMO_FEATURES,
    )
    return True


# account external id, project, people who use it, days of history, features used, seed
DEMO_USAGE = (
    ("ACME-001", "Fleet planning rollout", 85, 150, DEMO_FEATURES, 101),
    ("BLUE-002", "Clinical scheduling", 30, 110, DEMO_FEATURES, 102),
    ("COB-003", "Shop-floor analytics", 56, 180, DEMO_FEATURES, 103),
    ("EVG-005", "Warehouse mobile app", 12, 120, ["reports"], 104),
)


def _seed_usage(*, workspace: Workspace) -> bool:
    """Import generated usage (through the normal import path) into projects that have none."""
    created = False
    end = timezone.localdate() - datetime.timedelta(days=1)
    for external_id, project_name, users, days, features, seed_number in DEMO_USAGE:
        project = Project.objects.filter(
            workspace=workspace, account__external_id=external_id, name=project_name
        ).first()
        if project is None or UsageEvent.objects.filter(project=project).exists():
            continue
        profile = UsageProfile(
            users=users,
            days=days,
            end=end,
            features=tuple(features),
            light_user_share=0.1,
            seed=seed_number,
            domain=f"{external_id.split('-')[0].lower()}.example",
        )
        usage_import_run_now(
            workspace=workspace,
            project=project,
            file_name=f"{external_id.lower()}-usage.csv",
            source=io.BytesIO(csv_bytes(profile)),
        )
        created = True
    return created


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
