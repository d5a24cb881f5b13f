"""JSON-LD → canonical N-Quads: W3C vectors, a pyld cross-check corpus, safe mode, budget."""

from __future__ import annotations

import copy
import json
import random
import time
from pathlib import Path
from typing import Any

import pytest

from credentials.vc.documents import BUNDLED
from credentials.vc.errors import MALFORMED_VALUE_ERROR, PARSING_ERROR, PROOF_TRANSFORMATION_ERROR, VCError
from credentials.vc.jsonld import canonicalize, to_nquads, to_rdf
from credentials.vc.jsonld.iri import resolve_iri
from credentials.vc.jsonld.rdf import canonical_double, escape_literal

pytestmark = pytest.mark.core

TESTS = Path(__file__).resolve().parent.parent
VECTORS = TESTS / "vectors"
FIXTURES = TESTS / "fixtures"
# Fixtures safe mode now refuses: the JSON there does not say the IRIs the graph holds.
REFUSED_CORPUS = {
    "edge_compact_iris": "'ex:s' is not the IRI it stands for",
    "edge_node_context": "'ex:s' is not the IRI it stands for",
    "embedded_base": "'credentials/42' is not the IRI it stands for",
}
CORPUS = [
    path
    for path in sorted((FIXTURES / "jsonld_corpus").glob("*.json")) + [FIXTURES / "diploma_ob3.json"]
    if path.stem not in REFUSED_CORPUS
]
V2 = "https://www.w3.org/ns/credentials/v2"
EX = "https://www.w3.org/ns/credentials/examples/v2"
OB = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


def load(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def credential(subject: dict[str, Any], *, context: list[Any] | None = None) -> dict[str, Any]:
    return {
        "@context": context or [V2, EX],
        "id": "urn:uuid:0b8c6a55-3c1e-4b0e-9d5e-000000000001",
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "credentialSubject": subject,
    }


def error_of(document: Any, **kwargs: Any) -> VCError:
    with pytest.raises(VCError) as err:
        to_nquads(document, **kwargs)
    return err.value


# -- W3C vectors -----------------------------------------------------------------


def test_eddsa_rdfc_2022_vectors_byte_for_byte() -> None:
    expected = load(VECTORS / "vc-di-eddsa/eddsa-rdfc-2022_expected.json")
    assert to_nquads(load(VECTORS / "vc-di-eddsa/unsigned.json")) == expected["canonicalDocument"]
    config = load(VECTORS / "vc-di-eddsa/eddsa-rdfc-2022_proofConfigDataInt.json")
    assert to_nquads(config) == expected["canonicalProofConfig"]


def test_ecdsa_rdfc_2019_vectors_byte_for_byte() -> None:
    expected = load(VECTORS / "vc-di-ecdsa/ecdsa-rdfc-2019-p256_expected.json")
    unsigned = load(VECTORS / "vc-di-ecdsa/unsigned.json")
    assert to_nquads(unsigned) == expected["canonicalDocument"]
    signed = load(VECTORS / "vc-di-ecdsa/ecdsa-rdfc-2019-p256_signedECDSAP256.json")
    config = {k: v for k, v in signed["proof"].items() if k != "proofValue"}
    config["@context"] = signed["@context"]
    assert to_nquads(config) == expected["canonicalProofConfig"]


def test_signed_document_without_proof_equals_unsigned() -> None:
    signed = load(VECTORS / "vc-di-eddsa/eddsa-rdfc-2022_signedDataInt.json")
    unsigned = {k: v for k, v in signed.items() if k != "proof"}
    expected = load(VECTORS / "vc-di-eddsa/eddsa-rdfc-2022_expected.json")
    assert to_nquads(unsigned) == expected["canonicalDocument"]
    # With the proof, the proof lands in its own blank-node graph.
    with_proof = to_nquads(signed)
    assert with_proof != expected["canonicalDocument"]
    assert " _:c14n0 .\n" in with_proof


# -- cross-check against pyld ------------------------------------------------------


def _pyld_nquads(document: Any) -> str:
    jsonld = pytest.importorskip("pyld.jsonld")

    def loader(url: str, options: Any = None) -> dict[str, Any]:
        return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(BUNDLED(url))}

    return jsonld.normalize(
        copy.deepcopy(document),
        # rdfDirection as the Data Integrity cryptosuites (and ours) use it.
        {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader,
         "rdfDirection": "i18n-datatype"},
    )


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_corpus_matches_pyld(path: Path) -> None:
    document = load(path)
    ours = to_nquads(document)
    assert ours == _pyld_nquads(document)
    assert ours.endswith("\n")
    lines = ours.splitlines(keepends=True)
    assert lines == sorted(lines)


