"""factory_boy factories for the domain; every object lands in one workspace."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from api import services as api_services
from api.models import WebhookDelivery, WebhookSubscription
from plans.models import Action, ActionLibraryEntry
from readiness import services
from readiness.models import (
    Account,
    Answer,
    Assessment,
    Invitation,
    Project,
    Response,
    ResponseStatus,
    Workshop,
)
from readiness.services.workshops import new_code
from reports.services import share_link_create
from usage.models import UsageImport
from workspaces import services as workspace_services
from workspaces.models import Membership, Role, Workspace


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    first_name = factory.Faker("first_name")
    password = factory.PostGenerationMethodCall("set_password", "password")

    @factory.post_generation
    def saved(user, create: bool, extracted: object, **kwargs: object) -> None:
        if create:
            user.save()


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Workspace {n}")
    slug = factory.Sequence(lambda n: f"workspace-{n}")

    @classmethod
    def _create(cls, model_class: type, *args: object, **kwargs: object) -> Workspace:
        return workspace_services.workspace_create(name=kwargs["name"], slug=kwargs["slug"])


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    workspace = factory.SubFactory(WorkspaceFactory)
    role = Role.CONSULTANT


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Faker("company")
    external_id = factory.Sequence(lambda n: f"EXT-{n:04d}")
    industry = "Logistics"


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    account = factory.SubFactory(AccountFactory)
    workspace = factory.SelfAttribute("account.workspace")
    name = factory.Sequence(lambda n: f"Rollout {n}")
    product_name = "RouteWise"
    licensed_seats = 100
    kickoff_date = datetime.date(2026, 9, 1)
    golive_date = datetime.date(2026, 12, 1)
    tracked_features = factory.LazyFunction(lambda: ["reports", "dashboards", "alerts", "exports"])


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    project = factory.SubFactory(ProjectFactory)
    workspace = factory.SelfAttribute("project.workspace")
    template = factory.LazyAttribute(
        lambda assessment: services.default_template_ensure(workspace=assessment.workspace)
    )
    name = "Kick-off baseline"
    opens_on = datetime.date(2026, 9, 1)
    closes_on = datetime.date(2026, 9, 30)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    assessment = factory.SubFactory(AssessmentFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"person{n}@customer.example")
    role = "end_user"
    department = ""

    @classmethod
    def _create(cls, model_class: type, *args: object, **kwargs: object) -> Invitation:
        return services.invitation_create(**kwargs)


ADKAR_PREFIXES = {"aw": "AW", "de": "DE", "kn": "KN", "ab": "AB", "re": "RE", "ls": "LS"}


def answers(
    *, nps: int | None = None, **by_prefix: tuple[int | None, int | None, int | None]
) -> dict[str, int | None]:
    """Return answers by item code: `answers(aw=(5, 5, 4), nps=9)`; None means "Don't know"."""
    result: dict[str, int | None] = {}
    for prefix, values in by_prefix.items():
        for number, value in enumerate(values, start=1):
            result[f"{ADKAR_PREFIXES[prefix]}{number}"] = value
    if nps is not None:
        result["NPS"] = nps
    return result


def submitted_response(
    *,
    assessment: Assessment,
    role: str = "end_user",
    values: Mapping[str, int | None],
    status: str = ResponseStatus.SUBMITTED,
    concern: str = "",
    department: str = "",
) -> Response:
    """Invite one respondent to `assessment` and store their response with `values` by code.

    `concern` is the free-text answer to the CON item, when given.
    """
    invitation = InvitationFactory(assessment=assessment, role=role, department=department)
    response = Response.objects.create(
        workspace_id=assessment.workspace_id,
        invitation=invitation,
        assessment=assessment,
        status=status,
        submitted_at=timezone.now() if status == ResponseStatus.SUBMITTED else None,
    )
    items = {item.code: item for item in assessment.template.items.all()}
    Answer.objects.bulk_create(
        Answer(response=response, item=items[code], value=value, dont_know=value is None)
        for code, value in values.items()
    )
    if concern:
        Answer.objects.create(response=response, item=items["CON"], text=concern)
    return response


class WorkshopFactory(factory.django.DjangoModelFactory):
    """A live workshop (made directly: the service also checks the assessment's dates)."""

    class Meta:
        model = Workshop

    assessment = factory.SubFactory(AssessmentFactory)
    workspace = factory.SelfAttribute("assessment.workspace")
    code = factory.LazyFunction(new_code)


class UsageImportFactory(factory.django.DjangoModelFactory):
    """An upload that waits for its column mapping (no stored file)."""

    class Meta:
        model = UsageImport

    project = factory.SubFactory(ProjectFactory)
    workspace = factory.SelfAttribute("project.workspace")
    file_name = "usage.csv"
    sha256 = factory.Sequence(lambda n: f"{n:064x}")
    header = factory.LazyFunction(lambda: ["date", "user", "feature", "count"])
    column_mapping = factory.LazyFunction(
        lambda: {"date": 0, "user": 1, "feature": 2, "count": 3, "account": None}
    )


class ActionFactory(factory.django.DjangoModelFactory):
    """A planned action of a project's change plan, owned by nobody."""

    class Meta:
        model = Action

    project = factory.SubFactory(ProjectFactory)
    workspace = factory.SelfAttribute("project.workspace")
    title = factory.Sequence(lambda n: f"Action {n}")
    target = "knowledge"
    target_group = "end_users"
    due_on = datetime.date(2026, 10, 15)


def library_entry_id(workspace: Workspace) -> int:
    """Return the id of the first entry of the workspace's action library."""
    return ActionLibraryEntry.objects.filter(workspace=workspace).order_by("pk").first().pk


def webhook_subscription(workspace: Workspace) -> WebhookSubscription:
    """Return a subscription of `workspace` (saved directly: its URL is never called)."""
    return WebhookSubscription.objects.create(
        workspace=workspace, url="https://hooks.example.com/adoptready", events=["score.changed"]
    )


# How to make an object of another workspace for each id a URL can take. The isolation test
# walks the URL configuration and fails for a URL whose id has no entry here, so a new kind of
# id must be added once; every new URL that takes a known id is covered without any edit.
FOREIGN_ID_FACTORIES = {
    "account_id": lambda workspace: AccountFactory(workspace=workspace).pk,
    "project_id": lambda workspace: ProjectFactory(account__workspace=workspace).pk,
    "assessment_id": lambda workspace: AssessmentFactory(project__account__workspace=workspace).pk,
    "invitation_id": lambda workspace: (
        InvitationFactory(assessment__project__account__workspace=workspace).pk
    ),
    "template_id": lambda workspace: services.default_template_ensure(workspace=workspace).pk,
    "membership_id": lambda workspace: MembershipFactory(workspace=workspace).pk,
    "workshop_id": lambda workspace: (
        WorkshopFactory(assessment__project__account__workspace=workspace).pk
    ),
    "import_id": lambda workspace: UsageImportFactory(project__account__workspace=workspace).pk,
    "action_id": lambda workspace: ActionFactory(project__account__workspace=workspace).pk,
    "link_id": lambda workspace: (
        share_link_create(
            project=ProjectFactory(account__workspace=workspace), user=None, label="Sponsor"
        )[0].pk
    ),
    "entry_id": library_entry_id,
    "token_id": lambda workspace: (
        api_services.api_token_create(workspace=workspace, created_by=None, name="t").token.pk
    ),
    "subscription_id": lambda workspace: webhook_subscription(workspace).pk,
    "delivery_id": lambda workspace: (
        WebhookDelivery.objects.create(
            workspace=workspace,
            subscription=webhook_subscription(workspace),
            event_id=uuid.uuid4(),
            event_type="score.changed",
            payload={},
        ).pk
    ),
    "response_id": lambda workspace: (
        submitted_response(
            assessment=AssessmentFactory(project__account__workspace=workspace),
            values=answers(aw=(4, 4, 4)),
        ).pk
    ),
}
