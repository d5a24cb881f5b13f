"""A real Celery worker issues a batch, is killed with SIGKILL mid-batch, and a new one finishes it.

The worker runs as a subprocess (``celery -A config worker``, solo pool) against
Redis and this test's PostgreSQL database (a transactional test, so the worker
sees the rows). Every row must end up issued exactly once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.db import connection

from anchoring.models import AnchorLeaf
from credentials.batches import batch_create_from_rows, batch_start
from credentials.models import Batch, BatchRow, Credential
from identity.services import Actor

ROWS = 2500  # five chunks of 500: the kill lands after the first and before the last
ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://") or not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="needs Redis (CELERY_BROKER_URL) and PostgreSQL (DATABASE_URL)",
)


def _test_database_url() -> str:
    """DATABASE_URL pointing at the test database this run created."""
    parts = urlsplit(os.environ["DATABASE_URL"])
    return urlunsplit(parts._replace(path="/" + connection.settings_dict["NAME"]))


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    celery = Path(sys.executable).with_name("celery")
    return subprocess.Popen(
        [str(celery), "-A", "config", "worker", "--pool=solo", "--without-gossip", "--without-mingle", "--without-heartbeat", "-l", "INFO"],
        cwd=ROOT,
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _wait(predicate: Any, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}; worker log:\n{log.read_text(errors='replace')[-4000:]}")


def _flush_broker() -> None:
    import redis

    redis.Redis.from_url(os.environ["CELERY_BROKER_URL"]).flushdb()


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_resumes_and_issues_each_row_once(tmp_path: Path) -> None:
    from credentials.services import organisation_onboard

    _flush_broker()
    organisation = organisation_onboard(slug="univ-w", name_en="Worker University", name_zh="工人大学")
    template = organisation.templates.get(slug="master")
    rows = [
        {"student_number": f"W{n:06d}", "name": f"学生{n}", "major": "Mathematics", "date_of_award": "2024-06-30"} for n in range(ROWS)
    ]
    batch = batch_create_from_rows(organisation=organisation, template=template, rows=rows, actor=Actor.system())
    assert batch.state == Batch.State.READY

    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "CELERY_BROKER_URL": os.environ["CELERY_BROKER_URL"],
        "LIANZHENG_MASTER_KEY": os.environ["LIANZHENG_MASTER_KEY"],
        "PUBLIC_URL": settings.PUBLIC_URL,
        "CONN_MAX_AGE": "0",
    }
    log = tmp_path / "worker.log"
    first = _worker(env, log)
    second: subprocess.Popen[bytes] | None = None
    try:
        batch_start(batch=batch, actor=Actor.system())  # commits: the task goes to Redis now

        def progressed() -> bool:
            batch.refresh_from_db()
            return batch.issued_rows > 0

        _wait(progressed, 40, "the first chunk", log)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
        batch.refresh_from_db()
        killed_at = batch.issued_rows
        assert batch.state == Batch.State.RUNNING, "the batch finished before the kill; make it bigger"
        assert 0 < killed_at < ROWS

        # A new worker picks the batch up at start (the dead one's message stays unacknowledged).
        second = _worker(env, log)

        def finished() -> bool:
            batch.refresh_from_db()
            return batch.state in (Batch.State.DONE, Batch.State.FAILED)

        _wait(finished, 45, "the batch to finish", log)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        _flush_broker()

    assert batch.state == Batch.State.DONE, log.read_text(errors="replace")[-4000:]
    assert (batch.issued_rows, batch.skipped_rows) == (ROWS, 0)
    credentials = Credential.objects.filter(template=template)
    assert credentials.count() == ROWS
    assert credentials.values("student_number").distinct().count() == ROWS
    linked = BatchRow.objects.filter(batch=batch, credential__isnull=False, existed=False)
    assert linked.count() == ROWS
    assert linked.values("credential_id").distinct().count() == ROWS
    assert AnchorLeaf.objects.filter(ref__in=credentials.values_list("public_id", flat=True)).count() == ROWS
    assert "resuming" in log.read_text(errors="replace")
