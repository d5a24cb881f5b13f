"""anchoring/merkle.py against the RFC 9162 definition, written out recursively here."""

from __future__ import annotations

import hashlib
import random

import pytest

from anchoring.merkle import (
    EMPTY_ROOT,
    InclusionProof,
    MerkleProofError,
    MerkleTree,
    leaf_hash,
    node_hash,
    root_from_inclusion,
    verify_inclusion,
)


def d(i: int) -> bytes:
    return hashlib.sha256(i.to_bytes(8, "big")).digest()


def mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1 MTH, literally."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + mth(leaves[:k]) + mth(leaves[k:])).digest()


def audit_path(m: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 9162 §2.1.3.1 PATH(m, D[n]), literally."""
    n = len(leaves)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return audit_path(m, leaves[:k]) + [mth(leaves[k:])]
    return audit_path(m - k, leaves[k:]) + [mth(leaves[:k])]


@pytest.mark.parametrize("n", [*range(1, 40), 63, 64, 65, 127, 128, 129, 255, 257, 1000])
def test_root_and_paths_are_rfc9162(n: int) -> None:
    leaves = [d(i) for i in range(n)]
    tree = MerkleTree(leaves)
    assert tree.size == n
    assert tree.root == mth(leaves)
    for m in range(n) if n <= 129 else random.Random(n).sample(range(n), 40):
        assert list(tree.path(m)) == audit_path(m, leaves)
        verify_inclusion(leaves[m], tree.proof(m), tree.root)


@pytest.mark.parametrize("n", [1, 2, 3, 5, 17, 100, 1023, 1025, 4097])
def test_bulk_paths_equal_single_paths(n: int) -> None:
    tree = MerkleTree([d(i) for i in range(n)])
    rng = random.Random(n)
    ranges = [(0, n), (n - 1, n), (0, 1)] + [tuple(sorted(rng.sample(range(n + 1), 2))) for _ in range(10)]
    for start, stop in ranges:
        assert tree.paths(start, stop) == [tree.path(i) for i in range(start, stop)]
    assert [p.path for p in tree.proofs(chunk=7)] == [tree.path(i) for i in range(n)]


def test_domain_separation_and_no_padding() -> None:
    a, b, c = d(1), d(2), d(3)
    assert leaf_hash(a) == hashlib.sha256(b"\x00" + a).digest()
    assert node_hash(a, b) == hashlib.sha256(b"\x01" + a + b).digest()
    # An unpaired last leaf is carried up, never duplicated: [a,b,c] and [a,b,c,c] differ.
    assert MerkleTree([a, b, c]).root != MerkleTree([a, b, c, c]).root
    assert MerkleTree([]).root == EMPTY_ROOT
    assert MerkleTree([a]).root == leaf_hash(a)


def test_an_internal_node_is_not_a_leaf() -> None:
    leaves = [d(i) for i in range(4)]
    tree = MerkleTree(leaves)
    inner = tree.levels[1][0]
    # The second-preimage trick: present the left subtree's hash as a leaf of a 2-leaf tree.
    forged = InclusionProof(0, 2, (tree.levels[1][1],))
    with pytest.raises(MerkleProofError) as err:
        verify_inclusion(inner, forged, tree.root)
    assert err.value.code == "MERKLE_ROOT_MISMATCH"


def test_wrong_sizes_and_indexes() -> None:
    leaves = [d(i) for i in range(5)]
    tree = MerkleTree(leaves)
    good = tree.proof(4)
    for bad, code in [
        (InclusionProof(5, 5, good.path), "MERKLE_INDEX_OUT_OF_RANGE"),
        (InclusionProof(-1, 5, good.path), "MERKLE_INDEX_OUT_OF_RANGE"),
        (InclusionProof(4, 8, good.path), "MERKLE_PATH_LENGTH"),
        (InclusionProof(4, 5, good.path + (d(9),)), "MERKLE_PATH_LENGTH"),
        (InclusionProof(0, 5, ()), "MERKLE_PATH_LENGTH"),
        (InclusionProof(4, 5, (d(9),)), "MERKLE_ROOT_MISMATCH"),
    ]:
        with pytest.raises(MerkleProofError) as err:
            verify_inclusion(leaves[4], bad, tree.root)
        assert err.value.code == code, bad
    assert root_from_inclusion(leaves[4], good) == tree.root


def test_proof_json_round_trip_and_strictness() -> None:
    tree = MerkleTree([d(i) for i in range(9)])
    proof = tree.proof(6)
    data = proof.as_dict()
    assert data["leafIndex"] == 6 and data["treeSize"] == 9 and all(p.startswith("0x") for p in data["path"])
    assert InclusionProof.from_dict(data) == proof
    for bad in [None, [], {"leafIndex": "6", "treeSize": 9, "path": []}, {"leafIndex": 6, "treeSize": 9, "path": ["00"]},
                {"leafIndex": True, "treeSize": 9, "path": []}, {"leafIndex": 6, "treeSize": 9, "path": ["0x" + "zz" * 32]}]:
        with pytest.raises(MerkleProofError) as err:
            InclusionProof.from_dict(bad)
        assert err.value.code == "MERKLE_MALFORMED_PROOF"


def test_digests_must_be_32_bytes() -> None:
    with pytest.raises(ValueError):
        MerkleTree([b"short"])
    with pytest.raises(ValueError):
        root_from_inclusion(b"short", InclusionProof(0, 1, ()))
