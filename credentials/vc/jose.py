"""VC-JOSE: verifiable credentials and presentations secured as compact JWS.

Implements the JOSE part of "Securing Verifiable Credentials using JOSE and
COSE" (W3C Recommendation, https://www.w3.org/TR/vc-jose-cose/) for VC Data
Model 2.0: the JWS payload *is* the credential (media type ``vc+jwt``) or the
presentation (``vp+jwt``).

The verifier is deliberately narrower than RFC 7515 allows, because every
freedom of JOSE is an attack surface (RFC 8725, "JWT Best Current Practices"):

* the algorithm comes from an allow-list (``EdDSA``, ``ES256``, ``ES384``) and
  must be the one algorithm of the resolved key's type, so ``none``, HMAC with a
  public key as the secret, and cross-curve confusion are impossible;
* the key is found only by dereferencing ``kid`` (a DID URL) through the DID
  resolver, and only after checking that the DID is the credential's issuer (or
  the presentation's holder); header parameters that carry or point at a key
  (``jwk``, ``jku``, ``x5u``, ``x5c``) are refused outright, as is ``crit``;
* ``typ`` is required (explicit typing, RFC 8725 §3.11), so a ``vp+jwt`` or an
  unrelated JWT is never accepted as a ``vc+jwt``;
* base64url is strict (no padding, no stray bits) and JSON is strict
  (:func:`credentials.vc.jsonutil.loads`).

Issuance writes the credential unchanged as the payload: no ``iss``/``iat``
claims are added, as in the Recommendation's own examples, so that the verified
document is exactly the issued credential. The verifier still accepts ``iss``
and checks it equals the issuer (§6.1.1 "iss": it MUST match), and honours
``exp``/``nbf`` with no clock leeway.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from .errors import (
    CRYPTOGRAPHIC_SECURITY_ERROR,
    INVALID_CHALLENGE_ERROR,
    INVALID_DOMAIN_ERROR,
    INVALID_VERIFICATION_METHOD_URL,
    MALFORMED_VALUE_ERROR,
    PARSING_ERROR,
    PROOF_GENERATION_ERROR,
    RANGE_ERROR,
    VCError,
)
from .jsonutil import dumps, loads
from .model import party_id

if TYPE_CHECKING:
    from identity.did import DIDResolver, VerificationMethod
    from identity.keys import Signer

__all__ = [
    "MAX_TOKEN_LENGTH",
    "JoseResult",
    "b64url_decode",
    "b64url_encode",
    "decode_unverified",
    "issue_vc_jwt",
    "issue_vp_jwt",
    "verify_vc_jwt",
    "verify_vp_jwt",
]

VC_TYP = "vc+jwt"
VP_TYP = "vp+jwt"

# A diploma with an embedded image can run to a few hundred kilobytes; 4 MiB of
# token text is far beyond any real credential and bounds the work an attacker
# can make us do before the signature is checked.
MAX_TOKEN_LENGTH = 4 * 1024 * 1024

# Exact signature sizes: EdDSA is R||S, ECDSA is IEEE P1363 r||s.
_SIGNATURE_LENGTH = {"EdDSA": 64, "ES256": 64, "ES384": 96}

# Header parameters that carry or point at a key. The key must come from the
# issuer's DID document alone; a key supplied by the token is the attacker's.
_KEY_CARRYING_HEADERS = ("jwk", "jku", "x5u", "x5c")

# JWT claims that are not VC/VP properties; payloads carrying the VC 1.1 style
# wrappers are rejected because VC-JOSE-COSE §3.1.1 says they MUST NOT appear.
_FORBIDDEN_CLAIMS = ("vc", "vp")

# cty values we accept for each typ (compared case-insensitively, with the
# optional "application/" prefix removed as RFC 7515 §4.1.10 allows).
_CTY = {VC_TYP: {"vc", "vc+ld+json"}, VP_TYP: {"vp", "vp+ld+json"}}

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


@dataclass(frozen=True)
class JoseResult:
    """A verified compact JWS.

    ``document`` is the decoded payload, unchanged (VC-JOSE-COSE §7.1: the
    document returned is the JWS payload); ``media_type`` is ``"vc"`` or
    ``"vp"``; ``verification_method`` is the key that verified the signature,
    as resolved from the DID document.
    """

    document: dict[str, Any]
    header: dict[str, Any]
    verification_method: VerificationMethod
    media_type: str

    @property
    def credential(self) -> dict[str, Any]:
        """The verified credential (the payload of a ``vc+jwt``)."""
        return self.document

    @property
    def presentation(self) -> dict[str, Any]:
        """The verified presentation (the payload of a ``vp+jwt``)."""
        return self.document


# --------------------------------------------------------------------------- base64url


def b64url_encode(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, *, what: str = "value", code: str = PARSING_ERROR) -> bytes:
    """Strict base64url decoding: URL-safe alphabet only, no padding, canonical.

    A canonical encoding has zero bits in the unused low bits of the last
    character; accepting others would let several strings decode to the same
    bytes. Failures raise ``VCError(code)``.
    """
    if not isinstance(text, str) or not _B64URL.fullmatch(text) or len(text) % 4 == 1:
        raise VCError(code, f"{what} is not unpadded base64url")
    try:
        data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise VCError(code, f"{what} is not unpadded base64url") from None
    if b64url_encode(data) != text:
        raise VCError(code, f"{what} is not canonical base64url")
    return data


# --------------------------------------------------------------------------- issuing



def _did_of(url: str) -> str:
    return url.split("#", 1)[0].split("?", 1)[0]


def _sign_compact(header: dict[str, Any], payload: dict[str, Any], signer: Signer) -> str:
    signing_input = b64url_encode(dumps(header).encode("utf-8")) + "." + b64url_encode(dumps(payload).encode("utf-8"))
    signature = signer.sign(signing_input.encode("ascii"))
    expected = _SIGNATURE_LENGTH.get(signer.algorithm)
    if expected is None or len(signature) != expected:
        raise VCError(PROOF_GENERATION_ERROR, f"signer produced an unusable {signer.algorithm} signature")
    return signing_input + "." + b64url_encode(signature)


def _check_signer(signer: Signer, kid: str | None) -> str:
    if signer.algorithm not in _SIGNATURE_LENGTH:
        raise VCError(PROOF_GENERATION_ERROR, f"algorithm {signer.algorithm!r} is not supported for JOSE")
    kid = kid if kid is not None else signer.verification_method
    if not isinstance(kid, str) or not kid.startswith("did:") or "#" not in kid:
        raise VCError(PROOF_GENERATION_ERROR, "kid must be an absolute DID URL with a fragment")
    return kid


def issue_vc_jwt(credential: Mapping[str, Any], *, signer: Signer, kid: str | None = None) -> str:
    """Secure ``credential`` as a compact ``vc+jwt`` (VC-JOSE-COSE §3.1.1).

    The header is ``{"alg", "typ": "vc+jwt", "cty": "vc", "kid"}`` with ``alg``
    taken from the signer's key and ``kid`` defaulting to the signer's
    verification method. The payload is the credential, unchanged. Raises
    ``VCError(PROOF_GENERATION_ERROR)`` when the key does not belong to the
    credential's issuer (such a token could never verify).
    """
    if not isinstance(credential, Mapping):
        raise VCError(PROOF_GENERATION_ERROR, "the credential must be a JSON object")
    kid = _check_signer(signer, kid)
    issuer = party_id(credential.get("issuer"))
    if issuer is None:
        raise VCError(PROOF_GENERATION_ERROR, "the credential has no issuer id")
    if _did_of(kid) != issuer:
        raise VCError(PROOF_GENERATION_ERROR, f"key {kid} does not belong to the issuer {issuer}")
    for claim in _FORBIDDEN_CLAIMS:
        if claim in credential:
            raise VCError(PROOF_GENERATION_ERROR, f"the JWT claim {claim!r} must not be present")
    header = {"alg": signer.algorithm, "typ": VC_TYP, "cty": "vc", "kid": kid}
    return _sign_compact(header, dict(credential), signer)


def issue_vp_jwt(
    presentation: Mapping[str, Any],
    *,
    signer: Signer,
    nonce: str,
    audience: str | None = None,
    kid: str | None = None,
) -> str:
    """Secure ``presentation`` as a compact ``vp+jwt``.

    ``nonce`` (the verifier's challenge) and ``audience`` (its domain, the
    ``aud`` claim) are added to the payload so the presentation cannot be
    replayed to another verifier or another session. When the presentation
    names a ``holder``, the key must belong to it.
    """
    if not isinstance(presentation, Mapping):
        raise VCError(PROOF_GENERATION_ERROR, "the presentation must be a JSON object")
    if not isinstance(nonce, str) or not nonce:
        raise VCError(PROOF_GENERATION_ERROR, "a non-empty nonce is required")
    kid = _check_signer(signer, kid)
    if "holder" in presentation:
        holder = party_id(presentation["holder"])
        if holder is None or _did_of(kid) != holder:
            raise VCError(PROOF_GENERATION_ERROR, f"key {kid} does not belong to the holder")
    for claim in _FORBIDDEN_CLAIMS:
        if claim in presentation:
            raise VCError(PROOF_GENERATION_ERROR, f"the JWT claim {claim!r} must not be present")
    payload = dict(presentation)
    payload["nonce"] = nonce
    if audience is not None:
        payload["aud"] = audience
    header = {"alg": signer.algorithm, "typ": VP_TYP, "cty": "vp", "kid": kid}
    return _sign_compact(header, payload, signer)


# --------------------------------------------------------------------------- verifying


def _media_type(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    lowered = value.lower()
    return lowered[len("application/"):] if lowered.startswith("application/") else lowered


def _split(token: Any) -> tuple[str, str, str]:
    if isinstance(token, bytes):
        try:
            token = token.decode("ascii")
        except UnicodeDecodeError:
            raise VCError(PARSING_ERROR, "the JWT is not ASCII") from None
    if not isinstance(token, str):
        raise VCError(PARSING_ERROR, "the JWT must be a string")
    token = token.strip()
    if len(token) > MAX_TOKEN_LENGTH:
        raise VCError(PARSING_ERROR, f"the JWT is longer than {MAX_TOKEN_LENGTH} characters")
    parts = token.split(".")
    if len(parts) != 3:
        raise VCError(PARSING_ERROR, "a compact JWS has exactly three base64url segments")
    return parts[0], parts[1], parts[2]


def _decode_json_segment(segment: str, what: str) -> dict[str, Any]:
    value = loads(b64url_decode(segment, what=f"the JWS {what}"))
    if not isinstance(value, dict):
        raise VCError(PARSING_ERROR, f"the JWS {what} must be a JSON object")
    return value


def decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return ``(header, payload)`` of a compact JWS without verifying anything.

    For display and routing only; never trust the result. Parsing is as strict
    as in verification.
    """
    h, p, _ = _split(token)
    return _decode_json_segment(h, "header"), _decode_json_segment(p, "payload")


