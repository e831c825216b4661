"""Benchmark a live workshop: 200 phones joining and submitting within a minute while the
presenter view refreshes (SPEC §9, §12).

Run with PostgreSQL and Redis (it creates, then deletes, a throw-away workspace):

    DATABASE_URL=postgres://user@host:5432/adoptready REDIS_URL=redis://host:6379/6 \\
        .venv/bin/python bench/bench_workshop.py [--participants 200] [--spread 45]

It migrates, creates an open assessment with a live workshop and a signed-in consultant, runs
VACUUM ANALYZE, and starts gunicorn with the production settings (bench/survey_settings.py, as
bench/bench_survey.py does; its clients send `X-Forwarded-Proto: https` like the TLS proxy).

- participants: --participants phones, their starts spread evenly over --spread seconds, each
  on a connection and cookies of its own, as a browser does: GET the join page, POST a role
  (the redirect carries the device cookie), GET and POST every survey step, GET the review
  page, POST submit. All come from one address, as a room behind the customer's NAT does.
- presenter: meanwhile one client GETs the presenter's live update (the HTMX poll) and then
  the bare view (bench/survey_urls.py: a Django view that only hands out a CSRF token) in
  turn, every --poll seconds (the page itself polls every 3 s; faster here to get samples).

Goal: no errors; every submission stored (the database holds exactly the successful submits,
source `workshop`, every answer); the last participant submits within a minute of the first
join; the presenter update's p95 printed beside the bare view's.
"""

from __future__ import annotations

import argparse
import os
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
    Client,
    answer_for,
    gunicorn_start,
    gunicorn_stop,
    latency,
    percentile,
    print_errors,
    queue_delete,
)
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


def participate(client: Client, phone: Phone, code: str, sections: list[Section]) -> None:
    """Join, answer every step and submit, as a phone's browser does."""
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
    survey = f"/s/{found.group(1)}/"
    for section in sections:
        reply = client.send("step GET", "GET", f"{survey}{section.slug}/", cookies)
        token = client.page_token("step GET", reply)
        if token is None:
            return
        form = {**phone.answers[section.slug], "action": "next", "csrfmiddlewaretoken": token}
        reply = client.send("step POST", "POST", f"{survey}{section.slug}/", cookies, form)
        if not client.expect("step POST", reply, 302):
            return
    token = client.page_token(
        "review GET", client.send("review GET", "GET", f"{survey}review/", cookies)
    )
    if token is None:
        return
    reply = client.send(
        "submit POST", "POST", f"{survey}submit/", cookies, {"csrfmiddlewaretoken": token}
    )
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
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        print(
            f"PostgreSQL {connection.pg_version // 10000}, Django {django.get_version()}, "
            f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} before the run"
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


def run(options, port, log, workshop, session, sections, phones) -> bool:
    """Run the phones and the presenter together; print the figures; return whether clean."""
    done = threading.Event()
    presenter = Client(port)
    bare = Client(port)

    def poll() -> None:
        presenter.fresh_connection()
        bare.fresh_connection()
        live = f"/workshops/{workshop.pk}/live/"
        while not done.is_set():
            client_expect = presenter.send("live GET", "GET", live, dict(session))
            presenter.expect("live GET", client_expect, 200)
            bare.expect("bare GET", bare.send("bare GET", "GET", BASELINE_PATH, {}), 200)
            done.wait(options.poll)

    phone_clients: list[Client] = []
    started = time.perf_counter()
    finished: list[float] = []

    def one(phone: Phone) -> None:
        delay = started + phone.number * options.spread / max(len(phones), 1) - time.perf_counter()
        if delay > 0:
            time.sleep(delay)  # a room's arrivals, spread over the minute
        client = Client(port)
        client.fresh_connection()
        phone_clients.append(client)
        participate(client, phone, workshop.code, sections)
        client.connection.close()
        finished.append(time.perf_counter() - started)

    poller = threading.Thread(target=poll)
    poller.start()
    threads = [threading.Thread(target=one, args=(phone,)) for phone in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    done.set()
    poller.join()
    load = os.getloadavg()[0]

    samples: dict[str, list[float]] = {}
    errors: list[str] = []
    for client in (*phone_clients, presenter, bare):
        for kind, seconds in client.samples:
            samples.setdefault(kind, []).append(seconds)
        errors.extend(client.errors)
    print(
        f"participants: {sum(p.submitted for p in phones)} of {len(phones)} submitted; last "
        f"submission {max(finished, default=0):.1f} s after the first join; "
        f"{len(errors)} errors; load average {load:.2f} at the end"
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
    within = max(finished, default=0) <= 60.0
    print(f"within a minute: {'yes' if within else 'NO'} ({wall:.1f} s in all)")
    return everything and not errors and within


if __name__ == "__main__":
    main()
