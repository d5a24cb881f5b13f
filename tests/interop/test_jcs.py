"""RFC 8785 (JCS) and the JCS Data Integrity suites against independent code.

No npm cryptosuite exists for eddsa-jcs-2022 or ecdsa-jcs-2019, so the peer has
its own small implementation of both (peer.mjs: `canonicalize`, the RFC 8785
reference implementation by one of its authors, plus node:crypto), written from
the W3C Recommendations and checked here against the W3C test vectors first.
Then: canonical bytes agree on a corpus of awkward JSON; our proofs verify
there, its proofs verify here, tampering fails on both sides, and Ed25519
proofValues are identical.
"""

from __future__ import annotations

import base64
import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from credentials.vc import suites
from credentials.vc.errors import CRYPTOGRAPHIC_SECURITY_ERROR, MALFORMED_VALUE_ERROR, PARSING_ERROR, VCError
from credentials.vc.jcs import canonicalize
from credentials.vc.jsonutil import loads
from credentials.vc.verify import verify_credential
from identity.did import Resolver
from identity.keys import KeyType
from tests.conftest import alumni, diploma, signed_vectors
from tests.interop import peer
from tests.interop.peer import Party

NOW = datetime(2026, 9, 1, tzinfo=UTC)
CREATED = "2026-08-01T12:00:00Z"
RESOLVER = Resolver(local={})
COMBOS = {
    "eddsa-jcs-2022": ("eddsa-jcs-2022", KeyType.ED25519),
    "ecdsa-jcs-2019-P256": ("ecdsa-jcs-2019", KeyType.P256),
    "ecdsa-jcs-2019-P384": ("ecdsa-jcs-2019", KeyType.P384),
}
JCS_VECTORS = [v for v in signed_vectors() if v["cryptosuite"].endswith("jcs-2022") or "jcs-2019" in v["cryptosuite"]]

# JSON texts: RFC 8785's own examples, then keys and numbers chosen to break
# implementations that sort by code point, format floats with printf or repr,
# or escape like Python's json with ensure_ascii.
CORPUS: dict[str, str] = {
    "rfc8785-3.2.2": (
        '{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001],'
        '"string":"\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/","literals":[null,true,false]}'
    ),
    "rfc8785-3.2.3-sorting": (
        '{"\\u20ac":"Euro Sign","\\r":"Carriage Return","\\ufb33":"Hebrew Letter Dalet With Dagesh",'
        '"1":"One","\\ud83d\\ude00":"Emoji: Grinning Face","\\u0080":"Control","\\u00f6":"Latin Small Letter O With Diaeresis"}'
    ),
    "non-bmp-keys": '{"\U0001d11e":1,"\uffff":2,"\ue000":3,"\U0001f600":4,"\ud7ff":5,"\U00010000":6,"a":7,"":8}',
    "non-bmp-nested": '{"z":{"\U0001f600":[{"\ufb33":1,"\U0001f601":2}]},"y":"\U0001f600\\ud83d\\ude01"}',
    "integers": "[0,-0,1,-1,100,1E2,9007199254740991,-9007199254740991,9007199254740992,1152921504606846976]",
    "floats": "[1.5,-1.5,0.1,0.30000000000000004,4.35,2.0,-0.0,1e21,1e+21,-1e21,1e20,9.999999999999999e20]",
    "small": "[1e-6,0.000001,1e-7,1.5e-7,5e-324,2.2250738585072014e-308,1.7976931348623157e308]",
    "shortest-round-trip": "[123456789012345.66,1234567890123456.5,0.1e-100,7.0e-10,1.0000000000000002,33.333333333333336]",
    "strings": '["\\u0000\\u0001\\b\\t\\n\\u000b\\f\\r\\u001f","\\u007f\\u0080\\u00a0","\\u2028\\u2029","\\ufeff",'
    '"\\"\\\\/","中文","\U0001f600","\\ud83d\\ude00","é","e\\u0301"]',
    "deep": '{"b":[[[[[]]]],{}],"a":{"c":{"d":{"e":[null,true,false,{"f":"g"}]}}}}',
    "whitespace": ' { "b" : [ 1 , 2 ] ,\n\t"a" : "x" } ',
}
# Both refuse: no JCS form exists.
CORPUS_REFUSED = {
    "lone-high-surrogate": '["\\ud800"]',
    "lone-low-surrogate": '{"\\udc00":1}',
}


