"""A worker killed during an import stores nothing, and the import then fails clearly.

Runs in CI against PostgreSQL and Redis with a real Celery worker process (issue 11, item 4).
"""

from __future__ import annotations

import datetime
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from django.db import connection

from tests.brokers import celery_broker
from tests.factories import ProjectFactory
from tests.faults.redis_server import own_redis
from tests.scoring.test_worker import _database_url
from usage import services
from usage.models import UsageEvent, UsageImport, UsageImportState

ROOT = Path(__file__).resolve().parents[2]
WAIT_SECONDS = 60
WORKER_APP_NAME = "adoptready-fault-worker"
ROWS = 20_000


def start_worker(log: Path, redis_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        # A broker of the test's own: no other test's worker takes this task, nor this worker
        # theirs.
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "config.settings.local",
        "DATABASE_URL": _database_url(),
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),  # where the test stored the upload
        "PGAPPNAME": WORKER_APP_NAME,  # libpq names the worker's sessions, to find them below
    }
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool", "solo"]
    command += ["--without-mingle", "--without-gossip", "--without-heartbeat"]
    return subprocess.Popen(
        [*command, "--loglevel", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def wait_until(condition, worker: subprocess.Popen, log: Path, what: str) -> None:
    """Wait for `condition()` while the worker lives; fail with its log otherwise."""
    give_up = time.monotonic() + WAIT_SECONDS
    while not condition():
        assert time.monotonic() < give_up, f"no {what} after {WAIT_SECONDS} s:\n{log.read_text()}"
        try:
            worker.wait(timeout=0.2)  # returns early only if the worker died
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"the worker exited ({worker.returncode}):\n{log.read_text()}")


def worker_sessions(cursor: psycopg.Cursor, *, waiting: bool) -> list[int]:
    cursor.execute(
        "SELECT pid FROM pg_stat_activity WHERE application_name = %s"
        + (" AND wait_event_type = 'Lock'" if waiting else ""),
        [WORKER_APP_NAME],
    )
    return [pid for (pid,) in cursor.fetchall()]


@pytest.mark.postgres
@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_stores_nothing_and_the_import_fails_clearly(
    workspace, tmp_path: Path
) -> None:
    project = ProjectFactory(account__workspace=workspace)
    body = "date,user,feature,count\n" + "".join(
        f"2025-01-{1 + n % 28:02d},user{n % 500},reports,1\n" for n in range(ROWS)
    )
    upload = services.usage_import_create(
        workspace=workspace,
        project=project,
        uploaded_by=None,
        file_name="usage.csv",
        source=io.BytesIO(body.encode()),
    )
    log = tmp_path / "worker.log"
    db = connection.settings_dict
    # A second session holds the project's row: the worker loads every row inside its
    # transaction, then waits on this lock to mark the project — the moment to kill it.
    holder = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname=db["NAME"],
        password=db.get("PASSWORD") or None,
        autocommit=False,
    )
    observer = psycopg.connect(
        host=db["HOST"],
        port=db["PORT"] or 5432,
        user=db["USER"],
        dbname=db["NAME"],
        password=db.get("PASSWORD") or None,
        autocommit=True,
    )
    with own_redis() as redis, celery_broker(redis.url):
        worker = start_worker(log, redis.url)
        try:
            with holder.cursor() as cursor:
                cursor.execute(
                    "SELECT 1 FROM readiness_project WHERE id = %s FOR UPDATE", [project.pk]
                )
            services.usage_import_start(usage_import=upload, mapping=upload.column_mapping)
            with observer.cursor() as cursor:
                wait_until(
                    lambda: worker_sessions(cursor, waiting=True),
                    worker,
                    log,
                    "worker waiting with the rows loaded",
                )
                worker.send_signal(signal.SIGKILL)
                worker.wait(timeout=30)
                # The server notices a dead client when it next talks to it; ending the
                # killed worker's session now is what it would do.
                for pid in worker_sessions(cursor, waiting=False):
                    cursor.execute("SELECT pg_terminate_backend(%s, 10000)", [pid])
        finally:
            holder.rollback()
            holder.close()
            observer.close()
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)

    assert UsageEvent.objects.count() == 0
    stalled = UsageImport.objects.get(pk=upload.pk)
    assert stalled.state == UsageImportState.PROCESSING

    assert services.usage_imports_fail_stalled(older_than=datetime.timedelta(0)) == 1

    stalled.refresh_from_db()
    assert stalled.state == UsageImportState.FAILED
    assert stalled.errors[0]["message"] == services.STALLED
    assert UsageEvent.objects.count() == 0