@pytest.mark.parametrize("name", sorted(REFUSED_CORPUS))
def test_corpus_documents_writing_compact_or_relative_ids_are_refused(name: str) -> None:
    err = error_of(load(FIXTURES / "jsonld_corpus" / f"{name}.json"))
    assert err.code == MALFORMED_VALUE_ERROR and REFUSED_CORPUS[name] in err.message


def test_diploma_has_the_expected_claims() -> None:
    nquads = to_nquads(load(FIXTURES / "diploma_ob3.json"))
    assert '<https://schema.org/name> "李明 / Li Ming" .' in nquads
    assert "<https://purl.imsglobal.org/spec/vc/ob/vocab.html#Achievement> ." in nquads
    assert '"2026-07-01T00:00:00Z"^^<http://www.w3.org/2001/XMLSchema#dateTime>' in nquads
    assert "<https://www.w3.org/ns/credentials/status#statusListIndex> \"94567\" ." in nquads
    assert "<https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential> ." in nquads


def test_presentation_puts_each_credential_in_its_own_graph() -> None:
    vp = load(FIXTURES / "jsonld_corpus/presentation.json")
    quads = to_rdf(vp)
    graphs = {g for *_, g in quads if g}
    # two credentials, two credential proofs, one presentation proof
    assert len(graphs) == 5
    vc_quads = [q for q in quads if q[2] == "<https://www.w3.org/2018/credentials#VerifiableCredential>"]
    assert len(vc_quads) == 2 and all(q[3] for q in vc_quads)


# -- canonicalization properties -----------------------------------------------------


def test_canonical_form_ignores_quad_order_and_blank_node_labels() -> None:
    document = load(FIXTURES / "jsonld_corpus/symmetric_blank_nodes.json")
    quads = to_rdf(document)
    expected = canonicalize(quads)
    rng = random.Random(7)
    labels = sorted({t for q in quads for t in (q[0], q[2], q[3]) if t.startswith("_:")})
    for _ in range(5):
        shuffled = labels[:]
        rng.shuffle(shuffled)
        rename = dict(zip(labels, (f"_:q{i}" for i in range(len(shuffled)))))
        rename = {old: rename[new] for old, new in zip(labels, shuffled)}
        relabelled = [tuple(rename.get(t, t) for t in q) for q in quads]
        rng.shuffle(relabelled)
        assert canonicalize(relabelled) == expected  # type: ignore[arg-type]


def test_duplicate_quads_count_once() -> None:
    quads = to_rdf(load(VECTORS / "vc-di-eddsa/unsigned.json"))
    assert canonicalize(quads + quads) == canonicalize(quads)


def test_literal_escaping_is_canonical() -> None:
    assert escape_literal('a"b\\c\nd\re\tf') == 'a\\"b\\\\c\\nd\\re\\tf'
    assert escape_literal("\x00\x01\x1f\x7f") == "\\u0000\\u0001\\u001F\\u007F"
    assert escape_literal("中文 🎓") == "中文 🎓"


@pytest.mark.parametrize(
    ("value", "lexical"),
    [(1.1, "1.1E0"), (0.5, "5.0E-1"), (-2.5e-7, "-2.5E-7"), (1e21, "1.0E21"), (5.0, "5.0E0"), (123456.789, "1.23456789E5")],
)
def test_canonical_double(value: float, lexical: str) -> None:
    assert canonical_double(value) == lexical


XSD = "http://www.w3.org/2001/XMLSchema#"
I18N = "https://www.w3.org/ns/i18n#"


@pytest.mark.parametrize(
    ("value", "lexical"),
    [
        # JSON-LD 1.1 API §8.6: toExponential(15), whose ties go to the larger magnitude.
        (1234567890123456.5, "1.234567890123457E15"),
        (-1234567890123456.5, "-1.234567890123457E15"),
        (1234567890123457.5, "1.234567890123458E15"),
        (0.10000000000000000555, "1.0E-1"),  # not a tie: the exact value is above ...05
        (-0.0, "0.0E0"),
        (0.0, "0.0E0"),
        (5e-324, "4.940656458412465E-324"),
        (1.7976931348623157e308, "1.797693134862316E308"),
    ],
)
def test_canonical_double_rounding(value: float, lexical: str) -> None:
    assert canonical_double(value) == lexical


