"""Usage imports: parsing, the library of bad files, atomicity, pseudonymity and both paths."""

from __future__ import annotations

import datetime
import io
import logging
import tracemalloc

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from openpyxl import Workbook

from readiness.models import ProjectStatus
from tests.factories import ProjectFactory
from usage import files as uf
from usage import loading as usage_loading
from usage import services
from usage.generator import UsageProfile, usage_rows, write_csv
from usage.loading import load_batched, load_postgres
from usage.models import UsageEvent, UsageImport, UsageImportState

pytestmark = pytest.mark.django_db

HEADER = "date,user,feature,count\n"
SECRET_USER = "alice.secret@customer.example"


@pytest.fixture
def project(workspace):
    return ProjectFactory(account__workspace=workspace, licensed_seats=10)


def run(project, content: bytes, name: str = "usage.csv", workspace=None) -> UsageImport:
    """Import `content` as the import_usage command does and return the import."""
    return services.usage_import_run_now(
        workspace=workspace or project.workspace,
        project=project if workspace is None else None,
        file_name=name,
        source=io.BytesIO(content),
    )


def refusal(project, content: bytes, name: str = "usage.csv") -> str:
    """Return the message of a file refused before processing."""
    with pytest.raises(ValidationError) as caught:
        run(project, content, name)
    return " ".join(caught.value.messages)


def errors_of(usage_import: UsageImport) -> list[tuple[int | None, str, str]]:
    assert usage_import.state == UsageImportState.FAILED
    return [(e["line"], e["column"], e["message"]) for e in usage_import.errors]


def xlsx(*sheets: list[list[object]]) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for number, rows in enumerate(sheets, 1):
        sheet = workbook.create_sheet(f"Sheet{number}")
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class TestParsing:
    def test_a_plain_file_is_imported_with_count_defaulting_to_one(self, project) -> None:
        usage_import = run(
            project, (HEADER + "2025-03-01,u1,reports,3\n2025-03-02,u2,,\n").encode()
        )
        assert usage_import.state == UsageImportState.DONE
        assert usage_import.imported_rows == 2
        events = list(UsageEvent.objects.order_by("day").values_list("day", "feature", "count"))
        assert events == [
            (datetime.date(2025, 3, 1), "reports", 3),
            (datetime.date(2025, 3, 2), "", 1),
        ]

    @pytest.mark.parametrize(
        "content",
        [
            "\ufeffDate;User;Feature;Count\r\n2025-03-01;u1;reports;2\r\n",
            "date\tuser\tfeature\tcount\n2025-03-01\tu1\treports\t2\n",
            'DATE,USER,FEATURE,COUNT\n"2025-03-01T14:05:00+02:00"," u1 ","reports",2\n\n\n',
        ],
        ids=["bom-semicolon-crlf", "tab", "quoted-datetime-trailing-empty-lines"],
    )
    def test_delimiters_bom_quotes_and_date_times_are_understood(self, project, content) -> None:
        usage_import = run(project, content.encode())
        assert usage_import.state == UsageImportState.DONE, usage_import.errors
        event = UsageEvent.objects.get()
        assert (event.day, event.feature, event.count) == (datetime.date(2025, 3, 1), "reports", 2)
        assert event.user_key == uf.user_key("u1")

    def test_a_quoted_value_may_hold_the_delimiter(self, project) -> None:
        usage_import = run(project, (HEADER + '2025-03-01,"Smith, Jane",reports,1\n').encode())
        assert usage_import.state == UsageImportState.DONE
        assert UsageEvent.objects.get().user_key == uf.user_key("Smith, Jane")

    def test_an_xlsx_sheet_with_real_dates_and_numbers_is_imported(self, project) -> None:
        content = xlsx(
            [
                ["date", "user", "feature", "count"],
                [datetime.datetime(2025, 3, 1, 9, 30), "u1", "reports", 2.0],  # noqa: DTZ001 (Excel has no time zone)
                [None, None, None, None],
                [datetime.date(2025, 3, 2), "u2", "alerts", None],
            ]
        )
        usage_import = run(project, content, "usage.xlsx")
        assert usage_import.state == UsageImportState.DONE, usage_import.errors
        assert list(UsageEvent.objects.order_by("day").values_list("feature", "count")) == [
            ("reports", 2),
            ("alerts", 1),
        ]

    def test_the_same_person_in_another_case_is_one_user(self, project) -> None:
        run(project, (HEADER + "2025-03-01,Alice@X.example,reports,1\n").encode())
        run(project, (HEADER + "2025-03-02,alice@x.example,reports,1\n").encode())
        assert UsageEvent.objects.values("user_key").distinct().count() == 1


