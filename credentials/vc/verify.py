"""The verification pipeline: one ordered list of checks, each explained.

``verify_credential`` runs, in order: structure (VC Data Model), proof (Data
Integrity, VC-JOSE or legacy Ed25519Signature2018), issuer (the proof's
verification method belongs to the credential's issuer), status (Bitstring Status
List) and validity (``validFrom``/``validUntil``). ``checks`` selects among the last
four, like VC-API's ``options.checks``; the structure check always runs. A check
that cannot run because an earlier one failed is ``skipped``.

The result carries the verified document only: nothing is returned when
verification fails, and for a VC-JWT the document is the verified payload, never
the unverified header or anything outside the signature.
"""

from __future__ import annotations

import base64
import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, ParamSpec, TypeVar

from . import model
from .documents import BUNDLED, DocumentLoader
from .jsonld import current_work_budget, to_rdf, work_budget
from .errors import (
    INVALID_VERIFICATION_METHOD,
    MALFORMED_VALUE_ERROR,
    PARSING_ERROR,
    PROOF_VERIFICATION_ERROR,
    RANGE_ERROR,
    STATUS_RETRIEVAL_ERROR,
    VCError,
)
from .jsonutil import loads

CHECKS: tuple[str, ...] = ("proof", "issuer", "status", "validity")
PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"

_COMPACT_JWS = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$")
_ENVELOPED_PREFIXES = ("data:application/vc+jwt,", "data:application/vc+sd-jwt,")
# Every embedded credential may cost DID resolutions and status checks: a bound
# keeps one presentation (one request) from becoming a denial of service.
MAX_PRESENTED_CREDENTIALS = 100
# Status lists may be fetched over the network: bound how many one verification
# (a credential, or a presentation with all its credentials) may name.
MAX_STATUS_ENTRIES = 16
MAX_STATUS_LISTS = 8


class _BoundedLists(Mapping[str, Any]):
    """A view of the caller's status lists that serves at most ``limit`` distinct URLs."""

    def __init__(self, lists: Mapping[str, Any], limit: int = MAX_STATUS_LISTS) -> None:
        self._lists = lists
        self._limit = limit
        self._seen: set[str] = set()
        # issuer -> list URL -> verified list, filled by status.check_status so
        # that one list is verified and inflated once per verification.
        self.verified_lists: dict[Any, dict[str, Any]] = {}

    def __contains__(self, url: object) -> bool:
        return url in self._lists

    def __getitem__(self, url: str) -> Any:
        if url not in self._seen:
            if len(self._seen) >= self._limit:
                raise VCError(STATUS_RETRIEVAL_ERROR, f"more than {self._limit} status lists in one verification")
            self._seen.add(url)
        return self._lists[url]

    def __iter__(self) -> Iterator[str]:
        return iter(self._lists)

    def __len__(self) -> int:
        return len(self._lists)

    def __bool__(self) -> bool:
        return True


@dataclass
class Check:
    """One step of verification and its outcome."""

    check: str
    status: str
    code: str | None = None
    message: str = ""
    detail: dict[str, Any] | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"check": self.check, "status": self.status, "code": self.code, "message": self.message}
        if self.detail:
            out.update(self.detail)
        return out


@dataclass
class VerificationResult:
    """Ordered checks, the overall verdict and the verified document (or ``None``)."""

    verified: bool
    checks: list[Check]
    document: Any = None
    format: str = ""
    credentials: list[VerificationResult] = field(default_factory=list)

    @property
    def errors(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAILED]

    @property
    def warnings(self) -> list[Check]:
        return [c for c in self.checks if c.status == SKIPPED and c.code]

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "verified": self.verified,
            "format": self.format,
            "checks": [c.as_dict() for c in self.checks],
            "errors": [{"check": c.check, "code": c.code, "message": c.message} for c in self.errors],
            "warnings": [{"check": c.check, "code": c.code, "message": c.message} for c in self.warnings],
            "document": self.document if self.verified else None,
        }
        if self.credentials:
            out["credentials"] = [r.as_dict() for r in self.credentials]
        return out


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _b64url_json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded)
    except ValueError:
        raise VCError(PARSING_ERROR, "a JWS segment is not base64url") from None
    return loads(raw)


