"""/api/v1/projects/: implementation projects."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from rest_framework import generics, serializers

from api.base import ApiViewMixin, IdempotentCreateMixin
from api.fields import IdFilter, WorkspacePrimaryKeyField
from readiness import selectors, services
from readiness.models import Account, Project, ProjectStatus


class ProjectSerializer(serializers.ModelSerializer):
    account = WorkspacePrimaryKeyField(queryset=Account.objects.all())
    tracked_features = serializers.ListField(
        child=serializers.CharField(max_length=100), max_length=200, required=False
    )
    licensed_seats = serializers.IntegerField(
        min_value=1, max_value=10_000_000, allow_null=True, required=False
    )
    needs_recalculation = serializers.SerializerMethodField(
        help_text="Whether the project's score is about to be recalculated with newer evidence."
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "account",
            "name",
            "product_name",
            "licensed_seats",
            "kickoff_date",
            "golive_date",
            "tracked_features",
            "status",
            "needs_recalculation",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "needs_recalculation", "created_at", "updated_at"]
        validators: list[Any] = []

    def get_needs_recalculation(self, project: Project) -> bool:
        return selectors.project_recalculation_due(project)

    def create(self, validated_data: dict[str, Any]) -> Project:
        return services.project_create(**validated_data)

    def update(self, instance: Project, validated_data: dict[str, Any]) -> Project:
        return services.project_update(project=instance, **validated_data)


class ProjectFilter(django_filters.FilterSet):
    account = IdFilter(field_name="account_id")
    status = django_filters.ChoiceFilter(choices=ProjectStatus.choices)

    class Meta:
        model = Project
        fields = ["account", "status"]


class ProjectList(ApiViewMixin, IdempotentCreateMixin, generics.ListCreateAPIView):
    serializer_class = ProjectSerializer
    filterset_class = ProjectFilter
    ordering_fields = ["id", "name", "created_at"]

    queryset = Project.objects.all()

    def get_queryset(self) -> QuerySet[Project]:
        return selectors.projects_with_recalculation_due(super().get_queryset())

    def perform_create(self, serializer: serializers.Serializer) -> None:
        serializer.save(workspace=self.workspace)


class ProjectDetail(ApiViewMixin, generics.RetrieveUpdateAPIView):
    serializer_class = ProjectSerializer
    lookup_url_kwarg = "project_id"
    http_method_names = ["get", "patch", "head", "options"]

    queryset = Project.objects.all()

    def get_queryset(self) -> QuerySet[Project]:
        return selectors.projects_with_recalculation_due(super().get_queryset())
