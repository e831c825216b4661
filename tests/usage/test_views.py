"""Usage pages: upload, column mapping with preview, progress, permissions, project panel."""

from __future__ import annotations

import datetime
import html
import io
import re

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from scoring.services import project_recalculate
from tests.factories import ProjectFactory, UsageImportFactory, UserFactory
from usage import files as uf
from usage import views
from usage.files import progress_cache_key
from usage.models import UsageEvent, UsageImport, UsageImportState
from usage.services import STILL_RUNNING, usage_import_delete, usage_import_run_now
from usage.tasks import expire_usage_uploads
from usage.views import ALREADY_STARTED
from workspaces.models import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(workspace):
    return ProjectFactory(account__workspace=workspace, licensed_seats=10)


def upload(client, url: str, content: bytes, name: str = "usage.csv"):
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def imported(project, content: bytes = b"date,user\n2025-03-01,ann\n", name: str = "u.csv"):
    """Import `content` into `project` as the import_usage command does; return the import."""
    return usage_import_run_now(
        workspace=project.workspace, project=project, file_name=name, source=io.BytesIO(content)
    )


def uploaded(client, project, content: bytes = b"date,user\n2025-03-01,ann\n") -> UsageImport:
    """Upload `content` on the project's page as `client`; return the upload."""
    upload(client, reverse("usage:project_usage_upload", args=[project.pk]), content)
    return UsageImport.objects.latest("pk")


class TestUploadFlow:
    def test_other_headers_are_mapped_after_a_preview(
        self, consultant_client, project, django_capture_on_commit_callbacks
    ) -> None:
        content = b"Day;Person;Module;Times\n2025-03-01;ann@x.example;reports;2\n2025-03-02;bob;alerts;1\n"
        response = upload(
            consultant_client, reverse("usage:project_usage_upload", args=[project.pk]), content
        )
        usage_import = UsageImport.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("usage:usage_import_detail", args=[usage_import.pk])
        page = consultant_client.get(response["Location"]).content.decode()
        assert "Preview of the first rows" in page and "ann@x.example" in page
        assert "Which column holds what" in page

        mapping = {"date": "0", "user": "1", "feature": "2", "count": "3"}
        with django_capture_on_commit_callbacks(execute=True):
            response = consultant_client.post(
                reverse("usage:usage_import_start", args=[usage_import.pk]), mapping
            )
        assert response.status_code == 302
        page = consultant_client.get(response["Location"]).content.decode()
        assert "Imported 2 rows" in page
        assert UsageEvent.objects.filter(project=project).count() == 2

    def test_a_mapping_without_user_is_refused_with_a_message(
        self, consultant_client, project
    ) -> None:
        usage_import = uploaded(consultant_client, project, b"when,who\n2025-03-01,ann\n")
        response = consultant_client.post(
            reverse("usage:usage_import_start", args=[usage_import.pk]), {"date": "0"}
        )
        assert response.status_code == 400
        assert "Choose the file&#x27;s column that holds the user: it is required." in (
            response.content.decode()
        )
        usage_import.refresh_from_db()
        assert usage_import.awaiting_confirmation

    def test_a_second_click_on_import_goes_to_the_import_page(
        self, consultant_client, project, django_capture_on_commit_callbacks
    ) -> None:
        usage_import = uploaded(consultant_client, project)
        start = reverse("usage:usage_import_start", args=[usage_import.pk])
        mapping = {"date": "0", "user": "1"}
        with django_capture_on_commit_callbacks(execute=True):
            consultant_client.post(start, mapping)

        response = consultant_client.post(start, mapping)
        detail = reverse("usage:usage_import_detail", args=[usage_import.pk])
        assert response.status_code == 302 and response["Location"] == detail
        page = consultant_client.get(detail).content.decode()
        assert ALREADY_STARTED in page and "Imported 1 row." in page

    def test_a_click_racing_another_one_goes_to_the_import_page(
        self, consultant_client, project, monkeypatch
    ) -> None:
        usage_import = UsageImportFactory(project=project, header=["date", "user"])
        stale = UsageImport.objects.get(pk=usage_import.pk)
        UsageImport.objects.filter(pk=usage_import.pk).update(queued_at=timezone.now())
        # This request read the upload before the other one confirmed it.
        monkeypatch.setattr(views.selectors, "usage_import_get", lambda **kwargs: stale)
        response = consultant_client.post(
            reverse("usage:usage_import_start", args=[usage_import.pk]),
            {"date": "0", "user": "1"},
            follow=True,
        )
        assert response.redirect_chain == [
            (reverse("usage:usage_import_detail", args=[usage_import.pk]), 302)
        ]
        assert ALREADY_STARTED in response.content.decode()

    def test_matching_headers_are_preselected(self, consultant_client, project) -> None:
        upload(
            consultant_client,
            reverse("usage:project_usage_upload", args=[project.pk]),
            b"count,user,date\n1,ann,2025-03-01\n",
        )
        page = consultant_client.get(
            reverse("usage:usage_import_detail", args=[UsageImport.objects.get().pk])
        ).content.decode()
        assert '<option value="2" selected>date</option>' in page
        assert '<option value="1" selected>user</option>' in page

    def test_a_bad_file_is_refused_on_the_upload_page(self, consultant_client, project) -> None:
        response = upload(
            consultant_client, reverse("usage:project_usage_upload", args=[project.pk]), b""
        )
        assert response.status_code == 200
        assert "The file is empty." in response.content.decode()
        assert not UsageImport.objects.exists()

    @override_settings(USAGE_IMPORT_MAX_BYTES=1024 * 1024)
    def test_a_file_over_the_limit_is_refused_with_its_size(
        self, consultant_client, project
    ) -> None:
        response = upload(
            consultant_client,
            reverse("usage:project_usage_upload", args=[project.pk]),
            b"date,user\n" + b"2025-03-01,ann\n" * 100_000,
        )
        assert "The file is 1.4 MB; the limit is 1 MB." in response.content.decode()

    def test_workspace_wide_upload_routes_by_account(
        self, admin_client_ws, workspace, django_capture_on_commit_callbacks
    ) -> None:
        first = ProjectFactory(
            account__workspace=workspace, account__external_id="A-1", account__name="Alpha Foods"
        )
        second = ProjectFactory(
            account__workspace=workspace, account__external_id="B-2", account__name="Beta Mills"
        )
        upload(
            admin_client_ws,
            reverse("usage:workspace_usage_upload"),
            b"date,user,account\n2025-03-01,ann,A-1\n2025-03-01,bob,B-2\n",
        )
        usage_import = UsageImport.objects.get()
        assert usage_import.project is None
        with django_capture_on_commit_callbacks(execute=True):
            admin_client_ws.post(
                reverse("usage:usage_import_start", args=[usage_import.pk]),
                {"date": "0", "user": "1", "account": "2"},
            )
        assert UsageEvent.objects.filter(project=first).count() == 1
        assert UsageEvent.objects.filter(project=second).count() == 1
        result = admin_client_ws.get(
            reverse("usage:usage_import_detail", args=[usage_import.pk])
        ).content.decode()
        assert "into 2 projects" in result
        for project in (first, second):
            assert f"{project.account.name} — {project.name}" in result
        page = admin_client_ws.get(reverse("usage:workspace_usage_upload")).content.decode()
        assert "Workspace-wide" in page

    def test_an_upload_can_be_discarded(self, consultant_client, project) -> None:
        usage_import = uploaded(consultant_client, project)
        response = consultant_client.post(
            reverse("usage:usage_import_discard", args=[usage_import.pk])
        )
        assert response["Location"] == reverse("reports:project_detail", args=[project.pk])
        assert not UsageImport.objects.exists()


