"""The shape every Data Integrity cryptosuite shares, named after the spec's steps.

A :class:`Cryptosuite` turns an unsecured document and a proof configuration into
the bytes that get signed, in the order the W3C cryptosuite specifications give:

1. **transformation** – canonicalize the unsecured document (RDFC-1.0 or JCS);
2. **proof configuration** – canonicalize the proof options, which carry the
   document's ``@context``, the same way;
3. **hashing** – ``hash(canonical proof configuration) || hash(canonical document)``;
4. **proof serialization** – sign the hash data;
5. **proof verification** – check a signature over the hash data.

The canonicalization comes from a mixin (:class:`RdfcCanonicalization`,
:class:`JcsCanonicalization`), the hashing and signing from the algorithm family
(``eddsa.py``, ``ecdsa.py``). Subclasses only declare their name and key types.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from cryptography.exceptions import InvalidSignature

from identity.did.multibase import base58btc_decode, base58btc_encode
from identity.keys import KeyType, PublicKey, Signer

from .. import jcs
from ..documents import DocumentLoader
from ..errors import (
    CRYPTOGRAPHIC_SECURITY_ERROR,
    PROOF_GENERATION_ERROR,
    PROOF_VERIFICATION_ERROR,
    VCError,
)

__all__ = [
    "Cryptosuite",
    "HashInput",
    "JcsCanonicalization",
    "RdfcCanonicalization",
    "decode_proof_value",
    "encode_proof_value",
]


@dataclass(frozen=True, slots=True)
class HashInput:
    """The intermediate values of one proof: what the test vectors publish."""

    canonical_document: bytes
    canonical_proof_config: bytes
    hash_data: bytes


def encode_proof_value(signature: bytes) -> str:
    """Multibase base58btc (``z`` prefix), the ``proofValue`` encoding of every suite here."""
    return "z" + base58btc_encode(signature)


def decode_proof_value(value: Any) -> bytes:
    """Decode a ``z``-prefixed base58btc ``proofValue``; ``PROOF_VERIFICATION_ERROR`` otherwise."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise VCError(PROOF_VERIFICATION_ERROR, "proofValue must be a multibase base58btc string (prefix 'z')")
    # Base58 has one spelling per byte string (leading '1's are exactly the
    # leading zero bytes), so decoding cannot accept a second, altered form.
    try:
        return base58btc_decode(value[1:])
    except ValueError as exc:
        raise VCError(PROOF_VERIFICATION_ERROR, f"proofValue is not valid base58btc: {exc}") from None