def parse_input(value: Any) -> tuple[str, Any]:
    """Classify and parse a credential or presentation as given by a caller.

    Returns ``(format, parsed)`` where format is ``"jwt"`` (parsed is the compact
    token), ``"json"`` (parsed is the object). Raises ``PARSING_ERROR`` when the
    input is neither a JSON object nor a compact JWS.
    """
    if isinstance(value, Mapping):
        return "json", value
    if isinstance(value, (bytes, bytearray)):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            raise VCError(PARSING_ERROR, "input is not UTF-8") from None
    if isinstance(value, str):
        text = value.strip()
        if _COMPACT_JWS.match(text):
            return "jwt", text
        parsed = loads(text)
        if isinstance(parsed, Mapping):
            return "json", parsed
        if isinstance(parsed, str) and _COMPACT_JWS.match(parsed.strip()):
            return "jwt", parsed.strip()
        raise VCError(PARSING_ERROR, "expected a JSON object or a compact JWS")
    raise VCError(PARSING_ERROR, "expected a JSON object or a compact JWS")


def _normalize_checks(checks: Iterable[str] | None) -> tuple[str, ...]:
    if checks is None:
        return CHECKS
    chosen = tuple(checks)
    if not chosen:
        # "verified" after no check at all would vouch for anything.
        raise VCError(MALFORMED_VALUE_ERROR, f"choose at least one check of {list(CHECKS)}")
    unknown = [c for c in chosen if c not in CHECKS]
    if unknown:
        raise VCError(MALFORMED_VALUE_ERROR, f"unknown check(s) {unknown}; known: {list(CHECKS)}")
    return chosen


def _failed(name: str, exc: VCError) -> Check:
    return Check(name, FAILED, exc.code, exc.message)


def _skipped(name: str, message: str, code: str | None = None) -> Check:
    return Check(name, SKIPPED, code, message)


def _proof_types(document: Mapping[str, Any]) -> list[Any]:
    proof = document.get("proof")
    proofs = proof if isinstance(proof, list) else [proof]
    return [p.get("type") for p in proofs if isinstance(p, Mapping)]


class _ProofOutcome:
    """What the proof step learned: who signed, and the document it covers."""

    def __init__(self, controller: str | None, vm_id: str | None, document: Any, kind: str) -> None:
        self.controller = controller
        self.vm_id = vm_id
        self.document = document
        self.kind = kind


def _verify_json_proof(
    document: Mapping[str, Any],
    *,
    resolver: Any,
    loader: DocumentLoader,
    purpose: str,
    challenge: str | None,
    domain: str | Sequence[str] | None,
    now: datetime,
    presentation: bool,
) -> _ProofOutcome:
    types = _proof_types(document)
    if "proof" not in document or not types:
        raise VCError(PROOF_VERIFICATION_ERROR, "the document has no proof")
    if all(t == "Ed25519Signature2018" for t in types):
        from identity.did import resolve_verification_method

        from . import legacy

        proof = document["proof"]
        vm_url = proof.get("verificationMethod") if isinstance(proof, Mapping) else None
        if not isinstance(vm_url, str):
            raise VCError(PROOF_VERIFICATION_ERROR, "the proof has no verificationMethod")
        # didkit's JSON-LD processor is not in safe mode: our own refuses aliases,
        # dropped terms and the like, so that the JSON this pipeline reads says
        # what the signed graph says. Our resolver enforces the verification
        # relationship; didkit does the crypto.
        to_rdf({key: value for key, value in document.items() if key != "proof"}, loader=loader)
        method = resolve_verification_method(vm_url, resolver, purpose=purpose)
        legacy.verify(
            document,
            expected_purpose=purpose,
            presentation=presentation,
            challenge=challenge,
            domain=domain,
        )
        return _ProofOutcome(method.controller, method.id, document, "Ed25519Signature2018")
    from . import suites

    proofs = suites.verify_proofs(
        document,
        resolver=resolver,
        expected_purpose=purpose,
        challenge=challenge,
        domain=domain,
        loader=loader,
        now=now,
    )
    # Every proof of a set verified; the issuer (holder) signed if any of them is theirs.
    party = model.party_id(document.get("holder" if presentation else "issuer"))
    result = next((p for p in proofs if p.verification_method.controller == party), proofs[0])
    method = result.verification_method
    return _ProofOutcome(method.controller, method.id, document, result.cryptosuite)