class TestBadFiles:
    """Every bad file gets its exact message, and nothing is imported."""

    def test_empty_file(self, project) -> None:
        assert refusal(project, b"") == uf.EMPTY_FILE

    def test_header_only(self, project) -> None:
        assert refusal(project, HEADER.encode()) == uf.HEADER_ONLY

    def test_missing_column(self, project) -> None:
        message = refusal(project, b"date,feature\n2025-03-01,reports\n")
        assert message == (
            "The file has no “user” column. Name the columns date, user, feature, count in the "
            "first row, or choose which column holds what."
        )

    def test_not_utf8(self, project) -> None:
        message = refusal(project, (HEADER + "2025-03-01,Jos").encode() + b"\xe9,reports,1\n")
        assert message == (
            "Line 2 is not UTF-8 text. Save the file as “CSV UTF-8” (or as .xlsx) and upload it "
            "again."
        )

    def test_utf16_is_not_utf8(self, project) -> None:
        assert refusal(project, (HEADER + "2025-03-01,u,r,1\n").encode("utf-16")) == (
            uf.NOT_UTF8.format(line=1)
        )

    def test_not_utf8_far_into_a_large_file_fails_the_import(self, project) -> None:
        rows = "".join(f"2025-03-01,user{n},reports,1\n" for n in range(60_000))
        content = (HEADER + rows).encode() + b"2025-03-02,Jos\xe9,reports,1\n"
        usage_import = run(project, content)
        assert errors_of(usage_import) == [(None, "", uf.NOT_UTF8.format(line=60_002))]
        assert not UsageEvent.objects.exists()

    def test_bad_dates(self, project) -> None:
        content = HEADER + "2025-02-30,u1,r,1\n31/01/2025,u2,r,1\n,u3,r,1\n2024-02-29,u4,r,1\n"
        assert errors_of(run(project, content.encode())) == [
            (
                2,
                "date",
                "“2025-02-30” is not a date. Use YYYY-MM-DD or an ISO 8601 date-time such as 2025-03-31T14:05:00.",
            ),
            (
                3,
                "date",
                "“31/01/2025” is not a date. Use YYYY-MM-DD or an ISO 8601 date-time such as 2025-03-31T14:05:00.",
            ),
            (4, "date", "Enter a date."),
        ]

    def test_future_and_absurdly_old_dates_are_refused(self, project) -> None:
        tomorrow_but_one = timezone.localdate() + datetime.timedelta(days=2)
        content = HEADER + f"{tomorrow_but_one},u1,r,1\n1900-01-01,u2,r,1\n2000-01-01,u3,r,1\n"
        assert errors_of(run(project, content.encode())) == [
            (
                2,
                "date",
                f"“{tomorrow_but_one}” is in the future. Usage can only be imported for days "
                "that have passed.",
            ),
            (
                3,
                "date",
                "“1900-01-01” is before 2000-01-01. Check the date: it should be a day of "
                "product usage.",
            ),
        ]
        assert not UsageEvent.objects.exists()

    @pytest.mark.parametrize(
        ("count", "named"),
        [
            ("0", "“0”"),
            ("-3", "“-3”"),
            ("1.5", "“1.5”"),
            ("1000000000", "“1000000000”"),
            # Not shaped like a number: it may be an identifier in the wrong column.
            ("abc", "This value"),
        ],
    )
    def test_counts_must_be_whole_numbers_of_one_or_more(self, project, count, named) -> None:
        usage_import = run(project, (HEADER + f"2025-03-01,u1,r,{count}\n").encode())
        assert errors_of(usage_import) == [
            (
                2,
                "count",
                f"{named} is not a valid count. Use a whole number from 1 to 999,999,999, or "
                "leave it empty for 1.",
            )
        ]

    def test_a_count_written_as_a_decimal_with_zeros_is_whole(self, project) -> None:
        usage_import = run(
            project, (HEADER + "2025-03-01,u1,r,3.0\n2025-03-01,u2,r,7.00\n").encode()
        )
        assert usage_import.state == UsageImportState.DONE
        assert sorted(UsageEvent.objects.values_list("count", flat=True)) == [3, 7]

    def test_a_wrongly_mapped_identifier_is_not_quoted_in_any_message(self, workspace) -> None:
        # The user column mapped as date, count and account: every message names line and column.
        content = (
            "date,user,count,account\nann@x.example,ann@x.example,bob@x.example,cy@x.example\n"
        )
        usage_import = run(None, content.encode(), workspace=workspace)
        stored = " ".join(error["message"] for error in usage_import.errors)
        assert [e["column"] for e in usage_import.errors] == ["date", "count", "account"]
        assert "@" not in stored
        assert "This value is not a date." in stored
        assert "No account in this workspace has this row's value as its external id." in stored

    def test_a_project_file_may_name_its_own_account_but_no_other(self, project) -> None:
        own = project.account.external_id
        content = (
            "date,user,account\n"
            f"2025-03-01,u1,{own}\n"
            f"2025-03-01,u2,{own.lower()}\n"
            "2025-03-01,u3,\n"
            "2025-03-01,u4,OTHER-7\n"
        )
        assert errors_of(run(project, content.encode())) == [
            (
                5,
                "account",
                f"This row is for the account “OTHER-7”, but the file goes to a project of “{own}”. "
                "Upload usage of several accounts on the Usage page, which sends each row to its "
                "account's project.",
            )
        ]
        fixed = run(project, content.replace("OTHER-7", "").encode())
        assert fixed.state == UsageImportState.DONE and fixed.imported_rows == 4

    def test_account_external_ids_match_in_any_case(self, workspace) -> None:
        target = ProjectFactory(account__workspace=workspace, account__external_id="DELTA-004")
        content = "date,user,account\n2025-03-01,u1,delta-004\n"
        usage_import = run(None, content.encode(), workspace=workspace)
        assert usage_import.state == UsageImportState.DONE
        assert UsageEvent.objects.get().project_id == target.pk

    def test_a_nul_character_is_named(self, project) -> None:
        message = refusal(project, (HEADER + "2025-03-01,u1,r\x00,1\n").encode())
        assert message == uf.NUL_CHARACTER.format(line=2)

    @pytest.mark.parametrize("feature", ['=HYPERLINK("http://x")', "@SUM(A1)", "+1", "-2"])
    def test_formula_looking_features(self, project, feature) -> None:
        content = HEADER + f'2025-03-01,u1,"{feature.replace(chr(34), chr(34) * 2)}",1\n'
        assert errors_of(run(project, content.encode())) == [
            (
                2,
                "feature",
                "The feature name starts with =, +, - or @ like a spreadsheet formula. Remove "
                "that character.",
            )
        ]

    def test_a_10000_character_identifier_is_refused_without_quoting_it(self, project) -> None:
        long_user = "x" * 10_000
        usage_import = run(project, (HEADER + f"2025-03-01,{long_user},r,1\n").encode())
        assert errors_of(usage_import) == [
            (2, "user", "The identifier is longer than 255 characters. Shorten it.")
        ]
        assert "xxxxxxxxxx" not in str(usage_import.errors)

    def test_a_10000_character_feature(self, project) -> None:
        usage_import = run(project, (HEADER + f"2025-03-01,u1,{'f' * 10_000},1\n").encode())
        assert errors_of(usage_import) == [
            (2, "feature", "The feature name is longer than 100 characters. Shorten it.")
        ]

    def test_a_row_with_a_wrong_number_of_columns(self, project) -> None:
        content = HEADER + "2025-03-01,u1,r,1\n2025-03-01,u2,r\n2025-03-03,u3,r,1\n"
        assert errors_of(run(project, content.encode())) == [
            (
                3,
                "",
                "Line 3 cannot be read as the 4 columns of the header. Check the delimiter, the "
                "quotes and empty lines there, then upload the file again.",
            )
        ]

    def test_unknown_account_and_account_without_active_project(self, workspace) -> None:
        ProjectFactory(account__workspace=workspace, account__external_id="OK-1")
        ProjectFactory(
            account__workspace=workspace,
            account__external_id="OLD-2",
            status=ProjectStatus.CLOSED,
        )
        content = (
            "date,user,feature,count,account\n"
            "2025-03-01,u1,r,1,OK-1\n2025-03-01,u2,r,1,NOPE-9\n"
            "2025-03-01,u3,r,1,OLD-2\n2025-03-01,u4,r,1,\n"
        )
        usage_import = run(None, content.encode(), workspace=workspace)
        assert errors_of(usage_import) == [
            (
                3,
                "account",
                "No account in this workspace has “NOPE-9” as its external id. Add that external id to the account, or correct the file.",
            ),
            (
                4,
                "account",
                "The account “OLD-2” has no active project to receive its usage. Create a project for it or reopen one.",
            ),
            (5, "account", "Enter the account's external id."),
        ]
        assert not UsageEvent.objects.exists()

    def test_an_account_of_another_workspace_is_unknown(self, workspace, other_workspace) -> None:
        ProjectFactory(account__workspace=other_workspace, account__external_id="THEIRS-1")
        content = "date,user,account\n2025-03-01,u1,THEIRS-1\n"
        usage_import = run(None, content.encode(), workspace=workspace)
        assert errors_of(usage_import)[0][2].startswith("No account in this workspace")

    def test_duplicate_upload_is_refused(self, project) -> None:
        content = (HEADER + "2025-03-01,u1,r,1\n").encode()
        assert run(project, content).state == UsageImportState.DONE
        assert refusal(project, content) == (
            f"This file was already imported into the project “{project.name}” (a file with the "
            "same SHA-256). Nothing was imported again."
        )
        assert UsageEvent.objects.count() == 1

    def test_the_same_file_may_go_to_another_project(self, project, workspace) -> None:
        content = (HEADER + "2025-03-01,u1,r,1\n").encode()
        run(project, content)
        other = ProjectFactory(account__workspace=workspace)
        assert run(other, content).state == UsageImportState.DONE

    def test_a_failed_file_can_be_imported_again_once_corrected_elsewhere(self, workspace) -> None:
        content = b"date,user,account\n2025-03-01,u1,NEW-1\n"
        assert run(None, content, workspace=workspace).state == UsageImportState.FAILED
        ProjectFactory(account__workspace=workspace, account__external_id="NEW-1")
        assert run(None, content, workspace=workspace).state == UsageImportState.DONE

    def test_xlsx_with_several_sheets(self, project) -> None:
        content = xlsx([["date", "user"], [datetime.date(2025, 3, 1), "u1"]], [["notes"]])
        assert refusal(project, content, "usage.xlsx") == (
            "The workbook has 2 sheets. Keep the usage on one sheet, delete the others and "
            "upload it again."
        )

    def test_xlsx_without_header(self, project) -> None:
        content = xlsx([[None, None], [datetime.date(2025, 3, 1), "u1"]])
        assert refusal(project, content, "usage.xlsx") == (
            "The first row is empty. Put the column names (date, user, feature, count) in the "
            "first row and upload the file again."
        )

    def test_a_broken_workbook(self, project) -> None:
        assert refusal(project, b"PK\x03\x04not really a zip", "usage.xlsx") == uf.XLSX_UNREADABLE

    def test_another_file_type(self, project) -> None:
        assert refusal(project, b"%PDF-1.7", "usage.pdf") == uf.UNSUPPORTED_TYPE

    @override_settings(USAGE_IMPORT_MAX_BYTES=2 * 1024 * 1024)
    def test_a_file_above_the_size_limit(self, project) -> None:
        content = (HEADER + "2025-03-01,u1,r,1\n" * 200_000).encode()
        assert refusal(project, content) == (
            "The file is 3.4 MB; the limit is 2 MB. Split it into smaller files (for example one "
            "per month) and upload them one by one."
        )

    def test_the_first_100_errors_are_kept_with_the_count_of_all(self, project) -> None:
        content = HEADER + "not-a-date,u1,r,1\n" * 150
        usage_import = run(project, content.encode())
        assert len(usage_import.errors) == 100
        assert usage_import.error_count == 150
        assert usage_import.errors_not_shown == 50
        assert usage_import.errors[-1]["line"] == 101


