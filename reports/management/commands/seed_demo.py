"""Load a demo workspace that shows every feature; running it again changes nothing."""

from __future__ import annotations

import datetime
import io
import random
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from plans import services as plan_services
from plans.models import Action, ActionLibraryEntry, CheckpointRound
from readiness import services
from readiness.models import (
    LEADERSHIP_ROLES,
    Assessment,
    AssessmentState,
    Invitation,
    ItemKind,
    Project,
    ProjectStatus,
    SurveyTemplate,
)
from reports.hooks import demo_seed
from reports.services import share_link_create
from scoring.services import project_history_backfill
from usage.generator import UsageProfile, csv_bytes
from usage.models import UsageEvent
from usage.services import usage_import_run_now
from workspaces import services as workspace_services
from workspaces.models import Membership, Role, Workspace

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
    (
        "Evergreen Foods",
        "EVG-005",
        "Food & beverage",
        [("Warehouse mobile app", "StockPilot", ProjectStatus.LIVE, 80, -150)],
    ),
)

DEMO_FEATURES = ["reports", "dashboards", "alerts", "exports"]

# name, role, department, location (an attribute column of the invitation list). IT has two
# people only: its figures are hidden on the heatmap, with the department that would reveal it.
DEMO_PEOPLE = (
    ("Grace Hopper", "sponsor", "Operations", "Lyon"),
    ("Alan Turing", "manager", "Operations", "Lyon"),
    ("Katherine Johnson", "manager", "Planning", "Hamburg"),
    ("Margaret Hamilton", "manager", "IT", "Lyon"),
    ("Edsger Dijkstra", "end_user", "Operations", "Lyon"),
    ("John Backus", "end_user", "Warehouse", "Hamburg"),
    ("Donald Knuth", "end_user", "Planning", "Hamburg"),
    ("Radia Perlman", "end_user", "Warehouse", "Hamburg"),
    ("Ken Thompson", "end_user", "IT", "Lyon"),
    ("Barbara Liskov", "end_user", "Operations", "Lyon"),
    ("Frances Allen", "end_user", "Planning", "Hamburg"),
    ("Dennis Ritchie", "end_user", "Warehouse", "Hamburg"),
    ("Hedy Lamarr", "end_user", "Warehouse", "Lyon"),
    ("Shafi Goldwasser", "end_user", "Warehouse", "Hamburg"),
    ("Leslie Lamport", "end_user", "Planning", "Lyon"),
    ("Tim Berners-Lee", "end_user", "Operations", "Hamburg"),
    ("Niklaus Wirth", "end_user", "Planning", "Hamburg"),
)


# The customer's end users answer in their site's language (Hamburg in German, Lyon in French);
# its leaders, like the workspace, in English.
LOCATION_LANGUAGES = {"Hamburg": "de", "Lyon": "fr"}
# A template of the admin's own next to the built-in one, with its wording in three languages.
PULSE_TEMPLATE = "Go-live pulse"
PULSE_CODES = ("AW1", "KN1", "KN2", "AB2", "LS2", "NPS", "CON")


class Command(BaseCommand):
    help = "Create the demo workspace, users, accounts, projects and assessments (idempotent)."

    def handle(self, *args: object, **options: object) -> None:
        with transaction.atomic():
            created = seed()
            # The API's part (a token, a webhook with its log), added by the api app's hook.
            api_lines = demo_seed(Workspace.objects.get(slug=DEMO_WORKSPACE))
        self.stdout.write(
            self.style.SUCCESS("Demo data created.") if created else "Demo data already present."
        )
        self.stdout.write("Demo logins (username / password):")
        for user in DEMO_USERS:
            self.stdout.write(f"  {user.username:<11} / {user.password:<16} role: {user.role}")
        for line in api_lines:
            self.stdout.write(line)


def seed() -> bool:
    """Create whatever part of the demo data is missing; return whether anything was created."""
    created = False
    if not Workspace.objects.filter(slug=DEMO_WORKSPACE).exists():
        _seed_workspaces()
        created = True
    workspace = Workspace.objects.get(slug=DEMO_WORKSPACE)
    created |= _seed_usage(workspace=workspace)
    # Before the scores: the actions done before Acme's second round get their effect measured
    # when that round's snapshot is stored.
    created |= _seed_plan(workspace=workspace)
    # Last, once responses and usage exist: the score history (unchanged inputs store nothing).
    _seed_scores(workspace=workspace)
    # The overdue action is announced (action.overdue) now, as the hourly sweep would have.
    plan_services.action_overdue_announce(workspace=workspace)
    return created


