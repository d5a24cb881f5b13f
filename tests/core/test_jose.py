"""VC-JOSE (vc+jwt, vp+jwt): round trips and the classic JWT attacks, each with its code."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime, timezone

import pytest

from credentials.vc import errors, jose
from credentials.vc.errors import VCError
from credentials.vc.jose import b64url_decode, b64url_encode, issue_vc_jwt, issue_vp_jwt, verify_vc_jwt, verify_vp_jwt
from identity.did import Resolver, build_did_web_document, did_key_from_public_key
from identity.keys import KeySigner, KeyType, PrivateKey

NOW = datetime(2026, 7, 1, tzinfo=timezone.utc)
RESOLVER = Resolver(local={})


def did_key_signer(key_type: KeyType = KeyType.ED25519) -> tuple[str, PrivateKey, KeySigner]:
    key = PrivateKey.generate(key_type)
    did = did_key_from_public_key(key.public_key)
    return did, key, KeySigner(key, f"{did}#{did.split(':', 2)[2]}")


def credential(issuer: str, **extra: object) -> dict:
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:5b8e7f0a-2f4c-4c59-8d7e-0d6f7a9e1c01",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder", "degree": {"name": "理学学士 Bachelor of Science"}},
    }
    doc.update(extra)
    return doc


def enc_json(value: object) -> str:
    return b64url_encode(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def forge(header: dict, payload: dict | str, sign) -> str:
    """A compact JWS built by hand; ``sign`` maps the signing input to signature bytes."""
    body = payload if isinstance(payload, str) else enc_json(payload)
    signing_input = enc_json(header) + "." + body
    return signing_input + "." + b64url_encode(sign(signing_input.encode("ascii")))


def code_of(token: str, *, resolver=RESOLVER, now=NOW) -> str:
    with pytest.raises(VCError) as info:
        verify_vc_jwt(token, resolver=resolver, now=now)
    return info.value.code


@pytest.fixture(scope="module")
def issuer() -> tuple[str, PrivateKey, KeySigner]:
    return did_key_signer()


@pytest.fixture(scope="module")
def attacker() -> tuple[str, PrivateKey, KeySigner]:
    return did_key_signer()


# --------------------------------------------------------------------------- round trips


@pytest.mark.parametrize("key_type,alg,sig_len", [
    (KeyType.ED25519, "EdDSA", 64), (KeyType.P256, "ES256", 64), (KeyType.P384, "ES384", 96),
])
def test_issue_and_verify_each_key_type(key_type, alg, sig_len):
    did, _, signer = did_key_signer(key_type)
    doc = credential(did)
    token = issue_vc_jwt(doc, signer=signer)
    header_b64, payload_b64, sig_b64 = token.split(".")
    header = json.loads(b64url_decode(header_b64))
    assert header == {"alg": alg, "typ": "vc+jwt", "cty": "vc", "kid": signer.verification_method}
    assert json.loads(b64url_decode(payload_b64)) == doc  # the payload is the credential, unchanged
    assert len(b64url_decode(sig_b64)) == sig_len
    result = verify_vc_jwt(token, resolver=RESOLVER, now=NOW)
    assert result.credential == doc
    assert result.media_type == "vc"
    assert result.verification_method.id == signer.verification_method
    assert result.verification_method.controller == did


def test_issuer_object_and_utf8_payload(issuer):
    did, _, signer = issuer
    doc = credential({"id": did, "name": "清华大学"})
    result = verify_vc_jwt(issue_vc_jwt(doc, signer=signer), resolver=RESOLVER, now=NOW)
    assert result.credential["issuer"]["name"] == "清华大学"


def test_media_type_forms_of_typ_are_accepted(issuer):
    did, key, _ = issuer
    kid = f"{did}#{did.split(':', 2)[2]}"
    for typ, cty in (("application/vc+jwt", "application/vc"), ("VC+JWT", None)):
        header = {"alg": "EdDSA", "typ": typ, "kid": kid}
        if cty:
            header["cty"] = cty
        token = forge(header, credential(did), key.sign)
        assert verify_vc_jwt(token, resolver=RESOLVER, now=NOW).credential["issuer"] == did


def test_relative_kid_resolves_against_the_issuer(issuer):
    did, key, _ = issuer
    token = forge({"alg": "EdDSA", "typ": "vc+jwt", "kid": "#" + did.split(":", 2)[2]}, credential(did), key.sign)
    result = verify_vc_jwt(token, resolver=RESOLVER, now=NOW)
    assert result.verification_method.id == f"{did}#{did.split(':', 2)[2]}"


def test_matching_iss_and_future_exp_are_accepted(issuer):
    did, key, signer = issuer
    payload = credential(did, iss=did, exp=int(NOW.timestamp()) + 60, nbf=int(NOW.timestamp()), iat=1.5e9)
    token = forge({"alg": "EdDSA", "typ": "vc+jwt", "kid": signer.verification_method}, payload, key.sign)
    assert verify_vc_jwt(token, resolver=RESOLVER, now=NOW).credential["iss"] == did


def test_did_web_issuer_with_relationships():
    key = PrivateKey.generate(KeyType.P256)
    did = "did:web:university.example"
    doc = build_did_web_document(did, [("key-1", key.public_key)])
    resolver = Resolver(local={did: doc})
    token = issue_vc_jwt(credential(did), signer=KeySigner(key, f"{did}#key-1"))
    assert verify_vc_jwt(token, resolver=resolver, now=NOW).verification_method.type == "Multikey"


def test_key_only_for_authentication_cannot_issue():
    key = PrivateKey.generate(KeyType.ED25519)
    did = "did:web:university.example"
    doc = build_did_web_document(did, [("auth", key.public_key)], relationships={"authentication": ["auth"]})
    token = issue_vc_jwt(credential(did), signer=KeySigner(key, f"{did}#auth"))
    assert code_of(token, resolver=Resolver(local={did: doc})) == errors.INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD


def test_issuing_with_someone_elses_key_is_refused(issuer, attacker):
    with pytest.raises(VCError) as info:
        issue_vc_jwt(credential(issuer[0]), signer=attacker[2])
    assert info.value.code == errors.PROOF_GENERATION_ERROR


# --------------------------------------------------------------------------- algorithm attacks


@pytest.mark.parametrize("signature", [b"", b"\x00" * 64])
def test_alg_none_is_rejected(issuer, signature):
    did, _, signer = issuer
    token = forge({"alg": "none", "typ": "vc+jwt", "kid": signer.verification_method}, credential(did),
                  lambda _: signature)
    assert code_of(token) == errors.CRYPTOGRAPHIC_SECURITY_ERROR


@pytest.mark.parametrize("alg", ["None", "NONE", "RS256", "PS256", "ES256K", "HS512", "", None, ["EdDSA"]])
def test_algorithms_outside_the_allow_list_are_rejected(issuer, alg):
    did, key, signer = issuer
    token = forge({"alg": alg, "typ": "vc+jwt", "kid": signer.verification_method}, credential(did), key.sign)
    assert code_of(token) == errors.CRYPTOGRAPHIC_SECURITY_ERROR


class _NoLookups:
    """A resolver that fails the test if the verifier ever asks it anything."""

    def resolve(self, did: str) -> dict:  # pragma: no cover - reaching it is the failure
        raise AssertionError(f"resolved {did} for a token that should have been refused first")


@pytest.mark.parametrize("key_type", [KeyType.ED25519, KeyType.P256])
def test_hs256_with_the_public_key_as_secret_is_rejected(key_type):
    # Key confusion: a verifier that hands "the key" to a library honouring the
    # header's alg would check an HMAC keyed with the public key the attacker knows.
    did, key, signer = did_key_signer(key_type)
    public = key.public_key
    secrets = [public.raw, public.multibase().encode(), json.dumps(public.jwk()).encode()]
    for secret in secrets:
        token = forge({"alg": "HS256", "typ": "vc+jwt", "kid": signer.verification_method}, credential(did),
                      lambda data, s=secret: hmac.new(s, data, hashlib.sha256).digest())
        assert code_of(token, resolver=_NoLookups()) == errors.CRYPTOGRAPHIC_SECURITY_ERROR


def test_es256_header_over_an_ed25519_key_is_rejected(issuer):
    did, key, signer = issuer
    # 64 bytes, so the length check passes and the key/algorithm binding must catch it.
    token = forge({"alg": "ES256", "typ": "vc+jwt", "kid": signer.verification_method}, credential(did), key.sign)
    assert code_of(token) == errors.CRYPTOGRAPHIC_SECURITY_ERROR


def test_es384_header_over_a_p256_key_is_rejected():
    did, key, signer = did_key_signer(KeyType.P256)
    token = forge({"alg": "ES384", "typ": "vc+jwt", "kid": signer.verification_method}, credential(did),
                  lambda data: key.sign(data) + b"\x00" * 32)
    assert code_of(token) == errors.CRYPTOGRAPHIC_SECURITY_ERROR


@pytest.mark.parametrize("key_type,extra", [(KeyType.ED25519, b"\x00"), (KeyType.P384, b"\x00")])
def test_signature_length_must_be_exact(key_type, extra):
    did, key, signer = did_key_signer(key_type)
    good = issue_vc_jwt(credential(did), signer=signer)
    head, body, sig = good.split(".")
    padded = f"{head}.{body}.{b64url_encode(b64url_decode(sig) + extra)}"
    truncated = f"{head}.{body}.{b64url_encode(b64url_decode(sig)[:-1])}"
    assert code_of(padded, resolver=_NoLookups()) == errors.CRYPTOGRAPHIC_SECURITY_ERROR
    assert code_of(truncated, resolver=_NoLookups()) == errors.CRYPTOGRAPHIC_SECURITY_ERROR


# --------------------------------------------------------------------------- key injection and binding


def test_key_injected_through_jwk_is_rejected(issuer, attacker):
    did, _, signer = issuer
    _, evil_key, _ = attacker
    for kid in (signer.verification_method, None):
        header = {"alg": "EdDSA", "typ": "vc+jwt", "jwk": evil_key.public_key.jwk()}
        if kid:
            header["kid"] = kid
        token = forge(header, credential(did), evil_key.sign)
        assert code_of(token, resolver=_NoLookups()) == errors.CRYPTOGRAPHIC_SECURITY_ERROR


@pytest.mark.parametrize("name,value", [
    ("jku", "https://attacker.example/jwks.json"),
    ("x5u", "https://attacker.example/cert.pem"),
    ("x5c", ["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]),
    ("crit", ["exp"]),
    ("b64", False),
])
def test_key_pointing_and_critical_headers_are_rejected(issuer, name, value):
    did, key, signer = issuer
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": signer.verification_method, name: value}
    assert code_of(forge(header, credential(did), key.sign), resolver=_NoLookups()) == errors.CRYPTOGRAPHIC_SECURITY_ERROR


def test_attackers_own_did_key_cannot_sign_for_the_issuer(issuer, attacker):
    did, _, _ = issuer
    _, evil_key, evil_signer = attacker
    # A perfectly valid signature by a perfectly valid key, just not the issuer's.
    token = forge({"alg": "EdDSA", "typ": "vc+jwt", "kid": evil_signer.verification_method}, credential(did),
                  evil_key.sign)
    assert code_of(token, resolver=_NoLookups()) == errors.CRYPTOGRAPHIC_SECURITY_ERROR


def test_relative_kid_of_the_attacker_resolves_to_the_issuer_and_fails(issuer, attacker):
    did, _, _ = issuer
    evil_did, evil_key, _ = attacker
    token = forge({"alg": "EdDSA", "typ": "vc+jwt", "kid": "#" + evil_did.split(":", 2)[2]}, credential(did),
                  evil_key.sign)
    # "#<attacker fragment>" becomes "<issuer DID>#<attacker fragment>", which the issuer's document lacks.
    assert code_of(token) == errors.INVALID_VERIFICATION_METHOD


def test_iss_claim_must_match_the_issuer(issuer, attacker):
    did, key, signer = issuer
    token = forge({"alg": "EdDSA", "typ": "vc+jwt", "kid": signer.verification_method},
                  credential(did, iss=attacker[0]), key.sign)
    assert code_of(token, resolver=_NoLookups()) == errors.MALFORMED_VALUE_ERROR


@pytest.mark.parametrize("kid", [None, "", 7, "key-1", "https://university.example/keys/1", "did:key:z6Mk"])
def test_kid_must_be_a_did_url(issuer, kid):
    did, key, _ = issuer
    header = {"alg": "EdDSA", "typ": "vc+jwt"}
    if kid is not None:
        header["kid"] = kid
    code = code_of(forge(header, credential(did), key.sign), resolver=_NoLookups())
    expected = errors.MALFORMED_VALUE_ERROR if kid in (None, "", 7) else errors.INVALID_VERIFICATION_METHOD_URL
    assert code == expected


def test_credential_without_issuer_is_rejected(issuer):
    did, key, signer = issuer
    doc = credential(did)
    del doc["issuer"]
    token = forge({"alg": "EdDSA", "typ": "vc+jwt", "kid": signer.verification_method}, doc, key.sign)
    assert code_of(token, resolver=_NoLookups()) == errors.MALFORMED_VALUE_ERROR


# --------------------------------------------------------------------------- typing


@pytest.mark.parametrize("typ", [None, "JWT", "vp+jwt", "application/vp+jwt", "vc+sd-jwt", "vc+ld+json", 1])
def test_typ_missing_or_wrong_is_rejected(issuer, typ):
    did, key, signer = issuer
    header = {"alg": "EdDSA", "kid": signer.verification_method}
    if typ is not None:
        header["typ"] = typ
    assert code_of(forge(header, credential(did), key.sign), resolver=_NoLookups()) == errors.MALFORMED_VALUE_ERROR


def test_wrong_cty_is_rejected(issuer):
    did, key, signer = issuer
    header = {"alg": "EdDSA", "typ": "vc+jwt", "cty": "vp", "kid": signer.verification_method}
    assert code_of(forge(header, credential(did), key.sign), resolver=_NoLookups()) == errors.MALFORMED_VALUE_ERROR


def test_vc_11_style_claims_are_rejected(issuer):
    did, key, signer = issuer
    payload = {"iss": did, "vc": credential(did)}
    token = forge({"alg": "EdDSA", "typ": "vc+jwt", "kid": signer.verification_method}, payload, key.sign)
    assert code_of(token, resolver=_NoLookups()) == errors.MALFORMED_VALUE_ERROR


# --------------------------------------------------------------------------- integrity and parsing


def test_tampered_payload_is_rejected(issuer):
    did, _, signer = issuer
    head, _, sig = issue_vc_jwt(credential(did), signer=signer).split(".")
    forged = credential(did)
    forged["credentialSubject"]["degree"]["name"] = "Doctor of Forgery"
    assert code_of(f"{head}.{enc_json(forged)}.{sig}") == errors.CRYPTOGRAPHIC_SECURITY_ERROR


def test_tampered_header_is_rejected(issuer):
    did, _, signer = issuer
    _, body, sig = issue_vc_jwt(credential(did), signer=signer).split(".")
    head = enc_json({"alg": "EdDSA", "typ": "vc+jwt", "kid": signer.verification_method})  # cty dropped
    assert code_of(f"{head}.{body}.{sig}") == errors.CRYPTOGRAPHIC_SECURITY_ERROR


def test_flipped_signature_bit_is_rejected(issuer):
    did, _, signer = issuer
    head, body, sig = issue_vc_jwt(credential(did), signer=signer).split(".")
    raw = bytearray(b64url_decode(sig))
    raw[40] ^= 1
    assert code_of(f"{head}.{body}.{b64url_encode(bytes(raw))}") == errors.CRYPTOGRAPHIC_SECURITY_ERROR


def test_malformed_base64_is_rejected(issuer):
    did, _, signer = issuer
    head, body, sig = issue_vc_jwt(credential(did), signer=signer).split(".")
    variants = [
        f"{head}=.{body}.{sig}",                                    # padding
        f"{head}.{body}.{sig}==",
        f"{head}.{body.replace('-', '+').replace('_', '/')}x.{sig}",  # standard alphabet
        f"{head}.{body}.{sig[:-1]}",                                # one char short of the signature
        f"{head}.{body}.{sig}!",                                    # stray character
        f"{head}.{body}.{sig} {sig}",                               # whitespace inside
        f"{head}.{body}",                                           # two segments
        f"{head}.{body}.{sig}.{sig}",                               # four segments
        "",
    ]
    for token in variants:
        assert code_of(token, resolver=_NoLookups()) == errors.PARSING_ERROR, token


def test_non_canonical_base64_signature_is_rejected(issuer):
    did, _, signer = issuer
    head, body, sig = issue_vc_jwt(credential(did), signer=signer).split(".")
    # 64 bytes -> 86 chars with 4 unused low bits in the last one; setting them keeps the bytes.
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    last = alphabet.index(sig[-1])
    twin = sig[:-1] + alphabet[last | 1]
    assert twin != sig
    assert code_of(f"{head}.{body}.{twin}", resolver=_NoLookups()) == errors.PARSING_ERROR


def test_non_json_and_non_object_header_are_rejected(issuer):
    did, key, _ = issuer
    body = enc_json(credential(did))
    for raw in (b"not json", b'["EdDSA"]', b"\xff\xfe", b'{"alg":"EdDSA","alg":"none"}'):
        head = b64url_encode(raw)
        token = f"{head}.{body}.{b64url_encode(key.sign((head + '.' + body).encode()))}"
        assert code_of(token, resolver=_NoLookups()) == errors.PARSING_ERROR, raw


def test_duplicate_keys_in_the_payload_are_rejected(issuer):
    did, key, signer = issuer
    text = json.dumps(credential(did), separators=(",", ":"))
    # Two issuers: a lax parser keeps one, another parser the other.
    duplicated = text[:-1] + f',"issuer":"{did}"}}'
    token = forge({"alg": "EdDSA", "typ": "vc+jwt", "kid": signer.verification_method},
                  b64url_encode(duplicated.encode()), key.sign)
    assert code_of(token, resolver=_NoLookups()) == errors.PARSING_ERROR


def test_payload_must_be_an_object(issuer):
    did, key, signer = issuer
    token = forge({"alg": "EdDSA", "typ": "vc+jwt", "kid": signer.verification_method},
                  b64url_encode(b"[1,2,3]"), key.sign)
    assert code_of(token, resolver=_NoLookups()) == errors.PARSING_ERROR


def test_oversized_token_is_rejected_before_decoding():
    assert code_of("a" * (jose.MAX_TOKEN_LENGTH + 1), resolver=_NoLookups()) == errors.PARSING_ERROR


# --------------------------------------------------------------------------- time


def test_exp_in_the_past_is_rejected(issuer):
    did, key, signer = issuer
    header = {"alg": "EdDSA", "typ": "vc+jwt", "kid": signer.verification_method}
    expired = forge(header, credential(did, exp=int(NOW.timestamp()) - 1), key.sign)
    assert code_of(expired) == errors.RANGE_ERROR
    # No leeway: exp equal to now is already expired (RFC 7519 §4.1.4 "on or after").
    assert code_of(forge(header, credential(did, exp=int(NOW.timestamp())), key.sign)) == errors.RANGE_ERROR


def test_nbf_in_the_future_is_rejected(issuer):
    did, key, signer = issuer
    token = forge({"alg": "EdDSA", "typ": "vc+jwt", "kid": signer.verification_method},
                  credential(did, nbf=int(NOW.timestamp()) + 1), key.sign)
    assert code_of(token) == errors.RANGE_ERROR


@pytest.mark.parametrize("claim,value", [("exp", "2030-01-01"), ("nbf", True), ("iat", None)])
def test_time_claims_must_be_numbers(issuer, claim, value):
    did, key, signer = issuer
    token = forge({"alg": "EdDSA", "typ": "vc+jwt", "kid": signer.verification_method},
                  credential(did, **{claim: value}), key.sign)
    assert code_of(token) == errors.MALFORMED_VALUE_ERROR


# --------------------------------------------------------------------------- presentations


def presentation(holder: str | None, token: str) -> dict:
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "verifiableCredential": [{
            "@context": "https://www.w3.org/ns/credentials/v2",
            "type": "EnvelopedVerifiableCredential",
            "id": "data:application/vc+jwt," + token,
        }],
    }
    if holder:
        doc["holder"] = holder
    return doc


def vp_code(token: str, *, nonce="n-0S6_WzA2Mj", audience="https://verifier.example") -> str:
    with pytest.raises(VCError) as info:
        verify_vp_jwt(token, resolver=RESOLVER, nonce=nonce, audience=audience, now=NOW)
    return info.value.code


@pytest.fixture(scope="module")
def holder() -> tuple[str, PrivateKey, KeySigner]:
    return did_key_signer(KeyType.P256)


@pytest.fixture(scope="module")
def vc_token(issuer, holder) -> str:
    return issue_vc_jwt(credential(issuer[0], credentialSubject={"id": holder[0]}), signer=issuer[2])


def test_vp_round_trip(holder, vc_token):
    did, _, signer = holder
    vp = presentation(did, vc_token)
    token = issue_vp_jwt(vp, signer=signer, nonce="n-0S6_WzA2Mj", audience="https://verifier.example")
    header = json.loads(b64url_decode(token.split(".")[0]))
    assert header["typ"] == "vp+jwt" and header["alg"] == "ES256"
    result = verify_vp_jwt(token, resolver=RESOLVER, nonce="n-0S6_WzA2Mj", audience="https://verifier.example", now=NOW)
    assert result.presentation["holder"] == did
    assert result.presentation["nonce"] == "n-0S6_WzA2Mj"
    assert result.media_type == "vp"


def test_vp_aud_may_be_a_list(holder, vc_token):
    did, key, signer = holder
    payload = presentation(did, vc_token) | {"nonce": "n-0S6_WzA2Mj", "aud": ["https://a.example", "https://verifier.example"]}
    token = forge({"alg": "ES256", "typ": "vp+jwt", "kid": signer.verification_method}, payload, key.sign)
    assert verify_vp_jwt(token, resolver=RESOLVER, nonce="n-0S6_WzA2Mj", audience="https://verifier.example", now=NOW)


def test_vp_wrong_nonce_and_audience(holder, vc_token):
    did, _, signer = holder
    token = issue_vp_jwt(presentation(did, vc_token), signer=signer, nonce="n-0S6_WzA2Mj",
                         audience="https://verifier.example")
    assert vp_code(token, nonce="another-session") == errors.INVALID_CHALLENGE_ERROR
    assert vp_code(token, audience="https://evil.example") == errors.INVALID_DOMAIN_ERROR


def test_vp_without_nonce_claim_fails_a_challenge(holder, vc_token):
    did, key, signer = holder
    token = forge({"alg": "ES256", "typ": "vp+jwt", "kid": signer.verification_method},
                  presentation(did, vc_token), key.sign)
    assert vp_code(token) == errors.INVALID_CHALLENGE_ERROR


def test_vp_signed_by_someone_other_than_the_holder(holder, attacker, vc_token):
    _, evil_key, evil_signer = attacker
    payload = presentation(holder[0], vc_token) | {"nonce": "n-0S6_WzA2Mj", "aud": "https://verifier.example"}
    token = forge({"alg": "EdDSA", "typ": "vp+jwt", "kid": evil_signer.verification_method}, payload, evil_key.sign)
    assert vp_code(token) == errors.CRYPTOGRAPHIC_SECURITY_ERROR


def test_vc_jwt_is_not_a_vp_jwt_and_back(holder, vc_token):
    assert vp_code(vc_token) == errors.MALFORMED_VALUE_ERROR
    did, _, signer = holder
    vp_token = issue_vp_jwt(presentation(did, vc_token), signer=signer, nonce="n-0S6_WzA2Mj")
    assert code_of(vp_token) == errors.MALFORMED_VALUE_ERROR


def test_vp_key_must_be_listed_for_authentication():
    key = PrivateKey.generate(KeyType.ED25519)
    did = "did:web:wallet.example:alice"
    doc = build_did_web_document(did, [("assert", key.public_key)], relationships={"assertionMethod": ["assert"]})
    token = issue_vp_jwt(presentation(did, "a.b.c"), signer=KeySigner(key, f"{did}#assert"), nonce="n")
    with pytest.raises(VCError) as info:
        verify_vp_jwt(token, resolver=Resolver(local={did: doc}), nonce="n", audience=None, now=NOW)
    assert info.value.code == errors.INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD
