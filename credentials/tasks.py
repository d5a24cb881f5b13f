"""Celery tasks of the credentials app: thin wrappers over services."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from celery.signals import worker_ready


@shared_task(acks_late=True)
def claim_links_send(credential_ids: list[int]) -> int:
    """Email claim links to the holders of newly issued credentials."""
    from credentials.services import claim_links_send_for

    return claim_links_send_for(credential_ids=credential_ids)


@shared_task(acks_late=True)
def batch_issue(batch_id: int) -> None:
    """Issue a queued batch, chunk after chunk, in this one task (it loops).

    Idempotent: a redelivered or duplicate task finds the batch held by another
    worker, or done, or resumes after the last committed chunk.
    """
    from credentials.batches import batch_run

    batch_run(batch_id=batch_id)


@shared_task(acks_late=True)
def batches_resume() -> int:
    """Re-enqueue batches left queued or running (e.g. by a killed worker)."""
    from credentials.batches import batches_resume as resume

    return resume()


@worker_ready.connect
def _resume_batches_on_start(sender: Any = None, **kwargs: Any) -> None:
    # A worker killed mid-batch leaves its task unacknowledged in the broker
    # until the visibility timeout (an hour on Redis): a new worker picks the
    # batch up at once instead.
    batches_resume.delay()
