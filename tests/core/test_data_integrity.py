"""Data Integrity cryptosuites against the W3C vectors, round trips and attacks.

Each adversarial test asserts the exact error code the verifier reports.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from credentials.vc import suites
from credentials.vc.documents import BUNDLED
from credentials.vc.errors import (
    CRYPTOGRAPHIC_SECURITY_ERROR,
    DID_INVALID,
    INVALID_CHALLENGE_ERROR,
    INVALID_DOMAIN_ERROR,
    INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD,
    INVALID_VERIFICATION_METHOD,
    MALFORMED_VALUE_ERROR,
    PROOF_GENERATION_ERROR,
    PROOF_VERIFICATION_ERROR,
    VCError,
)
from credentials.vc.suites import CRYPTOSUITES, add_proof, encode_proof_value, verify_proof, verify_proofs
from identity.did import Resolver, did_key_from_public_key
from identity.did.multibase import base58btc_decode, base58btc_encode
from identity.keys import KeySigner, KeyType, PrivateKey
from tests.conftest import signed_vectors

VECTORS = signed_vectors()
IDS = [v["name"] for v in VECTORS]
DETERMINISTIC = [v for v in VECTORS if v["deterministic"]]
WITH_EXPECTED = [v for v in VECTORS if v["expected_doc"]]
RESOLVER = Resolver()
ED25519_L = 2**252 + 27742317777372353535851937790883648493
V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"


def _verify(document: dict[str, Any], **kwargs: Any) -> suites.ProofResult:
    kwargs.setdefault("resolver", RESOLVER)
    kwargs.setdefault("expected_purpose", "assertionMethod")
    return verify_proof(document, **kwargs)


def _code(document: dict[str, Any], **kwargs: Any) -> str:
    with pytest.raises(VCError) as err:
        _verify(document, **kwargs)
    return err.value.code


def _private_key(vector: dict[str, Any]) -> PrivateKey:
    key = vector["key"]
    return PrivateKey.from_multibase(key.get("secretKeyMultibase") or key["privateKeyMultibase"])


def _did_key_signer(key_type: KeyType) -> KeySigner:
    key = PrivateKey.generate(key_type)
    did = did_key_from_public_key(key.public_key)
    return KeySigner(key, f"{did}#{did.removeprefix('did:key:')}")


def _vector(suite: str) -> dict[str, Any]:
    return next(v for v in VECTORS if v["cryptosuite"] == suite)


def _signed(suite: str) -> dict[str, Any]:
    return copy.deepcopy(_vector(suite)["signed"])


# --- the W3C vectors ---------------------------------------------------------------


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_vector_verifies(vector: dict[str, Any]) -> None:
    original = copy.deepcopy(vector["signed"])
    result = _verify(vector["signed"])
    assert result.cryptosuite == vector["cryptosuite"]
    assert result.verification_method.id == vector["signed"]["proof"]["verificationMethod"]
    assert result.verification_method.public_key.multibase() == vector["key"]["publicKeyMultibase"]
    assert result.proof == vector["signed"]["proof"]
    assert vector["signed"] == original  # verification never mutates its input


@pytest.mark.parametrize("vector", DETERMINISTIC, ids=[v["name"] for v in DETERMINISTIC])
def test_deterministic_vector_is_reproduced_byte_for_byte(vector: dict[str, Any]) -> None:
    proof = vector["signed"]["proof"]
    signer = KeySigner(_private_key(vector), proof["verificationMethod"])
    unsigned = copy.deepcopy(vector["unsigned_doc"])
    secured = add_proof(
        unsigned,
        signer=signer,
        cryptosuite=vector["cryptosuite"],
        proof_purpose=proof["proofPurpose"],
        created=proof["created"],
    )
    assert secured["proof"]["proofValue"] == proof["proofValue"]
    # The whole proof, including whether it repeats @context (jcs) or not (rdfc).
    assert secured == vector["signed"]
    assert unsigned == vector["unsigned_doc"]  # add_proof returns a new document


@pytest.mark.parametrize("vector", WITH_EXPECTED, ids=[v["name"] for v in WITH_EXPECTED])
def test_intermediate_values_match_the_spec(vector: dict[str, Any]) -> None:
    expected = vector["expected_doc"]
    proof = vector["signed"]["proof"]
    suite = CRYPTOSUITES[vector["cryptosuite"]]
    key = _private_key(vector)
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    data = suite.hash_input(vector["unsigned_doc"], options, key_type=key.type, loader=BUNDLED)
    if suite.canonicalization == "jcs":
        # The spec's .txt files end with a newline that JCS output does not have.
        assert data.canonical_document.decode() + "\n" == expected["canonicalDocument"]
        assert data.canonical_proof_config.decode() + "\n" == expected["canonicalProofConfig"]
    else:
        assert data.canonical_document.decode() == expected["canonicalDocument"]
        assert data.canonical_proof_config.decode() == expected["canonicalProofConfig"]
    if "signatureHex" in expected:
        signature = key.sign(data.hash_data)
        assert signature.hex() == expected["signatureHex"]
        assert encode_proof_value(signature) == expected["proofValueBase58btc"] == proof["proofValue"]


def _set(document: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        document = document[part]
    if value is _DELETE:
        del document[last]
    else:
        document[last] = value


_DELETE = object()
TAMPERING = [
    ("id", "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc34"),
    ("type", ["VerifiableCredential", "ExampleDegreeCredential"]),
    ("type", ["VerifiableCredential"]),
    ("name", "Alumni Credential!"),
    ("description", _DELETE),
    ("issuer", "https://vc.example/issuers/5679"),
    ("validFrom", "2023-01-01T00:00:01Z"),
    ("validUntil", "2033-01-01T00:00:00Z"),
    ("credentialSubject.id", "did:example:abcdefgi"),
    ("credentialSubject.alumniOf", "The School of Examples."),
    ("credentialSubject.degree", "Bachelor of Examples"),
]


TAMPERING_IDS = [f"{p}={'del' if v is _DELETE else v}" for p, v in TAMPERING]


@pytest.mark.parametrize(("path", "value"), TAMPERING, ids=TAMPERING_IDS)
@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_changing_any_claim_breaks_the_signature(vector: dict[str, Any], path: str, value: Any) -> None:
    document = copy.deepcopy(vector["signed"])
    _set(document, path, value)
    assert _code(document) == CRYPTOGRAPHIC_SECURITY_ERROR


@pytest.mark.parametrize(
    "field", ["created", "verificationMethod"], ids=["created", "verificationMethod"]
)
@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_changing_the_proof_options_breaks_the_signature(vector: dict[str, Any], field: str) -> None:
    document = copy.deepcopy(vector["signed"])
    if field == "created":
        document["proof"]["created"] = "2023-02-24T23:36:39Z"
    else:
        # A valid key of the same type that did not sign.
        signer = _did_key_signer(_private_key(vector).type)
        document["proof"]["verificationMethod"] = signer.verification_method
    assert _code(document) == CRYPTOGRAPHIC_SECURITY_ERROR


# --- round trips ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cryptosuite", "key_type"),
    [
        ("ecdsa-rdfc-2019", KeyType.P256),
        ("ecdsa-rdfc-2019", KeyType.P384),
        ("ecdsa-jcs-2019", KeyType.P256),
        ("ecdsa-jcs-2019", KeyType.P384),
        ("eddsa-rdfc-2022", KeyType.ED25519),
        ("eddsa-jcs-2022", KeyType.ED25519),
    ],
)
def test_issue_and_verify_round_trip(cryptosuite: str, key_type: KeyType) -> None:
    signer = _did_key_signer(key_type)
    unsigned = _vector("eddsa-rdfc-2022")["unsigned_doc"]
    secured = add_proof(unsigned, signer=signer, cryptosuite=cryptosuite)
    proof = secured["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == cryptosuite
    assert suites.parse_datetime(proof["created"], "created") <= datetime.now(UTC)
    assert len(base58btc_decode(proof["proofValue"][1:])) == {KeyType.P384: 96}.get(key_type, 64)
    assert ("@context" in proof) == ("jcs" in cryptosuite)
    result = _verify(secured)
    assert result.verification_method.public_key == signer.public_key
    tampered = copy.deepcopy(secured)
    tampered["credentialSubject"]["alumniOf"] = "Another School"
    assert _code(tampered) == CRYPTOGRAPHIC_SECURITY_ERROR


def test_created_defaults_to_now_in_whole_seconds() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    secured = add_proof(_vector("eddsa-jcs-2022")["unsigned_doc"], signer=_did_key_signer(KeyType.ED25519),
                        cryptosuite="eddsa-jcs-2022")
    created = secured["proof"]["created"]
    assert len(created) == 20 and created.endswith("Z")
    assert before <= suites.parse_datetime(created, "created") <= datetime.now(UTC)


def test_proof_set_every_proof_must_verify() -> None:
    unsigned = _vector("eddsa-rdfc-2022")["unsigned_doc"]
    first = add_proof(unsigned, signer=_did_key_signer(KeyType.ED25519), cryptosuite="eddsa-rdfc-2022")
    both = add_proof(first, signer=_did_key_signer(KeyType.P256), cryptosuite="ecdsa-jcs-2019")
    assert isinstance(both["proof"], list) and len(both["proof"]) == 2
    results = verify_proofs(both, resolver=RESOLVER, expected_purpose="assertionMethod")
    assert [r.cryptosuite for r in results] == ["eddsa-rdfc-2022", "ecdsa-jcs-2019"]
    broken = copy.deepcopy(both)
    broken["proof"][1]["created"] = "2020-01-01T00:00:00Z"
    assert _code(broken) == CRYPTOGRAPHIC_SECURITY_ERROR
    broken["proof"] = []
    assert _code(broken) == PROOF_VERIFICATION_ERROR


# Two blank-node subjects whose RDFC-1.0 labels differ between SHA-256 and SHA-384.
HASH_SENSITIVE = {
    "@context": [V2, EXAMPLES],
    "type": ["VerifiableCredential"],
    "issuer": "did:example:issuer",
    "credentialSubject": [{"name": "a0"}, {"name": "b"}],
}


def test_p384_rdfc_canonicalizes_with_sha384() -> None:
    # vc-di-ecdsa §3.3: RDFC-1.0 runs with SHA-384 for P-384, for the document
    # and the proof configuration alike.
    from credentials.vc.jsonld import to_nquads

    sha256 = to_nquads(HASH_SENSITIVE)
    sha384 = to_nquads(HASH_SENSITIVE, hash_algorithm="sha384")
    assert sha256 != sha384
    suite = CRYPTOSUITES["ecdsa-rdfc-2019"]
    signer = _did_key_signer(KeyType.P384)
    secured = add_proof(HASH_SENSITIVE, signer=signer, cryptosuite="ecdsa-rdfc-2019")
    options = {k: v for k, v in secured["proof"].items() if k != "proofValue"}
    data = suite.hash_input(HASH_SENSITIVE, options, key_type=KeyType.P384, loader=BUNDLED)
    assert data.canonical_document.decode() == sha384
    config = {**options, "@context": HASH_SENSITIVE["@context"]}
    assert data.canonical_proof_config.decode() == to_nquads(config, hash_algorithm="sha384")
    assert _verify(secured).cryptosuite == "ecdsa-rdfc-2019"
    p256 = suite.hash_input(HASH_SENSITIVE, options, key_type=KeyType.P256, loader=BUNDLED)
    assert p256.canonical_document.decode() == sha256
    assert CRYPTOSUITES["eddsa-rdfc-2022"].rdfc_hash(KeyType.ED25519) == "sha256"


@pytest.mark.parametrize("order", [(KeyType.P256, KeyType.P384), (KeyType.P384, KeyType.P256)])
def test_proof_set_of_p256_and_p384_rdfc_proofs(order: tuple[KeyType, KeyType]) -> None:
    # The verifier canonicalizes a proof set's document once per transformation;
    # reusing the SHA-256 form for the P-384 proof (or the reverse) would fail.
    secured: dict[str, Any] = HASH_SENSITIVE
    for key_type in order:
        secured = add_proof(secured, signer=_did_key_signer(key_type), cryptosuite="ecdsa-rdfc-2019")
    results = verify_proofs(secured, resolver=RESOLVER, expected_purpose="assertionMethod")
    assert [r.verification_method.public_key.type for r in results] == list(order)
    tampered = copy.deepcopy(secured)
    tampered["credentialSubject"][1]["name"] = "c"
    assert _code(tampered) == CRYPTOGRAPHIC_SECURITY_ERROR


# --- adversarial ---------------------------------------------------------------------


def test_unknown_cryptosuite() -> None:
    document = _signed("eddsa-jcs-2022")
    document["proof"]["cryptosuite"] = "eddsa-2099"
    with pytest.raises(VCError) as err:
        _verify(document)
    assert err.value.code == PROOF_VERIFICATION_ERROR
    assert "unknown cryptosuite" in err.value.message
    with pytest.raises(VCError) as err:
        add_proof({}, signer=_did_key_signer(KeyType.ED25519), cryptosuite="eddsa-2099")
    assert err.value.code == PROOF_GENERATION_ERROR


@pytest.mark.parametrize(
    ("source", "label"),
    [
        ("eddsa-jcs-2022", "eddsa-rdfc-2022"),
        ("eddsa-rdfc-2022", "eddsa-jcs-2022"),
        ("ecdsa-jcs-2019", "ecdsa-rdfc-2019"),
    ],
)
def test_proof_relabelled_to_the_other_canonicalization_fails_the_signature(source: str, label: str) -> None:
    document = _signed(source)
    document["proof"]["cryptosuite"] = label
    assert _code(document) == CRYPTOGRAPHIC_SECURITY_ERROR


@pytest.mark.parametrize(
    ("source", "label"), [("eddsa-jcs-2022", "ecdsa-jcs-2019"), ("ecdsa-rdfc-2019", "eddsa-rdfc-2022")]
)
def test_proof_relabelled_to_a_suite_of_another_key_type(source: str, label: str) -> None:
    document = _signed(source)
    document["proof"]["cryptosuite"] = label
    assert _code(document) == PROOF_VERIFICATION_ERROR


def test_wrong_proof_purpose() -> None:
    assert _code(_signed("eddsa-rdfc-2022"), expected_purpose="authentication") == PROOF_VERIFICATION_ERROR
    # A proof made for authentication does not count as an assertion.
    signer = _did_key_signer(KeyType.ED25519)
    secured = add_proof(_vector("eddsa-jcs-2022")["unsigned_doc"], signer=signer, cryptosuite="eddsa-jcs-2022",
                        proof_purpose="authentication")
    assert _code(secured) == PROOF_VERIFICATION_ERROR
    _verify(secured, expected_purpose="authentication")


def test_verification_method_of_a_did_key_that_did_not_sign() -> None:
    document = _signed("eddsa-jcs-2022")
    other = _did_key_signer(KeyType.ED25519)
    document["proof"]["verificationMethod"] = other.verification_method
    assert _code(document) == CRYPTOGRAPHIC_SECURITY_ERROR


def _web_resolver(did: str, key_multibase: str, *, controller: str, purpose: str = "assertionMethod") -> Resolver:
    vm_id = f"{did}#key-1"
    document = {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": controller, "publicKeyMultibase": key_multibase}
        ],
        purpose: [vm_id],
    }
    return Resolver(local={did: document})


def test_verification_method_whose_controller_is_another_did() -> None:
    signer_key = PrivateKey.generate(KeyType.ED25519)
    did = "did:web:university-a.example"
    unsigned = _vector("eddsa-jcs-2022")["unsigned_doc"]
    secured = add_proof(unsigned, signer=KeySigner(signer_key, f"{did}#key-1"), cryptosuite="eddsa-jcs-2022")
    honest = _web_resolver(did, signer_key.public_key.multibase(), controller=did)
    _verify(secured, resolver=honest)
    foreign = _web_resolver(did, signer_key.public_key.multibase(), controller="did:web:university-b.example")
    assert _code(secured, resolver=foreign) == INVALID_VERIFICATION_METHOD
    # Listed only for authentication: not good for an assertion.
    wrong_relationship = _web_resolver(did, signer_key.public_key.multibase(), controller=did, purpose="authentication")
    assert _code(secured, resolver=wrong_relationship) == INVALID_RELATIONSHIP_FOR_VERIFICATION_METHOD


def test_proof_context_differing_from_the_document_context() -> None:
    document = _signed("eddsa-jcs-2022")
    document["proof"]["@context"] = [V2]
    assert _code(document) == PROOF_VERIFICATION_ERROR
    document = _signed("eddsa-rdfc-2022")
    document["proof"]["@context"] = [V2, EXAMPLES, "https://w3id.org/security/data-integrity/v2"]
    assert _code(document) == PROOF_VERIFICATION_ERROR
    # The same context repeated in an rdfc proof changes nothing.
    document["proof"]["@context"] = [V2, EXAMPLES]
    _verify(document)


_IDENTITY_POINT = b"\x01" + b"\x00" * 31


def test_small_order_ed25519_key_in_a_did_key() -> None:
    did = "did:key:z" + base58btc_encode(b"\xed\x01" + _IDENTITY_POINT)
    document = _signed("eddsa-jcs-2022")
    document["proof"]["verificationMethod"] = f"{did}#{did.removeprefix('did:key:')}"
    # With A = R = identity and S = 0, a lax verifier accepts any message.
    document["proof"]["proofValue"] = encode_proof_value(_IDENTITY_POINT + b"\x00" * 32)
    assert _code(document) == DID_INVALID


def test_small_order_ed25519_key_in_a_did_document() -> None:
    did = "did:web:university-a.example"
    resolver = _web_resolver(did, "z" + base58btc_encode(b"\xed\x01" + _IDENTITY_POINT), controller=did)
    document = _signed("eddsa-jcs-2022")
    document["proof"]["verificationMethod"] = f"{did}#key-1"
    document["proof"]["proofValue"] = encode_proof_value(_IDENTITY_POINT + b"\x00" * 32)
    assert _code(document, resolver=resolver) == INVALID_VERIFICATION_METHOD


def test_small_order_r_with_a_real_key() -> None:
    document = _signed("eddsa-jcs-2022")
    document["proof"]["proofValue"] = encode_proof_value(_IDENTITY_POINT + b"\x00" * 32)
    assert _code(document) == CRYPTOGRAPHIC_SECURITY_ERROR


@pytest.mark.parametrize("suite", ["eddsa-jcs-2022", "eddsa-rdfc-2022"])
def test_non_canonical_signature_s_plus_l(suite: str) -> None:
    document = _signed(suite)
    signature = base58btc_decode(document["proof"]["proofValue"][1:])
    s = int.from_bytes(signature[32:], "little")
    malleated = signature[:32] + (s + ED25519_L).to_bytes(32, "little")
    document["proof"]["proofValue"] = encode_proof_value(malleated)
    assert _code(document) == CRYPTOGRAPHIC_SECURITY_ERROR


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "ecdsa-rdfc-2019"])
def test_undefined_term_at_issue_and_at_verify(suite: str) -> None:
    key_type = KeyType.ED25519 if suite.startswith("eddsa") else KeyType.P256
    signer = _did_key_signer(key_type)
    # The v2 context alone has no @vocab, so "favouriteColour" is defined nowhere.
    unsigned = {
        "@context": [V2],
        "type": ["VerifiableCredential"],
        "issuer": signer.verification_method.split("#")[0],
        "validFrom": "2023-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "favouriteColour": "blue"},
    }
    with pytest.raises(VCError) as err:
        add_proof(unsigned, signer=signer, cryptosuite=suite)
    assert err.value.code == MALFORMED_VALUE_ERROR
    clean = copy.deepcopy(unsigned)
    del clean["credentialSubject"]["favouriteColour"]
    secured = add_proof(clean, signer=signer, cryptosuite=suite)
    _verify(secured)
    secured["credentialSubject"]["favouriteColour"] = "blue"
    assert _code(secured) == MALFORMED_VALUE_ERROR


@pytest.mark.parametrize("vector", VECTORS, ids=IDS)
def test_truncated_proof_value(vector: dict[str, Any]) -> None:
    document = copy.deepcopy(vector["signed"])
    signature = base58btc_decode(document["proof"]["proofValue"][1:])
    document["proof"]["proofValue"] = encode_proof_value(signature[:-1])
    assert _code(document) == PROOF_VERIFICATION_ERROR
    document["proof"]["proofValue"] = vector["signed"]["proof"]["proofValue"][:-3]
    assert _code(document) == PROOF_VERIFICATION_ERROR


@pytest.mark.parametrize(
    "value",
    [
        "u" + "QHzRJlSzPXGOy7mReaFQbaqoSUUL8_xSPM4-HJb4uANR2j8lPXJcbwCwfJ5USNULPveAErmrVCVRFtBpxt0oCA",
        "2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjoJdcnTMuVor51aX",
        "z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjoJdcnTMuVor51a0",
        "",
        None,
        ["z2HnFSSPPBzR36zdDgK8PbEHeXbR56YF24jwMpt3R1eHXQzJDMWS93FCzpvJpwTWd3GAVFuUfjoJdcnTMuVor51aX"],
    ],
    ids=["base64url", "no-prefix", "bad-alphabet", "empty", "null", "list"],
)
def test_proof_value_that_is_not_z_base58btc(value: Any) -> None:
    document = _signed("eddsa-jcs-2022")
    document["proof"]["proofValue"] = value
    assert _code(document) == PROOF_VERIFICATION_ERROR


def test_p384_proof_with_a_p256_key() -> None:
    document = _signed("ecdsa-jcs-2019")
    p384 = next(v for v in VECTORS if v["cryptosuite"] == "ecdsa-jcs-2019" and "P-384" in v["name"])
    document["proof"] = copy.deepcopy(p384["signed"]["proof"])
    p256_vm = _signed("ecdsa-jcs-2019")["proof"]["verificationMethod"]
    assert "zDna" in p256_vm
    document["proof"]["verificationMethod"] = p256_vm
    assert _code(document) == PROOF_VERIFICATION_ERROR


def test_signer_of_the_wrong_key_type_cannot_issue() -> None:
    with pytest.raises(VCError) as err:
        add_proof({}, signer=_did_key_signer(KeyType.P256), cryptosuite="eddsa-jcs-2022")
    assert err.value.code == PROOF_GENERATION_ERROR
    with pytest.raises(VCError) as err:
        add_proof({}, signer=_did_key_signer(KeyType.ED25519), cryptosuite="ecdsa-rdfc-2019")
    assert err.value.code == PROOF_GENERATION_ERROR


def _presentation(suite: str, **options: Any) -> dict[str, Any]:
    signer = _did_key_signer(KeyType.ED25519 if suite.startswith("eddsa") else KeyType.P256)
    unsigned = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "holder": signer.verification_method.split("#")[0],
    }
    return add_proof(unsigned, signer=signer, cryptosuite=suite, proof_purpose="authentication", **options)


@pytest.mark.parametrize("suite", ["eddsa-jcs-2022", "eddsa-rdfc-2022", "ecdsa-rdfc-2019"])
def test_challenge_and_domain_of_authentication_proofs(suite: str) -> None:
    vp = _presentation(suite, challenge="c-123", domain="verifier.example")
    auth = {"expected_purpose": "authentication"}
    _verify(vp, challenge="c-123", domain="verifier.example", **auth)
    assert _code(vp, challenge="c-124", domain="verifier.example", **auth) == INVALID_CHALLENGE_ERROR
    assert _code(vp, challenge="c-123", domain="attacker.example", **auth) == INVALID_DOMAIN_ERROR
    assert _code(vp, challenge="c-123", domain=["a.example", "b.example"], **auth) == INVALID_DOMAIN_ERROR
    _verify(vp, challenge="c-123", domain=["a.example", "verifier.example"], **auth)
    # Rewriting the challenge to the expected one breaks the signature.
    replayed = copy.deepcopy(vp)
    replayed["proof"]["challenge"] = "c-999"
    assert _code(replayed, challenge="c-999", **auth) == CRYPTOGRAPHIC_SECURITY_ERROR
    # A proof without challenge or domain fails when they are expected.
    bare = _presentation(suite)
    assert _code(bare, challenge="c-123", **auth) == INVALID_CHALLENGE_ERROR
    assert _code(bare, domain="verifier.example", **auth) == INVALID_DOMAIN_ERROR


def test_domain_list_in_the_proof() -> None:
    vp = _presentation("eddsa-jcs-2022", challenge="n", domain=["a.example", "b.example"])
    assert vp["proof"]["domain"] == ["a.example", "b.example"]
    _verify(vp, expected_purpose="authentication", challenge="n", domain="b.example")
    assert _code(vp, expected_purpose="authentication", challenge="n", domain="c.example") == INVALID_DOMAIN_ERROR


def test_expired_proof() -> None:
    signer = _did_key_signer(KeyType.ED25519)
    secured = add_proof(_vector("eddsa-jcs-2022")["unsigned_doc"], signer=signer, cryptosuite="eddsa-jcs-2022",
                        created="2023-01-01T00:00:00Z", expires="2024-01-01T00:00:00Z")
    _verify(secured, now=datetime(2023, 6, 1, tzinfo=UTC))
    assert _code(secured, now=datetime(2024, 1, 1, tzinfo=UTC)) == PROOF_VERIFICATION_ERROR
    assert _code(secured) == PROOF_VERIFICATION_ERROR  # now defaults to the present


@pytest.mark.parametrize(
    "created", ["yesterday", "2023-02-24", "2023-02-30T00:00:00Z", "2023-02-24 23:36:38Z", 1677281798]
)
def test_created_must_be_a_datetime(created: Any) -> None:
    document = _signed("eddsa-jcs-2022")
    document["proof"]["created"] = created
    assert _code(document) == PROOF_VERIFICATION_ERROR
    with pytest.raises(VCError) as err:
        add_proof({}, signer=_did_key_signer(KeyType.ED25519), cryptosuite="eddsa-jcs-2022", created=str(created))
    assert err.value.code == PROOF_GENERATION_ERROR


@pytest.mark.parametrize(
    "change",
    [
        {"type": "Ed25519Signature2020"},
        {"previousProof": "urn:uuid:1"},
        {"verificationMethod": None},
        {"proofPurpose": None},
    ],
    ids=["type", "previousProof", "no-verificationMethod", "no-proofPurpose"],
)
def test_malformed_proofs(change: dict[str, Any]) -> None:
    document = _signed("eddsa-jcs-2022")
    for key, value in change.items():
        if value is None:
            del document["proof"][key]
        else:
            document["proof"][key] = value
    assert _code(document) == PROOF_VERIFICATION_ERROR


def test_document_without_proof() -> None:
    assert _code(copy.deepcopy(_vector("eddsa-jcs-2022")["unsigned_doc"])) == PROOF_VERIFICATION_ERROR
    document = _signed("eddsa-jcs-2022")
    document["proof"] = "z2HnFSSPPBzR36zdDgK8"
    assert _code(document) == PROOF_VERIFICATION_ERROR


@pytest.mark.parametrize(
    "options",
    [{"challenge": ""}, {"challenge": 5}, {"domain": ""}, {"domain": []}, {"domain": ["a.example", 3]}],
    ids=["empty-challenge", "int-challenge", "empty-domain", "empty-domain-list", "non-string-domain"],
)
def test_bad_presentation_options_at_issue(options: dict[str, Any]) -> None:
    with pytest.raises(VCError) as err:
        _presentation("eddsa-jcs-2022", **options)
    assert err.value.code == PROOF_GENERATION_ERROR


def test_proof_options_must_be_flat() -> None:
    """A nested object in the proof would only add blank nodes for the verifier to canonicalize."""
    from credentials.vc.suites import add_proof, verify_proof
    from identity.did import Resolver, did_key_from_public_key
    from identity.keys import KeySigner, KeyType, PrivateKey

    key = PrivateKey.generate(KeyType.ED25519)
    did = did_key_from_public_key(key.public_key)
    doc = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"], "issuer": did,
           "credentialSubject": {"id": "did:example:1"}}
    signed = add_proof(doc, signer=KeySigner(key, f"{did}#{did.split(':')[2]}"), cryptosuite="eddsa-rdfc-2022")
    signed["proof"]["nonce"] = {"a": {"b": {"c": 1}}}
    with pytest.raises(VCError) as info:
        verify_proof(signed, resolver=Resolver(local={}), expected_purpose="assertionMethod")
    assert info.value.code == PROOF_VERIFICATION_ERROR
