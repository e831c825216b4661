"""Benchmark a live workshop: 200 phones joining and submitting within a minute while the
presenter view refreshes (SPEC §9, §12).

Run with PostgreSQL and Redis (it creates, then deletes, a throw-away workspace):

    DATABASE_URL=postgres://user@host:5432/adoptready REDIS_URL=redis://host:6379/6 \\
        .venv/bin/python bench/bench_workshop.py [--participants 200] [--spread 45]

It migrates, creates an open assessment with a live workshop and a signed-in consultant, runs
VACUUM ANALYZE, and starts gunicorn with the production settings (bench/survey_settings.py, as
bench/bench_survey.py does; its clients send `X-Forwarded-Proto: https` like the TLS proxy).

Three phases, as a room does it: everyone joins when the QR code goes up, answers for a few
minutes, and the submissions come in around the same moment.

1. join: --participants phones, their starts spread evenly over --spread seconds, each on a
   connection and cookies of its own: GET the join page, POST a role (the redirect carries the
   device cookie). All come from one address, as a room behind the customer's NAT does.
2. fill: every phone GETs and POSTs each survey step and GETs the review page, as fast as
   --clients concurrent clients go (not part of the goal: people take minutes for this).
3. submit: every phone POSTs its review page's submit form, starts spread over --spread s.

Throughout, one client GETs the presenter's live update (the HTMX poll) and then the bare view
(bench/survey_urls.py: a Django view that only hands out a CSRF token) in turn, every --poll
seconds (the page itself polls every 3 s; faster here to get samples).

Goal: no errors; every submission stored (the database holds exactly the successful submits,
source `workshop`, every answer); the joins, and then the submissions, each done within a
minute; the presenter update's p95 printed beside the bare view's.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import django  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client as DjangoClient  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.bench_survey import (  # noqa: E402  (sets up Django with the benchmark's settings)
    BASELINE_PATH,
    TABLES,
    Client,
    answer_for,
    gunicorn_start,
    gunicorn_stop,
    latency,
    percentile,
    print_errors,
    queue_delete,
)
from bench.common import machine_line, vacuum_analyze  # noqa: E402
from readiness import services  # noqa: E402
from readiness.models import Answer, Invitation, ResponseSource, ResponseStatus, Workshop  # noqa: E402
from readiness.models import Response as SurveyResponse  # noqa: E402
from readiness.survey.views import Section, sections_of  # noqa: E402
from workspaces import services as workspace_services  # noqa: E402
from workspaces.models import Role, Workspace  # noqa: E402

STEP_PATH = re.compile(r"^/s/([^/]+)/([^/]+)/$")
ROLES = ("end_user", "end_user", "end_user", "manager", "sponsor")


@dataclass
class Phone:
    number: int
    role: str
    answers: dict[str, dict[str, str]]
    cookies: dict[str, str] = field(default_factory=dict)
    survey: str = ""
    csrf_token: str = ""
    submitted: bool = False
    answer_count: int = 0


def workshop_create() -> tuple[Workspace, Workshop, dict[str, str]]:
    """Create a workspace with an open assessment, a live workshop and a consultant's session."""
    workspace = workspace_services.workspace_create(
        name="Workshop benchmark", slug=f"bench-workshop-{uuid.uuid4().hex[:8]}"
    )
    account = services.account_create(workspace=workspace, name="Bench Corp", external_id="B-1")
    project = services.project_create(
        workspace=workspace, account=account, name="Kick-off", product_name="RouteWise"
    )
    assessment = services.assessment_create(
        project=project,
        template=services.default_template_ensure(workspace=workspace),
        name="Kick-off workshop",
        opens_on=timezone.localdate(),
    )
    services.assessment_open(assessment=assessment)
    workshop = services.workshop_start(assessment=assessment)
    consultant = get_user_model().objects.create_user(f"bench-{uuid.uuid4().hex[:8]}")
    workspace_services.membership_set(workspace=workspace, user=consultant, role=Role.CONSULTANT)
    browser = DjangoClient()
    browser.force_login(consultant)
    session = {settings.SESSION_COOKIE_NAME: browser.cookies[settings.SESSION_COOKIE_NAME].value}
    return workspace, workshop, session


