"""Benchmark survey submission under concurrent clients against a bare INSERT view (SPEC §9).

Run with PostgreSQL and Redis (it creates, then deletes, a throw-away workspace):

    DATABASE_URL=postgres://user@host:5432/adoptready REDIS_URL=redis://host:6379/6 \\
        .venv/bin/python bench/bench_survey.py [--clients 20] [--surveys 500] [--workers 4]

It migrates, creates an open assessment with --surveys invitations and starts gunicorn on a free
local port with the production settings (bench/survey_settings.py: DEBUG off, Redis as broker
and cache, a fresh secret key for this run). Its clients send `X-Forwarded-Proto: https` as the
TLS-terminating proxy in front of production does. A submission publishes its recalculation to
the broker after commit, as in production; no worker runs. --clients threads, each with a
connection of its own (and, per respondent, cookies of their own), then:

1. fill in every survey as a browser does: welcome page, each step (GET the form, POST its
   answers with the CSRF cookie and token), review page. Not part of the goal; the latencies
   are printed for information.
2. baseline: POST to a bare Django view that does one INSERT into a table of its own
   (bench/survey_urls.py, mounted only in the benchmark's URLs), with the CSRF cookie and
   token of a GET made first; as many POSTs as there are surveys.
3. submit: POST each survey's submit form (the button on its review page) with that page's
   cookie and token.

Phases 2 and 3 alternate in --rounds short rounds. Timed: each POST of those phases, from
sending the request to reading the whole response (the redirect that follows a submission is
not followed); a phase's throughput is its successful POSTs over its wall time. Goal: no
errors; nothing lost (the submitted responses in the database are those of the successful
submit POSTs, no invitation submitted twice, every answer stored); submit throughput at least
half the baseline's; submit p99 under 100 ms. The clients run closed-loop without pauses, so
a phase's median latency is about --clients divided by its throughput. The fill-in's
throughput is printed beside the baseline's (measured at another moment: for information).

--during-sweep: before timing, it also creates --sweep-projects projects with
--sweep-responses submitted responses each, in a workspace of their own, and starts a second
process that recalculates them and the survey's project over and over while phases 2 and 3
run (each pass first deletes their snapshots, so that it calculates and stores every project,
as the nightly run does after a change of the scoring model). It prints how many passes ran.

Before timing (after creating the data, and again after the fill-in) it runs VACUUM ANALYZE
on the tables it uses; it prints the machine's load at the start and at the end. At the end
it stops gunicorn (and the sweep), and deletes the workspaces, the baseline table and the
queue of published recalculations; the recalculation's coalescing key in the cache expires by
itself within about a minute.
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import math
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SETTINGS = "bench.survey_settings"
HOST = "127.0.0.1"
if not os.environ.get("DATABASE_URL") or not os.environ.get("REDIS_URL"):
    sys.exit(
        "Set DATABASE_URL (PostgreSQL) and REDIS_URL: the benchmark serves the survey as in "
        "production, with a broker."
    )
# This process derives the survey links from the secret key, so it shares the server's.
os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
os.environ["DJANGO_SECRET_KEY"] = secrets.token_urlsafe(50)
os.environ["ALLOWED_HOSTS"] = HOST

import django  # noqa: E402

django.setup()

import gunicorn  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.common import alternate, machine_line, vacuum_analyze  # noqa: E402
from bench.data import make_projects  # noqa: E402
from bench.survey_urls import BASELINE_TABLE  # noqa: E402
from config.celery_app import app as celery_app  # noqa: E402
from readiness import services  # noqa: E402
from readiness.models import (  # noqa: E402
    Answer,
    Assessment,
    Invitation,
    ItemKind,
    Project,
    ResponseStatus,
)
from readiness.models import Response as SurveyResponse  # noqa: E402
from readiness.survey import tokens  # noqa: E402
from readiness.survey.views import Section, sections_of  # noqa: E402
from scoring import services as scoring_services  # noqa: E402
from scoring.models import ScoreSnapshot  # noqa: E402
from workspaces import services as workspace_services  # noqa: E402
from workspaces.models import Workspace  # noqa: E402

BASELINE_PATH = "/bench/baseline-insert/"
CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')
CONCERNS = ("Time for training before go-live.", "The old reports we still need.", "")
# What the survey's requests (and the sweep) read and write: vacuumed and analyzed before timing.
TABLES = tuple(
    model._meta.db_table
    for model in (Invitation, SurveyResponse, Answer, Assessment, Project, ScoreSnapshot)
)


# --- The server -----------------------------------------------------------------------------


def gunicorn_start(workers: int, threads: int, log: Path) -> tuple[subprocess.Popen, int]:
    """Start gunicorn with the benchmark's settings on a free local port; return it and the
    port once it answers."""
    # Bound here and handed over, so the port is known and the first request simply waits in
    # the socket's queue until a worker has started.
    listener = socket.create_server((HOST, 0), backlog=2048)
    port = listener.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        # As production runs it: each worker warms up before its first request.
        f"--config={ROOT / 'config' / 'gunicorn.py'}",
        f"--bind=fd://{listener.fileno()}",
        f"--workers={workers}",
        f"--threads={threads}",
        f"--worker-class={'gthread' if threads > 1 else 'sync'}",
        f"--chdir={ROOT}",
        "--log-level=warning",
        # gunicorn's control socket has one default path per user: another server would clash.
        "--no-control-socket",
    ]
    with listener, log.open("ab") as output:
        server = subprocess.Popen(
            command, stdout=output, stderr=subprocess.STDOUT, pass_fds=[listener.fileno()]
        )
    probe = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        probe.request("GET", BASELINE_PATH, headers={"X-Forwarded-Proto": "https"})
        answer = f"HTTP {probe.getresponse().status}"
    except OSError as error:
        answer = type(error).__name__
    finally:
        probe.close()
    if answer != "HTTP 200":
        gunicorn_stop(server)
        sys.exit(f"gunicorn answered {answer} instead of HTTP 200:\n{log_tail(log)}")
    return server, port


def gunicorn_stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def queue_delete(name: str) -> None:
    """Delete the benchmark's queue, with the recalculation it holds, from the broker."""
    with celery_app.connection_for_write() as broker:
        queue = celery_app.amqp.queues[name](broker.default_channel)
        queue.declare()  # so that kombu knows its bindings, which it deletes with it
        queue.delete()


