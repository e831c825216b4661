"""Benchmark: the same pages at 100 and at 10,000 projects, and the sweep per 1,000 projects.

    DATABASE_URL=postgres://user@host:5432/adoptready .venv/bin/python bench/bench_scale.py

Builds two throw-away workspaces with PostgreSQL's COPY: a small one (100 projects) and a
large one (10,000 projects with 100 submitted responses each: 1,000,000 responses and
19,000,000 answers), each project with two assessment rounds, two score snapshots (one in
twenty has none), a change-plan action, and 20 actions owned by the signed-in member. The
portfolio's figures are then stored on the projects by the same code a recalculation runs
(`scoring.services.project_standings_refresh`), and the tables are vacuumed and analyzed.

Prints, for the portfolio with each sort and each filter, the API's portfolio list and
"My actions": the median time of --repeat requests through Django's test client (signed in;
the API with a token), at 100 and at 10,000 projects side by side — the requests alternate
between the two workspaces — and their ratio (goal, SPEC §9: at most 1.5). Then the sweep of
1,000 projects (100 responses each) beside one SQL aggregate over the same answers: first as
it summarises each response (loaded without summaries), then as every later sweep runs.
--runs repeats the timings on the same data (each sweep on other projects). Both workspaces
are deleted at the end, whatever happens. Loading takes a few minutes on a small machine.

Loading bypasses the foreign-key triggers (`session_replication_role = replica`, which needs
a superuser or the table owner with that right): the rows are consistent by construction, and
checking 40 million references one by one would take longer than the rest.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
# Pages are timed as production serves them: no query log, no debug pages.
os.environ.setdefault("DJANGO_DEBUG", "0")

import logging  # noqa: E402
import warnings  # noqa: E402

import django  # noqa: E402

django.setup()
# Signing in the test clients logs a line each, and no static file is served: neither matters.
logging.getLogger("axes").setLevel(logging.WARNING)
warnings.filterwarnings("ignore", message="No directory at")

from common import machine_line, vacuum_analyze  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

from api import services as api_services  # noqa: E402
from readiness import services as readiness_services  # noqa: E402
from readiness.models import ItemKind, Project  # noqa: E402
from scoring import services as scoring_services  # noqa: E402
from scoring.models import ScoreSnapshot  # noqa: E402
from workspaces import services as workspace_services  # noqa: E402
from workspaces.models import Workspace  # noqa: E402

SMALL, LARGE = 100, 10_000
RESPONSES = 100
OWNED_ACTIONS = 20
TABLES = (
    "readiness_account",
    "readiness_project",
    "readiness_assessment",
    "readiness_invitation",
    "readiness_response",
    "readiness_answer",
    "scoring_scoresnapshot",
    "plans_action",
    "auth_user",
)
FLAGS = ("forced_adoption", "leadership_gap", "say_do_gap", "low_confidence")
STATUSES = ("planning", "implementing", "live", "live", "closed")
NOW = datetime.datetime(2026, 11, 1, 12, tzinfo=datetime.UTC)
NULL = "\\N"  # COPY's null


class Built:
    """One benchmark workspace: its member's clients and what the pages are asked for."""

    def __init__(
        self, workspace: Workspace, user: object, token: str, projects: list[int], users: list[int]
    ) -> None:
        self.workspace = workspace
        self.users = users
        self.projects = projects
        self.client = Client()
        self.client.force_login(user)
        self.api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")


# --- Loading ------------------------------------------------------------------------------


def reserve_ids(cursor: object, table: str, count: int) -> int:
    """Take `count` consecutive ids from the table's identity and return the first."""
    cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [table])
    [sequence] = cursor.fetchone()
    cursor.execute("SELECT nextval(%s)", [sequence])
    [first] = cursor.fetchone()
    cursor.execute("SELECT setval(%s, %s)", [sequence, first + count - 1])
    return first