def test_negative_zero_typed_double() -> None:
    context = [V2, EX, {"d": {"@id": "https://example.org/d", "@type": XSD + "double"}}]
    nquads = to_nquads(credential({"id": "did:example:s", "v": {"@value": -0.0, "@type": XSD + "double"},
                                   "d": -0.0}, context=context))
    assert f'<did:example:s> <https://www.w3.org/ns/credentials/examples#v> "0.0E0"^^<{XSD}double> .' in nquads
    assert f'<did:example:s> <https://example.org/d> "0.0E0"^^<{XSD}double> .' in nquads
    assert '"-0' not in nquads


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        # What JSON.stringify writes for 1.2345678901234568e20, read as that double (toFixed(0)).
        (123456789012345680000, f'"123456789012345683968"^^<{XSD}integer>'),
        (-123456789012345680000, f'"-123456789012345683968"^^<{XSD}integer>'),
        (123456789012345683968, f'"123456789012345683968"^^<{XSD}integer>'),
        (9007199254740994, f'"9007199254740994"^^<{XSD}integer>'),
        (2**53, f'"9007199254740992"^^<{XSD}integer>'),
        (10**21, f'"1.0E21"^^<{XSD}double>'),
        # The double nearest 1e29 is 99999999999999991433150857216 (jsonld.js agrees).
        (10**29, f'"9.999999999999999E28"^^<{XSD}double>'),
    ],
)
def test_integers_beyond_2_53_are_the_double_javascript_reads(value: int, literal: str) -> None:
    nquads = to_nquads(credential({"id": "did:example:s", "v": value}))
    assert f"<did:example:s> <https://www.w3.org/ns/credentials/examples#v> {literal} ." in nquads


@pytest.mark.parametrize("value", [2**53 + 1, -(2**53) - 1, 12345678901234567890, 10**21 + 1, 10**400])
def test_integers_beyond_2_53_that_javascript_would_change_are_refused(value: int) -> None:
    for doc in (
        credential({"id": "did:example:s", "v": value}),
        credential({"id": "did:example:s", "v": {"@value": value, "@type": XSD + "double"}}),
        credential({"id": "did:example:s", "v": {"@value": [value], "@type": "@json"}}),
    ):
        with pytest.raises(VCError) as caught:
            to_nquads(doc)
        assert caught.value.code == MALFORMED_VALUE_ERROR
        assert "$.credentialSubject.v" in caught.value.message


def _subject_objects(nquads: str) -> list[str]:
    prefix = "<did:example:s> <https://www.w3.org/ns/credentials/examples#"
    return sorted(line[len(prefix):-2] for line in nquads.splitlines() if line.startswith(prefix))


def test_base_direction_as_i18n_datatype() -> None:
    # rdfDirection "i18n-datatype", as Digital Bazaar's cryptosuites canonicalize.
    doc = credential({
        "id": "did:example:s",
        "a": {"@value": "مرحبا", "@language": "AR", "@direction": "rtl"},
        "b": {"@value": "abc", "@direction": "ltr"},
        "c": {"@value": "plain", "@language": "en"},
    })
    assert _subject_objects(to_nquads(doc)) == [
        f'a> "مرحبا"^^<{I18N}ar_rtl>',
        f'b> "abc"^^<{I18N}_ltr>',
        'c> "plain"@en',
    ]


def test_base_direction_from_the_context() -> None:
    context = [V2, EX, {
        "@direction": "rtl",
        "@language": "he",
        "ltrTerm": {"@id": "https://www.w3.org/ns/credentials/examples#ltrTerm", "@direction": "ltr"},
        "noDir": {"@id": "https://www.w3.org/ns/credentials/examples#noDir", "@direction": None},
        "enTerm": {"@id": "https://www.w3.org/ns/credentials/examples#enTerm", "@language": "en"},
        "langMap": {"@id": "https://www.w3.org/ns/credentials/examples#langMap", "@container": "@language",
                    "@direction": "ltr"},
        "typed": {"@id": "https://www.w3.org/ns/credentials/examples#typed", "@type": XSD + "string"},
    }]
    doc = credential({
        "id": "did:example:s", "plain": "x", "ltrTerm": "y", "noDir": "z", "enTerm": "w",
        "langMap": {"fr": "bonjour", "@none": "hi"}, "typed": "t", "number": 1,
    }, context=context)
    assert _subject_objects(to_nquads(doc)) == [
        f'enTerm> "w"^^<{I18N}en_rtl>',
        f'langMap> "bonjour"^^<{I18N}fr_ltr>',
        f'langMap> "hi"^^<{I18N}_ltr>',
        f'ltrTerm> "y"^^<{I18N}he_ltr>',
        'noDir> "z"@he',
        f'number> "1"^^<{XSD}integer>',
        f'plain> "x"^^<{I18N}he_rtl>',
        'typed> "t"',
    ]


def test_changing_the_base_direction_changes_the_nquads() -> None:
    rtl = credential({"id": "did:example:s", "v": {"@value": "abc", "@language": "ar", "@direction": "rtl"}})
    ltr = credential({"id": "did:example:s", "v": {"@value": "abc", "@language": "ar", "@direction": "ltr"}})
    none = credential({"id": "did:example:s", "v": {"@value": "abc", "@language": "ar"}})
    assert len({to_nquads(rtl), to_nquads(ltr), to_nquads(none)}) == 3