def _check_header(header: dict[str, Any], typ: str) -> str:
    """Validate the protected header; return the algorithm. Nothing is resolved yet."""
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in _SIGNATURE_LENGTH:
        # Covers "none", HS*/RS*/PS*, ES256K, unknown and non-string values.
        raise VCError(CRYPTOGRAPHIC_SECURITY_ERROR, f"JWS algorithm {alg!r} is not allowed")
    for name in _KEY_CARRYING_HEADERS:
        if name in header:
            raise VCError(
                CRYPTOGRAPHIC_SECURITY_ERROR,
                f"header parameter {name!r} is refused: the key comes only from the issuer's DID document",
            )
    if "crit" in header:
        raise VCError(CRYPTOGRAPHIC_SECURITY_ERROR, "critical header extensions ('crit') are not supported")
    if "b64" in header:
        # RFC 7797 unencoded payloads change what is signed; never needed here.
        raise VCError(CRYPTOGRAPHIC_SECURITY_ERROR, "header parameter 'b64' is not supported")
    if "typ" not in header:
        raise VCError(MALFORMED_VALUE_ERROR, f"the JWS header has no 'typ' (expected {typ!r})")
    if _media_type(header["typ"]) != typ:
        raise VCError(MALFORMED_VALUE_ERROR, f"JWS typ {header['typ']!r} is not {typ!r}")
    if "cty" in header and _media_type(header["cty"]) not in _CTY[typ]:
        raise VCError(MALFORMED_VALUE_ERROR, f"JWS cty {header['cty']!r} is not allowed with {typ!r}")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise VCError(MALFORMED_VALUE_ERROR, "the JWS header has no 'kid'; the key cannot be found")
    return alg


