"""Micro-benchmark: canonical N-Quads of an OB 3.0 diploma and a proof config.

Not a test. Run: ``.venv/bin/python bench/bench_jsonld.py [--rounds N] [--no-pyld]``.
Prints the median µs of ``to_nquads`` (warm context caches, as in a running
verifier) beside pyld's ``normalize`` (URDNA2015) over the same bundled contexts.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from credentials.vc.documents import BUNDLED  # noqa: E402
from credentials.vc.jsonld import canonicalize, to_nquads, to_rdf  # noqa: E402


def _median_us(fn: Callable[[], Any], rounds: int) -> float:
    fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        fn()
        samples.append(time.perf_counter_ns() - start)
    return statistics.median(samples) / 1000


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--no-pyld", action="store_true")
    args = parser.parse_args()
    diploma = json.loads((ROOT / "tests/fixtures/diploma_ob3.json").read_text(encoding="utf-8"))
    proof_config = {
        "@context": diploma["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-rdfc-2022",
        "created": "2026-07-01T00:00:00Z",
        "verificationMethod": "did:web:registrar.pku.edu.cn#key-1",
        "proofPurpose": "assertionMethod",
    }
    cases = {"diploma": diploma, "proof config": proof_config}
    print(f"{'document':<14}{'to_rdf':>10}{'to_nquads':>12}{'pyld':>12}   (median µs, {args.rounds} rounds)")
    for name, doc in cases.items():
        rdf_us = _median_us(lambda: to_rdf(doc), args.rounds)
        ours = _median_us(lambda: to_nquads(doc), args.rounds)
        theirs = float("nan")
        if not args.no_pyld:
            from pyld import jsonld

            def loader(url: str, options: Any = None) -> dict[str, Any]:
                return {"contextUrl": None, "documentUrl": url, "document": BUNDLED(url)}

            opts = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
            assert jsonld.normalize(doc, opts) == to_nquads(doc)
            theirs = _median_us(lambda: jsonld.normalize(doc, opts), max(10, args.rounds // 100))
        print(f"{name:<14}{rdf_us:>10.1f}{ours:>12.1f}{theirs:>12.1f}")
    quads = to_rdf(diploma)
    print(f"canonicalize(diploma quads): {_median_us(lambda: canonicalize(quads), args.rounds):.1f} µs")


if __name__ == "__main__":
    main()
