"""The verification pipeline end to end, over real keys, proofs and DIDs."""

from __future__ import annotations

import copy
from datetime import datetime, timezone

import pytest

from credentials.vc import errors, jose, suites
from credentials.vc.errors import VCError
from credentials.vc.verify import verify_credential, verify_presentation
from identity.did import Resolver, did_key_from_public_key
from identity.keys import KeySigner, KeyType, PrivateKey

NOW = datetime(2026, 7, 1, tzinfo=timezone.utc)
RESOLVER = Resolver(local={})


def statuses(result):
    return {c.check: (c.status, c.code) for c in result.checks}


def new_signer(key_type=KeyType.ED25519):
    key = PrivateKey.generate(key_type)
    did = did_key_from_public_key(key.public_key)
    return did, KeySigner(key, f"{did}#{did.split(':', 2)[2]}")


def credential_for(did, **extra):
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:0f4c1a4e-2b7e-4f4e-9c39-6d1c3c0c0001",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "清华大学 Tsinghua University"},
    }
    doc.update(extra)
    return doc


def test_every_vector_verifies_with_proof_check_only(vectors):
    for vector in vectors:
        result = verify_credential(vector["signed"], resolver=RESOLVER, checks=["proof"], now=NOW)
        assert result.verified, (vector["name"], result.as_dict())
        assert statuses(result) == {"structure": ("passed", None), "proof": ("passed", None),
                                    "issuer": ("skipped", None), "status": ("skipped", None),
                                    "validity": ("skipped", None)}
        assert [c.message for c in result.checks[2:]] == ["not requested"] * 3
        assert result.document == vector["signed"]


def test_every_vector_fails_on_the_issuer_check_alone(vectors):
    for vector in vectors:
        result = verify_credential(vector["signed"], resolver=RESOLVER, now=NOW)
        assert not result.verified
        failed = [c.check for c in result.checks if c.status == "failed"]
        assert failed == ["issuer"], (vector["name"], result.as_dict())
        assert result.document is None
        assert result.as_dict()["document"] is None


def test_tampered_vector_fails_the_proof(vectors):
    for vector in vectors:
        doc = copy.deepcopy(vector["signed"])
        doc["credentialSubject"]["alumniOf"] = "The School of Forgeries"
        result = verify_credential(doc, resolver=RESOLVER, checks=["proof"], now=NOW)
        assert statuses(result)["proof"] == ("failed", errors.CRYPTOGRAPHIC_SECURITY_ERROR)


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019", "ecdsa-jcs-2019", "vc-jwt"])
def test_issued_credentials_pass_every_check(suite):
    did, signer = new_signer(KeyType.P256 if suite.startswith("ecdsa") else KeyType.ED25519)
    doc = credential_for(did)
    signed = jose.issue_vc_jwt(doc, signer=signer) if suite == "vc-jwt" else suites.add_proof(
        doc, signer=signer, cryptosuite=suite)
    result = verify_credential(signed, resolver=RESOLVER, now=NOW)
    assert result.verified, result.as_dict()
    assert [c.check for c in result.checks] == ["structure", "proof", "issuer", "status", "validity"]
    assert statuses(result)["status"] == ("skipped", None)
    assert result.document["credentialSubject"]["alumniOf"] == "清华大学 Tsinghua University"


def test_expired_and_not_yet_valid():
    did, signer = new_signer()
    expired = suites.add_proof(credential_for(did, validUntil="2026-03-01T00:00:00Z"), signer=signer,
                               cryptosuite="eddsa-rdfc-2022")
    result = verify_credential(expired, resolver=RESOLVER, now=NOW)
    assert statuses(result)["validity"] == ("failed", errors.RANGE_ERROR)
    assert statuses(result)["proof"] == ("passed", None)
    assert not result.verified
    future = suites.add_proof(credential_for(did, validFrom="2027-01-01T00:00:00Z"), signer=signer,
                              cryptosuite="eddsa-rdfc-2022")
    result = verify_credential(future, resolver=RESOLVER, now=NOW)
    assert statuses(result)["validity"] == ("failed", errors.RANGE_ERROR)
    assert verify_credential(future, resolver=RESOLVER, checks=["proof"], now=NOW).verified


