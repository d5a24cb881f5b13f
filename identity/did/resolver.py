"""DID resolution and verification-method retrieval (Controlled Identifiers 1.0 §3.3).

Resolvers are small objects with one method, ``resolve(did) -> dict``, composed
by method name the way Django composes ``PASSWORD_HASHERS``. Verification code
never looks at a document directly: it asks :func:`resolve_verification_method`
for the key behind a DID URL *for a purpose*, and gets either a
:class:`VerificationMethod` or a ``VCError`` with the Controlled Identifiers code.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol, runtime_checkable

from identity.errors import (
    DID_INTERNAL_ERROR,
    DID_INVALID,
    DID_METHOD_NOT_SUPPORTED,
    DID_NOT_FOUND,
    INVALID_CONTROLLED_IDENTIFIER_DOCUMENT,
    INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID,
    INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD,
    INVALID_VERIFICATION_METHOD,
    VCError,
)
from identity.expiring import ExpiringCache
from identity.keys import InvalidKeyError, KeyType, PublicKey

from .jwk import DidJwkResolver
from .key import DidKeyResolver
from .multibase import base58btc_decode
from .syntax import did_method, require_did, split_did_url
from .web import did_web_to_url

__all__ = [
    "RELATIONSHIPS",
    "CachedResolver",
    "DIDResolver",
    "Resolver",
    "StaticResolver",
    "VerificationMethod",
    "resolution_result",
    "resolve_verification_method",
]

RELATIONSHIPS = frozenset(
    {"assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation", "keyAgreement"}
)


@runtime_checkable
class DIDResolver(Protocol):
    """Anything that turns a DID into its DID document."""

    def resolve(self, did: str) -> dict[str, Any]:
        """The DID document, or ``VCError`` (invalidDid, notFound, methodNotSupported, internalError)."""
        ...


class StaticResolver:
    """Documents from a mapping of DID → document.

    The local registry of DIDs this platform hosts, and ``vc --did-doc FILE``.
    Documents are returned as stored, not copied: callers must not change them.
    """

    def __init__(self, documents: Mapping[str, dict[str, Any]]) -> None:
        """Serve ``documents``, keyed by DID."""
        self._documents = documents

    @classmethod
    def from_documents(cls, documents: Iterable[dict[str, Any]]) -> StaticResolver:
        """Key documents by their own ``id``."""
        mapping: dict[str, dict[str, Any]] = {}
        for document in documents:
            did = require_did(document.get("id") if isinstance(document, dict) else None)
            mapping[did] = document
        return cls(mapping)

    def resolve(self, did: str) -> dict[str, Any]:
        """The stored document; ``notFound`` if there is none."""
        require_did(did)
        document = self._documents.get(did)
        if document is None:
            raise VCError(DID_NOT_FOUND, f"{did} is not known here")
        return document


class _WebResolver:
    def __init__(self, fetcher: DIDResolver | None) -> None:
        self._fetcher = fetcher

    def resolve(self, did: str) -> dict[str, Any]:
        did_web_to_url(did)  # a malformed did:web is invalidDid whether or not fetching is on
        if self._fetcher is None:
            raise VCError(DID_NOT_FOUND, f"{did} is not hosted here and remote did:web resolution is off")
        return self._fetcher.resolve(did)


class CachedResolver:
    """A time-bounded cache in front of a slow resolver (the did:web fetcher).

    Verifying many credentials of one foreign issuer must not fetch its DID
    document each time, and a host that fails must not be hammered (nor make
    every request wait out its timeout): documents are kept ``ttl`` seconds,
    ``notFound``/``internalError`` answers ``negative_ttl`` seconds. At most
    ``max_entries`` DIDs are kept; the oldest entry goes first. Malformed DIDs
    are never cached (they fail before any I/O).
    """

    _NEGATIVE = frozenset({DID_NOT_FOUND, DID_INTERNAL_ERROR})

    def __init__(
        self,
        inner: DIDResolver,
        *,
        ttl: float = 300.0,
        negative_ttl: float = 30.0,
        max_entries: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Wrap ``inner``; see the class docstring."""
        self._inner = inner
        self._ttl = ttl
        self._negative_ttl = negative_ttl
        self._cache: ExpiringCache[dict[str, Any] | VCError] = ExpiringCache(max_entries=max_entries, clock=clock)

    def resolve(self, did: str) -> dict[str, Any]:
        """The cached answer for ``did`` while fresh, else the inner resolver's."""
        cached = self._cache.get(did)
        if isinstance(cached, VCError):
            raise VCError(cached.code, cached.message)
        if cached is not None:
            return cached
        try:
            document = self._inner.resolve(did)
        except VCError as exc:
            if exc.code in self._NEGATIVE:
                self._cache.put(did, exc, ttl=self._negative_ttl)
            raise
        self._cache.put(did, document, ttl=self._ttl)
        return document