class TestBlocks:
    """Rows are checked a block at a time, each distinct value of a column once per cache."""

    @pytest.fixture(autouse=True)
    def small_blocks(self, monkeypatch) -> None:
        monkeypatch.setattr(uf, "BLOCK_ROWS", 7)
        monkeypatch.setattr(usage_loading, "KEY_CACHE_SIZE", 10)

    def test_events_stay_right_when_the_caches_are_emptied_mid_file(self, project) -> None:
        rows = [
            # Values recur irregularly, so that a block meets both cached and new ones.
            (
                f"2025-03-{1 + n * 5 % 28:02d}",
                f"user{n * n % 23}",
                ("reports", "", "x")[n % 3],
                n % 5,
            )
            for n in range(300)
        ]
        content = HEADER + "".join(
            f"{day},{user},{feature},{count or ''}\n" for day, user, feature, count in rows
        )
        usage_import = run(project, content.encode())
        assert usage_import.state == UsageImportState.DONE
        assert sorted(
            UsageEvent.objects.values_list("day", "user_key", "feature", "count")
        ) == sorted(
            (datetime.date.fromisoformat(day), uf.user_key(user), feature, count or 1)
            for day, user, feature, count in rows
        )

    def test_accounts_met_late_in_a_workspace_file_are_looked_up_mid_copy(self, workspace) -> None:
        # On PostgreSQL each new account pauses the COPY for its lookup, then it resumes.
        projects = {
            f"ACC-{n}": ProjectFactory(
                account__workspace=workspace, account__external_id=f"ACC-{n}"
            )
            for n in range(6)
        }
        rows = [f"2025-03-01,user{n},ACC-{min(n // 4, 5)}\n" for n in range(30)]
        usage_import = run(
            None, ("date,user,account\n" + "".join(rows)).encode(), workspace=workspace
        )
        assert usage_import.state == UsageImportState.DONE and usage_import.project_count == 6
        counts = {
            external_id: UsageEvent.objects.filter(project=project).count()
            for external_id, project in projects.items()
        }
        assert counts == {"ACC-0": 4, "ACC-1": 4, "ACC-2": 4, "ACC-3": 4, "ACC-4": 4, "ACC-5": 10}

    def test_a_workbook_reports_its_progress_block_by_block(self, project) -> None:
        rows = [["date", "user"]] + [[datetime.date(2025, 3, 1), f"user{n}"] for n in range(40)]
        content = xlsx(rows)
        usage_import = UsageImport.objects.create(
            workspace=project.workspace,
            project=project,
            file_name="u.xlsx",
            file_size=len(content),
            sha256="x",
            header=["date", "user"],
            column_mapping={"date": 0, "user": 1},
        )
        source = lambda: io.BytesIO(content)  # noqa: E731
        read: list[int] = []
        result = load_batched(
            usage_import=usage_import,
            shape=uf.read_shape(source, "u.xlsx"),
            open_file=source,
            progress=read.append,
        )
        assert result.imported_rows == 40
        # Six blocks of 7 rows: the file is read further after each of them.
        assert len(read) == 6 and read == sorted(read) and read[-1] <= len(content)

    def test_errors_of_many_blocks_are_listed_in_line_order_and_all_counted(self, project) -> None:
        lines, expected = [], []
        for line in range(2, 402):
            day = "2025-02-30" if line % 4 == 0 else "2025-03-01"
            count = "0" if line % 10 == 0 else "2"
            lines.append(f"{day},user{line % 50},reports,{count}\n")
            if line % 4 == 0:
                expected.append((line, "date", uf.DATE_INVALID.format(value="“2025-02-30”")))
            if line % 10 == 0:
                expected.append((line, "count", uf.COUNT_INVALID.format(value="“0”")))
        usage_import = run(project, (HEADER + "".join(lines)).encode())
        assert errors_of(usage_import) == expected[:100]
        assert usage_import.error_count == len(expected) == 140
        assert not UsageEvent.objects.exists()


