"""/api/v1/projects/{id}/score/ and /scores/: the latest snapshot explained, and the history."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ApiViewMixin
from api.suppression import shown_breakdown
from readiness import selectors as readiness_selectors
from readiness.models import Project
from scoring import selectors
from scoring.models import ScoreSnapshot


class SnapshotSerializer(serializers.ModelSerializer):
    project = serializers.IntegerField(source="project_id")
    assessment = serializers.IntegerField(source="assessment_id", allow_null=True)
    calculated_at = serializers.DateTimeField(source="created_at")

    class Meta:
        model = ScoreSnapshot
        fields = [
            "id",
            "project",
            "assessment",
            "score",
            "band",
            "flags",
            "responses",
            "response_rate",
            "model_version",
            "calculated_at",
        ]
        read_only_fields = fields


@extend_schema_field(OpenApiTypes.OBJECT)
class BreakdownField(serializers.JSONField):
    pass


class ScoreSerializer(SnapshotSerializer):
    breakdown = serializers.SerializerMethodField(
        help_text="Components with index, weight and points; groups (suppressed ones without "
        "figures); usage; flags with their figures; recommended actions (docs/scoring.md)."
    )

    class Meta(SnapshotSerializer.Meta):
        fields = [*SnapshotSerializer.Meta.fields, "breakdown"]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_breakdown(self, snapshot: ScoreSnapshot) -> dict[str, Any] | None:
        return shown_breakdown(snapshot.breakdown)


class LatestScoreSerializer(serializers.Serializer):
    project = serializers.IntegerField()
    needs_recalculation = serializers.BooleanField()
    snapshot = ScoreSerializer(
        allow_null=True, help_text="Null until the project's score is calculated the first time."
    )


class ProjectScore(ApiViewMixin, generics.GenericAPIView):
    serializer_class = LatestScoreSerializer
    queryset = Project.objects.all()
    lookup_url_kwarg = "project_id"

    @extend_schema(summary="The latest score of a project with its full explanation.")
    def get(self, request: Request, project_id: int) -> Response:
        project = self.get_object()
        snapshot = selectors.snapshot_latest(project=project)
        return Response(
            {
                "project": project.pk,
                "needs_recalculation": readiness_selectors.project_recalculation_due(project),
                "snapshot": ScoreSerializer(snapshot).data if snapshot else None,
            }
        )


class ProjectScoreHistory(ApiViewMixin, generics.ListAPIView):
    """The project's score snapshots, newest first (without their breakdown)."""

    serializer_class = SnapshotSerializer
    queryset = ScoreSnapshot.objects.defer("breakdown")
    ordering_fields = ["id", "created_at"]

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        project = readiness_selectors.project_get(
            workspace=self.workspace, project_id=self.kwargs["project_id"]
        )
        return queryset.filter(project=project)
