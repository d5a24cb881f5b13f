"""eddsa-rdfc-2022 and ecdsa-rdfc-2019 against Digital Bazaar's implementation.

Both directions, for Ed25519, P-256 and P-384 did:key issuers: what we sign
verifies in @digitalbazaar/vc (jsonld.js, rdf-canonize, the cryptosuites), what
it signs verifies in our pipeline, and a tampered document fails in both. The
canonical N-Quads of every document are compared too, so that a disagreement
points at the exact statement rather than at "signature invalid".

All node work of this module is one batch (one process), built at import and
run once per worker by the ``peer`` fixture.
"""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from credentials.vc import suites
from credentials.vc.errors import (
    CRYPTOGRAPHIC_SECURITY_ERROR,
    INVALID_CHALLENGE_ERROR,
)
from credentials.vc.jsonld import to_nquads
from credentials.vc.verify import verify_credential, verify_presentation
from identity.did import Resolver
from identity.keys import KeyType, PrivateKey
from tests.conftest import alumni, diploma
from tests.interop import peer
from tests.interop.peer import Party

NOW = datetime(2026, 9, 1, tzinfo=UTC)
NOW_TEXT = "2026-09-01T00:00:00Z"
CREATED = "2026-08-01T12:00:00Z"
CREATED_LATER = "2026-08-02T08:30:00Z"
RESOLVER = Resolver(local={})
V2 = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]
COMBOS = [("eddsa-rdfc-2022", KeyType.ED25519), ("ecdsa-rdfc-2019", KeyType.P256), ("ecdsa-rdfc-2019", KeyType.P384)]
COMBO_IDS = ["eddsa-rdfc-2022", "ecdsa-rdfc-2019-P256", "ecdsa-rdfc-2019-P384"]
CHALLENGE = "c0ffee-挑战-1"
DOMAIN = "https://verifier.example.cn"
EMBEDDED_ISSUER = Party(KeyType.ED25519, "embedded issuer")



def literals(issuer: str) -> dict[str, Any]:
    """Literals whose escaping or number formatting differs easily between implementations."""
    return {
        "@context": V2,
        "id": "urn:uuid:5b0d7f0e-8c1a-4b5e-9d3f-0a1b2c3d4e5f",
        "type": ["VerifiableCredential", "ExampleLiteralsCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:literals",
            "tab": "before\tafter",
            "newlines": "line 1\nline 2\r\nline 3\rend",
            "quotes": 'she said "你好" and \'bye\'',
            "backslashes": "C:\\Users\\李明\\n is not a newline\\",
            "emoji": "🎓 😀 𝄞 👩‍👩‍👧 🇨🇳",
            "controls": "\u0000\u0001\b\u000b\f\u001f\u007f",
            "separators": "\u00a0\u2028\u2029\ufeff\u200b",
            "chinese": "中华人民共和国教育部 学历证书电子注册备案表",
            "integer": 42,
            "negative": -7,
            "zero": 0,
            "negativeZero": -0.0,
            "float": 1.5,
            "integralFloat": 2.0,
            "tenth": 0.1,
            "thirds": [0.3333333333333333, 1.6666666666666667e-7],
            "large": 1e21,
            "largeInteger": 10**21,
            "hugeNegative": -1.7976931348623157e308,
            "tiny": 2.5e-300,
            "booleans": [True, False],
            "nothing": None,
            "mixed": [1, "one", True, {"nested": "值"}],
            "tagged": {"@value": "清华大学", "@language": "zh-Hans-CN"},
            "typedDouble": {"@value": 3, "@type": "http://www.w3.org/2001/XMLSchema#double"},
            "typedDate": {"@value": "2026-07-01", "@type": "http://www.w3.org/2001/XMLSchema#date"},
            "json": {"@value": {"b": [1.5, "x", None, 1e21], "a": "é", "\U0001f600": 1}, "@type": "@json"},
        },
    }


