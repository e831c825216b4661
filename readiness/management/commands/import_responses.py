"""Import responses gathered outside the app from a CSV in the export's format."""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from readiness import csv_io, services
from readiness.models import Assessment


class Command(BaseCommand):
    help = (
        "Import submitted responses into an assessment from a CSV with the columns name, email, "
        "role, department, then one column per question code. All or nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--assessment", type=int, required=True, help="The assessment's id.")
        parser.add_argument("file", type=Path, help="The CSV file to import.")

    def handle(self, *args: object, assessment: int, file: Path, **options: object) -> None:
        target = Assessment.objects.filter(pk=assessment).first()
        if target is None:
            raise CommandError(f"There is no assessment with id {assessment}.")
        try:
            text = csv_io.decode(file.read_bytes())
        except FileNotFoundError:
            raise CommandError(f"There is no file {file}.") from None
        except ValueError as error:
            raise CommandError(str(error)) from None
        try:
            result = services.responses_import(assessment=target, text=text)
        except ValidationError as error:
            raise CommandError(
                "Nothing was imported:\n" + "\n".join(f"  {m}" for m in error.messages)
            ) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.imported} responses into “{target.name}” "
                f"({result.invited} new invitations)."
            )
        )
