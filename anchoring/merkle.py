"""Merkle trees over credential digests, RFC 9162 (Certificate Transparency 2.0) style.

Pure: no framework, no I/O. Hashes are SHA-256 with domain separation, so that a
leaf can never be mistaken for an internal node:

* leaf hash  ``H(0x00 || digest)`` where ``digest`` is the 32-byte credential digest
  (``credentials.vc.digest.credential_digest``);
* node hash  ``H(0x01 || left || right)``.

The tree over ``n`` leaves is RFC 9162 §2.1.1's ``MTH``: the left subtree holds the
largest power of two smaller than ``n`` leaves. Built level by level, that is the
same as pairing neighbours and carrying an unpaired last node up unchanged (it is
never duplicated, so ``[a, b, c]`` and ``[a, b, c, c]`` have different roots).

An inclusion proof is ``{leafIndex, treeSize, path}`` with the path bottom-up
(RFC 9162 §2.1.3); :func:`verify_inclusion` is the §2.1.3.2 algorithm, which also
checks that the path has exactly the length ``leafIndex`` and ``treeSize`` call for.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from itertools import chain, repeat
from typing import Any

__all__ = [
    "DIGEST_SIZE",
    "EMPTY_ROOT",
    "InclusionProof",
    "MerkleProofError",
    "MerkleTree",
    "leaf_hash",
    "node_hash",
    "root_from_inclusion",
    "verify_inclusion",
]

DIGEST_SIZE = 32
_sha256 = hashlib.sha256
#: RFC 9162: the hash of an empty tree is the hash of the empty string.
EMPTY_ROOT = _sha256(b"").digest()

# Codes of MerkleProofError, shown by receipt verification as they are.
INDEX_OUT_OF_RANGE = "MERKLE_INDEX_OUT_OF_RANGE"
PATH_LENGTH = "MERKLE_PATH_LENGTH"
ROOT_MISMATCH = "MERKLE_ROOT_MISMATCH"
MALFORMED = "MERKLE_MALFORMED_PROOF"


class MerkleProofError(ValueError):
    """An inclusion proof that does not hold; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def leaf_hash(digest: bytes) -> bytes:
    """``H(0x00 || digest)``."""
    return _sha256(b"\x00" + digest).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """``H(0x01 || left || right)``."""
    return _sha256(b"\x01" + left + right).digest()


def _next_level(level: list[bytes]) -> list[bytes]:
    h = _sha256
    pairs = iter(level)
    # zip over one iterator pairs neighbours; an unpaired last node is carried up.
    up = [h(b"\x01" + a + b).digest() for a, b in zip(pairs, pairs)]
    if len(level) & 1:
        up.append(level[-1])
    return up


def _check_digest(digest: Any) -> None:
    if not isinstance(digest, bytes) or len(digest) != DIGEST_SIZE:
        raise ValueError(f"a leaf digest is {DIGEST_SIZE} bytes")


class MerkleTree:
    """The tree over ``digests`` in the given order, every level kept for proofs.

    Memory is about two hashes per leaf (64 MB of hashes, some 140 MB of Python
    objects, for a million leaves); :meth:`paths` produces proofs in slices so
    that they need not all be held at once.
    """

    __slots__ = ("levels",)

    def __init__(self, digests: Sequence[bytes]) -> None:
        for d in digests:
            if type(d) is not bytes or len(d) != DIGEST_SIZE:
                _check_digest(d)
        h = _sha256
        level = [h(b"\x00" + d).digest() for d in digests]
        self.levels: list[list[bytes]] = [level]
        while len(level) > 1:
            level = _next_level(level)
            self.levels.append(level)

    @property
    def size(self) -> int:
        """The number of leaves."""
        return len(self.levels[0])

    @property
    def root(self) -> bytes:
        """The tree head (``EMPTY_ROOT`` for no leaves)."""
        top = self.levels[-1]
        return top[0] if top else EMPTY_ROOT

    def path(self, index: int) -> tuple[bytes, ...]:
        """The audit path of leaf ``index``, bottom-up."""
        if not 0 <= index < self.size:
            raise IndexError(f"leaf index {index} outside a tree of {self.size}")
        out = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                out.append(level[sibling])
            index >>= 1
        return tuple(out)

    def proof(self, index: int) -> InclusionProof:
        """The inclusion proof of leaf ``index``."""
        return InclusionProof(index, self.size, self.path(index))

    def paths(self, start: int = 0, stop: int | None = None) -> list[tuple[bytes, ...]]:
        """The audit paths of leaves ``start`` to ``stop - 1``, all at once.

        Equal to ``[self.path(i) for i in range(start, stop)]`` but built column by
        column (one column per level, each sibling repeated for the leaves below
        it) with list slicing, so that the per-leaf Python work is one ``zip``.
        """
        n = self.size
        stop = n if stop is None else min(stop, n)
        if not 0 <= start <= stop:
            raise IndexError("bad leaf range")
        if start == stop:
            return []
        columns = []
        ragged = False
        for height, level in enumerate(self.levels[:-1]):
            lo, hi = start >> height, ((stop - 1) >> height) + 1  # nodes above the range
            width = len(level)
            # Siblings of nodes lo..hi-1: swap neighbours; the odd last node has none.
            sib_lo, sib_hi = lo ^ 1 if lo & 1 else lo, hi + (hi & 1)
            block = level[sib_lo:sib_hi]
            if len(block) < sib_hi - sib_lo:
                block.append(None)  # type: ignore[arg-type]
                ragged = True
            swapped: list[Any] = [None] * len(block)
            swapped[0::2] = block[1::2]
            swapped[1::2] = block[0::2]
            swapped = swapped[lo - sib_lo: lo - sib_lo + (hi - lo)]
            if hi == width and width & 1:
                swapped[-1] = None
                ragged = True
            reps = 1 << height
            if reps == 1:
                column = swapped
            elif reps <= len(swapped):
                column = [None] * (len(swapped) * reps)
                for k in range(reps):
                    column[k::reps] = swapped
            else:
                column = list(chain.from_iterable(repeat(s, reps) for s in swapped))
            offset = start - (lo << height)
            columns.append(column[offset: offset + (stop - start)] if offset or len(column) != stop - start else column)
        if not columns:
            return [()] * (stop - start)
        out = list(zip(*columns))
        if ragged:
            out = [t if None not in t else tuple(x for x in t if x is not None) for t in out]
        return out

    def proofs(self, start: int = 0, stop: int | None = None, *, chunk: int = 65536) -> Iterator[InclusionProof]:
        """Inclusion proofs of leaves ``start`` to ``stop - 1``, computed ``chunk`` at a time."""
        stop = self.size if stop is None else min(stop, self.size)
        size = self.size
        for first in range(start, stop, chunk):
            for offset, path in enumerate(self.paths(first, min(first + chunk, stop))):
                yield InclusionProof(first + offset, size, path)