def _resolve_controller(vm_url: Any, resolver: Any, purpose: str) -> tuple[str, str]:
    from identity.did import resolve_verification_method

    if not isinstance(vm_url, str):
        raise VCError(PROOF_VERIFICATION_ERROR, "the proof has no verificationMethod")
    method = resolve_verification_method(vm_url, resolver, purpose=purpose)
    return method.controller, method.id


def _status_check(
    document: Mapping[str, Any],
    *,
    resolver: Any,
    loader: DocumentLoader,
    status_lists: Mapping[str, Any],
    now: datetime,
) -> Check:
    if "credentialStatus" not in document:
        return _skipped("status", "the credential has no credentialStatus")
    entries_given = document["credentialStatus"]
    if isinstance(entries_given, list) and len(entries_given) > MAX_STATUS_ENTRIES:
        return Check("status", FAILED, RANGE_ERROR,
                     f"{len(entries_given)} status entries exceed the limit of {MAX_STATUS_ENTRIES}")
    from . import status as status_mod

    try:
        results = status_mod.check_status(
            document, status_lists=status_lists, resolver=resolver, loader=loader, now=now
        )
    except VCError as exc:
        return _failed("status", exc)
    entries = [r.as_dict() for r in results]
    outcomes = [r.status for r in results]
    for r in results:
        if r.status in ("revoked", "suspended"):
            return Check("status", FAILED, r.code or r.status.upper(), r.message or f"the credential is {r.status}",
                         {"outcome": r.status, "entries": entries})
        if r.status == "error":
            return Check("status", FAILED, r.code or STATUS_RETRIEVAL_ERROR, r.message, {"outcome": "error", "entries": entries})
    if any(o == "unknown" for o in outcomes):
        first = next(r for r in results if r.status == "unknown")
        return Check(
            "status",
            SKIPPED,
            first.code or STATUS_RETRIEVAL_ERROR,
            first.message or "status unknown: the status list was not supplied",
            {"outcome": "unknown", "entries": entries},
        )
    return Check("status", PASSED, None, "not revoked or suspended", {"outcome": "ok", "entries": entries})


# JSON-LD/RDFC work units one verification may spend in all (a presentation and
# every credential in it together): ~100 times an ordinary diploma, a fraction of
# a second at worst, so a crafted input costs the verifier little.
VERIFICATION_WORK_BUDGET = 200_000
_P = ParamSpec("_P")
_R = TypeVar("_R")