@pytest.mark.parametrize(
    "value",
    [
        {"@value": "x", "@direction": None},
        {"@value": "x", "@direction": "up"},
        {"@value": "x", "@direction": "RTL"},
        {"@value": 5, "@direction": "ltr"},
        {"@value": True, "@direction": "rtl"},
        {"@value": "x", "@direction": "ltr", "@type": XSD + "string"},
    ],
)
def test_invalid_base_direction_is_refused(value: dict[str, Any]) -> None:
    with pytest.raises(VCError) as caught:
        to_nquads(credential({"id": "did:example:s", "v": value}))
    assert caught.value.code == MALFORMED_VALUE_ERROR


@pytest.mark.parametrize(
    "context",
    [
        {"@language": "en us"},
        {"@language": "en>"},
        {"@language": "1en"},
        {"t": {"@id": "https://example.org/t", "@language": "en> <https://evil.example/x"}},
        {"@direction": "up"},
    ],
)
def test_invalid_default_language_or_direction_in_a_context_is_refused(context: dict[str, Any]) -> None:
    # A language lands inside the N-Quads literal (and the i18n datatype IRI): it must be well formed.
    with pytest.raises(VCError) as caught:
        to_nquads(credential({"id": "did:example:s", "t": "x"}, context=[V2, EX, context]))
    assert caught.value.code == MALFORMED_VALUE_ERROR


def test_numbers_and_booleans() -> None:
    nquads = to_nquads(credential({"id": "did:example:s", "a": 3, "b": 2.5, "c": True, "d": 10.0, "e": -0.0}))
    xsd = "http://www.w3.org/2001/XMLSchema#"
    assert f'"3"^^<{xsd}integer>' in nquads
    assert f'"2.5E0"^^<{xsd}double>' in nquads
    assert f'"true"^^<{xsd}boolean>' in nquads
    # JSON-LD treats a float without a fractional part as an integer.
    assert f'"10"^^<{xsd}integer>' in nquads
    assert f'"0"^^<{xsd}integer>' in nquads


def test_json_literal_is_jcs() -> None:
    context = [V2, EX, {"data": {"@id": "https://example.org/data", "@type": "@json"}}]
    doc = credential({"id": "did:example:s", "data": {"b": [1, 2.0, 1e-7], "a": "é\n", "c": None}}, context=context)
    nquads = to_nquads(doc)
    literal = '"{\\"a\\":\\"é\\\\n\\",\\"b\\":[1,2,1e-7],\\"c\\":null}"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON>'
    assert literal in nquads


def test_inline_context_language_and_list() -> None:
    context = [
        V2,
        EX,
        {"@language": "zh", "steps": {"@id": "https://example.org/steps", "@container": "@list"}},
    ]
    nquads = to_nquads(credential({"id": "did:example:s", "motto": "求是", "steps": ["一", "二"]}, context=context))
    assert '"求是"@zh' in nquads
    assert nquads.count("<http://www.w3.org/1999/02/22-rdf-syntax-ns#first>") == 2
    assert "<http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> <http://www.w3.org/1999/02/22-rdf-syntax-ns#nil>" in nquads


def test_repeated_calls_are_stable_and_do_not_mutate_input() -> None:
    document = load(FIXTURES / "diploma_ob3.json")
    before = json.dumps(document, sort_keys=True)
    first = to_nquads(document)
    for _ in range(3):
        assert to_nquads(document) == first
    assert json.dumps(document, sort_keys=True) == before


# -- safe mode and JSON-LD errors -----------------------------------------------------------


def test_undefined_term_is_an_error_naming_the_path() -> None:
    doc = credential({"id": "did:example:s", "degree": {"name": "x"}}, context=[V2])
    err = error_of(doc)
    assert err.code == MALFORMED_VALUE_ERROR
    assert "'degree'" in err.message and "$.credentialSubject" in err.message


def test_undefined_top_level_term_is_an_error() -> None:
    doc = credential({"id": "did:example:s"}, context=[V2])
    doc["unknownClaim"] = "dropped?"
    err = error_of(doc)
    assert err.code == MALFORMED_VALUE_ERROR and "unknownClaim" in err.message


def test_type_scoped_terms_do_not_reach_nested_nodes() -> None:
    diploma = load(FIXTURES / "diploma_ob3.json")
    # fieldOfStudy is defined only inside Achievement's type-scoped context.
    diploma["credentialSubject"]["achievement"]["criteria"]["fieldOfStudy"] = "CS"
    err = error_of(diploma)
    assert err.code == MALFORMED_VALUE_ERROR
    assert "fieldOfStudy" in err.message and "criteria" in err.message


def test_relative_type_is_an_error() -> None:
    doc = credential({"id": "did:example:s"}, context=[V2])
    doc["type"] = ["VerifiableCredential", "AlumniCredential"]
    err = error_of(doc)
    assert err.code == MALFORMED_VALUE_ERROR and "AlumniCredential" in err.message


def test_relative_id_is_an_error() -> None:
    err = error_of(credential({"id": "students/42", "alumniOf": "PKU"}))
    assert err.code == MALFORMED_VALUE_ERROR and "students/42" in err.message