def test_signed_by_someone_else_fails_the_issuer_check():
    did, _ = new_signer()
    _, mallory = new_signer()
    forged = suites.add_proof(credential_for(did), signer=mallory, cryptosuite="eddsa-rdfc-2022")
    result = verify_credential(forged, resolver=RESOLVER, now=NOW)
    assert statuses(result)["proof"] == ("passed", None)
    assert statuses(result)["issuer"] == ("failed", errors.INVALID_VERIFICATION_METHOD)
    assert not result.verified


def test_status_without_the_list_is_unknown_never_ok():
    did, signer = new_signer()
    doc = credential_for(did, credentialStatus={
        "id": "https://example.edu/status/1#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": "https://example.edu/status/1",
    })
    signed = suites.add_proof(doc, signer=signer, cryptosuite="eddsa-rdfc-2022")
    result = verify_credential(signed, resolver=RESOLVER, now=NOW)
    check = next(c for c in result.checks if c.check == "status")
    assert check.status == "skipped"
    assert check.detail["outcome"] == "unknown"
    assert result.as_dict()["warnings"]


def test_no_proof_and_malformed_input():
    did, _ = new_signer()
    result = verify_credential(credential_for(did), resolver=RESOLVER, now=NOW)
    assert statuses(result)["proof"] == ("failed", errors.PROOF_VERIFICATION_ERROR)
    result = verify_credential({"type": "VerifiableCredential"}, resolver=RESOLVER, now=NOW)
    assert statuses(result)["structure"][0] == "failed"
    assert all(c.status == "skipped" for c in result.checks[1:])
    for bad in ("not json", "[1, 2]", '{"a": 1, "a": 1}'):
        with pytest.raises(VCError) as info:
            verify_credential(bad, resolver=RESOLVER, now=NOW)
        assert info.value.code == errors.PARSING_ERROR
    with pytest.raises(VCError) as info:
        verify_credential(credential_for(did), resolver=RESOLVER, checks=["proof", "vibes"], now=NOW)
    assert info.value.code == errors.MALFORMED_VALUE_ERROR


def _presentation(holder_did, credential):
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": holder_did,
        "verifiableCredential": [credential],
    }


def test_presentation_round_trip_and_challenge():
    issuer_did, issuer = new_signer()
    holder_did, holder = new_signer()
    vc = suites.add_proof(credential_for(issuer_did), signer=issuer, cryptosuite="eddsa-rdfc-2022")
    vp = suites.add_proof(_presentation(holder_did, vc), signer=holder, cryptosuite="eddsa-rdfc-2022",
                          proof_purpose="authentication", challenge="c-123", domain="employer.example")
    result = verify_presentation(vp, resolver=RESOLVER, challenge="c-123", domain="employer.example", now=NOW)
    assert result.verified, result.as_dict()
    assert [c.check for c in result.checks] == ["structure", "proof", "holder", "credentials"]
    assert result.credentials[0].verified
    wrong = verify_presentation(vp, resolver=RESOLVER, challenge="c-999", domain="employer.example", now=NOW)
    assert statuses(wrong)["proof"] == ("failed", errors.INVALID_CHALLENGE_ERROR)
    wrong = verify_presentation(vp, resolver=RESOLVER, challenge="c-123", domain="evil.example", now=NOW)
    assert statuses(wrong)["proof"] == ("failed", errors.INVALID_DOMAIN_ERROR)