@pytest.fixture(scope="module")
def exchange() -> dict[str, Any]:
    keys: list[str] = []
    requests: list[dict[str, Any]] = []
    local: dict[str, Any] = {}

    def add(key: str, request: dict[str, Any]) -> None:
        keys.append(key)
        requests.append(request)

    for name, text in {**CORPUS, **CORPUS_REFUSED}.items():
        add(f"jcs/{name}", {"action": "jcs", "json": text})
    for vector in JCS_VECTORS:
        add(f"vector/{vector['name']}", {"action": "jcs-verify", "document": vector["signed"]})
        tampered = copy.deepcopy(vector["signed"])
        tampered["credentialSubject"]["alumniOf"] = "The School of Forgeries"
        add(f"vector-tampered/{vector['name']}", {"action": "jcs-verify", "document": tampered})
    for combo, (suite, key_type) in COMBOS.items():
        party = Party(key_type, f"{combo} jcs issuer")
        for name, make in DOCUMENTS.items():
            case = f"{combo}/{name}"
            doc = make(party.did)
            ours = suites.add_proof(doc, signer=party.signer, cryptosuite=suite, created=CREATED)
            local[case] = {"unsigned": doc, "ours": ours}
            add(f"{case}/verify", {"action": "jcs-verify", "document": ours})
            add(f"{case}/verify-tampered", {"action": "jcs-verify", "document": tampered_doc(ours)})
            add(f"{case}/sign", {
                "action": "jcs-sign", "document": doc, "cryptosuite": suite, "jwk": party.key.jwk(),
                "verificationMethod": party.vm, "created": CREATED,
            })
    results = dict(zip(keys, peer.run(requests), strict=True))
    return {"results": results, "local": local}



def awkward(issuer: str) -> dict[str, Any]:
    """Members whose JCS order or number form is easy to get wrong (JCS signs the JSON, not RDF)."""
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        "type": ["VerifiableCredential", "ExampleCredential"],
        "issuer": issuer,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:awkward",
            "\ufb33": "after the emoji in UTF-16 order, before it in code point order",
            "\U0001f600": "😀",
            "\U0001d11e": "𝄞",
            "\ue000": "private use",
            "numbers": [1.5, 0.1, 1e21, 1e-7, 4.35, 2.0, -0.0, 9007199254740991, 5e-324, 1.7976931348623157e308],
            "text": "tab\t newline\n quote\" backslash\\ nul\u0000 del\u007f ls\u2028 中文",
            "flags": [True, False, None],
        },
    }


DOCUMENTS = {"alumni": alumni, "diploma": diploma, "awkward": awkward}


