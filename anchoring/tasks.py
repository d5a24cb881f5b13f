"""Celery tasks: thin, short and safe to run any number of times (see services)."""

from __future__ import annotations

from celery import shared_task

from anchoring import services


@shared_task(name="anchoring.seal", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def anchor_seal() -> list[int]:
    """Seal the due batches, then start their anchors."""
    sealed = services.anchor_batches_seal_due()
    if sealed:
        anchor_tick.delay()
    return sealed


@shared_task(name="anchoring.tick", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def anchor_tick() -> int:
    """Queue one progress task per anchor not yet confirmed (driven by beat)."""
    services.anchor_batches_finish()
    ids = services.anchor_open_ids()
    for anchor_id in ids:
        anchor_progress.delay(anchor_id)
    return len(ids)


@shared_task(name="anchoring.progress", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def anchor_progress(anchor_id: int) -> str:
    """Take one anchor one or more steps further."""
    return services.anchor_progress(anchor_id=anchor_id)