def log_tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])


# --- The data -------------------------------------------------------------------------------


@dataclass
class Respondent:
    """One invitation as its browser sees it: the link, the answers to give, its cookies."""

    invitation_id: int
    token: str
    answers: dict[str, dict[str, str]]
    cookies: dict[str, str] = field(default_factory=dict)
    csrf_token: str = ""
    filled: bool = False
    submitted: bool = False

    def path(self, *parts: str) -> str:
        return "/".join(["/s", self.token, *parts, ""])

    @property
    def answer_count(self) -> int:
        return sum(1 for step in self.answers.values() for value in step.values() if value)


def answer_for(kind: str, allow_dont_know: bool, rng: random.Random) -> str:
    if kind == ItemKind.NPS:
        return str(rng.randint(0, 10))
    if kind == ItemKind.TEXT:
        return rng.choice(CONCERNS)
    if allow_dont_know and rng.random() < 0.05:
        return "dont_know"
    return str(rng.choice((2, 3, 3, 4, 4, 4, 5, 5)))


def survey_create(
    surveys: int, rng: random.Random
) -> tuple[Workspace, list[Section], list[Respondent]]:
    """Create a workspace with one open assessment and `surveys` invitations to it."""
    workspace = workspace_services.workspace_create(
        name="Survey benchmark", slug=f"bench-survey-{uuid.uuid4().hex[:8]}"
    )
    account = services.account_create(workspace=workspace, name="Bench Corp", external_id="B-1")
    project = services.project_create(
        workspace=workspace,
        account=account,
        name="Bench rollout",
        product_name="RouteWise",
        licensed_seats=surveys,
        status="implementing",
    )
    assessment = services.assessment_create(
        project=project,
        template=services.default_template_ensure(workspace=workspace),
        name="Kick-off baseline",
        opens_on=timezone.localdate(),
    )
    services.assessment_open(assessment=assessment)
    with transaction.atomic():
        invitations = [
            services.invitation_create(
                assessment=assessment,
                name=f"Respondent {number}",
                email=f"respondent{number}@bench.example",
                role="end_user" if number % 5 else "manager",
            )
            for number in range(surveys)
        ]
    sections = sections_of(invitations[0])
    respondents = [
        Respondent(
            invitation_id=invitation.pk,
            # As the consultant's "copy link" derives it: the token itself is never stored.
            token=tokens.token_for_salt(invitation.token_salt),
            answers={
                section.slug: {
                    item.code: answer_for(item.kind, item.allow_dont_know, rng)
                    for item in section.items
                }
                for section in sections
            },
        )
        for invitation in invitations
    ]
    return workspace, sections, respondents


