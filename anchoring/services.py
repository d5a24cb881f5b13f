"""Anchoring writes: enqueue leaves, seal batches, sign, broadcast, confirm.

Every step reads the state it starts from and changes it with a row lock or a
compare-and-set update, so running a step twice (a redelivered task, three
workers at once) does nothing twice. No step waits for a block: a step that
finds nothing to do yet returns, and Celery beat calls it again.
"""

from __future__ import annotations

import logging
import os
import signal
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Min
from django.utils import timezone

from anchoring.chains import ChainConfig, chain_client
from anchoring.chains.evm import Broadcast, ChainUnavailable, address_of, anchored_logs
from anchoring.merkle import DIGEST_SIZE, MerkleTree
from anchoring.models import AnchorBatch, AnchorLeaf, AnchorSigner, BatchAnchor
from config.env import secret_file

logger = logging.getLogger(__name__)

State = BatchAnchor.State
OPEN_STATES = (State.NEW, State.SIGNED, State.SENT, State.MINED)


# --- configuration ------------------------------------------------------------


def anchor_chains() -> list[ChainConfig]:
    """The configured chains (``settings.ANCHOR_CHAINS``), checked."""
    return [ChainConfig.from_dict(dict(entry)) for entry in getattr(settings, "ANCHOR_CHAINS", []) or []]


def _chain(name: str) -> ChainConfig | None:
    for cfg in anchor_chains():
        if cfg.name == name:
            return cfg
    return None


def _fault(point: str) -> None:
    """Test hook: ``kill -9`` this process once at ``point``.

    The fault tests set ``ANCHOR_FAULT=<point>`` and ``ANCHOR_FAULT_ONCE=<file>`` in
    a worker's environment; the file makes the fault fire once across restarts.
    """
    if os.environ.get("ANCHOR_FAULT") != point:
        return
    marker = os.environ.get("ANCHOR_FAULT_ONCE")
    if not marker:
        return
    try:
        fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    os.close(fd)
    os.kill(os.getpid(), signal.SIGKILL)


# --- leaves -------------------------------------------------------------------


def _check_leaf(ref: str, digest: bytes) -> bytes:
    if not isinstance(ref, str) or not 0 < len(ref) <= 64:
        raise ValueError("ref is 1 to 64 characters")
    if not isinstance(digest, (bytes, bytearray, memoryview)) or len(digest) != DIGEST_SIZE:
        raise ValueError(f"digest is {DIGEST_SIZE} bytes")
    return bytes(digest)


def anchor_leaf_enqueue(*, ref: str, digest: bytes) -> AnchorLeaf:
    """Write a PENDING leaf for the credential ``ref``; idempotent on ``ref``.

    Called inside the issuing transaction. A second call with the same ref and
    digest returns the existing leaf; a different digest raises ValueError.
    """
    digest = _check_leaf(ref, digest)
    try:
        # A savepoint, so that a duplicate does not break the caller's transaction.
        with transaction.atomic():
            return AnchorLeaf.objects.create(ref=ref, digest=digest)
    except IntegrityError:
        leaf = AnchorLeaf.objects.get(ref=ref)
    if bytes(leaf.digest) != digest:
        raise ValueError(f"credential {ref} already has another anchoring digest")
    return leaf


def anchor_leaves_enqueue(*, leaves: Sequence[tuple[str, bytes]]) -> int:
    """Write many PENDING leaves at once; existing refs are left alone. Returns how many were new."""
    checked = [(ref, _check_leaf(ref, digest)) for ref, digest in leaves]
    if not checked:
        return 0
    if connection.vendor == "postgresql":
        # One statement for the whole batch (10,000 rows in tens of milliseconds);
        # the row count says how many were new.
        with connection.cursor() as cur:
            cur.execute(
                "INSERT INTO anchoring_anchorleaf (ref, digest, created_at) "
                "SELECT r, d, %s FROM unnest(%s::varchar[], %s::bytea[]) AS v(r, d) ON CONFLICT (ref) DO NOTHING",
                [timezone.now(), [r for r, _ in checked], [d for _, d in checked]],
            )
            return int(cur.rowcount)
    before = AnchorLeaf.objects.filter(ref__in=[r for r, _ in checked]).count()
    AnchorLeaf.objects.bulk_create(
        [AnchorLeaf(ref=ref, digest=digest) for ref, digest in checked], batch_size=2000, ignore_conflicts=True
    )
    return len({r for r, _ in checked}) - before