def test_presentation_by_someone_other_than_the_holder():
    issuer_did, issuer = new_signer()
    holder_did, _ = new_signer()
    _, thief = new_signer()
    vc = suites.add_proof(credential_for(issuer_did), signer=issuer, cryptosuite="eddsa-rdfc-2022")
    vp = suites.add_proof(_presentation(holder_did, vc), signer=thief, cryptosuite="eddsa-rdfc-2022",
                          proof_purpose="authentication", challenge="c-1")
    result = verify_presentation(vp, resolver=RESOLVER, challenge="c-1", now=NOW)
    assert statuses(result)["holder"] == ("failed", errors.INVALID_VERIFICATION_METHOD)
    assert not result.verified


def test_presentation_with_a_forged_credential_fails():
    issuer_did, issuer = new_signer()
    holder_did, holder = new_signer()
    vc = suites.add_proof(credential_for(issuer_did), signer=issuer, cryptosuite="eddsa-rdfc-2022")
    vc["credentialSubject"]["alumniOf"] = "Forged University"
    vp = suites.add_proof(_presentation(holder_did, vc), signer=holder, cryptosuite="eddsa-rdfc-2022",
                          proof_purpose="authentication", challenge="c-1")
    result = verify_presentation(vp, resolver=RESOLVER, challenge="c-1", now=NOW)
    assert statuses(result)["proof"] == ("passed", None)
    assert statuses(result)["credentials"][0] == "failed"
    assert not result.verified


def test_enveloped_jwt_credential_in_a_presentation():
    issuer_did, issuer = new_signer()
    holder_did, holder = new_signer()
    token = jose.issue_vc_jwt(credential_for(issuer_did), signer=issuer)
    envelope = {"@context": "https://www.w3.org/ns/credentials/v2", "type": "EnvelopedVerifiableCredential",
                "id": "data:application/vc+jwt," + token}
    vp = suites.add_proof(_presentation(holder_did, envelope), signer=holder, cryptosuite="eddsa-jcs-2022",
                          proof_purpose="authentication", challenge="c-1")
    result = verify_presentation(vp, resolver=RESOLVER, challenge="c-1", now=NOW)
    assert result.verified, result.as_dict()
    assert result.credentials[0].format == "vc+jwt"


def test_bounds_on_proof_sets_and_presented_credentials():
    from credentials.vc.suites.dataintegrity import MAX_PROOFS
    from credentials.vc.verify import MAX_PRESENTED_CREDENTIALS

    did, signer = new_signer()
    signed = suites.add_proof(credential_for(did), signer=signer, cryptosuite="eddsa-jcs-2022")
    crowded = {**signed, "proof": [signed["proof"]] * (MAX_PROOFS + 1)}
    result = verify_credential(crowded, resolver=RESOLVER, now=NOW)
    assert statuses(result)["proof"] == ("failed", errors.RANGE_ERROR)
    assert verify_credential({**signed, "proof": [signed["proof"]] * MAX_PROOFS}, resolver=RESOLVER, now=NOW).verified
    holder_did, holder = new_signer()
    vp = suites.add_proof(
        {**_presentation(holder_did, signed), "verifiableCredential": [signed] * (MAX_PRESENTED_CREDENTIALS + 1)},
        signer=holder, cryptosuite="eddsa-jcs-2022", proof_purpose="authentication", challenge="c")
    result = verify_presentation(vp, resolver=RESOLVER, challenge="c", now=NOW)
    assert statuses(result)["structure"] == ("failed", errors.RANGE_ERROR)


def test_an_empty_choice_of_checks_is_refused():
    did, signer = new_signer()
    with pytest.raises(VCError) as info:
        verify_credential(credential_for(did), resolver=RESOLVER, checks=[], now=NOW)
    assert info.value.code == errors.MALFORMED_VALUE_ERROR


