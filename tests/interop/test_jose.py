"""VC-JOSE (vc+jwt) against `jose` (panva), for EdDSA, ES256 and ES384.

Our tokens verify with jose's jwtVerify, using a public JWK that the peer derives
from the did:key itself (its own base58 and point decompression, not ours);
tokens jose signs with our header shape verify in our verifier and pipeline.
Tampering, expiry and not-before are judged the same way on both sides.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from credentials.vc import jose
from credentials.vc.errors import CRYPTOGRAPHIC_SECURITY_ERROR, RANGE_ERROR, VCError
from credentials.vc.verify import verify_credential
from identity.did import Resolver
from identity.keys import KeyType
from tests.conftest import FIXTURES, VECTORS, load_json
from tests.interop import peer
from tests.interop.peer import Party

NOW = datetime(2026, 9, 1, tzinfo=UTC)
NOW_TEXT = "2026-09-01T00:00:00Z"
NOW_SECONDS = int(NOW.timestamp())
RESOLVER = Resolver(local={})
ALGS = {KeyType.ED25519: "EdDSA", KeyType.P256: "ES256", KeyType.P384: "ES384"}
PARTIES = {alg: Party(key_type, f"{alg} jose issuer") for key_type, alg in ALGS.items()}


def alumni(issuer: str) -> dict[str, Any]:
    doc = load_json(VECTORS / "vc-di-eddsa" / "unsigned.json")
    doc["issuer"] = issuer
    doc["credentialSubject"]["alumniOf"] = "清华大学 Tsinghua University 🎓"
    return doc


def diploma(issuer: str) -> dict[str, Any]:
    doc = load_json(FIXTURES / "diploma_ob3.json")
    doc["issuer"]["id"] = issuer
    return doc


DOCUMENTS = {"alumni": alumni, "diploma": diploma}
# Claims checked against NOW, with the outcome both sides must agree on: a token
# is expired at exp itself and valid from nbf itself (RFC 7519 §4.1.4, §4.1.5).
TIMES = {
    "exp-past": ({"exp": NOW_SECONDS - 1}, RANGE_ERROR),
    "exp-now": ({"exp": NOW_SECONDS}, RANGE_ERROR),
    "exp-future": ({"exp": NOW_SECONDS + 1}, None),
    "nbf-future": ({"nbf": NOW_SECONDS + 1}, RANGE_ERROR),
    "nbf-now": ({"nbf": NOW_SECONDS}, None),
}


def tamper(token: str) -> str:
    """The same header and signature over a payload with one character changed."""
    header, payload, signature = token.split(".")
    claims = json.loads(jose.b64url_decode(payload))
    claims["credentialSubject"]["id"] = claims["credentialSubject"]["id"] + "x"
    forged = jose.b64url_encode(json.dumps(claims, ensure_ascii=False, separators=(",", ":")).encode())
    return f"{header}.{forged}.{signature}"


@pytest.fixture(scope="module")
def exchange() -> dict[str, Any]:
    keys: list[str] = []
    requests: list[dict[str, Any]] = []
    local: dict[str, Any] = {}
    for alg, party in PARTIES.items():
        for name, make in DOCUMENTS.items():
            doc = make(party.did)
            token = jose.issue_vc_jwt(doc, signer=party.signer)
            local[f"{alg}/{name}"] = {"doc": doc, "token": token}
            keys += [f"{alg}/{name}/verify", f"{alg}/{name}/verify-tampered", f"{alg}/{name}/issue"]
            requests += [
                {"action": "jwt-verify", "token": token, "now": NOW_TEXT},
                {"action": "jwt-verify", "token": tamper(token), "now": NOW_TEXT},
                {"action": "jwt-issue", "payload": doc, "jwk": party.key.jwk(), "kid": party.vm},
            ]
        for case, (claims, _) in TIMES.items():
            doc = {**alumni(party.did), **claims}
            token = jose.issue_vc_jwt(doc, signer=party.signer)
            local[f"{alg}/{case}"] = {"doc": doc, "token": token}
            keys += [f"{alg}/{case}/verify", f"{alg}/{case}/issue"]
            requests += [
                {"action": "jwt-verify", "token": token, "now": NOW_TEXT},
                {"action": "jwt-issue", "payload": doc, "jwk": party.key.jwk(), "kid": party.vm},
            ]
    return {"results": dict(zip(keys, peer.run(requests), strict=True)), "local": local}


CASES = [pytest.param(alg, name, id=f"{alg}-{name}") for alg in PARTIES for name in DOCUMENTS]


@pytest.mark.parametrize(("alg", "name"), CASES)
def test_ours_verifies_with_jose(exchange, alg, name):
    result = peer.ok(exchange["results"][f"{alg}/{name}/verify"])
    assert result["verified"] is True, result
    assert result["header"] == {"alg": alg, "typ": "vc+jwt", "cty": "vc", "kid": PARTIES[alg].vm}
    assert result["payload"] == exchange["local"][f"{alg}/{name}"]["doc"]


@pytest.mark.parametrize(("alg", "name"), CASES)
def test_ours_tampered_fails_with_jose(exchange, alg, name):
    result = peer.ok(exchange["results"][f"{alg}/{name}/verify-tampered"])
    assert result["verified"] is False
    assert result["errors"][0].startswith("ERR_JWS_SIGNATURE_VERIFICATION_FAILED"), result


@pytest.mark.parametrize(("alg", "name"), CASES)
def test_jose_issued_verifies_here(exchange, alg, name):
    token = peer.ok(exchange["results"][f"{alg}/{name}/issue"])["token"]
    header, payload = jose.decode_unverified(token)
    assert header == {"alg": alg, "typ": "vc+jwt", "cty": "vc", "kid": PARTIES[alg].vm}
    doc = exchange["local"][f"{alg}/{name}"]["doc"]
    assert jose.verify_vc_jwt(token, resolver=RESOLVER, now=NOW).credential == doc
    result = verify_credential(token, resolver=RESOLVER, now=NOW)
    checks = {c.check: (c.status, c.code) for c in result.checks}
    assert checks["proof"] == ("passed", None), result.as_dict()
    assert checks["issuer"] == ("passed", None), result.as_dict()
    assert result.document == doc

    with pytest.raises(VCError) as caught:
        jose.verify_vc_jwt(tamper(token), resolver=RESOLVER, now=NOW)
    assert caught.value.code == CRYPTOGRAPHIC_SECURITY_ERROR


@pytest.mark.parametrize(("alg", "case"), [pytest.param(a, c, id=f"{a}-{c}") for a in PARTIES for c in TIMES])
def test_expiry_and_not_before_agree(exchange, alg, case):
    expected = TIMES[case][1]
    theirs = peer.ok(exchange["results"][f"{alg}/{case}/verify"])
    assert theirs["verified"] is (expected is None), theirs
    if expected is not None:
        assert theirs["errors"][0].split(":")[0] in {"ERR_JWT_EXPIRED", "ERR_JWT_CLAIM_VALIDATION_FAILED"}
    jose_token = peer.ok(exchange["results"][f"{alg}/{case}/issue"])["token"]
    for token in (exchange["local"][f"{alg}/{case}"]["token"], jose_token):
        if expected is None:
            jose.verify_vc_jwt(token, resolver=RESOLVER, now=NOW)
        else:
            with pytest.raises(VCError) as caught:
                jose.verify_vc_jwt(token, resolver=RESOLVER, now=NOW)
            assert caught.value.code == expected