# --- sealing ------------------------------------------------------------------


def _write_paths(batch: AnchorBatch, ids: list[int], paths: list[tuple[bytes, ...]]) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            step = 20000
            for i in range(0, len(ids), step):
                cur.execute(
                    "UPDATE anchoring_anchorleaf AS l SET batch_id = %s, leaf_index = v.idx, path = v.path "
                    "FROM unnest(%s::bigint[], %s::int[], %s::bytea[]) AS v(id, idx, path) WHERE l.id = v.id",
                    [batch.pk, ids[i:i + step], list(range(i, min(i + step, len(ids)))),
                     [b"".join(p) for p in paths[i:i + step]]],
                )
        return
    leaves = [AnchorLeaf(pk=pk, batch=batch, leaf_index=i, path=b"".join(paths[i])) for i, pk in enumerate(ids)]
    AnchorLeaf.objects.bulk_update(leaves, ["batch", "leaf_index", "path"], batch_size=500)


def anchor_batch_seal(
    *, max_leaves: int | None = None, max_age_seconds: float | None = None, now: datetime | None = None
) -> AnchorBatch | None:
    """Seal up to ``max_leaves`` pending leaves into a batch, if enough are waiting.

    A batch is sealed when ``max_leaves`` leaves are pending or the oldest has
    waited ``max_age_seconds``. Leaves are locked with SKIP LOCKED, so concurrent
    sealers take disjoint leaves. Proofs depend only on the tree, so they are
    written now, in the same transaction; the per-chain anchors start NEW.
    Without configured chains nothing is sealed (leaves wait).
    """
    chains = anchor_chains()
    if not chains:
        return None
    max_leaves = max_leaves or settings.ANCHOR_BATCH_MAX_LEAVES
    max_age = timedelta(seconds=settings.ANCHOR_BATCH_SECONDS if max_age_seconds is None else max_age_seconds)
    now = now or timezone.now()
    with transaction.atomic():
        rows = list(
            AnchorLeaf.objects.filter(batch__isnull=True)
            .order_by("id")
            .select_for_update(skip_locked=True)
            .values_list("id", "digest", "created_at")[:max_leaves]
        )
        if not rows or (len(rows) < max_leaves and rows[0][2] > now - max_age):
            return None
        tree = MerkleTree([bytes(d) for _, d, _ in rows])
        batch = AnchorBatch.objects.create(root=tree.root, size=tree.size)
        _write_paths(batch, [pk for pk, _, _ in rows], tree.paths())
        BatchAnchor.objects.bulk_create(
            [BatchAnchor(batch=batch, chain=c.name, chain_id=c.chain_id, contract=c.contract,
                         finality=c.finality_dict()) for c in chains]
        )
        _fault("seal_before_commit")
    logger.info("sealed batch %s with %s leaves", batch.pk, batch.size)
    return batch


def anchor_batches_seal_due(*, limit: int = 10, now: datetime | None = None) -> list[int]:
    """Seal every due batch, at most ``limit`` per call (the next beat continues)."""
    sealed = []
    for _ in range(limit):
        batch = anchor_batch_seal(now=now)
        if batch is None:
            break
        sealed.append(batch.pk)
    return sealed


# --- per-chain steps ------------------------------------------------------------


def _signer(cfg: ChainConfig, client: object, address: str) -> AnchorSigner:
    signer = AnchorSigner.objects.filter(chain=cfg.name, address=address).first()
    if signer is not None:
        return signer
    start = client.nonce(address, "pending")  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            return AnchorSigner.objects.create(chain=cfg.name, address=address, next_nonce=start)
    except IntegrityError:
        return AnchorSigner.objects.get(chain=cfg.name, address=address)