def copy(cursor: object, table: str, columns: str, lines: Iterable[str]) -> None:
    """COPY tab-separated `lines` into `table`, sent in chunks of about a megabyte."""
    with cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as stream:
        chunk: list[str] = []
        for line in lines:
            chunk.append(line)
            if len(chunk) >= 20_000:
                stream.write("".join(chunk))
                chunk.clear()
        if chunk:
            stream.write("".join(chunk))


def build(label: str, count: int, rng: random.Random) -> Built:
    """Create a workspace of `count` projects with everything the pages and the sweep read."""
    started = time.perf_counter()
    suffix = secrets.token_hex(4)
    workspace = workspace_services.workspace_create(
        name=f"Scale {label}", slug=f"scale-{label}-{suffix}"
    )
    users = get_user_model().objects
    member = users.create_user(username=f"scale-{label}-{suffix}", first_name="Bench")
    membership = workspace_services.membership_set(workspace=workspace, user=member, role="admin")
    owners = [
        users.create_user(username=f"scale-{label}-csm{n}-{suffix}", first_name=f"CSM {n}").pk
        for n in range(5)
    ]
    token = api_services.api_token_create(workspace=workspace, created_by=member, name="bench")
    try:
        return _load(label, count, rng, started, workspace, member, membership, owners, token)
    except BaseException:
        Workspace.objects.filter(pk=workspace.pk).delete()
        users.filter(pk__in=[member.pk, *owners]).delete()
        raise


