"""/api/v1/accounts/: the workspace's customer accounts."""

from __future__ import annotations

from typing import Any

import django_filters
from rest_framework import generics, serializers

from api.base import ApiViewMixin, IdempotentCreateMixin
from api.fields import IdFilter, MemberField
from readiness import services
from readiness.models import Account


class AccountSerializer(serializers.ModelSerializer):
    owner = MemberField(
        allow_null=True, required=False, help_text="User id of the owner CSM, a member."
    )

    class Meta:
        model = Account
        fields = ["id", "name", "external_id", "industry", "owner", "created_at"]
        read_only_fields = ["id", "created_at"]
        # Uniqueness of the external id is checked by the service, within the workspace.
        validators: list[Any] = []

    def create(self, validated_data: dict[str, Any]) -> Account:
        return services.account_create(**validated_data)

    def update(self, instance: Account, validated_data: dict[str, Any]) -> Account:
        return services.account_update(account=instance, **validated_data)


class AccountFilter(django_filters.FilterSet):
    external_id = django_filters.CharFilter()
    owner = IdFilter(field_name="owner_id")

    class Meta:
        model = Account
        fields = ["external_id", "owner"]


class AccountList(ApiViewMixin, IdempotentCreateMixin, generics.ListCreateAPIView):
    serializer_class = AccountSerializer
    filterset_class = AccountFilter
    ordering_fields = ["id", "name", "created_at"]

    queryset = Account.objects.all().select_related("owner")

    def perform_create(self, serializer: serializers.Serializer) -> None:
        serializer.save(workspace=self.workspace)


class AccountDetail(ApiViewMixin, generics.RetrieveUpdateAPIView):
    serializer_class = AccountSerializer
    lookup_url_kwarg = "account_id"
    http_method_names = ["get", "patch", "head", "options"]

    queryset = Account.objects.all().select_related("owner")