def _seed_workspaces() -> None:
    """Create the demo workspaces, users, accounts, projects, assessments and responses."""
    today = timezone.localdate()
    workspace = workspace_services.workspace_create(
        name="Northwind Consulting", slug=DEMO_WORKSPACE
    )
    other = workspace_services.workspace_create(name="Globex Partners", slug=OTHER_WORKSPACE)
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
        workspace_services.membership_set(workspace=workspace, user=user, role=demo.role)
    # The admin also works for a second vendor, to show switching and isolation.
    workspace_services.membership_set(workspace=other, user=users["admin"], role=Role.ADMIN)
    # Someone invited who has not accepted yet: members join only by accepting (e-mail dropped).
    workspace_services.member_invitation_create(
        workspace=workspace,
        email="new.analyst@northwind.example",
        role=Role.VIEWER,
        invited_by=users["admin"],
        connection=get_connection("django.core.mail.backends.dummy.EmailBackend"),
    )
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
    _seed_pulse_template(workspace=workspace, template=template)
    _seed_withdrawn_invitation(workspace=workspace)


def _seed_pulse_template(*, workspace: Workspace, template: SurveyTemplate) -> None:
    """Build a short custom template from some default items (its preview shows it)."""
    pulse = services.template_create(
        workspace=workspace,
        name=PULSE_TEMPLATE,
        description="A five-minute check two weeks before go-live.",
    )
    items = [services.item_input(item) for item in template.items.all() if item.code in PULSE_CODES]
    # The admin's own wording for the Spanish-speaking subsidiary is left to English.
    items = [
        services.ItemInput(
            code=item.code,
            kind=item.kind,
            dimension=item.dimension,
            wording=item.wording,
            translations={k: v for k, v in item.translations.items() if k != "es"},
            allow_dont_know=item.allow_dont_know,
        )
        for item in items
    ]
    services.template_save_items(template=pulse, items=items)


def _seed_withdrawn_invitation(*, workspace: Workspace) -> None:
    """Withdraw one unanswered invitation of the first open assessment (a leaver)."""
    assessment = (
        Assessment.objects.for_workspace(workspace)
        .filter(state=AssessmentState.OPEN)
        .order_by("pk")
        .first()
    )
    if assessment is None:
        return
    leaver = (
        assessment.invitations.filter(submitted_at__isnull=True, withdrawn_at__isnull=True)
        .order_by("-pk")
        .first()
    )
    if leaver is not None:
        services.invitation_withdraw(invitation=leaver)


def _seed_scores(*, workspace: Workspace) -> None:
    """Record each demo project's score history: one snapshot per scored assessment, then now.

    Runs last, once the demo's responses (and usage) exist; unchanged inputs store nothing.
    """
    for project_id in Project.objects.for_workspace(workspace).values_list("pk", flat=True):
        project_history_backfill(project_id=project_id)


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
    if created:
        _seed_failed_usage_import(workspace=workspace)
    return created


# A later export with mistakes a telemetry dump really has: what a refused file looks like.
DEMO_BAD_USAGE = (
    "date,user,feature,count\n"
    "{day},dispatch01@acme.example,reports,3\n"
    '{day},dispatch02@acme.example,=HYPERLINK("x"),1\n'
    "31/10/2026,dispatch03@acme.example,alerts,2\n"
    "{day},,dashboards,0\n"
)