class TestDeletingAnImport:
    def _imported(self, project, content: bytes = b"date,user\n2025-03-01,ann\n2025-03-02,bob\n"):
        usage_import = usage_import_run_now(
            workspace=project.workspace,
            project=project,
            file_name="u.csv",
            source=io.BytesIO(content),
        )
        project.refresh_from_db()
        project.needs_recalculation = False
        project.save(update_fields=["needs_recalculation"])
        return usage_import

    def test_a_finished_import_is_deleted_with_its_rows_after_a_confirmation(
        self, consultant_client, project
    ) -> None:
        usage_import = self._imported(project)
        other = self._imported(ProjectFactory(account__workspace=project.workspace))
        detail = consultant_client.get(reverse("usage:usage_import_detail", args=[usage_import.pk]))
        url = reverse("usage:usage_import_delete", args=[usage_import.pk])
        assert url in detail.content.decode()
        page = consultant_client.get(url).content.decode()
        assert "This removes the import's <strong>2 usage rows</strong>" in page
        assert UsageEvent.objects.filter(usage_import=usage_import).count() == 2

        response = consultant_client.post(url, follow=True)
        assert response.redirect_chain[-1][0] == reverse(
            "reports:project_detail", args=[project.pk]
        )
        assert "“u.csv” and its 2 usage rows were deleted" in response.content.decode()
        assert not UsageImport.objects.filter(pk=usage_import.pk).exists()
        assert not UsageEvent.objects.filter(project=project).exists()
        # Another project's rows stay; the project that lost rows is recalculated.
        assert UsageEvent.objects.filter(usage_import=other).count() == 2
        project.refresh_from_db()
        assert project.needs_recalculation

    def test_the_same_file_can_be_imported_again_once_deleted(self, project) -> None:
        content = b"date,user\n2025-03-01,ann\n"
        usage_import = self._imported(project, content)
        usage_import_delete(usage_import=usage_import)
        again = self._imported(project, content)
        assert again.state == UsageImportState.DONE and again.imported_rows == 1

    def test_a_workspace_wide_import_marks_every_project_it_fed(self, workspace) -> None:
        first = ProjectFactory(account__workspace=workspace, account__external_id="A-1")
        second = ProjectFactory(account__workspace=workspace, account__external_id="B-2")
        usage_import = usage_import_run_now(
            workspace=workspace,
            project=None,
            file_name="all.csv",
            source=io.BytesIO(b"date,user,account\n2025-03-01,ann,A-1\n2025-03-01,bob,B-2\n"),
        )
        deleted = usage_import_delete(usage_import=usage_import)
        assert deleted.project_ids == sorted([first.pk, second.pk])
        assert not UsageEvent.objects.exists()

    @pytest.mark.parametrize("state", [UsageImportState.PENDING, UsageImportState.PROCESSING])
    def test_a_running_import_cannot_be_deleted(self, consultant_client, project, state) -> None:
        usage_import = UsageImportFactory(project=project, state=state, queued_at=timezone.now())
        url = reverse("usage:usage_import_delete", args=[usage_import.pk])
        assert "This import is still running." in consultant_client.get(url).content.decode()
        response = consultant_client.post(url, follow=True)
        assert STILL_RUNNING in response.content.decode()
        assert UsageImport.objects.filter(pk=usage_import.pk).exists()

    def test_a_failed_import_can_be_removed_from_the_list(self, consultant_client, project) -> None:
        usage_import = UsageImportFactory(project=project, state=UsageImportState.FAILED)
        response = consultant_client.post(
            reverse("usage:usage_import_delete", args=[usage_import.pk]), follow=True
        )
        assert "The failed import “" in response.content.decode()
        assert not UsageImport.objects.filter(pk=usage_import.pk).exists()

    @pytest.mark.parametrize(("role", "status"), [(Role.CSM, 403), (Role.VIEWER, 403)])
    def test_only_admins_and_consultants_delete(
        self, client_for, workspace, project, role, status
    ) -> None:
        usage_import = UsageImportFactory(project=project, state=UsageImportState.DONE)
        client = client_for(workspace, role)
        detail = client.get(reverse("usage:usage_import_detail", args=[usage_import.pk]))
        url = reverse("usage:usage_import_delete", args=[usage_import.pk])
        assert url not in detail.content.decode()
        assert client.post(url).status_code == status
        assert UsageImport.objects.filter(pk=usage_import.pk).exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
