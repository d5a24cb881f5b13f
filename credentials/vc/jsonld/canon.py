"""RDF Dataset Canonicalization (RDFC-1.0, W3C Recommendation 2024) with a work budget.

The common case (every blank node has a unique first-degree hash) finishes
after one hashing pass. Otherwise the full Hash N-Degree Quads algorithm runs,
permutations included, but every call and every permutation spends one unit of
a budget; a dataset crafted to make canonicalization explode (many
indistinguishable blank nodes) is rejected with
``PROOF_TRANSFORMATION_ERROR`` instead of burning CPU.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from hashlib import sha256, sha384, sha512
from itertools import permutations
from typing import Protocol

from ..errors import PROOF_TRANSFORMATION_ERROR, VCError
from .budget import current_work_budget
from .rdf import Quad

DEFAULT_BUDGET = 20000
"""Work units allowed per canonicalization: each Hash N-Degree Quads call costs
one unit per quad of its blank node, each permutation one unit."""

class _Digest(Protocol):
    def hexdigest(self) -> str: ...


HASH_ALGORITHMS: dict[str, Callable[[bytes], _Digest]] = {"sha256": sha256, "sha384": sha384, "sha512": sha512}
"""The hash functions RDFC-1.0 may run with (its implementation-specific hash
algorithm parameter), by ``hashlib`` name. SHA-256 is the default; vc-di-ecdsa
requires SHA-384 for P-384 keys."""


class _BudgetExhausted(Exception):
    pass


class _Issuer:
    """Identifier Issuer (RDFC-1.0 §4.3): issues prefix + counter, remembers order."""

    __slots__ = ("prefix", "issued")

    def __init__(self, prefix: str, issued: dict[str, str] | None = None) -> None:
        self.prefix = prefix
        self.issued: dict[str, str] = issued if issued is not None else {}

    def issue(self, existing: str) -> str:
        """The identifier issued for ``existing``, issuing the next one if new."""
        found = self.issued.get(existing)
        if found is None:
            found = self.issued[existing] = f"{self.prefix}{len(self.issued)}"
        return found

    def copy(self) -> _Issuer:
        """An independent copy (permutations explore issuers in parallel)."""
        return _Issuer(self.prefix, dict(self.issued))


def _line(s: str, p: str, o: str, g: str) -> str:
    return f"{s} {p} {o} {g} .\n" if g else f"{s} {p} {o} .\n"


class _Canonicalizer:
    __slots__ = ("quads_of", "first_hash", "canonical", "budget", "hasher")

    def __init__(self, quads_of: dict[str, list[Quad]], budget: int, hasher: Callable[[bytes], _Digest]) -> None:
        self.quads_of = quads_of
        self.first_hash: dict[str, str] = {}
        self.canonical = _Issuer("_:c14n")
        self.budget = budget
        self.hasher = hasher

    def spend(self, units: int = 1) -> None:
        """Charge ``units`` of work; abort when the budget is gone."""
        self.budget -= units
        if self.budget < 0:
            raise _BudgetExhausted

    def hash_first_degree(self, node: str) -> str:
        """Hash First Degree Quads (§4.6)."""
        found = self.first_hash.get(node)
        if found is not None:
            return found
        lines = []
        for s, p, o, g in self.quads_of[node]:
            if s[:2] == "_:":
                s = "_:a" if s == node else "_:z"
            if o[:2] == "_:":
                o = "_:a" if o == node else "_:z"
            if g[:2] == "_:":
                g = "_:a" if g == node else "_:z"
            lines.append(_line(s, p, o, g))
        lines.sort()
        digest = self.hasher("".join(lines).encode("utf-8")).hexdigest()
        self.first_hash[node] = digest
        return digest

    def hash_related(self, related: str, quad: Quad, issuer: _Issuer, position: str) -> str:
        """Hash Related Blank Node (§4.7)."""
        label = self.canonical.issued.get(related) or issuer.issued.get(related)
        ident = label if label is not None else self.hash_first_degree(related)
        data = position
        if position != "g":
            data += quad[1]
        data += ident
        return self.hasher(data.encode("utf-8")).hexdigest()

    def hash_n_degree(self, node: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        """Hash N-Degree Quads (§4.8)."""
        self.spend(len(self.quads_of[node]))
        groups: dict[str, list[str]] = {}
        for quad in self.quads_of[node]:
            s, _, o, g = quad
            if s[:2] == "_:" and s != node:
                groups.setdefault(self.hash_related(s, quad, issuer, "s"), []).append(s)
            if o[:2] == "_:" and o != node:
                groups.setdefault(self.hash_related(o, quad, issuer, "o"), []).append(o)
            if g[:2] == "_:" and g != node:
                groups.setdefault(self.hash_related(g, quad, issuer, "g"), []).append(g)
        data = []
        canonical = self.canonical.issued
        for related_hash in sorted(groups):
            data.append(related_hash)
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            for permutation in permutations(groups[related_hash]):
                self.spend()
                issuer_copy = issuer.copy()
                path = ""
                recursion: list[str] = []
                skip = False
                for related in permutation:
                    label = canonical.get(related)
                    if label is not None:
                        path += label
                    else:
                        if related not in issuer_copy.issued:
                            recursion.append(related)
                        path += issuer_copy.issue(related)
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, result_issuer = self.hash_n_degree(related, issuer_copy)
                    path += issuer_copy.issue(related)
                    path += "<" + result_hash + ">"
                    issuer_copy = result_issuer
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            data.append(chosen_path)
            if chosen_issuer is not None:
                issuer = chosen_issuer
        return self.hasher("".join(data).encode("utf-8")).hexdigest(), issuer


def canonicalize(
    quads: Iterable[Quad], *, budget: int = DEFAULT_BUDGET, hash_algorithm: str = "sha256"
) -> str:
    """Canonical N-Quads (RDFC-1.0) of a dataset.

    ``quads`` are N-Quads term tuples as produced by :func:`to_rdf`. Duplicate
    quads count once. ``hash_algorithm`` is RDFC-1.0's hash (a key of
    :data:`HASH_ALGORITHMS`; it only changes which blank node gets which
    label). Returns the sorted canonical lines, each ending in ``"\\n"``.
    Raises ``VCError(PROOF_TRANSFORMATION_ERROR)`` when the blank node structure
    needs more than ``budget`` units of work, or more than is left in the
    enclosing :func:`~credentials.vc.jsonld.budget.work_budget` scope (which is
    charged the units spent), ``ValueError`` for an unknown ``hash_algorithm``.
    """
    hasher = HASH_ALGORITHMS.get(hash_algorithm)
    if hasher is None:
        raise ValueError(f"unsupported RDFC-1.0 hash algorithm {hash_algorithm!r}")
    unique = list(dict.fromkeys(quads))
    quads_of: dict[str, list[Quad]] = {}
    for quad in unique:
        s, _, o, g = quad
        if s[:2] == "_:":
            quads_of.setdefault(s, []).append(quad)
        if o[:2] == "_:" and o != s:
            quads_of.setdefault(o, []).append(quad)
        if g[:2] == "_:" and g != s and g != o:
            quads_of.setdefault(g, []).append(quad)
    if not quads_of:
        lines = [_line(*quad) for quad in unique]
        lines.sort()
        return "".join(lines)
    scope = current_work_budget()
    limit = budget
    if scope is not None and scope.available() < limit:
        limit = scope.available()
    state = _Canonicalizer(quads_of, limit, hasher)
    by_hash: dict[str, list[str]] = {}
    for node in quads_of:
        by_hash.setdefault(state.hash_first_degree(node), []).append(node)
    shared: list[str] = []
    for digest in sorted(by_hash):
        nodes = by_hash[digest]
        if len(nodes) == 1:
            state.canonical.issue(nodes[0])
        else:
            shared.append(digest)
    try:
        for digest in shared:
            results = []
            for node in by_hash[digest]:
                if node in state.canonical.issued:
                    continue
                temporary = _Issuer("_:b")
                temporary.issue(node)
                results.append(state.hash_n_degree(node, temporary))
            results.sort(key=lambda item: item[0])
            for _, issuer in results:
                for existing in issuer.issued:
                    state.canonical.issue(existing)
    except _BudgetExhausted:
        if limit < budget:
            message = (
                "RDF canonicalization stopped: the work budget shared by this verification is "
                "spent (too many or too costly canonicalizations)"
            )
        else:
            message = (
                f"RDF canonicalization budget exhausted ({budget} units): the blank node "
                "structure is too symmetric to canonicalize safely"
            )
        raise VCError(PROOF_TRANSFORMATION_ERROR, message) from None
    except RecursionError:
        raise VCError(
            PROOF_TRANSFORMATION_ERROR, "RDF canonicalization recursed too deeply"
        ) from None
    finally:
        if scope is not None:
            scope.charge(min(limit - state.budget, limit))
    labels = state.canonical.issued
    lines = []
    for s, p, o, g in unique:
        if s[:2] == "_:":
            s = labels[s]
        if o[:2] == "_:":
            o = labels[o]
        if g[:2] == "_:":
            g = labels[g]
        lines.append(_line(s, p, o, g))
    lines.sort()
    return "".join(lines)
