"""Anchoring reads: status per credential and batch, public receipts, the operator view."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone as dt_timezone
from typing import Any

from django.db.models import Count, Max, QuerySet

from anchoring.merkle import DIGEST_SIZE, InclusionProof
from anchoring.models import AnchorBatch, AnchorLeaf, AnchorSigner, BatchAnchor

#: The name of the digest rule (credentials.vc.digest.DIGEST_RULE; anchoring may not import credentials).
DIGEST_RULE = "sha256-jcs-or-compact-jws"
RECEIPT_TYPE = "LianzhengAnchorReceipt"

PENDING, SEALED, SENT, CONFIRMED, UNKNOWN = "pending", "sealed", "sent", "confirmed", "unknown"
_ORDER = {PENDING: 0, SEALED: 1, SENT: 2, CONFIRMED: 3}
# The public states of a chain anchor: signed counts as sealed (nothing sent yet),
# mined as sent (not final: never "confirmed" before finality).
_PUBLIC = {
    BatchAnchor.State.NEW: SEALED,
    BatchAnchor.State.SIGNED: SEALED,
    BatchAnchor.State.SENT: SENT,
    BatchAnchor.State.MINED: SENT,
    BatchAnchor.State.CONFIRMED: CONFIRMED,
}


def _hex(value: Any) -> str | None:
    return None if value is None else "0x" + bytes(value).hex()


def _overall(states: Iterable[str]) -> str:
    states = list(states)
    return min(states, key=_ORDER.__getitem__) if states else SEALED


def _chain_entry(anchor: BatchAnchor) -> dict[str, Any]:
    return {
        "chain": anchor.chain,
        "chainId": anchor.chain_id,
        "state": _PUBLIC[anchor.state],
        "transactionHash": _hex(anchor.tx_hash) if anchor.state in (BatchAnchor.State.SENT, BatchAnchor.State.MINED,
                                                                      BatchAnchor.State.CONFIRMED) else None,
        "blockNumber": anchor.block_number if anchor.state == BatchAnchor.State.CONFIRMED else None,
    }


def _is_ref(ref: object) -> bool:
    """Whether ``ref`` could be a leaf's ref at all (PostgreSQL refuses NUL in text,
    so a probe with one must be a miss, not a database error)."""
    return isinstance(ref, str) and 0 < len(ref) <= 64 and "\x00" not in ref


def anchor_status_for(*, ref: str) -> dict[str, Any]:
    """``{ref, state, batch, chains: [{chain, chainId, state, transactionHash, blockNumber}]}``.

    ``state`` is pending (no batch yet), sealed, sent or confirmed (the least
    advanced chain), or unknown for a ref never enqueued.
    """
    leaf = AnchorLeaf.objects.filter(ref=ref).only("id", "batch_id").first() if _is_ref(ref) else None
    if leaf is None:
        return {"ref": ref, "state": UNKNOWN, "batch": None, "chains": []}
    if leaf.batch_id is None:
        return {"ref": ref, "state": PENDING, "batch": None, "chains": []}
    chains = [_chain_entry(a) for a in BatchAnchor.objects.filter(batch_id=leaf.batch_id).order_by("chain")]
    return {"ref": ref, "state": _overall(c["state"] for c in chains), "batch": leaf.batch_id, "chains": chains}


def anchor_status_for_refs(*, refs: Iterable[str]) -> dict[str, str]:
    """The overall state of each known ref (refs never enqueued are left out), in two queries."""
    leaves = dict(AnchorLeaf.objects.filter(ref__in=[r for r in refs if _is_ref(r)]).values_list("ref", "batch_id"))
    per_batch: dict[int, list[str]] = {}
    for batch_id, state in BatchAnchor.objects.filter(
        batch_id__in={b for b in leaves.values() if b is not None}
    ).values_list("batch_id", "state"):
        per_batch.setdefault(batch_id, []).append(_PUBLIC[state])
    return {ref: PENDING if b is None else _overall(per_batch.get(b, [])) for ref, b in leaves.items()}


def _timestamp(seconds: int | None) -> str | None:
    if seconds is None:
        return None
    return datetime.fromtimestamp(seconds, dt_timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _proof(leaf: AnchorLeaf, size: int) -> InclusionProof:
    raw = bytes(leaf.path or b"")
    return InclusionProof(leaf.leaf_index or 0, size,
                          tuple(raw[i:i + DIGEST_SIZE] for i in range(0, len(raw), DIGEST_SIZE)))


def anchor_receipt_for(*, ref: str) -> dict[str, Any] | None:
    """The public receipt of credential ``ref``, or None for a ref never enqueued.

    Chain fields are those of the first confirmed chain by name, and
    ``anchors`` lists every confirmed chain. Until a chain
    reaches finality the receipt says ``"status": "pending"`` and has no chain
    fields: a receipt never claims an anchor that is not final.
    """
    leaf = AnchorLeaf.objects.select_related("batch").filter(ref=ref).first() if _is_ref(ref) else None
    if leaf is None:
        return None
    receipt: dict[str, Any] = {"type": RECEIPT_TYPE, "ref": ref, "digestRule": DIGEST_RULE,
                               "digest": _hex(leaf.digest), "status": PENDING}
    if leaf.batch is None:
        return receipt
    batch = leaf.batch
    receipt.update(root=_hex(batch.root), proof=_proof(leaf, batch.size).as_dict())
    anchors = []
    for a in BatchAnchor.objects.filter(batch=batch, state=BatchAnchor.State.CONFIRMED).order_by("chain"):
        anchors.append({
            "chain": a.chain, "chainId": a.chain_id, "contract": a.contract,
            "transactionHash": _hex(a.tx_hash), "blockNumber": a.block_number, "blockHash": _hex(a.block_hash),
            "timestamp": _timestamp(a.block_timestamp), "finality": a.finality,
        })
    if anchors:
        receipt.update(anchors[0])
        receipt["status"] = "anchored"
        receipt["anchors"] = anchors
    return receipt


def anchor_batch_list() -> QuerySet[AnchorBatch]:
    """Batches, newest first, with their anchors."""
    return AnchorBatch.objects.order_by("-id").prefetch_related("anchors")


def anchor_batch_status(*, batch: AnchorBatch) -> dict[str, Any]:
    """A batch's root, size and per-chain states (for the portal)."""
    chains = [dict(_chain_entry(a), gasUsed=a.gas_used, reorgs=a.reorgs, signings=a.signings)
              for a in sorted(batch.anchors.all(), key=lambda a: a.chain)]
    return {"id": batch.pk, "root": _hex(batch.root), "size": batch.size, "sealedAt": batch.sealed_at,
            "state": _overall(c["state"] for c in chains), "chains": chains}


