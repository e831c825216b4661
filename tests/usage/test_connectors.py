"""Analytics exports as usage files: Segment, Mixpanel and Amplitude JSON lines.

The sample files in samples/ follow the shape each tool documents for its export.
"""

from __future__ import annotations

import datetime
import gzip
import io
import pathlib

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from tests.factories import ProjectFactory
from usage import connectors
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


class TestHostileLines:
    """Whatever a line holds, the import names it and stores nothing: never a 500."""

    def refused(self, project, body: bytes, name: str = "export.jsonl") -> list[tuple]:
        usage_import = run(project, name, body)
        assert usage_import.state == UsageImportState.FAILED
        assert not UsageEvent.objects.exists()
        return [(error["line"], error["message"]) for error in usage_import.errors]

    @pytest.mark.parametrize(
        "line",
        [
            b'{"type":"track","event":"Report\\u0000Viewed","userId":"u1",'
            b'"timestamp":"2025-03-01T10:00:00Z"}',
            b'{"type":"track","event":"Report Viewed","userId":"u\\u00001",'
            b'"timestamp":"2025-03-01T10:00:00Z"}',
        ],
    )
    def test_a_nul_character_in_a_cell_is_named(self, workspace, line):
        project = ProjectFactory(account__workspace=workspace)
        first = sample("segment_track.jsonl").splitlines()[0]
        assert self.refused(project, first + b"\n" + line + b"\n") == [
            (
                2,
                "Line 2 is not a Segment track events event: it holds a NUL character (\\u0000), "
                "which no event name, identifier or time has.",
            )
        ]

    def test_a_nul_character_in_a_key_the_import_does_not_read_is_harmless(self, workspace):
        project = ProjectFactory(account__workspace=workspace)
        body = (
            b'{"type":"track","event":"Report Viewed","userId":"u1",'
            b'"timestamp":"2025-03-01T10:00:00Z","properties":{"note":"a\\u0000b"}}\n'
        )
        assert run(project, "segment.jsonl", body).state == UsageImportState.DONE

    def test_invalid_utf8_is_named_even_in_a_key_the_import_does_not_read(self, workspace):
        project = ProjectFactory(account__workspace=workspace)
        lines = sample("mixpanel_export.jsonl").splitlines()
        broken = lines[1].replace(b'"mp_lib":"web"', b'"mp_lib":"w\xffb"')
        assert self.refused(project, b"\n".join([lines[0], broken, lines[2]])) == [
            (
                2,
                "Line 2 is not a JSON event (not UTF-8 text). Export the events again as JSON "
                "lines.",
            )
        ]

    @pytest.mark.parametrize("number", [b"1e999", b"NaN", b"Infinity", b"-1e400"])
    def test_a_number_that_is_not_finite_is_named(self, workspace, number):
        project = ProjectFactory(account__workspace=workspace)
        lines = sample("mixpanel_export.jsonl").splitlines()
        odd = b'{"event":"Report Viewed","properties":{"time":' + number + b',"distinct_id":"x"}}'
        errors = self.refused(project, b"\n".join([lines[0], odd, lines[2]]))
        assert [line for line, _message in errors] == [2]
        assert errors[0][1].startswith("Line 2 is not a JSON event (")

    def test_deeply_nested_json_is_named(self, workspace):
        project = ProjectFactory(account__workspace=workspace)
        lines = sample("amplitude_export.jsonl").splitlines()
        nested = b"[" * 5000 + b"]" * 5000
        deep = lines[1].replace(b'"event_properties":{}', b'"event_properties":' + nested)
        errors = self.refused(project, b"\n".join([lines[0], deep, lines[2]]))
        assert [line for line, _message in errors] == [2]
        assert errors[0][1].startswith("Line 2 is not a JSON event (")

    def test_a_line_longer_than_a_megabyte_is_named(self, workspace):
        project = ProjectFactory(account__workspace=workspace)
        lines = sample("segment_track.jsonl").splitlines()
        huge = lines[0].replace(
            b'"properties":{', b'"properties":{"x":"' + b"a" * 1_100_000 + b'",'
        )
        body = b"\n".join([lines[0]] * 11 + [huge, lines[0]])
        assert self.refused(project, body) == [
            (12, "Line 12 is longer than a megabyte, which no analytics event is.")
        ]

    def test_a_gzip_bomb_is_refused(self, workspace, monkeypatch):
        monkeypatch.setattr(connectors, "GZIP_RATIO_FROM_BYTES", 1024 * 1024)
        project = ProjectFactory(account__workspace=workspace)
        first = sample("segment_track.jsonl").splitlines()[0]
        body = gzip.compress(first + b"\n" * (4 * 1024 * 1024) + first)
        with pytest.raises(ValidationError, match="zip bomb"):
            run(project, "export.jsonl.gz", body)
        assert not UsageImport.objects.exists()


class TestBlocksReadAlike:
    """A block of ordinary events is read by column; any unusual line makes its block read
    event by event. Either way the same events are stored."""

    LINES = [
        b'{"type":"track","event":"Report Viewed","userId":"u-1","timestamp":"2025-03-01T09:00:00Z"}',
        b'{"type":"identify","userId":"u-1","traits":{"plan":"Pro"}}',
        b'{"type":"track","event":"Alert Created","userId":null,"anonymousId":"anon-7",'
        b'"timestamp":"2025-03-02T10:00:00.500+01:00"}',
        b'{"type":"track","event":"Report Viewed","userId":"U-1","originalTimestamp":"2025-03-03"}',
        b'{"event":"Dashboard Shared","anonymousId":"anon-8","sentAt":"2025-03-03T23:59:59Z"}',
    ]

    def stored(self, workspace, body: bytes) -> list[tuple]:
        project = ProjectFactory(account__workspace=workspace)
        usage_import = run(project, "segment.jsonl", body)
        assert usage_import.state == UsageImportState.DONE, usage_import.errors
        return sorted(
            UsageEvent.objects.filter(project=project).values_list(
                "day", "feature", "count", "user_key"
            )
        )

    def test_an_unusual_line_does_not_change_the_other_events(self, workspace):
        ordinary = self.stored(workspace, b"\n".join(self.LINES) + b"\n")
        # A blank line and a numeric user id are read event by event, with their block.
        unusual = b'{"type":"track","event":"Exported","userId":42,"timestamp":"2025-03-04"}'
        mixed = self.stored(workspace, b"\n\n".join([*self.LINES, unusual]) + b"\n")
        assert mixed == sorted(
            [*ordinary, (datetime.date(2025, 3, 4), "Exported", 1, uf.user_key("42"))]
        )
        assert len(ordinary) == 4
        assert {key for *_rest, key in ordinary} == {
            uf.user_key("u-1"),
            uf.user_key("anon-7"),
            uf.user_key("anon-8"),
        }

    @pytest.mark.parametrize("name", ["mixpanel_export.jsonl", "amplitude_export.jsonl"])
    def test_a_blank_line_changes_nothing(self, workspace, name):
        lines = sample(name).splitlines()
        by_column = self.stored(workspace, b"\n".join(lines))
        by_event = self.stored(workspace, b"\n\n".join(lines))
        assert by_column == by_event and len(by_column) == len(lines)
