"""Context injection against RDFC proofs, and resource bounds of the JSON-LD processor.

An RDFC signature covers the RDF graph, while a verifier reads JSON keys. Each
attack below signs a credential, then appends a context (inline, or a bundled
URL) that keeps the graph identical while the JSON says something else. Safe
mode must refuse each forgery (the proof check fails with
``MALFORMED_VALUE_ERROR``) while the unforged credential verifies; each test
checks both, so none passes vacuously. The red-team scripts these reproduce
are named in each test.
"""

from __future__ import annotations

import copy
import time
from datetime import datetime, timezone
from typing import Any

import pytest

from credentials.vc import errors, status, suites
from credentials.vc.errors import MALFORMED_VALUE_ERROR, PROOF_TRANSFORMATION_ERROR, VCError
from credentials.vc.jsonld import canonicalize, context, to_nquads, to_rdf, work_budget
from credentials.vc.jsonld import iri as iri_module
from credentials.vc.documents import BUNDLED
from credentials.vc.verify import verify_credential
from identity.did import Resolver, did_key_from_public_key
from identity.keys import KeySigner, KeyType, PrivateKey

NOW = datetime(2026, 7, 1, tzinfo=timezone.utc)
RESOLVER = Resolver(local={})
LIST_URL = "https://university.example/status/1"
EX = "https://www.w3.org/ns/credentials/examples#"


def statuses(result: Any) -> dict[str, tuple[str, str | None]]:
    return {c.check: (c.status, c.code) for c in result.checks}


def new_signer(key_type: KeyType = KeyType.ED25519) -> tuple[str, KeySigner]:
    key = PrivateKey.generate(key_type)
    did = did_key_from_public_key(key.public_key)
    return did, KeySigner(key, f"{did}#{did.split(':', 2)[2]}")