class TestDeletingWhileOthersAct:
    def test_deleting_twice_at_once_deletes_once_without_an_error(self, workspace) -> None:
        from concurrent.futures import ThreadPoolExecutor
        from threading import Barrier

        project = ProjectFactory(account__workspace=workspace)
        usage_import = imported(project)
        start = Barrier(2)

        def delete() -> str:
            start.wait(timeout=10)
            try:
                return "deleted" if usage_import_delete(usage_import=usage_import) else "gone"
            finally:
                connection.close()

        with ThreadPoolExecutor(max_workers=2) as pool:
            outcomes = sorted(pool.map(lambda _: delete(), range(2)))
        assert outcomes == ["deleted", "gone"]
        assert not UsageImport.objects.exists() and not UsageEvent.objects.exists()

    def test_an_import_that_is_loading_is_refused_at_once(self, workspace) -> None:
        from threading import Event, Thread

        from django.db import transaction

        project = ProjectFactory(account__workspace=workspace)
        usage_import = imported(project)
        UsageImport.objects.filter(pk=usage_import.pk).update(state=UsageImportState.PROCESSING)
        locked, release = Event(), Event()

        def hold_the_row() -> None:
            # What a running import does: it keeps its row locked while it loads.
            try:
                with transaction.atomic():
                    UsageImport.objects.select_for_update().get(pk=usage_import.pk)
                    locked.set()
                    release.wait(timeout=10)
            finally:
                connection.close()

        holder = Thread(target=hold_the_row)
        holder.start()
        try:
            assert locked.wait(timeout=10)
            # Waiting for the lock would fail here instead of answering "still running".
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '3s'")
                with pytest.raises(ValidationError, match="still running"):
                    usage_import_delete(usage_import=usage_import)
        finally:
            release.set()
            holder.join()
        assert UsageImport.objects.filter(pk=usage_import.pk).exists()


class TestExpiringUploads:
    def test_uploads_nobody_confirmed_are_discarded_with_their_files(
        self, consultant_client, project, django_capture_on_commit_callbacks
    ) -> None:
        stale = uploaded(consultant_client, project)
        fresh = UsageImportFactory(project=project)
        UsageImport.objects.filter(pk=stale.pk).update(
            created_at=timezone.now() - datetime.timedelta(hours=25)
        )
        done = UsageImportFactory(project=project, state=UsageImportState.DONE)
        UsageImport.objects.filter(pk=done.pk).update(
            created_at=timezone.now() - datetime.timedelta(days=30)
        )
        assert default_storage.exists(stale.file.name)

        with django_capture_on_commit_callbacks(execute=True):
            assert expire_usage_uploads() == 1
        assert not default_storage.exists(stale.file.name)
        assert set(UsageImport.objects.values_list("pk", flat=True)) == {fresh.pk, done.pk}


