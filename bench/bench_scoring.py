"""Benchmark score recalculation on PostgreSQL; prints figures, asserts nothing.

    DATABASE_URL=postgres://user@host:5432/adoptready .venv/bin/python bench/bench_scoring.py

Measures, next to a baseline taken in the same run:
- one project with 1,000 submitted responses, database reads and the snapshot's write included
  (goal, SPEC §9: within 2x), against one SQL aggregate over the same answers (the least any
  calculation has to read); the two alternate, --repeat times each;
- a sweep over 1,000 projects x 50 responses: total time and SQL query count;
- the sweep's query count at two data sizes (5 and 50 responses per project), to show that it
  does not grow with the number of respondents.

The data is committed in a throw-away workspace, the tables are vacuumed and analyzed before
anything is timed (bench/common.py), and the workspace is deleted at the end, whatever happens.
Sizes can be lowered for a quick run: --projects 100 --responses 10 --single 200.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django  # noqa: E402

django.setup()

from common import alternate, machine_line, vacuum_analyze  # noqa: E402
from data import make_projects  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from readiness.models import (  # noqa: E402
    Project,
)
from scoring import services  # noqa: E402
from scoring.models import ScoreSnapshot  # noqa: E402
from workspaces import services as workspace_services  # noqa: E402
from workspaces.models import Workspace  # noqa: E402

# The tables a recalculation reads and writes: vacuumed and analyzed before timing.
TABLES = (
    "readiness_project",
    "readiness_assessment",
    "readiness_invitation",
    "readiness_response",
    "readiness_answer",
    "readiness_templateitem",
    "scoring_scoresnapshot",
    "scoring_usageevent",
    "scoring_responsesummary",
)


def measure(run: Callable[[], object]) -> float:
    """Return the seconds one call of `run` takes (without the query log, which costs every
    query of the recalculation time the one query of the baseline does not pay)."""
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def count_queries(run: Callable[[], object]) -> tuple[float, int]:
    """Return the seconds and SQL queries one call of `run` takes, with the query log."""
    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        run()
        elapsed = time.perf_counter() - start
    return elapsed, len(queries)


def aggregate_baseline(project_id: int) -> None:
    """Read the same answers with one grouped SQL aggregate: the floor for any calculation."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.dimension, avg(a.value), count(*)
            FROM readiness_answer a
            JOIN readiness_response r ON r.id = a.response_id
            JOIN readiness_templateitem i ON i.id = a.item_id
            JOIN readiness_assessment s ON s.id = r.assessment_id
            WHERE s.project_id = %s AND r.status = 'submitted' AND NOT a.dont_know
            GROUP BY i.dimension
            """,
            [project_id],
        )
        cursor.fetchall()


def median_ms(samples: list[float]) -> str:
    return f"{statistics.median(samples) * 1000:8.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1000)
    parser.add_argument("--responses", type=int, default=50)
    parser.add_argument("--single", type=int, default=1000, help="responses of the one project")
    parser.add_argument("--repeat", type=int, default=9)
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: set DATABASE_URL=postgres://…")
    print(f"PostgreSQL {connection.pg_version // 10000}, Django {django.get_version()}")
    print(machine_line())
    rng = random.Random(20260901)
    workspace = workspace_services.workspace_create(
        name="Benchmark", slug=f"bench-{secrets.token_hex(4)}"
    )
    try:
        run(workspace, options, rng)
    finally:
        Workspace.objects.filter(pk=workspace.pk).delete()
        print("\n(benchmark workspace deleted)")
    print(machine_line())


def run(workspace: Workspace, options: argparse.Namespace, rng: random.Random) -> None:
    # 1. One project with --single responses, against the aggregate, alternating.
    start = time.perf_counter()
    [single], _ = make_projects(workspace, 1, options.single, rng)
    print(
        f"\nCreated 1 project x {options.single} responses in {time.perf_counter() - start:.1f} s"
    )
    # The first recalculation summarises each response once (scoring.evidence, ResponseSummary),
    # as the recalculations after each submission do over time; timed apart, then the tables
    # are vacuumed and analyzed with the summaries in them.
    vacuum_analyze(TABLES)
    first = measure(lambda: services.project_recalculate(project_id=single))
    vacuum_analyze(TABLES)
    # A first run of each warms the caches.
    ScoreSnapshot.objects.filter(project_id=single).delete()
    services.project_recalculate(project_id=single)
    aggregate_baseline(single)
    full: list[float] = []
    baseline: list[float] = []
    queries = 0

    def measure_baseline(_round: int) -> None:
        baseline.append(measure(lambda: aggregate_baseline(single)))

    def measure_recalculation(_round: int) -> None:
        ScoreSnapshot.objects.filter(project_id=single).delete()
        full.append(measure(lambda: services.project_recalculate(project_id=single)))

    alternate(options.repeat, measure_baseline, measure_recalculation)
    unchanged = [
        measure(lambda: services.project_recalculate(project_id=single))
        for _ in range(options.repeat)
    ]
    ScoreSnapshot.objects.filter(project_id=single).delete()
    _, queries = count_queries(lambda: services.project_recalculate(project_id=single))
    ratio = statistics.median(full) / statistics.median(baseline)
    print(f"One project, {options.single} responses (median of {options.repeat}, alternating):")
    print(f"  first one, summarising every response {first * 1000:5.1f} ms  (once per response)")
    print(f"  recalculate and store a snapshot   {median_ms(full)}  ({queries} queries)")
    print(f"  recalculate, inputs unchanged      {median_ms(unchanged)}")
    print(f"  baseline: one SQL aggregate        {median_ms(baseline)}  (same answers)")
    print(f"  ratio                              {ratio:8.2f}   (goal <= 2)")

    # 2. The sweep over --projects x --responses.
    start = time.perf_counter()
    many, _ = make_projects(workspace, options.projects, options.responses, rng)
    print(
        f"\nCreated {options.projects} projects x {options.responses} responses in "
        f"{time.perf_counter() - start:.1f} s"
    )
    size = min(100, options.projects)
    small, _ = make_projects(workspace, size, 5, rng)
    vacuum_analyze(TABLES)
    Project.objects.filter(pk__in=many).update(needs_recalculation=True)
    elapsed, queries = count_queries(lambda: services.projects_recalculate(project_ids=many))
    per_project = elapsed / len(many) * 1000
    print(f"Sweep of {options.projects} dirty projects x {options.responses} responses:")
    print(
        f"  first, summarising every response: total {elapsed:.2f} s, "
        f"{per_project:.1f} ms per project, {queries} SQL queries"
    )
    # The same sweep once the responses are summarised, as every later sweep finds them.
    ScoreSnapshot.objects.filter(project_id__in=many).delete()
    vacuum_analyze(TABLES)
    Project.objects.filter(pk__in=many).update(needs_recalculation=True)
    elapsed = measure(lambda: services.projects_recalculate(project_ids=many))
    per_project = elapsed / len(many) * 1000
    print(
        f"  again, responses summarised:       total {elapsed:.2f} s, {per_project:.1f} ms per project"
    )

    # 3. Query count at two data sizes, same number of projects.
    counts = {}
    for label, ids in ((5, small), (options.responses, many[:size])):
        ScoreSnapshot.objects.filter(project_id__in=ids).delete()
        counts[label] = count_queries(
            lambda ids=ids: services.projects_recalculate(project_ids=ids)
        )
    print(f"Query count of a sweep over {size} projects:")
    for label, (seconds, count) in counts.items():
        print(f"  {label:>4} responses per project: {count} queries, {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()