class TestAllOrNothing:
    def test_a_bad_last_row_leaves_nothing(self, project) -> None:
        rows = "".join(f"2025-03-01,user{n},reports,1\n" for n in range(12_000))
        usage_import = run(project, (HEADER + rows + "2025-03-01,u,reports,0\n").encode())
        assert errors_of(usage_import) == [(12_002, "count", uf.COUNT_INVALID.format(value="“0”"))]
        assert usage_import.imported_rows == 0
        assert not UsageEvent.objects.exists()

    def test_the_stored_file_is_deleted_once_processed(
        self, project, django_capture_on_commit_callbacks
    ) -> None:
        from django.core.files.storage import default_storage

        usage_import = services.usage_import_create(
            workspace=project.workspace,
            project=project,
            uploaded_by=None,
            file_name="usage.csv",
            source=io.BytesIO((HEADER + "2025-03-01,u1,r,1\n").encode()),
        )
        stored = usage_import.file.name
        assert default_storage.exists(stored)
        with django_capture_on_commit_callbacks(execute=True):
            services.usage_import_start(
                usage_import=usage_import, mapping=usage_import.column_mapping
            )
        usage_import.refresh_from_db()
        assert usage_import.state == UsageImportState.DONE
        assert not default_storage.exists(stored) and not usage_import.file

    def test_processing_twice_imports_once(self, project) -> None:
        usage_import = run(project, (HEADER + "2025-03-01,u1,r,1\n").encode())
        again = services.usage_import_process(usage_import_id=usage_import.pk)
        assert again.state == UsageImportState.DONE
        assert UsageEvent.objects.count() == 1

    def test_a_finished_import_marks_its_project_for_recalculation(self, project) -> None:
        run(project, (HEADER + "2025-03-01,u1,r,1\n").encode())
        project.refresh_from_db()
        assert project.needs_recalculation

    def test_a_workspace_file_goes_to_each_accounts_active_project(self, workspace) -> None:
        first = ProjectFactory(account__workspace=workspace, account__external_id="A-1")
        second = ProjectFactory(account__workspace=workspace, account__external_id="B-2")
        content = "account;date;user\nA-1;2025-03-01;u1\nB-2;2025-03-01;u2\nB-2;2025-03-02;u2\n"
        usage_import = run(None, content.encode(), workspace=workspace)
        assert usage_import.state == UsageImportState.DONE
        assert usage_import.project_count == 2
        assert UsageEvent.objects.filter(project=first).count() == 1
        assert UsageEvent.objects.filter(project=second).count() == 2


