"""What every API answer shares: ETag, Idempotency-Key, errors, throttling, request ids."""

from __future__ import annotations

import logging
import uuid

import pytest
from django.test import override_settings

from api.request_id import RequestIdFilter
from readiness.models import Account
from tests.factories import AccountFactory, ProjectFactory

pytestmark = pytest.mark.django_db


class TestETag:
    def test_an_unchanged_resource_answers_304(self, reader, workspace) -> None:
        project = ProjectFactory(account__workspace=workspace)
        first = reader.get(f"/api/v1/projects/{project.pk}/")
        etag = first["ETag"]
        again = reader.get(f"/api/v1/projects/{project.pk}/", HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304
        assert again.content == b""

    def test_a_changed_resource_answers_200_with_a_new_etag(self, writer, workspace) -> None:
        project = ProjectFactory(account__workspace=workspace)
        etag = writer.get(f"/api/v1/projects/{project.pk}/")["ETag"]
        writer.patch(f"/api/v1/projects/{project.pk}/", {"name": "Renamed"}, format="json")
        changed = writer.get(f"/api/v1/projects/{project.pk}/", HTTP_IF_NONE_MATCH=etag)
        assert changed.status_code == 200
        assert changed["ETag"] != etag
        assert changed.json()["name"] == "Renamed"


class TestIdempotency:
    def test_a_retry_gets_the_first_answer_and_creates_nothing(self, writer, workspace) -> None:
        key = str(uuid.uuid4())
        first = writer.post(
            "/api/v1/accounts/", {"name": "Acme"}, format="json", HTTP_IDEMPOTENCY_KEY=key
        )
        retry = writer.post(
            "/api/v1/accounts/", {"name": "Acme"}, format="json", HTTP_IDEMPOTENCY_KEY=key
        )
        assert first.status_code == retry.status_code == 201
        assert retry.json() == first.json()
        assert retry["Idempotent-Replayed"] == "true"
        assert Account.objects.for_workspace(workspace).count() == 1

    def test_the_same_key_with_another_body_is_refused(self, writer, workspace) -> None:
        key = "order-42"
        writer.post("/api/v1/accounts/", {"name": "Acme"}, format="json", HTTP_IDEMPOTENCY_KEY=key)
        other = writer.post(
            "/api/v1/accounts/", {"name": "Globex"}, format="json", HTTP_IDEMPOTENCY_KEY=key
        )
        assert other.status_code == 422
        assert other.json()["code"] == "idempotency_key_reused"
        assert list(Account.objects.for_workspace(workspace).values_list("name", flat=True)) == [
            "Acme"
        ]

    def test_keys_are_per_token(self, token_client, workspace) -> None:
        first, second = token_client(workspace, "write"), token_client(workspace, "write", "csm")
        for client in (first, second):
            response = client.post(
                "/api/v1/accounts/", {"name": "Acme"}, format="json", HTTP_IDEMPOTENCY_KEY="k1"
            )
            assert response.status_code == 201
        assert Account.objects.for_workspace(workspace).count() == 2

    def test_without_a_key_each_post_creates(self, writer, workspace) -> None:
        for _ in range(2):
            writer.post("/api/v1/accounts/", {"name": "Acme"}, format="json")
        assert Account.objects.for_workspace(workspace).count() == 2


class TestErrors:
    def test_invalid_fields_each_get_a_message_and_a_code(self, writer) -> None:
        response = writer.post(
            "/api/v1/projects/", {"name": "", "licensed_seats": 0}, format="json"
        )
        body = response.json()
        assert response.status_code == 400
        assert body["code"] == "invalid"
        assert body["errors"]["name"][0]["code"] == "blank"
        assert body["errors"]["account"][0]["code"] == "required"
        assert body["errors"]["licensed_seats"][0]["code"] == "min_value"

    def test_a_nul_byte_or_non_finite_number_is_a_400(self, writer) -> None:
        response = writer.post("/api/v1/accounts/", {"name": "a\x00b"}, format="json")
        assert response.status_code == 400
        response = writer.post(
            "/api/v1/projects/",
            data='{"licensed_seats": NaN}',
            content_type="application/json",
        )
        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"

    def test_a_service_rule_is_a_field_error(self, writer, workspace) -> None:
        AccountFactory(workspace=workspace, external_id="CRM-1")
        response = writer.post(
            "/api/v1/accounts/", {"name": "Twin", "external_id": "CRM-1"}, format="json"
        )
        assert response.status_code == 400
        assert "non_field_errors" in response.json()["errors"]


class TestThrottling:
    @override_settings(API_THROTTLE_RATE="3/minute")
    def test_past_the_rate_a_token_gets_429_with_retry_after(self, token_client, workspace):
        client, other = token_client(workspace, "read"), token_client(workspace, "read", "csm")
        statuses = [client.get("/api/v1/projects/").status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        limited = client.get("/api/v1/projects/")
        assert limited.json()["code"] == "throttled"
        assert 0 < int(limited["Retry-After"]) <= 60
        # Another token of the same workspace keeps its own allowance.
        assert other.get("/api/v1/projects/").status_code == 200


class TestRequestId:
    def test_every_answer_carries_a_request_id(self, reader, client) -> None:
        assert len(reader.get("/api/v1/projects/")["X-Request-ID"]) == 32
        assert reader.get("/api/v1/nothing-here/")["X-Request-ID"]
        assert client.get("/auth/login/")["X-Request-ID"]

    def test_a_callers_plain_request_id_is_kept(self, reader) -> None:
        response = reader.get("/api/v1/projects/", HTTP_X_REQUEST_ID="trace-1234abcd")
        assert response["X-Request-ID"] == "trace-1234abcd"
        odd = reader.get("/api/v1/projects/", HTTP_X_REQUEST_ID="bad id\nwith newline")
        assert odd["X-Request-ID"] != "bad id\nwith newline"

    def test_log_lines_written_while_serving_name_the_request(self, reader, caplog) -> None:
        caplog.handler.addFilter(RequestIdFilter())
        with caplog.at_level(logging.WARNING, logger="django.request"):
            response = reader.get("/api/v1/projects/987654/")
        assert response.status_code == 404
        ids = {record.request_id for record in caplog.records}
        assert ids == {response["X-Request-ID"]}


class TestSchemaAndDocs:
    def test_the_schema_is_served_without_a_token(self, client) -> None:
        response = client.get("/api/v1/schema/")
        assert response.status_code == 200
        assert b"/api/v1/projects/{project_id}/score/" in response.content

    def test_the_reference_loads_its_assets_from_this_site_only(self, client) -> None:
        page = client.get("/api/v1/docs/").content.decode()
        assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
        assert "https://" not in page and "http://cdn" not in page
        # The start-up script is a file of its own, so a strict CSP needs no inline script.
        assert "<script>" not in page


class TestFilters:
    def test_an_id_filter_that_is_not_a_whole_number_in_range_is_a_400(self, reader) -> None:
        for value in ("-1.7976931348623157e+308", "abc", "99999999999999999999", "0"):
            response = reader.get(f"/api/v1/projects/?account={value}")
            assert response.status_code == 400, value
            assert "account" in response.json()["errors"]

    def test_an_id_filter_keeps_the_workspace_s_rows(self, reader, workspace, other_workspace):
        ours = ProjectFactory(account__workspace=workspace)
        theirs = ProjectFactory(account__workspace=other_workspace)
        assert [
            r["id"]
            for r in reader.get(f"/api/v1/projects/?account={ours.account_id}").json()["results"]
        ] == [ours.pk]
        assert reader.get(f"/api/v1/projects/?account={theirs.account_id}").json()["results"] == []
