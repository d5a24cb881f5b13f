"""Seeded mutation fuzzing of the verifier.

Two properties over thousands of mutated credentials (vectors, the diploma, JWTs):
the verifier never raises anything but :class:`VCError`, and a mutated credential
whose proof still verifies says exactly what the signer signed: the same JSON for
the JCS suites and JWTs, the same canonical RDF for the RDFC suites.
"""

from __future__ import annotations

import copy
import json
import random
from datetime import datetime, timezone

import pytest

from credentials.vc import jose, suites
from credentials.vc.errors import VCError
from credentials.vc.jsonld import to_nquads
from credentials.vc.verify import verify_credential, verify_presentation
from identity.did import Resolver, did_key_from_public_key
from identity.keys import KeySigner, KeyType, PrivateKey
from tests.conftest import FIXTURES, signed_vectors

NOW = datetime(2026, 7, 1, tzinfo=timezone.utc)
RESOLVER = Resolver(local={})
VALUES = [
    None, True, False, 0, -1, 1.5, 1e308, 2**70, "", "x", "did:key:z6Mk", "#frag", "http://a b",
    "did:web:127.0.0.1", "urn:x", "\u0000", "😀" * 3, [], {}, [None], {"@id": "x"}, {"@context": None},
    {"@type": "@json"}, {"@value": 1}, {"@list": [1]}, "@id", "@type", ["VerifiableCredential"],
    "https://www.w3.org/ns/credentials/v2", "2026-13-01T00:00:00Z", "9999-12-31T23:59:59Z", {"id": "did:example:1"},
]
KEYS = [
    "@context", "@id", "@type", "@graph", "@vocab", "@base", "@language", "@list", "@set", "@reverse", "@nest",
    "@included", "@json", "@value", "@index", "id", "type", "proof", "issuer", "credentialSubject", "validFrom",
    "validUntil", "credentialStatus", "name", "unknownTerm", "verificationMethod", "proofValue", "cryptosuite",
    "proofPurpose", "created", "challenge", "domain",
]


def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, path + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, path + (index,))


def _mutate(document, rnd):
    doc = copy.deepcopy(document)
    for _ in range(rnd.randint(1, 3)):
        path = rnd.choice(list(_paths(doc)))
        if not path:
            continue
        parent = doc
        for key in path[:-1]:
            parent = parent[key]
        roll = rnd.random()
        if roll < 0.4:
            parent[path[-1]] = copy.deepcopy(rnd.choice(VALUES))
        elif roll < 0.6 and isinstance(parent, dict):
            del parent[path[-1]]
        elif roll < 0.8:
            target = parent[path[-1]]
            if isinstance(target, dict):
                target[rnd.choice(KEYS)] = copy.deepcopy(rnd.choice(VALUES))
            elif isinstance(target, list):
                target.append(copy.deepcopy(rnd.choice(VALUES)))
            else:
                parent[path[-1]] = [target, target]
        else:
            parent[path[-1]] = {"@context": {"@vocab": rnd.choice(["x", "http://ex/", None])}, "v": parent[path[-1]]}
    return doc


@pytest.fixture(scope="module")
def seeds():
    key = PrivateKey.generate(KeyType.ED25519)
    did = did_key_from_public_key(key.public_key)
    signer = KeySigner(key, f"{did}#{did.split(':', 2)[2]}")
    diploma = json.loads((FIXTURES / "diploma_ob3.json").read_text(encoding="utf-8"))
    diploma["issuer"]["id"] = did
    docs = [v["signed"] for v in signed_vectors()]
    docs += [suites.add_proof(diploma, signer=signer, cryptosuite=s) for s in ("eddsa-rdfc-2022", "eddsa-jcs-2022")]
    return docs, jose.issue_vc_jwt(diploma, signer=signer)


def _unsecured(doc):
    return {k: v for k, v in doc.items() if k != "proof"}


@pytest.mark.parametrize("seed", range(4))
def test_mutated_credentials(seeds, seed):
    documents, _ = seeds
    rnd = random.Random(seed)
    for _ in range(500):
        original = rnd.choice(documents)
        doc = _mutate(original, rnd)
        try:
            result = verify_credential(doc, resolver=RESOLVER, now=NOW, checks=["proof"])
            verify_presentation(
                {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": "VerifiablePresentation",
                 "verifiableCredential": [doc]}, resolver=RESOLVER, challenge="c", now=NOW)
        except VCError:
            continue
        if result.verified and doc != original:
            suite = original["proof"]["cryptosuite"]
            if "jcs" in suite:
                assert _unsecured(doc) == _unsecured(original), json.dumps(doc)[:500]
            else:
                assert to_nquads(_unsecured(doc)) == to_nquads(_unsecured(original)), json.dumps(doc)[:500]


def test_mutated_jwts(seeds):
    _, token = seeds
    rnd = random.Random(7)
    for _ in range(1000):
        chars = list(token)
        for _ in range(rnd.randint(1, 4)):
            chars[rnd.randrange(len(chars))] = rnd.choice("ABCxyz-_.=+/ ")
        mutated = "".join(chars)
        try:
            result = verify_credential(mutated, resolver=RESOLVER, now=NOW, checks=["proof"])
        except VCError:
            continue
        assert not result.verified or mutated == token