def anchor_operator_overview() -> dict[str, Any]:
    """Backlog, batches in flight, and per chain the last confirmed anchor and health."""
    backlog = AnchorLeaf.objects.filter(batch__isnull=True).aggregate(n=Count("id"), oldest=Max("created_at"))
    oldest = AnchorLeaf.objects.filter(batch__isnull=True).order_by("id").values_list("created_at", flat=True).first()
    chains = []
    names = sorted(set(BatchAnchor.objects.values_list("chain", flat=True)) | set(
        AnchorSigner.objects.values_list("chain", flat=True)))
    for name in names:
        last = BatchAnchor.objects.filter(chain=name, state=BatchAnchor.State.CONFIRMED).order_by("-confirmed_at").first()
        signer = AnchorSigner.objects.filter(chain=name).first()
        open_ = BatchAnchor.objects.filter(chain=name).exclude(state=BatchAnchor.State.CONFIRMED).count()
        chains.append({
            "name": name,
            "open": open_,
            "last_anchor": last,
            "last_tx": _hex(last.tx_hash) if last else None,
            "signer": signer.address if signer else None,
            "last_block": signer.last_block if signer else None,
            "last_ok_at": signer.last_ok_at if signer else None,
            "last_error": signer.last_error if signer else "",
            "last_error_at": signer.last_error_at if signer else None,
            "healthy": bool(signer and signer.last_ok_at and (
                signer.last_error_at is None or signer.last_ok_at >= signer.last_error_at)),
        })
    return {"backlog": backlog["n"], "oldest_pending": oldest, "chains": chains,
            "batches": list(anchor_batch_list()[:20])}


def anchor_verify(*, ref: str, digest: bytes, timeout: float = 3.0) -> list[dict[str, Any]]:
    """Check credential ``ref``'s anchor on every configured chain, on the chain itself.

    ``digest`` is recomputed by the caller from the credential it holds (so a
    stored document that was altered fails here). Each configured chain's node is
    asked, and only the platform's own contract on it is trusted. One entry per
    chain: the receipt checker's result (``anchored`` only at finality; ``pending``
    before; ``failed`` with a code otherwise, including ``CHAIN_UNAVAILABLE``).
    """
    from anchoring.receipt import client_for, verify_receipt
    from anchoring.services import anchor_chains

    receipt = anchor_receipt_for(ref=ref)
    results: list[dict[str, Any]] = []
    for cfg in anchor_chains():
        if receipt is None or receipt.get("status") != "anchored" or not any(
            a.get("chain") == cfg.name for a in receipt.get("anchors", [])
        ):
            results.append({"chain": cfg.name, "verified": False, "status": PENDING, "checks": []})
            continue
        outcome = verify_receipt(
            receipt, digest, client_for(cfg.rpc_url, timeout=timeout), chain=cfg.name, contracts=[cfg.contract]
        ).as_dict()
        outcome["chain"] = cfg.name
        results.append(outcome)
    return results