def credential_for(did: str, **extra: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:0f4c1a4e-2b7e-4f4e-9c39-6d1c3c0c0001",
        "type": ["VerifiableCredential", "AlumniCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "Tsinghua University"},
    }
    doc.update(extra)
    return doc


def signed(**extra: Any) -> dict[str, Any]:
    did, signer = new_signer()
    return suites.add_proof(credential_for(did, **extra), signer=signer, cryptosuite="eddsa-rdfc-2022")


def revoked_with_list() -> tuple[dict[str, Any], dict[str, Any]]:
    """A revoked credential (index 94567 set) and its signed status list."""
    did, signer = new_signer()
    bits = status.new_bitstring()
    status.set_status(bits, 94567)
    status_list = suites.add_proof(
        status.build_status_list_credential(list_id=LIST_URL, issuer=did, purpose="revocation", bits=bits),
        signer=signer, cryptosuite="eddsa-rdfc-2022",
    )
    cred = suites.add_proof(credential_for(did, credentialStatus={
        "id": LIST_URL + "#94567", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
        "statusListIndex": "94567", "statusListCredential": LIST_URL,
    }), signer=signer, cryptosuite="eddsa-rdfc-2022")
    return cred, status_list


def with_context(doc: dict[str, Any], extra: Any) -> dict[str, Any]:
    forged = copy.deepcopy(doc)
    forged["@context"] = forged["@context"] + [extra]
    return forged


def refusal(document: dict[str, Any]) -> VCError:
    with pytest.raises(VCError) as caught:
        to_nquads(document)
    return caught.value


def assert_refused(forged: dict[str, Any], fragment: str, **kwargs: Any) -> None:
    result = verify_credential(forged, resolver=RESOLVER, now=NOW, **kwargs)
    assert not result.verified
    proof = next(c for c in result.checks if c.check == "proof")
    assert (proof.status, proof.code) == ("failed", MALFORMED_VALUE_ERROR), result.as_dict()
    assert fragment in proof.message, proof.message


# -- aliases of protected terms (rule: a key meaning a protected term is that term) --


def test_revoked_credential_with_credential_status_renamed_to_an_alias():
    # alias_status.py
    cred, status_list = revoked_with_list()
    original = verify_credential(cred, resolver=RESOLVER, now=NOW, status_lists={LIST_URL: status_list})
    assert statuses(original)["proof"] == ("passed", None)
    assert statuses(original)["status"][0] == "failed"
    forged = with_context(cred, {"cs": {"@id": "https://www.w3.org/2018/credentials#credentialStatus", "@type": "@id"}})
    forged["cs"] = forged.pop("credentialStatus")
    assert_refused(forged, "'cs' is an alias of the protected term 'credentialStatus'",
                   status_lists={LIST_URL: status_list})


def test_expired_credential_with_valid_until_renamed():
    # alias_validuntil.py
    cred = signed(validUntil="2026-03-01T00:00:00Z")
    assert statuses(verify_credential(cred, resolver=RESOLVER, now=NOW))["validity"][0] == "failed"
    forged = with_context(cred, {"vu": {"@id": "https://www.w3.org/2018/credentials#validUntil",
                                        "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}})
    forged["vu"] = forged.pop("validUntil")
    assert_refused(forged, "'vu' is an alias of the protected term 'validUntil'")


def _expired_proof() -> dict[str, Any]:
    did, signer = new_signer()
    cred = suites.add_proof(credential_for(did), signer=signer, cryptosuite="eddsa-rdfc-2022",
                            created="2026-01-01T00:00:00Z", expires="2026-02-01T00:00:00Z")
    assert not verify_credential(cred, resolver=RESOLVER, now=NOW).verified
    return cred


def test_expired_proof_with_expires_renamed_by_an_inline_context():
    # alias_proof_expires.py
    forged = with_context(_expired_proof(), {"exp2": {"@id": "https://w3id.org/security#expiration",
                                                      "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}})
    forged["proof"]["exp2"] = forged["proof"].pop("expires")
    assert_refused(forged, "'exp2' is an alias of the protected term 'expires'")


@pytest.mark.parametrize("url", ["https://w3id.org/security/v1", "https://w3id.org/security/v2"])
def test_expired_proof_with_expires_renamed_through_a_bundled_context(url: str):
    # bundled_only_expires.py: security/v1 and v2 map 'expiration' to sec:expiration too.
    forged = with_context(_expired_proof(), url)
    forged["proof"]["expiration"] = forged["proof"].pop("expires")
    assert_refused(forged, "'expiration' is an alias of the protected term 'expires'")


def test_subject_id_hidden_behind_an_id_alias():
    # alias_subject_id.py
    cred = signed()
    forged = with_context(cred, {"subjectRef": "@id"})
    forged["credentialSubject"]["subjectRef"] = forged["credentialSubject"].pop("id")
    assert_refused(forged, "'subjectRef' is an alias of the protected term 'id' (@id)")


def test_status_list_id_hidden_behind_an_id_alias():
    # status_list_swap.py: the list's own proof must fail, so it cannot stand in for another list.
    _, status_list = revoked_with_list()
    forged = with_context(status_list, {"ident": "@id"})
    forged["ident"] = forged.pop("id")
    assert statuses(verify_credential(status_list, resolver=RESOLVER, now=NOW))["proof"] == ("passed", None)
    assert_refused(forged, "'ident' is an alias of the protected term 'id'")


def test_type_value_aliasing_a_protected_type():
    cred = signed()
    forged = with_context(cred, {"VC": "https://www.w3.org/2018/credentials#VerifiableCredential"})
    forged["type"] = ["VC", "AlumniCredential"]
    # The verifier's structure check refuses it too; the processor must on its own.
    err = refusal(forged)
    assert err.code == MALFORMED_VALUE_ERROR
    assert "'VC' is an alias of the protected term 'VerifiableCredential'" in err.message
    assert err.message.endswith("(at $.type)")


def test_full_iri_key_for_a_protected_term_is_refused():
    cred = signed(validUntil="2026-03-01T00:00:00Z")
    forged = copy.deepcopy(cred)
    forged["https://www.w3.org/2018/credentials#validUntil"] = {
        "@value": forged.pop("validUntil"), "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}
    assert_refused(forged, "alias of the protected term 'validUntil'")


# -- terms a document's context redefines onto another name's IRI ------------------


def test_claims_swapped_by_redefining_vocabulary_terms():
    # alias_claims.py
    did, signer = new_signer()
    cred = suites.add_proof(credential_for(did, credentialSubject={
        "id": "did:example:alice",
        "degree": {"type": "BachelorDegree", "name": "Bachelor of Arts"},
        "alumniOf": "Nowhere Community College", "droppedOutOf": "Tsinghua University",
    }), signer=signer, cryptosuite="eddsa-rdfc-2022")
    assert verify_credential(cred, resolver=RESOLVER, now=NOW).verified
    forged = with_context(cred, {
        "MasterDegree": EX + "BachelorDegree",
        "alumniOf": EX + "droppedOutOf", "droppedOutOf": EX + "alumniOf",
    })
    subject = forged["credentialSubject"]
    subject["degree"]["type"] = "MasterDegree"
    subject["alumniOf"], subject["droppedOutOf"] = "Tsinghua University", "Nowhere Community College"
    assert_refused(forged, "which the key 'droppedOutOf' means through @vocab")
    # Each half of the forgery is refused on its own.
    only_type = with_context(cred, {"MasterDegree": EX + "BachelorDegree"})
    only_type["credentialSubject"]["degree"]["type"] = "MasterDegree"
    assert_refused(only_type, "'MasterDegree' is defined by the document to mean")


def test_second_name_for_a_bundled_term_is_refused():
    cred = signed()
    forged = with_context(cred, {"holder2": "https://www.w3.org/ns/credentials/examples#alumniOf",
                                 "alumniOf": "https://www.w3.org/ns/credentials/examples#alumniOf"})
    forged["credentialSubject"]["holder2"] = forged["credentialSubject"].pop("alumniOf")
    assert_refused(forged, "'holder2' is defined by the document to mean")


def test_an_inline_context_with_its_own_vocabulary_still_works():
    did, signer = new_signer()
    doc = credential_for(did)
    doc["@context"] = doc["@context"] + [{"gpa": "https://example.org/ns#gpa"}]
    doc["credentialSubject"]["gpa"] = "4.0"
    cred = suites.add_proof(doc, signer=signer, cryptosuite="eddsa-rdfc-2022")
    assert verify_credential(cred, resolver=RESOLVER, now=NOW).verified


# -- values written as something other than the IRI the graph holds ----------------


def test_status_list_url_written_as_a_compact_iri():
    # prefix_status_url.py
    cred, status_list = revoked_with_list()
    forged = with_context(cred, {"u": {"@id": "https://university.example/status/", "@prefix": True}})
    forged["credentialStatus"]["statusListCredential"] = "u:1"
    forged["credentialStatus"]["id"] = "u:1#94567"
    assert_refused(forged, "is not the IRI it stands for", status_lists={LIST_URL: status_list})
    only_value = with_context(cred, {"u": {"@id": "https://university.example/status/", "@prefix": True}})
    only_value["credentialStatus"]["statusListCredential"] = "u:1"
    assert_refused(only_value, "@id value 'u:1' is not the IRI it stands for",
                   status_lists={LIST_URL: status_list})


def test_status_list_url_written_relative_to_an_injected_base():
    cred, status_list = revoked_with_list()
    forged = with_context(cred, {"@base": "https://university.example/status/"})
    forged["credentialStatus"]["statusListCredential"] = "1"
    assert_refused(forged, "@id value '1' is not the IRI it stands for", status_lists={LIST_URL: status_list})


def test_vocab_values_must_be_full_iris_or_terms():
    base = {"@context": {"v": {"@id": "http://example.org/v", "@type": "@vocab"},
                         "ex": "http://example.org/ns#", "Known": "http://example.org/ns#Known"},
            "@id": "http://example.org/s"}
    assert to_nquads({**base, "v": "Known"}) == (
        "<http://example.org/s> <http://example.org/v> <http://example.org/ns#Known> .\n")
    assert to_nquads({**base, "v": "http://example.org/ns#Known"}).endswith("<http://example.org/ns#Known> .\n")
    with pytest.raises(VCError) as caught:
        to_nquads({**base, "v": "ex:Known"})
    assert caught.value.code == MALFORMED_VALUE_ERROR
    assert "@vocab value 'ex:Known' is not the IRI it stands for" in caught.value.message
    # Blank node identifiers are not IRIs and stay as written.
    assert to_nquads({**base, "v": "_:b"}).startswith("<http://example.org/s> <http://example.org/v> _:c14n0")


# -- unsigned additions ----------------------------------------------------------


def test_index_added_after_signing_is_refused():
    # index_unsigned.py
    cred = signed()
    forged = copy.deepcopy(cred)
    forged["credentialSubject"]["@index"] = "GPA 4.0, summa cum laude"
    assert_refused(forged, "@index is not signed")


def test_iri_with_a_trailing_newline_is_refused():
    # iri_newline.py: "$" matched before a final newline.
    did, _ = new_signer()
    doc = credential_for(did, credentialSubject={"id": "did:example:alice\n", "alumniOf": "X"})
    with pytest.raises(VCError) as caught:
        to_nquads(doc)
    assert caught.value.code == MALFORMED_VALUE_ERROR and "is not an absolute IRI" in caught.value.message
    forged = copy.deepcopy(signed())
    forged["credentialSubject"]["id"] += "\n"
    err = refusal(forged)
    assert err.code == MALFORMED_VALUE_ERROR and "is not an absolute IRI" in err.message
    assert not context.is_absolute_iri("https://example.org/\n")
    assert context.has_keyword_form("@id") and not context.has_keyword_form("@id\n")
    assert iri_module.resolve_iri("http://a/b", "c\n") == "http://a/c\n"  # parsed, not truncated


# -- memory and work bounds --------------------------------------------------------


def _unsigned(extra_context: Any = None, **subject: Any) -> dict[str, Any]:
    did, _ = new_signer()
    doc = credential_for(did, credentialSubject={"id": "did:example:a", **subject})
    if extra_context is not None:
        doc["@context"] = doc["@context"] + [extra_context]
    return doc


def test_inline_contexts_are_never_memoised_across_documents():
    # ctx_cache_leak.py, ctx_cache_unbounded.py
    root = context.root_for(BUNDLED)
    to_rdf(_unsigned())  # warm the bundled derivations
    cached = len(root._derived)
    units = context.memo_units()
    for i in range(20):
        doc = _unsigned({f"t{i}_{j}": f"https://example.org/v{i}#t{j}" for j in range(200)})
        doc["credentialSubject"]["@context"] = {f"s{i}": f"https://example.org/s{i}"}
        to_rdf(doc)
    assert len(root._derived) == cached
    assert context.memo_units() == units


def test_a_context_with_too_many_terms_fails_quickly():
    start = time.perf_counter()
    with pytest.raises(VCError) as caught:
        to_rdf(_unsigned({f"t{j}": f"https://example.org/v#t{j}" for j in range(context.CONTEXT_BUDGET + 1)}))
    assert caught.value.code == PROOF_TRANSFORMATION_ERROR
    assert "context processing budget" in caught.value.message
    assert time.perf_counter() - start < 5


def test_type_scoped_context_blow_up_fails_quickly():
    # typescoped_blowup.py: every pair of types clones the whole active context.
    types, filler = 40, 3000
    ctx: dict[str, Any] = {f"f{j}": f"https://ex.org/f#{j}" for j in range(filler)}
    ctx.update({f"T{i}": {"@id": f"https://ex.org/T#{i}", "@context": {"z": f"https://ex.org/z{i}"}}
                for i in range(types)})
    nodes = [{"type": [f"T{i}", f"T{j}"]} for i in range(types) for j in range(i + 1, types)]
    start = time.perf_counter()
    with pytest.raises(VCError) as caught:
        to_rdf(_unsigned(ctx, n=nodes))
    assert caught.value.code == PROOF_TRANSFORMATION_ERROR
    assert time.perf_counter() - start < 5


def test_long_strings_are_not_memoised():
    # str_memo_leak.py
    big = "urn:x:" + "a" * 100_000
    context.is_absolute_iri(big)
    assert big not in context._checked
    iri_module.resolve_iri("http://a/", "b" * 10_000)
    assert ("http://a/", "b" * 10_000) not in iri_module._resolved
    root = context.root_for(BUNDLED)
    doc = _unsigned(**{"k" + "a" * 10_000: "v"})
    to_rdf(doc)
    assert all(len(key) <= 256 for derived in root._derived.values() for key in derived._keys)


def test_global_memo_bound_drops_every_cache(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(context, "MAX_MEMO_UNITS", 50)
    epoch = context._MEMO.epoch
    old_root = context.root_for(BUNDLED)
    for i in range(5):
        to_rdf(_unsigned(**{f"key{i}_{j}": "v" for j in range(30)}))
    assert context._MEMO.epoch > epoch
    assert context.root_for(BUNDLED) is not old_root
    assert context.memo_units() <= 50
    monkeypatch.undo()
    doc = _unsigned()
    assert to_nquads(doc) == to_nquads(doc)


def _symmetric_dataset(size: int) -> list[tuple[str, str, str, str]]:
    """A blank-node cycle: every node has the same first-degree hash."""
    p = "<http://example.org/p>"
    return [(f"_:n{i}", p, f"_:n{(i + 1) % size}", "") for i in range(size)]


def test_work_budget_is_shared_by_canonicalizations():
    quads = _symmetric_dataset(12)
    with work_budget(10**6) as probe:
        canonicalize(quads)
    cost = probe.spent
    assert cost > 0
    with work_budget(cost + cost // 2) as budget:
        canonicalize(quads)
        assert budget.remaining == cost // 2
        with pytest.raises(VCError) as caught:
            canonicalize(quads)
        assert caught.value.code == PROOF_TRANSFORMATION_ERROR
        assert "shared by this verification" in caught.value.message
    # Outside the scope only the per-call budget applies.
    assert canonicalize(quads)
    # Scopes nest: the inner one draws from the outer one too.
    with work_budget(cost) as outer:
        with work_budget(10**6) as inner:
            canonicalize(quads)
        assert inner.spent == cost and outer.remaining == 0
        with pytest.raises(VCError):
            canonicalize(quads)
    with pytest.raises(ValueError):
        with work_budget(-1):
            pass


def test_work_budget_charges_context_processing():
    doc = _unsigned({f"t{j}": f"https://example.org/v#t{j}" for j in range(500)})
    with work_budget(10**6) as budget:
        to_rdf(doc)
    assert budget.spent >= 500
    with work_budget(100):
        with pytest.raises(VCError) as caught:
            to_rdf(doc)
    assert caught.value.code == PROOF_TRANSFORMATION_ERROR


def test_work_budget_bounds_a_credential_with_many_costly_proofs():
    # vp_cpu_max.py / vp_dos.py: per-call budgets alone let one request canonicalize
    # many near-budget datasets; a shared scope stops the whole verification.
    chain = [{"id": f"_:x{i}", "p": {"id": f"_:x{i + 1}"}} for i in range(60)]
    cred = signed(credentialSubject={"id": "did:example:a", "g": chain})
    assert statuses(verify_credential(cred, resolver=RESOLVER, checks=["proof"], now=NOW))["proof"] == ("passed", None)
    with work_budget(50) as budget:
        result = verify_credential(cred, resolver=RESOLVER, checks=["proof"], now=NOW)
    assert statuses(result)["proof"] == ("failed", errors.PROOF_TRANSFORMATION_ERROR)
    assert budget.remaining <= 0


def test_document_scoped_contexts_cannot_clear_or_redefine_protected_terms():
    # A property-scoped context may override protected terms in JSON-LD 1.1;
    # one the document supplies could use that to hide or rename what a
    # verifier reads inside a claim (here: the degree node's id).
    did, signer = new_signer()
    cred = suites.add_proof(credential_for(did, credentialSubject={
        "id": "did:example:alice", "degree": {"id": "urn:degree:1", "name": "BA"}}),
        signer=signer, cryptosuite="eddsa-rdfc-2022")
    assert verify_credential(cred, resolver=RESOLVER, now=NOW).verified
    hide = with_context(cred, {"degree": {"@id": EX + "degree", "@context": {"id": None, "ident": "@id"}}})
    hide["credentialSubject"]["degree"]["ident"] = hide["credentialSubject"]["degree"].pop("id")
    assert_refused(hide, "protected term redefinition of 'id'")
    clear = with_context(cred, {"degree": {"@id": EX + "degree", "@context": None}})
    degree = clear["credentialSubject"]["degree"]
    clear["credentialSubject"]["degree"] = {"@id": degree["id"], "https://schema.org/name": degree["name"]}
    assert_refused(clear, "a document's own context may never clear them")
    # A keyword alias shadowing an existing one is refused where used.
    alias = with_context(cred, {"degree": {"@id": EX + "degree", "@context": {"ident": "@id"}}})
    alias["credentialSubject"]["degree"]["ident"] = alias["credentialSubject"]["degree"].pop("id")
    assert_refused(alias, "'ident' is an alias of the protected term 'id'")
