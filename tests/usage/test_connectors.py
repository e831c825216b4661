"""Analytics exports as usage files: Segment, Mixpanel and Amplitude JSON lines.

The sample files in samples/ follow the shape each tool documents for its export.
"""

from __future__ import annotations

import gzip
import io
import pathlib

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from tests.factories import ProjectFactory
from usage import files as uf
from usage.models import UsageEvent, UsageImport, UsageImportState
from usage.selectors import usage_import_preview
from usage.services import usage_import_create, usage_import_run_now

pytestmark = pytest.mark.django_db

SAMPLES = pathlib.Path(__file__).parent / "samples"


def sample(name: str) -> bytes:
    return (SAMPLES / name).read_bytes()


def run(project, name: str, body: bytes) -> UsageImport:
    return usage_import_run_now(
        workspace=project.workspace, project=project, file_name=name, source=io.BytesIO(body)
    )


def events(project) -> list[tuple[str, str, int]]:
    return sorted(
        (str(day), feature, count)
        for day, feature, count in UsageEvent.objects.filter(project=project).values_list(
            "day", "feature", "count"
        )
    )


class TestFormats:
    def test_segment_track_events_become_usage_and_other_calls_are_left_out(self, workspace):
        project = ProjectFactory(account__workspace=workspace)
        usage_import = run(project, "segment.jsonl", sample("segment_track.jsonl"))
        assert usage_import.state == UsageImportState.DONE
        assert events(project) == [
            ("2025-03-01", "Dashboard Shared", 1),
            ("2025-03-01", "Report Viewed", 1),
            ("2025-03-02", "Report Viewed", 1),
            ("2025-03-03", "Alert Created", 1),
        ]
        keys = set(UsageEvent.objects.values_list("user_key", flat=True))
        assert keys == {
            uf.user_key("u-1001"),
            uf.user_key("u-1002"),
            uf.user_key("7f1d2c3b-aaaa-4bbb-8ccc-000000000003"),
        }

    def test_mixpanel_times_in_seconds_or_milliseconds_give_utc_days(self, workspace):
        project = ProjectFactory(account__workspace=workspace)
        run(project, "export.json", sample("mixpanel_export.jsonl"))
        assert events(project) == [
            ("2025-03-01", "Dashboard Shared", 1),
            ("2025-03-01", "Report Viewed", 1),
            ("2025-03-02", "Report Viewed", 1),
            ("2025-03-03", "Alert Created", 1),
        ]

    def test_a_gzipped_amplitude_export_is_read_with_device_ids_for_anonymous_users(
        self, workspace
    ):
        project = ProjectFactory(account__workspace=workspace)
        body = gzip.compress(sample("amplitude_export.jsonl"))
        run(project, "187523_2025-03-01_0#0.json.gz", body)
        assert events(project) == [
            ("2025-03-01", "Dashboard Shared", 1),
            ("2025-03-01", "Report Viewed", 1),
            ("2025-03-03", "Alert Created", 1),
        ]
        keys = set(UsageEvent.objects.values_list("user_key", flat=True))
        assert uf.user_key("D1A2B3C4-0000-4000-8000-000000000002") in keys

    @pytest.mark.parametrize(
        ("name", "label"),
        [
            ("segment_track.jsonl", "Segment track events"),
            ("mixpanel_export.jsonl", "Mixpanel raw export"),
            ("amplitude_export.jsonl", "Amplitude export"),
        ],
    )
    def test_the_preview_names_the_format(self, workspace, name, label):
        project = ProjectFactory(account__workspace=workspace)
        usage_import = usage_import_create(
            workspace=workspace,
            project=project,
            uploaded_by=None,
            file_name=name,
            source=io.BytesIO(sample(name)),
        )
        preview = usage_import_preview(usage_import=usage_import)
        assert preview.format_label == label
        assert preview.header == ["date", "user", "feature", "count"]
        assert preview.rows[0][2] == "Report Viewed"


class TestMalformedLines:
    def test_each_bad_line_is_named_with_its_reason_and_nothing_is_stored(self, workspace):
        project = ProjectFactory(account__workspace=workspace)
        lines = sample("mixpanel_export.jsonl").splitlines()
        body = b"\n".join(
            [
                lines[0],
                b'{"event":"Report Viewed","properties":{"time":"yesterday","distinct_id":"x"}}',
                b"{not json",
                b"[1, 2]",
                lines[1],
            ]
        )
        usage_import = run(project, "export.jsonl", body)
        assert usage_import.state == UsageImportState.FAILED
        assert [(error["line"], error["message"]) for error in usage_import.errors] == [
            (
                2,
                "Line 2 is not a Mixpanel raw export event: “properties.time” is not a Unix time.",
            ),
            (
                3,
                "Line 3 is not a JSON event (unexpected character, expected a string key). Export "
                "the events again as JSON lines.",
            ),
            (
                4,
                "Line 4 is not a JSON event (an array, not an object). Export the events again as "
                "JSON lines.",
            ),
        ]
        assert usage_import.error_count == 3
        assert not UsageEvent.objects.exists()

    def test_a_bad_value_is_reported_like_a_csv_cell(self, workspace):
        project = ProjectFactory(account__workspace=workspace)
        body = b'{"type":"track","event":"Report Viewed","userId":"u1","timestamp":"2099-01-01T00:00:00Z"}\n'
        usage_import = run(project, "segment.jsonl", body)
        assert usage_import.state == UsageImportState.FAILED
        assert usage_import.errors[0]["line"] == 1
        assert usage_import.errors[0]["column"] == "date"
        assert "in the future" in usage_import.errors[0]["message"]

    def test_json_lines_of_an_unknown_tool_are_refused_at_upload(self, workspace):
        project = ProjectFactory(account__workspace=workspace)
        with pytest.raises(ValidationError, match="not events of Segment"):
            run(project, "other.jsonl", b'{"when":"2025-03-01","who":"ann"}\n')

    def test_a_broken_gzip_file_is_refused(self, workspace):
        project = ProjectFactory(account__workspace=workspace)
        with pytest.raises(ValidationError, match="decompressed as gzip"):
            run(project, "export.json.gz", gzip.compress(sample("amplitude_export.jsonl"))[:40])


def test_the_import_usage_command_reads_an_export(tmp_path, workspace) -> None:
    project = ProjectFactory(account__workspace=workspace)
    path = tmp_path / "mixpanel.jsonl"
    path.write_bytes(sample("mixpanel_export.jsonl"))
    out = io.StringIO()
    call_command("import_usage", "--project", str(project.pk), str(path), stdout=out)
    assert "Imported 4 rows" in out.getvalue()
    assert UsageEvent.objects.filter(project=project).count() == 4
