"""DIDs: did:key, did:jwk and did:web documents, resolution, verification methods.

Pure: imports no web framework. Names are loaded on first use because
:mod:`identity.keys` imports :mod:`identity.did.multibase`, and an eager import
of the DID modules here (which import the keys) would be circular.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "CachedResolver": "resolver",
    "DIDResolver": "resolver",
    "Resolver": "resolver",
    "StaticResolver": "resolver",
    "VerificationMethod": "resolver",
    "resolve_verification_method": "resolver",
    "resolution_result": "resolver",
    "RELATIONSHIPS": "resolver",
    "DidKeyResolver": "key",
    "did_key_document": "key",
    "did_key_from_public_key": "key",
    "public_key_from_did_key": "key",
    "DidJwkResolver": "jwk",
    "did_jwk_document": "jwk",
    "did_jwk_from_public_key": "jwk",
    "public_key_from_did_jwk": "jwk",
    "WebDIDFetcher": "web",
    "build_did_web_document": "web",
    "did_web_from_host": "web",
    "did_web_to_url": "web",
    "is_public_address": "web",
    "is_did": "syntax",
    "split_did_url": "syntax",
}

__all__ = sorted(_EXPORTS)

if TYPE_CHECKING:  # the names, for type checkers (re-exported explicitly)
    from .jwk import (
        DidJwkResolver as DidJwkResolver,
        did_jwk_document as did_jwk_document,
        did_jwk_from_public_key as did_jwk_from_public_key,
        public_key_from_did_jwk as public_key_from_did_jwk,
    )
    from .key import (
        DidKeyResolver as DidKeyResolver,
        did_key_document as did_key_document,
        did_key_from_public_key as did_key_from_public_key,
        public_key_from_did_key as public_key_from_did_key,
    )
    from .resolver import (
        CachedResolver as CachedResolver,
        DIDResolver as DIDResolver,
        RELATIONSHIPS as RELATIONSHIPS,
        Resolver as Resolver,
        StaticResolver as StaticResolver,
        VerificationMethod as VerificationMethod,
        resolution_result as resolution_result,
        resolve_verification_method as resolve_verification_method,
    )
    from .syntax import (
        is_did as is_did,
        split_did_url as split_did_url,
    )
    from .web import (
        WebDIDFetcher as WebDIDFetcher,
        build_did_web_document as build_did_web_document,
        did_web_from_host as did_web_from_host,
        did_web_to_url as did_web_to_url,
        is_public_address as is_public_address,
    )


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))