def _health(cfg: ChainConfig, *, block: int | None = None, error: str = "") -> None:
    now = timezone.now()
    if error:
        AnchorSigner.objects.filter(chain=cfg.name).update(last_error=error[:200], last_error_at=now)
    else:
        AnchorSigner.objects.filter(chain=cfg.name).update(last_block=block, last_ok_at=now)


def _sign_locked(anchor: BatchAnchor, signer: AnchorSigner, cfg: ChainConfig, client: object,
                 fees: dict[str, int], nonce: int) -> None:
    raw, tx_hash = client.sign_anchor(  # type: ignore[attr-defined]
        key=cfg.signer_key(), contract=cfg.contract, root=bytes(anchor.batch.root), size=anchor.batch.size,
        nonce=nonce, chain_id=cfg.chain_id, gas=cfg.gas_limit, fees=fees,
    )
    BatchAnchor.objects.filter(pk=anchor.pk).update(
        state=State.SIGNED, signer=signer, nonce=nonce, raw_tx=raw, tx_hash=tx_hash, block_number=None,
        block_hash=None, sent_at=None, signings=F("signings") + 1, updated_at=timezone.now(),
    )
    if nonce >= signer.next_nonce:
        AnchorSigner.objects.filter(pk=signer.pk).update(next_nonce=nonce + 1)


def anchor_sign(*, anchor_id: int) -> None:
    """NEW → SIGNED: take the next nonce under the signer's row lock, sign, store the raw transaction."""
    anchor = BatchAnchor.objects.get(pk=anchor_id)
    if anchor.state != State.NEW:
        return
    cfg = _chain(anchor.chain)
    if cfg is None:
        return
    client = chain_client(cfg)
    address = address_of(cfg.signer_key())
    fees = client.fees()
    chain_nonce = client.nonce(address, "pending")
    signer = _signer(cfg, client, address)
    with transaction.atomic():
        # Lock order everywhere: signer, then anchor.
        signer = AnchorSigner.objects.select_for_update().get(pk=signer.pk)
        anchor = BatchAnchor.objects.select_for_update().select_related("batch").get(pk=anchor_id)
        if anchor.state != State.NEW:
            return
        # The chain may be ahead of our counter (the key used elsewhere, a restored database).
        _sign_locked(anchor, signer, cfg, client, fees, max(signer.next_nonce, chain_nonce))
    _fault("after_sign")


def _resign(anchor: BatchAnchor, cfg: ChainConfig, client: object, *, nonce: int | None, reason: str) -> None:
    """Sign again (same root) when the stored transaction can no longer be mined."""
    fees = client.fees()  # type: ignore[attr-defined]
    chain_nonce = client.nonce(address_of(cfg.signer_key()), "pending")  # type: ignore[attr-defined]
    with transaction.atomic():
        signer = AnchorSigner.objects.select_for_update().get(pk=anchor.signer_id)
        current = BatchAnchor.objects.select_for_update().select_related("batch").get(pk=anchor.pk)
        if current.state not in (State.SIGNED, State.SENT) or bytes(current.tx_hash or b"") != bytes(anchor.tx_hash or b""):
            return  # someone else moved it on
        logger.warning("anchor %s on %s: signing again (%s)", anchor.pk, cfg.name, reason)
        BatchAnchor.objects.filter(pk=anchor.pk).update(last_error=reason[:200])
        _sign_locked(current, signer, cfg, client, fees, nonce if nonce is not None else max(signer.next_nonce, chain_nonce))