class TestLostTasks:
    def _confirmed(self, client, project, callbacks) -> UsageImport:
        usage_import = uploaded(client, project)
        with callbacks(execute=True):
            response = client.post(
                reverse("usage:usage_import_start", args=[usage_import.pk]),
                {"date": "0", "user": "1"},
            )
        assert response.status_code == 302
        usage_import.refresh_from_db()
        return usage_import

    def test_confirming_with_the_broker_down_succeeds_and_waits(
        self, consultant_client, project, broker_down, caplog, django_capture_on_commit_callbacks
    ) -> None:
        import logging

        with caplog.at_level(logging.WARNING, logger="usage.services"):
            usage_import = self._confirmed(
                consultant_client, project, django_capture_on_commit_callbacks
            )
        assert "the periodic requeue will queue it again" in caplog.text
        assert usage_import.state == UsageImportState.PENDING and usage_import.queued_at

    def test_an_import_whose_task_was_lost_is_queued_again(
        self, consultant_client, project, monkeypatch, django_capture_on_commit_callbacks
    ) -> None:
        from usage import services

        with monkeypatch.context() as lost:
            lost.setattr(services, "_publish_import", lambda usage_import_id: None)
            usage_import = self._confirmed(
                consultant_client, project, django_capture_on_commit_callbacks
            )
        assert services.usage_imports_requeue() == 0  # confirmed just now: a worker may be busy
        UsageImport.objects.filter(pk=usage_import.pk).update(
            queued_at=timezone.now() - datetime.timedelta(minutes=11)
        )
        assert services.usage_imports_requeue() == 1
        usage_import.refresh_from_db()
        assert usage_import.state == UsageImportState.DONE and usage_import.imported_rows == 1


class TestProgress:
    def test_a_running_import_polls_and_shows_its_progress(self, viewer_client, project) -> None:
        usage_import = UsageImportFactory(project=project, state=UsageImportState.PROCESSING)
        cache.set(progress_cache_key(usage_import.pk), 42)
        response = viewer_client.get(
            reverse("usage:usage_import_status", args=[usage_import.pk]), HTTP_HX_REQUEST="true"
        )
        body = response.content.decode()
        assert "42 %" in body and 'hx-trigger="every 1s"' in body

    def test_each_poll_brings_the_state_badge_of_the_page_along(
        self, viewer_client, project
    ) -> None:
        usage_import = UsageImportFactory(
            project=project, state=UsageImportState.PROCESSING, queued_at=timezone.now()
        )
        page = viewer_client.get(
            reverse("usage:usage_import_detail", args=[usage_import.pk])
        ).content.decode()
        assert page.count('id="import-state"') == 1
        assert '<span id="import-state"><span class="badge text-bg-primary">Processing' in page

        UsageImport.objects.filter(pk=usage_import.pk).update(
            state=UsageImportState.DONE, imported_rows=3
        )
        fragment = viewer_client.get(
            reverse("usage:usage_import_status", args=[usage_import.pk]), HTTP_HX_REQUEST="true"
        ).content.decode()
        assert "Imported 3 rows" in fragment
        assert re.search(
            r'<span id="import-state" hx-swap-oob="true">\s*'
            r'<span class="badge text-bg-success">Done</span>\s*</span>',
            fragment,
        )

    def test_a_finished_import_stops_polling_and_lists_its_errors(
        self, viewer_client, project
    ) -> None:
        usage_import = UsageImportFactory(
            project=project,
            state=UsageImportState.FAILED,
            errors=[{"line": 7, "column": "date", "message": "Enter a date."}],
            error_count=130,
        )
        body = viewer_client.get(
            reverse("usage:usage_import_status", args=[usage_import.pk])
        ).content.decode()
        assert "hx-trigger" not in body
        assert "Line 7, column date: Enter a date." in body
        assert "… and 129 more not shown." in body

    def test_identical_problems_are_listed_once_with_their_lines(
        self, viewer_client, project
    ) -> None:
        zero = uf.COUNT_INVALID.format(value="0")
        errors = [
            {"line": 3, "column": "count", "message": zero},
            {"line": 4, "column": "date", "message": uf.DATE_EMPTY},
            *({"line": line, "column": "count", "message": zero} for line in (5, 9, 12, 14, 20)),
            {"line": 21, "column": "date", "message": uf.DATE_EMPTY},
            {"line": 22, "column": "count", "message": uf.COUNT_INVALID.format(value="x")},
            {"line": 23, "column": "count", "message": zero},
        ]
        usage_import = UsageImportFactory(
            project=project,
            state=UsageImportState.FAILED,
            header=["day", "user", "feature", "times"],
            column_mapping={"date": 0, "user": 1, "feature": 2, "count": 3, "account": None},
            errors=errors,
            error_count=1250,
        )
        body = viewer_client.get(
            reverse("usage:usage_import_status", args=[usage_import.pk])
        ).content.decode()
        assert re.findall(r"<li>(.*?)</li>", body) == [
            f"Lines 3, 5, 9, 12, 14 and 2 more, column count (“times” in the file): {zero}",
            f"Lines 4 and 21, column date (“day” in the file): {uf.DATE_EMPTY}",
            "Line 22, column count (“times” in the file): " + uf.COUNT_INVALID.format(value="x"),
        ]
        assert "1,250 problems were found; the first 10 are listed." in body
        assert "The same problem on several lines is listed once, with its lines." in body
        assert "… and 1,240 more not shown." in body

    def test_a_column_named_as_ours_is_not_named_twice(self, viewer_client, project) -> None:
        usage_import = UsageImportFactory(
            project=project,
            state=UsageImportState.FAILED,
            errors=[
                {"line": line, "column": "date", "message": uf.DATE_EMPTY} for line in range(2, 102)
            ],
            error_count=100,
        )
        body = viewer_client.get(
            reverse("usage:usage_import_status", args=[usage_import.pk])
        ).content.decode()
        assert re.findall(r"<li>(.*?)</li>", body) == [
            f"Lines 2, 3, 4, 5, 6 and 95 more, column date: {uf.DATE_EMPTY}"
        ]
        assert "100 problems were found." in body

    def test_a_column_without_a_name_is_named_by_its_place(self) -> None:
        usage_import = UsageImport(
            header=["", "user"],
            column_mapping={"date": 0, "user": 1},
            errors=[{"line": 2, "column": "date", "message": uf.DATE_EMPTY}],
        )
        assert [group.where for group in usage_import.problem_groups()] == [
            "Line 2, column date (the file's column 1, which has no name)"
        ]

    @pytest.mark.parametrize("workspace_wide", [False, True])
    def test_importers_can_upload_a_corrected_file(
        self, consultant_client, workspace, project, workspace_wide
    ) -> None:
        failed = UsageImportFactory(
            project=None if workspace_wide else project,
            workspace=workspace,
            state=UsageImportState.FAILED,
            errors=[{"line": 2, "column": "date", "message": uf.DATE_EMPTY}],
            error_count=1,
        )
        page = consultant_client.get(
            reverse("usage:usage_import_detail", args=[failed.pk])
        ).content.decode()
        upload_url = (
            reverse("usage:workspace_usage_upload")
            if workspace_wide
            else reverse("usage:project_usage_upload", args=[project.pk])
        )
        assert f'href="{upload_url}">Upload a corrected file</a>' in page
        assert "Delete this import…" in page

    def test_a_viewer_or_a_finished_import_gets_no_upload_button(
        self, viewer_client, consultant_client, project
    ) -> None:
        failed = UsageImportFactory(project=project, state=UsageImportState.FAILED)
        done = UsageImportFactory(project=project, state=UsageImportState.DONE)
        for client, usage_import in ((viewer_client, failed), (consultant_client, done)):
            page = client.get(reverse("usage:usage_import_detail", args=[usage_import.pk]))
            assert "Upload a corrected file" not in page.content.decode()

    def test_a_row_of_the_wrong_shape_is_named_once(self, viewer_client, project) -> None:
        message = uf.BAD_ROW_SHAPE.format(line=4, expected=4)
        usage_import = UsageImportFactory(
            project=project,
            state=UsageImportState.FAILED,
            errors=[{"line": 4, "column": "", "message": message}],
            error_count=1,
        )
        body = viewer_client.get(
            reverse("usage:usage_import_status", args=[usage_import.pk])
        ).content.decode()
        assert f"<li>{message}</li>" in body