def _absolute_kid(kid: str, party: str) -> str:
    """Make ``kid`` an absolute DID URL; a bare fragment is relative to ``party``'s DID."""
    if kid.startswith("#"):
        kid = party + kid
    if not kid.startswith("did:") or "#" not in kid or len(kid.split("#", 1)[1]) == 0:
        raise VCError(INVALID_VERIFICATION_METHOD_URL, f"kid {kid!r} is not a DID URL with a fragment")
    return kid


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise VCError(MALFORMED_VALUE_ERROR, f"JWT claim {name!r} must be a NumericDate")
    try:
        return float(value)
    except OverflowError:  # an integer beyond any double, e.g. 10**400
        raise VCError(MALFORMED_VALUE_ERROR, f"JWT claim {name!r} is out of range") from None


def _check_times(payload: Mapping[str, Any], now: datetime) -> None:
    # No leeway: issuer and verifier clocks are NTP-synchronised servers, and a
    # signature that is not yet or no longer valid should not be stretched.
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    current = now.timestamp()
    if "exp" in payload and current >= _number(payload["exp"], "exp"):
        raise VCError(RANGE_ERROR, "the JWT has expired (exp)")
    if "nbf" in payload and current < _number(payload["nbf"], "nbf"):
        raise VCError(RANGE_ERROR, "the JWT is not yet valid (nbf)")
    if "iat" in payload:
        _number(payload["iat"], "iat")


