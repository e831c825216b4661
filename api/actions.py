"""/api/v1/actions/: change-plan actions (SPEC §10), checked and written as the pages do.

Input goes through the pages' own forms (`plans.forms`) and services (`plans.services`), so
the API accepts and refuses exactly what the plan's pages do. An action's measured effect is
the one the pages show: its figures were disclosed by `scoring.suppression` when measured
(`plans.effects`), so a group too small, or one that would reveal a smaller one, has none.
"""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.conf import settings
from django.db import transaction
from django.db.models import DateField, QuerySet, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ApiViewMixin, IdempotentCreateMixin
from api.fields import IdFilter, MemberField, WorkspacePrimaryKeyField
from api.permissions import request_token, token_may
from plans import effects, selectors, services
from plans.forms import ActionForm, ActionUpdateForm
from plans.models import OPEN_STATUSES, Action, ActionStatus, Target
from readiness.models import Assessment, Project
from workspaces.models import Membership
from workspaces.permissions import Action as Permission

# Fields of the page's action form, in the API's names (the owner is a user id here).
FORM_FIELDS: tuple[str, ...] = tuple(ActionForm.Meta.fields)
# An action without a due date sorts after every dated one.
NO_DUE_DATE = datetime.date(9999, 12, 31)


class MeasureSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    before = serializers.FloatField(allow_null=True)
    after = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True)
    note = serializers.CharField(
        help_text="Why there are no figures (e.g. “group too small”); empty when measured."
    )
    unit = serializers.CharField()
    digits = serializers.IntegerField()
    verdict = serializers.CharField(help_text="better, worse, unchanged, or empty.")


class EffectSerializer(serializers.Serializer):
    measured_at = serializers.DateTimeField()
    before_round = serializers.CharField()
    after_round = serializers.CharField()
    state = serializers.ChoiceField(
        choices=[effects.MEASURED, effects.STATE_TOO_SMALL, effects.STATE_NOT_MEASURED]
    )
    measures = MeasureSerializer(many=True)