def join(client: Client, phone: Phone, code: str) -> None:
    """Open the join page and choose a role, as a phone's browser does."""
    cookies = phone.cookies
    token = client.page_token("join GET", client.send("join GET", "GET", f"/w/{code}/", cookies))
    if token is None:
        return
    form = {"role": phone.role, "csrfmiddlewaretoken": token}
    reply = client.send("join POST", "POST", f"/w/{code}/", cookies, form)
    if not client.expect("join POST", reply, 302):
        return
    found = STEP_PATH.match(reply.location)
    if found is None:
        client.errors.append(f"join POST: redirected to {reply.location!r}")
        return
    phone.survey = f"/s/{found.group(1)}/"


def fill(client: Client, phone: Phone, sections: list[Section]) -> None:
    """Answer every step and open the review page."""
    if not phone.survey:
        return
    cookies, survey = phone.cookies, phone.survey
    for section in sections:
        reply = client.send("step GET", "GET", f"{survey}{section.slug}/", cookies)
        token = client.page_token("step GET", reply)
        if token is None:
            return
        form = {**phone.answers[section.slug], "action": "next", "csrfmiddlewaretoken": token}
        reply = client.send("step POST", "POST", f"{survey}{section.slug}/", cookies, form)
        if not client.expect("step POST", reply, 302):
            return
    reply = client.send("review GET", "GET", f"{survey}review/", cookies)
    phone.csrf_token = client.page_token("review GET", reply) or ""


def submit(client: Client, phone: Phone) -> None:
    """Press "Send my answers" on the review page."""
    if not phone.csrf_token:
        return
    form = {"csrfmiddlewaretoken": phone.csrf_token}
    reply = client.send("submit POST", "POST", f"{phone.survey}submit/", phone.cookies, form)
    if client.expect("submit POST", reply, 302):
        phone.submitted = True
        phone.answer_count = sum(1 for step in phone.answers.values() for v in step.values() if v)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=200)
    parser.add_argument(
        "--spread", type=float, default=45.0, help="seconds over which phones start"
    )
    parser.add_argument("--poll", type=float, default=0.5, help="seconds between presenter polls")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients to fill in")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    options = parser.parse_args()
    call_command("migrate", verbosity=0)
    if connection.vendor != "postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database.")
    rng = random.Random(20261130)
    workspace, workshop, session = workshop_create()
    sections = sections_of(Invitation(assessment=workshop.assessment, workspace_id=workspace.pk))
    phones = [
        Phone(
            number=number,
            role=ROLES[number % len(ROLES)],
            answers={
                s.slug: {i.code: answer_for(i.kind, i.allow_dont_know, rng) for i in s.items}
                for s in sections
            },
        )
        for number in range(options.participants)
    ]
    clean = False
    try:
        vacuum_analyze([*TABLES, Workshop._meta.db_table])
        print(
            f"PostgreSQL {connection.pg_version // 10000}, Django {django.get_version()}; "
            f"{machine_line()} before the run"
        )
        with tempfile.TemporaryDirectory() as folder:
            log = Path(folder) / "gunicorn.log"
            server, port = gunicorn_start(options.workers, 1, log)
            try:
                print(
                    f"gunicorn: {options.workers} sync workers; {options.participants} phones "
                    f"starting over {options.spread:.0f} s; presenter polls every {options.poll} s\n"
                )
                clean = run(options, port, log, workshop, session, sections, phones)
            finally:
                gunicorn_stop(server)
    finally:
        Workspace.objects.filter(pk=workspace.pk).delete()
        queue_delete(settings.CELERY_TASK_DEFAULT_QUEUE)
    print("\n(benchmark workspace and queued tasks deleted)")
    if not clean:
        sys.exit(1)