def _seed_plan(*, workspace: Workspace) -> bool:
    """Give Acme's project a change plan: two actions done between its rounds, an overdue one,
    its rounds taken from the proposed checkpoints, and an active share link."""
    project = Project.objects.filter(
        workspace=workspace, account__external_id="ACME-001", name="Fleet planning rollout"
    ).first()
    if project is None or Action.objects.filter(project=project).exists():
        return False
    rounds = {a.name: a for a in Assessment.objects.filter(project=project)}
    baseline, pre_golive = rounds["Kick-off baseline"], rounds["Pre go-live"]
    for code, assessment in (("baseline", baseline), ("pre_golive", pre_golive)):
        CheckpointRound.objects.create(
            workspace=workspace, project=project, code=code, assessment=assessment
        )
    csm = Membership.objects.get(workspace=workspace, user__username="csm")
    consultant = Membership.objects.get(workspace=workspace, user__username="consultant")
    entries = ActionLibraryEntry.objects.filter(workspace=workspace, kind="action")

    def day(assessment: Assessment, days: int) -> datetime.datetime:
        moment = datetime.datetime.combine(assessment.opens_on, datetime.time(10))
        return timezone.make_aware(moment) + datetime.timedelta(days=days)

    # Improved: role-based training for the end users (their Knowledge barrier).
    training = entries.filter(target="knowledge").order_by("position").first()
    done = plan_services.action_create(
        project=project,
        user=csm.user,
        now=day(baseline, 25),
        title=training.title,
        description=training.guidance,
        target="knowledge",
        target_group="end_users",
        owner=csm,
        customer_owner_name="Dana Ruiz",
        customer_owner_email="dana.ruiz@acme.example",
        due_on=pre_golive.opens_on - datetime.timedelta(days=5),
        source_assessment=baseline,
        library_entry=training,
        from_recommendation=True,
    )
    plan_services.action_status_change(
        action=done, user=csm.user, status="in_progress", note="Sessions booked for every "
        "depot.", now=day(baseline, 28),
    )  # fmt: skip
    plan_services.action_status_change(
        action=done, user=csm.user, status="done", note="All dispatchers trained; job aids on "
        "the intranet.", now=day(pre_golive, -3),
    )  # fmt: skip
    # Unchanged: a push on usage that did not move the usage index yet.
    routing = entries.filter(target="say_do_gap").order_by("position").last()
    pushed = plan_services.action_create(
        project=project,
        user=consultant.user,
        now=day(baseline, 30),
        title=routing.title,
        description=routing.guidance,
        target="say_do_gap",
        target_group="end_users",
        owner=consultant,
        due_on=pre_golive.opens_on - datetime.timedelta(days=2),
        source_assessment=baseline,
        library_entry=routing,
    )
    plan_services.action_status_change(
        action=pushed, user=consultant.user, status="done", note="Route planning runs only in "
        "RouteWise since last week.", now=day(pre_golive, -2),
    )  # fmt: skip
    # Overdue: the sponsor's recognition programme is late.
    recognition = entries.filter(target="reinforcement").order_by("position").first()
    plan_services.action_create(
        project=project,
        user=csm.user,
        now=day(pre_golive, 5),
        title=recognition.title,
        description=recognition.guidance,
        target="reinforcement",
        target_group="all",
        owner=csm,
        customer_owner_name="Grace Hopper",
        due_on=timezone.localdate() - datetime.timedelta(days=6),
        source_assessment=pre_golive,
        library_entry=recognition,
    )
    share_link_create(
        project=project, user=csm.user, label="Grace Hopper, executive sponsor (Acme)"
    )
    return True


def _seed_failed_usage_import(*, workspace: Workspace) -> None:
    """Show a refused file (all or nothing, with line, column and reason) on Acme's project."""
    project = Project.objects.filter(
        workspace=workspace, account__external_id="ACME-001", name="Fleet planning rollout"
    ).first()
    if project is None:
        return
    day = (timezone.localdate() - datetime.timedelta(days=1)).isoformat()
    usage_import_run_now(
        workspace=workspace,
        project=project,
        file_name="acme-usage-export-fixed-columns.csv",
        source=io.BytesIO(DEMO_BAD_USAGE.format(day=day).encode()),
    )


def _seed_assessments(*, project: Project, template: SurveyTemplate, today: datetime.date) -> None:
    """Give a project the assessments its stage would have, with invitations and answers."""
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
        domain = project.account.name.split()[0].lower() + ".example"
        invitations = [
            services.invitation_create(
                assessment=assessment,
                name=person,
                email=f"{person.split()[0].lower()}@{domain}",
                role=role,
                department=department,
                language=LOCATION_LANGUAGES.get(location, "") if role == "end_user" else "",
                attributes={"location": location},
            )
            for person, role, department, location in DEMO_PEOPLE
        ]
        if state != AssessmentState.DRAFT:
            _seed_answers(assessment=assessment, invitations=invitations, state=state, today=today)


