"""/api/v1/assessments/{id}/invitations/: invite in bulk; the survey links only once."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ApiViewMixin, IdempotentCreateMixin
from api.permissions import request_token, token_may
from readiness import selectors, services, tasks
from readiness.csv_io import Row
from readiness.models import AssessmentState, Invitation, RespondentRole
from readiness.services.invitations import MAX_LIST_ROWS
from workspaces.permissions import Action

MAX_BULK = MAX_LIST_ROWS


def identified(request: Request) -> bool:
    """Return whether the request may see who respondents are (names, e-mails, departments)."""
    cached = getattr(request, "_identified", None)
    if cached is None:
        cached = token_may(request_token(request), Action.RUN_ASSESSMENTS)
        request._identified = cached
    return cached


class InvitationSerializer(serializers.ModelSerializer):
    name = serializers.CharField(allow_null=True, read_only=True)
    email = serializers.CharField(allow_null=True, read_only=True)
    department = serializers.CharField(allow_null=True, read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "assessment",
            "name",
            "email",
            "role",
            "department",
            "sent_at",
            "opened_at",
            "submitted_at",
            "reminder_count",
            "created_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance: Invitation) -> dict[str, Any]:
        data = super().to_representation(instance)
        if not identified(self.context["request"]):
            data.update({"name": None, "email": None, "department": None})
        return data


class InvitationInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=RespondentRole.choices)
    department = serializers.CharField(max_length=200, required=False, allow_blank=True)


class InvitationBulkSerializer(serializers.Serializer):
    invitations = InvitationInputSerializer(many=True, min_length=1, max_length=MAX_BULK)
    send = serializers.BooleanField(
        default=False, help_text="E-mail the personal links now (the assessment must be open)."
    )


class CreatedInvitationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.EmailField()
    role = serializers.ChoiceField(choices=RespondentRole.choices)
    department = serializers.CharField()
    survey_url = serializers.URLField(
        help_text="The personal survey link. Shown in this answer only: keep it or e-mail it."
    )


class CreatedInvitationsSerializer(serializers.Serializer):
    invitations = CreatedInvitationSerializer(many=True)
    skipped = serializers.ListField(
        child=serializers.EmailField(),
        help_text="E-mail addresses already invited to the assessment: left as they were.",
    )
    sending = serializers.BooleanField()


class InvitationList(ApiViewMixin, IdempotentCreateMixin, generics.ListCreateAPIView):
    serializer_class = InvitationSerializer
    ordering_fields = ["id", "created_at", "submitted_at"]
    queryset = Invitation.objects.all()

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        if getattr(self, "swagger_fake_view", False):
            return queryset
        return queryset.filter(assessment=self.assessment())

    def assessment(self) -> Any:
        return selectors.assessment_get(
            workspace=self.workspace, assessment_id=self.kwargs["assessment_id"]
        )

    @extend_schema(
        request=InvitationBulkSerializer,
        responses={201: CreatedInvitationsSerializer},
        summary="Invite people in bulk: all of them or, with any problem, none.",
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().post(request, *args, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        assessment = self.assessment()
        given = InvitationBulkSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        send = given.validated_data["send"]
        if send and assessment.state != AssessmentState.OPEN:
            raise serializers.ValidationError(
                {"send": "Open the assessment before sending invitations, or send false."}
            )
        rows = [
            Row(line=position, cells={key: str(value) for key, value in person.items()})
            for position, person in enumerate(given.validated_data["invitations"], start=1)
        ]
        with transaction.atomic():
            result = services.invitation_add_list(assessment=assessment, rows=rows)
            invitations = result.added
            if send:
                tasks.send_invitations.delay_on_commit(
                    assessment.pk, [invitation.pk for invitation in invitations]
                )
        body = {
            "invitations": [
                {
                    "id": invitation.pk,
                    "name": invitation.name,
                    "email": invitation.email,
                    "role": invitation.role,
                    "department": invitation.department,
                    "survey_url": services.invitation_link(invitation=invitation),
                }
                for invitation in invitations
            ],
            # People already invited are not invited again (an updated list can be sent again).
            "skipped": result.skipped,
            "sending": send,
        }
        response = Response(body, status=status.HTTP_201_CREATED)
        # The links are secrets: no cache anywhere may keep this answer.
        response["Cache-Control"] = "no-store"
        return response


class InvitationDetail(ApiViewMixin, generics.RetrieveAPIView):
    serializer_class = InvitationSerializer
    lookup_url_kwarg = "invitation_id"
    queryset = Invitation.objects.all()
