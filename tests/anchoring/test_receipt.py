"""Checking anchor receipts on a real node: every way a receipt can be wrong has its code."""

from __future__ import annotations

import json
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from eth_account import Account
from web3 import Web3

from anchoring import receipt as r
from anchoring.chains.evm import EVMChain
from anchoring.contracts import abi
from anchoring.merkle import MerkleTree, leaf_hash, node_hash
from tests.anchoring.conftest import Chain, digest

ROOT = Path(__file__).resolve().parents[2]


def _anchor(chain: Chain, root: bytes, size: int, *, key: bytes | None = None, contract: str | None = None,
            gas: int | None = None) -> bytes:
    w3 = chain.anvil.w3
    key = key or bytes.fromhex(chain.signer_key_file.read_text().strip()[2:])
    account = Account.from_key(key)
    c = w3.eth.contract(address=Web3.to_checksum_address(contract or chain.contract), abi=abi())
    tx = {"to": c.address, "data": c.encode_abi("anchor", args=[root, size]), "chainId": 31337,
          "nonce": w3.eth.get_transaction_count(account.address, "pending"), "gas": gas or 150000,
          "maxFeePerGas": 10**11, "maxPriorityFeePerGas": 10**9}
    return bytes(w3.eth.send_raw_transaction(Account.sign_transaction(tx, key).raw_transaction))


def _receipt(chain: Chain, tree: MerkleTree, index: int, tx: bytes, **over: Any) -> dict[str, Any]:
    w3 = chain.anvil.w3
    # anvil's automine may lag a moment behind eth_sendRawTransaction under load.
    got = w3.eth.wait_for_transaction_receipt(tx, timeout=20) if over.pop("mined", True) else None
    body = {
        "type": "LianzhengAnchorReceipt", "digestRule": "sha256-jcs-or-compact-jws",
        "digest": "0x" + digest(index).hex(), "root": "0x" + tree.root.hex(), "proof": tree.proof(index).as_dict(),
        "chain": "dev", "chainId": 31337, "contract": chain.contract, "transactionHash": "0x" + tx.hex(),
        "blockNumber": got["blockNumber"] if got else None, "blockHash": "0x" + bytes(got["blockHash"]).hex() if got else None,
        "finality": {"rule": "confirmations", "confirmations": 1},
    }
    body.update(over)
    return body


@pytest.fixture
def anchored(make_chain: Any) -> tuple[Chain, MerkleTree, bytes]:
    chain = make_chain()
    tree = MerkleTree([digest(i) for i in range(4)])
    return chain, tree, _anchor(chain, tree.root, 4)


def check(chain: Chain, body: Any, i: int = 1, **kw: Any) -> r.ReceiptResult:
    return r.verify_receipt(body, digest(i), EVMChain(chain.anvil.url), **kw)


def test_a_good_receipt_is_anchored(anchored: Any) -> None:
    chain, tree, tx = anchored
    result = check(chain, _receipt(chain, tree, 1, tx), contracts=[chain.contract])
    assert result.status == "anchored" and result.code is None, result.as_dict()
    assert result.block_number and result.timestamp.endswith("Z")
    assert [c["check"] for c in result.checks] == ["digest", "merkleProof", "chainId", "transaction", "contract", "finality"]


def test_digest_of_another_credential(anchored: Any) -> None:
    chain, tree, tx = anchored
    assert check(chain, _receipt(chain, tree, 1, tx), i=2).code == r.DIGEST_MISMATCH


def test_internal_node_passed_as_leaf(anchored: Any) -> None:
    chain, tree, tx = anchored
    inner = tree.levels[1][0]  # H(0x01 || leaf0 || leaf1)
    body = _receipt(chain, tree, 1, tx, digest="0x" + inner.hex(),
                    proof={"leafIndex": 0, "treeSize": 2, "path": ["0x" + tree.levels[1][1].hex()]})
    result = r.verify_receipt(body, inner, EVMChain(chain.anvil.url))
    assert result.status == "failed" and result.code == "MERKLE_ROOT_MISMATCH"