def _load(
    label: str,
    count: int,
    rng: random.Random,
    started: float,
    workspace: Workspace,
    member: object,
    membership: object,
    owners: list[int],
    token: object,
) -> Built:
    model = scoring_services.scoring_model_ensure(workspace=workspace)
    template = readiness_services.default_template_ensure(workspace=workspace)
    items = list(
        template.items.filter(kind__in=[ItemKind.LIKERT, ItemKind.NPS]).values_list("pk", "kind")
    )
    ws = workspace.pk
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        first_account = reserve_ids(cursor, "readiness_account", count)
        first_project = reserve_ids(cursor, "readiness_project", count)
        first_assessment = reserve_ids(cursor, "readiness_assessment", 2 * count)
        first_invitation = reserve_ids(cursor, "readiness_invitation", count * RESPONSES)
        first_response = reserve_ids(cursor, "readiness_response", count * RESPONSES)
        now = NOW.isoformat()
        copy(
            cursor,
            "readiness_account",
            "id, name, external_id, industry, created_at, owner_id, workspace_id",
            (
                f"{first_account + i}\tAccount {rng.randrange(10**6):06d}\t\t\t{now}\t"
                f"{owners[i % 6] if i % 6 < 5 else NULL}\t{ws}\n"
                for i in range(count)
            ),
        )
        copy(
            cursor,
            "readiness_project",
            "id, name, product_name, licensed_seats, tracked_features, status, "
            "needs_recalculation, created_at, updated_at, account_id, workspace_id, "
            "recalculation_error, model_changed, flag_forced_adoption, flag_leadership_gap, "
            "flag_say_do_gap, flag_low_confidence, evidence_version, evidence_counted",
            (
                f"{first_project + i}\tProject {rng.randrange(10**6):06d}\tRouteWise\t100\t[]\t"
                f"{STATUSES[i % 5]}\tf\t{now}\t{now}\t{first_account + i}\t{ws}\t\tf\tf\tf\tf\tf\t0\t0\n"
                for i in range(count)
            ),
        )
        copy(
            cursor,
            "readiness_assessment",
            "id, name, opens_on, state, max_reminders, reminder_interval_days, created_at, "
            "project_id, template_id, workspace_id, send_error, email_texts, confidentiality",
            (
                f"{first_assessment + 2 * i + later}\t{'Follow-up' if later else 'Baseline'}\t"
                f"{'2026-09-01' if later else '2026-03-02'}\t{'open' if later else 'closed'}\t"
                f"3\t3\t{now}\t{first_project + i}\t{template.pk}\t{ws}\t\t{{}}\tconfidential\n"
                for i in range(count)
                for later in (0, 1)
            ),
        )
        copy(
            cursor,
            "readiness_invitation",
            "id, name, email, role, department, token_salt, token_hash, reminder_count, "
            "created_at, assessment_id, workspace_id, send_error, language, attributes",
            (
                f"{first_invitation + n}\tPerson {n}\tp{n}@scale.example\t"
                f"{'end_user' if n % 4 else 'manager'}\t\t{n:032x}\t{first_invitation + n:064x}\t"
                f"0\t{now}\t{first_assessment + 2 * (n // RESPONSES) + 1}\t{ws}\t\ten\t{{}}\n"
                for n in range(count * RESPONSES)
            ),
        )
        copy(
            cursor,
            "readiness_response",
            "id, status, source, current_step, submitted_at, created_at, updated_at, "
            "assessment_id, invitation_id, workspace_id",
            (
                f"{first_response + n}\tsubmitted\tweb\t0\t{now}\t{now}\t{now}\t"
                f"{first_assessment + 2 * (n // RESPONSES) + 1}\t{first_invitation + n}\t{ws}\n"
                for n in range(count * RESPONSES)
            ),
        )
        copy(
            cursor,
            "readiness_answer",
            "value, dont_know, text, response_id, item_id",
            _answers(first_response, count * RESPONSES, items, rng),
        )
        copy(
            cursor,
            "scoring_scoresnapshot",
            "model_version, fingerprint, score, band, responses, response_rate, flags, "
            "breakdown, created_at, assessment_id, project_id, workspace_id, scoring_model_id",
            _snapshots(first_project, first_assessment, count, model.pk, ws, rng),
        )
        copy(
            cursor,
            "plans_action",
            "title, description, target, target_group, customer_owner_name, "
            "customer_owner_email, due_on, status, from_recommendation, created_at, updated_at, "
            "owner_id, project_id, workspace_id",
            (
                f"Action {n}\t\tknowledge\tend_users\t\t\t"
                f"{datetime.date(2026, 10, 1) + datetime.timedelta(days=n % 90)}\tplanned\tf\t"
                f"{now}\t{now}\t{membership.pk if n < OWNED_ACTIONS else NULL}\t"
                f"{first_project + n % count}\t{ws}\n"
                for n in range(count + OWNED_ACTIONS)
            ),
        )
    projects = list(range(first_project, first_project + count))
    for start in range(0, count, 500):
        with transaction.atomic():
            scoring_services.project_standings_refresh(project_ids=projects[start : start + 500])
    print(
        f"Built {label}: {count:,} projects, {count * RESPONSES:,} responses, "
        f"{count * RESPONSES * len(items):,} answers in {time.perf_counter() - started:.0f} s"
    )
    return Built(workspace, member, token.secret, projects, [member.pk, *owners])


def _answers(
    first_response: int, responses: int, items: list[tuple[int, str]], rng: random.Random
) -> Iterator[str]:
    # A few hundred answer patterns, chosen at random per response, keep the generation fast.
    patterns = [
        [
            (pk, rng.randint(0, 10) if kind == ItemKind.NPS else rng.randint(1, 5))
            for pk, kind in items
        ]
        for _ in range(500)
    ]
    for response in range(first_response, first_response + responses):
        yield "".join(f"{value}\tf\t\t{response}\t{pk}\n" for pk, value in rng.choice(patterns))


def _snapshots(
    first_project: int, first_assessment: int, count: int, model: int, ws: int, rng: random.Random
) -> Iterator[str]:
    for i in range(count):
        if i % 20 == 19:
            continue  # never scored: "No score yet"
        for later in (0, 1):
            score = None if i % 50 == 7 else round(rng.uniform(20, 95), 3)
            band = (
                ""
                if score is None
                else "ready"
                if score >= 70
                else "at_risk"
                if score >= 50
                else "not_ready"
            )
            flags = [flag for flag in FLAGS if rng.random() < 0.25]
            window_end = datetime.date(2026, 10, 31) - datetime.timedelta(days=rng.randrange(200))
            usage = {"window_end": window_end.isoformat()} if i % 3 else None
            breakdown = json.dumps({"schema": 3, "score": score, "usage": usage})
            at = NOW - datetime.timedelta(days=200 if not later else 1)
            yield (
                f"1\t{secrets.token_hex(32)}\t{NULL if score is None else score}\t{band}\t"
                f"{RESPONSES}\t{rng.uniform(0.3, 1):.3f}\t{json.dumps(flags)}\t{breakdown}\t"
                f"{at.isoformat()}\t{first_assessment + 2 * i + later}\t{first_project + i}\t"
                f"{ws}\t{model}\n"
            )