# Answer ranges per demo profile: (leadership, end users), each {dimension or "nps": choices}.
# Generated with a fixed seed per assessment, so every run gives the same answers.
LIKERT_LOW, LIKERT_MID, LIKERT_HIGH = (2, 3, 3, 4), (3, 3, 4, 4), (4, 4, 5, 5, 5)
PROFILES: dict[tuple[str, str], tuple[dict, dict]] = {
    # READY, and stronger at the second round than at the kick-off: the baseline found a
    # Knowledge barrier among end users, and the change plan's training worked.
    ("Fleet planning rollout", "Kick-off baseline"): (
        {"*": (3, 4, 4, 4), "nps": (7, 8, 9)},
        {"*": (4, 4, 5), "knowledge": (1, 2, 2, 3), "nps": (6, 7, 8, 9)},
    ),
    ("Fleet planning rollout", "Pre go-live"): (
        {"*": (4, 5, 5), "nps": (9, 10, 10)},
        {"*": (4, 4, 5, 5), "nps": (8, 9, 9, 10, 10)},
    ),
    # LEADERSHIP GAP: leaders ready, end users lack knowledge and ability.
    ("Clinical scheduling", "Kick-off baseline"): (
        {"*": LIKERT_HIGH, "nps": (8, 9, 10)},
        {
            "*": (2, 3, 3),
            "awareness": (4, 4, 5),
            "desire": (3, 4, 4),
            "knowledge": (1, 2, 2, 3),
            "ability": (1, 2, 2, 3),
            "nps": (3, 5, 6, 7, 8),
        },
    ),
    # FORCED ADOPTION: middling readiness, end users would not recommend the product.
    ("Shop-floor analytics", "Kick-off baseline"): (
        {"*": LIKERT_MID, "nps": (6, 7, 8)},
        {"*": LIKERT_LOW, "nps": (2, 4, 5, 6)},
    ),
    # ...and by the second round NOT READY: people use it daily, but no one backs it.
    ("Shop-floor analytics", "Pre go-live"): (
        {"*": (2, 2, 3, 3), "nps": (5, 6, 7, 8)},
        {"*": (1, 2, 2, 3), "nps": (0, 2, 3, 4, 5, 6, 6, 7)},
    ),
    # SAY-DO GAP: end users say they know and can, yet usage stays low.
    ("Warehouse mobile app", "Kick-off baseline"): (
        {"*": LIKERT_MID, "nps": (6, 7, 8)},
        {"*": LIKERT_MID, "knowledge": (3, 4, 4), "ability": (3, 4, 4), "nps": (6, 7, 8)},
    ),
    ("Warehouse mobile app", "Pre go-live"): (
        {"*": (3, 4, 4, 5), "nps": (7, 8, 9)},
        {"*": (3, 4, 4, 5), "knowledge": (4, 5, 5), "ability": (4, 5, 5), "nps": (6, 7, 8, 9)},
    ),
}
DEFAULT_PROFILE = ({"*": LIKERT_MID, "nps": (5, 6, 7, 8)}, {"*": LIKERT_MID, "nps": (5, 6, 7, 8)})

CONCERNS = (
    "We are short of people during the switch-over weeks.",
    "The training dates clash with our busiest season.",
    "I am not sure who to ask when something goes wrong.",
    "The old spreadsheets will keep being used in parallel.",
    "Will the mobile screens work in the warehouse with gloves on?",
    "Management has not said what happens to the current process.",
    "It feels like one more tool on top of everything else.",
)


def _answers(template: SurveyTemplate, ranges: dict, rng: random.Random) -> dict[str, str]:
    answers = {}
    for item in template.items.all():
        if item.kind == ItemKind.TEXT:
            if rng.random() < 0.4:
                answers[item.code] = rng.choice(CONCERNS)
        elif item.kind == ItemKind.NPS:
            answers[item.code] = str(rng.choice(ranges["nps"]))
        elif rng.random() < 0.04:
            answers[item.code] = "dont_know"
        else:
            answers[item.code] = str(rng.choice(ranges.get(item.dimension, ranges["*"])))
    return answers


