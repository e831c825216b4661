"""/api/v1/portfolio/: every project with its latest score, filtered and sorted as the page."""

from __future__ import annotations

import base64
from typing import Any

from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from api.base import ApiViewMixin
from readiness.models import Project
from reports import selectors
from reports.forms import PortfolioFilterForm


class PortfolioPagination(BasePagination):
    """Pages behind an opaque cursor; the order is the page's sort, over annotated figures.

    DRF's cursor pagination needs a non-null, unique ordering column, which a sort by score
    or change (missing for projects without data) is not, so the cursor carries the position.
    """

    cursor_query_param = "cursor"
    page_size_query_param = "page_size"
    page_size = 50
    max_page_size = 500

    def paginate_queryset(self, queryset: Any, request: Request, view: Any = None) -> list:
        self.request = request
        self.offset = self._decode(request.query_params.get(self.cursor_query_param))
        self.size = self._size(request)
        rows = list(queryset[self.offset : self.offset + self.size + 1])
        self.has_next = len(rows) > self.size
        return rows[: self.size]

    def _size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            return min(max(int(raw), 1), self.max_page_size)
        except ValueError:
            return self.page_size

    def _decode(self, cursor: str | None) -> int:
        if not cursor:
            return 0
        try:
            text = base64.urlsafe_b64decode(cursor.encode("ascii") + b"==").decode("ascii")
            offset = int(text.removeprefix("o="))
        except (ValueError, UnicodeError):
            raise NotFound("Invalid cursor.", code="invalid_cursor") from None
        if not text.startswith("o=") or not 0 <= offset <= 10_000_000:
            raise NotFound("Invalid cursor.", code="invalid_cursor")
        return offset

    def _link(self, offset: int) -> str:
        url = self.request.build_absolute_uri()
        if offset <= 0:
            return remove_query_param(url, self.cursor_query_param)
        cursor = base64.urlsafe_b64encode(f"o={offset}".encode()).decode().rstrip("=")
        return replace_query_param(url, self.cursor_query_param, cursor)

    def get_paginated_response(self, data: list) -> Response:
        return Response(
            {
                "next": self._link(self.offset + self.size) if self.has_next else None,
                "previous": self._link(self.offset - self.size) if self.offset else None,
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict) -> dict:
        link = {"type": "string", "nullable": True, "format": "uri"}
        return {
            "type": "object",
            "required": ["results"],
            "properties": {"next": link, "previous": link, "results": schema},
        }

    def get_schema_operation_parameters(self, view: Any) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "required": False,
                "in": "query",
                "description": "The pagination cursor value.",
                "schema": {"type": "string"},
            },
            {
                "name": self.page_size_query_param,
                "required": False,
                "in": "query",
                "description": "Number of results to return per page.",
                "schema": {"type": "integer"},
            },
        ]


class PortfolioAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    external_id = serializers.CharField()
    owner = serializers.IntegerField(source="owner_id", allow_null=True)


class PortfolioRowSerializer(serializers.ModelSerializer):
    account = PortfolioAccountSerializer()
    score = serializers.FloatField(source="latest_score", allow_null=True)
    band = serializers.CharField(source="latest_band", allow_null=True)
    flags = serializers.JSONField(source="latest_flags", allow_null=True)
    response_rate = serializers.FloatField(source="latest_response_rate", allow_null=True)
    previous_score = serializers.FloatField(allow_null=True)
    change = serializers.FloatField(allow_null=True)
    last_usage_on = serializers.DateField(allow_null=True)
    calculated_at = serializers.DateTimeField(source="latest_at", allow_null=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "product_name",
            "status",
            "account",
            "score",
            "band",
            "flags",
            "response_rate",
            "previous_score",
            "change",
            "last_usage_on",
            "calculated_at",
        ]
        read_only_fields = fields


def _choices(name: str) -> list[str]:
    return [value for value, _label in PortfolioFilterForm.base_fields[name].choices if value]


@extend_schema(
    summary="Every project with its latest score, as the portfolio page lists them.",
    parameters=[
        OpenApiParameter("band", OpenApiTypes.STR, enum=_choices("band")),
        OpenApiParameter("owner", OpenApiTypes.STR, description="A user id, or `none`."),
        OpenApiParameter("status", OpenApiTypes.STR, enum=_choices("status")),
        OpenApiParameter("flag", OpenApiTypes.STR, enum=_choices("flag")),
        OpenApiParameter("sort", OpenApiTypes.STR, enum=_choices("sort")),
    ],
)
class Portfolio(ApiViewMixin, generics.ListAPIView):
    serializer_class = PortfolioRowSerializer
    pagination_class = PortfolioPagination
    queryset = Project.objects.none()
    filter_backends: list = []

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return Project.objects.none()
        owners = selectors.portfolio_owners(workspace=self.workspace)
        form = PortfolioFilterForm(self.request.query_params, owners=owners)
        if not form.is_valid():
            # The page ignores an unknown value with a message; a program is told instead.
            raise ValidationError(
                {name: [f"“{form.data.get(name)}” is not a known value."] for name in form.errors}
            )
        return selectors.portfolio_projects(workspace=self.workspace, **form.filters())
