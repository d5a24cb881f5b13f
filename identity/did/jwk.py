"""did:jwk (https://github.com/quartzjer/did-jwk/blob/main/spec.md)."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from identity.errors import DID_INVALID, VCError
from identity.jsonutil import loads
from identity.keys import InvalidKeyError, PublicKey

from .multibase import base64url_decode, base64url_encode
from .syntax import require_did

__all__ = ["JWS_2020_CONTEXT", "DidJwkResolver", "did_jwk_document", "did_jwk_from_public_key", "public_key_from_did_jwk"]

JWS_2020_CONTEXT = "https://w3id.org/security/suites/jws-2020/v1"
_DID_CONTEXT = "https://www.w3.org/ns/did/v1"
_PREFIX = "did:jwk:"


def did_jwk_from_public_key(public_key: PublicKey) -> str:
    """The ``did:jwk`` DID of ``public_key``.

    The JWK is serialised compactly with sorted members (the JCS form for a JWK
    of plain strings), so one key always yields one DID.
    """
    text = json.dumps(public_key.jwk(), sort_keys=True, separators=(",", ":"))
    return _PREFIX + base64url_encode(text.encode("utf-8"))


@lru_cache(maxsize=4096)
def _parse(did: str) -> tuple[str, PublicKey]:
    require_did(did)
    if not did.startswith(_PREFIX):
        raise VCError(DID_INVALID, "not a did:jwk DID")
    try:
        raw = base64url_decode(did[len(_PREFIX):])
    except ValueError as exc:
        raise VCError(DID_INVALID, f"did:jwk value is not base64url: {exc}") from None
    try:
        jwk = loads(raw)
    except VCError as exc:
        raise VCError(DID_INVALID, f"did:jwk value is not a JSON object: {exc.message}") from None
    if not isinstance(jwk, dict):
        raise VCError(DID_INVALID, "did:jwk value is not a JSON object")
    if "d" in jwk:
        raise VCError(DID_INVALID, "did:jwk must not contain private key material")
    try:
        key = PublicKey.from_jwk(jwk)
    except InvalidKeyError as exc:
        raise VCError(DID_INVALID, f"did:jwk does not hold a supported public key: {exc.message}") from None
    # Keep the JWK text rather than the dict: the cache must not hand out a
    # shared mutable object.
    return raw.decode("utf-8"), key


def public_key_from_did_jwk(did: str) -> PublicKey:
    """The public key a ``did:jwk`` DID encodes; ``VCError(invalidDid)`` if none."""
    return _parse(did)[1]


def did_jwk_document(did: str) -> dict[str, Any]:
    """The DID document of a ``did:jwk`` DID, as the did:jwk spec lays it out.

    The verification method ``#0`` carries the JWK exactly as encoded in the DID.
    A JWK with ``"use": "sig"`` gets no ``keyAgreement``; ``"use": "enc"`` gets
    only ``keyAgreement``.
    """
    text, _ = _parse(did)
    jwk = json.loads(text)
    vm_id = f"{did}#0"
    document: dict[str, Any] = {
        "@context": [_DID_CONTEXT, JWS_2020_CONTEXT],
        "id": did,
        "verificationMethod": [{"id": vm_id, "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}],
    }
    use = jwk.get("use")
    if use != "enc":
        for relationship in ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation"):
            document[relationship] = [vm_id]
    if use != "sig":
        document["keyAgreement"] = [vm_id]
    return document


class DidJwkResolver:
    """Resolves ``did:jwk`` locally: the DID is the key."""

    def resolve(self, did: str) -> dict[str, Any]:
        """The DID document; ``VCError(invalidDid)`` for a malformed DID."""
        return did_jwk_document(did)