# --- The sweep (--during-sweep) -------------------------------------------------------------


def sweep_data_create(projects: int, responses: int, rng: random.Random) -> tuple[Workspace, int]:
    """Create `projects` live projects with `responses` submitted responses each, in a
    workspace of their own, with bulk inserts; return the workspace and the answers made."""
    workspace = workspace_services.workspace_create(
        name="Sweep benchmark", slug=f"bench-sweep-{uuid.uuid4().hex[:8]}"
    )
    _, answers = make_projects(
        workspace,
        projects,
        responses,
        rng,
        opens_on=timezone.localdate() - datetime.timedelta(days=7),
    )
    return workspace, answers


def sweep_forever(project_ids: list[int], nice: int) -> None:
    """Recalculate `project_ids` over and over until SIGTERM, printing one line per pass.

    The child process that --during-sweep starts, at the CPU priority `nice` (0 by default,
    the web's; 10 as docs/operations.md starts workers that share a host with the web
    workers). Each pass deletes the projects' snapshots first, so that it calculates and
    stores every project.
    """
    os.nice(nice)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print("started", flush=True)
    while not stop.is_set():
        ScoreSnapshot.objects.filter(project_id__in=project_ids).delete()
        started = time.perf_counter()
        summary = scoring_services.projects_recalculate(project_ids=project_ids)
        print(
            f"pass {time.perf_counter() - started:.3f} {summary.calculated} {len(summary.stored)}",
            flush=True,
        )


