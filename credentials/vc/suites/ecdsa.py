"""ECDSA cryptosuites (https://www.w3.org/TR/vc-di-ecdsa/): P-256/SHA-256 and P-384/SHA-384.

The key's curve decides the hash used for the hash data and, in ecdsa-rdfc-2019,
by RDFC-1.0 itself when it labels blank nodes; the key module applies
the same hash again inside ECDSA and writes the signature as IEEE P1363 ``r || s``.
"""

from __future__ import annotations

from identity.keys import KeyType

from .base import Cryptosuite, JcsCanonicalization, RdfcCanonicalization

__all__ = ["EcdsaJcs2019", "EcdsaRdfc2019"]

_HASHES = {KeyType.P256: "sha256", KeyType.P384: "sha384"}
_SIGNATURE_LENGTHS = {KeyType.P256: 64, KeyType.P384: 96}


class _Ecdsa(Cryptosuite):
    key_types = frozenset(_HASHES)

    def hash_function(self, key_type: KeyType) -> str:
        """SHA-256 for P-256, SHA-384 for P-384 (vc-di-ecdsa §3.2.4 / §3.3.4)."""
        return _HASHES[key_type]

    def signature_length(self, key_type: KeyType) -> int:
        """``r || s``: 64 bytes on P-256, 96 on P-384."""
        return _SIGNATURE_LENGTHS[key_type]


class EcdsaRdfc2019(RdfcCanonicalization, _Ecdsa):
    """``ecdsa-rdfc-2019``: RDFC-1.0 canonical N-Quads, ECDSA on P-256 or P-384."""

    name = "ecdsa-rdfc-2019"

    def rdfc_hash(self, key_type: KeyType) -> str:
        """RDFC-1.0 hashes with the curve's hash too (vc-di-ecdsa §3.3, "canon-and-hash").

        The blank node labels, hence the signed bytes, depend on it.
        """
        return _HASHES[key_type]


class EcdsaJcs2019(JcsCanonicalization, _Ecdsa):
    """``ecdsa-jcs-2019``: JCS, ECDSA on P-256 or P-384."""

    name = "ecdsa-jcs-2019"