# Methods whose documents are computed from the DID itself: a local entry can
# never override them, so a registry mistake cannot swap a self-certifying key.
_COMPUTED: dict[str, DIDResolver] = {"key": DidKeyResolver(), "jwk": DidJwkResolver()}


class Resolver:
    """Resolution by DID method.

    ``did:key`` and ``did:jwk`` are computed locally. Any other DID is looked up
    in ``local`` first (documents this platform hosts, or given on the command
    line), then handed to the method's resolver: ``web`` uses ``fetcher`` when
    one is configured. ``methods`` adds or replaces method resolvers.
    Unknown methods raise ``methodNotSupported``.
    """

    def __init__(
        self,
        *,
        local: Mapping[str, dict[str, Any]] | None = None,
        fetcher: DIDResolver | None = None,
        methods: Mapping[str, DIDResolver] | None = None,
    ) -> None:
        """Compose the registry; see the class docstring."""
        self._local = local if local is not None else {}
        self._methods: dict[str, DIDResolver] = {"web": _WebResolver(fetcher)}
        self._methods.update(methods or {})
        for name in _COMPUTED:
            self._methods.pop(name, None)

    def resolve(self, did: str) -> dict[str, Any]:
        """The DID document of ``did``."""
        require_did(did)
        method = did_method(did)
        computed = _COMPUTED.get(method)
        if computed is not None:
            return computed.resolve(did)
        document = self._local.get(did)
        if document is not None:
            return document
        resolver = self._methods.get(method)
        if resolver is None:
            raise VCError(DID_METHOD_NOT_SUPPORTED, f"DID method {method!r} is not supported")
        return resolver.resolve(did)


@dataclass(frozen=True)
class VerificationMethod:
    """A verification method checked to belong to its DID and to serve a purpose.

    ``raw`` is the verification method object as found; ``document`` is the
    whole DID document it came from.
    """

    id: str
    controller: str
    type: str
    public_key: PublicKey
    document: dict[str, Any]
    raw: dict[str, Any]


@lru_cache(maxsize=4096)
def _key_from_multibase(value: str) -> PublicKey:
    return PublicKey.from_multibase(value)


@lru_cache(maxsize=4096)
def _key_from_jwk_text(text: str) -> PublicKey:
    return PublicKey.from_jwk(json.loads(text))


@lru_cache(maxsize=1024)
def _key_from_base58(value: str) -> PublicKey:
    try:
        raw = base58btc_decode(value)
    except ValueError as exc:
        raise InvalidKeyError(f"publicKeyBase58: {exc}") from None
    return PublicKey.from_raw(KeyType.ED25519, raw)


def _string_member(vm: Mapping[str, Any], name: str) -> str:
    value = vm.get(name)
    if not isinstance(value, str):
        raise VCError(INVALID_VERIFICATION_METHOD, f"verification method has no string {name!r}")
    return value


def _public_key_of(vm: Mapping[str, Any]) -> PublicKey:
    vm_type = vm.get("type")
    try:
        if vm_type == "Multikey":
            return _key_from_multibase(_string_member(vm, "publicKeyMultibase"))
        if vm_type == "Ed25519VerificationKey2020":
            key = _key_from_multibase(_string_member(vm, "publicKeyMultibase"))
            if key.type is not KeyType.ED25519:
                raise VCError(INVALID_VERIFICATION_METHOD, "Ed25519VerificationKey2020 holds a non-Ed25519 key")
            return key
        if vm_type == "Ed25519VerificationKey2018":
            return _key_from_base58(_string_member(vm, "publicKeyBase58"))
        if vm_type in ("JsonWebKey", "JsonWebKey2020"):
            jwk = vm.get("publicKeyJwk")
            if not isinstance(jwk, dict):
                raise VCError(INVALID_VERIFICATION_METHOD, "verification method has no publicKeyJwk object")
            if "d" in jwk:
                raise VCError(INVALID_VERIFICATION_METHOD, "publicKeyJwk contains private key material")
            return _key_from_jwk_text(json.dumps(jwk, sort_keys=True, separators=(",", ":")))
    except InvalidKeyError as exc:
        raise VCError(INVALID_VERIFICATION_METHOD, f"invalid key material: {exc.message}") from None
    raise VCError(INVALID_VERIFICATION_METHOD, f"unsupported verification method type {vm_type!r}")


def _as_list(value: Any, where: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, (str, dict)):
        return [value]
    raise VCError(INVALID_CONTROLLED_IDENTIFIER_DOCUMENT, f"{where} must be a list")


def _matches(ref: Any, vm_url: str, did: str) -> bool:
    # Relative references ("#key-1") are resolved against the document's DID.
    return isinstance(ref, str) and (ref == vm_url or (ref.startswith("#") and did + ref == vm_url))