def _seed_answers(
    *,
    assessment: Assessment,
    invitations: list[Invitation],
    state: str,
    today: datetime.date,
) -> None:
    """Open, send, answer (and close) an assessment the way its respondents would have."""
    project = assessment.project
    rng = random.Random(f"{project.name}/{assessment.name}")
    leaders_profile, users_profile = PROFILES.get((project.name, assessment.name), DEFAULT_PROFILE)
    day = datetime.datetime.combine(assessment.opens_on, datetime.time(9), tzinfo=datetime.UTC)
    real_now = timezone.now()

    def at(days: float) -> datetime.datetime:
        return min(day + datetime.timedelta(days=days), real_now)

    services.assessment_open(assessment=assessment, now=at(0))
    # The demo goes through the real sending path but its e-mails are dropped, not printed.
    mail = get_connection("django.core.mail.backends.dummy.EmailBackend")
    services.invitations_send(assessment_id=assessment.pk, now=at(0), connection=mail)

    leaders = [inv for inv in invitations if inv.role in LEADERSHIP_ROLES]
    users = [inv for inv in invitations if inv.role not in LEADERSHIP_ROLES]
    low_turnout = project.status == ProjectStatus.CLOSED
    if low_turnout:  # LOW CONFIDENCE: only a handful answered
        submitters = (
            leaders[:2] + users[:2]
            if assessment.name == "Kick-off baseline"
            else (leaders[:1] + users[:2])
        )
        drafts: list[Invitation] = []
    elif state == AssessmentState.OPEN:
        # Figures show by multiples of the minimum group size: 12 of these 13 are shown.
        submitters, drafts = leaders + users[:9], users[9:11]
    else:
        submitters, drafts = leaders + users[:11], []
    sections = len({item.dimension for item in assessment.template.items.all()}) - 1
    for number, invitation in enumerate(submitters):
        profile = leaders_profile if invitation.role in LEADERSHIP_ROLES else users_profile
        answers = _answers(assessment.template, profile, rng)
        when = at(1 + number * 0.8)
        services.response_save_draft(
            invitation=invitation, answers=answers, step=sections, now=when
        )
        services.response_submit(invitation=invitation, now=when)
        if number == len(submitters) // 2:
            services.reminders_send(assessment_id=assessment.pk, now=at(5), connection=mail)
    if (project.name, assessment.name) in DEMO_WORKSHOPS:
        _seed_workshop(assessment=assessment, at=at, rng=rng, sections=sections)
    for invitation in drafts:
        answers = _answers(assessment.template, users_profile, rng)
        first_steps = {code: value for code, value in answers.items() if code[:2] in {"AW", "DE"}}
        services.response_save_draft(invitation=invitation, answers=first_steps, step=2, now=at(6))
    if state == AssessmentState.CLOSED:
        services.assessment_close(
            assessment=assessment,
            now=datetime.datetime.combine(
                assessment.closes_on, datetime.time(18), tzinfo=datetime.UTC
            ),
        )


# A finished kick-off workshop in the room: its participants' answers are responses of the
# assessment, so they are in the project's report. (project, assessment): roles in the room.
DEMO_WORKSHOPS = {
    ("Clinical scheduling", "Kick-off baseline"): ("sponsor", "manager", "manager")
    + ("end_user",) * 6,
}


def _seed_workshop(
    *, assessment: Assessment, at: object, rng: random.Random, sections: int
) -> None:
    """Run a workshop on `assessment` through the services, as a room of phones would."""
    project = assessment.project
    leaders_profile, users_profile = PROFILES.get((project.name, assessment.name), DEFAULT_PROFILE)
    departments = ["Wards", "Outpatients", "Administration"]
    workshop = services.workshop_start(assessment=assessment, departments=departments, now=at(2))
    for number, role in enumerate(DEMO_WORKSHOPS[(project.name, assessment.name)]):
        when = at(2) + datetime.timedelta(minutes=5 + number)
        participant = services.workshop_join(
            workshop=workshop, role=role, department=departments[number % 3], now=when
        )
        profile = leaders_profile if role in LEADERSHIP_ROLES else users_profile
        services.response_save_draft(
            invitation=participant.invitation,
            answers=_answers(assessment.template, profile, rng),
            step=sections,
            now=when,
        )
        services.response_submit(invitation=participant.invitation, now=when)
    services.workshop_end(workshop=workshop, now=at(2) + datetime.timedelta(minutes=45))
