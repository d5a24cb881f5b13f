"""Faults with real worker processes, Redis, PostgreSQL and anvil: nothing lost, nothing twice.

Each fault test kills a worker with SIGKILL at one step (``ANCHOR_FAULT``, see
``anchoring.services._fault``) or delivers the same task three times at once, then
lets the pipeline finish and checks: every leaf in exactly one confirmed batch,
exactly one ``Anchored`` event per root. Longer campaigns: bench/anchoring.py.
"""

from __future__ import annotations

import time
from pathlib import Path
import pytest

from anchoring import services, tasks
from anchoring.models import AnchorBatch, AnchorLeaf, BatchAnchor
from tests.anchoring.conftest import Chain, Workers, digest, wait_until
from tests.anchoring.test_pipeline import assert_all_anchored_once

State = BatchAnchor.State


def _all_confirmed(leaves: int) -> bool:
    return (
        AnchorLeaf.objects.filter(batch__state=AnchorBatch.State.CONFIRMED).count() == leaves
        and not BatchAnchor.objects.exclude(state=State.CONFIRMED).exists()
    )


def _beat() -> None:
    tasks.anchor_seal.delay()
    tasks.anchor_tick.delay()


@pytest.mark.parametrize(
    "point", ["seal_before_commit", "after_sign", "before_broadcast", "after_broadcast", "after_confirm"]
)
def test_kill9_at_each_step(point: str, workers: Workers, chain: Chain, tmp_path: Path) -> None:
    marker = tmp_path / "fault-fired"
    services.anchor_leaves_enqueue(leaves=[(f"k{i}", digest(i)) for i in range(120)])
    workers.start(ANCHOR_FAULT=point, ANCHOR_FAULT_ONCE=str(marker))
    # The worker's pool process dies at the step; the worker requeues its task
    # (acks_late, reject_on_worker_lost) and the next beat carries on.
    wait_until(lambda: _all_confirmed(120), timeout=60, every=0.5, tick=_beat)
    assert marker.exists(), "the fault never fired"
    assert_all_anchored_once([chain], 120)


def test_whole_worker_killed_mid_flight(workers: Workers, chain: Chain) -> None:
    services.anchor_leaves_enqueue(leaves=[(f"w{i}", digest(i)) for i in range(200)])
    first = workers.start(ANCHOR_BATCH_MAX_LEAVES="20")
    wait_until(lambda: BatchAnchor.objects.exclude(state=State.NEW).exists(), timeout=30, tick=_beat)
    workers.kill9(first)  # main process and pool, with tasks unacknowledged
    workers.start(concurrency=2)
    wait_until(lambda: _all_confirmed(200), timeout=60, every=0.5, tick=_beat)
    assert_all_anchored_once([chain], 200)


def test_same_task_three_times_at_once(workers: Workers, chain: Chain) -> None:
    workers.start(concurrency=3)
    services.anchor_leaves_enqueue(leaves=[(f"t{i}", digest(i)) for i in range(150)])
    for _ in range(3):
        tasks.anchor_seal.delay()
    wait_until(lambda: not AnchorLeaf.objects.filter(batch__isnull=True).exists(), timeout=30)
    anchor_ids = list(BatchAnchor.objects.values_list("id", flat=True))
    for anchor_id in anchor_ids:
        for _ in range(3):
            tasks.anchor_progress.delay(anchor_id)
    wait_until(lambda: _all_confirmed(150), timeout=60, every=0.5, tick=_beat)
    assert_all_anchored_once([chain], 150)
    # Three deliveries, one signature and one transaction each.
    assert set(BatchAnchor.objects.values_list("signings", flat=True)) == {1}


def test_node_stopped_while_workers_run(workers: Workers, chain: Chain) -> None:
    workers.start(concurrency=2)
    services.anchor_leaves_enqueue(leaves=[(f"n{i}", digest(i)) for i in range(60)])
    chain.anvil.stop()
    try:
        for _ in range(4):
            _beat()
            time.sleep(0.5)
        wait_until(lambda: not AnchorLeaf.objects.filter(batch__isnull=True).exists(), timeout=30, tick=_beat)
        assert not BatchAnchor.objects.filter(state=State.CONFIRMED).exists()
    finally:
        chain.anvil.start()
    wait_until(lambda: _all_confirmed(60), timeout=60, every=0.5, tick=_beat)
    assert_all_anchored_once([chain], 60)


