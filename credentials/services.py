"""Credential services: verification through the pure pipeline."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from credentials.vc import verify as vc_verify
from identity.selectors import did_resolver

if TYPE_CHECKING:
    from credentials.vc.statusfetch import RemoteStatusLists


def hosted_status_lists() -> Mapping[str, Any]:
    """Status list credentials this platform publishes, by URL.

    Empty until issued credentials and their lists are stored; then it reads
    them from the database, so that the platform never fetches its own lists.
    """
    return {}


@lru_cache(maxsize=1)
def status_lists() -> RemoteStatusLists:
    """The process-wide status list source: hosted lists first, then fetched.

    Foreign lists are fetched over guarded HTTPS (public addresses only, no
    redirects, 3 s, 1 MiB) and kept five minutes (less if the list's ``ttl``
    says so); failures are kept thirty seconds. A list that cannot be fetched
    fails the status check: a revoked credential must not verify because its
    issuer's host is down or blocked.
    """
    from credentials.vc.statusfetch import RemoteStatusLists, StatusListFetcher

    return RemoteStatusLists(StatusListFetcher(), local=hosted_status_lists())


def credential_verify(
    *, credential: dict | str, checks: Sequence[str] | None = None, now: datetime | None = None
) -> vc_verify.VerificationResult:
    """Verify a credential with the platform's DID resolver and status lists.

    Raises ``VCError`` only when the input is not a credential at all; every other
    problem is a failed check in the result.
    """
    return vc_verify.verify_credential(
        credential,
        resolver=did_resolver(),
        checks=checks,
        status_lists=status_lists(),
        now=now or timezone.now(),
    )


def presentation_verify(
    *,
    presentation: dict | str,
    challenge: str | None = None,
    domain: str | None = None,
    checks: Sequence[str] | None = None,
    now: datetime | None = None,
) -> vc_verify.VerificationResult:
    """Verify a presentation and the credentials it carries."""
    return vc_verify.verify_presentation(
        presentation,
        resolver=did_resolver(),
        challenge=challenge,
        domain=domain,
        checks=checks,
        status_lists=status_lists(),
        now=now or timezone.now(),
    )