def anchor_broadcast(*, anchor_id: int) -> None:
    """SIGNED → SENT: send the stored bytes (again). Safe to repeat."""
    anchor = BatchAnchor.objects.get(pk=anchor_id)
    if anchor.state not in (State.SIGNED, State.SENT) or anchor.raw_tx is None:
        return
    cfg = _chain(anchor.chain)
    if cfg is None:
        return
    client = chain_client(cfg)
    _fault("before_broadcast")
    result, message = client.send_raw(bytes(anchor.raw_tx), bytes(anchor.tx_hash))
    _fault("after_broadcast")
    if result is Broadcast.SENT:
        BatchAnchor.objects.filter(pk=anchor.pk, tx_hash=anchor.tx_hash, state__in=[State.SIGNED, State.SENT]).update(
            state=State.SENT, sent_at=timezone.now(), broadcasts=F("broadcasts") + 1, updated_at=timezone.now()
        )
    elif result is Broadcast.NONCE_USED:
        _resign(anchor, cfg, client, nonce=None, reason="nonce used by another transaction")
    else:
        BatchAnchor.objects.filter(pk=anchor.pk).update(last_error=message[:200])


def _fill_gap(anchor: BatchAnchor, cfg: ChainConfig, client: object) -> bool:
    """A nonce gap: the node's next nonce is below all our outstanding ones, so none can be mined."""
    pending = client.nonce(address_of(cfg.signer_key()), "pending")  # type: ignore[attr-defined]
    lowest = BatchAnchor.objects.filter(signer_id=anchor.signer_id, state__in=[State.SIGNED, State.SENT]).aggregate(
        n=Min("nonce"))["n"]
    if lowest is None or pending >= lowest or anchor.nonce != lowest:
        return False
    _resign(anchor, cfg, client, nonce=pending, reason=f"nonce gap at {pending}")
    return True


def _finish_batch(batch_id: int) -> None:
    if not BatchAnchor.objects.filter(batch_id=batch_id).exclude(state=State.CONFIRMED).exists():
        AnchorBatch.objects.filter(pk=batch_id, state=AnchorBatch.State.SEALED).update(
            state=AnchorBatch.State.CONFIRMED, confirmed_at=timezone.now()
        )


def anchor_confirm(*, anchor_id: int) -> None:
    """SENT/MINED → MINED → CONFIRMED, following the chain.

    Not mined: broadcast the same bytes again once ``rebroadcast_seconds`` have
    passed (a restarted node forgets its pool); fill a nonce gap. Mined then
    gone, or in a block whose hash changed: a reorg, recorded, and the same raw
    transaction is sent again. Reverted because the root is already anchored
    (an earlier transaction of ours): that transaction is adopted.
    """
    anchor = BatchAnchor.objects.select_related("batch").get(pk=anchor_id)
    if anchor.state not in (State.SENT, State.MINED):
        return
    cfg = _chain(anchor.chain)
    if cfg is None:
        return
    client = chain_client(cfg)
    tx_hash = bytes(anchor.tx_hash)
    mined = client.mined(tx_hash)
    now = timezone.now()
    if mined is None:
        if anchor.state == State.MINED:
            BatchAnchor.objects.filter(pk=anchor.pk, state=State.MINED, tx_hash=tx_hash).update(
                state=State.SENT, block_number=None, block_hash=None, reorgs=F("reorgs") + 1, sent_at=None,
                updated_at=now)
            logger.warning("anchor %s on %s: transaction left the chain (reorg); sending it again", anchor.pk, cfg.name)
            anchor_broadcast(anchor_id=anchor.pk)
            return
        if anchor.raw_tx is None:
            # An adopted transaction we hold no bytes for has left the chain: sign anew.
            if client.transaction(tx_hash) is None:
                BatchAnchor.objects.filter(pk=anchor.pk, tx_hash=tx_hash, raw_tx__isnull=True).update(
                    state=State.NEW, tx_hash=None, nonce=None, updated_at=now)
            return
        if _fill_gap(anchor, cfg, client):
            return
        stale = anchor.sent_at is None or anchor.sent_at < now - timedelta(seconds=cfg.rebroadcast_seconds)
        if stale or client.transaction(tx_hash) is None:
            anchor_broadcast(anchor_id=anchor.pk)
        return
    root = bytes(anchor.batch.root)
    if mined.status != 1 or not anchored_logs(mined.logs, cfg.contract, root):
        block, _, _, _ = client.anchored_at(cfg.contract, root)
        earlier = client.anchor_event_tx(cfg.contract, root, block) if block else None
        if earlier is not None and earlier != tx_hash:
            # The root is anchored by another transaction (an earlier signing of
            # ours, or an equal root from another batch): that one is the anchor.
            BatchAnchor.objects.filter(pk=anchor.pk, tx_hash=tx_hash).update(
                tx_hash=earlier, raw_tx=None, state=State.SENT, last_error="adopted the earlier anchoring", updated_at=now)
            return
        _resign(anchor, cfg, client, nonce=None, reason="transaction reverted")
        return
    block = client.block(mined.block_number)
    reorged = anchor.block_hash is not None and bytes(anchor.block_hash) != mined.block_hash
    BatchAnchor.objects.filter(pk=anchor.pk, tx_hash=tx_hash, state__in=[State.SENT, State.MINED]).update(
        state=State.MINED, block_number=mined.block_number, block_hash=mined.block_hash, gas_used=mined.gas_used,
        block_timestamp=block["timestamp"] if block else None, reorgs=F("reorgs") + int(reorged), updated_at=now)
    if block is not None and block["hash"] == mined.block_hash and client.finalized(mined.block_number, mined.block_hash, cfg.finality):
        # The anchor and its batch change together: a worker killed between the
        # two would leave a batch whose anchors are all confirmed but which is
        # never finished (nothing open is left for the beat to drive).
        with transaction.atomic():
            done = BatchAnchor.objects.filter(
                pk=anchor.pk, tx_hash=tx_hash, state=State.MINED, block_hash=mined.block_hash
            ).update(state=State.CONFIRMED, confirmed_at=now, updated_at=now)
            if done:
                _finish_batch(anchor.batch_id)
        if done:
            logger.info("anchor %s on %s confirmed in block %s", anchor.pk, cfg.name, mined.block_number)
            _fault("after_confirm")