@dataclass
class Sweep:
    """The sweeping child process, and the passes it reported."""

    process: subprocess.Popen
    started: threading.Event = field(default_factory=threading.Event)
    # (when the parent read it, its seconds, projects calculated, snapshots stored)
    passes: list[tuple[float, float, int, int]] = field(default_factory=list)
    reader: threading.Thread | None = None

    @classmethod
    def start(cls, project_ids: Sequence[int], nice: int) -> Sweep:
        """Start sweeping `project_ids` in another process; return once its first pass began."""
        process = subprocess.Popen(
            [
                sys.executable,
                __file__,
                f"--sweep-nice={nice}",
                "--sweep-worker",
                ",".join(map(str, project_ids)),
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        sweep = cls(process)
        sweep.reader = threading.Thread(target=sweep.read, daemon=True)
        sweep.reader.start()
        if not sweep.started.wait(timeout=120):
            sweep.stop()
            sys.exit("The sweep process did not start.")
        return sweep

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith("started"):
                self.started.set()
                continue
            _, seconds, calculated, stored = line.split()
            self.passes.append((time.perf_counter(), float(seconds), int(calculated), int(stored)))

    def overlapping(self, start: float, end: float) -> list[tuple[float, float, int, int]]:
        """Return the passes that ran, at least in part, between `start` and `end`."""
        return [p for p in self.passes if p[0] > start and p[0] - p[1] < end]

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)  # it finishes its pass, then exits
        try:
            self.process.wait(timeout=300)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        if self.reader is not None:
            self.reader.join(timeout=5)


# --- The clients ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    status: int
    location: str
    body: bytes
    seconds: float
    error: str = ""


@dataclass
class Client:
    """One of the concurrent clients: a connection of its own and its measurements."""

    port: int
    samples: list[tuple[str, float]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    connection: http.client.HTTPConnection | None = None
    baseline_cookies: dict[str, str] = field(default_factory=dict)
    baseline_form: dict[str, str] = field(default_factory=dict)

    def fresh_connection(self) -> None:
        if self.connection is not None:
            self.connection.close()
        self.connection = http.client.HTTPConnection(HOST, self.port, timeout=30)

    def send(
        self,
        kind: str,
        method: str,
        path: str,
        cookies: dict[str, str],
        form: dict[str, str] | None = None,
    ) -> Reply:
        """Send one request as a browser behind the TLS proxy would; record its time."""
        assert self.connection is not None
        headers = {"X-Forwarded-Proto": "https"}
        if cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}:{self.port}"
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body, headers)
            response = self.connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as error:
            self.connection.close()
            reply = Reply(0, "", b"", time.perf_counter() - started, type(error).__name__)
            self.errors.append(f"{kind}: {reply.error}")
            return reply
        seconds = time.perf_counter() - started
        self.samples.append((kind, seconds))
        for header in response.headers.get_all("Set-Cookie") or ():
            cookies.update({name: morsel.value for name, morsel in SimpleCookie(header).items()})
        return Reply(response.status, response.getheader("Location", ""), content, seconds)

    def expect(self, kind: str, reply: Reply, status: int) -> bool:
        if reply.error:
            return False
        if reply.status != status:
            self.errors.append(f"{kind}: HTTP {reply.status} instead of {status}")
            return False
        return True

    def page_token(self, kind: str, reply: Reply) -> str | None:
        if not self.expect(kind, reply, 200):
            return None
        found = CSRF_FIELD.search(reply.body)
        if found is None:
            self.errors.append(f"{kind}: no CSRF token in the page")
            return None
        return found.group(1).decode()

    def fill(self, respondent: Respondent, sections: Sequence[Section]) -> None:
        """Open the link, answer every step and open the review page, as a browser does."""
        cookies = respondent.cookies
        if not self.expect(
            "welcome GET", self.send("welcome GET", "GET", respondent.path(), cookies), 200
        ):
            return
        for section in sections:
            reply = self.send("step GET", "GET", respondent.path(section.slug), cookies)
            token = self.page_token("step GET", reply)
            if token is None:
                return
            form = {**respondent.answers[section.slug], "action": "next"}
            form["csrfmiddlewaretoken"] = token
            reply = self.send("step POST", "POST", respondent.path(section.slug), cookies, form)
            if not self.expect("step POST", reply, 302):
                return
        reply = self.send("review GET", "GET", respondent.path("review"), cookies)
        token = self.page_token("review GET", reply)
        if token is None:
            return
        respondent.csrf_token = token
        respondent.filled = True

    def submit(self, respondent: Respondent) -> None:
        """Press "Submit" on the review page: POST its form with the page's cookie and token."""
        form = {"csrfmiddlewaretoken": respondent.csrf_token}
        reply = self.send(
            "submit POST", "POST", respondent.path("submit"), respondent.cookies, form
        )
        if self.expect("submit POST", reply, 302):
            if reply.location == respondent.path():
                respondent.submitted = True
            else:
                self.errors.append("submit POST: redirected elsewhere than the welcome page")

    def baseline_prepare(self, index: int) -> None:
        """GET the baseline view once for its CSRF cookie and token, as a form page gives them."""
        self.baseline_cookies = {}
        reply = self.send("baseline GET", "GET", BASELINE_PATH, self.baseline_cookies)
        self.baseline_form = {"client": str(index)}
        if self.expect("baseline GET", reply, 200):
            self.baseline_form["csrfmiddlewaretoken"] = reply.body.decode()

    def baseline(self) -> bool:
        """POST once to the baseline view; return whether it stored its row."""
        reply = self.send(
            "baseline POST", "POST", BASELINE_PATH, self.baseline_cookies, self.baseline_form
        )
        return self.expect("baseline POST", reply, 200)


