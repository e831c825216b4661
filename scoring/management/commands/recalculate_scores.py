"""Recalculate scores now: every project marked for recalculation, or the one named."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from readiness.models import Project
from scoring import selectors, services


class Command(BaseCommand):
    help = (
        "Recalculate the Adoption Readiness score of every project marked for recalculation, "
        "or of one project with --project; --json prints each project's latest snapshot."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--project", type=int, help="Recalculate only this project (its id).")
        parser.add_argument(
            "--json", action="store_true", help="Print the latest snapshot of each project."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        project_id = options["project"]
        if project_id is not None:
            if not Project.objects.filter(pk=project_id).exists():
                raise CommandError(
                    f"No project has the id {project_id}. List the ids in the Projects page."
                )
            summary = services.projects_recalculate(project_ids=[project_id])
            shown = [project_id]
        else:
            summary = services.dirty_projects_recalculate()
            shown = list(Project.objects.order_by("pk").values_list("pk", flat=True))
        if options["json"]:
            snapshots = selectors.latest_snapshots_for_projects(shown)
            payload = [_snapshot_json(snapshots[pk]) for pk in shown if pk in snapshots]
            self.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False))
        else:
            self.stdout.write(
                f"Recalculated {summary.calculated} project(s); "
                f"{len(summary.stored)} new snapshot(s) stored."
            )


def _snapshot_json(snapshot: Any) -> dict[str, Any]:
    """Return the figures of a snapshot that the command prints."""
    breakdown = snapshot.breakdown
    groups = breakdown.get("groups", {})
    return {
        "project_id": snapshot.project_id,
        "project": str(snapshot.project),
        "calculated_at": snapshot.created_at.isoformat(),
        "assessment": snapshot.assessment.name if snapshot.assessment else None,
        "model_version": snapshot.model_version,
        "score": snapshot.score,
        "band": snapshot.band or None,
        "components": [
            {key: c[key] for key in ("name", "index", "weight", "points", "missing")}
            for c in breakdown.get("components", [])
        ],
        "element_means": {
            name: None if group["suppressed"] else group["element_means"]
            for name, group in groups.items()
        },
        "barrier_distribution": groups.get("all", {}).get("barrier_distribution"),
        "flags": breakdown.get("flags", []),
        "responses": snapshot.responses,
        "response_rate": snapshot.response_rate,
    }