def vc11(issuer: str) -> dict[str, Any]:
    """A VC Data Model 1.1 credential with the Data Integrity v2 context."""
    return {
        "@context": [
            "https://www.w3.org/2018/credentials/v1",
            "https://w3id.org/security/data-integrity/v2",
            {"alumniOf": "https://schema.org/alumniOf"},
        ],
        "id": "urn:uuid:9d1e2f3a-4b5c-4d6e-8f7a-0b1c2d3e4f5a",
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "issuanceDate": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "复旦大学 Fudan University"},
    }


DOCUMENTS = {"alumni": alumni, "diploma": diploma, "literals": literals, "vc11": vc11}


def tampered(doc: dict[str, Any], name: str) -> dict[str, Any]:
    """A copy with one literal changed in a way a careless canonicalizer might not notice."""
    out = copy.deepcopy(doc)
    subject = out["credentialSubject"]
    if name == "literals":
        subject["tab"] = "before after"  # a tab became a space
    elif name == "diploma":
        subject["result"][0]["value"] = "3.92"
    else:
        subject["alumniOf"] = subject["alumniOf"] + " "
    return out


class Batch:
    """Requests for the node peer, each under a key, and the results after :meth:`run`."""

    def __init__(self) -> None:
        self.keys: list[str] = []
        self.requests: list[dict[str, Any]] = []
        self.results: dict[str, dict[str, Any]] = {}
        self.local: dict[str, Any] = {}

    def add(self, key: str, request: dict[str, Any]) -> None:
        self.keys.append(key)
        self.requests.append(request)

    def run(self) -> Batch:
        self.results = dict(zip(self.keys, peer.run(self.requests), strict=True))
        return self

    def __getitem__(self, key: str) -> dict[str, Any]:
        return peer.ok(self.results[key])


def build() -> Batch:
    batch = Batch()
    for (suite, key_type), combo in zip(COMBOS, COMBO_IDS, strict=True):
        issuer = Party(key_type, f"{combo} issuer")
        holder = Party(key_type, f"{combo} holder")
        batch.local[combo] = {"issuer": issuer, "holder": holder}
        for name, make in DOCUMENTS.items():
            case = f"{combo}/{name}"
            doc = make(issuer.did)
            ours = suites.add_proof(doc, signer=issuer.signer, cryptosuite=suite, created=CREATED)
            batch.local[case] = {"unsigned": doc, "ours": ours}
            batch.add(f"{case}/verify", {"action": "verify", "document": ours, "now": NOW_TEXT})
            batch.add(f"{case}/verify-tampered", {"action": "verify", "document": tampered(ours, name), "now": NOW_TEXT})
            batch.add(f"{case}/canonize", {"action": "canonize", "document": doc})
            batch.add(f"{case}/canonize-sha384", {"action": "canonize", "document": doc, "hash": "SHA-384"})
            batch.add(f"{case}/issue", {
                "action": "issue", "cryptosuite": suite, "created": CREATED, "credential": doc, "key": issuer.multikey(),
            })
            if name == "alumni":
                # Their fresh key: a random DID, so only on a document without blank nodes,
                # whose canonical form cannot depend on it.
                batch.add(f"{combo}/issue-generated", {
                    "action": "issue", "cryptosuite": suite, "created": CREATED, "credential": doc,
                    "generate": key_type.value,
                })

        # Proof sets (VC Data Integrity §2.1.2): two proofs of ours; and one of ours
        # to which their library adds its own.
        once = batch.local[f"{combo}/alumni"]["ours"]
        twice = suites.add_proof(once, signer=issuer.signer, cryptosuite=suite, created=CREATED_LATER)
        batch.local[f"{combo}/proof-set"] = twice
        batch.add(f"{combo}/proof-set/verify", {"action": "verify", "document": twice, "now": NOW_TEXT})
        batch.add(f"{combo}/proof-set/issue", {
            "action": "issue", "cryptosuite": suite, "created": CREATED_LATER, "credential": once,
            "key": issuer.multikey(),
        })

        # A presentation of ours: holder-signed (authentication) over embedded credentials.
        # The embedded ones are Ed25519-signed (deterministic) so that every
        # document here, and so its blank-node labelling, is the same every run.
        embedded = suites.add_proof(
            alumni(EMBEDDED_ISSUER.did), signer=EMBEDDED_ISSUER.signer, cryptosuite="eddsa-rdfc-2022",
            created=CREATED,
        )
        vp = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "id": "urn:uuid:0a9b8c7d-6e5f-4a3b-2c1d-0e9f8a7b6c5d",
            "type": ["VerifiablePresentation"],
            "holder": holder.did,
            "verifiableCredential": [embedded],
        }
        signed_vp = suites.add_proof(
            vp, signer=holder.signer, cryptosuite=suite, proof_purpose="authentication",
            created=CREATED, challenge=CHALLENGE, domain=DOMAIN,
        )
        batch.local[f"{combo}/vp"] = signed_vp
        batch.add(f"{combo}/vp/canonize", {"action": "canonize", "document": vp})
        batch.add(f"{combo}/vp/canonize-sha384", {"action": "canonize", "document": vp, "hash": "SHA-384"})
        batch.add(f"{combo}/vp/verify", {
            "action": "verify", "document": signed_vp, "challenge": CHALLENGE, "domain": DOMAIN, "now": NOW_TEXT,
        })
        batch.add(f"{combo}/vp/verify-wrong-challenge", {
            "action": "verify", "document": signed_vp, "challenge": "another-session", "domain": DOMAIN,
            "now": NOW_TEXT,
        })
        embedded_tampered = copy.deepcopy(signed_vp)
        embedded_tampered["verifiableCredential"][0]["credentialSubject"]["alumniOf"] = "The School of Forgeries"
        batch.add(f"{combo}/vp/verify-tampered", {
            "action": "verify", "document": embedded_tampered, "challenge": CHALLENGE, "domain": DOMAIN,
            "now": NOW_TEXT,
        })
        # Theirs: the holder's key signs (through their library) a presentation holding
        # our credential and a diploma their library issues.
        batch.add(f"{combo}/vp/prove", {
            "action": "prove", "cryptosuite": suite, "created": CREATED, "key": holder.multikey(),
            "challenge": CHALLENGE, "domain": DOMAIN, "presentation": vp,
            "issue": [{
                "action": "issue", "cryptosuite": "eddsa-rdfc-2022", "created": CREATED,
                "key": EMBEDDED_ISSUER.multikey(), "credential": diploma(EMBEDDED_ISSUER.did),
            }],
        })
    return batch.run()