def _verify(
    token: Any,
    *,
    typ: str,
    party_property: str,
    purpose: str,
    resolver: DIDResolver,
    now: datetime,
) -> tuple[dict[str, Any], dict[str, Any], VerificationMethod]:
    header_b64, payload_b64, signature_b64 = _split(token)
    header = _decode_json_segment(header_b64, "header")
    alg = _check_header(header, typ)
    signature = b64url_decode(signature_b64, what="the JWS signature")
    if len(signature) != _SIGNATURE_LENGTH[alg]:
        raise VCError(CRYPTOGRAPHIC_SECURITY_ERROR, f"{alg} signature must be {_SIGNATURE_LENGTH[alg]} bytes")
    payload = _decode_json_segment(payload_b64, "payload")
    for claim in _FORBIDDEN_CLAIMS:
        if claim in payload:
            raise VCError(MALFORMED_VALUE_ERROR, f"JWT claim {claim!r} must not be present (VC 1.1 style is not accepted)")

    # Bind the key to the issuer (holder) *before* resolving anything, so that a
    # token can make us resolve only the DID it claims to come from.
    party = party_id(payload.get(party_property)) if party_property in payload else None
    if party_property in payload and party is None:
        raise VCError(MALFORMED_VALUE_ERROR, f"{party_property} must be a URL or an object with an id")
    if party is None and party_property == "issuer":
        raise VCError(MALFORMED_VALUE_ERROR, "the credential has no issuer")
    if "iss" in payload:
        iss = payload["iss"]
        if not isinstance(iss, str):
            raise VCError(MALFORMED_VALUE_ERROR, "JWT claim 'iss' must be a string")
        # The issuer signed both values, so a mismatch is an inconsistent document,
        # not a forgery: MALFORMED_VALUE_ERROR (VC-JOSE-COSE §6.1.1).
        if party is not None and iss != party:
            raise VCError(MALFORMED_VALUE_ERROR, f"JWT claim iss {iss!r} does not match {party_property} {party!r}")
        party = party or iss
    kid = header["kid"]
    if kid.startswith("#") and party is None:
        raise VCError(INVALID_VERIFICATION_METHOD_URL, f"relative kid {kid!r} with no {party_property} to resolve it against")
    kid = _absolute_kid(kid, party or "")
    if party is not None and _did_of(kid) != party:
        # A key of some other DID (typically the attacker's own did:key) signing
        # a document that names the victim as issuer: a forgery attempt.
        raise VCError(CRYPTOGRAPHIC_SECURITY_ERROR, f"kid {kid} is not a key of the {party_property} {party}")

    from identity.did import resolve_verification_method

    method = resolve_verification_method(kid, resolver, purpose=purpose)
    if method.public_key.jose_alg != alg:
        raise VCError(
            CRYPTOGRAPHIC_SECURITY_ERROR,
            f"alg {alg} cannot be used with a {method.public_key.type.value} key",
        )
    from cryptography.exceptions import InvalidSignature

    signing_input = (header_b64 + "." + payload_b64).encode("ascii")
    try:
        method.public_key.verify(signature, signing_input)
    except InvalidSignature:
        raise VCError(CRYPTOGRAPHIC_SECURITY_ERROR, "the JWS signature does not verify") from None
    _check_times(payload, now)
    return header, payload, method


