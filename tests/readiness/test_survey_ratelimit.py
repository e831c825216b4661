"""The unknown-link limit never locks out a respondent, even behind a shared proxy (issue 11, 3)."""

from __future__ import annotations

import pytest
from django.test import Client

from readiness.models import Invitation
from readiness.survey import tokens
from tests.readiness.test_assessments import invite, open_assessment

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"


@pytest.fixture
def invitation(workspace) -> Invitation:
    return invite(open_assessment(project__account__workspace=workspace))


def link(invitation: Invitation) -> str:
    return f"/s/{tokens.token_for_salt(invitation.token_salt)}/"


def guess(client: Client, count: int, **headers: str) -> list[int]:
    return [client.get(f"/s/guess{n}/", **headers).status_code for n in range(count)]


def test_a_valid_link_opens_after_its_client_reached_the_limit(client, invitation, settings):
    settings.SURVEY_UNKNOWN_LINK_LIMIT = 3
    assert guess(client, 4) == [404, 404, 404, 429]
    assert client.get(link(invitation)).status_code == 200
    assert client.post(link(invitation) + "awareness/", {"AW1": "4"}).status_code == 302


def test_behind_the_proxy_one_guessing_client_does_not_block_the_others(invitation, settings):
    settings.SURVEY_UNKNOWN_LINK_LIMIT = 3
    settings.TRUSTED_PROXY_COUNT = 1
    guesser = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="203.0.113.7")
    respondent = Client(REMOTE_ADDR=PROXY, HTTP_X_FORWARDED_FOR="198.51.100.4")
    assert guess(guesser, 4) == [404, 404, 404, 429]
    # A mistyped link from someone else behind the same proxy is still a plain 404.
    assert respondent.get("/s/mistyped/").status_code == 404
    assert respondent.get(link(invitation)).status_code == 200


def test_a_forged_forwarded_for_does_not_reset_the_count(settings):
    settings.SURVEY_UNKNOWN_LINK_LIMIT = 3
    settings.TRUSTED_PROXY_COUNT = 1
    guesser = Client(REMOTE_ADDR=PROXY)
    # The proxy appends the address it saw; whatever the client wrote before it is ignored.
    codes = [
        guesser.get(f"/s/guess{n}/", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}, 203.0.113.7").status_code
        for n in range(4)
    ]
    assert codes == [404, 404, 404, 429]


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.SURVEY_UNKNOWN_LINK_LIMIT = 3
    client = Client(REMOTE_ADDR="192.0.2.50")
    codes = [
        client.get(f"/s/guess{n}/", HTTP_X_FORWARDED_FOR=f"192.0.2.{n}").status_code
        for n in range(4)
    ]
    assert codes == [404, 404, 404, 429]