@pytest.fixture(scope="module")
def exchange() -> Batch:
    return build()


def statuses(result) -> dict[str, tuple[str, str | None]]:
    return {c.check: (c.status, c.code) for c in result.checks}


def assert_verified_by_us(doc: dict[str, Any], *, has_status: bool) -> None:
    result = verify_credential(doc, resolver=RESOLVER, now=NOW)
    got = statuses(result)
    assert got["proof"] == ("passed", None), result.as_dict()
    assert got["issuer"] == ("passed", None), result.as_dict()
    assert got["validity"] == ("passed", None), result.as_dict()
    if not has_status:
        assert result.verified, result.as_dict()


CASES = [pytest.param(combo, name, id=f"{combo}-{name}") for combo in COMBO_IDS for name in DOCUMENTS]

# vc-di-ecdsa §3.3 ("canon-and-hash"): with P-384 keys, RDFC-1.0 itself must hash
# with SHA-384 (its implementation-specific hash parameter), not only the final
# hashing step. The documents here are fixed (seeded keys, Ed25519-signed
# embedded credentials), so the cases whose blank-node labels depend on that hash
# are fixed too; test_p384_canonicalizes_with_sha384 checks they still exist, so
# that the P-384 cases keep testing it.
P384_HASH_SENSITIVE = {("ecdsa-rdfc-2019-P384", "diploma"), ("ecdsa-rdfc-2019-P384", "vp")}


@pytest.mark.parametrize(("combo", "name"), CASES)
def test_same_canonical_nquads(exchange, combo, name):
    doc = exchange.local[f"{combo}/{name}"]["unsigned"]
    ours = to_nquads(doc)
    theirs = exchange[f"{combo}/{name}/canonize"]["nquads"]
    assert ours.splitlines() == theirs.splitlines()
    assert ours == theirs


