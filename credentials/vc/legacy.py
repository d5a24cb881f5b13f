"""VC 1.1 ``Ed25519Signature2018`` proofs through didkit, for older wallets.

didkit's Python bindings are archived and stop at VC 1.1, so they serve only this
legacy suite (and as an independent cross-check in the tests); every newer suite is
implemented in :mod:`credentials.vc.suites`. didkit resolves ``did:key`` itself; the
verification relationship is still checked through our own resolver so that the
rules are the same as for Data Integrity proofs.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import json
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from identity.keys import KeyType, PrivateKey

from .errors import (
    CRYPTOGRAPHIC_SECURITY_ERROR,
    INVALID_CHALLENGE_ERROR,
    INVALID_DOMAIN_ERROR,
    PROOF_GENERATION_ERROR,
    PROOF_VERIFICATION_ERROR,
    VCError,
)

SUITE = "Ed25519Signature2018"
T = TypeVar("T")


def _run(factory: Callable[[], Awaitable[T]]) -> T:
    """Run a didkit coroutine from synchronous code, even inside a running loop."""

    async def runner() -> T:
        return await factory()

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(runner())
    # Called from async code (e.g. an ASGI view): run on a private loop in a thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, runner()).result()


def _sign(call: Callable[[str, str, str], Awaitable[str]], document: Mapping[str, Any],
          options: Mapping[str, Any], key: PrivateKey) -> dict[str, Any]:
    """Sign through one of didkit's issue functions and parse what it returns."""
    jwk = json.dumps(key.jwk())
    try:
        signed = _run(lambda: call(json.dumps(document), json.dumps(options), jwk))
    except Exception as exc:  # didkit raises its own exception type with a message
        raise VCError(PROOF_GENERATION_ERROR, f"didkit could not sign: {exc}") from None
    value = json.loads(signed)
    if not isinstance(value, dict):
        raise VCError(PROOF_GENERATION_ERROR, "didkit returned something other than a JSON object")
    return value


def _didkit() -> Any:
    import didkit  # imported lazily: a native module most callers never need

    return didkit


def issue(
    credential: Mapping[str, Any],
    *,
    key: PrivateKey,
    verification_method: str,
    proof_purpose: str = "assertionMethod",
    created: str | None = None,
) -> dict[str, Any]:
    """Sign a VC 1.1 credential with an ``Ed25519Signature2018`` proof via didkit."""
    if key.type is not KeyType.ED25519:
        raise VCError(PROOF_GENERATION_ERROR, "Ed25519Signature2018 needs an Ed25519 key")
    didkit = _didkit()
    options: dict[str, Any] = {
        "type": SUITE,
        "proofPurpose": proof_purpose,
        "verificationMethod": verification_method,
    }
    if created is not None:
        options["created"] = created
    return _sign(didkit.issue_credential, credential, options, key)


def present(
    presentation: Mapping[str, Any],
    *,
    key: PrivateKey,
    verification_method: str,
    challenge: str,
    domain: str | None = None,
) -> dict[str, Any]:
    """Sign a VC 1.1 presentation with an ``Ed25519Signature2018`` proof via didkit."""
    didkit = _didkit()
    options: dict[str, Any] = {
        "type": SUITE,
        "proofPurpose": "authentication",
        "verificationMethod": verification_method,
        "challenge": challenge,
    }
    if domain is not None:
        options["domain"] = domain
    return _sign(didkit.issue_presentation, presentation, options, key)


def verify(
    document: Mapping[str, Any],
    *,
    expected_purpose: str,
    presentation: bool = False,
    challenge: str | None = None,
    domain: str | Sequence[str] | None = None,
) -> None:
    """Verify an ``Ed25519Signature2018`` proof with didkit; raise :class:`VCError` if it fails."""
    proof = document.get("proof")
    if not isinstance(proof, Mapping) or proof.get("type") != SUITE:
        raise VCError(PROOF_VERIFICATION_ERROR, "not an Ed25519Signature2018 proof")
    if proof.get("proofPurpose") != expected_purpose:
        raise VCError(
            PROOF_VERIFICATION_ERROR,
            f"proofPurpose is {proof.get('proofPurpose')!r}, expected {expected_purpose!r}",
        )
    # Checked here too, so that a replayed or misdirected presentation gets the
    # Data Integrity codes rather than didkit's generic "No applicable proof".
    if challenge is not None and proof.get("challenge") != challenge:
        raise VCError(INVALID_CHALLENGE_ERROR, "the proof's challenge does not match")
    if domain is not None and proof.get("domain") != domain:
        raise VCError(INVALID_DOMAIN_ERROR, "the proof's domain does not match")
    didkit = _didkit()
    options: dict[str, Any] = {"proofPurpose": expected_purpose}
    if challenge is not None:
        options["challenge"] = challenge
    if isinstance(domain, str):
        options["domain"] = domain
    call = didkit.verify_presentation if presentation else didkit.verify_credential
    try:
        raw = _run(lambda: call(json.dumps(document), json.dumps(options)))
    except Exception as exc:
        raise VCError(CRYPTOGRAPHIC_SECURITY_ERROR, f"didkit rejected the proof: {exc}") from None
    outcome = json.loads(raw)
    errors = outcome.get("errors") or []
    if errors:
        raise VCError(CRYPTOGRAPHIC_SECURITY_ERROR, "didkit rejected the proof: " + "; ".join(map(str, errors)))