def test_duplicated_last_leaf(make_chain: Any) -> None:
    chain = make_chain()
    tree = MerkleTree([digest(i) for i in range(3)])
    tx = _anchor(chain, tree.root, 3)
    leaves = [leaf_hash(digest(i)) for i in range(3)]
    # Bitcoin-style padding would make a phantom fourth leaf, a copy of the third.
    phantom = {"leafIndex": 3, "treeSize": 4, "path": ["0x" + leaves[2].hex(), "0x" + node_hash(leaves[0], leaves[1]).hex()]}
    assert check(chain, _receipt(chain, tree, 2, tx, proof=phantom), i=2).code == "MERKLE_ROOT_MISMATCH"
    out_of_range = dict(phantom, treeSize=3)
    assert check(chain, _receipt(chain, tree, 2, tx, proof=out_of_range), i=2).code == "MERKLE_INDEX_OUT_OF_RANGE"
    padded = {"leafIndex": 2, "treeSize": 3, "path": phantom["path"]}
    assert check(chain, _receipt(chain, tree, 2, tx, proof=padded), i=2).code == "MERKLE_PATH_LENGTH"


def test_wrong_tree_size(anchored: Any, make_chain: Any) -> None:
    chain, tree, tx = anchored
    body = _receipt(chain, tree, 1, tx)
    body["proof"]["treeSize"] = 5
    assert check(chain, body).code in ("MERKLE_PATH_LENGTH", "MERKLE_ROOT_MISMATCH")
    assert check(chain, body).code == "MERKLE_PATH_LENGTH"
    # The proof holds for a tree of 4, but the contract recorded another size.
    other = make_chain("liar")
    lie = _anchor(other, tree.root, 7)
    assert check(other, _receipt(other, tree, 1, lie)).code == r.TREE_SIZE_MISMATCH


def test_root_anchored_by_another_contract(anchored: Any, make_chain: Any) -> None:
    chain, tree, tx = anchored
    lookalike = make_chain("lookalike")
    tree2 = MerkleTree([digest(i) for i in range(4)] + [digest(99)])
    tx2 = _anchor(lookalike, tree2.root, 5)
    # The receipt names our contract but points at a transaction of another one.
    body = _receipt(chain, tree2, 1, tx2)
    assert check(chain, body).code == r.WRONG_CONTRACT
    # Or names the look-alike itself: only a verifier that pins the platform's contract can tell.
    honest_lookalike = _receipt(lookalike, tree2, 1, tx2)
    assert check(lookalike, honest_lookalike).status == "anchored"
    assert check(lookalike, honest_lookalike, contracts=[chain.contract]).code == r.WRONG_CONTRACT


def test_root_on_another_chain_id(anchored: Any) -> None:
    chain, tree, tx = anchored
    assert check(chain, _receipt(chain, tree, 1, tx, chainId=1)).code == r.WRONG_CHAIN


def test_reverted_transaction(anchored: Any) -> None:
    chain, tree, _ = anchored
    outsider = secrets.token_bytes(32)
    from anchoring.devchain import fund

    fund(chain.anvil.w3, Account.from_key(outsider).address)
    tree2 = MerkleTree([digest(i) for i in range(2)])
    tx = _anchor(chain, tree2.root, 2, key=outsider)  # not an anchorer: reverts
    result = check(chain, _receipt(chain, tree2, 1, tx))
    assert result.status == "failed" and result.code == r.TX_REVERTED


