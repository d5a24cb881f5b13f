"""Data Integrity proofs (https://www.w3.org/TR/vc-data-integrity/): add and verify.

The rules every cryptosuite shares live here: the proof's shape, purpose,
``created``/``expires``, challenge and domain, the ``@context`` binding, proof
sets, and the verification method (resolved through :mod:`identity.did`, which
checks the controller and the verification relationship). The cryptosuite
itself only canonicalizes, hashes and signs (:mod:`.base`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from identity.did import DIDResolver, VerificationMethod, resolve_verification_method
from identity.keys import Signer

from ..documents import BUNDLED, DocumentLoader
from ..errors import (
    INVALID_CHALLENGE_ERROR,
    INVALID_DOMAIN_ERROR,
    MALFORMED_VALUE_ERROR,
    PROOF_GENERATION_ERROR,
    PROOF_VERIFICATION_ERROR,
    RANGE_ERROR,
    VCError,
)
from .base import Cryptosuite, decode_proof_value
from .registry import CRYPTOSUITES

__all__ = [
    "PROOF_TYPE",
    "ProofResult",
    "add_proof",
    "get_cryptosuite",
    "parse_datetime",
    "verify_proof",
    "verify_proofs",
]

PROOF_TYPE = "DataIntegrityProof"
MAX_PROOFS = 16

# XML Schema 1.1 dateTime (time zone optional), four-digit years only.
_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,12})?"
    r"(Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))?"
)


@dataclass(frozen=True, slots=True)
class ProofResult:
    """A proof that verified: the key that made it, its cryptosuite and the proof itself."""

    verification_method: VerificationMethod
    cryptosuite: str
    proof: dict[str, Any]


def parse_datetime(value: Any, what: str, code: str = PROOF_VERIFICATION_ERROR) -> datetime:
    """Parse an XML Schema ``dateTime``; a value without time zone is taken as UTC.

    Raises ``VCError(code)`` for anything else.
    """
    match = _DATETIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise VCError(code, f"{what} must be an XML Schema dateTime, not {value!r}")
    text = value if match.group(8) else value + "Z"
    if match.group(7) and len(match.group(7)) > 7:
        # fromisoformat takes at most 6 fractional digits; finer ones change nothing here.
        text = text.replace(match.group(7), match.group(7)[:7], 1)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise VCError(code, f"{what} is not a valid date and time: {value!r}") from None
    return moment


def _now_seconds() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def get_cryptosuite(name: Any, code: str) -> Cryptosuite:
    """The registered cryptosuite called ``name``; ``VCError(code, "unknown cryptosuite ...")`` otherwise."""
    suite = CRYPTOSUITES.get(name) if isinstance(name, str) else None
    if suite is None:
        raise VCError(code, f"unknown cryptosuite {name!r}")
    return suite


def _unsecured(document: Any) -> tuple[dict[str, Any], list[Any]]:
    """The document without ``proof`` (a shallow copy) and its existing proofs."""
    if not isinstance(document, Mapping):
        raise VCError(MALFORMED_VALUE_ERROR, "the document must be a JSON object")
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    proof = document.get("proof")
    if proof is None:
        return unsecured, []
    return unsecured, list(proof) if isinstance(proof, list) else [proof]


def _check_options(challenge: Any, domain: Any) -> None:
    if challenge is not None and (not isinstance(challenge, str) or not challenge):
        raise VCError(PROOF_GENERATION_ERROR, "challenge must be a non-empty string")
    if domain is None or (isinstance(domain, str) and domain):
        return
    if isinstance(domain, str) or not domain or not all(isinstance(d, str) and d for d in domain):
        raise VCError(PROOF_GENERATION_ERROR, "domain must be a non-empty string or list of strings")


def add_proof(
    document: Mapping[str, Any],
    *,
    signer: Signer,
    cryptosuite: str,
    proof_purpose: str = "assertionMethod",
    created: str | None = None,
    expires: str | None = None,
    challenge: str | None = None,
    domain: str | Sequence[str] | None = None,
    loader: DocumentLoader = BUNDLED,
) -> dict[str, Any]:
    """Return a shallow copy of ``document`` secured with a new Data Integrity proof.

    ``created`` defaults to now (UTC, whole seconds). A document that already has
    a proof gets a proof set: the new proof covers the document without any
    proof, as the existing ones do. The JCS suites repeat the document's
    ``@context`` in the proof, as the W3C test vectors show; the RDFC suites do
    not. Raises :class:`VCError` (``PROOF_GENERATION_ERROR`` for unknown suites,
    mismatched keys and bad options; canonicalization errors surface as raised).
    """
    suite = get_cryptosuite(cryptosuite, PROOF_GENERATION_ERROR)
    suite.check_key_type(signer.key_type, PROOF_GENERATION_ERROR)
    if not isinstance(proof_purpose, str) or not proof_purpose:
        raise VCError(PROOF_GENERATION_ERROR, "proof_purpose must be a non-empty string")
    if not isinstance(signer.verification_method, str) or ":" not in signer.verification_method:
        raise VCError(PROOF_GENERATION_ERROR, "the signer has no verification method URL")
    created = _now_seconds() if created is None else created
    parse_datetime(created, "created", PROOF_GENERATION_ERROR)
    if expires is not None:
        parse_datetime(expires, "expires", PROOF_GENERATION_ERROR)
    _check_options(challenge, domain)
    unsecured, existing = _unsecured(document)
    if not all(isinstance(p, Mapping) for p in existing):
        raise VCError(MALFORMED_VALUE_ERROR, "the document's existing proof is not a JSON object")

    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": suite.name,
        "created": created,
    }
    if expires is not None:
        proof["expires"] = expires
    proof["verificationMethod"] = signer.verification_method
    proof["proofPurpose"] = proof_purpose
    if challenge is not None:
        proof["challenge"] = challenge
    if domain is not None:
        proof["domain"] = domain if isinstance(domain, str) else list(domain)
    if suite.proof_carries_context and "@context" in unsecured:
        # A copy: the proof must not change when the caller later edits the document.
        proof["@context"] = copy.deepcopy(unsecured["@context"])
    proof["proofValue"] = suite.create_proof_value(unsecured, proof, signer=signer, loader=loader)

    secured = dict(document)
    secured["proof"] = [*existing, proof] if existing else proof
    return secured


def verify_proofs(
    document: Mapping[str, Any],
    *,
    resolver: DIDResolver,
    expected_purpose: str,
    challenge: str | None = None,
    domain: str | Sequence[str] | None = None,
    loader: DocumentLoader = BUNDLED,
    now: datetime | None = None,
) -> list[ProofResult]:
    """Verify every Data Integrity proof of ``document`` (one proof or a proof set).

    All proofs must verify; the first failure is raised as :class:`VCError`
    with its precise code. See :func:`verify_proof` for the rules.
    """
    unsecured, proofs = _unsecured(document)
    if not proofs:
        raise VCError(PROOF_VERIFICATION_ERROR, "the document has no proof")
    if len(proofs) > MAX_PROOFS:
        # Each proof may cost a DID resolution: a bound keeps one request cheap.
        raise VCError(RANGE_ERROR, f"a proof set of {len(proofs)} proofs exceeds the limit of {MAX_PROOFS}")
    moment = now if now is not None else datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # Proofs of a set sign the same unsecured document: canonicalize it once per transformation.
    transformed: dict[str, bytes] = {}
    return [
        _verify_one(
            unsecured,
            proof,
            resolver=resolver,
            expected_purpose=expected_purpose,
            challenge=challenge,
            domain=domain,
            loader=loader,
            now=moment,
            transformed=transformed,
        )
        for proof in proofs
    ]


def verify_proof(
    document: Mapping[str, Any],
    *,
    resolver: DIDResolver,
    expected_purpose: str,
    challenge: str | None = None,
    domain: str | Sequence[str] | None = None,
    loader: DocumentLoader = BUNDLED,
    now: datetime | None = None,
) -> ProofResult:
    """Verify the Data Integrity proof(s) of ``document``; return the first proof's result.

    Checks, cheapest first, each failure a :class:`VCError`:

    * ``type`` is ``DataIntegrityProof`` and ``cryptosuite`` is registered, no
      ``previousProof`` (proof chains are not supported), ``proofPurpose`` equals
      ``expected_purpose``, ``proofValue`` is ``z``-base58btc, ``created`` and
      ``expires`` are dateTimes and ``expires`` is after ``now``, the proof's
      ``@context`` (if any) equals the document's → ``PROOF_VERIFICATION_ERROR``;
    * ``challenge`` / ``domain``, when given, match the proof's →
      ``INVALID_CHALLENGE_ERROR`` / ``INVALID_DOMAIN_ERROR`` (a proof's domain may
      be a list; it must contain one of the expected domains);
    * the verification method resolves through ``resolver`` for the proof's
      purpose (errors from :func:`identity.did.resolve_verification_method`
      surface unchanged) and its key fits the cryptosuite, with a signature of
      the right length → ``PROOF_VERIFICATION_ERROR``;
    * canonicalization errors surface unchanged; a bad signature →
      ``CRYPTOGRAPHIC_SECURITY_ERROR``.
    """
    return verify_proofs(
        document,
        resolver=resolver,
        expected_purpose=expected_purpose,
        challenge=challenge,
        domain=domain,
        loader=loader,
        now=now,
    )[0]


def _is_option_value(value: Any) -> bool:
    if isinstance(value, (str, int, float, bool)):
        return True
    return isinstance(value, list) and all(isinstance(item, str) for item in value)


def _verify_one(
    unsecured: dict[str, Any],
    proof: Any,
    *,
    resolver: DIDResolver,
    expected_purpose: str,
    challenge: str | None,
    domain: str | Sequence[str] | None,
    loader: DocumentLoader,
    now: datetime,
    transformed: dict[str, bytes],
) -> ProofResult:
    if not isinstance(proof, Mapping):
        raise VCError(PROOF_VERIFICATION_ERROR, "a proof must be a JSON object")
    if proof.get("type") != PROOF_TYPE:
        raise VCError(PROOF_VERIFICATION_ERROR, f"proof type must be {PROOF_TYPE}, not {proof.get('type')!r}")
    suite = get_cryptosuite(proof.get("cryptosuite"), PROOF_VERIFICATION_ERROR)
    if "previousProof" in proof:
        raise VCError(PROOF_VERIFICATION_ERROR, "proof chains (previousProof) are not supported")
    purpose = proof.get("proofPurpose")
    if purpose != expected_purpose:
        raise VCError(PROOF_VERIFICATION_ERROR, f"proofPurpose is {purpose!r}, expected {expected_purpose!r}")
    vm_url = proof.get("verificationMethod")
    if not isinstance(vm_url, str):
        raise VCError(PROOF_VERIFICATION_ERROR, "the proof has no verificationMethod URL")
    signature = decode_proof_value(proof.get("proofValue"))
    if "created" in proof:
        parse_datetime(proof["created"], "created")
    if "expires" in proof and parse_datetime(proof["expires"], "expires") <= now:
        raise VCError(PROOF_VERIFICATION_ERROR, f"the proof expired at {proof['expires']}")
    if "@context" in proof and proof["@context"] != unsecured.get("@context"):
        raise VCError(PROOF_VERIFICATION_ERROR, "the proof's @context differs from the document's @context")
    for key, value in proof.items():
        # Proof options are names and dates: a nested object would add blank nodes
        # to canonicalize (a cheap way to burn a verifier's CPU) for no purpose.
        if key != "@context" and not _is_option_value(value):
            raise VCError(PROOF_VERIFICATION_ERROR, f"proof option {key!r} must be a string, a number or a list of strings")
    if challenge is not None and proof.get("challenge") != challenge:
        raise VCError(INVALID_CHALLENGE_ERROR, "the proof's challenge does not match the expected challenge")
    if domain is not None:
        _check_domain(proof.get("domain"), domain)

    method = resolve_verification_method(vm_url, resolver, purpose=expected_purpose)
    public_key = method.public_key
    suite.check_key_type(public_key.type, PROOF_VERIFICATION_ERROR)
    # Before canonicalizing: a malformed signature should cost nothing.
    suite.check_signature_length(signature, public_key.type)

    options = {key: value for key, value in proof.items() if key != "proofValue"}
    # Keyed by transformation, not suite family: ecdsa-rdfc-2019 with P-384
    # canonicalizes differently (RDFC-1.0 with SHA-384) from the SHA-256 suites.
    kind = suite.transformation_key(public_key.type)
    cached = transformed.get(kind)
    data = suite.hash_input(unsecured, options, key_type=public_key.type, loader=loader, transformed_document=cached)
    transformed[kind] = data.canonical_document
    suite.verify_signature(data.hash_data, signature, public_key)
    return ProofResult(method, suite.name, dict(proof))


def _check_domain(actual: Any, expected: str | Sequence[str]) -> None:
    wanted = {expected} if isinstance(expected, str) else set(expected)
    if isinstance(actual, str):
        have = {actual}
    elif isinstance(actual, list) and all(isinstance(item, str) for item in actual):
        have = set(actual)
    else:
        raise VCError(INVALID_DOMAIN_ERROR, "the proof has no domain, but one is expected")
    if not wanted & have:
        raise VCError(INVALID_DOMAIN_ERROR, "the proof's domain does not match the expected domain")

