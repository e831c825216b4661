"""The demo shows the change plan: a measured improvement, an unchanged figure, an overdue
action, a proposed checkpoint and an active share link."""

from __future__ import annotations

import os

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from plans.models import Action, ActionEffect
from reports.models import ShareLink


@pytest.mark.django_db
def test_the_demo_shows_the_change_plan(client) -> None:
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    actions = Action.objects.filter(project__name="Fleet planning rollout")
    verdicts = {}
    for effect in ActionEffect.objects.filter(action__in=actions):
        for measure in effect.result["measures"]:
            verdicts[effect.action.target, measure["code"]] = measure["verdict"]
    assert verdicts[("knowledge", "mean")] == "better"
    assert verdicts[("say_do_gap", "usage_index")] == "unchanged"
    assert actions.filter(status="planned", due_on__lt=timezone.localdate()).exists()
    link = ShareLink.objects.get(project__name="Fleet planning rollout")
    assert link.is_active()

    signed_in = client.post(reverse("login"), {"username": "csm", "password": "csm-demo"})
    assert signed_in.status_code == 302
    project = actions.first().project
    plan = client.get(reverse("plans:plan", args=[project.pk]))
    proposed = [r for r in plan.context["checkpoints"] if r.is_next]
    assert [r.checkpoint.code for r in proposed] == ["post_30"]
    mine = client.get(reverse("plans:my_actions")).context["mine"]
    assert len(mine.overdue) == 1
    assert client.get("/?actions=overdue").context["page"].paginator.count == 1
