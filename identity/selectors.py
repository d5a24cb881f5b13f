"""Identity reads: organisations' DIDs and documents, signers, and the DID resolver."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from identity.keys import PublicKey, Signer

if TYPE_CHECKING:
    from identity.did import Resolver
    from identity.models import Organisation, OrgKey

ORG_PATH = "orgs"


def organisation_did(organisation: Organisation) -> str:
    """``did:web:<platform host>[%3Aport]:orgs:<slug>``."""
    from identity.did.web import did_web_from_host
    from identity.services import platform_did_host

    host, port = platform_did_host()
    return did_web_from_host(host, [ORG_PATH, organisation.slug], port=port)


def organisation_did_document(organisation: Organisation) -> dict[str, Any]:
    """The DID document served at ``/orgs/<slug>/did.json``.

    Every key is listed, so old credentials keep resolving their key. Active and
    retired keys are assertion methods (retired keys still verify what they
    signed); compromised keys authorise nothing.
    """
    from identity.did.web import build_did_web_document
    from identity.models import OrgKey

    did = organisation_did(organisation)
    keys = list(OrgKey.objects.filter(organisation=organisation).order_by("created_at", "pk"))
    pairs = [(k.fragment, PublicKey.from_multibase(k.public_multibase)) for k in keys]
    trusted = [k.fragment for k in keys if k.status != OrgKey.Status.COMPROMISED]
    active = [k.fragment for k in keys if k.status == OrgKey.Status.ACTIVE]
    return build_did_web_document(
        did,
        pairs,
        relationships={"assertionMethod": trusted, "authentication": active},
        also_known_as=[organisation.homepage] if organisation.homepage else (),
    )


def organisation_active_key(organisation: Organisation) -> OrgKey:
    """The organisation's issuing key."""
    from identity.models import OrgKey

    return OrgKey.objects.get(organisation=organisation, status=OrgKey.Status.ACTIVE)


def organisation_signer(organisation: Organisation) -> Signer:
    """A signer for the organisation's issuing key, from the configured key store."""
    from identity.signing import key_store

    key = organisation_active_key(organisation)
    return key_store().signer(key=key, verification_method=f"{organisation_did(organisation)}#{key.fragment}")


class HostedDIDDocuments(Mapping[str, dict[str, Any]]):
    """DID documents of the organisations this platform hosts, read from the database.

    The resolver looks here before fetching, so the platform never fetches its own
    documents over HTTPS (and a document is current the moment a key rotates).
    """

    def __getitem__(self, did: str) -> dict[str, Any]:
        from identity.models import Organisation

        prefix = organisation_did_prefix()
        if not isinstance(did, str) or not did.startswith(prefix):
            raise KeyError(did)
        slug = did[len(prefix):]
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None or ":" in slug:
            raise KeyError(did)
        return organisation_did_document(organisation)

    def __iter__(self) -> Iterator[str]:
        from identity.models import Organisation

        prefix = organisation_did_prefix()
        return iter([prefix + slug for slug in Organisation.objects.values_list("slug", flat=True)])

    def __len__(self) -> int:
        from identity.models import Organisation

        return Organisation.objects.count()


def organisation_did_prefix() -> str:
    """``did:web:<host>:orgs:`` — every hosted organisation DID starts with it."""
    from identity.did.web import did_web_from_host
    from identity.services import platform_did_host

    host, port = platform_did_host()
    return did_web_from_host(host, [ORG_PATH, "x"], port=port)[:-1]


def hosted_did_documents() -> Mapping[str, dict]:
    """DID documents of the did:web DIDs this platform hosts, by DID (read lazily)."""
    return HostedDIDDocuments()


@lru_cache(maxsize=1)
def did_resolver() -> Resolver:
    """The process-wide resolver: did:key and did:jwk computed, hosted did:web from
    the database, foreign did:web fetched.

    Foreign did:web documents are cached for five minutes (failures for thirty
    seconds), so a batch from one issuer costs one fetch and a dead host is not
    waited on by every request.
    """
    from identity.did import CachedResolver, Resolver, WebDIDFetcher

    return Resolver(local=hosted_did_documents(), fetcher=CachedResolver(WebDIDFetcher()))