def test_unconfirmed_then_pending_then_anchored(make_chain: Any) -> None:
    chain = make_chain()
    tree = MerkleTree([digest(i) for i in range(2)])
    chain.anvil.rpc("evm_setAutomine", [False])
    try:
        tx = _anchor(chain, tree.root, 2)
        body = _receipt(chain, tree, 1, tx, mined=False, finality={"rule": "confirmations", "confirmations": 3})
        result = check(chain, body)
        assert (result.status, result.code) == ("pending", r.TX_UNCONFIRMED)
        chain.anvil.mine(1)
    finally:
        chain.anvil.rpc("evm_setAutomine", [True])
    body = _receipt(chain, tree, 1, tx, finality={"rule": "confirmations", "confirmations": 3})
    result = check(chain, body)
    assert (result.status, result.code) == ("pending", r.PENDING_FINALITY)
    assert result.as_dict()["verified"] is False
    chain.anvil.mine(2)
    assert check(chain, body).status == "anchored"
    assert check(chain, body, confirmations=10).status == "pending"
    finalized = dict(body, finality={"rule": "finalized"})
    assert check(chain, finalized).code == r.PENDING_FINALITY


def test_unknown_transaction_and_malformed(anchored: Any) -> None:
    chain, tree, tx = anchored
    assert check(chain, _receipt(chain, tree, 1, b"\x01" * 32, mined=False)).code == r.TX_NOT_FOUND
    assert check(chain, "nope").code == r.RECEIPT_MALFORMED
    assert check(chain, _receipt(chain, tree, 1, tx, digestRule="md5")).code == r.DIGEST_RULE_UNKNOWN
    assert check(chain, _receipt(chain, tree, 1, tx, root="0x12")).code == r.RECEIPT_MALFORMED


def test_vc_verify_anchor_receipt_cli(anchored: Any, tmp_path: Path) -> None:
    """``vc verify --anchor-receipt FILE --rpc URL`` on a credential anchored as a JSON object."""
    import hashlib

    from credentials.vc.digest import credential_digest
    from credentials.vc.jcs import canonicalize

    chain, _, _ = anchored
    credential = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
                  "issuer": "did:example:x", "credentialSubject": {"name": "张三"}}
    d = credential_digest(credential)
    assert d == hashlib.sha256(canonicalize(credential)).digest()
    tree = MerkleTree([d, digest(1), digest(2)])
    tx = _anchor(chain, tree.root, 3)
    body = _receipt(chain, tree, 0, tx, digest="0x" + d.hex())
    (tmp_path / "receipt.json").write_text(json.dumps(body))
    # Any key order or whitespace: the digest is of the JCS form.
    (tmp_path / "vc.json").write_text(json.dumps(credential, indent=3, ensure_ascii=True, sort_keys=True))

    def vc(*args: str) -> tuple[int, dict[str, Any]]:
        done = subprocess.run([sys.executable, "-m", "credentials.vc.cli", "verify", *args], cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        return done.returncode, json.loads(done.stdout)

    code, out = vc("--checks", "anchor", "--anchor-receipt", str(tmp_path / "receipt.json"),
                   "--rpc", chain.anvil.url, "--anchor-contract", chain.contract, str(tmp_path / "vc.json"))
    assert code == 0 and out["verified"] is True and out["anchor"]["status"] == "anchored", out
    code, out = vc("--checks", "anchor", "--anchor-receipt", str(tmp_path / "receipt.json"),
                   "--rpc", chain.anvil.url, "--confirmations", "1000", str(tmp_path / "vc.json"))
    assert code == 1 and out["anchor"]["status"] == "pending"
    credential["credentialSubject"]["name"] = "李四"
    (tmp_path / "vc.json").write_text(json.dumps(credential))
    code, out = vc("--checks", "anchor", "--anchor-receipt", str(tmp_path / "receipt.json"), "--rpc",
                   chain.anvil.url, str(tmp_path / "vc.json"))
    assert code == 1 and out["anchor"]["error"]["code"] == r.DIGEST_MISMATCH
    code, out = vc("--anchor-receipt", str(tmp_path / "receipt.json"), str(tmp_path / "vc.json"))
    assert code == 2 and out["error"]["code"] == "USAGE_ERROR"