def resolve_verification_method(vm_url: str, resolver: DIDResolver, *, purpose: str) -> VerificationMethod:
    """Dereference the DID URL ``vm_url`` to a verification method usable for ``purpose``.

    Checks, in order: ``vm_url`` is ``did:...#fragment``
    (INVALID_VERIFICATION_METHOD_URL); the DID resolves (the resolver's code);
    the document's ``id`` is the DID (INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID);
    the method exists, has this id, and its ``controller`` is the DID
    (INVALID_VERIFICATION_METHOD); ``purpose`` (``assertionMethod`` for
    credentials, ``authentication`` for presentations) lists it by reference or
    embeds it (INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD); its type and key
    material are supported and valid (INVALID_VERIFICATION_METHOD).
    """
    did, _fragment = split_did_url(vm_url)
    if purpose not in RELATIONSHIPS:
        raise VCError(INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD, f"unknown verification relationship {purpose!r}")
    try:
        document = resolver.resolve(did)
    except VCError:
        raise
    except Exception as exc:  # a resolver bug must still end in a coded failure
        raise VCError(DID_INTERNAL_ERROR, f"resolving {did} failed: {exc.__class__.__name__}") from exc
    if not isinstance(document, dict):
        raise VCError(INVALID_CONTROLLED_IDENTIFIER_DOCUMENT, "DID document is not a JSON object")
    if document.get("id") != did:
        raise VCError(INVALID_CONTROLLED_IDENTIFIER_DOCUMENT_ID, f"DID document id does not equal {did}")

    candidates: list[dict[str, Any]] = []
    for entry in _as_list(document.get("verificationMethod"), "verificationMethod"):
        if isinstance(entry, dict) and _matches(entry.get("id"), vm_url, did):
            candidates.append(entry)
    listed = False
    for relationship in RELATIONSHIPS:
        for entry in _as_list(document.get(relationship), relationship):
            if isinstance(entry, dict):
                if _matches(entry.get("id"), vm_url, did):
                    candidates.append(entry)
                    listed = listed or relationship == purpose
            elif relationship == purpose and _matches(entry, vm_url, did):
                listed = True

    if not candidates:
        raise VCError(INVALID_VERIFICATION_METHOD, f"{vm_url} is not in the DID document")
    vm = candidates[0]
    # Two different objects under one id would make the answer depend on lookup order.
    if any(other != vm for other in candidates[1:]):
        raise VCError(INVALID_CONTROLLED_IDENTIFIER_DOCUMENT, f"{vm_url} is defined more than once")
    if vm.get("controller") != did:
        raise VCError(INVALID_VERIFICATION_METHOD, f"{vm_url} is not controlled by {did}")
    if not listed:
        raise VCError(INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD, f"{vm_url} is not listed under {purpose}")
    public_key = _public_key_of(vm)
    return VerificationMethod(
        id=vm_url, controller=did, type=vm["type"], public_key=public_key, document=document, raw=vm
    )


RESOLUTION_CONTEXT = "https://w3id.org/did-resolution/v1"
DID_DOCUMENT_CONTENT_TYPE = "application/did+ld+json"
# DID Resolution §"Errors" with the Universal Resolver's HTTP statuses, except that
# internalError is 502: here it always means the DID's own host failed us (timeout,
# TLS, redirect, oversize, upstream 5xx), a gateway error rather than a crash.
RESOLUTION_ERROR_STATUS = {
    DID_INVALID: 400,
    DID_NOT_FOUND: 404,
    DID_METHOD_NOT_SUPPORTED: 501,
    DID_INTERNAL_ERROR: 502,
}


def resolution_result(did: str, resolver: DIDResolver) -> tuple[int, dict[str, Any]]:
    """Resolve ``did`` into a DID resolution result and the HTTP status it maps to.

    The result has the Universal Resolver's shape (``didDocument``,
    ``didResolutionMetadata``, ``didDocumentMetadata``); on failure the document
    is ``None`` and ``didResolutionMetadata.error`` carries the DID Resolution
    error code. Never raises for a bad DID.
    """
    try:
        document = resolver.resolve(did)
    except VCError as exc:
        code = exc.code if exc.code in RESOLUTION_ERROR_STATUS else DID_INTERNAL_ERROR
        return RESOLUTION_ERROR_STATUS[code], {
            "@context": RESOLUTION_CONTEXT,
            "didDocument": None,
            "didResolutionMetadata": {"error": code, "errorMessage": exc.message},
            "didDocumentMetadata": {},
        }
    return 200, {
        "@context": RESOLUTION_CONTEXT,
        "didDocument": document,
        "didResolutionMetadata": {"contentType": DID_DOCUMENT_CONTENT_TYPE},
        "didDocumentMetadata": {},
    }