def test_relative_iri_value_is_an_error() -> None:
    doc = credential({"id": "did:example:s"})
    doc["issuer"] = "registrar"
    err = error_of(doc)
    assert err.code == MALFORMED_VALUE_ERROR and "issuer" in err.message


def test_iri_with_space_is_an_error() -> None:
    doc = credential({"id": "did:example:s"})
    doc["issuer"] = "https://example.org/a b"
    assert error_of(doc).code == MALFORMED_VALUE_ERROR


def test_term_mapped_to_null_is_an_error() -> None:
    context = [V2, EX, {"secret": None}]
    err = error_of(credential({"id": "did:example:s", "secret": "x"}, context=context))
    assert err.code == MALFORMED_VALUE_ERROR and "secret" in err.message


def test_free_floating_value_is_an_error() -> None:
    doc = {"@context": [V2, EX], "@graph": ["just a string"]}
    assert error_of(doc).code == MALFORMED_VALUE_ERROR


def test_unknown_context_is_a_loader_error() -> None:
    doc = credential({"id": "did:example:s"}, context=[V2, "https://attacker.example/ctx.jsonld"])
    err = error_of(doc)
    assert err.code == PARSING_ERROR and "attacker.example" in err.message


def test_inline_protected_term_redefinition_is_an_error() -> None:
    context = [V2, {"VerifiableCredential": "https://attacker.example/Credential"}]
    err = error_of(credential({"id": "did:example:s"}, context=context))
    assert err.code == MALFORMED_VALUE_ERROR and "protected term redefinition" in err.message


def test_protected_redefinition_between_bundled_contexts() -> None:
    # The classic VC 1.1 + security/v2 clash: both protect Ed25519Signature2018.
    doc = {
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://w3id.org/security/v2"],
        "id": "urn:uuid:1",
        "type": "VerifiableCredential",
        "issuer": "did:example:i",
        "issuanceDate": "2020-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:s"},
    }
    err = error_of(doc)
    assert err.code == MALFORMED_VALUE_ERROR and "Ed25519Signature2018" in err.message


def test_context_nullification_with_protected_terms_is_an_error() -> None:
    doc = credential({"id": "did:example:s", "@context": None, "alumniOf": "x"})
    err = error_of(doc)
    assert err.code == MALFORMED_VALUE_ERROR and "nullification" in err.message


def test_invalid_type_value_is_an_error() -> None:
    doc = credential({"id": "did:example:s"})
    doc["type"] = ["VerifiableCredential", {"id": "x"}]
    assert error_of(doc).code == MALFORMED_VALUE_ERROR


def test_invalid_inline_context_is_an_error() -> None:
    for bad in (42, {"term": 5}, {"@vocab": "relative"}, {"t": {"@id": "https://e.org/t", "@bogus": 1}}):
        doc = credential({"id": "did:example:s"}, context=[V2, bad])
        assert error_of(doc).code == MALFORMED_VALUE_ERROR, bad


def test_custom_loader_serves_extra_context() -> None:
    url = "https://registrar.pku.edu.cn/contexts/degree/v1"
    loader = BUNDLED.with_documents({url: {"@context": {"gpa": {"@id": "https://registrar.pku.edu.cn/vocab#gpa"}}}})
    doc = credential({"id": "did:example:s", "gpa": "3.72"}, context=[V2, url])
    assert '<https://registrar.pku.edu.cn/vocab#gpa> "3.72"' in to_nquads(doc, loader=loader)
    assert error_of(doc).code == PARSING_ERROR


# -- canonicalization budget ------------------------------------------------------------------


def clique(size: int) -> dict[str, Any]:
    """Blank nodes all linked to each other: every first-degree hash is equal."""
    nodes = [
        {"@id": f"_:n{i}", "peer": [{"@id": f"_:n{j}"} for j in range(size) if j != i]} for i in range(size)
    ]
    return credential(nodes)  # type: ignore[arg-type]


def test_small_symmetric_graph_canonicalizes() -> None:
    assert to_nquads(clique(4)) == _pyld_nquads(clique(4))


def test_poisoned_blank_node_graph_exhausts_budget_fast() -> None:
    start = time.perf_counter()
    err = error_of(clique(12))
    elapsed = time.perf_counter() - start
    assert err.code == PROOF_TRANSFORMATION_ERROR
    assert "budget exhausted" in err.message
    assert elapsed < 2.0


def test_large_poisoned_graph_still_fails_fast() -> None:
    start = time.perf_counter()
    assert error_of(clique(120)).code == PROOF_TRANSFORMATION_ERROR
    assert time.perf_counter() - start < 2.0