class ActionSerializer(serializers.ModelSerializer):
    project = WorkspacePrimaryKeyField(queryset=Project.objects.all())
    owner = MemberField(
        allow_null=True,
        required=False,
        help_text="User id of the member who answers for the action; the token's creator "
        "when left out on creation.",
    )
    source_assessment = WorkspacePrimaryKeyField(
        queryset=Assessment.objects.all(),
        allow_null=True,
        required=False,
        help_text="The assessment of the same project whose results led to the action.",
    )
    target_group = serializers.CharField(
        max_length=220,
        required=False,
        help_text="`all`, `leadership`, `end_users` or `department:<name>` (a department of "
        "the project's invitations). `all` when left out.",
    )
    status = serializers.ChoiceField(
        choices=ActionStatus.choices,
        required=False,
        help_text="A new action starts `planned`; a change is written to its log.",
    )
    note = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        max_length=4000,
        help_text="A dated note for the action's log, with or without a status change.",
    )
    overdue = serializers.SerializerMethodField()
    effect = serializers.SerializerMethodField()
    page_url = serializers.SerializerMethodField()

    class Meta:
        model = Action
        fields = [
            "id",
            "project",
            "title",
            "description",
            "target",
            "target_group",
            "owner",
            "customer_owner_name",
            "customer_owner_email",
            "due_on",
            "status",
            "overdue",
            "source_assessment",
            "from_recommendation",
            "note",
            "effect",
            "page_url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "from_recommendation", "created_at", "updated_at"]
        # The page's form judges the title, with its own message for an empty one.
        extra_kwargs = {"title": {"allow_blank": True}}
        validators: list[Any] = []

    def to_representation(self, instance: Action) -> dict[str, Any]:
        data = super().to_representation(instance)
        data["owner"] = instance.owner.user_id if instance.owner_id else None
        return data

    def get_overdue(self, action: Action) -> bool:
        return action.status in OPEN_STATUSES and (
            action.due_on is not None and action.due_on < timezone.localdate()
        )

    @extend_schema_field(EffectSerializer(allow_null=True))
    def get_effect(self, action: Action) -> dict[str, Any] | None:
        """Return the latest effect as the pages show it (figures disclosed when measured)."""
        latest = getattr(action, "latest_effects", None)
        if latest is None:
            latest = selectors.action_effect_history(action=action)[:1]
        if not latest:
            return None
        effect = selectors.shown_effect(latest[0])
        result = effect.result or {}
        return {
            "measured_at": effect.created_at,
            "before_round": result.get("before_round", ""),
            "after_round": result.get("after_round", ""),
            "state": result.get("state", effects.STATE_NOT_MEASURED),
            "measures": result.get("measures") or [],
        }

    def get_page_url(self, action: Action) -> str:
        return settings.SITE_URL.rstrip("/") + reverse("plans:action_detail", args=[action.pk])

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        action: Action | None = self.instance
        project = attrs.get("project")
        if action is not None and project is not None and project != action.project:
            raise serializers.ValidationError(
                {"project": "An action stays on its project: create one on the other project."}
            )
        if action is None and "status" in attrs and attrs["status"] != ActionStatus.PLANNED:
            raise serializers.ValidationError(
                {"status": "A new action starts as planned: change its status once created."}
            )
        attrs["form"] = self._checked_by_page_form(attrs, action, project or action.project)
        if action is not None and ("status" in attrs or attrs.get("note", "").strip()):
            update = ActionUpdateForm(
                data={"status": attrs.get("status", action.status), "note": attrs.get("note", "")}
            )
            if not update.is_valid():
                raise serializers.ValidationError(update.errors)
            attrs["update"] = update.cleaned_data
        return attrs

    def _checked_by_page_form(
        self, attrs: dict[str, Any], action: Action | None, project: Project
    ) -> dict[str, Any]:
        """Return the given fields as the page's form cleans them; its errors per field."""
        data: dict[str, Any] = {"target_group": "all"} if action is None else {}
        if action is not None:
            data.update({name: getattr(action, name) for name in FORM_FIELDS})
            data["owner"] = action.owner_id
            data["source_assessment"] = action.source_assessment_id
        given = {name: attrs[name] for name in FORM_FIELDS if name in attrs}
        if "owner" in given:
            user = given["owner"]
            given["owner"] = (
                Membership.objects.filter(workspace_id=project.workspace_id, user=user)
                .values_list("pk", flat=True)
                .first()
                if user is not None
                else None
            )
        elif action is None:
            # As on the page, a new action is owned by whoever adds it (the token's creator).
            given["owner"] = (
                Membership.objects.filter(
                    workspace_id=project.workspace_id,
                    user_id=request_token(self.context["request"]).created_by_id,
                )
                .values_list("pk", flat=True)
                .first()
            )
        if "source_assessment" in given and given["source_assessment"] is not None:
            given["source_assessment"] = given["source_assessment"].pk
        data.update(given)
        data = {k: ("" if v is None else v) for k, v in data.items()}
        form = ActionForm(data=data, project=project, instance=_copy(action))
        if not form.is_valid():
            raise serializers.ValidationError(
                {name: list(errors) for name, errors in form.errors.items()}
            )
        return {name: form.cleaned_data[name] for name in given if name in form.cleaned_data}


def _copy(action: Action | None) -> Action | None:
    # The form writes its values on its instance: it must not change the one being served.
    if action is None:
        return None
    return Action.objects.get(pk=action.pk)


class ActionFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    status = django_filters.ChoiceFilter(choices=ActionStatus.choices)
    owner = IdFilter(field_name="owner__user_id", help_text="User id of the owner.")
    target = django_filters.ChoiceFilter(
        choices=Target.choices, help_text="The ADKAR element (barrier) or flag it works on."
    )
    target_group = django_filters.CharFilter()
    overdue = django_filters.BooleanFilter(
        method="filter_overdue",
        help_text="true: open actions whose due date has passed; false: all others.",
    )
    due_before = django_filters.DateFilter(
        field_name="due_on", lookup_expr="lte", help_text="Due on or before this date."
    )
    due_after = django_filters.DateFilter(
        field_name="due_on", lookup_expr="gte", help_text="Due on or after this date."
    )

    class Meta:
        model = Action
        fields = ["project", "status", "owner", "target", "target_group"]

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        if value is None:
            return queryset
        overdue = {"status__in": OPEN_STATUSES, "due_on__lt": timezone.localdate()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)


def _actions() -> QuerySet[Action]:
    return selectors.with_latest_effect(Action.objects.all()).annotate(
        due=Coalesce("due_on", Value(NO_DUE_DATE), output_field=DateField())
    )


class _ActionWrite:
    """Writes need a `write` token whose creator may still manage plans on the pages."""

    def check_may_write(self, request: Request) -> None:
        if not token_may(request_token(request), Permission.MANAGE_PLANS):
            raise PermissionDenied(
                "The token's creator may not change change plans any more: ask an admin for "
                "a token.",
                code="role_forbids",
            )


class ActionList(ApiViewMixin, IdempotentCreateMixin, _ActionWrite, generics.ListCreateAPIView):
    serializer_class = ActionSerializer
    filterset_class = ActionFilter
    ordering_fields = ["id", "due", "created_at", "updated_at"]
    queryset = _actions()

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.check_may_write(request)
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = serializer.validated_data["form"]
        action = services.action_create(
            project=serializer.validated_data["project"],
            user=request_token(request).created_by,
            **fields,
        )
        body = self.get_serializer(self.get_queryset().get(pk=action.pk)).data
        response = Response(body, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("api:action_detail", args=[action.pk])
        return response


class ActionDetail(ApiViewMixin, _ActionWrite, generics.RetrieveUpdateAPIView):
    serializer_class = ActionSerializer
    lookup_url_kwarg = "action_id"
    http_method_names = ["get", "patch", "head", "options"]
    queryset = _actions()

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        action = self.get_object()
        self.check_may_write(request)
        serializer = self.get_serializer(action, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = request_token(request).created_by
        with transaction.atomic():
            fields = serializer.validated_data["form"]
            if fields:
                services.action_update(action=action, user=user, **fields)
            update = serializer.validated_data.get("update")
            if update is not None and (update["status"] != action.status or update["note"]):
                services.action_status_change(action=action, user=user, **update)
        return Response(self.get_serializer(self.get_object()).data)
