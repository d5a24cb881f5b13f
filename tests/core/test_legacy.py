"""Legacy VC 1.1 Ed25519Signature2018: ours verifies in didkit, didkit's verifies in ours."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime, timezone

import didkit

from credentials.vc import errors, legacy
from credentials.vc.verify import verify_credential
from identity.did import Resolver, did_key_from_public_key
from identity.keys import KeyType, PrivateKey

NOW = datetime(2026, 7, 1, tzinfo=timezone.utc)


def v11_credential(issuer):
    return {
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://www.w3.org/2018/credentials/examples/v1"],
        "id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
        "type": ["VerifiableCredential", "UniversityDegreeCredential"],
        "issuer": issuer,
        "issuanceDate": "2020-03-10T04:24:12Z",
        "credentialSubject": {"id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
                              "degree": {"type": "BachelorDegree", "name": "工学学士 Bachelor of Engineering"}},
    }


def test_ours_verifies_in_didkit():
    key = PrivateKey.generate(KeyType.ED25519)
    did = did_key_from_public_key(key.public_key)
    vm = f"{did}#{did.split(':', 2)[2]}"
    signed = legacy.issue(v11_credential(did), key=key, verification_method=vm)
    assert signed["proof"]["type"] == "Ed25519Signature2018"

    async def check():
        return json.loads(await didkit.verify_credential(json.dumps(signed), json.dumps({"proofPurpose": "assertionMethod"})))

    assert asyncio.run(check())["errors"] == []
    result = verify_credential(signed, resolver=Resolver(local={}), now=NOW)
    assert result.verified, result.as_dict()


def test_didkits_verifies_in_ours_and_tampering_fails():
    async def issue():
        jwk = didkit.generate_ed25519_key()
        did = didkit.key_to_did("key", jwk)
        vm = await didkit.key_to_verification_method("key", jwk)
        options = {"type": "Ed25519Signature2018", "proofPurpose": "assertionMethod", "verificationMethod": vm}
        return json.loads(await didkit.issue_credential(json.dumps(v11_credential(did)), json.dumps(options), jwk))

    signed = asyncio.run(issue())
    result = verify_credential(signed, resolver=Resolver(local={}), now=NOW)
    assert result.verified, result.as_dict()
    signed["credentialSubject"]["degree"]["name"] = "Doctor of Forgery"
    result = verify_credential(signed, resolver=Resolver(local={}), now=NOW)
    proof = next(c for c in result.checks if c.check == "proof")
    assert proof.status == "failed" and proof.code == errors.CRYPTOGRAPHIC_SECURITY_ERROR


def test_legacy_proof_with_wrong_purpose_is_rejected():
    key = PrivateKey.generate(KeyType.ED25519)
    did = did_key_from_public_key(key.public_key)
    vm = f"{did}#{did.split(':', 2)[2]}"
    signed = legacy.issue(v11_credential(did), key=key, verification_method=vm, proof_purpose="authentication")
    result = verify_credential(signed, resolver=Resolver(local={}), now=NOW)
    proof = next(c for c in result.checks if c.check == "proof")
    assert proof.status == "failed" and proof.code == errors.PROOF_VERIFICATION_ERROR


def test_legacy_documents_go_through_the_safe_mode_processor_too():
    """didkit's JSON-LD is not in safe mode: an alias appended after signing must not pass."""
    key = PrivateKey.generate(KeyType.ED25519)
    did = did_key_from_public_key(key.public_key)
    vm = f"{did}#{did.split(':', 2)[2]}"
    credential = {**v11_credential(did), "expirationDate": "2021-01-01T00:00:00Z"}
    signed = legacy.issue(credential, key=key, verification_method=vm)
    assert not verify_credential(signed, resolver=Resolver(local={}), now=NOW).verified  # expired
    aliased = dict(signed)
    aliased["@context"] = [*signed["@context"], {"exp2": "https://www.w3.org/2018/credentials#expirationDate"}]
    aliased["exp2"] = aliased.pop("expirationDate")
    result = verify_credential(aliased, resolver=Resolver(local={}), now=NOW)
    proof = next(c for c in result.checks if c.check == "proof")
    assert not result.verified
    assert proof.status == "failed" and proof.code == errors.MALFORMED_VALUE_ERROR