def test_budget_is_configurable() -> None:
    quads = to_rdf(clique(4))
    with pytest.raises(VCError) as err:
        canonicalize(quads, budget=3)
    assert err.value.code == PROOF_TRANSFORMATION_ERROR
    assert canonicalize(quads, budget=100_000) == to_nquads(clique(4))


def test_cyclic_term_definitions_are_an_error() -> None:
    context = [V2, {"a": "b:x", "b": "a:y"}]
    assert error_of(credential({"id": "did:example:s"}, context=context)).code == MALFORMED_VALUE_ERROR


def test_self_including_remote_context_is_an_error() -> None:
    url = "https://example.org/loop"
    loader = BUNDLED.with_documents({url: {"@context": [url]}})
    doc = credential({"id": "did:example:s"}, context=[V2, url])
    err = error_of(doc, loader=loader)
    assert err.code == MALFORMED_VALUE_ERROR and "recursive" in err.message


def test_keyword_like_key_is_an_error() -> None:
    err = error_of(credential({"id": "did:example:s", "@future": "x"}))
    assert err.code == MALFORMED_VALUE_ERROR and "@future" in err.message


def test_unsupported_keyword_fails_closed() -> None:
    doc = credential({"id": "did:example:s", "@reverse": {"knows": {"id": "did:example:t"}}})
    assert error_of(doc).code == MALFORMED_VALUE_ERROR


# -- regressions: bugs found against the W3C toRdf suite -----------------------------------

P_ID = {"@id": "urn:ex:p", "@type": "@id"}


def vocab_under_base(base: str, reference: str) -> str:
    """The vocabulary IRI that ``reference`` (an ``@vocab``) gets under ``@base``.

    Safe mode refuses relative ``@id`` values (a signed document writes IRIs in
    full), so ``@base`` is observable only through a relative ``@vocab``.
    """
    doc = {"@context": {"@base": base, "@vocab": reference}, "@id": "urn:ex:s", "p": "v"}
    nquads = to_nquads(doc)
    prefix, suffix = "<urn:ex:s> <", 'p> "v" .\n'
    assert nquads.startswith(prefix) and nquads.endswith(suffix) and nquads.count("\n") == 1
    return nquads[len(prefix) : -len(suffix)]


def test_relative_id_under_base_is_refused() -> None:
    doc = {"@context": {"@base": "http://a/b/", "p": P_ID}, "@id": "urn:ex:s", "p": "c"}
    err = error_of(doc)
    assert err.code == MALFORMED_VALUE_ERROR and "'c' is not the IRI it stands for" in err.message
    assert err.message.endswith("(at $.p)")


# RFC 3986 §5.4.1 and §5.4.2 (normal and abnormal examples), base http://a/b/c/d;p?q.
RFC3986_EXAMPLES = {
    "g:h": "g:h", "g": "http://a/b/c/g", "./g": "http://a/b/c/g", "g/": "http://a/b/c/g/",
    "/g": "http://a/g", "//g": "http://g", "?y": "http://a/b/c/d;p?y", "g?y": "http://a/b/c/g?y",
    "#s": "http://a/b/c/d;p?q#s", "g#s": "http://a/b/c/g#s", "g?y#s": "http://a/b/c/g?y#s",
    ";x": "http://a/b/c/;x", "g;x": "http://a/b/c/g;x", "g;x?y#s": "http://a/b/c/g;x?y#s",
    "": "http://a/b/c/d;p?q", ".": "http://a/b/c/", "./": "http://a/b/c/", "..": "http://a/b/",
    "../": "http://a/b/", "../g": "http://a/b/g", "../..": "http://a/", "../../": "http://a/",
    "../../g": "http://a/g", "../../../g": "http://a/g", "../../../../g": "http://a/g",
    "/./g": "http://a/g", "/../g": "http://a/g", "g.": "http://a/b/c/g.", ".g": "http://a/b/c/.g",
    "g..": "http://a/b/c/g..", "..g": "http://a/b/c/..g", "./../g": "http://a/b/g",
    "./g/.": "http://a/b/c/g/", "g/./h": "http://a/b/c/g/h", "g/../h": "http://a/b/c/h",
    "g;x=1/./y": "http://a/b/c/g;x=1/y", "g;x=1/../y": "http://a/b/c/y",
    "g?y/./x": "http://a/b/c/g?y/./x", "g?y/../x": "http://a/b/c/g?y/../x",
    "g#s/./x": "http://a/b/c/g#s/./x", "g#s/../x": "http://a/b/c/g#s/../x", "http:g": "http:g",
}


@pytest.mark.parametrize(("reference", "expected"), sorted(RFC3986_EXAMPLES.items()))
def test_resolve_iri_rfc3986_examples(reference: str, expected: str) -> None:
    assert resolve_iri("http://a/b/c/d;p?q", reference) == expected