class TestPermissions:
    @pytest.mark.parametrize(
        ("role", "status"),
        [(Role.ADMIN, 200), (Role.CONSULTANT, 200), (Role.CSM, 403), (Role.VIEWER, 403)],
    )
    def test_only_admins_and_consultants_upload(
        self, client_for, workspace, project, role, status
    ) -> None:
        client = client_for(workspace, role)
        assert (
            client.get(reverse("usage:project_usage_upload", args=[project.pk])).status_code
            == status
        )
        assert client.get(reverse("usage:workspace_usage_upload")).status_code == status

    @pytest.mark.parametrize("role", [Role.CSM, Role.VIEWER])
    def test_only_importers_see_the_raw_rows_of_an_upload(
        self, client_for, consultant_client, workspace, project, role
    ) -> None:
        upload(
            consultant_client,
            reverse("usage:project_usage_upload", args=[project.pk]),
            b"date,user\n2025-03-01,ann@x.example\n",
        )
        url = reverse("usage:usage_import_detail", args=[UsageImport.objects.get().pk])
        assert "ann@x.example" in consultant_client.get(url).content.decode()

        page = html.unescape(client_for(workspace, role).get(url).content.decode())
        assert "ann@x.example" not in page
        assert "Preview of the first rows" not in page and "Which column holds what" not in page
        name = consultant_client.user.get_full_name()
        assert f"This upload waits for {name} to confirm which column holds what." in page

    def test_a_viewer_sees_an_import_but_cannot_start_it(self, viewer_client, project) -> None:
        usage_import = UsageImportFactory(project=project)
        assert (
            viewer_client.get(
                reverse("usage:usage_import_detail", args=[usage_import.pk])
            ).status_code
            == 200
        )
        assert (
            viewer_client.post(
                reverse("usage:usage_import_start", args=[usage_import.pk]), {}
            ).status_code
            == 403
        )


