"""Membership by consent: admins invite by e-mail, the person accepts (issue 11, item 10)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse

from tests.factories import MembershipFactory, UserFactory, WorkspaceFactory
from workspaces.models import MemberInvitation, Membership, Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def invite(django_capture_on_commit_callbacks):
    """Return a function that invites `email` as an admin would (the e-mail goes on commit)."""

    def send(admin_client, email: str, role: str = Role.VIEWER):
        with django_capture_on_commit_callbacks(execute=True):
            return admin_client.post(
                reverse("workspaces:member_list"), {"email": email, "role": role}, follow=True
            )

    return send


def link_in_last_mail() -> str:
    return re.search(r"https?://\S+/join/\S+/", mail.outbox[-1].body).group(0).split("/", 3)[3]


def flash(response) -> str:
    return " ".join(str(message) for message in response.context["messages"])


def test_the_answer_is_the_same_whether_the_person_has_an_account_or_not(
    admin_client_ws, workspace, invite
):
    elsewhere = WorkspaceFactory()
    outsider = UserFactory(username="olga", email="olga@globex.example")
    MembershipFactory(user=outsider, workspace=elsewhere)

    known = flash(invite(admin_client_ws, "olga@globex.example"))
    unknown = flash(invite(admin_client_ws, "nobody@nowhere.example"))

    assert known.replace("olga@globex.example", "X") == unknown.replace(
        "nobody@nowhere.example", "X"
    )
    assert "They join once they accept it" in known
    assert not Membership.objects.filter(user=outsider, workspace=workspace).exists()
    assert [message.to for message in mail.outbox] == [
        ["olga@globex.example"],
        ["nobody@nowhere.example"],
    ]


def test_typing_a_username_adds_no_one(admin_client_ws, workspace):
    outsider = UserFactory(username="olga", email="olga@globex.example")
    admin_client_ws.post(reverse("workspaces:member_list"), {"username": "olga", "role": "admin"})
    assert not Membership.objects.filter(user=outsider, workspace=workspace).exists()


def test_an_existing_user_signs_in_and_accepts(admin_client_ws, workspace, invite):
    olga = UserFactory(username="olga", email="olga@globex.example")
    invite(admin_client_ws, "olga@globex.example", Role.CSM)
    path = "/" + link_in_last_mail()

    anonymous = Client().get(path).content.decode()
    assert "Sign in to accept" in anonymous

    client = Client()
    client.force_login(olga)
    assert client.post(path).status_code == 302
    assert Membership.objects.get(user=olga, workspace=workspace).role == Role.CSM
    # The link works once.
    assert Client().get(path).status_code == 404


def test_someone_else_signed_in_cannot_use_the_link(admin_client_ws, workspace, invite):
    invite(admin_client_ws, "olga@globex.example")
    path = "/" + link_in_last_mail()
    mallory = UserFactory(username="mallory", email="mallory@example.com")
    client = Client()
    client.force_login(mallory)
    response = client.post(path)
    assert response.status_code == 400
    assert "sent to another e-mail address" in response.content.decode()
    assert not Membership.objects.filter(user=mallory, workspace=workspace).exists()


def test_a_new_person_sets_a_password_and_joins_as_a_viewer(admin_client_ws, workspace, invite):
    invite(admin_client_ws, "new.person@example.com")
    path = "/" + link_in_last_mail()
    client = Client()
    assert "Choose a username and a password" in client.get(path).content.decode()

    weak = client.post(path, {"username": "newbie", "password1": "123", "password2": "123"})
    assert weak.status_code == 400
    assert not get_user_model().objects.filter(username="newbie").exists()

    password = "a-long-unusual-passphrase-42"
    joined = client.post(path, {"username": "newbie", "password1": password, "password2": password})
    assert joined.status_code == 302
    user = get_user_model().objects.get(username="newbie")
    assert user.email == "new.person@example.com" and user.check_password(password)
    assert Membership.objects.get(user=user, workspace=workspace).role == Role.VIEWER
    assert client.get("/").status_code == 200  # signed in, in the new workspace


def test_an_unknown_link_answers_404(client):
    response = client.get("/join/not-a-real-token/")
    assert response.status_code == 404
    assert "This invitation link is not valid any more" in response.content.decode()


def test_only_admins_invite(client_for, workspace):
    client = client_for(workspace, Role.CONSULTANT)
    response = client.post(reverse("workspaces:member_list"), {"email": "x@example.com"})
    assert response.status_code == 403
    assert not MemberInvitation.objects.exists()


def test_the_invitation_secret_never_reaches_a_log_line():
    from readiness.survey.log_filters import redact

    assert redact('"GET /join/Zx9-secret/ HTTP/1.1" 200') == '"GET /join/[redacted]/ HTTP/1.1" 200'


def test_the_demo_shows_an_invitation_waiting_to_be_accepted():
    import os

    from django.core.management import call_command

    call_command("seed_demo", stdout=open(os.devnull, "w"))
    pending = MemberInvitation.objects.get(email="new.analyst@northwind.example")
    assert pending.accepted_at is None and not mail.outbox