@pytest.mark.parametrize(
    ("base", "reference", "expected"),
    [
        # urljoin collapsed the empty segments and kept the dots; it ignored
        # non-hierarchical schemes altogether (the reference stayed relative).
        ("http://ab//de//ghi", "xyz", "http://ab//de//xyz"),
        ("http://ab//de//ghi", "../xyz", "http://ab//de/xyz"),
        ("http://example.com/", "//example.org/../x", "http://example.org/x"),
        ("tag:example", "a", "tag:a"),
        ("tag:example/foo", "a", "tag:example/a"),
        ("did:example:123", "#key-1", "did:example:123#key-1"),
        ("did:example:123#key-1", "#key-2", "did:example:123#key-2"),
        ("urn:ex:a", "b", "urn:b"),
        ("http://a", "b", "http://a/b"),
    ],
)
def test_relative_iris_resolve_per_rfc3986(base: str, reference: str, expected: str) -> None:
    assert resolve_iri(base, reference) == expected
    assert vocab_under_base(base, reference) == expected


def test_relative_base_resolves_per_rfc3986() -> None:
    doc = {
        "@context": [{"@base": "http://ab//de//ghi"}, {"@base": "../x/", "@vocab": "y#"}],
        "@id": "urn:ex:s",
        "p": "v",
    }
    assert to_nquads(doc) == '<urn:ex:s> <http://ab//de/x/y#p> "v" .\n'


@pytest.mark.parametrize(
    "document",
    [
        # @vocab "…v#" + key "#frag" would give "…v##frag": JSON-LD drops the
        # property (not an IRI); safe mode must refuse rather than sign it.
        {"@context": {"@vocab": "http://example.com/v#"}, "@id": "http://example.com/s", "#frag": "x"},
        {"@id": "http://example.com/s#a#b", "http://example.com/p": "x"},
        {"@id": "http://example.com/s", "@type": "http://example.com/T#a#b"},
        {"@context": {"p": P_ID}, "@id": "http://example.com/s", "p": "http://example.com/o#a#b"},
        {"@id": "http://example.com/s", "http://example.com/p": {"@value": "x", "@type": "http://e.org/d#a#b"}},
    ],
)
def test_iri_with_two_hashes_is_an_error(document: dict[str, Any]) -> None:
    err = error_of(document)
    assert err.code == MALFORMED_VALUE_ERROR
    assert "#a#b" in err.message or "##frag" in err.message


def test_relative_context_reference_is_an_error_not_resolved_against_base() -> None:
    asked: list[str] = []
    served = BUNDLED.with_documents({"https://example.org/a/ctx.jsonld": {"@context": {"p": "https://e.org/p"}}})

    def loader(url: str) -> Any:
        asked.append(url)
        return served(url)

    # Before: resolved against @base, so the loader served https://example.org/a/ctx.jsonld.
    doc = {
        "@context": [{"@base": "https://example.org/a/"}, "ctx.jsonld"],
        "@id": "https://example.org/s",
        "p": "x",
    }
    err = error_of(doc, loader=loader)
    assert err.code == MALFORMED_VALUE_ERROR and "relative context reference 'ctx.jsonld'" in err.message
    assert asked == []
    # A relative reference inside a remote context fails closed as well.
    nested = BUNDLED.with_documents({"https://example.org/a/main": {"@context": ["ctx.jsonld"]}})
    err = error_of({"@context": "https://example.org/a/main", "@id": "https://example.org/s"}, loader=nested)
    assert err.code == MALFORMED_VALUE_ERROR and "in remote context 'https://example.org/a/main'" in err.message


JSON_NULL = '<http://example.org/s> <http://example.org/e> "null"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON> .\n'


def test_json_null_is_a_json_literal_not_dropped() -> None:
    context = {"e": {"@id": "http://example.org/e", "@type": "@json"}}
    compact = {"@context": context, "@id": "http://example.org/s", "e": None}
    expanded = {"@id": "http://example.org/s", "http://example.org/e": {"@value": None, "@type": "@json"}}
    assert to_nquads(compact) == JSON_NULL
    assert to_nquads(expanded) == JSON_NULL
    # "e": null and a missing "e" must not canonicalize (and so sign) alike.
    missing = {"@context": context, "@id": "http://example.org/s"}
    assert to_nquads(missing) == ""
    # A null in a JSON value stays inside the literal.
    inner = {"@context": context, "@id": "http://example.org/s", "e": [None, {"a": None}]}
    assert '"[null,{\\"a\\":null}]"^^' in to_nquads(inner)


def test_plain_null_is_still_no_value() -> None:
    # As in JSON-LD and other implementations' safe modes: null is "no value".
    doc = {"@context": {"p": "http://example.org/p"}, "@id": "http://example.org/s", "p": None}
    assert to_nquads(doc) == ""
    doc["p"] = [None, "x"]
    assert to_nquads(doc) == '<http://example.org/s> <http://example.org/p> "x" .\n'


