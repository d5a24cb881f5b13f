"""An EVM JSON-RPC client for the CredentialAnchor contract (web3.py, no Django).

Every method is one or two short RPC calls; none waits for a block. Errors the
pipeline must tell apart come back as values (:class:`Broadcast`) or as
:class:`ChainUnavailable`, never as a web3 exception type.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from web3 import Web3
from web3.exceptions import TransactionNotFound, Web3RPCError

from anchoring.contracts import abi

ANCHORED_TOPIC = Web3.keccak(text="Anchored(bytes32,uint64,address)")


class ChainUnavailable(Exception):
    """The node could not be reached or answered with an unexpected error."""


class Broadcast(enum.Enum):
    SENT = "sent"  # accepted, or already known to the node
    NONCE_USED = "nonce_used"  # nonce too low and our transaction is not on the chain
    ERROR = "error"


@dataclass(frozen=True)
class Mined:
    """A mined transaction: where, and whether it succeeded."""

    block_number: int
    block_hash: bytes
    status: int
    gas_used: int
    logs: list[Any]
    to: str | None


class EVMChain:
    """One EVM node."""

    def __init__(self, rpc_url: str, *, timeout: float = 10.0) -> None:
        self.w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}))
        # A failed call is retried by the next task run, not inside this one.
        try:
            self.w3.provider.exception_retry_configuration = None  # type: ignore[attr-defined]
        except AttributeError:
            pass

    def _call(self, fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except (TransactionNotFound, Web3RPCError):
            raise
        except Exception as exc:  # connection refused, timeouts, malformed answers
            raise ChainUnavailable(f"{type(exc).__name__}") from None

    def chain_id(self) -> int:
        return int(self._call(lambda: self.w3.eth.chain_id))

    def block_number(self) -> int:
        return int(self._call(lambda: self.w3.eth.block_number))

    def block(self, ident: int | str) -> dict[str, Any] | None:
        """``{number, hash, timestamp}`` of a block by number or tag, or None."""
        try:
            b = self._call(self.w3.eth.get_block, ident)
        except Web3RPCError:
            return None
        except Exception as exc:
            if type(exc).__name__ == "BlockNotFound":
                return None
            raise
        return {"number": int(b["number"]), "hash": bytes(b["hash"]), "timestamp": int(b["timestamp"])}

    def nonce(self, address: str, tag: str = "pending") -> int:
        return int(self._call(self.w3.eth.get_transaction_count, address, tag))

    def fees(self) -> dict[str, int]:
        """EIP-1559 fee fields with room for the base fee to double, or a legacy gas price."""
        latest = self._call(self.w3.eth.get_block, "latest")
        base = latest.get("baseFeePerGas")
        if base is None:
            return {"gasPrice": int(self._call(lambda: self.w3.eth.gas_price))}
        try:
            tip = int(self._call(lambda: self.w3.eth.max_priority_fee))
        except Web3RPCError:
            tip = 10**9
        return {"maxFeePerGas": 2 * int(base) + tip, "maxPriorityFeePerGas": tip}

    def contract(self, address: str) -> Any:
        return self.w3.eth.contract(address=Web3.to_checksum_address(address), abi=abi())

    def sign_anchor(
        self, *, key: bytes, contract: str, root: bytes, size: int, nonce: int, chain_id: int,
        gas: int, fees: dict[str, int],
    ) -> tuple[bytes, bytes]:
        """Sign ``anchor(root, size)``; returns ``(raw transaction, transaction hash)``."""
        data = self.contract(contract).encode_abi("anchor", args=[root, size])
        tx = {"to": Web3.to_checksum_address(contract), "value": 0, "data": data, "nonce": nonce,
              "chainId": chain_id, "gas": gas, **fees}
        if "maxFeePerGas" in tx:
            tx["type"] = 2
        signed = Account.sign_transaction(tx, key)
        return bytes(signed.raw_transaction), bytes(signed.hash)

    def send_raw(self, raw: bytes, tx_hash: bytes) -> tuple[Broadcast, str]:
        """Broadcast the same bytes again; "already known" and a found hash count as sent."""
        try:
            self._call(self.w3.eth.send_raw_transaction, raw)
            return Broadcast.SENT, ""
        except Web3RPCError as exc:
            message = str(exc).lower()
        if "already known" in message or "already imported" in message or "known transaction" in message:
            return Broadcast.SENT, message[:200]
        if "nonce too low" in message or "nonce is too low" in message or "replacement" in message:
            if self.transaction_known(tx_hash):
                return Broadcast.SENT, message[:200]
            if "nonce" in message:
                return Broadcast.NONCE_USED, message[:200]
        return Broadcast.ERROR, message[:200]

    def transaction_known(self, tx_hash: bytes) -> bool:
        try:
            self._call(self.w3.eth.get_transaction, tx_hash)
            return True
        except (TransactionNotFound, Web3RPCError):
            return False

    def transaction(self, tx_hash: bytes) -> dict[str, Any] | None:
        """The transaction as the node knows it (``blockNumber`` None while pending), or None."""
        try:
            tx = self._call(self.w3.eth.get_transaction, tx_hash)
        except (TransactionNotFound, Web3RPCError):
            return None
        return dict(tx)

    def mined(self, tx_hash: bytes) -> Mined | None:
        """The receipt of ``tx_hash`` on the node's canonical chain, or None."""
        try:
            r = self._call(self.w3.eth.get_transaction_receipt, tx_hash)
        except (TransactionNotFound, Web3RPCError):
            return None
        if r is None or r.get("blockNumber") is None:
            return None
        return Mined(int(r["blockNumber"]), bytes(r["blockHash"]), int(r["status"]), int(r["gasUsed"]),
                     list(r["logs"]), r.get("to"))

    def anchored_at(self, contract: str, root: bytes, block: int | str = "latest") -> tuple[int, int, int, str]:
        """``anchoredAt(root)``: (block number, timestamp, size, anchorer); zeros if never anchored."""
        fn = self.contract(contract).functions.anchoredAt(root)
        try:
            b, t, s, a = self._call(fn.call, {}, block)
        except Web3RPCError as exc:
            raise ChainUnavailable(str(exc)[:200]) from None
        return int(b), int(t), int(s), str(a)

    def anchor_event_tx(self, contract: str, root: bytes, block_number: int) -> bytes | None:
        """The hash of the transaction that emitted ``Anchored(root)`` in ``block_number``."""
        logs = self._call(self.w3.eth.get_logs, {
            "address": Web3.to_checksum_address(contract), "fromBlock": block_number, "toBlock": block_number,
            "topics": [ANCHORED_TOPIC, root],
        })
        return bytes(logs[0]["transactionHash"]) if logs else None

    def finalized(self, block_number: int, block_hash: bytes, finality: str | int) -> bool:
        """Whether the block is final under the rule and still canonical."""
        canonical = self.block(block_number)
        if canonical is None or canonical["hash"] != block_hash:
            return False
        if finality == "finalized":
            head = self.block("finalized")
            return head is not None and head["number"] >= block_number
        return self.block_number() - block_number + 1 >= int(finality)


def address_of(key: bytes) -> str:
    """The checksummed address of a private key."""
    return str(Account.from_key(key).address)


def anchored_logs(logs: list[Any], contract: str, root: bytes) -> list[Any]:
    """The ``Anchored(root, ...)`` logs emitted by ``contract`` among a receipt's logs."""
    want = contract.lower()
    out = []
    for log in logs:
        topics = [bytes(t) for t in log["topics"]]
        if str(log["address"]).lower() == want and len(topics) >= 2 and topics[0] == ANCHORED_TOPIC and topics[1] == root:
            out.append(log)
    return out