class TestPseudonymity:
    def _all_stored_text(self) -> str:
        """Return every text value of every table of the database, joined."""
        values = []
        with connection.cursor() as cursor:
            for table in connection.introspection.table_names(cursor):
                columns = connection.introspection.get_table_description(cursor, table)
                names = [c.name for c in columns]
                quoted = ", ".join(connection.ops.quote_name(name) for name in names)
                cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")
                values.extend(str(value) for row in cursor.fetchall() for value in row)
        return "\n".join(values)

    def test_no_raw_identifier_is_stored_anywhere(self, project, caplog) -> None:
        caplog.set_level(logging.DEBUG)
        good = HEADER + f"2025-03-01,{SECRET_USER},reports,1\n"
        run(project, good.encode())
        bad = HEADER + f"2025-03-02,{SECRET_USER},reports,0\n2025-03-02,{SECRET_USER},x\n"
        assert run(project, bad.encode()).state == UsageImportState.FAILED
        stored = self._all_stored_text().lower()
        assert "alice.secret" not in stored
        assert str(uf.user_key(SECRET_USER)) in stored
        assert "alice.secret" not in caplog.text.lower()

    def test_the_key_comes_from_the_setting_read_at_call_time(self) -> None:
        with override_settings(USAGE_PSEUDONYM_KEY="key-one"):
            first = uf.user_key("u1")
        with override_settings(USAGE_PSEUDONYM_KEY="key-two"):
            second = uf.user_key("u1")
        assert first != second
        # A signed 64-bit integer: PostgreSQL's bigint.
        assert -(2**63) <= first < 2**63 and -(2**63) <= second < 2**63