def tampered_doc(doc: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(doc)
    out["credentialSubject"]["id"] = out["credentialSubject"]["id"] + "x"
    return out


def statuses(result) -> dict[str, tuple[str, str | None]]:
    return {c.check: (c.status, c.code) for c in result.checks}


@pytest.mark.parametrize("name", list(CORPUS))
def test_same_canonical_bytes(exchange, name):
    theirs = base64.b64decode(peer.ok(exchange["results"][f"jcs/{name}"])["canonical"])
    assert canonicalize(loads(CORPUS[name])) == theirs


def test_rfc8785_examples_are_the_published_bytes(exchange):
    # The RFC's own expected output, so that agreement above is agreement with the RFC.
    numbers = base64.b64decode(exchange["results"]["jcs/rfc8785-3.2.2"]["canonical"])
    assert numbers == (
        b'{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        b'"string":"\xe2\x82\xac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    sorting = loads(base64.b64decode(exchange["results"]["jcs/rfc8785-3.2.3-sorting"]["canonical"]))
    assert list(sorting) == ["\r", "1", "\u0080", "\u00f6", "\u20ac", "\U0001f600", "\ufb33"]


@pytest.mark.parametrize("name", list(CORPUS_REFUSED))
def test_both_refuse_lone_surrogates(exchange, name):
    assert "Lone surrogate" in exchange["results"][f"jcs/{name}"]["error"]
    # Our strict parser refuses the text outright; JCS refuses such a string too.
    with pytest.raises(VCError) as caught:
        loads(CORPUS_REFUSED[name])
    assert caught.value.code == PARSING_ERROR
    with pytest.raises(VCError) as caught:
        canonicalize(json.loads(CORPUS_REFUSED[name]))
    assert caught.value.code == MALFORMED_VALUE_ERROR


def test_integers_beyond_2_53_that_no_double_holds_are_refused_here():
    # RFC 8785 §3.2.2.3 has parsers read every number as an IEEE double, so the
    # reference implementation signs 9007199254740993 as 9007199254740992: what
    # is signed is not what the document says. We refuse such integers instead.
    assert canonicalize(loads("[9007199254740992]")) == b"[9007199254740992]"
    for text in ("[9007199254740993]", "[12345678901234567890]"):
        with pytest.raises(VCError) as caught:
            canonicalize(loads(text))
        assert caught.value.code == MALFORMED_VALUE_ERROR


# 123456789012345680000 is how JavaScript (and RFC 8785 itself) writes the double
# 1.2345678901234568e20: its text is the double's shortest form, so it is read as
# that double here too (what a JavaScript JCS issuer signs is what we canonicalize).
def test_javascript_written_large_doubles_canonicalize_here():
    text = "[123456789012345680000,295147905179352830000,999999999999999900000]"
    assert canonicalize(loads(text)) == text.encode()


@pytest.mark.parametrize("vector", JCS_VECTORS, ids=[v["name"] for v in JCS_VECTORS])
def test_peer_jcs_suites_verify_the_w3c_vectors(exchange, vector):
    # The peer's JCS suites are the independent side: first show they are right.
    assert exchange["results"][f"vector/{vector['name']}"] == {"verified": True}
    assert exchange["results"][f"vector-tampered/{vector['name']}"] == {"verified": False, "reason": "signature"}


CASES = [pytest.param(combo, name, id=f"{combo}-{name}") for combo in COMBOS for name in DOCUMENTS]


@pytest.mark.parametrize(("combo", "name"), CASES)
def test_ours_verifies_in_peer(exchange, combo, name):
    assert exchange["results"][f"{combo}/{name}/verify"] == {"verified": True}
    assert exchange["results"][f"{combo}/{name}/verify-tampered"] == {"verified": False, "reason": "signature"}


@pytest.mark.parametrize(("combo", "name"), CASES)
def test_peer_signed_verifies_here(exchange, combo, name):
    theirs = peer.ok(exchange["results"][f"{combo}/{name}/sign"])["document"]
    result = verify_credential(theirs, resolver=RESOLVER, checks=["proof"], now=NOW)
    assert statuses(result)["proof"] == ("passed", None), result.as_dict()
    full = verify_credential(theirs, resolver=RESOLVER, now=NOW)
    assert statuses(full)["issuer"] == ("passed", None), full.as_dict()

    result = verify_credential(tampered_doc(theirs), resolver=RESOLVER, checks=["proof"], now=NOW)
    assert statuses(result)["proof"] == ("failed", CRYPTOGRAPHIC_SECURITY_ERROR)


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_eddsa_jcs_proofs_are_identical(exchange, name):
    ours = exchange["local"][f"eddsa-jcs-2022/{name}"]["ours"]
    theirs = peer.ok(exchange["results"][f"eddsa-jcs-2022/{name}/sign"])["document"]
    assert theirs == ours
