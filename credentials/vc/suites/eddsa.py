"""EdDSA cryptosuites (https://www.w3.org/TR/vc-di-eddsa/): Ed25519 over SHA-256 hash data."""

from __future__ import annotations

from identity.keys import KeyType

from .base import Cryptosuite, JcsCanonicalization, RdfcCanonicalization

__all__ = ["EddsaJcs2022", "EddsaRdfc2022"]


class _Eddsa(Cryptosuite):
    key_types = frozenset({KeyType.ED25519})

    def hash_function(self, key_type: KeyType) -> str:
        """SHA-256 for both hashes (vc-di-eddsa §3.2.4 / §3.3.4)."""
        return "sha256"

    def signature_length(self, key_type: KeyType) -> int:
        """Ed25519 signatures are 64 bytes."""
        return 64


class EddsaRdfc2022(RdfcCanonicalization, _Eddsa):
    """``eddsa-rdfc-2022``: RDFC-1.0 canonical N-Quads, SHA-256, Ed25519."""

    name = "eddsa-rdfc-2022"


class EddsaJcs2022(JcsCanonicalization, _Eddsa):
    """``eddsa-jcs-2022``: JCS, SHA-256, Ed25519."""

    name = "eddsa-jcs-2022"