class TestMemory:
    def _peak(self, project, rows: int) -> int:
        text = io.StringIO()
        profile = UsageProfile(users=800, days=400, end=datetime.date(2025, 6, 30), seed=rows)
        write_csv(usage_rows(profile, limit=rows), text, account=False)
        source = io.BytesIO(text.getvalue().encode())
        del text
        tracemalloc.start()
        try:
            usage_import = services.usage_import_run_now(
                workspace=project.workspace,
                project=project,
                file_name=f"usage-{rows}.csv",
                source=source,
            )
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert usage_import.imported_rows == rows
        return peak

    def test_memory_does_not_grow_with_the_file(self, project, monkeypatch) -> None:
        # Smaller chunks, so that both files span many of them.
        monkeypatch.setattr(uf, "CHUNK_BYTES", 64 * 1024)
        small = self._peak(project, 10_000)
        large = self._peak(project, 60_000)
        # Six times the rows: memory must stay about the same, not grow six-fold.
        assert large < 1.5 * small, (small, large)


LIBRARY = {
    "valid": HEADER + "2025-03-01,u1,reports,3\n2025-03-02, U1 ,alerts,\n2025-03-31T10:00Z,u2,,7\n",
    "bad values": HEADER
    + "2025-02-30,u1,=x,0\n,, ,\n2025-03-01,u2,reports,1.5\n2025-03-01,"
    + "y" * 300
    + ",reports,2\n",
    "wrong shape": HEADER + "2025-03-01,u1,r,1\n2025-03-01,u1\n",
    # Beyond the first chunk, so that each path finds it while loading.
    "not utf-8": HEADER + "2025-03-01,u1,r,1\n" * 70_000 + "2025-03-01,u\udce9,r,1\n",
}