class TestProjectPanel:
    def _queries(self, client, project) -> int:
        with CaptureQueriesContext(connection) as context:
            assert (
                client.get(reverse("reports:project_detail", args=[project.pk])).status_code == 200
            )
        return len(context)

    def test_the_panel_shows_the_window_figures(self, viewer_client, project) -> None:
        rows = "date,user,feature\n" + "".join(f"2025-03-31,u{n},reports\n" for n in range(4))
        usage_import_run_now(
            workspace=project.workspace,
            project=project,
            file_name="u.csv",
            source=io.BytesIO(rows.encode()),
        )
        page = viewer_client.get(
            reverse("reports:project_detail", args=[project.pk])
        ).content.decode()
        assert '4 <span class="fs-6 text-body-secondary">of 10 seats</span>' in page
        assert "40.0 %" in page  # utilization 4 / 10
        assert "Mar 2025" in page and "u.csv" in page
        assert "Upload usage" not in page  # a viewer cannot upload

    def test_recent_imports_include_workspace_wide_files_and_link_to_all(
        self, viewer_client, workspace, project
    ) -> None:
        other = ProjectFactory(account__workspace=workspace)
        UsageImportFactory(project=project, file_name="own.csv")
        workspace_wide_import(workspace, [project, other], file_name="everyone.csv")
        workspace_wide_import(workspace, [other], file_name="not-ours.csv")
        page = viewer_client.get(
            reverse("reports:project_detail", args=[project.pk])
        ).content.decode()
        assert "own.csv" in page and "everyone.csv" in page
        assert "not-ours.csv" not in page
        link = f"{reverse('usage:usage_import_list')}?project={project.pk}"
        assert f'<a href="{link}">All imports of this project</a>' in page

    def test_the_page_query_count_does_not_grow_with_usage(self, viewer_client, project) -> None:
        baseline = None
        for month in range(1, 7):
            rows = "date,user,feature\n" + "".join(
                f"2025-0{month}-{day:02d},u{n},f{n % 5}\n"
                for day in range(1, 28)
                for n in range(20)
            )
            usage_import_run_now(
                workspace=project.workspace,
                project=project,
                file_name=f"{month}.csv",
                source=io.BytesIO(rows.encode()),
            )
            if baseline is None:
                self._queries(viewer_client, project)  # the first visit also saves the session
                baseline = self._queries(viewer_client, project)
        assert self._queries(viewer_client, project) == baseline


def test_events_are_read_only_in_the_django_admin(admin_client, project) -> None:
    imported(project)
    event = UsageEvent.objects.get()
    assert admin_client.get(reverse("admin:usage_usageevent_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:usage_usageevent_change", args=[event.pk]))
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert admin_client.get(reverse("admin:usage_usageevent_add")).status_code == 403
    assert (
        admin_client.post(reverse("admin:usage_usageevent_delete", args=[event.pk])).status_code
        == 403
    )


def test_imports_with_rows_of_the_same_days_point_at_each_other(project) -> None:
    from usage.selectors import usage_import_overlaps

    copy, october, november = _overlapping_imports(project)
    assert usage_import_overlaps(usage_import=copy) == [october]
    assert usage_import_overlaps(usage_import=october) == [copy]
    assert usage_import_overlaps(usage_import=november) == []
    other_project = ProjectFactory(account__workspace=project.workspace)
    elsewhere = imported(other_project, b"date,user\n2025-10-01,ann\n", name="oct.csv")
    assert usage_import_overlaps(usage_import=elsewhere) == []


def _overlapping_imports(project) -> tuple[UsageImport, UsageImport, UsageImport]:
    """Import October twice (the second time with other line endings) and November."""

    def imported(name: str, content: bytes) -> UsageImport:
        return usage_import_run_now(
            workspace=project.workspace, project=project, file_name=name, source=io.BytesIO(content)
        )

    october = imported("oct.csv", b"date,user\n2025-10-01,ann\n2025-10-31,bob\n")
    # The same rows with Windows line endings: another SHA-256, the same days.
    copy = imported("oct-copy.csv", b"date,user\r\n2025-10-01,ann\r\n2025-10-31,bob\r\n")
    november = imported("nov.csv", b"date,user\n2025-11-01,ann\n")
    assert (october.first_day, october.last_day) == (
        datetime.date(2025, 10, 1),
        datetime.date(2025, 10, 31),
    )
    return copy, october, november


def test_the_page_of_an_overlapping_import_warns_and_links_the_other(
    consultant_client, project
) -> None:
    copy, october, _november = _overlapping_imports(project)
    page = consultant_client.get(
        reverse("usage:usage_import_status", args=[copy.pk])
    ).content.decode()
    assert "Its rows are from 2025-10-01 to 2025-10-31" in page
    assert reverse("usage:usage_import_detail", args=[october.pk]) in page
    assert "its events count twice: delete one of the two imports." in page


def workspace_wide_import(workspace, projects, **kwargs) -> UsageImport:
    """Return a finished workspace-wide import whose rows went to `projects`."""
    usage_import = UsageImportFactory(
        project=None,
        workspace=workspace,
        state=UsageImportState.DONE,
        project_count=len(projects),
        **kwargs,
    )
    usage_import.projects.set(projects)
    return usage_import