@dataclass(frozen=True, slots=True)
class InclusionProof:
    """``{leafIndex, treeSize, path}`` (RFC 9162 §2.1.3), the path bottom-up."""

    leaf_index: int
    tree_size: int
    path: tuple[bytes, ...]

    def as_dict(self) -> dict[str, Any]:
        """The JSON form used in receipts: hashes as 0x-prefixed lowercase hex."""
        return {"leafIndex": self.leaf_index, "treeSize": self.tree_size, "path": ["0x" + p.hex() for p in self.path]}

    @classmethod
    def from_dict(cls, data: Any) -> InclusionProof:
        """Parse the JSON form strictly; raises :class:`MerkleProofError` (``MERKLE_MALFORMED_PROOF``)."""
        if not isinstance(data, dict):
            raise MerkleProofError(MALFORMED, "a proof is an object with leafIndex, treeSize and path")
        index, size, path = data.get("leafIndex"), data.get("treeSize"), data.get("path")
        if type(index) is not int or type(size) is not int or not isinstance(path, list):
            raise MerkleProofError(MALFORMED, "leafIndex and treeSize are integers, path a list")
        return cls(index, size, tuple(hex32(p, "path") for p in path))


def hex32(value: Any, field: str) -> bytes:
    """A 0x-prefixed 32-byte hex string as bytes; raises :class:`MerkleProofError`."""
    if not isinstance(value, str) or len(value) != 66 or not value.startswith("0x"):
        raise MerkleProofError(MALFORMED, f"{field}: expected 0x and 64 hex digits")
    try:
        return bytes.fromhex(value[2:])
    except ValueError:
        raise MerkleProofError(MALFORMED, f"{field}: expected 0x and 64 hex digits") from None


def root_from_inclusion(digest: bytes, proof: InclusionProof) -> bytes:
    """The root that ``proof`` leads to from the leaf ``digest`` (RFC 9162 §2.1.3.2).

    Raises :class:`MerkleProofError` when the index is outside the tree or the
    path is not exactly as long as ``leafIndex`` and ``treeSize`` require.
    """
    _check_digest(digest)
    fn, sn = proof.leaf_index, proof.tree_size - 1
    if not 0 <= fn <= sn:
        raise MerkleProofError(INDEX_OUT_OF_RANGE, f"leaf index {fn} is outside a tree of {proof.tree_size}")
    r = leaf_hash(digest)
    for p in proof.path:
        if sn == 0:
            raise MerkleProofError(PATH_LENGTH, "the path is longer than the tree size allows")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise MerkleProofError(PATH_LENGTH, "the path is shorter than the tree size requires")
    return r


def verify_inclusion(digest: bytes, proof: InclusionProof, root: bytes) -> None:
    """Check that ``digest`` is leaf ``proof.leaf_index`` of the tree with ``root``.

    Returns nothing; raises :class:`MerkleProofError` with ``MERKLE_ROOT_MISMATCH``,
    ``MERKLE_PATH_LENGTH`` or ``MERKLE_INDEX_OUT_OF_RANGE``.
    """
    if root_from_inclusion(digest, proof) != root:
        raise MerkleProofError(ROOT_MISMATCH, "the proof does not lead to the anchored root")