def delete(built: Built) -> None:
    """Delete a benchmark workspace: the big tables set-based first, then the rest by Django."""
    ws = built.workspace.pk
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM readiness_answer a USING readiness_response r "
            "WHERE a.response_id = r.id AND r.workspace_id = %s",
            [ws],
        )
        for table in ("readiness_response", "readiness_invitation"):
            cursor.execute(f"DELETE FROM {table} WHERE workspace_id = %s", [ws])  # noqa: S608
    Workspace.objects.filter(pk=ws).delete()
    get_user_model().objects.filter(pk__in=built.users).delete()
    # The benchmark's rows were the tables' last pages: VACUUM gives them back (it truncates
    # empty pages at the end), so the next benchmark does not read 19 million dead answers'
    # worth of empty pages (bench_scoring's recalculation took 0.65 s instead of 0.12-0.19 s
    # after a run whose tables were left unvacuumed).
    vacuum_analyze(TABLES)


# --- Timing -------------------------------------------------------------------------------


PORTFOLIO_QUERIES = [
    *(f"?sort={key}" for key in ("score", "-score", "change", "-change", "name", "-name")),
    *(f"?sort={key}" for key in ("response_rate", "-response_rate", "-last_usage", "last_usage")),
    *(f"?band={band}" for band in ("ready", "at_risk", "not_ready", "none")),
    *(f"?flag={flag}" for flag in FLAGS),
    "?status=live",
    "?owner=none",
    "?actions=open",
    "?actions=overdue",
    "?band=at_risk&flag=low_confidence&sort=-change",
]


# The rows the last request of each workspace showed (table rows of a page, results of the
# API): a page of few rows renders faster than a full one, whatever the workspace's size.
ROWS_SHOWN: dict[int, int] = {}


def timed_get(client: Client, url: str) -> float:
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    if response["Content-Type"].startswith("application/json"):
        ROWS_SHOWN[id(client)] = len(response.json()["results"])
    else:
        body = response.content.decode()
        tbody = body[body.find("<tbody") : body.find("</tbody>")]
        ROWS_SHOWN[id(client)] = tbody.count("<tr") - tbody.count('class="empty-row"')
    return elapsed


def compare(
    label: str, small: Built, large: Built, request: Callable[[Built], float], repeat: int
) -> float:
    """Print the median time of `request` in each workspace, alternating, and the rows each
    showed; return the ratio."""
    ROWS_SHOWN.clear()
    request(small), request(large)  # warm up
    rows = [
        ROWS_SHOWN.pop(id(b.client), None) or ROWS_SHOWN.pop(id(b.api), 0) for b in (small, large)
    ]
    times: dict[str, list[float]] = {"small": [], "large": []}
    for _ in range(repeat):
        times["small"].append(request(small))
        times["large"].append(request(large))
    small_ms = statistics.median(times["small"]) * 1000
    large_ms = statistics.median(times["large"]) * 1000
    ratio = large_ms / small_ms
    shown = f"{rows[0]:>3} / {rows[1]:<3}"
    print(f"  {label:<52} {small_ms:8.1f} {large_ms:10.1f} {ratio:7.2f}   {shown}")
    return ratio