@pytest.mark.parametrize(("combo", "name"), CASES)
def test_ours_verifies_in_digitalbazaar(exchange, combo, name):
    result = exchange[f"{combo}/{name}/verify"]
    assert result == {"verified": True, "errors": []}


@pytest.mark.parametrize(("combo", "name"), CASES)
def test_ours_tampered_fails_in_digitalbazaar(exchange, combo, name):
    result = exchange[f"{combo}/{name}/verify-tampered"]
    assert result["verified"] is False
    assert any("Invalid signature" in e for e in result["errors"]), result["errors"]
    # The untampered document verifies in the same batch, so this failure is the edit's.
    assert exchange[f"{combo}/{name}/verify"]["verified"] is True


@pytest.mark.parametrize(("combo", "name"), CASES)
def test_theirs_verifies_in_ours(exchange, combo, name):
    theirs = exchange[f"{combo}/{name}/issue"]["document"]
    ours = exchange.local[f"{combo}/{name}"]["ours"]
    # Their library wrote the same proof options we do, in its own member order.
    assert {k: v for k, v in theirs["proof"].items() if k != "proofValue"} == {
        k: v for k, v in ours["proof"].items() if k != "proofValue"
    }
    assert {k: v for k, v in theirs.items() if k != "proof"} == exchange.local[f"{combo}/{name}"]["unsigned"]
    assert_verified_by_us(theirs, has_status=name == "diploma")


@pytest.mark.parametrize(("combo", "name"), CASES)
def test_theirs_tampered_fails_in_ours(exchange, combo, name):
    theirs = exchange[f"{combo}/{name}/issue"]["document"]
    result = verify_credential(tampered(theirs, name), resolver=RESOLVER, now=NOW)
    assert statuses(result)["proof"] == ("failed", CRYPTOGRAPHIC_SECURITY_ERROR)
    assert not result.verified


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_eddsa_proof_values_are_identical(exchange, name):
    # Ed25519 is deterministic: same key, document and options must give the same
    # proofValue, byte for byte, from both implementations.
    ours = exchange.local[f"eddsa-rdfc-2022/{name}"]["ours"]
    theirs = exchange[f"eddsa-rdfc-2022/{name}/issue"]["document"]
    assert theirs["proof"]["proofValue"] == ours["proof"]["proofValue"]


@pytest.mark.parametrize("combo", COMBO_IDS)
def test_proof_sets_verify_both_ways(exchange, combo):
    assert exchange[f"{combo}/proof-set/verify"] == {"verified": True, "errors": []}
    mixed = exchange[f"{combo}/proof-set/issue"]["document"]
    assert [p["created"] for p in mixed["proof"]] == [CREATED, CREATED_LATER]
    assert mixed["proof"][0] == exchange.local[f"{combo}/alumni"]["ours"]["proof"]
    assert_verified_by_us(mixed, has_status=False)
    # Each proof of the set signs the document without any proof: either alone verifies.
    for proof in mixed["proof"]:
        assert_verified_by_us({**mixed, "proof": proof}, has_status=False)
    forged = copy.deepcopy(mixed)
    forged["proof"][1]["proofValue"] = forged["proof"][0]["proofValue"]
    result = verify_credential(forged, resolver=RESOLVER, now=NOW)
    assert statuses(result)["proof"] == ("failed", CRYPTOGRAPHIC_SECURITY_ERROR)


@pytest.mark.parametrize("combo", COMBO_IDS)
def test_their_generated_keys_work_here(exchange, combo):
    result = exchange[f"{combo}/issue-generated"]
    key = result["key"]
    # Their secretKeyMultibase decodes here to the key behind their publicKeyMultibase.
    assert PrivateKey.from_multibase(key["secretKeyMultibase"]).public_key.multibase() == key["publicKeyMultibase"]
    if combo.startswith("eddsa"):
        # Their default export is the legacy 64-byte seed||public key (the Multikey
        # format is the 32-byte seed); it loads here too, as the same key.
        assert key["legacySecretKeyMultibase"] != key["secretKeyMultibase"]
        legacy = PrivateKey.from_multibase(key["legacySecretKeyMultibase"])
        assert legacy.public_key.multibase() == key["publicKeyMultibase"]
    else:
        assert key["legacySecretKeyMultibase"] == key["secretKeyMultibase"]
    doc = result["document"]
    issuer = doc["issuer"]["id"] if isinstance(doc["issuer"], dict) else doc["issuer"]
    assert issuer == "did:key:" + key["publicKeyMultibase"]
    assert_verified_by_us(doc, has_status=False)


