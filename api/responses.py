"""/api/v1/assessments/{id}/responses/: submitted answers, identified only where allowed."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from drf_spectacular.utils import extend_schema_field
from rest_framework import generics, serializers

from api.base import ApiViewMixin
from api.invitations import identified
from readiness import selectors
from readiness.models import (
    LEADERSHIP_ROLES,
    Answer,
    Assessment,
    Invitation,
    RespondentRole,
    Response,
    ResponseStatus,
)
from scoring import engine
from scoring.selectors import scoring_model_current


def min_group_size(workspace: Any) -> int:
    """Return the workspace's minimum group size (the engine's default without a model)."""
    model = scoring_model_current(workspace=workspace)
    return model.min_group_size if model is not None else engine.ModelParameters().min_group_size


def shown_segments(assessment: Assessment, minimum: int) -> dict[str, bool]:
    """Return, per respondent role, whether its segment is large enough to be named.

    A respondent's role is a segment (leadership or end users): next to individual answers it
    would single out the members of a segment under the minimum group size.
    """
    counts = Invitation.objects.filter(assessment=assessment, submitted_at__isnull=False).aggregate(
        leadership=Count("pk", filter=Q(role__in=LEADERSHIP_ROLES)),
        end_users=Count("pk", filter=Q(role=RespondentRole.END_USER)),
        everyone=Count("pk"),
    )
    leaders_shown = counts["leadership"] >= minimum
    return {
        RespondentRole.SPONSOR: leaders_shown,
        RespondentRole.MANAGER: leaders_shown,
        RespondentRole.END_USER: counts["end_users"] >= minimum,
        "text": counts["everyone"] >= minimum,
    }


class AnswerSerializer(serializers.Serializer):
    code = serializers.CharField()
    value = serializers.IntegerField(allow_null=True)
    dont_know = serializers.BooleanField()
    text = serializers.CharField(allow_null=True)


class RespondentSerializer(serializers.Serializer):
    invitation = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()
    department = serializers.CharField()


class ResponseSerializer(serializers.ModelSerializer):
    role = serializers.CharField(
        allow_null=True,
        read_only=True,
        help_text="Null when the role's segment is under the minimum group size.",
    )
    answers = serializers.SerializerMethodField()
    respondent = serializers.SerializerMethodField(
        help_text="Who answered: only for tokens whose creator may see identified responses."
    )

    class Meta:
        model = Response
        fields = ["id", "assessment", "submitted_at", "source", "role", "answers", "respondent"]
        read_only_fields = fields

    def _identified(self) -> bool:
        return identified(self.context["request"])

    def _segments(self) -> dict[str, bool]:
        return self.context["segments"]

    def to_representation(self, instance: Response) -> dict[str, Any]:
        data = super().to_representation(instance)
        role = instance.invitation.role
        data["role"] = role if self._identified() or self._segments().get(role) else None
        return data

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, instance: Response) -> list[dict[str, Any]]:
        texts_shown = self._identified() or self._segments()["text"]
        return [
            {
                "code": answer.item.code,
                "value": answer.value,
                "dont_know": answer.dont_know,
                # Free text can name its writer: as the report's concerns, only from a group.
                "text": (answer.text or None) if texts_shown else None,
            }
            for answer in instance.answers.all()
        ]

    @extend_schema_field(RespondentSerializer(allow_null=True))
    def get_respondent(self, instance: Response) -> dict[str, Any] | None:
        if not self._identified():
            return None
        invitation = instance.invitation
        return {
            "invitation": invitation.pk,
            "name": invitation.name,
            "email": invitation.email,
            "department": invitation.department,
        }


def _responses() -> QuerySet[Response]:
    return (
        Response.objects.filter(status=ResponseStatus.SUBMITTED)
        .select_related("invitation")
        .prefetch_related(
            Prefetch(
                "answers",
                queryset=Answer.objects.select_related("item").order_by("item__position"),
            )
        )
    )


class _ResponseContext:
    def segment_context(self, assessment: Assessment) -> dict[str, Any]:
        return {"segments": shown_segments(assessment, min_group_size(self.workspace))}


class ResponseList(_ResponseContext, ApiViewMixin, generics.ListAPIView):
    serializer_class = ResponseSerializer
    ordering_fields = ["id", "submitted_at"]
    queryset = _responses()

    def assessment(self) -> Assessment:
        if not hasattr(self, "_assessment"):
            self._assessment = selectors.assessment_get(
                workspace=self.workspace, assessment_id=self.kwargs["assessment_id"]
            )
        return self._assessment

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        return queryset.filter(assessment=self.assessment())

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        if getattr(self, "swagger_fake_view", False):
            return context
        return {**context, **self.segment_context(self.assessment())}


class ResponseDetail(_ResponseContext, ApiViewMixin, generics.RetrieveAPIView):
    serializer_class = ResponseSerializer
    lookup_url_kwarg = "response_id"
    queryset = _responses()

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["context"] = self.get_serializer_context()
        if args and isinstance(args[0], Response):
            kwargs["context"].update(self.segment_context(args[0].assessment))
        return ResponseSerializer(*args, **kwargs)