def anchor_progress(*, anchor_id: int) -> str:
    """Take one anchor as far as it can go now; returns its state.

    Chain errors are recorded as the chain's health and leave the state as it
    was: the next beat tries again.
    """
    anchor = BatchAnchor.objects.get(pk=anchor_id)
    cfg = _chain(anchor.chain)
    if cfg is None:
        return anchor.state
    try:
        if anchor.state == State.NEW:
            anchor_sign(anchor_id=anchor_id)
        if BatchAnchor.objects.filter(pk=anchor_id, state=State.SIGNED).exists():
            anchor_broadcast(anchor_id=anchor_id)
        if BatchAnchor.objects.filter(pk=anchor_id, state__in=[State.SENT, State.MINED]).exists():
            anchor_confirm(anchor_id=anchor_id)
        _health(cfg, block=chain_client(cfg).block_number())
    except ChainUnavailable as exc:
        logger.warning("chain %s unavailable: %s", cfg.name, exc)
        _health(cfg, error=str(exc) or "unavailable")
    return BatchAnchor.objects.values_list("state", flat=True).get(pk=anchor_id)


def anchor_batches_finish() -> int:
    """Finish sealed batches whose anchors are all confirmed (a repair the beat runs;
    with the confirmation and the finish in one transaction there should be none)."""
    stuck = (
        AnchorBatch.objects.filter(state=AnchorBatch.State.SEALED, anchors__isnull=False)
        .exclude(anchors__state__in=OPEN_STATES)
        .values_list("pk", flat=True)
        .distinct()
    )
    ids = list(stuck)
    for batch_id in ids:
        _finish_batch(batch_id)
    return len(ids)


def anchor_open_ids() -> list[int]:
    """The anchors not yet confirmed, oldest first (for the beat to drive)."""
    return list(BatchAnchor.objects.filter(state__in=OPEN_STATES).order_by("id").values_list("id", flat=True))


def anchor_signer_key_write(*, path: Path) -> str:
    """Create a new random signer key file (mode 0600) unless it exists; return its address."""
    import secrets

    key = secret_file(path, lambda: "0x" + secrets.token_hex(32) + "\n")
    return address_of(bytes.fromhex(key.removeprefix("0x")))
