"""Benchmark: a 1,000,000-row usage import against PostgreSQL's own COPY of the same file.

Run with a PostgreSQL database kept for benchmarks: it creates, then deletes, a throw-away
workspace there, and at the end vacuums the events table and rebuilds its BRIN index, which
locks the table for a moment:

    DATABASE_URL=postgres://user@host:5432/adoptready .venv/bin/python bench/bench_import.py

Prints the time of PostgreSQL's COPY of the file into a bare table (the baseline, measured in
the same run on the same machine), the time of our import (upload checks, rows checked and
pseudonymized as they stream, one COPY into the events table, commit), their ratio and the
peak memory of this process. Goal (SPEC §9): ratio <= 2 and peak memory < 300 MB.

With `--format jsonl` our import reads the same usage as an analytics export (Segment `track`
events by default, `--connector` for the others), one event per line, while the baseline
COPYs the equivalent CSV (one row per event, count 1) in the same run.

Hygiene (bench/common.py): the machine's load is printed first, the tables are vacuumed and
analyzed before anything is timed, and the baseline and our import run in turn.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import IO

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

from bench.common import alternate, machine_line, vacuum_analyze  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from config.celery_app import app as celery_app  # noqa: E402
from readiness import services as readiness_services  # noqa: E402
from readiness.models import Project  # noqa: E402
from usage import services  # noqa: E402
from usage.generator import HEADER, UsageProfile, usage_rows, write_csv  # noqa: E402
from usage.models import UsageEvent, UsageImport, UsageImportState  # noqa: E402
from workspaces import services as workspace_services  # noqa: E402
from workspaces.models import Workspace  # noqa: E402

CHUNK = 1024 * 1024


def baseline_copy(path: Path) -> float:
    """Return the seconds PostgreSQL takes to COPY the file into a bare, index-free table."""
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE bench_copy_baseline (day date, usr text, feature text, count int)"
        )
    try:
        started = time.perf_counter()
        with connection.cursor() as cursor, path.open("rb") as source:
            statement = "COPY bench_copy_baseline FROM STDIN WITH (FORMAT csv, HEADER true)"
            with cursor.copy(statement) as copy:
                while chunk := source.read(CHUNK):
                    copy.write(chunk)
        return time.perf_counter() - started
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE bench_copy_baseline")


def our_import(path: Path, workspace: Workspace, project: object) -> tuple[float, int]:
    """Return the seconds of a whole import of the file (as `import_usage` runs it) and its rows."""
    started = time.perf_counter()
    with path.open("rb") as source:
        usage_import = services.usage_import_run_now(
            workspace=workspace, project=project, file_name=path.name, source=source
        )
    elapsed = time.perf_counter() - started
    if usage_import.state != UsageImportState.DONE:
        sys.exit(f"The import failed: {usage_import.errors[:3]}")
    return elapsed, usage_import.imported_rows


def _segment(day: str, user: str, feature: str) -> dict:
    return {"type": "track", "event": feature, "userId": user, "timestamp": f"{day}T12:00:00Z"}


def _mixpanel(day: str, user: str, feature: str) -> dict:
    moment = datetime.datetime.fromisoformat(f"{day}T12:00:00+00:00")
    return {"event": feature, "properties": {"time": int(moment.timestamp()), "distinct_id": user}}


def _amplitude(day: str, user: str, feature: str) -> dict:
    return {"event_type": feature, "user_id": user, "event_time": f"{day} 12:00:00.000000"}


EVENT_WRITERS = {"segment": _segment, "mixpanel": _mixpanel, "amplitude": _amplitude}


def write_events(
    rows: Iterator[tuple[str, ...]], csv_target: IO[str], events_target: IO[str], connector: str
) -> int:
    """Write each row as one event of `connector` and, as the baseline, the equivalent CSV."""
    writer = csv.writer(csv_target, lineterminator="\n")
    writer.writerow(HEADER)
    event = EVENT_WRITERS[connector]
    written = 0
    for day, user, feature, _count in rows:
        # An analytics event is one use: the equivalent CSV row counts 1.
        writer.writerow((day, user, feature, "1"))
        events_target.write(json.dumps(event(day, user, feature), separators=(",", ":")))
        events_target.write("\n")
        written += 1
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--quote-all", action="store_true", help="write every cell quoted, as some exports do"
    )
    parser.add_argument(
        "--format",
        choices=["csv", "jsonl"],
        default="csv",
        help="import the usage as CSV, or as an analytics export in JSON lines",
    )
    parser.add_argument(
        "--connector", choices=sorted(EVENT_WRITERS), default="segment", help="with --format jsonl"
    )
    options = parser.parse_args()
    print(machine_line())
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database: the benchmark compares with COPY.")
    call_command("migrate", verbosity=0)  # so that it also runs on a fresh database
    # Queue the recalculation that a finished import triggers, as with a real broker, instead
    # of running it in-process inside the timed import.
    celery_app.conf.task_always_eager = False
    celery_app.conf.broker_url = "memory://"

    workspace = workspace_services.workspace_create(
        name="Import benchmark", slug=f"bench-import-{uuid.uuid4().hex[:8]}"
    )
    try:
        account = readiness_services.account_create(
            workspace=workspace, name="Bench Corp", external_id="BENCH-1"
        )
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "usage-1m.csv"
            profile = UsageProfile(users=10000, days=400, end=datetime.date(2026, 6, 30), seed=7)
            started = time.perf_counter()
            imported = path
            with path.open("w", encoding="utf-8", newline="") as target:
                rows = usage_rows(profile, limit=options.rows)
                if options.format == "jsonl":
                    imported = Path(folder) / f"usage-1m-{options.connector}.jsonl"
                    with imported.open("w", encoding="utf-8") as events:
                        written = write_events(rows, target, events, options.connector)
                elif options.quote_all:
                    writer = csv.writer(target, quoting=csv.QUOTE_ALL, lineterminator="\n")
                    writer.writerow(HEADER)
                    writer.writerows(rows)
                    written = options.rows
                else:
                    written = write_csv(rows, target, account=False)
            print(
                f"generated {written:,} rows ({path.stat().st_size / 1e6:.1f} MB"
                + (
                    f"; {imported.name}: {imported.stat().st_size / 1e6:.1f} MB"
                    if imported != path
                    else ""
                )
                + f") in {time.perf_counter() - started:.1f} s"
            )
            copy_times: list[float] = []
            import_times: list[float] = []
            # Each run imports into a project of its own (the same file twice into one
            # project is a duplicate), appending to the events of the runs before it, as
            # imports do in production.
            projects = [
                readiness_services.project_create(
                    workspace=workspace,
                    account=account,
                    name=f"Bench rollout {run}",
                    product_name="RouteWise",
                    licensed_seats=5000,
                    tracked_features=["reports", "dashboards", "alerts", "exports"],
                )
                for run in range(1, options.runs + 1)
            ]
            vacuum_analyze([model._meta.db_table for model in (UsageEvent, UsageImport, Project)])

            def baseline(run: int) -> None:
                copy_times.append(baseline_copy(path))

            def subject(run: int) -> None:
                seconds, rows = our_import(imported, workspace, projects[run])
                import_times.append(seconds)
                print(
                    f"run {run + 1}: PostgreSQL COPY {copy_times[-1]:.2f} s, "
                    f"our import {seconds:.2f} s ({rows:,} rows)"
                )

            alternate(options.runs, baseline, subject)
    finally:
        Workspace.objects.filter(pk=workspace.pk).delete()
        # The deleted events were the table's last pages: VACUUM gives them back (it truncates
        # empty pages at the end) and REINDEX drops the BRIN summaries of those pages, which
        # VACUUM keeps. So the next benchmark appends to fresh block ranges again, as imports
        # do in production, instead of widening stale summaries row by row (0.2 s slower).
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM {UsageEvent._meta.db_table}")
            cursor.execute("REINDEX INDEX usage_event_brin")

    copy_median, copy_fastest = statistics.median(copy_times), min(copy_times)
    import_median = statistics.median(import_times)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    runs = options.runs
    print()
    print(
        f"PostgreSQL COPY into a bare table: median of {runs} {copy_median:.2f} s, fastest {copy_fastest:.2f} s"
    )
    print(f"our import:                        median of {runs} {import_median:.2f} s")
    print(f"ratio of the medians:              {import_median / copy_median:.2f} (goal <= 2)")
    print(f"ratio to the fastest COPY:         {import_median / copy_fastest:.2f}")
    print(f"peak memory of this process:       {peak_mb:.0f} MB (goal < 300 MB)")
    print(f"after the runs: {machine_line()}")


if __name__ == "__main__":
    main()