class Cryptosuite:
    """One Data Integrity cryptosuite: a name, key types and the five algorithm steps.

    Instances are stateless and shared through :data:`credentials.vc.suites.CRYPTOSUITES`.
    """

    name: ClassVar[str]
    key_types: ClassVar[frozenset[KeyType]]
    #: Whether the secured proof repeats the document's ``@context``. The JCS
    #: suites' Create Proof algorithm and vectors do: with no JSON-LD processing,
    #: that copy is what ties the signed bytes to the document's vocabulary.
    proof_carries_context: ClassVar[bool]
    #: Family of the canonicalization (``rdfc`` or ``jcs``); see :meth:`transformation_key` for reuse.
    canonicalization: ClassVar[str]

    # -- step 1 and 2: canonicalization, supplied by a mixin ------------------------

    def transform(
        self, unsecured_document: Mapping[str, Any], *, key_type: KeyType, loader: DocumentLoader
    ) -> bytes:
        """Transformation: the canonical form of the document without its proof.

        ``key_type`` matters where the canonicalization depends on the key
        (ecdsa-rdfc-2019 runs RDFC-1.0 with SHA-384 for P-384 keys).
        """
        return self._canonicalize(unsecured_document, key_type=key_type, loader=loader)

    def transformation_key(self, key_type: KeyType) -> str:
        """Names the transformation used with ``key_type``: equal keys, equal transformed bytes.

        A verifier of a proof set canonicalizes the document once per key.
        """
        raise NotImplementedError

    def configure_proof(
        self,
        proof_options: Mapping[str, Any],
        unsecured_document: Mapping[str, Any],
        *,
        key_type: KeyType,
        loader: DocumentLoader,
    ) -> bytes:
        """Proof configuration: the canonical form of the proof options.

        The options must not contain ``proofValue``; they are given the document's
        ``@context`` so that both are read against the same vocabulary, and are
        canonicalized as the document is for ``key_type``.
        """
        if proof_options.get("type") != "DataIntegrityProof" or proof_options.get("cryptosuite") != self.name:
            raise VCError(PROOF_GENERATION_ERROR, f"proof options are not a DataIntegrityProof for {self.name}")
        config = dict(proof_options)
        config.pop("proofValue", None)
        if "@context" in unsecured_document:
            config["@context"] = unsecured_document["@context"]
        return self._canonicalize(config, key_type=key_type, loader=loader)

    def _canonicalize(self, value: Mapping[str, Any], *, key_type: KeyType, loader: DocumentLoader) -> bytes:
        raise NotImplementedError

    # -- step 3 to 5: hashing and signing, supplied by the algorithm family ---------

    def hash_function(self, key_type: KeyType) -> str:
        """The ``hashlib`` name used for both hashes with a key of ``key_type``."""
        raise NotImplementedError

    def rdfc_hash(self, key_type: KeyType) -> str:
        """RDFC-1.0's own hash algorithm with a key of ``key_type`` (the RDFC suites only).

        SHA-256 unless the suite says otherwise (vc-di-ecdsa: SHA-384 for P-384).
        """
        return "sha256"

    def signature_length(self, key_type: KeyType) -> int:
        """The exact length of a signature made with a key of ``key_type``."""
        raise NotImplementedError

    def hash(self, transformed_document: bytes, canonical_proof_config: bytes, key_type: KeyType) -> bytes:
        """Hashing: ``H(canonical proof configuration) || H(transformed document)``."""
        self.check_key_type(key_type, PROOF_VERIFICATION_ERROR)
        name = self.hash_function(key_type)
        return hashlib.new(name, canonical_proof_config).digest() + hashlib.new(name, transformed_document).digest()

    def serialize_proof(self, hash_data: bytes, signer: Signer) -> bytes:
        """Proof serialization: the signature over ``hash_data``."""
        self.check_key_type(signer.key_type, PROOF_GENERATION_ERROR)
        signature = signer.sign(hash_data)
        if len(signature) != self.signature_length(signer.key_type):
            raise VCError(PROOF_GENERATION_ERROR, f"the signer returned a malformed {signer.key_type.value} signature")
        return signature

    def verify_signature(self, hash_data: bytes, signature: bytes, public_key: PublicKey) -> None:
        """Proof verification: raise ``CRYPTOGRAPHIC_SECURITY_ERROR`` unless ``signature`` is valid."""
        self.check_key_type(public_key.type, PROOF_VERIFICATION_ERROR)
        self.check_signature_length(signature, public_key.type)
        try:
            public_key.verify(signature, hash_data)
        except InvalidSignature:
            raise VCError(CRYPTOGRAPHIC_SECURITY_ERROR, f"the {self.name} signature does not verify") from None

    def check_signature_length(self, signature: bytes, key_type: KeyType) -> None:
        """Raise ``PROOF_VERIFICATION_ERROR`` unless ``signature`` has the length ``key_type`` gives."""
        expected = self.signature_length(key_type)
        if len(signature) != expected:
            raise VCError(
                PROOF_VERIFICATION_ERROR,
                f"proofValue must hold a {expected}-byte signature for a {key_type.value} key,"
                f" not {len(signature)} bytes",
            )

    def check_key_type(self, key_type: KeyType, code: str) -> None:
        """Raise ``VCError(code)`` unless this suite signs with ``key_type``."""
        if key_type not in self.key_types:
            allowed = ", ".join(sorted(k.value for k in self.key_types))
            raise VCError(code, f"{self.name} needs a {allowed} key, not {key_type.value}")

    # -- the steps together -----------------------------------------------------------

    def hash_input(
        self,
        unsecured_document: Mapping[str, Any],
        proof_options: Mapping[str, Any],
        *,
        key_type: KeyType,
        loader: DocumentLoader,
        transformed_document: bytes | None = None,
    ) -> HashInput:
        """Steps 1 to 3 for ``unsecured_document`` and ``proof_options``.

        ``transformed_document`` lets a caller that verifies several proofs of the
        same :meth:`transformation_key` reuse the document's canonical form.
        """
        canonical_config = self.configure_proof(proof_options, unsecured_document, key_type=key_type, loader=loader)
        if transformed_document is None:
            transformed_document = self.transform(unsecured_document, key_type=key_type, loader=loader)
        return HashInput(
            transformed_document,
            canonical_config,
            self.hash(transformed_document, canonical_config, key_type),
        )

    def create_proof_value(
        self,
        unsecured_document: Mapping[str, Any],
        proof_options: Mapping[str, Any],
        *,
        signer: Signer,
        loader: DocumentLoader,
    ) -> str:
        """The ``proofValue`` for ``proof_options`` over ``unsecured_document``."""
        self.check_key_type(signer.key_type, PROOF_GENERATION_ERROR)
        data = self.hash_input(unsecured_document, proof_options, key_type=signer.key_type, loader=loader)
        return encode_proof_value(self.serialize_proof(data.hash_data, signer))

    def __repr__(self) -> str:
        return f"<Cryptosuite {self.name}>"


class RdfcCanonicalization(Cryptosuite):
    """RDF Dataset Canonicalization (RDFC-1.0) of the JSON-LD, as canonical N-Quads."""

    proof_carries_context = False
    canonicalization = "rdfc"

    def transformation_key(self, key_type: KeyType) -> str:
        """``rdfc/<hash>``: RDFC-1.0 output depends on its hash algorithm."""
        return "rdfc/" + self.rdfc_hash(key_type)

    def _canonicalize(self, value: Mapping[str, Any], *, key_type: KeyType, loader: DocumentLoader) -> bytes:
        from ..jsonld import to_nquads

        document = value if isinstance(value, dict) else dict(value)
        return to_nquads(document, loader=loader, hash_algorithm=self.rdfc_hash(key_type)).encode("utf-8")


class JcsCanonicalization(Cryptosuite):
    """RFC 8785 JSON Canonicalization Scheme; no JSON-LD processing at all."""

    proof_carries_context = True
    canonicalization = "jcs"

    def transformation_key(self, key_type: KeyType) -> str:
        """``jcs``: the same bytes whatever the key."""
        return "jcs"

    def _canonicalize(self, value: Mapping[str, Any], *, key_type: KeyType, loader: DocumentLoader) -> bytes:
        return jcs.canonicalize(value)
