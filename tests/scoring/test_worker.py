"""A real Celery worker process, fed through Redis, records the snapshot (runs in CI)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.db import connection, transaction

from config.celery_app import app as celery_app
from readiness.models import Project
from readiness.services import project_mark_for_recalculation
from scoring.models import ScoreSnapshot
from tests.brokers import celery_broker

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60


def _database_url() -> str:
    """Return a URL for the test database, which the worker must use to see committed rows."""
    db = connection.settings_dict
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}"


def _start_worker(log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": _database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
            "--loglevel",
            "INFO",
        ],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_records_the_snapshot_after_a_submission(
    worked_project: Project, settings, tmp_path: Path
) -> None:
    settings.SCORING_COALESCE_SECONDS = 0
    log = tmp_path / "worker.log"
    with celery_broker(os.environ["REDIS_URL"]):
        celery_app.control.purge()  # leftovers of an interrupted run would only add noise
        worker = _start_worker(log)
        try:
            with transaction.atomic():
                project_mark_for_recalculation(project_id=worked_project.pk)
            # Published on commit, not by us: nothing is calculated in this process.
            assert not ScoreSnapshot.objects.filter(project=worked_project).exists()

            give_up = time.monotonic() + WAIT_SECONDS
            while not ScoreSnapshot.objects.filter(project=worked_project).exists():
                assert time.monotonic() < give_up, f"no snapshot after {WAIT_SECONDS} s:\n" + (
                    log.read_text()
                )
                try:
                    worker.wait(timeout=0.25)  # returns early only if the worker died
                except subprocess.TimeoutExpired:
                    continue
                pytest.fail(f"the worker exited ({worker.returncode}):\n{log.read_text()}")
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait(timeout=10)

    snapshot = ScoreSnapshot.objects.get(project=worked_project)
    assert round(snapshot.score, 3) == 59.965
    worked_project.refresh_from_db()
    assert not worked_project.needs_recalculation
