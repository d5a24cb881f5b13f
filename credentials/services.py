"""Credential services: verification through the pure pipeline."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.utils import timezone

from credentials.vc import verify as vc_verify
from identity.selectors import did_resolver


def credential_verify(
    *, credential: dict | str, checks: Sequence[str] | None = None, now: datetime | None = None
) -> vc_verify.VerificationResult:
    """Verify a credential with the platform's DID resolver.

    Raises ``VCError`` only when the input is not a credential at all; every other
    problem is a failed check in the result.
    """
    return vc_verify.verify_credential(
        credential, resolver=did_resolver(), checks=checks, now=now or timezone.now()
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
        now=now or timezone.now(),
    )