def paced(phones: list[Phone], spread: float, port: int, work) -> tuple[list[Client], float]:
    """Run `work(client, phone)` for every phone, starts spread evenly over `spread` seconds,
    each on a connection of its own; return the clients and the time until the last ended."""
    clients = [Client(port) for _ in phones]
    started = time.perf_counter()

    def one(index: int) -> None:
        start_at = started + index * spread / max(len(phones), 1)
        # A room's arrivals, spread over the minute: waiting for one's turn, not retrying.
        time.sleep(max(start_at - time.perf_counter(), 0))
        clients[index].fresh_connection()
        work(clients[index], phones[index])
        clients[index].connection.close()

    threads = [threading.Thread(target=one, args=(index,)) for index in range(len(phones))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return clients, time.perf_counter() - started


def run(options, port, log, workshop, session, sections, phones) -> bool:
    """Run the three phases while the presenter polls; print the figures; return whether clean."""
    done = threading.Event()
    presenter = Client(port)
    bare = Client(port)

    def poll() -> None:
        presenter.fresh_connection()
        bare.fresh_connection()
        live = f"/workshops/{workshop.pk}/live/"
        while not done.is_set():
            presenter.expect(
                "live GET", presenter.send("live GET", "GET", live, dict(session)), 200
            )
            bare.expect("bare GET", bare.send("bare GET", "GET", BASELINE_PATH, {}), 200)
            done.wait(options.poll)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        joiners, join_wall = paced(
            phones, options.spread, port, lambda c, p: join(c, p, workshop.code)
        )
        fillers = [Client(port) for _ in range(options.clients)]

        def fill_share(index: int) -> None:
            fillers[index].fresh_connection()
            for phone in phones[index :: len(fillers)]:
                fill(fillers[index], phone, sections)

        started = time.perf_counter()
        threads = [threading.Thread(target=fill_share, args=(i,)) for i in range(len(fillers))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        fill_wall = time.perf_counter() - started
        submitters, submit_wall = paced(phones, options.spread, port, submit)
    finally:
        done.set()
        poller.join()
    load = machine_line()

    samples: dict[str, list[float]] = {}
    errors: list[str] = []
    for client in (*joiners, *fillers, *submitters, presenter, bare):
        for kind, seconds in client.samples:
            samples.setdefault(kind, []).append(seconds)
        errors.extend(client.errors)
    print(
        f"1. join:   {sum(bool(p.survey) for p in phones)} of {len(phones)} joined in "
        f"{join_wall:.1f} s\n2. fill:   {sum(bool(p.csrf_token) for p in phones)} filled in in "
        f"{fill_wall:.1f} s (not part of the goal)\n3. submit: "
        f"{sum(p.submitted for p in phones)} submitted in {submit_wall:.1f} s\n"
        f"{len(errors)} errors; {load} at the end"
    )
    for kind in ("join GET", "join POST", "step GET", "step POST", "review GET", "submit POST"):
        print(f"   {kind:<12} {latency(samples.get(kind, []))}")
    print()
    live_p95 = percentile(sorted(samples.get("live GET", [0.0])), 95) * 1000
    bare_p95 = percentile(sorted(samples.get("bare GET", [0.0])), 95) * 1000
    print(
        f"presenter live update ({len(samples.get('live GET', []))} GETs)  {latency(samples.get('live GET', []))}"
    )
    print(
        f"bare view             ({len(samples.get('bare GET', []))} GETs)  {latency(samples.get('bare GET', []))}"
    )
    print(f"p95 presenter update {live_p95:.1f} ms beside the bare view's {bare_p95:.1f} ms")
    print_errors(errors, log)

    submitted = SurveyResponse.objects.filter(
        invitation__workshop=workshop, status=ResponseStatus.SUBMITTED
    )
    succeeded = sum(p.submitted for p in phones)
    sources = set(submitted.values_list("source", flat=True))
    answers_sent = sum(p.answer_count for p in phones)
    answers_stored = Answer.objects.filter(response__in=submitted).count()
    joined = Invitation.objects.filter(workshop=workshop).count()
    everything = (
        submitted.count() == succeeded == len(phones)
        and sources == {ResponseSource.WORKSHOP}
        and answers_stored == answers_sent
        and joined == len(phones)
    )
    print(
        f"stored: {joined} participants joined, {submitted.count()} submitted responses of "
        f"{succeeded} successful submits (source {', '.join(sorted(sources)) or '—'}), "
        f"{answers_stored} answers of {answers_sent} sent: "
        f"{'every submission stored' if everything else 'MISMATCH'}"
    )
    within = join_wall <= 60.0 and submit_wall <= 60.0
    print(f"joins and submissions each within a minute: {'yes' if within else 'NO'}")
    return everything and not errors and within


if __name__ == "__main__":
    main()
