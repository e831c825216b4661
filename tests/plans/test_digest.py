"""The daily digest: one e-mail per owner with due and overdue actions, and silence otherwise."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail

from plans import services, tasks
from tests.factories import ActionFactory, MembershipFactory, UserFactory

TODAY = datetime.date(2026, 10, 12)


def day(offset: int) -> datetime.date:
    return TODAY + datetime.timedelta(days=offset)


@pytest.fixture
def owner(workspace):
    user = UserFactory(first_name="Olga", last_name="Owner", email="olga@vendor.example")
    return MembershipFactory(workspace=workspace, user=user)


class TestContent:
    def test_one_e_mail_lists_overdue_and_due_soon_actions(self, owner, workspace) -> None:
        project = ActionFactory(project__account__workspace=workspace).project
        ActionFactory(project=project, owner=owner, title="Run the town hall", due_on=day(-2))
        ActionFactory(project=project, owner=owner, title="Publish job aids", due_on=day(3))
        ActionFactory(project=project, owner=owner, title="Later work", due_on=day(4))
        ActionFactory(project=project, owner=owner, title="Finished", due_on=day(-5), status="done")
        ActionFactory(
            project=project, owner=owner, title="Dropped", due_on=day(0), status="dropped"
        )
        assert services.action_digests_send(today=TODAY) == 1
        (message,) = mail.outbox
        assert message.to == ["olga@vendor.example"]
        assert message.subject == "1 overdue, 1 due soon: your actions in Northwind"
        text = message.body
        assert "Hello Olga Owner" in text
        overdue, soon = text.split("Due in the next three days:")
        assert "Run the town hall" in overdue and "due 2026-10-10" in overdue
        assert "Publish job aids" in soon
        for absent in ("Later work", "Finished", "Dropped"):
            assert absent not in text
        assert "/my/actions/" in text
        html, kind = message.alternatives[0]
        assert kind == "text/html" and "Run the town hall" in html and "/my/actions/" in html

    def test_each_owner_gets_only_their_own_actions(
        self, owner, workspace, other_workspace
    ) -> None:
        other = MembershipFactory(workspace=workspace, user=UserFactory(email="bo@vendor.example"))
        foreign = MembershipFactory(
            workspace=other_workspace, user=UserFactory(email="zed@globex.example")
        )
        ActionFactory(
            project__account__workspace=workspace, owner=owner, title="Mine", due_on=day(1)
        )
        ActionFactory(
            project__account__workspace=workspace, owner=other, title="Bo's", due_on=day(1)
        )
        ActionFactory(
            project__account__workspace=other_workspace,
            owner=foreign,
            title="Globex's",
            due_on=day(1),
        )
        assert services.action_digests_send(today=TODAY) == 3
        bodies = {message.to[0]: message.body for message in mail.outbox}
        assert "Mine" in bodies["olga@vendor.example"]
        assert "Bo's" not in bodies["olga@vendor.example"]
        assert "Globex" not in bodies["olga@vendor.example"]
        assert "Globex" in mail.outbox[-1].subject or "Globex's" in bodies["zed@globex.example"]


class TestSilence:
    def test_nothing_is_sent_when_nothing_is_due(self, owner, workspace) -> None:
        ActionFactory(project__account__workspace=workspace, owner=owner, due_on=day(4))
        ActionFactory(project__account__workspace=workspace, owner=owner, due_on=None)
        assert services.action_digests_send(today=TODAY) == 0
        assert mail.outbox == []

    def test_a_member_who_turned_it_off_gets_nothing(self, owner, workspace) -> None:
        ActionFactory(project__account__workspace=workspace, owner=owner, due_on=day(-1))
        services.digest_preference_set(membership=owner, daily_digest=False)
        assert tasks.send_action_digests.delay().get() == 0
        assert mail.outbox == []

    def test_a_second_run_on_the_same_day_sends_nothing_again(self, owner, workspace) -> None:
        ActionFactory(project__account__workspace=workspace, owner=owner, due_on=day(0))
        assert services.action_digests_send(today=TODAY) == 1
        assert services.action_digests_send(today=TODAY) == 0
        assert services.action_digests_send(today=day(1)) == 1
        assert len(mail.outbox) == 2

    def test_unowned_actions_and_owners_without_e_mail_get_nothing(self, workspace) -> None:
        silent = MembershipFactory(workspace=workspace, user=UserFactory(email=""))
        ActionFactory(project__account__workspace=workspace, owner=silent, due_on=day(0))
        ActionFactory(project__account__workspace=workspace, owner=None, due_on=day(0))
        assert services.action_digests_send(today=TODAY) == 0


def test_the_digest_takes_a_fixed_number_of_queries(workspace) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for(owners: int, today: datetime.date, sent: int) -> int:
        for number in range(owners):
            member = MembershipFactory(
                workspace=workspace, user=UserFactory(email=f"m{today}{number}@vendor.example")
            )
            ActionFactory(project__account__workspace=workspace, owner=member, due_on=today)
            ActionFactory(project__account__workspace=workspace, owner=member, due_on=today)
        with CaptureQueriesContext(connection) as context:
            assert services.action_digests_send(today=today) == sent
        return len(context)

    # A month later the first owner's actions are overdue: 7 owners get one e-mail each.
    one = queries_for(1, TODAY, sent=1)
    assert one == queries_for(6, day(30), sent=7)
