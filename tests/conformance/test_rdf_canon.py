"""W3C RDF Dataset Canonicalization (RDFC-1.0) test suite against ``canonicalize``.

Data: tests/conformance/data/rdf-canon (w3c/rdf-canon, see SOURCES.md).

* ``RDFC10EvalTest``: canonical N-Quads equal the expected file byte for byte.
* ``RDFC10MapTest``: our API returns only the canonical N-Quads, not the issued
  identifiers map, so the map is checked through its consequence: relabelling
  the input with the expected map must give exactly our output.
* ``RDFC10NegativeEvalTest`` (poison graphs): ``PROOF_TRANSFORMATION_ERROR``
  within the default budget, quickly.
* ``hashAlgorithm: SHA384`` entries run with ``hash_algorithm="sha384"`` (what
  ecdsa-rdfc-2019 uses with P-384 keys).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest

from credentials.vc.errors import PROOF_TRANSFORMATION_ERROR, VCError
from credentials.vc.jsonld import canonicalize
from tests.conformance.nquads import parse_nquads, serialize_nquads

DATA = Path(__file__).resolve().parent / "data" / "rdf-canon"
RDFC = "rdfc:"


def _entries() -> list[Any]:
    manifest = json.loads((DATA / "manifest.jsonld").read_text(encoding="utf-8"))
    params = []
    for entry in manifest["entries"]:
        params.append(pytest.param(entry, id=entry["id"].lstrip("#")))
    return params


ENTRIES = _entries()


def _hash(entry: dict[str, Any]) -> str:
    return {"SHA256": "sha256", "SHA384": "sha384"}[entry.get("hashAlgorithm", "SHA256")]


def _read(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def _by_type(kind: str) -> list[Any]:
    return [p for p in ENTRIES if p.values[0]["type"] == RDFC + kind]


def test_manifest_is_fully_classified() -> None:
    kinds = {p.values[0]["type"] for p in ENTRIES}
    assert kinds == {RDFC + "RDFC10EvalTest", RDFC + "RDFC10MapTest", RDFC + "RDFC10NegativeEvalTest"}
    assert len(ENTRIES) == 86


@pytest.mark.parametrize("entry", _by_type("RDFC10EvalTest"))
def test_eval(entry: dict[str, Any]) -> None:
    quads = parse_nquads(_read(entry["action"]))
    assert canonicalize(quads, hash_algorithm=_hash(entry)) == _read(entry["result"])


@pytest.mark.parametrize("entry", _by_type("RDFC10MapTest"))
def test_map(entry: dict[str, Any]) -> None:
    quads = parse_nquads(_read(entry["action"]))
    issued: dict[str, str] = json.loads(_read(entry["result"]))

    def relabel(term: str) -> str:
        if term[:2] != "_:":
            return term
        return "_:" + issued[term[2:]]

    blank = {t[2:] for q in quads for t in q if t[:2] == "_:"}
    assert set(issued) == blank
    assert sorted(issued.values()) == sorted(f"c14n{i}" for i in range(len(blank)))
    expected = serialize_nquads([tuple(relabel(t) for t in q) for q in quads])  # type: ignore[misc]
    assert canonicalize(quads, hash_algorithm=_hash(entry)) == expected


@pytest.mark.parametrize("entry", _by_type("RDFC10NegativeEvalTest"))
def test_poison(entry: dict[str, Any]) -> None:
    quads = parse_nquads(_read(entry["action"]))
    started = time.perf_counter()
    with pytest.raises(VCError) as caught:
        canonicalize(quads)
    assert caught.value.code == PROOF_TRANSFORMATION_ERROR
    assert time.perf_counter() - started < 5.0


def test_sha384_entries_label_differently_from_sha256() -> None:
    # test075: the hash really is a parameter (the labels depend on it), and an
    # unknown one is refused rather than silently replaced by SHA-256.
    eval_entry = next(p.values[0] for p in ENTRIES if p.values[0]["id"] == "#test075c")
    assert eval_entry["hashAlgorithm"] == "SHA384"
    quads = parse_nquads(_read(eval_entry["action"]))
    assert canonicalize(quads, hash_algorithm="sha384") != canonicalize(quads)
    with pytest.raises(ValueError):
        canonicalize(quads, hash_algorithm="md5")


def test_parser_reads_the_escaping_fixture_into_canonical_terms() -> None:
    quads = parse_nquads(_read("rdfc10/test060-in.nq"))
    assert ("<urn:ex:s:001>", "<urn:ex:017>", "<urn:ex:ex>", "") in quads
    assert ("<urn:ex:s:001>", "<urn:ex:007:uchar>", '"\\"\\\\"', "") in quads
    assert ("<urn:ex:s:003>", "<urn:ex:022>", '"d"^^<urn:ex:dt>', "") in quads
