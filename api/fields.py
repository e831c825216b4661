"""Serializer fields scoped to the request's workspace: another workspace's id is unknown."""

from __future__ import annotations

from typing import Any

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from rest_framework import serializers

from api.permissions import request_workspace


class WorkspacePrimaryKeyField(serializers.PrimaryKeyRelatedField):
    """A related id that must belong to the token's workspace (a foreign one reads as missing)."""

    default_error_messages = {
        "does_not_exist": "No such id in this workspace ({pk_value}): use the id of one of its "
        "objects, as the list of that resource gives it.",
        "incorrect_type": "Send the id as a whole number, not {data_type}.",
    }

    def get_queryset(self) -> QuerySet:
        queryset = super().get_queryset()
        return queryset.filter(workspace=request_workspace(self.context["request"]))


class MemberField(serializers.PrimaryKeyRelatedField):
    """A user id that must be a member of the token's workspace."""

    default_error_messages = {
        "does_not_exist": "User {pk_value} is not a member of this workspace: choose a member's "
        "user id.",
        "incorrect_type": "Send the user id as a whole number, not {data_type}.",
    }

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=get_user_model().objects.all(), **kwargs)

    def get_queryset(self) -> QuerySet:
        workspace = request_workspace(self.context["request"])
        return get_user_model().objects.filter(memberships__workspace=workspace)


class IdFilter(django_filters.NumberFilter):
    """A filter by a related id: a whole number in the database's range, else a 400."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)
