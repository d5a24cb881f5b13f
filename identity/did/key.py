"""did:key (W3C CCG did:key method, Multikey form) for Ed25519, P-256 and P-384."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from identity.errors import DID_INVALID, VCError
from identity.keys import InvalidKeyError, PublicKey

from .syntax import require_did

__all__ = ["DID_CONTEXT", "MULTIKEY_CONTEXT", "DidKeyResolver", "did_key_document", "did_key_from_public_key", "public_key_from_did_key"]

DID_CONTEXT = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT = "https://w3id.org/security/multikey/v1"

_PREFIX = "did:key:"


def did_key_from_public_key(public_key: PublicKey) -> str:
    """The ``did:key`` DID of ``public_key`` (``did:key:z...``)."""
    return _PREFIX + public_key.multibase()


@lru_cache(maxsize=4096)
def public_key_from_did_key(did: str) -> PublicKey:
    """The public key a ``did:key`` DID encodes; ``VCError(invalidDid)`` if none.

    Cached: one issuer's DID is resolved again for every credential it signed,
    and :class:`PublicKey` is immutable, so sharing the instance is safe.
    """
    require_did(did)
    if not did.startswith(_PREFIX):
        raise VCError(DID_INVALID, "not a did:key DID")
    value = did[len(_PREFIX):]
    try:
        return PublicKey.from_multibase(value)
    except InvalidKeyError as exc:
        raise VCError(DID_INVALID, f"did:key does not hold a supported public key: {exc.message}") from None


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document of a ``did:key`` DID, with one Multikey verification method.

    A fresh dictionary every call, so callers may keep or change it freely.
    """
    public_key_from_did_key(did)  # validates, and is cached
    # The method-specific id is the key's publicKeyMultibase, so reuse the string.
    fragment = did[len(_PREFIX):]
    vm_id = f"{did}#{fragment}"
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": fragment}
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }


class DidKeyResolver:
    """Resolves ``did:key`` locally: the DID is the key."""

    def resolve(self, did: str) -> dict[str, Any]:
        """The DID document; ``VCError(invalidDid)`` for a malformed DID."""
        return did_key_document(did)