@pytest.mark.postgres
class TestBothPathsAgree:
    """The COPY path and the batched path give the same events and the same errors."""

    def _outcome(self, loader, project, name: str, content: bytes, workspace=None):
        usage_import = UsageImport.objects.create(
            workspace=project.workspace if project else workspace,
            project=project,
            file_name=name,
            file_size=len(content),
            sha256=name,
            header=[],
        )
        source = lambda: io.BytesIO(content)  # noqa: E731
        try:
            shape = uf.read_shape(source, name)
        except uf.FileRefused as refused:
            return ("refused", [e.as_dict() for e in refused.errors])
        usage_import.header = shape.header
        usage_import.column_mapping = uf.default_mapping(shape.header)
        if project is not None:
            usage_import.column_mapping["account"] = None
        try:
            with transaction.atomic():
                loader(usage_import=usage_import, shape=shape, open_file=source, progress=print)
                events = sorted(
                    UsageEvent.objects.filter(usage_import=usage_import).values_list(
                        "project_id", "day", "user_key", "feature", "count"
                    )
                )
                transaction.set_rollback(True)
                return ("done", events)
        except uf.FileRefused as refused:
            return ("failed", [e.as_dict() for e in refused.errors], refused.count)

    @pytest.mark.parametrize("case", sorted(LIBRARY))
    def test_same_outcome_for_each_file(self, project, case) -> None:
        content = LIBRARY[case].encode("utf-8", "surrogateescape")
        batched = self._outcome(load_batched, project, f"{case}-1.csv", content)
        copied = self._outcome(load_postgres, project, f"{case}-2.csv", content)
        assert batched == copied
        assert batched[0] == ("done" if case == "valid" else "failed")

    def test_same_outcome_for_xlsx_and_workspace_files(self, workspace) -> None:
        ProjectFactory(account__workspace=workspace, account__external_id="A-1")
        content = xlsx(
            [
                ["account", "date", "user", "feature"],
                ["A-1", datetime.date(2025, 3, 1), "u1", "reports"],
                ["A-1", datetime.datetime(2025, 3, 2, 8, 0), "u2", None],  # noqa: DTZ001
                ["Z-9", datetime.date(2025, 3, 2), "u3", None],
            ]
        )
        batched = self._outcome(load_batched, None, "w1.xlsx", content, workspace)
        copied = self._outcome(load_postgres, None, "w2.xlsx", content, workspace)
        assert batched == copied and batched[0] == "failed"
        good = xlsx(
            [
                ["account", "date", "user", "feature"],
                ["A-1", datetime.date(2025, 3, 1), "u1", "reports"],
                ["A-1", datetime.datetime(2025, 3, 2, 8, 0), "u2", None],  # noqa: DTZ001
            ]
        )
        batched = self._outcome(load_batched, None, "w3.xlsx", good, workspace)
        copied = self._outcome(load_postgres, None, "w4.xlsx", good, workspace)
        assert batched == copied and batched[0] == "done" and len(batched[1]) == 2

    def test_generated_file_gives_identical_events(self, project) -> None:
        text = io.StringIO()
        profile = UsageProfile(users=40, days=60, end=datetime.date(2025, 6, 30), seed=3)
        write_csv(usage_rows(profile), text, account=False)
        content = text.getvalue().encode()
        batched = self._outcome(load_batched, project, "g1.csv", content)
        copied = self._outcome(load_postgres, project, "g2.csv", content)
        assert batched[0] == "done" and len(batched[1]) > 500
        assert batched == copied


