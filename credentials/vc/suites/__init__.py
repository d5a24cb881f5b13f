"""Data Integrity cryptosuites: ``eddsa-rdfc-2022``, ``eddsa-jcs-2022``,
``ecdsa-rdfc-2019`` and ``ecdsa-jcs-2019``.

``add_proof`` secures a document, ``verify_proof`` checks it; ``CRYPTOSUITES``
maps each cryptosuite name to the object that runs the spec's algorithm steps
(transformation, proof configuration, hashing, proof serialization, proof
verification), for callers that need the intermediate values.
"""

from __future__ import annotations

from .base import Cryptosuite, HashInput, decode_proof_value, encode_proof_value
from .dataintegrity import (
    PROOF_TYPE,
    ProofResult,
    add_proof,
    get_cryptosuite,
    parse_datetime,
    verify_proof,
    verify_proofs,
)
from .registry import CRYPTOSUITES, register

__all__ = [
    "CRYPTOSUITES",
    "PROOF_TYPE",
    "Cryptosuite",
    "HashInput",
    "ProofResult",
    "add_proof",
    "decode_proof_value",
    "encode_proof_value",
    "get_cryptosuite",
    "parse_datetime",
    "register",
    "verify_proof",
    "verify_proofs",
]
