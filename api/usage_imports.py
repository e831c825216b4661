"""/api/v1/usage-imports/: upload a usage file as the request body, then poll its import."""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import PurePath
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import generics, serializers, status
from rest_framework.exceptions import APIException
from rest_framework.parsers import BaseParser
from rest_framework.request import Request
from rest_framework.response import Response

from api.base import ApiViewMixin, idempotency_key, remember, replay_or_none, request_fingerprint
from api.exceptions import Conflict
from readiness import selectors as readiness_selectors
from readiness.models import Project
from usage import files as uf
from usage import selectors, services
from usage.models import UsageImport

CHUNK = 1024 * 1024
# An XLSX workbook is sent as application/octet-stream; its name's extension tells the format.
UPLOAD_TYPES = ("text/csv", "application/octet-stream")


class TooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "too_large"


class RawFileParser(BaseParser):
    """Declares the media types of an upload; the view streams the body itself."""

    media_type = "*/*"

    def parse(
        self, stream: IO[bytes], media_type: str | None = None, parser_context: dict | None = None
    ) -> None:
        return None


class UsageErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(allow_null=True)
    column = serializers.CharField(allow_blank=True)
    message = serializers.CharField()


class UsageImportSerializer(serializers.ModelSerializer):
    progress = serializers.SerializerMethodField()
    errors = UsageErrorSerializer(many=True, read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = UsageImport
        fields = [
            "id",
            "url",
            "project",
            "file_name",
            "file_size",
            "sha256",
            "state",
            "progress",
            "total_rows",
            "imported_rows",
            "error_count",
            "errors",
            "first_day",
            "last_day",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields

    def get_progress(self, usage_import: UsageImport) -> int:
        return selectors.usage_import_progress(usage_import=usage_import)

    def get_url(self, usage_import: UsageImport) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:usage_import_detail", args=[usage_import.pk])
        )


def _stream_to_disk(request: Request) -> tuple[IO[bytes], str]:
    """Copy the request body to a temporary file in chunks; return it and its SHA-256.

    The body is never held whole in memory, and a body over the size limit is refused as soon
    as it passes the limit.
    """
    limit = settings.USAGE_IMPORT_MAX_BYTES
    spool = tempfile.TemporaryFile()
    digest = hashlib.sha256()
    size = 0
    raw = request._request
    while chunk := raw.read(CHUNK):
        size += len(chunk)
        if size > limit:
            spool.close()
            raise TooLarge(
                f"The file is larger than {limit // (1024 * 1024)} MB: split it and upload the "
                "parts one by one."
            )
        digest.update(chunk)
        spool.write(chunk)
    spool.seek(0)
    return spool, digest.hexdigest()


def _file_name(request: Request) -> str:
    name = PurePath(request.query_params.get("file_name") or "usage.csv").name
    return name[:255] or "usage.csv"


def _import_now(request: Request, project: Project | None, source: IO[bytes]) -> UsageImport:
    """Store the upload, take the file's own column names and queue the import."""
    usage_import = services.usage_import_create(
        workspace=request.auth.workspace,
        project=project,
        uploaded_by=request.auth.created_by,
        file_name=_file_name(request),
        source=source,
    )
    try:
        uf.check_mapping(usage_import.column_mapping, workspace_wide=project is None)
    except uf.FileRefused as refused:
        services.usage_import_discard(usage_import=usage_import)
        raise ValidationError(refused.errors[0].message) from None
    return services.usage_import_start(
        usage_import=usage_import, mapping=usage_import.column_mapping
    )


UPLOAD_SCHEMA = extend_schema_view(
    post=extend_schema(
        request={media: OpenApiTypes.BINARY for media in UPLOAD_TYPES},
        parameters=[
            OpenApiParameter(
                "file_name",
                OpenApiTypes.STR,
                description="The file's name: its extension (.csv, .xlsx) tells its format.",
            )
        ],
        responses={202: UsageImportSerializer},
        summary="Upload a usage file as the request body; poll the answer's `url`.",
    )
)


class _Upload(ApiViewMixin, generics.GenericAPIView):
    serializer_class = UsageImportSerializer
    parser_classes = [RawFileParser]
    queryset = UsageImport.objects.all()

    def project(self) -> Project | None:
        return None

    def post(self, request: Request, *args: Any, **kwargs: Any) -> HttpResponse:
        project = self.project()
        key = idempotency_key(request)
        source, sha256 = _stream_to_disk(request)
        with source:
            fingerprint = request_fingerprint(request, sha256.encode())
            if key is not None and (replay := replay_or_none(request, key, fingerprint)):
                return replay
            try:
                with transaction.atomic():
                    usage_import = _import_now(request, project, source)
                    response = self._accepted(usage_import)
                    if key is not None:
                        remember(request, key, fingerprint, response)
            except IntegrityError:
                raise Conflict(
                    "Another request with this Idempotency-Key is being processed.",
                    code="idempotency_conflict",
                ) from None
        usage_import.refresh_from_db()
        return self._accepted(usage_import)

    def _accepted(self, usage_import: UsageImport) -> Response:
        data = self.get_serializer(usage_import).data
        return Response(data, status=status.HTTP_202_ACCEPTED, headers={"Location": data["url"]})


@UPLOAD_SCHEMA
class ProjectUsageUpload(_Upload):
    def project(self) -> Project | None:
        return readiness_selectors.project_get(
            workspace=self.workspace, project_id=self.kwargs["project_id"]
        )


@UPLOAD_SCHEMA
class UsageImportList(_Upload, generics.ListAPIView):
    """Every usage import of the workspace, newest first; POST a workspace-wide file."""

    ordering_fields = ["id", "created_at"]


class UsageImportDetail(ApiViewMixin, generics.RetrieveAPIView):
    serializer_class = UsageImportSerializer
    lookup_url_kwarg = "import_id"
    queryset = UsageImport.objects.all()
