"""A local anvil node (npm ``@foundry-rs/anvil``) and contract deployment, no Django.

Used by ``manage.py anchor_devchain``/``anchor_deploy`` (``make run``), the tests
and the benchmark. Deployment waits for receipts: it is a command, never a task.
"""

from __future__ import annotations

import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from eth_account import Account
from web3 import Web3

from anchoring.contracts import abi, artifact

ROOT = Path(__file__).resolve().parent.parent
ANVIL = ROOT / "node_modules" / ".bin" / "anvil"
DEV_CHAIN_ID = 31337


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def anvil_command(port: int, *, state: Path | None = None, chain_id: int = DEV_CHAIN_ID,
                  extra: list[str] | None = None) -> list[str]:
    """The anvil command line: localhost only, quiet, state kept in ``state`` if given."""
    cmd = [str(ANVIL), "--host", "127.0.0.1", "--port", str(port), "--chain-id", str(chain_id), "--silent"]
    if state is not None:
        cmd += ["--state", str(state)]
    return cmd + list(extra or [])


def wait_for_rpc(url: str, timeout: float = 20.0) -> None:
    """Return once the node answers ``eth_chainId``; raise TimeoutError otherwise."""
    w3 = Web3(Web3.HTTPProvider(url, request_kwargs={"timeout": 2}))
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            w3.eth.chain_id
            return
        except Exception:
            time.sleep(0.1)
    raise TimeoutError(f"no JSON-RPC answer from {url}")


def start_anvil(port: int, *, state: Path | None = None, extra: list[str] | None = None) -> subprocess.Popen[bytes]:
    """Start anvil on ``port`` and wait until it answers."""
    proc = subprocess.Popen(anvil_command(port, state=state, extra=extra), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_for_rpc(f"http://127.0.0.1:{port}")
    except TimeoutError:
        proc.kill()
        raise
    return proc


def _send(w3: Web3, key: bytes, tx: dict[str, Any]) -> Any:
    account = Account.from_key(key)
    tx = {"from": account.address, "nonce": w3.eth.get_transaction_count(account.address, "pending"),
          "chainId": w3.eth.chain_id, **tx}
    tx.setdefault("gas", w3.eth.estimate_gas(tx))
    base = w3.eth.get_block("latest").get("baseFeePerGas")
    if base is not None:
        tx.setdefault("maxFeePerGas", 2 * base + 10**9)
        tx.setdefault("maxPriorityFeePerGas", 10**9)
    else:
        tx.setdefault("gasPrice", w3.eth.gas_price)
    signed = Account.sign_transaction(tx, key)
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction), timeout=60)
    if receipt["status"] != 1:
        raise RuntimeError(f"transaction {receipt['transactionHash'].hex()} reverted")
    return receipt


def deploy(w3: Web3, owner_key: bytes) -> str:
    """Deploy CredentialAnchor from the owner's account; returns its address."""
    receipt = _send(w3, owner_key, {"data": artifact()["bytecode"]})
    return str(receipt["contractAddress"])


def add_anchorer(w3: Web3, owner_key: bytes, contract: str, anchorer: str) -> None:
    """Authorise ``anchorer`` (owner only); does nothing if it already is one."""
    c = w3.eth.contract(address=Web3.to_checksum_address(contract), abi=abi())
    if c.functions.isAnchorer(Web3.to_checksum_address(anchorer)).call():
        return
    data = c.encode_abi("addAnchorer", args=[Web3.to_checksum_address(anchorer)])
    _send(w3, owner_key, {"to": c.address, "data": data})


def is_deployed(w3: Web3, address: str) -> bool:
    """Whether ``address`` holds the CredentialAnchor runtime code."""
    try:
        code = bytes(w3.eth.get_code(Web3.to_checksum_address(address)))
    except Exception:
        return False
    return "0x" + code.hex() == artifact()["deployedBytecode"]


def fund(w3: Web3, address: str, wei: int = 10**21) -> None:
    """Give ``address`` a balance (anvil only: ``anvil_setBalance``)."""
    w3.provider.make_request("anvil_setBalance", [address, hex(wei)])  # type: ignore[arg-type]