def run_phase(
    clients: Sequence[Client],
    work: Callable[[int, Client], object],
    prepare: Callable[[int, Client], object] | None = None,
) -> tuple[float, float]:
    """Run `work` on every client at once, from fresh connections, once each has run `prepare`
    (not timed); return the wall time from the start to the last client's end, and the CPU time
    the clients used meanwhile."""
    start = threading.Barrier(len(clients) + 1)

    def run(index: int, client: Client) -> None:
        try:
            client.fresh_connection()
            if prepare is not None:
                prepare(index, client)
        except BaseException:
            start.abort()  # so that nobody waits for this client
            raise
        start.wait()
        work(index, client)

    threads = [
        threading.Thread(target=run, args=(index, client)) for index, client in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    started, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, time.process_time() - cpu


def take_samples(clients: Sequence[Client]) -> tuple[dict[str, list[float]], list[str]]:
    """Return the clients' timings by kind of request and their errors, and reset them."""
    samples: dict[str, list[float]] = {}
    errors: list[str] = []
    for client in clients:
        for kind, seconds in client.samples:
            samples.setdefault(kind, []).append(seconds)
        errors.extend(client.errors)
        client.samples, client.errors = [], []
    return samples, errors


# --- Figures --------------------------------------------------------------------------------


def percentile(sorted_seconds: Sequence[float], share: float) -> float:
    """Return the nearest-rank percentile (`share` in 0–100) of sorted samples."""
    rank = max(math.ceil(share / 100 * len(sorted_seconds)), 1)
    return sorted_seconds[rank - 1]


def latency(seconds: Sequence[float]) -> str:
    ordered = sorted(seconds)
    if not ordered:
        return "no samples"
    return "  ".join(
        f"p{share} {percentile(ordered, share) * 1000:6.1f} ms" for share in (50, 95, 99)
    )


def print_errors(errors: Sequence[str], log: Path) -> None:
    if not errors:
        return
    counts: dict[str, int] = {}
    for error in errors:
        counts[error] = counts.get(error, 0) + 1
    for error, count in sorted(counts.items(), key=lambda pair: -pair[1]):
        print(f"    {count:5d} x {error}")
    print(f"  last lines of the gunicorn log:\n{log_tail(log, 15)}")


def lost_check(assessment: Assessment, respondents: Sequence[Respondent]) -> bool:
    """Compare what the clients were told with what the database holds; print it."""
    submitted = SurveyResponse.objects.filter(
        assessment=assessment, status=ResponseStatus.SUBMITTED
    )
    succeeded = {r.invitation_id for r in respondents if r.submitted}
    stored = set(submitted.values_list("invitation_id", flat=True))
    marked = Invitation.objects.filter(assessment=assessment, submitted_at__isnull=False).count()
    twice = (
        submitted.values("invitation_id").annotate(count=Count("pk")).filter(count__gt=1).count()
    )
    answers_sent = sum(r.answer_count for r in respondents if r.submitted)
    answers_stored = Answer.objects.filter(response__in=submitted).count()
    everything = (
        stored == succeeded
        and submitted.count() == len(succeeded)
        and marked == len(succeeded)
        and twice == 0
        and answers_stored == answers_sent
    )
    print(
        f"lost check: {len(succeeded)} successful submit POSTs, {submitted.count()} submitted "
        f"responses in the database (same invitations: {'yes' if stored == succeeded else 'NO'}), "
        f"{marked} invitations marked submitted, {twice} submitted more than once, "
        f"{answers_stored} answers stored of {answers_sent} sent: "
        f"{'nothing lost' if everything else 'MISMATCH'}"
    )
    return everything


# --- The run --------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--surveys", type=int, default=500, help="and as many baseline POSTs")
    parser.add_argument("--rounds", type=int, default=5, help="alternating baseline/submit")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (more than 1: gthread)"
    )
    parser.add_argument(
        "--during-sweep", action="store_true", help="time phases 2 and 3 while a sweep runs"
    )
    parser.add_argument("--sweep-projects", type=int, default=300)
    parser.add_argument("--sweep-responses", type=int, default=20)
    parser.add_argument(
        "--sweep-nice",
        type=int,
        default=0,
        help="the sweep's CPU priority (0: the web's; docs/operations.md runs workers that "
        "share a host with the web workers at 10)",
    )
    parser.add_argument("--sweep-worker", help=argparse.SUPPRESS)  # the sweeping child process
    options = parser.parse_args()
    if options.sweep_worker:
        sweep_forever([int(pk) for pk in options.sweep_worker.split(",")], options.sweep_nice)
        return
    call_command("migrate", verbosity=0)  # so that it also runs on a fresh database
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    rng = random.Random(20260901)

    print(
        f"PostgreSQL {connection.pg_version // 10000}, Django {django.get_version()}, "
        f"gunicorn {gunicorn.__version__}; {machine_line()}"
    )
    workspaces: list[Workspace] = []
    try:
        started = time.perf_counter()
        workspace, sections, respondents = survey_create(options.surveys, rng)
        workspaces.append(workspace)
        print(f"created {options.surveys} invitations in {time.perf_counter() - started:.1f} s")
        sweep_ids: list[int] = []
        if options.during_sweep:
            started = time.perf_counter()
            sweep_workspace, answers = sweep_data_create(
                options.sweep_projects, options.sweep_responses, rng
            )
            workspaces.append(sweep_workspace)
            sweep_ids = list(
                Project.objects.filter(workspace__in=workspaces)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            print(
                f"created {options.sweep_projects} projects x {options.sweep_responses} "
                f"submitted responses ({answers} answers) for the sweep in "
                f"{time.perf_counter() - started:.1f} s"
            )
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")
            cursor.execute(
                f"CREATE TABLE {BASELINE_TABLE} (id bigint GENERATED BY DEFAULT AS IDENTITY "
                "PRIMARY KEY, client text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())"
            )
        vacuum_analyze([*TABLES, BASELINE_TABLE])
        workers = f"{options.workers} {'gthread' if options.threads > 1 else 'sync'} workers"
        if options.threads > 1:
            workers += f" x {options.threads} threads"
        with tempfile.TemporaryDirectory() as folder:
            log = Path(folder) / "gunicorn.log"
            server, port = gunicorn_start(options.workers, options.threads, log)
            try:
                print(f"gunicorn: {workers}; {options.clients} concurrent clients\n")
                assessment = Assessment.objects.get(workspace=workspace)
                clean = run(options, port, log, assessment, sections, respondents, sweep_ids)
            finally:
                gunicorn_stop(server)
    finally:
        for created in workspaces:
            Workspace.objects.filter(pk=created.pk).delete()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {BASELINE_TABLE}")
        queue_delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    print(f"\n{machine_line()} at the end")
    print("(benchmark workspaces, baseline table and queued tasks deleted)")
    if not clean:
        sys.exit(1)


@dataclass
class Timed:
    """The timed POSTs of one kind, summed over the rounds."""

    label: str
    seconds: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    succeeded: int = 0
    wall: float = 0.0
    client_cpu: float = 0.0

    def run(
        self,
        clients: Sequence[Client],
        kind: str,
        work: Callable[[int, Client], object],
        prepare: Callable[[int, Client], object] | None = None,
    ) -> None:
        """Run one phase of `work` and add its wall time, client CPU and `kind` samples."""
        wall, cpu = run_phase(clients, work, prepare)
        self.wall += wall
        self.client_cpu += cpu
        samples, errors = take_samples(clients)
        self.seconds.extend(samples.get(kind, []))
        self.errors.extend(errors)

    @property
    def throughput(self) -> float:
        return self.succeeded / self.wall if self.wall else 0.0


def run(
    options: argparse.Namespace,
    port: int,
    log: Path,
    assessment: Assessment,
    sections: Sequence[Section],
    respondents: Sequence[Respondent],
    sweep_ids: Sequence[int],
) -> bool:
    """Fill in the surveys, then time baseline and submit POSTs alternately in --rounds rounds
    (while `sweep_ids` are swept, if any); print the figures and return whether there was
    neither an error nor a loss."""
    clients = [Client(port) for _ in range(options.clients)]
    shares = [respondents[index :: len(clients)] for index in range(len(clients))]

    def fill(index: int, client: Client) -> None:
        for respondent in shares[index]:
            client.fill(respondent, sections)

    fill_seconds, _ = run_phase(clients, fill)
    samples, fill_errors = take_samples(clients)
    fill_requests = sum(len(values) for values in samples.values())
    print(
        f"1. fill in {len(respondents)} surveys (not timed for the goal): {fill_requests} "
        f"requests in {fill_seconds:.1f} s, {fill_requests / fill_seconds:.0f} req/s, "
        f"{len(fill_errors)} errors"
    )
    for kind in ("welcome GET", "step GET", "step POST", "review GET"):
        print(f"   {kind:<12} {latency(samples.get(kind, []))}")
    print_errors(fill_errors, log)
    # The fill-in updated every draft many times: its dead rows would slow the look-ups.
    vacuum_analyze(TABLES)

    # Alternating short rounds, so that anything else the machine does meanwhile weighs on
    # both alike. Each round: as many baseline POSTs as submissions, then the submissions.
    baseline, submit = Timed("baseline: one INSERT"), Timed("survey submit")
    stored = [0] * len(clients)
    batches = [
        [share[number :: options.rounds] for share in shares] for number in range(options.rounds)
    ]

    def insert_round(number: int) -> None:
        def insert(index: int, client: Client) -> None:
            stored[index] += sum(client.baseline() for _ in batches[number][index])

        baseline.run(
            clients, "baseline POST", insert, lambda index, client: client.baseline_prepare(index)
        )

    def submit_round(number: int) -> None:
        def press_submit(index: int, client: Client) -> None:
            for respondent in batches[number][index]:
                if respondent.filled:
                    client.submit(respondent)

        submit.run(clients, "submit POST", press_submit)

    sweep = Sweep.start(sweep_ids, options.sweep_nice) if sweep_ids else None
    timed_from = time.perf_counter()
    try:
        alternate(options.rounds, insert_round, submit_round)
    finally:
        timed_until = time.perf_counter()
        if sweep is not None:
            sweep.stop()
    baseline.succeeded = sum(stored)
    submit.succeeded = sum(respondent.submitted for respondent in respondents)

    print(
        f"\n2. and 3. timed, in {options.rounds} alternating rounds: each POST, from sending the "
        "request to reading the whole response"
    )
    if sweep is not None:
        during = sweep.overlapping(timed_from, timed_until)
        if during:
            print(
                f"   meanwhile a sweep of {len(sweep_ids)} projects ran in another process "
                f"(nice {options.sweep_nice}), "
                f"{len(during)} passes over the {timed_until - timed_from:.1f} s timed: "
                f"{min(p[1] for p in during):.2f}–{max(p[1] for p in during):.2f} s each, "
                f"storing {min(p[3] for p in during)}–{max(p[3] for p in during)} snapshots"
            )
        else:
            print("   NO sweep pass ran during the timed phases: the sweep process failed")
    print(f"{'':<22}{'POSTs':>6}{'errors':>8}{'req/s':>8}   latency{'':<38}client CPU")
    for timed in (baseline, submit):
        print(
            f"{timed.label:<22}{len(timed.seconds):>6}{len(timed.errors):>8}"
            f"{timed.throughput:>8.0f}   {latency(timed.seconds)}   "
            f"{timed.client_cpu / timed.wall:.2f} core"
        )
        print_errors(timed.errors, log)
    ratio = submit.throughput / baseline.throughput if baseline.throughput else 0.0
    submit_p99 = percentile(sorted(submit.seconds) or [math.inf], 99) * 1000
    fill_rate = fill_requests / fill_seconds if fill_seconds else 0.0
    print(f"\nthroughput of submit / baseline: {ratio:.2f} (goal >= 0.5)")
    print(f"p99 of submit:                   {submit_p99:.1f} ms (goal < 100 ms)")
    print(
        f"fill-in beside the baseline:     {fill_rate:.0f} req/s against {baseline.throughput:.0f}"
        f" ({fill_rate / baseline.throughput if baseline.throughput else 0:.2f}; not alternated)"
    )
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {BASELINE_TABLE}")
        [baseline_rows] = cursor.fetchone()
    print(f"baseline rows in the table: {baseline_rows} of {baseline.succeeded} successful POSTs")
    nothing_lost = lost_check(assessment, respondents) and baseline_rows == baseline.succeeded
    swept = sweep is None or (sweep.process.returncode == 0 and bool(during))
    return swept and nothing_lost and not (fill_errors or baseline.errors or submit.errors)


if __name__ == "__main__":
    main()
