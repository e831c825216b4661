"""The action library: defaults for every workspace, and the scoring model's texts kept."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from plans.library import ACTIONS, DEFAULT_ENTRIES, PROMPTS
from plans.models import ActionLibraryEntry, EntryKind, Target
from scoring import engine
from tests.factories import WorkspaceFactory


class TestDefaults:
    def test_a_new_workspace_starts_with_the_default_library(self, db) -> None:
        workspace = WorkspaceFactory()
        entries = ActionLibraryEntry.objects.for_workspace(workspace)
        assert entries.count() == len(DEFAULT_ENTRIES)
        for dimension in engine.ADKAR:
            assert entries.filter(target=dimension, kind=EntryKind.ACTION).count() >= 2
            assert entries.filter(target=dimension, kind=EntryKind.PROMPT).count() >= 2
        for flag in (engine.FORCED_ADOPTION, engine.LEADERSHIP_GAP, engine.SAY_DO_GAP):
            assert entries.filter(target=flag, kind=EntryKind.ACTION).exists()

    def test_the_built_in_recommendations_are_the_first_entries(self, db) -> None:
        workspace = WorkspaceFactory()
        for dimension, text in engine.DEFAULT_ACTIONS.items():
            first = (
                ActionLibraryEntry.objects.for_workspace(workspace)
                .filter(target=dimension, kind=EntryKind.ACTION)
                .first()
            )
            assert first.guidance == text

    def test_defaults_cover_every_target(self) -> None:
        assert {entry.target for entry in ACTIONS} == set(Target.values)
        assert {entry.target for entry in PROMPTS} == set(engine.ADKAR)

    def test_a_duration_out_of_range_is_refused_with_a_message(self, workspace) -> None:
        entry = ActionLibraryEntry(
            workspace=workspace, target="desire", title="Coach", suggested_duration_days=400
        )
        with pytest.raises(ValidationError, match="between 1 and 365 days"):
            entry.full_clean()


@pytest.mark.django_db(transaction=True)
class TestMigration:
    """The data migration turns the scoring model's five texts into library entries."""

    BEFORE = [
        ("plans", "0001_action_library_and_plans"),
        ("scoring", "0006_usage_models_moved_out"),
        # Workspaces as they were then: without the columns added later (default language…).
        ("workspaces", "0002_workspace_name_without_control_characters"),
    ]
    AFTER = [("plans", "0002_library_from_scoring_model")]

    def _migrate(self, targets) -> object:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(targets)
        return executor.loader.project_state(targets).apps

    def test_edited_texts_become_entries_and_nothing_is_lost(self) -> None:
        apps = self._migrate(self.BEFORE)
        Workspace = apps.get_model("workspaces", "Workspace")
        ScoringModel = apps.get_model("scoring", "ScoringModel")
        edited = Workspace.objects.create(name="Edited", slug="edited")
        untouched = Workspace.objects.create(name="Untouched", slug="untouched")
        custom = "Weekly stand-up with the sponsor. Explain the why, again and again."
        ScoringModel.objects.create(workspace=edited, version=1)
        ScoringModel.objects.create(workspace=edited, version=2, action_awareness=custom)
        ScoringModel.objects.create(workspace=untouched, version=1)
        try:
            apps = self._migrate(self.AFTER)
            Entry = apps.get_model("plans", "ActionLibraryEntry")
            own = Entry.objects.filter(workspace_id=edited.pk, target="awareness", kind="action")
            first = own.order_by("position", "id").first()
            assert first.guidance == custom
            assert first.title == "Weekly stand-up with the sponsor"
            # The built-in texts are kept beside the workspace's own.
            assert own.filter(guidance=engine.DEFAULT_ACTIONS["awareness"]).exists()
            for dimension in ("desire", "knowledge", "ability", "reinforcement"):
                texts = set(
                    Entry.objects.filter(workspace_id=edited.pk, target=dimension).values_list(
                        "guidance", flat=True
                    )
                )
                assert engine.DEFAULT_ACTIONS[dimension] in texts
            assert Entry.objects.filter(workspace_id=untouched.pk).count() == len(DEFAULT_ENTRIES)
        finally:
            self._migrate(executor_leaf())


def executor_leaf() -> list[tuple[str, str]]:
    """Return the newest migration of every app, to leave the database as the tests expect."""
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