def listed_files(client, query: str = "") -> list[str]:
    """Return the file names the list of imports shows, in their order."""
    page = client.get(reverse("usage:usage_import_list") + query)
    assert page.status_code == 200
    return re.findall(
        r'class="fw-semibold text-break" href="[^"]+">([^<]+)</a>', page.content.decode()
    )


class TestImportList:
    def _imports(self, project, count: int) -> list[UsageImport]:
        start = timezone.now() - datetime.timedelta(days=count)
        imports = []
        for number in range(count):
            imports.append(
                UsageImportFactory(
                    project=project,
                    file_name=f"f{number:02d}.csv",
                    created_at=start + datetime.timedelta(days=number),
                )
            )
        return imports

    @pytest.mark.parametrize("role", [Role.ADMIN, Role.CONSULTANT, Role.CSM, Role.VIEWER])
    def test_every_member_reaches_the_list_from_the_top_bar(
        self, client_for, workspace, project, role
    ) -> None:
        UsageImportFactory(project=project, file_name="march.csv")
        client = client_for(workspace, role)
        home = client.get(reverse("readiness:project_list")).content.decode()
        assert f'href="{reverse("usage:usage_import_list")}">Usage</a>' in home
        assert listed_files(client) == ["march.csv"]

    def test_imports_are_listed_newest_first_25_to_a_page(self, viewer_client, project) -> None:
        self._imports(project, 30)
        assert listed_files(viewer_client) == [f"f{n:02d}.csv" for n in range(29, 4, -1)]
        assert listed_files(viewer_client, "?page=2") == [f"f{n:02d}.csv" for n in range(4, -1, -1)]
        page = viewer_client.get(reverse("usage:usage_import_list")).content.decode()
        assert "Page 1 of 2 · 30 imports" in page and 'href="?page=2"' in page

    @pytest.mark.parametrize(
        ("page", "first"), [("abc", "f29.csv"), ("0", "f04.csv"), ("99", "f04.csv")]
    )
    def test_a_bad_page_number_shows_a_page_instead_of_an_error(
        self, viewer_client, project, page, first
    ) -> None:
        self._imports(project, 30)
        assert listed_files(viewer_client, f"?page={page}")[0] == first

    def test_a_row_names_its_target_state_rows_and_uploader(
        self, viewer_client, workspace, project
    ) -> None:
        uploader = UserFactory(first_name="Alma", last_name="Admin")
        UsageImportFactory(
            project=project,
            state=UsageImportState.DONE,
            imported_rows=1200,
            uploaded_by=uploader,
        )
        others = [ProjectFactory(account__workspace=workspace) for _ in range(3)]
        workspace_wide_import(workspace, others, file_name="all.csv")
        page = viewer_client.get(reverse("usage:usage_import_list")).content.decode()
        assert f"{project.account.name} — {project.name}" in page
        assert "Workspace-wide → 3 projects" in page
        assert '<span class="badge text-bg-success">Done</span>' in page
        assert "by Alma Admin" in page

    def test_the_project_filter_lists_the_imports_that_fed_it(
        self, viewer_client, workspace, project
    ) -> None:
        other = ProjectFactory(account__workspace=workspace)
        UsageImportFactory(project=project, file_name="own.csv")
        UsageImportFactory(project=other, file_name="other.csv")
        workspace_wide_import(workspace, [project, other], file_name="both.csv")
        workspace_wide_import(workspace, [other], file_name="other-only.csv")
        query = f"?project={project.pk}"
        assert sorted(listed_files(viewer_client, query)) == ["both.csv", "own.csv"]
        page = viewer_client.get(reverse("usage:usage_import_list") + query).content.decode()
        assert f"Usage imports of {project.name}" in page

    def test_a_foreign_or_unknown_project_is_ignored_with_the_same_message(
        self, viewer_client, project, other_workspace
    ) -> None:
        UsageImportFactory(project=project, file_name="own.csv")
        foreign = ProjectFactory(account__workspace=other_workspace)
        UsageImportFactory(project=foreign, file_name="foreign.csv")
        for value in (str(foreign.pk), "987654321", "abc"):
            page = viewer_client.get(f"{reverse('usage:usage_import_list')}?project={value}")
            body = page.content.decode()
            assert page.status_code == 200
            assert (
                f"“{value}” is not a project of this workspace, so it was ignored: "
                "all imports are listed." in body
            )
            assert listed_files(viewer_client, f"?project={value}") == ["own.csv"]
            assert foreign.name not in body

    @pytest.mark.parametrize("filtered", [False, True])
    def test_the_query_count_does_not_grow_with_the_imports(
        self, viewer_client, workspace, project, filtered
    ) -> None:
        query = f"?project={project.pk}" if filtered else ""
        url = reverse("usage:usage_import_list") + query

        def queries() -> int:
            with CaptureQueriesContext(connection) as context:
                assert viewer_client.get(url).status_code == 200
            return len(context)

        viewer_client.get(url)  # the first visit also saves the session
        for _ in range(2):
            UsageImportFactory(project=project, uploaded_by=UserFactory())
            workspace_wide_import(
                workspace, [project, ProjectFactory(account__workspace=workspace)]
            )
        few = queries()
        for number in range(12):
            UsageImportFactory(
                project=ProjectFactory(account__workspace=workspace) if number % 2 else project,
                uploaded_by=UserFactory(),
                state=UsageImportState.DONE,
            )
            workspace_wide_import(
                workspace, [project, ProjectFactory(account__workspace=workspace)]
            )
        assert queries() == few

    @pytest.mark.parametrize(("role", "shown"), [(Role.CONSULTANT, True), (Role.CSM, False)])
    def test_importers_get_the_workspace_wide_upload(
        self, client_for, workspace, role, shown
    ) -> None:
        page = client_for(workspace, role).get(reverse("usage:usage_import_list"))
        assert ("Upload a workspace-wide file" in page.content.decode()) is shown

    def test_the_upload_page_links_to_the_whole_list(self, consultant_client) -> None:
        page = consultant_client.get(reverse("usage:workspace_usage_upload")).content.decode()
        assert f'<a href="{reverse("usage:usage_import_list")}">All imports</a>' in page

    @pytest.mark.parametrize("role", [Role.CSM, Role.VIEWER])
    def test_the_breadcrumb_of_an_import_opens_for_every_member(
        self, client_for, workspace, role
    ) -> None:
        usage_import = workspace_wide_import(workspace, [])
        client = client_for(workspace, role)
        page = client.get(reverse("usage:usage_import_detail", args=[usage_import.pk]))
        crumb = re.search(r'<a href="([^"]+)">Usage imports</a>', page.content.decode())
        assert crumb is not None
        assert client.get(crumb.group(1)).status_code == 200