def test_the_generator_is_deterministic_and_realistic() -> None:
    profile = UsageProfile(users=50, days=140, end=datetime.date(2025, 6, 29), seed=9)
    rows = list(usage_rows(profile))
    assert rows == list(usage_rows(profile))
    by_weekday = [0] * 7
    for row in rows:
        by_weekday[datetime.date.fromisoformat(row[0]).weekday()] += 1
    assert min(by_weekday[:5]) > 3 * max(by_weekday[5:])
    per_user: dict[str, int] = {}
    for row in rows:
        per_user[row[1]] = per_user.get(row[1], 0) + 1
    busiest = sorted(per_user.values(), reverse=True)
    assert sum(busiest[:10]) > 0.3 * len(rows)


def test_the_events_index_is_brin_with_autosummarize_on_postgres_and_plain_elsewhere() -> None:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, UsageEvent._meta.db_table)
        index = constraints["usage_event_brin"]
        assert index["columns"] == ["project_id", "day", "usage_import_id"]
        if connection.vendor != "postgresql":
            return
        assert index["type"] == "brin"
        # It is the table's only index: no B-tree behind a primary key (migration 0003), whose
        # ids only the identity sequence writes.
        cursor.execute(
            "SELECT attidentity FROM pg_attribute "
            "WHERE attrelid = 'scoring_usageevent'::regclass AND attname = 'id'"
        )
        assert cursor.fetchone() == ("a",)
        assert [name for name, c in constraints.items() if c["index"]] == ["usage_event_brin"]
        # A block range without a summary is read by every query: autovacuum summarizes each
        # range an import fills, without the import waiting for it.
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'usage_event_brin'")
        assert cursor.fetchone() == (["autosummarize=on"],)
