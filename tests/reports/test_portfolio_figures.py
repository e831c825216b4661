"""The portfolio's figures stored on each project: kept with every snapshot, filled for the
projects that had snapshots before they were stored (scoring migration 0007)."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from readiness.models import Project
from reports import selectors
from scoring import engine, services
from scoring.models import ScoreSnapshot
from tests.factories import ProjectFactory, submitted_response
from tests.reports.test_portfolio import GOOD, WEAK, next_round, scored_project

pytestmark = pytest.mark.django_db

FLAG_COLUMNS = [f"flag_{code}" for code in engine.FLAG_LABELS]
FIGURES = [*services.STANDING_FIELDS, *FLAG_COLUMNS]


def figures(project: Project) -> dict[str, object]:
    return dict(zip(FIGURES, Project.objects.values_list(*FIGURES).get(pk=project.pk), strict=True))


@pytest.fixture
def portfolio(workspace) -> dict[str, Project]:
    """A project of two rounds, one whose model changed between rounds, one never scored."""
    rounds = scored_project(workspace, "Rounds", GOOD, GOOD, GOOD)
    next_round(rounds, WEAK, WEAK, WEAK)
    revised = scored_project(workspace, "Revised", GOOD, GOOD, GOOD)
    services.scoring_model_revise(workspace=workspace, user=None, weight_usage=0.0)
    next_round(revised, WEAK, WEAK, WEAK)
    unscored = ProjectFactory(account__workspace=workspace, name="Pilot")
    return {"rounds": rounds, "revised": revised, "unscored": unscored}


class TestStoredWithEachSnapshot:
    def test_the_latest_snapshot_and_the_change_between_rounds(self, portfolio) -> None:
        rounds = portfolio["rounds"]
        first, latest = ScoreSnapshot.objects.filter(project=rounds).order_by("created_at", "id")
        stored = figures(rounds)
        assert stored["latest_score"] == latest.score and stored["latest_band"] == latest.band
        assert stored["latest_flags"] == latest.flags and stored["latest_at"] == latest.created_at
        assert stored["previous_score"] == first.score
        assert stored["change"] == latest.score - first.score and not stored["model_changed"]
        assert stored["flag_low_confidence"] and not stored["flag_leadership_gap"]

    def test_a_model_change_between_rounds_is_no_change(self, portfolio) -> None:
        stored = figures(portfolio["revised"])
        assert stored["change"] is None and stored["model_changed"]

    def test_a_project_without_snapshots_has_no_figures(self, portfolio) -> None:
        stored = figures(portfolio["unscored"])
        assert stored == {
            **dict.fromkeys(FIGURES),
            "model_changed": False,
            **dict.fromkeys(FLAG_COLUMNS, False),
        }

    def test_more_answers_in_the_same_round_move_the_score_not_the_change(self, workspace) -> None:
        project = scored_project(workspace, "Fleet", GOOD, GOOD, GOOD)
        for _ in range(3):
            submitted_response(assessment=project.assessments.get(), values=WEAK)
        services.project_recalculate(project_id=project.pk)
        latest = ScoreSnapshot.objects.filter(project=project).order_by("-id").first()
        assert figures(project)["latest_score"] == latest.score
        assert figures(project)["change"] is None

    def test_the_page_shows_the_stored_figures(self, portfolio, viewer_client) -> None:
        row = selectors.portfolio_projects(workspace=portfolio["rounds"].workspace).get(
            pk=portfolio["rounds"].pk
        )
        assert row.change == figures(portfolio["rounds"])["change"]
        assert "Scoring model changed" in viewer_client.get("/").content.decode()


class TestDataMigration:
    def test_fills_what_a_recalculation_stores(self, portfolio) -> None:
        expected = {name: figures(project) for name, project in portfolio.items()}
        Project.objects.update(
            **{
                **dict.fromkeys(FIGURES),
                "model_changed": False,
                **dict.fromkeys(FLAG_COLUMNS, False),
            }
        )
        migration = importlib.import_module(
            "scoring.migrations.0007_project_portfolio_figures_fill"
        )
        migration.fill(apps, None)
        assert {name: figures(project) for name, project in portfolio.items()} == expected
        assert expected["rounds"]["change"] is not None
        assert expected["rounds"]["flag_low_confidence"]