class TestWording:
    def test_row_counts_have_thousands_separators_and_the_right_plural(
        self, consultant_client, workspace, project
    ) -> None:
        big = UsageImportFactory(
            project=project, state=UsageImportState.DONE, imported_rows=200_000, file_name="big.csv"
        )
        UsageImportFactory(
            project=project, state=UsageImportState.DONE, imported_rows=1, file_name="one.csv"
        )
        workspace_wide_import(workspace, [project], imported_rows=1_500, file_name="all.csv")
        detail = consultant_client.get(reverse("usage:usage_import_detail", args=[big.pk]))
        assert "Imported 200,000 rows." in detail.content.decode()
        delete = consultant_client.get(reverse("usage:usage_import_delete", args=[big.pk]))
        assert "<strong>200,000 usage rows</strong>" in delete.content.decode()
        listed = consultant_client.get(reverse("usage:usage_import_list")).content.decode()
        assert ">200,000</td>" in listed and ">1,500</td>" in listed
        upload_page = consultant_client.get(reverse("usage:workspace_usage_upload"))
        assert ">200,000</td>" in upload_page.content.decode()
        panel = consultant_client.get(
            reverse("reports:project_detail", args=[project.pk])
        ).content.decode()
        assert "· 200,000 rows</span>" in panel
        assert "· 1 row</span>" in panel
        assert "· 1,500 rows into 1 project</span>" in panel

    def test_problem_counts_have_thousands_separators(self, viewer_client, project) -> None:
        usage_import = UsageImportFactory(
            project=project,
            state=UsageImportState.FAILED,
            errors=[{"line": 2, "column": "date", "message": uf.DATE_EMPTY}],
            error_count=12_345,
        )
        body = viewer_client.get(
            reverse("usage:usage_import_status", args=[usage_import.pk])
        ).content.decode()
        assert "12,345 problems were found; the first 1 are listed." in body
        assert "… and 12,344 more not shown." in body

    def test_the_usage_index_has_one_name_on_the_project_page_and_the_report(
        self, viewer_client, project
    ) -> None:
        rows = "date,user,feature\n" + "".join(f"2025-03-31,u{n},reports\n" for n in range(4))
        usage_import_run_now(
            workspace=project.workspace,
            project=project,
            file_name="u.csv",
            source=io.BytesIO(rows.encode()),
        )
        project_recalculate(project_id=project.pk)
        for url in (
            reverse("reports:project_detail", args=[project.pk]),
            reverse("reports:project_report", args=[project.pk]),
        ):
            page = viewer_client.get(url).content.decode()
            assert "<dt>Usage index</dt>" in page and "Usage Index" not in page

    def test_the_preview_keeps_dates_on_one_line_and_shortens_long_names(
        self, consultant_client, project
    ) -> None:
        long_name = "date of the event in the customer's own time zone"
        upload(
            consultant_client,
            reverse("usage:project_usage_upload", args=[project.pk]),
            f"{long_name},user\n2025-03-01,ann\n".encode(),
        )
        page = html.unescape(
            consultant_client.get(
                reverse("usage:usage_import_detail", args=[UsageImport.objects.get().pk])
            ).content.decode()
        )
        assert f'<th scope="col" title="{long_name}">date of the event in the cust…</th>' in page
        assert '<table class="table table-sm mb-0 preview-table">' in page
        assert "<td>2025-03-01</td>" in page