def test_issuer_binding_holds_for_any_proof_of_a_set():
    did, issuer = new_signer()
    _, endorser = new_signer()
    doc = credential_for(did)
    endorsed_first = suites.add_proof(suites.add_proof(doc, signer=endorser, cryptosuite="eddsa-rdfc-2022"),
                                      signer=issuer, cryptosuite="eddsa-rdfc-2022")
    result = verify_credential(endorsed_first, resolver=RESOLVER, now=NOW)
    assert result.verified and statuses(result)["issuer"] == ("passed", None)
    only_endorser = suites.add_proof(doc, signer=endorser, cryptosuite="eddsa-rdfc-2022")
    result = verify_credential(only_endorser, resolver=RESOLVER, now=NOW)
    assert statuses(result)["issuer"] == ("failed", errors.INVALID_VERIFICATION_METHOD)


def _status_entry(url, index="7"):
    return {"id": f"{url}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
            "statusListIndex": index, "statusListCredential": url}


class _CountingLists(dict):
    """Status lists that record every URL looked up (as a network fetch would)."""

    def __init__(self):
        super().__init__()
        self.asked = []

    def __contains__(self, url):
        return True

    def __getitem__(self, url):
        self.asked.append(url)
        raise VCError(errors.STATUS_RETRIEVAL_ERROR, f"{url} is unreachable")


def test_status_lists_of_a_forged_credential_are_never_looked_up():
    did, _ = new_signer()
    _, mallory = new_signer()
    forged = suites.add_proof(credential_for(did, credentialStatus=_status_entry("https://evil.example/1")),
                              signer=mallory, cryptosuite="eddsa-rdfc-2022")
    lists = _CountingLists()
    result = verify_credential(forged, resolver=RESOLVER, status_lists=lists, now=NOW)
    assert statuses(result)["status"] == ("skipped", None)
    assert lists.asked == []
    tampered = suites.add_proof(credential_for(did, credentialStatus=_status_entry("https://evil.example/1")),
                                signer=new_signer()[1], cryptosuite="eddsa-rdfc-2022")
    tampered["credentialSubject"]["alumniOf"] = "x"
    verify_credential(tampered, resolver=RESOLVER, status_lists=lists, now=NOW)
    assert lists.asked == []


def test_bounds_on_status_entries_and_distinct_lists():
    from credentials.vc.verify import MAX_STATUS_ENTRIES, MAX_STATUS_LISTS

    did, signer = new_signer()
    many = [_status_entry(f"https://registrar.example/{i}") for i in range(MAX_STATUS_ENTRIES + 1)]
    signed = suites.add_proof(credential_for(did, credentialStatus=many), signer=signer, cryptosuite="eddsa-jcs-2022")
    result = verify_credential(signed, resolver=RESOLVER, status_lists=_CountingLists(), now=NOW)
    assert statuses(result)["status"] == ("failed", errors.RANGE_ERROR)
    spread = [_status_entry(f"https://registrar.example/{i}") for i in range(MAX_STATUS_LISTS + 3)]
    signed = suites.add_proof(credential_for(did, credentialStatus=spread), signer=signer, cryptosuite="eddsa-jcs-2022")
    lists = _CountingLists()
    result = verify_credential(signed, resolver=RESOLVER, status_lists=lists, now=NOW)
    assert statuses(result)["status"][0] == "failed"
    assert len(set(lists.asked)) <= MAX_STATUS_LISTS


def test_absurd_numbers_and_years_are_errors_not_crashes():
    did, signer = new_signer()
    token = jose.issue_vc_jwt({**credential_for(did), "exp": 10**400}, signer=signer)
    result = verify_credential(token, resolver=RESOLVER, now=NOW)
    assert statuses(result)["proof"] == ("failed", errors.MALFORMED_VALUE_ERROR)
    for year in ("9" * 5000, "２０２６", "2026\n"):
        result = verify_credential(credential_for(did, validFrom=f"{year}-01-01T00:00:00Z"), resolver=RESOLVER, now=NOW)
        assert statuses(result)["structure"] == ("failed", errors.MALFORMED_VALUE_ERROR)
    result = verify_credential(credential_for(did, validFrom="2026-01-01T00:00:00Z\n"), resolver=RESOLVER, now=NOW)
    assert statuses(result)["structure"] == ("failed", errors.MALFORMED_VALUE_ERROR)
