"""Identity reads: the DID resolver the platform verifies with."""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from identity.did import Resolver


def hosted_did_documents() -> Mapping[str, dict]:
    """DID documents of the did:web DIDs this platform hosts, by DID.

    Empty until organisations and their DIDs are stored; then it reads them from
    the database so that the platform never fetches its own documents over HTTPS.
    """
    return {}


@lru_cache(maxsize=1)
def did_resolver() -> Resolver:
    """The process-wide resolver: did:key and did:jwk computed, did:web local first, then fetched.

    Foreign did:web documents are cached for five minutes (failures for thirty
    seconds), so a batch from one issuer costs one fetch and a dead host is not
    waited on by every request.
    """
    from identity.did import CachedResolver, Resolver, WebDIDFetcher

    return Resolver(local=hosted_did_documents(), fetcher=CachedResolver(WebDIDFetcher()))
