"""The anchoring state machine, step by step in this process, against a real anvil."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.db import transaction

from anchoring import selectors, services
from anchoring.chains.evm import EVMChain
from anchoring.merkle import InclusionProof, MerkleTree, verify_inclusion
from anchoring.models import AnchorBatch, AnchorLeaf, AnchorSigner, BatchAnchor
from anchoring.receipt import verify_receipt
from tests.anchoring.conftest import Chain, digest

pytestmark = pytest.mark.django_db(transaction=True)
State = BatchAnchor.State


def drive(rounds: int = 40, mine: Any = None) -> None:
    """Call the steps as beat would, until every anchor is confirmed."""
    for _ in range(rounds):
        time.sleep(0.05)  # anvil's automine may lag a moment behind a broadcast
        services.anchor_batches_seal_due()
        ids = services.anchor_open_ids()
        if not ids:
            return
        for anchor_id in ids:
            services.anchor_progress(anchor_id=anchor_id)
        if mine is not None:
            mine()


def progress_until(anchor_id: int, state: str, tries: int = 40) -> None:
    for _ in range(tries):
        if services.anchor_progress(anchor_id=anchor_id) == state:
            return
        time.sleep(0.05)
    raise AssertionError(f"anchor {anchor_id} never reached {state}")


def assert_all_anchored_once(chains: list[Chain], leaves: int) -> None:
    assert AnchorLeaf.objects.count() == leaves
    assert not AnchorLeaf.objects.filter(batch__isnull=True).exists()
    batches = list(AnchorBatch.objects.all())
    assert sum(b.size for b in batches) == leaves
    for c in chains:
        anchors = BatchAnchor.objects.filter(chain=c.name)
        assert anchors.count() == len(batches)
        assert set(anchors.values_list("state", flat=True)) == {State.CONFIRMED}
        roots = [bytes(e["topics"][1]) for e in c.anchored_events()]
        assert sorted(roots) == sorted(bytes(b.root) for b in batches)  # exactly one event per root


def test_enqueue_is_idempotent_on_ref() -> None:
    leaf = services.anchor_leaf_enqueue(ref="cred-1", digest=digest(1))
    with transaction.atomic():
        again = services.anchor_leaf_enqueue(ref="cred-1", digest=digest(1))
    assert again.pk == leaf.pk
    with pytest.raises(ValueError):
        services.anchor_leaf_enqueue(ref="cred-1", digest=digest(2))
    with pytest.raises(ValueError):
        services.anchor_leaf_enqueue(ref="x" * 65, digest=digest(2))
    with pytest.raises(ValueError):
        services.anchor_leaf_enqueue(ref="cred-2", digest=b"short")
    assert services.anchor_leaves_enqueue(leaves=[("cred-1", digest(1)), ("cred-2", digest(2)), ("cred-3", digest(3))]) == 2
    assert AnchorLeaf.objects.count() == 3
    assert selectors.anchor_status_for(ref="cred-2")["state"] == "pending"
    assert selectors.anchor_status_for(ref="nope")["state"] == "unknown"
    assert selectors.anchor_receipt_for(ref="nope") is None


def test_without_chains_leaves_wait(settings: Any) -> None:
    settings.ANCHOR_CHAINS = []
    services.anchor_leaves_enqueue(leaves=[(f"c{i}", digest(i)) for i in range(5)])
    assert services.anchor_batch_seal(max_age_seconds=0) is None
    assert services.anchor_batches_seal_due() == []
    assert AnchorLeaf.objects.filter(batch__isnull=True).count() == 5


def test_seal_waits_for_size_or_age(chain: Chain, settings: Any) -> None:
    settings.ANCHOR_BATCH_MAX_LEAVES = 10
    settings.ANCHOR_BATCH_SECONDS = 3600
    services.anchor_leaves_enqueue(leaves=[(f"c{i}", digest(i)) for i in range(25)])
    assert len(services.anchor_batches_seal_due()) == 2  # two full batches; 5 leaves wait for age
    assert AnchorLeaf.objects.filter(batch__isnull=True).count() == 5
    assert services.anchor_batch_seal(max_age_seconds=0).size == 5


def test_pipeline_end_to_end_two_chains(make_chain: Any, settings: Any) -> None:
    a, b = make_chain("alpha"), make_chain("beta", finality=2)
    settings.ANCHOR_CHAINS = [a.config, b.config]
    settings.ANCHOR_BATCH_MAX_LEAVES = 50
    settings.ANCHOR_BATCH_SECONDS = 0
    services.anchor_leaves_enqueue(leaves=[(f"cred-{i}", digest(i)) for i in range(120)])
    drive(mine=lambda: a.anvil.mine(1))
    assert_all_anchored_once([a, b], 120)
    assert sorted(AnchorBatch.objects.values_list("size", flat=True)) == [20, 50, 50]
    assert set(AnchorBatch.objects.values_list("state", flat=True)) == {"confirmed"}
    for batch in AnchorBatch.objects.all():
        leaves = list(batch.leaves.order_by("leaf_index"))
        tree = MerkleTree([bytes(leaf.digest) for leaf in leaves])
        assert tree.root == bytes(batch.root)
    # Every leaf: a receipt that a node confirms, on either chain.
    client = EVMChain(a.anvil.url)
    for i in (0, 49, 50, 119):
        receipt = selectors.anchor_receipt_for(ref=f"cred-{i}")
        assert receipt["status"] == "anchored" and len(receipt["anchors"]) == 2
        verify_inclusion(digest(i), InclusionProof.from_dict(receipt["proof"]), bytes.fromhex(receipt["root"][2:]))
        for name in ("alpha", "beta"):
            result = verify_receipt(receipt, digest(i), client, chain=name)
            assert result.status == "anchored", result.as_dict()
        status = selectors.anchor_status_for(ref=f"cred-{i}")
        assert status["state"] == "confirmed"
        assert all(c["transactionHash"].startswith("0x") for c in status["chains"])
    assert set(selectors.anchor_status_for_refs(refs=["cred-1", "cred-2", "nope"]).values()) == {"confirmed"}
    # Running every step again changes nothing and sends nothing.
    events = len(a.anchored_events())
    for anchor_id in BatchAnchor.objects.values_list("id", flat=True):
        services.anchor_sign(anchor_id=anchor_id)
        services.anchor_broadcast(anchor_id=anchor_id)
        services.anchor_confirm(anchor_id=anchor_id)
    assert len(a.anchored_events()) == events
    assert set(BatchAnchor.objects.values_list("signings", flat=True)) == {1}


def test_finalized_rule_is_pending_until_finalized(make_chain: Any, settings: Any) -> None:
    c = make_chain("fin", finality="finalized")
    settings.ANCHOR_CHAINS = [c.config]
    services.anchor_leaf_enqueue(ref="f-1", digest=digest(1))
    services.anchor_batch_seal(max_age_seconds=0)
    progress_until(BatchAnchor.objects.get().pk, State.MINED)
    assert selectors.anchor_status_for(ref="f-1")["state"] == "sent"
    assert selectors.anchor_receipt_for(ref="f-1")["status"] == "pending"
    c.anvil.mine(70)  # anvil finalizes 64 blocks behind the head
    drive()
    assert BatchAnchor.objects.get().state == State.CONFIRMED
    assert selectors.anchor_receipt_for(ref="f-1")["status"] == "anchored"


def test_reorg_rebroadcasts_the_same_transaction(chain: Chain, settings: Any) -> None:
    chain_cfg = dict(chain.config, finality=3)
    settings.ANCHOR_CHAINS = [chain_cfg]
    services.anchor_leaf_enqueue(ref="r-1", digest=digest(1))
    services.anchor_batch_seal(max_age_seconds=0)
    anchor = BatchAnchor.objects.get()
    services.anchor_sign(anchor_id=anchor.pk)
    snapshot = chain.anvil.rpc("evm_snapshot")
    progress_until(anchor.pk, State.MINED)
    first = BatchAnchor.objects.get()
    assert first.state == State.MINED
    raw = bytes(first.raw_tx)
    chain.anvil.rpc("evm_revert", [snapshot])  # the block with our transaction is gone
    chain.anvil.mine(2)  # another branch, longer than the reverted one
    progress_until(anchor.pk, State.MINED)
    chain.anvil.mine(3)
    progress_until(anchor.pk, State.CONFIRMED)
    done = BatchAnchor.objects.get()
    assert done.state == State.CONFIRMED
    assert done.reorgs == 1 and done.signings == 1
    assert bytes(done.raw_tx) == raw and bytes(done.tx_hash) == bytes(first.tx_hash)
    assert bytes(done.block_hash) != bytes(first.block_hash)
    assert len(chain.anchored_events()) == 1


def test_nonce_gap_is_filled(chain: Chain) -> None:
    services.anchor_leaf_enqueue(ref="g-1", digest=digest(1))
    services.anchor_batch_seal(max_age_seconds=0)
    anchor = BatchAnchor.objects.get()
    services.anchor_sign(anchor_id=anchor.pk)  # creates the signer row at the chain's nonce
    # A gap: the stored transaction is re-signed with a nonce one beyond the chain's.
    BatchAnchor.objects.filter(pk=anchor.pk).update(state=State.NEW)
    AnchorSigner.objects.update(next_nonce=AnchorSigner.objects.get().next_nonce + 1)
    services.anchor_sign(anchor_id=anchor.pk)
    gapped = BatchAnchor.objects.get()
    services.anchor_broadcast(anchor_id=anchor.pk)
    services.anchor_confirm(anchor_id=anchor.pk)  # not mined: queued behind the gap
    assert BatchAnchor.objects.get().state in (State.SENT, State.SIGNED)
    progress_until(anchor.pk, State.CONFIRMED)
    done = BatchAnchor.objects.get()
    assert done.nonce < gapped.nonce  # re-signed at the nonce the chain expects
    assert len(chain.anchored_events()) == 1


def test_nonce_taken_by_another_transaction(chain: Chain) -> None:
    from eth_account import Account

    services.anchor_leaf_enqueue(ref="n-1", digest=digest(1))
    services.anchor_batch_seal(max_age_seconds=0)
    anchor = BatchAnchor.objects.get()
    services.anchor_sign(anchor_id=anchor.pk)
    signed = BatchAnchor.objects.get()
    # The same key spends that nonce elsewhere before our broadcast.
    key = chain.signer_key_file.read_text().strip()
    w3 = chain.anvil.w3
    tx = Account.sign_transaction({"to": chain.signer, "value": 1, "nonce": signed.nonce, "gas": 21000,
                                   "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9, "chainId": 31337}, key)
    w3.eth.send_raw_transaction(tx.raw_transaction)
    progress_until(anchor.pk, State.CONFIRMED)
    done = BatchAnchor.objects.get()
    assert done.signings == 2 and done.nonce == signed.nonce + 1
    assert len(chain.anchored_events()) == 1


def test_node_down_then_back(chain: Chain) -> None:
    services.anchor_leaves_enqueue(leaves=[(f"d{i}", digest(i)) for i in range(3)])
    services.anchor_batch_seal(max_age_seconds=0)
    anchor = BatchAnchor.objects.get()
    services.anchor_sign(anchor_id=anchor.pk)
    chain.anvil.stop()
    try:
        assert services.anchor_progress(anchor_id=anchor.pk) == State.SIGNED
        signer = AnchorSigner.objects.get()
        assert signer.last_error and signer.last_error_at is not None
        overview = selectors.anchor_operator_overview()
        assert overview["chains"][0]["healthy"] is False
    finally:
        chain.anvil.start()
    drive()
    assert BatchAnchor.objects.get().state == State.CONFIRMED
    assert selectors.anchor_operator_overview()["chains"][0]["healthy"] is True
    assert len(chain.anchored_events()) == 1
