"""Survey links after DJANGO_SECRET_KEY is rotated: the old and the resent link both open."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client, override_settings

from readiness import services
from tests.readiness.test_assessments import invite, open_assessment

pytestmark = pytest.mark.django_db

OLD_KEY = "the-key-the-links-were-made-with-" + "x" * 20
NEW_KEY = "the-key-after-the-rotation-" + "y" * 26


def _path(link: str) -> str:
    return "/" + link.split("://", 1)[1].split("/", 1)[1]


def test_the_sent_and_the_resent_link_both_open_after_a_key_rotation() -> None:
    with override_settings(SECRET_KEY=OLD_KEY):
        assessment = open_assessment()
        invitation = invite(assessment, name="Ada Lovelace", email="ada@example.com")
        services.invitations_send(assessment_id=assessment.pk)
        sent_link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)

    with override_settings(SECRET_KEY=NEW_KEY):
        services.invitations_send(
            assessment_id=assessment.pk, invitation_ids=[invitation.pk], resend=True
        )
        resent_link = re.search(r"https?://\S+", mail.outbox[-1].body).group(0)
        copied_link = services.invitation_link(invitation=invitation)

        assert resent_link != sent_link
        assert copied_link == resent_link
        for link in (sent_link, resent_link):
            page = Client().get(_path(link))
            assert page.status_code == 200, link
            assert "This survey link is not valid" not in page.content.decode()


def test_links_keep_working_when_the_key_does_not_change() -> None:
    assessment = open_assessment()
    invitation = invite(assessment)
    first = services.invitation_link(invitation=invitation)
    invitation.refresh_from_db()
    assert invitation.previous_token_hash is None
    assert services.invitation_link(invitation=invitation) == first
    assert Client().get(_path(first)).status_code == 200


def test_the_invitation_e_mail_has_a_text_and_an_html_part() -> None:
    assessment = open_assessment()
    invite(assessment, name="Grace Hopper", email="grace@example.com")
    services.invitations_send(assessment_id=assessment.pk)
    message = mail.outbox[-1]
    link = services.invitation_link(invitation=assessment.invitations.get())
    assert "Dear Grace Hopper" in message.body and link in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html" and f'href="{link}"' in html and "Dear Grace Hopper" in html