def _budgeted(fn: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run ``fn`` inside one shared work budget, unless a caller already opened one."""

    @functools.wraps(fn)
    def wrapper(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        if current_work_budget() is not None:
            return fn(*args, **kwargs)
        with work_budget(VERIFICATION_WORK_BUDGET):
            return fn(*args, **kwargs)

    return wrapper


@_budgeted
def verify_credential(
    credential: Any,
    *,
    resolver: Any,
    loader: DocumentLoader = BUNDLED,
    checks: Iterable[str] | None = None,
    status_lists: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> VerificationResult:
    """Verify a credential (JSON object, JSON text or compact VC-JWT).

    Raises :class:`VCError` (``PARSING_ERROR``) only when the input is not a
    credential at all; every other problem is a failed check in the result.
    """
    wanted = _normalize_checks(checks)
    now = now or _utcnow()
    kind, parsed = parse_input(credential)
    results: list[Check] = []

    # For a JWT the signature is checked first (decoding the payload once), but the
    # outcome is reported in the usual order; a token whose signature fails still
    # gets its structure checked on the unverified payload.
    jwt_outcome: _ProofOutcome | VCError | None = None
    if kind == "jwt" and "proof" in wanted:
        from . import jose

        try:
            jwt_result = jose.verify_vc_jwt(parsed, resolver=resolver, now=now)
            vm = jwt_result.verification_method
            jwt_outcome = _ProofOutcome(vm.controller, vm.id, jwt_result.credential, "vc+jwt")
        except VCError as exc:
            jwt_outcome = exc

    # Structure: for a JWT, the payload is what the proof covers.
    try:
        if isinstance(jwt_outcome, _ProofOutcome):
            document = jwt_outcome.document
        elif kind == "jwt":
            document = _b64url_json(parsed.split(".")[1])
        else:
            document = parsed
        model.check_credential(document)
        results.append(Check("structure", PASSED, None, "VC Data Model"))
    except VCError as exc:
        results.append(_failed("structure", exc))
        results.extend(_skipped(name, "the credential is malformed") for name in wanted)
        return VerificationResult(False, _in_order(results), None, "vc+jwt" if kind == "jwt" else "ldp_vc")
    fmt = "vc+jwt" if kind == "jwt" else "ldp_vc"

    outcome: _ProofOutcome | None = None
    proof_ok = True
    if "proof" in wanted:
        try:
            if isinstance(jwt_outcome, VCError):
                raise jwt_outcome
            if isinstance(jwt_outcome, _ProofOutcome):
                outcome = jwt_outcome
            else:
                outcome = _verify_json_proof(
                    document, resolver=resolver, loader=loader, purpose="assertionMethod",
                    challenge=None, domain=None, now=now, presentation=False,
                )
            results.append(Check("proof", PASSED, None, f"{outcome.kind} signature by {outcome.vm_id}"))
        except VCError as exc:
            proof_ok = False
            results.append(_failed("proof", exc))

    if "issuer" in wanted:
        try:
            issuer = model.issuer_id(document)
            if outcome is not None:
                controller, vm_id = outcome.controller, outcome.vm_id
            elif not proof_ok:
                raise _SkipCheck("the proof did not verify")
            elif kind == "jwt":
                kid = _b64url_json(parsed.split(".")[0]).get("kid")
                if isinstance(kid, str) and kid.startswith("#"):
                    kid = issuer + kid
                controller, vm_id = _resolve_controller(kid, resolver, "assertionMethod")
            else:
                proof = document.get("proof")
                first = proof[0] if isinstance(proof, list) and proof else proof
                if not isinstance(first, Mapping):
                    raise VCError(PROOF_VERIFICATION_ERROR, "the credential has no proof")
                controller, vm_id = _resolve_controller(first.get("verificationMethod"), resolver, "assertionMethod")
            if controller != issuer:
                raise VCError(
                    INVALID_VERIFICATION_METHOD,
                    f"the verification method {vm_id} is controlled by {controller}, not by the issuer {issuer}",
                )
            results.append(Check("issuer", PASSED, None, f"signed by the issuer {issuer}"))
        except _SkipCheck as skip:
            results.append(_skipped("issuer", str(skip)))
        except VCError as exc:
            results.append(_failed("issuer", exc))

    if "status" in wanted:
        if not proof_ok or any(c.check == "issuer" and c.status != PASSED for c in results):
            # Looking up (perhaps fetching) the status lists a forged credential
            # names would only let anyone make the verifier fetch URLs of their choice.
            results.append(_skipped("status", "not checked: the proof or the issuer did not verify"))
        else:
            lists = status_lists if isinstance(status_lists, _BoundedLists) else _BoundedLists(
                {} if status_lists is None else status_lists
            )
            results.append(_status_check(document, resolver=resolver, loader=loader, status_lists=lists, now=now))

    if "validity" in wanted:
        try:
            model.check_validity(document, now=now)
            results.append(Check("validity", PASSED, None, "within its validity period"))
        except VCError as exc:
            results.append(_failed("validity", exc))

    verified = not any(c.status == FAILED for c in results)
    return VerificationResult(verified, _in_order(results), document if verified else None, fmt)


def _in_order(results: list[Check]) -> list[Check]:
    """Every check in pipeline order; one that was not asked for says so.

    ``verified`` only vouches for the checks that ran, so the result must show
    which did not (a caller that left out ``issuer`` has not learnt who signed).
    """
    ran = {check.check: check for check in results}
    return [ran["structure"]] + [
        ran.get(name) or Check(name, SKIPPED, None, "not requested") for name in CHECKS
    ]


class _SkipCheck(Exception):
    pass


def _embedded_credentials(presentation: Mapping[str, Any]) -> list[Any]:
    value = presentation.get("verifiableCredential")
    if value is None:
        return []
    entries = value if isinstance(value, list) else [value]
    if len(entries) > MAX_PRESENTED_CREDENTIALS:
        raise VCError(RANGE_ERROR, f"{len(entries)} credentials exceed the limit of {MAX_PRESENTED_CREDENTIALS} per presentation")
    out: list[Any] = []
    for entry in entries:
        kind = entry.get("type") if isinstance(entry, Mapping) else None
        if "EnvelopedVerifiableCredential" in (kind if isinstance(kind, list) else [kind]):
            ident = entry.get("id")
            if isinstance(ident, str) and ident.startswith(_ENVELOPED_PREFIXES):
                out.append(ident.split(",", 1)[1])
                continue
            raise VCError(MALFORMED_VALUE_ERROR, "an EnvelopedVerifiableCredential needs a data: URL id")
        out.append(entry)
    return out


@_budgeted
def verify_presentation(
    presentation: Any,
    *,
    resolver: Any,
    challenge: str | None,
    domain: str | None = None,
    loader: DocumentLoader = BUNDLED,
    checks: Iterable[str] | None = None,
    status_lists: Mapping[str, Any] | None = None,
    now: datetime | None = None,
) -> VerificationResult:
    """Verify a presentation (Data Integrity with ``authentication``, or vp+jwt).

    The presentation's proof must carry the verifier's ``challenge`` (and ``domain``
    when given); the holder, when named, must control the signing key; every
    embedded credential is verified with ``checks``.
    """
    wanted = _normalize_checks(checks)
    now = now or _utcnow()
    kind, parsed = parse_input(presentation)
    results: list[Check] = []
    fmt = "vp+jwt" if kind == "jwt" else "ldp_vp"
    try:
        document = _b64url_json(parsed.split(".")[1]) if kind == "jwt" else parsed
        model.check_presentation(document)
        credentials = _embedded_credentials(document)
        results.append(Check("structure", PASSED, None, "VC Data Model"))
    except VCError as exc:
        results.append(_failed("structure", exc))
        results.append(_skipped("proof", "the presentation is malformed"))
        return VerificationResult(False, results, None, fmt)

    try:
        if kind == "jwt":
            from . import jose

            vp_result = jose.verify_vp_jwt(parsed, resolver=resolver, nonce=challenge, audience=domain, now=now)
            vm = vp_result.verification_method
            outcome = _ProofOutcome(vm.controller, vm.id, vp_result.presentation, "vp+jwt")
            document = vp_result.presentation
            credentials = _embedded_credentials(document)
        else:
            outcome = _verify_json_proof(
                document, resolver=resolver, loader=loader, purpose="authentication",
                challenge=challenge, domain=domain, now=now, presentation=True,
            )
        results.append(Check("proof", PASSED, None, f"{outcome.kind} signature by {outcome.vm_id}"))
        holder = model.holder_id(document)
        if holder is not None and holder != outcome.controller:
            results.append(
                Check("holder", FAILED, INVALID_VERIFICATION_METHOD,
                      f"the presentation is signed by {outcome.controller}, not by its holder {holder}")
            )
        else:
            results.append(Check("holder", PASSED, None, "signed by the holder" if holder else "no holder named"))
    except VCError as exc:
        results.append(_failed("proof", exc))

    sub_results: list[VerificationResult] = []
    # One bound on status lists for the whole presentation, not one per credential.
    shared_lists = _BoundedLists({} if status_lists is None else status_lists)
    for entry in credentials:
        try:
            sub_results.append(
                verify_credential(entry, resolver=resolver, loader=loader, checks=wanted,
                                  status_lists=shared_lists, now=now)
            )
        except VCError as exc:
            sub_results.append(VerificationResult(False, [_failed("structure", exc)], None, ""))
    if sub_results:
        bad = [i for i, r in enumerate(sub_results) if not r.verified]
        if bad:
            results.append(Check("credentials", FAILED, PROOF_VERIFICATION_ERROR,
                                 f"credential(s) at index {bad} did not verify"))
        else:
            results.append(Check("credentials", PASSED, None, f"{len(sub_results)} credential(s) verified"))
    verified = not any(c.status == FAILED for c in results)
    return VerificationResult(verified, results, document if verified else None, fmt, sub_results)
