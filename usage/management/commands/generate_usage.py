"""Write a realistic usage file (CSV or XLSX) for demos, tests and benchmarks."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from usage.generator import UsageProfile, usage_rows, write_csv, write_xlsx


class Command(BaseCommand):
    help = (
        "Generate usage with seasonality, weekdays, power users and a feature mix. "
        "The output's extension (.csv or .xlsx) chooses the format."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("output", type=Path)
        parser.add_argument("--users", type=int, default=80, help="people who use the product")
        parser.add_argument("--days", type=int, default=150)
        parser.add_argument("--end", type=datetime.date.fromisoformat, help="last day (YYYY-MM-DD)")
        parser.add_argument("--features", default="reports,dashboards,alerts,exports")
        parser.add_argument("--rows", type=int, help="stop after this many rows")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--account", default="", help="add an account column with this id")

    def handle(self, *args: Any, **options: Any) -> None:
        output: Path = options["output"]
        if output.suffix.lower() not in (".csv", ".xlsx"):
            raise CommandError("Name the output file .csv or .xlsx.")
        profile = UsageProfile(
            users=options["users"],
            days=options["days"],
            end=options["end"] or timezone.localdate() - datetime.timedelta(days=1),
            features=tuple(name.strip() for name in options["features"].split(",") if name.strip()),
            seed=options["seed"],
            account=options["account"],
        )
        rows = usage_rows(profile, limit=options["rows"])
        if output.suffix.lower() == ".xlsx":
            written = write_xlsx(rows, str(output), account=bool(profile.account))
        else:
            with output.open("w", encoding="utf-8", newline="") as target:
                written = write_csv(rows, target, account=bool(profile.account))
        self.stdout.write(f"Wrote {written} rows to {output}.")