@pytest.mark.parametrize("combo", COMBO_IDS)
def test_our_presentation_verifies_in_digitalbazaar(exchange, combo):
    assert exchange[f"{combo}/vp/verify"] == {"verified": True, "errors": []}
    # And here, as the control.
    result = verify_presentation(
        exchange.local[f"{combo}/vp"], resolver=RESOLVER, challenge=CHALLENGE, domain=DOMAIN, now=NOW,
    )
    assert result.verified, result.as_dict()


@pytest.mark.parametrize("combo", COMBO_IDS)
def test_our_presentation_with_wrong_challenge_or_tampering_fails_in_digitalbazaar(exchange, combo):
    wrong = exchange[f"{combo}/vp/verify-wrong-challenge"]
    assert wrong["verified"] is False
    assert any("challenge" in e for e in wrong["errors"]), wrong["errors"]
    forged = exchange[f"{combo}/vp/verify-tampered"]
    assert forged["verified"] is False
    assert any("Invalid signature" in e for e in forged["errors"]), forged["errors"]


@pytest.mark.parametrize("combo", COMBO_IDS)
def test_their_presentation_verifies_in_ours(exchange, combo):
    vp = exchange[f"{combo}/vp/prove"]["document"]
    assert vp["proof"]["proofPurpose"] == "authentication"
    assert vp["proof"]["challenge"] == CHALLENGE
    assert len(vp["verifiableCredential"]) == 2
    result = verify_presentation(vp, resolver=RESOLVER, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    got = statuses(result)
    assert got["proof"] == ("passed", None), result.as_dict()
    # Every embedded credential (ours and theirs) passed its proof check too.
    dumped = json.dumps(result.as_dict())
    assert CRYPTOGRAPHIC_SECURITY_ERROR not in dumped, dumped

    wrong = verify_presentation(vp, resolver=RESOLVER, challenge="another-session", domain=DOMAIN, now=NOW)
    assert statuses(wrong)["proof"] == ("failed", INVALID_CHALLENGE_ERROR)
    assert not wrong.verified

    forged = copy.deepcopy(vp)
    forged["verifiableCredential"][0]["credentialSubject"]["alumniOf"] = "The School of Forgeries"
    result = verify_presentation(forged, resolver=RESOLVER, challenge=CHALLENGE, domain=DOMAIN, now=NOW)
    assert statuses(result)["proof"] == ("failed", CRYPTOGRAPHIC_SECURITY_ERROR)
    assert not result.verified


def test_p384_canonicalizes_with_sha384(exchange):
    # Ours with SHA-384 equals theirs with SHA-384, and on the hash-sensitive
    # documents differs from SHA-256 (so the P-384 cases above really test it).
    differs = set()
    for name in [*DOCUMENTS, "vp"]:
        prefix = f"ecdsa-rdfc-2019-P384/{name}"
        unsigned = exchange.local[prefix]["unsigned"] if name != "vp" else {
            k: v for k, v in exchange.local[prefix].items() if k != "proof"
        }
        sha256 = exchange[f"{prefix}/canonize"]["nquads"]
        sha384 = exchange[f"{prefix}/canonize-sha384"]["nquads"]
        assert to_nquads(unsigned) == sha256
        assert to_nquads(unsigned, hash_algorithm="sha384") == sha384
        # Same statements up to blank-node labels: the hash changes only the labelling.
        assert sorted(_unlabelled(sha256)) == sorted(_unlabelled(sha384))
        if sha256 != sha384:
            differs.add(("ecdsa-rdfc-2019-P384", name))
    assert differs == P384_HASH_SENSITIVE


def _unlabelled(nquads: str) -> list[str]:
    return [re.sub(r"_:c14n\d+", "_:b", line) for line in nquads.splitlines()]