def verify_vc_jwt(token: str, *, resolver: DIDResolver, now: datetime) -> JoseResult:
    """Verify a compact ``vc+jwt`` and return the credential it secures.

    The signing key is ``kid`` (absolute, or a fragment relative to the
    issuer), resolved with ``assertionMethod``; its DID must be the
    credential's ``issuer``. ``now`` (timezone-aware) is compared with ``exp``
    and ``nbf`` without leeway. Data-model checks (``validFrom``/``validUntil``,
    status) are the pipeline's, not this function's. Raises :class:`VCError`:
    ``PARSING_ERROR`` (not a JWS, bad base64url/JSON), ``CRYPTOGRAPHIC_SECURITY_ERROR``
    (algorithm, key-carrying or critical headers, key not the issuer's, key and
    algorithm mismatch, bad signature), ``MALFORMED_VALUE_ERROR`` (typ/cty,
    missing kid or issuer, ``iss`` ≠ issuer), ``RANGE_ERROR`` (exp/nbf) and the
    resolver's codes.
    """
    header, payload, method = _verify(
        token, typ=VC_TYP, party_property="issuer", purpose="assertionMethod", resolver=resolver, now=now
    )
    return JoseResult(payload, header, method, "vc")


def _audience_matches(aud: Any, audience: str) -> bool:
    if isinstance(aud, str):
        return aud == audience
    if isinstance(aud, list) and all(isinstance(a, str) for a in aud):
        return audience in aud
    raise VCError(MALFORMED_VALUE_ERROR, "JWT claim 'aud' must be a string or an array of strings")


def verify_vp_jwt(
    token: str,
    *,
    resolver: DIDResolver,
    nonce: str | None,
    audience: str | None,
    now: datetime,
) -> JoseResult:
    """Verify a compact ``vp+jwt`` and return the presentation it secures.

    The key is resolved with ``authentication``; when the presentation names a
    ``holder`` the key must be the holder's. ``nonce`` must equal the payload's
    ``nonce`` claim (``INVALID_CHALLENGE_ERROR``) and ``audience`` must be the
    ``aud`` claim or one of its values (``INVALID_DOMAIN_ERROR``); pass ``None``
    only where replay does not matter, which skips that check. Embedded
    credentials are not verified here. Other errors as :func:`verify_vc_jwt`.
    """
    header, payload, method = _verify(
        token, typ=VP_TYP, party_property="holder", purpose="authentication", resolver=resolver, now=now
    )
    if nonce is not None:
        got = payload.get("nonce")
        if not isinstance(got, str) or not hmac.compare_digest(got.encode("utf-8"), nonce.encode("utf-8")):
            raise VCError(INVALID_CHALLENGE_ERROR, "the presentation's nonce does not match the challenge")
    if audience is not None:
        if "aud" not in payload or not _audience_matches(payload["aud"], audience):
            raise VCError(INVALID_DOMAIN_ERROR, "the presentation is not addressed to this verifier (aud)")
    return JoseResult(payload, header, method, "vp")
