"""Usage events are deleted set-based, never one by one.

The events table has no primary-key index on PostgreSQL (docs/usage-imports.md): one DELETE by
import, project or workspace is fast, while anything that makes Django collect the events first
(a `pre_delete`/`post_delete` receiver, a model pointing at them with a cascade, a
GenericRelation) would read every event and delete them by id — minutes for a large import,
each lookup a scan of the table. These tests read the SQL that a deletion sends.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.db import connection
from django.db.models.signals import post_delete
from django.test.utils import CaptureQueriesContext

from readiness.models import Project
from tests.factories import ProjectFactory
from tests.usage.test_imports import HEADER, run
from usage import services
from usage.models import UsageEvent
from workspaces.models import Workspace

pytestmark = pytest.mark.django_db

TABLE = UsageEvent._meta.db_table
ROWS = "".join(f"2025-03-{day:02d},user{n},reports,1\n" for day in (1, 2, 3) for n in range(5))


def assert_events_deleted_set_based(delete: Callable[[], object]) -> None:
    """Run `delete` and fail if any statement reads events or deletes them by id."""
    with CaptureQueriesContext(connection) as queries:
        delete()
    statements = [query["sql"] for query in queries if TABLE in query["sql"]]
    assert statements, "no statement deleted the events"
    for sql in statements:
        assert sql.lstrip().upper().startswith("DELETE"), f"events were read one by one: {sql}"
        assert not re.search(rf'"{TABLE}"\."id"\s+IN', sql), f"events deleted by id: {sql}"
    assert not UsageEvent.objects.exists()


@pytest.fixture
def imported(workspace):
    project = ProjectFactory(account__workspace=workspace)
    usage_import = run(project, (HEADER + ROWS).encode())
    assert UsageEvent.objects.filter(usage_import=usage_import).count() == 15
    return usage_import


class TestOneStatement:
    def test_deleting_an_import(self, imported) -> None:
        assert_events_deleted_set_based(lambda: services.usage_import_delete(usage_import=imported))

    def test_deleting_a_project(self, imported) -> None:
        assert_events_deleted_set_based(
            lambda: Project.objects.filter(pk=imported.project_id).delete()
        )

    def test_deleting_a_workspace(self, imported) -> None:
        assert_events_deleted_set_based(
            lambda: Workspace.objects.filter(pk=imported.workspace_id).delete()
        )


class TestTheGuard:
    def test_a_delete_receiver_for_events_is_caught(self, imported) -> None:
        """What the check above exists for: a receiver makes Django collect every event."""

        def receiver(**kwargs: object) -> None:
            pass

        post_delete.connect(receiver, sender=UsageEvent)
        try:
            with pytest.raises(AssertionError, match="events were read one by one|by id"):
                assert_events_deleted_set_based(
                    lambda: services.usage_import_delete(usage_import=imported)
                )
        finally:
            post_delete.disconnect(receiver, sender=UsageEvent)
