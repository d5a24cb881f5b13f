"""Check a public anchor receipt against any EVM node (web3 only, no Django).

A receipt (``GET /api/v1/credentials/{id}/anchor``) claims that a credential's
digest is leaf ``proof.leafIndex`` of a Merkle tree whose ``root`` the contract
``contract`` anchored on chain ``chainId`` in transaction ``transactionHash``.
:func:`verify_receipt` checks every part of that claim, in order, and names the
first that fails with a code. Before finality the status is ``pending``; only a
final anchor is ``anchored``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from anchoring.merkle import InclusionProof, MerkleProofError, hex32, verify_inclusion

DIGEST_RULES = frozenset({"sha256-jcs-or-compact-jws"})

ANCHORED, PENDING, FAILED = "anchored", "pending", "failed"

RECEIPT_MALFORMED = "ANCHOR_RECEIPT_MALFORMED"
DIGEST_RULE_UNKNOWN = "ANCHOR_DIGEST_RULE_UNKNOWN"
DIGEST_MISMATCH = "ANCHOR_DIGEST_MISMATCH"
WRONG_CHAIN = "ANCHOR_WRONG_CHAIN"
CHAIN_UNAVAILABLE = "ANCHOR_CHAIN_UNAVAILABLE"
TX_NOT_FOUND = "ANCHOR_TX_NOT_FOUND"
TX_UNCONFIRMED = "ANCHOR_TX_UNCONFIRMED"
TX_REVERTED = "ANCHOR_TX_REVERTED"
WRONG_CONTRACT = "ANCHOR_WRONG_CONTRACT"
ROOT_NOT_ANCHORED = "ANCHOR_ROOT_NOT_ANCHORED"
BLOCK_MISMATCH = "ANCHOR_BLOCK_MISMATCH"
TREE_SIZE_MISMATCH = "ANCHOR_TREE_SIZE_MISMATCH"
PENDING_FINALITY = "ANCHOR_PENDING_FINALITY"


@dataclass
class ReceiptResult:
    """The outcome: ``status`` anchored/pending/failed, the failing ``code``, every check run."""

    status: str = FAILED
    code: str | None = None
    message: str = ""
    checks: list[dict[str, Any]] = field(default_factory=list)
    chain: str | None = None
    chain_id: int | None = None
    block_number: int | None = None
    timestamp: str | None = None

    @property
    def verified(self) -> bool:
        return self.status == ANCHORED

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"verified": self.verified, "status": self.status, "checks": self.checks}
        if self.code:
            out["error"] = {"code": self.code, "message": self.message}
        if self.verified:
            out.update(chain=self.chain, chainId=self.chain_id, blockNumber=self.block_number, timestamp=self.timestamp)
        return out


class _Stop(Exception):
    def __init__(self, status: str, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _entry(receipt: Mapping[str, Any], chain: str | None) -> Mapping[str, Any]:
    if chain is None:
        return receipt
    for item in receipt.get("anchors") or []:
        if isinstance(item, Mapping) and item.get("chain") == chain:
            return item
    raise _Stop(FAILED, RECEIPT_MALFORMED, f"the receipt has no anchor on chain {chain!r}")


def _int(value: Any, name: str) -> int:
    if type(value) is not int or value < 0:
        raise _Stop(FAILED, RECEIPT_MALFORMED, f"{name} is a non-negative integer")
    return value


def _address(value: Any, name: str) -> str:
    if not isinstance(value, str) or len(value) != 42 or not value.startswith("0x"):
        raise _Stop(FAILED, RECEIPT_MALFORMED, f"{name} is a 0x-prefixed address")
    try:
        bytes.fromhex(value[2:])
    except ValueError:
        raise _Stop(FAILED, RECEIPT_MALFORMED, f"{name} is a 0x-prefixed address") from None
    return value.lower()


def _b32(value: Any, name: str) -> bytes:
    try:
        return hex32(value, name)
    except MerkleProofError as exc:
        raise _Stop(FAILED, RECEIPT_MALFORMED, exc.message) from None


def verify_receipt(receipt: Any, digest: bytes, client: Any, *, chain: str | None = None,
                   confirmations: int | None = None, contracts: Any = None) -> ReceiptResult:
    """Check ``receipt`` for a credential whose digest is ``digest`` on the node behind ``client``.

    ``client`` is an :class:`anchoring.chains.evm.EVMChain` (or anything with its
    methods). ``chain`` picks one of the receipt's ``anchors`` by name (default:
    the receipt's own fields). ``confirmations`` overrides the receipt's finality
    rule with a number of confirmations the verifier insists on. ``contracts``,
    the addresses the verifier trusts (the platform's), refuses a receipt whose
    root was anchored by any other contract: anyone can deploy a look-alike.
    """
    from anchoring.chains.evm import ChainUnavailable, anchored_logs

    result = ReceiptResult()

    def ok(check: str) -> None:
        result.checks.append({"check": check, "ok": True})

    try:
        try:
            if not isinstance(receipt, Mapping):
                raise _Stop(FAILED, RECEIPT_MALFORMED, "a receipt is a JSON object")
            if receipt.get("digestRule") not in DIGEST_RULES:
                raise _Stop(FAILED, DIGEST_RULE_UNKNOWN, f"unknown digestRule {receipt.get('digestRule')!r}")
            if _b32(receipt.get("digest"), "digest") != digest:
                raise _Stop(FAILED, DIGEST_MISMATCH, "the credential's digest is not the receipt's")
            ok("digest")
            root = _b32(receipt.get("root"), "root")
            try:
                proof = InclusionProof.from_dict(receipt.get("proof"))
                verify_inclusion(digest, proof, root)
            except MerkleProofError as exc:
                raise _Stop(FAILED, exc.code, exc.message) from None
            ok("merkleProof")
            entry = _entry(receipt, chain)
            result.chain = entry.get("chain") if isinstance(entry.get("chain"), str) else None
            chain_id = _int(entry.get("chainId"), "chainId")
            contract = _address(entry.get("contract"), "contract")
            if contracts is not None and contract not in {str(c).lower() for c in contracts}:
                raise _Stop(FAILED, WRONG_CONTRACT, "the receipt names a contract the verifier does not trust")
            tx_hash = _b32(entry.get("transactionHash"), "transactionHash")
            finality_value = entry.get("finality")
            finality: Mapping[str, Any] = finality_value if isinstance(finality_value, Mapping) else {}
            if client.chain_id() != chain_id:
                raise _Stop(FAILED, WRONG_CHAIN, f"the node serves chain {client.chain_id()}, the receipt names {chain_id}")
            result.chain_id = chain_id
            ok("chainId")
            mined = client.mined(tx_hash)
            if mined is None:
                if client.transaction(tx_hash) is not None:
                    raise _Stop(PENDING, TX_UNCONFIRMED, "the transaction is not in a block yet")
                raise _Stop(FAILED, TX_NOT_FOUND, "the chain does not know the transaction")
            if mined.status != 1:
                raise _Stop(FAILED, TX_REVERTED, "the transaction reverted")
            ok("transaction")
            if not anchored_logs(mined.logs, contract, root):
                raise _Stop(FAILED, WRONG_CONTRACT, "the transaction has no Anchored event of this root from the contract")
            block, stamp, size, _ = client.anchored_at(contract, root)
            if block == 0:
                raise _Stop(FAILED, ROOT_NOT_ANCHORED, "the contract has not anchored this root")
            if block != mined.block_number:
                raise _Stop(FAILED, BLOCK_MISMATCH, "the contract anchored this root in another block")
            if size != proof.tree_size:
                raise _Stop(FAILED, TREE_SIZE_MISMATCH, f"the contract anchored a tree of {size}, the proof says {proof.tree_size}")
            ok("contract")
            claimed_block = entry.get("blockNumber")
            claimed_hash = entry.get("blockHash")
            if claimed_block is not None and claimed_block != mined.block_number or (
                claimed_hash is not None and _b32(claimed_hash, "blockHash") != mined.block_hash
            ):
                raise _Stop(FAILED, BLOCK_MISMATCH, "the transaction is in another block than the receipt says")
            rule: str | int
            if confirmations is not None:
                rule = confirmations
            elif finality.get("rule") == "finalized":
                rule = "finalized"
            else:
                wanted = finality.get("confirmations", 1)
                rule = wanted if type(wanted) is int and wanted >= 1 else 1
            if not client.finalized(mined.block_number, mined.block_hash, rule):
                raise _Stop(PENDING, PENDING_FINALITY, "the anchoring block is not final yet")
            ok("finality")
            result.status = ANCHORED
            result.block_number = mined.block_number
            result.timestamp = datetime.fromtimestamp(stamp, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        except ChainUnavailable as exc:
            raise _Stop(FAILED, CHAIN_UNAVAILABLE, f"the node could not be asked: {exc}") from None
    except _Stop as stop:
        result.status, result.code, result.message = stop.status, stop.code, stop.message
    return result


def client_for(rpc_url: str, *, timeout: float = 10.0) -> Any:
    """An EVM client for ``rpc_url`` (what ``vc verify --rpc`` talks to)."""
    from anchoring.chains.evm import EVMChain

    return EVMChain(rpc_url, timeout=timeout)
