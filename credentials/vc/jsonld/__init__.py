"""JSON-LD → canonical N-Quads for the Data Integrity RDFC cryptosuites.

``to_rdf`` walks a document once against compiled, memoised contexts (see
``context.py``) in safe mode; ``canonicalize`` is RDFC-1.0 with a work budget;
``to_nquads`` combines the two. ``work_budget(units)`` opens a scope whose
units every conversion and canonicalization inside it also draws on (one
verification of a presentation shares one budget). Contexts come only from the document loader
(by default the bundled, hash-pinned ones): nothing is ever fetched.
"""

from __future__ import annotations

from typing import Any

from ..documents import BUNDLED, DocumentLoader
from ..errors import MALFORMED_VALUE_ERROR, VCError
from .budget import WorkBudget, current_work_budget, work_budget
from .canon import DEFAULT_BUDGET, HASH_ALGORITHMS, canonicalize
from .context import ActiveContext, root_for
from .rdf import Quad, document_to_rdf

__all__ = [
    "DEFAULT_BUDGET", "HASH_ALGORITHMS", "Quad", "WorkBudget", "canonicalize", "current_work_budget",
    "to_nquads", "to_rdf", "work_budget",
]

def _root(loader: DocumentLoader) -> ActiveContext:
    # One root per loader (bounded, see context.root_for): derived contexts are
    # memoised under it, so two loaders serving different documents for one
    # URL never share results.
    return root_for(loader)


def to_rdf(document: dict[str, Any], *, loader: DocumentLoader = BUNDLED) -> list[Quad]:
    """The RDF dataset of a JSON-LD document (JSON-LD 1.1 toRdf, safe mode).

    Each quad is ``(subject, predicate, object, graph)`` in N-Quads term syntax
    (``<iri>``, ``_:label``, canonical literal); ``graph`` is ``""`` for the
    default graph. Blank node labels are arbitrary. Raises
    ``VCError(MALFORMED_VALUE_ERROR)`` when a term is undefined, an IRI is
    relative or the JSON-LD is invalid, and the loader's ``VCError`` for an
    unknown context.
    """
    if not isinstance(document, (dict, list)):
        raise VCError(MALFORMED_VALUE_ERROR, "a JSON-LD document must be an object")
    return document_to_rdf(document, _root(loader))


def to_nquads(
    document: dict[str, Any],
    *,
    loader: DocumentLoader = BUNDLED,
    budget: int = DEFAULT_BUDGET,
    hash_algorithm: str = "sha256",
) -> str:
    """Canonical N-Quads (RDFC-1.0) of a JSON-LD document.

    Lines are sorted by code point and each ends in ``"\\n"``.
    ``hash_algorithm`` is RDFC-1.0's hash (``"sha256"``, ``"sha384"`` for
    ecdsa-rdfc-2019 with P-384 keys). Raises ``VCError`` as :func:`to_rdf` does,
    and ``PROOF_TRANSFORMATION_ERROR`` when canonicalization exceeds ``budget``.
    """
    return canonicalize(to_rdf(document, loader=loader), budget=budget, hash_algorithm=hash_algorithm)
