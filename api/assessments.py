"""/api/v1/assessments/: survey rounds, with opening and closing."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django.db.models import Count, Q
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ApiViewMixin, IdempotentCreateMixin
from api.fields import IdFilter, WorkspacePrimaryKeyField
from readiness import services
from readiness.models import Assessment, AssessmentState, Project, ResponseStatus, SurveyTemplate


class AssessmentSerializer(serializers.ModelSerializer):
    project = WorkspacePrimaryKeyField(queryset=Project.objects.all())
    template = WorkspacePrimaryKeyField(
        queryset=SurveyTemplate.objects.all(),
        required=False,
        help_text="Survey template id; the workspace's default ADKAR template when left out.",
    )
    max_reminders = serializers.IntegerField(min_value=0, max_value=20, required=False)
    reminder_interval_days = serializers.IntegerField(min_value=1, max_value=60, required=False)
    invitation_count = serializers.IntegerField(read_only=True)
    submitted_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "project",
            "template",
            "name",
            "opens_on",
            "closes_on",
            "state",
            "max_reminders",
            "reminder_interval_days",
            "invitation_count",
            "submitted_count",
            "opened_at",
            "closed_at",
            "created_at",
        ]
        read_only_fields = ["id", "state", "opened_at", "closed_at", "created_at"]
        validators: list[Any] = []

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        opens_on = attrs.get("opens_on", getattr(self.instance, "opens_on", None))
        closes_on = attrs.get("closes_on", getattr(self.instance, "closes_on", None))
        if isinstance(opens_on, datetime.date) and closes_on is not None and closes_on < opens_on:
            raise serializers.ValidationError(
                {"closes_on": "The closing date must be on or after the opening date."}
            )
        return attrs

    def create(self, validated_data: dict[str, Any]) -> Assessment:
        project = validated_data.pop("project")
        template = validated_data.pop("template", None) or services.default_template_ensure(
            workspace=project.workspace
        )
        return services.assessment_create(project=project, template=template, **validated_data)

    def update(self, instance: Assessment, validated_data: dict[str, Any]) -> Assessment:
        validated_data.pop("project", None)  # an assessment stays on its project
        return services.assessment_update(assessment=instance, **validated_data)


class AssessmentFilter(django_filters.FilterSet):
    project = IdFilter(field_name="project_id")
    state = django_filters.ChoiceFilter(choices=AssessmentState.choices)

    class Meta:
        model = Assessment
        fields = ["project", "state"]


def _with_counts(queryset: Any) -> Any:
    return queryset.annotate(
        invitation_count=Count("invitations", distinct=True),
        submitted_count=Count(
            "responses", filter=Q(responses__status=ResponseStatus.SUBMITTED), distinct=True
        ),
    )


class AssessmentList(ApiViewMixin, IdempotentCreateMixin, generics.ListCreateAPIView):
    serializer_class = AssessmentSerializer
    filterset_class = AssessmentFilter
    ordering_fields = ["id", "opens_on", "created_at", "name"]
    queryset = _with_counts(Assessment.objects.all())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().create(request, *args, **kwargs)
        # The counts of a new assessment are known without reading them back.
        response.data.update({"invitation_count": 0, "submitted_count": 0})
        return response


class AssessmentDetail(ApiViewMixin, generics.RetrieveUpdateAPIView):
    serializer_class = AssessmentSerializer
    lookup_url_kwarg = "assessment_id"
    http_method_names = ["get", "patch", "head", "options"]
    queryset = _with_counts(Assessment.objects.all())

    def perform_update(self, serializer: serializers.Serializer) -> None:
        serializer.save()
        serializer.instance = self.get_object()


class _AssessmentTransition(ApiViewMixin, generics.GenericAPIView):
    serializer_class = AssessmentSerializer
    lookup_url_kwarg = "assessment_id"
    queryset = _with_counts(Assessment.objects.all())
    transition = staticmethod(services.assessment_open)

    def post(self, request: Request, assessment_id: int) -> Response:
        assessment = self.get_object()
        self.transition(assessment=assessment)
        return Response(self.get_serializer(self.get_object()).data)


@extend_schema(request=None, summary="Open a draft assessment: its links take answers.")
class AssessmentOpen(_AssessmentTransition):
    transition = staticmethod(services.assessment_open)


@extend_schema(request=None, summary="Close an open assessment: its links stop taking answers.")
class AssessmentClose(_AssessmentTransition):
    transition = staticmethod(services.assessment_close)