def time_pages(small: Built, large: Built, repeat: int) -> list[float]:
    print(f"\nMedian of {repeat} requests (ms)      {SMALL:>27,} {LARGE:>10,}   ratio   rows shown")
    ratios = []
    for query in PORTFOLIO_QUERIES:
        ratios.append(
            compare(
                f"portfolio {query}",
                small,
                large,
                lambda b, q=query: timed_get(b.client, "/" + q),
                repeat,
            )
        )
    for query in ("", "?sort=-change", "?band=at_risk", "?flag=say_do_gap"):
        ratios.append(
            compare(
                f"API /api/v1/portfolio/{query}",
                small,
                large,
                lambda b, q=query: timed_get(b.api, "/api/v1/portfolio/" + q),
                repeat,
            )
        )
    ratios.append(
        compare("My actions", small, large, lambda b: timed_get(b.client, "/my/actions/"), repeat)
    )
    print(f"  worst ratio {max(ratios):.2f}, median {statistics.median(ratios):.2f} (goal <= 1.5)")
    return ratios


def aggregate_baseline(project_ids: list[int]) -> float:
    """Time one SQL aggregate over the answers the sweep reads.

    The answers are found through the index by their responses' ids: joined by hash, the
    planner read all 19 million answers and took minutes.
    """
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT i.dimension, avg(a.value), count(*)
            FROM readiness_answer a
            JOIN readiness_templateitem i ON i.id = a.item_id
            WHERE a.response_id = ANY(ARRAY(
                SELECT r.id FROM readiness_response r
                JOIN readiness_assessment s ON s.id = r.assessment_id
                WHERE s.project_id = ANY(%s) AND r.status = 'submitted'
            )) AND NOT a.dont_know
            GROUP BY i.dimension
            """,
            [project_ids],
        )
        cursor.fetchall()
    return time.perf_counter() - started


def time_sweep(large: Built, run: int) -> None:
    """Time the sweep of 1,000 projects twice: first as it summarises each response (as the
    recalculations after the submissions have over time, scoring.ResponseSummary), then again
    over the same projects with their new snapshots deleted, as every later sweep finds them."""
    ids = large.projects[run * 1000 : (run + 1) * 1000]
    baseline = aggregate_baseline(ids)
    for label in ("first, summarising every response", "again, responses summarised"):
        Project.objects.filter(pk__in=ids).update(needs_recalculation=True)
        started = time.perf_counter()
        summary = scoring_services.projects_recalculate(project_ids=ids)
        sweep = time.perf_counter() - started
        print(
            f"\nSweep of 1,000 projects x {RESPONSES} responses, {label}: {sweep:.2f} s "
            f"({len(summary.stored)} snapshots stored); one SQL aggregate over the same "
            f"answers {baseline:.2f} s; ratio {sweep / baseline:.1f}"
        )
        ScoreSnapshot.objects.filter(pk__in=[snapshot.pk for snapshot in summary.stored]).delete()
        vacuum_analyze(("scoring_responsesummary", "scoring_scoresnapshot", "readiness_project"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="requests per page and size")
    parser.add_argument("--runs", type=int, default=1, help="timings of the same data")
    parser.add_argument("--large", type=int, default=LARGE, help="projects of the large one")
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    if connection.vendor != "postgresql":
        sys.exit("Run this against PostgreSQL: set DATABASE_URL=postgres://…")
    setup_test_environment()
    print(f"PostgreSQL {connection.pg_version // 10000}, Django {django.get_version()}")
    print(machine_line())
    rng = random.Random(20261130)
    built: list[Built] = []
    try:
        built.append(build("small", SMALL, rng))
        built.append(build("large", options.large, rng))
        started = time.perf_counter()
        vacuum_analyze(TABLES)
        print(f"VACUUM ANALYZE in {time.perf_counter() - started:.0f} s")
        for run in range(options.runs):
            print(f"\n=== Run {run + 1} of {options.runs}; {machine_line()}")
            time_pages(*built, options.repeat)
            time_sweep(built[1], run)
    finally:
        for each in built:
            delete(each)
        print("\n(benchmark workspaces and users deleted)")
    print(machine_line())


if __name__ == "__main__":
    main()
