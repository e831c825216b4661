"""Import a usage file (CSV or XLSX) from the command line, e.g. a nightly telemetry dump."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.template.defaultfilters import pluralize

from readiness.models import Project
from usage import services
from usage.models import UsageImportState
from workspaces.models import Workspace


class Command(BaseCommand):
    help = (
        "Import usage into one project (--project ID) or a whole workspace (--workspace SLUG, "
        "the file then needs an account column). Exits non-zero when the file is refused."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        target = parser.add_mutually_exclusive_group(required=True)
        target.add_argument("--project", type=int, help="id of the project that gets the usage")
        target.add_argument("--workspace", help="slug of the workspace (workspace-wide file)")
        parser.add_argument("file", type=Path, help="the CSV or XLSX file")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"There is no file at {path}. Check the path.")
        if options["project"] is not None:
            project = (
                Project.objects.select_related("workspace").filter(pk=options["project"]).first()
            )
            if project is None:
                raise CommandError(f"There is no project with id {options['project']}.")
            workspace = project.workspace
        else:
            project = None
            workspace = Workspace.objects.filter(slug=options["workspace"]).first()
            if workspace is None:
                raise CommandError(f"There is no workspace with the slug “{options['workspace']}”.")
        try:
            with path.open("rb") as source:
                usage_import = services.usage_import_run_now(
                    workspace=workspace, project=project, file_name=path.name, source=source
                )
        except ValidationError as error:
            raise CommandError(f"The file was refused: {' '.join(error.messages)}") from None
        if usage_import.state != UsageImportState.DONE:
            for error in usage_import.errors:
                # A message without a column (a row of the wrong shape) names its line itself.
                where = (
                    f"Line {error['line']}, column {error['column']}: " if error["column"] else ""
                )
                self.stderr.write(f"{where}{error['message']}")
            if usage_import.errors_not_shown:
                self.stderr.write(f"… and {usage_import.errors_not_shown} more.")
            raise CommandError(
                f"The file was refused with {usage_import.error_count} problem(s); nothing was "
                f"imported (import #{usage_import.pk})."
            )
        count = usage_import.project_count
        target = f"project “{project.name}”" if project else f"{count} project{pluralize(count)}"
        rows = usage_import.imported_rows
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {rows:,} row{pluralize(rows)} into {target} "
                f"(import #{usage_import.pk}, SHA-256 {usage_import.sha256[:12]}…)."
            )
        )
