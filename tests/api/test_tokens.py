"""API tokens: hashed, scoped, expiring, revocable, managed by admins on a page."""

from __future__ import annotations

import datetime
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from api import services
from api.models import ApiToken
from tests.factories import AccountFactory
from workspaces.models import Role

pytestmark = pytest.mark.django_db


def test_only_a_hash_of_the_token_is_stored(workspace) -> None:
    issued = services.api_token_create(workspace=workspace, created_by=None, name="CI")
    stored = ApiToken.objects.get(pk=issued.token.pk)
    assert issued.secret not in {stored.prefix, stored.secret_hash, stored.name}
    assert stored.secret_hash == hashlib.sha256(issued.secret.encode()).hexdigest()
    assert issued.secret.startswith(stored.prefix + "_")
    # 32 random bytes in URL-safe base64: at least 128 bits of secret after the prefix.
    assert len(issued.secret.removeprefix(stored.prefix + "_")) >= 43


def test_no_token_or_a_wrong_one_is_401_with_a_json_error(workspace) -> None:
    assert APIClient().get("/api/v1/projects/").status_code == 401
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer ar_0000000000_wrong")
    response = client.get("/api/v1/projects/")
    assert response.status_code == 401
    assert response.json()["code"] == "invalid_token"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_with_the_right_prefix_but_a_wrong_secret_is_refused(reader) -> None:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {reader.token.prefix}_{'x' * 43}")
    assert client.get("/api/v1/projects/").status_code == 401


def test_a_read_token_reads_but_cannot_write(reader, workspace) -> None:
    account = AccountFactory(workspace=workspace)
    assert reader.get("/api/v1/accounts/").status_code == 200
    response = reader.post(
        "/api/v1/projects/", {"account": account.pk, "name": "X", "product_name": "Y"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "read_only_token"
    assert reader.patch(f"/api/v1/accounts/{account.pk}/", {"name": "Z"}).status_code == 403
    account.refresh_from_db()
    assert account.name != "Z"


def test_a_write_token_writes(writer, workspace) -> None:
    response = writer.post("/api/v1/accounts/", {"name": "Acme"}, format="json")
    assert response.status_code == 201
    assert response.json()["name"] == "Acme"


def test_an_expired_token_is_refused(token_client, workspace) -> None:
    client = token_client(workspace, "read")
    ApiToken.objects.filter(pk=client.token.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert client.get("/api/v1/projects/").status_code == 401


def test_an_expiry_in_the_past_is_refused_at_creation(workspace) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.api_token_create(
            workspace=workspace,
            created_by=None,
            name="old",
            expires_at=timezone.now() - datetime.timedelta(days=1),
        )


def test_revoking_takes_effect_at_once(reader) -> None:
    assert reader.get("/api/v1/projects/").status_code == 200
    services.api_token_revoke(token=reader.token)
    assert reader.get("/api/v1/projects/").status_code == 401


def test_last_use_is_recorded(reader) -> None:
    assert reader.token.last_used_at is None
    reader.get("/api/v1/projects/")
    reader.token.refresh_from_db()
    assert reader.token.last_used_at is not None


def test_a_token_reads_only_its_own_workspace(reader, workspace, other_workspace) -> None:
    AccountFactory(workspace=workspace, name="Ours")
    AccountFactory(workspace=other_workspace, name="Theirs")
    names = [row["name"] for row in reader.get("/api/v1/accounts/").json()["results"]]
    assert names == ["Ours"]


class TestTokenPage:
    def test_an_admin_creates_a_token_and_sees_the_secret_once(self, admin_client_ws) -> None:
        url = reverse("api_pages:api_token_list")
        response = admin_client_ws.post(
            url, {"name": "Gainsight sync", "scope": "read", "expires_on": ""}
        )
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"].split(", ")
        secret = response.context["issued"].secret
        assert secret in response.content.decode()
        listed = admin_client_ws.get(url).content.decode()
        assert secret not in listed
        assert response.context["issued"].token.prefix in listed
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
        assert client.get("/api/v1/projects/").status_code == 200

    def test_an_expiry_in_the_past_is_refused_with_a_message(self, admin_client_ws) -> None:
        response = admin_client_ws.post(
            reverse("api_pages:api_token_list"),
            {"name": "x", "scope": "read", "expires_on": "2001-01-01"},
        )
        assert response.status_code == 400
        assert "Choose a day from today" in response.content.decode()

    def test_an_admin_revokes_a_token(self, admin_client_ws, reader) -> None:
        response = admin_client_ws.post(
            reverse("api_pages:api_token_revoke", args=[reader.token.pk]), follow=True
        )
        assert "no longer works" in response.content.decode()
        assert reader.get("/api/v1/projects/").status_code == 401

    @pytest.mark.parametrize("role", [Role.CONSULTANT, Role.CSM, Role.VIEWER])
    def test_only_admins_manage_tokens(self, client_for, workspace, role) -> None:
        client = client_for(workspace, role)
        assert client.get(reverse("api_pages:api_token_list")).status_code == 403