@pytest.mark.parametrize(
    "value",
    [
        {"@value": None},
        {"@value": None, "@language": "en"},
        {"@value": None, "@type": "http://www.w3.org/2001/XMLSchema#string"},
        [{"@value": None}],
    ],
)
def test_null_value_object_is_refused(value: Any) -> None:
    # Digital Bazaar's safe mode refuses it ("null @value value"): a value
    # object says something was meant, and dropping it silently is data loss.
    doc = {"@context": {"p": "http://example.org/p"}, "@id": "http://example.org/s", "p": value}
    with pytest.raises(VCError) as caught:
        to_nquads(doc)
    assert caught.value.code == MALFORMED_VALUE_ERROR
    assert "null @value" in caught.value.message
    # @json's null is a value (the JSON literal null), not "no value".
    doc["p"] = {"@value": None, "@type": "@json"}
    assert to_nquads(doc) == f'<http://example.org/s> <http://example.org/p> "null"^^<http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON> .\n'


def test_graph_index_container_does_not_rewrap_a_graph_object() -> None:
    context = {"@vocab": "http://example.org/", "input": {"@container": ["@graph", "@index"]}}
    node = {"@id": "http://example.org/n", "value": "x"}
    wrapped = {"@context": context, "@id": "http://example.org/s", "input": {"g1": {"@graph": node}}}
    plain = {"@context": context, "@id": "http://example.org/s", "input": {"g1": node}}
    expected = (
        '<http://example.org/n> <http://example.org/value> "x" _:c14n0 .\n'
        "<http://example.org/s> <http://example.org/input> _:c14n0 .\n"
    )
    # Both are the graph _:g holding n's claim, and s input _:g (before, the
    # first gave s input _:g1 with _:g1 an empty graph wrapping nothing).
    assert to_nquads(wrapped) == expected
    assert to_nquads(plain) == expected
    # Through an alias of @graph, and mixed with a node object to be wrapped.
    context["g"] = "@graph"
    mixed = {
        "@context": context,
        "@id": "http://example.org/s",
        "input": {"i": [{"g": {"value": "x"}}, {"value": "y"}]},
    }
    assert to_nquads(mixed) == (  # as pyld gives
        "<http://example.org/s> <http://example.org/input> _:c14n1 .\n"
        "<http://example.org/s> <http://example.org/input> _:c14n3 .\n"
        '_:c14n0 <http://example.org/value> "x" _:c14n3 .\n'
        '_:c14n2 <http://example.org/value> "y" _:c14n1 .\n'
    )
    # A plain @graph container still wraps every value, graph objects included.
    context["input"] = {"@container": "@graph"}
    rewrapped = {"@context": context, "@id": "http://example.org/s", "input": {"@graph": node}}
    assert to_nquads(rewrapped) == (
        '<http://example.org/n> <http://example.org/value> "x" _:c14n0 .\n'
        "<http://example.org/s> <http://example.org/input> _:c14n1 .\n"
    )


@pytest.mark.parametrize("index", ["ok", True, 1, None, ["a"], {"a": "b"}])
def test_explicit_index_is_refused(index: Any) -> None:
    # @index produces no RDF, so it could be added to a signed document.
    value = {"@value": "simple string", "@language": "en", "@index": index}
    node = {"@id": "http://example.com/n", "@index": index, "http://example.com/p": "x"}
    listed = {"@list": ["a"], "@index": index}
    for item in (value, node, listed):
        err = error_of({"@id": "http://example.com/s", "http://example.com/vocab/indexMap": item})
        assert err.code == MALFORMED_VALUE_ERROR and "@index is not signed" in err.message
        assert err.message.endswith('(at $["http://example.com/vocab/indexMap"]["@index"])')
    # An index map (the key is the index) is still fine.
    doc = {
        "@context": {"m": {"@id": "http://example.com/m", "@container": "@index"}},
        "@id": "http://example.com/s",
        "m": {"k": "v"},
    }
    assert to_nquads(doc) == '<http://example.com/s> <http://example.com/m> "v" .\n'


def test_protected_type_keyword_cannot_be_redefined() -> None:
    protected = {"@type": {"@container": "@set", "@protected": True}}
    doc = {"@context": [protected, {"@type": {"@protected": True}}], "@id": "http://example.com/1"}
    err = error_of(doc)
    assert err.code == MALFORMED_VALUE_ERROR and "protected term redefinition of '@type'" in err.message
    # An identical redefinition is allowed, as for any protected term.
    doc["@context"] = [protected, {"@type": {"@container": "@set"}}]
    assert to_nquads(doc) == ""
    # A protected @type also forbids nullifying the context.
    doc["@context"] = [protected, None]
    assert "nullification" in error_of(doc).message
    # Unprotected, it may be redefined.
    doc["@context"] = [{"@type": {"@container": "@set"}}, {"@type": {"@protected": True}}]
    assert to_nquads(doc) == ""
