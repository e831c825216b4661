"""A CSM turns a barrier on the report into an action, marks it done, and after the next round
sees whether the targeted figure moved: in a real browser."""

from __future__ import annotations

import datetime
import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from readiness import services as readiness_services
from readiness.models import Invitation
from scoring.services import project_recalculate
from tests.e2e.conftest import assert_accessible
from tests.factories import AssessmentFactory, MembershipFactory, WorkspaceFactory
from tests.plans.conftest import HIGH_KNOWLEDGE, baseline_project
from workspaces.models import Role

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DESKTOP = {"width": 1280, "height": 900}


def test_from_barrier_to_action_to_measured_effect(browser, axe_source, live_server) -> None:
    workspace = WorkspaceFactory(name="Northwind", slug="northwind")
    csm = get_user_model().objects.create_user("chloe", first_name="Chloe", last_name="Success")
    MembershipFactory(user=csm, workspace=workspace, role=Role.CSM)
    project = baseline_project(workspace)
    client = Client()
    client.force_login(csm)
    context = browser.new_context(viewport=DESKTOP)
    context.set_default_timeout(10_000)
    context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()

    page.goto(f"{live_server.url}/projects/{project.pk}/report/")
    page.get_by_role("button", name=re.compile(r"Add to plan.*Knowledge for End users")).click()
    page.wait_for_url("**/actions/*/")
    assert "added to the change plan" in page.content()
    page.get_by_label("Status").select_option("done")
    page.get_by_label("Note").fill("Every dispatcher trained.")
    page.get_by_role("button", name="Save update").click()
    page.wait_for_load_state("load")
    assert "Every dispatcher trained." in page.content()
    assert_accessible(page, axe_source, DESKTOP["width"])

    # The next round: the same people answer again, now knowing what to do.
    later = AssessmentFactory(
        project=project, name="Pre go-live", opens_on=datetime.date(2026, 11, 15), closes_on=None
    )
    readiness_services.assessment_open(assessment=later)
    sections = len({item.dimension for item in later.template.items.all()}) - 1
    for role in ("end_user",) * 3 + ("sponsor",) * 3:
        invitation = readiness_services.invitation_create(
            assessment=later, name=f"{role} {Invitation.objects.count()}",
            email=f"p{Invitation.objects.count()}@customer.example", role=role,
        )  # fmt: skip
        answers = {code: str(value) for code, value in HIGH_KNOWLEDGE.items()}
        readiness_services.response_save_draft(
            invitation=invitation, answers=answers, step=sections
        )
        readiness_services.response_submit(invitation=invitation)
    project_recalculate(project_id=project.pk)

    page.goto(f"{live_server.url}/projects/{project.pk}/plan/")
    effect = page.get_by_role("table").locator("tbody tr").first.inner_text()
    assert "Knowledge mean (1–5): 2.00 → 4.00" in effect and "improved" in effect
    assert "Kick-off baseline → Pre go-live" in effect
    assert_accessible(page, axe_source, DESKTOP["width"])
    context.close()
